/* listeners.c — see listeners.h. */
#include "listeners.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "i18n.h"
#include "util.h"

#define MAX_LISTENERS 16

typedef struct Listener {
        Listeners *owner;
        int fd;
        sd_event_source *io, *resume;
        uint64_t taken;         /* when a connection was last taken, or none found waiting */
        uint64_t waiting_since; /* when listeners_stuck() first saw connections waiting; 0 */
        bool pause_logged;
        char address[80];
} Listener;

struct Listeners {
        sd_event *event;
        ListenAccept on_accept;
        ListenDone on_done;
        void *userdata;
        Listener l[MAX_LISTENERS];
        size_t n;
};

static uint64_t now_usec(sd_event *e) {
        uint64_t t = 0;
        (void)sd_event_now(e, clock_delay_id(), &t);
        return t;
}

/* Errors accept(2) passes on from one connection (Linux: "treat them like EAGAIN by
 * retrying"), and a firewall's refusal: the next connection may do. */
static bool accept_error_transient(int e) {
        switch (e) {
        case EINTR:
        case ECONNABORTED:
        case EPERM:
        case EPROTO:
        case ENETDOWN:
        case ENOPROTOOPT:
        case EHOSTDOWN:
        case ENONET:
        case EHOSTUNREACH:
        case EOPNOTSUPP:
        case ENETUNREACH: return true;
        default: return false;
        }
}

/* Out of descriptors or memory the queue cannot be taken from: waiting is better than a busy
 * loop on a socket that stays readable. */
static void pause_listener(Listener *l, int error) {
        if (!l->pause_logged)
                log_warning(
                        _("the feed server cannot take connections for now (%s): retrying in %d ms"),
                        strerror(error), PAUSE_MSEC);
        l->pause_logged = true;
        (void)sd_event_source_set_enabled(l->io, SD_EVENT_OFF);
        (void)sd_event_source_set_time_relative(l->resume, PAUSE_MSEC * UINT64_C(1000));
        (void)sd_event_source_set_enabled(l->resume, SD_EVENT_ONESHOT);
}

static int on_resume(sd_event_source *s, uint64_t usec, void *userdata) {
        Listener *l = userdata;
        (void)s, (void)usec;
        (void)sd_event_source_set_enabled(l->io, SD_EVENT_ON);
        return 0;
}

static int on_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Listener *l = userdata;
        Listeners *ls = l->owner;
        uint64_t now = now_usec(ls->event);
        (void)s, (void)revents;
        for (int i = 0; i < LISTEN_BATCH; i++) {
                struct sockaddr_storage ss;
                socklen_t sl = sizeof(ss);
                int c = accept4(fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (c >= 0) {
                        l->taken = now;
                        l->pause_logged = false;
                        ls->on_accept(c, (struct sockaddr *)&ss, sl, ls->userdata);
                        continue;
                }
                if (errno == EAGAIN || errno == EWOULDBLOCK) {
                        l->taken = now;
                        break;
                }
                if (!accept_error_transient(errno)) {
                        pause_listener(l, errno);
                        break;
                }
        }
        ls->on_done(ls->userdata);
        return 0;
}

bool listen_fd_stuck(int fd, uint64_t served, uint64_t now, uint64_t stuck_usec,
                     uint64_t *waiting_since) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN)) {
                *waiting_since = 0;
                return false;
        }
        if (*waiting_since == 0)
                *waiting_since = now;
        uint64_t since = *waiting_since > served ? *waiting_since : served;
        return now > since && now - since >= stuck_usec;
}

bool listeners_stuck(Listeners *ls, uint64_t stuck_usec) {
        uint64_t now = now_usec(ls->event);
        bool stuck = false;
        for (size_t i = 0; i < ls->n; i++) {
                Listener *l = &ls->l[i];
                stuck |= listen_fd_stuck(l->fd, l->taken, now, stuck_usec, &l->waiting_since);
        }
        return stuck;
}

static void sockaddr_format(const struct sockaddr *sa, char *buf, size_t n) {
        char host[INET6_ADDRSTRLEN];
        if (sa->sa_family == AF_INET) {
                const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
                inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
                snprintf(buf, n, "%s:%u", host, ntohs(in->sin_port));
        } else if (sa->sa_family == AF_INET6) {
                const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
                inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
                snprintf(buf, n, "[%s]:%u", host, ntohs(in6->sin6_port));
        } else
                snprintf(buf, n, "(socket)");
}

