/* Nothing lost, nothing silent (issue 18, HTTP): against a real server,
 * - a write without the token is answered 401 before its body is read: no "100 Continue",
 *   Connection: close, and 200 anonymous uploads of 1 MB each leave the RSS within a few MB;
 * - the request bodies held at once are bounded as a whole (body_budget): 503 past it;
 * - every head from 15,000 to 17,000 bytes (and 20 KB) gets an answer: 200, or 431
 *   problem+json; a POST at that edge is stored and answered, or refused and not stored;
 * - a repeated query parameter is 400 naming it; format= naming a representation the
 *   resource does not have is 400 naming the one it has; /v1/records and /v1/summary offer
 *   CSV;
 * - the gzip variant has its own ETag, If-None-Match compares weakly (W/, either variant),
 *   If-Modified-Since is honoured when If-None-Match is absent;
 * - `attrition CMD --help` and `attrition --version` exit 0. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "harness.h"

TCase *http_limits_tcase(void);

#define LIM_TOKEN "limits-token"
#define LIM_WAIT_MS 60000
#define LIM_AUTH "Authorization: Bearer " LIM_TOKEN

static const char *const lim_env[] = {"ATTRITION_TOKEN=" LIM_TOKEN, "ATTRITION_DRAIN_SECONDS=1",
                                      "ATTRITION_BODY_BUDGET=2000000", NULL};
static test_server srv;

static void post_report(const char *date, int personnel, long want)
{
    char body[160];
    const char *const h[] = {LIM_AUTH, "Content-Type: application/json", NULL};
    http_resp r;
    snprintf(body, sizeof body, "{\"date\": \"%s\", \"totals\": {\"personnel\": %d, \"tanks\": %d}}",
             date, personnel, personnel / 70);
    ck_assert_int_eq(http_request(&srv, "POST", "/v1/reports", h, body, strlen(body), &r), 0);
    ck_assert_msg(r.status == want, "POST %s: %ld %s", date, r.status, r.body);
    http_resp_free(&r);
}

static void setup(void)
{
    ck_assert_int_eq(test_server_prepare(&srv), 0);
    ck_assert_int_eq(test_server_start(&srv, lim_env), 0);
    post_report("2024-10-25", 690000, 201);
    post_report("2024-10-26", 691200, 201);
    post_report("2024-11-02", 699000, 201);
}

static void teardown(void)
{
    ck_assert_int_eq(test_server_stop(&srv), 0);
    test_server_cleanup(&srv);
}


static int connect_srv(void)
{
    struct sockaddr_in a;
    struct timeval tv = {10, 0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)srv.port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

/* Sends len bytes as far as the server takes them (it may close first). */
static void send_some(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0)
            return;
        p += n;
        len -= (size_t)n;
    }
}

