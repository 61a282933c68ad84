/* mail.h — one e-mail as a libcurl SMTP easy handle (not performed here: the sender adds it to
 * its curl multi).
 * Contract: smtp:// URLs require STARTTLS (CURLUSESSL_ALL: no plain-text fallback), smtps://
 * uses implicit TLS. Headers: Date (C-locale names, numeric offset of the organisation's time
 * zone), Message-ID derived from the delivery id only (a re-send after a crash carries the same
 * one), From with an RFC 2047 display name, To, Subject as RFC 2047 B encoded-words split on
 * UTF-8 character boundaries (each word ≤ 75 chars, folded with CRLF SP), Auto-Submitted:
 * auto-generated. Body: multipart/alternative of text/plain and text/html (html_mail(): the
 * done links as buttons), both UTF-8, base64, CRLF line ends. The server's certificate is
 * checked against the system's CAs, or the channel's `ca_file`. Addresses with CR, LF, '<' or
 * '>' are refused (-EINVAL): no header injection. */
#pragma once
#include <curl/curl.h>
#include <stdint.h>

#include "config.h"

typedef struct MailMessage {
        CURL *easy;
        curl_mime *mime;
        struct curl_slist *headers, *rcpt;
        char *body, *html;
} MailMessage;

/* "=?UTF-8?B?…?=" words joined by "\r\n " (ASCII-only text is returned as is). */
int mail_encode_words(const char *text, char **ret);
/* "Tue, 22 Aug 2026 14:08:43 +0800" for unix time t in the organisation's zone (tz.h). */
int mail_format_date(int64_t t, char *buf, size_t n);

/* `links`: the done links of the message's items (shown as buttons in the HTML part). */
int mail_new(const Channel *ch, const char *delivery_id, const char *to, const char *subject,
             const char *body, const char *const *links, size_t n_links, int64_t now,
             MailMessage **ret);
MailMessage *mail_free(MailMessage *m);
