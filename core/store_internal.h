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
/* store_prepare on a bare connection (core/deploy_db.c works on one). After NULL,
 * sqlite3_errcode(db) says why. */
sqlite3_stmt *store_prepare_db(sqlite3 *db, const char *sql, const char *fmt, ...);

/* Steps a statement that returns no rows, then finalizes it (stmt may be NULL: a failed
 * prepare). Returns STORE_OK only when the step gave SQLITE_DONE, else a store status. */
int store_run(sqlite3_stmt *stmt);

/* Maps an SQLite result code to a store status (SQLITE_READONLY, SQLITE_FULL, ... to
 * STORE_EREADONLY; SQLITE_CORRUPT/NOTADB to STORE_ECORRUPT; SQLITE_NOMEM to STORE_ENOMEM;
 * others STORE_EDB). THE mapping: other core modules map from the store status. */
int store_status_from_sqlite(int rc);

/* Transactions. begin is BEGIN IMMEDIATE. commit bumps nothing by itself. Only core opens
 * and ends transactions (the server calls core functions that each run one). */
int store_begin(store *st);
int store_commit(store *st);
void store_rollback(store *st);

/* Marks the data as changed inside the current transaction: increments data_version and
 * sets last_modified to now. */
int store_touch(store *st);

/* store_value_set, with by ("import FILE", "sync URL"; may be NULL) as the written_by of a
 * report row it creates. */
int store_value_write(store *st, int date, const char *category, int64_t total,
                      const char *qualifier, const char *by, int *changed);

/* The stored value of (day, category): *total and its qualifier ("" when none) into
 * qualifier (qlen bytes). STORE_OK, STORE_ENOTFOUND, or a database status. */
int store_value_get(store *st, const char *day, const char *category, int64_t *total,
                    char *qualifier, size_t qlen);

/* The report row of day: *revision and *api (1 when its current version was written through
 * the API: POST or PUT). STORE_OK, STORE_ENOTFOUND (*revision 0), or a database status. */
int store_report_head(store *st, const char *day, int *revision, int *api);

/* Keeps the current version of the report of day as a revision (totals, qualifiers,
 * source_url, stored_at, written_by as they are) and makes the report's next revision,
 * written by `by`, stored now; the caller then changes its values. A store status. */
int store_report_revise(store *st, const char *day, const char *by);

/* A database created with STORE_OPEN_NOSEED: is the seeding of deployments still pending
 * (meta 'seed_pending')? 1 or 0. */
int store_seed_pending(store *st);
/* Inside the caller's transaction: seeds the embedded deployments when seed != 0, and
 * clears the pending mark either way. A store status, err set on failure. */
int store_seed_settle(store *st, int seed, char *err, size_t errlen);

/* Adds 1 to the integer meta value key (created as 1), inside the caller's transaction
 * ("deployments_version": every deployment write). Returns a store status. */
int store_meta_bump(store *st, const char *key);

#endif
