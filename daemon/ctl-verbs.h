/* ctl-verbs.h — the verbs other modules add to dutyctl (feeds, delivery, records).
 * Contract: each entry is {name, function, one-line Chinese help}; see ctl.h for the rules. */
#pragma once

#define CTL_EXTRA_VERBS
