/* sender.c — see sender.h. Loop integration after systemd's src/import/curl-util.c. */
#include "sender.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "clock.h"
#include "mail.h"
#include "sign.h"
#include "util.h"

#define MAX_IN_FLIGHT 64
/* In flight per channel: robots are rate-limited anyway; a webhook receiver is ours. */
static unsigned max_per_channel(ChannelType t) {
        return t == CHANNEL_WEBHOOK ? 32 : t == CHANNEL_SMTP ? 4 : 8;
}
#define MAX_RESPONSE (64 * 1024)
#define USEC_PER_SEC INT64_C(1000000)

typedef struct Window {
        int64_t *times; /* ring of send times (delivery clock, µs) */
        size_t cap, head, count;
        int64_t span; /* µs */
} Window;

typedef struct ChannelState {
        char *id;
        Window minute, second;
        unsigned in_flight;
        int64_t paused_until; /* delivery clock µs: the vendor blocks the robot until then */
} ChannelState;

typedef struct Transfer {
        struct Transfer *next, *prev;
        Sender *sender;
        CURL *easy;
        OutboxRow row;
        ChannelType type;
        PayloadRequest req;
        struct curl_slist *headers;
        MailMessage *mail;
        Buf response;
        CURLcode result;
        /* The outcome, classified when the transfer completed; recorded by the next flush. */
        DeliveryResult res;
        bool failed;
        char err[512];
} Transfer;

struct Sender {
        sd_event *event;
        Store *store;
        const Config *cfg;
        CURLM *multi;
        sd_event_source *curl_timer, *dispatch, *wake, *deadline;
        ChannelState *channels;
        size_t n_channels;
        Transfer *transfers;
        unsigned in_flight;
        /* Completed transfers whose outcome is not recorded yet (FIFO): recorded by the next
         * dispatch, all in one transaction, before anything else looks at them. */
        Transfer *done, **done_tail;
        uint64_t next_wake; /* CLOCK_REALTIME µs, 0 = none */
        SenderNotify notify;
        void *userdata;
        /* sender_run() */
        bool run_mode, one_shot;
        char *only_id;
        SenderStats *stats;
        int exit_code;
        bool check_orphans;
};

/* ---- rate windows ------------------------------------------------------------------------ */

static int window_init(Window *w, int limit, int64_t span) {
        free(w->times);
        *w = (Window){.span = span};
        if (limit <= 0)
                return 0;
        w->times = calloc((size_t)limit, sizeof(int64_t));
        if (!w->times)
                return -ENOMEM;
        w->cap = (size_t)limit;
        return 0;
}

static void window_expire(Window *w, int64_t now) {
        while (w->count > 0 && w->times[w->head] <= now - w->span) {
                w->head = (w->head + 1) % w->cap;
                w->count--;
        }
}

/* How many may be sent now; SIZE_MAX when unlimited. *ret_next: when the next slot frees. */
static size_t window_room(Window *w, int64_t now, int64_t *ret_next) {
        if (!w->cap)
                return SIZE_MAX;
        window_expire(w, now);
        if (w->count == w->cap && ret_next)
                *ret_next = w->times[w->head] + w->span;
        return w->cap - w->count;
}

static void window_record(Window *w, int64_t now) {
        if (!w->cap)
                return;
        if (w->count == w->cap) { /* cannot happen when room was checked; keep the newest */
                w->head = (w->head + 1) % w->cap;
                w->count--;
        }
        w->times[(w->head + w->count) % w->cap] = now;
        w->count++;
}

static int default_rate(ChannelType t) {
        switch (t) {
        case CHANNEL_WECOM:
        case CHANNEL_DINGTALK: return 20;
        case CHANNEL_FEISHU: return 100;
        default: return 0;
        }
}

static void channel_state_done(ChannelState *c) {
        free(c->id);
        free(c->minute.times);
        free(c->second.times);
}

