/* `attrition sync` against a fixture upstream (tests/upstream.c) on an OS-picked loopback
 * port serving copies of ../shared/data/ua-mod with an extra day: the day comes in; a
 * second run costs one 304 per file and changes nothing; every fault (500, a stall past
 * the timeout, truncated JSON, an HTML page, a body over the size limit, a redirect loop,
 * a total that is not a number) exits 1 and leaves the database as it was (the export is
 * compared byte for byte); fewer days upstream exits 0 and keeps the stored days;
 * `serve --sync-every 1s` brings the day in without a restart; and the api kind of source
 * against a second `attrition serve` (its /api/v2/statistics) brings the day in too.
 * Also: two sources that disagree (the first wins, a warning gives both values), the
 * standard proxy variables (http_proxy names the fixture), the User-Agent. The first case
 * uses the whole history (but under valgrind), the others its first 60 days
 * (UPSTREAM_SHORT_UNTIL). */
#include "harness.h"
#include "upstream.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

TCase *http_sync_tcase(void);

#define SYNC_MAX_BYTES "1048576" /* above every dataset file, below UPSTREAM_HUGE_BYTES */

static upstream *up;
static char base[128];
static int have_data;

/* test_srv's database given the dataset up to `until` (upstream_dataset_until; NULL: all of
 * it), and an upstream serving the same with one more day. */
static void load_dataset(const char *until)
{
    upstream_dataset_until(until);
    ck_assert_int_eq(upstream_import_dataset(&test_srv), 0);
    up = upstream_start();
    ck_assert_msg(up != NULL, "the fixture upstream did not start");
    upstream_base(up, base, sizeof base);
    for (int i = 0; i < 3; i++) {
        size_t len;
        char *text = upstream_dataset_file(upstream_dataset_names[i], 0, i < 2 ? 1 : 0, 100,
                                           &len);
        ck_assert_msg(text != NULL, "cannot read %s", upstream_dataset_names[i]);
        ck_assert_int_eq(upstream_set_file(up, upstream_dataset_names[i], text, len), 0);
        free(text);
    }
}

/* A fresh database and upstream with the first 60 days: no case but the first needs the
 * whole history, and under valgrind every import, sync and export parses all of it. */
static void setup(void)
{
    have_data = test_have_dataset("http_sync") && test_dataset_files() != NULL;
    ck_assert_int_eq(test_server_prepare(&test_srv), 0);
    if (have_data)
        load_dataset(UPSTREAM_SHORT_UNTIL);
}

static void teardown(void)
{
    upstream_stop(up);
    up = NULL;
    test_server_cleanup(&test_srv);
}

/* Runs `attrition sync --db <db> --source <src> --timeout T`, T 1 s, 3 s under
 * $ATTRITION_WRAPPER (the fixture upstream runs under valgrind too, and on a loaded machine
 * a redirect chain overran 1 s; 3 s is still under UPSTREAM_STALL_SECONDS), with fewer
 * retries and a smaller size limit by env, plus the NULL-terminated extra_env entries (at
 * most 5); output to
 * <dir>/sync.log, which goes to out (malloc'd, caller frees). Returns the exit code. */
static int run_sync_env(const char *src, const char *const *extra_env, char **out)
{
    char logpath[700];
    snprintf(logpath, sizeof logpath, "%s/sync.log", test_srv.dir);
    remove(logpath);
    const char *w = getenv("ATTRITION_WRAPPER");
    const char *args[] = {"sync", "--db", test_srv.db, "--source", src, "--timeout",
                          w && *w ? "3" : "1", NULL};
    const char *env[8] = {"ATTRITION_SYNC_RETRIES=1",
                          "ATTRITION_SYNC_MAX_BYTES=" SYNC_MAX_BYTES, NULL};
    for (size_t i = 0, k = 2; extra_env && extra_env[i] && k < 7; i++)
        env[k++] = extra_env[i];
    int code = upstream_run_attrition(args, env, logpath);
    FILE *f = fopen(logpath, "r");
    *out = calloc(1, 65536);
    if (f && *out) {
        size_t n = fread(*out, 1, 65535, f);
        (*out)[n] = '\0';
    }
    if (f)
        fclose(f);
    return code;
}

/* run_sync_env without extra environment. */
static int run_sync_source(const char *src, char **out)
{
    return run_sync_env(src, NULL, out);
}

/* run_sync_source with dataset:<base>. */
static int run_sync(char **out)
{
    char src[200];
    snprintf(src, sizeof src, "dataset:%s", base);
    return run_sync_source(src, out);
}

