/* Faults: slow clients hold connections without stopping anyone else; a database that
 * refuses writes (a full disk) answers writes 503 while reads go on, and recovers when space
 * returns; a database that is missing (create = false), empty, not a database, damaged or
 * from a newer schema stops `attrition serve` at start with a non-zero exit and an error
 * naming the problem, never an empty service. */
#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "attrition/date.h"
#include "harness.h"
#include "upstream.h"

TCase *http_faults_tcase(void);

#define FAULTS_TOKEN "faults-token"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- slow clients ----------------------------------------------------------------------- */

/* The limits the slow-client test runs with: the defaults of server/config.c for the
 * connection limits, and a short idle timeout so that the test sees the server drop the
 * connections it holds (the default is 15 s). */
#define SLOW_CONN_LIMIT 1024
#define SLOW_PER_IP_LIMIT 256
#define SLOW_TIMEOUT 5
#define SLOW_IDLE 300     /* connections that send nothing */
#define SLOW_HALF 100     /* requests whose headers never end */
#define SLOW_ATTACKER "127.0.0.2" /* the slow client's address: the rest of 127.0.0.0/8 is
                                   * loopback too, so one host can play two clients */

static const char *const slow_env[] = {
    "ATTRITION_CONN_LIMIT=1024", "ATTRITION_PER_IP_LIMIT=256", "ATTRITION_TIMEOUT=5",
    "ATTRITION_ACCESS_LOG=false", NULL};

/* A TCP connection from source address src to the server. -1 when it cannot connect. */
static int connect_from(const char *src, int port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    inet_pton(AF_INET, src, &a.sin_addr);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0)
        goto fail;
    a.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        goto fail;
    return fd;
fail:
    close(fd);
    return -1;
}

/* Has the server closed fd (EOF or reset)? Reads and drops whatever it sent. */
static int closed_by_server(int fd)
{
    char buf[4096];
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0)
        return 0;
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

static int count_closed(const int *fds, size_t n)
{
    int c = 0;
    for (size_t i = 0; i < n; i++)
        c += fds[i] < 0 || closed_by_server(fds[i]);
    return c;
}

static size_t discard(char *ptr, size_t size, size_t n, void *ud)
{
    (void)ptr;
    (void)ud;
    return size * n;
}

/* A normal client from 127.0.0.1: GET path with a 20 s timeout. Returns the status (0 when
 * no answer came) and the seconds it took in *secs. */
static long normal_get(int port, const char *path, double *secs)
{
    char url[256];
    long status = 0;
    CURL *c = curl_easy_init();
    ck_assert_ptr_nonnull(c);
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    double t0 = now_seconds();
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    *secs = now_seconds() - t0;
    curl_easy_cleanup(c);
    return status;
}

START_TEST(slow_clients_stop_no_one)
{
    static int fds[SLOW_IDLE + SLOW_HALF];
    const size_t n = SLOW_IDLE + SLOW_HALF;
    test_server s;
    double secs;
    ck_assert_int_eq(test_server_prepare(&s), 0);
    ck_assert_int_eq(test_server_start(&s, slow_env), 0);
    double t_first = now_seconds();

    /* One host opens 300 idle connections and 100 requests it never finishes: half stop in
     * the request line, half in the headers. */
    for (size_t i = 0; i < n; i++) {
        fds[i] = connect_from(SLOW_ATTACKER, s.port);
        ck_assert_msg(fds[i] >= 0, "connection %zu from %s: %s", i, SLOW_ATTACKER, strerror(errno));
        if (i >= SLOW_IDLE) {
            const char *part = i % 2 ? "GET /v1/categ"
                                     : "GET /v1/categories HTTP/1.1\r\nHost: x\r\nX-Slow: a";
            ck_assert_int_gt(send(fds[i], part, strlen(part), MSG_NOSIGNAL), 0);
        }
    }
    /* Another client is answered at once. */
    long status = normal_get(s.port, "/v1/categories", &secs);
    printf("http_faults: with %zu slow connections open, /v1/categories answered %ld in %.3f s\n",
           n, status, secs);
    ck_assert_int_eq(status, 200);

    /* The per-IP limit: the server kept SLOW_PER_IP_LIMIT of the slow host's connections and
     * closed the rest at once. */
    int closed = 0;
    for (int t = 0; t < 100 && (closed = count_closed(fds, n)) < (int)n - SLOW_PER_IP_LIMIT; t++)
        sleep_ms(20);
    printf("http_faults: per-IP limit %d: %d of %zu connections from %s refused\n",
           SLOW_PER_IP_LIMIT, closed, n, SLOW_ATTACKER);
    if (now_seconds() - t_first < SLOW_TIMEOUT)
        ck_assert_int_eq(closed, (int)n - SLOW_PER_IP_LIMIT);
    else /* so slow (valgrind) that the idle timeout may have closed some already */
        ck_assert_int_ge(closed, (int)n - SLOW_PER_IP_LIMIT);

    /* The idle timeout: every connection it kept is dropped SLOW_TIMEOUT s after its last
     * byte (60 s allowed: valgrind). */
    double t0 = now_seconds();
    while (closed < (int)n && now_seconds() - t0 < 60) {
        sleep_ms(100);
        closed = count_closed(fds, n);
    }
    printf("http_faults: idle timeout %d s: all %d slow connections closed by the server "
           "%.1f s later\n", SLOW_TIMEOUT, closed, now_seconds() - t0);
    ck_assert_int_eq(closed, (int)n);
    for (size_t i = 0; i < n; i++)
        close(fds[i]);

    ck_assert_int_eq(normal_get(s.port, "/livez", &secs), 200);
    ck_assert_int_eq(test_server_stop(&s), 0); /* exit 0: no leak of the abandoned requests */
    test_server_cleanup(&s);
}
END_TEST

