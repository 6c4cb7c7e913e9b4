/* `attrition serve`: libmicrohttpd with its epoll thread pool, request bodies, limits,
 * the response cache in front of the router, access logs, metrics, and draining. */
#include "serve.h"
#include "request.h"
#include "auth.h"
#include "cache.h"
#include "events.h"
#include "log.h"
#include "metrics.h"
#include "negotiate.h"
#include "param.h"
#include "pipeline.h"
#include "publish.h"
#include "reply.h"
#include "route.h"
#include "sync.h"
#include "webhook.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#define SERVE_MAX_URL 2048 /* longer request targets (path and query, as sent) get 414 */
/* libmicrohttpd's memory pool per connection: the request line, the headers (each with a
 * ~56-byte record), the read buffer and, when the answer is sent, its status line and
 * headers must all fit in it. libmicrohttpd grows its read buffer into nearly the whole
 * pool for a long head, and a head it has read but whose answer's headers no longer fit
 * is closed without a word (0.9.75): so on_headers refuses, with a 431 of its own, any head
 * whose cost (head_cost) is over SERVE_MAX_HEAD, which leaves 8 KiB for the answer's
 * headers (a Link of two 2 KiB targets at most). A head too long for the pool
 * itself still gets libmicrohttpd's own 431 (HTML body), and one within ~300 bytes of the
 * pool's end may still be closed silently by it: with these sizes, heads from 16 KiB to
 * ~24 KiB get our 431 problem+json (tests/http_limits.c sweeps 15-17 KB and 20 KB).
 * It is zeroed for every connection, so a larger pool costs every request (see bench/). */
#define SERVE_CONN_MEMORY (24 * 1024)
#define SERVE_MAX_HEAD (16 * 1024) /* head_cost bytes; the rest of the pool is the reply's */
#define SERVE_RECORD_COST 64 /* pool bytes counted per header line, cookie and query parameter */
/* Limits checked before libmicrohttpd's pool can run out. Each query parameter and header
 * costs a ~56-byte record in that pool: a 2 KiB target of a few hundred "a&a&..." would
 * exhaust it while libmicrohttpd parses the request line, leaving the connection silent.
 * No route reads more than a handful of parameters, and browsers send ~20 headers. */
#define SERVE_MAX_ARGS 32     /* query parameters; more: 414 */
#define SERVE_MAX_HEADERS 64  /* header lines; more: 431 */

/* Per-request state, from the request line (on_uri) to the completion notice. */
typedef struct conn_ctx {
    request req;
    struct timespec start;
    size_t target_len;  /* bytes of the request target as sent (0: unknown) */
    int target_nul;     /* the target holds "%00" */
    char *target;       /* the request target as sent (path and query, %-escapes kept), owned */
    size_t n_args;      /* query parameters in the target */
    char *body;
    size_t len, cap;    /* cap <= reserved */
    size_t reserved;    /* bytes of app.body_bytes this request holds (body_reserve) */
    int too_large;
    int over_budget;    /* the body would take the in-flight budget past body_budget: 503 */
    int discard_body;   /* a route that reads no body: its bytes are read and dropped */
    int public_body;    /* a public POST's body: counted in app.public_body_bytes too */
    int set_up;         /* on_headers has set up req (on_request's first call) */
} conn_ctx;

