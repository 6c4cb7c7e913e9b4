/* Hostile input on every route: each request gets its exact 4xx status and a problem+json
 * body whose "status" is that status and whose "detail" says what was wrong (the
 * /api/v2/... routes answer their peer's {"message", "errors"} shape instead). Requests that
 * libcurl would tidy up (raw bytes, broken framing, oversized headers) go over a raw socket.
 * Errors found before routing (414, a %00 in the target, ambiguous framing) are problem+json
 * on every path, /api/v2 included. After each group the server still answers /livez, no
 * answer in its access log was a 5xx, and its data is unchanged: the same /v1/cumulative and
 * /v1/deployments bodies and ETags, and the same data version.
 *
 * A few answers come from libmicrohttpd itself, before our code sees the request, with an
 * HTML body we cannot change (marked MHD below): a request line or header block larger than
 * the 16 KiB connection pool (414 / 431), a Content-Length that is not a number (400) or
 * beyond any size (413), a chunk size that is not hex, a header line without a colon (400). */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "harness.h"

TCase *http_badinput_tcase(void);

#define BAD_TOKEN "badinput-token"
#define BAD_AUTH "Authorization: Bearer " BAD_TOKEN
#define BAD_JSON "Content-Type: application/json"
#define BAD_MAX_BODY 1048576 /* the server's default max_body */

static const char *const bad_env[] = {"ATTRITION_TOKEN=" BAD_TOKEN, NULL};

static int have_data;

/* What the data looked like before any hostile request (taken in setup). */
typedef struct data_state {
    char *cumulative, *deployments;
    char etag_cumulative[64], etag_deployments[64];
    long long version;
} data_state;
static data_state before;

static int sent; /* hostile requests sent by the current test */

enum shape { PROBLEM, V2, MHD };

static void data_state_take(data_state *d)
{
    http_resp r;
    ck_assert_int_eq(http_get(&test_srv, "/v1/cumulative", &r), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(http_header(&r, "ETag", d->etag_cumulative, sizeof d->etag_cumulative));
    d->cumulative = strdup(r.body);
    http_resp_free(&r);
    ck_assert_int_eq(http_get(&test_srv, "/v1/deployments", &r), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(http_header(&r, "ETag", d->etag_deployments, sizeof d->etag_deployments));
    d->deployments = strdup(r.body);
    http_resp_free(&r);
    ck_assert_int_eq(http_get(&test_srv, "/readyz", &r), 0);
    ck_assert_int_eq(r.status, 200);
    d->version = json_path_int(r.json, "data_version");
    http_resp_free(&r);
}

static void setup(void)
{
    have_data = test_server_start_dataset(&test_srv, "http_badinput (dataset-dependent checks)",
                                          bad_env);
    data_state_take(&before);
}

static void teardown(void)
{
    free(before.cumulative);
    free(before.deployments);
    test_server_finish(&test_srv);
}

/* The server still serves, and nothing the hostile requests sent was stored. Prints how many
 * hostile requests the test sent. */
static void still_serving_unchanged(const char *group)
{
    http_resp r;
    data_state now;
    ck_assert_int_eq(http_get(&test_srv, "/livez", &r), 0);
    ck_assert_int_eq(r.status, 200);
    http_resp_free(&r);
    data_state_take(&now);
    ck_assert_str_eq(now.etag_cumulative, before.etag_cumulative);
    ck_assert_str_eq(now.etag_deployments, before.etag_deployments);
    ck_assert_msg(strcmp(now.cumulative, before.cumulative) == 0, "/v1/cumulative changed");
    ck_assert_msg(strcmp(now.deployments, before.deployments) == 0, "/v1/deployments changed");
    ck_assert_int_eq(now.version, before.version);
    free(now.cumulative);
    free(now.deployments);
    /* No answer was a 5xx (the access log has a line per request). */
    char line[8192];
    FILE *f = fopen(test_srv.log, "r");
    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof line, f))
        ck_assert_msg(strstr(line, "\"status\":5") == NULL, "a 5xx answer: %.300s", line);
    fclose(f);
    printf("http_badinput: %s: %d hostile requests, all answered as expected\n", group, sent);
    fflush(stdout);
}

