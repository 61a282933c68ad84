/* dutyd.c — the daemon: `dutyd [-c FILE]` runs in the foreground (systemd Type=notify);
 * `dutyd --check-config` validates and exits (78 on errors). */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "clock.h"
#include "config.h"
#include "load.h"
#include "log.h"
#include "manager.h"
#include "tz.h"

#define EXIT_CONFIG 78

static int check_config(const char *path) {
        Diags d = {0};
        Config *c = NULL;
        (void)tz_use(DEFAULT_TIMEZONE);
        int r = config_load(path, tz_day(clock_now()), &c, &d);
        if (r == 0 && config_load_secrets(c, &d) < 0)
                r = -EINVAL;
        diags_print(&d, stderr);
        if (r == 0)
                printf(_("%s: the configuration is valid\n"), path);
        diags_done(&d);
        config_free(c);
        return r < 0 ? EXIT_CONFIG : 0;
}

int main(int argc, char **argv) {
        static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                             {"check-config", no_argument, NULL, 'n'},
                                             {"help", no_argument, NULL, 'h'},
                                             {"version", no_argument, NULL, 'V'},
                                             {}};
        const char *path = NULL;
        bool check = false;
        int o;
        i18n_setup();
        while ((o = getopt_long(argc, argv, "c:nhV", opts, NULL)) >= 0) {
                switch (o) {
                case 'c': path = optarg; break;
                case 'n': check = true; break;
                case 'h':
                        printf(_("Usage: dutyd [-c FILE] [--check-config]\n"
                                 "The work-safety duty reminder service: computes what is due, sends\n"
                                 "reminders, serves calendar feeds.\n"
                                 "  -c, --config FILE   the configuration (default $DUTYD_CONFIG or\n"
                                 "                      %s/dutyd/dutyd.yaml)\n"
                                 "  -n, --check-config  only check the configuration (with the secret\n"
                                 "                      files), then exit; 78 on errors\n"
                                 "  -V, --version       print the version\n"
                                 "Runs under systemd as Type=notify; SIGHUP reloads the configuration,\n"
                                 "SIGTERM stops.\n"),
                               DUTYD_SYSCONFDIR);
                        return 0;
                case 'V': puts("dutyd " DUTYD_VERSION); return 0;
                default: return 2;
                }
        }
        if (optind < argc) {
                fprintf(stderr, _("dutyd: unexpected argument: %s\n"), argv[optind]);
                return 2;
        }
        if (!path)
                path = config_default_path();
        if (check)
                return check_config(path);
        log_setup("dutyd");
        Manager *m = NULL;
        int r = manager_new(path, &m);
        if (r == -EINVAL)
                return EXIT_CONFIG;
        if (r < 0) {
                log_error(_("cannot start: %s"), strerror(-r));
                return 1;
        }
        r = manager_run(m);
        manager_free(m);
        return r;
}