static double elapsed(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* THE bound on request bodies in memory, over all requests: reserves n more bytes of the
 * in-flight budget (cfg->body_budget) for cx. Returns 0, or -1 (nothing reserved) when the
 * bodies in flight would pass it. Released by body_release when cx is freed. */
static int body_reserve(app *a, conn_ctx *cx, size_t n)
{
    /* public bodies (anyone's) hold at most half: they never shut out the writers' bodies */
    size_t half = a->cfg->body_budget / 2;
    if (cx->public_body && __atomic_add_fetch(&a->public_body_bytes, n, __ATOMIC_ACQ_REL) > half) {
        __atomic_sub_fetch(&a->public_body_bytes, n, __ATOMIC_ACQ_REL);
        return -1;
    }
    size_t now = __atomic_add_fetch(&a->body_bytes, n, __ATOMIC_ACQ_REL);
    if (now > a->cfg->body_budget) {
        __atomic_sub_fetch(&a->body_bytes, n, __ATOMIC_ACQ_REL);
        if (cx->public_body)
            __atomic_sub_fetch(&a->public_body_bytes, n, __ATOMIC_ACQ_REL);
        return -1;
    }
    cx->reserved += n;
    return 0;
}

static void body_release(conn_ctx *cx)
{
    if (cx->reserved && cx->req.app) {
        __atomic_sub_fetch(&cx->req.app->body_bytes, cx->reserved, __ATOMIC_ACQ_REL);
        if (cx->public_body)
            __atomic_sub_fetch(&cx->req.app->public_body_bytes, cx->reserved, __ATOMIC_ACQ_REL);
    }
    cx->reserved = 0;
}

/* Appends an upload chunk; marks the request too large past max_body, over budget when the
 * in-flight budget has no room for it. The buffer never holds more than it reserved: a
 * body of declared length was reserved whole by on_headers; a chunked one reserves as it
 * grows (doubling, up to max_body + 1). */
static void body_append(app *a, conn_ctx *cx, const char *data, size_t size)
{
    size_t max_body = a->cfg->max_body;
    if (cx->too_large || cx->over_budget || cx->discard_body)
        return;
    if (cx->len + size > max_body) {
        cx->too_large = 1;
        return;
    }
    size_t need = cx->len + size + 1;
    if (need > cx->cap) {
        size_t ncap = cx->reserved >= need ? cx->reserved : cx->cap ? cx->cap * 2 : 4096;
        if (ncap < need)
            ncap = need;
        if (ncap > max_body + 1)
            ncap = max_body + 1;
        if (ncap > cx->reserved && body_reserve(a, cx, ncap - cx->reserved) != 0) {
            cx->over_budget = 1;
            return;
        }
        char *grown = realloc(cx->body, ncap);
        if (grown == NULL) {
            cx->over_budget = 1;
            return;
        }
        cx->body = grown;
        cx->cap = ncap;
    }
    memcpy(cx->body + cx->len, data, size);
    cx->len += size;
    cx->body[cx->len] = '\0';
}

/* Per-connection state (MHD_OPTION_NOTIFY_CONNECTION): the request state in progress, so
 * that a request libmicrohttpd ends without the completion notice (it refused the request
 * itself, or the client went away) is freed when the connection closes. */
typedef struct conn_slot {
    conn_ctx *cx;    /* owned until on_completed takes it back */
    conn_ctx *spare; /* a completed request's state, what it owned freed, kept for the
                        connection's next request (no allocation per request); owned */
} conn_slot;

/* Frees everything a request's state owns, not the state itself. */
static void conn_ctx_clear(conn_ctx *cx)
{
    req_release(&cx->req); /* its answer; the cache entry libmicrohttpd was sending */
    publish_wait_free(cx->req.wait);
    body_release(cx);
    free(cx->body);
    free(cx->target);
}

/* Frees a request's state and everything it owns. */
static void conn_ctx_free(conn_ctx *cx)
{
    if (cx == NULL)
        return;
    conn_ctx_clear(cx);
    free(cx);
}

/* A request's state whose request is over: kept as slot's spare (slot may be NULL), or
 * freed when there is one already. */
static void conn_ctx_done(conn_slot *slot, conn_ctx *cx)
{
    if (slot == NULL || slot->spare != NULL) {
        conn_ctx_free(cx);
        return;
    }
    conn_ctx_clear(cx);
    slot->spare = cx;
}

static conn_slot *slot_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    (void)conn;
    conn_slot *slot = *socket_context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = calloc(1, sizeof(conn_slot)); /* NULL: requests untracked */
        return;
    }
    if (slot) {
        conn_ctx_free(slot->cx);
        free(slot->spare);
        free(slot);
    }
    *socket_context = NULL;
}

/* Query parameters in a raw target: an upper bound of the records libmicrohttpd will make
 * of it, one per '&'-separated piece after the '?', empty pieces included (0.9.75 makes a
 * record with an empty name of each: "?&&&" is three). */
static size_t count_args(const char *target)
{
    const char *q = strchr(target, '?');
    if (q == NULL || q[1] == '\0')
        return 0;
    size_t n = 1;
    for (const char *p = q + 1; *p; p++)
        n += *p == '&';
    return n;
}

