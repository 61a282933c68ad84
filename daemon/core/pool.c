/* pool.c — see pool.h. */
#include "pool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "array.h"
#include "hashmap.h"

#define POOL_BLOCK (256 * 1024)
#define HUGE_PAGE ((size_t)2 << 20)

#ifndef MADV_POPULATE_WRITE /* Linux 5.14 */
#define MADV_POPULATE_WRITE 23
#endif

struct ConfigPool {
        char **blocks;
        size_t n_blocks, cap_blocks;
        char *cur;
        size_t left;
        HashMap interned; /* value → its copy (a pointer as the value); dropped by pool_seal() */
};

ConfigPool *pool_new(void) {
        return calloc(1, sizeof(ConfigPool));
}

void pool_seal(ConfigPool *p) {
        hashmap_done(&p->interned);
}

ConfigPool *pool_free(ConfigPool *p) {
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n_blocks; i++)
                free(p->blocks[i]);
        free(p->blocks);
        pool_seal(p);
        free(p);
        return NULL;
}

void *pool_alloc(ConfigPool *p, size_t n) {
        n = (n + 7) & ~(size_t)7;
        if (n > p->left) {
                size_t sz = n > POOL_BLOCK / 4 ? n : POOL_BLOCK; /* big ones get their own */
                if (ARRAY_GROW(p->blocks, p->cap_blocks, p->n_blocks + 1) < 0)
                        return NULL;
                char *blk = calloc(1, sz);
                if (!blk)
                        return NULL;
                if (sz == POOL_BLOCK) /* it is about to be filled */
                        pool_prefault(blk, sz);
                p->blocks[p->n_blocks++] = blk;
                if (sz != POOL_BLOCK) /* the current block keeps its room */
                        return blk;
                p->cur = blk;
                p->left = sz;
        }
        void *r = p->cur;
        p->cur += n;
        p->left -= n;
        return r;
}

char *pool_strdup(ConfigPool *p, const char *s) {
        size_t n = strlen(s) + 1;
        char *d = pool_alloc(p, n);
        return d ? memcpy(d, s, n) : NULL;
}

const void *pool_intern(ConfigPool *p, const void *v, size_t n) {
        const void *copy = hashmap_key(&p->interned, v, n);
        if (copy)
                return copy;
        void *d = pool_alloc(p, n ? n : 1);
        if (!d)
                return NULL;
        memcpy(d, v, n);
        /* The copy is the key: it lives as long as the pool. */
        if (hashmap_put(&p->interned, d, n, 0) < 0)
                return NULL;
        return d;
}

void pool_prefault(void *p, size_t n) {
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        uintptr_t a = ((uintptr_t)p + page - 1) & ~(page - 1), b = ((uintptr_t)p + n) & ~(page - 1);
        if (b > a)
                (void)madvise((void *)a, b - a, MADV_POPULATE_WRITE); /* a hint only */
}

void *pool_malloc_large(size_t n) {
        if (n < HUGE_PAGE)
                return malloc(n ? n : 1);
        /* Aligned, so that each whole 2 MiB is one huge page; the tail stays in small pages
         * (no more memory resident than the array needs). */
        void *p = aligned_alloc(HUGE_PAGE, (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
        if (p)
                (void)madvise(p, n & ~(HUGE_PAGE - 1), MADV_HUGEPAGE); /* a hint only */
        return p;
}

void *pool_zalloc_large(size_t n) {
        if (n < HUGE_PAGE)
                return calloc(1, n ? n : 1);
        void *p = pool_malloc_large(n);
        return p ? memset(p, 0, n) : NULL;
}
