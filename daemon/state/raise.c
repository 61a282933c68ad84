/* raise.c — see raise.h. */
#include "raise.h"

#include <errno.h>
#include <stdlib.h>

#include "array.h"
#include "clock.h"
#include "enqueue.h"
#include "event.h"
#include "outbox.h"
#include "store-sql.h"
#include "tz.h"
#include "util.h"

/* The row of the event; *ret_id its id. */
static int record_event(Store *s, const RaiseInput *in, time_t now, int64_t *ret_id) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        if (store_prepare(s,
                          "INSERT INTO events (event, note, raised_at, raised_by, level,"
                          " occurred_at) VALUES (?, ?, ?, ?, ?, ?)",
                          &st) < 0)
                return -EIO;
        int r = store_bind_text_or_null(st, 1, in->event);
        if (r == 0)
                r = store_bind_text_or_null(st, 2, in->note);
        if (r == 0)
                r = store_bind_text_or_null(st, 4, in->raised_by);
        if (r == 0)
                r = store_bind_text_or_null(st, 5, in->level);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
        sqlite3_bind_int64(st, 6, (sqlite3_int64)(in->at ? in->at : now));
        if (sqlite3_step(st) != SQLITE_DONE)
                return -EIO;
        *ret_id = sqlite3_last_insert_rowid(store_db(s));
        return 0;
}

int raise_event(Store *s, const Config *c, const RaiseInput *in, time_t now, int64_t *ret_event_id,
                size_t *ret_queued) {
        _cleanup_free_ Firing *f = NULL;
        size_t n = 0;
        Day today = tz_day(now);
        int minute = tz_minute(now);
        int r = event_plan(c, in->event, in->level, today, minute, 0, &f, &n); /* known event? */
        if (r < 0)
                return r;
        free(TAKE_PTR(f));
        int64_t id;
        if ((r = record_event(s, in, now, &id)) < 0)
                return r;
        if (ret_event_id)
                *ret_event_id = id;
        if ((r = event_plan(c, in->event, in->level, today, minute, id, &f, &n)) < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                f[i].note = in->note;
        return enqueue_firings(s, c, f, n, NULL, false, clock_now(), ret_queued);
}

int event_close(Store *s, int64_t id, const char *closed_by, time_t now, time_t *ret_closed) {
        _cleanup_finalize_ sqlite3_stmt *q = NULL, *st = NULL;
        if (store_prepare(s, "SELECT coalesce(closed_at, 0) FROM events WHERE id = ?", &q) < 0)
                return -EIO;
        sqlite3_bind_int64(q, 1, id);
        int step = sqlite3_step(q);
        if (step == SQLITE_DONE)
                return -ENOENT;
        if (step != SQLITE_ROW)
                return -EIO;
        time_t closed = (time_t)sqlite3_column_int64(q, 0);
        if (ret_closed)
                *ret_closed = closed ? closed : now;
        if (closed)
                return -EALREADY;
        if (store_prepare(s, "UPDATE events SET closed_at = ?, closed_by = ? WHERE id = ?", &st) <
                    0 ||
            store_bind_text_or_null(st, 2, closed_by) < 0)
                return -EIO;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
        sqlite3_bind_int64(st, 3, id);
        return sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
}

static int dup_column(sqlite3_stmt *st, int i, char **ret) {
        const char *v = (const char *)sqlite3_column_text(st, i);
        *ret = NULL;
        if (v && !(*ret = strdup(v)))
                return -ENOMEM;
        return 0;
}

int event_list(Store *s, bool open_only, EventRec **ret, size_t *ret_n) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        if (store_prepare(s,
                          open_only ? "SELECT id, event, level, note, raised_by, closed_by,"
                                      " coalesce(occurred_at, raised_at), raised_at,"
                                      " coalesce(closed_at, 0) FROM events"
                                      " WHERE closed_at IS NULL ORDER BY id"
                                    : "SELECT id, event, level, note, raised_by, closed_by,"
                                      " coalesce(occurred_at, raised_at), raised_at,"
                                      " coalesce(closed_at, 0) FROM events ORDER BY id",
                          &st) < 0)
                return -EIO;
        EventRec *v = NULL;
        size_t n = 0, cap = 0;
        int r = 0, step;
        while (r == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
                if (ARRAY_GROW(v, cap, n + 1) < 0) {
                        r = -ENOMEM;
                        break;
                }
                EventRec *e = &v[n++];
                *e = (EventRec){.id = sqlite3_column_int64(st, 0),
                                .at = (time_t)sqlite3_column_int64(st, 6),
                                .raised = (time_t)sqlite3_column_int64(st, 7),
                                .closed = (time_t)sqlite3_column_int64(st, 8)};
                r = dup_column(st, 1, &e->event);
                if (r == 0)
                        r = dup_column(st, 2, &e->level);
                if (r == 0)
                        r = dup_column(st, 3, &e->note);
                if (r == 0)
                        r = dup_column(st, 4, &e->raised_by);
                if (r == 0)
                        r = dup_column(st, 5, &e->closed_by);
        }
        if (r == 0 && step != SQLITE_DONE)
                r = -EIO;
        if (r < 0) {
                event_rec_list_free(v, n);
                return r;
        }
        *ret = v, *ret_n = n;
        return 0;
}

int event_list_refresh(Store *s, EventRec **v, size_t *n) {
        EventRec *ev = NULL;
        size_t k = 0;
        int r = event_list(s, true, &ev, &k);
        if (r < 0)
                return r;
        bool same = k == *n;
        for (size_t i = 0; same && i < k; i++)
                same = ev[i].id == (*v)[i].id;
        event_rec_list_free(*v, *n);
        *v = ev, *n = k;
        return !same;
}
