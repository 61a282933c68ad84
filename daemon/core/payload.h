/* payload.h — the vendor request bodies and the classification of their answers.
 * Contract: pure (the caller passes the clock); no I/O; never puts a secret in an error text.
 *
 * Stored content (outbox `content` column, JSON object, built by compose.c):
 *   {"kind": "upcoming|due_today|overdue|escalation|digest|test", "subject": "…", "text": "…",
 *    "mentions": ["13800001111", …], "items": [ITEM, …]}
 * Request bodies, built at send time from the content (signatures need a fresh timestamp):
 *   wecom:    {"msgtype":"text","text":{"content":TEXT,"mentioned_mobile_list":[…]}},
 *             query key=KEY
 *   dingtalk: {"msgtype":"text","text":{"content":TEXT (already ends with "@mobile …")},
 *              "at":{"atMobiles":[…],"atUserIds":[],"isAtAll":false}}
 *             query access_token=KEY, timestamp=MS, sign=SIGN (the last two when a secret is
 *             set)
 *   feishu:   {"timestamp":"S","sign":"…" (when a secret is set),"msg_type":"text",
 *              "content":{"text":TEXT}}; the key is the last segment of the URL's path
 *   webhook:  the documented dutyd schema (version 1):
 *     {"version":1, "delivery_id":"<32 hex>", "channel":"<channel id>", "kind":"upcoming|…",
 *      "items":[{"occurrence":"DUTY:POST:PERIOD:I","duty":"<id>","post":"<post name>",
 *                "title":"<duty title>","due":"YYYY-MM-DD","days":N,"holders":["张三",…],
 *                "basis":"<clause>"}],
 *      "text":"<the rendered Chinese text>"}
 *     headers: X-Dutyd-Delivery-Id: <id>; X-Dutyd-Signature: sha256=<hex HMAC(secret, body)>
 *     when the channel has a secret. The same delivery id is sent again after a crash. */
#pragma once
#include <jansson.h>
#include <stdint.h>

#include "config.h"
#include "sign.h"

typedef enum DeliveryResult {
        DELIVERY_OK,
        DELIVERY_RETRY,     /* transport, timeout, 5xx, 429, vendor rate limit */
        DELIVERY_RESIGN,    /* timestamp/signature rejected: sign again once, then permanent */
        DELIVERY_PERMANENT, /* bad key/token, keyword, IP, 4xx: stop and report */
} DeliveryResult;

const char *delivery_result_to_string(DeliveryResult r);

/* A query parameter: name and value as they are, URL-encoded once where the URL is built (the
 * edge: transfer_url(), libcurl's URL API), so that this layer needs no libcurl. */
typedef struct PayloadParam {
        const char *name; /* static */
        char *value;
} PayloadParam;

#define PAYLOAD_QUERY_MAX 3

typedef struct PayloadRequest {
        char *url; /* the base URL (Feishu: with the key in its path): never log it */
        PayloadParam query[PAYLOAD_QUERY_MAX]; /* appended to url in this order; may hold the key */
        size_t n_query;
        char *body;
        char *signature; /* webhook "sha256=…" or NULL */
        const char *content_type;
} PayloadRequest;

void payload_request_done(PayloadRequest *r);

/* Builds the request for an HTTP channel (not SMTP) from the stored content. */
int payload_build(const Channel *ch, const char *delivery_id, const json_t *content, int64_t now_ms,
                  PayloadRequest *ret);
/* The webhook body above (malloc'd, NULL when out of memory). It depends on nothing that may
 * change before the message is sent (the signature is made at send time), so the outbox builds
 * it once, when the message is queued. `items`: the content's array. */
char *payload_webhook_body(const char *delivery_id, const char *channel_id, const char *kind,
                           json_t *items, const char *text);
/* The request of a webhook message from its body, signed with the channel's secret: `key` is
 * that secret keyed once (sign_key_new()), or NULL to sign with ch->secret from scratch. */
int payload_build_webhook(const Channel *ch, SignKey *key, const char *body, PayloadRequest *ret);

/* Classifies an answer. http_status 0 = transport failure (no answer). Writes a short Chinese
 * description (code and vendor message, secrets removed) to err. */
/* The vendor's own error message is kept whole (secrets scrubbed) up to this many bytes: a
 * WeCom or DingTalk message with its hint and help URL is 150-250 bytes. */
#define PAYLOAD_VENDOR_MAX 1024
/* Room for the error payload_classify() writes: its Chinese wording and the vendor's message. */
#define PAYLOAD_ERROR_MAX (PAYLOAD_VENDOR_MAX + 256)
DeliveryResult payload_classify(const Channel *ch, long http_status, const char *body,
                                size_t body_len, char *err, size_t err_len);

/* How long the vendor now blocks the whole channel, in seconds (0: not blocked): DingTalk's
 * 130101 "send too fast" blocks the robot for 10 minutes, so sending sooner is pointless. */
int payload_pause_seconds(const Channel *ch, long http_status, const char *body, size_t body_len);
