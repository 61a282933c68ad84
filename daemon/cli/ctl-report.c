/* ctl-report.c — `dutyctl report|raise|done-link`. See ctl-report.h and ctl.h. */
#include "ctl-report.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "completion.h"
#include "ctl-event.h"
#include "ctl-evidence.h"
#include "ctl.h"
#include "donelink.h"
#include "event.h"
#include "i18n.h"
#include "load.h"
#include "log.h"
#include "outbox.h"
#include "raise.h"
#include "report.h"
#include "route.h"
#include "schedule.h"
#include "sender.h"
#include "store.h"
#include "table.h"
#include "tz.h"
#include "util.h"
#include "workbook.h"

/* ---- report ---------------------------------------------------------------------------------- */

static int print_table(FILE *out, const Config *c, const Report *rep, const char *period) {
        static const char *const hdr[] = {"职责",     "岗位",     "人员",   "应完成",
                                          "按时完成", "逾期完成", "未完成", "未到期"};
        Table *t = table_new(ELEMENTSOF(hdr), hdr);
        if (!t)
                return -ENOMEM;
        int r = 0;
        for (size_t i = 0; r == 0 && i <= rep->n_rows; i++) {
                const ReportRow *w = i < rep->n_rows ? &rep->rows[i] : NULL;
                const ReportCounts *n = w ? &w->n : &rep->total;
                char v[5][16];
                snprintf(v[0], 16, "%d", n->required), snprintf(v[1], 16, "%d", n->on_time);
                snprintf(v[2], 16, "%d", n->late), snprintf(v[3], 16, "%d", n->missed);
                snprintf(v[4], 16, "%d", n->open);
                _cleanup_free_ char *title = w ? duty_title_marked(&c->duties[w->duty]) : NULL;
                const char *cells[] = {w ? (title ? title : c->duties[w->duty].title) : "合计",
                                       w ? c->posts[w->post].name : "",
                                       w ? (w->person >= 0 ? c->people[w->person].name : "空缺")
                                         : "",
                                       v[0],
                                       v[1],
                                       v[2],
                                       v[3],
                                       v[4]};
                r = table_add(t, cells);
        }
        if (r == 0) {
                char from[11], to[11];
                day_format(rep->from, from), day_format(rep->to, to);
                fprintf(out, "%s 履职统计 %s（截止日在 %s 至 %s 之间的事项）\n", c->org_name,
                        period, from, to);
                table_print(t, out);
        }
        table_free(t);
        return r;
}

static int report_usage(FILE *f) {
        fputs(_("Usage: dutyctl report --period 2026|2026-H2|2026-Q4|2026-11 [--person ID|--post ID]\n"
                "                      [--format table|csv|json|xlsx] [--output FILE] [--no-bom]\n"
                "      dutyctl report --year 2026 [--person ID] --format xlsx [--output FILE]\n"
                "      dutyctl report --shuzhi PERSON --year 2026 [--output FILE]\n"
                "The record of each occurrence due in the period: done on time, late, missed\n"
                "(past the deadline) or not yet due; or the draft of the duty part of a person's\n"
                "yearly 述职.\n"),
              f);
        fputs(_("xlsx: an Excel workbook, a sheet per period (--year: its quarters and the year,\n"
                "and a 述职 sheet per person); never to a terminal. CSV starts with a UTF-8\n"
                "byte-order mark for Excel and WPS unless --no-bom. --output - is standard output.\n"),
              f);
        fputs(_("--evidence-dir DIR: also copy the evidence files of the completions covered into\n"
                "DIR, named DATE-NUMBER-NAME, to hand over with the record.\n"),
              f);
        return f == stdout ? 0 : EXIT_USAGE;
}

typedef struct ReportArgs {
        const char *period, *person, *post, *format, *shuzhi, *year, *output, *evidence_dir;
        bool no_bom;
        Day from, to; /* --period's first and last day */
        int y;        /* --year */
} ReportArgs;

