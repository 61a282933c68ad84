/* store.c — see store.h. */
#include "store-sql.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n.h"
#include "schema.h"

/* Statements kept prepared for the store's life (store_stmt()): the outbox runs a handful of
 * statements per message, and preparing one costs more than running it. */
#define STMT_CACHE 32

struct Store {
        sqlite3 *db;
        char *path;
        struct {
                const char *sql; /* a string literal: its address is the key */
                sqlite3_stmt *st;
        } stmts[STMT_CACHE];
        size_t n_stmts;
        char errmsg[1024]; /* store_errmsg()'s text */
};

/* The database and its -wal/-shm files are shared by the daemon and the administrators of its
 * group (dutyctl): the daemon runs with UMask=0007 in a setgid state folder, so files are made
 * 0660 less the umask. SQLite itself creates 0644 (less the umask), which would leave the group
 * read-only: create the file first, and give the group back what the umask allows on files
 * that an older release (DynamicUser=, 0600) left behind. SQLite gives -wal/-shm the database's
 * mode. */
static int share_with_group(const char *path, bool create) {
        /* Reading the umask sets it for a moment: fine here, stores are opened before any
         * thread starts (the daemon's feed worker, dutyctl has none). */
        mode_t mask = umask(0);
        umask(mask);
        int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0660);
        if (fd < 0)
                return create || errno != ENOENT ? -errno : 0;
        struct stat st;
        int r = 0;
        mode_t want = 0660 & ~mask;
        if (fstat(fd, &st) == 0 && st.st_uid == geteuid() && (st.st_mode & want) != want &&
            fchmod(fd, (st.st_mode & 07777) | want) < 0)
                r = -errno;
        close(fd);
        return r;
}

/* Why the last store_open() failed, in SQLite's or our words (one process, one thread opens). */
static char open_error[1024];

const char *store_open_error(void) {
        return open_error[0] ? open_error : NULL;
}

/* What to do about an SQLite error (its primary code); NULL when there is no error. */
static const char *advice(int code) {
        switch (code & 0xff) {
        case SQLITE_OK:
        case SQLITE_ROW:
        case SQLITE_DONE: return NULL;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return _(
                        "another process holds the database for long: retry later; if it stays so, fuser shows which process");
        case SQLITE_FULL: return _("the disk is full: make room, then retry");
        case SQLITE_READONLY:
        case SQLITE_PERM:
        case SQLITE_AUTH:
        case SQLITE_CANTOPEN:
                return _("check the owner and permissions of the file, its -wal and -shm files "
                         "and its directory: the dutyd user and the dutyd group must read and "
                         "write them");
        case SQLITE_IOERR:
                return _(
                        "a disk read or write failed: check the disk and the file system, journalctl -k");
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
                return _(
                        "the file is damaged or not a database: stop dutyd and restore it from a backup (see docs/operations.md)");
        case SQLITE_NOMEM: return _("out of memory: free some memory, then retry");
        case SQLITE_PROTOCOL:
        case SQLITE_NOLFS:
                return _(
                        "the file system lacks the locks or large files SQLite needs: put the state directory on a local disk");
        default:
                return _(
                        "this is a bug in dutyd: please report it to the maintainers with this message");
        }
}

/* "MESSAGE（SQLite：REASON）：WHAT TO DO" into buf. */
static void explain(char *buf, size_t n, const char *message, sqlite3 *db, int code) {
        const char *todo = advice(code);
        snprintf(buf, n, _("%s (SQLite: %s)%s%s"), message,
                 db ? sqlite3_errmsg(db) : sqlite3_errstr(code), todo ? _(": ") : "",
                 todo ? todo : "");
}

/* Whether the last error says the file is damaged or not a database at all. */
static bool unreadable(Store *s) {
        int code = s->db ? sqlite3_errcode(s->db) : SQLITE_CANTOPEN;
        return code == SQLITE_NOTADB || code == SQLITE_CORRUPT;
}

/* Fails the open with SQLite's own message kept, and what to do. */
static int open_failed(Store *s, const char *what) {
        int code = s->db ? sqlite3_extended_errcode(s->db) : SQLITE_CANTOPEN;
        int r = unreadable(s) ? -EBADMSG : -EIO;
        explain(open_error, sizeof(open_error), what, s->db, code);
        store_close(s);
        return r;
}

/* Fails the open on a system call's error r. */
static int open_errno(Store *s, const char *what, int r) {
        snprintf(
                open_error, sizeof(open_error),
                _("%s (%s): check the owner, the permissions and the free space of the state directory"),
                what, strerror(-r));
        store_close(s);
        return r;
}

