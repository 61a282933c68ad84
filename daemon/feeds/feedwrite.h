/* feedwrite.h — every calendar feed written to files (`dutyctl feeds write`): the bytes
 * feeds_render() makes, which the server would serve.
 * Contract:
 *  - feeds_write(): every feed to DIR/<name>.ics. A file already holding exactly these bytes is
 *    not touched; the others are replaced atomically: every temporary is written first, then one
 *    syncfs() of the folder's file system (fsync of each temporary if that fails), the renames,
 *    and one fsync of the folder. On error no file is replaced and the temporaries are removed.
 *    Regular files named like a feed (org.ics, overdue.ics, summary.ics, post-*.ics,
 *    person-*.ics) that are no feed of the config are removed; nothing else is touched.
 *  - No logging; every function returns 0 or a negative errno. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "feeds.h"

typedef struct FeedsWriteStats {
        size_t feeds, written, unchanged;
        size_t removed; /* stale feed files deleted */
        uint64_t bytes; /* total size of all feeds */
} FeedsWriteStats;

/* Writes every feed into `dir` (created 0775 if missing), removing stale ones. */
int feeds_write(const FeedInputs *in, FeedVersionReader *vr, Day today, const char *dir,
                FeedsWriteStats *ret);

/* The folder `dutyctl feeds write` writes to by default: feeds.dir, else STATE/feeds. */
char *feeds_default_dir(const Config *c, const char *state_dir);