/* --format, --period and --year understood: an exit status, or -1 to go on. */
static int report_check(ReportArgs *a) {
        if (!streq(a->format, "table") && !streq(a->format, "csv") && !streq(a->format, "json") &&
            !streq(a->format, "xlsx")) {
                fprintf(stderr, _("report: --format takes table, csv, json or xlsx\n"));
                return EXIT_USAGE;
        }
        PeriodKind kind;
        if (a->period &&
            (period_parse(a->period, &kind, &a->from, &a->to) < 0 || kind == PERIOD_WEEK)) {
                fprintf(stderr,
                        _("report: a period is written 2026, 2026-H2, 2026-Q4 or 2026-11: %s\n"),
                        a->period);
                return EXIT_USAGE;
        }
        if (a->year) {
                char *end;
                long v = strtol(a->year, &end, 10);
                if (*end || v < 1970 || v > 9999) {
                        fprintf(stderr, _("report: not a year: %s\n"), a->year);
                        return EXIT_USAGE;
                }
                a->y = (int)v;
        }
        return -1;
}

/* Where the report goes: standard output, or a temporary file beside FILE that replaces it
 * once complete (mode 0600: the record names people and what they missed). */
typedef struct Output {
        FILE *f;
        const char *path;
        char *tmp;
} Output;

static bool to_stdout(const char *path) {
        return !path || streq(path, "-");
}

static int output_open(const char *path, Output *o) {
        *o = (Output){.f = stdout, .path = path};
        if (to_stdout(path))
                return 0;
        int fd = -1;
        if (!(o->tmp = strfmt("%s.XXXXXX", path)))
                return -ENOMEM;
        if ((fd = mkstemp(o->tmp)) < 0 || !(o->f = fdopen(fd, "w"))) {
                int e = errno;
                fprintf(stderr, _("report: cannot write %s: %s\n"), path, strerror(e));
                if (fd >= 0)
                        close(fd), unlink(o->tmp);
                free(o->tmp);
                return -e;
        }
        return 0;
}

/* Flushes, and puts the file in place when `ok`; removes it otherwise. 0 or -EIO. */
static int output_close(Output *o, bool ok) {
        int e = 0;
        if (o->f == stdout) {
                if (fflush(stdout) != 0 || ferror(stdout))
                        e = errno ? errno : EIO;
        } else {
                bool fine = fflush(o->f) == 0 && !ferror(o->f);
                if (!fine)
                        e = errno ? errno : EIO;
                if (fclose(o->f) != 0 && !e)
                        e = errno;
                if (ok && !e && rename(o->tmp, o->path) < 0)
                        e = errno;
                if (!ok || e)
                        unlink(o->tmp);
                free(o->tmp);
        }
        if (ok && e)
                fprintf(stderr, _("report: cannot write %s: %s\n"),
                        o->f == stdout ? _("standard output") : o->path, strerror(e));
        return e ? -EIO : 0;
}

/* The record of the period (in --format) or the person's 述职 draft, printed to `out`. */
static int report_print(FILE *out, const Config *c, Store *s, const ReportArgs *a, ssize_t pi,
                        ssize_t oi) {
        Ledger *lg = NULL;
        Completion *comps = NULL;
        size_t n_comps = 0;
        Report rep = {0};
        _cleanup_free_ char *text = NULL;
        Day today = ctl_today(c);
        bool csv = a->period && streq(a->format, "csv");
        int r = ledger_load(s, &lg);
        if (r == 0 && a->shuzhi && (r = completion_list(s, false, &comps, &n_comps)) == 0)
                r = report_shuzhi(c, lg, comps, n_comps, (size_t)pi, a->y, today, &text);
        else if (r == 0 && a->period) {
                r = report_build(c, lg, a->from, a->to, today, pi, oi, &rep);
                if (r == 0 && csv)
                        r = report_format_csv(c, &rep, &text);
                else if (r == 0 && streq(a->format, "json"))
                        r = report_format_json(c, &rep, a->period, &text);
                else if (r == 0)
                        r = print_table(out, c, &rep, a->period);
        }
        if (r == 0 && a->period)
                r = ctl_event_report(c, s, a->from, a->to, a->format, out, &text);
        if (r < 0)
                fprintf(stderr, _("report: failed: %s\n"),
                        r == -EIO ? store_errmsg(s) : strerror(-r));
        else if (text) {
                if (csv && !a->no_bom) /* Excel and WPS read UTF-8 CSV as such only with it */
                        fputs("\xEF\xBB\xBF", out);
                fputs(text, out);
                if (streq(a->format, "json"))
                        fputs("\n", out);
        }
        report_done(&rep);
        completion_list_free(comps, n_comps);
        ledger_free(lg);
        return r;
}

