/* Cache warming: GETs run through the pipeline against a new snapshot before it is installed. */
#include "warm.h"
#include "log.h"
#include "pipeline.h"
#include "attrition/date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define WARM_MAX_PAIRS 8
#define WARM_URL_MAX 256

/* The fixed answers (never one whose handler reads the store, such as /v1/deployments or
 * /api/v2/statistics/latest, which needs the reports' source URLs: warming reads only the
 * snapshot, and compat_sources_get declines a warming render); then one
 * /v1/records/{cat}?limit=10 per category; then the dashboard's answers that depend on the
 * latest date (warm_url). */
static const char *const warm_fixed[] = {
    "/v1/categories", "/v1/daily/latest", "/v1/cumulative/latest", "/v1/records",
    "/v1/summary?group=month", "/v1/summary?group=year",
    "/v1/daily?category=personnel", "/v1/daily", "/v1/cumulative",
};
#define WARM_N_FIXED (sizeof warm_fixed / sizeof warm_fixed[0])
#define WARM_N_DATED 3

size_t warm_count(const stats_snapshot *s)
{
    return s->n_rep == 0 ? 0 : WARM_N_FIXED + s->n_cat + WARM_N_DATED;
}

int warm_url(const stats_snapshot *s, size_t i, char *out, size_t len)
{
    if (i >= warm_count(s))
        return -1;
    if (i < WARM_N_FIXED) {
        snprintf(out, len, "%s", warm_fixed[i]);
        return 0;
    }
    i -= WARM_N_FIXED;
    if (i < s->n_cat) {
        snprintf(out, len, "/v1/records/%s?limit=10", s->cats[i].id);
        return 0;
    }
    i -= s->n_cat;
    /* The dashboard (web/app.js): this week's summary (Monday to the latest report) and the
     * week before it, and the rank of the latest day since 2022-04-01. */
    int latest = s->dates[s->n_rep - 1];
    int monday = latest - (date_weekday(latest) - 1);
    int days = latest - monday + 1;
    char a[DATE_STR_LEN], b[DATE_STR_LEN];
    if (i == 0)
        snprintf(out, len, "/v1/summary?from=%s&to=%s", date_format(monday, a),
                 date_format(latest, b));
    else if (i == 1)
        snprintf(out, len, "/v1/summary?from=%s&to=%s", date_format(monday - days, a),
                 date_format(monday - 1, b));
    else
        snprintf(out, len, "/v1/records/personnel/%s?from=2022-04-01", date_format(latest, a));
    return 0;
}

/* Splits url ("path?a=b&c=d", no %-escapes) in place into its path and a NULL-terminated
 * name, value list in pairs. */
static void split_url(char *url, const char *pairs[2 * WARM_MAX_PAIRS + 1])
{
    size_t n = 0;
    char *q = strchr(url, '?');
    if (q) {
        *q++ = '\0';
        for (char *save = NULL, *p = strtok_r(q, "&", &save); p && n < WARM_MAX_PAIRS;
             p = strtok_r(NULL, "&", &save)) {
            char *eq = strchr(p, '=');
            if (eq)
                *eq++ = '\0';
            pairs[2 * n] = p;
            pairs[2 * n + 1] = eq ? eq : "";
            n++;
        }
    }
    pairs[2 * n] = NULL;
}

/* Warming's input (request.h), the one place a request without a connection reads from:
 * the query is the NULL-terminated name, value, ... list in_ctx (values as decoded), the
 * only header is Accept-Encoding: gzip (the cache gets the gzip variant too). */
static const char *warm_value(const request *req, enum MHD_ValueKind kind, const char *name)
{
    if (kind == MHD_HEADER_KIND)
        return strcasecmp(name, MHD_HTTP_HEADER_ACCEPT_ENCODING) == 0 ? "gzip" : NULL;
    for (const char *const *q = req->in_ctx; q[0]; q += 2)
        if (strcmp(q[0], name) == 0)
            return q[1];
    return NULL;
}

static void warm_each(const request *req, enum MHD_ValueKind kind, MHD_KeyValueIterator it,
                      void *cls)
{
    if (kind == MHD_HEADER_KIND) {
        it(cls, kind, MHD_HTTP_HEADER_ACCEPT_ENCODING, "gzip");
        return;
    }
    for (const char *const *q = req->in_ctx; q[0]; q += 2)
        if (it(cls, kind, q[0], q[1]) != MHD_YES)
            return;
}

static const request_input warm_input = {warm_value, warm_each};

/* One GET of url against s, through the pipeline into the cache. Returns 1 when a 200
 * answer was stored, else 0. */
static int warm_one(app *a, stats_snapshot *s, const char *url)
{
    char buf[WARM_URL_MAX];
    const char *pairs[2 * WARM_MAX_PAIRS + 1];
    snprintf(buf, sizeof buf, "%s", url);
    split_url(buf, pairs);
    request req;
    memset(&req, 0, sizeof req);
    req_init(&req, a, &warm_input, pairs, "GET", buf);
    req.snap = s;
    /* The warmed URLs need no %-escapes: url is the request target a client sends. */
    int stored = pipeline_store(&req, url);
    req_release(&req);
    return stored;
}

size_t warm_snapshot(app *a, stats_snapshot *s)
{
    char url[WARM_URL_MAX];
    size_t stored = 0;
    struct timespec t0, t1;
    if (a->cache == NULL || s == NULL || a->cfg == NULL || a->cfg->cache_bytes == 0)
        return 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; warm_url(s, i, url, sizeof url) == 0; i++)
        stored += (size_t)warm_one(a, s, url);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    json_int_t us = (json_int_t)(t1.tv_sec - t0.tv_sec) * 1000000 +
                    (json_int_t)(t1.tv_nsec - t0.tv_nsec) / 1000;
    log_event_new("cache_warmed", json_pack("{s:I, s:i, s:i, s:I}", "data_version",
                                            (json_int_t)s->version, "answers", (int)stored,
                                            "tried", (int)warm_count(s), "us", us));
    return stored;
}
