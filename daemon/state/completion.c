/* completion.c — see completion.h. */
#include "completion.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "array.h"
#include "clock.h"
#include "store-sql.h"
#include "util.h"

int completion_init(Store *s) {
        return store_exec(s, "CREATE TABLE IF NOT EXISTS completions ("
                             " id INTEGER PRIMARY KEY,"
                             " duty TEXT NOT NULL, post TEXT NOT NULL, person TEXT NOT NULL,"
                             " period TEXT NOT NULL, done_by TEXT, done_on TEXT NOT NULL,"
                             " note TEXT, evidence TEXT, source TEXT,"
                             " recorded_at INTEGER NOT NULL, undone_at INTEGER);"
                             "CREATE INDEX IF NOT EXISTS completions_by_assignment"
                             " ON completions (duty, post, person, period);");
}

static int bind_text(sqlite3_stmt *st, int i, const char *v) {
        return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

int completion_add(Store *s, const Config *c, const CompletionInput *in, int64_t *ret_id) {
        const Occurrence *o = in->occ;
        char pid[96], date[11];
        occurrence_period_id(c, o, pid, sizeof(pid));
        day_format(in->date, date);
        sqlite3_stmt *st = NULL;
        int r = sqlite3_prepare_v2(store_db(s),
                                   "INSERT INTO completions (duty, post, person, period, done_by,"
                                   " done_on, note, evidence, source, recorded_at)"
                                   " VALUES (?,?,?,?,?,?,?,?,?,?)",
                                   -1, &st, NULL);
        if (r != SQLITE_OK)
                return -EIO;
        bind_text(st, 1, c->duties[o->duty].id);
        bind_text(st, 2, c->posts[o->post].id);
        bind_text(st, 3, o->person >= 0 ? c->people[o->person].id : "");
        bind_text(st, 4, pid);
        bind_text(st, 5, in->done_by);
        bind_text(st, 6, date);
        bind_text(st, 7, in->note);
        bind_text(st, 8, in->evidence);
        bind_text(st, 9, in->source);
        sqlite3_bind_int64(st, 10, (sqlite3_int64)clock_now());
        r = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
        sqlite3_finalize(st);
        if (r == 0 && ret_id)
                *ret_id = sqlite3_last_insert_rowid(store_db(s));
        return r;
}

int completion_undo(Store *s, int64_t id, int64_t *ret_id) {
        sqlite3_stmt *st = NULL;
        const char *sql = id > 0 ? "UPDATE completions SET undone_at = ?1 WHERE id = ?2 AND"
                                   " undone_at IS NULL RETURNING id"
                                 : "UPDATE completions SET undone_at = ?1 WHERE id = (SELECT"
                                   " max(id) FROM completions WHERE undone_at IS NULL)"
                                   " RETURNING id";
        if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) != SQLITE_OK)
                return -EIO;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)clock_now());
        if (id > 0)
                sqlite3_bind_int64(st, 2, id);
        int step = sqlite3_step(st);
        int r = step == SQLITE_ROW ? 0 : step == SQLITE_DONE ? -ENOENT : -EIO;
        if (r == 0 && ret_id)
                *ret_id = sqlite3_column_int64(st, 0);
        if (r == 0 && sqlite3_step(st) != SQLITE_DONE)
                r = -EIO;
        sqlite3_finalize(st);
        return r;
}

static char *col_dup(sqlite3_stmt *st, int i) {
        const unsigned char *t = sqlite3_column_text(st, i);
        return t ? strdup((const char *)t) : NULL;
}

int completion_list(Store *s, bool all, Completion **ret, size_t *ret_n) {
        sqlite3_stmt *st = NULL;
        const char *sql = all ? "SELECT id, duty, post, person, period, done_by, done_on, note,"
                                " evidence, source, recorded_at, coalesce(undone_at, 0)"
                                " FROM completions ORDER BY done_on, id"
                              : "SELECT id, duty, post, person, period, done_by, done_on, note,"
                                " evidence, source, recorded_at, 0 FROM completions"
                                " WHERE undone_at IS NULL ORDER BY done_on, id";
        if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) != SQLITE_OK)
                return -EIO;
        Completion *v = NULL;
        size_t n = 0, cap = 0;
        int r = 0, step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
                if (n == cap) {
                        cap = cap ? cap * 2 : 64;
                        Completion *nv = realloc(v, cap * sizeof(*v));
                        if (!nv) {
                                r = -ENOMEM;
                                break;
                        }
                        v = nv;
                }
                Completion *c = &v[n++];
                *c = (Completion){.id = sqlite3_column_int64(st, 0)};
                c->duty = col_dup(st, 1), c->post = col_dup(st, 2), c->person = col_dup(st, 3);
                c->period = col_dup(st, 4), c->done_by = col_dup(st, 5);
                const unsigned char *d = sqlite3_column_text(st, 6);
                c->date = d ? day_parse((const char *)d) : DAY_INVALID;
                c->note = col_dup(st, 7), c->evidence = col_dup(st, 8), c->source = col_dup(st, 9);
                c->recorded_at = sqlite3_column_int64(st, 10);
                c->undone_at = sqlite3_column_int64(st, 11);
                if (!c->duty || !c->post || !c->person || !c->period) {
                        r = -ENOMEM;
                        break;
                }
        }
        if (r == 0 && step != SQLITE_DONE)
                r = -EIO;
        sqlite3_finalize(st);
        if (r < 0) {
                completion_list_free(v, n);
                return r;
        }
        *ret = v, *ret_n = n;
        return 0;
}

int ledger_load(Store *s, Ledger **ret) {
        Completion *v = NULL;
        size_t n = 0;
        int r = completion_list(s, false, &v, &n);
        if (r < 0)
                return r;
        r = ledger_new(v, n, ret);
        completion_list_free(v, n);
        return r;
}
