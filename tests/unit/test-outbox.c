/* test-outbox.c — storing composed messages (insert-or-ignore, reminders never queued twice),
 * states, backoff, give-up, crash recovery. Composition itself: test-compose.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "outbox.h"
#include "store-sql.h"
#include "testmessage.h"
#include "util.h"

typedef struct Fx {
        char dir[64];
        Store *store;
        Config cfg;
        Channel ch[TEST_N_CH];
} Fx;

static int setup(void **state) {
        Fx *f = calloc(1, sizeof *f);
        assert_non_null(f);
        strcpy(f->dir, "/tmp/dutyd-outbox-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        assert_int_equal(store_open(f->dir, &f->store), 0);
        test_message_config(&f->cfg, f->ch);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fx *f = *state;
        store_close(f->store);
        rm_tree(f->dir);
        free(f);
        return 0;
}

static MessageItem item(const char *occ, const char *step) {
        return test_item(occ, step, TEMPLATE_UPCOMING);
}

static size_t count(Fx *f, bool failed_only) {
        OutboxRow *rows = NULL;
        size_t n = 0;
        assert_int_equal(outbox_list(f->store, failed_only, &rows, &n), 0);
        outbox_rows_free(rows, n);
        return n;
}

static void test_queue_once(void **state) {
        Fx *f = *state;
        MessageItem its[2] = {item("m:p:2026-Q4:1", "b7"), item("n:p:2026-Q4:1", "b7")};
        OutboxRequest req = {.channel = TEST_CH_WECOM, .recipient = "", .items = its, .n_items = 1};
        size_t q;
        assert_int_equal(outbox_queue(f->store, &f->cfg, &req, 1000, &q), 0);
        assert_int_equal(q, 1);
        assert_int_equal(outbox_queue(f->store, &f->cfg, &req, 1001, &q), 0);
        assert_int_equal(q, 0);
        /* Grouped differently later: the already queued reminder is dropped from the group. */
        req.n_items = 2;
        assert_int_equal(outbox_queue(f->store, &f->cfg, &req, 1002, &q), 0);
        assert_int_equal(q, 1);
        assert_int_equal(count(f, false), 2);
        OutboxRow *rows;
        size_t n;
        assert_int_equal(outbox_due(f->store, "wecom-town", 1002, 10, &rows, &n), 0);
        assert_int_equal(n, 2);
        json_t *c = json_loads(rows[1].content, 0, NULL);
        assert_non_null(c);
        assert_int_equal(json_array_size(json_object_get(c, "items")), 1);
        json_t *h = json_object_get(json_array_get(json_object_get(c, "items"), 0), "holders");
        assert_int_equal(json_array_size(h), 2);
        assert_string_equal(json_string_value(json_array_get(h, 1)), "李四");
        assert_int_equal(rows[0].give_up, 1000 + 2 * 3600);
        json_decref(c);
        outbox_rows_free(rows, n);
        /* Same reminder for another channel or recipient is a different message. */
        req.channel = TEST_CH_HOOK;
        req.n_items = 1;
        assert_int_equal(outbox_queue(f->store, &f->cfg, &req, 1003, &q), 0);
        assert_int_equal(q, 1);
        req.recipient = "a@b.cn";
        assert_int_equal(outbox_queue(f->store, &f->cfg, &req, 1003, &q), 0);
        assert_int_equal(q, 1);
}

