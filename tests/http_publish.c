/* The publish path (server/publish.h) over real HTTP: no read waits for a write. The server
 * runs one worker thread (so a write and the reads share it) and holds every publication
 * ATTRITION_TEST_PUBLISH_DELAY_MS in the publish thread. While a POST waits there:
 *   - reads on new connections complete fast (well under the hold) and show the old data;
 *   - the POST's answer arrives only after the hold (its change installed), and a GET sent
 *     after it sees the new report (read-your-writes);
 * then the same for a PUT of that report and a deployment write.
 * On code that publishes on the writer's worker thread the reads would wait for the whole
 * write; on code without the publish thread the POST would answer before the hold. */
#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

TCase *http_publish_tcase(void);

#define TOKEN "tok-publish-3kQ9"
/* The hold, and the most a read may take meanwhile: 1.5 s and 0.6 s, or under
 * $ATTRITION_WRAPPER (valgrind: everything ~50 times slower) 8 s and 3 s. */
static long hold_ms, read_max_ms;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* One write run on its own thread. */
typedef struct write_job {
    const test_server *s;
    const char *method, *path, *body;
    long status;           /* the answer's, 0: no answer */
    double ms;             /* how long the answer took */
    volatile int done;
} write_job;

static void *run_write(void *arg)
{
    write_job *j = arg;
    const char *h[] = {"Content-Type: application/json", "Authorization: Bearer " TOKEN, NULL};
    http_resp r;
    double t0 = now_ms();
    if (http_request(j->s, j->method, j->path, h, j->body, strlen(j->body), &r) == 0) {
        j->status = r.status;
        http_resp_free(&r);
    }
    j->ms = now_ms() - t0;
    j->done = 1;
    return NULL;
}

/* The date of /v1/daily/latest into out ("none" on 404). */
static void latest_date(const test_server *s, char out[16])
{
    http_resp r;
    ck_assert_int_eq(http_get(s, "/v1/daily/latest", &r), 0);
    ck_assert_msg(r.status == 200 || r.status == 404, "daily/latest: %ld", r.status);
    const char *d = r.status == 200 ? json_string_value(json_object_get(r.json, "date")) : "none";
    snprintf(out, 16, "%s", d ? d : "?");
    http_resp_free(&r);
}

/* Runs the write j while reading: waits 200 ms (the write is then held in the publish
 * thread), then sends reads one after another until the write answers, asserting each
 * completes within READ_MAX_MS and shows old_date; at least 3 reads must complete during the
 * hold. Then asserts the write took at least the hold and answered want. */
static void write_while_reading(write_job *j, long want, const char *old_date)
{
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, run_write, j), 0);
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
    int reads = 0;
    double slowest = 0;
    const char *urls[] = {"/v1/categories", "/v1/daily/latest", "/healthz", "/v1/records"};
    while (!j->done && reads < 200) {
        double t0 = now_ms();
        char date[16];
        if (reads % 4 == 1) {
            latest_date(j->s, date);
            if (!j->done) /* answered before the write's: still the old snapshot */
                ck_assert_msg(strcmp(date, old_date) == 0, "during the held publication "
                              "daily/latest says %s, want the old %s", date, old_date);
        } else {
            http_resp r;
            ck_assert_int_eq(http_get(j->s, urls[reads % 4], &r), 0);
            ck_assert_msg(r.status == 200 || r.status == 404, "GET %s: %ld", urls[reads % 4],
                          r.status);
            http_resp_free(&r);
        }
        double ms = now_ms() - t0;
        slowest = ms > slowest ? ms : slowest;
        ck_assert_msg(ms < read_max_ms, "a read took %.0f ms while a write was held", ms);
        reads++;
    }
    pthread_join(t, NULL);
    ck_assert_msg(reads >= 3, "only %d reads completed during the %ld ms hold (slowest %.0f ms)",
                  reads, hold_ms, slowest);
    ck_assert_msg(j->status == want, "%s %s answered %ld, want %ld", j->method, j->path,
                  j->status, want);
    ck_assert_msg(j->ms >= hold_ms - 250, "%s %s answered after %.0f ms: before its change "
                  "was published (hold %ld ms)", j->method, j->path, j->ms, hold_ms);
}

START_TEST(test_reads_never_wait_for_a_write)
{
    test_server s;
    char date[16], delay[64];
    int slow = getenv("ATTRITION_WRAPPER") != NULL;
    hold_ms = slow ? 8000 : 1500;
    read_max_ms = slow ? 3000 : 600;
    snprintf(delay, sizeof delay, "ATTRITION_TEST_PUBLISH_DELAY_MS=%ld", hold_ms);
    const char *const env_held[] = {"ATTRITION_TOKEN=" TOKEN, "ATTRITION_THREADS=1", delay,
                                    NULL};
    ck_assert_int_eq(test_server_prepare(&s), 0);
    ck_assert_int_eq(test_server_start(&s, env_held), 0);
    latest_date(&s, date); /* also initialises libcurl on this thread */
    ck_assert_str_eq(date, "none");
    long long v0 = test_data_version(&s);

    write_job post = {&s, "POST", "/v1/reports",
                      "{\"date\": \"2024-10-24\", \"totals\": {\"personnel\": 685000}}", 0, 0, 0};
    write_while_reading(&post, 201, "none");
    latest_date(&s, date); /* sent after the answer: sees the write */
    ck_assert_str_eq(date, "2024-10-24");
    ck_assert_int_gt(test_data_version(&s), v0);

    write_job put = {&s, "PUT", "/v1/reports/2024-10-24",
                     "{\"date\": \"2024-10-24\", \"totals\": {\"personnel\": 685100}}", 0, 0, 0};
    write_while_reading(&put, 200, "2024-10-24");
    http_resp r;
    json_t *j = http_get_json(&s, "/v1/cumulative/latest", 200, &r);
    ck_assert_int_eq(json_path_int(j, "totals.personnel"), 685100);
    http_resp_free(&r);

    long long v1 = test_data_version(&s);
    write_job dep = {&s, "POST", "/v1/deployments",
                     "{\"country\": \"KP\", \"deployed_to\": \"RU\", \"figure\": 11000, "
                     "\"kind\": \"confirmed\", \"as_of\": \"2024-11-04\", \"source\": "
                     "{\"name\": \"US State Department\", \"url\": \"https://www.state.gov/\"}}",
                     0, 0, 0};
    write_while_reading(&dep, 201, "2024-10-24");
    ck_assert_int_gt(test_data_version(&s), v1);

    ck_assert_int_eq(test_server_stop(&s), 0);
    test_server_cleanup(&s);
}
END_TEST

TCase *http_publish_tcase(void)
{
    TCase *tc = tcase_create("http_publish");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, test_reads_never_wait_for_a_write);
    return tc;
}
