/* config.c — the YAML configuration loader. See config.h and docs/config.md.
 *
 * How it works (OpenBSD-style: parse everything, apply nothing until it is all valid):
 *   1. every file (main, then conf.d/NAME.yaml in byte order) is parsed into a libyaml document;
 *   2. pass "ids": the ids of documents, posts, people, duties and channels are registered, so
 *      references can point forward and across files, and duplicates are found;
 *   3. the holiday data file is loaded;
 *   4. pass "values": sections and list items are parsed through key tables (name, type, field
 *      offset, limits) — redis's standardConfig idea — into the final arrays.
 * Errors are collected (FILE:LINE:COLUMN: message), never printed here. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>
#include <arpa/inet.h>

#include "util.h"

/* ---- diagnostics ------------------------------------------------------------------------ */

void diags_add(Diags *d, bool warning, const char *file, int line, int column, const char *fmt,
               ...) {
        Diag *n = realloc(d->items, (d->n + 1) * sizeof(Diag));
        if (!n)
                return; /* the caller still sees n_errors from earlier adds */
        d->items = n;
        va_list ap;
        va_start(ap, fmt);
        char *msg = vstrfmt(fmt, ap);
        va_end(ap);
        d->items[d->n++] = (Diag){.file = file ? strdup(file) : NULL,
                                  .line = line,
                                  .column = column,
                                  .warning = warning,
                                  .msg = msg};
        if (warning)
                d->n_warnings++;
        else
                d->n_errors++;
}

void diags_print(const Diags *d, FILE *f) {
        for (size_t i = 0; i < d->n; i++) {
                const Diag *g = &d->items[i];
                const char *w = g->warning ? "warning: " : "";
                const char *msg = g->msg ? g->msg : "(out of memory)";
                if (g->line > 0)
                        fprintf(f, "%s:%d:%d: %s%s\n", g->file ? g->file : "?", g->line, g->column,
                                w, msg);
                else
                        fprintf(f, "%s: %s%s\n", g->file ? g->file : "?", w, msg);
        }
}

void diags_done(Diags *d) {
        for (size_t i = 0; i < d->n; i++) {
                free(d->items[i].file);
                free(d->items[i].msg);
        }
        free(d->items);
        *d = (Diags){0};
}

/* ---- enums ------------------------------------------------------------------------------ */

static const char *const kind_names[_KIND_MAX] = {"meeting", "inspection", "report",
                                                  "drill",   "study",      "other"};
static const char *const kind_zh[_KIND_MAX] = {"会议", "检查", "报告", "演练", "学习", "其他"};
const char *duty_kind_to_string(DutyKind k) {
        return k < _KIND_MAX ? kind_names[k] : "other";
}
const char *duty_kind_to_zh(DutyKind k) {
        return k < _KIND_MAX ? kind_zh[k] : "其他";
}

static const char *const channel_names[_CHANNEL_MAX] = {"wecom", "dingtalk", "feishu", "webhook",
                                                        "smtp"};
const char *channel_type_to_string(ChannelType t) {
        return t < _CHANNEL_MAX ? channel_names[t] : "?";
}

static const char *const period_enum[] = {"", "week", "month", "quarter", "half", "year"};
static const char *const move_enum[] = {"postpone", "earlier", "none"};

/* ---- id maps ---------------------------------------------------------------------------- */

typedef enum Entity { ENT_DOCUMENT, ENT_POST, ENT_PERSON, ENT_DUTY, ENT_CHANNEL, _ENT_MAX } Entity;
static const char *const entity_names[_ENT_MAX] = {"document", "post", "person", "duty", "channel"};
static const char *const entity_lists[_ENT_MAX] = {"documents", "posts", "people", "duties",
                                                   "channels"};

typedef struct IdMap {
        const char **keys; /* borrowed from the YAML documents */
        size_t *vals;
        size_t cap, n;
} IdMap;

static uint32_t fnv1a(const char *s) {
        uint32_t h = 2166136261u;
        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 16777619u;
        return h;
}

static int idmap_grow(IdMap *m) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        const char **keys = calloc(cap, sizeof(char *));
        size_t *vals = calloc(cap, sizeof(size_t));
        if (!keys || !vals) {
                free(keys);
                free(vals);
                return -ENOMEM;
        }
        for (size_t i = 0; i < m->cap; i++) {
                if (!m->keys[i])
                        continue;
                size_t j = fnv1a(m->keys[i]) & (cap - 1);
                while (keys[j])
                        j = (j + 1) & (cap - 1);
                keys[j] = m->keys[i];
                vals[j] = m->vals[i];
        }
        free(m->keys);
        free(m->vals);
        m->keys = keys, m->vals = vals, m->cap = cap;
        return 0;
}

static ssize_t idmap_get(const IdMap *m, const char *key) {
        if (!m->cap || !key)
                return -1;
        for (size_t j = fnv1a(key) & (m->cap - 1); m->keys[j]; j = (j + 1) & (m->cap - 1))
                if (streq(m->keys[j], key))
                        return (ssize_t)m->vals[j];
        return -1;
}

static int idmap_put(IdMap *m, const char *key, size_t val) {
        if ((m->n + 1) * 2 > m->cap && idmap_grow(m) < 0)
                return -ENOMEM;
        size_t j = fnv1a(key) & (m->cap - 1);
        while (m->keys[j])
                j = (j + 1) & (m->cap - 1);
        m->keys[j] = key;
        m->vals[j] = val;
        m->n++;
        return 0;
}

static void idmap_done(IdMap *m) {
        free(m->keys);
        free(m->vals);
        *m = (IdMap){0};
}

/* ---- loader state ----------------------------------------------------------------------- */

typedef struct SourceFile {
        char *path;
        yaml_document_t doc;
        bool loaded;
} SourceFile;

typedef struct Loader {
        Config *cfg;
        Diags *diags;
        SourceFile *files;
        size_t n_files;
        SourceFile *cur;
        IdMap ids[_ENT_MAX];
        size_t counts[_ENT_MAX];
        size_t next[_ENT_MAX]; /* pass "values": next slot to fill */
        size_t n_routes;
        bool oom;
        Day today;
        /* the node that set `holidays:`, for the location of its errors */
        char *holidays_where_file;
        int holidays_line, holidays_col;
} Loader;

static int node_line(const yaml_node_t *n) {
        return (int)n->start_mark.line + 1;
}
static int node_col(const yaml_node_t *n) {
        return (int)n->start_mark.column + 1;
}

static int err_at(Loader *L, const yaml_node_t *n, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int err_at(Loader *L, const yaml_node_t *n, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        char *msg = vstrfmt(fmt, ap);
        va_end(ap);
        diags_add(L->diags, false, L->cur->path, n ? node_line(n) : 0, n ? node_col(n) : 0, "%s",
                  msg ? msg : "out of memory");
        free(msg);
        return -EINVAL;
}

static yaml_node_t *node_get(Loader *L, int idx) {
        return yaml_document_get_node(&L->cur->doc, idx);
}

static const char *scalar(const yaml_node_t *n) {
        return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A key's value, or NULL. */
static yaml_node_t *map_get(Loader *L, yaml_node_t *map, const char *key) {
        if (!map || map->type != YAML_MAPPING_NODE)
                return NULL;
        for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
             p++) {
                const char *k = scalar(node_get(L, p->key));
                if (k && streq(k, key))
                        return node_get(L, p->value);
        }
        return NULL;
}

static char *xstrdup(Loader *L, const char *s) {
        char *d = strdup(s);
        if (!d)
                L->oom = true;
        return d;
}

/* ---- typed field parsers ------------------------------------------------------------------ */

typedef enum FieldType {
        F_STR,
        F_ID,
        F_INT,
        F_BOOL,
        F_DATE,
        F_TIME,
        F_ENUM,
        F_STRLIST,
        F_REFLIST, /* list (or single) of ids of entity `ref` → size_t* + count */
        F_REF,     /* single id → ssize_t */
        F_CUSTOM,
        F_SKIP, /* handled by the caller */
} FieldType;

typedef struct KeyDef KeyDef;
typedef int (*CustomFn)(Loader *L, yaml_node_t *n, void *obj);
/* A string key's validator: NULL when the value is fine, else what is wrong with it. */
typedef const char *(*CheckFn)(const char *value);

struct KeyDef {
        const char *name;
        FieldType type;
        size_t off, off_n; /* field offset; count offset for lists */
        bool required;
        int min, max;
        const char *const *names; /* F_ENUM */
        size_t n_names;
        Entity ref;
        CustomFn custom;
        CheckFn check; /* F_STR */
};

#define FIELD(T, f) offsetof(T, f)
/* An integer key of struct T's field f, accepted in [lo, hi]. */
#define KEY_INT(n, T, f, lo, hi) \
        { .name = (n), .type = F_INT, .off = FIELD(T, f), .min = (lo), .max = (hi) }

static int parse_str(Loader *L, yaml_node_t *n, char **out) {
        const char *s = scalar(n);
        if (!s)
                return err_at(L, n, "expected a string");
        if (!utf8_valid(s, strlen(s)))
                return err_at(L, n, "not valid UTF-8");
        char *d = xstrdup(L, s);
        if (!d)
                return -ENOMEM;
        free(*out);
        *out = d;
        return 0;
}

static bool id_valid(const char *s) {
        size_t n = strlen(s);
        if (n == 0 || n > 64 || !(isdigit((unsigned char)s[0]) || islower((unsigned char)s[0])))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_' ||
                      s[i] == '-'))
                        return false;
        return true;
}

