/* /livez, /healthz, /readyz, /metrics, /openapi.json */
#include "handlers.h"
#include "events.h"
#include "metrics.h"
#include "render.h"
#include "reply.h"
#include "route.h"
#include "webhook.h"
#include <stdio.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The morning of a report's date, when the ministry's post of that date is normally out
 * (it posts around 07:00-09:00 Kyiv time): 06:00 UTC. Freshness is measured from it. */
#define OPS_REPORT_MORNING_UTC (6 * 3600)

/* Seconds from the morning of the latest report's date to now (0 when that is ahead),
 * or -1 when no report is stored. */
static double latest_age(const stats_snapshot *s)
{
    if (s->n_rep == 0)
        return -1;
    double morning = (double)s->dates[s->n_rep - 1] * 86400.0 + OPS_REPORT_MORNING_UTC;
    double age = (double)time(NULL) - morning;
    return age > 0 ? age : 0;
}

/* "YYYY-MM-DDTHH:MM:SSZ" of unix time t (new reference), or null for 0 (never). */
static json_t *iso_time(int64_t t)
{
    char buf[32];
    struct tm tm;
    time_t tt = (time_t)t;
    if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
        return json_null();
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(buf);
}

/* /readyz's last_sync: the last sync round stored in the database, or null (never). */
static json_t *last_sync(app *a)
{
    sync_state_summary sum;
    app_sync_summary(a, &sum);
    if (sum.last_outcome < 0)
        return json_null();
    return json_pack("{s:o, s:s, s:s, s:o, s:{s:I, s:I, s:I}}", "at", iso_time(sum.last_at),
        "outcome", sync_state_outcome_name(sum.last_outcome), "detail", sum.detail,
        "last_success_at", iso_time(sum.last_success_at), "rounds",
        "changed", (json_int_t)sum.total[SYNC_CHANGED],
        "unchanged", (json_int_t)sum.total[SYNC_UNCHANGED],
        "failed", (json_int_t)sum.total[SYNC_FAILED]);
}

/* /readyz's disagreements: {"count", "latest"} of the upstream values kept out of reports
 * written through the API (sync_state.h). */
static json_t *disagreements(app *a)
{
    sync_state_summary sum;
    app_sync_summary(a, &sum);
    return json_pack("{s:I, s:s?}", "count", (json_int_t)sum.disagreements, "latest",
                     sum.disagreements ? sum.disagreement : NULL);
}

/* /readyz's store: {"backend", "reachable", "since"} (since: when the current state began).
 * An unreachable store leaves /readyz at 200: reads still answer from the snapshot, and every
 * replica shares the one store, so a balancer that took them out would turn a write outage
 * into a total one (README "Past one machine: PostgreSQL"). */
static json_t *store_state(app *a)
{
    int64_t since = 0;
    int up = app_store_reachable(a, &since);
    return json_pack("{s:s, s:b, s:o}", "backend", store_backend_name(a->cfg->db),
                     "reachable", up, "since", iso_time(since));
}

/* Probes and metrics describe their moment: no cache in front may keep them. */
static void ops_no_store(request *req)
{
    reply_add_header(req, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
}

enum MHD_Result handle_livez(request *req)
{
    ops_no_store(req);
    return reply_json_new(req, MHD_HTTP_OK, json_pack("{s:s}", "status", "alive"));
}

enum MHD_Result handle_readyz(request *req)
{
    ops_no_store(req);
    if (req->app->draining)
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "the service is shutting down");
    stats_snapshot *s = app_snapshot(req->app);
    if (s == NULL)
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "the database is not open yet");
    json_t *latest = s->n_rep ? render_date(s->dates[s->n_rep - 1]) : json_null();
    double age = latest_age(s);
    enum MHD_Result r = reply_json_new(req, MHD_HTTP_OK,
        json_pack("{s:s, s:o, s:o, s:I, s:I, s:o, s:o, s:o}", "status", "ready", "latest", latest,
                  "age_seconds", age < 0 ? json_null() : json_integer((json_int_t)age),
                  "reports", (json_int_t)s->n_rep, "data_version", (json_int_t)s->version,
                  "last_sync", last_sync(req->app), "disagreements", disagreements(req->app),
                  "store", store_state(req->app)));
    stats_snapshot_unref(s);
    return r;
}

/* text (len bytes, malloc'd) with the families of /v1/events and the webhooks appended.
 * Returns 0 or -1 (text unchanged). */
