/* GET /dataset/<file>: after importing ../shared/data/ua-mod, each of the three files served
 * equals its source as JSON: the same entries in the same order, in each entry the same keys
 * in the same order, the same values of the same JSON types (integers stay integers, the
 * text annotations and POW are there). Then `attrition sync --source dataset:<first
 * server>/dataset/` into a fresh database gives the same answers from a second server: the
 * three files, the full daily series, the compat API's latest record and a list page. An
 * unknown file is 404; the files are cacheable (ETag, 304). A report posted afterwards is in
 * the files at once, in the default layout. Skips, saying why, when
 * ../shared/data is absent. */
#include "harness.h"
#include "upstream.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TCase *http_dataset_tcase(void);

static const char *const names[3] = {"russia_losses_personnel.json",
                                     "russia_losses_equipment.json",
                                     "russia_losses_equipment_correction.json"};

/* a and b equal as JSON with object keys compared in order and integers apart from reals.
 * 0, or -1 with where and why in why. */
static int json_same(const json_t *a, const json_t *b, const char *at, char *why, size_t len)
{
    char sub[256];
    if (json_typeof(a) != json_typeof(b))
        return snprintf(why, len, "%s: type %d, the source has %d", at, json_typeof(a),
                        json_typeof(b)), -1;
    if (json_is_object(a)) {
        void *ia = json_object_iter((json_t *)a), *ib = json_object_iter((json_t *)b);
        for (; ia && ib; ia = json_object_iter_next((json_t *)a, ia),
                         ib = json_object_iter_next((json_t *)b, ib)) {
            const char *ka = json_object_iter_key(ia), *kb = json_object_iter_key(ib);
            if (strcmp(ka, kb) != 0)
                return snprintf(why, len, "%s: key \"%s\" where the source has \"%s\"", at, ka,
                                kb), -1;
            snprintf(sub, sizeof sub, "%s.%s", at, ka);
            if (json_same(json_object_iter_value(ia), json_object_iter_value(ib), sub, why,
                          len) != 0)
                return -1;
        }
        if (ia || ib)
            return snprintf(why, len, "%s: %zu keys, the source has %zu", at,
                            json_object_size(a), json_object_size(b)), -1;
        return 0;
    }
    if (json_is_array(a)) {
        if (json_array_size(a) != json_array_size(b))
            return snprintf(why, len, "%s: %zu elements, the source has %zu", at,
                            json_array_size(a), json_array_size(b)), -1;
        for (size_t i = 0; i < json_array_size(a); i++) {
            snprintf(sub, sizeof sub, "%s[%zu]", at, i);
            if (json_same(json_array_get(a, i), json_array_get(b, i), sub, why, len) != 0)
                return -1;
        }
        return 0;
    }
    if (!json_equal((json_t *)a, (json_t *)b))
        return snprintf(why, len, "%s: a different value", at), -1;
    return 0;
}

/* GET path from s as JSON with keys in their order (asserts 200). New reference. */
static json_t *get_ordered(const test_server *s, const char *path)
{
    http_resp r;
    json_error_t err;
    ck_assert_int_eq(http_get(s, path, &r), 0);
    ck_assert_msg(r.status == 200, "GET %s: %ld %.200s", path, r.status, r.body);
    json_t *j = json_loads(r.body, JSON_PRESERVE_ORDER, &err);
    ck_assert_msg(j != NULL, "GET %s: not JSON: %s", path, err.text);
    http_resp_free(&r);
    return j;
}

/* The body of GET path from s (asserts 200; malloc'd). */
static char *get_body(const test_server *s, const char *path)
{
    http_resp r;
    ck_assert_int_eq(http_get(s, path, &r), 0);
    ck_assert_msg(r.status == 200, "GET %s: %ld", path, r.status);
    char *b = strdup(r.body);
    http_resp_free(&r);
    return b;
}