static int parse_int(Loader *L, yaml_node_t *n, int min, int max, int *out) {
        const char *s = scalar(n);
        if (!s || n->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
            n->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE)
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

static int parse_bool(Loader *L, yaml_node_t *n, bool *out) {
        static const char *const yes[] = {"true", "yes", "on", "True", "Yes", "On", "TRUE"};
        static const char *const no[] = {"false", "no", "off", "False", "No", "Off", "FALSE"};
        const char *s = scalar(n);
        for (size_t i = 0; s && i < ELEMENTSOF(yes); i++) {
                if (streq(s, yes[i]))
                        return *out = true, 0;
                if (streq(s, no[i]))
                        return *out = false, 0;
        }
        return err_at(L, n, "expected true or false");
}

static int parse_date(Loader *L, yaml_node_t *n, Day *out) {
        const char *s = scalar(n);
        Day d = s ? day_parse(s) : DAY_INVALID;
        if (d == DAY_INVALID)
                return err_at(L, n, "expected a date YYYY-MM-DD");
        *out = d;
        return 0;
}

static int parse_time(Loader *L, yaml_node_t *n, int *out) {
        const char *s = scalar(n);
        int h, m, k = 0;
        if (!s || sscanf(s, "%2d:%2d%n", &h, &m, &k) != 2 || s[k] || h < 0 || h > 23 || m < 0 ||
            m > 59 || strlen(s) != 5)
                return err_at(L, n, "expected a time HH:MM");
        *out = h * 60 + m;
        return 0;
}

static int parse_enum(Loader *L, yaml_node_t *n, const char *const *names, size_t count, int *out) {
        const char *s = scalar(n);
        for (size_t i = 0; s && i < count; i++)
                if (names[i][0] && streq(s, names[i]))
                        return *out = (int)i, 0;
        Buf b = {0};
        for (size_t i = 0; i < count; i++)
                if (names[i][0])
                        buf_printf(&b, "%s%s", b.len ? ", " : "", names[i]);
        int r = err_at(L, n, "unknown value '%s' (expected one of: %s)", s ? s : "",
                       b.data ? b.data : "");
        buf_done(&b);
        return r;
}

/* Iterate a sequence, or treat a scalar as a one-element sequence. */
static int node_items(Loader *L, yaml_node_t *n, yaml_node_t ***ret, size_t *ret_n) {
        if (n->type == YAML_SEQUENCE_NODE) {
                size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
                yaml_node_t **v = calloc(cnt ? cnt : 1, sizeof(*v));
                if (!v)
                        return L->oom = true, -ENOMEM;
                for (size_t i = 0; i < cnt; i++)
                        v[i] = node_get(L, n->data.sequence.items.start[i]);
                *ret = v, *ret_n = cnt;
                return 0;
        }
        yaml_node_t **v = calloc(1, sizeof(*v));
        if (!v)
                return L->oom = true, -ENOMEM;
        v[0] = n;
        *ret = v, *ret_n = 1;
        return 0;
}

/* The items of a list node (or a scalar as a one-item list) and a zeroed array of as many
 * elements of `size` bytes for the parsed values. NULL when out of memory. */
static void *list_new(Loader *L, yaml_node_t *n, size_t size, yaml_node_t ***ret_items,
                      size_t *ret_n) {
        if (node_items(L, n, ret_items, ret_n) < 0)
                return NULL;
        void *v = calloc(*ret_n ? *ret_n : 1, size);
        if (!v) {
                L->oom = true;
                *ret_items = (free(*ret_items), NULL);
        }
        return v;
}

static int parse_strlist(Loader *L, yaml_node_t *n, char ***out, size_t *out_n) {
        _cleanup_free_ yaml_node_t **items = NULL;
        size_t cnt;
        if (node_items(L, n, &items, &cnt) < 0)
                return -ENOMEM;
        char **v = calloc(cnt ? cnt : 1, sizeof(char *));
        if (!v)
                return L->oom = true, -ENOMEM;
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
        for (size_t i = 0; i < *out_n; i++)
                free((*out)[i]);
        free(*out);
        *out = v, *out_n = k;
        return r;
}

static int resolve(Loader *L, yaml_node_t *n, Entity e, size_t *out) {
        const char *s = scalar(n);
        if (!s)
                return err_at(L, n, "expected a %s id", entity_names[e]);
        ssize_t i = idmap_get(&L->ids[e], s);
        if (i < 0)
                return err_at(L, n, "unknown %s '%s'", entity_names[e], s);
        *out = (size_t)i;
        return 0;
}

static int parse_reflist(Loader *L, yaml_node_t *n, Entity e, size_t **out, size_t *out_n) {
        _cleanup_free_ yaml_node_t **items = NULL;
        size_t cnt;
        size_t *v = list_new(L, n, sizeof(size_t), &items, &cnt);
        if (!v)
                return -ENOMEM;
        int r = 0;
        size_t k = 0;
        for (size_t i = 0; i < cnt; i++) {
                size_t idx;
                if (resolve(L, items[i], e, &idx) < 0) {
                        r = -EINVAL;
                        continue;
                }
                bool dup = false;
                for (size_t j = 0; j < k; j++)
                        dup |= v[j] == idx;
                if (dup) {
                        r = err_at(L, items[i], "%s '%s' listed twice", entity_names[e],
                                   scalar(items[i]));
                        continue;
                }
                v[k++] = idx;
        }
        free(*out);
        *out = v, *out_n = k;
        return r;
}

/* Parses a mapping through a key table. `seen` (optional) reports which keys were present. */
static int parse_map(Loader *L, yaml_node_t *map, const KeyDef *keys, size_t n_keys, void *obj,
                     bool *seen) {
        if (!map || map->type != YAML_MAPPING_NODE)
                return err_at(L, map, "expected a mapping (key: value)");
        bool local_seen[32] = {0};
        if (!seen)
                seen = local_seen;
        int r = 0;
        char *base = obj;
        for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
             p++) {
                yaml_node_t *kn = node_get(L, p->key), *vn = node_get(L, p->value);
                const char *k = scalar(kn);
                if (!k) {
                        r = err_at(L, kn, "expected a key");
                        continue;
                }
                size_t i;
                for (i = 0; i < n_keys && !streq(keys[i].name, k); i++)
                        ;
                if (i == n_keys) {
                        r = err_at(L, kn, "unknown key '%s'", k);
                        continue;
                }
                if (seen[i]) { /* reported once, by check_keys() when the file was read */
                        r = -EINVAL;
                        continue;
                }
                seen[i] = true;
                const KeyDef *d = &keys[i];
                void *f = base + d->off;
                int q = 0;
                switch (d->type) {
                case F_STR:
                        q = parse_str(L, vn, f);
                        if (q == 0 && d->check && d->check(*(char **)f))
                                q = err_at(L, vn, "%s: %s", k, d->check(*(char **)f));
                        break;
                case F_ID:
                        q = parse_str(L, vn, f);
                        if (q == 0 && !id_valid(*(char **)f))
                                q = err_at(L, vn, "invalid id '%s' (use 1-64 of a-z 0-9 _ -)",
                                           *(char **)f);
                        break;
                case F_INT: q = parse_int(L, vn, d->min, d->max, f); break;
                case F_BOOL: q = parse_bool(L, vn, f); break;
                case F_DATE: q = parse_date(L, vn, f); break;
                case F_TIME: q = parse_time(L, vn, f); break;
                case F_ENUM: {
                        int v;
                        q = parse_enum(L, vn, d->names, d->n_names, &v);
                        if (q == 0)
                                *(int *)f = v;
                        break;
                }
                case F_STRLIST: q = parse_strlist(L, vn, f, (size_t *)(base + d->off_n)); break;
                case F_REFLIST:
                        q = parse_reflist(L, vn, d->ref, f, (size_t *)(base + d->off_n));
                        break;
                case F_REF: {
                        size_t idx;
                        q = resolve(L, vn, d->ref, &idx);
                        if (q == 0)
                                *(ssize_t *)f = (ssize_t)idx;
                        break;
                }
                case F_CUSTOM: q = d->custom(L, vn, obj); break;
                case F_SKIP: break;
                }
                if (q < 0)
                        r = q;
        }
        for (size_t i = 0; i < n_keys; i++)
                if (keys[i].required && !seen[i])
                        r = err_at(L, map, "missing required key '%s'", keys[i].name);
        return r;
}

/* ---- rules ------------------------------------------------------------------------------ */

static int parse_due_day(Loader *L, yaml_node_t *n, void *obj) {
        Rule *r = obj;
        const char *s = scalar(n);
        if (s && streq(s, "last"))
                return r->due_day = DUE_DAY_LAST, 0;
        return parse_int(L, n, 1, 31, &r->due_day);
}

static int parse_before_holidays(Loader *L, yaml_node_t *n, void *obj) {
        Rule *r = obj;
        const char *s = scalar(n);
        bool b;
        if (s && (streq(s, "true") || streq(s, "false") || streq(s, "yes") || streq(s, "no"))) {
                if (parse_bool(L, n, &b) < 0)
                        return -EINVAL;
                r->before_holidays = b;
                return 0;
        }
        r->before_holidays = true;
        int q = parse_strlist(L, n, &r->holidays, &r->n_holidays);
        if (q < 0)
                return q;
        _cleanup_free_ yaml_node_t **items = NULL;
        size_t cnt;
        if (node_items(L, n, &items, &cnt) < 0)
                return -ENOMEM;
        const Calendar *cal = L->cfg->calendar;
        for (size_t i = 0; i < r->n_holidays && i < cnt; i++) {
                bool found = false;
                for (size_t j = 0; cal && j < cal->n_holidays && !found; j++)
                        found = streq(cal->holidays[j].id, r->holidays[i]);
                if (!found)
                        q = err_at(L, items[i], "unknown holiday '%s' (not in the holiday data)",
                                   r->holidays[i]);
        }
        return q;
}

