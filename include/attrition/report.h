#ifndef ATTRITION_REPORT_H
#define ATTRITION_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "attrition/store.h"

/* One ministry report as a client sends it (JSON or the ministry's plain-text post), its
 * validation, and storing it with revisions. No HTTP here: the server maps the statuses.
 *
 * Where the line between "bad request" and "unprocessable" runs (REPORT_ESYNTAX is answered
 * 400, REPORT_EINVAL 422):
 *   REPORT_ESYNTAX  the body cannot be read at all: empty (a post: or only whitespace); not
 *                   valid UTF-8 or holding NUL bytes; for JSON a syntax error (with line and
 *                   column) or a top level that is not an object.
 *   REPORT_EINVAL   the body reads (a JSON object, a UTF-8 text) but its content cannot be a
 *                   report: a missing or unknown field, a field of the wrong type, a total that
 *                   is not a JSON integer (1.5, 1e3), negative or above REPORT_MAX_TOTAL (also a
 *                   number too large for the JSON parser), a duplicate key, a date that is not
 *                   a calendar day, before 2022-02-24 or after today (UTC), a qualifier other
 *                   than "about"/"more", a text that is not a ministry post, a "(+N)" that
 *                   contradicts the previous report, two keys naming one category.
 * Every message names the field, key or line at fault. */

#define REPORT_MAX_TOTAL INT64_C(1000000000000) /* 1e12, as POST_MAX_VALUE */
#define REPORT_KEY_SIZE 128                     /* a key or label has at most 127 bytes */
#define REPORT_ID_SIZE 64                       /* a category id has at most 63 bytes */
#define REPORT_MAX_VALUES 256                   /* totals in one report */
#define REPORT_MAX_URL 2048                     /* bytes of source_url */

enum report_status {
    REPORT_OK = 0,
    REPORT_ENOMEM = -1,
    REPORT_ESYNTAX = -2,   /* unreadable body (400) */
    REPORT_EINVAL = -3,    /* readable, but not a possible report (422) */
    REPORT_ECONFLICT = -4, /* a different report for that date is stored (409) */
    REPORT_ENOTFOUND = -5, /* no report for that date (404) */
    REPORT_EREADONLY = -6, /* the database refuses writes: read-only or disk full (503) */
    REPORT_EDB = -7,       /* another database failure (503); the message says which */
    REPORT_EUNAVAILABLE = -8 /* the database server cannot be reached (503, Retry-After) */
};

/* What a write did. */
enum report_outcome {
    REPORT_CREATED = 1,   /* a new report (201) */
    REPORT_UNCHANGED = 2, /* the same report was already stored; nothing written (200) */
    REPORT_REPLACED = 3   /* an earlier version became a revision (200) */
};

enum report_mode { REPORT_CREATE = 1, REPORT_REPLACE = 2 };

typedef struct report_value {
    char key[REPORT_KEY_SIZE];     /* as the client named it: id, dataset key or post label */
    char category[REPORT_ID_SIZE]; /* resolved category id; "" until report_store resolves it
                                    * (reports read from the store have key == category) */
    int64_t total;                 /* 0..REPORT_MAX_TOTAL */
    char qualifier[16];            /* "about", "more" or "" */
    int has_increase;              /* the post gave "(+N)" */
    int64_t increase;              /* N, signed; 0 without one */
    int line;                      /* 1-based line of the post, 0 for JSON */
} report_value;

typedef struct report {
    int date;               /* report date, day number (see date.h) */
    report_value *values;   /* n_values, owned */
    size_t n_values;
    char *source_url;       /* owned, or NULL */
    char **ignored;         /* post lines that carry no figure, "line N: text"; owned */
    size_t n_ignored;
    /* Filled for reports read from the store (0 / "" on input): */
    int revision;           /* 1 for the first version, +1 per replacement */
    char stored_at[32];     /* ISO 8601 UTC, "2024-10-25T06:12:00Z" */
    char *written_by;       /* owned or NULL (unknown: stored before schema 2): "post",
                             * "put", "import FILE" or "sync URL" */
} report;

/* Frees what r owns and zeroes it. r may be NULL; a zeroed report is fine. */
void report_free(report *r);

/* Reads the JSON body {"date": "YYYY-MM-DD", "totals": {key: integer, ...},
 * "qualifiers": {key: "about"|"more", ...} (optional), "source_url": string|null (optional)}
 * of len bytes (borrowed; need not be NUL-terminated) into *out. Keys of totals are kept as
 * given (resolved to categories by report_store); each key of qualifiers must be one of the
 * totals' keys (ASCII case-insensitive). Checks the date against today (UTC).
 * Returns REPORT_OK and fills *out (the caller owns it: report_free), or REPORT_ESYNTAX /
 * REPORT_EINVAL / REPORT_ENOMEM with one line naming what is wrong in err (errlen bytes) and
 * *out zeroed. */
