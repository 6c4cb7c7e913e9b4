#ifndef ATTRITION_DEPLOY_H
#define ATTRITION_DEPLOY_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "attrition/date.h"
#include "attrition/store_codes.h"

/* The store (include/attrition/store.h), named here without its header. */
typedef struct store store;

/* Published estimates of foreign troops deployed to a party of the war (table `deployment`
 * of config/schema.sql): validation, parsing from JSON, storage, the per-pair summary and
 * the import of config/deployments.json. No HTTP and no JSON rendering here (see
 * server/deploy_json.h).
 *
 * The store functions take a store (include/attrition/store.h) and no lock: the caller
 * serialises store access (store_lock). Each write is one transaction of its own (begin,
 * apply, read back, touch the data version, commit) and reports a failure in a
 * deploy_failure; reads report theirs the same way. The SQL behind them: core/deploy_db.h. */

enum deploy_status {
    DEPLOY_OK = 0,
    DEPLOY_ENOMEM = -1,
    DEPLOY_EDB = -2,       /* SQLite failed, or a stored row is not readable */
    DEPLOY_ENOTFOUND = -3, /* no estimate with that id */
    DEPLOY_EINVAL = -4     /* invalid argument or content; a detail says which field */
};

enum deploy_kind { DEPLOY_REPORTED = 0, DEPLOY_CONFIRMED = 1, DEPLOY_PROJECTION = 2 };

#define DEPLOY_NO_DATE DATE_NONE        /* absent day number: date.h's one marker */
#define DEPLOY_DESCRIPTION_MAX 2000      /* bytes of UTF-8 */
#define DEPLOY_SOURCE_NAME_MAX 200
#define DEPLOY_SOURCE_URL_MAX 2000
#define DEPLOY_DETAIL_LEN 256            /* enough for every detail written here */

typedef struct deploy_estimate {
    int64_t id;                /* rowid; 0 before deploy_create */
    char country[3];           /* ISO 3166-1 alpha-2 of the troops' country ("KP") */
    char deployed_to[3];       /* ... of the party they are deployed to ("RU") */
    int64_t figure;            /* point figure, >= 0 */
    int has_low, has_high;     /* 1 where the source gave a bound */
    int64_t low, high;         /* low <= figure <= high where present */
    int kind;                  /* enum deploy_kind */
    int as_of;                 /* day number (include/attrition/date.h) */
    int target_date;           /* day number, projections only; else DEPLOY_NO_DATE */
    char *description;         /* owned, may be NULL */
    char *source_name;         /* owned, required */
    char *source_url;          /* owned, may be NULL */
} deploy_estimate;

/* An empty estimate: no strings, as_of and target_date DEPLOY_NO_DATE. */
#define DEPLOY_ESTIMATE_INIT {.as_of = DEPLOY_NO_DATE, .target_date = DEPLOY_NO_DATE}

/* Filter of deploy_list. NULL strings and DATE_NONE dates match everything. country and
 * deployed_to match exactly; source matches any source name that contains it, ignoring
 * ASCII case ("white house"); from and to are inclusive bounds on as_of. All borrowed. */
typedef struct deploy_filter {
    const char *country, *deployed_to, *source;
    int from, to;
} deploy_filter;

/* "reported", "confirmed", "projection"; NULL for any other value. Static string. */
const char *deploy_kind_name(int kind);
/* The kind named exactly (lower case) by s, or -1 if s is NULL or unknown. */
int deploy_kind_parse(const char *s);

/* Sets *e to DEPLOY_ESTIMATE_INIT. */
void deploy_estimate_init(deploy_estimate *e);
/* Frees the strings of *e and sets it to DEPLOY_ESTIMATE_INIT. NULL is a no-op. */
void deploy_estimate_clear(deploy_estimate *e);
/* Deep copy of src into *dst (dst's previous contents are not freed). Returns DEPLOY_OK,
 * or DEPLOY_ENOMEM with *dst left as DEPLOY_ESTIMATE_INIT. Caller owns *dst afterwards. */
int deploy_estimate_copy(deploy_estimate *dst, const deploy_estimate *src);
/* Clears the n estimates of v and frees v. NULL is a no-op. */
void deploy_list_free(deploy_estimate *v, size_t n);

/* Checks the content of an estimate against the contract: both codes assigned and
 * different, figure/low/high non-negative with low <= figure <= high, a known kind, as_of a
 * date in 1970-01-01..9999-12-31 not after today, target_date present exactly for a
 * projection and not before as_of, source_name present, strings valid UTF-8 within
 * DEPLOY_*_MAX bytes, source_url http(s). today is a day number; pass INT_MAX to skip the
 * future check. Returns DEPLOY_OK, or DEPLOY_EINVAL with a detail naming the field in
 * detail (len bytes, always NUL-terminated if len > 0; may be NULL), e.g.
 *   "country: 'XX' is not an ISO 3166-1 alpha-2 code", "low: 5000 is above figure 3000",
 *   "target_date: required for kind projection", "as_of: 2030-01-01 is in the future",
 *   "country and deployed_to must differ". */
int deploy_validate(const deploy_estimate *e, int today, char *detail, size_t len);

/* Parses one estimate from a JSON object, the API's request body:
 *   {"country", "deployed_to", "figure", "low", "high", "kind", "as_of", "target_date",
 *    "description", "source": {"name", "url"}}
 * Required: country, deployed_to, figure, kind, as_of, source.name; the others may be
 * absent or null. "id", "country_name" and "deployed_to_name" (the fields a GET adds) are
 * ignored, so a fetched estimate can be sent back; any other member is rejected. Checks
 * shapes only (types, date syntax, lengths, NUL characters); call deploy_validate for the
 * content. obj is borrowed. Returns DEPLOY_OK with *out filled (caller owns: clear it),
 * DEPLOY_EINVAL with a detail such as "figure: expected an integer, got 1.5",
 * "source.name: required", "unknown field 'foo'", "kind: 'guess' is not one of reported,
 * confirmed, projection", or DEPLOY_ENOMEM. On failure *out is DEPLOY_ESTIMATE_INIT. */
