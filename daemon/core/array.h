/* array.h — the one growable array: a typed pointer and its capacity, grown by doubling.
 * Contract: ARRAY_GROW(p, cap, need) makes room for at least `need` elements of *p (keeping the
 * first ones); 0, or -ENOMEM with p and cap unchanged (also when need * size overflows). No
 * I/O. */
#pragma once
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

static inline int array_grow(void **p, size_t *cap, size_t need, size_t size) {
        if (need <= *cap)
                return 0;
        size_t c = *cap ? *cap : 8;
        while (c < need) {
                if (c > SIZE_MAX / 2)
                        return -ENOMEM;
                c *= 2;
        }
        if (size && c > SIZE_MAX / size) /* under ASan, reallocarray() aborts */
                return -ENOMEM;
        void *q = reallocarray(*p, c, size);
        if (!q)
                return -ENOMEM;
        *p = q, *cap = c;
        return 0;
}

#define ARRAY_GROW(p, cap, need) array_grow((void **)&(p), &(cap), (need), sizeof(*(p)))
