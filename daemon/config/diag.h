/* diag.h — the loader's diagnostics: errors and warnings with their place in a file.
 * Contract: a Diags collects messages as FILE:LINE:COLUMN (1-based; line 0 = the whole file);
 * n_errors and n_warnings count them. Adding never fails the caller: when out of memory the
 * message is lost (or printed as "(out of memory)"), the counts of earlier ones stay. Printing
 * is the caller's (diags_print()); nothing here writes anywhere else. diags_add() translates
 * its format (an English msgid, found by xgettext's keyword diags_add:6) in the user's locale;
 * diags_add_text() keeps a message already made (translated) as it is. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct Diag {
        char *file;
        int line, column; /* 1-based; 0 = whole file */
        bool warning;
        char *msg;
} Diag;

typedef struct Diags {
        Diag *items;
        size_t n, cap;
        size_t n_errors, n_warnings;
} Diags;

void diags_add(Diags *d, bool warning, const char *file, int line, int column, const char *fmt, ...)
        __attribute__((format(printf, 6, 7)));
void diags_add_text(Diags *d, bool warning, const char *file, int line, int column,
                    const char *msg);
void diags_print(const Diags *d, FILE *f);
void diags_done(Diags *d);
/* Puts the diagnostics added since there were `from` in reading order: file by file (in the
 * order the files were first named), then by line and column; equal places keep their order. */
void diags_sort(Diags *d, size_t from);
/* Forgets the diagnostics added since there were `mark`. */
void diags_truncate(Diags *d, size_t mark);
