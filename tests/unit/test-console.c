/* test-console.c — the console's pure parts: evidence file names made safe, hashes and types
 * checked (evidence.h), which occurrences the overview lists and in what order
 * (consoleview_rows), and the occurrence page's escaping of a record's text. */
#include "testutil.h"

#include "consoleview.h"
#include "evidence.h"
#include "ledger.h"
#include "schedule.h"

/* ---- evidence_clean_name ------------------------------------------------------------------- */

static void clean_is(const char *name, const char *want) {
        char *got = evidence_clean_name(name);
        assert_non_null(got);
        assert_string_equal(got, want);
        free(got);
}

static void test_clean_path(void **state) {
        (void)state;
        clean_is("检查纪要.pdf", "检查纪要.pdf");
        clean_is("a/b/c.pdf", "c.pdf");
        clean_is("../../etc/passwd", "passwd");
        clean_is("C:\\Users\\王\\报告.pdf", "报告.pdf");
        clean_is("/abs/x.png", "x.png");
        clean_is("mixed\\dir/and\\name.pdf", "name.pdf");
}

static void test_clean_marks(void **state) {
        (void)state;
        clean_is("a\x01"
                 "b\x7f"
                 "c\t.pdf",
                 "a_b_c_.pdf");
        clean_is("a\xc2\x85"
                 "b.pdf",
                 "a_b.pdf"); /* U+0085, a C1 control */
        clean_is("a:b*c?d\"e<f>g|h.pdf", "a_b_c_d_e_f_g_h.pdf");
        clean_is("\"><img src=x onerror=alert(1)>.pdf", "___img src=x onerror=alert(1)_.pdf");
        clean_is("%22 kept & 'quotes'.pdf", "%22 kept & 'quotes'.pdf"); /* escaped when shown */
}

static void test_clean_utf8(void **state) {
        (void)state;
        clean_is("ab\xff"
                 "cd.pdf",
                 "ab");                   /* cut where it stops being UTF-8 */
        clean_is("纪要\xe4\xb8", "纪要"); /* a character cut short */
        clean_is("x\xc0\xaf"
                 "y",
                 "x"); /* an overlong '/' */
        clean_is("x\xed\xa0\x80"
                 "y",
                 "x"); /* a surrogate */
        clean_is("\xff"
                 "name.pdf",
                 "证明材料"); /* nothing left */
}

static void test_clean_length(void **state) {
        (void)state;
        char in[512], want[1024];
        /* 200 bytes of ASCII are kept whole, the 201st is cut. */
        memset(in, 'a', 201), in[201] = 0;
        memset(want, 'a', 200), want[200] = 0;
        clean_is(in, want);
        in[200] = 0;
        clean_is(in, want);
        /* 67 three-byte characters (201 bytes): 66 kept (198 bytes), none split. */
        in[0] = want[0] = 0;
        for (int i = 0; i < 67; i++)
                strcat(in, "测");
        for (int i = 0; i < 66; i++)
                strcat(want, "测");
        clean_is(in, want);
        /* After "ab": 200 bytes end inside the 67th character: 66 kept (200 bytes). */
        snprintf(want, sizeof(want), "ab%s", in);
        char *got = evidence_clean_name(want);
        assert_non_null(got);
        assert_int_equal(strlen(got), 200);
        assert_true(utf8_valid(got, strlen(got)));
        free(got);
        /* One byte more: 199 bytes, the character that would end at 201 left out. */
        snprintf(want, sizeof(want), "abc%s", in);
        got = evidence_clean_name(want);
        assert_non_null(got);
        assert_int_equal(strlen(got), 3 + 65 * 3);
        assert_true(utf8_valid(got, strlen(got)));
        free(got);
}

static void test_clean_empty(void **state) {
        (void)state;
        clean_is("", "证明材料");
        clean_is(NULL, "证明材料");
        clean_is(".", "证明材料");
        clean_is("..", "证明材料");
        clean_is("dir/", "证明材料");
        clean_is("a/..", "证明材料");
        clean_is("../..", "证明材料");
        clean_is("...", "...");
        clean_is(".hidden", ".hidden");
}

/* ---- hashes and types ---------------------------------------------------------------------- */

static void test_hash_valid(void **state) {
        (void)state;
        const char *ok = "9f1028b2b41823635f8e760d98ff57197c2fb1abd5a3fb2189a8c83c8c2a9d6a";
        char s[80];
        assert_true(evidence_hash_valid(ok));
        assert_false(evidence_hash_valid(""));
        snprintf(s, sizeof(s), "%.63s", ok);
        assert_false(evidence_hash_valid(s));
        snprintf(s, sizeof(s), "%s0", ok);
        assert_false(evidence_hash_valid(s));
        snprintf(s, sizeof(s), "%s", ok);
        s[0] = 'F';
        assert_false(evidence_hash_valid(s)); /* lowercase only: one name per file */
        s[0] = 'g';
        assert_false(evidence_hash_valid(s));
        s[0] = '/';
        assert_false(evidence_hash_valid(s));
        snprintf(s, sizeof(s), "../%.61s", ok);
        assert_false(evidence_hash_valid(s));
}

