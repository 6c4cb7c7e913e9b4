/* Unit tests of the deployment estimates (core/deploy.c) over a fresh in-memory database
 * with the real schema and seed (the embedded copies of config/schema.sql and
 * config/deployments.json). */
#include <check.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "attrition/date.h"
#include "attrition/deploy.h"
#include "attrition/store.h"
#include "deploy_db.h"   /* core/: the SQL level, on a bare schema */
#include "deploy_json.h"
#include "store_target.h"

TCase *deploy_tcase(void);

#define WHITE_HOUSE "White House (John Kirby, National Security Council spokesperson)"
#define NIS "National Intelligence Service (South Korea)"

static db *dbh;

static void setup(void)
{
    char err[256] = "";
    int fresh = 0;
    ck_assert_int_eq(db_open(test_store_target(), STORE_OPEN_CREATE, &dbh, err, sizeof err),
                     STORE_OK);
    int rc = db_schema_begin(dbh, &fresh, err, sizeof err);   /* the backend's own schema */
    ck_assert_msg(rc == STORE_OK, "schema: %s", err);
    ck_assert_int_eq(db_commit(dbh), STORE_OK);
}

static void teardown(void)
{
    db_close(dbh);
    dbh = NULL;
}

/* The day number of a valid "YYYY-MM-DD". */
static int day(const char *s)
{
    int d = -1;
    ck_assert_msg(date_parse(s, &d) == 0, "bad test date %s", s);
    return d;
}

static const char *fmt(int d, char buf[DATE_STR_LEN])
{
    return date_format(d, buf);
}

/* A day after every date used here, so that nothing is "in the future". */
static int today(void)
{
    return day("2025-06-01");
}

static void import_seed(size_t expect_added)
{
    char err[256];
    size_t added = 99;
    int rc = deploy_db_import_json(dbh, store_deployments_json, strlen(store_deployments_json),
                                today(), &added, err, sizeof err);
    ck_assert_msg(rc == DEPLOY_OK, "seed import: %d %s", rc, err);
    ck_assert_uint_eq(added, expect_added);
}

static size_t count_all(void)
{
    deploy_estimate *v = NULL;
    size_t n = 0;
    ck_assert_int_eq(deploy_db_list(dbh, NULL, &v, &n), DEPLOY_OK);
    deploy_list_free(v, n);
    return n;
}

/* Fills *e with a valid estimate (strings owned by *e). */
static void make(deploy_estimate *e, const char *country, const char *to, int64_t figure,
                 int kind, const char *as_of, const char *target, const char *source)
{
    deploy_estimate_init(e);
    memcpy(e->country, country, 3);
    memcpy(e->deployed_to, to, 3);
    e->figure = figure;
    e->kind = kind;
    e->as_of = day(as_of);
    e->target_date = target != NULL ? day(target) : DEPLOY_NO_DATE;
    e->source_name = strdup(source);
    ck_assert_ptr_nonnull(e->source_name);
}

static int64_t create(const char *country, const char *to, int64_t figure, int kind,
                      const char *as_of, const char *target, const char *source)
{
    deploy_estimate e;
    make(&e, country, to, figure, kind, as_of, target, source);
    ck_assert_int_eq(deploy_db_create(dbh, &e), DEPLOY_OK);
    int64_t id = e.id;
    ck_assert_int_gt(id, 0);
    deploy_estimate_clear(&e);
    return id;
}

START_TEST(test_deploy_kind_names)
{
    ck_assert_str_eq(deploy_kind_name(DEPLOY_REPORTED), "reported");
    ck_assert_str_eq(deploy_kind_name(DEPLOY_CONFIRMED), "confirmed");
    ck_assert_str_eq(deploy_kind_name(DEPLOY_PROJECTION), "projection");
    ck_assert_ptr_null(deploy_kind_name(3));
    ck_assert_ptr_null(deploy_kind_name(-1));
    ck_assert_int_eq(deploy_kind_parse("reported"), DEPLOY_REPORTED);
    ck_assert_int_eq(deploy_kind_parse("confirmed"), DEPLOY_CONFIRMED);
    ck_assert_int_eq(deploy_kind_parse("projection"), DEPLOY_PROJECTION);
    ck_assert_int_eq(deploy_kind_parse("Projection"), -1);
    ck_assert_int_eq(deploy_kind_parse(""), -1);
    ck_assert_int_eq(deploy_kind_parse(NULL), -1);
}
END_TEST

START_TEST(test_deploy_seed_import)
{
    char d[DATE_STR_LEN];
    deploy_estimate *v = NULL;
    size_t n = 0;

    import_seed(2);
    ck_assert_int_eq(deploy_db_list(dbh, NULL, &v, &n), DEPLOY_OK);
    ck_assert_uint_eq(n, 2);

    ck_assert_str_eq(v[0].country, "KP");
    ck_assert_str_eq(v[0].deployed_to, "RU");
    ck_assert_int_eq(v[0].figure, 3000);
    ck_assert_int_eq(v[0].has_low, 0);
    ck_assert_int_eq(v[0].has_high, 0);
    ck_assert_int_eq(v[0].kind, DEPLOY_REPORTED);
    ck_assert_str_eq(fmt(v[0].as_of, d), "2024-10-23");
    ck_assert_int_eq(v[0].target_date, DEPLOY_NO_DATE);
    ck_assert_str_eq(v[0].description,
                     "About 3,000 North Korean soldiers training in eastern Russia");
    ck_assert_str_eq(v[0].source_name, WHITE_HOUSE);
    ck_assert_ptr_null(v[0].source_url);

    ck_assert_int_eq(v[1].figure, 12000);
    ck_assert_int_eq(v[1].has_low, 0);
    ck_assert_int_eq(v[1].has_high, 1);
    ck_assert_int_eq(v[1].high, 12000);
    ck_assert_int_eq(v[1].kind, DEPLOY_PROJECTION);
    ck_assert_str_eq(fmt(v[1].target_date, d), "2024-12-31");
    ck_assert_str_eq(v[1].source_name, NIS);
    ck_assert_int_gt(v[1].id, v[0].id);
    deploy_list_free(v, n);

    /* a second import finds both stored and adds nothing */
    import_seed(0);
    ck_assert_uint_eq(count_all(), 2);
}
END_TEST

