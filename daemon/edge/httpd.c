/* httpd.c — see httpd.h. */
#include "httpd.h"

#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "admission.h"
#include "clock.h"
#include "feedtoken.h"
#include "listeners.h"
#include "log.h"
#include "i18n.h"
#include "util.h"

#define MAX_ROUTES 16
#define CONNECTION_MEMORY (64 * 1024)
/* MHD's own limit is ours plus the connections told to close that it has not yet closed
 * (evicted by an accept batch or expired, closed at its next run). */
#define MHD_SLACK (2 * LISTEN_BATCH)
/* Descriptors kept for everything but client connections (the database, the journal,
 * deliveries, the listeners). */
#define FD_RESERVE 128
#define LOG_WINDOW_USEC (60 * UINT64_C(1000000)) /* refusals and MHD's messages: per minute */
#define MHD_LOG_BURST 10
/* Each client's send buffer (the kernel doubles it): a response larger than that is written as
 * the client reads, so a client that never reads holds little memory, and one run of MHD
 * (which writes to every ready connection) stays short however many such clients there are. */
#define SEND_BUFFER (64 * 1024)

typedef struct HttpRoute {
        char *prefix;
        unsigned methods;
        size_t max_body;
        HttpHandler fn;
        void *userdata;
} HttpRoute;

typedef struct Pending Pending;

struct Httpd {
        sd_event *event;
        FeedBuild *feeds;
        Listeners *listeners;
        struct MHD_Daemon *d;
        int epoll_fd;                         /* MHD's */
        sd_event_source *io, *timer, *expiry; /* MHD's epoll fd, MHD's timeout, the deadline */
        uint64_t expiry_at;                   /* when `expiry` is armed for; UINT64_MAX: off */
        uint64_t last_run, epoll_waiting;     /* when MHD last ran; for listen_fd_stuck() */
        Admission *admission;
        AdmissionConn *adding; /* the connection MHD_add_connection() is adding */
        size_t refused;        /* connections refused since the last warning */
        uint64_t refused_logged;
        uint64_t log_window; /* MHD's messages: this minute's start, count, and those dropped */
        size_t log_count, log_dropped;
        HttpRoute routes[MAX_ROUTES];
        size_t n_routes;
        struct MHD_Response *not_found, *not_allowed, *too_large, *unavailable;
        Pending *suspended; /* connections waiting for a feed to be rendered */
        unsigned long feed_answers[_HTTPD_FEED_MAX];
        size_t body_bytes; /* POST bodies held, all connections together (HTTPD_BODY_BUDGET) */
};

/* Per-request state: the route, a POST body, a feed being rendered. */
struct Pending {
        const HttpRoute *route;
        Buf body;
        bool too_large;
        struct MHD_Connection *connection;
        Httpd *h;
        FeedRequest *feed; /* the rendering waited for (the connection is suspended) */
        bool feed_done;
        int feed_error;
        FeedBody *feed_body;
        void *wait_data; /* a route's wait (httpd_suspend), released with the request */
        void (*wait_release)(void *data);
        bool waited;          /* resumed after httpd_suspend() */
        Pending *prev, *next; /* in Httpd.suspended */
};

static const char NOT_FOUND_BODY[] = "未找到。\n";
static const char NOT_ALLOWED_BODY[] = "不支持该请求方法。\n";
static const char TOO_LARGE_BODY[] = "请求内容过大。\n";
static const char UNAVAILABLE_BODY[] = "该日历暂时无法提供，请稍后再试。\n";

/* ---- dates and validators ---- */

/* The C locale's names whatever the program's locale (strftime_c()). */
void httpd_format_date(time_t t, char out[static 30]) {
        struct tm tm;
        if (!gmtime_r(&t, &tm) || strftime_c(out, 30, "%a, %d %b %Y %H:%M:%S GMT", &tm) < 0)
                snprintf(out, 30, "Thu, 01 Jan 1970 00:00:00 GMT");
}

/* libcurl's parser: IMF-fixdate and the two obsolete forms a recipient must accept (RFC 9110
 * 5.6.7); what it cannot read is -EINVAL (a full response). It skips words it does not know
 * after a date, which at worst answers such a client 304 for the date it did send. */
