#ifndef ATTRITION_APP_H
#define ATTRITION_APP_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <microhttpd.h>
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

/* Starts, with cfg->sync_every, the sync thread (sync.h), whose rounds are published
 * (publish.h: the publish thread, started before, also sees other processes' commits).
 * Failures are logged; serving goes on. */
void app_live_start(app *a);
/* Stops and joins it (before the store closes). */
void app_live_stop(app *a);

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

#define REQ_MAX_PARAMS 4

/* One request, as the handlers see it. Everything is borrowed from libmicrohttpd or the
 * connection's state and lives until the reply is queued. */
typedef struct request {
    struct MHD_Connection *conn;
    app *app;
    const char *method;          /* "GET", "HEAD", ... */
    int head;                    /* HEAD: send headers only */
    const char *url;             /* path without the query */
    const struct route *route;   /* the matched route */
    const char *params[REQ_MAX_PARAMS]; /* path parameters in pattern order ({date}, ...) */
    size_t n_params;
    const char *body;            /* request body (NUL-terminated) or NULL */
    size_t body_len;
    unsigned status;             /* status of the reply sent (for logs and metrics) */
    size_t bytes;                /* body bytes of the reply sent */
    char pbuf[512];              /* storage of params[] */
    const char *extra_name[8];   /* headers added by reply_add_header (owned copies) */
    char *extra_value[8];
    size_t n_extra;
    char *cache_key;             /* set when the answer may be cached (owned) */
    uint64_t cache_version;      /* data version the answer was computed from */
    int64_t last_modified;       /* unix seconds for Last-Modified, 0: none */
    struct cache_entry *held;    /* the cache entry whose prebuilt reply is being sent (a
                                    reference, released when the request's state is freed) */
    /* A synthetic request (cache warming, warm.c) has conn == NULL: its query is
     * synth_query (NULL-terminated name, value, ... list, values as decoded), its only
     * header is Accept-Encoding: gzip, its replies are stored in the cache, not sent. */
    const char *const *synth_query;
    stats_snapshot *snap;        /* borrowed: when set, req_snapshot answers from it */
    struct publish_wait *wait;   /* a write waiting for its change to be published
                                    (publish_await; owned, freed with the request's state) */
} request;

typedef enum MHD_Result (*route_handler)(request *req);

/* The current snapshot for this request (a reference the caller releases with
 * stats_snapshot_unref); also records its version and modification time in req for the
 * cache and Last-Modified. */
stats_snapshot *req_snapshot(request *req);

/* Query parameter `name` or NULL (borrowed from libmicrohttpd, or from synth_query). */
const char *req_query(request *req, const char *name);
/* The absolute base of links this answer gives out (paging, icons, og:image), into out
 * (len bytes): the configured public_url, else "http://" (or "https://" when
 * X-Forwarded-Proto says so) and the request's Host when it looks like host[:port] (so
 * nothing a client sends can put markup or another URL into an answer), else "" (links
 * stay relative). */
void req_origin(request *req, char *out, size_t len);
/* Request header `name` or NULL (borrowed). */
const char *req_header(request *req, const char *name);

#endif
