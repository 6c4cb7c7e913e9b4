/* Webhooks against a fixture receiver (a tiny libmicrohttpd server in this process, on an
 * OS-picked 127.0.0.1 port): a POSTed report is delivered to each configured URL as JSON,
 * as a Slack message and as a Discord message, signed (X-Attrition-Signature verified here
 * with libcrypto); a receiver answering 500 gets the delivery again (backoff); a delivery
 * still queued when the server stops is made by the next server on that database. */
#include "harness.h"

#include <check.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

TCase *http_webhook_tcase(void);

#define TOKEN "hook-test"
#define SECRET "s3cret-key"
#define MAX_HITS 32

typedef struct hit {
    char path[64];
    char sig[128];
    char *body;
} hit;

/* The receiver: answers 500 to the first `fail` POSTs (or to all while fail < 0), 204 to
 * the rest; keeps the successful ones. */
typedef struct receiver {
    struct MHD_Daemon *d;
    int port;
    pthread_mutex_t lock;
    int fail;
    unsigned seen;        /* every POST answered */
    hit hits[MAX_HITS];   /* the accepted ones */
    size_t n;
} receiver;

typedef struct upload {
    char *buf;
    size_t len;
} upload;

static enum MHD_Result on_req(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *size, void **state)
{
    (void)version;
    receiver *r = cls;
    upload *u = *state;
    if (u == NULL) {
        *state = calloc(1, sizeof(upload));
        return *state ? MHD_YES : MHD_NO;
    }
    if (*size) {
        char *b = realloc(u->buf, u->len + *size + 1);
        if (b == NULL)
            return MHD_NO;
        u->buf = b;
        memcpy(u->buf + u->len, data, *size);
        u->len += *size;
        u->buf[u->len] = '\0';
        *size = 0;
        return MHD_YES;
    }
    unsigned status = 204;
    pthread_mutex_lock(&r->lock);
    r->seen++;
    if (strcmp(method, "POST") != 0)
        status = 405;
    else if (r->fail != 0) {
        status = 500;
        if (r->fail > 0)
            r->fail--;
    } else if (r->n < MAX_HITS) {
        hit *h = &r->hits[r->n++];
        snprintf(h->path, sizeof h->path, "%s", url);
        const char *sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Attrition-Signature");
        snprintf(h->sig, sizeof h->sig, "%s", sig ? sig : "");
        h->body = u->buf ? u->buf : strdup("");
        u->buf = NULL;
    }
    pthread_mutex_unlock(&r->lock);
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void on_done(void *cls, struct MHD_Connection *c, void **state,
                    enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    upload *u = *state;
    if (u) {
        free(u->buf);
        free(u);
    }
    *state = NULL;
}

static void receiver_start(receiver *r, int fail)
{
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->lock, NULL);
    r->fail = fail;
    r->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                            on_req, r, MHD_OPTION_NOTIFY_COMPLETED, on_done, r,
                            MHD_OPTION_SOCK_ADDR, NULL, MHD_OPTION_END);
    ck_assert_ptr_nonnull(r->d);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(r->d, MHD_DAEMON_INFO_BIND_PORT);
    ck_assert_ptr_nonnull(info);
    r->port = info->port;
}

static void receiver_stop(receiver *r)
{
    MHD_stop_daemon(r->d);
    for (size_t i = 0; i < r->n; i++)
        free(r->hits[i].body);
    pthread_mutex_destroy(&r->lock);
}

static void receiver_set_fail(receiver *r, int fail)
{
    pthread_mutex_lock(&r->lock);
    r->fail = fail;
    pthread_mutex_unlock(&r->lock);
}

