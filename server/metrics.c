/* Prometheus metrics: lock-free counters and histograms, text exposition format 0.0.4.
 * See metrics.h for the contract. */
#include "metrics.h"
#include "cache.h"
#include "log.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Status slots per route: one per code 100..599, then one for everything else. */
#define METRICS_STATUS_MIN 100u
#define METRICS_STATUS_MAX 599u
#define METRICS_STATUS_OTHER (METRICS_STATUS_MAX - METRICS_STATUS_MIN + 1u)
#define METRICS_STATUS_SLOTS (METRICS_STATUS_OTHER + 1u)

/* Histogram upper bounds in seconds; the last bucket, +Inf, has no entry here. */
static const double metrics_bounds[] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
};
#define METRICS_N_BOUNDS (sizeof metrics_bounds / sizeof metrics_bounds[0])
#define METRICS_N_BUCKETS (METRICS_N_BOUNDS + 1u)
/* The le="..." label of each bucket, matching metrics_bounds, then +Inf. */
static const char *const metrics_le[METRICS_N_BUCKETS] = {
    "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
    "0.25", "0.5", "1", "+Inf",
};

/* Longest duration added to _sum by one observation (keeps the nanosecond sum far from
 * overflow: 2^64 ns is ~584 years). */
#define METRICS_MAX_SECONDS 1e6

/* One route's counters. 64-bit atomics are lock-free on the platforms we build for
 * (x86-64, aarch64). Buckets are stored non-cumulatively; render accumulates them. */
typedef struct metrics_route {
    char *label;                               /* owned; already escaped for a label value */
    atomic_ullong status[METRICS_STATUS_SLOTS]; /* requests by status slot */
    atomic_ullong bucket[METRICS_N_BUCKETS];   /* requests by duration bucket */
    atomic_ullong sum_ns;                      /* total duration in nanoseconds */
} metrics_route;

struct metrics {
    size_t n_routes;
    metrics_route *routes;     /* owned array of n_routes */
    double start_time;         /* Unix seconds at metrics_new */
    struct cache *cache;       /* borrowed (metrics_set_cache), or NULL */
};

/* Output buffer for render. After the first allocation failure every append is a no-op and
 * failed stays 1, so callers check once at the end. */
typedef struct metrics_buf {
    char *data;                /* owned; NUL-terminated while !failed */
    size_t len;
    size_t cap;
    int failed;
} metrics_buf;

/* Returns a malloc'd copy of s with backslash, double quote and newline escaped as the
 * exposition format requires of label values, or NULL on ENOMEM. Caller frees. */
static char *metrics_escape_label(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(2 * n + 1);
    if (!out)
        return NULL;
    char *p = out;
    for (; *s; s++) {
        if (*s == '\\' || *s == '"') {
            *p++ = '\\';
            *p++ = *s;
        } else if (*s == '\n') {
            *p++ = '\\';
            *p++ = 'n';
        } else {
            *p++ = *s;
        }
    }
    *p = '\0';
    return out;
}

static double metrics_now_unix(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
        time_t now = time(NULL);
        return (double)now;
    }
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct metrics *metrics_new(const char *const *routes, size_t n_routes)
{
    struct metrics *m = NULL;
    struct metrics *result = NULL;

    if (!routes || n_routes == 0) {
        errno = EINVAL;
        goto cleanup;
    }
    for (size_t i = 0; i < n_routes; i++) {
        if (!routes[i]) {
            errno = EINVAL;
            goto cleanup;
        }
    }
    m = calloc(1, sizeof *m);
    if (!m)
        goto cleanup;
    m->routes = calloc(n_routes, sizeof *m->routes);
    if (!m->routes)
        goto cleanup;
    m->n_routes = n_routes;
    for (size_t i = 0; i < n_routes; i++) {
        metrics_route *rt = &m->routes[i];
        for (size_t s = 0; s < METRICS_STATUS_SLOTS; s++)
            atomic_init(&rt->status[s], 0);
        for (size_t b = 0; b < METRICS_N_BUCKETS; b++)
            atomic_init(&rt->bucket[b], 0);
        atomic_init(&rt->sum_ns, 0);
        rt->label = metrics_escape_label(routes[i]);
        if (!rt->label)
            goto cleanup;
    }
    m->start_time = metrics_now_unix();
    result = m;
    m = NULL;

cleanup:
    metrics_free(m);
    return result;
}

void metrics_free(struct metrics *m)
{
    if (!m)
        return;
    if (m->routes) {
        for (size_t i = 0; i < m->n_routes; i++)
            free(m->routes[i].label);
        free(m->routes);
    }
    free(m);
}

