/* sender.c — see sender.h. */
#include "sender.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

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

/* One flush handed to the commit worker: the outcomes to record and, per channel (s->cfg's
 * order; a reload waits for the job), how many rows to claim. The worker fills in the rows
 * claimed, when each channel has a row due next, and the result. Nothing of it is touched by
 * the loop while the worker has it. */
typedef struct FlushJob {
        Transfer *done; /* the outcomes (FIFO), owned by the job */
        size_t n_done, n_channels;
        const char **channel; /* ids, s->cfg's */
        size_t *room;         /* rows to claim; 0 none */
        OutboxRow **rows;     /* claimed */
        size_t *n_rows;
        int64_t *next_due; /* unix seconds of the next queued row due later; INT64_MAX none */
        const char *only_id;
        int64_t now; /* delivery clock, µs */
        int r;
} FlushJob;

struct Sender {
        sd_event *event;
        Store *store;
        /* The commit worker: a thread on a connection of its own (wstore) that runs the flush
         * transactions, so that the loop goes on sending while SQLite writes and syncs. One job
         * at a time; `job` is the loop's until it is handed over (job_busy), the worker's until
         * it set job_busy back to false (under `lock`) and wrote to `efd`. */
        Store *wstore;
        pthread_t thread;
        bool started, stop, job_busy, flush_pending;
        pthread_mutex_t lock;
        pthread_cond_t has_job, idle;
        int efd;
        sd_event_source *job_src;
        FlushJob *job;
        int64_t job_wake; /* when a rate window ends, as the flush that made the job saw it */
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

/* Writes the outcome of `t` (inside the caller's transaction, on the worker's connection, or on
 * the loop's when the worker is stopped). */
static void transfer_record(Store *st, Transfer *t, int64_t now_s) {
        int r;
        t->failed = false;
        if (t->res == DELIVERY_OK)
                r = outbox_mark_sent_row(st, &t->row, now_s);
        else if (t->res == DELIVERY_PERMANENT) {
                r = outbox_mark_failed(st, t->row.id, now_s, t->err);
                t->failed = true;
        } else
                r = outbox_mark_retry(st, t->row.id, now_s, t->res, t->err, &t->failed);
        if (r < 0 && r != -ESTALE)
                fprintf(stderr, _("dutyd: cannot record the outcome of %s: %s\n"), t->row.id,
                        strerror(-r));
}

/* Writes the outcomes of the list `done` (inside the caller's transaction). */
static void record_done(Store *st, Transfer *done, int64_t now_s) {
        for (Transfer *t = done; t; t = t->next)
                transfer_record(st, t, now_s);
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
 * or a channel running out of claimed rows while more may be due (half its ring left: the
 * worker claims the next rows while the loop sends these; a rate-limited channel: a free slot
 * and nothing claimed). */
static bool flush_now(const Sender *s) {
        if (s->in_flight == 0 || s->n_done >= DONE_MAX)
                return true;
        for (size_t ci = 0; ci < s->n_channels; ci++) {
                const ChannelState *cs = &s->channels[ci];
                unsigned cap = channel_max_in_flight(s->cfg->channels[ci].type);
                size_t low = channel_rate_limited(cs)
                                     ? (cs->in_flight < cap)
                                     : (cs->ready_cap / 2 > cap ? cs->ready_cap / 2 : cap);
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

/* The outcomes waiting, taken off the sender's list. */
static Transfer *done_take(Sender *s, size_t *ret_n) {
        Transfer *done = s->done;
        if (ret_n)
                *ret_n = s->n_done;
        s->done = NULL;
        s->done_tail = &s->done;
        s->n_done = 0;
        return done;
}

/* Reports and frees recorded outcomes. */
static void done_report(Sender *s, Transfer *done) {
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
        if (!s->run_mode || s->job || s->in_flight > 0 || s->done || any_ready(s))
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

/* ---- the commit worker (its own thread and connection; nothing of the loop's) ------------- */

/* sender_run() for one message: that row, when it is queued and due on this channel. */
static void claim_only(Store *st, const char *only_id, const char *channel, int64_t now_s,
                       OutboxRow **ret, size_t *ret_n) {
        OutboxRow row;
        if (outbox_get(st, only_id, &row) < 0)
                return;
        if (row.state == OUTBOX_QUEUED && row.next_attempt <= now_s &&
            streq(row.channel, channel) && outbox_claim(st, row.id, now_s) >= 0 &&
            (*ret = calloc(1, sizeof **ret))) {
                row.state = OUTBOX_SENDING;
                row.attempts++;
                (*ret)[0] = row;
                *ret_n = 1;
                return;
        }
        outbox_row_done(&row);
}

/* The flush's transaction: records the outcomes, claims what each channel asked for
 * (queued → sending) and finds when each has a row due next. One commit, one fsync. */
static int job_tx(Store *st, FlushJob *j) {
        int64_t now_s = j->now / USEC_PER_SEC;
        record_done(st, j->done, now_s);
        for (size_t ci = 0; ci < j->n_channels; ci++) {
                if (j->room[ci] && j->only_id)
                        claim_only(st, j->only_id, j->channel[ci], now_s, &j->rows[ci],
                                   &j->n_rows[ci]);
                else if (j->room[ci]) {
                        int r = outbox_claim_due(st, j->channel[ci], now_s, j->room[ci],
                                                 &j->rows[ci], &j->n_rows[ci]);
                        if (r < 0)
                                return r;
                }
                if (outbox_next_due(st, j->channel[ci], now_s, &j->next_due[ci]) < 0)
                        j->next_due[ci] = INT64_MAX;
        }
        return store_commit(st);
}

static void job_run(Store *st, FlushJob *j) {
        j->r = store_begin(st);
        if (j->r >= 0 && (j->r = job_tx(st, j)) < 0)
                store_rollback(st);
        if (j->r < 0) /* rolled back: nothing was claimed */
                for (size_t ci = 0; ci < j->n_channels; ci++) {
                        outbox_rows_free(j->rows[ci], j->n_rows[ci]);
                        j->rows[ci] = NULL;
                        j->n_rows[ci] = 0;
                }
}

/* The worker thread: takes a job, runs it, tells the loop (eventfd). Blocks every signal (they
 * are the loop's), never touches the loop's objects. */
static void *worker(void *userdata) {
        Sender *s = userdata;
        pthread_mutex_lock(&s->lock);
        for (;;) {
                while (!s->stop && !s->job_busy)
                        pthread_cond_wait(&s->has_job, &s->lock);
                if (!s->job_busy)
                        break; /* stop, and nothing left to do */
                FlushJob *j = s->job;
                pthread_mutex_unlock(&s->lock);
                job_run(s->wstore, j);
                pthread_mutex_lock(&s->lock);
                s->job_busy = false;
                pthread_cond_broadcast(&s->idle);
                uint64_t one = 1;
                /* The loop reads the job once it took the lock after this. */
                (void)!write(s->efd, &one, sizeof one);
        }
        pthread_mutex_unlock(&s->lock);
        return NULL;
}

static FlushJob *job_free(FlushJob *j) {
        if (!j)
                return NULL;
        for (size_t ci = 0; j->rows && ci < j->n_channels; ci++)
                outbox_rows_free(j->rows[ci], j->n_rows[ci]);
        free(j->rows);
        free(j->n_rows);
        free(j->room);
        free(j->next_due);
        free(j->channel);
        for (Transfer *t = j->done; t;) {
                Transfer *n = t->next;
                transfer_free(t);
                t = n;
        }
        free(j);
        return NULL;
}

static FlushJob *job_new(size_t n_channels) {
        FlushJob *j = calloc(1, sizeof *j);
        size_t n = n_channels ? n_channels : 1;
        if (!j)
                return NULL;
        j->n_channels = n_channels;
        j->channel = calloc(n, sizeof *j->channel);
        j->room = calloc(n, sizeof *j->room);
        j->rows = calloc(n, sizeof *j->rows);
        j->n_rows = calloc(n, sizeof *j->n_rows);
        j->next_due = calloc(n, sizeof *j->next_due);
        if (!j->channel || !j->room || !j->rows || !j->n_rows || !j->next_due)
                return job_free(j);
        return j;
}

/* ---- flush (on the loop) ------------------------------------------------------------------ */

/* How many rows channel `ci` asks the flush to claim (0 none). */
static size_t claim_ask(Sender *s, size_t ci, int64_t now, int64_t *wake) {
        ChannelState *cs = &s->channels[ci];
        size_t room;
        /* A rate-limited channel is looked at even so: *wake must keep the end of its window. */
        if (!cs->more && !channel_rate_limited(cs))
                return 0;
        if ((room = claim_room(s, ci, now, wake)) == 0 || !cs->more)
                return 0;
        return s->only_id ? 1 : room;
}

static void flush_failed(Sender *s, int64_t now) {
        /* The database is busy or failing: the outcomes stay pending (the rows stay `sending`,
         * which a restart would put back to queued); try again in a second. */
        fprintf(stderr, _("dutyd: cannot write to the outbox: %s\n"), store_errmsg(s->wstore));
        arm_wake(s, now + (int64_t)(clock_scale() * (double)USEC_PER_SEC), now);
}

/* The job came back: on success its outcomes are reported and its rows go into the channels'
 * rings and start; on failure the outcomes wait for the next flush. `start`: false when the
 * sender is stopping (no transfer starts, no flush follows). */
static void job_finish(Sender *s, bool start) {
        FlushJob *j = s->job;
        int64_t now = clock_now_usec(), wake = j->r < 0 ? INT64_MAX : s->job_wake;
        s->job = NULL;
        if (j->r < 0) {
                /* Older than the outcomes collected meanwhile: first in the list again. */
                Transfer **tail = &j->done;
                while (*tail)
                        tail = &(*tail)->next;
                *tail = s->done;
                if (!s->done)
                        s->done_tail = tail;
                s->done = j->done;
                s->n_done += j->n_done;
                j->done = NULL;
                job_free(j);
                if (start)
                        flush_failed(s, now);
                return;
        }
        for (size_t ci = 0; ci < j->n_channels; ci++) {
                ChannelState *cs = &s->channels[ci];
                for (size_t k = 0; k < j->n_rows[ci]; k++)
                        channel_ready_push(cs, &j->rows[ci][k]);
                /* Fewer than asked: nothing more is due on it until a kick, a wake or a retry. */
                if (j->room[ci])
                        cs->more = s->only_id ? false : j->n_rows[ci] == j->room[ci];
                if (j->next_due[ci] != INT64_MAX && j->next_due[ci] * USEC_PER_SEC < wake)
                        wake = j->next_due[ci] * USEC_PER_SEC;
        }
        for (Transfer *t = j->done; t; t = t->next)
                if (t->res != DELIVERY_OK && t->res != DELIVERY_PERMANENT) {
                        /* Queued again, perhaps due at once (a re-sign): the claim looks. */
                        ssize_t ci = channel_index(s, t->row.channel);
                        if (ci >= 0)
                                s->channels[ci].more = true;
                }
        Transfer *done = j->done;
        j->done = NULL;
        job_free(j);
        done_report(s, done);
        if (!start)
                return;
        start_ready(s);
        arm_wake(s, wake, now);
        if (s->flush_pending || s->done) {
                s->flush_pending = false;
                schedule_flush(s);
        }
        check_finished(s);
}

/* Waits for the job the worker has, at most one transaction, and takes it back. */
static void job_wait(Sender *s, bool start) {
        if (!s->job)
                return;
        pthread_mutex_lock(&s->lock);
        while (s->job_busy)
                pthread_cond_wait(&s->idle, &s->lock);
        pthread_mutex_unlock(&s->lock);
        job_finish(s, start);
}

static int on_job_done(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        (void)src, (void)revents;
        Sender *s = userdata;
        uint64_t n;
        bool busy;
        (void)!read(fd, &n, sizeof n);
        pthread_mutex_lock(&s->lock);
        busy = s->job_busy;
        pthread_mutex_unlock(&s->lock);
        if (s->job && !busy)
                job_finish(s, true);
        return 0;
}

/* A flush: the outcomes waiting and what each channel may claim now go to the worker as one
 * job (one transaction, one fsync, on its connection), and the loop goes on; the outcomes are
 * reported and the claimed rows start when it comes back (job_finish()). One job at a time: a
 * flush asked for meanwhile follows it. */
static void flush(Sender *s) {
        int64_t now = clock_now_usec(), now_s = now / USEC_PER_SEC;

        if (sd_event_get_state(s->event) == SD_EVENT_FINISHED)
                return;
        if (s->job) {
                s->flush_pending = true;
                return;
        }
        s->flush_armed = false;
        (void)sd_event_source_set_enabled(s->flush_timer, SD_EVENT_OFF);
        if (s->check_orphans && !s->only_id)
                check_orphans(s, now_s); /* after start and reload only; the worker is idle */
        FlushJob *j = job_new(s->n_channels);
        if (!j) {
                arm_wake(s, now + (int64_t)(clock_scale() * (double)USEC_PER_SEC), now);
                return;
        }
        s->job_wake = INT64_MAX;
        for (size_t ci = 0; ci < s->n_channels; ci++) {
                j->channel[ci] = s->cfg->channels[ci].id;
                j->room[ci] = claim_ask(s, ci, now, &s->job_wake);
        }
        j->only_id = s->only_id;
        j->now = now;
        j->done = done_take(s, &j->n_done);
        s->job = j;
        pthread_mutex_lock(&s->lock);
        s->job_busy = true;
        pthread_cond_signal(&s->has_job);
        pthread_mutex_unlock(&s->lock);
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
        /* The flush at the sockets' priority: sd-event dispatches one source an iteration, the
         * most urgent first, so below them it would wait while any socket is busy, i.e. until
         * every transfer ended and the rings ran dry (the pipeline stalled at each commit). At
         * the same priority it takes its turn after the sockets that were ready before it. */
        (void)sd_event_source_set_priority(s->dispatch, SD_EVENT_PRIORITY_NORMAL);
        (void)sd_event_source_set_priority(s->flush_timer, SD_EVENT_PRIORITY_NORMAL);
        return 0;
}

/* The commit worker and its way back to the loop (an eventfd). The thread must never take a
 * signal meant for the loop's signalfd. */
static int start_worker(Sender *s) {
        sigset_t all, old;
        int r = store_open_another(s->store, &s->wstore);
        if (r < 0)
                return r;
        if ((s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
                return -errno;
        if ((r = sd_event_add_io(s->event, &s->job_src, s->efd, EPOLLIN, on_job_done, s)) < 0)
                return r;
        (void)sd_event_source_set_description(s->job_src, "dutyd-sender-commit");
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        r = -pthread_create(&s->thread, NULL, worker, s);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        s->started = r == 0;
        return r;
}

static void stop_worker(Sender *s) {
        if (s->started) {
                pthread_mutex_lock(&s->lock);
                s->stop = true;
                pthread_cond_signal(&s->has_job);
                pthread_mutex_unlock(&s->lock);
                pthread_join(s->thread, NULL);
                s->started = false;
        }
        s->job_src = sd_event_source_disable_unref(s->job_src);
        if (s->efd >= 0)
                close(s->efd);
        s->efd = -1;
        s->wstore = store_close(s->wstore);
}

int sender_new(sd_event *e, Store *store, const Config *cfg, Sender **ret) {
        Sender *s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->event = sd_event_ref(e);
        s->store = store;
        s->done_tail = &s->done;
        s->cfg = cfg;
        s->efd = -1;
        pthread_mutex_init(&s->lock, NULL);
        pthread_cond_init(&s->has_job, NULL);
        pthread_cond_init(&s->idle, NULL);
        int r = outbox_init(store);
        if (r >= 0 && outbox_recover(store, clock_now()) < 0)
                r = -EIO;
        if (r >= 0)
                r = build_channel_states(s, cfg);
        if (r >= 0)
                r = curl_glue_new(e, MAX_IN_FLIGHT, process_done, s, &s->glue);
        if (r >= 0)
                r = add_sources(s);
        if (r >= 0)
                r = start_worker(s);
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
        /* The job the worker has is committed (or rolled back) first: its outcomes reported, its
         * rows claimed put in the rings, released below. */
        job_wait(s, false);
        stop_worker(s);
        int64_t now_s = clock_now();
        /* Outcomes received but not recorded yet are recorded; transfers still in flight and
         * claimed rows not started go back to the queue (same id next time). One transaction. */
        bool tx = (s->done || s->transfers || any_ready(s)) && store_begin(s->store) >= 0;
        record_done(s->store, s->done, now_s);
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
        done_report(s, done_take(s, NULL));
        curl_glue_free(s->glue);
        sd_event_source_disable_unref(s->wake);
        sd_event_source_disable_unref(s->flush_timer);
        sd_event_source_disable_unref(s->dispatch);
        sd_event_source_disable_unref(s->deadline);
        for (size_t i = 0; i < s->n_channels; i++)
                channel_state_done(&s->channels[i]);
        free(s->channels);
        free(s->only_id);
        pthread_cond_destroy(&s->idle);
        pthread_cond_destroy(&s->has_job);
        pthread_mutex_destroy(&s->lock);
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
        /* The job refers to the old config's channels: it comes back first (one transaction at
         * most), and the rows it claimed go into the rings that build_channel_states() moves. */
        job_wait(s, false);
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
