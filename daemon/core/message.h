/* message.h — pure rendering of the Chinese reminder texts, and grouping/splitting by byte limit.
 * Contract: no I/O, no clock. Input is a list of MessageItem (already resolved to strings by
 * route.c); output is one or more texts. Items are never split: a text breaks only between two
 * items, and only when the next item would push the text past the channel's byte limit (UTF-8
 * bytes, counted with the header and the trailing suffix such as DingTalk's "@mobile" line). A
 * single item longer than the limit on its own is cut at a UTF-8 boundary and ends in "…".
 *
 * Templates. cfg->templates[kind] (config key `templates:`) replaces the built-in text of one
 * item of that kind; cfg->templates[TEMPLATE_DIGEST] replaces the header line of a catch-up
 * digest. Placeholders (anything else in braces is copied as written; `{{` gives `{`):
 *   {org}        organisation name                {kind}       duty kind in Chinese (会议…)
 *   {post}       post name (镇党委书记)           {holders}    holder names, "、"-separated, or 空缺
 *   {duty}       duty id                          {title}      duty title (安全生产例会)
 *   {due}        deadline YYYY-MM-DD              {days}       days left / working days late
 *   {period}     period id (2026-Q4)              {checkpoint} i   {of} N  (第{checkpoint}/{of}次)
 *   {basis}      the clause: document title, 文号, clause   {basis_line} "\n依据：…" or ""
 *   {occurrence} occurrence id                    {late}       ESCALATION: the late post and holders
 *   {link}       done link URL or ""              {link_line}  "\n办结登记：URL" or ""
 *   {note}       what happened (dutyctl raise --note) {note_line}  "\n情况：…" or ""
 *   {count}      DIGEST header only: number of items */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

typedef struct MessageItem {
        TemplateKind kind;      /* UPCOMING, DUE_TODAY, OVERDUE or ESCALATION */
        const char *occurrence; /* occurrence id */
        const char *step;       /* reminder step ("b7", "o2" …) */
        const char *duty;       /* duty id */
        const char *title;      /* duty title */
        const char *kind_zh;    /* 会议 … (may be NULL) */
        const char *post;       /* post name */
        const char *holders;    /* "张三、李四"; NULL or "" = 空缺 */
        const char *due;        /* YYYY-MM-DD */
        int days;
        const char *period;
        int checkpoint, of;
        const char *basis; /* may be NULL */
        const char *link;  /* done link; may be NULL (issue 6) */
        const char *note;  /* extra text, e.g. the event's description; may be NULL */
} MessageItem;

typedef struct MessageText {
        char *text;
        size_t first, n; /* the items it holds: items[first .. first+n) */
} MessageText;

/* Byte limit of a text for a channel type; 0 = unlimited (SMTP, webhook). Chosen so that the
 * whole request body stays under the vendor's limit (WeCom content 2048 B; DingTalk body
 * 20000 B; Feishu body 20 KB) with room for JSON escaping and the other fields. */
size_t message_byte_limit(ChannelType t);

/* Renders and groups `items` (n >= 1) into texts of at most `limit` bytes (0 = no limit).
 * `digest` puts the digest header first. `suffix` (may be NULL) ends every text. */
int message_render(const Config *cfg, const MessageItem *items, size_t n, bool digest,
                   const char *suffix, size_t limit, MessageText **ret, size_t *ret_n);
void message_texts_free(MessageText *t, size_t n);

/* Mail subject for a text holding items[first..first+n). */
int message_subject(const Config *cfg, const MessageItem *items, size_t n, bool digest, char **ret);

/* Largest prefix of s (at most max bytes) that ends on a UTF-8 character boundary. */
size_t utf8_truncate(const char *s, size_t max);
