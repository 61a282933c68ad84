/* report.c — see report.h. */
#include "report.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

static ReportState state_of(const OccStatus *st) {
        if (st->met)
                return st->late ? REPORT_LATE : REPORT_ON_TIME;
        return st->overdue ? REPORT_MISSED : REPORT_OPEN;
}

static void counts_add(ReportCounts *n, ReportState s) {
        n->required++;
        switch (s) {
        case REPORT_ON_TIME: n->on_time++; break;
        case REPORT_LATE: n->late++; break;
        case REPORT_MISSED: n->missed++; break;
        default: n->open++; break;
        }
}

/* Calls fn for every occurrence due in [from, to] (post filter), with its assignees (person
 * filter applied: when set, only occurrences of that person, with just them as assignee). */
typedef int (*EachFn)(const Occurrence *o, const OccStatus *st, const ssize_t *who, size_t n_who,
                      void *ud);

static int each_occurrence(const Config *c, const Ledger *l, Day from, Day to, Day today,
                           ssize_t person, ssize_t post, EachFn fn, void *ud) {
        OccurrenceList ol = {0};
        int r = schedule_plan(c, from, to, (PlanFilter){-1, post, -1}, &ol);
        for (size_t i = 0; r == 0 && i < ol.n; i++) {
                const Occurrence *o = &ol.items[i];
                ssize_t who[MAX_POST_HOLDERS];
                size_t n = 0;
                if (o->person >= 0)
                        who[n++] = o->person;
                else {
                        size_t h[MAX_POST_HOLDERS];
                        n = occurrence_holders(c, o, o->due, h, MAX_POST_HOLDERS);
                        for (size_t j = 0; j < n; j++)
                                who[j] = (ssize_t)h[j];
                        if (n == 0)
                                who[n++] = -1;
                }
                if (person >= 0) {
                        bool found = false;
                        for (size_t j = 0; j < n; j++)
                                found |= who[j] == person;
                        if (!found)
                                continue;
                        who[0] = person, n = 1;
                }
                OccStatus st;
                ledger_status(l, c, o, today, &st);
                r = fn(o, &st, who, n, ud);
        }
        occurrence_list_done(&ol);
        return r;
}

typedef struct Entry {
        size_t duty, post;
        ssize_t person;
        ReportState state;
} Entry;

/* What one walk gathers: an entry per assignee, the totals, and (for a 述职 draft) the
 * checkpoints done late or missed. */
typedef struct Collect {
        const Config *c;
        Entry *v;
        size_t n, cap;
        ReportCounts total;
        bool problems_too;
        ShuzhiProblem *problems;
        size_t n_problems, cap_problems;
} Collect;

static int add_problem(Collect *k, const Occurrence *o, const OccStatus *st, ReportState s) {
        if (ARRAY_GROW(k->problems, k->cap_problems, k->n_problems + 1) < 0)
                return -ENOMEM;
        ShuzhiProblem *p = &k->problems[k->n_problems++];
        *p = (ShuzhiProblem){.duty = o->duty,
                             .post = o->post,
                             .checkpoint = o->checkpoint,
                             .of = o->of,
                             .due = o->due,
                             .state = s,
                             .met_on = st->met_on,
                             .done = st->done,
                             .required = st->required};
        occurrence_period_id(k->c, o, p->period, sizeof(p->period));
        occurrence_due_text(o, p->due_text);
        return 0;
}

static int collect(const Occurrence *o, const OccStatus *st, const ssize_t *who, size_t n_who,
                   void *ud) {
        Collect *k = ud;
        ReportState s = state_of(st);
        counts_add(&k->total, s);
        if (ARRAY_GROW(k->v, k->cap, k->n + n_who) < 0)
                return -ENOMEM;
        for (size_t j = 0; j < n_who; j++)
                k->v[k->n++] = (Entry){o->duty, o->post, who[j], s};
        if (k->problems_too && (s == REPORT_LATE || s == REPORT_MISSED))
                return add_problem(k, o, st, s);
        return 0;
}

static int person_rank(ssize_t p) { /* vacant last */
        return p < 0 ? 1 : 0;
}

static int entry_cmp(const void *a, const void *b) {
        const Entry *x = a, *y = b;
        if (x->duty != y->duty)
                return x->duty < y->duty ? -1 : 1;
        if (x->post != y->post)
                return x->post < y->post ? -1 : 1;
        if (person_rank(x->person) != person_rank(y->person))
                return person_rank(x->person) - person_rank(y->person);
        return x->person < y->person ? -1 : x->person > y->person;
}

