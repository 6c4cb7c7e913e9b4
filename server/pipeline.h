#ifndef ATTRITION_PIPELINE_H
#define ATTRITION_PIPELINE_H

#include "request.h"

/* THE response path, once per request: route (once) -> Accept (once) -> cache key -> cache
 * lookup -> on a miss the handler (route_dispatch) builds the response value -> the value
 * is stored (ROUTE_CACHEABLE) -> filters that only read it (media type against Accept,
 * 304 by If-None-Match / If-Modified-Since, gzip by Accept-Encoding, the common and
 * caching headers) -> sent. Warming runs the same path up to the store, with a request of
 * its own input, and sends nothing. */

/* Serves req on its connection (req->conn; its route found by route_find, or found here):
 * a cacheable GET or HEAD from the cache, or through the handler and into the cache;
 * anything else through the handler. target: the request target as sent (path and query,
 * %-escapes kept), the cache key's; NULL: not cached. Returns libmicrohttpd's result. */
enum MHD_Result pipeline_serve(request *req, const char *target);

/* Sends the answer already built in req->resp (serve.c's own refusals, a write resumed
 * after its publication) through the filters. r: what the builder returned; returned as is
 * when there is nothing to send (no answer, or the escape hatch: response.taken). */
enum MHD_Result pipeline_send(request *req, enum MHD_Result r);

/* Warming: runs req (a GET without a connection, answering from req->snap) through the
 * handler and stores a 200 answer of a cacheable route under the key of target (as a
 * client taking JSON and gzip would ask). Returns 1 when stored, else 0. */
int pipeline_store(request *req, const char *target);

/* The cache key of a cacheable GET of target, as req negotiates it (see pipeline.c, THE
 * RULE). NULL when memory is short. Caller frees. */
char *pipeline_cache_key(request *req, const char *target);

#endif
