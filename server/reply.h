#ifndef ATTRITION_REPLY_H
#define ATTRITION_REPLY_H

#include <jansson.h>
#include "app.h"

/* Replies. Each queues a complete response on req->conn, records status and size in req,
 * and returns the libmicrohttpd result to return from the handler. All of them add the
 * common headers (CORS, Cache-Control on GET, Last-Modified, ETag where cacheable). */

/* 200/201/... with body serialised compactly; body is borrowed (caller decrefs). */
enum MHD_Result reply_json(request *req, unsigned status, const json_t *body);

/* Same, but steals the reference to body (Jansson's _new rule). */
enum MHD_Result reply_json_new(request *req, unsigned status, json_t *body);

/* RFC 9457 problem+json: {"type", "title", "status", "detail"}; title is the status text.
 * detail is a printf format. */
enum MHD_Result reply_problem(request *req, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* THE answer to a store that cannot be reached (app_store_unreachable): 503 problem+json
 * with Retry-After: REPLY_STORE_RETRY_SECONDS and a detail that begins with what (a printf
 * format: what was being done, e.g. "the report of 2024-05-01 was not stored") and says the
 * store is unreachable and since when, that reads still answer, and when to retry. */
#define REPLY_STORE_RETRY_SECONDS 5
enum MHD_Result reply_store_unavailable(request *req, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Adds a header to the next reply of this request (e.g. Location, Allow, WWW-Authenticate).
 * name and value are copied. At most 8 per request. */
void reply_add_header(request *req, const char *name, const char *value);

/* Sends raw bytes (copied) with a content type. */
enum MHD_Result reply_bytes(request *req, unsigned status, const char *content_type,
                            const char *data, size_t len);

/* Is a 200 answer of media type ctype acceptable to req (its Accept, RFC 9110 §12.5.1; a
 * format= parameter names the representation itself and wins)? 0 if so; else sends the 406
 * (result in *res) and returns -1. reply_body checks every 200 GET answer; the cache-hit
 * path in serve.c checks the cached entry's type. */
int reply_acceptable(request *req, const char *ctype, enum MHD_Result *res);

struct cache_entry;
/* Sends a cached answer (304 when If-None-Match matches; gzip or identity as
 * Accept-Encoding says, 406 when it excludes both). */
enum MHD_Result reply_entry(request *req, const struct cache_entry *e);
/* reply_entry for an entry the cache owns (from cache_get): the same answer, sent from a
 * reply built once per entry and variant (no copy of the body or headers per request);
 * takes a reference to e that is released with the request's state (req->held). */
enum MHD_Result reply_cached(request *req, struct cache_entry *e);

#endif
