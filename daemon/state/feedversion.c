/* feedversion.c — see feedversion.h. */
#include "feedversion.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "completion.h"
#include "icalhash.h"
#include "store-sql.h"
#include "util.h"

#define META_HASH "feeds_config_hash"
#define META_GENERATION "feeds_generation"
#define META_GENERATION_STAMP "feeds_generation_stamp"

/* ---- the rows of a config ---- */

typedef int (*RowFn)(void *userdata, const char *key, uint64_t hash);

/* Every row the config has, in a fixed order. */
static int each_row(const Config *c, Day today, const uint64_t *post_h, const uint64_t *duty_h,
                    RowFn fn, void *userdata) {
        int r = fn(userdata, "org", ical_hash_org(c));
        int year = day_to_ymd(today).y;
        char key[3 * 72 + 8];
        for (int y = year - FEEDVERSION_YEARS; r == 0 && y <= year + FEEDVERSION_YEARS; y++) {
                snprintf(key, sizeof(key), "cal:%d", y);
                r = fn(userdata, key, ical_hash_calendar_year(c, y));
        }
        for (size_t d = 0; r == 0 && d < c->n_duties; d++) {
                const Duty *du = &c->duties[d];
                snprintf(key, sizeof(key), "d:%s", du->id);
                r = fn(userdata, key, ical_hash_duty_row(c, d, duty_h[d], post_h));
                for (size_t i = 0; r == 0 && i < du->n_posts; i++) {
                        size_t p = du->posts[i];
                        if (!du->per_holder) {
                                snprintf(key, sizeof(key), "a:%s:%s", du->id, c->posts[p].id);
                                r = fn(userdata, key,
                                       ical_hash_assignment(c, duty_h[d], post_h[p], -1));
                                continue;
                        }
                        /* Everyone who ever held the post (listed by person, a person once per
                         * tenure). */
                        int64_t last = -1;
                        for (uint32_t t = c->holders_off[p]; r == 0 && t < c->holders_off[p + 1];
                             t++) {
                                uint32_t who = c->holders[t].person;
                                if ((int64_t)who == last)
                                        continue;
                                last = who;
                                snprintf(key, sizeof(key), "a:%s:%s.%s", du->id, c->posts[p].id,
                                         c->people[who].id);
                                r = fn(userdata, key,
                                       ical_hash_assignment(c, duty_h[d], post_h[p], (ssize_t)who));
                        }
                }
        }
        return r;
}

static int mix_row(void *userdata, const char *key, uint64_t hash) {
        uint64_t *h = userdata;
        *h = ical_hash_mix(ical_hash_str(*h, key), hash);
        return 0;
}

/* One hash over every row and over what the feeds' titles show. */
static uint64_t config_hash(const Config *c, Day today, const uint64_t *post_h,
                            const uint64_t *duty_h) {
        uint64_t h = 0;
        (void)each_row(c, today, post_h, duty_h, mix_row, &h);
        for (size_t p = 0; p < c->n_people; p++)
                h = ical_hash_str(ical_hash_str(h, c->people[p].id), c->people[p].name);
        return ical_hash_str(h, c->org_name);
}

typedef struct Upsert {
        Store *store;
        sqlite3_stmt *st;
        int64_t now;
        size_t in_batch;
        const atomic_int *cancel;
} Upsert;

