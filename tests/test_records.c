/* Unit tests of records, ranks and period sums (core/records.c) on small hand-made
 * snapshots: every expected number below is worked out by hand in the comment beside it. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include "attrition/date.h"
#include "attrition/stats.h"

TCase *records_tcase(void);

#define OPEN STATS_OPEN /* an open end of a window */

static int day(const char *s)
{
    int d = -1;
    ck_assert_int_eq(date_parse(s, &d), 0);
    return d;
}

/* Categories: 0 personnel, 1 uav, 2 submarines (first reported later, no predecessor). */
static const stats_category_def cats[] = {
    {"personnel", "personnel", "persons", NULL, 1},
    {"uav", "UAV operational-tactical level", NULL, NULL, 1},
    {"submarines", "submarines", NULL, NULL, 1},
};

typedef struct builder {
    stats_value_def v[1024];
    size_t n;
} builder;

/* Adds category cat's totals on consecutive days from `first` so that its daily losses are
 * loss[0..n): the totals are base + the running sum (a snapshot's first report counts from
 * zero, so with base 0 its loss is loss[0] too). */
static void add_days(builder *b, int cat, const char *first, const int64_t *loss, size_t n,
                     int64_t base)
{
    int d = day(first);
    for (size_t i = 0; i < n; i++) {
        base += loss[i];
        ck_assert_uint_lt(b->n, sizeof b->v / sizeof b->v[0]);
        b->v[b->n++] = (stats_value_def){d + (int)i, cat, base, NULL};
    }
}

static stats_snapshot *build(const builder *b)
{
    stats_snapshot *s = NULL;
    ck_assert_int_eq(stats_snapshot_build(cats, 3, b->v, b->n, 1, 1700000000, &s), STATS_OK);
    return s;
}

/* Personnel only, daily losses loss[] from `first`. */
static stats_snapshot *personnel(const char *first, const int64_t *loss, size_t n)
{
    static builder b;
    b.n = 0;
    add_days(&b, 0, first, loss, n, 0);
    return build(&b);
}

static void assert_record(const stats_record *r, int rank, const char *date, int64_t value)
{
    ck_assert_int_eq(r->rank, rank);
    ck_assert_int_eq(r->date, day(date));
    ck_assert_int_eq(r->value, value);
}

/* ---- records --------------------------------------------------------------------------- */

START_TEST(ranking_with_ties)
{
    /* 01-01..01-07: 5 9 7 9 3 7 9. Sorted: 9 (02, 04, 07), 7 (03, 06), 5, 3: ranks
     * 1 1 1 4 4 6 7 (standard competition ranking), earlier date first among equals. */
    const int64_t loss[] = {5, 9, 7, 9, 3, 7, 9};
    stats_snapshot *s = personnel("2024-01-01", loss, 7);
    stats_record *v = NULL;
    size_t n = 0, compared = 0;
    ck_assert_int_eq(stats_records(s, 0, OPEN, OPEN, 10, &v, &n, &compared), STATS_OK);
    ck_assert_uint_eq(n, 7);
    ck_assert_uint_eq(compared, 7);
    assert_record(&v[0], 1, "2024-01-02", 9);
    assert_record(&v[1], 1, "2024-01-04", 9);
    assert_record(&v[2], 1, "2024-01-07", 9);
    assert_record(&v[3], 4, "2024-01-03", 7);
    assert_record(&v[4], 4, "2024-01-06", 7);
    assert_record(&v[5], 6, "2024-01-01", 5);
    assert_record(&v[6], 7, "2024-01-05", 3);
    free(v);
    /* limit cuts the list, not the comparison. */
    ck_assert_int_eq(stats_records(s, 0, OPEN, OPEN, 4, &v, &n, &compared), STATS_OK);
    ck_assert_uint_eq(n, 4);
    ck_assert_uint_eq(compared, 7);
    assert_record(&v[3], 4, "2024-01-03", 7);
    free(v);
    stats_snapshot_unref(s);
}
END_TEST

