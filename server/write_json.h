#ifndef ATTRITION_WRITE_JSON_H
#define ATTRITION_WRITE_JSON_H

#include <stddef.h>
#include "attrition/stats.h"

/* A direct JSON writer for the big bodies (the full /v1/daily and /v1/cumulative series,
 * /v1/summary): bytes appended to one growing buffer, no tree per row. Its output is
 * byte-identical to Jansson's json_dumps(JSON_COMPACT | JSON_PRESERVE_ORDER) of the tree the
 * handlers built before (tests/test_write_json.c compares both): compact separators, keys
 * in insertion order, integers as %lld, reals as Jansson writes them (%.Ng, ".0" added when
 * neither '.' nor 'e' appears, no '+' or leading zeros in the exponent), strings escaped as
 * Jansson does. Jansson stays for every other answer.
 *
 * After the first allocation failure every append is a no-op and `failed` stays 1: check
 * once at the end. */
typedef struct jw {
    char *buf;      /* owned, NUL-terminated while !failed; NULL before the first append */
    size_t len, cap;
    int failed;
} jw;

/* Frees w's buffer (w itself is the caller's). */
void jw_free(jw *w);

void jw_raw(jw *w, const char *p, size_t n);
void jw_lit(jw *w, const char *s);            /* s as is (punctuation, keys already quoted) */
void jw_str(jw *w, const char *s);            /* "s", escaped */
void jw_int(jw *w, long long v);
void jw_real(jw *w, double v, int precision); /* precision as JSON_REAL_PRECISION; 0: 17 */
void jw_date(jw *w, int day);                 /* "YYYY-MM-DD" */
/* x rounded to 2 decimals (half away from zero) written as a real with 15 significant
 * digits (without printf for the usual values), or null when x is not finite. */
void jw_decimal(jw *w, double x);

/* Writes s (n bytes) escaped as the inside of a JSON string into out, which has room for
 * 6 * n bytes: \" \\ \b \f \n \r \t, \u00XX for other control bytes, well-formed UTF-8 as
 * is, and each byte that is not part of well-formed UTF-8 as the text \xHH (in JSON
 * "\\xC0"), which Jansson never meets because it refuses such strings. Returns the bytes
 * written. */
size_t jw_escape(char *out, const char *s, size_t n);

/* {"from","to","series":[...]} of /v1/daily (daily: rows {"date","day","losses",
 * "span_days"}) or /v1/cumulative (rows {"date","day","totals"}) for reports lo..hi-1 and
 * the categories of sel (NULL: all); from/to are the window's dates as echoed. */
void jw_series(jw *w, const stats_snapshot *s, int daily, const stats_selection *sel,
               int from, int to, size_t lo, size_t hi);

/* The /v1/summary body of sum for the categories of sel, reals with 15 significant digits
 * (rounded to 2 decimals, null when not finite). */
void jw_summary(jw *w, const stats_snapshot *s, const stats_summary *sum,
                const stats_selection *sel);

#endif
