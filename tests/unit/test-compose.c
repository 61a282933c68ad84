/* test-compose.c — from a request to the messages the outbox stores, without a database:
 * delivery ids, kinds, the stored content byte for byte, webhook bodies, DingTalk mentions,
 * splitting by byte limit, give-up times and bad requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "testmessage.h"
#include "util.h"

typedef struct Fx {
        Config cfg;
        Channel ch[TEST_N_CH];
} Fx;

static int setup(void **state) {
        Fx *f = calloc(1, sizeof *f);
        assert_non_null(f);
        test_message_config(&f->cfg, f->ch);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        free(*state);
        return 0;
}

/* Composes and checks the call succeeded. */
static ComposedMessage *compose(Fx *f, const OutboxRequest *req, size_t *ret_n) {
        ComposedMessage *m = NULL;
        assert_int_equal(compose_messages(&f->cfg, req, 1000, &m, ret_n), 0);
        return m;
}

static void test_delivery_id(void **state) {
        (void)state;
        const char *o[] = {"m:p:2026-Q4:1"}, *s[] = {"b7"}, *s2[] = {"b1"};
        char a[COMPOSE_ID_LEN + 1], b[COMPOSE_ID_LEN + 1];
        compose_delivery_id(o, s, 1, "ch", "", a);
        compose_delivery_id(o, s, 1, "ch", "", b);
        assert_string_equal(a, b);
        assert_int_equal(strlen(a), 32);
        compose_delivery_id(o, s2, 1, "ch", "", b);
        assert_string_not_equal(a, b);
        compose_delivery_id(o, s, 1, "ch2", "", b);
        assert_string_not_equal(a, b);
        compose_delivery_id(o, s, 1, "ch", "a@b.cn", b);
        assert_string_not_equal(a, b);
        /* Field boundaries are unambiguous. */
        const char *o3[] = {"ab"}, *s3[] = {"c"}, *o4[] = {"a"}, *s4[] = {"bc"};
        compose_delivery_id(o3, s3, 1, "x", "", a);
        compose_delivery_id(o4, s4, 1, "x", "", b);
        assert_string_not_equal(a, b);
}

/* One reminder: one message, its content exactly as the sender parses it (payload.h). */
static void test_one(void **state) {
        Fx *f = *state;
        MessageItem it = test_item("m:p:2026-Q4:1", "b7", TEMPLATE_UPCOMING);
        OutboxRequest req = {.channel = TEST_CH_WECOM, .recipient = "", .items = &it, .n_items = 1};
        size_t n;
        ComposedMessage *m = compose(f, &req, &n);
        assert_int_equal(n, 1);
        char id[COMPOSE_ID_LEN + 1];
        const char *occ[] = {"m:p:2026-Q4:1"}, *steps[] = {"b7"};
        compose_delivery_id(occ, steps, 1, "wecom-town", "", id);
        assert_string_equal(m[0].id, id);
        assert_string_equal(m[0].channel, "wecom-town");
        assert_string_equal(m[0].recipient, "");
        assert_string_equal(m[0].kind, "upcoming");
        assert_string_equal(m[0].occurrence, "m:p:2026-Q4:1");
        assert_false(m[0].prebuilt);
        assert_int_equal(m[0].give_up, 1000 + 2 * 3600);
        assert_ptr_equal(m[0].items, &it);
        assert_int_equal(m[0].n_items, 1);
        assert_string_equal(
                m[0].content,
                "{\"kind\":\"upcoming\",\"subject\":\"【大栗港镇】镇长·安全生产例会 还剩7天\","
                "\"text\":\"【大栗港镇·安全生产履职提醒】\\n\\n◆ 镇长（张三、李四）：「安全生产例会」"
                "（2026-Q4 第1/1次）还剩7天，截止2026-12-31。\\n依据：第九条\",\"mentions\":[],"
                "\"items\":[{\"occurrence\":\"m:p:2026-Q4:1\",\"duty\":\"meeting\",\"post\":\"镇长\","
                "\"title\":\"安全生产例会\",\"due\":\"2026-12-31\",\"days\":7,\"holders\":[\"张三\","
                "\"李四\"],\"basis\":\"第九条\",\"kind\":\"upcoming\"}]}");
        compose_messages_free(m, n);
}

