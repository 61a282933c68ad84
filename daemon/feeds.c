/* feeds.c — see feeds.h. */
#include "feeds.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "util.h"

/* ---- events, shared ---- */

static EventBlob *blob_new(const char *data, size_t len) {
        EventBlob *b = malloc(sizeof(EventBlob) + len + 1);
        if (!b)
                return NULL;
        atomic_init(&b->ref, 1);
        b->len = len;
        memcpy(b->data, data, len);
        b->data[len] = 0;
        return b;
}

static EventBlob *blob_ref(EventBlob *b) {
        if (b)
                atomic_fetch_add_explicit(&b->ref, 1, memory_order_relaxed);
        return b;
}

static void blob_unref(EventBlob *b) {
        if (b && atomic_fetch_sub_explicit(&b->ref, 1, memory_order_acq_rel) == 1)
                free(b);
}

/* Rendered events by key: open addressing, the key's first 8 bytes as hash. */
typedef struct MemoSlot {
        unsigned char key[32];
        EventBlob *blob; /* NULL = empty */
} MemoSlot;

struct EventMemo {
        MemoSlot *slots;
        size_t n, cap; /* cap: power of two, at least 2n */
};

static EventMemo *memo_free(EventMemo *m) {
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->cap; i++)
                blob_unref(m->slots[i].blob);
        free(m->slots);
        free(m);
        return NULL;
}

static uint64_t key_hash(const unsigned char *k) {
        uint64_t h;
        memcpy(&h, k, sizeof(h));
        return h;
}

static MemoSlot *memo_slot(const EventMemo *m, const unsigned char *key) {
        size_t i = key_hash(key) & (m->cap - 1);
        for (;; i = (i + 1) & (m->cap - 1))
                if (!m->slots[i].blob || memcmp(m->slots[i].key, key, 32) == 0)
                        return &m->slots[i];
}

static EventBlob *memo_get(const EventMemo *m, const unsigned char *key) {
        if (!m || m->cap == 0)
                return NULL;
        return memo_slot(m, key)->blob;
}

static int memo_new(size_t n, EventMemo **ret) {
        EventMemo *m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->cap = 64;
        while (m->cap < 2 * n)
                m->cap *= 2;
        m->slots = calloc(m->cap, sizeof(MemoSlot));
        if (!m->slots) {
                free(m);
                return -ENOMEM;
        }
        *ret = m;
        return 0;
}

/* Adds a reference to `b` under `key` (sized for it by memo_new; a duplicate key is kept once). */
static void memo_put(EventMemo *m, const unsigned char *key, EventBlob *b) {
        MemoSlot *s = memo_slot(m, key);
        if (s->blob)
                return;
        memcpy(s->key, key, 32);
        s->blob = blob_ref(b);
        m->n++;
}

/* ---- the set ---- */

static int feed_push(Feed *f, uint32_t i) {
        if (f->n_occ == f->cap) {
                size_t cap = f->cap ? f->cap * 2 : 64;
                uint32_t *p = realloc(f->occ, cap * sizeof(*p));
                if (!p)
                        return -ENOMEM;
                f->occ = p, f->cap = cap;
        }
        f->occ[f->n_occ++] = i;
        return 0;
}

static int feed_init(Feed *f, FeedKind kind, size_t index, const char *prefix, const char *id,
                     const char *org, const char *who) {
        f->kind = kind;
        f->index = index;
        if (prefix)
                snprintf(f->name, sizeof(f->name), "%s-%s", prefix, id);
        else
                snprintf(f->name, sizeof(f->name), "org");
        f->title =
                who ? strfmt("%s安全生产履职日历·%s", org, who) : strfmt("%s安全生产履职日历", org);
        return f->title ? 0 : -ENOMEM;
}

static void window(const Config *c, Day today, Day *from, Day *to) {
        *from = today - (c->feeds.past_days >= 0 ? c->feeds.past_days : 31);
        *to = today + (c->feeds.future_days > 0 ? c->feeds.future_days : 366);
}

int feeds_plan(const Config *c, Day today, FeedStatusFn fn, void *userdata, OccurrenceList *ret_occ,
               FeedStatus **ret_status) {
        Day from, to;
        window(c, today, &from, &to);
        OccurrenceList occ = {0};
        int r = schedule_plan(c, from, to, PLAN_FILTER_ALL, &occ);
        FeedStatus *st = NULL;
        if (r == 0 && !(st = calloc(occ.n ? occ.n : 1, sizeof(*st))))
                r = -ENOMEM;
        for (size_t i = 0; r == 0 && fn && i < occ.n; i++)
                r = fn(userdata, c, &occ.items[i], today, &st[i]);
        if (r < 0) {
                occurrence_list_done(&occ);
                free(st);
                return r;
        }
        *ret_occ = occ;
        *ret_status = st;
        return 0;
}

