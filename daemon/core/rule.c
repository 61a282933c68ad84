/* rule.c — see rule.h. The phrase grammar is phrase.c. */
#include "rule.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "i18n.h"
#include "util.h"

/* The messages say 366, 52 and 1970 to 9998 (literals, so that gettext finds them). */
_Static_assert(RULE_MAX_COUNT == 366, "update the count messages");
_Static_assert(RULE_MAX_EVERY == 52, "update the every messages");
_Static_assert(RULE_MIN_YEAR == 1970 && RULE_MAX_YEAR == 9998, "update the year messages");
/* Issue #10 (peak RSS at 100,000 duties): a Rule stays within 40 bytes, with room for one more
 * 16-bit field. Every range checked here fits its field (rule.h). */
_Static_assert(sizeof(Rule) <= 40 && offsetof(Rule, personal) + sizeof(bool) + 2 <= 40,
               "Rule grew: keep it packed (rule.h)");
_Static_assert(RULE_MAX_COUNT <= INT16_MAX && RULE_MAX_EVERY <= INT16_MAX &&
                       RULE_MAX_YEAR <= INT16_MAX,
               "a Rule range does not fit its field");

void rule_init(Rule *r) {
        *r = (Rule){.every = 1, .count = 1, .pacing = true, .move = MOVE_POSTPONE};
}

void rule_done(Rule *r) {
        for (size_t i = 0; i < r->n_holidays; i++)
                free(r->holidays[i]);
        free(r->holidays);
        r->holidays = NULL;
        r->n_holidays = 0;
}

int rule_copy(Rule *dst, const Rule *src) {
        *dst = *src;
        dst->holidays = NULL;
        dst->n_holidays = 0;
        if (!src->holidays)
                return 0;
        dst->holidays = calloc(src->n_holidays ? src->n_holidays : 1, sizeof(char *));
        if (!dst->holidays)
                return -ENOMEM;
        for (size_t i = 0; i < src->n_holidays; i++) {
                if (!(dst->holidays[i] = strdup(src->holidays[i]))) {
                        rule_done(dst);
                        return -ENOMEM;
                }
                dst->n_holidays++;
        }
        return 0;
}

bool rule_equal(const Rule *a, const Rule *b) {
        if (a->period != b->period || a->every != b->every || a->epoch != b->epoch ||
            a->count != b->count || a->pacing != b->pacing || a->due_day != b->due_day ||
            a->due_month != b->due_month || a->due_weekday != b->due_weekday ||
            a->due_months != b->due_months || a->once != b->once ||
            a->start_month != b->start_month || a->after_period != b->after_period ||
            a->due_minute != b->due_minute || a->workdays != b->workdays ||
            a->shift_edge != b->shift_edge || a->move != b->move ||
            a->before_holidays != b->before_holidays || a->soft != b->soft ||
            a->delegable != b->delegable || a->personal != b->personal ||
            a->n_holidays != b->n_holidays || (a->holidays == NULL) != (b->holidays == NULL))
                return false;
        for (size_t i = 0; i < a->n_holidays; i++)
                if (!streq(a->holidays[i], b->holidays[i]))
                        return false;
        return true;
}

static const char *const period_zh[_PERIOD_MAX] = {
        [PERIOD_WEEK] = "周",   [PERIOD_MONTH] = "月",          [PERIOD_QUARTER] = "季度",
        [PERIOD_HALF] = "半年", [PERIOD_YEAR] = "年",           [PERIOD_HALF_MONTH] = "半月",
        [PERIOD_DEKAD] = "旬",  [PERIOD_TWO_MONTHS] = "两个月", [PERIOD_DAY] = "天",
        [PERIOD_TERM] = "学期", [PERIOD_SCHOOL_YEAR] = "学年",
};

void rule_time(int minute, char buf[static RULE_TIME_MAX]) {
        unsigned m = (unsigned)minute % 1440u;
        snprintf(buf, RULE_TIME_MAX, "%02u:%02u", m / 60, m % 60);
}

