/* ctl-verbs.h — the verbs other modules add to dutyctl (feeds, delivery, records).
 * Contract: each entry is {name, function, one-line help, N_()-marked}; see ctl.h for the rules. */
#pragma once

#include "ctl-console.h"
#include "ctl-delivery.h"
#include "ctl-event.h"
#include "ctl-explain.h"
#include "ctl-ids.h"
#include "ctl-feeds.h"
#include "ctl-record.h"
#include "ctl-report.h"

/* clang-format off */
#define CTL_EXTRA_VERBS \
        {"done", verb_done, N_("record a completion")}, \
        {"undo", verb_undo, N_("withdraw a completion")}, \
        {"history", verb_history, N_("list the completions recorded")}, \
        {"send-test", verb_send_test, N_("send a test message to a channel now")}, \
        {"outbox", verb_outbox, N_("list the outbox")}, \
        CTL_EXPLAIN_VERBS \
        CTL_IDS_VERBS \
        CTL_FEEDS_VERBS \
        CTL_REPORT_VERBS \
        CTL_EVENT_VERBS \
        CTL_CONSOLE_VERBS
/* clang-format on */
