/* The russianwarship.rip compatibility API (v1 and v2) against the real server with the
 * ministry's whole dataset imported: envelope, record shape and key order, exact figures,
 * paging (oldest first), terms, war-info and its status, the peer's 422/404 error shape, and
 * caching, ETag/304, HEAD, CORS and metrics on the compat routes. One server serves the
 * dataset tests (an unchecked fixture; they only read); test_compat_small_store starts its
 * own on an empty database (empty answers, gaps, stored source URLs as `resource`). The
 * dataset tests skip, saying why, when ../shared/data is absent. */
#include "harness.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

TCase *http_compat_tcase(void);

#define V2_OK "The data were fetched successfully."

static const char *const v2_keys[] = {
    "personnel_units", "tanks", "armoured_fighting_vehicles", "artillery_systems", "mlrs",
    "aa_warfare_systems", "planes", "helicopters", "vehicles_fuel_tanks", "warships_cutters",
    "cruise_missiles", "uav_systems", "special_military_equip", "atgm_srbm_systems", "submarines",
};
#define N_KEYS (sizeof v2_keys / sizeof v2_keys[0])

static int have_data;   /* dataset present */
static int srv_ok;      /* imported and listening */
static json_t *dataset; /* russia_losses_personnel.json, for the expected latest report */

static void setup(void)
{
    const char *const *files = test_dataset_files();
    have_data = test_have_dataset("http_compat") && files != NULL;
    if (!have_data || test_server_prepare(&test_srv) != 0)
        return;
    char path[1024];
    snprintf(path, sizeof path, "%s/russia_losses_personnel.json", getenv("ATTRITION_DATA"));
    dataset = json_load_file(path, 0, NULL);
    srv_ok = dataset && test_server_import(&test_srv, files, 3) == 0 && test_server_start(&test_srv, NULL) == 0;
}

static void teardown(void)
{
    if (have_data)
        test_server_cleanup(&test_srv);
    json_decref(dataset);
    dataset = NULL;
}

/* Returns 0 (after a SKIP line from setup) when the dataset is absent; fails when the
 * server could not be started. */
static int ready(void)
{
    if (!have_data)
        return 0;
    ck_assert_msg(srv_ok, "import or start failed; see %s/import.log and %s", test_srv.dir, test_srv.log);
    return 1;
}

/* data of a 200 answer in the v2 envelope (borrowed from r). */
static json_t *get_data(const char *path, http_resp *r)
{
    char ct[128];
    test_get_json(path, 200, r);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "message")), V2_OK);
    ck_assert_int_eq(json_object_size(r->json), 2);
    ck_assert_str_eq(http_header(r, "Content-Type", ct, sizeof ct), "application/json; charset=utf-8");
    json_t *data = json_object_get(r->json, "data");
    ck_assert_ptr_nonnull(data);
    return data;
}

static long long geti(const json_t *o, const char *path)
{
    long long v = json_path_int(o, path);
    ck_assert_msg(v != INT64_MIN, "no integer at %s", path);
    return v;
}

static const char *gets(const json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    ck_assert_msg(v != NULL, "no string at %s", key);
    return v;
}

/* A record has exactly the peer's fields of that version (v1: no war_status), every key of
 * that version in stats and increase, in the peer's order (clients label by position),
 * integers. */
static void check_record_shape_v(const json_t *rec, int v1)
{
    size_t n_keys = v1 ? N_KEYS - 1 : N_KEYS;
    ck_assert_int_eq(json_object_size(rec), v1 ? 5 : 6);
    ck_assert_int_eq(strlen(gets(rec, "date")), 10);
    ck_assert_msg(strncmp(gets(rec, "resource"), "https://", 8) == 0, "resource %s",
                  gets(rec, "resource"));
    if (!v1) {
        ck_assert_int_eq(geti(rec, "war_status.code"), 1);
        ck_assert_str_eq(gets(json_object_get(rec, "war_status"), "alias"), "in_progress");
        ck_assert_int_eq(json_object_size(json_object_get(rec, "war_status")), 2);
    } else {
        ck_assert_ptr_null(json_object_get(rec, "war_status"));
    }
    for (int inc = 0; inc < 2; inc++) {
        json_t *o = json_object_get(rec, inc ? "increase" : "stats");
        ck_assert_int_eq(json_object_size(o), n_keys);
        size_t k = 0;
        const char *key;
        json_t *v;
        json_object_foreach(o, key, v) {
            ck_assert_str_eq(key, v2_keys[k]);
            ck_assert_msg(json_is_integer(v), "%s.%s is not an integer", inc ? "increase" : "stats", key);
            ck_assert_msg(inc || json_integer_value(v) >= 0, "stats.%s < 0", key);
            k++;
        }
    }
}

