/* test-store.c — opening the state database: a new file gets the current schema, marked as
 * dutyd's; an empty file, a file that is not a database, another program's database and one
 * made by a newer dutyd are refused with the cause and what to do, their bytes untouched;
 * database errors name the file, SQLite's own message and what to do. Upgrades from earlier
 * releases: test-migrate.c. */
#include "teststate.h"

#include <spawn.h>
#include <sys/wait.h>

#include "schema.h"
#include "store.h"

static void test_new_file(void **state) {
        (void)state;
        StateDir d;
        state_dir_made(&d);
        Store *s = NULL;
        assert_int_equal(db_pragma(d.db, "PRAGMA application_id"), SCHEMA_APPLICATION_ID);
        assert_int_equal(db_pragma(d.db, "PRAGMA user_version"), SCHEMA_VERSION);
        assert_int_equal(db_pragma(d.db, "SELECT count(*) FROM sqlite_master WHERE name IN "
                                         "('completions', 'outbox', 'outbox_items', 'feed_tokens', "
                                         "'feed_versions', 'donelink_key', 'donelink_used', "
                                         "'events', 'meta')"),
                         9);
        /* Opened again: current, nothing to do. */
        assert_int_equal(store_open(d.dir, &s), 0);
        SchemaInfo info;
        assert_int_equal(schema_inspect(s, schema_steps, schema_n_steps, &info), 0);
        assert_int_equal(info.kind, SCHEMA_CURRENT);
        store_close(s);
        rm_tree(d.dir);
}

/* store_open() fails with `r` and a message containing each of `says` (NULL-terminated), and
 * the file keeps every byte. */
static void refused(const StateDir *d, int r, const char *const *says) {
        size_t n0, n1;
        _cleanup_free_ char *before = file_bytes(d->db, &n0);
        assert_non_null(before);
        Store *s = NULL;
        assert_int_equal(store_open(d->dir, &s), r);
        assert_null(s);
        const char *msg = store_open_error();
        assert_non_null(msg);
        for (; *says; says++)
                if (!strstr(msg, *says))
                        fail_msg("\"%s\" not in: %s", *says, msg);
        _cleanup_free_ char *after = file_bytes(d->db, &n1);
        assert_int_equal(n0, n1);
        assert_memory_equal(before, after, n0);
}

static void test_empty_file(void **state) {
        (void)state;
        StateDir d;
        state_dir_new(&d);
        fclose(fopen(d.db, "w"));
        refused(&d, -ENODATA, (const char *[]){"文件为空（0 字节）", "请从备份恢复", NULL});
        rm_tree(d.dir);
}

static void test_not_a_database(void **state) {
        (void)state;
        StateDir d;
        state_dir_new(&d);
        FILE *f = fopen(d.db, "w");
        fputs("PK\003\004 this is a zip, not a state database: padding padding padding\n", f);
        fclose(f);
        refused(&d, -EBADMSG,
                (const char *[]){"不是可用的 dutyd 状态数据库（SQLite：file is not a database）",
                                 "从备份恢复", NULL});
        rm_tree(d.dir);
}

/* Another program's database, each way it can show: its own application_id, a user_version
 * without ours, tables none of which is dutyd's (a `meta` table is no proof), a table named as
 * one of dutyd's with other columns. */
