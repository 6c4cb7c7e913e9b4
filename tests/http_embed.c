/* Embedding: /v1/cards/{category}.svg and .png, /v1/charts/{category}.svg against a real
 * server holding the dataset (skipped, saying so, without it). The SVGs must parse (librsvg,
 * whose XML parser is libxml2, rejects a malformed document) and hold nothing from
 * elsewhere (no script, no href, no URL but the SVG namespace); their figures must equal
 * the JSON API's (/v1/daily/latest, /v1/summary), formatted as each language writes them;
 * the PNG must be a 1200x630 PNG that is not blank; answers carry an ETag and answer
 * If-None-Match with 304; bad input gets the right 4xx as problem+json; PNG renders from
 * several threads at once all succeed. */
#include <cairo.h>
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "png.h"

TCase *http_embed_tcase(void);

static test_server srv;
static int have_data;

static void setup(void)
{
    have_data = test_server_start_dataset(&srv, "http_embed", NULL);
}

static void teardown(void)
{
    ck_assert_int_eq(test_server_stop(&srv), 0);
    test_server_cleanup(&srv);
}

/* GET path with optional headers, asserting the status; fills r. */
static void get(const char *path, const char *const *headers, long status, http_resp *r)
{
    ck_assert_msg(http_request(&srv, "GET", path, headers, NULL, 0, r) == 0, "%s: no answer", path);
    ck_assert_msg(r->status == status, "%s: status %ld, expected %ld (%.300s)", path, r->status,
                  status, r->body);
}

/* v with separators as the images write it: en "1,456,610", uk "1 456 610" (U+00A0), a
 * "+" before a positive value when sign. */
static void fmt_number(long long v, int sign, int uk, char *out, size_t len)
{
    char d[32];
    int n = snprintf(d, sizeof d, "%lld", v < 0 ? -v : v);
    size_t o = (size_t)snprintf(out, len, "%s", v < 0 ? "\xe2\x88\x92" : sign && v > 0 ? "+" : "");
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            o += (size_t)snprintf(out + o, len - o, "%s", uk ? "\xc2\xa0" : ",");
        o += (size_t)snprintf(out + o, len - o, "%c", d[i]);
    }
}

/* The aria-label of an SVG (copied into out), asserted present. */
static const char *aria_label(const char *svg, char *out, size_t len)
{
    const char *a = strstr(svg, "aria-label=\"");
    ck_assert_msg(a != NULL, "no aria-label in %.200s", svg);
    a += strlen("aria-label=\"");
    const char *e = strchr(a, '"');
    ck_assert_ptr_nonnull(e);
    snprintf(out, len, "%.*s", (int)(e - a), a);
    return out;
}

/* An SVG answer as embedding needs it: the type, an image element with a title, nothing
 * from elsewhere, well-formed (librsvg renders it). Returns the PNG size. */
