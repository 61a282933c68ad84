/* Unit tests of the rule phrases: each phrase the documents use means exactly its structured
 * form; an unknown phrase is an error at its position. */
#include "testutil.h"

#include "phrase.h"

static Rule phrase(const char *s) {
        Rule r;
        size_t off;
        const char *msg;
        if (rule_parse_phrase(s, &r, &off, &msg) < 0)
                fail_msg("'%s' rejected at %zu: %s", s, off, msg);
        return r;
}

static Rule structured(PeriodKind p, int count) {
        Rule r;
        rule_init(&r);
        r.period = p;
        r.count = count;
        return r;
}

static void counts(void **s) {
        (void)s;
        struct {
                const char *phrase;
                PeriodKind period;
                int count;
        } cases[] = {
                {"每半年至少召开一次", PERIOD_HALF, 1},
                {"每半年组织召开", PERIOD_HALF, 1},
                {"每年至少组织一次", PERIOD_YEAR, 1},
                {"每年至少4次", PERIOD_YEAR, 4},
                {"每年至少2次", PERIOD_YEAR, 2},
                {"每月至少1次", PERIOD_MONTH, 1},
                {"每月至少一次", PERIOD_MONTH, 1},
                {"每季度召开一次", PERIOD_QUARTER, 1},
                {"每季度", PERIOD_QUARTER, 1},
                {"每年不少于4次", PERIOD_YEAR, 4},
                {"每月不少于一次", PERIOD_MONTH, 1},
                {"每月不少于两次", PERIOD_MONTH, 2},
                {"每年至少开展1次", PERIOD_YEAR, 1},
                {"每半年至少组织召开1次", PERIOD_HALF, 1},
                {"每季度至少主持召开1次", PERIOD_QUARTER, 1},
                {"每月至少组织召开1次", PERIOD_MONTH, 1},
                {"每周至少三次", PERIOD_WEEK, 3},
                {"每年至少十二次", PERIOD_YEAR, 12},
                {"每年至少二十四次", PERIOD_YEAR, 24},
                {"每年至少十次", PERIOD_YEAR, 10},
                {" 每年 至少 4 次 ", PERIOD_YEAR, 4},
                {"每\u3000季度", PERIOD_QUARTER, 1},
                {"每年至少4次以上", PERIOD_YEAR, 4},
                {"每年至少１２次", PERIOD_YEAR, 12},
                {"每年至少兩次。", PERIOD_YEAR, 2},
                {"每年至少召開一次；", PERIOD_YEAR, 1},
                {"一年两次", PERIOD_YEAR, 2},
                {"至少每季度一次", PERIOD_QUARTER, 1},
                {"每个月", PERIOD_MONTH, 1},
                {"每个季度", PERIOD_QUARTER, 1},
                {"每年度", PERIOD_YEAR, 1},
                {"按月", PERIOD_MONTH, 1},
                {"按季度", PERIOD_QUARTER, 1},
                {"每年不得少于2次", PERIOD_YEAR, 2},
                {"每年2次及以上", PERIOD_YEAR, 2},
                {"每年听取安全生产工作汇报不少于2次", PERIOD_YEAR, 2},
                {"每月对辖区企业进行一次检查", PERIOD_MONTH, 1},
                {"每半月", PERIOD_HALF_MONTH, 1},
                {"每半个月至少一次", PERIOD_HALF_MONTH, 1},
                {"每半月至少2次", PERIOD_HALF_MONTH, 2},
                {"每旬", PERIOD_DEKAD, 1},
                {"每旬报送一次", PERIOD_DEKAD, 1},
                {"每两个月", PERIOD_TWO_MONTHS, 1},
                {"每2个月至少一次", PERIOD_TWO_MONTHS, 1},
                {"每兩個月", PERIOD_TWO_MONTHS, 1},
                {"每3个月", PERIOD_QUARTER, 1},
                {"每6个月一次", PERIOD_HALF, 1},
        };
        Rule w = phrase("隔周一次"), w2 = phrase("每两周"), w3 = structured(PERIOD_WEEK, 1);
        w3.every = 2;
        assert_true(rule_equal(&w, &w3));
        assert_true(rule_equal(&w2, &w3));
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Rule a = phrase(cases[i].phrase), b = structured(cases[i].period, cases[i].count);
                if (!rule_equal(&a, &b))
                        fail_msg("%s: period %d count %d", cases[i].phrase, a.period, a.count);
                rule_done(&a);
        }
}

