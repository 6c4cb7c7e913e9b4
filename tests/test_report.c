/* Unit tests of reports (core/report.c) on fresh in-memory stores: reading JSON and the
 * ministry's post, storing with revisions, the (+N) check, warnings, new categories.
 * The fixture test reads $ATTRITION_FIXTURES/mod-post-2024-10-25.txt and the dataset under
 * $ATTRITION_DATA, and skips with a message when either is absent. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_internal.h" /* core/: store_prepare for reading revisions */
#include "attrition/date.h"
#include "attrition/report.h"
#include "attrition/store.h"
#include "harness.h"
#include "store_target.h"

TCase *report_tcase(void);

static store *st;

static void setup(void)
{
    char err[256];
    int rc = store_open(test_store_target(), STORE_OPEN_CREATE, &st, err, sizeof err);
    ck_assert_msg(rc == STORE_OK, "store_open: %d %s", rc, err);
}

static void teardown(void)
{
    store_close(st);
    st = NULL;
}

static int day(const char *s)
{
    int d = -1;
    ck_assert_msg(date_parse(s, &d) == 0, "bad test date %s", s);
    return d;
}

/* Reads body as JSON and stores it with mode; returns report_store's status (or the
 * parse status when the body does not read). res is the caller's to free. */
static int store_json(const char *body, int mode, report_result *res)
{
    report r;
    char err[512];
    memset(res, 0, sizeof *res);
    int rc = report_from_json(body, strlen(body), &r, err, sizeof err);
    ck_assert_msg(rc == REPORT_OK, "report_from_json(%s): %d %s", body, rc, err);
    rc = report_store(st, &r, mode, res);
    report_free(&r);
    return rc;
}

/* Reads text as a post and stores it (REPORT_CREATE). */
static int store_post(const char *text, report_result *res)
{
    report r;
    char err[512];
    memset(res, 0, sizeof *res);
    int rc = report_from_post(text, strlen(text), &r, err, sizeof err);
    ck_assert_msg(rc == REPORT_OK, "report_from_post: %d %s", rc, err);
    rc = report_store(st, &r, REPORT_CREATE, res);
    report_free(&r);
    return rc;
}

/* The stored total of category on date, or -1 when there is none. */
static long long stored_total(const char *date, const char *category)
{
    report r;
    long long v = -1;
    if (report_get(st, day(date), &r) != REPORT_OK)
        return -1;
    for (size_t i = 0; i < r.n_values; i++)
        if (strcmp(r.values[i].category, category) == 0)
            v = r.values[i].total;
    report_free(&r);
    return v;
}

static int has_string(const report_strings *list, const char *s)
{
    for (size_t i = 0; i < list->n; i++)
        if (strcmp(list->items[i], s) == 0)
            return 1;
    return 0;
}

#define HEAD(d) "The total combat losses of the enemy from 24.02.2022 to " d " were approximately:\n"
#define DAY24 "{\"date\": \"2024-10-24\", \"totals\": {\"personnel\": 684280, \"tanks\": 9090, " \
              "\"special_equipment\": 3513}, \"qualifiers\": {\"personnel\": \"about\"}}"
#define DAY25 "{\"date\": \"2024-10-25\", \"totals\": {\"personnel\": 685910, \"tanks\": 9097, " \
              "\"special_equipment\": 3535}, \"qualifiers\": {\"personnel\": \"about\"}, " \
              "\"source_url\": \"https://www.mil.gov.ua/\"}"

/* Reads a whole file into a malloc'd buffer (*len bytes). NULL if it cannot be read. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
        if (buf && fseek(f, 0, SEEK_SET) == 0 && fread(buf, 1, (size_t)n, f) == (size_t)n) {
            buf[n] = '\0';
            *len = (size_t)n;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

/* The dataset's object for date in file name (a new reference), or NULL. */
static json_t *dataset_entry(const char *name, const char *date)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", getenv("ATTRITION_DATA"), name);
    json_t *all = json_load_file(path, 0, NULL), *found = NULL, *e;
    size_t i;
    json_array_foreach(all, i, e) {
        if (strcmp(json_string_value(json_object_get(e, "date")), date) == 0)
            found = json_incref(e);
    }
    json_decref(all);
    return found;
}

