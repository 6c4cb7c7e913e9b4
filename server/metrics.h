#ifndef ATTRITION_METRICS_H
#define ATTRITION_METRICS_H

#include <stddef.h>

/* Prometheus metrics for GET /metrics, hand-written (Debian packages no C client library).
 *
 * Requests are counted per (route, status) and timed per route in a histogram. The hot path,
 * metrics_observe, is lock-free: relaxed C11 atomic increments only, safe from any number of
 * libmicrohttpd pool threads at once, also while another thread renders. A render is not a
 * consistent snapshot of concurrent observations (a request may show in the counter but not
 * yet in the histogram), but within one route's histogram the buckets are cumulative and the
 * +Inf bucket always equals _count.
 *
 * Status codes: each route has one slot per code 100..599 (500 slots of 8 bytes, 4 KiB per
 * route, ~160 KiB for 40 routes) plus one slot for anything outside that range, rendered as
 * status="other". Only non-zero (route, status) pairs are rendered, and a route's histogram
 * only once that route has seen a request. */

/* Content-Type of what metrics_render produces. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics;

/* Creates the registry. routes: n_routes route labels, e.g. "/v1/daily/{date}", and the
 * caller's "unmatched" label; each is copied (and escaped for the exposition format), the
 * array is only borrowed for the call. An index past the end is counted as route
 * n_routes - 1 by metrics_observe, so pass the catch-all ("unmatched") last.
 * Records attrition_process_start_time_seconds as now.
 * Returns NULL with errno ENOMEM, or EINVAL if n_routes is 0 or routes or an element is
 * NULL. The caller owns the result and frees it with metrics_free. */
struct metrics *metrics_new(const char *const *routes, size_t n_routes);

/* Frees m and everything it holds. m may be NULL. Not concurrently with other calls on m. */
void metrics_free(struct metrics *m);

/* Counts one request of route index r (0..n_routes-1) answered with HTTP status `status`
 * that took `seconds`. Thread-safe and lock-free. Never fails: m == NULL is a no-op, r past
 * the end counts as the last route, a status outside 100..599 as status="other", a negative
 * or NaN duration as 0, and a duration above 1e6 s (or +Inf) lands in the +Inf bucket with
 * 1e6 s added to _sum. _sum is accumulated in whole nanoseconds. */
void metrics_observe(struct metrics *m, size_t r, unsigned status, double seconds);

/* Gauges the caller supplies at render time. */
typedef struct metrics_gauges {
    long reports_stored;             /* attrition_reports_stored */
    double last_change_unix;         /* attrition_last_data_change_timestamp_seconds */
    unsigned long long data_version; /* attrition_data_version */
    int ready;                       /* attrition_ready: 1 if non-zero, else 0 */
    const struct metrics_freshness *fresh; /* NULL: the freshness families are left out */
} metrics_gauges;

/* How current the data is (issue 12), rendered when metrics_gauges.fresh is set. */
#define METRICS_SYNC_OUTCOMES 3
typedef struct metrics_freshness {
    int has_latest;                  /* 0: no report stored, the age is left out */
    double latest_report_age;        /* attrition_latest_report_age_seconds */
    const char *outcome[METRICS_SYNC_OUTCOMES];          /* label values, borrowed */
    unsigned long long sync_total[METRICS_SYNC_OUTCOMES]; /* attrition_sync_total{outcome} */
    double sync_last_success;        /* attrition_sync_last_success_timestamp_seconds; 0: never
                                        (the family is then left out) */
    unsigned long long disagreements; /* attrition_sync_disagreements: upstream values kept out
                                         of reports written through the API */
} metrics_freshness;

/* Lets metrics_render add the response cache's hit and miss counters
 * (attrition_cache_hits_total, attrition_cache_misses_total) and its size
 * (attrition_cache_bytes); c is borrowed and must outlive
 * m's renders. Without it they are left out. attrition_log_dropped_total is always rendered. */
struct cache;
void metrics_set_cache(struct metrics *m, struct cache *c);

/* Renders every metric in Prometheus text exposition format 0.0.4 (see
 * METRICS_CONTENT_TYPE): # HELP and # TYPE for each family, then its samples, each line
 * ending in '\n'. g is borrowed; if NULL the four caller-supplied gauges are left out.
 * Thread-safe against metrics_observe and other renders.
 * On success returns 0, *out is a malloc'd NUL-terminated string the caller frees and *len
 * its length without the NUL. On failure returns -1 with errno ENOMEM (or EINVAL for a NULL
 * m, out or len) and leaves *out and *len untouched. */
int metrics_render(struct metrics *m, const metrics_gauges *g, char **out, size_t *len);

#endif
