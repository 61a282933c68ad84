/* dutyctl.c — the command-line companion: validate the schedule, list what is due, and (through
 * the verbs of ctl-*.c) manage feeds, deliveries and records. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "completion.h"
#include "config.h"
#include "ctl.h"
#include "ctl-verbs.h"
#include "holidays.h"
#include "i18n.h"
#include "load.h"
#include "log.h"
#include "schedule.h"
#include "table.h"
#include "tz.h"
#include "util.h"

static int verb_help(int argc, char **argv);

/* ---- check -------------------------------------------------------------------------------- */

/* The calendar's years with data ("2025、2026") or the provisional ones, consecutive years as one
 * run ("2027–2036"), after `lead`. Returns how many there are. */
static size_t print_years(const Calendar *cal, bool provisional, const char *lead) {
        size_t n = 0;
        for (size_t i = 0; i < cal->n_years; i++) {
                const CalendarYear *y = &cal->years[i];
                if (y->provisional != provisional)
                        continue;
                bool next = i + 1 < cal->n_years && cal->years[i + 1].provisional == provisional &&
                            cal->years[i + 1].year == y->year + 1;
                bool prev = n && cal->years[i - 1].provisional == provisional &&
                            cal->years[i - 1].year == y->year - 1;
                if (!provisional || !prev)
                        printf("%s%d", n ? _(", ") : lead, y->year);
                else if (!next)
                        printf("–%d", y->year);
                n++;
        }
        return n;
}

typedef struct CheckArgs {
        bool secrets, explain;
} CheckArgs;

static int run_check(Config *c, const void *args) {
        const CheckArgs *opt = args;
        if (opt->secrets) {
                Diags d = {0};
                int q = config_load_secrets(c, &d);
                diags_print(&d, stderr);
                diags_done(&d);
                if (q < 0)
                        return EXIT_CONFIG;
        }
        Day today = ctl_today(c);
        size_t n_occ = 0;
        int r = schedule_count(c, today, today + 365, &n_occ);
        size_t events = 0;
        for (size_t i = 0; i < c->n_duties; i++)
                events += c->duties[i].event != NULL;
        char a[11], b[11];
        day_format(today, a);
        day_format(today + 365, b);
        printf(_("configuration is valid: %s\n"), c->path);
        printf(_("organization: %s (%s)\n"), c->org_name, c->timezone);
        printf(_("posts: %zu, people: %zu, duties: %zu (for events: %zu), documents: %zu, channels: %zu, routes: %zu\n"),
               c->n_posts, c->n_people, c->n_duties, events, c->n_documents, c->n_channels,
               c->n_routes);
        printf(_("occurrences due in the next 12 months: %zu (%s to %s)\n"), r < 0 ? 0 : n_occ, a,
               b);
        printf(_("holiday data: "));
        size_t n_data = print_years(c->calendar, false, "");
        print_years(c->calendar, true,
                    n_data ? _("; provisional (statutory holidays only) ")
                           : _("provisional (statutory holidays only) "));
        printf("%s\n", c->calendar->n_years ? "" : _("none"));
        if (opt->explain)
                ctl_explain_duties(c, today);
        return r < 0 ? 1 : 0;
}

static int verb_check(int argc, char **argv) {
        static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                             {"secrets", no_argument, NULL, 's'},
                                             {"explain", no_argument, NULL, 'e'},
                                             {}};
        CheckArgs a = {0};
        int o;
        while ((o = getopt_long(argc, argv, "hse", opts, NULL)) >= 0) {
                switch (o) {
                case 'h':
                        printf(_(
                                "Usage: dutyctl check [-c FILE] [--secrets] [--explain]\n"
                                "Validate the configuration (main file, conf.d/*.yaml, holiday data) and\n"
                                "print a summary.\n"
                                "  --secrets  also check that every channel's secret file/credential is readable\n"
                                "  --explain  say for every duty how its rule is understood and its next deadlines\n"
                                "Errors are listed as FILE:LINE:COLUMN: message, exit status 78.\n"));
                        return 0;
                case 's': a.secrets = true; break;
                case 'e': a.explain = true; break;
                default: return EXIT_USAGE;
                }
        }
        ctl_show_warnings = true;
        return ctl_with_config(run_check, &a);
}

