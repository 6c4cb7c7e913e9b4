/* serve sees every committed change to its database, from any process: a running server,
 * then `attrition import` in another process of a file with one more day. The new day must
 * be answered within 2 s (20 s under $ATTRITION_WRAPPER, i.e. valgrind) with a new ETag,
 * and an import that changes nothing must not move the data version or the ETag. A second
 * `attrition serve` on the same file taking a POST: the first answers the new day too. */
#include "harness.h"
#include "upstream.h"
#include "attrition/date.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

TCase *http_live_tcase(void);

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* How long a change may take to show: 2 s, x10 under a wrapper (valgrind). */
static double deadline_s(void)
{
    const char *w = getenv("ATTRITION_WRAPPER");
    return w && *w ? 20.0 : 2.0;
}

/* GET /v1/daily/latest: its date into date (11 bytes) and ETag into etag (64 bytes). */
static void latest(const test_server *s, char *date, char *etag)
{
    http_resp r;
    json_t *j = http_get_json(s, "/v1/daily/latest", 200, &r);
    const char *d = json_string_value(json_object_get(j, "date"));
    ck_assert_msg(d != NULL, "/v1/daily/latest has no date: %.200s", r.body);
    snprintf(date, 11, "%s", d);
    ck_assert_msg(http_header(&r, "ETag", etag, 64) != NULL, "/v1/daily/latest: no ETag");
    http_resp_free(&r);
}

static long long readyz_version(const test_server *s)
{
    http_resp r;
    json_t *j = http_get_json(s, "/readyz", 200, &r);
    long long v = json_path_int(j, "data_version");
    http_resp_free(&r);
    return v;
}

/* Polls /v1/daily/latest of s until its date differs from date0 or the deadline passes;
 * the last date and ETag go to date and etag. Returns the seconds waited. */
