/* Runs the Check test case of one test file: tests/meson.build builds one executable per
 * file with -DTCASE_NAME=<case> (the file defines TCase *<case>_tcase(void)) and
 * -DSUITE_NAME. CK_RUN_CASE=name runs one case, as Check documents. */
#include <check.h>
#include <curl/curl.h>
#include <stdlib.h>

#define TCASE_FN_(name) name##_tcase
#define TCASE_FN(name) TCASE_FN_(name)

TCase *TCASE_FN(TCASE_NAME)(void);

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create(SUITE_NAME);
    suite_add_tcase(s, TCASE_FN(TCASE_NAME)());
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
