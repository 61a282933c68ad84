/* ctl-event.c — see ctl-event.h. */
#include "ctl-event.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "completion.h"
#include "ctl.h"
#include "eventrecord.h"
#include "i18n.h"
#include "raise.h"
#include "table.h"
#include "tz.h"
#include "util.h"

/* How far ahead `done` looks for a recurring report: one may be done before it is due. */
#define FIND_AHEAD_SEC (7 * 86400)

int ctl_parse_instant(const char *s, time_t *ret) {
        char day[11];
        int h, m, k = 0;
        if (strlen(s) != 16 || (s[10] != ' ' && s[10] != 'T'))
                return -EINVAL;
        memcpy(day, s, 10);
        day[10] = 0;
        Day d = day_parse(day);
        if (d == DAY_INVALID || sscanf(s + 11, "%2d:%2d%n", &h, &m, &k) != 2 || k != 5 || h > 23 ||
            m > 59 || h < 0 || m < 0)
                return -EINVAL;
        *ret = tz_instant(d, h * 60 + m);
        return 0;
}

/* The events in the state, when this machine has it (else none, said nothing). */
static int load_events(const Config *c, bool open_only, EventRec **ret, size_t *ret_n) {
        *ret = NULL, *ret_n = 0;
        _cleanup_free_ char *db = strfmt("%s/state.db", ctl_state_dir(c));
        Store *s = NULL;
        if (!db || access(db, R_OK) < 0 || ctl_open_store(c, &s))
                return 0;
        int r = event_list(s, open_only, ret, ret_n);
        store_close(s);
        return r;
}

void ctl_event_print_clocks(const Config *c, const EventRec *e, time_t now) {
        OccurrenceList l = {0};
        if (eventclock_occurrences(c, e, 1, now + 86400, &l) < 0 || l.n == 0) {
                occurrence_list_done(&l);
                return;
        }
        static const char *const hdr[] = {"时限", "职责", "岗位", "要求", "编号"};
        Table *t = table_new(ELEMENTSOF(hdr), hdr);
        for (size_t i = 0; t && i < l.n; i++) {
                const Occurrence *o = &l.items[i];
                /* A recurring clock: its first report stands for the rest. */
                if (o->checkpoint > 1)
                        continue;
                char due[17], what[160], id[OCCURRENCE_ID_MAX];
                eventclock_due_text(o, due);
                eventrule_describe(&c->duties[o->duty].clock, what, sizeof(what));
                occurrence_id(c, o, id, sizeof(id));
                const char *cells[] = {due, c->duties[o->duty].title, c->posts[o->post].name, what,
                                       id};
                (void)table_add(t, cells);
        }
        if (t && table_rows(t)) {
                printf("%s\n", _("Deadlines counted from the event:"));
                table_print(t, stdout);
        }
        table_free(t);
        occurrence_list_done(&l);
}

int ctl_event_find(const Config *c, const char *id, Occurrence *ret) {
        EventRec *ev = NULL;
        size_t n = 0;
        int r = load_events(c, false, &ev, &n);
        if (r == 0)
                r = eventclock_find(c, ev, n, id, clock_now() + FIND_AHEAD_SEC, ret);
        if (r < 0)
                fprintf(stderr,
                        _("done: no deadline of an event '%s' (dutyctl upcoming lists them)\n"),
                        id);
        event_rec_list_free(ev, n);
        return r;
}

