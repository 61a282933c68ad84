/* phrase.c — see phrase.h. The grammar is documented in docs/config.md ("Phrases"). */
#include "phrase.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "i18n.h"
#include "util.h"

/* The messages say 366 (a literal, so that gettext finds them). */
_Static_assert(RULE_MAX_COUNT == 366, "update the count messages");

/* ---- phrase parser ---------------------------------------------------------------------- */

typedef struct Cursor {
        const char *s; /* normalised (see normalise()) */
        size_t pos;
        int this_year;     /* a date without a year is in this one; 0 = unknown (an error) */
        bool year_assumed; /* … and one was read */
        size_t bad_time;   /* where a time of day out of range starts; SIZE_MAX = none */
} Cursor;

typedef struct PhraseError {
        size_t pos;
        const char *msg;
} PhraseError;

#define FAIL(c, m)                   \
        do {                         \
                err->pos = (c)->pos; \
                err->msg = (m);      \
                return -EINVAL;      \
        } while (0)

static bool eat(Cursor *c, const char *lit) {
        size_t n = strlen(lit);
        if (strncmp(c->s + c->pos, lit, n) != 0)
                return false;
        c->pos += n;
        return true;
}

static bool at_end(const Cursor *c) {
        return c->s[c->pos] == 0;
}

static bool looking_at(const Cursor *c, const char *lit) {
        return strncmp(c->s + c->pos, lit, strlen(lit)) == 0;
}

/* Steps over one UTF-8 character. */
static void skip_char(Cursor *c) {
        if (at_end(c))
                return;
        c->pos++;
        while (((unsigned char)c->s[c->pos] & 0xC0) == 0x80)
                c->pos++;
}

static bool eat_any(Cursor *c, const char *const *list, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (eat(c, list[i]))
                        return true;
        return false;
}

#define NUMBER_NONE (-1)
#define NUMBER_BAD (-2)

/* Arabic digits, or Chinese numerals 一…十 with 两, as in 十二 / 二十四. NUMBER_NONE if there is
 * none (nothing eaten), NUMBER_BAD for two digits in a row such as 四五 (eaten). */
static int eat_number(Cursor *c) {
        const char *p = c->s + c->pos;
        if (*p >= '0' && *p <= '9') {
                long v = 0;
                while (*p >= '0' && *p <= '9' && v < 100000)
                        v = v * 10 + (*p++ - '0');
                c->pos = (size_t)(p - c->s);
                return (int)v;
        }
        static const char *const digits[] = {"零", "一", "二", "三", "四",
                                             "五", "六", "七", "八", "九"};
        int total = 0, cur = -1;
        bool any = false;
        for (;;) {
                int d = -1;
                for (int i = 0; i < 10; i++)
                        if (eat(c, digits[i])) {
                                d = i;
                                break;
                        }
                if (d < 0 && eat(c, "两"))
                        d = 2;
                if (d >= 0) {
                        if (cur >= 0)
                                return NUMBER_BAD; /* two digits in a row */
                        cur = d;
                        any = true;
                        continue;
                }
                if (eat(c, "十")) {
                        if (total > 0)
                                return NUMBER_BAD;
                        total = (cur < 0 ? 1 : cur) * 10;
                        cur = -1;
                        any = true;
                        continue;
                }
                break;
        }
        if (!any)
                return NUMBER_NONE;
        return total + (cur < 0 ? 0 : cur);
}

/* Words that say "at least" before a count. */
static const char *const qualifiers[] = {"不得少于", "不得低于", "不少于", "不低于",
                                         "至少",     "最少",     "最低"};
/* Words about days that are the duty's text, not a date (报送前一日情况). */
static const char *const day_words[] = {"前一日", "前一天", "上一日", "上一天", "当日", "次日"};
/* Deadline words a counted rule does not read (每年年底前 and 每月底前 are read before). */
static const char *const deadline_words[] = {"底前", "末前",   "终前",    "日前",
                                             "号前", "工作日", "节假日前"};

/* 年 半年 季度 月 周 with the forms clerks type: 每个月, 每个季度, 每年度. After 一 the month
 * and the quarter need 个 (一个月, 一个季度): 一月 is January, 一季度 the first quarter. */
static PeriodKind eat_period(Cursor *c, bool after_yi) {
        size_t at = c->pos;
        bool ge = eat(c, "个");
        if (!ge && (eat(c, "半个月") || eat(c, "半月")))
                return PERIOD_HALF_MONTH;
        if (!ge && eat(c, "旬"))
                return PERIOD_DEKAD;
        if (eat(c, "半年")) {
                eat(c, "度");
                return PERIOD_HALF;
        }
        if ((ge || !after_yi) && (eat(c, "季度") || eat(c, "季")))
                return PERIOD_QUARTER;
        if (eat(c, "年")) {
                eat(c, "度");
                return PERIOD_YEAR;
        }
        if ((ge || !after_yi) && eat(c, "月"))
                return PERIOD_MONTH;
        if (eat(c, "星期") || eat(c, "周") || eat(c, "礼拜"))
                return PERIOD_WEEK;
        if (eat(c, "天") || (!after_yi && !ge && eat(c, "日")))
                return PERIOD_DAY;
        if (eat(c, "学期"))
                return PERIOD_TERM;
        if (eat(c, "学年"))
                return PERIOD_SCHOOL_YEAR;
        c->pos = at;
        return PERIOD_NONE;
}

/* After 每: a number and a period (每两个月, 每2个月, 每3个月 = 每季度, 每2年, 每两周), setting
 * r->every for years and weeks; 隔 before the number counts the same (每隔四周 = 每4周), but
 * 每隔一周 and 每隔周 are 隔周, every other week. PERIOD_NONE, nothing eaten, when there is
 * none. */
