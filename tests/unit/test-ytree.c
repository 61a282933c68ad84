/* test-ytree.c — YAML read from libyaml's events into compact trees (ytree.h): shapes and
 * positions, streaming a list item by item, aliases and their budget, nesting, duplicate keys,
 * a second document, syntax errors. */
#include "testutil.h"

#include "ytree.h"

typedef struct Reports {
        char msg[16][160];
        int line[16], column[16];
        size_t n;
} Reports;

static void collect(void *userdata, int line, int column, const char *msg) {
        Reports *r = userdata;
        if (r->n < 16) {
                snprintf(r->msg[r->n], sizeof(r->msg[0]), "%s", msg);
                r->line[r->n] = line, r->column[r->n] = column;
        }
        r->n++;
}

typedef struct Doc {
        FILE *f;
        YReader *r;
        YTree t;
        Reports rep;
} Doc;

static void doc_open(Doc *d, const char *text) {
        *d = (Doc){0};
        d->f = fmemopen((void *)text, strlen(text), "r");
        assert_non_null(d->f);
        assert_int_equal(yreader_new(d->f, collect, &d->rep, &d->r), 0);
}

static void doc_close(Doc *d) {
        yreader_free(d->r);
        ytree_done(&d->t);
        fclose(d->f);
}

static void test_shape_and_positions(void **s) {
        (void)s;
        Doc d;
        doc_open(&d, "a: [1, 'two', {b: c}]\nz: \"q\"\n");
        uint32_t root;
        assert_int_equal(yreader_document(d.r, &d.t, &root), 0);
        const YNode *m = ytree_node(&d.t, root);
        assert_int_equal(m->type, Y_MAP);
        assert_int_equal(ytree_count(m), 2);
        const YNode *k = ytree_key(&d.t, m, 1);
        assert_string_equal(ytree_scalar(&d.t, k), "z");
        assert_int_equal(k->line, 2);
        assert_int_equal(k->column, 1);
        const YNode *z = ytree_get(&d.t, m, "z");
        assert_true(z->quoted);
        const YNode *a = ytree_get(&d.t, m, "a");
        assert_int_equal(a->type, Y_SEQ);
        assert_int_equal(ytree_count(a), 3);
        assert_false(ytree_item(&d.t, a, 0)->quoted);
        assert_true(ytree_item(&d.t, a, 1)->quoted);
        assert_int_equal(ytree_item(&d.t, a, 1)->column, 8);
        const YNode *b = ytree_get(&d.t, ytree_item(&d.t, a, 2), "b");
        assert_string_equal(ytree_scalar(&d.t, b), "c");
        assert_null(ytree_get(&d.t, m, "nope"));
        assert_null(ytree_scalar(&d.t, a));
        assert_int_equal(d.rep.n, 0);
        doc_close(&d);
}

/* A list read item by item: the tree holds one item at a time. */
static void test_streamed_list(void **s) {
        (void)s;
        Doc d;
        doc_open(&d, "head: 1\nitems:\n  - {id: a, x: [1, 2, 3]}\n  - {id: b}\n  - c\ntail: 2\n");
        uint32_t n;
        assert_int_equal(yreader_root(d.r, &d.t, &n), Y_MAP);
        assert_int_equal(yreader_key(d.r, &d.t, &n), 1);
        assert_string_equal(ytree_scalar(&d.t, ytree_node(&d.t, n)), "head");
        assert_int_equal(yreader_value(d.r, &d.t, &n), 0);
        assert_int_equal(yreader_key(d.r, &d.t, &n), 1);
        int line, col;
        assert_int_equal(yreader_enter(d.r, &line, &col), 1);
        assert_int_equal(line, 3);
        const char *ids[] = {"a", "b", NULL};
        size_t nodes[] = {8, 3, 1};
        for (size_t i = 0; i < 3; i++) {
                assert_int_equal(yreader_item(d.r, &d.t, &n), 1);
                const YNode *it = ytree_node(&d.t, n);
                assert_int_equal(it->line, 3 + i);
                assert_int_equal(d.t.n_nodes, nodes[i]);
                if (ids[i])
                        assert_string_equal(ytree_scalar(&d.t, ytree_get(&d.t, it, "id")), ids[i]);
        }
        assert_int_equal(yreader_item(d.r, &d.t, &n), 0);
        assert_int_equal(yreader_key(d.r, &d.t, &n), 1);
        assert_int_equal(yreader_enter(d.r, &line, &col), 0); /* a scalar: read whole */
        assert_int_equal(yreader_value(d.r, &d.t, &n), 0);
        assert_int_equal(yreader_key(d.r, &d.t, &n), 0);
        assert_int_equal(yreader_end(d.r), 0);
        assert_int_equal(d.rep.n, 0);
        doc_close(&d);
}

