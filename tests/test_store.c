/* Unit tests of the store (core/store.c): what store_open says of files that are not a
 * usable database (not SQLite, damaged pages, a newer schema, tables without a schema
 * version, a missing file), that a good database opens again with its data, and the one
 * SQLite-to-store status mapping (db_sqlite_status), table-driven. */
#include <check.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "store_target.h"
#include "db_sqlite.h"
#include "deploy_db.h"
#include "attrition/date.h"
#include "attrition/deploy.h"
#include "store_internal.h"

TCase *store_tcase(void);

static test_server tmp; /* only its folder */
/* The SQLite file these tests make and break (in tmp's folder; not tmp.db, which names a
 * PostgreSQL database when the harness runs on ATTRITION_TEST_PG). */
static char path[600];

static void setup(void)
{
    ck_assert_int_eq(test_server_prepare(&tmp), 0);
    snprintf(path, sizeof path, "%.580s/store.db", tmp.dir);
}

static void teardown(void)
{
    test_server_cleanup(&tmp);
}

/* Writes len bytes of data to path (replacing it). */
static void write_db(const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

/* Runs sql on path with a plain connection (the test's own, not the store's). */
static void exec_raw(const char *sql)
{
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
    ck_assert_msg(sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(h));
    ck_assert_int_eq(sqlite3_close(h), SQLITE_OK);
}

/* store_open(path, CREATE) must fail with want and a message containing needle. */
static void expect_open_fails(int want, const char *needle)
{
    store *st = (store *)&tmp; /* must stay untouched */
    char err[512] = "";
    int rc = store_open(path, STORE_OPEN_CREATE, &st, err, sizeof err);
    ck_assert_msg(rc == want, "store_open: %d, want %d (%s)", rc, want, err);
    ck_assert_ptr_eq(st, (store *)&tmp);
    ck_assert_msg(strstr(err, needle) != NULL, "message \"%s\" lacks \"%s\"", err, needle);
    ck_assert_msg(strstr(err, path) != NULL, "message \"%s\" does not name the file", err);
}

START_TEST(not_sqlite)
{
    static const char text[] = "this is a text file, not a database\n";
    char big[8192];
    write_db(text, sizeof text - 1);
    expect_open_fails(STORE_ECORRUPT, "not a database");
    memset(big, 0x5A, sizeof big);
    write_db(big, sizeof big);
    expect_open_fails(STORE_ECORRUPT, "not a database");
}
END_TEST

START_TEST(damaged_pages)
{
    char err[512];
    store *st = NULL;
    ck_assert_int_eq(store_open(path, STORE_OPEN_CREATE, &st, err, sizeof err), STORE_OK);
    store_close(st);
    /* A good header, then garbage over every page after the first: the schema is on page
     * 1, the tables' pages are not readable any more. */
    exec_raw("PRAGMA journal_mode = DELETE");
    int fd = open(path, O_RDWR);
    ck_assert_int_ge(fd, 0);
    off_t size = lseek(fd, 0, SEEK_END);
    ck_assert_int_gt(size, 8192);
    char junk[4096];
    memset(junk, 0xA5, sizeof junk);
    for (off_t at = 4096; at < size; at += (off_t)sizeof junk)
        ck_assert_int_eq(pwrite(fd, junk, sizeof junk, at), (ssize_t)sizeof junk);
    ck_assert_int_eq(close(fd), 0);
    /* SQLite's word for it ("database disk image is malformed"), by the file's name */
    expect_open_fails(STORE_ECORRUPT, "malformed");
}
END_TEST

START_TEST(newer_schema)
{
    char err[512], want[96];
    store *st = NULL;
    ck_assert_int_eq(store_open(path, STORE_OPEN_CREATE, &st, err, sizeof err), STORE_OK);
    store_close(st);
    snprintf(want, sizeof want, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION + 1);
    exec_raw(want);
    snprintf(want, sizeof want, "schema version %d is newer than this program's %d",
             STORE_SCHEMA_VERSION + 1, STORE_SCHEMA_VERSION);
    expect_open_fails(STORE_ECORRUPT, want);
}
END_TEST

/* The user_version of path, read without the store. */
static int raw_version(void)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *stmt = NULL;
    int v = -1;
    ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
    if (sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        v = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(h);
    return v;
}

/* A database of version 1 or 2 (no dataset_entry, no report_annotation) is raised to the current version on
 * open, its data kept; opening again changes nothing. */
START_TEST(migrates_to_3)
{
    char err[512], want[64];
    store *st = NULL;
    int changed = 0;
    for (int from = 1; from <= 2; from++) {
        unlink(path);
        ck_assert_int_eq(store_open(path, STORE_OPEN_CREATE, &st, err, sizeof err), STORE_OK);
        ck_assert_int_eq(store_begin(st), STORE_OK);
        ck_assert_int_eq(store_value_set(st, 19048, "tanks", 80, NULL, &changed), STORE_OK);
        ck_assert_int_eq(store_commit(st), STORE_OK);
        store_close(st);
        exec_raw("DROP TABLE dataset_entry");
        exec_raw("DROP TABLE report_annotation");
        snprintf(want, sizeof want, "PRAGMA user_version = %d", from);
        exec_raw(want);
        ck_assert_int_eq(raw_version(), from);
        for (int round = 0; round < 2; round++) {
            ck_assert_int_eq(store_open(path, 0, &st, err, sizeof err), STORE_OK);
            ck_assert_int_eq(raw_version(), STORE_SCHEMA_VERSION);
            ck_assert_int_eq(store_begin(st), STORE_OK);
            ck_assert_int_eq(store_run(store_prepare(st, "INSERT OR REPLACE INTO report_annotation "
                                       "VALUES('2022-04-25', 'greatest losses direction', 'x')",
                                       "")), STORE_OK);
            ck_assert_int_eq(store_run(store_prepare(st, "INSERT OR REPLACE INTO dataset_entry "
                                       "VALUES('equipment', '2022-04-25', 61, '[]')", "")),
                             STORE_OK);
            db_stmt *q = store_prepare(st, "SELECT total FROM report_value WHERE category = "
                                                "'tanks'", "");
            ck_assert_int_eq(db_step(q), DB_ROW);
            ck_assert_int_eq((int)db_column_int64(q, 0), 80);
            db_finalize(q);
            ck_assert_int_eq(store_commit(st), STORE_OK);
            store_close(st);
        }
    }
}
END_TEST

/* A file of schema version 1 (before the webhook queue) is migrated on open: the table is
 * there and the version is the program's. */
START_TEST(migrates_from_version_1)
{
    char err[512];
    store *st = NULL;
    ck_assert_int_eq(store_open(path, STORE_OPEN_CREATE, &st, err, sizeof err), STORE_OK);
    store_close(st);
    exec_raw("DROP TABLE webhook_delivery; PRAGMA user_version = 1");
    ck_assert_int_eq(store_open(path, 0, &st, err, sizeof err), STORE_OK);
    db_stmt *q = store_prepare(st, "SELECT (SELECT count(*) FROM sqlite_master WHERE "
                                        "name = 'webhook_delivery'), user_version FROM "
                                        "pragma_user_version", "");
    ck_assert_ptr_nonnull(q);
    ck_assert_int_eq(db_step(q), DB_ROW);
    ck_assert_int_eq((int)db_column_int64(q, 0), 1);
    ck_assert_int_eq((int)db_column_int64(q, 1), STORE_SCHEMA_VERSION);
    db_finalize(q);
    store_close(st);
}
END_TEST

START_TEST(foreign_database)
{
    exec_raw("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)");
    expect_open_fails(STORE_ECORRUPT, "not an attrition database");
}
END_TEST

START_TEST(missing_and_reopened)
{
    char err[512];
    store *st = NULL;
    /* Without STORE_OPEN_CREATE a missing file is not found, not created. */
    int rc = store_open(path, 0, &st, err, sizeof err);
    ck_assert_msg(rc == STORE_ENOTFOUND, "store_open: %d (%s)", rc, err);
    ck_assert_int_eq(access(path, F_OK), -1);
    /* Created, written, closed, and opened again: the data is there. */
    ck_assert_int_eq(store_open(path, STORE_OPEN_CREATE, &st, err, sizeof err), STORE_OK);
    char id[64];
    int created = 0, changed = 0;
    ck_assert_int_eq(store_begin(st), STORE_OK);
    ck_assert_int_eq(store_category_resolve(st, "tanks", 0, id, sizeof id, &created), STORE_OK);
    ck_assert_int_eq(store_value_set(st, 19048, id, 80, NULL, &changed), STORE_OK);
    ck_assert_int_eq(changed, 1);
    ck_assert_int_eq(store_touch(st), STORE_OK);
    ck_assert_int_eq(store_commit(st), STORE_OK);
    uint64_t version = store_data_version(st);
    store_close(st);
    ck_assert_int_eq(store_open(path, 0, &st, err, sizeof err), STORE_OK);
    ck_assert_int_eq(store_report_count(st), 1);
    ck_assert_uint_eq(store_data_version(st), version);
    ck_assert_int_eq(store_last_status(st), STORE_OK);
    store_close(st);
}
END_TEST

/* A database that persists on the backend under test: the SQLite file, or on
 * ATTRITION_TEST_PG a fresh PostgreSQL schema (test_store_target). */
static const char *durable_target(void)
{
    const char *pg = getenv("ATTRITION_TEST_PG");
    const char *t = pg && *pg ? test_store_target() : path;
    ck_assert_ptr_nonnull(t);
    return t;
}

/* Runs sql on target through a connection of the seam (not the store's). */
static void exec_on(const char *target, const char *sql)
{
    db *d = NULL;
    char err[512];
    ck_assert_msg(db_open(target, STORE_OPEN_CREATE, &d, err, sizeof err) == STORE_OK, "%s", err);
    ck_assert_msg(db_exec(d, sql) == STORE_OK, "%s: %s", sql, db_errmsg(d));
    db_close(d);
}

/* Written, closed, opened again: the data and its version are there, on either backend. */
START_TEST(reopened_on_backend)
{
    char t[1024], err[512];
    snprintf(t, sizeof t, "%s", durable_target());
    store *st = NULL;
    ck_assert_msg(store_open(t, STORE_OPEN_CREATE, &st, err, sizeof err) == STORE_OK, "%s", err);
    char id[64];
    int created = 0, changed = 0;
    ck_assert_int_eq(store_begin(st), STORE_OK);
    ck_assert_int_eq(store_category_resolve(st, "TANKS", 0, id, sizeof id, &created), STORE_OK);
    ck_assert_str_eq(id, "tanks");   /* aliases match in any case */
    ck_assert_int_eq(store_value_set(st, 19048, id, 80, "about", &changed), STORE_OK);
    ck_assert_int_eq(store_touch(st), STORE_OK);
    ck_assert_int_eq(store_commit(st), STORE_OK);
    uint64_t version = store_data_version(st);
    store_close(st);
    ck_assert_msg(store_open(t, STORE_OPEN_CREATE, &st, err, sizeof err) == STORE_OK, "%s", err);
    ck_assert_int_eq(store_report_count(st), 1);
    ck_assert_uint_eq(store_data_version(st), version);
    int64_t total = 0;
    char q[32];
    ck_assert_int_eq(store_value_get(st, "2022-02-25", "tanks", &total, q, sizeof q), STORE_OK);
    ck_assert(total == 80);
    ck_assert_str_eq(q, "about");
    store_close(st);
}
END_TEST

/* A newer schema and a foreign database are refused on either backend. */
START_TEST(newer_and_foreign_on_backend)
{
    char t[1024], err[512] = "", want[96];
    store *st = NULL;
    snprintf(t, sizeof t, "%s", durable_target());
    ck_assert_int_eq(store_open(t, STORE_OPEN_CREATE, &st, err, sizeof err), STORE_OK);
    store_close(st);
    char sql[128];
    if (db_kind_of(t) == DB_POSTGRES)
        snprintf(sql, sizeof sql, "UPDATE meta SET value = '%d' WHERE key = 'schema_version'",
                 STORE_SCHEMA_VERSION + 1);
    else
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION + 1);
    exec_on(t, sql);
    st = NULL;
    ck_assert_int_eq(store_open(t, STORE_OPEN_CREATE, &st, err, sizeof err), STORE_ECORRUPT);
    ck_assert_ptr_null(st);
    snprintf(want, sizeof want, "schema version %d is newer than this program's %d",
             STORE_SCHEMA_VERSION + 1, STORE_SCHEMA_VERSION);
    ck_assert_msg(strstr(err, want) != NULL, "%s", err);

    snprintf(t, sizeof t, "%s", durable_target());
    if (db_kind_of(t) == DB_SQLITE)
        unlink(t);
    exec_on(t, "CREATE TABLE invoices (id BIGINT PRIMARY KEY, total BIGINT)");
    ck_assert_int_eq(store_open(t, STORE_OPEN_CREATE, &st, err, sizeof err), STORE_ECORRUPT);
    ck_assert_msg(strstr(err, "not an attrition database") != NULL, "%s", err);
}
END_TEST

