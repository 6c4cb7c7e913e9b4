/* The one response path: cache key, lookup, dispatch, store, the filters (Accept, 304,
 * gzip, common headers) and sending. */
#include "pipeline.h"
#include "cache.h"
#include "negotiate.h"
#include "reply.h"
#include "route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>

#define PIPELINE_GZIP_MIN 1024 /* smaller bodies gain too little from gzip */

/* The cache key of a cacheable GET (HEAD shares it: its answer is the GET's without the
 * body). Warming keys its answers with it too (pipeline_store).
 *
 * THE RULE: key = "GET" SP <representation> SP <request target exactly as sent>, where
 * <representation> is "json", "csv" or "none": what param_wants_csv negotiates from the
 * Accept field lines (negotiate.h; the raw Accept text never enters the key), and the
 * target is the raw bytes of path and query as on the request line: %-escapes still
 * encoded, parameters in their original order, repeated names included, so "a%26b=1" and
 * "a&b=1", "/x%3Fy" and "/x?y", "from=a&from=b" and "from=b&from=a" are four keys, not two.
 * The key is injective: the first two fields are tokens without spaces, and the target,
 * whatever bytes it holds, is the whole rest. It covers everything a cacheable handler
 * reads (ROUTE_CACHEABLE: method, path, query and data version, which the cache compares
 * itself) plus the representation. The content coding is not in the key: an entry holds
 * its identity body and its gzip variant, and send_cached (its prebuilt replies) or
 * send_entry picks one per request from Accept-Encoding; the media type is checked against
 * each request's Accept on a hit too (reply_acceptable; Accept is parsed once per request,
 * negotiate.c). Equal answers may get two keys ("?a=1&b=2" and "?b=2&a=1"): that costs a
 * second entry, never a wrong answer.
 *
 * The key is built into buf (len bytes) when it fits, else into a malloc'd buffer. NULL
 * when memory is short. */
static char *cache_key(request *req, const char *target, char *buf, size_t len)
{
    static const char *const rep_name[] = {"none", "json", "csv"};
    int pick = negotiate_request_media(req, negotiate_json_csv, 2);
    const char *rep = rep_name[pick + 1]; /* "GET <rep> <target>", built without printf */
    size_t rl = strlen(rep), tl = strlen(target);
    char *key = rl + tl + 6 <= len ? buf : malloc(rl + tl + 6);
    if (key == NULL)
        return NULL;
    memcpy(key, "GET ", 4);
    memcpy(key + 4, rep, rl);
    key[4 + rl] = ' ';
    memcpy(key + 5 + rl, target, tl + 1);
    return key;
}

char *pipeline_cache_key(request *req, const char *target)
{
    return cache_key(req, target, NULL, 0);
}

static const char *extra_header(const request *req, const char *name)
{
    const response *v = &req->resp;
    for (size_t i = 0; i < v->n_hdr; i++)
        if (strcasecmp(v->hdr_name[i], name) == 0)
            return v->hdr_value[i];
    return NULL;
}

/* The strong ETag of a body: a 64-bit FNV-style hash taken 8 bytes at a time (a shift after
 * each multiply brings high bits down), then the tail bytes and a final avalanche. A
 * byte-at-a-time FNV-1a was ~30% of rendering a big answer (perf, /v1/summary). */
static void etag_of(const char *body, size_t len, char out[24])
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)len, w;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        memcpy(&w, body + i, 8);
        h = (h ^ w) * 1099511628211ULL;
        h ^= h >> 29;
    }
    for (; i < len; i++)
        h = (h ^ (unsigned char)body[i]) * 1099511628211ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    snprintf(out, 24, "\"%016llx\"", (unsigned long long)h);
}

/* THE ETags of an answer (RFC 9110 §8.8.3): one strong tag per representation. The
 * identity body is tagged "<hash>" (etag_of, stored in the cache entry), its gzip variant
 * "<hash>-gz": distinct bytes, distinct tags, both under Vary: Accept-Encoding. */
