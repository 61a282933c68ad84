/* ctl.c — see ctl.h. */
#include "ctl.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "completion.h"
#include "load.h"
#include "snapshot.h"
#include "i18n.h"
#include "store.h"

#include "tz.h"
#include "util.h"

const char *arg_config = NULL;
bool ctl_show_warnings = false;
bool ctl_parse_config = false;

/* The compiled config when it is current, else the YAML, compiled for the next run. */
static int load_compiled(const char *path, Day today, Config **ret, Diags *d) {
        if (!ctl_parse_config && snapshot_load(path, today, ret, d) == 0)
                return 0;
        int r = config_load(path, today, ret, d);
        if (r == 0 && !ctl_parse_config)
                (void)snapshot_save(path, *ret, today, d); /* a cache: best effort, silent */
        return r;
}

int ctl_load_config(Config **ret) {
        const char *path = arg_config ? arg_config : config_default_path();
        Diags d = {0};
        /* The zone is needed for "today" before the config is known: take the default first. */
        (void)tz_use(DEFAULT_TIMEZONE);
        Day today = tz_day(clock_now());
        if (clock_error())
                fprintf(stderr, "dutyctl: %s\n", clock_error());
        int r = load_compiled(path, today, ret, &d);
        Diags shown = {0};
        for (size_t i = 0; i < d.n; i++)
                if (!d.items[i].warning || ctl_show_warnings)
                        diags_add_text(&shown, d.items[i].warning, d.items[i].file, d.items[i].line,
                                       d.items[i].column, d.items[i].msg);
        diags_print(&shown, stderr);
        diags_done(&shown);
        if (r < 0)
                fprintf(stderr,
                        P_("%s: the configuration is invalid, %zu error\n",
                           "%s: the configuration is invalid, %zu errors\n", d.n_errors),
                        path, d.n_errors);
        diags_done(&d);
        if (r < 0)
                return EXIT_CONFIG;
        if (tz_use((*ret)->timezone) < 0) {
                fprintf(stderr, _("%s: cannot use the time zone %s\n"), path, (*ret)->timezone);
                *ret = config_free(*ret);
                return EXIT_CONFIG;
        }
        return 0;
}

int ctl_with_config(CtlRun run, const void *args) {
        Config *c = NULL;
        int r = ctl_load_config(&c);
        if (r == 0)
                r = run(c, args);
        config_free(c);
        return r;
}

Day ctl_today(const Config *c) {
        (void)c;
        return tz_day(clock_now());
}

const char *ctl_weekday(Day d) {
        static const char *const wd[] = {N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"),
                                         N_("Fri"), N_("Sat"), N_("Sun")};
        return _(wd[day_weekday(d) - 1]);
}

/* A county's year is 15 MB of table: stdio's own buffer for a file or a pipe (4 KiB, the
 * block size) made 3,700 writes of it, a tenth of `upcoming`; 64 KiB still fits the cache. */
void ctl_bulk_output(void) {
        static char buf[64 * 1024];
        if (!isatty(STDOUT_FILENO))
                (void)setvbuf(stdout, buf, _IOFBF, sizeof(buf));
}

const char *ctl_state_text(OccState s) {
        static const char *const text[_OCC_STATE_MAX] = {[OCC_OPEN] = N_("open"),
                                                         [OCC_PARTIAL] = N_("partly done"),
                                                         [OCC_OVERDUE] = N_("overdue"),
                                                         [OCC_MET] = N_("done"),
                                                         [OCC_MET_LATE] = N_("done late")};
        return _(text[s]);
}

const char *ctl_status_text(const OccStatus *st) {
        return ctl_state_text(occ_state(st));
}

const char *ctl_state_dir(const Config *c) {
        const char *e = getenv("STATE_DIRECTORY");
        if (e && *e)
                return e;
        return c && c->state_dir ? c->state_dir : "/var/lib/dutyd";
}

const char *ctl_invoker(void) {
        static char name[64];
        if (!name[0]) {
                const char *u = getenv("SUDO_USER");
                struct passwd *pw = u && *u ? NULL : getpwuid(getuid());
                const char *n = u && *u ? u : pw ? pw->pw_name : getenv("USER");
                snprintf(name, sizeof(name), "%s", n && *n ? n : "?");
        }
        return name;
}

/* Run as root against a state folder owned by the daemon's user, dutyctl becomes that user (and
 * its group only), so that whatever it creates stays the daemon's. */
static int become_state_owner(const char *dir) {
        struct stat st;
        if (geteuid() != 0 || stat(dir, &st) < 0 || st.st_uid == 0)
                return 0;
        if (setgroups(0, NULL) < 0 || setgid(st.st_gid) < 0 || setuid(st.st_uid) < 0) {
                fprintf(stderr,
                        _("cannot become the owner of the state directory %s (uid %u): %s\n"), dir,
                        (unsigned)st.st_uid, strerror(errno));
                return -errno;
        }
        return 0;
}

/* Says why the state cannot be opened, and what to do about it. */
static void explain_open_error(const char *dir, int r) {
        fprintf(stderr, _("cannot open the state database %s/state.db: %s\n"), dir,
                store_open_error() ? store_open_error() : strerror(-r));
        if (r != -EACCES && r != -EPERM)
                return;
        struct stat st;
        struct group *g = stat(dir, &st) == 0 ? getgrgid(st.st_gid) : NULL;
        if (g && st.st_gid != 0)
                fprintf(stderr,
                        _("This needs root, or membership of the group %s: an administrator runs "
                          "usermod -aG %s USER, effective at the next login.\n"),
                        g->gr_name, g->gr_name);
        else
                fprintf(stderr, _("This needs root, or read and write access to %s.\n"), dir);
}

static int open_state(const Config *c, Store **ret) {
        const char *dir = ctl_state_dir(c);
        /* Files made here (the database, -wal, -shm, feeds) stay usable by the daemon's group. */
        umask(0007);
        (void)ctl_invoker(); /* who ran it, before root becomes the daemon's user */
        if (become_state_owner(dir) < 0)
                return 1;
        int r = store_open(dir, ret);
        if (r < 0) {
                explain_open_error(dir, r);
                return 1;
        }
        return 0;
}

int ctl_open_store(const Config *c, Store **ret) {
        if (open_state(c, ret))
                return 1;
        /* Every verb that opens the state may read the record (ledger, history, reports). */
        if (completion_init(*ret) < 0) {
                fprintf(stderr, _("cannot initialize the state database %s: %s\n"),
                        store_path(*ret), store_errmsg(*ret));
                *ret = store_close(*ret);
                return 1;
        }
        return 0;
}
