/* HTTP tests of records, ranks and period sums against the real dataset, imported into a
 * fresh database of a real `attrition serve` (one server for the whole case). Expected
 * literals were computed from ../shared/data/ua-mod with python, independently of this
 * code: a day's loss is the difference of consecutive cumulative totals in
 * russia_losses_personnel.json ("personnel") or russia_losses_equipment.json ("drone" =
 * uav, "field artillery" = artillery, "APC" = afv), summed or sorted as each test says. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "attrition/date.h"

TCase *http_records_tcase(void);

static int have_data;

static void setup(void)
{
    have_data = test_server_start_dataset(&test_srv, "http_records", NULL);
}

static const char *str_at(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    ck_assert_msg(s != NULL, "no string \"%s\"", key);
    return s;
}

static double real_at(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    ck_assert_msg(json_is_number(v), "no number \"%s\"", key);
    return json_number_value(v);
}

/* Entry i of a ranked list is {rank, date, value}. */
static void assert_ranked(const json_t *list, size_t i, long long rank, const char *date,
                          long long value)
{
    const json_t *e = json_array_get(list, i);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(json_path_int(e, "rank"), rank);
    ck_assert_str_eq(str_at(e, "date"), date);
    ck_assert_int_eq(json_path_int(e, "value"), value);
}

/* ---- the seed article ------------------------------------------------------------------ */

START_TEST(third_greatest_day)
{
    if (!have_data)
        return;
    http_resp r;
    /* Personnel days 2022-04-01..2024-10-25 (939 of them) sorted: 1740 (2024-05-13), 1710
     * (2024-10-21), 1630 (2024-10-25), 1530 (2024-10-18), 1520 (2024-05-16). */
    json_t *j = test_get_json("/v1/records/personnel/2024-10-25?from=2022-04-01", 200, &r);
    ck_assert_str_eq(str_at(j, "category"), "personnel");
    ck_assert_str_eq(str_at(j, "date"), "2024-10-25");
    ck_assert_str_eq(str_at(j, "from"), "2022-04-01");
    ck_assert_int_eq(json_path_int(j, "value"), 1630);
    ck_assert_int_eq(json_path_int(j, "rank"), 3);
    ck_assert_int_eq(json_path_int(j, "days_compared"), 939);
    json_t *above = json_object_get(j, "above");
    ck_assert_uint_eq(json_array_size(above), 2);
    assert_ranked(above, 0, 1, "2024-05-13", 1740);
    assert_ranked(above, 1, 2, "2024-10-21", 1710);
    http_resp_free(&r);

    /* The same window as a list: 2024-10-18 (1530) ranks 4. */
    j = test_get_json("/v1/records/personnel?from=2022-04-01&to=2024-10-25&limit=5", 200, &r);
    ck_assert_str_eq(str_at(j, "from"), "2022-04-01");
    ck_assert_str_eq(str_at(j, "to"), "2024-10-25");
    ck_assert_int_eq(json_path_int(j, "days_compared"), 939);
    json_t *rec = json_object_get(j, "records");
    ck_assert_uint_eq(json_array_size(rec), 5);
    assert_ranked(rec, 0, 1, "2024-05-13", 1740);
    assert_ranked(rec, 1, 2, "2024-10-21", 1710);
    assert_ranked(rec, 2, 3, "2024-10-25", 1630);
    assert_ranked(rec, 3, 4, "2024-10-18", 1530);
    assert_ranked(rec, 4, 5, "2024-05-16", 1520);
    http_resp_free(&r);

    /* As of its own date 2024-10-18 was the second-greatest ("the previous second-highest
     * ... 1,530"): only 2024-05-13 was ahead. */
    j = test_get_json("/v1/records/personnel/2024-10-18?from=2022-04-01", 200, &r);
    ck_assert_int_eq(json_path_int(j, "rank"), 2);
    ck_assert_int_eq(json_path_int(j, "days_compared"), 932);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "above")), 1);
    http_resp_free(&r);
}
END_TEST