#define PIPELINE_GZ_SUFFIX "-gz"

/* The tag of the identity (gz 0) or gzip (gz 1) variant of an answer tagged etag, into out
 * (32 bytes). */
static const char *variant_etag(const char *etag, int gz, char out[32])
{
    size_t n = strlen(etag);
    if (!gz || n < 2 || n + 3 >= 32)
        snprintf(out, 32, "%s", etag);
    else
        snprintf(out, 32, "%.*s" PIPELINE_GZ_SUFFIX "\"", (int)(n - 1), etag);
    return out;
}

/* Does If-None-Match (a list of entity tags, or *) match an answer tagged etag? Weak
 * comparison (RFC 9110 §8.8.3.2, as §13.1.2 asks): a W/ prefix is ignored, and the tag of
 * either variant ("<hash>" or "<hash>-gz") matches, since both stand for the same content:
 * a client that cached the gzip answer may ask without gzip and still get its 304. */
static int etag_matches(const char *inm, const char *etag)
{
    size_t el = strlen(etag), sl = strlen(PIPELINE_GZ_SUFFIX);
    if (el < 2)
        return 0;
    const char *p = inm;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '*')
            return 1;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        /* etag without its closing quote, then the quote, or the suffix and the quote */
        if (strncmp(p, etag, el - 1) == 0) {
            const char *q = p + el - 1;
            if (strncmp(q, PIPELINE_GZ_SUFFIX, sl) == 0)
                q += sl;
            if (*q == '"' && (q[1] == '\0' || q[1] == ',' || q[1] == ' ' || q[1] == '\t'))
                return 1;
        }
        while (*p && *p != ',')
            p++;
    }
    return 0;
}

/* An HTTP-date (RFC 9110 §5.6.7, IMF-fixdate; the obsolete forms are not read) as unix
 * seconds into *t. Returns 0, or -1 when v is not one. */
static int http_date_parse(const char *v, int64_t *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == NULL || *end != '\0')
        return -1;
    *t = (int64_t)timegm(&tm);
    return 0;
}

/* Is the client's copy of an answer (tag etag, Last-Modified last_modified, 0: none)
 * current, so that a 304 answers it? If-None-Match decides when present; without it,
 * If-Modified-Since at or after Last-Modified (RFC 9110 §13.1.3, §13.2.2), on routes whose
 * answer changes only with the data (ROUTE_CACHEABLE: /metrics changes while the data's
 * Last-Modified does not). */
static int not_modified(request *req, const char *etag, int64_t last_modified)
{
    const char *inm = req_header(req, MHD_HTTP_HEADER_IF_NONE_MATCH);
    if (inm != NULL)
        return etag_matches(inm, etag);
    const char *ims = req_header(req, MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
    int64_t since;
    return ims != NULL && last_modified > 0 && req->route != NULL &&
           (req->route->flags & ROUTE_CACHEABLE) && http_date_parse(ims, &since) == 0 &&
           last_modified <= since;
}

/* The content coding of an answer of len body bytes (RFC 9110 §12.5.3, negotiate.h). */
static negotiate_coding coding_for(request *req, size_t len)
{
    return negotiate_request_encoding(req, len >= PIPELINE_GZIP_MIN);
}

/* gzip of body into a malloc'd buffer (*out, caller frees). Returns 0 or -1. */
static int gzip_body(const char *body, size_t len, char **out, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t cap = deflateBound(&zs, len);
    char *buf = malloc(cap);
    int rc = -1;
    if (buf == NULL)
        goto cleanup;
    zs.next_in = (Bytef *)body;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)buf;
    zs.avail_out = (uInt)cap;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
        free(buf);
        goto cleanup;
    }
    *out = buf;
    *out_len = zs.total_out;
    rc = 0;
cleanup:
    deflateEnd(&zs);
    return rc;
}

