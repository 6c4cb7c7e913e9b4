/* The running service's shared state: the current snapshot and request accessors. */
#include "app.h"
#include "cache.h"
#include "warm.h"
#include "log.h"
#include "publish.h"
#include "sync.h"
#include "watcher.h"

#include <string.h>
#include <strings.h>

stats_snapshot *app_snapshot(app *a)
{
    pthread_mutex_lock(&a->snap_lock);
    stats_snapshot *s = stats_snapshot_ref(a->snap);
    pthread_mutex_unlock(&a->snap_lock);
    return s;
}

void app_snapshot_install(app *a, stats_snapshot *fresh)
{
    warm_snapshot(a, fresh); /* the first requests after the swap are cache hits (warm.h) */
    pthread_mutex_lock(&a->snap_lock);
    stats_snapshot *old = a->snap;
    a->snap = fresh;
    pthread_mutex_unlock(&a->snap_lock);
    publish_notify_installed(a, old, fresh); /* /v1/events, webhooks (publish.h) */
    stats_snapshot_unref(old);
}

int app_snapshot_reload(app *a)
{
    stats_snapshot *fresh = NULL;
    int rc = store_snapshot_load(a->st, &fresh);
    if (rc != STORE_OK)
        return rc;
    app_snapshot_install(a, fresh);
    app_sync_summary_reload(a);
    return STORE_OK;
}

void app_sync_summary_set(app *a, const sync_state_summary *sum)
{
    pthread_mutex_lock(&a->snap_lock);
    a->sync_summary = *sum;
    pthread_mutex_unlock(&a->snap_lock);
}

void app_sync_summary(app *a, sync_state_summary *out)
{
    pthread_mutex_lock(&a->snap_lock);
    *out = a->sync_summary;
    pthread_mutex_unlock(&a->snap_lock);
}

void app_sync_summary_reload(app *a)
{
    sync_state_summary sum;
    if (sync_state_summary_get(a->st, &sum) == STORE_OK)
        app_sync_summary_set(a, &sum);
}

/* sync_after_commit of serve's sync thread: installs the round's snapshot at once, or
 * (nothing changed) the round's outcome, so /readyz never waits for the watcher. */
static void after_sync(void *ud, int changed)
{
    if (changed)
        app_snapshot_reload(ud);
    else
        app_sync_summary_reload(ud);
}

void app_live_start(app *a)
{
    watcher_start(a);
    if (a->cfg->sync_every > 0) {
        a->syncer = sync_runner_start(a->st, a->cfg, after_sync, a);
        log_event_new(a->syncer ? "sync_started" : "warning", json_pack("{s:s, s:i}",
                      a->syncer ? "sources" : "detail", a->syncer ? a->cfg->sync_sources
                      : "cannot start the sync thread", "every_seconds", a->cfg->sync_every));
    }
}

void app_live_stop(app *a)
{
    sync_runner_stop(a->syncer);
    a->syncer = NULL;
    watcher_stop(a);
}

stats_snapshot *req_snapshot(request *req)
{
    stats_snapshot *s = req->snap ? stats_snapshot_ref(req->snap) : app_snapshot(req->app);
    req->cache_version = s->version;
    req->last_modified = s->modified;
    return s;
}

const char *req_query(request *req, const char *name)
{
    if (req->conn == NULL) {
        for (const char *const *q = req->synth_query; q && q[0] && q[1]; q += 2)
            if (strcmp(q[0], name) == 0)
                return q[1];
        return NULL;
    }
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_header(request *req, const char *name)
{
    if (req->conn == NULL)
        return strcasecmp(name, MHD_HTTP_HEADER_ACCEPT_ENCODING) == 0 ? "gzip" : NULL;
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}
