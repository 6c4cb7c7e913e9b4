#ifndef ATTRITION_APP_H
#define ATTRITION_APP_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "attrition/stats.h"
#include "attrition/store.h"
#include "attrition/sync_state.h"
#include "config.h"

/* The running service: configuration, the store, the current snapshot. One per process. */
typedef struct app {
    const config *cfg;           /* borrowed from main */
    store *st;                   /* owned; access under store_lock() */
    pthread_mutex_t snap_lock;   /* guards snap */
    stats_snapshot *snap;        /* current snapshot, one reference held by app */
    uint64_t version;            /* snap's data version (written under snap_lock; atomic) */
    volatile int draining;       /* 1 once shutdown began: /readyz answers 503 */
    struct metrics *metrics;     /* owned */
    struct cache *cache;         /* owned; rendered answers */
    sync_state_summary sync_summary; /* last sync rounds as stored; guarded by snap_lock */
    struct publisher *pub;       /* owned; makes commits the current snapshot (publish.h) */
    struct sync_runner *syncer;  /* owned; serve --sync-every (sync.h), or NULL */
    size_t body_bytes;           /* request-body bytes reserved by requests in flight, at
                                    most cfg->body_budget (serve.c; atomic) */
    size_t public_body_bytes;    /* of those, held by public POSTs (no token: /v1/check), at
                                    most half of cfg->body_budget (serve.c; atomic) */
    struct events *events;       /* owned; GET /v1/events (events.h), or NULL */
    struct webhook *webhook;     /* owned; webhook deliveries (webhook.h), or NULL */
    int64_t store_down_since;    /* unix seconds since the store's server is unreachable, 0
                                    while it answers (set by the publish thread; atomic) */
    int64_t store_state_since;   /* unix seconds the store's current state (reachable or
                                    not) began: the start, then each change (atomic) */
} app;

/* Takes a reference to the current snapshot (never NULL once serving); release with
 * stats_snapshot_unref. */
stats_snapshot *app_snapshot(app *a);

/* The current snapshot's data version, without a reference (the cache-hit path). */
uint64_t app_version(app *a);

/* The last sync rounds as stored in the database (copied out under the lock). */
void app_sync_summary(app *a, sync_state_summary *out);
/* Replaces the summary with sum (copied). */
void app_sync_summary_set(app *a, const sync_state_summary *sum);

/* The store's reachability (a shared PostgreSQL store can go away; SQLite never does):
 * returns 1 when it answers, 0 when not, with *since (may be NULL) the unix time the current
 * state began. */
int app_store_reachable(app *a, int64_t *since);
/* The publish thread's view: down_since (0: reachable) as store_down_since says. */
void app_store_set_down(app *a, int64_t down_since);
/* Was a failed store call (its store status; 0 when the caller only knows "a database
 * failure") a store that cannot be reached? Then the answer is reply_store_unavailable. */
int app_store_unreachable(app *a, int store_status);

#endif
