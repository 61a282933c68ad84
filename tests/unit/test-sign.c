/* test-sign.c — vendor signing against the published test vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sign.h"

static void test_dingtalk_vector(void **state) {
        (void)state;
        char *s = NULL;
        assert_int_equal(sign_dingtalk("secret", 1700000000000LL, &s), 0);
        /* URL-encoded by the edge when it builds the URL (test-payload.c). */
        assert_string_equal(s, "OuzzJR5+xZ4/EYwqtNt6sMYZQMTa/HEGvc9miJe7XzY=");
        free(s);
}

static void test_feishu_vector(void **state) {
        (void)state;
        char *s = NULL;
        assert_int_equal(sign_feishu("demo", 1599360473, &s), 0);
        assert_string_equal(s, "l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=");
        free(s);
}

static void test_webhook(void **state) {
        (void)state;
        char *s = NULL;
        const char *body = "{\"text\":\"提醒\"}";
        assert_int_equal(sign_webhook("whsec", body, strlen(body), &s), 0);
        /* python3: hmac.new(b'whsec', body.encode(), hashlib.sha256).hexdigest() */
        assert_string_equal(
                s, "sha256=d066803c7441d7e279a22f292a8cf43de7cb54cee0b7048ecde127f9d2743a33");
        free(s);
}

/* A key made once signs message after message as sign_webhook() does. */
static void test_webhook_key(void **state) {
        (void)state;
        const char *bodies[] = {"{\"text\":\"提醒\"}", "", "{\"a\":1}"};
        SignKey *k = NULL;
        assert_int_equal(sign_key_new(NULL, &k), -EINVAL);
        assert_int_equal(sign_key_new("whsec", &k), 0);
        for (int round = 0; round < 2; round++)
                for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
                        char *a = NULL, *b = NULL;
                        assert_int_equal(sign_webhook("whsec", bodies[i], strlen(bodies[i]), &a),
                                         0);
                        assert_int_equal(sign_webhook_key(k, bodies[i], strlen(bodies[i]), &b), 0);
                        assert_string_equal(a, b);
                        free(a);
                        free(b);
                }
        char *s = NULL;
        assert_int_equal(sign_webhook_key(k, bodies[0], strlen(bodies[0]), &s), 0);
        assert_string_equal(
                s, "sha256=d066803c7441d7e279a22f292a8cf43de7cb54cee0b7048ecde127f9d2743a33");
        free(s);
        assert_null(sign_key_free(k));
        assert_null(sign_key_free(NULL));
}

static void test_hmac_rfc4231(void **state) {
        (void)state;
        unsigned char mac[32];
        static const unsigned char want[32] = {0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e,
                                               0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
                                               0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83,
                                               0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43};
        const char *m = "what do ya want for nothing?";
        assert_int_equal(sign_hmac_sha256("Jefe", 4, m, strlen(m), mac), 0);
        assert_memory_equal(mac, want, 32);
}

static void test_base64(void **state) {
        (void)state;
        char *s = NULL;
        assert_int_equal(sign_base64("", 0, &s), 0);
        assert_string_equal(s, "");
        free(s);
        assert_int_equal(sign_base64("ab", 2, &s), 0);
        assert_string_equal(s, "YWI=");
        free(s);
        assert_int_equal(sign_dingtalk(NULL, 1, &s), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_dingtalk_vector), cmocka_unit_test(test_feishu_vector),
                cmocka_unit_test(test_webhook),         cmocka_unit_test(test_webhook_key),
                cmocka_unit_test(test_hmac_rfc4231),    cmocka_unit_test(test_base64),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