/* Waits until the receiver accepted n deliveries (or made `seen` answers when n is 0). */
static int receiver_wait(receiver *r, size_t n, unsigned seen, double secs)
{
    const char *w = getenv("ATTRITION_WRAPPER");
    if (w && *w)
        secs *= 5;
    for (double t = 0; t < secs; t += 0.05) {
        pthread_mutex_lock(&r->lock);
        int done = n ? r->n >= n : r->seen >= seen;
        pthread_mutex_unlock(&r->lock);
        if (done)
            return 0;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

/* Polls /metrics until it holds line (the delivery thread updates its figures after each
 * pass). 0, or -1 after secs (x5 under a wrapper). */
static int metrics_wait(const test_server *s, const char *line, double secs)
{
    const char *w = getenv("ATTRITION_WRAPPER");
    if (w && *w)
        secs *= 5;
    for (double t = 0; t < secs; t += 0.1) {
        http_resp m;
        if (http_get(s, "/metrics", &m) == 0) {
            int found = m.body && strstr(m.body, line) != NULL;
            http_resp_free(&m);
            if (found)
                return 0;
        }
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

static const hit *hit_at(receiver *r, const char *path)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->hits[i].path, path) == 0)
            return &r->hits[i];
    return NULL;
}

static void start_with_hooks(test_server *s, const receiver *r, int fresh)
{
    char hooks[512];
    snprintf(hooks, sizeof hooks, "ATTRITION_WEBHOOKS=http://127.0.0.1:%d/json "
             "slack:http://127.0.0.1:%d/slack  discord:http://127.0.0.1:%d/discord",
             r->port, r->port, r->port);
    const char *env[] = {"ATTRITION_TOKEN=" TOKEN, "ATTRITION_WEBHOOK_SECRET=" SECRET, hooks, NULL};
    if (fresh)
        ck_assert_int_eq(test_server_prepare(s), 0);
    ck_assert_int_eq(test_server_start(s, env), 0);
}

static void post_report(test_server *s, const char *date, long long personnel)
{
    char body[256];
    snprintf(body, sizeof body, "{\"date\":\"%s\",\"totals\":{\"personnel\":%lld}}", date, personnel);
    const char *hdrs[] = {"Authorization: Bearer " TOKEN, "Content-Type: application/json", NULL};
    http_resp r;
    ck_assert_int_eq(http_request(s, "POST", "/v1/reports", hdrs, body, strlen(body), &r), 0);
    ck_assert_msg(r.status == 201, "POST %s: %ld %s", date, r.status, r.body);
    http_resp_free(&r);
}

START_TEST(test_delivery_signed_and_formats)
{
    receiver r;
    test_server s;
    receiver_start(&r, 0);
    start_with_hooks(&s, &r, 1);
    post_report(&s, "2024-01-01", 1000);
    ck_assert_msg(receiver_wait(&r, 3, 0, 5) == 0, "%zu of 3 deliveries arrived", r.n);
    const hit *j = hit_at(&r, "/json"), *sl = hit_at(&r, "/slack"), *dc = hit_at(&r, "/discord");
    ck_assert(j && sl && dc);
    json_error_t err;
    json_t *b = json_loads(j->body, 0, &err);
    ck_assert_msg(b != NULL, "JSON delivery: %s", j->body);
    ck_assert_str_eq(json_string_value(json_object_get(b, "event")), "report");
    ck_assert_str_eq(json_string_value(json_object_get(b, "date")), "2024-01-01");
    ck_assert_int_eq(json_path_int(b, "report.totals.personnel"), 1000);
    ck_assert_int_gt(json_path_int(b, "data_version"), 0);
    json_decref(b);
    /* the signature: HMAC-SHA256 of the body with the secret, computed here */
    for (const hit *h = j; h; h = h == j ? sl : h == sl ? dc : NULL) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned md_len = 0;
        HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), (const unsigned char *)h->body,
             strlen(h->body), md, &md_len);
        char want[80] = "sha256=";
        for (unsigned i = 0; i < md_len; i++)
            snprintf(want + 7 + 2 * i, 3, "%02x", md[i]);
        ck_assert_str_eq(h->sig, want);
    }
    b = json_loads(sl->body, 0, &err);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(json_object_size(b), 1);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(b, "text")),
                                 "2024-01-01, day 677: personnel +1000 (total 1000)"));
    json_decref(b);
    b = json_loads(dc->body, 0, &err);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(json_object_size(b), 1);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(b, "content")), "2024-01-01"));
    json_decref(b);
    /* the secret never reaches the log */
    FILE *f = fopen(s.log, "r");
    char line[4096];
    while (f && fgets(line, sizeof line, f))
        ck_assert_msg(strstr(line, SECRET) == NULL, "the secret is in the log: %s", line);
    if (f)
        fclose(f);
    ck_assert_int_eq(test_server_stop(&s), 0);
    test_server_cleanup(&s);
    receiver_stop(&r);
}
END_TEST

START_TEST(test_retry_after_500)
{
    receiver r;
    test_server s;
    receiver_start(&r, 2 * 3); /* every URL: two 500s (6 in all), then accepted */
    start_with_hooks(&s, &r, 1);
    post_report(&s, "2024-01-01", 1000);
    /* attempts at 0 s, +1 s, +2 s: 3 deliveries within about 3 s */
    ck_assert_msg(receiver_wait(&r, 3, 0, 15) == 0, "after retries %zu of 3 arrived (%u answers)",
                  r.n, r.seen);
    ck_assert_uint_eq(r.seen, 9);
    ck_assert(metrics_wait(&s, "attrition_webhook_deliveries_total{outcome=\"delivered\"} 3\n", 5) == 0);
    ck_assert(metrics_wait(&s, "attrition_webhook_deliveries_total{outcome=\"failed\"} 6\n", 5) == 0);
    ck_assert(metrics_wait(&s, "attrition_webhook_queue_length 0\n", 5) == 0);
    ck_assert_int_eq(test_server_stop(&s), 0);
    test_server_cleanup(&s);
    receiver_stop(&r);
}
END_TEST