static PeriodKind eat_multiple(Cursor *c, Rule *r) {
        size_t at = c->pos;
        bool skip = eat(c, "隔");
        int n = eat_number(c);
        if (skip && (n == 1 || (n == NUMBER_NONE && (looking_at(c, "周") || looking_at(c, "年")))))
                n = 2;
        PeriodKind k = n >= 2 ? eat_period(c, false) : PERIOD_NONE;
        if (k == PERIOD_MONTH) {
                switch (n) {
                case 2: return PERIOD_TWO_MONTHS;
                case 3: return PERIOD_QUARTER;
                case 6: return PERIOD_HALF;
                case 12: return PERIOD_YEAR;
                default: break;
                }
        } else if (k == PERIOD_YEAR || k == PERIOD_WEEK) {
                r->every = rule_narrow(n); /* beyond RULE_MAX_EVERY: rule_validate() says so */
                return k;
        }
        c->pos = at;
        return PERIOD_NONE;
}

/* 自2025年起 / 从2025年开始 / 2025年起: the epoch of a rule of several years or weeks. */
static bool eat_epoch(Cursor *c, Rule *r) {
        Cursor probe = *c;
        if (!eat(&probe, "自"))
                eat(&probe, "从");
        int y = eat_number(&probe);
        if (y < RULE_MIN_YEAR || y > RULE_MAX_YEAR || !eat(&probe, "年"))
                return false;
        if (!eat(&probe, "起") && !eat(&probe, "开始"))
                return false;
        r->epoch = y;
        *c = probe;
        return true;
}

static bool eat_before(Cursor *c) {
        return eat(c, "以前") || eat(c, "之前") || eat(c, "前");
}

#define TIME_NONE (-1)
#define TIME_BAD (-2)

/* The minutes after 点/时: 半 (30), 30分, 05; 0 when none. */
static int eat_minutes(Cursor *c) {
        if (eat(c, "半"))
                return 30;
        Cursor p = *c;
        int m = eat_number(&p);
        if (m < 0)
                return 0;
        eat(&p, "分");
        *c = p;
        return m;
}

/* A time of day: 12点, 12时, 17:30, 17：30, 十二点, 下午5点半, 8时30分. Minutes after midnight
 * (24点 = 1440), TIME_NONE when there is none (nothing eaten), TIME_BAD when out of range. */
static int eat_time(Cursor *c) {
        static const char *const pm[] = {"下午", "晚上", "傍晚"};
        static const char *const am[] = {"上午", "早上", "清晨", "凌晨", "早晨"};
        Cursor p = *c;
        bool after_noon = eat_any(&p, pm, ELEMENTSOF(pm)), noon = !after_noon && eat(&p, "中午");
        if (!after_noon && !noon)
                eat_any(&p, am, ELEMENTSOF(am));
        int h = eat_number(&p), m = 0;
        if (h < 0)
                return TIME_NONE;
        if (eat(&p, ":") || eat(&p, "："))
                m = eat_number(&p);
        else if (eat(&p, "点") || eat(&p, "时"))
                m = eat_minutes(&p);
        else
                return TIME_NONE;
        *c = p;
        if ((after_noon && h < 12) || (noon && h < 3))
                h += 12;
        if (h > 24 || m < 0 || m > 59 || (h == 24 && m > 0) || h * 60 + m == 0)
                return TIME_BAD;
        return h * 60 + m;
}

/* 前 after a deadline's day, with its time of day before it when there is one (12点前,
 * 17:30前): r->due_minute. */
static bool eat_before_at(Cursor *c, Rule *r) {
        Cursor p = *c;
        int t = eat_time(&p);
        if (t == TIME_NONE || !eat_before(&p))
                return eat_before(c);
        if (t == TIME_BAD && p.bad_time == SIZE_MAX)
                p.bad_time = c->pos;
        r->due_minute = t == TIME_BAD ? 0 : t % 1440;
        *c = p;
        return true;
}

/* Text after a fixed deadline: the duty's object (提交上年度述职报告), with 上年度 (上月)
 * marking the previous year (month). A second date or frequency in it is an error: one rule per duty. */
/* 遇节假日顺延(至次日) / 遇节假日提前 / 遇节假日不顺延 (also 如遇, 法定节假日, 休息日): the
 * holiday move. */
static bool eat_move(Cursor *c, Rule *r) {
        Cursor p = *c;
        if (!eat(&p, "如遇") && !eat(&p, "遇"))
                eat(&p, "如");
        if (!eat(&p, "法定节假日") && !eat(&p, "节假日") && !eat(&p, "休息日"))
                return false;
        HolidayMove m;
        if (eat(&p, "顺延")) {
                m = MOVE_POSTPONE;
                static const char *const to[] = {"至次日", "至下一个工作日", "至下一工作日",
                                                 "到下一个工作日"};
                eat_any(&p, to, ELEMENTSOF(to));
        } else if (eat(&p, "提前"))
                m = MOVE_EARLIER;
        else if (eat(&p, "不顺延"))
                m = MOVE_NONE;
        else
                return false;
        r->move = m;
        *c = p;
        return true;
}

