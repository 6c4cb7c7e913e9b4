/* The forms clients use that the plain routes did not take: a trailing slash on /api/ and
 * /v1/ paths (the peer ignores it); the compat lists' positions (the peer's list has no
 * report of 2022-02-26: its clients compute offset 3 for 2022-03-01); last=N on the /v1
 * series and summary; our own icons at /images/icons/<name>.svg, which terms point at under
 * the request's Host, well-formed SVG with no external reference and no script. Against the
 * whole dataset (skips, saying why, when ../shared/data is absent). */
#include "harness.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TCase *http_forms_tcase(void);

static test_server srv;
static int have_data;

static void setup(void)
{
    have_data = test_server_start_dataset(&srv, "http_forms", NULL);
}

static void teardown(void)
{
    if (have_data) {
        test_server_stop(&srv);
        test_server_cleanup(&srv);
    }
}

/* The date of data.records[i] of GET path (200 asserted). */
static void record_date(const char *path, size_t i, char *out, size_t len)
{
    http_resp r;
    json_t *j = http_get_json(&srv, path, 200, &r);
    json_t *rec = json_array_get(json_object_get(json_object_get(j, "data"), "records"), i);
    ck_assert_msg(rec != NULL, "GET %s: no record %zu", path, i);
    snprintf(out, len, "%s", json_string_value(json_object_get(rec, "date")));
    http_resp_free(&r);
}

START_TEST(test_trailing_slash)
{
    if (!have_data)
        return;
    http_resp a, b;
    const char *pairs[][2] = {{"/api/v1/statistics/?offset=1584&limit=41",
                               "/api/v1/statistics?offset=1584&limit=41"},
                              {"/api/v2/statistics/latest/", "/api/v2/statistics/latest"},
                              {"/api/v2/war-info/", "/api/v2/war-info"},
                              {"/v1/daily/2024-10-25/", "/v1/daily/2024-10-25"},
                              {"/v1/categories/", "/v1/categories"}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        ck_assert_int_eq(http_get(&srv, pairs[i][0], &a), 0);
        ck_assert_int_eq(http_get(&srv, pairs[i][1], &b), 0);
        ck_assert_msg(a.status == 200, "GET %s: %ld", pairs[i][0], a.status);
        ck_assert_str_eq(a.body, b.body);
        http_resp_free(&a);
        http_resp_free(&b);
    }
    /* One slash only, and nowhere else: still 404. */
    http_get_json(&srv, "/api/v2/statistics//", 404, &a);
    http_resp_free(&a);
    http_get_json(&srv, "/openapi.json/", 404, &a);
    http_resp_free(&a);
}
END_TEST

START_TEST(test_offsets_as_the_peer)
{
    if (!have_data)
        return;
    char d[16];
    http_resp r;
    /* The date-picker client: offset = days since 2022-02-27 + 1; 1 March is offset 3. */
    record_date("/api/v1/statistics?offset=3&limit=1", 0, d, sizeof d);
    ck_assert_str_eq(d, "2022-03-01");
    record_date("/api/v1/statistics?offset=1&limit=1", 0, d, sizeof d);
    ck_assert_str_eq(d, "2022-02-27");
    record_date("/api/v2/statistics?offset=0&limit=2", 1, d, sizeof d);
    ck_assert_str_eq(d, "2022-02-27");
    /* The month table client: February is offset 0, limit 3; April starts at 34. */
    json_t *j = http_get_json(&srv, "/api/v1/statistics?offset=0&limit=3", 200, &r);
    json_t *recs = json_object_get(json_object_get(j, "data"), "records");
    ck_assert_int_eq(json_array_size(recs), 3);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(recs, 2), "date")),
                     "2022-02-28");
    http_resp_free(&r);
    record_date("/api/v1/statistics?offset=34&limit=30", 0, d, sizeof d);
    ck_assert_str_eq(d, "2022-04-01");
    record_date("/api/v1/statistics?offset=217&limit=31", 0, d, sizeof d);
    ck_assert_str_eq(d, "2022-10-01");
    /* A window across the skipped day counts one record less; the skipped report still
     * answers by date. */
    j = http_get_json(&srv, "/api/v2/statistics?date_from=2022-02-25&date_to=2022-02-28", 200, &r);
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(j, "data"), "records")), 3);
    http_resp_free(&r);
    j = http_get_json(&srv, "/api/v2/statistics?date_from=2022-02-26&date_to=2022-02-26", 200, &r);
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(j, "data"), "records")), 0);
    http_resp_free(&r);
    j = http_get_json(&srv, "/api/v2/statistics/2022-02-26", 200, &r);
    ck_assert_int_eq(json_path_int(j, "data.day"), 3);
    http_resp_free(&r);
    /* The latest report is at offset war day - 3 (day 1 is 2022-02-24, the list starts on
     * day 2 and lacks day 3); the list holds one report less than /v1. */
    j = http_get_json(&srv, "/api/v2/war-info", 200, &r);
    long long day = json_path_int(j, "data.current_day");
    char latest[16], path[128];
    snprintf(latest, sizeof latest, "%s",
             json_string_value(json_object_get(json_object_get(j, "data"), "current_date")));
    http_resp_free(&r);
    snprintf(path, sizeof path, "/api/v1/statistics?offset=%lld&limit=5", day - 3);
    j = http_get_json(&srv, path, 200, &r);
    recs = json_object_get(json_object_get(j, "data"), "records");
    ck_assert_int_eq(json_array_size(recs), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(recs, 0), "date")), latest);
    ck_assert(json_is_null(json_object_get(json_object_get(json_object_get(j, "data"), "paging"),
                                           "next_url")));
    http_resp_free(&r);
}
END_TEST

