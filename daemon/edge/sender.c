/* sender.c — see sender.h. */
#include "sender.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "channelstate.h"
#include "clock.h"
#include "curlglue.h"
#include "transfer.h"
#include "i18n.h"
#include "util.h"

#define MAX_IN_FLIGHT 64
/* How long an outcome may wait for the commit that records it together with others. */
#define FLUSH_DELAY_USEC 25000
/* Outcomes waiting for their commit, at most (then it happens at once). */
#define DONE_MAX 1024
#define USEC_PER_SEC INT64_C(1000000)

struct Sender {
        sd_event *event;
        Store *store;
        const Config *cfg;
        CurlGlue *glue;
        sd_event_source *dispatch, *flush_timer, *wake, *deadline;
        bool flush_armed;
        ChannelState *channels;
        size_t n_channels, next_first; /* next_first: round-robin start of start_ready() */
        Transfer *transfers;
        unsigned in_flight;
        /* Completed transfers whose outcome is not recorded yet (FIFO): recorded by the next
         * flush, all in one transaction, before anything else looks at them. */
        Transfer *done, **done_tail;
        size_t n_done;
        SenderNotify notify;
        void *userdata;
        /* sender_run() */
        bool run_mode, one_shot;
        char *only_id;
        SenderStats *stats;
        int exit_code;
        bool check_orphans;
};

/* Puts the rows of `c` not started back to queued, attempt not counted (inside the caller's
 * transaction). */
static void ready_release(Sender *s, ChannelState *c, int64_t now_s) {
        OutboxRow row;
        while (channel_ready_pop(c, &row)) {
                (void)outbox_release(s->store, row.id, now_s);
                outbox_row_done(&row);
        }
}

static void channel_states_free(ChannelState *v, size_t n) {
        for (size_t i = 0; v && i < n; i++)
                channel_state_done(&v[i]);
        free(v);
}

static int build_channel_states(Sender *s, const Config *cfg) {
        ChannelState *v = calloc(cfg->n_channels ? cfg->n_channels : 1, sizeof *v);
        bool left = false;
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < cfg->n_channels; i++)
                if (channel_state_init(&v[i], &cfg->channels[i]) < 0) {
                        channel_states_free(v, cfg->n_channels);
                        return -ENOMEM;
                }
        for (size_t i = 0; i < cfg->n_channels; i++)
                for (size_t j = 0; j < s->n_channels; j++)
                        if (streq(s->channels[j].id, v[i].id))
                                channel_state_take(&v[i], &s->channels[j]);
        /* Claimed rows of a channel gone (or beyond a smaller ring) go back to the queue. */
        for (size_t j = 0; j < s->n_channels; j++)
                left = left || s->channels[j].ready_n > 0;
        if (left && store_begin(s->store) >= 0) {
                for (size_t j = 0; j < s->n_channels; j++)
                        ready_release(s, &s->channels[j], clock_now());
                if (store_commit(s->store) < 0) {
                        fprintf(stderr, _("dutyd: cannot write to the outbox: %s\n"),
                                store_errmsg(s->store));
                        store_rollback(s->store);
                }
        }
        channel_states_free(s->channels, s->n_channels);
        s->channels = v;
        s->n_channels = cfg->n_channels;
        s->next_first = 0;
        return 0;
}

static ssize_t channel_index(const Sender *s, const char *id) {
        for (size_t i = 0; i < s->cfg->n_channels; i++)
                if (streq(s->cfg->channels[i].id, id))
                        return (ssize_t)i;
        return -1;
}

/* ---- transfers --------------------------------------------------------------------------- */

static void schedule_dispatch(Sender *s);

static void done_append(Sender *s, Transfer *t) {
        t->next = NULL;
        *s->done_tail = t;
        s->done_tail = &t->next;
        s->n_done++;
}

/* Starts the transfer of a claimed row (t->row). A row that cannot even be built (bad stored
 * content or address) is a permanent error, recorded by the next flush. */
static void transfer_start(Sender *s, size_t ci, Transfer *t) {
        const Channel *ch = &s->cfg->channels[ci];
        int r = transfer_prepare(t, s->glue, ch, s->channels[ci].key, clock_now_usec() / 1000);
        if (r >= 0)
                r = curl_glue_add(s->glue, t->easy);
        if (r < 0) {
                t->res = DELIVERY_PERMANENT;
                snprintf(t->err, sizeof t->err, _("cannot build the request: %s"), strerror(-r));
                done_append(s, t);
                return;
        }
        t->next = s->transfers;
        if (s->transfers)
                s->transfers->prev = t;
        s->transfers = t;
        s->in_flight++;
        s->channels[ci].in_flight++;
}

