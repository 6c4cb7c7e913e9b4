/* /v1/records, /v1/records/{category}, /v1/records/{category}/{date}, /v1/summary.
 *
 * Rounding: per_day (losses / days) and, when a change is compared per day, its previous,
 * current and delta are rounded to 2 decimals, half away from zero; pct is the change in
 * per cent of previous, computed from the unrounded values and rounded to 2 decimals (null
 * when previous is 0). Changes compared as sums (periods of equal length) are integers. */
#include "handlers.h"
#include "param.h"
#include "render.h"
#include "reply.h"
#include "write_json.h"
#include "attrition/date.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECORDS_LIMIT_MAX 1000 /* the contract's bound of ?limit */
#define RECORDS_LIMIT_DEFAULT 10
#define RECORDS_ABOVE_MAX 10   /* days listed in "above" */

/* ---- parameters (as param.h: each sends its 400 itself and returns -1) ----------------- */

/* ?group=none|week|month|year (absent: none). */
static int group_param(request *req, int *group, enum MHD_Result *res)
{
    const char *g = req_query(req, "group");
    *group = stats_group_parse(g);
    if (*group >= 0)
        return 0;
    *res = reply_problem(req, MHD_HTTP_BAD_REQUEST,
                         "group: \"%.32s\" is not one of none, week, month, year", g);
    return -1;
}

/* ?from for a rank as of `date`: a date not after it; absent: DATE_NONE. */
static int rank_from_param(request *req, int date, int *from, enum MHD_Result *res)
{
    if (param_query_date(req, "from", from, res) != 0)
        return -1;
    if (*from != DATE_NONE && *from > date) {
        char a[DATE_STR_LEN], b[DATE_STR_LEN];
        *res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "from (%s) is after the date ranked (%s)",
                             date_format(*from, a), date_format(date, b));
        return -1;
    }
    return 0;
}

/* THE answer to a stats status other than STATS_OK once the input was validated (the one
 * status-to-problem mapping of core/stats and core/records): 503 for STATS_ENOMEM, else 400
 * (STATS_EINVAL: a window or category the parameters let through). STATS_ENOTFOUND has its
 * own 404 where it can happen (reply_unranked). */
static enum MHD_Result reply_stats_error(request *req, int rc)
{
    if (rc == STATS_ENOMEM)
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory, try again");
    return reply_problem(req, MHD_HTTP_BAD_REQUEST, "the request's window or category is invalid");
}

/* 404 for a day that cannot be ranked: no report on it, or no daily value of cat. */
static enum MHD_Result reply_unranked(request *req, const stats_snapshot *s, int cat, int day)
{
    char a[DATE_STR_LEN], b[DATE_STR_LEN], c[DATE_STR_LEN];
    if (stats_report_index(s, day) < 0)
        return reply_problem(req, MHD_HTTP_NOT_FOUND,
                             "no report is stored for %s (reports run from %s to %s)",
                             date_format(day, a), date_format(s->dates[0], b),
                             date_format(s->dates[s->n_rep - 1], c));
    return reply_problem(req, MHD_HTTP_NOT_FOUND,
                         "%s has no daily value on %s (not reported then, or its first report)",
                         s->cats[cat].id, date_format(day, a));
}

/* ---- rendering (new references, NULL on ENOMEM) -------------------------------------- */

/* The effective ends of a window: an open from is the first report, an open to the latest. */
static json_t *render_from(const stats_snapshot *s, int from)
{
    return render_date(from != DATE_NONE ? from : s->dates[0]);
}

static json_t *render_to(const stats_snapshot *s, int to)
{
    return render_date(to != DATE_NONE ? to : s->dates[s->n_rep - 1]);
}

static json_t *render_ranked(const stats_record *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, render_record(&v[i]));
    return a;
}

/* The /v1/summary body is written by jw_summary (write_json.h): no Jansson tree per period;
 * reals with 15 significant digits so that a value rounded to 2 decimals reads as such
 * (1477.14, not 1477.1400000000001). */

