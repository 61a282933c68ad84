/* rule.c — see rule.h. The phrase grammar is documented in docs/config.md ("Phrases"). */
#include "rule.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void rule_init(Rule *r) {
        *r = (Rule){.count = 1, .pacing = true, .move = MOVE_POSTPONE};
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
        if (a->period != b->period || a->count != b->count || a->pacing != b->pacing ||
            a->due_day != b->due_day || a->due_month != b->due_month ||
            a->after_period != b->after_period || a->move != b->move ||
            a->before_holidays != b->before_holidays || a->n_holidays != b->n_holidays ||
            (a->holidays == NULL) != (b->holidays == NULL))
                return false;
        for (size_t i = 0; i < a->n_holidays; i++)
                if (!streq(a->holidays[i], b->holidays[i]))
                        return false;
        return true;
}

static const char *const period_zh[_PERIOD_MAX] = {
        [PERIOD_WEEK] = "周",   [PERIOD_MONTH] = "月", [PERIOD_QUARTER] = "季度",
        [PERIOD_HALF] = "半年", [PERIOD_YEAR] = "年",
};

const char *period_kind_to_zh(PeriodKind k) {
        return k > PERIOD_NONE && k < _PERIOD_MAX ? period_zh[k] : "";
}

int period_kind_months(PeriodKind k) {
        switch (k) {
        case PERIOD_MONTH: return 1;
        case PERIOD_QUARTER: return 3;
        case PERIOD_HALF: return 6;
        case PERIOD_YEAR: return 12;
        default: return 0;
        }
}

/* ---- phrase parser ---------------------------------------------------------------------- */

typedef struct Cursor {
        const char *s; /* normalized (whitespace removed) */
        size_t pos;
        const size_t *orig; /* orig[i] = byte offset in the input of normalized byte i */
        size_t orig_len;
} Cursor;

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

/* Arabic digits, or Chinese numerals 一…十 with 两, as in 十二 / 二十四. Returns -1 if none. */
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
                                return -1; /* two digits in a row: not a numeral we accept */
                        cur = d;
                        any = true;
                        continue;
                }
                if (eat(c, "十")) {
                        if (total > 0)
                                return -1;
                        total = (cur < 0 ? 1 : cur) * 10;
                        cur = -1;
                        any = true;
                        continue;
                }
                break;
        }
        if (!any)
                return -1;
        return total + (cur < 0 ? 0 : cur);
}

static const char *const qualifiers[] = {"至少", "不少于", "最少", "不低于"};
/* Verbs are matched longest first. */
static const char *const verbs[] = {
        "组织召开", "主持召开", "组织开展", "带队检查", "召开", "组织", "主持", "开展", "进行",
        "完成",     "举行",     "提交",     "报送",     "参加", "听取", "研究", "检查", "分别",
};

static bool eat_any(Cursor *c, const char *const *list, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (eat(c, list[i]))
                        return true;
        return false;
}

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

/* "… 次" part after the period word. */
static int parse_count(Cursor *c, Rule *r, PhraseError *err) {
        while (eat_any(c, qualifiers, ELEMENTSOF(qualifiers)) ||
               eat_any(c, verbs, ELEMENTSOF(verbs)))
                ;
        if (at_end(c))
                return 0; /* 每季度 / 每半年组织召开: once */
        size_t at = c->pos;
        int n = eat_number(c);
        if (n < 0)
                FAIL(c, "expected a count such as 4次 or 两次");
        if (n < 1 || n > RULE_MAX_COUNT) {
                c->pos = at;
                FAIL(c, "count must be between 1 and " STRINGIFY(RULE_MAX_COUNT));
        }
        if (!eat(c, "次"))
                FAIL(c, "expected 次 after the count");
        r->count = n;
        if (!at_end(c))
                FAIL(c, "unexpected text after the count");
        return 0;
}

static bool eat_before(Cursor *c) {
        return eat(c, "以前") || eat(c, "之前") || eat(c, "前");
}