int httpd_parse_date(const char *s, time_t *ret) {
        time_t t = curl_getdate(s, NULL);
        if (t == (time_t)-1)
                return -EINVAL;
        *ret = t;
        return 0;
}

bool httpd_etag_matches(const char *inm, const char *etag) {
        const char *p = inm;
        size_t el = strlen(etag);
        while (*p) {
                while (*p == ' ' || *p == '\t' || *p == ',')
                        p++;
                if (!*p)
                        break;
                if (*p == '*')
                        return true;
                if (p[0] == 'W' && p[1] == '/')
                        p += 2;
                const char *start = p;
                if (*p == '"') {
                        p++;
                        while (*p && *p != '"')
                                p++;
                        if (*p == '"')
                                p++;
                } else
                        while (*p && *p != ',' && *p != ' ' && *p != '\t')
                                p++;
                if ((size_t)(p - start) == el && memcmp(start, etag, el) == 0)
                        return true;
                while (*p && *p != ',')
                        p++;
        }
        return false;
}

/* ---- pages ---- */

void httpd_private_headers(struct MHD_Response *r, const char *referrer) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        MHD_add_response_header(r, "Referrer-Policy", referrer);
        MHD_add_response_header(r, "X-Frame-Options", "DENY");
        MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
}

enum MHD_Result httpd_respond_page(const HttpRequest *req, unsigned status, Buf *b,
                                   const char *referrer, const char *csp) {
        if (b->oom) {
                buf_done(b);
                return MHD_NO;
        }
        struct MHD_Response *r =
                MHD_create_response_from_buffer(b->len, b->data, MHD_RESPMEM_MUST_COPY);
        buf_done(b);
        if (!r)
                return MHD_NO;
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
        MHD_add_response_header(r, "Content-Security-Policy", csp);
        httpd_private_headers(r, referrer);
        enum MHD_Result q = MHD_queue_response(req->connection, status, r);
        MHD_destroy_response(r);
        return q;
}

/* ---- forms ---- */

int httpd_read_form(const HttpRequest *req, size_t buffer, MHD_PostDataIterator it, void *cls) {
        struct MHD_PostProcessor *pp = MHD_create_post_processor(req->connection, buffer, it, cls);
        if (!pp)
                return -EINVAL;
        bool ok = MHD_post_process(pp, req->body, req->body_len) == MHD_YES;
        ok = MHD_destroy_post_processor(pp) == MHD_YES && ok;
        return ok ? 0 : -EINVAL;
}

/* ---- responses ---- */

static void common_headers(struct MHD_Response *r) {
        MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
        MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
}

static struct MHD_Response *static_response(const char *body, const char *allow) {
        struct MHD_Response *r =
                MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
        if (!r)
                return NULL;
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        if (allow)
                MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
        common_headers(r);
        return r;
}

enum MHD_Result httpd_respond_not_found(const HttpRequest *req) {
        struct MHD_Response *r = static_response(NOT_FOUND_BODY, NULL);
        if (!r)
                return MHD_NO;
        enum MHD_Result q = MHD_queue_response(req->connection, MHD_HTTP_NOT_FOUND, r);
        MHD_destroy_response(r);
        return q;
}

static enum MHD_Result queue_static(struct MHD_Connection *c, unsigned status,
                                    struct MHD_Response *r) {
        return r ? MHD_queue_response(c, status, r) : MHD_NO;
}

enum MHD_Result httpd_respond_text(const HttpRequest *req, unsigned status,
                                   const char *content_type, char *body) {
        if (!body)
                return MHD_NO;
        struct MHD_Response *r =
                MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
        if (!r) {
                free(body);
                return MHD_NO;
        }
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        common_headers(r);
        enum MHD_Result q = MHD_queue_response(req->connection, status, r);
        MHD_destroy_response(r);
        return q;
}

void httpd_feed_answers(const Httpd *h, unsigned long out[static _HTTPD_FEED_MAX]) {
        for (int i = 0; i < _HTTPD_FEED_MAX; i++)
                out[i] = h ? h->feed_answers[i] : 0;
}