static int build_channel_states(Sender *s, const Config *cfg) {
        ChannelState *v = calloc(cfg->n_channels ? cfg->n_channels : 1, sizeof *v);
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < cfg->n_channels; i++) {
                const Channel *ch = &cfg->channels[i];
                int per_min =
                        ch->rate_per_minute > 0 ? ch->rate_per_minute : default_rate(ch->type);
                int per_sec = ch->type == CHANNEL_FEISHU ? 5 : 0;
                v[i].id = strdup(ch->id);
                if (!v[i].id || window_init(&v[i].minute, per_min, 60 * USEC_PER_SEC) < 0 ||
                    window_init(&v[i].second, per_sec, USEC_PER_SEC) < 0)
                        goto oom;
                /* Keep the history of a channel that survives a reload. */
                for (size_t j = 0; j < s->n_channels; j++) {
                        ChannelState *o = &s->channels[j];
                        if (!streq(o->id, ch->id))
                                continue;
                        v[i].in_flight = o->in_flight;
                        v[i].paused_until = o->paused_until;
                        for (size_t k = 0; k < o->minute.count; k++)
                                if (v[i].minute.cap)
                                        window_record(&v[i].minute,
                                                      o->minute.times[(o->minute.head + k) %
                                                                      o->minute.cap]);
                        for (size_t k = 0; k < o->second.count; k++)
                                if (v[i].second.cap)
                                        window_record(&v[i].second,
                                                      o->second.times[(o->second.head + k) %
                                                                      o->second.cap]);
                }
        }
        for (size_t j = 0; j < s->n_channels; j++)
                channel_state_done(&s->channels[j]);
        free(s->channels);
        s->channels = v;
        s->n_channels = cfg->n_channels;
        return 0;
oom:
        for (size_t i = 0; i < cfg->n_channels; i++)
                channel_state_done(&v[i]);
        free(v);
        return -ENOMEM;
}

static ssize_t channel_index(const Sender *s, const char *id) {
        for (size_t i = 0; i < s->cfg->n_channels; i++)
                if (streq(s->cfg->channels[i].id, id))
                        return (ssize_t)i;
        return -1;
}

/* ---- curl ↔ sd-event ------------------------------------------------------------------- */

static void process_done(Sender *s);
static void schedule_dispatch(Sender *s);