/* MHD_OPTION_URI_LOG_CALLBACK: called once per request with the request target exactly as
 * sent (path, query, %-escapes), before libmicrohttpd parses the query and reads the
 * headers. Returns the request's state, which libmicrohttpd passes to on_request as
 * *con_cls and to on_completed (which frees it, or keeps it for the connection's next
 * request: conn_ctx_done; the connection's slot frees it when the completion notice never
 * comes), or NULL when memory is short (on_request then allocates it). A target with more than SERVE_MAX_ARGS parameters has its query cut here, in
 * libmicrohttpd's own buffer (it parses the query right after this call, from the '?' it
 * has found; the bytes are writable, only the parameter is const): so the parameters never
 * reach the pool, and on_headers answers 414. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    conn_slot *slot = slot_of(conn);
    conn_ctx *cx = slot ? slot->spare : NULL;
    if (cx != NULL) {
        slot->spare = NULL;
        memset(cx, 0, sizeof *cx);
    } else if ((cx = calloc(1, sizeof *cx)) == NULL) {
        return NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &cx->start);
    cx->target_len = strlen(uri);
    cx->target_nul = strstr(uri, "%00") != NULL;
    cx->n_args = count_args(uri);
    cx->target = cx->target_len <= SERVE_MAX_URL ? strdup(uri) : NULL;
    if (cx->n_args > SERVE_MAX_ARGS)
        ((char *)strchr(uri, '?'))[1] = '\0';
    if (slot) {
        conn_ctx_free(slot->cx); /* a previous request's, never completed */
        slot->cx = cx;
    }
    return cx;
}

/* What on_headers counts of the header lines. */
typedef struct head_counts {
    size_t lines, content_length, host;
    size_t bytes;   /* "Name: value" CRLF of every line */
    size_t cookies; /* Cookie pairs: libmicrohttpd makes a record of each too */
    const char *cl, *te, *host_value; /* the first Content-Length, Transfer-Encoding, Host */
} head_counts;

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    (void)kind;
    head_counts *c = cls;
    c->lines++;
    c->bytes += strlen(key) + (value ? strlen(value) : 0) + 4;
    if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0) {
        if (c->host++ == 0)
            c->host_value = value;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        if (c->content_length++ == 0)
            c->cl = value;
    } else if (c->te == NULL && strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        c->te = value;
    }
    return MHD_YES;
}

static enum MHD_Result count_cookie(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    (void)kind;
    (void)key;
    (void)value;
    ((head_counts *)cls)->cookies++;
    return MHD_YES;
}

/* What a request's head takes of libmicrohttpd's pool, as on_headers bounds it: the
 * request line and header bytes, and SERVE_RECORD_COST per header line and query
 * parameter (libmicrohttpd's record of each). */
static size_t head_cost(const conn_ctx *cx, const char *method, const char *version,
                        const head_counts *c)
{
    return strlen(method) + cx->target_len + strlen(version) + 4 + c->bytes + 2 +
           SERVE_RECORD_COST * (c->lines + c->cookies + cx->n_args);
}

/* Is v a valid Host field value (RFC 9110 §7.2: uri-host [":" port], or empty)? Accepts
 * the characters of a reg-name, an IPv4 address or an IP literal in brackets, and a port. */
static int host_valid(const char *v)
{
    for (; *v; v++)
        if (!((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') || (*v >= '0' && *v <= '9') ||
              strchr("-._~%!$&'()*+,;=:[]", *v)))
            return 0;
    return 1;
}

/* An absolute-form target ("http://host:port/path", RFC 9112 §3.2.2) as its path: what
 * follows the authority ("/" when nothing does). Other targets are returned as they are. */
static const char *origin_path(const char *url)
{
    size_t n = strncasecmp(url, "http://", 7) == 0    ? 7
               : strncasecmp(url, "https://", 8) == 0 ? 8
                                                      : 0;
    if (n == 0)
        return url;
    const char *slash = strchr(url + n, '/');
    return slash ? slash : "/";
}

/* Decides, before any body byte is read (and before "100 Continue"), whether req's body
 * may be read, for a request whose framing on_headers accepted (declared length cl, or
 * chunked). A write route (ROUTE_NEEDS_AUTH) without a valid token is answered 401/403
 * here; an authorised one (or a ROUTE_READ_ONLY POST such as /v1/check, within half of
 * the budget) reserves its declared body of the in-flight budget (503 with
 * Retry-After when it has no room); every other request keeps no body (discard_body: no
 * route reads one). Each refusal closes the connection. Returns MHD_YES to read on. */
static enum MHD_Result body_admit(app *a, conn_ctx *cx, const char *cl)
{
    request *req = &cx->req;
    enum MHD_Result res = MHD_NO;
    const route *r = route_find(req); /* once: the pipeline and the router use it */
    if (r == NULL || !(r->flags & (ROUTE_NEEDS_AUTH | ROUTE_READ_ONLY))) {
        cx->discard_body = 1;
        return MHD_YES;
    }
    if ((r->flags & ROUTE_NEEDS_AUTH) && !auth_allowed(req)) {
        reply_add_header(req, MHD_HTTP_HEADER_CONNECTION, "close");
        auth_require(req, &res);
        return res;
    }
    size_t declared = cl ? (size_t)strtoull(cl, NULL, 10) : 0;
    cx->public_body = !(r->flags & ROUTE_NEEDS_AUTH);
    if (declared > 0 && body_reserve(a, cx, declared + 1) != 0) {
        reply_add_header(req, MHD_HTTP_HEADER_CONNECTION, "close");
        reply_add_header(req, MHD_HTTP_HEADER_RETRY_AFTER, "1");
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "the server holds as many "
                             "request bodies as it may (body_budget, %zu bytes): retry shortly",
                             a->cfg->body_budget);
    }
    return MHD_YES;
}

