/* test-payload.c — vendor request bodies, signing in place, the request URL (built at the edge:
 * transfer_url()), and answer classification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payload.h"
#include "sign.h"
#include "transfer.h"

static json_t *content(void) {
        json_t *c = json_pack("{s:s, s:s, s:[s], s:[{s:s, s:s, s:s, s:s, s:s, s:i, s:[s], s:s}]}",
                              "kind", "upcoming", "text", "【大栗港镇】提醒\n@13800001111",
                              "mentions", "13800001111", "items", "occurrence", "m:p:2026-Q4:1",
                              "duty", "m", "post", "镇长", "title", "安全生产例会", "due",
                              "2026-12-31", "days", 7, "holders", "张三", "basis", "二、（一）3");
        assert_non_null(c);
        return c;
}

/* The URL the sender requests (transfer_url()), checked against `want`. */
static void assert_url(const PayloadRequest *req, const char *want) {
        char *url = NULL;
        assert_int_equal(transfer_url(req, &url), 0);
        assert_string_equal(url, want);
        free(url);
}

static Channel chan(ChannelType t, const char *url, const char *key, const char *secret) {
        return (Channel){.id = (char *)"ch1",
                         .type = t,
                         .url = (char *)url,
                         .key.value = (char *)key,
                         .secret.value = (char *)secret};
}

