/* hashmap.h — the one hash map: byte-string keys to size_t values (typically an index into an
 * array that owns the data).
 * Contract: keys are borrowed (the caller keeps them alive and unchanged while they are in the
 * map); open addressing, grown at half full; no deletion. hashmap_put() returns 0, -EEXIST
 * (the key is there: its value is kept) or -ENOMEM. No I/O. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct HashSlot {
        const void *key; /* NULL: empty */
        size_t len;
        size_t val;
        uint32_t hash;
} HashSlot;

typedef struct HashMap {
        HashSlot *slots;
        size_t cap, n; /* cap: 0 or a power of two */
} HashMap;

int hashmap_put(HashMap *m, const void *key, size_t len, size_t val);
bool hashmap_get(const HashMap *m, const void *key, size_t len, size_t *ret);
/* NUL-terminated keys. */
int hashmap_put_str(HashMap *m, const char *key, size_t val);
bool hashmap_get_str(const HashMap *m, const char *key, size_t *ret);
void hashmap_done(HashMap *m); /* frees the slots, not the keys; the map is empty again */