/* Binds "HOST:PORT" / "[V6]:PORT" / ":PORT". */
static int bind_address(const char *listen_on, int *ret_fd) {
        char host[256], port[16];
        const char *colon;
        if (listen_on[0] == '[') {
                const char *end = strchr(listen_on, ']');
                if (!end || end[1] != ':' || (size_t)(end - listen_on - 1) >= sizeof(host))
                        return -EINVAL;
                memcpy(host, listen_on + 1, (size_t)(end - listen_on - 1));
                host[end - listen_on - 1] = 0;
                colon = end + 1;
        } else {
                colon = strrchr(listen_on, ':');
                if (!colon || (size_t)(colon - listen_on) >= sizeof(host))
                        return -EINVAL;
                memcpy(host, listen_on, (size_t)(colon - listen_on));
                host[colon - listen_on] = 0;
        }
        if (strlen(colon + 1) == 0 || strlen(colon + 1) >= sizeof(port) ||
            strspn(colon + 1, "0123456789") != strlen(colon + 1))
                return -EINVAL;
        snprintf(port, sizeof(port), "%s", colon + 1);
        struct addrinfo hints = {.ai_family = AF_UNSPEC,
                                 .ai_socktype = SOCK_STREAM,
                                 .ai_flags = AI_PASSIVE | AI_NUMERICSERV | AI_NUMERICHOST},
                        *ai = NULL;
        if (getaddrinfo(host[0] ? host : NULL, port, &hints, &ai) != 0 || !ai)
                return -EADDRNOTAVAIL;
        int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                int r = -errno;
                freeaddrinfo(ai);
                return r;
        }
        int one = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, SOMAXCONN) < 0) {
                int r = -errno;
                close(fd);
                freeaddrinfo(ai);
                return r;
        }
        freeaddrinfo(ai);
        *ret_fd = fd;
        return 0;
}

/* Takes `fd` over, whatever the outcome. */
static int add_listener(Listeners *ls, int fd) {
        if (ls->n >= MAX_LISTENERS) {
                close(fd);
                return -E2BIG;
        }
        Listener *l = &ls->l[ls->n++];
        *l = (Listener){.owner = ls, .fd = fd, .taken = now_usec(ls->event)};
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
                sockaddr_format((struct sockaddr *)&ss, l->address, sizeof(l->address));
        int flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
                return -errno;
        int r = sd_event_add_io(ls->event, &l->io, fd, EPOLLIN, on_readable, l);
        if (r < 0)
                return r;
        r = sd_event_add_time_relative(ls->event, &l->resume, clock_delay_id(),
                                       PAUSE_MSEC * UINT64_C(1000), 0, on_resume, l);
        if (r < 0)
                return r;
        (void)sd_event_source_set_enabled(l->resume, SD_EVENT_OFF);
        (void)sd_event_source_set_description(l->io, "httpd-listen");
        (void)sd_event_source_set_description(l->resume, "httpd-listen-resume");
        return 0;
}

int listeners_new(sd_event *e, const char *address, ListenAccept on_accept, ListenDone on_done,
                  void *userdata, Listeners **ret) {
        Listeners *ls = calloc(1, sizeof(*ls));
        if (!ls)
                return -ENOMEM;
        *ls = (Listeners){.event = sd_event_ref(e),
                          .on_accept = on_accept,
                          .on_done = on_done,
                          .userdata = userdata};
        int r = 0, n = sd_listen_fds(1);
        for (int i = 0; i < n && r >= 0; i++)
                if (sd_is_socket(SD_LISTEN_FDS_START + i, AF_UNSPEC, SOCK_STREAM, 1) > 0)
                        r = add_listener(ls, SD_LISTEN_FDS_START + i);
        if (r >= 0 && ls->n == 0) {
                int fd;
                r = bind_address(address, &fd);
                if (r >= 0)
                        r = add_listener(ls, fd);
        }
        if (r < 0) {
                listeners_free(ls);
                return r;
        }
        *ret = ls;
        return 0;
}

Listeners *listeners_free(Listeners *ls) {
        if (!ls)
                return NULL;
        for (size_t i = 0; i < ls->n; i++) {
                sd_event_source_disable_unref(ls->l[i].io);
                sd_event_source_disable_unref(ls->l[i].resume);
                close(ls->l[i].fd);
        }
        sd_event_unref(ls->event);
        free(ls);
        return NULL;
}

size_t listeners_count(const Listeners *ls) {
        return ls->n;
}

int listeners_address(const Listeners *ls, size_t i, char *buf, size_t n) {
        if (i >= ls->n)
                return -ENOENT;
        snprintf(buf, n, "%s", ls->l[i].address);
        return 0;
}
