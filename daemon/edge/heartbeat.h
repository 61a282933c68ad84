/* heartbeat.h — the outbound heartbeat: an outside monitor's URL (healthchecks-style, config
 * `heartbeat:`) fetched with GET at start and then every interval, while the daemon is healthy,
 * so that a dutyd that stopped, hangs or cannot serve is noticed by the monitor's silence.
 * Contract: never blocks the loop (its own curl multi on the sd_event loop, one transfer at a
 * time, bounded by a timeout below the interval); a ping is skipped while `healthy` says no;
 * a failure is logged when pings start failing and when they work again, never the URL (it
 * names the check). Returns 0 or a negative errno. */
#pragma once
#include <stdbool.h>
#include <systemd/sd-event.h>

#include "config.h"

typedef struct Heartbeat Heartbeat;
typedef bool (*HeartbeatHealthy)(void *userdata);

/* NULL in *ret (and 0) when `cfg` names no URL. `cfg` is copied. */
int heartbeat_new(sd_event *e, const HeartbeatConfig *cfg, HeartbeatHealthy healthy, void *userdata,
                  Heartbeat **ret);
Heartbeat *heartbeat_free(Heartbeat *h);
/* Pings answered with a 2xx, and pings that failed, since the start (for /metrics). */
void heartbeat_counts(const Heartbeat *h, unsigned long *ret_ok, unsigned long *ret_failed);
