/* ledger.h — the record of duties performed, in memory: completions as read from the state
 * (state/completion.h) and the ledger that tells, for any occurrence, how many completions count
 * toward it.
 * Contract: pure (no I/O, no clock). A completion belongs to an assignment (duty, post, and the
 * holder for per_holder duties) and a period; within a period completions fill the checkpoints
 * in order (the earliest open checkpoint first). A checkpoint is met when it has its `required`
 * completions; late when the completion that met it is dated after the deadline. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "schedule.h"
#include "util.h"

typedef struct Completion {
        int64_t id;
        char *duty, *post, *person, *period, *done_by, *note, *evidence, *source;
        char *recorded_by; /* who entered it when not the person it names (a console clerk) */
        char *files;       /* evidence files: "NAME (SHA-256 prefix)" joined by "; "; NULL: none */
        Day date;
        int64_t recorded_at, undone_at; /* unix seconds; undone_at 0 = valid */
} Completion;

void completion_list_free(Completion *l, size_t n);
/* How a completion was entered, in Chinese: 命令登记 (dutyctl), 链接登记 (a done link), 台账登记
 * (the console); another source as it is. */
const char *completion_source_zh(const char *source);

typedef struct Ledger Ledger;

typedef struct OccStatus {
        int done, required; /* completions counting toward this checkpoint / needed */
        bool met, late, overdue;
        Day met_on;         /* when met: the date of the completion that met it */
        const char *met_by; /* and the person id it names (NULL: none); the ledger's string */
} OccStatus;

/* An occurrence's status by name, the one place every text takes its words from (the done page,
 * dutyctl done and upcoming). Overdue wins over partly done: a checkpoint past its deadline is
 * overdue however much of it is done (the count is shown beside the word). */
typedef enum OccState {
        OCC_OPEN,     /* 未完成 (JSON "open") */
        OCC_PARTIAL,  /* 部分完成 ("partial"): some of `required` done, deadline not passed */
        OCC_OVERDUE,  /* 逾期未完成 ("overdue") */
        OCC_MET,      /* 已完成 ("done") */
        OCC_MET_LATE, /* 逾期完成 ("late") */
        _OCC_STATE_MAX,
} OccState;

OccState occ_state(const OccStatus *st);
const char *occ_status_zh(const OccStatus *st);
const char *occ_status_key(const OccStatus *st); /* the word of dutyctl upcoming --json */

/* A ledger of the valid completions `v` (ordered by date); copies what it keeps. 0 or -ENOMEM. */
int ledger_new(const Completion *v, size_t n, Ledger **ret);
Ledger *ledger_free(Ledger *l);
DEFINE_FREEP(Ledger, ledger_free)
/* The status of an occurrence on `today`; a NULL ledger has no completions. ret->met_by lives
 * as long as the ledger. */
void ledger_status(const Ledger *l, const Config *c, const Occurrence *o, Day today,
                   OccStatus *ret);
/* The same, given the occurrence's period id (occurrence_period_id()), as a listing that has
 * it already passes it. */
void ledger_status_in(const Ledger *l, const Config *c, const Occurrence *o, const char *pid,
                      Day today, OccStatus *ret);