static int on_io(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        (void)src;
        Sender *s = userdata;
        int action = 0, running;
        if (revents & EPOLLIN)
                action |= CURL_CSELECT_IN;
        if (revents & EPOLLOUT)
                action |= CURL_CSELECT_OUT;
        if (revents & (EPOLLERR | EPOLLHUP))
                action |= CURL_CSELECT_ERR;
        curl_multi_socket_action(s->multi, fd, action, &running);
        process_done(s);
        return 0;
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp) {
        (void)easy;
        Sender *s = userp;
        sd_event_source *src = socketp;
        if (what == CURL_POLL_REMOVE) {
                if (src) {
                        sd_event_source_disable_unref(src);
                        curl_multi_assign(s->multi, fd, NULL);
                }
                return 0;
        }
        uint32_t events =
                (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
        if (src)
                return sd_event_source_set_io_events(src, events) < 0 ? -1 : 0;
        if (sd_event_add_io(s->event, &src, fd, events, on_io, s) < 0)
                return -1;
        (void)sd_event_source_set_description(src, "dutyd-curl-io");
        if (curl_multi_assign(s->multi, fd, src) != CURLM_OK) {
                sd_event_source_disable_unref(src);
                return -1;
        }
        return 0;
}

static int on_curl_timer(sd_event_source *src, uint64_t usec, void *userdata) {
        (void)src, (void)usec;
        Sender *s = userdata;
        int running;
        curl_multi_socket_action(s->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        process_done(s);
        return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp) {
        (void)multi;
        Sender *s = userp;
        /* No libcurl calls in here. */
        if (timeout_ms < 0)
                return sd_event_source_set_enabled(s->curl_timer, SD_EVENT_OFF) < 0 ? -1 : 0;
        if (sd_event_source_set_time_relative(s->curl_timer, (uint64_t)timeout_ms * 1000 + 999) <
                    0 ||
            sd_event_source_set_enabled(s->curl_timer, SD_EVENT_ONESHOT) < 0)
                return -1;
        return 0;
}

/* ---- transfers --------------------------------------------------------------------------- */

static void transfer_free(Transfer *t) {
        if (!t)
                return;
        if (t->mail)
                mail_free(t->mail); /* owns t->easy */
        else if (t->easy)
                curl_easy_cleanup(t->easy);
        curl_slist_free_all(t->headers);
        payload_request_done(&t->req);
        buf_done(&t->response);
        outbox_row_done(&t->row);
        free(t);
}

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *userdata) {
        Transfer *t = userdata;
        size_t n = size * nmemb;
        if (t->response.len + n > MAX_RESPONSE)
                return n; /* ignore the rest; the code is at the start */
        buf_put(&t->response, ptr, n);
        return n;
}

static int header_add(struct curl_slist **l, const char *fmt, ...) _printf_(2, 3);
static int header_add(struct curl_slist **l, const char *fmt, ...) {
        va_list ap;
        char *p = NULL;
        va_start(ap, fmt);
        int q = vasprintf(&p, fmt, ap);
        va_end(ap);
        _cleanup_free_ char *line = q < 0 ? NULL : p;
        if (!line)
                return -ENOMEM;
        struct curl_slist *n = curl_slist_append(*l, line);
        if (!n)
                return -ENOMEM;
        *l = n;
        return 0;
}

static int transfer_start(Sender *s, size_t ci, OutboxRow *row) {
        const Channel *ch = &s->cfg->channels[ci];
        Transfer *t = calloc(1, sizeof *t);
        json_t *content = NULL;
        int r = -ENOMEM;
        if (!t)
                return -ENOMEM;
        t->sender = s;
        t->row = *row;
        *row = (OutboxRow){0};
        t->type = ch->type;
        long timeout_ms = (long)(ch->timeout_sec > 0 ? ch->timeout_sec : 15) * 1000;

        content = json_loads(t->row.content, 0, NULL);
        if (!content) {
                r = -EBADMSG;
                goto fail;
        }
        int64_t now_ms = clock_now_usec() / 1000;
        if (ch->type == CHANNEL_SMTP) {
                const char *subject = json_string_value(json_object_get(content, "subject"));
                const char *text = json_string_value(json_object_get(content, "text"));
                r = mail_new(ch, t->row.id, t->row.recipient, subject, text, now_ms / 1000,
                             &t->mail);
                if (r < 0)
                        goto fail;
                t->easy = t->mail->easy;
        } else {
                r = payload_build(ch, t->row.id, content, now_ms, &t->req);
                if (r < 0)
                        goto fail;
                r = -ENOMEM;
                t->easy = curl_easy_init();
                if (!t->easy || header_add(&t->headers, "%s", t->req.content_type) < 0 ||
                    header_add(&t->headers, "%s", "Expect:") < 0 ||
                    header_add(&t->headers, "X-Dutyd-Delivery-Id: %s", t->row.id) < 0 ||
                    (t->req.signature &&
                     header_add(&t->headers, SIGN_WEBHOOK_HEADER ": %s", t->req.signature) < 0))
                        goto fail;
                CURL *e = t->easy;
                if (curl_easy_setopt(e, CURLOPT_URL, t->req.url) != CURLE_OK ||
                    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
                    curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->req.body) != CURLE_OK ||
                    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(t->req.body)) !=
                            CURLE_OK ||
                    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers) != CURLE_OK ||
                    curl_easy_setopt(e, CURLOPT_USERAGENT, "dutyd/1") != CURLE_OK ||
                    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK) {
                        r = -EINVAL;
                        goto fail;
                }
                if (ch->insecure_tls) {
                        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
                        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
                }
                curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
                curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
        }
        curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
        curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT_MS,
                         timeout_ms < 10000 ? timeout_ms : 10000L);
        curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
        if (curl_multi_add_handle(s->multi, t->easy) != CURLM_OK) {
                r = -EIO;
                goto fail;
        }
        json_decref(content);
        t->next = s->transfers;
        if (s->transfers)
                s->transfers->prev = t;
        s->transfers = t;
        s->in_flight++;
        s->channels[ci].in_flight++;
        return 0;
