/* feedbuild.c — see feedbuild.h. */
#include "feedbuild.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clock.h"
#include "feedtoken.h"
#include "tz.h"
#include "util.h"

typedef enum JobKind {
        JOB_SYNC,
        JOB_RENDER,
} JobKind;

typedef struct Job Job;

struct FeedRequest {
        Job *job;
        FeedReady cb;
        void *userdata;
        FeedRequest *next;
};

struct Job {
        JobKind kind;
        char name[FEED_NAME_MAX];
        Day today;
        unsigned tries;
        const Config *config; /* a sync: the config it is for */
        /* results, written by the worker */
        int error;
        FeedGeneration gen;
        FeedBody *body;
        int64_t generation, completions; /* the inputs a body was rendered from */
        FeedRequest *waiters;            /* the loop's */
        Job *next;
};

/* A feed rendered lately: its validators and size, and its body while the budget allows. */
typedef struct CacheEntry {
        char name[FEED_NAME_MAX];
        char etag[FEED_ETAG_LEN];
        size_t size;
        FeedBody *body; /* NULL once evicted */
        uint64_t used;
} CacheEntry;

struct FeedBuild {
        sd_event_source *source;
        int efd;
        pthread_t thread;
        bool started;
        pthread_mutex_t lock;
        pthread_cond_t wake, idle;
        /* under the lock */
        Job *head, *tail, *running, *done;
        bool stop;
        bool pausing; /* the loop waits for the worker to be between jobs: start none */
        FeedInputs in;
        bool ready;     /* in.index and in.generation are in.config's */
        int sync_error; /* the last sync failed (0: none) */
        uint64_t renders, syncs;
        atomic_int cancel;
        /* the worker's */
        Store *wstore;
        FeedVersionReader *reader;
        IcalRenderer *renderer; /* kept across feeds of one config */
        const Config *renderer_config;
        /* the loop's */
        FeedTokenReader *tokens;
        FeedBuildHooks hooks;
        CacheEntry cache[FEEDBUILD_CACHE_ENTRIES];
        size_t n_cache, cache_bytes;
        uint64_t tick;
        struct {
                bool set;
                int64_t generation, completions;
                Day today;
                time_t lm;
        } epoch;
};

/* ---- bodies and the cache (loop) ---- */

FeedBody *feed_body_ref(FeedBody *b) {
        if (b)
                b->ref++;
        return b;
}

void feed_body_unref(FeedBody *b) {
        if (b && --b->ref == 0) {
                free(b->data);
                free(b);
        }
}

static void drop_body(FeedBuild *b, CacheEntry *e) {
        if (!e->body)
                return;
        b->cache_bytes -= e->body->len;
        feed_body_unref(TAKE_PTR(e->body));
}

void feedbuild_flush(FeedBuild *b) {
        for (size_t i = 0; i < b->n_cache; i++)
                drop_body(b, &b->cache[i]);
}

FeedBody *feedbuild_cached(FeedBuild *b, const char *name, const char *etag, uint64_t *ret_size) {
        *ret_size = UINT64_MAX;
        for (size_t i = 0; i < b->n_cache; i++) {
                CacheEntry *e = &b->cache[i];
                if (streq(e->name, name) && streq(e->etag, etag)) {
                        e->used = ++b->tick;
                        *ret_size = e->size;
                        return feed_body_ref(e->body);
                }
        }
        return NULL;
}

/* The least recently used entry, among those with a body when `with_body`. */
static CacheEntry *lru(FeedBuild *b, bool with_body) {
        CacheEntry *best = NULL;
        for (size_t i = 0; i < b->n_cache; i++)
                if ((!with_body || b->cache[i].body) && (!best || b->cache[i].used < best->used))
                        best = &b->cache[i];
        return best;
}

