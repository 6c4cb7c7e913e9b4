/* The store seen from the server when several processes share it (PostgreSQL): which
 * backend, its health, the target without its password, the cluster-wide sync lock. See
 * include/attrition/store.h and include/attrition/sync_apply.h. */
#include "attrition/store.h"
#include "attrition/sync_apply.h"
#include "db.h"
#include "store_internal.h"

/* The key of the advisory lock a sync round holds ("attrsync" in ASCII). */
#define SYNC_ROUND_LOCK_KEY INT64_C(0x6174747273796e63)

const char *store_backend_name(const char *target)
{
    return db_kind_of(target) == DB_POSTGRES ? "postgresql" : "sqlite";
}

void store_target_redacted(const char *target, char *buf, size_t len)
{
    db_target_redacted(target, buf, len);
}

int64_t store_down_since(store *st)
{
    return db_down_since(store_db(st));
}

int store_reconnect(store *st)
{
    db *d = store_db(st);
    /* A connection whose server restarted while it was idle looks fine until it is used: a
     * trivial query finds out (and marks it down), then the reconnect happens at once. */
    if (db_exec(d, "SELECT 1") == STORE_OK)
        return STORE_OK;
    return db_reconnect(d);
}

int sync_round_try_begin(store *st, int *got)
{
    *got = 0;
    return db_try_lock(store_db(st), SYNC_ROUND_LOCK_KEY, got);
}

void sync_round_end(store *st)
{
    db_unlock(store_db(st), SYNC_ROUND_LOCK_KEY);
}
