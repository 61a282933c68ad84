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

int completion_add(Store *s, const Config *c, const CompletionInput *in, int64_t *ret_id) {
        const Occurrence *o = in->occ;
        char pid[96], date[11];
        occurrence_period_id(c, o, pid, sizeof(pid));
        day_format(in->date, date);
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        if (store_prepare(s,
                          "INSERT INTO completions (duty, post, person, period, done_by,"
                          " done_on, note, evidence, source, recorded_by, recorded_at)"
                          " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                          &st) < 0)
                return -EIO;
        const char *text[] = {c->duties[o->duty].id,
                              c->posts[o->post].id,
                              o->person >= 0 ? c->people[o->person].id : "",
                              pid,
                              in->done_by,
                              date,
                              in->note,
                              in->evidence,
                              in->source,
                              in->recorded_by};
        for (size_t i = 0; i < ELEMENTSOF(text); i++) {
                int r = store_bind_text_or_null(st, (int)i + 1, text[i]);
                if (r < 0)
                        return r;
        }
        sqlite3_bind_int64(st, 11, (sqlite3_int64)clock_now());
        if (sqlite3_step(st) != SQLITE_DONE)
                return -EIO;
        if (ret_id)
                *ret_id = sqlite3_last_insert_rowid(store_db(s));
        return 0;
}

int completion_undo(Store *s, int64_t id, int64_t *ret_id) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        const char *sql = id > 0 ? "UPDATE completions SET undone_at = ?1 WHERE id = ?2 AND"
                                   " undone_at IS NULL RETURNING id"
                                 : "UPDATE completions SET undone_at = ?1 WHERE id = (SELECT"
                                   " max(id) FROM completions WHERE undone_at IS NULL)"
                                   " RETURNING id";
        if (store_prepare(s, sql, &st) < 0)
                return -EIO;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)clock_now());
        if (id > 0)
                sqlite3_bind_int64(st, 2, id);
        int step = sqlite3_step(st);
        if (step != SQLITE_ROW)
                return step == SQLITE_DONE ? -ENOENT : -EIO;
        if (ret_id)
                *ret_id = sqlite3_column_int64(st, 0);
        return sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
}

/* One row of completion_list()'s SELECT. */
static int read_completion(sqlite3_stmt *st, Completion *c) {
        *c = (Completion){.id = sqlite3_column_int64(st, 0)};
        c->duty = store_column_strdup(st, 1), c->post = store_column_strdup(st, 2);
        c->person = store_column_strdup(st, 3), c->period = store_column_strdup(st, 4);
        c->done_by = store_column_strdup(st, 5);
        const unsigned char *d = sqlite3_column_text(st, 6);
        c->date = d ? day_parse((const char *)d) : DAY_INVALID;
        c->note = store_column_strdup(st, 7), c->evidence = store_column_strdup(st, 8);
        c->source = store_column_strdup(st, 9);
        c->recorded_at = sqlite3_column_int64(st, 10);
        c->undone_at = sqlite3_column_int64(st, 11);
        c->recorded_by = store_column_strdup(st, 12), c->files = store_column_strdup(st, 13);
        return c->duty && c->post && c->person && c->period ? 0 : -ENOMEM;
}

/* Who recorded it, and its evidence files as "NAME (first 12 digits of the SHA-256)". */
#define FILES_COLUMNS                                                                            \
        " recorded_by, (SELECT group_concat(name || ' (' || substr(sha256, 1, 12) || ')', '; ')" \
        " FROM (SELECT name, sha256 FROM evidence_files WHERE completion = completions.id"       \
        " ORDER BY name))"

int completion_list(Store *s, bool all, Completion **ret, size_t *ret_n) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        const char *sql =
                all ? "SELECT id, duty, post, person, period, done_by, done_on, note,"
                      " evidence, source, recorded_at, coalesce(undone_at, 0)," FILES_COLUMNS
                      " FROM completions ORDER BY done_on, id"
                    : "SELECT id, duty, post, person, period, done_by, done_on, note,"
                      " evidence, source, recorded_at, 0," FILES_COLUMNS
                      " FROM completions WHERE undone_at IS NULL ORDER BY done_on, id";
        if (store_prepare(s, sql, &st) < 0)
                return -EIO;
        Completion *v = NULL;
        size_t n = 0, cap = 0;
        int r = 0, step = SQLITE_DONE;
        while (r == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
                if ((r = ARRAY_GROW(v, cap, n + 1)) == 0)
                        r = read_completion(st, &v[n++]);
        if (r == 0 && step != SQLITE_DONE)
                r = -EIO;
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
