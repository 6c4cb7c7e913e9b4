/* Deployment estimates in the store: reads, and the writes, each one transaction (begin,
 * apply, read back, touch, commit). See include/attrition/deploy.h; the SQL is deploy_db.c. */
#include "attrition/deploy.h"
#include "deploy_db.h"
#include "store_internal.h"

#include <stdio.h>
#include <string.h>

/* Fills *f (may be NULL) for a failure of status while doing (static string): the store
 * status and message of the connection's last error, or sst when a store function failed
 * (sst != STORE_OK). Returns status. */
static int failed(store *st, deploy_failure *f, int status, int sst, const char *doing)
{
    if (f == NULL)
        return status;
    f->status = status;
    f->doing = doing;
    f->why[0] = '\0';
    if (status == DEPLOY_ENOTFOUND || status == DEPLOY_EINVAL) {
        f->store_status = STORE_OK;
        return status;
    }
    f->store_status = sst != STORE_OK ? sst : store_last_status(st);
    if (status == DEPLOY_ENOMEM || f->store_status == STORE_OK)
        f->store_status = status == DEPLOY_ENOMEM ? STORE_ENOMEM : STORE_EDB;
    snprintf(f->why, sizeof f->why, "%s", store_errmsg(st));
    return status;
}

/* The deploy status of a failed store call. */
static int from_store(int sst)
{
    return sst == STORE_ENOMEM ? DEPLOY_ENOMEM : DEPLOY_EDB;
}

int deploy_list(store *st, const deploy_filter *f, deploy_estimate **out, size_t *n,
                deploy_failure *fail)
{
    int rc = deploy_db_list(store_db(st), f, out, n);
    return rc == DEPLOY_OK ? rc : failed(st, fail, rc, STORE_OK, "reading the estimates");
}

int deploy_get(store *st, int64_t id, deploy_estimate *out, deploy_failure *fail)
{
    int rc = deploy_db_get(store_db(st), id, out);
    return rc == DEPLOY_OK ? rc : failed(st, fail, rc, STORE_OK, "reading the estimate");
}

int deploy_summary_compute(store *st, const char *country, const char *deployed_to,
                           deploy_summary *out, deploy_failure *fail)
{
    int rc = deploy_db_summary_compute(store_db(st), country, deployed_to, out);
    return rc == DEPLOY_OK ? rc : failed(st, fail, rc, STORE_OK, "reading the estimates");
}

int deploy_import_json(store *st, const char *json_text, size_t len, int today,
                       size_t *added, char *err, size_t errlen)
{
    int rc = deploy_db_import_json(store_db(st), json_text, len, today, added, err, errlen);
    /* the caller's transaction: a change seen by /v1/events (stats_snapshot.deploy_version) */
    if (rc == DEPLOY_OK && *added > 0 && store_meta_bump(st, "deployments_version") != STORE_OK) {
        snprintf(err, errlen, "counting the change: %s", store_errmsg(st));
        rc = DEPLOY_EDB;
    }
    return rc;
}

enum write_op { WRITE_CREATE, WRITE_REPLACE, WRITE_DELETE };

/* The one write behind deploy_create/replace/delete: begin, the op (create sets e->id), the
 * stored estimate read back into *stored (not for delete), touch, commit; a rollback of
 * whatever failed. Returns a deploy status, *fail filled on failure. */
static int write_txn(store *st, enum write_op op, deploy_estimate *e, int64_t id,
                     deploy_estimate *stored, deploy_failure *fail)
{
    db *d = store_db(st);
    int rc, sst, status;
    if ((sst = store_begin(st)) != STORE_OK)
        return failed(st, fail, from_store(sst), sst, "starting the write");
    status = op == WRITE_CREATE ? deploy_db_create(d, e)
           : op == WRITE_REPLACE ? deploy_db_replace(d, e) : deploy_db_delete(d, id);
    if (status == DEPLOY_OK && op != WRITE_DELETE)
        status = deploy_db_get(d, e->id, stored);
    if (status != DEPLOY_OK) {
        rc = failed(st, fail, status, STORE_OK, "storing the estimate");
        goto cleanup;
    }
    if ((sst = store_meta_bump(st, "deployments_version")) != STORE_OK ||
        (sst = store_touch(st)) != STORE_OK || (sst = store_commit(st)) != STORE_OK) {
        rc = failed(st, fail, from_store(sst), sst, "committing the estimate");
        goto cleanup;
    }
    return DEPLOY_OK;
cleanup:
    store_rollback(st); /* a no-op when no transaction is open */
    if (stored != NULL)
        deploy_estimate_clear(stored);
    return rc;
}

int deploy_create(store *st, deploy_estimate *e, deploy_estimate *stored, deploy_failure *fail)
{
    return write_txn(st, WRITE_CREATE, e, 0, stored, fail);
}

int deploy_replace(store *st, const deploy_estimate *e, deploy_estimate *stored,
                   deploy_failure *fail)
{
    /* deploy_db_replace does not change *e; the cast serves the shared signature */
    return write_txn(st, WRITE_REPLACE, (deploy_estimate *)e, e->id, stored, fail);
}

int deploy_delete(store *st, int64_t id, deploy_failure *fail)
{
    return write_txn(st, WRITE_DELETE, NULL, id, NULL, fail);
}