static const KeyDef rule_keys[] = {
        {.name = "phrase", .type = F_SKIP},
        {.name = "period",
         .type = F_ENUM,
         .off = FIELD(Rule, period),
         .names = period_enum,
         .n_names = 6},
        KEY_INT("count", Rule, count, 1, 366),
        {.name = "pacing", .type = F_BOOL, .off = FIELD(Rule, pacing)},
        {.name = "due_day", .type = F_CUSTOM, .custom = parse_due_day},
        KEY_INT("due_month", Rule, due_month, 1, 12),
        {.name = "after_period", .type = F_BOOL, .off = FIELD(Rule, after_period)},
        {.name = "holiday_move",
         .type = F_ENUM,
         .off = FIELD(Rule, move),
         .names = move_enum,
         .n_names = 3},
        {.name = "before_holidays", .type = F_CUSTOM, .custom = parse_before_holidays},
};

static int parse_phrase_node(Loader *L, yaml_node_t *n, Rule *r) {
        const char *s = scalar(n);
        if (!s)
                return err_at(L, n, "expected a rule: a phrase such as 每年至少4次, or a mapping");
        size_t off;
        const char *msg;
        int q = rule_parse_phrase(s, r, &off, &msg);
        if (q == -ENOMEM)
                return L->oom = true, q;
        if (q < 0) {
                /* Column of the character where the phrase stopped making sense. */
                int col = node_col(n);
                if (n->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                    n->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE)
                        col++;
                for (size_t i = 0; i < off; i++)
                        col += ((unsigned char)s[i] & 0xC0) != 0x80;
                diags_add(L->diags, false, L->cur->path, node_line(n), col,
                          "cannot understand rule '%s': %s", s, msg);
                return -EINVAL;
        }
        return 0;
}

static int parse_rule(Loader *L, yaml_node_t *n, void *obj) {
        Duty *d = obj;
        Rule *r = &d->rule;
        rule_done(r);
        rule_init(r);
        if (n->type == YAML_SCALAR_NODE)
                return parse_phrase_node(L, n, r);
        if (n->type != YAML_MAPPING_NODE)
                return err_at(L, n, "expected a rule: a phrase such as 每年至少4次, or a mapping");
        yaml_node_t *ph = map_get(L, n, "phrase");
        if (ph && parse_phrase_node(L, ph, r) < 0)
                return -EINVAL;
        int q = parse_map(L, n, rule_keys, ELEMENTSOF(rule_keys), r, NULL);
        if (q < 0)
                return q;
        const char *why = rule_validate(r);
        if (why)
                return err_at(L, n, "invalid rule: %s", why);
        return 0;
}

/* ---- reminders -------------------------------------------------------------------------- */

static int cmp_int_desc(const void *a, const void *b) {
        int x = *(const int *)a, y = *(const int *)b;
        return (x < y) - (x > y);
}

static int parse_before(Loader *L, yaml_node_t *n, void *obj) {
        ReminderPolicy *p = obj;
        _cleanup_free_ yaml_node_t **items = NULL;
        size_t cnt;
        int *v = list_new(L, n, sizeof(int), &items, &cnt);
        if (!v)
                return -ENOMEM;
        int r = 0;
        size_t k = 0;
        for (size_t i = 0; i < cnt; i++) {
                int d;
                if (parse_int(L, items[i], 0, 366, &d) < 0) {
                        r = -EINVAL;
                        continue;
                }
                bool dup = false;
                for (size_t j = 0; j < k; j++)
                        dup |= v[j] == d;
                if (dup) {
                        r = err_at(L, items[i], "%d listed twice", d);
                        continue;
                }
                v[k++] = d;
        }
        qsort(v, k, sizeof(int), cmp_int_desc);
        free(p->before);
        p->before = v, p->n_before = k;
        return r;
}

static const KeyDef reminder_keys[] = {
        {.name = "before", .type = F_CUSTOM, .custom = parse_before},
        {.name = "time", .type = F_TIME, .off = FIELD(ReminderPolicy, minute_of_day)},
        {.name = "overdue", .type = F_BOOL, .off = FIELD(ReminderPolicy, overdue)},
        KEY_INT("escalate_after", ReminderPolicy, escalate_after, 0, 60),
};

static int policy_copy(ReminderPolicy *dst, const ReminderPolicy *src) {
        *dst = *src;
        dst->before = calloc(src->n_before ? src->n_before : 1, sizeof(int));
        if (!dst->before)
                return -ENOMEM;
        memcpy(dst->before, src->before, src->n_before * sizeof(int));
        return 0;
}

static int parse_duty_reminders(Loader *L, yaml_node_t *n, void *obj) {
        Duty *d = obj;
        return parse_map(L, n, reminder_keys, ELEMENTSOF(reminder_keys), &d->reminders, NULL);
}

/* ---- sections ----------------------------------------------------------------------------- */

static int parse_org_name(Loader *L, yaml_node_t *n, void *obj) {
        return parse_str(L, n, &((Config *)obj)->org_name);
}

static int parse_timezone(Loader *L, yaml_node_t *n, void *obj) {
        Config *c = obj;
        const char *s = scalar(n);
        if (!s)
                return err_at(L, n, "expected a time zone such as Asia/Shanghai");
        /* Accept names of the system's zoneinfo only ("Asia/Shanghai", "UTC"). */
        bool ok = s[0] && s[0] != '/' && !strstr(s, "..");
        for (const char *p = s; ok && *p; p++)
                ok = isalnum((unsigned char)*p) || strchr("/_+-", *p);
        _cleanup_free_ char *path = strfmt("/usr/share/zoneinfo/%s", s);
        if (!path)
                return L->oom = true, -ENOMEM;
        struct stat st;
        if (!ok || stat(path, &st) < 0 || !S_ISREG(st.st_mode))
                return err_at(L, n, "unknown time zone '%s'", s);
        return parse_str(L, n, &c->timezone);
}

/* ---- validators of string keys (what run time would reject, rejected at load) ---------- */

static bool has_control_or_space(const char *s) {
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                if (*p <= ' ' || *p == 0x7f)
                        return true;
        return false;
}

/* scheme://HOST[...] with one of `schemes`, a non-empty host, no spaces or control characters;
 * `wrong` says what is expected otherwise. */
static const char *check_url_scheme(const char *s, const char *const *schemes, const char *wrong) {
        if (has_control_or_space(s))
                return "a URL cannot contain spaces or control characters";
        for (const char *const *sc = schemes; *sc; sc++) {
                size_t n = strlen(*sc);
                if (strncmp(s, *sc, n) == 0)
                        return s[n] && !strchr("/:?#", s[n]) ? NULL : "the URL has no host";
        }
        return wrong;
}

static const char *check_http_url(const char *s) {
        static const char *const http[] = {"https://", "http://", NULL};
        return check_url_scheme(s, http, "must be an http:// or https:// URL");
}

static const char *check_any_url(const char *s) {
        static const char *const any[] = {"https://", "http://", "smtps://", "smtp://", NULL};
        return check_url_scheme(s, any, "must start with https:// (or http://, smtp://, smtps://)");
}

/* A header value: no line breaks (they would end the header and break every mail). */
static const char *check_header_text(const char *s) {
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                if (*p < ' ' || *p == 0x7f)
                        return "cannot contain line breaks or control characters";
        return NULL;
}

/* "HOST:PORT", "[V6]:PORT" or ":PORT" (as httpd.c binds it), port 0-65535. */
static const char *check_listen(const char *s) {
        const char *colon = strrchr(s, ':');
        if (!colon || !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
            strlen(colon + 1) > 5 || atoi(colon + 1) > 65535)
                return "expected HOST:PORT, [IPV6]:PORT or :PORT (port 0-65535)";
        size_t hl = (size_t)(colon - s);
        if (hl == 0)
                return NULL;
        char host[256];
        if (hl >= sizeof(host))
                return "host name too long";
        memcpy(host, s, hl);
        host[hl] = 0;
        unsigned char buf[16];
        if (host[0] == '[') {
                if (hl < 3 || host[hl - 1] != ']')
                        return "expected [IPV6]:PORT";
                host[hl - 1] = 0;
                return inet_pton(AF_INET6, host + 1, buf) == 1 ? NULL : "not an IPv6 address";
        }
        if (inet_pton(AF_INET, host, buf) == 1)
                return NULL;
        return strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") ==
                               hl
                       ? NULL
                       : "not a host name or IPv4 address";
}

static const KeyDef org_keys[] = {
        {.name = "name", .type = F_CUSTOM, .custom = parse_org_name},
        {.name = "timezone", .type = F_CUSTOM, .custom = parse_timezone},
};

static const KeyDef feeds_keys[] = {
        {.name = "dir", .type = F_STR, .off = FIELD(FeedsConfig, dir)},
        {.name = "public_url",
         .type = F_STR,
         .off = FIELD(FeedsConfig, public_url),
         .check = check_http_url},
        KEY_INT("past_days", FeedsConfig, past_days, 0, 3660),
        KEY_INT("future_days", FeedsConfig, future_days, 1, 3660),
        KEY_INT("refresh_minutes", FeedsConfig, refresh_minutes, 5, 10080),
        {.name = "org", .type = F_BOOL, .off = FIELD(FeedsConfig, org)},
};

static const KeyDef server_keys[] = {
        {.name = "listen",
         .type = F_STR,
         .off = FIELD(ServerConfig, listen),
         .check = check_listen},
        KEY_INT("max_connections", ServerConfig, max_connections, 1, 65536),
        KEY_INT("per_ip_connections", ServerConfig, per_ip_connections, 1, 65536),
        KEY_INT("timeout", ServerConfig, timeout_sec, 1, 3600),
        {.name = "public_url",
         .type = F_STR,
         .off = FIELD(ServerConfig, public_url),
         .check = check_http_url},
};

