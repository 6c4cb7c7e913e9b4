/* /livez, /healthz, /readyz, /metrics, /openapi.json */
#include "handlers.h"
#include "metrics.h"
#include "render.h"
#include "reply.h"
#include "route.h"

#include <stdlib.h>
#include <string.h>

enum MHD_Result handle_livez(request *req)
{
    return reply_json_new(req, MHD_HTTP_OK, json_pack("{s:s}", "status", "alive"));
}

enum MHD_Result handle_readyz(request *req)
{
    if (req->app->draining)
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "the service is shutting down");
    stats_snapshot *s = app_snapshot(req->app);
    if (s == NULL)
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "the database is not open yet");
    json_t *latest = s->n_rep ? render_date(s->dates[s->n_rep - 1]) : json_null();
    enum MHD_Result r = reply_json_new(req, MHD_HTTP_OK,
        json_pack("{s:s, s:o, s:I, s:I}", "status", "ready", "latest", latest, "reports",
                  (json_int_t)s->n_rep, "data_version", (json_int_t)s->version));
    stats_snapshot_unref(s);
    return r;
}

enum MHD_Result handle_metrics(request *req)
{
    stats_snapshot *s = app_snapshot(req->app);
    metrics_gauges g = {(long)s->n_rep, (double)s->modified, (unsigned long long)s->version,
                        !req->app->draining};
    stats_snapshot_unref(s);
    char *text = NULL;
    size_t len = 0;
    if (metrics_render(req->app->metrics, &g, &text, &len) != 0)
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory rendering metrics");
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
