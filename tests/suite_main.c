/* Runs the Check test case of one test file: tests/meson.build builds one executable per
 * file with -DTCASE_NAME=<case> (the file defines TCase *<case>_tcase(void)) and
 * -DSUITE_NAME. CK_RUN_CASE=name runs one case, as Check documents. With
 * -DSUITE_NEEDS_ENV="VAR" the suite is skipped (exit 77) when VAR is unset or empty. */
#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>

#define TCASE_FN_(name) name##_tcase
#define TCASE_FN(name) TCASE_FN_(name)

TCase *TCASE_FN(TCASE_NAME)(void);

int main(void)
{
#ifdef SUITE_NEEDS_ENV
    /* A suite that needs a service named by the environment (test_db_pg: a PostgreSQL
     * cluster) is skipped, said so, where it is not given. */
    if (!getenv(SUITE_NEEDS_ENV) || !*getenv(SUITE_NEEDS_ENV)) {
        fprintf(stderr, "%s: skipped: %s is unset (scripts/pg-tmp start DIR prints a cluster's "
                "URI to put there)\n", SUITE_NAME, SUITE_NEEDS_ENV);
        return 77;
    }
#endif
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