START_TEST(since_monday)
{
    if (!have_data)
        return;
    http_resp r;
    /* Sums of 2024-10-21..2024-10-25: personnel 7390, artillery 188, uav 383, afv 176
     * (the article's figures); per day / 5 days. */
    json_t *j = test_get_json("/v1/summary?from=2024-10-21&to=2024-10-25", 200, &r);
    ck_assert_str_eq(str_at(j, "group"), "none");
    json_t *periods = json_object_get(j, "periods");
    ck_assert_uint_eq(json_array_size(periods), 1);
    json_t *p = json_array_get(periods, 0);
    ck_assert_str_eq(str_at(p, "period"), "2024-10-21..2024-10-25");
    ck_assert_str_eq(str_at(p, "from"), "2024-10-21");
    ck_assert_str_eq(str_at(p, "to"), "2024-10-25");
    ck_assert_int_eq(json_path_int(p, "days"), 5);
    ck_assert_int_eq(json_path_int(p, "losses.personnel"), 7390);
    ck_assert_int_eq(json_path_int(p, "losses.artillery"), 188);
    ck_assert_int_eq(json_path_int(p, "losses.uav"), 383);
    ck_assert_int_eq(json_path_int(p, "losses.afv"), 176);
    json_t *pd = json_object_get(p, "per_day");
    ck_assert_double_eq_tol(real_at(pd, "personnel"), 1478.0, 1e-9);
    ck_assert_double_eq_tol(real_at(pd, "uav"), 76.6, 1e-9);
    ck_assert_uint_eq(json_object_size(json_object_get(p, "change")), 0);
    /* Reals go out rounded, as written: 76.6, not 76.599999999999994. */
    ck_assert_ptr_nonnull(strstr(r.body, "\"uav\":76.6,"));
    /* A cacheable answer: the same ETag gives 304. */
    char etag[64], inm[100];
    ck_assert_ptr_nonnull(http_header(&r, "ETag", etag, sizeof etag));
    http_resp_free(&r);
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    const char *const hdr[] = {inm, NULL};
    ck_assert_int_eq(http_request(&test_srv, "GET", "/v1/summary?from=2024-10-21&to=2024-10-25", hdr,
                                  NULL, 0, &r), 0);
    ck_assert_int_eq(r.status, 304);
    http_resp_free(&r);

    /* ?category narrows every object. */
    j = test_get_json("/v1/summary?from=2024-10-21&to=2024-10-25&category=uav,afv", 200, &r);
    p = json_array_get(json_object_get(j, "periods"), 0);
    ck_assert_uint_eq(json_object_size(json_object_get(p, "losses")), 2);
    ck_assert_uint_eq(json_object_size(json_object_get(p, "per_day")), 2);
    ck_assert_int_eq(json_path_int(p, "losses.afv"), 176);
    http_resp_free(&r);
}
END_TEST