static void test_aliases(void **s) {
        (void)s;
        Doc d;
        doc_open(&d, "x: &r {before: [3, 1], time: '08:00'}\ny: *r\nz: *nope\n");
        uint32_t root;
        assert_int_equal(yreader_document(d.r, &d.t, &root), -EINVAL);
        const YNode *m = ytree_node(&d.t, root);
        const YNode *y = ytree_get(&d.t, m, "y");
        assert_int_equal(y->type, Y_MAP);
        const YNode *before = ytree_get(&d.t, y, "before");
        assert_int_equal(ytree_count(before), 2);
        assert_string_equal(ytree_scalar(&d.t, ytree_item(&d.t, before, 1)), "1");
        /* A copy keeps the anchor's positions: errors in it point at what was written. */
        assert_int_equal(y->line, 1);
        assert_int_equal(d.rep.n, 1);
        assert_int_equal(d.rep.line[0], 3);
        assert_non_null(strstr(d.rep.msg[0], "unknown alias '*nope'"));
        doc_close(&d);
}

/* "Billion laughs": nine levels of ten aliases would be 10^9 nodes. */
static void test_alias_budget(void **s) {
        (void)s;
        char text[4096] = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
        for (int i = 1; i < 10; i++) {
                char line[256];
                snprintf(line, sizeof(line),
                         "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, "
                         "*a%d]\n",
                         i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
                         i - 1);
                strcat(text, line);
        }
        Doc d;
        doc_open(&d, text);
        uint32_t root;
        assert_int_equal(yreader_document(d.r, &d.t, &root), -EINVAL);
        assert_int_equal(d.rep.n, 1); /* said once */
        assert_non_null(strstr(d.rep.msg[0], "aliases expand to more than"));
        assert_true(d.t.n_nodes < 3 * YTREE_ALIAS_BUDGET);
        doc_close(&d);
}

static void test_depth(void **s) {
        (void)s;
        char text[256] = "a: ";
        for (int i = 0; i < 40; i++)
                strcat(text, "[");
        for (int i = 0; i < 40; i++)
                strcat(text, "]");
        strcat(text, "\nb: 1\n");
        Doc d;
        doc_open(&d, text);
        uint32_t root;
        assert_int_equal(yreader_document(d.r, &d.t, &root), -EINVAL);
        assert_int_equal(d.rep.n, 1);
        assert_non_null(strstr(d.rep.msg[0], "nested more than 32 levels deep"));
        assert_int_equal(d.rep.column[0], 4 + YTREE_MAX_DEPTH);
        /* The rest of the document is read. */
        assert_non_null(ytree_get(&d.t, ytree_node(&d.t, root), "b"));
        doc_close(&d);
}