static void check_record_shape(const json_t *rec) { check_record_shape_v(rec, 0); }

/* War day of "YYYY-MM-DD": 2022-02-24 is day 1. */
static int war_day(const char *date)
{
    struct tm tm = {0};
    ck_assert_int_eq(sscanf(date, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday), 3);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    struct tm start = {.tm_year = 122, .tm_mon = 1, .tm_mday = 24};
    return (int)((timegm(&tm) - timegm(&start)) / 86400) + 1;
}

START_TEST(test_v2_date_figures)
{
    if (!ready())
        return;
    http_resp r;
    json_t *d = get_data("/api/v2/statistics/2024-10-25", &r);
    check_record_shape(d);
    ck_assert_str_eq(gets(d, "date"), "2024-10-25");
    ck_assert_int_eq(geti(d, "day"), 975);
    /* The ministry's post of 2024-10-25 (../shared/data/fixtures/mod-post-2024-10-25.txt). */
    static const struct { const char *key; long long total, inc; } want[] = {
        {"personnel_units", 685910, 1630}, {"tanks", 9097, 7},
        {"armoured_fighting_vehicles", 18287, 33}, {"artillery_systems", 19753, 34},
        {"mlrs", 1238, 2}, {"aa_warfare_systems", 982, 1}, {"planes", 369, 0},
        {"helicopters", 329, 0}, {"vehicles_fuel_tanks", 27365, 79}, {"warships_cutters", 28, 0},
        {"cruise_missiles", 2625, 0}, {"uav_systems", 17670, 73},
        {"special_military_equip", 3535, 22}, {"atgm_srbm_systems", 4, 0}, {"submarines", 1, 0},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char p[64];
        snprintf(p, sizeof p, "stats.%s", want[i].key);
        ck_assert_msg(geti(d, p) == want[i].total, "%s = %lld, expected %lld", p, geti(d, p), want[i].total);
        snprintf(p, sizeof p, "increase.%s", want[i].key);
        ck_assert_msg(geti(d, p) == want[i].inc, "%s = %lld, expected %lld", p, geti(d, p), want[i].inc);
    }
    http_resp_free(&r);
}
END_TEST

/* Categories that merged, appeared or retired: the v2 keys keep their meaning; a retired
 * category keeps its last total (atgm_srbm_systems: 4, as the public API did), not 0. */
START_TEST(test_v2_merged_and_missing)
{
    if (!ready())
        return;
    http_resp r;
    /* First report: increase = stats (counted from the war's start); vehicles and fuel
     * tanks = military auto 100 + fuel tank 60; keys without a figure yet are 0. */
    json_t *d = get_data("/api/v2/statistics/2022-02-25", &r);
    check_record_shape(d);
    ck_assert_int_eq(geti(d, "day"), 2);
    ck_assert_int_eq(geti(d, "stats.personnel_units"), 2800);
    ck_assert_int_eq(geti(d, "increase.personnel_units"), 2800);
    ck_assert_int_eq(geti(d, "stats.vehicles_fuel_tanks"), 160);
    ck_assert_int_eq(geti(d, "increase.vehicles_fuel_tanks"), 160);
    ck_assert_int_eq(geti(d, "stats.submarines"), 0);
    ck_assert_int_eq(geti(d, "stats.special_military_equip"), 0);
    http_resp_free(&r);
    /* Last day of the separate keys: 1701 + 76; mobile SRBM systems 4. */
    d = get_data("/api/v2/statistics/2022-04-30", &r);
    ck_assert_int_eq(geti(d, "stats.vehicles_fuel_tanks"), 1777);
    ck_assert_int_eq(geti(d, "increase.vehicles_fuel_tanks"), 6);
    ck_assert_int_eq(geti(d, "stats.atgm_srbm_systems"), 4);
    ck_assert_int_eq(geti(d, "stats.cruise_missiles"), 0);
    http_resp_free(&r);
    /* First day of "vehicles and fuel tanks" (1796): its increase continues the sum. */
    d = get_data("/api/v2/statistics/2022-05-01", &r);
    ck_assert_int_eq(geti(d, "stats.vehicles_fuel_tanks"), 1796);
    ck_assert_int_eq(geti(d, "increase.vehicles_fuel_tanks"), 19);
    ck_assert_int_eq(geti(d, "stats.cruise_missiles"), 84);
    ck_assert_int_eq(geti(d, "stats.atgm_srbm_systems"), 4);
    ck_assert_int_eq(geti(d, "increase.atgm_srbm_systems"), 0);
    http_resp_free(&r);
    /* A key's first date continues nothing: increase 0; a correction shows as it is. */
    d = get_data("/api/v2/statistics/2022-03-16", &r);
    ck_assert_int_gt(geti(d, "stats.special_military_equip"), 0);
    ck_assert_int_eq(geti(d, "increase.special_military_equip"), 0);
    http_resp_free(&r);
    d = get_data("/api/v2/statistics/2024-11-30", &r);
    ck_assert_int_eq(geti(d, "increase.special_military_equip"), -83);
    http_resp_free(&r);
    d = get_data("/api/v2/statistics/2023-09-14", &r);
    ck_assert_int_eq(geti(d, "stats.submarines"), 1);
    ck_assert_int_eq(geti(d, "stats.warships_cutters"), 20);
    ck_assert_int_eq(geti(d, "increase.warships_cutters"), 1);
    http_resp_free(&r);
}
END_TEST

