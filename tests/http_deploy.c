/* placeholder: being written */
#include <check.h>
TCase *http_deploy_tcase(void);
TCase *http_deploy_tcase(void) { return tcase_create("http_deploy"); }
