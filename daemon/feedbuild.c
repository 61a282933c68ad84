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

#include "util.h"

struct FeedBuild {
        sd_event_source *source;
        int efd;
        pthread_t thread;
        bool started, joined, delivered;
        atomic_int cancel;
        /* inputs, for the worker */
        const Config *config;
        Day today;
        OccurrenceList occ;
        FeedStatus *status;
        char *dir;
        FeedCache *prev;
        time_t now;
        /* outputs, written by the worker before it signals */
        FeedCache *result;
        FeedsWriteStats stats;
        int error;
        FeedBuildDone cb;
        void *userdata;
};

static void *worker(void *arg) {
        FeedBuild *b = arg;
        FeedSet *set = NULL;
        int r = feedset_new_from(b->config, b->today, &b->occ, b->status, &set);
        b->status = NULL; /* taken */
        if (r == 0)
                r = feeds_build(set, b->prev, false, b->dir, b->now, &b->cancel, &b->result,
                                &b->stats);
        feedset_free(set);
        b->error = r;
        uint64_t one = 1;
        /* The eventfd write publishes the results (the loop reads them after reading it). */
        while (write(b->efd, &one, sizeof(one)) < 0 && errno == EINTR)
                ;
        return NULL;
}

static void join(FeedBuild *b) {
        if (b->started && !b->joined) {
                pthread_join(b->thread, NULL);
                b->joined = true;
        }
}

static int on_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        (void)s, (void)revents;
        FeedBuild *b = userdata;
        uint64_t v;
        if (read(fd, &v, sizeof(v)) < 0 && errno == EAGAIN)
                return 0; /* spurious */
        join(b);
        b->source = sd_event_source_disable_unref(b->source);
        b->delivered = true;
        FeedCache *c = TAKE_PTR(b->result);
        int r = b->error;
        if (r == 0 && atomic_load(&b->cancel))
                r = -ECANCELED;
        if (r < 0)
                c = feed_cache_free(c);
        else if (b->prev)
                feed_cache_copy_tokens(c, b->prev); /* on the loop thread: tokens live here */
        FeedsWriteStats st = b->stats;
        b->cb(b->userdata, c, &st, r); /* may free b: nothing after this */
        return 0;
}

int feedbuild_start(sd_event *e, const Config *c, Day today, OccurrenceList *occ,
                    FeedStatus *status, const char *dir, FeedCache *prev, time_t now,
                    FeedBuildDone cb, void *userdata, FeedBuild **ret) {
        FeedBuild *b = calloc(1, sizeof(*b));
        if (!b) {
                occurrence_list_done(occ);
                free(status);
                return -ENOMEM;
        }
        b->efd = -1;
        b->config = c, b->today = today, b->prev = prev, b->now = now;
        b->occ = *occ;
        *occ = (OccurrenceList){0};
        b->status = status;
        b->cb = cb, b->userdata = userdata;
        atomic_init(&b->cancel, 0);
        int r = -ENOMEM;
        if (dir && !(b->dir = strdup(dir)))
                goto fail;
        if ((b->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
                r = -errno;
                goto fail;
        }
        if ((r = sd_event_add_io(e, &b->source, b->efd, EPOLLIN, on_done, b)) < 0)
                goto fail;
        (void)sd_event_source_set_description(b->source, "feedbuild");
        /* The worker must never take a signal meant for the loop's signalfd. */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        r = -pthread_create(&b->thread, NULL, worker, b);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r < 0)
                goto fail;
        b->started = true;
        *ret = b;
        return 0;
fail:
        feedbuild_free(b);
        return r;
}

void feedbuild_cancel(FeedBuild *b) {
        if (b)
                atomic_store(&b->cancel, 1);
}

bool feedbuild_running(const FeedBuild *b) {
        return b && !b->delivered;
}

FeedBuild *feedbuild_free(FeedBuild *b) {
        if (!b)
                return NULL;
        feedbuild_cancel(b);
        join(b);
        sd_event_source_disable_unref(b->source);
        if (b->efd >= 0)
                close(b->efd);
        feed_cache_free(b->result);
        occurrence_list_done(&b->occ);
        free(b->status);
        free(b->dir);
        free(b);
        return NULL;
}
