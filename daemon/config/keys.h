/* keys.h — the loader's framework: its state, and mappings parsed through key tables (name,
 * type, field offset, limits, validator — redis's standardConfig idea) straight into the model.
 * Contract (for the files of daemon/config only; load.h is the public API):
 *  - Every parser reports its own errors at the node they concern (FILE:LINE:COLUMN, through
 *    err_at()) and returns 0, -EINVAL after errors, -ENOMEM (noted in Loader.oom, so that one
 *    "out of memory" is reported for the load), or -EAGAIN when an id it names is not known
 *    yet while the files are still being read (Loader.defer is then set: the item is parsed
 *    again once every file is read, and what this attempt reported is dropped).
 *  - Parsed strings and lists go to the config's pool (pool.h); nothing is freed one by one.
 *  - A mapping's keys are checked once: an unknown key, a missing required one, a value of the
 *    wrong type or out of range are each an error; a key given twice is the reader's
 *    (ytree.h). */
#pragma once
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "config.h"
#include "diag.h"
#include "hashmap.h"
#include "pool.h"
#include "ytree.h"

/* The lists whose items have ids, and the routes (no id) after them. */
typedef enum Entity {
        ENT_DOCUMENT,
        ENT_POST,
        ENT_PERSON,
        ENT_DUTY,
        ENT_CHANNEL,
        _ENT_MAX,
        ENT_ROUTE = _ENT_MAX,
} Entity;

extern const char *const entity_names[_ENT_MAX]; /* "post" … */

/* Where each id was defined, for "first defined at": 12 bytes (a county registers 100,000s). */
typedef struct IdSite {
        uint32_t file; /* index into Loader.files */
        int line, col;
} IdSite;

/* A list item parsed at the end: it named an id not seen yet (it may come later in the file or
 * in a later file), or a holiday before the holiday data was read. */
typedef struct Deferred {
        Entity entity;
        size_t idx;
        const char *file;
        YTree tree;
        uint32_t node;
} Deferred;

/* A rule phrase parsed once (config/duties.c). */
typedef struct PhraseMemo {
        Rule rule;
        bool assumed; /* a date without a year: warned at each duty */
} PhraseMemo;

typedef struct Loader {
        Config *cfg;
        Diags *diags;
        char **files; /* main, then conf.d/NAME.yaml in byte order */
        size_t n_files;
        const char *path;      /* of the file being read */
        size_t file_idx;       /* its index in `files` while they are read */
        YTree *t;              /* the tree the nodes being parsed belong to */
        HashMap ids[_ENT_MAX]; /* id (in the config's pool) → item index */
        IdSite *sites[_ENT_MAX];
        size_t cap_sites[_ENT_MAX];
        size_t cap[_ENT_MAX + 1]; /* of the config's arrays; [ENT_ROUTE] routes */
        Deferred *deferred;
        size_t n_deferred, cap_deferred;
        /* The id register_id() copied for the item being parsed, and its node: that item's
         * F_ID field takes this copy rather than a second one. */
        const char *item_id;
        const YNode *item_id_node;
        bool streaming; /* an unknown id may still be defined further on */
        bool defer;     /* the item being parsed waits for the end (set by resolve_id()) */
        bool oom;
        Day today;
        /* the node that set `holidays:`, for the location of its errors */
        char *holidays_where_file;
        int holidays_line, holidays_col;
        /* where organization.name is missing: the `organization:` key, else the root */
        int org_line, org_col;
        bool main_has_root, main_empty, main_broken;
        /* the reminder keys (RM_* of duties.h) each duty sets itself, by duty index */
        unsigned char *reminders_set;
        size_t n_reminders_set, cap_reminders_set;
        size_t cap_scopes;       /* of Config.scopes */
        HashMap scope_ids;       /* a scope's key (scope_key()) → index into Config.scopes */
        DutyScope scope;         /* the duty being parsed: its from/until/season … */
        bool scope_set;          /* … when it has any */
        unsigned duty_reminders; /* of the duty being parsed */
        HashMap phrase_ids;      /* "epoch|phrase" (in the pool) → index into phrases */
        PhraseMemo *phrases;
        size_t n_phrases, cap_phrases;
} Loader;

/* Out of memory: noted once for the whole load (config_load() reports it). */
static inline int loader_oom(Loader *L) {
        L->oom = true;
        return -ENOMEM;
}

static inline const char *scalar(const Loader *L, const YNode *n) {
        return ytree_scalar(L->t, n);
}

/* Copies into the config's pool; NULL (and Loader.oom) when out of memory. */
static inline char *xstrdup(Loader *L, const char *s) {
        char *d = pool_strdup(L->cfg->pool, s);
        if (!d)
                L->oom = true;
        return d;
}

static inline void *xalloc(Loader *L, size_t n) {
        void *d = pool_alloc(L->cfg->pool, n);
        if (!d)
                L->oom = true;
        return d;
}