/* ---- upcoming ----------------------------------------------------------------------------- */

static char *holder_names(const Config *c, const Occurrence *o) {
        size_t h[MAX_POST_HOLDERS];
        return people_names(c, h, occurrence_holders(c, o, o->due, h, ELEMENTSOF(h)));
}

/* The record of completions, when this machine has the daemon's state (else NULL: statuses are
 * simply not shown). */
static Ledger *load_ledger(const Config *c) {
        _cleanup_free_ char *db = strfmt("%s/state.db", ctl_state_dir(c));
        Store *s = NULL;
        Ledger *l = NULL;
        if (!db || access(db, R_OK) < 0 || ctl_open_store(c, &s))
                return NULL;
        if (ledger_load(s, &l) < 0)
                l = NULL;
        store_close(s);
        return l;
}

/* Machine and translated names of an occurrence's state (the table leaves an open one blank). */
static const char *status_of(const Config *c, const Ledger *l, const Occurrence *o, Day today,
                             bool zh) {
        OccStatus st;
        ledger_status(l, c, o, today, &st);
        if (!zh)
                return occ_status_key(&st);
        return occ_state(&st) == OCC_OPEN ? "" : ctl_status_text(&st);
}

static int print_json(const Config *c, const Occurrence *o, const char *status) {
        char id[OCCURRENCE_ID_MAX], pid[96], due[11], nominal[11];
        occurrence_id(c, o, id, sizeof(id));
        occurrence_period_id(c, o, pid, sizeof(pid));
        day_format(o->due, due);
        day_format(o->nominal, nominal);
        const Duty *d = &c->duties[o->duty];
        _cleanup_free_ char *basis = duty_basis(c, d);
        json_t *holders = json_array();
        size_t h[MAX_POST_HOLDERS];
        size_t n = occurrence_holders(c, o, o->due, h, ELEMENTSOF(h));
        for (size_t i = 0; holders && i < n; i++)
                json_array_append_new(holders, json_pack("{s:s,s:s}", "id", c->people[h[i]].id,
                                                         "name", c->people[h[i]].name));
        json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:i,s:i,s:s,s:s,s:o,s:s}", "id", id,
                              "duty", d->id, "post", c->posts[o->post].id, "post_name",
                              c->posts[o->post].name, "title", d->title, "kind",
                              duty_kind_to_string(d->kind), "period", pid, "checkpoint",
                              (int)o->checkpoint, "of", (int)o->of, "required", (int)o->required,
                              "due", due, "nominal", nominal, "holders",
                              holders ? holders : json_null(), "basis", basis ? basis : "");
        if (j && status)
                json_object_set_new(j, "status", json_string(status));
        if (j && o->due_minute) { /* the deadline's time of day, when the rule gives one */
                char t[RULE_TIME_MAX];
                rule_time(o->due_minute, t);
                json_object_set_new(j, "due_time", json_string(t));
        }
        if (!j)
                return -ENOMEM;
        char *s = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        if (!s)
                return -ENOMEM;
        puts(s);
        free(s);
        return 0;
}

#define UPCOMING_COLS 9

/* One row of the listing: what each of its cells needs beyond the config, and the cells. */
typedef struct UpcomingRow {
        char date[32], cp[32], pid[96], id[OCCURRENCE_ID_MAX];
        char *holders, *basis;
        const char *cells[UPCOMING_COLS];
} UpcomingRow;

