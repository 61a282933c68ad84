/* consoleview.c — see consoleview.h. */
#include "consoleview.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "html.h"

static const char *const state_keys[_CONSOLE_STATE_MAX] = {"all", "open", "overdue", "done"};
static const char *const state_words[_CONSOLE_STATE_MAX] = {"全部", "未完成", "逾期未完成",
                                                            "已完成"};

int console_state_from_key(const char *key) {
        for (int i = 0; key && i < _CONSOLE_STATE_MAX; i++)
                if (streq(key, state_keys[i]))
                        return i;
        return -1;
}

/* ---- which occurrences ------------------------------------------------------------------- */

static bool held_by(const Config *c, const Occurrence *o, ssize_t person) {
        if (o->person >= 0)
                return o->person == person;
        size_t h[MAX_POST_HOLDERS];
        size_t n = occurrence_holders(c, o, o->due, h, MAX_POST_HOLDERS);
        for (size_t i = 0; i < n; i++)
                if ((ssize_t)h[i] == person)
                        return true;
        return false;
}

static bool state_matches(ConsoleStateFilter f, OccState s) {
        switch (f) {
        case CONSOLE_OPEN: return s == OCC_OPEN || s == OCC_PARTIAL || s == OCC_OVERDUE;
        case CONSOLE_OVERDUE: return s == OCC_OVERDUE;
        case CONSOLE_DONE: return s == OCC_MET || s == OCC_MET_LATE;
        default: return true;
        }
}

/* Overdue first, then by the order of the schedule (deadline, duty, post, …). */
static int row_compare(const void *a, const void *b) {
        const ConsoleRow *x = a, *y = b;
        bool ox = occ_state(&x->st) == OCC_OVERDUE, oy = occ_state(&y->st) == OCC_OVERDUE;
        if (ox != oy)
                return ox ? -1 : 1;
        return occurrence_compare(&x->occ, &y->occ);
}

int consoleview_rows(const Config *c, const Ledger *l, Day today, const ConsoleFilter *f,
                     ConsoleRows *ret) {
        *ret = (ConsoleRows){0};
        OccurrenceList plan = {0};
        PlanFilter pf = {-1, f->post, -1};
        /* The last twelve months' unmet ones, and current periods (a year long at most). */
        int r = schedule_plan(c, today - 365, today + 366, pf, &plan);
        for (size_t i = 0; r == 0 && i < plan.n; i++) {
                const Occurrence *o = &plan.items[i];
                bool current = o->period_start <= today && today <= o->period_end;
                if (o->event || (!current && o->due >= today))
                        continue;
                OccStatus st;
                ledger_status(l, c, o, today, &st);
                if ((!current && occ_state(&st) != OCC_OVERDUE) ||
                    !state_matches(f->state, occ_state(&st)) ||
                    (f->person >= 0 && !held_by(c, o, f->person)))
                        continue;
                ret->total++;
                if ((r = ARRAY_GROW(ret->v, ret->cap, ret->n + 1)) == 0)
                        ret->v[ret->n++] = (ConsoleRow){*o, st};
        }
        occurrence_list_done(&plan);
        if (r < 0) {
                consoleview_rows_done(ret);
                return r;
        }
        if (ret->n > 1) /* qsort's array may not be NULL, as it is when nothing matched */
                qsort(ret->v, ret->n, sizeof(*ret->v), row_compare);
        if (ret->n > CONSOLE_MAX_ROWS)
                ret->n = CONSOLE_MAX_ROWS;
        return 0;
}

void consoleview_rows_done(ConsoleRows *r) {
        free(r->v);
        *r = (ConsoleRows){0};
}

/* ---- pages -------------------------------------------------------------------------------- */

