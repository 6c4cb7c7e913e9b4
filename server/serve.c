/* `attrition serve`: libmicrohttpd with its epoll thread pool, request bodies, limits,
 * the response cache in front of the router, access logs, metrics, and draining. */
#include "serve.h"
#include "app.h"
#include "cache.h"
#include "log.h"
#include "metrics.h"
#include "reply.h"
#include "route.h"

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
/* libmicrohttpd's memory pool per connection: the request line, the headers and the read
 * buffer must fit in it. 16 KiB holds a 2 KiB request target and the usual headers (a
 * browser sends ~1 KiB); a request whose headers do not fit gets libmicrohttpd's own 431
 * (or 414 for a request line that alone does not fit), with an HTML body we cannot change.
 * It is zeroed for every connection, so a larger pool costs every request (see bench/). */
#define SERVE_CONN_MEMORY (16 * 1024)

/* Per-request state, from the request line (on_uri) to the completion notice. */
typedef struct conn_ctx {
    request req;
    struct timespec start;
    size_t target_len;  /* bytes of the request target as sent (0: unknown) */
    int target_nul;     /* the target holds "%00" */
    char *body;
    size_t len, cap;
    int too_large;
} conn_ctx;

static double elapsed(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Appends an upload chunk; marks the request too large past max_body. */
static void body_append(conn_ctx *cx, const char *data, size_t size, size_t max_body)
{
    if (cx->too_large)
        return;
    if (cx->len + size > max_body) {
        cx->too_large = 1;
        return;
    }
    if (cx->len + size + 1 > cx->cap) {
        size_t ncap = cx->cap ? cx->cap : 4096;
        while (ncap < cx->len + size + 1)
            ncap *= 2;
        char *nb = realloc(cx->body, ncap);
        if (nb == NULL) {
            cx->too_large = 1;
            return;
        }
        cx->body = nb;
        cx->cap = ncap;
    }
    memcpy(cx->body + cx->len, data, size);
    cx->len += size;
    cx->body[cx->len] = '\0';
}

struct query_acc {
    char *parts[64];
    size_t n;
    int overflow;
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    struct query_acc *q = cls;
    if (q->n >= 64) {
        q->overflow = 1;
        return MHD_NO;
    }
    if (asprintf(&q->parts[q->n], "%s=%s", key, value ? value : "") < 0) {
        q->overflow = 1;
        return MHD_NO;
    }
    q->n++;
    return MHD_YES;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The normalised cache key of a GET: path, sorted query arguments, and the representation
 * the Accept header picks. NULL when the request is not worth caching. Caller frees. */
static char *cache_key_of(request *req)
{
    struct query_acc q = {.n = 0, .overflow = 0};
    char *key = NULL;
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, collect_arg, &q);
    if (q.overflow)
        goto cleanup;
    qsort(q.parts, q.n, sizeof q.parts[0], cmp_str);
    const char *accept = req_header(req, MHD_HTTP_HEADER_ACCEPT);
    int csv = accept && strcasestr(accept, "text/csv") != NULL; /* as param_wants_csv */
    size_t len = strlen(req->url) + 8;
    for (size_t i = 0; i < q.n; i++)
        len += strlen(q.parts[i]) + 1;
    key = malloc(len);
    if (key == NULL)
        goto cleanup;
    strcpy(key, req->url);
    for (size_t i = 0; i < q.n; i++) {
        strcat(key, i ? "&" : "?");
        strcat(key, q.parts[i]);
    }
    strcat(key, csv ? "|csv" : "|");
cleanup:
    for (size_t i = 0; i < q.n; i++)
        free(q.parts[i]);
    return key;
}

/* Serves a cacheable GET from the cache, or arranges for its answer to be stored. */
static enum MHD_Result dispatch_cached(request *req)
{
    app *a = req->app;
    req->cache_key = cache_key_of(req);
    if (req->cache_key) {
        stats_snapshot *s = app_snapshot(a);
        uint64_t version = s->version;
        stats_snapshot_unref(s);
        cache_entry *e = cache_get(a->cache, req->cache_key, version);
        if (e) {
            /* A hit is still routed (for metrics), without running the handler. */
            size_t n;
            const route *table = route_table(&n);
            for (size_t i = 0; i < n; i++)
                if (strcmp(table[i].method, "GET") == 0 &&
                    route_match(table[i].pattern, req->url, req->params, &req->n_params,
                                req->pbuf, sizeof req->pbuf)) {
                    req->route = &table[i];
                    break;
                }
            enum MHD_Result r = reply_entry(req, e);
            cache_entry_release(e);
            return r;
        }
        req->cache_version = version;
    }
    return route_dispatch(req);
}

/* MHD_OPTION_URI_LOG_CALLBACK: called once per request with the request target exactly as
 * sent (path, query, %-escapes), before the headers are read. Returns the request's state,
 * which libmicrohttpd passes to on_request as *con_cls and to on_completed (which frees
 * it), or NULL when memory is short (on_request then allocates it). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    conn_ctx *cx = calloc(1, sizeof *cx);
    if (cx == NULL)
        return NULL;
    clock_gettime(CLOCK_MONOTONIC, &cx->start);
    cx->target_len = strlen(uri);
    cx->target_nul = strstr(uri, "%00") != NULL;
    return cx;
}

static enum MHD_Result count_content_length(void *cls, enum MHD_ValueKind kind,
                                            const char *key, const char *value)
{
    (void)kind;
    (void)value;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
        (*(int *)cls)++;
    return MHD_YES;
}

/* The first call for a request (headers read, no body yet): sets up req. Answers at once,
 * before reading a body, 400 for framing that a proxy in front could read differently from
 * libmicrohttpd (request smuggling: two Content-Length headers, or one with
 * Transfer-Encoding) and for a Transfer-Encoding other than chunked (its body would be read
 * until the client closes); and 413 for a declared body over max_body when the client waits
 * for "100 Continue" (it has not sent the body yet). Otherwise returns MHD_YES to read the
 * body. */
static enum MHD_Result on_headers(app *a, conn_ctx *cx, struct MHD_Connection *conn,
                                  const char *url, const char *method)
{
    request *req = &cx->req;
    req->conn = conn;
    req->app = a;
    req->method = method;
    req->url = url;
    const char *cl = req_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *te = req_header(req, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    const char *expect = req_header(req, MHD_HTTP_HEADER_EXPECT);
    int n_cl = 0;
    if (cl && strtoull(cl, NULL, 10) > a->cfg->max_body)
        cx->too_large = 1;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, count_content_length, &n_cl);
    if (n_cl > 1 || (n_cl == 1 && te))
        return reply_problem(req, MHD_HTTP_BAD_REQUEST, "the body's length is ambiguous: send "
                             "one Content-Length, or Transfer-Encoding: chunked, not both");
    if (te && strcasecmp(te, "chunked") != 0)
        return reply_problem(req, MHD_HTTP_BAD_REQUEST, "Transfer-Encoding \"%.64s\" is not "
                             "supported: send the body with Content-Length or chunked", te);
    if (cx->too_large && expect && strcasecmp(expect, "100-continue") == 0)
        return reply_problem(req, MHD_HTTP_CONTENT_TOO_LARGE,
                             "the request body is larger than %zu bytes", a->cfg->max_body);
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)version;
    app *a = cls;
    conn_ctx *cx = *con_cls;
    if (cx == NULL || cx->req.conn == NULL) {
        if (cx == NULL) {
            if ((cx = calloc(1, sizeof *cx)) == NULL)
                return MHD_NO;
            clock_gettime(CLOCK_MONOTONIC, &cx->start);
            *con_cls = cx;
        }
        return on_headers(a, cx, conn, url, method);
    }
    if (*upload_size) {
        body_append(cx, upload_data, *upload_size, a->cfg->max_body);
        *upload_size = 0;
        return MHD_YES;
    }
    request *req = &cx->req;
    req->head = strcmp(method, "HEAD") == 0;
    req->body = cx->body;
    req->body_len = cx->len;
    if (cx->too_large)
        return reply_problem(req, MHD_HTTP_CONTENT_TOO_LARGE,
                             "the request body is larger than %zu bytes", a->cfg->max_body);
    if (cx->target_len > SERVE_MAX_URL || strlen(url) > SERVE_MAX_URL)
        return reply_problem(req, MHD_HTTP_URI_TOO_LONG, "the request target (path and query) "
                             "is longer than %d bytes", SERVE_MAX_URL);
    if (cx->target_nul)
        return reply_problem(req, MHD_HTTP_BAD_REQUEST, "the request target holds %%00 (a NUL "
                             "byte), which no path segment or parameter may contain");
    if ((strcmp(method, "GET") == 0 || req->head) && a->cache)
        return dispatch_cached(req);
    return route_dispatch(req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    app *a = cls;
    conn_ctx *cx = *con_cls;
    if (cx == NULL)
        return;
    if (cx->req.conn == NULL) { /* refused by libmicrohttpd before on_request (431, ...) */
        free(cx);
        *con_cls = NULL;
        return;
    }
    double secs = elapsed(&cx->start);
    request *req = &cx->req;
    metrics_observe(a->metrics, route_index(req), req->status, secs);
    if (log_access_enabled())
        log_event_new("request", json_pack("{s:s, s:s, s:i, s:I, s:f, s:b}",
            "method", req->method ? req->method : "", "path", req->url ? req->url : "",
            "status", (int)req->status, "bytes", (json_int_t)req->bytes,
            "duration_ms", secs * 1000.0, "completed", toe == MHD_REQUEST_TERMINATED_COMPLETED_OK));
    for (size_t i = 0; i < req->n_extra; i++)
        free(req->extra_value[i]);
    free(req->cache_key);
    free(cx->body);
    free(cx);
    *con_cls = NULL;
}

/* Opens the store and the first snapshot. Returns 0 or -1 (logged). */
static int open_data(app *a, const config *cfg)
{
    char err[768];
    struct stat sb;
    int exists = stat(cfg->db, &sb) == 0;
    /* SQLite takes an empty file for a new database: say so rather than serve nothing
     * silently from what may be a truncated file. */
    int empty = exists && S_ISREG(sb.st_mode) && sb.st_size == 0;
    if ((!exists || empty) && !cfg->create) {
        log_event_new("error", json_pack("{s:s, s:s}", "detail", empty
            ? "the database file is empty (create = false); restore it, run `attrition import`, "
              "or allow creation with --create"
            : "the database file does not exist (create = false); run `attrition import` first "
              "or allow creation with --create", "db", cfg->db));
        return -1;
    }
    int rc = store_open(cfg->db, STORE_OPEN_CREATE, &a->st, err, sizeof err);
    if (rc != STORE_OK) {
        log_event_new("error", json_pack("{s:s, s:s}", "detail", err, "db", cfg->db));
        return -1;
    }
    if (!exists || empty)
        log_event_new("database_created", json_pack("{s:s, s:b}", "db", cfg->db, "was_empty_file",
                                                     empty));
    if ((rc = app_snapshot_reload(a)) != STORE_OK) {
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
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    return MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, on_request, a,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->conn_limit,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->per_ip_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_CONN_MEMORY,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, a,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, a,
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

int serve_run(const config *cfg)
{
    int code = 1;
    struct MHD_Daemon *d = NULL;
    app a;
    memset(&a, 0, sizeof a);
    a.cfg = cfg;
    pthread_mutex_init(&a.snap_lock, NULL);
    log_set_access(cfg->access_log);
    log_event_new("start", json_pack("{s:s, s:s, s:i, s:i}", "db", cfg->db, "bind", cfg->bind,
                                     "port", cfg->port, "threads", cfg->threads));
    size_t n_routes;
    const route *table = route_table(&n_routes);
    const char **names = malloc((n_routes + 1) * sizeof *names); /* metrics_new copies them */
    if (names != NULL) {
        for (size_t i = 0; i < n_routes; i++)
            names[i] = table[i].pattern;
        names[n_routes] = "unmatched";
        a.metrics = metrics_new(names, n_routes + 1);
        free(names);
    }
    a.cache = cache_new(cfg->cache_bytes);
    if (a.metrics == NULL || a.cache == NULL || open_data(&a, cfg) != 0)
        goto cleanup;
    d = start_daemon(&a, cfg);
    if (d == NULL) {
        log_event_new("error", json_pack("{s:s, s:s, s:i, s:s}", "detail", "cannot listen",
                                         "bind", cfg->bind, "port", cfg->port, "reason", strerror(errno)));
        code = 2;
        goto cleanup;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    stats_snapshot *s = app_snapshot(&a);
    log_event_new("listening", json_pack("{s:s, s:i, s:I, s:I}", "bind", cfg->bind, "port",
                                         info ? (int)info->port : cfg->port, "reports",
                                         (json_int_t)s->n_rep, "data_version", (json_int_t)s->version));
    stats_snapshot_unref(s);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int sig = 0;
    sigwait(&set, &sig);
    a.draining = 1;
    log_event_new("stopping", json_pack("{s:s, s:i}", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                                        "drain_seconds", cfg->drain_seconds));
    MHD_quiesce_daemon(d);
    drain(d, cfg->drain_seconds);
    code = 0;
cleanup:
    if (d)
        MHD_stop_daemon(d);
    stats_snapshot_unref(a.snap);
    store_close(a.st);
    cache_free(a.cache);
    metrics_free(a.metrics);
    pthread_mutex_destroy(&a.snap_lock);
    log_event_new("stop", json_pack("{s:i}", "exit_code", code));
    return code;
}
