/* Watching a database for other connections' commits. See include/attrition/watch.h. */
#include "attrition/watch.h"
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>

struct watch {
    store *st; /* the watch's own read-only connection */
};

int watch_open(const char *path, watch **out, char *err, size_t errlen)
{
    watch *w = calloc(1, sizeof *w);
    int changed;
    if (w == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (store_open(path, STORE_OPEN_READONLY, &w->st, err, errlen) != STORE_OK)
        goto fail;
    /* the first call takes the baseline (and shows that the database can be watched) */
    if (db_changed(store_db(w->st), &changed) != STORE_OK) {
        char shown[512];
        db_target_redacted(path, shown, sizeof shown);
        snprintf(err, errlen, "database %s: watching for changes: %s", shown,
                 store_errmsg(w->st));
        goto fail;
    }
    *out = w;
    return 0;
fail:
    watch_close(w);
    return -1;
}

void watch_close(watch *w)
{
    if (w == NULL)
        return;
    store_close(w->st);
    free(w);
}

int watch_poll(watch *w, int *changed)
{
    *changed = 0;
    return db_changed(store_db(w->st), changed) == STORE_OK ? 0 : -1;
}

store *watch_store(watch *w)
{
    return w->st;
}

int watch_snapshot_load(watch *w, stats_snapshot **out)
{
    db *d = store_db(w->st);
    int rc = db_begin_read(d);
    if (rc != STORE_OK)
        return rc;
    rc = store_snapshot_load(w->st, out);
    if (rc != STORE_OK)
        *out = NULL;
    db_commit(d);
    return rc;
}
