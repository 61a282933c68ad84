/* consolelink.c — see consolelink.h. */
#include "consolelink.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "clock.h"
#include "store-sql.h"
#include "sign.h"
#include "util.h"

static int random_hex(char *ret, size_t n_hex) {
        unsigned char raw[CONSOLELINK_CSRF_LEN / 2];
        if (n_hex / 2 > sizeof(raw) || RAND_bytes(raw, (int)(n_hex / 2)) != 1)
                return -EIO;
        for (size_t i = 0; i < n_hex / 2; i++)
                snprintf(ret + 2 * i, 3, "%02x", raw[i]);
        OPENSSL_cleanse(raw, sizeof(raw));
        return 0;
}

int consolelink_make(Store *s, const char *person, char ret[static FEEDTOKEN_LEN + 1]) {
        char hash[65], csrf[CONSOLELINK_CSRF_LEN + 1];
        int r = feedtoken_generate(ret);
        if (r < 0 || (r = sign_sha256_hex(ret, strlen(ret), hash)) < 0 ||
            (r = random_hex(csrf, CONSOLELINK_CSRF_LEN)) < 0)
                return r;
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        if (store_prepare(s,
                          "INSERT INTO console_links (person, token_hash, csrf, created)"
                          " VALUES (?,?,?,?)",
                          &st) < 0)
                return -EIO;
        sqlite3_bind_text(st, 1, person, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, csrf, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)clock_now());
        return sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
}

void consolelink_done(ConsoleLink *l) {
        free(l->person);
        l->person = NULL;
}

void consolelink_list_free(ConsoleLink *v, size_t n) {
        for (size_t i = 0; v && i < n; i++)
                consolelink_done(&v[i]);
        free(v);
}

#define LINK_COLUMNS "id, person, csrf, created, coalesce(revoked_at, 0)"

static int read_link(sqlite3_stmt *st, ConsoleLink *l) {
        *l = (ConsoleLink){.id = sqlite3_column_int64(st, 0),
                           .created = sqlite3_column_int64(st, 3),
                           .revoked_at = sqlite3_column_int64(st, 4)};
        const unsigned char *csrf = sqlite3_column_text(st, 2);
        snprintf(l->csrf, sizeof(l->csrf), "%s", csrf ? (const char *)csrf : "");
        l->person = store_column_strdup(st, 1);
        return l->person ? 0 : -ENOMEM;
}

int consolelink_find(Store *s, const char *token, ConsoleLink *ret) {
        char hash[65];
        if (!feedtoken_valid(token))
                return -ENOENT;
        int r = sign_sha256_hex(token, strlen(token), hash);
        if (r < 0)
                return r;
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        /* Looked up by the hash: the time taken tells nothing about the token. */
        if (store_prepare(s,
                          "SELECT " LINK_COLUMNS " FROM console_links"
                          " WHERE token_hash = ? AND revoked_at IS NULL",
                          &st) < 0)
                return -EIO;
        sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        if (step != SQLITE_ROW)
                return step == SQLITE_DONE ? -ENOENT : -EIO;
        r = read_link(st, ret);
        if (r < 0)
                consolelink_done(ret);
        return r;
}

int consolelink_revoke(Store *s, const char *person, int *ret_n) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        if (store_prepare(s,
                          "UPDATE console_links SET revoked_at = ? WHERE person = ? AND"
                          " revoked_at IS NULL",
                          &st) < 0)
                return -EIO;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)clock_now());
        sqlite3_bind_text(st, 2, person, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
                return -EIO;
        if (ret_n)
                *ret_n = sqlite3_changes(store_db(s));
        return 0;
}

int consolelink_list(Store *s, ConsoleLink **ret, size_t *ret_n) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        if (store_prepare(s, "SELECT " LINK_COLUMNS " FROM console_links ORDER BY id", &st) < 0)
                return -EIO;
        ConsoleLink *v = NULL;
        size_t n = 0, cap = 0;
        int r = 0, step = SQLITE_DONE;
        while (r == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
                if ((r = ARRAY_GROW(v, cap, n + 1)) == 0)
                        r = read_link(st, &v[n++]);
        if (r == 0 && step != SQLITE_DONE)
                r = -EIO;
        if (r < 0) {
                consolelink_list_free(v, n);
                return r;
        }
        *ret = v, *ret_n = n;
        return 0;
}

bool consolelink_csrf_equal(const ConsoleLink *l, const char *candidate) {
        return candidate && strlen(candidate) == CONSOLELINK_CSRF_LEN &&
               strlen(l->csrf) == CONSOLELINK_CSRF_LEN &&
               CRYPTO_memcmp(candidate, l->csrf, CONSOLELINK_CSRF_LEN) == 0;
}
