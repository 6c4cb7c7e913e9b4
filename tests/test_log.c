/* Unit tests for server/log.c: the writer thread. Many threads log at once into a file and
 * every line read back is whole JSON with all its fields; a pipe nobody reads makes lines
 * drop (counted) without stalling the loggers; log_stop writes out what is buffered; the
 * periodic flush happens without any call; bytes that are not UTF-8 keep every field. */
#include <check.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

TCase *log_tcase(void);

#define LT_THREADS 4
#define LT_LINES 2000

/* A temporary file for the writer (unlinked at once; read back through fd). */
static int temp_fd(void)
{
    const char *dir = getenv("ATTRITION_TEST_TMP");
    char path[600];
    if (dir && *dir)
        (void)mkdir(dir, 0700); /* made by the first test that needs it */
    snprintf(path, sizeof path, "%s/logXXXXXX", dir && *dir ? dir : ".");
    int fd = mkstemp(path);
    ck_assert_msg(fd >= 0, "mkstemp %s failed", path);
    unlink(path);
    return fd;
}

/* Everything in fd from offset 0, NUL-terminated (caller frees). */
static char *read_all(int fd, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    off_t off = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            char *nb = realloc(buf, cap * 2);
            ck_assert_ptr_nonnull(nb);
            buf = nb;
            cap *= 2;
        }
        ssize_t r = pread(fd, buf + n, cap - n - 1, off);
        ck_assert_int_ge(r, 0);
        if (r == 0)
            break;
        n += (size_t)r;
        off += r;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Checks that text is whole lines of request JSON, each with every field; marks seen[t][i]
 * for path "/t/<t>/<i>" (each at most once). Returns the number of request lines. */
static size_t check_lines(char *text, unsigned char (*seen)[LT_LINES])
{
    size_t n = 0, len = strlen(text);
    ck_assert_msg(len == 0 || text[len - 1] == '\n', "the output ends inside a line");
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        json_error_t err;
        json_t *j = json_loads(line, 0, &err);
        ck_assert_msg(j != NULL, "not a JSON line (%s): %.200s", err.text, line);
        const char *ev = json_string_value(json_object_get(j, "event"));
        ck_assert_msg(ev != NULL && json_is_string(json_object_get(j, "ts")), "ts/event in %s", line);
        if (strcmp(ev, "request") == 0) {
            const char *path = json_string_value(json_object_get(j, "path"));
            unsigned t, i;
            ck_assert_msg(path && sscanf(path, "/t/%u/%u", &t, &i) == 2 && t < LT_THREADS &&
                          i < LT_LINES, "path in %s", line);
            ck_assert_msg(!seen[t][i], "line %u/%u written twice", t, i);
            seen[t][i] = 1;
            ck_assert_str_eq(json_string_value(json_object_get(j, "method")), "GET");
            ck_assert_int_eq(json_integer_value(json_object_get(j, "status")), 200 + (int)(i % 3));
            ck_assert_int_eq(json_integer_value(json_object_get(j, "bytes")), (int)i);
            ck_assert_msg(json_is_real(json_object_get(j, "duration_ms")), "duration_ms in %s", line);
            ck_assert_msg(json_is_true(json_object_get(j, "completed")), "completed in %s", line);
            n++;
        }
        json_decref(j);
    }
    return n;
}

static void *log_lines(void *arg)
{
    unsigned t = (unsigned)(size_t)arg;
    char path[64];
    for (unsigned i = 0; i < LT_LINES; i++) {
        snprintf(path, sizeof path, "/t/%u/%u", t, i);
        log_request("GET", path, 200 + i % 3, i, 0.25, 1);
    }
    return NULL;
}

static void run_threads(void)
{
    pthread_t th[LT_THREADS];
    for (size_t t = 0; t < LT_THREADS; t++)
        ck_assert_int_eq(pthread_create(&th[t], NULL, log_lines, (void *)t), 0);
    for (size_t t = 0; t < LT_THREADS; t++)
        pthread_join(th[t], NULL);
}

/* Four threads, 2,000 lines each, into a file: every line written is whole, none twice, and
 * written + dropped is exactly what was logged. */
