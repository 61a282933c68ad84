/* keys.c — see keys.h. */
#include "keys.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "i18n.h"
#include "util.h"
#include "values.h"

const char *const entity_names[_ENT_MAX] = {N_("document"), N_("post"), N_("person"), N_("duty"),
                                            N_("channel")};

int err_at(Loader *L, const YNode *n, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        char *msg = vstrfmt(_(fmt), ap);
        va_end(ap);
        diags_add_text(L->diags, false, L->path, n ? (int)n->line : 0, n ? (int)n->column : 0,
                       msg ? msg : _("out of memory"));
        free(msg);
        return -EINVAL;
}

void loader_report_yaml(void *userdata, int line, int column, const char *msg) {
        Loader *L = userdata;
        diags_add_text(L->diags, false, L->path, line, column, msg);
}

FILE *loader_open(Loader *L, const char *path) {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
                diags_add(L->diags, false, path, 0, 0, "cannot open: %s", strerror(errno));
                if (fd >= 0)
                        close(fd);
                return NULL;
        }
        if (!S_ISREG(st.st_mode)) {
                diags_add(L->diags, false, path, 0, 0, "not a regular file");
                close(fd);
                return NULL;
        }
        FILE *fp = fcntl(fd, F_SETFL, 0) == 0 ? fdopen(fd, "re") : NULL;
        if (!fp) {
                diags_add(L->diags, false, path, 0, 0, "cannot open: %s", strerror(errno));
                close(fd);
        }
        return fp;
}

/* ---- typed values ------------------------------------------------------------------------ */

int parse_str(Loader *L, const YNode *n, char **out) {
        const char *s = scalar(L, n);
        if (!s)
                return err_at(L, n, "expected a string");
        if (!utf8_valid(s, strlen(s)))
                return err_at(L, n, "not valid UTF-8");
        char *d = n == L->item_id_node ? (char *)L->item_id : xstrdup(L, s);
        if (!d)
                return -ENOMEM;
        *out = d;
        return 0;
}

int parse_int(Loader *L, const YNode *n, int min, int max, int *out) {
        const char *s = scalar(L, n);
        if (!s || n->quoted)
                return err_at(L, n, "expected an integer");
        char *end;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (!*s || *end || errno)
                return err_at(L, n, "expected an integer, got '%s'", s);
        if (v < min || v > max)
                return err_at(L, n, "%ld is out of range (%d to %d)", v, min, max);
        *out = (int)v;
        return 0;
}

int parse_bool(Loader *L, const YNode *n, bool *out) {
        static const char *const yes[] = {"true", "yes", "on", "True", "Yes", "On", "TRUE"};
        static const char *const no[] = {"false", "no", "off", "False", "No", "Off", "FALSE"};
        const char *s = scalar(L, n);
        for (size_t i = 0; s && i < ELEMENTSOF(yes); i++)
                if (streq(s, yes[i]) || streq(s, no[i])) {
                        *out = streq(s, yes[i]);
                        return 0;
                }
        return err_at(L, n, "expected true or false");
}

int parse_date(Loader *L, const YNode *n, Day *out) {
        const char *s = scalar(L, n);
        Day d = s ? day_parse(s) : DAY_INVALID;
        if (d == DAY_INVALID)
                return err_at(L, n, "expected a date YYYY-MM-DD");
        *out = d;
        return 0;
}

/* HH:MM → minute of the day */
static int parse_time(Loader *L, const YNode *n, int *out) {
        const char *s = scalar(L, n);
        int h, m, k = 0;
        if (!s || sscanf(s, "%2d:%2d%n", &h, &m, &k) != 2 || s[k] || h < 0 || h > 23 || m < 0 ||
            m > 59 || strlen(s) != 5)
                return err_at(L, n, "expected a time HH:MM");
        *out = h * 60 + m;
        return 0;
}

int parse_enum(Loader *L, const YNode *n, const char *const *names, size_t count, int *out) {
        const char *s = scalar(L, n);
        for (size_t i = 0; s && i < count; i++)
                if (names[i][0] && streq(s, names[i])) {
                        *out = (int)i;
                        return 0;
                }
        Buf b = {0};
        for (size_t i = 0; i < count; i++)
                if (names[i][0])
                        buf_printf(&b, "%s%s", b.len ? ", " : "", names[i]);
        int r = err_at(L, n, "unknown value '%s' (expected one of: %s)", s ? s : "",
                       b.data ? b.data : "");
        buf_done(&b);
        return r;
}

