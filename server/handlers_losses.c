/* /v1/categories, /v1/cumulative..., /v1/daily... */
#include "handlers.h"
#include "param.h"
#include "render.h"
#include "reply.h"
#include "write_json.h"
#include "attrition/date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum MHD_Result handle_categories(request *req)
{
    stats_snapshot *s = req_snapshot(req);
    json_t *list = json_array();
    for (size_t c = 0; list && c < s->n_cat; c++) {
        const stats_category *k = &s->cats[c];
        json_t *replaces = json_array();
        for (int i = 0; i < k->n_replaces; i++)
            json_array_append_new(replaces, json_string(s->cats[k->replaces[i]].id));
        json_array_append_new(list, json_pack("{s:s, s:s, s:s?, s:o, s:o, s:b, s:o, s:s?, s:b}",
            "id", k->id, "label", k->label, "unit", k->unit,
            "first_date", k->first >= 0 ? render_date(s->dates[k->first]) : json_null(),
            "last_date", k->last >= 0 ? render_date(s->dates[k->last]) : json_null(),
            "active", k->last >= 0 && (size_t)k->last == s->n_rep - 1,
            "replaces", replaces,
            "replaced_by", k->replaced_by >= 0 ? s->cats[k->replaced_by].id : NULL,
            "new", !k->seeded));
    }
    enum MHD_Result r = reply_json_new(req, MHD_HTTP_OK, json_pack("{s:o}", "categories", list));
    stats_snapshot_unref(s);
    return r;
}

typedef json_t *(*row_renderer)(const stats_snapshot *, size_t, const stats_selection *);

/* One report (latest when path_date is 0) rendered by fn. */
static enum MHD_Result one_report(request *req, int path_date, row_renderer fn)
{
    enum MHD_Result res = MHD_NO;
    stats_selection sel = {0, NULL};
    int day = DATE_NONE, rep;
    stats_snapshot *s = req_snapshot(req);
    if ((path_date && param_path_date(req, 0, &day, &res) != 0) ||
        param_categories(req, s, &sel, &res) != 0)
        goto cleanup;
    if (s->n_rep == 0) {
        res = reply_no_data(req);
        goto cleanup;
    }
    rep = path_date ? stats_report_index(s, day) : (int)s->n_rep - 1;
    if (rep < 0) {
        char a[DATE_STR_LEN], b[DATE_STR_LEN], c[DATE_STR_LEN];
        res = reply_problem(req, MHD_HTTP_NOT_FOUND,
                            "no report is stored for %s (reports run from %s to %s)",
                            date_format(day, a), date_format(s->dates[0], b),
                            date_format(s->dates[s->n_rep - 1], c));
        goto cleanup;
    }
    res = reply_json_new(req, MHD_HTTP_OK, fn(s, (size_t)rep, &sel));
cleanup:
    stats_selection_free(&sel);
    stats_snapshot_unref(s);
    return res;
}

enum MHD_Result handle_cumulative_latest(request *req) { return one_report(req, 0, render_cumulative); }
enum MHD_Result handle_cumulative_date(request *req) { return one_report(req, 1, render_cumulative); }
enum MHD_Result handle_daily_latest(request *req) { return one_report(req, 0, render_daily); }
enum MHD_Result handle_daily_date(request *req) { return one_report(req, 1, render_daily); }

/* Appends a CSV row of matrix m for report rep: date,day,<values of selected categories>. */
static void csv_row(FILE *f, const stats_snapshot *s, const int64_t *m, size_t rep,
                    const stats_selection *sel)
{
    char ds[DATE_STR_LEN];
    fprintf(f, "%s,%d", date_format(s->dates[rep], ds), date_war_day(s->dates[rep]));
    for (size_t c = 0; c < s->n_cat; c++) {
        if (!sel->mask[c])
            continue;
        int64_t v = m[rep * s->n_cat + c];
        if (v == STATS_NONE)
            fputc(',', f);
        else
            fprintf(f, ",%lld", (long long)v);
    }
    fputc('\n', f);
}

static enum MHD_Result reply_series_csv(request *req, const stats_snapshot *s, int daily,
                                        const stats_selection *sel, size_t lo, size_t hi)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
    fputs("date,day", f);
    for (size_t c = 0; c < s->n_cat; c++)
        if (sel->mask[c])
            fprintf(f, ",%s", s->cats[c].id);
    fputc('\n', f);
    for (size_t r = lo; r < hi; r++)
        csv_row(f, s, daily ? s->loss : s->total, r, sel);
    fclose(f);
    enum MHD_Result res = reply_bytes(req, MHD_HTTP_OK, "text/csv; charset=utf-8", buf, len);
    free(buf);
    return res;
}

/* Sets the Link rel="next" header for a page that stopped before hi. */
static void link_next(request *req, int from, int to, int next)
{
    char link[1024], a[DATE_STR_LEN], b[DATE_STR_LEN], c[DATE_STR_LEN];
    const char *cat = req_query(req, "category");
    const char *fmt = req_query(req, "format");
    snprintf(link, sizeof link, "<%s?from=%s&to=%s&limit=%s&cursor=%s%s%.200s%s%.8s>; rel=\"next\"",
             req->url, date_format(from, a), date_format(to, b), req_query(req, "limit"),
             date_format(next, c), cat ? "&category=" : "", cat ? cat : "",
             fmt ? "&format=" : "", fmt ? fmt : "");
    reply_add_header(req, "Link", link);
}

/* /v1/cumulative and /v1/daily: the window, a category selection, paging, JSON or CSV. */
static enum MHD_Result series(request *req, int daily)
{
    enum MHD_Result res = MHD_NO;
    stats_selection sel = {0, NULL};
    int from, to, f, t, cursor, csv;
    long limit;
    size_t lo, hi;
    stats_snapshot *s = req_snapshot(req);
    if (param_window_last(req, s, &from, &to, &res) != 0 ||
        param_categories(req, s, &sel, &res) != 0 ||
        param_query_int(req, "limit", 1, 100000, 0, &limit, &res) != 0 ||
        param_query_date(req, "cursor", &cursor, &res) != 0 || param_wants_csv(req, &csv, &res) != 0)
        goto cleanup;
    stats_window(s, from, to, &lo, &hi, &f, &t);
    if (cursor != DATE_NONE && stats_lower_bound(s, cursor) > lo)
        lo = stats_lower_bound(s, cursor) < hi ? stats_lower_bound(s, cursor) : hi;
    if (limit > 0 && hi - lo > (size_t)limit) {
        link_next(req, f, t, s->dates[lo + (size_t)limit]);
        hi = lo + (size_t)limit;
    }
    if (csv) {
        res = reply_series_csv(req, s, daily, &sel, lo, hi);
        goto cleanup;
    }
    jw w = {NULL, 0, 0, 0}; /* the direct writer: no Jansson tree per row (write_json.h) */
    jw_series(&w, s, daily, &sel, f, t, lo, hi);
    res = reply_jw(req, &w);
cleanup:
    stats_selection_free(&sel);
    stats_snapshot_unref(s);
    return res;
}

enum MHD_Result handle_cumulative_series(request *req) { return series(req, 0); }
enum MHD_Result handle_daily_series(request *req) { return series(req, 1); }