/* Asserts r has the given status and body shape; what names the request in messages. */
static void check_answer(const http_resp *r, long status, enum shape shape, const char *what)
{
    char ct[128];
    ck_assert_msg(r->status == status, "%s: status %ld, want %ld: %.300s", what, r->status,
                  status, r->body);
    if (shape == MHD) {
        ck_assert_msg(status >= 400 && status < 500, "%s: %ld is not a 4xx", what, status);
        return;
    }
    ck_assert_msg(http_header(r, "Content-Type", ct, sizeof ct) != NULL, "%s: no Content-Type", what);
    ck_assert_msg(r->json != NULL, "%s: the body is not JSON: %.300s", what, r->body);
    if (shape == PROBLEM) {
        const char *detail = json_string_value(json_object_get(r->json, "detail"));
        ck_assert_msg(strncmp(ct, "application/problem+json", 24) == 0, "%s: Content-Type %s",
                      what, ct);
        ck_assert_msg(json_path_int(r->json, "status") == status, "%s: \"status\" is not %ld: %s",
                      what, status, r->body);
        ck_assert_msg(detail != NULL && detail[0] != '\0', "%s: no detail: %s", what, r->body);
        ck_assert_ptr_nonnull(json_string_value(json_object_get(r->json, "title")));
    } else {
        json_t *errors = json_object_get(r->json, "errors");
        const char *key;
        json_t *list;
        ck_assert_msg(strncmp(ct, "application/json", 16) == 0, "%s: Content-Type %s", what, ct);
        ck_assert_ptr_nonnull(json_string_value(json_object_get(r->json, "message")));
        ck_assert_msg(json_object_size(errors) > 0, "%s: no errors: %s", what, r->body);
        json_object_foreach(errors, key, list) {
            ck_assert_msg(json_array_size(list) > 0, "%s: errors.%s is empty", what, key);
            ck_assert_ptr_nonnull(json_string_value(json_array_get(list, 0)));
        }
    }
}

/* One request through libcurl; asserts its answer. headers: NULL-terminated or NULL.
 * Returns the response (the caller frees it) for further checks. */
static http_resp expect_req(const char *method, const char *path, const char *const *headers,
                            const char *body, size_t len, long status, enum shape shape)
{
    http_resp r;
    char what[160];
    snprintf(what, sizeof what, "%s %.120s", method, path);
    ck_assert_msg(http_request(&test_srv, method, path, headers, body, len, &r) == 0,
                  "%s: no answer (transport error)", what);
    check_answer(&r, status, shape, what);
    sent++;
    return r;
}

static void expect(const char *method, const char *path, long status, enum shape shape)
{
    http_resp r = expect_req(method, path, NULL, NULL, 0, status, shape);
    http_resp_free(&r);
}

static void expect_get(const char *path, long status)
{
    expect("GET", path, status, PROBLEM);
}

static void expect_v2(const char *path, long status)
{
    expect("GET", path, status, V2);
}

/* A body sent with headers (Content-Type, Authorization, ...). */
static void expect_body(const char *method, const char *path, const char *const *headers,
                        const char *body, size_t len, long status)
{
    http_resp r = expect_req(method, path, headers, body, len, status, PROBLEM);
    http_resp_free(&r);
}

/* ---- raw sockets ------------------------------------------------------------------------ */

/* A raw exchange (harness.h: http_raw), 60 s at most between reads (valgrind). */
static int raw_exchange(const char *bytes, size_t len, http_resp *out)
{
    return http_raw(&test_srv, bytes, len, 60000, out);
}

static void expect_raw(const char *what, const char *bytes, size_t len, long status,
                       enum shape shape)
{
    http_resp r;
    ck_assert_msg(raw_exchange(bytes, len, &r) == 0, "%s: no HTTP answer", what);
    check_answer(&r, status, shape, what);
    http_resp_free(&r);
    sent++;
}

/* "GET <target> HTTP/1.1" with Host and Connection: close, then expect_raw. */
static void expect_raw_get(const char *what, const char *target, long status, enum shape shape)
{
    char *req = NULL;
    int n = asprintf(&req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                     target);
    ck_assert_int_gt(n, 0);
    expect_raw(what, req, (size_t)n, status, shape);
    free(req);
}

