/* feeds.h — which calendar feeds exist, what each contains, writing them to files, and the
 * in-memory cache the HTTP server serves from.
 * Contract:
 *  - Feeds: "org" (every occurrence), "post-<id>" (the post's occurrences) and "person-<id>"
 *    (occurrences of the posts the person holds on the deadline; per-holder duties: only their
 *    own), in that order, posts and people in config order. Each covers the deadlines in
 *    [today - feeds.past_days, today + feeds.future_days]. Planning is one schedule_plan() call;
 *    each occurrence's VEVENT is rendered once (ical_render_event) and shared by every feed
 *    containing it, so a feed's bytes depend only on the config, `today`'s window and statuses.
 *  - feeds_write(): every feed to DIR/<feed>.ics; a file whose bytes are already right is not
 *    touched; others are replaced atomically (temporary file in DIR, fsync, rename, fsync DIR).
 *  - FeedCache: per feed a reference-counted body, a strong ETag (SHA-256 of the body) and
 *    Last-Modified (the time this cache first held these bytes: kept while they stay the same,
 *    strictly increasing when they change), plus the feed's secret token (feedtoken.h). Bodies
 *    stay valid while referenced (an HTTP response in flight keeps its body across updates).
 *  - No logging; every function returns 0 or a negative errno. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"
#include "feedtoken.h"
#include "ical.h"
#include "schedule.h"
#include "store.h"

#define FEED_NAME_MAX 80

typedef enum FeedKind {
        FEED_ORG,
        FEED_POST,
        FEED_PERSON,
} FeedKind;

typedef struct Feed {
        char name[FEED_NAME_MAX]; /* org, post-<id>, person-<id> */
        FeedKind kind;
        size_t index;  /* post or person index (0 for org) */
        char *title;   /* calendar name, e.g. 大栗港镇安全生产履职日历·张三 */
        uint32_t *occ; /* indices into FeedSet.occ, in deadline order */
        size_t n_occ, cap;
} Feed;

/* Fills the status of one occurrence (issue 6: from completions). NULL = all zero. */
typedef int (*FeedStatusFn)(void *userdata, const Config *c, const Occurrence *o, Day today,
                            FeedStatus *ret);

typedef struct FeedSet {
        const Config *config; /* borrowed; must outlive the set */
        Day today, from, to;
        OccurrenceList occ;
        FeedStatus *status; /* parallel to occ */
        char **events;      /* parallel to occ: rendered VEVENTs, filled on first use */
        size_t *event_len;
        Feed *feeds;
        size_t n_feeds;
} FeedSet;

int feedset_new(const Config *c, Day today, FeedStatusFn fn, void *userdata, FeedSet **ret);
FeedSet *feedset_free(FeedSet *s);
/* Index of the feed named `name`, or -ENOENT. */
ssize_t feedset_find(const FeedSet *s, const char *name);
/* The whole iCalendar text of feed `i` (malloc'd). */
int feedset_render(FeedSet *s, size_t i, char **ret, size_t *ret_len);

typedef struct FeedsWriteStats {
        size_t feeds, written, unchanged;
        uint64_t bytes; /* total size of all feeds */
} FeedsWriteStats;

/* Writes every feed of the set into `dir` (created 0755 if missing). */
int feeds_write(FeedSet *s, const char *dir, FeedsWriteStats *ret);
/* Writes one file DIR/NAME atomically unless it already holds exactly these bytes;
 * *ret_written tells which. Does not fsync the folder (the caller does, once). */
int feeds_write_file(int dir_fd, const char *name, const char *data, size_t len,
                     bool *ret_written);

/* The folder feeds are written to: feeds.dir, else STATE/feeds. malloc'd. */
char *feeds_default_dir(const Config *c, const char *state_dir);

typedef struct FeedBody FeedBody;
FeedBody *feed_body_ref(FeedBody *b);
void feed_body_unref(void *b); /* a FeedBody*; void* to serve as a free callback */
const char *feed_body_data(const FeedBody *b);
size_t feed_body_size(const FeedBody *b);

typedef struct FeedEntry {
        char name[FEED_NAME_MAX];
        FeedBody *body;
        char etag[67];        /* "\"<64 hex>\"" with the quotes */
        time_t last_modified; /* seconds */
        char token[FEEDTOKEN_LEN + 1]; /* "" until tokens are loaded: never served then */
} FeedEntry;

typedef struct FeedCache {
        FeedEntry *entries; /* sorted by name */
        size_t n;
} FeedCache;

int feed_cache_new(FeedCache **ret);
FeedCache *feed_cache_free(FeedCache *fc);
/* Renders every feed of `s` into the cache, replacing its content; `now` stamps changed feeds.
 * Feeds gone from the set disappear. Tokens of feeds still present are kept. */
int feed_cache_update(FeedCache *fc, FeedSet *s, time_t now);
/* Reads the token of every cached feed from the state (creating missing ones). */
int feed_cache_load_tokens(FeedCache *fc, Store *store);
const FeedEntry *feed_cache_find(const FeedCache *fc, const char *name);
