/* fuzz-config.c — libFuzzer harness for config_load() and the schedule engine.
 * README: `make fuzz` (FUZZ_SECONDS=60) builds build/fuzz/fuzz-config with clang
 * -fsanitize=fuzzer,address,undefined and runs it on tests/fuzz/corpus-config; replay files once
 * with `build/fuzz/fuzz-config FILE...` (tests/test-fuzz-corpus.sh does it for every corpus file).
 *
 * The input is up to four parts separated by a line "#@@" (a YAML comment, so every seed is
 * still a plain config): part 1 is the main file DIR/dutyd.yaml, parts 2 and 3 the drop-ins
 * DIR/conf.d/10-fuzz.yaml and DIR/conf.d/20-fuzz.yaml (an empty part: no such file), part 4
 * replaces DIR/holidays-cn.yaml, which otherwise is a copy of config/holidays-cn.yaml. DIR is
 * /tmp/dutyd-fuzz.PID, made at start and removed at exit (or by a later run if this one
 * crashed). When the configuration loads, the schedule of a year is planned, and the ids,
 * period ids, reminders and holders of the first occurrences are computed; then all is freed.
 * DUTYD_FUZZ_VERBOSE=1 prints the diagnostics and a summary of each input. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "date.h"
#include "load.h"
#include "schedule.h"

#ifndef FUZZ_HOLIDAYS
#define FUZZ_HOLIDAYS "config/holidays-cn.yaml"
#endif

#define SEP "\n#@@\n"
#define SEP_LEN (sizeof(SEP) - 1)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char main_path[128], dropin_path[2][128], holidays_path[128];
static char *holidays_data;
static size_t holidays_size;
static int holidays_dirty = 1;
static int verbose; /* $DUTYD_FUZZ_VERBOSE: print the diagnostics (replaying by hand) */

static void die(const char *what) {
        fprintf(stderr, "fuzz-config: %s: %s\n", what, strerror(errno));
        abort();
}

static void write_file(const char *path, const void *data, size_t size) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                die(path);
        const char *p = data;
        while (size > 0) {
                ssize_t n = write(fd, p, size);
                if (n < 0)
                        die(path);
                p += n;
                size -= (size_t)n;
        }
        close(fd);
}

static void remove_dir(const char *d) {
        static const char *const names[] = {"dutyd.yaml", "conf.d/10-fuzz.yaml",
                                            "conf.d/20-fuzz.yaml", "holidays-cn.yaml", "conf.d"};
        char p[256];
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                snprintf(p, sizeof(p), "%s/%s", d, names[i]);
                if (unlink(p) < 0 && errno == EISDIR)
                        rmdir(p);
        }
        rmdir(d);
}

static void cleanup(void) {
        remove_dir(dir);
        free(holidays_data);
}

