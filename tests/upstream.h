#ifndef ATTRITION_TEST_UPSTREAM_H
#define ATTRITION_TEST_UPSTREAM_H

/* A fixture upstream for the sync tests: a tiny HTTP server (libmicrohttpd, its own
 * threads, in the test process) on an OS-picked 127.0.0.1 port that serves files set by
 * the test under http://127.0.0.1:<port>/data/<name>, with a strong ETag (a hash of the
 * content) and 304 for a matching If-None-Match, or one of the fault modes. It counts the
 * requests it answered and the 304s among them. */

#include <stddef.h>

enum upstream_mode {
    UPSTREAM_OK,            /* the files, 404 for other names */
    UPSTREAM_500,           /* 500 for everything */
    UPSTREAM_STALL,         /* waits UPSTREAM_STALL_SECONDS before answering */
    UPSTREAM_TRUNCATED,     /* the first half of the file, as 200 */
    UPSTREAM_HTML,          /* a 200 text/html error page */
    UPSTREAM_HUGE,          /* a 200 body of UPSTREAM_HUGE_BYTES */
    UPSTREAM_REDIRECT_LOOP, /* 302 to itself */
    UPSTREAM_GZIP_BOMB      /* 200, Content-Encoding: gzip: a ~60 KB gzip of a JSON array
                             * "[0,0,...]" of UPSTREAM_BOMB_BYTES (under the size limit) */
};

#define UPSTREAM_STALL_SECONDS 4
#define UPSTREAM_HUGE_BYTES (2 * 1024 * 1024)
#define UPSTREAM_BOMB_BYTES (60 * 1000 * 1000)

/* The gzip of a JSON array "[0,0,...,0]" of inflated bytes (malloc'd, caller frees; its
 * length in *len), or NULL. */
char *upstream_gzip_bomb(size_t inflated, size_t *len);

typedef struct upstream upstream;

/* Starts the server; NULL on failure. */
upstream *upstream_start(void);
/* Stops it (waits for answers in progress) and frees it. NULL-safe. */
void upstream_stop(upstream *u);

int upstream_port(const upstream *u);
/* "http://127.0.0.1:<port>/data/" into buf (len bytes); returns buf. */
const char *upstream_base(const upstream *u, char *buf, size_t len);

/* Serves a copy of body (len bytes) as /data/<name> (replacing an earlier one). 0 or -1. */
int upstream_set_file(upstream *u, const char *name, const char *body, size_t len);
void upstream_set_mode(upstream *u, enum upstream_mode mode);

/* Requests answered and 304s sent since the start or the last reset. */
unsigned upstream_requests(upstream *u);
unsigned upstream_not_modified(upstream *u);
void upstream_reset_counts(upstream *u);

/* The User-Agent and the request target (as sent: absolute through a proxy) of the last
 * request, copied into ua and target ("" before any). */
void upstream_last_request(upstream *u, char *ua, size_t ua_len, char *target,
                           size_t target_len);

/* Runs $ATTRITION_BIN with args (NULL-terminated, after the program name) and extra
 * "KEY=VALUE" env entries (NULL-terminated, may be NULL) with test_spawn (harness.h: under
 * $ATTRITION_WRAPPER when set), output appended to logpath, and waits for it. Returns its
 * exit code, 128+signal, or -1. */
int upstream_run_attrition(const char *const *args, const char *const *env,
                           const char *logpath);



/* The dataset file $ATTRITION_DATA/<name> as JSON text (malloc'd, caller frees; *len set),
 * changed: `drop` entries removed from its start (days upstream no longer holds), then
 * `extra` entries appended after the last, each a copy of the last one dated a day later
 * with every integer total raised by `step`. NULL when the file is absent or unreadable. */
char *upstream_dataset_file(const char *name, int drop, int extra, long step, size_t *len);

/* The last date of the short history: the first 60 reports of the dataset. */
#define UPSTREAM_SHORT_UNTIL "2022-04-25"

/* From now on upstream_dataset_file, upstream_write_dataset_file and upstream_import_dataset
 * leave out every personnel and equipment entry dated after last (YYYY-MM-DD, copied; NULL:
 * the whole history; the small corrections file stays whole). For
 * cases that need a realistic history but not its length: under valgrind each import, sync
 * and server start parses all of it. */
void upstream_dataset_until(const char *last);

/* Imports the three dataset files, limited as set by upstream_dataset_until and otherwise
 * unchanged (the limited copies are written to s->dir first), into s's database with
 * test_server_import. Returns its exit code, or -1 when a copy cannot be written. */
struct test_server;
int upstream_import_dataset(struct test_server *s);

/* The three dataset file names, in the order sync fetches them. */
extern const char *const upstream_dataset_names[3];

/* Writes the dataset file `name` changed as upstream_dataset_file does to <dir>/<name>;
 * its path goes to path (len bytes). 0, or -1 when the file is absent or not written. */
int upstream_write_dataset_file(const char *dir, const char *name, int drop, int extra,
                                long step, char *path, size_t len);
#endif
