/* JSON renderings of snapshot rows, and the parameter helpers handlers share. */
#include "render.h"
#include "reply.h"
#include "attrition/date.h"

#include <string.h>
#include <strings.h>

json_t *render_date(int day)
{
    char ds[DATE_STR_LEN];
    return json_string(date_format(day, ds));
}

static int selected(const stats_selection *sel, size_t c)
{
    return sel == NULL || sel->mask[c];
}

/* {cat: value} of one row of matrix m (total or loss), values that exist only. */
static json_t *render_row(const stats_snapshot *s, const int64_t *m, size_t rep,
                          const stats_selection *sel)
{
    json_t *o = json_object();
    for (size_t c = 0; o && c < s->n_cat; c++) {
        int64_t v = m[rep * s->n_cat + c];
        if (v != STATS_NONE && selected(sel, c))
            json_object_set_new(o, s->cats[c].id, json_integer(v));
    }
    return o;
}

json_t *render_totals(const stats_snapshot *s, size_t rep, const stats_selection *sel)
{
    return render_row(s, s->total, rep, sel);
}

json_t *render_losses(const stats_snapshot *s, size_t rep, const stats_selection *sel)
{
    return render_row(s, s->loss, rep, sel);
}

json_t *render_qualifiers(const stats_snapshot *s, size_t rep, const stats_selection *sel)
{
    json_t *o = json_object();
    for (size_t c = 0; o && c < s->n_cat; c++) {
        const char *q = stats_qualifier(s, rep, c);
        if (q && selected(sel, c))
            json_object_set_new(o, s->cats[c].id, json_string(q));
    }
    return o;
}

json_t *render_corrections(const stats_snapshot *s, size_t rep, const stats_selection *sel)
{
    json_t *a = json_array();
    for (size_t c = 0; a && c < s->n_cat; c++) {
        int64_t l = stats_loss(s, rep, c);
        if (l != STATS_NONE && l < 0 && selected(sel, c))
            json_array_append_new(a, json_string(s->cats[c].id));
    }
    return a;
}

json_t *render_cumulative(const stats_snapshot *s, size_t rep, const stats_selection *sel)
{
    return json_pack("{s:o, s:i, s:o, s:o}", "date", render_date(s->dates[rep]), "day",
                     date_war_day(s->dates[rep]), "totals", render_totals(s, rep, sel),
                     "qualifiers", render_qualifiers(s, rep, sel));
}

json_t *render_daily(const stats_snapshot *s, size_t rep, const stats_selection *sel)
{
    return json_pack("{s:o, s:i, s:o, s:o, s:i, s:o}", "date", render_date(s->dates[rep]),
                     "day", date_war_day(s->dates[rep]), "losses", render_losses(s, rep, sel),
                     "totals", render_totals(s, rep, sel), "span_days", s->span[rep],
                     "corrections", render_corrections(s, rep, sel));
}

json_t *render_record(const stats_record *r)
{
    return json_pack("{s:i, s:o, s:I}", "rank", r->rank, "date", render_date(r->date), "value",
                     (json_int_t)r->value);
}

int param_categories(request *req, const stats_snapshot *s, stats_selection *sel,
                     enum MHD_Result *res)
{
    char bad[64];
    int rc = stats_selection_parse(s, req_query(req, "category"), sel, bad, sizeof bad);
    if (rc == STATS_OK)
        return 0;
    if (rc == STATS_ENOMEM)
        *res = reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
    else
        *res = reply_problem(req, MHD_HTTP_BAD_REQUEST,
                             "category: \"%s\" is not a known category id (see /v1/categories)", bad);
    return -1;
}

int param_path_category(request *req, const stats_snapshot *s, size_t i, int *cat,
                        enum MHD_Result *res)
{
    const char *id = i < req->n_params ? req->params[i] : "";
    *cat = stats_category_index(s, id);
    if (*cat >= 0)
        return 0;
    *res = reply_problem(req, MHD_HTTP_NOT_FOUND,
                         "\"%.64s\" is not a known category id (see /v1/categories)", id);
    return -1;
}

int param_window(request *req, int *from, int *to, enum MHD_Result *res)
{
    if (param_query_date(req, "from", from, res) != 0 || param_query_date(req, "to", to, res) != 0)
        return -1;
    if (*from >= 0 && *to >= 0 && *from > *to) {
        char a[DATE_STR_LEN], b[DATE_STR_LEN];
        *res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "from (%s) is after to (%s)",
                             date_format(*from, a), date_format(*to, b));
        return -1;
    }
    return 0;
}

int param_wants_csv(request *req, int *csv, enum MHD_Result *res)
{
    const char *f = req_query(req, "format");
    const char *accept = req_header(req, MHD_HTTP_HEADER_ACCEPT);
    *csv = 0;
    if (f) {
        if (strcmp(f, "csv") == 0)
            *csv = 1;
        else if (strcmp(f, "json") != 0) {
            *res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "format: \"%.32s\" is not json or csv", f);
            return -1;
        }
        return 0;
    }
    *csv = accept && strcasestr(accept, "text/csv") != NULL;
    return 0;
}

enum MHD_Result reply_no_data(request *req)
{
    return reply_problem(req, MHD_HTTP_NOT_FOUND,
                         "no report is stored yet: import the ministry's data (attrition import) "
                         "or POST /v1/reports");
}
