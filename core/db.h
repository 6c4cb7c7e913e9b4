#ifndef ATTRITION_DB_H
#define ATTRITION_DB_H

/* The storage seam: what a database backend does for core/. Two implementations:
 * core/db_sqlite.c (a file, the embedded default) and core/db_pg.c (a PostgreSQL server,
 * selected by a postgresql:// or postgres:// target). Core modules write SQL in the subset
 * both speak (numbered parameters ?1..?N, INSERT ... ON CONFLICT, IS DISTINCT FROM, coalesce;
 * no PRAGMA, no json_* SQL functions, no strftime: times and JSON are made in C) and call only
 * these functions; no backend type appears outside the two implementations. Store statuses
 * (attrition/store.h) are the only error codes. Not thread-safe: one thread uses a db at a
 * time (the store's lock). */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "attrition/store_codes.h"

typedef struct db db;
typedef struct db_stmt db_stmt;

enum db_kind { DB_SQLITE = 1, DB_POSTGRES = 2 };

/* db_step's results besides a (negative) store status. */
#define DB_DONE 0
#define DB_ROW 1

/* Which backend a target names: DB_POSTGRES for "postgresql://" and "postgres://" URIs (and
 * libpq "key=value" strings starting with one of libpq's keywords: "host=", "dbname=",
 * "user = ...", "service=", ...), else DB_SQLITE (a file path or ":memory:"). */
int db_kind_of(const char *target);

/* Opens a connection to target (the backend chosen by db_kind_of) with STORE_OPEN_* flags:
 * for SQLite, CREATE creates a missing file and READONLY opens read-only; PostgreSQL ignores
 * CREATE (the database must exist; the schema is created by store_open) and READONLY sets
 * default_transaction_read_only. Returns STORE_OK with a new db in *out (caller owns:
 * db_close), or a store status (STORE_EUNAVAILABLE: server unreachable) with a message in err
 * that never contains a password; *out untouched. */
int db_open(const char *target, int flags, db **out, char *err, size_t errlen);
void db_close(db *d);   /* NULL is fine; finalizes nothing: statements must be finalized */
int db_kind(const db *d);

/* The target with any password replaced by "****" (for logs, /readyz): into buf. */
void db_target_redacted(const char *target, char *buf, size_t len);

/* The last error: its message (borrowed until the next call; never holds a password) and
 * its store status (STORE_OK when the last call worked). */
const char *db_errmsg(db *d);
int db_status(db *d);

/* Prepares sql and binds the arguments described by fmt: 't' text (const char *; NULL binds
 * NULL), 'i' int64_t, 'n' int64_t bound as NULL when it equals STATS_NONE. Returns the
 * statement (caller finalizes it) or NULL (db_status/db_errmsg say why). */
db_stmt *db_prepare(db *d, const char *sql, const char *fmt, ...);
db_stmt *db_prepare_va(db *d, const char *sql, const char *fmt, va_list ap);

/* Runs the statement (first call) or moves to its next row. Returns DB_ROW, DB_DONE, or a
 * negative store status. */
int db_step(db_stmt *s);
/* Columns of the current row, 0-based. Text is borrowed until the next step/finalize and is
 * NULL for SQL NULL; int64 of NULL is 0; a boolean expression reads as 0 or 1 on both. */
int db_column_count(db_stmt *s);
const char *db_column_name(db_stmt *s, int i);
int db_column_null(db_stmt *s, int i);
int64_t db_column_int64(db_stmt *s, int i);
const char *db_column_text(db_stmt *s, int i);
/* Rows inserted, updated or deleted by the statement once stepped to DB_DONE. */
int64_t db_changes(db_stmt *s);
/* Back to before the first step, keeping the bound arguments. */
void db_reset(db_stmt *s);
/* Resets s and binds new arguments (fmt as in db_prepare, the same parameters) in place of
 * the old: for statements kept prepared across calls. A store status. */
int db_rebind(db_stmt *s, const char *fmt, ...);
int db_rebind_va(db_stmt *s, const char *fmt, va_list ap);
void db_finalize(db_stmt *s);   /* NULL is fine */

/* Steps a statement that returns no rows, then finalizes it (s may be NULL: a failed
 * prepare, whose status is returned). Returns STORE_OK only when it ran to DB_DONE; with
 * changes != NULL, *changes is db_changes. */
int db_run(db_stmt *s, int64_t *changes);

/* Runs sql (one or more statements, no parameters, no rows wanted). A store status. */
int db_exec(db *d, const char *sql);

/* Transactions. db_begin starts a write transaction that excludes every other writer on
 * the same database (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory
 * lock, so all replicas write one at a time as on one file). db_begin_read starts a read
 * transaction that sees one consistent state. Savepoints by name nest inside either.
 * db_rollback is a no-op outside a transaction. */
int db_begin(db *d);
int db_begin_read(db *d);
int db_commit(db *d);
void db_rollback(db *d);
int db_in_transaction(db *d);

/* Change notification. db_notify, inside a write transaction, announces the commit to every
 * db_watching connection (PostgreSQL: NOTIFY, delivered at commit; SQLite: nothing to do,
 * readers poll the file). db_changed sets *changed to 1 when any other connection committed
 * since the previous call (SQLite: PRAGMA data_version; PostgreSQL: a LISTEN on this
 * connection, and after a reconnect always 1, so the caller reloads and misses nothing).
 * Returns STORE_OK or a store status (the caller tries again later). */
int db_notify(db *d, uint64_t version);
int db_changed(db *d, int *changed);

/* A cluster-wide lock named by key, held by this connection until db_unlock (PostgreSQL:
 * pg_try_advisory_lock; SQLite: always granted, its writers already exclude each other).
 * *got is 1 when taken, 0 when another connection holds it. A store status. */
int db_try_lock(db *d, int64_t key, int *got);
void db_unlock(db *d, int64_t key);

/* Reconnects a connection whose server went away (PostgreSQL; SQLite: STORE_OK). Returns
 * STORE_OK or STORE_EUNAVAILABLE. */
int db_reconnect(db *d);
/* Unix seconds since the connection has been unusable (its server unreachable), or 0 while
 * it works (always 0 for SQLite). */
int64_t db_down_since(db *d);

/* The schema, which only the backend knows (see core/db_internal.h for the details).
 * db_schema_begin, outside a transaction: checks the schema version (STORE_ECORRUPT for a
 * newer or foreign database), starts a write transaction, migrates, creates what is missing
 * and records STORE_SCHEMA_VERSION; on STORE_OK the transaction is left open for the caller
 * to seed and commit, *fresh 1 for an empty database. db_schema_check: an integrity check
 * (SQLite: quick_check). db_backup / db_restore: a file copy of the whole database (SQLite;
 * PostgreSQL: STORE_EINVAL, use pg_dump / pg_restore); after db_restore the caller runs
 * db_schema_begin and commits. Each returns a store status with a message in err. */
int db_schema_begin(db *d, int *fresh, char *err, size_t errlen);
int db_schema_check(db *d, const char *target, char *err, size_t errlen);
int db_backup(db *d, const char *path, char *err, size_t errlen);
int db_restore(db *d, const char *path, uint64_t before, char *err, size_t errlen);

#endif