struct opener {
    const char *target;
    int rc;
    char err[512];
};

static void *open_one(void *arg)
{
    struct opener *o = arg;
    store *st = NULL;
    o->rc = store_open(o->target, STORE_OPEN_CREATE, &st, o->err, sizeof o->err);
    store_close(st);
    return NULL;
}

/* Three replicas start at once on a new database (five times): the schema, the categories
 * and the seed deployments are made once, and every one of them opens it. On SQLite the
 * switch to WAL of a new file used to answer "database is locked" to one of them now and
 * then (about 1 open in 40). */
START_TEST(three_open_at_once)
{
    char t[1024], err[512];
    snprintf(t, sizeof t, "%s", durable_target());
    struct opener o[3];
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        o[i].target = t;
        o[i].rc = -100;
        ck_assert_int_eq(pthread_create(&th[i], NULL, open_one, &o[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(pthread_join(th[i], NULL), 0);
        ck_assert_msg(o[i].rc == STORE_OK, "replica %d: %d %s", i, o[i].rc, o[i].err);
    }
    db *d = NULL;
    ck_assert_int_eq(db_open(t, 0, &d, err, sizeof err), STORE_OK);
    db_stmt *s = db_prepare(d, "SELECT (SELECT count(*) FROM category), "
                               "(SELECT count(*) FROM deployment)", "");
    ck_assert_int_eq(db_step(s), DB_ROW);
    json_t *cats = json_loads(store_categories_json, 0, NULL);
    json_t *seed = json_loads(store_deployments_json, 0, NULL);
    size_t ndeps = json_array_size(json_object_get(seed, "deployments"));
    ck_assert(ndeps > 0);
    ck_assert(db_column_int64(s, 0) == (int64_t)json_array_size(cats));
    ck_assert_msg(db_column_int64(s, 1) == (int64_t)ndeps, "%lld deployments, %zu seeded",
                  (long long)db_column_int64(s, 1), ndeps);
    json_decref(cats);
    json_decref(seed);
    db_finalize(s);
    db_close(d);
}
END_TEST

/* db_sqlite_status: primary and extended codes. */
static const struct {
    int sqlite, store;
} mapping[] = {
    {SQLITE_OK, STORE_OK},
    {SQLITE_ROW, STORE_OK},
    {SQLITE_DONE, STORE_OK},
    {SQLITE_NOMEM, STORE_ENOMEM},
    {SQLITE_READONLY, STORE_EREADONLY},
    {SQLITE_READONLY_DBMOVED, STORE_EREADONLY},
    {SQLITE_FULL, STORE_EREADONLY},
    {SQLITE_CANTOPEN, STORE_EREADONLY},
    {SQLITE_PERM, STORE_EREADONLY},
    {SQLITE_IOERR, STORE_EREADONLY},
    {SQLITE_IOERR_WRITE, STORE_EREADONLY},
    {SQLITE_CORRUPT, STORE_ECORRUPT},
    {SQLITE_CORRUPT_INDEX, STORE_ECORRUPT},
    {SQLITE_NOTADB, STORE_ECORRUPT},
    {SQLITE_ERROR, STORE_EDB},
    {SQLITE_BUSY, STORE_EDB},
    {SQLITE_CONSTRAINT_UNIQUE, STORE_EDB},
    {SQLITE_MISUSE, STORE_EDB},
};

START_TEST(status_mapping)
{
    int got = db_sqlite_status(mapping[_i].sqlite);
    ck_assert_msg(got == mapping[_i].store, "db_sqlite_status(%d: %s) = %d, want %d",
                  mapping[_i].sqlite, sqlite3_errstr(mapping[_i].sqlite), got,
                  mapping[_i].store);
}
END_TEST

/* One integer (the first column of the first row of sql) from path, or -1. */
static long long query_int(const char *sql)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *stmt = NULL;
    long long v = -1;
    ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
    if (sqlite3_prepare_v2(h, sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(h);
    return v;
}

/* A schema-1 database (made from a new one: the written_by columns dropped, the deployment
 * table without AUTOINCREMENT, user_version 1; a report replaced once) opens as schema 2:
 * written_by added ('put' for the replaced report, NULL for the other), the estimates kept
 * with their ids in an AUTOINCREMENT table, tombstones and disagreements tables there;
 * opening again changes nothing. */
START_TEST(migrates_schema_1)
{
    char err[256];
    store *st = NULL;
    ck_assert_int_eq(store_open(path, STORE_OPEN_CREATE, &st, err, sizeof err), STORE_OK);
    store_close(st);
    exec_raw("ALTER TABLE report DROP COLUMN written_by;"
             "ALTER TABLE report_revision DROP COLUMN written_by;"
             "DROP TABLE deployment_deleted; DROP TABLE sync_disagreement;"
             "CREATE TABLE d1 (id INTEGER PRIMARY KEY, country TEXT NOT NULL, deployed_to TEXT "
             "NOT NULL, figure INTEGER NOT NULL, low INTEGER, high INTEGER, kind TEXT NOT NULL, "
             "as_of TEXT NOT NULL, target_date TEXT, description TEXT, source_name TEXT NOT NULL, "
             "source_url TEXT);"
             "INSERT INTO d1 SELECT * FROM deployment; DROP TABLE deployment;"
             "ALTER TABLE d1 RENAME TO deployment; DELETE FROM deployment WHERE id = 1;"
             "INSERT INTO report(date, revision, stored_at) VALUES('2024-10-25', 2, 'x'),"
             "('2024-10-24', 1, 'y');"
             "PRAGMA user_version = 1;");
    long long deployments = query_int("SELECT count(*) FROM deployment");
    ck_assert_int_ge(deployments, 1);
    for (int round = 0; round < 2; round++) {
        ck_assert_msg(store_open(path, 0, &st, err, sizeof err) == STORE_OK, "%s", err);
        store_close(st);
        ck_assert_int_eq(query_int("PRAGMA user_version"), STORE_SCHEMA_VERSION);
        ck_assert_int_eq(query_int("SELECT count(*) FROM report WHERE date = '2024-10-25' "
                                   "AND written_by = 'put'"), 1);
        ck_assert_int_eq(query_int("SELECT count(*) FROM report WHERE date = '2024-10-24' "
                                   "AND written_by IS NULL"), 1);
        ck_assert_int_eq(query_int("SELECT count(*) FROM pragma_table_info('report_revision') "
                                   "WHERE name = 'written_by'"), 1);
        ck_assert_int_eq(query_int("SELECT count(*) FROM sqlite_master WHERE name = "
                                   "'deployment' AND sql LIKE '%AUTOINCREMENT%'"), 1);
        ck_assert_int_eq(query_int("SELECT count(*) FROM deployment"), deployments);
        ck_assert_int_eq(query_int("SELECT min(id) FROM deployment"), 2);
        ck_assert_int_eq(query_int("SELECT count(*) FROM sqlite_master WHERE name IN "
                                   "('deployment_deleted', 'sync_disagreement', "
                                   "'deployment_pair', 'deployment_v1')"), 3);
    }
}
END_TEST

/* A target's password never shows: db_target_redacted masks it in URIs (userinfo and a
 * password parameter) and key=value strings; a path is shown as it is. */
START_TEST(target_redaction)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"/var/lib/attrition/db.sqlite", "/var/lib/attrition/db.sqlite"},
        {"postgresql://user:secret@host/db", "postgresql://user:****@host/db"},
        {"postgres://u:p%40ss@h:5432/db?sslmode=require", "postgres://u:****@h:5432/db?sslmode=require"},
        {"postgresql://user@host/db", "postgresql://user@host/db"},
        {"postgresql://host/db?user=u&password=secret&sslmode=disable",
         "postgresql://host/db?user=u&password=****&sslmode=disable"},
        {"host=h dbname=d password=secret user=u", "host=h dbname=d password=**** user=u"},
        {"dbname=d password = 'se cret\\' x' user=u", "dbname=d password = **** user=u"},
    };
    char buf[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        db_target_redacted(cases[i].in, buf, sizeof buf);
        ck_assert_str_eq(buf, cases[i].out);
    }
    ck_assert_int_eq(db_kind_of("postgresql://h/d"), DB_POSTGRES);
    ck_assert_int_eq(db_kind_of("host=h"), DB_POSTGRES);
    ck_assert_int_eq(db_kind_of(path), DB_SQLITE);
    ck_assert_int_eq(db_kind_of(":memory:"), DB_SQLITE);
    /* a PostgreSQL target that cannot be used (no backend in this build, or nothing
     * listening on port 1) fails with a message that does not hold its password */
    store *st = NULL;
    char err[512] = "";
    ck_assert_int_ne(store_open("postgresql://u:hunter2@127.0.0.1:1/x", STORE_OPEN_CREATE, &st,
                                err, sizeof err), STORE_OK);
    ck_assert_ptr_null(st);
    ck_assert_ptr_null(strstr(err, "hunter2"));
    ck_assert_ptr_nonnull(strstr(err, "127.0.0.1"));
}
END_TEST

