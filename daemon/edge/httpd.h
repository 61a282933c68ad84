/* httpd.h — the HTTP server (libmicrohttpd) inside an sd_event loop: calendar feeds, and a small
 * route table other modules extend (issue 6: /done/<token> pages).
 * Contract:
 *  - Listens on the stream sockets systemd passes, else on ServerConfig.listen (default
 *    DEFAULT_LISTEN; listeners.h). The listeners accept, admission.h decides which connections
 *    are kept (ServerConfig: max_connections, per_ip_connections; the oldest idle connection
 *    makes room; a request not complete header_timeout after its connection, or its previous
 *    response, is closed) and the kept ones go to one MHD daemon without a listening socket
 *    of its own (MHD_add_connection), MHD_USE_EPOLL without threads: its epoll fd is an
 *    sd_event io source and a timer is re-armed from MHD_get_timeout() after every run. So
 *    nothing blocks the loop, no limit ever takes a socket out of the poll set, and a slow
 *    client only holds its own connection (MHD closes one without progress for `timeout`).
 *  - Built-in route GET/HEAD /feeds/<token>/<feed>.ics (when given a FeedBuild): the token and
 *    the validators come from feedbuild_lookup() without rendering, so a conditional request
 *    is answered 304 at once (If-None-Match checked first, weak comparison; else
 *    If-Modified-Since); a body the cache holds for the ETag is sent at once; otherwise the
 *    connection is suspended (MHD_ALLOW_SUSPEND_RESUME: the loop goes on) while the worker
 *    renders the feed, and resumed with the body (then 200, or 304 if it turns out to match).
 *    Content-Type ICAL_CONTENT_TYPE, strong ETag, Last-Modified, Cache-Control private,
 *    no-cache; HEAD: headers only, Content-Length of the body; any Accept header is fine. A
 *    wrong token, an unknown feed, any other path, traversal attempts: one identical 404. A
 *    feed that cannot be rendered now: 503 with Retry-After. Methods other than GET/HEAD: 405.
 *    Connections still waiting when the server is freed are closed.
 *  - Never logs a request path (tokens are secrets).
 *  - httpd_new() sets SIGPIPE to be ignored unless the program already handles it (systemd
 *    services ignore it anyway). */
#pragma once
#include "util.h"
#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "feedbuild.h"

typedef struct Httpd Httpd;

enum {
        HTTP_GET = 1 << 0,
        HTTP_HEAD = 1 << 1,
        HTTP_POST = 1 << 2,
};

#define HTTPD_MAX_BODY \
        (16 * 1024) /* POST bodies larger than this get 413 (unless the route
                                    * says otherwise: httpd_add_route_sized) */
/* All POST bodies held at once, every connection together: past it a request gets 413 too, so
 * many slow uploads cannot take the daemon's memory. */
#define HTTPD_BODY_BUDGET (64u << 20)

typedef struct HttpRequest {
        struct MHD_Connection *connection;
        unsigned method;  /* HTTP_GET / HTTP_HEAD / HTTP_POST */
        const char *path; /* percent-decoded path, without the query */
        const char *rest; /* path after the route's prefix */
        const char *body; /* POST: the request body (NUL-terminated), else NULL */
        size_t body_len;
        void *state; /* httpd's own, per request */
} HttpRequest;

/* A route handler queues exactly one response (helpers below) and returns its result. */
typedef enum MHD_Result (*HttpHandler)(const HttpRequest *req, void *userdata);

/* Starts listening. `feeds` (borrowed; may be NULL: no feeds route) must outlive the server. */
int httpd_new(sd_event *e, const ServerConfig *cfg, FeedBuild *feeds, Httpd **ret);
Httpd *httpd_free(Httpd *h);
DEFINE_FREEP(Httpd, httpd_free)
/* Routes are matched by longest prefix, e.g. "/done/". Returns 0, -EEXIST or -ENOMEM. A body
 * longer than HTTPD_MAX_BODY, or `max_body` for a sized route, gets 413 (at once when its
 * Content-Length says so, else when it has been read). */
