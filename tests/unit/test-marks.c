/* The marks of a rule (原则上, 亲自, 可委托; issue #13) where people see them: a soft duty is
 * reminded when overdue but never escalated, and the marks stand beside the duty's title in a
 * reminder, in the calendar event's description and in the report. */
#include "testutil.h"

#include "icalevent.h"
#include "ledger.h"
#include "report.h"
#include "route.h"
#include "schedule.h"

static const char *const yaml = "organization: {name: 测试镇}\n"
                                "posts:\n"
                                "  - {id: p, name: 镇长, escalate_to: [j]}\n"
                                "  - {id: j, name: 纪委书记}\n"
                                "people: [{id: a, name: 张三, posts: [p]}]\n"
                                "duties:\n"
                                "  - {id: s, post: p, title: 调研, rule: 原则上每月至少一次}\n"
                                "  - {id: h, post: p, title: 检查, rule: 每月至少一次}\n"
                                "  - {id: d, post: p, title: 述职, rule: 亲自或委托每年至少1次}\n";

/* The kinds of the overdue reminders of duty `duty`'s November occurrence, in December. */
static char *overdue_kinds(const Config *c, size_t duty) {
        OccurrenceList l = {0};
        assert_int_equal(schedule_plan_assignment(c, duty, 0, -1, day_from_ymd(2026, 11, 15),
                                                  day_from_ymd(2026, 11, 30), &l),
                         0);
        assert_int_equal(l.n, 1);
        Reminder r[32];
        size_t n = schedule_reminders(c, &l.items[0], day_from_ymd(2026, 12, 1),
                                      day_from_ymd(2026, 12, 10), r, 32);
        occurrence_list_done(&l);
        Buf b = {0};
        for (size_t i = 0; i < n; i++)
                buf_printf(&b, "%s%s", i ? " " : "", reminder_kind_to_string(r[i].kind));
        return buf_steal(&b);
}

static void soft_never_escalates(void **s) {
        (void)s;
        Config *c = load_ok(yaml);
        _cleanup_free_ char *hard = overdue_kinds(c, 1), *soft = overdue_kinds(c, 0);
        /* Working days from 12-01: late 1..8; escalation from the 3rd working day late. */
        assert_non_null(strstr(hard, "escalation"));
        assert_null(strstr(soft, "escalation"));
        assert_non_null(strstr(soft, "overdue"));
        config_free(c);
}

static void shown_with_the_title(void **s) {
        (void)s;
        Config *c = load_ok(yaml);
        OccurrenceList l = {0};
        assert_int_equal(schedule_plan_assignment(c, 0, 0, -1, day_from_ymd(2026, 12, 1),
                                                  day_from_ymd(2026, 12, 31), &l),
                         0);
        Firing f = {.occ = l.items[0], .rem = {.kind = REMIND_DUE_TODAY}};
        RouteItem it;
        assert_int_equal(route_item(c, &f, NULL, &it), 0);
        assert_string_equal(it.item.title, "调研（原则上）");
        route_item_done(&it);
        Buf b = {0};
        ical_duty_text(c, &c->duties[2], 'W', &b);
        _cleanup_free_ char *what = buf_steal(&b);
        assert_string_equal(what, "事项：述职（其他）\n要求：亲自，可委托");
        b = (Buf){0};
        ical_duty_text(c, &c->duties[1], 'W', &b);
        _cleanup_free_ char *plain = buf_steal(&b);
        assert_string_equal(plain, "事项：检查（其他）");
        Ledger *led = NULL;
        assert_int_equal(ledger_new(NULL, 0, &led), 0);
        Report rep;
        assert_int_equal(report_build(c, led, day_from_ymd(2026, 1, 1), day_from_ymd(2026, 12, 31),
                                      day_from_ymd(2026, 12, 1), -1, -1, &rep),
                         0);
        _cleanup_free_ char *csv = NULL, *json = NULL;
        assert_int_equal(report_format_csv(c, &rep, &csv), 0);
        assert_non_null(strstr(csv, "调研（原则上）"));
        assert_non_null(strstr(csv, "述职（亲自，可委托）"));
        assert_int_equal(report_format_json(c, &rep, "2026", &json), 0);
        assert_non_null(strstr(json, "\"marks\": \"原则上\""));
        report_done(&rep);
        ledger_free(led);
        occurrence_list_done(&l);
        config_free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(soft_never_escalates),
                cmocka_unit_test(shown_with_the_title),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