/* A feed request's answer: counted (for /metrics), then queued. */
static enum MHD_Result feed_not_found(Httpd *h, const HttpRequest *req) {
        h->feed_answers[HTTPD_FEED_NOT_FOUND]++;
        return httpd_respond_not_found(req);
}

static enum MHD_Result feed_unavailable(Httpd *h, const HttpRequest *req) {
        h->feed_answers[HTTPD_FEED_UNAVAILABLE]++;
        return queue_static(req->connection, MHD_HTTP_SERVICE_UNAVAILABLE, h->unavailable);
}

/* ---- the feeds route ---- */

static void run(Httpd *h);

/* rest = <token>/<feed>.ics; false for anything else (the same 404). */
static bool parse_feed_path(const char *rest, char token[static FEEDTOKEN_LEN + 2],
                            char name[static FEED_NAME_MAX]) {
        const char *slash = strchr(rest, '/');
        if (!slash || (size_t)(slash - rest) > FEEDTOKEN_LEN)
                return false;
        memcpy(token, rest, (size_t)(slash - rest));
        token[slash - rest] = 0;
        const char *file = slash + 1;
        size_t fl = strlen(file);
        if (fl <= 4 || fl - 4 >= FEED_NAME_MAX || !streq(file + fl - 4, ".ics") ||
            memchr(file, '/', fl))
                return false;
        memcpy(name, file, fl - 4);
        name[fl - 4] = 0;
        return true;
}

/* If-None-Match (checked first, weak comparison) or else If-Modified-Since. */
static bool not_modified(struct MHD_Connection *c, const char *etag, time_t last_modified) {
        const char *inm =
                MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
        if (inm)
                return httpd_etag_matches(inm, etag);
        const char *ims =
                MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
        time_t t;
        return ims && last_modified > 0 && httpd_parse_date(ims, &t) == 0 && last_modified <= t;
}

/* The body of a 304 response, which MHD never reads. */
static ssize_t no_body(void *cls, uint64_t pos, char *buf, size_t max) {
        (void)cls, (void)pos, (void)buf, (void)max;
        return MHD_CONTENT_READER_END_WITH_ERROR;
}

static void body_unref(void *cls) {
        feed_body_unref(cls);
}

/* 200 with the body, or 304. A 304 and a HEAD carry the headers a 200 would: MHD sends no body
 * for them, and Content-Length is the body's — for a 304 without the body at hand, its size if
 * known (a body of that size MHD never reads), else none at all: the connection then closes
 * after the response, the only way MHD 0.9.75 sends neither a length nor a chunked end. */
static enum MHD_Result respond_feed(struct MHD_Connection *c, const char *name, const char *etag,
                                    time_t last_modified, FeedBody *body, uint64_t size,
                                    bool is_304) {
        struct MHD_Response *r;
        if (body)
                r = MHD_create_response_from_buffer_with_free_callback_cls(
                        body->len, body->data, body_unref, feed_body_ref(body));
        else {
                r = MHD_create_response_from_callback(size == UINT64_MAX ? MHD_SIZE_UNKNOWN : size,
                                                      1024, no_body, NULL, NULL);
                if (r && size == UINT64_MAX)
                        (void)MHD_set_response_options(r, MHD_RF_HTTP_1_0_COMPATIBLE_STRICT,
                                                       MHD_RO_END);
        }
        if (!r) {
                feed_body_unref(body);
                return MHD_NO;
        }
        MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
        if (last_modified > 0) {
                char lm[30];
                httpd_format_date(last_modified, lm);
                MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, lm);
        }
        /* The address is a secret: shared caches must not keep it; clients revalidate. */
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "private, no-cache");
        if (!is_304) {
                char disp[FEED_NAME_MAX + 40];
                snprintf(disp, sizeof(disp), "inline; filename=\"%s.ics\"", name);
                MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ICAL_CONTENT_TYPE);
                MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
        }
        common_headers(r);
        enum MHD_Result q = MHD_queue_response(c, is_304 ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK, r);
        MHD_destroy_response(r);
        return q;
}

static void unlink_suspended(Httpd *h, Pending *p) {
        if (p->prev)
                p->prev->next = p->next;
        else if (h->suspended == p)
                h->suspended = p->next;
        if (p->next)
                p->next->prev = p->prev;
        p->prev = p->next = NULL;
}

