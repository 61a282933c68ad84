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
        const char *id = argv[optind];
        Config *cfg = NULL;
        int r = ctl_load_config(&cfg);
        if (r != 0)
                return r;
        ssize_t ci = config_find_channel(cfg, id);
        if (ci < 0) {
                fprintf(stderr, "没有名为 %s 的通道。\n", id);
                config_free(cfg);
                return 1;
        }
        const Channel *ch = &cfg->channels[ci];
        /* Sending needs the channel's secrets (signing keys, SMTP password). */
        Diags d = {0};
        r = config_load_secrets(cfg, &d);
        diags_print(&d, stderr);
        diags_done(&d);
        if (r < 0) {
                config_free(cfg);
                return EXIT_CONFIG;
        }
        Store *store = NULL;
        if (open_store(cfg, &store) < 0) {
                config_free(cfg);
                return 1;
        }
        int64_t now = clock_now();
        char date[64] = "";
        time_t t = (time_t)now;
        struct tm tm;
        if (localtime_r(&t, &tm))
                strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
        _cleanup_free_ char *text =
                strfmt("【%s·安全生产履职提醒】这是一条测试消息（%s，通道 %s）。"
                       "收到即表示提醒可以送达本群/本邮箱。",
                       cfg->org_name ? cfg->org_name : "dutyd", date, ch->id);
        _cleanup_free_ char *subject =
                strfmt("【%s】dutyd 测试消息", cfg->org_name ? cfg->org_name : "dutyd");
        _cleanup_free_ char *stamp =
                strfmt("test:%" PRId64 ":%ld", clock_now_usec(), (long)random());
        const char *rcpt = ch->type == CHANNEL_SMTP && ch->n_to ? ch->to[0] : "";
        _cleanup_free_ char *dump = NULL;
        int rc = 1;
        if (!text || !subject || !stamp)
                goto out;
        if (ch->type == CHANNEL_SMTP && !*rcpt) {
                fprintf(stderr, "邮件通道 %s 没有配置收件人（to）。\n", ch->id);
                goto out;
        }
        const char *occ[] = {stamp}, *steps[] = {"test"};
        char did[OUTBOX_ID_LEN + 1];
        compose_delivery_id(occ, steps, 1, ch->id, rcpt, did);
        json_t *content = json_pack("{s:s, s:s, s:s, s:[], s:[]}", "kind", "test", "subject",
                                    subject, "text", text, "mentions", "items");
        dump = content ? json_dumps(content, JSON_COMPACT) : NULL;
        json_decref(content);
        if (!dump || outbox_insert(store, did, ch->id, rcpt, "test", stamp, dump, now, now + 3600,
                                   NULL) < 0) {
                fprintf(stderr, "无法写入发件箱：%s\n", store_errmsg(store));
                goto out;
        }
        uint64_t timeout = (uint64_t)((ch->timeout_sec > 0 ? ch->timeout_sec : 15) + 5) * 1000000;
        SenderStats st = {0};
        r = sender_run(store, cfg, did, true, timeout, &st);
        if (st.sent == 1) {
                printf("✓ 测试消息已送达通道 %s（%s），投递编号 %s。\n", ch->id,
                       channel_type_to_string(ch->type), did);
                rc = 0;
        } else if (r == -ETIMEDOUT) {
                printf("✗ 通道 %s 在 %" PRIu64 " 秒内没有应答（投递编号 %s）。\n", ch->id,
                       timeout / 1000000, did);
                (void)outbox_mark_failed(store, did, clock_now(), "send-test 超时");
        } else
                printf("✗ 发送到通道 %s 失败：%s（投递编号 %s）\n", ch->id,
                       st.last_error[0] ? st.last_error : strerror(r < 0 ? -r : EIO), did);
out:
        store_close(store);
        config_free(cfg);
        return rc;
}

static void fmt_time(int64_t t, char *buf, size_t n) {
        time_t tt = (time_t)t;
        struct tm tm;
        if (t <= 0 || !localtime_r(&tt, &tm))
                snprintf(buf, n, "-");
        else
                strftime(buf, n, "%m-%d %H:%M:%S", &tm);
}

int verb_outbox(int argc, char **argv) {
        static const struct option opts[] = {{"failed", no_argument, NULL, 'f'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"help", no_argument, NULL, 'h'},
                                             {}};
        bool failed = false, json = false;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "fjh", opts, NULL)) >= 0) {
                switch (c) {
                case 'f': failed = true; break;
                case 'j': json = true; break;
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
        Config *cfg = NULL;
        int r = ctl_load_config(&cfg);
        if (r != 0)
                return r;
        Store *store = NULL;
        OutboxRow *rows = NULL;
        size_t n = 0;
        int rc = 1;
        if (open_store(cfg, &store) < 0)
                goto out;
        if (outbox_list(store, failed, &rows, &n) < 0) {
                fprintf(stderr, "无法读取发件箱：%s\n", store_errmsg(store));
                goto out;
        }
        if (json) {
                for (size_t i = 0; i < n; i++) {
                        json_t *o = json_pack(
                                "{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:I, s:I, s:s?}",
                                "id", rows[i].id, "state", outbox_state_to_string(rows[i].state),
                                "channel", rows[i].channel, "recipient", rows[i].recipient, "kind",
                                rows[i].kind, "occurrence", rows[i].occurrence, "attempts",
                                rows[i].attempts, "created", (json_int_t)rows[i].created,
                                "next_attempt", (json_int_t)rows[i].next_attempt, "give_up",
                                (json_int_t)rows[i].give_up, "sent", (json_int_t)rows[i].sent,
                                "last_error", rows[i].last_error);
                        char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
                        if (s)
                                puts(s);
                        free(s);
                        json_decref(o);
                }
                rc = 0;
                goto out;
        }
        static const char *const hdr[] = {"投递编号", "状态", "通道",      "收件人", "类型",
                                          "次数",     "创建", "下次/送达", "事项",   "最后错误"};
        Table *t = table_new(ELEMENTSOF(hdr), hdr);
        if (!t)
                goto out;
        for (size_t i = 0; i < n; i++) {
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
                if (table_add(t, cells) < 0) {
                        table_free(t);
                        goto out;
                }
        }
        if (n == 0)
                printf(failed ? "没有发送失败的消息。\n" : "发件箱是空的。\n");
        else
                table_print(t, stdout);
        table_free(t);
        rc = 0;
out:
        outbox_rows_free(rows, n);
        store_close(store);
        config_free(cfg);
        return rc;
}