void ctl_event_progress(const Config *c, Store *s, const Occurrence *o) {
        EventRec *ev = NULL;
        Completion *v = NULL;
        size_t n = 0, nv = 0;
        time_t now = clock_now();
        if (event_list(s, false, &ev, &n) < 0 || completion_list(s, false, &v, &nv) < 0) {
                event_rec_list_free(ev, n);
                return;
        }
        for (size_t i = 0; i < n; i++) {
                if (ev[i].id != o->event)
                        continue;
                OccurrenceList l = {0};
                if (eventclock_occurrences(c, &ev[i], 1, now + FIND_AHEAD_SEC, &l) < 0)
                        break;
                printf("%s·%s ev%d：", c->posts[o->post].name, c->duties[o->duty].title, o->event);
                int k = 0;
                for (size_t j = 0; j < l.n; j++) {
                        const Occurrence *x = &l.items[j];
                        if (x->duty != o->duty || x->post != o->post)
                                continue;
                        EventStatus st;
                        char due[17];
                        eventclock_status(c, x, v, nv, now, &st);
                        eventclock_due_text(x, due);
                        printf("%s第%u次（%s 前）%s", k++ ? "；" : "", x->checkpoint, due,
                               st.met       ? (st.late ? "逾期完成" : "已完成")
                               : st.overdue ? "逾期未完成"
                                            : "未完成");
                }
                printf("\n");
                occurrence_list_done(&l);
        }
        completion_list_free(v, nv);
        event_rec_list_free(ev, n);
}

int ctl_event_walk(const Config *c, Day from, Day to, PlanFilter f,
                   int (*fn)(void *userdata, const Occurrence *o), void *userdata) {
        EventRec *ev = NULL;
        size_t n = 0;
        OccurrenceList l = {0};
        int r = load_events(c, false, &ev, &n);
        if (r == 0)
                r = eventclock_occurrences(c, ev, n, tz_instant(to + 1, 0), &l);
        if (r == 0 && l.n > 1)
                qsort(l.items, l.n, sizeof(Occurrence), occurrence_compare);
        for (size_t i = 0; r == 0 && i < l.n; i++) {
                const Occurrence *o = &l.items[i];
                if (o->due < from || o->due > to || (f.duty >= 0 && o->duty != (size_t)f.duty) ||
                    (f.post >= 0 && o->post != (size_t)f.post))
                        continue;
                if (f.person >= 0) {
                        size_t h[MAX_POST_HOLDERS];
                        size_t nh = occurrence_holders(c, o, o->due, h, MAX_POST_HOLDERS);
                        bool mine = false;
                        for (size_t j = 0; j < nh; j++)
                                mine |= h[j] == (size_t)f.person;
                        if (!mine)
                                continue;
                }
                r = fn(userdata, o);
        }
        occurrence_list_done(&l);
        event_rec_list_free(ev, n);
        return r;
}

int ctl_event_history(const Config *c, Store *s) {
        (void)c;
        EventRec *ev = NULL;
        size_t n = 0;
        int r = event_list(s, false, &ev, &n);
        if (r < 0 || n == 0) {
                event_rec_list_free(ev, n);
                return r;
        }
        static const char *const hdr[] = {"事件编号", "事件",     "级别", "发生时间",
                                          "发起人",   "结束时间", "说明"};
        Table *t = table_new(ELEMENTSOF(hdr), hdr);
        for (size_t i = 0; t && r == 0 && i < n; i++) {
                char id[24], at[17], closed[17] = "";
                snprintf(id, sizeof(id), "%" PRId64, ev[i].id);
                tz_format(ev[i].at, at);
                if (ev[i].closed)
                        tz_format(ev[i].closed, closed);
                const char *cells[] = {id,
                                       ev[i].event,
                                       ev[i].level ? ev[i].level : "",
                                       at,
                                       ev[i].raised_by ? ev[i].raised_by : "",
                                       ev[i].closed ? closed : "进行中",
                                       ev[i].note ? ev[i].note : ""};
                r = table_add(t, cells);
        }
        if (!t)
                r = -ENOMEM;
        if (r == 0) {
                printf("\n%s\n", _("Events:"));
                table_print(t, stdout);
        }
        table_free(t);
        event_rec_list_free(ev, n);
        return r;
}

/* The record's columns but the ids. */
static const size_t table_cols[] = {0, 1, 3, 5, 6, 7, 8, 9, 10};

