/* raise.h — events (dutyctl raise 事故): every duty with `event: EVENT` alerts its posts at once.
 * Contract: raise_plan() is pure: for each such duty and each of its posts (per_holder: each
 * holder) one Firing — an Occurrence on `today` (period_start = period_end = nominal = due =
 * today, checkpoint 1/1) and a Reminder REMIND_DUE_TODAY with step "ev-<seq>". raise_event()
 * records the event in table `events` (id, event, note, raised_at, raised_by) and queues the
 * messages with enqueue_firings() in the outbox, seq = the event's row id, so every raise is a new
 * delivery (two raises in the same second too). */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "route.h"
#include "store.h"

int raise_init(Store *s);
/* -ENOENT when no duty has that event. *ret is malloc'd (free()). */
int raise_plan(const Config *c, const char *event, Day today, int minute, int64_t seq, Firing **ret,
               size_t *ret_n);
/* The distinct events named in the config, in order; malloc'd array of borrowed strings. */
int raise_known_events(const Config *c, const char ***ret, size_t *ret_n);
/* Records and queues. *ret_event_id (may be NULL) = events.id; *ret_queued = messages. */
int raise_event(Store *s, const Config *c, const char *event, const char *note,
                const char *raised_by, Day today, int minute, time_t now, int64_t *ret_event_id,
                size_t *ret_queued);
