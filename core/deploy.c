/* Deployment estimates: validation, JSON parsing, storage in table `deployment`, the
 * per-pair summary and the seed import. Contracts are in include/attrition/deploy.h. */
#include "attrition/deploy.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <inttypes.h>

#include "attrition/country.h"
#include "attrition/date.h"

#define DAY_MIN 0        /* 1970-01-01: day numbers below it are not dates here */
#define DAY_MAX 2932896  /* 9999-12-31, the last day "YYYY-MM-DD" can write */
#define QUOTE_LEN 72     /* a client's value quoted in a detail: at most this many bytes */

static const char *const kind_names[] = {"reported", "confirmed", "projection"};

/* ---- messages ------------------------------------------------------------------------ */

/* Length of the well-formed UTF-8 sequence at s (n bytes left, n > 0): 1..4, or 0 if the
 * bytes there are not one (bad lead, missing continuation, overlong, surrogate, too big). */
static size_t utf8_seq_len(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned c = p[0], cp, min;
    size_t k;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0) {
        k = 1, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        k = 2, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        k = 3, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n <= k)
        return 0;
    for (size_t i = 1; i <= k; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return k + 1;
}

static int utf8_valid(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_seq_len(s + i, n - i);
        if (k == 0)
            return 0;
        i += k;
    }
    return 1;
}

/* Cuts a truncated NUL-terminated string back to the last whole UTF-8 sequence, so that a
 * message cut by snprintf is still valid UTF-8 (Jansson refuses anything else). */
static void utf8_trim(char *s)
{
    size_t n = strlen(s), lead = n;
    while (lead > 0 && n - lead < 4 && ((unsigned char)s[lead - 1] & 0xC0) == 0x80)
        lead--;
    if (lead == 0)
        return;
    lead--; /* the byte before the continuation bytes */
    if (utf8_seq_len(s + lead, n - lead) != n - lead)
        s[lead] = '\0';
}

/* Replaces, in place, each byte of s that is not part of a well-formed UTF-8 sequence
 * with '?' (for text from elsewhere that goes into a message, e.g. Jansson's). */
static void utf8_scrub(char *s)
{
    size_t n = strlen(s), i = 0;
    while (i < n) {
        size_t k = utf8_seq_len(s + i, n - i);
        if (k == 0) {
            s[i] = '?';
            k = 1;
        }
        i += k;
    }
}

/* Writes a printf message into msg (len bytes; nothing if msg is NULL or len is 0),
 * cut at a UTF-8 boundary if it does not fit. */