static void fixed_dates(void **s) {
        (void)s;
        Rule a = phrase("每月25日以前"), b = structured(PERIOD_MONTH, 1);
        b.due_day = 25;
        assert_true(rule_equal(&a, &b));
        a = phrase("每月25日以前完成");
        assert_true(rule_equal(&a, &b));
        a = phrase("每月25号前");
        assert_true(rule_equal(&a, &b));

        Rule y = structured(PERIOD_YEAR, 1);
        y.due_month = 1, y.due_day = DUE_DAY_LAST;
        a = phrase("每年1月底前");
        assert_true(rule_equal(&a, &y));
        y.after_period = true;
        a = phrase("每年1月底前提交上年度安全生产工作书面述职报告");
        assert_true(rule_equal(&a, &y));
        a = phrase("每年1月底前（上年度）");
        assert_true(rule_equal(&a, &y));
        Rule z = structured(PERIOD_YEAR, 1);
        z.due_month = 3, z.due_day = 15;
        a = phrase("每年3月15日前");
        assert_true(rule_equal(&a, &z));

        Rule prev = structured(PERIOD_MONTH, 1);
        prev.due_day = 5, prev.after_period = true;
        a = phrase("每月5日前报送上月安全生产情况");
        assert_true(rule_equal(&a, &prev));
        char *d = rule_describe(&a);
        assert_string_equal(d, "每月5日前（上月）");
        free(d);

        Rule e = structured(PERIOD_YEAR, 1);
        e.due_month = 12, e.due_day = DUE_DAY_LAST, e.move = MOVE_EARLIER;
        a = phrase("年终");
        assert_true(rule_equal(&a, &e));

        Rule h;
        rule_init(&h);
        h.before_holidays = true;
        a = phrase("重大节假日前");
        assert_true(rule_equal(&a, &h));
        assert_null(rule_validate(&h));
}

static void errors(void **s) {
        (void)s;
        struct {
                const char *phrase;
                size_t offset; /* bytes */
        } cases[] = {
                {"每秒至少一次", 3},     /* unknown period at 秒 */
                {"每年至少四回", 15},    /* 回 instead of 次 */
                {"每年至少次", 12},      /* no count */
                {"每年至少4次每月", 16}, /* a second frequency */
                {"经常", 0},             /* not a rule */
                {"每月32日以前", 6},     /* day out of range */
                {"每年13月底前", 6},     /* month out of range */
                {"每年至少0次", 12},     /* count 0 */
                {"", 0},
                {"每年至少四五次", 18},  /* two digits: at the second */
                {"每月2日前上年度", 13}, /* 上年度 only with a yearly rule */
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Rule r;
                size_t off = 999;
                const char *msg = NULL;
                int q = rule_parse_phrase(cases[i].phrase, &r, &off, &msg);
                if (q != -EINVAL)
                        fail_msg("'%s' accepted", cases[i].phrase);
                assert_non_null(msg);
                if (off != cases[i].offset)
                        fail_msg("'%s': offset %zu, expected %zu (%s)", cases[i].phrase, off,
                                 cases[i].offset, msg);
        }
}

/* Asserts that `s` is rejected and returns the byte offset of the error; *ret_msg its message. */
static size_t reject(const char *s, const char **ret_msg) {
        Rule r;
        size_t off = SIZE_MAX;
        if (rule_parse_phrase(s, &r, &off, ret_msg) != -EINVAL)
                fail_msg("'%s' accepted", s);
        return off;
}

/* Error positions point at the character the user typed, before normalisation. */
static void normalised_offsets(void **s) {
        (void)s;
        const char *msg;
        /* Full-width digits are 3 bytes each: 每(0)年(3)至少(6)４(12)回(15). */
        assert_int_equal(reject("每年至少４回", &msg), 15);
        assert_int_equal(reject("每年至少１０回。", &msg), 18);
        assert_int_equal(reject("每　年２月３０日前", &msg), 15);
}