static const KeyDef template_keys[] = {
        {.name = "upcoming", .type = F_STR, .off = FIELD(Config, templates[TEMPLATE_UPCOMING])},
        {.name = "due_today", .type = F_STR, .off = FIELD(Config, templates[TEMPLATE_DUE_TODAY])},
        {.name = "overdue", .type = F_STR, .off = FIELD(Config, templates[TEMPLATE_OVERDUE])},
        {.name = "escalation", .type = F_STR, .off = FIELD(Config, templates[TEMPLATE_ESCALATION])},
        {.name = "digest", .type = F_STR, .off = FIELD(Config, templates[TEMPLATE_DIGEST])},
        {.name = "event", .type = F_STR, .off = FIELD(Config, templates[TEMPLATE_EVENT])},
};

/* ---- list items ------------------------------------------------------------------------- */

static const KeyDef document_keys[] = {
        {.name = "id", .type = F_ID, .off = FIELD(Document, id), .required = true},
        {.name = "title", .type = F_STR, .off = FIELD(Document, title), .required = true},
        {.name = "number", .type = F_STR, .off = FIELD(Document, number)},
        {.name = "date", .type = F_DATE, .off = FIELD(Document, date)},
};

static const KeyDef post_keys[] = {
        {.name = "id", .type = F_ID, .off = FIELD(Post, id), .required = true},
        {.name = "name", .type = F_STR, .off = FIELD(Post, name), .required = true},
        {.name = "escalate_to",
         .type = F_REFLIST,
         .off = FIELD(Post, escalate_to),
         .off_n = FIELD(Post, n_escalate_to),
         .ref = ENT_POST},
};

static const KeyDef tenure_keys[] = {
        {.name = "post",
         .type = F_REF,
         .off = FIELD(Tenure, post),
         .required = true,
         .ref = ENT_POST},
        {.name = "from", .type = F_DATE, .off = FIELD(Tenure, from)},
        {.name = "until", .type = F_DATE, .off = FIELD(Tenure, until)},
};

static int parse_tenures(Loader *L, yaml_node_t *n, void *obj) {
        Person *p = obj;
        _cleanup_free_ yaml_node_t **items = NULL;
        size_t cnt;
        Tenure *v = list_new(L, n, sizeof(Tenure), &items, &cnt);
        if (!v)
                return -ENOMEM;
        free(p->tenures);
        p->tenures = v, p->n_tenures = 0;
        int r = 0;
        for (size_t i = 0; i < cnt; i++) {
                Tenure t = {.from = DAY_INVALID, .until = DAY_MAX};
                if (items[i]->type == YAML_SCALAR_NODE) {
                        if (resolve(L, items[i], ENT_POST, &t.post) < 0) {
                                r = -EINVAL;
                                continue;
                        }
                } else {
                        if (parse_map(L, items[i], tenure_keys, ELEMENTSOF(tenure_keys), &t, NULL) <
                            0) {
                                r = -EINVAL;
                                continue;
                        }
                        if (t.from != DAY_INVALID && t.until != DAY_MAX && t.until < t.from) {
                                r = err_at(L, items[i], "'until' is before 'from'");
                                continue;
                        }
                }
                v[p->n_tenures++] = t;
        }
        return r;
}

static const KeyDef person_keys[] = {
        {.name = "id", .type = F_ID, .off = FIELD(Person, id), .required = true},
        {.name = "name", .type = F_STR, .off = FIELD(Person, name), .required = true},
        {.name = "email", .type = F_STR, .off = FIELD(Person, email)},
        {.name = "mobile", .type = F_STR, .off = FIELD(Person, mobile)},
        {.name = "channels",
         .type = F_REFLIST,
         .off = FIELD(Person, channels),
         .off_n = FIELD(Person, n_channels),
         .ref = ENT_CHANNEL},
        {.name = "posts", .type = F_CUSTOM, .custom = parse_tenures},
};

static const KeyDef duty_keys[] = {
        {.name = "id", .type = F_ID, .off = FIELD(Duty, id), .required = true},
        {.name = "post",
         .type = F_REFLIST,
         .off = FIELD(Duty, posts),
         .off_n = FIELD(Duty, n_posts),
         .ref = ENT_POST},
        {.name = "posts",
         .type = F_REFLIST,
         .off = FIELD(Duty, posts),
         .off_n = FIELD(Duty, n_posts),
         .ref = ENT_POST},
        {.name = "per_holder", .type = F_BOOL, .off = FIELD(Duty, per_holder)},
        {.name = "title", .type = F_STR, .off = FIELD(Duty, title), .required = true},
        {.name = "kind",
         .type = F_ENUM,
         .off = FIELD(Duty, kind),
         .names = kind_names,
         .n_names = _KIND_MAX},
        {.name = "document", .type = F_REF, .off = FIELD(Duty, document), .ref = ENT_DOCUMENT},
        {.name = "clause", .type = F_STR, .off = FIELD(Duty, clause)},
        {.name = "rule", .type = F_CUSTOM, .custom = parse_rule},
        {.name = "event", .type = F_STR, .off = FIELD(Duty, event)},
        {.name = "reminders", .type = F_CUSTOM, .custom = parse_duty_reminders},
        {.name = "note", .type = F_STR, .off = FIELD(Duty, note)},
};

static int parse_secret(Loader *L, yaml_node_t *n, Secret *s) {
        static const KeyDef secret_keys[] = {
                {.name = "file", .type = F_STR, .off = FIELD(Secret, file)},
                {.name = "credential", .type = F_STR, .off = FIELD(Secret, credential)},
        };
        if (n->type == YAML_SCALAR_NODE)
                return err_at(L, n,
                              "a secret is not written here: use {file: PATH} or "
                              "{credential: NAME}");
        bool seen[2] = {0};
        if (parse_map(L, n, secret_keys, 2, s, seen) < 0)
                return -EINVAL;
        if (seen[0] == seen[1])
                return err_at(L, n, "give exactly one of 'file' or 'credential'");
        s->where = strfmt("%s:%d:%d", L->cur->path, node_line(n), node_col(n));
        if (!s->where)
                return L->oom = true, -ENOMEM;
        if (s->credential && (strchr(s->credential, '/') || s->credential[0] == '.'))
                return err_at(L, n, "invalid credential name '%s'", s->credential);
        return 0;
}

static int parse_key(Loader *L, yaml_node_t *n, void *o) {
        return parse_secret(L, n, &((Channel *)o)->key);
}
static int parse_chsecret(Loader *L, yaml_node_t *n, void *o) {
        return parse_secret(L, n, &((Channel *)o)->secret);
}
static int parse_password(Loader *L, yaml_node_t *n, void *o) {
        return parse_secret(L, n, &((Channel *)o)->password);
}

static const KeyDef channel_keys[] = {
        {.name = "id", .type = F_ID, .off = FIELD(Channel, id), .required = true},
        {.name = "name", .type = F_STR, .off = FIELD(Channel, name)},
        {.name = "type",
         .type = F_ENUM,
         .off = FIELD(Channel, type),
         .required = true,
         .names = channel_names,
         .n_names = _CHANNEL_MAX},
        {.name = "url", .type = F_STR, .off = FIELD(Channel, url), .check = check_any_url},
        {.name = "key", .type = F_CUSTOM, .custom = parse_key},
        {.name = "secret", .type = F_CUSTOM, .custom = parse_chsecret},
        {.name = "username", .type = F_STR, .off = FIELD(Channel, username)},
        {.name = "password", .type = F_CUSTOM, .custom = parse_password},
        {.name = "from", .type = F_STR, .off = FIELD(Channel, from)},
        {.name = "from_name",
         .type = F_STR,
         .off = FIELD(Channel, from_name),
         .check = check_header_text},
        {.name = "to", .type = F_STRLIST, .off = FIELD(Channel, to), .off_n = FIELD(Channel, n_to)},
        KEY_INT("rate_per_minute", Channel, rate_per_minute, 1, 100000),
        KEY_INT("timeout", Channel, timeout_sec, 1, 600),
        KEY_INT("give_up_hours", Channel, give_up_hours, 1, 24 * 30),
        {.name = "insecure_tls", .type = F_BOOL, .off = FIELD(Channel, insecure_tls)},
};

static int parse_kinds(Loader *L, yaml_node_t *n, void *obj) {
        Route *r = obj;
        _cleanup_free_ yaml_node_t **items = NULL;
        size_t cnt;
        DutyKind *v = list_new(L, n, sizeof(DutyKind), &items, &cnt);
        if (!v)
                return -ENOMEM;
        free(r->kinds);
        r->kinds = v, r->n_kinds = 0;
        int q = 0;
        for (size_t i = 0; i < cnt; i++) {
                int k;
                if (parse_enum(L, items[i], kind_names, _KIND_MAX, &k) < 0)
                        q = -EINVAL;
                else
                        v[r->n_kinds++] = (DutyKind)k;
        }
        return q;
}

static const KeyDef route_keys[] = {
        {.name = "duties",
         .type = F_REFLIST,
         .off = FIELD(Route, duties),
         .off_n = FIELD(Route, n_duties),
         .ref = ENT_DUTY},
        {.name = "posts",
         .type = F_REFLIST,
         .off = FIELD(Route, posts),
         .off_n = FIELD(Route, n_posts),
         .ref = ENT_POST},
        {.name = "kinds", .type = F_CUSTOM, .custom = parse_kinds},
        {.name = "channels",
         .type = F_REFLIST,
         .off = FIELD(Route, channels),
         .off_n = FIELD(Route, n_channels),
         .required = true,
         .ref = ENT_CHANNEL},
        {.name = "holders_email", .type = F_BOOL, .off = FIELD(Route, holders_email)},
        {.name = "mention", .type = F_BOOL, .off = FIELD(Route, mention)},
};