/* The rows of the report from the entries of a walk (sorted here); frees them. */
static int rows_from(Collect *k, Day from, Day to, Day today, Report *ret) {
        if (k->n)
                qsort(k->v, k->n, sizeof(*k->v), entry_cmp);
        ReportRow *rows = calloc(k->n ? k->n : 1, sizeof(*rows));
        if (!rows) {
                free(k->v);
                return -ENOMEM;
        }
        size_t n = 0;
        for (size_t i = 0; i < k->n; i++) {
                const Entry *e = &k->v[i];
                if (n == 0 || rows[n - 1].duty != e->duty || rows[n - 1].post != e->post ||
                    rows[n - 1].person != e->person)
                        rows[n++] =
                                (ReportRow){.duty = e->duty, .post = e->post, .person = e->person};
                counts_add(&rows[n - 1].n, e->state);
        }
        free(k->v);
        *ret = (Report){.from = from,
                        .to = to,
                        .today = today,
                        .rows = rows,
                        .n_rows = n,
                        .total = k->total};
        return 0;
}

int report_build(const Config *c, const Ledger *l, Day from, Day to, Day today, ssize_t person,
                 ssize_t post, Report *ret) {
        Collect k = {.c = c};
        int r = each_occurrence(c, l, from, to, today, person, post, collect, &k);
        if (r < 0) {
                free(k.v);
                return r;
        }
        return rows_from(&k, from, to, today, ret);
}

void report_done(Report *r) {
        free(r->rows);
        *r = (Report){0};
}

/* ---- CSV / JSON ---------------------------------------------------------------------------- */

void csv_field(Buf *b, const char *s, bool last) {
        if (!s)
                s = "";
        if (strpbrk(s, ",\"\r\n")) {
                buf_puts(b, "\"");
                for (const char *p = s; *p; p++) {
                        if (*p == '"')
                                buf_puts(b, "\"\"");
                        else
                                buf_put(b, p, 1);
                }
                buf_puts(b, "\"");
        } else
                buf_puts(b, s);
        buf_puts(b, last ? "\r\n" : ",");
}

static const char *person_id(const Config *c, ssize_t p) {
        return p >= 0 ? c->people[p].id : "";
}

static const char *person_name(const Config *c, ssize_t p) {
        return p >= 0 ? c->people[p].name : "空缺";
}

static void csv_counts(Buf *b, const ReportCounts *n) {
        char v[5][16];
        snprintf(v[0], 16, "%d", n->required), snprintf(v[1], 16, "%d", n->on_time);
        snprintf(v[2], 16, "%d", n->late), snprintf(v[3], 16, "%d", n->missed);
        snprintf(v[4], 16, "%d", n->open);
        for (int i = 0; i < 5; i++)
                csv_field(b, v[i], i == 4);
}

const char *const report_columns[REPORT_COLUMNS] = {"职责编号", "职责",   "岗位编号", "岗位",
                                                    "人员编号", "人员",   "应完成",   "按时完成",
                                                    "逾期完成", "未完成", "未到期"};

int report_format_csv(const Config *c, const Report *r, char **ret) {
        Buf b = {0};
        for (size_t i = 0; i < REPORT_COLUMNS; i++)
                csv_field(&b, report_columns[i], i + 1 == REPORT_COLUMNS);
        for (size_t i = 0; i < r->n_rows; i++) {
                const ReportRow *w = &r->rows[i];
                csv_field(&b, c->duties[w->duty].id, false);
                _cleanup_free_ char *title = duty_title_marked(&c->duties[w->duty]);
                csv_field(&b, title ? title : c->duties[w->duty].title, false);
                csv_field(&b, c->posts[w->post].id, false);
                csv_field(&b, c->posts[w->post].name, false);
                csv_field(&b, person_id(c, w->person), false);
                csv_field(&b, person_name(c, w->person), false);
                csv_counts(&b, &w->n);
        }
        for (int i = 0; i < 6; i++)
                csv_field(&b, i == 0 ? "合计" : "", false);
        csv_counts(&b, &r->total);
        if (!(*ret = buf_steal(&b)))
                return -ENOMEM;
        return 0;
}

static json_t *json_counts(const ReportCounts *n) {
        return json_pack("{s:i, s:i, s:i, s:i, s:i}", "required", n->required, "on_time",
                         n->on_time, "late", n->late, "missed", n->missed, "open", n->open);
}