/* The fixture, parsed and stored, gives exactly the dataset's totals of 2024-10-25, and
 * nothing else: every category of the dataset's day, no more. */
START_TEST(test_report_fixture_matches_dataset)
{
    const char *fx = getenv("ATTRITION_FIXTURES");
    char path[1024];
    size_t len = 0;
    snprintf(path, sizeof path, "%s/mod-post-2024-10-25.txt", fx ? fx : ".");
    char *text = slurp(path, &len);
    if (text == NULL || !test_have_dataset("report fixture vs dataset")) {
        if (text == NULL)
            printf("SKIP report fixture: %s is absent\n", path);
        free(text);
        return;
    }
    report r;
    report_result res;
    char err[512];
    ck_assert_int_eq(report_from_post(text, len, &r, err, sizeof err), REPORT_OK);
    ck_assert_int_eq(r.date, day("2024-10-25"));
    ck_assert_int_eq(r.n_values, 14);
    ck_assert_int_eq(r.n_ignored, 1);
    ck_assert_str_eq(r.ignored[0], "line 16: The data is being updated.");
    ck_assert_int_eq(report_store(st, &r, REPORT_CREATE, &res), REPORT_OK);
    ck_assert_int_eq(res.outcome, REPORT_CREATED);
    ck_assert_int_eq(res.new_categories.n, 0);
    ck_assert_int_eq(res.ignored_lines.n, 1);

    const char *files[] = {"russia_losses_personnel.json", "russia_losses_equipment.json"};
    size_t compared = 0;
    for (int f = 0; f < 2; f++) {
        json_t *e = dataset_entry(files[f], "2024-10-25"), *v;
        const char *key;
        ck_assert_ptr_nonnull(e);
        json_object_foreach(e, key, v) {
            char id[64];
            int created = 1;
            if (!json_is_integer(v) || strcmp(key, "day") == 0)
                continue;
            ck_assert_int_eq(store_category_resolve(st, key, 0, id, sizeof id, &created), STORE_OK);
            ck_assert_msg(stored_total("2024-10-25", id) == json_integer_value(v),
                          "%s (%s): stored %lld, dataset %lld", key, id,
                          stored_total("2024-10-25", id), (long long)json_integer_value(v));
            compared++;
        }
        json_decref(e);
    }
    ck_assert_int_eq(compared, res.stored.n_values);
    ck_assert_str_eq(res.stored.values[0].category, "personnel");
    ck_assert_str_eq(res.stored.values[0].qualifier, "about");
    report_result_free(&res);
    report_free(&r);
    free(text);
}
END_TEST

/* POSTing the same report twice is idempotent; a different one for that date conflicts and
 * changes nothing. */
