/* Records, ranks and period sums over a snapshot (see the contracts in stats.h). */
#include "attrition/stats.h"
#include "attrition/date.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Report indices lo..hi-1 whose dates lie in from..to: stats_window's (empty when from >
 * to, which the callers refuse first). */
static void report_range(const stats_snapshot *s, int from, int to, size_t *lo, size_t *hi)
{
    int f, t;
    if (stats_window(s, from, to, lo, hi, &f, &t) != STATS_OK)
        *lo = *hi = 0;
}

static int bad_args(const stats_snapshot *s, int cat, int from, int to)
{
    return cat < 0 || (size_t)cat >= s->n_cat ||
           (from != DATE_NONE && to != DATE_NONE && from > to);
}

/* Greater value first; among equals the earlier date. */
static int cmp_record(const void *a, const void *b)
{
    const stats_record *x = a, *y = b;
    if (x->value != y->value)
        return x->value < y->value ? 1 : -1;
    return (x->date > y->date) - (x->date < y->date);
}

/* Collects the daily values of cat in report indices lo..hi-1, sorted by cmp_record and
 * ranked. Returns a malloc'd array (caller frees) with *n entries, or NULL on ENOMEM. */
static stats_record *ranked_days(const stats_snapshot *s, int cat, size_t lo, size_t hi,
                                 size_t *n)
{
    stats_record *v = malloc((hi > lo ? hi - lo : 1) * sizeof *v);
    if (v == NULL)
        return NULL;
    size_t k = 0;
    for (size_t r = lo; r < hi; r++) {
        int64_t l = stats_loss(s, r, (size_t)cat);
        if (l != STATS_NONE)
            v[k++] = (stats_record){0, s->dates[r], l};
    }
    qsort(v, k, sizeof *v, cmp_record);
    for (size_t i = 0; i < k; i++)
        v[i].rank = i > 0 && v[i].value == v[i - 1].value ? v[i - 1].rank : (int)i + 1;
    *n = k;
    return v;
}

int stats_records(const stats_snapshot *s, int cat, int from, int to, size_t limit,
                  stats_record **out, size_t *n, size_t *compared)
{
    size_t lo, hi, k;
    if (bad_args(s, cat, from, to))
        return STATS_EINVAL;
    report_range(s, from, to, &lo, &hi);
    stats_record *v = ranked_days(s, cat, lo, hi, &k);
    if (v == NULL)
        return STATS_ENOMEM;
    *compared = k;
    *n = k < limit ? k : limit;
    *out = v;
    return STATS_OK;
}

int stats_record_best(const stats_snapshot *s, int cat, int from, int to, stats_record *out)
{
    size_t lo, hi;
    int found = 0;
    if (bad_args(s, cat, from, to))
        return STATS_EINVAL;
    report_range(s, from, to, &lo, &hi);
    for (size_t r = lo; r < hi; r++) {
        int64_t l = stats_loss(s, r, (size_t)cat);
        if (l != STATS_NONE && (!found || l > out->value)) {
            *out = (stats_record){1, s->dates[r], l}; /* strictly greater: earliest wins */
            found = 1;
        }
    }
    return found ? STATS_OK : STATS_ENOTFOUND;
}

int stats_rank_of(const stats_snapshot *s, int cat, int date, int from, size_t max_above,
                  stats_record *self, stats_record **above, size_t *n_above,
                  size_t *compared)
{
    size_t lo, hi, k;
    if (bad_args(s, cat, from, date))
        return STATS_EINVAL;
    int r = stats_report_index(s, date);
    if (r < 0 || stats_loss(s, (size_t)r, (size_t)cat) == STATS_NONE)
        return STATS_ENOTFOUND;
    report_range(s, from, date, &lo, &hi);
    stats_record *v = ranked_days(s, cat, lo, hi, &k);
    if (v == NULL)
        return STATS_ENOMEM;
    /* The day itself is in the window (from <= date, and it has a value). */
    size_t pos = 0;
    while (pos < k && v[pos].date != date)
        pos++;
    *self = v[pos];
    /* The days ranking ahead are those with a greater value: v[0 .. first of its rank).
     * Keep the max_above closest to it. */
    size_t ahead = (size_t)self->rank - 1;
    size_t start = ahead > max_above ? ahead - max_above : 0;
    memmove(v, v + start, (ahead - start) * sizeof *v);
    *n_above = ahead - start;
    *compared = k;
    *above = v;
    return STATS_OK;
}

static const char *const group_names[] = {"none", "week", "month", "year"};

int stats_group_parse(const char *s)
{
    if (s == NULL)
        return STATS_GROUP_NONE;
    for (int i = 0; i < 4; i++)
        if (strcmp(s, group_names[i]) == 0)
            return i;
    return -1;
}

const char *stats_group_name(int group)
{
    return group >= 0 && group < 4 ? group_names[group] : "none";
}

/* The calendar period of `group` (week, month, year) that holds day d: [*start, *end] and
 * its name. */
