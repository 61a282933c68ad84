/* raise.h — events (dutyctl raise 事故 / close): recording them, queueing their alerts, reading
 * them back for their clocks (core/eventclock.h).
 * Contract: raise_event() records the event in table `events` (id, event, level, note,
 * occurred_at, raised_at, raised_by), then queues the firings event_plan() (core/event.h) makes
 * for it with enqueue_firings(), seq = the event's row id, so every raise is a new delivery (two
 * raises in the same second too). The record comes first: no alert goes out for an event that
 * was not recorded. event_close() stamps closed_at once; event_list() reads them back, oldest
 * first. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "date.h"
#include "eventclock.h"
#include "store.h"

typedef struct RaiseInput {
        const char *event, *level, *note, *raised_by; /* level, note, raised_by may be NULL */
        time_t at;                                    /* when it happened; 0 = now */
} RaiseInput;

/* Records and queues; -ENOENT (nothing recorded) when no duty applies to that event and level.
 * *ret_event_id (may be NULL) = events.id; *ret_queued = messages. */
int raise_event(Store *s, const Config *c, const RaiseInput *in, time_t now, int64_t *ret_event_id,
                size_t *ret_queued);
/* Ends event `id`: -ENOENT (no such event), -EALREADY (closed before; *ret_closed says when). */
int event_close(Store *s, int64_t id, const char *closed_by, time_t now, time_t *ret_closed);
/* The events (open_only: those not closed), oldest first; free with event_rec_list_free(). */
int event_list(Store *s, bool open_only, EventRec **ret, size_t *ret_n);
/* Reads the open events again into *v (freeing the old list): 1 when they changed (one raised
 * or closed since), 0, or < 0 (*v kept). */
int event_list_refresh(Store *s, EventRec **v, size_t *n);