/* One row: the duty, post and person, and the counts. */
static json_t *json_row(const Config *c, const ReportRow *w) {
        char marks[RULE_MARKS_MAX];
        rule_marks(&c->duties[w->duty].rule, marks);
        json_t *row = json_pack(
                "{s:s, s:s, s:s, s:s, s:s, s:s?, s:s}", "duty", c->duties[w->duty].id, "title",
                c->duties[w->duty].title, "marks", marks, "post", c->posts[w->post].id, "post_name",
                c->posts[w->post].name, "person", w->person >= 0 ? c->people[w->person].id : NULL,
                "person_name", person_name(c, w->person));
        json_auto_t *n = json_counts(&w->n);
        if (row && (!n || json_object_update(row, n) < 0)) {
                json_decref(row);
                return NULL;
        }
        return row;
}

int report_format_json(const Config *c, const Report *r, const char *period, char **ret) {
        char from[11], to[11], today[11];
        day_format(r->from, from), day_format(r->to, to), day_format(r->today, today);
        json_auto_t *root =
                json_pack("{s:s, s:s, s:s, s:s, s:s, s:[], s:o}", "organization", c->org_name,
                          "period", period ? period : "", "from", from, "to", to, "today", today,
                          "rows", "total", json_counts(&r->total));
        json_t *rows = json_object_get(root, "rows");
        if (!rows)
                return -ENOMEM;
        for (size_t i = 0; i < r->n_rows; i++)
                if (json_array_append_new(rows, json_row(c, &r->rows[i])) < 0)
                        return -ENOMEM;
        *ret = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        return *ret ? 0 : -ENOMEM;
}

/* ---- 述职 draft ------------------------------------------------------------------------------ */

const ShuzhiSection report_shuzhi_sections[4] = {
        {"一、任职情况", "本年度未担任配置中的岗位。"},
        {"二、应履行职责及完成情况", "本年度没有应履行的定期职责。"},
        {"三、履职记录", "本年度没有履职记录。"},
        {"四、逾期及未完成事项", "无。"},
};

static bool held(const Person *p, size_t post, Day day) {
        for (size_t i = 0; i < p->n_tenures; i++)
                if (p->tenures[i].post == post &&
                    (p->tenures[i].from == DAY_INVALID || p->tenures[i].from <= day) &&
                    (p->tenures[i].until == DAY_MAX || p->tenures[i].until == DAY_INVALID ||
                     day <= p->tenures[i].until))
                        return true;
        return false;
}

bool report_completion_of(const Config *c, const Completion *x, size_t person) {
        const Person *p = &c->people[person];
        ssize_t pi = config_find_post(c, x->post);
        return streq_ptr(x->done_by, p->id) || streq(x->person, p->id) ||
               ((!x->done_by || !*x->done_by) && !x->person[0] && pi >= 0 &&
                held(p, (size_t)pi, x->date));
}

/* 一、任职情况: the posts held in the year, clipped to it. */
static int shuzhi_posts(const Person *p, Day y0, Day y1, ShuzhiDraft *z) {
        size_t cap = 0;
        for (size_t i = 0; i < p->n_tenures; i++) {
                const Tenure *t = &p->tenures[i];
                Day from = t->from == DAY_INVALID || t->from < y0 ? y0 : t->from;
                Day until = t->until == DAY_INVALID || t->until > y1 ? y1 : t->until;
                if (from > until)
                        continue;
                if (ARRAY_GROW(z->posts, cap, z->n_posts + 1) < 0)
                        return -ENOMEM;
                z->posts[z->n_posts++] = (ShuzhiPost){t->post, from, until};
        }
        return 0;
}

/* 三、履职记录: the person's completions of the year (theirs, or of a post they held then
 * when nobody is named). */
static int shuzhi_records(const Config *c, const Completion *comps, size_t n_comps, Day y0, Day y1,
                          ShuzhiDraft *z) {
        size_t cap = 0;
        for (size_t i = 0; i < n_comps; i++) {
                const Completion *x = &comps[i];
                if (x->undone_at || x->date < y0 || x->date > y1 ||
                    !report_completion_of(c, x, z->person))
                        continue;
                if (ARRAY_GROW(z->records, cap, z->n_records + 1) < 0)
                        return -ENOMEM;
                z->records[z->n_records++] = x;
        }
        return 0;
}

/* The minute of the day a problem's deadline names; a day's end (no time) last. */
static int due_minute_of(const ShuzhiProblem *p) {
        int h, m;
        return sscanf(p->due_text + 10, " %d:%d", &h, &m) == 2 ? h * 60 + m : 24 * 60;
}

/* The order of the schedule (occurrence_compare): deadline, time of day, duty, post, period,
 * checkpoint. */