START_TEST(test_report_create_idempotent_and_conflict)
{
    report_result res;
    uint64_t v0 = store_data_version(st);
    ck_assert_int_eq(store_json(DAY25, REPORT_CREATE, &res), REPORT_OK);
    ck_assert_int_eq(res.outcome, REPORT_CREATED);
    ck_assert_int_eq(res.stored.revision, 1);
    ck_assert_str_eq(res.stored.source_url, "https://www.mil.gov.ua/");
    ck_assert_int_eq(store_data_version(st), v0 + 1);
    report_result_free(&res);

    ck_assert_int_eq(store_json(DAY25, REPORT_CREATE, &res), REPORT_OK);
    ck_assert_int_eq(res.outcome, REPORT_UNCHANGED);
    ck_assert_int_eq(res.stored.revision, 1);
    ck_assert_int_eq(store_data_version(st), v0 + 1);
    report_result_free(&res);

    /* The same figures without a source_url are the same report too. */
    ck_assert_int_eq(store_json("{\"date\": \"2024-10-25\", \"totals\": {\"Personnel\": 685910, "
                                "\"tank\": 9097, \"special equipment\": 3535}, \"qualifiers\": "
                                "{\"personnel\": \"about\"}}", REPORT_CREATE, &res), REPORT_OK);
    ck_assert_int_eq(res.outcome, REPORT_UNCHANGED);
    report_result_free(&res);

    ck_assert_int_eq(store_json("{\"date\": \"2024-10-25\", \"totals\": {\"personnel\": 685911, "
                                "\"tanks\": 9097, \"special_equipment\": 3535}}",
                                REPORT_CREATE, &res), REPORT_ECONFLICT);
    ck_assert_msg(strstr(res.error, "personnel") != NULL, "conflict names it: %s", res.error);
    ck_assert_int_eq(res.outcome, 0);
    report_result_free(&res);
    /* A category missing from the new report is a difference as well. */
    ck_assert_int_eq(store_json("{\"date\": \"2024-10-25\", \"totals\": {\"personnel\": 685910}, "
                                "\"qualifiers\": {\"personnel\": \"about\"}}",
                                REPORT_CREATE, &res), REPORT_ECONFLICT);
    report_result_free(&res);
    ck_assert_int_eq(stored_total("2024-10-25", "personnel"), 685910);
    ck_assert_int_eq(store_data_version(st), v0 + 1);
    ck_assert_int_eq(store_report_count(st), 1);
}
END_TEST

/* PUT keeps the old version as a revision; history lists the current one first. */
START_TEST(test_report_replace_keeps_revision)
{
    report_result res;
    report *revs = NULL;
    size_t n = 0;
    ck_assert_int_eq(store_json(DAY25, REPORT_REPLACE, &res), REPORT_ENOTFOUND);
    report_result_free(&res);
    ck_assert_int_eq(store_report_count(st), 0);

    ck_assert_int_eq(store_json(DAY25, REPORT_CREATE, &res), REPORT_OK);
    report_result_free(&res);
    uint64_t v1 = store_data_version(st);
    ck_assert_int_eq(store_json("{\"date\": \"2024-10-25\", \"totals\": {\"personnel\": 685920, "
                                "\"tanks\": 9097}, \"qualifiers\": {\"personnel\": \"more\"}}",
                                REPORT_REPLACE, &res), REPORT_OK);
    ck_assert_int_eq(res.outcome, REPORT_REPLACED);
    ck_assert_int_eq(res.stored.revision, 2);
    ck_assert_ptr_null(res.stored.source_url);
    ck_assert_int_eq(res.stored.n_values, 2);
    ck_assert_int_eq(store_data_version(st), v1 + 1);
    report_result_free(&res);

    /* Replacing with what is stored writes nothing. */
    ck_assert_int_eq(store_json("{\"date\": \"2024-10-25\", \"totals\": {\"personnel\": 685920, "
                                "\"tanks\": 9097}, \"qualifiers\": {\"personnel\": \"more\"}}",
                                REPORT_REPLACE, &res), REPORT_OK);
    ck_assert_int_eq(res.outcome, REPORT_UNCHANGED);
    ck_assert_int_eq(store_data_version(st), v1 + 1);
    report_result_free(&res);

    ck_assert_int_eq(report_history(st, day("2024-10-25"), &revs, &n), REPORT_OK);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(revs[0].revision, 2);
    ck_assert_int_eq(revs[0].n_values, 2);
    ck_assert_str_eq(revs[0].values[0].category, "personnel");
    ck_assert_int_eq(revs[0].values[0].total, 685920);
    ck_assert_str_eq(revs[0].values[0].qualifier, "more");
    ck_assert_int_eq(revs[1].revision, 1);
    ck_assert_int_eq(revs[1].n_values, 3);
    ck_assert_str_eq(revs[1].values[0].category, "personnel");
    ck_assert_int_eq(revs[1].values[0].total, 685910);
    ck_assert_str_eq(revs[1].values[0].qualifier, "about");
    ck_assert_str_eq(revs[1].values[2].category, "special_equipment");
    ck_assert_int_eq(revs[1].values[2].total, 3535);
    ck_assert_str_eq(revs[1].source_url, "https://www.mil.gov.ua/");
    ck_assert_int_eq(revs[1].stored_at[4], '-');
    report_history_free(revs, n);
    ck_assert_int_eq(report_history(st, day("2024-10-26"), &revs, &n), REPORT_ENOTFOUND);
    ck_assert_ptr_null(revs);

    /* The revisions row holds JSON objects. */
    db_stmt *stmt = store_prepare(st, "SELECT totals, qualifiers FROM report_revision "
                                      "WHERE date = '2024-10-25' AND revision = 1", "");
    ck_assert_int_eq(db_step(stmt), DB_ROW);
    ck_assert_str_eq(db_column_text(stmt, 0),
                     "{\"personnel\":685910,\"tanks\":9097,\"special_equipment\":3535}");
    ck_assert_str_eq(db_column_text(stmt, 1), "{\"personnel\":\"about\"}");
    db_finalize(stmt);
}
END_TEST