/* An error at node `n` (NULL: the whole file) of the file being read. -EINVAL. */
int err_at(Loader *L, const YNode *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The YReport of the files' readers (ytree.h): their problems as errors of L->path. */
void loader_report_yaml(void *userdata, int line, int column, const char *msg);
/* Opens a config file (regular files only: a FIFO would block the loader, and the daemon's
 * reload with it, forever). NULL after reporting why. */
FILE *loader_open(Loader *L, const char *path);

/* ---- typed values ---- */

int parse_str(Loader *L, const YNode *n, char **out);
int parse_int(Loader *L, const YNode *n, int min, int max, int *out);
int parse_date(Loader *L, const YNode *n, Day *out); /* YYYY-MM-DD */
int parse_bool(Loader *L, const YNode *n, bool *out);
int parse_enum(Loader *L, const YNode *n, const char *const *names, size_t count, int *out);
/* The items of a list, or a scalar as a one-item list: a malloc'd array of nodes. */
int node_items(Loader *L, const YNode *n, const YNode ***ret, size_t *ret_n);
/* node_items() and a zeroed pool array of as many elements of `size` bytes for the parsed
 * values. NULL when out of memory. */
void *list_new(Loader *L, const YNode *n, size_t size, const YNode ***ret_items, size_t *ret_n);
int parse_strlist(Loader *L, const YNode *n, char ***out, size_t *out_n);
/* An id of entity `e` to its index. */
int resolve_id(Loader *L, const YNode *n, Entity e, size_t *out);
/* Registers the id of item `idx` of a list (a duplicate is reported; the first one stays). */
int register_id(Loader *L, Entity e, const YNode *item, size_t idx);

/* ---- key tables ---- */

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

typedef int (*CustomFn)(Loader *L, const YNode *n, void *obj);
/* A string key's validator: NULL when the value is fine, else what is wrong with it. */
typedef const char *(*CheckFn)(const char *value);

typedef struct KeyDef {
        const char *name;
        FieldType type;
        size_t off, off_n; /* field offset; count offset for lists */
        /* F_INT, F_ENUM, F_BOOL, F_TIME: the field's size in bytes (1, 2 or 4), set by the KEY_*
         * macros, which check when compiling that the field holds every accepted value; 0 (an
         * entry written out): an int, a bool for F_BOOL. */
        unsigned char size;
        bool required;
        int min, max;
        const char *const *names; /* F_ENUM */
        size_t n_names;
        Entity ref;
        CustomFn custom;
        CheckFn check; /* F_STR */
} KeyDef;

#define FIELD(T, f) offsetof(T, f)
/* The size of struct T's integer (enum, bool) field f, which must hold every value from lo to
 * hi: a narrow field never silently truncates what its key accepts (a compile error instead). */
#define FIELD_FITS(T, f, lo, hi)                                                        \
        (sizeof(((T *)0)->f) +                                                          \
         0 * sizeof(struct {                                                            \
                 _Static_assert((__typeof__(((T *)0)->f))(lo) == (lo) &&                \
                                        (__typeof__(((T *)0)->f))(hi) == (hi),          \
                                "the field " #T "." #f " cannot hold " #lo " to " #hi); \
                 char c;                                                                \
         }))
/* An integer key of struct T's field f, accepted in [lo, hi]. */
#define KEY_INT(n, T, f, lo, hi)                                                                  \
        {                                                                                         \
                .name = (n), .type = F_INT, .off = FIELD(T, f), .size = FIELD_FITS(T, f, lo, hi), \
                .min = (lo), .max = (hi)                                                          \
        }
/* An enum key of struct T's field f: the value's index in the array `nm` of names. */
#define KEY_ENUM(n, T, f, nm)                                                               \
        {                                                                                   \
                .name = (n), .type = F_ENUM, .off = FIELD(T, f),                            \
                .size = FIELD_FITS(T, f, 0, sizeof(nm) / sizeof(*(nm)) - 1), .names = (nm), \
                .n_names = sizeof(nm) / sizeof(*(nm))                                       \
        }
/* A time of day HH:MM of struct T's field f (minutes 0–1439). */
#define KEY_TIME(n, T, f) \
        { .name = (n), .type = F_TIME, .off = FIELD(T, f), .size = FIELD_FITS(T, f, 0, 1439) }
#define KEY_BOOL(n, T, f) \
        { .name = (n), .type = F_BOOL, .off = FIELD(T, f), .size = FIELD_FITS(T, f, 0, 1) }

/* Parses mapping `map` through the table `keys` (at most 32) into `obj`. `seen` (optional)
 * reports which keys were present. */
int parse_map(Loader *L, const YNode *map, const KeyDef *keys, size_t n_keys, void *obj,
              bool *seen);