static void page_head(Buf *b, const char *title) {
        html_page_head(b, title, "same-origin",
                       "body{font-family:sans-serif;margin:0 auto;max-width:72em;padding:0 .8em;"
                       "line-height:1.5}h1{font-size:1.3em}h2{font-size:1.1em}"
                       ".scroll{overflow-x:auto;max-width:100%}"
                       "table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;"
                       "padding:.3em .5em;text-align:left;vertical-align:top}"
                       "th{white-space:nowrap}form#filters{display:flex;flex-wrap:wrap;gap:.5em;"
                       "align-items:end}label{display:block;margin:.6em 0 .2em}"
                       "select,input,textarea,button{font-size:1em;max-width:100%;"
                       "box-sizing:border-box}form#record select,form#record input,"
                       "form#record textarea{width:100%}button{padding:.5em 1em}"
                       ".ok{color:#070}.bad,.overdue{color:#a00}.late{color:#a60}");
}

static void page_end(Buf *b) {
        buf_puts(b, "</body></html>\n");
}

void consoleview_message(Buf *b, const char *title, const char *text) {
        page_head(b, title);
        buf_puts(b, "<h1 class=\"bad\">");
        html_escape(b, title);
        buf_puts(b, "</h1><p>");
        html_escape(b, text);
        buf_puts(b, "</p>\n");
        page_end(b);
}

static void option(Buf *b, const char *value, const char *text, bool selected) {
        buf_puts(b, "<option value=\"");
        html_escape(b, value);
        buf_puts(b, selected ? "\" selected>" : "\">");
        html_escape(b, text);
        buf_puts(b, "</option>");
}

static void filters(Buf *b, const Config *c, const ConsoleFilter *f) {
        buf_puts(b, "<form id=\"filters\" method=\"get\" action=\"./\">"
                    "<div><label for=\"post\">岗位</label><select id=\"post\" name=\"post\">");
        option(b, "", "全部岗位", f->post < 0);
        for (size_t i = 0; i < c->n_posts; i++)
                option(b, c->posts[i].id, c->posts[i].name, f->post == (ssize_t)i);
        buf_puts(b, "</select></div><div><label for=\"person\">人员</label>"
                    "<select id=\"person\" name=\"person\">");
        option(b, "", "全部人员", f->person < 0);
        for (size_t i = 0; i < c->n_people; i++)
                option(b, c->people[i].id, c->people[i].name, f->person == (ssize_t)i);
        buf_puts(b, "</select></div><div><label for=\"state\">状态</label>"
                    "<select id=\"state\" name=\"state\">");
        for (int i = 0; i < _CONSOLE_STATE_MAX; i++)
                option(b, state_keys[i], state_words[i], f->state == (ConsoleStateFilter)i);
        buf_puts(b, "</select></div><div><button type=\"submit\">筛选</button></div></form>\n");
}

static void cell(Buf *b, const char *text) {
        buf_puts(b, "<td>");
        html_escape(b, text);
        buf_puts(b, "</td>");
}

static const char *state_class(const OccStatus *st) {
        switch (occ_state(st)) {
        case OCC_OVERDUE: return "overdue";
        case OCC_MET_LATE: return "late";
        case OCC_MET: return "ok";
        default: return "";
        }
}

static void overview_row(Buf *b, const Config *c, const ConsoleRow *row) {
        const Occurrence *o = &row->occ;
        char id[OCCURRENCE_ID_MAX], due[OCCURRENCE_DUE_MAX], pid[96], of[128];
        occurrence_id(c, o, id, sizeof(id));
        occurrence_due_text(o, due);
        occurrence_period_id(c, o, pid, sizeof(pid));
        snprintf(of, sizeof(of), "%s 第%u/%u次", pid, o->checkpoint, o->of);
        size_t h[MAX_POST_HOLDERS];
        size_t nh = occurrence_holders(c, o, o->due, h, MAX_POST_HOLDERS);
        _cleanup_free_ char *names = people_names(c, h, nh);
        b->oom |= !names;
        buf_puts(b, "<tr data-occ=\"");
        html_escape(b, id);
        buf_puts(b, "\" data-state=\"");
        html_escape(b, occ_status_key(&row->st));
        buf_puts(b, "\">");
        cell(b, due);
        cell(b, c->duties[o->duty].title);
        cell(b, c->posts[o->post].name);
        cell(b, names && *names ? names : "空缺");
        cell(b, of);
        buf_printf(b, "<td class=\"%s\">", state_class(&row->st));
        html_escape(b, occ_status_zh(&row->st));
        if (row->st.required > 1)
                buf_printf(b, "（%d/%d）", row->st.done, row->st.required);
        buf_puts(b, "</td><td><a class=\"record\" href=\"occ/");
        html_escape(b, id);
        buf_puts(b, "\">记录</a></td></tr>\n");
}

