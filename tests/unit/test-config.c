/* Unit tests of the config loader: phrase ≡ structured form through YAML, defaults, drop-in
 * semantics, secrets (files and systemd credentials), and that nothing leaks on errors. */
#include "testutil.h"

#include <sys/stat.h>

#include "phrase.h"

static const char *const head = "organization: {name: 测试镇}\n"
                                "posts:\n  - {id: p, name: 书记}\n";

/* Each pair: a phrase and the structured mapping it stands for. */
static void phrase_equals_structured(void **s) {
        (void)s;
        static const char *const pairs[][2] = {
                {"每半年至少召开一次", "{period: half, count: 1}"},
                {"每年至少4次", "{period: year, count: 4, pacing: true}"},
                {"每年不少于4次", "{period: year, count: 4}"},
                {"每月不少于两次", "{period: month, count: 2}"},
                {"每季度召开一次", "{period: quarter}"},
                {"每月25日以前", "{period: month, due_day: 25}"},
                {"每年1月底前提交上年度书面述职报告",
                 "{period: year, due_month: 1, due_day: last, after_period: true}"},
                {"年终", "{period: year, due_month: 12, due_day: last, holiday_move: earlier}"},
                {"重大节假日前", "{before_holidays: true}"},
                {"每周至少两次", "{period: week, count: 2}"},
        };
        for (size_t i = 0; i < ELEMENTSOF(pairs); i++) {
                char yaml[2048];
                snprintf(yaml, sizeof(yaml),
                         "%sduties:\n  - {id: a, post: p, title: t, rule: %s}\n"
                         "  - {id: b, post: p, title: t, rule: %s}\n",
                         head, pairs[i][0], pairs[i][1]);
                Config *c = load_ok(yaml);
                if (!rule_equal(&c->duties[0].rule, &c->duties[1].rule))
                        fail_msg("%s differs from %s", pairs[i][0], pairs[i][1]);
                config_free(c);
        }
}

/* A phrase is parsed once per load (the memo): its copies stay independent, a different epoch
 * is another rule, the warning of a date without a year and an error are said at each duty. */
static void repeated_phrases(void **s) {
        (void)s;
        Diags d = {0};
        Config *c = load_yaml_text(
                "organization: {name: x}\nposts: [{id: p, name: a}]\n"
                "duties:\n"
                "  - {id: a, post: p, title: t, rule: {phrase: 每2年一次, epoch: 2025}}\n"
                "  - {id: b, post: p, title: t, rule: {phrase: 每2年一次, epoch: 2024}}\n"
                "  - {id: c, post: p, title: t, rule: {phrase: 每2年一次, epoch: 2025}}\n"
                "  - {id: e, post: p, title: t, rule: 5月30日前}\n"
                "  - {id: f, post: p, title: t, rule: 5月30日前}\n",
                day_from_ymd(2026, 1, 1), &d);
        assert_non_null(c);
        assert_true(rule_equal(&c->duties[0].rule, &c->duties[2].rule));
        assert_false(rule_equal(&c->duties[0].rule, &c->duties[1].rule));
        assert_int_equal(c->duties[1].rule.epoch, 2024);
        assert_int_equal(c->duties[2].rule.epoch, 2025);
        assert_true(rule_equal(&c->duties[3].rule, &c->duties[4].rule));
        assert_int_equal(c->duties[4].rule.once, 2026);
        size_t warned = 0;
        for (size_t i = 0; i < d.n; i++)
                if (strstr(d.items[i].msg, "without a year"))
                        assert_int_equal(d.items[i].line, 8 + (int)warned++);
        assert_int_equal(warned, 2);
        config_free(c);
        diags_done(&d);

        d = (Diags){0};
        c = load_yaml_text("organization: {name: x}\nposts: [{id: p, name: a}]\n"
                           "duties:\n  - {id: a, post: p, title: t, rule: 每秒一次}\n"
                           "  - {id: b, post: p, title: t, rule: 每秒一次}\n",
                           day_from_ymd(2026, 1, 1), &d);
        assert_null(c);
        assert_int_equal(d.n_errors, 2);
        assert_int_equal(d.items[0].line, 5);
        assert_int_equal(d.items[1].line, 6);
        diags_done(&d);
}

