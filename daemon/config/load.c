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
 * here. */
#include "load.h"

#include <assert.h>
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
#include <arpa/inet.h>

#include "array.h"
#include "hashmap.h"
#include "pool.h"
#include "util.h"
#include "ytree.h"

static const char *const period_enum[] = {"", "week", "month", "quarter", "half", "year"};
static const char *const move_enum[] = {"postpone", "earlier", "none"};

/* ---- id maps ---------------------------------------------------------------------------- */

typedef enum Entity { ENT_DOCUMENT, ENT_POST, ENT_PERSON, ENT_DUTY, ENT_CHANNEL, _ENT_MAX } Entity;
static const char *const entity_names[_ENT_MAX] = {"document", "post", "person", "duty", "channel"};
static const char *const entity_lists[_ENT_MAX] = {"documents", "posts", "people", "duties",
                                                   "channels"};

/* FNV-1a, fed field by field: the duty hashes (Duty.hash). Feed SEQUENCE numbers persisted in
 * users' state depend on these values: they must never change. */
#define FNV_BASIS 2166136261u

static uint32_t hash_bytes(uint32_t h, const void *p, size_t n) {
        for (const unsigned char *s = p; n > 0; n--, s++)
                h = (h ^ *s) * 16777619u;
        return h;
}

/* ---- loader state ----------------------------------------------------------------------- */

/* Where each id was defined, for "first defined at". */
typedef struct IdSite {
        const char *file;
        int line, col;
} IdSite;

/* A list item parsed at the end: it named an id not seen yet (it may come later in the file or
 * in a later file), or a holiday before the holiday data was read. */
typedef struct Deferred {
        int entity; /* Entity, or ENT_ROUTE */
        size_t idx;
        const char *file;
        YTree tree;
        uint32_t node;
} Deferred;

#define ENT_ROUTE _ENT_MAX

typedef struct Loader {
        Config *cfg;
        Diags *diags;
        char **files; /* main, then conf.d/NAME.yaml in byte order */
        size_t n_files;
        const char *path;      /* of the file being read */
        YTree *t;              /* the tree the nodes being parsed belong to */
        HashMap ids[_ENT_MAX]; /* id (in the config's pool) → item index */
        IdSite *sites[_ENT_MAX];
        size_t cap_sites[_ENT_MAX];
        size_t cap[_ENT_MAX + 1]; /* of the config's arrays; [ENT_ROUTE] routes */
        Deferred *deferred;
        size_t n_deferred, cap_deferred;
        bool streaming; /* an unknown id may still be defined further on */
        bool defer;     /* the item being parsed waits for the end (set by resolve()) */
        bool oom;
        Day today;
        /* the node that set `holidays:`, for the location of its errors */
        char *holidays_where_file;
        int holidays_line, holidays_col;
        /* where organization.name is missing: the `organization:` key, else the root */
        int org_line, org_col;
        bool main_has_root, main_empty, main_broken;
        /* the reminder keys (RM_*) each duty sets itself, by duty index */
        unsigned char *reminders_set;
        size_t n_reminders_set, cap_reminders_set;
        unsigned duty_reminders; /* of the duty being parsed */
} Loader;

/* Out of memory: noted once for the whole load (config_load() reports it). */
static int oom(Loader *L) {
        L->oom = true;
        return -ENOMEM;
}

