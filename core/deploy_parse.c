/* Deployment estimates: reading JSON (deploy_from_json, and the documents shaped like
 * config/deployments.json). See include/attrition/deploy.h. */
#include "attrition/deploy.h"
#include "attrition/date.h"
#include "attrition/text.h"
#include "deploy_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- parsing JSON -------------------------------------------------------------------- */

/* Describes a JSON value for "expected X, got Y": 1.5, 42, null, true, "an array",
 * "the string '3000'". Writes into buf (cap bytes) and returns it. */
static const char *describe(const json_t *v, char *buf, size_t cap)
{
    char q[TEXT_QUOTE_SIZE];
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        snprintf(buf, cap, "the string '%s'",
                 text_quote(json_string_value(v), json_string_length(v), q));
        text_utf8_trim(buf);
        return buf;
    case JSON_INTEGER:
        snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return buf;
    case JSON_REAL: {
        int n = snprintf(buf, cap, "%.15g", json_real_value(v));
        /* 1e3 is a real too: "1000" alone would read as an integer */
        if (n > 0 && (size_t)n + 2 < cap && strpbrk(buf, ".en") == NULL)
            memcpy(buf + n, ".0", 3);
        return buf;
    }
    case JSON_TRUE:
        return "true";
    case JSON_FALSE:
        return "false";
    case JSON_NULL:
        return "null";
    }
    return "a value";
}

/* The outcome of reading one member: present or absent/null, or an error already
 * written into the detail. */
enum member { MEMBER_ABSENT = 0, MEMBER_PRESENT = 1, MEMBER_ERROR = -1, MEMBER_NOMEM = -2 };

/* Writes "<field>: expected <what>, got <v>". */
static void expected(const char *field, const char *what, const json_t *v, char *detail,
                     size_t len)
{
    char got[TEXT_QUOTE_SIZE + 32];
    text_message(detail, len, "%s: expected %s, got %s", field, what, describe(v, got, sizeof got));
}

/* Member key of obj that must be absent/null or match type (required: must be present).
 * *out borrowed from obj, or NULL. */
static int member(const json_t *obj, const char *key, const char *field, json_type type,
                  const char *what, int required, const json_t **out, char *detail, size_t len)
{
    const json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (v == NULL) {
        if (required) {
            text_message(detail, len, "%s: required", field);
            return MEMBER_ERROR;
        }
        return MEMBER_ABSENT;
    }
    if (json_is_null(v) && !required)
        return MEMBER_ABSENT;
    if (json_typeof(v) != type) {
        expected(field, what, v, detail, len);
        return MEMBER_ERROR;
    }
    *out = v;
    return MEMBER_PRESENT;
}

/* A string member: no NUL characters, at most max bytes. Sets *s (borrowed) and *n. */
static int member_string(const json_t *obj, const char *key, const char *field, size_t max,
                         int required, const char **s, size_t *n, char *detail, size_t len)
{
    const json_t *v;
    int m = member(obj, key, field, JSON_STRING, "a string", required, &v, detail, len);
    *s = NULL;
    *n = 0;
    if (m != MEMBER_PRESENT)
        return m;
    *s = json_string_value(v);
    *n = json_string_length(v);
    if (strlen(*s) != *n) {
        text_message(detail, len, "%s: must not contain NUL characters", field);
        return MEMBER_ERROR;
    }
    if (*n > max) {
        text_message(detail, len, "%s: %zu bytes, at most %zu allowed", field, *n, max);
        return MEMBER_ERROR;
    }
    return MEMBER_PRESENT;
}

/* A string member copied into *out (owned; NULL if absent). */
static int member_strdup(const json_t *obj, const char *key, const char *field, size_t max,
                         int required, char **out, char *detail, size_t len)
{
    const char *s;
    size_t n;
    int m = member_string(obj, key, field, max, required, &s, &n, detail, len);
    if (m != MEMBER_PRESENT)
        return m;
    *out = strdup(s);
    if (*out == NULL) {
        text_message(detail, len, "out of memory");
        return MEMBER_NOMEM;
    }
    return MEMBER_PRESENT;
}

