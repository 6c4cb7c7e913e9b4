/* HTTP tests of report-date windows (issue 10, defect 3): every endpoint that takes a window
 * answers one outside the stored reports (a `to` before 1970, before the first report, a
 * `from` after the latest) as empty, and all of them agree on which reports a window holds
 * and on the ends they echo. The server gets three small reports (2022-02-25..27, written
 * here), so the expected counts follow from the window alone. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

TCase *http_windows_tcase(void);


static const char personnel[] =
    "[{\"date\": \"2022-02-25\", \"day\": 2, \"personnel\": 2800},\n"
    " {\"date\": \"2022-02-26\", \"day\": 3, \"personnel\": 4300},\n"
    " {\"date\": \"2022-02-27\", \"day\": 4, \"personnel\": 4500}]\n";

static void setup(void)
{
    char path[700];
    ck_assert_int_eq(test_server_prepare(&test_srv), 0);
    snprintf(path, sizeof path, "%s/russia_losses_personnel.json", test_srv.dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(personnel, f);
    ck_assert_int_eq(fclose(f), 0);
    const char *files[] = {path};
    ck_assert_int_eq(test_server_import(&test_srv, files, 1), 0);
    ck_assert_int_eq(test_server_start(&test_srv, NULL), 0);
}

/* One window: its query (v1 names; /api/v2 takes date_from/date_to), the reports inside it,
 * and the ends every v1 answer echoes (an open end reads as the first / latest report). */
typedef struct window_case {
    const char *from, *to; /* NULL: absent */
    size_t reports;
    const char *echo_from, *echo_to;
} window_case;

static const window_case windows[] = {
    {NULL, "1969-12-31", 0, "2022-02-25", "1969-12-31"},   /* day -1, once "absent" */
    {NULL, "1950-06-01", 0, "2022-02-25", "1950-06-01"},   /* a negative day number */
    {"1969-12-31", "1969-12-31", 0, "1969-12-31", "1969-12-31"},
    {NULL, "2022-02-24", 0, "2022-02-25", "2022-02-24"},   /* the day before the first */
    {"2022-02-28", NULL, 0, "2022-02-28", "2022-02-27"},   /* after the latest */
    {"2022-03-01", "2022-03-05", 0, "2022-03-01", "2022-03-05"},
    {NULL, "2022-02-25", 1, "2022-02-25", "2022-02-25"},   /* controls: the same code */
    {"1969-12-31", "2022-02-26", 2, "1969-12-31", "2022-02-26"}, /* with reports inside */
    {"2022-02-26", NULL, 2, "2022-02-26", "2022-02-27"},
    {NULL, NULL, 3, "2022-02-25", "2022-02-27"},
};

/* path?<from/to of w under the names fn/tn> into out. */
static const char *with_window(char *out, size_t len, const char *path, const window_case *w,
                               const char *fn, const char *tn)
{
    char sep = strchr(path, '?') ? '&' : '?';
    int n = snprintf(out, len, "%s", path);
    if (w->from)
        n += snprintf(out + n, len - (size_t)n, "%c%s=%s", sep, fn, w->from), sep = '&';
    if (w->to)
        snprintf(out + n, len - (size_t)n, "%c%s=%s", sep, tn, w->to);
    return out;
}

static void assert_echo(const json_t *j, const char *url, const window_case *w)
{
    const char *f = json_string_value(json_object_get(j, "from"));
    const char *t = json_string_value(json_object_get(j, "to"));
    ck_assert_msg(f && strcmp(f, w->echo_from) == 0, "%s: from %s, want %s", url, f, w->echo_from);
    ck_assert_msg(t && strcmp(t, w->echo_to) == 0, "%s: to %s, want %s", url, t, w->echo_to);
}

/* GET url (200, JSON); the size of the array or object `key` of it (or of data.key). */
static size_t count_at(const char *url, const char *key, int v2, const window_case *w)
{
    http_resp r;
    json_t *j = http_get_json(&test_srv, url, 200, &r);
    if (v2)
        j = json_object_get(j, "data");
    /* a summary clips a window holding reports to them (its contract); an empty one it
     * echoes like the others */
    else if (w->reports == 0 || strncmp(url, "/v1/summary", 11) != 0)
        assert_echo(j, url, w);
    const json_t *v = json_object_get(j, key);
    ck_assert_msg(json_is_array(v) || json_is_object(v), "%s: no \"%s\": %s", url, key, r.body);
    size_t n = json_is_array(v) ? json_array_size(v) : json_object_size(v);
    http_resp_free(&r);
    return n;
}

START_TEST(windows_agree)
{
    const window_case *w = &windows[_i];
    char url[256];
    size_t n;
    static const struct { const char *path, *key; } v1[] = {
        {"/v1/cumulative", "series"},
        {"/v1/daily", "series"},
        {"/v1/cumulative?format=json&category=personnel", "series"},
        {"/v1/summary?group=none", "periods"},
        {"/v1/summary?group=week", "periods"},
        {"/v1/records", "records"},
    };
    for (size_t i = 0; i < sizeof v1 / sizeof v1[0]; i++) {
        with_window(url, sizeof url, v1[i].path, w, "from", "to");
        n = count_at(url, v1[i].key, 0, w);
        /* a summary has one period per group (here one week or one month at most); the
         * record object one entry per category with a daily value */
        size_t want = strstr(v1[i].path, "cumulative") || strstr(v1[i].path, "daily")
                      ? w->reports : w->reports > 0;
        ck_assert_msg(n == want, "%s: %zu entries in %s, want %zu", url, n, v1[i].key, want);
    }
    /* The ranked days: days_compared counts the reports with a daily value. */
    http_resp r;
    with_window(url, sizeof url, "/v1/records/personnel", w, "from", "to");
    json_t *j = http_get_json(&test_srv, url, 200, &r);
    assert_echo(j, url, w);
    ck_assert_msg(json_path_int(j, "days_compared") == (long long)w->reports,
                  "%s: days_compared %lld, want %zu", url, json_path_int(j, "days_compared"),
                  w->reports);
    http_resp_free(&r);
    /* /api/v2/statistics: the same reports, but the one of 2022-02-26, which the peer's
     * lists lack (handlers_compat.c). */
    with_window(url, sizeof url, "/api/v2/statistics", w, "date_from", "date_to");
    n = count_at(url, "records", 1, w);
    size_t skipped = w->reports > 0 && (!w->from || strcmp(w->from, "2022-02-26") <= 0) &&
                     (!w->to || strcmp(w->to, "2022-02-26") >= 0);
    ck_assert_msg(n == w->reports - skipped, "%s: %zu records, want %zu", url, n,
                  w->reports - skipped);
}
END_TEST

/* The CSV series of an empty window is its header line alone. */
START_TEST(empty_csv_is_header_only)
{
    http_resp r;
    ck_assert_int_eq(http_get(&test_srv, "/v1/daily?to=1969-12-31&format=csv&category=personnel", &r), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, "date,day,personnel\n");
    http_resp_free(&r);
}
END_TEST

TCase *http_windows_tcase(void)
{
    TCase *tc = tcase_create("http_windows");
    tcase_add_unchecked_fixture(tc, setup, test_fixture_teardown);
    tcase_set_timeout(tc, 120); /* Check's 4 s default is too short under valgrind */
    tcase_add_loop_test(tc, windows_agree, 0, (int)(sizeof windows / sizeof windows[0]));
    tcase_add_test(tc, empty_csv_is_header_only);
    return tc;
}
