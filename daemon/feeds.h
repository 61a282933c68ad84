/* feeds.h — which calendar feeds exist, what each contains, writing them to files, and the
 * cache of their validators the HTTP server serves the files with.
 * Contract:
 *  - Feeds: "org" (every occurrence; none when feeds.org is false), "post-<id>" (the post's
 *    occurrences) and "person-<id>" (occurrences of the posts the person holds on the deadline;
 *    per-holder duties: only their own), in that order, posts and people in config order. Each
 *    covers the deadlines in [today - feeds.past_days, today + feeds.future_days]. Planning is
 *    one schedule_plan() call; each occurrence's VEVENT is rendered once (ical.h: prepared, then
 *    serialised by an IcalRenderer, byte-identical to ical_render_event) and shared by every
 *    feed containing it, so a feed's bytes depend only on the config, `today`'s window and
 *    statuses.
 *  - Rendering and writing use up to FEEDS_THREADS threads (events, then whole feeds). A
 *    FeedCache keeps the rendered VEVENTs by their key (ical.h) between rebuilds, so a rebuild
 *    re-renders only events whose content or status changed.
 *  - Files: every feed to DIR/<feed>.ics; a file whose bytes are already right is not touched
 *    (known from the digest and file identity recorded by the previous build into the same
 *    folder, else compared with the file on disk); others are replaced atomically: every
 *    temporary file is written first, then one syncfs() of the folder's file system (fsync of
 *    each temporary if syncfs fails), then the renames, then one fsync of the folder. On error
 *    no file is replaced and the temporaries are removed. Each worker thread assembles (as an
 *    iovec over the shared events), hashes and writes or skips one feed at a time: no feed body
 *    is ever held in memory. After the renames, files of the folder named like a feed (org.ics,
 *    post-*.ics, person-*.ics: regular files only) that are not feeds of the set are removed —
 *    a person taken out of the config, feeds.org turned off; nothing else is touched.
 *  - feeds.org false: no "org" feed (no file, not in the cache, not listed).
 *  - FeedCache: per feed its name, size, a strong ETag (SHA-256 of the bytes) and Last-Modified
 *    (the time this cache first held these bytes: kept while they stay the same, strictly
 *    increasing when they change), plus the feed's secret token (feedtoken.h) and the identity
 *    (device, inode, size, mtime) of the file DIR/<feed>.ics holding exactly these bytes. No
 *    bodies: the HTTP server serves the files (feed_cache_open()). A build writes and renames
 *    every file before it returns its cache, so a cache never points at bytes not yet on disk;
 *    a file replaced later (the next build, or by hand) no longer matches its recorded identity,
 *    which feed_cache_open() reports.
 *  - No logging; every function returns 0 or a negative errno. */
#pragma once
#include <stdatomic.h>
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

#define FEEDS_THREADS 2 /* at most; fewer on a machine with fewer CPUs */

typedef struct EventMemo EventMemo;
typedef struct FeedCache FeedCache;
/* One rendered VEVENT, reference-counted (atomically) and shared by sets and caches. */
typedef struct EventBlob {
        atomic_uint ref;
        size_t len;
        char data[]; /* NUL-terminated */
} EventBlob;

typedef struct FeedSet {
        const Config *config; /* borrowed; must outlive the set */
        Day today, from, to;
        OccurrenceList occ;
        FeedStatus *status;        /* parallel to occ */
        uint32_t *hold_off;        /* occ.n + 1 offsets into `holders` */
        uint32_t *holders;         /* each occurrence's holders on its deadline (person indices) */
        EventBlob **events;        /* parallel to occ: rendered VEVENTs (references), filled on
                              * first use */
        unsigned char (*keys)[32]; /* parallel to occ: the events' keys (ical.h) */
        Feed *feeds;
        size_t n_feeds;
} FeedSet;

int feedset_new(const Config *c, Day today, FeedStatusFn fn, void *userdata, FeedSet **ret);
/* The occurrences in `today`'s window and their statuses (fn may be NULL), for
 * feedset_new_from() — e.g. planned on one thread, rendered on another. */
int feeds_plan(const Config *c, Day today, FeedStatusFn fn, void *userdata, OccurrenceList *ret_occ,
               FeedStatus **ret_status);
/* Like feedset_new(), from planned occurrences and statuses (parallel; NULL = all zero), which
 * it takes in every case (*occ is emptied). */
int feedset_new_from(const Config *c, Day today, OccurrenceList *occ, FeedStatus *status,
                     FeedSet **ret);