START_TEST(months_august_to_october)
{
    if (!have_data)
        return;
    http_resp r;
    /* Monthly sums of the daily differences (python, by month of the report date):
     * uav 2024-08 1618, 2024-09 1753, 2024-10 1839; artillery 1528, 1208, 1191.
     * Months differ in length (31, 30, 31): change is per day, e.g. uav September
     * 1753/30 = 58.43 against 1618/31 = 52.19: +6.24, +11.955 % -> 11.96. */
    static const struct {
        const char *name;
        long long uav, artillery;
        int days;
    } want[] = {{"2024-08", 1618, 1528, 31}, {"2024-09", 1753, 1208, 30},
                {"2024-10", 1839, 1191, 31}};
    json_t *j = test_get_json("/v1/summary?from=2024-08-01&to=2024-10-31&group=month"
                         "&category=uav,artillery", 200, &r);
    ck_assert_str_eq(str_at(j, "group"), "month");
    json_t *periods = json_object_get(j, "periods");
    ck_assert_uint_eq(json_array_size(periods), 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *p = json_array_get(periods, i);
        ck_assert_str_eq(str_at(p, "period"), want[i].name);
        ck_assert_int_eq(json_path_int(p, "days"), want[i].days);
        ck_assert_int_eq(json_path_int(p, "losses.uav"), want[i].uav);
        ck_assert_int_eq(json_path_int(p, "losses.artillery"), want[i].artillery);
    }
    json_t *p = json_array_get(periods, 1);
    ck_assert_double_eq_tol(real_at(json_object_get(p, "per_day"), "uav"), 58.43, 1e-9);
    json_t *c = json_object_get(json_object_get(p, "change"), "uav");
    ck_assert_ptr_nonnull(c);
    ck_assert_double_eq_tol(real_at(c, "previous"), 52.19, 1e-9);
    ck_assert_double_eq_tol(real_at(c, "delta"), 6.24, 1e-9);
    ck_assert_double_eq_tol(real_at(c, "pct"), 11.96, 1e-9);
    ck_assert(json_is_true(json_object_get(c, "per_day")));
    /* artillery fell: 1208/30 = 40.27 against 1528/31 = 49.29: -9.02, -18.31 %. */
    c = json_object_get(json_object_get(p, "change"), "artillery");
    ck_assert_double_eq_tol(real_at(c, "delta"), -9.02, 1e-9);
    ck_assert_double_eq_tol(real_at(c, "pct"), -18.31, 1e-9);
    /* October against September: uav 1839/31 = 59.32 (+0.89, +1.52 %), artillery 38.42
     * (-1.85, -4.59 %). */
    p = json_array_get(periods, 2);
    c = json_object_get(json_object_get(p, "change"), "uav");
    ck_assert_double_eq_tol(real_at(c, "pct"), 1.52, 1e-9);
    c = json_object_get(json_object_get(p, "change"), "artillery");
    ck_assert_double_eq_tol(real_at(c, "delta"), -1.85, 1e-9);
    ck_assert_double_eq_tol(real_at(c, "pct"), -4.59, 1e-9);
    http_resp_free(&r);
}
END_TEST

START_TEST(top_records)
{
    if (!have_data)
        return;
    http_resp r;
    /* All personnel days sorted (greatest first, earlier date among equals): 3160
     * (2022-03-03), 2800 (2022-02-25, the first report, counted from zero), 2710
     * (2025-02-28), 2200, 2030, 2010, 1990, 1970, 1950 twice (2024-11-12, 2025-01-22: both
     * rank 9), 1860 twice (2024-12-21, 2025-03-28: both rank 11). 1626 reports. */
    json_t *j = test_get_json("/v1/records/personnel?limit=12", 200, &r);
    ck_assert_str_eq(str_at(j, "from"), "2022-02-25");
    ck_assert_str_eq(str_at(j, "to"), "2026-08-08");
    ck_assert_int_eq(json_path_int(j, "days_compared"), 1626);
    json_t *rec = json_object_get(j, "records");
    ck_assert_uint_eq(json_array_size(rec), 12);
    assert_ranked(rec, 0, 1, "2022-03-03", 3160);
    assert_ranked(rec, 1, 2, "2022-02-25", 2800);
    assert_ranked(rec, 2, 3, "2025-02-28", 2710);
    assert_ranked(rec, 3, 4, "2024-12-20", 2200);
    assert_ranked(rec, 8, 9, "2024-11-12", 1950);
    assert_ranked(rec, 9, 9, "2025-01-22", 1950);
    assert_ranked(rec, 10, 11, "2024-12-21", 1860);
    assert_ranked(rec, 11, 11, "2025-03-28", 1860);
    http_resp_free(&r);

    /* Default limit 10. */
    j = test_get_json("/v1/records/personnel", 200, &r);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "records")), 10);
    http_resp_free(&r);

    /* /v1/records: the record day of every category. */
    j = test_get_json("/v1/records", 200, &r);
    json_t *all = json_object_get(j, "records");
    ck_assert_str_eq(str_at(json_object_get(all, "personnel"), "date"), "2022-03-03");
    ck_assert_int_eq(json_path_int(all, "personnel.value"), 3160);
    ck_assert_int_eq(json_path_int(all, "special_equipment.value"), 99);
    ck_assert_ptr_nonnull(json_object_get(all, "uav"));
    ck_assert_ptr_nonnull(json_object_get(all, "submarines"));
    http_resp_free(&r);
}
END_TEST

