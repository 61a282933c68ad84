/* workbook.c — see workbook.h. */
#include "workbook.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "i18n.h"
#include "report.h"
#include "util.h"

#define MAX_COLS 12
#define WIDTH_MAX 50.0 /* a column is never wider; longer text wraps */

typedef struct Book {
        const WorkbookInput *in;
        lxw_workbook *wb;
        lxw_format *head, *title, *bold, *date, *wrap, *percent;
        lxw_error err; /* the first error of the library */
} Book;

/* A worksheet being written, row by row, and the width each column needs. */
typedef struct Sheet {
        Book *b;
        lxw_worksheet *ws;
        lxw_row_t row;
        double width[MAX_COLS];
} Sheet;

static void note(Book *b, lxw_error e) {
        if (e != LXW_NO_ERROR && b->err == LXW_NO_ERROR)
                b->err = e;
}

static void fit(Sheet *s, lxw_col_t col, double w) {
        if (col < MAX_COLS && w > s->width[col])
                s->width[col] = w > WIDTH_MAX ? WIDTH_MAX : w;
}

/* A cell of text (nothing for NULL or ""); text wider than the widest column wraps. */
static void put_text(Sheet *s, lxw_col_t col, const char *text, lxw_format *fmt) {
        if (!text || !*text)
                return;
        double w = utf8_width(text) * 1.1 + 2; /* a CJK character is about two digits wide */
        fit(s, col, w);
        if (!fmt && w > WIDTH_MAX)
                fmt = s->b->wrap;
        note(s->b, worksheet_write_string(s->ws, s->row, col, text, fmt));
}

/* A title or a sentence in the first column: it spreads over the empty cells to its right and
 * does not widen the column. */
static void put_line(Sheet *s, const char *text, lxw_format *fmt) {
        note(s->b, worksheet_write_string(s->ws, s->row, 0, text, fmt));
}

static void put_number(Sheet *s, lxw_col_t col, double v, lxw_format *fmt) {
        fit(s, col, 8);
        note(s->b, worksheet_write_number(s->ws, s->row, col, v, fmt));
}

static void put_date(Sheet *s, lxw_col_t col, Day d) {
        Ymd y = day_to_ymd(d);
        lxw_datetime dt = {.year = y.y, .month = y.m, .day = y.d};
        fit(s, col, 12);
        note(s->b, worksheet_write_datetime(s->ws, s->row, col, &dt, s->b->date));
}

static void put_counts(Sheet *s, lxw_col_t col, const ReportCounts *n, lxw_format *fmt) {
        const int v[] = {n->required, n->on_time, n->late, n->missed, n->open};
        for (size_t i = 0; i < ELEMENTSOF(v); i++)
                put_number(s, col + (lxw_col_t)i, v[i], fmt);
}

static void put_header(Sheet *s, const char *const *names, size_t n) {
        for (size_t i = 0; i < n; i++)
                put_text(s, (lxw_col_t)i, names[i], s->b->head);
        s->row++;
}

/* The sheet name for `want`, try k (1, 2, …): []:*?/\ as _, no apostrophe at either end, an
 * undecodable byte dropped, at most 31 characters with the suffix "(k)" from 2 on. */
static void sheet_name(const char *want, unsigned k, char out[static LXW_MAX_SHEETNAME_LENGTH]) {
        char suffix[16] = "";
        if (k > 1)
                snprintf(suffix, sizeof(suffix), "(%u)", k);
        size_t max_chars = LXW_SHEETNAME_MAX - strlen(suffix), chars = 0, n = 0;
        size_t left = strlen(want);
        for (const char *p = want; left && chars < max_chars;) {
                uint32_t cp;
                size_t len = utf8_decode((const unsigned char *)p, left, &cp);
                if (!len)
                        len = 1;
                else if (len == 1 && strchr("[]:*?/\\", *p))
                        out[n++] = '_', chars++;
                else
                        memcpy(out + n, p, len), n += len, chars++;
                p += len, left -= len;
        }
        if (n == 0)
                out[n++] = '_';
        if (out[0] == '\'')
                out[0] = '_';
        if (out[n - 1] == '\'')
                out[n - 1] = '_';
        memcpy(out + n, suffix, strlen(suffix) + 1);
}

