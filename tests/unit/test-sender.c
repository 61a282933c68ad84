/* test-sender.c — the sender against a tiny in-process HTTP server, on the test clock
 * (DUTYD_CLOCK, 600 times faster: ten minutes last one second):
 *  - after DingTalk's 130101 "send too fast" the whole DingTalk channel pauses 10 minutes (the
 *    vendor blocks the robot that long), while another channel keeps sending;
 *  - a batch of webhook messages is sent, each marked sent once; the batch is claimed at once
 *    (rows claimed ahead of the free transfer slots), and an outcome is reported only once the
 *    transaction recording it is committed;
 *  - stopping the sender puts every claimed row not answered yet back to queued, its attempt
 *    not counted;
 *  - messages sent one after another over a keep-alive connection all go over that one
 *    connection (its socket watched again between transfers), and a kept connection the
 *    receiver closes while idle is replaced: nothing waits for an answer that cannot come. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "testutil.h"
#include "outbox.h"
#include "store-sql.h"
#include "sender.h"
#include "util.h"

#define MAX_REQ 256

/* ---- the server: one thread, one request per connection ------------------------------------ */

typedef struct Server {
        int fd, port;
        pthread_t thread;
        pthread_mutex_t lock;
        size_t n;
        struct {
                char path[32];
                int64_t at; /* delivery clock µs */
        } req[MAX_REQ];
        unsigned dingtalk_seen;
        /* Answers at most this many requests (0: all), then holds the next one unanswered until
         * stopped: the transfers behind it stay in flight. */
        size_t answer_limit;
        bool stopping;
        /* keep_alive: answers without "Connection: close" and serves the connection's next
         * requests; with drop_idle it closes the connection all the same once it answered. */
        bool keep_alive, drop_idle;
        unsigned accepted;
        size_t answered; /* every request, beyond MAX_REQ too */
} Server;

/* Reads one request on `c` and answers it; false when the client closed the connection. */
static bool serve_one(Server *sv, int c) {
        char buf[16384];
        size_t len = 0;
        long body = -1;
        char *end = NULL;
        while (len < sizeof buf - 1) {
                ssize_t k = read(c, buf + len, sizeof buf - 1 - len);
                if (k <= 0)
                        return false;
                len += (size_t)k;
                buf[len] = 0;
                if (!end && (end = strstr(buf, "\r\n\r\n"))) {
                        const char *cl = strcasestr(buf, "\r\nContent-Length:");
                        body = cl ? strtol(cl + 17, NULL, 10) : 0;
                }
                if (end && (size_t)(end + 4 - buf) + (size_t)body <= len)
                        break;
        }
        if (!end)
                return false;
        char path[32] = "";
        (void)sscanf(buf, "POST %31[^? ]", path);
        const char *answer = "{}";
        pthread_mutex_lock(&sv->lock);
        while (sv->answer_limit && sv->n >= sv->answer_limit && !sv->stopping) {
                pthread_mutex_unlock(&sv->lock);
                usleep(1000);
                pthread_mutex_lock(&sv->lock);
        }
        if (sv->n < MAX_REQ) {
                snprintf(sv->req[sv->n].path, sizeof sv->req[sv->n].path, "%s", path);
                sv->req[sv->n].at = clock_now_usec();
                sv->n++;
        }
        sv->answered++;
        if (strncmp(path, "/dingtalk", 9) == 0)
                answer = sv->dingtalk_seen++ == 0
                                 ? "{\"errcode\":130101,\"errmsg\":\"send too fast, "
                                   "exceed 20 times per minute\"}"
                                 : "{\"errcode\":0,\"errmsg\":\"ok\"}";
        bool keep = sv->keep_alive;
        pthread_mutex_unlock(&sv->lock);
        char out[512];
        int n = snprintf(out, sizeof out,
                         "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                         "%zu\r\n%s\r\n%s",
                         strlen(answer), keep ? "" : "Connection: close\r\n", answer);
        return write(c, out, (size_t)n) == n;
}

static void *server_main(void *p) {
        Server *sv = p;
        for (;;) {
                int c = accept(sv->fd, NULL, NULL);
                if (c < 0)
                        return NULL; /* shut down */
                pthread_mutex_lock(&sv->lock);
                sv->accepted++;
                bool more = sv->keep_alive && !sv->drop_idle;
                pthread_mutex_unlock(&sv->lock);
                while (serve_one(sv, c) && more)
                        ;
                close(c);
        }
}