static void period_of(int group, int d, int *start, int *end, char name[32])
{
    int y, m, dd, iy, w;
    date_to_ymd(d, &y, &m, &dd);
    switch (group) {
    case STATS_GROUP_WEEK:
        *start = d - date_weekday(d) + 1;
        *end = *start + 6;
        date_iso_week(d, &iy, &w);
        snprintf(name, 32, "%04d-W%02d", iy, w);
        break;
    case STATS_GROUP_MONTH:
        *start = date_from_ymd(y, m, 1);
        *end = *start + date_days_in_month(y, m) - 1;
        snprintf(name, 32, "%04d-%02d", y, m);
        break;
    default: /* year */
        *start = date_from_ymd(y, 1, 1);
        *end = date_from_ymd(y, 12, 31);
        snprintf(name, 32, "%04d", y);
        break;
    }
}

/* An upper bound of the number of periods of `group` that days f..t touch: k periods need
 * at least k - 2 whole ones in between (of at least 7, 28 or 365 days). */
static size_t period_cap(int group, int f, int t)
{
    static const int shortest[] = {0, 7, 28, 365};
    if (group == STATS_GROUP_NONE)
        return 1;
    return (size_t)(t - f) / (size_t)shortest[group] + 2;
}

void stats_summary_free(stats_summary *sum)
{
    for (size_t i = 0; i < sum->n_periods; i++)
        free(sum->periods[i].losses);
    free(sum->periods);
    sum->periods = NULL;
    sum->n_periods = 0;
}

/* Sums the losses of reports lo..hi-1 into p->losses (STATS_NONE where none). */
static void period_sum(const stats_snapshot *s, size_t lo, size_t hi, stats_period *p)
{
    for (size_t c = 0; c < s->n_cat; c++)
        p->losses[c] = STATS_NONE;
    for (size_t r = lo; r < hi; r++)
        for (size_t c = 0; c < s->n_cat; c++) {
            int64_t l = stats_loss(s, r, c);
            if (l == STATS_NONE)
                continue;
            p->losses[c] = p->losses[c] == STATS_NONE ? l : p->losses[c] + l;
        }
    p->n_reports = (int)(hi - lo);
}

/* Fills the effective window of a summary into out->from/to; returns 0 when it holds
 * reports, -1 when it holds none (out->from/to then echo the request). */
static int summary_window(const stats_snapshot *s, int from, int to, stats_summary *out)
{
    int first = s->n_rep ? s->dates[0] : DATE_WAR_START;
    int last = s->n_rep ? s->dates[s->n_rep - 1] : DATE_WAR_START;
    out->from = from != DATE_NONE ? from : first;
    out->to = to != DATE_NONE ? to : last;
    if (s->n_rep == 0 || out->from > last || out->to < first)
        return -1;
    if (out->from < first)
        out->from = first;
    if (out->to > last)
        out->to = last;
    return 0;
}

int stats_summary_compute(const stats_snapshot *s, int from, int to, int group,
                          stats_summary *out)
{
    memset(out, 0, sizeof *out);
    if (group < STATS_GROUP_NONE || group > STATS_GROUP_YEAR ||
        (from != DATE_NONE && to != DATE_NONE && from > to))
        return STATS_EINVAL;
    out->group = group;
    out->n_cat = s->n_cat;
    if (summary_window(s, from, to, out) != 0)
        return STATS_OK;
    int f = out->from, t = out->to;
    size_t cap = period_cap(group, f, t);
    out->periods = calloc(cap, sizeof *out->periods);
    if (out->periods == NULL)
        return STATS_ENOMEM;
    size_t r = stats_lower_bound(s, f);
    for (int d = f; d <= t && out->n_periods < cap;) {
        stats_period *p = &out->periods[out->n_periods];
        int start = f, end = t;
        if (group == STATS_GROUP_NONE) {
            char a[DATE_STR_LEN], b[DATE_STR_LEN];
            snprintf(p->name, sizeof p->name, "%s..%s", date_format(f, a), date_format(t, b));
        } else {
            period_of(group, d, &start, &end, p->name);
        }
        p->from = start < f ? f : start;
        p->to = end > t ? t : end;
        p->days = p->to - p->from + 1;
        p->losses = malloc((s->n_cat ? s->n_cat : 1) * sizeof *p->losses);
        if (p->losses == NULL)
            return STATS_ENOMEM; /* the caller frees what was built */
        out->n_periods++;
        size_t e = r;
        while (e < s->n_rep && s->dates[e] <= p->to)
            e++;
        period_sum(s, r, e, p);
        r = e;
        d = p->to + 1;
    }
    return STATS_OK;
}

int stats_period_change(const stats_summary *sum, size_t p, size_t cat, stats_change *out)
{
    if (p == 0 || p >= sum->n_periods || cat >= sum->n_cat)
        return -1;
    const stats_period *a = &sum->periods[p - 1], *b = &sum->periods[p];
    if (a->losses[cat] == STATS_NONE || b->losses[cat] == STATS_NONE)
        return -1;
    out->per_day = a->days != b->days;
    out->previous = (double)a->losses[cat];
    out->current = (double)b->losses[cat];
    if (out->per_day) {
        out->previous /= a->days;
        out->current /= b->days;
    }
    out->delta = out->current - out->previous;
    out->pct = out->previous != 0 ? out->delta / out->previous * 100.0 : NAN;
    return 0;
}