START_TEST(not_found)
{
    if (!have_data)
        return;
    http_resp r;
    /* No report on that date; a date where the category has no daily value yet
     * (cruise missiles from 2022-05-01). */
    test_get_json("/v1/records/personnel/2021-01-01", 404, &r);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(r.json, "detail")), "no report"));
    http_resp_free(&r);
    test_get_json("/v1/records/cruise_missiles/2022-03-01", 404, &r);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(r.json, "detail")),
                                 "no daily value"));
    http_resp_free(&r);
    /* A window that holds no report gives nothing, not the first report. */
    json_t *j = test_get_json("/v1/records/personnel?to=2021-12-31", 200, &r);
    ck_assert_int_eq(json_path_int(j, "days_compared"), 0);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "records")), 0);
    http_resp_free(&r);
    j = test_get_json("/v1/summary?from=2020-01-01&to=2021-12-31&group=year", 200, &r);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "periods")), 0);
    http_resp_free(&r);
    /* 1969-12-31 is day -1 internally: still a date, not an open end. */
    j = test_get_json("/v1/records/personnel?to=1969-12-31", 200, &r);
    ck_assert_int_eq(json_path_int(j, "days_compared"), 0);
    http_resp_free(&r);
    j = test_get_json("/v1/summary?to=1969-12-31", 200, &r);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "periods")), 0);
    http_resp_free(&r);
}
END_TEST

/* ---- bad input --------------------------------------------------------------------------- */

static void expect_problem(const char *path, long status, const char *needle)
{
    http_resp r;
    char ct[128];
    ck_assert_int_eq(http_get(&test_srv, path, &r), 0);
    ck_assert_msg(r.status == status, "%s: status %ld, want %ld: %s", path, r.status, status, r.body);
    ck_assert_ptr_nonnull(http_header(&r, "Content-Type", ct, sizeof ct));
    ck_assert_str_eq(ct, "application/problem+json");
    ck_assert_msg(r.json != NULL, "%s: not JSON", path);
    ck_assert_int_eq(json_path_int(r.json, "status"), status);
    const char *detail = json_string_value(json_object_get(r.json, "detail"));
    ck_assert_msg(detail && strstr(detail, needle), "%s: detail \"%s\" lacks \"%s\"", path,
                  detail, needle);
    http_resp_free(&r);
}

START_TEST(bad_parameters)
{
    /* These fail before any data is looked at: they hold with or without the dataset. */
    expect_problem("/v1/records/personnel?limit=0", 400, "limit");
    expect_problem("/v1/records/personnel?limit=1001", 400, "1 to 1000");
    expect_problem("/v1/records/personnel?limit=ten", 400, "\"ten\"");
    expect_problem("/v1/records/personnel?limit=-1", 400, "limit");
    expect_problem("/v1/summary?group=fortnight", 400, "fortnight");
    expect_problem("/v1/summary?group=", 400, "group");
    expect_problem("/v1/summary?from=2024-10-25&to=2024-10-21", 400, "from (2024-10-25) is after to");
    expect_problem("/v1/records/personnel?from=2024-10-25&to=2024-10-21", 400, "after");
    expect_problem("/v1/records?from=2024-10-25&to=2024-10-21", 400, "after");
    expect_problem("/v1/records/personnel/2024-10-18?from=2024-10-25", 400, "after the date");
    expect_problem("/v1/records/boats", 404, "boats");
    expect_problem("/v1/records/boats/2024-10-25", 404, "boats");
    expect_problem("/v1/summary?category=personnel,boats", 400, "boats");
    expect_problem("/v1/records?category=boats", 400, "boats");
    expect_problem("/v1/summary?from=2024-02-30", 400, "2024-02-30");
    expect_problem("/v1/summary?to=2024-13-01", 400, "to: \"2024-13-01\" is not a date");
    expect_problem("/v1/records/personnel?from=2024-10-1", 400, "2024-10-1");
    expect_problem("/v1/records/personnel?to=2023-02-29", 400, "2023-02-29");
    expect_problem("/v1/records/personnel/2024-02-30", 400, "2024-02-30");
    expect_problem("/v1/records/personnel/2024-10-25?from=yesterday", 400, "yesterday");
}
END_TEST