static void defaults_and_overrides(void **s) {
        (void)s;
        char yaml[2048];
        snprintf(yaml, sizeof(yaml),
                 "%sreminders: {time: \"08:30\"}\n"
                 "duties:\n  - {id: a, post: p, title: t, rule: 每季度}\n"
                 "  - {id: b, post: p, title: t, rule: 每季度, reminders: {before: [1, 14, 3]}}\n",
                 head);
        Config *c = load_ok(yaml);
        assert_string_equal(c->timezone, "Asia/Shanghai");
        assert_int_equal(c->feeds.future_days, 366);
        const ReminderPolicy *a = &c->duties[0].reminders, *b = &c->duties[1].reminders;
        assert_int_equal(a->n_before, 3);
        assert_int_equal(a->before[0], 7);
        assert_int_equal(a->minute_of_day, 8 * 60 + 30);
        assert_int_equal(a->escalate_after, 3);
        /* A per-duty override keeps the defaults it does not set; days sorted descending. */
        assert_int_equal(b->n_before, 3);
        assert_int_equal(b->before[0], 14);
        assert_int_equal(b->before[2], 1);
        assert_int_equal(b->minute_of_day, 8 * 60 + 30);
        assert_int_equal(c->duties[0].kind, KIND_OTHER);
        assert_int_equal(c->duties[0].document, -1);
        config_free(c);
}

static void errors_are_all_reported(void **s) {
        (void)s;
        Diags d = {0};
        Config *c = load_yaml_text("organization: {name: x}\nposts: [{id: p, name: a}]\n"
                                   "duties:\n  - {id: a, post: nope, title: t, rule: 每年}\n"
                                   "  - {id: b, post: p, title: t, rule: 每秒一次}\n"
                                   "  - {id: c, post: p, title: t, rule: 每季度, bogus: 1}\n",
                                   day_from_ymd(2026, 1, 1), &d);
        assert_null(c);
        assert_int_equal(d.n_errors, 3);
        /* In file order, though the unknown post is only known to be unknown at the end. Line 1
         * is the holidays line the helper adds; 秒 is the 2nd character of the value. */
        assert_int_equal(d.items[0].line, 5);
        assert_non_null(strstr(d.items[0].msg, "unknown post 'nope'"));
        assert_int_equal(d.items[1].line, 6);
        assert_int_equal(d.items[1].column, 39);
        assert_int_equal(d.items[2].line, 7);
        diags_done(&d);
}

/* A config with one webhook whose secret is `secret` (YAML), loaded. */
static Config *load_webhook_secret(const char *secret) {
        char yaml[4096];
        snprintf(yaml, sizeof(yaml),
                 "%schannels:\n"
                 "  - {id: hook, type: webhook, url: \"https://x.cn/h\", secret: %s}\n",
                 head, secret);
        return load_ok(yaml);
}

/* Reading c's secrets fails with `err` and one error saying `what`; then c is freed. */
static void secrets_fail(Config *c, int err, const char *what) {
        Diags d = {0};
        assert_int_equal(config_load_secrets(c, &d), err);
        assert_int_equal(d.n_errors, 1);
        assert_non_null(strstr(d.items[0].msg, what));
        diags_done(&d);
        config_free(c);
}