static void server_start(Server *sv) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t l = sizeof a;
        *sv = (Server){0};
        pthread_mutex_init(&sv->lock, NULL);
        sv->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(sv->fd >= 0);
        assert_int_equal(bind(sv->fd, (struct sockaddr *)&a, sizeof a), 0);
        assert_int_equal(listen(sv->fd, 128), 0);
        assert_int_equal(getsockname(sv->fd, (struct sockaddr *)&a, &l), 0);
        sv->port = ntohs(a.sin_port);
        assert_int_equal(pthread_create(&sv->thread, NULL, server_main, sv), 0);
}

static void server_stop(Server *sv) {
        pthread_mutex_lock(&sv->lock);
        sv->stopping = true;
        pthread_mutex_unlock(&sv->lock);
        shutdown(sv->fd, SHUT_RDWR);
        pthread_join(sv->thread, NULL);
        close(sv->fd);
        pthread_mutex_destroy(&sv->lock);
}

/* ---- fixture ------------------------------------------------------------------------------- */

typedef struct Fx {
        char dir[64];
        Store *store;
        Server sv;
        Config cfg;
        Channel ch[2];
        char url[2][64];
        sd_event *event;
        Sender *sender;
        unsigned sent, retried, failed, want_sent;
        char queued_late_id[OUTBOX_ID_LEN + 1];
        int64_t queued_late_at;
        /* Seen by the first report: rows still queued, and whether a transaction was open. */
        size_t queued_at_first;
        /* Messages still to queue, one each time one is reported sent. */
        int chain;
        /* Reloads (sender_set_config(), cfg2 and cfg in turn) from this many reports on. */
        unsigned reload_at, reloads;
        Config cfg2;
        Channel ch2[2]; /* cfg2's: cfg's channels in the other order */
        sd_event_source *reload;
        bool in_tx_at_report, unsent_at_report, stop_at_first;
} Fx;

