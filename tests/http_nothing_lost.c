/* Nothing lost, nothing silent (issue 18, data half), on the real binary with the fixture
 * upstream (tests/upstream.c) holding the dataset's first 60 days plus one:
 * - a POSTed report survives a sync that brings other figures for its date: the sync says
 *   so, /readyz and /metrics count the disagreement, its history holds the POST alone;
 * - a PUT correction survives `attrition import` of the dataset;
 * - upstream lowering a value it brought makes a revision by "sync <url>";
 * - a gzip bomb (~60 KB inflating to 60 MB of "[0,0,...]", under the size limit) changes
 *   nothing, and the sync's peak RSS (wait4) stays within 3x that of a legitimate sync of
 *   the whole dataset;
 * - a deleted deployment's id is never given again;
 * - export -> import into a new database answers every GET as before (POSTs, PUT revisions,
 *   sync corrections, deleted deployments);
 * - `attrition backup` while serving, then `attrition restore`: the server answers the
 *   restored data within a second. */
#include "harness.h"
#include "upstream.h"

#include <check.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

TCase *http_nothing_lost_tcase(void);

#define TOKEN "tok-h18-nothing-lost"
#define AUTH "Authorization: Bearer " TOKEN
#define JSON_CT "Content-Type: application/json"
#define NEW_DAY "2022-04-26" /* the day after UPSTREAM_SHORT_UNTIL: upstream's extra day */

static const char *const env_token[] = {"ATTRITION_TOKEN=" TOKEN, NULL};

static test_server srv;
static upstream *up;
static char base[128];
static int have_data;

/* Serves the dataset's three files on up, the first two with `extra` days more (each
 * +step on every total), the personnel file's last entry's personnel then changed by
 * personnel_delta. */
static void serve_dataset(int extra, long step, long personnel_delta)
{
    for (int i = 0; i < 3; i++) {
        size_t len;
        char *text = upstream_dataset_file(upstream_dataset_names[i], 0, i < 2 ? extra : 0,
                                           step, &len);
        ck_assert_msg(text != NULL, "cannot read %s", upstream_dataset_names[i]);
        if (i == 0 && personnel_delta) {
            json_t *arr = json_loads(text, 0, NULL);
            json_t *last = json_array_get(arr, json_array_size(arr) - 1);
            json_int_t p = json_integer_value(json_object_get(last, "personnel"));
            json_object_set_new(last, "personnel", json_integer(p + personnel_delta));
            free(text);
            text = json_dumps(arr, JSON_COMPACT);
            len = strlen(text);
            json_decref(arr);
        }
        ck_assert_int_eq(upstream_set_file(up, upstream_dataset_names[i], text, len), 0);
        free(text);
    }
}

static void setup(void)
{
    have_data = test_have_dataset("http_nothing_lost") && test_dataset_files() != NULL;
    ck_assert_int_eq(test_server_prepare(&srv), 0);
    if (!have_data)
        return;
    upstream_dataset_until(UPSTREAM_SHORT_UNTIL);
    ck_assert_int_eq(upstream_import_dataset(&srv), 0);
    up = upstream_start();
    ck_assert_msg(up != NULL, "the fixture upstream did not start");
    upstream_base(up, base, sizeof base);
    serve_dataset(1, 100, 0);
}

static void teardown(void)
{
    if (srv.pid > 0)
        test_server_stop(&srv);
    upstream_stop(up);
    up = NULL;
    test_server_cleanup(&srv);
}

/* Runs the attrition binary with args and env (NULL-terminated, may be NULL), output into
 * <dir>/<logname>, which goes to *out (malloc'd, caller frees; may be NULL). The child's
 * peak RSS in KiB into *maxrss_kb when not NULL (wait4). Returns the exit code. */
