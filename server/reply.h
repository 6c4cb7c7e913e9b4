#ifndef ATTRITION_REPLY_H
#define ATTRITION_REPLY_H

#include <jansson.h>
#include "request.h"
#include "write_json.h"

/* Response builders. Each sets the answer of req (req->resp: status, media type, body),
 * replacing one built before but keeping the headers added with reply_add_header, and
 * returns MHD_YES, or MHD_NO when memory is short (no answer: the connection closes).
 * Nothing is sent here: the pipeline (pipeline.h) adds the common headers (CORS,
 * Cache-Control, Last-Modified, ETag on a 200 GET), checks the media type against Accept,
 * answers 304 and gzip, stores cacheable answers and sends. */

/* 200/201/... with body serialised compactly; body is borrowed (caller decrefs). */
enum MHD_Result reply_json(request *req, unsigned status, const json_t *body);

/* Same, but steals the reference to body (Jansson's _new rule). */
enum MHD_Result reply_json_new(request *req, unsigned status, json_t *body);

/* 200 with w's JSON, or 503 when w failed; takes w's buffer (w is left empty). */
enum MHD_Result reply_jw(request *req, jw *w);

/* RFC 9457 problem+json: {"type", "title", "status", "detail"}; title is the status text.
 * detail is a printf format. */
enum MHD_Result reply_problem(request *req, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* THE HTTP status of a failed store call (attrition/store.h's STORE_E*): 404 not found,
 * 409 conflict, 422 refused input, 503 for the rest (memory, database, read-only: retry). */
unsigned reply_store_status(int store_status);

/* THE answer to a store that cannot be reached (app_store_unreachable): 503 problem+json
 * with Retry-After: REPLY_STORE_RETRY_SECONDS and a detail that begins with what (a printf
 * format: what was being done, e.g. "the report of 2024-05-01 was not stored") and says the
 * store is unreachable and since when, that reads still answer, and when to retry. */
#define REPLY_STORE_RETRY_SECONDS 5
enum MHD_Result reply_store_unavailable(request *req, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Adds a header to the answer of this request (e.g. Location, Allow, WWW-Authenticate).
 * name is borrowed (a literal), value copied. At most RESPONSE_MAX_HEADERS per request. */
void reply_add_header(request *req, const char *name, const char *value);

/* Raw bytes (copied) with a media type (static, or NULL for none). */
enum MHD_Result reply_bytes(request *req, unsigned status, const char *content_type,
                            const char *data, size_t len);

/* Raw bytes that outlive every request (embedded files), borrowed: not copied. */
enum MHD_Result reply_static(request *req, unsigned status, const char *content_type,
                             const char *data, size_t len);

/* A 200 of an embedded file: body, its gzip variant gz and its strong tag etag
 * ("\"<hex>\"") are static, borrowed. */
enum MHD_Result reply_file(request *req, const char *content_type, const char *etag,
                           const char *body, size_t len, const char *gz, size_t gz_len);

/* The escape hatch: the handler queued its own reply on req->conn (a stream) or suspended
 * the connection until it answers (publish_await); r is what it got. The pipeline sends
 * nothing for it. Returns r. */
enum MHD_Result reply_taken(request *req, enum MHD_Result r);

/* Is a 200 answer of media type ctype acceptable to req (its Accept, RFC 9110 §12.5.1; a
 * format= parameter names the representation itself and wins)? 0 if so; else builds the
 * 406 (or 400 for a format= this answer is not; result in *res) and returns -1. The
 * pipeline checks every 200 GET answer, a cached one too. */
int reply_acceptable(request *req, const char *ctype, enum MHD_Result *res);

#endif