/* The first call for a request (headers read, no body yet): sets up req. Answers at once,
 * before reading a body:
 * - 414 for more than SERVE_MAX_ARGS query parameters (on_uri kept them out of
 *   libmicrohttpd's pool) or a target over SERVE_MAX_URL bytes; then 431 for a head whose
 *   cost in libmicrohttpd's pool is over SERVE_MAX_HEAD (so that the answer's headers still
 *   fit: see SERVE_CONN_MEMORY), or with more than SERVE_MAX_HEADERS header lines;
 * - 400 for a request without Host in HTTP/1.1, with two Host lines, or with a Host that
 *   is not a host and port (RFC 9112 §3.2);
 * - 400 for framing that a proxy in front could read differently from libmicrohttpd
 *   (request smuggling: two Content-Length headers, or one with Transfer-Encoding) and for a
 *   Transfer-Encoding other than chunked (its body would be read until the client closes);
 * - 413 for a declared body over max_body, with "Connection: close": the body is never
 *   read (with or without "Expect: 100-continue");
 * - 401/403 for a write without the token, 503 when the in-flight budget has no room for
 *   its body (body_admit).
 * An answer queued here is sent without "100 Continue" and the body is not read.
 * An absolute-form target is routed by its path (RFC 9112 §3.2.2). Otherwise returns
 * MHD_YES to read the body. */
static enum MHD_Result on_headers(app *a, conn_ctx *cx, struct MHD_Connection *conn,
                                  const char *url, const char *method, const char *version)
{
    request *req = &cx->req;
    req_init(req, a, &req_connection_input, NULL, method, origin_path(url));
    req->conn = conn;
    cx->set_up = 1;
    head_counts c;
    memset(&c, 0, sizeof c);
    MHD_get_connection_values(conn, MHD_HEADER_KIND, count_header, &c);
    MHD_get_connection_values(conn, MHD_COOKIE_KIND, count_cookie, &c);
    const char *cl = c.cl, *te = c.te;
    if (cl && strtoull(cl, NULL, 10) > a->cfg->max_body)
        cx->too_large = 1;
    if (cx->n_args > SERVE_MAX_ARGS)
        return reply_problem(req, MHD_HTTP_URI_TOO_LONG, "the request target has %zu query "
                             "parameters; at most %d are read", cx->n_args, SERVE_MAX_ARGS);
    if (cx->target_len > SERVE_MAX_URL)
        return reply_problem(req, MHD_HTTP_URI_TOO_LONG, "the request target (path and query) "
                             "is longer than %d bytes", SERVE_MAX_URL);
    size_t cost = head_cost(cx, method, version, &c);
    if (cost > SERVE_MAX_HEAD) {
        reply_add_header(req, MHD_HTTP_HEADER_CONNECTION, "close");
        return reply_problem(req, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE, "the request's "
                             "head is too large: %zu bytes counting %d per header line, cookie "
                             "and query parameter; at most %d are read", cost, SERVE_RECORD_COST,
                             SERVE_MAX_HEAD);
    }
    if (c.lines > SERVE_MAX_HEADERS)
        return reply_problem(req, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE, "the request has "
                             "%zu header lines; at most %d are read", c.lines, SERVE_MAX_HEADERS);
    if (c.host > 1 || (c.host == 0 && strcmp(version, MHD_HTTP_VERSION_1_1) == 0))
        return reply_problem(req, MHD_HTTP_BAD_REQUEST, "an HTTP/1.1 request needs exactly one "
                             "Host header (RFC 9112 section 3.2); this one has %zu", c.host);
    const char *host = c.host_value;
    if (host && !host_valid(host))
        return reply_problem(req, MHD_HTTP_BAD_REQUEST, "Host: \"%.64s\" is not a host name or "
                             "address with an optional port", host);
    if (c.content_length > 1 || (c.content_length == 1 && te))
        return reply_problem(req, MHD_HTTP_BAD_REQUEST, "the body's length is ambiguous: send "
                             "one Content-Length, or Transfer-Encoding: chunked, not both");
    if (te && strcasecmp(te, "chunked") != 0)
        return reply_problem(req, MHD_HTTP_BAD_REQUEST, "Transfer-Encoding \"%.64s\" is not "
                             "supported: send the body with Content-Length or chunked", te);
    if (cx->too_large) {
        reply_add_header(req, MHD_HTTP_HEADER_CONNECTION, "close");
        return reply_problem(req, MHD_HTTP_CONTENT_TOO_LARGE,
                             "the request body is larger than %zu bytes", a->cfg->max_body);
    }
    return body_admit(a, cx, cl);
}

