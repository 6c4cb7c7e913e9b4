#ifndef ATTRITION_APP_H
#define ATTRITION_APP_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <microhttpd.h>
#include <jansson.h>

#include "attrition/stats.h"
#include "attrition/store.h"
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
} app;

/* Takes a reference to the current snapshot (never NULL once serving); release with
 * stats_snapshot_unref. */
stats_snapshot *app_snapshot(app *a);

/* Reloads the snapshot from the store after a committed write and swaps it in.
 * Returns STORE_OK or a store status; on failure the old snapshot stays. Call with the
 * store lock held. */
int app_snapshot_reload(app *a);

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
} request;

typedef enum MHD_Result (*route_handler)(request *req);

/* The current snapshot for this request (a reference the caller releases with
 * stats_snapshot_unref); also records its version and modification time in req for the
 * cache and Last-Modified. */
stats_snapshot *req_snapshot(request *req);

/* Query parameter `name` or NULL (borrowed from libmicrohttpd). */
const char *req_query(request *req, const char *name);
/* Request header `name` or NULL (borrowed). */
const char *req_header(request *req, const char *name);

#endif