enum MHD_Result httpd_suspend(const HttpRequest *req, void *data, void (*release)(void *data),
                              HttpWait **ret) {
        Pending *p = req->state;
        Httpd *h = p->h;
        p->wait_data = data, p->wait_release = release;
        p->prev = NULL;
        p->next = h->suspended;
        if (h->suspended)
                h->suspended->prev = p;
        h->suspended = p;
        MHD_suspend_connection(p->connection);
        *ret = p;
        return MHD_YES;
}

void httpd_resume(HttpWait *w) {
        Httpd *h = w->h;
        w->waited = true;
        unlink_suspended(h, w);
        MHD_resume_connection(w->connection);
        run(h);
}

void *httpd_waited(const HttpRequest *req) {
        const Pending *p = req->state;
        return p && p->waited ? p->wait_data : NULL;
}

/* The rendering is in: the connection goes on, and MHD calls on_request() for it again. */
static void on_feed_ready(void *userdata, FeedBody *body, int error) {
        Pending *p = userdata;
        Httpd *h = p->h;
        p->feed = NULL;
        p->feed_done = true;
        p->feed_body = body;
        p->feed_error = error;
        unlink_suspended(h, p);
        MHD_resume_connection(p->connection);
        run(h);
}

/* The answer once the rendering is in. */
static enum MHD_Result answer_rendered(Httpd *h, const HttpRequest *req, Pending *p,
                                       const char *name) {
        FeedBody *body = TAKE_PTR(p->feed_body);
        if (p->feed_error == -ENOENT)
                return feed_not_found(h, req);
        if (p->feed_error < 0 || !body)
                return feed_unavailable(h, req);
        bool same = not_modified(req->connection, body->etag, body->last_modified);
        h->feed_answers[same ? HTTPD_FEED_NOT_MODIFIED : HTTPD_FEED_OK]++;
        enum MHD_Result q = respond_feed(req->connection, name, body->etag, body->last_modified,
                                         body, body->len, same);
        feed_body_unref(body);
        return q;
}

static enum MHD_Result feed_handler(const HttpRequest *req, void *userdata) {
        Httpd *h = userdata;
        Pending *p = req->state;
        char token[FEEDTOKEN_LEN + 2] = "", name[FEED_NAME_MAX] = "";
        bool ok = parse_feed_path(req->rest, token, name);
        FeedValidators v;
        int r = ok ? feedbuild_lookup(h->feeds, name, token, &v) : -ENOENT;
        explicit_bzero(token, sizeof(token));
        if (p->feed_done && r != -ENOENT)
                return answer_rendered(h, req, p, name);
        if (r == -ENOENT)
                return feed_not_found(h, req);
        if (r < 0 && r != -EAGAIN)
                return feed_unavailable(h, req);
        if (r == 0) {
                /* Validators known without rendering: a conditional request is answered here. */
                uint64_t size;
                FeedBody *body = feedbuild_cached(h->feeds, name, v.etag, &size);
                bool same = not_modified(req->connection, v.etag, v.last_modified);
                if (body || same) {
                        h->feed_answers[same ? HTTPD_FEED_NOT_MODIFIED : HTTPD_FEED_OK]++;
                        enum MHD_Result q = respond_feed(req->connection, name, v.etag,
                                                         v.last_modified, body, size, same);
                        feed_body_unref(body);
                        return q;
                }
        }
        /* Rendered in the worker: the connection waits, suspended (it holds nothing else). */
        if (feedbuild_request(h->feeds, name, on_feed_ready, p, &p->feed) < 0)
                return feed_unavailable(h, req);
        p->next = h->suspended;
        if (p->next)
                p->next->prev = p;
        h->suspended = p;
        MHD_suspend_connection(req->connection);
        return MHD_YES;
}

/* ---- dispatch ---- */

static unsigned method_bit(const char *m) {
        if (streq(m, MHD_HTTP_METHOD_GET))
                return HTTP_GET;
        if (streq(m, MHD_HTTP_METHOD_HEAD))
                return HTTP_HEAD;
        if (streq(m, MHD_HTTP_METHOD_POST))
                return HTTP_POST;
        return 0;
}

