/* Cache warming (server/warm.h) over real HTTP: after each POSTed report, once the publish
 * thread has warmed its data version (the "cache_warmed" log line: a write is answered at
 * install, before warming, server/publish.h), the first GET of every warmed answer is a
 * cache hit (attrition_cache_hits_total rises by one for that GET and
 * attrition_cache_misses_total not at all; /metrics itself is not cached), in identity and
 * then in gzip (attrition_cache_bytes unchanged: the gzip variants were warmed, not made on
 * the hit) and already shows the new report. Runs on a
 * fresh database (no dataset needed). */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

TCase *http_warm_tcase(void);

#define TOKEN "tok-warm-5bX2"
static const char *const env_token[] = {"ATTRITION_TOKEN=" TOKEN, NULL};

/* The value of an unlabelled counter in /metrics. */
static long long counter(const test_server *s, const char *name)
{
    http_resp r;
    ck_assert_int_eq(http_get(s, "/metrics", &r), 0);
    ck_assert_int_eq(r.status, 200);
    char want[128];
    snprintf(want, sizeof want, "\n%s ", name);
    const char *p = strstr(r.body, want);
    ck_assert_msg(p != NULL, "%s missing from /metrics", name);
    long long v = strtoll(p + strlen(want), NULL, 10);
    http_resp_free(&r);
    return v;
}

static void post_report(const test_server *s, const char *date, long personnel, long tanks)
{
    char body[256];
    snprintf(body, sizeof body, "{\"date\": \"%s\", \"totals\": {\"personnel\": %ld, "
             "\"tanks\": %ld}}", date, personnel, tanks);
    const char *h[] = {"Content-Type: application/json", "Authorization: Bearer " TOKEN, NULL};
    http_resp r;
    ck_assert_int_eq(http_request(s, "POST", "/v1/reports", h, body, strlen(body), &r), 0);
    ck_assert_msg(r.status == 201, "POST %s: %ld %s", date, r.status, r.body);
    http_resp_free(&r);
    char warmed[96];
    snprintf(warmed, sizeof warmed, "\"event\":\"cache_warmed\",\"data_version\":%lld,",
             test_data_version(s));
    ck_assert_msg(test_server_wait_log(s, warmed, 10000) == 0, "no %s in the log", warmed);
}

/* GETs every warmed URL once (after a report dated latest, whose Monday is monday and the
 * week before runs from prev_from to prev_to) and asserts each was a hit showing latest. */
static void expect_warm(const test_server *s, const char *latest, const char *monday,
                        const char *prev_from, const char *prev_to)
{
    char urls[64][128];
    size_t n = 0;
    const char *fixed[] = {"/v1/categories", "/v1/daily/latest", "/v1/cumulative/latest",
                           "/v1/records", "/v1/summary?group=month", "/v1/summary?group=year",
                           "/v1/daily?category=personnel",
                           "/v1/daily", "/v1/cumulative"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        snprintf(urls[n++], sizeof urls[0], "%s", fixed[i]);
    snprintf(urls[n++], sizeof urls[0], "/v1/summary?from=%s&to=%s", monday, latest);
    snprintf(urls[n++], sizeof urls[0], "/v1/summary?from=%s&to=%s", prev_from, prev_to);
    snprintf(urls[n++], sizeof urls[0], "/v1/records/personnel/%s?from=2022-04-01", latest);
    http_resp r;
    const char *gzip[] = {"Accept-Encoding: gzip", NULL};
    long long bytes0 = counter(s, "attrition_cache_bytes");
    /* Pass 0: identity, as the first GETs after the report; pass 1: gzip, as browsers ask. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            long long hits0 = counter(s, "attrition_cache_hits_total");
            long long miss0 = counter(s, "attrition_cache_misses_total");
            ck_assert_int_eq(http_request(s, "GET", urls[i], pass ? gzip : NULL, NULL, 0, &r), 0);
            ck_assert_msg(r.status == 200, "GET %s: %ld %s", urls[i], r.status, r.body);
            if (pass == 0 && i == 0) { /* then /v1/records/{id}?limit=10 for every category */
                json_t *cats = json_object_get(r.json, "categories");
                ck_assert_uint_gt(json_array_size(cats), 1);
                for (size_t k = 0; k < json_array_size(cats) && n < 64; k++)
                    snprintf(urls[n++], sizeof urls[0], "/v1/records/%s?limit=10",
                             json_string_value(json_object_get(json_array_get(cats, k), "id")));
            }
            if (pass == 0 && i == 1) {
                const char *d = json_string_value(json_object_get(r.json, "date"));
                ck_assert_msg(d && strcmp(d, latest) == 0, "daily/latest is %s, want %s", d,
                              latest);
            }
            http_resp_free(&r);
            long long hits = counter(s, "attrition_cache_hits_total") - hits0;
            long long misses = counter(s, "attrition_cache_misses_total") - miss0;
            ck_assert_msg(hits == 1 && misses == 0, "GET %s (%s) after the report dated %s: "
                          "%lld hits, %lld misses", urls[i], pass ? "gzip" : "identity", latest,
                          hits, misses);
        }
    /* The gzip variants were warmed too: a hit without one compresses and re-stores it. */
    long long bytes1 = counter(s, "attrition_cache_bytes");
    ck_assert_msg(bytes1 == bytes0, "the cache grew from %lld to %lld bytes: a gzip variant was "
                  "made on a hit, not warmed", bytes0, bytes1);
}

START_TEST(test_warm_after_post)
{
    test_server s;
    ck_assert_int_eq(test_server_prepare(&s), 0);
    ck_assert_int_eq(test_server_start(&s, env_token), 0);
    post_report(&s, "2024-10-24", 685000, 9080); /* a Thursday */
    expect_warm(&s, "2024-10-24", "2024-10-21", "2024-10-17", "2024-10-20");
    post_report(&s, "2024-10-28", 687000, 9110); /* a Monday: this week is one day */
    expect_warm(&s, "2024-10-28", "2024-10-28", "2024-10-27", "2024-10-27");
    ck_assert_int_eq(test_server_stop(&s), 0);
    test_server_cleanup(&s);
}
END_TEST

TCase *http_warm_tcase(void)
{
    TCase *tc = tcase_create("http_warm");
    tcase_set_timeout(tc, 120); /* Check's 4 s default is too short under valgrind */
    tcase_add_test(tc, test_warm_after_post);
    return tc;
}