/* ---- validation of whole items ---------------------------------------------------------- */

static bool email_valid(const char *s) {
        const char *at = strchr(s, '@');
        if (!at || at == s || !at[1] || strchr(at + 1, '@') || !strchr(at + 1, '.'))
                return false;
        for (const char *p = s; *p; p++)
                if ((unsigned char)*p <= ' ' || strchr("<>\",;()[]\\", *p))
                        return false;
        return true;
}

static bool mobile_valid(const char *s) {
        if (strlen(s) != 11 || s[0] != '1')
                return false;
        for (const char *p = s; *p; p++)
                if (!isdigit((unsigned char)*p))
                        return false;
        return true;
}

static int check_person(Loader *L, yaml_node_t *n, Person *p) {
        int r = 0;
        if (p->email && !email_valid(p->email))
                r = err_at(L, map_get(L, n, "email"), "invalid email address '%s'", p->email);
        if (p->mobile && !mobile_valid(p->mobile))
                r = err_at(L, map_get(L, n, "mobile"),
                           "invalid mobile number '%s' (11 digits starting with 1)", p->mobile);
        return r;
}

static int check_duty(Loader *L, yaml_node_t *n, Duty *d) {
        yaml_node_t *post = map_get(L, n, "post"), *posts = map_get(L, n, "posts");
        yaml_node_t *rule = map_get(L, n, "rule"), *event = map_get(L, n, "event");
        int r = 0;
        if (post && posts)
                r = err_at(L, posts, "give either 'post' or 'posts', not both");
        else if (!post && !posts)
                r = err_at(L, n, "missing required key 'post' (or 'posts')");
        if (rule && event)
                r = err_at(L, event, "give either 'rule' or 'event', not both");
        else if (!rule && !event)
                r = err_at(L, n, "missing required key 'rule' (or 'event')");
        if (d->per_holder && event)
                r = err_at(L, map_get(L, n, "per_holder"), "per_holder needs a rule");
        return r;
}

static int check_channel(Loader *L, yaml_node_t *n, Channel *c) {
        int r = 0;
        switch (c->type) {
        case CHANNEL_SMTP:
                if (!c->url || (strncmp(c->url, "smtp://", 7) && strncmp(c->url, "smtps://", 8)))
                        r = err_at(L, c->url ? map_get(L, n, "url") : n,
                                   "an smtp channel needs url: smtp://HOST:587 (STARTTLS) or "
                                   "smtps://HOST:465");
                if (!c->from)
                        r = err_at(L, n, "an smtp channel needs 'from'");
                else if (!email_valid(c->from))
                        r = err_at(L, map_get(L, n, "from"), "invalid email address '%s'", c->from);
                for (size_t i = 0; i < c->n_to; i++)
                        if (!email_valid(c->to[i]))
                                r = err_at(L, map_get(L, n, "to"), "invalid email address '%s'",
                                           c->to[i]);
                if (c->username && !c->password.file && !c->password.credential)
                        r = err_at(L, n, "an smtp channel with a username needs 'password'");
                break;
        case CHANNEL_WEBHOOK:
                if (!c->url)
                        r = err_at(L, n, "a webhook channel needs 'url'");
                break;
        default:
                /* Robots: the URL (with its key or token) may come from `key` instead. */
                if (!c->url && !c->key.file && !c->key.credential)
                        r = err_at(L, n, "a %s channel needs 'url' or 'key'",
                                   channel_type_to_string(c->type));
                break;
        }
        /* Robots and webhooks speak HTTP: an smtp:// URL there could never be delivered. */
        if (c->type != CHANNEL_SMTP && c->url && check_http_url(c->url))
                r = err_at(L, map_get(L, n, "url"), "url: %s", check_http_url(c->url));
        return r;
}

static unsigned duty_hash(const Duty *d) {
        /* Everything that changes what the duty's occurrences look like. */
        Buf b = {0};
        buf_printf(&b, "%s|%s|%s|%s|%s|%d|%d|", d->id, d->title, d->clause ? d->clause : "",
                   d->note ? d->note : "", d->event ? d->event : "", d->kind, d->per_holder);
        const Rule *r = &d->rule;
        buf_printf(&b, "%d|%d|%d|%d|%d|%d|%d|%d|", r->period, r->count, r->pacing, r->due_day,
                   r->due_month, r->after_period, r->move, r->before_holidays);
        for (size_t i = 0; i < r->n_holidays; i++)
                buf_printf(&b, "%s,", r->holidays[i]);
        for (size_t i = 0; i < d->reminders.n_before; i++)
                buf_printf(&b, "b%d,", d->reminders.before[i]);
        buf_printf(&b, "%d|%d|%d", d->reminders.minute_of_day, d->reminders.overdue,
                   d->reminders.escalate_after);
        unsigned h = b.data ? fnv1a(b.data) : 0;
        buf_done(&b);
        return h;
}

/* ---- files ------------------------------------------------------------------------------ */

/* A config file is a regular file: a FIFO (or a device) would block the loader, and the daemon's
 * reload with it, forever. Opened non-blocking to find out. */
static FILE *open_regular(Loader *L, const char *path) {
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

#define MAX_DEPTH 32 /* nesting of the config's mappings and lists; real ones use 4 */

/* Two equal keys in one mapping: YAML forbids it and the loader would read only the first
 * (a second `duties:` block would be dropped without a word). Also bounds the nesting. */
static int check_keys(Loader *L, yaml_node_t *n, int depth) {
        if (!n || n->type == YAML_SCALAR_NODE)
                return 0;
        if (depth > MAX_DEPTH)
                return err_at(L, n, "nested more than %d levels deep", MAX_DEPTH);
        int r = 0;
        if (n->type == YAML_SEQUENCE_NODE) {
                for (yaml_node_item_t *i = n->data.sequence.items.start;
                     i < n->data.sequence.items.top; i++)
                        if (check_keys(L, node_get(L, *i), depth + 1) < 0)
                                r = -EINVAL;
                return r;
        }
        yaml_node_pair_t *start = n->data.mapping.pairs.start, *top = n->data.mapping.pairs.top;
        for (yaml_node_pair_t *p = start; p < top; p++) {
                yaml_node_t *k = node_get(L, p->key);
                const char *name = k && k->type == YAML_SCALAR_NODE ? scalar(k) : NULL;
                for (yaml_node_pair_t *q = start; name && q < p; q++) {
                        yaml_node_t *k2 = node_get(L, q->key);
                        if (k2 && k2->type == YAML_SCALAR_NODE && streq(scalar(k2), name)) {
                                r = err_at(L, k,
                                           "'%s' given twice in this mapping (first at line %d)",
                                           name, node_line(k2));
                                break;
                        }
                }
                if (check_keys(L, node_get(L, p->value), depth + 1) < 0)
                        r = -EINVAL;
        }
        return r;
}

static void syntax_error(Loader *L, const char *path, const yaml_parser_t *p) {
        const yaml_mark_t *m = p->problem_mark.line || p->problem_mark.column ? &p->problem_mark
                                                                              : &p->context_mark;
        diags_add(L->diags, false, path, (int)m->line + 1, (int)m->column + 1,
                  "YAML syntax error: %s%s%s", p->problem ? p->problem : "unknown",
                  p->context ? " " : "", p->context ? p->context : "");
}

static int load_yaml(Loader *L, SourceFile *f) {
        _cleanup_fclose_ FILE *fp = open_regular(L, f->path);
        if (!fp)
                return -EINVAL;
        yaml_parser_t p;
        if (!yaml_parser_initialize(&p))
                return L->oom = true, -ENOMEM;
        yaml_parser_set_input_file(&p, fp);
        int r = 0;
        if (!yaml_parser_load(&p, &f->doc)) {
                syntax_error(L, f->path, &p);
                r = -EINVAL;
        } else {
                f->loaded = true;
                L->cur = f;
                yaml_node_t *root = yaml_document_get_root_node(&f->doc);
                if (root && root->type != YAML_MAPPING_NODE)
                        r = err_at(L, root, "the configuration must be a mapping of sections");
                else if (check_keys(L, root, 0) < 0)
                        r = -EINVAL;
                /* A second document ("---") would be ignored: say so. */
                yaml_document_t extra;
                if (!yaml_parser_load(&p, &extra)) {
                        syntax_error(L, f->path, &p);
                        r = -EINVAL;
                } else {
                        yaml_node_t *x = yaml_document_get_root_node(&extra);
                        if (x) {
                                diags_add(L->diags, false, f->path, (int)x->start_mark.line + 1,
                                          (int)x->start_mark.column + 1,
                                          "a second YAML document is not read: put everything "
                                          "in one (remove the '---')");
                                r = -EINVAL;
                        }
                        yaml_document_delete(&extra);
                }
        }
        yaml_parser_delete(&p);
        return r;
}

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
                          errno ? strerror(errno) : "not a folder");
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
        L->files = calloc(n, sizeof(SourceFile));
        if (!L->files) {
                globfree(&g);
                return -ENOMEM;
        }
        L->files[0].path = strdup(path);
        if (gr == 0)
                qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), cmp_str);
        for (size_t i = 1; i < n; i++)
                L->files[i].path = strdup(g.gl_pathv[i - 1]);
        globfree(&g);
        L->n_files = n;
        for (size_t i = 0; i < n; i++)
                if (!L->files[i].path)
                        return -ENOMEM;
        return 0;
}

