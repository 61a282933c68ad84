/* ctl-record.c — `dutyctl done|undo|history`. See ctl.h for the verb conventions. */
#include "ctl-record.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "completion.h"
#include "ctl-event.h"
#include "ctl.h"
#include "schedule.h"
#include "store.h"
#include "table.h"
#include "i18n.h"
#include "util.h"

/* Loads the config and opens the records; returns an exit status (0 when both are there). */
static int load_records(Config **ret_c, Store **ret_s) {
        int r = ctl_load_config(ret_c);
        if (r)
                return r;
        if (ctl_open_store(*ret_c, ret_s)) {
                *ret_c = config_free(*ret_c);
                return 1;
        }
        return 0;
}

typedef struct DoneArgs {
        const char *target, *person, *post, *date, *note, *evidence, *delegate;
} DoneArgs;

/* The rule's marks (rule.h) against who did it: 亲自 refuses someone who does not hold the post
 * that day; a named delegate (--delegate) needs 或委托. Prints why; 0 or 1. */
static int check_who(const Config *c, const DoneArgs *a, const Occurrence *o, Day date,
                     ssize_t by) {
        const Duty *d = &c->duties[o->duty];
        if (a->delegate && !d->rule.delegable) {
                fprintf(stderr,
                        _("done: the rule of duty '%s' does not allow a delegate (或委托), so none can be recorded\n"),
                        d->id);
                return 1;
        }
        if (by < 0 || !d->rule.personal)
                return 0;
        size_t h[MAX_POST_HOLDERS];
        size_t n = occurrence_holders(c, o, date, h, MAX_POST_HOLDERS);
        for (size_t i = 0; i < n; i++)
                if (h[i] == (size_t)by)
                        return 0;
        fprintf(stderr,
                _("done: duty '%s' must be done in person (亲自), and %s did not hold the post that day\n"),
                d->id, c->people[by].name);
        return 1;
}

/* Finds the checkpoint (its period) a completion is recorded against. */
static int resolve_target(const Config *c, const DoneArgs *a, Day date, ssize_t done_by,
                          Occurrence *ret) {
        if (schedule_find(c, a->target, ret) == 0)
                return 0;
        ssize_t duty = config_find_duty(c, a->target);
        if (duty < 0) {
                fprintf(stderr,
                        _("done: no duty or occurrence '%s' (dutyctl upcoming shows the ids)\n"),
                        a->target);
                return -ENOENT;
        }
        const Duty *d = &c->duties[duty];
        if (d->event) {
                fprintf(stderr,
                        _("done: '%s' is a duty for an event (dutyctl raise), not recorded by period\n"),
                        d->id);
                return -EINVAL;
        }
        ssize_t post = -1;
        if (a->post) {
                post = config_find_post(c, a->post);
                bool ok = false;
                for (size_t i = 0; post >= 0 && i < d->n_posts; i++)
                        ok |= d->posts[i] == (size_t)post;
                if (!ok) {
                        fprintf(stderr, _("done: duty '%s' has no post '%s'\n"), d->id, a->post);
                        return -EINVAL;
                }
        } else if (d->n_posts == 1)
                post = (ssize_t)d->posts[0];
        else {
                /* The post the person holds, if exactly one of the duty's posts. */
                for (size_t i = 0; done_by >= 0 && i < d->n_posts; i++) {
                        size_t h[MAX_POST_HOLDERS];
                        size_t n = config_post_holders(c, d->posts[i], date, h, MAX_POST_HOLDERS);
                        for (size_t j = 0; j < n; j++)
                                if (h[j] == (size_t)done_by)
                                        post = post < 0 ? (ssize_t)d->posts[i] : -2;
                }
                if (post < 0) {
                        fprintf(stderr,
                                _("done: duty '%s' belongs to several posts: say which with --post\n"),
                                d->id);
                        return -EINVAL;
                }
        }
        if (d->per_holder && done_by < 0) {
                fprintf(stderr,
                        _("done: duty '%s' is done by each holder: say who with --person\n"),
                        d->id);
                return -EINVAL;
        }
        OccurrenceList l = {0};
        int r = schedule_period_checkpoints(c, (size_t)duty, (size_t)post,
                                            d->per_holder ? done_by : -1, date, &l);
        if (r == 0 && l.n == 0)
                r = -ENOENT;
        if (r == 0)
                *ret = l.items[0];
        else
                fprintf(stderr, _("done: no period holds %s\n"), a->date ? a->date : _("today"));
        occurrence_list_done(&l);
        return r;
}

