/* The routing table against the OpenAPI document (both ways: a route the document does not
 * describe, or a documented operation no route serves, fails and is named), and
 * route_match: literal and {param} segments, trailing slashes, empty segments, limits. */
#include "route.h"

#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

TCase *route_tcase(void);

/* config/openapi.json as ATTRITION_OPENAPI names it; the test fails when it cannot be read. */
static json_t *load_openapi(void)
{
    const char *path = getenv("ATTRITION_OPENAPI");
    json_error_t err;
    ck_assert_msg(path != NULL, "ATTRITION_OPENAPI is not set (tests/meson.build sets it)");
    json_t *doc = json_load_file(path, 0, &err);
    ck_assert_msg(doc != NULL, "%s: %s (line %d)", path, err.text, err.line);
    ck_assert_msg(json_is_object(json_object_get(doc, "paths")), "%s has no \"paths\" object", path);
    return doc;
}

static int is_http_method(const char *key)
{
    static const char *const methods[] = {"get", "put", "post", "delete", "options", "head",
                                          "patch", "trace", NULL};
    for (size_t i = 0; methods[i]; i++)
        if (strcmp(key, methods[i]) == 0)
            return 1;
    return 0;
}

/* Appends "METHOD path" to list (len bytes), comma-separated. */
static void list_add(char *list, size_t len, const char *method, const char *path)
{
    size_t l = strlen(list);
    snprintf(list + l, len - l, "%s%s %s", l ? ", " : "", method, path);
}

START_TEST(test_routes_documented)
{
    json_t *doc = load_openapi(), *paths = json_object_get(doc, "paths");
    size_t n;
    const route *table = route_table(&n);
    char missing[4096] = "";
    ck_assert_int_gt(n, 0);
    for (size_t i = 0; i < n; i++) {
        char m[16];
        size_t k = 0;
        for (; table[i].method[k] && k < sizeof m - 1; k++)
            m[k] = (char)tolower((unsigned char)table[i].method[k]);
        m[k] = '\0';
        if (json_object_get(json_object_get(paths, table[i].pattern), m) == NULL)
            list_add(missing, sizeof missing, table[i].method, table[i].pattern);
    }
    ck_assert_msg(missing[0] == '\0', "routes that openapi.json does not describe: %s", missing);
    json_decref(doc);
}
END_TEST

START_TEST(test_documented_routes_exist)
{
    json_t *doc = load_openapi(), *paths = json_object_get(doc, "paths"), *item;
    size_t n, operations = 0;
    const route *table = route_table(&n);
    const char *path, *key;
    char missing[4096] = "";
    json_object_foreach(paths, path, item) {
        json_t *op;
        json_object_foreach(item, key, op) {
            if (!is_http_method(key))
                continue;
            operations++;
            int found = 0;
            for (size_t i = 0; i < n && !found; i++)
                found = strcmp(table[i].pattern, path) == 0 && strcasecmp(table[i].method, key) == 0;
            if (!found) {
                char upper[16];
                size_t k = 0;
                for (; key[k] && k < sizeof upper - 1; k++)
                    upper[k] = (char)toupper((unsigned char)key[k]);
                upper[k] = '\0';
                list_add(missing, sizeof missing, upper, path);
            }
        }
    }
    ck_assert_msg(missing[0] == '\0', "operations in openapi.json that no route serves: %s", missing);
    ck_assert_int_eq(operations, n); /* and no route listed twice */
    json_decref(doc);
}
END_TEST

/* route_match of pattern and url: expect the result, and on a match the parameters. */
static void match(const char *pattern, const char *url, int want, size_t n_want,
                  const char *p0, const char *p1)
{
    const char *params[REQ_MAX_PARAMS] = {NULL};
    char buf[128];
    size_t n = 99;
    int got = route_match(pattern, url, params, &n, buf, sizeof buf);
    ck_assert_msg(got == want, "route_match(\"%s\", \"%s\") = %d, expected %d", pattern, url, got, want);
    if (!want)
        return;
    ck_assert_msg(n == n_want, "route_match(\"%s\", \"%s\"): %zu params, expected %zu", pattern,
                  url, n, n_want);
    if (p0)
        ck_assert_str_eq(params[0], p0);
    if (p1)
        ck_assert_str_eq(params[1], p1);
}

