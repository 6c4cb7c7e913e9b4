/* The statistics snapshot: categories, report dates and the totals matrix, with the daily
 * losses derived once by the contract's rules (see stats_snapshot_build). */
#include "attrition/stats.h"
#include "attrition/date.h"
#include "array.h"

#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void snapshot_free(stats_snapshot *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n_cat && s->cats; i++) {
        free(s->cats[i].id);
        free(s->cats[i].label);
        free(s->cats[i].unit);
        free(s->cats[i].replaces);
    }
    free(s->cats);
    for (size_t i = 1; i < s->n_quals; i++)
        free(s->quals[i]);
    free(s->quals);
    free(s->dates);
    free(s->span);
    free(s->total);
    free(s->loss);
    free(s->qual);
    free(s);
}

stats_snapshot *stats_snapshot_ref(stats_snapshot *s)
{
    if (s)
        __atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
    return s;
}

void stats_snapshot_unref(stats_snapshot *s)
{
    if (s && __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) == 0)
        snapshot_free(s);
}

int stats_category_index(const stats_snapshot *s, const char *id)
{
    for (size_t i = 0; i < s->n_cat; i++)
        if (strcmp(s->cats[i].id, id) == 0)
            return (int)i;
    return -1;
}

size_t stats_lower_bound(const stats_snapshot *s, int day)
{
    size_t lo = 0, hi = s->n_rep;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->dates[mid] < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int stats_report_index(const stats_snapshot *s, int day)
{
    size_t i = stats_lower_bound(s, day);
    return i < s->n_rep && s->dates[i] == day ? (int)i : -1;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Interns qualifier q into s->quals; returns its index (0 for NULL/""), or -1 on ENOMEM
 * or when more than 255 distinct qualifiers exist. */
static int qual_intern(stats_snapshot *s, const char *q, size_t *cap)
{
    if (q == NULL || *q == '\0')
        return 0;
    for (size_t i = 1; i < s->n_quals; i++)
        if (strcmp(s->quals[i], q) == 0)
            return (int)i;
    if (s->n_quals >= 256)
        return -1;
    char **nq = array_room(s->quals, s->n_quals, cap, sizeof *nq, 8);
    if (nq == NULL)
        return -1;
    s->quals = nq;
    s->quals[s->n_quals] = strdup(q);
    if (s->quals[s->n_quals] == NULL)
        return -1;
    return (int)s->n_quals++;
}

/* Derives loss[] and span[] from total[] by the contract's rules:
 * - the first report counts from zero (loss = total);
 * - otherwise loss = total minus the category's previous total (negative: a correction);
 * - a category's first total after the first report continues its predecessors
 *   (total minus the sum of their last totals); with no predecessor reported there is no
 *   daily value. */
static int derive_losses(stats_snapshot *s)
{
    size_t nc = s->n_cat;
    int rc = STATS_ENOMEM;
    int64_t *last = malloc((nc ? nc : 1) * sizeof *last);
    if (last == NULL)
        goto cleanup;
    for (size_t c = 0; c < nc; c++) {
        last[c] = STATS_NONE;
        s->cats[c].first = s->cats[c].last = -1;
    }
    for (size_t r = 0; r < s->n_rep; r++) {
        int prev_date = r == 0 ? DATE_WAR_START : s->dates[r - 1];
        int span = s->dates[r] - prev_date;
        s->span[r] = span < 1 ? 1 : span;
        for (size_t c = 0; c < nc; c++) {
            int64_t t = s->total[r * nc + c];
            int64_t l = STATS_NONE;
            if (t == STATS_NONE) {
                s->loss[r * nc + c] = l;
                continue;
            }
            if (r == 0) {
                l = t;
            } else if (last[c] != STATS_NONE) {
                l = t - last[c];
            } else {
                int64_t sum = 0;
                int any = 0;
                for (int k = 0; k < s->cats[c].n_replaces; k++) {
                    int p = s->cats[c].replaces[k];
                    if (last[p] != STATS_NONE) {
                        sum += last[p];
                        any = 1;
                    }
                }
                if (any)
                    l = t - sum;
            }
            s->loss[r * nc + c] = l;
            if (s->cats[c].first < 0)
                s->cats[c].first = (int)r;
            s->cats[c].last = (int)r;
        }
        for (size_t c = 0; c < nc; c++)
            if (s->total[r * nc + c] != STATS_NONE)
                last[c] = s->total[r * nc + c];
    }
    rc = STATS_OK;
cleanup:
    free(last);
    return rc;
}

/* Links replaced_by ids into indices and fills each category's replaces[]. */
static int link_categories(stats_snapshot *s, const stats_category_def *defs)
{
    for (size_t i = 0; i < s->n_cat; i++) {
        s->cats[i].replaced_by = -1;
        if (defs[i].replaced_by == NULL)
            continue;
        int j = stats_category_index(s, defs[i].replaced_by);
        if (j < 0 || (size_t)j == i)
            return STATS_EINVAL;
        s->cats[i].replaced_by = j;
    }
    for (size_t i = 0; i < s->n_cat; i++) {
        int j = s->cats[i].replaced_by;
        if (j < 0)
            continue;
        size_t n = (size_t)s->cats[j].n_replaces, cap = n; /* grown one at a time: few */
        int *nr = array_room(s->cats[j].replaces, n, &cap, sizeof *nr, 1);
        if (nr == NULL)
            return STATS_ENOMEM;
        s->cats[j].replaces = nr;
        nr[s->cats[j].n_replaces++] = (int)i;
    }
    return STATS_OK;
}

/* Copies the s->n_cat category definitions into s->cats (strings duplicated). 0, or -1
 * when memory is short (what was copied stays for snapshot_free). */
static int copy_categories(stats_snapshot *s, const stats_category_def *cats)
{
    for (size_t i = 0; i < s->n_cat; i++) {
        s->cats[i].id = strdup(cats[i].id);
        s->cats[i].label = strdup(cats[i].label ? cats[i].label : cats[i].id);
        s->cats[i].unit = dup_or_null(cats[i].unit);
        s->cats[i].seeded = cats[i].seeded;
        if (s->cats[i].id == NULL || s->cats[i].label == NULL ||
            (cats[i].unit && s->cats[i].unit == NULL))
            return -1;
    }
    return 0;
}

/* The distinct dates of vals, ascending, into a new array *days (caller frees, also on
 * failure) of *nd. STATS_OK, STATS_EINVAL (a value's category not below n_cat) or
 * STATS_ENOMEM. */
static int distinct_days(const stats_value_def *vals, size_t n_val, size_t n_cat, int **days,
                         size_t *nd)
{
    int *d = malloc((n_val ? n_val : 1) * sizeof *d);
    *days = d;
    *nd = 0;
    if (d == NULL)
        return STATS_ENOMEM;
    for (size_t i = 0; i < n_val; i++) {
        if (vals[i].cat < 0 || (size_t)vals[i].cat >= n_cat)
            return STATS_EINVAL;
        d[i] = vals[i].date;
    }
    qsort(d, n_val, sizeof *d, cmp_int);
    for (size_t i = 0; i < n_val; i++)
        if (*nd == 0 || d[*nd - 1] != d[i])
            d[(*nd)++] = d[i];
    return STATS_OK;
}

int stats_snapshot_build(const stats_category_def *cats, size_t n_cat,
                         const stats_value_def *vals, size_t n_val,
                         uint64_t version, int64_t modified, stats_snapshot **out)
{
    int rc = STATS_ENOMEM;
    int *days = NULL;
    size_t qcap = 8;
    stats_snapshot *s = calloc(1, sizeof *s);
    if (s == NULL)
        goto cleanup;
    s->refs = 1;
    s->version = version;
    s->modified = modified;
    s->cats = calloc(n_cat ? n_cat : 1, sizeof *s->cats);
    s->quals = calloc(qcap, sizeof *s->quals);
    if (s->cats == NULL || s->quals == NULL)
        goto cleanup;
    s->n_quals = 1;
    s->n_cat = n_cat;
    if (copy_categories(s, cats) != 0)
        goto cleanup;
    if ((rc = link_categories(s, cats)) != STATS_OK)
        goto cleanup;
    size_t nd = 0;
    if ((rc = distinct_days(vals, n_val, n_cat, &days, &nd)) != STATS_OK)
        goto cleanup;
    rc = STATS_ENOMEM;
    s->n_rep = nd;
    size_t cells = (nd ? nd : 1) * (n_cat ? n_cat : 1);
    s->dates = malloc((nd ? nd : 1) * sizeof *s->dates);
    s->span = malloc((nd ? nd : 1) * sizeof *s->span);
    s->total = malloc(cells * sizeof *s->total);
    s->loss = malloc(cells * sizeof *s->loss);
    s->qual = calloc(cells, 1);
    if (!s->dates || !s->span || !s->total || !s->loss || !s->qual)
        goto cleanup;
    memcpy(s->dates, days, nd * sizeof *days);
    for (size_t i = 0; i < cells; i++)
        s->total[i] = STATS_NONE;
    for (size_t i = 0; i < n_val; i++) {
        int r = stats_report_index(s, vals[i].date);
        size_t cell = (size_t)r * n_cat + (size_t)vals[i].cat;
        int q = qual_intern(s, vals[i].qualifier, &qcap);
        if (q < 0)
            goto cleanup;
        s->total[cell] = vals[i].total;
        s->qual[cell] = (unsigned char)q;
    }
    if ((rc = derive_losses(s)) != STATS_OK)
        goto cleanup;
    *out = s;
    s = NULL;
    rc = STATS_OK;
cleanup:
    free(days);
    snapshot_free(s);
    return rc;
}

int stats_selection_parse(const stats_snapshot *s, const char *list, stats_selection *sel,
                          char *bad, size_t badlen)
{
    sel->n = s->n_cat;
    sel->mask = calloc(s->n_cat ? s->n_cat : 1, 1);
    if (sel->mask == NULL)
        return STATS_ENOMEM;
    if (list == NULL || *list == '\0') {
        memset(sel->mask, 1, s->n_cat);
        return STATS_OK;
    }
    const char *p = list;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int found = -1;
        for (size_t i = 0; i < s->n_cat; i++)
            if (strlen(s->cats[i].id) == len && memcmp(s->cats[i].id, p, len) == 0)
                found = (int)i;
        if (found < 0) {
            if (badlen) {
                size_t n = len < badlen - 1 ? len : badlen - 1;
                memcpy(bad, p, n);
                bad[n] = '\0';
            }
            stats_selection_free(sel);
            return STATS_EINVAL;
        }
        sel->mask[found] = 1;
        if (end == NULL)
            break;
        p = end + 1;
    }
    return STATS_OK;
}

void stats_selection_free(stats_selection *sel)
{
    free(sel->mask);
    sel->mask = NULL;
    sel->n = 0;
}

int stats_window(const stats_snapshot *s, int from, int to, size_t *lo, size_t *hi,
                 int *from_out, int *to_out)
{
    if (from != DATE_NONE && to != DATE_NONE && from > to)
        return STATS_EINVAL;
    int first = s->n_rep ? s->dates[0] : DATE_WAR_START;
    int last = s->n_rep ? s->dates[s->n_rep - 1] : DATE_WAR_START;
    *lo = from == DATE_NONE ? 0 : stats_lower_bound(s, from);
    *hi = to == DATE_NONE || to == INT_MAX ? s->n_rep : stats_lower_bound(s, to + 1);
    if (*hi < *lo)
        *hi = *lo;
    *from_out = from != DATE_NONE ? from : first;
    *to_out = to != DATE_NONE ? to : last;
    return STATS_OK;
}