/* Once the body is read: builds the refusal of a request that cannot be served (413, 503
 * when the bodies in flight are over budget, 414, 400 for %00 or a repeated parameter) in
 * req->resp, with the builder's result in *res, and returns 1; 0 when it may be served. */
static int refused(app *a, conn_ctx *cx, enum MHD_Result *res)
{
    request *req = &cx->req;
    if (cx->too_large)
        *res = reply_problem(req, MHD_HTTP_CONTENT_TOO_LARGE,
                             "the request body is larger than %zu bytes", a->cfg->max_body);
    else if (cx->over_budget) {
        reply_add_header(req, MHD_HTTP_HEADER_CONNECTION, "close");
        reply_add_header(req, MHD_HTTP_HEADER_RETRY_AFTER, "1");
        *res = reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "the server holds as many "
                             "request bodies as it may (body_budget, %zu bytes): retry shortly",
                             a->cfg->body_budget);
    } else if (cx->target_len > SERVE_MAX_URL || strlen(req->url) > SERVE_MAX_URL)
        *res = reply_problem(req, MHD_HTTP_URI_TOO_LONG, "the request target (path and query) "
                             "is longer than %d bytes", SERVE_MAX_URL);
    else if (cx->target_nul)
        *res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "the request target holds %%00 (a NUL "
                             "byte), which no path segment or parameter may contain");
    else
        return param_no_repeats(req, res) != 0;
    return 1;
}

