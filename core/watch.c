/* Watching a database for other connections' commits. See include/attrition/watch.h. */
#include "attrition/watch.h"
#include "store_internal.h"
#include "store_internal.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

struct watch {
    store *st;             /* the watch's own read-only connection */
    sqlite3_stmt *pragma;  /* PRAGMA data_version, prepared once */
    int64_t last;          /* value seen at the previous poll */
};

/* Reads PRAGMA data_version into *v. Returns 0 or -1. */
static int read_pragma(watch *w, int64_t *v)
{
    sqlite3_reset(w->pragma);
    int rc = sqlite3_step(w->pragma);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(w->pragma);
        return -1;
    }
    *v = sqlite3_column_int64(w->pragma, 0);
    sqlite3_reset(w->pragma);
    return 0;
}

int watch_open(const char *path, watch **out, char *err, size_t errlen)
{
    watch *w = calloc(1, sizeof *w);
    if (w == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (store_open(path, STORE_OPEN_READONLY, &w->st, err, errlen) != STORE_OK)
        goto fail;
    if (sqlite3_prepare_v3(store_db(w->st), "PRAGMA data_version", -1,
                           SQLITE_PREPARE_PERSISTENT, &w->pragma, NULL) != SQLITE_OK ||
        read_pragma(w, &w->last) != 0) {
        snprintf(err, errlen, "database %s: PRAGMA data_version: %s", path,
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
    sqlite3_finalize(w->pragma);
    store_close(w->st);
    free(w);
}

int watch_poll(watch *w, int *changed)
{
    int64_t v;
    *changed = 0;
    if (read_pragma(w, &v) != 0)
        return -1;
    *changed = v != w->last;
    w->last = v;
    return 0;
}

store *watch_store(watch *w)
{
    return w->st;
}

int watch_snapshot_load(watch *w, stats_snapshot **out)
{
    sqlite3 *db = store_db(w->st);
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return store_status_from_sqlite(sqlite3_errcode(db));
    int rc = store_snapshot_load(w->st, out);
    if (rc != STORE_OK)
        *out = NULL;
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    return rc;
}