/* A crash (abort, sanitizer report) skips atexit(): remove what dead runs left behind. */
static void remove_stale_dirs(void) {
        DIR *t = opendir("/tmp");
        if (!t)
                return;
        struct dirent *e;
        while ((e = readdir(t))) {
                char *end;
                if (strncmp(e->d_name, "dutyd-fuzz.", 11) != 0)
                        continue;
                long pid = strtol(e->d_name + 11, &end, 10);
                if (*end || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
                        continue; /* not ours, or its process still runs */
                char d[300];
                snprintf(d, sizeof(d), "/tmp/%s", e->d_name);
                remove_dir(d);
        }
        closedir(t);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        (void)argc, (void)argv;
        verbose = getenv("DUTYD_FUZZ_VERBOSE") != NULL;
        const char *src = getenv("DUTYD_FUZZ_HOLIDAYS");
        if (!src)
                src = FUZZ_HOLIDAYS;
        FILE *f = fopen(src, "re");
        if (!f)
                die(src);
        size_t cap = 0;
        for (;;) {
                if (holidays_size == cap) {
                        cap = cap ? cap * 2 : 65536;
                        holidays_data = realloc(holidays_data, cap);
                        if (!holidays_data)
                                die("realloc");
                }
                size_t n = fread(holidays_data + holidays_size, 1, cap - holidays_size, f);
                if (n == 0)
                        break;
                holidays_size += n;
        }
        fclose(f);

        remove_stale_dirs();
        snprintf(dir, sizeof(dir), "/tmp/dutyd-fuzz.%ld", (long)getpid());
        remove_dir(dir);
        if (mkdir(dir, 0700) < 0)
                die(dir);
        snprintf(main_path, sizeof(main_path), "%s/dutyd.yaml", dir);
        snprintf(dropin_path[0], sizeof(dropin_path[0]), "%s/conf.d/10-fuzz.yaml", dir);
        snprintf(dropin_path[1], sizeof(dropin_path[1]), "%s/conf.d/20-fuzz.yaml", dir);
        snprintf(holidays_path, sizeof(holidays_path), "%s/holidays-cn.yaml", dir);
        char confd[128];
        snprintf(confd, sizeof(confd), "%s/conf.d", dir);
        if (mkdir(confd, 0700) < 0)
                die(confd);
        atexit(cleanup);
        return 0;
}

/* The next part of the input: [*pos, end of part); advances *pos past the separator. */
static size_t next_part(const uint8_t *data, size_t size, size_t *pos, const uint8_t **ret) {
        *ret = data + *pos;
        size_t left = size - *pos;
        const uint8_t *s = memmem(*ret, left, SEP, SEP_LEN);
        if (!s) {
                *pos = size;
                return left;
        }
        size_t n = (size_t)(s - *ret) + 1; /* keep the newline that ends the part */
        *pos += (size_t)(s - *ret) + SEP_LEN;
        return n;
}

static void exercise(const Config *c, Day today) {
        OccurrenceList l = {0};
        if (schedule_plan(c, today, today + 365, PLAN_FILTER_ALL, &l) < 0) {
                occurrence_list_done(&l);
                return;
        }
        char id[OCCURRENCE_ID_MAX], pid[OCCURRENCE_ID_MAX];
        for (size_t i = 0; i < l.n && i < 64; i++) {
                const Occurrence *o = &l.items[i];
                occurrence_id(c, o, id, sizeof(id));
                occurrence_period_id(c, o, pid, sizeof(pid));
                Occurrence back;
                (void)schedule_find(c, id, &back);
                Reminder rem[32];
                (void)schedule_reminders(c, o, o->due - 31, o->due + 31, rem, 32);
                size_t holders[16];
                (void)occurrence_holders(c, o, o->due, holders, 16);
                if (verbose && i < 3)
                        fprintf(stderr, "  %s %s\n", id, pid);
                free(duty_basis(c, &c->duties[o->duty]));
        }
        if (verbose)
                fprintf(stderr, "schedule_plan: %zu occurrences\n", l.n);
        occurrence_list_done(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        size_t pos = 0;
        const uint8_t *part;
        size_t n = next_part(data, size, &pos, &part);
        write_file(main_path, part, n);
        for (int i = 0; i < 2; i++) {
                n = pos < size ? next_part(data, size, &pos, &part) : 0;
                if (n > 0)
                        write_file(dropin_path[i], part, n);
                else
                        unlink(dropin_path[i]);
        }
        if (pos < size) {
                n = next_part(data, size, &pos, &part);
                write_file(holidays_path, part, n);
                holidays_dirty = 1;
        } else if (holidays_dirty) {
                write_file(holidays_path, holidays_data, holidays_size);
                holidays_dirty = 0;
        }

        Day today = day_from_ymd(2026, 3, 1);
        Config *c = NULL;
        Diags d = {0};
        int r = config_load(main_path, today, &c, &d);
        /* The contract: success with a config, or an error with at least one message. */
        /* -DFUZZ_ALLOW_SILENT_ERROR: fuzz on past a known rejection without a message. */
#ifdef FUZZ_ALLOW_SILENT_ERROR
        bool silent = false;
#else
        bool silent = r < 0 && d.n_errors == 0;
#endif
        if ((r == 0 && !c) || (r < 0 && c) || silent) {
                fprintf(stderr,
                        "fuzz-config: config_load() returned %d with %s config and %zu errors\n", r,
                        c ? "a" : "no", d.n_errors);
                abort();
        }
        FILE *out = verbose ? stderr : fopen("/dev/null", "we");
        if (out) {
                diags_print(&d, out);
                if (verbose)
                        fprintf(stderr, "config_load: %d\n", r);
                else
                        fclose(out);
        }
        diags_done(&d);
        if (c) {
                exercise(c, today);
                config_free(c);
        }
        return 0;
}