static void print_progress(const Config *c, Store *s, const Occurrence *o, Day today) {
        OccurrenceList l = {0};
        Ledger *lg = NULL;
        if (schedule_period_checkpoints(c, o->duty, o->post, o->person, o->period_start, &l) < 0 ||
            ledger_load(s, &lg) < 0) {
                occurrence_list_done(&l);
                return;
        }
        char pid[96];
        occurrence_period_id(c, o, pid, sizeof(pid));
        printf("%s·%s %s：", c->posts[o->post].name, c->duties[o->duty].title, pid);
        for (size_t i = 0; i < l.n; i++) {
                OccStatus st;
                char due[OCCURRENCE_DUE_MAX];
                ledger_status(lg, c, &l.items[i], today, &st);
                occurrence_due_text(&l.items[i], due);
                printf("%s", i ? _("; ") : "");
                printf(_("%u of %u (by %s) %s"), l.items[i].checkpoint, l.items[i].of, due,
                       ctl_status_text(&st));
                if (l.items[i].required > 1)
                        printf(" %d/%d", st.done, st.required);
        }
        printf("\n");
        ledger_free(lg);
        occurrence_list_done(&l);
}

/* The day and the person of a completion, from --date and --person (or the one holder). */
static int done_when_who(const Config *c, const DoneArgs *a, Day *ret_date, ssize_t *ret_by) {
        Day today = ctl_today(c), date = today;
        if (a->date && (date = day_parse(a->date)) == DAY_INVALID) {
                fprintf(stderr, _("done: a date is written YYYY-MM-DD: %s\n"), a->date);
                return EXIT_USAGE;
        }
        if (date > today) {
                fprintf(stderr, _("done: a completion cannot be recorded for a future date: %s\n"),
                        a->date);
                return EXIT_USAGE;
        }
        ssize_t by = -1;
        if (a->person && (by = config_find_person(c, a->person)) < 0) {
                fprintf(stderr, _("done: no person '%s'\n"), a->person);
                return 1;
        }
        if (a->evidence && strncmp(a->evidence, "https://", 8) &&
            strncmp(a->evidence, "http://", 7)) {
                fprintf(stderr, _("done: --evidence takes an http(s) link\n"));
                return EXIT_USAGE;
        }
        *ret_date = date, *ret_by = by;
        return 0;
}

static int run_done(Config *c, const void *args) {
        const DoneArgs *a = args;
        Day date;
        ssize_t by;
        int r = done_when_who(c, a, &date, &by);
        if (r)
                return r;
        Occurrence occ;
        if (eventclock_is_id(a->target)
                    ? ctl_event_find(c, a->target, &occ) < 0
                    : resolve_target(c, a, date, by, &occ) < 0 || check_who(c, a, &occ, date, by))
                return 1;
        if (by < 0) {
                size_t h[2];
                if (occurrence_holders(c, &occ, date, h, 2) == 1)
                        by = (ssize_t)h[0];
        }
        Store *s = NULL;
        if (ctl_open_store(c, &s))
                return 1;
        int64_t id = 0;
        /* A delegate is outside the config: named in the record's note. */
        _cleanup_free_ char *note = a->delegate
                                            ? strfmt("受托人：%s%s%s", a->delegate,
                                                     a->note ? "；" : "", a->note ? a->note : "")
                                            : NULL;
        if (a->delegate && !note) {
                fprintf(stderr, _("done: out of memory\n"));
                store_close(s);
                return 1;
        }
        CompletionInput in = {.occ = &occ,
                              .done_by = by >= 0 ? c->people[by].id : NULL,
                              .date = date,
                              .note = a->delegate ? note : a->note,
                              .evidence = a->evidence,
                              .source = "dutyctl"};
        r = completion_add(s, c, &in, &id);
        if (r < 0)
                fprintf(stderr, _("done: cannot record it: %s\n"), store_errmsg(s));
        else {
                if (by >= 0)
                        printf(_("Recorded (no. %lld), done by %s\n"), (long long)id,
                               c->people[by].name);
                else
                        printf(_("Recorded (no. %lld)\n"), (long long)id);
                if (occ.event)
                        ctl_event_progress(c, s, &occ);
                else
                        print_progress(c, s, &occ, ctl_today(c));
        }
        store_close(s);
        return r < 0 ? 1 : 0;
}

