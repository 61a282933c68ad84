/* html.c — see html.h. */
#include "html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void html_escape(Buf *b, const char *s) {
        for (; s && *s; s++) {
                switch (*s) {
                case '&': buf_puts(b, "&amp;"); break;
                case '<': buf_puts(b, "&lt;"); break;
                case '>': buf_puts(b, "&gt;"); break;
                case '"': buf_puts(b, "&quot;"); break;
                case '\'': buf_puts(b, "&#39;"); break;
                default: buf_put(b, s, 1);
                }
        }
}

/* The link `line` ends in, if it is one of `links`. */
static const char *line_link(const char *line, size_t n, const char *const *links, size_t n_links) {
        for (size_t i = 0; i < n_links; i++) {
                size_t l = links[i] ? strlen(links[i]) : 0;
                if (l > 0 && l <= n && memcmp(line + n - l, links[i], l) == 0)
                        return links[i];
        }
        return NULL;
}

/* Mail clients drop <style> and classes: the styles are inline. */
#define BUTTON_STYLE                                                                           \
        "display:inline-block;padding:8px 16px;margin:4px 0;background:#c0392b;color:#ffffff;" \
        "text-decoration:none;border-radius:4px"

char *html_mail(const char *title, const char *text, const char *const *links, size_t n_links) {
        Buf b = {0};
        buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>");
        html_escape(&b, title);
        buf_puts(&b, "</title></head>\n<body style=\"font-family:sans-serif;line-height:1.6\">\n");
        for (const char *p = text ? text : ""; *p;) {
                size_t n = strcspn(p, "\n");
                _cleanup_free_ char *line = strndup(p, n);
                const char *link = line ? line_link(line, n, links, n_links) : NULL;
                if (link) {
                        buf_puts(&b, "<p><a href=\"");
                        html_escape(&b, link);
                        buf_puts(&b, "\" style=\"" BUTTON_STYLE "\">登记办结</a></p>\n");
                } else {
                        buf_puts(&b, "<p style=\"margin:0\">");
                        html_escape(&b, line);
                        buf_puts(&b, "</p>\n");
                }
                p += n + (p[n] == '\n');
        }
        buf_puts(&b, "</body></html>\n");
        return buf_steal(&b);
}

void html_page_head(Buf *b, const char *title, const char *referrer, const char *css) {
        buf_puts(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                    "<meta name=\"referrer\" content=\"");
        buf_puts(b, referrer);
        buf_puts(b, "\"><title>");
        html_escape(b, title);
        buf_printf(b, "</title><style>%s</style></head><body>\n", css);
}

static void row(Buf *b, const char *k, const char *v) {
        buf_puts(b, "<tr><th>");
        html_escape(b, k);
        buf_puts(b, "</th><td>");
        html_escape(b, v);
        buf_puts(b, "</td></tr>\n");
}

void html_occurrence_table(Buf *b, const Config *c, const Occurrence *o, const OccStatus *st,
                           const char *holders, bool org, const char *id) {
        const Duty *d = &c->duties[o->duty];
        char pid[96], due[OCCURRENCE_DUE_MAX], of[128];
        occurrence_period_id(c, o, pid, sizeof(pid));
        occurrence_due_text(o, due);
        snprintf(of, sizeof(of), "%s 第%u/%u次", pid, o->checkpoint, o->of);
        _cleanup_free_ char *basis = duty_basis(c, d);
        buf_puts(b, "<table");
        if (id) {
                buf_puts(b, " id=\"");
                html_escape(b, id);
                buf_puts(b, "\"");
        }
        buf_puts(b, ">\n");
        if (org)
                row(b, "单位", c->org_name);
        row(b, "职责", d->title);
        row(b, "岗位", c->posts[o->post].name);
        row(b, "在岗人员", holders && *holders ? holders : "空缺");
        row(b, "周期", of);
        row(b, "截止日期", due);
        row(b, "状态", st ? occ_status_zh(st) : "未知");
        if (st && st->required > 1) {
                char prog[32];
                snprintf(prog, sizeof(prog), "%d/%d", st->done, st->required);
                row(b, "已完成次数", prog);
        }
        if (basis && *basis)
                row(b, "依据", basis);
        buf_puts(b, "</table>\n");
}