/* n copies of c, NUL-terminated (caller frees). */
static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    ck_assert_ptr_nonnull(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* ---- the tests -------------------------------------------------------------------------- */

START_TEST(dates)
{
    sent = 0;
    expect_get("/v1/cumulative/2024-02-30", 400);
    expect_get("/v1/cumulative/2024-13-01", 400);
    expect_get("/v1/cumulative/yesterday", 400);
    expect_get("/v1/cumulative/10000-01-01", 400);
    expect_get("/v1/cumulative/9999-12-31", 404);   /* a real day, far future: no report */
    expect_get("/v1/cumulative/0001-01-01", 404);   /* far past */
    expect_get("/v1/daily/2024-2-1", 400);
    expect_get("/v1/daily/2024-00-10", 400);
    expect_get("/v1/daily/2024-10-25T00:00:00Z", 400);
    expect_get("/v1/cumulative?from=2024-02-30", 400);
    expect_get("/v1/cumulative?to=yesterday", 400);
    expect_get("/v1/cumulative?from=%2B2024-01-01", 400);
    expect_get("/v1/daily?from=2024-10-25&to=2024-10-01", 400); /* from after to */
    expect_get("/v1/daily?limit=5&cursor=2024-02-30", 400);
    expect_get("/v1/records?to=2024-02-30", 400);
    expect_get("/v1/records/personnel?from=10000-01-01", 400);
    expect_get("/v1/records/personnel/2024-13-01", 400);
    expect_get("/v1/records/personnel/2024-10-25?from=2024-10-26", 400);
    expect_get("/v1/summary?from=2024-02-30", 400);
    expect_get("/v1/summary?from=2024-10-25&to=2022-02-24", 400);
    expect_get("/v1/reports/2023-02-29", 400);      /* 2023 is not a leap year */
    expect_get("/v1/reports/yesterday/history", 400);
    expect_get("/v1/reports/9999-12-31", 404);
    expect_get("/v1/deployments?from=10000-01-01", 400);
    expect_get("/v1/deployments?to=1969-12-31", 400);
    still_serving_unchanged("dates");
}
END_TEST

START_TEST(integers)
{
    sent = 0;
    expect_get("/v1/daily?limit=99999999999999999999", 400);
    expect_get("/v1/daily?limit=-1", 400);
    expect_get("/v1/cumulative?limit=1.5", 400);
    expect_get("/v1/cumulative?limit=1e3", 400);
    expect_get("/v1/cumulative?limit=%2B5", 400);
    expect_get("/v1/daily?limit=", 400);
    expect_get("/v1/daily?limit=0", 400);
    expect_get("/v1/daily?limit=0x10", 400);
    expect_get("/v1/daily?limit=%205", 400);
    expect_get("/v1/records/personnel?limit=0", 400);
    expect_get("/v1/records/personnel?limit=1001", 400);
    expect_get("/v1/records/personnel?limit=99999999999999999999", 400);
    expect_get("/v1/records/personnel?limit=-0", 400);
    expect_get("/v1/deployments/99999999999999999999", 400);
    expect_get("/v1/deployments/-1", 400);
    expect_get("/v1/deployments/1.5", 400);
    expect_get("/v1/deployments/1e3", 400);
    expect_get("/v1/deployments/0", 400);
    expect_get("/v1/deployments/%2B5", 400);
    expect_get("/v1/deployments/999999999", 404);
    still_serving_unchanged("integers");
}
END_TEST

START_TEST(categories_countries_formats)
{
    sent = 0;
    expect_get("/v1/records/no_such_category", 404);
    expect_get("/v1/records/no_such_category/2024-10-25", 404);
    expect_get("/v1/records/PERSONNEL", 404);                  /* ids are case-sensitive */
    expect_get("/v1/daily?category=personnel,bogus", 400);
    expect_get("/v1/cumulative?category=,,", 400);
    expect_get("/v1/cumulative/latest?category=tanks%3Bdrop", 400);
    expect_get("/v1/records?category=bogus", 400);
    expect_get("/v1/summary?category=bogus", 400);
    expect_get("/v1/summary?group=decade", 400);
    expect_get("/v1/summary?group=", 400);
    expect_get("/v1/cumulative?format=xml", 400);
    expect_get("/v1/deployments?country=XX", 400);             /* not assigned */
    expect_get("/v1/deployments?country=kp", 400);             /* codes are upper case */
    expect_get("/v1/deployments?deployed_to=RUS", 400);
    expect_get("/v1/deployments?country=", 400);
    expect_get("/v1/deployments/summary?country=KP", 400);     /* deployed_to missing */
    expect_get("/v1/deployments/summary?country=ZZ&deployed_to=RU", 400);
    expect_get("/v1/deployments/summary?country=KP&deployed_to=KP", 400);
    still_serving_unchanged("categories, countries, formats");
}
END_TEST

/* Invalid UTF-8 and NUL bytes, %-encoded in paths and query values. */
START_TEST(encodings)
{
    sent = 0;
    expect_get("/v1/cumulative/%FF", 400);
    expect_get("/v1/records/%FF", 404);
    expect_get("/v1/records/%C0%AF", 404);                     /* overlong "/" */
    expect_get("/v1/daily?category=%FF", 400);
    expect_get("/v1/daily?category=personnel%FF", 400);
    expect_get("/v1/records/personnel?from=%ED%A0%80", 400);  /* a surrogate */
    expect_get("/v1/deployments?country=%FF%FE", 400);
    expect_get("/v1/reports/%F5%80%80%80", 400);               /* above U+10FFFF */
    expect_get("/v1/cumulative/%00", 400);
    expect_get("/v1/cumulative/2024-10-25%00", 400);
    expect_get("/v1/daily?category=%00", 400);
    expect_get("/v1/daily?category=personnel%00tanks", 400);
    expect_get("/v1/records?from=%00", 400);
    expect_get("/api/v2/statistics?date_from=%00", 400);       /* refused before routing */
    /* The detail quotes the bad byte, escaped, so that it still names it. */
    http_resp r = expect_req("GET", "/v1/daily?category=ab%FFcd", NULL, NULL, 0, 400, PROBLEM);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(r.json, "detail")),
                                 "ab\\xFFcd"));
    http_resp_free(&r);
    expect_v2("/api/v2/statistics/%FF", 422);
    expect_v2("/api/v2/terms/%FF", 404);
    expect_v2("/api/v2/statistics?date_to=%C3%28", 422);
    /* Raw bytes in the request line, which libcurl would escape. */
    expect_raw_get("raw 0xFF in the path", "/v1/cumulative/\xff\xfe", 400, PROBLEM);
    expect_raw_get("raw 0xFF in a query value", "/v1/daily?category=\xff", 400, PROBLEM);
    expect_raw("raw NUL in the path",
               "GET /v1/cumulative/2024\0-10-25 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
               sizeof "GET /v1/cumulative/2024\0-10-25 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" - 1,
               400, PROBLEM);
    still_serving_unchanged("encodings");
}
END_TEST

