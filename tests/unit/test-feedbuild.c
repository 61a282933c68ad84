/* test-feedbuild.c — feeds on request through the HTTP server on a real sd_event loop, a client
 * (libcurl) in a thread: the first GET renders in the worker (the connection suspended), a
 * conditional GET is answered 304 without rendering — the cache's body dropped, and on a fresh
 * server that never rendered the feed — a recorded completion changes the ETag, a completion
 * the server was not told of is found by the worker (the stale hook, then the new state), a new
 * config syncs first; wrong tokens and unknown feeds are one 404. Reloads while a sync runs:
 * each stops it once, none waits for it to be started again and again. */
#include "testutil.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <systemd/sd-event.h>

#include "clock.h"
#include "feedbuild.h"
#include "feeds.h"
#include "feedtoken.h"
#include "feedversion.h"
#include "httpd.h"
#include "store.h"
#include "tz.h"

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
        "  - {id: check, post: mayor, title: 隐患排查, kind: inspection, rule: %s}\n";

typedef struct Fx {
        char dir[40];
        Store *s;
        Config *c;
        Ledger *l;
        sd_event *e;
        FeedBuild *b;
        Httpd *h;
        char base[128];
        char token[FEEDTOKEN_LEN + 1];
        int stale_calls;
} Fx;

static void reload_ledger(Fx *f) {
        Ledger *l = NULL;
        CompletionVersion v;
        assert_int_equal(ledger_load(f->s, &l), 0);
        assert_int_equal(feedversion_completions(f->s, &v), 0);
        feedbuild_set_ledger(f->b, l, v);
        ledger_free(f->l);
        f->l = l;
}

static void on_stale(void *userdata) {
        Fx *f = userdata;
        f->stale_calls++;
        reload_ledger(f);
}

static Config *load_rule(const char *rule) {
        _cleanup_free_ char *y = strfmt(yaml, rule);
        return load_ok(y);
}

static void start_server(Fx *f) {
        Store *ws = NULL;
        assert_int_equal(store_open_another(f->s, &ws), 0);
        FeedBuildHooks hooks = {on_stale, NULL, f};
        assert_int_equal(feedbuild_new(f->e, f->s, ws, &hooks, &f->b), 0);
        assert_int_equal(feedbuild_set_config(f->b, f->c), 0);
        reload_ledger(f);
        ServerConfig sc = {.listen = (char *)"127.0.0.1:0"};
        assert_int_equal(httpd_new(f->e, &sc, f->b, &f->h), 0);
        char addr[80];
        assert_int_equal(httpd_listener_address(f->h, 0, addr, sizeof(addr)), 0);
        snprintf(f->base, sizeof(f->base), "http://%s", addr);
}

static void stop_server(Fx *f) {
        f->h = httpd_free(f->h);
        f->b = feedbuild_free(f->b);
}

static int setup(void **state) {
        Fx *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        snprintf(f->dir, sizeof(f->dir), "/tmp/dutyd-unit-fb-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        (void)tz_use(DEFAULT_TIMEZONE);
        assert_int_equal(store_open(f->dir, &f->s), 0);
        assert_int_equal(feedversion_init(f->s), 0);
        assert_int_equal(feedtoken_init(f->s), 0);
        assert_int_equal(feedtoken_get(f->s, "person-li", f->token), 0);
        f->c = load_rule("每月25日前");
        assert_int_equal(sd_event_new(&f->e), 0);
        start_server(f);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fx *f = *state;
        stop_server(f);
        ledger_free(f->l);
        config_free(f->c);
        sd_event_unref(f->e);
        store_close(f->s);
        rm_tree(f->dir);
        free(f);
        return 0;
}

/* ---- one HTTP request from a thread, the loop running meanwhile ---- */

typedef struct Request {
        const char *url;
        const char *header; /* may be NULL */
        bool head;
        long code;
        Buf body;
        char etag[FEED_ETAG_LEN + 8], last_modified[40];
        long content_length; /* -1: none */
        int efd;
} Request;

static size_t on_body(char *p, size_t size, size_t n, void *userdata) {
        buf_put(&((Request *)userdata)->body, p, size * n);
        return size * n;
}

static void header_value(const char *line, size_t len, const char *name, char *out, size_t n) {
        size_t nl = strlen(name);
        if (len <= nl || strncasecmp(line, name, nl) != 0)
                return;
        size_t v = len - nl;
        while (v > 0 && (line[nl + v - 1] == '\r' || line[nl + v - 1] == '\n'))
                v--;
        snprintf(out, n, "%.*s", (int)v, line + nl);
}

static size_t on_header(char *p, size_t size, size_t n, void *userdata) {
        Request *q = userdata;
        char cl[24] = "";
        header_value(p, size * n, "ETag: ", q->etag, sizeof(q->etag));
        header_value(p, size * n, "Last-Modified: ", q->last_modified, sizeof(q->last_modified));
        header_value(p, size * n, "Content-Length: ", cl, sizeof(cl));
        if (cl[0])
                q->content_length = atol(cl);
        return size * n;
}

static void *client(void *arg) {
        Request *q = arg;
        CURL *c = curl_easy_init();
        struct curl_slist *h = q->header ? curl_slist_append(NULL, q->header) : NULL;
        curl_easy_setopt(c, CURLOPT_URL, q->url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_NOBODY, q->head ? 1L : 0L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, q);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, q);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
        if (curl_easy_perform(c) == CURLE_OK)
                curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &q->code);
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
        uint64_t one = 1;
        while (write(q->efd, &one, sizeof(one)) < 0 && errno == EINTR)
                ;
        return NULL;
}

