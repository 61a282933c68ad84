/* Unit tests of explain.c: the sentence each kind of rule is explained with, and the next
 * deadlines on the repository's holiday data (2026: 国庆 10-01..10-07, 中秋 09-25..09-27). */
#include "testutil.h"

#include "explain.h"
#include "phrase.h"

static const char *const yaml = "organization: {name: 测试镇}\n"
                                "posts:\n"
                                "  - {id: p, name: 镇长}\n"
                                "people:\n"
                                "  - {id: a, name: 张三, posts: [p]}\n"
                                "duties:\n"
                                "  - {id: d, post: p, title: 测试, rule: 每年至少1次}\n";

static char *explained(const char *phrase) {
        Rule r;
        size_t off;
        const char *msg;
        if (rule_parse_phrase(phrase, &r, &off, &msg) < 0)
                fail_msg("'%s' does not parse: %s", phrase, msg);
        char *s = rule_explain(&r);
        rule_done(&r);
        assert_non_null(s);
        return s;
}

#define EXPECT_EXPLAIN(phrase, want)                          \
        do {                                                  \
                _cleanup_free_ char *got = explained(phrase); \
                assert_string_equal(got, want);               \
        } while (0)

static void sentences(void **s) {
        (void)s;
        EXPECT_EXPLAIN("每季度至少1次",
                       "每季度一次，截止于该季度最后一天（遇节假日顺延至下一个工作日）");
        EXPECT_EXPLAIN("每年至少4次",
                       "每年至少4次，按3个月一段分为4段，每段完成一次，截止于各段最后一天"
                       "（遇节假日顺延至下一个工作日）");
        EXPECT_EXPLAIN("每周至少2次",
                       "每周至少2次，按天数均分为2段，每段完成一次，截止于各段最后一天"
                       "（遇节假日顺延至下一个工作日）");
        EXPECT_EXPLAIN("每月25日前", "每月一次，截止于当月25日（遇节假日顺延至下一个工作日）");
        EXPECT_EXPLAIN("每年3月15日前",
                       "每年一次，截止于每年3月15日（遇节假日顺延至下一个工作日）");
        EXPECT_EXPLAIN(
                "每年1月底前（上年度）",
                "每年一次，截止于次年1月最后一天，办理的是上一年的事项（遇节假日顺延至下一个工作日）");
        EXPECT_EXPLAIN("年终", "每年一次，截止于每年12月最后一天（遇节假日提前至前一个工作日）");
        EXPECT_EXPLAIN("重大节假日前", "每个法定节假日前一次，截止于放假前最后一个工作日");
}

/* The kinds of issue #13: each said with where its deadline falls. */
static void kinds(void **s) {
        (void)s;
        EXPECT_EXPLAIN("每半月", "每半月一次，截止于该半月最后一天（遇节假日顺延至下一个工作日）");
        EXPECT_EXPLAIN("每旬", "每旬一次，截止于该旬最后一天（遇节假日顺延至下一个工作日）");
        EXPECT_EXPLAIN("每两个月",
                       "每两个月一次，截止于该两个月最后一天（遇节假日顺延至下一个工作日）");
        EXPECT_EXPLAIN("每两年一次（自2025年起）",
                       "每2年一次（自2025年起每2年为一期），截止于该期最后一天"
                       "（遇节假日顺延至下一个工作日）");
        EXPECT_EXPLAIN("每两周", "每2周一次（每年从第1周起计），截止于该期最后一周的周日"
                                 "（遇节假日顺延至下一个工作日）");
        EXPECT_EXPLAIN("每周一上报", "每周一次，截止于每周星期一（遇节假日顺延至下一个工作日）");
        EXPECT_EXPLAIN("每季度末20日",
                       "每季度一次，截止于该季度最后一个月的20日（遇节假日顺延至下一个工作日）");
        EXPECT_EXPLAIN("每月5日前报送上月", "每月一次，截止于该月结束后的下个月5日，办理的是上一月"
                                            "的事项（遇节假日顺延至下一个工作日）");
        EXPECT_EXPLAIN("2027年5月30日前",
                       "仅2027年一次，截止于5月30日（遇节假日顺延至下一个工作日）");
        EXPECT_EXPLAIN("6月底和年底前", "每年2次，分别截止于6月、12月的最后一天"
                                        "（遇节假日顺延至下一个工作日）");
        EXPECT_EXPLAIN("每年年底或年初", "每年一次，可在12月至次年1月间任意时间完成，截止于1月"
                                         "最后一天（遇节假日顺延至下一个工作日）");
        /* rule_describe()'s own forms are read back. */
        EXPECT_EXPLAIN("每半年至少2次（不分段）",
                       "每半年至少2次，2次在该半年内任意时间完成，截止于该半年最后一天"
                       "（遇节假日顺延至下一个工作日）");
        EXPECT_EXPLAIN("每季度第2个月10日前",
                       "每季度一次，截止于该季度第2个月的10日（遇节假日顺延至下一个工作日）");
        EXPECT_EXPLAIN("原则上每季度至少一次", "每季度一次，截止于该季度最后一天（遇节假日顺延至"
                                               "下一个工作日）；原则上的要求：只提醒，不升级");
}

