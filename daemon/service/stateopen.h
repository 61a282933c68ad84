/* stateopen.h — the daemon's state folder made ready: its lock taken (store_lock_daemon()),
 * state.db opened with its schema made or upgraded (store_open()) and checked (PRAGMA
 * quick_check), in a thread of its own, so that this runs while the config is read when the
 * folder is known before it ($STATE_DIRECTORY).
 * Contract: stateopen_start() starts the work; the thread blocks every signal, logs nothing and
 * touches nothing but the folder. stateopen_finish() waits for it, logs a failure once (its
 * cause and what to do) and hands over the lock's descriptor (held for the process's life), the
 * store and where the reminders stand: the day dutyd began keeping this schedule (recorded as
 * `today` on a new state; never in the future) and the instant processed last (0: never).
 * stateopen_free() waits for it too and lets go of whatever it opened (the config was
 * refused: nothing else was written). Every function returns 0 or a negative errno. */
#pragma once
#include <time.h>

#include "date.h"
#include "store.h"
#include "util.h"

typedef struct StateOpen StateOpen;

int stateopen_start(const char *dir, StateOpen **ret);
typedef struct StateOpened {
        int lock_fd;
        Store *store;
        Day track_from;
        time_t last_processed;
} StateOpened;

/* Frees `o`, whatever the outcome. */
int stateopen_finish(StateOpen *o, Day today, StateOpened *ret);
StateOpen *stateopen_free(StateOpen *o);
DEFINE_FREEP(StateOpen, stateopen_free)