/* CSV (format=csv or Accept: text/csv) of /v1/records and /v1/summary: a header row, then
 * one row per category (records) or period (summary); a missing value is an empty field.
 * Sends the answer (503 when memory is short). */
static enum MHD_Result reply_csv(request *req, char **buf, size_t *len, FILE *f)
{
    if (f == NULL)
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
    fclose(f); /* sets *buf and *len */
    enum MHD_Result res = reply_bytes(req, MHD_HTTP_OK, "text/csv; charset=utf-8", *buf, *len);
    free(*buf);
    return res;
}

/* category,date,value: the record day of each selected category with a daily value. */
static enum MHD_Result records_csv(request *req, const stats_snapshot *s,
                                   const stats_selection *sel, int from, int to)
{
    char *buf = NULL, ds[DATE_STR_LEN];
    size_t len = 0;
    stats_record best;
    FILE *f = open_memstream(&buf, &len);
    if (f != NULL)
        fputs("category,date,value\n", f);
    for (size_t c = 0; f && c < s->n_cat; c++)
        if (sel->mask[c] && stats_record_best(s, (int)c, from, to, &best) == STATS_OK)
            fprintf(f, "%s,%s,%lld\n", s->cats[c].id, date_format(best.date, ds),
                    (long long)best.value);
    return reply_csv(req, &buf, &len, f);
}

/* period,from,to,days,reports,<category>...: each period's losses per selected category. */
static enum MHD_Result summary_csv(request *req, const stats_snapshot *s,
                                   const stats_summary *sum, const stats_selection *sel)
{
    char *buf = NULL, a[DATE_STR_LEN], b[DATE_STR_LEN];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f != NULL)
        fputs("period,from,to,days,reports", f);
    for (size_t c = 0; f && c < s->n_cat; c++)
        if (sel->mask[c])
            fprintf(f, ",%s", s->cats[c].id);
    if (f != NULL)
        fputc('\n', f);
    for (size_t i = 0; f && i < sum->n_periods; i++) {
        const stats_period *p = &sum->periods[i];
        fprintf(f, "%s,%s,%s,%d,%d", p->name, date_format(p->from, a), date_format(p->to, b),
                p->days, p->n_reports);
        for (size_t c = 0; c < s->n_cat; c++)
            if (sel->mask[c] && p->losses[c] == STATS_NONE)
                fputc(',', f);
            else if (sel->mask[c])
                fprintf(f, ",%lld", (long long)p->losses[c]);
        fputc('\n', f);
    }
    return reply_csv(req, &buf, &len, f);
}

/* ---- handlers -------------------------------------------------------------------------- */

/* GET /v1/records?from&to&category: the record day of every category with a daily value. */
enum MHD_Result handle_records_all(request *req)
{
    enum MHD_Result res = MHD_NO;
    stats_selection sel = {0, NULL};
    stats_record best;
    int from, to, csv;
    stats_snapshot *s = req_snapshot(req);
    if (param_window(req, &from, &to, &res) != 0 || param_categories(req, s, &sel, &res) != 0 ||
        param_wants_csv(req, &csv, &res) != 0)
        goto cleanup;
    if (s->n_rep == 0) {
        res = reply_no_data(req);
        goto cleanup;
    }
    if (csv) {
        res = records_csv(req, s, &sel, from, to);
        goto cleanup;
    }
    json_t *records = json_object();
    for (size_t c = 0; records && c < s->n_cat; c++)
        if (sel.mask[c] && stats_record_best(s, (int)c, from, to, &best) == STATS_OK)
            json_object_set_new(records, s->cats[c].id,
                                json_pack("{s:o, s:I}", "date", render_date(best.date), "value",
                                          (json_int_t)best.value));
    res = reply_json_new(req, MHD_HTTP_OK, json_pack("{s:o, s:o, s:o*}", "from",
                         render_from(s, from), "to", render_to(s, to), "records", records));
cleanup:
    stats_selection_free(&sel);
    stats_snapshot_unref(s);
    return res;
}

