/* The response cache under concurrent hits (issue 15): a cached answer is sent from a reply
 * built once per entry and variant (200 identity, 200 gzip, 304), pointing at the entry's
 * bytes, and the entry is held until the request completes. With a cache so small that
 * entries are evicted all the time, four client threads ask a dozen URLs in every variant:
 * each answer must be the one the server gave first (status, ETag, body byte for byte),
 * whoever evicted what meanwhile; the server (under valgrind or ASan in those runs) must
 * report no error, and the evictions and hits must really have happened (/metrics). */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

TCase *http_cache_tcase(void);

#define CACHE_TOKEN "cache-token"
#define CACHE_REPORTS 40     /* a daily series of a few KB, gzip-compressed past 1 KiB */
#define CACHE_THREADS 4
#define CACHE_ROUNDS 60      /* per thread, each a URL in one of three variants */

static const char *const cache_env[] = {"ATTRITION_TOKEN=" CACHE_TOKEN,
                                        "ATTRITION_CACHE_BYTES=12000", NULL};

static const char *const urls[] = {
    "/v1/daily?category=personnel,tanks", "/v1/cumulative?category=personnel,tanks",
    "/v1/daily?from=2024-09-05&to=2024-09-30", "/v1/cumulative?from=2024-09-10",
    "/v1/daily/latest", "/v1/cumulative/latest", "/v1/categories", "/v1/records",
    "/v1/records/personnel?limit=5", "/v1/summary?group=week", "/v1/daily?format=csv",
    "/api/v2/statistics/latest"};
#define N_URLS (sizeof urls / sizeof urls[0])

/* The first answer of each URL: the reference every later one must equal. */
static struct {
    char *body;
    size_t len;
    char etag[64];
} ref[N_URLS];

static void setup(void)
{
    const char *const headers[] = {"Authorization: Bearer " CACHE_TOKEN,
                                   "Content-Type: application/json", NULL};
    ck_assert_int_eq(test_server_prepare(&test_srv), 0);
    ck_assert_int_eq(test_server_start(&test_srv, cache_env), 0);
    for (int i = 0; i < CACHE_REPORTS; i++) {
        char body[160];
        http_resp r;
        snprintf(body, sizeof body, "{\"date\": \"2024-09-%02d\", \"totals\": {\"personnel\": %d,"
                 " \"tanks\": %d}}", i % 30 + 1, 600000 + i * 1300, 8000 + i * 7);
        if (i >= 30) /* October too, for week and month boundaries */
            snprintf(body, sizeof body, "{\"date\": \"2024-10-%02d\", \"totals\": "
                     "{\"personnel\": %d, \"tanks\": %d}}", i - 29, 600000 + i * 1300, 8000 + i * 7);
        ck_assert_int_eq(http_request(&test_srv, "POST", "/v1/reports", headers, body, strlen(body),
                                      &r), 0);
        ck_assert_msg(r.status == 201, "POST report %d: %ld %s", i, r.status, r.body);
        http_resp_free(&r);
    }
    for (size_t u = 0; u < N_URLS; u++) {
        http_resp r;
        ck_assert_int_eq(http_get(&test_srv, urls[u], &r), 0);
        ck_assert_msg(r.status == 200, "GET %s: %ld %s", urls[u], r.status, r.body);
        ck_assert_msg(http_header(&r, "ETag", ref[u].etag, sizeof ref[u].etag) != NULL,
                      "GET %s: no ETag", urls[u]);
        ref[u].body = r.body;
        ref[u].len = r.len;
        r.body = NULL;
        http_resp_free(&r);
    }
}

static void teardown(void)
{
    for (size_t u = 0; u < N_URLS; u++) {
        free(ref[u].body);
        ref[u].body = NULL;
    }
    test_server_finish(&test_srv);
}

/* One client thread's tally: the first mismatch is kept for the report. */
typedef struct {
    unsigned seed;
    int done, bad;
    char first[512];
} client;

/* Checks one answer against the reference of url u in variant v (0 identity, 1 gzip,
 * 2 If-None-Match). Returns 0, or -1 with a description in why. */