START_TEST(test_v2_latest_and_war_info)
{
    if (!ready())
        return;
    const json_t *last = json_array_get(dataset, json_array_size(dataset) - 1);
    const char *date = gets(last, "date");
    http_resp r, w, l;
    json_t *d = get_data("/api/v2/statistics/latest", &r);
    check_record_shape(d);
    ck_assert_str_eq(gets(d, "date"), date);
    ck_assert_int_eq(geti(d, "day"), war_day(date));
    ck_assert_int_eq(geti(d, "stats.personnel_units"), geti(last, "personnel"));
    json_t *info = get_data("/api/v2/war-info", &w);
    ck_assert_int_eq(json_object_size(info), 2);
    ck_assert_str_eq(gets(info, "current_date"), date);
    ck_assert_int_eq(geti(info, "current_day"), war_day(date));
    /* The list's last record (oldest first; no 2022-02-26, as the peer's) is the latest
     * one, byte for byte. */
    char path[128];
    snprintf(path, sizeof path, "/api/v2/statistics?offset=%zu&limit=1", json_array_size(dataset) - 2);
    json_t *list = get_data(path, &l);
    ck_assert(json_equal(json_array_get(json_object_get(list, "records"), 0), d));
    ck_assert(json_is_null(json_object_get(json_object_get(list, "paging"), "next_url")));
    http_resp_free(&r);
    http_resp_free(&w);
    http_resp_free(&l);
}
END_TEST

/* The path and query of an absolute paging URL of this server ("" if it is not one). */
static const char *local_part(const json_t *url)
{
    static char prefix[64];
    const char *u = json_string_value(url);
    snprintf(prefix, sizeof prefix, "http://127.0.0.1:%d/", test_srv.port);
    ck_assert_msg(u && strncmp(u, prefix, strlen(prefix)) == 0, "%s does not start with %s",
                  u ? u : "null", prefix);
    return u + strlen(prefix) - 1;
}

START_TEST(test_v2_list_paging)
{
    if (!ready())
        return;
    http_resp r, n, e;
    json_t *d = get_data("/api/v2/statistics?date_from=2024-10-21&date_to=2024-10-25&limit=2&offset=1", &r);
    ck_assert_int_eq(json_object_size(d), 2);
    json_t *recs = json_object_get(d, "records"), *pg = json_object_get(d, "paging");
    ck_assert_int_eq(json_array_size(recs), 2);
    ck_assert_str_eq(gets(json_array_get(recs, 0), "date"), "2024-10-22");
    ck_assert_str_eq(gets(json_array_get(recs, 1), "date"), "2024-10-23");
    ck_assert_int_eq(json_object_size(pg), 4);
    const char *q = "&limit=2&date_from=2024-10-21&date_to=2024-10-25";
    char want[256];
    snprintf(want, sizeof want, "/api/v2/statistics?offset=3%s", q);
    ck_assert_str_eq(local_part(json_object_get(pg, "next_url")), want);
    snprintf(want, sizeof want, "/api/v2/statistics?offset=0%s", q);
    ck_assert_str_eq(local_part(json_object_get(pg, "prev_url")), want);
    ck_assert_str_eq(local_part(json_object_get(pg, "first_url")), want);
    snprintf(want, sizeof want, "/api/v2/statistics?offset=4%s", q);
    ck_assert_str_eq(local_part(json_object_get(pg, "last_url")), want);
    /* Following next_url gives the next two, and the last page has no next. */
    json_t *nd = get_data(local_part(json_object_get(pg, "next_url")), &n);
    recs = json_object_get(nd, "records");
    ck_assert_int_eq(json_array_size(recs), 2);
    ck_assert_str_eq(gets(json_array_get(recs, 0), "date"), "2024-10-24");
    ck_assert_str_eq(gets(json_array_get(recs, 1), "date"), "2024-10-25");
    json_t *ed = get_data(local_part(json_object_get(pg, "last_url")), &e);
    ck_assert_int_eq(json_array_size(json_object_get(ed, "records")), 1);
    ck_assert_str_eq(gets(json_array_get(json_object_get(ed, "records"), 0), "date"), "2024-10-25");
    ck_assert(json_is_null(json_object_get(json_object_get(ed, "paging"), "next_url")));
    http_resp_free(&r);
    http_resp_free(&n);
    http_resp_free(&e);
}
END_TEST

