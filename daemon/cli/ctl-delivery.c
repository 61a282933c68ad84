/* ctl-delivery.c — see ctl-delivery.h. */
#include "ctl-delivery.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "ctl.h"
#include "load.h"
#include "outbox.h"
#include "sender.h"
#include "store.h"
#include "table.h"
#include "tz.h"
#include "util.h"

static int open_store(const Config *c, Store **ret) {
        if (ctl_open_store(c, ret))
                return -EIO;
        int r = outbox_init(*ret);
        if (r < 0) {
                fprintf(stderr, "无法初始化发件箱：%s\n", store_errmsg(*ret));
                *ret = store_close(*ret);
        }
        return r;
}

/* Queues one test message to `ch` and sends it now; prints the outcome. An exit status. */
static int send_test(Store *store, const Config *cfg, const Channel *ch) {
        int64_t now = clock_now();
        char date[64] = "";
        struct tm tm;
        tz_tm((time_t)now, &tm);
        strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
        const char *org = cfg->org_name ? cfg->org_name : "dutyd";
        _cleanup_free_ char *text =
                strfmt("【%s·安全生产履职提醒】这是一条测试消息（%s，通道 %s）。"
                       "收到即表示提醒可以送达本群/本邮箱。",
                       org, date, ch->id);
        _cleanup_free_ char *subject = strfmt("【%s】dutyd 测试消息", org);
        _cleanup_free_ char *stamp =
                strfmt("test:%" PRId64 ":%ld", clock_now_usec(), (long)random());
        const char *rcpt = ch->type == CHANNEL_SMTP && ch->n_to ? ch->to[0] : "";
        if (!text || !subject || !stamp)
                return 1;
        if (ch->type == CHANNEL_SMTP && !*rcpt) {
                fprintf(stderr, "邮件通道 %s 没有配置收件人（to）。\n", ch->id);
                return 1;
        }
        const char *occ[] = {stamp}, *steps[] = {"test"};
        char did[OUTBOX_ID_LEN + 1];
        compose_delivery_id(occ, steps, 1, ch->id, rcpt, did);
        json_t *content = json_pack("{s:s, s:s, s:s, s:[], s:[]}", "kind", "test", "subject",
                                    subject, "text", text, "mentions", "items");
        _cleanup_free_ char *dump = content ? json_dumps(content, JSON_COMPACT) : NULL;
        json_decref(content);
        if (!dump || outbox_insert(store, did, ch->id, rcpt, "test", stamp, dump, now, now + 3600,
                                   NULL) < 0) {
                fprintf(stderr, "无法写入发件箱：%s\n", store_errmsg(store));
                return 1;
        }
        uint64_t timeout =
                (uint64_t)((ch->timeout_sec > 0 ? ch->timeout_sec : DEFAULT_CHANNEL_TIMEOUT) + 5) *
                1000000;
        SenderStats st = {0};
        int r = sender_run(store, cfg, did, true, timeout, &st);
        if (st.sent == 1) {
                printf("✓ 测试消息已送达通道 %s（%s），投递编号 %s。\n", ch->id,
                       channel_type_to_string(ch->type), did);
                return 0;
        }
        if (r == -ETIMEDOUT) {
                printf("✗ 通道 %s 在 %" PRIu64 " 秒内没有应答（投递编号 %s）。\n", ch->id,
                       timeout / 1000000, did);
                (void)outbox_mark_failed(store, did, clock_now(), "send-test 超时");
        } else
                printf("✗ 发送到通道 %s 失败：%s（投递编号 %s）\n", ch->id,
                       st.last_error[0] ? st.last_error : strerror(r < 0 ? -r : EIO), did);
        return 1;
}

static int run_send_test(Config *cfg, const void *args) {
        const char *id = args;
        ssize_t ci = config_find_channel(cfg, id);
        if (ci < 0) {
                fprintf(stderr, "没有名为 %s 的通道。\n", id);
                return 1;
        }
        /* Sending needs the channel's secrets (signing keys, SMTP password). */
        Diags d = {0};
        int r = config_load_secrets(cfg, &d);
        diags_print(&d, stderr);
        diags_done(&d);
        if (r < 0)
                return EXIT_CONFIG;
        Store *store = NULL;
        if (open_store(cfg, &store) < 0)
                return 1;
        r = send_test(store, cfg, &cfg->channels[ci]);
        store_close(store);
        return r;
}