/* Several requests in one transaction: duplicates within the batch dropped; all or none. */
static void test_queue_many(void **state) {
        Fx *f = *state;
        MessageItem its[2] = {item("m:p:2026-Q4:1", "b7"), item("n:p:2026-Q4:1", "b7")};
        OutboxRequest reqs[3] = {
                {.channel = TEST_CH_WECOM, .recipient = "", .items = its, .n_items = 2},
                {.channel = TEST_CH_WECOM,
                 .recipient = "",
                 .items = its + 1,
                 .n_items = 1}, /* again */
                {.channel = TEST_CH_HOOK, .recipient = "", .items = its, .n_items = 1},
        };
        size_t q = 99;
        assert_int_equal(outbox_queue_many(f->store, &f->cfg, reqs, 3, 1000, &q), 0);
        assert_int_equal(q, 2);
        assert_int_equal(count(f, false), 2);
        /* A bad request anywhere: nothing of the batch is queued. */
        MessageItem bad = item(NULL, "b7"), fresh = item("o:p:2026-Q4:1", "b7");
        OutboxRequest reqs2[2] = {
                {.channel = TEST_CH_WECOM, .recipient = "", .items = &fresh, .n_items = 1},
                {.channel = TEST_CH_WECOM, .recipient = "", .items = &bad, .n_items = 1},
        };
        assert_int_equal(outbox_queue_many(f->store, &f->cfg, reqs2, 2, 1001, &q), -EINVAL);
        assert_int_equal(count(f, false), 2);
        reqs2[1].channel = 7;
        assert_int_equal(outbox_queue_many(f->store, &f->cfg, reqs2, 2, 1001, &q), -EINVAL);
        assert_int_equal(outbox_queue_many(f->store, &f->cfg, reqs2, 1, 1001, &q), 0);
        assert_int_equal(q, 1);
        assert_int_equal(count(f, false), 3);
}

static void test_split_ids(void **state) {
        Fx *f = *state;
        enum { N = 30 };
        MessageItem its[N];
        char occ[N][32];
        for (int i = 0; i < N; i++) {
                snprintf(occ[i], sizeof occ[i], "d%d:p:2026-Q4:1", i);
                its[i] = item(occ[i], "d0");
        }
        OutboxRequest req = {.channel = TEST_CH_WECOM, .recipient = "", .items = its, .n_items = N};
        size_t q;
        assert_int_equal(outbox_queue(f->store, &f->cfg, &req, 1000, &q), 0);
        assert_true(q > 1); /* WeCom 2048 bytes forces a split */
        OutboxRow *rows;
        size_t n;
        assert_int_equal(outbox_list(f->store, false, &rows, &n), 0);
        assert_int_equal(n, q);
        for (size_t i = 0; i < n; i++) {
                json_t *c = json_loads(rows[i].content, 0, NULL);
                assert_true(strlen(json_string_value(json_object_get(c, "text"))) <= 2048);
                json_decref(c);
        }
        outbox_rows_free(rows, n);
}

static void test_states(void **state) {
        Fx *f = *state;
        bool ins, failed;
        assert_int_equal(outbox_insert(f->store, "id1", "hook", "", "test", "o", "{\"text\":\"x\"}",
                                       100, 100 + 3600, &ins),
                         0);
        assert_true(ins);
        assert_int_equal(
                outbox_insert(f->store, "id1", "hook", "", "test", "o", "{}", 100, 100, &ins), 0);
        assert_false(ins);
        assert_int_equal(outbox_claim(f->store, "id1", 100), 0);
        assert_int_equal(outbox_claim(f->store, "id1", 100), -ESTALE); /* already claimed */
        assert_int_equal(
                outbox_mark_retry(f->store, "id1", 100, DELIVERY_RETRY, "HTTP 500", &failed), 0);
        assert_false(failed);
        OutboxRow r;
        assert_int_equal(outbox_get(f->store, "id1", &r), 0);
        assert_int_equal(r.state, OUTBOX_QUEUED);
        assert_int_equal(r.attempts, 1);
        assert_true(r.next_attempt >= 100 + 24 && r.next_attempt <= 100 + 36);
        assert_string_equal(r.last_error, "HTTP 500");
        outbox_row_done(&r);
        int64_t next;
        assert_int_equal(outbox_next_due(f->store, "hook", 100, &next), 0);
        assert_true(next > 100);
        /* Crash while sending: recovered to queued, same id. */
        assert_int_equal(outbox_claim(f->store, "id1", 200), 0);
        assert_int_equal(outbox_recover(f->store, 300), 1);
        assert_int_equal(outbox_get(f->store, "id1", &r), 0);
        assert_int_equal(r.state, OUTBOX_QUEUED);
        assert_int_equal(r.next_attempt, 300);
        outbox_row_done(&r);
        assert_int_equal(outbox_claim(f->store, "id1", 300), 0);
        assert_int_equal(outbox_mark_sent(f->store, "id1", 301), 0);
        assert_int_equal(outbox_get(f->store, "id1", &r), 0);
        assert_int_equal(r.state, OUTBOX_SENT);
        assert_int_equal(r.sent, 301);
        assert_null(r.last_error);
        outbox_row_done(&r);
        size_t pend;
        assert_int_equal(outbox_pending_count(f->store, NULL, &pend), 0);
        assert_int_equal(pend, 0);

        /* Give-up: a retry past the deadline fails the message. */
        assert_int_equal(
                outbox_insert(f->store, "id2", "hook", "", "test", "o", "{}", 100, 110, &ins), 0);
        assert_int_equal(outbox_claim(f->store, "id2", 100), 0);
        assert_int_equal(outbox_mark_retry(f->store, "id2", 100, DELIVERY_RETRY, "超时", &failed),
                         0);
        assert_true(failed);
        /* Re-sign: once at once, then failed. */
        assert_int_equal(
                outbox_insert(f->store, "id3", "hook", "", "test", "o", "{}", 100, 9999, &ins), 0);
        assert_int_equal(outbox_claim(f->store, "id3", 100), 0);
        assert_int_equal(outbox_mark_retry(f->store, "id3", 100, DELIVERY_RESIGN, "sign", &failed),
                         0);
        assert_false(failed);
        assert_int_equal(outbox_get(f->store, "id3", &r), 0);
        assert_int_equal(r.next_attempt, 100);
        outbox_row_done(&r);
        assert_int_equal(outbox_claim(f->store, "id3", 100), 0);
        assert_int_equal(outbox_mark_retry(f->store, "id3", 100, DELIVERY_RESIGN, "sign", &failed),
                         0);
        assert_true(failed);
        /* Permanent. */
        assert_int_equal(
                outbox_insert(f->store, "id4", "hook", "", "test", "o", "{}", 100, 9999, &ins), 0);
        assert_int_equal(outbox_claim(f->store, "id4", 100), 0);
        assert_int_equal(outbox_mark_failed(f->store, "id4", 100, "HTTP 404"), 0);
        assert_int_equal(count(f, true), 3);
        assert_int_equal(outbox_next_due(f->store, "hook", 0, &next), -ENOENT);
}

