/* tz.c — see tz.h. The table comes from the zone's VTIMEZONE as libical builds it from the
 * system zoneinfo (icaltzutil_fetch_timezone(), what icaltimezone_get_builtin_timezone() loads
 * without the list of every zone it reads first): each STANDARD or DAYLIGHT part changes the
 * offset from TZOFFSETFROM to TZOFFSETTO at its DTSTART, at each RDATE and at each RRULE
 * occurrence, all in local time of the offset before the change (RFC 5545 3.6.5), expanded as
 * libical's own icaltimezone_expand_vtimezone() does, with libical's recurrence iterator.
 * Iterating is slow (about 10 µs an occurrence; libical's first iterator also opens an ICU
 * calendar, about 2 ms and 2.5 MiB of ICU's code and data paged in for the process's life), so:
 * a rule that ends before 1970 stands for its last change at its UNTIL (libical writes UNTIL as
 * that change) instead of being iterated: before 1970 only the offset in force at 1970-01-01
 * 00:00 UTC is kept; and the yearly rules of the shapes libical writes for zoneinfo files
 * (push_yearly()) are expanded here, libical's iterator taking any other shape. test-tz checks
 * the two expansions give the same table for every zone of the system. libical 3.0.16 turns the zoneinfo files
 * into rules with some loss: test-tz shows where it agrees with glibc (every zone in
 * 2025-2037; UTC, Europe/Berlin, America/New_York 1970-2100; Asia/Shanghai from 1992). */
#include "tz.h"

#include <assert.h>
#include <errno.h>
#include <libical/ical.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "util.h"

/* The offset changes in the table: from 1970-01-01 00:00 UTC to the end of this year. */
#define TZ_FIRST 0
#define TZ_LAST_YEAR 2100
#define SEC_PER_DAY 86400

/* From `at` (UTC) on, local time is `off` seconds ahead of UTC; tz_instant() reads local times
 * from `wall` on with `off`. */
typedef struct Shift {
        int64_t at, wall;
        int32_t off;
        bool dst;
} Shift;

typedef struct Zone {
        char *name;
        Shift *shifts; /* ascending; shifts[0].at == shifts[0].wall == INT64_MIN */
        size_t n, cap;
        const struct Zone *older; /* the tables published before, kept so readers never see
                                   * freed memory */
} Zone;

static const Shift utc_shift = {.at = INT64_MIN, .wall = INT64_MIN};
static const Zone utc_zone = {.name = (char *)"UTC", .shifts = (Shift *)&utc_shift, .n = 1};
static _Atomic(const Zone *) current = &utc_zone;

static const Zone *zone_now(void) {
        return atomic_load_explicit(&current, memory_order_acquire);
}

/* ---- building -------------------------------------------------------------------------- */

static int64_t civil_seconds(struct icaltimetype t) {
        return (int64_t)day_from_ymd(t.year, t.month, t.day) * SEC_PER_DAY + t.hour * 3600 +
               t.minute * 60 + t.second;
}

static int push(Zone *z, int64_t at, int off, bool dst) {
        if (ARRAY_GROW(z->shifts, z->cap, z->n + 1) < 0)
                return -ENOMEM;
        z->shifts[z->n++] = (Shift){.at = at, .off = off, .dst = dst};
        return 0;
}

/* Tests expand every rule with libical's iterator too (tz_reference_expansion()). */
static bool reference_only;

static bool by_empty(const short *by) {
        return by[0] == ICAL_RECURRENCE_ARRAY_MAX;
}

/* FREQ=YEARLY in one month, every year, without COUNT: by weekday (BYDAY, with or without an
 * ordinal), by day of the month (BYMONTHDAY), by weekdays among days of the month (both, no
 * ordinal), or on DTSTART's day (neither). The shapes libical writes for the zoneinfo files. */
