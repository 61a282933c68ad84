/* admission.c — see admission.h. */
#include "admission.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "hashmap.h"

#define PEER_KEY_MAX 9    /* a family byte, then 4 bytes (IPv4) or 8 (an IPv6 /64) */
#define COMPACT_AT 64     /* peers known before the idle ones are forgotten … */
#define COMPACT_FACTOR 4u /* … once they are this many times the active ones */

typedef struct Link {
        AdmissionConn *prev, *next;
} Link;

typedef struct Peer {
        uint8_t key[PEER_KEY_MAX];
        uint8_t key_len;
        size_t count;               /* connections that count */
        AdmissionConn *head, *tail; /* its waiting connections, oldest first */
} Peer;

struct AdmissionConn {
        Link all, wait, peer_wait;
        Peer *peer; /* NULL once it no longer counts */
        uint64_t since;
        int fd;
        bool waiting;
};

struct Admission {
        AdmissionLimits limits;
        Peer **peers; /* each allocated on its own: the map borrows its key */
        size_t n_peers, cap_peers, n_active;
        HashMap map;                 /* Peer.key → index in peers */
        AdmissionConn *first, *last; /* every connection not yet released */
        AdmissionConn *head, *tail;  /* the waiting ones, oldest first */
        size_t count;
};

#define LIST_APPEND(f, head, tail, c)         \
        do {                                  \
                (c)->f.prev = (tail);         \
                (c)->f.next = NULL;           \
                if (tail)                     \
                        (tail)->f.next = (c); \
                else                          \
                        (head) = (c);         \
                (tail) = (c);                 \
        } while (0)

#define LIST_REMOVE(f, head, tail, c)                      \
        do {                                               \
                if ((c)->f.prev)                           \
                        (c)->f.prev->f.next = (c)->f.next; \
                else                                       \
                        (head) = (c)->f.next;              \
                if ((c)->f.next)                           \
                        (c)->f.next->f.prev = (c)->f.prev; \
                else                                       \
                        (tail) = (c)->f.prev;              \
                (c)->f.prev = (c)->f.next = NULL;          \
        } while (0)

static size_t peer_key(const struct sockaddr *sa, socklen_t len, uint8_t key[PEER_KEY_MAX]) {
        if (sa && sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
                key[0] = 4;
                memcpy(key + 1, &((const struct sockaddr_in *)sa)->sin_addr, 4);
                return 5;
        }
        if (sa && sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
                const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
                if (IN6_IS_ADDR_V4MAPPED(a6)) {
                        key[0] = 4;
                        memcpy(key + 1, a6->s6_addr + 12, 4);
                        return 5;
                }
                key[0] = 6;
                memcpy(key + 1, a6->s6_addr, 8);
                return 9;
        }
        key[0] = 0;
        return 1;
}

int admission_new(const AdmissionLimits *limits, Admission **ret) {
        Admission *a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        a->limits = *limits;
        *ret = a;
        return 0;
}

Admission *admission_free(Admission *a) {
        if (!a)
                return NULL;
        while (a->first) {
                AdmissionConn *c = a->first;
                a->first = c->all.next;
                free(c);
        }
        for (size_t i = 0; i < a->n_peers; i++)
                free(a->peers[i]);
        free(a->peers);
        hashmap_done(&a->map);
        free(a);
        return NULL;
}

/* Forgets the peers without a connection (the map cannot delete): a new array and map, swapped
 * in only when both could be built. */
static void compact(Admission *a) {
        Peer **kept = calloc(a->n_active ? a->n_active : 1, sizeof(*kept));
        HashMap map = {0};
        size_t n = 0;
        if (!kept)
                return;
        for (size_t i = 0; i < a->n_peers; i++) {
                Peer *p = a->peers[i];
                if (p->count == 0)
                        continue;
                if (n == a->n_active || hashmap_put(&map, p->key, p->key_len, n) < 0) {
                        free(kept);
                        hashmap_done(&map);
                        return;
                }
                kept[n++] = p;
        }
        for (size_t i = 0; i < a->n_peers; i++)
                if (a->peers[i]->count == 0)
                        free(a->peers[i]);
        free(a->peers);
        hashmap_done(&a->map);
        a->peers = kept, a->n_peers = n, a->cap_peers = a->n_active ? a->n_active : 1;
        a->map = map;
}

