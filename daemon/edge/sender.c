/* sender.c — see sender.h. Loop integration after systemd's src/import/curl-util.c. */
#include "sender.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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
/* A channel without a rate limit has this many times its transfer slots claimed ahead (state
 * `sending`, not started): a completion starts the next transfer at once, without a commit, and
 * one commit records a whole batch of outcomes and claims the next batch. */
#define CLAIM_AHEAD 4
/* How long an outcome may wait for the commit that records it together with others. */
#define FLUSH_DELAY_USEC 5000
/* Outcomes waiting for their commit, at most (then it happens at once). */
#define DONE_MAX 512
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
        /* Rows claimed (committed `sending`) and not started yet, oldest first (a ring). */
        OutboxRow *ready;
        size_t ready_cap, ready_head, ready_n, ready_mark;
        bool more;    /* a claim may find due rows: cleared when one finds fewer than it asked */
        SignKey *key; /* a webhook's secret, keyed once for all its messages (or NULL) */
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
        /* The outcome, classified when the transfer completed (or when it could not start);
         * recorded by the next flush. */
        DeliveryResult res;
        bool failed;
        char err[512];
} Transfer;

struct Sender {
        sd_event *event;
        Store *store;
        const Config *cfg;
        CURLM *multi;
        CURLSH *share; /* TLS sessions: a new connection to a receiver resumes its session */
        CURL *idle[MAX_IN_FLIGHT]; /* easy handles kept for the next transfers */
        size_t n_idle;
        sd_event_source *curl_timer, *curl_now, *dispatch, *flush_timer, *wake, *deadline;
        bool flush_armed;
        ChannelState *channels;
        size_t n_channels, next_first; /* next_first: round-robin start of start_ready() */
        Transfer *transfers;
        unsigned in_flight;
        /* Completed transfers whose outcome is not recorded yet (FIFO): recorded by the next
         * flush, all in one transaction, before anything else looks at them. */
        Transfer *done, **done_tail;
        size_t n_done;
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

static bool rate_limited(const ChannelState *c) {
        return c->minute.cap || c->second.cap;
}

/* Takes the row over (*row is zeroed). The ring is sized for what a claim may ask. */
static void ready_push(ChannelState *c, OutboxRow *row) {
        c->ready[(c->ready_head + c->ready_n) % c->ready_cap] = *row;
        *row = (OutboxRow){0};
        c->ready_n++;
}

static bool ready_pop(ChannelState *c, OutboxRow *ret) {
        if (!c->ready_n)
                return false;
        *ret = c->ready[c->ready_head];
        c->ready[c->ready_head] = (OutboxRow){0};
        c->ready_head = (c->ready_head + 1) % c->ready_cap;
        c->ready_n--;
        return true;
}

/* Forgets the rows claimed after the first n (their transaction was rolled back). */
static void ready_truncate(ChannelState *c, size_t n) {
        while (c->ready_n > n) {
                c->ready_n--;
                outbox_row_done(&c->ready[(c->ready_head + c->ready_n) % c->ready_cap]);
        }
}

/* Puts the rows of `c` not started back to queued, attempt not counted (inside the caller's
 * transaction). */
static void ready_release(Sender *s, ChannelState *c, int64_t now_s) {
        OutboxRow row;
        while (ready_pop(c, &row)) {
                (void)outbox_release(s->store, row.id, now_s);
                outbox_row_done(&row);
        }
}

static void channel_state_done(ChannelState *c) {
        free(c->id);
        free(c->minute.times);
        free(c->second.times);
        ready_truncate(c, 0);
        free(c->ready);
        sign_key_free(c->key);
}

static int channel_state_init(ChannelState *c, const Channel *ch) {
        int per_min = ch->rate_per_minute > 0 ? ch->rate_per_minute : default_rate(ch->type);
        int per_sec = ch->type == CHANNEL_FEISHU ? 5 : 0;
        c->id = strdup(ch->id);
        if (!c->id || window_init(&c->minute, per_min, 60 * USEC_PER_SEC) < 0 ||
            window_init(&c->second, per_sec, USEC_PER_SEC) < 0)
                return -ENOMEM;
        c->ready_cap = max_per_channel(ch->type) * (rate_limited(c) ? 1 : 1 + CLAIM_AHEAD);
        c->ready = calloc(c->ready_cap, sizeof *c->ready);
        c->more = true;
        /* Without it each message is signed from scratch, which works as well. */
        if (ch->type == CHANNEL_WEBHOOK && ch->secret.value && *ch->secret.value)
                (void)sign_key_new(ch->secret.value, &c->key);
        return c->ready ? 0 : -ENOMEM;
}

/* Keeps the history of a channel that survives a reload, and the rows it had claimed. */
static void channel_state_take(ChannelState *c, ChannelState *o) {
        OutboxRow row;
        c->in_flight = o->in_flight;
        c->paused_until = o->paused_until;
        for (size_t k = 0; k < o->minute.count; k++)
                if (c->minute.cap)
                        window_record(&c->minute,
                                      o->minute.times[(o->minute.head + k) % o->minute.cap]);
        for (size_t k = 0; k < o->second.count; k++)
                if (c->second.cap)
                        window_record(&c->second,
                                      o->second.times[(o->second.head + k) % o->second.cap]);
        while (c->ready_n < c->ready_cap && ready_pop(o, &row))
                ready_push(c, &row);
}

static int build_channel_states(Sender *s, const Config *cfg) {
        ChannelState *v = calloc(cfg->n_channels ? cfg->n_channels : 1, sizeof *v);
        bool left = false;
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < cfg->n_channels; i++)
                if (channel_state_init(&v[i], &cfg->channels[i]) < 0)
                        goto oom;
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
                        fprintf(stderr, "dutyd: 发件箱写入失败: %s\n", store_errmsg(s->store));
                        store_rollback(s->store);
                }
        }
        for (size_t j = 0; j < s->n_channels; j++)
                channel_state_done(&s->channels[j]);
        free(s->channels);
        s->channels = v;
        s->n_channels = cfg->n_channels;
        s->next_first = 0;
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