static bool yearly_simple(const struct icalrecurrencetype *r) {
        if (r->freq != ICAL_YEARLY_RECURRENCE || r->interval > 1 || r->count != 0 || r->rscale ||
            !by_empty(r->by_second) || !by_empty(r->by_minute) || !by_empty(r->by_hour) ||
            !by_empty(r->by_year_day) || !by_empty(r->by_week_no) || !by_empty(r->by_set_pos) ||
            by_empty(r->by_month) || r->by_month[1] != ICAL_RECURRENCE_ARRAY_MAX ||
            icalrecurrencetype_month_is_leap(r->by_month[0]))
                return false;
        if (by_empty(r->by_month_day))
                return true;
        for (size_t i = 0; i < ICAL_BY_DAY_SIZE && r->by_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++)
                if (icalrecurrencetype_day_position(r->by_day[i]) != 0)
                        return false;
        return true;
}

static bool picks_month_day(const struct icalrecurrencetype *r, int d, int len) {
        for (size_t i = 0;
             i < ICAL_BY_MONTHDAY_SIZE && r->by_month_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
                int md = r->by_month_day[i];
                if ((md > 0 ? md : len + 1 + md) == d)
                        return true;
        }
        return false;
}

/* BYDAY: the weekday (1 = Sunday, as libical counts), and the ordinal within the month. */
static bool picks_weekday(const struct icalrecurrencetype *r, Day day, int d, int len) {
        int wd = day_weekday(day) % 7 + 1;
        for (size_t i = 0; i < ICAL_BY_DAY_SIZE && r->by_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
                int pos = icalrecurrencetype_day_position(r->by_day[i]);
                if ((int)icalrecurrencetype_day_day_of_week(r->by_day[i]) != wd)
                        continue;
                if (pos == 0 || (pos > 0 && (d - 1) / 7 + 1 == pos) ||
                    (pos < 0 && (len - d) / 7 + 1 == -pos))
                        return true;
        }
        return false;
}

/* The occurrences of a yearly_simple() rule from DTSTART to its UNTIL (local, as civil_seconds)
 * and the end of TZ_LAST_YEAR. */
static int push_yearly(Zone *z, const struct icalrecurrencetype *r, struct icaltimetype start,
                       int from, int to, bool dst) {
        int m = icalrecurrencetype_month_month(r->by_month[0]);
        bool by_md = !by_empty(r->by_month_day), by_wd = !by_empty(r->by_day);
        int64_t first = civil_seconds(start),
                until = icaltime_is_null_time(r->until) ? INT64_MAX : civil_seconds(r->until);
        int64_t tod = start.hour * 3600 + start.minute * 60 + start.second;
        for (int y = start.year; y <= TZ_LAST_YEAR; y++) {
                int len = days_in_month(y, m);
                for (int d = 1; d <= len; d++) {
                        Day day = day_from_ymd(y, m, d);
                        if ((by_md && !picks_month_day(r, d, len)) ||
                            (by_wd && !picks_weekday(r, day, d, len)) ||
                            (!by_md && !by_wd && d != start.day))
                                continue;
                        int64_t t = (int64_t)day * SEC_PER_DAY + tod;
                        if (t > until)
                                return 0;
                        int e = t < first ? 0 : push(z, t - from, to, dst);
                        if (e < 0)
                                return e;
                }
        }
        return 0;
}

/* The changes of one RRULE: its UNTIL, when in UTC, made local as the occurrences are. */
static int push_rrule(Zone *z, struct icalrecurrencetype rule, struct icaltimetype start, int from,
                      int to, bool dst) {
        if (!icaltime_is_null_time(rule.until)) {
                bool utc = icaltime_is_utc(rule.until);
                int64_t until = civil_seconds(rule.until) - (utc ? 0 : from);
                if (until < TZ_FIRST)
                        return push(z, until, to, dst);
                if (utc) {
                        icaltime_adjust(&rule.until, 0, 0, 0, from);
                        rule.until.zone = NULL;
                }
        }
        if (!reference_only && yearly_simple(&rule))
                return push_yearly(z, &rule, start, from, to, dst);
        icalrecur_iterator *it = icalrecur_iterator_new(rule, start);
        if (!it)
                return -ENOMEM;
        int r = 0;
        for (struct icaltimetype t = icalrecur_iterator_next(it);
             r == 0 && !icaltime_is_null_time(t) && t.year <= TZ_LAST_YEAR;
             t = icalrecur_iterator_next(it))
                r = push(z, civil_seconds(t) - from, to, dst);
        icalrecur_iterator_free(it);
        return r;
}

