/* ctl-event.h — dutyctl and the clocks of events (issue 16, core/eventclock.h):
 *   dutyctl close EVENT-ID         ends an event: its recurring reports stop
 * and the event parts of the other verbs: raise (--at, the clocks started), done (an
 * occurrence "DUTY:POST:ev17:1"), upcoming (the open events' deadlines), history (the events)
 * and report (each event's clocks met or missed, to the minute).
 * Contract: as ctl.h (exit statuses; messages through gettext, English msgids). */
#pragma once
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "config.h"
#include "eventclock.h"
#include "schedule.h"
#include "store.h"

int verb_close(int argc, char **argv);

/* "YYYY-MM-DD HH:MM" (or with a T) in the organisation's zone: 0 or -EINVAL. */
int ctl_parse_instant(const char *s, time_t *ret);
/* Prints the deadlines an event just raised starts (nothing when its duties have no clock). */
void ctl_event_print_clocks(const Config *c, const EventRec *e, time_t now);
/* The event occurrence named `id`, from the state's events; prints why not. 0 or -ENOENT. */
int ctl_event_find(const Config *c, const char *id, Occurrence *ret);
/* After `done`: the status of the event's reports of that duty and post, to the minute. */
void ctl_event_progress(const Config *c, Store *s, const Occurrence *o);
/* Calls fn for each deadline in [from, to] of the events in the state (none when it cannot be
 * read), open ones up to `to`, closed ones up to their close. */
int ctl_event_walk(const Config *c, Day from, Day to, PlanFilter f,
                   int (*fn)(void *userdata, const Occurrence *o), void *userdata);
/* The events recorded, as a table (history). */
int ctl_event_history(const Config *c, Store *s);
/* The events of [from, to] with their clocks, in `format`: a table printed to `out`; CSV lines
 * appended to *text after an empty line; JSON as the key "events" of the object in *text (always
 * there, [] without events). */
int ctl_event_report(const Config *c, Store *s, Day from, Day to, const char *format, FILE *out,
                     char **text);

/* clang-format off */
#define CTL_EVENT_VERBS                                                         \
        {"close", verb_close, N_("end an event: its recurring reports stop")},
/* clang-format on */