/* The whole list, page after page by next_url: every report once, oldest first, and the
 * seed article's "7,390 personnel since Monday" as the sum of the week's increases. */
START_TEST(test_v2_list_walk)
{
    if (!ready())
        return;
    http_resp r;
    json_t *d = get_data("/api/v2/statistics", &r);
    json_t *pg = json_object_get(d, "paging");
    ck_assert_int_eq(json_array_size(json_object_get(d, "records")), 50);
    ck_assert(json_is_null(json_object_get(pg, "prev_url")));
    ck_assert_str_eq(local_part(json_object_get(pg, "next_url")), "/api/v2/statistics?offset=50&limit=50");
    size_t n = json_array_size(dataset) - 1, last = (n - 1) / 50 * 50; /* no 2022-02-26 */
    char want[128], path[256], prev[16] = "0000-00-00";
    snprintf(want, sizeof want, "/api/v2/statistics?offset=%zu&limit=50", last);
    ck_assert_str_eq(local_part(json_object_get(pg, "last_url")), want);
    http_resp_free(&r);

    size_t seen = 0;
    snprintf(path, sizeof path, "/api/v2/statistics?limit=1000");
    for (int pages = 0; path[0]; pages++) {
        ck_assert_int_lt(pages, 5);
        d = get_data(path, &r);
        json_t *recs = json_object_get(d, "records");
        for (size_t i = 0; i < json_array_size(recs); i++, seen++) {
            const char *date = gets(json_array_get(recs, i), "date");
            ck_assert_msg(strcmp(date, prev) > 0, "%s after %s: not oldest first", date, prev);
            snprintf(prev, sizeof prev, "%s", date);
        }
        json_t *next = json_object_get(json_object_get(d, "paging"), "next_url");
        snprintf(path, sizeof path, "%s", json_is_null(next) ? "" : local_part(next));
        http_resp_free(&r);
    }
    ck_assert_int_eq(seen, n);
    ck_assert_str_eq(prev, gets(json_array_get(dataset, n), "date"));

    d = get_data("/api/v2/statistics?date_from=2024-10-21&date_to=2024-10-25", &r);
    long long week = 0;
    for (size_t i = 0; i < json_array_size(json_object_get(d, "records")); i++)
        week += geti(json_array_get(json_object_get(d, "records"), i), "increase.personnel_units");
    ck_assert_int_eq(json_array_size(json_object_get(d, "records")), 5);
    ck_assert_int_eq(week, 7390);
    http_resp_free(&r);
}
END_TEST

/* Paging URLs name the host the client used (and https behind a TLS proxy); an answer
 * made for one Host is never served to another. */
START_TEST(test_v2_paging_host)
{
    if (!ready())
        return;
    const char *h1[] = {"Host: api.example.org", "X-Forwarded-Proto: https", NULL};
    const char *h2[] = {"Host: other.example.net:8443", NULL};
    http_resp a, b;
    const char *path = "/api/v2/statistics?limit=3";
    ck_assert_int_eq(http_request(&test_srv, "GET", path, h1, NULL, 0, &a), 0);
    ck_assert_int_eq(http_request(&test_srv, "GET", path, h2, NULL, 0, &b), 0);
    ck_assert_int_eq(a.status, 200);
    ck_assert_int_eq(b.status, 200);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(a.json,
                     "data"), "paging"), "next_url")),
                     "https://api.example.org/api/v2/statistics?offset=3&limit=3");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(b.json,
                     "data"), "paging"), "next_url")),
                     "http://other.example.net:8443/api/v2/statistics?offset=3&limit=3");
    http_resp_free(&a);
    http_resp_free(&b);
}
END_TEST