/* The earliest change seen, and the offset before it: the zone's offset before any change. */
typedef struct First {
        int64_t at;
        int off;
} First;

/* The changes one STANDARD or DAYLIGHT part makes. */
static int push_part(Zone *z, icalcomponent *part, First *first) {
        bool dst = icalcomponent_isa(part) == ICAL_XDAYLIGHT_COMPONENT;
        icalproperty *pto = icalcomponent_get_first_property(part, ICAL_TZOFFSETTO_PROPERTY);
        icalproperty *pfrom = icalcomponent_get_first_property(part, ICAL_TZOFFSETFROM_PROPERTY);
        icalproperty *pstart = icalcomponent_get_first_property(part, ICAL_DTSTART_PROPERTY);
        if (!pto || !pstart)
                return 0; /* as libical: a part without them is ignored */
        int to = icalproperty_get_tzoffsetto(pto),
            from = pfrom ? icalproperty_get_tzoffsetfrom(pfrom) : to;
        struct icaltimetype start = icalproperty_get_dtstart(pstart);
        int64_t at = civil_seconds(start) - from;
        int r = push(z, at, to, dst);
        if (at < first->at)
                *first = (First){at, from};
        for (icalproperty *p = icalcomponent_get_first_property(part, ICAL_RDATE_PROPERTY);
             r == 0 && p; p = icalcomponent_get_next_property(part, ICAL_RDATE_PROPERTY)) {
                struct icaldatetimeperiodtype rd = icalproperty_get_rdate(p);
                struct icaltimetype t = icaltime_is_null_time(rd.time) ? rd.period.start : rd.time;
                if (icaltime_is_date(t)) /* a DATE takes DTSTART's time */
                        t.hour = start.hour, t.minute = start.minute, t.second = start.second;
                r = push(z, civil_seconds(t) - (icaltime_is_utc(t) ? 0 : from), to, dst);
        }
        for (icalproperty *p = icalcomponent_get_first_property(part, ICAL_RRULE_PROPERTY);
             r == 0 && p; p = icalcomponent_get_next_property(part, ICAL_RRULE_PROPERTY))
                r = push_rrule(z, icalproperty_get_rrule(p), start, from, to, dst);
        return r;
}

static int cmp_shift(const void *x, const void *y) {
        const Shift *a = x, *b = y;
        if (a->at != b->at)
                return a->at < b->at ? -1 : 1;
        return (a->off > b->off) - (a->off < b->off);
}

/* Sorted; the offset in force at TZ_FIRST first, from the beginning of time; duplicates and
 * changes to the same offset dropped; and where tz_instant() takes each offset: from the later
 * of the two local times a change maps its instant to (see tz.h). */
static void seal(Zone *z, int first_from) {
        qsort(z->shifts + 1, z->n - 1, sizeof(Shift), cmp_shift);
        Shift first = {.at = INT64_MIN, .wall = INT64_MIN, .off = first_from};
        size_t i = 1;
        for (; i < z->n && z->shifts[i].at <= TZ_FIRST; i++)
                first.off = z->shifts[i].off, first.dst = z->shifts[i].dst;
        z->shifts[0] = first;
        size_t k = 1;
        for (; i < z->n; i++) {
                Shift s = z->shifts[i];
                if (s.at == z->shifts[k - 1].at)
                        k--; /* two changes at one instant: the later one stands */
                const Shift *prev = &z->shifts[k - 1];
                if (s.off == prev->off && s.dst == prev->dst)
                        continue;
                int64_t wall = s.at + (s.off > prev->off ? s.off : prev->off);
                s.wall = wall > prev->wall ? wall : prev->wall;
                z->shifts[k++] = s;
        }
        z->n = k;
        assert(z->n >= 1 && z->shifts[0].at == INT64_MIN && z->shifts[0].wall == INT64_MIN);
}

static Zone *zone_free(Zone *z) {
        if (z) {
                free(z->name);
                free(z->shifts);
                free(z);
        }
        return NULL;
}

static void zone_freep(Zone **z) {
        zone_free(*z);
}

static void icalcomponent_freep(icalcomponent **c) {
        if (*c)
                icalcomponent_free(*c);
}

