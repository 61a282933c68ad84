/* test-feedbuild.c — the off-loop feed rebuild on a real sd_event loop: the callback comes on the
 * loop thread with a cache equal to the synchronous path's, the files written; a second build
 * from the first's cache keeps unchanged feeds (Last-Modified, files, tokens); cancel and free
 * while running. */
#include "testutil.h"

#include "clock.h"

#include <pthread.h>
#include <sys/stat.h>
#include <systemd/sd-event.h>

#include "feedbuild.h"
#include "feeds.h"

static const char yaml[] =
        "organization: {name: 测试镇}\n"
        "posts:\n"
        "  - {id: sec, name: 镇党委书记}\n"
        "  - {id: mayor, name: 镇长}\n"
        "people:\n"
        "  - {id: zhang, name: 张三, posts: [sec]}\n"
        "  - {id: li, name: 李四, posts: [mayor]}\n"
        "duties:\n"
        "  - {id: meeting, post: sec, title: 安委会会议, kind: meeting, rule: 每季度至少一次}\n"
        "  - {id: check, post: mayor, title: 隐患排查, kind: inspection, rule: 每月25日前}\n"
        "  - {id: weekly, post: mayor, title: 周巡查, kind: inspection, rule: 每周至少一次}\n";

typedef struct Result {
        int calls;
        int error;
        FeedCache *cache;
        FeedsWriteStats stats;
        pthread_t thread;
        sd_event *event;
} Result;

static void on_done(void *userdata, FeedCache *c, FeedsWriteStats *st, int error) {
        Result *r = userdata;
        r->calls++;
        r->error = error;
        r->cache = c;
        r->stats = *st;
        r->thread = pthread_self();
        (void)sd_event_exit(r->event, 0);
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        (void)s, (void)usec, (void)userdata;
        fail_msg("feed build did not finish in time");
        return 0;
}

/* An sd_event loop cannot run again once it exited: a fresh one for each build. */
static void run_loop(sd_event *e) {
        sd_event_source *t = NULL;
        assert_int_equal(sd_event_add_time_relative(e, &t, clock_delay_id(), 30 * 1000000ULL, 0,
                                                    on_timeout, NULL),
                         0);
        assert_true(sd_event_loop(e) >= 0);
        sd_event_source_disable_unref(t);
}

static int met_weekly(void *userdata, const Config *c, const Occurrence *o, Day today,
                      FeedStatus *ret) {
        (void)userdata, (void)today;
        *ret = (FeedStatus){0};
        if (streq(c->duties[o->duty].id, "weekly") && o->due < today)
                *ret = (FeedStatus){.done = 1, .required = 1, .met = true, .done_on = o->due};
        return 0;
}

static void start(sd_event *e, const Config *c, Day today, FeedStatusFn fn, const char *dir,
                  FeedCache *prev, time_t now, Result *res, FeedBuild **b) {
        OccurrenceList occ;
        FeedStatus *st;
        assert_int_equal(feeds_plan(c, today, fn, NULL, &occ, &st), 0);
        assert_int_equal(feedbuild_start(e, c, today, &occ, st, dir, prev, now, on_done, res, b),
                         0);
        assert_null(occ.items);
        assert_true(feedbuild_running(*b));
}