static int setup(void **state) {
        Fx *f = calloc(1, sizeof *f);
        assert_non_null(f);
        strcpy(f->dir, "/tmp/dutyd-sender-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        assert_int_equal(store_open(f->dir, &f->store), 0);
        assert_int_equal(outbox_init(f->store), 0);
        server_start(&f->sv);
        snprintf(f->url[0], sizeof f->url[0], "http://127.0.0.1:%d/dingtalk", f->sv.port);
        snprintf(f->url[1], sizeof f->url[1], "http://127.0.0.1:%d/hook", f->sv.port);
        f->ch[0] = (Channel){.id = (char *)"dt",
                             .type = CHANNEL_DINGTALK,
                             .url = f->url[0],
                             .key = {.value = (char *)"DT-token"},
                             .rate_per_minute = 1000,
                             .timeout_sec = 5};
        f->ch[1] = (Channel){
                .id = (char *)"hk", .type = CHANNEL_WEBHOOK, .url = f->url[1], .timeout_sec = 5};
        f->cfg.channels = f->ch;
        f->cfg.n_channels = 2;
        f->cfg.org_name = (char *)"大栗港镇";
        f->cfg.timezone = (char *)"Asia/Shanghai";
        assert_int_equal(sd_event_new(&f->event), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fx *f = *state;
        sender_free(f->sender);
        sd_event_unref(f->event);
        server_stop(&f->sv);
        store_close(f->store);
        rm_tree(f->dir);
        free(f);
        return 0;
}

static void insert(Fx *f, const char *channel, const char *occ, char id[OUTBOX_ID_LEN + 1]) {
        const char *occs[1] = {occ}, *steps[1] = {"b7"};
        bool inserted = false;
        int64_t now = clock_now();
        compose_delivery_id(occs, steps, 1, channel, "", id);
        assert_int_equal(
                outbox_insert(f->store, id, channel, "", "upcoming", occ,
                              "{\"kind\":\"upcoming\",\"subject\":\"s\",\"text\":\"安全生产例会\","
                              "\"mentions\":[],\"items\":[]}",
                              now, now + 24 * 3600, &inserted),
                0);
        assert_true(inserted);
}

/* n webhook messages, occurrences PREFIXi:mayor:2026-Q4:1. */
static void insert_many(Fx *f, const char *prefix, int n) {
        char id[OUTBOX_ID_LEN + 1];
        for (int i = 0; i < n; i++) {
                char occ[64];
                snprintf(occ, sizeof occ, "%s%d:mayor:2026-Q4:1", prefix, i);
                insert(f, "hk", occ, id);
        }
}

static size_t count_queued(Fx *f) {
        sqlite3_stmt *st = NULL;
        size_t n = SIZE_MAX;
        if (sqlite3_prepare_v2(store_db(f->store),
                               "SELECT COUNT(*) FROM outbox WHERE state='queued'", -1, &st,
                               NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
                n = (size_t)sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return n;
}

static bool is_sent(Fx *f, const char *id) {
        OutboxRow r;
        if (outbox_get(f->store, id, &r) < 0)
                return false;
        bool sent = r.state == OUTBOX_SENT;
        outbox_row_done(&r);
        return sent;
}

static void on_notify(Sender *s, const OutboxRow *row, DeliveryResult result, bool failed,
                      const char *error, void *userdata) {
        (void)s, (void)error;
        Fx *f = userdata;
        if (f->sent + f->failed + f->retried == 0)
                f->queued_at_first = count_queued(f);
        /* Reported only once recorded: no transaction open, the row already sent. */
        if (!sqlite3_get_autocommit(store_db(f->store)))
                f->in_tx_at_report = true;
        if (result == DELIVERY_OK && !is_sent(f, row->id))
                f->unsent_at_report = true;
        if (f->stop_at_first)
                (void)sd_event_exit(f->event, 0);
        if (result == DELIVERY_OK && f->chain > 0) {
                char occ[64], id[OUTBOX_ID_LEN + 1];
                snprintf(occ, sizeof occ, "chain%d:mayor:2026-Q4:1", f->chain--);
                insert(f, "hk", occ, id);
                (void)sender_kick(f->sender);
        }
        if (f->reload_at && f->sent + f->failed + f->retried + 1 == f->reload_at)
                assert_int_equal(sd_event_source_set_enabled(f->reload, SD_EVENT_ONESHOT), 0);
        if (result == DELIVERY_OK)
                f->sent++;
        else if (failed)
                f->failed++;
        else
                f->retried++;
        if (f->sent + f->failed >= f->want_sent)
                (void)sd_event_exit(f->event, 0);
}

static int on_deadline(sd_event_source *src, uint64_t usec, void *userdata) {
        (void)src, (void)usec;
        Fx *f = userdata;
        return sd_event_exit(f->event, -ETIMEDOUT);
}

/* Queued while the channel is paused: a DingTalk message and a webhook message. */
static int on_late(sd_event_source *src, uint64_t usec, void *userdata) {
        (void)src, (void)usec;
        Fx *f = userdata;
        char id[OUTBOX_ID_LEN + 1];
        f->queued_late_at = clock_now_usec();
        insert(f, "dt", "late:mayor:2026-Q4:1", f->queued_late_id);
        insert(f, "hk", "late:mayor:2026-Q4:1", id);
        (void)sender_kick(f->sender);
        return 0;
}

static int run_loop(Fx *f, uint64_t real_timeout_usec) {
        sd_event_source *deadline = NULL;
        assert_int_equal(sd_event_add_time_relative(f->event, &deadline, clock_delay_id(),
                                                    real_timeout_usec, 0, on_deadline, f),
                         0);
        int r = sd_event_loop(f->event);
        sd_event_source_disable_unref(deadline);
        return r;
}

static void test_dingtalk_pause(void **state) {
        Fx *f = *state;
        char first[OUTBOX_ID_LEN + 1];
        sd_event_source *late = NULL;
        insert(f, "dt", "first:mayor:2026-Q4:1", first);
        assert_int_equal(sender_new(f->event, f->store, &f->cfg, &f->sender), 0);
        sender_set_notify(f->sender, on_notify, f);
        f->want_sent = 3;
        /* 0.2 s real = 2 minutes of delivery clock after the start: inside the pause. */
        assert_int_equal(sd_event_add_time_relative(f->event, &late, clock_delay_id(), 200000, 0,
                                                    on_late, f),
                         0);
        assert_int_equal(run_loop(f, 10 * 1000000ULL), 0);
        sd_event_source_disable_unref(late);

        assert_int_equal(f->sent, 3);
        assert_int_equal(f->retried, 1);
        assert_int_equal(f->failed, 0);
        pthread_mutex_lock(&f->sv.lock);
        size_t n = f->sv.n;
        int64_t blocked_at = -1, hook_at = -1, next_dt = -1;
        for (size_t i = 0; i < n; i++) {
                if (streq(f->sv.req[i].path, "/dingtalk")) {
                        if (blocked_at < 0)
                                blocked_at = f->sv.req[i].at;
                        else if (next_dt < 0)
                                next_dt = f->sv.req[i].at;
                } else if (streq(f->sv.req[i].path, "/hook"))
                        hook_at = f->sv.req[i].at;
        }
        pthread_mutex_unlock(&f->sv.lock);
        assert_int_equal(n, 4); /* 130101, then the retry, the late DingTalk one, the webhook */
        assert_true(blocked_at > 0 && next_dt > 0 && hook_at > 0);
        /* Nothing on DingTalk for 10 minutes after the 130101 answer (without the pause the retry
         * would come after the 30 s backoff, and the late message at once). */
        if (next_dt - blocked_at < 600 * 1000000LL)
                fail_msg("DingTalk sent again %.0f s after 130101",
                         (double)(next_dt - blocked_at) / 1e6);
        assert_true(f->queued_late_at < blocked_at + 600 * 1000000LL);
        /* The webhook channel was not paused: sent as soon as it was queued (well within 10
         * minutes of the delivery clock, i.e. within a second real). */
        assert_true(hook_at >= f->queued_late_at);
        assert_true(hook_at - f->queued_late_at < 300 * 1000000LL);

        OutboxRow row;
        assert_int_equal(outbox_get(f->store, first, &row), 0);
        assert_int_equal(row.state, OUTBOX_SENT);
        assert_int_equal(row.attempts, 2);
        outbox_row_done(&row);
        assert_int_equal(outbox_get(f->store, f->queued_late_id, &row), 0);
        assert_int_equal(row.state, OUTBOX_SENT);
        assert_int_equal(row.attempts, 1);
        outbox_row_done(&row);
}

/* A batch larger than what may be in flight: every message sent once and recorded sent. */
static void test_batch(void **state) {
        Fx *f = *state;
        insert_many(f, "d", 150);
        assert_int_equal(sender_new(f->event, f->store, &f->cfg, &f->sender), 0);
        sender_set_notify(f->sender, on_notify, f);
        f->want_sent = 150;
        assert_int_equal(run_loop(f, 20 * 1000000ULL), 0);
        assert_int_equal(f->sent, 150);
        assert_int_equal(f->sv.n, 150);
        OutboxRow *rows = NULL;
        size_t n = 0;
        assert_int_equal(outbox_list(f->store, false, &rows, &n), 0);
        assert_int_equal(n, 150);
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(rows[i].state, OUTBOX_SENT);
                assert_int_equal(rows[i].attempts, 1);
        }
        outbox_rows_free(rows, n);
        assert_int_equal(sender_in_flight(f->sender), 0);
        /* 150 fit the webhook channel's claim (32 slots and 128 ahead): all claimed at once. */
        assert_int_equal(f->queued_at_first, 0);
        assert_false(f->in_tx_at_report);
        assert_false(f->unsent_at_report);
}

/* Stopped with rows claimed, in flight and answered but not recorded: nothing stays
 * `sending`; what was not recorded sent is queued again with its attempt not counted. */
static void test_release_on_free(void **state) {
        Fx *f = *state;
        insert_many(f, "r", 150);
        pthread_mutex_lock(&f->sv.lock);
        f->sv.answer_limit = 10;
        pthread_mutex_unlock(&f->sv.lock);
        assert_int_equal(sender_new(f->event, f->store, &f->cfg, &f->sender), 0);
        sender_set_notify(f->sender, on_notify, f);
        f->stop_at_first = true;
        assert_int_equal(run_loop(f, 20 * 1000000ULL), 0);
        assert_true(f->sent >= 1);
        assert_true(sender_in_flight(f->sender) > 0);
        f->sender = sender_free(f->sender);
        OutboxRow *rows = NULL;
        size_t n = 0, sent = 0;
        assert_int_equal(outbox_list(f->store, false, &rows, &n), 0);
        assert_int_equal(n, 150);
        for (size_t i = 0; i < n; i++) {
                if (rows[i].state == OUTBOX_SENT) {
                        sent++;
                        assert_int_equal(rows[i].attempts, 1);
                } else {
                        assert_int_equal(rows[i].state, OUTBOX_QUEUED);
                        assert_int_equal(rows[i].attempts, 0);
                }
        }
        outbox_rows_free(rows, n);
        /* The answered ones, recorded before or by sender_free(); nothing else. */
        assert_int_equal(sent, 10);
}

static int on_reload(sd_event_source *src, void *userdata) {
        Fx *f = userdata;
        /* Alternately the second config and the first: each a new Config, the same channels.
         * Again on the next loop iterations: some find the worker's transaction under way. */
        f->reloads++;
        assert_int_equal(sender_set_config(f->sender, f->reloads % 2 ? &f->cfg2 : &f->cfg), 0);
        if (f->reloads < 1000 && f->sent < f->want_sent)
                assert_int_equal(sd_event_source_set_enabled(src, SD_EVENT_ONESHOT), 0);
        return 0;
}

/* Reloads while sending, one a loop iteration, from the 100th report on (the commit worker's
 * transaction under way at some): each row sent once, recorded sent, its attempt counted
 * once. */
static void test_reload_while_sending(void **state) {
        Fx *f = *state;
        insert_many(f, "c", 1500);
        f->ch2[0] = f->ch[1];
        f->ch2[1] = f->ch[0];
        f->cfg2 = f->cfg;
        f->cfg2.channels = f->ch2;
        f->reload_at = 100;
        assert_int_equal(sd_event_add_defer(f->event, &f->reload, on_reload, f), 0);
        assert_int_equal(sd_event_source_set_enabled(f->reload, SD_EVENT_OFF), 0);
        assert_int_equal(sender_new(f->event, f->store, &f->cfg, &f->sender), 0);
        sender_set_notify(f->sender, on_notify, f);
        f->want_sent = 1500;
        assert_int_equal(run_loop(f, 30 * 1000000ULL), 0);
        f->reload = sd_event_source_disable_unref(f->reload);
        assert_true(f->reloads > 1);
        assert_int_equal(f->sent, 1500);
        assert_int_equal(f->retried + f->failed, 0);
        pthread_mutex_lock(&f->sv.lock);
        assert_int_equal(f->sv.answered, 1500);
        pthread_mutex_unlock(&f->sv.lock);
        OutboxRow *rows = NULL;
        size_t n = 0;
        assert_int_equal(outbox_list(f->store, false, &rows, &n), 0);
        assert_int_equal(n, 1500);
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(rows[i].state, OUTBOX_SENT);
                assert_int_equal(rows[i].attempts, 1);
        }
        outbox_rows_free(rows, n);
        assert_false(f->unsent_at_report);
}

/* Five messages, each queued once the one before was sent: on a keep-alive receiver. */
static unsigned send_one_by_one(Fx *f, bool drop_idle) {
        pthread_mutex_lock(&f->sv.lock);
        f->sv.keep_alive = true;
        f->sv.drop_idle = drop_idle;
        pthread_mutex_unlock(&f->sv.lock);
        insert_many(f, "k", 1);
        f->chain = 4;
        f->want_sent = 5;
        assert_int_equal(sender_new(f->event, f->store, &f->cfg, &f->sender), 0);
        sender_set_notify(f->sender, on_notify, f);
        /* Without its socket watched again, a transfer would wait for its 5 s timeout. */
        assert_int_equal(run_loop(f, 4 * 1000000ULL), 0);
        assert_int_equal(f->sent, 5);
        assert_int_equal(f->retried + f->failed, 0);
        pthread_mutex_lock(&f->sv.lock);
        unsigned accepted = f->sv.accepted;
        assert_int_equal(f->sv.n, 5);
        pthread_mutex_unlock(&f->sv.lock);
        return accepted;
}

static void test_keep_alive(void **state) {
        assert_int_equal(send_one_by_one(*state, false), 1);
}

/* The receiver closes each connection after its answer, without saying so: curl finds the
 * kept connection dead when it next wants it and opens another. */
static void test_closed_while_idle(void **state) {
        assert_int_equal(send_one_by_one(*state, true), 5);
}

int main(void) {
        /* Before the first use of the delivery clock: ten minutes last one second. */
        setenv("DUTYD_CLOCK", "x600", 1);
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_dingtalk_pause, setup, teardown),
                cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
                cmocka_unit_test_setup_teardown(test_release_on_free, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reload_while_sending, setup, teardown),
                cmocka_unit_test_setup_teardown(test_keep_alive, setup, teardown),
                cmocka_unit_test_setup_teardown(test_closed_while_idle, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
