/* Unit tests of events' clocks (issue 16, 国务院令第493号): the grammar of within/every/window
 * and its phrases, and hand-computed golden deadlines and reminders of an event opened at 23:30
 * on the eve of 国庆 2026 (holidays 10-01 … 10-07, make-up working day 10-10), its record to the
 * minute, and the planner waking for its reminders. */
#include "testutil.h"

#include <stdlib.h>

#include "eventclock.h"
#include "eventrecord.h"
#include "eventrule.h"
#include "planner.h"
#include "tz.h"

static const char *const yaml =
        "organization: {name: 测试镇}\n"
        "posts: [{id: zz, name: 镇长, escalate_to: [sj]}, {id: sj, name: 书记},"
        " {id: aj, name: 安监站长}]\n"
        "people: [{id: a, name: 张三, posts: [sj]}, {id: b, name: 李四, posts: [zz]},"
        " {id: c, name: 王五, posts: [aj]}]\n"
        "duties:\n"
        "  - {id: r1, post: aj, title: 向县报告, event: 事故, within: 1小时内}\n"
        "  - {id: r2, post: zz, title: 向市报告, event: 事故, within: 2h, levels: [较大, 重大]}\n"
        "  - {id: xu, post: aj, title: 续报, event: 事故, every: 每日续报}\n"
        "  - {id: bu, post: aj, title: 补报, event: 事故, window: 30日内补报}\n"
        "  - {id: b7, post: aj, title: 交通补报, event: 事故, clock: 7日内补报, levels: [一般]}\n"
        "  - {id: tw, post: zz, title: 重大续报, event: 事故, every: 每天两次续报, levels: [重大]}\n"
        "  - {id: al, post: zz, title: 通知, event: 事故}\n";

static time_t at(int y, int mo, int d, int h, int mi) {
        return tz_instant(day_from_ymd(y, mo, d), h * 60 + mi);
}

static void grammar(void **s) {
        (void)s;
        static const struct {
                const char *text;
                EventClockKind want, kind;
                int minutes;
        } ok[] = {
                {"1小时内", CLOCK_NONE, CLOCK_WITHIN, 60},
                {"2小时内", CLOCK_WITHIN, CLOCK_WITHIN, 120},
                {"24小时内报告", CLOCK_NONE, CLOCK_WITHIN, 1440},
                {"30分钟内", CLOCK_NONE, CLOCK_WITHIN, 30},
                {"30m", CLOCK_WITHIN, CLOCK_WITHIN, 30},
                {"1h", CLOCK_WITHIN, CLOCK_WITHIN, 60},
                {"7d", CLOCK_WITHIN, CLOCK_WITHIN, 7 * 1440},
                {"每日续报", CLOCK_NONE, CLOCK_EVERY, 1440},
                {"每天两次续报", CLOCK_EVERY, CLOCK_EVERY, 720},
                {"每日2次续报", CLOCK_EVERY, CLOCK_EVERY, 720},
                {"每12小时续报", CLOCK_EVERY, CLOCK_EVERY, 720},
                {"12h", CLOCK_EVERY, CLOCK_EVERY, 720},
                {"1d", CLOCK_EVERY, CLOCK_EVERY, 1440},
                {"30日内补报", CLOCK_NONE, CLOCK_WINDOW, 30 * 1440},
                {"7日内补报", CLOCK_WINDOW, CLOCK_WINDOW, 7 * 1440},
                {"30d", CLOCK_WINDOW, CLOCK_WINDOW, 30 * 1440},
        };
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                EventClock k;
                size_t off;
                const char *msg;
                assert_int_equal(eventrule_parse(ok[i].text, ok[i].want, &k, &off, &msg), 0);
                assert_int_equal(k.kind, ok[i].kind);
                assert_int_equal(k.minutes, ok[i].minutes);
        }
        static const struct {
                const char *text;
                EventClockKind want;
                size_t off;
        } bad[] = {
                {"1小时", CLOCK_NONE, 1},          /* 小时 without 内 */
                {"每日续报", CLOCK_WITHIN, 0},     /* a recurring report under within */
                {"2小时内", CLOCK_WINDOW, 0},      /* hours under window */
                {"36h", CLOCK_WINDOW, 0},          /* a window is in days */
                {"每日续报吧", CLOCK_NONE, 12},    /* trailing text */
                {"0h", CLOCK_WITHIN, 1},           /* nothing */
                {"10m", CLOCK_EVERY, 0},           /* too often */
                {"1小时内上报了", CLOCK_NONE, 16}, /* trailing text */
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                EventClock k;
                size_t off = 99;
                const char *msg = NULL;
                assert_int_equal(eventrule_parse(bad[i].text, bad[i].want, &k, &off, &msg),
                                 -EINVAL);
                assert_non_null(msg);
                assert_int_equal(off, bad[i].off);
        }
        char buf[200];
        EventClock k = {CLOCK_EVERY, 720};
        eventrule_canonical(&k, buf, sizeof(buf));
        assert_string_equal(buf, "every: 12h");
        eventrule_describe(&k, buf, sizeof(buf));
        assert_string_equal(buf, "事件发生后每天2次续报（每12小时一次），直至事件结束");
        k = (EventClock){CLOCK_WITHIN, 60};
        eventrule_describe(&k, buf, sizeof(buf));
        assert_string_equal(buf, "事件发生后1小时内报告");
}

