/* HTTP tests of the losses endpoints against the real dataset, imported into a fresh
 * database of a real `attrition serve`. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

TCase *http_losses_tcase(void);

static int have_data;

static void setup(void)
{
    have_data = test_server_start_dataset(&test_srv, "http_losses", NULL);
}

START_TEST(article_day)
{
    if (!have_data)
        return;
    http_resp r;
    json_t *j = test_get_json("/v1/daily/2024-10-25", 200, &r);
    ck_assert_str_eq(json_string_value(json_object_get(j, "date")), "2024-10-25");
    ck_assert_int_eq(json_path_int(j, "day"), 975);
    ck_assert_int_eq(json_path_int(j, "losses.personnel"), 1630);
    ck_assert_int_eq(json_path_int(j, "totals.personnel"), 685910);
    ck_assert_int_eq(json_path_int(j, "losses.afv"), 33);
    ck_assert_int_eq(json_path_int(j, "losses.artillery"), 34);
    ck_assert_int_eq(json_path_int(j, "losses.tanks"), 7);
    ck_assert_int_eq(json_path_int(j, "losses.air_defense"), 1);
    ck_assert_int_eq(json_path_int(j, "losses.uav"), 73);
    ck_assert_int_eq(json_path_int(j, "losses.vehicles_fuel_tanks"), 79);
    ck_assert_int_eq(json_path_int(j, "losses.special_equipment"), 22);
    ck_assert_int_eq(json_path_int(j, "span_days"), 1);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "corrections")), 0);
    http_resp_free(&r);

    j = test_get_json("/v1/cumulative/2024-10-25?category=personnel", 200, &r);
    ck_assert_int_eq(json_path_int(j, "totals.personnel"), 685910);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "qualifiers"), "personnel")), "about");
    ck_assert_uint_eq(json_object_size(json_object_get(j, "totals")), 1);
    http_resp_free(&r);
}
END_TEST

START_TEST(corrections_and_merges)
{
    if (!have_data)
        return;
    http_resp r;
    json_t *j = test_get_json("/v1/daily/2024-11-30", 200, &r);
    ck_assert_int_eq(json_path_int(j, "losses.special_equipment"), -83);
    json_t *corr = json_object_get(j, "corrections");
    int found = 0;
    for (size_t i = 0; i < json_array_size(corr); i++)
        found |= strcmp(json_string_value(json_array_get(corr, i)), "special_equipment") == 0;
    ck_assert_msg(found, "special_equipment is not listed in corrections");
    http_resp_free(&r);

    j = test_get_json("/v1/daily/2022-05-01", 200, &r);
    ck_assert_int_eq(json_path_int(j, "losses.vehicles_fuel_tanks"), 19);
    ck_assert_int_eq(json_path_int(j, "losses.cruise_missiles"), 80);
    http_resp_free(&r);

    j = test_get_json("/v1/daily/2023-09-14?category=submarines", 200, &r);
    ck_assert_int_eq(json_path_int(j, "totals.submarines"), 1);
    ck_assert_ptr_null(json_object_get(json_object_get(j, "losses"), "submarines"));
    http_resp_free(&r);

    j = test_get_json("/v1/daily/2022-02-25", 200, &r);
    ck_assert_int_eq(json_path_int(j, "losses.personnel"), 2800);
    http_resp_free(&r);

    j = test_get_json("/v1/categories", 200, &r);
    json_t *cats = json_object_get(j, "categories");
    int checked = 0;
    for (size_t i = 0; i < json_array_size(cats); i++) {
        json_t *c = json_array_get(cats, i);
        const char *id = json_string_value(json_object_get(c, "id"));
        if (strcmp(id, "vehicles_fuel_tanks") == 0) {
            ck_assert_uint_eq(json_array_size(json_object_get(c, "replaces")), 2);
            ck_assert_str_eq(json_string_value(json_object_get(c, "first_date")), "2022-05-01");
            checked++;
        } else if (strcmp(id, "mobile_srbm") == 0) {
            ck_assert_str_eq(json_string_value(json_object_get(c, "replaced_by")), "cruise_missiles");
            ck_assert_str_eq(json_string_value(json_object_get(c, "last_date")), "2022-04-30");
            ck_assert(json_is_false(json_object_get(c, "active")));
            checked++;
        }
    }
    ck_assert_int_eq(checked, 2);
    http_resp_free(&r);
}
END_TEST

/* The dataset's key for each category id, as the ministry files spell it. */
static const char *const keymap[][2] = {
    {"personnel", "personnel"}, {"tanks", "tank"}, {"afv", "APC"}, {"artillery", "field artillery"},
    {"mlrs", "MRL"}, {"air_defense", "anti-aircraft warfare"}, {"aircraft", "aircraft"},
    {"helicopters", "helicopter"}, {"uav", "drone"}, {"cruise_missiles", "cruise missiles"},
    {"warships", "naval ship"}, {"submarines", "submarines"},
    {"vehicles_fuel_tanks", "vehicles and fuel tanks"}, {"special_equipment", "special equipment"},
    {"ground_robotic_systems", "ground robotic systems"}, {"military_auto", "military auto"},
    {"fuel_tanks", "fuel tank"}, {"mobile_srbm", "mobile SRBM system"}, {"pow", "POW"}};
