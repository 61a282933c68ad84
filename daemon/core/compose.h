/* compose.h — from a request (some reminders for one recipient on one channel) to the messages
 * ready to be queued: rendered, grouped and split by the channel's byte limit (message.h), each
 * with its delivery id, kind, stored content and give-up time. The outbox (state/outbox.h) only
 * stores what this makes.
 * Contract: pure (the caller passes "now"); no I/O; logs nothing.
 *  - Delivery id: the first 32 hex digits of SHA-256 over the (occurrence id, reminder step)
 *    pairs a message carries, the channel id and the recipient; with one item that is exactly
 *    (occurrence, step, channel, recipient). The same reminders to the same place always get
 *    the same id (at-least-once delivery sends it again after a crash).
 *  - kind: the items' template kind ("upcoming", "due_today", "overdue", "escalation"), "mixed"
 *    when they differ, "digest" for a catch-up digest.
 *  - content: the message as payload.h describes it ({"kind", "subject", "text", "mentions",
 *    "items"}); for a webhook (`prebuilt`) the request body itself, built once here (it depends
 *    on nothing that may change before it is sent).
 *  - give_up: now + the channel's give_up_hours (24 when unset) hours.
 *  - DingTalk notifies a mention only when "@mobile" is in the text too: with mentions, every
 *    DingTalk text ends in a line of them. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "message.h"

#define COMPOSE_ID_LEN 32

/* One message to queue: `items` for one channel and one recipient ("" = the channel's group;
 * an email address for SMTP). */
typedef struct OutboxRequest {
        size_t channel; /* index in cfg->channels */
        const char *recipient;
        const MessageItem *items;
        size_t n_items;
        bool digest;
        char *const *mentions; /* mobiles to @mention (wecom, dingtalk) */
        size_t n_mentions;
} OutboxRequest;

/* A message ready to store. Borrows from the Config and the request (channel, recipient,
 * occurrence, items): keep both while it is used. */
typedef struct ComposedMessage {
        char id[COMPOSE_ID_LEN + 1];
        const char *channel;      /* the channel's id */
        const char *recipient;    /* the request's */
        const char *kind;         /* a string literal */
        const char *occurrence;   /* the first item's */
        char *content;            /* malloc'd */
        bool prebuilt;            /* content is the request body itself (a webhook's) */
        int64_t give_up;          /* unix seconds */
        const MessageItem *items; /* the items it carries, a run of the request's */
        size_t n_items;
} ComposedMessage;

/* keys: n pairs (occurrence, step). */
void compose_delivery_id(const char *const *occurrences, const char *const *steps, size_t n,
                         const char *channel, const char *recipient, char out[COMPOSE_ID_LEN + 1]);

/* The messages of one request, in the order of its items (none when it has no items). -EINVAL
 * for a channel out of range, a NULL recipient or an item without an occurrence; -ENOMEM. */
int compose_messages(const Config *cfg, const OutboxRequest *req, int64_t now,
                     ComposedMessage **ret, size_t *ret_n);
void compose_messages_free(ComposedMessage *m, size_t n);
