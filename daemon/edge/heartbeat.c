/* heartbeat.c — see heartbeat.h. */
#include "heartbeat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "curlglue.h"
#include "log.h"
#include "i18n.h"
#include "util.h"

/* A ping's bound: a monitor that takes longer counts as failed; below the smallest interval's
 * worth of pings piling up, since a new ping waits for the one in flight. */
#define HEARTBEAT_TIMEOUT_SEC 10

struct Heartbeat {
        sd_event *event;
        sd_event_source *timer;
        CurlGlue *glue;
        CURL *easy; /* the ping in flight, or NULL */
        char *url;
        uint64_t interval_usec;
        HeartbeatHealthy healthy;
        void *userdata;
        unsigned long ok, failed;
        bool failing;
};

static void ping_done(Heartbeat *h, CURLcode res) {
        long code = 0;
        (void)curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &code);
        bool good = res == CURLE_OK && code >= 200 && code < 300;
        if (good)
                h->ok++;
        else
                h->failed++;
        if (!good && !h->failing)
                log_warning(
                        _("cannot reach the heartbeat address (%s): the outside monitor may report this service down"),
                        res != CURLE_OK ? curl_easy_strerror(res) : _("unexpected HTTP status"));
        else if (good && h->failing)
                log_info(_("the heartbeat address can be reached again"));
        h->failing = !good;
}

static void on_progress(void *userdata) {
        Heartbeat *h = userdata;
        CURL *e;
        CURLcode res;
        while (curl_glue_next_done(h->glue, &e, &res)) {
                if (e != h->easy)
                        continue;
                ping_done(h, res);
                curl_glue_remove(h->glue, e);
                curl_glue_easy_put(h->glue, e);
                h->easy = NULL;
        }
}

static size_t discard(char *p, size_t size, size_t n, void *userdata) {
        (void)p, (void)userdata;
        return size * n;
}

static void ping(Heartbeat *h) {
        if (h->easy || (h->healthy && !h->healthy(h->userdata)))
                return;
        CURL *e = curl_glue_easy_get(h->glue);
        if (!e)
                return;
        (void)curl_easy_setopt(e, CURLOPT_URL, h->url);
        (void)curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        (void)curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)HEARTBEAT_TIMEOUT_SEC);
        (void)curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
        if (curl_glue_add(h->glue, e) < 0) {
                curl_glue_easy_put(h->glue, e);
                return;
        }
        h->easy = e;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        (void)usec;
        Heartbeat *h = userdata;
        ping(h);
        (void)sd_event_source_set_time_relative(s, h->interval_usec);
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

int heartbeat_new(sd_event *e, const HeartbeatConfig *cfg, HeartbeatHealthy healthy, void *userdata,
                  Heartbeat **ret) {
        *ret = NULL;
        if (!cfg->url)
                return 0;
        Heartbeat *h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->event = sd_event_ref(e);
        h->interval_usec = (uint64_t)cfg->interval_sec * (uint64_t)USEC_PER_SEC_I64;
        h->healthy = healthy, h->userdata = userdata;
        int r = (h->url = strdup(cfg->url)) ? 0 : -ENOMEM;
        if (r == 0)
                r = curl_glue_new(e, 1, on_progress, h, &h->glue);
        /* The first ping right away: the monitor learns at start that the daemon is up. */
        if (r == 0)
                r = sd_event_add_time_relative(e, &h->timer, clock_delay_id(), 0, 0, on_timer, h);
        if (r < 0) {
                heartbeat_free(h);
                return r;
        }
        (void)sd_event_source_set_description(h->timer, "dutyd-heartbeat");
        *ret = h;
        return 0;
}

Heartbeat *heartbeat_free(Heartbeat *h) {
        if (!h)
                return NULL;
        if (h->easy) {
                curl_glue_remove(h->glue, h->easy);
                curl_glue_easy_put(h->glue, h->easy);
        }
        curl_glue_free(h->glue);
        sd_event_source_disable_unref(h->timer);
        sd_event_unref(h->event);
        free(h->url);
        free(h);
        return NULL;
}

void heartbeat_counts(const Heartbeat *h, unsigned long *ret_ok, unsigned long *ret_failed) {
        *ret_ok = h ? h->ok : 0;
        *ret_failed = h ? h->failed : 0;
}
