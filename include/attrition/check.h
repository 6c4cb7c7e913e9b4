#ifndef ATTRITION_CHECK_H
#define ATTRITION_CHECK_H

/* Checking a text: every loss figure an article or post states, read (check_read.c: words,
 * numbers, dates, the category lexicon) and judged against a stats snapshot and the
 * deployment estimates (check_judge.c). Pure: no I/O, no HTTP, no SQLite. The contract is
 * the section "Checking a text" of ../shared/design/API.md. */

#include <stddef.h>
#include <stdint.h>

#include "attrition/deploy.h"
#include "attrition/stats.h"

#define CHECK_MAX_TEXT 65536 /* bytes; longer is CHECK_ETOOBIG */
#define CHECK_RANK_FROM 19083 /* 2022-04-01: ranks counted after the first weeks' estimates */

enum check_status { CHECK_OK = 0, CHECK_ENOMEM = -1, CHECK_EINVAL = -2, CHECK_ETOOBIG = -3 };

enum check_kind { CHECK_DAILY, CHECK_TOTAL, CHECK_PERIOD, CHECK_RANK, CHECK_DEPLOYMENT };
enum check_verdict { CHECK_CORRECT, CHECK_INCORRECT, CHECK_UNVERIFIABLE };

/* How the text qualifies a figure. */
enum check_qual {
    CHECK_Q_EXACT, CHECK_Q_ABOUT, CHECK_Q_NEARLY, CHECK_Q_MORE, CHECK_Q_ATLEAST, CHECK_Q_LESS,
    CHECK_Q_UPTO
};

typedef struct check_claim {
    size_t start, end;      /* the quote, in Unicode characters of the text */
    size_t bstart, bend;    /* the same in bytes */
    int kind;               /* enum check_kind */
    char category[32];      /* category id ("" for a deployment) */
    char country[3];        /* deployment: the troops' country ("KP"), "" otherwise */
    int date;               /* daily, total, rank: the report date judged (DATE_NONE: none) */
    int from, to;           /* period (DATE_NONE otherwise) */
    int64_t claimed;        /* as stated (rank: 3 for "third") */
    int64_t actual;         /* what the data say, when has_actual */
    int has_actual;
    int qual;               /* enum check_qual */
    int verdict;            /* enum check_verdict */
    char note[320];         /* one sentence: why */
    char evidence[192];     /* a GET of this API that shows actual ("" when none) */
} check_claim;

typedef struct check_result {
    int as_of;              /* the date the text was read from (day number) */
    check_claim *claims;    /* n, in text order; owned */
    size_t n;
    size_t counts[3];       /* per verdict */
} check_result;

/* Reads text (len bytes of UTF-8, borrowed) and judges every loss figure against s (which
 * must hold at least one report) and the deployment estimates deps[0..n_deps) (borrowed,
 * may be NULL when n_deps is 0). as_of: the date the text speaks from, or DATE_NONE (then
 * the latest full date the text names, capped at the latest report, else the latest
 * report). Returns CHECK_OK and fills *out (free with check_result_free), CHECK_ETOOBIG
 * (len > CHECK_MAX_TEXT), CHECK_EINVAL (not UTF-8, a NUL byte) or CHECK_ENOMEM; on failure
 * *out is empty. */
int check_text(const stats_snapshot *s, const deploy_estimate *deps, size_t n_deps,
               const char *text, size_t len, int as_of, check_result *out);

void check_result_free(check_result *r);

/* "daily", "total", "period", "rank", "deployment" (static). */
const char *check_kind_name(int kind);
/* "correct", "incorrect", "unverifiable" (static). */
const char *check_verdict_name(int verdict);

/* ---- the lexicon (check_lexicon.c): THE one table of how the press and the ministry name
 * each category, in English and Ukrainian -------------------------------------------- */

/* The category id that a label names as a whole ("танків", "засоби ППО", "Armored fighting
 * vehicles", "БпЛА оперативно-тактичного рівня"), ignoring case, '-', '/' and spacing; NULL
 * when none. Static string. */
const char *check_lexicon_label(const char *label);

#endif