static int run_cmd(const char *const *args, const char *const *env, const char *logname,
                   char **out, long *maxrss_kb)
{
    char logpath[700];
    const char *argv[16];
    size_t k = 0;
    snprintf(logpath, sizeof logpath, "%s/%s", srv.dir, logname);
    remove(logpath);
    argv[k++] = getenv("ATTRITION_BIN");
    for (size_t i = 0; args[i] && k < 15; i++)
        argv[k++] = args[i];
    argv[k] = NULL;
    pid_t pid = test_spawn(argv, env, logpath);
    ck_assert_int_gt(pid, 0);
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    ck_assert_int_eq(wait4(pid, &status, 0, &ru), pid);
    if (maxrss_kb)
        *maxrss_kb = ru.ru_maxrss;
    if (out) {
        FILE *f = fopen(logpath, "r");
        *out = calloc(1, 1 << 20);
        ck_assert_ptr_nonnull(*out);
        if (f) {
            size_t n = fread(*out, 1, (1 << 20) - 1, f);
            (*out)[n] = '\0';
            fclose(f);
        }
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* `attrition sync --db <db> --source dataset:<base>` with a 64 MiB size limit (the
 * default); output in *out. Peak RSS as run_cmd. */
static int sync_once(const char *db, char **out, long *maxrss_kb)
{
    char src[200];
    snprintf(src, sizeof src, "dataset:%s", base);
    const char *args[] = {"sync", "--db", db, "--source", src, "--timeout", "20", NULL};
    const char *env[] = {"ATTRITION_SYNC_RETRIES=0", "ATTRITION_SYNC_MAX_BYTES=67108864", NULL};
    return run_cmd(args, env, "sync.log", out, maxrss_kb);
}

/* The whole export of db as text (malloc'd). */
static char *export_of(const char *db)
{
    char *text = NULL;
    const char *args[] = {"export", "--db", db, NULL};
    ck_assert_int_eq(run_cmd(args, NULL, "export.json", &text, NULL), 0);
    return text;
}

static void req(const test_server *s, const char *method, const char *path, const char *body,
                long status, http_resp *r)
{
    const char *headers[] = {AUTH, JSON_CT, NULL};
    ck_assert_int_eq(http_request(s, method, path, headers, body, body ? strlen(body) : 0, r), 0);
    ck_assert_msg(r->status == status, "%s %s: %ld, expected %ld: %s", method, path, r->status,
                  status, r->body);
}

/* personnel of a report, a history entry... */
static long long personnel(const json_t *report)
{
    return json_integer_value(json_object_get(json_object_get(report, "totals"), "personnel"));
}

/* Upstream's personnel total of NEW_DAY: the short history's last personnel + 100. */
static long long upstream_new_day_personnel(void)
{
    http_resp r;
    json_t *j = http_get_json(&srv, "/v1/cumulative/" UPSTREAM_SHORT_UNTIL "?category=personnel",
                              200, &r);
    long long p = json_path_int(j, "totals.personnel");
    http_resp_free(&r);
    return p + 100;
}

START_TEST(post_then_sync_keeps_post)
{
    if (!have_data)
        return;
    http_resp r;
    char body[256], *out = NULL;
    ck_assert_int_eq(test_server_start(&srv, env_token), 0);
    long long up_p = upstream_new_day_personnel();
    snprintf(body, sizeof body, "{\"date\": \"" NEW_DAY "\", \"totals\": {\"personnel\": %lld}}",
             up_p + 200);
    req(&srv, "POST", "/v1/reports", body, 201, &r);
    http_resp_free(&r);

    ck_assert_msg(sync_once(srv.db, &out, NULL) == 0, "sync: %s", out);
    ck_assert_msg(strstr(out, "written through the API") != NULL, "sync is silent: %s", out);
    char want[96];
    snprintf(want, sizeof want, NEW_DAY " personnel: stored %lld", up_p + 200);
    ck_assert_msg(strstr(out, want) != NULL, "sync does not name the value: %s", out);
    free(out);

    json_t *j = http_get_json(&srv, "/v1/reports/" NEW_DAY, 200, &r);
    ck_assert_int_eq(personnel(j), up_p + 200);
    ck_assert_str_eq(json_string_value(json_object_get(j, "by")), "post");
    http_resp_free(&r);
    j = http_get_json(&srv, "/v1/reports/" NEW_DAY "/history", 200, &r);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "revisions")), 1);
    http_resp_free(&r);

    /* /readyz and /metrics count it (the watcher reads the sync state within ~0.25 s). */
    long long count = 0;
    for (int i = 0; i < 40 && count == 0; i++) {
        j = http_get_json(&srv, "/readyz", 200, &r);
        count = json_path_int(j, "disagreements.count");
        if (count > 0)
            ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(
                json_object_get(j, "disagreements"), "latest")), NEW_DAY));
        http_resp_free(&r);
        if (count == 0)
            usleep(50 * 1000);
    }
    ck_assert_int_ge(count, 1);
    ck_assert_int_eq(http_get(&srv, "/metrics", &r), 0);
    snprintf(want, sizeof want, "\nattrition_sync_disagreements %lld\n", count);
    ck_assert_msg(strstr(r.body, want) != NULL, "metrics lack %s", want + 1);
    http_resp_free(&r);

    /* The operator applies upstream's figure: the disagreement is gone. */
    snprintf(body, sizeof body, "{\"date\": \"" NEW_DAY "\", \"totals\": {\"personnel\": %lld}}",
             up_p);
    req(&srv, "PUT", "/v1/reports/" NEW_DAY, body, 200, &r);
    http_resp_free(&r);
}
END_TEST

