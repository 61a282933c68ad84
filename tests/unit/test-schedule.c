/* Unit tests of the schedule engine: every rule of the seed table against dates worked out by
 * hand for 2026 and 2027 (docs/config.md "Rules"; product.md "The rules, exactly"). */
#include "testutil.h"

#include "schedule.h"

static const char *const base_yaml =
        "organization: {name: 测试镇}\n"
        "posts:\n"
        "  - {id: p, name: 镇党委书记, escalate_to: [j]}\n"
        "  - {id: j, name: 纪委书记}\n"
        "  - {id: m, name: 其他班子成员}\n"
        "people:\n"
        "  - {id: a, name: 张三, posts: [p]}\n"
        "  - {id: b, name: 李四, posts: [{post: m, from: 2026-01-01}]}\n"
        "  - {id: c, name: 王五, posts: [{post: m, until: 2026-06-30}, {post: j, from: 2026-07-01}]}\n";

/* Plans the config `yaml` over [from, to] and returns the occurrence ids (each without its
 * first `strip` bytes) with "=due" when `dues`, joined by spaces. */
static char *plan_ids(const char *yaml, Day from, Day to, size_t strip, bool dues) {
        Config *c = load_ok(yaml);
        OccurrenceList l = {0};
        assert_int_equal(schedule_plan(c, from, to, PLAN_FILTER_ALL, &l), 0);
        Buf b = {0};
        for (size_t i = 0; i < l.n; i++) {
                char id[OCCURRENCE_ID_MAX], due[11];
                occurrence_id(c, &l.items[i], id, sizeof(id));
                day_format(l.items[i].due, due);
                buf_printf(&b, "%s%s%s%s", i ? " " : "", id + strip, dues ? "=" : "",
                           dues ? due : "");
        }
        occurrence_list_done(&l);
        config_free(c);
        return buf_steal(&b);
}

/* Plans one duty with `rule` over 2026–2027 and returns "id=due" lines joined by spaces. */
static char *plan_rule(const char *rule, const char *extra) {
        char yaml[4096];
        snprintf(yaml, sizeof(yaml), "%sduties:\n  - {id: d, post: p, title: 测试, rule: %s%s}\n",
                 base_yaml, rule, extra ? extra : "");
        return plan_ids(yaml, day_from_ymd(2026, 1, 1), day_from_ymd(2027, 12, 31), strlen("d:p:"),
                        true);
}

/* Plans one duty with `rule` over [from, to] (YYYY-MM-DD) and compares the "id=due" list. */
static void expect_plan_in(const char *rule, const char *from, const char *to, const char *want) {
        char yaml[4096];
        snprintf(yaml, sizeof(yaml), "%sduties:\n  - {id: d, post: p, title: 测试, rule: %s}\n",
                 base_yaml, rule);
        char *got = plan_ids(yaml, day_parse(from), day_parse(to), strlen("d:p:"), true);
        if (!streq(got, want))
                fail_msg("%s over %s..%s:\n got  %s\n want %s", rule, from, to, got, want);
        free(got);
}

#define EXPECT_PLAN(rule, extra, want)              \
        do {                                        \
                char *got = plan_rule(rule, extra); \
                assert_string_equal(got, want);     \
                free(got);                          \
        } while (0)

/* 000 扬武镇 镇党委书记 安全生产例会 每半年至少召开一次 */
static void half_year_once(void **s) {
        (void)s;
        EXPECT_PLAN("每半年至少召开一次", NULL,
                    "2026-H1:1=2026-06-30 2026-H2:1=2026-12-31 2027-H1:1=2027-06-30 "
                    "2027-H2:1=2027-12-31");
        EXPECT_PLAN("每半年组织召开", NULL,
                    "2026-H1:1=2026-06-30 2026-H2:1=2026-12-31 2027-H1:1=2027-06-30 "
                    "2027-H2:1=2027-12-31");
}

/* 000 应急救援演练 每年至少组织一次; 004 每年至少1次 */
static void yearly_once(void **s) {
        (void)s;
        EXPECT_PLAN("每年至少组织一次", NULL, "2026:1=2026-12-31 2027:1=2027-12-31");
        EXPECT_PLAN("每年至少1次", NULL, "2026:1=2026-12-31 2027:1=2027-12-31");
}

/* 001 每年至少4次 → one by each quarter's end; 003 每年不少于4次 the same. */
static void yearly_four(void **s) {
        (void)s;
        const char *want = "2026:1=2026-03-31 2026:2=2026-06-30 2026:3=2026-09-30 "
                           "2026:4=2026-12-31 2027:1=2027-03-31 2027:2=2027-06-30 "
                           "2027:3=2027-09-30 2027:4=2027-12-31";
        EXPECT_PLAN("每年至少4次", NULL, want);
        EXPECT_PLAN("每年不少于4次", NULL, want);
        EXPECT_PLAN("每年至少四次", NULL, want);
}

/* 001 每年至少2次 → by 30 June and 31 December. */
static void yearly_two(void **s) {
        (void)s;
        EXPECT_PLAN("每年至少2次", NULL,
                    "2026:1=2026-06-30 2026:2=2026-12-31 2027:1=2027-06-30 2027:2=2027-12-31");
}

/* 001 每月至少1次: month ends, moved to the next working day (rule 4 worked examples). */
static void monthly_once(void **s) {
        (void)s;
        char *got = plan_rule("每月至少1次", NULL);
        /* 2026-01-31 (Sat) → 02-02; 2026-02-28 (Sat, make-up working day) stays;
         * 2026-05-31 (Sun) → 06-01; 2026-10-31 (Sat) → 11-02; 2027-01-31 (Sun) → 02-01;
         * 2026-03-31 Tue stays; 2026-12-31 Thu stays; 2027-07-31 Sat → 08-02. */
        const char *want[] = {"2026-01:1=2026-02-02", "2026-02:1=2026-02-28",
                              "2026-03:1=2026-03-31", "2026-05:1=2026-06-01",
                              "2026-10:1=2026-11-02", "2026-12:1=2026-12-31",
                              "2027-01:1=2027-02-01", "2027-07:1=2027-08-02"};
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                if (!strstr(got, want[i]))
                        fail_msg("missing %s in %s", want[i], got);
        }
        assert_int_equal(strlen(got) > 0, 1);
        /* 24 months, one each. */
        int n = 1;
        for (const char *p = got; *p; p++)
                n += *p == ' ';
        assert_int_equal(n, 24);
        free(got);
}

/* 003 其他班子成员 每月不少于两次: the 15th (14th in a 28-day February) and the month end. */
static void monthly_twice(void **s) {
        (void)s;
        char *got = plan_rule("每月不少于两次", NULL);
        const char *want[] = {"2026-01:1=2026-01-15", "2026-01:2=2026-02-02",
                              "2026-02:1=2026-02-14", /* Sat, make-up working day */
                              "2026-02:2=2026-02-28", "2026-04:1=2026-04-15",
                              "2026-11:1=2026-11-16", /* 11-15 Sun → 11-16 */
                              "2027-02:1=2027-02-15", /* 02-14 Sun (no 2027 data) → 15 */
                              "2027-03:1=2027-03-15"};
        for (size_t i = 0; i < ELEMENTSOF(want); i++)
                if (!strstr(got, want[i]))
                        fail_msg("missing %s in %s", want[i], got);
        free(got);
}

/* 002 每季度召开一次 / 004 每季度至少1次 */
static void quarterly(void **s) {
        (void)s;
        const char *want = "2026-Q1:1=2026-03-31 2026-Q2:1=2026-06-30 2026-Q3:1=2026-09-30 "
                           "2026-Q4:1=2026-12-31 2027-Q1:1=2027-03-31 2027-Q2:1=2027-06-30 "
                           "2027-Q3:1=2027-09-30 2027-Q4:1=2027-12-31";
        EXPECT_PLAN("每季度召开一次", NULL, want);
        EXPECT_PLAN("每季度至少主持召开1次", NULL, want);
        EXPECT_PLAN("每季度", NULL, want);
}

/* 003 每月25日以前: 2026-04-25 (Sat) → 04-27; 01-25 (Sun) → 01-26. */
static void monthly_25th(void **s) {
        (void)s;
        char *got = plan_rule("每月25日以前", NULL);
        const char *want[] = {"2026-01:1=2026-01-26", "2026-02:1=2026-02-25",
                              "2026-04:1=2026-04-27", "2026-07:1=2026-07-27",
                              "2026-10:1=2026-10-26", "2027-12:1=2027-12-27"};
        for (size_t i = 0; i < ELEMENTSOF(want); i++)
                if (!strstr(got, want[i]))
                        fail_msg("missing %s in %s", want[i], got);
        free(got);
}

/* 003 每年1月底前 … 上年度: period 2025 due 2026-01-31 (Sat) → 02-02; 2026 → 2027-02-01. */
static void annual_report_previous_year(void **s) {
        (void)s;
        EXPECT_PLAN("每年1月底前提交上年度书面述职报告", NULL,
                    "2025:1=2026-02-02 2026:1=2027-02-01");
        /* Without 上年度 the deadline is in its own year. */
        EXPECT_PLAN("每年1月底前", NULL, "2026:1=2026-02-02 2027:1=2027-02-01");
}

