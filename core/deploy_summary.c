/* Deployment estimates: the per-pair summary (latest, by source, range, projection) of a
 * pair's history. See include/attrition/deploy.h. */
#include "attrition/deploy.h"
#include "deploy_internal.h"

#include <stdlib.h>
#include <string.h>

void deploy_summary_init(deploy_summary *s)
{
    memset(s, 0, sizeof *s);
    deploy_estimate_init(&s->latest);
    deploy_estimate_init(&s->projection);
}

void deploy_summary_free(deploy_summary *s)
{
    if (s == NULL)
        return;
    deploy_estimate_clear(&s->latest);
    deploy_estimate_clear(&s->projection);
    deploy_list_free(s->by_source, s->n_by_source);
    deploy_list_free(s->history, s->n_history);
    deploy_summary_init(s);
}

/* One source of the pair: indices into the history of its newest non-projection and its
 * newest projection, -1 if none. */
typedef struct source_current {
    const char *name;
    long current, projection;
} source_current;

static void range_add(deploy_summary *s, int64_t v)
{
    if (!s->has_range || v < s->range_low)
        s->range_low = v;
    if (!s->has_range || v > s->range_high)
        s->range_high = v;
    s->has_range = 1;
}

static void range_add_estimate(deploy_summary *s, const deploy_estimate *e)
{
    range_add(s, e->figure);
    if (e->has_low)
        range_add(s, e->low);
    if (e->has_high)
        range_add(s, e->high);
}

static int index_compare(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* Groups the history of s by source into src (room for n_history): each source's newest
 * non-projection and newest projection (a later index is newer), and the pair's in *latest
 * and *projection (-1: none). Returns the number of sources. */
static size_t group_sources(const deploy_summary *s, source_current *src, long *latest,
                            long *projection)
{
    size_t n_src = 0;
    for (size_t i = 0; i < s->n_history; i++) {
        const deploy_estimate *e = &s->history[i];
        size_t j = 0;
        while (j < n_src && strcmp(src[j].name, e->source_name) != 0)
            j++;
        if (j == n_src) {
            src[n_src].name = e->source_name;
            src[n_src].current = src[n_src].projection = -1;
            n_src++;
        }
        if (e->kind == DEPLOY_PROJECTION)
            src[j].projection = *projection = (long)i;
        else
            src[j].current = *latest = (long)i;
    }
    return n_src;
}

/* Fills latest, projection, by_source and the range of s from its history (ordered by
 * as_of, id, so a later index is a newer estimate). Returns a deploy status. */
static int summarise(deploy_summary *s)
{
    source_current *src = NULL;
    long *pick = NULL, latest = -1, projection = -1;
    size_t n_src = 0;
    int status = DEPLOY_OK;

    if (s->n_history == 0)
        return DEPLOY_OK;
    src = calloc(s->n_history, sizeof *src);
    pick = calloc(s->n_history, sizeof *pick);
    if (src == NULL || pick == NULL) {
        status = DEPLOY_ENOMEM;
        goto cleanup;
    }
    n_src = group_sources(s, src, &latest, &projection);
    for (size_t j = 0; j < n_src; j++) {
        pick[j] = src[j].current >= 0 ? src[j].current : src[j].projection;
        if (src[j].current >= 0)
            range_add_estimate(s, &s->history[src[j].current]);
        if (src[j].projection >= 0)
            range_add_estimate(s, &s->history[src[j].projection]);
    }
    qsort(pick, n_src, sizeof *pick, index_compare);
    s->by_source = calloc(n_src, sizeof *s->by_source);
    if (s->by_source == NULL) {
        status = DEPLOY_ENOMEM;
        goto cleanup;
    }
    for (size_t j = 0; j < n_src; j++) {
        status = deploy_estimate_copy(&s->by_source[j], &s->history[pick[j]]);
        if (status != DEPLOY_OK)
            goto cleanup;
        s->n_by_source++;
    }
    if (latest >= 0) {
        status = deploy_estimate_copy(&s->latest, &s->history[latest]);
        if (status != DEPLOY_OK)
            goto cleanup;
        s->has_latest = 1;
    }
    if (projection >= 0) {
        status = deploy_estimate_copy(&s->projection, &s->history[projection]);
        if (status != DEPLOY_OK)
            goto cleanup;
        s->has_projection = 1;
    }
cleanup:
    free(src);
    free(pick);
    return status;
}

int deploy_summary_of(deploy_estimate *history, size_t n, deploy_summary *out)
{
    int status;
    deploy_summary_init(out);
    out->history = history;
    out->n_history = n;
    status = summarise(out);
    if (status != DEPLOY_OK)
        deploy_summary_free(out);
    return status;
}
