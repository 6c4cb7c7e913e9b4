/* Deployment estimates: the contract's rules (deploy_validate). See include/attrition/deploy.h. */
#include "attrition/deploy.h"
#include "attrition/country.h"
#include "attrition/date.h"
#include "attrition/text.h"
#include "deploy_internal.h"

#include <inttypes.h>
#include <string.h>
#include <strings.h>

/* ---- validation ---------------------------------------------------------------------- */

int deploy_day_in_range(int day)
{
    return day >= DEPLOY_DAY_MIN && day <= DEPLOY_DAY_MAX;
}

/* Checks one country code field (char[3]); writes the detail and returns -1 if bad. */
static int check_code(const char *code, const char *field, char *detail, size_t len)
{
    char q[TEXT_QUOTE_SIZE];
    size_t n = strnlen(code, 3);
    if (n == 0) {
        text_message(detail, len, "%s: required", field);
        return -1;
    }
    if (n < 3 && country_valid(code))
        return 0;
    if (n == 2 && code[0] >= 'a' && code[0] <= 'z' && code[1] >= 'a' && code[1] <= 'z') {
        char upper[3] = {(char)(code[0] - 'a' + 'A'), (char)(code[1] - 'a' + 'A'), '\0'};
        if (country_valid(upper)) {
            text_message(detail, len, "%s: '%s' is not an ISO 3166-1 alpha-2 code (codes are upper "
                         "case: '%s')", field, code, upper);
            return -1;
        }
    }
    text_message(detail, len, "%s: '%s' is not an ISO 3166-1 alpha-2 code", field,
                 text_quote(code, n, q));
    return -1;
}

/* Checks an optional text field: UTF-8 and at most max bytes. */
static int check_text(const char *s, size_t max, const char *field, char *detail, size_t len)
{
    if (s == NULL)
        return 0;
    size_t n = strlen(s);
    if (n > max) {
        text_message(detail, len, "%s: %zu bytes, at most %zu allowed", field, n, max);
        return -1;
    }
    if (!text_utf8_valid(s, n)) {
        text_message(detail, len, "%s: not valid UTF-8", field);
        return -1;
    }
    return 0;
}

/* 1 if s is an absolute http or https URL without spaces or control characters. */
static int url_ok(const char *s)
{
    size_t skip;
    if (strncasecmp(s, "https://", 8) == 0)
        skip = 8;
    else if (strncasecmp(s, "http://", 7) == 0)
        skip = 7;
    else
        return 0;
    if (s[skip] == '\0' || s[skip] == '/')
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
        if (*p <= 0x20 || *p == 0x7F)
            return 0;
    return 1;
}

static int blank(const char *s)
{
    for (; *s != '\0'; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 0;
    return 1;
}

/* Checks the two dates; writes the detail and returns -1 if bad. */
static int check_dates(const deploy_estimate *e, int today, char *detail, size_t len)
{
    char d1[DATE_STR_LEN], d2[DATE_STR_LEN];
    if (e->as_of == DEPLOY_NO_DATE) {
        text_message(detail, len, "as_of: required");
        return -1;
    }
    if (!deploy_day_in_range(e->as_of)) {
        text_message(detail, len, "as_of: day number %d is outside 1970-01-01..9999-12-31",
                     e->as_of);
        return -1;
    }
    if (e->as_of > today) {
        text_message(detail, len, "as_of: %s is in the future", date_format(e->as_of, d1));
        return -1;
    }
    if (e->kind != DEPLOY_PROJECTION) {
        if (e->target_date != DEPLOY_NO_DATE) {
            text_message(detail, len,
                         "target_date: only a projection has a target date (kind is %s)",
                         deploy_kind_name(e->kind));
            return -1;
        }
        return 0;
    }
    if (e->target_date == DEPLOY_NO_DATE) {
        text_message(detail, len, "target_date: required for kind projection");
        return -1;
    }
    if (!deploy_day_in_range(e->target_date)) {
        text_message(detail, len, "target_date: day number %d is outside 1970-01-01..9999-12-31",
                     e->target_date);
        return -1;
    }
    if (e->target_date < e->as_of) {
        text_message(detail, len, "target_date: %s is before as_of %s",
                     date_format(e->target_date, d1), date_format(e->as_of, d2));
        return -1;
    }
    return 0;
}

int deploy_validate(const deploy_estimate *e, int today, char *detail, size_t len)
{
    char q[TEXT_QUOTE_SIZE];
    if (detail != NULL && len > 0)
        detail[0] = '\0';
    if (e == NULL) {
        text_message(detail, len, "no estimate");
        return DEPLOY_EINVAL;
    }
    if (check_code(e->country, "country", detail, len) != 0
        || check_code(e->deployed_to, "deployed_to", detail, len) != 0)
        return DEPLOY_EINVAL;
    if (strcmp(e->country, e->deployed_to) == 0) {
        text_message(detail, len, "country and deployed_to must differ");
        return DEPLOY_EINVAL;
    }
    if (e->figure < 0) {
        text_message(detail, len, "figure: %" PRId64 " is negative", e->figure);
        return DEPLOY_EINVAL;
    }
    if (e->has_low && e->low < 0) {
        text_message(detail, len, "low: %" PRId64 " is negative", e->low);
        return DEPLOY_EINVAL;
    }
    if (e->has_low && e->low > e->figure) {
        text_message(detail, len, "low: %" PRId64 " is above figure %" PRId64, e->low, e->figure);
        return DEPLOY_EINVAL;
    }
    if (e->has_high && e->high < e->figure) {
        text_message(detail, len, "high: %" PRId64 " is below figure %" PRId64, e->high, e->figure);
        return DEPLOY_EINVAL;
    }
    if (deploy_kind_name(e->kind) == NULL) {
        text_message(detail, len, "kind: %d is not one of reported, confirmed, projection",
                     e->kind);
        return DEPLOY_EINVAL;
    }
    if (check_dates(e, today, detail, len) != 0)
        return DEPLOY_EINVAL;
    if (check_text(e->description, DEPLOY_DESCRIPTION_MAX, "description", detail, len) != 0)
        return DEPLOY_EINVAL;
    if (e->source_name == NULL || blank(e->source_name)) {
        text_message(detail, len, "source.name: required");
        return DEPLOY_EINVAL;
    }
    if (check_text(e->source_name, DEPLOY_SOURCE_NAME_MAX, "source.name", detail, len) != 0
        || check_text(e->source_url, DEPLOY_SOURCE_URL_MAX, "source.url", detail, len) != 0)
        return DEPLOY_EINVAL;
    if (e->source_url != NULL && !url_ok(e->source_url)) {
        text_message(detail, len, "source.url: '%s' is not an http or https URL",
                     text_quote(e->source_url, strlen(e->source_url), q));
        return DEPLOY_EINVAL;
    }
    return DEPLOY_OK;
}
