/* report.h — the record (履职档案) as numbers and as a 述职 draft.
 * Contract: pure (no I/O, no clock): the caller passes the Config, a Ledger snapshot, the
 * completions and "today".
 *  - The unit counted is one checkpoint (occurrence) of one assignee. Every occurrence whose
 *    deadline (after the holiday move) falls within [from, to] is taken, whatever its period.
 *  - The assignee: per_holder duties the holder of the occurrence; otherwise every holder of the
 *    post on the deadline (a post with two holders gives each a row); none = 空缺 (person -1).
 *  - Each checkpoint is exactly one of: on time (met by its deadline), late (met after it),
 *    missed (deadline passed, unmet — today > deadline), open (deadline today or later, unmet).
 *    required = on_time + late + missed + open.
 *  - Totals count each occurrence once (a checkpoint shared by two holders counts once).
 *  - Rows sorted by duty, post, person (config order; 空缺 last). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "ledger.h"
#include "config.h"
#include "schedule.h"
#include "util.h"

typedef struct ReportCounts {
        int required, on_time, late, missed, open;
} ReportCounts;

typedef struct ReportRow {
        size_t duty, post;
        ssize_t person; /* -1 = vacant */
        ReportCounts n;
} ReportRow;

typedef struct Report {
        Day from, to, today;
        ReportRow *rows;
        size_t n_rows;
        ReportCounts total;
} Report;

typedef enum ReportState {
        REPORT_ON_TIME,
        REPORT_LATE,
        REPORT_MISSED,
        REPORT_OPEN,
} ReportState;

/* person / post: -1 = any. -ENOMEM or 0. */
int report_build(const Config *c, const Ledger *l, Day from, Day to, Day today, ssize_t person,
                 ssize_t post, Report *ret);
void report_done(Report *r);

/* Renders: CSV (RFC 4180, CRLF line ends, header row, one row per assignee then a 合计 row) and
 * JSON (jansson). `period` is the label printed (e.g. "2026-Q4"). malloc'd text; -ENOMEM. */
int report_format_csv(const Config *c, const Report *r, char **ret);
int report_format_json(const Config *c, const Report *r, const char *period, char **ret);

/* Appends one CSV field: quoted (with "" for ") when it holds , " CR or LF; `last` ends the
 * record with CRLF, else a comma follows. NULL is an empty field. */
void csv_field(Buf *b, const char *s, bool last);

/* The plain-text draft of a person's 述职 section for `year`: posts held in the year, completions
 * (date, duty, period, note, evidence, clause), what was late or missed, and a summary line.
 * `comps`: valid completions (completion_list(all=false)). malloc'd; -ENOMEM. */
int report_shuzhi(const Config *c, const Ledger *l, const Completion *comps, size_t n_comps,
                  size_t person, int year, Day today, char **ret);