START_TEST(test_deploy_import_all_or_nothing)
{
    static const char bad_entry[] =
        "{\"deployments\": ["
        "{\"country\": \"IR\", \"deployed_to\": \"RU\", \"figure\": 100, \"kind\": \"reported\","
        " \"as_of\": \"2024-09-01\", \"source\": {\"name\": \"A\"}},"
        "{\"country\": \"IR\", \"deployed_to\": \"RU\", \"figure\": 3000, \"low\": 5000,"
        " \"kind\": \"reported\", \"as_of\": \"2024-09-02\", \"source\": {\"name\": \"B\"}}]}";
    static const char dup_in_file[] =
        "{\"deployments\": ["
        "{\"country\": \"IR\", \"deployed_to\": \"RU\", \"figure\": 100, \"kind\": \"reported\","
        " \"as_of\": \"2024-09-01\", \"source\": {\"name\": \"A\"}},"
        "{\"country\": \"IR\", \"deployed_to\": \"RU\", \"figure\": 100, \"kind\": \"reported\","
        " \"as_of\": \"2024-09-01\", \"source\": {\"name\": \"A\"}, \"description\": \"again\"}"
        "]}";
    static const char rejected_by_db[] =
        "{\"deployments\": ["
        "{\"country\": \"IR\", \"deployed_to\": \"RU\", \"figure\": 100, \"kind\": \"reported\","
        " \"as_of\": \"2024-09-01\", \"source\": {\"name\": \"A\"}},"
        "{\"country\": \"IR\", \"deployed_to\": \"RU\", \"figure\": 666, \"kind\": \"reported\","
        " \"as_of\": \"2024-09-03\", \"source\": {\"name\": \"A\"}}]}";
    static const struct {
        const char *json, *err;
    } invalid[] = {
        {"{\"deployments\": [", "line 1, column "},
        {"[]", "document: expected an object, got an array"},
        {"{}", "deployments: required"},
        {"{\"deployments\": {}}", "deployments: expected an array, got an object"},
        {"{\"deployments\": [], \"extra\": 1}", "unknown field 'extra'"},
        {"{\"deployments\": [42]}", "deployments[0]: estimate: expected an object, got 42"},
    };
    char err[256];
    size_t added = 99;

    ck_assert_int_eq(deploy_db_import_json(dbh, bad_entry, strlen(bad_entry), today(), &added,
                                        err, sizeof err), DEPLOY_EINVAL);
    ck_assert_str_eq(err, "deployments[1]: low: 5000 is above figure 3000");
    ck_assert_uint_eq(added, 0);
    ck_assert_uint_eq(count_all(), 0);

    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        added = 99;
        ck_assert_int_eq(deploy_db_import_json(dbh, invalid[i].json, strlen(invalid[i].json),
                                            today(), &added, err, sizeof err), DEPLOY_EINVAL);
        ck_assert_msg(strncmp(err, invalid[i].err, strlen(invalid[i].err)) == 0,
                      "case %zu: got \"%s\", expected \"%s\"", i, err, invalid[i].err);
        ck_assert_uint_eq(added, 0);
    }

    /* as_of after today: the entry is refused */
    ck_assert_int_eq(deploy_db_import_json(dbh, bad_entry, strlen(bad_entry), day("2024-08-31"),
                                        &added, err, sizeof err), DEPLOY_EINVAL);
    ck_assert_str_eq(err, "deployments[0]: as_of: 2024-09-01 is in the future");

    /* an entry repeated in the same document is stored once */
    ck_assert_int_eq(deploy_db_import_json(dbh, dup_in_file, strlen(dup_in_file), today(), &added,
                                        err, sizeof err), DEPLOY_OK);
    ck_assert_uint_eq(added, 1);
    ck_assert_uint_eq(count_all(), 1);

    /* a failure inside the database after a first insert undoes that insert */
    ck_assert_int_eq(db_exec(dbh, db_kind(dbh) == DB_POSTGRES
        ? "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
          "IF NEW.figure = 666 THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; "
          "END $$; CREATE TRIGGER refuse BEFORE INSERT ON deployment FOR EACH ROW "
          "EXECUTE FUNCTION refuse()"
        : "CREATE TEMP TRIGGER refuse BEFORE INSERT ON deployment WHEN NEW.figure = 666"
          " BEGIN SELECT RAISE(ABORT, 'refused by test'); END"), STORE_OK);
    ck_assert_int_eq(db_exec(dbh, "DELETE FROM deployment"), STORE_OK);
    ck_assert_int_eq(deploy_db_import_json(dbh, rejected_by_db, strlen(rejected_by_db), today(),
                                        &added, err, sizeof err), DEPLOY_EDB);
    ck_assert_str_eq(err, "deployments[1]: database: refused by test");
    ck_assert_uint_eq(added, 0);
    ck_assert_uint_eq(count_all(), 0);
    ck_assert_int_eq(db_in_transaction(dbh), 0);
}
END_TEST

START_TEST(test_deploy_import_in_caller_transaction)
{
    ck_assert_int_eq(db_exec(dbh, "BEGIN"), STORE_OK);
    import_seed(2);
    ck_assert_int_eq(db_in_transaction(dbh), 1); /* the caller's transaction goes on */
    ck_assert_int_eq(db_exec(dbh, "ROLLBACK"), STORE_OK);
    ck_assert_uint_eq(count_all(), 0);
}
END_TEST