START_TEST(put_then_import_keeps_it)
{
    if (!have_data)
        return;
    http_resp r;
    char body[256], *out = NULL, file[700];
    ck_assert_int_eq(test_server_start(&srv, env_token), 0);
    long long p = upstream_new_day_personnel() - 100;
    snprintf(body, sizeof body, "{\"date\": \"" UPSTREAM_SHORT_UNTIL "\", \"totals\": "
             "{\"personnel\": %lld, \"tanks\": 1}}", p + 7);
    req(&srv, "PUT", "/v1/reports/" UPSTREAM_SHORT_UNTIL, body, 200, &r);
    http_resp_free(&r);

    ck_assert_int_eq(upstream_write_dataset_file(srv.dir, upstream_dataset_names[0], 0, 0, 0,
                                                 file, sizeof file), 0);
    const char *args[] = {"import", "--db", srv.db, file, NULL};
    ck_assert_msg(run_cmd(args, NULL, "import2.log", &out, NULL) == 0, "import: %s", out);
    ck_assert_msg(strstr(out, "written through the API") != NULL, "import is silent: %s", out);
    free(out);

    json_t *j = http_get_json(&srv, "/v1/reports/" UPSTREAM_SHORT_UNTIL, 200, &r);
    ck_assert_int_eq(personnel(j), p + 7);
    ck_assert_str_eq(json_string_value(json_object_get(j, "by")), "put");
    http_resp_free(&r);
    j = http_get_json(&srv, "/v1/reports/" UPSTREAM_SHORT_UNTIL "/history", 200, &r);
    json_t *revs = json_object_get(j, "revisions");
    ck_assert_uint_eq(json_array_size(revs), 2);
    ck_assert_int_eq(personnel(json_array_get(revs, 1)), p);
    http_resp_free(&r);
}
END_TEST

START_TEST(upstream_lowering_makes_revision)
{
    if (!have_data)
        return;
    http_resp r;
    char *out = NULL, by[300];
    ck_assert_int_eq(test_server_start(&srv, NULL), 0);
    long long up_p = upstream_new_day_personnel();
    ck_assert_int_eq(sync_once(srv.db, &out, NULL), 0);
    free(out);
    serve_dataset(1, 100, -50); /* upstream corrects its new day down by 50 */
    ck_assert_int_eq(sync_once(srv.db, &out, NULL), 0);
    ck_assert_msg(strstr(out, "1 value changed (1 revision kept)") != NULL, "sync: %s", out);
    free(out);

    snprintf(by, sizeof by, "sync %s%s", base, upstream_dataset_names[0]);
    json_t *j = http_get_json(&srv, "/v1/reports/" NEW_DAY "/history", 200, &r);
    json_t *revs = json_object_get(j, "revisions");
    ck_assert_uint_eq(json_array_size(revs), 2);
    ck_assert_int_eq(personnel(json_array_get(revs, 0)), up_p - 50);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(revs, 0), "revision")), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(revs, 0), "by")), by);
    ck_assert_int_eq(personnel(json_array_get(revs, 1)), up_p);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(revs, 1), "by")), by);
    http_resp_free(&r);
}
END_TEST