static void http_date(int64_t t, char out[40])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* A response with every common header: req's added headers when req is set, then link as a
 * Link header when set. body is copied (MHD_RESPMEM_MUST_COPY) or borrowed for the
 * response's life (MHD_RESPMEM_PERSISTENT). NULL on ENOMEM; the caller destroys it. */
static struct MHD_Response *response_new(const config *cfg, const request *req,
                                         const char *ctype, const char *body, size_t len,
                                         const char *etag, const char *encoding,
                                         int64_t last_modified, const char *link,
                                         enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)body, mode);
    if (resp == NULL)
        return NULL;
    char buf[64];
    if (ctype)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(resp, "Access-Control-Allow-Origin", cfg->cors_origin);
    MHD_add_response_header(resp, "Access-Control-Expose-Headers", "ETag, Link, Last-Modified");
    if (etag) {
        snprintf(buf, sizeof buf, "public, max-age=%d", cfg->max_age);
        if (!req || !extra_header(req, MHD_HTTP_HEADER_CACHE_CONTROL)) /* a handler's own wins */
            MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, buf);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept, Accept-Encoding");
        if (last_modified > 0) {
            http_date(last_modified, buf);
            MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, buf);
        }
    } else if (!req || !extra_header(req, MHD_HTTP_HEADER_CACHE_CONTROL)) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    }
    if (encoding)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, encoding);
    for (size_t i = 0; req && i < req->resp.n_hdr; i++)
        MHD_add_response_header(resp, req->resp.hdr_name[i], req->resp.hdr_value[i]);
    if (link)
        MHD_add_response_header(resp, "Link", link);
    return resp;
}

/* Sends a response with every common header (body copied by libmicrohttpd); records the
 * status and size in req. */
static enum MHD_Result queue(request *req, unsigned status, const char *ctype,
                             const char *body, size_t len, const char *etag,
                             const char *encoding, int64_t last_modified)
{
    struct MHD_Response *resp = response_new(req->app->cfg, req, ctype, body, len, etag,
                                             encoding, last_modified, NULL,
                                             MHD_RESPMEM_MUST_COPY);
    if (resp == NULL)
        return MHD_NO;
    enum MHD_Result r = MHD_queue_response(req->conn, status, resp);
    MHD_destroy_response(resp);
    req->status = status;
    req->bytes = req->head ? 0 : len;
    return r;
}

/* Sends an answer (a cached entry or a value made into one, e): 304 when the client's
 * copy is current; gzip or identity as Accept-Encoding says, 406 when it excludes both. */
static enum MHD_Result send_entry(request *req, const cache_entry *e)
{
    char tag[32];
    if (e->link && !extra_header(req, "Link"))
        reply_add_header(req, "Link", e->link);
    negotiate_coding coding = coding_for(req, e->len);
    if (not_modified(req, e->etag, e->last_modified)) /* the tag of the variant it would get */
        return queue(req, MHD_HTTP_NOT_MODIFIED, NULL, "", 0,
                     variant_etag(e->etag, coding == NEGOTIATE_GZIP, tag), NULL, e->last_modified);
    if (coding == NEGOTIATE_NONE)
        return pipeline_send(req, reply_problem(req, MHD_HTTP_NOT_ACCEPTABLE, "Accept-Encoding: "
                             "this answer is offered as identity or gzip, and the request "
                             "excludes both"));
    if (coding == NEGOTIATE_IDENTITY)
        return queue(req, MHD_HTTP_OK, e->content_type, e->body, e->len, e->etag, NULL,
                     e->last_modified);
    variant_etag(e->etag, 1, tag);
    if (e->gz)
        return queue(req, MHD_HTTP_OK, e->content_type, e->gz, e->gz_len, tag, "gzip",
                     e->last_modified);
    /* A cached answer first made for a client without gzip: compress it now, and put it
     * back with its gzip variant for the next clients. */
    char *gz = NULL;
    size_t gz_len = 0;
    if (gzip_body(e->body, e->len, &gz, &gz_len) != 0)
        return queue(req, MHD_HTTP_OK, e->content_type, e->body, e->len, e->etag, NULL,
                     e->last_modified);
    if (e->key)
        cache_put(req->app->cache, e->key, e->version, e->content_type, e->etag, e->link,
                  e->body, e->len, gz, gz_len, e->last_modified);
    enum MHD_Result r = queue(req, MHD_HTTP_OK, e->content_type, gz, gz_len, tag, "gzip",
                              e->last_modified);
    free(gz);
    return r;
}