/* Issue 13's bugs: each failed on the code before it. */
static void issue13_bugs(void **s) {
        (void)s;
        const char *msg;
        /* A bare phrase goes through rule_validate like {period: week, count: 8}. */
        assert_int_equal(reject("每周至少8次", &msg), 12);
        Rule w = structured(PERIOD_WEEK, 8);
        assert_string_equal(msg, rule_validate(&w));
        /* Counts beyond the days of a period would put checkpoint 1 before it starts. */
        Rule m = structured(PERIOD_MONTH, 29);
        assert_non_null(rule_validate(&m));
        m.count = 28;
        assert_null(rule_validate(&m));
        m.count = 29, m.pacing = false;
        assert_null(rule_validate(&m));
        assert_int_equal(reject("每年至少366次", &msg), 12);
        /* No 30 February, no silent clamping. */
        assert_int_equal(reject("每年2月30日前", &msg), 10);
        Rule f = structured(PERIOD_YEAR, 1);
        f.due_month = 2, f.due_day = 30;
        assert_non_null(rule_validate(&f));
        /* 年底前 is 年底. */
        Rule e = structured(PERIOD_YEAR, 1);
        e.due_month = 12, e.due_day = DUE_DAY_LAST, e.move = MOVE_EARLIER;
        const char *year_end[] = {"年底前", "年底", "年终前", "每年年底前", "年底前报送述职报告"};
        for (size_t i = 0; i < ELEMENTSOF(year_end); i++) {
                Rule a = phrase(year_end[i]);
                if (!rule_equal(&a, &e))
                        fail_msg("%s is not 年终", year_end[i]);
        }
        /* Text after 上年度 is the duty's, but a second date in it is an error as elsewhere. */
        assert_int_equal(reject("每年1月底前提交上年度报告每月25日前", &msg), 37);
        /* 每周一上报 is a weekday, not a count; 年终 is not named when the user wrote 年底. */
        Rule mon = phrase("每周一上报");
        assert_int_equal(mon.due_weekday, 1);
        assert_int_equal(mon.count, 1);
        assert_int_equal(reject("每周一至周五", &msg), 9);
        assert_int_equal(reject("每周五25点前", &msg), 9); /* at the time out of range */
        assert_int_equal(reject("年底考核", &msg), 6);
        assert_null(strstr(msg, "年终"));
        /* A sentence without a frequency is still an error. */
        assert_int_equal(reject("定期检查安全生产工作", &msg), 0);
}

/* Each of the `n` phrases means `want`. */
static void expect_all(const char *const *phrases, size_t n, const Rule *want) {
        for (size_t i = 0; i < n; i++) {
                Rule a = phrase(phrases[i]);
                char *d = rule_describe(&a);
                if (!rule_equal(&a, want))
                        fail_msg("%s: read as %s", phrases[i], d);
                free(d);
                rule_done(&a);
        }
}

/* 每N年 needs its epoch, from the phrase (自2025年起) or the key beside it. */
static void n_years(void **s) {
        (void)s;
        const char *msg;
        assert_int_equal(reject("每2年一次", &msg), 7);
        assert_non_null(strstr(msg, "epoch"));
        Rule b = structured(PERIOD_YEAR, 1);
        b.every = 2, b.epoch = 2025;
        const char *same[] = {"每2年一次（自2025年起）", "至少每两年一次，2025年起",
                              "每两年组织一次从2025年开始", "隔年一次自2025年起"};
        expect_all(same, ELEMENTSOF(same), &b);
        Rule r;
        size_t off;
        assert_int_equal(rule_parse_phrase_epoch("每2年", 2025, &r, &off, &msg), 0);
        assert_true(rule_equal(&r, &b));
        char *d = rule_describe(&r);
        assert_string_equal(d, "每2年至少1次（自2025年起）");
        free(d);
        /* every and epoch fit years and weeks only, epoch only with every. */
        b.period = PERIOD_MONTH;
        assert_non_null(rule_validate(&b));
        b = structured(PERIOD_YEAR, 1);
        b.epoch = 2025;
        assert_non_null(rule_validate(&b));
        b.every = 11;
        assert_non_null(rule_validate(&b));
        b.every = 2, b.count = 731;
        assert_non_null(rule_validate(&b));
        b.count = 366; /* 730 days: more than one year could hold */
        assert_null(rule_validate(&b));
        b.count = 24;
        assert_null(rule_validate(&b));
}

