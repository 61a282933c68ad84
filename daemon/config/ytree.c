/* ytree.c — see ytree.h. */
#include "ytree.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "array.h"
#include "i18n.h"
#include "util.h"

/* ---- trees ------------------------------------------------------------------------------ */

/* Node indices and text offsets are 32 bits. */
#define TREE_MAX UINT32_MAX

static int64_t add_node(YTree *t, YType type, int line, int column) {
        if (t->n_nodes + 1 > TREE_MAX || ARRAY_GROW(t->nodes, t->cap_nodes, t->n_nodes + 1) < 0)
                return -ENOMEM;
        t->nodes[t->n_nodes] =
                (YNode){.type = type, .line = (uint32_t)line, .column = (uint32_t)column};
        return (int64_t)t->n_nodes++;
}

static int64_t add_scalar(YTree *t, const char *s, size_t len, bool quoted, int line, int column) {
        if (t->n_text + len + 1 > TREE_MAX ||
            ARRAY_GROW(t->text, t->cap_text, t->n_text + len + 1) < 0)
                return -ENOMEM;
        int64_t i = add_node(t, Y_SCALAR, line, column);
        if (i < 0)
                return i;
        memcpy(t->text + t->n_text, s, len);
        t->text[t->n_text + len] = 0;
        t->nodes[i].a = (uint32_t)t->n_text;
        t->nodes[i].n = (uint32_t)len;
        t->nodes[i].quoted = quoted;
        t->n_text += len + 1;
        return i;
}

/* Gives container `i` the children `v[0..n)` (kept contiguous in `kids`). */
static int set_kids(YTree *t, uint32_t i, const uint32_t *v, size_t n) {
        if (t->n_kids + n > TREE_MAX || ARRAY_GROW(t->kids, t->cap_kids, t->n_kids + n) < 0)
                return -ENOMEM;
        if (n > 0) /* an empty list may have no array yet */
                memcpy(t->kids + t->n_kids, v, n * sizeof(uint32_t));
        t->nodes[i].a = (uint32_t)t->n_kids;
        t->nodes[i].n = (uint32_t)n;
        t->n_kids += n;
        return 0;
}

/* Empties `t`, keeping its memory for the next file. */
static void ytree_reset(YTree *t) {
        t->n_nodes = t->n_kids = t->n_text = 0;
}

void ytree_done(YTree *t) {
        free(t->nodes);
        free(t->kids);
        free(t->text);
        *t = (YTree){0};
}

int64_t ytree_copy(YTree *dst, const YTree *src, uint32_t i) {
        const YNode s = src->nodes[i];
        if (s.type == Y_SCALAR)
                return add_scalar(dst, src->text + s.a, s.n, s.quoted, (int)s.line, (int)s.column);
        int64_t d = add_node(dst, (YType)s.type, (int)s.line, (int)s.column);
        if (d < 0)
                return d;
        _cleanup_free_ uint32_t *v = calloc(s.n ? s.n : 1, sizeof(uint32_t));
        if (!v)
                return -ENOMEM;
        for (uint32_t k = 0; k < s.n; k++) {
                int64_t c = ytree_copy(dst, src, src->kids[s.a + k]);
                if (c < 0)
                        return c;
                v[k] = (uint32_t)c;
        }
        int r = set_kids(dst, (uint32_t)d, v, s.n);
        return r < 0 ? r : d;
}

const YNode *ytree_get(const YTree *t, const YNode *map, const char *key) {
        if (!map || map->type != Y_MAP)
                return NULL;
        /* Called several times for each item: as streq(), without a call for every key (the
         * text of a scalar at least `len` long holds len + 1 bytes, its NUL included). */
        size_t len = strlen(key);
        for (size_t i = 0; i < ytree_count(map); i++) {
                const YNode *k = ytree_key(t, map, i);
                if (k->type == Y_SCALAR && k->n >= len && t->text[k->a] == key[0] &&
                    memcmp(t->text + k->a, key, len + 1) == 0)
                        return ytree_value(t, map, i);
        }
        return NULL;
}

