/* planner.h — which reminders fire when: the pure half of the daemon's timer logic.
 * Contract: no I/O and no clock (callers pass instants); uses the schedule engine, the ledger of
 * completions and the organisation's zone (tz.h). A met checkpoint fires nothing. Occurrences
 * due before `track_from` (the day dutyd started keeping this schedule) fire nothing: dutyd does
 * not nag about what was due before it was installed. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "eventclock.h"
#include "ledger.h"
#include "config.h"
#include "route.h"
#include "schedule.h"

typedef struct Planned {
        Firing f;    /* occurrence + reminder (route.h) */
        time_t at;   /* instant it fires */
        bool missed; /* fired while dutyd was not running: goes into the catch-up digest */
} Planned;

typedef struct PlannedList {
        Planned *items;
        size_t n, cap;
} PlannedList;

void planned_list_done(PlannedList *l);

/* The occurrences that can fire a reminder on a day in [d0, d1] (upcoming, due-day and
 * overdue ones), planned once and shared by the calls below. */
typedef struct PlanWindow {
        OccurrenceList occ;
        Day d0, d1, track_from;
} PlanWindow;

int planner_window(const Config *c, Day track_from, Day d0, Day d1, PlanWindow *ret);
/* Adds the clocks of the open events `ev` (eventclock.h) to the window: their deadlines up to
 * the window's last day, whose reminders (eventclock_reminders(), to the minute) fire like the
 * others'. 0 or -ENOMEM. */
int planner_add_events(const Config *c, PlanWindow *w, const EventRec *ev, size_t n);
void plan_window_done(PlanWindow *w);

/* The reminders firing in (t0, t1], in time order. Those before `t1 - grace` are missed; of the
 * missed reminders of one occurrence only the latest is kept, and none when the occurrence also
 * fires on time in the same call (so a catch-up never repeats what is sent now). The days of
 * t0 and t1 must lie in the window (-ERANGE otherwise). */
int planner_due(const Config *c, const Ledger *l, const PlanWindow *w, time_t t0, time_t t1,
                time_t grace, PlannedList *out);

/* The first instant after `t` at which a reminder fires, up to the window's last day; -ENOENT
 * if none. */
int planner_next(const Config *c, const Ledger *l, const PlanWindow *w, time_t t, time_t *ret,
                 Planned *ret_first);

/* Unmet checkpoints past their deadline on `today` (due >= track_from, at most ~13 months
 * back); today must lie in the window. */
size_t planner_overdue_count(const Config *c, const Ledger *l, const PlanWindow *w, Day today);
/* The same, and for each post (by_post[c->n_posts], zeroed first) the overdue ones it owes. */
size_t planner_overdue_by_post(const Config *c, const Ledger *l, const PlanWindow *w, Day today,
                               size_t *by_post);
