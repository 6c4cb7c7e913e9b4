/* The running service's shared state: the current snapshot and the sync summary. */
#include "app.h"

#include <time.h>

stats_snapshot *app_snapshot(app *a)
{
    pthread_mutex_lock(&a->snap_lock);
    stats_snapshot *s = stats_snapshot_ref(a->snap);
    pthread_mutex_unlock(&a->snap_lock);
    return s;
}

uint64_t app_version(app *a)
{
    return __atomic_load_n(&a->version, __ATOMIC_ACQUIRE);
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