static int append_live_metrics(app *a, char **text, size_t *len)
{
    events_stats es;
    webhook_stats ws;
    events_get_stats(a->events, &es);
    webhook_get_stats(a->webhook, &ws);
    int64_t since = 0;
    int up = app_store_reachable(a, &since);
    char *more = NULL;
    int n = asprintf(&more,
        "# HELP attrition_events_subscribers Open /v1/events streams.\n"
        "# TYPE attrition_events_subscribers gauge\n"
        "attrition_events_subscribers %zu\n"
        "# HELP attrition_events_published_total Events published to /v1/events.\n"
        "# TYPE attrition_events_published_total counter\n"
        "attrition_events_published_total %llu\n"
        "# HELP attrition_events_dropped_total Subscribers dropped for falling too far behind.\n"
        "# TYPE attrition_events_dropped_total counter\n"
        "attrition_events_dropped_total %llu\n"
        "# HELP attrition_events_refused_total Subscriptions refused (events_limit, stopping).\n"
        "# TYPE attrition_events_refused_total counter\n"
        "attrition_events_refused_total %llu\n"
        "# HELP attrition_webhook_deliveries_total Webhook delivery attempts by outcome.\n"
        "# TYPE attrition_webhook_deliveries_total counter\n"
        "attrition_webhook_deliveries_total{outcome=\"delivered\"} %llu\n"
        "attrition_webhook_deliveries_total{outcome=\"failed\"} %llu\n"
        "attrition_webhook_deliveries_total{outcome=\"given_up\"} %llu\n"
        "# HELP attrition_webhook_queue_length Webhook deliveries waiting in the database.\n"
        "# TYPE attrition_webhook_queue_length gauge\n"
        "attrition_webhook_queue_length %ld\n"
        "# HELP attrition_store_up Whether the store answers (1) or cannot be reached (0).\n"
        "# TYPE attrition_store_up gauge\n"
        "attrition_store_up{backend=\"%s\"} %d\n"
        "# HELP attrition_store_down_since_seconds Unix time since which the store cannot be "
        "reached; 0 while it answers.\n"
        "# TYPE attrition_store_down_since_seconds gauge\n"
        "attrition_store_down_since_seconds %lld\n",
        es.subscribers, es.published, es.dropped, es.refused, ws.delivered, ws.failed,
        ws.given_up, ws.queued > 0 ? ws.queued : 0, store_backend_name(a->cfg->db), up,
        up ? 0LL : (long long)since);
    if (n < 0)
        return -1;
    char *all = realloc(*text, *len + (size_t)n + 1);
    if (all == NULL) {
        free(more);
        return -1;
    }
    memcpy(all + *len, more, (size_t)n + 1);
    *text = all;
    *len += (size_t)n;
    free(more);
    return 0;
}

enum MHD_Result handle_metrics(request *req)
{
    ops_no_store(req);
    stats_snapshot *s = app_snapshot(req->app);
    sync_state_summary sum;
    app_sync_summary(req->app, &sum);
    double age = latest_age(s);
    metrics_freshness f = {age >= 0, age, {NULL}, {0}, (double)sum.last_success_at,
                           (unsigned long long)sum.disagreements};
    for (int i = 0; i < METRICS_SYNC_OUTCOMES && i < SYNC_N_OUTCOMES; i++) {
        f.outcome[i] = sync_state_outcome_name(i);
        f.sync_total[i] = (unsigned long long)sum.total[i];
    }
    metrics_gauges g = {(long)s->n_rep, (double)s->modified, (unsigned long long)s->version,
                        !req->app->draining, &f};
    stats_snapshot_unref(s);
    char *text = NULL;
    size_t len = 0;
    if (metrics_render(req->app->metrics, &g, &text, &len) != 0 ||
        append_live_metrics(req->app, &text, &len) != 0) {
        free(text);
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory rendering metrics");
    }
    enum MHD_Result r = reply_bytes(req, MHD_HTTP_OK, METRICS_CONTENT_TYPE, text, len);
    free(text);
    return r;
}

enum MHD_Result handle_openapi(request *req)
{
    stats_snapshot_unref(req_snapshot(req));
    return reply_bytes(req, MHD_HTTP_OK, "application/json; charset=utf-8", route_openapi_json,
                       strlen(route_openapi_json));
}