static void curl_timeout(Sender *s) {
        int running;
        curl_multi_socket_action(s->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        process_done(s);
}

static int on_curl_timer(sd_event_source *src, uint64_t usec, void *userdata) {
        (void)src, (void)usec;
        curl_timeout(userdata);
        return 0;
}

static int on_curl_now(sd_event_source *src, void *userdata) {
        (void)src;
        curl_timeout(userdata);
        return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp) {
        (void)multi;
        Sender *s = userp;
        /* No libcurl calls in here. */
        if (timeout_ms < 0) {
                (void)sd_event_source_set_enabled(s->curl_now, SD_EVENT_OFF);
                return sd_event_source_set_enabled(s->curl_timer, SD_EVENT_OFF) < 0 ? -1 : 0;
        }
        /* "At once", which every new transfer asks for: a defer source, where a timer would
         * reprogram the kernel's timerfd for each transfer. The timer keeps its time: firing
         * early or needlessly costs curl one look at its timeouts. */
        if (timeout_ms == 0)
                return sd_event_source_set_enabled(s->curl_now, SD_EVENT_ONESHOT) < 0 ? -1 : 0;
        if (sd_event_source_set_enabled(s->curl_now, SD_EVENT_OFF) < 0 ||
            sd_event_source_set_time_relative(s->curl_timer, (uint64_t)timeout_ms * 1000) < 0 ||
            sd_event_source_set_enabled(s->curl_timer, SD_EVENT_ONESHOT) < 0)
                return -1;
        return 0;
}

/* ---- transfers --------------------------------------------------------------------------- */

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *userdata);

/* An easy handle from the pool, or a new one with the options every transfer shares. The
 * others are set by each use (http_setopt(), transfer_prepare()), so a handle needs no reset
 * between transfers. */
static CURL *easy_get(Sender *s) {
        if (s->n_idle)
                return s->idle[--s->n_idle];
        CURL *e = curl_easy_init();
        if (e && (curl_easy_setopt(e, CURLOPT_SHARE, s->share) != CURLE_OK ||
                  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
                  curl_easy_setopt(e, CURLOPT_USERAGENT, "dutyd/1") != CURLE_OK ||
                  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
                  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write) != CURLE_OK)) {
                curl_easy_cleanup(e);
                return NULL;
        }
        return e;
}

/* Back to the pool; the handle's connection stays in the multi's cache for the next transfer
 * to the same receiver. */
