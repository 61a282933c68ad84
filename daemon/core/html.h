/* html.h — HTML text for the pages and mails dutyd writes (the done page, the HTML part of a
 * reminder mail).
 * Contract: pure; every piece of text that is not ours is escaped (& < > " '), so no field of a
 * config, a record or a message can inject markup. */
#pragma once
#include <stddef.h>

#include "util.h"

/* Appends s with & < > " ' escaped. */
void html_escape(Buf *b, const char *s);
/* The HTML alternative of a reminder's plain text: its lines escaped, and each line that ends in
 * one of `links` (the done links of its items) shown as that link's button. NULL on ENOMEM. */
char *html_mail(const char *title, const char *text, const char *const *links, size_t n_links);