/* ---- a database that refuses writes ----------------------------------------------------- */

/* Mounts a tmpfs of mb MiB at path in a mount namespace of this process (so that it goes
 * away with the test even when an assertion stops it). Returns 0, or -1 with the reason
 * printed as a SKIP line. */
static int mount_small_fs(const char *path, int mb)
{
    char opts[64];
    if (unshare(CLONE_NEWNS) == 0)
        mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL); /* keep ours from the host */
    snprintf(opts, sizeof opts, "size=%dm,mode=0700", mb);
    if (mkdir(path, 0700) != 0 || mount("attrition-test", path, "tmpfs", 0, opts) != 0) {
        printf("SKIP http_faults disk full: cannot mount a %d MiB tmpfs at %s (%s); the test "
               "needs root (CAP_SYS_ADMIN)\n", mb, path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Writes to path until the file system has no room left. Returns the bytes written. */
static long long fill_fs(const char *path)
{
    static char block[65536];
    long long total = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    memset(block, 'f', sizeof block);
    for (size_t size = sizeof block; size > 0; size /= 2) {
        ssize_t w;
        while ((w = write(fd, block, size)) > 0)
            total += w;
        ck_assert_msg(w == 0 || errno == ENOSPC, "filling %s: %s", path, strerror(errno));
    }
    close(fd);
    return total;
}

/* POST a report for date (new figures) and return the response; caller frees. */
static http_resp post_report(const test_server *s, int date, long long personnel)
{
    const char *const headers[] = {"Authorization: Bearer " FAULTS_TOKEN,
                                   "Content-Type: application/json", NULL};
    char body[256], ds[DATE_STR_LEN];
    http_resp r;
    snprintf(body, sizeof body, "{\"date\": \"%s\", \"totals\": {\"personnel\": %lld}}",
             date_format(date, ds), personnel);
    ck_assert_int_eq(http_request(s, "POST", "/v1/reports", headers, body, strlen(body), &r), 0);
    return r;
}

static void assert_unavailable(const http_resp *r, const char *what)
{
    const char *detail = r->json ? json_string_value(json_object_get(r->json, "detail")) : NULL;
    ck_assert_msg(r->status == 503, "%s on a full disk: %ld %s", what, r->status, r->body);
    ck_assert_msg(detail && (strstr(detail, "full") || strstr(detail, "read-only")),
                  "%s: the detail does not say why: %s", what, r->body);
    printf("http_faults: disk full: %s -> 503 \"%s\"\n", what, detail);
}

START_TEST(full_disk_refuses_writes_keeps_reads)
{
    test_server s;
    char fs[520], filler[560];
    const char *const env[] = {"ATTRITION_TOKEN=" FAULTS_TOKEN, NULL};
    const char *const auth[] = {"Authorization: Bearer " FAULTS_TOKEN,
                                "Content-Type: application/json", NULL};
    static const char estimate[] = "{\"country\": \"KP\", \"deployed_to\": \"RU\", \"figure\": "
        "1000, \"kind\": \"reported\", \"as_of\": \"2024-10-01\", \"source\": {\"name\": "
        "\"faults test\"}}";
    http_resp r;
    ck_assert_int_eq(test_server_prepare(&s), 0);
    snprintf(fs, sizeof fs, "%.500s/fs", s.dir);
    if (mount_small_fs(fs, 32) != 0) {
        test_server_cleanup(&s);
        return;
    }
    /* The database on the small file system; the log stays outside it. */
    snprintf(s.db, sizeof s.db, "%s/attrition.db", fs);
    snprintf(filler, sizeof filler, "%s/filler", fs);
    /* The dataset's first 60 days: the refusals do not depend on the history's length. */
    const char *const *files = test_dataset_files();
    upstream_dataset_until(UPSTREAM_SHORT_UNTIL);
    if (files != NULL)
        ck_assert_int_eq(upstream_import_dataset(&s), 0);
    ck_assert_int_eq(test_server_start(&s, env), 0);
    ck_assert_int_eq(http_get(&s, "/v1/cumulative", &r), 0);
    ck_assert_int_eq(r.status, 200);
    char *series = strdup(r.body);
    http_resp_free(&r);
    int day = date_today();

    printf("http_faults: disk full: filled the database's file system with %lld bytes\n",
           fill_fs(filler));
    r = post_report(&s, day, 5000000);
    assert_unavailable(&r, "POST /v1/reports");
    http_resp_free(&r);
    ck_assert_int_eq(http_request(&s, "POST", "/v1/deployments", auth, estimate,
                                  sizeof estimate - 1, &r), 0);
    assert_unavailable(&r, "POST /v1/deployments");
    http_resp_free(&r);
    ck_assert_int_eq(http_request(&s, "DELETE", "/v1/deployments/1", auth, NULL, 0, &r), 0);
    assert_unavailable(&r, "DELETE /v1/deployments/1");
    http_resp_free(&r);

    /* Reads go on, from memory and from the database, and show nothing of the refused writes. */
    static const char *const reads[] = {"/v1/categories", "/v1/deployments", "/v1/deployments/1",
                                        "/readyz", "/api/v2/war-info"};
    for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
        if (files == NULL && strcmp(reads[i], "/api/v2/war-info") == 0)
            continue; /* no report stored: 404 */
        ck_assert_int_eq(http_get(&s, reads[i], &r), 0);
        ck_assert_msg(r.status == 200, "GET %s on a full disk: %ld %s", reads[i], r.status, r.body);
        http_resp_free(&r);
    }
    if (files != NULL) {
        ck_assert_int_eq(http_get(&s, "/v1/reports/" UPSTREAM_SHORT_UNTIL, &r), 0);
        ck_assert_int_eq(r.status, 200);
        http_resp_free(&r);
    }
    ck_assert_int_eq(http_get(&s, "/v1/cumulative", &r), 0);
    ck_assert_str_eq(r.body, series);
    http_resp_free(&r);

    /* Space again: the same write succeeds. */
    ck_assert_int_eq(unlink(filler), 0);
    r = post_report(&s, day, 5000000);
    ck_assert_msg(r.status == 201, "POST after freeing space: %ld %s", r.status, r.body);
    http_resp_free(&r);
    ck_assert_int_eq(test_server_stop(&s), 0);
    umount2(fs, MNT_DETACH);
    free(series);
    test_server_cleanup(&s);
}
END_TEST

/* ---- databases that must stop the server at start --------------------------------------- */

/* Runs `attrition serve --db db --port 0` (under $ATTRITION_WRAPPER, e.g. valgrind, when
 * set) with extra environment entries, output to log, and waits up to 60 s for it to exit.
 * Returns the exit code; fails the test if it is still running then (it served). */
static int serve_exit_code(const char *db, const char *const *env, const char *log)
{
    const char *argv[] = {getenv("ATTRITION_BIN"), "serve", "--db", db, "--port", "0", NULL};
    ck_assert_ptr_nonnull(argv[0]);
    unlink(log);
    pid_t pid = test_spawn(argv, env, log);
    ck_assert_int_ge(pid, 0);
    int status = 0;
    for (int t = 0; t < 600; t++) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        sleep_ms(100);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    ck_abort_msg("attrition serve --db %s did not stop within 60 s: it served", db);
    return -1;
}

/* The log of a refused start: an "error" event whose detail holds want, no "listening". */
static void assert_refused(const char *log, const char *want, const char *what)
{
    char line[4096];
    int error = 0, listening = 0;
    FILE *f = fopen(log, "r");
    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof line, f)) {
        json_t *j = json_loads(line, 0, NULL);
        const char *event = json_string_value(json_object_get(j, "event"));
        const char *detail = json_string_value(json_object_get(j, "detail"));
        if (event && strcmp(event, "error") == 0 && detail && strstr(detail, want)) {
            error = 1;
            printf("http_faults: %s: exit 1, logged \"%s\"\n", what, detail);
        }
        listening |= event && strcmp(event, "listening") == 0;
        json_decref(j);
    }
    fclose(f);
    ck_assert_msg(error, "%s: no error event naming \"%s\" in %s", what, want, log);
    ck_assert_msg(!listening, "%s: the server listened", what);
}

