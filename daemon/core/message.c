/* message.c — see message.h. */
#include "message.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define HEADER_TMPL "【{org}·安全生产履职提醒】"

static const char *const default_templates[_TEMPLATE_MAX] = {
        [TEMPLATE_UPCOMING] = "◆ {post}（{holders}）：「{title}」（{period} 第{checkpoint}/{of}次）"
                              "还剩{days}天，截止{due}。{basis_line}{link_line}",
        [TEMPLATE_DUE_TODAY] =
                "◆ {post}（{holders}）：「{title}」（{period} 第{checkpoint}/{of}次）"
                "今天截止（{due}），请今天完成。{basis_line}{link_line}",
        [TEMPLATE_OVERDUE] =
                "◆ {post}（{holders}）：「{title}」（{period} 第{checkpoint}/{of}次）"
                "已逾期{days}个工作日（截止{due}），请尽快完成。{basis_line}{link_line}",
        [TEMPLATE_ESCALATION] =
                "◆ 逾期督办：{late}未按期完成「{title}」（{period} 第{checkpoint}/{of}次，"
                "截止{due}），已逾期{days}个工作日，请督促落实。{basis_line}{link_line}",
        [TEMPLATE_DIGEST] = "【{org}·补发提醒】系统停止运行期间有{count}项提醒到期，汇总如下：",
        [TEMPLATE_EVENT] =
                "◆ 紧急：{post}（{holders}）请立即「{title}」。{note_line}{basis_line}{link_line}",
};

size_t message_byte_limit(ChannelType t) {
        switch (t) {
        case CHANNEL_WECOM: return 2048; /* text.content limit itself */
        case CHANNEL_DINGTALK:
                return 16000; /* body ≤ 20000 B: room for escaping, at, URL-free JSON */
        case CHANNEL_FEISHU: return 16000; /* body ≤ 20 KB */
        default: return 0;
        }
}

size_t utf8_truncate(const char *s, size_t max) {
        size_t n = strlen(s);
        if (n <= max)
                return n;
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
                n--;
        return n;
}

static const char *nz(const char *s) {
        return s ? s : "";
}

static void put_placeholder(Buf *b, const char *name, size_t len, const char *org,
                            const MessageItem *it, size_t count) {
#define IS(x) (len == strlen(x) && memcmp(name, x, len) == 0)
        const char *holders = it && it->holders && *it->holders ? it->holders : "空缺";
        if (IS("org"))
                buf_puts(b, nz(org));
        else if (IS("count"))
                buf_printf(b, "%zu", count);
        else if (!it) {
                buf_put(b, "{", 1);
                buf_put(b, name, len);
                buf_put(b, "}", 1);
        } else if (IS("post"))
                buf_puts(b, nz(it->post));
        else if (IS("holders"))
                buf_puts(b, holders);
        else if (IS("duty"))
                buf_puts(b, nz(it->duty));
        else if (IS("title"))
                buf_puts(b, nz(it->title));
        else if (IS("kind"))
                buf_puts(b, nz(it->kind_zh));
        else if (IS("due"))
                buf_puts(b, nz(it->due));
        else if (IS("days"))
                buf_printf(b, "%d", it->days);
        else if (IS("period"))
                buf_puts(b, nz(it->period));
        else if (IS("checkpoint"))
                buf_printf(b, "%d", it->checkpoint);
        else if (IS("of"))
                buf_printf(b, "%d", it->of);
        else if (IS("basis"))
                buf_puts(b, nz(it->basis));
        else if (IS("basis_line")) {
                if (it->basis && *it->basis)
                        buf_printf(b, "\n依据：%s", it->basis);
        } else if (IS("occurrence"))
                buf_puts(b, nz(it->occurrence));
        else if (IS("late"))
                buf_printf(b, "%s（%s）", nz(it->post), holders);
        else if (IS("note"))
                buf_puts(b, nz(it->note));
        else if (IS("note_line")) {
                if (it->note && *it->note)
                        buf_printf(b, "\n情况：%s", it->note);
        } else if (IS("link"))
                buf_puts(b, nz(it->link));
        else if (IS("link_line")) {
                if (it->link && *it->link)
                        buf_printf(b, "\n办结登记：%s", it->link);
        } else {
                buf_put(b, "{", 1);
                buf_put(b, name, len);
                buf_put(b, "}", 1);
        }
#undef IS
}

