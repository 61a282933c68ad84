/* test-migrate.c — upgrading the state database. Each fixture in tests/data/state/ is a
 * state.db made by an earlier dutyd (sqlite3 .dump; make-fixture.sh says how): opened with the
 * current code, every row of every table is still there, unchanged, the version is current
 * and the schema is exactly a new file's. The steps run in order, all in one transaction: a
 * failing step leaves the file as it was. */
#include "teststate.h"

#include <limits.h>

#include "outbox.h"
#include "schema.h"
#include "store.h"

/* earlier shapes: completions only (c58f927), the last release (999cdf9, no feed_versions, no
 * prebuilt column, old outbox indexes), the main branch before versions (8b8b28e) */
static const char *const fixtures[] = {"early-c58f927", "release-999cdf9", "main-8b8b28e"};

/* Loads a fixture into DIR/state.db. */
static void load_fixture(const StateDir *d, const char *name) {
        const char *top = getenv("DUTYD_TOP");
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/tests/data/state/%s.sql", top ? top : ".", name);
        _cleanup_free_ char *sql = file_bytes(path, NULL);
        if (!sql)
                fail_msg("%s: %s", path, strerror(errno));
        db_exec(d->db, sql);
}

/* Every row of `table` (the columns it has in `db`), one line each, sorted. */
static char *table_rows(sqlite3 *db, const char *table, const char *columns) {
        _cleanup_free_ char *sql =
                strfmt("SELECT group_concat(r, char(10)) FROM (SELECT %s AS r FROM \"%s\" ORDER "
                       "BY r)",
                       columns, table);
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        const unsigned char *t = sqlite3_column_text(st, 0);
        char *rows = strdup(t ? (const char *)t : "");
        sqlite3_finalize(st);
        return rows;
}

typedef struct Snapshot {
        size_t n;
        char *table[16], *columns[16], *rows[16];
} Snapshot;

/* Every table of the file and its rows. */
static void snapshot(sqlite3 *db, Snapshot *ret) {
        *ret = (Snapshot){0};
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_prepare_v2(db,
                                            "SELECT m.name, group_concat('quote(\"' || p.name || "
                                            "'\")', '||''|''||') FROM sqlite_master m,"
                                            " pragma_table_info(m.name) p WHERE m.type = 'table'"
                                            " GROUP BY m.name ORDER BY m.name",
                                            -1, &st, NULL),
                         SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) {
                assert_true(ret->n < ELEMENTSOF(ret->table));
                ret->table[ret->n] = strdup((const char *)sqlite3_column_text(st, 0));
                ret->columns[ret->n] = strdup((const char *)sqlite3_column_text(st, 1));
                ret->rows[ret->n] = table_rows(db, ret->table[ret->n], ret->columns[ret->n]);
                ret->n++;
        }
        sqlite3_finalize(st);
}

static void snapshot_done(Snapshot *s) {
        for (size_t i = 0; i < s->n; i++)
                free(s->table[i]), free(s->columns[i]), free(s->rows[i]);
}

/* The schema as a text: tables with their columns (name, type, NOT NULL, default, key),
 * indexes with their table, columns and whether partial. */
