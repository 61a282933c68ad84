/* Unit tests of the compiled config (flat.h): a Config encoded, the original freed, and decoded
 * answers as a fresh load does (every pointer field read after the original is gone: ASan finds
 * one left pointing into it); re-encoding gives the same bytes; secret values are never in the
 * block; damaged blocks are refused, never a crash. */
#include "testutil.h"

#include <dirent.h>

#include "flat.h"
#include "rule.h"
#include "schedule.h"
#include "secrets.h"

static Day today; /* 2026-12-01, set in setup() */

/* A config with every kind of pointer the model has: lists of strings (levels, to, a rule's
 * holidays), lists of indices, scopes with names, shifts, terms, templates, secrets. */
static const char rich[] =
        "organization: {name: 大栗港镇, timezone: Asia/Shanghai}\n"
        "feeds: {public_url: \"https://duty.example.cn\", dir: /tmp/feeds-x}\n"
        "server: {listen: \"127.0.0.1:8099\", public_url: \"https://done.example.cn\"}\n"
        "heartbeat: {url: \"https://hc.example.cn/ping/abc\"}\n"
        "templates: {overdue: \"【逾期】{title}\"}\n"
        "reminders: {before: [10, 3, 1]}\n"
        "shifts:\n  - {name: 早班, start: \"08:00\", end: \"16:00\"}\n"
        "  - {name: 夜班, start: \"22:00\", end: \"06:00\"}\n"
        "terms:\n  - {name: 秋季学期, from: 2026-09-01, until: 2027-01-20}\n"
        "documents:\n  - {id: doc, title: 安全生产责任制实施意见, number: 大发〔2019〕45号}\n"
        "posts:\n  - {id: sj, name: 镇党委书记}\n"
        "  - {id: zz, name: 镇长, escalate_to: [sj]}\n"
        "people:\n"
        "  - {id: zhang, name: 张三, mobile: \"13800001111\", email: zhang@x.cn, posts: [zz], "
        "channels: [mail]}\n"
        "  - {id: li, name: 李四, posts: [sj]}\n"
        "channels:\n"
        "  - {id: hook, type: webhook, url: \"http://127.0.0.1:9/h\", secret: {file: SECRET}}\n"
        "  - {id: mail, type: smtp, url: \"smtp://127.0.0.1:2525\", from: d@x.cn, "
        "from_name: 值班, to: [a@x.cn, b@x.cn]}\n"
        "routes:\n  - {posts: [zz], kinds: [meeting], channels: [hook], mention: true}\n"
        "  - {channels: [mail]}\n"
        "duties:\n"
        "  - {id: m, post: zz, title: 安全生产例会, kind: meeting, document: doc, clause: 二、（一）3, "
        "note: 备注, rule: 每季度召开一次}\n"
        "  - {id: h, post: sj, title: 节前检查, kind: inspection, rule: {before_holidays: "
        "[spring-festival, national-day]}}\n"
        "  - {id: f, post: zz, title: 汛期巡查, rule: \"每日8时前\", season: {name: 汛期, from: "
        "\"06-01\", until: \"09-30\"}}\n"
        "  - {id: s, post: zz, title: 班前检查, rule: 每班班前}\n"
        "  - {id: t, post: sj, title: 学期检查, rule: 每学期一次}\n"
        "  - {id: e, post: zz, title: 事故报告, kind: report, event: 事故, within: 1h, levels: "
        "[较大, 重大]}\n";

static char secret_file[64];
static Config *rich_load(void) {
        _cleanup_free_ char *text = NULL;
        const char *at = strstr(rich, "SECRET");
        text = strfmt("%.*s%s%s", (int)(at - rich), rich, secret_file, at + 6);
        assert_non_null(text);
        Diags d = {0};
        Config *c = load_yaml_text(text, today, &d);
        if (!c)
                diags_print(&d, stderr);
        diags_done(&d);
        assert_non_null(c);
        return c;
}

static Config *load_file(const char *path, Diags *d) {
        Config *c = NULL;
        assert_int_equal(config_load(path, today, &c, d), 0);
        return c;
}

/* Encodes `c` (with `w`), frees it, decodes: the copy must not need the original, and encodes
 * to the same bytes again (a field the decoder dropped or changed would show). */
static Config *round_trip(Config *c, const Diags *w, Diags *w_out) {
        void *block = NULL, *again = NULL;
        size_t n = 0, n_again = 0;
        assert_int_equal(flat_encode(c, w, &block, &n), 0);
        config_free(c);
        void *copy = malloc(n);
        assert_non_null(copy);
        memcpy(copy, block, n);
        Config *d = NULL;
        assert_int_equal(flat_decode(block, n, &d, w_out), 0);
        assert_non_null(d->flat);
        assert_int_equal(flat_encode(d, w_out, &again, &n_again), 0);
        assert_int_equal(n_again, n);
        assert_memory_equal(again, copy, n);
        free(again);
        free(copy);
        return d;
}

