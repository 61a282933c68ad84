/* feedtoken.h — the secret token in each feed's address, kept in the SQLite state.
 * Contract: a token is 160 bits from the OS CSPRNG (OpenSSL RAND_bytes), written as 32
 * lowercase base32 characters [a-z2-7]; one per feed name, created on first use, replaced by
 * feedtoken_rotate(). Comparison is constant-time (CRYPTO_memcmp). Tokens are secrets: this
 * module never logs or prints them; callers must not either (except `dutyctl feeds list`,
 * which prints addresses to the operator on request). Every function returns 0 or a negative
 * errno (-EIO for SQLite errors, -ENOMEM). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "store.h"

#define FEEDTOKEN_LEN 32
#define FEEDTOKEN_BYTES 20

/* The tables are made by store_open() (schema.c): nothing to do. Kept for its callers. */
static inline int feedtoken_init(Store *s) {
        (void)s;
        return 0;
}
/* The feed's token, created (and stored) if the feed has none yet. Many feeds at once: call it
 * between store_begin() and store_commit() (one transaction, not one per token). */
int feedtoken_get(Store *s, const char *feed, char ret[static FEEDTOKEN_LEN + 1]);
/* Replaces the feed's token by a fresh one (creating it if missing); the old address stops
 * working as soon as the server reloads its tokens. */
int feedtoken_rotate(Store *s, const char *feed, char ret[static FEEDTOKEN_LEN + 1]);
/* The server's lookup, prepared once (its hot path): the feed's token without creating one,
 * -ENOENT when it has none. */
typedef struct FeedTokenReader FeedTokenReader;
int feedtoken_reader_new(Store *s, FeedTokenReader **ret);
FeedTokenReader *feedtoken_reader_free(FeedTokenReader *r);
int feedtoken_find(FeedTokenReader *r, const char *feed, char ret[static FEEDTOKEN_LEN + 1]);
/* A fresh random token (no storage). */
int feedtoken_generate(char ret[static FEEDTOKEN_LEN + 1]);
/* Constant-time equality of a candidate (any string, any length) with a stored token. The time
 * taken does not depend on where they differ. */
bool feedtoken_equal(const char *candidate, const char *token);
/* Syntax check: exactly FEEDTOKEN_LEN characters of [a-z2-7]. */
bool feedtoken_valid(const char *s);
