/* date.h — civil dates as day numbers (days since 1970-01-01), proleptic Gregorian.
 * Contract: pure arithmetic, no time zones, no I/O. A Day is valid for years 1..9999. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

typedef int32_t Day;
#define DAY_INVALID INT32_MIN
#define DAY_MAX INT32_MAX

typedef struct Ymd {
        int y, m, d;
} Ymd;

Day day_from_ymd(int y, int m, int d);
Ymd day_to_ymd(Day day);
int day_weekday(Day day); /* 1 = Monday … 7 = Sunday */
int days_in_month(int y, int m);
bool ymd_valid(int y, int m, int d);
/* Parse strict YYYY-MM-DD; returns DAY_INVALID on error. */
Day day_parse(const char *s);
/* Writes YYYY-MM-DD (11 bytes with NUL). */
void day_format(Day day, char out[static 11]);
/* ISO 8601 week: year and week number of a day. */
void day_iso_week(Day day, int *ret_year, int *ret_week);
