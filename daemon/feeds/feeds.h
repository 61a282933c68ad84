/* feeds.h — the calendar feeds: which exist, what each holds, rendering one on request, and its
 * validators (writing them all to files: feedwrite.h).
 * Contract:
 *  - Feeds, in this order: "overdue" (the checkpoints not met whose deadline has passed;
 *    feeds.overdue), "summary" (one event per duty and checkpoint of a period, counting how many
 *    of its posts — per-holder duties: holders — met it: "已完成 k/N 岗位"; feeds.summary),
 *    "post-<id>" (the post's occurrences), "person-<id>" (occurrences of the posts the person
 *    holds on the deadline; per-holder duties: only their own), posts and people in config
 *    order. Each covers the deadlines in [today - feeds.past_days, today + feeds.future_days].
 *  - Every feed is bounded: at most feeds.max_events events (default 500, about 0.7 MB, under
 *    the ~1 MB calendar clients accept). When more fall in the window it keeps the ones nearest
 *    to today (an upcoming one before a past one as near), and its calendar DESCRIPTION and
 *    X-WR-CALDESC say how many it lists of how many, and the dates they span.
 *  - feeds_render() makes one feed's bytes on its own: post and person feeds plan only their
 *    assignments (FeedIndex: post → duties); overdue and summary plan the organisation in date
 *    chunks growing outward from today (each at most about 64k occurrences) and stop once the
 *    nearest events are known. Memory: one feed's events (≤ 2 × max_events while choosing) and
 *    one chunk, never the whole calendar. Versions (ical.h) come from a FeedVersionReader the
 *    caller has opened (feedversion_reader_begin) on the inputs' generation and completions.
 *  - feeds_etag(): a strong ETag from what determines a feed's bytes — its name, today, the
 *    generation (feedversion.h), the completion version and the feed settings — never from the
 *    bytes: the same inputs always render the same bytes.
 *  - No logging; every function returns 0 or a negative errno. */
#pragma once
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "completion.h"
#include "config.h"
#include "feedversion.h"
#include "ical.h"
#include "util.h"

#define FEED_NAME_MAX 80
#define FEED_ETAG_LEN 67 /* "\"<64 hex>\"" and NUL */

typedef enum FeedKind {
        FEED_OVERDUE,
        FEED_SUMMARY,
        FEED_POST,
        FEED_PERSON,
} FeedKind;

typedef struct FeedRef {
        FeedKind kind;
        size_t index; /* post or person index */
} FeedRef;

/* Per config: each post's duties, and posts and people sorted by id (name lookups). */
typedef struct FeedIndex FeedIndex;
int feed_index_new(const Config *c, FeedIndex **ret);
FeedIndex *feed_index_free(FeedIndex *x);

size_t feeds_count(const Config *c);
FeedRef feeds_nth(const Config *c, size_t i);
void feeds_name(const Config *c, FeedRef f, char out[static FEED_NAME_MAX]);
/* The calendar's name, e.g. 大栗港镇安全生产履职日历·张三 (malloc'd). */
char *feeds_title(const Config *c, FeedRef f);
/* -ENOENT for a name that is no feed of the config. `x` may be NULL (a linear search). */
int feeds_find(const Config *c, const FeedIndex *x, const char *name, FeedRef *ret);

/* What a feed's bytes are made from. */
typedef struct FeedInputs {
        const Config *config;
        const FeedIndex *index;
        const Ledger *ledger; /* NULL: nothing recorded */
        FeedGeneration generation;
        CompletionVersion completions;
} FeedInputs;

void feeds_etag(const FeedInputs *in, const char *name, Day today, char out[static FEED_ETAG_LEN]);

typedef struct FeedRenderStats {
        size_t events; /* in the feed */
        size_t total;  /* in its window */
} FeedRenderStats;

/* Appends the whole iCalendar text of feed `f` to `out`. `rd` (for in->config; may be NULL: one
 * for this feed) serialises the events: one kept for many feeds renders each distinct text once.
 * `cancel` (may be NULL) is polled: -ECANCELED once it is set. `ret` may be NULL. */
int feeds_render(const FeedInputs *in, FeedVersionReader *vr, IcalRenderer *rd, FeedRef f,
                 Day today, const atomic_int *cancel, Buf *out, FeedRenderStats *ret);