/* The peer's error shape on /api/v2/...: 422 invalid, 404 not found. */
START_TEST(compat_v2)
{
    sent = 0;
    expect_v2("/api/v2/statistics/2024-02-30", 422);
    expect_v2("/api/v2/statistics/yesterday", 422);
    expect_v2("/api/v2/statistics/10000-01-01", 422);
    expect_v2("/api/v2/statistics/9999-12-31", 422); /* the peer: no report yet */
    expect_v2("/api/v2/statistics?limit=abc", 422);
    expect_v2("/api/v2/statistics?limit=99999999999999999999", 422);
    expect_v2("/api/v2/statistics?limit=1.5", 422);
    expect_v2("/api/v2/statistics?limit=0", 422);
    expect_v2("/api/v2/statistics?offset=-1", 422);
    expect_v2("/api/v2/statistics?offset=1e3", 422);
    expect_v2("/api/v2/statistics?date_from=2024-13-01", 422);
    expect_v2("/api/v2/statistics?date_from=2024-10-25&date_to=2024-10-01", 422);
    expect_v2("/api/v2/terms/fr", 404);
    expect_v2("/api/v2/terms/EN", 404);
    still_serving_unchanged("compat v2");
}
END_TEST

START_TEST(methods_and_paths)
{
    char allow[128];
    sent = 0;
    http_resp r = expect_req("PATCH", "/v1/categories", NULL, NULL, 0, 405, PROBLEM);
    ck_assert_str_eq(http_header(&r, "Allow", allow, sizeof allow), "GET, HEAD, OPTIONS");
    http_resp_free(&r);
    r = expect_req("TRACE", "/v1/cumulative", NULL, NULL, 0, 405, PROBLEM);
    ck_assert_str_eq(http_header(&r, "Allow", allow, sizeof allow), "GET, HEAD, OPTIONS");
    http_resp_free(&r);
    r = expect_req("FOO", "/livez", NULL, NULL, 0, 405, PROBLEM);
    ck_assert_ptr_nonnull(http_header(&r, "Allow", allow, sizeof allow));
    http_resp_free(&r);
    r = expect_req("DELETE", "/v1/reports/2024-10-25", NULL, NULL, 0, 405, PROBLEM);
    ck_assert_str_eq(http_header(&r, "Allow", allow, sizeof allow), "GET, HEAD, PUT, OPTIONS");
    http_resp_free(&r);
    r = expect_req("PATCH", "/v1/deployments/1", NULL, NULL, 0, 405, PROBLEM);
    ck_assert_str_eq(http_header(&r, "Allow", allow, sizeof allow),
                     "GET, HEAD, PUT, DELETE, OPTIONS");
    http_resp_free(&r);
    expect("POST", "/v1/cumulative/latest", 405, PROBLEM);
    expect("PUT", "/api/v2/war-info", 405, PROBLEM);
    expect("get", "/livez", 405, PROBLEM);                      /* methods are case-sensitive */
    expect_get("/v1/nowhere", 404);
    expect_get("/v1/cumulative//", 404); /* one trailing slash is ignored (route.c), two not */
    expect_get("//v1/categories", 404);
    expect_get("/v1/../v1/categories", 404);
    expect_get("/v1/records/personnel/2024-10-25/extra", 404);
    /* RFC 9112 §3.2.2: an origin server accepts the absolute form, routed by its path. */
    static const char absolute[] = "GET http://127.0.0.1/livez HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                   "Connection: close\r\n\r\n";
    http_resp abs;
    ck_assert_int_eq(raw_exchange(absolute, sizeof absolute - 1, &abs), 0);
    const char *alive = json_string_value(json_object_get(abs.json, "status"));
    ck_assert_msg(abs.status == 200 && alive && strcmp(alive, "alive") == 0,
                  "absolute-form target: %ld %.300s", abs.status, abs.body);
    http_resp_free(&abs);
    sent++;
    expect_raw_get("asterisk target", "*", 404, PROBLEM);
    still_serving_unchanged("methods and paths");
}
END_TEST