static void check_svg(const http_resp *r, size_t max_len)
{
    char b[128], err[256] = "", *png = NULL;
    size_t png_len;
    ck_assert_str_eq(http_header(r, "Content-Type", b, sizeof b), "image/svg+xml");
    ck_assert_msg(r->len < max_len, "SVG of %zu bytes (limit %zu)", r->len, max_len);
    ck_assert_msg(strncmp(r->body, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0,
                  "not an SVG: %.80s", r->body);
    ck_assert_ptr_nonnull(strstr(r->body, "role=\"img\""));
    ck_assert_ptr_nonnull(strstr(r->body, "<title>"));
    ck_assert_ptr_null(strstr(r->body, "<script"));
    ck_assert_ptr_null(strstr(r->body, "href"));
    ck_assert_ptr_null(strstr(r->body, "url("));
    ck_assert_ptr_null(strstr(r->body, "<image"));
    ck_assert_ptr_null(strstr(r->body + 39, "http")); /* the namespace is the only URL */
    ck_assert_msg(png_from_svg(r->body, r->len, 300, 160, &png, &png_len, err, sizeof err) == 0,
                  "the SVG does not render: %s", err);
    free(png);
}

/* The daily and total figure and the date of category in /v1/daily/latest. */
static void latest(const char *category, long long *loss, long long *total, char *date)
{
    http_resp r;
    char path[128], lp[64], tp[64];
    snprintf(path, sizeof path, "/v1/daily/latest?category=%s", category);
    json_t *j = http_get_json(&srv, path, 200, &r);
    snprintf(lp, sizeof lp, "losses.%s", category);
    snprintf(tp, sizeof tp, "totals.%s", category);
    *loss = json_path_int(j, lp);
    *total = json_path_int(j, tp);
    snprintf(date, 11, "%s", json_string_value(json_object_get(j, "date")));
    http_resp_free(&r);
}

START_TEST(card_svg_figures)
{
    if (!have_data)
        return;
    static const char *const cats[] = {"personnel", "tanks", "uav", "artillery"};
    for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++) {
        http_resp r;
        long long loss, total;
        char date[11], path[128], label[1024], want[64];
        latest(cats[i], &loss, &total, date);
        ck_assert_msg(loss != INT64_MIN && total != INT64_MIN, "%s: no latest figures", cats[i]);
        for (int uk = 0; uk < 2; uk++) {
            snprintf(path, sizeof path, "/v1/cards/%s.svg%s", cats[i], uk ? "?lang=uk&theme=dark" : "");
            get(path, NULL, 200, &r);
            check_svg(&r, 10240);
            aria_label(r.body, label, sizeof label);
            fmt_number(total, 0, uk, want, sizeof want);
            ck_assert_msg(strstr(label, want) != NULL, "%s: total %s not in \"%s\"", path, want, label);
            fmt_number(loss, 1, uk, want, sizeof want);
            ck_assert_msg(strstr(label, want) != NULL, "%s: increase %s not in \"%s\"", path, want, label);
            if (uk) /* 25.10.2024 */
                snprintf(want, sizeof want, "%.2s.%.2s.%.4s", date + 8, date + 5, date);
            else
                snprintf(want, sizeof want, "%s", date);
            ck_assert_msg(strstr(label, want) != NULL, "%s: date %s not in \"%s\"", path, want, label);
            ck_assert_ptr_nonnull(strstr(r.body, uk ? "#0f1419" : "#ffffff")); /* the theme */
            if (strcmp(cats[i], "personnel") == 0)
                ck_assert_ptr_nonnull(strstr(label, uk ? "Особовий склад" : "Personnel"));
            http_resp_free(&r);
        }
    }
}
END_TEST

/* The sparkline covers `days` days: one point per report with a value, so its path has
 * days - 1 "L" segments over the daily history (one report a day at the end). */
START_TEST(card_sparkline_days)
{
    if (!have_data)
        return;
    http_resp r7, r90;
    get("/v1/cards/personnel.svg?days=365", NULL, 200, &r7); /* the largest: under 10 KB */
    check_svg(&r7, 10240);
    http_resp_free(&r7);
    get("/v1/cards/personnel.svg?days=7", NULL, 200, &r7);
    get("/v1/cards/personnel.svg?days=90", NULL, 200, &r90);
    check_svg(&r7, 10240);
    check_svg(&r90, 10240);
    const char *p7 = strstr(r7.body, "fill=\"none\""), *p90 = strstr(r90.body, "fill=\"none\"");
    ck_assert_ptr_nonnull(p7);
    ck_assert_ptr_nonnull(p90);
    size_t l7 = 0, l90 = 0;
    for (const char *p = p7; *p && *p != '>'; p++)
        l7 += *p == 'L';
    for (const char *p = p90; *p && *p != '>'; p++)
        l90 += *p == 'L';
    ck_assert_int_eq(l7, 6);
    ck_assert_int_eq(l90, 89);
    ck_assert_ptr_nonnull(strstr(r7.body, "last 7 days"));
    http_resp_free(&r7);
    http_resp_free(&r90);
}
END_TEST

/* Big-endian 32-bit integer at p. */
static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

typedef struct png_reader {
    const unsigned char *data;
    size_t len, at;
} png_reader;

static cairo_status_t png_read(void *closure, unsigned char *out, unsigned int length)
{
    png_reader *rd = closure;
    if (rd->at + length > rd->len)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(out, rd->data + rd->at, length);
    rd->at += length;
    return CAIRO_STATUS_SUCCESS;
}