START_TEST(negative_corrections_rank_last_and_count_in_sums)
{
    /* special equipment on 2024-11-30 was corrected by -83: it is kept as a value. */
    const int64_t loss[] = {12, -83, 20, 0};
    stats_snapshot *s = personnel("2024-11-29", loss, 4);
    stats_record *v = NULL, self, best;
    size_t n = 0, compared = 0;
    ck_assert_int_eq(stats_records(s, 0, OPEN, OPEN, 10, &v, &n, &compared), STATS_OK);
    ck_assert_uint_eq(n, 4);
    assert_record(&v[0], 1, "2024-12-01", 20);
    assert_record(&v[1], 2, "2024-11-29", 12);
    assert_record(&v[2], 3, "2024-12-02", 0);
    assert_record(&v[3], 4, "2024-11-30", -83);
    free(v);
    v = NULL;
    /* As of 2024-11-30 the correction ranks 2 of 2, behind 2024-11-29. */
    ck_assert_int_eq(stats_rank_of(s, 0, day("2024-11-30"), OPEN, 10, &self, &v, &n, &compared),
                     STATS_OK);
    assert_record(&self, 2, "2024-11-30", -83);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(compared, 2);
    assert_record(&v[0], 1, "2024-11-29", 12);
    free(v);
    /* Best of a window holding only the correction is the correction itself. */
    ck_assert_int_eq(stats_record_best(s, 0, day("2024-11-30"), day("2024-11-30"), &best), STATS_OK);
    assert_record(&best, 1, "2024-11-30", -83);
    /* The week sums it: 12 - 83 + 20 + 0 = -51. */
    stats_summary sum;
    ck_assert_int_eq(stats_summary_compute(s, OPEN, OPEN, STATS_GROUP_NONE, &sum), STATS_OK);
    ck_assert_uint_eq(sum.n_periods, 1);
    ck_assert_int_eq(sum.periods[0].losses[0], -51);
    stats_summary_free(&sum);
    stats_snapshot_unref(s);
}
END_TEST

START_TEST(rank_as_of_its_date)
{
    /* The seed article's week in miniature: 05-13 1740 ... 10-18 1530, 10-21 1710,
     * 10-25 1630, then 10-26 1690 after it. As of 10-25: 1740, 1710, 1630 -> rank 3.
     * 10-26 (1690) does not count: ranks are as of the date. */
    static builder b;
    b.n = 0;
    const int64_t early[] = {1000, 1740, 900};          /* 05-12, 05-13, 05-14 */
    const int64_t late[] = {1530, 1200, 1300, 1710, 1500, 1400, 1600, 1630, 1690};
    add_days(&b, 0, "2024-05-12", early, 3, 0);
    add_days(&b, 0, "2024-10-18", late, 9, 3640);     /* 10-18 .. 10-26 */
    stats_snapshot *s = build(&b);
    stats_record self, *above = NULL;
    size_t n = 0, compared = 0;
    ck_assert_int_eq(stats_rank_of(s, 0, day("2024-10-25"), OPEN, 10, &self, &above, &n,
                                   &compared), STATS_OK);
    assert_record(&self, 3, "2024-10-25", 1630);
    ck_assert_uint_eq(compared, 11); /* 3 in May + 10-18 .. 10-25 (8) */
    ck_assert_uint_eq(n, 2);
    assert_record(&above[0], 1, "2024-05-13", 1740);
    assert_record(&above[1], 2, "2024-10-21", 1710);
    free(above);
    /* As of 10-18, 1530 was second (the article's "previous second-highest"). */
    ck_assert_int_eq(stats_rank_of(s, 0, day("2024-10-18"), OPEN, 10, &self, &above, &n,
                                   &compared), STATS_OK);
    assert_record(&self, 2, "2024-10-18", 1530);
    ck_assert_uint_eq(compared, 4);
    free(above);
    /* Counting from 10-19 only, 1710 alone is ahead (1690 comes later): rank 2 of 7. */
    ck_assert_int_eq(stats_rank_of(s, 0, day("2024-10-25"), day("2024-10-19"), 10, &self,
                                   &above, &n, &compared), STATS_OK);
    assert_record(&self, 2, "2024-10-25", 1630);
    ck_assert_uint_eq(compared, 7);
    ck_assert_uint_eq(n, 1);
    free(above);
    /* Over the whole series 10-25 ranks 4 (1740, 1710, 1690 ahead); 10-18 ranks 6. */
    stats_record *v = NULL;
    ck_assert_int_eq(stats_records(s, 0, OPEN, OPEN, 6, &v, &n, &compared), STATS_OK);
    assert_record(&v[2], 3, "2024-10-26", 1690);
    assert_record(&v[3], 4, "2024-10-25", 1630);
    assert_record(&v[5], 6, "2024-10-18", 1530);
    free(v);
    stats_snapshot_unref(s);
}
END_TEST

