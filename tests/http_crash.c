/* Durability: a server taking a stream of writes is killed with SIGKILL in the middle of it;
 * restarted on the same database it still has every write it acknowledged (201), nothing
 * half-written, and SQLite's integrity check passes. */
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "attrition/date.h"
#include "harness.h"

TCase *http_crash_tcase(void);

#define CRASH_TOKEN "crash-test-token"
#define CRASH_MAX 2000   /* writes the stream would send if never killed */
#define CRASH_KILL_AT 40 /* acknowledged writes before the kill */

static const char *const crash_env[] = {"ATTRITION_TOKEN=" CRASH_TOKEN, NULL};

/* The stream: report i is dated 2022-02-25 + i with totals that depend on i. */
typedef struct stream {
    const test_server *s;
    atomic_int acked;          /* writes answered 201 so far */
    atomic_int sent;           /* writes attempted */
    unsigned char ok[CRASH_MAX];
    atomic_long unexpected;    /* a status other than 201, or 0 */
} stream;

static long long personnel_of(int i) { return 2800 + 500LL * i; }
static long long tanks_of(int i) { return 80 + 3LL * i; }

static void *writer(void *arg)
{
    stream *w = arg;
    const char *headers[] = {"Authorization: Bearer " CRASH_TOKEN, "Content-Type: application/json",
                             NULL};
    for (int i = 0; i < CRASH_MAX; i++) {
        char body[256], ds[DATE_STR_LEN];
        http_resp r;
        snprintf(body, sizeof body, "{\"date\": \"%s\", \"totals\": {\"personnel\": %lld, "
                 "\"tanks\": %lld}, \"qualifiers\": {\"personnel\": \"about\"}, \"source_url\": "
                 "\"https://example.org/%d\"}", date_format(DATE_WAR_START + 1 + i, ds),
                 personnel_of(i), tanks_of(i), i);
        atomic_store(&w->sent, i + 1);
        if (http_request(w->s, "POST", "/v1/reports", headers, body, strlen(body), &r) != 0)
            break; /* the server is gone */
        long status = r.status;
        http_resp_free(&r);
        if (status != 201) {
            atomic_store(&w->unexpected, status);
            break;
        }
        w->ok[i] = 1;
        atomic_fetch_add(&w->acked, 1);
    }
    return NULL;
}

START_TEST(test_http_crash_acknowledged_writes_survive)
{
    static stream w; /* large: not on the stack */
    test_server s;
    pthread_t th;
    ck_assert_int_eq(test_server_prepare(&s), 0);
    ck_assert_int_eq(test_server_start(&s, crash_env), 0);
    memset(&w, 0, sizeof w);
    w.s = &s;
    ck_assert_int_eq(pthread_create(&th, NULL, writer, &w), 0);
    /* Wait (up to 60 s: valgrind) for enough acknowledgements, then kill mid-stream. */
    for (int t = 0; t < 6000 && atomic_load(&w.acked) < CRASH_KILL_AT &&
                    atomic_load(&w.unexpected) == 0 && atomic_load(&w.sent) < CRASH_MAX; t++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    ck_assert_int_eq(kill(s.pid, SIGKILL), 0);
    int status;
    ck_assert_int_eq(waitpid(s.pid, &status, 0), s.pid);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    s.pid = 0;
    pthread_join(th, NULL);
    long unexpected = atomic_load(&w.unexpected);
    ck_assert_msg(unexpected == 0, "a write was answered %ld", unexpected);
    int acked = atomic_load(&w.acked), sent = atomic_load(&w.sent);
    ck_assert_int_ge(acked, CRASH_KILL_AT);
    ck_assert_msg(sent < CRASH_MAX, "the stream ended before the kill");

    /* Restarted on the same database: every acknowledged write is there, whole; an
     * unacknowledged one (in flight at the kill) is either absent or whole. */
    ck_assert_int_eq(test_server_start(&s, crash_env), 0);
    int found = 0;
    for (int i = 0; i < sent; i++) {
        char path[64], ds[DATE_STR_LEN];
        http_resp r;
        snprintf(path, sizeof path, "/v1/reports/%s", date_format(DATE_WAR_START + 1 + i, ds));
        ck_assert_int_eq(http_get(&s, path, &r), 0);
        if (w.ok[i])
            ck_assert_msg(r.status == 200, "acknowledged %s: %ld %s", ds, r.status, r.body);
        if (r.status == 200) {
            ck_assert_int_eq(json_path_int(r.json, "totals.personnel"), personnel_of(i));
            ck_assert_int_eq(json_path_int(r.json, "totals.tanks"), tanks_of(i));
            ck_assert_int_eq(json_path_int(r.json, "revision"), 1);
            found++;
        } else {
            ck_assert_int_eq(r.status, 404);
        }
        http_resp_free(&r);
    }
    ck_assert_int_ge(found, acked);
    ck_assert_int_le(found, acked + 1);
    ck_assert_int_eq(test_server_stop(&s), 0);
    if (test_skip_on_pg("http_crash: the file's integrity check", "there is no SQLite file")) {
        test_server_cleanup(&s);
        return;
    }

    /* The file itself is sound. */
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    ck_assert_int_eq(sqlite3_open_v2(s.db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(stmt, 0), "ok");
    ck_assert_int_eq(sqlite3_step(stmt), SQLITE_DONE);
    sqlite3_finalize(stmt);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM report", -1, &stmt, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(stmt, 0), found);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    test_server_cleanup(&s);
}
END_TEST

TCase *http_crash_tcase(void)
{
    TCase *tc = tcase_create("http_crash");
    /* Two server starts and ~40-100 durable (fsynced) writes: a few seconds, far more under
     * valgrind. */
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, test_http_crash_acknowledged_writes_survive);
    return tc;
}