START_TEST(test_deploy_summary_seed)
{
    char d[DATE_STR_LEN];
    deploy_summary s;

    import_seed(2);
    ck_assert_int_eq(deploy_db_summary_compute(dbh, "KP", "RU", &s), DEPLOY_OK);

    ck_assert_int_eq(s.has_latest, 1);
    ck_assert_int_eq(s.latest.figure, 3000);
    ck_assert_int_eq(s.latest.kind, DEPLOY_REPORTED);
    ck_assert_str_eq(s.latest.source_name, WHITE_HOUSE);

    ck_assert_int_eq(s.has_projection, 1);
    ck_assert_int_eq(s.projection.figure, 12000);
    ck_assert_str_eq(fmt(s.projection.target_date, d), "2024-12-31");
    ck_assert_str_eq(s.projection.source_name, NIS);

    ck_assert_int_eq(s.has_range, 1);
    ck_assert_int_eq(s.range_low, 3000);
    ck_assert_int_eq(s.range_high, 12000);

    ck_assert_uint_eq(s.n_by_source, 2);
    ck_assert_str_eq(s.by_source[0].source_name, WHITE_HOUSE);
    ck_assert_int_eq(s.by_source[0].figure, 3000);
    ck_assert_str_eq(s.by_source[1].source_name, NIS);
    ck_assert_int_eq(s.by_source[1].figure, 12000);

    ck_assert_uint_eq(s.n_history, 2);
    ck_assert_int_eq(s.history[0].figure, 3000);
    ck_assert_int_eq(s.history[1].figure, 12000);
    deploy_summary_free(&s);
    ck_assert_uint_eq(s.n_history, 0);
    ck_assert_ptr_null(s.history);
}
END_TEST

START_TEST(test_deploy_summary_newer)
{
    deploy_summary s;
    deploy_estimate e;

    import_seed(2);
    /* the White House confirms a higher figure with a range; a third source projects */
    make(&e, "KP", "RU", 11000, DEPLOY_CONFIRMED, "2024-11-04", NULL, WHITE_HOUSE);
    e.has_low = e.has_high = 1;
    e.low = 10000;
    e.high = 12000;
    ck_assert_int_eq(deploy_db_create(dbh, &e), DEPLOY_OK);
    int64_t confirmed = e.id;
    deploy_estimate_clear(&e);
    int64_t pentagon = create("KP", "RU", 15000, DEPLOY_PROJECTION, "2024-11-01",
                              "2025-01-31", "Pentagon");
    /* another pair does not mix in */
    create("IR", "RU", 50, DEPLOY_REPORTED, "2024-12-01", NULL, "Pentagon");

    ck_assert_int_eq(deploy_db_summary_compute(dbh, "KP", "RU", &s), DEPLOY_OK);
    ck_assert_int_eq(s.latest.id, confirmed);
    ck_assert_int_eq(s.latest.figure, 11000);
    ck_assert_int_eq(s.projection.id, pentagon);
    ck_assert_int_eq(s.projection.figure, 15000);
    /* by_source, by as_of: NIS (projection only, 10-23), Pentagon (11-01), White House
     * (its newest non-projection, 11-04) */
    ck_assert_uint_eq(s.n_by_source, 3);
    ck_assert_str_eq(s.by_source[0].source_name, NIS);
    ck_assert_str_eq(s.by_source[1].source_name, "Pentagon");
    ck_assert_int_eq(s.by_source[2].id, confirmed);
    /* range over the current estimates: 10000 (White House low) .. 15000 (Pentagon);
     * the superseded 3000 no longer counts */
    ck_assert_int_eq(s.range_low, 10000);
    ck_assert_int_eq(s.range_high, 15000);
    ck_assert_uint_eq(s.n_history, 4);
    ck_assert_int_eq(s.history[0].figure, 3000);
    ck_assert_int_eq(s.history[1].figure, 12000);
    ck_assert_int_eq(s.history[2].figure, 15000);
    ck_assert_int_eq(s.history[3].figure, 11000);
    deploy_summary_free(&s);

    /* a pair with nothing stored: an empty summary */
    ck_assert_int_eq(deploy_db_summary_compute(dbh, "BY", "RU", &s), DEPLOY_OK);
    ck_assert_uint_eq(s.n_history, 0);
    ck_assert_int_eq(s.has_latest, 0);
    ck_assert_int_eq(s.has_projection, 0);
    ck_assert_int_eq(s.has_range, 0);
    ck_assert_uint_eq(s.n_by_source, 0);
    deploy_summary_free(&s);

    ck_assert_int_eq(deploy_db_summary_compute(dbh, NULL, "RU", &s), DEPLOY_EINVAL);
    deploy_summary_free(&s);
}
END_TEST

/* Lists with f and checks the figures, in order, against want (n entries). */
static void expect_list(const deploy_filter *f, const int64_t *want, size_t n_want)
{
    deploy_estimate *v = NULL;
    size_t n = 0;
    ck_assert_int_eq(deploy_db_list(dbh, f, &v, &n), DEPLOY_OK);
    ck_assert_uint_eq(n, n_want);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(v[i].figure, want[i]);
    deploy_list_free(v, n);
}

