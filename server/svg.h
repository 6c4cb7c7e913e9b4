#ifndef ATTRITION_SVG_H
#define ATTRITION_SVG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "labels.h"

/* What the images (card_svg.c, chart_svg.c) share: colour themes, the font stack, XML
 * escaping, numbers and dates as a reader of lang expects them. Nothing here allocates. */

/* Fonts that degrade well: the platform's UI font, then fonts most systems have, then
 * DejaVu Sans (the container's, for the PNG), then any sans-serif. */
#define SVG_FONT "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, " \
                 "'DejaVu Sans', sans-serif"

typedef struct svg_theme {
    const char *name, *bg, *fg, *muted, *line, *accent, *neg, *grid;
} svg_theme;

/* "light" or "dark" (NULL: light) into *out (static); -1 for anything else. */
int svg_theme_parse(const char *text, const svg_theme **out);

/* Writes s with &, <, >, " and ' escaped for XML text and attribute values. */
void svg_escape(FILE *f, const char *s);

/* v with thousands separators (en "1,456,610"; uk "1 456 610" with no-break spaces), a
 * leading "+" for a positive v when sign is set, and a real minus sign for negatives, into
 * out (len bytes, at least 40). Returns out. */
char *svg_number(int64_t v, int sign, labels_lang lang, char *out, size_t len);

/* A date as its reader writes it: en "2024-10-25", uk "25.10.2024" (DATE_STR_LEN bytes). */
char *svg_date(int day, labels_lang lang, char *out);

#endif