/* Classifies the answer of a completed transfer (in memory; recorded later). */
static void transfer_done(Sender *s, Transfer *t) {
        ssize_t ci = channel_index(s, t->row.channel);
        int pause = transfer_classify(t, ci >= 0 ? &s->cfg->channels[ci] : NULL);
        if (pause > 0 && ci >= 0) {
                /* The vendor blocks the robot: send nothing more on it until then. */
                int64_t until = clock_now_usec() + (int64_t)pause * USEC_PER_SEC;
                if (until > s->channels[ci].paused_until)
                        s->channels[ci].paused_until = until;
        }
        if (s->one_shot && t->res != DELIVERY_OK)
                t->res = DELIVERY_PERMANENT;
}

/* Writes the outcome of `t` (inside the caller's transaction). */
static void transfer_record(Sender *s, Transfer *t, int64_t now_s) {
        int r;
        t->failed = false;
        if (t->res == DELIVERY_OK)
                r = outbox_mark_sent_row(s->store, &t->row, now_s);
        else if (t->res == DELIVERY_PERMANENT) {
                r = outbox_mark_failed(s->store, t->row.id, now_s, t->err);
                t->failed = true;
        } else {
                r = outbox_mark_retry(s->store, t->row.id, now_s, t->res, t->err, &t->failed);
                /* Queued again, perhaps due at once (a re-sign): the claim looks. */
                ssize_t ci = channel_index(s, t->row.channel);
                if (ci >= 0)
                        s->channels[ci].more = true;
        }
        if (r < 0 && r != -ESTALE)
                fprintf(stderr, _("dutyd: cannot record the outcome of %s: %s\n"), t->row.id,
                        strerror(-r));
}

/* Writes the outcomes waiting (inside the caller's transaction). */
static void record_done(Sender *s, int64_t now_s) {
        for (Transfer *t = s->done; t; t = t->next)
                transfer_record(s, t, now_s);
}

/* After the outcome is committed: statistics and the notify callback. */
static void transfer_report(Sender *s, Transfer *t) {
        if (s->stats) {
                if (t->res == DELIVERY_OK)
                        s->stats->sent++;
                else if (t->failed)
                        s->stats->failed++;
                else
                        s->stats->retried++;
                if (t->res != DELIVERY_OK)
                        snprintf(s->stats->last_error, sizeof s->stats->last_error, "%s", t->err);
        }
        if (s->notify)
                s->notify(s, &t->row, t->res, t->failed, t->err, s->userdata);
}

static void unlink_transfer(Sender *s, Transfer *t) {
        if (t->prev)
                t->prev->next = t->next;
        else
                s->transfers = t->next;
        if (t->next)
                t->next->prev = t->prev;
        t->next = t->prev = NULL;
        s->in_flight--;
        ssize_t ci = channel_index(s, t->row.channel);
        if (ci >= 0 && s->channels[ci].in_flight > 0)
                s->channels[ci].in_flight--;
}

/* Starts claimed rows while there are free transfer slots: one row per channel per round, the
 * first channel changing from call to call, so that no channel takes every slot. Needs no
 * commit: the rows were committed `sending` when they were claimed. */
static void start_ready(Sender *s) {
        int64_t now = clock_now_usec();
        bool progress = true;
        size_t first = s->n_channels ? s->next_first++ % s->n_channels : 0;
        while (progress && s->in_flight < MAX_IN_FLIGHT) {
                progress = false;
                for (size_t k = 0; k < s->n_channels && s->in_flight < MAX_IN_FLIGHT; k++) {
                        size_t ci = (first + k) % s->n_channels;
                        ChannelState *cs = &s->channels[ci];
                        if (!cs->ready_n || cs->paused_until > now ||
                            cs->in_flight >= channel_max_in_flight(s->cfg->channels[ci].type))
                                continue;
                        Transfer *t = calloc(1, sizeof *t);
                        if (!t)
                                return; /* the rows wait for the next pass */
                        channel_ready_pop(cs, &t->row);
                        channel_state_record(cs, now);
                        transfer_start(s, ci, t);
                        progress = true;
                }
        }
}