/* 年 半年 季度 月 周 半月 旬 两个月 天 */
const char *period_kind_to_zh(PeriodKind k) {
        return k > PERIOD_NONE && k < _PERIOD_MAX ? period_zh[k] : "";
}

int period_kind_months(PeriodKind k) {
        switch (k) {
        case PERIOD_MONTH: return 1;
        case PERIOD_TWO_MONTHS: return 2;
        case PERIOD_QUARTER: return 3;
        case PERIOD_HALF: return 6;
        case PERIOD_YEAR: return 12;
        default: return 0;
        }
}

/* due_months (several deadlines in a year) and once (a one-off date). */
static const char *validate_year_dates(const Rule *r) {
        if (r->due_months) {
                if (r->period != PERIOD_YEAR || r->every != 1 || r->due_month || r->after_period ||
                    !r->due_day)
                        return N_("due_months needs period year and due_day, without due_month, "
                                  "after_period or every");
                if (r->due_months & ~0x1FFEu)
                        return N_("due_months must be months 1 to 12");
                if (r->count != __builtin_popcount(r->due_months))
                        return N_("with due_months, count is the number of months");
                for (int m = 1; m <= 12; m++)
                        if ((r->due_months & (1u << m)) && r->due_day > days_in_month(2001, m))
                                return N_("due_day does not exist in one of due_months (use last)");
        }
        if (r->start_month &&
            (r->start_month < 1 || r->start_month > 12 || r->period != PERIOD_YEAR ||
             r->every != 1 || r->once || r->due_months || r->after_period))
                return N_(
                        "start_month (1–12) needs period year, without every, once, due_months or "
                        "after_period");
        if (r->once) {
                if (r->once < RULE_MIN_YEAR || r->once > RULE_MAX_YEAR)
                        return N_("once must be a year from 1970 to 9998");
                if (r->period != PERIOD_YEAR || r->every != 1 || r->after_period ||
                    (!r->due_months && (!r->due_month || !r->due_day)))
                        return N_(
                                "once needs period year with due_month and due_day (or due_months)");
        }
        return NULL;
}

/* every and epoch: several years or weeks. */
static const char *validate_every(const Rule *r) {
        if (r->every < 1 || r->every > RULE_MAX_EVERY)
                return N_("every must be between 1 and 52");
        if (r->every > 1 && r->period != PERIOD_YEAR && r->period != PERIOD_WEEK)
                return N_("every needs period year or week (每2年, 每两周)");
        if (r->every > 10 && r->period == PERIOD_YEAR)
                return N_("every must be between 1 and 10 for years");
        if (r->every > 1 && r->period == PERIOD_YEAR && !r->epoch)
                return N_("每N年 needs the first year of a period: add the key epoch, e.g. "
                          "rule: {phrase: 每2年, epoch: 2025}");
        if (r->epoch && r->every == 1)
                return N_("epoch needs every > 1 (每2年, 每两周)");
        if (r->epoch && (r->epoch < RULE_MIN_YEAR || r->epoch > RULE_MAX_YEAR))
                return N_("epoch must be a year from 1970 to 9998");
        return NULL;
}

/* due_minute and the daily period. */
static const char *validate_time(const Rule *r) {
        if (r->due_minute < 0 || r->due_minute > 1439)
                return N_("due_time must be 00:01 to 23:59 (24:00 or none: the day's end)");
        if (r->due_minute && !r->due_day && !r->due_weekday && !r->due_months &&
            r->period != PERIOD_DAY)
                return N_("a time of day needs a deadline day: 每周五12点前, 每月25日17时前, "
                          "每天17:30前 (due_day, due_weekday or period day)");
        if (r->workdays && r->period != PERIOD_DAY)
                return N_("workdays needs period day (每个工作日)");
        if (r->period == PERIOD_DAY && (r->every > 1 || r->due_weekday))
                return N_("a daily rule has no every or due_weekday");
        if (period_is_school(r->period) && (r->after_period || r->due_month || r->every > 1))
                return N_("a term rule (每学期) has no after_period, due_month or every");
        if (r->shift_edge && (r->period != PERIOD_DAY || r->due_minute || r->count > 1))
                return N_("shift (班前, 班后) needs period day, without due_time or a count");
        return NULL;
}