/* 001 年终 → the last working day of the year (moved earlier). */
static void year_end(void **s) {
        (void)s;
        EXPECT_PLAN("年终", NULL, "2026:1=2026-12-31 2027:1=2027-12-31");
}

/* 004 重大节假日前 → the last working day before each holiday's first day off. 2027 and 2028
 * have no notice: their statutory days, provisional (元旦 2027 on Friday → 2026-12-31). */
static void before_holidays(void **s) {
        (void)s;
        EXPECT_PLAN("重大节假日前", NULL,
                    "2026-spring-festival:1=2026-02-14 2026-qingming:1=2026-04-03 "
                    "2026-labour-day:1=2026-04-30 2026-dragon-boat:1=2026-06-18 "
                    "2026-mid-autumn:1=2026-09-24 2026-national-day:1=2026-09-30 "
                    "2027-new-year:1=2026-12-31 2027-spring-festival:1=2027-02-04 "
                    "2027-qingming:1=2027-04-02 2027-labour-day:1=2027-04-30 "
                    "2027-dragon-boat:1=2027-06-08 2027-mid-autumn:1=2027-09-14 "
                    "2027-national-day:1=2027-09-30 2028-new-year:1=2027-12-31");
}

/* Pacing off: one checkpoint at the period's end needing N completions. */
static void pacing_off(void **s) {
        (void)s;
        char yaml[2048];
        snprintf(yaml, sizeof(yaml),
                 "%sduties:\n  - {id: d, post: p, title: t, rule: {phrase: 每年至少4次, pacing: "
                 "false}}\n",
                 base_yaml);
        Config *c = load_ok(yaml);
        OccurrenceList l = {0};
        assert_int_equal(schedule_plan(c, day_from_ymd(2026, 1, 1), day_from_ymd(2026, 12, 31),
                                       PLAN_FILTER_ALL, &l),
                         0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].required, 4);
        assert_int_equal(l.items[0].of, 1);
        assert_int_equal(l.items[0].due, day_from_ymd(2026, 12, 31));
        occurrence_list_done(&l);
        config_free(c);
}

/* N not dividing the months: split by days. 5 a year: day floor(i*365/5). */
static void pacing_by_days(void **s) {
        (void)s;
        /* 2026: 365 days → days 73, 146, 219, 292, 365 → 03-14 (Sat→03-16), 05-26, 08-07,
         * 10-19, 12-31. */
        EXPECT_PLAN("{period: year, count: 5}", NULL,
                    "2026:1=2026-03-16 2026:2=2026-05-26 2026:3=2026-08-07 2026:4=2026-10-19 "
                    "2026:5=2026-12-31 2027:1=2027-03-15 2027:2=2027-05-26 2027:3=2027-08-09 "
                    "2027:4=2027-10-19 2027:5=2027-12-31");
        /* Weekly twice: Wednesday and Sunday → Monday. ISO week ids. */
        char *got = plan_rule("每周至少两次", NULL);
        assert_non_null(strstr(got, "2026-W02:1=2026-01-07 2026-W02:2=2026-01-12"));
        assert_non_null(strstr(got, "2026-W53:1=2026-12-30")); /* 2026 has 53 ISO weeks */
        free(got);
}

static void holiday_move_options(void **s) {
        (void)s;
        EXPECT_PLAN("{phrase: 每年1月底前, holiday_move: none}", NULL,
                    "2026:1=2026-01-31 2027:1=2027-01-31");
        EXPECT_PLAN("{phrase: 每年1月底前, holiday_move: earlier}", NULL,
                    "2026:1=2026-01-30 2027:1=2027-01-29");
}

static void per_holder_and_holders(void **s) {
        (void)s;
        char yaml[2048];
        snprintf(yaml, sizeof(yaml),
                 "%sduties:\n  - {id: d, post: m, per_holder: true, title: t, rule: 每月至少1次}\n",
                 base_yaml);
        Config *c = load_ok(yaml);
        OccurrenceList l = {0};
        assert_int_equal(schedule_plan(c, day_from_ymd(2026, 6, 2), day_from_ymd(2026, 7, 31),
                                       PLAN_FILTER_ALL, &l),
                         0);
        /* From 06-02 (May is due 06-01): June 李四 and 王五 (until 06-30); July 李四 only. */
        assert_int_equal(l.n, 3);
        char id[OCCURRENCE_ID_MAX];
        occurrence_id(c, &l.items[0], id, sizeof(id));
        assert_string_equal(id, "d:m.b:2026-06:1");
        occurrence_id(c, &l.items[1], id, sizeof(id));
        assert_string_equal(id, "d:m.c:2026-06:1");
        occurrence_id(c, &l.items[2], id, sizeof(id));
        assert_string_equal(id, "d:m.b:2026-07:1");
        /* schedule_find recomputes the same occurrence. */
        Occurrence o;
        assert_int_equal(schedule_find(c, "d:m.c:2026-06:1", &o), 0);
        assert_int_equal(o.due, l.items[1].due);
        assert_int_equal(schedule_find(c, "d:m:2026-06:1", &o), -ENOENT);
        assert_int_equal(schedule_find(c, "d:m.c:2026-13:1", &o), -ENOENT);
        occurrence_list_done(&l);
        config_free(c);
}

static void person_filter_follows_tenure(void **s) {
        (void)s;
        char yaml[2048];
        snprintf(yaml, sizeof(yaml),
                 "%sduties:\n  - {id: d, post: j, title: t, rule: 每月至少1次}\n", base_yaml);
        Config *c = load_ok(yaml);
        OccurrenceList l = {0};
        PlanFilter f = PLAN_FILTER_ALL;
        f.person = config_find_person(c, "c");
        assert_int_equal(
                schedule_plan(c, day_from_ymd(2026, 1, 1), day_from_ymd(2026, 12, 31), f, &l), 0);
        /* 王五 holds 纪委书记 from 07-01: July … December. */
        assert_int_equal(l.n, 6);
        size_t h[4];
        assert_int_equal(occurrence_holders(c, &l.items[0], l.items[0].due, h, 4), 1);
        assert_string_equal(c->people[h[0]].name, "王五");
        occurrence_list_done(&l);
        config_free(c);
}

/* Issue 13: a person who takes the post on 07-01 owes nothing due 06-30; one who left on 06-30
 * owes nothing due 12-31. */
static void per_holder_follows_tenure(void **s) {
        (void)s;
        char yaml[2048];
        snprintf(yaml, sizeof(yaml),
                 "%s  - {id: e, name: 赵六, posts: [{post: m, from: 2026-07-01}]}\n"
                 "duties:\n  - {id: d, post: m, per_holder: true, title: t, rule: 每年至少2次}\n",
                 base_yaml);
        char *got = plan_ids(yaml, day_from_ymd(2026, 1, 1), day_from_ymd(2026, 12, 31), 0, false);
        assert_string_equal(got, "d:m.b:2026:1 d:m.c:2026:1 d:m.b:2026:2 d:m.e:2026:2");
        free(got);
}

/* Ids depend only on the duty itself: editing another duty changes nothing. */
static void stable_ids(void **s) {
        (void)s;
        char y1[2048], y2[2048];
        snprintf(y1, sizeof(y1),
                 "%sduties:\n  - {id: x, post: p, title: 甲, rule: 每年至少2次}\n"
                 "  - {id: d, post: p, title: t, rule: 每季度}\n",
                 base_yaml);
        snprintf(y2, sizeof(y2),
                 "%sduties:\n  - {id: z, post: j, title: 新增, rule: 每月至少1次}\n"
                 "  - {id: x, post: j, title: 乙, rule: 每年至少4次}\n"
                 "  - {id: d, post: p, title: t, rule: 每季度}\n",
                 base_yaml);
        Config *a = load_ok(y1), *b = load_ok(y2);
        PlanFilter fa = PLAN_FILTER_ALL, fb = PLAN_FILTER_ALL;
        fa.duty = config_find_duty(a, "d");
        fb.duty = config_find_duty(b, "d");
        OccurrenceList la = {0}, lb = {0};
        schedule_plan(a, day_from_ymd(2026, 1, 1), day_from_ymd(2026, 12, 31), fa, &la);
        schedule_plan(b, day_from_ymd(2026, 1, 1), day_from_ymd(2026, 12, 31), fb, &lb);
        assert_int_equal(la.n, 4);
        assert_int_equal(la.n, lb.n);
        for (size_t i = 0; i < la.n; i++) {
                char ia[OCCURRENCE_ID_MAX], ib[OCCURRENCE_ID_MAX];
                occurrence_id(a, &la.items[i], ia, sizeof(ia));
                occurrence_id(b, &lb.items[i], ib, sizeof(ib));
                assert_string_equal(ia, ib);
                assert_int_equal(la.items[i].due, lb.items[i].due);
        }
        assert_int_equal(a->duties[1].hash, b->duties[2].hash);
        assert_int_not_equal(a->duties[0].hash, b->duties[1].hash);
        occurrence_list_done(&la);
        occurrence_list_done(&lb);
        config_free(a);
        config_free(b);
}

