/* metrics.c — see metrics.h. */
#include "metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "hashmap.h"
#include "util.h"

typedef struct ChannelCounts {
        char *channel;
        unsigned long sent, retried, failed;
        time_t last_success; /* 0 = none since the start */
} ChannelCounts;

struct Metrics {
        HashMap index; /* channel id → position in channels */
        ChannelCounts *channels;
        size_t n, cap;
        MetricsSnapshotFn snapshot;
        void *userdata;
};

Metrics *metrics_new(void) {
        return calloc(1, sizeof(Metrics));
}

Metrics *metrics_free(Metrics *m) {
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->n; i++)
                free(m->channels[i].channel);
        free(m->channels);
        hashmap_done(&m->index);
        free(m);
        return NULL;
}

static ChannelCounts *channel_counts(Metrics *m, const char *channel) {
        size_t i;
        if (hashmap_get_str(&m->index, channel, &i))
                return &m->channels[i];
        if (ARRAY_GROW(m->channels, m->cap, m->n + 1) < 0)
                return NULL;
        char *id = strdup(channel);
        if (!id || hashmap_put_str(&m->index, id, m->n) < 0) {
                free(id);
                return NULL;
        }
        m->channels[m->n] = (ChannelCounts){.channel = id};
        return &m->channels[m->n++];
}

int metrics_delivery(Metrics *m, const char *channel, bool delivered, bool failed, time_t now) {
        ChannelCounts *c = channel_counts(m, channel);
        if (!c)
                return -ENOMEM;
        if (delivered) {
                c->sent++;
                c->last_success = now;
        } else if (failed)
                c->failed++;
        else
                c->retried++;
        return 0;
}

static void family(Buf *b, const char *name, const char *type, const char *help) {
        buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void render_channels(Buf *b, const Metrics *m) {
        static const struct {
                const char *name, *help;
                size_t off;
        } counters[] = {
                {"dutyd_reminders_sent_total", "Messages accepted by their receiver.",
                 offsetof(ChannelCounts, sent)},
                {"dutyd_reminders_retried_total", "Attempts that failed and will be retried.",
                 offsetof(ChannelCounts, retried)},
                {"dutyd_reminders_failed_total", "Messages given up.",
                 offsetof(ChannelCounts, failed)},
        };
        for (size_t k = 0; k < ELEMENTSOF(counters); k++) {
                family(b, counters[k].name, "counter", counters[k].help);
                for (size_t i = 0; i < m->n; i++)
                        buf_printf(b, "%s{channel=\"%s\"} %lu\n", counters[k].name,
                                   m->channels[i].channel,
                                   *(const unsigned long *)((const char *)&m->channels[i] +
                                                            counters[k].off));
        }
        family(b, "dutyd_last_success_timestamp_seconds", "gauge",
               "When a message last reached the channel (Unix time).");
        for (size_t i = 0; i < m->n; i++)
                if (m->channels[i].last_success)
                        buf_printf(b, "dutyd_last_success_timestamp_seconds{channel=\"%s\"} %lld\n",
                                   m->channels[i].channel, (long long)m->channels[i].last_success);
}

static void render_state(Buf *b, const MetricsSnapshot *s) {
        family(b, "dutyd_outbox_queued", "gauge", "Messages waiting or being sent.");
        buf_printf(b, "dutyd_outbox_queued %zu\n", s->queued);
        family(b, "dutyd_outbox_failed", "gauge", "Messages given up, kept in the outbox.");
        buf_printf(b, "dutyd_outbox_failed %zu\n", s->failed);
        if (s->overdue_by_post && s->config) {
                family(b, "dutyd_overdue", "gauge",
                       "Occurrences past their deadline and not recorded done, by post.");
                for (size_t p = 0; p < s->config->n_posts; p++)
                        buf_printf(b, "dutyd_overdue{post=\"%s\"} %zu\n", s->config->posts[p].id,
                                   s->overdue_by_post[p]);
        }
        static const char *const codes[_HTTPD_FEED_MAX] = {"200", "304", "404", "503"};
        family(b, "dutyd_feed_requests_total", "counter", "Calendar feed requests by answer.");
        for (int i = 0; i < _HTTPD_FEED_MAX; i++)
                buf_printf(b, "dutyd_feed_requests_total{code=\"%s\"} %lu\n", codes[i],
                           s->feed_answers[i]);
        family(b, "dutyd_heartbeat_pings_total", "counter", "Heartbeat pings by result.");
        buf_printf(b, "dutyd_heartbeat_pings_total{result=\"ok\"} %lu\n", s->heartbeat_ok);
        buf_printf(b, "dutyd_heartbeat_pings_total{result=\"failed\"} %lu\n", s->heartbeat_failed);
}

char *metrics_render(const Metrics *m, const MetricsSnapshot *s) {
        Buf b = {0};
        family(&b, "dutyd_build_info", "gauge", "The running version.");
        buf_printf(&b, "dutyd_build_info{version=\"%s\"} 1\n", DUTYD_VERSION);
        family(&b, "dutyd_healthy", "gauge", "1 while the event loop and the feed server work.");
        buf_printf(&b, "dutyd_healthy %d\n", s->healthy);
        family(&b, "dutyd_config_generation", "gauge",
               "Configurations that took effect since the start (reloads + 1).");
        buf_printf(&b, "dutyd_config_generation %llu\n", (unsigned long long)s->config_generation);
        family(&b, "dutyd_config_loaded_timestamp_seconds", "gauge",
               "When the configuration in force took effect (Unix time).");
        buf_printf(&b, "dutyd_config_loaded_timestamp_seconds %lld\n", (long long)s->config_loaded);
        family(&b, "dutyd_config_reload_failures_total", "counter",
               "Reloads rejected (the configuration had errors; the old one stayed).");
        buf_printf(&b, "dutyd_config_reload_failures_total %lu\n", s->reload_failures);
        render_channels(&b, m);
        render_state(&b, s);
        return buf_steal(&b);
}

static enum MHD_Result on_metrics(const HttpRequest *req, void *userdata) {
        Metrics *m = userdata;
        if (req->rest[0])
                return httpd_respond_not_found(req);
        MetricsSnapshot s = {0};
        m->snapshot(m->userdata, &s);
        return httpd_respond_text(req, 200, METRICS_CONTENT_TYPE, metrics_render(m, &s));
}

static enum MHD_Result on_healthz(const HttpRequest *req, void *userdata) {
        Metrics *m = userdata;
        if (req->rest[0])
                return httpd_respond_not_found(req);
        MetricsSnapshot s = {0};
        m->snapshot(m->userdata, &s);
        if (s.healthy)
                return httpd_respond_text(req, 200, "text/plain; charset=utf-8", strdup("ok\n"));
        return httpd_respond_text(
                req, 503, "text/plain; charset=utf-8",
                strfmt("unhealthy: %s\n", s.unhealthy_reason ? s.unhealthy_reason : "unknown"));
}

int metrics_add_routes(Httpd *h, Metrics *m, MetricsSnapshotFn fn, void *userdata) {
        m->snapshot = fn, m->userdata = userdata;
        int r = httpd_add_route(h, "/metrics", HTTP_GET | HTTP_HEAD, on_metrics, m);
        return r < 0 ? r : httpd_add_route(h, "/healthz", HTTP_GET | HTTP_HEAD, on_healthz, m);
}