static const HttpRoute *find_route(const Httpd *h, const char *path) {
        const HttpRoute *best = NULL;
        for (size_t i = 0; i < h->n_routes; i++) {
                size_t l = strlen(h->routes[i].prefix);
                if (strncmp(path, h->routes[i].prefix, l) == 0 &&
                    (!best || l > strlen(best->prefix)))
                        best = &h->routes[i];
        }
        return best;
}

static uint64_t now_usec(Httpd *h) {
        uint64_t t = 0;
        (void)sd_event_now(h->event, clock_delay_id(), &t);
        return t;
}

static AdmissionConn *admitted(struct MHD_Connection *c) {
        const union MHD_ConnectionInfo *ci =
                MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        return ci ? ci->socket_context : NULL;
}

static size_t max_body(const HttpRoute *rt) {
        return rt && rt->max_body ? rt->max_body : HTTPD_MAX_BODY;
}

static bool body_announced_too_large(struct MHD_Connection *c, const HttpRoute *rt) {
        const char *cl =
                MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        char *end;
        errno = 0;
        unsigned long long n = cl ? strtoull(cl, &end, 10) : 0;
        return cl && (errno || *end || n > max_body(rt));
}

/* A piece of a POST body: kept within the route's limit and the server's budget for all of
 * them; past either the request is answered 413 once its body is read. */
static void take_body(Pending *p, unsigned m, const char *data, size_t n) {
        Httpd *h = p->h;
        if (p->too_large || m != HTTP_POST || p->body.len + n > max_body(p->route) ||
            h->body_bytes + n > HTTPD_BODY_BUDGET) {
                p->too_large = true;
                return;
        }
        buf_put(&p->body, data, n);
        h->body_bytes += n;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
        Httpd *h = cls;
        (void)version;
        Pending *p = *con_cls;
        unsigned m = method_bit(method);
        if (!p) {
                /* First call: headers only. Answering here would make MHD 0.9.75 close the
                 * connection (no keep-alive), so remember the route and answer on the next
                 * call, except for requests refused outright. */
                admission_busy(h->admission, admitted(connection));
                const HttpRoute *rt = find_route(h, url);
                if (!m || (rt && !(rt->methods & m)) || (!rt && m == HTTP_POST))
                        return queue_static(connection, MHD_HTTP_METHOD_NOT_ALLOWED,
                                            h->not_allowed);
                p = calloc(1, sizeof(*p));
                if (!p)
                        return MHD_NO;
                p->route = rt;
                p->connection = connection;
                p->h = h;
                *con_cls = p;
                /* A body announced too large is refused before it is read. */
                return body_announced_too_large(connection, rt)
                               ? queue_static(connection, 413, h->too_large)
                               : MHD_YES;
        }
        if (*upload_data_size > 0) {
                take_body(p, m, upload_data, *upload_data_size);
                *upload_data_size = 0;
                return MHD_YES;
        }
        if (!p->route)
                return queue_static(connection, MHD_HTTP_NOT_FOUND, h->not_found);
        if (p->too_large)
                return queue_static(connection, 413, h->too_large);
        if (p->body.oom)
                return MHD_NO;
        HttpRequest req = {.connection = connection,
                           .method = m,
                           .path = url,
                           .rest = url + strlen(p->route->prefix),
                           .state = p};
        if (m == HTTP_POST) {
                req.body = p->body.data ? p->body.data : "";
                req.body_len = p->body.len;
        }
        return p->route->fn(&req, p->route->userdata);
}

/* The request is over: the connection waits for the next one (keep-alive), under the deadline
 * again. */
static void on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
        Httpd *h = cls;
        (void)toe;
        admission_idle(h->admission, admitted(connection), now_usec(h));
        Pending *p = *con_cls;
        if (p) {
                feedbuild_request_cancel(p->feed);
                feed_body_unref(p->feed_body);
                if (p->wait_release)
                        p->wait_release(p->wait_data);
                h->body_bytes -= p->body.len;
                buf_done(&p->body);
                free(p);
                *con_cls = NULL;
        }
}