/* Kinds: mixed when the items differ, digest for a catch-up; a link and no holders. */
static void test_kinds(void **state) {
        Fx *f = *state;
        MessageItem its[2] = {test_item("a:p:2026-Q4:1", "b7", TEMPLATE_UPCOMING),
                              test_item("b:p:2026-Q4:1", NULL, TEMPLATE_OVERDUE)};
        its[1].holders = NULL;
        its[1].link = "https://x/done/t";
        OutboxRequest req = {
                .channel = TEST_CH_MAIL, .recipient = "a@b.cn", .items = its, .n_items = 2};
        size_t n;
        ComposedMessage *m = compose(f, &req, &n);
        assert_int_equal(n, 1);
        assert_string_equal(m[0].kind, "mixed");
        assert_string_equal(m[0].recipient, "a@b.cn");
        assert_int_equal(m[0].give_up, 1000 + 24 * 3600); /* the default */
        char id[COMPOSE_ID_LEN + 1];
        const char *occ[] = {"a:p:2026-Q4:1", "b:p:2026-Q4:1"}, *steps[] = {"b7", ""};
        compose_delivery_id(occ, steps, 2, "mail", "a@b.cn", id);
        assert_string_equal(m[0].id, id);
        json_t *c = json_loads(m[0].content, 0, NULL);
        assert_non_null(c);
        json_t *b = json_array_get(json_object_get(c, "items"), 1);
        assert_string_equal(json_string_value(json_object_get(b, "kind")), "overdue");
        assert_int_equal(json_array_size(json_object_get(b, "holders")), 0);
        assert_string_equal(json_string_value(json_object_get(b, "link")), "https://x/done/t");
        assert_null(json_object_get(json_array_get(json_object_get(c, "items"), 0), "link"));
        json_decref(c);
        compose_messages_free(m, n);

        req.digest = true;
        m = compose(f, &req, &n);
        assert_int_equal(n, 1);
        assert_string_equal(m[0].kind, "digest");
        c = json_loads(m[0].content, 0, NULL);
        assert_string_equal(json_string_value(json_object_get(c, "kind")), "digest");
        assert_string_equal(json_string_value(json_object_get(c, "subject")),
                            "【大栗港镇】补发提醒汇总（2项）");
        json_decref(c);
        compose_messages_free(m, n);
}

/* A webhook message is its request body, built once; a DingTalk text names its mentions. */
static void test_webhook_and_mentions(void **state) {
        Fx *f = *state;
        MessageItem it = test_item("m:p:2026-Q4:1", "b7", TEMPLATE_DUE_TODAY);
        char *mentions[] = {(char *)"13800001111", (char *)"13900002222"};
        OutboxRequest req = {.channel = TEST_CH_HOOK, .recipient = "", .items = &it, .n_items = 1};
        size_t n;
        ComposedMessage *m = compose(f, &req, &n);
        assert_true(m[0].prebuilt);
        json_t *b = json_loads(m[0].content, 0, NULL);
        assert_non_null(b);
        assert_int_equal(json_integer_value(json_object_get(b, "version")), 1);
        assert_string_equal(json_string_value(json_object_get(b, "delivery_id")), m[0].id);
        assert_string_equal(json_string_value(json_object_get(b, "channel")), "hook");
        assert_string_equal(json_string_value(json_object_get(b, "kind")), "due_today");
        json_decref(b);
        compose_messages_free(m, n);

        req.channel = TEST_CH_DING;
        req.mentions = mentions;
        req.n_mentions = 2;
        m = compose(f, &req, &n);
        assert_false(m[0].prebuilt);
        json_t *c = json_loads(m[0].content, 0, NULL);
        const char *text = json_string_value(json_object_get(c, "text"));
        const char *tail = "\n@13800001111 @13900002222";
        assert_true(strlen(text) > strlen(tail));
        assert_string_equal(text + strlen(text) - strlen(tail), tail);
        assert_int_equal(json_array_size(json_object_get(c, "mentions")), 2);
        json_decref(c);
        compose_messages_free(m, n);

        req.channel = TEST_CH_WECOM; /* WeCom mentions go in the request body, not the text */
        m = compose(f, &req, &n);
        c = json_loads(m[0].content, 0, NULL);
        assert_null(strstr(json_string_value(json_object_get(c, "text")), "@1380000"));
        assert_int_equal(json_array_size(json_object_get(c, "mentions")), 2);
        json_decref(c);
        compose_messages_free(m, n);
}