static int print_record_table(FILE *out, const Config *c, const EventRecord *rec) {
        const char *hdr[ELEMENTSOF(table_cols)];
        for (size_t k = 0; k < ELEMENTSOF(table_cols); k++)
                hdr[k] = eventrecord_header[table_cols[k]];
        Table *t = table_new(ELEMENTSOF(hdr), hdr);
        int r = t ? 0 : -ENOMEM;
        for (size_t i = 0; r == 0 && i < rec->n; i++) {
                EventRecordText x;
                const char *all[EVENTRECORD_COLS], *cells[ELEMENTSOF(table_cols)];
                eventrecord_cells(c, &rec->rows[i], &x, all);
                for (size_t k = 0; k < ELEMENTSOF(table_cols); k++)
                        cells[k] = all[table_cols[k]];
                r = table_add(t, cells);
        }
        if (r == 0) {
                fprintf(out, "\n%s\n", _("Events and their deadlines:"));
                table_print(t, out);
        }
        table_free(t);
        return r;
}

/* *text, a JSON object, with the key "events" set to the array `events`. */
static int merge_json(char **text, const char *events) {
        json_auto_t *root = json_loads(*text, 0, NULL), *a = json_loads(events, 0, NULL);
        if (!root || !a || json_object_set(root, "events", a) < 0)
                return -ENOMEM;
        char *out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (!out)
                return -ENOMEM;
        free(*text);
        *text = out;
        return 0;
}

int ctl_event_report(const Config *c, Store *s, Day from, Day to, const char *format, FILE *out,
                     char **text) {
        EventRec *ev = NULL;
        Completion *v = NULL;
        size_t n = 0, nv = 0;
        EventRecord rec = {0};
        _cleanup_free_ char *more = NULL;
        int r = event_list(s, false, &ev, &n);
        if (r == 0)
                r = completion_list(s, false, &v, &nv);
        if (r == 0)
                r = eventrecord_build(c, ev, n, v, nv, from, to, clock_now(), &rec);
        if (r == 0 && streq(format, "json") && *text) {
                if ((r = eventrecord_json(c, &rec, &more)) == 0)
                        r = merge_json(text, more);
        } else if (r == 0 && rec.n && streq(format, "csv") && *text) {
                char *joined = NULL;
                if ((r = eventrecord_csv(c, &rec, &more)) == 0 &&
                    !(joined = strfmt("%s\n%s", *text, more)))
                        r = -ENOMEM;
                if (joined)
                        free(*text), *text = joined;
        } else if (r == 0 && rec.n && streq(format, "table"))
                r = print_record_table(out, c, &rec);
        eventrecord_done(&rec);
        completion_list_free(v, nv);
        event_rec_list_free(ev, n);
        return r;
}

/* ---- close ----------------------------------------------------------------------------------- */

static int run_close(Config *c, const void *args) {
        int64_t id = *(const int64_t *)args;
        Store *s = NULL;
        if (ctl_open_store(c, &s))
                return 1;
        time_t now = clock_now(), when = 0;
        int r = event_close(s, id, ctl_invoker(), now, &when);
        char at[17];
        tz_format(when, at);
        if (r == -ENOENT)
                fprintf(stderr, _("close: no event %" PRId64 " (dutyctl history lists them)\n"),
                        id);
        else if (r == -EALREADY)
                fprintf(stderr, _("close: event %" PRId64 " was closed at %s\n"), id, at);
        else if (r < 0)
                fprintf(stderr, _("close: failed: %s\n"), store_errmsg(s));
        else
                printf(_("Event %" PRId64 " closed at %s: its recurring reports stop.\n"), id, at);
        store_close(s);
        return r < 0 ? 1 : 0;
}

int verb_close(int argc, char **argv) {
        static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {}};
        int o;
        while ((o = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                switch (o) {
                case 'h':
                        printf("%s", _("Usage: dutyctl close EVENT-ID\n"
                                       "Ends an event raised with dutyctl raise: its recurring "
                                       "reports (every:) stop.\n"));
                        return 0;
                default: return EXIT_USAGE;
                }
        }
        char *end = NULL;
        long long id = optind == argc - 1 ? strtoll(argv[optind], &end, 10) : 0;
        if (!end || *end || id < 1) {
                fprintf(stderr, "%s",
                        _("close: needs the number of an event (dutyctl close --help)\n"));
                return EXIT_USAGE;
        }
        int64_t v = id;
        return ctl_with_config(run_close, &v);
}