/* The variance of the pixels' luminance in a PNG (decoded by cairo). */
static double png_variance(const char *data, size_t len)
{
    png_reader rd = {(const unsigned char *)data, len, 0};
    cairo_surface_t *s = cairo_image_surface_create_from_png_stream(png_read, &rd);
    ck_assert_int_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    const unsigned char *px = cairo_image_surface_get_data(s);
    double sum = 0, sq = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t v;
            memcpy(&v, px + (size_t)y * (size_t)stride + (size_t)x * 4, 4);
            double l = 0.3 * ((v >> 16) & 255) + 0.59 * ((v >> 8) & 255) + 0.11 * (v & 255);
            ck_assert_msg((v >> 24) == 255, "pixel %d,%d is not opaque", x, y);
            sum += l;
            sq += l * l;
        }
    cairo_surface_destroy(s);
    double n = (double)w * h, mean = sum / n;
    return sq / n - mean * mean;
}

START_TEST(card_png)
{
    if (!have_data)
        return;
    http_resp r, again;
    char b[128], etag[128];
    get("/v1/cards/personnel.png", NULL, 200, &r);
    ck_assert_str_eq(http_header(&r, "Content-Type", b, sizeof b), "image/png");
    ck_assert_msg(r.len > 33 && memcmp(r.body, "\x89PNG\r\n\x1a\n", 8) == 0, "not a PNG");
    ck_assert_int_eq(memcmp(r.body + 12, "IHDR", 4), 0);
    ck_assert_int_eq(be32((const unsigned char *)r.body + 16), 1200);
    ck_assert_int_eq(be32((const unsigned char *)r.body + 20), 630);
    double var = png_variance(r.body, r.len);
    ck_assert_msg(var > 100, "the PNG is (nearly) blank: luminance variance %.1f", var);
    /* the same bytes again (the cache), then 304 */
    ck_assert_ptr_nonnull(http_header(&r, "ETag", etag, sizeof etag));
    get("/v1/cards/personnel.png", NULL, 200, &again);
    ck_assert_int_eq(again.len, r.len);
    ck_assert_int_eq(memcmp(again.body, r.body, r.len), 0);
    http_resp_free(&again);
    char inm[160];
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    const char *h[] = {inm, NULL};
    get("/v1/cards/personnel.png", h, 304, &again);
    ck_assert_int_eq(again.len, 0);
    http_resp_free(&again);
    /* the dark theme differs */
    get("/v1/cards/personnel.png?theme=dark", NULL, 200, &again);
    ck_assert_msg(again.len != r.len || memcmp(again.body, r.body, r.len) != 0, "dark == light");
    http_resp_free(&again);
    http_resp_free(&r);
}
END_TEST

START_TEST(svg_etag_304)
{
    if (!have_data)
        return;
    static const char *const paths[] = {"/v1/cards/uav.svg?lang=uk",
                                        "/v1/charts/personnel.svg?group=month"};
    for (size_t i = 0; i < 2; i++) {
        http_resp r, c;
        char etag[128], inm[160], b[64];
        get(paths[i], NULL, 200, &r);
        ck_assert_ptr_nonnull(http_header(&r, "ETag", etag, sizeof etag));
        ck_assert_ptr_nonnull(strstr(http_header(&r, "Cache-Control", b, sizeof b), "max-age"));
        snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
        const char *h[] = {inm, NULL};
        get(paths[i], h, 304, &c);
        http_resp_free(&c);
        const char *gz[] = {"Accept-Encoding: gzip", NULL};
        get(paths[i], gz, 200, &c);
        size_t n = 0;
        char *plain = test_gunzip(c.body, c.len, &n);
        ck_assert_msg(plain != NULL && n == r.len && memcmp(plain, r.body, n) == 0,
                      "%s: the gzip variant is not the same SVG", paths[i]);
        free(plain);
        http_resp_free(&c);
        http_resp_free(&r);
    }
}
END_TEST

/* The chart's figures are /v1/summary's: the number of values, the sum and the highest. */
static void check_chart(const char *query, const char *summary_query, int n_values,
                        const char *best)
{
    http_resp r, s;
    char path[256], label[1024], want[96], num[48];
    snprintf(path, sizeof path, "/v1/charts/personnel.svg?%s", query);
    get(path, NULL, 200, &r);
    check_svg(&r, 65536);
    aria_label(r.body, label, sizeof label);
    snprintf(path, sizeof path, "/v1/summary?category=personnel&%s", summary_query);
    json_t *j = http_get_json(&srv, path, 200, &s);
    json_t *periods = json_object_get(j, "periods");
    long long sum = 0;
    for (size_t i = 0; i < json_array_size(periods); i++)
        sum += json_path_int(json_array_get(periods, i), "losses.personnel");
    fmt_number(sum, 0, 0, num, sizeof num);
    const char *const wants[] = {want, best, num};
    snprintf(want, sizeof want, ": %d, max ", n_values);
    for (size_t i = 0; i < 3; i++)
        ck_assert_msg(strstr(label, wants[i]) != NULL, "%s: \"%s\" not in \"%s\"", query,
                      wants[i], label);
    http_resp_free(&s);
    http_resp_free(&r);
}