/* Past the channel's byte limit: several messages, the items in order, each id its own. */
static void test_split(void **state) {
        Fx *f = *state;
        enum { N = 30 };
        MessageItem its[N];
        char occ[N][32];
        for (int i = 0; i < N; i++) {
                snprintf(occ[i], sizeof occ[i], "d%d:p:2026-Q4:1", i);
                its[i] = test_item(occ[i], "d0", TEMPLATE_UPCOMING);
        }
        OutboxRequest req = {.channel = TEST_CH_WECOM, .recipient = "", .items = its, .n_items = N};
        size_t n;
        ComposedMessage *m = compose(f, &req, &n);
        assert_true(n > 1); /* WeCom 2048 bytes forces a split */
        size_t next = 0;
        for (size_t i = 0; i < n; i++) {
                assert_ptr_equal(m[i].items, its + next);
                assert_string_equal(m[i].occurrence, occ[next]);
                next += m[i].n_items;
                json_t *c = json_loads(m[i].content, 0, NULL);
                assert_true(strlen(json_string_value(json_object_get(c, "text"))) <= 2048);
                assert_int_equal(json_array_size(json_object_get(c, "items")), m[i].n_items);
                json_decref(c);
                if (i > 0)
                        assert_string_not_equal(m[i].id, m[i - 1].id);
        }
        assert_int_equal(next, N);
        compose_messages_free(m, n);
}

static void test_bad_requests(void **state) {
        Fx *f = *state;
        MessageItem ok = test_item("m:p:2026-Q4:1", "b7", TEMPLATE_UPCOMING);
        MessageItem bad = test_item(NULL, "b7", TEMPLATE_UPCOMING);
        ComposedMessage *m = NULL;
        size_t n = 99;
        OutboxRequest req = {.channel = TEST_N_CH, .recipient = "", .items = &ok, .n_items = 1};
        assert_int_equal(compose_messages(&f->cfg, &req, 1000, &m, &n), -EINVAL);
        req = (OutboxRequest){.channel = TEST_CH_WECOM, .items = &ok, .n_items = 1};
        assert_int_equal(compose_messages(&f->cfg, &req, 1000, &m, &n), -EINVAL);
        req = (OutboxRequest){
                .channel = TEST_CH_WECOM, .recipient = "", .items = &bad, .n_items = 1};
        assert_int_equal(compose_messages(&f->cfg, &req, 1000, &m, &n), -EINVAL);
        req.n_items = 0;
        assert_int_equal(compose_messages(&f->cfg, &req, 1000, &m, &n), 0);
        assert_int_equal(n, 0);
        assert_null(m);
        compose_messages_free(NULL, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_delivery_id),
                cmocka_unit_test_setup_teardown(test_one, setup, teardown),
                cmocka_unit_test_setup_teardown(test_kinds, setup, teardown),
                cmocka_unit_test_setup_teardown(test_webhook_and_mentions, setup, teardown),
                cmocka_unit_test_setup_teardown(test_split, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
