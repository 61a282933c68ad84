/* eventclock.c — see eventclock.h. */
#include "eventclock.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "tz.h"
#include "util.h"

#define MAX_REPORTS 10000 /* of one recurring clock */
#define LEAD_MINUTES 10

void event_rec_list_free(EventRec *v, size_t n) {
        for (size_t i = 0; v && i < n; i++) {
                free(v[i].event);
                free(v[i].level);
                free(v[i].note);
                free(v[i].raised_by);
                free(v[i].closed_by);
        }
        free(v);
}

bool eventclock_applies(const Duty *d, const char *event, const char *level) {
        if (!d->event || !streq(d->event, event))
                return false;
        if (d->n_levels == 0 || !level)
                return true;
        for (size_t i = 0; i < d->n_levels; i++)
                if (streq(d->levels[i], level))
                        return true;
        return false;
}

int eventclock_levels(const Config *c, const char *event, const char ***ret, size_t *ret_n) {
        const char **v = NULL;
        size_t n = 0, cap = 0;
        for (size_t i = 0; i < c->n_duties; i++) {
                const Duty *d = &c->duties[i];
                for (size_t j = 0; d->event && streq(d->event, event) && j < d->n_levels; j++) {
                        bool seen = false;
                        for (size_t k = 0; k < n; k++)
                                seen |= streq(v[k], d->levels[j]);
                        if (seen)
                                continue;
                        if (ARRAY_GROW(v, cap, n + 1) < 0) {
                                free(v);
                                return -ENOMEM;
                        }
                        v[n++] = d->levels[j];
                }
        }
        *ret = v, *ret_n = n;
        return 0;
}

/* A deadline at 00:00 is the previous day's end (due_minute 0 = the day's end). */
static void set_deadline(Occurrence *o, time_t t) {
        Day d = tz_day(t);
        int m = tz_minute(t);
        if (m == 0)
                d--;
        o->due = o->nominal = d;
        o->due_minute = (uint16_t)m;
}

time_t eventclock_deadline(const Occurrence *o) {
        return o->due_minute ? tz_instant(o->due, o->due_minute) : tz_instant(o->due + 1, 0);
}

void eventclock_due_text(const Occurrence *o, char buf[static 17]) {
        if (o->due_minute) {
                tz_format(eventclock_deadline(o), buf);
                return;
        }
        day_format(o->due, buf);
        memcpy(buf + 10, " 24:00", 7);
}

static int push(OccurrenceList *out, const Occurrence *o) {
        if (ARRAY_GROW(out->items, out->cap, out->n + 1) < 0)
                return -ENOMEM;
        out->items[out->n++] = *o;
        return 0;
}

size_t eventclock_deadlines(const Calendar *cal, const EventClock *k, time_t at, time_t until,
                            time_t *out, size_t n) {
        switch (k->kind) {
        case CLOCK_WITHIN:
                if (n < 1)
                        return 0;
                out[0] = at + (time_t)k->minutes * 60;
                return 1;
        case CLOCK_WINDOW: {
                if (n < 1)
                        return 0;
                Day last = calendar_next_working_day(cal, tz_day(at) + k->minutes / 1440);
                out[0] = tz_instant(last + 1, 0);
                return 1;
        }
        case CLOCK_EVERY: {
                size_t m = 0;
                for (time_t t = at + (time_t)k->minutes * 60; m < n && t <= until;
                     t += (time_t)k->minutes * 60)
                        out[m++] = t;
                return m;
        }
        default: return 0;
        }
}