int verb_done(int argc, char **argv) {
        static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                             {"person", required_argument, NULL, 'p'},
                                             {"post", required_argument, NULL, 'P'},
                                             {"date", required_argument, NULL, 'd'},
                                             {"note", required_argument, NULL, 'n'},
                                             {"evidence", required_argument, NULL, 'e'},
                                             {"delegate", required_argument, NULL, 'D'},
                                             {}};
        DoneArgs a = {0};
        int o;
        while ((o = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                switch (o) {
                case 'h':
                        printf(_(
                                "Usage: dutyctl done OCCURRENCE|DUTY [--person ID] [--post ID] [--date YYYY-MM-DD]\n"
                                "                 [--note TEXT] [--evidence URL] [--delegate NAME]\n"
                                "Record a completion (it counts toward the earliest open checkpoint of its\n"
                                "period; after the deadline it is recorded as late). A duty whose rule says\n"
                                "或委托 may be done by a delegate (--delegate NAME, written in the note); one\n"
                                "that says 亲自 only by a person who holds the post that day.\n"));
                        return 0;
                case 'p': a.person = optarg; break;
                case 'P': a.post = optarg; break;
                case 'd': a.date = optarg; break;
                case 'n': a.note = optarg; break;
                case 'e': a.evidence = optarg; break;
                case 'D': a.delegate = optarg; break;
                default: return EXIT_USAGE;
                }
        }
        if (optind != argc - 1) {
                fprintf(stderr, _("done: which occurrence or duty? (dutyctl done --help)\n"));
                return EXIT_USAGE;
        }
        a.target = argv[optind];
        return ctl_with_config(run_done, &a);
}

int verb_undo(int argc, char **argv) {
        static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {}};
        int o;
        while ((o = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                if (o == 'h') {
                        printf(_(
                                "Usage: dutyctl undo [NUMBER]\nWithdraw a completion (default: the "
                                "latest); it stays in the record, marked withdrawn.\n"));
                        return 0;
                }
                return EXIT_USAGE;
        }
        long long id = 0;
        if (optind < argc) {
                char *end;
                id = strtoll(argv[optind], &end, 10);
                if (*end || id <= 0 || optind + 1 < argc) {
                        fprintf(stderr, _("undo: the number must be a positive whole number\n"));
                        return EXIT_USAGE;
                }
        }
        Config *c = NULL;
        Store *s = NULL;
        int r = load_records(&c, &s);
        if (r)
                return r;
        int64_t undone = 0;
        r = completion_undo(s, id, &undone);
        if (r == -ENOENT)
                fputs(id ? _("undo: nothing to withdraw (no such number, or already withdrawn)\n")
                         : _("undo: nothing to withdraw\n"),
                      stderr);
        else if (r < 0)
                fprintf(stderr, _("undo: failed: %s\n"), store_errmsg(s));
        else
                printf(_("Withdrawn: record %lld\n"), (long long)undone);
        store_close(s);
        config_free(c);
        return r < 0 ? 1 : 0;
}

