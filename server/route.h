#ifndef ATTRITION_ROUTE_H
#define ATTRITION_ROUTE_H

#include <stddef.h>
#include "app.h"

/* The routing table: one row per {method, path pattern, handler}. A pattern's segment
 * "{name}" matches any one non-empty segment. Literal patterns are listed before the
 * patterns they overlap ("/v1/daily/latest" before "/v1/daily/{date}"). */
typedef struct route {
    const char *method;
    const char *pattern;
    route_handler handler;
    int cacheable;   /* GET answer depends only on the URL and the data version */
} route;

/* The table and its length (static; never freed). */
const route *route_table(size_t *n);

/* Matches url against pattern. On a match returns 1 and copies each parameter's segment
 * (NUL-terminated) into buf (buflen bytes), pointing params[i] into it; *n_params is set.
 * Returns 0 when it does not match or buf is too small. */
int route_match(const char *pattern, const char *url, const char **params, size_t *n_params,
                char *buf, size_t buflen);

/* Dispatches req (method, url set): finds the pattern, answers OPTIONS preflight, 404
 * (no pattern) and 405 with Allow (pattern without this method), else calls the handler.
 * Sets req->route to the matched route or NULL. */
enum MHD_Result route_dispatch(request *req);

/* The route index of req for metrics: its position in the table, or n for unmatched. */
size_t route_index(const request *req);

/* The OpenAPI document (config/openapi.json, embedded). */
extern const char route_openapi_json[];

#endif
