#ifndef ATTRITION_CHART_SVG_H
#define ATTRITION_CHART_SVG_H

#include <stddef.h>

#include "svg.h"
#include "attrition/stats.h"

/* A chart of one category's losses as a self-contained SVG (no script, no external
 * reference), viewBox 1200x520: per report day (bars, or past CHART_BARS_MAX days a line,
 * with a 7-report rolling average), or summed per ISO week or calendar month (bars, from
 * stats_summary_compute); a y axis with round ticks and grid lines, date labels on x (as
 * svg_date writes them in the chosen language; weeks and months by their ISO names), a
 * title naming the category, the period and the window. */

#define CHART_WIDTH 1200
#define CHART_HEIGHT 520
#define CHART_BARS_MAX 120 /* daily values drawn as bars up to this many, else as a line */

typedef enum chart_group { CHART_DAY, CHART_WEEK, CHART_MONTH } chart_group;

/* "day", "week" or "month" (NULL: day) into *out; -1 for anything else. */
int chart_group_parse(const char *text, chart_group *out);

typedef struct chart_opts {
    labels_lang lang;
    const svg_theme *theme;
    int from, to;       /* the window (DATE_NONE: open end), from <= to when both set */
    chart_group group;
} chart_opts;

/* Renders the chart of category cat (an index of s->cats; s holds at least one report).
 * A window without a value draws the axes and says so. Returns 0 with *out (malloc'd,
 * caller frees, NUL-terminated) of *len bytes, or -1 when memory is short. */
int chart_svg(const stats_snapshot *s, int cat, const chart_opts *o, char **out, size_t *len);

#endif