static int parse_tail(Cursor *c, Rule *r, PhraseError *err) {
        bool year_end = r->move == MOVE_EARLIER; /* 年底前: 上年度 would be next December */
        while (!at_end(c)) {
                size_t at = c->pos;
                if (eat_move(c, r) || eat_epoch(c, r))
                        continue;
                if (eat(c, "上年度") || eat(c, "上一年度")) {
                        if (r->period != PERIOD_YEAR || year_end) {
                                c->pos = at;
                                FAIL(c, "上年度 fits only a yearly rule (每年…月底前)");
                        }
                        r->after_period = true;
                        continue;
                }
                if (eat(c, "上月") || eat(c, "上个月") || eat(c, "上一个月")) {
                        if (r->period != PERIOD_MONTH || !r->due_day) {
                                c->pos = at;
                                FAIL(c, "上月 fits only a monthly deadline (每月5日前报送上月…)");
                        }
                        r->after_period = true;
                        continue;
                }
                Cursor probe = *c;
                if (eat(&probe, "每") || eat(&probe, "按")) {
                        if (eat_period(&probe, false) != PERIOD_NONE)
                                FAIL(c, "unexpected text after the deadline: a second frequency");
                } else if (eat_any(&probe, deadline_words, ELEMENTSOF(deadline_words)))
                        FAIL(c, "unexpected text after the deadline: a second deadline");
                else if (eat_number(&probe) != NUMBER_NONE) {
                        if (eat(&probe, "次") || eat(&probe, "日") || eat(&probe, "号") ||
                            eat(&probe, "月"))
                                FAIL(c, "unexpected text after the deadline: a second date or "
                                        "count");
                        c->pos = probe.pos;
                        continue;
                }
                skip_char(c);
        }
        return 0;
}

static int parse_day_of_month(Cursor *c, Rule *r, PhraseError *err) {
        size_t at = c->pos;
        int d = eat_number(c);
        if (d < 0)
                FAIL(c, "expected a day of the month, e.g. 25日");
        if (d < 1 || d > 31) {
                c->pos = at;
                FAIL(c, "day of the month must be 1 to 31");
        }
        if (r->period == PERIOD_YEAR && r->due_month && d > days_in_month(2001, r->due_month)) {
                c->pos = at;
                FAIL(c, "no such day in that month (say 月底前 for its last day)");
        }
        if (!eat(c, "日") && !eat(c, "号"))
                FAIL(c, "expected 日 after the day");
        if (!eat_before_at(c, r))
                FAIL(c, "expected 以前 or 前 after the date");
        r->due_day = d;
        return 0;
}

static bool eat_month_end(Cursor *c) {
        return eat(c, "底") || eat(c, "末");
}

/* The day of a deadline in a month already read: 底前 (its last day) or 15日前. */
static int parse_month_deadline(Cursor *c, Rule *r, PhraseError *err) {
        if (eat_month_end(c)) {
                if (!eat_before_at(c, r))
                        FAIL(c, "expected 前 after 月底");
                r->due_day = DUE_DAY_LAST;
                return 0;
        }
        return parse_day_of_month(c, r, err);
}

static int parse_year_date(Cursor *c, Rule *r, PhraseError *err) {
        size_t at = c->pos;
        int m = eat_number(c);
        if (m < 1 || m > 12 || !eat(c, "月")) {
                c->pos = at;
                FAIL(c, "expected a month, e.g. 1月底前 or 3月15日前");
        }
        r->due_month = m;
        if (parse_month_deadline(c, r, err) < 0)
                return -EINVAL;
        return parse_tail(c, r, err);
}

/* One deadline of a list: 6月底, 7月, 7月15日, 年底; its month, *ret_day its day. */
static int eat_list_month(Cursor *c, int *ret_day) {
        *ret_day = DUE_DAY_LAST;
        if (eat(c, "年底") || eat(c, "年终") || eat(c, "年末"))
                return 12;
        size_t at = c->pos;
        int m = eat_number(c);
        if (m < 1 || m > 12 || !eat(c, "月")) {
                c->pos = at;
                return 0;
        }
        if (eat_month_end(c))
                return m;
        size_t day_at = c->pos;
        int d = eat_number(c);
        if (d >= 1 && d <= 31 && (eat(c, "日") || eat(c, "号")))
                *ret_day = d;
        else
                c->pos = day_at;
        return m;
}

/* Several deadlines in a year: 6月底和年底前, 每年1月、7月, 3月15日及9月15日前 (the same day in
 * each). 1 when read (the rest goes through parse_tail), 0 when there is no such list (nothing
 * eaten), -EINVAL. */
static int parse_month_list(Cursor *c, Rule *r, PhraseError *err) {
        Cursor p = *c;
        unsigned mask = 0;
        int n = 0, day = 0;
        static const char *const seps[] = {"和", "、", "及", "与", "，", "或"};
        for (;;) {
                size_t at = p.pos;
                int d, m = eat_list_month(&p, &d);
                if (!m) {
                        p.pos = at;
                        break;
                }
                if (n && d != day) {
                        p.pos = at;
                        FAIL(&p, "several deadlines in a year need the same day in each month "
                                 "(or 月底)");
                }
                if (mask & (1u << m)) {
                        p.pos = at;
                        FAIL(&p, "a month listed twice");
                }
                day = d, mask |= 1u << m, n++;
                eat_before_at(&p, r);
                size_t before_sep = p.pos;
                if (!eat_any(&p, seps, ELEMENTSOF(seps)))
                        break;
                int dd;
                Cursor next = p;
                if (!eat_list_month(&next, &dd)) {
                        p.pos = before_sep;
                        break;
                }
        }
        if (n < 2) {
                r->due_minute = 0; /* not a list: read again as something else */
                return 0;
        }
        for (int m = 1; m <= 12; m++)
                if ((mask & (1u << m)) && day > days_in_month(2001, m))
                        FAIL(c, "no such day in one of the months (say 月底前 for its last day)");
        *c = p;
        r->period = PERIOD_YEAR;
        r->due_months = mask;
        r->due_day = day;
        r->count = n;
        return parse_tail(c, r, err) < 0 ? -EINVAL : 1;
}

