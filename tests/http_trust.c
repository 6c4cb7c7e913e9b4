/* Trust (issue 10): no client can change another client's answer, and no request can make
 * the server fall silent or grow. Against a real server holding three reports:
 * - the response cache keys the raw target and the negotiated representation: an encoded
 *   "&", "=" or "?", repeated parameters in another order, or another Accept never get an
 *   answer cached for a different request;
 * - too many query parameters (414) or header lines (431) are answered at once with
 *   problem+json, and 10,000 such requests leave the server's RSS within 1 MB;
 * - a body announced over max_body is refused (413, Connection: close) before it is sent;
 * - Accept and Accept-Encoding are read as RFC 9110 §12 says (q values, exclusions, 406);
 * - HTTP/1.1 framing: absolute-form targets are served, a missing or doubled Host is 400.
 * Requests libcurl would tidy up go over a raw socket (harness.h: http_raw). */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness.h"

TCase *http_trust_tcase(void);

#define TRUST_TOKEN "trust-token"
#define TRUST_WAIT_MS 60000 /* longest wait between reads of an answer (valgrind) */

/* drain 1 s: the abandoned requests of many_parameters keep their connections open until
 * the idle timeout, and shutdown need not wait for them. */
static const char *const trust_env[] = {"ATTRITION_TOKEN=" TRUST_TOKEN,
                                        "ATTRITION_DRAIN_SECONDS=1", NULL};

/* Three reports, so that windows and repeated parameters give different answers. */
static void setup(void)
{
    static const char *const reports[] = {
        "{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": 9000, \"personnel\": 690000}}",
        "{\"date\": \"2024-10-26\", \"totals\": {\"tanks\": 9010, \"personnel\": 691000}}",
        "{\"date\": \"2024-10-27\", \"totals\": {\"tanks\": 9020, \"personnel\": 692000}}"};
    const char *const headers[] = {"Authorization: Bearer " TRUST_TOKEN,
                                   "Content-Type: application/json", NULL};
    ck_assert_int_eq(test_server_prepare(&test_srv), 0);
    ck_assert_int_eq(test_server_start(&test_srv, trust_env), 0);
    for (size_t i = 0; i < 3; i++) {
        http_resp r;
        ck_assert_int_eq(http_request(&test_srv, "POST", "/v1/reports", headers, reports[i],
                                      strlen(reports[i]), &r), 0);
        ck_assert_msg(r.status == 201 || r.status == 200, "POST report %zu: %ld %s", i,
                      r.status, r.body);
        http_resp_free(&r);
    }
}

/* A raw request built from fmt (the whole message), asserting that an HTTP answer came. */
static http_resp raw(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static http_resp raw(const char *fmt, ...)
{
    char *req = NULL;
    http_resp r;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&req, fmt, ap);
    va_end(ap);
    ck_assert_int_gt(n, 0);
    ck_assert_msg(http_raw(&test_srv, req, (size_t)n, TRUST_WAIT_MS, &r) == 0,
                  "no HTTP answer to: %.200s", req);
    free(req);
    return r;
}

/* GET target with one extra header line (or none: NULL), raw. */
static http_resp get_with(const char *target, const char *header)
{
    return raw("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%sConnection: close\r\n\r\n", target,
               header ? header : "", header ? "\r\n" : "");
}

/* Asserts r is a problem+json answer of the given status whose detail holds want. */
static void expect_problem(const http_resp *r, long status, const char *want, const char *what)
{
    char ct[128];
    const char *detail = json_string_value(json_object_get(r->json, "detail"));
    ck_assert_msg(r->status == status, "%s: status %ld, want %ld: %.300s", what, r->status,
                  status, r->body);
    ck_assert_msg(http_header(r, "Content-Type", ct, sizeof ct) &&
                  strncmp(ct, "application/problem+json", 24) == 0, "%s: not problem+json", what);
    ck_assert_msg(json_path_int(r->json, "status") == status, "%s: body %s", what, r->body);
    ck_assert_msg(detail && strstr(detail, want), "%s: detail \"%s\" lacks \"%s\"", what,
                  detail ? detail : "(none)", want);
}

