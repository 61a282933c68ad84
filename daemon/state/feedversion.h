/* feedversion.h — the persistent counters behind every event's SEQUENCE and DTSTAMP (ical.h,
 * "Versions"), in the SQLite state.
 * Contract:
 *  - Table feed_versions (key, hash, rev, stamp): one row for the organisation ("org"), each
 *    calendar year within FEEDVERSION_YEARS of today's ("cal:2026"), each duty ("d:DUTY") and
 *    each assignment ("a:DUTY:POST", per-holder duties "a:DUTY:POST.PERSON"): a few bytes per
 *    assignment, nothing per occurrence. Rows are never deleted: an assignment removed and added
 *    back goes on counting, so its SEQUENCE never falls.
 *  - feedversion_sync() brings the rows in line with a config: a new row gets rev 0 and stamp
 *    `now`; a row whose content hash (ical_hash_*()) changed gets rev + 1 and stamp
 *    max(now, stamp + 1). It first compares one hash over everything a feed's bytes depend on
 *    with the one the last sync recorded (meta feeds_config_hash): equal, nothing else is read
 *    or written. Otherwise the rows are upserted in transactions of FEEDVERSION_BATCH rows (a
 *    daemon's event loop may be writing meanwhile: it never waits long), then the generation
 *    (meta feeds_generation and its time) is raised. Feed validators include the generation:
 *    same generation, same rows.
 *  - The completion version grows with every completion recorded and every one undone (rows of
 *    completions are never deleted): max(id) plus the number undone; its stamp is the latest
 *    record's or undo's time.
 *  - A FeedVersionReader reads revisions and the completion counters of an assignment's (or a
 *    whole duty's) period (ical.h: C) inside one read transaction, which first checks that the
 *    generation and completion version are still those it is told: -ESTALE when the state moved
 *    on (the caller's statuses would not match the counters).
 *  - Besides its table, creates the two indexes on completions its reads need: (duty, period)
 *    and (undone_at).
 * Every function returns 0 or a negative errno (-EIO for SQLite errors, -ECANCELED); logs
 * nothing. */
#pragma once
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "date.h"
#include "ledger.h"
#include "store.h"

#define FEEDVERSION_YEARS 12 /* calendar years kept on each side of today's (feeds.*_days ≤ 3660) */
#define FEEDVERSION_BATCH 1000

typedef struct FeedGeneration {
        int64_t generation;
        int64_t stamp; /* when it was last raised */
} FeedGeneration;

typedef struct CompletionVersion {
        int64_t version;
        int64_t stamp;
} CompletionVersion;

/* The tables are made by store_open() (schema.c): nothing to do. Kept for its callers. */
static inline int feedversion_init(Store *s) {
        (void)s;
        return 0;
}
/* `cancel` (may be NULL) is polled between transactions. */
int feedversion_sync(Store *s, const Config *c, Day today, time_t now, const atomic_int *cancel,
                     FeedGeneration *ret);
int feedversion_completions(Store *s, CompletionVersion *ret);
/* The record (ledger_load()) and its completion version, read in one read transaction: feed
 * validators then name the state the statuses come from. */
int feedversion_snapshot(Store *s, Ledger **ret, CompletionVersion *ret_v);

typedef struct FeedVersionReader FeedVersionReader;
int feedversion_reader_new(Store *s, FeedVersionReader **ret);
FeedVersionReader *feedversion_reader_free(FeedVersionReader *r);
/* Opens the read transaction; -ESTALE (none open) when the state's generation or completion
 * version differ from the ones given. */
int feedversion_reader_begin(FeedVersionReader *r, int64_t generation, int64_t completions);
void feedversion_reader_end(FeedVersionReader *r);
/* A row's revision and time; a row missing (a config not synced) counts 0 and 0. */
int feedversion_row(FeedVersionReader *r, const char *key, int64_t *ret_rev, int64_t *ret_stamp);
/* Completion records of a period plus those undone, and the latest of their times: of one
 * assignment (`person` "" unless per-holder), or with `post` NULL of the whole duty. */
int feedversion_period(FeedVersionReader *r, const char *duty, const char *post, const char *person,
                       const char *period, int64_t *ret_count, int64_t *ret_stamp);