START_TEST(rank_above_is_capped_and_excludes_equals)
{
    /* 01-01..01-08: 80 70 60 50 40 40 30 40. As of 01-08 its 40 ranks 5 (tied with 01-05
     * and 01-06); above holds the 2 closest of the 4 ahead: 60 (rank 3), 50 (rank 4). */
    const int64_t loss[] = {80, 70, 60, 50, 40, 40, 30, 40};
    stats_snapshot *s = personnel("2024-01-01", loss, 8);
    stats_record self, *above = NULL;
    size_t n = 0, compared = 0;
    ck_assert_int_eq(stats_rank_of(s, 0, day("2024-01-08"), OPEN, 2, &self, &above, &n, &compared),
                     STATS_OK);
    assert_record(&self, 5, "2024-01-08", 40);
    ck_assert_uint_eq(compared, 8);
    ck_assert_uint_eq(n, 2);
    assert_record(&above[0], 3, "2024-01-03", 60);
    assert_record(&above[1], 4, "2024-01-04", 50);
    free(above);
    /* The record day has nobody above it. */
    ck_assert_int_eq(stats_rank_of(s, 0, day("2024-01-01"), OPEN, 10, &self, &above, &n, &compared),
                     STATS_OK);
    assert_record(&self, 1, "2024-01-01", 80);
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(compared, 1);
    free(above);
    stats_snapshot_unref(s);
}
END_TEST

START_TEST(rank_errors)
{
    /* personnel from 06-01; submarines reported from 06-03 (its first report has no daily
     * value: no predecessor), so it has values on 06-04 and 06-05. */
    static builder b;
    b.n = 0;
    const int64_t p[] = {10, 20, 30, 40, 50}, sub[] = {0, 1, 0};
    add_days(&b, 0, "2024-06-01", p, 5, 0);
    add_days(&b, 2, "2024-06-03", sub, 3, 5);
    stats_snapshot *s = build(&b);
    stats_record self, *above = NULL;
    size_t n = 0, compared = 0;
    /* No report that day. */
    ck_assert_int_eq(stats_rank_of(s, 0, day("2024-06-06"), OPEN, 10, &self, &above, &n, &compared),
                     STATS_ENOTFOUND);
    ck_assert_ptr_null(above);
    /* A report, but no daily value of the category. */
    ck_assert_int_eq(stats_rank_of(s, 2, day("2024-06-03"), OPEN, 10, &self, &above, &n, &compared),
                     STATS_ENOTFOUND);
    ck_assert_int_eq(stats_rank_of(s, 2, day("2024-06-02"), OPEN, 10, &self, &above, &n, &compared),
                     STATS_ENOTFOUND);
    /* from after the date; unknown category index. */
    ck_assert_int_eq(stats_rank_of(s, 0, day("2024-06-02"), day("2024-06-03"), 10, &self, &above,
                                   &n, &compared), STATS_EINVAL);
    ck_assert_int_eq(stats_rank_of(s, 3, day("2024-06-02"), OPEN, 10, &self, &above, &n, &compared),
                     STATS_EINVAL);
    ck_assert_ptr_null(above);
    /* submarines on 06-04: values 1 (06-04), 0 (06-05); as of 06-04 rank 1 of 1. */
    ck_assert_int_eq(stats_rank_of(s, 2, day("2024-06-04"), OPEN, 10, &self, &above, &n, &compared),
                     STATS_OK);
    assert_record(&self, 1, "2024-06-04", 1);
    ck_assert_uint_eq(compared, 1);
    free(above);
    stats_snapshot_unref(s);
}
END_TEST