static void secrets(void **s) {
        (void)s;
        char dir[] = "/tmp/dutyd-secret-XXXXXX";
        assert_non_null(mkdtemp(dir));
        char file[256], cred[256];
        snprintf(file, sizeof(file), "%s/ding.secret", dir);
        snprintf(cred, sizeof(cred), "%s/smtp-password", dir);
        FILE *f = fopen(file, "w");
        fputs("SECabc123\n", f);
        fclose(f);
        f = fopen(cred, "w");
        fputs("p@ss word", f);
        fclose(f);
        char yaml[2048];
        snprintf(yaml, sizeof(yaml),
                 "%schannels:\n"
                 "  - {id: ding, type: dingtalk, url: \"https://oapi.dingtalk.com/robot/send\", "
                 "key: {file: %s}, secret: {file: %s}}\n"
                 "  - {id: mail, type: smtp, url: \"smtps://127.0.0.1:4650\", from: a@b.cn, "
                 "username: a, password: {credential: smtp-password}}\n",
                 head, file, file);
        Config *c = load_ok(yaml);
        /* Loading the schedule reads no secret. */
        assert_null(c->channels[0].secret.value);
        Diags d = {0};
        /* Outside the service: the folder the unit loads credentials from (not there here). */
        unsetenv("CREDENTIALS_DIRECTORY");
        assert_int_equal(config_load_secrets(c, &d), -EIO);
        assert_int_equal(d.n_errors, 1);
        assert_non_null(strstr(d.items[0].msg, CREDENTIALS_FOLDER "/smtp-password"));
        diags_done(&d);
        setenv("CREDENTIALS_DIRECTORY", dir, 1);
        assert_int_equal(config_load_secrets(c, &d), 0);
        assert_string_equal(c->channels[0].secret.value, "SECabc123");
        assert_string_equal(c->channels[1].password.value, "p@ss word");
        unsetenv("CREDENTIALS_DIRECTORY");
        config_free(c);
        /* A missing file is named; its (absent) content of course is not. */
        snprintf(yaml, sizeof(yaml), "{file: %s/nope}", dir);
        secrets_fail(load_webhook_secret(yaml), -EIO, "/nope");
        unlink(file);
        unlink(cred);
        rmdir(dir);
}

/* A secret is the whole file, not its first line, less the spaces and line ends at its end
 * (docs/config.md); one that is empty after that is an error. Under the service a credential
 * is also found under the name systemd gives the unit's folder credential's files. */
static void secret_is_the_whole_file(void **s) {
        (void)s;
        char dir[] = "/tmp/dutyd-secret-XXXXXX";
        assert_non_null(mkdtemp(dir));
        char file[256], blank[256], cred[256];
        snprintf(file, sizeof(file), "%s/two-lines", dir);
        snprintf(blank, sizeof(blank), "%s/blank", dir);
        snprintf(cred, sizeof(cred), "%s/" CREDENTIAL_PREFIX "hook", dir);
        const char *const bodies[][2] = {
                {file, "line one\nline two \r\n\n"}, {blank, " \n\r\n"}, {cred, "from-the-unit\n"}};
        for (size_t i = 0; i < ELEMENTSOF(bodies); i++) {
                FILE *f = fopen(bodies[i][0], "w");
                assert_non_null(f);
                fputs(bodies[i][1], f);
                fclose(f);
        }
        char yaml[2048];
        snprintf(
                yaml, sizeof(yaml),
                "%schannels:\n"
                "  - {id: a, type: webhook, url: \"https://x.cn/a\", secret: {file: %s}}\n"
                "  - {id: b, type: webhook, url: \"https://x.cn/b\", secret: {credential: hook}}\n",
                head, file);
        Config *c = load_ok(yaml);
        Diags d = {0};
        setenv("CREDENTIALS_DIRECTORY", dir, 1);
        assert_int_equal(config_load_secrets(c, &d), 0);
        unsetenv("CREDENTIALS_DIRECTORY");
        assert_string_equal(c->channels[0].secret.value, "line one\nline two");
        assert_string_equal(c->channels[1].secret.value, "from-the-unit");
        config_free(c);
        snprintf(yaml, sizeof(yaml), "{file: %s}", blank);
        secrets_fail(load_webhook_secret(yaml), -EINVAL, "is empty or not text");
        unlink(file);
        unlink(blank);
        unlink(cred);
        rmdir(dir);
}

