/* workbook.h — the record (履职档案) and the 述职 drafts as an Excel workbook (.xlsx), through
 * libxlsxwriter, for the clerks who hand them to the county in Excel or WPS.
 * Contract:
 *  - One sheet per period, named by its label: the rows of the record (report.h: 职责, 岗位,
 *    人员, 应完成, 按时完成, 逾期完成, 未完成, 未到期; then 合计), an empty row, then the
 *    completions dated in the period (日期, 职责, 岗位, 人员, 周期, 说明, 证明材料 = the evidence
 *    and the evidence files, 记录人, 来源). With a person, only their rows and completions
 *    (report_completion_of()).
 *  - With a year, one sheet "述职-<name>" per person who held a post in the year (with a
 *    person: theirs, whatever they held): report_shuzhi_build()'s draft as cells, its four
 *    sections and the 小结.
 *  - Headers in Chinese, the top row frozen, dates as Excel dates (yyyy-mm-dd), counts as
 *    numbers, columns as wide as their Chinese text (long text wraps). Sheet names are made
 *    valid: []:*?/\ become _, at most 31 characters, a name in use gets "(2)", "(3)"….
 *  - The file is written beside `path` first (mode 0600: it names people and what they
 *    missed) and renamed over it when complete; on failure nothing is left. */
#pragma once
#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "date.h"
#include "ledger.h"

typedef struct WorkbookPeriod {
        const char *label;
        Day from, to;
} WorkbookPeriod;

typedef struct WorkbookInput {
        const Config *config;
        const Ledger *ledger;
        const Completion *comps; /* valid completions (completion_list all=false) */
        size_t n_comps;
        const WorkbookPeriod *periods; /* one 履职档案 sheet each */
        size_t n_periods;
        int year;       /* 述职 sheets: one per person who held a post in `year`; 0: none */
        ssize_t person; /* -1: everyone; else only that person's rows and 述职 sheet */
        Day today;
} WorkbookInput;

/* The sheets of a year's record: its four quarters, then the whole year ("2026-Q1" … "2026-Q4",
 * "2026"), written to out[0..4], their labels kept in `labels`. */
#define WORKBOOK_YEAR_SHEETS 5
void workbook_year_periods(int year, char labels[static WORKBOOK_YEAR_SHEETS][16],
                           WorkbookPeriod out[static WORKBOOK_YEAR_SHEETS]);

/* Writes the workbook to `path` (libxlsxwriter writes a temporary file first; the caller
 * picks the path). 0, -EIO (with a message for the log/CLI in *ret_error, malloc'd, when
 * ret_error is not NULL), -ENOMEM. */
int workbook_write(const WorkbookInput *in, const char *path, char **ret_error);
