#ifndef ATTRITION_STORE_H
#define ATTRITION_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "attrition/stats.h"
#include "attrition/store_codes.h"

/* The SQLite store: schema (config/schema.sql, embedded), seed categories
 * (config/categories.json, embedded), reports, revisions, data version.
 * One store wraps one connection; the functions are not thread-safe by themselves
 * (the server serialises access with store_lock/store_unlock). No SQLite type appears
 * here: core modules that run SQL include core/store_internal.h. */

typedef struct store store;

#define STORE_SCHEMA_VERSION 4

/* Opens (and with STORE_OPEN_CREATE creates) the database at path (":memory:" works),
 * sets WAL and synchronous=FULL, applies the schema and seeds categories and, on a new
 * database, the seed deployments. Returns STORE_OK with a new store in *out (caller owns:
 * store_close), or an error with a message in err (errlen bytes) and *out untouched.
 * A file that is not SQLite, fails integrity checks or has a newer schema is STORE_ECORRUPT. */
int store_open(const char *path, int flags, store **out, char *err, size_t errlen);
void store_close(store *st);

/* SQLite's message for the connection's last error (borrowed; valid until the next call). */
const char *store_errmsg(store *st);
/* The store status of the connection's last error (STORE_EREADONLY for a read-only or full
 * database, STORE_ENOMEM, STORE_ECORRUPT, STORE_EDB; STORE_OK when the last call worked). */
int store_last_status(store *st);
void store_lock(store *st);
void store_unlock(store *st);

/* Transactions (store_begin, store_commit, store_rollback, store_touch) belong to core:
 * core/store_internal.h. */

uint64_t store_data_version(store *st);

/* Finds the category named by key (an id, dataset key or post label, any case); with
 * create != 0 an unknown key becomes a new category (id: key lower-cased, runs of
 * non-alphanumerics as "_") and *created is set to 1. Writes the id into id (idlen bytes).
 * Returns STORE_OK, STORE_ENOTFOUND (create == 0), STORE_EINVAL (key has no alphanumerics
 * or is too long), STORE_EDB. */
int store_category_resolve(store *st, const char *key, int create, char *id, size_t idlen,
                           int *created);

/* Sets one value of a report, creating the report row if needed (stored_at = now; a
 * changed value of an existing report sets its stored_at to now too).
 * *changed is 1 if anything was inserted or updated, else 0. Returns STORE_OK / STORE_EDB. */
int store_value_set(store *st, int date, const char *category, int64_t total,
                    const char *qualifier, int *changed);

/* Records a correction note of the dataset (date, category, signed amount); *changed as
 * above. */
int store_correction_note_set(store *st, int date, const char *category, int64_t amount,
                              int *changed);

/* Loads every category and value into a new snapshot (caller owns one reference).
 * Returns STORE_OK, STORE_ENOMEM, STORE_EDB. */
int store_snapshot_load(store *st, stats_snapshot **out);

/* Number of stored reports, or -1 on error. */
long store_report_count(store *st);

/* Writes a consistent copy of the whole database to path with SQLite's online backup API
 * (safe while other processes read and write it): into "<path>.tmp", then renamed over
 * path. Returns STORE_OK, or a store status with a message in err (path untouched). */
int store_backup(store *st, const char *path, char *err, size_t errlen);

/* Replaces the whole content of the database with the copy at path (an attrition database
 * of this or an older schema, checked first; migrated after) through SQLite's backup API,
 * in the live file, so that every other connection (a running server's watcher) sees the
 * commit; then bumps the data version above both the old and the copy's. Returns STORE_OK,
 * or a status with a message in err (STORE_ECORRUPT: path is not a usable attrition
 * database; the live database is then unchanged). */
int store_restore(store *st, const char *path, char *err, size_t errlen);

/* store_prepare, store_run, store_db, store_status_from_sqlite: core/store_internal.h. */

/* Embedded text of config/ files (generated at build time). */
extern const char store_schema_sql[];
extern const char store_categories_json[];
extern const char store_deployments_json[];

/* A store shared by several processes (PostgreSQL; core/store_cluster.c). The backend a
 * target names: "postgresql" or "sqlite" (static text). */
const char *store_backend_name(const char *target);
/* target with any password replaced by "****", into buf (len bytes): for logs, messages,
 * /readyz. */
void store_target_redacted(const char *target, char *buf, size_t len);
/* Unix seconds since st's database server has been unreachable, or 0 while it answers
 * (always 0 for SQLite). Under the store lock, or on a connection the caller owns. */
int64_t store_down_since(store *st);
/* Checks st's connection (a trivial query) and reconnects it when its server went away
 * (also one that restarted while the connection was idle). STORE_OK, STORE_EUNAVAILABLE. */
int store_reconnect(store *st);

#endif