int feedset_new_from(const Config *c, Day today, OccurrenceList *occ, FeedStatus *status,
                     FeedSet **ret) {
        FeedSet *s = calloc(1, sizeof(*s));
        if (!s) {
                occurrence_list_done(occ);
                free(status);
                return -ENOMEM;
        }
        s->config = c;
        s->today = today;
        window(c, today, &s->from, &s->to);
        s->occ = *occ;
        *occ = (OccurrenceList){0};
        size_t n = s->occ.n;
        s->status = status ? status : calloc(n ? n : 1, sizeof(*s->status));
        int r = -ENOMEM;
        if (n > UINT32_MAX / 64)
                goto fail;
        s->events = calloc(n ? n : 1, sizeof(*s->events));
        s->keys = calloc(n ? n : 1, sizeof(*s->keys));
        s->hold_off = calloc(n + 1, sizeof(*s->hold_off));
        s->feeds = calloc(1 + c->n_posts + c->n_people, sizeof(*s->feeds));
        if (!s->status || !s->events || !s->keys || !s->hold_off || !s->feeds)
                goto fail;

        /* org (unless feeds.org is false), post-*, person-* */
        Feed *org = NULL;
        if (c->feeds.org) {
                org = &s->feeds[s->n_feeds++];
                if ((r = feed_init(org, FEED_ORG, 0, NULL, NULL, c->org_name, NULL)) < 0)
                        goto fail;
        }
        Feed *posts = &s->feeds[s->n_feeds], *people = &s->feeds[s->n_feeds + c->n_posts];
        for (size_t p = 0; p < c->n_posts; p++, s->n_feeds++)
                if ((r = feed_init(&posts[p], FEED_POST, p, "post", c->posts[p].id, c->org_name,
                                   c->posts[p].name)) < 0)
                        goto fail;
        for (size_t p = 0; p < c->n_people; p++, s->n_feeds++)
                if ((r = feed_init(&people[p], FEED_PERSON, p, "person", c->people[p].id,
                                   c->org_name, c->people[p].name)) < 0)
                        goto fail;

        size_t cap = n + 16, used = 0;
        s->holders = malloc(cap * sizeof(*s->holders));
        if (!s->holders)
                goto fail;
        for (size_t i = 0; i < n; i++) {
                const Occurrence *o = &s->occ.items[i];
                if ((org && (r = feed_push(org, (uint32_t)i)) < 0) ||
                    (r = feed_push(&posts[o->post], (uint32_t)i)) < 0)
                        goto fail;
                size_t h[MAX_POST_HOLDERS];
                size_t nh = occurrence_holders(c, o, o->due, h, ELEMENTSOF(h));
                if (used + nh > cap) {
                        cap = (used + nh) * 2;
                        uint32_t *p = realloc(s->holders, cap * sizeof(*p));
                        if (!p) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        s->holders = p;
                }
                s->hold_off[i] = (uint32_t)used;
                for (size_t k = 0; k < nh; k++) {
                        s->holders[used++] = (uint32_t)h[k];
                        /* A person holding the post twice over (two tenures) gets it once. */
                        Feed *f = &people[h[k]];
                        if (f->n_occ > 0 && f->occ[f->n_occ - 1] == (uint32_t)i)
                                continue;
                        if ((r = feed_push(f, (uint32_t)i)) < 0)
                                goto fail;
                }
        }
        s->hold_off[n] = (uint32_t)used;
        *ret = s;
        return 0;
fail:
        feedset_free(s);
        return r;
}

int feedset_new(const Config *c, Day today, FeedStatusFn fn, void *userdata, FeedSet **ret) {
        OccurrenceList occ;
        FeedStatus *st;
        int r = feeds_plan(c, today, fn, userdata, &occ, &st);
        if (r < 0)
                return r;
        return feedset_new_from(c, today, &occ, st, ret);
}