/* Ids are 1 to MAX_ID_LEN characters, and the error says so. */
static void id_length(void **s) {
        (void)s;
        char id[MAX_ID_LEN + 2];
        memset(id, 'a', sizeof(id) - 1);
        id[sizeof(id) - 1] = 0;
        char yaml[1024];
        snprintf(yaml, sizeof(yaml), "organization: {name: x}\nposts: [{id: %.*s, name: n}]\n",
                 MAX_ID_LEN, id);
        config_free(load_ok(yaml));
        snprintf(yaml, sizeof(yaml), "organization: {name: x}\nposts: [{id: %s, name: n}]\n", id);
        Diags d = {0};
        Config *c = load_yaml_text(yaml, day_from_ymd(2026, 1, 1), &d);
        assert_null(c);
        assert_int_equal(d.n_errors, 1);
        char want[64];
        snprintf(want, sizeof(want), "(use 1-%d of a-z 0-9 _ -)", MAX_ID_LEN);
        assert_non_null(strstr(d.items[0].msg, want));
        diags_done(&d);
}

static void holders_over_time(void **s) {
        (void)s;
        Config *c = load_ok("organization: {name: x}\n"
                            "posts: [{id: p, name: 镇长}]\n"
                            "people:\n"
                            "  - {id: a, name: 甲, posts: [{post: p, until: 2026-05-31}]}\n"
                            "  - {id: b, name: 乙, posts: [{post: p, from: 2026-06-01}]}\n");
        size_t h[4];
        assert_int_equal(config_post_holders(c, 0, day_from_ymd(2026, 5, 31), h, 4), 1);
        assert_int_equal(h[0], 0);
        assert_int_equal(config_post_holders(c, 0, day_from_ymd(2026, 6, 1), h, 4), 1);
        assert_int_equal(h[0], 1);
        config_free(c);
}

/* The loader reads each list item as it comes: what an item names may come later in the file
 * (posts after duties, channels after people and routes), and so may the sections it depends
 * on (`reminders:` defaults, the holiday data a rule names). Same config as if in order. */
static void order_does_not_matter(void **s) {
        (void)s;
        const char *top = getenv("DUTYD_TOP");
        _cleanup_free_ char *yaml = strfmt(
                "duties:\n"
                "  - {id: d1, post: p2, title: t, rule: 每月1次, reminders: {time: '07:30'}}\n"
                "  - {id: d2, post: p1, title: t, rule: {before_holidays: "
                "[spring-festival]}}\n"
                "routes: [{posts: [p1], channels: [hook]}]\n"
                "people: [{id: u1, name: 甲, posts: [p1], channels: [hook]}]\n"
                "posts: [{id: p1, name: 一, escalate_to: [p2]}, {id: p2, name: 二}]\n"
                "channels: [{id: hook, type: webhook, url: 'https://example.org/h'}]\n"
                "reminders: {before: [5], time: '10:00'}\n"
                "organization: {name: 晚到镇}\n"
                "holidays: %s/config/holidays-cn.yaml\n",
                top ? top : ".");
        assert_non_null(yaml);
        Config *c = load_ok(yaml);
        assert_int_equal(c->n_duties, 2);
        assert_int_equal(c->duties[0].posts[0], 1);
        assert_int_equal(c->duties[1].posts[0], 0);
        /* d1 sets its time; its days before come from the later `reminders:`. */
        assert_int_equal(c->duties[0].reminders.minute_of_day, 7 * 60 + 30);
        assert_int_equal(c->duties[0].reminders.n_before, 1);
        assert_int_equal(c->duties[0].reminders.before[0], 5);
        assert_int_equal(c->duties[1].reminders.minute_of_day, 10 * 60);
        assert_string_equal(c->duties[1].rule.holidays[0], "spring-festival");
        assert_int_equal(c->routes[0].channels[0], 0);
        assert_int_equal(c->people[0].channels[0], 0);
        assert_int_equal(c->posts[0].escalate_to[0], 1);
        assert_string_equal(c->org_name, "晚到镇");
        /* The same config in the usual order hashes every duty the same. */
        _cleanup_free_ char *ordered = strfmt(
                "organization: {name: 晚到镇}\nholidays: %s/config/holidays-cn.yaml\n"
                "reminders: {before: [5], time: '10:00'}\n"
                "posts: [{id: p1, name: 一, escalate_to: [p2]}, {id: p2, name: 二}]\n"
                "duties:\n"
                "  - {id: d1, post: p2, title: t, rule: 每月1次, reminders: {time: '07:30'}}\n"
                "  - {id: d2, post: p1, title: t, rule: {before_holidays: "
                "[spring-festival]}}\n",
                top ? top : ".");
        Config *o = load_ok(ordered);
        assert_int_equal(c->duties[0].hash, o->duties[0].hash);
        assert_int_equal(c->duties[1].hash, o->duties[1].hash);
        config_free(o);
        config_free(c);
}