static void message(char *msg, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void message(char *msg, size_t len, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (msg == NULL || len == 0)
        return;
    va_start(ap, fmt);
    n = vsnprintf(msg, len, fmt, ap);
    va_end(ap);
    if (n < 0)
        msg[0] = '\0';
    else if ((size_t)n >= len)
        utf8_trim(msg);
}

/* A client's bytes fit to quote in a message: at most QUOTE_LEN bytes of whole UTF-8
 * sequences, "..." if cut, '?' for control characters and bytes that are not UTF-8.
 * Writes into buf (QUOTE_LEN + 4 bytes) and returns it. */
static const char *quote(const char *s, size_t n, char buf[QUOTE_LEN + 4])
{
    size_t o = 0, i = 0;
    while (i < n) {
        size_t k = utf8_seq_len(s + i, n - i);
        size_t step = k != 0 ? k : 1;
        if (o + step > QUOTE_LEN) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        unsigned char c = (unsigned char)s[i];
        if (k == 0 || (k == 1 && (c < 0x20 || c == 0x7F))) {
            buf[o++] = '?';
        } else {
            memcpy(buf + o, s + i, k);
            o += k;
        }
        i += step;
    }
    buf[o] = '\0';
    return buf;
}

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

/* ---- validation ---------------------------------------------------------------------- */

static int day_in_range(int day)
{
    return day >= DAY_MIN && day <= DAY_MAX;
}

/* Checks one country code field (char[3]); writes the detail and returns -1 if bad. */
static int check_code(const char *code, const char *field, char *detail, size_t len)
{
    char q[QUOTE_LEN + 4];
    size_t n = strnlen(code, 3);
    if (n == 0) {
        message(detail, len, "%s: required", field);
        return -1;
    }
    if (n < 3 && country_valid(code))
        return 0;
    if (n == 2 && code[0] >= 'a' && code[0] <= 'z' && code[1] >= 'a' && code[1] <= 'z') {
        char upper[3] = {(char)(code[0] - 'a' + 'A'), (char)(code[1] - 'a' + 'A'), '\0'};
        if (country_valid(upper)) {
            message(detail, len, "%s: '%s' is not an ISO 3166-1 alpha-2 code (codes are upper "
                    "case: '%s')", field, code, upper);
            return -1;
        }
    }
    message(detail, len, "%s: '%s' is not an ISO 3166-1 alpha-2 code", field,
            quote(code, n, q));
    return -1;
}

/* Checks an optional text field: UTF-8 and at most max bytes. */
static int check_text(const char *s, size_t max, const char *field, char *detail, size_t len)
{
    if (s == NULL)
        return 0;
    size_t n = strlen(s);
    if (n > max) {
        message(detail, len, "%s: %zu bytes, at most %zu allowed", field, n, max);
        return -1;
    }
    if (!utf8_valid(s, n)) {
        message(detail, len, "%s: not valid UTF-8", field);
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
        message(detail, len, "as_of: required");
        return -1;
    }
    if (!day_in_range(e->as_of)) {
        message(detail, len, "as_of: day number %d is outside 1970-01-01..9999-12-31", e->as_of);
        return -1;
    }
    if (e->as_of > today) {
        message(detail, len, "as_of: %s is in the future", date_format(e->as_of, d1));
        return -1;
    }
    if (e->kind != DEPLOY_PROJECTION) {
        if (e->target_date != DEPLOY_NO_DATE) {
            message(detail, len, "target_date: only a projection has a target date (kind is %s)",
                    kind_names[e->kind]);
            return -1;
        }
        return 0;
    }
    if (e->target_date == DEPLOY_NO_DATE) {
        message(detail, len, "target_date: required for kind projection");
        return -1;
    }
    if (!day_in_range(e->target_date)) {
        message(detail, len, "target_date: day number %d is outside 1970-01-01..9999-12-31",
                e->target_date);
        return -1;
    }
    if (e->target_date < e->as_of) {
        message(detail, len, "target_date: %s is before as_of %s",
                date_format(e->target_date, d1), date_format(e->as_of, d2));
        return -1;
    }
    return 0;
}

int deploy_validate(const deploy_estimate *e, int today, char *detail, size_t len)
{
    char q[QUOTE_LEN + 4];
    if (detail != NULL && len > 0)
        detail[0] = '\0';
    if (e == NULL) {
        message(detail, len, "no estimate");
        return DEPLOY_EINVAL;
    }
    if (check_code(e->country, "country", detail, len) != 0
        || check_code(e->deployed_to, "deployed_to", detail, len) != 0)
        return DEPLOY_EINVAL;
    if (strcmp(e->country, e->deployed_to) == 0) {
        message(detail, len, "country and deployed_to must differ");
        return DEPLOY_EINVAL;
    }
    if (e->figure < 0) {
        message(detail, len, "figure: %" PRId64 " is negative", e->figure);
        return DEPLOY_EINVAL;
    }
    if (e->has_low && e->low < 0) {
        message(detail, len, "low: %" PRId64 " is negative", e->low);
        return DEPLOY_EINVAL;
    }
    if (e->has_low && e->low > e->figure) {
        message(detail, len, "low: %" PRId64 " is above figure %" PRId64, e->low, e->figure);
        return DEPLOY_EINVAL;
    }
    if (e->has_high && e->high < e->figure) {
        message(detail, len, "high: %" PRId64 " is below figure %" PRId64, e->high, e->figure);
        return DEPLOY_EINVAL;
    }
    if (deploy_kind_name(e->kind) == NULL) {
        message(detail, len, "kind: %d is not one of reported, confirmed, projection", e->kind);
        return DEPLOY_EINVAL;
    }
    if (check_dates(e, today, detail, len) != 0)
        return DEPLOY_EINVAL;
    if (check_text(e->description, DEPLOY_DESCRIPTION_MAX, "description", detail, len) != 0)
        return DEPLOY_EINVAL;
    if (e->source_name == NULL || blank(e->source_name)) {
        message(detail, len, "source.name: required");
        return DEPLOY_EINVAL;
    }
    if (check_text(e->source_name, DEPLOY_SOURCE_NAME_MAX, "source.name", detail, len) != 0
        || check_text(e->source_url, DEPLOY_SOURCE_URL_MAX, "source.url", detail, len) != 0)
        return DEPLOY_EINVAL;
    if (e->source_url != NULL && !url_ok(e->source_url)) {
        message(detail, len, "source.url: '%s' is not an http or https URL",
                quote(e->source_url, strlen(e->source_url), q));
        return DEPLOY_EINVAL;
    }
    return DEPLOY_OK;
}

/* ---- parsing JSON -------------------------------------------------------------------- */

/* Describes a JSON value for "expected X, got Y": 1.5, 42, null, true, "an array",
 * "the string '3000'". Writes into buf (cap bytes) and returns it. */
static const char *describe(const json_t *v, char *buf, size_t cap)
{
    char q[QUOTE_LEN + 4];
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        snprintf(buf, cap, "the string '%s'",
                 quote(json_string_value(v), json_string_length(v), q));
        utf8_trim(buf);
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
    char got[QUOTE_LEN + 32];
    message(detail, len, "%s: expected %s, got %s", field, what, describe(v, got, sizeof got));
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
            message(detail, len, "%s: required", field);
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
        message(detail, len, "%s: must not contain NUL characters", field);
        return MEMBER_ERROR;
    }
    if (*n > max) {
        message(detail, len, "%s: %zu bytes, at most %zu allowed", field, *n, max);
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
        message(detail, len, "out of memory");
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
    char q[QUOTE_LEN + 4];
    const char *s;
    size_t n;
    int d;
    int m = member_string(obj, key, key, SIZE_MAX, required, &s, &n, detail, len);
    *day = DEPLOY_NO_DATE;
    if (m != MEMBER_PRESENT)
        return m;
    if (date_parse_n(s, n, &d) != 0) {
        message(detail, len, "%s: '%s' is not a date (expected YYYY-MM-DD)", key,
                quote(s, n, q));
        return MEMBER_ERROR;
    }
    if (d < DAY_MIN) {
        message(detail, len, "%s: '%s' is before 1970-01-01", key, s);
        return MEMBER_ERROR;
    }
    *day = d;
    return MEMBER_PRESENT;
}

static int member_code(const json_t *obj, const char *key, char out[3], char *detail,
                       size_t len)
{
    char q[QUOTE_LEN + 4];
    const char *s;
    size_t n;
    int m = member_string(obj, key, key, SIZE_MAX, 1, &s, &n, detail, len);
    if (m != MEMBER_PRESENT)
        return m;
    if (n != 2) {
        message(detail, len, "%s: '%s' is not an ISO 3166-1 alpha-2 code", key, quote(s, n, q));
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
    char q[QUOTE_LEN + 4];
    const char *key;
    json_t *v;
    /* json_object_foreach wants a non-const object; iterating does not modify it. */
    json_object_foreach((json_t *)obj, key, v) {
        size_t i = 0;
        while (known[i] != NULL && strcmp(known[i], key) != 0)
            i++;
        if (known[i] == NULL) {
            message(detail, len, "unknown field '%s%s'", prefix, quote(key, strlen(key), q));
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
    char q[QUOTE_LEN + 4];
    const char *kind;
    const json_t *source;
    size_t n;
    int has, m;

    if (obj == NULL) {
        message(detail, len, "estimate: missing");
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
        message(detail, len, "kind: '%s' is not one of reported, confirmed, projection",
                quote(kind, n, q));
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

/* ---- storage ------------------------------------------------------------------------- */

#define COLUMNS "id, country, deployed_to, figure, low, high, kind, as_of, target_date, " \
                "description, source_name, source_url"

static int status_from_sqlite(int rc)
{
    return rc == SQLITE_NOMEM ? DEPLOY_ENOMEM : DEPLOY_EDB;
}

/* Binds a day number as "YYYY-MM-DD", or NULL for DEPLOY_NO_DATE. Returns an SQLite code. */
static int bind_date(sqlite3_stmt *st, int i, int day)
{
    char buf[DATE_STR_LEN];
    if (day == DEPLOY_NO_DATE)
        return sqlite3_bind_null(st, i);
    return sqlite3_bind_text(st, i, date_format(day, buf), -1, SQLITE_TRANSIENT);
}

static int bind_opt_int(sqlite3_stmt *st, int i, int has, int64_t v)
{
    return has ? sqlite3_bind_int64(st, i, v) : sqlite3_bind_null(st, i);
}

static int bind_opt_text(sqlite3_stmt *st, int i, const char *s)
{
    return s != NULL ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT)
                     : sqlite3_bind_null(st, i);
}

/* The stored fields of e in parameter order: the nine that make an estimate's identity
 * (deploy_import_json) first, then description and source_url. */
#define BIND_IDENTITY 9
#define BIND_ALL 11

/* Binds the first n (BIND_IDENTITY or BIND_ALL) stored fields of e to ?1..?n:
 * country, deployed_to, figure, low, high, kind, as_of, target_date, source_name,
 * description, source_url. Returns an SQLite code. e must have passed deploy_validate. */
static int bind_estimate(sqlite3_stmt *st, const deploy_estimate *e, int n)
{
    int rc = sqlite3_bind_text(st, 1, e->country, -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 2, e->deployed_to, -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 3, e->figure);
    if (rc == SQLITE_OK)
        rc = bind_opt_int(st, 4, e->has_low, e->low);
    if (rc == SQLITE_OK)
        rc = bind_opt_int(st, 5, e->has_high, e->high);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 6, kind_names[e->kind], -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = bind_date(st, 7, e->as_of);
    if (rc == SQLITE_OK)
        rc = bind_date(st, 8, e->target_date);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 9, e->source_name, -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK && n > BIND_IDENTITY)
        rc = bind_opt_text(st, 10, e->description);
    if (rc == SQLITE_OK && n > BIND_IDENTITY)
        rc = bind_opt_text(st, 11, e->source_url);
    return rc;
}

/* Column i as a new string in *out (NULL for SQL NULL). Returns a deploy status. */
static int column_strdup(sqlite3_stmt *st, int i, char **out)
{
    const unsigned char *s;
    int n;
    *out = NULL;
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return DEPLOY_OK;
    s = sqlite3_column_text(st, i);
    n = sqlite3_column_bytes(st, i);
    if (s == NULL)
        return DEPLOY_ENOMEM;
    *out = malloc((size_t)n + 1);
    if (*out == NULL)
        return DEPLOY_ENOMEM;
    memcpy(*out, s, (size_t)n + 1);
    return DEPLOY_OK;
}

/* Column i as a day number (DEPLOY_NO_DATE for NULL). Returns a deploy status. */
static int column_date(sqlite3_stmt *st, int i, int *day)
{
    const char *s;
    *day = DEPLOY_NO_DATE;
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return DEPLOY_OK;
    s = (const char *)sqlite3_column_text(st, i);
    if (s == NULL)
        return DEPLOY_ENOMEM;
    return date_parse(s, day) == 0 && *day >= DAY_MIN ? DEPLOY_OK : DEPLOY_EDB;
}

static int column_code(sqlite3_stmt *st, int i, char out[3])
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    if (s == NULL)
        return sqlite3_column_type(st, i) == SQLITE_NULL ? DEPLOY_EDB : DEPLOY_ENOMEM;
    if (strlen(s) != 2)
        return DEPLOY_EDB;
    memcpy(out, s, 3);
    return DEPLOY_OK;
}

/* Reads the current row (selected as COLUMNS) into *e, which it initialises. Returns a
 * deploy status (DEPLOY_EDB for a row it cannot read); on failure *e owns nothing. */
static int row_read(sqlite3_stmt *st, deploy_estimate *e)
{
    int status;
    deploy_estimate_init(e);
    e->id = sqlite3_column_int64(st, 0);
    e->figure = sqlite3_column_int64(st, 3);
    e->has_low = sqlite3_column_type(st, 4) != SQLITE_NULL;
    e->low = e->has_low ? sqlite3_column_int64(st, 4) : 0;
    e->has_high = sqlite3_column_type(st, 5) != SQLITE_NULL;
    e->high = e->has_high ? sqlite3_column_int64(st, 5) : 0;
    e->kind = deploy_kind_parse((const char *)sqlite3_column_text(st, 6));
    status = e->kind < 0 ? DEPLOY_EDB : DEPLOY_OK;
    if (status == DEPLOY_OK)
        status = column_code(st, 1, e->country);
    if (status == DEPLOY_OK)
        status = column_code(st, 2, e->deployed_to);
    if (status == DEPLOY_OK)
        status = column_date(st, 7, &e->as_of);
    if (status == DEPLOY_OK)
        status = column_date(st, 8, &e->target_date);
    if (status == DEPLOY_OK)
        status = column_strdup(st, 9, &e->description);
    if (status == DEPLOY_OK)
        status = column_strdup(st, 10, &e->source_name);
    if (status == DEPLOY_OK)
        status = column_strdup(st, 11, &e->source_url);
    if (status == DEPLOY_OK && e->source_name == NULL)
        status = DEPLOY_EDB;
    if (status != DEPLOY_OK)
        deploy_estimate_clear(e);
    return status;
}

int deploy_list(sqlite3 *db, const deploy_filter *f, deploy_estimate **out, size_t *n)
{
    static const char sql[] =
        "SELECT " COLUMNS " FROM deployment"
        " WHERE (?1 IS NULL OR country = ?1) AND (?2 IS NULL OR deployed_to = ?2)"
        " AND (?3 IS NULL OR instr(lower(source_name), lower(?3)) > 0)"
        " AND (?4 IS NULL OR as_of >= ?4) AND (?5 IS NULL OR as_of <= ?5)"
        " ORDER BY as_of, id";
    static const deploy_filter all = {NULL, NULL, NULL, -1, -1};
    sqlite3_stmt *st = NULL;
    deploy_estimate *v = NULL;
    size_t count = 0, cap = 0;
    int rc, status = DEPLOY_OK;

    *out = NULL;
    *n = 0;
    if (f == NULL)
        f = &all;
    if ((f->from != -1 && !day_in_range(f->from)) || (f->to != -1 && !day_in_range(f->to)))
        return DEPLOY_EINVAL;
    rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = bind_opt_text(st, 1, f->country);
    if (rc == SQLITE_OK)
        rc = bind_opt_text(st, 2, f->deployed_to);
    if (rc == SQLITE_OK)
        rc = bind_opt_text(st, 3, f->source);
    if (rc == SQLITE_OK)
        rc = bind_date(st, 4, f->from);
    if (rc == SQLITE_OK)
        rc = bind_date(st, 5, f->to);
    if (rc != SQLITE_OK) {
        status = status_from_sqlite(rc);
        goto cleanup;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == cap) {
            size_t ncap = cap != 0 ? cap * 2 : 8;
            deploy_estimate *nv = realloc(v, ncap * sizeof *nv);
            if (nv == NULL) {
                status = DEPLOY_ENOMEM;
                goto cleanup;
            }
            v = nv;
            cap = ncap;
        }
        status = row_read(st, &v[count]);
        if (status != DEPLOY_OK)
            goto cleanup;
        count++;
    }
    if (rc != SQLITE_DONE) {
        status = status_from_sqlite(rc);
        goto cleanup;
    }
    *out = v;
    *n = count;
    v = NULL;
    count = 0;
cleanup:
    sqlite3_finalize(st);
    deploy_list_free(v, count);
    return status;
}

int deploy_get(sqlite3 *db, int64_t id, deploy_estimate *out)
{
    static const char sql[] = "SELECT " COLUMNS " FROM deployment WHERE id = ?1";
    sqlite3_stmt *st = NULL;
    int rc, status;

    deploy_estimate_init(out);
    rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 1, id);
    if (rc != SQLITE_OK) {
        status = status_from_sqlite(rc);
        goto cleanup;
    }
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        status = rc == SQLITE_DONE ? DEPLOY_ENOTFOUND : status_from_sqlite(rc);
        goto cleanup;
    }
    status = row_read(st, out);
    if (status != DEPLOY_OK)
        goto cleanup;
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        status = status_from_sqlite(rc);
        deploy_estimate_clear(out);
    }
