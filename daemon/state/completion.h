/* completion.h — the record of duties performed (履职记录) in the SQLite state; what it means for
 * an occurrence is the ledger's (ledger.h).
 * Contract: a completion belongs to an assignment (duty, post, and the holder for per_holder
 * duties) and a period; within a period completions fill the checkpoints in order (the
 * earliest open checkpoint first). A checkpoint is met when it has its `required` completions;
 * late when the completion that met it is dated after the deadline. completion_add() is one
 * transaction, durable when it returns. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "ledger.h"
#include "schedule.h"
#include "store.h"

/* The tables are made by store_open() (schema.c): nothing to do. Kept for its callers. */
static inline int completion_init(Store *s) {
        (void)s;
        return 0;
}

typedef struct CompletionInput {
        const Occurrence *occ; /* the checkpoint's assignment and period */
        const char *done_by;   /* person id, may be NULL */
        Day date;
        const char *note, *evidence, *source; /* source: "dutyctl", "link", "console", … */
        const char *recorded_by; /* the console's clerk (person id) who entered it; may be NULL */
} CompletionInput;

int completion_add(Store *s, const Config *c, const CompletionInput *in, int64_t *ret_id);
/* Marks a completion undone (kept for the audit trail). id <= 0: the last one recorded.
 * Returns 0, -ENOENT when there is none. *ret_id gets the id undone. */
int completion_undo(Store *s, int64_t id, int64_t *ret_id);

/* All completions (including undone ones when `all`), by date, with who recorded them and their
 * evidence files (Completion.files). Caller frees with completion_list_free(). */
int completion_list(Store *s, bool all, Completion **ret, size_t *ret_n);

/* The ledger of the valid completions (ledger.h), read in one statement. */
int ledger_load(Store *s, Ledger **ret);
