/* JSON renderings of snapshot rows, and the answer for an empty database. */
#include "render.h"
#include "reply.h"
#include "attrition/date.h"

#include <string.h>

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

enum MHD_Result reply_no_data(request *req)
{
    return reply_problem(req, MHD_HTTP_NOT_FOUND,
                         "no report is stored yet: import the ministry's data (attrition import) "
                         "or POST /v1/reports");
}