const char *rule_validate(const Rule *r) {
        if (r->before_holidays && r->due_minute)
                return N_("a time of day needs a deadline day: 每周五12点前, 每月25日17时前, "
                          "每天17:30前 (due_day, due_weekday or period day)");
        if (r->before_holidays) {
                if (r->period != PERIOD_NONE || r->due_day || r->due_month || r->after_period)
                        return N_("before_holidays cannot be combined with period, due_day, "
                                  "due_month or after_period");
                return NULL;
        }
        if (r->period == PERIOD_NONE)
                return N_("a rule needs a period (week, month, quarter, half, year)");
        if (r->due_weekday &&
            (r->period != PERIOD_WEEK || r->due_weekday < 1 || r->due_weekday > 7))
                return N_("due_weekday (1 = Monday … 7 = Sunday) needs period week");
        if (r->count < 1 || r->count > RULE_MAX_COUNT)
                return N_("count must be between 1 and 366");
        const char *why = validate_every(r);
        if (!why)
                why = validate_time(r);
        if (!why)
                why = validate_year_dates(r);
        if (why)
                return why;
        if ((r->period == PERIOD_WEEK || r->period == PERIOD_HALF_MONTH ||
             r->period == PERIOD_DEKAD || r->period == PERIOD_DAY) &&
            (r->due_day || r->due_month || r->after_period))
                return N_("due_day, due_month and after_period need a monthly or longer period");
        int months = period_kind_months(r->period);
        if (r->due_month && !r->after_period && r->due_month > months)
                return N_("due_month is after the period's end (use after_period)");
        if (r->due_month && r->after_period && r->due_month > 12)
                return N_("due_month must be 1 to 12");
        if (r->due_month && !r->due_day)
                return N_("due_month needs due_day");
        if (r->after_period && !r->due_day)
                return N_("after_period needs due_day");
        if (r->period == PERIOD_YEAR && r->due_month && !r->after_period && r->due_day > 0 &&
            r->due_day > days_in_month(2001, r->due_month))
                return N_("due_day does not exist in due_month (use last)");
        /* Paced checkpoints are days apart: no more of them than the shortest such period has
         * days, or checkpoint 1 would fall before the period starts. */
        static const struct {
                int days;
                const char *msg;
        } shortest[_PERIOD_MAX] = {
                [PERIOD_WEEK] = {7, N_("more than 7 paced checkpoints a week")},
                [PERIOD_MONTH] = {28, N_("more than 28 paced checkpoints a month")},
                [PERIOD_QUARTER] = {90, N_("more than 90 paced checkpoints a quarter")},
                [PERIOD_HALF] = {181, N_("more than 181 paced checkpoints a half year")},
                [PERIOD_YEAR] = {365, N_("more than 365 paced checkpoints a year")},
                [PERIOD_HALF_MONTH] = {13, N_("more than 13 paced checkpoints a half month")},
                [PERIOD_DEKAD] = {8, N_("more than 8 paced checkpoints a dekad (旬)")},
                [PERIOD_TWO_MONTHS] = {59, N_("more than 59 paced checkpoints in two months")},
                [PERIOD_DAY] = {1, N_("more than 1 paced checkpoint a day (say 不分段)")},
                [PERIOD_TERM] = {60, N_("more than 60 paced checkpoints a term")},
                [PERIOD_SCHOOL_YEAR] = {180, N_("more than 180 paced checkpoints a school year")},
        };
        /* Several years or weeks: N times the shortest (a week alone ends a 53-week ISO year
         * when the weeks restart each year). */
        int times = r->period == PERIOD_WEEK && !r->epoch ? 1 : r->every;
        if (r->pacing && !r->due_day && !r->due_weekday &&
            r->count > shortest[r->period].days * times)
                return times > 1 ? N_("more paced checkpoints than the period has days")
                                 : shortest[r->period].msg;
        return NULL;
}

