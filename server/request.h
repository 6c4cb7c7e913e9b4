#ifndef ATTRITION_REQUEST_H
#define ATTRITION_REQUEST_H

#include <stddef.h>
#include <stdint.h>
#include <microhttpd.h>

#include "app.h"
#include "attrition/stats.h"

/* A request and the response value its handler produces. Handlers read the request (its
 * input goes through request_input: a live connection's, or warming's), and fill
 * req->resp with the reply_* builders (reply.h); the pipeline (pipeline.h) alone turns the
 * value into what is sent or cached. */

struct request;
struct route;
struct cache_entry;
struct publish_wait;

/* Where a request's query parameters and header fields come from: THE choke point of the
 * input. value: the first field or parameter `name` of `kind` (MHD_HEADER_KIND,
 * MHD_GET_ARGUMENT_KIND), or NULL (borrowed; lives as long as the request). each: calls it
 * for every one of `kind` in order until it returns MHD_NO. */
typedef struct request_input {
    const char *(*value)(const struct request *req, enum MHD_ValueKind kind, const char *name);
    void (*each)(const struct request *req, enum MHD_ValueKind kind, MHD_KeyValueIterator it,
                 void *cls);
} request_input;

/* The input of a request on a libmicrohttpd connection (req->conn). */
extern const request_input req_connection_input;

#define RESPONSE_MAX_HEADERS 8

/* A handler's answer, before the pipeline's filters (304, gzip, caching headers) and
 * sending. status 0: no answer yet. */
typedef struct response {
    unsigned status;
    const char *media_type;  /* static (a literal or a table's), or NULL: no body type */
    char *body;              /* owned (malloc) when body_owned, else static */
    size_t len;
    int body_owned;
    const char *etag;        /* a static file's own strong tag, or NULL: the pipeline's hash */
    const char *gz;          /* a static file's gzip variant (static), or NULL */
    size_t gz_len;
    const char *hdr_name[RESPONSE_MAX_HEADERS]; /* extra headers (Location, Allow, Link...):   */
    char *hdr_value[RESPONSE_MAX_HEADERS];      /* names static, values owned copies        */
    size_t n_hdr;
    uint64_t version;        /* data version the answer was computed from (req_snapshot) */
    int64_t last_modified;   /* unix seconds for Last-Modified, 0: none (req_snapshot) */
    /* The escape hatch of answers that are not a value: the handler queued its own
     * streaming reply (GET /v1/events) or suspended the connection until it answers
     * (publish_await). The pipeline then sends nothing. */
    int taken;
} response;

/* Frees what resp owns and clears it. */
void req_clear_response(response *resp);

#define REQ_MAX_PARAMS 4

/* One request, as the handlers see it. Everything is borrowed from libmicrohttpd, the
 * connection's state or warming, and lives until the request's state is freed. */
typedef struct request {
    const request_input *in;     /* the input (req_connection_input or warming's) */
    const void *in_ctx;          /* in's own state (warming's query list) */
    struct MHD_Connection *conn; /* the live connection, or NULL (warming): only for the
                                    answers that are not values (response.taken) */
    app *app;
    const char *method;          /* "GET", "HEAD", ... */
    int head;                    /* HEAD: send headers only */
    const char *url;             /* path without the query */
    const struct route *route;   /* the matched route (route_find), or NULL */
    const char *route_pattern;   /* with route NULL: the pattern matching url under another
                                    method (405), or NULL (404) */
    int routed;                  /* route_find ran: route and route_pattern are set */
    const char *params[REQ_MAX_PARAMS]; /* path parameters in pattern order ({date}, ...) */
    size_t n_params;
    char pbuf[512];              /* storage of params[] */
    const char *body;            /* request body (NUL-terminated) or NULL */
    size_t body_len;
    stats_snapshot *snap;        /* borrowed: when set, the answer comes from this snapshot
                                    alone (warming): req_snapshot answers from it, and a
                                    handler that must read the store declines */
    int accept_q[2];             /* q of JSON and CSV in Accept (negotiate.h), -1: not yet */
    response resp;               /* the answer being built */
    unsigned status;             /* status of the reply sent (for logs and metrics) */
    size_t bytes;                /* body bytes of the reply sent */
    struct cache_entry *held;    /* the cache entry whose prebuilt reply is being sent (a
                                    reference, released when the request's state is freed) */
    struct publish_wait *wait;   /* a write waiting for its change to be published
                                    (publish_await; owned, freed with the request's state) */
} request;

/* A handler: fills req->resp (reply.h) and returns MHD_YES, or MHD_NO to close the
 * connection without an answer. */
typedef enum MHD_Result (*route_handler)(request *req);

/* Sets up req (zeroed by the caller) for app a, method and url, reading its input from in
 * (in_ctx its state). */
void req_init(request *req, app *a, const request_input *in, const void *in_ctx,
             const char *method, const char *url);

/* Frees what req owns (its response value, its held cache entry); not req itself. */
void req_release(request *req);

/* The current snapshot for this request (a reference the caller releases with
 * stats_snapshot_unref); also records its version and modification time in req->resp for
 * the cache and Last-Modified. */
stats_snapshot *req_snapshot(request *req);

/* Query parameter `name` or NULL (borrowed). */
const char *req_query(request *req, const char *name);
/* The absolute base of links this answer gives out (paging, icons, og:image), into out
 * (len bytes): the configured public_url, else "http://" (or "https://" when
 * X-Forwarded-Proto says so) and the request's Host when it looks like host[:port] (so
 * nothing a client sends can put markup or another URL into an answer), else "" (links
 * stay relative). */
void req_origin(request *req, char *out, size_t len);
/* Request header `name` or NULL (borrowed). */
const char *req_header(request *req, const char *name);
/* Calls it for every header field (MHD_HEADER_KIND) or query parameter
 * (MHD_GET_ARGUMENT_KIND) of req, in order, until it returns MHD_NO. */
void req_each(request *req, enum MHD_ValueKind kind, MHD_KeyValueIterator it, void *cls);

#endif