void metrics_observe(struct metrics *m, size_t r, unsigned status, double seconds)
{
    if (!m)
        return;
    metrics_route *rt = &m->routes[r < m->n_routes ? r : m->n_routes - 1];

    size_t slot = (status >= METRICS_STATUS_MIN && status <= METRICS_STATUS_MAX)
                      ? status - METRICS_STATUS_MIN
                      : METRICS_STATUS_OTHER;
    atomic_fetch_add_explicit(&rt->status[slot], 1, memory_order_relaxed);

    if (!(seconds >= 0.0)) /* negative or NaN */
        seconds = 0.0;
    size_t b = 0;
    while (b < METRICS_N_BOUNDS && !(seconds <= metrics_bounds[b]))
        b++;
    atomic_fetch_add_explicit(&rt->bucket[b], 1, memory_order_relaxed);

    if (seconds > METRICS_MAX_SECONDS)
        seconds = METRICS_MAX_SECONDS;
    unsigned long long ns = (unsigned long long)llround(seconds * 1e9);
    atomic_fetch_add_explicit(&rt->sum_ns, ns, memory_order_relaxed);
}

/* Appends printf output to buf; on ENOMEM marks buf failed. */
static void metrics_buf_printf(metrics_buf *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void metrics_buf_printf(metrics_buf *buf, const char *fmt, ...)
{
    if (buf->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(buf->data + buf->len, buf->cap - buf->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            buf->failed = 1;
            return;
        }
        if ((size_t)n < buf->cap - buf->len) {
            buf->len += (size_t)n;
            return;
        }
        size_t cap = buf->cap * 2;
        if (cap < buf->len + (size_t)n + 1)
            cap = buf->len + (size_t)n + 1;
        char *data = realloc(buf->data, cap);
        if (!data) {
            buf->failed = 1;
            return;
        }
        buf->data = data;
        buf->cap = cap;
    }
}

/* Formats v as a Prometheus sample value into out (at least 32 bytes): NaN, +Inf, -Inf, or
 * the shortest of %.15g / %.17g that reads back as v. Needs the "C" LC_NUMERIC (the
 * server never calls setlocale). */
static void metrics_format_double(char *out, size_t size, double v)
{
    if (isnan(v)) {
        snprintf(out, size, "NaN");
    } else if (isinf(v)) {
        snprintf(out, size, v > 0 ? "+Inf" : "-Inf");
    } else {
        snprintf(out, size, "%.15g", v);
        if (strtod(out, NULL) != v)
            snprintf(out, size, "%.17g", v);
    }
}

/* Appends the # HELP and # TYPE lines of one family. */
static void metrics_buf_family(metrics_buf *buf, const char *name, const char *type,
                               const char *help)
{
    metrics_buf_printf(buf, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Appends one family holding a single unlabelled gauge sample. */
static void metrics_buf_gauge(metrics_buf *buf, const char *name, const char *help,
                              const char *value)
{
    metrics_buf_family(buf, name, "gauge", help);
    metrics_buf_printf(buf, "%s %s\n", name, value);
}

static void metrics_render_requests(struct metrics *m, metrics_buf *buf)
{
    metrics_buf_family(buf, "attrition_http_requests_total", "counter",
                       "HTTP requests answered, by route pattern and status code.");
    for (size_t i = 0; i < m->n_routes; i++) {
        metrics_route *rt = &m->routes[i];
        for (size_t s = 0; s < METRICS_STATUS_SLOTS; s++) {
            unsigned long long c = atomic_load_explicit(&rt->status[s], memory_order_relaxed);
            if (c == 0)
                continue;
            if (s == METRICS_STATUS_OTHER)
                metrics_buf_printf(buf,
                                   "attrition_http_requests_total{route=\"%s\",status=\"other\"} %llu\n",
                                   rt->label, c);
            else
                metrics_buf_printf(buf,
                                   "attrition_http_requests_total{route=\"%s\",status=\"%u\"} %llu\n",
                                   rt->label, (unsigned)s + METRICS_STATUS_MIN, c);
        }
    }
}

static void metrics_render_durations(struct metrics *m, metrics_buf *buf)
{
    static const char name[] = "attrition_http_request_duration_seconds";
    metrics_buf_family(buf, name, "histogram",
                       "Time from request start to reply queued, by route pattern.");
    for (size_t i = 0; i < m->n_routes; i++) {
        metrics_route *rt = &m->routes[i];
        unsigned long long counts[METRICS_N_BUCKETS];
        unsigned long long total = 0;
        for (size_t b = 0; b < METRICS_N_BUCKETS; b++) {
            counts[b] = atomic_load_explicit(&rt->bucket[b], memory_order_relaxed);
            total += counts[b];
        }
        if (total == 0)
            continue;
        unsigned long long cumulative = 0;
        for (size_t b = 0; b < METRICS_N_BUCKETS; b++) {
            cumulative += counts[b];
            metrics_buf_printf(buf, "%s_bucket{route=\"%s\",le=\"%s\"} %llu\n", name, rt->label,
                               metrics_le[b], cumulative);
        }
        char sum[32];
        unsigned long long ns = atomic_load_explicit(&rt->sum_ns, memory_order_relaxed);
        metrics_format_double(sum, sizeof sum, (double)ns / 1e9);
        metrics_buf_printf(buf, "%s_sum{route=\"%s\"} %s\n", name, rt->label, sum);
        metrics_buf_printf(buf, "%s_count{route=\"%s\"} %llu\n", name, rt->label, total);
    }
}

/* The freshness families: report age, sync rounds by outcome, last successful sync. */
static void metrics_render_freshness(const metrics_freshness *f, metrics_buf *buf)
{
    char v[32];
    if (f->has_latest) {
        metrics_format_double(v, sizeof v, f->latest_report_age);
        metrics_buf_gauge(buf, "attrition_latest_report_age_seconds",
                          "Seconds since the morning (06:00 UTC) of the latest report's date.", v);
    }
    metrics_buf_family(buf, "attrition_sync_total", "counter",
                       "Sync rounds run against this database, by outcome.");
    for (size_t i = 0; i < METRICS_SYNC_OUTCOMES; i++)
        if (f->outcome[i])
            metrics_buf_printf(buf, "attrition_sync_total{outcome=\"%s\"} %llu\n",
                               f->outcome[i], f->sync_total[i]);
    if (f->sync_last_success > 0) {
        metrics_format_double(v, sizeof v, f->sync_last_success);
        metrics_buf_gauge(buf, "attrition_sync_last_success_timestamp_seconds",
                          "Unix time of the last sync round that did not fail.", v);
    }
    snprintf(v, sizeof v, "%llu", f->disagreements);
    metrics_buf_gauge(buf, "attrition_sync_disagreements",
                      "Upstream values (import or sync) that differ from reports written through "
                      "the API, which import and sync never change; apply them with PUT.", v);
}

static void metrics_render_gauges(struct metrics *m, const metrics_gauges *g,
                                  metrics_buf *buf)
{
    char v[32];
    if (g) {
        snprintf(v, sizeof v, "%ld", g->reports_stored);
        metrics_buf_gauge(buf, "attrition_reports_stored",
                          "Daily reports currently in the database.", v);
        metrics_format_double(v, sizeof v, g->last_change_unix);
        metrics_buf_gauge(buf, "attrition_last_data_change_timestamp_seconds",
                          "Unix time of the last change to the stored data.", v);
        snprintf(v, sizeof v, "%llu", g->data_version);
        metrics_buf_gauge(buf, "attrition_data_version",
                          "Version of the stored data, increased by every write.", v);
        metrics_buf_gauge(buf, "attrition_ready",
                          "1 when the service is ready to serve, 0 while starting or draining.",
                          g->ready ? "1" : "0");
        if (g->fresh)
            metrics_render_freshness(g->fresh, buf);
    }
    metrics_format_double(v, sizeof v, m->start_time);
    metrics_buf_gauge(buf, "attrition_process_start_time_seconds",
                      "Unix time the process started.", v);
    metrics_buf_family(buf, "attrition_log_dropped_total", "counter",
                       "Log lines dropped because the log writer could not keep up (log.h).");
    metrics_buf_printf(buf, "attrition_log_dropped_total %llu\n", log_dropped());
    if (m->cache) {
        uint64_t hits, misses;
        size_t bytes, entries;
        cache_stats(m->cache, &hits, &misses, &bytes, &entries);
        metrics_buf_family(buf, "attrition_cache_hits_total", "counter",
                           "GET answers served from the response cache.");
        metrics_buf_printf(buf, "attrition_cache_hits_total %llu\n", (unsigned long long)hits);
        metrics_buf_family(buf, "attrition_cache_misses_total", "counter",
                           "Cacheable GETs not found in the response cache (rendered).");
        metrics_buf_printf(buf, "attrition_cache_misses_total %llu\n", (unsigned long long)misses);
        snprintf(v, sizeof v, "%zu", bytes);
        metrics_buf_gauge(buf, "attrition_cache_bytes",
                          "Bytes held by the response cache (bodies and gzip variants).", v);
    }
}

void metrics_set_cache(struct metrics *m, struct cache *c)
{
    if (m)
        m->cache = c;
}

int metrics_render(struct metrics *m, const metrics_gauges *g, char **out, size_t *len)
{
    int rc = -1;
    metrics_buf buf = {0};

    if (!m || !out || !len) {
        errno = EINVAL;
        goto cleanup;
    }
    buf.cap = 4096;
    buf.data = malloc(buf.cap);
    if (!buf.data)
        goto cleanup;
    buf.data[0] = '\0';

    metrics_render_requests(m, &buf);
    metrics_render_durations(m, &buf);
    metrics_render_gauges(m, g, &buf);
    if (buf.failed) {
        errno = ENOMEM;
        goto cleanup;
    }
    *out = buf.data;
    *len = buf.len;
    buf.data = NULL;
    rc = 0;

cleanup:
    free(buf.data);
    return rc;
}
