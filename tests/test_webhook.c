/* Webhook pieces without a server: the signature (RFC 4231's HMAC-SHA256 test vectors) and
 * the retry schedule (doubling from 1 s, capped, given up after WEBHOOK_MAX_ATTEMPTS). */
#include "webhook.h"
#include "store_target.h"

#include "attrition/webhook_queue.h"

#include <check.h>
#include <string.h>

TCase *webhook_tcase(void);

START_TEST(signature_rfc4231)
{
    char sig[80];
    /* RFC 4231 test case 2 */
    ck_assert_int_eq(webhook_signature("Jefe", "what do ya want for nothing?", 28, sig), 0);
    ck_assert_str_eq(sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* the length given counts, not a NUL */
    ck_assert_int_eq(webhook_signature("Jefe", "what do ya want for nothing?!!", 28, sig), 0);
    ck_assert_str_eq(sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    ck_assert_int_eq(webhook_signature("Jefe", "what do ya want for nothing!", 28, sig), 0);
    ck_assert_str_ne(sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}
END_TEST

START_TEST(retry_schedule)
{
    int64_t total = 0;
    ck_assert_int_eq(webhook_retry_delay(1), 1);
    ck_assert_int_eq(webhook_retry_delay(2), 2);
    ck_assert_int_eq(webhook_retry_delay(3), 4);
    for (int a = 1; a < WEBHOOK_MAX_ATTEMPTS; a++) {
        int64_t d = webhook_retry_delay(a);
        ck_assert_int_gt(d, 0);
        ck_assert_int_le(d, WEBHOOK_BACKOFF_MAX_S);
        if (a > 1)
            ck_assert_int_ge(d, webhook_retry_delay(a - 1));
        total += d;
    }
    ck_assert_int_eq(webhook_retry_delay(WEBHOOK_MAX_ATTEMPTS), -1);
    ck_assert_int_eq(webhook_retry_delay(WEBHOOK_MAX_ATTEMPTS + 5), -1);
    ck_assert_int_eq(total, 511); /* 1 + 2 + ... + 256: about 8.5 minutes of trying */
}
END_TEST

/* A delivery leased by a process that stops before attempting it is given back: due again
 * at once, not after the lease (a restart would otherwise wait the lease out). */
START_TEST(lease_given_back)
{
    store *st = NULL;
    char err[256];
    ck_assert_msg(store_open(test_store_target(), STORE_OPEN_CREATE, &st, err, sizeof err)
                  == STORE_OK, "%s", err);
    const char *key = "k1", *url = "http://127.0.0.1:9/x", *body = "{}";
    ck_assert_int_eq(webhook_queue_add(st, &key, &url, &body, 1, 1000), STORE_OK);
    webhook_job jobs[2];
    size_t n = 0;
    ck_assert_int_eq(webhook_queue_due(st, 1000, 30, 2, jobs, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    int64_t id = jobs[0].id;
    webhook_jobs_free(jobs, n);
    ck_assert_int_eq(webhook_queue_due(st, 1001, 30, 2, jobs, &n), STORE_OK);
    ck_assert_uint_eq(n, 0); /* leased until 1030 */
    ck_assert_int_eq(webhook_queue_release(st, id, 1001), STORE_OK);
    ck_assert_int_eq(webhook_queue_due(st, 1001, 30, 2, jobs, &n), STORE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(jobs[0].id, id);
    ck_assert_int_eq(jobs[0].attempts, 0);
    webhook_jobs_free(jobs, n);
    ck_assert_int_eq(webhook_queue_done(st, id, 1002), STORE_OK);
    ck_assert_int_eq(webhook_queue_release(st, id, 1002), STORE_OK); /* done stays done */
    ck_assert_int_eq(webhook_queue_due(st, 1003, 30, 2, jobs, &n), STORE_OK);
    ck_assert_uint_eq(n, 0);
    store_close(st);
}
END_TEST

TCase *webhook_tcase(void)
{
    TCase *tc = tcase_create("webhook");
    tcase_add_test(tc, signature_rfc4231);
    tcase_add_test(tc, retry_schedule);
    tcase_add_test(tc, lease_given_back);
    return tc;
}