int report_from_json(const char *body, size_t len, report *out, char *err, size_t errlen);

/* Reads the ministry's post (text/plain, see post.h) of len bytes (borrowed) into *out
 * through post_parse: the labels become the keys (matched to categories, and unknown ones
 * created, by report_store inside its transaction), "(+N)" is kept for report_store to
 * check, and lines that are neither the heading nor an entry are kept in out->ignored.
 * Same returns, ownership and err as report_from_json: a text that post_text_check refuses
 * (empty or only whitespace, invalid UTF-8, NUL bytes) is REPORT_ESYNTAX; a text post_parse
 * rejects otherwise, one without any figure, or a date out of range is REPORT_EINVAL. */
int report_from_post(const char *text, size_t len, report *out, char *err, size_t errlen);

/* Strings collected by a write (owned by the result). */
typedef struct report_strings {
    char **items;
    size_t n, cap;
} report_strings;

typedef struct report_result {
    int outcome;                  /* enum report_outcome, 0 on failure */
    report stored;                /* the report as stored now (category ids as keys) */
    report_strings warnings;      /* accepted oddities: "special_equipment: total 3452 is
                                   * lower than the previous report's 3535" */
    report_strings new_categories;/* ids created by this write */
    report_strings ignored_lines; /* copied from the input's ignored lines */
    char error[512];              /* on failure: what was wrong, naming the category/field */
} report_result;

/* Frees what res owns and zeroes it. NULL is fine. */
void report_result_free(report_result *res);

/* Stores r (borrowed; its values' category fields are filled) in ONE transaction:
 * resolves every key to a category (creating unknown ones), checks each "(+N)" against the
 * total minus the previous report's total (when the previous report is the day before; after
 * a gap a difference is only a warning), flags totals lower than the previous report's, then
 *   REPORT_CREATE:  no report for the date -> inserted (REPORT_CREATED, revision 1);
 *                   the same figures (totals and qualifiers; and source_url when r has one)
 *                   already stored -> nothing written (REPORT_UNCHANGED);
 *                   different figures stored -> REPORT_ECONFLICT.
 *   REPORT_REPLACE: no report for the date -> REPORT_ENOTFOUND; the same figures and
 *                   source_url -> REPORT_UNCHANGED; otherwise the stored version is copied
 *                   into report_revision (its revision number, stored_at, totals and
 *                   qualifiers as JSON objects, source_url), replaced by r, and the report's
 *                   revision incremented (REPORT_REPLACED).
 * The content checks (keys, "(+N)") come first: such a report is REPORT_EINVAL even when a
 * different one is stored. A write bumps the data version (store_touch) in the same
 * transaction; an unchanged report writes nothing (not even a category).
 * Returns REPORT_OK with *res filled (res->outcome, res->stored, warnings, new categories,
 * ignored lines; the caller frees it with report_result_free), or an error status with
 * res->error set and nothing written (the transaction is rolled back): REPORT_EINVAL (a "(+N)"
 * contradiction or a bad key, naming the category), REPORT_ECONFLICT, REPORT_ENOTFOUND,
 * REPORT_EREADONLY, REPORT_EDB, REPORT_ENOMEM. The caller serialises store access. */
int report_store(store *st, report *r, int mode, report_result *res);

/* The stored report of date into *out (values keyed and ordered by category id, revision,
 * stored_at, source_url). Returns REPORT_OK (caller owns *out: report_free), REPORT_ENOTFOUND,
 * REPORT_EDB, REPORT_ENOMEM (*out zeroed on failure). */
int report_get(store *st, int date, report *out);

/* Every version of the report of date, newest first: the current one is the first entry,
 * then the revisions kept by replacements (revision numbers descending). On REPORT_OK
 * *out is a malloc'd array of *n reports (the caller frees it with report_history_free);
 * REPORT_ENOTFOUND when no report is stored for date; REPORT_EDB / REPORT_ENOMEM
 * (*out NULL, *n 0 on failure). */
int report_history(store *st, int date, report **out, size_t *n);
void report_history_free(report *revs, size_t n);

/* When a report was stored: for the Atom feed (GET /v1/reports.atom). */
typedef struct report_stamp {
    int date;            /* day number */
    int revision;
    char stored_at[32];  /* ISO 8601 UTC, when the current revision was stored */
} report_stamp;

/* The latest reports, newest first: at most max of them into out (caller's array), their
 * count in *n. Returns REPORT_OK, REPORT_EDB or REPORT_ENOMEM (*n 0). The caller
 * serialises store access. */
int report_stamps_latest(store *st, size_t max, report_stamp *out, size_t *n);

/* A store status (STORE_*) as a report status. */
int report_status_from_store(int store_status);

#endif
