/* donelink.c — see donelink.h. */
#include "donelink.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "sign.h"
#include "store-sql.h"
#include "util.h"

#define PURPOSE "done"
#define NONCE_BYTES 16

/* base64url (RFC 4648 §5, no padding) on top of OpenSSL's base64 (sign_base64, EVP_DecodeBlock):
 * only the alphabet and the padding differ. */
char *base64url_encode(const void *data, size_t n) {
        char *b = NULL;
        if (sign_base64(data, n, &b) < 0)
                return NULL;
        for (char *p = b; *p; p++)
                if (*p == '+')
                        *p = '-';
                else if (*p == '/')
                        *p = '_';
                else if (*p == '=') {
                        *p = 0;
                        break;
                }
        return b;
}

static bool b64url_char(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
}

int base64url_decode(const char *s, size_t len, unsigned char *out, size_t out_max) {
        if (len % 4 == 1 || len > 4096)
                return -EBADMSG;
        size_t need = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
        if (need > out_max)
                return -EBADMSG;
        size_t padded = (len + 3) / 4 * 4;
        char std[4097 + 3];
        unsigned char tmp[4096 / 4 * 3 + 3];
        for (size_t i = 0; i < padded; i++) {
                if (i >= len) {
                        std[i] = '=';
                        continue;
                }
                if (!b64url_char(s[i]))
                        return -EBADMSG;
                std[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
        }
        std[padded] = 0;
        if (EVP_DecodeBlock(tmp, (const unsigned char *)std, (int)padded) < 0)
                return -EBADMSG;
        /* Strict: only the canonical encoding of these bytes (no stray trailing bits). */
        _cleanup_free_ char *again = base64url_encode(tmp, need);
        if (!again || strlen(again) != len || memcmp(again, s, len) != 0)
                return -EBADMSG;
        memcpy(out, tmp, need);
        return (int)need;
}

static int read_key(Store *s, unsigned char key[DONELINK_KEY_LEN]) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        if (store_prepare(s, "SELECT key FROM donelink_key WHERE id = 1", &st) < 0)
                return -EIO;
        int step = sqlite3_step(st);
        if (step != SQLITE_ROW || sqlite3_column_bytes(st, 0) != DONELINK_KEY_LEN)
                return step == SQLITE_DONE ? -ENOENT : -EIO;
        memcpy(key, sqlite3_column_blob(st, 0), DONELINK_KEY_LEN);
        return 0;
}

/* The key, created on first use (insert-or-ignore: two processes racing agree on one). */
static int get_key(Store *s, bool create, unsigned char key[DONELINK_KEY_LEN]) {
        int r = read_key(s, key);
        if (r != -ENOENT || !create)
                return r;
        unsigned char fresh[DONELINK_KEY_LEN];
        if (RAND_bytes(fresh, sizeof(fresh)) != 1)
                return -EIO;
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        if (store_prepare(s, "INSERT OR IGNORE INTO donelink_key (id, key) VALUES (1, ?)", &st) < 0)
                return -EIO;
        sqlite3_bind_blob(st, 1, fresh, sizeof(fresh), SQLITE_TRANSIENT);
        r = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
        OPENSSL_cleanse(fresh, sizeof(fresh));
        return r < 0 ? r : read_key(s, key);
}

static int sign(const unsigned char key[DONELINK_KEY_LEN], const char *msg, size_t n,
                unsigned char mac[32]) {
        unsigned int len = 0;
        if (!HMAC(EVP_sha256(), key, DONELINK_KEY_LEN, (const unsigned char *)msg, n, mac, &len) ||
            len != 32)
                return -EIO;
        return 0;
}

int donelink_make(Store *s, const char *occurrence_id, time_t expires, char **ret_token) {
        if (!occurrence_id || !*occurrence_id || strchr(occurrence_id, '\n'))
                return -EINVAL;
        unsigned char key[DONELINK_KEY_LEN], nonce[NONCE_BYTES], mac[32];
        int r = get_key(s, true, key);
        if (r < 0)
                return r;
        if (RAND_bytes(nonce, sizeof(nonce)) != 1) {
                OPENSSL_cleanse(key, sizeof(key));
                return -EIO;
        }
        char hex[NONCE_BYTES * 2 + 1];
        for (size_t i = 0; i < NONCE_BYTES; i++)
                snprintf(hex + 2 * i, 3, "%02x", nonce[i]);
        _cleanup_free_ char *payload =
                strfmt(PURPOSE "\n%" PRId64 "\n%s\n%s", (int64_t)expires, hex, occurrence_id);
        _cleanup_free_ char *p64 = payload ? base64url_encode(payload, strlen(payload)) : NULL;
        if (!p64) {
                OPENSSL_cleanse(key, sizeof(key));
                return -ENOMEM;
        }
        r = sign(key, p64, strlen(p64), mac);
        OPENSSL_cleanse(key, sizeof(key));
        if (r < 0)
                return r;
        _cleanup_free_ char *m64 = base64url_encode(mac, sizeof(mac));
        char *tok = m64 ? strfmt("%s.%s", p64, m64) : NULL;
        if (!tok)
                return -ENOMEM;
        if (strlen(tok) >= DONELINK_TOKEN_MAX) {
                free(tok);
                return -E2BIG;
        }
        *ret_token = tok;
        return 0;
}

typedef struct Parsed {
        char payload[DONELINK_TOKEN_MAX];
        const char *nonce, *occurrence;
        int64_t expires;
} Parsed;