static void test_duplicate_keys(void **s) {
        (void)s;
        Doc d;
        doc_open(&d, "a: {x: 1, y: 2, x: 3}\nb: 1\na: 2\n");
        uint32_t n;
        assert_int_equal(yreader_root(d.r, &d.t, &n), Y_MAP);
        while (yreader_key(d.r, &d.t, &n) > 0)
                assert_int_equal(yreader_value(d.r, &d.t, &n), 0);
        assert_int_equal(yreader_end(d.r), -EINVAL);
        assert_int_equal(d.rep.n, 2);
        assert_string_equal(d.rep.msg[0], "'x' given twice in this mapping (first at line 1)");
        assert_int_equal(d.rep.column[0], 17);
        assert_string_equal(d.rep.msg[1], "'a' given twice in this mapping (first at line 1)");
        assert_int_equal(d.rep.line[1], 3);
        doc_close(&d);
}

static void test_second_document(void **s) {
        (void)s;
        Doc d;
        doc_open(&d, "a: 1\n---\nb: 2\n");
        uint32_t root;
        assert_int_equal(yreader_document(d.r, &d.t, &root), -EINVAL);
        assert_int_equal(d.rep.n, 1);
        assert_int_equal(d.rep.line[0], 3);
        assert_non_null(strstr(d.rep.msg[0], "a second YAML document is not read"));
        doc_close(&d);
}

static void test_syntax_error(void **s) {
        (void)s;
        Doc d;
        doc_open(&d, "a: 1\nb: {c: d\ne: 1\n");
        uint32_t n;
        assert_int_equal(yreader_root(d.r, &d.t, &n), Y_MAP);
        assert_int_equal(yreader_key(d.r, &d.t, &n), 1);
        assert_int_equal(yreader_value(d.r, &d.t, &n), 0);
        assert_int_equal(yreader_key(d.r, &d.t, &n), 1);
        assert_int_equal(yreader_value(d.r, &d.t, &n), -EINVAL);
        assert_int_equal(d.rep.n, 1);
        assert_non_null(strstr(d.rep.msg[0], "YAML syntax error"));
        assert_int_equal(d.rep.line[0], 3);
        /* Nothing more is read, and nothing more reported. */
        assert_int_equal(yreader_key(d.r, &d.t, &n), -EINVAL);
        assert_int_equal(d.rep.n, 1);
        doc_close(&d);
}

static void test_empty_and_not_a_mapping(void **s) {
        (void)s;
        Doc d;
        uint32_t n;
        doc_open(&d, "# only a comment\n");
        assert_int_equal(yreader_root(d.r, &d.t, &n), 0);
        doc_close(&d);
        doc_open(&d, "- a\n- b\n");
        assert_int_equal(yreader_root(d.r, &d.t, &n), Y_SEQ);
        assert_int_equal(ytree_count(ytree_node(&d.t, n)), 2);
        doc_close(&d);
}

static void test_copy(void **s) {
        (void)s;
        Doc d;
        doc_open(&d, "{a: [1, {b: c}], d: e}");
        uint32_t root;
        assert_int_equal(yreader_document(d.r, &d.t, &root), 0);
        YTree t2 = {0};
        int64_t c = ytree_copy(&t2, &d.t, root);
        assert_true(c >= 0);
        ytree_done(&d.t); /* the copy owns its text */
        const YNode *m = ytree_node(&t2, (uint32_t)c);
        const YNode *a = ytree_get(&t2, m, "a");
        assert_string_equal(ytree_scalar(&t2, ytree_get(&t2, ytree_item(&t2, a, 1), "b")), "c");
        assert_string_equal(ytree_scalar(&t2, ytree_get(&t2, m, "d")), "e");
        ytree_done(&t2);
        doc_close(&d);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_shape_and_positions),
                cmocka_unit_test(test_streamed_list),
                cmocka_unit_test(test_aliases),
                cmocka_unit_test(test_alias_budget),
                cmocka_unit_test(test_depth),
                cmocka_unit_test(test_duplicate_keys),
                cmocka_unit_test(test_second_document),
                cmocka_unit_test(test_syntax_error),
                cmocka_unit_test(test_empty_and_not_a_mapping),
                cmocka_unit_test(test_copy),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
