/* Unit tests of metrics.c: the Prometheus text a snapshot and the delivery counters render to,
 * line by line (families with HELP and TYPE, labels, per-post and per-channel series). The
 * format itself is checked by a real parser in tests/integration/test-observe.sh. */
#include "testutil.h"

#include "metrics.h"

static const char *const yaml = "organization: {name: 测试镇}\n"
                                "posts:\n"
                                "  - {id: shuji, name: 书记}\n"
                                "  - {id: zhenzhang, name: 镇长}\n"
                                "duties:\n"
                                "  - {id: d, post: shuji, title: 测试, rule: 每年至少1次}\n";

static bool has_line(const char *text, const char *line) {
        size_t n = strlen(line);
        for (const char *p = text; (p = strstr(p, line)); p += n)
                if ((p == text || p[-1] == '\n') && p[n] == '\n')
                        return true;
        return false;
}

#define EXPECT_LINE(text, line)                                            \
        do {                                                               \
                if (!has_line(text, line))                                 \
                        fail_msg("missing line '%s' in:\n%s", line, text); \
        } while (0)

static void render(void **s) {
        (void)s;
        Config *c = load_ok(yaml);
        Metrics *m = metrics_new();
        assert_non_null(m);
        assert_int_equal(metrics_delivery(m, "qun", true, false, 1796083200), 0);
        assert_int_equal(metrics_delivery(m, "qun", true, false, 1796083260), 0);
        assert_int_equal(metrics_delivery(m, "qun", false, false, 1796083270), 0);
        assert_int_equal(metrics_delivery(m, "mail", false, true, 1796083280), 0);
        size_t overdue[] = {3, 0};
        MetricsSnapshot snap = {.config = c,
                                .config_generation = 2,
                                .config_loaded = 1796080000,
                                .reload_failures = 1,
                                .queued = 5,
                                .failed = 1,
                                .overdue_by_post = overdue,
                                .feed_answers = {7, 2, 1, 0},
                                .heartbeat_ok = 4,
                                .heartbeat_failed = 1,
                                .healthy = true};
        _cleanup_free_ char *t = metrics_render(m, &snap);
        assert_non_null(t);
        EXPECT_LINE(t, "# TYPE dutyd_reminders_sent_total counter");
        EXPECT_LINE(t, "dutyd_build_info{version=\"" DUTYD_VERSION "\"} 1");
        EXPECT_LINE(t, "dutyd_healthy 1");
        EXPECT_LINE(t, "dutyd_config_generation 2");
        EXPECT_LINE(t, "dutyd_config_loaded_timestamp_seconds 1796080000");
        EXPECT_LINE(t, "dutyd_config_reload_failures_total 1");
        EXPECT_LINE(t, "dutyd_reminders_sent_total{channel=\"qun\"} 2");
        EXPECT_LINE(t, "dutyd_reminders_retried_total{channel=\"qun\"} 1");
        EXPECT_LINE(t, "dutyd_reminders_failed_total{channel=\"mail\"} 1");
        EXPECT_LINE(t, "dutyd_reminders_sent_total{channel=\"mail\"} 0");
        EXPECT_LINE(t, "dutyd_last_success_timestamp_seconds{channel=\"qun\"} 1796083260");
        assert_null(strstr(t, "dutyd_last_success_timestamp_seconds{channel=\"mail\"}"));
        EXPECT_LINE(t, "dutyd_outbox_queued 5");
        EXPECT_LINE(t, "dutyd_outbox_failed 1");
        EXPECT_LINE(t, "dutyd_overdue{post=\"shuji\"} 3");
        EXPECT_LINE(t, "dutyd_overdue{post=\"zhenzhang\"} 0");
        EXPECT_LINE(t, "dutyd_feed_requests_total{code=\"200\"} 7");
        EXPECT_LINE(t, "dutyd_feed_requests_total{code=\"304\"} 2");
        EXPECT_LINE(t, "dutyd_heartbeat_pings_total{result=\"failed\"} 1");
        /* Unhealthy, not planned yet: the gauge says so and no per-post series is made up. */
        snap.healthy = false, snap.overdue_by_post = NULL;
        _cleanup_free_ char *u = metrics_render(m, &snap);
        EXPECT_LINE(u, "dutyd_healthy 0");
        assert_null(strstr(u, "dutyd_overdue{"));
        metrics_free(m);
        config_free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(render),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
