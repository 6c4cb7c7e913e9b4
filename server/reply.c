/* Replies: JSON, problem+json, raw bytes; the common headers (CORS, caching, ETag,
 * Last-Modified), conditional requests (304), gzip, and the response cache. */
#include "reply.h"
#include "cache.h"
#include "negotiate.h"
#include "route.h"
#include "attrition/date.h"
#include "attrition/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>

#define REPLY_GZIP_MIN 1024 /* smaller bodies gain too little from gzip */

void reply_add_header(request *req, const char *name, const char *value)
{
    if (req->n_extra >= 8)
        return;
    char *v = strdup(value);
    if (v == NULL)
        return;
    req->extra_name[req->n_extra] = name;
    req->extra_value[req->n_extra++] = v;
}

static const char *extra_header(const request *req, const char *name)
{
    for (size_t i = 0; i < req->n_extra; i++)
        if (strcasecmp(req->extra_name[i], name) == 0)
            return req->extra_value[i];
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
#define REPLY_GZ_SUFFIX "-gz"

/* The tag of the identity (gz 0) or gzip (gz 1) variant of an answer tagged etag, into out
 * (32 bytes). */
static const char *variant_etag(const char *etag, int gz, char out[32])
{
    size_t n = strlen(etag);
    if (!gz || n < 2 || n + 3 >= 32)
        snprintf(out, 32, "%s", etag);
    else
        snprintf(out, 32, "%.*s" REPLY_GZ_SUFFIX "\"", (int)(n - 1), etag);
    return out;
}

/* Does If-None-Match (a list of entity tags, or *) match an answer tagged etag? Weak
 * comparison (RFC 9110 §8.8.3.2, as §13.1.2 asks): a W/ prefix is ignored, and the tag of
 * either variant ("<hash>" or "<hash>-gz") matches, since both stand for the same content:
 * a client that cached the gzip answer may ask without gzip and still get its 304. */
static int etag_matches(const char *inm, const char *etag)
{
    size_t el = strlen(etag), sl = strlen(REPLY_GZ_SUFFIX);
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
            if (strncmp(q, REPLY_GZ_SUFFIX, sl) == 0)
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
    if (req->conn == NULL) /* a warming render (warm.c): the cache gets the gzip variant too */
        return len >= REPLY_GZIP_MIN ? NEGOTIATE_GZIP : NEGOTIATE_IDENTITY;
    return negotiate_request_encoding(req, len >= REPLY_GZIP_MIN);
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
    for (size_t i = 0; req && i < req->n_extra; i++)
        MHD_add_response_header(resp, req->extra_name[i], req->extra_value[i]);
    if (link)
        MHD_add_response_header(resp, "Link", link);
    return resp;
}

/* Queues a response with every common header. body is copied by libmicrohttpd. */
static enum MHD_Result queue(request *req, unsigned status, const char *ctype,
                             const char *body, size_t len, const char *etag,
                             const char *encoding, int64_t last_modified)
{
    if (req->conn == NULL) { /* a warming render (warm.c): the cache has it, nothing to send */
        req->status = status;
        req->bytes = len;
        return MHD_YES;
    }
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

enum MHD_Result reply_entry(request *req, const cache_entry *e)
{
    char tag[32];
    if (e->link && !extra_header(req, "Link"))
        reply_add_header(req, "Link", e->link);
    negotiate_coding coding = coding_for(req, e->len);
    if (not_modified(req, e->etag, e->last_modified)) /* the tag of the variant it would get */
        return queue(req, MHD_HTTP_NOT_MODIFIED, NULL, "", 0,
                     variant_etag(e->etag, coding == NEGOTIATE_GZIP, tag), NULL, e->last_modified);
    if (coding == NEGOTIATE_NONE)
        return reply_problem(req, MHD_HTTP_NOT_ACCEPTABLE, "Accept-Encoding: this answer is "
                             "offered as identity or gzip, and the request excludes both");
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
 * the headers reply_entry would send (Link last); borrowed from e. NULL on ENOMEM.
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

enum MHD_Result reply_cached(request *req, cache_entry *e)
{
    if (req->conn == NULL || req->n_extra != 0 || req->held != NULL)
        return reply_entry(req, e);
    negotiate_coding coding = coding_for(req, e->len);
    int gz = coding == NEGOTIATE_GZIP, which = 2 + gz;
    unsigned status = MHD_HTTP_NOT_MODIFIED;
    if (!not_modified(req, e->etag, e->last_modified)) {
        if (coding != NEGOTIATE_IDENTITY && (!gz || e->gz == NULL))
            return reply_entry(req, e); /* 406, or a gzip variant still to make */
        which = gz;
        status = MHD_HTTP_OK;
    }
    struct MHD_Response *resp = prebuilt(req->app->cfg, e, which);
    if (resp == NULL)
        return reply_entry(req, e);
    enum MHD_Result r = MHD_queue_response(req->conn, status, resp);
    if (r == MHD_YES) { /* it points at e's bytes: keep e until the request completes */
        cache_entry_hold(e);
        req->held = e;
    }
    req->status = status;
    req->bytes = req->head || which >= 2 ? 0 : which == 1 ? e->gz_len : e->len;
    return r;
}

/* The format= name of media type ctype: "csv", "json", or NULL (HTML, JavaScript, ...). */
static const char *format_name(const char *ctype)
{
    if (strncasecmp(ctype, "text/csv", 8) == 0)
        return "csv";
    size_t n = strcspn(ctype, ";");
    return n >= 4 && strncasecmp(ctype + n - 4, "json", 4) == 0 ? "json" : NULL;
}

int reply_acceptable(request *req, const char *ctype, enum MHD_Result *res)
{
    /* format= names the representation itself (param_wants_csv): it wins over Accept, and
     * must name the one this answer is. */
    const char *f = req_query(req, "format");
    if (f != NULL) {
        const char *mine = format_name(ctype);
        if (mine != NULL && strcmp(f, mine) == 0)
            return 0;
        int n = (int)strcspn(ctype, ";");
        *res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "format: \"%.32s\" is not offered by "
                             "%.200s, which is offered as %.*s only (%s%s)", f, req->url, n,
                             ctype, mine ? "format=" : "no format parameter", mine ? mine : "");
        return -1;
    }
    if (negotiate_request_media(req, &ctype, 1) == 0)
        return 0;
    *res = reply_problem(req, MHD_HTTP_NOT_ACCEPTABLE, "Accept: this resource is offered as "
                         "%.64s only, and the request's Accept does not take it", ctype);
    return -1;
}

/* A successful GET answer: ETag, conditional, gzip, cached when the route allows. Other
 * answers go out as they are. */
static enum MHD_Result reply_body(request *req, unsigned status, const char *ctype,
                                  const char *body, size_t len)
{
    int get = strcmp(req->method, "GET") == 0 || req->head;
    enum MHD_Result res = MHD_NO;
    if (!get || status != MHD_HTTP_OK)
        return queue(req, status, ctype, body, len, NULL, NULL, 0);
    if (reply_acceptable(req, ctype, &res) != 0)
        return res;
    cache_entry e;
    memset(&e, 0, sizeof e);
    etag_of(body, len, e.etag);
    snprintf(e.content_type, sizeof e.content_type, "%s", ctype);
    e.body = (char *)body;
    e.len = len;
    e.last_modified = req->last_modified;
    e.link = (char *)extra_header(req, "Link");
    /* Compressed only for a client that takes gzip: a cache entry made for another client
     * has no gzip variant until reply_entry adds it for the first client that takes gzip. */
    if (coding_for(req, len) == NEGOTIATE_GZIP && gzip_body(body, len, &e.gz, &e.gz_len) != 0)
        e.gz = NULL;
    /* Only routes whose answer depends on nothing but the URL and the data version. */
    if (req->cache_key && req->route && (req->route->flags & ROUTE_CACHEABLE))
        cache_put(req->app->cache, req->cache_key, req->cache_version, e.content_type, e.etag,
                  e.link, body, len, e.gz, e.gz_len, e.last_modified);
    e.link = NULL; /* already among the request's extra headers */
    enum MHD_Result r = reply_entry(req, &e);
    free(e.gz);
    return r;
}

enum MHD_Result reply_bytes(request *req, unsigned status, const char *content_type,
                            const char *data, size_t len)
{
    return reply_body(req, status, content_type, data, len);
}

enum MHD_Result reply_json(request *req, unsigned status, const json_t *body)
{
    char *s = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s == NULL)
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory rendering the answer");
    enum MHD_Result r = reply_body(req, status, "application/json; charset=utf-8", s, strlen(s));
    free(s);
    return r;
}

enum MHD_Result reply_json_new(request *req, unsigned status, json_t *body)
{
    if (body == NULL)
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory rendering the answer");
    enum MHD_Result r = reply_json(req, status, body);
    json_decref(body);
    return r;
}

static const char *status_title(unsigned status)
{
    const char *t = MHD_get_reason_phrase_for(status);
    return t && *t ? t : "Error";
}

/* Copies text into out (len bytes, NUL-terminated, truncated) with every byte that is not
 * part of valid UTF-8 written as the four characters \xHH, so that a detail quoting client
 * bytes ("%FF" in a path) still names them. */
static void utf8_escape(const char *text, char *out, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t o = 0, left = strlen(text);
    while (*s && o + 1 < len) {
        size_t n = text_utf8_decode(s, left, NULL);
        if (n == 0) {
            if (o + 5 > len)
                break;
            snprintf(out + o, 5, "\\x%02X", s[0]);
            o += 4;
            s++;
            left--;
        } else {
            if (o + n >= len)
                break;
            memcpy(out + o, s, n);
            o += n;
            s += n;
            left -= n;
        }
    }
    out[o] = '\0';
}

enum MHD_Result reply_problem(request *req, unsigned status, const char *fmt, ...)
{
    char text[512], detail[sizeof text * 4];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    /* Keep the detail valid UTF-8 JSON even if it quotes client bytes. */
    utf8_escape(text, detail, sizeof detail);
    json_t *p = json_pack("{s:s, s:s, s:i, s:s%}", "type", "about:blank", "title",
                          status_title(status), "status", (int)status, "detail", detail,
                          strlen(detail));
    if (p == NULL)
        p = json_pack("{s:s, s:s, s:i, s:s}", "type", "about:blank", "title",
                      status_title(status), "status", (int)status, "detail",
                      "the request could not be described (invalid text in it)");
    char *s = p ? json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    enum MHD_Result r = s ? queue(req, status, "application/problem+json", s, strlen(s), NULL,
                                  NULL, 0)
                          : MHD_NO;
    free(s);
    json_decref(p);
    return r;
}

enum MHD_Result reply_store_unavailable(request *req, const char *fmt, ...)
{
    char what[400], when[32] = "just now", retry[16];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    int64_t since = 0;
    struct tm tm;
    time_t t;
    if (!app_store_reachable(req->app, &since) && (t = (time_t)since) > 0 &&
        gmtime_r(&t, &tm) != NULL)
        strftime(when, sizeof when, "since %Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(retry, sizeof retry, "%d", REPLY_STORE_RETRY_SECONDS);
    reply_add_header(req, MHD_HTTP_HEADER_RETRY_AFTER, retry);
    return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "%s: the store (%s) is unreachable "
                         "(%s); reads still answer from the data loaded before; retry in %d s",
                         what, store_backend_name(req->app->cfg->db), when,
                         REPLY_STORE_RETRY_SECONDS);
}
