/* ctl-explain.h — `dutyctl explain PHRASE…` and `check --explain`: how rules were understood.
 * Contract: verbs as in ctl.h; the text is Chinese, each rule with its next deadlines on the
 * config's holiday calendar. */
#pragma once
#include "config.h"

int verb_explain(int argc, char **argv);
/* Every duty of `c`: its rule as understood and its next deadlines from `today`. */
void ctl_explain_duties(const Config *c, Day today);

/* clang-format off */
#define CTL_EXPLAIN_VERBS {"explain", verb_explain, N_("explain rule phrases and their next deadlines")},
/* clang-format on */
