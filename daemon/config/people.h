/* people.h — the `documents`, `posts` and `people` lists: who holds which post when, and the
 * documents duties cite.
 * Contract: each function fills item `idx` of its list from node `n` (keys.h conventions); a
 * person's tenures name posts by id and may name ones defined further on. */
#pragma once
#include <stddef.h>

#include "keys.h"

int parse_document(Loader *L, const YNode *n, size_t idx);
int parse_post(Loader *L, const YNode *n, size_t idx);
int parse_person(Loader *L, const YNode *n, size_t idx);
