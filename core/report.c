/* Reports: the model (freeing, status mapping) and what its files share. The concerns have
 * their own files: report_parse.c (reading JSON and the ministry's post), report_read.c
 * (reading stored reports and their revisions), report_store.c (storing, one transaction).
 * Contracts (and where 400 ends and 422 begins): include/attrition/report.h. */
#include "attrition/report.h"
#include "attrition/date.h"
#include "attrition/text.h"
#include "report_internal.h"
#include "array.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* See report_internal.h. */
int report_strings_add(report_strings *list, const char *fmt, ...)
{
    char **ni = array_room(list->items, list->n, &list->cap, sizeof *ni, 8);
    if (ni == NULL)
        return -1;
    list->items = ni;
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int len = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (len < 0)
        return -1;
    list->items[list->n++] = s;
    return 0;
}

static void strings_free(report_strings *list)
{
    for (size_t i = 0; i < list->n; i++)
        free(list->items[i]);
    free(list->items);
    memset(list, 0, sizeof *list);
}

void report_free(report *r)
{
    if (r == NULL)
        return;
    free(r->values);
    free(r->source_url);
    free(r->written_by);
    for (size_t i = 0; i < r->n_ignored; i++)
        free(r->ignored[i]);
    free(r->ignored);
    memset(r, 0, sizeof *r);
}

void report_result_free(report_result *res)
{
    if (res == NULL)
        return;
    report_free(&res->stored);
    strings_free(&res->warnings);
    strings_free(&res->new_categories);
    strings_free(&res->ignored_lines);
    memset(res, 0, sizeof *res);
}

int report_status_from_store(int store_status)
{
    switch (store_status) {
    case STORE_OK: return REPORT_OK;
    case STORE_ENOMEM: return REPORT_ENOMEM;
    case STORE_ENOTFOUND: return REPORT_ENOTFOUND;
    case STORE_ECONFLICT: return REPORT_ECONFLICT;
    case STORE_EINVAL: return REPORT_EINVAL;
    case STORE_EREADONLY: return REPORT_EREADONLY;
    case STORE_EUNAVAILABLE: return REPORT_EUNAVAILABLE;
    default: return REPORT_EDB;
    }
}

/* See report_internal.h. */
int report_date_check(int date, char *err, size_t errlen)
{
    char a[DATE_STR_LEN], b[DATE_STR_LEN];
    int today = date_today();
    if (date < DATE_WAR_START) {
        text_message(err, errlen, "date %s is before the war's start (2022-02-24)",
                     date_format(date, a));
        return REPORT_EINVAL;
    }
    if (date > today) {
        text_message(err, errlen, "date %s is in the future (today is %s, UTC)",
                     date_format(date, a), date_format(today, b));
        return REPORT_EINVAL;
    }
    return REPORT_OK;
}
