#ifndef ATTRITION_TEST_HARNESS_H
#define ATTRITION_TEST_HARNESS_H

/* Test support: a real `attrition serve` on an OS-picked port with a fresh database in a
 * temporary folder, and a libcurl client. Environment (set by tests/meson.build):
 *   ATTRITION_BIN       the built attrition executable
 *   ATTRITION_DATA      ../shared/data/ua-mod (tests that need it skip when absent)
 *   ATTRITION_FIXTURES  ../shared/data/fixtures
 *   ATTRITION_TEST_TMP  where temporary folders go (inside the build directory)
 *   ATTRITION_TEST_PG   (optional) the libpq URI of a throwaway PostgreSQL cluster
 *                       (scripts/pg-tmp): each server then gets a fresh database of its
 *                       own there (CREATE DATABASE, dropped by test_server_cleanup) and
 *                       s->db is its URI instead of a SQLite file */

#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

typedef struct test_server {
    pid_t pid;
    int port;
    char dir[512];   /* temporary folder, removed by test_server_stop */
    char db[600];
    char log[600];
    char pgname[64]; /* the database made on ATTRITION_TEST_PG for it, or "" */
} test_server;

/* On PostgreSQL (ATTRITION_TEST_PG set)? Then prints "SKIP <what>: <why>" (why: e.g. "reads
 * the SQLite file itself") and returns 1; else 0. For tests of the SQLite file. */
int test_skip_on_pg(const char *what, const char *why);

/* Makes a fresh temporary folder with a database path in it (nothing started). 0 or -1. */
int test_server_prepare(test_server *s);

/* fork/exec of argv (argv[0] a path, e.g. $ATTRITION_BIN) with extra "KEY=VALUE" environment
 * entries (NULL-terminated, may be NULL), stdout and stderr appended to logpath, under
 * $ATTRITION_WRAPPER (e.g. valgrind and its flags, split at spaces) when set. Returns the
 * child's pid (wait for it with waitpid), or -1 if fork failed. */
pid_t test_spawn(const char *const *argv, const char *const *env, const char *logpath);

/* Runs `attrition import --db <db> files...`; returns its exit code (-1 if it could not run).
 * Its output goes to <dir>/import.log. */
int test_server_import(test_server *s, const char *const *files, size_t n);

/* Starts `attrition serve --db <db> --port 0` with extra "KEY=VALUE" environment entries
 * (NULL-terminated, may be NULL) and waits for its "listening" log line. 0 or -1. */
int test_server_start(test_server *s, const char *const *env);

/* prepare + (when the dataset is present) import it + start, asserting each step with
 * Check. Returns 1 when the dataset was imported, 0 when it is absent (after printing a
 * SKIP line naming what). For unchecked fixtures. */
int test_server_start_dataset(test_server *s, const char *what, const char *const *env);

/* SIGTERM, wait; returns the exit code (or 128+signal). Leaves the folder. */
int test_server_stop(test_server *s);

/* Waits until the server's log holds needle (a line's text, e.g. "\"event\":\"x\""),
 * polling every 20 ms for timeout_ms at most (the server writes its log at least every
 * 100 ms). Returns 0 when found, -1 when not. */
int test_server_wait_log(const test_server *s, const char *needle, int timeout_ms);

/* The data version s serves (/readyz "data_version"), asserting a 200 JSON answer. */
long long test_data_version(const test_server *s);

/* Removes the temporary folder. */
void test_server_cleanup(test_server *s);

/* The dataset files (personnel, equipment, corrections) under ATTRITION_DATA, or NULL when
 * the dataset is absent (after printing a "skipped" line naming why). */
const char *const *test_dataset_files(void);

/* Has the dataset? Prints "SKIP <what>: ..." and returns 0 when absent. */
int test_have_dataset(const char *what);

typedef struct http_resp {
    long status;
    char *body;       /* NUL-terminated */
    size_t len;
    char *headers;    /* raw header block */
    json_t *json;     /* parsed body when it is JSON, else NULL */
} http_resp;

/* One request. headers: NULL-terminated "Name: value" strings or NULL. body may be NULL.
 * Returns 0 (and fills out; free with http_resp_free) or -1 on a transport error. */
int http_request(const test_server *s, const char *method, const char *path,
                 const char *const *headers, const char *body, size_t body_len, http_resp *out);

/* GET path on s, asserting (with Check) the status and a JSON body; returns the body
 * (owned by r: http_resp_free). */
json_t *http_get_json(const test_server *s, const char *path, long status, http_resp *r);

/* GET shortcut. */
int http_get(const test_server *s, const char *path, http_resp *out);

/* Sends len bytes as they are over a new TCP connection to s, and reads the answer until
 * the server closes the connection or the first response is complete (its Content-Length),
 * waiting timeout_ms at most between reads. A send that fails because the server already
 * answered and closed is fine. Fills out like http_request (status, headers, body, json);
 * returns 0, or -1 when no HTTP answer came back (or no connection could be made). For
 * requests libcurl would tidy up: raw bytes, broken framing, oversized headers. */
int http_raw(const test_server *s, const char *bytes, size_t len, int timeout_ms,
             http_resp *out);

/* The value of header name in r (case-insensitive) copied into buf, or NULL. */
const char *http_header(const http_resp *r, const char *name, char *buf, size_t len);

void http_resp_free(http_resp *r);

/* Integer at a JSON path like "losses.personnel" (objects only), or INT64_MIN. */
long long json_path_int(const json_t *root, const char *path);

/* gunzip of in (len bytes) into a new NUL-terminated buffer (caller frees), its length in
 * *out_len when out_len is not NULL. NULL when in is not one whole gzip stream or memory is
 * short. */
char *test_gunzip(const char *in, size_t len, size_t *out_len);

/* The server a test file's cases share through a Check fixture (one per executable):
 * its setup starts it (test_server_start_dataset(&test_srv, ...), ...), and
 * test_fixture_teardown (or test_server_finish) stops it. */
extern test_server test_srv;

/* http_get_json on test_srv. */
json_t *test_get_json(const char *path, long status, http_resp *r);

/* Stops s when it runs, asserting (Check) a clean exit (code 0), and removes its folder. */
void test_server_finish(test_server *s);

/* A fixture teardown (tcase_add_unchecked_fixture / _checked_fixture):
 * test_server_finish(&test_srv). */
void test_fixture_teardown(void);

/* VmRSS of process pid in KiB (from /proc), or -1. */
long test_rss_kib(int pid);

#endif