/* Rows of the "series" array of a JSON answer (asserting 200 and JSON). */
static size_t series_rows(const http_resp *r, const char *what)
{
    ck_assert_msg(r->status == 200 && r->json, "%s: %ld %.300s", what, r->status, r->body);
    json_t *series = json_object_get(r->json, "series");
    ck_assert_msg(json_is_array(series), "%s: no series: %.300s", what, r->body);
    return json_array_size(series);
}

/* Asserts the Content-Type of r starts with want. */
static void expect_type(const http_resp *r, const char *want, const char *what)
{
    char ct[128];
    ck_assert_msg(r->status == 200, "%s: %ld %.300s", what, r->status, r->body);
    const char *got = http_header(r, "Content-Type", ct, sizeof ct);
    ck_assert_msg(got && strncmp(got, want, strlen(want)) == 0, "%s: Content-Type %s, want %s",
                  what, got ? got : "(none)", want);
}

/* ---- 1: the cache key ------------------------------------------------------------------- */

/* One GET and what it must get: a status; for 200 the media type and, for a JSON series,
 * its rows (NO_ROWS: not checked); for a problem, a part of its detail. */
typedef struct step {
    const char *target, *header;
    long status;
    const char *type_or_detail;
    size_t rows;
} step;
#define NO_ROWS ((size_t)-1)

static void run_steps(const step *steps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char what[256];
        const step *t = &steps[i];
        snprintf(what, sizeof what, "GET %s (%s)", t->target, t->header ? t->header : "");
        http_resp r = get_with(t->target, t->header);
        if (t->status != 200)
            expect_problem(&r, t->status, t->type_or_detail, what);
        else
            expect_type(&r, t->type_or_detail, what);
        if (t->rows != NO_ROWS)
            ck_assert_msg(series_rows(&r, what) == t->rows, "%s: %zu rows, want %zu", what,
                          series_rows(&r, what), t->rows);
        http_resp_free(&r);
    }
}

#define JSON_T "application/json"

/* Each pair: the first request fills the cache; the second, which the old key (decoded
 * pairs, sorted; Accept by substring) mapped onto the same entry, must get its own answer. */
START_TEST(cache_key)
{
    static const step steps[] = {
        /* an encoded "&" and "=" in a value: one parameter, an unknown category */
        {"/v1/cumulative?category=tanks&to=2024-10-25", NULL, 200, JSON_T, 1},
        {"/v1/cumulative?category=tanks%26to%3D2024-10-25", NULL, 400, "tanks&to=2024-10-25",
         NO_ROWS},
        /* a path holding an encoded "?" */
        {"/v1/cumulative?category=tanks", NULL, 200, JSON_T, 3},
        {"/v1/cumulative%3Fcategory=tanks", NULL, 404, "no resource", NO_ROWS},
        /* repeated names are refused (issue 18), whatever their order: never one value
         * silently winning, nor an answer cached for the other order */
        {"/v1/daily?from=2024-10-25&from=2024-10-27", NULL, 400, "from: given more than once",
         NO_ROWS},
        {"/v1/daily?from=2024-10-27&from=2024-10-25", NULL, 400, "from: given more than once",
         NO_ROWS},
        /* the negotiated representation, not the header text, is in the key */
        {"/v1/cumulative?to=2024-10-26", "Accept: text/csv", 200, "text/csv", NO_ROWS},
        {"/v1/cumulative?to=2024-10-26", "Accept: text/csv;q=0, application/json", 200, JSON_T, 2},
        /* a hit is checked against the request's Accept: a JSON-only resource cached for a
         * client that takes JSON is not served to one that takes only CSV */
        {"/v1/categories", "Accept: text/csv, application/json;q=0.5", 200, JSON_T, NO_ROWS},
        {"/v1/categories", "Accept: text/csv", 406, "application/json", NO_ROWS},
    };
    run_steps(steps, sizeof steps / sizeof steps[0]);
}
END_TEST

/* ---- 2: many parameters and headers ------------------------------------------------------ */

/* head, then n pieces prefix<i>suffix joined by sep, then tail (caller frees). */
static char *repeated(const char *head, const char *prefix, const char *suffix,
                      const char *sep, size_t n, const char *tail)
{
    size_t len = strlen(head) + n * (strlen(prefix) + strlen(suffix) + strlen(sep) + 20) +
                 strlen(tail) + 1;
    char *req = malloc(len);
    ck_assert_ptr_nonnull(req);
    size_t off = (size_t)snprintf(req, len, "%s", head);
    for (size_t i = 0; i < n; i++)
        off += (size_t)snprintf(req + off, len - off, "%s%s%zu%s", i ? sep : "", prefix, i, suffix);
    snprintf(req + off, len - off, "%s", tail);
    return req;
}