START_TEST(gzip_bomb_bounded)
{
    if (!have_data)
        return;
    char *out = NULL;
    long legit_kb = 0, bomb_kb = 0;
    const char *w = getenv("ATTRITION_WRAPPER");
    int measure = !(w && *w); /* under valgrind the RSS is valgrind's */
    /* A legitimate sync: the whole dataset into an empty database. */
    upstream_dataset_until(NULL);
    serve_dataset(0, 0, 0);
    char fresh[700];
    snprintf(fresh, sizeof fresh, "%s/fresh.db", srv.dir);
    ck_assert_int_eq(sync_once(fresh, &out, &legit_kb), 0);
    free(out);

    char *before = export_of(srv.db);
    upstream_set_mode(up, UPSTREAM_GZIP_BOMB);
    ck_assert_int_eq(sync_once(srv.db, &out, &bomb_kb), 1);
    ck_assert_msg(strstr(out, "JSON values") != NULL, "sync: %s", out);
    free(out);
    char *after = export_of(srv.db);
    ck_assert_msg(strcmp(before, after) == 0, "the bomb changed the database");
    free(before);
    free(after);
    printf("http_nothing_lost: peak RSS of sync: legitimate (whole dataset) %ld KiB, gzip bomb "
           "%ld KiB\n", legit_kb, bomb_kb);
    if (measure) {
        ck_assert_int_gt(legit_kb, 0);
        ck_assert_msg(bomb_kb < 3 * legit_kb, "bomb %ld KiB >= 3 x %ld KiB", bomb_kb, legit_kb);
    }
}
END_TEST

START_TEST(deployment_ids_never_reused)
{
    http_resp r;
    static const char est[] =
        "{\"country\": \"KP\", \"deployed_to\": \"RU\", \"figure\": 11000, \"kind\": \"confirmed\","
        " \"as_of\": \"2024-11-04\", \"source\": {\"name\": \"US State Department\"}}";
    ck_assert_int_eq(test_server_start(&srv, env_token), 0);
    req(&srv, "POST", "/v1/deployments", est, 201, &r);
    long long id = json_integer_value(json_object_get(r.json, "id"));
    http_resp_free(&r);
    char path[64];
    snprintf(path, sizeof path, "/v1/deployments/%lld", id);
    req(&srv, "DELETE", path, NULL, 204, &r);
    http_resp_free(&r);
    req(&srv, "POST", "/v1/deployments", est, 201, &r);
    long long id2 = json_integer_value(json_object_get(r.json, "id"));
    http_resp_free(&r);
    ck_assert_int_gt(id2, id);
    ck_assert_int_eq(http_get(&srv, path, &r), 0);
    ck_assert_int_eq(r.status, 404);
    http_resp_free(&r);
}
END_TEST

/* GET path on both servers: equal status and body. */
static void same_answer(const test_server *a, const test_server *b, const char *path)
{
    http_resp ra, rb;
    ck_assert_int_eq(http_get(a, path, &ra), 0);
    ck_assert_int_eq(http_get(b, path, &rb), 0);
    ck_assert_msg(ra.status == rb.status && strcmp(ra.body, rb.body) == 0,
                  "%s differs after export -> import:\n%ld %.600s\n%ld %.600s", path, ra.status,
                  ra.body, rb.status, rb.body);
    http_resp_free(&ra);
    http_resp_free(&rb);
}

