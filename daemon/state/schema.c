/* schema.c — see schema.h. */
#include "schema.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "store-sql.h"
#include "i18n.h"
#include "util.h"

/* ---- step 1: the schema of the releases before versions ----------------------------------- */

/* The tables as the last release before versions made them; a file of an earlier release lacks
 * some (CREATE … IF NOT EXISTS adds them), has indexes since replaced (dropped here: outbox_due
 * until 2026-11-25, outbox_due_order and outbox_next until 2026-12-01, outbox_due_seq in
 * between), or lacks a column (later_columns). */
static const char V1_SQL[] =
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);"
        /* completion.h: the record */
        "CREATE TABLE IF NOT EXISTS completions ("
        " id INTEGER PRIMARY KEY,"
        " duty TEXT NOT NULL, post TEXT NOT NULL, person TEXT NOT NULL,"
        " period TEXT NOT NULL, done_by TEXT, done_on TEXT NOT NULL,"
        " note TEXT, evidence TEXT, source TEXT,"
        " recorded_at INTEGER NOT NULL, undone_at INTEGER);"
        "CREATE INDEX IF NOT EXISTS completions_by_assignment"
        " ON completions (duty, post, person, period);"
        "CREATE INDEX IF NOT EXISTS completions_by_duty_period ON completions (duty, period);"
        "CREATE INDEX IF NOT EXISTS completions_undone ON completions (undone_at);"
        /* feedversion.h */
        "CREATE TABLE IF NOT EXISTS feed_versions ("
        " key TEXT PRIMARY KEY NOT NULL,"
        " hash INTEGER NOT NULL,"
        " rev INTEGER NOT NULL,"
        " stamp INTEGER NOT NULL) WITHOUT ROWID;"
        /* feedtoken.h */
        "CREATE TABLE IF NOT EXISTS feed_tokens ("
        " feed TEXT PRIMARY KEY NOT NULL,"
        " token TEXT NOT NULL,"
        " created INTEGER NOT NULL);"
        /* donelink.h */
        "CREATE TABLE IF NOT EXISTS donelink_key ("
        " id INTEGER PRIMARY KEY CHECK (id = 1), key BLOB NOT NULL);"
        "CREATE TABLE IF NOT EXISTS donelink_used ("
        " nonce TEXT PRIMARY KEY, occurrence TEXT NOT NULL,"
        " used_at INTEGER NOT NULL, completion INTEGER);"
        /* raise.h */
        "CREATE TABLE IF NOT EXISTS events ("
        " id INTEGER PRIMARY KEY, event TEXT NOT NULL, note TEXT,"
        " raised_at INTEGER NOT NULL, raised_by TEXT);"
        /* outbox.h */
        "CREATE TABLE IF NOT EXISTS outbox ("
        "  id TEXT PRIMARY KEY,"
        "  channel TEXT NOT NULL,"
        "  recipient TEXT NOT NULL,"
        "  kind TEXT NOT NULL,"
        "  occurrence TEXT NOT NULL,"
        "  content TEXT NOT NULL,"
        "  state TEXT NOT NULL DEFAULT 'queued',"
        "  attempts INTEGER NOT NULL DEFAULT 0,"
        "  resigns INTEGER NOT NULL DEFAULT 0,"
        "  created INTEGER NOT NULL,"
        "  next_attempt INTEGER NOT NULL,"
        "  give_up INTEGER NOT NULL,"
        "  sent INTEGER NOT NULL DEFAULT 0,"
        "  last_error TEXT,"
        /* 1: content is the request body itself (outbox.h) */
        "  prebuilt INTEGER NOT NULL DEFAULT 0);"
        /* One partial index per state that is looked up: a row is in at most one of them, and a
         * sent row (nearly every row, in time) in none, so marking a message sent touches the
         * row and one small index. Queries name the state exactly as the index does.
         * outbox_queued is in the order outbox_due() reads, so that taking the first few due
         * rows walks it instead of sorting every due row; ties go by rowid (an index's implicit
         * last column), the order queued: a batch then claims rows that sit side by side in the
         * table, and its commit writes a few pages where ids (hashes) scattered them over one
         * page each. */
        "DROP INDEX IF EXISTS outbox_due;"
        "DROP INDEX IF EXISTS outbox_due_order;"
        "DROP INDEX IF EXISTS outbox_due_seq;"
        "DROP INDEX IF EXISTS outbox_next;"
        "CREATE INDEX IF NOT EXISTS outbox_queued"
        "  ON outbox(channel, next_attempt, created) WHERE state='queued';"
        "CREATE INDEX IF NOT EXISTS outbox_sending"
        "  ON outbox(channel) WHERE state='sending';"
        "CREATE INDEX IF NOT EXISTS outbox_failed"
        "  ON outbox(created) WHERE state='failed';"
        "CREATE TABLE IF NOT EXISTS outbox_items ("
        "  occurrence TEXT NOT NULL,"
        "  step TEXT NOT NULL,"
        "  channel TEXT NOT NULL,"
        "  recipient TEXT NOT NULL,"
        "  delivery_id TEXT NOT NULL,"
        "  PRIMARY KEY (occurrence, step, channel, recipient));";