/* Anchors and aliases work as YAML says, a whole list included (it is then not streamed). */
static void anchors_and_aliases(void **s) {
        (void)s;
        Config *c =
                load_ok("organization: {name: x}\n"
                        "posts: &ps [{id: p, name: a}]\n"
                        "duties:\n"
                        "  - {id: a, post: p, title: t, rule: 每年, reminders: &r {before: [9]}}\n"
                        "  - {id: b, post: p, title: t, rule: 每季度, reminders: *r}\n");
        assert_int_equal(c->n_posts, 1);
        assert_int_equal(c->duties[1].reminders.n_before, 1);
        assert_int_equal(c->duties[1].reminders.before[0], 9);
        config_free(c);
        Diags d = {0};
        c = load_yaml_text("organization: {name: x}\nposts: [{id: p, name: *nope}]\n",
                           day_from_ymd(2026, 1, 1), &d);
        assert_null(c);
        assert_int_equal(d.n_errors, 1);
        assert_int_equal(d.items[0].line, 3);
        assert_non_null(strstr(d.items[0].msg, "unknown alias"));
        diags_done(&d);
}

/* The duty's rule `rule` (YAML), loaded: NULL when rejected. The rule goes to *ret. */
static bool rule_loads(const char *rule, Rule *ret) {
        char yaml[2048];
        snprintf(yaml, sizeof(yaml), "%sduties:\n  - {id: a, post: p, title: t, rule: %s}\n", head,
                 rule);
        Diags d = {0};
        Config *c = load_yaml_text(yaml, day_from_ymd(2026, 1, 1), &d);
        diags_done(&d);
        if (c && rule_copy(ret, &c->duties[0].rule) < 0)
                fail_msg("out of memory");
        config_free(c);
        return c != NULL;
}

/* The Rule's numbers are narrow (rule.h): at each end of every range, the phrase and the
 * structured key agree on accepting or rejecting, and a number that would wrap into an accepted
 * one (65,538 is 2 in 16 bits) is rejected. */