/* Whether the next flush should come at the end of this loop iteration rather than after
 * FLUSH_DELAY_USEC: nothing left in flight (nothing else to wait for), many outcomes waiting,
 * or a channel running out of claimed rows while more may be due (less than one round of
 * transfers left; a rate-limited channel: a free slot and nothing claimed). */
static bool flush_now(const Sender *s) {
        if (s->in_flight == 0 || s->n_done >= DONE_MAX)
                return true;
        for (size_t ci = 0; ci < s->n_channels; ci++) {
                const ChannelState *cs = &s->channels[ci];
                unsigned cap = channel_max_in_flight(s->cfg->channels[ci].type);
                size_t low = channel_rate_limited(cs) ? (cs->in_flight < cap) : cap;
                if (cs->more && cs->ready_n < low)
                        return true;
        }
        return false;
}

static void schedule_flush(Sender *s) {
        if (flush_now(s)) {
                schedule_dispatch(s);
                return;
        }
        if (!s->done || s->flush_armed)
                return;
        if (sd_event_source_set_time_relative(s->flush_timer, FLUSH_DELAY_USEC) < 0 ||
            sd_event_source_set_enabled(s->flush_timer, SD_EVENT_ONESHOT) < 0)
                schedule_dispatch(s); /* no timer: at once rather than never */
        else
                s->flush_armed = true;
}

/* Collects the completed transfers and hands their slots to claimed rows at once. Their
 * outcomes are recorded by a later flush, together: at the end of this loop iteration when a
 * channel needs more claimed rows or nothing is left in flight, else within FLUSH_DELAY_USEC.
 * Until that commit a completed row stays `sending`: a crash sends it again, same id. */
static void process_done(void *userdata) {
        Sender *s = userdata;
        CURL *easy;
        CURLcode result;
        bool any = false;
        while (curl_glue_next_done(s->glue, &easy, &result)) {
                Transfer *t = NULL;
                curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
                t->result = result;
                transfer_done(s, t);
                curl_glue_remove(s->glue, t->easy);
                transfer_release(t);
                unlink_transfer(s, t);
                done_append(s, t);
                any = true;
        }
        if (!any)
                return;
        start_ready(s);
        schedule_flush(s);
}

/* Reports and frees the recorded outcomes. */
static void done_report(Sender *s) {
        Transfer *done = s->done;
        s->done = NULL;
        s->done_tail = &s->done;
        s->n_done = 0;
        while (done) {
                Transfer *n = done->next;
                transfer_report(s, done);
                transfer_free(done);
                done = n;
        }
}

/* ---- flush ------------------------------------------------------------------------------- */

static void arm_wake(Sender *s, int64_t at, int64_t now) {
        if (at == INT64_MAX) {
                (void)sd_event_source_set_enabled(s->wake, SD_EVENT_OFF);
                return;
        }
        /* The clock's instants `at` and `now` as the real times they happen at (clock.h): the
         * timer runs on the real clock, DUTYD_CLOCK's scale included. */
        int64_t delay = at > now ? clock_real_usec(at) - clock_real_usec(now) : 0;
        (void)sd_event_source_set_time_relative(s->wake, (uint64_t)delay + 1000);
        (void)sd_event_source_set_enabled(s->wake, SD_EVENT_ONESHOT);
}

static bool any_ready(const Sender *s) {
        for (size_t ci = 0; ci < s->n_channels; ci++)
                if (s->channels[ci].ready_n)
                        return true;
        return false;
}

static void check_finished(Sender *s) {
        if (!s->run_mode || s->in_flight > 0 || s->done || any_ready(s))
                return;
        bool pending = true;
        if (outbox_any_pending(s->store, s->only_id, &pending) >= 0 && !pending)
                (void)sd_event_exit(s->event, 0);
}

static void fail_orphans(Sender *s, const char *channel, int64_t now_s) {
        OutboxRow *rows = NULL;
        size_t n = 0;
        if (outbox_due(s->store, channel, INT64_MAX, 100000, &rows, &n) < 0)
                return;
        for (size_t i = 0; i < n; i++) {
                const char *err = _("the channel is no longer configured");
                if (outbox_mark_failed(s->store, rows[i].id, now_s, err) >= 0 && s->notify)
                        s->notify(s, &rows[i], DELIVERY_PERMANENT, true, err, s->userdata);
        }
        outbox_rows_free(rows, n);
}