static lxw_worksheet *add_sheet(Book *b, const char *want) {
        char name[LXW_MAX_SHEETNAME_LENGTH];
        for (unsigned k = 1; k < 1000; k++) {
                sheet_name(want, k, name);
                lxw_error e = workbook_validate_sheet_name(b->wb, name);
                if (e == LXW_ERROR_SHEETNAME_ALREADY_USED)
                        continue;
                lxw_worksheet *ws = e == LXW_NO_ERROR ? workbook_add_worksheet(b->wb, name) : NULL;
                note(b, ws ? e : e ? e : LXW_ERROR_MEMORY_MALLOC_FAILED);
                return ws;
        }
        note(b, LXW_ERROR_SHEETNAME_ALREADY_USED);
        return NULL;
}

/* The columns as wide as their text, the top row frozen. */
static void sheet_done(Sheet *s) {
        for (lxw_col_t i = 0; i < MAX_COLS; i++)
                if (s->width[i] > 0)
                        note(s->b, worksheet_set_column(s->ws, i, i, s->width[i], NULL));
        worksheet_freeze_panes(s->ws, 1, 0);
}

static const char *name_of(const Config *c, const char *id) {
        ssize_t i = id && *id ? config_find_person(c, id) : -1;
        return i >= 0 ? c->people[i].name : id;
}

/* ---- a period: the record and the completions ---------------------------------------------- */

static void record_rows(Sheet *s, const Config *c, const Report *rep) {
        static const size_t cols[] = {1, 3, 5, 6, 7, 8, 9, 10}; /* of the CSV: not the ids */
        const char *hdr[ELEMENTSOF(cols)];
        for (size_t i = 0; i < ELEMENTSOF(cols); i++)
                hdr[i] = report_columns[cols[i]];
        put_header(s, hdr, ELEMENTSOF(hdr));
        for (size_t i = 0; i < rep->n_rows; i++, s->row++) {
                const ReportRow *w = &rep->rows[i];
                _cleanup_free_ char *title = duty_title_marked(&c->duties[w->duty]);
                put_text(s, 0, title ? title : c->duties[w->duty].title, NULL);
                put_text(s, 1, c->posts[w->post].name, NULL);
                put_text(s, 2, w->person >= 0 ? c->people[w->person].name : "空缺", NULL);
                put_counts(s, 3, &w->n, NULL);
        }
        put_text(s, 0, "合计", s->b->bold);
        put_counts(s, 3, &rep->total, s->b->bold);
        s->row++;
}

static void completion_row(Sheet *s, const Config *c, const Completion *x) {
        ssize_t pi = config_find_post(c, x->post), di = config_find_duty(c, x->duty);
        bool both = x->evidence && *x->evidence && x->files && *x->files;
        _cleanup_free_ char *evidence = both ? strfmt("%s; %s", x->evidence, x->files) : NULL;
        if (both && !evidence)
                note(s->b, LXW_ERROR_MEMORY_MALLOC_FAILED);
        put_date(s, 0, x->date);
        put_text(s, 1, di >= 0 ? c->duties[di].title : x->duty, NULL);
        put_text(s, 2, pi >= 0 ? c->posts[pi].name : x->post, NULL);
        put_text(s, 3, name_of(c, x->done_by && *x->done_by ? x->done_by : x->person), NULL);
        put_text(s, 4, x->period, NULL);
        put_text(s, 5, x->note, NULL);
        put_text(s, 6,
                 both                          ? evidence
                 : x->evidence && *x->evidence ? x->evidence
                                               : x->files,
                 NULL);
        put_text(s, 7, name_of(c, x->recorded_by), NULL);
        put_text(s, 8, completion_source_zh(x->source), NULL);
}