/* "前", after the deadline's time of day when it has one: "12:00前". */
static void describe_before(Buf *b, const Rule *r) {
        if (r->due_minute) {
                char t[RULE_TIME_MAX];
                rule_time(r->due_minute, t);
                buf_puts(b, t);
        }
        buf_puts(b, "前");
}

/* The deadline part, "1月底前" / "25日前" / "25日17:00前", for a month given or implied. */
static void describe_day(Buf *b, const Rule *r) {
        if (r->due_day == DUE_DAY_LAST)
                buf_puts(b, "底");
        else
                buf_printf(b, "%d日", r->due_day);
        describe_before(b, r);
}

static const char *const weekday_zh[8] = {"", "一", "二", "三", "四", "五", "六", "日"};

/* The holiday move when it is not the default (postpone), as the phrase grammar reads it. */
static void describe_move(Buf *b, HolidayMove m) {
        if (m == MOVE_EARLIER)
                buf_puts(b, "（遇节假日提前）");
        else if (m == MOVE_NONE)
                buf_puts(b, "（遇节假日不顺延）");
}

static char *describe_rule(const Rule *r);

void rule_marks(const Rule *r, char buf[static RULE_MARKS_MAX]) {
        snprintf(buf, RULE_MARKS_MAX, "%s%s%s%s%s", r->soft ? "原则上" : "",
                 r->soft && (r->personal || r->delegable) ? "，" : "", r->personal ? "亲自" : "",
                 r->personal && r->delegable ? "，" : "", r->delegable ? "可委托" : "");
}

/* 原则上, 亲自 and 可委托 before the rule (text before it is the duty's: it reads back). */
char *rule_describe(const Rule *r) {
        char *d = describe_rule(r);
        char marks[RULE_MARKS_MAX];
        rule_marks(r, marks);
        if (!d || !marks[0])
                return d;
        char *f = strfmt("（%s）%s", marks, d);
        free(d);
        return f;
}

/* 每2年至少1次（自2025年起）, 每周五前, 每2周周五前, 每月至少2次: rules without a due day. */
static void describe_counted(Buf *b, const Rule *r, const char *p) {
        if (r->every > 1)
                buf_printf(b, "每%d%s", r->every, p);
        else
                buf_printf(b, "每%s", p);
        if (r->due_weekday) {
                buf_printf(b, "%s%s", r->every > 1 ? "周" : "", weekday_zh[r->due_weekday]);
                describe_before(b, r);
        }
        if (r->due_weekday && r->count > 1)
                buf_printf(b, "（共%d次）", r->count);
        else if (!r->due_weekday)
                buf_printf(b, "至少%d次%s", r->count,
                           r->pacing || r->count == 1 ? "" : "（不分段）");
        if (r->epoch)
                buf_printf(b, "（自%d年起）", r->epoch);
}

/* 每年3月15日前, 每年1月底前（上年度）, 每年6月底、12月底前, 2027年5月30日前 */
static void describe_year(Buf *b, const Rule *r) {
        if (r->once)
                buf_printf(b, "%d年", r->once);
        else
                buf_puts(b, "每年");
        if (!r->due_months) {
                buf_printf(b, "%d月", r->due_month ? r->due_month : 12);
                describe_day(b, r);
                if (r->after_period)
                        buf_puts(b, "（上年度）");
                return;
        }
        const char *sep = "";
        for (int m = 1; m <= 12; m++)
                if (r->due_months & (1u << m)) {
                        buf_printf(b, "%s%d月", sep, m);
                        if (r->due_day == DUE_DAY_LAST)
                                buf_puts(b, "底");
                        else
                                buf_printf(b, "%d日", r->due_day);
                        sep = "、";
                }
        describe_before(b, r);
}

/* 每天17:30前, 每个工作日8:00前, 每天至少1次, 每天17:30前至少2次（不分段）: no holiday move. */
static void describe_daily(Buf *b, const Rule *r) {
        buf_puts(b, r->workdays ? "每个工作日" : "每天");
        if (r->shift_edge) {
                buf_puts(b, r->shift_edge == SHIFT_START ? "班前" : "班后");
                return;
        }
        if (r->due_minute)
                describe_before(b, r);
        if (!r->due_minute || r->count > 1)
                buf_printf(b, "至少%d次%s", r->count, r->count > 1 ? "（不分段）" : "");
}