static void weekdays(void **s) {
        (void)s;
        Rule b = structured(PERIOD_WEEK, 1);
        b.due_weekday = 5;
        const char *fri[] = {"每周五前",   "每周五以前报送", "每星期五",
                             "每礼拜五前", "每週五前。",     "每周五前，遇节假日顺延"};
        expect_all(fri, ELEMENTSOF(fri), &b);
        b.move = MOVE_EARLIER;
        Rule a = phrase("每周五前，遇节假日提前");
        assert_true(rule_equal(&a, &b));
        char *d = rule_describe(&a);
        assert_string_equal(d, "每周五前（遇节假日提前）");
        free(d);
        a = phrase("每周日");
        assert_int_equal(a.due_weekday, 7);
        a = phrase("每周一次");
        assert_int_equal(a.due_weekday, 0);
        a = phrase("每周三次");
        assert_int_equal(a.count, 3);
        b = structured(PERIOD_MONTH, 1);
        b.due_weekday = 1;
        assert_non_null(rule_validate(&b));
}

static void period_ends(void **s) {
        (void)s;
        Rule q = structured(PERIOD_QUARTER, 1);
        q.due_day = 20;
        Rule a = phrase("每季度末20日");
        assert_true(rule_equal(&a, &q));
        char *d = rule_describe(&a);
        assert_string_equal(d, "每季度末20日前");
        free(d);
        Rule m = structured(PERIOD_MONTH, 1);
        m.due_day = DUE_DAY_LAST, m.move = MOVE_EARLIER;
        a = phrase("每月最后一个工作日");
        assert_true(rule_equal(&a, &m));
        d = rule_describe(&a);
        assert_string_equal(d, "每月最后一个工作日");
        free(d);
        Rule e = structured(PERIOD_YEAR, 1);
        e.due_month = 12, e.due_day = DUE_DAY_LAST, e.move = MOVE_EARLIER;
        a = phrase("每年最后一个工作日");
        assert_true(rule_equal(&a, &e));
        a = phrase("每季度末");
        Rule c = structured(PERIOD_QUARTER, 1);
        assert_true(rule_equal(&a, &c));
}

/* 原则上 (soft), 或委托 (delegable), 亲自 (personal): flags of the rule, shown by rule_describe. */
static void flags(void **s) {
        (void)s;
        Rule a = phrase("原则上每季度至少召开一次");
        assert_true(a.soft);
        assert_false(a.delegable || a.personal);
        char *d = rule_describe(&a);
        assert_string_equal(d, "（原则上）每季度至少1次");
        free(d);
        a = phrase("每年亲自主持或委托分管负责人主持召开2次");
        assert_true(a.personal && a.delegable);
        assert_false(a.soft);
        assert_int_equal(a.count, 2);
        d = rule_describe(&a);
        assert_string_equal(d, "（亲自，可委托）每年至少2次");
        Rule back = phrase(d);
        assert_true(rule_equal(&a, &back));
        free(d);
        a = phrase("每半年亲自听取一次汇报，不得委托");
        assert_true(a.personal);
        assert_false(a.delegable);
        a = phrase("原则上年终前完成");
        assert_true(a.soft);
        d = rule_describe(&a);
        assert_string_equal(d, "（原则上）年终");
        free(d);
        Rule b = structured(PERIOD_YEAR, 2);
        b.personal = b.delegable = true;
        a = phrase("每年親自或委託2次");
        assert_true(rule_equal(&a, &b));
}

