/* schedule.c — see schedule.h and docs/config.md ("Rules"). */
#include "schedule.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "util.h"

void occurrence_list_done(OccurrenceList *l) {
        free(l->items);
        *l = (OccurrenceList){0};
}

static int list_push(OccurrenceList *l, const Occurrence *o) {
        if (ARRAY_GROW(l->items, l->cap, l->n + 1) < 0)
                return -ENOMEM;
        l->items[l->n++] = *o;
        return 0;
}

/* ---- periods ---------------------------------------------------------------------------- */

/* The first and last day of the period of kind `k` holding `day`. */
static void period_bounds(PeriodKind k, Day day, Day *ret_start, Day *ret_end) {
        Ymd t = day_to_ymd(day);
        int m0, len;
        switch (k) {
        case PERIOD_DAY: *ret_start = *ret_end = day; return;
        case PERIOD_WEEK: {
                Day s = day - (day_weekday(day) - 1);
                *ret_start = s, *ret_end = s + 6;
                return;
        }
        case PERIOD_HALF_MONTH: {
                Day first = day - (t.d - 1);
                bool second = t.d > 15;
                *ret_start = second ? first + 15 : first;
                *ret_end = second ? first + days_in_month(t.y, t.m) - 1 : first + 14;
                return;
        }
        case PERIOD_DEKAD: {
                Day first = day - (t.d - 1);
                int part = t.d <= 10 ? 0 : t.d <= 20 ? 1 : 2;
                *ret_start = first + part * 10;
                *ret_end = part < 2 ? first + part * 10 + 9 : first + days_in_month(t.y, t.m) - 1;
                return;
        }
        case PERIOD_MONTH: m0 = t.m, len = 1; break;
        case PERIOD_TWO_MONTHS: m0 = (t.m - 1) / 2 * 2 + 1, len = 2; break;
        case PERIOD_QUARTER: m0 = (t.m - 1) / 3 * 3 + 1, len = 3; break;
        case PERIOD_HALF: m0 = t.m <= 6 ? 1 : 7, len = 6; break;
        default: m0 = 1, len = 12; break;
        }
        int m1 = m0 + len - 1;
        *ret_start = day_from_ymd(t.y, m0, 1);
        *ret_end = day_from_ymd(t.y, m1, days_in_month(t.y, m1));
}