FeedSet *feedset_free(FeedSet *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; s->events && i < s->occ.n; i++)
                blob_unref(s->events[i]);
        for (size_t i = 0; i < s->n_feeds; i++) {
                free(s->feeds[i].title);
                free(s->feeds[i].occ);
        }
        free(s->feeds);
        free(s->events);
        free(s->keys);
        free(s->hold_off);
        free(s->holders);
        free(s->status);
        occurrence_list_done(&s->occ);
        free(s);
        return NULL;
}

ssize_t feedset_find(const FeedSet *s, const char *name) {
        for (size_t i = 0; i < s->n_feeds; i++)
                if (streq(s->feeds[i].name, name))
                        return (ssize_t)i;
        return -ENOENT;
}

/* ---- running on several threads ---- */

typedef struct Worker {
        IcalRenderer *renderer;
        EVP_MD_CTX *md;
} Worker;

typedef int (*ItemFn)(void *ctx, Worker *w, size_t item);

typedef struct Pool {
        ItemFn fn;
        void *ctx;
        size_t n, chunk;
        atomic_size_t next;
        atomic_int error;
        const atomic_int *cancel;
        Worker w[FEEDS_THREADS];
} Pool;

typedef struct PoolThread {
        Pool *pool;
        Worker *w;
} PoolThread;

static void *pool_run(void *arg) {
        PoolThread *t = arg;
        Pool *p = t->pool;
        for (;;) {
                if (atomic_load(&p->error) != 0)
                        break;
                if (p->cancel && atomic_load(p->cancel)) {
                        int zero = 0;
                        atomic_compare_exchange_strong(&p->error, &zero, -ECANCELED);
                        break;
                }
                size_t i = atomic_fetch_add(&p->next, p->chunk);
                if (i >= p->n)
                        break;
                size_t end = i + p->chunk < p->n ? i + p->chunk : p->n;
                for (; i < end; i++) {
                        int r = p->fn(p->ctx, t->w, i);
                        if (r < 0) {
                                int zero = 0;
                                atomic_compare_exchange_strong(&p->error, &zero, r);
                                return NULL;
                        }
                }
        }
        return NULL;
}

static size_t n_threads(void) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        return n >= FEEDS_THREADS ? FEEDS_THREADS : n > 1 ? (size_t)n : 1;
}

/* Runs fn over items [0, n) on up to FEEDS_THREADS threads (the caller's among them). */
static int pool_do(Pool *p, size_t n, size_t chunk, ItemFn fn, void *ctx) {
        p->fn = fn, p->ctx = ctx, p->n = n, p->chunk = chunk;
        atomic_store(&p->next, 0);
        atomic_store(&p->error, 0);
        size_t nt = n_threads();
        if (n <= chunk)
                nt = 1;
        PoolThread t[FEEDS_THREADS];
        pthread_t tid[FEEDS_THREADS];
        size_t started = 1;
        for (size_t i = 0; i < nt; i++)
                t[i] = (PoolThread){p, &p->w[i]};
        sigset_t all, old; /* helpers never take the process's signals */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        for (size_t i = 1; i < nt; i++, started++)
                if (pthread_create(&tid[i], NULL, pool_run, &t[i]) != 0)
                        break; /* fewer threads: still correct */
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        pool_run(&t[0]);
        for (size_t i = 1; i < started; i++)
                pthread_join(tid[i], NULL);
        return atomic_load(&p->error);
}

static int pool_init(Pool *p, const Config *c, const atomic_int *cancel) {
        *p = (Pool){.cancel = cancel};
        for (size_t i = 0; i < FEEDS_THREADS; i++) {
                int r = ical_renderer_new(c, &p->w[i].renderer);
                if (r < 0)
                        return r;
                if (!(p->w[i].md = EVP_MD_CTX_new()))
                        return -ENOMEM;
        }
        return 0;
}

static void pool_done(Pool *p) {
        for (size_t i = 0; i < FEEDS_THREADS; i++) {
                ical_renderer_free(p->w[i].renderer);
                EVP_MD_CTX_free(p->w[i].md);
        }
}

/* ---- phase 1: every event of the set, rendered once (or taken from the previous build) ---- */

typedef struct EventsJob {
        FeedSet *set;
        const EventMemo *prev;
} EventsJob;

