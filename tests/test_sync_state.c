/* core/sync_state.c on an in-memory store: validators per URL, round outcomes and their
 * summary, days stored but absent upstream, savepoints; and config_parse_duration. */
#include "attrition/date.h"
#include "attrition/import.h"
#include "attrition/sync_state.h"
#include "config.h"
#include "store_internal.h"

#include <check.h>
#include <string.h>
#include "store_target.h"

TCase *sync_state_tcase(void);

static store *st;

static void setup(void)
{
    char err[256];
    ck_assert_msg(store_open(test_store_target(), STORE_OPEN_CREATE, &st, err, sizeof err) == STORE_OK,
                  "%s", err);
}

static void teardown(void)
{
    store_close(st);
    st = NULL;
}

START_TEST(test_url_validators)
{
    char etag[64], lm[64];
    ck_assert_int_eq(sync_state_url_get(st, "http://x/a.json", etag, sizeof etag, lm, sizeof lm),
                     STORE_ENOTFOUND);
    ck_assert_int_eq(sync_state_url_set(st, "http://x/a.json", "\"abc\"", NULL), STORE_OK);
    ck_assert_int_eq(sync_state_url_get(st, "http://x/a.json", etag, sizeof etag, lm, sizeof lm),
                     STORE_OK);
    ck_assert_str_eq(etag, "\"abc\"");
    ck_assert_str_eq(lm, "");
    ck_assert_int_eq(sync_state_url_set(st, "http://x/a.json", "", "Tue, 01 Dec 2026 06:00:00 GMT"),
                     STORE_OK);
    ck_assert_int_eq(sync_state_url_get(st, "http://x/a.json", etag, sizeof etag, lm, sizeof lm),
                     STORE_OK);
    ck_assert_str_eq(etag, "");
    ck_assert_str_eq(lm, "Tue, 01 Dec 2026 06:00:00 GMT");
}
END_TEST

START_TEST(test_outcomes_summary)
{
    sync_state_summary sum;
    ck_assert_int_eq(sync_state_summary_get(st, &sum), STORE_OK);
    ck_assert_int_eq(sum.last_outcome, -1);
    ck_assert_int_eq(sum.last_at, 0);
    ck_assert_int_eq(sync_state_record(st, SYNC_CHANGED, 1000, "one"), STORE_OK);
    ck_assert_int_eq(sync_state_record(st, SYNC_UNCHANGED, 2000, "two"), STORE_OK);
    ck_assert_int_eq(sync_state_record(st, SYNC_UNCHANGED, 3000, "three"), STORE_OK);
    ck_assert_int_eq(sync_state_record(st, SYNC_FAILED, 4000, "offline"), STORE_OK);
    ck_assert_int_eq(sync_state_summary_get(st, &sum), STORE_OK);
    ck_assert_int_eq(sum.total[SYNC_CHANGED], 1);
    ck_assert_int_eq(sum.total[SYNC_UNCHANGED], 2);
    ck_assert_int_eq(sum.total[SYNC_FAILED], 1);
    ck_assert_int_eq(sum.last_outcome, SYNC_FAILED);
    ck_assert_int_eq(sum.last_at, 4000);
    ck_assert_int_eq(sum.last_success_at, 3000);
    ck_assert_str_eq(sum.detail, "offline");
    ck_assert_str_eq(sync_state_outcome_name(SYNC_UNCHANGED), "unchanged");
}
END_TEST

/* Stores reports on days d[0..n) with one personnel value each. */
static void store_days(const int *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int changed;
        ck_assert_int_eq(store_value_set(st, d[i], "personnel", 100 + (int64_t)i, NULL, &changed),
                         STORE_OK);
    }
}

