/* The routing table and dispatch: it alone decides 404, 405 (with Allow) and OPTIONS. */
#include "route.h"
#include "auth.h"
#include "handlers.h"
#include "reply.h"

#include <stdio.h>
#include <string.h>

/* One row per {method, pattern, handler, flags}; to add a route, add a row here (and its
 * operation to config/openapi.json: tests/test_route.c checks both ways). */
static const route routes[] = {
    {"GET", "/v1/categories", handle_categories, ROUTE_CACHEABLE},
    {"GET", "/v1/cumulative/latest", handle_cumulative_latest, ROUTE_CACHEABLE},
    {"GET", "/v1/cumulative/{date}", handle_cumulative_date, ROUTE_CACHEABLE},
    {"GET", "/v1/cumulative", handle_cumulative_series, ROUTE_CACHEABLE},
    {"GET", "/v1/daily/latest", handle_daily_latest, ROUTE_CACHEABLE},
    {"GET", "/v1/daily/{date}", handle_daily_date, ROUTE_CACHEABLE},
    {"GET", "/v1/daily", handle_daily_series, ROUTE_CACHEABLE},
    {"GET", "/v1/records", handle_records_all, ROUTE_CACHEABLE},
    {"GET", "/v1/records/{category}", handle_records_category, ROUTE_CACHEABLE},
    {"GET", "/v1/records/{category}/{date}", handle_records_rank, ROUTE_CACHEABLE},
    {"GET", "/v1/summary", handle_summary, ROUTE_CACHEABLE},
    {"GET", "/v1/check", handle_check_get, ROUTE_CACHEABLE},
    {"POST", "/v1/check", handle_check_post, ROUTE_READ_ONLY},
    {"GET", "/v1/deployments/summary", handle_deployments_summary, ROUTE_CACHEABLE},
    {"GET", "/v1/deployments", handle_deployments_list, ROUTE_CACHEABLE},
    {"POST", "/v1/deployments", handle_deployments_create, ROUTE_NEEDS_AUTH},
    {"GET", "/v1/deployments/{id}", handle_deployment_get, ROUTE_CACHEABLE},
    {"PUT", "/v1/deployments/{id}", handle_deployment_replace, ROUTE_NEEDS_AUTH},
    {"DELETE", "/v1/deployments/{id}", handle_deployment_delete, ROUTE_NEEDS_AUTH},
    {"POST", "/v1/reports", handle_report_create, ROUTE_NEEDS_AUTH},
    {"GET", "/v1/reports/{date}", handle_report_get, ROUTE_CACHEABLE},
    {"PUT", "/v1/reports/{date}", handle_report_replace, ROUTE_NEEDS_AUTH},
    {"GET", "/v1/reports/{date}/history", handle_report_history, ROUTE_CACHEABLE},
    /* A stream (events.c): never cached; its access log duration is the stream's life. */
    {"GET", "/v1/events", handle_events, 0},
    {"GET", "/v1/reports.atom", handle_reports_atom, ROUTE_CACHEABLE},
    /* russianwarship.rip compatibility; the lists and terms are not cacheable: their paging
     * and icon URLs name the request's Host. */
    {"GET", "/api/v1/statistics/latest", handle_v1_latest, ROUTE_CACHEABLE},
    {"GET", "/api/v1/statistics/{date}", handle_v1_date, ROUTE_CACHEABLE},
    {"GET", "/api/v1/statistics", handle_v1_list, 0},
    {"GET", "/api/v1/terms/{lang}", handle_v1_terms, 0},
    {"GET", "/api/v1/war-info", handle_v1_war_info, ROUTE_CACHEABLE},
    {"GET", "/api/v2/statistics/latest", handle_v2_latest, ROUTE_CACHEABLE},
    {"GET", "/api/v2/statistics/{date}", handle_v2_date, ROUTE_CACHEABLE},
    {"GET", "/api/v2/statistics", handle_v2_list, 0},
    {"GET", "/api/v2/terms/{lang}", handle_v2_terms, 0},
    {"GET", "/api/v2/terms/{lang}/{term}", handle_v2_term, 0},
    {"GET", "/api/v2/war-info", handle_v2_war_info, ROUTE_CACHEABLE},
    {"GET", "/api/v2/war-info/status", handle_v2_war_status, ROUTE_CACHEABLE},
    {"GET", "/api/v2/war-info/status/{lang}", handle_v2_war_status_lang, ROUTE_CACHEABLE},
    {"GET", "/dataset/{file}", handle_dataset_file, ROUTE_CACHEABLE},
    {"GET", "/livez", handle_livez, 0},
    {"GET", "/healthz", handle_livez, 0},
    {"GET", "/readyz", handle_readyz, 0},
    {"GET", "/metrics", handle_metrics, 0},
    {"GET", "/openapi.json", handle_openapi, ROUTE_CACHEABLE},
    /* Embedding: cards and charts as images (handlers_embed.c). */
    {"GET", "/v1/cards/{category}.svg", handle_card_svg, ROUTE_CACHEABLE},
    {"GET", "/v1/cards/{category}.png", handle_card_png, ROUTE_CACHEABLE},
    {"GET", "/v1/charts/{category}.svg", handle_chart_svg, ROUTE_CACHEABLE},
    /* The dashboard: not cacheable, its handlers add CSP and Cache-Control headers. */
    {"GET", "/", handle_web_index, 0},
    {"GET", "/docs", handle_web_docs, 0},
    {"GET", "/assets/{hash}/{file}", handle_web_asset, 0},
    {"GET", "/images/icons/{file}", handle_web_icon, 0},
};

