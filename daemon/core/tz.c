/* tz.c — see tz.h. */
#include "tz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tz_use(const char *zone) {
        if (!zone || !*zone)
                return -EINVAL;
        if (setenv("TZ", zone, 1) < 0)
                return -errno;
        tzset();
        return 0;
}

Day tz_day(time_t t) {
        struct tm tm;
        localtime_r(&t, &tm);
        return day_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

int tz_minute(time_t t) {
        struct tm tm;
        localtime_r(&t, &tm);
        return tm.tm_hour * 60 + tm.tm_min;
}

time_t tz_instant(Day d, int minute) {
        Ymd y = day_to_ymd(d);
        struct tm tm = {.tm_year = y.y - 1900,
                        .tm_mon = y.m - 1,
                        .tm_mday = y.d,
                        .tm_hour = minute / 60,
                        .tm_min = minute % 60,
                        .tm_isdst = -1};
        return mktime(&tm);
}

void tz_format(time_t t, char out[static 17]) {
        struct tm tm;
        localtime_r(&t, &tm);
        char tmp[64];
        snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min);
        memcpy(out, tmp, 16);
        out[16] = 0;
}
