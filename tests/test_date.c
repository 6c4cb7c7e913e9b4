/* Unit tests of core/date.c. */
#include <check.h>
#include "attrition/date.h"

TCase *date_tcase(void);

START_TEST(parse_valid)
{
    int d = 0;
    ck_assert_int_eq(date_parse("2022-02-24", &d), 0);
    ck_assert_int_eq(d, DATE_WAR_START);
    ck_assert_int_eq(date_parse("2024-10-25", &d), 0);
    ck_assert_int_eq(date_war_day(d), 975);
    ck_assert_int_eq(date_parse("2024-02-29", &d), 0);
    ck_assert_int_eq(date_parse("1970-01-01", &d), 0);
    ck_assert_int_eq(d, 0);
}
END_TEST

START_TEST(parse_invalid)
{
    static const char *const bad[] = {"2024-13-01", "2024-02-30", "2023-02-29", "yesterday", "",
                                      "2024-1-01", "2024-01-1", "2024/01/01", " 2024-01-01",
                                      "2024-01-01 ", "+024-01-01", "0000-01-01", "2024-00-10",
                                      "2024-04-31", "20240101", "2024-01-01T00:00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int d = 12345;
        ck_assert_msg(date_parse(bad[i], &d) == -1, "\"%s\" was accepted", bad[i]);
        ck_assert_int_eq(d, 12345);
    }
    int d;
    ck_assert_int_eq(date_parse(NULL, &d), -1);
}
END_TEST

START_TEST(format_roundtrip)
{
    char s[DATE_STR_LEN];
    for (int d = -800000; d < 2932896; d += 997) {
        int y, m, dd, back;
        date_to_ymd(d, &y, &m, &dd);
        if (y < 1 || y > 9999)
            continue;
        ck_assert_int_eq(date_parse(date_format(d, s), &back), 0);
        ck_assert_int_eq(back, d);
        ck_assert_int_eq(date_from_ymd(y, m, dd), d);
    }
    ck_assert_str_eq(date_format(DATE_WAR_START, s), "2022-02-24");
}
END_TEST

START_TEST(weeks_and_weekdays)
{
    int d, y, w;
    date_parse("2024-10-21", &d);
    ck_assert_int_eq(date_weekday(d), 1); /* a Monday */
    date_iso_week(d, &y, &w);
    ck_assert_int_eq(y, 2024);
    ck_assert_int_eq(w, 43);
    date_parse("2024-12-30", &d); /* ISO week 1 of 2025 starts here */
    date_iso_week(d, &y, &w);
    ck_assert_int_eq(y, 2025);
    ck_assert_int_eq(w, 1);
    date_parse("2021-01-03", &d); /* a Sunday still in 2020-W53 */
    ck_assert_int_eq(date_weekday(d), 7);
    date_iso_week(d, &y, &w);
    ck_assert_int_eq(y, 2020);
    ck_assert_int_eq(w, 53);
    ck_assert_int_eq(date_days_in_month(2024, 2), 29);
    ck_assert_int_eq(date_days_in_month(2100, 2), 28);
    ck_assert_int_eq(date_days_in_month(2000, 2), 29);
    ck_assert_int_eq(date_days_in_month(2024, 13), 0);
}
END_TEST

TCase *date_tcase(void)
{
    TCase *tc = tcase_create("date");
    tcase_add_test(tc, parse_valid);
    tcase_add_test(tc, parse_invalid);
    tcase_add_test(tc, format_roundtrip);
    tcase_add_test(tc, weeks_and_weekdays);
    return tc;
}