/* 2027年5月30日前 / 2027年6月底和年底前: a one-off date. 1 when read, 0 when there is none
 * (nothing eaten), -EINVAL. */
/* 5月30日前 / 6月底前 with no year at all: this year's (the config says which), else an error. */
static int parse_yearless(Cursor *c, Rule *r, PhraseError *err) {
        Cursor probe = *c;
        int m = eat_number(&probe);
        if (m < 1 || m > 12 || !eat(&probe, "月"))
                return 0;
        int d = eat_number(&probe);
        bool date = eat_month_end(&probe) ||
                    (d != NUMBER_NONE && (eat(&probe, "日") || eat(&probe, "号")));
        if (!date || !eat_before_at(&probe, r))
                return 0;
        if (!c->this_year)
                FAIL(c,
                     "a date without a year: write 2027年5月30日前 (once) or 每年5月30日前 (every "
                     "year)");
        r->period = PERIOD_YEAR;
        r->once = rule_narrow(c->this_year);
        c->year_assumed = true;
        return parse_year_date(c, r, err) < 0 ? -EINVAL : 1;
}

static int parse_once(Cursor *c, Rule *r, PhraseError *err) {
        Cursor p = *c;
        int y = eat_number(&p);
        if (y >= 1 && y <= 12 && looking_at(&p, "月"))
                return parse_yearless(c, r, err);
        if (y < RULE_MIN_YEAR || y > RULE_MAX_YEAR || !eat(&p, "年"))
                return 0;
        Cursor probe = p;
        int m = eat_number(&probe);
        if (m < 1 || m > 12 || !eat(&probe, "月"))
                return 0;
        *c = p;
        r->period = PERIOD_YEAR;
        r->once = y;
        int q = parse_month_list(c, r, err);
        if (q != 0)
                return q < 0 ? -EINVAL : 1;
        return parse_year_date(c, r, err) < 0 ? -EINVAL : 1;
}

/* 每年年底或年初 / 岁末年初: the window December–January, met anywhere in it, due at its end. */
static bool eat_window(Cursor *c, Rule *r) {
        static const char *const words[] = {"年底或年初", "年末或年初", "年底至年初",
                                            "年底到年初", "岁末年初",   "年底年初"};
        if (!eat_any(c, words, ELEMENTSOF(words)))
                return false;
        r->period = PERIOD_YEAR;
        r->start_month = 12;
        r->due_month = 1;
        r->due_day = DUE_DAY_LAST;
        eat_before_at(c, r);
        return true;
}

/* After 每年: 3月至5月, 3—5月, 11月至次年2月 (间/期间/内): a window, met anywhere in it, due at the
 * end of its last month — a year that starts in its first month (start_month). 1 when read, 0
 * when there is none (nothing eaten), -EINVAL. */
static int parse_month_window(Cursor *c, Rule *r, PhraseError *err) {
        static const char *const to[] = {"至", "到", "—", "－", "-", "~", "～"};
        static const char *const next[] = {"次年", "翌年", "来年", "第二年"};
        Cursor p = *c;
        int m1 = eat_number(&p);
        bool named = eat(&p, "月");
        if (m1 < 1 || m1 > 12 || !eat_any(&p, to, ELEMENTSOF(to)))
                return 0;
        bool next_year = eat_any(&p, next, ELEMENTSOF(next));
        size_t at = p.pos;
        int m2 = eat_number(&p);
        if (m2 < 1 || m2 > 12 || !eat(&p, "月") || (!named && next_year))
                return 0;
        if (m1 == m2 || (next_year && m1 < m2)) {
                p.pos = at;
                FAIL(&p, "a window of months is at most a year: 3月至5月, 11月至次年2月");
        }
        static const char *const within[] = {"期间", "间", "内"};
        eat_any(&p, within, ELEMENTSOF(within));
        *c = p;
        r->start_month = m1 > 1 ? m1 : 0;
        r->due_month = m2;
        r->due_day = DUE_DAY_LAST;
        eat_before_at(c, r);
        return 1;
}

/* 年终 / 年底 / 年底前… (and 每年年底前): the last day of the year, moved earlier. */
static int parse_year_end(Cursor *c, Rule *r, PhraseError *err) {
        r->period = PERIOD_YEAR;
        r->due_month = 12;
        r->due_day = DUE_DAY_LAST;
        r->move = MOVE_EARLIER;
        if (eat_before_at(c, r))
                return parse_tail(c, r, err); /* 年底前报送述职报告 */
        if (!at_end(c))
                FAIL(c, "unexpected text after the year-end deadline (年底前…)");
        return 0;
}