/* Reminders: 7 and 1 days before and on the day at 09:00, moved to the working day before;
 * overdue every working day; escalation from the 3rd working day. */
static void reminders(void **s) {
        (void)s;
        char yaml[2048];
        snprintf(yaml, sizeof(yaml),
                 "%sduties:\n  - {id: d, post: p, title: t, rule: 每月25日以前}\n", base_yaml);
        Config *c = load_ok(yaml);
        Occurrence o;
        /* 2026-04: 25th Sat → due Mon 04-27. 7 days before = 04-20 (Mon); 1 day before = 04-26
         * (Sun) → 04-24 (Fri); the day itself 04-27. */
        assert_int_equal(schedule_find(c, "d:p:2026-04:1", &o), 0);
        assert_int_equal(o.due, day_from_ymd(2026, 4, 27));
        Reminder r[16];
        size_t n = schedule_reminders(c, &o, day_from_ymd(2026, 4, 1), day_from_ymd(2026, 5, 12), r,
                                      16);
        assert_true(n >= 7);
        assert_int_equal(r[0].day, day_from_ymd(2026, 4, 20));
        assert_string_equal(r[0].step, "b7");
        assert_int_equal(r[0].days, 7);
        assert_int_equal(r[0].minute, 540);
        assert_int_equal(r[1].day, day_from_ymd(2026, 4, 24));
        assert_string_equal(r[1].step, "b1");
        assert_int_equal(r[1].days, 3);
        assert_int_equal(r[2].day, day_from_ymd(2026, 4, 27));
        assert_int_equal(r[2].kind, REMIND_DUE_TODAY);
        /* Overdue: 04-28 (1), 04-29 (2), 04-30 (3, escalation); 05-01..05 off; 05-06 (4). */
        assert_int_equal(r[3].day, day_from_ymd(2026, 4, 28));
        assert_int_equal(r[3].kind, REMIND_OVERDUE);
        assert_string_equal(r[3].step, "o1");
        assert_int_equal(r[5].day, day_from_ymd(2026, 4, 30));
        assert_int_equal(r[5].kind, REMIND_ESCALATION);
        assert_string_equal(r[5].step, "e3");
        assert_int_equal(r[6].day, day_from_ymd(2026, 5, 6));
        assert_int_equal(r[6].days, 4);
        /* A window starting later counts lateness from the deadline. */
        n = schedule_reminders(c, &o, day_from_ymd(2026, 5, 9), day_from_ymd(2026, 5, 9), r, 16);
        assert_int_equal(n, 1); /* 05-09 is a make-up Saturday */
        assert_int_equal(r[0].days, 7);
        assert_string_equal(r[0].step, "e7");
        config_free(c);
}

/* 每半月: the 15th and the month's end, postponed. 2026-01-31 Sat → 02-02; 02-15 is 春节 →
 * 02-24; 02-28 a make-up Saturday; 03-15 Sun → 03-16. 2028 is a leap year; 2028-01-15 Sat → 17. */
static void half_month(void **s) {
        (void)s;
        const char *want = "2026-01-H1:1=2026-01-15 2026-01-H2:1=2026-02-02 "
                           "2026-02-H1:1=2026-02-24 2026-02-H2:1=2026-02-28 "
                           "2026-03-H1:1=2026-03-16 2026-03-H2:1=2026-03-31";
        expect_plan_in("每半月", "2026-01-01", "2026-03-31", want);
        expect_plan_in("每半个月至少一次", "2026-01-01", "2026-03-31", want);
        expect_plan_in("{period: half_month}", "2026-01-01", "2026-03-31", want);
        expect_plan_in("每半月", "2027-12-01", "2028-03-01",
                       "2027-12-H1:1=2027-12-15 2027-12-H2:1=2027-12-31 "
                       "2028-01-H1:1=2028-01-17 2028-01-H2:1=2028-01-31 "
                       "2028-02-H1:1=2028-02-15 2028-02-H2:1=2028-02-29");
        /* Twice in a half: days 7 and 15 of the first half, 16+6 and the end of the second. */
        expect_plan_in("每半月至少2次", "2026-03-01", "2026-03-31",
                       "2026-03-H1:1=2026-03-09 2026-03-H1:2=2026-03-16 "
                       "2026-03-H2:1=2026-03-23 2026-03-H2:2=2026-03-31");
}

/* 每旬: the 10th, the 20th and the month's end. 2026-01-10 Sat → 01-12; 02-20 is in 春节 →
 * 02-24; 02-28 a make-up Saturday. 2027-02-20 Sat → 22, 02-28 Sun → 03-01; 2028-02-20 Sun → 21. */
static void dekad(void **s) {
        (void)s;
        const char *want = "2026-01-D1:1=2026-01-12 2026-01-D2:1=2026-01-20 "
                           "2026-01-D3:1=2026-02-02 2026-02-D1:1=2026-02-10 "
                           "2026-02-D2:1=2026-02-24 2026-02-D3:1=2026-02-28 "
                           "2026-03-D1:1=2026-03-10 2026-03-D2:1=2026-03-20 "
                           "2026-03-D3:1=2026-03-31";
        expect_plan_in("每旬", "2026-01-01", "2026-03-31", want);
        expect_plan_in("每旬至少一次", "2026-01-01", "2026-03-31", want);
        expect_plan_in("{period: dekad}", "2026-01-01", "2026-03-31", want);
        expect_plan_in("每旬", "2027-02-01", "2027-03-01",
                       "2027-01-D3:1=2027-02-01 2027-02-D1:1=2027-02-10 "
                       "2027-02-D2:1=2027-02-22 2027-02-D3:1=2027-03-01");
        expect_plan_in("每旬", "2027-12-01", "2028-02-29",
                       "2027-12-D1:1=2027-12-10 2027-12-D2:1=2027-12-20 "
                       "2027-12-D3:1=2027-12-31 2028-01-D1:1=2028-01-10 "
                       "2028-01-D2:1=2028-01-20 2028-01-D3:1=2028-01-31 "
                       "2028-02-D1:1=2028-02-10 2028-02-D2:1=2028-02-21 "
                       "2028-02-D3:1=2028-02-29");
}

/* 每两个月: Jan–Feb, Mar–Apr, …; 2026-02-28 is a make-up Saturday, 2026-10-31 Sat → 11-02,
 * 2027-02-28 Sun → 03-01, 2027-10-31 Sun → 11-01, 2028-02-29 (leap year) Tue. */
static void two_months(void **s) {
        (void)s;
        const char *want = "2026-B1:1=2026-02-28 2026-B2:1=2026-04-30 2026-B3:1=2026-06-30 "
                           "2026-B4:1=2026-08-31 2026-B5:1=2026-11-02 2026-B6:1=2026-12-31 "
                           "2027-B1:1=2027-03-01 2027-B2:1=2027-04-30 2027-B3:1=2027-06-30 "
                           "2027-B4:1=2027-08-31 2027-B5:1=2027-11-01 2027-B6:1=2027-12-31";
        EXPECT_PLAN("每两个月", NULL, want);
        EXPECT_PLAN("每2个月至少一次", NULL, want);
        EXPECT_PLAN("每兩個月召開一次", NULL, want);
        EXPECT_PLAN("{period: two_months}", NULL, want);
        expect_plan_in("每两个月", "2028-01-01", "2028-03-31", "2028-B1:1=2028-02-29");
        /* Twice: each month's end (2 divides the months). */
        expect_plan_in("每两个月至少2次", "2026-01-01", "2026-04-30",
                       "2026-B1:1=2026-02-02 2026-B1:2=2026-02-28 2026-B2:1=2026-03-31 "
                       "2026-B2:2=2026-04-30");
        /* 每3个月 is 每季度. */
        EXPECT_PLAN("每3个月", NULL,
                    "2026-Q1:1=2026-03-31 2026-Q2:1=2026-06-30 2026-Q3:1=2026-09-30 "
                    "2026-Q4:1=2026-12-31 2027-Q1:1=2027-03-31 2027-Q2:1=2027-06-30 "
                    "2027-Q3:1=2027-09-30 2027-Q4:1=2027-12-31");
}

/* 每2年 from the epoch 2025: 2025–2026 due 2026-12-31 (Thu), 2027–2028 due 2028-12-31 (Sun) →
 * 2029-01-01 (Mon; no 2029 holiday data). Period ids name the first year. */
