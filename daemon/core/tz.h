/* tz.h — conversions between instants (time_t) and the organisation's local date and time.
 * Contract: uses the C library's zoneinfo through TZ; one zone per process (the config's), set
 * by tz_use(). Pure otherwise: "now" comes from clock.h. */
#pragma once
#include <time.h>

#include "date.h"

int tz_use(const char *zone);         /* 0 or -EINVAL */
Day tz_day(time_t t);                 /* local date of an instant */
int tz_minute(time_t t);              /* local minute of the day */
time_t tz_instant(Day d, int minute); /* local date + minute → instant */
/* "2026-11-25 09:00" (local). */
void tz_format(time_t t, char out[static 17]);