static int err_at(Loader *L, const YNode *n, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int err_at(Loader *L, const YNode *n, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        char *msg = vstrfmt(fmt, ap);
        va_end(ap);
        diags_add(L->diags, false, L->path, n ? (int)n->line : 0, n ? (int)n->column : 0, "%s",
                  msg ? msg : "out of memory");
        free(msg);
        return -EINVAL;
}

static const char *scalar(Loader *L, const YNode *n) {
        return ytree_scalar(L->t, n);
}

static char *xstrdup(Loader *L, const char *s) {
        char *d = pool_strdup(L->cfg->pool, s);
        if (!d)
                L->oom = true;
        return d;
}

static void *xalloc(Loader *L, size_t n) {
        void *d = pool_alloc(L->cfg->pool, n);
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
typedef int (*CustomFn)(Loader *L, const YNode *n, void *obj);
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

static int parse_str(Loader *L, const YNode *n, char **out) {
        const char *s = scalar(L, n);
        if (!s)
                return err_at(L, n, "expected a string");
        if (!utf8_valid(s, strlen(s)))
                return err_at(L, n, "not valid UTF-8");
        char *d = xstrdup(L, s);
        if (!d)
                return -ENOMEM;
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

static int parse_int(Loader *L, const YNode *n, int min, int max, int *out) {
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

static int parse_bool(Loader *L, const YNode *n, bool *out) {
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

static int parse_date(Loader *L, const YNode *n, Day *out) {
        const char *s = scalar(L, n);
        Day d = s ? day_parse(s) : DAY_INVALID;
        if (d == DAY_INVALID)
                return err_at(L, n, "expected a date YYYY-MM-DD");
        *out = d;
        return 0;
}

static int parse_time(Loader *L, const YNode *n, int *out) {
        const char *s = scalar(L, n);
        int h, m, k = 0;
        if (!s || sscanf(s, "%2d:%2d%n", &h, &m, &k) != 2 || s[k] || h < 0 || h > 23 || m < 0 ||
            m > 59 || strlen(s) != 5)
                return err_at(L, n, "expected a time HH:MM");
        *out = h * 60 + m;
        return 0;
}

static int parse_enum(Loader *L, const YNode *n, const char *const *names, size_t count, int *out) {
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

/* Iterate a sequence, or treat a scalar as a one-element sequence. */
static int node_items(Loader *L, const YNode *n, const YNode ***ret, size_t *ret_n) {
        if (n->type == Y_SEQ) {
                size_t cnt = ytree_count(n);
                const YNode **v = calloc(cnt ? cnt : 1, sizeof(*v));
                if (!v)
                        return oom(L);
                for (size_t i = 0; i < cnt; i++)
                        v[i] = ytree_item(L->t, n, i);
                *ret = v, *ret_n = cnt;
                return 0;
        }
        const YNode **v = calloc(1, sizeof(*v));
        if (!v)
                return oom(L);
        v[0] = n;
        *ret = v, *ret_n = 1;
        return 0;
}

/* The items of a list node (or a scalar as a one-item list) and a zeroed array of as many
 * elements of `size` bytes for the parsed values. NULL when out of memory. */
static void *list_new(Loader *L, const YNode *n, size_t size, const YNode ***ret_items,
                      size_t *ret_n) {
        if (node_items(L, n, ret_items, ret_n) < 0)
                return NULL;
        void *v = xalloc(L, (*ret_n ? *ret_n : 1) * size);
        if (!v) {
                free(*ret_items);
                *ret_items = NULL;
        }
        return v;
}

static int parse_strlist(Loader *L, const YNode *n, char ***out, size_t *out_n) {
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

static int resolve(Loader *L, const YNode *n, Entity e, size_t *out) {
        const char *s = scalar(L, n);
        if (!s)
                return err_at(L, n, "expected a %s id", entity_names[e]);
        if (hashmap_get_str(&L->ids[e], s, out))
                return 0;
        if (L->streaming) {
                /* It may be defined further on: this item is parsed again at the end. */
                L->defer = true;
                return -EAGAIN;
        }
        return err_at(L, n, "unknown %s '%s'", entity_names[e], s);
}

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
                if (resolve(L, items[i], e, &idx) < 0) {
                        r = -EINVAL;
                        continue;
                }
                bool dup = false;
                for (size_t j = 0; j < k; j++)
                        dup |= v[j] == idx;
                if (dup) {
                        r = err_at(L, items[i], "%s '%s' listed twice", entity_names[e],
                                   scalar(L, items[i]));
                        continue;
                }
                v[k++] = idx;
        }
        *out = v, *out_n = k;
        return r;
}

/* Parses a mapping through a key table. `seen` (optional) reports which keys were present. */
static int parse_map(Loader *L, const YNode *map, const KeyDef *keys, size_t n_keys, void *obj,
                     bool *seen) {
        if (!map || map->type != Y_MAP)
                return err_at(L, map, "expected a mapping (key: value)");
        bool local_seen[32] = {0};
        assert(n_keys <= ELEMENTSOF(local_seen));
        if (!seen)
                seen = local_seen;
        int r = 0;
        char *base = obj;
        for (size_t pi = 0; pi < ytree_count(map); pi++) {
                const YNode *kn = ytree_key(L->t, map, pi), *vn = ytree_value(L->t, map, pi);
                const char *k = scalar(L, kn);
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

static int parse_due_day(Loader *L, const YNode *n, void *obj) {
        Rule *r = obj;
        const char *s = scalar(L, n);
        if (s && streq(s, "last")) {
                r->due_day = DUE_DAY_LAST;
                return 0;
        }
        return parse_int(L, n, 1, 31, &r->due_day);
}

static int parse_before_holidays(Loader *L, const YNode *n, void *obj) {
        Rule *r = obj;
        const char *s = scalar(L, n);
        bool b;
        if (s && (streq(s, "true") || streq(s, "false") || streq(s, "yes") || streq(s, "no"))) {
                if (parse_bool(L, n, &b) < 0)
                        return -EINVAL;
                r->before_holidays = b;
                return 0;
        }
        r->before_holidays = true;
        /* The rule owns its names (rule.h): a copy of the list read into the pool. */
        Rule read = *r;
        read.holidays = NULL, read.n_holidays = 0;
        int q = parse_strlist(L, n, &read.holidays, &read.n_holidays);
        if (q < 0)
                return q;
        rule_done(r);
        if (rule_copy(r, &read) < 0)
                return oom(L);
        _cleanup_free_ const YNode **items = NULL;
        size_t cnt;
        if (node_items(L, n, &items, &cnt) < 0)
                return -ENOMEM;
        const Calendar *cal = L->cfg->calendar;
        if (!cal && L->streaming) {
                /* The holiday data is read once every file is: check the names then. */
                L->defer = true;
                return -EAGAIN;
        }
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

static int parse_phrase_node(Loader *L, const YNode *n, Rule *r) {
        const char *s = scalar(L, n);
        if (!s)
                return err_at(L, n, "expected a rule: a phrase such as 每年至少4次, or a mapping");
        size_t off;
        const char *msg;
        int q = rule_parse_phrase(s, r, &off, &msg);
        if (q == -ENOMEM)
                return oom(L);
        if (q < 0) {
                /* Column of the character where the phrase stopped making sense. */
                int col = (int)n->column;
                if (n->quoted)
                        col++;
                for (size_t i = 0; i < off; i++)
                        col += ((unsigned char)s[i] & 0xC0) != 0x80;
                diags_add(L->diags, false, L->path, (int)n->line, col,
                          "cannot understand rule '%s': %s", s, msg);
                return -EINVAL;
        }
        return 0;
}

static int parse_rule(Loader *L, const YNode *n, void *obj) {
        Duty *d = obj;
        Rule *r = &d->rule;
        rule_done(r);
        rule_init(r);
        if (n->type == Y_SCALAR)
                return parse_phrase_node(L, n, r);
        if (n->type != Y_MAP)
                return err_at(L, n, "expected a rule: a phrase such as 每年至少4次, or a mapping");
        const YNode *ph = ytree_get(L->t, n, "phrase");
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

static int parse_before(Loader *L, const YNode *n, void *obj) {
        ReminderPolicy *p = obj;
        _cleanup_free_ const YNode **items = NULL;
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
        /* Most duties say the same days: one copy of each list. */
        int *shared = (int *)pool_intern(L->cfg->pool, v, k * sizeof(int));
        if (!shared)
                return oom(L);
        p->before = shared, p->n_before = k;
        return r;
}

static const KeyDef reminder_keys[] = {
        {.name = "before", .type = F_CUSTOM, .custom = parse_before},
        {.name = "time", .type = F_TIME, .off = FIELD(ReminderPolicy, minute_of_day)},
        {.name = "overdue", .type = F_BOOL, .off = FIELD(ReminderPolicy, overdue)},
        KEY_INT("escalate_after", ReminderPolicy, escalate_after, 0, 60),
};

/* Bits of Loader.reminders_set: the keys of reminder_keys, in its order. */
enum { RM_BEFORE = 1 << 0, RM_TIME = 1 << 1, RM_OVERDUE = 1 << 2, RM_ESCALATE = 1 << 3 };

static int parse_duty_reminders(Loader *L, const YNode *n, void *obj) {
        Duty *d = obj;
        bool seen[ELEMENTSOF(reminder_keys)] = {0};
        int r = parse_map(L, n, reminder_keys, ELEMENTSOF(reminder_keys), &d->reminders, seen);
        for (size_t i = 0; i < ELEMENTSOF(reminder_keys); i++)
                L->duty_reminders |= seen[i] ? 1u << i : 0;
        return r;
}

/* ---- sections ----------------------------------------------------------------------------- */

static int parse_org_name(Loader *L, const YNode *n, void *obj) {
        return parse_str(L, n, &((Config *)obj)->org_name);
}

static int parse_timezone(Loader *L, const YNode *n, void *obj) {
        Config *c = obj;
        const char *s = scalar(L, n);
        if (!s)
                return err_at(L, n, "expected a time zone such as Asia/Shanghai");
        /* Accept names of the system's zoneinfo only ("Asia/Shanghai", "UTC"). */
        bool ok = s[0] && s[0] != '/' && !strstr(s, "..");
        for (const char *p = s; ok && *p; p++)
                ok = isalnum((unsigned char)*p) || strchr("/_+-", *p);
        _cleanup_free_ char *path = strfmt("/usr/share/zoneinfo/%s", s);
        if (!path)
                return oom(L);
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

/* The whole-organisation feed is gone (a county's is far beyond what calendar clients accept):
 * the key still loads, with a warning naming the bounded feeds that replace it. */
static int parse_feeds_org(Loader *L, const YNode *n, void *obj) {
        int r = parse_bool(L, n, &((FeedsConfig *)obj)->org);
        if (r == 0)
                diags_add(L->diags, true, L->path, (int)n->line, (int)n->column,
                          "feeds.org is obsolete: the whole-organisation feed is replaced by the "
                          "bounded feeds 'overdue' and 'summary' (feeds.overdue, feeds.summary)%s",
                          ((FeedsConfig *)obj)->org ? "" : "; org: false turns both off");
        return r;
}

static const KeyDef feeds_keys[] = {
        {.name = "dir", .type = F_STR, .off = FIELD(FeedsConfig, dir)},
        {.name = "public_url",
         .type = F_STR,
         .off = FIELD(FeedsConfig, public_url),
         .check = check_http_url},
        KEY_INT("past_days", FeedsConfig, past_days, 0, 3660),
        KEY_INT("future_days", FeedsConfig, future_days, 1, 3660),
        KEY_INT("refresh_minutes", FeedsConfig, refresh_minutes, 5, 10080),
        KEY_INT("max_events", FeedsConfig, max_events, 10, 10000),
        {.name = "overdue", .type = F_BOOL, .off = FIELD(FeedsConfig, overdue)},
        {.name = "summary", .type = F_BOOL, .off = FIELD(FeedsConfig, summary)},
        {.name = "org", .type = F_CUSTOM, .custom = parse_feeds_org},
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

static int parse_tenures(Loader *L, const YNode *n, void *obj) {
        Person *p = obj;
        _cleanup_free_ const YNode **items = NULL;
        size_t cnt;
        Tenure *v = list_new(L, n, sizeof(Tenure), &items, &cnt);
        if (!v)
                return -ENOMEM;
        p->tenures = v, p->n_tenures = 0;
        int r = 0;
        for (size_t i = 0; i < cnt; i++) {
                Tenure t = {.from = DAY_INVALID, .until = DAY_MAX};
                if (items[i]->type == Y_SCALAR) {
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
         .names = duty_kind_names,
         .n_names = _KIND_MAX},
        {.name = "document", .type = F_REF, .off = FIELD(Duty, document), .ref = ENT_DOCUMENT},
        {.name = "clause", .type = F_STR, .off = FIELD(Duty, clause)},
        {.name = "rule", .type = F_CUSTOM, .custom = parse_rule},
        {.name = "event", .type = F_STR, .off = FIELD(Duty, event)},
        {.name = "reminders", .type = F_CUSTOM, .custom = parse_duty_reminders},
        {.name = "note", .type = F_STR, .off = FIELD(Duty, note)},
};

static int parse_secret(Loader *L, const YNode *n, Secret *s) {
        static const KeyDef secret_keys[] = {
                {.name = "file", .type = F_STR, .off = FIELD(Secret, file)},
                {.name = "credential", .type = F_STR, .off = FIELD(Secret, credential)},
        };
        if (n->type == Y_SCALAR)
                return err_at(L, n,
                              "a secret is not written here: use {file: PATH} or "
                              "{credential: NAME}");
        bool seen[2] = {0};
        if (parse_map(L, n, secret_keys, 2, s, seen) < 0)
                return -EINVAL;
        if (seen[0] == seen[1])
                return err_at(L, n, "give exactly one of 'file' or 'credential'");
        _cleanup_free_ char *where = strfmt("%s:%d:%d", L->path, (int)n->line, (int)n->column);
        if (!where || !(s->where = xstrdup(L, where)))
                return oom(L);
        if (s->credential && (strchr(s->credential, '/') || s->credential[0] == '.'))
                return err_at(L, n, "invalid credential name '%s'", s->credential);
        return 0;
}

static int parse_key(Loader *L, const YNode *n, void *o) {
        return parse_secret(L, n, &((Channel *)o)->key);
}
static int parse_chsecret(Loader *L, const YNode *n, void *o) {
        return parse_secret(L, n, &((Channel *)o)->secret);
}
static int parse_password(Loader *L, const YNode *n, void *o) {
        return parse_secret(L, n, &((Channel *)o)->password);
}

static const KeyDef channel_keys[] = {
        {.name = "id", .type = F_ID, .off = FIELD(Channel, id), .required = true},
        {.name = "name", .type = F_STR, .off = FIELD(Channel, name)},
        {.name = "type",
         .type = F_ENUM,
         .off = FIELD(Channel, type),
         .required = true,
         .names = channel_type_names,
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

static int parse_kinds(Loader *L, const YNode *n, void *obj) {
        Route *r = obj;
        _cleanup_free_ const YNode **items = NULL;
        size_t cnt;
        DutyKind *v = list_new(L, n, sizeof(DutyKind), &items, &cnt);
        if (!v)
                return -ENOMEM;
        r->kinds = v, r->n_kinds = 0;
        int q = 0;
        for (size_t i = 0; i < cnt; i++) {
                int k;
                if (parse_enum(L, items[i], duty_kind_names, _KIND_MAX, &k) < 0)
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

static int check_person(Loader *L, const YNode *n, Person *p) {
        int r = 0;
        if (p->email && !email_valid(p->email))
                r = err_at(L, ytree_get(L->t, n, "email"), "invalid email address '%s'", p->email);
        if (p->mobile && !mobile_valid(p->mobile))
                r = err_at(L, ytree_get(L->t, n, "mobile"),
                           "invalid mobile number '%s' (11 digits starting with 1)", p->mobile);
        return r;
}

static int check_duty(Loader *L, const YNode *n, Duty *d) {
        const YNode *post = ytree_get(L->t, n, "post"), *posts = ytree_get(L->t, n, "posts");
        const YNode *rule = ytree_get(L->t, n, "rule"), *event = ytree_get(L->t, n, "event");
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
                r = err_at(L, ytree_get(L->t, n, "per_holder"), "per_holder needs a rule");
        return r;
}

static int check_channel(Loader *L, const YNode *n, Channel *c) {
        int r = 0;
        switch (c->type) {
        case CHANNEL_SMTP:
                if (!c->url || (strncmp(c->url, "smtp://", 7) && strncmp(c->url, "smtps://", 8)))
                        r = err_at(L, c->url ? ytree_get(L->t, n, "url") : n,
                                   "an smtp channel needs url: smtp://HOST:587 (STARTTLS) or "
                                   "smtps://HOST:465");
                if (!c->from)
                        r = err_at(L, n, "an smtp channel needs 'from'");
                else if (!email_valid(c->from))
                        r = err_at(L, ytree_get(L->t, n, "from"), "invalid email address '%s'",
                                   c->from);
                for (size_t i = 0; i < c->n_to; i++)
                        if (!email_valid(c->to[i]))
                                r = err_at(L, ytree_get(L->t, n, "to"),
                                           "invalid email address '%s'", c->to[i]);
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
                r = err_at(L, ytree_get(L->t, n, "url"), "url: %s", check_http_url(c->url));
        return r;
}

/* Strings end with a 0 byte so that "ab"+"c" and "a"+"bc" differ. */
static uint32_t hash_str(uint32_t h, const char *s) {
        return hash_bytes(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

static uint32_t hash_int(uint32_t h, int v) {
        return hash_bytes(h, &v, sizeof(v));
}

static unsigned duty_hash(const Duty *d) {
        /* Everything that changes what the duty's occurrences look like. */
        uint32_t h = FNV_BASIS;
        const char *const strs[] = {d->id, d->title, d->clause, d->note, d->event};
        for (size_t i = 0; i < ELEMENTSOF(strs); i++)
                h = hash_str(h, strs[i]);
        const Rule *r = &d->rule;
        const int ints[] = {(int)d->kind, d->per_holder,     r->period,    r->count,
                            r->pacing,    r->due_day,        r->due_month, r->after_period,
                            (int)r->move, r->before_holidays};
        for (size_t i = 0; i < ELEMENTSOF(ints); i++)
                h = hash_int(h, ints[i]);
        for (size_t i = 0; i < r->n_holidays; i++)
                h = hash_str(h, r->holidays[i]);
        const ReminderPolicy *p = &d->reminders;
        h = hash_int(h, (int)p->n_before);
        for (size_t i = 0; i < p->n_before; i++)
                h = hash_int(h, p->before[i]);
        h = hash_int(h, p->minute_of_day);
        h = hash_int(h, p->overdue);
        return hash_int(h, p->escalate_after);
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

/* ---- diagnostics of one reading --------------------------------------------------------- */

static void report_yaml(void *userdata, int line, int column, const char *msg) {
        Loader *L = userdata;
        diags_add(L->diags, false, L->path, line, column, "%s", msg);
}

/* ---- ids -------------------------------------------------------------------------------- */

/* Registers the id of item `idx` (duplicates are reported, the first one stays). */
static int register_id(Loader *L, Entity e, const YNode *item, size_t idx) {
        const YNode *idn = ytree_get(L->t, item, "id");
        const char *id = scalar(L, idn);
        if (!id)
                return 0; /* reported when the item is parsed */
        if (ARRAY_GROW(L->sites[e], L->cap_sites[e], idx + 1) < 0)
                return oom(L);
        L->sites[e][idx] = (IdSite){L->path, (int)idn->line, (int)idn->column};
        size_t prev;
        if (hashmap_get_str(&L->ids[e], id, &prev)) {
                const IdSite *s = &L->sites[e][prev];
                return err_at(L, idn, "duplicate %s id '%s' (first defined at %s:%d:%d)",
                              entity_names[e], id, s->file, s->line, s->col);
        }
        const char *key = xstrdup(L, id);
        if (!key || hashmap_put_str(&L->ids[e], key, idx) < 0)
                return oom(L);
        return 0;
}

/* ---- holiday data ----------------------------------------------------------------------- */

typedef struct HolidayItem {
        char *id, *name;
        Day from, to;
        char **work;
        size_t n_work;
} HolidayItem;

static int parse_work_days(Loader *L, const YNode *n, void *obj) {
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

static int holiday_days_off(Loader *L, const YNode *n, const HolidayItem *h, int year,
                            Calendar *cal) {
        for (Day d = h->from; d <= h->to; d++) {
                int q = calendar_set_off(cal, d);
                char ds[11];
                day_format(d, ds);
                if (q == -EEXIST)
                        return err_at(L, n,
                                      "%s is already a day off of another holiday or a make-up "
                                      "working day",
                                      ds);
                if (q < 0)
                        return err_at(L, n, "days off must be inside the year %d", year);
        }
        return 0;
}

static int holiday_work_days(Loader *L, const YNode *n, const HolidayItem *h, int year,
                             Calendar *cal) {
        const YNode *wn = ytree_get(L->t, n, "work");
        _cleanup_free_ const YNode **items = NULL;
        size_t cnt = 0;
        if (wn && node_items(L, wn, &items, &cnt) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < h->n_work && i < cnt; i++) {
                Day d = day_parse(h->work[i]);
                if (d == DAY_INVALID)
                        return err_at(L, items[i], "expected a date YYYY-MM-DD");
                if (day_weekday(d) < 6)
                        return err_at(L, items[i], "%s is not a weekend day", h->work[i]);
                int q = calendar_set_work(cal, d);
                if (q == -EEXIST)
                        return err_at(L, items[i], "make-up working day %s is a day off",
                                      h->work[i]);
                if (q < 0)
                        return err_at(L, items[i], "make-up day must be inside the year %d", year);
        }
        return 0;
}

static int load_holiday(Loader *L, const YNode *n, int year, Calendar *cal) {
        HolidayItem h = {.from = DAY_INVALID, .to = DAY_INVALID};
        int r = parse_map(L, n, holiday_keys, ELEMENTSOF(holiday_keys), &h, NULL);
        if (r == 0 && (h.to < h.from || h.to - h.from > 31))
                r = err_at(L, n, "'to' must be on or after 'from', within a month");
        if (r == 0 && day_to_ymd(h.from).y != year)
                r = err_at(L, ytree_get(L->t, n, "from"), "date is not in %d", year);
        for (size_t i = 0; r == 0 && i < cal->n_holidays; i++)
                if (streq(cal->holidays[i].id, h.id) && day_to_ymd(cal->holidays[i].from).y == year)
                        r = err_at(L, ytree_get(L->t, n, "id"), "holiday '%s' given twice in %d",
                                   h.id, year);
        if (r == 0)
                r = holiday_days_off(L, n, &h, year, cal);
        if (r == 0)
                r = holiday_work_days(L, n, &h, year, cal);
        if (r == 0 && calendar_add_holiday(cal, h.id, h.name, h.from, h.to) < 0)
                r = -ENOMEM;
        return r; /* its strings are in the config's pool */
}

static int load_holiday_year(Loader *L, const YNode *kn, const YNode *vn, Calendar *cal) {
        int year;
        if (parse_int(L, kn, 1900, 9999, &year) < 0)
                return -EINVAL;
        if (calendar_has_year(cal, year))
                return err_at(L, kn, "year %d given twice", year);
        if (!vn || vn->type != Y_MAP)
                return err_at(L, vn, "expected a mapping with 'source' and 'holidays'");
        const char *src = scalar(L, ytree_get(L->t, vn, "source"));
        if (!calendar_add_year(cal, year, src))
                return oom(L);
        int r = 0;
        for (size_t i = 0; i < ytree_count(vn); i++) {
                const YNode *k = ytree_key(L->t, vn, i), *list = ytree_value(L->t, vn, i);
                const char *name = scalar(L, k);
                if (name && streq(name, "source"))
                        continue;
                if (!name || !streq(name, "holidays")) {
                        r = err_at(L, k, "unknown key '%s'", name ? name : "");
                        continue;
                }
                if (list->type != Y_SEQ) {
                        r = err_at(L, list, "'holidays' must be a list");
                        continue;
                }
                for (size_t j = 0; j < ytree_count(list); j++)
                        if (load_holiday(L, ytree_item(L->t, list, j), year, cal) < 0)
                                r = -EINVAL;
        }
        return r;
}

/* The holiday file's root: {years: {YEAR: {source, holidays: [...]}, ...}}. */
static int load_holiday_root(Loader *L, const YNode *root, Calendar *cal) {
        int r = 0;
        for (size_t i = 0; root->type == Y_MAP && i < ytree_count(root); i++) {
                const YNode *kn = ytree_key(L->t, root, i), *vn = ytree_value(L->t, root, i);
                const char *k = scalar(L, kn);
                if (!k || !streq(k, "years")) {
                        r = err_at(L, kn, "unknown key '%s'", k ? k : "");
                        continue;
                }
                if (vn->type != Y_MAP) {
                        r = err_at(L, vn, "'years' must be a mapping YEAR: {...}");
                        continue;
                }
                for (size_t j = 0; j < ytree_count(vn); j++)
                        if (load_holiday_year(L, ytree_key(L->t, vn, j), ytree_value(L->t, vn, j),
                                              cal) < 0)
                                r = -EINVAL;
        }
        return r;
}

static char *holidays_file(const Config *c) {
        const char *name = c->holidays_path ? c->holidays_path : "holidays-cn.yaml";
        char *path =
                name[0] == '/' || streq(c->dir, ".") ? strdup(name) : strfmt("%s/%s", c->dir, name);
        if (path && !c->holidays_path && access(path, R_OK) < 0) {
                /* Not configured and not beside the config: the installed copy. */
                free(path);
                path = strdup(DUTYD_DATADIR "/holidays-cn.yaml");
        }
        return path;
}

static int load_holidays(Loader *L) {
        Config *c = L->cfg;
        _cleanup_free_ char *path = holidays_file(c);
        if (!path || !(c->calendar = calendar_new()))
                return -ENOMEM;
        const char *saved = L->path;
        L->path = path;
        YTree t = {0};
        YReader *R = NULL;
        uint32_t root = UINT32_MAX;
        _cleanup_fclose_ FILE *fp = open_regular(L, path);
        int r = -EINVAL;
        if (!fp && L->holidays_where_file) /* point at the `holidays:` key as well */
                diags_add(L->diags, false, L->holidays_where_file, L->holidays_line,
                          L->holidays_col, "holiday data file '%s' cannot be read", path);
        if (fp && (r = yreader_new(fp, report_yaml, L, &R)) == 0)
                r = yreader_document(R, &t, &root);
        L->t = &t;
        if (root != UINT32_MAX && load_holiday_root(L, ytree_node(&t, root), c->calendar) < 0)
                r = -EINVAL;
        calendar_seal(c->calendar);
        /* Years of the planning range (the next 12 months) without data. */
        for (int y = day_to_ymd(L->today).y; r == 0 && y <= day_to_ymd(L->today + 365).y; y++)
                if (!calendar_has_year(c->calendar, y))
                        diags_add(L->diags, true, path, 0, 0,
                                  "no holiday data for %d: treated as weekends only until the "
                                  "State Council notice is added",
                                  y);
        yreader_free(R);
        ytree_done(&t);
        L->path = saved;
        return r == -ENOMEM ? oom(L) : r;
}

/* ---- sections --------------------------------------------------------------------------- */

static int parse_section(Loader *L, const char *k, const YNode *kn, const YNode *vn) {
        Config *c = L->cfg;
        if (!k)
                return err_at(L, kn, "expected a section name");
        if (streq(k, "organization"))
                return parse_map(L, vn, org_keys, ELEMENTSOF(org_keys), c, NULL);
        if (streq(k, "reminders"))
                return parse_map(L, vn, reminder_keys, ELEMENTSOF(reminder_keys), &c->reminders,
                                 NULL);
        if (streq(k, "feeds"))
                return parse_map(L, vn, feeds_keys, ELEMENTSOF(feeds_keys), &c->feeds, NULL);
        if (streq(k, "server"))
                return parse_map(L, vn, server_keys, ELEMENTSOF(server_keys), &c->server, NULL);
        if (streq(k, "templates"))
                return parse_map(L, vn, template_keys, ELEMENTSOF(template_keys), c, NULL);
        if (streq(k, "holidays")) {
                free(L->holidays_where_file);
                if (!(L->holidays_where_file = strdup(L->path)))
                        return oom(L);
                L->holidays_line = (int)vn->line, L->holidays_col = (int)vn->column;
                return parse_str(L, vn, &c->holidays_path);
        }
        if (streq(k, "state"))
                return parse_str(L, vn, &c->state_dir);
        return err_at(L, kn, "unknown section '%s'", k);
}

/* ---- list items ------------------------------------------------------------------------- */

/* The list of entity `e`'s items in the config: its array, count and item size. */
static void entity_array(Config *c, int e, void ***ret_arr, size_t **ret_n, size_t *ret_size) {
        switch (e) {
        case ENT_DOCUMENT:
                *ret_arr = (void **)&c->documents, *ret_n = &c->n_documents;
                *ret_size = sizeof(Document);
                return;
        case ENT_POST:
                *ret_arr = (void **)&c->posts, *ret_n = &c->n_posts, *ret_size = sizeof(Post);
                return;
        case ENT_PERSON:
                *ret_arr = (void **)&c->people, *ret_n = &c->n_people, *ret_size = sizeof(Person);
                return;
        case ENT_DUTY:
                *ret_arr = (void **)&c->duties, *ret_n = &c->n_duties, *ret_size = sizeof(Duty);
                return;
        case ENT_CHANNEL:
                *ret_arr = (void **)&c->channels, *ret_n = &c->n_channels;
                *ret_size = sizeof(Channel);
                return;
        default:
                assert(e == ENT_ROUTE);
                *ret_arr = (void **)&c->routes, *ret_n = &c->n_routes, *ret_size = sizeof(Route);
                return;
        }
}

/* A new zeroed item at the end of entity `e`'s array: its index, or -ENOMEM. */
static ssize_t entity_slot(Loader *L, int e) {
        void **arr;
        size_t *n, size;
        entity_array(L->cfg, e, &arr, &n, &size);
        if (array_grow(arr, &L->cap[e], *n + 1, size) < 0)
                return oom(L);
        memset((char *)*arr + *n * size, 0, size);
        return (ssize_t)(*n)++;
}

/* Frees what item `idx` of entity `e` holds and zeroes it (the array keeps its place). */
static void item_done(Config *c, int e, size_t idx) {
        void **arr;
        size_t *n, size;
        entity_array(c, e, &arr, &n, &size);
        void *it = (char *)*arr + idx * size;
        if (e == ENT_DUTY)
                duty_done(it);
        else if (e == ENT_CHANNEL)
                channel_done(it);
        memset(it, 0, size); /* the other items hold pooled memory only */
}

static int parse_duty(Loader *L, const YNode *n, size_t idx) {
        Duty *d = &L->cfg->duties[idx];
        d->document = -1;
        d->kind = KIND_OTHER;
        rule_init(&d->rule);
        L->duty_reminders = 0;
        int r = parse_map(L, n, duty_keys, ELEMENTSOF(duty_keys), d, NULL);
        int q = check_duty(L, n, d);
        if (!L->defer && L->duty_reminders) {
                /* The keys the duty sets itself; the rest come from `reminders:` at the end. */
                if (ARRAY_GROW(L->reminders_set, L->cap_reminders_set, idx + 1) < 0)
                        return oom(L);
                if (idx >= L->n_reminders_set) { /* the duties in between set none */
                        memset(L->reminders_set + L->n_reminders_set, 0,
                               idx + 1 - L->n_reminders_set);
                        L->n_reminders_set = idx + 1;
                }
                L->reminders_set[idx] = L->duty_reminders;
        }
        return r < 0 ? r : q;
}

static int parse_item(Loader *L, int e, const YNode *n, size_t idx) {
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
        case ENT_DUTY: return parse_duty(L, n, idx);
        case ENT_CHANNEL: {
                Channel *ch = &c->channels[idx];
                ch->timeout_sec = 15;
                ch->give_up_hours = 24;
                int r = parse_map(L, n, channel_keys, ELEMENTSOF(channel_keys), ch, NULL);
                return r < 0 ? r : check_channel(L, n, ch);
        }
        default: {
                Route *rt = &c->routes[idx];
                rt->mention = true;
                int r = parse_map(L, n, route_keys, ELEMENTSOF(route_keys), rt, NULL);
                if (r == 0 && rt->n_channels == 0)
                        r = err_at(L, ytree_get(L->t, n, "channels"),
                                   "a route needs at least one channel");
                return r;
        }
        }
}

/* Parses one list item now, or, when it names what is not known yet, keeps a copy of it for
 * the end (what this attempt reported and filled in is undone). */
static int take_item(Loader *L, int e, YTree *t, uint32_t node) {
        ssize_t idx = entity_slot(L, e);
        if (idx < 0)
                return (int)idx;
        L->t = t;
        const YNode *n = ytree_node(t, node);
        int r = e == ENT_ROUTE ? 0 : register_id(L, (Entity)e, n, (size_t)idx);
        size_t mark = L->diags->n;
        L->defer = false;
        int q = parse_item(L, e, n, (size_t)idx);
        if (!L->defer)
                return r < 0 ? r : q;
        L->defer = false;
        diags_truncate(L->diags, mark);
        item_done(L->cfg, e, (size_t)idx);
        if (ARRAY_GROW(L->deferred, L->cap_deferred, L->n_deferred + 1) < 0)
                return oom(L);
        Deferred *d = &L->deferred[L->n_deferred];
        *d = (Deferred){.entity = e, .idx = (size_t)idx, .file = L->path};
        int64_t c = ytree_copy(&d->tree, t, node);
        if (c < 0) {
                ytree_done(&d->tree);
                return oom(L);
        }
        d->node = (uint32_t)c;
        L->n_deferred++;
        return r;
}

static int list_entity(const char *k) {
        for (int e = 0; e < _ENT_MAX; e++)
                if (streq(k, entity_lists[e]))
                        return e;
        return streq(k, "routes") ? ENT_ROUTE : -1;
}

/* A list section: item by item as they are read, or whole when it cannot be streamed. */
static int read_list(Loader *L, YReader *R, int e, const char *name, YTree *t) {
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
                        q = read_list(L, R, e, k, &vt);
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
                return oom(L);
        return q < 0 ? -EPIPE : r;
}

/* Streams one file into the config. */
static int read_file(Loader *L, size_t fi) {
        L->path = L->files[fi];
        _cleanup_fclose_ FILE *fp = open_regular(L, L->path);
        if (!fp)
                return -EINVAL;
        YReader *R = NULL;
        if (yreader_new(fp, report_yaml, L, &R) < 0)
                return oom(L);
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

/* ---- after every file ------------------------------------------------------------------- */

static int parse_deferred(Loader *L) {
        int r = 0;
        for (size_t i = 0; i < L->n_deferred; i++) {
                Deferred *d = &L->deferred[i];
                L->path = d->file;
                L->t = &d->tree;
                if (parse_item(L, d->entity, ytree_node(&d->tree, d->node), d->idx) < 0)
                        r = -EINVAL;
        }
        return r;
}

/* Each duty's reminders: the keys it sets itself, the rest from `reminders:` (which may come
 * in any file, before or after the duty). Then the duty's hash, which covers them. */
static int finish_duties(Loader *L) {
        Config *c = L->cfg;
        const ReminderPolicy *def = &c->reminders;
        for (size_t i = 0; i < c->n_duties; i++) {
                Duty *d = &c->duties[i];
                unsigned set = i < L->n_reminders_set ? L->reminders_set[i] : 0;
                ReminderPolicy *p = &d->reminders;
                if (!(set & RM_BEFORE)) /* shared: the pool owns every list */
                        p->before = def->before, p->n_before = def->n_before;
                if (!(set & RM_TIME))
                        p->minute_of_day = def->minute_of_day;
                if (!(set & RM_OVERDUE))
                        p->overdue = def->overdue;
                if (!(set & RM_ESCALATE))
                        p->escalate_after = def->escalate_after;
                d->hash = duty_hash(d);
        }
        return 0;
}

/* Gives back the unused half of the arrays grown while streaming. */
static void trim_arrays(Loader *L) {
        for (int e = 0; e <= ENT_ROUTE; e++) {
                void **arr;
                size_t *n, size;
                entity_array(L->cfg, e, &arr, &n, &size);
                void *na = *n ? reallocarray(*arr, *n, size) : NULL;
                if (na)
                        *arr = na;
        }
}

static void set_defaults(Config *c) {
        c->reminders.minute_of_day = 9 * 60;
        c->reminders.overdue = true;
        c->reminders.escalate_after = 3;
        static const int before[] = {7, 1, 0};
        c->reminders.before = (int *)pool_intern(c->pool, before, sizeof(before));
        c->reminders.n_before = ELEMENTSOF(before);
        c->feeds.past_days = 31;
        c->feeds.future_days = 366;
        c->feeds.refresh_minutes = 360;
        c->feeds.max_events = 500;
        c->feeds.overdue = true;
        c->feeds.summary = true;
        c->feeds.org = true;
        c->server.max_connections = 256;
        c->server.per_ip_connections = 32;
        c->server.timeout_sec = 30;
}

static int fill_defaults_after(Loader *L) {
        Config *c = L->cfg;
        if (!c->timezone && !(c->timezone = xstrdup(L, DEFAULT_TIMEZONE)))
                return -ENOMEM;
        if (L->main_broken) /* what is missing may lie beyond the syntax error */
                return -EINVAL;
        if (!c->org_name) {
                if (L->main_has_root)
                        diags_add(L->diags, false, L->files[0], L->org_line, L->org_col,
                                  "missing required key 'organization.name'");
                else if (L->main_empty)
                        diags_add(L->diags, false, L->files[0], 0, 0,
                                  "the file is empty: missing required key 'organization.name'");
                return -EINVAL;
        }
        if (!c->n_posts) {
                diags_add(L->diags, false, L->files[0], 0, 0, "no posts are defined");
                return -EINVAL;
        }
        return 0;
}

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
        if (fill_defaults_after(L) < 0)
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
        set_defaults(c);
        c->path = pool_strdup(c->pool, path);
        const char *slash = strrchr(path, '/');
        size_t dl = slash ? (size_t)(slash - path) + (slash == path) : 0;
        if ((c->dir = pool_alloc(c->pool, dl + 2)))
                memcpy(c->dir, slash ? path : ".", slash ? dl : 1);
        Loader L = {.cfg = c, .diags = diags, .today = today};
        size_t first_diag = diags->n;
        int r = !c->path || !c->dir || !c->reminders.before ? -ENOMEM : load_all(&L, path);
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

const char *config_default_path(void) {
        const char *e = getenv("DUTYD_CONFIG");
        return e && *e ? e : DUTYD_SYSCONFDIR "/dutyd/dutyd.yaml";
}
