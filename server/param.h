#ifndef ATTRITION_PARAM_H
#define ATTRITION_PARAM_H

#include "request.h"
#include "attrition/stats.h"

/* Request parameters: parse and validate one input of a request. Each returns 0 on success;
 * on bad input it builds the problem answer itself (the status named below), stores the
 * builder's result in *res and returns -1, so a handler just returns *res. Strings
 * stay borrowed from libmicrohttpd or req; nothing here allocates what the caller frees,
 * except param_categories (stats_selection_free). */

/* Query date `name` (YYYY-MM-DD) into *out; DATE_NONE when absent. 400 for anything that is
 * not a real calendar day. */
int param_query_date(request *req, const char *name, int *out, enum MHD_Result *res);

/* Path parameter i as a date into *out ("latest" is not a date here). 400 when it is not. */
int param_path_date(request *req, size_t i, int *out, enum MHD_Result *res);

/* Query integer `name` of decimal digits in [lo, hi]; absent: *out = dflt. 400 otherwise. */
int param_query_int(request *req, const char *name, long lo, long hi, long dflt, long *out,
                    enum MHD_Result *res);

/* THE from/to window of every endpoint: query dates "from" and "to", each DATE_NONE when
 * absent (an open end; pass both on to stats_window). 400 for a bad date or from after to. */
int param_window(request *req, int *from, int *to, enum MHD_Result *res);

/* param_window with "last": last=N (1..PARAM_LAST_MAX) sets *from to the date of the Nth
 * report before the window's end (to, or the latest), so the window holds the last N reports
 * (all of them when fewer are stored). last with from is 400 (one way to say where the
 * window starts); a bad N is 400 naming "last". */
#define PARAM_LAST_MAX 100000
int param_window_last(request *req, const stats_snapshot *s, int *from, int *to,
                      enum MHD_Result *res);

/* The category selection of query parameter "category" (absent or empty: all) into *sel
 * (caller frees with stats_selection_free, also after a failure). 400 for an unknown id,
 * 503 when out of memory. */
int param_categories(request *req, const stats_snapshot *s, stats_selection *sel,
                     enum MHD_Result *res);

/* The category of path parameter i into *cat (an index of s->cats). 404 when unknown: the
 * path names a resource that does not exist. */
int param_path_category(request *req, const stats_snapshot *s, size_t i, int *cat,
                        enum MHD_Result *res);

/* Does the client want CSV? *csv = 1 or 0: format=csv|json decides; without it, Accept as
 * RFC 9110 §12 says (negotiate.h: the higher q of JSON and CSV, JSON on ties). 400 for a
 * format other than json or csv, 406 when Accept takes neither. */
int param_wants_csv(request *req, int *csv, enum MHD_Result *res);

/* THE rule on repeated query parameters: a name given twice ("?category=tanks&category=uav",
 * as Python's requests sends a list) is 400 naming it, rather than one value silently
 * winning; lists are one parameter with comma-separated items (category=tanks,uav).
 * Parameters with an empty name ("?&&") are not counted. serve.c checks every request. */
int param_no_repeats(request *req, enum MHD_Result *res);

/* THE Content-Type check of request bodies (RFC 9110 §8.3: type/subtype, then parameters
 * "; name=value" with optional whitespace, a value a token or a quoted string; names and
 * types compared case-insensitively). types is a NULL-terminated list of lower-case media
 * types. A charset parameter must name UTF-8 ("utf-8", "utf8", or its subset "us-ascii").
 * Returns the index of the type in types, or builds 415 (Content-Type missing, another type,
 * another charset; `send` completes "send ...", e.g. "the estimate as application/json")
 * and returns -1. */
int param_content_type(request *req, const char *const *types, const char *send,
                       enum MHD_Result *res);

#endif
