/* observe.c — see observe.h. */
#include "observe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "diag.h"
#include "heartbeat.h"
#include "log.h"
#include "metrics.h"
#include "i18n.h"
#include "util.h"

struct Observe {
        sd_event *event;
        Store *store;
        Httpd *httpd;
        const Config *config;
        Metrics *metrics;
        Heartbeat *heartbeat;
        uint64_t generation;
        time_t loaded;
        unsigned long reload_failures;
        size_t *overdue; /* config->n_posts counts, or NULL */
};

static bool observe_healthy(Observe *o) {
        return !o->httpd || httpd_healthy(o->httpd, HTTPD_STUCK_USEC);
}

static bool heartbeat_healthy(void *userdata) {
        return observe_healthy(userdata);
}

static void snapshot(void *userdata, MetricsSnapshot *s) {
        Observe *o = userdata;
        *s = (MetricsSnapshot){.config = o->config,
                               .config_generation = o->generation,
                               .config_loaded = o->loaded,
                               .reload_failures = o->reload_failures,
                               .overdue_by_post = o->overdue,
                               .healthy = observe_healthy(o)};
        if (!s->healthy)
                s->unhealthy_reason = "the feed server has left connections waiting";
        (void)outbox_pending_count(o->store, NULL, &s->queued);
        (void)outbox_failed_count(o->store, &s->failed);
        httpd_feed_answers(o->httpd, s->feed_answers);
        heartbeat_counts(o->heartbeat, &s->heartbeat_ok, &s->heartbeat_failed);
}

static bool same_heartbeat(const HeartbeatConfig *a, const HeartbeatConfig *b) {
        return a->interval_sec == b->interval_sec &&
               ((!a->url && !b->url) || (a->url && b->url && streq(a->url, b->url)));
}

static int start_heartbeat(Observe *o, const Config *cfg) {
        o->heartbeat = heartbeat_free(o->heartbeat);
        int r = heartbeat_new(o->event, &cfg->heartbeat, heartbeat_healthy, o, &o->heartbeat);
        if (r < 0)
                log_error(_("cannot start the heartbeat: %s"), strerror(-r));
        return r;
}

int observe_new(sd_event *e, Store *store, Httpd *httpd, const Config *cfg, Observe **ret) {
        Observe *o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        o->event = sd_event_ref(e);
        o->store = store, o->httpd = httpd;
        int r = (o->metrics = metrics_new()) ? 0 : -ENOMEM;
        if (r == 0 && httpd)
                r = metrics_add_routes(httpd, o->metrics, snapshot, o);
        if (r == 0) {
                observe_config(o, cfg, true);
                r = cfg->heartbeat.url && !o->heartbeat ? -ENOMEM : 0;
        }
        if (r < 0) {
                observe_free(o);
                return r;
        }
        *ret = o;
        return 0;
}

Observe *observe_free(Observe *o) {
        if (!o)
                return NULL;
        heartbeat_free(o->heartbeat);
        metrics_free(o->metrics);
        sd_event_unref(o->event);
        free(o->overdue);
        free(o);
        return NULL;
}

void observe_config(Observe *o, const Config *cfg, bool took_effect) {
        if (!took_effect) {
                o->reload_failures++;
                return;
        }
        bool restart = !o->config || !same_heartbeat(&o->config->heartbeat, &cfg->heartbeat);
        o->config = cfg;
        o->generation++;
        o->loaded = clock_now();
        free(o->overdue); /* counted again for this config's posts */
        o->overdue = NULL;
        if (restart)
                (void)start_heartbeat(o, cfg);
}

void observe_overdue(Observe *o, const size_t *by_post, size_t n_posts) {
        if (!o->config || n_posts != o->config->n_posts)
                return;
        size_t *copy = realloc(o->overdue, (n_posts ? n_posts : 1) * sizeof(*copy));
        if (!copy)
                return; /* the old counts stay: stale, not wrong in size */
        memcpy(copy, by_post, n_posts * sizeof(*copy));
        o->overdue = copy;
}

void observe_delivery(Observe *o, const char *channel, bool delivered, bool failed) {
        if (metrics_delivery(o->metrics, channel, delivered, failed, clock_now()) < 0)
                log_warning(_("cannot update the delivery statistics: out of memory"));
}

void observe_config_diags(const char *path, const Diags *d, int r, bool reload) {
        for (size_t i = 0; i < d->n; i++) {
                const Diag *g = &d->items[i];
                _cleanup_free_ char *where =
                        g->line > 0 ? strfmt("%s:%d:%d", g->file, g->line, g->column)
                                    : strdup(g->file ? g->file : "?");
                _cleanup_free_ char *field = strfmt("DUTYD_CONFIG_LOCATION=%s", where);
                const char *fields[] = {field, NULL};
                log_full(g->warning ? LOG_WARNING : LOG_ERR,
                         g->warning ? EV_NONE : EV_CONFIG_REJECTED, field ? fields : NULL,
                         "%s: %s%s", where ? where : "?", g->warning ? _("warning: ") : "", g->msg);
        }
        if (r < 0)
                log_full(LOG_ERR, EV_CONFIG_REJECTED, NULL,
                         reload ? P_("%s: the configuration has %zu error, not reloaded: the old "
                                     "one stays in use",
                                     "%s: the configuration has %zu errors, not reloaded: the old "
                                     "one stays in use",
                                     d->n_errors)
                                : P_("%s: the configuration has %zu error, cannot start",
                                     "%s: the configuration has %zu errors, cannot start",
                                     d->n_errors),
                         path, d->n_errors);
}

void observe_firings(const Config *c, const Firing *f, size_t n, bool digest) {
        for (size_t i = 0; i < n; i++) {
                char id[OCCURRENCE_ID_MAX];
                occurrence_id(c, &f[i].occ, id, sizeof(id));
                _cleanup_free_ char *occ = strfmt("DUTYD_OCCURRENCE=%s", id);
                _cleanup_free_ char *duty = strfmt("DUTYD_DUTY=%s", c->duties[f[i].occ.duty].id);
                _cleanup_free_ char *step = strfmt("DUTYD_STEP=%s", f[i].rem.step);
                const char *fields[] = {occ, duty, step, NULL};
                log_full(LOG_INFO, digest ? EV_CATCH_UP : EV_NONE,
                         occ && duty && step ? fields : NULL, _("%s: %s·%s %s (%s)"),
                         digest ? _("catch-up reminder") : _("reminder"),
                         c->posts[f[i].occ.post].name, c->duties[f[i].occ.duty].title, id,
                         reminder_kind_to_string(f[i].rem.kind));
        }
}
