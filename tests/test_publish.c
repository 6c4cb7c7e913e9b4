/* Unit tests of the publish path (server/publish.h) without HTTP: the listener table (8
 * entries), the first install at publish_start (old NULL, on the caller's thread), and
 * commits published by the publish thread in version order, each listener call's old being
 * the previous call's fresh, on the publish thread, the installed snapshot holding the
 * commit. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "app.h"
#include "publish.h"
#include "attrition/report.h"

TCase *publish_tcase(void);

static test_server tmp;

#define MAX_CALLS 64

/* What the listener saw. */
static struct {
    pthread_mutex_t mu;
    size_t n;
    uint64_t old_v[MAX_CALLS], fresh_v[MAX_CALLS]; /* old_v 0: old was NULL */
    size_t fresh_reports[MAX_CALLS];
    int on_caller[MAX_CALLS];                       /* called on the test's thread */
} seen = {PTHREAD_MUTEX_INITIALIZER, 0, {0}, {0}, {0}, {0}};
static pthread_t main_thread;

static void record(void *ud, const stats_snapshot *old, const stats_snapshot *fresh)
{
    ck_assert_ptr_eq(ud, &seen);
    pthread_mutex_lock(&seen.mu);
    if (seen.n < MAX_CALLS) {
        seen.old_v[seen.n] = old ? old->version : 0;
        seen.fresh_v[seen.n] = fresh->version;
        seen.fresh_reports[seen.n] = fresh->n_rep;
        seen.on_caller[seen.n] = pthread_equal(pthread_self(), main_thread);
        seen.n++;
    }
    pthread_mutex_unlock(&seen.mu);
}

static void ignore(void *ud, const stats_snapshot *old, const stats_snapshot *fresh)
{
    (void)ud;
    (void)old;
    (void)fresh;
}

/* Stores a report of date (personnel total) on a->st as a handler does; returns the data
 * version committed. */
static uint64_t write_report(app *a, const char *date, long total)
{
    char body[128], err[256];
    report rep;
    report_result res;
    snprintf(body, sizeof body, "{\"date\": \"%s\", \"totals\": {\"personnel\": %ld}}", date,
             total);
    ck_assert_int_eq(report_from_json(body, strlen(body), &rep, err, sizeof err), REPORT_OK);
    store_lock(a->st);
    int rc = report_store(a->st, &rep, REPORT_CREATE, &res);
    uint64_t v = store_data_version(a->st);
    store_unlock(a->st);
    ck_assert_msg(rc == REPORT_OK, "report_store: %d", rc);
    report_result_free(&res);
    report_free(&rep);
    return v;
}

/* Waits (5 s at most) until the served snapshot has version v or later; returns it. */
static uint64_t wait_served(app *a, uint64_t v)
{
    uint64_t now = 0;
    for (int i = 0; i < 500; i++) {
        stats_snapshot *s = app_snapshot(a);
        now = s->version;
        stats_snapshot_unref(s);
        if (now >= v)
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return now;
}

START_TEST(test_publish_order)
{
    config cfg;
    app a;
    char err[512];
    memset(&cfg, 0, sizeof cfg);
    memset(&a, 0, sizeof a);
    main_thread = pthread_self();
    ck_assert_int_eq(test_server_prepare(&tmp), 0);
    snprintf(cfg.db, sizeof cfg.db, "%s", tmp.db);
    a.cfg = &cfg;
    pthread_mutex_init(&a.snap_lock, NULL);
    ck_assert_int_eq(store_open(cfg.db, STORE_OPEN_CREATE, &a.st, err, sizeof err), STORE_OK);

    ck_assert_int_eq(publish_listen(&a, record, &seen), 0);
    for (int i = 1; i < PUBLISH_MAX_LISTENERS; i++)
        ck_assert_int_eq(publish_listen(&a, ignore, NULL), 0);
    ck_assert_int_eq(publish_listen(&a, ignore, NULL), -1); /* the table is full */

    ck_assert_int_eq(publish_start(&a), STORE_OK);
    ck_assert_uint_eq(seen.n, 1);
    ck_assert_uint_eq(seen.old_v[0], 0); /* old NULL at start */
    ck_assert_int_eq(seen.on_caller[0], 1);
    uint64_t v0 = seen.fresh_v[0];

    uint64_t v1 = write_report(&a, "2024-10-24", 685000);
    ck_assert_uint_gt(v1, v0);
    publish_notify(&a);
    ck_assert_uint_eq(wait_served(&a, v1), v1);
    stats_snapshot *s = app_snapshot(&a);
    ck_assert_uint_eq(s->n_rep, 1);
    stats_snapshot_unref(s);

    /* Two commits, one notice: published together or one after the other, in order. */
    write_report(&a, "2024-10-25", 686000);
    uint64_t v3 = write_report(&a, "2024-10-26", 687000);
    publish_notify(&a);
    ck_assert_uint_eq(wait_served(&a, v3), v3);
    publish_stop(&a);

    pthread_mutex_lock(&seen.mu);
    ck_assert_uint_ge(seen.n, 3);
    for (size_t i = 1; i < seen.n; i++) {
        ck_assert_msg(seen.old_v[i] == seen.fresh_v[i - 1], "call %zu: old %llu, previous "
                      "fresh %llu", i, (unsigned long long)seen.old_v[i],
                      (unsigned long long)seen.fresh_v[i - 1]);
        ck_assert_uint_gt(seen.fresh_v[i], seen.old_v[i]);
        ck_assert_int_eq(seen.on_caller[i], 0); /* on the publish thread */
    }
    ck_assert_uint_eq(seen.fresh_v[seen.n - 1], v3);
    ck_assert_uint_eq(seen.fresh_reports[seen.n - 1], 3);
    pthread_mutex_unlock(&seen.mu);

    publish_free(&a);
    stats_snapshot_unref(a.snap);
    store_close(a.st);
    pthread_mutex_destroy(&a.snap_lock);
    test_server_cleanup(&tmp);
}
END_TEST

TCase *publish_tcase(void)
{
    TCase *tc = tcase_create("publish");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_publish_order);
    return tc;
}