static void check_orphans(Sender *s, int64_t now_s) {
        char **ids = NULL;
        size_t n_ids = 0;
        s->check_orphans = false;
        if (outbox_due_channels(s->store, INT64_MAX, &ids, &n_ids) < 0)
                return;
        for (size_t k = 0; k < n_ids; k++) {
                if (channel_index(s, ids[k]) < 0)
                        fail_orphans(s, ids[k], now_s);
                free(ids[k]);
        }
        free(ids);
}

static size_t min_size(size_t a, size_t b) {
        return a < b ? a : b;
}

/* How many rows channel `ci` may claim now: up to its ring for a channel without a rate limit
 * (free slots and rows claimed ahead), else up to its free slots within the rate windows. 0
 * with *wake lowered when a rate window or the vendor's pause holds it back. */
static size_t claim_room(Sender *s, size_t ci, int64_t now, int64_t *wake) {
        const Channel *ch = &s->cfg->channels[ci];
        ChannelState *cs = &s->channels[ci];
        int64_t next = INT64_MAX;
        size_t busy = cs->in_flight + cs->ready_n;
        size_t rm = rate_window_room(&cs->minute, now, &next),
               rs = rate_window_room(&cs->second, now, &next);

        if (!channel_rate_limited(cs))
                return cs->ready_cap > busy ? cs->ready_cap - busy : 0;
        if (cs->paused_until > now) {
                rm = 0;
                next = cs->paused_until;
        }
        /* Claimed rows not started yet take their rate slot when they start. */
        rm = rm > cs->ready_n ? rm - cs->ready_n : 0;
        rs = rs > cs->ready_n ? rs - cs->ready_n : 0;
        if (rm == 0 || rs == 0) {
                bool due = false;
                if (cs->ready_n ||
                    (outbox_channel_due(s->store, ch->id, now / USEC_PER_SEC, &due) >= 0 && due))
                        if (next < *wake)
                                *wake = next;
                cs->more = false; /* until the wake */
                return 0;
        }
        size_t cap = channel_max_in_flight(ch->type);
        return min_size(cap > busy ? cap - busy : 0, min_size(rm, rs));
}

/* sender_run() for one message: that row, when it is queued and due on this channel. */
static void claim_only(Sender *s, ChannelState *cs, const char *channel, int64_t now_s) {
        OutboxRow row;
        cs->more = false;
        if (outbox_get(s->store, s->only_id, &row) < 0)
                return;
        if (row.state == OUTBOX_QUEUED && row.next_attempt <= now_s &&
            streq(row.channel, channel) && outbox_claim(s->store, row.id, now_s) >= 0) {
                row.state = OUTBOX_SENDING;
                row.attempts++;
                channel_ready_push(cs, &row);
        }
        outbox_row_done(&row);
}

/* Claims (inside the caller's transaction) what channel `ci` may take now into its ring. */
static int claim_channel(Sender *s, size_t ci, int64_t now, int64_t *wake) {
        const Channel *ch = &s->cfg->channels[ci];
        ChannelState *cs = &s->channels[ci];
        int64_t now_s = now / USEC_PER_SEC;
        OutboxRow *rows = NULL;
        size_t n = 0, room;

        /* A rate-limited channel is looked at even so: *wake must keep the end of its window. */
        if (!cs->more && !channel_rate_limited(cs))
                return 0;
        if ((room = claim_room(s, ci, now, wake)) == 0 || !cs->more)
                return 0;
        if (s->only_id) {
                claim_only(s, cs, ch->id, now_s);
                return 0;
        }
        int r = outbox_claim_due(s->store, ch->id, now_s, room, &rows, &n);
        if (r < 0)
                return r;
        /* Fewer than asked: nothing more is due on it until a kick, a wake or a retry. */
        cs->more = n == room;
        for (size_t i = 0; i < n; i++)
                channel_ready_push(cs, &rows[i]);
        outbox_rows_free(rows, n);
        return 0;
}

static void flush_failed(Sender *s, int64_t now) {
        /* The database is busy or failing: the outcomes stay pending (the rows stay `sending`,
         * which a restart would put back to queued); try again in a second. */
        for (size_t ci = 0; ci < s->n_channels; ci++)
                channel_ready_truncate(&s->channels[ci], s->channels[ci].ready_mark);
        fprintf(stderr, _("dutyd: cannot write to the outbox: %s\n"), store_errmsg(s->store));
        arm_wake(s, now + (int64_t)(clock_scale() * (double)USEC_PER_SEC), now);
}

/* Inside the flush's transaction: records the outcomes waiting and claims what is due into
 * the channels' rings; *wake is lowered to when something falls due next. */