static void year_lists(void **s) {
        (void)s;
        Rule b = structured(PERIOD_YEAR, 2);
        b.due_months = 1u << 6 | 1u << 12, b.due_day = DUE_DAY_LAST;
        Rule a = phrase("6月底和年底前");
        assert_true(rule_equal(&a, &b));
        assert_null(rule_validate(&b));
        b.count = 3;
        assert_non_null(rule_validate(&b));
        b.count = 2, b.due_day = 31;
        assert_non_null(rule_validate(&b)); /* no 31 June */
        Rule o = structured(PERIOD_YEAR, 1);
        o.once = 2027, o.due_month = 5, o.due_day = 30;
        a = phrase("2027年5月30日前");
        assert_true(rule_equal(&a, &o));
        o.due_month = 0;
        assert_non_null(rule_validate(&o));
        const char *msg;
        assert_int_equal(reject("5月30日前", &msg), 0);
        /* 每年年底或年初: the year from December, due at the end of January. */
        Rule w = structured(PERIOD_YEAR, 1);
        w.start_month = 12, w.due_month = 1, w.due_day = DUE_DAY_LAST;
        const char *window[] = {"每年年底或年初", "岁末年初", "每年年末或年初开展一次"};
        expect_all(window, ELEMENTSOF(window), &w);
        char *d = rule_describe(&w);
        assert_string_equal(d, "每年年底或年初");
        free(d);
        w.every = 2, w.epoch = 2025;
        assert_non_null(rule_validate(&w));
}

static void validate(void **s) {
        (void)s;
        Rule r = structured(PERIOD_WEEK, 1);
        r.due_day = 3;
        assert_non_null(rule_validate(&r));
        r = structured(PERIOD_QUARTER, 1);
        r.due_month = 4, r.due_day = 1;
        assert_non_null(rule_validate(&r));
        r.after_period = true;
        assert_null(rule_validate(&r));
        r = structured(PERIOD_NONE, 1);
        assert_non_null(rule_validate(&r));
}

static void describe(void **s) {
        (void)s;
        Rule a = phrase("每年至少4次");
        char *d = rule_describe(&a);
        assert_string_equal(d, "每年至少4次");
        free(d);
        a = phrase("每年1月底前提交上年度报告");
        d = rule_describe(&a);
        assert_string_equal(d, "每年1月底前（上年度）");
        free(d);
        a = phrase("每月25日以前");
        d = rule_describe(&a);
        assert_string_equal(d, "每月25日前");
        free(d);
}

/* 5月30日前 with no year: a one-off date in the year the caller gives (the config's today), and
 * said so; without one it is an error pointing at the date. */
static void test_yearless_date(void **state) {
        (void)state;
        Rule r;
        size_t off = 99;
        const char *msg = NULL;
        bool assumed = false;
        assert_int_equal(rule_parse_phrase_in("5月30日前报送", 0, 2026, &r, &off, &msg, &assumed),
                         0);
        assert_true(assumed);
        assert_int_equal(r.period, PERIOD_YEAR);
        assert_int_equal(r.once, 2026);
        assert_int_equal(r.due_month, 5);
        assert_int_equal(r.due_day, 30);
        rule_done(&r);
        assert_int_equal(rule_parse_phrase_in("每年5月30日前", 0, 2026, &r, &off, &msg, &assumed),
                         0);
        assert_false(assumed);
        assert_int_equal(r.once, 0);
        rule_done(&r);
        assert_int_equal(rule_parse_phrase_in("6月底前", 0, 2027, &r, &off, &msg, &assumed), 0);
        assert_int_equal(r.once, 2027);
        assert_int_equal(r.due_day, DUE_DAY_LAST);
        rule_done(&r);
        assert_int_equal(rule_parse_phrase("安全检查5月30日前", &r, &off, &msg), -EINVAL);
        assert_int_equal(off, strlen("安全检查"));
        assert_non_null(strstr(msg, "without a year"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_yearless_date),
                cmocka_unit_test(counts),
                cmocka_unit_test(fixed_dates),
                cmocka_unit_test(errors),
                cmocka_unit_test(validate),
                cmocka_unit_test(describe),
                cmocka_unit_test(normalised_offsets),
                cmocka_unit_test(issue13_bugs),
                cmocka_unit_test(n_years),
                cmocka_unit_test(weekdays),
                cmocka_unit_test(period_ends),
                cmocka_unit_test(flags),
                cmocka_unit_test(year_lists),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
