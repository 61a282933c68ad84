/* test-donelink.c — done-link tokens: make/check/consume, expiry, tampering, replay, wrong key;
 * base64url strictness; the page's HTML escaping; the page itself on a loopback server: the form
 * decoded, bad forms refused, an occurrence already met. */
#include "testutil.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/socket.h>
#include <time.h>

#include "clock.h"
#include "completion.h"
#include "donelink.h"
#include "donepage.h"
#include "html.h"
#include "schedule.h"
#include "store-sql.h"

static const char *YAML =
        "organization: {name: 测试镇}\n"
        "posts:\n  - {id: zz, name: 镇长}\n"
        "people:\n  - {id: a, name: 张三, posts: [zz]}\n"
        "duties:\n  - {id: m, post: zz, title: 安全生产工作会议, rule: 每月至少1次}\n";

typedef struct Fx {
        char dir[64];
        Store *s;
        Config *c;
        /* server_start(): the done page on a loopback server */
        sd_event *e;
        Httpd *h;
        DonePageContext ctx;
        struct sockaddr_in addr;
        int done_calls; /* calls of ctx.on_done */
} Fx;

static int setup(void **state) {
        Fx *f = calloc(1, sizeof(*f));
        strcpy(f->dir, "/tmp/dutyd-donelink-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        assert_int_equal(store_open(f->dir, &f->s), 0);
        f->c = load_ok(YAML);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fx *f = *state;
        httpd_free(f->h);
        sd_event_unref(f->e);
        store_close(f->s);
        config_free(f->c);
        rm_tree(f->dir);
        free(f);
        return 0;
}

static const char *OCC = "m:zz:2026-11:1";

static void test_make_check(void **state) {
        Fx *f = *state;
        char *tok = NULL, *occ = NULL;
        time_t now = 1790000000;
        assert_int_equal(donelink_make(f->s, OCC, now + 3600, &tok), 0);
        assert_non_null(strchr(tok, '.'));
        assert_null(strpbrk(tok, "+/=\n"));
        assert_int_equal(donelink_check(f->s, tok, now, &occ), 0);
        assert_string_equal(occ, OCC);
        free(occ);
        /* Two tokens for the same occurrence differ (nonce). */
        char *tok2 = NULL;
        assert_int_equal(donelink_make(f->s, OCC, now + 3600, &tok2), 0);
        assert_string_not_equal(tok, tok2);
        /* Expired: one second after. */
        assert_int_equal(donelink_check(f->s, tok, now + 3600, NULL), 0);
        assert_int_equal(donelink_check(f->s, tok, now + 3601, NULL), -ESTALE);
        free(tok), free(tok2);
}

static void flip(char *s, size_t i) {
        s[i] = s[i] == 'A' ? 'B' : 'A';
}

static void test_tamper(void **state) {
        Fx *f = *state;
        char *tok = NULL;
        time_t now = 1790000000;
        assert_int_equal(donelink_make(f->s, OCC, now + 3600, &tok), 0);
        size_t dot = (size_t)(strchr(tok, '.') - tok), len = strlen(tok);
        /* Every single position of the payload and of the signature. */
        for (size_t i = 0; i < len; i++) {
                if (i == dot)
                        continue;
                char *t = strdup(tok);
                flip(t, i);
                int r = donelink_check(f->s, t, now, NULL);
                assert_true(r == -EPERM || r == -EBADMSG);
                free(t);
        }
        /* Truncated, empty, no dot, garbage. */
        char *t = strndup(tok, len - 1);
        assert_int_not_equal(donelink_check(f->s, t, now, NULL), 0);
        free(t);
        assert_int_equal(donelink_check(f->s, "", now, NULL), -EBADMSG);
        assert_int_equal(donelink_check(f->s, "abc", now, NULL), -EBADMSG);
        assert_int_equal(donelink_check(f->s, ".", now, NULL), -EBADMSG);
        assert_int_equal(donelink_check(f->s, "a.b", now, NULL), -EBADMSG);
        /* Payloads signed with the right key but for another purpose, or malformed. */
        unsigned char key[32];
        sqlite3_stmt *st = NULL;
        assert_int_equal(
                sqlite3_prepare_v2(store_db(f->s), "SELECT key FROM donelink_key", -1, &st, NULL),
                SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        memcpy(key, sqlite3_column_blob(st, 0), 32);
        sqlite3_finalize(st);
        const char *payloads[] = {
                "feed\n1790003600\n00112233445566778899aabbccddeeff\nm:zz:2026-11:1",
                "done\nsoon\n00112233445566778899aabbccddeeff\nm:zz:2026-11:1",
                "done\n1790003600\nm:zz:2026-11:1"};
        const int want[] = {-EPERM, -EBADMSG, -EBADMSG};
        for (size_t i = 0; i < ELEMENTSOF(payloads); i++) {
                char *p64 = base64url_encode(payloads[i], strlen(payloads[i]));
                unsigned char mac[32];
                unsigned int ml = 0;
                HMAC(EVP_sha256(), key, 32, (unsigned char *)p64, strlen(p64), mac, &ml);
                char *m64 = base64url_encode(mac, ml);
                char *forged = strfmt("%s.%s", p64, m64);
                assert_int_equal(donelink_check(f->s, forged, now, NULL), want[i]);
                free(p64), free(m64), free(forged);
        }
        free(tok);
}

static void test_wrong_key(void **state) {
        Fx *f = *state;
        char *tok = NULL;
        time_t now = 1790000000;
        assert_int_equal(donelink_make(f->s, OCC, now + 3600, &tok), 0);
        assert_int_equal(store_exec(f->s, "UPDATE donelink_key SET key = zeroblob(32)"), 0);
        assert_int_equal(donelink_check(f->s, tok, now, NULL), -EPERM);
        assert_int_equal(store_exec(f->s, "DELETE FROM donelink_key"), 0);
        assert_int_equal(donelink_check(f->s, tok, now, NULL), -EPERM);
        free(tok);
}

/* The record holds exactly one completion, from `source` by `done_by`. */
static void assert_one_completion(Fx *f, const char *source, const char *done_by) {
        Completion *v = NULL;
        size_t n = 0;
        assert_int_equal(completion_list(f->s, false, &v, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(v[0].source, source);
        assert_string_equal(v[0].done_by, done_by);
        completion_list_free(v, n);
}

/* A link for a checkpoint met meanwhile (here by dutyctl) records nothing and stays unused. */
static void test_consume_met(void **state) {
        Fx *f = *state;
        char *tok = NULL;
        time_t now = time(NULL);
        assert_int_equal(donelink_make(f->s, OCC, now + 3600, &tok), 0);
        Occurrence o;
        assert_int_equal(schedule_find(f->c, OCC, &o), 0);
        CompletionInput in = {
                .occ = &o, .done_by = "a", .date = day_from_ymd(2026, 11, 20), .source = "dutyctl"};
        int64_t id = 0;
        assert_int_equal(completion_add(f->s, f->c, &in, &id), 0);
        in.source = "link";
        assert_int_equal(donelink_consume(f->s, f->c, tok, now, &in, &id), -EEXIST);
        assert_one_completion(f, "dutyctl", "a");                  /* only dutyctl's */
        assert_int_equal(donelink_check(f->s, tok, now, NULL), 0); /* not used up */
        free(tok);
}

static void test_consume_replay(void **state) {
        Fx *f = *state;
        char *tok = NULL;
        time_t now = time(NULL);
        assert_int_equal(donelink_make(f->s, OCC, now + 3600, &tok), 0);
        Occurrence o;
        assert_int_equal(schedule_find(f->c, OCC, &o), 0);
        CompletionInput in = {.occ = &o,
                              .done_by = "a",
                              .date = day_from_ymd(2026, 11, 20),
                              .note = "纪要",
                              .source = "link"};
        int64_t id = 0;
        assert_int_equal(donelink_consume(f->s, f->c, tok, now, &in, &id), 0);
        assert_true(id > 0);
        assert_int_equal(donelink_check(f->s, tok, now, NULL), -EALREADY);
        assert_int_equal(donelink_consume(f->s, f->c, tok, now, &in, &id), -EALREADY);
        assert_one_completion(f, "link", "a"); /* the replay added nothing */
        /* A token for another occurrence cannot record this one. */
        char *other = NULL;
        assert_int_equal(donelink_make(f->s, "m:zz:2026-12:1", now + 3600, &other), 0);
        assert_int_equal(donelink_consume(f->s, f->c, other, now, &in, &id), -EPERM);
        assert_int_equal(donelink_check(f->s, other, now, NULL), 0); /* not consumed */
        /* Expired tokens are not consumed either. */
        char *old = NULL;
        assert_int_equal(donelink_make(f->s, OCC, now - 1, &old), 0);
        assert_int_equal(donelink_consume(f->s, f->c, old, now, &in, &id), -ESTALE);
        assert_one_completion(f, "link", "a");
        free(tok), free(other), free(old);
}

static void test_url(void **state) {
        Fx *f = *state;
        char *u = donelink_url(f->c, NULL, "TOK.SIG");
        assert_string_equal(u, "http://127.0.0.1:8027/done/TOK.SIG");
        free(u);
        /* The address the daemon really serves (the socket unit's) wins over the default. */
        u = donelink_url(f->c, "127.0.0.1:9123", "TOK.SIG");
        assert_string_equal(u, "http://127.0.0.1:9123/done/TOK.SIG");
        free(u);
        /* Config strings belong to its pool (never freed one by one): a literal will do. */
        f->c->server.public_url = (char *)"https://duty.example.gov.cn/";
        u = donelink_url(f->c, NULL, "TOK.SIG");
        assert_string_equal(u, "https://duty.example.gov.cn/done/TOK.SIG");
        free(u);
}

static void test_base64url(void **state) {
        (void)state;
        unsigned char out[16];
        const char *cases[][2] = {
                {"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"}, {"\xfb\xff", "-_8"}};
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *e = base64url_encode(cases[i][0], strlen(cases[i][0]));
                assert_string_equal(e, cases[i][1]);
                free(e);
                int n = base64url_decode(cases[i][1], strlen(cases[i][1]), out, sizeof(out));
                assert_int_equal(n, (int)strlen(cases[i][0]));
                assert_memory_equal(out, cases[i][0], (size_t)n);
        }
        assert_int_equal(base64url_decode("Zh", 2, out, sizeof(out)), -EBADMSG); /* bits set */
        assert_int_equal(base64url_decode("Z", 1, out, sizeof(out)), -EBADMSG);
        assert_int_equal(base64url_decode("Zm9=", 4, out, sizeof(out)), -EBADMSG);
        assert_int_equal(base64url_decode("Zm+v", 4, out, sizeof(out)), -EBADMSG);
        assert_int_equal(base64url_decode("Zm9vZm9v", 8, out, 5), -EBADMSG); /* too long */
}

static void test_html_escape(void **state) {
        (void)state;
        Buf b = {0};
        html_escape(&b, "<a href=\"x\">'&'</a> 张三");
        assert_string_equal(b.data, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt; 张三");
        buf_done(&b);
}

/* ---- the page, on a loopback server driven from this thread ---- */

static void on_done(void *userdata) {
        (*(int *)userdata)++;
}

static void server_start(Fx *f) {
        assert_int_equal(sd_event_new(&f->e), 0);
        ServerConfig cfg = {.listen = (char *)"127.0.0.1:0",
                            .max_connections = 16,
                            .per_ip_connections = 16,
                            .timeout_sec = 30,
                            .header_timeout_sec = 10};
        assert_int_equal(httpd_new(f->e, &cfg, NULL, &f->h), 0);
        f->ctx = (DonePageContext){&f->c, f->s, on_done, &f->done_calls};
        assert_int_equal(donepage_register(f->h, &f->ctx), 0);
        char a[80];
        assert_int_equal(httpd_listener_address(f->h, 0, a, sizeof(a)), 0);
        f->addr = (struct sockaddr_in){.sin_family = AF_INET,
                                       .sin_port = htons((uint16_t)atoi(strrchr(a, ':') + 1))};
        assert_int_equal(inet_pton(AF_INET, "127.0.0.1", &f->addr.sin_addr), 1);
}

/* `method` /done/<token>, with `body` of `type` when not NULL, the connection closed after the
 * answer; the loop runs until it is. The status; the whole response in *ret (malloc'd). */
static int request(Fx *f, const char *method, const char *token, const char *type, const char *body,
                   char **ret) {
        char *req = body ? strfmt("%s /done/%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                  "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n%s",
                                  method, token, type, strlen(body), body)
                         : strfmt("%s /done/%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                  method, token);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        assert_int_equal(connect(fd, (struct sockaddr *)&f->addr, sizeof(f->addr)), 0);
        assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
        assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
        Buf b = {0};
        for (int i = 0; i < 1000; i++) { /* 10 s at most */
                assert_true(sd_event_run(f->e, 10000) >= 0);
                char chunk[4096];
                ssize_t k;
                while ((k = recv(fd, chunk, sizeof(chunk), 0)) > 0)
                        buf_put(&b, chunk, (size_t)k);
                if (k == 0)
                        break;
        }
        close(fd);
        free(req);
        *ret = buf_steal(&b);
        assert_non_null(*ret);
        int status = 0;
        assert_int_equal(sscanf(*ret, "HTTP/1.1 %d", &status), 1);
        return status;
}

static size_t completions(Fx *f) {
        Completion *v = NULL;
        size_t n = 0;
        assert_int_equal(completion_list(f->s, false, &v, &n), 0);
        completion_list_free(v, n);
        return n;
}

static const char *FORM = "application/x-www-form-urlencoded";

/* The form as a browser sends it, decoded by libmicrohttpd's post processor. */
static void test_page_form(void **state) {
        Fx *f = *state;
        server_start(f);
        char *tok = NULL, *page = NULL;
        assert_int_equal(donelink_make(f->s, OCC, clock_now() + 3600, &tok), 0);
        assert_int_equal(request(f, "GET", tok, NULL, NULL, &page), 200);
        assert_non_null(strstr(page, "<form method=\"post\">"));
        assert_non_null(strstr(page, "<option value=\"a\">张三</option>"));
        free(page);
        const char *body = "x=1&xnote=no&person=a&note=%E7%BA%AA%E8%A6%81+%231%26%3D";
        assert_int_equal(request(f, "POST", tok, FORM, body, &page), 200);
        assert_non_null(strstr(page, "已记录"));
        free(page);
        Completion *v = NULL;
        size_t n = 0;
        assert_int_equal(completion_list(f->s, false, &v, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(v[0].done_by, "a");
        assert_string_equal(v[0].note, "纪要 #1&=");
        assert_string_equal(v[0].source, "link");
        completion_list_free(v, n);
        assert_int_equal(f->done_calls, 1);
        assert_int_equal(donelink_check(f->s, tok, clock_now(), NULL), -EALREADY);
        free(tok);
}

/* What cannot be a completion is refused with 400; nothing is recorded, the link stays good. */
static void test_page_bad_forms(void **state) {
        Fx *f = *state;
        server_start(f);
        char *tok = NULL, *page = NULL;
        assert_int_equal(donelink_make(f->s, OCC, clock_now() + 3600, &tok), 0);
        char long_note[2100] = "note=";
        memset(long_note + 5, 'x', 2001);
        const struct {
                const char *type, *body, *says;
        } cases[] = {
                {FORM, "person=a&note=%00", "格式不正确"},       /* a NUL */
                {FORM, "person=a&note=%FF%FE", "格式不正确"},    /* not UTF-8 */
                {FORM, long_note, "说明过长"},                   /* over 2000 bytes */
                {"text/plain", "person=a&note=x", "格式不正确"}, /* not a form */
                {FORM, "person=nobody", "所选完成人不在该岗位"}, /* not a holder */
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                assert_int_equal(request(f, "POST", tok, cases[i].type, cases[i].body, &page), 400);
                assert_non_null(strstr(page, cases[i].says));
                free(page);
        }
        assert_int_equal(completions(f), 0);
        assert_int_equal(f->done_calls, 0);
        assert_int_equal(donelink_check(f->s, tok, clock_now(), NULL), 0);
        free(tok);
}

/* A link for an occurrence already met: the page says so, by whom and when, offers no form; a
 * POST records nothing and leaves the link usable, which it is again once that completion is
 * undone. */
static void test_page_met(void **state) {
        Fx *f = *state;
        server_start(f);
        Occurrence o;
        assert_int_equal(schedule_find(f->c, OCC, &o), 0);
        CompletionInput in = {
                .occ = &o, .done_by = "a", .date = day_from_ymd(2026, 11, 20), .source = "dutyctl"};
        assert_int_equal(completion_add(f->s, f->c, &in, NULL), 0);
        char *tok = NULL, *page = NULL;
        assert_int_equal(donelink_make(f->s, OCC, clock_now() + 3600, &tok), 0);
        assert_int_equal(request(f, "GET", tok, NULL, NULL, &page), 200);
        assert_non_null(strstr(page, "该事项已完成"));
        assert_non_null(strstr(page, "已有履职记录（张三，2026-11-20），无需再次登记。"));
        assert_null(strstr(page, "<form"));
        free(page);
        assert_int_equal(request(f, "POST", tok, FORM, "person=a&note=again", &page), 200);
        assert_non_null(strstr(page, "该事项已完成"));
        assert_null(strstr(page, "已记录"));
        free(page);
        assert_int_equal(completions(f), 1);
        assert_int_equal(f->done_calls, 0);
        assert_int_equal(donelink_check(f->s, tok, clock_now(), NULL), 0); /* not consumed */
        /* Undone (recorded by mistake): the same link offers the form and records again. */
        assert_int_equal(completion_undo(f->s, 0, NULL), 0);
        assert_int_equal(request(f, "GET", tok, NULL, NULL, &page), 200);
        assert_non_null(strstr(page, "<form method=\"post\">"));
        free(page);
        assert_int_equal(request(f, "POST", tok, FORM, "person=a", &page), 200);
        assert_non_null(strstr(page, "已记录"));
        free(page);
        assert_int_equal(completions(f), 1);
        assert_int_equal(donelink_check(f->s, tok, clock_now(), NULL), -EALREADY);
        free(tok);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_make_check, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tamper, setup, teardown),
                cmocka_unit_test_setup_teardown(test_wrong_key, setup, teardown),
                cmocka_unit_test_setup_teardown(test_consume_replay, setup, teardown),
                cmocka_unit_test_setup_teardown(test_consume_met, setup, teardown),
                cmocka_unit_test_setup_teardown(test_url, setup, teardown),
                cmocka_unit_test(test_base64url),
                cmocka_unit_test(test_html_escape),
                cmocka_unit_test_setup_teardown(test_page_form, setup, teardown),
                cmocka_unit_test_setup_teardown(test_page_bad_forms, setup, teardown),
                cmocka_unit_test_setup_teardown(test_page_met, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