START_TEST(chart_figures)
{
    if (!have_data)
        return;
    /* the article's week: 7,390 since Monday, the greatest day 1,710 on 2024-10-21 */
    check_chart("from=2024-10-21&to=2024-10-25", "from=2024-10-21&to=2024-10-25", 5,
                "1,710 (2024-10-21)");
    check_chart("from=2024-08-01&to=2024-10-31&group=month",
                "from=2024-08-01&to=2024-10-31&group=month", 3, "");
    check_chart("from=2024-10-01&to=2024-10-31&group=week",
                "from=2024-10-01&to=2024-10-31&group=week", 5, "");
    http_resp r;
    get("/v1/charts/personnel.svg", NULL, 200, &r); /* the whole history, as a line */
    check_svg(&r, 65536);
    ck_assert_ptr_nonnull(strstr(r.body, "2022-02-25"));
    http_resp_free(&r);
    get("/v1/charts/personnel.svg?from=2030-01-01&lang=uk", NULL, 200, &r); /* no value */
    check_svg(&r, 65536);
    ck_assert_ptr_nonnull(strstr(r.body, "немає звітів"));
    http_resp_free(&r);
}
END_TEST

START_TEST(bad_input)
{
    if (!have_data)
        return;
    static const struct {
        const char *path;
        long status;
        const char *detail; /* a piece of the problem's detail */
    } cases[] = {
        {"/v1/cards/nothing.svg", 404, "nothing"},
        {"/v1/cards/nothing.png", 404, "nothing"},
        {"/v1/charts/nothing.svg", 404, "nothing"},
        {"/v1/cards/personnel.gif", 404, "no resource"},
        {"/v1/cards/personnel", 404, "no resource"},
        {"/v1/cards/.svg", 404, "no resource"},
        {"/v1/charts/personnel.png", 404, "no resource"},
        {"/v1/cards/personnel.svg?days=0", 400, "days"},
        {"/v1/cards/personnel.svg?days=366", 400, "days"},
        {"/v1/cards/personnel.svg?days=-1", 400, "days"},
        {"/v1/cards/personnel.png?days=x", 400, "days"},
        {"/v1/cards/personnel.svg?lang=fr", 400, "lang"},
        {"/v1/cards/personnel.svg?lang=", 400, "lang"},
        {"/v1/cards/personnel.png?theme=blue", 400, "theme"},
        {"/v1/charts/personnel.svg?theme=%3Cscript%3E", 400, "theme"},
        {"/v1/charts/personnel.svg?from=2024-13-01", 400, "from"},
        {"/v1/charts/personnel.svg?to=yesterday", 400, "to"},
        {"/v1/charts/personnel.svg?from=2024-10-25&to=2024-10-21", 400, "after"},
        {"/v1/charts/personnel.svg?group=year", 400, "group"},
        {"/v1/charts/personnel.svg?group=", 400, "group"},
        {"/v1/charts/personnel.svg?lang=de", 400, "lang"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        http_resp r;
        char b[128];
        get(cases[i].path, NULL, cases[i].status, &r);
        ck_assert_str_eq(http_header(&r, "Content-Type", b, sizeof b), "application/problem+json");
        const char *d = json_string_value(json_object_get(r.json, "detail"));
        ck_assert_msg(d != NULL && strstr(d, cases[i].detail) != NULL, "%s: detail \"%s\"",
                      cases[i].path, d ? d : "(none)");
        http_resp_free(&r);
    }
    http_resp r;
    ck_assert_int_eq(http_request(&srv, "POST", "/v1/cards/personnel.svg", NULL, "", 0, &r), 0);
    ck_assert_int_eq(r.status, 405);
    http_resp_free(&r);
}
END_TEST

/* Renders from several worker threads at once: distinct URLs, so none is a cache hit; a
 * request beyond the renders allowed at once is told to retry (503, Retry-After) and does. */
#define EMBED_THREADS 4
static void *png_client(void *arg)
{
    long i = (long)(intptr_t)arg, *ok = malloc(sizeof *ok);
    *ok = 0;
    for (int k = 0; k < 3; k++) {
        char path[128];
        http_resp r;
        snprintf(path, sizeof path, "/v1/cards/%s.png?days=%ld", k == 0 ? "tanks" : k == 1 ? "afv" : "mlrs",
                 10 + i);
        /* beyond the renders allowed at once: 503 with Retry-After, then it renders */
        for (int tries = 0; tries < 100; tries++) {
            char ra[16];
            if (http_get(&srv, path, &r) != 0)
                break;
            int busy = r.status == 503 && http_header(&r, "Retry-After", ra, sizeof ra) != NULL;
            if (r.status == 200 && r.len > 8 && memcmp(r.body, "\x89PNG", 4) == 0)
                (*ok)++;
            http_resp_free(&r);
            if (!busy)
                break;
            usleep(100 * 1000);
        }
    }
    return ok;
}

START_TEST(png_threads)
{
    if (!have_data)
        return;
    pthread_t t[EMBED_THREADS];
    long total = 0;
    for (long i = 0; i < EMBED_THREADS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, png_client, (void *)(intptr_t)i), 0);
    for (int i = 0; i < EMBED_THREADS; i++) {
        void *ok;
        pthread_join(t[i], &ok);
        total += *(long *)ok;
        free(ok);
    }
    ck_assert_int_eq(total, EMBED_THREADS * 3);
}
END_TEST


