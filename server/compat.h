#ifndef ATTRITION_COMPAT_H
#define ATTRITION_COMPAT_H

/* The russianwarship.rip compatibility layer (API v1 and v2), shared by its files:
 *   compat_record.c   the stats keys, their values and the record, terms
 *   compat_reply.c    the envelope, the peer's error answers, query parameters, paging
 *   compat_source.c   the stored source URLs of reports (the records' "resource")
 *   handlers_compat.c the route handlers (handlers.h)
 * What the clients of that API read, and so what this layer keeps fixed, is in README.md
 * ("Compatibility") and tests/compat_clients.json. */

#include <stdarg.h>
#include <jansson.h>

#include "request.h"
#include "attrition/report_source.h"
#include "attrition/stats.h"
#include "attrition/text.h"

typedef enum compat_api { COMPAT_V1 = 1, COMPAT_V2 = 2 } compat_api;

#define COMPAT_MESSAGE "The data were fetched successfully."
#define COMPAT_INVALID "The given data was invalid."
#define COMPAT_NOT_FOUND "The data were not found."
#define COMPAT_RESOURCE "https://www.zsu.gov.ua/en" /* a record without a stored source URL */
#define COMPAT_UNPROCESSABLE 422 /* MHD_HTTP_UNPROCESSABLE_CONTENT in newer libmicrohttpd */
#define COMPAT_MAX_KEYS 15

/* ---- keys and records (compat_record.c) ---------------------------------------------- */

/* Number of stats keys of the API: v1 14 (it never had submarines), v2 15. Key k < count is
 * the same key in both, in the peer's order. */
size_t compat_key_count(compat_api api);
/* Name of key k ("personnel_units"); k < compat_key_count(COMPAT_V2). */
const char *compat_key_name(size_t k);
/* Index of key `name` in the API's keys, or -1. */
int compat_key_find(compat_api api, const char *name);

/* The keys resolved to category indices of one snapshot. */
typedef struct compat_map {
    int cat[COMPAT_MAX_KEYS];       /* the key's own category, -1 if the snapshot has none */
    int merged[COMPAT_MAX_KEYS][2]; /* the categories it continues, -1 for none */
} compat_map;

void compat_map_resolve(const stats_snapshot *s, compat_map *m);

/* The record of report rep: {"date", "day", "resource", ("war_status": {"code",
 * "alias"}: v2 only), "stats", "increase"}. resource is borrowed (NULL: COMPAT_RESOURCE).
 * A new reference, or NULL on ENOMEM. */
json_t *compat_record(const stats_snapshot *s, const compat_map *m, size_t rep,
                      const char *resource, compat_api api);

/* The index in s of the report the peer's lists do not hold, or -1 (s has none). The peer's
 * list has no report of 2022-02-26: offset 0 is 2022-02-25, 1 is 2022-02-27, 3 is
 * 2022-03-01 (its clients compute offsets so; README "where we differ"). Only the lists skip
 * it: /statistics/2022-02-26 answers the ministry's report. */
int compat_list_skip(const stats_snapshot *s);

/* {"title", "icon"} of key k in English or (ua != 0) Ukrainian; icon is our own pictogram,
 * base (req_origin, borrowed) + "/images/icons/<name>.svg" (server/handlers_web.c):
 * absolute, as clients put it in an <img> on their own pages. A new reference or NULL. */
json_t *compat_term(size_t k, int ua, const char *base);
/* {key: {"title", "icon"}, ...} of every key of the API; a new reference or NULL. */
json_t *compat_terms(compat_api api, int ua, const char *base);

/* ---- envelope, errors, parameters (compat_reply.c) ------------------------------------ */

/* 200 {"message": COMPAT_MESSAGE, "data": data}; steals data (NULL answers 503). */
enum MHD_Result compat_reply(request *req, json_t *data);

/* The errors of one request by parameter, {"date_from": ["..."], ...}. obj is NULL until
 * the first error (and stays NULL on ENOMEM); n counts them either way. */
typedef struct compat_errors {
    json_t *obj;
    int n;
} compat_errors;

/* Adds a message (printf format) to the errors of parameter `field`. */
void compat_error_add(compat_errors *e, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The peer's error answer {"message", "errors"}: COMPAT_UNPROCESSABLE ("The given data was
 * invalid.") or 404 ("The data were not found."). Takes e->obj; NULL (ENOMEM) answers 503. */
enum MHD_Result compat_reply_error(request *req, unsigned status, compat_errors *e);

/* The list's parameters: offset/limit and the date window (DATE_NONE: absent). */
typedef struct compat_query {
    long offset, limit;
    int from, to;
} compat_query;

/* Parses offset, limit, date_from, date_to into q, adding every bad one to e. */
void compat_query_parse(request *req, compat_query *q, compat_errors *e);


/* {"next_url", "prev_url", "first_url", "last_url"} of a list of total records at q,
 * absolute URLs under the request's scheme and Host. A new reference, or NULL on ENOMEM. */
json_t *compat_paging(request *req, compat_api api, const compat_query *q, size_t total);

/* ---- source URLs (compat_source.c) ---------------------------------------------------- */

/* The stored source URLs of every report, as of data version s->version (read from the
 * store once per version and shared; the store lock is taken, so never call this while
 * holding it). Returns a reference (release with compat_sources_release) or NULL when the
 * store could not be read. */
typedef struct compat_sources compat_sources;
compat_sources *compat_sources_get(request *req, const stats_snapshot *s);
void compat_sources_release(compat_sources *cs);
/* The source URL of date, or NULL (borrowed while the reference is held). */
const char *compat_source_of(const compat_sources *cs, int date);

#endif