/* The first bytes the server sent on fd (up to len - 1), NUL-terminated. */
static void recv_head(int fd, char *buf, size_t len)
{
    size_t got = 0;
    while (got + 1 < len) {
        ssize_t n = recv(fd, buf + got, len - 1 - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        buf[got] = '\0';
        if (strstr(buf, "\r\n\r\n"))
            break;
    }
    buf[got] = '\0';
}

#define UPLOADS 200
#define UPLOAD_LEN 1000000

/* 200 anonymous 1 MB uploads, each sending all but its last byte: the server answers each
 * 401 at once and keeps none of them. */
START_TEST(anonymous_uploads)
{
    static int fds[UPLOADS];
    static const char head[] = "POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: "
                               "application/json\r\nContent-Length: 1000000\r\n\r\n";
    char *chunk = malloc(65536);
    ck_assert_ptr_nonnull(chunk);
    memset(chunk, ' ', 65536);
    long before = test_rss_kib(srv.pid);
    ck_assert_int_gt(before, 0);
    for (int i = 0; i < UPLOADS; i++) {
        fds[i] = connect_srv();
        send_some(fds[i], head, sizeof head - 1);
        for (size_t sent = 0; sent < UPLOAD_LEN - 1;) {
            size_t k = UPLOAD_LEN - 1 - sent < 65536 ? UPLOAD_LEN - 1 - sent : 65536;
            ssize_t n = send(fds[i], chunk, k, MSG_NOSIGNAL);
            if (n <= 0)
                break;
            sent += (size_t)n;
        }
    }
    usleep(300 * 1000);
    long after = test_rss_kib(srv.pid);
    char answer[512];
    recv_head(fds[0], answer, sizeof answer);
    for (int i = 0; i < UPLOADS; i++)
        close(fds[i]);
    free(chunk);
    printf("http_limits: 200 anonymous uploads of 1 MB: RSS %ld KiB -> %ld KiB\n", before, after);
    ck_assert_msg(after - before < 8 * 1024, "200 anonymous uploads of 1 MB took the RSS from "
                  "%ld KiB to %ld KiB", before, after);
    /* a 401, or a reset that overtook it (the client was still sending): never a 100 */
    ck_assert_msg(strncmp(answer, "HTTP/1.1 401", 12) == 0 || answer[0] == '\0',
                  "an anonymous upload got: %.80s", answer);
}
END_TEST

/* With Expect: 100-continue, the 401 comes instead of "100 Continue", with
 * Connection: close; without a body sent at all. */
START_TEST(auth_before_body)
{
    static const char req[] = "POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: "
                              "application/json\r\nAuthorization: Bearer wrong\r\n"
                              "Content-Length: 100000\r\nExpect: 100-continue\r\n\r\n";
    char answer[2048];
    int fd = connect_srv();
    send_some(fd, req, sizeof req - 1);
    recv_head(fd, answer, sizeof answer);
    close(fd);
    ck_assert_msg(strncmp(answer, "HTTP/1.1 401", 12) == 0, "got: %.80s", answer);
    ck_assert_ptr_nonnull(strstr(answer, "Connection: close"));
    ck_assert_ptr_nonnull(strstr(answer, "WWW-Authenticate: Bearer"));
    ck_assert_ptr_null(strstr(answer, "100 Continue"));
    /* writes disabled (no token): 403, just as early */
    static const char anon[] = "PUT /v1/reports/2024-10-25 HTTP/1.1\r\nHost: x\r\nContent-Type: "
                               "application/json\r\nContent-Length: 100000\r\n"
                               "Expect: 100-continue\r\n\r\n";
    test_server off;
    http_resp r;
    ck_assert_int_eq(test_server_prepare(&off), 0);
    ck_assert_int_eq(test_server_start(&off, NULL), 0);
    ck_assert_int_eq(http_raw(&off, anon, sizeof anon - 1, LIM_WAIT_MS, &r), 0);
    ck_assert_msg(r.status == 403, "writes disabled: %ld %s", r.status, r.body);
    ck_assert_ptr_nonnull(http_header(&r, "Connection", answer, sizeof answer));
    ck_assert_str_eq(answer, "close");
    http_resp_free(&r);
    ck_assert_int_eq(test_server_stop(&off), 0);
    test_server_cleanup(&off);
}
END_TEST

/* Bodies in flight are bounded as a whole: with body_budget 2,000,000, one upload of
 * 1,000,000 bytes under way leaves no room for a second (503 at once, Retry-After); once
 * it is gone there is. */
START_TEST(body_budget)
{
    static const char first[] = "POST /v1/reports HTTP/1.1\r\nHost: x\r\n" LIM_AUTH "\r\n"
                                "Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{";
    static const char second[] = "POST /v1/reports HTTP/1.1\r\nHost: x\r\n" LIM_AUTH "\r\n"
                                 "Content-Type: application/json\r\nContent-Length: 1000000\r\n"
                                 "Expect: 100-continue\r\n\r\n";
    char answer[2048];
    int held = connect_srv();
    send_some(held, first, sizeof first - 1);
    usleep(200 * 1000);
    int fd = connect_srv();
    send_some(fd, second, sizeof second - 1);
    recv_head(fd, answer, sizeof answer);
    close(fd);
    ck_assert_msg(strncmp(answer, "HTTP/1.1 503", 12) == 0, "got: %.80s", answer);
    ck_assert_ptr_nonnull(strstr(answer, "Retry-After:"));
    ck_assert_ptr_nonnull(strstr(answer, "application/problem+json"));
    close(held);
    usleep(300 * 1000);
    fd = connect_srv();
    send_some(fd, second, sizeof second - 1);
    recv_head(fd, answer, sizeof answer);
    close(fd);
    ck_assert_msg(strncmp(answer, "HTTP/1.1 100", 12) == 0, "after the first upload closed: "
                  "%.80s", answer);
}
END_TEST

/* Public bodies (POST /v1/check, no token) hold at most half of body_budget: two public
 * uploads of 600,000 bytes do not both fit (503), and a writer's 1,000,000 still does. */
START_TEST(body_budget_public_half)
{
    static const char check[] = "POST /v1/check HTTP/1.1\r\nHost: x\r\n"
                                "Content-Type: text/plain\r\nContent-Length: 600000\r\n\r\n7";
    static const char check2[] = "POST /v1/check HTTP/1.1\r\nHost: x\r\n"
                                 "Content-Type: text/plain\r\nContent-Length: 600000\r\n"
                                 "Expect: 100-continue\r\n\r\n";
    static const char write[] = "POST /v1/reports HTTP/1.1\r\nHost: x\r\n" LIM_AUTH "\r\n"
                                "Content-Type: application/json\r\nContent-Length: 1000000\r\n"
                                "Expect: 100-continue\r\n\r\n";
    char answer[2048];
    usleep(300 * 1000); /* the bodies of the test before are let go */
    int held = connect_srv();
    send_some(held, check, sizeof check - 1);
    usleep(200 * 1000);
    int fd = connect_srv();
    send_some(fd, check2, sizeof check2 - 1);
    recv_head(fd, answer, sizeof answer);
    close(fd);
    ck_assert_msg(strncmp(answer, "HTTP/1.1 503", 12) == 0, "a second public body: %.80s",
                  answer);
    fd = connect_srv();
    send_some(fd, write, sizeof write - 1);
    recv_head(fd, answer, sizeof answer);
    close(fd);
    ck_assert_msg(strncmp(answer, "HTTP/1.1 100", 12) == 0, "a writer's body while a public "
                  "one is held: %.80s", answer);
    close(held);
}
END_TEST

/* A request of exactly size bytes of head: base, then X-Pad filling up to size, then body. */
static char *sized(const char *base, size_t size, const char *body, size_t *len)
{
    size_t bl = strlen(base), tail = strlen("X-Pad: \r\n\r\n"), body_len = strlen(body);
    ck_assert_uint_gt(size, bl + tail);
    char *req = malloc(size + body_len + 1);
    ck_assert_ptr_nonnull(req);
    memcpy(req, base, bl);
    memcpy(req + bl, "X-Pad: ", 7);
    memset(req + bl + 7, 'a', size - bl - tail);
    memcpy(req + size - 4, "\r\n\r\n", 4);
    memcpy(req + size, body, body_len + 1);
    *len = size + body_len;
    return req;
}

/* An answer that is 200 (or want_ok), or 431 problem+json naming the head. */
static void expect_answered(const http_resp *r, int rc, long want_ok, size_t size)
{
    char ct[128];
    ck_assert_msg(rc == 0, "a head of %zu bytes got no answer", size);
    if (r->status == want_ok)
        return;
    ck_assert_msg(r->status == 431, "a head of %zu bytes: %ld %.200s", size, r->status, r->body);
    ck_assert_ptr_nonnull(http_header(r, "Content-Type", ct, sizeof ct));
    ck_assert_str_eq(ct, "application/problem+json");
    ck_assert_ptr_nonnull(r->json);
    ck_assert_ptr_nonnull(strstr(r->body, "head is too large"));
}

START_TEST(head_sizes)
{
    int ok = 0, refused = 0;
    for (size_t size = 15000; size <= 17000; size += 50) {
        size_t len;
        http_resp r;
        char *req = sized("GET /v1/categories HTTP/1.1\r\nHost: x\r\n", size, "", &len);
        int rc = http_raw(&srv, req, len, LIM_WAIT_MS, &r);
        expect_answered(&r, rc, 200, size);
        ok += r.status == 200;
        refused += r.status == 431;
        http_resp_free(&r);
        free(req);
    }
    ck_assert_int_gt(ok, 0);
    ck_assert_int_gt(refused, 0);
    size_t len;
    http_resp r;
    char *req = sized("GET /livez HTTP/1.1\r\nHost: x\r\n", 20000, "", &len);
    expect_answered(&r, http_raw(&srv, req, len, LIM_WAIT_MS, &r), -1, 20000);
    http_resp_free(&r);
    free(req);
}
END_TEST

/* POSTs at the edge: stored and answered 201, or refused 431 and not stored. */
START_TEST(post_at_edge)
{
    int day = 1;
    for (size_t size = 15000; size <= 17000; size += 250, day++) {
        char base[256], body[128], path[64], date[16];
        snprintf(date, sizeof date, "2024-03-%02d", day);
        snprintf(body, sizeof body, "{\"date\": \"%s\", \"totals\": {\"personnel\": %d}}", date,
                 400000 + day);
        snprintf(base, sizeof base, "POST /v1/reports HTTP/1.1\r\nHost: x\r\n" LIM_AUTH "\r\n"
                 "Content-Type: application/json\r\nContent-Length: %zu\r\n", strlen(body));
        size_t len;
        http_resp r, g;
        char *req = sized(base, size, body, &len);
        expect_answered(&r, http_raw(&srv, req, len, LIM_WAIT_MS, &r), 201, size);
        snprintf(path, sizeof path, "/v1/reports/%s", date);
        ck_assert_int_eq(http_get(&srv, path, &g), 0);
        ck_assert_msg(g.status == (r.status == 201 ? 200 : 404), "POST of %zu bytes answered "
                      "%ld, then GET %s: %ld", size, r.status, path, g.status);
        http_resp_free(&r);
        http_resp_free(&g);
        free(req);
    }
}
END_TEST

static void expect_400(const char *path, const char *names)
{
    http_resp r;
    ck_assert_int_eq(http_get(&srv, path, &r), 0);
    ck_assert_msg(r.status == 400, "GET %s: %ld %s", path, r.status, r.body);
    ck_assert_msg(strstr(r.body, names) != NULL, "GET %s: the detail does not name %s: %s",
                  path, names, r.body);
    http_resp_free(&r);
}

static void expect_csv(const char *path, const char *header_row)
{
    http_resp r;
    char ct[128];
    ck_assert_int_eq(http_get(&srv, path, &r), 0);
    ck_assert_msg(r.status == 200, "GET %s: %ld %s", path, r.status, r.body);
    ck_assert_ptr_nonnull(http_header(&r, "Content-Type", ct, sizeof ct));
    ck_assert_msg(strncmp(ct, "text/csv", 8) == 0, "GET %s: %s", path, ct);
    ck_assert_msg(strncmp(r.body, header_row, strlen(header_row)) == 0, "GET %s: %s", path,
                  r.body);
    http_resp_free(&r);
}

START_TEST(parameters)
{
    expect_400("/v1/daily?category=tanks&category=personnel", "category");
    expect_400("/v1/cumulative?from=2024-10-25&from=2024-10-26", "from");
    expect_400("/v1/daily/latest?format=csv", "application/json");
    expect_400("/v1/cumulative/latest?format=csv", "application/json");
    expect_400("/v1/categories?format=csv", "application/json");
    expect_400("/v1/records/tanks?format=csv", "application/json");
    expect_csv("/v1/records?format=csv&category=personnel,tanks",
               "category,date,value\npersonnel,2024-10-25,690000\ntanks,2024-10-25,9857\n");
    expect_csv("/v1/summary?format=csv&group=month&category=personnel",
               "period,from,to,days,reports,personnel\n2024-10,2024-10-25,2024-10-31,7,2,");
    http_resp r;
    ck_assert_int_eq(http_get(&srv, "/v1/daily?category=tanks,personnel&format=json", &r), 0);
    ck_assert_int_eq(r.status, 200);
    http_resp_free(&r);
}
END_TEST

static void get_h(const char *path, const char *h1, const char *h2, long want, char etag[64])
{
    const char *const h[] = {h1, h2, NULL};
    http_resp r;
    ck_assert_int_eq(http_request(&srv, "GET", path, h1 ? h : NULL, NULL, 0, &r), 0);
    ck_assert_msg(r.status == want, "GET %s with %s, %s: %ld", path, h1 ? h1 : "-",
                  h2 ? h2 : "-", r.status);
    if (etag)
        ck_assert_ptr_nonnull(http_header(&r, "ETag", etag, 64));
    http_resp_free(&r);
}

START_TEST(validators)
{
    const char *path = "/v1/categories"; /* over 1 KiB: offered gzip-compressed */
    char plain[64], gz[64], want[64], inm[128], ims[128], lm[64], got[64];
    http_resp r;
    ck_assert_int_eq(http_get(&srv, path, &r), 0);
    ck_assert_ptr_nonnull(http_header(&r, "ETag", plain, sizeof plain));
    ck_assert_ptr_nonnull(http_header(&r, "Last-Modified", lm, sizeof lm));
    http_resp_free(&r);
    get_h(path, "Accept-Encoding: gzip", NULL, 200, gz);
    snprintf(want, sizeof want, "%.*s-gz\"", (int)strlen(plain) - 1, plain);
    ck_assert_str_eq(gz, want); /* distinct tags for distinct bytes */
    snprintf(inm, sizeof inm, "If-None-Match: W/%s", plain);
    get_h(path, inm, NULL, 304, got);
    ck_assert_str_eq(got, plain);
    snprintf(inm, sizeof inm, "If-None-Match: %s", gz);
    get_h(path, inm, NULL, 304, got); /* the gzip tag, asked without gzip */
    ck_assert_str_eq(got, plain);
    get_h(path, inm, "Accept-Encoding: gzip", 304, got);
    ck_assert_str_eq(got, gz);
    snprintf(inm, sizeof inm, "If-None-Match: \"0123456789abcdef\"");
    get_h(path, inm, NULL, 200, NULL);
    snprintf(ims, sizeof ims, "If-Modified-Since: %s", lm);
    get_h(path, ims, NULL, 304, NULL);
    get_h(path, ims, inm, 200, NULL); /* If-None-Match present: it alone decides */
    get_h(path, "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT", NULL, 200, NULL);
    /* an answer that changes while the data does not is never 304 by date */
    get_h("/metrics", "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT", NULL, 200, NULL);
}
END_TEST

/* Runs the binary with args; returns its exit code, its output in out. */
static int run_cli(const char *const *args, char *out, size_t len)
{
    char log[700];
    snprintf(log, sizeof log, "%s/cli.log", srv.dir);
    unlink(log);
    pid_t pid = test_spawn(args, NULL, log);
    int st = 0;
    ck_assert_int_gt(pid, 0);
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    FILE *f = fopen(log, "r");
    size_t n = f ? fread(out, 1, len - 1, f) : 0;
    out[n] = '\0';
    if (f)
        fclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

START_TEST(cli)
{
    static const char *const cmds[] = {"serve", "import", "export", "sync"};
    const char *bin = getenv("ATTRITION_BIN");
    char out[8192], want[64];
    ck_assert_ptr_nonnull(bin);
    for (size_t i = 0; i < 4; i++) {
        const char *const args[] = {bin, cmds[i], "--help", NULL};
        ck_assert_msg(run_cli(args, out, sizeof out) == 0, "%s --help: %s", cmds[i], out);
        snprintf(want, sizeof want, "usage: attrition %s", cmds[i]);
        ck_assert_msg(strstr(out, want) != NULL, "%s --help: %s", cmds[i], out);
    }
    const char *const version[] = {bin, "--version", NULL};
    ck_assert_int_eq(run_cli(version, out, sizeof out), 0);
    unsigned a, b, c;
    ck_assert_msg(sscanf(out, "attrition %u.%u.%u", &a, &b, &c) == 3, "--version: %s", out);
}
END_TEST

TCase *http_limits_tcase(void)
{
    TCase *tc = tcase_create("http_limits");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, parameters); /* before post_at_edge adds reports */
    tcase_add_test(tc, validators);
    tcase_add_test(tc, auth_before_body);
    tcase_add_test(tc, anonymous_uploads);
    tcase_add_test(tc, body_budget);
    tcase_add_test(tc, body_budget_public_half);
    tcase_add_test(tc, head_sizes);
    tcase_add_test(tc, post_at_edge);
    tcase_add_test(tc, cli);
    return tc;
}