START_TEST(export_import_round_trip)
{
    if (!have_data)
        return;
    http_resp r;
    char *out = NULL, body[256];
    ck_assert_int_eq(test_server_start(&srv, env_token), 0);
    long long up_p = upstream_new_day_personnel();
    /* a sync, then a sync correction (a revision), a POST, a PUT, deleted deployments */
    ck_assert_int_eq(sync_once(srv.db, &out, NULL), 0);
    free(out);
    serve_dataset(1, 100, -50);
    ck_assert_int_eq(sync_once(srv.db, &out, NULL), 0);
    free(out);
    snprintf(body, sizeof body, "{\"date\": \"2022-04-27\", \"totals\": {\"personnel\": %lld}}",
             up_p + 900);
    req(&srv, "POST", "/v1/reports", body, 201, &r);
    http_resp_free(&r);
    req(&srv, "PUT", "/v1/reports/2022-04-20", "{\"date\": \"2022-04-20\", \"totals\": "
        "{\"personnel\": 21000, \"tanks\": 800}}", 200, &r);
    http_resp_free(&r);
    req(&srv, "DELETE", "/v1/deployments/1", NULL, 204, &r);
    http_resp_free(&r);
    req(&srv, "POST", "/v1/deployments", "{\"country\": \"KP\", \"deployed_to\": \"RU\", "
        "\"figure\": 11000, \"kind\": \"confirmed\", \"as_of\": \"2024-11-04\", \"source\": "
        "{\"name\": \"US State Department\"}}", 201, &r);
    http_resp_free(&r);
    req(&srv, "DELETE", "/v1/deployments/2", NULL, 204, &r);
    http_resp_free(&r);

    /* export, then import into a new database */
    char *text = export_of(srv.db);
    char path[700];
    snprintf(path, sizeof path, "%s/all.json", srv.dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    free(text);
    test_server copy;
    ck_assert_int_eq(test_server_prepare(&copy), 0);
    const char *files[] = {path};
    ck_assert_int_eq(test_server_import(&copy, files, 1), 0);
    ck_assert_int_eq(test_server_start(&copy, NULL), 0);

    static const char *const paths[] = {
        "/v1/reports/" NEW_DAY, "/v1/reports/" NEW_DAY "/history", "/v1/reports/2022-04-27",
        "/v1/reports/2022-04-27/history", "/v1/reports/2022-04-20",
        "/v1/reports/2022-04-20/history", "/v1/reports/2022-03-01/history",
        "/v1/deployments", "/v1/deployments/1", "/v1/deployments/2", "/v1/deployments/3",
        "/v1/deployments/4", "/v1/deployments/summary?country=KP&deployed_to=RU",
        "/v1/categories", "/v1/cumulative", "/v1/daily", "/v1/records", "/v1/daily/latest",
        "/api/v2/statistics/" NEW_DAY, NULL};
    for (size_t i = 0; paths[i]; i++)
        same_answer(&srv, &copy, paths[i]);
    /* and a new estimate gets the same next id on both */
    static const char est[] = "{\"country\": \"KP\", \"deployed_to\": \"RU\", \"figure\": 12000, "
        "\"kind\": \"reported\", \"as_of\": \"2024-12-01\", \"source\": {\"name\": \"NIS\"}}";
    req(&srv, "POST", "/v1/deployments", est, 201, &r);
    long long a = json_integer_value(json_object_get(r.json, "id"));
    http_resp_free(&r);
    test_server_stop(&copy);
    copy.pid = 0;
    const char *const env_copy[] = {"ATTRITION_TOKEN=" TOKEN, NULL};
    ck_assert_int_eq(test_server_start(&copy, env_copy), 0);
    req(&copy, "POST", "/v1/deployments", est, 201, &r);
    ck_assert_int_eq(json_integer_value(json_object_get(r.json, "id")), a);
    http_resp_free(&r);
    test_server_stop(&copy);
    test_server_cleanup(&copy);
}
END_TEST

START_TEST(backup_and_restore_while_serving)
{
    if (!have_data)
        return;
    http_resp r;
    char *out = NULL, copy[700];
    ck_assert_int_eq(test_server_start(&srv, env_token), 0);
    snprintf(copy, sizeof copy, "%s/backup.db", srv.dir);
    const char *bargs[] = {"backup", "--db", srv.db, copy, NULL};
    if (test_skip_on_pg("backup_and_restore_while_serving", "pg_dump's job: checking that "
                        "backup and restore say so")) {
        const char *rargs[] = {"restore", "--db", srv.db, copy, NULL};
        ck_assert_int_eq(run_cmd(bargs, NULL, "backup.log", &out, NULL), 2);
        ck_assert_msg(strstr(out, "pg_dump") != NULL, "backup on PostgreSQL: %s", out);
        free(out);
        ck_assert_int_eq(run_cmd(rargs, NULL, "restore.log", &out, NULL), 2);
        ck_assert_msg(strstr(out, "pg_restore") != NULL, "restore on PostgreSQL: %s", out);
        free(out);
        return;
    }
    ck_assert_int_eq(run_cmd(bargs, NULL, "backup.log", &out, NULL), 0);
    ck_assert_msg(strstr(out, "backed up") != NULL, "backup: %s", out);
    free(out);
    /* a backup onto the live file itself is refused: the file stays the server's */
    struct stat before, after;
    ck_assert_int_eq(stat(srv.db, &before), 0);
    const char *self[] = {"backup", "--db", srv.db, srv.db, NULL};
    ck_assert_int_eq(run_cmd(self, NULL, "backup-self.log", &out, NULL), 1);
    ck_assert_msg(strstr(out, "is the database itself") != NULL, "backup onto itself: %s", out);
    free(out);
    ck_assert_int_eq(stat(srv.db, &after), 0);
    ck_assert(before.st_ino == after.st_ino);
    char wal[720]; /* and so is one onto its -wal (what it holds would be lost) */
    snprintf(wal, sizeof wal, "%s-wal", srv.db);
    ck_assert_int_eq(stat(wal, &before), 0);
    const char *onto_wal[] = {"backup", "--db", srv.db, wal, NULL};
    ck_assert_int_eq(run_cmd(onto_wal, NULL, "backup-wal.log", &out, NULL), 1);
    ck_assert_msg(strstr(out, "a file of its journal") != NULL, "backup onto the -wal: %s", out);
    free(out);
    ck_assert_int_eq(stat(wal, &after), 0);
    ck_assert(before.st_ino == after.st_ino);
    /* a copy of another page size cannot go into a WAL database: refused, saying what to do */
    char paged[720];
    snprintf(paged, sizeof paged, "%s/paged.db", srv.dir);
    const char *pargs[] = {"backup", "--db", srv.db, paged, NULL};
    ck_assert_int_eq(run_cmd(pargs, NULL, "backup-paged.log", &out, NULL), 0);
    free(out);
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(paged, &h), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(h, "PRAGMA page_size = 16384; VACUUM", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);
    const char *rpaged[] = {"restore", "--db", srv.db, paged, NULL};
    ck_assert_int_eq(run_cmd(rpaged, NULL, "restore-paged.log", &out, NULL), 1);
    ck_assert_msg(strstr(out, "its page size (16384 bytes) is not the database's") != NULL,
                  "restore of another page size: %s", out);
    free(out);
    req(&srv, "POST", "/v1/reports", "{\"date\": \"" NEW_DAY "\", \"totals\": "
        "{\"personnel\": 25000}}", 201, &r);
    http_resp_free(&r);
    json_t *j = http_get_json(&srv, "/readyz", 200, &r);
    long long v0 = json_path_int(j, "data_version");
    http_resp_free(&r);

    const char *rargs[] = {"restore", "--db", srv.db, copy, NULL};
    struct timespec t0, t1;
    ck_assert_int_eq(run_cmd(rargs, NULL, "restore.log", &out, NULL), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    free(out);
    /* the snapshot (what every read but /v1/reports serves) and the data version */
    int seen = 0;
    double waited = 0;
    while (!seen && waited < 3.0) {
        j = http_get_json(&srv, "/readyz", 200, &r);
        const char *latest = json_string_value(json_object_get(j, "latest"));
        seen = latest && strcmp(latest, UPSTREAM_SHORT_UNTIL) == 0 &&
               json_path_int(j, "data_version") > v0;
        http_resp_free(&r);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        if (!seen)
            usleep(20 * 1000);
    }
    printf("http_nothing_lost: restore seen by the server after %.3f s\n", waited);
    ck_assert_msg(seen, "the server did not see the restore within 3 s");
    ck_assert_msg(waited < 1.0, "the server saw the restore after %.3f s", waited);
    ck_assert_int_eq(http_get(&srv, "/v1/cumulative/" NEW_DAY, &r), 0);
    ck_assert_int_eq(r.status, 404);
    http_resp_free(&r);
    ck_assert_int_eq(http_get(&srv, "/v1/reports/" NEW_DAY, &r), 0);
    ck_assert_int_eq(r.status, 404);
    http_resp_free(&r);
    /* a file that is not a database changes nothing */
    const char *bad[] = {"restore", "--db", srv.db, srv.log, NULL};
    ck_assert_int_eq(run_cmd(bad, NULL, "restore2.log", &out, NULL), 1);
    free(out);
    j = http_get_json(&srv, "/v1/reports/" UPSTREAM_SHORT_UNTIL, 200, &r);
    http_resp_free(&r);
}
END_TEST

/* A file that gives a date twice (with other totals) contradicts itself, and an export of a
 * newer format would lose what it adds: both refused, naming why, and nothing changes. */
START_TEST(import_date_twice_refused)
{
    if (!have_data)
        return;
    char path[700], *out = NULL;
    snprintf(path, sizeof path, "%s/twice.json", srv.dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("[{\"date\": \"2022-03-01\", \"day\": 6, \"personnel\": 5710},\n"
          " {\"date\": \"2022-03-01\", \"day\": 6, \"personnel\": 9999}]\n", f);
    fclose(f);
    ck_assert_int_eq(test_server_start(&srv, env_token), 0);
    http_resp r;
    json_t *j = http_get_json(&srv, "/v1/reports/2022-03-01/history", 200, &r);
    size_t before = json_array_size(json_object_get(j, "revisions"));
    http_resp_free(&r);
    const char *args[] = {"import", "--db", srv.db, path, NULL};
    ck_assert_int_eq(run_cmd(args, NULL, "twice.log", &out, NULL), 1);
    ck_assert_msg(strstr(out, "entry 1: 2022-03-01 is given twice") != NULL, "import: %s", out);
    free(out);
    /* the same in the CSV export's shape */
    snprintf(path, sizeof path, "%s/twice.csv", srv.dir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("date,day,personnel\n2022-03-01,6,5710\n2022-03-01,6,9999\n", f);
    fclose(f);
    ck_assert_int_eq(run_cmd(args, NULL, "twice-csv.log", &out, NULL), 1);
    ck_assert_msg(strstr(out, "line 3: 2022-03-01 is given twice") != NULL, "import: %s", out);
    free(out);
    /* so does an export of a newer format (what it adds would be lost) */
    snprintf(path, sizeof path, "%s/newer.json", srv.dir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("{\"format\": \"attrition-export\", \"version\": 3, \"reports\": [{\"date\": "
          "\"2022-03-01\", \"totals\": {\"personnel\": 9999}}]}\n", f);
    fclose(f);
    ck_assert_int_eq(run_cmd(args, NULL, "newer.log", &out, NULL), 1);
    ck_assert_msg(strstr(out, "a newer export needs a newer attrition") != NULL, "import: %s",
                  out);
    free(out);
    j = http_get_json(&srv, "/v1/reports/2022-03-01/history", 200, &r);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "revisions")), before);
    http_resp_free(&r);
}
END_TEST

TCase *http_nothing_lost_tcase(void)
{
    TCase *tc = tcase_create("http_nothing_lost");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, post_then_sync_keeps_post);
    tcase_add_test(tc, put_then_import_keeps_it);
    tcase_add_test(tc, upstream_lowering_makes_revision);
    tcase_add_test(tc, gzip_bomb_bounded);
    tcase_add_test(tc, deployment_ids_never_reused);
    tcase_add_test(tc, export_import_round_trip);
    tcase_add_test(tc, backup_and_restore_while_serving);
    tcase_add_test(tc, import_date_twice_refused);
    return tc;
}