static int check_answer(size_t u, int v, const http_resp *r, char *why, size_t len)
{
    char etag[64], want_tag[64], enc[32];
    long want = v == 2 ? 304 : 200;
    /* the gzip variant is tagged "<hash>-gz" (RFC 9110 §8.8.3: distinct bytes, distinct tags) */
    int gz = v == 1 && http_header(r, "Content-Encoding", enc, sizeof enc) && strcmp(enc, "gzip") == 0;
    if (gz)
        snprintf(want_tag, sizeof want_tag, "%.*s-gz\"", (int)strlen(ref[u].etag) - 1, ref[u].etag);
    else
        snprintf(want_tag, sizeof want_tag, "%s", ref[u].etag);
    if (r->status != want) {
        snprintf(why, len, "GET %s (variant %d): status %ld, want %ld", urls[u], v, r->status,
                 want);
        return -1;
    }
    if (!http_header(r, "ETag", etag, sizeof etag) || strcmp(etag, want_tag) != 0) {
        snprintf(why, len, "GET %s (variant %d): ETag %s, want %s", urls[u], v,
                 http_header(r, "ETag", etag, sizeof etag) ? etag : "(none)", want_tag);
        return -1;
    }
    if (v == 2)
        return r->len == 0 ? 0 : (snprintf(why, len, "GET %s: a 304 with a body", urls[u]), -1);
    size_t n = r->len;
    char *plain = NULL;
    if (gz && (plain = test_gunzip(r->body, r->len, &n)) == NULL) {
        snprintf(why, len, "GET %s: the gzip body does not inflate", urls[u]);
        return -1;
    }
    const char *got = plain ? plain : r->body;
    int ok = n == ref[u].len && memcmp(got, ref[u].body, n) == 0;
    if (!ok)
        snprintf(why, len, "GET %s (variant %d): %zu bytes that differ from the first answer's "
                 "%zu", urls[u], v, n, ref[u].len);
    free(plain);
    return ok ? 0 : -1;
}

static void *client_run(void *arg)
{
    client *c = arg;
    for (int i = 0; i < CACHE_ROUNDS; i++) {
        size_t u = (size_t)rand_r(&c->seed) % N_URLS;
        int v = rand_r(&c->seed) % 3;
        char inm[96];
        snprintf(inm, sizeof inm, "If-None-Match: %s", ref[u].etag);
        const char *const gz[] = {"Accept-Encoding: gzip", NULL};
        const char *const cond[] = {inm, NULL};
        http_resp r;
        char why[512];
        if (http_request(&test_srv, "GET", urls[u], v == 1 ? gz : v == 2 ? cond : NULL, NULL, 0,
                         &r) != 0) {
            snprintf(why, sizeof why, "GET %s (variant %d): no answer", urls[u], v);
        } else {
            int bad = check_answer(u, v, &r, why, sizeof why) != 0;
            http_resp_free(&r);
            if (!bad) {
                c->done++;
                continue;
            }
        }
        if (c->bad++ == 0)
            snprintf(c->first, sizeof c->first, "%s", why);
    }
    return NULL;
}

/* A counter of /metrics (the sum of its series), or -1. */
static long long metric(const char *name)
{
    http_resp r;
    long long sum = -1;
    if (http_get(&test_srv, "/metrics", &r) != 0)
        return -1;
    size_t nl = strlen(name);
    for (const char *p = r.body; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, name, nl) == 0 && (p[nl] == ' ' || p[nl] == '{')) {
            const char *sp = strchr(p, ' ');
            sum = (sum < 0 ? 0 : sum) + (sp ? atoll(sp + 1) : 0);
        }
    }
    http_resp_free(&r);
    return sum;
}

START_TEST(concurrent_hits_under_eviction)
{
    pthread_t t[CACHE_THREADS];
    client c[CACHE_THREADS];
    long long hits0 = metric("attrition_cache_hits_total");
    for (int i = 0; i < CACHE_THREADS; i++) {
        memset(&c[i], 0, sizeof c[i]);
        c[i].seed = 1234u + (unsigned)i;
        ck_assert_int_eq(pthread_create(&t[i], NULL, client_run, &c[i]), 0);
    }
    int done = 0;
    for (int i = 0; i < CACHE_THREADS; i++) {
        pthread_join(t[i], NULL);
        ck_assert_msg(c[i].bad == 0, "client %d: %d of %d answers wrong; first: %s", i, c[i].bad,
                      CACHE_ROUNDS, c[i].first);
        done += c[i].done;
    }
    ck_assert_int_eq(done, CACHE_THREADS * CACHE_ROUNDS);
    long long hits = metric("attrition_cache_hits_total") - hits0;
    long long bytes = metric("attrition_cache_bytes");
    /* Hits happened (the prebuilt replies were used) and the bound held (evictions). */
    ck_assert_msg(hits > 0, "no cache hit in %d requests", done);
    ck_assert_msg(bytes >= 0 && bytes <= 12000, "the cache holds %lld bytes, bound 12000", bytes);
}
END_TEST

TCase *http_cache_tcase(void)
{
    TCase *tc = tcase_create("http_cache");
    /* 40 POSTs and 240 GETs from 4 threads: about a second; under valgrind about a minute. */
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, concurrent_hits_under_eviction);
    return tc;
}