int verb_send_test(int argc, char **argv) {
        static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {}};
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                if (c == 'h') {
                        printf("用法：dutyctl send-test 通道ID\n立即向该通道发送一条测试消息并显示结果。\n");
                        return 0;
                }
                return EXIT_USAGE;
        }
        if (optind + 1 != argc) {
                fprintf(stderr, "用法：dutyctl send-test 通道ID\n");
                return EXIT_USAGE;
        }
        return ctl_with_config(run_send_test, argv[optind]);
}

/* MM-DD HH:MM:SS in the organisation's zone, "-" for none. */
static void fmt_time(int64_t t, char *buf, size_t n) {
        struct tm tm;
        if (t <= 0) {
                snprintf(buf, n, "-");
                return;
        }
        tz_tm((time_t)t, &tm);
        strftime(buf, n, "%m-%d %H:%M:%S", &tm);
}

static void print_outbox_json(const OutboxRow *rows, size_t n) {
        for (size_t i = 0; i < n; i++) {
                json_t *o = json_pack(
                        "{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:I, s:I, s:s?}", "id",
                        rows[i].id, "state", outbox_state_to_string(rows[i].state), "channel",
                        rows[i].channel, "recipient", rows[i].recipient, "kind", rows[i].kind,
                        "occurrence", rows[i].occurrence, "attempts", rows[i].attempts, "created",
                        (json_int_t)rows[i].created, "next_attempt",
                        (json_int_t)rows[i].next_attempt, "give_up", (json_int_t)rows[i].give_up,
                        "sent", (json_int_t)rows[i].sent, "last_error", rows[i].last_error);
                char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
                if (s)
                        puts(s);
                free(s);
                json_decref(o);
        }
}

static int print_outbox_table(const OutboxRow *rows, size_t n) {
        static const char *const hdr[] = {"投递编号", "状态", "通道",      "收件人", "类型",
                                          "次数",     "创建", "下次/送达", "事项",   "最后错误"};
        Table *t = table_new(ELEMENTSOF(hdr), hdr);
        int r = t ? 0 : -ENOMEM;
        for (size_t i = 0; r == 0 && i < n; i++) {
                char att[16], created[32], next[32], id[13];
                snprintf(id, sizeof id, "%.12s", rows[i].id);
                snprintf(att, sizeof att, "%d", rows[i].attempts);
                fmt_time(rows[i].created, created, sizeof created);
                fmt_time(rows[i].state == OUTBOX_SENT     ? rows[i].sent
                         : rows[i].state == OUTBOX_FAILED ? 0
                                                          : rows[i].next_attempt,
                         next, sizeof next);
                const char *cells[] = {id,
                                       outbox_state_to_zh(rows[i].state),
                                       rows[i].channel,
                                       *rows[i].recipient ? rows[i].recipient : "（群）",
                                       rows[i].kind,
                                       att,
                                       created,
                                       next,
                                       rows[i].occurrence,
                                       rows[i].last_error ? rows[i].last_error : ""};
                r = table_add(t, cells);
        }
        if (r == 0)
                table_print(t, stdout);
        table_free(t);
        return r;
}

typedef struct OutboxArgs {
        bool failed, json;
} OutboxArgs;

static int run_outbox(Config *cfg, const void *args) {
        const OutboxArgs *a = args;
        Store *store = NULL;
        OutboxRow *rows = NULL;
        size_t n = 0;
        int r = open_store(cfg, &store);
        if (r == 0 && (r = outbox_list(store, a->failed, &rows, &n)) < 0)
                fprintf(stderr, "无法读取发件箱：%s\n", store_errmsg(store));
        if (r == 0 && a->json)
                print_outbox_json(rows, n);
        else if (r == 0 && n == 0)
                printf(a->failed ? "没有发送失败的消息。\n" : "发件箱是空的。\n");
        else if (r == 0)
                r = print_outbox_table(rows, n);
        outbox_rows_free(rows, n);
        store_close(store);
        return r < 0 ? 1 : 0;
}

int verb_outbox(int argc, char **argv) {
        static const struct option opts[] = {{"failed", no_argument, NULL, 'f'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"help", no_argument, NULL, 'h'},
                                             {}};
        OutboxArgs a = {0};
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "fjh", opts, NULL)) >= 0) {
                switch (c) {
                case 'f': a.failed = true; break;
                case 'j': a.json = true; break;
                case 'h':
                        printf("用法：dutyctl outbox [--failed] [--json]\n"
                               "列出发件箱中的消息（--failed 只列出失败的）。\n");
                        return 0;
                default: return EXIT_USAGE;
                }
        }
        if (optind != argc) {
                fprintf(stderr, "用法：dutyctl outbox [--failed] [--json]\n");
                return EXIT_USAGE;
        }
        return ctl_with_config(run_outbox, &a);
}
