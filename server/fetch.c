/* Outgoing HTTP with libcurl. See fetch.h. */
#include "fetch.h"
#include "bytes.h"

#include "attrition/json_guard.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#ifndef ATTRITION_VERSION
#define ATTRITION_VERSION "0"
#endif

const char *fetch_user_agent(void)
{
    return "attrition/" ATTRITION_VERSION;
}

/* One transfer's state for the callbacks. */
typedef struct xfer {
    fetch_result *out;
    size_t cap;
    size_t max_bytes;
    int too_large;
    volatile int *cancel;
    int guarded;         /* scan the body with guard */
    json_guard guard;
    int too_complex;     /* the guard refused the body */
} xfer;

static size_t on_body(char *ptr, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    fetch_result *r = x->out;
    size_t add = size * n;
    if (r->len + add > x->max_bytes) {
        x->too_large = 1;
        return 0;
    }
    if (x->guarded && json_guard_feed(&x->guard, ptr, add) != 0) {
        x->too_complex = 1;
        return 0;
    }
    if (bytes_room(&r->body, &x->cap, r->len + add + 1) != 0)
        return 0;
    memcpy(r->body + r->len, ptr, add);
    r->len += add;
    r->body[r->len] = '\0';
    return add;
}

/* Copies the value of header line (name: value\r\n) into out when it is name. */
static void header_value(const char *line, size_t len, const char *name, char *out,
                         size_t outlen)
{
    size_t nl = strlen(name);
    if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return;
    const char *v = line + nl + 1;
    const char *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    size_t vl = (size_t)(end - v);
    if (vl < outlen) {
        memcpy(out, v, vl);
        out[vl] = '\0';
    }
}

static size_t on_header(char *ptr, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    fetch_result *r = x->out;
    size_t len = size * n;
    if (len >= 5 && strncmp(ptr, "HTTP/", 5) == 0) /* a new answer (after a redirect) */
        r->etag[0] = r->last_modified[0] = r->content_type[0] = '\0';
    header_value(ptr, len, "ETag", r->etag, sizeof r->etag);
    header_value(ptr, len, "Last-Modified", r->last_modified, sizeof r->last_modified);
    header_value(ptr, len, "Content-Type", r->content_type, sizeof r->content_type);
    return len;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    xfer *x = ud;
    return x->cancel && *x->cancel;
}

/* Sleeps ms milliseconds in slices, returning early once *cancel is set. */
static void backoff(long ms, volatile int *cancel)
{
    while (ms > 0 && !(cancel && *cancel)) {
        long step = ms < 50 ? ms : 50;
        struct timespec ts = {0, step * 1000L * 1000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

/* One attempt. Returns the curl code; fills out (status, body, validators). */
static CURLcode attempt(CURL *c, const char *url, struct curl_slist *hdrs,
                        const fetch_opts *o, xfer *x)
{
    fetch_result *r = x->out;
    free(r->body);
    r->body = NULL;
    r->len = 0;
    r->status = 0;
    x->cap = 0;
    x->too_large = 0;
    x->too_complex = 0;
    json_guard_init(&x->guard);
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_USERAGENT, fetch_user_agent());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, o->max_redirects);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, o->timeout_s);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->timeout_s);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
    CURLcode cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    return cc;
}

/* Is this failure worth another attempt (network trouble or a 5xx)? */
static int retryable(CURLcode cc, long status, const xfer *x)
{
    if (x->too_large || x->too_complex || (x->cancel && *x->cancel))
        return 0;
    switch (cc) {
    case CURLE_OK:
        return status >= 500;
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return 1;
    default:
        return 0;
    }
}

/* Sets out->error for a failed last attempt. */
static void describe(CURLcode cc, const xfer *x, const fetch_opts *o, fetch_result *out)
{
    char why[128];
    if (x->too_complex)
        snprintf(out->error, sizeof out->error, "the answer was refused after %zu bytes: %s",
                 out->len, json_guard_why(&x->guard, why, sizeof why));
    else if (x->too_large || cc == CURLE_FILESIZE_EXCEEDED)
        snprintf(out->error, sizeof out->error, "the answer is larger than %zu bytes",
                 o->max_bytes);
    else if (cc == CURLE_OPERATION_TIMEDOUT)
        snprintf(out->error, sizeof out->error, "no complete answer within %ld s (timeout)",
                 o->timeout_s);
    else if (cc == CURLE_TOO_MANY_REDIRECTS)
        snprintf(out->error, sizeof out->error, "more than %ld redirects", o->max_redirects);
    else if (cc == CURLE_ABORTED_BY_CALLBACK)
        snprintf(out->error, sizeof out->error, "cancelled (shutting down)");
    else if (cc != CURLE_OK)
        snprintf(out->error, sizeof out->error, "%s", curl_easy_strerror(cc));
    else
        snprintf(out->error, sizeof out->error, "HTTP status %ld", out->status);
    if (out->attempts > 1) {
        size_t l = strlen(out->error);
        snprintf(out->error + l, sizeof out->error - l, " (after %d attempts)", out->attempts);
    }
}

int fetch_get(const char *url, const char *etag, const char *last_modified,
              const fetch_opts *opts, fetch_result *out)
{
    int rc = -1;
    char line[400];
    struct curl_slist *hdrs = NULL, *more;
    xfer x = {.out = out, .max_bytes = opts->max_bytes, .cancel = opts->cancel,
              .guarded = opts->json_guard};
    memset(out, 0, sizeof *out);
    CURL *c = curl_easy_init();
    if (c == NULL) {
        snprintf(out->error, sizeof out->error, "cannot start libcurl");
        return -1;
    }
    if (etag && *etag) {
        snprintf(line, sizeof line, "If-None-Match: %s", etag);
        if ((more = curl_slist_append(hdrs, line)) != NULL)
            hdrs = more;
    }
    if (last_modified && *last_modified) {
        snprintf(line, sizeof line, "If-Modified-Since: %s", last_modified);
        if ((more = curl_slist_append(hdrs, line)) != NULL)
            hdrs = more;
    }
    long wait = opts->backoff_ms;
    CURLcode cc;
    for (;;) {
        out->attempts++;
        cc = attempt(c, url, hdrs, opts, &x);
        if (!retryable(cc, out->status, &x) || out->attempts > opts->retries)
            break;
        backoff(wait, opts->cancel);
        wait *= 2;
        if (opts->cancel && *opts->cancel)
            break;
    }
    if (cc == CURLE_OK && out->status == 304) {
        out->not_modified = 1;
        free(out->body);
        out->body = NULL;
        out->len = 0;
        rc = 0;
    } else if (cc == CURLE_OK && out->status == 200) {
        if (out->body == NULL && (out->body = strdup("")) == NULL)
            snprintf(out->error, sizeof out->error, "out of memory");
        else
            rc = 0;
    } else {
        describe(cc, &x, opts, out);
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    return rc;
}

void fetch_result_free(fetch_result *r)
{
    free(r->body);
    r->body = NULL;
    r->len = 0;
}