static int flush_tx(Sender *s, int64_t now, int64_t *wake) {
        int64_t now_s = now / USEC_PER_SEC, future;
        record_done(s, now_s);
        for (size_t ci = 0; ci < s->n_channels; ci++) {
                int r = claim_channel(s, ci, now, wake);
                if (r < 0)
                        return r;
                if (outbox_next_due(s->store, s->cfg->channels[ci].id, now_s, &future) >= 0 &&
                    future * USEC_PER_SEC < *wake)
                        *wake = future * USEC_PER_SEC;
        }
        return store_commit(s->store);
}

/* One transaction (one fsync): records the outcomes waiting, claims what is due into the
 * channels' rings (queued → sending), commits, and only then reports the outcomes and starts
 * transfers. Never spans a loop iteration. */
static void flush(Sender *s) {
        int64_t now = clock_now_usec(), now_s = now / USEC_PER_SEC;
        int64_t wake = INT64_MAX;

        if (sd_event_get_state(s->event) == SD_EVENT_FINISHED)
                return;
        s->flush_armed = false;
        (void)sd_event_source_set_enabled(s->flush_timer, SD_EVENT_OFF);
        if (s->check_orphans && !s->only_id)
                check_orphans(s, now_s); /* after start and reload only */
        for (size_t ci = 0; ci < s->n_channels; ci++)
                s->channels[ci].ready_mark = s->channels[ci].ready_n;
        if (store_begin(s->store) < 0) {
                flush_failed(s, now);
                return;
        }
        if (flush_tx(s, now, &wake) < 0) {
                store_rollback(s->store);
                flush_failed(s, now);
                return;
        }
        done_report(s);
        start_ready(s);
        if (s->done) /* rows that could not even be built */
                schedule_dispatch(s);
        arm_wake(s, wake, now);
        check_finished(s);
}

static int on_dispatch(sd_event_source *src, void *userdata) {
        (void)src;
        flush(userdata);
        return 0;
}

static int on_flush_timer(sd_event_source *src, uint64_t usec, void *userdata) {
        (void)src, (void)usec;
        flush(userdata);
        return 0;
}

static void set_more(Sender *s) {
        for (size_t ci = 0; ci < s->n_channels; ci++)
                s->channels[ci].more = true;
}

/* A backoff or a rate window ended: every channel may have something due. */
static int on_wake(sd_event_source *src, uint64_t usec, void *userdata) {
        (void)src, (void)usec;
        Sender *s = userdata;
        set_more(s);
        flush(s);
        return 0;
}

/* A flush at the end of this loop iteration (its source runs after the other events). */
static void schedule_dispatch(Sender *s) {
        (void)sd_event_source_set_enabled(s->dispatch, SD_EVENT_ONESHOT);
}

/* ---- public ------------------------------------------------------------------------------ */

static int add_sources(Sender *s) {
        sd_event *e = s->event;
        int r;
        if ((r = sd_event_add_time(e, &s->wake, clock_delay_id(), UINT64_MAX, 0, on_wake, s)) < 0 ||
            (r = sd_event_add_time(e, &s->flush_timer, clock_delay_id(), UINT64_MAX, 0,
                                   on_flush_timer, s)) < 0 ||
            (r = sd_event_add_defer(e, &s->dispatch, on_dispatch, s)) < 0)
                return r;
        (void)sd_event_source_set_enabled(s->wake, SD_EVENT_OFF);
        (void)sd_event_source_set_enabled(s->flush_timer, SD_EVENT_OFF);
        /* Accuracy 0 means sd-event's default of 250 ms: too coarse for the flush delay. */
        (void)sd_event_source_set_time_accuracy(s->wake, 1000);
        (void)sd_event_source_set_time_accuracy(s->flush_timer, 1000);
        (void)sd_event_source_set_description(s->wake, "dutyd-sender-wake");
        (void)sd_event_source_set_description(s->flush_timer, "dutyd-sender-flush");
        (void)sd_event_source_set_description(s->dispatch, "dutyd-sender-dispatch");
        /* The flush comes last in a loop iteration (after the sockets' events and curl's "at
         * once"), when all the iteration's outcomes are collected. */
        (void)sd_event_source_set_priority(s->dispatch, SD_EVENT_PRIORITY_NORMAL + 2);
        (void)sd_event_source_set_priority(s->flush_timer, SD_EVENT_PRIORITY_NORMAL + 2);
        return 0;
}

