/* transfer.c — see transfer.h. */
#include "transfer.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "sign.h"

#define MAX_RESPONSE (64 * 1024)

static int url_error(CURLUcode rc) {
        return rc == CURLUE_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
}

/* The URL's query: the base's own, then each "name=value" escaped by libcurl. */
static int query_of(CURLU *u, const PayloadRequest *req, char **ret) {
        _cleanup_(curl_freep) char *base = NULL;
        Buf b = {0};
        if (curl_url_get(u, CURLUPART_QUERY, &base, 0) == CURLUE_OK)
                buf_puts(&b, base);
        for (size_t i = 0; i < req->n_query; i++) {
                _cleanup_(curl_freep) char *name = curl_easy_escape(NULL, req->query[i].name, 0);
                _cleanup_(curl_freep) char *value = curl_easy_escape(NULL, req->query[i].value, 0);
                if (!name || !value)
                        b.oom = true;
                else
                        buf_printf(&b, "%s%s=%s", b.len ? "&" : "", name, value);
        }
        *ret = buf_steal(&b);
        return *ret ? 0 : -ENOMEM;
}

/* The query goes in as a relative reference ("?QUERY": RFC 3986 §5.2, it replaces the base's
 * query and drops its fragment), which libcurl keeps as written. Given as a part
 * (CURLUPART_QUERY, with CURLU_APPENDQUERY and CURLU_URLENCODE or without), libcurl 7.88
 * rewrites every escape in lower case hex (%2b) and a space as '+': not the bytes the vendors
 * document (DingTalk's sign: %2B %2F %3D). */
int transfer_url(const PayloadRequest *req, char **ret) {
        if (!req->url)
                return -EINVAL;
        if (req->n_query == 0) {
                *ret = strdup(req->url);
                return *ret ? 0 : -ENOMEM;
        }
        _cleanup_(curl_urlp) CURLU *u = curl_url();
        _cleanup_free_ char *query = NULL, *ref = NULL;
        _cleanup_(curl_freep) char *s = NULL;
        if (!u)
                return -ENOMEM;
        CURLUcode rc = curl_url_set(u, CURLUPART_URL, req->url, 0);
        if (rc != CURLUE_OK)
                return url_error(rc);
        int r = query_of(u, req, &query);
        if (r < 0)
                return r;
        if (!(ref = strfmt("?%s", query)))
                return -ENOMEM;
        /* libcurl 7.88 would keep a fragment in front of the new query. */
        if ((rc = curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0)) != CURLUE_OK ||
            (rc = curl_url_set(u, CURLUPART_URL, ref, 0)) != CURLUE_OK ||
            (rc = curl_url_get(u, CURLUPART_URL, &s, 0)) != CURLUE_OK)
                return url_error(rc);
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *userdata) {
        Transfer *t = userdata;
        size_t n = size * nmemb;
        if (t->response.len + n > MAX_RESPONSE)
                return n; /* ignore the rest; the code is at the start */
        buf_put(&t->response, ptr, n);
        return n;
}

static int header_add(struct curl_slist **l, const char *fmt, ...) _printf_(2, 3);
static int header_add(struct curl_slist **l, const char *fmt, ...) {
        char line[256]; /* our headers are short: a name and an id or signature */
        va_list ap;
        va_start(ap, fmt);
        int q = vsnprintf(line, sizeof line, fmt, ap);
        va_end(ap);
        if (q < 0 || (size_t)q >= sizeof line)
                return -EINVAL;
        struct curl_slist *n = curl_slist_append(*l, line);
        if (!n)
                return -ENOMEM;
        *l = n;
        return 0;
}

/* HTTP/2 where the receiver offers it over TLS, else HTTP/1.1 with keep-alive (transfer.h). */
static int http_version_setopt(CURL *e, const char *url) {
        bool tls = strncasecmp(url, "https:", 6) == 0;
        long version = tls ? (long)CURL_HTTP_VERSION_2TLS : (long)CURL_HTTP_VERSION_1_1;
        if (curl_easy_setopt(e, CURLOPT_HTTP_VERSION, version) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_PIPEWAIT, (long)tls) != CURLE_OK)
                return -EINVAL;
        return 0;
}

/* Every option a use of a pooled handle may have changed is set here. */
static int http_setopt(Transfer *t, const Channel *ch) {
        CURL *e = t->easy;
        long verify = !ch->insecure_tls;
        _cleanup_free_ char *url = NULL;
        int r = transfer_url(&t->req, &url);
        if (r < 0)
                return r;
        if (header_add(&t->headers, "%s", t->req.content_type) < 0 ||
            header_add(&t->headers, "%s", "Expect:") < 0 ||
            header_add(&t->headers, "X-Dutyd-Delivery-Id: %s", t->row.id) < 0 ||
            (t->req.signature &&
             header_add(&t->headers, SIGN_WEBHOOK_HEADER ": %s", t->req.signature) < 0))
                return -ENOMEM;
        /* libcurl copies the URL: it is freed (it may hold the key) on return. */
        if (curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK || http_version_setopt(e, url) < 0 ||
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->req.body) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(t->req.body)) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, verify) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L) != CURLE_OK ||
            (ch->ca_file && curl_easy_setopt(e, CURLOPT_CAINFO, ch->ca_file) != CURLE_OK) ||
            curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write) != CURLE_OK ||
            curl_easy_setopt(e, CURLOPT_WRITEDATA, t) != CURLE_OK)
                return -EINVAL;
        return 0;
}

