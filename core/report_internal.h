#ifndef ATTRITION_REPORT_INTERNAL_H
#define ATTRITION_REPORT_INTERNAL_H

/* What the report_*.c files of core share (not for the server). */

#include "attrition/report.h"
#include "attrition/store.h"

/* Appends a formatted string to list (which owns it). Returns 0, or -1 when memory is
 * short (list unchanged). */
int report_strings_add(report_strings *list, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A report date must lie between the war's start and today (UTC). REPORT_OK or
 * REPORT_EINVAL with a message in err (errlen bytes). */
int report_date_check(int date, char *err, size_t errlen);

/* Loads the stored report of the date (text day, "YYYY-MM-DD") into *out (zeroed first).
 * REPORT_OK (caller owns *out: report_free), REPORT_ENOTFOUND, REPORT_EDB, REPORT_ENOMEM;
 * on failure *out is zeroed. */
int report_load(store *st, const char *day, report *out);

/* Loads the nearest stored report before (dir < 0) or after (dir > 0) the date. Same
 * returns as report_load; REPORT_ENOTFOUND when there is none. */
int report_load_neighbour(store *st, const char *day, int dir, report *out);

#endif
