/* The running service's shared state: the current snapshot and request accessors. */
#include "app.h"
#include "cache.h"

stats_snapshot *app_snapshot(app *a)
{
    pthread_mutex_lock(&a->snap_lock);
    stats_snapshot *s = stats_snapshot_ref(a->snap);
    pthread_mutex_unlock(&a->snap_lock);
    return s;
}

int app_snapshot_reload(app *a)
{
    stats_snapshot *fresh = NULL;
    int rc = store_snapshot_load(a->st, &fresh);
    if (rc != STORE_OK)
        return rc;
    pthread_mutex_lock(&a->snap_lock);
    stats_snapshot *old = a->snap;
    a->snap = fresh;
    pthread_mutex_unlock(&a->snap_lock);
    stats_snapshot_unref(old);
    return STORE_OK;
}

stats_snapshot *req_snapshot(request *req)
{
    stats_snapshot *s = app_snapshot(req->app);
    req->cache_version = s->version;
    req->last_modified = s->modified;
    return s;
}

const char *req_query(request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_header(request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}