static const Occurrence *find(const OccurrenceList *l, const Config *c, const char *id) {
        for (size_t i = 0; i < l->n; i++) {
                char buf[OCCURRENCE_ID_MAX];
                occurrence_id(c, &l->items[i], buf, sizeof(buf));
                if (streq(buf, id))
                        return &l->items[i];
        }
        fail_msg("no %s", id);
        return NULL;
}

static void due_is(const OccurrenceList *l, const Config *c, const char *id, const char *want) {
        char due[17];
        eventclock_due_text(find(l, c, id), due);
        assert_string_equal(due, want);
}

/* 较大事故 at 2026-09-30 23:30, closed 10-03 08:00: hand-computed deadlines. */
static void golden_deadlines(void **s) {
        (void)s;
        Config *c = load_ok(yaml);
        EventRec e = {.id = 17,
                      .event = "事故",
                      .level = "较大",
                      .at = at(2026, 9, 30, 23, 30),
                      .closed = at(2026, 10, 3, 8, 0)};
        OccurrenceList l = {0};
        assert_int_equal(eventclock_occurrences(c, &e, 1, at(2026, 12, 31, 0, 0), &l), 0);
        /* r1 1h, r2 2h, xu reports of 10-01 23:30 and 10-02 23:30 (the third, 10-03 23:30, is
         * after the close), bu 30 days: the 30th day after 09-30 is Friday 10-30, a working
         * day. b7 and tw are for other levels; al has no clock. */
        assert_int_equal(l.n, 5);
        due_is(&l, c, "r1:aj:ev17:1", "2026-10-01 00:30");
        due_is(&l, c, "r2:zz:ev17:1", "2026-10-01 01:30");
        due_is(&l, c, "xu:aj:ev17:1", "2026-10-01 23:30");
        due_is(&l, c, "xu:aj:ev17:2", "2026-10-02 23:30");
        due_is(&l, c, "bu:aj:ev17:1", "2026-10-30 24:00");
        assert_int_equal(eventclock_deadline(find(&l, c, "bu:aj:ev17:1")), at(2026, 10, 31, 0, 0));
        occurrence_list_done(&l);

        /* 一般事故, same minute: the 7-day supplementary report's last day, 10-07, is in 国庆:
         * it moves to the next working day, Thursday 10-08 (民法典第二百零三条). */
        e.level = "一般", e.closed = 0;
        assert_int_equal(eventclock_occurrences(c, &e, 1, at(2026, 10, 3, 0, 0), &l), 0);
        due_is(&l, c, "b7:aj:ev17:1", "2026-10-08 24:00");
        assert_int_equal(l.n, 5); /* r1, xu ×2 (up to 10-03 00:00), bu, b7 */
        occurrence_list_done(&l);

        /* 重大: twice-daily reports at 11:30 and 23:30. */
        e.level = "重大";
        assert_int_equal(eventclock_occurrences(c, &e, 1, at(2026, 10, 2, 0, 0), &l), 0);
        due_is(&l, c, "tw:zz:ev17:1", "2026-10-01 11:30");
        due_is(&l, c, "tw:zz:ev17:2", "2026-10-01 23:30");
        occurrence_list_done(&l);

        /* Ids are found again; a closed event's later report is not. */
        Occurrence o;
        e.level = "较大", e.closed = at(2026, 10, 3, 8, 0);
        assert_int_equal(eventclock_find(c, &e, 1, "xu:aj:ev17:2", at(2027, 1, 1, 0, 0), &o), 0);
        assert_int_equal(o.checkpoint, 2);
        assert_int_equal(eventclock_find(c, &e, 1, "xu:aj:ev17:3", at(2027, 1, 1, 0, 0), &o),
                         -ENOENT);
        assert_int_equal(eventclock_find(c, &e, 1, "xu:aj:ev18:1", at(2027, 1, 1, 0, 0), &o),
                         -ENOENT);
        assert_true(eventclock_is_id("r1:aj:ev17:1"));
        assert_false(eventclock_is_id("r1:aj:2026-11:1"));
        config_free(c);
}

