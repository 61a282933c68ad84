/* table.h — aligned text tables for dutyctl (Chinese aligned by display width, not bytes).
 * Contract: collects rows in memory, prints once; cells are copied. */
#pragma once
#include <stddef.h>
#include <stdio.h>

typedef struct Table Table;

Table *table_new(size_t n_cols, const char *const *headers);
Table *table_free(Table *t);
/* Adds a row of n_cols cells (NULL = empty). 0 or -ENOMEM. */
int table_add(Table *t, const char *const *cells);
size_t table_rows(const Table *t);
void table_print(const Table *t, FILE *f);