static int member_int(const json_t *obj, const char *key, int required, int *has,
                      int64_t *out, char *detail, size_t len)
{
    const json_t *v;
    int m = member(obj, key, key, JSON_INTEGER, "an integer", required, &v, detail, len);
    *has = m == MEMBER_PRESENT;
    if (m == MEMBER_PRESENT)
        *out = json_integer_value(v);
    return m;
}

/* A date member "YYYY-MM-DD" into *day (DEPLOY_NO_DATE if absent). */
static int member_date(const json_t *obj, const char *key, int required, int *day,
                       char *detail, size_t len)
{
    char q[TEXT_QUOTE_SIZE];
    const char *s;
    size_t n;
    int d;
    int m = member_string(obj, key, key, SIZE_MAX, required, &s, &n, detail, len);
    *day = DEPLOY_NO_DATE;
    if (m != MEMBER_PRESENT)
        return m;
    if (date_parse_n(s, n, &d) != 0) {
        text_message(detail, len, "%s: '%s' is not a date (expected YYYY-MM-DD)", key,
                     text_quote(s, n, q));
        return MEMBER_ERROR;
    }
    if (d < DEPLOY_DAY_MIN) {
        text_message(detail, len, "%s: '%s' is before 1970-01-01", key, s);
        return MEMBER_ERROR;
    }
    *day = d;
    return MEMBER_PRESENT;
}

static int member_code(const json_t *obj, const char *key, char out[3], char *detail,
                       size_t len)
{
    char q[TEXT_QUOTE_SIZE];
    const char *s;
    size_t n;
    int m = member_string(obj, key, key, SIZE_MAX, 1, &s, &n, detail, len);
    if (m != MEMBER_PRESENT)
        return m;
    if (n != 2) {
        text_message(detail, len, "%s: '%s' is not an ISO 3166-1 alpha-2 code", key,
                     text_quote(s, n, q));
        return MEMBER_ERROR;
    }
    memcpy(out, s, 3);
    return MEMBER_PRESENT;
}

/* Rejects members of obj not named in known (NULL-terminated); prefix names the object
 * in the detail ("" or "source."). */
static int only_known(const json_t *obj, const char *const *known, const char *prefix,
                      char *detail, size_t len)
{
    char q[TEXT_QUOTE_SIZE];
    const char *key;
    json_t *v;
    /* json_object_foreach wants a non-const object; iterating does not modify it. */
    json_object_foreach((json_t *)obj, key, v) {
        size_t i = 0;
        while (known[i] != NULL && strcmp(known[i], key) != 0)
            i++;
        if (known[i] == NULL) {
            text_message(detail, len, "unknown field '%s%s'", prefix,
                         text_quote(key, strlen(key), q));
            return MEMBER_ERROR;
        }
    }
    return 0;
}

/* Fills *out from obj, field by field; returns a deploy status, detail written. */
static int parse_estimate(const json_t *obj, deploy_estimate *out, char *detail, size_t len)
{
    static const char *const known[] = {
        "id", "country", "country_name", "deployed_to", "deployed_to_name", "figure", "low",
        "high", "kind", "as_of", "target_date", "description", "source", NULL};
    static const char *const known_source[] = {"name", "url", NULL};
    char q[TEXT_QUOTE_SIZE];
    const char *kind;
    const json_t *source;
    size_t n;
    int has, m;

    if (obj == NULL) {
        text_message(detail, len, "estimate: missing");
        return DEPLOY_EINVAL;
    }
    if (!json_is_object(obj)) {
        expected("estimate", "an object", obj, detail, len);
        return DEPLOY_EINVAL;
    }
    if (only_known(obj, known, "", detail, len) != 0
        || member_code(obj, "country", out->country, detail, len) != MEMBER_PRESENT
        || member_code(obj, "deployed_to", out->deployed_to, detail, len) != MEMBER_PRESENT
        || member_int(obj, "figure", 1, &has, &out->figure, detail, len) != MEMBER_PRESENT
        || member_int(obj, "low", 0, &out->has_low, &out->low, detail, len) < 0
        || member_int(obj, "high", 0, &out->has_high, &out->high, detail, len) < 0
        || member_string(obj, "kind", "kind", SIZE_MAX, 1, &kind, &n, detail, len) < 0)
        return DEPLOY_EINVAL;
    out->kind = deploy_kind_parse(kind);
    if (out->kind < 0 || strlen(kind) != n) {
        text_message(detail, len, "kind: '%s' is not one of reported, confirmed, projection",
                     text_quote(kind, n, q));
        return DEPLOY_EINVAL;
    }
    if (member_date(obj, "as_of", 1, &out->as_of, detail, len) < 0
        || member_date(obj, "target_date", 0, &out->target_date, detail, len) < 0
        || member(obj, "source", "source", JSON_OBJECT, "an object", 1, &source, detail,
                  len) < 0
        || only_known(source, known_source, "source.", detail, len) != 0)
        return DEPLOY_EINVAL;
    m = member_strdup(obj, "description", "description", DEPLOY_DESCRIPTION_MAX, 0,
                      &out->description, detail, len);
    if (m >= 0)
        m = member_strdup(source, "name", "source.name", DEPLOY_SOURCE_NAME_MAX, 1,
                          &out->source_name, detail, len);
    if (m >= 0)
        m = member_strdup(source, "url", "source.url", DEPLOY_SOURCE_URL_MAX, 0,
                          &out->source_url, detail, len);
    if (m == MEMBER_NOMEM)
        return DEPLOY_ENOMEM;
    return m < 0 ? DEPLOY_EINVAL : DEPLOY_OK;
}