static int problem_compare(const void *a, const void *b) {
        const ShuzhiProblem *x = a, *y = b;
        int d;
        if (x->due != y->due)
                return x->due < y->due ? -1 : 1;
        if ((d = due_minute_of(x) - due_minute_of(y)) != 0)
                return d;
        if (x->duty != y->duty)
                return x->duty < y->duty ? -1 : 1;
        if (x->post != y->post)
                return x->post < y->post ? -1 : 1;
        if ((d = strcmp(x->period, y->period)) != 0)
                return d;
        return (int)x->checkpoint - (int)y->checkpoint;
}

/* A person's occurrences, planned post by post for the posts they ever held (a county's 述职
 * sheets, one per person, would otherwise each plan every post of the year), problems in the
 * schedule's order. */
static int each_post_held(const Config *c, const Ledger *l, Day y0, Day y1, Day today,
                          size_t person, Collect *k) {
        const Person *p = &c->people[person];
        int r = 0;
        for (size_t i = 0; r == 0 && i < p->n_tenures; i++) {
                bool seen = false;
                for (size_t j = 0; j < i; j++)
                        seen |= p->tenures[j].post == p->tenures[i].post;
                if (!seen)
                        r = each_occurrence(c, l, y0, y1, today, (ssize_t)person,
                                            (ssize_t)p->tenures[i].post, collect, k);
        }
        if (r == 0 && k->n_problems > 1)
                qsort(k->problems, k->n_problems, sizeof(*k->problems), problem_compare);
        return r;
}

int report_shuzhi_build(const Config *c, const Ledger *l, const Completion *comps, size_t n_comps,
                        size_t person, int year, Day today, ShuzhiDraft *ret) {
        Day y0 = day_from_ymd(year, 1, 1), y1 = day_from_ymd(year, 12, 31);
        ShuzhiDraft z = {.person = person, .year = year, .today = today};
        Collect k = {.c = c, .problems_too = true};
        int r = each_post_held(c, l, y0, y1, today, person, &k);
        z.problems = k.problems, z.n_problems = k.n_problems;
        if (r < 0)
                free(k.v);
        else
                r = rows_from(&k, y0, y1, today, &z.duties);
        if (r == 0)
                r = shuzhi_posts(&c->people[person], y0, y1, &z);
        if (r == 0)
                r = shuzhi_records(c, comps, n_comps, y0, y1, &z);
        if (r < 0) {
                report_shuzhi_done(&z);
                return r;
        }
        *ret = z;
        return 0;
}

void report_shuzhi_done(ShuzhiDraft *z) {
        if (!z)
                return;
        free(z->posts);
        report_done(&z->duties);
        free(z->records);
        free(z->problems);
        *z = (ShuzhiDraft){0};
}

char *report_shuzhi_title(const Config *c, const ShuzhiDraft *z) {
        return strfmt("%s %d年度履行安全生产工作职责情况（述职草稿）", c->people[z->person].name,
                      z->year);
}

char *report_shuzhi_summary(const ShuzhiDraft *z) {
        const ReportCounts *t = &z->duties.total;
        int closed = t->on_time + t->late + t->missed;
        Buf b = {0};
        buf_printf(&b,
                   "小结：%d年度应履职 %d 次，按时完成 %d 次，逾期完成 %d 次，未完成 %d 次，"
                   "尚未到期 %d 次",
                   z->year, t->required, t->on_time, t->late, t->missed, t->open);
        if (closed > 0)
                buf_printf(&b, "；已到期事项按时完成率 %d%%",
                           (t->on_time * 100 + closed / 2) / closed);
        buf_puts(&b, "。");
        return buf_steal(&b);
}

void report_problem_text(const ShuzhiProblem *p, char out[static SHUZHI_PROBLEM_TEXT_MAX]) {
        char met[11];
        if (p->state == REPORT_LATE) {
                day_format(p->met_on, met);
                snprintf(out, SHUZHI_PROBLEM_TEXT_MAX, "逾期完成（%s 完成，逾期 %d 天）", met,
                         p->met_on - p->due);
        } else if (p->done > 0)
                snprintf(out, SHUZHI_PROBLEM_TEXT_MAX, "未完成（仅完成 %d/%d 次）", p->done,
                         p->required);
        else
                snprintf(out, SHUZHI_PROBLEM_TEXT_MAX, "未完成");
}

/* ---- 述职 draft as text ---------------------------------------------------------------------- */

