/* Unit tests of the text checker (core/check_*.c) on a small hand-made snapshot: personnel
 * and tanks from 2024-10-20 to 2024-10-26 with the daily losses below (the first report
 * counts from zero, so its loss is its total), and the lexicon. Each expected verdict is
 * worked out by hand from these numbers. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attrition/check.h"
#include "attrition/date.h"

TCase *check_tcase(void);

static const stats_category_def cats[] = {
    {"personnel", "personnel", "persons", NULL, 1},
    {"tanks", "tanks", NULL, NULL, 1},
};

/* 2024-10-20 .. 2024-10-26 (Sunday .. Saturday) */
static const int64_t personnel[] = {1000, 1200, 1100, 1500, 900, 1300, 800};
static const int64_t tanks[] = {5, 7, 3, 9, 2, 6, 4};

static stats_snapshot *snapshot(void)
{
    stats_value_def v[14];
    int d0;
    int64_t tp = 0, tt = 0;
    ck_assert_int_eq(date_parse("2024-10-20", &d0), 0);
    for (int i = 0; i < 7; i++) {
        tp += personnel[i];
        tt += tanks[i];
        v[2 * i] = (stats_value_def){d0 + i, 0, tp, NULL};
        v[2 * i + 1] = (stats_value_def){d0 + i, 1, tt, NULL};
    }
    stats_snapshot *s = NULL;
    ck_assert_int_eq(stats_snapshot_build(cats, 2, v, 14, 1, 1700000000, &s), STATS_OK);
    return s;
}

static int day(const char *s)
{
    int d;
    ck_assert_int_eq(date_parse(s, &d), 0);
    return d;
}

static void check(const char *text, const char *as_of, check_result *r)
{
    stats_snapshot *s = snapshot();
    ck_assert_int_eq(check_text(s, NULL, 0, text, strlen(text), as_of ? day(as_of) : DATE_NONE,
                                r), CHECK_OK);
    stats_snapshot_unref(s);
}

START_TEST(test_daily_by_report_and_by_eve)
{
    check_result r;
    /* 1,500 is the report of 2024-10-23; "on October 22" dates it by the day before */
    check("Russia lost 1,500 troops on October 22, and seven tanks on October 21.",
          "2024-10-26", &r);
    ck_assert_uint_eq(r.n, 2);
    ck_assert_int_eq(r.claims[0].kind, CHECK_DAILY);
    ck_assert_int_eq(r.claims[0].verdict, CHECK_CORRECT);
    ck_assert_int_eq(r.claims[0].date, day("2024-10-23"));
    ck_assert_ptr_nonnull(strstr(r.claims[0].note, "day before"));
    ck_assert_str_eq(r.claims[1].category, "tanks");
    ck_assert_int_eq(r.claims[1].claimed, 7);
    ck_assert_int_eq(r.claims[1].date, day("2024-10-21"));
    ck_assert_int_eq(r.claims[1].verdict, CHECK_CORRECT);
    check_result_free(&r);
}
END_TEST

START_TEST(test_qualifiers_and_false_figures)
{
    check_result r;
    /* 2024-10-25: 1,300 personnel, 6 tanks */
    check("Today Russia lost more than 1 200 soldiers, nearly 1,400 troops, about 1,000 men "
          "and 9 tanks.", "2024-10-25", &r);
    ck_assert_uint_eq(r.n, 4);
    ck_assert_int_eq(r.claims[0].qual, CHECK_Q_MORE);
    ck_assert_int_eq(r.claims[0].verdict, CHECK_CORRECT);  /* 1300 > 1200 */
    ck_assert_int_eq(r.claims[1].verdict, CHECK_CORRECT);  /* 1300 within 10 % below 1400 */
    ck_assert_int_eq(r.claims[2].verdict, CHECK_INCORRECT); /* 1300 is not about 1000 */
    ck_assert_int_eq(r.claims[3].verdict, CHECK_INCORRECT); /* 6 tanks, next report 4 */
    ck_assert_int_eq(r.claims[3].actual, 6);
    ck_assert_uint_eq(r.counts[CHECK_CORRECT], 2);
    check_result_free(&r);
}
END_TEST

START_TEST(test_periods_totals_ranks)
{
    check_result r;
    /* since Monday 2024-10-21 to Friday 2024-10-25: 1200+1100+1500+900+1300 = 6000;
     * total as of 2024-10-25: 7000; rank of 2024-10-23 (1,500) as of 2024-10-25: 1 */
    check("Since Monday, Russia has lost 6,000 troops. In total it has lost 7,000 soldiers. "
          "The highest single-day toll was 1,500 troops on October 23.", "2024-10-25", &r);
    ck_assert_uint_eq(r.n, 4);
    ck_assert_int_eq(r.claims[0].kind, CHECK_PERIOD);
    ck_assert_int_eq(r.claims[0].from, day("2024-10-21"));
    ck_assert_int_eq(r.claims[0].verdict, CHECK_CORRECT);
    ck_assert_int_eq(r.claims[1].kind, CHECK_TOTAL);
    ck_assert_int_eq(r.claims[1].verdict, CHECK_CORRECT);
    ck_assert_int_eq(r.claims[2].kind, CHECK_RANK);
    ck_assert_int_eq(r.claims[2].claimed, 1);
    ck_assert_int_eq(r.claims[2].verdict, CHECK_CORRECT);
    ck_assert_int_eq(r.claims[3].kind, CHECK_DAILY);
    check_result_free(&r);
}
END_TEST