static void cache_put(FeedBuild *b, const char *name, FeedBody *body) {
        CacheEntry *e = NULL;
        for (size_t i = 0; i < b->n_cache && !e; i++)
                if (streq(b->cache[i].name, name))
                        e = &b->cache[i];
        if (!e && b->n_cache < FEEDBUILD_CACHE_ENTRIES)
                e = &b->cache[b->n_cache++];
        else if (!e)
                e = lru(b, false);
        drop_body(b, e);
        snprintf(e->name, sizeof(e->name), "%s", name);
        memcpy(e->etag, body->etag, sizeof(e->etag));
        e->size = body->len;
        e->used = ++b->tick;
        if (body->len > FEEDBUILD_CACHE_BYTES)
                return;
        while (b->cache_bytes + body->len > FEEDBUILD_CACHE_BYTES)
                drop_body(b, lru(b, true));
        e->body = feed_body_ref(body);
        b->cache_bytes += body->len;
}

/* ---- the worker ---- */

static void push_head(FeedBuild *b, Job *j) {
        j->next = b->head;
        b->head = j;
        if (!b->tail)
                b->tail = j;
}

static void push_tail(FeedBuild *b, Job *j) {
        j->next = NULL;
        if (b->tail)
                b->tail->next = j;
        else
                b->head = j;
        b->tail = j;
}

static Job *pop(FeedBuild *b) {
        Job *j = b->head;
        b->head = j->next;
        if (!b->head)
                b->tail = NULL;
        j->next = NULL;
        return j;
}

static void run_sync(FeedBuild *b, Job *j, const FeedInputs *in, FeedIndex **ret_index) {
        j->error =
                feedversion_sync(b->wstore, in->config, j->today, clock_now(), &b->cancel, &j->gen);
        if (j->error == 0)
                j->error = feed_index_new(in->config, ret_index);
}

static void run_render(FeedBuild *b, Job *j, const FeedInputs *in, bool ready) {
        FeedRef f;
        if (!ready) { /* the sync failed */
                j->error = -EAGAIN;
                return;
        }
        if (feeds_find(in->config, in->index, j->name, &f) < 0) {
                j->error = -ENOENT;
                return;
        }
        j->generation = in->generation.generation;
        j->completions = in->completions.version;
        j->error = feedversion_reader_begin(b->reader, j->generation, j->completions);
        if (j->error < 0)
                return;
        if (b->renderer_config != in->config) {
                b->renderer = ical_renderer_free(b->renderer);
                b->renderer_config = NULL;
                if ((j->error = ical_renderer_new(in->config, &b->renderer)) < 0) {
                        feedversion_reader_end(b->reader);
                        return;
                }
                b->renderer_config = in->config;
        }
        Buf out = {0};
        j->error = feeds_render(in, b->reader, b->renderer, f, j->today, &b->cancel, &out, NULL);
        feedversion_reader_end(b->reader);
        size_t len = out.len;
        char *data = buf_steal(&out);
        if (j->error == 0 && (!data || !(j->body = calloc(1, sizeof(FeedBody)))))
                j->error = -ENOMEM;
        if (j->error < 0) {
                free(data);
                return;
        }
        *j->body = (FeedBody){.ref = 1, .len = len, .data = data};
        feeds_etag(in, j->name, j->today, j->body->etag);
}

/* After a job, under the lock: its results installed, or it queued again when stopped. */
static void finish(FeedBuild *b, Job *j, FeedIndex *index) {
        bool current = j->kind == JOB_RENDER || j->config == b->in.config;
        if (j->error == -ECANCELED && current && !b->stop) {
                push_head(b, j); /* run again once the inputs are in place */
                return;
        }
        if (j->kind == JOB_SYNC && j->error == 0 && current) {
                feed_index_free((FeedIndex *)b->in.index);
                b->in.index = TAKE_PTR(index);
                b->in.generation = j->gen;
                b->ready = true;
        }
        if (j->kind == JOB_SYNC && current)
                b->sync_error = j->error == -ECANCELED ? 0 : j->error;
        feed_index_free(index);
        b->renders += j->kind == JOB_RENDER && j->error == 0;
        j->next = b->done;
        b->done = j;
}

