/* feedbuild.h — rebuilding the feeds off the event loop.
 * Contract:
 *  - feedbuild_start() takes planned occurrences and their statuses (feeds_plan(), on the loop
 *    thread: statuses come from the state database) and, in a worker thread, builds the feed
 *    set, renders every event not kept by `prev`, writes DIR/<feed>.ics (feeds.h: unchanged files
 *    untouched, others replaced atomically, stale feed files removed; `dir` NULL = no files,
 *    nothing to serve) and makes a new FeedCache. Every file is written and renamed before the
 *    callback: the cache it delivers describes bytes already on disk.
 *    The worker (and the threads it starts) blocks every signal; it never logs and never
 *    touches the database or the sd_event loop.
 *  - When it is done, `cb` runs on the loop thread (an eventfd io source on `e`) with the new
 *    cache (the callee owns it: install it with httpd_set_cache(), then free the old one), the
 *    tokens of feeds present in `prev` already copied into it, the write statistics, and 0 or a
 *    negative errno (-ECANCELED after feedbuild_cancel(); the cache is NULL then). The callback
 *    may free the FeedBuild.
 *  - Until the callback (or feedbuild_free()) the caller keeps `c` alive and unchanged, and
 *    `prev` (may be NULL) alive and not updated — it may be served and its tokens reloaded
 *    meanwhile: the worker only reads its digests, file records and kept events.
 *  - feedbuild_cancel() asks the worker to stop (at the next event chunk or feed); the callback
 *    still comes. feedbuild_free() cancels, waits for the worker (bounded by one feed's work) and
 *    never calls the callback afterwards.
 *  - Returns 0 or a negative errno. */
#pragma once
#include <systemd/sd-event.h>
#include <time.h>

#include "config.h"
#include "date.h"
#include "feeds.h"
#include "schedule.h"

typedef struct FeedBuild FeedBuild;
typedef void (*FeedBuildDone)(void *userdata, FeedCache *new_cache, FeedsWriteStats *stats,
                              int error);

/* `occ` and `status` (parallel to occ->items; may be NULL) are taken in every case: *occ is
 * emptied. `now` stamps the Last-Modified of changed feeds. */
int feedbuild_start(sd_event *e, const Config *c, Day today, OccurrenceList *occ,
                    FeedStatus *status, const char *dir, FeedCache *prev, time_t now,
                    FeedBuildDone cb, void *userdata, FeedBuild **ret);
void feedbuild_cancel(FeedBuild *b);
FeedBuild *feedbuild_free(FeedBuild *b);
/* True until the callback has been called. */
bool feedbuild_running(const FeedBuild *b);
