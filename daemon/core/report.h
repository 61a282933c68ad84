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

/* The columns of the record as CSV (and of the workbook's record sheet, edge/workbook.h). */
#define REPORT_COLUMNS 11
extern const char *const report_columns[REPORT_COLUMNS];

/* Renders: CSV (RFC 4180, CRLF line ends, header row, one row per assignee then a 合计 row; no
 * byte-order mark: the caller adds one) and JSON (jansson). `period` is the label printed (e.g.
 * "2026-Q4"). malloc'd text; -ENOMEM. */
int report_format_csv(const Config *c, const Report *r, char **ret);
int report_format_json(const Config *c, const Report *r, const char *period, char **ret);

/* Appends one CSV field: quoted (with "" for ") when it holds , " CR or LF; `last` ends the
 * record with CRLF, else a comma follows. NULL is an empty field. */
void csv_field(Buf *b, const char *s, bool last);

/* Whether a completion is the person's: it names them (done by, or the holder of a per_holder
 * duty), or names nobody and is of a post they held on its date. */
bool report_completion_of(const Config *c, const Completion *x, size_t person);

/* ---- 述职 ---------------------------------------------------------------------------------- */

/* A post held in the year: [from, until] within the year. */
typedef struct ShuzhiPost {
        size_t post;
        Day from, until;
} ShuzhiPost;

#define SHUZHI_PROBLEM_TEXT_MAX 96
/* A checkpoint of the year done late or missed. */
typedef struct ShuzhiProblem {
        size_t duty, post;
        char period[96];
        unsigned checkpoint, of;
        Day due;
        char due_text[OCCURRENCE_DUE_MAX];
        ReportState state;  /* REPORT_LATE or REPORT_MISSED */
        Day met_on;         /* late: the day it was met */
        int done, required; /* missed: how much of it was done */
} ShuzhiProblem;

/* A person's 述职 for a year as data, from one walk of the record: report_shuzhi() writes it as
 * text, the workbook (edge/workbook.h) as cells. */
typedef struct ShuzhiDraft {
        size_t person;
        int year;
        Day today;
        ShuzhiPost *posts; /* 一、任职情况 */
        size_t n_posts;
        Report duties; /* 二、应履行职责及完成情况: one row per duty and post; its total: 小结 */
        const Completion **records; /* 三、履职记录: the person's completions of the year */
        size_t n_records;
        ShuzhiProblem *problems; /* 四、逾期及未完成事项 */
        size_t n_problems;
} ShuzhiDraft;

/* The draft's headings and what each says when it has nothing, in order. */
typedef struct ShuzhiSection {
        const char *title, *none;
} ShuzhiSection;
extern const ShuzhiSection report_shuzhi_sections[4];

/* `comps`: valid completions (completion_list(all=false)); ret->records point into them. 0 or
 * -ENOMEM. */
int report_shuzhi_build(const Config *c, const Ledger *l, const Completion *comps, size_t n_comps,
                        size_t person, int year, Day today, ShuzhiDraft *ret);
void report_shuzhi_done(ShuzhiDraft *z);
/* The title line ("李四 2026年度履行安全生产工作职责情况（述职草稿）") and the 小结 sentence
 * (totals and on-time rate). malloc'd; NULL when out of memory. */
char *report_shuzhi_title(const Config *c, const ShuzhiDraft *z);
char *report_shuzhi_summary(const ShuzhiDraft *z);
/* What happened to a problem: "逾期完成（2026-09-03 完成，逾期 3 天）", "未完成（仅完成 1/2 次）". */
void report_problem_text(const ShuzhiProblem *p, char out[static SHUZHI_PROBLEM_TEXT_MAX]);

/* The plain-text draft of a person's 述职 section for `year`: posts held in the year, completions
 * (date, duty, period, note, evidence, clause), what was late or missed, and a summary line.
 * `comps`: valid completions (completion_list(all=false)). malloc'd; -ENOMEM. */
int report_shuzhi(const Config *c, const Ledger *l, const Completion *comps, size_t n_comps,
                  size_t person, int year, Day today, char **ret);
