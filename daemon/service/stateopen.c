/* stateopen.c — see stateopen.h. */
#include "stateopen.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i18n.h"
#include "log.h"

typedef enum Step {
        STEP_LOCK,
        STEP_OPEN,
        STEP_CHECK,
} Step;

struct StateOpen {
        char *dir;
        pthread_t thread;
        bool started; /* a thread to join */
        /* written by the thread, read after joining it */
        Step step; /* the step that failed, or the last one */
        int error;
        int lock_fd;
        long holder; /* another daemon's PID (-EBUSY) */
        Store *store;
        char *problem; /* quick_check's finding */
};

static void *run(void *userdata) {
        StateOpen *o = userdata;
        o->step = STEP_LOCK;
        o->error = store_lock_daemon(o->dir, &o->lock_fd, &o->holder);
        if (o->error == 0) {
                o->step = STEP_OPEN;
                o->error = store_open(o->dir, &o->store);
        }
        if (o->error == 0) {
                /* Damage in pages nobody reads yet would otherwise go unnoticed until it loses
                 * data. */
                o->step = STEP_CHECK;
                o->error = store_quick_check(o->store, &o->problem);
        }
        return NULL;
}

int stateopen_start(const char *dir, StateOpen **ret) {
        StateOpen *o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        o->lock_fd = -1;
        if (!(o->dir = strdup(dir))) {
                free(o);
                return -ENOMEM;
        }
        /* The thread must never take a signal meant for the loop's signalfd. */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        o->started = pthread_create(&o->thread, NULL, run, o) == 0;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (!o->started) /* no thread to be had: the same work, now */
                (void)run(o);
        *ret = o;
        return 0;
}

static void wait_for(StateOpen *o) {
        if (o->started)
                pthread_join(o->thread, NULL);
        o->started = false;
}

StateOpen *stateopen_free(StateOpen *o) {
        if (!o)
                return NULL;
        wait_for(o);
        store_close(o->store);
        if (o->lock_fd >= 0)
                close(o->lock_fd);
        free(o->problem);
        free(o->dir);
        free(o);
        return NULL;
}

static void log_failure(const StateOpen *o) {
        int r = o->error;
        switch (o->step) {
        case STEP_LOCK:
                if (r == -EBUSY)
                        log_error(_("another dutyd (PID %ld) uses the state directory %s: one "
                                    "state takes one dutyd, this one exits"),
                                  o->holder, o->dir);
                else
                        log_error(_("cannot lock the state directory %s: %s"), o->dir,
                                  strerror(-r));
                break;
        case STEP_OPEN:
                log_error(_("cannot open the state database %s/state.db: %s"), o->dir,
                          store_open_error() ? store_open_error() : strerror(-r));
                break;
        case STEP_CHECK:
                log_error(_("the state database %s is damaged (%s): restore it from a backup "
                            "(see docs/operations.md)"),
                          store_path(o->store), o->problem ? o->problem : store_errmsg(o->store));
                break;
        }
}

/* The day dutyd began keeping this schedule, recorded when the state is new. It cannot lie in
 * the future: a clock that was ahead (or a state copied from another machine) would otherwise
 * silence every reminder due before that day. */
static int track_from(Store *s, Day today, Day *ret) {
        _cleanup_free_ char *tf = NULL;
        if (store_meta_get(s, "track_from", &tf) == 0 && day_parse(tf) != DAY_INVALID &&
            day_parse(tf) <= today) {
                *ret = day_parse(tf);
                return 0;
        }
        char buf[11];
        *ret = today;
        day_format(today, buf);
        int r = store_meta_set(s, "track_from", buf);
        if (r < 0)
                log_error(_("cannot record in the state database the day tracking began: %s"),
                          store_errmsg(s));
        return r;
}

int stateopen_finish(StateOpen *o, Day today, StateOpened *ret) {
        wait_for(o);
        int r = o->error;
        if (r < 0)
                log_failure(o);
        Day from = today;
        if (r == 0)
                r = track_from(o->store, today, &from);
        if (r == 0) {
                _cleanup_free_ char *lp = NULL;
                *ret = (StateOpened){.lock_fd = o->lock_fd, .store = o->store, .track_from = from};
                if (store_meta_get(o->store, "last_processed", &lp) == 0)
                        ret->last_processed = (time_t)strtoll(lp, NULL, 10);
                o->lock_fd = -1;
                o->store = NULL;
        }
        stateopen_free(o);
        return r;
}