static int verify(Store *s, const char *token, time_t now, Parsed *p) {
        size_t len = token ? strlen(token) : 0;
        const char *dot = token ? strchr(token, '.') : NULL;
        if (!dot || len >= DONELINK_TOKEN_MAX || dot == token)
                return -EBADMSG;
        size_t plen = (size_t)(dot - token);
        unsigned char mac[32], want[32], key[DONELINK_KEY_LEN];
        if (base64url_decode(dot + 1, len - plen - 1, mac, sizeof(mac)) != (int)sizeof(mac))
                return -EBADMSG;
        int r = get_key(s, false, key);
        if (r == -ENOENT) /* no key yet: no token was ever made here */
                return -EPERM;
        if (r < 0)
                return r;
        r = sign(key, token, plen, want);
        OPENSSL_cleanse(key, sizeof(key));
        if (r < 0)
                return r;
        if (CRYPTO_memcmp(mac, want, sizeof(mac)) != 0)
                return -EPERM;
        /* Authentic from here on. */
        int n = base64url_decode(token, plen, (unsigned char *)p->payload, sizeof(p->payload) - 1);
        if (n < 0)
                return -EBADMSG;
        p->payload[n] = 0;
        if (memchr(p->payload, 0, (size_t)n))
                return -EBADMSG;
        char *f[4], *save = NULL, *q = p->payload;
        for (int i = 0; i < 4; i++, q = NULL)
                if (!(f[i] = strtok_r(q, "\n", &save)))
                        return -EBADMSG;
        if (!streq(f[0], PURPOSE))
                return -EPERM;
        char *end;
        errno = 0;
        long long e = strtoll(f[1], &end, 10);
        if (errno || *end || end == f[1])
                return -EBADMSG;
        p->expires = e, p->nonce = f[2], p->occurrence = f[3];
        if ((int64_t)now > p->expires)
                return -ESTALE;
        return 0;
}

static int nonce_used(Store *s, const char *nonce, bool *ret) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        if (store_prepare(s, "SELECT 1 FROM donelink_used WHERE nonce = ?", &st) < 0)
                return -EIO;
        sqlite3_bind_text(st, 1, nonce, -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        if (step != SQLITE_ROW && step != SQLITE_DONE)
                return -EIO;
        *ret = step == SQLITE_ROW;
        return 0;
}

/* Records the nonce as used: -EALREADY when it was already. */
static int use_nonce(Store *s, const Parsed *p, time_t now) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        if (store_prepare(s,
                          "INSERT INTO donelink_used (nonce, occurrence, used_at)"
                          " VALUES (?, ?, ?) ON CONFLICT (nonce) DO NOTHING",
                          &st) < 0)
                return -EIO;
        sqlite3_bind_text(st, 1, p->nonce, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, p->occurrence, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
        if (sqlite3_step(st) != SQLITE_DONE)
                return -EIO;
        return sqlite3_changes(store_db(s)) == 0 ? -EALREADY : 0;
}

/* Which completion the used nonce made. */
static int note_completion(Store *s, const char *nonce, int64_t completion) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        if (store_prepare(s, "UPDATE donelink_used SET completion = ? WHERE nonce = ?", &st) < 0)
                return -EIO;
        sqlite3_bind_int64(st, 1, completion);
        sqlite3_bind_text(st, 2, nonce, -1, SQLITE_STATIC);
        return sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
}

int donelink_check(Store *s, const char *token, time_t now, char **ret_occurrence_id) {
        Parsed *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        int r = verify(s, token, now, p);
        bool used = false;
        if (r == 0 && (r = nonce_used(s, p->nonce, &used)) == 0 && used)
                r = -EALREADY;
        if (r == 0 && ret_occurrence_id && !(*ret_occurrence_id = strdup(p->occurrence)))
                r = -ENOMEM;
        free(p);
        return r;
}

/* Whether in->occ is met already, read inside the caller's transaction: a `dutyctl done` or a
 * colleague's link between the page's look and this write must not make it met twice. */
static int check_not_met(Store *s, const Config *c, const CompletionInput *in) {
        Ledger *lg = NULL;
        int r = ledger_load(s, &lg);
        if (r < 0)
                return r;
        OccStatus st;
        ledger_status(lg, c, in->occ, in->date, &st);
        ledger_free(lg);
        return st.met ? -EEXIST : 0;
}

int donelink_consume(Store *s, const Config *c, const char *token, time_t now,
                     const CompletionInput *in, int64_t *ret_id) {
        _cleanup_free_ Parsed *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        int r = store_begin(s);
        if (r < 0)
                return r;
        char id[OCCURRENCE_ID_MAX];
        occurrence_id(c, in->occ, id, sizeof(id));
        int64_t cid = 0;
        r = verify(s, token, now, p);
        if (r == 0 && !streq(p->occurrence, id))
                r = -EPERM;
        if (r == 0)
                r = use_nonce(s, p, now); /* a replay is -EALREADY, met or not */
        if (r == 0)
                r = check_not_met(s, c, in); /* rolls the nonce back too */
        if (r == 0)
                r = completion_add(s, c, in, &cid);
        if (r == 0)
                r = note_completion(s, p->nonce, cid);
        if (r == 0)
                r = store_commit(s);
        if (r < 0)
                store_rollback(s);
        if (r == 0 && ret_id)
                *ret_id = cid;
        return r;
}

char *donelink_url(const Config *c, const char *served, const char *token) {
        _cleanup_free_ char *path = strfmt("/done/%s", token);
        return path ? config_server_url(c, served, path) : NULL;
}