static int period_sheet(Book *b, const WorkbookPeriod *p) {
        static const char *const hdr[] = {"日期", "职责",     "岗位",   "人员", "周期",
                                          "说明", "证明材料", "记录人", "来源"};
        const WorkbookInput *in = b->in;
        const Config *c = in->config;
        Report rep = {0};
        int r = report_build(c, in->ledger, p->from, p->to, in->today, in->person, -1, &rep);
        if (r < 0)
                return r;
        char from[11], to[11];
        day_format(p->from, from), day_format(p->to, to);
        _cleanup_free_ char *head = strfmt("履职记录（完成日期在 %s 至 %s 之间）", from, to);
        Sheet s = {.b = b};
        if (!head)
                r = -ENOMEM;
        else if ((s.ws = add_sheet(b, p->label))) {
                record_rows(&s, c, &rep);
                s.row++;
                put_line(&s, head, b->bold);
                s.row++;
                put_header(&s, hdr, ELEMENTSOF(hdr));
                for (size_t i = 0; i < in->n_comps; i++) {
                        const Completion *x = &in->comps[i];
                        if (x->undone_at || x->date < p->from || x->date > p->to ||
                            (in->person >= 0 && !report_completion_of(c, x, (size_t)in->person)))
                                continue;
                        completion_row(&s, c, x);
                        s.row++;
                }
                sheet_done(&s);
        }
        report_done(&rep);
        return r;
}

/* ---- a person's 述职 ------------------------------------------------------------------------ */

/* Section i's heading, then its header row, or what it says when it has no row: whether rows
 * follow. */
static bool section(Sheet *s, size_t i, size_t n, const char *const *hdr, size_t n_hdr) {
        s->row++;
        put_line(s, report_shuzhi_sections[i].title, s->b->bold);
        s->row++;
        if (n) {
                put_header(s, hdr, n_hdr);
                return true;
        }
        put_line(s, report_shuzhi_sections[i].none, NULL);
        s->row++;
        return false;
}

static void shuzhi_posts(Sheet *s, const Config *c, const ShuzhiDraft *z) {
        static const char *const hdr[] = {"岗位", "起始日期", "终止日期"};
        if (!section(s, 0, z->n_posts, hdr, ELEMENTSOF(hdr)))
                return;
        for (size_t i = 0; i < z->n_posts; i++, s->row++) {
                put_text(s, 0, c->posts[z->posts[i].post].name, NULL);
                put_date(s, 1, z->posts[i].from);
                put_date(s, 2, z->posts[i].until);
        }
}

static void shuzhi_duties(Sheet *s, const Config *c, const ShuzhiDraft *z) {
        static const char *const hdr[] = {"序号",     "岗位",   "职责",   "应完成", "按时完成",
                                          "逾期完成", "未完成", "未到期", "依据",   "适用"};
        if (!section(s, 1, z->duties.n_rows, hdr, ELEMENTSOF(hdr)))
                return;
        for (size_t i = 0; i < z->duties.n_rows; i++, s->row++) {
                const ReportRow *w = &z->duties.rows[i];
                const Duty *d = &c->duties[w->duty];
                _cleanup_free_ char *title = duty_title_marked(d);
                _cleanup_free_ char *basis = duty_basis(c, d);
                _cleanup_free_ char *scope = duty_scope_text(c, d);
                put_number(s, 0, (double)(i + 1), NULL);
                put_text(s, 1, c->posts[w->post].name, NULL);
                put_text(s, 2, title ? title : d->title, NULL);
                put_counts(s, 3, &w->n, NULL);
                put_text(s, 8, basis, NULL);
                put_text(s, 9, scope, NULL);
        }
}