#define NKEYS (sizeof keymap / sizeof keymap[0])

/* The dataset's figure of id on entry i (merging both files), or INT64_MIN. */
static long long figure(json_t *pers, json_t *equip, size_t i, size_t k)
{
    json_t *src = (k == 0 || k == NKEYS - 1) ? pers : equip;
    json_t *v = json_object_get(json_array_get(src, i), keymap[k][1]);
    return json_is_integer(v) ? (long long)json_integer_value(v) : INT64_MIN;
}

START_TEST(whole_history_equals_dataset)
{
    if (!have_data)
        return;
    const char *const *files = test_dataset_files();
    json_t *pers = json_load_file(files[0], 0, NULL), *equip = json_load_file(files[1], 0, NULL);
    ck_assert_ptr_nonnull(pers);
    ck_assert_ptr_nonnull(equip);
    size_t n = json_array_size(pers);
    ck_assert_uint_eq(json_array_size(equip), n);
    http_resp rc, rd;
    json_t *cum = json_object_get(test_get_json("/v1/cumulative", 200, &rc), "series");
    json_t *daily = json_object_get(test_get_json("/v1/daily", 200, &rd), "series");
    ck_assert_uint_eq(json_array_size(cum), n);
    ck_assert_uint_eq(json_array_size(daily), n);
    size_t compared = 0;
    for (size_t i = 0; i < n; i++) {
        const char *date = json_string_value(json_object_get(json_array_get(pers, i), "date"));
        json_t *c = json_array_get(cum, i), *d = json_array_get(daily, i);
        ck_assert_str_eq(json_string_value(json_object_get(c, "date")), date);
        ck_assert_str_eq(json_string_value(json_object_get(d, "date")), date);
        for (size_t k = 0; k < NKEYS; k++) {
            long long want = figure(pers, equip, i, k);
            json_t *got = json_object_get(json_object_get(c, "totals"), keymap[k][0]);
            if (want == INT64_MIN) {
                ck_assert_msg(got == NULL, "%s %s: unexpected total", date, keymap[k][0]);
                continue;
            }
            ck_assert_msg(json_integer_value(got) == want, "%s %s: total %lld, want %lld", date,
                          keymap[k][0], (long long)json_integer_value(got), want);
            /* Daily: difference from the previous report; the first report counts from zero;
             * a first appearance continues its predecessors or has no value. */
            long long prev = i ? figure(pers, equip, i - 1, k) : 0, want_d;
            int has = 1;
            if (i > 0 && prev == INT64_MIN) {
                if (strcmp(keymap[k][0], "vehicles_fuel_tanks") == 0)
                    prev = figure(pers, equip, i - 1, 15) + figure(pers, equip, i - 1, 16);
                else if (strcmp(keymap[k][0], "cruise_missiles") == 0)
                    prev = figure(pers, equip, i - 1, 17);
                else
                    has = 0;
            }
            json_t *gd = json_object_get(json_object_get(d, "losses"), keymap[k][0]);
            if (!has) {
                ck_assert_msg(gd == NULL, "%s %s: unexpected daily value", date, keymap[k][0]);
                continue;
            }
            want_d = want - prev;
            ck_assert_msg(json_is_integer(gd) && json_integer_value(gd) == want_d,
                          "%s %s: daily %lld, want %lld", date, keymap[k][0],
                          (long long)json_integer_value(gd), want_d);
            compared++;
        }
    }
    ck_assert_uint_gt(compared, 20000);
    http_resp_free(&rc);
    http_resp_free(&rd);
    json_decref(pers);
    json_decref(equip);
}
END_TEST

