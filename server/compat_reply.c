/* The peer's envelope and error answers, the list's query parameters and its paging URLs
 * (compat.h).
 *
 * As the peer: every success is {"message": "The data were fetched successfully.", "data":
 * ...}; invalid input is 422 {"message": "The given data was invalid.", "errors": {"param":
 * ["..."]}} naming every bad parameter at once. Our choices where the peer's behaviour is not
 * known: limit is 1..1000 (default 50), offset 0..1e9 (default 0). */
#include "compat.h"
#include "reply.h"
#include "attrition/date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMPAT_LIMIT_DEFAULT 50
#define COMPAT_LIMIT_MAX 1000

enum MHD_Result compat_reply(request *req, json_t *data)
{
    return reply_json_new(req, MHD_HTTP_OK,
                          json_pack("{s:s, s:o}", "message", COMPAT_MESSAGE, "data", data));
}

void compat_error_add(compat_errors *e, const char *field, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    e->n++;
    if (e->obj == NULL && e->n == 1)
        e->obj = json_object();
    json_t *list = e->obj ? json_object_get(e->obj, field) : NULL;
    if (e->obj && list == NULL && json_object_set_new(e->obj, field, list = json_array()) != 0)
        list = NULL;
    if (list)
        json_array_append_new(list, json_string(msg));
}

enum MHD_Result compat_reply_error(request *req, unsigned status, compat_errors *e)
{
    json_t *errors = e->obj;
    e->obj = NULL;
    return reply_json_new(req, status, json_pack("{s:s, s:o}", "message",
                          status == MHD_HTTP_NOT_FOUND ? COMPAT_NOT_FOUND : COMPAT_INVALID,
                          "errors", errors));
}

/* Query integer `name` into *out (dflt when absent); a value that is not an integer in
 * [lo, hi] is an error of `name`. */
static void query_int(request *req, const char *name, long lo, long hi, long dflt, long *out,
                      compat_errors *e)
{
    const char *v = req_query(req, name);
    char q[TEXT_QUOTE_SIZE];
    *out = dflt;
    if (v == NULL)
        return;
    size_t len = strlen(v);
    if (len == 0 || len > 10 || strspn(v, "0123456789") != len ||
        (*out = strtol(v, NULL, 10)) < lo || *out > hi)
        compat_error_add(e, name, "The %s must be a whole number from %ld to %ld (got \"%s\").",
                         name, lo, hi, text_quote_str(v, q));
}

/* Query date `name` (YYYY-MM-DD) into *out, DATE_NONE when absent; else an error of `name`
 * (label: its words, as the peer words them). Dates before 1970 are dates too. */
static void query_date(request *req, const char *name, const char *label, int *out,
                       compat_errors *e)
{
    const char *v = req_query(req, name);
    char q[TEXT_QUOTE_SIZE];
    *out = DATE_NONE;
    if (v && date_parse(v, out) != 0) {
        *out = DATE_NONE;
        compat_error_add(e, name, "The %s is not a valid date (got \"%s\"; expected "
                         "YYYY-MM-DD, a real calendar day).", label, text_quote_str(v, q));
    }
}

void compat_query_parse(request *req, compat_query *q, compat_errors *e)
{
    char a[DATE_STR_LEN], b[DATE_STR_LEN];
    query_int(req, "offset", 0, 1000000000, 0, &q->offset, e);
    query_int(req, "limit", 1, COMPAT_LIMIT_MAX, COMPAT_LIMIT_DEFAULT, &q->limit, e);
    query_date(req, "date_from", "date from", &q->from, e);
    query_date(req, "date_to", "date to", &q->to, e);
    if (q->from != DATE_NONE && q->to != DATE_NONE && q->from > q->to)
        compat_error_add(e, "date_to", "The date to must be a date after or equal to date from "
                         "(%s is before %s).", date_format(q->to, b), date_format(q->from, a));
}

/* The URL of the list page at offset, with q's limit and dates. A new reference. */
static json_t *page_url(const char *base, compat_api api, const compat_query *q, long offset)
{
    char url[512], from[40] = "", to[40] = "", d[DATE_STR_LEN];
    if (q->from != DATE_NONE)
        snprintf(from, sizeof from, "&date_from=%s", date_format(q->from, d));
    if (q->to != DATE_NONE)
        snprintf(to, sizeof to, "&date_to=%s", date_format(q->to, d));
    snprintf(url, sizeof url, "%s/api/v%d/statistics?offset=%ld&limit=%ld%s%s", base, (int)api,
             offset, q->limit, from, to);
    return json_string(url);
}

/* next/prev are null on the last/first page; prev of a page past the end is the last page. */
json_t *compat_paging(request *req, compat_api api, const compat_query *q, size_t total)
{
    char base[300];
    long n = (long)total, last = n ? (n - 1) / q->limit * q->limit : 0;
    long prev = q->offset - q->limit < last ? q->offset - q->limit : last;
    req_origin(req, base, sizeof base);
    return json_pack("{s:o, s:o, s:o, s:o}",
        "next_url", q->offset + q->limit < n ? page_url(base, api, q, q->offset + q->limit)
                                             : json_null(),
        "prev_url", q->offset > 0 ? page_url(base, api, q, prev > 0 ? prev : 0) : json_null(),
        "first_url", page_url(base, api, q, 0), "last_url", page_url(base, api, q, last));
}