static void shuzhi_records(Sheet *s, const Config *c, const ShuzhiDraft *z) {
        static const char *const hdr[] = {"序号", "日期", "岗位",     "职责",
                                          "周期", "说明", "证明材料", "依据"};
        if (!section(s, 2, z->n_records, hdr, ELEMENTSOF(hdr)))
                return;
        for (size_t i = 0; i < z->n_records; i++, s->row++) {
                const Completion *x = z->records[i];
                ssize_t pi = config_find_post(c, x->post), di = config_find_duty(c, x->duty);
                _cleanup_free_ char *basis = di >= 0 ? duty_basis(c, &c->duties[di]) : NULL;
                put_number(s, 0, (double)(i + 1), NULL);
                put_date(s, 1, x->date);
                put_text(s, 2, pi >= 0 ? c->posts[pi].name : x->post, NULL);
                put_text(s, 3, di >= 0 ? c->duties[di].title : x->duty, NULL);
                put_text(s, 4, x->period, NULL);
                put_text(s, 5, x->note, NULL);
                put_text(s, 6, x->evidence, NULL);
                put_text(s, 7, basis, NULL);
        }
}

static void shuzhi_problems(Sheet *s, const Config *c, const ShuzhiDraft *z) {
        static const char *const hdr[] = {"序号", "岗位", "职责", "周期", "次序", "截止", "情况"};
        if (!section(s, 3, z->n_problems, hdr, ELEMENTSOF(hdr)))
                return;
        for (size_t i = 0; i < z->n_problems; i++, s->row++) {
                const ShuzhiProblem *p = &z->problems[i];
                char nth[32], what[SHUZHI_PROBLEM_TEXT_MAX];
                snprintf(nth, sizeof(nth), "第%u/%u次", p->checkpoint, p->of);
                report_problem_text(p, what);
                put_number(s, 0, (double)(i + 1), NULL);
                put_text(s, 1, c->posts[p->post].name, NULL);
                put_text(s, 2, c->duties[p->duty].title, NULL);
                put_text(s, 3, p->period, NULL);
                put_text(s, 4, nth, NULL);
                put_date(s, 5, p->due);
                put_text(s, 6, what, NULL);
        }
}

/* 小结: the totals as numbers, the on-time rate of what fell due, and the draft's sentence. */
static void shuzhi_summary(Sheet *s, const ShuzhiDraft *z, const char *sentence) {
        static const char *const hdr[] = {"应履职", "按时完成", "逾期完成",
                                          "未完成", "尚未到期", "按时完成率"};
        const ReportCounts *t = &z->duties.total;
        int closed = t->on_time + t->late + t->missed;
        s->row++;
        put_line(s, "小结", s->b->bold);
        s->row++;
        put_header(s, hdr, ELEMENTSOF(hdr));
        put_counts(s, 0, t, NULL);
        if (closed > 0)
                put_number(s, 5, (double)t->on_time / closed, s->b->percent);
        s->row++;
        put_line(s, sentence, NULL);
}

static int shuzhi_sheet(Book *b, size_t person) {
        const WorkbookInput *in = b->in;
        const Config *c = in->config;
        ShuzhiDraft z = {0};
        int r = report_shuzhi_build(c, in->ledger, in->comps, in->n_comps, person, in->year,
                                    in->today, &z);
        if (r < 0)
                return r;
        if (in->person < 0 && z.n_posts == 0) { /* held no post that year */
                report_shuzhi_done(&z);
                return 0;
        }
        _cleanup_free_ char *name = strfmt("述职-%s", c->people[person].name);
        _cleanup_free_ char *title = report_shuzhi_title(c, &z);
        _cleanup_free_ char *summary = report_shuzhi_summary(&z);
        Sheet s = {.b = b};
        if (!name || !title || !summary)
                r = -ENOMEM;
        else if ((s.ws = add_sheet(b, name))) {
                put_line(&s, title, b->title);
                s.row++;
                put_text(&s, 0, "单位", NULL);
                put_text(&s, 1, c->org_name, NULL);
                put_text(&s, 2, "生成日期", NULL);
                put_date(&s, 3, in->today);
                s.row++;
                shuzhi_posts(&s, c, &z);
                shuzhi_duties(&s, c, &z);
                shuzhi_records(&s, c, &z);
                shuzhi_problems(&s, c, &z);
                shuzhi_summary(&s, &z, summary);
                sheet_done(&s);
        }
        report_shuzhi_done(&z);
        return r;
}

