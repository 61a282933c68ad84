/* clock.h — the one clock of dutyd and dutyctl: "now" as the program sees it.
 * Contract: the real CLOCK_REALTIME, unless $DUTYD_CLOCK injects another (tests, benchmarks).
 *     DUTYD_CLOCK=[START][xSCALE]
 *     START   YYYY-MM-DD (that day at 12:00) or YYYY-MM-DDTHH:MM[:SS] (local time in the zone
 *             in use at the first reading, tz.h: dutyd and dutyctl read the clock first for
 *             the day the config is loaded on, in the default zone Asia/Shanghai, before they
 *             know the organisation's): the clock shows START at the program's first reading;
 *             @UNIX-SECONDS: the clock shows the real time at that real instant (so processes
 *             started at different times share one timeline);
 *             absent: the real time of the first reading
 *     SCALE   how many seconds pass per real second (1 to 100000; default 1)
 * From there it runs SCALE times as fast as the real clock. Timers run on the real clock:
 * clock_real_usec() converts an instant to the real time at which it happens. Nothing else in
 * dutyd reads the date or time of day (the system clocks are read elsewhere only to stamp the
 * MONOTONIC_USEC of the reload notice). Tests and benchmarks set DUTYD_CLOCK, or run
 * everything under libfaketime (tests/run), which this clock reads through like any other. */
#pragma once
#include <stdint.h>
#include <time.h>

#define USEC_PER_SEC_I64 INT64_C(1000000)

int64_t clock_now_usec(void);
static inline time_t clock_now(void) {
        return (time_t)(clock_now_usec() / USEC_PER_SEC_I64);
}
/* Seconds of the clock per real second (1 unless injected). */
double clock_scale(void);
/* The real CLOCK_REALTIME (µs) at which the clock shows `usec`. */
int64_t clock_real_usec(int64_t usec);
/* The clock for delays (timeouts, retries, coalescing) of sd-event time sources: CLOCK_BOOTTIME,
 * except under libfaketime (the test suite runs under it at other dates, tests/run), which
 * translates absolute timerfd times as if every clock were CLOCK_REALTIME ("only CLOCK_REALTIME
 * is handled", libfaketime.c timer_settime_common): there a monotonic or boot-time timer would
 * expire at once or never, so delays run on CLOCK_REALTIME. */
clockid_t clock_delay_id(void);
/* A malformed $DUTYD_CLOCK is ignored (the real clock is used); this says why, or NULL. */
const char *clock_error(void);
