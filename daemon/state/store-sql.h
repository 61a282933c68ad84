/* store-sql.h — the state layer's own side of the store: the SQLite connection, statements and
 * the few helpers every module in daemon/state/ uses on them.
 * Contract: included by the sources in daemon/state/ only (and by unit tests that look inside the
 * database); no other layer sees SQLite, a statement or SQL text (tests/test-style.sh checks
 * that no `sqlite3_`, store_db() or store_exec() appears outside daemon/state/). Every
 * function returns 0 or a negative errno (-EIO for an SQLite error; store_errmsg() then tells
 * the file, SQLite's reason and what to do); logs nothing. */
#pragma once
#include <sqlite3.h>

#include "store.h"
#include "util.h"

sqlite3 *store_db(Store *s);
/* Runs `sql` (no results): DDL and simple statements, several separated by ';'. */
int store_exec(Store *s, const char *sql);
/* Prepares `sql` for one use (finalize it, e.g. with _cleanup_finalize_). */
int store_prepare(Store *s, const char *sql, sqlite3_stmt **ret);
/* A prepared statement kept for the store's life, for statements run once per message. `sql`
 * must be a string literal: its address is the key. Give it back with store_stmt_done() (reset,
 * bindings cleared: an unfinished SELECT would otherwise hold its read snapshot). NULL on error. */
sqlite3_stmt *store_stmt(Store *s, const char *sql);
void store_stmt_done(Store *s, sqlite3_stmt *st);
/* BEGIN (deferred): a read transaction, so that several statements see one state. End it with
 * store_commit(). */
int store_begin_read(Store *s);

/* Binds `v`, or NULL when v is NULL; the text is copied (SQLITE_TRANSIENT). */
int store_bind_text_or_null(sqlite3_stmt *st, int i, const char *v);
/* The text of column i, malloc'd; NULL when the column is NULL or memory ran out (tell them
 * apart with sqlite3_column_type()). */
char *store_column_strdup(sqlite3_stmt *st, int i);

static inline void store_finalizep(sqlite3_stmt **st) {
        sqlite3_finalize(*st); /* a no-op on NULL */
}
#define _cleanup_finalize_ _cleanup_(store_finalizep)