/* ---- pass "ids" ------------------------------------------------------------------------- */

typedef struct IdSite {
        const char *file;
        int line, col;
} IdSite;

static int pass_ids(Loader *L) {
        IdSite *sites[_ENT_MAX] = {0};
        size_t cap[_ENT_MAX] = {0};
        int r = 0;
        for (size_t fi = 0; fi < L->n_files; fi++) {
                L->cur = &L->files[fi];
                if (!L->cur->loaded)
                        continue;
                yaml_node_t *root = yaml_document_get_root_node(&L->cur->doc);
                if (!root || root->type != YAML_MAPPING_NODE)
                        continue;
                for (int e = 0; e < _ENT_MAX; e++) {
                        yaml_node_t *list = map_get(L, root, entity_lists[e]);
                        if (!list)
                                continue;
                        if (list->type != YAML_SEQUENCE_NODE) {
                                r = err_at(L, list, "'%s' must be a list", entity_lists[e]);
                                continue;
                        }
                        for (yaml_node_item_t *it = list->data.sequence.items.start;
                             it < list->data.sequence.items.top; it++) {
                                size_t idx = L->counts[e]++;
                                yaml_node_t *idn = map_get(L, node_get(L, *it), "id");
                                const char *id = scalar(idn);
                                if (!id)
                                        continue; /* reported in pass "values" */
                                if (idx >= cap[e]) {
                                        cap[e] = cap[e] ? cap[e] * 2 : 64;
                                        IdSite *ns = realloc(sites[e], cap[e] * sizeof(IdSite));
                                        if (!ns) {
                                                r = -ENOMEM;
                                                goto out;
                                        }
                                        sites[e] = ns;
                                }
                                sites[e][idx] =
                                        (IdSite){L->cur->path, node_line(idn), node_col(idn)};
                                ssize_t prev = idmap_get(&L->ids[e], id);
                                if (prev >= 0) {
                                        IdSite *s = &sites[e][prev];
                                        r = err_at(L, idn,
                                                   "duplicate %s id '%s' (first defined at "
                                                   "%s:%d:%d)",
                                                   entity_names[e], id, s->file, s->line, s->col);
                                        continue;
                                }
                                if (idmap_put(&L->ids[e], id, idx) < 0) {
                                        r = -ENOMEM;
                                        goto out;
                                }
                        }
                }
        }
out:
        for (int e = 0; e < _ENT_MAX; e++)
                free(sites[e]);
        return r;
}

/* ---- holiday data ----------------------------------------------------------------------- */

typedef struct HolidayItem {
        char *id, *name;
        Day from, to;
        char **work;
        size_t n_work;
} HolidayItem;

static int parse_work_days(Loader *L, yaml_node_t *n, void *obj) {
        HolidayItem *h = obj;
        return parse_strlist(L, n, &h->work, &h->n_work);
}

static const KeyDef holiday_keys[] = {
        {.name = "id", .type = F_ID, .off = FIELD(HolidayItem, id), .required = true},
        {.name = "name", .type = F_STR, .off = FIELD(HolidayItem, name), .required = true},
        {.name = "from", .type = F_DATE, .off = FIELD(HolidayItem, from), .required = true},
        {.name = "to", .type = F_DATE, .off = FIELD(HolidayItem, to), .required = true},
        {.name = "work", .type = F_CUSTOM, .custom = parse_work_days},
};

static int load_holiday(Loader *L, yaml_node_t *n, int year, Calendar *cal) {
        HolidayItem h = {.from = DAY_INVALID, .to = DAY_INVALID};
        int r = parse_map(L, n, holiday_keys, ELEMENTSOF(holiday_keys), &h, NULL);
        if (r == 0 && (h.to < h.from || h.to - h.from > 31))
                r = err_at(L, n, "'to' must be on or after 'from', within a month");
        if (r == 0 && day_to_ymd(h.from).y != year)
                r = err_at(L, map_get(L, n, "from"), "date is not in %d", year);
        for (size_t i = 0; r == 0 && i < cal->n_holidays; i++)
                if (streq(cal->holidays[i].id, h.id) && day_to_ymd(cal->holidays[i].from).y == year)
                        r = err_at(L, map_get(L, n, "id"), "holiday '%s' given twice in %d", h.id,
                                   year);
        for (Day d = h.from; r == 0 && d <= h.to; d++) {
                int q = calendar_set_off(cal, d);
                char ds[11];
                day_format(d, ds);
                if (q == -EEXIST)
                        r = err_at(L, n,
                                   "%s is already a day off of another holiday or a make-up "
                                   "working day",
                                   ds);
                else if (q < 0)
                        r = err_at(L, n, "days off must be inside the year %d", year);
        }
        yaml_node_t *wn = map_get(L, n, "work");
        _cleanup_free_ yaml_node_t **items = NULL;
        size_t cnt = 0;
        if (r == 0 && wn && node_items(L, wn, &items, &cnt) < 0)
                r = -ENOMEM;
        for (size_t i = 0; r == 0 && i < h.n_work && i < cnt; i++) {
                Day d = day_parse(h.work[i]);
                if (d == DAY_INVALID)
                        r = err_at(L, items[i], "expected a date YYYY-MM-DD");
                else if (day_weekday(d) < 6)
                        r = err_at(L, items[i], "%s is not a weekend day", h.work[i]);
                else {
                        int q = calendar_set_work(cal, d);
                        if (q == -EEXIST)
                                r = err_at(L, items[i], "make-up working day %s is a day off",
                                           h.work[i]);
                        else if (q < 0)
                                r = err_at(L, items[i], "make-up day must be inside the year %d",
                                           year);
                }
        }
        if (r == 0 && calendar_add_holiday(cal, h.id, h.name, h.from, h.to) < 0)
                r = -ENOMEM;
        free(h.id);
        free(h.name);
        for (size_t i = 0; i < h.n_work; i++)
                free(h.work[i]);
        free(h.work);
        return r;
}

static int load_holiday_year(Loader *L, yaml_node_t *kn, yaml_node_t *vn, Calendar *cal) {
        int year;
        if (parse_int(L, kn, 1900, 9999, &year) < 0)
                return -EINVAL;
        if (calendar_has_year(cal, year))
                return err_at(L, kn, "year %d given twice", year);
        if (!vn || vn->type != YAML_MAPPING_NODE)
                return err_at(L, vn, "expected a mapping with 'source' and 'holidays'");
        const char *src = scalar(map_get(L, vn, "source"));
        if (!calendar_add_year(cal, year, src))
                return L->oom = true, -ENOMEM;
        int r = 0;
        for (yaml_node_pair_t *p = vn->data.mapping.pairs.start; p < vn->data.mapping.pairs.top;
             p++) {
                const char *k = scalar(node_get(L, p->key));
                if (k && streq(k, "source"))
                        continue;
                if (!k || !streq(k, "holidays")) {
                        r = err_at(L, node_get(L, p->key), "unknown key '%s'", k ? k : "");
                        continue;
                }
                yaml_node_t *list = node_get(L, p->value);
                if (list->type != YAML_SEQUENCE_NODE) {
                        r = err_at(L, list, "'holidays' must be a list");
                        continue;
                }
                for (yaml_node_item_t *it = list->data.sequence.items.start;
                     it < list->data.sequence.items.top; it++)
                        if (load_holiday(L, node_get(L, *it), year, cal) < 0)
                                r = -EINVAL;
        }
        return r;
}

static int load_holidays(Loader *L) {
        Config *c = L->cfg;
        const char *name = c->holidays_path ? c->holidays_path : "holidays-cn.yaml";
        _cleanup_free_ char *path =
                name[0] == '/' || streq(c->dir, ".") ? strdup(name) : strfmt("%s/%s", c->dir, name);
        if (!path)
                return -ENOMEM;
        if (!c->holidays_path && access(path, R_OK) < 0) {
                /* Not configured and not beside the config: the installed copy. */
                free(path);
                path = strdup(DUTYD_DATADIR "/holidays-cn.yaml");
                if (!path)
                        return -ENOMEM;
        }
        c->calendar = calendar_new();
        if (!c->calendar)
                return -ENOMEM;
        SourceFile f = {.path = TAKE_PTR(path)};
        SourceFile *saved = L->cur;
        int r = load_yaml(L, &f);
        if (r == -ENOENT && L->holidays_where_file) {
                /* Point at the `holidays:` key as well. */
                diags_add(L->diags, false, L->holidays_where_file, L->holidays_line,
                          L->holidays_col, "holiday data file '%s' cannot be read", f.path);
        }
        L->cur = &f;
        yaml_node_t *root = f.loaded ? yaml_document_get_root_node(&f.doc) : NULL;
        if (root && root->type == YAML_MAPPING_NODE) {
                for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
                     p < root->data.mapping.pairs.top; p++) {
                        yaml_node_t *kn = node_get(L, p->key), *vn = node_get(L, p->value);
                        const char *k = scalar(kn);
                        if (!k || !streq(k, "years")) {
                                r = err_at(L, kn, "unknown key '%s'", k ? k : "");
                                continue;
                        }
                        if (vn->type != YAML_MAPPING_NODE) {
                                r = err_at(L, vn, "'years' must be a mapping YEAR: {...}");
                                continue;
                        }
                        for (yaml_node_pair_t *q = vn->data.mapping.pairs.start;
                             q < vn->data.mapping.pairs.top; q++)
                                if (load_holiday_year(L, node_get(L, q->key), node_get(L, q->value),
                                                      c->calendar) < 0)
                                        r = -EINVAL;
                }
        }
        calendar_seal(c->calendar);
        /* Years of the planning range (the next 12 months) without data. */
        if (r == 0) {
                int y0 = day_to_ymd(L->today).y, y1 = day_to_ymd(L->today + 365).y;
                for (int y = y0; y <= y1; y++)
                        if (!calendar_has_year(c->calendar, y))
                                diags_add(L->diags, true, f.path, 0, 0,
                                          "no holiday data for %d: treated as weekends only "
                                          "until the State Council notice is added",
                                          y);
        }
        if (f.loaded)
                yaml_document_delete(&f.doc);
        free(f.path);
        L->cur = saved;
        return r;
}