/* Each bad request: status and problem+json with a detail. */
static void expect_problem(const char *path, long status, const char *needle)
{
    http_resp r;
    char ct[128];
    ck_assert_int_eq(http_get(&test_srv, path, &r), 0);
    ck_assert_msg(r.status == status, "%s: status %ld, want %ld", path, r.status, status);
    ck_assert_ptr_nonnull(http_header(&r, "Content-Type", ct, sizeof ct));
    ck_assert_str_eq(ct, "application/problem+json");
    ck_assert_ptr_nonnull(r.json);
    ck_assert_int_eq(json_path_int(r.json, "status"), status);
    const char *detail = json_string_value(json_object_get(r.json, "detail"));
    ck_assert_msg(detail && strstr(detail, needle), "%s: detail \"%s\" lacks \"%s\"", path, detail, needle);
    ck_assert_ptr_nonnull(json_object_get(r.json, "title"));
    ck_assert_ptr_nonnull(json_object_get(r.json, "type"));
    http_resp_free(&r);
}

START_TEST(bad_parameters)
{
    expect_problem("/v1/daily/2024-13-01", 400, "2024-13-01");
    expect_problem("/v1/daily/2024-02-30", 400, "2024-02-30");
    expect_problem("/v1/daily/yesterday", 400, "yesterday");
    expect_problem("/v1/cumulative/2024-13-01", 400, "not a date");
    expect_problem("/v1/daily?category=boats", 400, "boats");
    expect_problem("/v1/cumulative/latest?category=personnel,nope", 400, "nope");
    expect_problem("/v1/daily?from=2024-10-25&to=2024-10-21", 400, "after");
    expect_problem("/v1/cumulative?from=2024-10-32", 400, "from");
    expect_problem("/v1/daily?limit=0", 400, "limit");
    expect_problem("/v1/daily?format=xml", 400, "format");
    expect_problem("/v1/nothing", 404, "/v1/nothing");
    if (have_data)
        expect_problem("/v1/daily/2021-01-01", 404, "no report");
}
END_TEST

START_TEST(window_and_latest)
{
    if (!have_data)
        return;
    http_resp r;
    json_t *j = test_get_json("/v1/daily?from=2024-10-21&to=2024-10-25&category=personnel", 200, &r);
    json_t *series = json_object_get(j, "series");
    ck_assert_uint_eq(json_array_size(series), 5);
    long long sum = 0;
    for (size_t i = 0; i < 5; i++)
        sum += json_path_int(json_array_get(series, i), "losses.personnel");
    ck_assert_int_eq(sum, 7390);
    ck_assert_str_eq(json_string_value(json_object_get(j, "from")), "2024-10-21");
    http_resp_free(&r);
    j = test_get_json("/v1/daily/latest", 200, &r);
    ck_assert_str_eq(json_string_value(json_object_get(j, "date")), "2026-08-08");
    ck_assert_int_eq(json_path_int(j, "day"), 1627);
    http_resp_free(&r);
    j = test_get_json("/v1/cumulative/latest", 200, &r);
    ck_assert_int_eq(json_path_int(j, "totals.personnel"), 1456610);
    http_resp_free(&r);
}
END_TEST

TCase *http_losses_tcase(void)
{
    TCase *tc = tcase_create("http_losses");
    tcase_add_unchecked_fixture(tc, setup, test_fixture_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, article_day);
    tcase_add_test(tc, corrections_and_merges);
    tcase_add_test(tc, whole_history_equals_dataset);
    tcase_add_test(tc, bad_parameters);
    tcase_add_test(tc, window_and_latest);
    return tc;
}
