/* teststate.h — helpers for the tests of the state database: a temporary state folder, a
 * state.db written by SQL outside the store (as another program or an earlier release would),
 * a file's bytes. */
#pragma once
#include "testutil.h"

#include <sys/stat.h>

#include "i18n.h"
#include "store-sql.h"

/* The store's messages in Chinese, as the tests' assertions are written: the catalog of the
 * build tree ($DUTYD_LOCALEDIR, which tests/run sets), whatever the caller's LANGUAGE. */
static inline void state_messages_in_chinese(void) {
        setenv("LC_ALL", "C.UTF-8", 1);
        setenv("LANGUAGE", "zh_CN", 1);
        if (!getenv("DUTYD_LOCALEDIR"))
                setenv("DUTYD_LOCALEDIR", "build/locale", 1);
        i18n_setup();
}

typedef struct StateDir {
        char dir[64];
        char db[80]; /* DIR/state.db */
} StateDir;

static inline void state_dir_new(StateDir *d) {
        strcpy(d->dir, "/tmp/dutyd-state-XXXXXX");
        assert_non_null(mkdtemp(d->dir));
        snprintf(d->db, sizeof(d->db), "%s/state.db", d->dir);
}

/* A state folder whose state.db a store made (the current schema), closed again. */
static inline void state_dir_made(StateDir *d) {
        state_dir_new(d);
        Store *s = NULL;
        assert_int_equal(store_open(d->dir, &s), 0);
        store_close(s);
}

/* Runs `sql` on the file `path` (created if missing) through a connection of its own. */
static inline void db_exec(const char *path, const char *sql) {
        sqlite3 *db = NULL;
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        char *err = NULL;
        if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
                fail_msg("%s: %s", path, err);
        assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* The whole file, malloc'd and NUL-terminated (*ret_n: its size; NULL when there is none). */
static inline char *file_bytes(const char *path, size_t *ret_n) {
        _cleanup_fclose_ FILE *f = fopen(path, "rb");
        if (!f)
                return NULL;
        Buf b = {0};
        char chunk[4096];
        size_t n;
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
                buf_put(&b, chunk, n);
        if (ret_n)
                *ret_n = b.len;
        char *data = buf_steal(&b);
        return data ? data : strdup("");
}

/* One PRAGMA's value on a connection of its own. */
static inline int64_t db_pragma(const char *path, const char *pragma) {
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, pragma, -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        int64_t v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
        return v;
}
