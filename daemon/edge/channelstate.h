/* channelstate.h — what the sender keeps per channel: its rate windows, the vendor's pause, its
 * transfers in flight, and the ring of rows it claimed and has not started yet.
 * Contract: no I/O; times on the delivery clock (clock.h, µs).
 *  - Rate: a sliding window of a minute (Channel.rate_per_minute, default WeCom/DingTalk 20,
 *    Feishu 100, webhook/SMTP unlimited) and, for Feishu, one of a second (5).
 *  - In flight at most channel_max_in_flight(): 8, webhook 32 (a receiver of our own), SMTP 4.
 *  - The ring holds what one claim may take: the channel's transfer slots, and on a channel
 *    without a rate limit CHANNEL_CLAIM_AHEAD times as many more (claimed ahead, started as
 *    slots free up, without a commit). Rows pushed are taken over.
 * Returns 0 or -ENOMEM. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "outbox.h"
#include "sign.h"

#define CHANNEL_CLAIM_AHEAD 16

typedef struct RateWindow {
        int64_t *times; /* ring of send times */
        size_t cap, head, count;
        int64_t span;
} RateWindow;

typedef struct ChannelState {
        char *id;
        RateWindow minute, second;
        unsigned in_flight;
        int64_t paused_until; /* the vendor blocks the robot until then */
        /* Rows claimed (committed `sending`) and not started yet, oldest first (a ring). */
        OutboxRow *ready;
        size_t ready_cap, ready_head, ready_n;
        bool more;    /* a claim may find due rows: cleared when one finds fewer than it asked */
        SignKey *key; /* a webhook's secret, keyed once for all its messages (or NULL) */
} ChannelState;

unsigned channel_max_in_flight(ChannelType t);

int channel_state_init(ChannelState *c, const Channel *ch);
void channel_state_done(ChannelState *c);
/* Keeps the history of a channel that survives a reload (`old`, the same id), and the rows it
 * had claimed as far as the new ring holds them (the rest stay in `old`). */
void channel_state_take(ChannelState *c, ChannelState *old);

bool channel_rate_limited(const ChannelState *c);
/* How many the window allows now; SIZE_MAX when unlimited. When full, *ret_next is lowered to
 * the time its next slot frees. */
size_t rate_window_room(RateWindow *w, int64_t now, int64_t *ret_next);
/* A transfer starts now: counted in both windows. */
void channel_state_record(ChannelState *c, int64_t now);

/* Takes the row over (*row is zeroed); the ring must have room. */
void channel_ready_push(ChannelState *c, OutboxRow *row);
bool channel_ready_pop(ChannelState *c, OutboxRow *ret);
