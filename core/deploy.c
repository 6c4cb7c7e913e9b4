/* Deployment estimates: the model (kinds, lifecycle of deploy_estimate). The other
 * concerns have their own files: deploy_validate.c (the contract's rules), deploy_parse.c
 * (JSON input), deploy_db.c (SQL), deploy_store.c (store-level reads and writes, each write
 * one transaction), deploy_summary.c (the per-pair summary). Contracts:
 * include/attrition/deploy.h. */
#include "attrition/deploy.h"
#include "deploy_internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"reported", "confirmed", "projection"};

/* ---- estimates ----------------------------------------------------------------------- */

const char *deploy_kind_name(int kind)
{
    if (kind < 0 || kind > DEPLOY_PROJECTION)
        return NULL;
    return kind_names[kind];
}

int deploy_kind_parse(const char *s)
{
    if (s == NULL)
        return -1;
    for (int k = 0; k <= DEPLOY_PROJECTION; k++)
        if (strcmp(s, kind_names[k]) == 0)
            return k;
    return -1;
}

void deploy_estimate_init(deploy_estimate *e)
{
    static const deploy_estimate empty = DEPLOY_ESTIMATE_INIT;
    *e = empty;
}

void deploy_estimate_clear(deploy_estimate *e)
{
    if (e == NULL)
        return;
    free(e->description);
    free(e->source_name);
    free(e->source_url);
    deploy_estimate_init(e);
}

/* strdup of s, NULL staying NULL. Returns 0, or -1 if out of memory. */
static int dup_opt(const char *s, char **out)
{
    *out = NULL;
    if (s == NULL)
        return 0;
    *out = strdup(s);
    return *out != NULL ? 0 : -1;
}

int deploy_estimate_copy(deploy_estimate *dst, const deploy_estimate *src)
{
    *dst = *src;
    dst->description = dst->source_name = dst->source_url = NULL;
    if (dup_opt(src->description, &dst->description) != 0
        || dup_opt(src->source_name, &dst->source_name) != 0
        || dup_opt(src->source_url, &dst->source_url) != 0) {
        deploy_estimate_clear(dst);
        return DEPLOY_ENOMEM;
    }
    return DEPLOY_OK;
}

void deploy_list_free(deploy_estimate *v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        deploy_estimate_clear(&v[i]);
    free(v);
}
