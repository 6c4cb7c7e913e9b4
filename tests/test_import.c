/* Unit tests of core/import.c and core/export.c on in-memory stores. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrition/dataset.h"
#include "attrition/date.h"
#include "attrition/import.h"
#include "attrition/json_guard.h"
#include "attrition/store.h"
#include "harness.h"
#include "store_target.h"
#include "store_internal.h"

TCase *import_tcase(void);

static const char personnel[] =
    "[{\"date\":\"2022-02-25\",\"day\":2,\"personnel\":2800,\"personnel*\":\"about\",\"POW\":0},"
    " {\"date\":\"2022-02-26\",\"day\":3,\"personnel\":4300,\"personnel*\":\"about\",\"POW\":0},"
    " {\"date\":\"2022-02-27\",\"day\":4,\"personnel\":4500,\"personnel*\":\"more\"}]";
static const char equipment[] =
    "[{\"date\":\"2022-02-25\",\"day\":2,\"tank\":80,\"APC\":516,\"military auto\":100,\"fuel tank\":60},"
    " {\"date\":\"2022-02-26\",\"day\":3,\"tank\":146,\"APC\":706,\"military auto\":130,\"fuel tank\":60,"
    "  \"greatest losses direction\":\"somewhere\"},"
    " {\"date\":\"2022-02-27\",\"day\":4,\"tank\":150,\"APC\":700,\"vehicles and fuel tanks\":200,"
    "  \"laser weapons\":2}]";

static store *open_mem(void)
{
    store *st = NULL;
    char err[256];
    ck_assert_msg(store_open(test_store_target(), STORE_OPEN_CREATE, &st, err, sizeof err) == STORE_OK, "%s", err);
    return st;
}

static int import_text(store *st, const char *name, const char *text, import_result *res,
                       char *err, size_t errlen)
{
    ck_assert_int_eq(store_begin(st), STORE_OK);
    int rc = import_buffer(st, name, text, strlen(text), res, err, errlen);
    import_result_free(res); /* the counters stay */
    if (rc == 0)
        ck_assert_int_eq(store_commit(st), STORE_OK);
    else
        store_rollback(st);
    return rc;
}

static stats_snapshot *snap(store *st)
{
    stats_snapshot *s = NULL;
    ck_assert_int_eq(store_snapshot_load(st, &s), STORE_OK);
    return s;
}

START_TEST(imports_and_derives)
{
    store *st = open_mem();
    import_result res;
    char err[512];
    memset(&res, 0, sizeof res);
    ck_assert_int_eq(import_text(st, "p.json", personnel, &res, err, sizeof err), 0);
    ck_assert_int_eq(import_text(st, "e.json", equipment, &res, err, sizeof err), 0);
    ck_assert_int_eq(res.kinds[0], IMPORT_PERSONNEL);
    ck_assert_int_eq(res.kinds[1], IMPORT_EQUIPMENT);
    ck_assert_uint_eq(res.reports_added, 3);
    ck_assert_uint_eq(res.n_new, 1);
    ck_assert_str_eq(res.new_categories[0], "laser_weapons");
    ck_assert_uint_eq(res.annotations, 1);
    stats_snapshot *s = snap(st);
    ck_assert_uint_eq(s->n_rep, 3);
    int p = stats_category_index(s, "personnel"), t = stats_category_index(s, "tanks");
    int afv = stats_category_index(s, "afv"), vft = stats_category_index(s, "vehicles_fuel_tanks");
    int lw = stats_category_index(s, "laser_weapons"), pow = stats_category_index(s, "pow");
    ck_assert_int_ge(p, 0);
    ck_assert_int_ge(lw, 0);
    ck_assert_int_eq(stats_loss(s, 0, (size_t)p), 2800);
    ck_assert_int_eq(stats_loss(s, 2, (size_t)p), 200);
    ck_assert_str_eq(stats_qualifier(s, 2, (size_t)p), "more");
    ck_assert_int_eq(stats_loss(s, 1, (size_t)t), 66);
    ck_assert_int_eq(stats_loss(s, 2, (size_t)afv), -6);               /* a correction */
    ck_assert_int_eq(stats_loss(s, 2, (size_t)vft), 200 - (130 + 60)); /* continues the merge */
    ck_assert_int_eq(stats_loss(s, 2, (size_t)lw), STATS_NONE);        /* new, no predecessor */
    ck_assert_int_eq(stats_total(s, 1, (size_t)pow), 0);
    ck_assert_int_eq(s->cats[lw].seeded, 0);
    uint64_t v1 = s->version;
    stats_snapshot_unref(s);

    /* A second import of the same files changes nothing. */
    memset(&res, 0, sizeof res);
    ck_assert_int_eq(import_text(st, "p.json", personnel, &res, err, sizeof err), 0);
    ck_assert_int_eq(import_text(st, "e.json", equipment, &res, err, sizeof err), 0);
    ck_assert_uint_eq(res.reports_added, 0);
    ck_assert_uint_eq(res.values_changed, 0);
    ck_assert_uint_eq(res.n_new, 0);
    s = snap(st);
    ck_assert_uint_eq(s->version, v1);
    stats_snapshot_unref(s);
    store_close(st);
}
END_TEST