static int upsert_row(void *userdata, const char *key, uint64_t hash) {
        Upsert *u = userdata;
        if (u->in_batch == 0) {
                if (u->cancel && atomic_load(u->cancel))
                        return -ECANCELED;
                if (store_begin(u->store) < 0)
                        return -EIO;
        }
        sqlite3_reset(u->st);
        sqlite3_bind_text(u->st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(u->st, 2, (sqlite3_int64)hash);
        sqlite3_bind_int64(u->st, 3, u->now);
        if (sqlite3_step(u->st) != SQLITE_DONE) {
                store_rollback(u->store);
                u->in_batch = 0;
                return -EIO;
        }
        if (++u->in_batch == FEEDVERSION_BATCH) {
                u->in_batch = 0;
                if (store_commit(u->store) < 0) {
                        store_rollback(u->store);
                        return -EIO;
                }
        }
        return 0;
}

static int meta_int(Store *s, const char *key, int64_t *ret) {
        _cleanup_free_ char *v = NULL;
        int r = store_meta_get(s, key, &v);
        *ret = r == 0 ? strtoll(v, NULL, 10) : 0;
        return r == -ENOENT ? 0 : r;
}

static int meta_put_int(Store *s, const char *key, int64_t v) {
        char buf[24];
        snprintf(buf, sizeof(buf), "%" PRId64, v);
        return store_meta_set(s, key, buf);
}

static int feedversion_generation(Store *s, FeedGeneration *ret) {
        int r = meta_int(s, META_GENERATION, &ret->generation);
        if (r == 0)
                r = meta_int(s, META_GENERATION_STAMP, &ret->stamp);
        return r;
}

/* The generation raised and the hash recorded, in one transaction. */
static int raise_generation(Store *s, uint64_t hash, int64_t now, FeedGeneration *ret) {
        FeedGeneration g;
        int r = store_begin(s) < 0 ? -EIO : 0;
        if (r == 0)
                r = feedversion_generation(s, &g);
        if (r == 0) {
                g.generation++;
                g.stamp = now > g.stamp ? now : g.stamp + 1;
                char h[24];
                snprintf(h, sizeof(h), "%" PRIu64, hash);
                if (meta_put_int(s, META_GENERATION, g.generation) < 0 ||
                    meta_put_int(s, META_GENERATION_STAMP, g.stamp) < 0 ||
                    store_meta_set(s, META_HASH, h) < 0)
                        r = -EIO;
        }
        if (r == 0 && store_commit(s) < 0)
                r = -EIO;
        if (r < 0) {
                store_rollback(s);
                return r;
        }
        *ret = g;
        return 0;
}

static int upsert_all(Store *s, const Config *c, Day today, const uint64_t *post_h,
                      const uint64_t *duty_h, int64_t now, const atomic_int *cancel) {
        Upsert u = {.store = s, .now = now, .cancel = cancel};
        if (store_prepare(s,
                          "INSERT INTO feed_versions (key, hash, rev, stamp)"
                          " VALUES (?1, ?2, 0, ?3) ON CONFLICT (key) DO UPDATE SET"
                          " hash = excluded.hash, rev = feed_versions.rev + 1,"
                          " stamp = max(excluded.stamp, feed_versions.stamp + 1)"
                          " WHERE feed_versions.hash != excluded.hash",
                          &u.st) < 0)
                return -EIO;
        int r = each_row(c, today, post_h, duty_h, upsert_row, &u);
        if (r == 0 && u.in_batch > 0 && store_commit(s) < 0)
                r = -EIO;
        if (r < 0 && u.in_batch > 0)
                store_rollback(s);
        sqlite3_finalize(u.st);
        return r;
}

int feedversion_sync(Store *s, const Config *c, Day today, time_t now, const atomic_int *cancel,
                     FeedGeneration *ret) {
        _cleanup_free_ uint64_t *post_h = calloc(c->n_posts ? c->n_posts : 1, sizeof(*post_h));
        _cleanup_free_ uint64_t *duty_h = calloc(c->n_duties ? c->n_duties : 1, sizeof(*duty_h));
        int r = post_h && duty_h ? 0 : -ENOMEM;
        for (size_t p = 0; r == 0 && p < c->n_posts; p++)
                post_h[p] = ical_hash_post(c, p);
        for (size_t d = 0; r == 0 && d < c->n_duties; d++)
                duty_h[d] = ical_hash_duty(c, d);
        uint64_t hash = r == 0 ? config_hash(c, today, post_h, duty_h) : 0;
        _cleanup_free_ char *old = NULL;
        char want[24];
        snprintf(want, sizeof(want), "%" PRIu64, hash);
        if (r == 0 && store_meta_get(s, META_HASH, &old) == 0 && streq(old, want))
                r = feedversion_generation(s, ret); /* nothing changed since the last sync */
        else if (r == 0 && (r = upsert_all(s, c, today, post_h, duty_h, now, cancel)) == 0)
                r = raise_generation(s, hash, now, ret);
        return r;
}

static int64_t col64(sqlite3_stmt *st, int i) {
        return sqlite3_column_type(st, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, i);
}

/* Reads max(id) + undone, and the latest record/undo time. */
static const char completions_sql[] =
        "SELECT (SELECT coalesce(max(id), 0) FROM completions)"
        " + (SELECT count(*) FROM completions WHERE undone_at IS NOT NULL),"
        " max(coalesce((SELECT recorded_at FROM completions ORDER BY id DESC LIMIT 1), 0),"
        " coalesce((SELECT max(undone_at) FROM completions), 0))";

static int read_completions(sqlite3_stmt *st, CompletionVersion *ret) {
        sqlite3_reset(st);
        if (sqlite3_step(st) != SQLITE_ROW)
                return -EIO;
        *ret = (CompletionVersion){col64(st, 0), col64(st, 1)};
        return 0;
}

int feedversion_completions(Store *s, CompletionVersion *ret) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        if (store_prepare(s, completions_sql, &st) < 0)
                return -EIO;
        return read_completions(st, ret);
}