START_TEST(test_v2_terms)
{
    if (!ready())
        return;
    http_resp en, ua, bad;
    json_t *te = get_data("/api/v2/terms/en", &en), *tu = get_data("/api/v2/terms/ua", &ua);
    ck_assert_int_eq(json_object_size(te), N_KEYS);
    ck_assert_int_eq(json_object_size(tu), N_KEYS);
    for (size_t k = 0; k < N_KEYS; k++) {
        json_t *e = json_object_get(te, v2_keys[k]), *u = json_object_get(tu, v2_keys[k]);
        ck_assert_msg(e && u, "terms lack %s", v2_keys[k]);
        ck_assert_int_eq(json_object_size(e), 2);
        const char *icon = gets(e, "icon");
        ck_assert_msg(strncmp(icon, "http://127.0.0.1:", 17) == 0 &&
                      strstr(icon, "/images/icons/") && strstr(icon, ".svg"), "icon %s", icon);
        ck_assert_str_eq(gets(u, "icon"), icon);
        ck_assert_str_ne(gets(u, "title"), gets(e, "title"));
    }
    ck_assert_str_eq(gets(json_object_get(te, "personnel_units"), "title"), "Personnel units");
    ck_assert_str_eq(gets(json_object_get(te, "warships_cutters"), "title"), "Warships and cutters");
    ck_assert_str_eq(gets(json_object_get(tu, "personnel_units"), "title"), "Особовий склад");
    ck_assert_str_eq(gets(json_object_get(tu, "tanks"), "title"), "Танки");
    ck_assert_str_eq(gets(json_object_get(tu, "armoured_fighting_vehicles"), "title"),
                     "Бойові броньовані машини");
    ck_assert_str_eq(gets(json_object_get(tu, "planes"), "title"), "Літаки");
    ck_assert_str_eq(gets(json_object_get(tu, "submarines"), "title"), "Підводні човни");
    test_get_json("/api/v2/terms/de", 404, &bad);
    ck_assert_str_eq(gets(bad.json, "message"), "The data were not found.");
    ck_assert_int_eq(json_array_size(json_object_get(json_object_get(bad.json, "errors"), "lang")), 1);
    http_resp_free(&en);
    http_resp_free(&ua);
    http_resp_free(&bad);
}
END_TEST

/* 422 {"message": "The given data was invalid.", "errors": {param: [...]}} naming each bad
 * parameter, as the peer answers, also for a date without a report (clients read it as "no
 * report yet"); 404 in the same shape for what does not exist (a language, a path). */
static void expect_error(const char *path, long status, const char *const *params)
{
    http_resp r;
    char ct[128];
    test_get_json(path, status, &r);
    ck_assert_str_eq(http_header(&r, "Content-Type", ct, sizeof ct), "application/json; charset=utf-8");
    ck_assert_str_eq(gets(r.json, "message"), status == 422 ? "The given data was invalid."
                                                            : "The data were not found.");
    json_t *errors = json_object_get(r.json, "errors");
    size_t n = 0;
    for (; params[n]; n++) {
        json_t *list = json_object_get(errors, params[n]);
        ck_assert_msg(json_array_size(list) == 1 && json_is_string(json_array_get(list, 0)),
                      "GET %s: no message for %s in %s", path, params[n], r.body);
    }
    ck_assert_msg(json_object_size(errors) == n, "GET %s: errors %s", path, r.body);
    http_resp_free(&r);
}

