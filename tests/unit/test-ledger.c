/* test-ledger.c — the ledger in memory (ledger.h): completions fill an occurrence, and the one
 * set of words for its status, as the done page, dutyctl done and upcoming show it; who met it. */
#include "testutil.h"

#include "ledger.h"
#include "schedule.h"

/* Two completions a month, one checkpoint at the month's end (2026-11-30, a Monday). */
static const char *YAML = "organization: {name: 测试镇}\n"
                          "posts:\n  - {id: zz, name: 镇长}\n"
                          "people:\n  - {id: a, name: 张三, posts: [zz]}\n"
                          "  - {id: b, name: 李四, posts: [zz]}\n"
                          "duties:\n  - {id: q, post: zz, title: 检查, "
                          "rule: {period: month, count: 2, pacing: false}}\n";

/* The status of q:zz:2026-11:1 on `today` with the completions dated `dates` (the first by a,
 * the others by b), and in *ret_l the ledger it points into. */
static OccStatus status_with(const Config *c, const Day *dates, size_t n, Day today,
                             Ledger **ret_l) {
        Completion v[4];
        assert_true(n <= ELEMENTSOF(v));
        for (size_t i = 0; i < n; i++)
                v[i] = (Completion){.duty = (char *)"q",
                                    .post = (char *)"zz",
                                    .person = (char *)"",
                                    .period = (char *)"2026-11",
                                    .done_by = (char *)(i == 0 ? "a" : "b"),
                                    .date = dates[i]};
        Ledger *l = NULL;
        assert_int_equal(ledger_new(v, n, &l), 0);
        Occurrence o;
        assert_int_equal(schedule_find(c, "q:zz:2026-11:1", &o), 0);
        OccStatus st;
        ledger_status(l, c, &o, today, &st);
        *ret_l = l;
        return st;
}

static void test_status_words(void **state) {
        (void)state;
        Config *c = load_ok(YAML);
        const Day nov5 = day_from_ymd(2026, 11, 5), nov20 = day_from_ymd(2026, 11, 20);
        const Day nov10 = day_from_ymd(2026, 11, 10), dec2 = day_from_ymd(2026, 12, 2);
        const struct {
                Day dates[2];
                size_t n;
                Day today;
                OccState state;
                const char *zh, *key;
        } cases[] = {
                {{0}, 0, nov10, OCC_OPEN, "未完成", "open"},
                {{nov5}, 1, nov10, OCC_PARTIAL, "部分完成", "partial"},
                {{0}, 0, dec2, OCC_OVERDUE, "逾期未完成", "overdue"},
                /* Past the deadline, half done: overdue (the count is shown beside it). */
                {{nov5}, 1, dec2, OCC_OVERDUE, "逾期未完成", "overdue"},
                {{nov5, nov20}, 2, dec2, OCC_MET, "已完成", "done"},
                {{nov5, dec2}, 2, dec2, OCC_MET_LATE, "逾期完成", "late"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Ledger *l = NULL;
                OccStatus st = status_with(c, cases[i].dates, cases[i].n, cases[i].today, &l);
                assert_int_equal(st.required, 2);
                assert_int_equal(st.done, (int)cases[i].n);
                assert_int_equal(occ_state(&st), cases[i].state);
                assert_string_equal(occ_status_zh(&st), cases[i].zh);
                assert_string_equal(occ_status_key(&st), cases[i].key);
                /* Who met it, and when: the completion that met it. */
                if (st.met) {
                        assert_int_equal(st.met_on, cases[i].dates[1]);
                        assert_string_equal(st.met_by, "b");
                } else
                        assert_null(st.met_by);
                ledger_free(l);
        }
        config_free(c);
}

/* A completion that names nobody: met, by no one known. */
static void test_met_by_nobody(void **state) {
        (void)state;
        Config *c = load_ok(YAML);
        Completion v[2];
        for (size_t i = 0; i < 2; i++)
                v[i] = (Completion){.duty = (char *)"q",
                                    .post = (char *)"zz",
                                    .person = (char *)"",
                                    .period = (char *)"2026-11",
                                    .done_by = i == 0 ? (char *)"a" : (char *)"",
                                    .date = day_from_ymd(2026, 11, 3 + (int)i)};
        Ledger *l = NULL;
        assert_int_equal(ledger_new(v, 2, &l), 0);
        Occurrence o;
        assert_int_equal(schedule_find(c, "q:zz:2026-11:1", &o), 0);
        OccStatus st;
        ledger_status(l, c, &o, day_from_ymd(2026, 11, 10), &st);
        assert_true(st.met);
        assert_int_equal(st.met_on, day_from_ymd(2026, 11, 4));
        assert_null(st.met_by);
        v[1].done_by = NULL;
        ledger_free(l);
        assert_int_equal(ledger_new(v, 2, &l), 0);
        ledger_status(l, c, &o, day_from_ymd(2026, 11, 10), &st);
        assert_true(st.met);
        assert_null(st.met_by);
        ledger_free(l);
        config_free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_status_words),
                cmocka_unit_test(test_met_by_nobody),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
