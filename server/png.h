#ifndef ATTRITION_PNG_H
#define ATTRITION_PNG_H

#include <stddef.h>

/* Rasterises an SVG document into a width x height PNG with librsvg and cairo (the document
 * is scaled to fit the viewport). Safe to call from several threads at once: each call has
 * its own handle and surface (librsvg >= 2.50). Returns 0 with *out (malloc'd, caller frees)
 * of *out_len bytes, or -1 (the SVG did not parse or render, or memory is short); the
 * reason then goes to err (errlen bytes). */
int png_from_svg(const char *svg, size_t len, int width, int height, char **out,
                 size_t *out_len, char *err, size_t errlen);

#endif