static int render_one(void *ctx, Worker *w, size_t i) {
        EventsJob *j = ctx;
        FeedSet *s = j->set;
        if (s->events[i])
                return 0;
        IcalEvent ev;
        size_t holders[MAX_POST_HOLDERS];
        size_t nh = s->hold_off[i + 1] - s->hold_off[i];
        for (size_t k = 0; k < nh && k < MAX_POST_HOLDERS; k++)
                holders[k] = s->holders[s->hold_off[i] + k];
        int r = ical_event_prepare(s->config, &s->occ.items[i], &s->status[i], holders,
                                   nh < MAX_POST_HOLDERS ? nh : MAX_POST_HOLDERS, &ev);
        if (r < 0)
                return r;
        memcpy(s->keys[i], ev.key, 32);
        EventBlob *b = blob_ref(memo_get(j->prev, ev.key));
        if (!b) {
                const char *text;
                size_t len;
                r = ical_renderer_event(w->renderer, &ev, &text, &len);
                if (r == 0 && !(b = blob_new(text, len)))
                        r = -ENOMEM;
        }
        ical_event_done(&ev);
        s->events[i] = b;
        return r;
}

static int render_events(FeedSet *s, const EventMemo *prev, Pool *pool) {
        EventsJob j = {s, prev};
        return pool_do(pool, s->occ.n, 64, render_one, &j);
}

/* ---- one feed: its pieces, digest, body, file ---- */

typedef struct Pieces {
        char *head;
        struct iovec *iov; /* head, events…, end */
        size_t n;
        size_t len;
} Pieces;

static void pieces_done(Pieces *p) {
        free(p->head);
        free(p->iov);
        *p = (Pieces){0};
}

static int pieces_of(const FeedSet *s, size_t i, Pieces *p) {
        const Feed *f = &s->feeds[i];
        size_t head_len;
        *p = (Pieces){0};
        int r = ical_render_head(s->config, f->title, &p->head, &head_len);
        if (r < 0)
                return r;
        p->iov = malloc((f->n_occ + 2) * sizeof(*p->iov));
        if (!p->iov) {
                pieces_done(p);
                return -ENOMEM;
        }
        p->iov[p->n++] = (struct iovec){p->head, head_len};
        p->len = head_len;
        for (size_t k = 0; k < f->n_occ; k++) {
                const EventBlob *b = s->events[f->occ[k]];
                p->iov[p->n++] = (struct iovec){(void *)b->data, b->len};
                p->len += b->len;
        }
        p->iov[p->n++] = (struct iovec){(void *)ICAL_CALENDAR_END, strlen(ICAL_CALENDAR_END)};
        p->len += strlen(ICAL_CALENDAR_END);
        return 0;
}

static char *pieces_join(const Pieces *p) {
        char *out = malloc(p->len + 1), *q = out;
        if (!out)
                return NULL;
        for (size_t k = 0; k < p->n; k++)
                memcpy(q, p->iov[k].iov_base, p->iov[k].iov_len), q += p->iov[k].iov_len;
        *q = 0;
        return out;
}

static void hex_etag(const unsigned char h[static 32], char out[static 67]) {
        static const char hex[] = "0123456789abcdef";
        out[0] = '"';
        for (int i = 0; i < 32; i++) {
                out[1 + 2 * i] = hex[h[i] >> 4];
                out[2 + 2 * i] = hex[h[i] & 15];
        }
        out[65] = '"';
        out[66] = 0;
}

static int pieces_etag(const Pieces *p, EVP_MD_CTX *md, char out[static 67]) {
        unsigned char h[32];
        unsigned int hl = sizeof(h);
        if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
                return -EIO;
        for (size_t k = 0; k < p->n; k++)
                if (EVP_DigestUpdate(md, p->iov[k].iov_base, p->iov[k].iov_len) != 1)
                        return -EIO;
        if (EVP_DigestFinal_ex(md, h, &hl) != 1)
                return -EIO;
        hex_etag(h, out);
        return 0;
}

int feedset_render(FeedSet *s, size_t i, char **ret, size_t *ret_len) {
        const Feed *f = &s->feeds[i];
        IcalRenderer *rd = NULL;
        int r = 0;
        for (size_t k = 0; k < f->n_occ && r == 0; k++) {
                if (s->events[f->occ[k]])
                        continue;
                if (!rd && (r = ical_renderer_new(s->config, &rd)) < 0)
                        break;
                Worker w = {.renderer = rd};
                EventsJob j = {s, NULL};
                r = render_one(&j, &w, f->occ[k]);
        }
        ical_renderer_free(rd);
        if (r < 0)
                return r;
        Pieces p;
        if ((r = pieces_of(s, i, &p)) < 0)
                return r;
        char *out = pieces_join(&p);
        size_t len = p.len;
        pieces_done(&p);
        if (!out)
                return -ENOMEM;
        *ret = out;
        if (ret_len)
                *ret_len = len;
        return 0;
}

