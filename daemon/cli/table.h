/* table.h — aligned text tables for dutyctl (Chinese aligned by display width, not bytes).
 * Contract: a Table collects rows in memory and prints once (cells are copied). For long
 * listings, the streaming pair keeps nothing: the caller produces its rows twice, first feeding
 * table_widths() to learn the column widths, then printing each with table_print_row(). */
#pragma once
#include <stddef.h>
#include <stdio.h>

typedef struct Table Table;

Table *table_new(size_t n_cols, const char *const *headers);
/* out[i] = the translation (gettext) of the N_()-marked header in[i], for an operator's table. */
void table_translate(const char **out, const char *const *in, size_t n_cols);
Table *table_free(Table *t);
/* Adds a row of n_cols cells (NULL = empty). 0 or -ENOMEM. */
int table_add(Table *t, const char *const *cells);
size_t table_rows(const Table *t);
void table_print(const Table *t, FILE *f);

/* widths[n_cols]: raised to fit `cells` (display width). */
void table_widths(int *widths, size_t n_cols, const char *const *cells);
/* One row, each cell padded to its column's width (the last one not). */
void table_print_row(FILE *f, const int *widths, size_t n_cols, const char *const *cells);
/* The same, given each cell's length in bytes and display width (lens[n_cols],
 * cell_widths[n_cols]); no cell is NULL. */
void table_print_row_measured(FILE *f, const int *widths, size_t n_cols, const char *const *cells,
                              const size_t *lens, const int *cell_widths);
