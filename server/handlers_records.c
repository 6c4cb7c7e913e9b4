/* /v1/records, /v1/records/{category}, /v1/records/{category}/{date}, /v1/summary.
 *
 * Rounding: per_day (losses / days) and, when a change is compared per day, its previous,
 * current and delta are rounded to 2 decimals, half away from zero; pct is the change in
 * per cent of previous, computed from the unrounded values and rounded to 2 decimals (null
 * when previous is 0). Changes compared as sums (periods of equal length) are integers. */
#include "handlers.h"
#include "render.h"
#include "reply.h"
#include "attrition/date.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RECORDS_LIMIT_MAX 1000 /* the contract's bound of ?limit */
#define RECORDS_LIMIT_DEFAULT 10
#define RECORDS_ABOVE_MAX 10   /* days listed in "above" */

/* ---- parameters: each sends its 400 itself and returns -1 ---------------------------- */

/* Query date `name` into *day, STATS_OPEN when absent (param_query_date's -1 for absent
 * is also the day number of 1969-12-31). */
static int date_param(request *req, const char *name, int *day, enum MHD_Result *res)
{
    if (param_query_date(req, name, day, res) != 0)
        return -1;
    if (req_query(req, name) == NULL)
        *day = STATS_OPEN;
    return 0;
}

/* from/to, each STATS_OPEN when absent; 400 for a bad date or from after to. */
static int window_param(request *req, int *from, int *to, enum MHD_Result *res)
{
    if (date_param(req, "from", from, res) != 0 || date_param(req, "to", to, res) != 0)
        return -1;
    if (*from != STATS_OPEN && *to != STATS_OPEN && *from > *to) {
        char a[DATE_STR_LEN], b[DATE_STR_LEN];
        *res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "from (%s) is after to (%s)",
                             date_format(*from, a), date_format(*to, b));
        return -1;
    }
    return 0;
}

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

/* ?from for a rank as of `date`: a date not after it; absent: STATS_OPEN. */
static int rank_from_param(request *req, int date, int *from, enum MHD_Result *res)
{
    if (date_param(req, "from", from, res) != 0)
        return -1;
    if (*from != STATS_OPEN && *from > date) {
        char a[DATE_STR_LEN], b[DATE_STR_LEN];
        *res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "from (%s) is after the date ranked (%s)",
                             date_format(*from, a), date_format(date, b));
        return -1;
    }
    return 0;
}

/* The answer to a core status other than STATS_OK once the input was validated. */
static enum MHD_Result reply_core_error(request *req, int rc)
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
    return render_date(from != STATS_OPEN ? from : s->dates[0]);
}

static json_t *render_to(const stats_snapshot *s, int to)
{
    return render_date(to != STATS_OPEN ? to : s->dates[s->n_rep - 1]);
}

static json_t *render_ranked(const stats_record *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, render_record(&v[i]));
    return a;
}

/* x rounded to 2 decimals, half away from zero; null when not a number. */
static json_t *render_decimal(double x)
{
    return isfinite(x) ? json_real(round(x * 100.0) / 100.0) : json_null();
}

static json_t *render_change(const stats_change *c)
{
    if (c->per_day)
        return json_pack("{s:o, s:o, s:o, s:o, s:b}", "previous", render_decimal(c->previous),
                         "current", render_decimal(c->current), "delta", render_decimal(c->delta),
                         "pct", render_decimal(c->pct), "per_day", 1);
    return json_pack("{s:I, s:I, s:I, s:o, s:b}", "previous", (json_int_t)c->previous,
                     "current", (json_int_t)c->current, "delta", (json_int_t)c->delta,
                     "pct", render_decimal(c->pct), "per_day", 0);
}

/* One period: {"period","from","to","days","reports","losses","per_day","change"} for the
 * categories selected. */