/* Fails the open on what the schema check or upgrade found; the file is as it was. */
static int open_refused(Store *s, const SchemaInfo *info, int r) {
        const char *todo = advice(info->sqlite_code);
        if (r == -EBADMSG)
                snprintf(open_error, sizeof(open_error),
                         _("not a dutyd state database: %s. The file is left as it was: check "
                           "the state: directory of the configuration, or move this file away"),
                         info->why);
        else if (r == -EPROTONOSUPPORT)
                snprintf(open_error, sizeof(open_error),
                         _("made by a newer dutyd (database version %d, this one knows up to "
                           "version %d), which this one does not downgrade; the file is left as "
                           "it was: install the newer dutyd, or restore a backup of this "
                           "version"),
                         info->version, SCHEMA_VERSION);
        else if (r == -EIO)
                snprintf(open_error, sizeof(open_error),
                         _("upgrading the database (version %d → %d) failed: %s. The database "
                           "is as it was before%s%s"),
                         info->version, SCHEMA_VERSION, info->why, todo ? _(": ") : "",
                         todo ? todo : "");
        store_close(s);
        return r;
}

/* The settings every connection has (journal_mode=WAL is the database's, kept in the file). */
static int configure(Store *s) {
        sqlite3_busy_timeout(s->db, 2000);
        return store_exec(s, "PRAGMA synchronous=FULL") < 0 ||
                               store_exec(s, "PRAGMA foreign_keys=ON") < 0
                       ? -EIO
                       : 0;
}

/* Gives the group its access to the database and its -wal and -shm files. */
static int share_files(const char *path) {
        static const char *const suffix[] = {"", "-wal", "-shm"};
        int r = 0;
        for (size_t i = 0; r == 0 && i < ELEMENTSOF(suffix); i++) {
                char name[PATH_MAX];
                snprintf(name, sizeof(name), "%s%s", path, suffix[i]);
                r = share_with_group(name, false);
        }
        return r;
}

/* Whether SQLite checkpoints (writes the -wal into the database) when the connection closes:
 * not while the file is not known to be dutyd's, so that a refused file keeps its bytes. */
static void checkpoint_on_close(Store *s, bool on) {
        (void)sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, on ? 0 : 1, NULL);
}

/* Fails the open on an error reading the file. */
static int read_failed(Store *s) {
        return open_failed(s, unreadable(s) ? _("not a usable dutyd state database")
                                            : _("cannot read it"));
}

/* Connects s to its file, with the settings every connection has. Nothing is written, not even
 * by the checkpoint SQLite runs when the connection closes, until the file is known to be
 * dutyd's (checkpoint_on_close()). Fails with s freed. */
static int connect_file(Store *s) {
        int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
        if (sqlite3_open_v2(s->path, &s->db, flags, NULL) != SQLITE_OK)
                return open_failed(s, _("cannot open it"));
        checkpoint_on_close(s, false);
        return configure(s) < 0 ? read_failed(s) : 0;
}

/* Looks at the file before anything is written to it or its mode is changed; refuses a file of
 * another program or of a newer dutyd (s freed). Through a connection of its own, closed again
 * before share_files() opens and closes the files: closing any descriptor of a file drops every
 * POSIX lock the process holds on it, an open connection's too (store_open_another()). */
static int inspect(Store *s) {
        int r = connect_file(s);
        if (r < 0)
                return r;
        SchemaInfo info;
        r = schema_inspect(s, schema_steps, schema_n_steps, &info);
        if (r == -ENOMEM) {
                store_close(s);
                return r;
        }
        if (r < 0)
                return read_failed(s);
        if (info.kind == SCHEMA_FOREIGN || info.kind == SCHEMA_NEWER)
                return open_refused(s, &info,
                                    info.kind == SCHEMA_FOREIGN ? -EBADMSG : -EPROTONOSUPPORT);
        sqlite3_close(s->db);
        s->db = NULL;
        return 0;
}

int store_open(const char *dir, Store **ret) {
        open_error[0] = 0;
        Store *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (mkdir(dir, 0770) < 0 && errno != EEXIST)
                return open_errno(s, _("cannot create the state directory"), -errno);
        s->path = strfmt("%s/state.db", dir);
        if (!s->path) {
                free(s);
                return -ENOMEM;
        }
        /* An existing empty file is not a new state: the record it held is gone (a failed copy, a
         * full disk). Starting afresh over it would hide that. */
        struct stat st;
        bool exists = stat(s->path, &st) == 0;
        if (exists && S_ISREG(st.st_mode) && st.st_size == 0) {
                snprintf(open_error, sizeof(open_error), "%s",
                         _("the file is empty (0 bytes): the record it held is gone; restore it "
                           "from a backup, or remove the file to start a new record"));
                store_close(s);
                return -ENODATA;
        }
        int r = exists ? 0 : share_with_group(s->path, true);
        if (r < 0)
                return open_errno(s, _("cannot create it"), r);
        if ((r = inspect(s)) < 0)
                return r;
        if ((r = share_files(s->path)) < 0)
                return open_errno(s, _("cannot give the dutyd group read and write access"), r);
        if ((r = connect_file(s)) < 0)
                return r;
        if (store_exec(s, "PRAGMA journal_mode=WAL") < 0)
                return open_failed(s, _("cannot switch to the WAL journal mode"));
        SchemaInfo info;
        if ((r = schema_upgrade(s, schema_steps, schema_n_steps, &info)) < 0)
                return open_refused(s, &info, r);
        checkpoint_on_close(s, true);
        *ret = s;
        return 0;
}