/* A "(+N)" that contradicts the previous day's totals is refused, naming the category, and
 * nothing (not even a new category) is written. */
START_TEST(test_report_increase_contradiction)
{
    report_result res;
    ck_assert_int_eq(store_json(DAY24, REPORT_CREATE, &res), REPORT_OK);
    report_result_free(&res);
    uint64_t v = store_data_version(st);
    ck_assert_int_eq(store_post(HEAD("25.10.2024") "personnel ‒ about 685910 (+1630) persons\n"
                                "tanks ‒ 9097 (+8)\nlaser cannons – 2 (+2)\n", &res),
                     REPORT_EINVAL);
    ck_assert_msg(strstr(res.error, "tanks: the post's (+8) on line 3 contradicts the totals: "
                         "9097 - 9090 (the report of 2024-10-24) = 7") != NULL, "%s", res.error);
    report_result_free(&res);
    ck_assert_int_eq(stored_total("2024-10-25", "tanks"), -1);
    ck_assert_int_eq(store_data_version(st), v);
    char id[64];
    int created;
    ck_assert_int_eq(store_category_resolve(st, "laser cannons", 0, id, sizeof id, &created),
                     STORE_ENOTFOUND);

    /* The consistent post goes in. */
    ck_assert_int_eq(store_post(HEAD("25.10.2024") "personnel ‒ about 685910 (+1630) persons\n"
                                "tanks ‒ 9097 (+7)\n", &res), REPORT_OK);
    ck_assert_int_eq(res.outcome, REPORT_CREATED);
    ck_assert_int_eq(res.warnings.n, 0);
    report_result_free(&res);

    /* After a gap the (+N) is the ministry's 24 hours, not the difference: a warning. */
    ck_assert_int_eq(store_post(HEAD("27.10.2024") "tanks ‒ 9110 (+6)\n", &res), REPORT_OK);
    ck_assert_int_eq(res.warnings.n, 1);
    ck_assert_str_eq(res.warnings.items[0], "tanks: the post's (+6) differs from 9110 - 9097 = 13 "
                     "over the 2 days since the report of 2024-10-25");
    report_result_free(&res);
}
END_TEST

/* A total lower than the previous report's is stored and flagged. */
START_TEST(test_report_lower_total_flagged)
{
    report_result res;
    ck_assert_int_eq(store_json(DAY24, REPORT_CREATE, &res), REPORT_OK);
    report_result_free(&res);
    ck_assert_int_eq(store_post(HEAD("25.10.2024") "special equipment – 3452 (-61)\n"
                                "tanks – 9097 (+7)\n", &res), REPORT_OK);
    ck_assert_int_eq(res.outcome, REPORT_CREATED);
    ck_assert_int_eq(res.warnings.n, 1);
    ck_assert_str_eq(res.warnings.items[0], "special_equipment: total 3452 is lower than the "
                     "previous report's 3513 (2024-10-24)");
    report_result_free(&res);
    ck_assert_int_eq(stored_total("2024-10-25", "special_equipment"), 3452);

    /* Inserting before a later report with a lower total flags that too. */
    ck_assert_int_eq(store_json("{\"date\": \"2024-10-23\", \"totals\": {\"tanks\": 9095}}",
                                REPORT_CREATE, &res), REPORT_OK);
    ck_assert(has_string(&res.warnings, "tanks: total 9095 is higher than the next report's "
                                        "9090 (2024-10-24)"));
    report_result_free(&res);
}
END_TEST

