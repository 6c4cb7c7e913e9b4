#ifndef ATTRITION_CHECK_INTERNAL_H
#define ATTRITION_CHECK_INTERNAL_H

/* Shared by check_lexicon.c, check_read.c and check_judge.c only. */

#include <stddef.h>
#include <stdint.h>

#include "attrition/check.h"

#define CHECK_WORD_MAX 48 /* bytes of a lower-cased word, NUL included (longer: cut) */

/* Lower-cases one code point (ASCII, Latin-1, Cyrillic incl. Ukrainian Ґ Є І Ї). */
uint32_t check_lower(uint32_t cp);
/* 1 for a letter of the scripts the checker reads (Latin, Latin-1, Cyrillic). */
int check_is_letter(uint32_t cp);

/* Splits s (n bytes of UTF-8) into lower-cased words (letters and inner apostrophes, which
 * become '\''), anything else separating: at most max words, written into buf (len bytes),
 * pointed to by words[]. Returns the count. */
size_t check_split_words(const char *s, size_t n, char *buf, size_t len, const char **words,
                         size_t max);

/* The longest lexicon phrase at the start of words[0..n): its lexicon index (and *used, the
 * words it spans), or -1 (*used 0). */
int check_lex_match(const char *const *words, size_t n, size_t *used);
/* The category id of lexicon index i, or NULL. */
const char *check_lex_id(int i);

/* ---- internals shared by check_read.c and check_judge.c ----------------------------- */

/* A figure as read, before judging. */
typedef struct check_figure {
    size_t bstart, bend, start, end; /* quote */
    int kind;
    int cat_known;                   /* lexicon index of the category */
    const char *category;            /* id (static) */
    char country[3];
    int date, from, to;
    int64_t value;
    int qual;
    int date_by_value;               /* 1: the day is to be found by its value in from..to */
    int rank_from;                   /* rank: DATE_NONE (judge both) */
    int64_t rank_value;              /* rank with a figure: that figure, else STATS_NONE */
    int window_from, window_to;      /* where a figure without a date is searched */
    int relative;                    /* 1: the date came from "today", "this week"... */
} check_figure;

typedef struct check_reading {
    int as_of;
    int as_of_given;
    check_figure *figs;
    size_t n, cap;
} check_reading;

/* check_read.c: reads the figures. Returns CHECK_OK (r filled: free r->figs), CHECK_ENOMEM.
 * latest: the latest report date (anchors as_of when as_of is DATE_NONE). */
int check_read(const char *text, size_t len, int as_of, int latest, check_reading *r);

#endif