static void n_years(void **s) {
        (void)s;
        /* 2028-12-31 is a Sunday and 2029-01-01 元旦 (provisional: no notice yet): 01-02. */
        const char *want = "2025:1=2026-12-31 2027:1=2029-01-02";
        expect_plan_in("{phrase: 每2年, epoch: 2025}", "2026-01-01", "2029-01-31", want);
        expect_plan_in("{phrase: 至少每两年组织一次, epoch: 2025}", "2026-01-01", "2029-01-31",
                       want);
        expect_plan_in("每两年一次（自2025年起）", "2026-01-01", "2029-01-31", want);
        expect_plan_in("{period: year, every: 2, epoch: 2025}", "2026-01-01", "2029-01-31", want);
        expect_plan_in("{phrase: 隔年一次, epoch: 2027}", "2026-01-01", "2029-01-31",
                       "2025:1=2026-12-31 2027:1=2029-01-02");
        /* Odd epoch: 2026–2027 due 2027-12-31 (Fri). */
        expect_plan_in("{phrase: 每2年, epoch: 2026}", "2026-01-01", "2029-01-31",
                       "2026:1=2027-12-31");
        /* Three years from 2024: 2024–2026 due 2026-12-31. */
        expect_plan_in("{phrase: 每3年至少一次, epoch: 2024}", "2026-01-01", "2029-12-31",
                       "2024:1=2026-12-31 2027:1=2029-12-31");
        /* Twice in two years: each year's end (2 divides 24 months). */
        expect_plan_in("{phrase: 每2年至少2次, epoch: 2025}", "2026-01-01", "2027-12-31",
                       "2025:2=2026-12-31 2027:1=2027-12-31");
        /* A date in the last year of the period. */
        expect_plan_in("{period: year, every: 2, epoch: 2025, due_month: 6, due_day: last}",
                       "2026-01-01", "2028-12-31", "2025:1=2026-06-30 2027:1=2028-06-30");
        /* The id names the first year only. */
        Config *c = load_ok(
                "organization: {name: 测试镇}\nposts: [{id: p, name: 书记}]\n"
                "people: [{id: a, name: 张三, posts: [p]}]\n"
                "duties: [{id: d, post: p, title: t, rule: {phrase: 每2年, epoch: 2025}}]\n");
        Occurrence o;
        assert_int_equal(schedule_find(c, "d:p:2027:1", &o), 0);
        assert_int_equal(o.period_start, day_from_ymd(2027, 1, 1));
        assert_int_equal(o.period_end, day_from_ymd(2028, 12, 31));
        assert_int_equal(schedule_find(c, "d:p:2026:1", &o), -ENOENT);
        config_free(c);
}

/* 每两周: ISO weeks 1–2, 3–4, … of each ISO year (2026's week 1 starts 2025-12-29), due on
 * the second Sunday, postponed: 01-11 → 01-12, 02-22 (春节 to 02-23) → 02-24. 2026 has 53 ISO
 * weeks: week 53 is a period alone (12-28..2027-01-03 → 01-04). With epoch 2026 the count runs
 * on: weeks 53 and 2027's 1 are one period (→ 2027-01-11). */
static void two_weeks(void **s) {
        (void)s;
        const char *want = "2026-W01:1=2026-01-12 2026-W03:1=2026-01-26 2026-W05:1=2026-02-09 "
                           "2026-W07:1=2026-02-24 2026-W09:1=2026-03-09";
        expect_plan_in("每两周", "2026-01-01", "2026-03-10", want);
        expect_plan_in("隔周一次", "2026-01-01", "2026-03-10", want);
        expect_plan_in("每2周至少一次", "2026-01-01", "2026-03-10", want);
        expect_plan_in("{period: week, every: 2}", "2026-01-01", "2026-03-10", want);
        expect_plan_in("每两周", "2026-12-01", "2027-01-31",
                       "2026-W49:1=2026-12-14 2026-W51:1=2026-12-28 2026-W53:1=2027-01-04 "
                       "2027-W01:1=2027-01-18");
        expect_plan_in("{phrase: 每两周, epoch: 2026}", "2026-12-01", "2027-01-31",
                       "2026-W49:1=2026-12-14 2026-W51:1=2026-12-28 2026-W53:1=2027-01-11 "
                       "2027-W02:1=2027-01-25");
        expect_plan_in("每两周一次（自2026年起）", "2026-12-01", "2027-01-31",
                       "2026-W49:1=2026-12-14 2026-W51:1=2026-12-28 2026-W53:1=2027-01-11 "
                       "2027-W02:1=2027-01-25");
        /* Twice: day 7 (Sunday → Monday) and day 14 of the fortnight. */
        expect_plan_in("每两周至少2次", "2026-03-01", "2026-03-24",
                       "2026-W09:1=2026-03-02 2026-W09:2=2026-03-09 2026-W11:1=2026-03-16 "
                       "2026-W11:2=2026-03-23");
}

/* 每周X: that day of each ISO week. 2026-01-02 (Fri) is 元旦 → 01-04, a make-up Sunday (earlier:
 * 2025-12-31); 09-25 中秋 → 09-28; 10-02 国庆 → 10-08 (earlier: 09-30); the Mondays 02-16 and
 * 02-23 of 春节 both → 02-24; 09-20 is a make-up Sunday. */
static void weekday(void **s) {
        (void)s;
        expect_plan_in("每周五前", "2026-01-01", "2026-01-10",
                       "2026-W01:1=2026-01-04 2026-W02:1=2026-01-09");
        expect_plan_in("{period: week, due_weekday: 5}", "2026-01-01", "2026-01-10",
                       "2026-W01:1=2026-01-04 2026-W02:1=2026-01-09");
        expect_plan_in("每周五前报送，遇节假日提前", "2025-12-30", "2026-01-10",
                       "2026-W01:1=2025-12-31 2026-W02:1=2026-01-09");
        expect_plan_in("{phrase: 每周五前, holiday_move: earlier}", "2025-12-30", "2026-01-10",
                       "2026-W01:1=2025-12-31 2026-W02:1=2026-01-09");
        expect_plan_in("每周五前", "2026-09-26", "2026-10-16",
                       "2026-W39:1=2026-09-28 2026-W40:1=2026-10-08 2026-W41:1=2026-10-09 "
                       "2026-W42:1=2026-10-16");
        expect_plan_in("每周五前，遇节假日提前", "2026-09-21", "2026-10-16",
                       "2026-W39:1=2026-09-24 2026-W40:1=2026-09-30 2026-W41:1=2026-10-09 "
                       "2026-W42:1=2026-10-16");
        expect_plan_in("每周一上报", "2026-02-09", "2026-03-03",
                       "2026-W07:1=2026-02-09 2026-W08:1=2026-02-24 2026-W09:1=2026-02-24 "
                       "2026-W10:1=2026-03-02");
        expect_plan_in("每星期日检查", "2026-09-15", "2026-09-21", "2026-W38:1=2026-09-20");
        expect_plan_in("每周五前", "2027-12-27", "2028-01-09",
                       "2027-W52:1=2027-12-31 2028-W01:1=2028-01-07");
        /* 每隔四周 from 2026: weeks 1–4, 5–8, …; its Friday is the one of the fourth week. */
        expect_plan_in("每隔4周周五前，自2026年起", "2026-01-01", "2026-03-01",
                       "2026-W01:1=2026-01-23 2026-W05:1=2026-02-24");
        /* Every two weeks: the Friday of the second week. */
        expect_plan_in("每两周周五前", "2026-01-01", "2026-01-31",
                       "2026-W01:1=2026-01-09 2026-W03:1=2026-01-23");
}

/* 每天 / 每个工作日 (no holiday move: a day off has its own occurrence, or none), by hand:
 * 2026-09-20 (Sun) and 10-10 (Sat) are make-up working days, 10-01..07 off; 2027-02-05..08
 * 春节 provisional (除夕 to 初三, no notice yet), 2028-01-01 元旦 (Sat), 2028-02-29 leap day. */
static void daily(void **s) {
        (void)s;
        expect_plan_in("每天17:30前", "2026-09-30", "2026-10-03",
                       "2026-09-30:1=2026-09-30 2026-10-01:1=2026-10-01 2026-10-02:1=2026-10-02 "
                       "2026-10-03:1=2026-10-03");
        expect_plan_in("每个工作日17:30前", "2026-09-18", "2026-09-21",
                       "2026-09-18:1=2026-09-18 2026-09-20:1=2026-09-20 2026-09-21:1=2026-09-21");
        expect_plan_in("{period: day, workdays: true}", "2026-09-30", "2026-10-10",
                       "2026-09-30:1=2026-09-30 2026-10-08:1=2026-10-08 2026-10-09:1=2026-10-09 "
                       "2026-10-10:1=2026-10-10");
        expect_plan_in("每个工作日", "2027-02-04", "2027-02-09",
                       "2027-02-04:1=2027-02-04 2027-02-09:1=2027-02-09");
        expect_plan_in("每个工作日", "2027-12-30", "2028-01-04",
                       "2027-12-30:1=2027-12-30 2027-12-31:1=2027-12-31 2028-01-03:1=2028-01-03 "
                       "2028-01-04:1=2028-01-04");
        expect_plan_in("每日8时前", "2028-02-27", "2028-03-01",
                       "2028-02-27:1=2028-02-27 2028-02-28:1=2028-02-28 2028-02-29:1=2028-02-29 "
                       "2028-03-01:1=2028-03-01");
        /* 每天两次: both by the day's deadline. */
        char *got = plan_rule("每天两次", NULL);
        assert_non_null(strstr(got, "2026-02-17:1=2026-02-17 2026-02-18:1=2026-02-18"));
        free(got);
}

