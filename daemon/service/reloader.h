/* reloader.h — reads the configuration for a reload off the event loop.
 * Contract:
 *  - reloader_read() is the one way the daemon reads its configuration: config_load() then
 *    config_load_secrets(); a complete Config or a negative errno (-EINVAL: the config has
 *    errors), with every diagnostic in `diags` either way. At start the manager calls it
 *    directly; on a reload the reloader calls it in a worker thread.
 *  - reloader_start() begins reading the reloader's file in a thread of its own (a new one per
 *    read). The thread blocks every signal, never logs and never touches the loop nor anything
 *    the loop owns: it gets the path and `today` (computed on the loop) and returns its result
 *    only. When it has finished it wakes the loop through an eventfd; the loop joins it then
 *    (never before: joining never waits for a read) and runs `done` with the result. The
 *    loader keeps no state of its own between calls; it reads the environment ($TZ is not
 *    among what it uses, $CREDENTIALS_DIRECTORY is) and the locale, which the daemon sets once,
 *    before the loop: nothing may change them while a read runs.
 *  - While a read runs, reloader_start() returns 1: one more read starts when the current one
 *    ends (any number of calls make one), and the current one's result is dropped unseen, so
 *    that the newest file wins and `done` runs once, for it.
 *  - `done` gets the new Config (the callee owns it) or NULL with a negative errno (-EINVAL
 *    errors in the config; -ENOMEM, -EAGAIN: the thread could not be started), and the
 *    diagnostics (borrowed for the call; NULL when there was no read).
 *  - reloader_free() while a read runs waits for it to finish (there is no way to stop
 *    config_load() halfway; a read takes seconds at most, ~9 s for a million assignments) and
 *    drops its result; `done` is not called.
 * Every function returns 0 or a negative errno unless it says otherwise. */
#pragma once
#include "util.h"
#include <stdbool.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "date.h"
#include "diag.h"

int reloader_read(const char *path, Day today, Config **ret, Diags *diags);

typedef void (*ReloadDone)(void *userdata, int error, Config *config, const Diags *diags);

typedef struct Reloader Reloader;

/* `path` is copied. */
int reloader_new(sd_event *e, const char *path, ReloadDone done, void *userdata, Reloader **ret);
Reloader *reloader_free(Reloader *r);
DEFINE_FREEP(Reloader, reloader_free)
/* 0: a read started; 1: one runs already, another follows it (with this `today`). */
int reloader_start(Reloader *r, Day today);
/* A read runs (or is about to follow one). */
bool reloader_busy(const Reloader *r);
