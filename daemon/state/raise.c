/* raise.c — see raise.h. */
#include "raise.h"

#include <errno.h>
#include <stdlib.h>

#include "clock.h"
#include "enqueue.h"
#include "event.h"
#include "outbox.h"
#include "store-sql.h"
#include "util.h"

/* The row of the event; *ret_id its id. */
static int record_event(Store *s, const char *event, const char *note, const char *raised_by,
                        time_t now, int64_t *ret_id) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        if (store_prepare(s,
                          "INSERT INTO events (event, note, raised_at, raised_by)"
                          " VALUES (?, ?, ?, ?)",
                          &st) < 0)
                return -EIO;
        int r = store_bind_text_or_null(st, 1, event);
        if (r == 0)
                r = store_bind_text_or_null(st, 2, note);
        if (r == 0)
                r = store_bind_text_or_null(st, 4, raised_by);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
        if (sqlite3_step(st) != SQLITE_DONE)
                return -EIO;
        *ret_id = sqlite3_last_insert_rowid(store_db(s));
        return 0;
}

int raise_event(Store *s, const Config *c, const char *event, const char *note,
                const char *raised_by, Day today, int minute, time_t now, int64_t *ret_event_id,
                size_t *ret_queued) {
        _cleanup_free_ Firing *f = NULL;
        size_t n = 0;
        int r = event_plan(c, event, today, minute, 0, &f, &n); /* known event? */
        if (r < 0)
                return r;
        free(TAKE_PTR(f));
        int64_t id;
        if ((r = record_event(s, event, note, raised_by, now, &id)) < 0)
                return r;
        if (ret_event_id)
                *ret_event_id = id;
        if ((r = event_plan(c, event, today, minute, id, &f, &n)) < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                f[i].note = note;
        return enqueue_firings(s, c, f, n, NULL, false, clock_now(), ret_queued);
}
