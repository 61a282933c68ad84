/* eventrule.c — see eventrule.h. */
#include "eventrule.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"

#define DAY_MINUTES 1440

static const char *const kind_keys[_CLOCK_MAX] = {
        [CLOCK_WITHIN] = "within",
        [CLOCK_EVERY] = "every",
        [CLOCK_WINDOW] = "window",
};

/* The key of a kind in the config: "within", "every", "window" (NULL for CLOCK_NONE). */
static const char *eventclock_kind_key(EventClockKind k) {
        return (unsigned)k < _CLOCK_MAX ? kind_keys[k] : NULL;
}

/* The longest clock of each kind, in minutes. */
static const int max_minutes[_CLOCK_MAX] = {
        [CLOCK_WITHIN] = 30 * DAY_MINUTES,
        [CLOCK_EVERY] = 7 * DAY_MINUTES,
        [CLOCK_WINDOW] = 365 * DAY_MINUTES,
};

typedef struct Cursor {
        const char *s, *p;
} Cursor;

static bool eat(Cursor *c, const char *word) {
        size_t n = strlen(word);
        if (strncmp(c->p, word, n) != 0)
                return false;
        c->p += n;
        return true;
}

/* A number in ASCII digits, or 一 … 十 / 两 (the ones these phrases use). */
static bool number(Cursor *c, int *ret) {
        static const char *const zh[] = {"一", "两", "三", "四", "五",
                                         "六", "七", "八", "九", "十"};
        if (*c->p >= '0' && *c->p <= '9') {
                int v = 0;
                while (*c->p >= '0' && *c->p <= '9' && v < 100000)
                        v = v * 10 + (*c->p++ - '0');
                *ret = v;
                return true;
        }
        for (size_t i = 0; i < sizeof(zh) / sizeof(zh[0]); i++)
                if (eat(c, zh[i])) {
                        *ret = (int)i + 1;
                        return true;
                }
        return false;
}

static int fail(const Cursor *c, size_t *ret_off, const char **ret_msg, const char *msg) {
        *ret_off = (size_t)(c->p - c->s);
        *ret_msg = msg;
        return -EINVAL;
}

/* "30m", "2h", "7d". */
static bool duration(const char *s, int *ret) {
        int v = 0, k = 0;
        char unit = 0;
        if (sscanf(s, "%6d%c%n", &v, &unit, &k) != 2 || s[k] || v < 1)
                return false;
        switch (unit) {
        case 'm': *ret = v; return true;
        case 'h': *ret = v * 60; return true;
        case 'd': *ret = v * DAY_MINUTES; return true;
        default: return false;
        }
}

/* The report words allowed after a phrase: 报告, 上报, 报送, 补报 (window), 续报 (every). */
static bool tail(Cursor *c, EventClockKind k) {
        if (k == CLOCK_WINDOW)
                (void)(eat(c, "补报") || eat(c, "报告") || eat(c, "上报"));
        else if (k == CLOCK_WITHIN)
                (void)(eat(c, "报告") || eat(c, "上报") || eat(c, "报送"));
        return *c->p == 0;
}

/* 每日续报, 每天两次续报, 每日2次续报, 每12小时续报. */
static int parse_every(Cursor *c, EventClock *ret, size_t *off, const char **msg) {
        int n = 1;
        if (eat(c, "日") || eat(c, "天")) {
                if (number(c, &n) && !eat(c, "次"))
                        return fail(c, off, msg, N_("expected 次 after the number of reports"));
                if (n < 1 || n > 24 || DAY_MINUTES % n)
                        return fail(c, off, msg, N_("reports a day must divide the day evenly"));
                ret->minutes = DAY_MINUTES / n;
        } else if (number(c, &n) && (eat(c, "小时") || eat(c, "个小时")))
                ret->minutes = n * 60;
        else
                return fail(c, off, msg, N_("expected 每日续报, 每天两次续报 or 每N小时续报"));
        if (!eat(c, "续报") && !eat(c, "报告"))
                return fail(c, off, msg, N_("expected 续报"));
        if (*c->p)
                return fail(c, off, msg, N_("unexpected text after the phrase"));
        ret->kind = CLOCK_EVERY;
        return 0;
}