/* ---- cross-checks against /v1/daily ---------------------------------------------------- */

static int parse_day(const char *s)
{
    int d = -1;
    ck_assert_msg(date_parse(s, &d) == 0, "bad date \"%s\"", s);
    return d;
}

/* Checks a /v1/summary answer against the rows of /v1/daily over the same window and
 * categories: the periods tile the window, each says its length, and its losses and per-day
 * figures are those of the rows dated inside it. Periods are expected to be named by
 * `name_len` leading characters of their dates (7: month, 4: year), 0: not checked. */
static void check_summary(const char *query, size_t name_len)
{
    char path[512];
    http_resp rs, rd;
    snprintf(path, sizeof path, "/v1/summary?%s", query);
    json_t *sum = test_get_json(path, 200, &rs);
    snprintf(path, sizeof path, "/v1/daily?%s", query);
    json_t *daily = test_get_json(path, 200, &rd);
    json_t *rows = json_object_get(daily, "series"), *periods = json_object_get(sum, "periods");
    ck_assert_uint_gt(json_array_size(periods), 0);
    ck_assert_str_eq(str_at(sum, "from"), str_at(daily, "from"));
    int next = parse_day(str_at(sum, "from"));
    size_t row = 0;
    for (size_t i = 0; i < json_array_size(periods); i++) {
        json_t *p = json_array_get(periods, i);
        const char *pf = str_at(p, "from"), *pt = str_at(p, "to"), *name = str_at(p, "period");
        ck_assert_msg(parse_day(pf) == next, "%s: period %s does not follow on", query, name);
        next = parse_day(pt) + 1;
        long long days = json_path_int(p, "days");
        ck_assert_int_eq(days, parse_day(pt) - parse_day(pf) + 1);
        if (name_len)
            ck_assert_msg(strncmp(name, pf, name_len) == 0 && strncmp(name, pt, name_len) == 0 &&
                          strlen(name) == name_len, "%s: period %s holds %s..%s", query, name, pf, pt);
        /* Sum the daily rows dated pf..pt (ISO dates compare as strings). */
        json_t *want = json_object();
        for (; row < json_array_size(rows); row++) {
            json_t *rw = json_array_get(rows, row);
            if (strcmp(str_at(rw, "date"), pt) > 0)
                break;
            const char *k;
            json_t *v;
            json_object_foreach(json_object_get(rw, "losses"), k, v) {
                json_int_t acc = json_integer_value(json_object_get(want, k));
                json_object_set_new(want, k, json_integer(acc + json_integer_value(v)));
            }
        }
        json_t *losses = json_object_get(p, "losses"), *per_day = json_object_get(p, "per_day");
        ck_assert_msg(json_equal(losses, want), "%s: period %s: %s", query, name,
                      json_dumps(want, JSON_COMPACT));
        const char *k;
        json_t *v;
        json_object_foreach(losses, k, v) {
            double pd = (double)json_integer_value(v) / (double)days;
            ck_assert_double_eq_tol(real_at(per_day, k), pd, 0.005 + 1e-9);
        }
        json_decref(want);
    }
    ck_assert_str_eq(str_at(sum, "to"), str_at(daily, "to"));
    ck_assert_int_eq(next - 1, parse_day(str_at(sum, "to")));
    ck_assert_uint_eq(row, json_array_size(rows));
    http_resp_free(&rs);
    http_resp_free(&rd);
}