static void *worker(void *arg) {
        FeedBuild *b = arg;
        pthread_mutex_lock(&b->lock);
        for (;;) {
                while (!b->stop && (!b->head || b->pausing))
                        pthread_cond_wait(&b->wake, &b->lock);
                if (b->stop)
                        break;
                Job *j = pop(b);
                b->running = j;
                b->syncs += j->kind == JOB_SYNC;
                FeedInputs in = b->in;
                bool ready = b->ready;
                pthread_mutex_unlock(&b->lock);
                FeedIndex *index = NULL;
                if (j->kind == JOB_SYNC)
                        run_sync(b, j, &in, &index);
                else
                        run_render(b, j, &in, ready);
                pthread_mutex_lock(&b->lock);
                finish(b, j, index);
                b->running = NULL;
                pthread_cond_broadcast(&b->idle);
                pthread_mutex_unlock(&b->lock);
                /* The eventfd write publishes the results (the loop reads them under the lock). */
                uint64_t one = 1;
                while (write(b->efd, &one, sizeof(one)) < 0 && errno == EINTR)
                        ;
                pthread_mutex_lock(&b->lock);
        }
        pthread_mutex_unlock(&b->lock);
        return NULL;
}

/* Stops the running job and waits until the worker is between jobs; returns with the lock.
 * The stopped job is queued again (finish()): without `pausing` the worker, which takes the
 * lock back first, would start it again at once, be stopped again, and so on, while the loop
 * waited (at a province's size a reload waited minutes, each round a config hash). */
static void pause_worker(FeedBuild *b) {
        pthread_mutex_lock(&b->lock);
        b->pausing = true;
        atomic_store(&b->cancel, 1);
        while (b->running)
                pthread_cond_wait(&b->idle, &b->lock);
        atomic_store(&b->cancel, 0);
}

static void resume_worker(FeedBuild *b) {
        b->pausing = false;
        pthread_cond_signal(&b->wake);
        pthread_mutex_unlock(&b->lock);
}

/* ---- the loop's side ---- */

static void job_free(Job *j) {
        for (FeedRequest *q = j->waiters, *next; q; q = next) {
                next = q->next;
                free(q);
        }
        feed_body_unref(j->body);
        free(j);
}

static Job *job_new(JobKind kind, const char *name, const Config *c) {
        Job *j = calloc(1, sizeof(*j));
        if (!j)
                return NULL;
        j->kind = kind;
        j->config = c;
        j->today = tz_day(clock_now());
        if (name)
                snprintf(j->name, sizeof(j->name), "%s", name);
        return j;
}

/* The Last-Modified of every feed of these inputs (see feedbuild.h). */
static time_t last_modified(FeedBuild *b, int64_t generation, int64_t completions, Day today,
                            const FeedInputs *in) {
        if (!b->epoch.set || b->epoch.generation != generation ||
            b->epoch.completions != completions || b->epoch.today != today) {
                time_t t = tz_instant(today, 0);
                if (in->generation.stamp > t)
                        t = (time_t)in->generation.stamp;
                if (in->completions.stamp > t)
                        t = (time_t)in->completions.stamp;
                if (b->epoch.set && t <= b->epoch.lm)
                        t = b->epoch.lm + 1;
                b->epoch.set = true;
                b->epoch.generation = generation, b->epoch.completions = completions;
                b->epoch.today = today, b->epoch.lm = t;
        }
        return b->epoch.lm;
}

static void deliver(FeedBuild *b, Job *j) {
        if (j->kind == JOB_SYNC) {
                if (j->error < 0 && j->error != -ECANCELED && b->hooks.error)
                        b->hooks.error(b->hooks.userdata, j->error);
                job_free(j);
                return;
        }
        if (j->error == -ESTALE && ++j->tries < FEEDBUILD_TRIES) {
                /* Completions recorded since the ledger was read: the owner reloads it (which
                 * pauses the worker), then the same rendering runs again. */
                if (b->hooks.stale)
                        b->hooks.stale(b->hooks.userdata);
                pthread_mutex_lock(&b->lock);
                push_tail(b, j);
                resume_worker(b);
                return;
        }
        int error = j->error == -ESTALE ? -EAGAIN : j->error;
        if (error == 0) {
                pthread_mutex_lock(&b->lock);
                FeedInputs in = b->in;
                pthread_mutex_unlock(&b->lock);
                bool current = j->generation == in.generation.generation &&
                               j->completions == in.completions.version &&
                               j->today == tz_day(clock_now());
                if (current) {
                        j->body->last_modified =
                                last_modified(b, j->generation, j->completions, j->today, &in);
                        cache_put(b, j->name, j->body);
                }
        }
        FeedRequest *q = TAKE_PTR(j->waiters);
        while (q) {
                FeedRequest *next = q->next;
                q->cb(q->userdata, error == 0 ? feed_body_ref(j->body) : NULL, error);
                free(q);
                q = next;
        }
        job_free(j);
}