/* N小时内, N分钟内, N日内补报. */
static int parse_within(Cursor *c, EventClock *ret, size_t *off, const char **msg) {
        int n;
        if (!number(c, &n))
                return fail(c, off, msg, N_("expected a number of minutes, hours or days"));
        if (eat(c, "分钟内"))
                ret->kind = CLOCK_WITHIN, ret->minutes = n;
        else if (eat(c, "小时内") || eat(c, "个小时内"))
                ret->kind = CLOCK_WITHIN, ret->minutes = n * 60;
        else if (eat(c, "日内") || eat(c, "天内"))
                ret->kind = CLOCK_WINDOW, ret->minutes = n * DAY_MINUTES;
        else
                return fail(c, off, msg, N_("expected 分钟内, 小时内 or 日内"));
        if (!tail(c, ret->kind))
                return fail(c, off, msg, N_("unexpected text after the phrase"));
        return 0;
}

int eventrule_parse(const char *s, EventClockKind want, EventClock *ret, size_t *ret_off,
                    const char **ret_msg) {
        Cursor c = {s, s};
        EventClock k = {0};
        int minutes;
        if (want != CLOCK_NONE && duration(s, &minutes)) {
                if (want == CLOCK_WINDOW && minutes % DAY_MINUTES)
                        return fail(&c, ret_off, ret_msg, N_("a window is counted in days: 30d"));
                k = (EventClock){want, minutes};
        } else {
                int r = eat(&c, "每") ? parse_every(&c, &k, ret_off, ret_msg)
                                      : parse_within(&c, &k, ret_off, ret_msg);
                if (r < 0)
                        return r;
                c.p = s;
                if (want != CLOCK_NONE && k.kind != want)
                        return fail(&c, ret_off, ret_msg,
                                    k.kind == CLOCK_EVERY
                                            ? N_("a recurring report goes under 'every'")
                                    : k.kind == CLOCK_WINDOW
                                            ? N_("a report within days goes under 'window'")
                                            : N_("a deadline in hours goes under 'within'"));
        }
        if (k.minutes < 1 || k.minutes > max_minutes[k.kind])
                return fail(
                        &c, ret_off, ret_msg,
                        N_("out of range: within up to 30d, every up to 7d, window up to 365d"));
        if (k.kind == CLOCK_EVERY && k.minutes < 30)
                return fail(&c, ret_off, ret_msg,
                            N_("a recurring report needs at least 30 minutes"));
        *ret = k;
        return 0;
}

/* "45分钟" / "2小时" / "1天" / "1天12小时"; buf of 32 bytes at least. */
static void span(int minutes, char *buf, size_t n) {
        /* Up to two days in hours (24小时, 36小时), beyond in days and hours. */
        int d = minutes >= 2 * DAY_MINUTES ? minutes / DAY_MINUTES : 0;
        int h = (minutes - d * DAY_MINUTES) / 60, m = minutes % 60;
        int k = 0;
        if (d && k >= 0 && (size_t)k < n)
                k += snprintf(buf + k, n - (size_t)k, "%d天", d);
        if (h && k >= 0 && (size_t)k < n)
                k += snprintf(buf + k, n - (size_t)k, "%d小时", h);
        if ((m || minutes == 0) && k >= 0 && (size_t)k < n)
                snprintf(buf + k, n - (size_t)k, "%d分钟", m);
}

void eventrule_describe(const EventClock *k, char *buf, size_t n) {
        char s[48];
        span(k->minutes, s, sizeof(s));
        switch (k->kind) {
        case CLOCK_WITHIN: snprintf(buf, n, "事件发生后%s内报告", s); break;
        case CLOCK_EVERY:
                if (k->minutes == DAY_MINUTES)
                        snprintf(buf, n, "事件发生后每天续报一次（每24小时），直至事件结束");
                else if (k->minutes < DAY_MINUTES && DAY_MINUTES % k->minutes == 0)
                        snprintf(buf, n, "事件发生后每天%d次续报（每%s一次），直至事件结束",
                                 DAY_MINUTES / k->minutes, s);
                else
                        snprintf(buf, n, "事件发生后每%s续报一次，直至事件结束", s);
                break;
        case CLOCK_WINDOW:
                snprintf(
                        buf, n,
                        "事件发生之日起%d日内补报（发生当日不计入，期满日遇节假日顺延至下一个工作日，"
                        "当日24时截止）",
                        k->minutes / DAY_MINUTES);
                break;
        default: snprintf(buf, n, "事件发生时立即通知，没有时限"); break;
        }
}

void eventrule_canonical(const EventClock *k, char *buf, size_t n) {
        const char *key = eventclock_kind_key(k->kind);
        int v = k->minutes;
        if (!key)
                snprintf(buf, n, "event");
        else if (v % DAY_MINUTES == 0)
                snprintf(buf, n, "%s: %dd", key, v / DAY_MINUTES);
        else if (v % 60 == 0)
                snprintf(buf, n, "%s: %dh", key, v / 60);
        else
                snprintf(buf, n, "%s: %dm", key, v);
}
