/* outbox.c — see outbox.h. */
#include "outbox.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "array.h"
#include "i18n.h"
#include "store-sql.h"
#include "util.h"

static const char *const state_names[_OUTBOX_STATE_MAX] = {"queued", "sending", "sent", "failed"};
static const char *const state_text[_OUTBOX_STATE_MAX] = {N_("queued"), N_("sending"), N_("sent"),
                                                          N_("failed")};

const char *outbox_state_to_string(OutboxState s) {
        return (unsigned)s < _OUTBOX_STATE_MAX ? state_names[s] : "?";
}
const char *outbox_state_to_text(OutboxState s) {
        return (unsigned)s < _OUTBOX_STATE_MAX ? _(state_text[s]) : "?";
}

static OutboxState state_from_string(const char *s) {
        for (int i = 0; i < _OUTBOX_STATE_MAX; i++)
                if (s && streq(s, state_names[i]))
                        return (OutboxState)i;
        return OUTBOX_FAILED;
}

int64_t outbox_backoff(int attempts, double rnd) {
        double base = 30.0;
        for (int i = 1; i < attempts && base < 3600.0; i++)
                base *= 2;
        if (base > 3600.0)
                base = 3600.0;
        double v = base * (0.8 + 0.4 * rnd);
        return v < 1 ? 1 : (int64_t)llround(v);
}

/* ---- statements -------------------------------------------------------------------------- */

/* Statements come from the store's cache (store_stmt(): `sql` is always a literal here) and go
 * back with store_stmt_done(). */
static int prep(Store *s, const char *sql, sqlite3_stmt **ret) {
        *ret = store_stmt(s, sql);
        return *ret ? 0 : -EIO;
}

/* Runs a statement with text/int binds given as a format: 't' text, 'i' int64. Returns the
 * number of rows changed, or -EIO. */
static int run(Store *s, const char *sql, const char *fmt, ...) {
        sqlite3_stmt *st;
        va_list ap;
        if (prep(s, sql, &st) < 0)
                return -EIO;
        va_start(ap, fmt);
        for (int i = 0; fmt[i]; i++) {
                if (fmt[i] == 't')
                        sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1,
                                          SQLITE_STATIC); /* unbound before we return */
                else
                        sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
        }
        va_end(ap);
        int r = sqlite3_step(st);
        store_stmt_done(s, st);
        if (r != SQLITE_DONE)
                return -EIO;
        return sqlite3_changes(store_db(s));
}

static int insert_row(Store *s, const char *id, const char *channel, const char *recipient,
                      const char *kind, const char *occurrence, const char *content, bool prebuilt,
                      int64_t now, int64_t give_up, bool *ret_inserted) {
        int r = run(s,
                    "INSERT OR IGNORE INTO outbox (id, channel, recipient, kind, occurrence,"
                    " content, prebuilt, created, next_attempt, give_up)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?)",
                    "ttttttiiii", id, channel, recipient, kind, occurrence, content,
                    (int64_t)prebuilt, now, now, give_up);
        if (r < 0)
                return r;
        if (ret_inserted)
                *ret_inserted = r > 0;
        return 0;
}

int outbox_insert(Store *s, const char *id, const char *channel, const char *recipient,
                  const char *kind, const char *occurrence, const char *content, int64_t now,
                  int64_t give_up, bool *ret_inserted) {
        return insert_row(s, id, channel, recipient, kind, occurrence, content, false, now, give_up,
                          ret_inserted);
}

/* Whether the reminder (occurrence, step) is queued already for this channel and recipient. */
static int already_queued(Store *s, const char *occ, const char *step, const char *channel,
                          const char *recipient, bool *ret) {
        sqlite3_stmt *st;
        if (prep(s,
                 "SELECT 1 FROM outbox_items WHERE occurrence=? AND step=? AND channel=? AND "
                 "recipient=?",
                 &st) < 0)
                return -EIO;
        sqlite3_bind_text(st, 1, occ, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, step, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, channel, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, recipient, -1, SQLITE_STATIC);
        int r = sqlite3_step(st);
        store_stmt_done(s, st);
        if (r != SQLITE_ROW && r != SQLITE_DONE)
                return -EIO;
        *ret = r == SQLITE_ROW;
        return 0;
}

/* The request's items not queued yet for its channel and recipient, in `keep` (room for
 * req->n_items). */