/* A failed delivery's log names the URL's scheme and host, never its user:password@. */
START_TEST(test_failure_log_hides_credentials)
{
    test_server s;
    const char *env[] = {"ATTRITION_TOKEN=" TOKEN, "ATTRITION_WEBHOOKS=http://hook:s3cr3t-pw@"
                         "127.0.0.1:1/path?token=s3cr3t-q", NULL};
    ck_assert_int_eq(test_server_prepare(&s), 0);
    ck_assert_int_eq(test_server_start(&s, env), 0);
    post_report(&s, "2024-01-01", 1000);
    ck_assert_int_eq(test_server_wait_log(&s, "\"to\":\"http://127.0.0.1:1\"", 10000), 0);
    ck_assert_int_eq(test_server_stop(&s), 0);
    FILE *f = fopen(s.log, "r");
    ck_assert_ptr_nonnull(f);
    char line[4096];
    while (fgets(line, sizeof line, f) != NULL)
        ck_assert_msg(strstr(line, "s3cr3t") == NULL, "the log shows a credential: %s", line);
    fclose(f);
    test_server_cleanup(&s);
}
END_TEST

/* A webhooks setting that is not a list of http(s) URLs stops the start (exit 2) naming the
 * entry, rather than serving with webhooks silently off. */
START_TEST(test_bad_webhooks_setting_stops_start)
{
    static const char *const bad[] = {"notaurl", "http://", "slack:", "http://a/x ftp://b/y"};
    test_server s;
    char log[700], db[700];
    ck_assert_int_eq(test_server_prepare(&s), 0);
    snprintf(log, sizeof log, "%s/bad-webhooks.log", s.dir);
    snprintf(db, sizeof db, "%s/bad-webhooks.db", s.dir);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *argv[] = {getenv("ATTRITION_BIN"), "serve", "--db", db, "--port", "0",
                              "--webhooks", bad[i], NULL};
        remove(log);
        pid_t pid = test_spawn(argv, NULL, log);
        ck_assert_int_gt(pid, 0);
        int status = 0;
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 2, "%s: status %d", bad[i],
                      status);
        FILE *f = fopen(log, "r");
        ck_assert_ptr_nonnull(f);
        char text[1024] = "";
        size_t n = fread(text, 1, sizeof text - 1, f);
        text[n] = '\0';
        fclose(f);
        ck_assert_msg(strstr(text, "webhooks: entry ") != NULL, "%s: %s", bad[i], text);
    }
    test_server_cleanup(&s);
}
END_TEST

START_TEST(test_delivery_after_restart)
{
    receiver r;
    test_server s;
    receiver_start(&r, -1); /* down: 500 to everything */
    start_with_hooks(&s, &r, 1);
    post_report(&s, "2024-01-02", 2000);
    ck_assert_msg(receiver_wait(&r, 0, 3, 5) == 0, "no attempt reached the receiver");
    ck_assert_msg(metrics_wait(&s, "attrition_webhook_queue_length 3\n", 5) == 0,
                  "/metrics does not show 3 deliveries waiting");
    ck_assert_int_eq(test_server_stop(&s), 0);
    receiver_set_fail(&r, 0);
    start_with_hooks(&s, &r, 0); /* the same database: the queue is there */
    ck_assert_msg(receiver_wait(&r, 3, 0, 10) == 0, "after the restart %zu of 3 arrived", r.n);
    json_t *b = json_loads(hit_at(&r, "/json")->body, 0, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(b, "date")), "2024-01-02");
    json_decref(b);
    ck_assert_int_eq(test_server_stop(&s), 0);
    test_server_cleanup(&s);
    receiver_stop(&r);
}
END_TEST

START_TEST(test_two_servers_deliver_once)
{
    receiver r;
    test_server a, b;
    receiver_start(&r, 0);
    start_with_hooks(&a, &r, 1);
    ck_assert_int_eq(test_server_prepare(&b), 0);
    snprintf(b.db, sizeof b.db, "%s", a.db); /* b: a's database, its own folder and log */
    start_with_hooks(&b, &r, 0);
    post_report(&a, "2024-01-03", 3000); /* b sees it through its watcher and queues it too */
    ck_assert_msg(receiver_wait(&r, 3, 0, 5) == 0, "%zu of 3 deliveries arrived", r.n);
    struct timespec ts = {2, 0}; /* b's watcher tick and its delivery pass are long done */
    nanosleep(&ts, NULL);
    pthread_mutex_lock(&r.lock);
    size_t n = r.n;
    pthread_mutex_unlock(&r.lock);
    ck_assert_msg(n == 3, "%zu deliveries for 3 URLs: two servers each delivered", n);
    ck_assert_int_eq(test_server_stop(&b), 0);
    ck_assert_int_eq(test_server_stop(&a), 0);
    test_server_cleanup(&b);
    test_server_cleanup(&a);
    receiver_stop(&r);
}
END_TEST

TCase *http_webhook_tcase(void)
{
    TCase *tc = tcase_create("http_webhook");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_delivery_signed_and_formats);
    tcase_add_test(tc, test_retry_after_500);
    tcase_add_test(tc, test_failure_log_hides_credentials);
    tcase_add_test(tc, test_bad_webhooks_setting_stops_start);
    tcase_add_test(tc, test_delivery_after_restart);
    tcase_add_test(tc, test_two_servers_deliver_once);
    return tc;
}
