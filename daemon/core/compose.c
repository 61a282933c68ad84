/* compose.c — see compose.h. */
#include "compose.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "payload.h"
#include "util.h"

void compose_delivery_id(const char *const *occurrences, const char *const *steps, size_t n,
                         const char *channel, const char *recipient, char out[COMPOSE_ID_LEN + 1]) {
        static const char hex[] = "0123456789abcdef";
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        /* Fields separated by bytes that never occur in ids: unambiguous. */
        bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
        for (size_t i = 0; ok && i < n; i++) {
                ok = EVP_DigestUpdate(ctx, occurrences[i], strlen(occurrences[i])) &&
                     EVP_DigestUpdate(ctx, "\x1f", 1) &&
                     EVP_DigestUpdate(ctx, steps[i], strlen(steps[i])) &&
                     EVP_DigestUpdate(ctx, "\x1e", 1);
        }
        ok = ok && EVP_DigestUpdate(ctx, "\x1d", 1) &&
             EVP_DigestUpdate(ctx, channel, strlen(channel)) && EVP_DigestUpdate(ctx, "\x1d", 1) &&
             EVP_DigestUpdate(ctx, recipient, strlen(recipient)) &&
             EVP_DigestFinal_ex(ctx, md, &len);
        EVP_MD_CTX_free(ctx);
        if (!ok)
                memset(md, 0, sizeof md); /* cannot happen with the default provider */
        for (size_t i = 0; i < COMPOSE_ID_LEN / 2; i++) {
                out[2 * i] = hex[md[i] >> 4];
                out[2 * i + 1] = hex[md[i] & 15];
        }
        out[COMPOSE_ID_LEN] = 0;
}

static const char *kind_key(TemplateKind k) {
        static const char *const names[] = {"upcoming", "due_today", "overdue", "escalation",
                                            "digest"};
        return (unsigned)k < ELEMENTSOF(names) ? names[k] : "other";
}

static json_t *holders_array(const char *h) {
        json_t *a = json_array();
        if (!a || !h)
                return a;
        const char *sep = "、";
        size_t sl = strlen(sep);
        while (*h) {
                const char *e = strstr(h, sep);
                size_t l = e ? (size_t)(e - h) : strlen(h);
                if (l && json_array_append_new(a, json_stringn(h, l)) < 0) {
                        json_decref(a);
                        return NULL;
                }
                h += l + (e ? sl : 0);
        }
        return a;
}

static json_t *item_json(const MessageItem *it) {
        json_t *h = holders_array(it->holders);
        if (!h)
                return NULL;
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:o, s:s, s:s, s:s*}", "occurrence",
                         it->occurrence ? it->occurrence : "", "duty", it->duty ? it->duty : "",
                         "post", it->post ? it->post : "", "title", it->title ? it->title : "",
                         "due", it->due ? it->due : "", "days", it->days, "holders", h, "basis",
                         it->basis ? it->basis : "", "kind", kind_key(it->kind), "link", it->link);
}

/* The content's "items" and "mentions" arrays; false when out of memory. */
static bool content_arrays(const ComposedMessage *m, const OutboxRequest *req, json_t **ret_items,
                           json_t **ret_mentions) {
        json_t *items = json_array(), *mentions = json_array();
        bool ok = items && mentions;
        for (size_t i = 0; ok && i < m->n_items; i++)
                ok = json_array_append_new(items, item_json(&m->items[i])) == 0;
        for (size_t i = 0; ok && i < req->n_mentions; i++)
                ok = json_array_append_new(mentions, json_string(req->mentions[i])) == 0;
        if (!ok) {
                json_decref(items);
                json_decref(mentions);
                return false;
        }
        *ret_items = items, *ret_mentions = mentions;
        return true;
}

