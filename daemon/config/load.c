/* load.c — the YAML configuration loader. See load.h and docs/config.md.
 *
 * How it works (OpenBSD-style: parse everything, apply nothing until it is all valid):
 *   1. every file (main, then conf.d/NAME.yaml in byte order) is read with libyaml's event
 *      parser (ytree.h) section by section, and a list (posts, duties, …) item by item: each
 *      item is a small tree parsed through key tables (name, type, field offset, limits —
 *      redis's standardConfig idea) straight into the config's arrays, then dropped, so memory
 *      is the config's own and never a whole document's;
 *   2. ids are registered as items come, so duplicates are found at once; an item naming an id
 *      not seen yet (it may come further on, or in a later file), or a holiday before the
 *      holiday data was read, is kept as a copy and parsed again at the end;
 *   3. the holiday data file is loaded, the kept items parsed, and each duty's reminders take
 *      the `reminders:` defaults (wherever that section was) for the keys it does not set.
 * Errors are collected (FILE:LINE:COLUMN: message), sorted into reading order, never printed
 * here.
 *
 * This file reads the files; keys.h is the framework of the parsers, and each part of the
 * config has its own file: sections.h (organization, reminders, feeds, server, templates),
 * people.h (documents, posts, people), duties.h, channels.h (channels, routes), holidays.h;
 * items.h keeps and parses the items of every list; secrets.h reads the secrets afterwards. */
#include "load.h"

#include <errno.h>
#include <glob.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "duties.h"
#include "holidays.h"
#include "i18n.h"
#include "items.h"
#include "keys.h"
#include "sections.h"
#include "util.h"
#include "ytree.h"

/* ---- files ------------------------------------------------------------------------------ */

#define READ_BUFFER (64 * 1024)

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int collect_files(Loader *L, const char *path) {
        _cleanup_free_ char *dir = strfmt("%s/conf.d", L->cfg->dir);
        _cleanup_free_ char *pattern = strfmt("%s/conf.d/*.yaml", L->cfg->dir);
        if (!pattern || !dir)
                return -ENOMEM;
        /* No conf.d is fine; one that cannot be read is an error, not "no drop-ins". */
        struct stat st;
        errno = 0;
        if (stat(dir, &st) < 0 ? errno != ENOENT
                               : !S_ISDIR(st.st_mode) || access(dir, R_OK | X_OK) < 0) {
                diags_add(L->diags, false, dir, 0, 0, "cannot read the drop-in folder: %s",
                          errno ? strerror(errno) : _("not a folder"));
                return -EINVAL;
        }
        glob_t g = {0};
        int gr = errno == ENOENT ? GLOB_NOMATCH : glob(pattern, GLOB_NOSORT | GLOB_ERR, NULL, &g);
        if (gr != 0 && gr != GLOB_NOMATCH) {
                diags_add(L->diags, false, dir, 0, 0, "cannot read the drop-in folder");
                globfree(&g);
                return -EINVAL;
        }
        size_t n = 1 + (gr == 0 ? g.gl_pathc : 0);
        L->files = calloc(n, sizeof(char *));
        if (!L->files) {
                globfree(&g);
                return -ENOMEM;
        }
        L->files[0] = strdup(path);
        if (gr == 0)
                qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), cmp_str);
        for (size_t i = 1; i < n; i++)
                L->files[i] = strdup(g.gl_pathv[i - 1]);
        globfree(&g);
        L->n_files = n;
        for (size_t i = 0; i < n; i++)
                if (!L->files[i])
                        return -ENOMEM;
        return 0;
}