/* 每学期开学第一周, 每学期初, 每学期末, 每学期开学第10天前 (due_day: day N of the term). */
static void describe_term(Buf *b, const Rule *r) {
        const char *p = period_kind_to_zh(r->period); /* 学期, 学年 */
        if (r->due_day == 7)
                buf_printf(b, "每%s开学第一周", p);
        else if (r->due_day == 14)
                buf_printf(b, "每%s初", p);
        else if (r->due_day == DUE_DAY_LAST)
                buf_printf(b, "每%s末", p);
        else
                buf_printf(b, "每%s开学第%d天前", p, r->due_day);
        if (r->count > 1)
                buf_printf(b, "，共%d次", r->count);
        describe_move(b, r->move);
}

static char *describe_rule(const Rule *r) {
        if (r->before_holidays)
                return strdup("重大节假日前");
        if (r->period == PERIOD_YEAR && r->due_month == 12 && r->due_day == DUE_DAY_LAST &&
            !r->after_period && r->move == MOVE_EARLIER && r->count == 1 && !r->due_minute)
                return strdup("年终");
        const char *p = period_kind_to_zh(r->period);
        Buf b = {0};
        if (r->period == PERIOD_DAY) {
                describe_daily(&b, r);
                return buf_steal(&b);
        }
        if (period_is_school(r->period) && r->due_day) {
                describe_term(&b, r);
                return buf_steal(&b);
        }
        if (r->due_day == DUE_DAY_LAST && !r->due_month && !r->after_period &&
            r->move == MOVE_EARLIER && r->count == 1 && r->every == 1) {
                buf_printf(&b, "每%s最后一个工作日", p);
                if (r->due_minute)
                        describe_before(&b, r);
                return buf_steal(&b);
        }
        if (r->start_month > 1 && r->due_month && r->due_day == DUE_DAY_LAST && !r->due_minute) {
                if (r->start_month == 12 && r->due_month == 1)
                        buf_puts(&b, "每年年底或年初"); /* the window December–January */
                else /* 每年3月至5月, 每年11月至次年2月 */
                        buf_printf(&b, "每年%d月至%s%d月", r->start_month,
                                   r->start_month > r->due_month ? "次年" : "", r->due_month);
                if (r->count > 1)
                        buf_printf(&b, "，共%d次", r->count);
                describe_move(&b, r->move);
                return buf_steal(&b);
        }
        if (r->every > 1 || r->due_weekday || !r->due_day) {
                describe_counted(&b, r, p);
                describe_move(&b, r->move);
                return buf_steal(&b);
        }
        if (r->period == PERIOD_YEAR)
                describe_year(&b, r);
        else if (r->period == PERIOD_MONTH && !r->due_month) {
                /* 每月25日前, 每月5日前（上月） */
                buf_puts(&b, "每月");
                if (r->due_day == DUE_DAY_LAST)
                        buf_puts(&b, "月");
                describe_day(&b, r);
                if (r->after_period)
                        buf_puts(&b, "（上月）");
        } else if (!r->due_month && !r->after_period && r->due_day > 0) {
                buf_printf(&b, "每%s末%d日", p, r->due_day); /* 每季度末20日前 */
                describe_before(&b, r);
        } else {
                /* Quarter and half-year months are counted, not named: 每季度第2个月10日前. */
                int months = period_kind_months(r->period);
                int m = r->due_month ? r->due_month : r->after_period ? 1 : months;
                buf_printf(&b, "每%s%s第%d个月", p, r->after_period ? "结束后" : "", m);
                describe_day(&b, r);
        }
        if (r->count > 1 && !r->due_months)
                buf_printf(&b, "，共%d次", r->count);
        describe_move(&b, r->move);
        return buf_steal(&b);
}