static int get_peer(Admission *a, const uint8_t *key, size_t len, Peer **ret) {
        size_t i;
        if (hashmap_get(&a->map, key, len, &i)) {
                *ret = a->peers[i];
                return 0;
        }
        if (a->n_peers >= COMPACT_AT && a->n_peers >= COMPACT_FACTOR * a->n_active)
                compact(a);
        if (ARRAY_GROW(a->peers, a->cap_peers, a->n_peers + 1) < 0)
                return -ENOMEM;
        Peer *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        memcpy(p->key, key, len);
        p->key_len = (uint8_t)len;
        int r = hashmap_put(&a->map, p->key, len, a->n_peers);
        if (r < 0) {
                free(p);
                return r;
        }
        a->peers[a->n_peers++] = p;
        *ret = p;
        return 0;
}

static void unwait(Admission *a, AdmissionConn *c) {
        if (!c->waiting)
                return;
        LIST_REMOVE(wait, a->head, a->tail, c);
        LIST_REMOVE(peer_wait, c->peer->head, c->peer->tail, c);
        c->waiting = false;
}

static void wait_from(Admission *a, AdmissionConn *c, uint64_t now) {
        unwait(a, c);
        c->since = now;
        LIST_APPEND(wait, a->head, a->tail, c);
        LIST_APPEND(peer_wait, c->peer->head, c->peer->tail, c);
        c->waiting = true;
}

static void uncount(Admission *a, AdmissionConn *c) {
        if (!c->peer)
                return;
        unwait(a, c);
        if (--c->peer->count == 0)
                a->n_active--;
        a->count--;
        c->peer = NULL;
}

int admission_admit(Admission *a, const struct sockaddr *peer, socklen_t peer_len, int fd,
                    uint64_t now, AdmissionConn **ret, AdmissionConn **evicted) {
        uint8_t key[PEER_KEY_MAX];
        size_t len = peer_key(peer, peer_len, key);
        Peer *p;
        int r = get_peer(a, key, len, &p);
        if (r < 0)
                return r;
        AdmissionConn *victim = NULL;
        if (p->count >= a->limits.per_ip) {
                if (!p->head)
                        return -EDQUOT;
                victim = p->head;
        } else if (a->count >= a->limits.max) {
                if (!a->head)
                        return -ENOSPC;
                victim = a->head;
        }
        AdmissionConn *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        if (victim)
                uncount(a, victim);
        c->fd = fd;
        c->peer = p;
        if (p->count++ == 0)
                a->n_active++;
        a->count++;
        LIST_APPEND(all, a->first, a->last, c);
        wait_from(a, c, now);
        *ret = c;
        *evicted = victim;
        return 0;
}

void admission_busy(Admission *a, AdmissionConn *c) {
        if (c && c->peer)
                unwait(a, c);
}

void admission_idle(Admission *a, AdmissionConn *c, uint64_t now) {
        if (c && c->peer)
                wait_from(a, c, now);
}

AdmissionConn *admission_expire(Admission *a, uint64_t now) {
        AdmissionConn *c = a->head;
        if (!c || now < c->since || now - c->since < a->limits.header_timeout_usec)
                return NULL;
        uncount(a, c);
        return c;
}

uint64_t admission_next_expiry(const Admission *a) {
        if (!a->head)
                return UINT64_MAX;
        uint64_t t = a->head->since + a->limits.header_timeout_usec;
        return t < a->head->since ? UINT64_MAX - 1 : t;
}

void admission_release(Admission *a, AdmissionConn *c) {
        if (!c)
                return;
        uncount(a, c);
        LIST_REMOVE(all, a->first, a->last, c);
        free(c);
}

int admission_conn_fd(const AdmissionConn *c) {
        return c->fd;
}

size_t admission_count(const Admission *a) {
        return a->count;
}