START_TEST(test_match_literal_and_params)
{
    match("/v1/daily", "/v1/daily", 1, 0, NULL, NULL);
    match("/v1/daily", "/v1/dailyx", 0, 0, NULL, NULL);
    match("/v1/daily", "/v1/dail", 0, 0, NULL, NULL);
    match("/v1/daily", "/V1/daily", 0, 0, NULL, NULL);
    match("/v1/daily", "/v1/daily/latest", 0, 0, NULL, NULL);
    match("/v1/daily/latest", "/v1/daily", 0, 0, NULL, NULL);
    match("/v1/daily/{date}", "/v1/daily/2024-10-25", 1, 1, "2024-10-25", NULL);
    match("/v1/daily/{date}", "/v1/daily/latest", 1, 1, "latest", NULL);
    match("/v1/records/{category}/{date}", "/v1/records/tanks/2024-10-25", 1, 2, "tanks",
          "2024-10-25");
    match("/v1/reports/{date}/history", "/v1/reports/2024-10-25/history", 1, 1, "2024-10-25", NULL);
    match("/v1/reports/{date}/history", "/v1/reports/2024-10-25/revisions", 0, 0, NULL, NULL);
    /* A parameter is one segment: it never swallows a slash. */
    match("/v1/daily/{date}", "/v1/daily/2024/10/25", 0, 0, NULL, NULL);
}
END_TEST

/* A parameter followed by a literal suffix in its segment ("{category}.svg"). */
START_TEST(test_match_suffix)
{
    match("/v1/cards/{category}.svg", "/v1/cards/personnel.svg", 1, 1, "personnel", NULL);
    match("/v1/cards/{category}.svg", "/v1/cards/a.b.svg", 1, 1, "a.b", NULL);
    match("/v1/cards/{category}.svg", "/v1/cards/personnel.png", 0, 0, NULL, NULL);
    match("/v1/cards/{category}.svg", "/v1/cards/personnel", 0, 0, NULL, NULL);
    match("/v1/cards/{category}.svg", "/v1/cards/.svg", 0, 0, NULL, NULL);
    match("/v1/cards/{category}.svg", "/v1/cards/svg", 0, 0, NULL, NULL);
    match("/v1/cards/{category}.svg", "/v1/cards/personnel.svgx", 0, 0, NULL, NULL);
    match("/v1/cards/{category}.svg", "/v1/cards/personnel.svg/", 0, 0, NULL, NULL);
    match("/v1/cards/{category}.svg", "/v1/cards/x/y.svg", 0, 0, NULL, NULL);
    match("/v1/x/{a}.svg/{b}", "/v1/x/p.svg/q", 1, 2, "p", "q");
}
END_TEST

START_TEST(test_match_slashes_and_empty)
{
    match("/v1/daily", "/v1/daily/", 0, 0, NULL, NULL);
    match("/v1/daily/{date}", "/v1/daily/2024-10-25/", 0, 0, NULL, NULL);
    match("/v1/daily/{date}", "/v1/daily/", 0, 0, NULL, NULL);
    match("/v1/daily/{date}", "/v1/daily", 0, 0, NULL, NULL);
    match("/v1/records/{category}/{date}", "/v1/records//2024-10-25", 0, 0, NULL, NULL);
    match("/v1/daily", "//v1/daily", 0, 0, NULL, NULL);
    match("/v1/daily", "/v1//daily", 0, 0, NULL, NULL);
    match("/v1/daily", "v1/daily", 0, 0, NULL, NULL);
    match("/v1/daily", "", 0, 0, NULL, NULL);
    match("/livez", "/livez", 1, 0, NULL, NULL);
}
END_TEST