int deploy_from_json(const json_t *obj, deploy_estimate *out, char *detail, size_t len)
{
    int status;
    if (detail != NULL && len > 0)
        detail[0] = '\0';
    deploy_estimate_init(out);
    status = parse_estimate(obj, out, detail, len);
    if (status != DEPLOY_OK)
        deploy_estimate_clear(out);
    return status;
}

/* ---- documents ----------------------------------------------------------------------- */

/* Parses and checks every entry of the document into *v (*n entries, caller frees).
 * Returns a deploy status with err written on failure. */
static int parse_entries(const json_t *root, int today, deploy_estimate **v, size_t *n,
                        char *err, size_t errlen)
{
    static const char *const known[] = {"deployments", NULL};
    char detail[DEPLOY_DETAIL_LEN];
    const json_t *list;
    size_t i;
    int status = DEPLOY_OK;

    *v = NULL;
    *n = 0;
    if (!json_is_object(root)) {
        expected("document", "an object", root, err, errlen);
        return DEPLOY_EINVAL;
    }
    if (only_known(root, known, "", err, errlen) != 0
        || member(root, "deployments", "deployments", JSON_ARRAY, "an array", 1, &list, err,
                  errlen) < 0)
        return DEPLOY_EINVAL;
    if (json_array_size(list) == 0)
        return DEPLOY_OK;
    *v = calloc(json_array_size(list), sizeof **v);
    if (*v == NULL) {
        text_message(err, errlen, "out of memory");
        return DEPLOY_ENOMEM;
    }
    for (i = 0; i < json_array_size(list); i++) {
        status = deploy_from_json(json_array_get(list, i), &(*v)[i], detail, sizeof detail);
        if (status != DEPLOY_OK)
            break;
        *n = i + 1;
        status = deploy_validate(&(*v)[i], today, detail, sizeof detail);
        if (status != DEPLOY_OK)
            break;
    }
    if (i < json_array_size(list)) {
        text_message(err, errlen, "deployments[%zu]: %s", i, detail);
        return status;
    }
    return DEPLOY_OK;
}

/* See deploy_internal.h. */
int deploy_parse_document(const char *json_text, size_t len, int today, deploy_estimate **v,
                          size_t *n, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(json_text, len, JSON_REJECT_DUPLICATES, &jerr);
    int status;
    *v = NULL;
    *n = 0;
    if (root == NULL) {
        text_utf8_scrub(jerr.text);
        text_message(err, errlen, "line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
        return DEPLOY_EINVAL;
    }
    status = parse_entries(root, today, v, n, err, errlen);
    if (status != DEPLOY_OK) {
        deploy_list_free(*v, *n);
        *v = NULL;
        *n = 0;
    }
    json_decref(root);
    return status;
}