/* Copies the file at `path` to standard output. 0 or -errno. */
static int copy_to_stdout(const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char buf[65536];
        size_t n;
        if (!f)
                return -errno;
        errno = 0;
        while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
                if (fwrite(buf, 1, n, stdout) != n)
                        return errno ? -errno : -EIO;
        if (ferror(f))
                return -EIO;
        return fflush(stdout) != 0 ? (errno ? -errno : -EIO) : 0;
}

/* The workbook written to `path`, or through a temporary file to standard output. */
static int write_workbook(const WorkbookInput *in, const char *path) {
        _cleanup_free_ char *error = NULL, *tmp = NULL;
        int r = 0;
        if (to_stdout(path)) {
                const char *dir = getenv("TMPDIR");
                int fd = -1;
                if (!(tmp = strfmt("%s/dutyctl-report-XXXXXX", dir && *dir ? dir : "/tmp")))
                        return -ENOMEM;
                if ((fd = mkstemp(tmp)) < 0) {
                        fprintf(stderr, _("report: cannot write %s: %s\n"), tmp, strerror(errno));
                        return -errno;
                }
                close(fd);
        }
        r = workbook_write(in, tmp ? tmp : path, &error);
        if (r == 0 && tmp && (r = copy_to_stdout(tmp)) < 0)
                fprintf(stderr, _("report: cannot write %s: %s\n"), _("standard output"),
                        strerror(-r));
        else if (r < 0)
                fprintf(stderr, _("report: %s\n"), error ? error : strerror(-r));
        if (tmp)
                unlink(tmp);
        return r;
}

/* --format xlsx: the sheets of --period, or of --year's quarters, the year and its 述职. */
static int report_xlsx(const Config *c, Store *s, const ReportArgs *a, ssize_t pi) {
        char labels[WORKBOOK_YEAR_SHEETS][16];
        WorkbookPeriod periods[WORKBOOK_YEAR_SHEETS];
        size_t n = 0;
        if (a->period)
                periods[n++] = (WorkbookPeriod){a->period, a->from, a->to};
        else if (a->y) {
                workbook_year_periods(a->y, labels, periods);
                n = WORKBOOK_YEAR_SHEETS;
        }
        WorkbookInput in = {.config = c,
                            .periods = periods,
                            .n_periods = n,
                            .year = a->y,
                            .person = pi,
                            .today = ctl_today(c)};
        Ledger *lg = NULL;
        Completion *comps = NULL;
        int r = ledger_load(s, &lg);
        if (r == 0)
                r = completion_list(s, false, &comps, &in.n_comps);
        if (r < 0)
                fprintf(stderr, _("report: failed: %s\n"),
                        r == -EIO ? store_errmsg(s) : strerror(-r));
        else {
                in.ledger = lg, in.comps = comps;
                r = write_workbook(&in, a->output);
        }
        completion_list_free(comps, in.n_comps);
        ledger_free(lg);
        return r;
}