/* A number inside a counted rule: the count when 次 follows. Returns 1 when it was the count. */
static int scan_number(Cursor *c, Rule *r, bool count_expected, size_t *count_at,
                       PhraseError *err) {
        size_t at = c->pos;
        int n = eat_number(c);
        if (n == NUMBER_BAD)
                FAIL(c, "expected a count such as 4次 or 两次");
        if (eat(c, "次")) {
                if (*count_at != SIZE_MAX) {
                        c->pos = at;
                        FAIL(c, "a second count: one rule per duty");
                }
                if (n < 1 || n > RULE_MAX_COUNT) {
                        c->pos = at;
                        FAIL(c, "count must be between 1 and 366");
                }
                r->count = n;
                *count_at = at;
                if (!eat(c, "及以上") && !eat(c, "或以上"))
                        eat(c, "以上");
                return 1;
        }
        if (looking_at(c, "点") || looking_at(c, "时") || looking_at(c, ":") ||
            looking_at(c, "：")) {
                c->pos = at;
                FAIL(c, "a time of day needs a deadline day: 每周五12点前, 每月25日17时前, "
                        "每天17:30前 (due_day, due_weekday or period day)");
        }
        if (looking_at(c, "日") || looking_at(c, "号") || looking_at(c, "月") ||
            looking_at(c, "季")) {
                c->pos = at;
                FAIL(c, "a date here is not understood: say 每月25日前 or 每年3月15日前");
        }
        if (count_expected)
                FAIL(c, "expected 次 after the count");
        return 0; /* 3个村, 一岗双责: the duty's text */
}

/* 每周一 / 每周五前 / 每星期日 / 每2周周五前: the weekday of a weekly deadline (not 每周一次, a
 * count). */
static bool eat_weekday(Cursor *c, Rule *r) {
        Cursor p = *c;
        if (r->every > 1 && !eat(&p, "周") && !eat(&p, "星期"))
                return false;
        /* One character: 每星期五十二点前 is Friday, 12:00. */
        static const char *const days[] = {"一", "二", "三", "四", "五", "六", "日", "天", "七"};
        int d = 0;
        for (int i = 0; i < (int)ELEMENTSOF(days) && !d; i++)
                if (eat(&p, days[i]))
                        d = i < 7 ? i + 1 : 7;
        if (!d && p.s[p.pos] >= '1' && p.s[p.pos] <= '7' &&
            !(p.s[p.pos + 1] >= '0' && p.s[p.pos + 1] <= '9'))
                d = p.s[p.pos++] - '0';
        if (!d || looking_at(&p, "次") || looking_at(&p, "个"))
                return false;
        r->due_weekday = d;
        *c = p;
        return true;
}

/* After the weekday: 前, the duty's text (上报), the holiday move. */
static int parse_weekday_tail(Cursor *c, Rule *r, PhraseError *err) {
        Cursor p = *c;
        if (eat(&p, "至") || eat(&p, "到") || eat(&p, "、"))
                FAIL(c, "one weekday per duty: a range or list of weekdays is not understood");
        eat_before_at(c, r);
        return parse_tail(c, r, err);
}

/* The rest of a counted rule: the count (N次, optional; else 1) anywhere in the text, the rest
 * is the duty's object (每年听取安全生产工作汇报不少于2次, 每月对…进行一次检查). */
static int parse_count(Cursor *c, Rule *r, size_t *count_at, PhraseError *err) {
        size_t start = c->pos, after_qualifier = SIZE_MAX;
        if (r->period == PERIOD_WEEK && looking_at(c, "末"))
                FAIL(c, "每周末 is not understood: name the day (每周日前) or say 每周至少1次");
        if (r->period == PERIOD_WEEK && eat_weekday(c, r))
                return parse_weekday_tail(c, r, err);
        while (!at_end(c)) {
                if (eat_any(c, qualifiers, ELEMENTSOF(qualifiers))) {
                        after_qualifier = c->pos;
                        continue;
                }
                /* The duty's words, not a date: 报送前一日情况. */
                if (eat_any(c, day_words, ELEMENTSOF(day_words)))
                        continue;
                /* rule_describe()'s mark of a rule without pacing. */
                if (eat(c, "（不分段）") || eat(c, "(不分段)") || eat(c, "不分段")) {
                        r->pacing = false;
                        continue;
                }
                if (eat_epoch(c, r) || eat_move(c, r))
                        continue;
                Cursor probe = *c;
                if (eat_any(&probe, deadline_words, ELEMENTSOF(deadline_words)))
                        FAIL(c, "a deadline here is not understood: see the phrases in "
                                "docs/config.md");
                if ((eat(&probe, "每") || eat(&probe, "按")) &&
                    eat_period(&probe, false) != PERIOD_NONE)
                        FAIL(c, "a second frequency: one rule per duty");
                probe = *c;
                if (eat_number(&probe) != NUMBER_NONE) {
                        bool expected = c->pos == after_qualifier || c->pos == start;
                        if (scan_number(c, r, expected, count_at, err) < 0)
                                return -EINVAL;
                        continue;
                }
                skip_char(c);
        }
        if (after_qualifier != SIZE_MAX && *count_at == SIZE_MAX) {
                c->pos = after_qualifier;
                FAIL(c, "expected a count such as 4次 or 两次");
        }
        return 0;
}

/* After 每/按/一 and the period: a fixed date (每月25日前, 每年1月底前, 每月底前, 每年年底前) or
 * a count. */
/* 每季度末 / 每季度末前 / 每季度末20日(前) / 每半年末…: the period's end (a count of 1), or a
 * day of its last month. */
static int parse_period_end(Cursor *c, Rule *r, size_t *count_at, PhraseError *err) {
        size_t at = c->pos;
        int d = eat_number(c);
        if (d != NUMBER_NONE && (eat(c, "日") || eat(c, "号"))) {
                if (d < 1 || d > 31) {
                        c->pos = at;
                        FAIL(c, "day of the month must be 1 to 31");
                }
                r->due_day = d;
                eat_before_at(c, r);
                return parse_tail(c, r, err);
        }
        c->pos = at;
        eat_before(c);
        return parse_count(c, r, count_at, err); /* 每季度末召开一次 */
}

/* 每月最后一个工作日 (前): the period's last day moved earlier; 每年… is 年终. Periods without a
 * due day (week, half month, dekad): their end, moved earlier. */
