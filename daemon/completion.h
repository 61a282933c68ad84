/* completion.h — the record of duties performed (履职记录): completions in the SQLite state, and
 * the ledger that tells, for any occurrence, how many completions count toward it.
 * Contract: a completion belongs to an assignment (duty, post, and the holder for per_holder
 * duties) and a period; within a period completions fill the checkpoints in order (the
 * earliest open checkpoint first). A checkpoint is met when it has its `required` completions;
 * late when the completion that met it is dated after the deadline. completion_add() is one
 * transaction, durable when it returns. The ledger is an in-memory snapshot (pure lookups). */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "schedule.h"
#include "store.h"

int completion_init(Store *s);

typedef struct CompletionInput {
        const Occurrence *occ; /* the checkpoint's assignment and period */
        const char *done_by;   /* person id, may be NULL */
        Day date;
        const char *note, *evidence, *source; /* source: "dutyctl", "link", … */
} CompletionInput;

int completion_add(Store *s, const Config *c, const CompletionInput *in, int64_t *ret_id);
/* Marks a completion undone (kept for the audit trail). id <= 0: the last one recorded.
 * Returns 0, -ENOENT when there is none. *ret_id gets the id undone. */
int completion_undo(Store *s, int64_t id, int64_t *ret_id);

typedef struct Completion {
        int64_t id;
        char *duty, *post, *person, *period, *done_by, *note, *evidence, *source;
        Day date;
        int64_t recorded_at, undone_at; /* unix seconds; undone_at 0 = valid */
} Completion;

/* All completions (including undone ones when `all`), by date. Caller frees with
 * completion_list_free(). */
int completion_list(Store *s, bool all, Completion **ret, size_t *ret_n);
void completion_list_free(Completion *l, size_t n);

typedef struct Ledger Ledger;

typedef struct OccStatus {
        int done, required; /* completions counting toward this checkpoint / needed */
        bool met, late, overdue;
        Day met_on; /* when met */
} OccStatus;

int ledger_load(Store *s, Ledger **ret);
Ledger *ledger_free(Ledger *l);
/* The status of an occurrence on `today`. */
void ledger_status(const Ledger *l, const Config *c, const Occurrence *o, Day today,
                   OccStatus *ret);
/* The assignment key of an occurrence: "DUTY:POST[.PERSON]:PERIOD". */
void occurrence_assignment_key(const Config *c, const Occurrence *o, char *buf, size_t n);