/* m->content: for a webhook its request body (payload.h), else the stored content. */
static int build_content(const Config *cfg, const OutboxRequest *req, const char *text,
                         ComposedMessage *m) {
        _cleanup_free_ char *subject = NULL;
        int r = message_subject(cfg, m->items, m->n_items, req->digest, &subject);
        if (r < 0)
                return r;
        json_t *items, *mentions;
        if (!content_arrays(m, req, &items, &mentions))
                return -ENOMEM;
        if (m->prebuilt)
                m->content = payload_webhook_body(m->id, m->channel, m->kind, items, text);
        else {
                json_t *content =
                        json_pack("{s:s, s:s, s:s, s:O, s:O}", "kind", m->kind, "subject", subject,
                                  "text", text, "mentions", mentions, "items", items);
                m->content = content ? json_dumps(content, JSON_COMPACT) : NULL;
                json_decref(content);
        }
        json_decref(items);
        json_decref(mentions);
        return m->content ? 0 : -ENOMEM;
}

/* The message of one text: the items t holds. */
static int compose_one(const Config *cfg, const OutboxRequest *req, const MessageText *t,
                       int64_t now, ComposedMessage *m) {
        const Channel *ch = &cfg->channels[req->channel];
        const MessageItem *items = req->items + t->first;
        _cleanup_free_ const char **occ = calloc(t->n, sizeof(char *));
        _cleanup_free_ const char **steps = calloc(t->n, sizeof(char *));
        if (!occ || !steps)
                return -ENOMEM;
        *m = (ComposedMessage){
                .channel = ch->id,
                .recipient = req->recipient,
                .kind = req->digest ? "digest" : kind_key(items[0].kind),
                .occurrence = items[0].occurrence,
                .prebuilt = ch->type == CHANNEL_WEBHOOK,
                .give_up = now + (int64_t)(ch->give_up_hours > 0 ? ch->give_up_hours : 24) * 3600,
                .items = items,
                .n_items = t->n};
        for (size_t i = 0; i < t->n; i++) {
                occ[i] = items[i].occurrence;
                steps[i] = items[i].step ? items[i].step : "";
                if (!req->digest && items[i].kind != items[0].kind)
                        m->kind = "mixed";
        }
        compose_delivery_id(occ, steps, t->n, ch->id, req->recipient, m->id);
        return build_content(cfg, req, t->text, m);
}

/* DingTalk notifies only when "@mobile" is in the text too: the line that ends each text, or
 * NULL (*ret) when none is needed. */
static int mention_suffix(const Channel *ch, const OutboxRequest *req, char **ret) {
        *ret = NULL;
        if (ch->type != CHANNEL_DINGTALK || req->n_mentions == 0)
                return 0;
        Buf b = {0};
        buf_puts(&b, "\n");
        for (size_t i = 0; i < req->n_mentions; i++)
                buf_printf(&b, "%s@%s", i ? " " : "", req->mentions[i]);
        *ret = buf_steal(&b);
        return *ret ? 0 : -ENOMEM;
}

int compose_messages(const Config *cfg, const OutboxRequest *req, int64_t now,
                     ComposedMessage **ret, size_t *ret_n) {
        if (req->channel >= cfg->n_channels || !req->recipient)
                return -EINVAL;
        for (size_t i = 0; i < req->n_items; i++)
                if (!req->items[i].occurrence)
                        return -EINVAL;
        *ret = NULL, *ret_n = 0;
        if (req->n_items == 0)
                return 0;
        const Channel *ch = &cfg->channels[req->channel];
        _cleanup_free_ char *suffix = NULL;
        MessageText *texts = NULL;
        size_t n_texts = 0;
        int r = mention_suffix(ch, req, &suffix);
        if (r == 0)
                r = message_render(cfg, req->items, req->n_items, req->digest, suffix,
                                   message_byte_limit(ch->type), &texts, &n_texts);
        if (r < 0)
                return r;
        ComposedMessage *m = calloc(n_texts, sizeof(*m));
        size_t n = 0;
        r = m ? 0 : -ENOMEM;
        for (; r == 0 && n < n_texts; n++)
                r = compose_one(cfg, req, &texts[n], now, &m[n]);
        message_texts_free(texts, n_texts);
        if (r < 0) {
                compose_messages_free(m, n);
                return r;
        }
        *ret = m, *ret_n = n;
        return 0;
}

void compose_messages_free(ComposedMessage *m, size_t n) {
        for (size_t i = 0; m && i < n; i++)
                free(m[i].content);
        free(m);
}