static int run_report(Config *c, const void *args) {
        const ReportArgs *a = args;
        ssize_t pi = -1, oi = -1;
        const char *who = a->person ? a->person : a->shuzhi;
        if (who && (pi = config_find_person(c, who)) < 0) {
                fprintf(stderr, _("report: no person '%s'\n"), who);
                return 1;
        }
        if (a->post && (oi = config_find_post(c, a->post)) < 0) {
                fprintf(stderr, _("report: no post '%s'\n"), a->post);
                return 1;
        }
        Store *s = NULL;
        if (ctl_open_store(c, &s))
                return 1;
        Output o = {0};
        int r;
        if (streq(a->format, "xlsx"))
                r = report_xlsx(c, s, a, pi);
        else if ((r = output_open(a->output, &o)) == 0) {
                r = report_print(o.f, c, s, a, pi, oi);
                int k = output_close(&o, r == 0);
                r = r < 0 ? r : k;
        }
        if (r == 0 && a->evidence_dir) {
                Day from = a->period ? a->from : day_from_ymd(a->y, 1, 1);
                Day to = a->period ? a->to : day_from_ymd(a->y, 12, 31);
                r = ctl_evidence_copy(c, s, from, to, pi, a->evidence_dir);
        }
        store_close(s);
        return r < 0 ? 1 : 0;
}

/* The options go together: --period or --shuzhi with --year (the draft); for xlsx, --period
 * or --year, and no --post. */
static bool report_args_ok(const ReportArgs *a) {
        if ((a->person && a->post) || (a->period && a->shuzhi))
                return false;
        if (streq(a->format, "xlsx"))
                return !a->shuzhi && !a->post && !a->period != !a->year;
        return (a->period || a->shuzhi) && !(a->shuzhi && (!a->year || a->person || a->post)) &&
               !(a->year && !a->shuzhi);
}

int verb_report(int argc, char **argv) {
        static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                             {"period", required_argument, NULL, 'p'},
                                             {"person", required_argument, NULL, 'P'},
                                             {"post", required_argument, NULL, 'T'},
                                             {"format", required_argument, NULL, 'f'},
                                             {"shuzhi", required_argument, NULL, 's'},
                                             {"year", required_argument, NULL, 'y'},
                                             {"output", required_argument, NULL, 'o'},
                                             {"no-bom", no_argument, NULL, 'B'},
                                             {"evidence-dir", required_argument, NULL, 'E'},
                                             {}};
        ReportArgs a = {.format = "table"};
        int o;
        while ((o = getopt_long(argc, argv, "ho:", opts, NULL)) >= 0) {
                switch (o) {
                case 'h': return report_usage(stdout);
                case 'p': a.period = optarg; break;
                case 'P': a.person = optarg; break;
                case 'T': a.post = optarg; break;
                case 'f': a.format = optarg; break;
                case 's': a.shuzhi = optarg; break;
                case 'y': a.year = optarg; break;
                case 'o': a.output = optarg; break;
                case 'B': a.no_bom = true; break;
                case 'E': a.evidence_dir = optarg; break;
                default: return EXIT_USAGE;
                }
        }
        if (optind != argc || !report_args_ok(&a)) {
                fprintf(stderr, _("report: wrong arguments (dutyctl report --help)\n"));
                return EXIT_USAGE;
        }
        int r = report_check(&a);
        if (r >= 0)
                return r;
        if (streq(a.format, "xlsx") && to_stdout(a.output) && isatty(STDOUT_FILENO)) {
                fprintf(stderr, _("report: an xlsx workbook is not for a terminal: write it with "
                                  "--output FILE or redirect the output\n"));
                return EXIT_USAGE;
        }
        return ctl_with_config(run_report, &a);
}

/* ---- raise ----------------------------------------------------------------------------------- */

