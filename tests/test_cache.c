/* placeholder: being written */
#include <check.h>
TCase *cache_tcase(void);
TCase *cache_tcase(void) { return tcase_create("cache"); }