/* The request, its body read: refused, or served through the pipeline. */
static enum MHD_Result serve_request(app *a, conn_ctx *cx)
{
    request *req = &cx->req;
    req->body = cx->body;
    req->body_len = cx->len;
    enum MHD_Result res = MHD_NO;
    if (refused(a, cx, &res))
        return pipeline_send(req, res);
    return pipeline_serve(req, cx->target);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    app *a = cls;
    conn_ctx *cx = *con_cls;
    if (cx == NULL || !cx->set_up) {
        if (cx == NULL) {
            if ((cx = calloc(1, sizeof *cx)) == NULL)
                return MHD_NO;
            clock_gettime(CLOCK_MONOTONIC, &cx->start);
            *con_cls = cx;
        }
        /* Only refusals are answered at this first call: libmicrohttpd 0.9.75 closes the
         * connection after an answer queued before the body stage (bench/bare_mhd.c). */
        return pipeline_send(&cx->req, on_headers(a, cx, conn, url, method, version));
    }
    if (cx->req.wait != NULL) /* resumed: the write's change is published (publish.h) */
        return pipeline_send(&cx->req, publish_resumed(&cx->req));
    if (cx->req.status != 0) { /* answered at the first call: drop what still comes */
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        body_append(a, cx, upload_data, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    return serve_request(a, cx);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    app *a = cls;
    conn_ctx *cx = *con_cls;
    conn_slot *slot = slot_of(conn);
    if (cx == NULL)
        return;
    *con_cls = NULL;
    if (slot && slot->cx == cx)
        slot->cx = NULL;
    if (!cx->set_up) { /* refused by libmicrohttpd before on_request (431, ...) */
        conn_ctx_done(slot, cx);
        return;
    }
    double secs = elapsed(&cx->start);
    request *req = &cx->req;
    metrics_observe(a->metrics, route_index(req), req->status, secs);
    if (log_access_enabled())
        log_request(req->method, req->url, req->status, req->bytes, secs * 1000.0,
                    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
    conn_ctx_done(slot, cx);
}

/* sync_after_commit of serve's sync thread (store lock held): the publish thread loads the
 * round's snapshot, or (nothing changed) its outcome for /readyz, at once. */
static void after_sync(void *ud, int changed)
{
    (void)changed;
    publish_notify(ud);
}

/* Starts, with cfg->sync_every, the sync thread (sync.h), whose rounds are published
 * (publish.h: the publish thread, started before, also sees other processes' commits).
 * Failures are logged; serving goes on. */
static void live_start(app *a)
{
    if (a->cfg->sync_every > 0) {
        a->syncer = sync_runner_start(a->st, a->cfg, after_sync, a);
        log_event_new(a->syncer ? "sync_started" : "warning", json_pack("{s:s, s:i}",
                      a->syncer ? "sources" : "detail", a->syncer ? a->cfg->sync_sources
                      : "cannot start the sync thread", "every_seconds", a->cfg->sync_every));
    }
}

/* Stops and joins it (before the store closes). */
static void live_stop(app *a)
{
    sync_runner_stop(a->syncer);
    a->syncer = NULL;
}

/* Opens the store and the first snapshot. Returns 0 or -1 (logged). */
static int open_data(app *a, const config *cfg)
{
    char err[768], target[1024];
    struct stat sb;
    int pg = strcmp(store_backend_name(cfg->db), "sqlite") != 0; /* a server: no file */
    int exists = pg || stat(cfg->db, &sb) == 0;
    store_target_redacted(cfg->db, target, sizeof target); /* logs never hold a password */
    /* SQLite takes an empty file for a new database: say so rather than serve nothing
     * silently from what may be a truncated file. */
    int empty = exists && S_ISREG(sb.st_mode) && sb.st_size == 0;
    if ((!exists || empty) && !cfg->create) {
        log_event_new("error", json_pack("{s:s, s:s}", "detail", empty
            ? "the database file is empty (create = false); restore it, run `attrition import`, "
              "or allow creation with --create"
            : "the database file does not exist (create = false); run `attrition import` first "
              "or allow creation with --create", "db", target));
        return -1;
    }
    int rc = store_open(cfg->db, STORE_OPEN_CREATE, &a->st, err, sizeof err);
    if (rc != STORE_OK) {
        log_event_new("error", json_pack("{s:s, s:s}", "detail", err, "db", target));
        return -1;
    }
    a->store_state_since = (int64_t)time(NULL);
    if (!exists || empty)
        log_event_new("database_created", json_pack("{s:s, s:b}", "db", target, "was_empty_file",
                                                     empty));
    if ((rc = publish_start(a)) != STORE_OK) { /* the first snapshot, the publish thread */
        log_event_new("error", json_pack("{s:s, s:s}", "detail", "cannot load the data",
                                         "reason", store_errmsg(a->st)));
        return -1;
    }
    return 0;
}

static struct MHD_Daemon *start_daemon(app *a, const config *cfg)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)cfg->port);
    if (inet_pton(AF_INET, cfg->bind, &addr.sin_addr) != 1) {
        log_event_new("error", json_pack("{s:s, s:s}", "detail", "bind is not an IPv4 address",
                                         "bind", cfg->bind));
        return NULL;
    }
    /* ALLOW_SUSPEND_RESUME: a write's connection waits, suspended, for its publication;
     * /v1/events parks idle subscribers (events.h). */
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
                     MHD_ALLOW_SUSPEND_RESUME;
    return MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, on_request, a,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->conn_limit,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->per_ip_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_CONN_MEMORY,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, a,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, a,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, a,
        MHD_OPTION_END);
}