int node_items(Loader *L, const YNode *n, const YNode ***ret, size_t *ret_n) {
        if (n->type == Y_SEQ) {
                size_t cnt = ytree_count(n);
                const YNode **v = calloc(cnt ? cnt : 1, sizeof(*v));
                if (!v)
                        return loader_oom(L);
                for (size_t i = 0; i < cnt; i++)
                        v[i] = ytree_item(L->t, n, i);
                *ret = v, *ret_n = cnt;
                return 0;
        }
        const YNode **v = calloc(1, sizeof(*v));
        if (!v)
                return loader_oom(L);
        v[0] = n;
        *ret = v, *ret_n = 1;
        return 0;
}

void *list_new(Loader *L, const YNode *n, size_t size, const YNode ***ret_items, size_t *ret_n) {
        if (node_items(L, n, ret_items, ret_n) < 0)
                return NULL;
        void *v = xalloc(L, (*ret_n ? *ret_n : 1) * size);
        if (!v) {
                free(*ret_items);
                *ret_items = NULL;
        }
        return v;
}

int parse_strlist(Loader *L, const YNode *n, char ***out, size_t *out_n) {
        _cleanup_free_ const YNode **items = NULL;
        size_t cnt;
        if (node_items(L, n, &items, &cnt) < 0)
                return -ENOMEM;
        char **v = xalloc(L, (cnt ? cnt : 1) * sizeof(char *));
        if (!v)
                return -ENOMEM;
        int r = 0;
        size_t k = 0;
        for (size_t i = 0; i < cnt; i++) {
                char *s = NULL;
                if (parse_str(L, items[i], &s) < 0) {
                        r = -EINVAL;
                        continue;
                }
                v[k++] = s;
        }
        *out = v, *out_n = k;
        return r;
}

int resolve_id(Loader *L, const YNode *n, Entity e, size_t *out) {
        const char *s = scalar(L, n);
        if (!s)
                return err_at(L, n, "expected a %s id", _(entity_names[e]));
        if (hashmap_get_str(&L->ids[e], s, out))
                return 0;
        if (L->streaming) {
                /* It may be defined further on: this item is parsed again at the end. */
                L->defer = true;
                return -EAGAIN;
        }
        return err_at(L, n, "unknown %s '%s'", _(entity_names[e]), s);
}

/* A list of ids of entity `e` to their indexes. */
static int parse_reflist(Loader *L, const YNode *n, Entity e, size_t **out, size_t *out_n) {
        _cleanup_free_ const YNode **items = NULL;
        size_t cnt;
        size_t *v = list_new(L, n, sizeof(size_t), &items, &cnt);
        if (!v)
                return -ENOMEM;
        int r = 0;
        size_t k = 0;
        for (size_t i = 0; i < cnt; i++) {
                size_t idx;
                if (resolve_id(L, items[i], e, &idx) < 0) {
                        r = -EINVAL;
                        continue;
                }
                bool dup = false;
                for (size_t j = 0; j < k; j++)
                        dup |= v[j] == idx;
                if (dup) {
                        r = err_at(L, items[i], "%s '%s' listed twice", _(entity_names[e]),
                                   scalar(L, items[i]));
                        continue;
                }
                v[k++] = idx;
        }
        *out = v, *out_n = k;
        return r;
}

int register_id(Loader *L, Entity e, const YNode *item, size_t idx) {
        const YNode *idn = ytree_get(L->t, item, "id");
        const char *id = scalar(L, idn);
        if (!id)
                return 0; /* reported when the item is parsed */
        if (ARRAY_GROW(L->sites[e], L->cap_sites[e], idx + 1) < 0)
                return loader_oom(L);
        L->sites[e][idx] = (IdSite){(uint32_t)L->file_idx, (int)idn->line, (int)idn->column};
        /* One probe of the map (a province registers a million ids): a duplicate is found by
         * the insertion itself. */
        const char *key = xstrdup(L, id);
        int q = key ? hashmap_put_str(&L->ids[e], key, idx) : -ENOMEM;
        if (key)
                L->item_id = key, L->item_id_node = idn;
        size_t prev;
        if (q == -EEXIST && hashmap_get_str(&L->ids[e], id, &prev)) {
                const IdSite *s = &L->sites[e][prev];
                return err_at(L, idn, "duplicate %s id '%s' (first defined at %s:%d:%d)",
                              _(entity_names[e]), id, L->files[s->file], s->line, s->col);
        }
        return q < 0 ? loader_oom(L) : 0;
}