START_TEST(test_dataset_files_and_sync)
{
    test_server a, b;
    char path[700], why[512], src[200];
    static const char *const env[] = {"ATTRITION_TOKEN=dataset-test", NULL};
    if (!test_server_start_dataset(&a, "http_dataset", env))
        return;
    const char *const *files = test_dataset_files();
    const char *data = getenv("ATTRITION_DATA");
    ck_assert_ptr_nonnull(files);
    for (int i = 0; i < 3; i++) {
        json_error_t err;
        snprintf(path, sizeof path, "%s/%s", data, names[i]);
        json_t *want = json_load_file(path, JSON_PRESERVE_ORDER, &err);
        ck_assert_msg(want != NULL, "%s: %s", path, err.text);
        snprintf(path, sizeof path, "/dataset/%s", names[i]);
        json_t *got = get_ordered(&a, path);
        ck_assert_msg(json_same(got, want, names[i], why, sizeof why) == 0, "%s", why);
        json_decref(got);
        json_decref(want);
    }
    /* The POW and the annotations are there (not only equal: present at all). */
    json_t *pers = get_ordered(&a, "/dataset/russia_losses_personnel.json");
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(pers, 4), "POW")), 200);
    json_decref(pers);
    http_resp r;
    char etag[128], inm[160];
    ck_assert_int_eq(http_get(&a, "/dataset/russia_losses_equipment.json", &r), 0);
    ck_assert_ptr_nonnull(strstr(r.body, "\"greatest losses direction\": "));
    ck_assert_ptr_nonnull(http_header(&r, "ETag", etag, sizeof etag));
    http_resp_free(&r);
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    const char *h[] = {inm, NULL};
    ck_assert_int_eq(http_request(&a, "GET", "/dataset/russia_losses_equipment.json", h, NULL, 0,
                                  &r), 0);
    ck_assert_int_eq(r.status, 304);
    http_resp_free(&r);
    http_get_json(&a, "/dataset/russia_losses_prisoners.json", 404, &r);
    http_resp_free(&r);

    /* sync from a's /dataset/ into a fresh database: the same answers. */
    ck_assert_int_eq(test_server_prepare(&b), 0);
    snprintf(src, sizeof src, "dataset:http://127.0.0.1:%d/dataset/", a.port);
    snprintf(path, sizeof path, "%s/sync.log", b.dir);
    const char *args[] = {"sync", "--db", b.db, "--source", src, "--timeout", "30", NULL};
    ck_assert_msg(upstream_run_attrition(args, NULL, path) == 0, "sync failed: see %s", path);
    ck_assert_int_eq(test_server_start(&b, NULL), 0);
    const char *same[] = {"/dataset/russia_losses_personnel.json",
                          "/dataset/russia_losses_equipment.json",
                          "/dataset/russia_losses_equipment_correction.json",
                          "/v1/daily", "/v1/cumulative/latest", "/v1/records/personnel?limit=5",
                          "/api/v2/statistics/latest", "/api/v1/statistics/2024-10-25",
                          "/v1/categories", NULL};
    for (int i = 0; same[i]; i++) {
        char *x = get_body(&a, same[i]), *y = get_body(&b, same[i]);
        ck_assert_msg(strcmp(x, y) == 0, "GET %s differs after sync", same[i]);
        free(x);
        free(y);
    }
    ck_assert_int_eq(test_server_stop(&b), 0);
    test_server_cleanup(&b);

    /* A posted report is in the files at once, in the default layout: the personnel file's
     * keys, the equipment keys in the order of the entry before it. */
    static const char body[] = "{\"date\":\"2026-08-09\",\"totals\":{\"personnel\":1457600,"
                               "\"uav\":450000,\"tanks\":12255},\"qualifiers\":{\"personnel\":"
                               "\"about\"}}";
    const char *ph[] = {"Authorization: Bearer dataset-test", "Content-Type: application/json",
                        NULL};
    ck_assert_int_eq(http_request(&a, "POST", "/v1/reports", ph, body, sizeof body - 1, &r), 0);
    ck_assert_msg(r.status == 201, "POST: %ld %.300s", r.status, r.body);
    http_resp_free(&r);
    pers = get_ordered(&a, "/dataset/russia_losses_personnel.json");
    json_t *want = json_loads("{\"date\":\"2026-08-09\",\"day\":1628,\"personnel\":1457600,"
                              "\"personnel*\":\"about\"}", JSON_PRESERVE_ORDER, NULL);
    ck_assert_msg(json_same(json_array_get(pers, json_array_size(pers) - 1), want, "posted", why,
                            sizeof why) == 0, "%s", why);
    json_decref(want);
    json_decref(pers);
    json_t *eq = get_ordered(&a, "/dataset/russia_losses_equipment.json");
    want = json_loads("{\"date\":\"2026-08-09\",\"day\":1628,\"tank\":12255,"
                      "\"drone\":450000}", JSON_PRESERVE_ORDER, NULL);
    ck_assert_msg(json_same(json_array_get(eq, json_array_size(eq) - 1), want, "posted", why,
                            sizeof why) == 0, "%s", why);
    ck_assert_int_eq(json_array_size(eq), 1627);
    json_decref(want);
    json_decref(eq);
    ck_assert_int_eq(test_server_stop(&a), 0);
    test_server_cleanup(&a);
}
END_TEST

