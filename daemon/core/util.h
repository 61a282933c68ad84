/* util.h — small helpers shared by every module: cleanup attributes, checked string building,
 * UTF-8.
 * Contract: no I/O; never aborts. A failed allocation gives NULL (strfmt, buf_steal) or marks
 * the Buf (`oom`, sticky: later appends do nothing and buf_steal() gives NULL). */
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
/* A macro's value as a string literal: "count must be at most " STRINGIFY(RULE_MAX_COUNT). */
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

static inline void freep(void *p) {
        free(*(void **)p);
}
static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)
/* FUNCp(Type **p) for a destructor `func` that accepts NULL: _cleanup_(FUNCp) Type *x. */
#define DEFINE_FREEP(Type, func)               \
        static inline void func##p(Type **p) { \
                (void)func(*p);                \
        }

/* Hand ownership out of a _cleanup_ variable. */
#define TAKE_PTR(p)                      \
        ({                               \
                __typeof__(p) _tp = (p); \
                (p) = NULL;              \
                _tp;                     \
        })

/* FNV-1a, 64 bits, over `n` bytes from `h` (FNV1A64_BASIS to start; chain pieces by passing
 * the previous value): content hashes of events and of the compiled config's values. */
#define FNV1A64_BASIS UINT64_C(14695981039346656037)
static inline uint64_t fnv1a64(uint64_t h, const void *p, size_t n) {
        const unsigned char *s = p;
        for (size_t i = 0; i < n; i++)
                h = (h ^ s[i]) * UINT64_C(1099511628211);
        return h;
}

static inline bool streq(const char *a, const char *b) {
        return strcmp(a, b) == 0;
}
static inline bool streq_ptr(const char *a, const char *b) {
        return a == b || (a && b && strcmp(a, b) == 0);
}
static inline bool startswith(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* malloc'd formatted string, NULL on allocation failure. */
char *strfmt(const char *fmt, ...) _printf_(1, 2);
char *vstrfmt(const char *fmt, va_list ap) _printf_(1, 0);

/* Growable byte buffer; `data` is NUL-terminated whenever it is not NULL. */
typedef struct Buf {
        char *data;
        size_t len, cap;
        bool oom; /* sticky: set when an append failed */
} Buf;

void buf_put(Buf *b, const char *s, size_t n);
void buf_puts(Buf *b, const char *s);
void buf_printf(Buf *b, const char *fmt, ...) _printf_(2, 3);
char *buf_steal(Buf *b); /* NULL if oom; resets the buffer */
void buf_done(Buf *b);

/* A fixed buffer filled piece by piece, cut (and NUL-terminated) where it is full as snprintf
 * cuts: for the ids and dates formatted for every occurrence listed, where parsing a format
 * each time was a fifth of `dutyctl upcoming`. `n` > 0. */
typedef struct Str {
        char *p;
        size_t n, k; /* size of p; bytes written (k < n) */
} Str;

static inline Str str_init(char *p, size_t n) {
        p[0] = 0;
        return (Str){p, n, 0};
}
void str_put(Str *s, const char *t);
void str_num(Str *s, unsigned v, int width); /* decimal, zero-padded to `width` digits */

/* Display width of a UTF-8 string in a terminal (CJK = 2 columns). */
int utf8_width(const char *s);
/* Decodes one UTF-8 sequence of at most n bytes into *cp; returns its length, 0 when invalid
 * (overlong forms, surrogates and values above U+10FFFF are invalid). */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* True when s is valid UTF-8. */
bool utf8_valid(const char *s, size_t n);

/* strftime() in the C locale whatever the program's (dates in mail and HTTP headers are
 * English): 0, or -ENOBUFS when `n` is too small, -ENOMEM. */
struct tm;
int strftime_c(char *buf, size_t n, const char *fmt, const struct tm *tm);
