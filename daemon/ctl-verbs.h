/* ctl-verbs.h — the verbs other modules add to dutyctl (feeds, delivery, records).
 * Contract: each entry is {name, function, one-line Chinese help}; see ctl.h for the rules. */
#pragma once

#include "ctl-record.h"

#define CTL_EXTRA_VERBS                                                                            \
        {"done", verb_done, "记录一次履职"},                                                       \
        {"undo", verb_undo, "撤销一条履职记录"},                                                   \
        {"history", verb_history, "列出履职记录"},
