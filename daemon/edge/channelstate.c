/* channelstate.c — see channelstate.h. */
#include "channelstate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define USEC_PER_SEC INT64_C(1000000)

unsigned channel_max_in_flight(ChannelType t) {
        return t == CHANNEL_WEBHOOK ? 32 : t == CHANNEL_SMTP ? 4 : 8;
}

static int window_init(RateWindow *w, int limit, int64_t span) {
        free(w->times);
        *w = (RateWindow){.span = span};
        if (limit <= 0)
                return 0;
        w->times = calloc((size_t)limit, sizeof(int64_t));
        if (!w->times)
                return -ENOMEM;
        w->cap = (size_t)limit;
        return 0;
}

static void window_expire(RateWindow *w, int64_t now) {
        while (w->count > 0 && w->times[w->head] <= now - w->span) {
                w->head = (w->head + 1) % w->cap;
                w->count--;
        }
}

size_t rate_window_room(RateWindow *w, int64_t now, int64_t *ret_next) {
        if (!w->cap)
                return SIZE_MAX;
        window_expire(w, now);
        if (w->count == w->cap && ret_next)
                *ret_next = w->times[w->head] + w->span;
        return w->cap - w->count;
}

static void window_record(RateWindow *w, int64_t now) {
        if (!w->cap)
                return;
        if (w->count == w->cap) { /* cannot happen when room was checked; keep the newest */
                w->head = (w->head + 1) % w->cap;
                w->count--;
        }
        w->times[(w->head + w->count) % w->cap] = now;
        w->count++;
}

void channel_state_record(ChannelState *c, int64_t now) {
        window_record(&c->minute, now);
        window_record(&c->second, now);
}

static int default_rate(ChannelType t) {
        switch (t) {
        case CHANNEL_WECOM:
        case CHANNEL_DINGTALK: return 20;
        case CHANNEL_FEISHU: return 100;
        default: return 0;
        }
}

bool channel_rate_limited(const ChannelState *c) {
        return c->minute.cap || c->second.cap;
}

void channel_ready_push(ChannelState *c, OutboxRow *row) {
        c->ready[(c->ready_head + c->ready_n) % c->ready_cap] = *row;
        *row = (OutboxRow){0};
        c->ready_n++;
}

bool channel_ready_pop(ChannelState *c, OutboxRow *ret) {
        if (!c->ready_n)
                return false;
        *ret = c->ready[c->ready_head];
        c->ready[c->ready_head] = (OutboxRow){0};
        c->ready_head = (c->ready_head + 1) % c->ready_cap;
        c->ready_n--;
        return true;
}

/* Forgets the rows claimed after the first n. */
static void channel_ready_truncate(ChannelState *c, size_t n) {
        while (c->ready_n > n) {
                c->ready_n--;
                outbox_row_done(&c->ready[(c->ready_head + c->ready_n) % c->ready_cap]);
        }
}

void channel_state_done(ChannelState *c) {
        free(c->id);
        free(c->minute.times);
        free(c->second.times);
        if (c->ready)
                channel_ready_truncate(c, 0);
        free(c->ready);
        sign_key_free(c->key);
}

int channel_state_init(ChannelState *c, const Channel *ch) {
        int per_min = ch->rate_per_minute > 0 ? ch->rate_per_minute : default_rate(ch->type);
        int per_sec = ch->type == CHANNEL_FEISHU ? 5 : 0;
        c->id = strdup(ch->id);
        if (!c->id || window_init(&c->minute, per_min, 60 * USEC_PER_SEC) < 0 ||
            window_init(&c->second, per_sec, USEC_PER_SEC) < 0)
                return -ENOMEM;
        c->ready_cap = channel_max_in_flight(ch->type) *
                       (channel_rate_limited(c) ? 1 : 1 + CHANNEL_CLAIM_AHEAD);
        c->ready = calloc(c->ready_cap, sizeof *c->ready);
        c->more = true;
        /* Without it each message is signed from scratch, which works as well. */
        if (ch->type == CHANNEL_WEBHOOK && ch->secret.value && *ch->secret.value)
                (void)sign_key_new(ch->secret.value, &c->key);
        return c->ready ? 0 : -ENOMEM;
}

static void window_take(RateWindow *w, const RateWindow *old) {
        for (size_t k = 0; w->cap && k < old->count; k++)
                window_record(w, old->times[(old->head + k) % old->cap]);
}

void channel_state_take(ChannelState *c, ChannelState *old) {
        OutboxRow row;
        c->in_flight = old->in_flight;
        c->paused_until = old->paused_until;
        window_take(&c->minute, &old->minute);
        window_take(&c->second, &old->second);
        while (c->ready_n < c->ready_cap && channel_ready_pop(old, &row))
                channel_ready_push(c, &row);
}