/* Columns added to a table after its first release (ALTER TABLE … ADD COLUMN, when missing). */
typedef struct LaterColumn {
        const char *table, *column, *decl;
} LaterColumn;

static const LaterColumn later_columns[] = {
        {"outbox", "prebuilt", "INTEGER NOT NULL DEFAULT 0"}, /* 2026-12-01 */
};

/* Step 2 (2026-12-02): events' level, when they happened, their close (raise.h). */
static const LaterColumn v2_columns[] = {
        {"events", "level", "TEXT"},
        {"events", "occurred_at", "INTEGER"},
        {"events", "closed_at", "INTEGER"},
        {"events", "closed_by", "TEXT"},
};

static bool in_columns(const LaterColumn *v, size_t n, const char *table, const char *column) {
        for (size_t i = 0; i < n; i++)
                if (streq(v[i].table, table) && streq(v[i].column, column))
                        return true;
        return false;
}

/* Step 3 (2026-12-02): who entered a completion (a console clerk, consolelink.h). */
static const LaterColumn v3_columns[] = {
        {"completions", "recorded_by", "TEXT"},
};

/* Step 3's tables: the evidence files of completions (evidence.h) and the clerks' console
 * links (consolelink.h). */
#define V3_SQL                                                                            \
        "CREATE TABLE IF NOT EXISTS evidence_files ("                                     \
        " completion INTEGER NOT NULL, sha256 TEXT NOT NULL, name TEXT NOT NULL,"         \
        " mime TEXT NOT NULL, size INTEGER NOT NULL, PRIMARY KEY (completion, sha256));"  \
        "CREATE INDEX IF NOT EXISTS evidence_by_hash ON evidence_files (sha256);"         \
        "CREATE TABLE IF NOT EXISTS console_links ("                                      \
        " id INTEGER PRIMARY KEY, person TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE," \
        " csrf TEXT NOT NULL, created INTEGER NOT NULL, revoked_at INTEGER);"

static bool is_later_column(const char *table, const char *column) {
        return in_columns(later_columns, ELEMENTSOF(later_columns), table, column) ||
               in_columns(v2_columns, ELEMENTSOF(v2_columns), table, column) ||
               in_columns(v3_columns, ELEMENTSOF(v3_columns), table, column);
}

/* The names of the columns of `table` as ",a,b,c," ("," when there is no such table), in
 * *ret (malloc'd): 0, -EIO or -ENOMEM. */
static int column_names(sqlite3 *db, const char *table, char **ret) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info(?)", -1, &st, NULL) !=
                    SQLITE_OK ||
            sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC) != SQLITE_OK)
                return -EIO;
        Buf b = {0};
        buf_puts(&b, ",");
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW)
                buf_printf(&b, "%s,", (const char *)sqlite3_column_text(st, 0));
        if (step != SQLITE_DONE) {
                buf_done(&b);
                return -EIO;
        }
        *ret = buf_steal(&b);
        return *ret ? 0 : -ENOMEM;
}

static bool has_name(const char *list, const char *name) {
        size_t n = strlen(name);
        for (const char *p = strstr(list, name); p; p = strstr(p + 1, name))
                if (p > list && p[-1] == ',' && p[n] == ',')
                        return true;
        return false;
}

