/* hashmap.h — the one hash map: byte-string keys to size_t values (typically an index into an
 * array that owns the data).
 * Contract: keys are borrowed (the caller keeps them alive and unchanged while they are in the
 * map); open addressing, grown at half full; no deletion. Keys and values below 2^32.
 * hashmap_put() returns 0, -EEXIST (the key is there: its value is kept), -E2BIG (a key or value
 * of 2^32 or more) or -ENOMEM. No I/O. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 16 bytes a slot, and its key's 32-bit hash (0: the slot is empty) in a dense array beside
 * the slots: a probe reads 4 bytes, not a slot and its key, and growing never hashes or reads a
 * key again (a county's config holds maps of 100,000s of ids while it loads). */
typedef struct HashSlot {
        const void *key;
        uint32_t len;
        uint32_t val;
} HashSlot;

typedef struct HashMap {
        HashSlot *slots;
        uint32_t *hashes; /* in the slots' block */
        size_t cap, n;    /* cap: 0 or a power of two */
} HashMap;

int hashmap_put(HashMap *m, const void *key, size_t len, size_t val);
bool hashmap_get(const HashMap *m, const void *key, size_t len, size_t *ret);
/* The key stored equal to `key` (a set of interned values), NULL when there is none. */
const void *hashmap_key(const HashMap *m, const void *key, size_t len);
/* NUL-terminated keys. */
int hashmap_put_str(HashMap *m, const char *key, size_t val);
bool hashmap_get_str(const HashMap *m, const char *key, size_t *ret);
void hashmap_done(HashMap *m); /* frees the slots, not the keys; the map is empty again */
