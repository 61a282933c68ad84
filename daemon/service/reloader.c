/* reloader.c — see reloader.h. */
#include "reloader.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "load.h"
#include "util.h"

struct Reloader {
        sd_event_source *source; /* the eventfd: a read has finished */
        int efd;
        char *path;
        ReloadDone done;
        void *userdata;
        pthread_t thread;
        bool running; /* a thread was started and not joined yet */
        bool again;   /* read once more when it is joined */
        Day next_today;
        /* The read's input and result: written by the loop before the thread starts, by the
         * thread while it runs, read by the loop after joining it (pthread_join orders them). */
        Day today;
        int error;
        Config *config;
        Diags diags;
};

int reloader_read(const char *path, Day today, Config **ret, Diags *diags) {
        Config *c = NULL;
        int r = config_load(path, today, &c, diags);
        if (r == 0 && config_load_secrets(c, diags) < 0) {
                c = config_free(c);
                r = -EINVAL;
        }
        *ret = c;
        return r;
}

static void *read_thread(void *userdata) {
        Reloader *r = userdata;
        r->error = reloader_read(r->path, r->today, &r->config, &r->diags);
        /* Cannot fail: the loop reads the counter before each start, so it never overflows. */
        uint64_t one = 1;
        (void)!write(r->efd, &one, sizeof(one));
        return NULL;
}

static int start_thread(Reloader *r, Day today) {
        r->today = today;
        r->error = 0;
        r->config = NULL;
        r->diags = (Diags){0};
        /* The thread must never take a signal meant for the loop's signalfd. */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        int e = pthread_create(&r->thread, NULL, read_thread, r);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (e != 0)
                return -e;
        r->running = true;
        return 0;
}

/* Joins the finished thread and forgets its result. */
static void join_and_drop(Reloader *r) {
        pthread_join(r->thread, NULL);
        r->running = false;
        config_free(TAKE_PTR(r->config));
        diags_done(&r->diags);
}

static int on_finished(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        (void)s, (void)revents;
        Reloader *r = userdata;
        uint64_t n;
        if (read(fd, &n, sizeof(n)) < 0 || !r->running)
                return 0;
        if (r->again) {
                /* A newer request came while reading: this result is out of date. */
                join_and_drop(r);
                r->again = false;
                int e = start_thread(r, r->next_today);
                if (e < 0)
                        r->done(r->userdata, e, NULL, NULL);
                return 0;
        }
        pthread_join(r->thread, NULL);
        r->running = false;
        r->done(r->userdata, r->error, TAKE_PTR(r->config), &r->diags);
        diags_done(&r->diags);
        return 0;
}

int reloader_new(sd_event *e, const char *path, ReloadDone done, void *userdata, Reloader **ret) {
        _cleanup_(reloader_freep) Reloader *r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->efd = -1;
        r->done = done;
        r->userdata = userdata;
        int k = -ENOMEM;
        if (!(r->path = strdup(path)))
                return k;
        if ((r->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
                k = -errno;
                return k;
        }
        if ((k = sd_event_add_io(e, &r->source, r->efd, EPOLLIN, on_finished, r)) < 0)
                return k;
        (void)sd_event_source_set_description(r->source, "reloader");
        *ret = TAKE_PTR(r);
        return 0;
}

Reloader *reloader_free(Reloader *r) {
        if (!r)
                return NULL;
        if (r->running)
                join_and_drop(r);
        sd_event_source_disable_unref(r->source);
        if (r->efd >= 0)
                close(r->efd);
        free(r->path);
        free(r);
        return NULL;
}

int reloader_start(Reloader *r, Day today) {
        if (r->running) {
                r->again = true;
                r->next_today = today;
                return 1;
        }
        return start_thread(r, today);
}

bool reloader_busy(const Reloader *r) {
        return r->running;
}
