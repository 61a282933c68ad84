/* statutory.h — a year's statutory holidays by the national regulation (《全国年节及纪念日放假办法》,
 * as amended 2024, in force from 2025): what is known of a year before the State Council's notice.
 * Contract: statutory_holidays() fills `out`, sorted by date, with the year's days off: 元旦 01-01;
 * 春节 除夕 to 正月初三; 清明节 the day of the 清明 solar term; 劳动节 05-01–02; 端午节 五月初五;
 * 中秋节 八月十五; 国庆节 10-01–03 (中秋 on or next to these days makes one break, id
 * national-day, "国庆节、中秋节", as the holiday data file writes it). Lunar dates and the solar
 * term come from liblunar-date's tables (which agree with the observatories), no astronomy of our
 * own. No bridging or make-up days: only the notice gives those. Returns the number of holidays,
 * -ERANGE for a year outside STATUTORY_FIRST_YEAR..STATUTORY_LAST_YEAR or the library's tables,
 * -EIO when the library gives no answer. Thread-safe (one lock). Strings in `out` are static.
 * statutory_lunar_day() and statutory_qingming() are the library's answers behind it, for any
 * year its tables cover: 0, -ENOMEM or -ERANGE (outside them: no answer). */
#pragma once
#include "date.h"

#define STATUTORY_FIRST_YEAR 2025 /* the amended regulation's first year */
/* Debian 12's liblunar-date (3.0.1) finds solar terms by a mean-motion formula; its 清明 agrees
 * with the Hong Kong Observatory's table (the one later versions ship) every year to 2070 and
 * first differs in 2071. */
#define STATUTORY_LAST_YEAR 2070
#define STATUTORY_MAX 7

typedef struct StatutoryHoliday {
        const char *id, *name;
        Day from, to;
} StatutoryHoliday;

int statutory_holidays(int year, StatutoryHoliday out[static STATUTORY_MAX]);
/* The Gregorian day of the lunar date YEAR/MONTH/DAY (not in a leap month). */
int statutory_lunar_day(int year, int month, int day, Day *ret);
/* The day of the year's 清明 solar term. */
int statutory_qingming(int year, Day *ret);
