/* event.h — events (dutyctl raise 事故): which posts a duty with `event: EVENT` alerts at once.
 * Contract: pure (no I/O, no clock: the caller passes the day and minute). For each duty that
 * applies to EVENT at its level (eventclock.h) and each of its posts (per_holder: each holder on `today`) one Firing: an
 * Occurrence on `today` (period_start = period_end = nominal = due = today, checkpoint 1/1) and a
 * Reminder REMIND_EVENT with step "ev-<seq>", in the order of the duties and their posts.
 * Recording an event and queueing its alerts is the state's (state/raise.h). */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "route.h"

/* -ENOENT when no duty applies to that event and level (NULL: any; eventclock_applies());
 * -ENOMEM. *ret is malloc'd (free()). */
int event_plan(const Config *c, const char *event, const char *level, Day today, int minute,
               int64_t seq, Firing **ret, size_t *ret_n);
/* The distinct events named in the config, in order; malloc'd array of borrowed strings. */
int event_names(const Config *c, const char ***ret, size_t *ret_n);