/* A message in flight at one crash after another backs off instead of going out at every
 * restart (kill -9 loops once sent one message 23 times). */
static void test_recover_backs_off(void **state) {
        Fx *f = *state;
        bool ins;
        assert_int_equal(
                outbox_insert(f->store, "id9", "hook", "", "test", "o", "{}", 100, 999999, &ins),
                0);
        static const int64_t expect[] = {0, 0, 120, 240, 480, 960, 1920, 3600, 3600};
        for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
                OutboxRow r;
                assert_int_equal(outbox_get(f->store, "id9", &r), 0);
                int64_t now = r.next_attempt;
                outbox_row_done(&r);
                assert_int_equal(outbox_claim(f->store, "id9", now), 0);
                assert_int_equal(outbox_recover(f->store, now), 1);
                assert_int_equal(outbox_get(f->store, "id9", &r), 0);
                assert_int_equal(r.state, OUTBOX_QUEUED);
                assert_int_equal(r.attempts, (int)i + 1);
                assert_int_equal(r.next_attempt - now, expect[i]);
                outbox_row_done(&r);
        }
}

/* The oldest due rows of one channel, claimed in one statement; nothing else is touched. */
static void test_claim_due(void **state) {
        Fx *f = *state;
        bool ins;
        /* id, channel, created, next_attempt */
        static const struct {
                const char *id, *channel;
                int64_t created, next;
        } rows[] = {
                {"c", "hook", 100, 100}, {"a", "hook", 100, 100},     {"d", "hook", 90, 105},
                {"b", "hook", 50, 500},  {"x", "wecom-town", 10, 10},
        };
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
                assert_int_equal(outbox_insert(f->store, rows[i].id, rows[i].channel, "", "test",
                                               "o", "{}", rows[i].created, 99999, &ins),
                                 0);
        assert_int_equal(sqlite3_exec(store_db(f->store),
                                      "UPDATE outbox SET next_attempt=500 WHERE id='b';"
                                      "UPDATE outbox SET next_attempt=105 WHERE id='d'",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
        OutboxRow *got = NULL;
        size_t n = 0;
        /* Due at 200: c and a (next_attempt 100, in the order queued), then d (105). */
        assert_int_equal(outbox_claim_due(f->store, "hook", 200, 2, &got, &n), 0);
        assert_int_equal(n, 2);
        bool seen_a = false, seen_c = false;
        for (size_t i = 0; i < n; i++) {
                seen_a = seen_a || streq(got[i].id, "a");
                seen_c = seen_c || streq(got[i].id, "c");
                assert_int_equal(got[i].state, OUTBOX_SENDING);
                assert_int_equal(got[i].attempts, 1);
        }
        assert_true(seen_a && seen_c);
        outbox_rows_free(got, n);
        assert_int_equal(outbox_claim_due(f->store, "hook", 200, 10, &got, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(got[0].id, "d");
        outbox_rows_free(got, n);
        assert_int_equal(outbox_claim_due(f->store, "hook", 200, 10, &got, &n), 0);
        assert_int_equal(n, 0);
        OutboxRow r;
        assert_int_equal(outbox_get(f->store, "b", &r), 0); /* not due */
        assert_int_equal(r.state, OUTBOX_QUEUED);
        outbox_row_done(&r);
        assert_int_equal(outbox_get(f->store, "x", &r), 0); /* another channel */
        assert_int_equal(r.state, OUTBOX_QUEUED);
        assert_int_equal(r.attempts, 0);
        outbox_row_done(&r);
        /* The next due of a channel ignores the others' rows. */
        int64_t next;
        assert_int_equal(outbox_next_due(f->store, "hook", 200, &next), 0);
        assert_int_equal(next, 500);
        assert_int_equal(outbox_next_due(f->store, "wecom-town", 10, &next), -ENOENT);
        assert_int_equal(outbox_next_due(f->store, "wecom-town", 9, &next), 0);
        assert_int_equal(next, 10);
}

/* A claimed row is marked sent by its rowid; by its id when the rows were renumbered since. */
static void test_mark_sent_row(void **state) {
        Fx *f = *state;
        bool ins;
        for (int i = 0; i < 3; i++) {
                char id[16];
                snprintf(id, sizeof id, "r%d", i);
                assert_int_equal(outbox_insert(f->store, id, "hook", "", "test", "o", "{}", 100,
                                               99999, &ins),
                                 0);
        }
        OutboxRow *got = NULL, r;
        size_t n = 0;
        assert_int_equal(outbox_claim_due(f->store, "hook", 200, 3, &got, &n), 0);
        assert_int_equal(n, 3);
        assert_int_equal(outbox_mark_sent_row(f->store, &got[0], 201), 0);
        assert_int_equal(outbox_mark_sent_row(f->store, &got[0], 202), -ESTALE); /* sent already */
        /* Another row's rowid with this id: found by its id all the same. */
        got[1].rowid = got[2].rowid;
        assert_int_equal(outbox_mark_sent_row(f->store, &got[1], 203), 0);
        for (int i = 0; i < 3; i++) {
                assert_int_equal(outbox_get(f->store, got[i].id, &r), 0);
                assert_int_equal(r.state, i < 2 ? OUTBOX_SENT : OUTBOX_SENDING);
                assert_int_equal(r.sent, i == 0 ? 201 : i == 1 ? 203 : 0);
                outbox_row_done(&r);
        }
        outbox_rows_free(got, n);
}

/* A webhook message is stored as its request body (built once); others as their content. */
static void test_prebuilt(void **state) {
        Fx *f = *state;
        MessageItem it = item("m:p:2026-Q4:1", "b7");
        OutboxRequest req = {.channel = TEST_CH_HOOK, .recipient = "", .items = &it, .n_items = 1};
        size_t q;
        assert_int_equal(outbox_queue(f->store, &f->cfg, &req, 1000, &q), 0);
        req.channel = TEST_CH_WECOM;
        assert_int_equal(outbox_queue(f->store, &f->cfg, &req, 1000, &q), 0);
        OutboxRow *rows = NULL;
        size_t n = 0;
        assert_int_equal(outbox_due(f->store, "hook", 1000, 10, &rows, &n), 0);
        assert_int_equal(n, 1);
        assert_true(rows[0].prebuilt);
        json_t *b = json_loads(rows[0].content, 0, NULL);
        assert_non_null(b);
        assert_int_equal(json_integer_value(json_object_get(b, "version")), 1);
        assert_string_equal(json_string_value(json_object_get(b, "delivery_id")), rows[0].id);
        assert_string_equal(json_string_value(json_object_get(b, "channel")), "hook");
        assert_string_equal(json_string_value(json_object_get(b, "kind")), "upcoming");
        assert_string_equal(json_string_value(json_object_get(
                                    json_array_get(json_object_get(b, "items"), 0), "occurrence")),
                            "m:p:2026-Q4:1");
        assert_non_null(json_string_value(json_object_get(b, "text")));
        json_decref(b);
        outbox_rows_free(rows, n);
        assert_int_equal(outbox_due(f->store, "wecom-town", 1000, 10, &rows, &n), 0);
        assert_int_equal(n, 1);
        assert_false(rows[0].prebuilt);
        b = json_loads(rows[0].content, 0, NULL);
        assert_non_null(json_string_value(json_object_get(b, "subject")));
        json_decref(b);
        outbox_rows_free(rows, n);
}

/* A database from before the prebuilt column (and before versions): opening it adds the column,
 * old rows read as content. */
static void test_upgrade(void **state) {
        Fx *f = *state;
        f->store = store_close(f->store);
        char path[80];
        snprintf(path, sizeof(path), "%s/state.db", f->dir);
        sqlite3 *db = NULL;
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db,
                                      "PRAGMA application_id = 0; PRAGMA user_version = 0;"
                                      "DROP TABLE outbox;"
                                      "CREATE TABLE outbox (id TEXT PRIMARY KEY, channel TEXT NOT "
                                      "NULL, recipient TEXT NOT NULL, kind TEXT NOT NULL, "
                                      "occurrence TEXT NOT NULL, content TEXT NOT NULL, state TEXT "
                                      "NOT NULL DEFAULT 'queued', attempts INTEGER NOT NULL "
                                      "DEFAULT 0, resigns INTEGER NOT NULL DEFAULT 0, created "
                                      "INTEGER NOT NULL, next_attempt INTEGER NOT NULL, give_up "
                                      "INTEGER NOT NULL, sent INTEGER NOT NULL DEFAULT 0, "
                                      "last_error TEXT);"
                                      "CREATE INDEX outbox_due_order ON outbox(state, channel, "
                                      "next_attempt, created, id);"
                                      "INSERT INTO outbox (id, channel, recipient, kind, "
                                      "occurrence, content, created, next_attempt, give_up) "
                                      "VALUES ('old', 'hook', '', 'test', 'o', '{\"text\":\"x\"}', "
                                      "1, 1, 9999)",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
        sqlite3_close(db);
        assert_int_equal(store_open(f->dir, &f->store), 0);
        OutboxRow *rows = NULL;
        size_t n = 0;
        assert_int_equal(outbox_claim_due(f->store, "hook", 1, 10, &rows, &n), 0);
        assert_int_equal(n, 1);
        assert_false(rows[0].prebuilt);
        assert_string_equal(rows[0].content, "{\"text\":\"x\"}");
        outbox_rows_free(rows, n);
}

static void test_backoff(void **state) {
        (void)state;
        assert_int_equal(outbox_backoff(1, 0.5), 30);
        assert_int_equal(outbox_backoff(2, 0.5), 60);
        assert_int_equal(outbox_backoff(3, 0.5), 120);
        assert_int_equal(outbox_backoff(10, 0.5), 3600);
        assert_int_equal(outbox_backoff(40, 0.5), 3600);
        assert_int_equal(outbox_backoff(1, 0.0), 24);
        assert_int_equal(outbox_backoff(1, 0.999999), 36);
        assert_int_equal(outbox_backoff(20, 0.999999), 4320);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_queue_once, setup, teardown),
                cmocka_unit_test_setup_teardown(test_queue_many, setup, teardown),
                cmocka_unit_test_setup_teardown(test_split_ids, setup, teardown),
                cmocka_unit_test_setup_teardown(test_states, setup, teardown),
                cmocka_unit_test_setup_teardown(test_recover_backs_off, setup, teardown),
                cmocka_unit_test_setup_teardown(test_claim_due, setup, teardown),
                cmocka_unit_test_setup_teardown(test_mark_sent_row, setup, teardown),
                cmocka_unit_test_setup_teardown(test_prebuilt, setup, teardown),
                cmocka_unit_test_setup_teardown(test_upgrade, setup, teardown),
                cmocka_unit_test(test_backoff),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