START_TEST(test_deploy_list_filters)
{
    import_seed(2);                                                            /* 3000, 12000 */
    create("KP", "RU", 11000, DEPLOY_CONFIRMED, "2024-11-04", NULL, "Pentagon");
    create("IR", "RU", 50, DEPLOY_REPORTED, "2024-10-01", NULL, "Pentagon");
    create("BY", "UA", 7, DEPLOY_REPORTED, "2024-12-01", NULL, WHITE_HOUSE);

    deploy_filter all = {NULL, NULL, NULL, DATE_NONE, DATE_NONE};
    expect_list(&all, (int64_t[]){50, 3000, 12000, 11000, 7}, 5);
    expect_list(NULL, (int64_t[]){50, 3000, 12000, 11000, 7}, 5);

    deploy_filter kp = {"KP", NULL, NULL, DATE_NONE, DATE_NONE};
    expect_list(&kp, (int64_t[]){3000, 12000, 11000}, 3);

    deploy_filter to_ru = {NULL, "RU", NULL, DATE_NONE, DATE_NONE};
    expect_list(&to_ru, (int64_t[]){50, 3000, 12000, 11000}, 4);
    deploy_filter to_ua = {NULL, "UA", NULL, DATE_NONE, DATE_NONE};
    expect_list(&to_ua, (int64_t[]){7}, 1);

    /* source: part of the name, any case */
    deploy_filter wh = {NULL, NULL, "white house", DATE_NONE, DATE_NONE};
    expect_list(&wh, (int64_t[]){3000, 7}, 2);
    deploy_filter pentagon_kp = {"KP", NULL, "PENTAGON", DATE_NONE, DATE_NONE};
    expect_list(&pentagon_kp, (int64_t[]){11000}, 1);
    deploy_filter nobody = {NULL, NULL, "Kremlin", DATE_NONE, DATE_NONE};
    expect_list(&nobody, NULL, 0);

    /* from and to are inclusive bounds on as_of */
    deploy_filter from = {NULL, NULL, NULL, day("2024-10-23"), DATE_NONE};
    expect_list(&from, (int64_t[]){3000, 12000, 11000, 7}, 4);
    deploy_filter to = {NULL, NULL, NULL, DATE_NONE, day("2024-10-23")};
    expect_list(&to, (int64_t[]){50, 3000, 12000}, 3);
    deploy_filter window = {"KP", "RU", NULL, day("2024-10-24"), day("2024-11-30")};
    expect_list(&window, (int64_t[]){11000}, 1);
    deploy_filter reversed = {NULL, NULL, NULL, day("2024-12-01"), day("2024-10-01")};
    expect_list(&reversed, NULL, 0);

    deploy_estimate dummy, *v = &dummy; /* must be reset to NULL on failure */
    size_t n = 99;
    deploy_filter bad = {NULL, NULL, NULL, -5, DATE_NONE};
    ck_assert_int_eq(deploy_db_list(dbh, &bad, &v, &n), DEPLOY_EINVAL);
    ck_assert_ptr_null(v);
    ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_deploy_crud)
{
    char d[DATE_STR_LEN];
    deploy_estimate e, got;

    make(&e, "KP", "RU", 10000, DEPLOY_REPORTED, "2024-10-30", NULL, "Pentagon");
    e.description = strdup("About 10,000 in eastern Russia");
    e.source_url = strdup("https://www.defense.gov/News/");
    e.id = 12345; /* ignored */
    ck_assert_int_eq(deploy_db_create(dbh, &e), DEPLOY_OK);
    ck_assert_int_ne(e.id, 12345);
    ck_assert_int_gt(e.id, 0);

    ck_assert_int_eq(deploy_db_get(dbh, e.id, &got), DEPLOY_OK);
    ck_assert_int_eq(got.id, e.id);
    ck_assert_str_eq(got.country, "KP");
    ck_assert_str_eq(got.deployed_to, "RU");
    ck_assert_int_eq(got.figure, 10000);
    ck_assert_int_eq(got.has_low, 0);
    ck_assert_int_eq(got.has_high, 0);
    ck_assert_int_eq(got.kind, DEPLOY_REPORTED);
    ck_assert_str_eq(fmt(got.as_of, d), "2024-10-30");
    ck_assert_int_eq(got.target_date, DEPLOY_NO_DATE);
    ck_assert_str_eq(got.description, "About 10,000 in eastern Russia");
    ck_assert_str_eq(got.source_name, "Pentagon");
    ck_assert_str_eq(got.source_url, "https://www.defense.gov/News/");
    deploy_estimate_clear(&got);

    /* replace every field */
    e.figure = 11000;
    e.has_low = 1;
    e.low = 10000;
    e.has_high = 1;
    e.high = 12000;
    e.kind = DEPLOY_PROJECTION;
    e.target_date = day("2024-12-31");
    free(e.description);
    e.description = NULL;
    free(e.source_url);
    e.source_url = NULL;
    ck_assert_int_eq(deploy_db_replace(dbh, &e), DEPLOY_OK);
    ck_assert_int_eq(deploy_db_get(dbh, e.id, &got), DEPLOY_OK);
    ck_assert_int_eq(got.figure, 11000);
    ck_assert_int_eq(got.has_low, 1);
    ck_assert_int_eq(got.low, 10000);
    ck_assert_int_eq(got.has_high, 1);
    ck_assert_int_eq(got.high, 12000);
    ck_assert_int_eq(got.kind, DEPLOY_PROJECTION);
    ck_assert_str_eq(fmt(got.target_date, d), "2024-12-31");
    ck_assert_ptr_null(got.description);
    ck_assert_ptr_null(got.source_url);
    deploy_estimate_clear(&got);

    /* invalid content is refused and stores nothing */
    memcpy(e.country, "XX", 3);
    ck_assert_int_eq(deploy_db_replace(dbh, &e), DEPLOY_EINVAL);
    ck_assert_int_eq(deploy_db_create(dbh, &e), DEPLOY_EINVAL);
    ck_assert_uint_eq(count_all(), 1);
    memcpy(e.country, "KP", 3);

    int64_t id = e.id;
    e.id = id + 1000;
    ck_assert_int_eq(deploy_db_replace(dbh, &e), DEPLOY_ENOTFOUND);
    ck_assert_int_eq(deploy_db_get(dbh, id + 1000, &got), DEPLOY_ENOTFOUND);
    ck_assert_ptr_null(got.source_name);

    ck_assert_int_eq(deploy_db_delete(dbh, id), DEPLOY_OK);
    ck_assert_int_eq(deploy_db_get(dbh, id, &got), DEPLOY_ENOTFOUND);
    ck_assert_int_eq(deploy_db_delete(dbh, id), DEPLOY_ENOTFOUND);
    ck_assert_uint_eq(count_all(), 0);
    deploy_estimate_clear(&e);
}
END_TEST

