/* libFuzzer target for the deployment estimate body: bytes that Jansson reads as a JSON
 * object go through deploy_from_json and, when it accepts them, deploy_validate. Neither may
 * crash or leak; each failure has a one-line detail; an estimate deploy_validate accepts
 * keeps every rule of the contract, and renders (deploy_to_json) to JSON that parses back to
 * the same estimate. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "attrition/country.h"
#include "attrition/date.h"
#include "attrition/deploy.h"
#include "deploy_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A failure is DEPLOY_EINVAL or DEPLOY_ENOMEM with one non-empty NUL-terminated line. */
static void check_detail(int rc, const char *detail, size_t len)
{
    if (rc == DEPLOY_OK)
        return;
    if (memchr(detail, '\0', len) == NULL || strchr(detail, '\n') != NULL ||
        detail[0] == '\0' || (rc != DEPLOY_EINVAL && rc != DEPLOY_ENOMEM))
        abort();
}

static int same_string(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* The rules deploy_validate promises for an estimate it accepts (today: day number). */
static void check_valid(const deploy_estimate *e, int today)
{
    if (!country_valid(e->country) || !country_valid(e->deployed_to) ||
        strcmp(e->country, e->deployed_to) == 0)
        abort();
    if (e->figure < 0 || (e->has_low && (e->low < 0 || e->low > e->figure)) ||
        (e->has_high && e->high < e->figure))
        abort();
    if (deploy_kind_name(e->kind) == NULL || e->as_of == DEPLOY_NO_DATE || e->as_of > today)
        abort();
    if ((e->kind == DEPLOY_PROJECTION) != (e->target_date != DEPLOY_NO_DATE))
        abort();
    if (e->target_date != DEPLOY_NO_DATE && e->target_date < e->as_of)
        abort();
    if (e->source_name == NULL || e->source_name[0] == '\0' ||
        strlen(e->source_name) > DEPLOY_SOURCE_NAME_MAX)
        abort();
    if (e->description && strlen(e->description) > DEPLOY_DESCRIPTION_MAX)
        abort();
    if (e->source_url && (strlen(e->source_url) > DEPLOY_SOURCE_URL_MAX ||
                          (strncasecmp(e->source_url, "http://", 7) != 0 &&
                           strncasecmp(e->source_url, "https://", 8) != 0)))
        abort();
}

/* deploy_to_json(e) read back by deploy_from_json gives e again. */
static void check_round_trip(const deploy_estimate *e)
{
    char detail[DEPLOY_DETAIL_LEN];
    deploy_estimate back = DEPLOY_ESTIMATE_INIT;
    json_t *j = deploy_to_json(e);
    if (j == NULL)
        abort(); /* validated strings are UTF-8: rendering cannot fail but for ENOMEM */
    int rc = deploy_from_json(j, &back, detail, sizeof detail);
    if (rc == DEPLOY_ENOMEM)
        goto cleanup;
    if (rc != DEPLOY_OK || strcmp(back.country, e->country) != 0 ||
        strcmp(back.deployed_to, e->deployed_to) != 0 || back.figure != e->figure ||
        back.has_low != e->has_low || (e->has_low && back.low != e->low) ||
        back.has_high != e->has_high || (e->has_high && back.high != e->high) ||
        back.kind != e->kind || back.as_of != e->as_of || back.target_date != e->target_date ||
        !same_string(back.description, e->description) ||
        !same_string(back.source_name, e->source_name) ||
        !same_string(back.source_url, e->source_url))
        abort();
cleanup:
    deploy_estimate_clear(&back);
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int today;
    char detail[DEPLOY_DETAIL_LEN];
    deploy_estimate e = DEPLOY_ESTIMATE_INIT;
    if (today == 0)
        today = date_from_ymd(2026, 1, 1); /* fixed: a crash reproduces on any day */
    json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(root))
        goto cleanup;
    memset(detail, 'x', sizeof detail);
    int rc = deploy_from_json(root, &e, detail, sizeof detail);
    check_detail(rc, detail, sizeof detail);
    if (rc != DEPLOY_OK) {
        if (e.description || e.source_name || e.source_url || e.as_of != DEPLOY_NO_DATE ||
            e.target_date != DEPLOY_NO_DATE)
            abort(); /* *out is DEPLOY_ESTIMATE_INIT on failure */
        goto cleanup;
    }
    memset(detail, 'x', sizeof detail);
    rc = deploy_validate(&e, today, detail, sizeof detail);
    check_detail(rc, detail, sizeof detail);
    if (rc == DEPLOY_OK) {
        check_valid(&e, today);
        check_round_trip(&e);
    }
cleanup:
    deploy_estimate_clear(&e);
    json_decref(root);
    return 0;
}
