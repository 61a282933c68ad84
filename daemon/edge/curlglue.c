/* curlglue.c — see curlglue.h. */
#include "curlglue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "array.h"
#include "clock.h"

/* A socket curl opened through the glue, from its first watch until curl closes it. Between
 * transfers (curl's CURL_POLL_REMOVE) its source is parked rather than freed: a keep-alive
 * connection's next transfer watches it again without a new source or an epoll change. */
typedef struct GlueSocket {
        sd_event_source *src;
        bool ours;   /* opened by open_socket(): curl closes it through close_socket() */
        bool parked; /* no transfer watches it now */
} GlueSocket;

struct CurlGlue {
        sd_event *event;
        CURLM *multi;
        CURLSH *share; /* TLS sessions: a new connection to a receiver resumes its session */
        CURL **idle;   /* easy handles kept for the next transfers */
        size_t n_idle, max_idle;
        sd_event_source *timer, *now;
        GlueSocket *socks; /* by file descriptor */
        size_t socks_cap;
        CurlGlueProgress progress;
        void *userdata;
};

static int on_io(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        (void)src;
        CurlGlue *g = userdata;
        int action = 0, running;
        if ((size_t)fd < g->socks_cap && g->socks[fd].parked) {
                /* An idle connection closed or spoke: curl looks at it when it is next used. */
                (void)sd_event_source_set_enabled(src, SD_EVENT_OFF);
                return 0;
        }
        if (revents & EPOLLIN)
                action |= CURL_CSELECT_IN;
        if (revents & EPOLLOUT)
                action |= CURL_CSELECT_OUT;
        if (revents & (EPOLLERR | EPOLLHUP))
                action |= CURL_CSELECT_ERR;
        curl_multi_socket_action(g->multi, fd, action, &running);
        g->progress(g->userdata);
        return 0;
}

static GlueSocket *glue_socket(CurlGlue *g, curl_socket_t fd) {
        return fd >= 0 && (size_t)fd < g->socks_cap && g->socks[fd].ours ? &g->socks[fd] : NULL;
}

/* A socket of ours watched again: its parked source, with the events now wanted. */
static int socket_unpark(CurlGlue *g, GlueSocket *gs, curl_socket_t fd, uint32_t events) {
        int enabled = SD_EVENT_OFF;
        if (sd_event_source_set_io_events(gs->src, events) < 0 ||
            (sd_event_source_get_enabled(gs->src, &enabled) >= 0 && enabled == SD_EVENT_OFF &&
             sd_event_source_set_enabled(gs->src, SD_EVENT_ON) < 0) ||
            curl_multi_assign(g->multi, fd, gs->src) != CURLM_OK)
                return -1;
        gs->parked = false;
        return 0;
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp) {
        (void)easy;
        CurlGlue *g = userp;
        sd_event_source *src = socketp;
        GlueSocket *gs = glue_socket(g, fd);
        if (what == CURL_POLL_REMOVE) {
                if (gs && gs->src)
                        gs->parked = true; /* freed when curl closes the socket */
                else if (src) {
                        sd_event_source_disable_unref(src);
                        curl_multi_assign(g->multi, fd, NULL);
                }
                return 0;
        }
        uint32_t events =
                (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
        if (!src && gs && gs->src)
                return socket_unpark(g, gs, fd, events);
        if (src)
                return sd_event_source_set_io_events(src, events) < 0 ? -1 : 0;
        if (sd_event_add_io(g->event, &src, fd, events, on_io, g) < 0)
                return -1;
        (void)sd_event_source_set_description(src, "dutyd-curl-io");
        if (curl_multi_assign(g->multi, fd, src) != CURLM_OK) {
                sd_event_source_disable_unref(src);
                return -1;
        }
        if (gs)
                gs->src = src;
        return 0;
}

/* curl's sockets for connections: known to the glue, so that their sources outlive a
 * transfer and go when the socket does. */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr) {
        (void)purpose;
        CurlGlue *g = clientp;
        int fd = socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
        if (fd < 0)
                return CURL_SOCKET_BAD;
        /* Without room it is watched like any other socket: a source per transfer. */
        size_t old = g->socks_cap;
        if (ARRAY_GROW(g->socks, g->socks_cap, (size_t)fd + 1) == 0) {
                memset(g->socks + old, 0, (g->socks_cap - old) * sizeof *g->socks);
                /* A source left by a socket closed without close_socket(), if curl ever did. */
                sd_event_source_disable_unref(g->socks[fd].src);
                g->socks[fd] = (GlueSocket){.ours = true};
        }
        return fd;
}

static int close_socket(void *clientp, curl_socket_t fd) {
        CurlGlue *g = clientp;
        GlueSocket *gs = glue_socket(g, fd);
        if (gs) {
                sd_event_source_disable_unref(gs->src);
                *gs = (GlueSocket){0};
        }
        return close(fd);
}