START_TEST(bad_files_name_the_entry)
{
    store *st = open_mem();
    import_result res;
    char err[512];
    memset(&res, 0, sizeof res);
    ck_assert_int_eq(import_text(st, "x.json", "[{\"date\":\"2022-02-25\",\"tank\":1},"
                                 "{\"date\":\"2022-02-26\",\"tank\":\"many\"}]", &res, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "x.json") && strstr(err, "entry 1") && strstr(err, "tank"), "%s", err);
    ck_assert_int_eq(import_text(st, "y.json", "[{\"date\":\"2022-02-30\",\"tank\":1}]", &res, err,
                                 sizeof err), -1);
    ck_assert_msg(strstr(err, "entry 0") && strstr(err, "date"), "%s", err);
    ck_assert_int_eq(import_text(st, "z.json", "[{\"date\":\"2022-02-25\",\"tank\":-4}]", &res, err,
                                 sizeof err), -1);
    ck_assert_msg(strstr(err, "out of range"), "%s", err);
    ck_assert_int_eq(import_text(st, "w.json", "{\"hello\": 1}", &res, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "not a recognised file"), "%s", err);
    ck_assert_int_eq(import_text(st, "v.json", "[{\"date\":", &res, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "not valid JSON"), "%s", err);
    ck_assert_int_eq(import_text(st, "d.json", "[{\"date\":\"2022-02-25\",\"tank\":1,\"tank\":2}]",
                                 &res, err, sizeof err), -1);
    /* Dates no report may have (POST's rule) refuse the whole file: before the war's start,
     * or after today (UTC), which would otherwise hold /readyz's age at 0 for good. */
    char body[200], ds[DATE_STR_LEN];
    ck_assert_int_eq(import_text(st, "p.json", "[{\"date\":\"2022-02-25\",\"tank\":1},"
                                 "{\"date\":\"2022-01-01\",\"tank\":1}]", &res, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "p.json: entry 1") && strstr(err, "before the war's start"), "%s", err);
    snprintf(body, sizeof body, "[{\"date\":\"2022-02-25\",\"tank\":1},{\"date\":\"%s\",\"tank\":2}]",
             date_format(date_today() + 1, ds));
    ck_assert_int_eq(import_text(st, "f.json", body, &res, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "f.json: entry 1") && strstr(err, "is in the future"), "%s", err);
    ck_assert_int_eq(import_text(st, "f.csv", "date,day,personnel\n2022-02-25,2,100\n9999-12-31,3,200\n",
                                 &res, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "f.csv: line 3") && strstr(err, "9999-12-31 is in the future"), "%s",
                  err);
    /* Nothing of the failed imports is stored. */
    ck_assert_int_eq(store_report_count(st), 0);
    store_close(st);
}
END_TEST

/* Writes text to a file in dir; returns its path (static buffer i). */
static const char *write_file(const char *dir, const char *name, const char *text)
{
    static char paths[4][700];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, 700, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return p;
}

START_TEST(one_transaction_for_all_files)
{
    test_server tmp;
    ck_assert_int_eq(test_server_prepare(&tmp), 0);
    store *st = open_mem();
    import_result res;
    char err[512];
    const char *files[2] = {write_file(tmp.dir, "good.json", personnel),
                            write_file(tmp.dir, "bad.json", "[{\"date\":\"2022-02-25\",\"tank\":1.5}]")};
    ck_assert_int_eq(import_files(st, files, 2, &res, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "bad.json"), "%s", err);
    ck_assert_int_eq(store_report_count(st), 0);
    ck_assert_int_eq(import_files(st, files, 1, &res, err, sizeof err), 0);
    ck_assert_int_eq(store_report_count(st), 3);
    store_close(st);
    test_server_cleanup(&tmp);
}
END_TEST

/* Exports st in format into a string (caller frees). */
static char *export_str(store *st, const char *format)
{
    char *buf = NULL, err[256];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_int_eq(import_export(st, format, f, err, sizeof err), 0);
    fclose(f);
    return buf;
}

