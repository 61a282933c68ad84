/* delivery-driver.c — test-only driver for tests/integration/test-delivery.sh and
 * bench/delivery.sh: builds a Config by hand from a small JSON spec (so it does not depend on
 * the YAML loader), queues messages through outbox_queue() and runs the real sender.
 *   driver SPEC enqueue CHANNEL N [PREFIX]   N one-item messages (occurrence PREFIX-i:p:2026-Q4:1),
 *                                            one transaction each (outbox_queue)
 *   driver SPEC enqueue-batch CHANNEL N B     the same, B messages a transaction (outbox_queue_many)
 *   driver SPEC group CHANNEL N MOBILE       one grouped message of N items, @MOBILE
 *   driver SPEC run TIMEOUT_SEC              send until drained (exit 0) or timeout (exit 3)
 *   driver SPEC list                         id state attempts channel | last_error
 * SPEC: {"state":DIR,"org":"…","timezone":"Asia/Shanghai","channels":[{"id","type","url",
 *        "key","secret","username","password","from","from_name","to":[…],"rate_per_minute",
 *        "timeout","give_up_hours","insecure_tls","ca_file"}]} */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "i18n.h"
#include "outbox.h"
#include "sender.h"
#include "util.h"

static char *jstr(json_t *o, const char *k) {
        const char *s = json_string_value(json_object_get(o, k));
        return s ? strdup(s) : NULL;
}

static int load(const char *path, Config *c, json_t **ret) {
        json_error_t e;
        json_t *j = json_load_file(path, 0, &e);
        if (!j) {
                fprintf(stderr, "%s:%d: %s\n", path, e.line, e.text);
                return -EINVAL;
        }
        c->state_dir = jstr(j, "state");
        c->org_name = jstr(j, "org");
        c->timezone = jstr(j, "timezone");
        json_t *chs = json_object_get(j, "channels");
        c->n_channels = json_array_size(chs);
        c->channels = calloc(c->n_channels + 1, sizeof(Channel));
        if (!c->channels)
                return -ENOMEM;
        static const char *const types[] = {"wecom", "dingtalk", "feishu", "webhook", "smtp"};
        for (size_t i = 0; i < c->n_channels; i++) {
                json_t *o = json_array_get(chs, i);
                Channel *ch = &c->channels[i];
                const char *t = json_string_value(json_object_get(o, "type"));
                for (size_t k = 0; k < ELEMENTSOF(types); k++)
                        if (t && streq(t, types[k]))
                                ch->type = (ChannelType)k;
                ch->id = jstr(o, "id");
                ch->url = jstr(o, "url");
                ch->key.value = jstr(o, "key");
                ch->secret.value = jstr(o, "secret");
                ch->username = jstr(o, "username");
                ch->password.value = jstr(o, "password");
                ch->from = jstr(o, "from");
                ch->from_name = jstr(o, "from_name");
                json_t *to = json_object_get(o, "to");
                ch->n_to = json_array_size(to);
                ch->to = calloc(ch->n_to + 1, sizeof(char *));
                for (size_t k = 0; k < ch->n_to; k++)
                        ch->to[k] = strdup(json_string_value(json_array_get(to, k)));
                ch->rate_per_minute =
                        (int)json_integer_value(json_object_get(o, "rate_per_minute"));
                ch->timeout_sec = (int)json_integer_value(json_object_get(o, "timeout"));
                ch->give_up_hours = (int)json_integer_value(json_object_get(o, "give_up_hours"));
                ch->insecure_tls = json_is_true(json_object_get(o, "insecure_tls"));
                ch->ca_file = jstr(o, "ca_file");
        }
        *ret = j;
        return 0;
}

static MessageItem mk(const char *occ, int i) {
        static const char *const titles[] = {"安全生产例会", "安全隐患排查", "应急演练",
                                             "安全生产工作报告"};
        return (MessageItem){
                .kind = TEMPLATE_UPCOMING,
                .occurrence = occ,
                .step = "b7",
                .duty = "duty",
                .title = titles[i % 4],
                .kind_zh = "会议",
                .post = "镇长",
                .holders = "张三",
                .due = "2026-12-31",
                .days = 7,
                .period = "2026-Q4",
                .checkpoint = 1,
                .of = 1,
                .basis = "大栗港镇安全生产责任制实施意见（大发〔2019〕45号）二、（一）3"};
}

