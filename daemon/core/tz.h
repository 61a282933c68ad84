/* tz.h — conversions between instants (time_t) and the organisation's local date and time.
 * Contract: tz_use() reads the zone once from the system zoneinfo (through libical) into an
 * immutable table of its UTC offsets, with every change from 1970 to the end of 2100 (earlier
 * instants get the offset of 1970-01-01 00:00 UTC, later ones that of the end of 2100), and
 * publishes it with an atomic pointer. The other functions only read the table (a binary
 * search): they may run in any thread, also while tz_use() publishes another zone; a table once
 * published is never freed. tz_use() runs in one thread at a time (the main one). Before the
 * first tz_use() the zone is UTC. Nothing here reads or changes $TZ; "now" comes from clock.h. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "date.h"

/* 0; -EINVAL if the system has no such zone (the zone in use stays), -ENOMEM. The same zone
 * again is a no-op. */
int tz_use(const char *zone);
/* For tests: expand every rule of the zones used from now on with libical's iterator (on), the
 * reference for tz.c's own expansion of yearly rules (off, the default). */
void tz_reference_expansion(bool on);
/* For tests: the table in use, its changes from 1970 on: at most `max` instants (UTC) and the
 * offsets from them on; returns how many the table has. */
size_t tz_changes(time_t *at, int *off, size_t max);
Day tz_day(time_t t);    /* local date of an instant */
int tz_minute(time_t t); /* local minute of the day */
/* Local date + minute → instant. Where the clock is moved forward the local times skipped do
 * not exist: they are read with the offset before the change, so they fall that much later
 * (Europe/Berlin 2026-03-29 02:30 is 03:30 CEST, 01:30 UTC) as mktime() does with
 * tm_isdst = -1. Where the clock is moved back the local times repeated are read with the
 * offset before the change: the first of the two instants (Europe/Berlin 2026-10-25 02:30 is
 * 02:30 CEST, 00:30 UTC). glibc's mktime() picked either one there, depending on its earlier
 * calls (America/New_York 2026-11-01 01:30 gave the second): this always gives the first. */
time_t tz_instant(Day d, int minute);
/* "2026-11-25 09:00" (local). */
void tz_format(time_t t, char out[static 17]);
/* localtime_r() in the zone: every field of *ret, tm_gmtoff included; tm_zone is NULL. */
void tz_tm(time_t t, struct tm *ret);