START_TEST(export_reads_back_the_same)
{
    store *a = open_mem(), *b = open_mem(), *c = open_mem();
    import_result res;
    char err[512];
    memset(&res, 0, sizeof res);
    ck_assert_int_eq(import_text(a, "p.json", personnel, &res, err, sizeof err), 0);
    ck_assert_int_eq(import_text(a, "e.json", equipment, &res, err, sizeof err), 0);
    char *json = export_str(a, "json");
    ck_assert_ptr_nonnull(strstr(json, "\"greatest losses direction\""));
    ck_assert_ptr_nonnull(strstr(json, "\"dataset_entries\""));
    ck_assert_int_eq(import_text(b, "export.json", json, &res, err, sizeof err), 0);
    char *json2 = export_str(b, "json");
    ck_assert_str_eq(json, json2);
    /* The dataset's files made from a and from its export's import are the same, and hold
     * what the files had: the annotation, POW, the key order, the qualifier. */
    for (int f = 0; f < DATASET_FILES; f++) {
        char *da = NULL, *dbuf = NULL;
        size_t la, lb;
        ck_assert_int_eq(dataset_export(a, NULL, f, &da, &la), STORE_OK);
        ck_assert_int_eq(dataset_export(b, NULL, f, &dbuf, &lb), STORE_OK);
        ck_assert_str_eq(da, dbuf);
        if (f == DATASET_EQUIPMENT)
            ck_assert_ptr_nonnull(strstr(da, "\"fuel tank\": 60,\n        \"greatest losses "
                                             "direction\": \"somewhere\""));
        if (f == DATASET_PERSONNEL)
            ck_assert_ptr_nonnull(strstr(da, "\"personnel*\": \"about\",\n        \"POW\": 0"));
        free(da);
        free(dbuf);
    }
    char *csv = export_str(a, "csv");
    ck_assert_msg(strncmp(csv, "date,day,personnel,tanks,afv", 28) == 0, "%.80s", csv);
    ck_assert_int_eq(import_text(c, "export.csv", csv, &res, err, sizeof err), 0);
    char *csv2 = export_str(c, "csv");
    ck_assert_str_eq(csv, csv2);
    stats_snapshot *sa = snap(a), *sc = snap(c);
    ck_assert_uint_eq(sa->n_rep, sc->n_rep);
    int pa = stats_category_index(sa, "personnel"), pc = stats_category_index(sc, "personnel");
    ck_assert_str_eq(stats_qualifier(sc, 2, (size_t)pc), stats_qualifier(sa, 2, (size_t)pa));
    stats_snapshot_unref(sa);
    stats_snapshot_unref(sc);
    free(json);
    free(json2);
    free(csv);
    free(csv2);
    store_close(a);
    store_close(b);
    store_close(c);
}
END_TEST

/* The pre-scan (json_guard.h): values and depth counted outside strings, incrementally;
 * past a cap it refuses, and import_buffer refuses such a document before parsing it. */
START_TEST(json_guard_caps)
{
    json_guard g;
    json_guard_init(&g);
    static const char legit[] = "[{\"date\": \"2024-10-25\", \"a,b[{\": 1, \"c\": [1, 2]}]";
    ck_assert_int_eq(json_guard_feed(&g, legit, sizeof legit - 1), 0);
    ck_assert_uint_eq(g.values, 6); /* [ { , , [ , : not the comma and brackets of the key */
    ck_assert_int_eq(g.depth, 0);
    /* "[0,0,...": refused once past the cap, fed in small pieces */
    json_guard_init(&g);
    ck_assert_int_eq(json_guard_feed(&g, "[", 1), 0);
    int rc = 0;
    size_t fed = 0;
    while (rc == 0 && fed < 4u * JSON_GUARD_MAX_VALUES) {
        rc = json_guard_feed(&g, "0,0,0,0,", 8);
        fed += 8;
    }
    ck_assert_int_eq(rc, -1);
    ck_assert_uint_le(fed, 2u * JSON_GUARD_MAX_VALUES + 8);
    ck_assert_int_eq(json_guard_feed(&g, "]", 1), -1); /* sticky */
    /* nesting */
    char deep[2 * JSON_GUARD_MAX_DEPTH + 8];
    memset(deep, '[', JSON_GUARD_MAX_DEPTH + 1);
    json_guard_init(&g);
    ck_assert_int_eq(json_guard_feed(&g, deep, JSON_GUARD_MAX_DEPTH), 0);
    ck_assert_int_eq(json_guard_feed(&g, deep, 1), -1);
    /* import_buffer refuses the bomb with a message, before any tree */
    size_t n = 2u * JSON_GUARD_MAX_VALUES + 3;
    char *bomb = malloc(n + 1);
    ck_assert_ptr_nonnull(bomb);
    bomb[0] = '[';
    for (size_t i = 1; i + 2 < n; i += 2)
        memcpy(bomb + i, "0,", 2);
    memcpy(bomb + n - 2, "0]", 2);
    bomb[n] = '\0';
    store *st = NULL;
    char err[512];
    import_result res;
    memset(&res, 0, sizeof res);
    ck_assert_int_eq(store_open(test_store_target(), STORE_OPEN_CREATE, &st, err, sizeof err), STORE_OK);
    ck_assert_int_eq(import_buffer(st, "bomb.json", bomb, n, &res, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "bomb.json: not importable: more than") != NULL, "%s", err);
    import_result_free(&res);
    store_close(st);
    free(bomb);
}
END_TEST

TCase *import_tcase(void)
{
    TCase *tc = tcase_create("import");
    /* on PostgreSQL (ATTRITION_TEST_PG) each store is a new schema on a server that shares
     * the CPUs with the other tests: Check's 4 s default is too short there */
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, imports_and_derives);
    tcase_add_test(tc, bad_files_name_the_entry);
    tcase_add_test(tc, one_transaction_for_all_files);
    tcase_add_test(tc, export_reads_back_the_same);
    tcase_add_test(tc, json_guard_caps);
    return tc;
}