/* `attrition export` of the database (malloc'd JSON text, caller frees). */
static char *export_db(void)
{
    char logpath[700];
    snprintf(logpath, sizeof logpath, "%s/export.json", test_srv.dir);
    remove(logpath);
    const char *args[] = {"export", "--db", test_srv.db, NULL};
    ck_assert_int_eq(upstream_run_attrition(args, NULL, logpath), 0);
    FILE *f = fopen(logpath, "rb");
    ck_assert_msg(f != NULL, "no export at %s", logpath);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *text = malloc((size_t)n + 1);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(fread(text, 1, (size_t)n, f), (size_t)n);
    text[n] = '\0';
    fclose(f);
    return text;
}

/* The last report date of an export. */
static void export_latest(const char *text, char out[11])
{
    json_t *root = json_loads(text, 0, NULL);
    json_t *reports = json_object_get(root, "reports");
    const char *d = json_string_value(json_object_get(
        json_array_get(reports, json_array_size(reports) - 1), "date"));
    snprintf(out, 11, "%s", d ? d : "");
    json_decref(root);
}

START_TEST(test_sync_new_day_then_304)
{
    if (!have_data)
        return;
    /* The whole history here, a sync of the real upstream files at their real size, but
     * not under $ATTRITION_WRAPPER (valgrind: ~50 s more, for no other code path). */
    const char *w = getenv("ATTRITION_WRAPPER");
    if (w == NULL || *w == '\0') {
        teardown();
        ck_assert_int_eq(test_server_prepare(&test_srv), 0);
        load_dataset(NULL);
    }
    char *before = export_db(), *out = NULL, d0[11], d1[11];
    export_latest(before, d0);
    ck_assert_int_eq(run_sync(&out), 0);
    ck_assert_msg(strstr(out, "1 new day") != NULL, "sync said: %s", out);
    char *after = export_db();
    export_latest(after, d1);
    ck_assert_msg(strcmp(d1, d0) > 0, "latest stayed %s; sync said: %s", d1, out);
    ck_assert_uint_eq(upstream_requests(up), 3);
    char ua[256], target[1024];
    upstream_last_request(up, ua, sizeof ua, target, sizeof target);
    ck_assert_msg(strncmp(ua, "attrition/", 10) == 0, "User-Agent \"%s\"", ua);
    free(out);
    /* Unchanged upstream: one conditional request per file, all 304, nothing changes. */
    upstream_reset_counts(up);
    ck_assert_int_eq(run_sync(&out), 0);
    ck_assert_uint_eq(upstream_requests(up), 3);
    ck_assert_uint_eq(upstream_not_modified(up), 3);
    ck_assert_msg(strstr(out, "not modified") != NULL, "sync said: %s", out);
    char *again = export_db();
    ck_assert_msg(strcmp(again, after) == 0, "a run against an unchanged upstream changed data");
    free(out);
    free(before);
    free(after);
    free(again);
}
END_TEST

/* The personnel file with one more day whose total is a string: a wrong-shape upstream. */
static void serve_bad_total(void)
{
    size_t len;
    char *text = upstream_dataset_file(upstream_dataset_names[0], 0, 1, 100, &len);
    json_t *root = json_loads(text, 0, NULL);
    json_object_set_new(json_array_get(root, json_array_size(root) - 1), "personnel",
                        json_string("lots"));
    char *bad = json_dumps(root, 0);
    ck_assert_int_eq(upstream_set_file(up, upstream_dataset_names[0], bad, strlen(bad)), 0);
    free(bad);
    free(text);
    json_decref(root);
}

START_TEST(test_sync_faults)
{
    if (!have_data)
        return;
    static const struct {
        enum upstream_mode mode;
        const char *name, *expect;   /* expect: in the output */
        unsigned requests;           /* the upstream saw (0: not checked) */
    } faults[] = {
        {UPSTREAM_500, "500", "HTTP status 500 (after 2 attempts)", 2},
        {UPSTREAM_STALL, "stall", "timeout", 0},
        {UPSTREAM_TRUNCATED, "truncated JSON", "not valid JSON", 3},
        {UPSTREAM_HTML, "HTML page", "not valid JSON", 3},
        {UPSTREAM_HUGE, "over the size limit", "larger than " SYNC_MAX_BYTES " bytes", 1},
        {UPSTREAM_REDIRECT_LOOP, "redirect loop", "more than 5 redirects", 6},
        {UPSTREAM_OK, "total not a number", "\"personnel\" must be an integer", 3},
    };
    char *before = export_db();
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        char *out = NULL;
        upstream_set_mode(up, faults[i].mode);
        if (faults[i].mode == UPSTREAM_OK)
            serve_bad_total();
        upstream_reset_counts(up);
        int code = run_sync(&out);
        ck_assert_msg(code == 1, "%s: exit %d, want 1: %s", faults[i].name, code, out);
        ck_assert_msg(strstr(out, faults[i].expect) && strstr(out, base),
                      "%s: the output names neither \"%s\" nor %s: %s", faults[i].name,
                      faults[i].expect, base, out);
        if (faults[i].requests)
            ck_assert_msg(upstream_requests(up) == faults[i].requests, "%s: %u requests, want %u",
                          faults[i].name, upstream_requests(up), faults[i].requests);
        char *after = export_db();
        ck_assert_msg(strcmp(after, before) == 0, "%s changed the database", faults[i].name);
        free(after);
        free(out);
    }
    free(before);
}
END_TEST

