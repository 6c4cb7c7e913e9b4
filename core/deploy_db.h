#ifndef ATTRITION_DEPLOY_DB_H
#define ATTRITION_DEPLOY_DB_H

/* Deployment estimates on one database connection (core only; tests/test_deploy.c drives them
 * on a bare schema). They neither begin nor commit transactions (deploy_db_import_json uses
 * a SAVEPOINT inside the caller's transaction or, alone, a write transaction of its own):
 * the store-level functions of include/attrition/deploy.h wrap each write in its own
 * transaction. After DEPLOY_EDB, db_status(d) and db_errmsg(d) say why. */

#include "db.h"

#include "attrition/deploy.h"

/* The estimates matching f (NULL: all), ordered by as_of, then id. Returns DEPLOY_OK with a
 * new array in *out (caller owns: deploy_list_free(*out, *n); NULL when *n is 0),
 * DEPLOY_EINVAL (a date of f out of range), DEPLOY_ENOMEM or DEPLOY_EDB with *out NULL and
 * *n 0. */
int deploy_db_list(db *d, const deploy_filter *f, deploy_estimate **out, size_t *n);

/* The estimate with that id into *out (caller owns: clear it). Returns DEPLOY_OK,
 * DEPLOY_ENOTFOUND, DEPLOY_ENOMEM, DEPLOY_EDB; on failure *out is DEPLOY_ESTIMATE_INIT. */
int deploy_db_get(db *d, int64_t id, deploy_estimate *out);

/* Inserts *e as a new estimate (e->id is ignored) and sets e->id: meta 'deployment_next_id'
 * (else one above every id stored or tombstoned), which it then moves past the id, so that
 * an id is never given twice. e is checked with
 * deploy_validate(e, INT_MAX, ...) first: DEPLOY_EINVAL stores nothing. Returns DEPLOY_OK,
 * DEPLOY_EINVAL, DEPLOY_ENOMEM, DEPLOY_EDB. e stays owned by the caller. */
int deploy_db_create(db *d, deploy_estimate *e);

/* Replaces every field of the estimate e->id with those of e. Same checks as
 * deploy_db_create. Returns DEPLOY_OK, DEPLOY_ENOTFOUND, DEPLOY_EINVAL, DEPLOY_ENOMEM,
 * DEPLOY_EDB. */
int deploy_db_replace(db *d, const deploy_estimate *e);

/* Deletes the estimate id. Returns DEPLOY_OK, DEPLOY_ENOTFOUND, DEPLOY_EDB. */
int deploy_db_delete(db *d, int64_t id);

/* Deletes the estimate id if stored and keeps a tombstone for it (deleted_at, ISO 8601; NULL:
 * now) so that an export carries the deletion and the id is never given again. Returns
 * DEPLOY_OK or DEPLOY_EDB. */
int deploy_db_tombstone(db *d, int64_t id, const char *deleted_at);

/* Stores *e under its own id (e->id > 0; an import of an export): inserted, or replacing
 * the estimate with that id; a tombstone of that id goes. Same checks and returns as
 * deploy_db_create. */
int deploy_db_put(db *d, const deploy_estimate *e);

/* deploy_summary_compute on a connection (see include/attrition/deploy.h). */
int deploy_db_summary_compute(db *d, const char *country, const char *deployed_to,
                              deploy_summary *out);

/* deploy_import_json on a connection (see include/attrition/deploy.h). */
int deploy_db_import_json(db *d, const char *json_text, size_t len, int today,
                          size_t *added, char *err, size_t errlen);

#endif
