/* donelink.h — signed, expiring, single-use tokens for the "mark done" links in reminders.
 * Contract:
 *  - token = base64url(payload) "." base64url(HMAC-SHA256(key, base64url(payload))), no padding;
 *    payload = "done" LF EXPIRES LF NONCE LF OCCURRENCE-ID (purpose, unix seconds, 32 hex digits
 *    from RAND_bytes, the occurrence id). The key is 32 random bytes in the state database
 *    (table donelink_key), created on first use.
 *  - Verification: strict base64url (non-canonical encodings rejected), HMAC compared with
 *    CRYPTO_memcmp, then purpose and expiry. Only after the signature checks out is anything in
 *    the payload looked at.
 *  - Single use: consuming records the nonce (table donelink_used) in the same transaction as the
 *    completion, so a replay fails cleanly with -EALREADY and a crash never leaves one without
 *    the other.
 * Errors: -EBADMSG malformed, -EPERM bad signature or wrong purpose, -ESTALE expired,
 * -EALREADY already used, -EIO database, -ENOMEM. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "completion.h"
#include "config.h"
#include "store.h"

#define DONELINK_KEY_LEN 32
#define DONELINK_TOKEN_MAX 1024

/* The tables are made by store_open() (schema.c): nothing to do. Kept for its callers. */
static inline int donelink_init(Store *s) {
        (void)s;
        return 0;
}
int donelink_make(Store *s, const char *occurrence_id, time_t expires, char **ret_token);
/* Verifies without consuming. *ret_occurrence_id (may be NULL) is malloc'd. */
int donelink_check(Store *s, const char *token, time_t now, char **ret_occurrence_id);
/* Verifies `token` (whose occurrence must be the id of in->occ) and, in one transaction, records
 * its nonce as used and adds the completion (completion_add). *ret_id: the completion id.
 * -EEXIST, nothing recorded and the token not used, when the occurrence is met already (read
 * in the same transaction). */
int donelink_consume(Store *s, const Config *c, const char *token, time_t now,
                     const CompletionInput *in, int64_t *ret_id);
/* "<server.public_url, else feeds.public_url, else config_local_url(c, served)>/done/<token>";
 * malloc'd, NULL on allocation failure. */
char *donelink_url(const Config *c, const char *served, const char *token);

/* base64url without padding (exposed for tests). Decoding is strict: returns the length, or
 * -EBADMSG for a character outside the alphabet, a bad length or non-zero trailing bits. */
char *base64url_encode(const void *data, size_t n);
int base64url_decode(const char *s, size_t len, unsigned char *out, size_t out_max);
