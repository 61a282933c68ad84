/* observe.h — the daemon seen from outside: /metrics and /healthz on the feed server (metrics.h),
 * the outbound heartbeat (heartbeat.h) and the journal's record of config reads and reminders,
 * fed by the manager's events.
 * Contract: the manager calls observe_config() for every configuration read (at start and on
 * each reload, before an old config is freed), observe_overdue() after each planning,
 * observe_delivery() for each sender outcome, observe_config_diags() with each read's
 * diagnostics and observe_firings() with the reminders queued; the rest (outbox counts, the feed
 * server's health and answers) is read when scraped. Healthy = the feed server takes its
 * connections (httpd_healthy()); a stuck loop answers nothing at all. Returns 0 or a negative
 * errno. */
#pragma once
#include <stdbool.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "diag.h"
#include "httpd.h"
#include "outbox.h"
#include "route.h"
#include "store.h"

typedef struct Observe Observe;

/* `store` and `httpd` are borrowed and must outlive it; `cfg` is the config in force. */
int observe_new(sd_event *e, Store *store, Httpd *httpd, const Config *cfg, Observe **ret);
Observe *observe_free(Observe *o);
/* A configuration was read: `took_effect` when it is now in force (then it is `cfg`; the
 * heartbeat follows its `heartbeat:`), else a rejected reload. */
void observe_config(Observe *o, const Config *cfg, bool took_effect);
/* The overdue occurrences of each post of the config in force (cfg->n_posts counts). */
void observe_overdue(Observe *o, const size_t *by_post, size_t n_posts);
void observe_delivery(Observe *o, const char *channel, bool delivered, bool failed);

/* The journal's record of what the manager does (no Observe needed): the diagnostics of a read
 * of the config at `path` (at start, or `reload`), and its outcome r; the reminders queued. */
void observe_config_diags(const char *path, const Diags *d, int r, bool reload);
void observe_firings(const Config *c, const Firing *f, size_t n, bool digest);