/* A list section: item by item as they are read, or whole when it cannot be streamed. */
static int read_list(Loader *L, YReader *R, Entity e, const char *name, YTree *t) {
        int line, col, q = yreader_enter(R, &line, &col);
        uint32_t node;
        int r = 0;
        if (q == 1) {
                while ((q = yreader_item(R, t, &node)) > 0)
                        if (take_item(L, e, t, node) < 0)
                                r = -EINVAL;
                return q < 0 ? q : r;
        }
        if (q < 0 || (q = yreader_value(R, t, &node)) < 0)
                return q;
        L->t = t;
        const YNode *list = ytree_node(t, node);
        if (list->type != Y_SEQ)
                return err_at(L, list, "'%s' must be a list", name);
        for (size_t i = 0; i < ytree_count(list); i++)
                if (take_item(L, e, t, t->kids[list->a + i]) < 0)
                        r = -EINVAL;
        return r;
}

/* The sections of one file, each as it is read. 0, -EINVAL after errors, or -EPIPE when the
 * file could not be read to its end (a syntax error). */
static int read_sections(Loader *L, YReader *R, bool main_file) {
        YTree kt = {0}, vt = {0};
        uint32_t node;
        int q, r = 0;
        while ((q = yreader_key(R, &kt, &node)) > 0) {
                L->t = &kt;
                const YNode *kn = ytree_node(&kt, node);
                const char *k = scalar(L, kn);
                int e = k ? list_entity(k) : -1;
                if (main_file && k && streq(k, "organization"))
                        L->org_line = (int)kn->line, L->org_col = (int)kn->column;
                if (e >= 0)
                        q = read_list(L, R, (Entity)e, k, &vt);
                else if ((q = yreader_value(R, &vt, &node)) == 0) {
                        L->t = &vt;
                        q = parse_section(L, k, kn, ytree_node(&vt, node));
                }
                if (q == -EINVAL)
                        r = q;
                else if (q < 0)
                        break;
        }
        ytree_done(&kt);
        ytree_done(&vt);
        if (q == -ENOMEM)
                return loader_oom(L);
        return q < 0 ? -EPIPE : r;
}

/* Streams one file into the config. */
static int read_file(Loader *L, size_t fi) {
        L->path = L->files[fi], L->file_idx = fi;
        /* libyaml asks for 16 KiB at a time: through 64 KiB of buffer, a county's 14 MB take a
         * read() per 64 KiB rather than two per 16 (a system call is dear in a VM). Freed after
         * the file is closed. */
        _cleanup_free_ char *iobuf = malloc(READ_BUFFER);
        _cleanup_fclose_ FILE *fp = loader_open(L, L->path);
        if (!fp)
                return -EINVAL;
        if (iobuf) /* else stdio's own */
                setvbuf(fp, iobuf, _IOFBF, READ_BUFFER);
        YReader *R = NULL;
        if (yreader_new(fp, loader_report_yaml, L, &R) < 0)
                return loader_oom(L);
        YTree t = {0};
        uint32_t node;
        size_t deferred_before = L->n_deferred;
        int type = yreader_root(R, &t, &node), r = 0;
        if (type == Y_MAP) {
                if (fi == 0) {
                        L->main_has_root = true;
                        L->org_line = (int)t.nodes[node].line;
                        L->org_col = (int)t.nodes[node].column;
                }
                r = read_sections(L, R, fi == 0);
                if (r != -EPIPE && yreader_end(R) < 0)
                        r = -EINVAL;
        } else if (type > 0) {
                L->t = &t;
                r = err_at(L, ytree_node(&t, node),
                           "the configuration must be a mapping of sections");
        } else if (type == 0 && fi == 0)
                L->main_empty = true;
        if (type < 0 || r == -EPIPE) {
                /* Read up to a syntax error: what its items named may lie beyond it. */
                for (size_t i = deferred_before; i < L->n_deferred; i++)
                        ytree_done(&L->deferred[i].tree);
                L->n_deferred = deferred_before;
                if (fi == 0)
                        L->main_broken = true;
        }
        if (yreader_status(R) < 0)
                r = -EINVAL;
        yreader_free(R);
        ytree_done(&t);
        return type == -ENOMEM || r == -ENOMEM ? -ENOMEM : r < 0 || type < 0 ? -EINVAL : 0;
}

