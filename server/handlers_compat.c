/* The russianwarship.rip API, v1 and v2, served from our data so that its clients (bots,
 * widgets, apps) work by changing only the base URL. Both versions: /statistics/latest,
 * /statistics/{date}, /statistics?offset&limit&date_from&date_to, /terms/{lang},
 * /war-info; v2 also /terms/{lang}/{term}, /war-info/status, /war-info/status/{lang}.
 *
 * v1 records lack war_status and submarines (v1 clients decode 14 keys, some by a fixed
 * table); v2 records have both. Lists are oldest first in both versions, paged by offset
 * from date_from (clients compute offsets from dates and page forward). A well-formed date
 * without a report (before the war, in the future, a gap) and a malformed one are 422 in the
 * peer's shape, which clients read as "no report yet"; so are latest and war-info while the
 * database is empty. An unknown language, term or path under /api/ is 404 in that shape. */
#include "handlers.h"
#include "compat.h"
#include "render.h"
#include "reply.h"
#include "attrition/date.h"

#include <stdio.h>
#include <string.h>

/* Adds the "no report" error of day to e, saying why (no report at all, before the first,
 * after the latest, a gap). */
static void no_report(compat_errors *e, const stats_snapshot *s, int day)
{
    char a[DATE_STR_LEN], b[DATE_STR_LEN], c[DATE_STR_LEN];
    if (s->n_rep == 0) {
        compat_error_add(e, "date", "No report is stored yet.");
        return;
    }
    int first = s->dates[0], last = s->dates[s->n_rep - 1];
    date_format(day, a);
    if (day < first)
        compat_error_add(e, "date", "No report is stored for %s: the reports start on %s.", a,
                         date_format(first, b));
    else if (day > last)
        compat_error_add(e, "date", "No report is stored for %s yet: the latest is of %s.", a,
                         date_format(last, b));
    else
        compat_error_add(e, "date", "No report is stored for %s (reports run from %s to %s).",
                         a, date_format(first, b), date_format(last, c));
}

/* Records lo..hi-1 of s but report skip (-1: none) in the API's shape into a new array (NULL
 * on ENOMEM), or NULL with *failed = 1 when the source URLs could not be read. */
static json_t *records(request *req, const stats_snapshot *s, compat_api api, size_t lo,
                       size_t hi, int skip, int *failed)
{
    compat_map m;
    compat_sources *cs = compat_sources_get(req, s);
    *failed = cs == NULL;
    if (cs == NULL)
        return NULL;
    compat_map_resolve(s, &m);
    json_t *arr = json_array();
    for (size_t i = lo; arr && i < hi; i++)
        if ((int)i != skip && json_array_append_new(arr, compat_record(s, &m, i, compat_source_of(cs, s->dates[i]),
                                                     api)) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    compat_sources_release(cs);
    return arr;
}

/* 503 when records() could not read the stored source URLs. */
static enum MHD_Result sources_unavailable(request *req)
{
    if (app_store_unreachable(req->app, 0))
        return reply_store_unavailable(req, "the stored source URLs could not be read");
    return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "the stored source URLs of the "
                         "reports could not be read; retry");
}

/* The record of the latest report, or of the report of the path's date (by_date). */
static enum MHD_Result one(request *req, compat_api api, int by_date)
{
    enum MHD_Result res;
    compat_errors e = {NULL, 0};
    char q[TEXT_QUOTE_SIZE];
    int day = DATE_NONE, failed;
    const char *p = req->n_params ? req->params[0] : "";
    if (by_date && date_parse(p, &day) != 0) {
        compat_error_add(&e, "date", "The date is not a valid date (got \"%s\"; expected "
                         "YYYY-MM-DD, a real calendar day).", text_quote_str(p, q));
        return compat_reply_error(req, COMPAT_UNPROCESSABLE, &e);
    }
    stats_snapshot *s = req_snapshot(req);
    int rep = by_date ? stats_report_index(s, day) : (int)s->n_rep - 1;
    if (rep < 0) {
        no_report(&e, s, day);
        res = compat_reply_error(req, COMPAT_UNPROCESSABLE, &e);
    } else {
        json_t *arr = records(req, s, api, (size_t)rep, (size_t)rep + 1, -1, &failed);
        json_t *rec = json_incref(json_array_get(arr, 0));
        json_decref(arr);
        res = failed ? sources_unavailable(req) : compat_reply(req, rec);
    }
    stats_snapshot_unref(s);
    return res;
}

/* The list: oldest first between date_from and date_to, offset/limit paged, without the
 * report the peer's list lacks (compat_list_skip: clients compute offsets from dates over the
 * peer's list). Its paging URLs name the request's Host, so its route is not cacheable
 * (route.c). */
static enum MHD_Result list(request *req, compat_api api)
{
    enum MHD_Result res;
    compat_errors e = {NULL, 0};
    compat_query q;
    int failed;
    compat_query_parse(req, &q, &e);
    if (e.n)
        return compat_reply_error(req, COMPAT_UNPROCESSABLE, &e);
    stats_snapshot *s = req_snapshot(req);
    size_t lo = 0, hi = 0;
    int f, t;
    stats_window(s, q.from, q.to, &lo, &hi, &f, &t); /* from <= to: checked above */
    int skip = compat_list_skip(s);
    int in = skip >= 0 && (size_t)skip >= lo && (size_t)skip < hi;
    size_t n = hi - lo - (size_t)in, first = (size_t)q.offset < n ? (size_t)q.offset : n;
    size_t end = n - first < (size_t)q.limit ? n : first + (size_t)q.limit;
    /* Positions first..end-1 of the list are reports lo+first.. of s, one further on from
     * the skipped report on. */
    size_t a = lo + first + (in && lo + first >= (size_t)skip);
    size_t b = lo + end + (in && lo + end > (size_t)skip);
    json_t *recs = records(req, s, api, a, b, in && a <= (size_t)skip ? skip : -1, &failed);
    if (failed)
        res = sources_unavailable(req);
    else
        res = compat_reply(req, json_pack("{s:o, s:o}", "records", recs, "paging",
                                          compat_paging(req, api, &q, n)));
    stats_snapshot_unref(s);
    return res;
}