static int not_queued(Store *s, const Channel *ch, const OutboxRequest *req, MessageItem *keep,
                      size_t *ret_n) {
        size_t n = 0;
        for (size_t i = 0; i < req->n_items; i++) {
                const MessageItem *it = &req->items[i];
                bool dup;
                if (!it->occurrence)
                        return -EINVAL;
                int r = already_queued(s, it->occurrence, it->step ? it->step : "", ch->id,
                                       req->recipient, &dup);
                if (r < 0)
                        return r;
                if (!dup)
                        keep[n++] = *it;
        }
        *ret_n = n;
        return 0;
}

/* Stores one message and the reminders it carries (outbox_items); adds to *queued when the
 * message is new. */
static int store_message(Store *s, const ComposedMessage *m, int64_t now, size_t *queued) {
        bool inserted = false;
        int r = insert_row(s, m->id, m->channel, m->recipient, m->kind, m->occurrence, m->content,
                           m->prebuilt, now, m->give_up, &inserted);
        if (r < 0)
                return r;
        if (inserted)
                (*queued)++;
        for (size_t i = 0; i < m->n_items; i++) {
                const MessageItem *it = &m->items[i];
                r = run(s,
                        "INSERT OR IGNORE INTO outbox_items (occurrence, step, channel, recipient,"
                        " delivery_id) VALUES (?,?,?,?,?)",
                        "ttttt", it->occurrence, it->step ? it->step : "", m->channel, m->recipient,
                        m->id);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Queues one request inside the caller's transaction: the reminders not queued yet, composed
 * (compose.h) and stored. Adds to *queued. */
static int queue_one(Store *s, const Config *cfg, const OutboxRequest *req, int64_t now,
                     size_t *queued) {
        if (req->channel >= cfg->n_channels || !req->recipient)
                return -EINVAL;
        if (req->n_items == 0)
                return 0;
        _cleanup_free_ MessageItem *keep = calloc(req->n_items, sizeof(MessageItem));
        if (!keep)
                return -ENOMEM;
        OutboxRequest fresh = *req;
        int r = not_queued(s, &cfg->channels[req->channel], req, keep, &fresh.n_items);
        if (r < 0 || fresh.n_items == 0)
                return r;
        fresh.items = keep;
        ComposedMessage *m = NULL;
        size_t n = 0;
        r = compose_messages(cfg, &fresh, now, &m, &n);
        for (size_t i = 0; r == 0 && i < n; i++)
                r = store_message(s, &m[i], now, queued);
        compose_messages_free(m, n);
        return r;
}

int outbox_queue_many(Store *s, const Config *cfg, const OutboxRequest *reqs, size_t n, int64_t now,
                      size_t *ret_queued) {
        size_t queued = 0;
        for (size_t i = 0; i < n; i++)
                if (reqs[i].channel >= cfg->n_channels || !reqs[i].recipient)
                        return -EINVAL;
        int r = store_begin(s);
        if (r < 0)
                return r;
        for (size_t i = 0; r == 0 && i < n; i++)
                r = queue_one(s, cfg, &reqs[i], now, &queued);
        if (r == 0)
                r = store_commit(s);
        if (r < 0) {
                store_rollback(s);
                return r;
        }
        if (ret_queued)
                *ret_queued = queued;
        return 0;
}

int outbox_queue(Store *s, const Config *cfg, const OutboxRequest *req, int64_t now,
                 size_t *ret_queued) {
        if (req->channel >= cfg->n_channels || !req->recipient)
                return -EINVAL;
        if (req->n_items == 0) {
                if (ret_queued)
                        *ret_queued = 0;
                return 0;
        }
        return outbox_queue_many(s, cfg, req, 1, now, ret_queued);
}

/* ---- state changes ----------------------------------------------------------------------- */

int outbox_recover(Store *s, int64_t now) {
        /* In flight when the process died: sent again at once with the same id, unless it was
         * in flight at several deaths already (a message that brings the sender down, a receiver
         * that takes it and never answers): from the third attempt on it backs off like any
         * retry (30 s * 2^(attempts-1), at most an hour; no jitter) instead of going out again at
         * every restart. */
        return run(s,
                   "UPDATE outbox SET state='queued', next_attempt=? + CASE WHEN attempts >= "
                   "3 THEN min(3600, 30 << min(attempts - 1, 8)) ELSE 0 END WHERE state='sending'",
                   "i", now);
}

static int expect_one(int r) {
        return r < 0 ? r : r == 1 ? 0 : -ESTALE;
}

int outbox_claim(Store *s, const char *id, int64_t now) {
        (void)now;
        return expect_one(run(s,
                              "UPDATE outbox SET state='sending', attempts=attempts+1 "
                              "WHERE id=? AND state='queued'",
                              "t", id));
}

int outbox_mark_sent(Store *s, const char *id, int64_t now) {
        return expect_one(run(s,
                              "UPDATE outbox SET state='sent', sent=?, last_error=NULL "
                              "WHERE id=? AND state='sending'",
                              "it", now, id));
}

/* By rowid, the table's own key: no search of the id's index. The id is compared as well: a
 * VACUUM may have renumbered the rows since they were read (then the id finds it). */
int outbox_mark_sent_row(Store *s, const OutboxRow *row, int64_t now) {
        int r = run(s,
                    "UPDATE outbox SET state='sent', sent=?, last_error=NULL "
                    "WHERE rowid=? AND id=? AND state='sending'",
                    "iit", now, row->rowid, row->id);
        return r == 0 ? outbox_mark_sent(s, row->id, now) : expect_one(r);
}

int outbox_mark_failed(Store *s, const char *id, int64_t now, const char *error) {
        (void)now;
        return expect_one(run(s,
                              "UPDATE outbox SET state='failed', last_error=? "
                              "WHERE id=? AND state IN ('queued','sending')",
                              "tt", error ? error : "", id));
}

int outbox_release(Store *s, const char *id, int64_t now) {
        return expect_one(run(s,
                              "UPDATE outbox SET state='queued', next_attempt=?, "
                              "attempts=MAX(attempts-1,0) WHERE id=? AND state='sending'",
                              "it", now, id));
}

int outbox_mark_retry(Store *s, const char *id, int64_t now, DeliveryResult result,
                      const char *error, bool *ret_failed) {
        OutboxRow row;
        int r = outbox_get(s, id, &row);
        if (r < 0)
                return r;
        bool failed = false;
        int64_t next;
        _cleanup_free_ char *msg = NULL;
        if (result == DELIVERY_RESIGN) {
                if (row.resigns >= 1) {
                        failed = true;
                        msg = strfmt(_("still refused after signing again: %s"),
                                     error ? error : "");
                }
                next = now;
        } else
                next = now +
                       outbox_backoff(row.attempts, (double)random() / ((double)RAND_MAX + 1.0));
        if (!failed && next > row.give_up) {
                failed = true;
                msg = strfmt(_("past the time to give up; the last error: %s"), error ? error : "");
        }
        outbox_row_done(&row);
        if (failed) {
                r = outbox_mark_failed(s, id, now, msg ? msg : error);
        } else
                r = expect_one(run(s,
                                   "UPDATE outbox SET state='queued', next_attempt=?, last_error=?,"
                                   " resigns=resigns+? WHERE id=? AND state='sending'",
                                   "itit", next, error ? error : "",
                                   (int64_t)(result == DELIVERY_RESIGN), id));
        if (r >= 0 && ret_failed)
                *ret_failed = failed;
        return r;
}

/* ---- queries ----------------------------------------------------------------------------- */

#define ROW_COLUMNS                                                                                \
        "id, channel, recipient, kind, occurrence, content, last_error, state, attempts, resigns," \
        " created, next_attempt, give_up, sent, prebuilt, rowid"

static int row_read(sqlite3_stmt *st, OutboxRow *r) {
        *r = (OutboxRow){0};
        const unsigned char *id = sqlite3_column_text(st, 0);
        snprintf(r->id, sizeof r->id, "%s", id ? (const char *)id : "");
        r->channel = store_column_strdup(st, 1);
        r->recipient = store_column_strdup(st, 2);
        r->kind = store_column_strdup(st, 3);
        r->occurrence = store_column_strdup(st, 4);
        r->content = store_column_strdup(st, 5);
        r->last_error = store_column_strdup(st, 6);
        r->state = state_from_string((const char *)sqlite3_column_text(st, 7));
        r->attempts = sqlite3_column_int(st, 8);
        r->resigns = sqlite3_column_int(st, 9);
        r->created = sqlite3_column_int64(st, 10);
        r->next_attempt = sqlite3_column_int64(st, 11);
        r->give_up = sqlite3_column_int64(st, 12);
        r->sent = sqlite3_column_int64(st, 13);
        r->prebuilt = sqlite3_column_int(st, 14) != 0;
        r->rowid = sqlite3_column_int64(st, 15);
        if (!r->channel || !r->recipient || !r->kind || !r->occurrence || !r->content ||
            (sqlite3_column_type(st, 6) != SQLITE_NULL && !r->last_error)) {
                outbox_row_done(r);
                return -ENOMEM;
        }
        return 0;
}

void outbox_row_done(OutboxRow *r) {
        if (!r)
                return;
        free(r->channel);
        free(r->recipient);
        free(r->kind);
        free(r->occurrence);
        free(r->content);
        free(r->last_error);
        *r = (OutboxRow){0};
}

void outbox_rows_free(OutboxRow *rows, size_t n) {
        for (size_t i = 0; rows && i < n; i++)
                outbox_row_done(&rows[i]);
        free(rows);
}

static int read_rows(Store *s, sqlite3_stmt *st, OutboxRow **ret, size_t *ret_n) {
        OutboxRow *rows = NULL;
        size_t n = 0, cap = 0;
        int r = 0, step = SQLITE_DONE;
        while (r == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
                if ((r = ARRAY_GROW(rows, cap, n + 1)) == 0 && (r = row_read(st, &rows[n])) == 0)
                        n++;
        store_stmt_done(s, st);
        if (r == 0 && step != SQLITE_DONE)
                r = -EIO;
        if (r < 0 || n == 0) {
                outbox_rows_free(rows, n);
                rows = NULL;
        }
        if (r < 0)
                return r;
        *ret = rows;
        *ret_n = n;
        return 0;
}

/* The due rows of a channel, oldest first (outbox_queued's order; see create_tables()). */
#define DUE_ROWS                                                             \
        "FROM outbox WHERE state='queued' AND channel=? AND next_attempt<=?" \
        " ORDER BY next_attempt, created, rowid LIMIT ?"

/* Runs `sql` (a literal) with (channel, now, limit) bound and reads the rows it yields. */
static int read_due(Store *s, const char *sql, const char *channel, int64_t now, size_t limit,
                    OutboxRow **ret, size_t *ret_n) {
        sqlite3_stmt *st;
        if (prep(s, sql, &st) < 0)
                return -EIO;
        sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, now);
        sqlite3_bind_int64(st, 3, (int64_t)limit);
        return read_rows(s, st, ret, ret_n);
}

int outbox_due(Store *s, const char *channel, int64_t now, size_t limit, OutboxRow **ret,
               size_t *ret_n) {
        return read_due(s, "SELECT " ROW_COLUMNS " " DUE_ROWS, channel, now, limit, ret, ret_n);
}

int outbox_claim_due(Store *s, const char *channel, int64_t now, size_t limit, OutboxRow **ret,
                     size_t *ret_n) {
        /* Read in the index's order, then claimed one by one (a cached statement a row). One
         * UPDATE … WHERE rowid IN (SELECT …) RETURNING … builds two ephemeral b-trees a claim
         * (the IN list, the rows returned), each with a page cache of its own, whose malloc and
         * free made glibc hand the top of the heap back to the kernel and take it again. By rowid:
         * the rows were read in this transaction, no search of the id index. */
        OutboxRow *rows = NULL;
        size_t n = 0;
        int r = outbox_due(s, channel, now, limit, &rows, &n);
        for (size_t i = 0; r >= 0 && i < n; i++)
                if ((r = expect_one(run(s,
                                        "UPDATE outbox SET state='sending', attempts=attempts+1 "
                                        "WHERE rowid=? AND state='queued'",
                                        "i", rows[i].rowid))) >= 0) {
                        rows[i].state = OUTBOX_SENDING;
                        rows[i].attempts++;
                }
        if (r < 0) {
                outbox_rows_free(rows, n);
                return r;
        }
        *ret = rows;
        *ret_n = n;
        return 0;
}

int outbox_list(Store *s, bool failed_only, OutboxRow **ret, size_t *ret_n) {
        sqlite3_stmt *st;
        if (prep(s,
                 failed_only ? "SELECT " ROW_COLUMNS " FROM outbox WHERE state='failed' "
                               "ORDER BY created DESC, id"
                             : "SELECT " ROW_COLUMNS " FROM outbox ORDER BY created DESC, id",
                 &st) < 0)
                return -EIO;
        return read_rows(s, st, ret, ret_n);
}

int outbox_get(Store *s, const char *id, OutboxRow *ret) {
        sqlite3_stmt *st;
        if (prep(s, "SELECT " ROW_COLUMNS " FROM outbox WHERE id=?", &st) < 0)
                return -EIO;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW)
                r = row_read(st, ret);
        else
                r = r == SQLITE_DONE ? -ENOENT : -EIO;
        store_stmt_done(s, st);
        return r;
}

static void strv_free(char **v, size_t n) {
        for (size_t i = 0; v && i < n; i++)
                free(v[i]);
        free(v);
}

int outbox_due_channels(Store *s, int64_t now, char ***ret, size_t *ret_n) {
        sqlite3_stmt *st;
        char **v = NULL;
        size_t n = 0, cap = 0;
        if (prep(s, "SELECT DISTINCT channel FROM outbox WHERE state='queued' AND next_attempt<=?",
                 &st) < 0)
                return -EIO;
        sqlite3_bind_int64(st, 1, now);
        int r = 0, step = SQLITE_DONE;
        while (r == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
                r = ARRAY_GROW(v, cap, n + 1);
                if (r == 0 && !(v[n++] = store_column_strdup(st, 0)))
                        r = -ENOMEM;
        }
        store_stmt_done(s, st);
        if (r == 0 && step != SQLITE_DONE)
                r = -EIO;
        if (r < 0) {
                strv_free(v, n);
                return r;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

int outbox_next_due(Store *s, const char *channel, int64_t after, int64_t *ret) {
        sqlite3_stmt *st;
        if (prep(s,
                 "SELECT MIN(next_attempt) FROM outbox WHERE state='queued' AND channel=? AND "
                 "next_attempt>?",
                 &st) < 0)
                return -EIO;
        sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, after);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
                *ret = sqlite3_column_int64(st, 0);
                r = 0;
        } else
                r = r == SQLITE_ROW ? -ENOENT : -EIO;
        store_stmt_done(s, st);
        return r;
}

int outbox_pending_count(Store *s, const char *id, size_t *ret) {
        sqlite3_stmt *st;
        if (prep(s,
                 id ? "SELECT COUNT(*) FROM outbox WHERE state IN ('queued','sending') AND id=?"
                    : "SELECT (SELECT COUNT(*) FROM outbox WHERE state='queued') +"
                      " (SELECT COUNT(*) FROM outbox WHERE state='sending')",
                 &st) < 0)
                return -EIO;
        if (id)
                sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
                *ret = (size_t)sqlite3_column_int64(st, 0);
                r = 0;
        } else
                r = -EIO;
        store_stmt_done(s, st);
        return r;
}