int deploy_from_json(const json_t *obj, deploy_estimate *out, char *detail, size_t len);

/* What a failed store access met, for the caller's answer and logs. */
typedef struct deploy_failure {
    int status;         /* the deploy status returned (DEPLOY_OK: nothing failed) */
    int store_status;   /* STORE_EREADONLY (read-only, full), STORE_ENOMEM, STORE_ECORRUPT,
                         * STORE_EDB for a database failure; STORE_OK for ENOTFOUND/EINVAL */
    const char *doing;  /* static: "reading the estimates", "storing the estimate", ... */
    char why[160];      /* SQLite's message ("" if none) */
} deploy_failure;

/* The estimates matching f (NULL: all), ordered by as_of, then id. Returns DEPLOY_OK with a
 * new array in *out (caller owns: deploy_list_free(*out, *n); NULL when *n is 0),
 * DEPLOY_EINVAL (a date of f out of range), DEPLOY_ENOMEM or DEPLOY_EDB with *out NULL, *n 0
 * and *fail filled (fail may be NULL). */
int deploy_list(store *st, const deploy_filter *f, deploy_estimate **out, size_t *n,
                deploy_failure *fail);

/* The estimate with that id into *out (caller owns: clear it). Returns DEPLOY_OK,
 * DEPLOY_ENOTFOUND, DEPLOY_ENOMEM, DEPLOY_EDB (with *fail filled); on failure *out is
 * DEPLOY_ESTIMATE_INIT. */
int deploy_get(store *st, int64_t id, deploy_estimate *out, deploy_failure *fail);

/* The three writes. Each runs in ONE transaction: begin, the write, the stored estimate read
 * back into *stored (create, replace; caller clears it), store_touch, commit; anything that
 * fails is rolled back and nothing is changed. e stays the caller's (create sets e->id).
 * e is checked with deploy_validate(e, INT_MAX, ...) first (check against today before, for
 * the detail). Returns DEPLOY_OK, or DEPLOY_ENOTFOUND (replace, delete: no such id),
 * DEPLOY_EINVAL, DEPLOY_ENOMEM, DEPLOY_EDB with *fail filled (fail may be NULL). */
int deploy_create(store *st, deploy_estimate *e, deploy_estimate *stored, deploy_failure *fail);
int deploy_replace(store *st, const deploy_estimate *e, deploy_estimate *stored,
                   deploy_failure *fail);
int deploy_delete(store *st, int64_t id, deploy_failure *fail);

/* What is known of the troops of one country deployed to another.
 * "Newest" means greatest as_of, then greatest id (the later stored). For each source
 * (source_name, compared exactly) its current estimates are its newest non-projection and
 * its newest projection. */
typedef struct deploy_summary {
    deploy_estimate latest;          /* the newest non-projection estimate of the pair */
    int has_latest;
    deploy_estimate *by_source;      /* one per source, ordered by as_of, then id: the
                                      * source's newest non-projection, or its newest
                                      * projection if it published nothing else */
    size_t n_by_source;
    int64_t range_low, range_high;   /* least and greatest of figure, low and high over
                                      * every source's current estimates, projections
                                      * included (seed data: 3000..12000) */
    int has_range;
    deploy_estimate projection;      /* the newest projection of the pair */
    int has_projection;
    deploy_estimate *history;        /* every estimate of the pair, projections included,
                                      * ordered by as_of, then id */
    size_t n_history;                /* 0: nothing stored for the pair */
} deploy_summary;

/* Computes the summary of country -> deployed_to (both required, borrowed). A pair with no
 * estimates gives DEPLOY_OK with everything empty (n_history 0). Returns DEPLOY_OK with *out
 * filled (caller owns: deploy_summary_free), DEPLOY_EINVAL (a NULL code), DEPLOY_ENOMEM or
 * DEPLOY_EDB, with *out empty (safe to free) and *fail filled (may be NULL) on failure. */
int deploy_summary_compute(store *st, const char *country, const char *deployed_to,
                           deploy_summary *out, deploy_failure *fail);
/* Frees everything *s owns and empties it. NULL is a no-op. */
void deploy_summary_free(deploy_summary *s);

/* Imports JSON text shaped like config/deployments.json:
 *   {"deployments": [{country, deployed_to, figure, low, high, kind, as_of, target_date,
 *                     description, source: {name, url}}, ...]}
 * Each entry is parsed with deploy_from_json and checked with deploy_validate(today). An
 * entry identical to one stored (same country, deployed_to, figure, low, high, kind, as_of,
 * target_date and source name) is skipped, so importing twice adds nothing. All or
 * nothing, in a SAVEPOINT: on any error nothing is inserted. json_text (len bytes) is
 * borrowed. Returns DEPLOY_OK with the number inserted in *added; DEPLOY_EINVAL (bad JSON
 * or entry), DEPLOY_ENOMEM or DEPLOY_EDB with *added 0 and a message in err (errlen bytes,
 * may be NULL) naming the entry and field, e.g. "deployments[1]: low: 5000 is above
 * figure 3000". */
int deploy_import_json(store *st, const char *json_text, size_t len, int today,
                       size_t *added, char *err, size_t errlen);

#endif