/* Where a duty applies (from/until, season), by hand: a checkpoint owed outside it does not
 * exist, and those left are numbered again. 汛期 06-01..09-30; 冬春 11-01..03-31 across the year
 * end (2027-01-31 Sun → 02-01, 02-28 Sun → 03-01); a plan ending 2026-08-15 mid-Q3; 中秋
 * 2026-09-25..27 for 节假日期间. */
static void scopes(void **s) {
        (void)s;
        const char *flood = "每日8时前, season: {name: 汛期, from: \"06-01\", until: \"09-30\"}";
        expect_plan_in(flood, "2026-05-30", "2026-06-02",
                       "2026-06-01:1=2026-06-01 2026-06-02:1=2026-06-02");
        expect_plan_in(flood, "2026-09-29", "2026-10-02",
                       "2026-09-29:1=2026-09-29 2026-09-30:1=2026-09-30");
        expect_plan_in("每月至少1次, season: {from: \"11-01\", until: \"03-31\"}", "2026-10-01",
                       "2027-04-30",
                       "2026-11:1=2026-11-30 2026-12:1=2026-12-31 2027-01:1=2027-02-01 "
                       "2027-02:1=2027-03-01 2027-03:1=2027-03-31");
        expect_plan_in("每季度至少1次, from: 2024-01-01, until: 2026-08-15", "2026-01-01",
                       "2026-12-31", "2026-Q1:1=2026-03-31 2026-Q2:1=2026-06-30");
        expect_plan_in("每月至少1次, from: 2027-01-01", "2026-11-01", "2027-02-28",
                       "2027-01:1=2027-02-01");
        expect_plan_in("每年至少4次, season: {from: \"06-01\", until: \"09-30\"}", "2026-01-01",
                       "2026-12-31", "2026:1=2026-06-30 2026:2=2026-09-30");
        expect_plan_in("每天17:00前, season: holidays", "2026-09-24", "2026-09-28",
                       "2026-09-25:1=2026-09-25 2026-09-26:1=2026-09-26 2026-09-27:1=2026-09-27");
        char yaml[2048];
        snprintf(yaml, sizeof(yaml),
                 "%sduties:\n  - {id: q, post: p, title: t, rule: 每季度至少1次, until: "
                 "2026-08-15}\n  - {id: y, post: p, title: t, rule: 每年至少4次, season: "
                 "{from: \"06-01\", until: \"09-30\"}}\n  - {id: z, post: p, title: u, rule: "
                 "每月至少1次, season: {from: \"06-01\", until: \"09-30\"}}\n",
                 base_yaml);
        Config *c = load_ok(yaml);
        Occurrence o;
        assert_int_equal(schedule_find(c, "q:p:2026-Q2:1", &o), 0);
        assert_int_equal(schedule_find(c, "q:p:2026-Q3:1", &o), -ENOENT);
        assert_int_equal(schedule_find(c, "y:p:2026:2", &o), 0);
        assert_int_equal(o.due, day_from_ymd(2026, 9, 30));
        assert_int_equal(o.of, 2);
        assert_int_equal(schedule_find(c, "y:p:2026:3", &o), -ENOENT);
        /* Duties with the same season share one scope. */
        assert_int_equal(c->n_scopes, 2);
        assert_int_equal(c->duties[1].scope, c->duties[2].scope);
        _cleanup_free_ char *text = duty_scope_text(c, &c->duties[0]);
        assert_string_equal(text, "2026-08-15止");
        config_free(c);
}

/* schedule_plan() plans a rule shared by duties and posts once and copies it: the same
 * occurrences as planning each duty and post alone, also where equal rules have different
 * scopes; schedule_count() counts what it plans. */
static void shared_rules(void **s) {
        (void)s;
        char yaml[4096];
        snprintf(yaml, sizeof(yaml),
                 "%sduties:\n"
                 "  - {id: a, posts: [p, j, m], title: t, rule: 每月至少1次}\n"
                 "  - {id: b, posts: [m, p], title: t, rule: 每月至少1次}\n"
                 "  - {id: c, post: j, title: t, rule: 每月至少1次, season: "
                 "{from: \"06-01\", until: \"09-30\"}}\n"
                 "  - {id: d, post: p, title: t, rule: 每月至少1次, until: 2026-08-15}\n"
                 "  - {id: e, post: m, per_holder: true, title: t, rule: 每月至少1次}\n"
                 "  - {id: f, posts: [p, j], title: t, rule: 重大节假日前}\n"
                 "  - {id: g, posts: [j, m], title: t, rule: 每季度至少2次}\n"
                 "  - {id: h, posts: [m, j], title: t, rule: 每季度至少2次, season: "
                 "{from: \"06-01\", until: \"09-30\"}}\n",
                 base_yaml);
        Config *c = load_ok(yaml);
        Day from = day_from_ymd(2026, 1, 1), to = day_from_ymd(2026, 12, 31);
        OccurrenceList all = {0}, alone = {0};
        assert_int_equal(schedule_plan(c, from, to, PLAN_FILTER_ALL, &all), 0);
        for (size_t di = 0; di < c->n_duties; di++)
                for (size_t pi = 0; pi < c->duties[di].n_posts; pi++)
                        assert_int_equal(schedule_plan_assignment(c, di, c->duties[di].posts[pi],
                                                                  -1, from, to, &alone),
                                         0);
        qsort(alone.items, alone.n, sizeof(Occurrence), occurrence_compare);
        assert_int_equal(all.n, alone.n);
        for (size_t i = 0; i < all.n; i++) {
                const Occurrence *x = &all.items[i], *y = &alone.items[i];
                assert_int_equal(occurrence_compare(x, y), 0);
                assert_true(x->due == y->due && x->nominal == y->nominal && x->of == y->of &&
                            x->required == y->required && x->holiday == y->holiday &&
                            x->period_end == y->period_end);
        }
        size_t n;
        assert_int_equal(schedule_count(c, from, to, &n), 0);
        assert_int_equal(n, all.n);
        /* c and d have a's rule in a narrower scope: fewer months. */
        size_t per_duty[8] = {0};
        for (size_t i = 0; i < all.n; i++)
                per_duty[all.items[i].duty]++;
        assert_int_equal(per_duty[0], 36);
        assert_int_equal(per_duty[2], 4);
        assert_int_equal(per_duty[3], 7);
        occurrence_list_done(&all);
        occurrence_list_done(&alone);
        config_free(c);
}

/* 班前 / 班后 with three shifts, one of them across midnight: a checkpoint per shift at its
 * start or end; 00:00 is the day before's end (24:00); 每个工作日 skips Saturday 12-05. */
static void shifts(void **s) {
        (void)s;
        char yaml[2048];
        snprintf(yaml, sizeof(yaml),
                 "%sshifts:\n  - {name: 早班, start: \"08:00\", end: \"16:00\"}\n"
                 "  - {name: 中班, start: \"16:00\", end: \"00:00\"}\n"
                 "  - {name: 夜班, start: \"00:00\", end: \"08:00\"}\n"
                 "duties:\n  - {id: a, post: p, title: t, rule: 班前安全讲话}\n"
                 "  - {id: b, post: p, title: t, rule: 每个工作日交接班后}\n",
                 base_yaml);
        Config *c = load_ok(yaml);
        OccurrenceList l = {0};
        assert_int_equal(schedule_plan(c, day_from_ymd(2026, 12, 4), day_from_ymd(2026, 12, 5),
                                       PLAN_FILTER_ALL, &l),
                         0);
        Buf b = {0};
        for (size_t i = 0; i < l.n; i++) {
                char id[OCCURRENCE_ID_MAX], due[OCCURRENCE_DUE_MAX];
                occurrence_id(c, &l.items[i], id, sizeof(id));
                occurrence_due_text(&l.items[i], due);
                buf_printf(&b, "%s=%s\n", id, due);
        }
        assert_string_equal(b.data, "a:p:2026-12-04:1=2026-12-04 08:00\n"
                                    "b:p:2026-12-04:3=2026-12-04 08:00\n"
                                    "a:p:2026-12-04:2=2026-12-04 16:00\n"
                                    "b:p:2026-12-04:1=2026-12-04 16:00\n"
                                    "a:p:2026-12-05:3=2026-12-04\n"
                                    "b:p:2026-12-04:2=2026-12-04\n"
                                    "a:p:2026-12-05:1=2026-12-05 08:00\n"
                                    "a:p:2026-12-05:2=2026-12-05 16:00\n"
                                    "a:p:2026-12-06:3=2026-12-05\n");
        buf_done(&b);
        occurrence_list_done(&l);
        config_free(c);
}