START_TEST(test_last_n)
{
    if (!have_data)
        return;
    http_resp r, w;
    json_t *a = http_get_json(&srv, "/v1/daily?last=3&category=personnel", 200, &r);
    json_t *s = json_object_get(a, "series");
    ck_assert_int_eq(json_array_size(s), 3);
    const char *latest = json_string_value(json_object_get(json_array_get(s, 2), "date"));
    json_t *b = http_get_json(&srv, "/v1/daily/latest", 200, &w);
    ck_assert_str_eq(latest, json_string_value(json_object_get(b, "date")));
    http_resp_free(&w);
    http_resp_free(&r);
    /* with to: the last N reports up to it */
    a = http_get_json(&srv, "/v1/cumulative?last=5&to=2024-10-25&category=personnel", 200, &r);
    ck_assert_str_eq(json_string_value(json_object_get(a, "from")), "2024-10-21");
    ck_assert_int_eq(json_array_size(json_object_get(a, "series")), 5);
    http_resp_free(&r);
    a = http_get_json(&srv, "/v1/summary?last=5&to=2024-10-25&category=personnel", 200, &r);
    ck_assert_int_eq(json_path_int(json_array_get(json_object_get(a, "periods"), 0),
                                   "losses.personnel"), 7390); /* since Monday */
    http_resp_free(&r);
    a = http_get_json(&srv, "/v1/daily?last=100000&category=personnel", 200, &r);
    ck_assert_str_eq(json_string_value(json_object_get(a, "from")), "2022-02-25");
    http_resp_free(&r);
    const char *bad[] = {"/v1/daily?last=0", "/v1/daily?last=-1", "/v1/daily?last=x",
                         "/v1/summary?last=100001", "/v1/cumulative?last=2&from=2024-01-01",
                         NULL};
    for (int i = 0; bad[i]; i++) {
        a = http_get_json(&srv, bad[i], 400, &r);
        ck_assert_msg(strstr(json_string_value(json_object_get(a, "detail")), "last") != NULL,
                      "%s: the detail does not name last", bad[i]);
        http_resp_free(&r);
    }
}
END_TEST

/* Is svg a well-formed document of nested elements (a small checker: tags balance, one
 * root <svg>, attributes quoted), with no reference outside itself and no script? 0 or -1
 * with why. */
