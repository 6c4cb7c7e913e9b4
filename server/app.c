/* The running service's shared state: the current snapshot and request accessors. */
#include "app.h"
#include "cache.h"
#include "publish.h"
#include "log.h"
#include "sync.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

stats_snapshot *app_snapshot(app *a)
{
    pthread_mutex_lock(&a->snap_lock);
    stats_snapshot *s = stats_snapshot_ref(a->snap);
    pthread_mutex_unlock(&a->snap_lock);
    return s;
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

/* sync_after_commit of serve's sync thread (store lock held): the publish thread loads the
 * round's snapshot, or (nothing changed) its outcome for /readyz, at once. */
static void after_sync(void *ud, int changed)
{
    (void)changed;
    publish_notify(ud);
}

void app_live_start(app *a)
{
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
}

int app_store_reachable(app *a, int64_t *since)
{
    int64_t down = __atomic_load_n(&a->store_down_since, __ATOMIC_RELAXED);
    if (since)
        *since = down ? down : __atomic_load_n(&a->store_state_since, __ATOMIC_RELAXED);
    return down == 0;
}

void app_store_set_down(app *a, int64_t down_since)
{
    int64_t was = __atomic_exchange_n(&a->store_down_since, down_since, __ATOMIC_RELAXED);
    if ((was == 0) != (down_since == 0))
        __atomic_store_n(&a->store_state_since, down_since ? down_since : (int64_t)time(NULL),
                         __ATOMIC_RELAXED);
}

int app_store_unreachable(app *a, int store_status)
{
    return store_status == STORE_EUNAVAILABLE || !app_store_reachable(a, NULL);
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

void req_origin(request *req, char *out, size_t len)
{
    static const char host_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     "0123456789.-:[]";
    const char *host = req_header(req, MHD_HTTP_HEADER_HOST);
    const char *proto = req_header(req, "X-Forwarded-Proto");
    size_t hl = host ? strlen(host) : 0;
    out[0] = '\0';
    if (req->app->cfg->public_url[0] != '\0')
        snprintf(out, len, "%s", req->app->cfg->public_url);
    else if (hl > 0 && hl <= 255 && strspn(host, host_chars) == hl)
        snprintf(out, len, "%s://%s", proto && strcmp(proto, "https") == 0 ? "https" : "http",
                 host);
}