void consoleview_overview(Buf *b, const ConsolePage *p, const ConsoleFilter *f,
                          const ConsoleRows *rows) {
        const Config *c = p->config;
        char today[11];
        day_format(p->today, today);
        page_head(b, "履职台账");
        buf_puts(b, "<h1>");
        html_escape(b, c->org_name);
        buf_puts(b, " 安全生产履职台账</h1>\n<p>");
        html_escape(b, p->clerk);
        buf_printf(b, "，今天是 %s。本期事项与逾期未完成事项：</p>\n", today);
        filters(b, c, f);
        buf_printf(b, "<p>共 %zu 项", rows->total);
        if (rows->total > rows->n)
                buf_printf(b, "，只列出前 %zu 项，请用筛选缩小范围", rows->n);
        buf_puts(b, "。</p>\n<div class=\"scroll\"><table id=\"occurrences\"><thead><tr>"
                    "<th>截止</th><th>事项</th><th>岗位</th><th>责任人</th><th>周期</th>"
                    "<th>状态</th><th></th></tr></thead><tbody>\n");
        for (size_t i = 0; i < rows->n; i++)
                overview_row(b, c, &rows->v[i]);
        int year = day_to_ymd(p->today).y;
        buf_printf(b,
                   "</tbody></table></div>\n<h2>履职档案</h2><p>"
                   "<a id=\"download-xlsx\" href=\"report.xlsx?year=%d\">下载 %d 年履职档案"
                   "（Excel）</a> · <a id=\"download-csv\" href=\"report.csv?year=%d\">下载 CSV</a>"
                   "</p>\n",
                   year, year, year);
        page_end(b);
}

static void size_text(Buf *b, int64_t size) {
        if (size >= 1024 * 1024)
                buf_printf(b, "%.1f MB", (double)size / (1024.0 * 1024.0));
        else
                buf_printf(b, "%lld KB", (long long)((size + 1023) / 1024));
}

static void history_entry(Buf *b, const Config *c, const ConsoleEntry *e) {
        const Completion *x = e->completion;
        char date[11];
        day_format(x->date, date);
        ssize_t by = x->done_by ? config_find_person(c, x->done_by) : -1;
        ssize_t clerk = x->recorded_by ? config_find_person(c, x->recorded_by) : -1;
        buf_printf(b, "<li>%s ", date);
        html_escape(b, by >= 0 ? c->people[by].name : x->done_by ? x->done_by : "（未指定完成人）");
        if (x->note && *x->note) {
                buf_puts(b, "：");
                html_escape(b, x->note);
        }
        if (x->evidence && *x->evidence) {
                buf_puts(b, " 证明材料：");
                html_escape(b, x->evidence); /* a link given to dutyctl: shown, not followed */
        }
        for (size_t i = 0; i < e->n_files; i++) {
                buf_puts(b, i ? "、" : " 附件：");
                buf_puts(b, "<a class=\"evidence\" rel=\"noreferrer\" href=\"../evidence/");
                html_escape(b, e->files[i].sha256);
                buf_puts(b, "\">");
                html_escape(b, e->files[i].name);
                buf_puts(b, "</a>（");
                size_text(b, e->files[i].size);
                buf_puts(b, "）");
        }
        buf_puts(b, "<small>（");
        if (x->recorded_by) {
                html_escape(b, clerk >= 0 ? c->people[clerk].name : x->recorded_by);
                buf_puts(b, " 经台账登记");
        } else
                html_escape(b, completion_source_zh(x->source));
        buf_printf(b, "，编号 %lld）</small></li>\n", (long long)x->id);
}

