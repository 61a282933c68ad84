/* hashmap.c — see hashmap.h. */
#include "hashmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

/* FNV-1a: short keys (ids, assignment keys), no seed needed (the keys come from the operator's
 * own config and record, not from the network). Never 0, which marks an empty slot. */
static uint32_t hash_of(const void *p, size_t n) {
        uint32_t h = 2166136261u;
        for (const unsigned char *s = p; n > 0; n--, s++)
                h = (h ^ *s) * 16777619u;
        return h ? h : 1;
}

/* The slot of `key` (hash `h`), or the empty one where it would go. Only the dense array of
 * hashes is read until one matches: a probe costs no visit to a slot or a key. */
static size_t find(const HashMap *m, const void *key, size_t len, uint32_t h) {
        size_t mask = m->cap - 1;
        for (size_t j = h & mask;; j = (j + 1) & mask) {
                uint32_t hj = m->hashes[j];
                if (!hj)
                        return j;
                const HashSlot *s = &m->slots[j];
                if (hj == h && s->len == len && memcmp(s->key, key, len) == 0)
                        return j;
        }
}

static int grow(HashMap *m) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        /* One block: the slots, then their hashes. */
        HashSlot *slots = cap > SIZE_MAX / (sizeof(*slots) + sizeof(uint32_t))
                                  ? NULL
                                  : pool_zalloc_large(cap * (sizeof(*slots) + sizeof(uint32_t)));
        if (!slots)
                return -ENOMEM;
        uint32_t *hashes = (uint32_t *)(slots + cap);
        for (size_t i = 0; i < m->cap; i++) {
                uint32_t h = m->hashes[i];
                if (!h)
                        continue;
                size_t j = h & (cap - 1);
                while (hashes[j])
                        j = (j + 1) & (cap - 1);
                hashes[j] = h;
                slots[j] = m->slots[i];
        }
        free(m->slots);
        m->slots = slots, m->hashes = hashes, m->cap = cap;
        return 0;
}

int hashmap_put(HashMap *m, const void *key, size_t len, size_t val) {
        if (len > UINT32_MAX || val > UINT32_MAX)
                return -E2BIG;
        if ((m->n + 1) * 2 > m->cap && grow(m) < 0)
                return -ENOMEM;
        uint32_t h = hash_of(key, len);
        size_t j = find(m, key, len, h);
        if (m->hashes[j])
                return -EEXIST;
        m->hashes[j] = h;
        m->slots[j] = (HashSlot){.key = key ? key : "", .len = (uint32_t)len, .val = (uint32_t)val};
        m->n++;
        return 0;
}

bool hashmap_get(const HashMap *m, const void *key, size_t len, size_t *ret) {
        if (!m->cap)
                return false;
        size_t j = find(m, key, len, hash_of(key, len));
        if (!m->hashes[j])
                return false;
        if (ret)
                *ret = m->slots[j].val;
        return true;
}

const void *hashmap_key(const HashMap *m, const void *key, size_t len) {
        if (!m->cap)
                return NULL;
        size_t j = find(m, key, len, hash_of(key, len));
        return m->hashes[j] ? m->slots[j].key : NULL;
}

int hashmap_put_str(HashMap *m, const char *key, size_t val) {
        return hashmap_put(m, key, strlen(key), val);
}

bool hashmap_get_str(const HashMap *m, const char *key, size_t *ret) {
        return key && hashmap_get(m, key, strlen(key), ret);
}

void hashmap_done(HashMap *m) {
        free(m->slots); /* the hashes with them */
        *m = (HashMap){0};
}