static void same_plan(const Config *a, const Config *b) {
        OccurrenceList la = {0}, lb = {0};
        Day from = day_from_ymd(2026, 1, 1), to = day_from_ymd(2027, 12, 31);
        assert_int_equal(schedule_plan(a, from, to, PLAN_FILTER_ALL, &la), 0);
        assert_int_equal(schedule_plan(b, from, to, PLAN_FILTER_ALL, &lb), 0);
        assert_int_equal(la.n, lb.n);
        for (size_t i = 0; i < la.n; i++) {
                char ia[256], ib[256];
                occurrence_id(a, &la.items[i], ia, sizeof ia);
                occurrence_id(b, &lb.items[i], ib, sizeof ib);
                assert_string_equal(ia, ib);
                assert_int_equal(la.items[i].due, lb.items[i].due);
        }
        occurrence_list_done(&la);
        occurrence_list_done(&lb);
}

/* What people read of each duty, through the lookups every layer uses. */
static void same_words(const Config *a, const Config *b) {
        assert_int_equal(a->n_duties, b->n_duties);
        for (size_t i = 0; i < a->n_duties; i++) {
                const Duty *x = &a->duties[i], *y = &b->duties[i];
                assert_int_equal(config_find_duty(b, x->id), (ssize_t)i);
                _cleanup_free_ char *ba = duty_basis_full(a, x), *bb = duty_basis_full(b, y);
                _cleanup_free_ char *sa = duty_scope_text(a, x), *sb = duty_scope_text(b, y);
                _cleanup_free_ char *ra = rule_describe(&x->rule), *rb = rule_describe(&y->rule);
                _cleanup_free_ char *ta = duty_title_marked(x), *tb = duty_title_marked(y);
                assert_string_equal(ba, bb);
                assert_string_equal(sa, sb);
                assert_string_equal(ra, rb);
                assert_string_equal(ta, tb);
                assert_true(rule_equal(&x->rule, &y->rule));
                assert_int_equal(x->hash, y->hash);
        }
        for (size_t p = 0; p < a->n_posts; p++) {
                size_t ha[MAX_POST_HOLDERS], hb[MAX_POST_HOLDERS];
                size_t na = config_post_holders(a, p, today, ha, MAX_POST_HOLDERS);
                assert_int_equal(na, config_post_holders(b, p, today, hb, MAX_POST_HOLDERS));
                assert_memory_equal(ha, hb, na * sizeof *ha);
        }
        assert_true(calendar_has_year(b->calendar, 2026));
        assert_int_equal(calendar_next_working_day(a->calendar, day_from_ymd(2026, 10, 1)),
                         calendar_next_working_day(b->calendar, day_from_ymd(2026, 10, 1)));
        assert_int_equal(a->calendar->n_holidays, b->calendar->n_holidays);
}

/* The shipped configs: decoded ≡ loaded again. */
static void shipped_configs(void **s) {
        (void)s;
        const char *top = getenv("DUTYD_TOP");
        char dir[512];
        snprintf(dir, sizeof dir, "%s/config/examples", top ? top : ".");
        DIR *d = opendir(dir);
        assert_non_null(d);
        size_t n = 0;
        for (struct dirent *e; (e = readdir(d));) {
                if (!strstr(e->d_name, ".yaml"))
                        continue;
                _cleanup_free_ char *path = strfmt("%s/%s", dir, e->d_name);
                Diags w = {0}, w2 = {0}, w3 = {0};
                Config *back = round_trip(load_file(path, &w), &w, &w2);
                Config *again = load_file(path, &w3);
                same_plan(back, again);
                same_words(back, again);
                assert_int_equal(w2.n, w3.n_warnings);
                config_free(back);
                config_free(again);
                diags_done(&w);
                diags_done(&w2);
                diags_done(&w3);
                n++;
        }
        closedir(d);
        assert_true(n >= 5);
}