static void test_type_allowed(void **state) {
        (void)state;
        const char *ok[] = {"application/pdf", "image/jpeg", "image/png", "image/webp",
                            "image/heic"};
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                char copy[32];
                snprintf(copy, sizeof(copy), "%s", ok[i]);
                const char *t = evidence_type_allowed(copy);
                assert_non_null(t);
                assert_string_equal(t, ok[i]);
                assert_ptr_not_equal(t, copy); /* a static string: outlives the caller's */
        }
        const char *no[] = {"text/html",
                            "text/plain",
                            "image/svg+xml",
                            "image/gif",
                            "application/octet-stream",
                            "application/pdf; charset=binary",
                            "IMAGE/PNG",
                            ""};
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                assert_null(evidence_type_allowed(no[i]));
        assert_null(evidence_type_allowed(NULL));
}

/* ---- consoleview_rows ---------------------------------------------------------------------- */

static const char *YAML =
        "organization: {name: 测试镇}\n"
        "posts:\n  - {id: zz, name: 镇长}\n  - {id: aj, name: 安监站长}\n"
        "people:\n  - {id: a, name: 张三, posts: [zz]}\n  - {id: b, name: 李四, posts: [aj]}\n"
        "  - {id: w, name: 王文书}\n"
        "duties:\n"
        "  - {id: m, post: zz, title: 安全生产工作会议, rule: 每月至少1次, from: 2026-01-01}\n"
        "  - {id: q, post: aj, title: \"检查<b>\", rule: 每季度至少1次, from: 2026-01-01}\n";

#define TODAY day_from_ymd(2026, 3, 24)

typedef struct Fx {
        Config *c;
        Ledger *l;
} Fx;

/* A completion of the meeting m by 张三. */
static Completion meeting(int64_t id, char *period, Day date) {
        return (Completion){.id = id,
                            .duty = "m",
                            .post = "zz",
                            .person = "",
                            .period = period,
                            .done_by = "a",
                            .date = date};
}

/* The ledger: m 2026-01 done in January (an earlier period, met: not listed), m 2026-03 done
 * (current: listed as done); m 2026-02 (overdue) and q 2026-Q1 (open) not done. */