/* A label never seen becomes a new category, reported back; ignored lines come back too. */
START_TEST(test_report_unknown_label_new_category)
{
    report_result res;
    ck_assert_int_eq(store_post(HEAD("25.10.2024") "Glory to Ukraine!\n"
                                "tanks – 9097 (+7)\nlaser cannons – 2 (+2)\n"
                                "The data is being updated.\n", &res), REPORT_OK);
    ck_assert_int_eq(res.new_categories.n, 1);
    ck_assert_str_eq(res.new_categories.items[0], "laser_cannons");
    ck_assert_int_eq(res.ignored_lines.n, 2);
    ck_assert_str_eq(res.ignored_lines.items[0], "line 2: Glory to Ukraine!");
    ck_assert_str_eq(res.ignored_lines.items[1], "line 5: The data is being updated.");
    /* No earlier report: the increases cannot be checked, and the answer says so. */
    ck_assert(has_string(&res.warnings, "the (+N) increases were not checked: no report before "
                                        "2024-10-25 is stored"));
    report_result_free(&res);
    ck_assert_int_eq(stored_total("2024-10-25", "laser_cannons"), 2);

    /* Known now: the same label in a JSON report creates nothing. */
    ck_assert_int_eq(store_json("{\"date\": \"2024-10-26\", \"totals\": {\"laser cannons\": 3}}",
                                REPORT_CREATE, &res), REPORT_OK);
    ck_assert_int_eq(res.new_categories.n, 0);
    report_result_free(&res);

    /* Two keys naming one category. */
    ck_assert_int_eq(store_json("{\"date\": \"2024-10-24\", \"totals\": {\"tank\": 3, "
                                "\"Tanks\": 3}}", REPORT_CREATE, &res), REPORT_EINVAL);
    ck_assert_str_eq(res.error, "\"tank\" and \"Tanks\" both name the category tanks");
    report_result_free(&res);
}
END_TEST

/* One JSON body and what report_from_json must say about it. */
struct json_case {
    const char *body;
    int status;
    const char *detail; /* a substring of the message */
};

