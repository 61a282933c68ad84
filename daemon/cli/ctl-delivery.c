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
#include "i18n.h"
#include "util.h"

static int open_store(const Config *c, Store **ret) {
        if (ctl_open_store(c, ret))
                return -EIO;
        int r = outbox_init(*ret);
        if (r < 0) {
                fprintf(stderr, _("cannot initialize the outbox: %s\n"), store_errmsg(*ret));
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
                fprintf(stderr, _("The mail channel %s has no recipient (to).\n"), ch->id);
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
                fprintf(stderr, _("cannot write to the outbox: %s\n"), store_errmsg(store));
                return 1;
        }
        uint64_t timeout =
                (uint64_t)((ch->timeout_sec > 0 ? ch->timeout_sec : DEFAULT_CHANNEL_TIMEOUT) + 5) *
                1000000;
        SenderStats st = {0};
        int r = sender_run(store, cfg, did, true, timeout, &st);
        if (st.sent == 1) {
                printf(_("✓ The test message was delivered to channel %s (%s), delivery %s.\n"),
                       ch->id, channel_type_to_string(ch->type), did);
                return 0;
        }
        if (r == -ETIMEDOUT) {
                printf(_("✗ Channel %s did not answer within %llu seconds (delivery %s).\n"),
                       ch->id, (unsigned long long)(timeout / 1000000), did);
                (void)outbox_mark_failed(store, did, clock_now(), _("send-test timed out"));
        } else
                printf(_("✗ Sending to channel %s failed: %s (delivery %s)\n"), ch->id,
                       st.last_error[0] ? st.last_error : strerror(r < 0 ? -r : EIO), did);
        return 1;
}

static int run_send_test(Config *cfg, const void *args) {
        const char *id = args;
        ssize_t ci = config_find_channel(cfg, id);
        if (ci < 0) {
                fprintf(stderr, _("There is no channel named %s.\n"), id);
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
                        printf(_(
                                "Usage: dutyctl send-test CHANNEL\nSend a test message to the channel now and show the result.\n"));
                        return 0;
                }
                return EXIT_USAGE;
        }
        if (optind + 1 != argc) {
                fprintf(stderr, _("Usage: dutyctl send-test CHANNEL\n"));
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
        static const char *const hdr_en[] = {
                N_("Delivery"), N_("Status"),  N_("Channel"),   N_("Recipient"),  N_("Kind"),
                N_("Attempts"), N_("Created"), N_("Next/sent"), N_("Occurrence"), N_("Last error")};
        const char *hdr[ELEMENTSOF(hdr_en)];
        table_translate(hdr, hdr_en, ELEMENTSOF(hdr));
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
                                       outbox_state_to_text(rows[i].state),
                                       rows[i].channel,
                                       *rows[i].recipient ? rows[i].recipient : _("(group)"),
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
                fprintf(stderr, _("cannot read the outbox: %s\n"), store_errmsg(store));
        if (r == 0 && a->json)
                print_outbox_json(rows, n);
        else if (r == 0 && n == 0)
                printf(a->failed ? _("No message was given up.\n") : _("The outbox is empty.\n"));
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
                        printf(_(
                                "Usage: dutyctl outbox [--failed] [--json]\n"
                                "List the messages in the outbox (--failed: only those given up).\n"));
                        return 0;
                default: return EXIT_USAGE;
                }
        }
        if (optind != argc) {
                fprintf(stderr, _("Usage: dutyctl outbox [--failed] [--json]\n"));
                return EXIT_USAGE;
        }
        return ctl_with_config(run_outbox, &a);
}