/* GET /v1/records/{category}?limit&from&to: the days with the greatest daily losses. */
enum MHD_Result handle_records_category(request *req)
{
    enum MHD_Result res = MHD_NO;
    stats_record *v = NULL;
    size_t n, compared;
    int cat, from, to, rc;
    long limit;
    stats_snapshot *s = req_snapshot(req);
    if (param_path_category(req, s, 0, &cat, &res) != 0 ||
        param_window(req, &from, &to, &res) != 0 ||
        param_query_int(req, "limit", 1, RECORDS_LIMIT_MAX, RECORDS_LIMIT_DEFAULT, &limit,
                        &res) != 0)
        goto cleanup;
    if (s->n_rep == 0) {
        res = reply_no_data(req);
        goto cleanup;
    }
    if ((rc = stats_records(s, cat, from, to, (size_t)limit, &v, &n, &compared)) != STATS_OK) {
        res = reply_stats_error(req, rc);
        goto cleanup;
    }
    res = reply_json_new(req, MHD_HTTP_OK, json_pack("{s:s, s:o, s:o, s:I, s:o*}", "category",
                         s->cats[cat].id, "from", render_from(s, from), "to", render_to(s, to),
                         "days_compared", (json_int_t)compared, "records", render_ranked(v, n)));
cleanup:
    free(v);
    stats_snapshot_unref(s);
    return res;
}

/* GET /v1/records/{category}/{date}?from: where that day stands as of that date. */
enum MHD_Result handle_records_rank(request *req)
{
    enum MHD_Result res = MHD_NO;
    stats_record self, *above = NULL;
    size_t n_above, compared;
    int cat, day, from, rc;
    stats_snapshot *s = req_snapshot(req);
    if (param_path_category(req, s, 0, &cat, &res) != 0 ||
        param_path_date(req, 1, &day, &res) != 0 || rank_from_param(req, day, &from, &res) != 0)
        goto cleanup;
    if (s->n_rep == 0) {
        res = reply_no_data(req);
        goto cleanup;
    }
    rc = stats_rank_of(s, cat, day, from, RECORDS_ABOVE_MAX, &self, &above, &n_above, &compared);
    if (rc != STATS_OK) {
        res = rc == STATS_ENOTFOUND ? reply_unranked(req, s, cat, day) : reply_stats_error(req, rc);
        goto cleanup;
    }
    res = reply_json_new(req, MHD_HTTP_OK, json_pack("{s:s, s:o, s:I, s:i, s:I, s:o, s:o*}",
                         "category", s->cats[cat].id, "date", render_date(day), "value",
                         (json_int_t)self.value, "rank", self.rank, "days_compared",
                         (json_int_t)compared, "from", render_from(s, from), "above",
                         render_ranked(above, n_above)));
cleanup:
    free(above);
    stats_snapshot_unref(s);
    return res;
}

/* GET /v1/summary?from&to&category&group: losses summed over calendar periods. */
enum MHD_Result handle_summary(request *req)
{
    enum MHD_Result res = MHD_NO;
    stats_selection sel = {0, NULL};
    stats_summary sum;
    int from, to, group, rc, csv;
    memset(&sum, 0, sizeof sum);
    stats_snapshot *s = req_snapshot(req);
    if (param_window_last(req, s, &from, &to, &res) != 0 ||
        param_categories(req, s, &sel, &res) != 0 || group_param(req, &group, &res) != 0 ||
        param_wants_csv(req, &csv, &res) != 0)
        goto cleanup;
    if (s->n_rep == 0) {
        res = reply_no_data(req);
        goto cleanup;
    }
    if ((rc = stats_summary_compute(s, from, to, group, &sum)) != STATS_OK) {
        res = reply_stats_error(req, rc);
        goto cleanup;
    }
    if (csv) {
        res = summary_csv(req, s, &sum, &sel);
        goto cleanup;
    }
    jw w = {NULL, 0, 0, 0};
    jw_summary(&w, s, &sum, &sel);
    res = reply_jw(req, &w);
cleanup:
    stats_summary_free(&sum);
    stats_selection_free(&sel);
    stats_snapshot_unref(s);
    return res;
}