/* The structured form is explained the same way (one rule model). */
static void structured(void **s) {
        (void)s;
        Rule r;
        rule_init(&r);
        r.period = PERIOD_QUARTER, r.due_day = 20, r.move = MOVE_NONE;
        _cleanup_free_ char *got = rule_explain(&r);
        assert_string_equal(got, "每季度一次，截止于该季度最后一个月的20日（遇节假日不调整）");
        rule_init(&r);
        r.period = PERIOD_QUARTER, r.due_day = 10, r.due_month = 2;
        _cleanup_free_ char *second = rule_explain(&r);
        assert_string_equal(second,
                            "每季度一次，截止于该季度第2个月的10日（遇节假日顺延至下一个工作日）");
        rule_init(&r);
        r.period = PERIOD_HALF, r.count = 2, r.pacing = false;
        _cleanup_free_ char *unpaced = rule_explain(&r);
        assert_string_equal(unpaced,
                            "每半年至少2次，2次在该半年内任意时间完成，截止于该半年最后一天"
                            "（遇节假日顺延至下一个工作日）");
}

static char *next_dates(const Config *c, const char *phrase, Day from, size_t n) {
        Rule r;
        size_t off, got;
        const char *msg;
        assert_int_equal(rule_parse_phrase(phrase, &r, &off, &msg), 0);
        Occurrence occ[8];
        assert_int_equal(explain_next(c, &r, NULL, from, occ, n, &got), 0);
        rule_done(&r);
        Buf b = {0};
        for (size_t i = 0; i < got; i++) {
                char due[11], nominal[11];
                day_format(occ[i].due, due);
                day_format(occ[i].nominal, nominal);
                buf_printf(&b, "%s%s%s%s", i ? " " : "", due,
                           occ[i].due != occ[i].nominal ? "<" : "",
                           occ[i].due != occ[i].nominal ? nominal : "");
        }
        return buf_steal(&b);
}

#define EXPECT_NEXT(phrase, from, n, want)                                 \
        do {                                                               \
                _cleanup_free_ char *got = next_dates(c, phrase, from, n); \
                assert_string_equal(got, want);                            \
        } while (0)

static void next(void **s) {
        (void)s;
        Config *c = load_ok(yaml);
        Day sep1 = day_from_ymd(2026, 9, 1);
        /* 10-01 is 国庆 (to 10-07): postponed to 10-08; 11-01 is a Sunday. */
        EXPECT_NEXT("每月1日前", sep1, 3, "2026-09-01 2026-10-08<2026-10-01 2026-11-02<2026-11-01");
        /* Before 中秋 (from 09-25) and 国庆 (from 10-01): the last working days before them. */
        EXPECT_NEXT("重大节假日前", sep1, 2, "2026-09-24 2026-09-30");
        /* 2028-12-31 is a Sunday: 年终 moves earlier, to Friday the 29th. */
        EXPECT_NEXT("年终", sep1, 3, "2026-12-31 2027-12-31 2028-12-29<2028-12-31");
        /* Fewer than asked for when the range ends first is fine; `n` caps. */
        EXPECT_NEXT("每年3月15日前", sep1, 1, "2027-03-15");
        config_free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(sentences),
                cmocka_unit_test(kinds),
                cmocka_unit_test(structured),
                cmocka_unit_test(next),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