/* Path parameter i as a language: 0 en, 1 ua; -1 (with an error of "lang" in e) else. */
static int lang_param(request *req, size_t i, compat_errors *e)
{
    char q[TEXT_QUOTE_SIZE];
    const char *lang = i < req->n_params ? req->params[i] : "";
    if (strcmp(lang, "en") == 0 || strcmp(lang, "ua") == 0)
        return lang[0] == 'u';
    compat_error_add(e, "lang", "No terms in \"%s\": the languages are en and ua.",
                     text_quote_str(lang, q));
    return -1;
}

/* /terms/{lang}: title and icon of every key (icon URLs under the request's Host). */
static enum MHD_Result terms(request *req, compat_api api)
{
    compat_errors e = {NULL, 0};
    int ua = lang_param(req, 0, &e);
    if (ua < 0)
        return compat_reply_error(req, MHD_HTTP_NOT_FOUND, &e);
    char base[300];
    req_origin(req, base, sizeof base);
    stats_snapshot_unref(req_snapshot(req)); /* for Last-Modified, as every GET has */
    return compat_reply(req, compat_terms(api, ua, base));
}

/* /war-info: the latest report's date and war day. */
static enum MHD_Result war_info(request *req)
{
    enum MHD_Result res;
    compat_errors e = {NULL, 0};
    stats_snapshot *s = req_snapshot(req);
    if (s->n_rep == 0) {
        compat_error_add(&e, "current_date", "No report is stored yet.");
        res = compat_reply_error(req, COMPAT_UNPROCESSABLE, &e);
    } else {
        int last = s->dates[s->n_rep - 1];
        res = compat_reply(req, json_pack("{s:o, s:i}", "current_date", render_date(last),
                                          "current_day", date_war_day(last)));
    }
    stats_snapshot_unref(s);
    return res;
}

enum MHD_Result handle_v1_latest(request *req) { return one(req, COMPAT_V1, 0); }
enum MHD_Result handle_v1_date(request *req) { return one(req, COMPAT_V1, 1); }
enum MHD_Result handle_v1_list(request *req) { return list(req, COMPAT_V1); }
enum MHD_Result handle_v1_terms(request *req) { return terms(req, COMPAT_V1); }
enum MHD_Result handle_v1_war_info(request *req) { return war_info(req); }
enum MHD_Result handle_v2_latest(request *req) { return one(req, COMPAT_V2, 0); }
enum MHD_Result handle_v2_date(request *req) { return one(req, COMPAT_V2, 1); }
enum MHD_Result handle_v2_list(request *req) { return list(req, COMPAT_V2); }
enum MHD_Result handle_v2_terms(request *req) { return terms(req, COMPAT_V2); }
enum MHD_Result handle_v2_war_info(request *req) { return war_info(req); }

/* /api/v2/terms/{lang}/{term}: title and icon of one key. */
enum MHD_Result handle_v2_term(request *req)
{
    compat_errors e = {NULL, 0};
    char q[TEXT_QUOTE_SIZE];
    int ua = lang_param(req, 0, &e);
    int k = req->n_params > 1 ? compat_key_find(COMPAT_V2, req->params[1]) : -1;
    if (k < 0)
        compat_error_add(&e, "term", "No term \"%s\": the terms are the keys of stats "
                         "(personnel_units, tanks, ...).",
                         text_quote_str(req->n_params > 1 ? req->params[1] : "", q));
    if (e.n)
        return compat_reply_error(req, MHD_HTTP_NOT_FOUND, &e);
    char base[300];
    req_origin(req, base, sizeof base);
    stats_snapshot_unref(req_snapshot(req));
    return compat_reply(req, compat_term((size_t)k, ua, base));
}

/* /api/v2/war-info/status: {"code": 1, "alias": "in_progress"}. */
enum MHD_Result handle_v2_war_status(request *req)
{
    stats_snapshot_unref(req_snapshot(req));
    return compat_reply(req, json_pack("{s:i, s:s}", "code", 1, "alias", "in_progress"));
}

/* /api/v2/war-info/status/{lang}: the status and its description in that language. */
enum MHD_Result handle_v2_war_status_lang(request *req)
{
    compat_errors e = {NULL, 0};
    int ua = lang_param(req, 0, &e);
    if (ua < 0)
        return compat_reply_error(req, MHD_HTTP_NOT_FOUND, &e);
    stats_snapshot_unref(req_snapshot(req));
    return compat_reply(req, json_pack("{s:{s:i, s:s}, s:s}", "war_status", "code", 1, "alias",
                                       "in_progress", "description",
                                       ua ? "Повномасштабна війна триває."
                                          : "The full-scale war is in progress."));
}

/* Any other path under /api/ (route.c calls this for unmatched URLs there). */
enum MHD_Result handle_compat_not_found(request *req)
{
    compat_errors e = {NULL, 0};
    char q[TEXT_QUOTE_SIZE];
    compat_error_add(&e, "path", "No resource at \"%s\": this service has /api/v1/... and "
                     "/api/v2/... as russianwarship.rip (see /openapi.json).",
                     text_quote_str(req->url, q));
    return compat_reply_error(req, MHD_HTTP_NOT_FOUND, &e);
}
