#ifndef ATTRITION_ROUTE_H
#define ATTRITION_ROUTE_H

#include <stddef.h>
#include "request.h"

/* Route flags (route.flags, or-ed). */
enum route_flag {
    /* The GET answer depends only on the method, the URL and the data version (not on
     * Host, Authorization, the clock or the process): the pipeline may put it in the shared
     * response cache, and the cache-hit path may answer it without running the handler. */
    ROUTE_CACHEABLE = 1 << 0,
    /* A write: route_dispatch checks the bearer token (auth_require) before the handler
     * runs, so a handler of such a route never sees an unauthenticated request. serve.c
     * checks it before reading the body too (401/403 without "100 Continue"), and keeps a
     * body only for these routes and ROUTE_READ_ONLY ones. */
    ROUTE_NEEDS_AUTH = 1 << 1,
    /* A POST that changes nothing (POST /v1/check: a body too long for a URL): public, and
     * never cached; serve.c keeps its body (within max_body and body_budget). */
    ROUTE_READ_ONLY = 1 << 2
};

/* The routing table: one row per {method, path pattern, handler, flags}. A pattern's
 * segment "{name}" matches any one non-empty segment; "{name}.svg" one that ends with the
 * literal suffix ".svg" after a non-empty parameter. Literal patterns are listed before
 * the patterns they overlap ("/v1/daily/latest" before "/v1/daily/{date}"). */
typedef struct route {
    const char *method;
    const char *pattern;
    route_handler handler;
    unsigned flags;  /* ROUTE_* */
} route;

/* The table and its length (static; never freed). */
const route *route_table(size_t *n);

/* Matches url against pattern. On a match returns 1 and copies each parameter's segment
 * (NUL-terminated) into buf (buflen bytes), pointing params[i] into it; *n_params is set.
 * Returns 0 when it does not match or buf is too small. */
int route_match(const char *pattern, const char *url, const char **params, size_t *n_params,
                char *buf, size_t buflen);

/* Finds the route of req (method, HEAD as GET, and url), once per request: sets
 * req->route and the path parameters, and req->route_pattern when no row matches (the
 * first pattern matching url, whose method is not allowed on it: 405; NULL: 404), and
 * req->routed. Returns req->route; does not call the handler. */
const route *route_find(request *req);

/* Dispatches req (method, url set; routed by route_find unless req->routed): answers
 * OPTIONS preflight, 404 (no pattern) and 405 with Allow (pattern without this method),
 * 401/403 for a ROUTE_NEEDS_AUTH route without the token, else calls the handler. The
 * answer is built in req->resp (reply.h), not sent: the pipeline (pipeline.h) sends it. */
enum MHD_Result route_dispatch(request *req);

/* The route index of req for metrics: its position in the table, or n for unmatched. */
size_t route_index(const request *req);

/* The OpenAPI document (config/openapi.json, embedded). */
extern const char route_openapi_json[];

#endif
