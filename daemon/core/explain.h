/* explain.h — how a rule was understood, said in Chinese, and its next deadlines.
 * Contract: pure. rule_explain() says in one sentence what a rule means — the count per period,
 * where each deadline falls, what a holiday does to it — for `dutyctl explain` and `check
 * --explain`. explain_next() gives a rule's next deadlines on a calendar through the schedule
 * engine itself (the rule as one duty on one post), so what is explained is what is planned. */
#pragma once
#include <stddef.h>

#include "calendar.h"
#include "rule.h"
#include "schedule.h"

/* "每季度一次，截止于该季度最后一个月的20日（遇节假日顺延至下一个工作日）"; NULL on ENOMEM. */
char *rule_explain(const Rule *r);
/* The first `n` occurrences of `r` due on or after `from` (within the next five years), in
 * date order, into out[], only those on days `scope` keeps (NULL: every day; a duty's
 * from/until and season, config.h), on the calendar, shifts (班前, 班后) and school terms
 * (每学期) of `base`; *ret_n how many. 0 or -ENOMEM. */
int explain_next(const Config *base, const Rule *r, const DutyScope *scope, Day from,
                 Occurrence *out, size_t n, size_t *ret_n);
