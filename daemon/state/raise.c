/* raise.c — see raise.h. */
#include "raise.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "enqueue.h"
#include "outbox.h"
#include "store-sql.h"
#include "util.h"

int raise_init(Store *s) {
        return store_exec(s, "CREATE TABLE IF NOT EXISTS events ("
                             " id INTEGER PRIMARY KEY, event TEXT NOT NULL, note TEXT,"
                             " raised_at INTEGER NOT NULL, raised_by TEXT);");
}

int raise_known_events(const Config *c, const char ***ret, size_t *ret_n) {
        const char **v = calloc(c->n_duties ? c->n_duties : 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < c->n_duties; i++) {
                const char *e = c->duties[i].event;
                bool seen = false;
                for (size_t j = 0; e && j < n; j++)
                        seen |= streq(v[j], e);
                if (e && !seen)
                        v[n++] = e;
        }
        *ret = v, *ret_n = n;
        return 0;
}

int raise_plan(const Config *c, const char *event, Day today, int minute, int64_t seq, Firing **ret,
               size_t *ret_n) {
        Firing *f = NULL;
        size_t n = 0, cap = 0;
        Reminder rem = {.kind = REMIND_EVENT, .day = today, .minute = minute};
        snprintf(rem.step, sizeof(rem.step), "ev-%" PRId64, seq);
        for (size_t d = 0; d < c->n_duties; d++) {
                const Duty *duty = &c->duties[d];
                if (!duty->event || !streq(duty->event, event))
                        continue;
                for (size_t k = 0; k < duty->n_posts; k++) {
                        size_t h[MAX_POST_HOLDERS];
                        size_t nh = duty->per_holder ? config_post_holders(c, duty->posts[k], today,
                                                                           h, MAX_POST_HOLDERS)
                                                     : 0;
                        for (size_t j = 0; j < (nh ? nh : 1); j++) {
                                if (n == cap) {
                                        cap = cap ? cap * 2 : 8;
                                        Firing *nf = realloc(f, cap * sizeof(*nf));
                                        if (!nf) {
                                                free(f);
                                                return -ENOMEM;
                                        }
                                        f = nf;
                                }
                                f[n++] = (Firing){.occ = {.duty = (uint32_t)d,
                                                          .post = (uint32_t)duty->posts[k],
                                                          .person = nh ? (int32_t)h[j] : -1,
                                                          .holiday = -1,
                                                          .period_start = today,
                                                          .period_end = today,
                                                          .checkpoint = 1,
                                                          .of = 1,
                                                          .required = 1,
                                                          .nominal = today,
                                                          .due = today},
                                                  .rem = rem};
                        }
                }
        }
        if (n == 0) {
                free(f);
                return -ENOENT;
        }
        *ret = f, *ret_n = n;
        return 0;
}

int raise_event(Store *s, const Config *c, const char *event, const char *note,
                const char *raised_by, Day today, int minute, time_t now, int64_t *ret_event_id,
                size_t *ret_queued) {
        Firing *f = NULL;
        size_t n = 0;
        int r = raise_plan(c, event, today, minute, 0, &f, &n); /* known event? */
        free(f);
        f = NULL;
        if (r < 0)
                return r;
        if ((r = raise_init(s)) < 0 || (r = outbox_init(s)) < 0)
                return r;
        /* The record first: an alert is never sent for an event that was not recorded. */
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(store_db(s),
                               "INSERT INTO events (event, note, raised_at,"
                               " raised_by) VALUES (?, ?, ?, ?)",
                               -1, &st, NULL) != SQLITE_OK)
                r = -EIO;
        if (r == 0) {
                sqlite3_bind_text(st, 1, event, -1, SQLITE_STATIC);
                note ? sqlite3_bind_text(st, 2, note, -1, SQLITE_STATIC) : sqlite3_bind_null(st, 2);
                sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
                raised_by ? sqlite3_bind_text(st, 4, raised_by, -1, SQLITE_STATIC)
                          : sqlite3_bind_null(st, 4);
                r = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
        }
        sqlite3_finalize(st);
        int64_t id = r == 0 ? sqlite3_last_insert_rowid(store_db(s)) : 0;
        if (r == 0 && ret_event_id)
                *ret_event_id = id;
        if (r == 0)
                r = raise_plan(c, event, today, minute, id, &f, &n);
        for (size_t i = 0; r == 0 && i < n; i++)
                f[i].note = note;
        if (r == 0)
                r = enqueue_firings(s, c, f, n, NULL, false, clock_now(), ret_queued);
        free(f);
        return r;
}