/* ---- pass "values" ---------------------------------------------------------------------- */

static int parse_sections(Loader *L, yaml_node_t *root) {
        Config *c = L->cfg;
        int r = 0;
        for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
             p++) {
                yaml_node_t *kn = node_get(L, p->key), *vn = node_get(L, p->value);
                const char *k = scalar(kn);
                int q = 0;
                if (!k)
                        q = err_at(L, kn, "expected a section name");
                else if (streq(k, "organization"))
                        q = parse_map(L, vn, org_keys, ELEMENTSOF(org_keys), c, NULL);
                else if (streq(k, "reminders"))
                        q = parse_map(L, vn, reminder_keys, ELEMENTSOF(reminder_keys),
                                      &c->reminders, NULL);
                else if (streq(k, "feeds"))
                        q = parse_map(L, vn, feeds_keys, ELEMENTSOF(feeds_keys), &c->feeds, NULL);
                else if (streq(k, "server"))
                        q = parse_map(L, vn, server_keys, ELEMENTSOF(server_keys), &c->server,
                                      NULL);
                else if (streq(k, "templates"))
                        q = parse_map(L, vn, template_keys, ELEMENTSOF(template_keys), c, NULL);
                else if (streq(k, "holidays")) {
                        q = parse_str(L, vn, &c->holidays_path);
                        free(L->holidays_where_file);
                        L->holidays_where_file = xstrdup(L, L->cur->path);
                        L->holidays_line = node_line(vn), L->holidays_col = node_col(vn);
                } else if (streq(k, "state"))
                        q = parse_str(L, vn, &c->state_dir);
                else if (streq(k, "routes") || streq(k, "documents") || streq(k, "posts") ||
                         streq(k, "people") || streq(k, "duties") || streq(k, "channels")) {
                        if (streq(k, "routes") && vn->type != YAML_SEQUENCE_NODE)
                                q = err_at(L, vn, "'routes' must be a list");
                } else
                        q = err_at(L, kn, "unknown section '%s'", k);
                if (q < 0)
                        r = q;
        }
        return r;
}

static int parse_item(Loader *L, Entity e, yaml_node_t *n, size_t idx) {
        Config *c = L->cfg;
        switch (e) {
        case ENT_DOCUMENT: {
                Document *d = &c->documents[idx];
                d->date = DAY_INVALID;
                return parse_map(L, n, document_keys, ELEMENTSOF(document_keys), d, NULL);
        }
        case ENT_POST:
                return parse_map(L, n, post_keys, ELEMENTSOF(post_keys), &c->posts[idx], NULL);
        case ENT_PERSON: {
                Person *p = &c->people[idx];
                int r = parse_map(L, n, person_keys, ELEMENTSOF(person_keys), p, NULL);
                return r < 0 ? r : check_person(L, n, p);
        }
        case ENT_DUTY: {
                Duty *d = &c->duties[idx];
                d->document = -1;
                d->kind = KIND_OTHER;
                rule_init(&d->rule);
                if (policy_copy(&d->reminders, &c->reminders) < 0)
                        return L->oom = true, -ENOMEM;
                int r = parse_map(L, n, duty_keys, ELEMENTSOF(duty_keys), d, NULL);
                int q = check_duty(L, n, d);
                if (r == 0 && q == 0)
                        d->hash = duty_hash(d);
                return r < 0 ? r : q;
        }
        case ENT_CHANNEL: {
                Channel *ch = &c->channels[idx];
                ch->timeout_sec = 15;
                ch->give_up_hours = 24;
                int r = parse_map(L, n, channel_keys, ELEMENTSOF(channel_keys), ch, NULL);
                return r < 0 ? r : check_channel(L, n, ch);
        }
        default: return -EINVAL;
        }
}

static int parse_lists(Loader *L, yaml_node_t *root) {
        int r = 0;
        /* Channels before people and routes only matters for error order; ids are known. */
        for (int e = 0; e < _ENT_MAX; e++) {
                yaml_node_t *list = map_get(L, root, entity_lists[e]);
                if (!list || list->type != YAML_SEQUENCE_NODE)
                        continue;
                for (yaml_node_item_t *it = list->data.sequence.items.start;
                     it < list->data.sequence.items.top; it++)
                        if (parse_item(L, (Entity)e, node_get(L, *it), L->next[e]++) < 0)
                                r = -EINVAL;
        }
        yaml_node_t *routes = map_get(L, root, "routes");
        if (routes && routes->type == YAML_SEQUENCE_NODE) {
                for (yaml_node_item_t *it = routes->data.sequence.items.start;
                     it < routes->data.sequence.items.top; it++) {
                        Route *rt = &L->cfg->routes[L->n_routes++];
                        rt->mention = true;
                        yaml_node_t *rn = node_get(L, *it);
                        if (parse_map(L, rn, route_keys, ELEMENTSOF(route_keys), rt, NULL) < 0)
                                r = -EINVAL;
                        else if (rt->n_channels == 0)
                                r = err_at(L, map_get(L, rn, "channels"),
                                           "a route needs at least one channel");
                }
        }
        return r;
}

static int count_routes(Loader *L) {
        size_t n = 0;
        for (size_t fi = 0; fi < L->n_files; fi++) {
                L->cur = &L->files[fi];
                yaml_node_t *root =
                        L->cur->loaded ? yaml_document_get_root_node(&L->cur->doc) : NULL;
                yaml_node_t *routes = root ? map_get(L, root, "routes") : NULL;
                if (routes && routes->type == YAML_SEQUENCE_NODE)
                        n += (size_t)(routes->data.sequence.items.top -
                                      routes->data.sequence.items.start);
        }
        return (int)n;
}

static int allocate_arrays(Loader *L) {
        Config *c = L->cfg;
        size_t nr = (size_t)count_routes(L);
#define ALLOC(field, nfield, e)                                                        \
        do {                                                                           \
                c->field = calloc(L->counts[e] ? L->counts[e] : 1, sizeof(*c->field)); \
                if (!c->field)                                                         \
                        return -ENOMEM;                                                \
                c->nfield = L->counts[e];                                              \
        } while (0)
        ALLOC(documents, n_documents, ENT_DOCUMENT);
        ALLOC(posts, n_posts, ENT_POST);
        ALLOC(people, n_people, ENT_PERSON);
        ALLOC(duties, n_duties, ENT_DUTY);
        ALLOC(channels, n_channels, ENT_CHANNEL);
#undef ALLOC
        c->routes = calloc(nr ? nr : 1, sizeof(Route));
        if (!c->routes)
                return -ENOMEM;
        c->n_routes = nr;
        for (size_t i = 0; i < c->n_duties; i++)
                c->duties[i].document = -1;
        return 0;
}

static void set_defaults(Config *c) {
        c->reminders.minute_of_day = 9 * 60;
        c->reminders.overdue = true;
        c->reminders.escalate_after = 3;
        static const int before[] = {7, 1, 0};
        c->reminders.before = malloc(sizeof(before));
        if (c->reminders.before) {
                memcpy(c->reminders.before, before, sizeof(before));
                c->reminders.n_before = ELEMENTSOF(before);
        }
        c->feeds.past_days = 31;
        c->feeds.future_days = 366;
        c->feeds.refresh_minutes = 360;
        c->feeds.org = true;
        c->server.max_connections = 256;
        c->server.per_ip_connections = 32;
        c->server.timeout_sec = 30;
}

static int fill_defaults_after(Loader *L) {
        Config *c = L->cfg;
        if (!c->timezone && !(c->timezone = strdup(DEFAULT_TIMEZONE)))
                return -ENOMEM;
        if (!c->org_name) {
                L->cur = &L->files[0];
                yaml_node_t *root =
                        L->cur->loaded ? yaml_document_get_root_node(&L->cur->doc) : NULL;
                if (root)
                        return err_at(L, map_get(L, root, "organization") ?: root,
                                      "missing required key 'organization.name'");
                if (L->cur->loaded)
                        diags_add(L->diags, false, L->cur->path, 0, 0,
                                  "the file is empty: missing required key 'organization.name'");
                return -EINVAL;
        }
        if (!c->n_posts) {
                diags_add(L->diags, false, L->files[0].path, 0, 0, "no posts are defined");
                return -EINVAL;
        }
        return 0;
}

static int load_all(Loader *L, const char *path) {
        Config *c = L->cfg;
        int r = collect_files(L, path);
        if (r < 0)
                return r;
        int failed = 0;
        for (size_t i = 0; i < L->n_files; i++)
                if (load_yaml(L, &L->files[i]) < 0)
                        failed = -EINVAL;
        if (pass_ids(L) < 0)
                failed = -EINVAL;
        /* Sections first (all files): defaults such as reminders apply to every duty. */
        for (size_t i = 0; i < L->n_files; i++) {
                L->cur = &L->files[i];
                yaml_node_t *root =
                        L->cur->loaded ? yaml_document_get_root_node(&L->cur->doc) : NULL;
                if (root && root->type == YAML_MAPPING_NODE && parse_sections(L, root) < 0)
                        failed = -EINVAL;
        }
        /* Without the main file, where the holiday data is cannot be known. */
        if (L->files[0].loaded && yaml_document_get_root_node(&L->files[0].doc) &&
            load_holidays(L) < 0)
                failed = -EINVAL;
        if (allocate_arrays(L) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < L->n_files; i++) {
                L->cur = &L->files[i];
                yaml_node_t *root =
                        L->cur->loaded ? yaml_document_get_root_node(&L->cur->doc) : NULL;
                if (root && root->type == YAML_MAPPING_NODE && parse_lists(L, root) < 0)
                        failed = -EINVAL;
        }
        if (fill_defaults_after(L) < 0)
                failed = -EINVAL;
        (void)c;
        return L->oom ? -ENOMEM : failed;
}

