/* calendar.c — see calendar.h. */
#include "calendar.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

Calendar *calendar_new(void) {
        return calloc(1, sizeof(Calendar));
}

Calendar *calendar_free(Calendar *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n_years; i++)
                free(c->years[i].source);
        for (size_t i = 0; i < c->n_holidays; i++) {
                free(c->holidays[i].id);
                free(c->holidays[i].name);
        }
        free(c->years);
        free(c->holidays);
        free(c);
        return NULL;
}

static CalendarYear *find_year(const Calendar *c, int year) {
        for (size_t i = 0; i < c->n_years; i++)
                if (c->years[i].year == year)
                        return &c->years[i];
        return NULL;
}

CalendarYear *calendar_add_year(Calendar *c, int year, const char *source) {
        CalendarYear *y = find_year(c, year);
        if (y)
                return y;
        if (ARRAY_GROW(c->years, c->cap_years, c->n_years + 1) < 0)
                return NULL;
        y = &c->years[c->n_years];
        *y = (CalendarYear){.year = year,
                            .first = day_from_ymd(year, 1, 1),
                            .next = day_from_ymd(year + 1, 1, 1)};
        if (source && !(y->source = strdup(source)))
                return NULL;
        c->n_years++;
        return y;
}

/* The data of a day's year (NULL: none) and the day's index in it. */
/* By day ranges: asked for every day a deadline may move over, where turning each day into a
 * date was a tenth of planning. */
static CalendarYear *year_of(const Calendar *c, Day day, int *ret_idx) {
        for (size_t i = 0; c && i < c->n_years; i++) {
                CalendarYear *y = &c->years[i];
                if (y->first <= day && day < y->next) {
                        *ret_idx = day - y->first;
                        assert(*ret_idx >= 0 && *ret_idx < 366);
                        return y;
                }
        }
        *ret_idx = -1;
        return NULL;
}

static int mark(Calendar *c, Day day, bool off) {
        int idx;
        CalendarYear *y = year_of(c, day, &idx);
        if (!y)
                return -ENOENT;
        /* A day off of two holidays, or both off and a make-up working day: the data is wrong. */
        if (y->off[idx] || (off && y->work[idx]))
                return -EEXIST;
        (off ? y->off : y->work)[idx] = 1;
        return 0;
}

int calendar_set_off(Calendar *c, Day day) {
        return mark(c, day, true);
}
int calendar_set_work(Calendar *c, Day day) {
        return mark(c, day, false);
}

int calendar_add_holiday(Calendar *c, const char *id, const char *name, Day from, Day to) {
        if (ARRAY_GROW(c->holidays, c->cap_holidays, c->n_holidays + 1) < 0)
                return -ENOMEM;
        Holiday h;
        memset(&h, 0, sizeof h); /* its padding too: a compiled config stores it (flat.h) */
        h.id = strdup(id);
        h.name = strdup(name);
        h.from = from;
        h.to = to;
        if (!h.id || !h.name) {
                free(h.id);
                free(h.name);
                return -ENOMEM;
        }
        c->holidays[c->n_holidays++] = h;
        return 0;
}

static int cmp_holiday(const void *a, const void *b) {
        const Holiday *x = a, *y = b;
        return (x->from > y->from) - (x->from < y->from);
}

void calendar_seal(Calendar *c) {
        if (c->n_holidays > 1)
                qsort(c->holidays, c->n_holidays, sizeof(Holiday), cmp_holiday);
}

bool calendar_has_year(const Calendar *c, int year) {
        return find_year(c, year) != NULL;
}

static bool is_working_day(const Calendar *c, Day day) {
        int idx;
        const CalendarYear *y = year_of(c, day, &idx);
        if (y) {
                if (y->work[idx])
                        return true;
                if (y->off[idx])
                        return false;
        }
        return day_weekday(day) <= 5;
}

/* Every run of days off is at most a few weeks long, so these loops are short. */
Day calendar_next_working_day(const Calendar *c, Day day) {
        while (!is_working_day(c, day))
                day++;
        return day;
}

Day calendar_previous_working_day(const Calendar *c, Day day) {
        while (!is_working_day(c, day))
                day--;
        return day;
}

Day calendar_add_working_days(const Calendar *c, Day day, int n) {
        while (n > 0) {
                day++;
                if (is_working_day(c, day))
                        n--;
        }
        return day;
}

int calendar_working_days_between(const Calendar *c, Day a, Day b) {
        int n = 0;
        for (Day d = a + 1; d <= b; d++)
                n += is_working_day(c, d);
        return n;
}