/* Renders one template against one item (a NULL item is allowed for the digest header). */
static int message_expand(const char *tmpl, const char *org, const MessageItem *it, size_t count,
                          char **ret) {
        Buf b = {0};
        const char *p = tmpl;
        while (*p) {
                if (p[0] == '{' && p[1] == '{') {
                        buf_put(&b, "{", 1);
                        p += 2;
                        continue;
                }
                if (p[0] == '}' && p[1] == '}') {
                        buf_put(&b, "}", 1);
                        p += 2;
                        continue;
                }
                if (*p == '{') {
                        const char *end = strchr(p + 1, '}');
                        size_t len = end ? (size_t)(end - p - 1) : 0;
                        bool name = end && len > 0 && len < 32;
                        for (size_t i = 0; name && i < len; i++)
                                if (!strchr("abcdefghijklmnopqrstuvwxyz_", p[1 + i]))
                                        name = false;
                        if (name) {
                                put_placeholder(&b, p + 1, len, org, it, count);
                                p = end + 1;
                                continue;
                        }
                }
                const char *next = p + 1;
                while (*next && *next != '{' && *next != '}')
                        next++;
                buf_put(&b, p, (size_t)(next - p));
                p = next;
        }
        char *s = buf_steal(&b);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static const char *item_template(const Config *cfg, TemplateKind k) {
        if ((unsigned)k >= _TEMPLATE_MAX)
                k = TEMPLATE_UPCOMING;
        if (cfg && cfg->templates[k])
                return cfg->templates[k];
        return default_templates[k];
}

void message_texts_free(MessageText *t, size_t n) {
        for (size_t i = 0; t && i < n; i++)
                free(t[i].text);
        free(t);
}

static void texts_free(char **v, size_t n) {
        for (size_t i = 0; v && i < n; i++)
                free(v[i]);
        free(v);
}

/* Every item's text from its template: *ret holds n malloc'd texts. */
static int expand_items(const Config *cfg, const MessageItem *items, size_t n, char ***ret) {
        const char *org = cfg ? cfg->org_name : NULL;
        char **v = calloc(n, sizeof(char *));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                int r = message_expand(item_template(cfg, items[i].kind), org, &items[i], n, &v[i]);
                if (r < 0) {
                        texts_free(v, n);
                        return r;
                }
        }
        *ret = v;
        return 0;
}

/* Groups the items' texts into `out` (room for one text per item): each text is the header,
 * its items (each after a blank line) and the suffix, within `limit` bytes (0: none). */
static int group_items(const char *header, const char *suffix, char **rendered, size_t n,
                       size_t limit, MessageText *out, size_t *n_out) {
        size_t fixed = strlen(header) + strlen(suffix), first = 0;
        Buf b = {0};
        for (size_t i = 0; i <= n; i++) {
                /* Flush the current text when this item would not fit, or at the end. */
                size_t item_len = i < n ? 2 + strlen(rendered[i]) : 0;
                if (i == n || (i > first && limit && fixed + b.len + item_len > limit)) {
                        Buf t = {0};
                        buf_puts(&t, header);
                        buf_put(&t, b.data ? b.data : "", b.len);
                        buf_puts(&t, suffix);
                        buf_done(&b);
                        if (!(out[*n_out].text = buf_steal(&t)))
                                return -ENOMEM;
                        out[*n_out].first = first;
                        out[(*n_out)++].n = i - first;
                        first = i;
                }
                if (i == n)
                        break;
                buf_puts(&b, "\n\n");
                if (limit && fixed + item_len > limit) {
                        /* Alone too long: cut at a character boundary. */
                        size_t room = limit > fixed + 2 + 3 ? limit - fixed - 2 - 3 : 0;
                        buf_put(&b, rendered[i], utf8_truncate(rendered[i], room));
                        buf_puts(&b, "…");
                } else
                        buf_puts(&b, rendered[i]);
                if (b.oom) {
                        buf_done(&b);
                        return -ENOMEM;
                }
        }
        return 0;
}

int message_render(const Config *cfg, const MessageItem *items, size_t n, bool digest,
                   const char *suffix, size_t limit, MessageText **ret, size_t *ret_n) {
        _cleanup_free_ char *header = NULL;
        char **rendered = NULL;
        size_t n_out = 0;
        if (n == 0)
                return -EINVAL;
        MessageText *out = calloc(n, sizeof(MessageText)); /* at most one text per item */
        int r = out ? expand_items(cfg, items, n, &rendered) : -ENOMEM;
        if (r >= 0)
                r = message_expand(digest ? item_template(cfg, TEMPLATE_DIGEST) : HEADER_TMPL,
                                   cfg ? cfg->org_name : NULL, NULL, n, &header);
        if (r >= 0)
                r = group_items(header, suffix ? suffix : "", rendered, n, limit, out, &n_out);
        texts_free(rendered, rendered ? n : 0);
        if (r < 0) {
                message_texts_free(out, n_out);
                return r;
        }
        *ret = out;
        *ret_n = n_out;
        return 0;
}

int message_subject(const Config *cfg, const MessageItem *items, size_t n, bool digest,
                    char **ret) {
        const char *org = cfg && cfg->org_name ? cfg->org_name : "安全生产";
        char *s;
        if (digest)
                s = strfmt("【%s】补发提醒汇总（%zu项）", org, n);
        else if (n == 1) {
                const MessageItem *it = &items[0];
                switch (it->kind) {
                case TEMPLATE_UPCOMING:
                        s = strfmt("【%s】%s·%s 还剩%d天", org, nz(it->post), nz(it->title),
                                   it->days);
                        break;
                case TEMPLATE_DUE_TODAY:
                        s = strfmt("【%s】%s·%s 今天截止", org, nz(it->post), nz(it->title));
                        break;
                case TEMPLATE_OVERDUE:
                        s = strfmt("【%s】%s·%s 已逾期%d个工作日", org, nz(it->post), nz(it->title),
                                   it->days);
                        break;
                case TEMPLATE_EVENT:
                        s = strfmt("【%s】紧急：%s·%s", org, nz(it->post), nz(it->title));
                        break;
                default:
                        s = strfmt("【%s】逾期督办：%s·%s", org, nz(it->post), nz(it->title));
                        break;
                }
        } else
                s = strfmt("【%s】安全生产履职提醒（%zu项）", org, n);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}
