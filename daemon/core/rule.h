/* rule.h — a duty's frequency rule, and the parser of the Chinese phrases the documents use.
 * Contract: pure; rule_parse_phrase() reads a phrase as clerks type it (full-width digits,
 * traditional characters, the duty's own words around the frequency) and either fills a Rule
 * exactly as docs/config.md says, one that passes rule_validate() like its structured form, or
 * returns -EINVAL with the byte offset in the input and a message naming what it did not
 * understand. */
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
        int every;     /* periods of this many years or weeks (每2年, 每两周); 1 = one */
        int epoch;     /* every > 1: the year whose 1 January (years) or ISO week 1 (weeks)
                        * starts the count; 0 = none (weeks: pairs restart each ISO year) */
        int count;     /* >= 1 */
        bool pacing;   /* default true */
        int due_day;   /* 0 = none, 1..31, DUE_DAY_LAST */
        int due_month; /* 0 = the period's last month (or 1 with after_period) */
        bool after_period;
        HolidayMove move;
        bool before_holidays;
        char **holidays; /* NULL = all holidays in the data; else ids (owned) */
        size_t n_holidays;
} Rule;

void rule_init(Rule *r); /* defaults: count 1, pacing on, postpone */
void rule_done(Rule *r); /* frees holidays */
int rule_copy(Rule *dst, const Rule *src);
bool rule_equal(const Rule *a, const Rule *b);

/* Parses a phrase and validates the rule. On error returns -EINVAL, sets *ret_offset (bytes
 * into `s`, at the character as typed) and *ret_msg (static string). */
int rule_parse_phrase(const char *s, Rule *r, size_t *ret_offset, const char **ret_msg);
/* The same with the config key `epoch` given beside the phrase (0 = none): 每2年 needs it. */
int rule_parse_phrase_epoch(const char *s, int epoch, Rule *r, size_t *ret_offset,
                            const char **ret_msg);
/* Checks consistency (e.g. due_day with a weekly period); NULL when fine, else a message. */
const char *rule_validate(const Rule *r);

int period_kind_months(PeriodKind k); /* 12 6 3 2 1; 0 for week, half month and dekad */
/* A canonical one-line description, e.g. "每半年至少1次" — used by dutyctl and messages. */
char *rule_describe(const Rule *r);