static int on_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        (void)s, (void)revents;
        FeedBuild *b = userdata;
        uint64_t v;
        if (read(fd, &v, sizeof(v)) < 0 && errno == EAGAIN)
                return 0; /* spurious */
        pthread_mutex_lock(&b->lock);
        Job *list = TAKE_PTR(b->done);
        pthread_mutex_unlock(&b->lock);
        while (list) {
                Job *next = list->next;
                deliver(b, list);
                list = next;
        }
        return 0;
}

static void feedbuild_freep(FeedBuild **b) {
        feedbuild_free(*b);
}

/* The worker thread; it must never take a signal meant for the loop's signalfd. */
static int start_worker(FeedBuild *b) {
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        int r = -pthread_create(&b->thread, NULL, worker, b);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        b->started = r == 0;
        return r;
}

int feedbuild_new(sd_event *e, Store *store, Store *worker_store, const FeedBuildHooks *hooks,
                  FeedBuild **ret) {
        _cleanup_(feedbuild_freep) FeedBuild *b = calloc(1, sizeof(*b));
        if (!b) {
                store_close(worker_store);
                return -ENOMEM;
        }
        b->efd = -1;
        b->wstore = worker_store;
        if (hooks)
                b->hooks = *hooks;
        atomic_init(&b->cancel, 0);
        pthread_mutex_init(&b->lock, NULL);
        pthread_cond_init(&b->wake, NULL);
        pthread_cond_init(&b->idle, NULL);
        int r;
        if ((r = feedtoken_reader_new(store, &b->tokens)) < 0 ||
            (r = feedversion_reader_new(b->wstore, &b->reader)) < 0)
                return r;
        if ((b->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
                return -errno;
        if ((r = sd_event_add_io(e, &b->source, b->efd, EPOLLIN, on_done, b)) < 0)
                return r;
        (void)sd_event_source_set_description(b->source, "feedbuild");
        if ((r = start_worker(b)) < 0)
                return r;
        *ret = TAKE_PTR(b);
        return 0;
}

static void jobs_free(Job *j) {
        while (j) {
                Job *next = j->next;
                job_free(j);
                j = next;
        }
}

FeedBuild *feedbuild_free(FeedBuild *b) {
        if (!b)
                return NULL;
        if (b->started) {
                pthread_mutex_lock(&b->lock);
                b->stop = true;
                atomic_store(&b->cancel, 1);
                pthread_cond_signal(&b->wake);
                pthread_mutex_unlock(&b->lock);
                pthread_join(b->thread, NULL);
        }
        jobs_free(b->head);
        jobs_free(b->done);
        feedbuild_flush(b);
        b->n_cache = 0;
        feed_index_free((FeedIndex *)b->in.index);
        feedversion_reader_free(b->reader);
        ical_renderer_free(b->renderer);
        store_close(b->wstore);
        feedtoken_reader_free(b->tokens);
        sd_event_source_disable_unref(b->source);
        if (b->efd >= 0)
                close(b->efd);
        pthread_cond_destroy(&b->wake);
        pthread_cond_destroy(&b->idle);
        pthread_mutex_destroy(&b->lock);
        free(b);
        return NULL;
}

int feedbuild_set_config(FeedBuild *b, const Config *c) {
        Job *sync = job_new(JOB_SYNC, NULL, c);
        if (!sync)
                return -ENOMEM;
        pause_worker(b);
        /* A sync still queued is for the config being replaced. */
        for (Job **p = &b->head; *p;) {
                if ((*p)->kind == JOB_SYNC) {
                        Job *dead = *p;
                        *p = dead->next;
                        job_free(dead);
                } else
                        p = &(*p)->next;
        }
        b->tail = NULL;
        for (Job *j = b->head; j; j = j->next)
                b->tail = j;
        feed_index_free((FeedIndex *)b->in.index);
        b->in.index = NULL;
        b->in.config = c;
        /* The renderer's memo holds the old config's texts (the worker is between jobs). */
        b->renderer = ical_renderer_free(b->renderer);
        b->renderer_config = NULL;
        b->ready = false;
        b->sync_error = 0;
        push_head(b, sync);
        resume_worker(b);
        feedbuild_flush(b);
        return 0;
}

void feedbuild_set_ledger(FeedBuild *b, const Ledger *l, CompletionVersion v) {
        pause_worker(b);
        b->in.ledger = l;
        b->in.completions = v;
        resume_worker(b);
}

int feedbuild_lookup(FeedBuild *b, const char *name, const char *token, FeedValidators *ret) {
        static const char dummy[FEEDTOKEN_LEN + 1] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        char stored[FEEDTOKEN_LEN + 1];
        int r = feedtoken_find(b->tokens, name, stored);
        if (r < 0 && r != -ENOENT)
                return r;
        /* Always one constant-time comparison, whether or not the feed has a token. */
        bool ok = feedtoken_equal(token, r == 0 ? stored : dummy) && r == 0;
        explicit_bzero(stored, sizeof(stored));
        if (!ok)
                return -ENOENT;
        Day today = tz_day(clock_now());
        FeedRef f;
        pthread_mutex_lock(&b->lock);
        FeedInputs in = b->in;
        r = !b->ready ? -EAGAIN : feeds_find(in.config, in.index, name, &f);
        pthread_mutex_unlock(&b->lock);
        if (r < 0)
                return r;
        feeds_etag(&in, name, today, ret->etag);
        ret->last_modified =
                last_modified(b, in.generation.generation, in.completions.version, today, &in);
        return 0;
}

static FeedRequest *attach(Job *j, FeedReady cb, void *userdata) {
        FeedRequest *q = calloc(1, sizeof(*q));
        if (!q)
                return NULL;
        *q = (FeedRequest){j, cb, userdata, j->waiters};
        j->waiters = q;
        return q;
}

/* A rendering of `name` for `today` already on its way, under the lock. */
static Job *find_render(FeedBuild *b, const char *name, Day today) {
        Job *lists[] = {b->running, b->head, b->done};
        for (size_t i = 0; i < ELEMENTSOF(lists); i++)
                for (Job *j = lists[i]; j; j = i == 0 ? NULL : j->next)
                        if (j->kind == JOB_RENDER && j->today == today && streq(j->name, name))
                                return j;
        return NULL;
}

int feedbuild_request(FeedBuild *b, const char *name, FeedReady cb, void *userdata,
                      FeedRequest **ret) {
        Day today = tz_day(clock_now());
        pthread_mutex_lock(&b->lock);
        Job *j = find_render(b, name, today);
        Job *fresh = j ? NULL : job_new(JOB_RENDER, name, NULL);
        /* A config whose sync failed: try again, first. */
        Job *sync = !j && !b->ready && b->sync_error ? job_new(JOB_SYNC, NULL, b->in.config) : NULL;
        FeedRequest *q = j || fresh ? attach(j ? j : fresh, cb, userdata) : NULL;
        if (!q) {
                pthread_mutex_unlock(&b->lock);
                free(fresh);
                free(sync);
                return -ENOMEM;
        }
        if (fresh)
                push_tail(b, fresh);
        if (sync) {
                b->sync_error = 0;
                push_head(b, sync);
        }
        resume_worker(b);
        *ret = q;
        return 0;
}

void feedbuild_request_cancel(FeedRequest *q) {
        if (!q)
                return;
        for (FeedRequest **p = &q->job->waiters; *p; p = &(*p)->next)
                if (*p == q) {
                        *p = q->next;
                        break;
                }
        free(q);
}

uint64_t feedbuild_renders(const FeedBuild *b) {
        pthread_mutex_lock((pthread_mutex_t *)&b->lock);
        uint64_t n = b->renders;
        pthread_mutex_unlock((pthread_mutex_t *)&b->lock);
        return n;
}

uint64_t feedbuild_syncs(const FeedBuild *b) {
        pthread_mutex_lock((pthread_mutex_t *)&b->lock);
        uint64_t n = b->syncs;
        pthread_mutex_unlock((pthread_mutex_t *)&b->lock);
        return n;
}
