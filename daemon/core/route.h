/* route.h — who is told what: from reminders firing at one moment to messages per channel and
 * recipient.
 * Contract: pure (no I/O, no clock). enqueue_firings() (state/enqueue.h) plans with route_plan()
 * and queues the messages.
 * Rules, for each firing (occurrence + reminder):
 *  - the "told posts" are the occurrence's post, plus for REMIND_ESCALATION its escalate_to posts;
 *  - every cfg->routes entry whose duties/posts/kinds lists match (empty = any; posts matched
 *    against any told post) contributes its channels: a chat channel gets one group message
 *    (recipient ""), with @mentions of the told posts' holders' mobiles when route.mention; an
 *    SMTP channel mails each address in its `to`, and with route.holders_email each holder with
 *    an email (through the route's SMTP channel, else the first SMTP channel configured);
 *  - every holder of a told post is also told on their own channels (Person.channels): chat with
 *    an @mention of them, SMTP to their own address;
 *  - everything for the same (channel, recipient) becomes one message (split only by the byte
 *    limit, in message.c); the same item is never listed twice in one message. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "message.h"
#include "schedule.h"

typedef struct Firing {
        Occurrence occ;
        Reminder rem;
        const char *note; /* borrowed, may be NULL: e.g. what happened, for `dutyctl raise` */
} Firing;

typedef struct RouteMessage {
        size_t channel;
        char *recipient; /* "" = the channel's group; else an email address */
        size_t *items;   /* indices into the firings */
        size_t n_items, cap_items;
        char **mentions; /* mobiles */
        size_t n_mentions, cap_mentions;
} RouteMessage;

typedef struct RoutePlan {
        RouteMessage *msgs;
        size_t n, cap;
} RoutePlan;

int route_plan(const Config *c, const Firing *f, size_t n, RoutePlan *ret);
void route_plan_done(RoutePlan *p);

/* The strings of one firing for message.c; `link` (done URL, issue 6) may be NULL. */
typedef struct RouteItem {
        MessageItem item; /* points into the fields below and into the Config */
        char occurrence[OCCURRENCE_ID_MAX];
        char period[64];
        char due[OCCURRENCE_DUE_MAX];
        char *holders, *basis, *title; /* title: the duty's, with its rule's marks */
} RouteItem;

int route_item(const Config *c, const Firing *f, const char *link, RouteItem *ret);
void route_item_done(RouteItem *it);