START_TEST(windows)
{
    /* 03-01..03-10: 1..10 per day. */
    int64_t loss[10];
    for (int i = 0; i < 10; i++)
        loss[i] = i + 1;
    stats_snapshot *s = personnel("2024-03-01", loss, 10);
    stats_record *v = NULL, best;
    size_t n = 0, compared = 0;
    /* 03-03..03-06: 6 5 4 3. */
    ck_assert_int_eq(stats_records(s, 0, day("2024-03-03"), day("2024-03-06"), 10, &v, &n,
                                   &compared), STATS_OK);
    ck_assert_uint_eq(compared, 4);
    assert_record(&v[0], 1, "2024-03-06", 6);
    assert_record(&v[3], 4, "2024-03-03", 3);
    free(v);
    /* Open from, closed to; closed from, open to. */
    ck_assert_int_eq(stats_records(s, 0, OPEN, day("2024-03-02"), 10, &v, &n, &compared), STATS_OK);
    ck_assert_uint_eq(compared, 2);
    assert_record(&v[0], 1, "2024-03-02", 2);
    free(v);
    ck_assert_int_eq(stats_records(s, 0, day("2024-03-09"), OPEN, 10, &v, &n, &compared), STATS_OK);
    ck_assert_uint_eq(compared, 2);
    assert_record(&v[0], 1, "2024-03-10", 10);
    free(v);
    /* A window ending before the first report, or starting after the latest, holds nothing
     * (it is not widened to the first report). */
    ck_assert_int_eq(stats_records(s, 0, OPEN, day("2024-02-01"), 10, &v, &n, &compared), STATS_OK);
    ck_assert_uint_eq(compared, 0);
    ck_assert_uint_eq(n, 0);
    free(v);
    ck_assert_int_eq(stats_records(s, 0, day("2024-04-01"), OPEN, 10, &v, &n, &compared), STATS_OK);
    ck_assert_uint_eq(compared, 0);
    free(v);
    ck_assert_int_eq(stats_record_best(s, 0, OPEN, day("2024-02-01"), &best), STATS_ENOTFOUND);
    /* Dates before 1970 are negative day numbers and still dates, not open ends:
     * 1969-12-31 is day -1. */
    ck_assert_int_eq(day("1969-12-31"), -1);
    ck_assert_int_eq(stats_records(s, 0, OPEN, day("1969-12-31"), 10, &v, &n, &compared),
                     STATS_OK);
    ck_assert_uint_eq(compared, 0);
    free(v);
    ck_assert_int_eq(stats_records(s, 0, day("1900-01-01"), day("2024-03-01"), 10, &v, &n,
                                   &compared), STATS_OK);
    ck_assert_uint_eq(compared, 1);
    free(v);
    ck_assert_int_eq(stats_record_best(s, 0, day("2024-03-02"), day("2024-03-05"), &best), STATS_OK);
    assert_record(&best, 1, "2024-03-05", 5);
    /* from after to, bad category. */
    v = NULL;
    ck_assert_int_eq(stats_records(s, 0, day("2024-03-05"), day("2024-03-04"), 10, &v, &n,
                                   &compared), STATS_EINVAL);
    ck_assert_int_eq(stats_records(s, -1, OPEN, OPEN, 10, &v, &n, &compared), STATS_EINVAL);
    ck_assert_int_eq(stats_record_best(s, 3, OPEN, OPEN, &best), STATS_EINVAL);
    ck_assert_ptr_null(v);
    stats_snapshot_unref(s);
}
END_TEST

START_TEST(record_best_prefers_earliest_and_skips_empty_categories)
{
    const int64_t loss[] = {3, 7, 2, 7};
    stats_snapshot *s = personnel("2024-01-01", loss, 4);
    stats_record best;
    ck_assert_int_eq(stats_record_best(s, 0, OPEN, OPEN, &best), STATS_OK);
    assert_record(&best, 1, "2024-01-02", 7);
    ck_assert_int_eq(stats_record_best(s, 1, OPEN, OPEN, &best), STATS_ENOTFOUND); /* uav: none */
    stats_snapshot_unref(s);
}
END_TEST

/* ---- periods --------------------------------------------------------------------------- */

static void assert_period(const stats_period *p, const char *name, const char *from,
                          const char *to, int days, int64_t personnel)
{
    ck_assert_str_eq(p->name, name);
    ck_assert_int_eq(p->from, day(from));
    ck_assert_int_eq(p->to, day(to));
    ck_assert_int_eq(p->days, days);
    ck_assert_int_eq(p->losses[0], personnel);
}

START_TEST(group_names)
{
    ck_assert_int_eq(stats_group_parse(NULL), STATS_GROUP_NONE);
    ck_assert_int_eq(stats_group_parse("none"), STATS_GROUP_NONE);
    ck_assert_int_eq(stats_group_parse("week"), STATS_GROUP_WEEK);
    ck_assert_int_eq(stats_group_parse("month"), STATS_GROUP_MONTH);
    ck_assert_int_eq(stats_group_parse("year"), STATS_GROUP_YEAR);
    ck_assert_int_eq(stats_group_parse("fortnight"), -1);
    ck_assert_int_eq(stats_group_parse("Week"), -1);
    ck_assert_int_eq(stats_group_parse(""), -1);
    ck_assert_str_eq(stats_group_name(STATS_GROUP_MONTH), "month");
    ck_assert_str_eq(stats_group_name(STATS_GROUP_WEEK), "week");
}
END_TEST