START_TEST(test_deploy_validate)
{
    char detail[DEPLOY_DETAIL_LEN], longtext[DEPLOY_DESCRIPTION_MAX + 2];
    deploy_estimate e;
    const int now = day("2025-01-01");

    make(&e, "KP", "RU", 3000, DEPLOY_REPORTED, "2024-10-23", NULL, WHITE_HOUSE);
    ck_assert_int_eq(deploy_validate(&e, now, detail, sizeof detail), DEPLOY_OK);
    ck_assert_str_eq(detail, "");

#define EXPECT_INVALID(text)                                                           \
    do {                                                                               \
        ck_assert_int_eq(deploy_validate(&e, now, detail, sizeof detail), DEPLOY_EINVAL); \
        ck_assert_str_eq(detail, text);                                                \
    } while (0)

    memcpy(e.country, "XX", 3);
    EXPECT_INVALID("country: 'XX' is not an ISO 3166-1 alpha-2 code");
    memcpy(e.country, "kp", 3);
    EXPECT_INVALID("country: 'kp' is not an ISO 3166-1 alpha-2 code (codes are upper case: 'KP')");
    memcpy(e.country, "", 1);
    EXPECT_INVALID("country: required");
    memcpy(e.country, "RU", 3);
    EXPECT_INVALID("country and deployed_to must differ");
    memcpy(e.country, "KP", 3);
    memcpy(e.deployed_to, "R\x01", 3);
    EXPECT_INVALID("deployed_to: 'R?' is not an ISO 3166-1 alpha-2 code");
    memcpy(e.deployed_to, "RU", 3);

    e.figure = -1;
    EXPECT_INVALID("figure: -1 is negative");
    e.figure = 3000;
    e.has_low = 1;
    e.low = 5000;
    EXPECT_INVALID("low: 5000 is above figure 3000");
    e.low = -2;
    EXPECT_INVALID("low: -2 is negative");
    e.low = 3000;
    e.has_high = 1;
    e.high = 2000;
    EXPECT_INVALID("high: 2000 is below figure 3000");
    e.high = 3000;
    ck_assert_int_eq(deploy_validate(&e, now, detail, sizeof detail), DEPLOY_OK);

    e.kind = 7;
    EXPECT_INVALID("kind: 7 is not one of reported, confirmed, projection");
    e.kind = DEPLOY_PROJECTION;
    EXPECT_INVALID("target_date: required for kind projection");
    e.target_date = day("2024-10-01");
    EXPECT_INVALID("target_date: 2024-10-01 is before as_of 2024-10-23");
    e.target_date = day("2030-01-01"); /* a projection may look past today */
    ck_assert_int_eq(deploy_validate(&e, now, detail, sizeof detail), DEPLOY_OK);
    e.kind = DEPLOY_REPORTED;
    EXPECT_INVALID("target_date: only a projection has a target date (kind is reported)");
    e.target_date = DEPLOY_NO_DATE;

    e.as_of = day("2030-01-01");
    EXPECT_INVALID("as_of: 2030-01-01 is in the future");
    ck_assert_int_eq(deploy_validate(&e, INT_MAX, detail, sizeof detail), DEPLOY_OK);
    e.as_of = DEPLOY_NO_DATE;
    EXPECT_INVALID("as_of: required");
    e.as_of = 99999999;
    EXPECT_INVALID("as_of: day number 99999999 is outside 1970-01-01..9999-12-31");
    e.as_of = now; /* today itself is not the future */
    ck_assert_int_eq(deploy_validate(&e, now, detail, sizeof detail), DEPLOY_OK);

    memset(longtext, 'a', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    e.description = longtext;
    EXPECT_INVALID("description: 2001 bytes, at most 2000 allowed");
    longtext[DEPLOY_DESCRIPTION_MAX] = '\0';
    ck_assert_int_eq(deploy_validate(&e, now, detail, sizeof detail), DEPLOY_OK);
    e.description = "caf\xc3"; /* cut in the middle of a character */
    EXPECT_INVALID("description: not valid UTF-8");
    e.description = NULL;

    char *name = e.source_name;
    e.source_name = NULL;
    EXPECT_INVALID("source.name: required");
    e.source_name = " \t";
    EXPECT_INVALID("source.name: required");
    longtext[DEPLOY_SOURCE_NAME_MAX + 1] = '\0';
    e.source_name = longtext;
    EXPECT_INVALID("source.name: 201 bytes, at most 200 allowed");
    e.source_name = name;

    e.source_url = "ftp://example.org/x";
    EXPECT_INVALID("source.url: 'ftp://example.org/x' is not an http or https URL");
    e.source_url = "https://exa mple.org/";
    EXPECT_INVALID("source.url: 'https://exa mple.org/' is not an http or https URL");
    e.source_url = "https://";
    EXPECT_INVALID("source.url: 'https://' is not an http or https URL");
    e.source_url = "HTTPS://www.whitehouse.gov/briefing-room/";
    ck_assert_int_eq(deploy_validate(&e, now, detail, sizeof detail), DEPLOY_OK);
    e.source_url = NULL;
#undef EXPECT_INVALID

    /* a short buffer gets a cut, NUL-terminated message */
    memcpy(e.country, "XX", 3);
    char small[10];
    ck_assert_int_eq(deploy_validate(&e, now, small, sizeof small), DEPLOY_EINVAL);
    ck_assert_str_eq(small, "country: ");
    ck_assert_int_eq(deploy_validate(&e, now, NULL, 0), DEPLOY_EINVAL);
    deploy_estimate_clear(&e);
}
END_TEST

/* Parses text as JSON and then as an estimate; returns the status and the detail. */
static int from_text(const char *text, deploy_estimate *out, char *detail, size_t len)
{
    json_error_t jerr;
    json_t *obj = json_loads(text, JSON_ALLOW_NUL, &jerr);
    ck_assert_msg(obj != NULL, "test JSON: %s", jerr.text);
    int rc = deploy_from_json(obj, out, detail, len);
    json_decref(obj);
    return rc;
}

#define BODY_HEAD "{\"country\": \"KP\", \"deployed_to\": \"RU\", \"kind\": \"reported\"," \
                  " \"as_of\": \"2024-10-23\", \"source\": {\"name\": \"S\"}, "

START_TEST(test_deploy_from_json)
{
    static const struct {
        const char *json, *detail;
    } bad[] = {
        {BODY_HEAD "\"figure\": 1.5}", "figure: expected an integer, got 1.5"},
        {BODY_HEAD "\"figure\": 1e3}", "figure: expected an integer, got 1000.0"},
        {BODY_HEAD "\"figure\": \"3000\"}", "figure: expected an integer, got the string '3000'"},
        {BODY_HEAD "\"figure\": null}", "figure: expected an integer, got null"},
        {BODY_HEAD "\"figure\": [1]}", "figure: expected an integer, got an array"},
        {BODY_HEAD "\"figure\": true}", "figure: expected an integer, got true"},
        {BODY_HEAD "\"low\": 1}", "figure: required"},
        {BODY_HEAD "\"figure\": 1, \"low\": \"x\"}", "low: expected an integer, got the string 'x'"},
        {BODY_HEAD "\"figure\": 1, \"foo\": 1}", "unknown field 'foo'"},
        {BODY_HEAD "\"figure\": 1, \"Figure\": 1}", "unknown field 'Figure'"},
        {"{\"country\": \"KOR\", \"figure\": 1}", "country: 'KOR' is not an ISO 3166-1 alpha-2 code"},
        {"{\"country\": 7}", "country: expected a string, got 7"},
        {"{\"figure\": 1}", "country: required"},
        {"{\"country\": \"KP\", \"deployed_to\": \"RU\", \"figure\": 1, \"kind\": \"guess\"}",
         "kind: 'guess' is not one of reported, confirmed, projection"},
        {"{\"country\": \"KP\", \"deployed_to\": \"RU\", \"figure\": 1, \"kind\": \"reported\","
         " \"as_of\": \"2024-13-01\"}", "as_of: '2024-13-01' is not a date (expected YYYY-MM-DD)"},
        {"{\"country\": \"KP\", \"deployed_to\": \"RU\", \"figure\": 1, \"kind\": \"reported\","
         " \"as_of\": \"23.10.2024\"}", "as_of: '23.10.2024' is not a date (expected YYYY-MM-DD)"},
        {"{\"country\": \"KP\", \"deployed_to\": \"RU\", \"figure\": 1, \"kind\": \"reported\"}",
         "as_of: required"},
        {"{\"country\": \"KP\", \"deployed_to\": \"RU\", \"figure\": 1, \"kind\": \"projection\","
         " \"as_of\": \"2024-10-23\", \"target_date\": 2024}",
         "target_date: expected a string, got 2024"},
        {"{\"country\": \"KP\", \"deployed_to\": \"RU\", \"figure\": 1, \"kind\": \"reported\","
         " \"as_of\": \"1969-12-31\"}", "as_of: '1969-12-31' is before 1970-01-01"},
        {"{\"country\": \"KP\", \"deployed_to\": \"RU\", \"figure\": 1, \"kind\": \"reported\","
         " \"as_of\": \"2024-10-23\"}", "source: required"},
        {"{\"country\": \"KP\", \"deployed_to\": \"RU\", \"figure\": 1, \"kind\": \"reported\","
         " \"as_of\": \"2024-10-23\", \"source\": \"White House\"}",
         "source: expected an object, got the string 'White House'"},
        {"{\"country\": \"KP\", \"deployed_to\": \"RU\", \"figure\": 1, \"kind\": \"reported\","
         " \"as_of\": \"2024-10-23\", \"source\": {}}", "source.name: required"},
        {"{\"country\": \"KP\", \"deployed_to\": \"RU\", \"figure\": 1, \"kind\": \"reported\","
         " \"as_of\": \"2024-10-23\", \"source\": {\"name\": \"S\", \"link\": \"x\"}}",
         "unknown field 'source.link'"},
        {"{\"country\": \"KP\", \"deployed_to\": \"RU\", \"figure\": 1, \"kind\": \"reported\","
         " \"as_of\": \"2024-10-23\", \"source\": {\"name\": \"S\", \"url\": false}}",
         "source.url: expected a string, got false"},
        {BODY_HEAD "\"figure\": 1, \"description\": \"a\\u0000b\"}",
         "description: must not contain NUL characters"},
        {"[1, 2]", "estimate: expected an object, got an array"},
    };
    char detail[DEPLOY_DETAIL_LEN];
    deploy_estimate e;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(from_text(bad[i].json, &e, detail, sizeof detail), DEPLOY_EINVAL);
        ck_assert_msg(strcmp(detail, bad[i].detail) == 0, "case %zu: got \"%s\", expected \"%s\"",
                      i, detail, bad[i].detail);
        ck_assert_ptr_null(e.source_name);
        ck_assert_ptr_null(e.description);
    }
}
END_TEST