/* 每学期 on the configuration's terms, by hand: an autumn term 2026-09-01..2027-02-06 whose end
 * falls in the provisional 2027 春节 (02-05..08 off → Tue 02-09), a spring term 2027-02-22..
 * 07-09; no period between them. 开学第一周 is day 7, 学期初 day 14; 2 paced: day 79 of 159. */
static void terms(void **s) {
        (void)s;
        char yaml[2048];
        snprintf(yaml, sizeof(yaml),
                 "%sterms:\n  - {name: 秋季学期, from: 2026-09-01, until: 2027-02-06}\n"
                 "  - {name: 春季学期, from: 2027-02-22, until: 2027-07-09}\n"
                 "duties:\n  - {id: a, post: p, title: t, rule: 开学第一周开展安全教育}\n"
                 "  - {id: b, post: p, title: t, rule: 每学期初}\n"
                 "  - {id: c, post: p, title: t, rule: 每学期末}\n"
                 "  - {id: d, post: p, title: t, rule: 每学期至少2次}\n",
                 base_yaml);
        char *got = plan_ids(yaml, day_from_ymd(2026, 8, 1), day_from_ymd(2027, 7, 31), 0, true);
        assert_string_equal(got, "a:p:2026-S0901:1=2026-09-07 b:p:2026-S0901:1=2026-09-14 "
                                 "d:p:2026-S0901:1=2026-11-18 c:p:2026-S0901:1=2027-02-09 "
                                 "d:p:2026-S0901:2=2027-02-09 a:p:2027-S0222:1=2027-03-01 "
                                 "b:p:2027-S0222:1=2027-03-08 d:p:2027-S0222:1=2027-05-03 "
                                 "c:p:2027-S0222:1=2027-07-09 d:p:2027-S0222:2=2027-07-09");
        free(got);
        Config *c = load_ok(yaml);
        Occurrence o;
        assert_int_equal(schedule_find(c, "c:p:2026-S0901:1", &o), 0);
        assert_int_equal(o.period_end, day_from_ymd(2027, 2, 6));
        assert_int_equal(schedule_find(c, "c:p:2026-S0902:1", &o), -ENOENT);
        /* A term with 春节 inside (2027-01-04..03-12, 68 days): checkpoint 1 of 2 on day 34,
         * 02-06 (初一, provisional 02-05..08 off) → Tue 02-09; 开学第一周 day 7, Sun 01-10 →
         * 01-11. */
        snprintf(yaml, sizeof(yaml),
                 "%sterms:\n  - {name: 冬季学期, from: 2027-01-04, until: 2027-03-12}\n"
                 "duties:\n  - {id: a, post: p, title: t, rule: 开学第一周}\n"
                 "  - {id: d, post: p, title: t, rule: 每学期至少2次}\n",
                 base_yaml);
        got = plan_ids(yaml, day_from_ymd(2027, 1, 1), day_from_ymd(2027, 3, 31), 0, true);
        assert_string_equal(got, "a:p:2027-S0104:1=2027-01-11 d:p:2027-S0104:1=2027-02-09 "
                                 "d:p:2027-S0104:2=2027-03-12");
        free(got);
        /* 每学年: the autumn term with the spring term after it, the winter break included. */
        snprintf(yaml, sizeof(yaml),
                 "%sterms:\n  - {name: 秋季学期, from: 2026-09-01, until: 2027-02-06}\n"
                 "  - {name: 春季学期, from: 2027-02-22, until: 2027-07-09}\n"
                 "  - {name: 秋季学期, from: 2027-09-01, until: 2028-01-21}\n"
                 "duties:\n  - {id: y, post: p, title: t, rule: 每学年至少2次}\n"
                 "  - {id: z, post: p, title: t, rule: 每学年末}\n",
                 base_yaml);
        got = plan_ids(yaml, day_from_ymd(2026, 8, 1), day_from_ymd(2028, 7, 31), 0, true);
        /* 2026-09-01..2027-07-09: 312 days, checkpoint 1 on day 156 (2027-02-03). */
        assert_string_equal(got, "y:p:2026-Y0901:1=2027-02-03 y:p:2026-Y0901:2=2027-07-09 "
                                 "z:p:2026-Y0901:1=2027-07-09 y:p:2027-Y0901:1=2027-11-10 "
                                 "y:p:2027-Y0901:2=2028-01-21 z:p:2027-Y0901:1=2028-01-21");
        free(got);
        OccurrenceList l = {0}; /* between the terms: no period to count a completion in */
        assert_int_equal(schedule_period_checkpoints(c, 2, 0, -1, day_from_ymd(2027, 2, 15), &l),
                         0);
        assert_int_equal(l.n, 0);
        occurrence_list_done(&l);
        config_free(c);
}

/* A deadline with a time of day: the occurrence carries it, sorts by it within its day, and
 * the reminder on its day fires an hour before it when the reminder time is later. */
static void times_of_day(void **s) {
        (void)s;
        char yaml[2048];
        snprintf(yaml, sizeof(yaml),
                 "%sduties:\n  - {id: w, post: p, title: t, rule: 每周五12点前}\n"
                 "  - {id: d, post: p, title: t, rule: 每日8时前}\n"
                 "  - {id: e, post: p, title: t, rule: 每天17:30前}\n"
                 "  - {id: m, post: p, title: t, rule: {period: month, due_day: 25}}\n",
                 base_yaml);
        Config *c = load_ok(yaml);
        Occurrence o;
        char due[OCCURRENCE_DUE_MAX];
        assert_int_equal(schedule_find(c, "w:p:2026-W49:1", &o), 0);
        assert_int_equal(o.due, day_from_ymd(2026, 12, 4));
        assert_int_equal(o.due_minute, 720);
        occurrence_due_text(&o, due);
        assert_string_equal(due, "2026-12-04 12:00");
        Reminder r[16];
        size_t n = schedule_reminders(c, &o, day_from_ymd(2026, 11, 1), day_from_ymd(2026, 12, 4),
                                      r, 16);
        assert_int_equal(n, 3); /* 11-27 (b7), 12-03 (b1), 12-04 09:00 (d0) */
        assert_int_equal(r[2].kind, REMIND_DUE_TODAY);
        assert_int_equal(r[2].minute, 540);
        /* 每日8时前 on a Saturday: reminded that day at 07:00, never the day before. */
        assert_int_equal(schedule_find(c, "d:p:2026-04-25:1", &o), 0);
        n = schedule_reminders(c, &o, day_from_ymd(2026, 4, 1), day_from_ymd(2026, 4, 25), r, 16);
        assert_int_equal(n, 1);
        assert_int_equal(r[0].day, day_from_ymd(2026, 4, 25));
        assert_int_equal(r[0].minute, 7 * 60);
        /* Late: once on the next working day, once more when escalated (3), then no more. */
        assert_int_equal(schedule_find(c, "e:p:2026-04-24:1", &o), 0);
        n = schedule_reminders(c, &o, day_from_ymd(2026, 4, 1), day_from_ymd(2026, 5, 31), r, 16);
        assert_int_equal(n, 3);
        assert_int_equal(r[0].minute, 540); /* 09:00 is well before 17:30 */
        assert_int_equal(r[1].day, day_from_ymd(2026, 4, 27));
        assert_string_equal(r[1].step, "o1");
        assert_int_equal(r[2].day, day_from_ymd(2026, 4, 29));
        assert_string_equal(r[2].step, "e3");
        /* Without a time: the day's end, sorted after the timed deadlines of its day. */
        OccurrenceList l = {0};
        assert_int_equal(schedule_plan(c, day_from_ymd(2026, 12, 25), day_from_ymd(2026, 12, 25),
                                       PLAN_FILTER_ALL, &l),
                         0);
        assert_int_equal(l.n, 4); /* 08:00, 12:00 (Fri), 17:30, then the 25th's end */
        assert_int_equal(l.items[0].due_minute, 480);
        assert_int_equal(l.items[1].due_minute, 720);
        assert_int_equal(l.items[2].due_minute, 1050);
        assert_int_equal(l.items[3].due_minute, 0);
        occurrence_list_done(&l);
        config_free(c);
}

/* 每季度末20日: the 20th of the quarter's last month. 2026-06-20 Sat → 06-22; 09-20 is a make-up
 * Sunday; 12-20 Sun → 12-21; 2027-03-20 Sat → 03-22; 06-20 Sun → 06-21. */
static void period_end_day(void **s) {
        (void)s;
        const char *want = "2026-Q1:1=2026-03-20 2026-Q2:1=2026-06-22 2026-Q3:1=2026-09-20 "
                           "2026-Q4:1=2026-12-21 2027-Q1:1=2027-03-22 2027-Q2:1=2027-06-21 "
                           "2027-Q3:1=2027-09-20 2027-Q4:1=2027-12-20";
        EXPECT_PLAN("每季度末20日", NULL, want);
        EXPECT_PLAN("每季度末20日前报送", NULL, want);
        EXPECT_PLAN("{period: quarter, due_day: 20}", NULL, want);
        /* 每季度末 is the quarter's end. */
        EXPECT_PLAN("每季度末", NULL,
                    "2026-Q1:1=2026-03-31 2026-Q2:1=2026-06-30 2026-Q3:1=2026-09-30 "
                    "2026-Q4:1=2026-12-31 2027-Q1:1=2027-03-31 2027-Q2:1=2027-06-30 "
                    "2027-Q3:1=2027-09-30 2027-Q4:1=2027-12-31");
}