START_TEST(since_monday)
{
    /* 10-21..10-25 of the article: 1710 + 1500 + 1400 + 1150 + 1630 = 7390. */
    const int64_t loss[] = {1200, 1710, 1500, 1400, 1150, 1630};
    stats_snapshot *s = personnel("2024-10-20", loss, 6);
    stats_summary sum;
    ck_assert_int_eq(stats_summary_compute(s, day("2024-10-21"), OPEN, STATS_GROUP_NONE, &sum),
                     STATS_OK);
    ck_assert_int_eq(sum.from, day("2024-10-21"));
    ck_assert_int_eq(sum.to, day("2024-10-25"));
    ck_assert_uint_eq(sum.n_periods, 1);
    assert_period(&sum.periods[0], "2024-10-21..2024-10-25", "2024-10-21", "2024-10-25", 5, 7390);
    ck_assert_int_eq(sum.periods[0].n_reports, 5);
    ck_assert_int_eq(sum.periods[0].losses[1], STATS_NONE); /* uav never reported */
    stats_change c;
    ck_assert_int_eq(stats_period_change(&sum, 0, 0, &c), -1); /* no previous period */
    stats_summary_free(&sum);
    stats_snapshot_unref(s);
}
END_TEST

START_TEST(iso_weeks_across_year_ends)
{
    /* 2024-12-23 .. 2025-01-12, 100 + i on day i (i = 0..20). ISO week 1 of 2025 starts on
     * Monday 2024-12-30. W52: i 0..6 = 700 + 21 = 721; W01: i 7..13 = 700 + 70 = 770;
     * W02: i 14..20 = 700 + 119 = 819. */
    int64_t loss[21];
    for (int i = 0; i < 21; i++)
        loss[i] = 100 + i;
    stats_snapshot *s = personnel("2024-12-23", loss, 21);
    stats_summary sum;
    ck_assert_int_eq(stats_summary_compute(s, OPEN, OPEN, STATS_GROUP_WEEK, &sum), STATS_OK);
    ck_assert_uint_eq(sum.n_periods, 3);
    assert_period(&sum.periods[0], "2024-W52", "2024-12-23", "2024-12-29", 7, 721);
    assert_period(&sum.periods[1], "2025-W01", "2024-12-30", "2025-01-05", 7, 770);
    assert_period(&sum.periods[2], "2025-W02", "2025-01-06", "2025-01-12", 7, 819);
    /* Equal lengths: the sums are compared. 770 - 721 = 49; 49 / 721 = 6.796...%. */
    stats_change c;
    ck_assert_int_eq(stats_period_change(&sum, 1, 0, &c), 0);
    ck_assert_int_eq(c.per_day, 0);
    ck_assert_double_eq(c.previous, 721.0);
    ck_assert_double_eq(c.current, 770.0);
    ck_assert_double_eq(c.delta, 49.0);
    ck_assert_double_eq_tol(c.pct, 6.7961, 1e-4);
    stats_summary_free(&sum);
    stats_snapshot_unref(s);

    /* 2020 has 53 ISO weeks: 2021-01-01 (a Friday) is in 2020-W53 (Mon 2020-12-28 ..
     * Sun 2021-01-03). Window 2020-12-31 .. 2021-01-04, 1 2 3 4 5 per day: W53 clipped to
     * 12-31 .. 01-03 (4 days, 1+2+3+4 = 10), W01 of 2021 just 01-04 (1 day, 5). */
    const int64_t five[] = {1, 2, 3, 4, 5};
    s = personnel("2020-12-31", five, 5);
    ck_assert_int_eq(stats_summary_compute(s, OPEN, OPEN, STATS_GROUP_WEEK, &sum), STATS_OK);
    ck_assert_uint_eq(sum.n_periods, 2);
    assert_period(&sum.periods[0], "2020-W53", "2020-12-31", "2021-01-03", 4, 10);
    assert_period(&sum.periods[1], "2021-W01", "2021-01-04", "2021-01-04", 1, 5);
    /* Unequal lengths: per day, 10 / 4 = 2.5 against 5 / 1 = 5: +2.5, +100%. */
    ck_assert_int_eq(stats_period_change(&sum, 1, 0, &c), 0);
    ck_assert_int_eq(c.per_day, 1);
    ck_assert_double_eq(c.previous, 2.5);
    ck_assert_double_eq(c.current, 5.0);
    ck_assert_double_eq(c.delta, 2.5);
    ck_assert_double_eq(c.pct, 100.0);
    stats_summary_free(&sum);
    /* The same days by year: "2020" holds 12-31 (1 day, 1), "2021" 01-01..01-04 (14). */
    ck_assert_int_eq(stats_summary_compute(s, OPEN, OPEN, STATS_GROUP_YEAR, &sum), STATS_OK);
    ck_assert_uint_eq(sum.n_periods, 2);
    assert_period(&sum.periods[0], "2020", "2020-12-31", "2020-12-31", 1, 1);
    assert_period(&sum.periods[1], "2021", "2021-01-01", "2021-01-04", 4, 14);
    stats_summary_free(&sum);
    stats_snapshot_unref(s);
}
END_TEST