START_TEST(test_deploy_from_json_fields)
{
    char d[DATE_STR_LEN], detail[DEPLOY_DETAIL_LEN];
    deploy_estimate e;

    /* the shape a GET returns is accepted back: id and the names are ignored */
    ck_assert_int_eq(from_text(
        "{\"id\": 99, \"country\": \"KP\", \"country_name\": \"North Korea\","
        " \"deployed_to\": \"RU\", \"deployed_to_name\": \"Russia\", \"figure\": 12000,"
        " \"low\": 10000, \"high\": null, \"kind\": \"projection\", \"as_of\": \"2024-10-23\","
        " \"target_date\": \"2024-12-31\", \"description\": \"Up to 12,000\","
        " \"source\": {\"name\": \"NIS\", \"url\": \"https://www.nis.go.kr/\"}}",
        &e, detail, sizeof detail), DEPLOY_OK);
    ck_assert_str_eq(detail, "");
    ck_assert_int_eq(e.id, 0);
    ck_assert_str_eq(e.country, "KP");
    ck_assert_str_eq(e.deployed_to, "RU");
    ck_assert_int_eq(e.figure, 12000);
    ck_assert_int_eq(e.has_low, 1);
    ck_assert_int_eq(e.low, 10000);
    ck_assert_int_eq(e.has_high, 0);
    ck_assert_int_eq(e.kind, DEPLOY_PROJECTION);
    ck_assert_str_eq(fmt(e.as_of, d), "2024-10-23");
    ck_assert_str_eq(fmt(e.target_date, d), "2024-12-31");
    ck_assert_str_eq(e.description, "Up to 12,000");
    ck_assert_str_eq(e.source_name, "NIS");
    ck_assert_str_eq(e.source_url, "https://www.nis.go.kr/");
    ck_assert_int_eq(deploy_validate(&e, today(), detail, sizeof detail), DEPLOY_OK);
    deploy_estimate_clear(&e);

    /* lower case passes the shape check; deploy_validate names the problem */
    ck_assert_int_eq(from_text(BODY_HEAD "\"figure\": 5}", &e, detail, sizeof detail),
                     DEPLOY_OK);
    ck_assert_int_eq(e.has_low, 0);
    ck_assert_int_eq(e.target_date, DEPLOY_NO_DATE);
    ck_assert_ptr_null(e.description);
    ck_assert_ptr_null(e.source_url);
    deploy_estimate_clear(&e);

    /* length limits, on the byte counts */
    json_t *obj = json_loads(BODY_HEAD "\"figure\": 5}", 0, NULL);
    ck_assert_ptr_nonnull(obj);
    char *big = malloc(DEPLOY_DESCRIPTION_MAX + 2);
    ck_assert_ptr_nonnull(big);
    memset(big, 'x', DEPLOY_DESCRIPTION_MAX + 1);
    big[DEPLOY_DESCRIPTION_MAX + 1] = '\0';
    ck_assert_int_eq(json_object_set_new(obj, "description", json_string(big)), 0);
    ck_assert_int_eq(deploy_from_json(obj, &e, detail, sizeof detail), DEPLOY_EINVAL);
    ck_assert_str_eq(detail, "description: 2001 bytes, at most 2000 allowed");
    big[DEPLOY_DESCRIPTION_MAX] = '\0';
    ck_assert_int_eq(json_object_set_new(obj, "description", json_string(big)), 0);
    ck_assert_int_eq(deploy_from_json(obj, &e, detail, sizeof detail), DEPLOY_OK);
    ck_assert_uint_eq(strlen(e.description), DEPLOY_DESCRIPTION_MAX);
    deploy_estimate_clear(&e);

    json_t *source = json_object_get(obj, "source");
    big[DEPLOY_SOURCE_NAME_MAX + 1] = '\0';
    ck_assert_int_eq(json_object_set_new(source, "name", json_string(big)), 0);
    ck_assert_int_eq(deploy_from_json(obj, &e, detail, sizeof detail), DEPLOY_EINVAL);
    ck_assert_str_eq(detail, "source.name: 201 bytes, at most 200 allowed");
    ck_assert_int_eq(json_object_set_new(source, "name", json_string("S")), 0);
    memset(big, 'x', DEPLOY_SOURCE_URL_MAX + 1);
    ck_assert_int_eq(json_object_set_new(source, "url", json_string(big)), 0);
    ck_assert_int_eq(deploy_from_json(obj, &e, detail, sizeof detail), DEPLOY_EINVAL);
    ck_assert_str_eq(detail, "source.url: 2001 bytes, at most 2000 allowed");

    /* a very long unknown key is quoted cut, and still valid UTF-8 */
    ck_assert_int_eq(json_object_del(source, "url"), 0);
    memset(big, 0, 200);
    for (int i = 0; i < 60; i++)
        memcpy(big + 2 * i, "\xc3\xa9", 2); /* é */
    ck_assert_int_eq(json_object_set_new(obj, big, json_true()), 0);
    ck_assert_int_eq(deploy_from_json(obj, &e, detail, sizeof detail), DEPLOY_EINVAL);
    ck_assert_int_eq(strncmp(detail, "unknown field '\xc3\xa9", 17), 0);
    ck_assert_ptr_nonnull(strstr(detail, "\xc3\xa9...'"));
    json_t *check = json_string(detail); /* NULL if not UTF-8 */
    ck_assert_ptr_nonnull(check);
    json_decref(check);

    free(big);
    json_decref(obj);
}
END_TEST