/* Entry e's prebuilt reply `which` (0: 200 identity, 1: 200 gzip, 2: 304 of the identity
 * variant, 3: 304 of the gzip variant: which & 1 is the variant), built on first use with
 * the headers send_entry would send (Link last); borrowed from e. NULL on ENOMEM.
 * Two threads may build it at once: the first stored wins, the other is destroyed. */
static struct MHD_Response *prebuilt(const config *cfg, cache_entry *e, int which)
{
    struct MHD_Response *r = __atomic_load_n(&e->reply[which], __ATOMIC_ACQUIRE);
    if (r != NULL)
        return r;
    char tag[32];
    const char *ctype = which >= 2 ? NULL : e->content_type;
    const char *body = which == 0 ? e->body : which == 1 ? e->gz : "";
    size_t len = which == 0 ? e->len : which == 1 ? e->gz_len : 0;
    r = response_new(cfg, NULL, ctype, body, len, variant_etag(e->etag, which & 1, tag),
                     which == 1 ? "gzip" : NULL, e->last_modified, e->link,
                     MHD_RESPMEM_PERSISTENT);
    if (r == NULL)
        return NULL;
    struct MHD_Response *seen = NULL;
    if (!__atomic_compare_exchange_n(&e->reply[which], &seen, r, 0, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        MHD_destroy_response(r);
        return seen;
    }
    return r;
}

/* send_entry for an entry the cache owns (from cache_get): the same answer, sent from a
 * reply built once per entry and variant (no copy of the body or headers per request);
 * takes a reference to e that is released with the request's state (req->held). */
static enum MHD_Result send_cached(request *req, cache_entry *e)
{
    if (req->resp.n_hdr != 0 || req->held != NULL)
        return send_entry(req, e);
    negotiate_coding coding = coding_for(req, e->len);
    int gz = coding == NEGOTIATE_GZIP, which = 2 + gz;
    unsigned status = MHD_HTTP_NOT_MODIFIED;
    if (!not_modified(req, e->etag, e->last_modified)) {
        if (coding != NEGOTIATE_IDENTITY && (!gz || e->gz == NULL))
            return send_entry(req, e); /* 406, or a gzip variant still to make */
        which = gz;
        status = MHD_HTTP_OK;
    }
    struct MHD_Response *resp = prebuilt(req->app->cfg, e, which);
    if (resp == NULL)
        return send_entry(req, e);
    enum MHD_Result r = MHD_queue_response(req->conn, status, resp);
    if (r == MHD_YES) { /* it points at e's bytes: keep e until the request completes */
        cache_entry_hold(e);
        req->held = e;
    }
    req->status = status;
    req->bytes = req->head || which >= 2 ? 0 : which == 1 ? e->gz_len : e->len;
    return r;
}

static int is_get(const request *req)
{
    return req->head || strcmp(req->method, "GET") == 0;
}

/* Makes req's answer, a 200 to a GET, into e (borrowing its body; ETag, Last-Modified,
 * Link, and the gzip variant, owned by the caller (free with entry_done), when the
 * request takes gzip), and
 * stores it in the cache under key when key is set and the route is ROUTE_CACHEABLE.
 * Returns 0; 1 when the answer is not such a 200; -1 when its media type is not acceptable
 * (then the 406 or 400 is built in req->resp; *res is its result). */
static int value_entry(request *req, const char *key, cache_entry *e, enum MHD_Result *res)
{
    response *v = &req->resp;
    if (v->status != MHD_HTTP_OK || v->taken || !is_get(req) || v->media_type == NULL)
        return 1;
    if (reply_acceptable(req, v->media_type, res) != 0)
        return -1;
    memset(e, 0, sizeof *e);
    if (v->etag)
        snprintf(e->etag, sizeof e->etag, "%s", v->etag);
    else
        etag_of(v->body, v->len, e->etag);
    snprintf(e->content_type, sizeof e->content_type, "%s", v->media_type);
    e->body = v->body;
    e->len = v->len;
    e->version = v->version;
    e->last_modified = v->last_modified;
    e->link = (char *)extra_header(req, "Link");
    /* Compressed only for a client that takes gzip: a cache entry made for another client
     * has no gzip variant until send_entry adds it for the first client that takes gzip. */
    if (v->gz == NULL && coding_for(req, v->len) == NEGOTIATE_GZIP &&
        gzip_body(v->body, v->len, &e->gz, &e->gz_len) != 0)
        e->gz = NULL;
    /* Only routes whose answer depends on nothing but the URL and the data version. */
    if (key && req->route && (req->route->flags & ROUTE_CACHEABLE))
        cache_put(req->app->cache, key, e->version, e->content_type, e->etag, e->link,
                  e->body, e->len, e->gz, e->gz_len, e->last_modified);
    return 0;
}

/* Frees what value_entry made for e (its gzip variant, unless the answer's own). */
static void entry_done(const request *req, cache_entry *e)
{
    if (req->resp.gz == NULL)
        free(e->gz);
}

/* The handler's answer in req->resp (r: its result), stored under key when cacheable, then
 * filtered and sent. */
static enum MHD_Result finish(request *req, const char *key, enum MHD_Result r)
{
    response *v = &req->resp;
    if (r == MHD_NO || v->taken || v->status == 0)
        return r;
    cache_entry e;
    enum MHD_Result res = MHD_NO;
    int rc = value_entry(req, key, &e, &res);
    if (rc < 0)
        return pipeline_send(req, res); /* not acceptable: its 406 or 400 */
    if (rc > 0)
        return queue(req, v->status, v->media_type, v->body, v->len, NULL, NULL, 0);
    e.link = NULL; /* already among the answer's headers */
    res = send_entry(req, &e);
    entry_done(req, &e);
    return res;
}

enum MHD_Result pipeline_send(request *req, enum MHD_Result r)
{
    return finish(req, NULL, r);
}

enum MHD_Result pipeline_serve(request *req, const char *target)
{
    app *a = req->app;
    if (!req->routed)
        route_find(req);
    const route *r = req->route;
    char *key = NULL, buf[512];
    if (!is_get(req) || a->cache == NULL || r == NULL || !(r->flags & ROUTE_CACHEABLE) ||
        target == NULL || (key = cache_key(req, target, buf, sizeof buf)) == NULL)
        return finish(req, NULL, route_dispatch(req));
    uint64_t version = app_version(a);
    enum MHD_Result res = MHD_NO;
    cache_entry *e = cache_get(a->cache, key, version);
    if (e != NULL) { /* a hit: the handler does not run */
        if (reply_acceptable(req, e->content_type, &res) == 0)
            res = send_cached(req, e);
        else
            res = pipeline_send(req, res); /* its 406 or 400 */
        cache_entry_release(e);
    } else {
        req->resp.version = version; /* unless the handler reads a snapshot (req_snapshot) */
        res = finish(req, key, route_dispatch(req));
    }
    if (key != buf)
        free(key);
    return res;
}

int pipeline_store(request *req, const char *target)
{
    char *key = pipeline_cache_key(req, target);
    if (key == NULL)
        return 0;
    if (req->snap)
        req->resp.version = req->snap->version;
    route_dispatch(req);
    cache_entry e;
    enum MHD_Result res = MHD_NO;
    int stored = req->route && (req->route->flags & ROUTE_CACHEABLE) &&
                 value_entry(req, key, &e, &res) == 0;
    if (stored)
        entry_done(req, &e);
    free(key);
    return stored;
}