/* Tail after a fixed date: optional verbs, optional 上年度 (then free text: the object). */
static int parse_tail(Cursor *c, Rule *r, PhraseError *err) {
        for (;;) {
                if (eat_any(c, verbs, ELEMENTSOF(verbs)) || eat(c, "（") || eat(c, "(") ||
                    eat(c, "）") || eat(c, ")") || eat(c, "，") || eat(c, ","))
                        continue;
                size_t at = c->pos;
                if (eat(c, "上年度") || eat(c, "上一年度")) {
                        if (r->period != PERIOD_YEAR) {
                                c->pos = at;
                                FAIL(c, "上年度 fits only a yearly rule (每年…月底前)");
                        }
                        r->after_period = true;
                        c->pos = strlen(c->s);
                        return 0;
                }
                break;
        }
        if (!at_end(c))
                FAIL(c, "unexpected text after the deadline");
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
        if (!eat(c, "日") && !eat(c, "号"))
                FAIL(c, "expected 日 after the day");
        if (!eat_before(c))
                FAIL(c, "expected 以前 or 前 after the date");
        r->due_day = d;
        return 0;
}

static int parse_year_date(Cursor *c, Rule *r, PhraseError *err) {
        size_t at = c->pos;
        int m = eat_number(c);
        if (m < 1 || m > 12 || !eat(c, "月")) {
                c->pos = at;
                FAIL(c, "expected a month, e.g. 1月底前 or 3月15日前");
        }
        r->due_month = m;
        if (eat(c, "底") || eat(c, "末")) {
                if (!eat_before(c))
                        FAIL(c, "expected 前 after 月底");
                r->due_day = DUE_DAY_LAST;
        } else if (parse_day_of_month(c, r, err) < 0)
                return -EINVAL;
        return parse_tail(c, r, err);
}

static int parse_normalized(Cursor *c, Rule *r, PhraseError *err) {
        if (eat(c, "年终") || eat(c, "年底")) {
                r->period = PERIOD_YEAR;
                r->due_month = 12;
                r->due_day = DUE_DAY_LAST;
                r->move = MOVE_EARLIER;
                if (!at_end(c))
                        FAIL(c, "unexpected text after 年终");
                return 0;
        }
        if (eat(c, "重大节假日前") || eat(c, "节假日前")) {
                r->before_holidays = true;
                if (!at_end(c))
                        FAIL(c, "unexpected text after 重大节假日前");
                return 0;
        }
        if (!eat(c, "每"))
                FAIL(c, "a rule starts with 每年/每半年/每季度/每月/每周, 年终 or 重大节假日前");
        if (eat(c, "半年"))
                r->period = PERIOD_HALF;
        else if (eat(c, "季度") || eat(c, "季"))
                r->period = PERIOD_QUARTER;
        else if (eat(c, "年"))
                r->period = PERIOD_YEAR;
        else if (eat(c, "月"))
                r->period = PERIOD_MONTH;
        else if (eat(c, "周") || eat(c, "星期"))
                r->period = PERIOD_WEEK;
        else
                FAIL(c, "unknown period: expected 年, 半年, 季度, 月 or 周 after 每");

        /* A fixed date follows directly: 每月25日以前, 每年1月底前. */
        size_t save = c->pos;
        if (r->period == PERIOD_MONTH && eat_number(c) >= 0 && (eat(c, "日") || eat(c, "号"))) {
                c->pos = save;
                if (parse_day_of_month(c, r, err) < 0)
                        return -EINVAL;
                return parse_tail(c, r, err);
        }
        c->pos = save;
        if (r->period == PERIOD_YEAR && eat_number(c) >= 0 && eat(c, "月")) {
                c->pos = save;
                return parse_year_date(c, r, err);
        }
        c->pos = save;
        return parse_count(c, r, err);
}