static void easy_put(Sender *s, CURL *e) {
        if (!e)
                return;
        if (s->n_idle == ELEMENTSOF(s->idle))
                curl_easy_cleanup(e);
        else
                s->idle[s->n_idle++] = e;
}

/* Once the answer is classified, nothing of the request is needed any more: the handle goes
 * back to the pool at once, for the transfers started before this outcome is recorded. */
static void transfer_release(Sender *s, Transfer *t) {
        if (t->mail)
                t->mail = mail_free(t->mail); /* owns t->easy */
        else
                easy_put(s, t->easy);
        t->easy = NULL;
        curl_slist_free_all(t->headers);
        t->headers = NULL;
        payload_request_done(&t->req);
        buf_done(&t->response);
}

static void transfer_free(Transfer *t) {
        if (!t)
                return;
        transfer_release(t->sender, t);
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
        char line[256]; /* our headers are short: a name and an id or signature */
        va_list ap;
        va_start(ap, fmt);
        int q = vsnprintf(line, sizeof line, fmt, ap);
        va_end(ap);
        if (q < 0 || (size_t)q >= sizeof line)
                return -EINVAL;
        struct curl_slist *n = curl_slist_append(*l, line);
        if (!n)
                return -ENOMEM;
        *l = n;
        return 0;
}

/* HTTP/2 where the receiver offers it (ALPN over TLS; one connection then carries every
 * transfer to it, and a new transfer waits for that connection rather than opening its own).
 * Over plain http, HTTP/1.1 with keep-alive: h2c "prior knowledge" would break every receiver
 * that does not speak it, and the Upgrade dance costs more than it saves on a POST. */
static int http_version_setopt(CURL *e, const char *url) {
        bool tls = strncasecmp(url, "https:", 6) == 0;
        long version = tls ? (long)CURL_HTTP_VERSION_2TLS : (long)CURL_HTTP_VERSION_1_1;
        if (curl_easy_setopt(e, CURLOPT_HTTP_VERSION, version) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_PIPEWAIT, (long)tls) != CURLE_OK)
                return -EINVAL;
        return 0;
}

/* Every option a use of a pooled handle may have changed is set here. */
static int http_setopt(Transfer *t, const Channel *ch) {
        CURL *e = t->easy;
        long verify = !ch->insecure_tls;
        if (header_add(&t->headers, "%s", t->req.content_type) < 0 ||
            header_add(&t->headers, "%s", "Expect:") < 0 ||
            header_add(&t->headers, "X-Dutyd-Delivery-Id: %s", t->row.id) < 0 ||
            (t->req.signature &&
             header_add(&t->headers, SIGN_WEBHOOK_HEADER ": %s", t->req.signature) < 0))
                return -ENOMEM;
        if (curl_easy_setopt(e, CURLOPT_URL, t->req.url) != CURLE_OK ||
            http_version_setopt(e, t->req.url) < 0 ||
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->req.body) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(t->req.body)) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, verify) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_WRITEDATA, t) != CURLE_OK)
                return -EINVAL;
        return 0;
}

/* The request of `t`: a webhook's is the body built when it was queued (no JSON to parse or
 * build), any other from the stored content. */
static int request_build(Transfer *t, const Channel *ch, SignKey *key, int64_t now_ms) {
        if (ch->type == CHANNEL_WEBHOOK && t->row.prebuilt)
                return payload_build_webhook(ch, key, t->row.content, &t->req);
        json_t *content = json_loads(t->row.content, 0, NULL);
        int r;
        if (!content)
                return -EBADMSG;
        if (ch->type == CHANNEL_SMTP)
                r = mail_new(ch, t->row.id, t->row.recipient,
                             json_string_value(json_object_get(content, "subject")),
                             json_string_value(json_object_get(content, "text")), now_ms / 1000,
                             &t->mail);
        else
                r = payload_build(ch, t->row.id, content, now_ms, &t->req);
        json_decref(content);
        return r;
}