/* ---- key tables -------------------------------------------------------------------------- */

/* `v` into an integer field of `size` bytes (KeyDef.size, 0: an int), whose range the KEY_*
 * macros checked against the key's when compiling. */
static void store_int(void *f, size_t size, int v) {
        switch (size) {
        case 1: *(uint8_t *)f = (uint8_t)v; break;
        case 2: *(uint16_t *)f = (uint16_t)v; break;
        default:
                assert(size == 0 || size == sizeof(int));
                *(int *)f = v;
                break;
        }
}

/* The value `vn` of key `d` (named `k`) into its field of `obj`. */
static int parse_field(Loader *L, const KeyDef *d, const char *k, const YNode *vn, void *obj) {
        char *base = obj;
        void *f = base + d->off;
        int q = 0, v;
        bool b;
        size_t idx;
        switch (d->type) {
        case F_STR:
                q = parse_str(L, vn, f);
                if (q == 0 && d->check && d->check(*(char **)f))
                        q = err_at(L, vn, "%s: %s", k, _(d->check(*(char **)f)));
                return q;
        case F_ID:
                q = parse_str(L, vn, f);
                if (q == 0 && !id_valid(*(char **)f))
                        q = err_at(L, vn, "invalid id '%s' (use 1-%d of a-z 0-9 _ -)", *(char **)f,
                                   MAX_ID_LEN);
                return q;
        case F_INT:
                if ((q = parse_int(L, vn, d->min, d->max, &v)) == 0)
                        store_int(f, d->size, v);
                return q;
        case F_BOOL:
                if ((q = parse_bool(L, vn, &b)) == 0)
                        store_int(f, d->size ? d->size : sizeof(bool), b);
                return q;
        case F_DATE: return parse_date(L, vn, f);
        case F_TIME:
                if ((q = parse_time(L, vn, &v)) == 0)
                        store_int(f, d->size, v);
                return q;
        case F_ENUM:
                q = parse_enum(L, vn, d->names, d->n_names, &v);
                if (q == 0)
                        store_int(f, d->size, v);
                return q;
        case F_STRLIST: return parse_strlist(L, vn, f, (size_t *)(base + d->off_n));
        case F_REFLIST: return parse_reflist(L, vn, d->ref, f, (size_t *)(base + d->off_n));
        case F_REF:
                q = resolve_id(L, vn, d->ref, &idx);
                if (q == 0)
                        *(ssize_t *)f = (ssize_t)idx;
                return q;
        case F_CUSTOM: return d->custom(L, vn, obj);
        case F_SKIP: return 0;
        }
        assert(!"unknown field type");
        return -EINVAL;
}

int parse_map(Loader *L, const YNode *map, const KeyDef *keys, size_t n_keys, void *obj,
              bool *seen) {
        if (!map || map->type != Y_MAP)
                return err_at(L, map, "expected a mapping (key: value)");
        bool local_seen[32] = {0};
        assert(n_keys <= ELEMENTSOF(local_seen));
        if (!seen)
                seen = local_seen;
        int r = 0;
        for (size_t pi = 0; pi < ytree_count(map); pi++) {
                const YNode *kn = ytree_key(L->t, map, pi), *vn = ytree_value(L->t, map, pi);
                const char *k = scalar(L, kn);
                if (!k) {
                        r = err_at(L, kn, "expected a key");
                        continue;
                }
                size_t i; /* most names differ from the first byte */
                for (i = 0; i < n_keys && (keys[i].name[0] != k[0] || !streq(keys[i].name, k)); i++)
                        ;
                if (i == n_keys) {
                        r = err_at(L, kn, "unknown key '%s'", k);
                        continue;
                }
                if (seen[i]) { /* reported once, by the reader (ytree.h) */
                        r = -EINVAL;
                        continue;
                }
                seen[i] = true;
                int q = parse_field(L, &keys[i], k, vn, obj);
                if (q < 0)
                        r = q;
        }
        for (size_t i = 0; i < n_keys; i++)
                if (keys[i].required && !seen[i])
                        r = err_at(L, map, "missing required key '%s'", keys[i].name);
        return r;
}