cleanup:
    sqlite3_finalize(st);
    return status;
}

/* Runs a write statement: prepares sql, binds e (if not NULL) to ?1..?11 and id (if
 * id_param > 0) to ?id_param, steps once to SQLITE_DONE. *changes gets the number of rows
 * changed. Returns a deploy status. */
static int write_one(sqlite3 *db, const char *sql, const deploy_estimate *e, int id_param,
                     int64_t id, int *changes)
{
    sqlite3_stmt *st = NULL;
    int rc, status = DEPLOY_OK;

    *changes = 0;
    rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK && e != NULL)
        rc = bind_estimate(st, e, BIND_ALL);
    if (rc == SQLITE_OK && id_param > 0)
        rc = sqlite3_bind_int64(st, id_param, id);
    if (rc != SQLITE_OK) {
        status = status_from_sqlite(rc);
        goto cleanup;
    }
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        status = status_from_sqlite(rc);
        goto cleanup;
    }
    *changes = sqlite3_changes(db);
cleanup:
    sqlite3_finalize(st);
    return status;
}

static const char insert_sql[] =
    "INSERT INTO deployment (country, deployed_to, figure, low, high, kind, as_of,"
    " target_date, source_name, description, source_url)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

int deploy_create(sqlite3 *db, deploy_estimate *e)
{
    int changes, status;
    if (db == NULL || deploy_validate(e, INT_MAX, NULL, 0) != DEPLOY_OK)
        return DEPLOY_EINVAL;
    status = write_one(db, insert_sql, e, 0, 0, &changes);
    if (status == DEPLOY_OK)
        e->id = sqlite3_last_insert_rowid(db);
    return status;
}