/* A file made before meta 'deployment_next_id' (AUTOINCREMENT's sqlite_sequence alone): on
 * open the meta row starts above the largest id ever given, so a new estimate never takes
 * the id of one deleted before. */
START_TEST(deployment_ids_from_old_file)
{
    char err[512];
    store *st = NULL;
    ck_assert_int_eq(store_open(path, STORE_OPEN_CREATE, &st, err, sizeof err), STORE_OK);
    store_close(st);
    exec_raw("DELETE FROM meta WHERE key = 'deployment_next_id'; "
             "UPDATE sqlite_sequence SET seq = 500 WHERE name = 'deployment'");
    ck_assert_int_eq(store_open(path, 0, &st, err, sizeof err), STORE_OK);
    ck_assert_int_eq(query_int("SELECT CAST(value AS INTEGER) FROM meta WHERE key = "
                               "'deployment_next_id'"), 501);
    deploy_estimate e;
    deploy_estimate_init(&e);
    memcpy(e.country, "KP", 3);
    memcpy(e.deployed_to, "RU", 3);
    e.figure = 1000;
    e.kind = DEPLOY_REPORTED;
    ck_assert_int_eq(date_parse("2024-11-01", &e.as_of), 0);
    e.source_name = strdup("test");
    ck_assert_int_eq(store_begin(st), STORE_OK);
    ck_assert_int_eq(deploy_db_create(store_db(st), &e), DEPLOY_OK);
    ck_assert_int_eq(e.id, 501);
    ck_assert_int_eq(deploy_db_delete(store_db(st), 501), DEPLOY_OK);
    ck_assert_int_eq(deploy_db_create(store_db(st), &e), DEPLOY_OK);
    ck_assert_int_eq(e.id, 502);
    ck_assert_int_eq(store_commit(st), STORE_OK);
    deploy_estimate_clear(&e);
    store_close(st);
}
END_TEST

TCase *store_tcase(void)
{
    TCase *tc = tcase_create("store");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60); /* Check's 4 s default is too short under valgrind */
    tcase_add_test(tc, not_sqlite);
    tcase_add_test(tc, damaged_pages);
    tcase_add_test(tc, newer_schema);
    tcase_add_test(tc, migrates_from_version_1);
    tcase_add_test(tc, foreign_database);
    tcase_add_test(tc, migrates_to_3);
    tcase_add_test(tc, missing_and_reopened);
    tcase_add_test(tc, migrates_schema_1);
    tcase_add_test(tc, target_redaction);
    tcase_add_test(tc, deployment_ids_from_old_file);
    tcase_add_test(tc, reopened_on_backend);
    tcase_add_test(tc, newer_and_foreign_on_backend);
    tcase_add_loop_test(tc, three_open_at_once, 0, 5);
    tcase_add_loop_test(tc, status_mapping, 0, (int)(sizeof mapping / sizeof mapping[0]));
    return tc;
}
