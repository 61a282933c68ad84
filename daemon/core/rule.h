/* rule.h — a duty's frequency rule: the model the config's structured keys fill, its checks
 * and its canonical description. Contract: pure; rule_validate() is the one check of every rule,
 * structured or read from a phrase (phrase.h). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

typedef enum PeriodKind {
        PERIOD_NONE = 0,
        PERIOD_WEEK,
        PERIOD_MONTH,
        PERIOD_QUARTER,
        PERIOD_HALF,
        PERIOD_YEAR,
        PERIOD_HALF_MONTH, /* 1st–15th, 16th–end */
        PERIOD_DEKAD,      /* 旬: 1st–10th, 11th–20th, 21st–end */
        PERIOD_TWO_MONTHS, /* Jan–Feb, Mar–Apr, … */
        PERIOD_DAY,        /* 每天, 每日, 每个工作日 */
        _PERIOD_MAX,
} PeriodKind;

typedef enum HolidayMove {
        MOVE_POSTPONE = 0,
        MOVE_EARLIER,
        MOVE_NONE,
} HolidayMove;

#define DUE_DAY_LAST (-1)
/* Checkpoints in one period at most (one a day for a year); the config key `count` too. */
#define RULE_MAX_COUNT 366

typedef struct Rule {
        PeriodKind period;
        int every; /* periods of this many years or weeks (每2年, 每两周); 1 = one */
        /* every > 1: the year whose 1 January (years) or ISO week 1 (weeks) starts the count;
         * 0 = none (weeks: pairs restart each ISO year) */
        int epoch;
        int count;       /* >= 1 */
        bool pacing;     /* default true */
        int due_day;     /* 0 = none, 1..31, DUE_DAY_LAST */
        int due_month;   /* 0 = the period's last month (or 1 with after_period) */
        int due_weekday; /* weekly rules: 1 = Monday … 7 = Sunday of the (last) week; 0 = none */
        /* Yearly rules with several deadlines (6月底和年底前): bit m for month m, each on due_day;
         * count is their number. 0 = none */
        unsigned due_months;
        int once; /* a one-off yearly rule: only in this year (2027年5月30日前); 0 = none */
        /* Yearly rules: the month the year starts in, for a window across the year end
         * (每年年底或年初: 12, with due_month 1); 0 = January */
        int start_month;
        bool after_period;
        /* The deadline's time of day (每周五12点前, 每天17:30前): minutes after midnight,
         * 1..1439; 0 = the day's end */
        int due_minute;
        bool workdays; /* daily rules: working days only (每个工作日); else every day */
        HolidayMove move;
        bool before_holidays;
        bool soft;       /* 原则上: reminded, never escalated */
        bool delegable;  /* 或委托: a named delegate may complete it */
        bool personal;   /* 亲自: the holder in person */
        char **holidays; /* NULL = all holidays in the data; else ids (owned) */
        size_t n_holidays;
} Rule;

void rule_init(Rule *r); /* defaults: count 1, pacing on, postpone */
void rule_done(Rule *r); /* frees holidays */
int rule_copy(Rule *dst, const Rule *src);
bool rule_equal(const Rule *a, const Rule *b);

/* Checks consistency (e.g. due_day with a weekly period); NULL when fine, else a message. */
const char *rule_validate(const Rule *r);

int period_kind_months(PeriodKind k); /* 12 6 3 2 1; 0 for day, week, half month and dekad */
const char *period_kind_to_zh(PeriodKind k); /* 年 半年 季度 月 周 半月 旬 两个月 天; "" for none */
/* "12:00" for a deadline's time of day (Rule.due_minute, > 0). */
#define RULE_TIME_MAX 6
void rule_time(int minute, char buf[static RULE_TIME_MAX]);
/* The rule's marks as the documents say them, "原则上，亲自，可委托" (those set; "" for none):
 * shown beside the duty in reminders, calendars and the report. */
#define RULE_MARKS_MAX 64
void rule_marks(const Rule *r, char buf[static RULE_MARKS_MAX]);
/* A canonical one-line description, e.g. "每半年至少1次" — used by dutyctl and messages. */
char *rule_describe(const Rule *r);
