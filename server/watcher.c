/* The watcher thread: other processes' commits become the served snapshot. See watcher.h. */
#include "watcher.h"
#include "log.h"
#include "ticker.h"

#include "attrition/watch.h"

#include <stdlib.h>

struct watcher {
    watch *w;
    app *a;
    struct ticker *ticker;
    int failing;         /* 1 after a logged poll error, until one succeeds */
};

int watcher_check(app *a, struct watcher *wr)
{
    int changed = 0;
    if (watch_poll(wr->w, &changed) != 0)
        return -1;
    if (!changed)
        return 0;
    int rc = 0;
    store *ws = watch_store(wr->w);
    stats_snapshot *fresh = NULL;
    uint64_t fresh_version = 0;
    sync_state_summary sum;
    /* Under the store lock, so that an HTTP write's own reload and this one are installed
     * in commit order (a snapshot never goes back to an older version). */
    store_lock(a->st);
    stats_snapshot *cur = app_snapshot(a);
    if (store_data_version(ws) != cur->version) {
        if (watch_snapshot_load(wr->w, &fresh) != STORE_OK) {
            rc = -1;
        } else {
            fresh_version = fresh->version;
            app_snapshot_install(a, fresh);
            rc = 1;
        }
    }
    if (rc >= 0 && sync_state_summary_get(ws, &sum) == STORE_OK)
        app_sync_summary_set(a, &sum);
    store_unlock(a->st);
    if (rc == 1)
        log_event_new("data_changed", json_pack("{s:I, s:I}", "from_version",
                      (json_int_t)cur->version, "data_version", (json_int_t)fresh_version));
    stats_snapshot_unref(cur);
    return rc;
}

/* One tick (ticker_fn): a check, with a warning logged when checks start failing. */
static void watcher_tick(void *ud, volatile int *stopping)
{
    (void)stopping;
    struct watcher *wr = ud;
    int rc = watcher_check(wr->a, wr);
    if (rc < 0 && !wr->failing)
        log_event_new("warning", json_pack("{s:s}", "detail",
                      "cannot check the database for changes; retrying every tick"));
    wr->failing = rc < 0;
}

int watcher_start(app *a)
{
    char err[768];
    struct watcher *wr = calloc(1, sizeof *wr);
    if (wr == NULL)
        return -1;
    if (watch_open(a->cfg->db, &wr->w, err, sizeof err) != 0) {
        log_event_new("warning", json_pack("{s:s, s:s}", "detail",
                      "cannot watch the database: changes by other processes will not be seen",
                      "reason", err));
        free(wr);
        return -1;
    }
    wr->a = a;
    wr->ticker = ticker_start(WATCHER_TICK_MS, 0, watcher_tick, wr);
    if (wr->ticker == NULL) {
        watch_close(wr->w);
        free(wr);
        return -1;
    }
    a->watcher = wr;
    return 0;
}

void watcher_stop(app *a)
{
    struct watcher *wr = a->watcher;
    if (wr == NULL)
        return;
    ticker_stop(wr->ticker);
    watch_close(wr->w);
    free(wr);
    a->watcher = NULL;
}
