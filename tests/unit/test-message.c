/* test-message.c — Chinese templates, placeholders, grouping and byte-limit splitting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "util.h"

static MessageItem item(TemplateKind k, int days) {
        return (MessageItem){
                .kind = k,
                .occurrence = "meeting:secretary:2026-Q4:1",
                .step = "b7",
                .duty = "meeting",
                .title = "安全生产工作会议",
                .kind_zh = "会议",
                .post = "镇党委书记",
                .holders = "张三",
                .due = "2026-12-31",
                .days = days,
                .period = "2026-Q4",
                .checkpoint = 1,
                .of = 1,
                .basis = "大栗港镇安全生产责任制实施意见（大发〔2019〕45号）二、（一）3",
        };
}

static Config *cfg_new(void) {
        Config *c = calloc(1, sizeof *c);
        assert_non_null(c);
        c->org_name = (char *)"大栗港镇";
        return c;
}

static void test_defaults(void **state) {
        (void)state;
        Config *c = cfg_new();
        struct {
                TemplateKind k;
                int days;
                const char *want;
        } cases[] = {
                {TEMPLATE_UPCOMING, 7, "还剩7天，截止2026-12-31"},
                {TEMPLATE_DUE_TODAY, 0, "今天截止（2026-12-31）"},
                {TEMPLATE_OVERDUE, 2, "已逾期2个工作日"},
                {TEMPLATE_ESCALATION, 3,
                 "逾期督办：镇党委书记（张三）未按期完成「安全生产工作会议」"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                MessageItem it = item(cases[i].k, cases[i].days);
                MessageText *t = NULL;
                size_t n = 0;
                assert_int_equal(message_render(c, &it, 1, false, NULL, 0, &t, &n), 0);
                assert_int_equal(n, 1);
                assert_non_null(strstr(t[0].text, cases[i].want));
                assert_non_null(strstr(t[0].text, "【大栗港镇·安全生产履职提醒】"));
                assert_non_null(strstr(t[0].text, "\n依据：大栗港镇安全生产责任制实施意见"));
                assert_null(strstr(t[0].text, "办结登记"));
                assert_true(utf8_valid(t[0].text, strlen(t[0].text)));
                message_texts_free(t, n);
        }
        free(c);
}

static void test_placeholders_and_override(void **state) {
        (void)state;
        Config *c = cfg_new();
        c->templates[TEMPLATE_UPCOMING] =
                (char *)"{post}/{holders}/{duty}/{title}/{kind}/{due}/{days}/{period}/{checkpoint}/{of}"
                        "/{occurrence}/{link}{link_line}/{unknown}/{{x}}/{org}";
        MessageItem it = item(TEMPLATE_UPCOMING, 5);
        it.link = "https://duty.example.cn/d/abc";
        it.holders = NULL;
        MessageText *t = NULL;
        size_t n = 0;
        assert_int_equal(message_render(c, &it, 1, false, NULL, 0, &t, &n), 0);
        assert_non_null(strstr(
                t[0].text, "镇党委书记/空缺/meeting/安全生产工作会议/会议/2026-12-31/5/2026-Q4/1/1/"
                           "meeting:secretary:2026-Q4:1/https://duty.example.cn/d/abc\n办结登记："
                           "https://duty.example.cn/d/abc/{unknown}/{x}/大栗港镇"));
        message_texts_free(t, n);
        free(c);
}

static void test_grouping_digest_suffix(void **state) {
        (void)state;
        Config *c = cfg_new();
        MessageItem its[3] = {item(TEMPLATE_UPCOMING, 7), item(TEMPLATE_DUE_TODAY, 0),
                              item(TEMPLATE_OVERDUE, 1)};
        MessageText *t = NULL;
        size_t n = 0;
        assert_int_equal(message_render(c, its, 3, true, "\n@13800001111", 0, &t, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(t[0].n, 3);
        assert_non_null(strstr(t[0].text, "【大栗港镇·补发提醒】系统停止运行期间有3项提醒到期"));
        assert_non_null(strstr(t[0].text, "还剩7天"));
        assert_non_null(strstr(t[0].text, "今天截止"));
        assert_non_null(strstr(t[0].text, "已逾期1个工作日"));
        size_t len = strlen(t[0].text);
        assert_string_equal(t[0].text + len - 12, "@13800001111");
        message_texts_free(t, n);

        char *s = NULL;
        assert_int_equal(message_subject(c, its, 1, false, &s), 0);
        assert_string_equal(s, "【大栗港镇】镇党委书记·安全生产工作会议 还剩7天");
        free(s);
        assert_int_equal(message_subject(c, its, 3, false, &s), 0);
        assert_string_equal(s, "【大栗港镇】安全生产履职提醒（3项）");
        free(s);
        free(c);
}

static void test_split_wecom(void **state) {
        (void)state;
        Config *c = cfg_new();
        enum { N = 40 };
        MessageItem its[N];
        char titles[N][64];
        for (size_t i = 0; i < N; i++) {
                its[i] = item(TEMPLATE_UPCOMING, (int)i);
                snprintf(titles[i], sizeof titles[i], "第%zu项检查任务", i);
                its[i].title = titles[i];
        }
        size_t limit = message_byte_limit(CHANNEL_WECOM);
        assert_int_equal(limit, 2048);
        MessageText *t = NULL;
        size_t n = 0;
        assert_int_equal(message_render(c, its, N, false, "\n@13800001111", limit, &t, &n), 0);
        assert_true(n > 1);
        size_t next = 0;
        for (size_t i = 0; i < n; i++) {
                assert_true(strlen(t[i].text) <= limit);
                assert_true(utf8_valid(t[i].text, strlen(t[i].text)));
                assert_int_equal(t[i].first, next);
                assert_true(t[i].n >= 1);
                /* Each item's title appears in its text and only there. */
                for (size_t k = 0; k < N; k++) {
                        char needle[80];
                        snprintf(needle, sizeof needle, "「%s」", titles[k]);
                        bool inside = k >= t[i].first && k < t[i].first + t[i].n;
                        assert_true((strstr(t[i].text, needle) != NULL) == inside);
                }
                /* Splitting only where forced: the next item would not have fit. */
                if (i + 1 < n)
                        assert_true(strlen(t[i].text) + 200 > limit);
                next = t[i].first + t[i].n;
        }
        assert_int_equal(next, N);
        message_texts_free(t, n);
        /* Mail: unlimited, one text. */
        assert_int_equal(message_byte_limit(CHANNEL_SMTP), 0);
        assert_int_equal(message_render(c, its, N, false, NULL, 0, &t, &n), 0);
        assert_int_equal(n, 1);
        message_texts_free(t, n);
        free(c);
}

static void test_truncate_long_item(void **state) {
        (void)state;
        Config *c = cfg_new();
        Buf b = {0};
        for (int i = 0; i < 1000; i++)
                buf_puts(&b, "安");
        char *title = buf_steal(&b);
        MessageItem it = item(TEMPLATE_UPCOMING, 1);
        it.title = title;
        MessageText *t = NULL;
        size_t n = 0;
        assert_int_equal(message_render(c, &it, 1, false, NULL, 2048, &t, &n), 0);
        assert_int_equal(n, 1);
        assert_true(strlen(t[0].text) <= 2048);
        assert_true(utf8_valid(t[0].text, strlen(t[0].text)));
        assert_non_null(strstr(t[0].text, "…"));
        message_texts_free(t, n);
        assert_int_equal(utf8_truncate("安全", 4), 3);
        assert_int_equal(utf8_truncate("安全", 6), 6);
        assert_int_equal(message_render(c, &it, 0, false, NULL, 0, &t, &n), -EINVAL);
        free(title);
        free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_placeholders_and_override),
                cmocka_unit_test(test_grouping_digest_suffix),
                cmocka_unit_test(test_split_wecom),
                cmocka_unit_test(test_truncate_long_item),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
