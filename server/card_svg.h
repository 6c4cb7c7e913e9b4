#ifndef ATTRITION_CARD_SVG_H
#define ATTRITION_CARD_SVG_H

#include <stddef.h>

#include "svg.h"
#include "attrition/stats.h"

/* The figure card of one category as a self-contained SVG (no script, no external
 * reference): its label, latest total (with its qualifier), the day's increase, the report
 * date, and a sparkline of the daily losses of the last `days` days. viewBox 1200x630 (the
 * link-preview size; png.c renders it at that size), shown at 600x315 by default. */

#define CARD_WIDTH 1200
#define CARD_HEIGHT 630
#define CARD_DAYS_MAX 365

typedef struct card_opts {
    labels_lang lang;
    const svg_theme *theme;
    int days;  /* 1..CARD_DAYS_MAX */
    int flat;  /* 1: square corners (the PNG: rounded ones would leave transparent pixels) */
} card_opts;

/* Renders the card of category cat (an index of s->cats) as of its latest report with a
 * total (the latest report for an active category). Returns 0 with *out (malloc'd, caller
 * frees) holding *len bytes (NUL-terminated), or -1 when memory is short. */
int card_svg(const stats_snapshot *s, int cat, const card_opts *o, char **out, size_t *len);

#endif
