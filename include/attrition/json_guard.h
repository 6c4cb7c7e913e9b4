#ifndef ATTRITION_JSON_GUARD_H
#define ATTRITION_JSON_GUARD_H

#include <stddef.h>

/* A cheap pre-scan of JSON bytes, before any tree is built: counts the values (array
 * elements and object members: commas and opening brackets outside strings) and the
 * nesting depth, so that a small input that would become a huge Jansson tree (a 60 MB
 * "[0,0,...]" inflated from a 58 KB gzip costs ~1.2 GB as a tree) is refused for a few
 * bytes of state. Incremental: feed the bytes as they arrive (a download) or at once.
 *
 * The caps come from the largest legitimate files: the ministry's equipment file holds
 * ~26,000 values, an attrition export of the whole history ~60,000, a v2 API page ~17,000,
 * nesting at most 4 deep. JSON_GUARD_MAX_VALUES leaves room for years of growth (16x the
 * export) while bounding a tree to ~40 MB. */

#define JSON_GUARD_MAX_VALUES 1000000
#define JSON_GUARD_MAX_DEPTH 32

typedef struct json_guard {
    size_t values;    /* commas and opening brackets seen outside strings */
    int depth, in_string, escape;
    int over;         /* 1 once a cap was passed (sticky) */
} json_guard;

/* Starts a scan (g zeroed). */
void json_guard_init(json_guard *g);

/* Scans len more bytes. Returns 0, or -1 once the values or the depth pass the caps (then
 * always -1). */
int json_guard_feed(json_guard *g, const char *p, size_t len);

/* One line saying which cap was passed (for messages), into out (len bytes); returns out. */
const char *json_guard_why(const json_guard *g, char *out, size_t len);

#endif
