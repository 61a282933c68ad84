/* transfer.h — one outbox message sent as one curl transfer: its request set up on an easy
 * handle, and what the answer means.
 * Contract: builds, never performs (the sender adds the handle to the glue's multi).
 *  - HTTP channels: a POST of the payload body (payload.h; a webhook's body as it was queued,
 *    signed now) to the URL transfer_url() builds, with its Content-Type, X-Dutyd-Delivery-Id,
 *    X-Dutyd-Signature (a webhook with a secret), no "Expect: 100-continue". https gets HTTP/2
 *    when the receiver offers it (ALPN; a new transfer waits for that connection rather than
 *    opening its own), plain http HTTP/1.1 with keep-alive: h2c needs prior knowledge, which
 *    breaks every receiver that does not speak it, and an Upgrade costs a round trip. At most
 *    64 KB of the answer is kept (the vendor's code is at its start).
 *  - SMTP: the mail.h message (Message-ID from the delivery id).
 *  - Each transfer has its own timeout (Channel.timeout_sec, default 15 s; connecting at most
 *    10 s of it), so a dead or hanging receiver never delays the others.
 *  - The outcome: payload_classify() for HTTP, curl's result and the server's reply code for
 *    SMTP. Error texts hold no secret and no URL.
 * Returns 0 or a negative errno. */
#pragma once
#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "curlglue.h"
#include "mail.h"
#include "outbox.h"
#include "payload.h"
#include "util.h"

typedef struct Transfer {
        struct Transfer *next, *prev; /* the sender's lists */
        CurlGlue *glue;
        CURL *easy;
        OutboxRow row;
        ChannelType type;
        PayloadRequest req;
        struct curl_slist *headers;
        MailMessage *mail;
        Buf response;
        CURLcode result;
        /* The outcome, classified when the transfer completed (or when it could not start). */
        DeliveryResult res;
        bool failed;
        char err[PAYLOAD_ERROR_MAX];
} Transfer;

/* The URL of a request: its base, parsed by libcurl's URL API, with the query parameters
 * appended to its query (its fragment dropped), each name and value URL-encoded once by libcurl
 * (all but RFC 3986's unreserved characters, upper case hex: DingTalk's sign "+/=" becomes
 * %2B %2F %3D, as its documentation shows). -EINVAL for a base libcurl cannot parse. */
int transfer_url(const PayloadRequest *req, char **ret);

/* Builds the request of t->row for channel `ch` on an easy handle of `g` (not added to the
 * multi). `key`: the channel's webhook secret keyed once (channelstate.h), or NULL. */
int transfer_prepare(Transfer *t, CurlGlue *g, const Channel *ch, SignKey *key, int64_t now_ms);

/* Classifies the answer of a completed transfer (t->result set): t->res and t->err. `ch` is
 * NULL when the channel is no longer configured. Returns how many seconds the vendor now blocks
 * the whole channel (payload_pause_seconds()), 0 when it does not. */
int transfer_classify(Transfer *t, const Channel *ch);

/* Once the answer is classified nothing of the request is needed: the handle goes back to the
 * pool at once, the request and the answer are freed (the row and the outcome stay). */
void transfer_release(Transfer *t);
Transfer *transfer_free(Transfer *t);
