/* ctl-report.c — `dutyctl report|raise|done-link`. See ctl-report.h and ctl.h. */
#include "ctl-report.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "completion.h"
#include "ctl.h"
#include "donelink.h"
#include "event.h"
#include "load.h"
#include "log.h"
#include "outbox.h"
#include "raise.h"
#include "report.h"
#include "route.h"
#include "schedule.h"
#include "sender.h"
#include "store.h"
#include "table.h"
#include "tz.h"
#include "util.h"

/* ---- report ---------------------------------------------------------------------------------- */

static int print_table(const Config *c, const Report *rep, const char *period) {
        static const char *const hdr[] = {"职责",     "岗位",     "人员",   "应完成",
                                          "按时完成", "逾期完成", "未完成", "未到期"};
        Table *t = table_new(ELEMENTSOF(hdr), hdr);
        if (!t)
                return -ENOMEM;
        int r = 0;
        for (size_t i = 0; r == 0 && i <= rep->n_rows; i++) {
                const ReportRow *w = i < rep->n_rows ? &rep->rows[i] : NULL;
                const ReportCounts *n = w ? &w->n : &rep->total;
                char v[5][16];
                snprintf(v[0], 16, "%d", n->required), snprintf(v[1], 16, "%d", n->on_time);
                snprintf(v[2], 16, "%d", n->late), snprintf(v[3], 16, "%d", n->missed);
                snprintf(v[4], 16, "%d", n->open);
                const char *cells[] = {w ? c->duties[w->duty].title : "合计",
                                       w ? c->posts[w->post].name : "",
                                       w ? (w->person >= 0 ? c->people[w->person].name : "空缺")
                                         : "",
                                       v[0],
                                       v[1],
                                       v[2],
                                       v[3],
                                       v[4]};
                r = table_add(t, cells);
        }
        if (r == 0) {
                char from[11], to[11];
                day_format(rep->from, from), day_format(rep->to, to);
                printf("%s 履职统计 %s（截止日在 %s 至 %s 之间的事项）\n", c->org_name, period,
                       from, to);
                table_print(t, stdout);
        }
        table_free(t);
        return r;
}

static int report_usage(FILE *f) {
        fprintf(f,
                "用法: dutyctl report --period 2026|2026-H2|2026-Q4|2026-11 [--person 人员|--post 岗位]\n"
                "                      [--format table|csv|json]\n"
                "      dutyctl report --shuzhi 人员 --year 2026\n"
                "统计截止日在该期间内的每一次应办事项：按时完成、逾期完成、未完成（已过截止日）、\n"
                "未到期；或生成某人年度述职的履职部分草稿。\n");
        return f == stdout ? 0 : EXIT_USAGE;
}

