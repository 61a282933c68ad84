/* ctl-verbs.h — the verbs other modules add to dutyctl (feeds, delivery, records).
 * Contract: each entry is {name, function, one-line Chinese help}; see ctl.h for the rules. */
#pragma once

#include "ctl-delivery.h"
#include "ctl-event.h"
#include "ctl-explain.h"
#include "ctl-ids.h"
#include "ctl-feeds.h"
#include "ctl-record.h"
#include "ctl-report.h"

/* clang-format off */
#define CTL_EXTRA_VERBS                                                                            \
        {"done", verb_done, "记录一次履职"},                                                       \
        {"undo", verb_undo, "撤销一条履职记录"},                                                   \
        {"history", verb_history, "列出履职记录"},                                                 \
        {"send-test", verb_send_test, "立即向渠道发送一条测试消息"},                               \
        {"outbox", verb_outbox, "列出发送队列"},                                                   \
        CTL_EXPLAIN_VERBS                                                                  \
        CTL_IDS_VERBS                                                                  \
        CTL_FEEDS_VERBS                                                                    \
        CTL_REPORT_VERBS                                                                   \
        CTL_EVENT_VERBS
/* clang-format on */