int main(int argc, char **argv) {
        Config cfg = {0};
        json_t *spec = NULL;
        Store *store = NULL;
        i18n_setup(); /* the sender's errors in the caller's language, as dutyd's */
        if (argc < 3 || load(argv[1], &cfg, &spec) < 0)
                return 2;
        int r = store_open(cfg.state_dir, &store);
        if (r < 0 || outbox_init(store) < 0) {
                fprintf(stderr, "store: %s\n", strerror(-r));
                return 1;
        }
        const char *verb = argv[2];
        if ((streq(verb, "enqueue") || streq(verb, "enqueue-batch") || streq(verb, "group")) &&
            argc >= 5) {
                ssize_t ci = -1;
                for (size_t i = 0; i < cfg.n_channels; i++)
                        if (streq(cfg.channels[i].id, argv[3]))
                                ci = (ssize_t)i;
                if (ci < 0)
                        return 2;
                int n = atoi(argv[4]);
                const char *prefix = streq(verb, "enqueue") && argc >= 6 ? argv[5] : "d";
                size_t per_tx =
                        streq(verb, "enqueue-batch") && argc >= 6 ? (size_t)atoi(argv[5]) : 0;
                char(*occ)[64] = calloc((size_t)n, 64);
                MessageItem *its = calloc((size_t)n, sizeof *its);
                const Channel *ch = &cfg.channels[ci];
                const char *rcpt = ch->type == CHANNEL_SMTP && ch->n_to ? ch->to[0] : "";
                size_t total = 0, q;
                for (int i = 0; i < n; i++) {
                        snprintf(occ[i], 64, "%s%d:mayor:2026-Q4:1", prefix, i);
                        its[i] = mk(occ[i], i);
                }
                if (streq(verb, "enqueue"))
                        for (int i = 0; i < n; i++) {
                                OutboxRequest req = {.channel = (size_t)ci,
                                                     .recipient = rcpt,
                                                     .items = &its[i],
                                                     .n_items = 1};
                                if (outbox_queue(store, &cfg, &req, clock_now(), &q) < 0)
                                        return 1;
                                total += q;
                        }
                else if (per_tx > 0) {
                        OutboxRequest *reqs = calloc(per_tx, sizeof *reqs);
                        for (size_t i = 0; reqs && i < (size_t)n; i += per_tx) {
                                size_t k = (size_t)n - i < per_tx ? (size_t)n - i : per_tx;
                                for (size_t j = 0; j < k; j++)
                                        reqs[j] = (OutboxRequest){.channel = (size_t)ci,
                                                                  .recipient = rcpt,
                                                                  .items = &its[i + j],
                                                                  .n_items = 1};
                                if (outbox_queue_many(store, &cfg, reqs, k, clock_now(), &q) < 0)
                                        return 1;
                                total += q;
                        }
                        free(reqs);
                } else {
                        char *m[1] = {argc >= 6 ? argv[5] : NULL};
                        OutboxRequest req = {.channel = (size_t)ci,
                                             .recipient = rcpt,
                                             .items = its,
                                             .n_items = (size_t)n,
                                             .mentions = m,
                                             .n_mentions = m[0] ? 1 : 0};
                        if (outbox_queue(store, &cfg, &req, clock_now(), &total) < 0)
                                return 1;
                }
                printf("queued %zu\n", total);
                free(occ);
                free(its);
        } else if (streq(verb, "run") && argc >= 4) {
                SenderStats st;
                r = sender_run(store, &cfg, NULL, false, (uint64_t)(atof(argv[3]) * 1e6), &st);
                printf("sent=%u retried=%u failed=%u\n", st.sent, st.retried, st.failed);
                if (st.last_error[0])
                        printf("last_error=%s\n", st.last_error);
                store_close(store);
                return r == -ETIMEDOUT ? 3 : r < 0 ? 1 : 0;
        } else if (streq(verb, "list")) {
                OutboxRow *rows;
                size_t n;
                if (outbox_list(store, false, &rows, &n) < 0)
                        return 1;
                for (size_t i = 0; i < n; i++)
                        printf("%s %s %d %s | %s\n", rows[i].id,
                               outbox_state_to_string(rows[i].state), rows[i].attempts,
                               rows[i].channel, rows[i].last_error ? rows[i].last_error : "");
                outbox_rows_free(rows, n);
        } else
                return 2;
        store_close(store);
        json_decref(spec);
        return 0;
}