static int upcoming_row(UpcomingRow *r, const Config *c, const Occurrence *o, const char *status) {
        char due[11], t[RULE_TIME_MAX] = "";
        day_format(o->due, due);
        if (o->due_minute)
                rule_time(o->due_minute, t);
        int k = snprintf(r->date, sizeof(r->date), _("%s (%s)"), due, ctl_weekday(o->due));
        if (k > 0 && (size_t)k < sizeof(r->date))
                snprintf(r->date + k, sizeof(r->date) - (size_t)k, "%s", t);
        occurrence_period_id(c, o, r->pid, sizeof(r->pid));
        if (o->required > 1)
                snprintf(r->cp, sizeof(r->cp), P_("%u time", "%u times", o->required), o->required);
        else
                snprintf(r->cp, sizeof(r->cp), _("%u of %u"), o->checkpoint, o->of);
        const Duty *d = &c->duties[o->duty];
        r->holders = holder_names(c, o);
        r->basis = duty_basis(c, d);
        occurrence_id(c, o, r->id, sizeof(r->id));
        const char *cells[UPCOMING_COLS] = {r->date,
                                            c->posts[o->post].name,
                                            d->title,
                                            r->cp,
                                            r->pid,
                                            r->holders && *r->holders ? r->holders : _("(vacant)"),
                                            status ? status : "",
                                            r->basis,
                                            r->id};
        memcpy(r->cells, cells, sizeof(cells));
        return r->holders && r->basis ? 0 : -ENOMEM;
}

static void upcoming_row_done(UpcomingRow *r) {
        free(r->holders);
        free(r->basis);
}

/* Walks the occurrences of [from, to] in schedule_plan()'s order, planned a month at a time:
 * the order is by deadline first, so the slices concatenate into the same sequence, and no
 * more than a month is ever held (a province's year is ten million occurrences; smaller sorts
 * are faster too). `fn` returning < 0 stops the walk. */
#define UPCOMING_SLICE_DAYS 31

typedef int (*OccurrenceFn)(void *userdata, const Occurrence *o);

static int walk_occurrences(const Config *c, Day from, Day to, PlanFilter f, OccurrenceFn fn,
                            void *userdata) {
        OccurrenceList l = {0};
        int r = 0;
        for (Day a = from; r == 0 && a <= to; a += UPCOMING_SLICE_DAYS) {
                Day b = to - a < UPCOMING_SLICE_DAYS ? to : a + UPCOMING_SLICE_DAYS - 1;
                l.n = 0;
                r = schedule_plan(c, a, b, f, &l);
                for (size_t i = 0; r == 0 && i < l.n; i++)
                        r = fn(userdata, &l.items[i]);
        }
        occurrence_list_done(&l);
        /* The deadlines of events come last (their own order). */
        return r < 0 ? r : ctl_event_walk(c, from, to, f, fn, userdata);
}

typedef struct Listing {
        const Config *c;
        const Ledger *ledger;
        Day today;
        int pass; /* table: 0 measures, 1 prints */
        size_t rows;
        int w[UPCOMING_COLS];
} Listing;

static const char *listing_status(const Listing *x, const Occurrence *o, bool zh) {
        return x->ledger ? status_of(x->c, x->ledger, o, x->today, zh) : NULL;
}

static int table_row_fn(void *userdata, const Occurrence *o) {
        Listing *x = userdata;
        UpcomingRow r = {0};
        int q = upcoming_row(&r, x->c, o, listing_status(x, o, true));
        if (q == 0 && x->pass == 0)
                table_widths(x->w, UPCOMING_COLS, r.cells);
        else if (q == 0)
                table_print_row(stdout, x->w, UPCOMING_COLS, r.cells);
        upcoming_row_done(&r);
        x->rows++;
        return q;
}

static int json_row_fn(void *userdata, const Occurrence *o) {
        Listing *x = userdata;
        return print_json(x->c, o, listing_status(x, o, false));
}

/* The aligned table, streamed: a first walk for the column widths, a second that prints the
 * rows; no row is kept. */
