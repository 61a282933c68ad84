/* test-report.c — the record's counting (on time, late, missed, open; per_holder; vacant posts;
 * shared posts), filters, CSV quoting, JSON, and the 述职 draft (as data and as text). */
#include "testutil.h"

#include <jansson.h>

#include "completion.h"
#include "report.h"
#include "schedule.h"
#include "store.h"

static const char *YAML =
        "organization: {name: 测试镇}\n"
        "documents:\n  - {id: yj, title: 实施意见, number: \"大发〔2019〕45号\"}\n"
        "posts:\n  - {id: zz, name: 镇长}\n  - {id: bz, name: 其他班子成员}\n"
        "  - {id: kw, name: 空岗位}\n"
        "people:\n  - {id: b, name: 李四, posts: [zz]}\n  - {id: c, name: 王五, posts: [bz]}\n"
        "  - {id: d, name: 赵六, posts: [bz]}\n"
        "duties:\n"
        "  - {id: m, post: zz, title: 安全生产工作会议, rule: 每月至少1次, document: yj, clause: \"二、（一）3\"}\n"
        "  - {id: x, post: bz, per_holder: true, title: 督导检查, rule: 每季度至少1次}\n"
        "  - {id: v, post: kw, title: 空岗检查, rule: 每季度至少1次}\n"
        "  - {id: s, post: bz, title: \"年度考核,述职\", rule: 年终}\n";

typedef struct Fx {
        char dir[64];
        Store *s;
        Config *c;
        Ledger *l;
} Fx;

static void add(Fx *f, const char *occ, const char *by, Day date, const char *note,
                const char *evidence) {
        Occurrence o;
        assert_int_equal(schedule_find(f->c, occ, &o), 0);
        CompletionInput in = {.occ = &o,
                              .done_by = by,
                              .date = date,
                              .note = note,
                              .evidence = evidence,
                              .source = "test"};
        assert_int_equal(completion_add(f->s, f->c, &in, NULL), 0);
}