START_TEST(months_of_different_lengths)
{
    /* 10 a day from 2023-01-15 to 2024-04-10. Months: 2023-01 clipped to 15..31 (17 days,
     * 170), 2023-02 28 days (280), ..., 2024-02 29 days (leap: 290), 2024-03 31 (310),
     * 2024-04 clipped to 1..10 (100): 12 + 4 = 16 periods. */
    int first = day("2023-01-15"), last = day("2024-04-10");
    size_t n = (size_t)(last - first + 1);
    int64_t *loss = malloc(n * sizeof *loss);
    ck_assert_ptr_nonnull(loss);
    for (size_t i = 0; i < n; i++)
        loss[i] = 10;
    stats_snapshot *s = personnel("2023-01-15", loss, n);
    free(loss);
    stats_summary sum;
    ck_assert_int_eq(stats_summary_compute(s, OPEN, OPEN, STATS_GROUP_MONTH, &sum), STATS_OK);
    ck_assert_uint_eq(sum.n_periods, 16);
    assert_period(&sum.periods[0], "2023-01", "2023-01-15", "2023-01-31", 17, 170);
    assert_period(&sum.periods[1], "2023-02", "2023-02-01", "2023-02-28", 28, 280);
    assert_period(&sum.periods[3], "2023-04", "2023-04-01", "2023-04-30", 30, 300);
    assert_period(&sum.periods[12], "2024-01", "2024-01-01", "2024-01-31", 31, 310);
    assert_period(&sum.periods[13], "2024-02", "2024-02-01", "2024-02-29", 29, 290);
    assert_period(&sum.periods[14], "2024-03", "2024-03-01", "2024-03-31", 31, 310);
    assert_period(&sum.periods[15], "2024-04", "2024-04-01", "2024-04-10", 10, 100);
    /* Same rate, different lengths: compared per day, no change. */
    stats_change c;
    ck_assert_int_eq(stats_period_change(&sum, 14, 0, &c), 0);
    ck_assert_int_eq(c.per_day, 1);
    ck_assert_double_eq(c.previous, 10.0);
    ck_assert_double_eq(c.current, 10.0);
    ck_assert_double_eq(c.delta, 0.0);
    ck_assert_double_eq(c.pct, 0.0);
    /* Equal lengths (2024-01 and 2024-03 are not neighbours; 2023-07 and 2023-08 are):
     * sums compared, 310 vs 310. */
    ck_assert_int_eq(stats_period_change(&sum, 7, 0, &c), 0);
    ck_assert_int_eq(c.per_day, 0);
    ck_assert_double_eq(c.previous, 310.0);
    stats_summary_free(&sum);
    stats_snapshot_unref(s);
}
END_TEST