/* Member key of o as an integer / string, failing the test if it has another type. */
static json_int_t int_at(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    ck_assert_msg(json_is_integer(v), "%s is not an integer", key);
    return json_integer_value(v);
}

static const char *str_at(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    ck_assert_msg(json_is_string(v), "%s is not a string", key);
    return json_string_value(v);
}

static void assert_null_at(const json_t *o, const char *key)
{
    ck_assert_msg(json_is_null(json_object_get(o, key)), "%s is not null", key);
}

START_TEST(test_deploy_json_rendering)
{
    deploy_estimate *v = NULL;
    deploy_summary s;
    size_t n = 0;

    import_seed(2);
    ck_assert_int_eq(deploy_db_list(dbh, NULL, &v, &n), DEPLOY_OK);
    ck_assert_uint_eq(n, 2);
    json_t *j = deploy_to_json(&v[0]);
    ck_assert_ptr_nonnull(j);
    ck_assert_uint_eq(json_object_size(j), 13);
    ck_assert_int_eq(int_at(j, "id"), v[0].id);
    ck_assert_str_eq(str_at(j, "country"), "KP");
    ck_assert_str_eq(str_at(j, "country_name"), "North Korea");
    ck_assert_str_eq(str_at(j, "deployed_to"), "RU");
    ck_assert_str_eq(str_at(j, "deployed_to_name"), "Russia");
    ck_assert_int_eq(int_at(j, "figure"), 3000);
    assert_null_at(j, "low");
    assert_null_at(j, "high");
    ck_assert_str_eq(str_at(j, "kind"), "reported");
    ck_assert_str_eq(str_at(j, "as_of"), "2024-10-23");
    assert_null_at(j, "target_date");
    ck_assert_str_eq(str_at(j, "description"),
                     "About 3,000 North Korean soldiers training in eastern Russia");
    const json_t *source = json_object_get(j, "source");
    ck_assert_str_eq(str_at(source, "name"), WHITE_HOUSE);
    assert_null_at(source, "url");
    json_decref(j);

    /* what the renderer gives is what the parser takes back */
    j = deploy_to_json(&v[1]);
    ck_assert_ptr_nonnull(j);
    deploy_estimate back;
    char detail[DEPLOY_DETAIL_LEN];
    ck_assert_int_eq(deploy_from_json(j, &back, detail, sizeof detail), DEPLOY_OK);
    ck_assert_int_eq(back.figure, 12000);
    ck_assert_int_eq(back.high, 12000);
    ck_assert_int_eq(back.target_date, v[1].target_date);
    ck_assert_str_eq(back.source_name, NIS);
    deploy_estimate_clear(&back);
    json_decref(j);
    deploy_list_free(v, n);

    ck_assert_int_eq(deploy_db_summary_compute(dbh, "KP", "RU", &s), DEPLOY_OK);
    j = deploy_summary_to_json(&s, "KP", "RU");
    deploy_summary_free(&s);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(str_at(j, "country"), "KP");
    ck_assert_str_eq(str_at(j, "deployed_to"), "RU");
    ck_assert_int_eq(int_at(json_object_get(j, "latest"), "figure"), 3000);
    ck_assert_int_eq(int_at(json_object_get(j, "range"), "low"), 3000);
    ck_assert_int_eq(int_at(json_object_get(j, "range"), "high"), 12000);
    ck_assert_str_eq(str_at(json_object_get(j, "projection"), "target_date"), "2024-12-31");
    ck_assert_uint_eq(json_array_size(json_object_get(j, "by_source")), 2);
    const json_t *history = json_object_get(j, "history");
    ck_assert_uint_eq(json_array_size(history), 2);
    ck_assert_str_eq(str_at(json_array_get(history, 0), "as_of"), "2024-10-23");
    ck_assert_int_eq(int_at(json_array_get(history, 0), "figure"), 3000);
    /* the source has one shape: {"name", "url"}, in history items as in estimates */
    const json_t *hsource = json_object_get(json_array_get(history, 0), "source");
    ck_assert_str_eq(str_at(hsource, "name"), WHITE_HOUSE);
    assert_null_at(hsource, "url");
    ck_assert_str_eq(str_at(json_object_get(json_array_get(history, 1), "source"), "name"), NIS);
    ck_assert_int_eq(int_at(json_array_get(history, 1), "id"), 2);
    ck_assert_str_eq(str_at(json_array_get(history, 1), "kind"), "projection");
    json_decref(j);

    ck_assert_int_eq(deploy_db_summary_compute(dbh, "BY", "RU", &s), DEPLOY_OK);
    j = deploy_summary_to_json(&s, "BY", "RU");
    deploy_summary_free(&s);
    ck_assert_ptr_nonnull(j);
    assert_null_at(j, "latest");
    assert_null_at(j, "projection");
    assert_null_at(json_object_get(j, "range"), "low");
    assert_null_at(json_object_get(j, "range"), "high");
    ck_assert_uint_eq(json_array_size(json_object_get(j, "by_source")), 0);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "history")), 0);
    json_decref(j);
}
END_TEST