/* The og:image of / in the page served to a request with Host host (NULL: libcurl's), on
 * server s, copied into out. */
static const char *og_image(const test_server *s, const char *host, char *out, size_t len)
{
    http_resp r;
    char h[300];
    snprintf(h, sizeof h, "Host: %s", host ? host : "");
    const char *headers[] = {h, NULL};
    ck_assert_int_eq(http_request(s, "GET", "/", host ? headers : NULL, NULL, 0, &r), 0);
    ck_assert_int_eq(r.status, 200);
    const char *m = strstr(r.body, "<meta property=\"og:image\" content=\"");
    ck_assert_ptr_nonnull(m);
    m += strlen("<meta property=\"og:image\" content=\"");
    snprintf(out, len, "%.*s", (int)(strchr(m, '"') - m), m);
    ck_assert_ptr_null(strstr(r.body, "@origin@"));
    http_resp_free(&r);
    return out;
}

/* The page's og:image is absolute: from public_url when configured, else from the Host of
 * the request (only when it looks like host[:port]: nothing else gets into the page). No
 * dataset needed. */
START_TEST(og_image_absolute)
{
    test_server a, b;
    char v[512];
    const char *env[] = {"ATTRITION_PUBLIC_URL=https://losses.example.org/", NULL};
    ck_assert_int_eq(test_server_prepare(&a), 0);
    ck_assert_int_eq(test_server_start(&a, NULL), 0);
    ck_assert_str_eq(og_image(&a, "attrition.example:8443", v, sizeof v),
                     "http://attrition.example:8443/v1/cards/personnel.png");
    ck_assert_str_eq(og_image(&a, "under_score.example", v, sizeof v),
                     "/v1/cards/personnel.png");
    ck_assert_int_eq(test_server_stop(&a), 0);
    test_server_cleanup(&a);
    ck_assert_int_eq(test_server_prepare(&b), 0);
    ck_assert_int_eq(test_server_start(&b, env), 0);
    ck_assert_str_eq(og_image(&b, "attrition.example:8443", v, sizeof v),
                     "https://losses.example.org/v1/cards/personnel.png");
    ck_assert_int_eq(test_server_stop(&b), 0);
    test_server_cleanup(&b);
}
END_TEST

TCase *http_embed_tcase(void)
{
    TCase *tc = tcase_create("http_embed");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    /* One dataset import, a few dozen renders: a few seconds; room for valgrind. */
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, card_svg_figures);
    tcase_add_test(tc, card_sparkline_days);
    tcase_add_test(tc, card_png);
    tcase_add_test(tc, svg_etag_304);
    tcase_add_test(tc, chart_figures);
    tcase_add_test(tc, bad_input);
    tcase_add_test(tc, png_threads);
    tcase_add_test(tc, og_image_absolute);
    return tc;
}
