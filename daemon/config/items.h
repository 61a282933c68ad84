/* items.h — the items of the lists (documents, posts, people, duties, channels, routes), each
 * into its slot of the config's arrays as it is read, or kept for the end.
 * Contract: take_item() registers an item's id at once (so a duplicate is found where it
 * stands) and parses it; when it names an id not known yet, or a holiday before the holiday
 * data is read, what that attempt filled in and reported is undone and a copy of the item is
 * kept: parse_deferred() parses the kept items once every file is read, in reading order (an id
 * still unknown then is an error). Item indices never change. keys.h conventions. */
#pragma once
#include <stdint.h>

#include "keys.h"

/* The list a top-level key names ("posts" …, "routes"), or -1. */
int list_entity(const char *k);
int take_item(Loader *L, Entity e, YTree *t, uint32_t node);
int parse_deferred(Loader *L);
/* Gives back the unused room of the arrays grown while reading. */
void trim_arrays(Loader *L);
