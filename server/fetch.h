#ifndef ATTRITION_FETCH_H
#define ATTRITION_FETCH_H

#include <stddef.h>

/* Outgoing HTTP GETs for `attrition sync`, with libcurl: TLS verified (system CA store),
 * conditional requests (If-None-Match / If-Modified-Since), a whole-transfer timeout, a
 * body size limit, at most max_redirects redirects (http and https only), retries with
 * doubling backoff on 5xx answers and network errors, the standard proxy variables
 * (http_proxy, https_proxy, no_proxy: libcurl reads them), and the User-Agent
 * "attrition/<version>". Call curl_global_init once in main before any thread starts. */

typedef struct fetch_opts {
    long timeout_s;          /* whole transfer, per attempt */
    size_t max_bytes;        /* larger bodies fail */
    long max_redirects;
    int retries;             /* extra attempts after a 5xx or a network error */
    long backoff_ms;         /* wait before the first retry; doubles */
    volatile int *cancel;    /* when non-NULL and set, transfers and waits stop early */
    int json_guard;          /* 1: the body is pre-scanned as it arrives (json_guard.h) and
                              * the transfer fails, not retried, as soon as it holds more
                              * JSON values or depth than any real file: a decompression
                              * bomb costs a few MB, never its inflated size */
} fetch_opts;

typedef struct fetch_result {
    long status;             /* HTTP status of the last answer, 0 when none came */
    int not_modified;        /* 1: 304, the stored validators still hold */
    char *body;              /* owned (fetch_result_free), NUL-terminated; a 200's body */
    size_t len;
    char etag[256];          /* validators of the answer ("" when absent or too long) */
    char last_modified[64];
    char content_type[128];
    int attempts;            /* requests sent */
    char error[512];         /* why, when fetch_get returned -1 */
} fetch_result;

/* GETs url, conditionally when etag or last_modified is non-empty (either may be NULL).
 * Returns 0 for a 200 (body set) or a 304 (not_modified set, no body), or -1 with
 * out->error naming what failed (status, timeout, size, redirects, network). out is
 * always initialised; free it with fetch_result_free either way. */
int fetch_get(const char *url, const char *etag, const char *last_modified,
              const fetch_opts *opts, fetch_result *out);

void fetch_result_free(fetch_result *r);

/* "attrition/<version>". */
const char *fetch_user_agent(void);

#endif
