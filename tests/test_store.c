/* placeholder: being written */
#include <check.h>
TCase *store_tcase(void);
TCase *store_tcase(void) { return tcase_create("store"); }