/* Every kind of field comes back, read after the original was freed. */
static void every_field(void **s) {
        (void)s;
        Diags none = {0}, w = {0};
        Config *c = round_trip(rich_load(), &none, &w), *again = rich_load();
        same_plan(c, again);
        same_words(c, again);
        assert_string_equal(c->org_name, "大栗港镇");
        assert_string_equal(c->feeds.public_url, "https://duty.example.cn");
        assert_string_equal(c->feeds.dir, "/tmp/feeds-x");
        assert_string_equal(c->server.listen, "127.0.0.1:8099");
        assert_string_equal(c->server.public_url, "https://done.example.cn");
        assert_string_equal(c->heartbeat.url, "https://hc.example.cn/ping/abc");
        assert_string_equal(c->templates[TEMPLATE_OVERDUE], "【逾期】{title}");
        assert_null(c->templates[TEMPLATE_UPCOMING]);
        assert_int_equal(c->reminders.n_before, 3);
        assert_int_equal(c->reminders.before[0], 10);
        assert_int_equal(c->n_shifts, 2);
        assert_string_equal(c->shifts[1].name, "夜班");
        assert_string_equal(c->terms[0].name, "秋季学期");
        assert_string_equal(c->documents[0].number, "大发〔2019〕45号");
        assert_int_equal(c->posts[1].escalate_to[0], 0);
        assert_string_equal(c->people[0].mobile, "13800001111");
        assert_string_equal(c->people[0].email, "zhang@x.cn");
        assert_int_equal(c->people[0].channels[0], 1);
        assert_int_equal(c->people[0].tenures[0].post, 1);
        const Channel *hook = &c->channels[0], *mail = &c->channels[1];
        assert_string_equal(hook->secret.file, secret_file);
        assert_non_null(hook->secret.where);
        assert_null(hook->secret.value);
        assert_string_equal(mail->from_name, "值班");
        assert_int_equal(mail->n_to, 2);
        assert_string_equal(mail->to[1], "b@x.cn");
        assert_int_equal(c->routes[0].kinds[0], KIND_MEETING);
        assert_int_equal(c->routes[0].posts[0], 1);
        assert_int_equal(c->routes[1].channels[0], 1);
        const Duty *h = &c->duties[config_find_duty(c, "h")];
        assert_int_equal(h->rule.n_holidays, 2);
        assert_string_equal(h->rule.holidays[1], "national-day");
        const Duty *f = &c->duties[config_find_duty(c, "f")];
        assert_string_equal(c->scopes[f->scope - 1].season_name, "汛期");
        const Duty *e = &c->duties[config_find_duty(c, "e")];
        assert_string_equal(e->event, "事故");
        assert_string_equal(e->levels[0], "较大");
        assert_string_equal(c->duties[0].note, "备注");
        config_free(c);
        config_free(again);
        diags_done(&w);
}

/* The secrets a sender read are not in the block, and a decoded config has none. */
static void secrets_never_stored(void **s) {
        (void)s;
        Config *c = rich_load();
        Diags d = {0};
        assert_int_equal(config_load_secrets(c, &d), 0);
        assert_string_equal(c->channels[0].secret.value, "s3cr3t-hmac-key");
        void *block = NULL;
        size_t n = 0;
        assert_int_equal(flat_encode(c, &d, &block, &n), 0);
        assert_null(memmem(block, n, "s3cr3t-hmac-key", 15));
        Config *back = NULL;
        assert_int_equal(flat_decode(block, n, &back, &d), 0);
        assert_null(back->channels[0].secret.value);
        config_free(back);
        config_free(c);
        diags_done(&d);
}

/* The warnings of the load come back with the config, word for word. */
static void warnings_kept(void **s) {
        (void)s;
        Diags w = {0}, back_w = {0};
        Config *c = load_yaml_text("organization: {name: x}\nfeeds: {org: false}\n"
                                   "posts: [{id: p, name: a}]\n"
                                   "duties: [{id: d, post: p, title: t, rule: 每年一次}]\n",
                                   today, &w);
        assert_non_null(c);
        assert_true(w.n_warnings >= 1);
        Config *back = round_trip(c, &w, &back_w);
        assert_int_equal(back_w.n, w.n_warnings);
        assert_int_equal(back_w.n_warnings, w.n_warnings);
        assert_string_equal(back_w.items[0].msg, w.items[0].msg);
        assert_int_equal(back_w.items[0].line, w.items[0].line);
        config_free(back);
        diags_done(&w);
        diags_done(&back_w);
}

/* A damaged block: refused (or, where a byte of a plain value changed, read), never a crash. */
static void damaged_blocks(void **s) {
        (void)s;
        Diags none = {0};
        Config *c = rich_load();
        void *block = NULL;
        size_t n = 0;
        assert_int_equal(flat_encode(c, &none, &block, &n), 0);
        config_free(c);
        Config *out = NULL;
        /* Cut short, a byte too many, another magic: all refused. */
        for (size_t cut = 0; cut < n; cut += cut < 64 ? 1 : 997) {
                void *b = malloc(cut ? cut : 1);
                memcpy(b, block, cut);
                assert_int_equal(flat_decode(b, cut, &out, &none), -EBADMSG);
        }
        char *b = malloc(n);
        memcpy(b, block, n);
        b[0] ^= 1;
        assert_int_equal(flat_decode(b, n, &out, &none), -EBADMSG);
        size_t refused = 0;
        for (size_t i = 8; i < n; i += 7) {
                char *x = malloc(n);
                memcpy(x, block, n);
                x[i] ^= 0x5a;
                int r = flat_decode(x, n, &out, &none);
                assert_true(r == 0 || r == -EBADMSG);
                if (r == 0)
                        config_free(out);
                else
                        refused++;
                diags_done(&none);
        }
        assert_true(refused > 0);
        free(block);
}

static int setup(void **s) {
        (void)s;
        today = day_from_ymd(2026, 12, 1);
        strcpy(secret_file, "/tmp/dutyd-flat-secret-XXXXXX");
        int fd = mkstemp(secret_file);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "s3cr3t-hmac-key\n", 16), 16);
        close(fd);
        return 0;
}

static int teardown(void **s) {
        (void)s;
        unlink(secret_file);
        return 0;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(shipped_configs),      cmocka_unit_test(every_field),
                cmocka_unit_test(secrets_never_stored), cmocka_unit_test(warnings_kept),
                cmocka_unit_test(damaged_blocks),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
