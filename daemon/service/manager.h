/* manager.h — the running daemon: one Manager owns the sd_event loop and everything on it (the
 * config, the state, the sender, the feed server and the timers).
 * Contract: nothing on the loop blocks; one realtime timer is armed for the next moment anything
 * is due (a reminder, or local midnight when periods, overdue marks and feeds change); the
 * sender arms its own timers for retries and rate limits. SIGHUP reloads: the config is read
 * off the loop (reloader.h) while the old one goes on serving, then switched to whole on the
 * loop (the old config stays on any error); SIGTERM/SIGINT stop cleanly, a wall-clock change
 * re-plans, and a completion recorded by `dutyctl done` (another process) is noticed through
 * inotify on the state folder.
 * systemd hears READY=1 once the config and the state are loaded (the state opened and checked
 * while the config is read when $STATE_DIRECTORY names it: stateopen.h) and the next firing is
 * planned. Then, before the loop takes its first event: what fell due while dutyd was stopped
 * is queued, and the feed worker is given the config (its versions' sync). Feeds are rendered
 * on request (feedbuild.h), none in advance. */
#pragma once
#include "util.h"

typedef struct Manager Manager;

/* Builds everything; returns 0, -EINVAL for a bad configuration (78), or a negative errno. */
int manager_new(const char *config_path, Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_FREEP(Manager, manager_free)
/* Runs the loop until stopped; returns the exit status. */
int manager_run(Manager *m);