/* The store-level writes (include/attrition/deploy.h): each one transaction that bumps the
 * data version once, reads the estimate back, and on failure changes nothing and says why. */
START_TEST(test_deploy_store_writes)
{
    store *st = NULL;
    char err[256];
    deploy_estimate e, stored = DEPLOY_ESTIMATE_INIT;
    deploy_failure f = {0};
    ck_assert_int_eq(store_open(test_store_target(), STORE_OPEN_CREATE, &st, err, sizeof err), STORE_OK);
    uint64_t v0 = store_data_version(st);
    make(&e, "KP", "RU", 11000, DEPLOY_REPORTED, "2024-11-01", NULL, NIS);
    ck_assert_int_eq(deploy_create(st, &e, &stored, &f), DEPLOY_OK);
    ck_assert_int_gt(e.id, 0);
    ck_assert_int_eq(stored.id, e.id);
    ck_assert_int_eq(stored.figure, 11000);
    ck_assert_str_eq(stored.source_name, NIS);
    ck_assert_uint_eq(store_data_version(st), v0 + 1);
    deploy_estimate_clear(&stored);

    e.figure = 12000;
    ck_assert_int_eq(deploy_replace(st, &e, &stored, &f), DEPLOY_OK);
    ck_assert_int_eq(stored.figure, 12000);
    ck_assert_uint_eq(store_data_version(st), v0 + 2);
    deploy_estimate_clear(&stored);

    /* failures: nothing changes, the version stays, *fail names what happened */
    int64_t id = e.id;
    e.id = id + 1000;
    ck_assert_int_eq(deploy_replace(st, &e, &stored, &f), DEPLOY_ENOTFOUND);
    ck_assert_int_eq(f.status, DEPLOY_ENOTFOUND);
    ck_assert_int_eq(f.store_status, STORE_OK);
    ck_assert_str_eq(f.doing, "storing the estimate");
    ck_assert_ptr_null(stored.source_name);
    ck_assert_int_eq(deploy_delete(st, id + 1000, &f), DEPLOY_ENOTFOUND);
    e.figure = -1; /* invalid: refused before any SQL */
    ck_assert_int_eq(deploy_create(st, &e, &stored, &f), DEPLOY_EINVAL);
    ck_assert_uint_eq(store_data_version(st), v0 + 2);

    ck_assert_int_eq(deploy_get(st, id, &stored, &f), DEPLOY_OK);
    ck_assert_int_eq(stored.figure, 12000);
    deploy_estimate_clear(&stored);
    ck_assert_int_eq(deploy_delete(st, id, &f), DEPLOY_OK);
    ck_assert_uint_eq(store_data_version(st), v0 + 3);
    ck_assert_int_eq(deploy_get(st, id, &stored, &f), DEPLOY_ENOTFOUND);
    ck_assert_str_eq(f.doing, "reading the estimate");
    deploy_estimate_clear(&e);
    store_close(st);
}
END_TEST

TCase *deploy_tcase(void)
{
    TCase *tc = tcase_create("deploy");
    /* on PostgreSQL (ATTRITION_TEST_PG) each store is a new schema on a server that shares
     * the CPUs with the other tests: Check's 4 s default is too short there */
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_deploy_kind_names);
    tcase_add_test(tc, test_deploy_seed_import);
    tcase_add_test(tc, test_deploy_import_all_or_nothing);
    tcase_add_test(tc, test_deploy_import_in_caller_transaction);
    tcase_add_test(tc, test_deploy_summary_seed);
    tcase_add_test(tc, test_deploy_summary_newer);
    tcase_add_test(tc, test_deploy_list_filters);
    tcase_add_test(tc, test_deploy_crud);
    tcase_add_test(tc, test_deploy_validate);
    tcase_add_test(tc, test_deploy_from_json);
    tcase_add_test(tc, test_deploy_from_json_fields);
    tcase_add_test(tc, test_deploy_json_rendering);
    tcase_add_test(tc, test_deploy_store_writes);
    return tc;
}