static void reminders_are(const Config *c, const Occurrence *o, const char *const *want,
                          size_t n_want) {
        Reminder rem[8];
        size_t n = eventclock_reminders(c, o, o->period_start, o->due + 2, rem, ELEMENTSOF(rem));
        assert_int_equal(n, n_want);
        for (size_t i = 0; i < n; i++) {
                char when[17], got[40];
                tz_format(tz_instant(rem[i].day, rem[i].minute), when);
                snprintf(got, sizeof(got), "%s %s", rem[i].step, when);
                assert_string_equal(got, want[i]);
                assert_int_equal(rem[i].kind,
                                 streq(rem[i].step, "esc") ? REMIND_ESCALATION : REMIND_EVENT);
        }
}

static void golden_reminders(void **s) {
        (void)s;
        Config *c = load_ok(yaml);
        EventRec e = {.id = 17, .event = "事故", .level = "较大", .at = at(2026, 9, 30, 23, 30)};
        OccurrenceList l = {0};
        assert_int_equal(eventclock_occurrences(c, &e, 1, at(2026, 10, 2, 0, 0), &l), 0);
        const char *r1[] = {"half 2026-10-01 00:00", "lead 2026-10-01 00:20",
                            "due 2026-10-01 00:30", "esc 2026-10-01 00:40"};
        reminders_are(c, find(&l, c, "r1:aj:ev17:1"), r1, ELEMENTSOF(r1));
        const char *r2[] = {"half 2026-10-01 00:30", "lead 2026-10-01 01:20",
                            "due 2026-10-01 01:30", "esc 2026-10-01 01:40"};
        reminders_are(c, find(&l, c, "r2:zz:ev17:1"), r2, ELEMENTSOF(r2));
        const char *xu[] = {"half 2026-10-01 11:30", "lead 2026-10-01 23:20",
                            "due 2026-10-01 23:30", "esc 2026-10-01 23:40"};
        reminders_are(c, find(&l, c, "xu:aj:ev17:1"), xu, ELEMENTSOF(xu));
        /* 30 days from 09-30: the middle day 10-15 and the last day 10-30 at 09:00, the
         * escalation on 10-31 at 09:00. */
        const char *bu[] = {"half 2026-10-15 09:00", "lead 2026-10-30 09:00",
                            "esc 2026-10-31 09:00"};
        reminders_are(c, find(&l, c, "bu:aj:ev17:1"), bu, ELEMENTSOF(bu));
        Reminder rem[8];
        size_t n = eventclock_reminders(c, find(&l, c, "r1:aj:ev17:1"), day_from_ymd(2026, 10, 1),
                                        day_from_ymd(2026, 10, 1), rem, ELEMENTSOF(rem));
        _cleanup_free_ char *note = eventclock_note(c, find(&l, c, "r1:aj:ev17:1"), &rem[1]);
        assert_int_equal(n, 4);
        assert_string_equal(note, "（事件编号 17）报告须在 2026-10-01 00:30 前完成，还剩10分钟。");
        occurrence_list_done(&l);

        /* The planner wakes for them, to the minute, and fires each once. */
        PlanWindow w;
        assert_int_equal(planner_window(c, day_from_ymd(2026, 9, 1), day_from_ymd(2026, 9, 30),
                                        day_from_ymd(2026, 10, 8), &w),
                         0);
        assert_int_equal(planner_add_events(c, &w, &e, 1), 0);
        time_t next;
        Planned first;
        assert_int_equal(planner_next(c, NULL, &w, at(2026, 9, 30, 23, 30), &next, &first), 0);
        assert_int_equal(next, at(2026, 10, 1, 0, 0));
        assert_string_equal(first.f.rem.step, "half");
        PlannedList pl = {0};
        assert_int_equal(
                planner_due(c, NULL, &w, at(2026, 9, 30, 23, 30), at(2026, 10, 1, 1, 40), 600, &pl),
                0);
        /* r1: half, lead, due, esc; r2: half, lead, due, esc; the last ones on time. */
        size_t esc = 0;
        for (size_t i = 0; i < pl.n; i++)
                esc += pl.items[i].f.rem.kind == REMIND_ESCALATION;
        assert_true(esc >= 1);
        assert_int_equal(pl.items[pl.n - 1].at, at(2026, 10, 1, 1, 40));
        assert_int_equal(pl.items[pl.n - 1].f.rem.kind, REMIND_ESCALATION);
        planned_list_done(&pl);
        plan_window_done(&w);
        config_free(c);
}

