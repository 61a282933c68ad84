/* ctl-explain.c — see ctl-explain.h. */
#include "ctl-explain.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ctl.h"
#include "eventclock.h"
#include "eventrule.h"
#include "explain.h"
#include "i18n.h"
#include "phrase.h"
#include "table.h"
#include "tz.h"
#include "util.h"

#define EXPLAIN_DEFAULT_NEXT 4
#define EXPLAIN_MAX_NEXT 50

static int out_of_memory(void) {
        fprintf(stderr, "dutyctl: 内存不足\n");
        return 1;
}

static int next_count = EXPLAIN_DEFAULT_NEXT;

/* "2026-12-21（一）、2027-03-22（一）…" */
static int print_next(const Calendar *cal, const Rule *r, Day today) {
        static const char *const wd[] = {"", "一", "二", "三", "四", "五", "六", "日"};
        Occurrence next[EXPLAIN_MAX_NEXT];
        size_t n;
        if (explain_next(cal, r, today, next, (size_t)next_count, &n) < 0)
                return -ENOMEM;
        printf("  接下来的截止日期：");
        for (size_t i = 0; i < n; i++) {
                char due[11];
                day_format(next[i].due, due);
                printf("%s%s（%s）", i ? "、" : "", due, wd[day_weekday(next[i].due)]);
                if (r->due_minute) {
                        char t[RULE_TIME_MAX];
                        rule_time(r->due_minute, t);
                        printf("%s", t);
                }
                if (next[i].due != next[i].nominal) {
                        char nominal[11];
                        day_format(next[i].nominal, nominal);
                        printf("［原定%s，遇休息日调整］", nominal);
                }
        }
        printf("%s\n", n ? "" : "（五年内没有）");
        return 0;
}

/* The phrase, then a caret under the character where reading stopped (display columns). */
static void print_phrase_error(const char *phrase, size_t offset, const char *msg) {
        _cleanup_free_ char *before = strndup(phrase, offset);
        int width = 0;
        if (before) {
                const char *cells[1] = {before};
                table_widths(&width, 1, cells);
        }
        printf("%s\n%*s^ ", phrase, width, "");
        printf(_("not understood: %s\n"), _(msg));
}

/* An event clock's deadlines were the event to happen now (eventclock.h). */
static void print_event_next(const Calendar *cal, const EventClock *k) {
        time_t now = clock_now(), due[EXPLAIN_MAX_NEXT];
        size_t n = eventclock_deadlines(cal, k, now, now + (time_t)k->minutes * 60 * next_count,
                                        due, (size_t)next_count);
        char at[17];
        tz_format(now, at);
        printf("  若事件此刻（%s）发生，截止：", at);
        for (size_t i = 0; i < n; i++) {
                Occurrence o = {0};
                Day d = tz_day(due[i]);
                int m = tz_minute(due[i]);
                o.due = m ? d : d - 1, o.due_minute = (uint16_t)m;
                char text[17];
                eventclock_due_text(&o, text);
                printf("%s%s", i ? "、" : "", text);
        }
        printf("%s\n", k->kind == CLOCK_EVERY ? "……直至事件结束（dutyctl close）" : "");
}

/* An event duty's clock phrase (1小时内, 每日续报, 30日内补报): 0, or 1 when it is not one. */
static int explain_event(const Config *c, const char *phrase) {
        EventClock k;
        size_t off;
        const char *msg;
        if (eventrule_parse(phrase, CLOCK_NONE, &k, &off, &msg) < 0) {
                /* Said as an event clock's when it reads like one. */
                static const char *const words[] = {"小时", "分钟", "续报", "补报", "日内", "天内"};
                for (size_t i = 0; i < ELEMENTSOF(words); i++)
                        if (strstr(phrase, words[i])) {
                                print_phrase_error(phrase, off, msg);
                                return -EINVAL;
                        }
                return 1;
        }
        char text[200], canon[40];
        eventrule_describe(&k, text, sizeof(text));
        eventrule_canonical(&k, canon, sizeof(canon));
        printf("%s\n  理解为：%s（事件类职责的时限，自 dutyctl raise 的发生时间起算）\n"
               "  规范写法：%s\n",
               phrase, text, canon);
        print_event_next(c->calendar, &k);
        return 0;
}