START_TEST(test_match_limits)
{
    const char *params[REQ_MAX_PARAMS];
    char buf[128], small[8];
    size_t n = 0;
    /* REQ_MAX_PARAMS (4) parameters fit; a fifth does not match at all. */
    ck_assert_int_eq(route_match("/{a}/{b}/{c}/{d}", "/1/2/3/4", params, &n, buf, sizeof buf), 1);
    ck_assert_int_eq(n, 4);
    ck_assert_str_eq(params[3], "4");
    ck_assert_int_eq(route_match("/{a}/{b}/{c}/{d}/{e}", "/1/2/3/4/5", params, &n, buf, sizeof buf), 0);
    /* Parameters that do not fit the buffer (with their NULs) do not match. */
    ck_assert_int_eq(route_match("/v1/daily/{date}", "/v1/daily/2024-10-25", params, &n, small,
                                 sizeof small), 0);
    ck_assert_int_eq(route_match("/v1/daily/{date}", "/v1/daily/2024", params, &n, small,
                                 sizeof small), 1);
    ck_assert_str_eq(params[0], "2024");
}
END_TEST

/* Every literal route wins over the {param} routes listed with it: the first route of the
 * same method matching a literal pattern taken as a URL is that route itself. */
START_TEST(test_table_literals_first)
{
    size_t n, np;
    const route *table = route_table(&n);
    const char *params[REQ_MAX_PARAMS];
    char buf[512];
    for (size_t i = 0; i < n; i++) {
        if (strchr(table[i].pattern, '{'))
            continue;
        for (size_t j = 0; j < n; j++) {
            if (strcmp(table[j].method, table[i].method) != 0 ||
                !route_match(table[j].pattern, table[i].pattern, params, &np, buf, sizeof buf))
                continue;
            ck_assert_msg(j == i, "%s %s is shadowed by %s (listed before it)", table[i].method,
                          table[i].pattern, table[j].pattern);
            break;
        }
    }
}
END_TEST

/* The flags say what the code does: a write needs the token and is never cached; a cached
 * answer is a GET; the Host-dependent lists are not cached. */
START_TEST(test_flags_are_honest)
{
    size_t n;
    const route *table = route_table(&n);
    int lists = 0;
    for (size_t i = 0; i < n; i++) {
        const route *r = &table[i];
        int get = strcmp(r->method, "GET") == 0;
        ck_assert_msg(get || (r->flags & (ROUTE_NEEDS_AUTH | ROUTE_READ_ONLY)),
                      "%s %s writes without the token", r->method, r->pattern);
        ck_assert_msg(!(r->flags & ROUTE_READ_ONLY) || !(r->flags & ROUTE_NEEDS_AUTH),
                      "%s %s is read-only but needs the token", r->method, r->pattern);
        ck_assert_msg(get || !(r->flags & ROUTE_CACHEABLE), "%s %s is cached", r->method,
                      r->pattern);
        ck_assert_msg(!get || !(r->flags & ROUTE_NEEDS_AUTH), "GET %s needs the token",
                      r->pattern);
        if (strcmp(r->pattern, "/api/v2/statistics") == 0 ||
            strcmp(r->pattern, "/api/v1/statistics") == 0) {
            ck_assert_msg(!(r->flags & ROUTE_CACHEABLE), "%s is cached: its paging URLs name "
                          "the request's Host", r->pattern);
            lists++;
        }
    }
    ck_assert_int_ge(lists, 1);
}
END_TEST

TCase *route_tcase(void)
{
    TCase *tc = tcase_create("route");
    tcase_add_test(tc, test_routes_documented);
    tcase_add_test(tc, test_documented_routes_exist);
    tcase_add_test(tc, test_match_literal_and_params);
    tcase_add_test(tc, test_match_suffix);
    tcase_add_test(tc, test_match_slashes_and_empty);
    tcase_add_test(tc, test_match_limits);
    tcase_add_test(tc, test_table_literals_first);
    tcase_add_test(tc, test_flags_are_honest);
    return tc;
}
