/* Unit tests of the derivation rules (core/stats.c) on small hand-made series. */
#include <check.h>
#include "attrition/date.h"
#include "attrition/stats.h"

TCase *stats_tcase(void);

static int day(const char *s)
{
    int d = -1;
    ck_assert_int_eq(date_parse(s, &d), 0);
    return d;
}

/* Categories: 0 personnel, 1 military_auto, 2 fuel_tanks, 3 vehicles_fuel_tanks (replaces 1
 * and 2), 4 submarines (no predecessor). */
static const stats_category_def cats[] = {
    {"personnel", "personnel", "persons", NULL, 1},
    {"military_auto", "military auto", NULL, "vehicles_fuel_tanks", 1},
    {"fuel_tanks", "fuel tanks", NULL, "vehicles_fuel_tanks", 1},
    {"vehicles_fuel_tanks", "vehicles and fuel tanks", NULL, NULL, 1},
    {"submarines", "submarines", NULL, NULL, 1},
};

static stats_snapshot *build(const stats_value_def *v, size_t n)
{
    stats_snapshot *s = NULL;
    ck_assert_int_eq(stats_snapshot_build(cats, 5, v, n, 7, 1700000000, &s), STATS_OK);
    return s;
}

START_TEST(first_report_counts_from_zero)
{
    stats_value_def v[] = {{day("2022-02-25"), 0, 2800, "about"}, {day("2022-02-26"), 0, 4300, "about"}};
    stats_snapshot *s = build(v, 2);
    ck_assert_uint_eq(s->n_rep, 2);
    ck_assert_int_eq(stats_loss(s, 0, 0), 2800);
    ck_assert_int_eq(stats_loss(s, 1, 0), 1500);
    ck_assert_int_eq(s->span[0], 1);
    ck_assert_str_eq(stats_qualifier(s, 1, 0), "about");
    ck_assert_int_eq(s->version, 7);
    stats_snapshot_unref(s);
}
END_TEST

START_TEST(negative_difference_is_kept)
{
    stats_value_def v[] = {{day("2024-11-29"), 0, 100, NULL}, {day("2024-11-30"), 0, 17, NULL},
                           {day("2024-12-01"), 0, 20, NULL}};
    stats_snapshot *s = build(v, 3);
    ck_assert_int_eq(stats_loss(s, 1, 0), -83);
    ck_assert_int_eq(stats_loss(s, 2, 0), 3);
    stats_snapshot_unref(s);
}
END_TEST

START_TEST(gap_sets_span_days)
{
    stats_value_def v[] = {{day("2024-01-01"), 0, 10, NULL}, {day("2024-01-04"), 0, 40, NULL}};
    stats_snapshot *s = build(v, 2);
    ck_assert_int_eq(s->span[1], 3);
    ck_assert_int_eq(stats_loss(s, 1, 0), 30);
    stats_snapshot_unref(s);
}
END_TEST

START_TEST(merge_continues_predecessors)
{
    /* 2022-04-30: military_auto 1701 + fuel_tanks 76; 2022-05-01: vehicles_fuel_tanks 1796. */
    stats_value_def v[] = {
        {day("2022-04-29"), 1, 1695, NULL}, {day("2022-04-29"), 2, 76, NULL},
        {day("2022-04-30"), 1, 1701, NULL}, {day("2022-04-30"), 2, 76, NULL},
        {day("2022-05-01"), 3, 1796, NULL}, {day("2022-05-02"), 3, 1824, NULL},
        {day("2022-04-29"), 0, 1, NULL}};
    stats_snapshot *s = build(v, sizeof v / sizeof v[0]);
    int r = stats_report_index(s, day("2022-05-01"));
    ck_assert_int_eq(r, 2);
    ck_assert_int_eq(stats_loss(s, 2, 3), 19);
    ck_assert_int_eq(stats_loss(s, 3, 3), 28);
    ck_assert_int_eq(stats_loss(s, 2, 1), STATS_NONE);
    ck_assert_int_eq(s->cats[3].n_replaces, 2);
    ck_assert_int_eq(s->cats[1].replaced_by, 3);
    ck_assert_int_eq(s->cats[1].last, 1);
    ck_assert_int_eq(s->cats[3].first, 2);
    stats_snapshot_unref(s);
}
END_TEST

START_TEST(new_category_without_predecessor_has_no_first_value)
{
    stats_value_def v[] = {{day("2023-09-13"), 0, 5, NULL}, {day("2023-09-14"), 0, 6, NULL},
                           {day("2023-09-14"), 4, 1, NULL}, {day("2023-09-15"), 4, 1, NULL}};
    stats_snapshot *s = build(v, 4);
    ck_assert_int_eq(stats_loss(s, 1, 4), STATS_NONE);
    ck_assert_int_eq(stats_total(s, 1, 4), 1);
    ck_assert_int_eq(stats_loss(s, 2, 4), 0);
    ck_assert_int_eq(stats_total(s, 2, 0), STATS_NONE);
    stats_snapshot_unref(s);
}
END_TEST