/* A mail from the stored content: subject, text, and the items' done links. */
static int mail_request(Transfer *t, const Channel *ch, json_t *content, int64_t now_ms) {
        json_t *items = json_object_get(content, "items");
        size_t n = json_array_size(items), k = 0;
        _cleanup_free_ const char **links = calloc(n + 1, sizeof(*links));
        if (!links)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const char *l =
                        json_string_value(json_object_get(json_array_get(items, i), "link"));
                if (l && *l)
                        links[k++] = l;
        }
        return mail_new(ch, t->row.id, t->row.recipient,
                        json_string_value(json_object_get(content, "subject")),
                        json_string_value(json_object_get(content, "text")), links, k,
                        now_ms / 1000, &t->mail);
}

/* The request of `t`: a webhook's is the body built when it was queued (no JSON to parse or
 * build), any other from the stored content. */
static int request_build(Transfer *t, const Channel *ch, SignKey *key, int64_t now_ms) {
        if (ch->type == CHANNEL_WEBHOOK && t->row.prebuilt)
                return payload_build_webhook(ch, key, t->row.content, &t->req);
        json_auto_t *content = json_loads(t->row.content, 0, NULL);
        if (!content)
                return -EBADMSG;
        if (ch->type == CHANNEL_SMTP)
                return mail_request(t, ch, content, now_ms);
        return payload_build(ch, t->row.id, content, now_ms, &t->req);
}

int transfer_prepare(Transfer *t, CurlGlue *g, const Channel *ch, SignKey *key, int64_t now_ms) {
        long timeout_ms = (long)(ch->timeout_sec > 0 ? ch->timeout_sec : 15) * 1000;
        t->glue = g;
        t->type = ch->type;
        int r = request_build(t, ch, key, now_ms);
        if (r < 0)
                return r;
        if (t->mail) {
                t->easy = t->mail->easy;
                curl_glue_share(g, t->easy);
        } else if (!(t->easy = curl_glue_easy_get(g)))
                return -ENOMEM;
        else if ((r = http_setopt(t, ch)) < 0)
                return r;
        curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
        curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT_MS,
                         timeout_ms < 10000 ? timeout_ms : 10000L);
        curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
        return 0;
}

static DeliveryResult classify_smtp(CURLcode res, long code, char *err, size_t n) {
        if (res == CURLE_OK) {
                snprintf(err, n, _("success"));
                return DELIVERY_OK;
        }
        switch (res) {
        case CURLE_LOGIN_DENIED:
                snprintf(err, n, _("SMTP login failed (wrong user name or authorization code)"));
                return DELIVERY_PERMANENT;
        case CURLE_USE_SSL_FAILED:
                snprintf(err, n,
                         _("the SMTP server does not offer STARTTLS; not sending in clear text"));
                return DELIVERY_PERMANENT;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
                snprintf(err, n, _("the SMTP server's certificate did not verify"));
                return DELIVERY_PERMANENT;
        default: break;
        }
        if (code >= 500 && code < 600) {
                snprintf(err, n, _("SMTP %ld: the server refused it (%s)"), code,
                         curl_easy_strerror(res));
                return DELIVERY_PERMANENT;
        }
        if (code >= 400 && code < 500)
                snprintf(err, n, _("SMTP %ld: the server refused it for now (%s)"), code,
                         curl_easy_strerror(res));
        else
                snprintf(err, n, _("network error: %s"), curl_easy_strerror(res));
        return DELIVERY_RETRY;
}

int transfer_classify(Transfer *t, const Channel *ch) {
        long code = 0;
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
        if (t->type == CHANNEL_SMTP) {
                t->res = classify_smtp(t->result, code, t->err, sizeof t->err);
                return 0;
        }
        if (t->result != CURLE_OK) {
                t->res = DELIVERY_RETRY;
                snprintf(t->err, sizeof t->err,
                         t->result == CURLE_OPERATION_TIMEDOUT ? _("timed out: %s")
                                                               : _("network error: %s"),
                         curl_easy_strerror(t->result));
                return 0;
        }
        Channel stub = {.type = t->type};
        if (!ch)
                ch = &stub;
        t->res = payload_classify(ch, code, t->response.data, t->response.len, t->err,
                                  sizeof t->err);
        if (t->res == DELIVERY_OK)
                return 0;
        return payload_pause_seconds(ch, code, t->response.data, t->response.len);
}

void transfer_release(Transfer *t) {
        if (t->mail)
                t->mail = mail_free(t->mail); /* owns t->easy */
        else if (t->glue)
                curl_glue_easy_put(t->glue, t->easy);
        t->easy = NULL;
        curl_slist_free_all(t->headers);
        t->headers = NULL;
        payload_request_done(&t->req);
        buf_done(&t->response);
}

Transfer *transfer_free(Transfer *t) {
        if (!t)
                return NULL;
        transfer_release(t);
        outbox_row_done(&t->row);
        free(t);
        return NULL;
}