START_TEST(test_report_json_validation)
{
    static const struct json_case cases[] = {
        {"", REPORT_ESYNTAX, "the body is empty"},
        {"{\"date\": \"2024-10-25\", ", REPORT_ESYNTAX, "not valid JSON"},
        {"{\"date\": \"2024-10-25\" \"totals\": {}}", REPORT_ESYNTAX, "line 1, column"},
        {"[{\"date\": \"2024-10-25\"}]", REPORT_ESYNTAX, "must be a JSON object"},
        {"\"2024-10-25\"", REPORT_ESYNTAX, "must be a JSON object"},
        {"{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": \"\xff\"}}", REPORT_ESYNTAX, "not valid JSON"},
        /* Jansson quotes the bad token, newline and all; the message stays one line. */
        {"{\"date\": \"\\ud80\n\n\t\"}", REPORT_ESYNTAX, "near '\"\\ud80?'"},
        {"{\"totals\": {\"tanks\": 1}}", REPORT_EINVAL, "date is missing"},
        {"{\"date\": 20241025, \"totals\": {\"tanks\": 1}}", REPORT_EINVAL, "date must be a string"},
        {"{\"date\": \"2024-02-30\", \"totals\": {\"tanks\": 1}}", REPORT_EINVAL,
         "date: \"2024-02-30\" is not a date"},
        {"{\"date\": \"25.10.2024\", \"totals\": {\"tanks\": 1}}", REPORT_EINVAL, "is not a date"},
        {"{\"date\": \"2022-02-23\", \"totals\": {\"tanks\": 1}}", REPORT_EINVAL,
         "date 2022-02-23 is before the war's start (2022-02-24)"},
        {"{\"date\": \"2999-01-01\", \"totals\": {\"tanks\": 1}}", REPORT_EINVAL,
         "date 2999-01-01 is in the future"},
        {"{\"date\": \"2024-10-25\"}", REPORT_EINVAL, "totals is missing"},
        {"{\"date\": \"2024-10-25\", \"totals\": [1]}", REPORT_EINVAL,
         "totals must be an object {category: integer, ...}, not an array"},
        {"{\"date\": \"2024-10-25\", \"totals\": {}}", REPORT_EINVAL, "totals is empty"},
        {"{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": 1.5}}", REPORT_EINVAL,
         "totals.tanks: 1.5 is not a JSON integer"},
        {"{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": 1e3}}", REPORT_EINVAL,
         "totals.tanks: 1000.0 is not a JSON integer"},
        {"{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": -7}}", REPORT_EINVAL,
         "totals.tanks: -7 is negative"},
        {"{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": 1000000000000}}", REPORT_OK, ""},
        {"{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": 1000000000001}}", REPORT_EINVAL,
         "totals.tanks: 1000000000001 is larger than 1000000000000"},
        {"{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": 99999999999999999999}}", REPORT_EINVAL,
         "is too large"},
        {"{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": \"9097\"}}", REPORT_EINVAL,
         "totals.tanks must be an integer, not a string"},
        {"{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": null}}", REPORT_EINVAL,
         "totals.tanks must be an integer, not null"},
        {"{\"date\": \"2024-10-25\", \"totals\": {\"\": 1}}", REPORT_EINVAL, "is empty"},
        {"{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": 1, \"tanks\": 2}}", REPORT_EINVAL,
         "duplicate"},
        {"{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": 1}, \"comment\": \"x\"}",
         REPORT_EINVAL, "unknown field \"comment\""},
        {"{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": 1}, \"qualifiers\": "
         "{\"tanks\": \"roughly\"}}", REPORT_EINVAL,
         "qualifiers.tanks: \"roughly\" is not a qualifier"},
        {"{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": 1}, \"qualifiers\": "
         "{\"personnel\": \"about\"}}", REPORT_EINVAL, "qualifiers: \"personnel\" has no total"},
        {"{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": 1}, \"qualifiers\": [\"about\"]}",
         REPORT_EINVAL, "qualifiers must be an object"},
        {"{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": 1}, \"source_url\": 5}",
         REPORT_EINVAL, "source_url must be a string or null, not an integer"},
        {"{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": 1}, \"source_url\": \"ftp://x\"}",
         REPORT_EINVAL, "source_url: \"ftp://x\" is not an http(s) URL"},
        {"{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": 1}, \"qualifiers\": "
         "{\"Tanks\": \"more\"}, \"source_url\": null}", REPORT_OK, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        report r;
        char err[512] = "untouched";
        int rc = report_from_json(cases[i].body, strlen(cases[i].body), &r, err, sizeof err);
        ck_assert_msg(rc == cases[i].status, "case %zu <%s>: status %d, want %d (%s)", i,
                      cases[i].body, rc, cases[i].status, err);
        if (rc != REPORT_OK) {
            ck_assert_msg(strstr(err, cases[i].detail) != NULL, "case %zu <%s>: \"%s\" lacks \"%s\"",
                          i, cases[i].body, err, cases[i].detail);
            ck_assert_msg(strpbrk(err, "\n\r\t") == NULL, "case %zu: \"%s\" is not one line", i, err);
            ck_assert_ptr_null(r.values);
        }
        report_free(&r);
    }
    /* Today is accepted, tomorrow is not. */
    char body[160], ds[DATE_STR_LEN], err[512];
    report r;
    snprintf(body, sizeof body, "{\"date\": \"%s\", \"totals\": {\"tanks\": 1}}",
             date_format(date_today(), ds));
    ck_assert_int_eq(report_from_json(body, strlen(body), &r, err, sizeof err), REPORT_OK);
    report_free(&r);
    snprintf(body, sizeof body, "{\"date\": \"%s\", \"totals\": {\"tanks\": 1}}",
             date_format(date_today() + 1, ds));
    ck_assert_int_eq(report_from_json(body, strlen(body), &r, err, sizeof err), REPORT_EINVAL);
}
END_TEST