/* 每月最后一个工作日: the month's end moved earlier. 2026-01-31 Sat → 01-30; 02-28 is a make-up
 * Saturday; 05-31 Sun → 05-29; 2027-02-28 Sun → 02-26; 2028-02-29 Tue. */
static void last_working_day(void **s) {
        (void)s;
        const char *want = "2026-01:1=2026-01-30 2026-02:1=2026-02-28 2026-03:1=2026-03-31 "
                           "2026-04:1=2026-04-30 2026-05:1=2026-05-29";
        expect_plan_in("每月最后一个工作日", "2026-01-01", "2026-05-31", want);
        expect_plan_in("{period: month, due_day: last, holiday_move: earlier}", "2026-01-01",
                       "2026-05-31", want);
        expect_plan_in("每月最后一个工作日前报送", "2027-01-01", "2027-02-28",
                       "2027-01:1=2027-01-29 2027-02:1=2027-02-26");
        expect_plan_in("每月最后一个工作日", "2028-02-01", "2028-02-29", "2028-02:1=2028-02-29");
        /* 每月底前 / 每月月底前 are the month's end, postponed: 01-31 Sat → 02-02. */
        expect_plan_in("每月月底前", "2026-01-01", "2026-02-28",
                       "2026-01:1=2026-02-02 2026-02:1=2026-02-28");
        /* A half month's last working day: 02-15 (春节) → 02-14, a make-up Saturday. */
        expect_plan_in("每半月最后一个工作日", "2026-01-01", "2026-02-15",
                       "2026-01-H1:1=2026-01-15 2026-01-H2:1=2026-01-30 2026-02-H1:1=2026-02-14");
        /* 每年年底前 and 每年最后一个工作日 are 年终. */
        EXPECT_PLAN("每年最后一个工作日", NULL, "2026:1=2026-12-31 2027:1=2027-12-31");
        EXPECT_PLAN("每年年底前", NULL, "2026:1=2026-12-31 2027:1=2027-12-31");
}

/* 每月5日前报送上月: the month's report by the 5th of the next. 2026-04-05 (清明) → 04-07;
 * 05-05 (劳动节) → 05-06; 10-05 (国庆) → 10-08; 2028-02-05 Sat → 02-07; 03-05 Sun → 03-06. */
static void previous_month(void **s) {
        (void)s;
        const char *want = "2025-12:1=2026-01-05 2026-01:1=2026-02-05 2026-02:1=2026-03-05 "
                           "2026-03:1=2026-04-07 2026-04:1=2026-05-06 2026-05:1=2026-06-05";
        expect_plan_in("每月5日前报送上月安全生产情况", "2026-01-01", "2026-06-30", want);
        expect_plan_in("{period: month, due_day: 5, after_period: true}", "2026-01-01",
                       "2026-06-30", want);
        expect_plan_in("每月5日前（上月）", "2026-09-01", "2026-10-31",
                       "2026-08:1=2026-09-07 2026-09:1=2026-10-08");
        expect_plan_in("每月5号前上报上个月隐患排查情况", "2027-12-01", "2028-03-31",
                       "2027-11:1=2027-12-06 2027-12:1=2028-01-05 2028-01:1=2028-02-07 "
                       "2028-02:1=2028-03-06");
}

/* Several deadlines in a year, one checkpoint each: 6月底和年底前; 每年1月、7月 (month ends:
 * 2026-01-31 Sat → 02-02, 2027-01-31 Sun → 02-01, 2027-07-31 Sat → 08-02); 3月15日及9月15日前
 * (2026-03-15 Sun → 03-16). */
static void several_deadlines(void **s) {
        (void)s;
        const char *want = "2026:1=2026-06-30 2026:2=2026-12-31 2027:1=2027-06-30 "
                           "2027:2=2027-12-31";
        EXPECT_PLAN("6月底和年底前", NULL, want);
        EXPECT_PLAN("每年6月底、12月底前", NULL, want);
        EXPECT_PLAN("{period: year, due_months: [6, 12], due_day: last}", NULL, want);
        expect_plan_in("每年1月、7月", "2026-01-01", "2028-12-31",
                       "2026:1=2026-02-02 2026:2=2026-07-31 2027:1=2027-02-01 "
                       "2027:2=2027-08-02 2028:1=2028-01-31 2028:2=2028-07-31");
        /* 2027-09-15 is 中秋 (provisional 2027 holidays): postponed to the 16th. */
        EXPECT_PLAN("每年3月15日及9月15日前", NULL,
                    "2026:1=2026-03-16 2026:2=2026-09-15 2027:1=2027-03-15 2027:2=2027-09-16");
}

/* One-off dates: only that year. 2027-05-30 Sun → 05-31. */
static void one_off(void **s) {
        (void)s;
        expect_plan_in("2027年5月30日前", "2026-01-01", "2028-12-31", "2027:1=2027-05-31");
        expect_plan_in("{period: year, once: 2027, due_month: 5, due_day: 30}", "2026-01-01",
                       "2028-12-31", "2027:1=2027-05-31");
        expect_plan_in("2026年6月底和年底前完成整改", "2025-01-01", "2028-12-31",
                       "2026:1=2026-06-30 2026:2=2026-12-31");
        expect_plan_in("2027年5月30日前", "2026-01-01", "2027-05-30", "");
}

/* 每年年底或年初: the window December–January, due at its end (2026-01-31 Sat → 02-02,
 * 2027-01-31 Sun → 02-01, 2028-01-31 Mon); a completion in December counts for it. */
static void window_year_end(void **s) {
        (void)s;
        const char *want = "2025:1=2026-02-02 2026:1=2027-02-01 2027:1=2028-01-31";
        expect_plan_in("每年年底或年初", "2026-01-01", "2028-12-31", want);
        expect_plan_in("岁末年初开展一次走访慰问", "2026-01-01", "2028-12-31", want);
        expect_plan_in("{period: year, start_month: 12, due_month: 1, due_day: last}", "2026-01-01",
                       "2028-12-31", want);
        Config *c = load_ok("organization: {name: 测试镇}\nposts: [{id: p, name: 书记}]\n"
                            "people: [{id: a, name: 张三, posts: [p]}]\n"
                            "duties: [{id: d, post: p, title: t, rule: 每年年底或年初}]\n");
        Occurrence o;
        assert_int_equal(schedule_find(c, "d:p:2026:1", &o), 0);
        assert_int_equal(o.period_start, day_from_ymd(2026, 12, 1));
        assert_int_equal(o.period_end, day_from_ymd(2027, 11, 30));
        assert_int_equal(o.due, day_from_ymd(2027, 2, 1));
        OccurrenceList l = {0};
        assert_int_equal(schedule_period_checkpoints(c, 0, 0, -1, day_from_ymd(2026, 12, 15), &l),
                         0);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.items[0].due, day_from_ymd(2027, 2, 1));
        occurrence_list_done(&l);
        config_free(c);
        /* Other windows, by hand: 6月至9月 ends 09-30 (2026 Wed; 2027 Thu; 2028 Sat, 10-01..03
         * provisional 国庆 → Wed 10-04); 11月至次年2月 ends in February (2026-02-28 a make-up
         * Saturday; 2027-02-28 Sun → Mon 03-01; 2028-02-29 leap day, a Tuesday). */
        expect_plan_in("每年6月至9月开展汛期检查", "2026-01-01", "2028-12-31",
                       "2026:1=2026-09-30 2027:1=2027-09-30 2028:1=2028-10-04");
        expect_plan_in("{period: year, start_month: 6, due_month: 9, due_day: last}", "2026-01-01",
                       "2028-12-31", "2026:1=2026-09-30 2027:1=2027-09-30 2028:1=2028-10-04");
        expect_plan_in("每年11月至次年2月", "2026-01-01", "2028-12-31",
                       "2025:1=2026-02-28 2026:1=2027-03-01 2027:1=2028-02-29");
}