static void test_foreign(void **state) {
        (void)state;
        static const struct {
                const char *sql, *says;
        } cases[] = {
                {"PRAGMA application_id = 1234; CREATE TABLE completions (x)",
                 "application_id 是 0x000004d2"},
                {"PRAGMA user_version = 3; CREATE TABLE things (x)", "user_version 是 3"},
                {"CREATE TABLE users (id, name); CREATE TABLE orders (id); INSERT INTO users "
                 "VALUES (1, 'a'); CREATE TABLE a (x); CREATE TABLE b (x)",
                 "其中没有 dutyd 的表（只有 users、orders、a 等）"},
                {"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
                 "其中没有 dutyd 的表（只有 meta）"},
                {"CREATE TABLE outbox (id TEXT PRIMARY KEY, payload BLOB); INSERT INTO outbox "
                 "VALUES ('x', 'y')",
                 "表 outbox 没有 dutyd 的列 channel"},
                {"CREATE TABLE feed_tokens (feed TEXT, token TEXT, created INTEGER, owner TEXT)",
                 "表 feed_tokens 有 dutyd 没有的列 owner"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                StateDir d;
                state_dir_new(&d);
                db_exec(d.db, cases[i].sql);
                refused(&d, -EBADMSG,
                        (const char *[]){"不是 dutyd 的状态数据库", cases[i].says, "未作任何改动",
                                         "state:", NULL});
                rm_tree(d.dir);
        }
}

/* A database of a later dutyd (WAL, with rows): refused, never downgraded. */
static void test_newer(void **state) {
        (void)state;
        StateDir d;
        state_dir_made(&d);
        char sql[128];
        snprintf(sql, sizeof(sql),
                 "PRAGMA user_version = %d; CREATE TABLE later (x); INSERT INTO later VALUES (1)",
                 SCHEMA_VERSION + 1);
        db_exec(d.db, sql);
        char says[64];
        snprintf(says, sizeof(says), "数据库版本 %d，本程序只认得到版本 %d", SCHEMA_VERSION + 1,
                 SCHEMA_VERSION);
        refused(&d, -EPROTONOSUPPORT,
                (const char *[]){"由更新版本的 dutyd 创建", says, "未作任何改动",
                                 "请安装新版本的 dutyd", NULL});
        assert_int_equal(db_pragma(d.db, "PRAGMA user_version"), SCHEMA_VERSION + 1);
        rm_tree(d.dir);
}

/* A step that fails (here: an object in the way of an index step 1 makes) leaves the file as
 * it was and says which step, SQLite's reason and what to do. */
static void test_upgrade_fails(void **state) {
        (void)state;
        StateDir d;
        state_dir_new(&d);
        db_exec(d.db, "PRAGMA journal_mode = WAL;"
                      "CREATE TABLE completions (id INTEGER PRIMARY KEY, duty TEXT NOT NULL,"
                      " post TEXT NOT NULL, person TEXT NOT NULL, period TEXT NOT NULL,"
                      " done_by TEXT, done_on TEXT NOT NULL, note TEXT, evidence TEXT,"
                      " source TEXT, recorded_at INTEGER NOT NULL, undone_at INTEGER);"
                      "INSERT INTO completions (duty, post, person, period, done_on, recorded_at)"
                      " VALUES ('m', 'zz', '', '2026-07', '2026-07-10', 1);"
                      "CREATE VIEW completions_undone AS SELECT 1");
        refused(&d, -EIO,
                (const char *[]){"升级数据库（版本 0 → 3）失败", "补齐早期版本缺少的表、列和索引",
                                 "（SQLite：", "completions_undone", "数据库保持升级前的样子",
                                 NULL});
        assert_int_equal(db_pragma(d.db, "PRAGMA user_version"), 0);
        assert_int_equal(db_pragma(d.db, "SELECT count(*) FROM sqlite_master"), 2);
        rm_tree(d.dir);
}

/* The errors callers print name the file, give SQLite's own message and say what to do. */
static void test_errmsg(void **state) {
        (void)state;
        StateDir d;
        state_dir_new(&d);
        Store *s = NULL, *other = NULL;
        assert_int_equal(store_open(d.dir, &s), 0);
        sqlite3_stmt *st = NULL;
        assert_int_equal(store_prepare(s, "SELECT * FROM nosuch", &st), -EIO);
        const char *msg = store_errmsg(s);
        assert_non_null(strstr(msg, d.db));
        assert_non_null(strstr(msg, "（SQLite：no such table: nosuch）"));
        assert_non_null(strstr(msg, "报告给维护者"));
        assert_non_null(strstr(store_strerror(s, -EIO), "no such table: nosuch"));
        assert_string_equal(store_strerror(s, -ENOMEM), strerror(ENOMEM));
        /* Another process holds the write lock. */
        assert_int_equal(store_open_another(s, &other), 0);
        assert_int_equal(store_begin(other), 0);
        sqlite3_busy_timeout(store_db(s), 0);
        assert_int_equal(store_begin(s), -EIO);
        msg = store_errmsg(s);
        assert_non_null(strstr(msg, d.db));
        assert_non_null(strstr(msg, "（SQLite：database is locked）"));
        assert_non_null(strstr(msg, "另一个进程长时间占用着数据库：稍后重试"));
        store_rollback(other);
        store_close(other);
        store_close(s);
        rm_tree(d.dir);
}

/* A state folder that cannot be made, a state.db that cannot be opened: the cause and what to
 * check, not a bare errno. */
static void test_cannot_open(void **state) {
        (void)state;
        Store *s = NULL;
        assert_true(store_open("/proc/self/dutyd-state", &s) < 0);
        assert_null(s);
        assert_non_null(store_open_error());
        assert_non_null(strstr(store_open_error(), "无法创建状态目录"));
        assert_non_null(strstr(store_open_error(), "检查状态目录的所有者、权限和剩余空间"));
        StateDir d;
        state_dir_new(&d);
        assert_int_equal(mkdir(d.db, 0700), 0); /* state.db is a folder */
        assert_true(store_open(d.dir, &s) < 0);
        assert_null(s);
        assert_non_null(store_open_error());
        assert_non_null(strstr(store_open_error(), "（SQLite："));
        assert_non_null(strstr(store_open_error(), "所有者和权限"));
        rm_tree(d.dir);
}

/* The rows of meta as another process sees them: this program again (a fresh process, not a
 * fork, which would share SQLite's idea of the locks held), which opens the file, counts and
 * closes. Its close, when it finds itself the last connection, checkpoints and removes the WAL. */
static int count_elsewhere(const char *path) {
        pid_t pid;
        char *argv[] = {"test-store", "--count-meta", (char *)path, NULL};
        assert_int_equal(posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, environ), 0);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static int count_meta(const char *path) {
        int64_t v = 255;
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        if (sqlite3_open(path, &db) == SQLITE_OK &&
            sqlite3_prepare_v2(db, "SELECT count(*) FROM meta", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
                v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
        return (int)v;
}

/* Opening an existing file keeps the connection's locks (re-moding the files must not close a
 * descriptor of them under the open connection): another process then sees every commit, and
 * its last close does not take the WAL away from under us. */
static void test_other_process_sees_commits(void **state) {
        (void)state;
        StateDir d;
        state_dir_made(&d);
        Store *s = NULL;
        assert_int_equal(store_open(d.dir, &s), 0);
        assert_int_equal(store_meta_set(s, "a", "1"), 0);
        assert_int_equal(count_elsewhere(d.db), 1);
        assert_int_equal(store_meta_set(s, "b", "2"), 0);
        assert_int_equal(count_elsewhere(d.db), 2);
        store_close(s);
        assert_int_equal(db_pragma(d.db, "SELECT count(*) FROM meta"), 2);
        rm_tree(d.dir);
}

int main(int argc, char **argv) {
        state_messages_in_chinese();
        if (argc == 3 && streq(argv[1], "--count-meta")) /* count_elsewhere() */
                return count_meta(argv[2]);
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_new_file),
                cmocka_unit_test(test_empty_file),
                cmocka_unit_test(test_not_a_database),
                cmocka_unit_test(test_foreign),
                cmocka_unit_test(test_newer),
                cmocka_unit_test(test_upgrade_fails),
                cmocka_unit_test(test_errmsg),
                cmocka_unit_test(test_cannot_open),
                cmocka_unit_test(test_other_process_sees_commits),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