/* Texts that are not posts: empty and bad bytes are unreadable (400), the rest 422. */
START_TEST(test_report_post_validation)
{
    static const struct json_case cases[] = {
        {"", REPORT_ESYNTAX, "the body is empty"},
        {HEAD("25.10.2024") "tanks \xe2\x80\x92 9097 (+7)\n\xc3\x28\n", REPORT_ESYNTAX,
         "line 3: invalid UTF-8 at column 1 (byte 0xC3)"},
        {" \n\t\n", REPORT_ESYNTAX, "the text is empty"},
        {"tanks – 9097 (+7)\n", REPORT_EINVAL, "not a ministry post: no report date"},
        {HEAD("25.10.2024") "The data is being updated.\n", REPORT_EINVAL, "not a ministry post: no entries"},
        {HEAD("23.02.2022") "tanks – 1\n", REPORT_EINVAL, "before the war's start"},
        {HEAD("01.01.2999") "tanks – 1\n", REPORT_EINVAL, "in the future"},
        {HEAD("25.10.2024") "tanks – 99999999999999999999\n", REPORT_EINVAL, "too large"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        report r;
        char err[512];
        int rc = report_from_post(cases[i].body, strlen(cases[i].body), &r, err, sizeof err);
        ck_assert_msg(rc == cases[i].status, "case %zu: status %d, want %d (%s)", i, rc,
                      cases[i].status, err);
        ck_assert_msg(strstr(err, cases[i].detail) != NULL, "case %zu: \"%s\" lacks \"%s\"", i,
                      err, cases[i].detail);
        report_free(&r);
    }
    report r;
    char err[256];
    static const char nul[] = HEAD("25.10.2024") "tanks – 9097\n\0\n";
    ck_assert_int_eq(report_from_post(nul, sizeof nul - 1, &r, err, sizeof err), REPORT_ESYNTAX);
    ck_assert_msg(strstr(err, "NUL byte") != NULL, "%s", err);
}
END_TEST

/* A database that refuses writes answers REPORT_EREADONLY (the server's 503), not a crash. */
START_TEST(test_report_readonly_store)
{
    test_server tmp;
    store *ro = NULL;
    report r;
    report_result res;
    char err[512];
    ck_assert_int_eq(test_server_prepare(&tmp), 0);
    ck_assert_int_eq(store_open(tmp.db, STORE_OPEN_CREATE, &ro, err, sizeof err), STORE_OK);
    store_close(ro);
    ck_assert_int_eq(store_open(tmp.db, STORE_OPEN_READONLY, &ro, err, sizeof err), STORE_OK);
    ck_assert_int_eq(report_from_json(DAY25, strlen(DAY25), &r, err, sizeof err), REPORT_OK);
    int rc = report_store(ro, &r, REPORT_CREATE, &res);
    ck_assert_msg(rc == REPORT_EREADONLY, "status %d: %s", rc, res.error);
    ck_assert_msg(strstr(res.error, "refuses writes") != NULL, "%s", res.error);
    report_result_free(&res);
    report_free(&r);
    store_close(ro);
    test_server_cleanup(&tmp);
}
END_TEST

TCase *report_tcase(void)
{
    TCase *tc = tcase_create("report");
    /* on PostgreSQL (ATTRITION_TEST_PG) each store is a new schema on a server that shares
     * the CPUs with the other tests: Check's 4 s default is too short there */
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_report_fixture_matches_dataset);
    tcase_add_test(tc, test_report_create_idempotent_and_conflict);
    tcase_add_test(tc, test_report_replace_keeps_revision);
    tcase_add_test(tc, test_report_increase_contradiction);
    tcase_add_test(tc, test_report_lower_total_flagged);
    tcase_add_test(tc, test_report_unknown_label_new_category);
    tcase_add_test(tc, test_report_json_validation);
    tcase_add_test(tc, test_report_post_validation);
    tcase_add_test(tc, test_report_readonly_store);
    return tc;
}