START_TEST(summary_matches_daily)
{
    if (!have_data)
        return;
    check_summary("category=personnel,uav,artillery&group=month", 7);
    check_summary("group=year", 4);
    check_summary("from=2024-12-18&to=2025-01-15&category=personnel,afv&group=week", 0);
    check_summary("from=2022-04-20&to=2022-05-10&group=week", 0); /* the 2022-05-01 merge */
    check_summary("from=2024-11-25&to=2024-12-05&category=special_equipment", 0); /* -83 */
    check_summary("from=2023-02-15&to=2024-03-15&category=tanks,mlrs&group=month", 7);
    /* Week names: the period holding 2024-12-30 is ISO week 1 of 2025. */
    http_resp r;
    json_t *j = test_get_json("/v1/summary?from=2024-12-28&to=2025-01-06&group=week&category=uav",
                         200, &r);
    json_t *periods = json_object_get(j, "periods");
    ck_assert_uint_eq(json_array_size(periods), 3);
    ck_assert_str_eq(str_at(json_array_get(periods, 0), "period"), "2024-W52");
    ck_assert_int_eq(json_path_int(json_array_get(periods, 0), "days"), 2);
    ck_assert_str_eq(str_at(json_array_get(periods, 1), "period"), "2025-W01");
    ck_assert_str_eq(str_at(json_array_get(periods, 1), "from"), "2024-12-30");
    ck_assert_str_eq(str_at(json_array_get(periods, 2), "period"), "2025-W02");
    ck_assert_int_eq(json_path_int(json_array_get(periods, 2), "days"), 1);
    http_resp_free(&r);
}
END_TEST

typedef struct day_value {
    char date[DATE_STR_LEN];
    long long value;
} day_value;

static int cmp_day_value(const void *a, const void *b)
{
    const day_value *x = a, *y = b;
    if (x->value != y->value)
        return x->value < y->value ? 1 : -1;
    return strcmp(x->date, y->date);
}

/* Checks /v1/records/{cat}?from&to&limit=1000 against sorting the /v1/daily rows of the
 * same window in the test, ranking as the contract says (1, 2, 2, 4). */
static void check_records(const char *cat, const char *window)
{
    char path[512];
    http_resp rr, rd;
    snprintf(path, sizeof path, "/v1/daily?category=%s%s", cat, window);
    json_t *rows = json_object_get(test_get_json(path, 200, &rd), "series");
    day_value *dv = calloc(json_array_size(rows) + 1, sizeof *dv);
    ck_assert_ptr_nonnull(dv);
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(rows); i++) {
        json_t *rw = json_array_get(rows, i), *v = json_object_get(json_object_get(rw, "losses"), cat);
        if (v == NULL)
            continue;
        snprintf(dv[n].date, sizeof dv[n].date, "%s", str_at(rw, "date"));
        dv[n++].value = json_integer_value(v);
    }
    qsort(dv, n, sizeof *dv, cmp_day_value);
    snprintf(path, sizeof path, "/v1/records/%s?limit=1000%s", cat, window);
    json_t *j = test_get_json(path, 200, &rr), *rec = json_object_get(j, "records");
    ck_assert_int_eq(json_path_int(j, "days_compared"), (long long)n);
    ck_assert_uint_eq(json_array_size(rec), n < 1000 ? n : 1000);
    long long rank = 0;
    for (size_t i = 0; i < json_array_size(rec); i++) {
        if (i == 0 || dv[i].value != dv[i - 1].value)
            rank = (long long)i + 1;
        assert_ranked(rec, i, rank, dv[i].date, dv[i].value);
    }
    free(dv);
    http_resp_free(&rr);
    http_resp_free(&rd);
}

START_TEST(records_match_daily)
{
    if (!have_data)
        return;
    check_records("personnel", "&from=2022-04-01&to=2024-10-25");
    check_records("tanks", "");                       /* many ties */
    check_records("special_equipment", "&from=2024-06-01&to=2025-06-01"); /* a -83 */
    check_records("submarines", "");                  /* mostly zeros */
    check_records("cruise_missiles", "&to=2022-12-31");
}
END_TEST

TCase *http_records_tcase(void)
{
    TCase *tc = tcase_create("http_records");
    tcase_add_unchecked_fixture(tc, setup, test_fixture_teardown);
    /* One import of the whole dataset and a few hundred requests: a few seconds normally;
     * room for the sanitizer and valgrind runs. */
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, third_greatest_day);
    tcase_add_test(tc, since_monday);
    tcase_add_test(tc, months_august_to_october);
    tcase_add_test(tc, top_records);
    tcase_add_test(tc, not_found);
    tcase_add_test(tc, bad_parameters);
    tcase_add_test(tc, summary_matches_daily);
    tcase_add_test(tc, records_match_daily);
    return tc;
}
