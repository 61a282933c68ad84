/* store.h — the SQLite state database (WAL): opened once per process, shared by the modules
 * that keep state (outbox, feed tokens, completions). Opening it brings its schema to the
 * current version (schema.h: made when new, upgraded in one transaction when older; a file of
 * another program or of a newer dutyd is refused and left as it was). Contract: every write is
 * a short transaction; durable when the call returns (synchronous=FULL); never held across an
 * event-loop iteration. Other layers see the store through the state modules' named functions
 * only: the connection, statements and SQL text stay in daemon/state/ (store-sql.h). */
#pragma once
#include <stdint.h>

typedef struct Store Store;

/* One state folder, one daemon: takes DIR/dutyd.lock (flock, held until *ret_fd is closed, i.e.
 * for the process's life) and writes the PID into it. -EBUSY when another process holds it
 * (*ret_holder: its PID, 0 if unknown). dutyctl does not take it. */
int store_lock_daemon(const char *dir, int *ret_fd, long *ret_holder);
/* Opens (creating) DIR/state.db and brings its schema to the current version (schema.h).
 * Returns 0 or a negative errno; logs nothing. Refused, with nothing written: an existing empty
 * file (-ENODATA), a file that is not an SQLite database, is damaged or is another program's
 * (-EBADMSG), one made by a newer dutyd (-EPROTONOSUPPORT). A failed upgrade (-EIO) leaves the
 * file as it was. store_open_error() then says why, with SQLite's own message and what to do. */
int store_open(const char *dir, Store **ret);
/* A second connection to the same state, for another thread. Nothing is created or re-moded:
 * store_open() opens and closes descriptors of the files, and closing any descriptor of a file
 * drops every POSIX lock the process holds on it, those of the connections already open
 * included (SQLite's locks are per process): their readers would then miss the writes of other
 * processes. */
int store_open_another(const Store *s, Store **ret);
Store *store_close(Store *s);
const char *store_open_error(void); /* NULL when there is nothing to add to the errno */
/* PRAGMA quick_check: 0, or -EBADMSG with SQLite's first finding in *ret_problem (malloc'd). */
int store_quick_check(Store *s, char **ret_problem);
const char *store_path(const Store *s);
/* A number that changes whenever another connection (this process's or another's) commits a
 * change to the database (PRAGMA data_version): 0 or -EIO. */
int store_data_version(Store *s, int64_t *ret);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK: several state changes as one transaction. */
int store_begin(Store *s);
int store_commit(Store *s);
void store_rollback(Store *s);
/* The address the running daemon serves ("127.0.0.1:8027"), which it records at start for
 * dutyctl's feed and done-link addresses. */
#define META_SERVED_ADDRESS "served_address"
/* Small named values (the `meta` table): 0, -ENOENT, -ENOMEM or -EIO. *ret is malloc'd. */
int store_meta_get(Store *s, const char *key, char **ret);
int store_meta_set(Store *s, const char *key, const char *value);
/* The last SQLite error for the caller's message: the file, SQLite's own words and what to do
 * ("/var/lib/dutyd/state.db（SQLite：database or disk is full）：磁盘已满：…"). Valid until
 * the next call on this store. */
const char *store_errmsg(Store *s);
/* The text for an error r that a state function returned on s: store_errmsg() for -EIO (an
 * SQLite error), strerror() otherwise. */
const char *store_strerror(Store *s, int r);
