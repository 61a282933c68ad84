/* Unit tests of the config loader: phrase ≡ structured form through YAML, defaults, drop-in
 * semantics, secrets (files and systemd credentials), and that nothing leaks on errors. */
#include "testutil.h"

#include <sys/stat.h>

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
                                   "  - {id: b, post: p, title: t, rule: 每天一次}\n"
                                   "  - {id: c, post: p, title: t, rule: 每季度, bogus: 1}\n",
                                   day_from_ymd(2026, 1, 1), &d);
        assert_null(c);
        assert_int_equal(d.n_errors, 3);
        /* Line 1 is the holidays line the helper adds; 天 is the 2nd character of the value. */
        assert_int_equal(d.items[d.n - 2].line, 6);
        assert_int_equal(d.items[d.n - 2].column, 39);
        diags_done(&d);
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
        snprintf(yaml, sizeof(yaml),
                 "%schannels:\n  - {id: hook, type: webhook, url: \"https://x.cn/h\", "
                 "secret: {file: %s/nope}}\n",
                 head, dir);
        c = load_ok(yaml);
        assert_int_equal(config_load_secrets(c, &d), -EIO);
        assert_non_null(strstr(d.items[0].msg, "/nope"));
        diags_done(&d);
        config_free(c);
        unlink(file);
        unlink(cred);
        rmdir(dir);
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

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(phrase_equals_structured),
                cmocka_unit_test(defaults_and_overrides),
                cmocka_unit_test(errors_are_all_reported),
                cmocka_unit_test(secrets),
                cmocka_unit_test(holders_over_time),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