/* Waits until no connection is open or `seconds` pass. */
static void drain(struct MHD_Daemon *d, int seconds)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (elapsed(&t0) < seconds) {
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        if (info == NULL || info->num_connections == 0)
            break;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* The metrics with one family member per route of the table and "unmatched". Returns
 * NULL when out of memory; the caller owns the result (metrics_free). */
static struct metrics *route_metrics_new(void)
{
    size_t n_routes;
    const route *table = route_table(&n_routes);
    const char **names = malloc((n_routes + 1) * sizeof *names); /* metrics_new copies them */
    if (names == NULL)
        return NULL;
    for (size_t i = 0; i < n_routes; i++)
        names[i] = table[i].pattern;
    names[n_routes] = "unmatched";
    struct metrics *m = metrics_new(names, n_routes + 1);
    free(names);
    return m;
}

/* Logs "listening" with the port d is bound to (cfg->port when it cannot say) and the
 * reports of a's snapshot. Borrows everything. */
static void log_listening(app *a, struct MHD_Daemon *d, const config *cfg)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    stats_snapshot *s = app_snapshot(a);
    log_event_new("listening", json_pack("{s:s, s:i, s:I, s:I}", "bind", cfg->bind, "port",
                                         info ? (int)info->port : cfg->port, "reports",
                                         (json_int_t)s->n_rep, "data_version", (json_int_t)s->version));
    stats_snapshot_unref(s);
}

/* See serve.h; 1 also when the metrics or the cache cannot be allocated. Every failure is
 * logged. */
int serve_run(const config *cfg)
{
    int code = 1;
    struct MHD_Daemon *d = NULL;
    app a;
    memset(&a, 0, sizeof a);
    a.cfg = cfg;
    pthread_mutex_init(&a.snap_lock, NULL);
    log_set_access(cfg->access_log);
    log_start(STDOUT_FILENO, 0); /* on failure lines stay synchronous */
    char target[1024];
    store_target_redacted(cfg->db, target, sizeof target); /* never the password */
    log_event_new("start", json_pack("{s:s, s:s, s:s, s:i, s:i}", "db", target, "backend",
                                     store_backend_name(cfg->db), "bind", cfg->bind,
                                     "port", cfg->port, "threads", cfg->threads));
    a.metrics = route_metrics_new();
    a.cache = cache_new(cfg->cache_bytes);
    metrics_set_cache(a.metrics, a.cache);
    if (a.metrics == NULL || a.cache == NULL || open_data(&a, cfg) != 0)
        goto cleanup;
    /* listeners of new snapshots (publish.h), before anything else installs one */
    if ((a.events = events_new(&a)) == NULL)
        log_event_new("warning", json_pack("{s:s}", "detail", "cannot start /v1/events"));
    a.webhook = webhook_start(&a); /* NULL without webhooks configured (logged on failure) */
    live_start(&a); /* serve --sync-every */
    d = start_daemon(&a, cfg);
    if (d == NULL) {
        log_event_new("error", json_pack("{s:s, s:s, s:i, s:s}", "detail", "cannot listen",
                                         "bind", cfg->bind, "port", cfg->port, "reason", strerror(errno)));
        code = 2;
        goto cleanup;
    }
    log_listening(&a, d, cfg);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int sig = 0;
    sigwait(&set, &sig);
    a.draining = 1;
    log_event_new("stopping", json_pack("{s:s, s:i}", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                                        "drain_seconds", cfg->drain_seconds));
    /* Quiescing hands the listening socket back to us: closing it refuses new clients at once
     * (they fail over) while requests under way drain. */
    MHD_socket listen_fd = MHD_quiesce_daemon(d);
    if (listen_fd != MHD_INVALID_SOCKET)
        close(listen_fd);
    events_close(a.events); /* event streams end; clients reconnect elsewhere */
    drain(d, cfg->drain_seconds);
    code = 0;
cleanup:
    publish_stop(&a); /* resumes every suspended writer: MHD_stop_daemon must find none */
    if (d)
        MHD_stop_daemon(d);
    live_stop(&a);
    webhook_stop(a.webhook); /* after the last install: nothing more is queued */
    events_free(a.events);
    publish_free(&a);
    stats_snapshot_unref(a.snap);
    store_close(a.st);
    cache_free(a.cache);
    metrics_free(a.metrics);
    pthread_mutex_destroy(&a.snap_lock);
    log_event_new("stop", json_pack("{s:i}", "exit_code", code));
    log_stop(); /* writes out every buffered line */
    return code;
}