/* MHD's messages, at most MHD_LOG_BURST a minute: clients decide how many there are (each
 * request closed for being late is one), and the journal must not pay for an attack. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
        Httpd *h = cls;
        uint64_t now = now_usec(h);
        if (now - h->log_window >= LOG_WINDOW_USEC) {
                if (h->log_dropped)
                        fprintf(stderr, "dutyd-httpd: (%zu more messages not shown)\n",
                                h->log_dropped);
                h->log_window = now, h->log_count = 0, h->log_dropped = 0;
        }
        if (h->log_count >= MHD_LOG_BURST) {
                h->log_dropped++;
                return;
        }
        h->log_count++;
        char msg[512];
        vsnprintf(msg, sizeof(msg), fmt, ap);
        /* Never let a request path (with its token) reach the log. */
        if (strstr(msg, "/feeds/") || strstr(msg, "/done/"))
                snprintf(msg, sizeof(msg), "(message withheld: contains a request path)\n");
        fprintf(stderr, "dutyd-httpd: %s%s", msg,
                msg[0] && msg[strlen(msg) - 1] == '\n' ? "" : "\n");
}

/* ---- event loop glue ---- */

/* MHD's timeout, and the next request-header deadline. */
static void rearm(Httpd *h) {
        MHD_UNSIGNED_LONG_LONG ms = 0;
        if (MHD_get_timeout(h->d, &ms) == MHD_YES) {
                (void)sd_event_source_set_time_relative(h->timer, (uint64_t)ms * 1000);
                (void)sd_event_source_set_enabled(h->timer, SD_EVENT_ONESHOT);
        } else
                (void)sd_event_source_set_enabled(h->timer, SD_EVENT_OFF);
        uint64_t at = admission_next_expiry(h->admission);
        if (at == h->expiry_at)
                return;
        h->expiry_at = at;
        if (at == UINT64_MAX)
                (void)sd_event_source_set_enabled(h->expiry, SD_EVENT_OFF);
        else {
                (void)sd_event_source_set_time(h->expiry, at);
                (void)sd_event_source_set_enabled(h->expiry, SD_EVENT_ONESHOT);
        }
}

static void run(Httpd *h) {
        (void)MHD_run(h->d);
        h->last_run = now_usec(h);
        rearm(h);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        (void)s, (void)fd, (void)revents;
        run(userdata);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        (void)s, (void)usec;
        run(userdata);
        return 0;
}

/* Requests not complete in time: their sockets are shut down, which MHD sees at once (the next
 * run closes them); the connection does not count from now on. */
static int on_expiry(sd_event_source *s, uint64_t usec, void *userdata) {
        Httpd *h = userdata;
        (void)s, (void)usec;
        uint64_t now = now_usec(h);
        AdmissionConn *c;
        while ((c = admission_expire(h->admission, now)))
                (void)shutdown(admission_conn_fd(c), SHUT_RDWR);
        h->expiry_at = UINT64_MAX; /* the one-shot is spent */
        run(h);
        return 0;
}

/* ---- admission ---- */

/* Refusals are logged at most once a minute, with how many there were. */
static void note_refused(Httpd *h, int error) {
        uint64_t now = now_usec(h);
        h->refused++;
        if (h->refused_logged && now - h->refused_logged < LOG_WINDOW_USEC)
                return;
        log_warning(
                _("the feed server refused %zu connections: %s"), h->refused,
                error == -EDQUOT
                        ? _("one address has as many connections as it may (server.per_ip_connections)")
                : error == -ENOSPC
                        ? _("there are as many connections as there may be (server.max_connections)")
                        : strerror(-error));
        h->refused = 0;
        h->refused_logged = now;
}

static void on_accept(int fd, const struct sockaddr *peer, socklen_t peer_len, void *userdata) {
        Httpd *h = userdata;
        AdmissionConn *c, *evicted;
        int r = admission_admit(h->admission, peer, peer_len, fd, now_usec(h), &c, &evicted);
        if (r < 0) {
                close(fd);
                note_refused(h, r);
                return;
        }
        if (evicted)
                (void)shutdown(admission_conn_fd(evicted), SHUT_RDWR);
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &(int){SEND_BUFFER}, sizeof(int));
        h->adding = c;
        /* On failure MHD closes the socket itself; on success on_connection() took `adding`. */
        (void)MHD_add_connection(h->d, fd, peer, peer_len);
        admission_release(h->admission, TAKE_PTR(h->adding));
}

