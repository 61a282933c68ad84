/* table.c — see table.h. */
#include "table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "i18n.h"
#include "util.h"

struct Table {
        size_t n_cols, n_rows;
        char **cells; /* row-major, including the header row */
        size_t cap;   /* cells */
};

Table *table_new(size_t n_cols, const char *const *headers) {
        Table *t = calloc(1, sizeof(*t));
        if (!t)
                return NULL;
        t->n_cols = n_cols;
        if (table_add(t, headers) < 0)
                return table_free(t);
        return t;
}

Table *table_free(Table *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
                free(t->cells[i]);
        free(t->cells);
        free(t);
        return NULL;
}

int table_add(Table *t, const char *const *cells) {
        if (ARRAY_GROW(t->cells, t->cap, (t->n_rows + 1) * t->n_cols) < 0)
                return -ENOMEM;
        char **row = t->cells + t->n_rows * t->n_cols;
        for (size_t i = 0; i < t->n_cols; i++) {
                row[i] = strdup(cells[i] ? cells[i] : "");
                if (!row[i]) {
                        while (i-- > 0)
                                free(row[i]);
                        return -ENOMEM;
                }
        }
        t->n_rows++;
        return 0;
}

size_t table_rows(const Table *t) {
        return t->n_rows ? t->n_rows - 1 : 0;
}

void table_widths(int *widths, size_t n_cols, const char *const *cells) {
        for (size_t c = 0; c < n_cols; c++) {
                int cw = cells[c] ? utf8_width(cells[c]) : 0;
                if (cw > widths[c])
                        widths[c] = cw;
        }
}

/* Cell `s` (`w` columns wide) and the spaces to the next column (`col` wide, 2 between). */
static void print_cell(FILE *f, const char *s, int w, int col) {
        static const char spaces[] =
                "                                                                ";
        fputs(s, f);
        for (int pad = col - w + 2; pad > 0;) {
                int k = pad < (int)sizeof(spaces) - 1 ? pad : (int)sizeof(spaces) - 1;
                fwrite(spaces, 1, (size_t)k, f);
                pad -= k;
        }
}

/* The spaces a line needs between its cells (a line is built whole, then written once: a
 * province's listing is millions of lines, and stdio per cell was a tenth of it). */
#define TABLE_LINE_MAX 4096

static size_t line_pad(char *line, size_t k, int pad) {
        if (pad > 0) {
                memset(line + k, ' ', (size_t)pad);
                k += (size_t)pad;
        }
        return k;
}

void table_print_row_measured(FILE *f, const int *widths, size_t n_cols, const char *const *cells,
                              const size_t *lens, const int *cell_widths) {
        char line[TABLE_LINE_MAX];
        size_t need = 1;
        for (size_t c = 0; c < n_cols; c++)
                need += lens[c] +
                        (size_t)(widths[c] > cell_widths[c] ? widths[c] - cell_widths[c] : 0) + 2;
        if (need > sizeof(line)) { /* a giant cell: cell by cell */
                for (size_t c = 0; c + 1 < n_cols; c++)
                        print_cell(f, cells[c], cell_widths[c], widths[c]);
                if (n_cols)
                        fwrite(cells[n_cols - 1], 1, lens[n_cols - 1], f);
                fputc('\n', f);
                return;
        }
        size_t k = 0;
        for (size_t c = 0; c < n_cols; c++) {
                memcpy(line + k, cells[c], lens[c]);
                k += lens[c];
                if (c + 1 < n_cols)
                        k = line_pad(line, k, widths[c] - cell_widths[c] + 2);
        }
        line[k++] = '\n';
        fwrite(line, 1, k, f);
}

void table_print_row(FILE *f, const int *widths, size_t n_cols, const char *const *cells) {
        for (size_t c = 0; c + 1 < n_cols; c++) {
                const char *s = cells[c] ? cells[c] : "";
                print_cell(f, s, utf8_width(s), widths[c]);
        }
        if (n_cols)
                fputs(cells[n_cols - 1] ? cells[n_cols - 1] : "", f);
        fputc('\n', f);
}

void table_print(const Table *t, FILE *f) {
        _cleanup_free_ int *w = calloc(t->n_cols ? t->n_cols : 1, sizeof(int));
        if (!w)
                return;
        for (size_t r = 0; r < t->n_rows; r++)
                table_widths(w, t->n_cols, (const char *const *)t->cells + r * t->n_cols);
        for (size_t r = 0; r < t->n_rows; r++)
                table_print_row(f, w, t->n_cols, (const char *const *)t->cells + r * t->n_cols);
}

void table_translate(const char **out, const char *const *in, size_t n_cols) {
        for (size_t i = 0; i < n_cols; i++)
                out[i] = _(in[i]);
}