START_TEST(partial_periods_and_window_clipping)
{
    /* Reports 2024-10-21 .. 2024-10-25, 1710 1500 1400 1150 1630. Asking for October with
     * to = 2024-12-31 clips the window to the reports: one period 10-21..10-25 of 5 days,
     * not 2 months and 10 days of which 66 have no report. */
    const int64_t loss[] = {1710, 1500, 1400, 1150, 1630};
    stats_snapshot *s = personnel("2024-10-21", loss, 5);
    stats_summary sum;
    ck_assert_int_eq(stats_summary_compute(s, day("2024-10-01"), day("2024-12-31"),
                                           STATS_GROUP_MONTH, &sum), STATS_OK);
    ck_assert_int_eq(sum.from, day("2024-10-21"));
    ck_assert_int_eq(sum.to, day("2024-10-25"));
    ck_assert_uint_eq(sum.n_periods, 1);
    assert_period(&sum.periods[0], "2024-10", "2024-10-21", "2024-10-25", 5, 7390);
    stats_summary_free(&sum);
    /* Weeks from Wednesday: W43 clipped to 10-23..10-25 (3 days: 1400+1150+1630 = 4180). */
    ck_assert_int_eq(stats_summary_compute(s, day("2024-10-23"), OPEN, STATS_GROUP_WEEK, &sum),
                     STATS_OK);
    ck_assert_uint_eq(sum.n_periods, 1);
    assert_period(&sum.periods[0], "2024-W43", "2024-10-23", "2024-10-25", 3, 4180);
    stats_summary_free(&sum);
    /* A window without any report: no period; the request is echoed. */
    ck_assert_int_eq(stats_summary_compute(s, day("2025-01-01"), day("2025-12-31"),
                                           STATS_GROUP_MONTH, &sum), STATS_OK);
    ck_assert_uint_eq(sum.n_periods, 0);
    ck_assert_int_eq(sum.from, day("2025-01-01"));
    ck_assert_int_eq(sum.to, day("2025-12-31"));
    stats_summary_free(&sum);
    ck_assert_int_eq(stats_summary_compute(s, OPEN, day("2024-01-01"), STATS_GROUP_WEEK, &sum),
                     STATS_OK);
    ck_assert_uint_eq(sum.n_periods, 0);
    stats_summary_free(&sum);
    ck_assert_int_eq(stats_summary_compute(s, OPEN, day("1969-12-31"), STATS_GROUP_NONE,
                                           &sum), STATS_OK);
    ck_assert_uint_eq(sum.n_periods, 0);
    stats_summary_free(&sum);
    ck_assert_int_eq(stats_summary_compute(s, day("1900-01-01"), OPEN, STATS_GROUP_NONE,
                                           &sum), STATS_OK);
    ck_assert_int_eq(sum.from, day("2024-10-21"));
    ck_assert_uint_eq(sum.n_periods, 1);
    ck_assert_int_eq(sum.periods[0].losses[0], 7390);
    stats_summary_free(&sum);
    /* Bad arguments. */
    ck_assert_int_eq(stats_summary_compute(s, day("2024-10-25"), day("2024-10-24"),
                                           STATS_GROUP_NONE, &sum), STATS_EINVAL);
    stats_summary_free(&sum);
    ck_assert_int_eq(stats_summary_compute(s, OPEN, OPEN, 7, &sum), STATS_EINVAL);
    stats_summary_free(&sum);
    stats_snapshot_unref(s);
}
END_TEST

START_TEST(change_between_unequal_periods)
{
    /* Weeks from Thursday 2024-10-17 to Tuesday 2024-10-29: W42 clipped to 10-17..10-20
     * (4 days), W43 whole (7), W44 10-28..10-29 (2). personnel 100/day, then 70/day from
     * W43, then 140/day; uav 0 in W42 (so no pct), 5/day after. */
    static builder b;
    b.n = 0;
    int64_t p[13], u[13];
    for (int i = 0; i < 13; i++) {
        p[i] = i < 4 ? 100 : i < 11 ? 70 : 140;
        u[i] = i < 4 ? 0 : 5;
    }
    add_days(&b, 0, "2024-10-17", p, 13, 0);
    add_days(&b, 1, "2024-10-17", u, 13, 0);
    stats_snapshot *s = build(&b);
    stats_summary sum;
    ck_assert_int_eq(stats_summary_compute(s, OPEN, OPEN, STATS_GROUP_WEEK, &sum), STATS_OK);
    ck_assert_uint_eq(sum.n_periods, 3);
    assert_period(&sum.periods[0], "2024-W42", "2024-10-17", "2024-10-20", 4, 400);
    assert_period(&sum.periods[1], "2024-W43", "2024-10-21", "2024-10-27", 7, 490);
    assert_period(&sum.periods[2], "2024-W44", "2024-10-28", "2024-10-29", 2, 280);
    stats_change c;
    /* 490 in 7 days against 400 in 4: 70 vs 100 a day, -30, -30%, though the sum rose. */
    ck_assert_int_eq(stats_period_change(&sum, 1, 0, &c), 0);
    ck_assert_int_eq(c.per_day, 1);
    ck_assert_double_eq(c.previous, 100.0);
    ck_assert_double_eq(c.current, 70.0);
    ck_assert_double_eq(c.delta, -30.0);
    ck_assert_double_eq_tol(c.pct, -30.0, 1e-9);
    /* 280 in 2 days against 490 in 7: 140 vs 70 a day, +100%. */
    ck_assert_int_eq(stats_period_change(&sum, 2, 0, &c), 0);
    ck_assert_double_eq(c.delta, 70.0);
    ck_assert_double_eq_tol(c.pct, 100.0, 1e-9);
    /* uav: previous 0 a day: delta 5, pct undefined (NAN). */
    ck_assert_int_eq(sum.periods[0].losses[1], 0);
    ck_assert_int_eq(stats_period_change(&sum, 1, 1, &c), 0);
    ck_assert_double_eq(c.delta, 5.0);
    ck_assert(isnan(c.pct));
    /* No value on either side (submarines), out of range. */
    ck_assert_int_eq(stats_period_change(&sum, 1, 2, &c), -1);
    ck_assert_int_eq(stats_period_change(&sum, 3, 0, &c), -1);
    stats_summary_free(&sum);
    stats_snapshot_unref(s);
}
END_TEST