int sender_new(sd_event *e, Store *store, const Config *cfg, Sender **ret) {
        Sender *s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->event = sd_event_ref(e);
        s->store = store;
        s->done_tail = &s->done;
        s->cfg = cfg;
        int r = outbox_init(store);
        if (r >= 0 && outbox_recover(store, clock_now()) < 0)
                r = -EIO;
        if (r >= 0)
                r = build_channel_states(s, cfg);
        if (r >= 0)
                r = curl_glue_new(e, MAX_IN_FLIGHT, process_done, s, &s->glue);
        if (r >= 0)
                r = add_sources(s);
        if (r < 0) {
                sender_free(s);
                return r;
        }
        s->check_orphans = true;
        schedule_dispatch(s);
        *ret = s;
        return 0;
}

Sender *sender_free(Sender *s) {
        if (!s)
                return NULL;
        int64_t now_s = clock_now();
        /* Outcomes received but not recorded yet are recorded; transfers still in flight and
         * claimed rows not started go back to the queue (same id next time). One transaction. */
        bool tx = (s->done || s->transfers || any_ready(s)) && store_begin(s->store) >= 0;
        record_done(s, now_s);
        while (s->transfers) {
                Transfer *t = s->transfers;
                curl_glue_remove(s->glue, t->easy);
                (void)outbox_release(s->store, t->row.id, now_s);
                unlink_transfer(s, t);
                transfer_free(t);
        }
        for (size_t i = 0; i < s->n_channels; i++)
                ready_release(s, &s->channels[i], now_s);
        if (tx && store_commit(s->store) < 0) {
                fprintf(stderr, _("dutyd: cannot write to the outbox: %s\n"),
                        store_errmsg(s->store));
                store_rollback(s->store);
        }
        done_report(s);
        curl_glue_free(s->glue);
        sd_event_source_disable_unref(s->wake);
        sd_event_source_disable_unref(s->flush_timer);
        sd_event_source_disable_unref(s->dispatch);
        sd_event_source_disable_unref(s->deadline);
        for (size_t i = 0; i < s->n_channels; i++)
                channel_state_done(&s->channels[i]);
        free(s->channels);
        free(s->only_id);
        sd_event_unref(s->event);
        free(s);
        return NULL;
}

void sender_set_notify(Sender *s, SenderNotify fn, void *userdata) {
        s->notify = fn;
        s->userdata = userdata;
}

int sender_kick(Sender *s) {
        set_more(s);
        return sd_event_source_set_enabled(s->dispatch, SD_EVENT_ONESHOT);
}

int sender_set_config(Sender *s, const Config *cfg) {
        const Config *old = s->cfg;
        s->cfg = cfg;
        s->check_orphans = true;
        int r = build_channel_states(s, cfg);
        if (r < 0) {
                s->cfg = old;
                return r;
        }
        return sender_kick(s);
}

unsigned sender_in_flight(const Sender *s) {
        return s->in_flight;
}

static int on_deadline(sd_event_source *src, uint64_t usec, void *userdata) {
        (void)src, (void)usec;
        Sender *s = userdata;
        s->exit_code = -ETIMEDOUT;
        return sd_event_exit(s->event, 0);
}

static void sender_freep(Sender **s) {
        sender_free(*s);
}

/* sender_run() on its loop `e`; `stats` are final once it returned (the sender is freed). */
static int run_on(sd_event *e, Store *store, const Config *cfg, const char *only_id, bool one_shot,
                  uint64_t timeout_usec, SenderStats *stats) {
        _cleanup_(sender_freep) Sender *s = NULL;
        int r = sender_new(e, store, cfg, &s);
        if (r < 0)
                return r;
        s->run_mode = true;
        s->one_shot = one_shot;
        s->stats = stats;
        if (only_id && !(s->only_id = strdup(only_id)))
                return -ENOMEM;
        r = sd_event_add_time_relative(e, &s->deadline, clock_delay_id(), timeout_usec, 0,
                                       on_deadline, s);
        if (r >= 0)
                r = sd_event_loop(e);
        return r < 0 ? r : s->exit_code;
}

int sender_run(Store *store, const Config *cfg, const char *only_id, bool one_shot,
               uint64_t timeout_usec, SenderStats *ret) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        SenderStats stats = {0};
        int r = sd_event_new(&e);
        if (r >= 0)
                r = run_on(e, store, cfg, only_id, one_shot, timeout_usec, &stats);
        if (ret)
                *ret = stats;
        return r;
}
