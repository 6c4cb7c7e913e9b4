/* SVG to PNG with librsvg and cairo (see png.h). */
#include "png.h"
#include "bytes.h"

#include <cairo.h>
#include <librsvg/rsvg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The PNG bytes as cairo writes them. */
typedef struct png_buf {
    char *data;
    size_t len, cap;
} png_buf;

static cairo_status_t png_write(void *closure, const unsigned char *data, unsigned int length)
{
    png_buf *b = closure;
    if (bytes_room(&b->data, &b->cap, b->len + length) != 0)
        return CAIRO_STATUS_NO_MEMORY;
    memcpy(b->data + b->len, data, length);
    b->len += length;
    return CAIRO_STATUS_SUCCESS;
}

int png_from_svg(const char *svg, size_t len, int width, int height, char **out,
                 size_t *out_len, char *err, size_t errlen)
{
    GError *gerr = NULL;
    png_buf b = {NULL, 0, 0};
    int rc = -1;
    cairo_surface_t *surface = NULL;
    cairo_t *cr = NULL;
    RsvgHandle *h = rsvg_handle_new_from_data((const guint8 *)svg, len, &gerr);
    if (h == NULL)
        goto cleanup;
    surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
    cr = cairo_create(surface);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        snprintf(err, errlen, "cairo: %s", cairo_status_to_string(cairo_status(cr)));
        goto cleanup;
    }
    RsvgRectangle viewport = {0, 0, width, height};
    if (!rsvg_handle_render_document(h, cr, &viewport, &gerr))
        goto cleanup;
    cairo_surface_flush(surface);
    cairo_status_t st = cairo_surface_write_to_png_stream(surface, png_write, &b);
    if (st != CAIRO_STATUS_SUCCESS) {
        snprintf(err, errlen, "cairo: %s", cairo_status_to_string(st));
        goto cleanup;
    }
    *out = b.data;
    *out_len = b.len;
    b.data = NULL;
    rc = 0;
cleanup:
    if (gerr != NULL) {
        snprintf(err, errlen, "librsvg: %s", gerr->message);
        g_error_free(gerr);
    }
    free(b.data);
    if (cr)
        cairo_destroy(cr);
    if (surface)
        cairo_surface_destroy(surface);
    if (h)
        g_object_unref(h);
    return rc;
}
