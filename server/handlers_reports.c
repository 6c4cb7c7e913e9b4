/* POST /v1/reports, PUT and GET /v1/reports/{date}, GET /v1/reports/{date}/history.
 * Bodies: application/json (report_from_json) or the ministry's post as text/plain
 * (report_from_post); any charset parameter must name UTF-8. The 400/422 line is the one
 * documented in include/attrition/report.h. */
#include "handlers.h"
#include "param.h"
#include "publish.h"
#include "render.h"
#include "reply.h"
#include "attrition/date.h"
#include "attrition/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum body_kind { BODY_JSON = 1, BODY_TEXT = 2 };

/* The kind of body the Content-Type announces: BODY_JSON or BODY_TEXT, or -1 after the 415
 * (param_content_type). */
static int body_kind(request *req, enum MHD_Result *res)
{
    static const char *const types[] = {"application/json", "text/plain", NULL};
    int i = param_content_type(req, types, "application/json or text/plain (the ministry's "
                               "post)", res);
    return i < 0 ? -1 : i == 0 ? BODY_JSON : BODY_TEXT;
}

/* THE answer to a report status other than REPORT_OK (the one status-to-problem mapping of
 * core/report*): 400 ESYNTAX, 422 EINVAL, 409 ECONFLICT (with how to correct it), 404
 * ENOTFOUND, 503 for ENOMEM, EREADONLY and EDB (never a 500), 503 with Retry-After for
 * EUNAVAILABLE (a store that cannot be reached: reply_store_unavailable). detail is core's
 * message, or NULL for a read (then the detail names the report of day). */
static enum MHD_Result reply_report_error(request *req, int rc, const char *detail, int day)
{
    char ds[DATE_STR_LEN];
    date_format(day, ds);
    switch (rc) {
    case REPORT_ESYNTAX:
        return reply_problem(req, MHD_HTTP_BAD_REQUEST, "%s", detail);
    case REPORT_EINVAL:
        return reply_problem(req, MHD_HTTP_UNPROCESSABLE_CONTENT, "%s", detail);
    case REPORT_ECONFLICT:
        return reply_problem(req, MHD_HTTP_CONFLICT, "%s; to correct it, PUT the report to "
                             "/v1/reports/%s", detail, ds);
    case REPORT_ENOTFOUND:
        if (detail == NULL)
            return reply_problem(req, MHD_HTTP_NOT_FOUND, "no report is stored for %s", ds);
        return reply_problem(req, MHD_HTTP_NOT_FOUND, "%s", detail);
    default:
        if (rc == REPORT_EUNAVAILABLE || app_store_unreachable(req->app, 0))
            return reply_store_unavailable(req, "%s%s", detail ? "nothing was stored; " :
                                           "the report could not be read; ", detail ? detail : ds);
        if (detail != NULL)
            return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "%s", detail);
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "the report of %s could not be "
                             "read (%s); retry later", ds,
                             rc == REPORT_ENOMEM ? "out of memory" : "database error");
    }
}

/* Reads the request body into *rep by its Content-Type. Returns 0, or sends 400 (empty or
 * unreadable body), 415 or 422 and returns -1. *rep is the caller's to report_free. */
static int body_report(request *req, report *rep, enum MHD_Result *res)
{
    char err[512];
    int kind, rc;
    memset(rep, 0, sizeof *rep);
    if (req->body == NULL || req->body_len == 0) {
        *res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "the request body is empty: send the "
                             "report as application/json or the ministry's post as text/plain");
        return -1;
    }
    if ((kind = body_kind(req, res)) < 0)
        return -1;
    rc = kind == BODY_JSON ? report_from_json(req->body, req->body_len, rep, err, sizeof err)
                           : report_from_post(req->body, req->body_len, rep, err, sizeof err);
    if (rc == REPORT_OK)
        return 0;
    *res = reply_report_error(req, rc, err, rep->date);
    return -1;
}

/* A JSON array of the strings in list (list may be NULL: empty). New reference or NULL. */
static json_t *strings_json(const report_strings *list)
{
    json_t *a = json_array();
    for (size_t i = 0; a && list && i < list->n; i++)
        json_array_append_new(a, json_string(list->items[i]));
    return a;
}