FeedSet *feedset_free(FeedSet *s);
/* Index of the feed named `name`, or -ENOENT. */
ssize_t feedset_find(const FeedSet *s, const char *name);
/* The whole iCalendar text of feed `i` (malloc'd). */
int feedset_render(FeedSet *s, size_t i, char **ret, size_t *ret_len);

typedef struct FeedsWriteStats {
        size_t feeds, written, unchanged;
        size_t removed; /* stale feed files deleted */
        uint64_t bytes; /* total size of all feeds */
} FeedsWriteStats;

/* Writes every feed of the set into `dir` (created 0755 if missing), removing stale ones. */
int feeds_write(FeedSet *s, const char *dir, FeedsWriteStats *ret);
/* Both at once, each feed assembled once: the new cache content from `s` (as feed_cache_update)
 * and, when `dir` is not NULL, the files (as feeds_write). */
int feeds_update(FeedSet *s, FeedCache *fc, const char *dir, time_t now, FeedsWriteStats *ret);
/* Writes one file DIR/NAME atomically unless it already holds exactly these bytes;
 * *ret_written tells which. Does not fsync the folder (the caller does, once). */
int feeds_write_file(int dir_fd, const char *name, const char *data, size_t len, bool *ret_written);

/* The folder feeds are written to: feeds.dir, else STATE/feeds. malloc'd. */
char *feeds_default_dir(const Config *c, const char *state_dir);

typedef struct FeedEntry {
        char name[FEED_NAME_MAX];
        uint64_t size;                 /* bytes */
        char etag[67];                 /* "\"<64 hex>\"" with the quotes */
        time_t last_modified;          /* seconds */
        char token[FEEDTOKEN_LEN + 1]; /* "" until tokens are loaded: never served then */
        struct { /* private: the file FeedCache.dir/<name>.ics as the last build left it */
                bool valid;
                char etag[67]; /* of its bytes */
                dev_t dev;
                ino_t ino;
                off_t size;
                struct timespec mtime;
        } file;
} FeedEntry;

struct FeedCache {
        FeedEntry *entries; /* sorted by name */
        size_t n;
        /* private: the folder the last build wrote (its path, and an fd of it the files are
         * opened from; NULL and -1 for a cache made without files), and the rendered events
         * kept for the next build */
        char *dir;
        int dir_fd;
        EventMemo *memo;
};

int feed_cache_new(FeedCache **ret);
FeedCache *feed_cache_free(FeedCache *fc);
/* Renders every feed of `s` into the cache (validators only: no files, nothing to serve),
 * replacing its content; `now` stamps changed feeds. Feeds gone from the set disappear. Tokens
 * of feeds still present are kept. */
int feed_cache_update(FeedCache *fc, FeedSet *s, time_t now);
/* The building block of the three above and of feedbuild.c: a new cache from `s` and `prev`
 * (may be NULL; only read: its digests, file records and kept events — except that the rendered
 * events it keeps are moved to the new cache once everything succeeded — so it may be served
 * meanwhile from another thread, but must not be updated or freed). Tokens are copied from
 * `prev` only when `copy_tokens`. `cancel`, when not NULL, is polled: once true the build stops
 * with -ECANCELED. */
int feeds_build(FeedSet *s, FeedCache *prev, bool copy_tokens, const char *dir, time_t now,
                const atomic_int *cancel, FeedCache **ret, FeedsWriteStats *ret_stats);
/* Copies the tokens of feeds present in both. */
void feed_cache_copy_tokens(FeedCache *to, const FeedCache *from);
/* Reads the token of every cached feed from the state (creating missing ones). */
int feed_cache_load_tokens(FeedCache *fc, Store *store);
const FeedEntry *feed_cache_find(const FeedCache *fc, const char *name);
/* Opens the file of `e`, an entry of `fc` (FeedCache.dir/<e->name>.ics, O_RDONLY|O_CLOEXEC|
 * O_NOFOLLOW; the name is the entry's own, never a caller's string): *ret_fd and its size.
 * *ret_current is true when the file still holds exactly the bytes the entry describes (its
 * identity is the one the build recorded), so e->etag, e->last_modified are its validators;
 * false when it was replaced since. The fd stays valid (same bytes) even if the file is
 * replaced meanwhile. -ENOENT when the cache has no files or the file is gone. */
int feed_cache_open(const FeedCache *fc, const FeedEntry *e, int *ret_fd, uint64_t *ret_size,
                    bool *ret_current);
