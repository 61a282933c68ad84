/* ctl-ids.h — `dutyctl ids KIND`: the identifiers of a config, one a line, for scripts and the
 * shell completion (completion/dutyctl). Contract: a verb as in ctl.h. */
#pragma once

int verb_ids(int argc, char **argv);

/* clang-format off */
#define CTL_IDS_VERBS {"ids", verb_ids, "列出配置中的标识（职责、岗位、人员、渠道、事项、日历），每行一个"},
/* clang-format on */