/* An attrition without correction notes serves "[]" as its corrections file: another one
 * syncs from it all the same (nothing to import from that file). */
/* A fresh database d syncs from c's /dataset/ files; once d serves, its latest totals equal
 * c's. d is started (the caller stops it). */
static void sync_follows(const test_server *c, test_server *d)
{
    char path[700], src[200];
    ck_assert_int_eq(test_server_prepare(d), 0);
    snprintf(src, sizeof src, "dataset:http://127.0.0.1:%d/dataset/", c->port);
    snprintf(path, sizeof path, "%s/sync.log", d->dir);
    const char *args[] = {"sync", "--db", d->db, "--source", src, "--timeout", "30", NULL};
    ck_assert_msg(upstream_run_attrition(args, NULL, path) == 0, "sync failed: see %s", path);
    ck_assert_int_eq(test_server_start(d, NULL), 0);
    char *x = get_body(c, "/v1/cumulative/latest"), *y = get_body(d, "/v1/cumulative/latest");
    ck_assert_str_eq(x, y);
    free(x);
    free(y);
}

START_TEST(test_sync_from_empty_corrections)
{
    test_server c, d;
    const char *const *files = test_dataset_files();
    if (!test_have_dataset("http_dataset") || files == NULL)
        return;
    ck_assert_int_eq(test_server_prepare(&c), 0);
    const char *two[2] = {NULL, NULL}; /* the personnel and equipment files */
    for (int i = 0, k = 0; i < 3; i++)
        if (strstr(files[i], "correction") == NULL && k < 2)
            two[k++] = files[i];
    ck_assert_int_eq(test_server_import(&c, two, 2), 0);
    ck_assert_int_eq(test_server_start(&c, NULL), 0);
    char *corr = get_body(&c, "/dataset/russia_losses_equipment_correction.json");
    ck_assert_str_eq(corr, "[]");
    free(corr);
    sync_follows(&c, &d);
    test_server_stop(&d);
    test_server_cleanup(&d);
    test_server_stop(&c);
    test_server_cleanup(&c);
}
END_TEST

/* A report posted with equipment only has no entry in the personnel file (every entry of
 * the dataset's personnel file has personnel), and another machine syncs from the files. */
START_TEST(test_equipment_only_report)
{
    test_server c, d;
    static const char *const env[] = {"ATTRITION_TOKEN=dataset-test", NULL};
    ck_assert_int_eq(test_server_prepare(&c), 0);
    ck_assert_int_eq(test_server_start(&c, env), 0);
    const char *hdrs[] = {"Authorization: Bearer dataset-test",
                          "Content-Type: text/plain; charset=utf-8", NULL};
    const char *post = "Загальні бойові втрати противника з 24.02.22 по 25.02.22:\n"
                       "танків – 80 (+80)\n";
    http_resp r;
    ck_assert_int_eq(http_request(&c, "POST", "/v1/reports", hdrs, post, strlen(post), &r), 0);
    ck_assert_msg(r.status == 201, "POST: %ld %s", r.status, r.body);
    http_resp_free(&r);
    char *pers = get_body(&c, "/dataset/russia_losses_personnel.json");
    ck_assert_str_eq(pers, "[]");
    free(pers);
    json_t *eq = get_ordered(&c, "/dataset/russia_losses_equipment.json");
    ck_assert_int_eq(json_array_size(eq), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(eq, 0), "tank")), 80);
    json_decref(eq);
    sync_follows(&c, &d);
    test_server_finish(&d);
    test_server_finish(&c);
}
END_TEST

TCase *http_dataset_tcase(void)
{
    TCase *tc = tcase_create("http_dataset");
    tcase_set_timeout(tc, 120); /* two imports of the whole dataset; valgrind is slower */
    tcase_add_test(tc, test_dataset_files_and_sync);
    tcase_add_test(tc, test_sync_from_empty_corrections);
    tcase_add_test(tc, test_equipment_only_report);
    return tc;
}
