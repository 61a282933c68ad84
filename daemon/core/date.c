/* date.c — see date.h. Algorithms from H. Hinnant, "chrono-Compatible Low-Level Date
 * Algorithms" (days_from_civil / civil_from_days). */
#include "date.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

Day day_from_ymd(int y, int m, int d) {
        y -= m <= 2;
        const int era = (y >= 0 ? y : y - 399) / 400;
        const int yoe = y - era * 400;
        const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

Ymd day_to_ymd(Day z) {
        z += 719468;
        const int era = (z >= 0 ? z : z - 146096) / 146097;
        const int doe = z - era * 146097;
        const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        const int mp = (5 * doy + 2) / 153;
        const int d = doy - (153 * mp + 2) / 5 + 1;
        const int m = mp < 10 ? mp + 3 : mp - 9;
        return (Ymd){yoe + era * 400 + (m <= 2), m, d};
}

int day_weekday(Day day) {
        /* 1970-01-01 was a Thursday (4). */
        int w = (int)((day % 7 + 7) % 7); /* 0 = Thursday */
        return (w + 3) % 7 + 1;
}

static bool is_leap(int y) {
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
        static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        if (m < 1 || m > 12)
                return 0;
        return m == 2 && is_leap(y) ? 29 : n[m - 1];
}

bool ymd_valid(int y, int m, int d) {
        return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

Day day_parse(const char *s) {
        int y, m, d, n = 0;
        if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
                return DAY_INVALID;
        for (int i = 0; i < 10; i++)
                if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
                        return DAY_INVALID;
        if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || !ymd_valid(y, m, d))
                return DAY_INVALID;
        return day_from_ymd(y, m, d);
}

void day_format(Day day, char out[static 11]) {
        Ymd t = day_to_ymd(day);
        Str s = str_init(out, 11);
        str_num(&s, (unsigned)t.y % 10000, 4); /* years are 1..9999 (ymd_valid()) */
        str_put(&s, "-");
        str_num(&s, (unsigned)t.m, 2);
        str_put(&s, "-");
        str_num(&s, (unsigned)t.d, 2);
}

void day_iso_week(Day day, int *ret_year, int *ret_week) {
        /* The ISO year is the year of the Thursday of the same week. */
        Day thu = day - (day_weekday(day) - 4);
        Ymd t = day_to_ymd(thu);
        Day jan1 = day_from_ymd(t.y, 1, 1);
        *ret_year = t.y;
        *ret_week = (thu - jan1) / 7 + 1;
}