int store_open_another(const Store *s, Store **ret) {
        Store *n = calloc(1, sizeof(*n));
        if (!n || !(n->path = strdup(s->path))) {
                free(n);
                return -ENOMEM;
        }
        if (sqlite3_open_v2(n->path, &n->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
                    SQLITE_OK ||
            configure(n) < 0) {
                store_close(n);
                return -EIO;
        }
        *ret = n;
        return 0;
}

int store_quick_check(Store *s, char **ret_problem) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        *ret_problem = NULL;
        if (store_prepare(s, "PRAGMA quick_check(1)", &st) < 0)
                return -EIO;
        if (sqlite3_step(st) != SQLITE_ROW)
                return -EIO;
        const unsigned char *v = sqlite3_column_text(st, 0);
        if (v && strcmp((const char *)v, "ok") == 0)
                return 0;
        *ret_problem = strdup(v ? (const char *)v : "?");
        if (!*ret_problem)
                return -ENOMEM;
        for (char *p = *ret_problem; *p; p++) /* one log line */
                if (*p == '\n')
                        *p = ' ';
        return -EBADMSG;
}

Store *store_close(Store *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_stmts; i++)
                sqlite3_finalize(s->stmts[i].st);
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
        explain(s->errmsg, sizeof(s->errmsg), s->path, s->db, sqlite3_extended_errcode(s->db));
        return s->errmsg;
}

const char *store_strerror(Store *s, int r) {
        return r == -EIO ? store_errmsg(s) : strerror(-r);
}

int store_exec(Store *s, const char *sql) {
        return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
}

int store_prepare(Store *s, const char *sql, sqlite3_stmt **ret) {
        *ret = NULL;
        return sqlite3_prepare_v2(s->db, sql, -1, ret, NULL) == SQLITE_OK ? 0 : -EIO;
}

int store_bind_text_or_null(sqlite3_stmt *st, int i, const char *v) {
        int q = v ? sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
        return q == SQLITE_OK ? 0 : q == SQLITE_NOMEM ? -ENOMEM : -EIO;
}

char *store_column_strdup(sqlite3_stmt *st, int i) {
        const unsigned char *t = sqlite3_column_text(st, i);
        return t ? strdup((const char *)t) : NULL;
}

int store_data_version(Store *s, int64_t *ret) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        if (store_prepare(s, "PRAGMA data_version", &st) < 0 || sqlite3_step(st) != SQLITE_ROW)
                return -EIO;
        *ret = sqlite3_column_int64(st, 0);
        return 0;
}

sqlite3_stmt *store_stmt(Store *s, const char *sql) {
        for (size_t i = 0; i < s->n_stmts; i++)
                if (s->stmts[i].sql == sql)
                        return s->stmts[i].st;
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
                return NULL;
        if (s->n_stmts == STMT_CACHE) /* more distinct statements than expected: not kept */
                return st;
        s->stmts[s->n_stmts].sql = sql;
        s->stmts[s->n_stmts++].st = st;
        return st;
}

void store_stmt_done(Store *s, sqlite3_stmt *st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        for (size_t i = 0; i < s->n_stmts; i++)
                if (s->stmts[i].st == st)
                        return;
        sqlite3_finalize(st);
}

int store_begin(Store *s) {
        return store_exec(s, "BEGIN IMMEDIATE");
}
int store_begin_read(Store *s) {
        return store_exec(s, "BEGIN");
}
int store_commit(Store *s) {
        return store_exec(s, "COMMIT");
}
void store_rollback(Store *s) {
        (void)store_exec(s, "ROLLBACK");
}

int store_meta_get(Store *s, const char *key, char **ret) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        if (store_prepare(s, "SELECT value FROM meta WHERE key = ?", &st) < 0)
                return -EIO;
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        if (step != SQLITE_ROW)
                return step == SQLITE_DONE ? -ENOENT : -EIO;
        *ret = store_column_strdup(st, 0);
        return *ret ? 0 : -ENOMEM;
}

int store_meta_set(Store *s, const char *key, const char *value) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        if (store_prepare(s,
                          "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO "
                          "UPDATE SET value = excluded.value",
                          &st) < 0)
                return -EIO;
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
        return sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
}

int store_lock_daemon(const char *dir, int *ret_fd, long *ret_holder) {
        if (mkdir(dir, 0770) < 0 && errno != EEXIST)
                return -errno;
        _cleanup_free_ char *path = strfmt("%s/dutyd.lock", dir);
        if (!path)
                return -ENOMEM;
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0660);
        if (fd < 0)
                return -errno;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                int r = errno == EWOULDBLOCK ? -EBUSY : -errno;
                char buf[32] = "";
                ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
                *ret_holder = n > 0 ? strtol(buf, NULL, 10) : 0;
                close(fd);
                return r;
        }
        /* The holder's PID, for the message a second daemon prints. */
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
        if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
                int r = -errno;
                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}
