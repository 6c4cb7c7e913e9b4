/* placeholder: being written */
#include <check.h>
TCase *http_badinput_tcase(void);
TCase *http_badinput_tcase(void) { return tcase_create("http_badinput"); }
