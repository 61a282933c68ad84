/* diag.c — see diag.h. */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "i18n.h"
#include "util.h"

void diags_add(Diags *d, bool warning, const char *file, int line, int column, const char *fmt,
               ...) {
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = vstrfmt(_(fmt), ap);
        va_end(ap);
        diags_add_text(d, warning, file, line, column, msg);
}

void diags_add_text(Diags *d, bool warning, const char *file, int line, int column,
                    const char *msg) {
        if (ARRAY_GROW(d->items, d->cap, d->n + 1) < 0)
                return; /* the caller still sees n_errors from earlier adds */
        d->items[d->n++] = (Diag){.file = file ? strdup(file) : NULL,
                                  .line = line,
                                  .column = column,
                                  .warning = warning,
                                  .msg = msg ? strdup(msg) : NULL};
        if (warning)
                d->n_warnings++;
        else
                d->n_errors++;
}

void diags_print(const Diags *d, FILE *f) {
        for (size_t i = 0; i < d->n; i++) {
                const Diag *g = &d->items[i];
                const char *w = g->warning ? _("warning: ") : "";
                const char *msg = g->msg ? g->msg : _("(out of memory)");
                if (g->line > 0)
                        fprintf(f, "%s:%d:%d: %s%s\n", g->file ? g->file : "?", g->line, g->column,
                                w, msg);
                else
                        fprintf(f, "%s: %s%s\n", g->file ? g->file : "?", w, msg);
        }
}

/* A diagnostic with its sort key: the rank of its file (by first mention) and where it was
 * added, so that equal places keep their order. */
typedef struct DiagKey {
        size_t rank, seq;
        int line, column;
} DiagKey;

static int cmp_diag_key(const void *a, const void *b) {
        const DiagKey *x = a, *y = b;
        if (x->rank != y->rank)
                return x->rank < y->rank ? -1 : 1;
        if (x->line != y->line)
                return x->line < y->line ? -1 : 1;
        if (x->column != y->column)
                return x->column < y->column ? -1 : 1;
        return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Puts the diagnostics added since `from` in reading order: file by file (in the order the
 * files were first mentioned), then by line and column. The loader finds some problems late
 * (an item naming an id not seen yet is checked once every file is read). */
void diags_sort(Diags *d, size_t from) {
        size_t n = d->n - from;
        _cleanup_free_ DiagKey *k = calloc(n ? n : 1, sizeof(DiagKey));
        _cleanup_free_ Diag *v = calloc(n ? n : 1, sizeof(Diag));
        if (!k || !v)
                return; /* unsorted is still every diagnostic */
        /* The files named so far (a config has a few): their first diagnostic's index. */
        _cleanup_free_ size_t *files = calloc(n ? n : 1, sizeof(size_t));
        if (!files)
                return;
        size_t n_files = 0;
        for (size_t i = 0; i < n; i++) {
                const Diag *g = &d->items[from + i];
                size_t rank = 0;
                while (rank < n_files && !streq_ptr(d->items[from + files[rank]].file, g->file))
                        rank++;
                if (rank == n_files)
                        files[n_files++] = i;
                k[i] = (DiagKey){rank, i, g->line, g->column};
        }
        qsort(k, n, sizeof(DiagKey), cmp_diag_key);
        for (size_t i = 0; i < n; i++)
                v[i] = d->items[from + k[i].seq];
        memcpy(d->items + from, v, n * sizeof(Diag));
}

void diags_done(Diags *d) {
        for (size_t i = 0; i < d->n; i++) {
                free(d->items[i].file);
                free(d->items[i].msg);
        }
        free(d->items);
        *d = (Diags){0};
}

/* Forgets the diagnostics added since there were `mark` (an item parsed again later). */
void diags_truncate(Diags *d, size_t mark) {
        for (size_t i = mark; i < d->n; i++) {
                if (d->items[i].warning)
                        d->n_warnings--;
                else
                        d->n_errors--;
                free(d->items[i].file);
                free(d->items[i].msg);
        }
        d->n = mark;
}
