/* test-hashmap.c — the one hash map (hashmap.h) and the one growable array (array.h). */
#include "testutil.h"

#include "array.h"
#include "hashmap.h"

static void test_put_get(void **state) {
        (void)state;
        HashMap m = {0};
        size_t v = 0;
        assert_false(hashmap_get_str(&m, "a", &v)); /* empty map */
        assert_false(hashmap_get_str(&m, NULL, &v));
        assert_int_equal(hashmap_put_str(&m, "post-1", 7), 0);
        assert_int_equal(hashmap_put_str(&m, "post-1", 9), -EEXIST);
        assert_true(hashmap_get_str(&m, "post-1", &v));
        assert_int_equal(v, 7); /* the first value is kept */
        assert_false(hashmap_get_str(&m, "post-2", &v));
        /* Keys are byte strings: a prefix is another key, the empty key is a key. */
        assert_int_equal(hashmap_put(&m, "post-1", 4, 1), 0);
        assert_true(hashmap_get(&m, "post", 4, &v));
        assert_int_equal(v, 1);
        assert_int_equal(hashmap_put(&m, "", 0, 2), 0);
        assert_true(hashmap_get(&m, "x", 0, &v));
        assert_int_equal(v, 2);
        assert_int_equal(m.n, 3);
        /* The stored key, for sets of interned values; values must fit 32 bits. */
        static const char stored[] = "kept";
        char asked[] = "kept";
        assert_int_equal(hashmap_put(&m, stored, 4, 0), 0);
        assert_ptr_equal(hashmap_key(&m, asked, 4), stored);
        assert_null(hashmap_key(&m, "post-3", 6));
        assert_int_equal(hashmap_put(&m, "big", 3, (size_t)UINT32_MAX + 1), -E2BIG);
        assert_false(hashmap_get(&m, "big", 3, NULL));
        hashmap_done(&m);
        assert_int_equal(m.n, 0);
        assert_null(hashmap_key(&m, "kept", 4));
        assert_false(hashmap_get_str(&m, "post-1", &v));
}

static void test_growth(void **state) {
        (void)state;
        enum { N = 20000 };
        static char keys[N][12];
        HashMap m = {0};
        for (size_t i = 0; i < N; i++) {
                snprintf(keys[i], sizeof(keys[i]), "k%zu", i);
                assert_int_equal(hashmap_put_str(&m, keys[i], i * 3), 0);
        }
        assert_int_equal(m.n, N);
        assert_true(m.cap >= 2 * N);
        for (size_t i = 0; i < N; i++) {
                size_t v;
                assert_true(hashmap_get_str(&m, keys[i], &v));
                assert_int_equal(v, i * 3);
        }
        assert_false(hashmap_get_str(&m, "k20000", NULL));
        hashmap_done(&m);
}

static void test_array_grow(void **state) {
        (void)state;
        int *v = NULL;
        size_t cap = 0;
        assert_int_equal(ARRAY_GROW(v, cap, 0), 0);
        assert_null(v);
        for (int i = 0; i < 1000; i++) {
                assert_int_equal(ARRAY_GROW(v, cap, (size_t)i + 1), 0);
                v[i] = i;
        }
        assert_true(cap >= 1000 && cap < 2048);
        for (int i = 0; i < 1000; i++)
                assert_int_equal(v[i], i);
        size_t before = cap;
        assert_int_equal(ARRAY_GROW(v, cap, SIZE_MAX / 2), -ENOMEM);
        assert_int_equal(cap, before); /* unchanged on failure */
        assert_int_equal(v[999], 999);
        free(v);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_put_get),
                cmocka_unit_test(test_growth),
                cmocka_unit_test(test_array_grow),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