static int parse_last_working_day(Cursor *c, Rule *r, PhraseError *err) {
        if (r->period == PERIOD_YEAR)
                return parse_year_end(c, r, err);
        r->move = MOVE_EARLIER;
        if (period_kind_months(r->period) > 0)
                r->due_day = DUE_DAY_LAST;
        eat_before_at(c, r);
        return parse_tail(c, r, err);
}

/* 第2个月10日前 / 结束后第1个月底前 after a period of several months (rule_describe()'s form of
 * due_month with quarters, halves and two-month periods). 1 when it is there, 0 when not. */
static int parse_nth_month(Cursor *c, Rule *r, PhraseError *err) {
        Cursor p = *c;
        bool after = eat(&p, "结束后");
        int m;
        if (!eat(&p, "第") || (m = eat_number(&p)) == NUMBER_NONE || !eat(&p, "个月"))
                return 0;
        if (m < 1 || m > (after ? 12 : period_kind_months(r->period))) {
                if (after)
                        FAIL(c, "the month after the period must be 1 to 12");
                FAIL(c, "the month must lie in the period");
        }
        *c = p;
        r->due_month = m, r->after_period = after;
        if (parse_month_deadline(c, r, err) < 0)
                return -EINVAL;
        return parse_tail(c, r, err) < 0 ? -EINVAL : 1;
}

/* After 每学期 (or opening a sentence): 开学第一周 (day 7 of the term), 初 / 学期初 (day 14),
 * 末 / 期末 / 学期末 (its last day), 开学第N天前 / 开学后N天内 (day N). Nothing eaten without one. */
static void parse_term_deadline(Cursor *c, Rule *r) {
        static const char *const first_week[] = {"开学第一周", "开学第1周", "开学首周"};
        static const char *const start[] = {"学期初", "初", "开学初"};
        static const char *const end[] = {"学期末", "期末", "末"};
        if (r->period != PERIOD_SCHOOL_YEAR)
                r->period = PERIOD_TERM;
        if (eat_any(c, first_week, ELEMENTSOF(first_week)))
                r->due_day = 7;
        else if (eat_any(c, start, ELEMENTSOF(start)))
                r->due_day = 14;
        else if (eat_any(c, end, ELEMENTSOF(end)))
                r->due_day = DUE_DAY_LAST;
        else {
                Cursor p = *c;
                bool after = eat(&p, "开学后");
                if (!after && (!eat(&p, "开学第")))
                        return;
                int n = eat_number(&p);
                if (n < 1 || n > 31 || !eat(&p, after ? "天内" : "天"))
                        return;
                *c = p;
                r->due_day = n;
        }
        eat(c, "内");
        eat_before(c);
}

/* 班前 / 班后 (每班班前, 每个班次班后): one checkpoint per shift of the configuration. */
static bool eat_shift(Cursor *c, Rule *r) {
        static const char *const pre[] = {"每个班次", "每班次", "每班", "各班"};
        Cursor p = *c;
        eat_any(&p, pre, ELEMENTSOF(pre));
        if (eat(&p, "班前") || eat(&p, "交接班前"))
                r->shift_edge = SHIFT_START;
        else if (eat(&p, "班后") || eat(&p, "交接班后"))
                r->shift_edge = SHIFT_END;
        else
                return false;
        r->period = PERIOD_DAY;
        *c = p;
        return true;
}

static int parse_after_period(Cursor *c, Rule *r, size_t *count_at, PhraseError *err) {
        size_t save = c->pos;
        if (period_is_school(r->period)) {
                parse_term_deadline(c, r);
                return parse_count(c, r, count_at, err);
        }
        if (r->period == PERIOD_DAY) { /* 每天17:30前报送, 每日8时前, 每天至少一次 */
                if (!eat_shift(c, r))
                        eat_before_at(c, r);
                int q = parse_count(c, r, count_at, err);
                r->pacing = r->count == 1; /* 每天两次: both by the day's deadline */
                return q;
        }
        if (eat(c, "最后一个工作日"))
                return parse_last_working_day(c, r, err);
        if (period_kind_months(r->period) > 1 && r->period != PERIOD_YEAR && r->every == 1) {
                int q = parse_nth_month(c, r, err);
                if (q != 0)
                        return q < 0 ? -EINVAL : 0;
        }
        if (r->period != PERIOD_MONTH && r->period != PERIOD_YEAR && r->every == 1 &&
            period_kind_months(r->period) > 0 && eat(c, "末"))
                return parse_period_end(c, r, count_at, err);
        if (r->period == PERIOD_MONTH) {
                if (eat_number(c) >= 0 && (eat(c, "日") || eat(c, "号"))) {
                        c->pos = save;
                        if (parse_day_of_month(c, r, err) < 0)
                                return -EINVAL;
                        return parse_tail(c, r, err);
                }
                c->pos = save;
                eat(c, "月");
                if (eat_month_end(c) && eat_before_at(c, r)) {
                        r->due_day = DUE_DAY_LAST;
                        return parse_tail(c, r, err);
                }
        }
        c->pos = save;
        if (r->period == PERIOD_YEAR && eat_window(c, r))
                return parse_count(c, r, count_at, err); /* 岁末年初开展一次 */
        if (r->period == PERIOD_YEAR && r->every == 1) {
                int q = parse_month_window(c, r, err); /* 每年3月至5月开展一次 */
                if (q != 0)
                        return q < 0 ? -EINVAL : parse_count(c, r, count_at, err);
        }
        if (r->period == PERIOD_YEAR) {
                int q = parse_month_list(c, r, err);
                if (q != 0)
                        return q < 0 ? -EINVAL : 0;
                if (eat_number(c) >= 0 && eat(c, "月")) {
                        c->pos = save;
                        return parse_year_date(c, r, err);
                }
                c->pos = save;
                if (eat(c, "年底") || eat(c, "年终") || eat(c, "年末") || eat(c, "底") ||
                    eat(c, "末"))
                        return parse_year_end(c, r, err);
        }
        c->pos = save;
        return parse_count(c, r, count_at, err);
}

