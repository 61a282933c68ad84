/* planner.c — see planner.h. */
#include "planner.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "tz.h"
#include "util.h"

void planned_list_done(PlannedList *l) {
        free(l->items);
        *l = (PlannedList){0};
}

static int push(PlannedList *l, const Planned *f) {
        if (ARRAY_GROW(l->items, l->cap, l->n + 1) < 0)
                return -ENOMEM;
        l->items[l->n++] = *f;
        return 0;
}

static int max_before(const Config *c) {
        int m = 0;
        for (size_t i = 0; i < c->n_duties; i++)
                for (size_t j = 0; j < c->duties[i].reminders.n_before; j++)
                        if (c->duties[i].reminders.before[j] > m)
                                m = c->duties[i].reminders.before[j];
        return m;
}

/* Occurrences that can fire on days [d0, d1]: upcoming ones (due up to d1 + the longest advance
 * warning, plus room for the move to an earlier working day) and overdue ones (due before d1,
 * not before track_from, at most ~13 months back). */
int planner_window(const Config *c, Day track_from, Day d0, Day d1, PlanWindow *ret) {
        *ret = (PlanWindow){.d0 = d0, .d1 = d1, .track_from = track_from};
        Day from = d0 - 400 > track_from ? d0 - 400 : track_from;
        return schedule_plan(c, from, d1 + max_before(c) + 16, PLAN_FILTER_ALL, &ret->occ);
}

int planner_add_events(const Config *c, PlanWindow *w, const EventRec *ev, size_t n) {
        /* Reports due up to the window's end; a report's escalation fires after its deadline,
         * so those due a day earlier are in. */
        return eventclock_occurrences(c, ev, n, tz_instant(w->d1 + 1, 0), &w->occ);
}

/* The reminders of `o` firing on days [from, to]: an event's clock's or the schedule's. */
static size_t reminders_of(const Config *c, const Occurrence *o, Day from, Day to, Reminder *out,
                           size_t n) {
        return o->event ? eventclock_reminders(c, o, from, to, out, n)
                        : schedule_reminders(c, o, from, to, out, n);
}

void plan_window_done(PlanWindow *w) {
        occurrence_list_done(&w->occ);
}

static int cmp_firing(const void *x, const void *y) {
        const Planned *a = x, *b = y;
        if (a->at != b->at)
                return a->at < b->at ? -1 : 1;
        if (a->f.occ.duty != b->f.occ.duty)
                return a->f.occ.duty < b->f.occ.duty ? -1 : 1;
        if (a->f.occ.post != b->f.occ.post)
                return a->f.occ.post < b->f.occ.post ? -1 : 1;
        if (a->f.occ.person != b->f.occ.person)
                return a->f.occ.person < b->f.occ.person ? -1 : 1;
        return (a->f.occ.due > b->f.occ.due) - (a->f.occ.due < b->f.occ.due);
}

static bool same_occ(const Occurrence *a, const Occurrence *b) {
        return a->duty == b->duty && a->post == b->post && a->person == b->person &&
               a->period_start == b->period_start && a->checkpoint == b->checkpoint &&
               a->holiday == b->holiday;
}

int planner_due(const Config *c, const Ledger *l, const PlanWindow *w, time_t t0, time_t t1,
                time_t grace, PlannedList *out) {
        if (t1 <= t0)
                return 0;
        Day d0 = tz_day(t0), d1 = tz_day(t1), track_from = w->track_from;
        if (d0 < w->d0 || d1 > w->d1)
                return -ERANGE;
        const OccurrenceList occ = w->occ;
        int r = 0;
        size_t first = out->n;
        Reminder rem[64];
        for (size_t i = 0; i < occ.n && r == 0; i++) {
                const Occurrence *o = &occ.items[i];
                if (o->due < track_from)
                        continue;
                OccStatus st;
                ledger_status(l, c, o, d1, &st);
                if (st.met)
                        continue;
                /* Keep the last missed reminder and every on-time one. */
                Planned missed = {0};
                bool have_missed = false, have_current = false;
                for (Day d = d0; d <= d1 && r == 0; d += 60) {
                        Day e = d + 59 < d1 ? d + 59 : d1;
                        size_t n = reminders_of(c, o, d, e, rem, ELEMENTSOF(rem));
                        for (size_t k = 0; k < n && r == 0; k++) {
                                Planned f = {.f = {.occ = *o, .rem = rem[k]},
                                             .at = tz_instant(rem[k].day, rem[k].minute)};
                                if (f.at <= t0 || f.at > t1)
                                        continue;
                                if (f.at < t1 - grace) {
                                        f.missed = true;
                                        missed = f;
                                        have_missed = true;
                                } else {
                                        have_current = true;
                                        r = push(out, &f);
                                }
                        }
                }
                if (r == 0 && have_missed && !have_current)
                        r = push(out, &missed);
        }
        if (r < 0)
                return r;
        if (out->n - first > 1)
                qsort(out->items + first, out->n - first, sizeof(Planned), cmp_firing);
        /* Drop exact duplicates (two steps of one occurrence at one instant cannot happen:
         * schedule_reminders keeps one per day). */
        size_t k = first;
        for (size_t i = first; i < out->n; i++)
                if (k == first || !same_occ(&out->items[k - 1].f.occ, &out->items[i].f.occ) ||
                    out->items[k - 1].at != out->items[i].at)
                        out->items[k++] = out->items[i];
        out->n = k;
        return 0;
}

int planner_next(const Config *c, const Ledger *l, const PlanWindow *w, time_t t, time_t *ret,
                 Planned *ret_first) {
        Day d0 = tz_day(t), d1 = w->d1, track_from = w->track_from;
        if (d0 < w->d0 || d0 > d1)
                return -ERANGE;
        const OccurrenceList occ = w->occ;
        bool found = false;
        Planned best = {0};
        Reminder rem[8];
        for (size_t i = 0; i < occ.n; i++) {
                const Occurrence *o = &occ.items[i];
                if (o->due < track_from)
                        continue;
                OccStatus st;
                ledger_status(l, c, o, d0, &st);
                if (st.met)
                        continue;
                size_t n = reminders_of(c, o, d0, d1, rem, ELEMENTSOF(rem));
                for (size_t k = 0; k < n; k++) {
                        time_t at = tz_instant(rem[k].day, rem[k].minute);
                        if (at > t && (!found || at < best.at)) {
                                best = (Planned){.f = {.occ = *o, .rem = rem[k]}, .at = at};
                                found = true;
                        }
                }
        }
        if (!found)
                return -ENOENT;
        *ret = best.at;
        if (ret_first)
                *ret_first = best;
        return 0;
}

size_t planner_overdue_by_post(const Config *c, const Ledger *l, const PlanWindow *w, Day today,
                               size_t *by_post) {
        Day from = today - 400 > w->track_from ? today - 400 : w->track_from;
        size_t n = 0;
        if (by_post)
                memset(by_post, 0, c->n_posts * sizeof(*by_post));
        for (size_t i = 0; i < w->occ.n; i++) {
                const Occurrence *o = &w->occ.items[i];
                if (o->due < from || o->due >= today)
                        continue;
                OccStatus st;
                ledger_status(l, c, o, today, &st);
                n += !st.met;
                if (by_post && !st.met)
                        by_post[o->post]++;
        }
        return n;
}

size_t planner_overdue_count(const Config *c, const Ledger *l, const PlanWindow *w, Day today) {
        return planner_overdue_by_post(c, l, w, today, NULL);
}
