/* pool.c — see pool.h. */
#include "pool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "hashmap.h"

#define POOL_BLOCK (256 * 1024)

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
