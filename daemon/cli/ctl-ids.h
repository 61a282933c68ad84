/* ctl-ids.h — `dutyctl ids KIND`: the identifiers of a config, one a line, for scripts and the
 * shell completion (completion/dutyctl). Contract: a verb as in ctl.h. */
#pragma once

int verb_ids(int argc, char **argv);

/* clang-format off */
#define CTL_IDS_VERBS {"ids", verb_ids, N_("list the ids of the configuration, one a line")},
/* clang-format on */
