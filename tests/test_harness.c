/* A self-test of the test harness (tests/harness.c), so that a failing suite points at the
 * code under test and not at its tools: test_spawn runs a program with extra environment
 * and its output in a log, test_server_* start and stop a real server on an OS-picked port,
 * http_header and json_path_int read what they say. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

TCase *harness_tcase(void);

/* Runs `$ATTRITION_BIN args...` through test_spawn with its output in dir/name; returns the
 * exit code and the log's first line in line. */
static int run(const test_server *s, const char *const *argv, const char *name, char *line,
               size_t len)
{
    char log[700];
    int status = 0;
    snprintf(log, sizeof log, "%s/%s", s->dir, name);
    pid_t pid = test_spawn(argv, NULL, log);
    ck_assert_int_gt(pid, 0);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    FILE *f = fopen(log, "r");
    ck_assert_ptr_nonnull(f);
    line[0] = '\0';
    ck_assert_ptr_nonnull(fgets(line, (int)len, f));
    fclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

START_TEST(spawn_runs_with_log)
{
    test_server s;
    char line[256];
    ck_assert_int_eq(test_server_prepare(&s), 0);
    const char *help[] = {getenv("ATTRITION_BIN"), "help", NULL};
    ck_assert_ptr_nonnull(help[0]);
    ck_assert_int_eq(run(&s, help, "help.log", line, sizeof line), 0);
    ck_assert_msg(strncmp(line, "usage: attrition", 16) == 0, "first line: %s", line);
    const char *none[] = {help[0], NULL}; /* no subcommand: usage on stderr, exit 2 */
    ck_assert_int_eq(run(&s, none, "none.log", line, sizeof line), 2);
    ck_assert_msg(strncmp(line, "usage: attrition", 16) == 0, "first line: %s", line);
    test_server_cleanup(&s);
}
END_TEST

START_TEST(server_starts_and_stops)
{
    test_server s;
    http_resp r;
    ck_assert_int_eq(test_server_prepare(&s), 0);
    ck_assert_int_eq(test_server_start(&s, NULL), 0);
    ck_assert_int_gt(s.port, 0);
    ck_assert_int_eq(http_get(&s, "/livez", &r), 0);
    ck_assert_int_eq(r.status, 200);
    http_resp_free(&r);
    ck_assert_int_eq(test_server_stop(&s), 0); /* SIGTERM: a clean exit */
    test_server_cleanup(&s);
}
END_TEST

START_TEST(reads_headers_and_paths)
{
    char headers[] = "HTTP/1.1 200 OK\r\nContent-Type: text/csv; charset=utf-8\r\n"
                     "ETag:   \"abc\"\r\nX-Empty:\r\n\r\n";
    http_resp r = {200, NULL, 0, headers, NULL};
    char buf[64], small[5];
    ck_assert_str_eq(http_header(&r, "content-type", buf, sizeof buf), "text/csv; charset=utf-8");
    ck_assert_str_eq(http_header(&r, "ETag", buf, sizeof buf), "\"abc\"");
    ck_assert_str_eq(http_header(&r, "X-Empty", buf, sizeof buf), "");
    ck_assert_ptr_null(http_header(&r, "Content", buf, sizeof buf)); /* a prefix is not a name */
    ck_assert_ptr_null(http_header(&r, "Link", buf, sizeof buf));
    ck_assert_str_eq(http_header(&r, "Content-Type", small, sizeof small), "text"); /* cut */

    json_t *j = json_pack("{s:{s:i, s:s}, s:I}", "losses", "personnel", 1270, "tanks", "x",
                          "big", (json_int_t)INT64_C(1000000000000));
    ck_assert_int_eq(json_path_int(j, "losses.personnel"), 1270);
    ck_assert_int_eq(json_path_int(j, "big"), 1000000000000LL);
    ck_assert_int_eq(json_path_int(j, "losses.tanks"), INT64_MIN); /* not an integer */
    ck_assert_int_eq(json_path_int(j, "losses.uav"), INT64_MIN);
    ck_assert_int_eq(json_path_int(j, "losses"), INT64_MIN);
    json_decref(j);
}
END_TEST

TCase *harness_tcase(void)
{
    TCase *tc = tcase_create("harness");
    tcase_set_timeout(tc, 60); /* a server start under valgrind takes seconds */
    tcase_add_test(tc, spawn_runs_with_log);
    tcase_add_test(tc, server_starts_and_stops);
    tcase_add_test(tc, reads_headers_and_paths);
    return tc;
}
