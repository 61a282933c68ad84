/* util.c — see util.h. */
#include "util.h"

#include <errno.h>
#include <locale.h>
#include <stdint.h>
#include <time.h>

char *vstrfmt(const char *fmt, va_list ap) {
        char *s = NULL;
        return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

char *strfmt(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        char *s = vstrfmt(fmt, ap);
        va_end(ap);
        return s;
}

static bool buf_reserve(Buf *b, size_t extra) {
        if (b->oom)
                return false;
        if (b->len + extra + 1 <= b->cap)
                return true;
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + extra + 1)
                cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p) {
                b->oom = true;
                return false;
        }
        b->data = p;
        b->cap = cap;
        return true;
}

void buf_put(Buf *b, const char *s, size_t n) {
        if (!buf_reserve(b, n))
                return;
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = 0;
}

void buf_puts(Buf *b, const char *s) {
        buf_put(b, s, strlen(s));
}

/* The first len bytes of t (no NUL among them). */
static void str_putn(Str *s, const char *t, size_t len) {
        size_t room = s->n - 1 - s->k;
        if (len > room)
                len = room;
        memcpy(s->p + s->k, t, len);
        s->k += len;
        s->p[s->k] = 0;
}

void str_put(Str *s, const char *t) {
        str_putn(s, t, strlen(t));
}

void str_num(Str *s, unsigned v, int width) {
        char d[16];
        int i = (int)sizeof(d) - 1;
        d[i] = 0;
        do
                d[--i] = (char)('0' + v % 10);
        while ((v /= 10) > 0 && i > 0);
        while (i > 0 && (int)sizeof(d) - 1 - i < width)
                d[--i] = '0';
        str_putn(s, d + i, sizeof(d) - 1 - (size_t)i);
}

void buf_printf(Buf *b, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0 || !buf_reserve(b, (size_t)n)) {
                b->oom = true;
                return;
        }
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t)n;
}

char *buf_steal(Buf *b) {
        char *p = b->oom ? NULL : b->data;
        if (b->oom)
                free(b->data);
        if (p == NULL && !b->oom)
                p = strdup("");
        *b = (Buf){0};
        return p;
}

void buf_done(Buf *b) {
        free(b->data);
        *b = (Buf){0};
}

size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp) {
        if (n == 0)
                return 0;
        unsigned char c = s[0];
        size_t len;
        uint32_t v;
        if (c < 0x80) {
                *cp = c;
                return 1;
        } else if ((c & 0xE0) == 0xC0) {
                len = 2, v = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
                len = 3, v = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
                len = 4, v = c & 0x07;
        } else
                return 0;
        if (n < len)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xC0) != 0x80)
                        return 0;
                v = (v << 6) | (s[i] & 0x3F);
        }
        static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
        if (v < min[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
                return 0;
        *cp = v;
        return len;
}

bool utf8_valid(const char *s, size_t n) {
        const unsigned char *p = (const unsigned char *)s;
        while (n > 0) {
                uint32_t cp;
                size_t l = utf8_decode(p, n, &cp);
                if (l == 0)
                        return false;
                p += l, n -= l;
        }
        return true;
}

/* East Asian Wide/Fullwidth ranges (Unicode EastAsianWidth W and F), enough for Chinese text,
 * full-width punctuation and symbols such as ✓. Independent of the process locale. */
static int cp_width(uint32_t c) {
        if (c == 0)
                return 0;
        if (c < 0x20 || (c >= 0x7F && c < 0xA0))
                return 0;
        if ((c >= 0x0300 && c <= 0x036F) || c == 0x200B || (c >= 0xFE00 && c <= 0xFE0F))
                return 0;
        if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
            (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
            (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
            (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
            (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
            (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
            (c >= 0x20000 && c <= 0x3FFFD) || c == 0x2705)
                return 2;
        return 1;
}

int utf8_width(const char *s) {
        const unsigned char *p = (const unsigned char *)s;
        size_t n = strlen(s);
        int w = 0;
        while (n > 0) {
                if (*p >= 0x20 && *p < 0x7F) { /* printable ASCII: most of a table's cells */
                        w++, p++, n--;
                        continue;
                }
                uint32_t cp;
                size_t l = utf8_decode(p, n, &cp);
                if (l == 0) {
                        w++, p++, n--;
                        continue;
                }
                w += cp_width(cp);
                p += l, n -= l;
        }
        return w;
}

int strftime_c(char *buf, size_t n, const char *fmt, const struct tm *tm) {
        locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
        if (c == (locale_t)0)
                return -ENOMEM;
        size_t l = strftime_l(buf, n, fmt, tm, c);
        freelocale(c);
        return l > 0 ? 0 : -ENOBUFS;
}