/* The Report answer: the stored report (revision, stored_at, source_url) with its totals,
 * qualifiers and daily losses from snapshot s, and what the write did (res; NULL on reads:
 * empty lists). New reference, or NULL when s lacks the report or memory is short. */
static json_t *render_report(const stats_snapshot *s, const report *stored,
                             const report_result *res)
{
    int rep = stats_report_index(s, stored->date);
    json_t *daily = rep >= 0 ? render_daily(s, (size_t)rep, NULL) : NULL;
    json_t *out = daily == NULL ? NULL : json_pack(
        "{s:O, s:O, s:i, s:s, s:s?, s:s?, s:O, s:o, s:O, s:O, s:O, s:o, s:o, s:o}",
        "date", json_object_get(daily, "date"), "day", json_object_get(daily, "day"),
        "revision", stored->revision, "stored_at", stored->stored_at, "by", stored->written_by,
        "source_url", stored->source_url, "totals", json_object_get(daily, "totals"),
        "qualifiers", render_qualifiers(s, (size_t)rep, NULL),
        "losses", json_object_get(daily, "losses"),
        "span_days", json_object_get(daily, "span_days"),
        "corrections", json_object_get(daily, "corrections"),
        "warnings", strings_json(res ? &res->warnings : NULL),
        "new_categories", strings_json(res ? &res->new_categories : NULL),
        "ignored_lines", strings_json(res ? &res->ignored_lines : NULL));
    json_decref(daily);
    return out;
}

/* Answers a write that was stored but could not be loaded into the snapshot (reload: the
 * store status of the failed publication). */
static enum MHD_Result reply_reload_error(request *req, const report_result *out, int reload,
                                          int date)
{
    char day[DATE_STR_LEN];
    if (app_store_unreachable(req->app, reload))
        return reply_store_unavailable(req, "the report of %s is stored (revision %d) and will be "
                                       "served once the store answers again",
                                       date_format(date, day), out->stored.revision);
    return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "the report of %s is stored "
                         "(revision %d) but the service could not reload its data (%s); send it "
                         "again to retry", date_format(date, day), out->stored.revision,
                         reload == STORE_ENOMEM ? "out of memory" : "database error");
}

/* A stored write waiting for its publication (publish_await's state). */
typedef struct written {
    report_result out;
    int date;
} written;

static void written_free(void *p)
{
    written *w = p;
    report_result_free(&w->out);
    free(w);
}

/* publish_answer of a write: 201 + Location or 200 with the report as now served (the
 * snapshot holds the write), or 503 when the publication failed. */
static enum MHD_Result answer_written(request *req, void *state, int status)
{
    written *w = state;
    char loc[64], day[DATE_STR_LEN];
    if (status != STORE_OK)
        return reply_reload_error(req, &w->out, status, w->date);
    if (w->out.outcome == REPORT_CREATED) {
        snprintf(loc, sizeof loc, "/v1/reports/%s", date_format(w->date, day));
        reply_add_header(req, MHD_HTTP_HEADER_LOCATION, loc);
    }
    stats_snapshot *s = app_snapshot(req->app);
    enum MHD_Result res = reply_json_new(req, w->out.outcome == REPORT_CREATED
                                         ? MHD_HTTP_CREATED : MHD_HTTP_OK,
                                         render_report(s, &w->out.stored, &w->out));
    stats_snapshot_unref(s);
    return res;
}

/* Stores rep (mode REPORT_CREATE or REPORT_REPLACE) under the store lock and answers, once
 * the data version it committed is served (publish_await: the worker thread is not held),
 * 201 + Location, 200, or the error. rep stays the caller's. */