const route *route_table(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}

size_t route_index(const request *req)
{
    size_t n;
    route_table(&n);
    return req->route ? (size_t)(req->route - routes) : n;
}

int route_match(const char *pattern, const char *url, const char **params, size_t *n_params,
                char *buf, size_t buflen)
{
    const char *p = pattern, *u = url;
    size_t used = 0, np = 0;
    while (*p && *u) {
        if (*p != '/' || *u != '/')
            return 0;
        p++;
        u++;
        /* A parameter segment "{name}" or "{name}SUFFIX" (a literal suffix such as ".svg":
         * the segment must end with it, and the parameter is the non-empty rest). */
        size_t pl = p[0] == '{' ? strcspn(p, "/") : 0;
        const char *close = pl > 1 ? memchr(p, '}', pl) : NULL;
        if (close != NULL) {
            size_t sl = pl - (size_t)(close + 1 - p), ul = strcspn(u, "/");
            if (ul <= sl || memcmp(u + ul - sl, close + 1, sl) != 0)
                return 0;
            ul -= sl;
            if (np >= REQ_MAX_PARAMS || used + ul + 1 > buflen)
                return 0;
            memcpy(buf + used, u, ul);
            buf[used + ul] = '\0';
            params[np++] = buf + used;
            used += ul + 1;
            p += pl;
            u += ul + sl;
            continue;
        }
        /* A literal segment: compared as far as it agrees (most routes fail at once). */
        while (*p && *p != '/' && *p == *u) {
            p++;
            u++;
        }
        if ((*p && *p != '/') || (*u && *u != '/'))
            return 0;
    }
    if (*p || *u)
        return 0;
    *n_params = np;
    return 1;
}

/* Methods allowed on pattern, as "GET, HEAD, OPTIONS" into out. */
static void allow_list(const char *pattern, char *out, size_t len)
{
    size_t n = sizeof routes / sizeof routes[0];
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (strcmp(routes[i].pattern, pattern) != 0)
            continue;
        size_t l = strlen(out);
        snprintf(out + l, len - l, "%s%s", l ? ", " : "", routes[i].method);
        if (strcmp(routes[i].method, "GET") == 0) {
            l = strlen(out);
            snprintf(out + l, len - l, ", HEAD");
        }
    }
    size_t l = strlen(out);
    snprintf(out + l, len - l, ", OPTIONS");
}

/* The path routed for url: url itself, or (the API's paths, /api/ and /v1/) url without one
 * trailing slash, as the peer (Laravel) ignores it: "/api/v1/statistics/" is
 * "/api/v1/statistics". out: len bytes. */
static const char *route_path(const char *url, char *out, size_t len)
{
    size_t l = strlen(url);
    if (l < 6 || url[l - 1] != '/' || url[l - 2] == '/' || l >= len ||
        (strncmp(url, "/api/", 5) != 0 && strncmp(url, "/v1/", 4) != 0))
        return url;
    memcpy(out, url, l - 1);
    out[l - 1] = '\0';
    return out;
}

const route *route_find(request *req)
{
    size_t n = sizeof routes / sizeof routes[0];
    const char *method = req->head ? "GET" : req->method;
    char buf[2048];
    const char *path = route_path(req->url, buf, sizeof buf);
    const char *pattern = NULL;
    req->route = NULL;
    req->route_pattern = NULL;
    req->routed = 1;
    for (size_t i = 0; i < n; i++) {
        if (pattern && strcmp(routes[i].pattern, pattern) != 0)
            continue;
        if (!route_match(routes[i].pattern, path, req->params, &req->n_params,
                         req->pbuf, sizeof req->pbuf))
            continue;
        pattern = routes[i].pattern;
        if (strcmp(routes[i].method, method) == 0)
            return req->route = &routes[i];
    }
    req->route_pattern = pattern;
    return NULL;
}

enum MHD_Result route_dispatch(request *req)
{
    const route *found = req->routed ? req->route : route_find(req);
    const char *pattern = req->route_pattern;
    if (found) {
        enum MHD_Result res = MHD_NO;
        if ((found->flags & ROUTE_NEEDS_AUTH) && auth_require(req, &res) != 0)
            return res;
        return found->handler(req);
    }
    if (pattern == NULL && strncmp(req->url, "/api/", 5) == 0)
        return handle_compat_not_found(req); /* the peer's 404 shape there */
    if (pattern == NULL)
        return reply_problem(req, MHD_HTTP_NOT_FOUND, "no resource at %s", req->url);
    char allow[96];
    allow_list(pattern, allow, sizeof allow);
    reply_add_header(req, MHD_HTTP_HEADER_ALLOW, allow);
    if (strcmp(req->method, "OPTIONS") == 0) {
        reply_add_header(req, "Access-Control-Allow-Methods", allow);
        reply_add_header(req, "Access-Control-Allow-Headers",
                         "Authorization, Content-Type, If-None-Match, If-Modified-Since, Accept");
        reply_add_header(req, "Access-Control-Max-Age", "86400");
        return reply_bytes(req, MHD_HTTP_NO_CONTENT, NULL, "", 0);
    }
    return reply_problem(req, MHD_HTTP_METHOD_NOT_ALLOWED, "%s is not allowed on %s (allowed: %s)",
                         req->method, pattern, allow);
}
