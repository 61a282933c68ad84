/* sections.h — the top-level sections that are not lists: organization, reminders, feeds,
 * server, templates, holidays, state; their defaults, and what the whole config requires.
 * Contract: sections_set_defaults() gives a new Config every default before any file is read
 * (a key set in a later file replaces the same key set earlier); parse_section() parses one
 * section `k` (key node `kn`, value `vn`; keys.h conventions); sections_check(), once every
 * file is read, fills what is derived and reports what is missing (organization.name, posts).
 * 0, -EINVAL or -ENOMEM. */
#pragma once
#include "keys.h"

int sections_set_defaults(Config *c);
int parse_section(Loader *L, const char *k, const YNode *kn, const YNode *vn);
int sections_check(Loader *L);
