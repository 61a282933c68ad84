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

/* The verbs whose modules link libcurl, libmicrohttpd or libxlsxwriter are CTL_FULL(fn). Built
 * with DUTYCTL_LITE (the installed `dutyctl`) they run `dutyctl-full`, which has every verb:
 * the lite program maps about 30 shared libraries instead of about 60, and the verbs people and
 * scripts run most (check, upcoming, explain, done …) start in half the time. */
#ifdef DUTYCTL_LITE
#define CTL_FULL(fn) ctl_run_full
int ctl_run_full(int argc, char **argv);
#else
#define CTL_FULL(fn) fn
#endif

/* clang-format off */
#define CTL_EXTRA_VERBS \
        {"done", verb_done, N_("record a completion")}, \
        {"undo", verb_undo, N_("withdraw a completion")}, \
        {"history", verb_history, N_("list the completions recorded")}, \
        {"send-test", CTL_FULL(verb_send_test), N_("send a test message to a channel now")}, \
        {"outbox", CTL_FULL(verb_outbox), N_("list the outbox")}, \
        CTL_EXPLAIN_VERBS \
        CTL_IDS_VERBS \
        CTL_FEEDS_VERBS \
        CTL_REPORT_VERBS \
        CTL_EVENT_VERBS \
        CTL_CONSOLE_VERBS
/* clang-format on */
