#ifndef ATTRITION_REPORT_SOURCE_H
#define ATTRITION_REPORT_SOURCE_H

#include <stddef.h>

#include "attrition/store.h"

/* The source URLs stored with reports (POST/PUT /v1/reports "source_url", sync): which
 * report came from which published post. Read-only; the store lock is the caller's. */

typedef struct report_source {
    int date;   /* report date, day number */
    char *url;  /* owned by the array (report_sources_free) */
} report_source;

/* The reports dated from..to (day numbers, inclusive) that have a stored source URL, in date
 * order. Returns STORE_OK with *out (malloc'd; NULL when *n is 0; free with
 * report_sources_free) and *n, or STORE_ENOMEM / STORE_EDB with *out = NULL and *n = 0. */
int report_sources(store *st, int from, int to, report_source **out, size_t *n);

/* The URL stored for date in src[0..n-1] (sorted by date), or NULL. Borrowed from src. */
const char *report_source_find(const report_source *src, size_t n, int date);

/* Frees an array from report_sources (NULL is fine). */
void report_sources_free(report_source *src, size_t n);

#endif
