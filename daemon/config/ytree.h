/* ytree.h — YAML read through libyaml's event parser into small, compact trees.
 * Contract:
 *  - A YTree keeps its nodes in one array, the children of each node (indices) contiguous in a
 *    second and scalar text (NUL-terminated) in a third: about 24 bytes a node plus the text,
 *    built straight from parser events. libyaml's own document tree costs ~20× the file and
 *    must be whole before anything can be read; these trees can be one list item at a time.
 *  - A YReader reads one file whose root is a mapping piece by piece: each root key, then its
 *    value either whole (yreader_value()) or, for a list, item by item (yreader_item()), each
 *    into a tree the caller resets and reuses, so memory is that of one item however long the
 *    list. A whole document (a small file) is yreader_document().
 *  - It checks what the events alone can tell: a key given twice in one mapping (the root's
 *    included), nesting deeper than YTREE_MAX_DEPTH (the deeper part is not built), aliases
 *    (each is a copy of its anchor's node; an unknown anchor is an error, and the copies of a
 *    file are bounded by YTREE_ALIAS_BUDGET nodes so that a few lines cannot expand into
 *    millions), a second document. Each problem goes to the report callback with its line and
 *    column (1-based) and makes the reader's result an error; reading goes on to find more,
 *    except after a syntax error, which ends it.
 *  - Functions return 0 or 1 as documented, or a negative errno (-EINVAL once a problem was
 *    reported, -ENOMEM). Node indices stay valid until the tree is reset. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define YTREE_MAX_DEPTH 32            /* nesting of mappings and lists; real configs use 4 */
#define YTREE_ALIAS_BUDGET (1u << 20) /* nodes all aliases of one file may copy */

typedef enum YType {
        Y_SCALAR = 1,
        Y_SEQ,
        Y_MAP,
} YType;

typedef struct YNode {
        uint32_t a; /* scalar: offset of its text; list, mapping: first child in `kids` */
        uint32_t n; /* scalar: length; list: items; mapping: keys and values (2 per pair) */
        uint32_t line, column;
        uint8_t type;   /* YType */
        uint8_t quoted; /* a scalar written in quotes ('…' or "…") */
} YNode;

typedef struct YTree {
        YNode *nodes;
        uint32_t *kids;
        char *text;
        size_t n_nodes, cap_nodes, n_kids, cap_kids, n_text, cap_text;
} YTree;

void ytree_done(YTree *t);
/* Copies node `i` of `src` and everything under it into `dst`: its index there. -ENOMEM. */
int64_t ytree_copy(YTree *dst, const YTree *src, uint32_t i);

static inline const YNode *ytree_node(const YTree *t, uint32_t i) {
        return &t->nodes[i];
}
static inline const char *ytree_scalar(const YTree *t, const YNode *n) {
        return n && n->type == Y_SCALAR ? t->text + n->a : NULL;
}
/* Items of a list, pairs of a mapping, 0 for a scalar. */
static inline size_t ytree_count(const YNode *n) {
        return n->type == Y_SEQ ? n->n : n->type == Y_MAP ? n->n / 2 : 0;
}
static inline const YNode *ytree_item(const YTree *t, const YNode *n, size_t i) {
        return &t->nodes[t->kids[n->a + i]];
}
static inline const YNode *ytree_key(const YTree *t, const YNode *n, size_t i) {
        return &t->nodes[t->kids[n->a + 2 * i]];
}
static inline const YNode *ytree_value(const YTree *t, const YNode *n, size_t i) {
        return &t->nodes[t->kids[n->a + 2 * i + 1]];
}
/* The value of scalar key `key` in mapping `map` (the first, keys being unique), or NULL. */
const YNode *ytree_get(const YTree *t, const YNode *map, const char *key);

typedef struct YReader YReader;
typedef void (*YReport)(void *userdata, int line, int column, const char *msg);

/* Reads `f` (borrowed; the caller closes it after yreader_free()). */
int yreader_new(FILE *f, YReport report, void *userdata, YReader **ret);
YReader *yreader_free(YReader *r);

/* Reads up to the root node: its type, or 0 for a file with no document. A mapping is read
 * with yreader_key(): *ret_node is then an empty mapping node in `t` saying where it begins;
 * any other root is read whole into `t`, *ret_node. */
int yreader_root(YReader *r, YTree *t, uint32_t *ret_node);
/* yreader_key(), yreader_item(), yreader_value() and yreader_document() reset `t` first. */
/* The next key of the root mapping, into `t`: 1 and *ret_node, or 0 at the end of the mapping. */
int yreader_key(YReader *r, YTree *t, uint32_t *ret_node);
/* After a key: starts reading its value as a list streamed with yreader_item() (1, and its
 * position), or 0 when it is not a list that can be streamed (not a list, or one carrying an
 * anchor, or an alias): then read it whole with yreader_value(). */
int yreader_enter(YReader *r, int *ret_line, int *ret_column);
/* The next item of the entered list into `t`: 1 and *ret_node, or 0 at the end of the list. */
int yreader_item(YReader *r, YTree *t, uint32_t *ret_node);
/* A key's whole value into `t`. */
int yreader_value(YReader *r, YTree *t, uint32_t *ret_node);
/* After the root mapping's end: the end of the file, where a second document is an error. */
int yreader_end(YReader *r);
/* The whole root node (any type) into `t`, then yreader_end(): for small files. 0 with
 * *ret_node, 0 with *ret_node = UINT32_MAX for a file with no document, or an error. */
int yreader_document(YReader *r, YTree *t, uint32_t *ret_node);
/* 0 when nothing was reported so far, else -EINVAL. */
int yreader_status(const YReader *r);
