/* testutil.h — helpers for the cmocka unit tests: load a config from a YAML string. */
#pragma once
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>

#include "config.h"
#include "load.h"
#include "util.h"

static inline int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void)st, (void)flag, (void)ftw;
        return remove(path);
}

/* Removes a temporary folder and everything in it (what the tests create under /tmp). */
static inline void rm_tree(const char *dir) {
        assert_int_equal(nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* Writes `yaml` as dutyd.yaml in a folder of its own (so no stray conf.d/ next to it is read),
 * with `holidays:` pointing at the repo's data unless the text sets it, and loads it. Returns
 * NULL on errors, leaving them in *diags. */
static inline Config *load_yaml_text(const char *yaml, Day today, Diags *diags) {
        char dir[] = "/tmp/dutyd-unit-XXXXXX";
        if (!mkdtemp(dir))
                return NULL;
        char path[sizeof(dir) + 16];
        snprintf(path, sizeof(path), "%s/dutyd.yaml", dir);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        const char *top = getenv("DUTYD_TOP");
        if (strncmp(yaml, "holidays:", 9) != 0 && !strstr(yaml, "\nholidays:"))
                fprintf(f, "holidays: %s/config/holidays-cn.yaml\n", top ? top : ".");
        fputs(yaml, f);
        fclose(f);
        Config *c = NULL;
        int r = config_load(path, today, &c, diags);
        rm_tree(dir);
        return r < 0 ? NULL : c;
}

static inline Config *load_ok(const char *yaml) {
        Diags d = {0};
        Config *c = load_yaml_text(yaml, day_from_ymd(2026, 1, 1), &d);
        if (!c)
                diags_print(&d, stderr);
        diags_done(&d);
        assert_non_null(c);
        return c;
}

/* RFC 5545 content lines unfolded (each CRLF + SP removed), malloc'd. */
static inline char *ics_unfold(const char *s) {
        Buf b = {0};
        for (const char *p = s; *p; p++) {
                if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ') {
                        p += 2;
                        continue;
                }
                buf_put(&b, p, 1);
        }
        return buf_steal(&b);
}