START_TEST(selection_and_window)
{
    stats_value_def v[] = {{day("2024-01-01"), 0, 1, NULL}, {day("2024-01-02"), 0, 2, NULL},
                           {day("2024-01-03"), 0, 3, NULL}};
    stats_snapshot *s = build(v, 3);
    stats_selection sel;
    char bad[32];
    ck_assert_int_eq(stats_selection_parse(s, "personnel,submarines", &sel, bad, sizeof bad), STATS_OK);
    ck_assert_int_eq(sel.mask[0], 1);
    ck_assert_int_eq(sel.mask[1], 0);
    ck_assert_int_eq(sel.mask[4], 1);
    stats_selection_free(&sel);
    ck_assert_int_eq(stats_selection_parse(s, "personnel,boats", &sel, bad, sizeof bad), STATS_EINVAL);
    ck_assert_str_eq(bad, "boats");
    ck_assert_int_eq(stats_selection_parse(s, "personnel,", &sel, bad, sizeof bad), STATS_EINVAL);
    size_t lo, hi;
    int f, t;
    ck_assert_int_eq(stats_window(s, day("2024-01-02"), DATE_NONE, &lo, &hi, &f, &t), STATS_OK);
    ck_assert_uint_eq(lo, 1);
    ck_assert_uint_eq(hi, 3);
    ck_assert_int_eq(t, day("2024-01-03"));
    ck_assert_int_eq(stats_window(s, day("2024-01-03"), day("2024-01-02"), &lo, &hi, &f, &t), STATS_EINVAL);
    stats_snapshot_unref(s);
}
END_TEST

START_TEST(bad_input_is_refused)
{
    stats_snapshot *s = NULL;
    stats_value_def v[] = {{day("2024-01-01"), 9, 1, NULL}};
    ck_assert_int_eq(stats_snapshot_build(cats, 5, v, 1, 1, 0, &s), STATS_EINVAL);
    ck_assert_ptr_null(s);
    stats_category_def loop[] = {{"a", "a", NULL, "missing", 0}};
    ck_assert_int_eq(stats_snapshot_build(loop, 1, NULL, 0, 1, 0, &s), STATS_EINVAL);
    ck_assert_int_eq(stats_snapshot_build(cats, 5, NULL, 0, 1, 0, &s), STATS_OK);
    ck_assert_uint_eq(s->n_rep, 0);
    stats_snapshot_unref(s);
}
END_TEST

/* stats_window, THE window of every endpoint: DATE_NONE is an open end, every other value a
 * date (1969-12-31 is day -1), and a window outside the reports is empty, never widened. */
static const struct {
    const char *from, *to; /* NULL: DATE_NONE */
    size_t lo, hi;
    const char *echo_from, *echo_to;
} windows[] = {
    {NULL, NULL, 0, 3, "2024-01-01", "2024-01-03"},
    {NULL, "1969-12-31", 0, 0, "2024-01-01", "1969-12-31"},
    {NULL, "1900-01-01", 0, 0, "2024-01-01", "1900-01-01"},
    {NULL, "2023-12-31", 0, 0, "2024-01-01", "2023-12-31"},
    {"2024-01-04", NULL, 3, 3, "2024-01-04", "2024-01-03"},
    {"1969-12-31", "2024-01-01", 0, 1, "1969-12-31", "2024-01-01"},
    {"2024-01-02", "2024-01-02", 1, 2, "2024-01-02", "2024-01-02"},
    {"2024-01-02", NULL, 1, 3, "2024-01-02", "2024-01-03"},
};

START_TEST(window_never_widens)
{
    stats_value_def v[] = {{day("2024-01-01"), 0, 1, NULL}, {day("2024-01-02"), 0, 2, NULL},
                           {day("2024-01-03"), 0, 3, NULL}};
    stats_snapshot *s = build(v, 3);
    size_t lo = 99, hi = 99;
    int f, t;
    int from = windows[_i].from ? day(windows[_i].from) : DATE_NONE;
    int to = windows[_i].to ? day(windows[_i].to) : DATE_NONE;
    ck_assert_int_eq(stats_window(s, from, to, &lo, &hi, &f, &t), STATS_OK);
    ck_assert_msg(lo == windows[_i].lo && hi == windows[_i].hi, "%s..%s: reports %zu..%zu, want "
                  "%zu..%zu", windows[_i].from, windows[_i].to, lo, hi, windows[_i].lo,
                  windows[_i].hi);
    ck_assert_int_eq(f, day(windows[_i].echo_from));
    ck_assert_int_eq(t, day(windows[_i].echo_to));
    stats_snapshot_unref(s);
}
END_TEST

TCase *stats_tcase(void)
{
    TCase *tc = tcase_create("stats");
    tcase_add_test(tc, first_report_counts_from_zero);
    tcase_add_test(tc, negative_difference_is_kept);
    tcase_add_test(tc, gap_sets_span_days);
    tcase_add_test(tc, merge_continues_predecessors);
    tcase_add_test(tc, new_category_without_predecessor_has_no_first_value);
    tcase_add_test(tc, selection_and_window);
    tcase_add_loop_test(tc, window_never_widens, 0, (int)(sizeof windows / sizeof windows[0]));
    tcase_add_test(tc, bad_input_is_refused);
    return tc;
}
