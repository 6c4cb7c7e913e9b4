/* Reports a snapshot adds or corrects against its predecessor (stats_diff.h). */
#include "attrition/stats_diff.h"

#include <stdlib.h>
#include <string.h>

/* Does report i of fresh differ from old's report of its date (*j: a cursor into old's
 * dates, advanced; map: fresh category -> old category or -1)? */
static int report_changed(const stats_snapshot *old, const stats_snapshot *fresh,
                          const int *map, size_t i, size_t *j)
{
    while (*j < old->n_rep && old->dates[*j] < fresh->dates[i])
        (*j)++;
    if (*j >= old->n_rep || old->dates[*j] != fresh->dates[i])
        return 1;
    for (size_t c = 0; c < fresh->n_cat; c++) {
        int64_t v = stats_total(fresh, i, c);
        int64_t w = map[c] >= 0 ? stats_total(old, *j, (size_t)map[c]) : STATS_NONE;
        if (v != w)
            return 1;
        const char *q = stats_qualifier(fresh, i, c);
        const char *r = map[c] >= 0 ? stats_qualifier(old, *j, (size_t)map[c]) : NULL;
        if ((q == NULL) != (r == NULL) || (q && strcmp(q, r) != 0))
            return 1;
    }
    return 0;
}

long stats_changed_reports(const stats_snapshot *old, const stats_snapshot *fresh, size_t *out,
                           size_t max)
{
    if (old == NULL || max == 0)
        return 0;
    int *map = malloc((fresh->n_cat ? fresh->n_cat : 1) * sizeof *map);
    if (map == NULL)
        return -1;
    for (size_t c = 0; c < fresh->n_cat; c++)
        map[c] = stats_category_index(old, fresh->cats[c].id);
    size_t n = 0, j = 0;
    /* The newest max changed reports: a ring of indices, then unrolled oldest first. */
    for (size_t i = 0; i < fresh->n_rep; i++)
        if (report_changed(old, fresh, map, i, &j))
            out[n++ % max] = i;
    free(map);
    size_t kept = n < max ? n : max;
    if (n > max) { /* rotate so that out[0] is the oldest kept */
        size_t start = n % max;
        size_t *tmp = malloc(max * sizeof *tmp);
        if (tmp == NULL)
            return -1;
        for (size_t k = 0; k < max; k++)
            tmp[k] = out[(start + k) % max];
        memcpy(out, tmp, max * sizeof *tmp);
        free(tmp);
    }
    return (long)kept;
}
