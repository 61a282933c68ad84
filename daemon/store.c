/* store.c — see store.h. */
#include "store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

struct Store {
        sqlite3 *db;
        char *path;
};

int store_open(const char *dir, Store **ret) {
        Store *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
                int r = -errno;
                free(s);
                return r;
        }
        s->path = strfmt("%s/state.db", dir);
        if (!s->path) {
                free(s);
                return -ENOMEM;
        }
        int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
        if (sqlite3_open_v2(s->path, &s->db, flags, NULL) != SQLITE_OK) {
                store_close(s);
                return -EIO;
        }
        sqlite3_busy_timeout(s->db, 2000);
        if (store_exec(s, "PRAGMA journal_mode=WAL") < 0 ||
            store_exec(s, "PRAGMA synchronous=FULL") < 0 ||
            store_exec(s, "PRAGMA foreign_keys=ON") < 0) {
                store_close(s);
                return -EIO;
        }
        *ret = s;
        return 0;
}

Store *store_close(Store *s) {
        if (!s)
                return NULL;
        sqlite3_close(s->db);
        free(s->path);
        free(s);
        return NULL;
}

sqlite3 *store_db(Store *s) {
        return s->db;
}
const char *store_path(const Store *s) {
        return s->path;
}
const char *store_errmsg(Store *s) {
        return sqlite3_errmsg(s->db);
}

int store_exec(Store *s, const char *sql) {
        return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
}

int store_begin(Store *s) {
        return store_exec(s, "BEGIN IMMEDIATE");
}
int store_commit(Store *s) {
        return store_exec(s, "COMMIT");
}
void store_rollback(Store *s) {
        (void)store_exec(s, "ROLLBACK");
}