char *feeds_default_dir(const Config *c, const char *state_dir) {
        if (c->feeds.dir)
                return strdup(c->feeds.dir);
        return strfmt("%s/feeds", state_dir ? state_dir : "/var/lib/dutyd");
}

/* True when DIR/NAME holds exactly the bytes of iov[0..n) (total `len`); *st is its stat. */
static bool file_same_iov(int dir_fd, const char *name, const struct iovec *iov, size_t n,
                          size_t len, struct stat *st) {
        int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return false;
        bool same = false;
        if (fstat(fd, st) == 0 && S_ISREG(st->st_mode) && (size_t)st->st_size == len) {
                static _Thread_local char buf[1 << 16];
                size_t k = 0, in = 0; /* iov k, offset in it */
                same = true;
                for (size_t off = 0; off < len && same;) {
                        ssize_t got = read(fd, buf, sizeof(buf));
                        if (got < 0 && errno == EINTR)
                                continue;
                        if (got <= 0 || (size_t)got > len - off) {
                                same = false;
                                break;
                        }
                        off += (size_t)got;
                        for (size_t b = 0; b < (size_t)got && same;) {
                                while (k < n && in == iov[k].iov_len)
                                        k++, in = 0;
                                size_t m = iov[k].iov_len - in;
                                if (m > (size_t)got - b)
                                        m = (size_t)got - b;
                                same = memcmp(buf + b, (const char *)iov[k].iov_base + in, m) == 0;
                                b += m, in += m;
                        }
                }
        }
        close(fd);
        return same;
}

static int write_all_iov(int fd, struct iovec *iov, size_t n) {
        while (n > 0) {
                size_t batch = n < IOV_MAX ? n : IOV_MAX;
                ssize_t k = writev(fd, iov, (int)batch);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                size_t done = (size_t)k;
                while (n > 0 && done >= iov->iov_len)
                        done -= iov->iov_len, iov++, n--;
                if (n > 0 && done > 0) {
                        iov->iov_base = (char *)iov->iov_base + done;
                        iov->iov_len -= done;
                }
        }
        return 0;
}

/* A temporary file in the folder with these bytes (not synced); *st is its stat once written (a
 * rename keeps device, inode, size and mtime). */
static int write_temp(int dir_fd, const char *name, struct iovec *iov, size_t n, char *tmp,
                      size_t tmp_size, struct stat *st) {
        int fd = -1;
        for (int attempt = 0; attempt < 16; attempt++) {
                snprintf(tmp, tmp_size, ".%s.%ld.%d.tmp", name, (long)getpid(), attempt);
                fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                            0644);
                if (fd >= 0 || errno != EEXIST)
                        break;
        }
        if (fd < 0)
                return -errno;
        int r = write_all_iov(fd, iov, n);
        if (r == 0 && fchmod(fd, 0644) < 0)
                r = -errno;
        if (r == 0 && fstat(fd, st) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r < 0)
                (void)unlinkat(dir_fd, tmp, 0);
        return r;
}

int feeds_write_file(int dir_fd, const char *name, const char *data, size_t len,
                     bool *ret_written) {
        struct iovec iov = {(void *)data, len};
        struct stat st;
        if (file_same_iov(dir_fd, name, &iov, 1, len, &st)) {
                *ret_written = false;
                return 0;
        }
        char tmp[FEED_NAME_MAX + 48];
        int r = write_temp(dir_fd, name, &iov, 1, tmp, sizeof(tmp), &st);
        if (r < 0)
                return r;
        int fd = openat(dir_fd, tmp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 || fsync(fd) < 0)
                r = -errno;
        if (fd >= 0)
                close(fd);
        if (r == 0 && renameat(dir_fd, tmp, dir_fd, name) < 0)
                r = -errno;
        if (r < 0) {
                (void)unlinkat(dir_fd, tmp, 0);
                return r;
        }
        *ret_written = true;
        return 0;
}

/* ---- the cache ---- */

int feed_cache_new(FeedCache **ret) {
        FeedCache *fc = calloc(1, sizeof(*fc));
        if (!fc)
                return -ENOMEM;
        fc->dir_fd = -1;
        *ret = fc;
        return 0;
}

static void entries_free(FeedEntry *e, size_t n) {
        for (size_t i = 0; i < n; i++)
                explicit_bzero(e[i].token, sizeof(e[i].token));
        free(e);
}

