/* ctl-console.c — `dutyctl console-link`. See ctl-console.h. */
#include "ctl-console.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "consolelink.h"
#include "ctl.h"
#include "i18n.h"
#include "store.h"
#include "table.h"
#include "tz.h"
#include "util.h"

typedef enum LinkAction { LINK_MAKE, LINK_REVOKE, LINK_LIST } LinkAction;

typedef struct LinkArgs {
        LinkAction action;
        const char *person;
} LinkArgs;

static int make_link(const Config *c, Store *s, const char *person) {
        char token[FEEDTOKEN_LEN + 1];
        int r = consolelink_make(s, person, token);
        if (r < 0) {
                fprintf(stderr, _("console-link: failed: %s\n"), store_strerror(s, r));
                return 1;
        }
        _cleanup_free_ char *served = NULL;
        (void)store_meta_get(s, META_SERVED_ADDRESS, &served);
        _cleanup_free_ char *path = strfmt("/console/%s/", token);
        _cleanup_free_ char *url = path ? config_server_url(c, served, path) : NULL;
        if (!url)
                return 1;
        printf("%s\n", url);
        ssize_t p = config_find_person(c, person);
        fprintf(stderr,
                _("Give this link to %s only: whoever holds it can record completions in their "
                  "name. dutyctl console-link --revoke %s ends it.\n"),
                p >= 0 ? c->people[p].name : person, person);
        return 0;
}

static int list_links(const Config *c, Store *s) {
        ConsoleLink *v = NULL;
        size_t n = 0;
        int r = consolelink_list(s, &v, &n);
        static const char *const hdr_en[] = {N_("No."), N_("Person"), N_("Created"), N_("Status")};
        const char *hdr[ELEMENTSOF(hdr_en)];
        table_translate(hdr, hdr_en, ELEMENTSOF(hdr));
        Table *t = r == 0 ? table_new(ELEMENTSOF(hdr), hdr) : NULL;
        if (r == 0 && !t)
                r = -ENOMEM;
        for (size_t i = 0; r == 0 && i < n; i++) {
                char id[24], created[17], revoked[17], status[64];
                snprintf(id, sizeof(id), "%lld", (long long)v[i].id);
                tz_format((time_t)v[i].created, created);
                tz_format((time_t)v[i].revoked_at, revoked);
                snprintf(status, sizeof(status), v[i].revoked_at ? _("revoked %s") : _("valid"),
                         revoked);
                ssize_t p = config_find_person(c, v[i].person);
                const char *cells[] = {id, p >= 0 ? c->people[p].name : v[i].person, created,
                                       status};
                r = table_add(t, cells);
        }
        if (r == 0 && n)
                table_print(t, stdout);
        else if (r == 0)
                printf(_("No console link has been made.\n"));
        else
                fprintf(stderr, _("console-link: failed: %s\n"), store_strerror(s, r));
        table_free(t);
        consolelink_list_free(v, n);
        return r < 0 ? 1 : 0;
}

static int run_link(Config *c, const void *args) {
        const LinkArgs *a = args;
        if (a->person && config_find_person(c, a->person) < 0) {
                fprintf(stderr, _("console-link: no person %s in the config\n"), a->person);
                return 1;
        }
        Store *s = NULL;
        if (ctl_open_store(c, &s))
                return 1;
        int r = 0, n = 0;
        if (a->action == LINK_MAKE)
                r = make_link(c, s, a->person);
        else if (a->action == LINK_LIST)
                r = list_links(c, s);
        else if ((r = consolelink_revoke(s, a->person, &n)) < 0) {
                fprintf(stderr, _("console-link: failed: %s\n"), store_strerror(s, r));
                r = 1;
        } else
                printf(P_("%d link of %s revoked.\n", "%d links of %s revoked.\n", n), n,
                       a->person);
        store_close(s);
        return r;
}

int verb_console_link(int argc, char **argv) {
        static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                             {"revoke", no_argument, NULL, 'r'},
                                             {"list", no_argument, NULL, 'l'},
                                             {}};
        LinkArgs a = {LINK_MAKE, NULL};
        int o;
        while ((o = getopt_long(argc, argv, "hrl", opts, NULL)) >= 0) {
                switch (o) {
                case 'h':
                        printf("%s", _("Usage: dutyctl console-link PERSON\n"
                                       "       dutyctl console-link --revoke PERSON\n"
                                       "       dutyctl console-link --list\n"
                                       "Makes a clerk's secret link to the console (printed "
                                       "once), revokes a person's links, or lists them.\n"));
                        return 0;
                case 'r': a.action = LINK_REVOKE; break;
                case 'l': a.action = LINK_LIST; break;
                default: return EXIT_USAGE;
                }
        }
        int want = a.action == LINK_LIST ? 0 : 1;
        if (argc - optind != want) {
                fprintf(stderr, "%s",
                        _("console-link: needs a person's id, or --list (dutyctl console-link "
                          "--help)\n"));
                return EXIT_USAGE;
        }
        a.person = want ? argv[optind] : NULL;
        return ctl_with_config(run_link, &a);
}
