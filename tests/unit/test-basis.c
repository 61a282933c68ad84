/* test-basis.c — the duty's basis (依据) has one source, config.h's duty_basis() and
 * duty_basis_full(): the texts of each form for every combination of document title, number
 * and clause, and route_item() (a reminder's 依据) citing the full form. */
#include "testutil.h"

#include "route.h"
#include "schedule.h"

static const char yaml[] =
        "organization: {name: 测试镇}\n"
        "documents:\n"
        "  - {id: both, title: 安全生产责任制实施意见, number: 大发〔2019〕45号}\n"
        "  - {id: titled, title: 履职清单}\n"
        "posts:\n"
        "  - {id: mayor, name: 镇长}\n"
        "people:\n"
        "  - {id: zhang, name: 张三, posts: [mayor]}\n"
        "duties:\n"
        "  - {id: d1, post: mayor, title: 例会, document: both, clause: 二、（一）3, rule: 每季度召开一次}\n"
        "  - {id: d2, post: mayor, title: 检查, document: both, rule: 每季度召开一次}\n"
        "  - {id: d3, post: mayor, title: 演练, document: titled, clause: 第三条, rule: 每季度召开一次}\n"
        "  - {id: d4, post: mayor, title: 述职, document: titled, rule: 每季度召开一次}\n"
        "  - {id: d5, post: mayor, title: 学习, clause: 第五条, rule: 每季度召开一次}\n"
        "  - {id: d6, post: mayor, title: 其他, rule: 每季度召开一次}\n";

static void expect(const Config *c, const char *duty, const char *shorter, const char *full) {
        ssize_t di = config_find_duty(c, duty);
        assert_true(di >= 0);
        const Duty *d = &c->duties[di];
        _cleanup_free_ char *s = duty_basis(c, d), *f = duty_basis_full(c, d);
        assert_string_equal(s, shorter);
        assert_string_equal(f, full);
        /* A reminder cites the full form (NULL when there is none). */
        Firing fi = {.occ = {.duty = (uint32_t)di, .post = 0, .person = -1, .holiday = -1}};
        Occurrence o;
        char id[64];
        snprintf(id, sizeof(id), "%s:mayor:2026-Q4:1", duty);
        assert_int_equal(schedule_find(c, id, &o), 0);
        fi.occ = o;
        fi.rem = (Reminder){.kind = REMIND_UPCOMING, .day = o.due - 7, .minute = 540, .days = 7};
        RouteItem it;
        assert_int_equal(route_item(c, &fi, NULL, &it), 0);
        if (*full)
                assert_string_equal(it.item.basis, full);
        else
                assert_null(it.item.basis);
        route_item_done(&it);
}

static void test_forms(void **state) {
        (void)state;
        Config *c = load_ok(yaml);
        expect(c, "d1", "大发〔2019〕45号 二、（一）3",
               "《安全生产责任制实施意见》（大发〔2019〕45号） 二、（一）3");
        expect(c, "d2", "大发〔2019〕45号", "《安全生产责任制实施意见》（大发〔2019〕45号）");
        expect(c, "d3", "履职清单 第三条", "《履职清单》 第三条");
        expect(c, "d4", "履职清单", "《履职清单》");
        expect(c, "d5", "第五条", "第五条");
        expect(c, "d6", "", "");
        config_free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_forms),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