/* Where the rule starts: 每/按 + period, 一 + period (一年两次), 年终/年底, 重大节假日前. The
 * text before it is the duty's (安全生产例会每月召开一次, 至少每季度一次). */
/* 年度考核, 季度督查, 月度调度, 年内…12次以上: a sentence that opens with its period and has no
 * 每/按 anywhere (elsewhere 年度 is object text: 年度工作报告每年1月底前…). */
static PeriodKind opening_period(Cursor *c) {
        if (strstr(c->s, "每") || strstr(c->s, "按"))
                return PERIOD_NONE;
        if (eat(c, "年度") || eat(c, "年内"))
                return PERIOD_YEAR;
        if (eat(c, "季度"))
                return PERIOD_QUARTER;
        if (eat(c, "月度"))
                return PERIOD_MONTH;
        return PERIOD_NONE;
}

static int parse_normalised(Cursor *c, Rule *r, size_t *count_at, PhraseError *err) {
        size_t unknown = SIZE_MAX; /* the first 每 with no period we know */
        if ((r->period = opening_period(c)) != PERIOD_NONE)
                return parse_count(c, r, count_at, err);
        for (; !at_end(c); skip_char(c)) {
                size_t at = c->pos;
                int q = parse_once(c, r, err);
                if (q == 0)
                        q = parse_month_list(c, r, err);
                if (q != 0)
                        return q < 0 ? -EINVAL : 0;
                if (eat_window(c, r))
                        return parse_count(c, r, count_at, err);
                if (eat(c, "年终") || eat(c, "年底"))
                        return parse_year_end(c, r, err);
                if (eat(c, "重大节假日前") || eat(c, "节假日前")) {
                        r->before_holidays = true;
                        if (!at_end(c))
                                FAIL(c, "unexpected text after 节假日前");
                        return 0;
                }
                if (eat_shift(c, r))
                        return parse_count(c, r, count_at, err); /* 班前安全讲话 */
                if (looking_at(c, "开学第") || looking_at(c, "开学后") ||
                    looking_at(c, "开学首周") || looking_at(c, "学期初") ||
                    looking_at(c, "学期末")) {
                        parse_term_deadline(c, r); /* 开学第一周开展安全教育 */
                        return parse_count(c, r, count_at, err);
                }
                bool week = eat(c, "隔周");
                if (week || eat(c, "隔年")) {
                        r->every = 2;
                        r->period = week ? PERIOD_WEEK : PERIOD_YEAR;
                        return parse_count(c, r, count_at, err);
                }
                bool yi = eat(c, "一");
                if (yi || eat(c, "每") || eat(c, "按")) {
                        if (!yi && (eat(c, "个工作日") || eat(c, "工作日"))) {
                                r->period = PERIOD_DAY, r->workdays = true;
                                return parse_after_period(c, r, count_at, err);
                        }
                        r->period = yi ? PERIOD_NONE : eat_multiple(c, r);
                        if (r->period == PERIOD_NONE)
                                r->period = eat_period(c, yi);
                        if (r->period != PERIOD_NONE)
                                return parse_after_period(c, r, count_at, err);
                        if (!yi && unknown == SIZE_MAX)
                                unknown = c->pos;
                }
                c->pos = at;
        }
        c->pos = unknown != SIZE_MAX ? unknown : 0;
        if (unknown != SIZE_MAX)
                FAIL(c, "unknown period: expected 年, 半年, 季度, 月, 周 or 天 after 每");
        FAIL(c, "a rule starts with 每年/每半年/每季度/每月/每周, 年终 or 重大节假日前");
}

/* Traditional characters the grammar reads, as clerks type them, mapped to the simplified ones
 * (not a general converter: only these). */
static const char *const traditional[][2] = {
        {"兩", "两"}, {"個", "个"}, {"開", "开"}, {"組", "组"}, {"織", "织"}, {"報", "报"},
        {"檢", "检"}, {"進", "进"}, {"舉", "举"}, {"參", "参"}, {"聽", "听"}, {"週", "周"},
        {"於", "于"}, {"終", "终"}, {"節", "节"}, {"會", "会"}, {"議", "议"}, {"導", "导"},
        {"調", "调"}, {"級", "级"}, {"項", "项"}, {"場", "场"}, {"類", "类"}, {"餘", "余"},
        {"應", "应"}, {"須", "须"}, {"責", "责"}, {"專", "专"}, {"題", "题"}, {"帶", "带"},
        {"隊", "队"}, {"後", "后"}, {"內", "内"}, {"歲", "岁"}, {"總", "总"}, {"結", "结"},
        {"彙", "汇"}, {"匯", "汇"}, {"職", "职"}, {"機", "机"}, {"關", "关"}, {"審", "审"},
        {"準", "准"}, {"訓", "训"}, {"練", "练"}, {"產", "产"}, {"黨", "党"}, {"幹", "干"},
        {"務", "务"}, {"書", "书"}, {"記", "记"}, {"長", "长"}, {"鎮", "镇"}, {"縣", "县"},
        {"區", "区"}, {"業", "业"}, {"單", "单"}, {"當", "当"}, {"與", "与"}, {"為", "为"},
        {"親", "亲"}, {"則", "则"}, {"託", "托"}, {"點", "点"}, {"時", "时"},
};