START_TEST(test_v2_errors)
{
    if (!ready())
        return;
    const char *from[] = {"date_from", NULL}, *to[] = {"date_to", NULL};
    const char *limit[] = {"limit", NULL}, *offset[] = {"offset", NULL}, *date[] = {"date", NULL};
    const char *all[] = {"offset", "limit", "date_from", "date_to", NULL};
    expect_error("/api/v2/statistics?date_from=2024-13-01", 422, from);
    expect_error("/api/v2/statistics?date_from=25.10.2024", 422, from);
    expect_error("/api/v2/statistics?date_to=2024-02-30", 422, to);
    expect_error("/api/v2/statistics?date_from=2024-10-26&date_to=2024-10-25", 422, to);
    expect_error("/api/v2/statistics?limit=0", 422, limit);
    expect_error("/api/v2/statistics?limit=1001", 422, limit);
    expect_error("/api/v2/statistics?limit=ten", 422, limit);
    expect_error("/api/v2/statistics?limit=", 422, limit);
    expect_error("/api/v2/statistics?offset=-1", 422, offset);
    /* The message states the rule the value broke, for a negative and a too-large one alike. */
    static const char *const bad_limits[] = {"-1", "1001"};
    for (size_t i = 0; i < 2; i++) {
        char path[64], want[64];
        http_resp r;
        snprintf(path, sizeof path, "/api/v2/statistics?limit=%s", bad_limits[i]);
        snprintf(want, sizeof want, "a whole number from 1 to 1000 (got \"%s\")", bad_limits[i]);
        test_get_json(path, 422, &r);
        const char *m = json_string_value(json_array_get(json_object_get(json_object_get(r.json,
                                          "errors"), "limit"), 0));
        ck_assert_msg(m && strstr(m, want), "GET %s: limit message %s, want it to say %s", path,
                      m ? m : "(none)", want);
        http_resp_free(&r);
    }
    expect_error("/api/v2/statistics?offset=1x&limit=0&date_from=x&date_to=%ff", 422, all);
    expect_error("/api/v2/statistics/2024-02-30", 422, date);
    expect_error("/api/v2/statistics/yesterday", 422, date);
    expect_error("/api/v2/statistics/2021-12-31", 422, date);
    expect_error("/api/v1/statistics/2022-02-24", 422, date);
    expect_error("/api/v2/statistics/2099-01-01", 422, date);
    expect_error("/api/v1/statistics/31.12.2023", 422, date);
    expect_error("/api/v1/statistics?limit=0&date_to=x", 422, (const char *[]){"limit", "date_to", NULL});
    expect_error("/api/v2/terms/de", 404, (const char *[]){"lang", NULL});
    expect_error("/api/v2/terms/en/kittens", 404, (const char *[]){"term", NULL});
    expect_error("/api/v2/war-info/status/fr", 404, (const char *[]){"lang", NULL});
    expect_error("/api/v3/statistics/latest", 404, (const char *[]){"path", NULL});
    expect_error("/api/v2/statistic/latest", 404, (const char *[]){"path", NULL});

    http_resp r;
    test_get_json("/api/v2/statistics?date_from=2024-13-01", 422, &r);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(json_object_get(r.json,
                     "errors"), "date_from"), 0)),
                     "The date from is not a valid date (got \"2024-13-01\"; expected YYYY-MM-DD, "
                     "a real calendar day).");
    http_resp_free(&r);
    /* The largest page is accepted; a window without reports is an empty page, not an error,
     * also one that ends before 1970 (a date, not an open end). */
    static const char *const empty[] = {
        "/api/v2/statistics?limit=1000&date_from=2021-01-01&date_to=2021-12-31",
        "/api/v2/statistics?date_to=1969-12-31", "/api/v1/statistics?date_to=1900-01-01",
        "/api/v1/statistics?date_from=2099-01-01", "/api/v2/statistics?offset=100000",
    };
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        json_t *d = get_data(empty[i], &r);
        ck_assert_msg(json_array_size(json_object_get(d, "records")) == 0, "GET %s: %s", empty[i], r.body);
        ck_assert(json_is_null(json_object_get(json_object_get(d, "paging"), "next_url")));
        http_resp_free(&r);
    }
}
END_TEST


/* API v1: the v2 envelope, records without war_status and submarines, the same figures,
 * lists oldest first with /api/v1 paging URLs, 14 terms, war-info. */
START_TEST(test_v1_routes)
{
    if (!ready())
        return;
    http_resp a, b, l, t, w;
    json_t *v1 = get_data("/api/v1/statistics/2024-10-25", &a);
    json_t *v2 = get_data("/api/v2/statistics/2024-10-25", &b);
    check_record_shape_v(v1, 1);
    ck_assert_str_eq(gets(v1, "date"), "2024-10-25");
    ck_assert_int_eq(geti(v1, "day"), 975);
    ck_assert_str_eq(gets(v1, "resource"), gets(v2, "resource"));
    for (size_t k = 0; k + 1 < N_KEYS; k++) {
        char p[64];
        snprintf(p, sizeof p, "stats.%s", v2_keys[k]);
        ck_assert_int_eq(geti(v1, p), geti(v2, p));
        snprintf(p, sizeof p, "increase.%s", v2_keys[k]);
        ck_assert_int_eq(geti(v1, p), geti(v2, p));
    }
    /* Offset arithmetic as the peer's clients do it: offset 0 is 2022-02-25, then the list
     * goes on from 2022-02-27 (the peer's has no 2022-02-26): offset k >= 1 is the day
     * k + 1 days after 2022-02-25. */
    json_t *list = get_data("/api/v1/statistics?offset=10&limit=3", &l);
    json_t *recs = json_object_get(list, "records");
    ck_assert_int_eq(json_array_size(recs), 3);
    ck_assert_str_eq(gets(json_array_get(recs, 0), "date"), "2022-03-08");
    ck_assert_str_eq(gets(json_array_get(recs, 2), "date"), "2022-03-10");
    check_record_shape_v(json_array_get(recs, 1), 1);
    ck_assert_str_eq(local_part(json_object_get(json_object_get(list, "paging"), "next_url")),
                     "/api/v1/statistics?offset=13&limit=3");
    json_t *terms = get_data("/api/v1/terms/ua", &t);
    ck_assert_int_eq(json_object_size(terms), N_KEYS - 1);
    ck_assert_ptr_null(json_object_get(terms, "submarines"));
    ck_assert_str_eq(gets(json_object_get(terms, "tanks"), "title"), "Танки");
    json_t *info = get_data("/api/v1/war-info", &w);
    ck_assert_str_eq(gets(info, "current_date"), gets(json_array_get(dataset, json_array_size(dataset) - 1), "date"));
    http_resp_free(&a);
    http_resp_free(&b);
    http_resp_free(&l);
    http_resp_free(&t);
    http_resp_free(&w);
}
END_TEST