/* Whitespace (ASCII and U+3000 ideographic space) is dropped before matching. */
int rule_parse_phrase(const char *s, Rule *r, size_t *ret_offset, const char **ret_msg) {
        size_t n = strlen(s);
        _cleanup_free_ char *norm = malloc(n + 1);
        _cleanup_free_ size_t *orig = malloc((n + 1) * sizeof(size_t));
        if (!norm || !orig)
                return -ENOMEM;
        size_t k = 0;
        for (size_t i = 0; i < n;) {
                if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
                        i++;
                        continue;
                }
                if (strncmp(s + i, "\u3000", 3) == 0) {
                        i += 3;
                        continue;
                }
                orig[k] = i;
                norm[k++] = s[i++];
        }
        norm[k] = 0;
        orig[k] = n;

        rule_init(r);
        Cursor c = {.s = norm, .orig = orig, .orig_len = k};
        PhraseError err = {0};
        if (k == 0) {
                *ret_offset = 0;
                *ret_msg = "empty rule";
                return -EINVAL;
        }
        if (parse_normalized(&c, r, &err) < 0) {
                /* Point at the start of the UTF-8 character where matching stopped. */
                size_t p = err.pos <= k ? err.pos : k;
                while (p > 0 && p < k && ((unsigned char)norm[p] & 0xC0) == 0x80)
                        p--;
                *ret_offset = orig[p];
                *ret_msg = err.msg;
                rule_done(r);
                return -EINVAL;
        }
        return 0;
}

const char *rule_validate(const Rule *r) {
        if (r->before_holidays) {
                if (r->period != PERIOD_NONE || r->due_day || r->due_month || r->after_period)
                        return "before_holidays cannot be combined with period, due_day, "
                               "due_month or after_period";
                return NULL;
        }
        if (r->period == PERIOD_NONE)
                return "a rule needs a period (week, month, quarter, half, year)";
        if (r->count < 1 || r->count > RULE_MAX_COUNT)
                return "count must be between 1 and " STRINGIFY(RULE_MAX_COUNT);
        if (r->period == PERIOD_WEEK && (r->due_day || r->due_month || r->after_period))
                return "due_day, due_month and after_period need a monthly or longer period";
        int months = period_kind_months(r->period);
        if (r->due_month && !r->after_period && r->due_month > months)
                return "due_month is after the period's end (use after_period)";
        if (r->due_month && r->after_period && r->due_month > 12)
                return "due_month must be 1 to 12";
        if (r->due_month && !r->due_day)
                return "due_month needs due_day";
        if (r->after_period && !r->due_day)
                return "after_period needs due_day";
        if (r->pacing && r->count > 1 && r->period == PERIOD_WEEK && r->count > 7)
                return "more than 7 paced checkpoints a week";
        return NULL;
}

/* The deadline part, "1月底前" / "25日前", for a month given or implied. */
static void describe_day(Buf *b, int day) {
        if (day == DUE_DAY_LAST)
                buf_puts(b, "底前");
        else
                buf_printf(b, "%d日前", day);
}

char *rule_describe(const Rule *r) {
        if (r->before_holidays)
                return strdup("重大节假日前");
        if (r->period == PERIOD_YEAR && r->due_month == 12 && r->due_day == DUE_DAY_LAST &&
            !r->after_period && r->move == MOVE_EARLIER && r->count == 1)
                return strdup("年终");
        const char *p = period_kind_to_zh(r->period);
        if (!r->due_day)
                return strfmt("每%s至少%d次%s", p, r->count,
                              r->pacing || r->count == 1 ? "" : "（不分段）");
        Buf b = {0};
        if (r->period == PERIOD_YEAR) {
                /* 每年3月15日前, 每年1月底前（上年度） */
                buf_printf(&b, "每年%d月", r->due_month ? r->due_month : 12);
                describe_day(&b, r->due_day);
                if (r->after_period)
                        buf_puts(&b, "（上年度）");
        } else if (r->period == PERIOD_MONTH && !r->after_period) {
                buf_puts(&b, "每月");
                if (r->due_day == DUE_DAY_LAST)
                        buf_puts(&b, "月");
                describe_day(&b, r->due_day);
        } else {
                /* Quarter and half-year months are counted, not named: 每季度第2个月10日前. */
                int months = period_kind_months(r->period);
                int m = r->due_month ? r->due_month : r->after_period ? 1 : months;
                buf_printf(&b, "每%s%s第%d个月", p, r->after_period ? "结束后" : "", m);
                describe_day(&b, r->due_day);
        }
        if (r->count > 1)
                buf_printf(&b, "，共%d次", r->count);
        return buf_steal(&b);
}