int verb_report(int argc, char **argv) {
        static const struct option opts[] = {
                {"help", no_argument, NULL, 'h'},         {"period", required_argument, NULL, 'p'},
                {"person", required_argument, NULL, 'P'}, {"post", required_argument, NULL, 'o'},
                {"format", required_argument, NULL, 'f'}, {"shuzhi", required_argument, NULL, 's'},
                {"year", required_argument, NULL, 'y'},   {}};
        const char *period = NULL, *person = NULL, *post = NULL, *format = "table", *shuzhi = NULL,
                   *year = NULL;
        int o;
        while ((o = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                switch (o) {
                case 'h': return report_usage(stdout);
                case 'p': period = optarg; break;
                case 'P': person = optarg; break;
                case 'o': post = optarg; break;
                case 'f': format = optarg; break;
                case 's': shuzhi = optarg; break;
                case 'y': year = optarg; break;
                default: return EXIT_USAGE;
                }
        }
        if (optind != argc || (!period && !shuzhi) || (period && shuzhi) || (person && post) ||
            (shuzhi && (!year || person || post)) || (year && !shuzhi)) {
                fprintf(stderr, "report: 参数不正确（dutyctl report --help）\n");
                return EXIT_USAGE;
        }
        if (!streq(format, "table") && !streq(format, "csv") && !streq(format, "json")) {
                fprintf(stderr, "report: --format 应为 table、csv 或 json\n");
                return EXIT_USAGE;
        }
        PeriodKind kind;
        Day from = 0, to = 0;
        int y = 0;
        if (period && (period_parse(period, &kind, &from, &to) < 0 || kind == PERIOD_WEEK)) {
                fprintf(stderr, "report: 期间格式应为 2026、2026-H2、2026-Q4 或 2026-11：%s\n",
                        period);
                return EXIT_USAGE;
        }
        if (year) {
                char *end;
                long v = strtol(year, &end, 10);
                if (*end || v < 1970 || v > 9999) {
                        fprintf(stderr, "report: 年份不正确：%s\n", year);
                        return EXIT_USAGE;
                }
                y = (int)v;
        }
        Config *c = NULL;
        int r = ctl_load_config(&c);
        if (r)
                return r;
        ssize_t pi = -1, oi = -1;
        const char *who = person ? person : shuzhi;
        if (who && (pi = config_find_person(c, who)) < 0) {
                fprintf(stderr, "report: 没有人员 '%s'\n", who);
                return config_free(c), 1;
        }
        if (post && (oi = config_find_post(c, post)) < 0) {
                fprintf(stderr, "report: 没有岗位 '%s'\n", post);
                return config_free(c), 1;
        }
        Store *s = NULL;
        if (ctl_open_store(c, &s))
                return config_free(c), 1;
        Ledger *lg = NULL;
        Completion *comps = NULL;
        size_t n_comps = 0;
        Report rep = {0};
        _cleanup_free_ char *text = NULL;
        Day today = ctl_today(c);
        r = ledger_load(s, &lg);
        if (r == 0 && shuzhi && (r = completion_list(s, false, &comps, &n_comps)) == 0)
                r = report_shuzhi(c, lg, comps, n_comps, (size_t)pi, y, today, &text);
        else if (r == 0 && period) {
                r = report_build(c, lg, from, to, today, pi, oi, &rep);
                if (r == 0 && streq(format, "csv"))
                        r = report_format_csv(c, &rep, &text);
                else if (r == 0 && streq(format, "json"))
                        r = report_format_json(c, &rep, period, &text);
                else if (r == 0)
                        r = print_table(c, &rep, period);
        }
        if (r < 0)
                fprintf(stderr, "report: 失败：%s\n", r == -EIO ? store_errmsg(s) : strerror(-r));
        else if (text) {
                fputs(text, stdout);
                if (streq(format, "json"))
                        fputs("\n", stdout);
        }
        report_done(&rep);
        completion_list_free(comps, n_comps);
        ledger_free(lg);
        store_close(s);
        config_free(c);
        return r < 0 ? 1 : 0;
}

/* ---- raise ----------------------------------------------------------------------------------- */

static void print_alerted(const Config *c, const Firing *f, size_t n) {
        static const char *const hdr[] = {"职责", "岗位", "在岗人员", "渠道"};
        Table *t = table_new(ELEMENTSOF(hdr), hdr);
        RoutePlan plan = {0};
        if (!t || route_plan(c, f, n, &plan) < 0) {
                table_free(t);
                return;
        }
        for (size_t i = 0; i < n; i++) {
                Buf hb = {0}, cb = {0};
                size_t h[MAX_POST_HOLDERS];
                size_t nh = occurrence_holders(c, &f[i].occ, f[i].occ.due, h, MAX_POST_HOLDERS);
                for (size_t j = 0; j < nh; j++)
                        buf_printf(&hb, "%s%s", j ? "、" : "", c->people[h[j]].name);
                for (size_t m = 0; m < plan.n; m++) {
                        bool has = false;
                        for (size_t k = 0; k < plan.msgs[m].n_items; k++)
                                has |= plan.msgs[m].items[k] == i;
                        if (!has)
                                continue;
                        const char *rcpt = plan.msgs[m].recipient;
                        buf_printf(&cb, "%s%s%s%s%s", cb.len ? "、" : "",
                                   c->channels[plan.msgs[m].channel].id, *rcpt ? "（" : "", rcpt,
                                   *rcpt ? "）" : "");
                }
                const char *cells[] = {c->duties[f[i].occ.duty].title, c->posts[f[i].occ.post].name,
                                       nh ? hb.data : "空缺",
                                       cb.len ? cb.data : "无（未配置渠道）"};
                (void)table_add(t, cells);
                buf_done(&hb), buf_done(&cb);
        }
        table_print(t, stdout);
        table_free(t);
        route_plan_done(&plan);
}

/* Sends the messages just queued (rows with this raise's step), so that an alert goes out even
 * when dutyd is not running. Returns the number sent. */
static unsigned send_now(Store *s, const Config *c, const Firing *f, size_t n,
                         unsigned *ret_failed) {
        OutboxRow *rows = NULL;
        size_t nr = 0;
        unsigned sent = 0, failed = 0;
        if (outbox_list(s, false, &rows, &nr) < 0)
                return 0;
        for (size_t i = 0; i < nr; i++) {
                if (rows[i].state != OUTBOX_QUEUED || !rows[i].occurrence)
                        continue;
                bool ours = false;
                for (size_t j = 0; j < n && !ours; j++) {
                        char id[OCCURRENCE_ID_MAX];
                        occurrence_id(c, &f[j].occ, id, sizeof(id));
                        ours = streq(rows[i].occurrence, id) && rows[i].created >= clock_now() - 60;
                }
                if (!ours)
                        continue;
                SenderStats st = {0};
                int r = sender_run(s, c, rows[i].id, false, 20 * 1000000ULL, &st);
                sent += st.sent;
                if (r < 0 && r != -ETIMEDOUT)
                        failed++;
        }
        outbox_rows_free(rows, nr);
        *ret_failed = failed;
        return sent;
}

int verb_raise(int argc, char **argv) {
        static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                             {"note", required_argument, NULL, 'n'},
                                             {"no-send", no_argument, NULL, 'N'},
                                             {}};
        const char *note = NULL;
        bool no_send = false;
        int o;
        while ((o = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                switch (o) {
                case 'h':
                        printf("用法: dutyctl raise 事件 [--note 说明] [--no-send]\n"
                               "发生事件（如 事故）：配置中 event 为该事件的每项职责，其所有岗位立即\n"
                               "在各自渠道收到通知；事件记入状态数据库。--no-send 只入队，由 dutyd 发送。\n");
                        return 0;
                case 'n': note = optarg; break;
                case 'N': no_send = true; break;
                default: return EXIT_USAGE;
                }
        }
        if (optind != argc - 1) {
                fprintf(stderr, "raise: 需要一个事件名称（dutyctl raise --help）\n");
                return EXIT_USAGE;
        }
        const char *event = argv[optind];
        Config *c = NULL;
        int r = ctl_load_config(&c);
        if (r)
                return r;
        time_t now = (time_t)clock_now();
        Day today = ctl_today(c);
        int minute = tz_minute(clock_now());
        Firing *f = NULL;
        size_t n = 0;
        r = event_plan(c, event, today, minute, 0, &f, &n);
        if (r == -ENOENT) {
                const char **ev = NULL;
                size_t ne = 0;
                fprintf(stderr, "raise: 没有职责对应事件 '%s'。", event);
                if (event_names(c, &ev, &ne) == 0 && ne) {
                        fprintf(stderr, "已配置的事件：");
                        for (size_t i = 0; i < ne; i++)
                                fprintf(stderr, "%s%s", i ? "、" : "", ev[i]);
                        fprintf(stderr, "\n");
                } else
                        fprintf(stderr, "配置中没有事件类职责（event:）。\n");
                free(ev);
                return config_free(c), 1;
        }
        if (r < 0) {
                fprintf(stderr, "raise: 失败：%s\n", strerror(-r));
                return config_free(c), 1;
        }
        /* Secrets first: root's dutyctl becomes the daemon's user to open the state, and the
         * credentials are root's. */
        Diags d = {0};
        bool secrets = !no_send && config_load_secrets(c, &d) == 0;
        Store *s = NULL;
        if (ctl_open_store(c, &s)) {
                diags_done(&d);
                free(f);
                return config_free(c), 1;
        }
        int64_t eid = 0;
        size_t queued = 0;
        r = raise_event(s, c, event, note, ctl_invoker(), today, minute, now, &eid, &queued);
        if (r < 0)
                fprintf(stderr, "raise: 记录或入队失败：%s\n",
                        r == -EIO ? store_errmsg(s) : strerror(-r));
        else {
                printf("已记录事件「%s」（编号 %" PRId64
                       "）%s%s，通知 %zu 个岗位，%zu 条消息已入队：\n",
                       event, eid, note ? "：" : "", note ? note : "", n, queued);
                print_alerted(c, f, n);
                _cleanup_free_ char *field = strfmt("DUTYD_EVENT=%s", event);
                const char *fields[] = {field, NULL};
                log_journal(LOG_NOTICE, EV_EVENT_RAISED, field ? fields : NULL,
                            "事件「%s」（编号 %" PRId64 "）由 %s 发起，通知 %zu 个岗位", event, eid,
                            ctl_invoker() ? ctl_invoker() : "?", n);
                if (!no_send && queued && !secrets) {
                        diags_print(&d, stderr);
                        printf("无法读取渠道密钥，消息留在发送队列，由 dutyd 发送。\n");
                } else if (!no_send && queued) {
                        unsigned failed = 0, sent = send_now(s, c, f, n, &failed);
                        printf("已送达 %u 条%s。\n", sent,
                               sent < queued ? "，其余留在发送队列由 dutyd 重试发送" : "");
                        (void)failed;
                }
        }
        diags_done(&d);
        free(f);
        store_close(s);
        config_free(c);
        return r < 0 ? 1 : 0;
}

/* ---- done-link --------------------------------------------------------------------------------- */

int verb_done_link(int argc, char **argv) {
        static const struct option opts[] = {
                {"help", no_argument, NULL, 'h'}, {"days", required_argument, NULL, 'd'}, {}};
        long days = 30;
        int o;
        while ((o = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                switch (o) {
                case 'h':
                        printf("用法: dutyctl done-link 事项编号 [--days N]\n"
                               "生成该事项的一次性办结登记链接（默认 30 天内有效），打印到标准输出。\n"
                               "持有链接的人可以登记完成，请只发给责任人。\n");
                        return 0;
                case 'd': {
                        char *end;
                        days = strtol(optarg, &end, 10);
                        if (*end || days < 1 || days > 3660) {
                                fprintf(stderr, "done-link: --days 应为 1 到 3660\n");
                                return EXIT_USAGE;
                        }
                        break;
                }
                default: return EXIT_USAGE;
                }
        }
        if (optind != argc - 1) {
                fprintf(stderr, "done-link: 需要一个事项编号（dutyctl upcoming 查看）\n");
                return EXIT_USAGE;
        }
        Config *c = NULL;
        int r = ctl_load_config(&c);
        if (r)
                return r;
        Occurrence occ;
        if (schedule_find(c, argv[optind], &occ) < 0) {
                fprintf(stderr, "done-link: 没有事项 '%s'\n", argv[optind]);
                return config_free(c), 1;
        }
        char id[OCCURRENCE_ID_MAX];
        occurrence_id(c, &occ, id, sizeof(id));
        Store *s = NULL;
        if (ctl_open_store(c, &s))
                return config_free(c), 1;
        _cleanup_free_ char *tok = NULL, *url = NULL, *served = NULL;
        (void)store_meta_get(s, META_SERVED_ADDRESS, &served); /* written by the running daemon */
        r = donelink_init(s);
        if (r == 0)
                r = donelink_make(s, id, clock_now() + days * 86400, &tok);
        if (r == 0 && !(url = donelink_url(c, served, tok)))
                r = -ENOMEM;
        if (r < 0)
                fprintf(stderr, "done-link: 失败：%s\n",
                        r == -EIO ? store_errmsg(s) : strerror(-r));
        else
                printf("%s\n", url);
        store_close(s);
        config_free(c);
        return r < 0 ? 1 : 0;
}