int httpd_add_route(Httpd *h, const char *prefix, unsigned methods, HttpHandler fn, void *userdata);
int httpd_add_route_sized(Httpd *h, const char *prefix, unsigned methods, size_t max_body,
                          HttpHandler fn, void *userdata);
/* Listening sockets and their addresses ("127.0.0.1:8027", "[::1]:8027"). */
size_t httpd_n_listeners(const Httpd *h);
int httpd_listener_address(const Httpd *h, size_t i, char *buf, size_t n);

/* False when connections have waited for `stuck_usec` or longer, on a listener or in MHD,
 * with nothing taking them (the service's watchdog then withholds its ping, /healthz says so
 * and the heartbeat pauses). HTTPD_STUCK_USEC: how long counts as wedged. */
#define HTTPD_STUCK_USEC (10 * UINT64_C(1000000))
bool httpd_healthy(Httpd *h, uint64_t stuck_usec);

/* Helpers for route handlers: the one 404 of the server; a text answer of `status` whose body
 * (malloc'ed, NULL = out of memory) the response takes over. */
enum MHD_Result httpd_respond_not_found(const HttpRequest *req);
enum MHD_Result httpd_respond_text(const HttpRequest *req, unsigned status,
                                   const char *content_type, char *body);

/* The headers of a private answer (a page or file behind a secret link): never cached
 * (no-store), never framed, never sniffed, the Referer policy `referrer`. */
void httpd_private_headers(struct MHD_Response *r, const char *referrer);
/* A page (`b`, HTML, freed here; out of memory: MHD_NO) as text/html; charset=utf-8 with the
 * private headers and the Content-Security-Policy `csp`. */
enum MHD_Result httpd_respond_page(const HttpRequest *req, unsigned status, Buf *b,
                                   const char *referrer, const char *csp);

/* A request a route answers later (work done off the loop, e.g. by a child process): the
 * handler calls httpd_suspend() and returns its result; the connection waits, out of the poll
 * set. httpd_resume() (once, from the loop) makes the server call the handler again for the
 * same request, where httpd_waited() returns `data` (NULL on a first call). `release(data)` is
 * called when the request ends, answered or not (the client gone, the server freed): after it
 * the HttpWait is gone and must not be resumed. */
typedef struct Pending HttpWait;
enum MHD_Result httpd_suspend(const HttpRequest *req, void *data, void (*release)(void *data),
                              HttpWait **ret);
void httpd_resume(HttpWait *w);
void *httpd_waited(const HttpRequest *req);

/* A POST's form (application/x-www-form-urlencoded or multipart/form-data) decoded by
 * libmicrohttpd's post processor (`buffer`: its buffer for a field's name and a piece of its
 * value), `it` called for each piece. 0; -EINVAL: not a form (or MHD out of memory: it does not
 * say which), a malformed body, or `it` answered MHD_NO. */
int httpd_read_form(const HttpRequest *req, size_t buffer, MHD_PostDataIterator it, void *cls);

/* The answers to feed requests since the start, by kind (for /metrics). */
enum {
        HTTPD_FEED_OK,           /* 200 */
        HTTPD_FEED_NOT_MODIFIED, /* 304 */
        HTTPD_FEED_NOT_FOUND,    /* 404: unknown token or feed */
        HTTPD_FEED_UNAVAILABLE,  /* 503: not ready, or the rendering failed */
        _HTTPD_FEED_MAX,
};
void httpd_feed_answers(const Httpd *h, unsigned long out[static _HTTPD_FEED_MAX]);

/* HTTP-date (IMF-fixdate) of a time, and its parser (-EINVAL when malformed). */
void httpd_format_date(time_t t, char out[static 30]);
int httpd_parse_date(const char *s, time_t *ret);
/* True when an If-None-Match header value matches `etag` (quoted, strong). */
bool httpd_etag_matches(const char *if_none_match, const char *etag);
