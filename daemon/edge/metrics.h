/* metrics.h — what an administrator's monitoring reads from the feed server: /metrics in the
 * Prometheus text format (version 0.0.4) and /healthz.
 * Contract: Metrics keeps the counters of deliveries per channel since the start (counters reset
 * at a restart, as Prometheus expects); everything else is read at scrape time from a snapshot
 * the owner fills (cheap: partial-index counts and the planner's window, never a long query).
 * metrics_render() is pure. /healthz answers 200 "ok" while the owner says healthy, else 503
 * with the reason; a daemon whose loop is stuck answers nothing, which a probe counts as down.
 * Label values are ids (a-z 0-9 _ -, config.h), which the text format needs no escaping for. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "httpd.h"

typedef struct Metrics Metrics;

typedef struct MetricsSnapshot {
        const Config *config;          /* in force */
        uint64_t config_generation;    /* configurations that took effect, the first included */
        time_t config_loaded;          /* when the one in force did */
        unsigned long reload_failures; /* reloads rejected since the start */
        size_t queued, failed;         /* outbox rows waiting or sending; given up */
        const size_t *overdue_by_post; /* config->n_posts counts; NULL when not planned yet */
        unsigned long feed_answers[_HTTPD_FEED_MAX];
        unsigned long heartbeat_ok, heartbeat_failed;
        bool healthy;
        const char *unhealthy_reason; /* when not healthy */
} MetricsSnapshot;

typedef void (*MetricsSnapshotFn)(void *userdata, MetricsSnapshot *ret);

Metrics *metrics_new(void);
Metrics *metrics_free(Metrics *m);
/* An outcome of the sender: delivered, to be retried, or given up (`failed`). */
int metrics_delivery(Metrics *m, const char *channel, bool delivered, bool failed, time_t now);
/* The /metrics body; NULL when out of memory. */
char *metrics_render(const Metrics *m, const MetricsSnapshot *s);
/* Routes GET/HEAD /metrics and /healthz on `h`; `fn` is called for each request. */
int metrics_add_routes(Httpd *h, Metrics *m, MetricsSnapshotFn fn, void *userdata);

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