START_TEST(test_sync_fewer_days)
{
    if (!have_data)
        return;
    for (int i = 0; i < 2; i++) {
        size_t len;
        char *text = upstream_dataset_file(upstream_dataset_names[i], 10, 0, 0, &len);
        ck_assert_int_eq(upstream_set_file(up, upstream_dataset_names[i], text, len), 0);
        free(text);
    }
    char *before = export_db(), *out = NULL;
    ck_assert_int_eq(run_sync(&out), 0);
    ck_assert_msg(strstr(out, "kept 10 stored days the upstream no longer holds (first "
                              "2022-02-25)") != NULL, "sync said: %s", out);
    char *after = export_db();
    ck_assert_msg(strcmp(after, before) == 0, "fewer days upstream changed the database");
    free(before);
    free(after);
    free(out);
}
END_TEST

START_TEST(test_sync_bad_usage)
{
    char *out = NULL;
    snprintf(base, sizeof base, "ftp://127.0.0.1/data/");
    ck_assert_int_eq(run_sync(&out), 2);
    ck_assert_msg(strstr(out, "not an http:// or https:// URL") != NULL, "sync said: %s", out);
    free(out);
}
END_TEST

START_TEST(test_serve_sync_every)
{
    if (!have_data)
        return;
    char env_src[200], d0[11];
    char *before = export_db();
    export_latest(before, d0);
    free(before);
    snprintf(env_src, sizeof env_src, "ATTRITION_SYNC_SOURCES=dataset:%s", base);
    const char *env[] = {env_src, "ATTRITION_SYNC_EVERY=1s", NULL};
    ck_assert_int_eq(test_server_start(&test_srv, env), 0);
    const char *w = getenv("ATTRITION_WRAPPER");
    int tries = w && *w ? 600 : 100; /* 10 s, 60 s under valgrind */
    http_resp r;
    const char *latest = NULL;
    for (int i = 0; i < tries; i++) {
        json_t *j = http_get_json(&test_srv, "/readyz", 200, &r);
        latest = json_string_value(json_object_get(j, "latest"));
        if (latest && strcmp(latest, d0) > 0)
            break;
        http_resp_free(&r);
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    ck_assert_msg(latest && strcmp(latest, d0) > 0, "the synced day after %s never appeared", d0);
    /* Freshness: the age of the latest report and the last sync round. */
    json_t *ls = json_object_get(r.json, "last_sync");
    ck_assert_msg(json_is_integer(json_object_get(r.json, "age_seconds")), "%s", r.body);
    ck_assert_msg(json_is_string(json_object_get(ls, "outcome")) &&
                  json_path_int(ls, "rounds.changed") >= 1, "/readyz: %s", r.body);
    http_resp_free(&r);
    ck_assert_int_eq(http_get(&test_srv, "/metrics", &r), 0);
    ck_assert_msg(strstr(r.body, "\nattrition_sync_total{outcome=\"changed\"} 1\n") &&
                  strstr(r.body, "\nattrition_latest_report_age_seconds ") &&
                  strstr(r.body, "\nattrition_sync_last_success_timestamp_seconds "),
                  "/metrics lacks the freshness families: %.3000s", r.body);
    http_resp_free(&r);
    /* The next rounds: 304s only (each round is 3 requests). */
    unsigned n0 = upstream_not_modified(up);
    struct timespec ts = {1, 500 * 1000 * 1000};
    nanosleep(&ts, NULL);
    ck_assert_uint_gt(upstream_not_modified(up), n0);
    ck_assert_int_eq(test_server_stop(&test_srv), 0);
}
END_TEST

START_TEST(test_sync_through_proxy)
{
    if (!have_data)
        return;
    /* http_proxy names the fixture: a source on a host that does not exist is fetched
     * through it (libcurl honours the standard proxy variables). */
    char proxy[160], *out = NULL, ua[256], target[1024];
    snprintf(proxy, sizeof proxy, "http_proxy=http://127.0.0.1:%d", upstream_port(up));
    const char *env[] = {proxy, "no_proxy=", "NO_PROXY=", NULL};
    ck_assert_int_eq(run_sync_env("dataset:http://upstream.invalid/data/", env, &out), 0);
    ck_assert_msg(strstr(out, "1 new day") != NULL, "sync said: %s", out);
    upstream_last_request(up, ua, sizeof ua, target, sizeof target);
    ck_assert_str_eq(target, "http://upstream.invalid/data/russia_losses_equipment_correction.json");
    free(out);
}
END_TEST

START_TEST(test_sync_api_kind)
{
    if (!have_data)
        return;
    /* The peer: a second attrition serve holding the dataset and one more day. */
    test_server peer;
    char paths[2][700], src[200], *out = NULL, d0[11], d1[11];
    ck_assert_int_eq(test_server_prepare(&peer), 0);
    ck_assert_int_eq(upstream_import_dataset(&peer), 0); /* before: it writes the same names */
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(upstream_write_dataset_file(peer.dir, upstream_dataset_names[i], 0, 1,
                                                     100, paths[i], sizeof paths[i]), 0);
    const char *files[] = {paths[0], paths[1]};
    ck_assert_int_eq(test_server_import(&peer, files, 2), 0);
    ck_assert_int_eq(test_server_start(&peer, NULL), 0);
    char *before = export_db();
    export_latest(before, d0);
    snprintf(src, sizeof src, "api:http://127.0.0.1:%d/", peer.port);
    ck_assert_int_eq(run_sync_source(src, &out), 0);
    ck_assert_msg(strstr(out, "1 new day,") != NULL, "sync said: %s", out);
    char *after = export_db();
    export_latest(after, d1);
    ck_assert_msg(strcmp(d1, d0) > 0, "latest stayed %s; sync said: %s", d1, out);
    free(out);
    /* Again: nothing newer upstream, nothing changes. A bare URL is recognised as an API
     * (no dataset file there: 404). */
    snprintf(src, sizeof src, "http://127.0.0.1:%d/", peer.port);
    ck_assert_int_eq(run_sync_source(src, &out), 0);
    ck_assert_msg(strstr(out, "api http://") && strstr(out, "0 new days"), "sync said: %s", out);
    char *again = export_db();
    ck_assert_msg(strcmp(again, after) == 0, "a second api sync changed data");
    free(out);
    free(before);
    free(after);
    free(again);
    ck_assert_int_eq(test_server_stop(&peer), 0);
    test_server_cleanup(&peer);
}
END_TEST

START_TEST(test_sync_two_sources_disagree)
{
    if (!have_data)
        return;
    /* A second upstream with the same extra day but other totals. */
    upstream *second = upstream_start();
    ck_assert_ptr_nonnull(second);
    for (int i = 0; i < 3; i++) {
        size_t len;
        char *text = upstream_dataset_file(upstream_dataset_names[i], 0, i < 2 ? 1 : 0, 250,
                                           &len);
        ck_assert_int_eq(upstream_set_file(second, upstream_dataset_names[i], text, len), 0);
        free(text);
    }
    char src[300], base2[128], *out = NULL;
    snprintf(src, sizeof src, "dataset:%s dataset:%s", base, upstream_base(second, base2,
                                                                            sizeof base2));
    ck_assert_int_eq(run_sync_source(src, &out), 0);
    /* The first source's figure is stored; the second's is reported with both values. */
    long long want = -1;
    char *exp = export_db();
    json_t *root = json_loads(exp, 0, NULL), *reports = json_object_get(root, "reports");
    json_t *last = json_array_get(reports, json_array_size(reports) - 1);
    long long got = json_path_int(last, "totals.personnel");
    json_t *prev = json_array_get(reports, json_array_size(reports) - 2);
    want = json_path_int(prev, "totals.personnel") + 100;
    ck_assert_msg(got == want, "personnel of the new day is %lld, want the first source's %lld",
                  got, want);
    char both[400];
    snprintf(both, sizeof both, "personnel: stored %lld, %srussia_losses_personnel.json says %lld",
             want, base2, want + 150);
    ck_assert_msg(strstr(out, "warning: ") && strstr(out, both), "no warning with \"%s\": %s",
                  both, out);
    json_decref(root);
    free(exp);
    free(out);
    upstream_stop(second);
}
END_TEST

TCase *http_sync_tcase(void)
{
    TCase *tc = tcase_create("http_sync");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 180); /* dataset imports, ~10 syncs with 1 s timeouts; valgrind */
    tcase_add_test(tc, test_sync_new_day_then_304);
    tcase_add_test(tc, test_sync_faults);
    tcase_add_test(tc, test_sync_fewer_days);
    tcase_add_test(tc, test_sync_bad_usage);
    tcase_add_test(tc, test_serve_sync_every);
    tcase_add_test(tc, test_sync_api_kind);
    tcase_add_test(tc, test_sync_two_sources_disagree);
    tcase_add_test(tc, test_sync_through_proxy);
    return tc;
}
