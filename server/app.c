/* The running service's shared state: the current snapshot and the sync summary. */
#include "app.h"

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
