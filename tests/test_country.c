/* Unit tests of the ISO 3166-1 alpha-2 table (core/country.c). */
#include <check.h>
#include <string.h>

#include "attrition/country.h"

TCase *country_tcase(void);

START_TEST(test_country_table_complete)
{
    ck_assert_uint_eq(country_count(), 249);
    ck_assert_uint_eq(country_count(), COUNTRY_COUNT);
    for (size_t i = 0; i < country_count(); i++) {
        const char *code = country_code_at(i);
        ck_assert_ptr_nonnull(code);
        ck_assert_uint_eq(strlen(code), 2);
        ck_assert_msg(country_valid(code), "code %zu (%s) is not valid", i, code);
        ck_assert_msg(strlen(country_name(code)) > 0, "code %s has an empty name", code);
        if (i > 0)
            ck_assert_msg(strcmp(country_code_at(i - 1), code) < 0, "%s is not after %s", code,
                          country_code_at(i - 1));
    }
    ck_assert_ptr_null(country_code_at(249));
    ck_assert_str_eq(country_code_at(0), "AD");
    ck_assert_str_eq(country_code_at(248), "ZW");
}
END_TEST

START_TEST(test_country_names)
{
    ck_assert_str_eq(country_name("KP"), "North Korea");
    ck_assert_str_eq(country_name("KR"), "South Korea");
    ck_assert_str_eq(country_name("RU"), "Russia");
    ck_assert_str_eq(country_name("UA"), "Ukraine");
    ck_assert_str_eq(country_name("IR"), "Iran");
    ck_assert_str_eq(country_name("BY"), "Belarus");
    ck_assert_str_eq(country_name("US"), "United States");
    ck_assert_str_eq(country_name("GB"), "United Kingdom");
    ck_assert_str_eq(country_name("CI"), "C\u00f4te d'Ivoire");
    /* assigned more recently than most tables copied around */
    ck_assert_str_eq(country_name("SS"), "South Sudan");
    ck_assert_str_eq(country_name("SX"), "Sint Maarten");
    ck_assert_str_eq(country_name("BQ"), "Bonaire, Sint Eustatius and Saba");
}
END_TEST

START_TEST(test_country_invalid)
{
    static const char *const bad[] = {"kp", "Kp", "kP", "XX", "UK", "EU", "AN", "XK", "",
                                      "K", "KPX", "K ", " K", "1A", "ZZ"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(country_name(bad[i]) == NULL, "'%s' has a name", bad[i]);
        ck_assert_int_eq(country_valid(bad[i]), 0);
    }
    ck_assert_ptr_null(country_name(NULL));
    ck_assert_int_eq(country_valid(NULL), 0);
    ck_assert_int_eq(country_valid("KP"), 1);
    ck_assert_int_eq(country_valid("ZW"), 1);
    ck_assert_int_eq(country_valid("AD"), 1);
}
END_TEST

TCase *country_tcase(void)
{
    TCase *tc = tcase_create("country");
    tcase_add_test(tc, test_country_table_complete);
    tcase_add_test(tc, test_country_names);
    tcase_add_test(tc, test_country_invalid);
    return tc;
}
