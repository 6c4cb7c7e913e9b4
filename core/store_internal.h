#ifndef ATTRITION_STORE_INTERNAL_H
#define ATTRITION_STORE_INTERNAL_H

/* The store's SQLite side, for core/ only: the connection and the statement helpers. The
 * server never sees a sqlite3 type (include/attrition/store.h has none); core modules that
 * run SQL include this header. */

#include <sqlite3.h>

#include "attrition/store.h"

/* The store's connection (borrowed; lives until store_close). */
sqlite3 *store_db(store *st);

/* Prepares sql and binds the arguments described by fmt: 't' text (const char *; NULL
 * binds NULL), 'i' int64_t, 'n' int64_t bound as NULL when it equals STATS_NONE.
 * Returns the statement (the caller finalizes it) or NULL on failure. */
sqlite3_stmt *store_prepare(store *st, const char *sql, const char *fmt, ...);

/* Steps a statement that returns no rows, then finalizes it (stmt may be NULL: a failed
 * prepare). Returns STORE_OK only when the step gave SQLITE_DONE, else a store status. */
int store_run(sqlite3_stmt *stmt);

/* Maps an SQLite result code to a store status (SQLITE_READONLY, SQLITE_FULL, ... to
 * STORE_EREADONLY; SQLITE_CORRUPT/NOTADB to STORE_ECORRUPT; SQLITE_NOMEM to STORE_ENOMEM;
 * others STORE_EDB). THE mapping: other core modules map from the store status. */
int store_status_from_sqlite(int rc);

/* Adds 1 to the integer meta value key (created as 1), inside the caller's transaction
 * ("deployments_version": every deployment write). Returns a store status. */
int store_meta_bump(store *st, const char *key);

#endif