START_TEST(test_log_threads)
{
    static unsigned char seen[LT_THREADS][LT_LINES];
    memset(seen, 0, sizeof seen);
    int fd = temp_fd();
    unsigned long long d0 = log_dropped();
    ck_assert_int_eq(log_start(fd, 0), 0);
    ck_assert_int_eq(log_start(fd, 0), -1); /* already running */
    log_event_new("start", json_pack("{s:i}", "threads", LT_THREADS));
    run_threads();
    log_stop();
    size_t len;
    char *text = read_all(fd, &len);
    size_t n = check_lines(text, seen);
    unsigned long long dropped = log_dropped() - d0;
    ck_assert_msg(n + dropped == (size_t)LT_THREADS * LT_LINES,
                  "%zu lines written + %llu dropped != %d logged", n, dropped, LT_THREADS * LT_LINES);
    ck_assert_msg(n > 0, "nothing was written");
    free(text);
    close(fd);
}
END_TEST

struct drain_arg {
    int fd;
    char *buf;
    size_t len, cap;
};

static void *drain_pipe(void *arg)
{
    struct drain_arg *d = arg;
    for (;;) {
        if (d->len + 4096 + 1 > d->cap) {
            size_t ncap = d->cap ? d->cap * 2 : 1 << 16;
            char *nb = realloc(d->buf, ncap);
            if (nb == NULL)
                break;
            d->buf = nb;
            d->cap = ncap;
        }
        ssize_t r = read(d->fd, d->buf + d->len, d->cap - d->len - 1);
        if (r <= 0)
            break;
        d->len += (size_t)r;
    }
    if (d->buf)
        d->buf[d->len] = '\0';
    return NULL;
}

/* A pipe nobody reads: the loggers keep going (a stall would hang here until the test
 * timeout), lines are dropped and counted; once a reader drains the pipe, log_stop writes
 * the rest, and what was read is whole lines, as many as were not dropped. */
START_TEST(test_log_blocked_pipe)
{
    static unsigned char seen[LT_THREADS][LT_LINES];
    memset(seen, 0, sizeof seen);
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    unsigned long long d0 = log_dropped();
    ck_assert_int_eq(log_start(p[1], 16 * 1024), 0);
    run_threads(); /* ~0.8 MB of lines against a 64 KiB pipe and 32 KiB per thread */
    unsigned long long while_blocked = log_dropped() - d0;
    ck_assert_msg(while_blocked > 0, "no line was dropped while nobody read the pipe");
    struct drain_arg d = {p[0], NULL, 0, 0};
    pthread_t reader;
    ck_assert_int_eq(pthread_create(&reader, NULL, drain_pipe, &d), 0);
    log_stop();
    close(p[1]);
    pthread_join(reader, NULL);
    close(p[0]);
    ck_assert_ptr_nonnull(d.buf);
    size_t n = check_lines(d.buf, seen);
    unsigned long long dropped = log_dropped() - d0;
    ck_assert_msg(n + dropped == (size_t)LT_THREADS * LT_LINES,
                  "%zu lines read + %llu dropped != %d logged", n, dropped, LT_THREADS * LT_LINES);
    free(d.buf);
}
END_TEST

/* log_stop on a pipe nobody ever reads: it gives up (after about 2 s in all, not per
 * block) instead of hanging the shutdown, and counts what it could not write as dropped:
 * what the pipe holds is whole lines, and held + dropped is everything logged. */
START_TEST(test_log_stop_blocked)
{
    static unsigned char seen[LT_THREADS][LT_LINES];
    memset(seen, 0, sizeof seen);
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    unsigned long long d0 = log_dropped();
    ck_assert_int_eq(log_start(p[1], 16 * 1024), 0);
    run_threads();
    log_stop(); /* a hang here ends at the test timeout */
    close(p[1]);
    struct drain_arg d = {p[0], NULL, 0, 0};
    drain_pipe(&d);
    close(p[0]);
    ck_assert_ptr_nonnull(d.buf);
    size_t n = check_lines(d.buf, seen);
    unsigned long long dropped = log_dropped() - d0;
    ck_assert_msg(n + dropped == (size_t)LT_THREADS * LT_LINES,
                  "%zu lines in the pipe + %llu dropped != %d logged", n, dropped,
                  LT_THREADS * LT_LINES);
    ck_assert_uint_gt(n, 0);
    free(d.buf);
}
END_TEST