static char *schema_text(sqlite3 *db) {
        sqlite3_stmt *st = NULL;
        assert_int_equal(
                sqlite3_prepare_v2(
                        db,
                        "SELECT group_concat(d, char(10)) FROM (SELECT d FROM ("
                        " SELECT m.name || '(' || group_concat(p.name || ' ' || p.type || ' ' ||"
                        "  p.\"notnull\" || ' ' || ifnull(p.dflt_value, '-') || ' ' || p.pk, ', ')"
                        "  || ')' AS d FROM sqlite_master m, pragma_table_info(m.name) p"
                        "  WHERE m.type = 'table' GROUP BY m.name"
                        " UNION ALL"
                        " SELECT 'index ' || l.name || ' ON ' || m.name || '(' || (SELECT"
                        "  group_concat(ifnull(i.name, '?'), ', ') FROM pragma_index_info(l.name) i)"
                        "  || ')' || iif(l.partial, ' WHERE …', '') FROM sqlite_master m,"
                        "  pragma_index_list(m.name) l WHERE m.type = 'table')"
                        " ORDER BY d)",
                        -1, &st, NULL),
                SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        char *text = strdup((const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        return text;
}

/* The schema of a new file. */
static char *new_schema(void) {
        StateDir d;
        state_dir_new(&d);
        Store *s = NULL;
        assert_int_equal(store_open(d.dir, &s), 0);
        char *text = schema_text(store_db(s));
        store_close(s);
        rm_tree(d.dir);
        return text;
}

static void test_fixtures(void **state) {
        (void)state;
        _cleanup_free_ char *want = new_schema();
        for (size_t f = 0; f < ELEMENTSOF(fixtures); f++) {
                StateDir d;
                state_dir_new(&d);
                load_fixture(&d, fixtures[f]);
                assert_int_equal(db_pragma(d.db, "PRAGMA user_version"), 0);
                Snapshot before;
                sqlite3 *db = NULL;
                assert_int_equal(sqlite3_open(d.db, &db), SQLITE_OK);
                snapshot(db, &before);
                sqlite3_close(db);
                assert_true(before.n >= 1);

                Store *s = NULL;
                assert_int_equal(store_open(d.dir, &s), 0);
                for (size_t i = 0; i < before.n; i++) {
                        _cleanup_free_ char *after =
                                table_rows(store_db(s), before.table[i], before.columns[i]);
                        if (!streq(before.rows[i], after))
                                fail_msg("%s: table %s changed:\n%s\n---\n%s", fixtures[f],
                                         before.table[i], before.rows[i], after);
                }
                _cleanup_free_ char *have = schema_text(store_db(s));
                if (!streq(have, want))
                        fail_msg("%s: upgraded schema:\n%s\n--- new file's:\n%s", fixtures[f], have,
                                 want);
                /* The outbox reads its old rows: the messages queued before are still sent. */
                OutboxRow *rows = NULL;
                size_t n = 0;
                assert_int_equal(outbox_list(s, false, &rows, &n), 0);
                assert_int_equal((int64_t)n, db_pragma(d.db, "SELECT count(*) FROM outbox"));
                outbox_rows_free(rows, n);
                store_close(s);
                assert_int_equal(db_pragma(d.db, "PRAGMA user_version"), SCHEMA_VERSION);
                assert_int_equal(db_pragma(d.db, "PRAGMA application_id"), SCHEMA_APPLICATION_ID);
                snapshot_done(&before);
                rm_tree(d.dir);
        }
}

/* The fixtures hold rows in every table of the release they come from. */
static void test_fixtures_have_rows(void **state) {
        (void)state;
        StateDir d;
        state_dir_new(&d);
        load_fixture(&d, "release-999cdf9");
        static const char *const tables[] = {"completions", "outbox",       "outbox_items",
                                             "feed_tokens", "donelink_key", "donelink_used",
                                             "events",      "meta"};
        for (size_t i = 0; i < ELEMENTSOF(tables); i++) {
                char sql[96];
                snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", tables[i]);
                if (db_pragma(d.db, sql) == 0)
                        fail_msg("release-999cdf9: no row in %s", tables[i]);
        }
        /* queued, failed and sent messages; an undone completion, one made by a done link */
        assert_int_equal(db_pragma(d.db, "SELECT count(DISTINCT state) FROM outbox"), 3);
        assert_int_equal(db_pragma(d.db, "SELECT count(*) FROM completions WHERE undone_at"), 1);
        assert_int_equal(db_pragma(d.db, "SELECT count(*) FROM completions WHERE source='link'"),
                         1);
        rm_tree(d.dir);
}

static void test_steps_in_order(void **state) {
        (void)state;
        assert_true(schema_n_steps >= 1);
        for (size_t i = 0; i < schema_n_steps; i++) {
                assert_int_equal(schema_steps[i].version, (int)i + 1);
                assert_non_null(schema_steps[i].what);
        }
        assert_int_equal(schema_steps[schema_n_steps - 1].version, SCHEMA_VERSION);
}

/* Later steps: run in order after the built-in ones; a failing one undoes the whole upgrade
 * (the earlier steps of the same upgrade too), the file stays at its version with its rows. */
static void test_steps_all_or_nothing(void **state) {
        (void)state;
        SchemaStep steps[8];
        size_t n = schema_n_steps;
        assert_true(n + 2 <= ELEMENTSOF(steps));
        memcpy(steps, schema_steps, n * sizeof(*steps));
        steps[n] = (SchemaStep){SCHEMA_VERSION + 1, "加一张表",
                                "CREATE TABLE later (x); INSERT INTO later VALUES (1)", NULL};
        steps[n + 1] = (SchemaStep){SCHEMA_VERSION + 2, "坏的一步",
                                    "CREATE TABLE worse (x); INSERT INTO nosuch VALUES (1)", NULL};
        StateDir d;
        state_dir_new(&d);
        load_fixture(&d, "release-999cdf9");
        Store *s = NULL;
        SchemaInfo info;
        assert_int_equal(store_open(d.dir, &s), 0); /* to version SCHEMA_VERSION */
        /* Two steps, the second failing: the first is undone too. */
        assert_int_equal(schema_upgrade(s, steps, n + 2, &info), -EIO);
        assert_non_null(strstr(info.why, "坏的一步（SQLite：no such table: nosuch）"));
        assert_int_equal(info.version, SCHEMA_VERSION);
        assert_int_equal(schema_inspect(s, steps, n + 2, &info), 0);
        assert_int_equal(info.kind, SCHEMA_OLDER);
        assert_int_equal(info.version, SCHEMA_VERSION);
        assert_int_equal(db_pragma(d.db, "SELECT count(*) FROM sqlite_master WHERE name IN "
                                         "('later', 'worse')"),
                         0);
        /* Without the bad step: the next version, its table made once. */
        assert_int_equal(schema_upgrade(s, steps, n + 1, &info), 0);
        assert_int_equal(info.kind, SCHEMA_OLDER);
        assert_int_equal(info.version, SCHEMA_VERSION);
        assert_int_equal(schema_upgrade(s, steps, n + 1, &info), 0);
        assert_int_equal(info.kind, SCHEMA_CURRENT);
        assert_int_equal(db_pragma(d.db, "SELECT count(*) FROM later"), 1);
        assert_int_equal(db_pragma(d.db, "PRAGMA user_version"), SCHEMA_VERSION + 1);
        /* This program's steps end before: the file is newer, refused. */
        assert_int_equal(schema_upgrade(s, schema_steps, schema_n_steps, &info), -EPROTONOSUPPORT);
        assert_int_equal(info.kind, SCHEMA_NEWER);
        store_close(s);
        rm_tree(d.dir);
}

/* A file before versions whose upgrade fails keeps its version 0 and its old shape. */
static void test_unversioned_all_or_nothing(void **state) {
        (void)state;
        StateDir d;
        state_dir_new(&d);
        load_fixture(&d, "release-999cdf9");
        /* An index of step 1 cannot be made: the upgrade fails after the column was added. */
        db_exec(d.db, "CREATE VIEW outbox_failed AS SELECT 1");
        Store *s = NULL;
        assert_int_equal(store_open(d.dir, &s), -EIO);
        assert_non_null(strstr(store_open_error(), "outbox_failed"));
        assert_int_equal(db_pragma(d.db, "PRAGMA user_version"), 0);
        assert_int_equal(db_pragma(d.db, "PRAGMA application_id"), 0);
        assert_int_equal(db_pragma(d.db, "SELECT count(*) FROM pragma_table_info('outbox') WHERE "
                                         "name = 'prebuilt'"),
                         0);
        assert_int_equal(db_pragma(d.db, "SELECT count(*) FROM sqlite_master WHERE name = "
                                         "'outbox_next'"),
                         1);
        rm_tree(d.dir);
}

int main(void) {
        state_messages_in_chinese();
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fixtures),
                cmocka_unit_test(test_fixtures_have_rows),
                cmocka_unit_test(test_steps_in_order),
                cmocka_unit_test(test_steps_all_or_nothing),
                cmocka_unit_test(test_unversioned_all_or_nothing),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