int deploy_replace(sqlite3 *db, const deploy_estimate *e)
{
    static const char sql[] =
        "UPDATE deployment SET country = ?1, deployed_to = ?2, figure = ?3, low = ?4,"
        " high = ?5, kind = ?6, as_of = ?7, target_date = ?8, source_name = ?9,"
        " description = ?10, source_url = ?11 WHERE id = ?12";
    int changes, status;
    if (db == NULL || deploy_validate(e, INT_MAX, NULL, 0) != DEPLOY_OK)
        return DEPLOY_EINVAL;
    status = write_one(db, sql, e, 12, e->id, &changes);
    if (status == DEPLOY_OK && changes == 0)
        status = DEPLOY_ENOTFOUND;
    return status;
}

int deploy_delete(sqlite3 *db, int64_t id)
{
    int changes, status;
    if (db == NULL)
        return DEPLOY_EINVAL;
    status = write_one(db, "DELETE FROM deployment WHERE id = ?1", NULL, 1, id, &changes);
    if (status == DEPLOY_OK && changes == 0)
        status = DEPLOY_ENOTFOUND;
    return status;
}

/* ---- summary ------------------------------------------------------------------------- */

void deploy_summary_free(deploy_summary *s)
{
    if (s == NULL)
        return;
    deploy_estimate_clear(&s->latest);
    deploy_estimate_clear(&s->projection);
    deploy_list_free(s->by_source, s->n_by_source);
    deploy_list_free(s->history, s->n_history);
    memset(s, 0, sizeof *s);
    deploy_estimate_init(&s->latest);
    deploy_estimate_init(&s->projection);
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
            src[j].projection = projection = (long)i;
        else
            src[j].current = latest = (long)i;
    }
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

