/* Unit tests of the planner: which reminders fire in a time range, the catch-up after downtime
 * (only the latest missed reminder of an occurrence), silence once a checkpoint is met, the next
 * wake-up, and the overdue count. */
#include "testutil.h"

#include <stdlib.h>

#include "completion.h"
#include "planner.h"
#include "store.h"
#include "tz.h"

static const char *const yaml = "organization: {name: 测试镇}\n"
                                "posts: [{id: zz, name: 镇长}]\n"
                                "people: [{id: a, name: 张三, posts: [zz]}]\n"
                                "duties:\n"
                                "  - {id: d, post: zz, title: 带队检查, rule: 每月25日以前}\n";

static time_t at(int y, int mo, int d, int h, int mi) {
        return tz_instant(day_from_ymd(y, mo, d), h * 60 + mi);
}

static PlanWindow window(const Config *c, Day track_from, Day d0, Day d1) {
        PlanWindow w;
        assert_int_equal(planner_window(c, track_from, d0, d1, &w), 0);
        return w;
}

static void on_time_and_missed(void **s) {
        (void)s;
        Config *c = load_ok(yaml);
        /* Tracking from April: January to March would be overdue and fire every day. */
        Day track = day_from_ymd(2026, 4, 1);
        /* 2026-04: due Mon 04-27 (25th is a Saturday); reminders 04-20, 04-24, 04-27, then
         * overdue 04-28, 04-29, 04-30 (escalation) … */
        PlanWindow w = window(c, track, day_from_ymd(2026, 4, 18), day_from_ymd(2026, 4, 30));
        PlannedList l = {0};
        assert_int_equal(
                planner_due(c, NULL, &w, at(2026, 4, 20, 8, 0), at(2026, 4, 20, 9, 0), 600, &l), 0);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.items[0].f.rem.step, "b7");
        assert_false(l.items[0].missed);
        assert_int_equal(l.items[0].at, at(2026, 4, 20, 9, 0));
        planned_list_done(&l);
        /* Down from 04-19 until 04-28 10:00: four reminders fell meanwhile; only the latest
         * (overdue 1 day, 04-28 09:00) is kept, marked missed, for the digest. */
        assert_int_equal(
                planner_due(c, NULL, &w, at(2026, 4, 19, 0, 0), at(2026, 4, 28, 10, 0), 600, &l),
                0);
        assert_int_equal(l.n, 1);
        assert_true(l.items[0].missed);
        assert_string_equal(l.items[0].f.rem.step, "o1");
        planned_list_done(&l);
        /* Back at 09:05 on 04-28: the 09:00 one is on time (within the grace), nothing missed. */
        assert_int_equal(
                planner_due(c, NULL, &w, at(2026, 4, 19, 0, 0), at(2026, 4, 28, 9, 5), 600, &l), 0);
        assert_int_equal(l.n, 1);
        assert_false(l.items[0].missed);
        planned_list_done(&l);
        /* Outside the window: refused, not guessed. */
        assert_int_equal(
                planner_due(c, NULL, &w, at(2026, 4, 1, 0, 0), at(2026, 4, 20, 9, 0), 600, &l),
                -ERANGE);
        plan_window_done(&w);
        config_free(c);
}

static void earlier_months_nag_every_day(void **s) {
        (void)s;
        Config *c = load_ok(yaml);
        PlanWindow w = window(c, day_from_ymd(2026, 1, 1), day_from_ymd(2026, 4, 18),
                              day_from_ymd(2026, 4, 30));
        PlannedList l = {0};
        /* Tracking since January: January–March are overdue (escalated) on 04-20 as well. */
        assert_int_equal(
                planner_due(c, NULL, &w, at(2026, 4, 20, 8, 0), at(2026, 4, 20, 9, 0), 600, &l), 0);
        assert_int_equal(l.n, 4);
        size_t esc = 0;
        for (size_t i = 0; i < l.n; i++)
                esc += l.items[i].f.rem.kind == REMIND_ESCALATION;
        assert_int_equal(esc, 3);
        assert_int_equal(planner_overdue_count(c, NULL, &w, day_from_ymd(2026, 4, 20)), 3);
        planned_list_done(&l);
        plan_window_done(&w);
        config_free(c);
}

static void next_and_overdue(void **s) {
        (void)s;
        Config *c = load_ok(yaml);
        PlanWindow w = window(c, day_from_ymd(2026, 4, 1), day_from_ymd(2026, 4, 20),
                              day_from_ymd(2026, 4, 30));
        time_t next;
        Planned first;
        assert_int_equal(planner_next(c, NULL, &w, at(2026, 4, 20, 9, 0), &next, &first), 0);
        assert_int_equal(next, at(2026, 4, 24, 9, 0)); /* 1 day before: Sun 26th → Fri 24th */
        assert_string_equal(first.f.rem.step, "b1");
        assert_int_equal(planner_overdue_count(c, NULL, &w, day_from_ymd(2026, 4, 29)), 1);
        plan_window_done(&w);
        /* Nothing due before the day dutyd started keeping the schedule is nagged about. */
        w = window(c, day_from_ymd(2026, 4, 28), day_from_ymd(2026, 4, 28),
                   day_from_ymd(2026, 4, 30));
        assert_int_equal(planner_overdue_count(c, NULL, &w, day_from_ymd(2026, 4, 29)), 0);
        PlannedList l = {0};
        assert_int_equal(
                planner_due(c, NULL, &w, at(2026, 4, 28, 0, 0), at(2026, 4, 30, 10, 0), 600, &l),
                0);
        assert_int_equal(l.n, 0);
        plan_window_done(&w);
        config_free(c);
}

static void met_checkpoint_is_silent(void **s) {
        (void)s;
        Config *c = load_ok(yaml);
        char dir[] = "/tmp/dutyd-planner-XXXXXX";
        assert_non_null(mkdtemp(dir));
        Store *st = NULL;
        assert_int_equal(store_open(dir, &st), 0);
        assert_int_equal(completion_init(st), 0);
        Occurrence o;
        assert_int_equal(schedule_find(c, "d:zz:2026-04:1", &o), 0);
        CompletionInput in = {.occ = &o, .done_by = "a", .date = day_from_ymd(2026, 4, 22)};
        assert_int_equal(completion_add(st, c, &in, NULL), 0);
        Ledger *lg = NULL;
        assert_int_equal(ledger_load(st, &lg), 0);
        PlanWindow w = window(c, day_from_ymd(2026, 4, 1), day_from_ymd(2026, 4, 18),
                              day_from_ymd(2026, 4, 30));
        PlannedList l = {0};
        assert_int_equal(
                planner_due(c, lg, &w, at(2026, 4, 18, 0, 0), at(2026, 4, 30, 10, 0), 600, &l), 0);
        /* 04-20 (before it was done) is in range, but met now: nothing at all. */
        assert_int_equal(l.n, 0);
        assert_int_equal(planner_overdue_count(c, lg, &w, day_from_ymd(2026, 4, 29)), 0);
        planned_list_done(&l);
        plan_window_done(&w);
        ledger_free(lg);
        store_close(st);
        rm_tree(dir);
        config_free(c);
}

int main(void) {
        (void)tz_use("Asia/Shanghai");
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(on_time_and_missed),
                cmocka_unit_test(earlier_months_nag_every_day),
                cmocka_unit_test(next_and_overdue),
                cmocka_unit_test(met_checkpoint_is_silent),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