static int print_upcoming_table(Listing *x, Day from, Day to, PlanFilter f) {
        static const char *const hdr_en[UPCOMING_COLS] = {N_("Due"),    N_("Post"),   N_("Duty"),
                                                          N_("Count"),  N_("Period"), N_("Holders"),
                                                          N_("Status"), N_("Basis"),  N_("ID")};
        const char *hdr[UPCOMING_COLS];
        table_translate(hdr, hdr_en, UPCOMING_COLS);
        table_widths(x->w, UPCOMING_COLS, hdr);
        int r = walk_occurrences(x->c, from, to, f, table_row_fn, x);
        if (r < 0)
                return r;
        if (x->rows == 0) {
                printf(_("Nothing is due in that period.\n"));
                return 0;
        }
        x->pass = 1;
        table_print_row(stdout, x->w, UPCOMING_COLS, hdr);
        return walk_occurrences(x->c, from, to, f, table_row_fn, x);
}

static int parse_day_arg(const char *s, const char *opt, Day *ret) {
        Day d = day_parse(s);
        if (d == DAY_INVALID) {
                fprintf(stderr, _("%s: a date is written YYYY-MM-DD: %s\n"), opt, s);
                return -EINVAL;
        }
        *ret = d;
        return 0;
}

typedef struct UpcomingArgs {
        const char *from, *to, *post, *person, *duty;
        bool json;
} UpcomingArgs;

/* --post, --person and --duty as a filter; -ENOENT (said) for an unknown id. */
static int upcoming_filter(const Config *c, const UpcomingArgs *a, PlanFilter *ret) {
        PlanFilter f = PLAN_FILTER_ALL;
        if (a->post && (f.post = config_find_post(c, a->post)) < 0) {
                fprintf(stderr, _("upcoming: no post '%s'\n"), a->post);
                return -ENOENT;
        }
        if (a->person && (f.person = config_find_person(c, a->person)) < 0) {
                fprintf(stderr, _("upcoming: no person '%s'\n"), a->person);
                return -ENOENT;
        }
        if (a->duty && (f.duty = config_find_duty(c, a->duty)) < 0) {
                fprintf(stderr, _("upcoming: no duty '%s'\n"), a->duty);
                return -ENOENT;
        }
        *ret = f;
        return 0;
}

static int run_upcoming(Config *c, const void *args) {
        const UpcomingArgs *a = args;
        Day from = ctl_today(c), to;
        if (a->from && parse_day_arg(a->from, "--from", &from) < 0)
                return EXIT_USAGE;
        to = from + 90;
        if (a->to && parse_day_arg(a->to, "--to", &to) < 0)
                return EXIT_USAGE;
        PlanFilter f;
        if (upcoming_filter(c, a, &f) < 0)
                return 1;
        _cleanup_free_ char *note = NULL;
        if (holidays_provisional_note(c->calendar, from, to, &note) == 0 && note)
                fprintf(stderr, _("warning: %s\n"), note);
        Ledger *ledger = load_ledger(c);
        Listing x = {.c = c, .ledger = ledger, .today = ctl_today(c)};
        int r = a->json ? walk_occurrences(c, from, to, f, json_row_fn, &x)
                        : print_upcoming_table(&x, from, to, f);
        ledger_free(ledger);
        if (r < 0)
                fprintf(stderr, "upcoming: %s\n", strerror(-r));
        return r < 0 ? 1 : 0;
}