/* Builds the request of `t` on an easy handle and adds it to the multi. */
static int transfer_prepare(Sender *s, Transfer *t, size_t ci) {
        const Channel *ch = &s->cfg->channels[ci];
        long timeout_ms = (long)(ch->timeout_sec > 0 ? ch->timeout_sec : 15) * 1000;
        int r = request_build(t, ch, s->channels[ci].key, clock_now_usec() / 1000);
        if (r < 0)
                return r;
        if (t->mail) {
                t->easy = t->mail->easy;
                (void)curl_easy_setopt(t->easy, CURLOPT_SHARE, s->share);
        } else if (!(t->easy = easy_get(s)))
                return -ENOMEM;
        else if ((r = http_setopt(t, ch)) < 0)
                return r;
        curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
        curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT_MS,
                         timeout_ms < 10000 ? timeout_ms : 10000L);
        curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
        return curl_multi_add_handle(s->multi, t->easy) == CURLM_OK ? 0 : -EIO;
}

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
        t->sender = s;
        t->type = ch->type;
        int r = transfer_prepare(s, t, ci);
        if (r < 0) {
                t->res = DELIVERY_PERMANENT;
                snprintf(t->err, sizeof t->err, "无法生成请求：%s", strerror(-r));
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
        } else {
                r = outbox_mark_retry(s->store, t->row.id, now_s, t->res, t->err, &t->failed);
                /* Queued again, perhaps due at once (a re-sign): the claim looks. */
                ssize_t ci = channel_index(s, t->row.channel);
                if (ci >= 0)
                        s->channels[ci].more = true;
        }
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
                            cs->in_flight >= max_per_channel(s->cfg->channels[ci].type))
                                continue;
                        Transfer *t = calloc(1, sizeof *t);
                        if (!t)
                                return; /* the rows wait for the next pass */
                        ready_pop(cs, &t->row);
                        window_record(&cs->minute, now);
                        window_record(&cs->second, now);
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
                unsigned cap = max_per_channel(s->cfg->channels[ci].type);
                size_t low = rate_limited(cs) ? (cs->in_flight < cap) : cap;
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
                transfer_release(s, t);
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
                const char *err = "通道已不在配置中";
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
        size_t rm = window_room(&cs->minute, now, &next), rs = window_room(&cs->second, now, &next);

        if (!rate_limited(cs))
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
        size_t cap = max_per_channel(ch->type);
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
                ready_push(cs, &row);
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
        if (!cs->more && !rate_limited(cs))
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
                ready_push(cs, &rows[i]);
        outbox_rows_free(rows, n);
        return 0;
}

static void flush_failed(Sender *s, int64_t now) {
        /* The database is busy or failing: the outcomes stay pending (the rows stay `sending`,
         * which a restart would put back to queued); try again in a second. */
        for (size_t ci = 0; ci < s->n_channels; ci++)
                ready_truncate(&s->channels[ci], s->channels[ci].ready_mark);
        fprintf(stderr, "dutyd: 发件箱写入失败: %s\n", store_errmsg(s->store));
        arm_wake(s, now + (int64_t)(clock_scale() * (double)USEC_PER_SEC), now);
}

/* One transaction (one fsync): records the outcomes waiting, claims what is due into the
 * channels' rings (queued → sending), commits, and only then reports the outcomes and starts
 * transfers. Never spans a loop iteration. */