static int add_columns(Store *s, const LaterColumn *v, size_t n) {
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *have = NULL;
                int r = column_names(store_db(s), v[i].table, &have);
                if (r < 0)
                        return r;
                if (has_name(have, v[i].column))
                        continue;
                _cleanup_free_ char *sql = strfmt("ALTER TABLE %s ADD COLUMN %s %s", v[i].table,
                                                  v[i].column, v[i].decl);
                if (!sql)
                        return -ENOMEM;
                if (store_exec(s, sql) < 0)
                        return -EIO;
        }
        return 0;
}

static int add_later_columns(Store *s) {
        return add_columns(s, later_columns, ELEMENTSOF(later_columns));
}

/* Step 2: the columns of v2_columns (a file reset to an earlier version may have them). */
static int add_v2_columns(Store *s) {
        return add_columns(s, v2_columns, ELEMENTSOF(v2_columns));
}

/* Step 3: the columns of v3_columns. */
static int add_v3_columns(Store *s) {
        return add_columns(s, v3_columns, ELEMENTSOF(v3_columns));
}

const SchemaStep schema_steps[] = {
        {1, N_("add the tables, columns and indexes earlier versions lack"), V1_SQL,
         add_later_columns},
        {2, N_("the level, time and end of events"), NULL, add_v2_columns},
        {3, N_("evidence files and the console's links"), V3_SQL, add_v3_columns},
};
const size_t schema_n_steps = ELEMENTSOF(schema_steps);

/* ---- which file this is ---------------------------------------------------------------------- */

static int foreign(SchemaInfo *ret, const char *fmt, ...) _printf_(2, 3);
static int foreign(SchemaInfo *ret, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ret->why, sizeof(ret->why), fmt, ap);
        va_end(ap);
        ret->kind = SCHEMA_FOREIGN;
        return 0;
}

/* A dutyd table of a file before versions has the columns step 1 makes, less those added
 * later; anything else is another program's table of the same name. */
static int check_columns(sqlite3 *db, sqlite3 *ref, const char *table, SchemaInfo *ret) {
        _cleanup_free_ char *have = NULL, *want = NULL;
        int r = column_names(db, table, &have);
        if (r < 0 || (r = column_names(ref, table, &want)) < 0)
                return r;
        for (char *p = want + 1, *e; (e = strchr(p, ',')); p = e + 1) {
                *e = 0;
                if (!has_name(have, p) && !is_later_column(table, p))
                        return foreign(ret, _("table %s lacks dutyd's column %s"), table, p);
                *e = ',';
        }
        for (char *p = have + 1, *e; (e = strchr(p, ',')); p = e + 1) {
                *e = 0;
                if (!has_name(want, p) && !is_later_column(table, p))
                        return foreign(ret, _("table %s has a column dutyd does not have, %s"),
                                       table, p);
                *e = ',';
        }
        return 0;
}

/* A file with neither application_id nor user_version: new, dutyd's before versions, or
 * another program's. Compared with the tables step 1 makes in an empty database. */
static int inspect_unmarked(Store *s, SchemaInfo *ret) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        if (store_prepare(s,
                          "SELECT name FROM sqlite_master WHERE type = 'table'"
                          " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
                          &st) < 0)
                return -EIO;
        sqlite3 *ref = NULL;
        if (sqlite3_open_v2(":memory:", &ref, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
            sqlite3_exec(ref, V1_SQL, NULL, NULL, NULL) != SQLITE_OK) {
                sqlite3_close(ref);
                return -ENOMEM;
        }
        Buf names = {0}; /* the first few tables that are no proof */
        size_t ours = 0, n_tables = 0;
        int step = SQLITE_DONE, r = 0;
        while (r == 0 && ret->kind != SCHEMA_FOREIGN && (step = sqlite3_step(st)) == SQLITE_ROW) {
                const char *name = (const char *)sqlite3_column_text(st, 0);
                _cleanup_free_ char *cols = NULL;
                if ((r = column_names(ref, name, &cols)) < 0)
                        break;
                /* meta is dutyd's too, but a name common enough to prove nothing */
                bool proof = !streq(cols, ",") && !streq(name, "meta");
                ours += proof;
                if (!proof && n_tables - ours < 3)
                        buf_printf(&names, "%s%s", n_tables > ours ? _(", ") : "", name);
                n_tables++;
                if (!streq(cols, ","))
                        r = check_columns(store_db(s), ref, name, ret);
        }
        if (r == 0 && ret->kind != SCHEMA_FOREIGN) {
                if (step != SQLITE_DONE)
                        r = -EIO;
                else if (ours > 0)
                        ret->kind = SCHEMA_OLDER;
                else if (n_tables > 0)
                        foreign(ret, _("it has no table of dutyd (only %s%s)"),
                                names.data ? names.data : "", n_tables > 3 ? _(" and more") : "");
                else
                        ret->kind = SCHEMA_NEW;
        }
        buf_done(&names);
        sqlite3_close(ref);
        return r;
}