static const char *person_name(const Config *c, const char *id) {
        ssize_t i = id ? config_find_person(c, id) : -1;
        return i >= 0 ? c->people[i].name : id ? id : "";
}

/* The evidence column: the link given to `done`, the files uploaded in the console, and who
 * entered it there ("王文书登记"). malloc'd; NULL when there is nothing to say or no memory. */
static char *evidence_cell(const Config *c, const Completion *x) {
        Buf b = {0};
        if (x->evidence && *x->evidence)
                buf_puts(&b, x->evidence);
        if (x->files && *x->files)
                buf_printf(&b, "%s%s", b.len ? "; " : "", x->files);
        if (x->recorded_by)
                buf_printf(&b, _("%s(entered by %s)"), b.len ? " " : "",
                           person_name(c, x->recorded_by));
        return buf_steal(&b);
}

int verb_history(int argc, char **argv) {
        static const struct option opts[] = {
                {"help", no_argument, NULL, 'h'},       {"person", required_argument, NULL, 'p'},
                {"post", required_argument, NULL, 'P'}, {"duty", required_argument, NULL, 'd'},
                {"all", no_argument, NULL, 'a'},        {}};
        const char *person = NULL, *post = NULL, *duty = NULL;
        bool all = false;
        int o;
        while ((o = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                switch (o) {
                case 'h':
                        printf(_(
                                "Usage: dutyctl history [--person ID] [--post ID] [--duty ID] [--all]\n"
                                "List the completions recorded (--all: with the withdrawn ones).\n"));
                        return 0;
                case 'p': person = optarg; break;
                case 'P': post = optarg; break;
                case 'd': duty = optarg; break;
                case 'a': all = true; break;
                default: return EXIT_USAGE;
                }
        }
        Config *c = NULL;
        Store *s = NULL;
        int r = load_records(&c, &s);
        if (r)
                return r;
        Completion *v = NULL;
        size_t n = 0;
        r = completion_list(s, all, &v, &n);
        static const char *const hdr_en[] = {N_("No."),  N_("Date"),     N_("Post"),
                                             N_("Duty"), N_("Period"),   N_("Done by"),
                                             N_("Note"), N_("Evidence"), N_("Status")};
        const char *hdr[ELEMENTSOF(hdr_en)];
        table_translate(hdr, hdr_en, ELEMENTSOF(hdr));
        Table *t = r == 0 ? table_new(ELEMENTSOF(hdr), hdr) : NULL;
        if (r == 0 && !t)
                r = -ENOMEM;
        for (size_t i = 0; r == 0 && i < n; i++) {
                Completion *x = &v[i];
                if ((person && !streq_ptr(x->done_by, person) && !streq(x->person, person)) ||
                    (post && !streq(x->post, post)) || (duty && !streq(x->duty, duty)))
                        continue;
                char id[24], date[11];
                snprintf(id, sizeof(id), "%lld", (long long)x->id);
                day_format(x->date, date);
                ssize_t pi = config_find_post(c, x->post), di = config_find_duty(c, x->duty);
                _cleanup_free_ char *evidence = evidence_cell(c, x);
                const char *cells[] = {id,
                                       date,
                                       pi >= 0 ? c->posts[pi].name : x->post,
                                       di >= 0 ? c->duties[di].title : x->duty,
                                       x->period,
                                       person_name(c, x->done_by),
                                       x->note,
                                       evidence ? evidence : "",
                                       x->undone_at ? _("withdrawn") : _("valid")};
                r = table_add(t, cells);
        }
        if (r == 0 && table_rows(t))
                table_print(t, stdout);
        else if (r == 0)
                printf(_("No completion is recorded.\n"));
        if (r == 0 && !person && !post && !duty)
                r = ctl_event_history(c, s);
        if (r < 0)
                fprintf(stderr, _("history: failed\n"));
        table_free(t);
        completion_list_free(v, n);
        store_close(s);
        config_free(c);
        return r < 0 ? 1 : 0;
}
