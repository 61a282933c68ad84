/* ctl-explain.c — see ctl-explain.h. */
#include "ctl-explain.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "explain.h"
#include "i18n.h"
#include "phrase.h"
#include "table.h"
#include "util.h"

#define EXPLAIN_DEFAULT_NEXT 4
#define EXPLAIN_MAX_NEXT 50

static int out_of_memory(void) {
        fprintf(stderr, "dutyctl: 内存不足\n");
        return 1;
}

static int next_count = EXPLAIN_DEFAULT_NEXT;

/* "2026-12-21（一）、2027-03-22（一）…" */
static int print_next(const Config *c, const Rule *r, const DutyScope *scope, Day today) {
        static const char *const wd[] = {"", "一", "二", "三", "四", "五", "六", "日"};
        Occurrence next[EXPLAIN_MAX_NEXT];
        size_t n;
        if (explain_next(c->calendar, c->shifts, c->n_shifts, r, scope, today, next,
                         (size_t)next_count, &n) < 0)
                return -ENOMEM;
        printf("  接下来的截止日期：");
        for (size_t i = 0; i < n; i++) {
                char due[11];
                day_format(next[i].due, due);
                printf("%s%s（%s）", i ? "、" : "", due, wd[day_weekday(next[i].due)]);
                if (next[i].due_minute) {
                        char t[RULE_TIME_MAX];
                        rule_time(next[i].due_minute, t);
                        printf("%s", t);
                } else if (r->shift_edge)
                        printf("24:00"); /* a shift that starts or ends at midnight */
                if (next[i].due != next[i].nominal) {
                        char nominal[11];
                        day_format(next[i].nominal, nominal);
                        printf("［原定%s，遇休息日调整］", nominal);
                }
        }
        if (r->shift_edge && !c->n_shifts)
                printf("（配置中没有 shifts：没有班次）\n");
        else
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

static int explain_one(const Config *c, const char *phrase, Day today) {
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
            print_next(c, &r, NULL, today) < 0) {
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
                        continue;
                }
                _cleanup_free_ char *text = rule_explain(&d->rule);
                _cleanup_free_ char *canon = rule_describe(&d->rule);
                if (!text || !canon) {
                        out_of_memory();
                        return;
                }
                _cleanup_free_ char *scope = duty_scope_text(c, d);
                if (!scope) {
                        out_of_memory();
                        return;
                }
                printf("  理解为：%s\n  规范写法：%s\n", text, canon);
                if (*scope)
                        printf("  适用：%s（此外没有应办事项）\n", scope);
                const DutyScope *sc = d->scope ? &c->scopes[d->scope - 1] : NULL;
                if (print_next(c, &d->rule, sc, today) < 0) {
                        out_of_memory();
                        return;
                }
        }
}
