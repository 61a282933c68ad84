/* rule.h — a duty's frequency rule: the model the config's structured keys fill, its checks
 * and its canonical description. Contract: pure; rule_validate() is the one check of every rule,
 * structured or read from a phrase (phrase.h). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The enums of a Rule are one byte each (packed: a config holds 100,000s of rules, issue #10);
 * they stay addressable, so the config's key tables store them by offset and size. */
typedef enum __attribute__((packed)) PeriodKind {
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
        PERIOD_TERM,       /* 每学期: the configuration's school terms (due_day: day N of it) */
        PERIOD_SCHOOL_YEAR, /* 每学年: an autumn term (or the first) and the terms up to the next */
        _PERIOD_MAX,
} PeriodKind;

typedef enum __attribute__((packed)) HolidayMove {
        MOVE_POSTPONE = 0,
        MOVE_EARLIER,
        MOVE_NONE,
} HolidayMove;

typedef enum __attribute__((packed)) ShiftEdge {
        SHIFT_NONE = 0,
        SHIFT_START, /* 班前 */
        SHIFT_END,   /* 班后 */
} ShiftEdge;

#define DUE_DAY_LAST (-1)
/* Checkpoints in one period at most (one a day for a year); the config key `count` too. */
#define RULE_MAX_COUNT 366
/* every: periods of at most this many weeks (years: at most 10, rule_validate()). */
#define RULE_MAX_EVERY 52
/* epoch and once: years in this range. */
#define RULE_MIN_YEAR 1970
#define RULE_MAX_YEAR 9998

/* The numbers are as narrow as their ranges allow (a config holds 100,000s of rules: issue #10's
 * peak RSS). Every range rule_validate() checks lies inside its field's type, and a number stored
 * without a range check first goes through rule_narrow(): a value out of range stays out of
 * range (and is rejected as such), never wraps into one that is accepted. */
typedef struct Rule {
        char **holidays; /* NULL = all holidays in the data; else ids (owned) */
        uint32_t n_holidays;
        int16_t every; /* periods of this many years or weeks (每2年, 每两周); 1 = one */
        /* every > 1: the year whose 1 January (years) or ISO week 1 (weeks) starts the count;
         * 0 = none (weeks: pairs restart each ISO year) */
        int16_t epoch;
        int16_t count; /* >= 1 */
        int16_t once; /* a one-off yearly rule: only in this year (2027年5月30日前); 0 = none */
        /* Yearly rules with several deadlines (6月底和年底前): bit m for month m, each on due_day;
         * count is their number. 0 = none */
        uint16_t due_months;
        int8_t due_day;     /* 0 = none, 1..31, DUE_DAY_LAST */
        int8_t due_month;   /* 0 = the period's last month (or 1 with after_period) */
        int8_t due_weekday; /* weekly rules: 1 = Monday … 7 = Sunday of the (last) week; 0 = none */
        /* Yearly rules: the month the year starts in, for a window across the year end
         * (每年年底或年初: 12, with due_month 1); 0 = January */
        int8_t start_month;
        /* The deadline's time of day (每周五12点前, 每天17:30前): minutes after midnight,
         * 1..1439; 0 = the day's end */
        int16_t due_minute;
        PeriodKind period;
        HolidayMove move;
        bool pacing; /* default true */
        bool after_period;
        bool workdays; /* daily rules: working days only (每个工作日); else every day */
        /* Daily rules: one checkpoint per shift (config shifts), due at its start (班前) or its
         * end (班后) */
        ShiftEdge shift_edge;
        bool before_holidays;
        bool soft;      /* 原则上: reminded, never escalated */
        bool delegable; /* 或委托: a named delegate may complete it */
        bool personal;  /* 亲自: the holder in person */
} Rule;

/* A number for one of the int16_t fields, saturated at the type's bounds: beyond them it stays
 * beyond every limit rule_validate() checks. */
static inline int16_t rule_narrow(long v) {
        return (int16_t)(v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v);
}

void rule_init(Rule *r); /* defaults: count 1, pacing on, postpone */
void rule_done(Rule *r); /* frees holidays */
int rule_copy(Rule *dst, const Rule *src);
bool rule_equal(const Rule *a, const Rule *b);

/* Checks consistency (e.g. due_day with a weekly period); NULL when fine, else a message. */
const char *rule_validate(const Rule *r);

/* Term and school-year periods come from the configuration's `terms:`, not the calendar. */
static inline bool period_is_school(PeriodKind k) {
        return k == PERIOD_TERM || k == PERIOD_SCHOOL_YEAR;
}
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