static void test_wecom(void **state) {
        (void)state;
        json_t *c = content();
        Channel ch = chan(CHANNEL_WECOM, NULL, "KEY-1", NULL);
        PayloadRequest req;
        assert_int_equal(payload_build(&ch, "abc", c, 1700000000000LL, &req), 0);
        assert_string_equal(req.url, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send");
        assert_int_equal(req.n_query, 1);
        assert_string_equal(req.query[0].name, "key");
        assert_string_equal(req.query[0].value, "KEY-1");
        assert_url(&req, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY-1");
        json_t *b = json_loads(req.body, 0, NULL);
        assert_string_equal(json_string_value(json_object_get(b, "msgtype")), "text");
        json_t *t = json_object_get(b, "text");
        assert_string_equal(json_string_value(json_object_get(t, "content")),
                            "【大栗港镇】提醒\n@13800001111");
        assert_string_equal(
                json_string_value(json_array_get(json_object_get(t, "mentioned_mobile_list"), 0)),
                "13800001111");
        assert_null(req.signature);
        /* UTF-8 raw, not \u escapes. */
        assert_non_null(strstr(req.body, "大栗港镇"));
        json_decref(b);
        payload_request_done(&req);
        json_decref(c);
}

static void test_dingtalk(void **state) {
        (void)state;
        json_t *c = content();
        Channel ch = chan(CHANNEL_DINGTALK, "http://127.0.0.1:1/robot/send", "TOK", "secret");
        PayloadRequest req;
        assert_int_equal(payload_build(&ch, "abc", c, 1700000000000LL, &req), 0);
        assert_string_equal(req.url, "http://127.0.0.1:1/robot/send");
        assert_int_equal(req.n_query, 3);
        assert_string_equal(req.query[2].name, "sign");
        assert_string_equal(req.query[2].value, "OuzzJR5+xZ4/EYwqtNt6sMYZQMTa/HEGvc9miJe7XzY=");
        /* The sign URL-encoded exactly once, upper case hex (what the sink compares). */
        assert_url(&req, "http://127.0.0.1:1/robot/send?access_token=TOK&timestamp=1700000000000"
                         "&sign=OuzzJR5%2BxZ4%2FEYwqtNt6sMYZQMTa%2FHEGvc9miJe7XzY%3D");
        json_t *b = json_loads(req.body, 0, NULL);
        json_t *at = json_object_get(b, "at");
        assert_string_equal(json_string_value(json_array_get(json_object_get(at, "atMobiles"), 0)),
                            "13800001111");
        assert_true(json_is_false(json_object_get(at, "isAtAll")));
        assert_non_null(
                strstr(json_string_value(json_object_get(json_object_get(b, "text"), "content")),
                       "@13800001111"));
        json_decref(b);
        payload_request_done(&req);
        json_decref(c);
}

static void test_feishu(void **state) {
        (void)state;
        json_t *c = content();
        Channel ch = chan(CHANNEL_FEISHU, NULL, "hooktoken", "demo");
        PayloadRequest req;
        assert_int_equal(payload_build(&ch, "abc", c, 1599360473123LL, &req), 0);
        assert_string_equal(req.url, "https://open.feishu.cn/open-apis/bot/v2/hook/hooktoken");
        assert_int_equal(req.n_query, 0);
        assert_url(&req, "https://open.feishu.cn/open-apis/bot/v2/hook/hooktoken");
        json_t *b = json_loads(req.body, 0, NULL);
        assert_string_equal(json_string_value(json_object_get(b, "timestamp")), "1599360473");
        assert_string_equal(json_string_value(json_object_get(b, "sign")),
                            "l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=");
        assert_string_equal(json_string_value(json_object_get(b, "msg_type")), "text");
        assert_non_null(json_string_value(json_object_get(json_object_get(b, "content"), "text")));
        json_decref(b);
        payload_request_done(&req);
        json_decref(c);
}

static void test_webhook(void **state) {
        (void)state;
        json_t *c = content();
        Channel ch = chan(CHANNEL_WEBHOOK, "http://127.0.0.1:9/hook", NULL, "whsec");
        PayloadRequest req;
        assert_int_equal(payload_build(&ch, "0123456789abcdef0123456789abcdef", c, 1, &req), 0);
        assert_string_equal(req.url, "http://127.0.0.1:9/hook");
        assert_url(&req, "http://127.0.0.1:9/hook");
        json_t *b = json_loads(req.body, 0, NULL);
        assert_int_equal(json_integer_value(json_object_get(b, "version")), 1);
        assert_string_equal(json_string_value(json_object_get(b, "delivery_id")),
                            "0123456789abcdef0123456789abcdef");
        assert_string_equal(json_string_value(json_object_get(b, "channel")), "ch1");
        assert_string_equal(json_string_value(json_object_get(b, "kind")), "upcoming");
        json_t *it = json_array_get(json_object_get(b, "items"), 0);
        assert_string_equal(json_string_value(json_object_get(it, "occurrence")), "m:p:2026-Q4:1");
        assert_int_equal(json_integer_value(json_object_get(it, "days")), 7);
        char *sig = NULL;
        assert_int_equal(sign_webhook("whsec", req.body, strlen(req.body), &sig), 0);
        assert_string_equal(req.signature, sig);
        free(sig);
        json_decref(b);
        payload_request_done(&req);
        json_decref(c);
        /* No secret: no signature. */
        ch.secret.value = NULL;
        c = json_pack("{s:s}", "text", "x");
        assert_int_equal(payload_build(&ch, "id", c, 1, &req), 0);
        assert_null(req.signature);
        payload_request_done(&req);
        json_decref(c);
}

/* A body built when queued goes out byte for byte as the one built from the content at send
 * time did, signed alike, with a keyed signer or without. */
static void test_webhook_prebuilt(void **state) {
        (void)state;
        json_t *c = content();
        Channel ch = chan(CHANNEL_WEBHOOK, "http://127.0.0.1:9/hook", NULL, "whsec");
        const char *id = "0123456789abcdef0123456789abcdef";
        PayloadRequest want, got, keyed;
        SignKey *key = NULL;
        char *body = payload_webhook_body(id, ch.id, "upcoming", json_object_get(c, "items"),
                                          json_string_value(json_object_get(c, "text")));
        assert_non_null(body);
        assert_int_equal(payload_build(&ch, id, c, 1, &want), 0);
        assert_int_equal(payload_build_webhook(&ch, NULL, body, &got), 0);
        assert_int_equal(sign_key_new("whsec", &key), 0);
        assert_int_equal(payload_build_webhook(&ch, key, body, &keyed), 0);
        assert_string_equal(got.body, want.body);
        assert_string_equal(got.url, want.url);
        assert_string_equal(got.signature, want.signature);
        assert_string_equal(keyed.signature, want.signature);
        payload_request_done(&want);
        payload_request_done(&got);
        payload_request_done(&keyed);
        sign_key_free(key);
        /* Only for webhooks. */
        ch.type = CHANNEL_WECOM;
        assert_int_equal(payload_build_webhook(&ch, NULL, body, &got), -EINVAL);
        free(body);
        json_decref(c);
}

/* Parameters are appended to a query already there, each value escaped once by libcurl: all
 * but RFC 3986's unreserved characters, in upper case hex. */
static void test_url(void **state) {
        (void)state;
        PayloadRequest req = {.url = (char *)"http://127.0.0.1:1/robot/send?x=1"};
        req.query[req.n_query++] = (PayloadParam){"access_token", (char *)"a+b/c=d~_.-中 &"};
        req.query[req.n_query++] = (PayloadParam){"timestamp", (char *)"1700000000000"};
        assert_url(&req, "http://127.0.0.1:1/robot/send?x=1&access_token="
                         "a%2Bb%2Fc%3Dd~_.-%E4%B8%AD%20%26&timestamp=1700000000000");
        /* No query of its own, a fragment (never sent): dropped. */
        req.url = (char *)"https://qyapi.weixin.qq.com/cgi-bin/webhook/send#top";
        req.n_query = 1;
        assert_url(&req, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?access_token="
                         "a%2Bb%2Fc%3Dd~_.-%E4%B8%AD%20%26");
        char *url = NULL;
        req.url = (char *)"not a url";
        assert_int_equal(transfer_url(&req, &url), -EINVAL);
        req.url = NULL;
        assert_int_equal(transfer_url(&req, &url), -EINVAL);
        assert_null(url);
}

static void test_classify(void **state) {
        (void)state;
        static const struct {
                ChannelType t;
                long status;
                const char *body;
                DeliveryResult want;
        } cases[] = {
                {CHANNEL_WECOM, 200, "{\"errcode\":0,\"errmsg\":\"ok\"}", DELIVERY_OK},
                {CHANNEL_WECOM, 200, "{\"errcode\":45009,\"errmsg\":\"api freq out of limit\"}",
                 DELIVERY_RETRY},
                {CHANNEL_WECOM, 200, "{\"errcode\":93000,\"errmsg\":\"invalid webhook url\"}",
                 DELIVERY_PERMANENT},
                {CHANNEL_WECOM, 200, "", DELIVERY_RETRY},
                {CHANNEL_WECOM, 200, "<html>", DELIVERY_RETRY},
                {CHANNEL_DINGTALK, 200, "{\"errcode\":0,\"errmsg\":\"ok\"}", DELIVERY_OK},
                {CHANNEL_DINGTALK, 200,
                 "{\"errcode\":130101,\"errmsg\":\"send too fast, exceed 20 times per minute\"}",
                 DELIVERY_RETRY},
                {CHANNEL_DINGTALK, 200, "{\"errcode\":310000,\"errmsg\":\"invalid timestamp\"}",
                 DELIVERY_RESIGN},
                {CHANNEL_DINGTALK, 200, "{\"errcode\":310000,\"errmsg\":\"sign not match\"}",
                 DELIVERY_RESIGN},
                {CHANNEL_DINGTALK, 200, "{\"errcode\":310000,\"errmsg\":\"机器人发送签名不匹配\"}",
                 DELIVERY_RESIGN},
                {CHANNEL_DINGTALK, 200,
                 "{\"errcode\":310000,\"errmsg\":\"keywords not in content\"}", DELIVERY_PERMANENT},
                {CHANNEL_DINGTALK, 200,
                 "{\"errcode\":310000,\"errmsg\":\"ip 1.2.3.4 not in whitelist\"}",
                 DELIVERY_PERMANENT},
                {CHANNEL_DINGTALK, 200, "{\"errcode\":300001,\"errmsg\":\"token is not exist\"}",
                 DELIVERY_PERMANENT},
                {CHANNEL_DINGTALK, 200, "{\"errcode\":460101,\"errmsg\":\"body 大小不合法\"}",
                 DELIVERY_PERMANENT},
                {CHANNEL_FEISHU, 200,
                 "{\"StatusCode\":0,\"code\":0,\"msg\":\"success\",\"data\":{}}", DELIVERY_OK},
                {CHANNEL_FEISHU, 200, "{\"code\":11232,\"msg\":\"frequency limited\"}",
                 DELIVERY_RETRY},
                {CHANNEL_FEISHU, 400, "{\"code\":9499,\"msg\":\"too many request\"}",
                 DELIVERY_RETRY},
                {CHANNEL_FEISHU, 400, "{\"code\":9499,\"msg\":\"Bad Request\"}",
                 DELIVERY_PERMANENT},
                {CHANNEL_FEISHU, 200,
                 "{\"code\":19021,\"msg\":\"sign match fail or timestamp is not within one hour from current time\"}",
                 DELIVERY_RESIGN},
                {CHANNEL_FEISHU, 200, "{\"code\":19022,\"msg\":\"Ip Not Allowed\"}",
                 DELIVERY_PERMANENT},
                {CHANNEL_FEISHU, 200, "{\"code\":19024,\"msg\":\"Key Words Not Found\"}",
                 DELIVERY_PERMANENT},
                {CHANNEL_FEISHU, 429, "", DELIVERY_RETRY},
                {CHANNEL_FEISHU, 503, "", DELIVERY_RETRY},
                {CHANNEL_WEBHOOK, 204, "", DELIVERY_OK},
                {CHANNEL_WEBHOOK, 200, "{\"errcode\":1}", DELIVERY_OK},
                {CHANNEL_WEBHOOK, 500, "", DELIVERY_RETRY},
                {CHANNEL_WEBHOOK, 429, "", DELIVERY_RETRY},
                {CHANNEL_WEBHOOK, 404, "", DELIVERY_PERMANENT},
                {CHANNEL_WEBHOOK, 401, "", DELIVERY_PERMANENT},
                {CHANNEL_WEBHOOK, 0, "", DELIVERY_RETRY},
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                Channel ch = chan(cases[i].t, NULL, NULL, NULL);
                char err[256];
                DeliveryResult r = payload_classify(&ch, cases[i].status, cases[i].body,
                                                    strlen(cases[i].body), err, sizeof err);
                if (r != cases[i].want)
                        fail_msg("case %zu: got %s want %s (%s)", i, delivery_result_to_string(r),
                                 delivery_result_to_string(cases[i].want), err);
        }
}

/* Only DingTalk's 130101 blocks the whole robot (10 minutes). */
static void test_pause(void **state) {
        (void)state;
        static const struct {
                ChannelType t;
                long status;
                const char *body;
                int want;
        } cases[] = {
                {CHANNEL_DINGTALK, 200,
                 "{\"errcode\":130101,\"errmsg\":\"send too fast, exceed 20 times per minute\"}",
                 600},
                {CHANNEL_DINGTALK, 200, "{\"errcode\":0,\"errmsg\":\"ok\"}", 0},
                {CHANNEL_DINGTALK, 200, "{\"errcode\":310000,\"errmsg\":\"sign not match\"}", 0},
                {CHANNEL_DINGTALK, 0, "", 0},
                {CHANNEL_DINGTALK, 200, "<html>", 0},
                {CHANNEL_WECOM, 200, "{\"errcode\":45009,\"errmsg\":\"api freq out of limit\"}", 0},
                {CHANNEL_WECOM, 200, "{\"errcode\":130101,\"errmsg\":\"x\"}", 0},
                {CHANNEL_FEISHU, 200, "{\"code\":11232,\"msg\":\"frequency limited\"}", 0},
                {CHANNEL_WEBHOOK, 200, "{\"errcode\":130101}", 0},
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                Channel ch = chan(cases[i].t, NULL, NULL, NULL);
                int got = payload_pause_seconds(&ch, cases[i].status, cases[i].body,
                                                strlen(cases[i].body));
                if (got != cases[i].want)
                        fail_msg("case %zu: got %d want %d", i, got, cases[i].want);
        }
}

static void test_scrub(void **state) {
        (void)state;
        Channel ch = chan(CHANNEL_WECOM, NULL, "supersecretkey", NULL);
        char err[256];
        const char *body =
                "{\"errcode\":93000,\"errmsg\":\"invalid webhook url, hint: key=supersecretkey\"}";
        assert_int_equal(payload_classify(&ch, 200, body, strlen(body), err, sizeof err),
                         DELIVERY_PERMANENT);
        assert_null(strstr(err, "supersecretkey"));
        assert_non_null(strstr(err, "93000"));
        assert_non_null(strstr(err, "***"));
}

/* The vendor's message is kept whole: WeCom's hint, IP and help URL are what an administrator
 * needs (they were cut at 120 bytes, mid-URL). */
static void test_full_vendor_message(void **state) {
        (void)state;
        Channel ch = chan(CHANNEL_WECOM, NULL, "supersecretkey", NULL);
        char err[PAYLOAD_ERROR_MAX];
        const char *msg =
                "invalid webhook url, hint: [1672889191_96_d0e4d7dc1f3e0e5a4f1b6e6e4d2dfd31],"
                " from ip: 203.0.113.7, more info at "
                "https://open.work.weixin.qq.com/devtool/query?e=93000";
        _cleanup_free_ char *body = strfmt("{\"errcode\":93000,\"errmsg\":\"%s\"}", msg);
        assert_int_equal(payload_classify(&ch, 200, body, strlen(body), err, sizeof err),
                         DELIVERY_PERMANENT);
        assert_true(strlen(msg) > 120);
        assert_non_null(strstr(err, msg));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_wecom),
                cmocka_unit_test(test_dingtalk),
                cmocka_unit_test(test_feishu),
                cmocka_unit_test(test_webhook),
                cmocka_unit_test(test_webhook_prebuilt),
                cmocka_unit_test(test_url),
                cmocka_unit_test(test_classify),
                cmocka_unit_test(test_pause),
                cmocka_unit_test(test_scrub),
                cmocka_unit_test(test_full_vendor_message),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