int outbox_failed_count(Store *s, size_t *ret) {
        sqlite3_stmt *st;
        if (prep(s, "SELECT COUNT(*) FROM outbox WHERE state='failed'", &st) < 0)
                return -EIO;
        int r = sqlite3_step(st) == SQLITE_ROW ? 0 : -EIO;
        if (r == 0)
                *ret = (size_t)sqlite3_column_int64(st, 0);
        store_stmt_done(s, st);
        return r;
}

int outbox_channel_due(Store *s, const char *channel, int64_t now, bool *ret) {
        sqlite3_stmt *st;
        if (prep(s,
                 "SELECT 1 FROM outbox WHERE state='queued' AND channel=? AND next_attempt<=? "
                 "LIMIT 1",
                 &st) < 0)
                return -EIO;
        sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, now);
        int r = sqlite3_step(st);
        store_stmt_done(s, st);
        if (r != SQLITE_ROW && r != SQLITE_DONE)
                return -EIO;
        *ret = r == SQLITE_ROW;
        return 0;
}

int outbox_any_pending(Store *s, const char *id, bool *ret) {
        sqlite3_stmt *st;
        if (prep(s,
                 id ? "SELECT 1 FROM outbox WHERE id=? AND state IN ('queued','sending')"
                    : "SELECT 1 FROM outbox WHERE state='queued' UNION ALL "
                      "SELECT 1 FROM outbox WHERE state='sending' LIMIT 1",
                 &st) < 0)
                return -EIO;
        if (id)
                sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        int r = sqlite3_step(st);
        store_stmt_done(s, st);
        if (r != SQLITE_ROW && r != SQLITE_DONE)
                return -EIO;
        *ret = r == SQLITE_ROW;
        return 0;
}