static int setup(void **state) {
        Fx *f = calloc(1, sizeof(*f));
        strcpy(f->dir, "/tmp/dutyd-report-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        assert_int_equal(store_open(f->dir, &f->s), 0);
        assert_int_equal(completion_init(f->s), 0);
        f->c = load_ok(YAML);
        add(f, "m:zz:2026-07:1", "b", day_from_ymd(2026, 7, 10), "纪要,第\"7\"号", "https://e.x/7");
        add(f, "m:zz:2026-08:1", "b", day_from_ymd(2026, 9, 3), NULL, NULL); /* late */
        add(f, "x:bz.c:2026-Q3:1", "c", day_from_ymd(2026, 9, 1), NULL, NULL);
        /* An undone completion does not count. */
        add(f, "m:zz:2026-09:1", "b", day_from_ymd(2026, 9, 10), NULL, NULL);
        int64_t undone;
        assert_int_equal(completion_undo(f->s, 0, &undone), 0);
        assert_int_equal(ledger_load(f->s, &f->l), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fx *f = *state;
        ledger_free(f->l);
        store_close(f->s);
        config_free(f->c);
        rm_tree(f->dir);
        free(f);
        return 0;
}

#define TODAY day_from_ymd(2026, 11, 15)

static void check_counts(const ReportCounts *n, int req, int on, int late, int missed, int open) {
        assert_int_equal(n->required, req);
        assert_int_equal(n->on_time, on);
        assert_int_equal(n->late, late);
        assert_int_equal(n->missed, missed);
        assert_int_equal(n->open, open);
}

static void test_counts(void **state) {
        Fx *f = *state;
        Report r;
        Day from, to;
        PeriodKind k;
        assert_int_equal(period_parse("2026-H2", &k, &from, &to), 0);
        assert_int_equal(report_build(f->c, f->l, from, to, TODAY, -1, -1, &r), 0);
        assert_int_equal(r.n_rows, 6);
        /* m: Jul on time, Aug late, Sep and Oct (due 11-02) missed, Nov and Dec open. */
        assert_int_equal(r.rows[0].duty, 0);
        assert_int_equal(r.rows[0].person, config_find_person(f->c, "b"));
        check_counts(&r.rows[0].n, 6, 1, 1, 2, 2);
        /* x per_holder: c Q3 on time + Q4 open; d Q3 missed + Q4 open. */
        assert_int_equal(r.rows[1].person, config_find_person(f->c, "c"));
        check_counts(&r.rows[1].n, 2, 1, 0, 0, 1);
        assert_int_equal(r.rows[2].person, config_find_person(f->c, "d"));
        check_counts(&r.rows[2].n, 2, 0, 0, 1, 1);
        /* v: vacant post. */
        assert_int_equal(r.rows[3].person, -1);
        check_counts(&r.rows[3].n, 2, 0, 0, 1, 1);
        /* s: a shared post, each holder owes it; counted once in the total. */
        check_counts(&r.rows[4].n, 1, 0, 0, 0, 1);
        check_counts(&r.rows[5].n, 1, 0, 0, 0, 1);
        check_counts(&r.total, 13, 2, 1, 4, 6);
        report_done(&r);

        /* Filters. */
        assert_int_equal(
                report_build(f->c, f->l, from, to, TODAY, config_find_person(f->c, "c"), -1, &r),
                0);
        assert_int_equal(r.n_rows, 2);
        check_counts(&r.total, 3, 1, 0, 0, 2);
        report_done(&r);
        assert_int_equal(
                report_build(f->c, f->l, from, to, TODAY, -1, config_find_post(f->c, "zz"), &r), 0);
        assert_int_equal(r.n_rows, 1);
        check_counts(&r.total, 6, 1, 1, 2, 2);
        report_done(&r);

        /* A month: the October meeting is due 11-02, so 2026-11 holds two deadlines. */
        assert_int_equal(period_parse("2026-11", &k, &from, &to), 0);
        assert_int_equal(
                report_build(f->c, f->l, from, to, TODAY, -1, config_find_post(f->c, "zz"), &r), 0);
        check_counts(&r.total, 2, 0, 0, 1, 1);
        report_done(&r);
        /* On the deadline itself a checkpoint is still open. */
        assert_int_equal(report_build(f->c, f->l, from, to, day_from_ymd(2026, 11, 30), -1,
                                      config_find_post(f->c, "zz"), &r),
                         0);
        check_counts(&r.total, 2, 0, 0, 1, 1);
        report_done(&r);
}

static void test_csv_field(void **state) {
        (void)state;
        Buf b = {0};
        csv_field(&b, "plain", false);
        csv_field(&b, "a,b", false);
        csv_field(&b, "say \"hi\"", false);
        csv_field(&b, "two\nlines", false);
        csv_field(&b, "cr\r", false);
        csv_field(&b, NULL, false);
        csv_field(&b, "张三", true);
        assert_string_equal(b.data,
                            "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\",,张三\r\n");
        buf_done(&b);
}

static void test_formats(void **state) {
        Fx *f = *state;
        Report r;
        Day from, to;
        PeriodKind k;
        assert_int_equal(period_parse("2026-Q4", &k, &from, &to), 0);
        assert_int_equal(report_build(f->c, f->l, from, to, TODAY, -1, -1, &r), 0);
        char *csv = NULL;
        assert_int_equal(report_format_csv(f->c, &r, &csv), 0);
        assert_non_null(strstr(csv, "职责编号,职责,岗位编号,岗位,人员编号,人员,应完成,按时完成,"
                                    "逾期完成,未完成,未到期\r\n"));
        assert_non_null(strstr(csv, "m,安全生产工作会议,zz,镇长,b,李四,3,0,0,1,2\r\n"));
        assert_non_null(strstr(csv, "s,\"年度考核,述职\",bz,其他班子成员,c,王五,1,0,0,0,1\r\n"));
        assert_non_null(strstr(csv, "v,空岗检查,kw,空岗位,,空缺,1,0,0,0,1\r\n"));
        assert_non_null(strstr(csv, "合计,,,,,,7,0,0,1,6\r\n"));
        free(csv);
        char *js = NULL;
        assert_int_equal(report_format_json(f->c, &r, "2026-Q4", &js), 0);
        json_error_t err;
        json_t *j = json_loads(js, 0, &err);
        assert_non_null(j);
        assert_string_equal(json_string_value(json_object_get(j, "period")), "2026-Q4");
        assert_int_equal(json_array_size(json_object_get(j, "rows")), r.n_rows);
        json_t *t = json_object_get(j, "total");
        assert_int_equal(json_integer_value(json_object_get(t, "required")), 7);
        assert_int_equal(json_integer_value(json_object_get(t, "missed")), 1);
        json_t *vac = json_array_get(json_object_get(j, "rows"), 3);
        assert_true(json_is_null(json_object_get(vac, "person")));
        json_decref(j);
        free(js);
        report_done(&r);
}

static void test_shuzhi(void **state) {
        Fx *f = *state;
        Completion *v = NULL;
        size_t n = 0;
        assert_int_equal(completion_list(f->s, false, &v, &n), 0);
        char *t = NULL;
        assert_int_equal(report_shuzhi(f->c, f->l, v, n, (size_t)config_find_person(f->c, "b"),
                                       2026, TODAY, &t),
                         0);
        assert_non_null(strstr(t, "李四 2026年度"));
        assert_non_null(strstr(t, "镇长（全年）"));
        assert_non_null(strstr(t, "2026-07-10  镇长·安全生产工作会议（2026-07）"));
        assert_non_null(strstr(t, "说明：纪要,第\"7\"号"));
        assert_non_null(strstr(t, "证明材料：https://e.x/7"));
        assert_non_null(strstr(t, "依据：大发〔2019〕45号 二、（一）3"));
        assert_non_null(strstr(t, "逾期完成（2026-09-03 完成，逾期 3 天）"));
        assert_non_null(strstr(t, "（2026-09 第1/1次，截止 2026-09-30）：未完成"));
        assert_null(strstr(t, "2026-09-10")); /* undone */
        assert_non_null(strstr(t, "小结：2026年度应履职 12 次，按时完成 1 次，逾期完成 1 次，"
                                  "未完成 8 次，尚未到期 2 次"));
        free(t);
        /* Someone with a per_holder duty and nothing late. */
        assert_int_equal(report_shuzhi(f->c, f->l, v, n, (size_t)config_find_person(f->c, "c"),
                                       2026, TODAY, &t),
                         0);
        assert_non_null(strstr(t, "其他班子成员·督导检查：应完成 4 次，按时完成 1 次"));
        free(t);
        completion_list_free(v, n);
}

/* The draft as data (what the workbook's 述职 sheet is made of) agrees with the text. */
static void test_shuzhi_data(void **state) {
        Fx *f = *state;
        Completion *v = NULL;
        size_t n = 0;
        assert_int_equal(completion_list(f->s, false, &v, &n), 0);
        size_t b = (size_t)config_find_person(f->c, "b");
        ShuzhiDraft z = {0};
        assert_int_equal(report_shuzhi_build(f->c, f->l, v, n, b, 2026, TODAY, &z), 0);
        assert_int_equal(z.n_posts, 1);
        assert_int_equal(z.posts[0].from, day_from_ymd(2026, 1, 1));
        assert_int_equal(z.posts[0].until, day_from_ymd(2026, 12, 31));
        assert_int_equal(z.duties.n_rows, 1);
        assert_int_equal(z.duties.total.required, 12);
        assert_int_equal(z.n_records, 2); /* not the undone one */
        assert_string_equal(z.records[0]->note, "纪要,第\"7\"号");
        assert_int_equal(z.n_problems, 9); /* 8 missed, 1 late */
        char what[SHUZHI_PROBLEM_TEXT_MAX];
        size_t late = 0;
        for (size_t i = 0; i < z.n_problems; i++)
                if (z.problems[i].state == REPORT_LATE)
                        late++, report_problem_text(&z.problems[i], what);
        assert_int_equal(late, 1);
        assert_string_equal(what, "逾期完成（2026-09-03 完成，逾期 3 天）");
        char *title = report_shuzhi_title(f->c, &z), *sum = report_shuzhi_summary(&z), *t = NULL;
        assert_int_equal(report_shuzhi(f->c, f->l, v, n, b, 2026, TODAY, &t), 0);
        assert_true(strncmp(t, title, strlen(title)) == 0);
        assert_non_null(strstr(t, sum));
        free(title), free(sum), free(t);
        report_shuzhi_done(&z);
        report_shuzhi_done(NULL);
        /* A completion naming nobody counts for whoever held its post that day. */
        Completion x = {.duty = (char *)"m",
                        .post = (char *)"zz",
                        .person = (char *)"",
                        .date = day_from_ymd(2026, 5, 1)};
        assert_true(report_completion_of(f->c, &x, b));
        assert_false(report_completion_of(f->c, &x, (size_t)config_find_person(f->c, "c")));
        completion_list_free(v, n);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_counts, setup, teardown),
                cmocka_unit_test(test_csv_field),
                cmocka_unit_test_setup_teardown(test_formats, setup, teardown),
                cmocka_unit_test_setup_teardown(test_shuzhi, setup, teardown),
                cmocka_unit_test_setup_teardown(test_shuzhi_data, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
