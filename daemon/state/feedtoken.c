/* feedtoken.c — see feedtoken.h. */
#include "feedtoken.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "store-sql.h"
#include "util.h"

int feedtoken_generate(char ret[static FEEDTOKEN_LEN + 1]) {
        static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
        unsigned char raw[FEEDTOKEN_BYTES];
        if (RAND_bytes(raw, sizeof(raw)) != 1)
                return -EIO;
        /* base32: 160 bits = 32 groups of 5 bits. */
        for (size_t i = 0; i < FEEDTOKEN_LEN; i++) {
                size_t bit = i * 5, byte = bit / 8, off = bit % 8;
                unsigned v =
                        (unsigned)raw[byte] << 8 | (byte + 1 < sizeof(raw) ? raw[byte + 1] : 0);
                ret[i] = alphabet[(v >> (11 - off)) & 31];
        }
        ret[FEEDTOKEN_LEN] = 0;
        OPENSSL_cleanse(raw, sizeof(raw));
        return 0;
}

bool feedtoken_valid(const char *s) {
        size_t i;
        for (i = 0; s[i]; i++)
                if (i >= FEEDTOKEN_LEN ||
                    !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '2' && s[i] <= '7')))
                        return false;
        return i == FEEDTOKEN_LEN;
}

bool feedtoken_equal(const char *candidate, const char *token) {
        /* Compare a fixed-size copy so that neither the length nor the content of the candidate
         * changes the work done; the length check is folded in without branching early. */
        char a[FEEDTOKEN_LEN + 1] = {0}, b[FEEDTOKEN_LEN + 1] = {0};
        size_t la = strnlen(candidate, FEEDTOKEN_LEN + 1), lb = strnlen(token, FEEDTOKEN_LEN + 1);
        memcpy(a, candidate, la > FEEDTOKEN_LEN ? FEEDTOKEN_LEN : la);
        memcpy(b, token, lb > FEEDTOKEN_LEN ? FEEDTOKEN_LEN : lb);
        int diff = CRYPTO_memcmp(a, b, sizeof(a));
        return diff == 0 && la == FEEDTOKEN_LEN && lb == FEEDTOKEN_LEN;
}

static int put(Store *s, const char *feed, const char *token, bool replace) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        const char *sql = replace ? "INSERT OR REPLACE INTO feed_tokens(feed, token, created) "
                                    "VALUES (?1, ?2, ?3)"
                                  : "INSERT OR IGNORE INTO feed_tokens(feed, token, created) "
                                    "VALUES (?1, ?2, ?3)";
        if (store_prepare(s, sql, &st) < 0)
                return -EIO;
        sqlite3_bind_text(st, 1, feed, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, token, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)clock_now());
        return sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
}

/* Steps a prepared "SELECT token … WHERE feed = ?1" for `feed`. */
static int lookup_with(sqlite3_stmt *st, const char *feed, char ret[static FEEDTOKEN_LEN + 1]) {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, feed, -1, SQLITE_STATIC);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
                const char *t = (const char *)sqlite3_column_text(st, 0);
                if (t && feedtoken_valid(t)) {
                        memcpy(ret, t, FEEDTOKEN_LEN + 1);
                        r = 0;
                } else
                        r = -EBADMSG;
        } else
                r = r == SQLITE_DONE ? -ENOENT : -EIO;
        sqlite3_reset(st);
        return r;
}

static const char lookup_sql[] = "SELECT token FROM feed_tokens WHERE feed = ?1";

static int lookup(Store *s, const char *feed, char ret[static FEEDTOKEN_LEN + 1]) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        if (store_prepare(s, lookup_sql, &st) < 0)
                return -EIO;
        return lookup_with(st, feed, ret);
}

struct FeedTokenReader {
        sqlite3_stmt *st;
};

int feedtoken_reader_new(Store *s, FeedTokenReader **ret) {
        FeedTokenReader *r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        if (sqlite3_prepare_v3(store_db(s), lookup_sql, -1, SQLITE_PREPARE_PERSISTENT, &r->st,
                               NULL) != SQLITE_OK) {
                free(r);
                return -EIO;
        }
        *ret = r;
        return 0;
}

FeedTokenReader *feedtoken_reader_free(FeedTokenReader *r) {
        if (!r)
                return NULL;
        sqlite3_finalize(r->st);
        free(r);
        return NULL;
}

int feedtoken_find(FeedTokenReader *r, const char *feed, char ret[static FEEDTOKEN_LEN + 1]) {
        int q = lookup_with(r->st, feed, ret);
        return q == -EBADMSG ? -ENOENT : q;
}

int feedtoken_get(Store *s, const char *feed, char ret[static FEEDTOKEN_LEN + 1]) {
        int r = lookup(s, feed, ret);
        if (r != -ENOENT && r != -EBADMSG)
                return r;
        bool corrupt = r == -EBADMSG;
        char t[FEEDTOKEN_LEN + 1];
        r = feedtoken_generate(t);
        if (r < 0)
                return r;
        /* INSERT OR IGNORE then re-read: another process creating it at the same time wins. */
        r = put(s, feed, t, corrupt);
        OPENSSL_cleanse(t, sizeof(t));
        if (r < 0)
                return r;
        return lookup(s, feed, ret);
}

int feedtoken_rotate(Store *s, const char *feed, char ret[static FEEDTOKEN_LEN + 1]) {
        char t[FEEDTOKEN_LEN + 1];
        int r = feedtoken_generate(t);
        if (r < 0)
                return r;
        r = put(s, feed, t, true);
        if (r >= 0)
                memcpy(ret, t, sizeof(t));
        OPENSSL_cleanse(t, sizeof(t));
        return r;
}