START_TEST(test_ukrainian)
{
    check_result r;
    /* 23 жовтня: 1,500 personnel, 9 tanks */
    check("23 жовтня 2024 року ворог втратив 1\xE2\x80\xAF" "500 осіб та дев'ять танків.", NULL, &r);
    ck_assert_int_eq(r.as_of, day("2024-10-23"));
    ck_assert_uint_eq(r.n, 2);
    ck_assert_int_eq(r.claims[0].claimed, 1500);
    ck_assert_int_eq(r.claims[0].verdict, CHECK_CORRECT);
    ck_assert_int_eq(r.claims[1].claimed, 9);
    ck_assert_str_eq(r.claims[1].category, "tanks");
    ck_assert_int_eq(r.claims[1].verdict, CHECK_CORRECT);
    check_result_free(&r);
}
END_TEST

START_TEST(test_no_losses)
{
    check_result r;
    check("Moscow spent $8 billion in 2024; 40% of 18-year-old recruits, aged 20 years, "
          "drove 30 km. The 155th brigade has 12 companies.", "2024-10-25", &r);
    ck_assert_uint_eq(r.n, 0);
    check_result_free(&r);
}
END_TEST

START_TEST(test_bad_input)
{
    check_result r;
    stats_snapshot *s = snapshot();
    ck_assert_int_eq(check_text(s, NULL, 0, "a\xff", 2, DATE_NONE, &r), CHECK_EINVAL);
    ck_assert_int_eq(check_text(s, NULL, 0, "a\0b", 3, DATE_NONE, &r), CHECK_EINVAL);
    ck_assert_int_eq(check_text(s, NULL, 0, "x", CHECK_MAX_TEXT + 1, DATE_NONE, &r),
                     CHECK_ETOOBIG);
    ck_assert_int_eq(check_text(s, NULL, 0, "", 0, DATE_NONE, &r), CHECK_OK);
    ck_assert_uint_eq(r.n, 0);
    check_result_free(&r);
    stats_snapshot_unref(s);
}
END_TEST

START_TEST(test_lexicon_labels)
{
    ck_assert_str_eq(check_lexicon_label("особового складу"), "personnel");
    ck_assert_str_eq(check_lexicon_label("танків"), "tanks");
    ck_assert_str_eq(check_lexicon_label("бойових броньованих машин"), "afv");
    ck_assert_str_eq(check_lexicon_label("засоби ППО"), "air_defense");
    ck_assert_str_eq(check_lexicon_label("БпЛА оперативно-тактичного рівня"), "uav");
    ck_assert_str_eq(check_lexicon_label("кораблі / катери"), "warships");
    ck_assert_str_eq(check_lexicon_label("автомобільної техніки та автоцистерн"),
                     "vehicles_fuel_tanks");
    ck_assert_str_eq(check_lexicon_label("Armored fighting vehicles"), "afv");
    ck_assert_ptr_null(check_lexicon_label("the data is being updated"));
}
END_TEST

static double ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* 64 KiB of digits and separators (",", ".", spaces, U+00A0, U+202F) and 64 KiB of words
 * and numbers: checked well under 50 ms (asserted under 500 ms, for loaded machines and
 * sanitizers). */
START_TEST(test_64k_is_fast)
{
    static const char *const pieces[] = {"1", "23", ",", "456", " ", "\xC2\xA0", "789", ".",
                                         "\xE2\x80\xAF", "0", ",000", " 12 345"};
    static const char *const words[] = {"Russia lost ", "1,630 ", "troops ", "seven ",
                                        "tanks ", "on October 25, ", "since Monday ",
                                        "the third-greatest single day ", "about ", "and ",
                                        "сім танків ", "понад 1 600 осіб. ", "$8 billion "};
    char *text = malloc(CHECK_MAX_TEXT + 1);
    ck_assert_ptr_nonnull(text);
    stats_snapshot *s = snapshot();
    for (int round = 0; round < 2; round++) {
        size_t n = 0;
        unsigned x = 23;
        for (;;) {
            x = x * 1103515245u + 12345u;
            const char *p = round == 0 ? pieces[(x >> 16) % 12] : words[(x >> 16) % 13];
            size_t l = strlen(p);
            if (n + l > CHECK_MAX_TEXT)
                break;
            memcpy(text + n, p, l);
            n += l;
        }
        check_result r;
        struct timespec t0;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0); /* CPU time: the machine may be busy */
        ck_assert_int_eq(check_text(s, NULL, 0, text, n, day("2024-10-25"), &r), CHECK_OK);
        double ms = ms_since(&t0);
        printf("%s: %zu bytes checked in %.2f ms of CPU time, %zu claims\n",
               round == 0 ? "digits and separators" : "words and numbers", n, ms, r.n);
        ck_assert_msg(ms < 500, "%.1f ms", ms);
        check_result_free(&r);
    }
    stats_snapshot_unref(s);
    free(text);
}
END_TEST

TCase *check_tcase(void)
{
    TCase *tc = tcase_create("check");
    tcase_add_test(tc, test_daily_by_report_and_by_eve);
    tcase_add_test(tc, test_qualifiers_and_false_figures);
    tcase_add_test(tc, test_periods_totals_ranks);
    tcase_add_test(tc, test_ukrainian);
    tcase_add_test(tc, test_no_losses);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_lexicon_labels);
    tcase_add_test(tc, test_64k_is_fast);
    return tc;
}
