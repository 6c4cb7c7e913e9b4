#ifndef ATTRITION_POST_H
#define ATTRITION_POST_H

#include <stddef.h>
#include <stdint.h>

/* The Ministry of Defence's daily post, as published in plain text, read into a report date
 * and a list of labelled totals. Pure: no I/O, no HTTP, no SQLite. Labels are not matched to
 * categories here, dates are not checked against the war's start or today, and "(+N)" is not
 * checked against earlier totals: the caller knows the categories and the previous report.
 *
 * The text looks like (see ../shared/data/fixtures/mod-post-2024-10-25.txt):
 *
 *     The total combat losses of the enemy from 24.02.2022 to 25.10.2024 were approximately:
 *     personnel ‒ about 685910 (+1630) persons
 *     tanks ‒ 9097 (+7)
 *     ...
 *     The data is being updated.
 */

#define POST_MAX_TEXT 65536                    /* bytes; longer text is POST_EINVAL */
#define POST_LABEL_SIZE 128                    /* a label has at most 127 bytes */
#define POST_MAX_VALUE INT64_C(1000000000000)  /* 1e12: larger totals or increases are errors */

enum post_status { POST_OK = 0, POST_ENOMEM = -1, POST_EINVAL = -2 };

typedef struct post_entry {
    char label[POST_LABEL_SIZE]; /* as written, trimmed, internal whitespace collapsed to one
                                  * space, leading list bullets dropped: "armoured combat vehicles" */
    int64_t total;               /* the cumulative figure, 0..POST_MAX_VALUE */
    int has_increase;            /* 1 if "(+N)" (or "(-N)", "(+0)", "(N)") was present */
    int64_t increase;            /* signed; 0 when has_increase is 0 */
    char qualifier[16];          /* "about" (about, approximately), "more" (more than, over, more)
                                  * or "" */
    int line;                    /* 1-based line number */
} post_entry;

typedef struct post_report {
    int date;             /* report date as a day number, days since 1970-01-01 */
    int date_line;        /* 1-based line the date was read from (the heading) */
    post_entry *entries;  /* n_entries, in the order of the text */
    size_t n_entries;
    char **ignored;       /* n_ignored NUL-terminated UTF-8 lines that are neither the heading
                           * nor an entry, trimmed: "The data is being updated." */
    int *ignored_line;    /* n_ignored 1-based line numbers, parallel to ignored */
    size_t n_ignored;
} post_report;

/* Parses len bytes of text (need not be NUL-terminated). Borrows text.
 *
 * Returns POST_OK and fills *out; the caller owns it and frees it with post_report_free.
 * Otherwise *out is left zeroed (post_report_free on it is harmless) and:
 *   POST_EINVAL: the text is not a post. err (errlen bytes, may be NULL/0) receives one line of
 *     plain text naming the line and what is wrong, e.g. "line 4: total 99999999999999999999
 *     is too large", "line 1: 31.02.2024 is not a calendar date", "no report date: expected
 *     'to DD.MM.YYYY'". Also for out == NULL, and text == NULL with len > 0.
 *   POST_ENOMEM: an allocation failed; err says so.
 * On POST_OK err is set to "". */
int post_parse(const char *text, size_t len, post_report *out, char *err, size_t errlen);

/* The checks post_parse makes of the text as a whole before reading lines, for callers that
 * answer them differently (a syntax error rather than a content error): text (borrowed, len
 * bytes, may be NULL when len is 0) must be valid UTF-8 without NUL bytes and hold something
 * besides whitespace and a BOM. Returns POST_OK, or POST_EINVAL with the same message
 * post_parse would give in err ("line 2: NUL byte at column 11", "line 3: invalid UTF-8 at
 * column 1 (byte 0xFF)", "the text is empty"). Does not check the length. */
int post_text_check(const char *text, size_t len, char *err, size_t errlen);

/* Frees what post_parse put into *r and zeroes it. r may be NULL. */
void post_report_free(post_report *r);

#endif