FeedCache *feed_cache_free(FeedCache *fc) {
        if (!fc)
                return NULL;
        entries_free(fc->entries, fc->n);
        memo_free(fc->memo);
        if (fc->dir_fd >= 0)
                close(fc->dir_fd);
        free(fc->dir);
        free(fc);
        return NULL;
}

static int entry_cmp(const void *a, const void *b) {
        return strcmp(((const FeedEntry *)a)->name, ((const FeedEntry *)b)->name);
}

const FeedEntry *feed_cache_find(const FeedCache *fc, const char *name) {
        if (!fc || strlen(name) >= FEED_NAME_MAX || fc->n == 0)
                return NULL;
        FeedEntry key;
        snprintf(key.name, sizeof(key.name), "%s", name);
        return bsearch(&key, fc->entries, fc->n, sizeof(FeedEntry), entry_cmp);
}

void feed_cache_copy_tokens(FeedCache *to, const FeedCache *from) {
        for (size_t i = 0; from && i < to->n; i++) {
                const FeedEntry *old = feed_cache_find(from, to->entries[i].name);
                if (old)
                        memcpy(to->entries[i].token, old->token, sizeof(old->token));
        }
}

static bool stat_matches(const struct stat *st, const FeedEntry *e) {
        return S_ISREG(st->st_mode) && st->st_dev == e->file.dev && st->st_ino == e->file.ino &&
               st->st_size == e->file.size && st->st_mtim.tv_sec == e->file.mtime.tv_sec &&
               st->st_mtim.tv_nsec == e->file.mtime.tv_nsec;
}