static int build_holders_index(Config *c);

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
        if (!c)
                return -ENOMEM;
        set_defaults(c);
        c->path = strdup(path);
        const char *slash = strrchr(path, '/');
        c->dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
        Loader L = {.cfg = c, .diags = diags, .today = today};
        int r = !c->path || !c->dir || !c->reminders.before ? -ENOMEM : load_all(&L, path);
        if (r == -ENOMEM)
                diags_add(diags, false, path, 0, 0, "out of memory");
        else if (r == 0 && diags->n_errors > 0)
                r = -EINVAL;
        for (size_t i = 0; i < L.n_files; i++) {
                if (L.files[i].loaded)
                        yaml_document_delete(&L.files[i].doc);
                free(L.files[i].path);
        }
        free(L.files);
        free(L.holidays_where_file);
        for (int e = 0; e < _ENT_MAX; e++)
                idmap_done(&L.ids[e]);
        if (r == 0 && (r = build_holders_index(c)) < 0)
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

/* ---- secrets ------------------------------------------------------------------------------ */

/* Reads one secret. Errors name the file or credential, never the content. */
static int secret_load(Secret *s, Diags *diags) {
        if (!s->file && !s->credential)
                return 0;
        _cleanup_free_ char *path = NULL;
        if (s->credential) {
                /* Under systemd, the service's private copy, where units/dutyd.service's folder
                 * credential "dutyd" names each file "dutyd_FILE"; otherwise (dutyctl check
                 * --secrets, send-test, a daemon run by hand) the folder itself. */
                const char *dir = getenv("CREDENTIALS_DIRECTORY"), *name = s->credential;
                bool service = dir && *dir;
                if (!service) {
                        dir = CREDENTIALS_FOLDER;
                        if (strncmp(name, "dutyd_", 6) == 0)
                                name += 6;
                }
                path = strfmt("%s/%s", dir, name);
                if (service && path && access(path, F_OK) < 0) {
                        free(path);
                        path = strfmt("%s/dutyd_%s", dir, name);
                }
        } else
                path = strdup(s->file);
        if (!path)
                return -ENOMEM;
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char buf[4096];
        size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
        if (!f || ferror(f)) {
                int e = errno;
                diags_add(diags, false, s->where, 0, 0, "cannot read secret '%s': %s%s", path,
                          strerror(e),
                          e == EACCES && s->credential ? " (credentials are root's: run as root)"
                                                       : "");
                return -EIO;
        }
        buf[n] = 0;
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
                buf[--n] = 0;
        if (n == 0 || strlen(buf) != n) {
                diags_add(diags, false, s->where, 0, 0, "secret '%s' is empty or not text", path);
                explicit_bzero(buf, sizeof(buf));
                return -EINVAL;
        }
        free(s->value);
        s->value = strdup(buf);
        explicit_bzero(buf, sizeof(buf));
        return s->value ? 0 : -ENOMEM;
}

int config_load_secrets(Config *c, Diags *diags) {
        int r = 0;
        for (size_t i = 0; i < c->n_channels; i++) {
                Channel *ch = &c->channels[i];
                Secret *all[] = {&ch->key, &ch->secret, &ch->password};
                for (size_t j = 0; j < ELEMENTSOF(all); j++) {
                        int q = secret_load(all[j], diags);
                        if (q < 0)
                                r = q;
                }
        }
        return r;
}

/* ---- teardown and lookups --------------------------------------------------------------- */

static void secret_done(Secret *s) {
        free(s->where);
        free(s->file);
        free(s->credential);
        if (s->value) {
                /* Do not leave the secret in freed heap memory. */
                explicit_bzero(s->value, strlen(s->value));
                free(s->value);
        }
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n_documents; i++) {
                free(c->documents[i].id);
                free(c->documents[i].title);
                free(c->documents[i].number);
        }
        for (size_t i = 0; i < c->n_posts; i++) {
                free(c->posts[i].id);
                free(c->posts[i].name);
                free(c->posts[i].escalate_to);
        }
        for (size_t i = 0; i < c->n_people; i++) {
                Person *p = &c->people[i];
                free(p->id), free(p->name), free(p->email), free(p->mobile);
                free(p->tenures);
                free(p->channels);
        }
        for (size_t i = 0; i < c->n_duties; i++) {
                Duty *d = &c->duties[i];
                free(d->id), free(d->title), free(d->clause), free(d->note), free(d->event);
                free(d->posts);
                rule_done(&d->rule);
                free(d->reminders.before);
        }
        for (size_t i = 0; i < c->n_channels; i++) {
                Channel *ch = &c->channels[i];
                free(ch->id), free(ch->name), free(ch->url), free(ch->username);
                free(ch->from), free(ch->from_name);
                secret_done(&ch->key);
                secret_done(&ch->secret);
                secret_done(&ch->password);
                for (size_t j = 0; j < ch->n_to; j++)
                        free(ch->to[j]);
                free(ch->to);
        }
        for (size_t i = 0; i < c->n_routes; i++) {
                Route *r = &c->routes[i];
                free(r->duties), free(r->posts), free(r->kinds), free(r->channels);
        }
        for (int i = 0; i < _TEMPLATE_MAX; i++)
                free(c->templates[i]);
        free(c->documents), free(c->posts), free(c->people), free(c->duties);
        free(c->channels), free(c->routes);
        free(c->reminders.before);
        free(c->feeds.dir), free(c->feeds.public_url);
        free(c->server.listen), free(c->server.public_url);
        free(c->path), free(c->dir), free(c->org_name), free(c->timezone);
        free(c->holidays_path), free(c->state_dir);
        calendar_free(c->calendar);
        free(c->holders_off), free(c->holders);
        free(c);
        return NULL;
}

const char *config_default_path(void) {
        const char *e = getenv("DUTYD_CONFIG");
        return e && *e ? e : DUTYD_SYSCONFDIR "/dutyd/dutyd.yaml";
}

char *config_local_url(const Config *c, const char *served) {
        if (served && *served)
                return strfmt("http://%s", served);
        return strfmt("http://%s", c->server.listen ? c->server.listen : DEFAULT_LISTEN);
}

#define FIND(arr, n)                         \
        for (size_t i = 0; i < c->n; i++)    \
                if (streq(c->arr[i].id, id)) \
                        return (ssize_t)i;   \
        return -1

ssize_t config_find_post(const Config *c, const char *id) {
        FIND(posts, n_posts);
}
ssize_t config_find_person(const Config *c, const char *id) {
        FIND(people, n_people);
}
ssize_t config_find_duty(const Config *c, const char *id) {
        FIND(duties, n_duties);
}
ssize_t config_find_channel(const Config *c, const char *id) {
        FIND(channels, n_channels);
}

static bool tenure_covers(Day from, Day until, Day day) {
        return (from == DAY_INVALID || from <= day) && day <= until;
}

size_t config_post_holders(const Config *c, size_t post, Day day, size_t *out, size_t n) {
        size_t k = 0;
        uint32_t last = UINT32_MAX;
        for (uint32_t i = c->holders_off[post]; i < c->holders_off[post + 1]; i++) {
                const PostTenure *t = &c->holders[i];
                if (t->person == last || !tenure_covers(t->from, t->until, day))
                        continue; /* a person counts once, however many tenures match */
                last = t->person;
                if (k < n)
                        out[k] = t->person;
                k++;
        }
        return k < n ? k : n;
}

/* The post → tenures index behind config_post_holders(), so that asking who holds a post does
 * not scan every person (feeds, routing and reports ask it for every occurrence). */
static int build_holders_index(Config *c) {
        size_t total = 0;
        for (size_t i = 0; i < c->n_people; i++)
                total += c->people[i].n_tenures;
        if (total > UINT32_MAX)
                return -E2BIG;
        c->holders_off = calloc(c->n_posts + 1, sizeof(uint32_t));
        c->holders = calloc(total ? total : 1, sizeof(PostTenure));
        _cleanup_free_ uint32_t *fill = calloc(c->n_posts + 1, sizeof(uint32_t));
        if (!c->holders_off || !c->holders || !fill)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_people; i++)
                for (size_t j = 0; j < c->people[i].n_tenures; j++)
                        c->holders_off[c->people[i].tenures[j].post + 1]++;
        for (size_t p = 0; p < c->n_posts; p++)
                c->holders_off[p + 1] += c->holders_off[p];
        for (size_t i = 0; i < c->n_people; i++)
                for (size_t j = 0; j < c->people[i].n_tenures; j++) {
                        const Tenure *t = &c->people[i].tenures[j];
                        c->holders[c->holders_off[t->post] + fill[t->post]++] =
                                (PostTenure){(uint32_t)i, t->from, t->until};
                }
        return 0;
}

char *duty_basis(const Config *c, const Duty *d) {
        const Document *doc = d->document >= 0 ? &c->documents[d->document] : NULL;
        const char *src = doc ? (doc->number ? doc->number : doc->title) : NULL;
        if (src && d->clause)
                return strfmt("%s %s", src, d->clause);
        return strdup(src ? src : d->clause ? d->clause : "");
}