int feedversion_snapshot(Store *s, Ledger **ret, CompletionVersion *ret_v) {
        Ledger *l = NULL;
        int r = store_begin_read(s);
        if (r < 0)
                return r;
        r = ledger_load(s, &l);
        if (r == 0)
                r = feedversion_completions(s, ret_v);
        (void)store_commit(s); /* a read transaction: nothing to lose */
        if (r < 0) {
                ledger_free(l);
                return r;
        }
        *ret = l;
        return 0;
}

/* ---- reading ---- */

enum { RD_ROW, RD_ASSIGNMENT, RD_DUTY, RD_COMPLETIONS, RD_GENERATION, RD_MAX };

struct FeedVersionReader {
        Store *store;
        sqlite3_stmt *st[RD_MAX];
        bool open;
};

int feedversion_reader_new(Store *s, FeedVersionReader **ret) {
        static const char *const sql[RD_MAX] = {
                [RD_ROW] = "SELECT rev, stamp FROM feed_versions WHERE key = ?1",
                [RD_ASSIGNMENT] = "SELECT count(*) + count(undone_at), max(recorded_at),"
                                  " max(undone_at) FROM completions WHERE duty = ?1 AND"
                                  " post = ?2 AND person = ?3 AND period = ?4",
                [RD_DUTY] = "SELECT count(*) + count(undone_at), max(recorded_at),"
                            " max(undone_at) FROM completions WHERE duty = ?1 AND period = ?2",
                [RD_COMPLETIONS] = completions_sql,
                [RD_GENERATION] = "SELECT value FROM meta WHERE key = '" META_GENERATION "'",
        };
        FeedVersionReader *r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->store = s;
        for (size_t i = 0; i < RD_MAX; i++)
                if (store_prepare(s, sql[i], &r->st[i]) < 0) {
                        feedversion_reader_free(r);
                        return -EIO;
                }
        *ret = r;
        return 0;
}

FeedVersionReader *feedversion_reader_free(FeedVersionReader *r) {
        if (!r)
                return NULL;
        feedversion_reader_end(r);
        for (size_t i = 0; i < RD_MAX; i++)
                sqlite3_finalize(r->st[i]);
        free(r);
        return NULL;
}

int feedversion_reader_begin(FeedVersionReader *r, int64_t generation, int64_t completions) {
        if (store_begin_read(r->store) < 0)
                return -EIO;
        r->open = true;
        sqlite3_stmt *g = r->st[RD_GENERATION];
        sqlite3_reset(g);
        int step = sqlite3_step(g);
        int64_t gen =
                step == SQLITE_ROW ? strtoll((const char *)sqlite3_column_text(g, 0), NULL, 10) : 0;
        sqlite3_reset(g);
        CompletionVersion v;
        int q = step == SQLITE_ROW || step == SQLITE_DONE
                        ? read_completions(r->st[RD_COMPLETIONS], &v)
                        : -EIO;
        sqlite3_reset(r->st[RD_COMPLETIONS]);
        if (q == 0 && (gen != generation || v.version != completions))
                q = -ESTALE;
        if (q < 0)
                feedversion_reader_end(r);
        return q;
}

void feedversion_reader_end(FeedVersionReader *r) {
        if (!r || !r->open)
                return;
        for (size_t i = 0; i < RD_MAX; i++)
                sqlite3_reset(r->st[i]);
        (void)store_commit(r->store);
        r->open = false;
}

int feedversion_row(FeedVersionReader *r, const char *key, int64_t *ret_rev, int64_t *ret_stamp) {
        sqlite3_stmt *st = r->st[RD_ROW];
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        *ret_rev = step == SQLITE_ROW ? col64(st, 0) : 0;
        *ret_stamp = step == SQLITE_ROW ? col64(st, 1) : 0;
        sqlite3_reset(st);
        return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : -EIO;
}

int feedversion_period(FeedVersionReader *r, const char *duty, const char *post, const char *person,
                       const char *period, int64_t *ret_count, int64_t *ret_stamp) {
        sqlite3_stmt *st = r->st[post ? RD_ASSIGNMENT : RD_DUTY];
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, duty, -1, SQLITE_STATIC);
        if (post) {
                sqlite3_bind_text(st, 2, post, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 3, person ? person : "", -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 4, period, -1, SQLITE_STATIC);
        } else
                sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_ROW) {
                sqlite3_reset(st);
                return -EIO;
        }
        int64_t a = col64(st, 1), b = col64(st, 2);
        *ret_count = col64(st, 0);
        *ret_stamp = a > b ? a : b;
        sqlite3_reset(st);
        return 0;
}