/* Request targets and headers over the limits. */
START_TEST(sizes)
{
    sent = 0;
    char *q = repeat('a', 2100), *path = NULL;
    ck_assert_int_gt(asprintf(&path, "/v1/categories?x=%s", q), 0);
    expect_get(path, 414);                                     /* query counts too */
    free(path);
    ck_assert_int_gt(asprintf(&path, "/v1/%s", q), 0);
    expect_get(path, 414);
    free(path);
    ck_assert_int_gt(asprintf(&path, "/api/v2/statistics?limit=%s", q), 0);
    expect_get(path, 414);
    free(path);
    free(q);
    /* A target of exactly 2048 bytes with a browser's headers (~1.5 KB) fits in the 16 KiB
     * connection pool and is answered; one byte more is 414. */
    static const char browser[] =
        "Host: 127.0.0.1\r\n"
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36\r\n"
        "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
        "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7\r\n"
        "Accept-Language: uk-UA,uk;q=0.9,en-US;q=0.8,en;q=0.7\r\n"
        "Accept-Encoding: gzip, deflate, br, zstd\r\n"
        "Referer: https://example.org/dashboards/losses?from=2022-02-24&to=2026-08-08\r\n"
        "Cookie: session=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef; "
        "_ga=GA1.1.1234567890.1700000000; _ga_ABCDEF=GS1.1.1700000000.1.1.1700000000.0.0.0; "
        "prefs=%7B%22theme%22%3A%22dark%22%2C%22lang%22%3A%22uk%22%2C%22units%22%3A%22metric"
        "%22%7D; consent=analytics%3Dno%3Bmarketing%3Dno; "
        "csrftoken=abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghij\r\n"
        "Sec-Fetch-Dest: document\r\nSec-Fetch-Mode: navigate\r\nSec-Fetch-Site: same-origin\r\n"
        "Sec-Ch-Ua: \"Chromium\";v=\"126\", \"Google Chrome\";v=\"126\", \"Not-A.Brand\";v=\"8\"\r\n"
        "Upgrade-Insecure-Requests: 1\r\nCache-Control: max-age=0\r\nConnection: close\r\n";
    q = repeat('a', 2048 - strlen("/v1/categories?x="));
    char *req = NULL;
    int n = asprintf(&req, "GET /v1/categories?x=%s HTTP/1.1\r\n%s\r\n", q, browser);
    ck_assert_int_gt(n, 0);
    http_resp r;
    ck_assert_int_eq(raw_exchange(req, (size_t)n, &r), 0);
    ck_assert_msg(r.status == 200, "2048-byte target, browser headers: %ld %s", r.status, r.body);
    http_resp_free(&r);
    free(req);
    n = asprintf(&req, "GET /v1/categories?x=%sa HTTP/1.1\r\n%s\r\n", q, browser);
    ck_assert_int_gt(n, 0);
    expect_raw("2049-byte target, browser headers", req, (size_t)n, 414, PROBLEM);
    free(req);
    free(q);
    /* Over the 16 KiB a head may take of the 24 KiB connection pool: our own answers
     * (issue 18); far beyond the pool (1000 headers, 40 KB), libmicrohttpd's (MHD). */
    q = repeat('a', 20000);
    ck_assert_int_gt(asprintf(&path, "/v1/%s", q), 0);
    expect_raw_get("20 KB request line", path, 414, PROBLEM);
    free(path);
    n = asprintf(&req, "GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\nConnection: close\r\n\r\n", q);
    ck_assert_int_gt(n, 0);
    expect_raw("20 KB header", req, (size_t)n, 431, PROBLEM);
    free(req);
    free(q);
    /* Many headers, each small. */
    q = malloc(40 * 1000 + 1);
    ck_assert_ptr_nonnull(q);
    q[0] = '\0';
    for (int i = 0; i < 1000; i++)
        snprintf(q + strlen(q), 41, "X-H%04d: %s\r\n", i, "aaaaaaaaaaaaaaaaaaaaaaaa");
    n = asprintf(&req, "GET /livez HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n", q);
    ck_assert_int_gt(n, 0);
    expect_raw("1000 headers", req, (size_t)n, 431, MHD);
    free(req);
    free(q);
    still_serving_unchanged("sizes");
}
END_TEST