static void test_build(void **state) {
        (void)state;
        Config *c = load_ok(yaml);
        Day today = day_from_ymd(2026, 3, 15);
        char dir[] = "/tmp/dutyd-unit-fb-XXXXXX";
        assert_non_null(mkdtemp(dir));
        sd_event *e = NULL;
        assert_int_equal(sd_event_new(&e), 0);
        Result res = {.event = e};
        FeedBuild *b = NULL;
        start(e, c, today, NULL, dir, NULL, 1000, &res, &b);
        run_loop(e);
        assert_int_equal(res.calls, 1);
        assert_int_equal(res.error, 0);
        assert_true(pthread_equal(res.thread, pthread_self()));
        assert_false(feedbuild_running(b));
        b = feedbuild_free(b);
        assert_int_equal(res.stats.feeds, 5);
        assert_int_equal(res.stats.written, 5);
        FeedCache *first = res.cache;
        assert_non_null(first);
        assert_int_equal(first->n, 5);

        /* The same as the synchronous path, byte for byte, and as the files. */
        FeedSet *s = NULL;
        assert_int_equal(feedset_new(c, today, NULL, NULL, &s), 0);
        for (size_t i = 0; i < s->n_feeds; i++) {
                char *body;
                size_t len;
                assert_int_equal(feedset_render(s, i, &body, &len), 0);
                const FeedEntry *en = feed_cache_find(first, s->feeds[i].name);
                assert_non_null(en);
                assert_int_equal(en->last_modified, 1000);
                assert_int_equal(en->size, len);
                /* What the server would send: the file, current, with these bytes. */
                int fd;
                uint64_t size;
                bool current;
                assert_int_equal(feed_cache_open(first, en, &fd, &size, &current), 0);
                assert_true(current);
                assert_int_equal(size, len);
                char *disk = malloc(len + 1);
                assert_int_equal(read(fd, disk, len + 1), (ssize_t)len);
                close(fd);
                assert_memory_equal(disk, body, len);
                free(disk);
                free(body);
        }
        feedset_free(s);
        /* Tokens set on the served cache travel to the next one. */
        snprintf(first->entries[0].token, sizeof(first->entries[0].token), "%s",
                 "abcdefghijklmnopqrstuvwxyz234567");

        _cleanup_free_ char *sec_path = strfmt("%s/post-sec.ics", dir);
        struct stat sec_before;
        assert_int_equal(stat(sec_path, &sec_before), 0);

        /* Second build: the weekly duty's past occurrences met. */
        sd_event_unref(e);
        assert_int_equal(sd_event_new(&e), 0);
        res = (Result){.event = e};
        start(e, c, today, met_weekly, dir, first, 2000, &res, &b);
        run_loop(e);
        b = feedbuild_free(b);
        assert_int_equal(res.error, 0);
        assert_int_equal(res.stats.written, 3); /* org, post-mayor, person-li */
        assert_int_equal(res.stats.unchanged, 2);
        FeedCache *second = res.cache;
        assert_int_equal(feed_cache_find(second, "post-sec")->last_modified, 1000);
        assert_int_equal(feed_cache_find(second, "person-li")->last_modified, 2000);
        assert_string_equal(feed_cache_find(second, "post-sec")->etag,
                            feed_cache_find(first, "post-sec")->etag);
        struct stat sec_after;
        assert_int_equal(stat(sec_path, &sec_after), 0);
        assert_int_equal(sec_after.st_ino, sec_before.st_ino); /* not rewritten */
        /* The served cache's files of changed feeds were replaced under it: no longer current
         * there (served without its validators), current in the new one. */
        {
                int fd;
                uint64_t size;
                bool current;
                assert_int_equal(feed_cache_open(first, feed_cache_find(first, "person-li"), &fd,
                                                 &size, &current),
                                 0);
                close(fd);
                assert_false(current);
                assert_int_equal(feed_cache_open(second, feed_cache_find(second, "person-li"), &fd,
                                                 &size, &current),
                                 0);
                close(fd);
                assert_true(current);
                assert_int_equal(size, feed_cache_find(second, "person-li")->size);
        }
        assert_string_equal(feed_cache_find(second, first->entries[0].name)->token,
                            "abcdefghijklmnopqrstuvwxyz234567");
        feed_cache_free(first);

        /* Cancelled: the callback still comes, with -ECANCELED (or 0 if it won the race). */
        sd_event_unref(e);
        assert_int_equal(sd_event_new(&e), 0);
        res = (Result){.event = e};
        start(e, c, today, NULL, dir, second, 3000, &res, &b);
        feedbuild_cancel(b);
        run_loop(e);
        assert_int_equal(res.calls, 1);
        assert_true(res.error == -ECANCELED || res.error == 0);
        if (res.error < 0)
                assert_null(res.cache);
        feed_cache_free(res.cache);
        b = feedbuild_free(b);

        /* Freed while running: no callback, no leak, no temporary file left. */
        sd_event_unref(e);
        assert_int_equal(sd_event_new(&e), 0);
        res = (Result){.event = e};
        start(e, c, today, NULL, dir, second, 4000, &res, &b);
        b = feedbuild_free(b);
        assert_int_equal(sd_event_run(e, 100 * 1000), 0);
        assert_int_equal(res.calls, 0);
        _cleanup_free_ char *ls = strfmt("test $(ls -A '%s' | grep -c tmp) = 0", dir);
        assert_int_equal(system(ls), 0);

        /* Without a folder: cache only. */
        sd_event_unref(e);
        assert_int_equal(sd_event_new(&e), 0);
        res = (Result){.event = e};
        start(e, c, today, NULL, NULL, NULL, 5000, &res, &b);
        run_loop(e);
        b = feedbuild_free(b);
        assert_int_equal(res.error, 0);
        assert_int_equal(res.stats.written, 0);
        assert_int_equal(res.cache->n, 5);
        feed_cache_free(res.cache);

        feed_cache_free(second);
        sd_event_unref(e);
        rm_tree(dir);
        config_free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_build),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