/* v2's war-info/status (with and without a language) and terms/{lang}/{term}. */
START_TEST(test_v2_status_and_term)
{
    if (!ready())
        return;
    http_resp s, en, ua, te, tu;
    json_t *st = get_data("/api/v2/war-info/status", &s);
    ck_assert_int_eq(json_object_size(st), 2);
    ck_assert_int_eq(geti(st, "code"), 1);
    ck_assert_str_eq(gets(st, "alias"), "in_progress");
    json_t *de = get_data("/api/v2/war-info/status/en", &en), *du = get_data("/api/v2/war-info/status/ua", &ua);
    ck_assert_str_eq(gets(json_object_get(de, "war_status"), "alias"), "in_progress");
    ck_assert_int_eq(geti(du, "war_status.code"), 1);
    ck_assert_str_ne(gets(de, "description"), gets(du, "description"));
    json_t *t1 = get_data("/api/v2/terms/en/mlrs", &te), *t2 = get_data("/api/v2/terms/ua/submarines", &tu);
    ck_assert_str_eq(gets(t1, "title"), "Multiple Launch Rocket System");
    ck_assert_str_eq(gets(t2, "title"), "Підводні човни");
    ck_assert_int_eq(json_object_size(t2), 2);
    http_resp_free(&s);
    http_resp_free(&en);
    http_resp_free(&ua);
    http_resp_free(&te);
    http_resp_free(&tu);
}
END_TEST

/* Caching, ETag/304, HEAD, CORS and metrics on the compat routes, as on /v1. */
START_TEST(test_compat_http_features)
{
    if (!ready())
        return;
    static const char *const paths[] = {
        "/api/v1/statistics/latest", "/api/v1/statistics/2023-01-01", "/api/v1/terms/en",
        "/api/v1/war-info", "/api/v2/war-info/status", "/api/v2/terms/ua/tanks",
        "/api/v2/war-info/status/en", "/api/v1/statistics?limit=2",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        http_resp r, c, h;
        char etag[128], inm[160], acao[64], len[32];
        const char *origin[] = {"Origin: https://example.org", NULL};
        ck_assert_int_eq(http_request(&test_srv, "GET", paths[i], origin, NULL, 0, &r), 0);
        ck_assert_msg(r.status == 200, "GET %s: %ld", paths[i], r.status);
        ck_assert_msg(http_header(&r, "ETag", etag, sizeof etag), "GET %s: no ETag", paths[i]);
        ck_assert_msg(http_header(&r, "Access-Control-Allow-Origin", acao, sizeof acao),
                      "GET %s: no CORS header", paths[i]);
        snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
        const char *cond[] = {inm, NULL};
        ck_assert_int_eq(http_request(&test_srv, "GET", paths[i], cond, NULL, 0, &c), 0);
        ck_assert_msg(c.status == 304 && c.len == 0, "GET %s with If-None-Match: %ld", paths[i], c.status);
        ck_assert_int_eq(http_request(&test_srv, "HEAD", paths[i], NULL, NULL, 0, &h), 0);
        ck_assert_msg(h.status == 200 && h.len == 0, "HEAD %s: %ld, %zu bytes", paths[i], h.status, h.len);
        ck_assert_msg(http_header(&h, "Content-Length", len, sizeof len) && (size_t)atol(len) == r.len,
                      "HEAD %s: Content-Length %s, GET body %zu", paths[i], len, r.len);
        http_resp_free(&r);
        http_resp_free(&c);
        http_resp_free(&h);
    }
    http_resp m;
    ck_assert_int_eq(http_get(&test_srv, "/metrics", &m), 0);
    ck_assert_msg(strstr(m.body, "route=\"/api/v1/statistics/latest\",status=\"200\"") &&
                  strstr(m.body, "route=\"/api/v2/war-info/status/{lang}\",status=\"200\""),
                  "metrics lack the compat routes");
    http_resp_free(&m);
}
END_TEST