static void flush(Sender *s) {
        int64_t now = clock_now_usec(), now_s = now / USEC_PER_SEC;
        int64_t wake = INT64_MAX, future;

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
        for (Transfer *t = s->done; t; t = t->next)
                transfer_record(s, t, now_s);
        for (size_t ci = 0; ci < s->n_channels; ci++) {
                if (claim_channel(s, ci, now, &wake) < 0)
                        goto rollback;
                if (outbox_next_due(s->store, s->cfg->channels[ci].id, now_s, &future) >= 0 &&
                    future * USEC_PER_SEC < wake)
                        wake = future * USEC_PER_SEC;
        }
        if (store_commit(s->store) < 0)
                goto rollback;
        done_report(s);
        start_ready(s);
        if (s->done) /* rows that could not even be built */
                schedule_dispatch(s);
        arm_wake(s, wake, now);
        check_finished(s);
        return;
rollback:
        store_rollback(s->store);
        flush_failed(s, now);
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
        s->share = curl_share_init();
        if (!s->multi || !s->share ||
            curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK)
                goto fail;
        if ((r = sd_event_add_time(e, &s->curl_timer, clock_delay_id(), UINT64_MAX, 0,
                                   on_curl_timer, s)) < 0 ||
            (r = sd_event_add_time(e, &s->wake, clock_delay_id(), UINT64_MAX, 0, on_wake, s)) < 0 ||
            (r = sd_event_add_time(e, &s->flush_timer, clock_delay_id(), UINT64_MAX, 0,
                                   on_flush_timer, s)) < 0 ||
            (r = sd_event_add_defer(e, &s->curl_now, on_curl_now, s)) < 0 ||
            (r = sd_event_add_defer(e, &s->dispatch, on_dispatch, s)) < 0)
                goto fail;
        (void)sd_event_source_set_enabled(s->curl_timer, SD_EVENT_OFF);
        (void)sd_event_source_set_enabled(s->curl_now, SD_EVENT_OFF);
        (void)sd_event_source_set_enabled(s->wake, SD_EVENT_OFF);
        (void)sd_event_source_set_enabled(s->flush_timer, SD_EVENT_OFF);
        /* Accuracy 0 means sd-event's default of 250 ms: too coarse for curl's timeouts and
         * the flush delay. 10 ms lets sd-event keep its timerfd armed across the timeouts of
         * transfers started within a few ms of each other (curl's "at once" takes curl_now). */
        (void)sd_event_source_set_time_accuracy(s->curl_timer, 10000);
        (void)sd_event_source_set_time_accuracy(s->wake, 1000);
        (void)sd_event_source_set_time_accuracy(s->flush_timer, 1000);
        (void)sd_event_source_set_description(s->curl_timer, "dutyd-curl-timer");
        (void)sd_event_source_set_description(s->curl_now, "dutyd-curl-now");
        (void)sd_event_source_set_description(s->wake, "dutyd-sender-wake");
        (void)sd_event_source_set_description(s->flush_timer, "dutyd-sender-flush");
        (void)sd_event_source_set_description(s->dispatch, "dutyd-sender-dispatch");
        /* After the sockets' events of a loop iteration: curl starts at once every transfer
         * their completions handed a slot to (one look at its timers, not one a completion);
         * the flush comes last, when all the iteration's outcomes are collected. */
        (void)sd_event_source_set_priority(s->curl_now, SD_EVENT_PRIORITY_NORMAL + 1);
        (void)sd_event_source_set_priority(s->dispatch, SD_EVENT_PRIORITY_NORMAL + 2);
        (void)sd_event_source_set_priority(s->flush_timer, SD_EVENT_PRIORITY_NORMAL + 2);
        curl_multi_setopt(s->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
        curl_multi_setopt(s->multi, CURLMOPT_SOCKETDATA, s);
        curl_multi_setopt(s->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
        curl_multi_setopt(s->multi, CURLMOPT_TIMERDATA, s);
        /* One multi: its connection cache is shared by every transfer. An HTTP/2 receiver
         * gets one connection carrying all its transfers (curl's default of 100 streams is
         * above any channel's share); an HTTP/1.1 one a connection per transfer in flight (at
         * most a channel's share), kept open between batches (no reconnects). A lower stream
         * limit with PIPEWAIT makes curl 7.88 park transfers rather than open connections. */
        curl_multi_setopt(s->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
        curl_multi_setopt(s->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)MAX_IN_FLIGHT);
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
        /* Outcomes received but not recorded yet are recorded; transfers still in flight and
         * claimed rows not started go back to the queue (same id next time). One transaction. */
        bool tx = (s->done || s->transfers || any_ready(s)) && store_begin(s->store) >= 0;
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
        for (size_t i = 0; i < s->n_channels; i++)
                ready_release(s, &s->channels[i], now_s);
        if (tx && store_commit(s->store) < 0) {
                fprintf(stderr, "dutyd: 发件箱写入失败: %s\n", store_errmsg(s->store));
                store_rollback(s->store);
        }
        if (s->done_tail)
                done_report(s);
        while (s->n_idle)
                curl_easy_cleanup(s->idle[--s->n_idle]);
        /* Before the sources: cleanup calls the socket callback. */
        if (s->multi)
                curl_multi_cleanup(s->multi);
        if (s->share)
                curl_share_cleanup(s->share);
        sd_event_source_disable_unref(s->curl_timer);
        sd_event_source_disable_unref(s->curl_now);
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