static json_t *render_period(const stats_snapshot *s, const stats_summary *sum, size_t i,
                             const stats_selection *sel)
{
    const stats_period *p = &sum->periods[i];
    json_t *losses = json_object(), *per_day = json_object(), *change = json_object();
    stats_change c;
    for (size_t k = 0; losses && per_day && change && k < s->n_cat; k++) {
        if (!sel->mask[k] || p->losses[k] == STATS_NONE)
            continue;
        json_object_set_new(losses, s->cats[k].id, json_integer(p->losses[k]));
        json_object_set_new(per_day, s->cats[k].id,
                            render_decimal((double)p->losses[k] / p->days));
        if (stats_period_change(sum, i, k, &c) == 0)
            json_object_set_new(change, s->cats[k].id, render_change(&c));
    }
    return json_pack("{s:s, s:o, s:o, s:i, s:i, s:o*, s:o*, s:o*}", "period", p->name,
                     "from", render_date(p->from), "to", render_date(p->to), "days", p->days,
                     "reports", p->n_reports, "losses", losses, "per_day", per_day,
                     "change", change);
}

static json_t *render_summary(const stats_snapshot *s, const stats_summary *sum,
                              const stats_selection *sel)
{
    json_t *periods = json_array();
    for (size_t i = 0; periods && i < sum->n_periods; i++)
        json_array_append_new(periods, render_period(s, sum, i, sel));
    return json_pack("{s:o, s:o, s:s, s:o*}", "from", render_date(sum->from), "to",
                     render_date(sum->to), "group", stats_group_name(sum->group),
                     "periods", periods);
}

/* reply_json_new, with reals written with 15 significant digits so that a value rounded
 * to 2 decimals reads as such (1477.14, not 1477.1400000000001). Steals body. */
static enum MHD_Result reply_decimals_new(request *req, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                             JSON_REAL_PRECISION(15)) : NULL;
    json_decref(body);
    if (text == NULL)
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE,
                             "out of memory rendering the answer");
    enum MHD_Result r = reply_bytes(req, MHD_HTTP_OK, "application/json; charset=utf-8", text,
                                    strlen(text));
    free(text);
    return r;
}

/* ---- handlers -------------------------------------------------------------------------- */

/* GET /v1/records?from&to&category: the record day of every category with a daily value. */
enum MHD_Result handle_records_all(request *req)
{
    enum MHD_Result res = MHD_NO;
    stats_selection sel = {0, NULL};
    stats_record best;
    int from, to;
    stats_snapshot *s = req_snapshot(req);
    if (window_param(req, &from, &to, &res) != 0 || param_categories(req, s, &sel, &res) != 0)
        goto cleanup;
    if (s->n_rep == 0) {
        res = reply_no_data(req);
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
        window_param(req, &from, &to, &res) != 0 ||
        param_query_int(req, "limit", 1, RECORDS_LIMIT_MAX, RECORDS_LIMIT_DEFAULT, &limit,
                        &res) != 0)
        goto cleanup;
    if (s->n_rep == 0) {
        res = reply_no_data(req);
        goto cleanup;
    }
    if ((rc = stats_records(s, cat, from, to, (size_t)limit, &v, &n, &compared)) != STATS_OK) {
        res = reply_core_error(req, rc);
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
        res = rc == STATS_ENOTFOUND ? reply_unranked(req, s, cat, day) : reply_core_error(req, rc);
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
    int from, to, group, rc;
    memset(&sum, 0, sizeof sum);
    stats_snapshot *s = req_snapshot(req);
    if (window_param(req, &from, &to, &res) != 0 || param_categories(req, s, &sel, &res) != 0 ||
        group_param(req, &group, &res) != 0)
        goto cleanup;
    if (s->n_rep == 0) {
        res = reply_no_data(req);
        goto cleanup;
    }
    if ((rc = stats_summary_compute(s, from, to, group, &sum)) != STATS_OK) {
        res = reply_core_error(req, rc);
        goto cleanup;
    }
    res = reply_decimals_new(req, render_summary(s, &sum, &sel));
cleanup:
    stats_summary_free(&sum);
    stats_selection_free(&sel);
    stats_snapshot_unref(s);
    return res;
}