static void text_posts(Buf *b, const Config *c, const ShuzhiDraft *z) {
        Day y0 = day_from_ymd(z->year, 1, 1), y1 = day_from_ymd(z->year, 12, 31);
        char d1[11], d2[11];
        for (size_t i = 0; i < z->n_posts; i++) {
                const ShuzhiPost *t = &z->posts[i];
                day_format(t->from, d1), day_format(t->until, d2);
                if (t->from == y0 && t->until == y1)
                        buf_printf(b, "  %s（全年）\n", c->posts[t->post].name);
                else
                        buf_printf(b, "  %s（%s 至 %s）\n", c->posts[t->post].name, d1, d2);
        }
}

/* 二: one line per duty and post of the record. */
static void text_duties(Buf *b, const Config *c, const Report *rep) {
        for (size_t i = 0; i < rep->n_rows; i++) {
                const ReportRow *w = &rep->rows[i];
                const Duty *d = &c->duties[w->duty];
                _cleanup_free_ char *basis = duty_basis(c, d);
                _cleanup_free_ char *title = duty_title_marked(d);
                buf_printf(b,
                           "  %zu. %s·%s：应完成 %d 次，按时完成 %d 次，逾期完成 %d 次，"
                           "未完成 %d 次，未到期 %d 次",
                           i + 1, c->posts[w->post].name, title ? title : d->title, w->n.required,
                           w->n.on_time, w->n.late, w->n.missed, w->n.open);
                if (basis && *basis)
                        buf_printf(b, "。依据：%s", basis);
                _cleanup_free_ char *scope = duty_scope_text(c, d);
                if (scope && *scope) /* why it had fewer occurrences than its rule says */
                        buf_printf(b, "。适用：%s", scope);
                buf_puts(b, "\n");
        }
}

static void text_records(Buf *b, const Config *c, const ShuzhiDraft *z) {
        char d1[11];
        for (size_t i = 0; i < z->n_records; i++) {
                const Completion *x = z->records[i];
                ssize_t pi = config_find_post(c, x->post), di = config_find_duty(c, x->duty);
                day_format(x->date, d1);
                buf_printf(b, "  %zu. %s  %s·%s（%s）", i + 1, d1,
                           pi >= 0 ? c->posts[pi].name : x->post,
                           di >= 0 ? c->duties[di].title : x->duty, x->period);
                if (x->note && *x->note)
                        buf_printf(b, "\n     说明：%s", x->note);
                if (x->evidence && *x->evidence)
                        buf_printf(b, "\n     证明材料：%s", x->evidence);
                if (di >= 0) {
                        _cleanup_free_ char *basis = duty_basis(c, &c->duties[di]);
                        if (basis && *basis)
                                buf_printf(b, "\n     依据：%s", basis);
                }
                buf_puts(b, "\n");
        }
}

static void text_problems(Buf *b, const Config *c, const ShuzhiDraft *z) {
        for (size_t i = 0; i < z->n_problems; i++) {
                const ShuzhiProblem *p = &z->problems[i];
                char what[SHUZHI_PROBLEM_TEXT_MAX];
                report_problem_text(p, what);
                buf_printf(b, "  %zu. %s·%s（%s 第%u/%u次，截止 %s）：%s\n", i + 1,
                           c->posts[p->post].name, c->duties[p->duty].title, p->period,
                           p->checkpoint, p->of, p->due_text, what);
        }
}

int report_shuzhi(const Config *c, const Ledger *l, const Completion *comps, size_t n_comps,
                  size_t person, int year, Day today, char **ret) {
        ShuzhiDraft z = {0};
        int r = report_shuzhi_build(c, l, comps, n_comps, person, year, today, &z);
        if (r < 0)
                return r;
        _cleanup_free_ char *title = report_shuzhi_title(c, &z);
        _cleanup_free_ char *summary = report_shuzhi_summary(&z);
        char day[11];
        day_format(today, day);
        Buf b = {0};
        buf_printf(&b, "%s\n单位：%s    生成日期：%s\n", title ? title : "", c->org_name, day);
        size_t n[4] = {z.n_posts, z.duties.n_rows, z.n_records, z.n_problems};
        for (size_t i = 0; i < 4; i++) {
                buf_printf(&b, "\n%s\n", report_shuzhi_sections[i].title);
                if (!n[i])
                        buf_printf(&b, "  %s\n", report_shuzhi_sections[i].none);
                else if (i == 0)
                        text_posts(&b, c, &z);
                else if (i == 1)
                        text_duties(&b, c, &z.duties);
                else if (i == 2)
                        text_records(&b, c, &z);
                else
                        text_problems(&b, c, &z);
        }
        buf_printf(&b, "\n%s\n", summary ? summary : "");
        report_shuzhi_done(&z);
        if (!title || !summary || !(*ret = buf_steal(&b))) {
                buf_done(&b);
                return -ENOMEM;
        }
        return 0;
}
