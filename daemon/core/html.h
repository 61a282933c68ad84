/* html.h — HTML text for the pages and mails dutyd writes (the done page, the HTML part of a
 * reminder mail).
 * Contract: pure; every piece of text that is not ours is escaped (& < > " '), so no field of a
 * config, a record or a message can inject markup. */
#pragma once
#include <stddef.h>

#include "config.h"
#include "ledger.h"
#include "schedule.h"
#include "util.h"

/* Appends s with & < > " ' escaped. */
void html_escape(Buf *b, const char *s);
/* The HTML alternative of a reminder's plain text: its lines escaped, and each line that ends in
 * one of `links` (the done links of its items) shown as that link's button. NULL on ENOMEM. */
char *html_mail(const char *title, const char *text, const char *const *links, size_t n_links);
/* The start of one of our pages, up to <body>: Chinese, UTF-8, phone-width viewport, the
 * referrer policy `referrer` as a meta tag, `title` escaped and the page's own `css`. */
void html_page_head(Buf *b, const char *title, const char *referrer, const char *css);

/* The table that says what an occurrence is, on the done page and the console: 单位 (when `org`),
 * 职责, 岗位, 在岗人员 (`holders`, 空缺 when none), 周期, 截止日期, 状态 (未知 when st is NULL: the
 * record could not be read), 已完成次数 (when more than one is required), 依据. `id` (may be NULL)
 * is the table's element id. */
void html_occurrence_table(Buf *b, const Config *c, const Occurrence *o, const OccStatus *st,
                           const char *holders, bool org, const char *id);
