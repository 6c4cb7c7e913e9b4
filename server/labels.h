#ifndef ATTRITION_LABELS_H
#define ATTRITION_LABELS_H

#include <stddef.h>

/* THE server-side table of human labels in English and Ukrainian (the images of
 * handlers_embed.c; the dashboard has the same labels in web/i18n.js, keyed by the same ids).
 * Every string returned is static. */

typedef enum labels_lang { LABELS_EN = 0, LABELS_UK = 1 } labels_lang;

/* Parses "en" or "uk" (NULL: en) into *out; -1 for anything else. */
int labels_lang_parse(const char *text, labels_lang *out);

/* The label of category id in lang, or fallback (the API's label) when the table lacks id. */
const char *labels_category(const char *id, labels_lang lang, const char *fallback);

/* A qualifier ("about", "more than") in lang; another qualifier is returned as it is. */
const char *labels_qualifier(const char *q, labels_lang lang);

/* The interface strings of the images. */
typedef enum labels_text {
    LABELS_TOTAL,        /* "total" */
    LABELS_REPORT_OF,    /* "report of" */
    LABELS_WAR_DAY,      /* "day %d of the war": a printf format with one %d */
    LABELS_LAST_DAYS,    /* "daily losses, last %d days": one %d */
    LABELS_DAILY,        /* "daily losses" */
    LABELS_WEEKLY,       /* "weekly losses" */
    LABELS_MONTHLY,      /* "monthly losses" */
    LABELS_AVERAGE,      /* "7-day average" */
    LABELS_SOURCE,       /* "Source: General Staff of the Armed Forces of Ukraine" */
    LABELS_NO_DAILY,     /* "no daily value" */
    LABELS_NO_DATA,      /* "no report in this period" */
    LABELS_COUNT
} labels_text;

const char *labels_text_of(labels_text t, labels_lang lang);

/* labels_text_of(t, lang) with its "%d" replaced by n, into out (len bytes, truncated).
 * Returns out. */
char *labels_with_number(labels_text t, labels_lang lang, int n, char *out, size_t len);

#endif
