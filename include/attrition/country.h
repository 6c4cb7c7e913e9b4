#ifndef ATTRITION_COUNTRY_H
#define ATTRITION_COUNTRY_H

#include <stddef.h>

/* ISO 3166-1 alpha-2: the 249 officially assigned codes, with common English short names
 * ("KP" -> "North Korea", "RU" -> "Russia"). The table is static and read-only: every
 * pointer returned here is borrowed, valid for the life of the process, thread-safe. */

#define COUNTRY_COUNT 249

/* The English short name of code, which must be exactly two upper-case ASCII letters and
 * a NUL ("KP"). Returns NULL for NULL, lower case ("kp"), other lengths and codes that are
 * not officially assigned ("XX", "UK", "EU"). Names are UTF-8 ("Côte d'Ivoire"). */
const char *country_name(const char *code);

/* 1 if code is an officially assigned alpha-2 code (same rules as country_name), else 0. */
int country_valid(const char *code);

/* Number of codes in the table: COUNTRY_COUNT. */
size_t country_count(void);

/* The i-th code in ascending order ("AD" first), or NULL if i >= country_count(). */
const char *country_code_at(size_t i);

#endif