/* Met or missed to the minute: r1 done at 00:20 (on time), r2 at 01:42 (12 minutes late), the
 * first daily report missed, the 30-day one open. */
static void golden_record(void **s) {
        (void)s;
        Config *c = load_ok(yaml);
        EventRec e = {.id = 17, .event = "事故", .level = "较大", .at = at(2026, 9, 30, 23, 30)};
        Completion v[] = {
                {.id = 1,
                 .duty = "r1",
                 .post = "aj",
                 .period = "ev17",
                 .done_by = "c",
                 .recorded_at = at(2026, 10, 1, 0, 20)},
                {.id = 2,
                 .duty = "r2",
                 .post = "zz",
                 .period = "ev17",
                 .done_by = "b",
                 .recorded_at = at(2026, 10, 1, 1, 42)},
                {.id = 3,
                 .duty = "r2",
                 .post = "zz",
                 .period = "ev17",
                 .done_by = "b",
                 .recorded_at = at(2026, 10, 1, 1, 0),
                 .undone_at = 1},
        };
        EventRecord rec;
        assert_int_equal(eventrecord_build(c, &e, 1, v, ELEMENTSOF(v), day_from_ymd(2026, 10, 1),
                                           day_from_ymd(2026, 10, 31), at(2026, 10, 2, 8, 0), &rec),
                         0);
        _cleanup_free_ char *csv = NULL;
        assert_int_equal(eventrecord_csv(c, &rec, &csv), 0);
        assert_string_equal(
                csv,
                "事件,发生时间,职责编号,职责,岗位编号,岗位,第几次,时限,完成时间,结果,超时,事项编号\r\n"
                "17 事故 较大,2026-09-30 23:30,r1,向县报告,aj,安监站长,1,2026-10-01 00:30,"
                "2026-10-01 00:20,按时完成,,r1:aj:ev17:1\r\n"
                "17 事故 较大,2026-09-30 23:30,r2,向市报告,zz,镇长,1,2026-10-01 01:30,"
                "2026-10-01 01:42,逾期完成,晚12分钟,r2:zz:ev17:1\r\n"
                "17 事故 较大,2026-09-30 23:30,xu,续报,aj,安监站长,1,2026-10-01 23:30,,逾期未完成,"
                ",xu:aj:ev17:1\r\n"
                "17 事故 较大,2026-09-30 23:30,bu,补报,aj,安监站长,1,2026-10-30 24:00,,未到期,,"
                "bu:aj:ev17:1\r\n");
        eventrecord_done(&rec);
        config_free(c);
}

/* Errors name the file, line and column; clock keys are for event duties only. */
static void config_errors(void **s) {
        (void)s;
        static const struct {
                const char *duty, *says;
        } bad[] = {
                {"{id: x, post: zz, title: t, event: 事故, within: 1小时}",
                 ":5:53: cannot understand event clock '1小时'"},
                {"{id: x, post: zz, title: t, rule: 每年至少1次, within: 1h}",
                 "'within' is for event duties"},
                {"{id: x, post: zz, title: t, event: 事故, within: 1h, every: 1d}",
                 "give one of 'within', 'every', 'window' or 'clock'"},
                {"{id: x, post: zz, title: t, event: 事故, window: 36h}",
                 "a window is counted in days"},
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char y[512];
                snprintf(y, sizeof(y),
                         "organization: {name: 测试镇}\n"
                         "posts: [{id: zz, name: 镇长}]\n"
                         "duties:\n"
                         "  - %s\n",
                         bad[i].duty);
                Diags d = {0};
                Config *c = load_yaml_text(y, day_from_ymd(2026, 1, 1), &d);
                assert_null(c);
                char *all = NULL;
                size_t len = 0;
                FILE *f = open_memstream(&all, &len);
                diags_print(&d, f);
                fclose(f);
                if (!strstr(all, bad[i].says))
                        fail_msg("%s: got %s", bad[i].duty, all);
                free(all);
                diags_done(&d);
        }
}

int main(void) {
        tz_use("Asia/Shanghai");
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(grammar),          cmocka_unit_test(golden_deadlines),
                cmocka_unit_test(golden_reminders), cmocka_unit_test(golden_record),
                cmocka_unit_test(config_errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
