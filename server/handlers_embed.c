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

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

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

/* PNG renders in progress (all threads). A render takes ~100 ms of CPU, a thousand times a
 * JSON answer: at most half the worker threads (at least one) render at once, so that a
 * burst of distinct PNG URLs cannot keep every thread rendering. A request beyond that
 * waits for a slot (link-preview scrapers asking together for a card not yet cached all
 * get it, one after the other) up to PNG_WAIT_SECONDS, then gets 503 with Retry-After. A
 * cache hit never gets here. */
#define PNG_WAIT_SECONDS 2
static pthread_mutex_t png_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t png_freed = PTHREAD_COND_INITIALIZER;
static int png_busy;

/* Takes a render slot: 0, or -1 when none came free in time. */
static int png_slot_take(const request *req)
{
    int limit = req->app->cfg->threads / 2 > 1 ? req->app->cfg->threads / 2 : 1, rc = 0;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += PNG_WAIT_SECONDS;
    pthread_mutex_lock(&png_lock);
    while (png_busy >= limit && rc == 0)
        rc = pthread_cond_timedwait(&png_freed, &png_lock, &until);
    if (png_busy < limit) {
        png_busy++;
        rc = 0;
    }
    pthread_mutex_unlock(&png_lock);
    return rc == 0 ? 0 : -1;
}

static void png_slot_give(void)
{
    pthread_mutex_lock(&png_lock);
    png_busy--;
    pthread_cond_signal(&png_freed);
    pthread_mutex_unlock(&png_lock);
}

enum MHD_Result handle_card_png(request *req)
{
    enum MHD_Result res = MHD_NO;
    char *svg = NULL, *png = NULL, err[256] = "";
    size_t len, png_len;
    if (card_of(req, 1, &svg, &len, &res) != 0)
        goto cleanup;
    if (png_slot_take(req) != 0) {
        reply_add_header(req, MHD_HTTP_HEADER_RETRY_AFTER, "1");
        res = reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "busy rendering other cards "
                            "as PNG (waited %d s); retry in a second", PNG_WAIT_SECONDS);
        goto cleanup;
    }
    int rc = png_from_svg(svg, len, CARD_WIDTH, CARD_HEIGHT, &png, &png_len, err, sizeof err);
    png_slot_give();
    if (rc != 0)
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
