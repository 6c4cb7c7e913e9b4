/* The dashboard's routes against the real server (no dataset needed: the pages are static):
 * GET / and /docs (HTML with CSP, nosniff, ETag and 304), every asset the pages name
 * (versioned URL, a year's immutable Cache-Control, build-time gzip), a stale or unknown
 * asset (404 naming the current URL), HEAD, 405, a browser's Accept headers (never 406) and
 * an Accept without HTML (406).
 * The browser test (tests/browser_test.py) checks what the page shows; this file checks the
 * serving, also under valgrind and the sanitizers. */
#include "harness.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TCase *http_web_tcase(void);

static int srv_ok;

#define BROWSER_ACCEPT "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

static void setup(void)
{
    srv_ok = test_server_prepare(&test_srv) == 0 && test_server_start(&test_srv, NULL) == 0;
}

static void teardown(void)
{
    test_server_cleanup(&test_srv);
}

/* GET (or another method) path with headers, asserting the status; fills r. */
static void req(const char *method, const char *path, const char *const *headers, long status,
                http_resp *r)
{
    ck_assert_msg(srv_ok, "the server did not start; see %s", test_srv.log);
    ck_assert_msg(http_request(&test_srv, method, path, headers, NULL, 0, r) == 0,
                  "%s %s: no answer", method, path);
    ck_assert_msg(r->status == status, "%s %s: status %ld, expected %ld (%s)", method, path,
                  r->status, status, r->body);
}

/* Header name of r, asserted present. buf holds it. */
static const char *hdr(const http_resp *r, const char *name, char *buf, size_t len)
{
    const char *v = http_header(r, name, buf, len);
    ck_assert_msg(v != NULL, "no %s header in:\n%s", name, r->headers);
    return v;
}

/* The security headers every page and asset carries. */
static void check_security(const http_resp *r)
{
    char b[256];
    ck_assert_ptr_nonnull(strstr(hdr(r, "Content-Security-Policy", b, sizeof b),
                                 "default-src 'self'"));
    ck_assert_str_eq(hdr(r, "X-Content-Type-Options", b, sizeof b), "nosniff");
}

/* Checks one asset URL the page names: 200, the type its name says, immutable for a year,
 * gzip for a client that takes it (smaller, gzip magic), 200 for the Accept a browser sends
 * for a style sheet. */
static void check_asset(const char *url)
{
    http_resp plain, packed;
    char b[256];
    const char *gz[] = {"Accept-Encoding: gzip", NULL};
    const char *ext = strrchr(url, '.');
    const char *want = strcmp(ext, ".js") == 0 ? "text/javascript" :
                       strcmp(ext, ".css") == 0 ? "text/css" : "image/svg+xml";
    req("GET", url, NULL, 200, &plain);
    check_security(&plain);
    ck_assert_msg(strncmp(hdr(&plain, "Content-Type", b, sizeof b), want, strlen(want)) == 0,
                  "%s: Content-Type %s, expected %s", url, b, want);
    ck_assert_str_eq(hdr(&plain, "Cache-Control", b, sizeof b),
                     "public, max-age=31536000, immutable");
    ck_assert_ptr_null(strstr(plain.body, "sourceMappingURL"));
    const char *css[] = {"Accept: text/css,*/*;q=0.1", NULL};
    req("GET", url, css, 200, &packed);
    http_resp_free(&packed);
    req("GET", url, gz, 200, &packed);
    if (plain.len >= 1024) {
        ck_assert_str_eq(hdr(&packed, "Content-Encoding", b, sizeof b), "gzip");
        ck_assert_msg(packed.len < plain.len && (unsigned char)packed.body[0] == 0x1f &&
                      (unsigned char)packed.body[1] == 0x8b, "%s: gzip of %zu bytes is %zu",
                      url, plain.len, packed.len);
    }
    http_resp_free(&plain);
    http_resp_free(&packed);
}

/* Every "/assets/..." URL in an attribute of page (at most max) into urls (each malloc'd). */
static size_t asset_urls(const char *page, char **urls, size_t max)
{
    size_t n = 0;
    for (const char *p = strstr(page, "\"/assets/"); p && n < max; p = strstr(p, "\"/assets/")) {
        const char *end = strchr(p + 1, '"');
        ck_assert_ptr_nonnull(end);
        urls[n++] = strndup(p + 1, (size_t)(end - p - 1));
        p = end;
    }
    return n;
}