static int zone_build(const char *name, Zone **ret) {
        _cleanup_(icalcomponent_freep) icalcomponent *vtz = icaltzutil_fetch_timezone(name);
        if (!vtz)
                return -EINVAL;
        _cleanup_(zone_freep) Zone *z = calloc(1, sizeof(*z));
        if (!z || !(z->name = strdup(name)))
                return -ENOMEM;
        int r = push(z, INT64_MIN, 0, false);
        First first = {INT64_MAX, 0};
        for (icalcomponent *p = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT);
             r == 0 && p; p = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT))
                if (icalcomponent_isa(p) == ICAL_XSTANDARD_COMPONENT ||
                    icalcomponent_isa(p) == ICAL_XDAYLIGHT_COMPONENT)
                        r = push_part(z, p, &first);
        if (r < 0)
                return r;
        seal(z, first.off);
        *ret = TAKE_PTR(z);
        return 0;
}

int tz_use(const char *zone) {
        if (!zone || !*zone)
                return -EINVAL;
        const Zone *old = zone_now();
        if (streq(old->name, zone))
                return 0;
        Zone *z = NULL;
        int r = zone_build(zone, &z);
        if (r < 0)
                return r;
        z->older = old;
        atomic_store_explicit(&current, z, memory_order_release);
        return 0;
}

void tz_reference_expansion(bool on) {
        reference_only = on;
}

size_t tz_changes(time_t *at, int *off, size_t max) {
        const Zone *z = zone_now();
        for (size_t i = 1; i < z->n && i - 1 < max; i++)
                at[i - 1] = (time_t)z->shifts[i].at, off[i - 1] = z->shifts[i].off;
        return z->n - 1;
}

/* ---- reading --------------------------------------------------------------------------- */

/* The last shift whose `at` (wall = false) or `wall` (true) is <= v. */
static const Shift *find(const Zone *z, int64_t v, bool wall) {
        size_t lo = 0, hi = z->n; /* shifts[0] holds INT64_MIN: the answer is in [lo, hi) */
        while (hi - lo > 1) {
                size_t mid = lo + (hi - lo) / 2;
                if ((wall ? z->shifts[mid].wall : z->shifts[mid].at) <= v)
                        lo = mid;
                else
                        hi = mid;
        }
        return &z->shifts[lo];
}

/* Local seconds since 1970-01-01 00:00 of an instant. */
static int64_t local_seconds(time_t t, const Shift **ret) {
        const Shift *s = find(zone_now(), (int64_t)t, false);
        if (ret)
                *ret = s;
        return (int64_t)t + s->off;
}

static Day day_of(int64_t local) {
        int64_t d = local / SEC_PER_DAY;
        return (Day)(d - (local % SEC_PER_DAY < 0));
}

Day tz_day(time_t t) {
        return day_of(local_seconds(t, NULL));
}

int tz_minute(time_t t) {
        int64_t local = local_seconds(t, NULL);
        return (int)((local - (int64_t)day_of(local) * SEC_PER_DAY) / 60);
}

time_t tz_instant(Day d, int minute) {
        int64_t wall = (int64_t)d * SEC_PER_DAY + (int64_t)minute * 60;
        return (time_t)(wall - find(zone_now(), wall, true)->off);
}

void tz_tm(time_t t, struct tm *ret) {
        const Shift *s;
        int64_t local = local_seconds(t, &s);
        Day d = day_of(local);
        int sec = (int)(local - (int64_t)d * SEC_PER_DAY);
        Ymd y = day_to_ymd(d);
        *ret = (struct tm){.tm_year = y.y - 1900,
                           .tm_mon = y.m - 1,
                           .tm_mday = y.d,
                           .tm_hour = sec / 3600,
                           .tm_min = sec / 60 % 60,
                           .tm_sec = sec % 60,
                           .tm_wday = day_weekday(d) % 7,
                           .tm_yday = d - day_from_ymd(y.y, 1, 1),
                           .tm_isdst = s->dst,
                           .tm_gmtoff = s->off};
}

void tz_format(time_t t, char out[static 17]) {
        struct tm tm;
        tz_tm(t, &tm);
        char tmp[64];
        snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min);
        memcpy(out, tmp, 16);
        out[16] = 0;
}