static int on_client_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        (void)s, (void)fd, (void)revents;
        *(bool *)userdata = true;
        return 0;
}

static void http(Fx *f, const char *path, const char *header, Request *q) {
        _cleanup_free_ char *url = strfmt("%s%s", f->base, path);
        *q = (Request){.url = url, .header = header, .content_length = -1};
        q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        assert_true(q->efd >= 0);
        bool done = false;
        sd_event_source *src = NULL;
        assert_int_equal(sd_event_add_io(f->e, &src, q->efd, EPOLLIN, on_client_done, &done), 0);
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, client, q), 0);
        for (int i = 0; !done && i < 2000; i++)
                assert_true(sd_event_run(f->e, 10 * 1000) >= 0);
        pthread_join(t, NULL);
        assert_true(done);
        sd_event_source_disable_unref(src);
        close(q->efd);
        q->url = NULL;
}

static char *feed_path(Fx *f, const char *name) {
        return strfmt("/feeds/%s/%s.ics", f->token, name);
}

static void test_conditional_without_render(void **state) {
        Fx *f = *state;
        _cleanup_free_ char *p = feed_path(f, "person-li");
        Request a, b, c, d;
        http(f, p, NULL, &a);
        assert_int_equal(a.code, 200);
        assert_non_null(strstr(a.body.data, "BEGIN:VCALENDAR"));
        assert_int_equal(a.content_length, (long)a.body.len);
        assert_int_equal(strlen(a.etag), 66);
        assert_int_equal(feedbuild_renders(f->b), 1);
        _cleanup_free_ char *inm = strfmt("If-None-Match: %s", a.etag);
        http(f, p, inm, &b);
        assert_int_equal(b.code, 304);
        assert_string_equal(b.etag, a.etag);
        /* the body dropped from the cache: still 304, its size known, nothing rendered */
        feedbuild_flush(f->b);
        http(f, p, inm, &c);
        assert_int_equal(c.code, 304);
        assert_int_equal(c.content_length, (long)a.body.len);
        _cleanup_free_ char *ims = strfmt("If-Modified-Since: %s", a.last_modified);
        http(f, p, ims, &d);
        assert_int_equal(d.code, 304);
        assert_int_equal(feedbuild_renders(f->b), 1);
        buf_done(&a.body), buf_done(&b.body), buf_done(&c.body), buf_done(&d.body);

        /* A server that never rendered it (a restart): once it has synced the versions (it
         * does first), the same ETag, 304 at once, and no length it does not know. */
        stop_server(f);
        start_server(f);
        FeedValidators v;
        for (int i = 0; i < 2000 && feedbuild_lookup(f->b, "person-li", f->token, &v) == -EAGAIN;
             i++)
                assert_true(sd_event_run(f->e, 10 * 1000) >= 0);
        assert_int_equal(feedbuild_lookup(f->b, "person-li", f->token, &v), 0);
        assert_string_equal(v.etag, a.etag);
        Request e;
        http(f, p, inm, &e);
        assert_int_equal(e.code, 304);
        assert_int_equal(e.content_length, -1);
        assert_int_equal(feedbuild_renders(f->b), 0);
        buf_done(&e.body);
}

static void record(Fx *f, const char *id, Day date) {
        Occurrence o;
        assert_int_equal(schedule_find(f->c, id, &o), 0);
        CompletionInput in = {.occ = &o, .date = date, .source = "test"};
        assert_int_equal(completion_add(f->s, f->c, &in, NULL), 0);
}

