/* channels.h — the `channels` and `routes` lists: where reminders go, and which go where.
 * Contract: each function fills item `idx` of its list from node `n` (keys.h conventions). A
 * channel's secrets are named ({file: PATH} or {credential: NAME}), never written in the YAML:
 * the loader keeps where each was set; secrets.h reads them. A channel is checked whole (what
 * its type needs, URLs it can deliver to). */
#pragma once
#include <stddef.h>

#include "keys.h"

int parse_channel(Loader *L, const YNode *n, size_t idx);
int parse_route(Loader *L, const YNode *n, size_t idx);