static void record_form(Buf *b, const Config *c, const Occurrence *o, Day today, const size_t *h,
                        size_t nh, const char *csrf) {
        char date[11], min[11];
        day_format(today, date);
        day_format(o->period_start, min);
        buf_puts(b, "<h2>登记履职</h2>\n<form id=\"record\" method=\"post\""
                    " enctype=\"multipart/form-data\">\n<input type=\"hidden\" name=\"csrf\""
                    " value=\"");
        html_escape(b, csrf);
        buf_puts(b,
                 "\"><label for=\"person\">完成人</label><select id=\"person\" name=\"person\">");
        if (nh != 1)
                option(b, "", "（不指定）", false);
        for (size_t j = 0; j < nh; j++)
                option(b, c->people[h[j]].id, c->people[h[j]].name, false);
        buf_printf(b,
                   "</select>\n<label for=\"date\">日期</label><input id=\"date\" name=\"date\""
                   " type=\"date\" value=\"%s\" min=\"%s\" max=\"%s\" required>\n"
                   "<label for=\"note\">说明（如会议纪要编号、检查情况）</label>"
                   "<textarea id=\"note\" name=\"note\" rows=\"3\" maxlength=\"%d\"></textarea>\n"
                   "<label for=\"evidence\">附件（PDF 或照片，每个不超过 10 MB，最多 5 个）</label>"
                   "<input id=\"evidence\" name=\"evidence\" type=\"file\" multiple"
                   " accept=\"application/pdf,image/jpeg,image/png,image/webp,image/heic\">\n"
                   "<p><button type=\"submit\">登记</button></p>\n</form>\n",
                   date, min, date, CONSOLE_NOTE_MAX / 3);
}

void consoleview_occurrence(Buf *b, const ConsolePage *p, const Occurrence *o, const OccStatus *st,
                            const ConsoleEntry *entries, size_t n_entries, const char *csrf,
                            const char *result, bool ok) {
        const Config *c = p->config;
        size_t h[MAX_POST_HOLDERS];
        size_t nh = occurrence_holders(c, o, p->today, h, MAX_POST_HOLDERS);
        if (nh == 0)
                nh = occurrence_holders(c, o, o->due, h, MAX_POST_HOLDERS);
        _cleanup_free_ char *names = people_names(c, h, nh);
        b->oom |= !names;
        page_head(b, c->duties[o->duty].title);
        buf_puts(b, "<p><a href=\"../\">← 返回台账</a></p>\n<h1>");
        html_escape(b, c->duties[o->duty].title);
        buf_puts(b, "</h1>\n");
        if (result) {
                buf_printf(b, "<p id=\"result\" class=\"%s\">", ok ? "ok" : "bad");
                html_escape(b, result);
                buf_puts(b, "</p>\n");
        }
        buf_puts(b, "<div class=\"scroll\">");
        html_occurrence_table(b, c, o, st, names, false, "occurrence");
        buf_puts(b, "</div>\n");
        buf_puts(b, "<section id=\"history\"><h2>履职记录</h2>\n");
        if (n_entries == 0)
                buf_puts(b, "<p>尚无记录。</p>\n");
        else
                buf_puts(b, "<ul>\n");
        for (size_t i = 0; i < n_entries; i++)
                history_entry(b, c, &entries[i]);
        if (n_entries)
                buf_puts(b, "</ul>\n");
        buf_puts(b, "</section>\n");
        record_form(b, c, o, p->today, h, nh, csrf);
        page_end(b);
}