/* Bodies of POST/PUT: size, JSON shape, media type, framing. */
START_TEST(bodies)
{
    const char *const json_auth[] = {BAD_AUTH, BAD_JSON, NULL};
    const char *const chunked[] = {BAD_AUTH, BAD_JSON, "Transfer-Encoding: chunked", NULL};
    /* An over-long Content-Length is refused once the headers are read, and the connection
     * closed: a client still uploading may see that close before it reads the 413 (a race,
     * far likelier under valgrind). Such clients send Expect: 100-continue, and so do these
     * requests; the refusal without Expect is checked headers-only in http_trust. */
    const char *const auth_expect[] = {BAD_AUTH, BAD_JSON, "Expect: 100-continue", NULL};
    const char *const json_expect[] = {BAD_JSON, "Expect: 100-continue", NULL};
    sent = 0;
    char *big = repeat(' ', BAD_MAX_BODY + 1);
    big[0] = '{';
    expect_body("POST", "/v1/reports", auth_expect, big, BAD_MAX_BODY + 1, 413);
    expect_body("POST", "/v1/reports", json_expect, big, BAD_MAX_BODY + 1, 413); /* before auth */
    expect_body("POST", "/v1/reports", chunked, big, BAD_MAX_BODY + 1, 413);
    expect_body("POST", "/v1/deployments", auth_expect, big, BAD_MAX_BODY + 1, 413);
    expect_body("PUT", "/v1/reports/2024-10-25", auth_expect, big, BAD_MAX_BODY + 1, 413);
    free(big);
    static const char expect_big[] = "POST /v1/reports HTTP/1.1\r\nHost: x\r\n" BAD_AUTH "\r\n"
        BAD_JSON "\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n";
    expect_raw("Expect: 100-continue with 2 MB announced", expect_big, sizeof expect_big - 1,
               413, PROBLEM);

    char *deep = repeat('[', 100000);
    expect_body("POST", "/v1/reports", json_auth, deep, 100000, 400);
    expect_body("POST", "/v1/deployments", json_auth, deep, 100000, 400);
    free(deep);
    char *huge = repeat('a', 900000), *body = NULL;
    int n = asprintf(&body, "{\"date\": \"%s\", \"totals\": {\"personnel\": 1}}", huge);
    ck_assert_int_gt(n, 0);
    expect_body("POST", "/v1/reports", json_auth, body, (size_t)n, 422);
    free(body);
    n = asprintf(&body, "{\"date\": \"2024-10-25\", \"totals\": {\"%s\": 1}}", huge);
    ck_assert_int_gt(n, 0);
    expect_body("POST", "/v1/reports", json_auth, body, (size_t)n, 422);
    free(body);
    n = asprintf(&body, "{\"country\": \"KP\", \"deployed_to\": \"RU\", \"figure\": 1, \"kind\": "
                 "\"reported\", \"as_of\": \"2024-10-23\", \"source\": {\"name\": \"x\"}, "
                 "\"description\": \"%s\"}", huge);
    ck_assert_int_gt(n, 0);
    expect_body("POST", "/v1/deployments", json_auth, body, (size_t)n, 422);
    free(body);
    free(huge);

#define BODY(method, path, headers, text, status) \
    expect_body(method, path, headers, text, sizeof text - 1, status)
    BODY("POST", "/v1/reports", json_auth,
         "{\"date\": \"2024-10-25\", \"date\": \"2024-10-26\", \"totals\": {\"tanks\": 1}}", 422);
    BODY("POST", "/v1/reports", json_auth,
         "{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": 1, \"tanks\": 2}}", 422);
    BODY("POST", "/v1/reports", json_auth, "[{\"date\": \"2024-10-25\"}]", 400);
    BODY("POST", "/v1/reports", json_auth, "{\"date\": \"2024-10-25\", \"totals\": ", 400);
    BODY("POST", "/v1/reports", json_auth, "{\"date\": \"2024-10-25\", \"totals\": {\"\xff\": 1}}", 400);
    BODY("POST", "/v1/reports", json_auth, "{\"date\": \"2024-10-25\\u0000\", \"totals\": {}}", 400);
    BODY("POST", "/v1/reports", json_auth, "{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": 1.5}}", 422);
    BODY("POST", "/v1/reports", json_auth, "{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": 1e3}}", 422);
    BODY("POST", "/v1/reports", json_auth,
         "{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": 99999999999999999999}}", 422);
    BODY("POST", "/v1/reports", json_auth, "{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": -1}}", 422);
    BODY("POST", "/v1/reports", json_auth, "{\"date\": \"10000-01-01\", \"totals\": {\"tanks\": 1}}", 422);
    BODY("POST", "/v1/reports", json_auth, "{\"date\": \"9999-12-31\", \"totals\": {\"tanks\": 1}}", 422);
    BODY("POST", "/v1/reports", json_auth, "{\"date\": \"1900-01-01\", \"totals\": {\"tanks\": 1}}", 422);
    BODY("POST", "/v1/reports", json_auth, "{\"date\": \"2024-02-30\", \"totals\": {\"tanks\": 1}}", 422);
    BODY("POST", "/v1/reports", json_auth, "{\"totals\": {\"tanks\": 1}}", 422);
    expect_body("POST", "/v1/reports", json_auth, NULL, 0, 400);         /* no body */
    BODY("PUT", "/v1/reports/2024-10-26", json_auth,
         "{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": 1}}", 422);
    BODY("PUT", "/v1/reports/yesterday", json_auth, "{}", 400);
    BODY("PUT", "/v1/deployments/abc", json_auth, "{}", 400);
    BODY("POST", "/v1/deployments", json_auth,
         "{\"country\": \"KP\", \"country\": \"KP\", \"deployed_to\": \"RU\"}", 400);
    BODY("POST", "/v1/deployments", json_auth,
         "{\"country\": \"KP\", \"deployed_to\": \"RU\", \"figure\": -1, \"kind\": \"reported\", "
         "\"as_of\": \"2024-10-23\", \"source\": {\"name\": \"x\"}}", 422);
    BODY("POST", "/v1/deployments", json_auth,
         "{\"country\": \"XX\", \"deployed_to\": \"RU\", \"figure\": 1, \"kind\": \"reported\", "
         "\"as_of\": \"2024-10-23\", \"source\": {\"name\": \"x\"}}", 422);
    BODY("POST", "/v1/deployments", json_auth,
         "{\"country\": \"KP\", \"deployed_to\": \"RU\", \"figure\": 99999999999999999999, "
         "\"kind\": \"reported\", \"as_of\": \"2024-10-23\", \"source\": {\"name\": \"x\"}}", 400);

    /* Wrong media types: 415. */
    const char *const xml[] = {BAD_AUTH, "Content-Type: application/xml", NULL};
    const char *const form[] = {BAD_AUTH, "Content-Type: application/x-www-form-urlencoded", NULL};
    const char *const none[] = {BAD_AUTH, "Content-Type:", NULL};
    const char *const latin1[] = {BAD_AUTH, "Content-Type: application/json; charset=latin1", NULL};
    BODY("POST", "/v1/reports", xml, "<report/>", 415);
    BODY("POST", "/v1/reports", form, "date=2024-10-25", 415);
    BODY("POST", "/v1/reports", none, "{}", 415);
    BODY("POST", "/v1/reports", latin1, "{}", 415);
    BODY("POST", "/v1/deployments", xml, "<estimate/>", 415);
    BODY("PUT", "/v1/deployments/1", form, "figure=1", 415);
    const char *const text[] = {BAD_AUTH, "Content-Type: text/plain", NULL};
    BODY("POST", "/v1/reports", text, "hello", 422);                    /* not a post */
    BODY("POST", "/v1/reports", text, "to 25.10.2024\n\xff\xfe", 400);  /* not UTF-8 */

    /* Chunked bodies are read: one whose content is invalid gets the content's 422... */
    BODY("POST", "/v1/reports", chunked,
         "{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": -5}}", 422);
    static const char raw_chunked[] = "POST /v1/reports HTTP/1.1\r\nHost: x\r\n" BAD_AUTH "\r\n"
        BAD_JSON "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        "10\r\n{\"date\": \"2024-1\r\n"
        "1;ext=1\r\n0\r\n"
        "1E\r\n-25\", \"totals\": {\"tanks\": -5}}\r\n"
        "0\r\n\r\n";
    expect_raw("chunked body in three chunks", raw_chunked, sizeof raw_chunked - 1, 422, PROBLEM);
    /* ... and the same report as stored is accepted, unchanged (200, nothing written). */
    if (have_data) {
        http_resp r;
        ck_assert_int_eq(http_get(&test_srv, "/v1/reports/2024-10-25", &r), 0);
        ck_assert_int_eq(r.status, 200);
        json_t *same = json_pack("{s:s, s:O, s:O}", "date", "2024-10-25", "totals",
                                 json_object_get(r.json, "totals"), "qualifiers",
                                 json_object_get(r.json, "qualifiers"));
        char *text_same = json_dumps(same, JSON_COMPACT);
        http_resp_free(&r);
        ck_assert_int_eq(http_request(&test_srv, "POST", "/v1/reports", chunked, text_same,
                                      strlen(text_same), &r), 0);
        ck_assert_msg(r.status == 200, "chunked resend: %ld %s", r.status, r.body);
        http_resp_free(&r);
        free(text_same);
        json_decref(same);
    }
    /* Broken framing, refused before the body is read. */
    static const char te_gzip[] = "POST /v1/reports HTTP/1.1\r\nHost: x\r\n" BAD_AUTH "\r\n"
        BAD_JSON "\r\nTransfer-Encoding: gzip\r\n\r\n{}";
    expect_raw("Transfer-Encoding: gzip", te_gzip, sizeof te_gzip - 1, 400, PROBLEM);
    static const char cl_te[] = "POST /v1/reports HTTP/1.1\r\nHost: x\r\n" BAD_AUTH "\r\n"
        BAD_JSON "\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
        "2\r\n{}\r\n0\r\n\r\n";
    expect_raw("Content-Length with Transfer-Encoding", cl_te, sizeof cl_te - 1, 400, PROBLEM);
    static const char cl_twice[] = "POST /v1/reports HTTP/1.1\r\nHost: x\r\n" BAD_AUTH "\r\n"
        BAD_JSON "\r\nContent-Length: 2\r\nContent-Length: 30\r\n\r\n{}";
    expect_raw("two Content-Length headers", cl_twice, sizeof cl_twice - 1, 400, PROBLEM);
    /* Framing libmicrohttpd refuses itself (MHD). */
    static const char cl_neg[] = "POST /v1/reports HTTP/1.1\r\nHost: x\r\n" BAD_JSON
        "\r\nContent-Length: -5\r\n\r\n{}";
    expect_raw("Content-Length: -5", cl_neg, sizeof cl_neg - 1, 400, MHD);
    static const char cl_junk[] = "POST /v1/reports HTTP/1.1\r\nHost: x\r\n" BAD_JSON
        "\r\nContent-Length: abc\r\n\r\n{}";
    expect_raw("Content-Length: abc", cl_junk, sizeof cl_junk - 1, 400, MHD);
    static const char cl_huge[] = "POST /v1/reports HTTP/1.1\r\nHost: x\r\n" BAD_JSON
        "\r\nContent-Length: 99999999999999999999\r\n\r\n{}";
    expect_raw("Content-Length: 99999999999999999999", cl_huge, sizeof cl_huge - 1, 413, MHD);
    static const char bad_chunk[] = "POST /v1/reports HTTP/1.1\r\nHost: x\r\n" BAD_AUTH "\r\n"
        BAD_JSON "\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n";
    expect_raw("chunk size zz", bad_chunk, sizeof bad_chunk - 1, 400, MHD);
    static const char no_colon[] = "GET /livez HTTP/1.1\r\nHost: x\r\nGarbage\r\n\r\n";
    expect_raw("header line without a colon", no_colon, sizeof no_colon - 1, 400, MHD);
#undef BODY
    still_serving_unchanged("bodies");
}
END_TEST

