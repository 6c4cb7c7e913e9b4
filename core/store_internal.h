#ifndef ATTRITION_STORE_INTERNAL_H
#define ATTRITION_STORE_INTERNAL_H

/* The store's database side, for core/ only: the connection and the statement helpers.
 * Backend-neutral: core modules that run SQL include this header and use core/db.h; the
 * server never sees a database type (include/attrition/store.h has none). */

#include "attrition/store.h"
#include "db.h"

/* The store's connection (borrowed; lives until store_close). */
db *store_db(store *st);

/* db_prepare on the store's connection. NULL on failure (db_status(store_db(st)) says why). */
db_stmt *store_prepare(store *st, const char *sql, const char *fmt, ...);

/* db_run without the count: steps a statement that returns no rows, then finalizes it
 * (stmt may be NULL: a failed prepare). Returns STORE_OK only when it ran to DB_DONE. */
int store_run(db_stmt *stmt);

/* Transactions (db_begin etc. on the store's connection). begin excludes other writers. commit bumps nothing by itself. Only core opens
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