static int verb_upcoming(int argc, char **argv) {
        static const struct option opts[] = {
                {"help", no_argument, NULL, 'h'},         {"from", required_argument, NULL, 'f'},
                {"to", required_argument, NULL, 't'},     {"post", required_argument, NULL, 'p'},
                {"person", required_argument, NULL, 'P'}, {"duty", required_argument, NULL, 'd'},
                {"json", no_argument, NULL, 'j'},         {}};
        UpcomingArgs a = {0};
        int o;
        while ((o = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                switch (o) {
                case 'h':
                        printf(_(
                                "Usage: dutyctl upcoming [-c FILE] [--from DATE] [--to DATE] [--post ID]\n"
                                "                        [--person ID] [--duty ID] [--json]\n"
                                "List the occurrences by deadline (default: today and the next 90 days).\n"
                                "  --json  one JSON object a line (id duty post title period checkpoint of due\n"
                                "          holders basis …; with the state database also status: done late\n"
                                "          overdue partial open)\n"
                                "With the state database (dutyd's state.db) each occurrence's status is shown.\n"));
                        return 0;
                case 'f': a.from = optarg; break;
                case 't': a.to = optarg; break;
                case 'p': a.post = optarg; break;
                case 'P': a.person = optarg; break;
                case 'd': a.duty = optarg; break;
                case 'j': a.json = true; break;
                default: return EXIT_USAGE;
                }
        }
        if (optind < argc) {
                fprintf(stderr, _("upcoming: unexpected argument: %s\n"), argv[optind]);
                return EXIT_USAGE;
        }
        return ctl_with_config(run_upcoming, &a);
}

/* ---- verb table ------------------------------------------------------------------------- */

typedef struct Verb {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *help;
} Verb;

static const Verb verbs[] = {
        {"check", verb_check, N_("check the configuration and print a summary")},
        {"upcoming", verb_upcoming, N_("list the occurrences by deadline")},
        CTL_EXTRA_VERBS{"help", verb_help, N_("show this help")},
};

static int verb_help(int argc, char **argv) {
        (void)argc, (void)argv;
        printf(_("Usage: dutyctl [-c FILE] COMMAND [OPTIONS]\n\nCommands:\n"));
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                printf("  %-10s %s\n", verbs[i].name, _(verbs[i].help));
        printf(_("\nThe configuration: -c FILE, else $DUTYD_CONFIG, else %s/dutyd/dutyd.yaml\n"
                 "Every command takes --help; dutyctl --version prints the version.\n"),
               DUTYD_SYSCONFDIR);
        return 0;
}

/* Takes -c FILE / --config FILE / --config=FILE from anywhere before "--". */
static int take_config_option(int *argc, char **argv) {
        int k = 1;
        for (int i = 1; i < *argc; i++) {
                const char *a = argv[i];
                if (streq(a, "--")) {
                        while (i < *argc)
                                argv[k++] = argv[i++];
                        break;
                }
                if (streq(a, "-c") || streq(a, "--config")) {
                        if (i + 1 >= *argc) {
                                fprintf(stderr, _("dutyctl: %s needs a file name\n"), a);
                                return -EINVAL;
                        }
                        arg_config = argv[++i];
                        continue;
                }
                if (strncmp(a, "--config=", 9) == 0) {
                        arg_config = a + 9;
                        continue;
                }
                argv[k++] = argv[i];
        }
        *argc = k;
        argv[k] = NULL;
        return 0;
}

int main(int argc, char **argv) {
        i18n_setup();
        log_setup("dutyctl"); /* what `dutyctl raise` writes to the journal is dutyctl's */
        if (take_config_option(&argc, argv) < 0)
                return EXIT_USAGE;
        if (argc >= 2 && (streq(argv[1], "--version") || streq(argv[1], "-V"))) {
                puts("dutyctl " DUTYD_VERSION);
                return 0;
        }
        if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h"))
                return verb_help(0, NULL) == 0 && argc >= 2 ? 0 : (argc < 2 ? EXIT_USAGE : 0);
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(argv[1], verbs[i].name)) {
                        optind = 1;
                        return verbs[i].run(argc - 1, argv + 1);
                }
        fprintf(stderr, _("dutyctl: unknown command '%s' (dutyctl help lists them)\n"), argv[1]);
        return EXIT_USAGE;
}