/* ---- the workbook ---------------------------------------------------------------------------- */

static int add_formats(Book *b) {
        lxw_format **all[] = {&b->head, &b->title, &b->bold, &b->date, &b->wrap, &b->percent};
        for (size_t i = 0; i < ELEMENTSOF(all); i++)
                if (!(*all[i] = workbook_add_format(b->wb)))
                        return -ENOMEM;
        format_set_bold(b->head);
        format_set_bg_color(b->head, 0xDDEBF7);
        format_set_border(b->head, LXW_BORDER_THIN);
        format_set_bold(b->title);
        format_set_font_size(b->title, 14);
        format_set_bold(b->bold);
        format_set_num_format(b->date, "yyyy-mm-dd");
        format_set_text_wrap(b->wrap);
        format_set_align(b->wrap, LXW_ALIGN_VERTICAL_TOP);
        format_set_num_format(b->percent, "0%");
        lxw_doc_properties props = {.title = (char *)"履职档案",
                                    .company = (char *)b->in->config->org_name};
        note(b, workbook_set_properties(b->wb, &props));
        return 0;
}

static int book_fill(Book *b) {
        const WorkbookInput *in = b->in;
        int r = add_formats(b);
        for (size_t i = 0; r == 0 && i < in->n_periods; i++)
                r = period_sheet(b, &in->periods[i]);
        for (size_t p = 0; r == 0 && in->year && p < in->config->n_people; p++)
                if (in->person < 0 || (size_t)in->person == p)
                        r = shuzhi_sheet(b, p);
        return r;
}

static int fail(char **ret_error, const char *fmt, ...) _printf_(2, 3);
static int fail(char **ret_error, const char *fmt, ...) {
        if (ret_error) {
                va_list ap;
                va_start(ap, fmt);
                *ret_error = vstrfmt(fmt, ap);
                va_end(ap);
        }
        return -EIO;
}

int workbook_write(const WorkbookInput *in, const char *path, char **ret_error) {
        if (ret_error)
                *ret_error = NULL;
        _cleanup_free_ char *tmp = strfmt("%s.XXXXXX", path);
        if (!tmp)
                return -ENOMEM;
        int fd = mkstemp(tmp);
        if (fd < 0)
                return fail(ret_error, _("cannot create a file beside %s: %s"), path,
                            strerror(errno));
        close(fd);
        Book b = {.in = in, .wb = workbook_new(tmp)};
        int r = b.wb ? book_fill(&b) : -ENOMEM;
        lxw_error e = b.wb ? workbook_close(b.wb) : LXW_NO_ERROR; /* also frees it */
        if (r == 0 && b.err == LXW_NO_ERROR)
                b.err = e;
        if (r == 0 && b.err == LXW_ERROR_MEMORY_MALLOC_FAILED)
                r = -ENOMEM;
        else if (r == 0 && b.err != LXW_NO_ERROR)
                r = fail(ret_error, _("cannot write the workbook %s: %s"), path,
                         lxw_strerror(b.err));
        if (r == 0 && rename(tmp, path) < 0)
                r = fail(ret_error, _("cannot write %s: %s"), path, strerror(errno));
        if (r < 0)
                unlink(tmp);
        return r;
}

void workbook_year_periods(int year, char labels[static WORKBOOK_YEAR_SHEETS][16],
                           WorkbookPeriod out[static WORKBOOK_YEAR_SHEETS]) {
        for (int q = 0; q < WORKBOOK_YEAR_SHEETS; q++) {
                PeriodKind kind;
                if (q < 4)
                        snprintf(labels[q], 16, "%d-Q%d", year, q + 1);
                else
                        snprintf(labels[q], 16, "%d", year);
                out[q].label = labels[q];
                (void)period_parse(labels[q], &kind, &out[q].from, &out[q].to);
        }
}