START_TEST(report_after_gap_counts_in_its_period)
{
    /* Reports 2024-09-29 (10), then none until 2024-10-02 (total +33: span 3). The 33
     * count in October, the month of the report's date; September holds 2 days (09-29,
     * 09-30) and 10. */
    builder *b = calloc(1, sizeof *b);
    ck_assert_ptr_nonnull(b);
    const int64_t one[] = {10}, two[] = {33};
    add_days(b, 0, "2024-09-29", one, 1, 0);
    add_days(b, 0, "2024-10-02", two, 1, 10);
    stats_snapshot *s = build(b);
    free(b);
    ck_assert_int_eq(s->span[1], 3);
    stats_summary sum;
    ck_assert_int_eq(stats_summary_compute(s, OPEN, OPEN, STATS_GROUP_MONTH, &sum), STATS_OK);
    ck_assert_uint_eq(sum.n_periods, 2);
    assert_period(&sum.periods[0], "2024-09", "2024-09-29", "2024-09-30", 2, 10);
    ck_assert_int_eq(sum.periods[0].n_reports, 1);
    assert_period(&sum.periods[1], "2024-10", "2024-10-01", "2024-10-02", 2, 33);
    stats_summary_free(&sum);
    stats_snapshot_unref(s);
}
END_TEST

START_TEST(empty_snapshot)
{
    stats_snapshot *s = NULL;
    ck_assert_int_eq(stats_snapshot_build(cats, 3, NULL, 0, 1, 0, &s), STATS_OK);
    stats_summary sum;
    stats_record *v = NULL, best;
    size_t n = 9, compared = 9;
    ck_assert_int_eq(stats_summary_compute(s, OPEN, OPEN, STATS_GROUP_WEEK, &sum), STATS_OK);
    ck_assert_uint_eq(sum.n_periods, 0);
    stats_summary_free(&sum);
    ck_assert_int_eq(stats_records(s, 0, OPEN, OPEN, 10, &v, &n, &compared), STATS_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(compared, 0);
    free(v);
    ck_assert_int_eq(stats_record_best(s, 0, OPEN, OPEN, &best), STATS_ENOTFOUND);
    stats_snapshot_unref(s);
}
END_TEST

TCase *records_tcase(void)
{
    TCase *tc = tcase_create("records");
    tcase_add_test(tc, ranking_with_ties);
    tcase_add_test(tc, negative_corrections_rank_last_and_count_in_sums);
    tcase_add_test(tc, rank_as_of_its_date);
    tcase_add_test(tc, rank_above_is_capped_and_excludes_equals);
    tcase_add_test(tc, rank_errors);
    tcase_add_test(tc, windows);
    tcase_add_test(tc, record_best_prefers_earliest_and_skips_empty_categories);
    tcase_add_test(tc, group_names);
    tcase_add_test(tc, since_monday);
    tcase_add_test(tc, iso_weeks_across_year_ends);
    tcase_add_test(tc, months_of_different_lengths);
    tcase_add_test(tc, partial_periods_and_window_clipping);
    tcase_add_test(tc, change_between_unequal_periods);
    tcase_add_test(tc, report_after_gap_counts_in_its_period);
    tcase_add_test(tc, empty_snapshot);
    return tc;
}
