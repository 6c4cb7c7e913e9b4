/* Webhook pieces without a server: the signature (RFC 4231's HMAC-SHA256 test vectors) and
 * the retry schedule (doubling from 1 s, capped, given up after WEBHOOK_MAX_ATTEMPTS). */
#include "webhook.h"

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

TCase *webhook_tcase(void)
{
    TCase *tc = tcase_create("webhook");
    tcase_add_test(tc, signature_rfc4231);
    tcase_add_test(tc, retry_schedule);
    return tc;
}