static int setup(void **state) {
        Fx *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        f->c = load_ok(YAML);
        Completion v[] = {meeting(1, "2026-01", day_from_ymd(2026, 1, 20)),
                          meeting(2, "2026-03", day_from_ymd(2026, 3, 10))};
        assert_int_equal(ledger_new(v, ELEMENTSOF(v), &f->l), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fx *f = *state;
        ledger_free(f->l);
        config_free(f->c);
        free(f);
        return 0;
}

/* The rows on `today`: their occurrence ids and state words, "id=state id=state". */
static void rows_on(const Fx *f, Day today, ConsoleFilter flt, size_t total, const char *want) {
        ConsoleRows rows;
        assert_int_equal(consoleview_rows(f->c, f->l, today, &flt, &rows), 0);
        Buf b = {0};
        for (size_t i = 0; i < rows.n; i++) {
                char id[OCCURRENCE_ID_MAX];
                occurrence_id(f->c, &rows.v[i].occ, id, sizeof(id));
                buf_printf(&b, "%s%s=%s", i ? " " : "", id, occ_status_key(&rows.v[i].st));
        }
        assert_string_equal(b.data ? b.data : "", want);
        assert_int_equal(rows.total, total);
        buf_done(&b);
        consoleview_rows_done(&rows);
}

static void rows_are(const Fx *f, ConsoleFilter flt, size_t total, const char *want) {
        rows_on(f, TODAY, flt, total, want);
}

static void test_rows_kept_and_order(void **state) {
        Fx *f = *state;
        /* Overdue first; then by deadline (both 03-31), m before q as in the config. */
        rows_are(f, (ConsoleFilter){-1, -1, CONSOLE_ALL}, 3,
                 "m:zz:2026-02:1=overdue m:zz:2026-03:1=done q:aj:2026-Q1:1=open");
        /* The overdue one comes first even when listed after a current one by deadline. */
        rows_are(f, (ConsoleFilter){config_find_post(f->c, "zz"), -1, CONSOLE_ALL}, 2,
                 "m:zz:2026-02:1=overdue m:zz:2026-03:1=done");
        rows_are(f, (ConsoleFilter){config_find_post(f->c, "aj"), -1, CONSOLE_ALL}, 1,
                 "q:aj:2026-Q1:1=open");
}

static void test_rows_state(void **state) {
        Fx *f = *state;
        rows_are(f, (ConsoleFilter){-1, -1, CONSOLE_OPEN}, 2,
                 "m:zz:2026-02:1=overdue q:aj:2026-Q1:1=open");
        rows_are(f, (ConsoleFilter){-1, -1, CONSOLE_OVERDUE}, 1, "m:zz:2026-02:1=overdue");
        rows_are(f, (ConsoleFilter){-1, -1, CONSOLE_DONE}, 1, "m:zz:2026-03:1=done");
        assert_int_equal(console_state_from_key("overdue"), CONSOLE_OVERDUE);
        assert_int_equal(console_state_from_key("all"), CONSOLE_ALL);
        assert_int_equal(console_state_from_key("nope"), -1);
        assert_int_equal(console_state_from_key(NULL), -1);
}

static void test_rows_person(void **state) {
        Fx *f = *state;
        rows_are(f, (ConsoleFilter){-1, config_find_person(f->c, "a"), CONSOLE_ALL}, 2,
                 "m:zz:2026-02:1=overdue m:zz:2026-03:1=done");
        rows_are(f, (ConsoleFilter){-1, config_find_person(f->c, "b"), CONSOLE_OPEN}, 1,
                 "q:aj:2026-Q1:1=open");
        /* The clerk holds no post: nothing (an empty list, sorted without fault). */
        rows_are(f, (ConsoleFilter){-1, config_find_person(f->c, "w"), CONSOLE_ALL}, 0, "");
        rows_are(f,
                 (ConsoleFilter){config_find_post(f->c, "aj"), config_find_person(f->c, "a"),
                                 CONSOLE_ALL},
                 0, "");
}

/* Later in the year: m 2026-03, met, drops out with its period; the unmet m 2026-02 and
 * q 2026-Q1 stay, overdue (within the last twelve months), before the current ones. */
static void test_rows_later(void **state) {
        Fx *f = *state;
        rows_on(f, day_from_ymd(2026, 5, 6), (ConsoleFilter){-1, -1, CONSOLE_ALL}, 5,
                "m:zz:2026-02:1=overdue q:aj:2026-Q1:1=overdue m:zz:2026-04:1=overdue "
                "m:zz:2026-05:1=open q:aj:2026-Q2:1=open");
}

/* ---- the occurrence page escapes what it shows ---------------------------------------------- */

static void test_occurrence_escapes(void **state) {
        Fx *f = *state;
        Occurrence o;
        assert_int_equal(schedule_find(f->c, "q:aj:2026-Q1:1", &o), 0);
        OccStatus st;
        ledger_status(f->l, f->c, &o, TODAY, &st);
        Completion x = {.id = 7,
                        .duty = "q",
                        .post = "aj",
                        .person = "",
                        .period = "2026-Q1",
                        .done_by = "b",
                        .note = "<script>alert(1)</script>",
                        .recorded_by = "w",
                        .source = "console",
                        .date = day_from_ymd(2026, 3, 20)};
        ConsoleFile files[] = {
                {"9f1028b2b41823635f8e760d98ff57197c2fb1abd5a3fb2189a8c83c8c2a9d6a",
                 "\"><img src=x onerror=alert(1)>.pdf", 1500},
                {"b1ff9c8ea3a780bad09b346c423d2d0e46815926879b18e841d928376a946640", "a'b&c.png",
                 3 << 20},
        };
        ConsoleEntry e = {&x, files, ELEMENTSOF(files)};
        ConsolePage p = {f->c, "王文书<i>", TODAY};
        Buf b = {0};
        consoleview_occurrence(&b, &p, &o, &st, &e, 1, "0123456789abcdef0123456789abcdef",
                               "<b>result</b>", false);
        assert_false(b.oom);
        const char *h = b.data;
        assert_null(strstr(h, "<script"));
        assert_null(strstr(h, "<img"));
        assert_null(strstr(h, "<b>"));
        assert_non_null(strstr(h, "李四：&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert_non_null(strstr(h, ">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.pdf</a>"));
        assert_non_null(strstr(h, ">a&#39;b&amp;c.png</a>"));
        assert_non_null(strstr(h, "<h1>检查&lt;b&gt;</h1>"));
        assert_non_null(strstr(h, "<p id=\"result\" class=\"bad\">&lt;b&gt;result&lt;/b&gt;</p>"));
        assert_non_null(strstr(h, "href=\"../evidence/9f1028b2b41823635f8e760d98ff57197c2fb1abd5a"
                                  "3fb2189a8c83c8c2a9d6a\""));
        assert_non_null(strstr(h, "王文书 经台账登记"));
        assert_non_null(strstr(h, "（2 KB）"));
        assert_non_null(strstr(h, "（3.0 MB）"));
        assert_non_null(strstr(h, "name=\"csrf\" value=\"0123456789abcdef0123456789abcdef\""));
        assert_non_null(strstr(h, "min=\"2026-01-01\" max=\"2026-03-24\""));
        buf_done(&b);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_clean_path),
                cmocka_unit_test(test_clean_marks),
                cmocka_unit_test(test_clean_utf8),
                cmocka_unit_test(test_clean_length),
                cmocka_unit_test(test_clean_empty),
                cmocka_unit_test(test_hash_valid),
                cmocka_unit_test(test_type_allowed),
                cmocka_unit_test_setup_teardown(test_rows_kept_and_order, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rows_state, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rows_person, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rows_later, setup, teardown),
                cmocka_unit_test_setup_teardown(test_occurrence_escapes, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