/* The occurrences of duty `d`'s clock on post `post` for event `e`. */
static int duty_clock(const Config *c, size_t d, size_t post, const EventRec *e, time_t until,
                      OccurrenceList *out) {
        Day day = tz_day(e->at);
        time_t limit = e->closed && e->closed < until ? e->closed : until;
        _cleanup_free_ time_t *due = calloc(MAX_REPORTS, sizeof(time_t));
        if (!due)
                return -ENOMEM;
        size_t n = eventclock_deadlines(c->calendar, &c->duties[d].clock, e->at, limit, due,
                                        MAX_REPORTS);
        for (size_t i = 0; i < n; i++) {
                /* "第2/3次": of the reports so far */
                Occurrence o = {.duty = (uint32_t)d,
                                .post = (uint32_t)post,
                                .person = -1,
                                .holiday = -1,
                                .period_start = day,
                                .period_end = day,
                                .checkpoint = (uint16_t)(i + 1),
                                .of = (uint16_t)n,
                                .required = 1,
                                .event = (int32_t)e->id};
                set_deadline(&o, due[i]);
                if (push(out, &o) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int eventclock_occurrences(const Config *c, const EventRec *ev, size_t n, time_t until,
                           OccurrenceList *out) {
        for (size_t i = 0; i < n; i++)
                for (size_t d = 0; d < c->n_duties; d++) {
                        const Duty *duty = &c->duties[d];
                        if (duty->clock.kind == CLOCK_NONE ||
                            !eventclock_applies(duty, ev[i].event, ev[i].level))
                                continue;
                        for (size_t p = 0; p < duty->n_posts; p++)
                                if (duty_clock(c, d, duty->posts[p], &ev[i], until, out) < 0)
                                        return -ENOMEM;
                }
        return 0;
}

/* The event id of "DUTY:POST:evN:K", or -1. */
static int64_t id_event(const char *id) {
        const char *p = strstr(id, ":ev");
        for (; p; p = strstr(p + 1, ":ev")) {
                char *end;
                long long v = strtoll(p + 3, &end, 10);
                if (end > p + 3 && *end == ':' && v > 0 && !strchr(end + 1, ':'))
                        return v;
        }
        return -1;
}

bool eventclock_is_id(const char *id) {
        return id_event(id) > 0;
}

int eventclock_find(const Config *c, const EventRec *ev, size_t n, const char *id, time_t until,
                    Occurrence *ret) {
        int64_t eid = id_event(id);
        for (size_t i = 0; eid > 0 && i < n; i++) {
                if (ev[i].id != eid)
                        continue;
                OccurrenceList l = {0};
                if (eventclock_occurrences(c, &ev[i], 1, until, &l) < 0)
                        return -ENOMEM;
                int r = -ENOENT;
                for (size_t j = 0; r < 0 && j < l.n; j++) {
                        char buf[OCCURRENCE_ID_MAX];
                        occurrence_id(c, &l.items[j], buf, sizeof(buf));
                        if (streq(buf, id))
                                *ret = l.items[j], r = 0;
                }
                occurrence_list_done(&l);
                return r;
        }
        return -ENOENT;
}

static size_t add(Reminder *out, size_t k, size_t n, Day from, Day to, time_t at, ReminderKind kind,
                  const char *step) {
        Day d = tz_day(at);
        if (k >= n || d < from || d > to)
                return k;
        out[k] = (Reminder){.kind = kind, .day = d, .minute = tz_minute(at)};
        snprintf(out[k].step, sizeof(out[k].step), "%s", step);
        return k + 1;
}

size_t eventclock_reminders(const Config *c, const Occurrence *o, Day from, Day to, Reminder *out,
                            size_t n) {
        const Duty *d = &c->duties[o->duty];
        const EventClock *k = &d->clock;
        if (!o->event || k->kind == CLOCK_NONE)
                return 0;
        time_t due = eventclock_deadline(o);
        size_t m = 0;
        if (k->kind == CLOCK_WINDOW) {
                /* Days: at the reminder time of the middle day and of the last day, and the
                 * escalation the morning after. */
                int t = d->reminders.minute_of_day;
                Day mid = o->period_start + (o->due - o->period_start + 1) / 2;
                if (mid < o->due)
                        m = add(out, m, n, from, to, tz_instant(mid, t), REMIND_EVENT, "half");
                m = add(out, m, n, from, to, tz_instant(o->due, t), REMIND_EVENT, "lead");
                return add(out, m, n, from, to, tz_instant(o->due + 1, t), REMIND_ESCALATION,
                           "esc");
        }
        time_t start = due - (time_t)k->minutes * 60, half = start + (due - start) / 2;
        time_t lead = LEAD_MINUTES * 60;
        m = add(out, m, n, from, to, half, REMIND_EVENT, "half");
        if (due - lead > half)
                m = add(out, m, n, from, to, due - lead, REMIND_EVENT, "lead");
        m = add(out, m, n, from, to, due, REMIND_EVENT, "due");
        return add(out, m, n, from, to, due + lead, REMIND_ESCALATION, "esc");
}

char *eventclock_note(const Config *c, const Occurrence *o, const Reminder *rem) {
        char due[17];
        eventclock_due_text(o, due);
        time_t left = eventclock_deadline(o) - tz_instant(rem->day, rem->minute);
        const char *kind = c->duties[o->duty].clock.kind == CLOCK_EVERY ? "续报" : "报告";
        if (streq(rem->step, "due"))
                return strfmt("（事件编号 %d）%s时限已到（%s），尚未记录完成。", o->event, kind,
                              due);
        if (streq(rem->step, "esc"))
                return strfmt("（事件编号 %d，逾期督办）%s已超过时限（%s），请督促落实。", o->event,
                              kind, due);
        if (left >= 3600)
                return strfmt("（事件编号 %d）%s须在 %s 前完成，还剩%ld小时%ld分钟。", o->event,
                              kind, due, (long)(left / 3600), (long)(left % 3600 / 60));
        return strfmt("（事件编号 %d）%s须在 %s 前完成，还剩%ld分钟。", o->event, kind, due,
                      (long)(left / 60));
}

char **eventclock_notes(const Config *c, Firing *f, size_t n) {
        char **notes = calloc(n ? n : 1, sizeof(char *));
        for (size_t i = 0; notes && i < n; i++)
                if (f[i].occ.event)
                        f[i].note = notes[i] = eventclock_note(c, &f[i].occ, &f[i].rem);
        return notes;
}

void eventclock_notes_free(char **notes, size_t n) {
        for (size_t i = 0; notes && i < n; i++)
                free(notes[i]);
        free(notes);
}

static int cmp_recorded(const void *x, const void *y) {
        const Completion *a = *(const Completion *const *)x, *b = *(const Completion *const *)y;
        if (a->recorded_at != b->recorded_at)
                return a->recorded_at < b->recorded_at ? -1 : 1;
        return (a->id > b->id) - (a->id < b->id);
}

void eventclock_status(const Config *c, const Occurrence *o, const Completion *v, size_t n,
                       time_t now, EventStatus *ret) {
        char pid[32];
        snprintf(pid, sizeof(pid), "ev%d", o->event);
        const char *duty = c->duties[o->duty].id, *post = c->posts[o->post].id;
        time_t due = eventclock_deadline(o);
        *ret = (EventStatus){0};
        /* The k-th completion recorded meets report k: find it without allocating. */
        const Completion *best = NULL;
        for (size_t i = 0; i < n; i++) {
                const Completion *x = &v[i];
                if (x->undone_at || !streq(x->duty, duty) || !streq(x->post, post) ||
                    !streq(x->period, pid))
                        continue;
                /* x's rank: how many count before it. */
                size_t before = 0;
                for (size_t j = 0; j < n; j++) {
                        const Completion *y = &v[j];
                        if (j != i && !y->undone_at && streq(y->duty, duty) &&
                            streq(y->post, post) && streq(y->period, pid) &&
                            cmp_recorded(&y, &x) < 0)
                                before++;
                }
                if (before == (size_t)o->checkpoint - 1)
                        best = x;
        }
        if (best) {
                ret->met = true;
                ret->met_at = (time_t)best->recorded_at;
                ret->met_by = best->done_by;
                ret->late = ret->met_at > due;
        } else
                ret->overdue = now > due;
}