static void on_accepted(void *userdata) {
        run(userdata);
}

static void on_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
        Httpd *h = cls;
        (void)connection;
        if (code == MHD_CONNECTION_NOTIFY_STARTED)
                *socket_context = TAKE_PTR(h->adding);
        else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
                admission_release(h->admission, *socket_context);
                *socket_context = NULL;
        }
}

/* max_connections, but never more than the descriptors the process may open leave room for. */
static size_t connection_budget(size_t want) {
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
                return want;
        size_t fds = rl.rlim_cur > SIZE_MAX ? SIZE_MAX : (size_t)rl.rlim_cur;
        size_t room = fds > FD_RESERVE + MHD_SLACK + 16 ? fds - FD_RESERVE - MHD_SLACK : 16;
        if (want <= room)
                return want;
        log_warning(_("server.max_connections (%zu) is more than the files the process may open "
                      "(%zu) leave room for: taking %zu"),
                    want, fds, room);
        return room;
}

static int start_mhd(Httpd *h, const ServerConfig *cfg) {
        size_t max = connection_budget((size_t)(cfg->max_connections > 0
                                                        ? cfg->max_connections
                                                        : DEFAULT_SERVER_MAX_CONNECTIONS));
        AdmissionLimits limits = {
                .max = max,
                .per_ip = (size_t)(cfg->per_ip_connections > 0 ? cfg->per_ip_connections
                                                               : DEFAULT_SERVER_PER_IP_CONNECTIONS),
                .header_timeout_usec =
                        (uint64_t)(cfg->header_timeout_sec > 0 ? cfg->header_timeout_sec
                                                               : DEFAULT_SERVER_HEADER_TIMEOUT) *
                        1000000,
        };
        unsigned timeout =
                (unsigned)(cfg->timeout_sec > 0 ? cfg->timeout_sec : DEFAULT_SERVER_TIMEOUT);
        int r = admission_new(&limits, &h->admission);
        if (r < 0)
                return r;
        /* No listening socket of MHD's own: the listeners accept, the admission decides, and
         * MHD gets only the connections kept (MHD_add_connection). */
        h->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET |
                                        MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
                                0, NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER,
                                on_mhd_log, h, MHD_OPTION_CONNECTION_LIMIT,
                                (unsigned)(max + MHD_SLACK), MHD_OPTION_CONNECTION_TIMEOUT, timeout,
                                MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
                                MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
                                MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
                                MHD_OPTION_SIGPIPE_HANDLED_BY_APP, (int)1, MHD_OPTION_END);
        if (!h->d)
                return -EIO;
        const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
        if (!di)
                return -EIO;
        h->epoll_fd = di->epoll_fd;
        if ((r = sd_event_add_io(h->event, &h->io, h->epoll_fd, EPOLLIN, on_io, h)) < 0)
                return r;
        /* Accuracy 1 µs, not sd_event's default 250 ms: a timeout of 0 means MHD has work now
         * (the rest of a response larger than one write, on an edge-triggered socket). */
        r = sd_event_add_time_relative(h->event, &h->timer, clock_delay_id(), 0, 1, on_timer, h);
        if (r < 0)
                return r;
        r = sd_event_add_time(h->event, &h->expiry, clock_delay_id(), UINT64_MAX, 1000, on_expiry,
                              h);
        if (r < 0)
                return r;
        (void)sd_event_source_set_description(h->io, "httpd-io");
        (void)sd_event_source_set_description(h->timer, "httpd-timer");
        (void)sd_event_source_set_description(h->expiry, "httpd-deadline");
        h->expiry_at = UINT64_MAX;
        h->last_run = now_usec(h);
        rearm(h);
        return 0;
}

bool httpd_healthy(Httpd *h, uint64_t stuck_usec) {
        if (listeners_stuck(h->listeners, stuck_usec))
                return false;
        return !listen_fd_stuck(h->epoll_fd, h->last_run, now_usec(h), stuck_usec,
                                &h->epoll_waiting);
}