static void print_alerted(const Config *c, const Firing *f, size_t n) {
        static const char *const hdr_en[] = {N_("Duty"), N_("Post"), N_("Holders now"),
                                             N_("Channels")};
        const char *hdr[ELEMENTSOF(hdr_en)];
        table_translate(hdr, hdr_en, ELEMENTSOF(hdr));
        Table *t = table_new(ELEMENTSOF(hdr), hdr);
        RoutePlan plan = {0};
        if (!t || route_plan(c, f, n, &plan) < 0) {
                table_free(t);
                return;
        }
        for (size_t i = 0; i < n; i++) {
                Buf cb = {0};
                size_t h[MAX_POST_HOLDERS];
                _cleanup_free_ char *names = people_names(
                        c, h, occurrence_holders(c, &f[i].occ, f[i].occ.due, h, MAX_POST_HOLDERS));
                for (size_t m = 0; m < plan.n; m++) {
                        bool has = false;
                        for (size_t k = 0; k < plan.msgs[m].n_items; k++)
                                has |= plan.msgs[m].items[k] == i;
                        if (!has)
                                continue;
                        const char *rcpt = plan.msgs[m].recipient;
                        if (cb.len)
                                buf_printf(&cb, "%s", _(", "));
                        if (*rcpt)
                                buf_printf(&cb, _("%s (%s)"), c->channels[plan.msgs[m].channel].id,
                                           rcpt);
                        else
                                buf_printf(&cb, "%s", c->channels[plan.msgs[m].channel].id);
                }
                const char *cells[] = {c->duties[f[i].occ.duty].title, c->posts[f[i].occ.post].name,
                                       names && *names ? names : _("vacant"),
                                       cb.len ? cb.data : _("none (no channel configured)")};
                (void)table_add(t, cells);
                buf_done(&cb);
        }
        table_print(t, stdout);
        table_free(t);
        route_plan_done(&plan);
}

/* Sends the messages just queued (rows with this raise's step), so that an alert goes out even
 * when dutyd is not running. Returns the number sent. */
static unsigned send_now(Store *s, const Config *c, const Firing *f, size_t n) {
        OutboxRow *rows = NULL;
        size_t nr = 0;
        unsigned sent = 0;
        if (outbox_list(s, false, &rows, &nr) < 0)
                return 0;
        for (size_t i = 0; i < nr; i++) {
                if (rows[i].state != OUTBOX_QUEUED || !rows[i].occurrence)
                        continue;
                bool ours = false;
                for (size_t j = 0; j < n && !ours; j++) {
                        char id[OCCURRENCE_ID_MAX];
                        occurrence_id(c, &f[j].occ, id, sizeof(id));
                        ours = streq(rows[i].occurrence, id) && rows[i].created >= clock_now() - 60;
                }
                if (!ours)
                        continue;
                SenderStats st = {0};
                (void)sender_run(s, c, rows[i].id, false, 20 * 1000000ULL, &st);
                sent += st.sent;
        }
        outbox_rows_free(rows, nr);
        return sent;
}

typedef struct RaiseArgs {
        const char *event, *note, *level, *at_text;
        time_t at; /* --at, read in the organisation's zone; 0 = now */
        bool no_send;
} RaiseArgs;

static void explain_unknown_event(const Config *c, const char *event, const char *level) {
        const char **ev = NULL;
        size_t ne = 0;
        if (level && event_plan(c, event, NULL, 0, 0, 0, (Firing **)&ev, &ne) == 0) {
                free(ev);
                ev = NULL;
                fprintf(stderr, _("raise: no duty of event '%s' applies to level '%s'."), event,
                        level);
                if (eventclock_levels(c, event, &ev, &ne) == 0 && ne) {
                        fprintf(stderr, " %s", _("Levels configured:"));
                        for (size_t i = 0; i < ne; i++)
                                fprintf(stderr, " %s", ev[i]);
                }
                fprintf(stderr, "\n");
                free(ev);
                return;
        }
        fprintf(stderr, _("raise: no duty is for the event '%s'. "), event);
        if (event_names(c, &ev, &ne) == 0 && ne) {
                fprintf(stderr, _("The events configured: "));
                for (size_t i = 0; i < ne; i++)
                        fprintf(stderr, "%s%s", i ? _(", ") : "", ev[i]);
                fprintf(stderr, "\n");
        } else
                fprintf(stderr, _("The configuration has no duty for an event (event:).\n"));
        free(ev);
}

/* The journal's record of the event (EV_EVENT_RAISED): DUTYD_EVENT, and DUTYD_DUTY once for
 * each duty alerted. */