/* Lines wait in buffers, and log_stop writes every one out. */
START_TEST(test_log_flush_on_stop)
{
    static unsigned char seen[LT_THREADS][LT_LINES];
    memset(seen, 0, sizeof seen);
    int fd = temp_fd();
    ck_assert_int_eq(log_start(fd, 0), 0);
    for (unsigned i = 0; i < 50; i++) {
        char path[32];
        snprintf(path, sizeof path, "/t/0/%u", i);
        log_request("GET", path, 200 + i % 3, i, 1.5, 1);
    }
    log_stop();
    size_t len;
    char *text = read_all(fd, &len);
    ck_assert_uint_eq(check_lines(text, seen), 50);
    for (unsigned i = 0; i < 50; i++)
        ck_assert_msg(seen[0][i], "line %u missing", i);
    free(text);
    close(fd);
}
END_TEST

/* Without log_flush or log_stop, a request line reaches the file on the writer's own
 * schedule (every 100 ms; polled here for up to 10 s, not timed). */
START_TEST(test_log_periodic_flush)
{
    int fd = temp_fd();
    ck_assert_int_eq(log_start(fd, 0), 0);
    log_request("GET", "/t/0/7", 201, 7, 0.5, 1);
    size_t len = 0;
    char *text = NULL;
    for (int i = 0; i < 1000 && len == 0; i++) {
        free(text);
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        text = read_all(fd, &len);
    }
    ck_assert_msg(len > 0, "the line was not written within 10 s");
    ck_assert_ptr_nonnull(strstr(text, "\"path\":\"/t/0/7\""));
    free(text);
    log_stop();
    close(fd);
}
END_TEST

/* Bytes that are not UTF-8, quotes, backslashes and controls: the line stays JSON and keeps
 * method, path (invalid bytes as the text \xHH) and status; a long path is cut, and says so. */
START_TEST(test_log_escaping)
{
    int fd = temp_fd();
    ck_assert_int_eq(log_start(fd, 0), 0);
    log_request("GET", "/v1/\xC0\x80/\"q\"\\\n\x01/\xD0\x96", 404, 12, 0.1, 0);
    log_request(NULL, NULL, 400, 0, -1.0, 1);
    char long_path[LOG_PATH_MAX + 100];
    memset(long_path, 'a', sizeof long_path - 1);
    long_path[sizeof long_path - 1] = '\0';
    log_request("GET", long_path, 414, 0, 0.1, 1);
    log_stop();
    size_t len;
    char *text = read_all(fd, &len);
    char *save = NULL;
    char *l1 = strtok_r(text, "\n", &save), *l2 = strtok_r(NULL, "\n", &save);
    char *l3 = strtok_r(NULL, "\n", &save);
    ck_assert_ptr_nonnull(l3);
    json_t *j = json_loads(l1, 0, NULL);
    ck_assert_msg(j != NULL, "not JSON: %s", l1);
    ck_assert_str_eq(json_string_value(json_object_get(j, "method")), "GET");
    ck_assert_str_eq(json_string_value(json_object_get(j, "path")),
                     "/v1/\\xC0\\x80/\"q\"\\\n\x01/\xD0\x96");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "status")), 404);
    ck_assert_msg(json_is_false(json_object_get(j, "completed")), "completed in %s", l1);
    json_decref(j);
    j = json_loads(l2, 0, NULL);
    ck_assert_msg(j != NULL, "not JSON: %s", l2);
    ck_assert_str_eq(json_string_value(json_object_get(j, "method")), "");
    ck_assert_str_eq(json_string_value(json_object_get(j, "path")), "");
    ck_assert_msg(json_real_value(json_object_get(j, "duration_ms")) == 0.0, "duration in %s", l2);
    json_decref(j);
    j = json_loads(l3, 0, NULL);
    ck_assert_msg(j != NULL, "not JSON: %.100s", l3);
    ck_assert_uint_eq(strlen(json_string_value(json_object_get(j, "path"))), LOG_PATH_MAX);
    ck_assert_msg(json_is_true(json_object_get(j, "path_truncated")), "path_truncated");
    json_decref(j);
    free(text);
    close(fd);
}
END_TEST

TCase *log_tcase(void)
{
    TCase *tc = tcase_create("log");
    tcase_set_timeout(tc, 60); /* a stalled logger hangs until this; valgrind needs ~20 s */
    tcase_add_test(tc, test_log_threads);
    tcase_add_test(tc, test_log_blocked_pipe);
    tcase_add_test(tc, test_log_stop_blocked);
    tcase_add_test(tc, test_log_flush_on_stop);
    tcase_add_test(tc, test_log_periodic_flush);
    tcase_add_test(tc, test_log_escaping);
    return tc;
}
