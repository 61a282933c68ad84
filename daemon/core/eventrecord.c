/* eventrecord.c — see eventrecord.h. */
#include "eventrecord.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "report.h"
#include "tz.h"
#include "util.h"

void eventrecord_done(EventRecord *r) {
        free(r->rows);
        *r = (EventRecord){0};
}

static const char *const outcome_zh[_EVENT_OUTCOME_MAX] = {"按时完成", "逾期完成", "逾期未完成",
                                                           "未到期"};
static const char *const outcome_key[_EVENT_OUTCOME_MAX] = {"on_time", "late", "missed", "open"};

/* 按时完成 … */
static const char *event_outcome_zh(EventOutcome o) {
        return (unsigned)o < _EVENT_OUTCOME_MAX ? outcome_zh[o] : "";
}
/* JSON's words: on_time, late, missed, open. */
static const char *event_outcome_key(EventOutcome o) {
        return (unsigned)o < _EVENT_OUTCOME_MAX ? outcome_key[o] : "";
}

int eventrecord_build(const Config *c, const EventRec *ev, size_t n_ev, const Completion *v,
                      size_t n_v, Day from, Day to, time_t now, EventRecord *ret) {
        *ret = (EventRecord){0};
        OccurrenceList l = {0};
        int r = 0;
        for (size_t i = 0; r == 0 && i < n_ev; i++) {
                if (tz_day(ev[i].at) > to)
                        continue;
                l.n = 0;
                if ((r = eventclock_occurrences(c, &ev[i], 1, now, &l)) < 0)
                        break;
                for (size_t k = 0; r == 0 && k < l.n; k++) {
                        if (l.items[k].due < from || l.items[k].due > to)
                                continue;
                        if (ARRAY_GROW(ret->rows, ret->cap, ret->n + 1) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                        EventRecordRow *w = &ret->rows[ret->n++];
                        *w = (EventRecordRow){.e = &ev[i], .o = l.items[k]};
                        eventclock_status(c, &w->o, v, n_v, now, &w->st);
                        w->outcome = w->st.met       ? (w->st.late ? EVENT_LATE : EVENT_ON_TIME)
                                     : w->st.overdue ? EVENT_MISSED
                                                     : EVENT_OPEN;
                }
        }
        occurrence_list_done(&l);
        if (r < 0)
                eventrecord_done(ret);
        return r;
}

static void eventrecord_text(const Config *c, const EventRecordRow *w, EventRecordText *ret) {
        *ret = (EventRecordText){0};
        snprintf(ret->event, sizeof(ret->event), "%lld %s%s%s", (long long)w->e->id, w->e->event,
                 w->e->level ? " " : "", w->e->level ? w->e->level : "");
        tz_format(w->e->at, ret->occurred);
        time_t due = eventclock_deadline(&w->o);
        eventclock_due_text(&w->o, ret->due);
        if (w->st.met)
                tz_format(w->st.met_at, ret->done);
        time_t late = w->st.met ? w->st.met_at - due : 0;
        if (late > 0) {
                long m = (long)((late + 59) / 60);
                if (m >= 60)
                        snprintf(ret->late, sizeof(ret->late), "晚%ld小时%ld分钟", m / 60, m % 60);
                else
                        snprintf(ret->late, sizeof(ret->late), "晚%ld分钟", m);
        }
        occurrence_id(c, &w->o, ret->id, sizeof(ret->id));
        snprintf(ret->report, sizeof(ret->report), "%u", w->o.checkpoint);
}

const char *const eventrecord_header[EVENTRECORD_COLS] = {
        "事件",   "发生时间", "职责编号", "职责", "岗位编号", "岗位",
        "第几次", "时限",     "完成时间", "结果", "超时",     "事项编号"};

void eventrecord_cells(const Config *c, const EventRecordRow *w, EventRecordText *t,
                       const char *cells[EVENTRECORD_COLS]) {
        eventrecord_text(c, w, t);
        const char *v[EVENTRECORD_COLS] = {t->event,
                                           t->occurred,
                                           c->duties[w->o.duty].id,
                                           c->duties[w->o.duty].title,
                                           c->posts[w->o.post].id,
                                           c->posts[w->o.post].name,
                                           t->report,
                                           t->due,
                                           t->done,
                                           event_outcome_zh(w->outcome),
                                           t->late,
                                           t->id};
        memcpy(cells, v, sizeof(v));
}

int eventrecord_csv(const Config *c, const EventRecord *r, char **ret) {
        Buf b = {0};
        for (size_t i = 0; i < EVENTRECORD_COLS; i++)
                csv_field(&b, eventrecord_header[i], i + 1 == EVENTRECORD_COLS);
        for (size_t i = 0; i < r->n; i++) {
                EventRecordText t;
                const char *cells[EVENTRECORD_COLS];
                eventrecord_cells(c, &r->rows[i], &t, cells);
                for (size_t j = 0; j < EVENTRECORD_COLS; j++)
                        csv_field(&b, cells[j], j + 1 == EVENTRECORD_COLS);
        }
        return (*ret = buf_steal(&b)) ? 0 : -ENOMEM;
}

int eventrecord_json(const Config *c, const EventRecord *r, char **ret) {
        json_auto_t *a = json_array();
        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < r->n; i++) {
                const EventRecordRow *w = &r->rows[i];
                EventRecordText t;
                eventrecord_text(c, w, &t);
                json_t *j = json_pack(
                        "{s:I, s:s, s:s?, s:s, s:s, s:s, s:s, s:i, s:s, s:s?, s:s, s:s?, s:s}",
                        "event_id", (json_int_t)w->e->id, "event", w->e->event, "level",
                        w->e->level, "occurred", t.occurred, "id", t.id, "duty",
                        c->duties[w->o.duty].id, "post", c->posts[w->o.post].id, "report",
                        (int)w->o.checkpoint, "due", t.due, "done", w->st.met ? t.done : NULL,
                        "status", event_outcome_key(w->outcome), "done_by", w->st.met_by, "closed",
                        w->e->closed ? "yes" : "no");
                if (!j || json_array_append_new(a, j) < 0)
                        return -ENOMEM;
        }
        *ret = json_dumps(a, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        return *ret ? 0 : -ENOMEM;
}
