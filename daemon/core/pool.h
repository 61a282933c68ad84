/* pool.h — a config's memory: every string and small array of a Config (ids, names, titles,
 * lists of indices…) in large blocks freed together.
 * Contract: no allocator header or rounding per string and nothing to free one by one; the same
 * value repeated across many items (a clause, a list of reminder days) can be one copy
 * (pool_intern()). What the pool hands out is zeroed, aligned for any type, and never changed
 * by the pool afterwards. Every function returns NULL when out of memory. No I/O. */
#pragma once
#include <stddef.h>

typedef struct ConfigPool ConfigPool;

ConfigPool *pool_new(void);
ConfigPool *pool_free(ConfigPool *p); /* NULL */
/* `n` zeroed bytes. */
void *pool_alloc(ConfigPool *p, size_t n);
char *pool_strdup(ConfigPool *p, const char *s);
/* One copy of each distinct value of `n` bytes: for the values repeated across many items. */
const void *pool_intern(ConfigPool *p, const void *v, size_t n);
/* Loading is over: forgets the interned values (their copies stay). */
void pool_seal(ConfigPool *p);

/* Large arrays outside any pool (a hash table, the items of a county's lists), freed with
 * free(). A first touch of a page costs a fault (about 10 µs in a VM): these ask the kernel for
 * the memory in bulk, as a hint that changes no content (an older kernel ignores it).
 * pool_zalloc_large(): `n` zeroed bytes (NULL when out of memory), each whole 2 MiB of them in
 * transparent huge pages when the system allows, one fault for 512 pages.
 * pool_prefault(): the pages of [p, p + n) present before they are written, in one call. */
void *pool_zalloc_large(size_t n);
/* The same, not zeroed (a block read() fills at once). */
void *pool_malloc_large(size_t n);
void pool_prefault(void *p, size_t n);