static int pragma_int(Store *s, const char *sql, int64_t *ret) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        if (store_prepare(s, sql, &st) < 0 || sqlite3_step(st) != SQLITE_ROW)
                return -EIO;
        *ret = sqlite3_column_int64(st, 0);
        return 0;
}

int schema_inspect(Store *s, const SchemaStep *steps, size_t n, SchemaInfo *ret) {
        *ret = (SchemaInfo){0};
        int target = n > 0 ? steps[n - 1].version : 0;
        int64_t app, version;
        if (pragma_int(s, "PRAGMA application_id", &app) < 0 ||
            pragma_int(s, "PRAGMA user_version", &version) < 0)
                return -EIO;
        ret->version = (int)version;
        if (app == SCHEMA_APPLICATION_ID && version >= 0) {
                ret->kind = version > target    ? SCHEMA_NEWER
                            : version == target ? SCHEMA_CURRENT
                                                : SCHEMA_OLDER;
                return 0;
        }
        if (app != 0)
                return foreign(ret, _("application_id is 0x%08x, another program's mark"),
                               (unsigned)(uint32_t)app);
        if (version != 0)
                return foreign(ret, _("user_version is %d, but without dutyd's application_id"),
                               (int)version);
        return inspect_unmarked(s, ret);
}

/* ---- upgrading ------------------------------------------------------------------------------- */

/* A failed step: which, and SQLite's reason (read before the rollback clears it). */
static int step_failed(Store *s, SchemaInfo *ret, const char *what, int r) {
        ret->sqlite_code = sqlite3_extended_errcode(store_db(s));
        if (r == -EIO)
                snprintf(ret->why, sizeof(ret->why), _("%s (SQLite: %s)"), what,
                         sqlite3_errmsg(store_db(s)));
        else
                snprintf(ret->why, sizeof(ret->why), _("%s (%s)"), what, strerror(-r));
        return r;
}

static int run_step(Store *s, const SchemaStep *step, SchemaInfo *ret) {
        int r = step->sql ? store_exec(s, step->sql) : 0;
        if (r == 0 && step->run)
                r = step->run(s);
        return r < 0 ? step_failed(s, ret, _(step->what), r) : 0;
}

static int stamp(Store *s, int version) {
        char sql[96];
        snprintf(sql, sizeof(sql), "PRAGMA application_id = %d; PRAGMA user_version = %d",
                 SCHEMA_APPLICATION_ID, version);
        return store_exec(s, sql);
}

int schema_upgrade(Store *s, const SchemaStep *steps, size_t n, SchemaInfo *ret) {
        *ret = (SchemaInfo){0};
        if (n == 0)
                return -EINVAL;
        if (store_begin(s) < 0)
                return step_failed(s, ret, _("beginning the transaction"), -EIO);
        /* Inspected again inside the transaction: another process may have upgraded it since. */
        int r = schema_inspect(s, steps, n, ret);
        if (r < 0)
                r = step_failed(s, ret, _("reading the database's structure"), r);
        else if (ret->kind == SCHEMA_FOREIGN)
                r = -EBADMSG;
        else if (ret->kind == SCHEMA_NEWER)
                r = -EPROTONOSUPPORT;
        for (size_t i = 0; r == 0 && ret->kind != SCHEMA_CURRENT && i < n; i++)
                if (steps[i].version > ret->version)
                        r = run_step(s, &steps[i], ret);
        if (r == 0 && ret->kind != SCHEMA_CURRENT && stamp(s, steps[n - 1].version) < 0)
                r = step_failed(s, ret, _("recording the database version"), -EIO);
        if (r == 0 && store_commit(s) < 0)
                r = step_failed(s, ret, _("committing"), -EIO);
        if (r < 0)
                store_rollback(s);
        return r;
}