/* MHD is told the program handles SIGPIPE (MHD_OPTION_SIGPIPE_HANDLED_BY_APP), so that no write
 * to a client gone mid-response can kill it: ignored unless the program handles it already
 * (systemd services ignore it by default). */
static void ignore_sigpipe(void) {
        struct sigaction sa;
        if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL &&
            !(sa.sa_flags & SA_SIGINFO)) {
                sa = (struct sigaction){.sa_handler = SIG_IGN};
                sigemptyset(&sa.sa_mask);
                (void)sigaction(SIGPIPE, &sa, NULL);
        }
}

int httpd_new(sd_event *e, const ServerConfig *cfg, FeedBuild *feeds, Httpd **ret) {
        ignore_sigpipe();
        _cleanup_(httpd_freep) Httpd *h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->event = sd_event_ref(e);
        h->feeds = feeds;
        int r = -ENOMEM;
        h->not_found = static_response(NOT_FOUND_BODY, NULL);
        h->not_allowed = static_response(NOT_ALLOWED_BODY, "GET, HEAD");
        h->too_large = static_response(TOO_LARGE_BODY, NULL);
        h->unavailable = static_response(UNAVAILABLE_BODY, NULL);
        if (h->unavailable) /* calendar clients retry then, instead of at their next poll */
                MHD_add_response_header(h->unavailable, MHD_HTTP_HEADER_RETRY_AFTER, "5");
        if (!h->not_found || !h->not_allowed || !h->too_large || !h->unavailable)
                return r;
        if (feeds && (r = httpd_add_route(h, "/feeds/", HTTP_GET | HTTP_HEAD, feed_handler, h)) < 0)
                return r;
        if ((r = start_mhd(h, cfg)) < 0)
                return r;
        r = listeners_new(e, cfg->listen ? cfg->listen : DEFAULT_LISTEN, on_accept, on_accepted, h,
                          &h->listeners);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(h);
        return 0;
}

Httpd *httpd_free(Httpd *h) {
        if (!h)
                return NULL;
        /* MHD must not be stopped with connections suspended: those waiting for a feed go on
         * (and are closed by the stop), their renderings forgotten. */
        while (h->suspended) {
                Pending *p = h->suspended;
                unlink_suspended(h, p);
                feedbuild_request_cancel(TAKE_PTR(p->feed));
                p->feed_done = true;
                p->feed_error = -ECANCELED;
                MHD_resume_connection(p->connection);
        }
        listeners_free(h->listeners);
        sd_event_source_disable_unref(h->io);
        sd_event_source_disable_unref(h->timer);
        sd_event_source_disable_unref(h->expiry);
        if (h->d)
                MHD_stop_daemon(h->d); /* tells on_connection() each connection is closed */
        admission_free(h->admission);
        for (size_t i = 0; i < h->n_routes; i++)
                free(h->routes[i].prefix);
        if (h->not_found)
                MHD_destroy_response(h->not_found);
        if (h->not_allowed)
                MHD_destroy_response(h->not_allowed);
        if (h->too_large)
                MHD_destroy_response(h->too_large);
        if (h->unavailable)
                MHD_destroy_response(h->unavailable);
        sd_event_unref(h->event);
        free(h);
        return NULL;
}

int httpd_add_route(Httpd *h, const char *prefix, unsigned methods, HttpHandler fn,
                    void *userdata) {
        return httpd_add_route_sized(h, prefix, methods, HTTPD_MAX_BODY, fn, userdata);
}

int httpd_add_route_sized(Httpd *h, const char *prefix, unsigned methods, size_t max_body,
                          HttpHandler fn, void *userdata) {
        for (size_t i = 0; i < h->n_routes; i++)
                if (streq(h->routes[i].prefix, prefix))
                        return -EEXIST;
        if (h->n_routes >= MAX_ROUTES)
                return -E2BIG;
        char *p = strdup(prefix);
        if (!p)
                return -ENOMEM;
        h->routes[h->n_routes++] = (HttpRoute){p, methods, max_body, fn, userdata};
        return 0;
}

size_t httpd_n_listeners(const Httpd *h) {
        return listeners_count(h->listeners);
}

int httpd_listener_address(const Httpd *h, size_t i, char *buf, size_t n) {
        return listeners_address(h->listeners, i, buf, n);
}