/* Writes with a malformed or wrong Authorization: 401 with WWW-Authenticate: Bearer. */
START_TEST(authorization)
{
    static const char report[] = "{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": 1}}";
    char *ten_k = repeat('x', 10 * 1024), *long_auth = NULL, www[128];
    ck_assert_int_gt(asprintf(&long_auth, "Authorization: Bearer %s", ten_k), 0);
    const char *const cases[][3] = {
        {BAD_JSON, NULL, NULL},
        {BAD_JSON, "Authorization: Bearer", NULL},
        {BAD_JSON, "Authorization: Bearer ", NULL},
        {BAD_JSON, "Authorization: Basic eHh4Onl5eQ==", NULL},
        {BAD_JSON, "Authorization: Bearer  " BAD_TOKEN " ", NULL},
        {BAD_JSON, "Authorization: Bearer " BAD_TOKEN "x", NULL},
        {BAD_JSON, "Authorization: Bearer " "badinput-toke", NULL},
        {BAD_JSON, "Authorization: Token " BAD_TOKEN, NULL},
        {BAD_JSON, "Authorization: " BAD_TOKEN, NULL},
        {BAD_JSON, long_auth, NULL},
    };
    sent = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        http_resp r = expect_req("POST", "/v1/reports", cases[i], report, sizeof report - 1,
                                 401, PROBLEM);
        ck_assert_ptr_nonnull(http_header(&r, "WWW-Authenticate", www, sizeof www));
        ck_assert_int_eq(strncmp(www, "Bearer", 6), 0);
        http_resp_free(&r);
    }
    const char *const wrong[] = {BAD_JSON, "Authorization: Bearer wrong", NULL};
    expect_body("PUT", "/v1/reports/2024-10-25", wrong, report, sizeof report - 1, 401);
    expect_body("DELETE", "/v1/deployments/1", NULL, NULL, 0, 401);
    expect_body("DELETE", "/v1/deployments/1", wrong, NULL, 0, 401);
    expect_body("POST", "/v1/deployments", wrong, "{}", 2, 401);
    expect_body("PUT", "/v1/deployments/1", wrong, "{}", 2, 401);
    free(long_auth);
    free(ten_k);
    still_serving_unchanged("authorization");
}
END_TEST

TCase *http_badinput_tcase(void)
{
    TCase *tc = tcase_create("http_badinput");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    /* ~200 requests, a few with 1 MiB bodies: a few seconds; under valgrind far more. */
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, dates);
    tcase_add_test(tc, integers);
    tcase_add_test(tc, categories_countries_formats);
    tcase_add_test(tc, encodings);
    tcase_add_test(tc, compat_v2);
    tcase_add_test(tc, methods_and_paths);
    tcase_add_test(tc, sizes);
    tcase_add_test(tc, bodies);
    tcase_add_test(tc, authorization);
    return tc;
}
