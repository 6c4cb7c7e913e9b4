/* Runs one suite of Check test cases: the list comes from SUITE_LIST (unit_list.h or
 * http_list.h). CK_RUN_CASE=name runs one case, as Check documents. */
#include <check.h>
#include <curl/curl.h>
#include <stdlib.h>

#define TCASE(name) TCase *name##_tcase(void);
#include SUITE_LIST
#undef TCASE

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    Suite *s = suite_create(SUITE_NAME);
#define TCASE(name) suite_add_tcase(s, name##_tcase());
#include SUITE_LIST
#undef TCASE
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