static void test_changes(void **state) {
        Fx *f = *state;
        _cleanup_free_ char *p = feed_path(f, "person-li");
        Request a, b, c, d;
        http(f, p, NULL, &a);
        assert_int_equal(a.code, 200);
        _cleanup_free_ char *inm = strfmt("If-None-Match: %s", a.etag);
        /* A completion recorded, the server told (as the daemon does when it notices): a new
         * ETag, a new rendering. */
        Day today = tz_day(clock_now());
        Ymd y = day_to_ymd(today);
        _cleanup_free_ char *id = strfmt("check:mayor:%04d-%02d:1", y.y, y.m);
        record(f, id, today);
        reload_ledger(f);
        http(f, p, inm, &b);
        assert_int_equal(b.code, 200);
        assert_string_not_equal(b.etag, a.etag);
        assert_non_null(strstr(b.body.data, "SUMMARY:✓ 镇长·隐患排查"));
        /* A completion undone that the server was not told of: its validators are still those
         * of the state it knows, but a rendering finds the state moved on (-ESTALE), the owner
         * reloads, and what is served is the new state. */
        int64_t gone;
        assert_int_equal(completion_undo(f->s, 0, &gone), 0);
        feedbuild_flush(f->b);
        int before = f->stale_calls;
        http(f, p, NULL, &c);
        assert_int_equal(f->stale_calls, before + 1);
        assert_int_equal(c.code, 200);
        assert_string_not_equal(c.etag, b.etag);
        assert_null(strstr(c.body.data, "SUMMARY:✓ 镇长·隐患排查"));
        /* A new config: synced first, then served with its own validators. */
        Config *old = f->c;
        f->c = load_rule("每月20日前");
        assert_int_equal(feedbuild_set_config(f->b, f->c), 0);
        config_free(old);
        http(f, p, NULL, &d);
        assert_int_equal(d.code, 200);
        assert_string_not_equal(d.etag, c.etag);
        assert_non_null(strstr(d.body.data, "DTSTART;VALUE=DATE:"));
        buf_done(&a.body), buf_done(&b.body), buf_done(&c.body), buf_done(&d.body);
}

/* A config of `n` duties on one post, named `org`: its sync has n rows to hash and write. */
static Config *load_many(size_t n, const char *org) {
        Buf b = {0};
        buf_printf(&b,
                   "organization: {name: %s}\nposts:\n  - {id: p, name: 镇长}\n"
                   "people:\n  - {id: a, name: 张三, posts: [p]}\nduties:\n",
                   org);
        for (size_t i = 0; i < n; i++)
                buf_printf(&b, "  - {id: d%zu, post: p, title: 职责%zu, rule: 每月25日前}\n", i, i);
        assert_false(b.oom);
        Config *c = load_ok(b.data);
        buf_done(&b);
        return c;
}

/* Reloads while syncs run: a reload stops the running sync, which is queued again, and drops
 * it; the worker may not start it again while the reload waits (it did, over and over, each
 * time stopped again: the loop waited as long as the worker kept winning the lock, minutes at
 * a province's size). So each reload's sync is started once. */
static void test_reload_while_syncing(void **state) {
        Fx *f = *state;
        Config *c[2] = {load_many(3000, "甲镇"), load_many(3000, "乙镇")};
        uint64_t before = feedbuild_syncs(f->b);
        const int reloads = 20;
        for (int i = 0; i < reloads; i++) {
                uint64_t n = feedbuild_syncs(f->b);
                assert_int_equal(feedbuild_set_config(f->b, c[i % 2]), 0);
                while (feedbuild_syncs(f->b) == n) /* until the worker has started it */
                        sched_yield();
        }
        uint64_t started = feedbuild_syncs(f->b) - before;
        print_message("# %d reloads started %" PRIu64 " syncs\n", reloads, started);
        assert_int_equal(started, reloads);
        /* The config in use again before they are freed (the worker lets go of them). */
        assert_int_equal(feedbuild_set_config(f->b, f->c), 0);
        config_free(c[0]);
        config_free(c[1]);
}

static void test_not_found(void **state) {
        Fx *f = *state;
        Request a, b, c, d;
        _cleanup_free_ char *wrong = strfmt("/feeds/%s/person-zhang.ics", f->token);
        http(f, "/feeds/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/person-li.ics", NULL, &a);
        http(f, wrong, NULL, &b); /* a token of another feed */
        _cleanup_free_ char *gone = strfmt("/feeds/%s/person-x.ics", f->token);
        http(f, gone, NULL, &c);
        http(f, "/feeds/x", NULL, &d);
        assert_int_equal(a.code, 404);
        assert_int_equal(b.code, 404);
        assert_int_equal(c.code, 404);
        assert_int_equal(d.code, 404);
        assert_string_equal(a.body.data, d.body.data);
        assert_int_equal(feedbuild_renders(f->b), 0);
        buf_done(&a.body), buf_done(&b.body), buf_done(&c.body), buf_done(&d.body);
}

int main(void) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_conditional_without_render, setup, teardown),
                cmocka_unit_test_setup_teardown(test_changes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reload_while_syncing, setup, teardown),
        };
        int r = cmocka_run_group_tests(tests, NULL, NULL);
        curl_global_cleanup();
        return r;
}