fail:
        json_decref(content);
        /* Cannot even build it (bad stored content or address): a permanent error. */
        {
                char err[256];
                snprintf(err, sizeof err, "无法生成请求：%s", strerror(-r));
                (void)outbox_mark_failed(s->store, t->row.id, clock_now(), err);
                if (s->stats) {
                        s->stats->failed++;
                        snprintf(s->stats->last_error, sizeof s->stats->last_error, "%s", err);
                }
                if (s->notify)
                        s->notify(s, &t->row, DELIVERY_PERMANENT, true, err, s->userdata);
        }
        transfer_free(t);
        return r;
}

static DeliveryResult classify_smtp(CURLcode res, long code, char *err, size_t n) {
        if (res == CURLE_OK) {
                snprintf(err, n, "成功");
                return DELIVERY_OK;
        }
        switch (res) {
        case CURLE_LOGIN_DENIED:
                snprintf(err, n, "SMTP 登录失败（用户名或授权码错误）");
                return DELIVERY_PERMANENT;
        case CURLE_USE_SSL_FAILED:
                snprintf(err, n, "SMTP 服务器不支持 STARTTLS，拒绝明文发送");
                return DELIVERY_PERMANENT;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
                snprintf(err, n, "SMTP 服务器证书校验失败");
                return DELIVERY_PERMANENT;
        default: break;
        }
        if (code >= 500 && code < 600) {
                snprintf(err, n, "SMTP %ld：服务器拒收（%s）", code, curl_easy_strerror(res));
                return DELIVERY_PERMANENT;
        }
        if (code >= 400 && code < 500)
                snprintf(err, n, "SMTP %ld：服务器暂时拒收（%s）", code, curl_easy_strerror(res));
        else
                snprintf(err, n, "网络错误：%s", curl_easy_strerror(res));
        return DELIVERY_RETRY;
}

/* Classifies the answer of a completed transfer (in memory; recorded later). */
static void transfer_classify(Sender *s, Transfer *t) {
        long code = 0;
        ssize_t ci = channel_index(s, t->row.channel);
        const Channel *ch = ci >= 0 ? &s->cfg->channels[ci] : NULL;

        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
        if (t->type == CHANNEL_SMTP)
                t->res = classify_smtp(t->result, code, t->err, sizeof t->err);
        else if (t->result != CURLE_OK) {
                t->res = DELIVERY_RETRY;
                snprintf(t->err, sizeof t->err, "%s：%s",
                         t->result == CURLE_OPERATION_TIMEDOUT ? "超时" : "网络错误",
                         curl_easy_strerror(t->result));
        } else {
                Channel stub = {.type = t->type};
                t->res = payload_classify(ch ? ch : &stub, code, t->response.data, t->response.len,
                                          t->err, sizeof t->err);
                int pause = t->res == DELIVERY_OK
                                    ? 0
                                    : payload_pause_seconds(ch ? ch : &stub, code, t->response.data,
                                                            t->response.len);
                if (pause > 0 && ci >= 0) {
                        /* The vendor blocks the robot: send nothing more on it until then. */
                        int64_t until = clock_now_usec() + (int64_t)pause * USEC_PER_SEC;
                        if (until > s->channels[ci].paused_until)
                                s->channels[ci].paused_until = until;
                }
        }
        if (s->one_shot && t->res != DELIVERY_OK)
                t->res = DELIVERY_PERMANENT;
}

