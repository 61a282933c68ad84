/* mail.c — see mail.h. */
#include "mail.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "html.h"
#include "message.h"
#include "sign.h"
#include "tz.h"
#include "util.h"

/* RFC 2047 encoded-words are made here: libcurl's MIME API sends header lines as they are given
 * (curl 7.88's lib/mime.c encodes part bodies only: base64, quoted-printable), and no Debian
 * library has an RFC 2047 encoder; the base64 itself is OpenSSL's (sign_base64()).
 * 39 bytes → 52 base64 chars → a 64-char word; "Subject: " + word stays under 76. */
#define WORD_BYTES 39

static bool ascii_printable(const char *s) {
        for (; *s; s++)
                if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
                        return false;
        return true;
}

/* RFC 2047 B encoded-words of `text`, split on UTF-8 character boundaries, joined by `sep`. */
static int encode_words(const char *text, const char *sep, char **ret) {
        Buf b = {0};
        const char *p = text;
        size_t left = strlen(text);
        while (left > 0) {
                size_t n = utf8_truncate(p, WORD_BYTES);
                if (n == 0) /* invalid lead byte run: take it whole rather than loop */
                        n = left < WORD_BYTES ? left : WORD_BYTES;
                _cleanup_free_ char *b64 = NULL;
                int r = sign_base64(p, n, &b64);
                if (r < 0) {
                        buf_done(&b);
                        return r;
                }
                buf_printf(&b, "%s=?UTF-8?B?%s?=", b.len ? sep : "", b64);
                p += n;
                left -= n;
        }
        *ret = buf_steal(&b);
        return *ret ? 0 : -ENOMEM;
}

int mail_encode_words(const char *text, char **ret) {
        if (ascii_printable(text) && !strstr(text, "=?")) {
                *ret = strdup(text);
                return *ret ? 0 : -ENOMEM;
        }
        return encode_words(text, "\r\n ", ret);
}

/* RFC 5322 wants English day and month names whatever the program's locale (strftime_c());
 * %z is glibc's, from tm_gmtoff (the organisation's zone, tz_tm()). */
int mail_format_date(int64_t t, char *buf, size_t n) {
        struct tm tm;
        tz_tm((time_t)t, &tm); /* the organisation's zone (tz_use()), whatever $TZ says */
        return strftime_c(buf, n, "%a, %d %b %Y %H:%M:%S %z", &tm);
}