/* The simplified form of the three-byte character at `s` when the table has it (every entry is
 * one three-byte character); NULL otherwise. The first byte is compared first: this runs for
 * every CJK character of every phrase, and a strncmp per entry made it a third of `check`. */
static const char *simplified(const char *s, size_t *ret_len) {
        for (size_t t = 0; t < ELEMENTSOF(traditional); t++) {
                const char *from = traditional[t][0];
                if (from[0] == s[0] && from[1] == s[1] && from[2] == s[2]) {
                        *ret_len = 3;
                        return traditional[t][1];
                }
        }
        return NULL;
}

/* Copies `s` into `norm` character by character, with orig[i] the byte in `s` where the
 * character holding norm[i] starts: whitespace and U+3000 dropped, full-width digits made
 * ASCII, traditional characters mapped, trailing 。；，、 dropped. Returns the length. */
static size_t normalise(const char *s, char *norm, size_t *orig) {
        size_t k = 0, n = strlen(s);
        for (size_t i = 0; i < n;) {
                if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
                        i++;
                        continue;
                }
                if (strncmp(s + i, "\u3000", 3) == 0) {
                        i += 3;
                        continue;
                }
                const char *rep = NULL;
                size_t len = 1;
                if ((unsigned char)s[i] == 0xEF && (unsigned char)s[i + 1] == 0xBC &&
                    (unsigned char)s[i + 2] >= 0x90 && (unsigned char)s[i + 2] <= 0x99) {
                        static const char *const ascii[] = {"0", "1", "2", "3", "4",
                                                            "5", "6", "7", "8", "9"};
                        rep = ascii[(unsigned char)s[i + 2] - 0x90], len = 3;
                }
                if (!rep && ((unsigned char)s[i] & 0xF0) == 0xE0)
                        rep = simplified(s + i, &len);
                if (!rep) {
                        orig[k] = i;
                        norm[k++] = s[i++];
                        continue;
                }
                for (size_t j = 0; rep[j]; j++) {
                        orig[k] = i;
                        norm[k++] = rep[j];
                }
                i += len;
        }
        orig[k] = n;
        static const char *const trailing[] = {"。", "；", "，", "、", ".", ";", ","};
        for (bool more = true; more;) {
                more = false;
                for (size_t t = 0; t < ELEMENTSOF(trailing); t++) {
                        size_t tl = strlen(trailing[t]);
                        if (k >= tl && memcmp(norm + k - tl, trailing[t], tl) == 0) {
                                k -= tl;
                                more = true;
                        }
                }
        }
        norm[k] = 0;
        return k;
}

/* The byte in the input of the character where the normalised text stopped at `pos`. */
static size_t input_offset(const char *norm, const size_t *orig, size_t k, size_t pos) {
        size_t p = pos <= k ? pos : k;
        while (p > 0 && p < k && ((unsigned char)norm[p] & 0xC0) == 0x80)
                p--;
        return orig[p];
}

int rule_parse_phrase(const char *s, Rule *r, size_t *ret_offset, const char **ret_msg) {
        return rule_parse_phrase_epoch(s, 0, r, ret_offset, ret_msg);
}

int rule_parse_phrase_epoch(const char *s, int epoch, Rule *r, size_t *ret_offset,
                            const char **ret_msg) {
        return rule_parse_phrase_in(s, epoch, 0, r, ret_offset, ret_msg, NULL);
}

int rule_parse_phrase_in(const char *s, int epoch, int this_year, Rule *r, size_t *ret_offset,
                         const char **ret_msg, bool *ret_year_assumed) {
        size_t n = strlen(s);
        _cleanup_free_ char *norm = malloc(n + 1);
        _cleanup_free_ size_t *orig = malloc((n + 1) * sizeof(size_t));
        if (!norm || !orig)
                return -ENOMEM;
        size_t k = normalise(s, norm, orig);

        rule_init(r);
        Cursor c = {.s = norm, .this_year = this_year, .bad_time = SIZE_MAX};
        PhraseError err = {0};
        size_t count_at = SIZE_MAX;
        if (k == 0) {
                *ret_offset = 0;
                *ret_msg = "empty rule";
                return -EINVAL;
        }
        /* Flags anywhere in the sentence (原则上每季度…, 亲自主持或委托分管负责人…). */
        r->soft = strstr(norm, "原则上");
        r->personal = strstr(norm, "亲自");
        r->delegable = strstr(norm, "委托") && !strstr(norm, "不得委托") &&
                       !strstr(norm, "不可委托") && !strstr(norm, "不能委托");
        if (parse_normalised(&c, r, &count_at, &err) == 0 && c.bad_time != SIZE_MAX) {
                err.pos = c.bad_time;
                err.msg = N_("a time of day is 0:01 to 24:00, e.g. 12点, 17:30, 下午5点半");
        } else if (!err.msg) {
                if (epoch && !r->epoch)
                        r->epoch = rule_narrow(epoch);
                /* The phrase and its structured form are one rule: the same checks. */
                err.msg = rule_validate(r);
                err.pos = count_at != SIZE_MAX ? count_at : 0;
        }
        if (ret_year_assumed)
                *ret_year_assumed = c.year_assumed;
        if (err.msg) {
                *ret_offset = input_offset(norm, orig, k, err.pos);
                *ret_msg = err.msg;
                rule_done(r);
                return -EINVAL;
        }
        return 0;
}