int deploy_summary_compute(sqlite3 *db, const char *country, const char *deployed_to,
                           deploy_summary *out)
{
    deploy_filter f = {country, deployed_to, NULL, -1, -1};
    int status;

    memset(out, 0, sizeof *out);
    deploy_estimate_init(&out->latest);
    deploy_estimate_init(&out->projection);
    if (db == NULL || country == NULL || deployed_to == NULL)
        return DEPLOY_EINVAL;
    status = deploy_list(db, &f, &out->history, &out->n_history);
    if (status == DEPLOY_OK)
        status = summarise(out);
    if (status != DEPLOY_OK)
        deploy_summary_free(out);
    return status;
}

/* ---- import -------------------------------------------------------------------------- */

/* 1 if an estimate identical to e (see deploy_import_json) is stored, 0 if not, or a
 * negative deploy status. */
static int import_exists(sqlite3 *db, const deploy_estimate *e)
{
    static const char sql[] =
        "SELECT EXISTS (SELECT 1 FROM deployment WHERE country = ?1 AND deployed_to = ?2"
        " AND figure = ?3 AND low IS ?4 AND high IS ?5 AND kind = ?6 AND as_of = ?7"
        " AND target_date IS ?8 AND source_name = ?9)";
    sqlite3_stmt *st = NULL;
    int rc, result;

    rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = bind_estimate(st, e, BIND_IDENTITY);
    if (rc != SQLITE_OK) {
        result = status_from_sqlite(rc);
        goto cleanup;
    }
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        result = status_from_sqlite(rc);
        goto cleanup;
    }
    result = sqlite3_column_int(st, 0) != 0;
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        result = status_from_sqlite(rc);
cleanup:
    sqlite3_finalize(st);
    return result;
}