static int svg_check(const char *svg, char *why, size_t len)
{
    char stack[32][32];
    int depth = 0, roots = 0;
    const char *bad[] = {"href", "url(", "<script", "javascript:", "<foreignObject", "@import",
                         "on", NULL};
    for (int i = 0; bad[i]; i++) {
        const char *p = svg;
        while ((p = strstr(p, bad[i])) != NULL) {
            /* "on" only as an attribute name (onload=) */
            if (strcmp(bad[i], "on") != 0 || (p > svg && p[-1] == ' ' && strchr(p, '=') &&
                                              strspn(p + 2, "abcdefghijklmnopqrstuvwxyz") > 0 &&
                                              p[2 + strspn(p + 2, "abcdefghijklmnopqrstuvwxyz")] == '='))
                return snprintf(why, len, "contains %s", bad[i]), -1;
            p++;
        }
    }
    const char *p = strstr(svg, "http");
    if (p && (p = strstr(p + 4, "http")) != NULL)
        return snprintf(why, len, "a URL besides the namespace"), -1;
    for (p = svg; (p = strchr(p, '<')) != NULL;) {
        const char *end = strchr(p, '>');
        if (end == NULL)
            return snprintf(why, len, "an unclosed tag"), -1;
        char name[32];
        int closing = p[1] == '/', empty = end[-1] == '/';
        size_t nl = strcspn(p + 1 + closing, " />");
        snprintf(name, sizeof name, "%.*s", (int)(nl < 31 ? nl : 31), p + 1 + closing);
        size_t quotes = 0;
        for (const char *q = p; q < end; q++)
            quotes += *q == '"';
        if (quotes % 2)
            return snprintf(why, len, "<%s>: an unquoted attribute", name), -1;
        if (closing) {
            if (depth == 0 || strcmp(stack[depth - 1], name) != 0)
                return snprintf(why, len, "</%s> closes nothing open", name), -1;
            depth--;
        } else if (!empty) {
            if (depth == 0 && roots++ > 0)
                return snprintf(why, len, "two root elements"), -1;
            if (depth == 0 && strcmp(name, "svg") != 0)
                return snprintf(why, len, "the root is <%s>", name), -1;
            if (depth == 32)
                return snprintf(why, len, "too deep"), -1;
            snprintf(stack[depth++], 32, "%s", name);
        }
        p = end + 1;
    }
    if (depth != 0 || roots != 1)
        return snprintf(why, len, "elements left open"), -1;
    return 0;
}

START_TEST(test_icons)
{
    if (!have_data)
        return;
    http_resp r, i;
    char base[64], why[128], ct[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d/images/icons/", srv.port);
    json_t *terms = http_get_json(&srv, "/api/v2/terms/en", 200, &r);
    const char *key;
    json_t *t;
    size_t n = 0;
    json_object_foreach(json_object_get(terms, "data"), key, t) {
        const char *icon = json_string_value(json_object_get(t, "icon"));
        ck_assert_msg(icon && strncmp(icon, base, strlen(base)) == 0, "%s: icon %s", key, icon);
        ck_assert_int_eq(http_get(&srv, icon + strlen(base) - strlen("/images/icons/"), &i), 0);
        ck_assert_msg(i.status == 200, "%s: GET %s: %ld", key, icon, i.status);
        ck_assert_ptr_nonnull(http_header(&i, "Content-Type", ct, sizeof ct));
        ck_assert_str_eq(ct, "image/svg+xml");
        ck_assert_msg(i.len > 100 && i.len < 2048, "%s: %zu bytes", icon, (size_t)i.len);
        ck_assert_msg(svg_check(i.body, why, sizeof why) == 0, "%s: %s", icon, why);
        http_resp_free(&i);
        n++;
    }
    ck_assert_int_eq(n, 15);
    http_resp_free(&r);
    /* The v1 terms and one term name the same files; another Host, another base. */
    const char *h[] = {"Host: stats.example.org", NULL};
    ck_assert_int_eq(http_request(&srv, "GET", "/api/v2/terms/ua/tanks", h, NULL, 0, &r), 0);
    ck_assert_ptr_nonnull(strstr(r.body, "\"http://stats.example.org/images/icons/icon-tank.svg\""));
    http_resp_free(&r);
    http_get_json(&srv, "/images/icons/icon-nothing.svg", 404, &r);
    http_resp_free(&r);
    /* The checker itself refuses what it must. */
    ck_assert_int_ne(svg_check("<svg><image href=\"http://x/a.png\"/></svg>", why, sizeof why), 0);
    ck_assert_int_ne(svg_check("<svg><script>1</script></svg>", why, sizeof why), 0);
    ck_assert_int_ne(svg_check("<svg><g></svg>", why, sizeof why), 0);
    ck_assert_int_ne(svg_check("<svg onload=\"x()\"></svg>", why, sizeof why), 0);
}
END_TEST

TCase *http_forms_tcase(void)
{
    TCase *tc = tcase_create("http_forms");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_trailing_slash);
    tcase_add_test(tc, test_offsets_as_the_peer);
    tcase_add_test(tc, test_last_n);
    tcase_add_test(tc, test_icons);
    return tc;
}
