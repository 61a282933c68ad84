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

static HashSlot *slot_for(HashSlot *slots, size_t cap, const void *key, size_t len, uint32_t h) {
        for (size_t j = h & (cap - 1);; j = (j + 1) & (cap - 1)) {
                HashSlot *s = &slots[j];
                if (!s->key || (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0))
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
                        *slot_for(slots, cap, m->slots[i].key, m->slots[i].len, m->slots[i].hash) =
                                m->slots[i];
        free(m->slots);
        m->slots = slots, m->cap = cap;
        return 0;
}

int hashmap_put(HashMap *m, const void *key, size_t len, size_t val) {
        if ((m->n + 1) * 2 > m->cap && grow(m) < 0)
                return -ENOMEM;
        uint32_t h = hash_of(key, len);
        HashSlot *s = slot_for(m->slots, m->cap, key, len, h);
        if (s->key)
                return -EEXIST;
        *s = (HashSlot){.key = key ? key : "", .len = len, .val = val, .hash = h};
        m->n++;
        return 0;
}

bool hashmap_get(const HashMap *m, const void *key, size_t len, size_t *ret) {
        if (!m->cap)
                return false;
        const HashSlot *s = slot_for(m->slots, m->cap, key, len, hash_of(key, len));
        if (!s->key)
                return false;
        if (ret)
                *ret = s->val;
        return true;
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