/* Parses and checks every entry of the document into *v (*n entries, caller frees).
 * Returns a deploy status with err written on failure. */
static int import_parse(const json_t *root, int today, deploy_estimate **v, size_t *n,
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
        message(err, errlen, "out of memory");
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
        message(err, errlen, "deployments[%zu]: %s", i, detail);
        return status;
    }
    return DEPLOY_OK;
}

int deploy_import_json(sqlite3 *db, const char *json_text, size_t len, int today,
                       size_t *added, char *err, size_t errlen)
{
    json_t *root = NULL;
    json_error_t jerr;
    deploy_estimate *v = NULL;
    size_t n = 0, count = 0, i = 0;
    int status, in_savepoint = 0, rc;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    *added = 0;
    if (db == NULL || json_text == NULL) {
        message(err, errlen, "no database or no text");
        return DEPLOY_EINVAL;
    }
    root = json_loadb(json_text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        utf8_scrub(jerr.text);
        message(err, errlen, "line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
        status = DEPLOY_EINVAL;
        goto cleanup;
    }
    status = import_parse(root, today, &v, &n, err, errlen);
    if (status != DEPLOY_OK)
        goto cleanup;
    rc = sqlite3_exec(db, "SAVEPOINT deploy_import", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        status = status_from_sqlite(rc);
        message(err, errlen, "database: %s", sqlite3_errmsg(db));
        goto cleanup;
    }
    in_savepoint = 1;
    for (i = 0; i < n; i++) {
        int changes, found = import_exists(db, &v[i]);
        if (found < 0) {
            status = found;
            break;
        }
        if (found)
            continue;
        status = write_one(db, insert_sql, &v[i], 0, 0, &changes);
        if (status != DEPLOY_OK)
            break;
        count++;
    }
    if (status != DEPLOY_OK) {
        message(err, errlen, "deployments[%zu]: database: %s", i, sqlite3_errmsg(db));
        goto cleanup;
    }
    rc = sqlite3_exec(db, "RELEASE deploy_import", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        status = status_from_sqlite(rc);
        message(err, errlen, "database: %s", sqlite3_errmsg(db));
        goto cleanup;
    }
    in_savepoint = 0;
    *added = count;
cleanup:
    if (in_savepoint) {
        /* undoes every insert; RELEASE then ends the savepoint (and the transaction it
         * opened, if it was the outermost) */
        sqlite3_exec(db, "ROLLBACK TO deploy_import", NULL, NULL, NULL);
        sqlite3_exec(db, "RELEASE deploy_import", NULL, NULL, NULL);
    }
    deploy_list_free(v, n);
    json_decref(root);
    return status;
}