static void rule_ranges(void **s) {
        (void)s;
        static const struct {
                const char *phrase, *structured;
                bool ok;
        } cases[] = {
                {"每52周至少1次", "{period: week, every: 52}", true},
                {"每53周至少1次", "{period: week, every: 53}", false},
                {"每65538周至少1次", "{period: week, every: 65538}", false},
                {"{phrase: 每10年至少1次, epoch: 2025}", "{period: year, every: 10, epoch: 2025}",
                 true},
                {"{phrase: 每11年至少1次, epoch: 2025}", "{period: year, every: 11, epoch: 2025}",
                 false},
                {"{phrase: 每65538年至少1次, epoch: 2025}",
                 "{period: year, every: 65538, epoch: 2025}", false},
                {"{phrase: 每2年至少1次, epoch: 9998}", "{period: year, every: 2, epoch: 9998}",
                 true},
                {"{phrase: 每2年至少1次, epoch: 1970}", "{period: year, every: 2, epoch: 1970}",
                 true},
                {"{phrase: 每2年至少1次, epoch: 9999}", "{period: year, every: 2, epoch: 9999}",
                 false},
                {"{phrase: 每2年至少1次, epoch: 75534}", "{period: year, every: 2, epoch: 75534}",
                 false},
                {"每两周自2026年起至少1次", "{period: week, every: 2, epoch: 2026}", true},
                {"每年至少366次（不分段）", "{period: year, count: 366, pacing: false}", true},
                {"每年至少367次（不分段）", "{period: year, count: 367, pacing: false}", false},
                {"每年至少65537次（不分段）", "{period: year, count: 65537, pacing: false}", false},
                {"9998年5月30日前", "{period: year, once: 9998, due_month: 5, due_day: 30}", true},
                {"1970年5月30日前", "{period: year, once: 1970, due_month: 5, due_day: 30}", true},
                {"每月31日前", "{period: month, due_day: 31}", true},
                {"每月32日前", "{period: month, due_day: 32}", false},
                {"每月288日前", "{period: month, due_day: 288}", false},
                {"每年12月31日前", "{period: year, due_month: 12, due_day: 31}", true},
                {"每年13月1日前", "{period: year, due_month: 13, due_day: 1}", false},
                {"每年269月1日前", "{period: year, due_month: 269, due_day: 1}", false},
                {"每周日前", "{period: week, due_weekday: 7}", true},
                {"每周8前", "{period: week, due_weekday: 8}", false},
                {"每年6月底和年底前",
                 "{period: year, due_months: [6, 12], due_day: last, count: 2}", true},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Rule a = {0}, b = {0};
                bool pa = rule_loads(cases[i].phrase, &a), pb = rule_loads(cases[i].structured, &b);
                if (pa != cases[i].ok || pb != cases[i].ok)
                        fail_msg("%s: %s, %s: %s (expected %s)", cases[i].phrase,
                                 pa ? "accepted" : "rejected", cases[i].structured,
                                 pb ? "accepted" : "rejected",
                                 cases[i].ok ? "accepted" : "rejected");
                if (pa && pb && !rule_equal(&a, &b))
                        fail_msg("%s differs from %s", cases[i].phrase, cases[i].structured);
                rule_done(&a);
                rule_done(&b);
        }
        /* Numbers the callers pass (the key epoch beside a phrase, the year of a date without
         * one): 75,534 and 75,535 are 9,998 and 9,999 in 16 bits. */
        Rule r;
        size_t off;
        const char *msg;
        assert_int_equal(rule_parse_phrase_epoch("每2年至少1次", 9998, &r, &off, &msg), 0);
        assert_int_equal(r.epoch, 9998);
        rule_done(&r);
        assert_int_equal(rule_parse_phrase_epoch("每2年至少1次", 75534, &r, &off, &msg), -EINVAL);
        assert_int_equal(rule_parse_phrase_in("5月30日前", 0, 9998, &r, &off, &msg, NULL), 0);
        assert_int_equal(r.once, 9998);
        rule_done(&r);
        assert_int_equal(rule_parse_phrase_in("5月30日前", 0, 75534, &r, &off, &msg, NULL),
                         -EINVAL);
        assert_int_equal(rule_parse_phrase_in("5月30日前", 0, -55538, &r, &off, &msg, NULL),
                         -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(phrase_equals_structured),
                cmocka_unit_test(repeated_phrases),
                cmocka_unit_test(defaults_and_overrides),
                cmocka_unit_test(errors_are_all_reported),
                cmocka_unit_test(secrets),
                cmocka_unit_test(secret_is_the_whole_file),
                cmocka_unit_test(id_length),
                cmocka_unit_test(holders_over_time),
                cmocka_unit_test(order_does_not_matter),
                cmocka_unit_test(anchors_and_aliases),
                cmocka_unit_test(rule_ranges),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