static void periods(void **s) {
        (void)s;
        PeriodKind k;
        Day a, b;
        assert_int_equal(period_parse("2026-W47", &k, &a, &b), 0);
        assert_int_equal(k, PERIOD_WEEK);
        assert_int_equal(a, day_from_ymd(2026, 11, 16));
        assert_int_equal(b, day_from_ymd(2026, 11, 22));
        char buf[32];
        period_id(PERIOD_WEEK, a, buf, sizeof(buf));
        assert_string_equal(buf, "2026-W47");
        assert_int_equal(period_parse("2026-H2", &k, &a, &b), 0);
        assert_int_equal(a, day_from_ymd(2026, 7, 1));
        assert_int_equal(b, day_from_ymd(2026, 12, 31));
        assert_int_equal(period_parse("2026-Q4", &k, &a, &b), 0);
        assert_int_equal(a, day_from_ymd(2026, 10, 1));
        assert_int_equal(period_parse("2026-11", &k, &a, &b), 0);
        assert_int_equal(b, day_from_ymd(2026, 11, 30));
        assert_int_equal(period_parse("2026", &k, &a, &b), 0);
        assert_int_equal(k, PERIOD_YEAR);
        assert_int_equal(period_parse("2026-13", &k, &a, &b), -EINVAL);
        assert_int_equal(period_parse("2026-Q5", &k, &a, &b), -EINVAL);
        assert_int_equal(period_parse("2027-W53", &k, &a, &b), -EINVAL);
        assert_int_equal(period_parse("2026-W53", &k, &a, &b), 0);
        assert_int_equal(period_parse("26", &k, &a, &b), -EINVAL);
        assert_int_equal(period_parse("2028-02-H2", &k, &a, &b), 0);
        assert_int_equal(k, PERIOD_HALF_MONTH);
        assert_int_equal(a, day_from_ymd(2028, 2, 16));
        assert_int_equal(b, day_from_ymd(2028, 2, 29));
        period_id(PERIOD_HALF_MONTH, a, buf, sizeof(buf));
        assert_string_equal(buf, "2028-02-H2");
        assert_int_equal(period_parse("2026-02-H3", &k, &a, &b), -EINVAL);
        assert_int_equal(period_parse("2026-02-H", &k, &a, &b), -EINVAL);
        assert_int_equal(period_parse("2027-02-D3", &k, &a, &b), 0);
        assert_int_equal(k, PERIOD_DEKAD);
        assert_int_equal(a, day_from_ymd(2027, 2, 21));
        assert_int_equal(b, day_from_ymd(2027, 2, 28));
        period_id(PERIOD_DEKAD, a, buf, sizeof(buf));
        assert_string_equal(buf, "2027-02-D3");
        assert_int_equal(period_parse("2026-02-D4", &k, &a, &b), -EINVAL);
        assert_int_equal(period_parse("2028-B1", &k, &a, &b), 0);
        assert_int_equal(k, PERIOD_TWO_MONTHS);
        assert_int_equal(a, day_from_ymd(2028, 1, 1));
        assert_int_equal(b, day_from_ymd(2028, 2, 29));
        period_id(PERIOD_TWO_MONTHS, day_from_ymd(2026, 12, 1), buf, sizeof(buf));
        assert_string_equal(buf, "2026-B6");
        assert_int_equal(period_parse("2026-B7", &k, &a, &b), -EINVAL);
}

/* Period ids, dates and occurrence ids are built without printf (util.h Str): each kind, every
 * day of two years, against the format they were first written with; a short buffer is cut. */
static void ids_as_printf(void **s) {
        (void)s;
        for (Day d = day_from_ymd(2027, 1, 1); d <= day_from_ymd(2028, 12, 31); d++) {
                Ymd t = day_to_ymd(d);
                int y, w;
                day_iso_week(d, &y, &w);
                char want[11][48], got[48];
                snprintf(want[0], 48, "%04d-W%02d", y, w);
                snprintf(want[1], 48, "%04d-%02d-%02d", t.y, t.m, t.d);
                snprintf(want[2], 48, "%04d-S%02d%02d", t.y, t.m, t.d);
                snprintf(want[3], 48, "%04d-Y%02d%02d", t.y, t.m, t.d);
                snprintf(want[4], 48, "%04d-%02d", t.y, t.m);
                snprintf(want[5], 48, "%04d-%02d-H%d", t.y, t.m, t.d <= 15 ? 1 : 2);
                snprintf(want[6], 48, "%04d-%02d-D%d", t.y, t.m, t.d <= 10 ? 1 : t.d <= 20 ? 2 : 3);
                snprintf(want[7], 48, "%04d-Q%d", t.y, (t.m - 1) / 3 + 1);
                snprintf(want[8], 48, "%04d-B%d", t.y, (t.m - 1) / 2 + 1);
                snprintf(want[9], 48, "%04d-H%d", t.y, t.m <= 6 ? 1 : 2);
                snprintf(want[10], 48, "%04d", t.y);
                const PeriodKind k[11] = {PERIOD_WEEK,        PERIOD_DAY,     PERIOD_TERM,
                                          PERIOD_SCHOOL_YEAR, PERIOD_MONTH,   PERIOD_HALF_MONTH,
                                          PERIOD_DEKAD,       PERIOD_QUARTER, PERIOD_TWO_MONTHS,
                                          PERIOD_HALF,        PERIOD_YEAR};
                for (int i = 0; i < 11; i++) {
                        period_id(k[i], d, got, sizeof(got));
                        assert_string_equal(got, want[i]);
                }
                day_format(d, got);
                assert_string_equal(got, want[1]);
        }
        char small[8];
        period_id(PERIOD_DAY, day_from_ymd(2026, 12, 31), small, sizeof(small));
        assert_string_equal(small, "2026-12");
        char one[1];
        Str st = str_init(one, sizeof(one));
        str_put(&st, "abc");
        str_num(&st, 7, 3);
        assert_string_equal(one, "");
        char num[16];
        st = str_init(num, sizeof(num));
        str_num(&st, 0, 1);
        str_num(&st, 5, 3);
        str_num(&st, 4294967295u, 2);
        assert_string_equal(num, "00054294967295");
}

/* schedule_count() counts shared posts and equal rules once and multiplies: it must give what
 * schedule_plan() lists, with per_holder tenures, holidays, events and more distinct rules than
 * it remembers. */
static void count_matches_plan(void **s) {
        (void)s;
        Buf y = {0};
        buf_puts(&y, base_yaml);
        buf_puts(&y,
                 "duties:\n"
                 "  - {id: s1, posts: [p, j, m], title: 甲, rule: 每月至少2次}\n"
                 "  - {id: s2, posts: [p, m], title: 乙, rule: 每月至少2次}\n"
                 "  - {id: h1, posts: [m, j], title: 丙, rule: 每季度至少1次, per_holder: true}\n"
                 "  - {id: b1, posts: [p, j], title: 丁, rule: 重大节假日前}\n"
                 "  - {id: e1, posts: [p], title: 戊, event: accident}\n");
        for (int i = 1; i <= 40; i++)
                buf_printf(&y, "  - {id: r%d, posts: [p, j], title: 己, rule: 每年%d月%d日前}\n", i,
                           i % 12 + 1, i % 28 + 1);
        _cleanup_free_ char *yaml = buf_steal(&y);
        Config *c = load_ok(yaml);
        Day from = day_from_ymd(2026, 1, 1), to = day_from_ymd(2027, 12, 31);
        OccurrenceList l = {0};
        assert_int_equal(schedule_plan(c, from, to, PLAN_FILTER_ALL, &l), 0);
        size_t n = 0;
        assert_int_equal(schedule_count(c, from, to, &n), 0);
        assert_true(l.n > 200);
        assert_int_equal(n, l.n);
        occurrence_list_done(&l);
        config_free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(ids_as_printf),
                cmocka_unit_test(half_year_once),
                cmocka_unit_test(yearly_once),
                cmocka_unit_test(yearly_four),
                cmocka_unit_test(yearly_two),
                cmocka_unit_test(monthly_once),
                cmocka_unit_test(monthly_twice),
                cmocka_unit_test(quarterly),
                cmocka_unit_test(monthly_25th),
                cmocka_unit_test(annual_report_previous_year),
                cmocka_unit_test(year_end),
                cmocka_unit_test(before_holidays),
                cmocka_unit_test(pacing_off),
                cmocka_unit_test(pacing_by_days),
                cmocka_unit_test(holiday_move_options),
                cmocka_unit_test(per_holder_and_holders),
                cmocka_unit_test(person_filter_follows_tenure),
                cmocka_unit_test(per_holder_follows_tenure),
                cmocka_unit_test(stable_ids),
                cmocka_unit_test(reminders),
                cmocka_unit_test(half_month),
                cmocka_unit_test(dekad),
                cmocka_unit_test(two_months),
                cmocka_unit_test(n_years),
                cmocka_unit_test(two_weeks),
                cmocka_unit_test(weekday),
                cmocka_unit_test(daily),
                cmocka_unit_test(times_of_day),
                cmocka_unit_test(scopes),
                cmocka_unit_test(shared_rules),
                cmocka_unit_test(shifts),
                cmocka_unit_test(terms),
                cmocka_unit_test(period_end_day),
                cmocka_unit_test(last_working_day),
                cmocka_unit_test(previous_month),
                cmocka_unit_test(several_deadlines),
                cmocka_unit_test(one_off),
                cmocka_unit_test(window_year_end),
                cmocka_unit_test(periods),
                cmocka_unit_test(count_matches_plan),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