#define TOKEN "compat-test-token-1"
static const char *const env_token[] = {"ATTRITION_TOKEN=" TOKEN, NULL};

/* POST a JSON report; asserts 201. */
static void post_report(const test_server *s, const char *json)
{
    const char *h[] = {"Authorization: Bearer " TOKEN, "Content-Type: application/json", NULL};
    http_resp r;
    ck_assert_int_eq(http_request(s, "POST", "/v1/reports", h, json, strlen(json), &r), 0);
    ck_assert_msg(r.status == 201, "POST %s: %ld %s", json, r.status, r.body);
    http_resp_free(&r);
}

/* Its own server: an empty database answers "no report yet" (422) in the peer's shape; then
 * two reports with a gap between them, one with a source URL: `resource` is the stored URL,
 * else the ministry's site; the gap is 422; a list holds both, oldest first. */
START_TEST(test_compat_small_store)
{
    test_server s;
    http_resp r;
    ck_assert_int_eq(test_server_prepare(&s), 0);
    ck_assert_int_eq(test_server_start(&s, env_token), 0);
    static const char *const none[] = {"/api/v1/statistics/latest", "/api/v2/statistics/latest",
                                       "/api/v2/war-info", "/api/v1/statistics/2024-10-22"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        json_t *b = http_get_json(&s, none[i], 422, &r);
        ck_assert_str_eq(json_string_value(json_object_get(b, "message")), "The given data was invalid.");
        ck_assert_int_eq(json_object_size(json_object_get(b, "errors")), 1);
        http_resp_free(&r);
    }
    post_report(&s, "{\"date\": \"2024-10-21\", \"totals\": {\"personnel\": 100, \"tanks\": 5}}");
    post_report(&s, "{\"date\": \"2024-10-23\", \"totals\": {\"personnel\": 130, \"tanks\": 6}, "
                    "\"source_url\": \"https://www.mil.gov.ua/news/2024/10/23/example/\"}");
    json_t *b = http_get_json(&s, "/api/v2/statistics/latest", 200, &r);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(b, "data"), "resource")),
                     "https://www.mil.gov.ua/news/2024/10/23/example/");
    ck_assert_int_eq(json_path_int(b, "data.increase.personnel_units"), 30);
    ck_assert_int_eq(json_path_int(b, "data.stats.submarines"), 0);
    http_resp_free(&r);
    b = http_get_json(&s, "/api/v1/statistics?date_from=2024-10-01", 200, &r);
    json_t *recs = json_object_get(json_object_get(b, "data"), "records");
    ck_assert_int_eq(json_array_size(recs), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(recs, 0), "resource")),
                     "https://www.zsu.gov.ua/en");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(recs, 1), "date")), "2024-10-23");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(recs, 1), "resource")),
                     "https://www.mil.gov.ua/news/2024/10/23/example/");
    http_resp_free(&r);
    b = http_get_json(&s, "/api/v2/statistics/2024-10-22", 422, &r);
    const char *why = json_string_value(json_array_get(json_object_get(json_object_get(b, "errors"), "date"), 0));
    ck_assert_msg(why && strstr(why, "2024-10-22"), "gap message: %s", r.body);
    http_resp_free(&r);
    ck_assert_int_eq(test_server_stop(&s), 0);
    test_server_cleanup(&s);
}
END_TEST

TCase *http_compat_tcase(void)
{
    TCase *tc = tcase_create("http_compat");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120); /* Check's 4 s default is too short under valgrind */
    tcase_add_test(tc, test_v2_date_figures);
    tcase_add_test(tc, test_v2_merged_and_missing);
    tcase_add_test(tc, test_v2_latest_and_war_info);
    tcase_add_test(tc, test_v2_list_paging);
    tcase_add_test(tc, test_v2_list_walk);
    tcase_add_test(tc, test_v2_paging_host);
    tcase_add_test(tc, test_v2_terms);
    tcase_add_test(tc, test_v2_errors);
    tcase_add_test(tc, test_v1_routes);
    tcase_add_test(tc, test_v2_status_and_term);
    tcase_add_test(tc, test_compat_http_features);
    tcase_add_test(tc, test_compat_small_store);
    return tc;
}
