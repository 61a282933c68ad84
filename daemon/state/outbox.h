/* outbox.h — the durable delivery queue (SQLite tables `outbox` and `outbox_items` in the state
 * database). It stores messages; what they say, their delivery ids and their content are made
 * by compose.h.
 * Contract:
 *  - A message is stored (committed, synchronous=FULL) before any attempt to send it.
 *  - Its id is its delivery id (compose.h). Insert-or-ignore, and `outbox_items` keeps one row
 *    per (occurrence, step, channel, recipient): the same reminder is never queued twice, even
 *    when a later batch groups it differently (reminders already queued are dropped from a
 *    request before it is composed).
 *  - States: queued → sending → sent | queued (retry) | failed. A row left in `sending` by a
 *    crash is put back to `queued` by outbox_recover() and sent again with the same id (at
 *    once, or after a backoff when it has been attempted three times or more). The sender
 *    claims rows ahead of sending them and records outcomes in batches (sender.h), so such a
 *    row may have been answered already (sent twice, same id: at least once) or never sent
 *    (its claim counted an attempt all the same).
 *  - `content` is the message as payload.h describes it; for a webhook (`prebuilt`) it is the
 *    request body itself, built once when queued.
 *  - Retries: backoff 30 s × 2^(attempts−1), capped at 1 h, ±20 % jitter; past the give-up time
 *    (created + Channel.give_up_hours, default 24 h) → failed. Permanent errors → failed at once.
 *    A signature/timestamp rejection is re-signed and retried once at once, then failed.
 *  - last_error never holds a secret (payload_scrub()).
 * Clock: clock.h (backoff, give-up and rate limits follow an injected, faster clock too). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compose.h"
#include "config.h"
#include "message.h"
#include "payload.h"
#include "store.h"

#define OUTBOX_ID_LEN COMPOSE_ID_LEN

typedef enum OutboxState {
        OUTBOX_QUEUED,
        OUTBOX_SENDING,
        OUTBOX_SENT,
        OUTBOX_FAILED,
        _OUTBOX_STATE_MAX,
} OutboxState;

const char *outbox_state_to_string(OutboxState s);
/* The state for people, in their language ("queued", 待发送). */
const char *outbox_state_to_text(OutboxState s);

typedef struct OutboxRow {
        char id[OUTBOX_ID_LEN + 1];
        char *channel, *recipient, *kind, *occurrence, *content, *last_error;
        bool prebuilt; /* content is the request body itself (a webhook's; payload.h) */
        OutboxState state;
        int attempts, resigns;
        int64_t created, next_attempt, give_up, sent; /* unix seconds; sent 0 = not yet */
        int64_t rowid; /* SQLite's key of the row: outbox_mark_sent_row() finds it directly */
} OutboxRow;

void outbox_row_done(OutboxRow *r); /* frees the strings of one row */
void outbox_rows_free(OutboxRow *rows, size_t n);

/* The tables are made by store_open() (schema.c): nothing to do. Kept for its callers. */
static inline int outbox_init(Store *s) {
        (void)s;
        return 0;
}

/* Backoff before attempt attempts+1, in seconds; `rnd` in [0,1). */
int64_t outbox_backoff(int attempts, double rnd);

/* Queues a request (compose.h) in one transaction: items already queued for the same
 * (occurrence, step, channel, recipient) are dropped, the rest composed (compose_messages())
 * and stored. *ret_queued (may be NULL) = messages inserted. */
int outbox_queue(Store *s, const Config *cfg, const OutboxRequest *req, int64_t now,
                 size_t *ret_queued);
/* Several requests, all or none, in one transaction (one fsync): what enqueue_firings() uses for
 * everything one firing produces. *ret_queued (may be NULL) = messages inserted. */
int outbox_queue_many(Store *s, const Config *cfg, const OutboxRequest *reqs, size_t n, int64_t now,
                      size_t *ret_queued);
/* Low level: insert-or-ignore one message as is. */
int outbox_insert(Store *s, const char *id, const char *channel, const char *recipient,
                  const char *kind, const char *occurrence, const char *content, int64_t now,
                  int64_t give_up, bool *ret_inserted);

/* At start-up: every `sending` row back to `queued`, due now. Returns the number or -EIO. */
int outbox_recover(Store *s, int64_t now);

/* Channels having queued rows due at `now` (malloc'd strings). */
int outbox_due_channels(Store *s, int64_t now, char ***ret, size_t *ret_n);
/* Whether `channel` has a queued row due at `now` (index lookup). */
int outbox_channel_due(Store *s, const char *channel, int64_t now, bool *ret);
/* Whether any row (or row `id`) is queued or sending (index lookup). */
int outbox_any_pending(Store *s, const char *id, bool *ret);
/* Up to `limit` queued rows of `channel` due at `now`, oldest first. */
int outbox_due(Store *s, const char *channel, int64_t now, size_t limit, OutboxRow **ret,
               size_t *ret_n);
/* Claims (queued → sending, attempt counted, like outbox_claim()) up to `limit` rows of
 * `channel` due at `now`, the oldest, and returns them. Inside the caller's transaction: on an
 * error, roll it back (rows may be claimed that were not returned). */
int outbox_claim_due(Store *s, const char *channel, int64_t now, size_t limit, OutboxRow **ret,
                     size_t *ret_n);
/* Earliest next_attempt > after of a queued row of `channel`; -ENOENT when there is none. */
int outbox_next_due(Store *s, const char *channel, int64_t after, int64_t *ret);
/* Rows given up (state failed), for the status line. */
int outbox_failed_count(Store *s, size_t *ret);
/* Rows in queued or sending state (optionally restricted to one id). */
int outbox_pending_count(Store *s, const char *id, size_t *ret);

/* State changes. Each returns 0, -ESTALE when the row was not in the expected state (claimed
 * by another process), or -EIO. Callers may wrap several in store_begin/store_commit. */
int outbox_claim(Store *s, const char *id, int64_t now);     /* queued → sending */
int outbox_mark_sent(Store *s, const char *id, int64_t now); /* sending → sent */
/* The same for a row read from the outbox (by its rowid: no lookup of the id). */
int outbox_mark_sent_row(Store *s, const OutboxRow *row, int64_t now);
int outbox_mark_failed(Store *s, const char *id, int64_t now, const char *error);
/* sending → queued with backoff, or → failed past the give-up time. `result` RETRY or RESIGN.
 * *ret_failed (may be NULL) tells which. */
int outbox_mark_retry(Store *s, const char *id, int64_t now, DeliveryResult result,
                      const char *error, bool *ret_failed);
/* sending → queued, due now, attempt not counted (shutdown with a transfer in flight). */
int outbox_release(Store *s, const char *id, int64_t now);

int outbox_get(Store *s, const char *id, OutboxRow *ret);
/* All rows (failed_only: state failed), newest first. */
int outbox_list(Store *s, bool failed_only, OutboxRow **ret, size_t *ret_n);
