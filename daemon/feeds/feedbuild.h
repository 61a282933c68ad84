/* feedbuild.h — calendar feeds on request: validators on the event loop, rendering in a worker
 * thread, and a small cache of bodies.
 * Contract:
 *  - One worker thread renders feeds (feeds_render()) and brings the versions in line with the
 *    config (feedversion_sync()), on a state connection of its own (`worker_store`, taken). It
 *    blocks every signal, never logs and never touches the loop; it runs one job at a time, in
 *    order, a config's sync before any rendering for it. Nothing is rendered before it is asked
 *    for: there is no build of every feed.
 *  - Inputs: feedbuild_set_config() (queues the sync; until it is done the validators are not
 *    known and requests wait for it) and feedbuild_set_ledger() (the record, with the completion
 *    version read in the same transaction). Both stop the job running (run again afterwards)
 *    and wait until the worker is between jobs — at most one chunk of its work — so that the
 *    caller may free the old config or ledger as soon as they return.
 *  - feedbuild_lookup() (no rendering): the feed's token is checked against the state's
 *    (constant time; a wrong token and an unknown feed are the same -ENOENT), then the
 *    validators: the ETag of feeds_etag() and a Last-Modified shared by every feed — the latest
 *    of the generation's time, the completion version's and the start of today, and strictly
 *    later than the one before whenever any of them changed while running, so If-Modified-Since
 *    never hides a change. -EAGAIN while they are not known yet (the sync is running).
 *  - feedbuild_cached(): the feed's body if the cache holds it for that ETag, and its size if
 *    known (a 304 states it). The cache remembers the ETag and size of the last
 *    FEEDBUILD_CACHE_ENTRIES feeds rendered, and the bodies of the most recently used ones within
 *    FEEDBUILD_CACHE_BYTES (a larger body is served but not kept). Memory does not grow with the
 *    number of feeds or events.
 *  - feedbuild_request(): renders a feed; `cb` then runs on the loop with a reference to the
 *    body (the callee owns it) or an error (-ENOENT no such feed; -EAGAIN the record kept
 *    changing under the renderer, or the versions could not be brought in line; -ENOMEM, -EIO).
 *    Requests for one feed on one day share a rendering. feedbuild_request_cancel() before the
 *    callback: it never comes. A rendering that finds completions recorded since the ledger was
 *    read (-ESTALE) calls the `stale` hook (the owner reloads the ledger) and runs again, at
 *    most FEEDBUILD_TRIES times.
 *  - The `error` hook (may be NULL) hears of a failed sync, once per failure, to log it.
 * Every function returns 0 or a negative errno. */
#pragma once
#include <stdint.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "completion.h"
#include "config.h"
#include "feeds.h"
#include "store.h"

#define FEEDBUILD_CACHE_BYTES (4u << 20) /* 4 MiB */
#define FEEDBUILD_CACHE_ENTRIES 1024
#define FEEDBUILD_TRIES 3

/* A rendered feed, reference-counted (on the loop thread only). */
typedef struct FeedBody {
        unsigned ref;
        char etag[FEED_ETAG_LEN];
        time_t last_modified; /* 0: rendered from a state since replaced: no Last-Modified */
        size_t len;
        char *data; /* NUL-terminated */
} FeedBody;

FeedBody *feed_body_ref(FeedBody *b);
void feed_body_unref(FeedBody *b);

typedef struct FeedBuild FeedBuild;

typedef struct FeedBuildHooks {
        void (*stale)(void *userdata);
        void (*error)(void *userdata, int error);
        void *userdata;
} FeedBuildHooks;

/* `store` (borrowed: tokens) is the loop's connection; `worker_store` is taken. */
int feedbuild_new(sd_event *e, Store *store, Store *worker_store, const FeedBuildHooks *hooks,
                  FeedBuild **ret);
FeedBuild *feedbuild_free(FeedBuild *b);
/* `c` stays alive and unchanged until the next call or feedbuild_free(). */
int feedbuild_set_config(FeedBuild *b, const Config *c);
/* `l` (may be NULL: nothing recorded) likewise. */
void feedbuild_set_ledger(FeedBuild *b, const Ledger *l, CompletionVersion v);

typedef struct FeedValidators {
        char etag[FEED_ETAG_LEN];
        time_t last_modified;
} FeedValidators;

int feedbuild_lookup(FeedBuild *b, const char *name, const char *token, FeedValidators *ret);
/* *ret_size: UINT64_MAX when not known. */
FeedBody *feedbuild_cached(FeedBuild *b, const char *name, const char *etag, uint64_t *ret_size);

typedef struct FeedRequest FeedRequest;
typedef void (*FeedReady)(void *userdata, FeedBody *body, int error);
int feedbuild_request(FeedBuild *b, const char *name, FeedReady cb, void *userdata,
                      FeedRequest **ret);
void feedbuild_request_cancel(FeedRequest *q);

/* Feeds rendered so far (tests and benchmarks). */
uint64_t feedbuild_renders(const FeedBuild *b);
/* Syncs started so far, a stopped one started again counted again (tests). */
uint64_t feedbuild_syncs(const FeedBuild *b);
/* Drops every cached body (SIGHUP of `dutyctl serve`); the validators and sizes stay. */
void feedbuild_flush(FeedBuild *b);