static int explain_one(const Config *c, const char *phrase, Day today) {
        int e = explain_event(c, phrase);
        if (e <= 0)
                return e < 0;
        Rule r;
        size_t off;
        const char *msg;
        bool assumed = false;
        int q = rule_parse_phrase_in(phrase, 0, day_to_ymd(today).y, &r, &off, &msg, &assumed);
        if (q == -ENOMEM)
                return out_of_memory();
        if (q < 0) {
                print_phrase_error(phrase, off, msg);
                return 1;
        }
        _cleanup_free_ char *text = rule_explain(&r);
        _cleanup_free_ char *canon = rule_describe(&r);
        printf("%s\n", phrase);
        if (assumed)
                printf("  （没有写年份：按今年 %d 年的一次性日期理解；每年都要的请写 每年…）\n",
                       r.once);
        if (!text || !canon || printf("  理解为：%s\n  规范写法：%s\n", text, canon) < 0 ||
            print_next(c->calendar, &r, today) < 0) {
                rule_done(&r);
                return out_of_memory();
        }
        rule_done(&r);
        return 0;
}

typedef struct ExplainArgs {
        char **phrases;
        int n;
} ExplainArgs;

static int run_explain(Config *c, const void *args) {
        const ExplainArgs *a = args;
        Day today = ctl_today(c);
        int status = 0;
        for (int i = 0; i < a->n; i++) {
                int q = explain_one(c, a->phrases[i], today);
                if (q != 0)
                        status = q;
        }
        return status;
}

static void explain_usage(void) {
        printf("用法: dutyctl explain [-c FILE] [-n N] 短语…\n"
               "说明每个规则短语被理解成什么，以及从今天起接下来的 N 个截止日期（默认 %d，最多 %d），\n"
               "按配置中的节假日数据计算。无法理解的短语标出出错的字符，退出码 1。\n",
               EXPLAIN_DEFAULT_NEXT, EXPLAIN_MAX_NEXT);
}

int verb_explain(int argc, char **argv) {
        static const struct option opts[] = {
                {"help", no_argument, NULL, 'h'}, {"next", required_argument, NULL, 'n'}, {}};
        int o;
        while ((o = getopt_long(argc, argv, "hn:", opts, NULL)) >= 0) {
                switch (o) {
                case 'h': explain_usage(); return 0;
                case 'n':
                        char *end;
                        long v = strtol(optarg, &end, 10);
                        if (*end || v < 1 || v > EXPLAIN_MAX_NEXT) {
                                fprintf(stderr, "dutyctl explain: -n 应为 1 到 %d 的整数\n",
                                        EXPLAIN_MAX_NEXT);
                                return EXIT_USAGE;
                        }
                        next_count = (int)v;
                        break;
                default: return EXIT_USAGE;
                }
        }
        if (optind >= argc) {
                explain_usage();
                return EXIT_USAGE;
        }
        ExplainArgs a = {argv + optind, argc - optind};
        return ctl_with_config(run_explain, &a);
}

void ctl_explain_duties(const Config *c, Day today) {
        printf("\n各项职责的规则：\n");
        for (size_t i = 0; i < c->n_duties; i++) {
                const Duty *d = &c->duties[i];
                printf("%s（%s）\n", d->title, d->id);
                if (d->event) {
                        printf("  由事件 %s 触发（dutyctl raise），没有固定日期\n", d->event);
                        for (size_t j = 0; j < d->n_levels; j++)
                                printf("%s%s%s", j ? "、" : "  适用级别：", d->levels[j],
                                       j + 1 == d->n_levels ? "\n" : "");
                        if (d->clock.kind != CLOCK_NONE) {
                                char text[200], canon[40];
                                eventrule_describe(&d->clock, text, sizeof(text));
                                eventrule_canonical(&d->clock, canon, sizeof(canon));
                                printf("  时限：%s\n  规范写法：%s\n", text, canon);
                        }
                        continue;
                }
                _cleanup_free_ char *text = rule_explain(&d->rule);
                _cleanup_free_ char *canon = rule_describe(&d->rule);
                if (!text || !canon) {
                        out_of_memory();
                        return;
                }
                printf("  理解为：%s\n  规范写法：%s\n", text, canon);
                if (print_next(c->calendar, &d->rule, today) < 0) {
                        out_of_memory();
                        return;
                }
        }
}
