/* The stored source URLs of reports, the "resource" of the peer's records (compat.h).
 *
 * Read from the store once per data version and shared by the requests of that version: a
 * list of 1000 records costs one lookup per record, not one query. The store lock is held
 * only while reading; callers must not hold it (it is not recursive). */
#include "compat.h"

#include "attrition/date.h"

#include <pthread.h>
#include <stdlib.h>

struct compat_sources {
    int refs;           /* guarded by lock */
    uint64_t version;   /* data version it was read for */
    report_source *src; /* sorted by date */
    size_t n;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static compat_sources *current; /* one reference held here; guarded by lock */

static void sources_unref_locked(compat_sources *cs)
{
    if (cs && --cs->refs == 0) {
        report_sources_free(cs->src, cs->n);
        free(cs);
    }
}

/* Reads every stored source URL from the store. A new object (refs 1) or NULL. */
static compat_sources *sources_load(store *st, uint64_t version)
{
    compat_sources *cs = calloc(1, sizeof *cs);
    if (cs == NULL)
        return NULL;
    cs->refs = 1;
    cs->version = version;
    store_lock(st);
    int rc = report_sources(st, date_from_ymd(1000, 1, 1), date_from_ymd(9999, 12, 31), &cs->src, &cs->n);
    store_unlock(st);
    if (rc != STORE_OK) {
        free(cs);
        return NULL;
    }
    return cs;
}

compat_sources *compat_sources_get(request *req, const stats_snapshot *s)
{
    compat_sources *cs;
    if (req->snap != NULL)
        return NULL; /* an answer from one snapshot alone (warming): the store is not read */
    pthread_mutex_lock(&lock);
    cs = current && current->version == s->version ? current : NULL;
    if (cs)
        cs->refs++;
    pthread_mutex_unlock(&lock);
    if (cs)
        return cs;
    if ((cs = sources_load(req->app->st, s->version)) == NULL)
        return NULL;
    pthread_mutex_lock(&lock);
    if (current == NULL || current->version < cs->version) {
        sources_unref_locked(current);
        current = cs;
        cs->refs++;
    }
    pthread_mutex_unlock(&lock);
    return cs;
}

void compat_sources_release(compat_sources *cs)
{
    pthread_mutex_lock(&lock);
    sources_unref_locked(cs);
    pthread_mutex_unlock(&lock);
}

const char *compat_source_of(const compat_sources *cs, int date)
{
    return report_source_find(cs->src, cs->n, date);
}