#define TRUST_TAIL "Host: 127.0.0.1\r\nConnection: close\r\n\r\n"

/* "GET <path>?a=0&a=1... (n parameters)" (caller frees). */
static char *many_args_request(const char *path, size_t n)
{
    char head[256];
    snprintf(head, sizeof head, "GET %s?", path);
    return repeated(head, "a", "=1", "&", n, " HTTP/1.1\r\n" TRUST_TAIL); /* a0=1&a1=1...:
                                                       distinct names (a repeated one is 400) */
}

/* A GET of /livez with "Cookie: c0=v; c1=v; ..." of n pairs (caller frees). */
static char *many_cookies_request(size_t n)
{
    return repeated("GET /livez HTTP/1.1\r\nCookie: ", "c", "=v", "; ", n, "\r\n" TRUST_TAIL);
}

static long raw_status(const char *req)
{
    http_resp r;
    ck_assert_msg(http_raw(&test_srv, req, strlen(req), TRUST_WAIT_MS, &r) == 0,
                  "no answer to %.100s", req);
    long status = r.status;
    http_resp_free(&r);
    return status;
}

START_TEST(many_parameters)
{
    char *req = many_args_request("/v1/categories", 300); /* ~2 KB: under the URL limit */
    http_resp r;
    ck_assert_int_eq(http_raw(&test_srv, req, strlen(req), TRUST_WAIT_MS, &r), 0);
    expect_problem(&r, 414, "300 query parameters", "300 parameters");
    http_resp_free(&r);
    free(req);
    req = many_args_request("/v1/categories", 33);
    ck_assert_int_eq(raw_status(req), 414);
    free(req);
    req = many_args_request("/v1/categories", 32);
    ck_assert_int_eq(raw_status(req), 200);
    free(req);
    /* Empty pieces are records in libmicrohttpd too: "?" and 1,900 "&" is refused at once. */
    char amps[1901];
    memset(amps, '&', sizeof amps - 1);
    amps[sizeof amps - 1] = '\0';
    r = raw("GET /v1/categories?%s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            amps);
    expect_problem(&r, 414, "1901 query parameters", "a query of 1,900 \"&\" alone");
    http_resp_free(&r);
    char headers[4096] = "";
    for (int i = 0; i < 100; i++)
        snprintf(headers + strlen(headers), sizeof headers - strlen(headers), "X-H%d: a\r\n", i);
    r = raw("GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n%sConnection: close\r\n\r\n", headers);
    expect_problem(&r, 431, "header lines", "100 header lines");
    http_resp_free(&r);
    /* A Cookie of 300 pairs: libmicrohttpd's own 431 (its pool), freed all the same. */
    req = many_cookies_request(300);
    ck_assert_int_eq(raw_status(req), 431);
    free(req);
    /* Requests abandoned halfway through their headers (sent, then closed at once): their
     * state goes when libmicrohttpd closes the connection, by its idle timeout at the
     * latest (the leak checkers judge at exit). 50: well under the per-IP limit. */
    static const char half[] = "GET /v1/daily?to=2024-10-26 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "X-Partial: abc";
    for (int i = 0; i < 50; i++)
        if (http_raw(&test_srv, half, sizeof half - 1, 0, &r) == 0)
            http_resp_free(&r);
    r = get_with("/livez", NULL);
    ck_assert_int_eq(r.status, 200);
    http_resp_free(&r);
}
END_TEST


#if defined(__SANITIZE_ADDRESS__)
#define TRUST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TRUST_ASAN 1
#endif
#endif
#ifndef TRUST_ASAN
#define TRUST_ASAN 0
#endif

/* n requests with too many parameters (414), and every tenth time a Cookie too large (431). */
static void send_refused(size_t n, const char *args, const char *cookies)
{
    for (size_t i = 0; i < n; i++) {
        long st = raw_status(args);
        ck_assert_msg(st == 414, "many-parameter request %zu: %ld", i, st);
        if (i % 10 == 0)
            ck_assert_int_eq(raw_status(cookies), 431);
    }
}

/* 10,000 many-parameter requests (and 1,000 large Cookies) leave the server's RSS within
 * 1 MiB of where it was after a warm-up of 200. Under valgrind or ASan RSS means nothing:
 * fewer requests, each still checked, and the leak checkers judge at exit. */
START_TEST(many_parameters_rss)
{
    const char *wrapper = getenv("ATTRITION_WRAPPER");
    int instrumented = TRUST_ASAN || (wrapper && *wrapper);
    char *args = many_args_request("/v1/daily", 400);
    char *cookies = many_cookies_request(300);
    send_refused(200, args, cookies); /* warm-up: thread arenas, first connections */
    long before = test_rss_kib(test_srv.pid);
    size_t n = instrumented ? 300 : 10000;
    send_refused(n, args, cookies);
    long after = test_rss_kib(test_srv.pid);
    free(args);
    free(cookies);
    if (instrumented) {
        printf("http_trust: SKIP the RSS assertion (valgrind or ASan: RSS means nothing); "
               "%zu refused requests all answered\n", n);
        return;
    }
    printf("http_trust: server VmRSS before %ld KiB, after %zu many-parameter requests %ld KiB "
           "(%+ld KiB)\n", before, n, after, after - before);
    ck_assert_msg(before > 0 && after > 0, "cannot read VmRSS of %d", (int)test_srv.pid);
    ck_assert_msg(after - before <= 1024, "RSS grew %ld KiB (from %ld to %ld) over %zu requests",
                  after - before, before, after, n);
}
END_TEST

/* ---- 4: an announced body over max_body --------------------------------------------------- */

START_TEST(early_413)
{
    char conn[64];
    /* Headers only: the body is never sent, so only an answer given at once can come. */
    http_resp r = raw("POST /v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                      TRUST_TOKEN "\r\nContent-Type: application/json\r\n"
                      "Content-Length: 100000000\r\n\r\n");
    expect_problem(&r, 413, "larger than", "Content-Length: 100000000 without Expect");
    ck_assert_msg(http_header(&r, "Connection", conn, sizeof conn) &&
                  strcasecmp(conn, "close") == 0, "413 without Connection: close");
    http_resp_free(&r);
    r = raw("PUT /v1/reports/2024-10-25 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
            "application/json\r\nContent-Length: 1048577\r\n\r\n{");
    expect_problem(&r, 413, "larger than", "PUT, Content-Length one over max_body");
    http_resp_free(&r);
}
END_TEST

/* ---- 5: content negotiation ---------------------------------------------------------------- */

START_TEST(negotiation)
{
    static const step steps[] = {
        {"/v1/cumulative", "Accept: text/csv;q=0, application/json", 200, JSON_T, 3},
        {"/v1/daily", "Accept: application/json, text/csv;q=0.1", 200, JSON_T, 3},
        {"/v1/daily", "Accept: text/csv;q=0.9, application/json;q=0.2", 200, "text/csv", NO_ROWS},
        {"/v1/daily", "Accept: text/*", 200, "text/csv", NO_ROWS},
        {"/v1/cumulative?format=csv", "Accept: application/json", 200, "text/csv", NO_ROWS},
        {"/v1/cumulative", "Accept: image/png", 406, "text/csv", NO_ROWS},
        {"/v1/summary", "Accept: application/json;q=0, */*;q=0.5", 200, "text/csv", NO_ROWS},
        {"/v1/summary", "Accept: image/png", 406, "text/csv", NO_ROWS},
        {"/v1/categories", "Accept: application/*", 200, JSON_T, NO_ROWS},
        /* two field lines are one list (RFC 9110 §5.3) */
        {"/v1/daily", "Accept: text/csv;q=0\r\nAccept: application/json", 200, JSON_T, 3},
    };
    char ce[64];
    run_steps(steps, sizeof steps / sizeof steps[0]);
    http_resp r;
    /* A browser's Accept still gets JSON. */
    r = get_with("/v1/categories", "Accept: text/html,application/xhtml+xml,application/xml;"
                 "q=0.9,image/avif,image/webp,*/*;q=0.8");
    expect_type(&r, "application/json", "a browser's Accept");
    ck_assert_ptr_nonnull(http_header(&r, "Vary", ce, sizeof ce));
    ck_assert_ptr_nonnull(strstr(ce, "Accept"));
    http_resp_free(&r);
    /* Accept-Encoding: /openapi.json is large enough to be compressed. */
    r = get_with("/openapi.json", "Accept-Encoding: gzip; q=0, identity");
    expect_type(&r, "application/json", "gzip; q=0, identity");
    ck_assert_msg(http_header(&r, "Content-Encoding", ce, sizeof ce) == NULL,
                  "gzip; q=0 got Content-Encoding %s", ce);
    ck_assert_ptr_nonnull(r.json); /* identity: the JSON itself */
    http_resp_free(&r);
    r = get_with("/openapi.json", "Accept-Encoding: gzip");
    ck_assert_msg(http_header(&r, "Content-Encoding", ce, sizeof ce) && strcmp(ce, "gzip") == 0,
                  "Accept-Encoding: gzip got no gzip");
    http_resp_free(&r);
    /* A small answer, but identity is excluded: gzip all the same. */
    r = get_with("/livez", "Accept-Encoding: identity;q=0, gzip");
    ck_assert_msg(r.status == 200 && http_header(&r, "Content-Encoding", ce, sizeof ce) &&
                  strcmp(ce, "gzip") == 0, "identity;q=0, gzip: %ld without gzip", r.status);
    http_resp_free(&r);
    r = get_with("/openapi.json", "Accept-Encoding: identity;q=0, br");
    expect_problem(&r, 406, "Accept-Encoding", "identity;q=0, br");
    http_resp_free(&r);
}
END_TEST

/* ---- 6: HTTP/1.1 framing -------------------------------------------------------------------- */

START_TEST(framing)
{
    http_resp plain = get_with("/v1/categories", NULL);
    ck_assert_int_eq(plain.status, 200);
    http_resp r = raw("GET http://127.0.0.1:%d/v1/categories HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                      "Connection: close\r\n\r\n", test_srv.port, test_srv.port);
    ck_assert_msg(r.status == 200 && strcmp(r.body, plain.body) == 0,
                  "absolute-form target: %ld %.200s", r.status, r.body);
    http_resp_free(&r);
    http_resp_free(&plain);
    r = raw("GET HTTP://127.0.0.1/v1/daily?to=2024-10-25 HTTP/1.1\r\nHost: x\r\n"
            "Connection: close\r\n\r\n");
    ck_assert_uint_eq(series_rows(&r, "absolute-form with a query"), 1);
    http_resp_free(&r);
    r = raw("GET /v1/categories HTTP/1.1\r\nConnection: close\r\n\r\n");
    expect_problem(&r, 400, "Host", "HTTP/1.1 without Host");
    http_resp_free(&r);
    r = raw("GET /v1/categories HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n"
            "Connection: close\r\n\r\n");
    expect_problem(&r, 400, "Host", "two Host lines");
    http_resp_free(&r);
    r = raw("GET /v1/categories HTTP/1.1\r\nHost: a.example/evil\r\nConnection: close\r\n\r\n");
    expect_problem(&r, 400, "Host", "Host with a slash");
    http_resp_free(&r);
    r = raw("GET /livez HTTP/1.1\r\nHost: [::1]\r\nConnection: close\r\n\r\n");
    ck_assert_msg(r.status == 200, "Host: [::1]: %ld %s", r.status, r.body);
    http_resp_free(&r);
    r = raw("GET /livez HTTP/1.0\r\n\r\n"); /* HTTP/1.0 needs no Host */
    ck_assert_msg(r.status == 200, "HTTP/1.0 without Host: %ld %s", r.status, r.body);
    http_resp_free(&r);
}
END_TEST

TCase *http_trust_tcase(void)
{
    TCase *tc = tcase_create("http_trust");
    tcase_add_unchecked_fixture(tc, setup, test_fixture_teardown);
    /* ~11,000 short requests on new connections: a few seconds; valgrind sends far fewer. */
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, cache_key);
    tcase_add_test(tc, many_parameters);
    tcase_add_test(tc, many_parameters_rss);
    tcase_add_test(tc, early_413);
    tcase_add_test(tc, negotiation);
    tcase_add_test(tc, framing);
    return tc;
}