static double wait_new_day(const test_server *s, const char *date0, char *date, char *etag)
{
    double t0 = now_s(), waited = 0;
    while ((waited = now_s() - t0) < deadline_s()) {
        latest(s, date, etag);
        if (strcmp(date, date0) != 0)
            break;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return waited;
}

/* test_server_start_dataset with the dataset's first 60 days (UPSTREAM_SHORT_UNTIL): what
 * is tested is how changes show, not the history's length, which under valgrind makes every
 * import and server start slow. Returns 1 when imported, 0 when the dataset is absent. */
static int start_short(test_server *s, const char *what)
{
    int have = test_have_dataset(what) && test_dataset_files() != NULL;
    ck_assert_int_eq(test_server_prepare(s), 0);
    upstream_dataset_until(UPSTREAM_SHORT_UNTIL);
    if (have)
        ck_assert_int_eq(upstream_import_dataset(s), 0);
    ck_assert_int_eq(test_server_start(s, NULL), 0);
    return have;
}

START_TEST(test_external_import_seen)
{
    test_server s;
    if (!start_short(&s, "http_live external import")) {
        test_server_cleanup(&s);
        return;
    }
    char date0[11], etag0[64], date1[11] = "", etag1[64] = "", path[2][700];
    latest(&s, date0, etag0);
    long long v0 = readyz_version(&s);
    for (int i = 0; i < 2; i++)
        ck_assert_msg(upstream_write_dataset_file(s.dir, upstream_dataset_names[i], 0, 1, 100,
                                                  path[i], sizeof path[i]) == 0,
                      "cannot write the extra-day copy of %s", upstream_dataset_names[i]);
    const char *files[] = {path[0], path[1]};
    ck_assert_int_eq(test_server_import(&s, files, 2), 0);
    double waited = wait_new_day(&s, date0, date1, etag1);
    printf("http_live: the imported day was answered %.3f s after the import exited\n", waited);
    ck_assert_msg(strcmp(date1, date0) > 0, "after %.1f s /v1/daily/latest still says %s",
                  waited, date1);
    ck_assert_msg(strcmp(etag1, etag0) != 0, "the ETag of /v1/daily/latest stayed %s", etag1);
    ck_assert_int_gt(readyz_version(&s), v0);
    ck_assert_int_eq(test_server_stop(&s), 0); /* clean exit (and no leak under ASan) */
    test_server_cleanup(&s);
}
END_TEST

START_TEST(test_unchanged_import_no_reload)
{
    test_server s;
    if (!start_short(&s, "http_live unchanged import")) {
        test_server_cleanup(&s);
        return;
    }
    char date0[11], etag0[64], date1[11], etag1[64];
    latest(&s, date0, etag0);
    long long v0 = readyz_version(&s);
    /* The same files again: a committed transaction that changes no value. */
    ck_assert_int_eq(upstream_import_dataset(&s), 0);
    struct timespec ts = {0, 600 * 1000 * 1000}; /* more than two watcher ticks */
    nanosleep(&ts, NULL);
    latest(&s, date1, etag1);
    ck_assert_str_eq(date1, date0);
    ck_assert_str_eq(etag1, etag0);
    ck_assert_int_eq(readyz_version(&s), v0);
    FILE *f = fopen(s.log, "r");
    char line[4096];
    int reloads = 0;
    while (f && fgets(line, sizeof line, f))
        reloads += strstr(line, "\"event\":\"data_changed\"") != NULL;
    if (f)
        fclose(f);
    ck_assert_msg(reloads == 0, "the server reloaded %d times though nothing changed", reloads);
    ck_assert_int_eq(test_server_stop(&s), 0);
    test_server_cleanup(&s);
}
END_TEST

START_TEST(test_other_server_write_seen)
{
    test_server a, b;
    if (!start_short(&a, "http_live second server")) {
        test_server_cleanup(&a);
        return;
    }
    char date0[11], etag0[64], date1[11] = "", etag1[64] = "", body[256];
    latest(&a, date0, etag0);
    /* b: its own folder and log, a's database, writes enabled. */
    ck_assert_int_eq(test_server_prepare(&b), 0);
    snprintf(b.db, sizeof b.db, "%s", a.db);
    const char *env[] = {"ATTRITION_TOKEN=live-test", NULL};
    ck_assert_int_eq(test_server_start(&b, env), 0);
    int day;
    ck_assert_int_eq(date_parse(date0, &day), 0);
    char next[DATE_STR_LEN];
    snprintf(body, sizeof body, "{\"date\":\"%s\",\"totals\":{\"personnel\":%lld}}",
             date_format(day + 1, next), 2000000LL);
    const char *hdrs[] = {"Authorization: Bearer live-test", "Content-Type: application/json",
                          NULL};
    http_resp r;
    ck_assert_int_eq(http_request(&b, "POST", "/v1/reports", hdrs, body, strlen(body), &r), 0);
    ck_assert_msg(r.status == 201, "POST to the second server: %ld %s", r.status, r.body);
    http_resp_free(&r);
    double waited = wait_new_day(&a, date0, date1, etag1);
    ck_assert_msg(strcmp(date1, next) == 0, "after %.1f s the first server says %s, want %s",
                  waited, date1, next);
    ck_assert_msg(strcmp(etag1, etag0) != 0, "the ETag stayed %s", etag1);
    ck_assert_int_eq(test_server_stop(&b), 0);
    ck_assert_int_eq(test_server_stop(&a), 0);
    test_server_cleanup(&b);
    test_server_cleanup(&a);
}
END_TEST

TCase *http_live_tcase(void)
{
    TCase *tc = tcase_create("http_live");
    tcase_set_timeout(tc, 120); /* two dataset imports and a server; valgrind is slow */
    tcase_add_test(tc, test_external_import_seen);
    tcase_add_test(tc, test_unchanged_import_no_reload);
    tcase_add_test(tc, test_other_server_write_seen);
    return tc;
}
