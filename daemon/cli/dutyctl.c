/* dutyctl.c — the command-line companion: validate the schedule, list what is due, and (through
 * the verbs of ctl-*.c) manage feeds, deliveries and records. Built twice: `dutyctl-full` with
 * every verb, and with DUTYCTL_LITE the `dutyctl` people run, whose verbs that need the network
 * and workbook libraries run dutyctl-full (ctl-verbs.h). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "completion.h"
#include "config.h"
#include "ctl.h"
#include "ctl-upcoming.h"
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
        ctl_parse_config = true;
        return ctl_with_config(run_check, &a);
}

/* ---- dutyctl-full ----------------------------------------------------------------------- */

#ifdef DUTYCTL_LITE
static char *arg_program; /* argv[0], as given */

/* dutyctl-full's path: beside this program (a build tree), else in DUTYD_LIBEXECDIR. */
static void full_path(char *buf, size_t n) {
        char self[PATH_MAX];
        ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);
        char *slash = k > 0 ? memrchr(self, '/', (size_t)k) : NULL;
        if (slash) {
                *slash = 0;
                int len = snprintf(buf, n, "%s/dutyctl-full", self);
                if (len > 0 && (size_t)len < n && access(buf, X_OK) == 0)
                        return;
        }
        snprintf(buf, n, "%s", DUTYD_LIBEXECDIR "/dutyctl-full");
}

/* A verb of dutyctl-full: runs it with the same configuration and the verb's arguments
 * (argv[0] is the verb); returns only when it cannot be run. */
int ctl_run_full(int argc, char **argv) {
        char path[PATH_MAX];
        full_path(path, sizeof(path));
        _cleanup_free_ char **args = calloc((size_t)argc + 4, sizeof(char *));
        if (!args) {
                fprintf(stderr, "dutyctl: %s\n", strerror(ENOMEM));
                return 1;
        }
        size_t k = 0;
        args[k++] = arg_program;
        if (arg_config) {
                args[k++] = (char *)"--config";
                args[k++] = (char *)arg_config;
        }
        memcpy(args + k, argv, (size_t)argc * sizeof(char *));
        execv(path, args);
        fprintf(stderr, _("dutyctl: %s needs %s: %s\n"), argv[0], path, strerror(errno));
        return 1;
}
#endif

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
#ifdef DUTYCTL_LITE
        arg_program = argv[0];
#endif
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