/* "<ID@domain-of-from>" */
static int mail_message_id(const char *delivery_id, const char *from, char **ret) {
        const char *at = from ? strrchr(from, '@') : NULL;
        char *s = strfmt("<dutyd.%s@%s>", delivery_id, at && at[1] ? at + 1 : "dutyd.invalid");
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* LF or CR LF → CR LF. */
static int mail_crlf(const char *text, char **ret) {
        Buf b = {0};
        for (const char *p = text; *p; p++) {
                if (*p == '\r' && p[1] == '\n')
                        continue;
                if (*p == '\n' || *p == '\r')
                        buf_put(&b, "\r\n", 2);
                else
                        buf_put(&b, p, 1);
        }
        char *s = buf_steal(&b);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static bool address_ok(const char *a) {
        return a && *a && !strpbrk(a, "\r\n<>") && strchr(a, '@');
}

MailMessage *mail_free(MailMessage *m) {
        if (!m)
                return NULL;
        if (m->easy)
                curl_easy_cleanup(m->easy);
        curl_mime_free(m->mime);
        curl_slist_free_all(m->headers);
        curl_slist_free_all(m->rcpt);
        free(m->body);
        free(m->html);
        free(m);
        return NULL;
}

static int add_header(struct curl_slist **l, char *line) {
        if (!line)
                return -ENOMEM;
        struct curl_slist *n = curl_slist_append(*l, line);
        free(line);
        if (!n)
                return -ENOMEM;
        *l = n;
        return 0;
}

static void mail_freep(MailMessage **m) {
        mail_free(*m);
}

/* The headers: Date, Message-ID, From (the display name always encoded: it may hold specials
 * like ',' or '"'), To, Subject; and the one recipient. */
static int mail_headers(MailMessage *m, const Channel *ch, const char *delivery_id, const char *to,
                        const char *subject, int64_t now) {
        _cleanup_free_ char *subj = NULL, *name = NULL, *mid = NULL;
        char date[64];
        int r;
        if ((r = mail_encode_words(subject ? subject : "", &subj)) < 0 ||
            (r = mail_message_id(delivery_id, ch->from, &mid)) < 0 ||
            (r = mail_format_date(now, date, sizeof date)) < 0)
                return r;
        if (ch->from_name && *ch->from_name) {
                if (strpbrk(ch->from_name, "\r\n"))
                        return -EINVAL;
                if ((r = encode_words(ch->from_name, " ", &name)) < 0)
                        return r;
        }
        if (add_header(&m->headers, strfmt("Date: %s", date)) < 0 ||
            add_header(&m->headers, strfmt("Message-ID: %s", mid)) < 0 ||
            add_header(&m->headers, name ? strfmt("From: %s <%s>", name, ch->from)
                                         : strfmt("From: <%s>", ch->from)) < 0 ||
            add_header(&m->headers, strfmt("To: <%s>", to)) < 0 ||
            add_header(&m->headers, strfmt("Subject: %s", subj)) < 0 ||
            /* RFC 3834: automatic; auto-responders do not answer it. */
            add_header(&m->headers, strdup("Auto-Submitted: auto-generated")) < 0 ||
            add_header(&m->rcpt, strfmt("<%s>", to)) < 0)
                return -ENOMEM;
        return 0;
}

static int text_part(curl_mime *mime, const char *data, const char *type) {
        curl_mimepart *part = curl_mime_addpart(mime);
        if (!part || curl_mime_data(part, data, CURL_ZERO_TERMINATED) != CURLE_OK ||
            curl_mime_type(part, type) != CURLE_OK || curl_mime_encoder(part, "base64") != CURLE_OK)
                return -ENOMEM;
        return 0;
}

/* The body: multipart/alternative of text/plain and text/html (the done links as buttons),
 * each base64, inside the multipart/mixed curl makes of a MIME post (as curl's own
 * smtp-mime example). */
static int mail_body(MailMessage *m, const char *subject, const char *body,
                     const char *const *links, size_t n_links) {
        int r = mail_crlf(body ? body : "", &m->body);
        if (r < 0)
                return r;
        _cleanup_free_ char *html = html_mail(subject, body, links, n_links);
        if (!html || (r = mail_crlf(html, &m->html)) < 0)
                return r < 0 ? r : -ENOMEM;
        m->mime = curl_mime_init(m->easy);
        curl_mime *alt = curl_mime_init(m->easy);
        curl_mimepart *part = m->mime ? curl_mime_addpart(m->mime) : NULL;
        if (!part || !alt || text_part(alt, m->body, "text/plain; charset=UTF-8") < 0 ||
            text_part(alt, m->html, "text/html; charset=UTF-8") < 0 ||
            curl_mime_subparts(part, alt) != CURLE_OK) {
                curl_mime_free(alt);
                return -ENOMEM;
        }
        /* The part owns `alt` now. */
        if (curl_mime_type(part, "multipart/alternative") != CURLE_OK)
                return -ENOMEM;
        return 0;
}

static int mail_setopt(MailMessage *m, const Channel *ch) {
        CURL *e = m->easy;
        _cleanup_free_ char *mail_from = strfmt("<%s>", ch->from);
        if (!mail_from)
                return -ENOMEM;
        if (curl_easy_setopt(e, CURLOPT_URL, ch->url) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps") != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_MAIL_FROM, mail_from) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_MAIL_RCPT, m->rcpt) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_HTTPHEADER, m->headers) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_MIMEPOST, m->mime) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK)
                return -EINVAL;
        if (ch->username && curl_easy_setopt(e, CURLOPT_USERNAME, ch->username) != CURLE_OK)
                return -EINVAL;
        if (ch->password.value &&
            curl_easy_setopt(e, CURLOPT_PASSWORD, ch->password.value) != CURLE_OK)
                return -EINVAL;
        if (ch->ca_file && curl_easy_setopt(e, CURLOPT_CAINFO, ch->ca_file) != CURLE_OK)
                return -EINVAL;
        if (ch->insecure_tls) {
                curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
                curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
        }
        return 0;
}

int mail_new(const Channel *ch, const char *delivery_id, const char *to, const char *subject,
             const char *body, const char *const *links, size_t n_links, int64_t now,
             MailMessage **ret) {
        if (!ch->url || !address_ok(ch->from) || !address_ok(to))
                return -EINVAL;
        bool implicit = strncmp(ch->url, "smtps://", 8) == 0;
        if (!implicit && strncmp(ch->url, "smtp://", 7) != 0)
                return -EINVAL;
        _cleanup_(mail_freep) MailMessage *m = calloc(1, sizeof *m);
        if (!m || !(m->easy = curl_easy_init()))
                return -ENOMEM;
        int r = mail_headers(m, ch, delivery_id, to, subject, now);
        if (r >= 0)
                r = mail_body(m, subject, body, links, n_links);
        if (r >= 0)
                r = mail_setopt(m, ch);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}