static int floor_div(int a, int b) {
        return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* Monday of ISO week 1 of year `y`: the Monday of the week holding 4 January. */
static Day iso_week1(int y) {
        Day jan4 = day_from_ymd(y, 1, 4);
        return jan4 - (day_weekday(jan4) - 1);
}

/* The period of rule `r` holding `day`: period_bounds(), or r->every years counted from
 * 1 January of r->epoch, or r->every ISO weeks counted from week 1 of r->epoch (without an
 * epoch: from week 1 of each ISO year, the last period cut at the year's end). */
static void rule_period(const Rule *r, Day day, Day *ret_start, Day *ret_end) {
        period_bounds(r->period, day, ret_start, ret_end);
        if (r->period == PERIOD_YEAR && r->start_month > 1) {
                Ymd t = day_to_ymd(day);
                int y0 = t.m >= r->start_month ? t.y : t.y - 1;
                *ret_start = day_from_ymd(y0, r->start_month, 1);
                *ret_end = day_from_ymd(y0 + 1, r->start_month, 1) - 1;
                return;
        }
        int n = r->every;
        if (n <= 1)
                return;
        if (r->period == PERIOD_YEAR) {
                int y0 = r->epoch + floor_div(day_to_ymd(day).y - r->epoch, n) * n;
                *ret_start = day_from_ymd(y0, 1, 1);
                *ret_end = day_from_ymd(y0 + n - 1, 12, 31);
        } else if (r->period == PERIOD_WEEK && r->epoch) {
                Day base = iso_week1(r->epoch);
                *ret_start = base + floor_div(*ret_start - base, 7 * n) * 7 * n;
                *ret_end = *ret_start + 7 * n - 1;
        } else if (r->period == PERIOD_WEEK) {
                int y, w;
                day_iso_week(day, &y, &w);
                *ret_start = iso_week1(y) + (w - 1) / n * n * 7;
                Day e = *ret_start + 7 * n - 1, last = iso_week1(y + 1) - 1;
                *ret_end = e < last ? e : last;
        }
}

/* The months of rule `r`'s period: 12 × every for years. */
static int rule_months(const Rule *r) {
        return period_kind_months(r->period) * (r->period == PERIOD_YEAR ? r->every : 1);
}

/* "2026-03" and its kin, without a format to parse (formatted for every occurrence listed). */
static void put_ym(Str *s, Ymd t, const char *sep) {
        str_num(s, (unsigned)t.y, 4);
        str_put(s, "-");
        str_put(s, sep);
        str_num(s, (unsigned)t.m, 2);
}

void period_id(PeriodKind k, Day start, char *buf, size_t n) {
        Ymd t = day_to_ymd(start);
        Str s = str_init(buf, n);
        switch (k) {
        case PERIOD_WEEK: {
                int y, w;
                day_iso_week(start, &y, &w);
                str_num(&s, (unsigned)y, 4);
                str_put(&s, "-W");
                str_num(&s, (unsigned)w, 2);
                return;
        }
        case PERIOD_DAY:
        case PERIOD_TERM:
        case PERIOD_SCHOOL_YEAR:
                put_ym(&s, t, k == PERIOD_TERM ? "S" : k == PERIOD_SCHOOL_YEAR ? "Y" : "");
                str_put(&s, k == PERIOD_DAY ? "-" : "");
                str_num(&s, (unsigned)t.d, 2);
                return;
        case PERIOD_MONTH: put_ym(&s, t, ""); return;
        case PERIOD_HALF_MONTH:
                put_ym(&s, t, "");
                str_put(&s, t.d <= 15 ? "-H1" : "-H2");
                return;
        case PERIOD_DEKAD:
                put_ym(&s, t, "");
                str_put(&s, t.d <= 10 ? "-D1" : t.d <= 20 ? "-D2" : "-D3");
                return;
        default: break;
        }
        str_num(&s, (unsigned)t.y, 4);
        switch (k) {
        case PERIOD_QUARTER: str_put(&s, "-Q"), str_num(&s, (unsigned)(t.m - 1) / 3 + 1, 1); break;
        case PERIOD_TWO_MONTHS:
                str_put(&s, "-B"), str_num(&s, (unsigned)(t.m - 1) / 2 + 1, 1);
                break;
        case PERIOD_HALF: str_put(&s, t.m <= 6 ? "-H1" : "-H2"); break;
        default: break;
        }
}

/* The part of a period id after the month, "-H2" or "-D3": the half month or dekad whose first
 * day `*any` becomes. */
static bool month_part_parse(const char *s, PeriodKind *kind, Day *any) {
        if (s[0] != '-' || !s[1] || s[2] < '1' || s[3] != 0)
                return false;
        int v = s[2] - '0';
        if (s[1] == 'H' && v <= 2) {
                *kind = PERIOD_HALF_MONTH, *any += (v - 1) * 15;
                return true;
        }
        if (s[1] == 'D' && v <= 3) {
                *kind = PERIOD_DEKAD, *any += (v - 1) * 10;
                return true;
        }
        return false;
}

int period_parse(const char *s, PeriodKind *ret_kind, Day *ret_start, Day *ret_end) {
        int y, v, k = 0;
        char c;
        PeriodKind kind;
        Day any;
        if (sscanf(s, "%4d%n", &y, &k) == 1 && k == 4 && s[4] == 0) {
                kind = PERIOD_YEAR, any = day_from_ymd(y, 1, 1);
        } else if (strlen(s) == 10 && s[4] == '-' && (s[5] == 'S' || s[5] == 'Y')) {
                /* A term or school year by its first day, 2026-S0901 / 2026-Y0901: its end is
                 * the configuration's. */
                char ymd[11];
                snprintf(ymd, sizeof(ymd), "%.4s-%.2s-%.2s", s, s + 6, s + 8);
                if ((any = day_parse(ymd)) == DAY_INVALID)
                        return -EINVAL;
                *ret_kind = s[5] == 'S' ? PERIOD_TERM : PERIOD_SCHOOL_YEAR;
                *ret_start = *ret_end = any;
                return 0;
        } else if (strlen(s) == 10 && s[7] == '-' && s[8] != 'H' && s[8] != 'D') {
                if ((any = day_parse(s)) == DAY_INVALID)
                        return -EINVAL;
                kind = PERIOD_DAY, y = day_to_ymd(any).y;
        } else if (sscanf(s, "%4d-%c%2d%n", &y, &c, &v, &k) == 3 && s[k] == 0 && k >= 7 &&
                   (c == 'H' || c == 'Q' || c == 'B' || c == 'W')) {
                if (c == 'H' && v >= 1 && v <= 2 && k == 7)
                        kind = PERIOD_HALF, any = day_from_ymd(y, v * 6, 1);
                else if (c == 'Q' && v >= 1 && v <= 4 && k == 7)
                        kind = PERIOD_QUARTER, any = day_from_ymd(y, v * 3, 1);
                else if (c == 'B' && v >= 1 && v <= 6 && k == 7)
                        kind = PERIOD_TWO_MONTHS, any = day_from_ymd(y, v * 2, 1);
                else if (c == 'W' && v >= 1 && v <= 53 && k == 8) {
                        /* Monday of ISO week 1 is the Monday of the week holding 4 January. */
                        Day jan4 = day_from_ymd(y, 1, 4);
                        any = jan4 - (day_weekday(jan4) - 1) + (v - 1) * 7;
                        int yy, ww;
                        day_iso_week(any, &yy, &ww);
                        if (yy != y || ww != v)
                                return -EINVAL;
                        kind = PERIOD_WEEK;
                } else
                        return -EINVAL;
        } else if (sscanf(s, "%4d-%2d%n", &y, &v, &k) == 2 && k == 7 && v >= 1 && v <= 12 &&
                   s[5] >= '0' && s[5] <= '9') {
                kind = PERIOD_MONTH, any = day_from_ymd(y, v, 1);
                if (s[k] != 0 && !month_part_parse(s + k, &kind, &any))
                        return -EINVAL;
        } else
                return -EINVAL;
        if (y < 1 || y > 9998)
                return -EINVAL;
        *ret_kind = kind;
        period_bounds(kind, any, ret_start, ret_end);
        return 0;
}

/* ---- checkpoints ------------------------------------------------------------------------ */

static Day apply_move(const Calendar *cal, HolidayMove m, Day d) {
        switch (m) {
        case MOVE_POSTPONE: return calendar_next_working_day(cal, d);
        case MOVE_EARLIER: return calendar_previous_working_day(cal, d);
        default: return d;
        }
}

/* Last day of the month `offset` months after the month of `d` (offset may be 0). */
static Day month_day(Day d, int offset, int due_day) {
        Ymd t = day_to_ymd(d);
        int m = t.m - 1 + offset;
        int y = t.y + m / 12;
        m = m % 12 + 1;
        int dim = days_in_month(y, m);
        int day = due_day == DUE_DAY_LAST || due_day > dim ? dim : due_day;
        return day_from_ymd(y, m, day);
}

/* 班前 / 班后: one checkpoint per shift of day o->due, at its start or its end (a shift ending
 * at or after midnight ends the next day; a time of 00:00 is the day before's end). */
static int shift_checkpoints(const Config *c, const Rule *r, Occurrence *o, OccurrenceList *out) {
        Day day = o->due;
        o->of = (uint16_t)c->n_shifts;
        for (size_t i = 0; i < c->n_shifts; i++) {
                const Shift *sh = &c->shifts[i];
                int at = r->shift_edge == SHIFT_START ? sh->start : sh->end;
                Day d = day + (r->shift_edge == SHIFT_END && sh->end <= sh->start);
                if (at == 0)
                        d--, at = 0; /* 24:00 of the day before */
                o->checkpoint = (uint16_t)(i + 1);
                o->nominal = o->due = d;
                o->due_minute = (uint16_t)at;
                int q = list_push(out, o);
                if (q < 0)
                        return q;
        }
        return 0;
}

typedef struct Assignment {
        uint32_t duty, post;
        int32_t person;
} Assignment;

/* The checkpoints of one period [s, e], appended to `out` (all of them, unfiltered). */
static int period_checkpoints_all(const Config *c, const Assignment *a, Day s, Day e,
                                  OccurrenceList *out) {
        const Rule *r = &c->duties[a->duty].rule;
        Occurrence o = {.duty = a->duty,
                        .post = a->post,
                        .person = a->person,
                        .holiday = -1,
                        .period_start = s,
                        .period_end = e,
                        .of = 1,
                        .checkpoint = 1,
                        .required = (uint16_t)r->count,
                        .due_minute = (uint16_t)r->due_minute};
        if (r->once && day_to_ymd(s).y != r->once)
                return 0; /* a one-off date: only its year has it */
        if (r->period == PERIOD_DAY) {
                /* No holiday move: the day itself, or nothing on a day off (每个工作日). */
                if (r->workdays && calendar_next_working_day(c->calendar, s) != s)
                        return 0;
                o.nominal = o.due = s;
                return r->shift_edge ? shift_checkpoints(c, r, &o, out) : list_push(out, &o);
        }
        if (r->due_months) { /* one checkpoint in each listed month */
                o.of = (uint16_t)r->count;
                o.required = 1;
                o.checkpoint = 0;
                for (int m = 1; m <= 12; m++) {
                        if (!(r->due_months & (1u << m)))
                                continue;
                        o.checkpoint++;
                        o.nominal = month_day(s, m - 1, r->due_day);
                        o.due = apply_move(c->calendar, r->move, o.nominal);
                        int q = list_push(out, &o);
                        if (q < 0)
                                return q;
                }
                return 0;
        }
        if (period_is_school(r->period) && r->due_day) {
                /* day N of the term (开学第一周: 7) */
                o.nominal = r->due_day == DUE_DAY_LAST || s + r->due_day - 1 > e
                                    ? e
                                    : s + r->due_day - 1;
                o.due = apply_move(c->calendar, r->move, o.nominal);
                return list_push(out, &o);
        }
        if (r->due_weekday) { /* that day of the period's last week */
                o.nominal = e - 7 + r->due_weekday;
                o.due = apply_move(c->calendar, r->move, o.nominal);
                return list_push(out, &o);
        }
        if (r->due_day) {
                /* due_month counts in the last year of a period of several years. */
                int months = rule_months(r), last_year = r->period == PERIOD_YEAR ? months - 12 : 0;
                int offset = r->after_period ? months - 1 + (r->due_month ? r->due_month : 1)
                             : r->due_month  ? last_year + r->due_month - 1
                                             : months - 1;
                if (r->start_month > 1 && r->due_month) /* a calendar month of a shifted year */
                        offset = (r->due_month - r->start_month + 12) % 12;
                o.nominal = month_day(s, offset, r->due_day);
                o.due = apply_move(c->calendar, r->move, o.nominal);
                return list_push(out, &o);
        }
        if (r->count == 1 || !r->pacing) {
                o.nominal = e;
                o.due = apply_move(c->calendar, r->move, o.nominal);
                return list_push(out, &o);
        }
        int n = r->count, months = rule_months(r), days = e - s + 1;
        o.of = (uint16_t)n;
        o.required = 1;
        for (int i = 1; i <= n; i++) {
                o.checkpoint = (uint16_t)i;
                if (months > 0 && months % n == 0)
                        o.nominal = month_day(s, i * months / n - 1, DUE_DAY_LAST);
                else
                        o.nominal = s + (Day)((long)i * days / n) - 1;
                o.due = apply_move(c->calendar, r->move, o.nominal);
                int q = list_push(out, &o);
                if (q < 0)
                        return q;
        }
        return 0;
}

static Day owed_on(const Occurrence *o);

/* The checkpoints of one period [s, e] that the duty's scope (from/until, season) keeps: those
 * owed on a day it applies (owed_on(), as for a holder's tenure), numbered again 1…k of k so
 * that completions fill the ones that exist (ledger.h). */
static int period_checkpoints(const Config *c, const Assignment *a, Day s, Day e,
                              OccurrenceList *out) {
        size_t n0 = out->n;
        int q = period_checkpoints_all(c, a, s, e, out);
        const Duty *d = &c->duties[a->duty];
        if (q < 0 || !d->scope)
                return q;
        size_t k = n0;
        for (size_t i = n0; i < out->n; i++)
                if (duty_applies(c, d, owed_on(&out->items[i])))
                        out->items[k++] = out->items[i];
        if (k < out->n)
                for (size_t i = n0; i < k; i++) {
                        out->items[i].checkpoint = (uint16_t)(i - n0 + 1);
                        out->items[i].of = (uint16_t)(k - n0);
                }
        out->n = k;
        return 0;
}

static bool holiday_selected(const Rule *r, const Holiday *h) {
        if (!r->holidays)
                return true;
        for (size_t i = 0; i < r->n_holidays; i++)
                if (streq(r->holidays[i], h->id))
                        return true;
        return false;
}

static int holiday_checkpoint(const Config *c, const Assignment *a, size_t hi, Occurrence *o) {
        const Holiday *h = &c->calendar->holidays[hi];
        /* Due on the last working day before the first day off; the check may be done in the
         * month before it. */
        *o = (Occurrence){.duty = a->duty,
                          .post = a->post,
                          .person = a->person,
                          .holiday = (int32_t)hi,
                          .period_start = h->from - 30,
                          .period_end = h->to,
                          .checkpoint = 1,
                          .of = 1,
                          .required = 1};
        o->due = o->nominal = calendar_previous_working_day(c->calendar, h->from - 1);
        return 0;
}

/* A per_holder checkpoint is owed by whoever holds the post on the day it falls due (its
 * nominal deadline, or the period's last day when the deadline lies after the period): a person
 * who takes the post on 07-01 owes nothing due 06-30, one who left on 06-15 neither. */
static bool holds_on(const Config *c, size_t person, size_t post, Day day) {
        const Person *p = &c->people[person];
        for (size_t j = 0; j < p->n_tenures; j++) {
                const Tenure *t = &p->tenures[j];
                if (t->post == post && (t->from == DAY_INVALID || t->from <= day) &&
                    day <= t->until)
                        return true;
        }
        return false;
}

static Day owed_on(const Occurrence *o) {
        return o->nominal < o->period_end ? o->nominal : o->period_end;
}

/* Period i (from 0) of a term rule: term i, or school year i — an autumn term (one that starts
 * in July–December) or the first term, with the terms after it up to the next autumn term (the
 * days between them belong to it). false past the last. */
static bool school_period(const Config *c, PeriodKind k, size_t i, Day *s, Day *e) {
        if (k == PERIOD_TERM) {
                if (i >= c->n_terms)
                        return false;
                *s = c->terms[i].from, *e = c->terms[i].until;
                return true;
        }
        for (size_t t = 0, n = 0; t < c->n_terms; n++) {
                size_t u = t + 1;
                while (u < c->n_terms && day_to_ymd(c->terms[u].from).m < 7)
                        u++;
                if (n == i) {
                        *s = c->terms[t].from, *e = c->terms[u - 1].until;
                        return true;
                }
                t = u;
        }
        return false;
}

/* The occurrences of the period [s, e] due in [from, to] (per_holder: one for each holder it is
 * owed by), appended to `out`; `tmp` is scratch. 0 or -ENOMEM. */
static int take_period(const Config *c, const Assignment *a, PlanFilter f, Day s, Day e, Day from,
                       Day to, OccurrenceList *tmp, OccurrenceList *out) {
        const Duty *d = &c->duties[a->duty];
        tmp->n = 0;
        if (period_checkpoints(c, a, s, e, tmp) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < tmp->n; i++) {
                Occurrence *o = &tmp->items[i];
                if (o->due < from || o->due > to)
                        continue;
                if (!d->per_holder) {
                        if (list_push(out, o) < 0)
                                return -ENOMEM;
                        continue;
                }
                for (size_t pi = 0; pi < c->n_people; pi++)
                        if ((f.person < 0 || (size_t)f.person == pi) &&
                            holds_on(c, pi, a->post, owed_on(o))) {
                                o->person = (int32_t)pi;
                                if (list_push(out, o) < 0)
                                        return -ENOMEM;
                        }
        }
        return 0;
}

/* Every occurrence of one duty/post (all holders when per_holder) due in [from, to]. */
static int plan_assignment(const Config *c, uint32_t duty, uint32_t post, PlanFilter f, Day from,
                           Day to, OccurrenceList *tmp, OccurrenceList *out) {
        const Duty *d = &c->duties[duty];
        const Rule *r = &d->rule;
        Assignment a = {duty, post, -1};
        if (r->before_holidays) {
                for (size_t hi = 0; hi < c->calendar->n_holidays; hi++) {
                        const Holiday *h = &c->calendar->holidays[hi];
                        if (!holiday_selected(r, h) || h->from - 1 < from - 10 ||
                            h->from - 1 > to + 10)
                                continue;
                        Occurrence o;
                        holiday_checkpoint(c, &a, hi, &o);
                        if (o.due < from || o.due > to || !duty_applies(c, d, owed_on(&o)))
                                continue;
                        for (size_t pi = 0; d->per_holder && pi < c->n_people; pi++)
                                if ((f.person < 0 || (size_t)f.person == pi) &&
                                    holds_on(c, pi, post, owed_on(&o))) {
                                        o.person = (int32_t)pi;
                                        if (list_push(out, &o) < 0)
                                                return -ENOMEM;
                                }
                        if (!d->per_holder && list_push(out, &o) < 0)
                                return -ENOMEM;
                }
                return 0;
        }
        Day s, e;
        if (period_is_school(r->period)) { /* the configuration's terms, not the calendar's */
                for (size_t i = 0; school_period(c, r->period, i, &s, &e); i++)
                        if (e >= from - 40 && s <= to + 40 &&
                            take_period(c, &a, f, s, e, from, to, tmp, out) < 0)
                                return -ENOMEM;
                return 0;
        }
        /* Deadlines lie in the period, up to 12 months after it (after_period), moved by at
         * most a few weeks of holidays; scan periods that can reach [from, to]. */
        Day back = r->after_period ? 31 * (r->due_month + 1) + 40 : 40;
        rule_period(r, from - back, &s, &e);
        for (; s <= to + 40; rule_period(r, e + 1, &s, &e))
                if (take_period(c, &a, f, s, e, from, to, tmp, out) < 0)
                        return -ENOMEM;
        return 0;
}

int occurrence_compare(const void *x, const void *y) {
        const Occurrence *a = x, *b = y;
#define CMP(f)            \
        if (a->f != b->f) \
        return a->f < b->f ? -1 : 1
        CMP(due);
        int ta = a->due_minute ? a->due_minute : 1440, tb = b->due_minute ? b->due_minute : 1440;
        if (ta != tb)
                return ta < tb ? -1 : 1;
        CMP(duty);
        CMP(post);
        CMP(person);
        CMP(period_start);
        CMP(checkpoint);
#undef CMP
        return 0;
}

int schedule_plan_assignment(const Config *c, size_t duty, size_t post, ssize_t person, Day from,
                             Day to, OccurrenceList *out) {
        if (c->duties[duty].event)
                return 0;
        OccurrenceList tmp = {0};
        PlanFilter f = {(ssize_t)duty, (ssize_t)post, person};
        int r = plan_assignment(c, (uint32_t)duty, (uint32_t)post, f, from, to, &tmp, out);
        occurrence_list_done(&tmp);
        return r;
}

static bool person_holds_post(const Config *c, size_t person, size_t post) {
        const Person *p = &c->people[person];
        for (size_t j = 0; j < p->n_tenures; j++)
                if (p->tenures[j].post == post)
                        return true;
        return false;
}

/* A duty that is not per_holder has the same deadlines on each of its posts (the post only
 * names who is charged), and duties with equal rules and the same scope have equal deadlines:
 * a county repeats a few dozen rules over thousands of duties. So those are counted (planned)
 * once per distinct rule and scope, the last RULE_MEMO ones seen, and multiplied (copied);
 * per_holder duties depend on each post's tenures and are planned post by post. */
#define RULE_MEMO 32

typedef struct RuleMemo {
        const Rule *rule;
        uint16_t scope;
        size_t at, n; /* counted: n; planned: out->items[at, at + n) */
} RuleMemo;

static RuleMemo *rule_memo_find(RuleMemo *memo, const Duty *d) {
        for (size_t i = 0; i < RULE_MEMO && memo[i].rule; i++)
                if (memo[i].scope == d->scope && rule_equal(memo[i].rule, &d->rule))
                        return &memo[i];
        return NULL;
}

static void rule_memo_add(RuleMemo *memo, size_t *next, const Duty *d, size_t at, size_t n) {
        memo[*next % RULE_MEMO] = (RuleMemo){&d->rule, d->scope, at, n};
        (*next)++;
}

static int count_assignment(const Config *c, size_t di, size_t post, Day from, Day to,
                            OccurrenceList *tmp, size_t *ret) {
        OccurrenceList one = {0};
        int r = plan_assignment(c, (uint32_t)di, (uint32_t)post, PLAN_FILTER_ALL, from, to, tmp,
                                &one);
        *ret = one.n;
        occurrence_list_done(&one);
        return r;
}

static int count_shared(const Config *c, size_t di, Day from, Day to, OccurrenceList *tmp,
                        RuleMemo *memo, size_t *next, size_t *ret) {
        const RuleMemo *m = rule_memo_find(memo, &c->duties[di]);
        if (m) {
                *ret = m->n;
                return 0;
        }
        int r = count_assignment(c, di, c->duties[di].posts[0], from, to, tmp, ret);
        rule_memo_add(memo, next, &c->duties[di], 0, *ret);
        return r;
}

int schedule_count(const Config *c, Day from, Day to, size_t *ret) {
        OccurrenceList tmp = {0};
        RuleMemo memo[RULE_MEMO] = {0};
        size_t n = 0, next = 0, k;
        int r = 0;
        for (size_t di = 0; di < c->n_duties && r == 0; di++) {
                const Duty *d = &c->duties[di];
                if (d->event || d->n_posts == 0)
                        continue;
                if (!d->per_holder) {
                        r = count_shared(c, di, from, to, &tmp, memo, &next, &k);
                        n += k * d->n_posts;
                        continue;
                }
                for (size_t pi = 0; pi < d->n_posts && r == 0; pi++) {
                        r = count_assignment(c, di, d->posts[pi], from, to, &tmp, &k);
                        n += k;
                }
        }
        occurrence_list_done(&tmp);
        *ret = n;
        return r;
}

/* A shared duty's occurrences on one post: planned, or copied from those of an equal rule
 * and scope planned before in this call. */
static int plan_shared(const Config *c, uint32_t di, uint32_t post, PlanFilter f, Day from, Day to,
                       OccurrenceList *tmp, OccurrenceList *out, RuleMemo *memo, size_t *next) {
        const Duty *d = &c->duties[di];
        const RuleMemo *m = rule_memo_find(memo, d);
        if (!m) {
                size_t at = out->n;
                int r = plan_assignment(c, di, post, f, from, to, tmp, out);
                if (r == 0)
                        rule_memo_add(memo, next, d, at, out->n - at);
                return r;
        }
        if (ARRAY_GROW(out->items, out->cap, out->n + m->n) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < m->n; i++) {
                Occurrence o = out->items[m->at + i];
                o.duty = di;
                o.post = post;
                out->items[out->n++] = o;
        }
        return 0;
}

int schedule_plan(const Config *c, Day from, Day to, PlanFilter f, OccurrenceList *out) {
        OccurrenceList tmp = {0};
        RuleMemo memo[RULE_MEMO] = {0};
        size_t first = out->n, next = 0;
        int r = 0;
        for (size_t di = 0; di < c->n_duties && r == 0; di++) {
                const Duty *d = &c->duties[di];
                if (d->event || (f.duty >= 0 && (size_t)f.duty != di))
                        continue;
                for (size_t pi = 0; pi < d->n_posts && r == 0; pi++) {
                        size_t post = d->posts[pi];
                        if (f.post >= 0 && (size_t)f.post != post)
                                continue;
                        if (f.person >= 0 && !person_holds_post(c, (size_t)f.person, post))
                                continue;
                        if (!d->per_holder && f.person < 0) {
                                r = plan_shared(c, (uint32_t)di, (uint32_t)post, f, from, to, &tmp,
                                                out, memo, &next);
                                continue;
                        }
                        size_t before = out->n;
                        r = plan_assignment(c, (uint32_t)di, (uint32_t)post, f, from, to, &tmp,
                                            out);
                        /* A person filter on a shared post keeps only the days they hold it. */
                        if (r == 0 && f.person >= 0 && !d->per_holder) {
                                size_t k = before;
                                for (size_t i = before; i < out->n; i++) {
                                        size_t h[MAX_POST_HOLDERS];
                                        size_t nh = occurrence_holders(c, &out->items[i],
                                                                       out->items[i].due, h, 64);
                                        bool mine = false;
                                        for (size_t j = 0; j < nh; j++)
                                                mine |= h[j] == (size_t)f.person;
                                        if (mine)
                                                out->items[k++] = out->items[i];
                                }
                                out->n = k;
                        }
                }
        }
        occurrence_list_done(&tmp);
        if (r < 0)
                return r;
        if (out->n - first > 1)
                qsort(out->items + first, out->n - first, sizeof(Occurrence), occurrence_compare);
        return 0;
}

/* ---- ids -------------------------------------------------------------------------------- */

void occurrence_period_id(const Config *c, const Occurrence *o, char *buf, size_t n) {
        if (o->event > 0) { /* eventclock.h */
                snprintf(buf, n, "ev%" PRId32, o->event);
                return;
        }
        if (o->holiday >= 0) {
                const Holiday *h = &c->calendar->holidays[o->holiday];
                Str s = str_init(buf, n);
                str_num(&s, (unsigned)day_to_ymd(h->from).y, 4);
                str_put(&s, "-");
                str_put(&s, h->id);
                return;
        }
        period_id(c->duties[o->duty].rule.period, o->period_start, buf, n);
}

void occurrence_key_in(const Config *c, const Occurrence *o, const char *pid, char *buf, size_t n) {
        Str s = str_init(buf, n);
        str_put(&s, c->duties[o->duty].id);
        str_put(&s, ":");
        str_put(&s, c->posts[o->post].id);
        if (o->person >= 0) {
                str_put(&s, ".");
                str_put(&s, c->people[o->person].id);
        }
        str_put(&s, ":");
        str_put(&s, pid);
}

void occurrence_id_in(const Config *c, const Occurrence *o, const char *pid, char *buf, size_t n) {
        occurrence_key_in(c, o, pid, buf, n);
        Str s = {buf, n, strlen(buf)};
        str_put(&s, ":");
        str_num(&s, o->checkpoint, 1);
}

void occurrence_id(const Config *c, const Occurrence *o, char *buf, size_t n) {
        char pid[96];
        occurrence_period_id(c, o, pid, sizeof(pid));
        occurrence_id_in(c, o, pid, buf, n);
}

/* Checkpoint `cp` of period [s, e], unless the duty's scope left it out: 0 or -ENOENT. */
static int find_checkpoint(const Config *c, const Assignment *a, Day s, Day e, int cp,
                           Occurrence *ret) {
        OccurrenceList l = {0};
        int r = period_checkpoints(c, a, s, e, &l);
        if (r == 0)
                r = -ENOENT;
        for (size_t i = 0; i < l.n && r == -ENOENT; i++)
                if (l.items[i].checkpoint == cp) {
                        *ret = l.items[i];
                        r = 0;
                }
        occurrence_list_done(&l);
        return r;
}

int schedule_find(const Config *c, const char *id, Occurrence *ret) {
        char buf[OCCURRENCE_ID_MAX];
        size_t len = strlen(id);
        if (len >= sizeof(buf))
                return -ENOENT;
        memcpy(buf, id, len + 1);
        char *parts[4];
        char *save = NULL, *p = buf;
        for (int i = 0; i < 4; i++, p = NULL)
                if (!(parts[i] = strtok_r(p, ":", &save)))
                        return -ENOENT;
        if (strtok_r(NULL, ":", &save))
                return -ENOENT;
        ssize_t duty = config_find_duty(c, parts[0]);
        char *dot = strchr(parts[1], '.');
        if (dot)
                *dot++ = 0;
        ssize_t post = config_find_post(c, parts[1]);
        ssize_t person = dot ? config_find_person(c, dot) : -1;
        char *end;
        long cp = strtol(parts[3], &end, 10);
        if (duty < 0 || post < 0 || (dot && person < 0) || *end || cp < 1)
                return -ENOENT;
        const Duty *d = &c->duties[duty];
        bool post_ok = false;
        for (size_t i = 0; i < d->n_posts; i++)
                post_ok |= d->posts[i] == (size_t)post;
        if (!post_ok || d->event || (d->per_holder != (person >= 0)))
                return -ENOENT;
        Assignment a = {(uint32_t)duty, (uint32_t)post, (int32_t)person};
        if (d->rule.before_holidays) {
                for (size_t hi = 0; hi < c->calendar->n_holidays; hi++) {
                        const Holiday *h = &c->calendar->holidays[hi];
                        char pid[96];
                        snprintf(pid, sizeof(pid), "%04d-%s", day_to_ymd(h->from).y, h->id);
                        if (streq(pid, parts[2]) && holiday_selected(&d->rule, h) && cp == 1) {
                                holiday_checkpoint(c, &a, hi, ret);
                                return duty_applies(c, d, owed_on(ret)) ? 0 : -ENOENT;
                        }
                }
                return -ENOENT;
        }
        PeriodKind k;
        Day s, e;
        if (period_parse(parts[2], &k, &s, &e) < 0 || k != d->rule.period)
                return -ENOENT;
        if (period_is_school(d->rule.period)) { /* the term or school year that starts that day */
                Day ts, te;
                for (size_t i = 0; school_period(c, k, i, &ts, &te); i++)
                        if (ts == s)
                                return find_checkpoint(c, &a, ts, te, cp, ret);
                return -ENOENT;
        }
        /* 2025 or 2026-W01 names a period of several years or weeks by its first; a year that
         * starts in December by the year of that December. */
        Day start = s;
        if (d->rule.period == PERIOD_YEAR && d->rule.start_month > 1)
                start = day_from_ymd(day_to_ymd(s).y, d->rule.start_month, 1);
        rule_period(&d->rule, start, &s, &e);
        if (s != start)
                return -ENOENT;
        return find_checkpoint(c, &a, s, e, cp, ret);
}

size_t occurrence_holders(const Config *c, const Occurrence *o, Day day, size_t *out, size_t n) {
        if (o->person >= 0) {
                size_t h[MAX_POST_HOLDERS];
                size_t k = config_post_holders(c, o->post, day, h, 64);
                for (size_t i = 0; i < k; i++)
                        if (h[i] == (size_t)o->person && n > 0) {
                                out[0] = h[i];
                                return 1;
                        }
                return 0;
        }
        return config_post_holders(c, o->post, day, out, n);
}

char *people_names(const Config *c, const size_t *people, size_t n) {
        Buf b = {0};
        for (size_t i = 0; i < n; i++)
                buf_printf(&b, "%s%s", i ? "、" : "", c->people[people[i]].name);
        return buf_steal(&b);
}

int schedule_period_checkpoints(const Config *c, size_t duty, size_t post, ssize_t person, Day day,
                                OccurrenceList *out) {
        const Duty *d = &c->duties[duty];
        const Rule *r = &d->rule;
        Assignment a = {(uint32_t)duty, (uint32_t)post, (int32_t)person};
        if (d->event)
                return -EINVAL;
        if (r->before_holidays) {
                /* The next holiday check at or after `day`. */
                for (size_t hi = 0; hi < c->calendar->n_holidays; hi++) {
                        const Holiday *h = &c->calendar->holidays[hi];
                        if (holiday_selected(r, h) && h->to >= day) {
                                Occurrence o;
                                holiday_checkpoint(c, &a, hi, &o);
                                return list_push(out, &o);
                        }
                }
                return 0;
        }
        if (period_is_school(
                    r->period)) { /* the term or school year holding `day`; none between terms */
                Day ts, te;
                for (size_t i = 0; school_period(c, r->period, i, &ts, &te); i++)
                        if (ts <= day && day <= te)
                                return period_checkpoints(c, &a, ts, te, out);
                return 0;
        }
        Day s, e;
        rule_period(r, day, &s, &e);
        if (r->after_period) {
                /* A report on the previous period is counted there until its deadline. */
                Day ps, pe;
                rule_period(r, s - 1, &ps, &pe);
                OccurrenceList prev = {0};
                int q = period_checkpoints(c, &a, ps, pe, &prev);
                bool use_prev = q == 0 && prev.n > 0 && day <= prev.items[prev.n - 1].due;
                occurrence_list_done(&prev);
                if (q < 0)
                        return q;
                if (use_prev)
                        s = ps, e = pe;
        }
        return period_checkpoints(c, &a, s, e, out);
}

void occurrence_due_text(const Occurrence *o, char buf[static OCCURRENCE_DUE_MAX]) {
        day_format(o->due, buf);
        int m = o->due_minute;
        if (m) {
                buf[10] = ' ';
                rule_time(m, buf + 11);
        }
}

/* ---- reminders -------------------------------------------------------------------------- */

static const char *const reminder_kind_names[] = {"upcoming", "due_today", "overdue", "escalation",
                                                  "event"};
const char *reminder_kind_to_string(ReminderKind k) {
        assert((size_t)k < ELEMENTSOF(reminder_kind_names));
        return reminder_kind_names[k];
}

/* The minute a reminder on the deadline's own day fires: the reminder time, or an hour before
 * a deadline with a time of day when that comes first (每日8时前: 07:00). */
static int due_day_minute(const ReminderPolicy *p, const Rule *r) {
        if (!r->due_minute || r->due_minute - DUE_REMINDER_LEAD >= p->minute_of_day)
                return p->minute_of_day;
        return r->due_minute > DUE_REMINDER_LEAD ? r->due_minute - DUE_REMINDER_LEAD : 0;
}

size_t schedule_reminders(const Config *c, const Occurrence *o, Day from, Day to, Reminder *out,
                          size_t n) {
        const ReminderPolicy *p = &c->duties[o->duty].reminders;
        const Rule *rule = &c->duties[o->duty].rule;
        const Calendar *cal = c->calendar;
        size_t k = 0;
        Day last_pushed = DAY_INVALID;
        /* before[] is sorted descending: 7, 1, 0. */
        for (size_t i = 0; i < p->n_before; i++) {
                int b = p->before[i];
                /* A daily duty is due on days off too (每天): reminded on its own day. */
                Day day = rule->period == PERIOD_DAY
                                  ? o->due - b
                                  : calendar_previous_working_day(cal, o->due - b);
                if (day < from || day > to)
                        continue;
                if (day == last_pushed) {
                        assert(k > 0);
                        k--; /* two offsets fell on one working day: keep the nearer one */
                }
                last_pushed = day;
                if (k >= n)
                        break;
                Reminder *r = &out[k++];
                *r = (Reminder){.kind = b == 0 ? REMIND_DUE_TODAY : REMIND_UPCOMING,
                                .day = day,
                                .minute =
                                        day == o->due ? due_day_minute(p, rule) : p->minute_of_day,
                                .days = o->due - day};
                snprintf(r->step, sizeof(r->step), b == 0 ? "d0" : "b%d", b);
        }
        if (!p->overdue || to <= o->due)
                return k;
        /* Overdue: each working day after the deadline. */
        Day day = o->due;
        int late = 0;
        if (from > o->due + 1) {
                late = calendar_working_days_between(cal, o->due, from - 1);
                day = from - 1;
        }
        while (k < n) {
                day = calendar_add_working_days(cal, day, 1);
                if (day > to)
                        break;
                late++;
                /* A daily duty is told once that it is late, and once more when escalated:
                 * every missed day has its own occurrence, which would repeat it daily. */
                if (rule->period == PERIOD_DAY &&
                    late > (p->escalate_after > 1 ? p->escalate_after : 1))
                        break;
                if (day < from ||
                    (rule->period == PERIOD_DAY && late > 1 && late != p->escalate_after))
                        continue;
                /* 原则上: reminded like any other, never escalated. */
                bool esc = !rule->soft && p->escalate_after > 0 && late >= p->escalate_after;
                Reminder *r = &out[k++];
                *r = (Reminder){.kind = esc ? REMIND_ESCALATION : REMIND_OVERDUE,
                                .day = day,
                                .minute = p->minute_of_day,
                                .days = late};
                snprintf(r->step, sizeof(r->step), "%c%d", esc ? 'e' : 'o',
                         late > 9999 ? 9999 : late);
        }
        return k;
}