static void journal_raised(const Config *c, const char *event, int64_t eid, const Firing *f,
                           size_t n) {
        char *fields[16] = {0};
        size_t k = 0;
        fields[k++] = strfmt("DUTYD_EVENT=%s", event);
        for (size_t i = 0; i < n && k + 1 < ELEMENTSOF(fields); i++) {
                bool seen = false;
                for (size_t j = 0; j < i; j++)
                        seen |= f[j].occ.duty == f[i].occ.duty;
                if (!seen)
                        fields[k++] = strfmt("DUTYD_DUTY=%s", c->duties[f[i].occ.duty].id);
        }
        bool ok = true;
        for (size_t i = 0; i < k; i++)
                ok &= fields[i] != NULL;
        log_journal(LOG_NOTICE, EV_EVENT_RAISED, ok ? (const char *const *)fields : NULL,
                    P_("event \"%s\" (no. %lld) raised by %s, %zu post alerted",
                       "event \"%s\" (no. %lld) raised by %s, %zu posts alerted", n),
                    event, (long long)eid, ctl_invoker(), n);
        for (size_t i = 0; i < k; i++)
                free(fields[i]);
}

/* The clocks the event starts, from what was recorded. */
static void print_clocks(const Config *c, const RaiseArgs *a, int64_t eid, time_t now) {
        EventRec e = {.id = eid,
                      .event = (char *)a->event,
                      .level = (char *)a->level,
                      .at = a->at ? a->at : now};
        ctl_event_print_clocks(c, &e, now);
}

/* Records the event, queues its messages and, unless --no-send, sends them now. */
static int raise_record(Config *c, const RaiseArgs *a, const Firing *f, size_t n, time_t now) {
        /* Secrets first: root's dutyctl becomes the daemon's user to open the state, and the
         * credentials are root's. */
        Diags d = {0};
        bool secrets = !a->no_send && config_load_secrets(c, &d) == 0;
        Store *s = NULL;
        if (ctl_open_store(c, &s)) {
                diags_done(&d);
                return 1;
        }
        int64_t eid = 0;
        size_t queued = 0;
        RaiseInput in = {.event = a->event,
                         .level = a->level,
                         .note = a->note,
                         .raised_by = ctl_invoker(),
                         .at = a->at};
        int r = raise_event(s, c, &in, now, &eid, &queued);
        if (r < 0)
                fprintf(stderr, _("raise: cannot record or queue it: %s\n"),
                        r == -EIO ? store_errmsg(s) : strerror(-r));
        else {
                printf(_("Recorded the event \"%s\" (no. %lld)%s%s: %zu posts alerted, %zu "
                         "messages queued:\n"),
                       a->event, (long long)eid, a->note ? _(": ") : "", a->note ? a->note : "", n,
                       queued);
                print_alerted(c, f, n);
                print_clocks(c, a, eid, now);
                journal_raised(c, a->event, eid, f, n);
                if (!a->no_send && queued && !secrets) {
                        diags_print(&d, stderr);
                        printf(_(
                                "Cannot read the channels' secrets: the messages stay queued for dutyd to send.\n"));
                } else if (!a->no_send && queued) {
                        unsigned sent = send_now(s, c, f, n);
                        printf(P_("%u delivered%s.\n", "%u delivered%s.\n", sent), sent,
                               sent < queued ? _("; the rest stay queued for dutyd to retry") : "");
                }
        }
        diags_done(&d);
        store_close(s);
        return r < 0 ? 1 : 0;
}

static int run_raise(Config *c, const void *args) {
        RaiseArgs *a = (RaiseArgs *)args;
        time_t now = clock_now();
        if (a->at_text && (ctl_parse_instant(a->at_text, &a->at) < 0 || a->at > now)) {
                fprintf(stderr, _("raise: --at takes a past 'YYYY-MM-DD HH:MM', not '%s'\n"),
                        a->at_text);
                return EXIT_USAGE;
        }
        Firing *f = NULL;
        size_t n = 0;
        int r = event_plan(c, a->event, a->level, tz_day(now), tz_minute(now), 0, &f, &n);
        if (r == -ENOENT) {
                explain_unknown_event(c, a->event, a->level);
                return 1;
        }
        if (r < 0) {
                fprintf(stderr, _("raise: failed: %s\n"), strerror(-r));
                return 1;
        }
        r = raise_record(c, a, f, n, now);
        free(f);
        return r;
}

