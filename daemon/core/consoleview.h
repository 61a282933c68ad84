/* consoleview.h — what the safety office's console shows (console.h serves it): which
 * occurrences, and the pages as HTML.
 * Contract: pure (no I/O, no clock: the caller passes "today", the ledger and the record).
 *  - The overview's occurrences: those of the current period (period_start <= today <=
 *    period_end) and every earlier one of the year still unmet (overdue), narrowed by post,
 *    person (a holder of the post on the deadline, or the per_holder person) and state;
 *    overdue first, then by deadline. At most CONSOLE_MAX_ROWS are kept (total counts all).
 *    Occurrences of event clocks are not in it (dutyctl raise / done handle them).
 *  - Pages: Chinese, server-rendered HTML that works without JavaScript and at a phone's width
 *    (tables scroll inside their own wrapper); every text from the config, the record or a
 *    request is escaped (html.h). Element ids and names are the console's contract, which the
 *    browser test reads: table#occurrences tr[data-occ][data-state], a.record, form#filters,
 *    a#download-xlsx, a#download-csv, section#history, a.evidence, form#record with person,
 *    date, note, evidence, csrf, and p#result. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "ledger.h"
#include "schedule.h"
#include "util.h"

#define CONSOLE_MAX_ROWS 500
#define CONSOLE_NOTE_MAX 2000 /* bytes of a note */

typedef enum ConsoleStateFilter {
        CONSOLE_ALL,     /* "all" */
        CONSOLE_OPEN,    /* "open": not met (open, partly done, overdue) */
        CONSOLE_OVERDUE, /* "overdue" */
        CONSOLE_DONE,    /* "done": met, on time or late */
        _CONSOLE_STATE_MAX,
} ConsoleStateFilter;

typedef struct ConsoleFilter {
        ssize_t post, person; /* -1: any */
        ConsoleStateFilter state;
} ConsoleFilter;

/* A state filter from its word in URLs ("all", "open", "overdue", "done"); -1 when unknown. */
int console_state_from_key(const char *key);

typedef struct ConsoleRow {
        Occurrence occ;
        OccStatus st;
} ConsoleRow;

typedef struct ConsoleRows {
        ConsoleRow *v;
        size_t n, cap;
        size_t total; /* matching rows, kept or not */
} ConsoleRows;

int consoleview_rows(const Config *c, const Ledger *l, Day today, const ConsoleFilter *f,
                     ConsoleRows *ret);
void consoleview_rows_done(ConsoleRows *r);

/* Who is looking, and when. */
typedef struct ConsolePage {
        const Config *config;
        const char *clerk; /* the clerk's name */
        Day today;
} ConsolePage;

/* A completion of the occurrence's history and its evidence files. */
typedef struct ConsoleFile {
        const char *sha256, *name;
        int64_t size;
} ConsoleFile;

typedef struct ConsoleEntry {
        const Completion *completion;
        const ConsoleFile *files;
        size_t n_files;
} ConsoleEntry;

/* The overview: filters, the rows, the downloads of the year's record. */
void consoleview_overview(Buf *b, const ConsolePage *p, const ConsoleFilter *f,
                          const ConsoleRows *rows);
/* One occurrence: its table, history (entries) and the record form (csrf: the link's secret).
 * `result` (may be NULL) is said above it: ok true as p#result.ok, else p#result.bad. */
void consoleview_occurrence(Buf *b, const ConsolePage *p, const Occurrence *o, const OccStatus *st,
                            const ConsoleEntry *entries, size_t n_entries, const char *csrf,
                            const char *result, bool ok);
/* A short page: a heading and a sentence (errors, refusals). */
void consoleview_message(Buf *b, const char *title, const char *text);
