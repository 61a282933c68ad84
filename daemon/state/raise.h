/* raise.h — recording an event (dutyctl raise 事故) and queueing its alerts.
 * Contract: raise_event() records the event in table `events` (id, event, note, raised_at,
 * raised_by), then queues the firings event_plan() (core/event.h) makes for it with
 * enqueue_firings(), seq = the event's row id, so every raise is a new delivery (two raises in
 * the same second too). The record comes first: no alert goes out for an event that was not
 * recorded. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "date.h"
#include "store.h"

/* Records and queues; -ENOENT (nothing recorded) when no duty has that event.
 * *ret_event_id (may be NULL) = events.id; *ret_queued = messages. */
int raise_event(Store *s, const Config *c, const char *event, const char *note,
                const char *raised_by, Day today, int minute, time_t now, int64_t *ret_event_id,
                size_t *ret_queued);