int verb_raise(int argc, char **argv) {
        static const struct option opts[] = {
                {"help", no_argument, NULL, 'h'},        {"note", required_argument, NULL, 'n'},
                {"level", required_argument, NULL, 'l'}, {"at", required_argument, NULL, 'a'},
                {"no-send", no_argument, NULL, 'N'},     {}};
        RaiseArgs a = {0};
        int o;
        while ((o = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                switch (o) {
                case 'h':
                        printf(_(
                                "Usage: dutyctl raise EVENT [--level LEVEL] [--at 'YYYY-MM-DD HH:MM'] [--note TEXT] [--no-send]\n"
                                "An event (such as 事故) happened: every post of every duty whose event is\n"
                                "EVENT is told at once on its channels; the event is recorded in the state\n"
                                "database. --no-send only queues the messages for dutyd.\n"));
                        printf("%s",
                               _("--level selects the duties whose levels include it; --at is "
                                 "when it happened (default: now):\nthe duties' clocks "
                                 "(within, every, window) count from it until "
                                 "`dutyctl close ID`.\n"));
                        return 0;
                case 'n': a.note = optarg; break;
                case 'l': a.level = optarg; break;
                case 'a': a.at_text = optarg; break;
                case 'N': a.no_send = true; break;
                default: return EXIT_USAGE;
                }
        }
        if (optind != argc - 1) {
                fprintf(stderr, _("raise: which event? (dutyctl raise --help)\n"));
                return EXIT_USAGE;
        }
        a.event = argv[optind];
        return ctl_with_config(run_raise, &a);
}

/* ---- done-link --------------------------------------------------------------------------------- */

typedef struct DoneLinkArgs {
        const char *occurrence;
        long days;
} DoneLinkArgs;

static int run_done_link(Config *c, const void *args) {
        const DoneLinkArgs *a = args;
        Occurrence occ;
        if (schedule_find(c, a->occurrence, &occ) < 0) {
                fprintf(stderr, _("done-link: no occurrence '%s'\n"), a->occurrence);
                return 1;
        }
        char id[OCCURRENCE_ID_MAX];
        occurrence_id(c, &occ, id, sizeof(id));
        Store *s = NULL;
        if (ctl_open_store(c, &s))
                return 1;
        _cleanup_free_ char *tok = NULL, *url = NULL, *served = NULL;
        (void)store_meta_get(s, META_SERVED_ADDRESS, &served); /* written by the running daemon */
        int r = donelink_init(s);
        if (r == 0)
                r = donelink_make(s, id, clock_now() + a->days * 86400, &tok);
        if (r == 0 && !(url = donelink_url(c, served, tok)))
                r = -ENOMEM;
        if (r < 0)
                fprintf(stderr, _("done-link: failed: %s\n"),
                        r == -EIO ? store_errmsg(s) : strerror(-r));
        else
                printf("%s\n", url);
        store_close(s);
        return r < 0 ? 1 : 0;
}

int verb_done_link(int argc, char **argv) {
        static const struct option opts[] = {
                {"help", no_argument, NULL, 'h'}, {"days", required_argument, NULL, 'd'}, {}};
        long days = 30;
        int o;
        while ((o = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                switch (o) {
                case 'h':
                        printf(_(
                                "Usage: dutyctl done-link OCCURRENCE [--days N]\n"
                                "Print a one-time link to record the occurrence as done (valid 30 days by\n"
                                "default). Whoever holds it can record the completion: send it only to\n"
                                "the person responsible.\n"));
                        return 0;
                case 'd': {
                        char *end;
                        days = strtol(optarg, &end, 10);
                        if (*end || days < 1 || days > 3660) {
                                fprintf(stderr, _("done-link: --days takes 1 to 3660\n"));
                                return EXIT_USAGE;
                        }
                        break;
                }
                default: return EXIT_USAGE;
                }
        }
        if (optind != argc - 1) {
                fprintf(stderr, _("done-link: which occurrence? (dutyctl upcoming shows them)\n"));
                return EXIT_USAGE;
        }
        DoneLinkArgs a = {argv[optind], days};
        return ctl_with_config(run_done_link, &a);
}
