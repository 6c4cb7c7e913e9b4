/* Source URLs of stored reports (see include/attrition/report_source.h). */
#include "attrition/report_source.h"
#include "store_internal.h"
#include "attrition/date.h"
#include "array.h"

#include <stdlib.h>
#include <string.h>

int report_sources(store *st, int from, int to, report_source **out, size_t *n)
{
    int rc = STORE_EDB, step;
    size_t cap = 0, len = 0;
    report_source *arr = NULL;
    char a[DATE_STR_LEN], b[DATE_STR_LEN];
    *out = NULL;
    *n = 0;
    /* Dates are stored as YYYY-MM-DD text, whose order is the calendar's. */
    db_stmt *stmt = store_prepare(st, "SELECT date, source_url FROM report WHERE date "
                                           "BETWEEN ?1 AND ?2 AND source_url IS NOT NULL "
                                           "ORDER BY date", "tt", date_format(from, a),
                                       date_format(to, b));
    if (stmt == NULL)
        goto cleanup;
    while ((step = db_step(stmt)) == DB_ROW) {
        int day;
        const char *d = (const char *)db_column_text(stmt, 0);
        const char *u = (const char *)db_column_text(stmt, 1);
        if (d == NULL || u == NULL || date_parse(d, &day) != 0)
            continue;
        report_source *grown = array_room(arr, len, &cap, sizeof *arr, 16);
        if (grown == NULL) {
            rc = STORE_ENOMEM;
            goto cleanup;
        }
        arr = grown;
        if ((arr[len].url = strdup(u)) == NULL) {
            rc = STORE_ENOMEM;
            goto cleanup;
        }
        arr[len++].date = day;
    }
    if (step != DB_DONE) {
        rc = step;
        goto cleanup;
    }
    *out = arr;
    *n = len;
    arr = NULL;
    len = 0;
    rc = STORE_OK;
cleanup:
    db_finalize(stmt);
    report_sources_free(arr, len);
    return rc;
}

const char *report_source_find(const report_source *src, size_t n, int date)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (src[mid].date < date)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && src[lo].date == date ? src[lo].url : NULL;
}

void report_sources_free(report_source *src, size_t n)
{
    for (size_t i = 0; src && i < n; i++)
        free(src[i].url);
    free(src);
}
