/* sender.h — the asynchronous sender: outbox messages as curl transfers on an sd_event loop.
 * Contract: never blocks the loop (no curl_easy_perform; no SQLite transaction on it while
 * sending). Takes due messages from the outbox (outbox.h), claims them (queued → sending),
 * sends each as one transfer (transfer.h) on one shared curl multi (curlglue.h), and records
 * the outcome only after the receiver answered: sent when the body says OK
 * (payload_classify), else retry/failed as outbox.h says.
 * Commit worker: the claims and outcomes are written by a thread of the sender's own, on a
 * state connection of its own (store_open_another()), one transaction at a time, while the
 * loop goes on sending; the loop hears of each commit through an eventfd. Only then are its
 * outcomes reported (notify) and its claimed rows started. The thread blocks every signal and
 * touches nothing of the loop's. A writer on the loop's connection (queueing) may meanwhile
 * wait for the worker's commit (busy timeout), as it would for any other writer. Start-up
 * (outbox_recover()), orphaned channels, reloads and sender_free() write on the loop's
 * connection while the worker is idle (sender_set_config() and sender_free() first wait for the
 * job it has: one transaction at most).
 * Group commit: a claim takes what a channel may start now plus, on a channel without a rate
 * limit, sixteen times its transfer slots ahead; a completed transfer hands its slot to the next
 * claimed row at once, without a commit. Outcomes wait in memory and one transaction (one
 * fsync) records them and claims the next rows: when a channel has half its claimed rows left
 * (so the next are claimed while these are sent), when nothing is in flight, when 1024 outcomes
 * wait, else 25 ms after the first of them; while the worker has a transaction, the next waits
 * for it. A crash between an answer and its commit leaves the row `sending`: it is sent again,
 * same id (at least once; receivers deduplicate on X-Dutyd-Delivery-Id); claimed rows never
 * started are sent then too.
 * Connections: one multi, one connection cache; easy handles are kept for the next transfers;
 * HTTP/2 over TLS where offered, HTTP/1.1 keep-alive over plain http (transfer.h).
 * Per channel (channelstate.h): a sliding-window rate limit (Channel.rate_per_minute, default
 * WeCom/DingTalk 20 a minute, Feishu 100 a minute and 5 a second, webhook/SMTP unlimited);
 * after DingTalk's 130101 "send too fast" nothing more on that channel for 10 minutes (the
 * vendor blocks the robot that long; payload_pause_seconds); at most 8 transfers in flight
 * (webhook 32, SMTP 4); 64 in all, shared round-robin. Every transfer has its own timeout
 * (Channel.timeout_sec, default 15 s), so a dead or hanging receiver never delays the others.
 * The Config passed in must outlive the sender or the next sender_set_config(). Errors given to
 * the notify callback and stored in the outbox hold no secret and no URL. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "outbox.h"
#include "payload.h"
#include "store.h"

typedef struct Sender Sender;

/* Called after each outcome is recorded. `failed`: the message is now in state failed. */
typedef void (*SenderNotify)(Sender *s, const OutboxRow *row, DeliveryResult result, bool failed,
                             const char *error, void *userdata);

/* Calls outbox_init() and outbox_recover() (rows left `sending` by a crash → queued), then
 * dispatches whatever is due. */
int sender_new(sd_event *e, Store *store, const Config *cfg, Sender **ret);
/* Waits for the worker's transaction (reported), stops the worker; outcomes not recorded yet are
 * recorded; transfers still in flight are aborted and their rows, like the claimed rows not
 * started, put back to queued (same id, attempt not counted). */
Sender *sender_free(Sender *s);
void sender_set_notify(Sender *s, SenderNotify fn, void *userdata);
/* New messages were queued: look at the outbox on the next loop iteration. */
int sender_kick(Sender *s);
/* Reload: use `cfg` from now on (rate-limit history is kept per channel id). */
int sender_set_config(Sender *s, const Config *cfg);
/* Transfers in flight. */
unsigned sender_in_flight(const Sender *s);

typedef struct SenderStats {
        unsigned sent, retried, failed;
        char last_error[PAYLOAD_ERROR_MAX];
} SenderStats;

/* For the CLI: runs its own sd_event loop until nothing is pending (restricted to message
 * `only_id` if not NULL; with one_shot, any error fails the message at once instead of
 * retrying) or `timeout_usec` passed. Returns 0 when drained, -ETIMEDOUT, or a negative errno. */
int sender_run(Store *store, const Config *cfg, const char *only_id, bool one_shot,
               uint64_t timeout_usec, SenderStats *ret);