/* ---- the reader ------------------------------------------------------------------------- */

typedef struct Anchor {
        char *name;
        uint32_t node;   /* in YReader.anchors */
        uint32_t size;   /* nodes under it, itself included */
        uint32_t height; /* levels of lists and mappings under it, itself included */
} Anchor;

typedef struct RootKey {
        char *name;
        int line;
} RootKey;

struct YReader {
        yaml_parser_t parser;
        yaml_event_t ev;
        bool have_ev;
        bool failed; /* a problem was reported */
        bool broken; /* a syntax error: nothing more can be read */
        YReport report;
        void *userdata;
        YTree anchors; /* a copy of every anchored node */
        Anchor *anchor_list;
        size_t n_anchors, cap_anchors;
        uint32_t alias_nodes; /* copied so far, against YTREE_ALIAS_BUDGET */
        bool budget_reported;
        uint32_t *stack; /* children of the containers being built */
        size_t n_stack, cap_stack;
        RootKey *root_keys;
        size_t n_root_keys, cap_root_keys;
};

static void problem(YReader *r, size_t line, size_t column, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void problem(YReader *r, size_t line, size_t column, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = vstrfmt(_(fmt), ap);
        va_end(ap);
        r->failed = true;
        r->report(r->userdata, (int)line, (int)column, msg ? msg : _("out of memory"));
}

int yreader_new(FILE *f, YReport report, void *userdata, YReader **ret) {
        YReader *r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        if (!yaml_parser_initialize(&r->parser)) {
                free(r);
                return -ENOMEM;
        }
        yaml_parser_set_input_file(&r->parser, f);
        r->report = report;
        r->userdata = userdata;
        *ret = r;
        return 0;
}

YReader *yreader_free(YReader *r) {
        if (!r)
                return NULL;
        if (r->have_ev)
                yaml_event_delete(&r->ev);
        yaml_parser_delete(&r->parser);
        ytree_done(&r->anchors);
        for (size_t i = 0; i < r->n_anchors; i++)
                free(r->anchor_list[i].name);
        free(r->anchor_list);
        free(r->stack);
        for (size_t i = 0; i < r->n_root_keys; i++)
                free(r->root_keys[i].name);
        free(r->root_keys);
        free(r);
        return NULL;
}

int yreader_status(const YReader *r) {
        return r->failed ? -EINVAL : 0;
}

/* The next event, read once and kept until consume(). */
static int peek(YReader *r) {
        if (r->broken)
                return -EINVAL;
        if (r->have_ev)
                return 0;
        if (!yaml_parser_parse(&r->parser, &r->ev)) {
                const yaml_parser_t *p = &r->parser;
                if (p->error == YAML_MEMORY_ERROR)
                        return -ENOMEM;
                const yaml_mark_t *m = p->problem_mark.line || p->problem_mark.column
                                               ? &p->problem_mark
                                               : &p->context_mark;
                problem(r, m->line + 1, m->column + 1, "YAML syntax error: %s%s%s",
                        p->problem ? p->problem : "unknown", p->context ? " " : "",
                        p->context ? p->context : "");
                r->broken = true;
                return -EINVAL;
        }
        r->have_ev = true;
        return 0;
}

static void consume(YReader *r) {
        if (r->have_ev)
                yaml_event_delete(&r->ev);
        r->have_ev = false;
}

static int push(YReader *r, uint32_t i) {
        if (ARRAY_GROW(r->stack, r->cap_stack, r->n_stack + 1) < 0)
                return -ENOMEM;
        r->stack[r->n_stack++] = i;
        return 0;
}

/* Skips the rest of a container whose start was consumed. */
static int skip_rest(YReader *r) {
        for (size_t level = 1; level > 0;) {
                int q = peek(r);
                if (q < 0)
                        return q;
                yaml_event_type_t t = r->ev.type;
                level += t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT;
                level -= t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT;
                consume(r);
        }
        return 0;
}

static uint32_t subtree_size(const YTree *t, uint32_t i, uint32_t *ret_height) {
        const YNode *n = &t->nodes[i];
        uint32_t size = 1, height = 0;
        if (n->type == Y_SCALAR) {
                *ret_height = 0;
                return 1;
        }
        for (uint32_t k = 0; k < n->n; k++) {
                uint32_t h;
                size += subtree_size(t, t->kids[n->a + k], &h);
                height = h > height ? h : height;
        }
        *ret_height = height + 1;
        return size;
}

static int save_anchor(YReader *r, const char *name, const YTree *t, uint32_t i) {
        if (ARRAY_GROW(r->anchor_list, r->cap_anchors, r->n_anchors + 1) < 0)
                return -ENOMEM;
        int64_t c = ytree_copy(&r->anchors, t, i);
        char *nm = strdup(name);
        if (c < 0 || !nm) {
                free(nm);
                return -ENOMEM;
        }
        Anchor *a = &r->anchor_list[r->n_anchors++];
        *a = (Anchor){.name = nm, .node = (uint32_t)c};
        a->size = subtree_size(t, i, &a->height);
        return 0;
}

/* An alias: a copy of the latest node anchored with its name (an empty scalar after an error,
 * so the reading goes on). */
static int64_t alias(YReader *r, YTree *t, const char *name, size_t line, size_t column,
                     int depth) {
        const Anchor *a = NULL;
        for (size_t i = r->n_anchors; !a && i > 0; i--)
                if (streq(r->anchor_list[i - 1].name, name))
                        a = &r->anchor_list[i - 1];
        if (!a)
                problem(r, line, column, "unknown alias '*%s' (no anchor '&%s' before it)", name,
                        name);
        else if (a->height && depth + (int)a->height - 1 > YTREE_MAX_DEPTH)
                problem(r, line, column, "nested more than %d levels deep", YTREE_MAX_DEPTH);
        else if (a->size > YTREE_ALIAS_BUDGET - r->alias_nodes) {
                if (!r->budget_reported)
                        problem(r, line, column, "aliases expand to more than %u nodes",
                                YTREE_ALIAS_BUDGET);
                r->budget_reported = r->failed = true;
        } else {
                r->alias_nodes += a->size;
                return ytree_copy(t, &r->anchors, a->node);
        }
        return add_scalar(t, "", 0, false, (int)line, (int)column);
}

/* Two equal keys in one mapping: YAML forbids it and the loader would read only the first
 * (a second `duties:` block would be dropped without a word). */
static void check_keys(YReader *r, const YTree *t, const YNode *map) {
        for (size_t i = 1; i < ytree_count(map); i++) {
                const char *k = ytree_scalar(t, ytree_key(t, map, i));
                for (size_t j = 0; k && j < i; j++) {
                        const YNode *kj = ytree_key(t, map, j);
                        const char *s = ytree_scalar(t, kj);
                        if (s && s[0] == k[0] && streq(s, k)) { /* most differ at once */
                                const YNode *ki = ytree_key(t, map, i);
                                problem(r, ki->line, ki->column,
                                        "'%s' given twice in this mapping (first at line %u)", k,
                                        kj->line);
                                break;
                        }
                }
        }
}

static int64_t build(YReader *r, YTree *t, int depth);

/* A list or mapping whose start event is the current one. */
static int64_t build_container(YReader *r, YTree *t, int depth) {
        const yaml_event_t *e = &r->ev;
        bool map = e->type == YAML_MAPPING_START_EVENT;
        const yaml_char_t *an = map ? e->data.mapping_start.anchor : e->data.sequence_start.anchor;
        _cleanup_free_ char *anchor = an ? strdup((const char *)an) : NULL;
        if (an && !anchor)
                return -ENOMEM;
        size_t line = e->start_mark.line + 1, column = e->start_mark.column + 1;
        int64_t i = add_node(t, map ? Y_MAP : Y_SEQ, (int)line, (int)column);
        consume(r);
        if (i < 0)
                return i;
        if (depth > YTREE_MAX_DEPTH) {
                /* The deeper part is not built: the report says why it is missing. */
                problem(r, line, column, "nested more than %d levels deep", YTREE_MAX_DEPTH);
                int q = skip_rest(r);
                return q < 0 ? q : i;
        }
        size_t base = r->n_stack;
        for (;;) {
                int q = peek(r);
                if (q < 0)
                        return q;
                if (r->ev.type == YAML_SEQUENCE_END_EVENT || r->ev.type == YAML_MAPPING_END_EVENT)
                        break;
                int64_t c = build(r, t, depth + 1);
                if (c < 0 || push(r, (uint32_t)c) < 0)
                        return c < 0 ? c : -ENOMEM;
        }
        consume(r);
        int q = set_kids(t, (uint32_t)i, r->stack + base, r->n_stack - base);
        r->n_stack = base;
        if (q < 0)
                return q;
        if (map)
                check_keys(r, t, &t->nodes[i]);
        if (anchor && save_anchor(r, anchor, t, (uint32_t)i) < 0)
                return -ENOMEM;
        return i;
}

/* The node whose first event is the current one, at nesting `depth` (the root is 0). */
static int64_t build(YReader *r, YTree *t, int depth) {
        int q = peek(r);
        if (q < 0)
                return q;
        const yaml_event_t *e = &r->ev;
        size_t line = e->start_mark.line + 1, column = e->start_mark.column + 1;
        int64_t i;
        switch (e->type) {
        case YAML_ALIAS_EVENT: {
                _cleanup_free_ char *name = strdup((const char *)e->data.alias.anchor);
                consume(r);
                return name ? alias(r, t, name, line, column, depth) : -ENOMEM;
        }
        case YAML_SCALAR_EVENT: {
                yaml_scalar_style_t st = e->data.scalar.style;
                i = add_scalar(t, (const char *)e->data.scalar.value, e->data.scalar.length,
                               st == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                                       st == YAML_DOUBLE_QUOTED_SCALAR_STYLE,
                               (int)line, (int)column);
                if (i >= 0 && e->data.scalar.anchor &&
                    save_anchor(r, (const char *)e->data.scalar.anchor, t, (uint32_t)i) < 0)
                        i = -ENOMEM;
                consume(r);
                return i;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: return build_container(r, t, depth);
        default:
                /* libyaml's parser only gives node events here; anything else is its bug. */
                problem(r, line, column, "YAML syntax error: unexpected event");
                r->broken = true;
                return -EINVAL;
        }
}

/* Reads the stream's start and the next document's start: 1, or 0 at the end of the stream. */
static int document_start(YReader *r) {
        int q = peek(r);
        if (q < 0)
                return q;
        if (r->ev.type == YAML_STREAM_START_EVENT) {
                consume(r);
                if ((q = peek(r)) < 0)
                        return q;
        }
        if (r->ev.type == YAML_STREAM_END_EVENT)
                return 0;
        consume(r); /* DOCUMENT-START */
        return 1;
}

int yreader_root(YReader *r, YTree *t, uint32_t *ret_node) {
        ytree_reset(t);
        int q = document_start(r);
        if (q <= 0)
                return q;
        if ((q = peek(r)) < 0)
                return q;
        if (r->ev.type == YAML_MAPPING_START_EVENT) {
                /* An empty node standing for the mapping: where it begins. */
                int64_t i = add_node(t, Y_MAP, (int)r->ev.start_mark.line + 1,
                                     (int)r->ev.start_mark.column + 1);
                consume(r);
                if (i < 0)
                        return (int)i;
                *ret_node = (uint32_t)i;
                return Y_MAP;
        }
        int64_t i = build(r, t, 0);
        if (i < 0)
                return (int)i;
        *ret_node = (uint32_t)i;
        return t->nodes[i].type;
}

static int note_root_key(YReader *r, const YTree *t, const YNode *k) {
        const char *name = ytree_scalar(t, k);
        if (!name)
                return 0;
        for (size_t i = 0; i < r->n_root_keys; i++)
                if (streq(r->root_keys[i].name, name)) {
                        problem(r, k->line, k->column,
                                "'%s' given twice in this mapping (first at line %d)", name,
                                r->root_keys[i].line);
                        return 0;
                }
        if (ARRAY_GROW(r->root_keys, r->cap_root_keys, r->n_root_keys + 1) < 0)
                return -ENOMEM;
        char *nm = strdup(name);
        if (!nm)
                return -ENOMEM;
        r->root_keys[r->n_root_keys++] = (RootKey){nm, (int)k->line};
        return 0;
}

/* The next node of the container being read into `t` (reset): 1, or 0 at its `end` event. */
static int next_in(YReader *r, yaml_event_type_t end, int depth, YTree *t, uint32_t *ret_node) {
        ytree_reset(t);
        int q = peek(r);
        if (q < 0)
                return q;
        if (r->ev.type == end) {
                consume(r);
                return 0;
        }
        int64_t i = build(r, t, depth);
        if (i < 0)
                return (int)i;
        *ret_node = (uint32_t)i;
        return 1;
}

int yreader_key(YReader *r, YTree *t, uint32_t *ret_node) {
        int q = next_in(r, YAML_MAPPING_END_EVENT, 1, t, ret_node);
        if (q == 1 && (q = note_root_key(r, t, &t->nodes[*ret_node])) == 0)
                q = 1;
        return q;
}

int yreader_enter(YReader *r, int *ret_line, int *ret_column) {
        int q = peek(r);
        if (q < 0)
                return q;
        if (r->ev.type != YAML_SEQUENCE_START_EVENT || r->ev.data.sequence_start.anchor)
                return 0;
        *ret_line = (int)r->ev.start_mark.line + 1;
        *ret_column = (int)r->ev.start_mark.column + 1;
        consume(r);
        return 1;
}

int yreader_item(YReader *r, YTree *t, uint32_t *ret_node) {
        return next_in(r, YAML_SEQUENCE_END_EVENT, 2, t, ret_node);
}

int yreader_value(YReader *r, YTree *t, uint32_t *ret_node) {
        ytree_reset(t);
        int64_t i = build(r, t, 1);
        if (i < 0)
                return (int)i;
        *ret_node = (uint32_t)i;
        return 0;
}

int yreader_end(YReader *r) {
        int q = peek(r);
        if (q < 0)
                return q;
        if (r->ev.type == YAML_DOCUMENT_END_EVENT) {
                consume(r);
                if ((q = peek(r)) < 0)
                        return q;
        }
        if (r->ev.type == YAML_DOCUMENT_START_EVENT) {
                /* A second document ("---") would be ignored: say so, where it begins. */
                consume(r);
                if ((q = peek(r)) < 0)
                        return q;
                problem(r, r->ev.start_mark.line + 1, r->ev.start_mark.column + 1,
                        "a second YAML document is not read: put everything in one (remove the "
                        "'---')");
        }
        return yreader_status(r);
}

int yreader_document(YReader *r, YTree *t, uint32_t *ret_node) {
        ytree_reset(t);
        *ret_node = UINT32_MAX;
        int q = document_start(r);
        if (q <= 0)
                return q < 0 ? q : yreader_status(r);
        int64_t i = build(r, t, 0);
        if (i < 0)
                return (int)i;
        *ret_node = (uint32_t)i;
        return yreader_end(r);
}