START_TEST(test_pages_and_assets)
{
    const char *pages[] = {"/", "/docs"};
    const char *scripts[] = {"app.js", "docs.js"};
    for (size_t i = 0; i < 2; i++) {
        http_resp r;
        char b[256], *urls[16];
        const char *accept[] = {BROWSER_ACCEPT, "Accept-Encoding: gzip, deflate, br", NULL};
        req("GET", pages[i], NULL, 200, &r);
        check_security(&r);
        ck_assert_str_eq(hdr(&r, "Content-Type", b, sizeof b), "text/html; charset=utf-8");
        ck_assert_ptr_null(strstr(r.body, "@asset:"));
        ck_assert_ptr_null(strstr(r.body, "<script>"));
        ck_assert_ptr_null(strstr(r.body, " style="));
        size_t n = asset_urls(r.body, urls, 16);
        ck_assert_msg(n >= 4, "%s names %zu assets", pages[i], n);
        int has_script = 0;
        for (size_t k = 0; k < n; k++) {
            check_asset(urls[k]);
            has_script |= strstr(urls[k], scripts[i]) != NULL;
            free(urls[k]);
        }
        ck_assert_msg(has_script, "%s does not load %s", pages[i], scripts[i]);
        http_resp_free(&r);
        req("GET", pages[i], accept, 200, &r); /* a browser's Accept: never 406 */
        http_resp_free(&r);
        const char *json_only[] = {"Accept: application/json", NULL};
        req("GET", pages[i], json_only, 406, &r); /* HTML only, as every route negotiates */
        ck_assert_str_eq(hdr(&r, "Content-Type", b, sizeof b), "application/problem+json");
        http_resp_free(&r);
    }
}
END_TEST

START_TEST(test_page_etag_304)
{
    http_resp r, again;
    char etag[64], inm[96], b[256];
    req("GET", "/", NULL, 200, &r);
    snprintf(etag, sizeof etag, "%s", hdr(&r, "ETag", b, sizeof b));
    ck_assert_ptr_nonnull(strstr(hdr(&r, "Cache-Control", b, sizeof b), "max-age="));
    ck_assert_ptr_null(strstr(b, "immutable"));
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    const char *h[] = {inm, NULL};
    req("GET", "/", h, 304, &again);
    ck_assert_str_eq(hdr(&again, "ETag", b, sizeof b), etag);
    check_security(&again);
    ck_assert_uint_eq(again.len, 0);
    http_resp_free(&r);
    http_resp_free(&again);
    req("HEAD", "/", NULL, 200, &r);
    ck_assert_uint_eq(r.len, 0);
    ck_assert_str_eq(hdr(&r, "ETag", b, sizeof b), etag);
    http_resp_free(&r);
}
END_TEST

START_TEST(test_stale_and_unknown_assets)
{
    http_resp page, r;
    char b[256], *urls[16], stale[256];
    req("GET", "/", NULL, 200, &page);
    size_t n = asset_urls(page.body, urls, 16);
    ck_assert_uint_gt(n, 0);
    /* the same file under another hash: 404, naming this build's URL */
    const char *file = strrchr(urls[0], '/') + 1;
    snprintf(stale, sizeof stale, "/assets/0123456789abcdef/%s", file);
    req("GET", stale, NULL, 404, &r);
    ck_assert_str_eq(hdr(&r, "Content-Type", b, sizeof b), "application/problem+json");
    ck_assert_msg(strstr(r.body, urls[0]) != NULL, "%s: detail does not name %s: %s", stale,
                  urls[0], r.body);
    http_resp_free(&r);
    req("GET", "/assets/0123456789abcdef/missing.js", NULL, 404, &r);
    ck_assert_ptr_nonnull(strstr(r.body, "missing.js"));
    http_resp_free(&r);
    req("GET", "/assets/app.js", NULL, 404, &r);
    http_resp_free(&r);
    req("POST", "/", NULL, 405, &r);
    ck_assert_str_eq(hdr(&r, "Allow", b, sizeof b), "GET, HEAD, OPTIONS");
    http_resp_free(&r);
    for (size_t i = 0; i < n; i++)
        free(urls[i]);
    http_resp_free(&page);
}
END_TEST

TCase *http_web_tcase(void)
{
    TCase *tc = tcase_create("http_web");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120); /* Check's 4 s default is too short under valgrind */
    tcase_add_test(tc, test_pages_and_assets);
    tcase_add_test(tc, test_page_etag_304);
    tcase_add_test(tc, test_stale_and_unknown_assets);
    return tc;
}