START_TEST(test_missing_days_and_savepoint)
{
    int a = date_from_ymd(2024, 1, 1), days[] = {a, a + 1, a + 2, a + 3};
    store_days(days, 4);
    int upstream[] = {a + 3, a + 1, a + 4}; /* unsorted; a and a+2 are gone */
    size_t missing;
    int first, latest;
    ck_assert_int_eq(sync_state_missing_days(st, upstream, 3, &missing, &first), STORE_OK);
    ck_assert_uint_eq(missing, 2);
    ck_assert_int_eq(first, a);
    ck_assert_int_eq(sync_state_latest_day(st, &latest), STORE_OK);
    ck_assert_int_eq(latest, a + 3);
    /* A source rolled back to its savepoint leaves the rest of the transaction. */
    ck_assert_int_eq(store_begin(st), STORE_OK);
    ck_assert_int_eq(sync_state_savepoint(st), STORE_OK);
    int more[] = {a + 10};
    store_days(more, 1);
    sync_state_rollback_to(st);
    ck_assert_int_eq(sync_state_savepoint(st), STORE_OK);
    int kept[] = {a + 20};
    store_days(kept, 1);
    ck_assert_int_eq(sync_state_release(st), STORE_OK);
    ck_assert_int_eq(store_commit(st), STORE_OK);
    ck_assert_int_eq(sync_state_latest_day(st, &latest), STORE_OK);
    ck_assert_int_eq(latest, a + 20);
    ck_assert_int_eq(store_report_count(st), 5);
}
END_TEST

START_TEST(test_keep_existing_import)
{
    static const char file[] = "[{\"date\":\"2024-01-01\",\"personnel\":500,\"personnel*\":\"about\"},"
                               "{\"date\":\"2024-01-02\",\"personnel\":600,\"personnel*\":\"about\"}]";
    static const char other[] = "[{\"date\":\"2024-01-01\",\"personnel\":555,\"personnel*\":\"about\"},"
                                "{\"date\":\"2024-01-03\",\"personnel\":700,\"personnel*\":\"about\"}]";
    import_result res;
    char err[256];
    memset(&res, 0, sizeof res);
    ck_assert_int_eq(import_buffer(st, "first", file, strlen(file), &res, err, sizeof err), 0);
    import_result_free(&res);
    memset(&res, 0, sizeof res);
    res.keep_existing = 1;
    ck_assert_int_eq(import_buffer(st, "second", other, strlen(other), &res, err, sizeof err), 0);
    import_result_free(&res);
    ck_assert_uint_eq(res.disagreements, 1);
    ck_assert_uint_eq(res.values_changed, 1); /* 2024-01-03 only */
    ck_assert_str_eq(res.disagreement, "2024-01-01 personnel: stored 500, second says 555");
}
END_TEST

START_TEST(test_durations)
{
    static const struct { const char *text; int rc, secs; } cases[] = {
        {"90", 0, 90}, {"30s", 0, 30}, {"5m", 0, 300}, {"6h", 0, 21600}, {"1d", 0, 86400},
        {"0", 0, 0}, {"off", 0, 0}, {"", -1, 0}, {"5x", -1, 0}, {"-1s", -1, 0}, {"1h30m", -1, 0},
        {"s", -1, 0}, {" 5m", -1, 0}, {"99999999999d", -1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int secs = -7;
        int rc = config_parse_duration(cases[i].text, &secs);
        ck_assert_msg(rc == cases[i].rc, "\"%s\": rc %d, want %d", cases[i].text, rc, cases[i].rc);
        if (rc == 0)
            ck_assert_msg(secs == cases[i].secs, "\"%s\": %d s, want %d", cases[i].text, secs,
                          cases[i].secs);
    }
}
END_TEST

TCase *sync_state_tcase(void)
{
    TCase *tc = tcase_create("sync_state");
    /* on PostgreSQL (ATTRITION_TEST_PG) each store is a new schema on a server that shares
     * the CPUs with the other tests: Check's 4 s default is too short there */
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_url_validators);
    tcase_add_test(tc, test_outcomes_summary);
    tcase_add_test(tc, test_missing_days_and_savepoint);
    tcase_add_test(tc, test_keep_existing_import);
    tcase_add_test(tc, test_durations);
    return tc;
}