/* ---- the whole load ----------------------------------------------------------------------- */

static int load_all(Loader *L, const char *path) {
        int r = collect_files(L, path);
        if (r < 0)
                return r;
        int failed = 0;
        L->streaming = true;
        for (size_t i = 0; i < L->n_files; i++)
                if ((r = read_file(L, i)) < 0)
                        failed = r;
        L->streaming = false;
        /* Without the main file, where the holiday data is cannot be known. */
        if (L->main_has_root && !L->main_broken && load_holidays(L) < 0)
                failed = -EINVAL;
        if (parse_deferred(L) < 0 || finish_duties(L) < 0)
                failed = -EINVAL;
        trim_arrays(L);
        if (sections_check(L) < 0)
                failed = -EINVAL;
        return L->oom ? -ENOMEM : failed;
}

static void loader_done(Loader *L) {
        for (size_t i = 0; i < L->n_files; i++)
                free(L->files[i]);
        free(L->files);
        free(L->holidays_where_file);
        for (int e = 0; e < _ENT_MAX; e++) {
                hashmap_done(&L->ids[e]);
                free(L->sites[e]);
        }
        hashmap_done(&L->scope_ids);
        hashmap_done(&L->phrase_ids);
        for (size_t i = 0; i < L->n_phrases; i++)
                rule_done(&L->phrases[i].rule);
        free(L->phrases);
        for (size_t i = 0; i < L->n_deferred; i++)
                ytree_done(&L->deferred[i].tree);
        free(L->deferred);
        free(L->reminders_set);
}

/* More people on one post than MAX_POST_HOLDERS is an error, never a truncation. */
static int check_holder_limit(const Config *c, const char *path, Diags *diags) {
        int r = 0;
        for (size_t p = 0; p < c->n_posts; p++) {
                size_t n = 0;
                uint32_t last = UINT32_MAX;
                for (uint32_t i = c->holders_off[p]; i < c->holders_off[p + 1]; i++)
                        if (c->holders[i].person != last) {
                                last = c->holders[i].person;
                                n++;
                        }
                if (n <= MAX_POST_HOLDERS)
                        continue;
                diags_add(diags, false, path, 0, 0,
                          "post '%s' is held by %zu people; at most %d are supported (split it "
                          "into several posts)",
                          c->posts[p].id, n, MAX_POST_HOLDERS);
                r = -EINVAL;
        }
        return r;
}

int config_load(const char *path, Day today, Config **ret, Diags *diags) {
        Config *c = calloc(1, sizeof(Config));
        if (!c || !(c->pool = pool_new())) {
                free(c);
                return -ENOMEM;
        }
        int r = sections_set_defaults(c);
        c->path = pool_strdup(c->pool, path);
        const char *slash = strrchr(path, '/');
        size_t dl = slash ? (size_t)(slash - path) + (slash == path) : 0;
        if ((c->dir = pool_alloc(c->pool, dl + 2)))
                memcpy(c->dir, slash ? path : ".", slash ? dl : 1);
        Loader L = {.cfg = c, .diags = diags, .today = today};
        size_t first_diag = diags->n;
        if (r == 0)
                r = !c->path || !c->dir ? -ENOMEM : load_all(&L, path);
        diags_sort(diags, first_diag);
        if (r == -ENOMEM)
                diags_add(diags, false, path, 0, 0, "out of memory");
        else if (r == 0 && diags->n_errors > 0)
                r = -EINVAL;
        loader_done(&L);
        pool_seal(c->pool);
        if (r == 0 && (r = config_index_holders(c)) < 0)
                diags_add(diags, false, path, 0, 0, "out of memory");
        if (r == 0 && (r = check_holder_limit(c, path, diags)) < 0)
                r = -EINVAL;
        if (r < 0) {
                config_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

const char *config_default_path(void) {
        const char *e = getenv("DUTYD_CONFIG");
        return e && *e ? e : DUTYD_SYSCONFDIR "/dutyd/dutyd.yaml";
}
