/* testmessage.h — the reminder items and channels that the compose and outbox tests share: a
 * config of four channels (TEST_CH_*) and a quarterly meeting item of 镇长 (张三、李四). */
#pragma once
#include "config.h"
#include "message.h"

enum { TEST_CH_WECOM, TEST_CH_HOOK, TEST_CH_DING, TEST_CH_MAIL, TEST_N_CH };

/* cfg: org 大栗港镇, channels ch[TEST_N_CH]: WeCom "wecom-town" (gives up after 2 h), webhook
 * "hook", DingTalk "ding", SMTP "mail". */
static inline void test_message_config(Config *cfg, Channel ch[TEST_N_CH]) {
        ch[TEST_CH_WECOM] =
                (Channel){.id = (char *)"wecom-town", .type = CHANNEL_WECOM, .give_up_hours = 2};
        ch[TEST_CH_HOOK] =
                (Channel){.id = (char *)"hook", .type = CHANNEL_WEBHOOK, .url = (char *)"http://x"};
        ch[TEST_CH_DING] = (Channel){.id = (char *)"ding", .type = CHANNEL_DINGTALK};
        ch[TEST_CH_MAIL] = (Channel){.id = (char *)"mail", .type = CHANNEL_SMTP};
        cfg->channels = ch;
        cfg->n_channels = TEST_N_CH;
        cfg->org_name = (char *)"大栗港镇";
}

static inline MessageItem test_item(const char *occ, const char *step, TemplateKind k) {
        return (MessageItem){.kind = k,
                             .occurrence = occ,
                             .step = step,
                             .duty = "meeting",
                             .title = "安全生产例会",
                             .post = "镇长",
                             .holders = "张三、李四",
                             .due = "2026-12-31",
                             .days = 7,
                             .period = "2026-Q4",
                             .checkpoint = 1,
                             .of = 1,
                             .basis = "第九条"};
}