static enum MHD_Result write_report(request *req, report *rep, int mode)
{
    app *a = req->app;
    written *w = calloc(1, sizeof *w);
    if (w == NULL)
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory; retry later");
    store_lock(a->st);
    int rc = report_store(a->st, rep, mode, &w->out);
    uint64_t version = store_data_version(a->st);
    store_unlock(a->st);
    w->date = rep->date;
    if (rc != REPORT_OK) {
        enum MHD_Result res = reply_report_error(req, rc, w->out.error, rep->date);
        written_free(w);
        return res;
    }
    return publish_await(req, version, answer_written, w, written_free);
}

enum MHD_Result handle_report_create(request *req)
{
    enum MHD_Result res = MHD_NO;
    report rep;
    memset(&rep, 0, sizeof rep);
    if (body_report(req, &rep, &res) == 0)
        res = write_report(req, &rep, REPORT_CREATE);
    report_free(&rep);
    return res;
}

enum MHD_Result handle_report_replace(request *req)
{
    enum MHD_Result res = MHD_NO;
    report rep;
    int day;
    char a[DATE_STR_LEN], b[DATE_STR_LEN];
    memset(&rep, 0, sizeof rep);
    if (param_path_date(req, 0, &day, &res) != 0 ||
        body_report(req, &rep, &res) != 0)
        goto cleanup;
    if (rep.date != day)
        res = reply_problem(req, MHD_HTTP_UNPROCESSABLE_CONTENT, "the body's date %s differs from "
                            "the path's %s", date_format(rep.date, a), date_format(day, b));
    else
        res = write_report(req, &rep, REPORT_REPLACE);
cleanup:
    report_free(&rep);
    return res;
}

enum MHD_Result handle_report_get(request *req)
{
    enum MHD_Result res = MHD_NO;
    report rep;
    stats_snapshot *s = NULL;
    int day, rc;
    memset(&rep, 0, sizeof rep);
    if (param_path_date(req, 0, &day, &res) != 0)
        return res;
    store_lock(req->app->st);
    rc = report_get(req->app->st, day, &rep);
    s = req_snapshot(req); /* under the lock: what was read is this version or newer (a
                              commit being published, publish.h), never older */
    store_unlock(req->app->st);
    if (rc != REPORT_OK)
        res = reply_report_error(req, rc, NULL, day);
    else if (stats_report_index(s, day) < 0)
        res = reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "the service's data is being "
                            "reloaded; retry");
    else
        res = reply_json_new(req, MHD_HTTP_OK, render_report(s, &rep, NULL));
    stats_snapshot_unref(s);
    report_free(&rep);
    return res;
}

/* {"revision", "stored_at", "by", "totals", "qualifiers", "source_url"} of one version
 * ("by": who wrote it, null when unknown). */
static json_t *render_revision(const report *r)
{
    json_t *totals = json_object(), *quals = json_object();
    for (size_t i = 0; totals && quals && i < r->n_values; i++) {
        const report_value *v = &r->values[i];
        json_object_set_new(totals, v->category, json_integer(v->total));
        if (v->qualifier[0])
            json_object_set_new(quals, v->category, json_string(v->qualifier));
    }
    return json_pack("{s:i, s:s, s:s?, s:o, s:o, s:s?}", "revision", r->revision, "stored_at",
                     r->stored_at, "by", r->written_by, "totals", totals, "qualifiers", quals,
                     "source_url", r->source_url);
}

enum MHD_Result handle_report_history(request *req)
{
    enum MHD_Result res = MHD_NO;
    report *revs = NULL;
    size_t n = 0;
    int day, rc;
    if (param_path_date(req, 0, &day, &res) != 0)
        return res;
    store_lock(req->app->st);
    rc = report_history(req->app->st, day, &revs, &n);
    stats_snapshot_unref(req_snapshot(req)); /* version and Last-Modified of what was read */
    store_unlock(req->app->st);
    if (rc != REPORT_OK) {
        res = reply_report_error(req, rc, NULL, day);
    } else {
        json_t *list = json_array();
        for (size_t i = 0; list && i < n; i++)
            json_array_append_new(list, render_revision(&revs[i]));
        res = reply_json_new(req, MHD_HTTP_OK, json_pack("{s:o, s:o}", "date", render_date(day),
                                                         "revisions", list));
    }
    report_history_free(revs, n);
    return res;
}
