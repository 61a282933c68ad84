/* hashmap.c — see hashmap.h. */
#include "hashmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a: short keys (ids, assignment keys), no seed needed (the keys come from the operator's
 * own config and record, not from the network). */
static uint32_t hash_of(const void *p, size_t n) {
        uint32_t h = 2166136261u;
        for (const unsigned char *s = p; n > 0; n--, s++)
                h = (h ^ *s) * 16777619u;
        return h;
}

static HashSlot *slot_for(HashSlot *slots, size_t cap, const void *key, size_t len) {
        for (size_t j = hash_of(key, len) & (cap - 1);; j = (j + 1) & (cap - 1)) {
                HashSlot *s = &slots[j];
                if (!s->key || (s->len == len && memcmp(s->key, key, len) == 0))
                        return s;
        }
}

static int grow(HashMap *m) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        HashSlot *slots = calloc(cap, sizeof(*slots));
        if (!slots)
                return -ENOMEM;
        for (size_t i = 0; i < m->cap; i++)
                if (m->slots[i].key)
                        *slot_for(slots, cap, m->slots[i].key, m->slots[i].len) = m->slots[i];
        free(m->slots);
        m->slots = slots, m->cap = cap;
        return 0;
}

int hashmap_put(HashMap *m, const void *key, size_t len, size_t val) {
        if (len > UINT32_MAX || val > UINT32_MAX)
                return -E2BIG;
        if ((m->n + 1) * 2 > m->cap && grow(m) < 0)
                return -ENOMEM;
        HashSlot *s = slot_for(m->slots, m->cap, key, len);
        if (s->key)
                return -EEXIST;
        *s = (HashSlot){.key = key ? key : "", .len = (uint32_t)len, .val = (uint32_t)val};
        m->n++;
        return 0;
}

bool hashmap_get(const HashMap *m, const void *key, size_t len, size_t *ret) {
        if (!m->cap)
                return false;
        const HashSlot *s = slot_for(m->slots, m->cap, key, len);
        if (!s->key)
                return false;
        if (ret)
                *ret = s->val;
        return true;
}

const void *hashmap_key(const HashMap *m, const void *key, size_t len) {
        return m->cap ? slot_for(m->slots, m->cap, key, len)->key : NULL;
}

int hashmap_put_str(HashMap *m, const char *key, size_t val) {
        return hashmap_put(m, key, strlen(key), val);
}

bool hashmap_get_str(const HashMap *m, const char *key, size_t *ret) {
        return key && hashmap_get(m, key, strlen(key), ret);
}

void hashmap_done(HashMap *m) {
        free(m->slots);
        *m = (HashMap){0};
}
