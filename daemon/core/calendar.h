/* calendar.h — China's official working-day calendar (statutory holidays and 调休 make-up days).
 * Contract: an in-memory model filled by the config loader from the holiday data file; lookups
 * are pure and O(1). Years without data are "weekends only" and reported by calendar_has_year().
 * A provisional year (and its holidays) holds only the statutory days off, computed before the
 * State Council's notice: no bridging or make-up days yet (暂定). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "date.h"

typedef struct Holiday {
        char *id;     /* stable across years, e.g. "spring-festival" */
        char *name;   /* 春节 */
        Day from, to; /* first and last day off */
        bool provisional;
} Holiday;

typedef struct CalendarYear {
        int year;
        Day first, next; /* 1 January of the year and of the next (day lookups without dates) */
        char *source;
        bool provisional;
        unsigned char off[366];  /* 1 = statutory day off */
        unsigned char work[366]; /* 1 = make-up working day */
} CalendarYear;

typedef struct Calendar {
        CalendarYear *years;
        size_t n_years, cap_years;
        Holiday *holidays; /* sorted by `from` */
        size_t n_holidays, cap_holidays;
} Calendar;

Calendar *calendar_new(void);
Calendar *calendar_free(Calendar *c);
/* Adds a year (idempotent: returns the existing one). NULL on allocation failure. */
CalendarYear *calendar_add_year(Calendar *c, int year, const char *source);
/* -ENOENT outside the calendar's years; -EEXIST when the day is already off (another holiday)
 * or, for calendar_set_off(), already a make-up working day. */
int calendar_set_off(Calendar *c, Day day);
int calendar_set_work(Calendar *c, Day day);
int calendar_add_holiday(Calendar *c, const char *id, const char *name, Day from, Day to);
/* Call once after all additions: sorts holidays. */
void calendar_seal(Calendar *c);

bool calendar_has_year(const Calendar *c, int year);
Day calendar_next_working_day(const Calendar *c, Day day);     /* >= day */
Day calendar_previous_working_day(const Calendar *c, Day day); /* <= day */
/* The n-th working day after `day` (n >= 1; day itself not counted). */
Day calendar_add_working_days(const Calendar *c, Day day, int n);
/* Working days in (a, b]: 0 when b <= a. */
int calendar_working_days_between(const Calendar *c, Day a, Day b);
