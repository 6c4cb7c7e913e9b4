/* Embedding: GET /v1/cards/{category}.svg and .png (the figure card), and
 * /v1/charts/{category}.svg (the losses chart). Rendered from the request's snapshot
 * (card_svg.c, chart_svg.c, png.c); cacheable like every GET (route.c: ROUTE_CACHEABLE). */
#include "handlers.h"
#include "card_svg.h"
#include "chart_svg.h"
#include "param.h"
#include "png.h"
#include "render.h"
#include "reply.h"

#include <stdlib.h>

/* ?lang=en|uk and ?theme=light|dark (absent: en, light); 400 otherwise (param.h style). */
static int look_params(request *req, labels_lang *lang, const svg_theme **theme,
                       enum MHD_Result *res)
{
    const char *l = req_query(req, "lang"), *t = req_query(req, "theme");
    if (labels_lang_parse(l, lang) != 0) {
        *res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "lang: \"%.32s\" is not en or uk", l);
        return -1;
    }
    if (svg_theme_parse(t, theme) != 0) {
        *res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "theme: \"%.32s\" is not light or dark", t);
        return -1;
    }
    return 0;
}

/* The card's SVG for req into *svg (caller frees): the category of the path, lang, theme,
 * days. flat: square corners (for the PNG, whose corners would be transparent). Returns 0,
 * or -1 with the answer sent (*res). */
static int card_of(request *req, int flat, char **svg, size_t *len, enum MHD_Result *res)
{
    stats_snapshot *s = req_snapshot(req);
    card_opts o = {LABELS_EN, NULL, 30, flat};
    long days;
    int cat, rc = -1;
    if (param_path_category(req, s, 0, &cat, res) != 0 || look_params(req, &o.lang, &o.theme, res) != 0 ||
        param_query_int(req, "days", 1, CARD_DAYS_MAX, 30, &days, res) != 0)
        goto cleanup;
    o.days = (int)days;
    if (s->n_rep == 0)
        *res = reply_no_data(req);
    else if (card_svg(s, cat, &o, svg, len) != 0)
        *res = reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory, try again");
    else
        rc = 0;
cleanup:
    stats_snapshot_unref(s);
    return rc;
}

enum MHD_Result handle_card_svg(request *req)
{
    enum MHD_Result res = MHD_NO;
    char *svg = NULL;
    size_t len;
    if (card_of(req, 0, &svg, &len, &res) == 0)
        res = reply_bytes(req, MHD_HTTP_OK, "image/svg+xml", svg, len);
    free(svg);
    return res;
}

enum MHD_Result handle_card_png(request *req)
{
    enum MHD_Result res = MHD_NO;
    char *svg = NULL, *png = NULL, err[256] = "";
    size_t len, png_len;
    if (card_of(req, 1, &svg, &len, &res) != 0)
        goto cleanup;
    if (png_from_svg(svg, len, CARD_WIDTH, CARD_HEIGHT, &png, &png_len, err, sizeof err) != 0)
        res = reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "the card could not be rendered "
                            "as PNG (%s)", err);
    else
        res = reply_bytes(req, MHD_HTTP_OK, "image/png", png, png_len);
cleanup:
    free(png);
    free(svg);
    return res;
}

enum MHD_Result handle_chart_svg(request *req)
{
    enum MHD_Result res = MHD_NO;
    chart_opts o = {LABELS_EN, NULL, DATE_NONE, DATE_NONE, CHART_DAY};
    char *svg = NULL;
    size_t len;
    int cat;
    stats_snapshot *s = req_snapshot(req);
    const char *g = req_query(req, "group");
    if (param_path_category(req, s, 0, &cat, &res) != 0 ||
        param_window(req, &o.from, &o.to, &res) != 0 || look_params(req, &o.lang, &o.theme, &res) != 0)
        goto cleanup;
    if (chart_group_parse(g, &o.group) != 0)
        res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "group: \"%.32s\" is not day, week or month", g);
    else if (s->n_rep == 0)
        res = reply_no_data(req);
    else if (chart_svg(s, cat, &o, &svg, &len) != 0)
        res = reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory, try again");
    else
        res = reply_bytes(req, MHD_HTTP_OK, "image/svg+xml", svg, len);
cleanup:
    free(svg);
    stats_snapshot_unref(s);
    return res;
}