/* Writes the outcome of `t` (inside the caller's transaction). */
static void transfer_record(Sender *s, Transfer *t, int64_t now_s) {
        int r;
        t->failed = false;
        if (t->res == DELIVERY_OK)
                r = outbox_mark_sent(s->store, t->row.id, now_s);
        else if (t->res == DELIVERY_PERMANENT) {
                r = outbox_mark_failed(s->store, t->row.id, now_s, t->err);
                t->failed = true;
        } else
                r = outbox_mark_retry(s->store, t->row.id, now_s, t->res, t->err, &t->failed);
        if (r < 0 && r != -ESTALE)
                fprintf(stderr, "dutyd: 无法记录发送结果 %s: %s\n", t->row.id, strerror(-r));
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

/* Collects the completed transfers. Their outcomes are recorded by the next dispatch, which runs
 * after every other pending event of this loop iteration (lower priority), so that all the
 * transfers completing together cost one transaction (one fsync). */
static void process_done(Sender *s) {
        CURLMsg *msg;
        int left;
        bool any = false;
        while ((msg = curl_multi_info_read(s->multi, &left))) {
                if (msg->msg != CURLMSG_DONE)
                        continue;
                Transfer *t = NULL;
                curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
                t->result = msg->data.result;
                transfer_classify(s, t);
                curl_multi_remove_handle(s->multi, t->easy);
                unlink_transfer(s, t);
                *s->done_tail = t;
                s->done_tail = &t->next;
                any = true;
        }
        if (any)
                schedule_dispatch(s);
}

/* Reports and frees the recorded outcomes. */
static void done_report(Sender *s) {
        Transfer *done = s->done;
        s->done = NULL;
        s->done_tail = &s->done;
        while (done) {
                Transfer *n = done->next;
                transfer_report(s, done);
                transfer_free(done);
                done = n;
        }
}

/* ---- dispatch ---------------------------------------------------------------------------- */

static void arm_wake(Sender *s, int64_t at, int64_t now) {
        if (at == INT64_MAX) {
                s->next_wake = 0;
                (void)sd_event_source_set_enabled(s->wake, SD_EVENT_OFF);
                return;
        }
        double scale = clock_scale();
        int64_t delay = at > now ? (int64_t)((double)(at - now) / scale) : 0;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        s->next_wake =
                (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000 + (uint64_t)delay;
        (void)sd_event_source_set_time_relative(s->wake, (uint64_t)delay + 1000);
        (void)sd_event_source_set_enabled(s->wake, SD_EVENT_ONESHOT);
}

static void check_finished(Sender *s) {
        if (!s->run_mode || s->in_flight > 0)
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
                const char *err = "通道已不在配置中";
                if (outbox_mark_failed(s->store, rows[i].id, now_s, err) >= 0 && s->notify)
                        s->notify(s, &rows[i], DELIVERY_PERMANENT, true, err, s->userdata);
        }
        outbox_rows_free(rows, n);
}

typedef struct Claim {
        size_t ci;
        OutboxRow row;
} Claim;

/* Claims (inside the caller's transaction) what channel `ci` may send now, appending to
 * `claims` (room for MAX_IN_FLIGHT). Lowers *wake to when a full rate window frees a slot. */
static void claim_channel(Sender *s, size_t ci, int64_t now, Claim *claims, size_t *n_claims,
                          int64_t *wake) {
        const Channel *ch = &s->cfg->channels[ci];
        ChannelState *cs = &s->channels[ci];
        int64_t now_s = now / USEC_PER_SEC, next = INT64_MAX;
        unsigned cap = max_per_channel(ch->type);
        unsigned busy = s->in_flight + (unsigned)*n_claims;
        size_t room = cap > cs->in_flight ? cap - cs->in_flight : 0;
        size_t global = MAX_IN_FLIGHT > busy ? MAX_IN_FLIGHT - busy : 0;
        size_t rm = window_room(&cs->minute, now, &next), rs = window_room(&cs->second, now, &next);

        if (cs->paused_until > now) {
                rm = 0;
                next = cs->paused_until;
        }
        if (rm == 0 || rs == 0) {
                bool due = false;
                if (outbox_channel_due(s->store, ch->id, now_s, &due) >= 0 && due && next < *wake)
                        *wake = next;
                return;
        }
        if (room > global)
                room = global;
        if (room > rm)
                room = rm;
        if (room > rs)
                room = rs;
        if (room == 0)
                return; /* a completion re-dispatches */

        OutboxRow *rows = NULL;
        size_t n = 0;
        if (s->only_id) {
                rows = calloc(1, sizeof *rows);
                if (rows && outbox_get(s->store, s->only_id, rows) >= 0 &&
                    rows->state == OUTBOX_QUEUED && rows->next_attempt <= now_s &&
                    streq(rows->channel, ch->id))
                        n = 1;
                else if (rows) {
                        outbox_row_done(rows);
                        free(rows);
                        rows = NULL;
                }
        } else if (outbox_due(s->store, ch->id, now_s, room, &rows, &n) < 0)
                n = 0;
        for (size_t i = 0; i < n && *n_claims < MAX_IN_FLIGHT; i++)
                if (outbox_claim(s->store, rows[i].id, now_s) >= 0) {
                        claims[*n_claims] = (Claim){.ci = ci, .row = rows[i]};
                        rows[i] = (OutboxRow){0};
                        (*n_claims)++;
                }
        outbox_rows_free(rows, n);
}

/* One pass, one transaction: records the outcomes of the transfers completed since the last
 * pass, claims what is due (queued → sending), commits (durable), and only then reports the
 * outcomes and starts the new transfers. */
static void dispatch(Sender *s) {
        int64_t now = clock_now_usec(), now_s = now / USEC_PER_SEC;
        int64_t wake = INT64_MAX, future;
        Claim claims[MAX_IN_FLIGHT];
        size_t n_claims = 0;
        char **ids = NULL;
        size_t n_ids = 0;

        if (sd_event_get_state(s->event) == SD_EVENT_FINISHED)
                return;
        if (s->check_orphans && !s->only_id) {
                /* After start and reload only: rows of channels no longer configured. */
                s->check_orphans = false;
                if (outbox_due_channels(s->store, INT64_MAX, &ids, &n_ids) < 0)
                        n_ids = 0;
                for (size_t k = 0; k < n_ids; k++) {
                        if (channel_index(s, ids[k]) < 0)
                                fail_orphans(s, ids[k], now_s);
                        free(ids[k]);
                }
                free(ids);
        }
        if (store_begin(s->store) < 0)
                goto retry;
        for (Transfer *t = s->done; t; t = t->next)
                transfer_record(s, t, now_s);
        for (size_t ci = 0; ci < s->cfg->n_channels; ci++)
                claim_channel(s, ci, now, claims, &n_claims, &wake);
        for (size_t ci = 0; ci < s->cfg->n_channels; ci++)
                if (outbox_next_due(s->store, s->cfg->channels[ci].id, now_s, &future) >= 0 &&
                    future * USEC_PER_SEC < wake)
                        wake = future * USEC_PER_SEC;
        if (store_commit(s->store) < 0) {
                store_rollback(s->store);
                for (size_t i = 0; i < n_claims; i++)
                        outbox_row_done(&claims[i].row);
                goto retry;
        }
        done_report(s);
        for (size_t i = 0; i < n_claims; i++) {
                ChannelState *cs = &s->channels[claims[i].ci];
                window_record(&cs->minute, now);
                window_record(&cs->second, now);
                (void)transfer_start(s, claims[i].ci, &claims[i].row);
                outbox_row_done(&claims[i].row);
        }
        arm_wake(s, wake, now);
        check_finished(s);
        return;
retry:
        /* The database is busy or failing: the outcomes stay pending (the rows stay `sending`,
         * which a restart would put back to queued); try again in a second. */
        fprintf(stderr, "dutyd: 发件箱写入失败: %s\n", store_errmsg(s->store));
        arm_wake(s, now + (int64_t)(clock_scale() * (double)USEC_PER_SEC), now);
}

static int on_dispatch(sd_event_source *src, void *userdata) {
        (void)src;
        dispatch(userdata);
        return 0;
}

static int on_wake(sd_event_source *src, uint64_t usec, void *userdata) {
        (void)src, (void)usec;
        dispatch(userdata);
        return 0;
}

static void schedule_dispatch(Sender *s) {
        (void)sd_event_source_set_enabled(s->dispatch, SD_EVENT_ONESHOT);
}

/* ---- public ------------------------------------------------------------------------------ */

int sender_new(sd_event *e, Store *store, const Config *cfg, Sender **ret) {
        Sender *s = calloc(1, sizeof *s);
        int r = -ENOMEM;
        if (!s)
                return -ENOMEM;
        s->event = sd_event_ref(e);
        s->store = store;
        s->done_tail = &s->done;
        s->cfg = cfg;
        if ((r = outbox_init(store)) < 0)
                goto fail;
        if (outbox_recover(store, clock_now()) < 0) {
                r = -EIO;
                goto fail;
        }
        r = build_channel_states(s, cfg);
        if (r < 0)
                goto fail;
        r = -ENOMEM;
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                goto fail;
        s->multi = curl_multi_init();
        if (!s->multi)
                goto fail;
        if ((r = sd_event_add_time(e, &s->curl_timer, clock_delay_id(), UINT64_MAX, 0,
                                   on_curl_timer, s)) < 0 ||
            (r = sd_event_add_time(e, &s->wake, clock_delay_id(), UINT64_MAX, 0, on_wake, s)) < 0 ||
            (r = sd_event_add_defer(e, &s->dispatch, on_dispatch, s)) < 0)
                goto fail;
        (void)sd_event_source_set_enabled(s->curl_timer, SD_EVENT_OFF);
        (void)sd_event_source_set_enabled(s->wake, SD_EVENT_OFF);
        /* Accuracy 0 means sd-event's default of 250 ms: far too coarse for curl, which asks
         * for a 0 ms timeout to start every new transfer. */
        (void)sd_event_source_set_time_accuracy(s->curl_timer, 1);
        (void)sd_event_source_set_time_accuracy(s->wake, 1000);
        (void)sd_event_source_set_description(s->curl_timer, "dutyd-curl-timer");
        (void)sd_event_source_set_description(s->wake, "dutyd-sender-wake");
        (void)sd_event_source_set_description(s->dispatch, "dutyd-sender-dispatch");
        /* After every other pending event: the completions of one loop iteration are collected
         * first, then recorded together. */
        (void)sd_event_source_set_priority(s->dispatch, SD_EVENT_PRIORITY_NORMAL + 1);
        curl_multi_setopt(s->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
        curl_multi_setopt(s->multi, CURLMOPT_SOCKETDATA, s);
        curl_multi_setopt(s->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
        curl_multi_setopt(s->multi, CURLMOPT_TIMERDATA, s);
        curl_multi_setopt(s->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)MAX_IN_FLIGHT);
        /* Keep the connections of a full load open between batches (reuse, no reconnects). */
        curl_multi_setopt(s->multi, CURLMOPT_MAXCONNECTS, (long)MAX_IN_FLIGHT * 2);
        s->check_orphans = true;
        schedule_dispatch(s);
        *ret = s;
        return 0;
fail:
        sender_free(s);
        return r;
}

Sender *sender_free(Sender *s) {
        if (!s)
                return NULL;
        int64_t now_s = clock_now();
        /* Outcomes received but not recorded yet are recorded; transfers still in flight go back
         * to the queue (same id next time). One transaction. */
        bool tx = (s->done || s->transfers) && store_begin(s->store) >= 0;
        for (Transfer *t = s->done; t; t = t->next)
                transfer_record(s, t, now_s);
        while (s->transfers) {
                Transfer *t = s->transfers;
                if (s->multi)
                        curl_multi_remove_handle(s->multi, t->easy);
                (void)outbox_release(s->store, t->row.id, now_s);
                unlink_transfer(s, t);
                transfer_free(t);
        }
        if (tx && store_commit(s->store) < 0) {
                fprintf(stderr, "dutyd: 发件箱写入失败: %s\n", store_errmsg(s->store));
                store_rollback(s->store);
        }
        if (s->done_tail)
                done_report(s);
        /* Before the sources: cleanup calls the socket callback. */
        if (s->multi)
                curl_multi_cleanup(s->multi);
        sd_event_source_disable_unref(s->curl_timer);
        sd_event_source_disable_unref(s->wake);
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

int sender_run(Store *store, const Config *cfg, const char *only_id, bool one_shot,
               uint64_t timeout_usec, SenderStats *ret) {
        sd_event *e = NULL;
        Sender *s = NULL;
        SenderStats stats = {0};
        int r = sd_event_new(&e);
        if (r < 0)
                return r;
        r = sender_new(e, store, cfg, &s);
        if (r < 0)
                goto out;
        s->run_mode = true;
        s->one_shot = one_shot;
        s->stats = &stats;
        if (only_id && !(s->only_id = strdup(only_id))) {
                r = -ENOMEM;
                goto out;
        }
        r = sd_event_add_time_relative(e, &s->deadline, clock_delay_id(), timeout_usec, 0,
                                       on_deadline, s);
        if (r < 0)
                goto out;
        r = sd_event_loop(e);
        if (r >= 0)
                r = s->exit_code;
out:
        sender_free(s);
        sd_event_unref(e);
        if (ret)
                *ret = stats;
        return r;
}
