/* test-mail.c — the SMTP message: RFC 2047 words in Subject (CRLF SP between words) and in the
 * From display name (a space between words, always encoded), the headers and the refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mail.h"
#include "tz.h"

static void test_encode_words(void **state) {
        (void)state;
        char *s = NULL;
        assert_int_equal(mail_encode_words("plain ascii", &s), 0);
        assert_string_equal(s, "plain ascii");
        free(s);
        /* 20 CJK characters = 60 bytes: one word of 13 characters (39 bytes), then the rest. */
        const char *zh = "安全生产履职提醒安全生产履职提醒安全生产";
        assert_int_equal(mail_encode_words(zh, &s), 0);
        assert_non_null(strstr(s, "?=\r\n =?UTF-8?B?"));
        for (char *w = s; w; w = strstr(w, "\r\n ")) {
                w += w == s ? 0 : 3;
                char *end = strstr(w, "?=");
                assert_non_null(end);
                assert_true(end + 2 - w <= 75);
        }
        free(s);
}

/* The value of header `name` in the message's list, or NULL. */
static const char *header(const MailMessage *m, const char *name) {
        size_t n = strlen(name);
        for (const struct curl_slist *l = m->headers; l; l = l->next)
                if (strncmp(l->data, name, n) == 0 && l->data[n] == ':')
                        return l->data + n + 2;
        return NULL;
}

static void test_new(void **state) {
        (void)state;
        Channel ch = {.id = (char *)"mail",
                      .type = CHANNEL_SMTP,
                      .url = (char *)"smtp://127.0.0.1:25",
                      .from = (char *)"dutyd@example.test",
                      .from_name = (char *)"安全办, \"值班\""};
        assert_int_equal(tz_use("Asia/Shanghai"), 0);
        MailMessage *m = NULL;
        const char *links[] = {"https://d.example/done/a.b"};
        assert_int_equal(mail_new(&ch, "0123abcd", "zhang@example.test", "提醒",
                                  "第一行 <b>\n办结登记：https://d.example/done/a.b", links, 1, 0,
                                  &m),
                         0);
        assert_string_equal(header(m, "Message-ID"), "<dutyd.0123abcd@example.test>");
        assert_string_equal(header(m, "To"), "<zhang@example.test>");
        assert_string_equal(header(m, "Subject"), "=?UTF-8?B?5o+Q6YaS?=");
        const char *from = header(m, "From");
        assert_non_null(from);
        assert_true(strncmp(from, "=?UTF-8?B?", 10) == 0);
        assert_non_null(strstr(from, "?= <dutyd@example.test>"));
        assert_null(strchr(from, ',')); /* the specials are inside the encoded word */
        assert_string_equal(m->body, "第一行 <b>\r\n办结登记：https://d.example/done/a.b");
        assert_string_equal(header(m, "Auto-Submitted"), "auto-generated");
        /* The HTML alternative: the text escaped, the done link a button. */
        assert_non_null(strstr(m->html, "<p style=\"margin:0\">第一行 &lt;b&gt;</p>"));
        assert_non_null(strstr(m->html, "<a href=\"https://d.example/done/a.b\""));
        assert_null(strstr(m->html, "办结登记：https"));
        for (const char *p = m->html; (p = strchr(p, '\n')); p++)
                assert_true(p > m->html && p[-1] == '\r'); /* CRLF line ends */
        const char *date = header(m, "Date");
        assert_non_null(date);
        /* 1970-01-01 08:00 in Asia/Shanghai, in English whatever the locale. */
        assert_string_equal(date, "Thu, 01 Jan 1970 08:00:00 +0800");
        mail_free(m);

        /* No header injection, no address without '@', no plain http. */
        m = NULL;
        ch.from_name = (char *)"x\r\nBcc: a@b";
        assert_int_equal(mail_new(&ch, "id", "zhang@example.test", "s", "b", NULL, 0, 0, &m),
                         -EINVAL);
        ch.from_name = NULL;
        assert_int_equal(mail_new(&ch, "id", "zhang\r\n@example.test", "s", "b", NULL, 0, 0, &m),
                         -EINVAL);
        assert_int_equal(mail_new(&ch, "id", "nobody", "s", "b", NULL, 0, 0, &m), -EINVAL);
        ch.url = (char *)"http://127.0.0.1";
        assert_int_equal(mail_new(&ch, "id", "zhang@example.test", "s", "b", NULL, 0, 0, &m),
                         -EINVAL);
        assert_null(m);
        mail_free(NULL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_encode_words),
                cmocka_unit_test(test_new),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