/* Starts and stops a server so that db is a real attrition database (schema, seeds). */
static void make_database(test_server *s)
{
    ck_assert_int_eq(test_server_start(s, NULL), 0);
    ck_assert_int_eq(test_server_stop(s), 0);
}

static void sql_exec(const char *db, const char *sql)
{
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    ck_assert_msg(sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(h));
    sqlite3_close(h);
}

/* Overwrites len bytes of path at offset with pseudo-random bytes (seeded: the same every run). */
static void scribble(const char *path, long offset, size_t len, unsigned seed)
{
    unsigned char *junk = malloc(len);
    ck_assert_ptr_nonnull(junk);
    for (size_t i = 0; i < len; i++)
        junk[i] = (unsigned char)(rand_r(&seed) >> 7);
    int fd = open(path, O_WRONLY | O_CREAT, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, junk, len, offset), (ssize_t)len);
    close(fd);
    free(junk);
}

START_TEST(bad_databases_stop_the_start)
{
    static const char *const no_create[] = {"ATTRITION_CREATE=false", NULL};
    test_server s;
    char log[700], db[700];
    struct stat sb;
    if (test_skip_on_pg("bad_databases_stop_the_start", "damages and rewrites SQLite files"))
        return;
    ck_assert_int_eq(test_server_prepare(&s), 0);
    snprintf(log, sizeof log, "%s/refused.log", s.dir);

    /* Missing, with create = false: not created. */
    snprintf(db, sizeof db, "%s/missing.db", s.dir);
    ck_assert_int_eq(serve_exit_code(db, no_create, log), 1);
    assert_refused(log, "does not exist", "missing database, create = false");
    ck_assert_int_ne(stat(db, &sb), 0);

    /* Empty (a truncated file), with create = false. */
    snprintf(db, sizeof db, "%s/empty.db", s.dir);
    close(open(db, O_WRONLY | O_CREAT, 0600));
    ck_assert_int_eq(serve_exit_code(db, no_create, log), 1);
    assert_refused(log, "is empty", "empty database file, create = false");

    /* Random bytes. */
    snprintf(db, sizeof db, "%s/random.db", s.dir);
    scribble(db, 0, 64 * 1024, 7);
    ck_assert_int_eq(serve_exit_code(db, NULL, log), 1);
    assert_refused(log, "not a database", "random bytes");

    /* A real database whose pages after the first are overwritten. */
    make_database(&s);
    ck_assert_int_eq(stat(s.db, &sb), 0);
    ck_assert_int_gt(sb.st_size, 8192);
    scribble(s.db, 4096, (size_t)sb.st_size - 4096, 11);
    ck_assert_int_eq(serve_exit_code(s.db, NULL, log), 1);
    assert_refused(log, s.db, "damaged pages");
    ck_assert_int_eq(unlink(s.db), 0);

    /* A database written by a newer version of the program. */
    make_database(&s);
    sql_exec(s.db, "PRAGMA user_version = 99");
    ck_assert_int_eq(serve_exit_code(s.db, NULL, log), 1);
    assert_refused(log, "schema version 99 is newer", "schema version 99");

    /* Tables but no schema version: someone else's database. */
    snprintf(db, sizeof db, "%s/other.db", s.dir);
    sql_exec(db, "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)");
    ck_assert_int_eq(serve_exit_code(db, NULL, log), 1);
    assert_refused(log, "not an attrition database", "another program's database");
    test_server_cleanup(&s);
}
END_TEST

TCase *http_faults_tcase(void)
{
    TCase *tc = tcase_create("http_faults");
    /* Slow clients wait for the 5 s idle timeout; the others start servers a few times and
     * import the dataset once: ~15 s in all, far more under valgrind. */
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, slow_clients_stop_no_one);
    tcase_add_test(tc, full_disk_refuses_writes_keeps_reads);
    tcase_add_test(tc, bad_databases_stop_the_start);
    return tc;
}
