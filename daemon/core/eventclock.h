/* eventclock.h — the occurrences and reminders of events' clocks (eventrule.h): an event raised
 * with `dutyctl raise 事故 --level 较大` runs, on each post of each duty that applies to it, the
 * duty's clock, to the minute.
 * Contract: pure (no I/O, no clock: callers pass instants). A duty applies to an event when its
 * `event:` names it and its `levels` (none = all) hold the event's level. Each occurrence of an
 * event's clock is an Occurrence with .event = the event's id, period "ev<ID>", checkpoint = the
 * report's number (1 for within and window clocks; 1, 2 … for every), required 1, and its
 * deadline as due day + due_minute (a deadline at 00:00 is the previous day's end, due_minute 0):
 * ids read "DUTY:POST:ev17:1". A recurring clock's reports stop at the event's close (and, for
 * an open event, at `until`). Completions count toward an event's occurrences in the order they
 * were recorded, the first toward report 1; one is on time when recorded by the deadline. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "ledger.h"
#include "route.h"
#include "schedule.h"

typedef struct EventRec {
        int64_t id;
        char *event, *level, *note, *raised_by, *closed_by;
        time_t at;     /* when it happened (--at), else when raised */
        time_t raised; /* when recorded */
        time_t closed; /* 0 = open */
} EventRec;

void event_rec_list_free(EventRec *v, size_t n);

/* Whether duty `d` applies to an event of that name and level (level NULL: any). */
bool eventclock_applies(const Duty *d, const char *event, const char *level);
/* The distinct levels named by the duties of `event`, for messages: malloc'd borrowed strings. */
int eventclock_levels(const Config *c, const char *event, const char ***ret, size_t *ret_n);

/* The deadlines of clock `k` for an event at `at`: the first up to n (a recurring clock's up to
 * `until`), as instants (a window's: the end of its last day, moved past days off by `cal`).
 * Returns the number written. */
size_t eventclock_deadlines(const Calendar *cal, const EventClock *k, time_t at, time_t until,
                            time_t *out, size_t n);

/* Appends the occurrences of the events' clocks with deadlines up to `until` (recurring reports
 * also up to each event's close). 0 or -ENOMEM. */
int eventclock_occurrences(const Config *c, const EventRec *ev, size_t n, time_t until,
                           OccurrenceList *out);
/* The instant of an occurrence's deadline. */
time_t eventclock_deadline(const Occurrence *o);
/* The deadline as people read it: "2026-10-01 00:30"; a day's end as "2026-10-30 24:00". */
void eventclock_due_text(const Occurrence *o, char buf[static 17]);
/* Whether an occurrence id names an event's clock ("…:ev17:1"). */
bool eventclock_is_id(const char *id);
/* The occurrence with that id among the events' clocks (up to `until`); -ENOENT. */
int eventclock_find(const Config *c, const EventRec *ev, size_t n, const char *id, time_t until,
                    Occurrence *ret);

/* The reminders of an event occurrence firing on days [from, to], in time order. An hour
 * clock: halfway ("half"), 10 minutes before ("lead", when after halfway), at the deadline
 * ("due"), all REMIND_EVENT, then the escalation 10 minutes after ("esc", REMIND_ESCALATION:
 * the escalate_to posts are told too). A window of days: at the duty's reminder time on its
 * middle day ("half") and on its last day ("lead"), the escalation the next morning. The alert
 * at the event's opening is the raise's (event.h). Returns the number written (at most n). */
size_t eventclock_reminders(const Config *c, const Occurrence *o, Day from, Day to, Reminder *out,
                            size_t n);
/* What an event reminder says beside the duty (the message's note): malloc'd, NULL on OOM. */
char *eventclock_note(const Config *c, const Occurrence *o, const Reminder *rem);
/* Sets the note of each firing of an event's clock (f[i].note points into the array returned,
 * which eventclock_notes_free() frees afterwards); NULL when out of memory. */
char **eventclock_notes(const Config *c, Firing *f, size_t n);
void eventclock_notes_free(char **notes, size_t n);

/* An event occurrence met to the minute: the completions (any order; undone ones skipped) of
 * its duty, post and event, the k-th recorded counting toward report k. */
typedef struct EventStatus {
        bool met, late, overdue; /* overdue: unmet and past the deadline at `now` */
        time_t met_at;           /* when met: recorded_at of the completion */
        const char *met_by;      /* its done_by (the completions' string), or NULL */
} EventStatus;
void eventclock_status(const Config *c, const Occurrence *o, const Completion *v, size_t n,
                       time_t now, EventStatus *ret);