static void on_timeout(CurlGlue *g) {
        int running;
        curl_multi_socket_action(g->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        g->progress(g->userdata);
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata) {
        (void)src, (void)usec;
        on_timeout(userdata);
        return 0;
}

static int on_now(sd_event_source *src, void *userdata) {
        (void)src;
        on_timeout(userdata);
        return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp) {
        (void)multi;
        CurlGlue *g = userp;
        /* No libcurl calls in here. */
        if (timeout_ms < 0) {
                (void)sd_event_source_set_enabled(g->now, SD_EVENT_OFF);
                return sd_event_source_set_enabled(g->timer, SD_EVENT_OFF) < 0 ? -1 : 0;
        }
        /* "At once", which every new transfer asks for: the defer source. The timer keeps its
         * time: firing early or needlessly costs curl one look at its timeouts. */
        if (timeout_ms == 0)
                return sd_event_source_set_enabled(g->now, SD_EVENT_ONESHOT) < 0 ? -1 : 0;
        if (sd_event_source_set_enabled(g->now, SD_EVENT_OFF) < 0 ||
            sd_event_source_set_time_relative(g->timer, (uint64_t)timeout_ms * 1000) < 0 ||
            sd_event_source_set_enabled(g->timer, SD_EVENT_ONESHOT) < 0)
                return -1;
        return 0;
}

static int add_sources(CurlGlue *g) {
        int r = sd_event_add_time(g->event, &g->timer, clock_delay_id(), UINT64_MAX, 0, on_timer,
                                  g);
        if (r < 0 || (r = sd_event_add_defer(g->event, &g->now, on_now, g)) < 0)
                return r;
        (void)sd_event_source_set_enabled(g->timer, SD_EVENT_OFF);
        (void)sd_event_source_set_enabled(g->now, SD_EVENT_OFF);
        /* Accuracy 0 means sd-event's default of 250 ms: too coarse for curl's timeouts. 10 ms
         * lets sd-event keep its timerfd armed across the timeouts of transfers started within a
         * few ms of each other. */
        (void)sd_event_source_set_time_accuracy(g->timer, 10000);
        (void)sd_event_source_set_description(g->timer, "dutyd-curl-timer");
        (void)sd_event_source_set_description(g->now, "dutyd-curl-now");
        /* After the sockets' events of a loop iteration: curl starts at once every transfer
         * their completions handed a slot to (one look at its timers, not one a completion). */
        (void)sd_event_source_set_priority(g->now, SD_EVENT_PRIORITY_NORMAL + 1);
        return 0;
}

int curl_glue_new(sd_event *e, size_t max_in_flight, CurlGlueProgress progress, void *userdata,
                  CurlGlue **ret) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return -ENOMEM;
        CurlGlue *g = calloc(1, sizeof *g);
        if (!g)
                return -ENOMEM;
        g->event = sd_event_ref(e);
        g->progress = progress;
        g->userdata = userdata;
        g->max_idle = max_in_flight;
        g->idle = calloc(max_in_flight ? max_in_flight : 1, sizeof *g->idle);
        g->multi = curl_multi_init();
        g->share = curl_share_init();
        int r = -ENOMEM;
        if (!g->idle || !g->multi || !g->share ||
            curl_share_setopt(g->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) !=
                    CURLSHE_OK ||
            (r = add_sources(g)) < 0) {
                curl_glue_free(g);
                return r;
        }
        curl_multi_setopt(g->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
        curl_multi_setopt(g->multi, CURLMOPT_SOCKETDATA, g);
        curl_multi_setopt(g->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
        curl_multi_setopt(g->multi, CURLMOPT_TIMERDATA, g);
        /* curl's default of 100 streams a connection is above any channel's share. A lower
         * stream limit with PIPEWAIT makes curl 7.88 park transfers rather than open
         * connections. */
        curl_multi_setopt(g->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
        curl_multi_setopt(g->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)max_in_flight);
        curl_multi_setopt(g->multi, CURLMOPT_MAXCONNECTS, (long)max_in_flight * 2);
        *ret = g;
        return 0;
}

CurlGlue *curl_glue_free(CurlGlue *g) {
        if (!g)
                return NULL;
        while (g->n_idle)
                curl_easy_cleanup(g->idle[--g->n_idle]);
        free(g->idle);
        /* Before the sources: cleanup calls the socket callback. */
        if (g->multi)
                curl_multi_cleanup(g->multi);
        if (g->share)
                curl_share_cleanup(g->share);
        for (size_t fd = 0; fd < g->socks_cap; fd++) /* none left: curl closed its sockets */
                sd_event_source_disable_unref(g->socks[fd].src);
        free(g->socks);
        sd_event_source_disable_unref(g->timer);
        sd_event_source_disable_unref(g->now);
        sd_event_unref(g->event);
        free(g);
        return NULL;
}

CURL *curl_glue_easy_get(CurlGlue *g) {
        if (g->n_idle)
                return g->idle[--g->n_idle];
        CURL *e = curl_easy_init();
        if (e && (curl_easy_setopt(e, CURLOPT_SHARE, g->share) != CURLE_OK ||
                  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
                  curl_easy_setopt(e, CURLOPT_USERAGENT, "dutyd/1") != CURLE_OK ||
                  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK)) {
                curl_easy_cleanup(e);
                return NULL;
        }
        return e;
}

void curl_glue_easy_put(CurlGlue *g, CURL *e) {
        if (!e)
                return;
        if (g->n_idle == g->max_idle)
                curl_easy_cleanup(e);
        else
                g->idle[g->n_idle++] = e;
}

void curl_glue_share(CurlGlue *g, CURL *e) {
        (void)curl_easy_setopt(e, CURLOPT_SHARE, g->share);
}

int curl_glue_add(CurlGlue *g, CURL *e) {
        /* On every handle: a connection closes through the callbacks of the one that opened it. */
        if (curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, g) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, close_socket) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, g) != CURLE_OK)
                return -EINVAL;
        return curl_multi_add_handle(g->multi, e) == CURLM_OK ? 0 : -EIO;
}

void curl_glue_remove(CurlGlue *g, CURL *e) {
        if (e)
                curl_multi_remove_handle(g->multi, e);
}

bool curl_glue_next_done(CurlGlue *g, CURL **ret, CURLcode *ret_result) {
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(g->multi, &left)))
                if (msg->msg == CURLMSG_DONE) {
                        *ret = msg->easy_handle;
                        *ret_result = msg->data.result;
                        return true;
                }
        return false;
}