int feed_cache_open(const FeedCache *fc, const FeedEntry *e, int *ret_fd, uint64_t *ret_size,
                    bool *ret_current) {
        if (!fc || !e || fc->dir_fd < 0)
                return -ENOENT;
        char fname[FEED_NAME_MAX + 8];
        snprintf(fname, sizeof(fname), "%s.ics", e->name);
        int fd = openat(fc->dir_fd, fname, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        struct stat st;
        int r = fstat(fd, &st) < 0 ? -errno : S_ISREG(st.st_mode) ? 0 : -ENOENT;
        if (r < 0) {
                close(fd);
                return r;
        }
        *ret_fd = fd;
        *ret_size = (uint64_t)st.st_size;
        *ret_current = e->file.valid && streq(e->file.etag, e->etag) && stat_matches(&st, e);
        return 0;
}

/* ---- phase 2: every feed ---- */

typedef struct FeedJob {
        FeedEntry e; /* the new entry (name, size, etag, file) */
        bool wrote;  /* a temporary waits in `tmp`, its stat in `tmp_st` */
        char tmp[FEED_NAME_MAX + 48];
        struct stat tmp_st;
} FeedJob;

typedef struct BuildJob {
        FeedSet *set;
        const FeedCache *prev;
        bool want_cache;
        int dir_fd;
        bool same_dir; /* prev->dir is this folder: its file records hold */
        FeedJob *jobs;
} BuildJob;

static void record_file(FeedEntry *e, const struct stat *st, const char *etag) {
        e->file.valid = true;
        snprintf(e->file.etag, sizeof(e->file.etag), "%s", etag);
        e->file.dev = st->st_dev;
        e->file.ino = st->st_ino;
        e->file.size = st->st_size;
        e->file.mtime = st->st_mtim;
}

/* One feed: pieces (an iovec over the shared events, no copy), digest, file compared or written
 * to a temporary; the pieces are freed before the next feed. */
static int build_one(void *ctx, Worker *w, size_t i) {
        BuildJob *b = ctx;
        FeedJob *j = &b->jobs[i];
        FeedEntry *e = &j->e;
        snprintf(e->name, sizeof(e->name), "%s", b->set->feeds[i].name);
        Pieces p;
        int r = pieces_of(b->set, i, &p);
        if (r < 0)
                return r;
        e->size = p.len;
        const FeedEntry *old = feed_cache_find(b->prev, e->name);
        if (b->want_cache && (r = pieces_etag(&p, w->md, e->etag)) < 0)
                goto out;
        if (b->dir_fd >= 0) {
                char fname[FEED_NAME_MAX + 8];
                snprintf(fname, sizeof(fname), "%s.ics", e->name);
                struct stat st;
                if (b->want_cache && old && b->same_dir && old->file.valid &&
                    streq(old->file.etag, e->etag) &&
                    fstatat(b->dir_fd, fname, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                    stat_matches(&st, old))
                        e->file = old->file; /* known right: not even read */
                else if (file_same_iov(b->dir_fd, fname, p.iov, p.n, p.len, &st)) {
                        if (b->want_cache)
                                record_file(e, &st, e->etag);
                } else if ((r = write_temp(b->dir_fd, fname, p.iov, p.n, j->tmp, sizeof(j->tmp),
                                           &j->tmp_st)) == 0)
                        j->wrote = true;
        }
out:
        pieces_done(&p);
        return r;
}

/* Phase 3: one sync, then the renames. */
static int commit_files(BuildJob *b, size_t n) {
        size_t pending = 0;
        for (size_t i = 0; i < n; i++)
                pending += b->jobs[i].wrote;
        if (pending == 0)
                return 0;
        int r = 0;
        if (syncfs(b->dir_fd) < 0) {
                for (size_t i = 0; i < n && r == 0; i++) {
                        if (!b->jobs[i].wrote)
                                continue;
                        int fd = openat(b->dir_fd, b->jobs[i].tmp,
                                        O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                        if (fd < 0 || fsync(fd) < 0)
                                r = -errno;
                        if (fd >= 0)
                                close(fd);
                }
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < n; i++) {
                FeedJob *j = &b->jobs[i];
                if (!j->wrote)
                        continue;
                char fname[FEED_NAME_MAX + 8];
                snprintf(fname, sizeof(fname), "%s.ics", j->e.name);
                if (renameat(b->dir_fd, j->tmp, b->dir_fd, fname) < 0)
                        return -errno;
                j->wrote = false;
                if (b->want_cache)
                        record_file(&j->e, &j->tmp_st, j->e.etag);
        }
        return 0;
}

static bool feed_file_name(const char *n) {
        size_t l = strlen(n);
        if (l <= 4 || !streq(n + l - 4, ".ics"))
                return false;
        return streq(n, "org.ics") || (strncmp(n, "post-", 5) == 0 && l > 9) ||
               (strncmp(n, "person-", 7) == 0 && l > 11);
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Phase 4: regular files named like a feed that are no feed of the set. */
static int remove_stale(int dir_fd, const FeedSet *s, size_t *ret_removed) {
        const char **names = malloc((s->n_feeds ? s->n_feeds : 1) * sizeof(*names));
        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_feeds; i++)
                names[i] = s->feeds[i].name;
        qsort(names, s->n_feeds, sizeof(*names), name_cmp);
        int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                int r = -errno;
                if (fd >= 0)
                        close(fd);
                free(names);
                return r;
        }
        int r = 0;
        size_t removed = 0;
        struct dirent *de;
        for (errno = 0; (de = readdir(d)); errno = 0) {
                if (!feed_file_name(de->d_name))
                        continue;
                char name[FEED_NAME_MAX];
                size_t l = strlen(de->d_name) - 4;
                if (l < sizeof(name)) {
                        memcpy(name, de->d_name, l);
                        name[l] = 0;
                        const char *key = name;
                        if (bsearch(&key, names, s->n_feeds, sizeof(*names), name_cmp))
                                continue;
                }
                struct stat st;
                if (fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISREG(st.st_mode))
                        continue;
                if (unlinkat(dir_fd, de->d_name, 0) == 0)
                        removed++;
                else if (errno != ENOENT && r == 0)
                        r = -errno;
        }
        if (errno != 0 && r == 0)
                r = -errno;
        closedir(d);
        free(names);
        *ret_removed = removed;
        return r;
}

static void jobs_free(BuildJob *b, size_t n) {
        for (size_t i = 0; b->jobs && i < n; i++)
                if (b->jobs[i].wrote)
                        (void)unlinkat(b->dir_fd, b->jobs[i].tmp, 0);
        free(b->jobs);
        b->jobs = NULL;
}

int feeds_build(FeedSet *s, FeedCache *prev, bool copy_tokens, const char *dir, time_t now,
                const atomic_int *cancel, FeedCache **ret, FeedsWriteStats *ret_stats) {
        FeedsWriteStats st = {0};
        BuildJob b = {.set = s, .prev = prev, .want_cache = ret != NULL, .dir_fd = -1};
        FeedCache *nc = NULL;
        Pool pool;
        int r = pool_init(&pool, s->config, cancel);
        if (r == 0)
                r = render_events(s, prev ? prev->memo : NULL, &pool);
        if (r == 0 && dir) {
                if (mkdir(dir, 0775) < 0 && errno != EEXIST)
                        r = -errno;
                else if ((b.dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
                        r = -errno;
                b.same_dir = prev && prev->dir && streq(prev->dir, dir);
        }
        if (r == 0 && !(b.jobs = calloc(s->n_feeds ? s->n_feeds : 1, sizeof(FeedJob))))
                r = -ENOMEM;
        if (r == 0)
                r = pool_do(&pool, s->n_feeds, 1, build_one, &b);
        if (r == 0 && cancel && atomic_load(cancel))
                r = -ECANCELED;
        for (size_t i = 0; r == 0 && i < s->n_feeds; i++) {
                st.feeds++;
                st.bytes += b.jobs[i].e.size;
                st.written += b.jobs[i].wrote;
        }
        st.unchanged = st.feeds - st.written;
        bool renamed = st.written > 0;
        if (r == 0 && b.dir_fd >= 0)
                r = commit_files(&b, s->n_feeds);
        if (r == 0 && b.dir_fd >= 0)
                r = remove_stale(b.dir_fd, s, &st.removed);
        if (r == 0 && b.dir_fd >= 0 && (renamed || st.removed > 0) && fsync(b.dir_fd) < 0)
                r = -errno;
        if (r == 0 && ret) {
                if ((r = feed_cache_new(&nc)) == 0 && (r = memo_new(s->occ.n, &nc->memo)) == 0 &&
                    !(nc->entries = calloc(s->n_feeds ? s->n_feeds : 1, sizeof(FeedEntry))))
                        r = -ENOMEM;
                if (r == 0 && dir && !(nc->dir = strdup(dir)))
                        r = -ENOMEM;
        }
        if (r == 0 && ret) {
                for (size_t i = 0; i < s->occ.n; i++)
                        memo_put(nc->memo, s->keys[i], s->events[i]);
                for (size_t i = 0; i < s->n_feeds; i++) {
                        FeedEntry *e = &nc->entries[i];
                        *e = b.jobs[i].e;
                        const FeedEntry *old = feed_cache_find(prev, e->name);
                        if (old && streq(old->etag, e->etag))
                                e->last_modified = old->last_modified;
                        else
                                /* Strictly later than what clients were told before, so
                                 * If-Modified-Since never hides a change within a second. */
                                e->last_modified = old && old->last_modified >= now
                                                           ? old->last_modified + 1
                                                           : now;
                        if (old && copy_tokens)
                                memcpy(e->token, old->token, sizeof(e->token));
                }
                nc->n = s->n_feeds;
                qsort(nc->entries, nc->n, sizeof(FeedEntry), entry_cmp);
                /* The files are all in place: the new cache may point at them. */
                nc->dir_fd = b.dir_fd;
                b.dir_fd = -1;
                *ret = TAKE_PTR(nc);
        }
        feed_cache_free(nc);
        jobs_free(&b, s->n_feeds);
        if (b.dir_fd >= 0)
                close(b.dir_fd);
        pool_done(&pool);
        if (ret_stats)
                *ret_stats = st;
        return r;
}

int feeds_write(FeedSet *s, const char *dir, FeedsWriteStats *ret) {
        return feeds_build(s, NULL, false, dir, 0, NULL, NULL, ret);
}

static void cache_replace(FeedCache *fc, FeedCache *nc) {
        FeedCache tmp = *fc;
        *fc = *nc;
        *nc = tmp;
        feed_cache_free(nc);
}

int feeds_update(FeedSet *s, FeedCache *fc, const char *dir, time_t now, FeedsWriteStats *ret) {
        FeedCache *nc = NULL;
        int r = feeds_build(s, fc, true, dir, now, NULL, &nc, ret);
        if (r < 0)
                return r;
        cache_replace(fc, nc);
        return 0;
}

int feed_cache_update(FeedCache *fc, FeedSet *s, time_t now) {
        return feeds_update(s, fc, NULL, now, NULL);
}

int feed_cache_load_tokens(FeedCache *fc, Store *store) {
        /* One transaction: a first start creates a token per feed (20,001 at county scale). */
        int r = store_begin(store);
        for (size_t i = 0; r == 0 && i < fc->n; i++)
                r = feedtoken_get(store, fc->entries[i].name, fc->entries[i].token);
        if (r == 0)
                r = store_commit(store);
        else
                store_rollback(store);
        return r;
}
