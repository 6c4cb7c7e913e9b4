/* Conformance tests of the storage seam (core/db.h): the same cases on each backend. Built
 * twice by tests/meson.build: test_db runs them on SQLite (a file in a temporary folder),
 * test_db_pg (-DTEST_DB_PG) on PostgreSQL, in a fresh database created for each test in the
 * cluster whose libpq URI is in ATTRITION_TEST_PG (scripts/pg-tmp start DIR prints one; the
 * test exits 77, skipped, when it is unset). Values and NULLs, booleans and int64 limits,
 * ?N placeholders reused and out of order, changes, reset/rebind, transactions, savepoints
 * and rollback, a writer excluding a second one until commit, notify/changed across
 * connections, the cluster-wide try_lock, the schema step and the redaction of passwords;
 * on PostgreSQL also refused passwords, an unreachable server and a lost connection. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attrition/stats.h"
#include "db.h"
#include "harness.h"
#include "store_target.h"

TCase *db_tcase(void);

static char target[1024];
#ifdef TEST_DB_PG
static char dbname[64];
#else
static test_server tmp; /* only its folder and database path */
#endif

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static db *open_ok(const char *t)
{
    db *d = NULL;
    char err[512] = "";
    int rc = db_open(t, STORE_OPEN_CREATE, &d, err, sizeof err);
    ck_assert_msg(rc == STORE_OK, "db_open: %d: %s", rc, err);
    ck_assert_ptr_nonnull(d);
    return d;
}

static void exec_ok(db *d, const char *sql)
{
    int rc = db_exec(d, sql);
    ck_assert_msg(rc == STORE_OK, "%s: %d %s", sql, rc, db_errmsg(d));
}

/* The one value of a one-row query as int64. */
static int64_t query_int(db *d, const char *sql)
{
    db_stmt *s = db_prepare(d, sql, "");
    ck_assert_msg(s != NULL, "%s: %s", sql, db_errmsg(d));
    ck_assert_int_eq(db_step(s), DB_ROW);
    int64_t v = db_column_int64(s, 0);
    db_finalize(s);
    return v;
}

#ifdef TEST_DB_PG
static void pg_target(char *buf, size_t len, const char *name, const char *user,
                      const char *password)
{
    ck_assert_int_eq(test_pg_target(buf, len, name, user, password, NULL), 0);
}

static void setup(void)
{
    static int n;
    snprintf(dbname, sizeof dbname, "attrition_test_%ld_%d", (long)getpid(), n++);
    db *admin = open_ok(getenv("ATTRITION_TEST_PG"));
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", dbname);
    exec_ok(admin, sql);
    db_close(admin);
    pg_target(target, sizeof target, dbname, NULL, NULL);
}

static void teardown(void)
{
    db *admin = open_ok(getenv("ATTRITION_TEST_PG"));
    char sql[128];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", dbname);
    exec_ok(admin, sql);
    db_close(admin);
}
#else
static void setup(void)
{
    ck_assert_int_eq(test_server_prepare(&tmp), 0);
    /* a file in the folder, not tmp.db: that is a PostgreSQL database when the harness runs
     * on ATTRITION_TEST_PG */
    snprintf(target, sizeof target, "%s/db.sqlite", tmp.dir);
}

static void teardown(void)
{
    test_server_cleanup(&tmp);
}
#endif

START_TEST(kind_of_targets)
{
    ck_assert_int_eq(db_kind_of("postgresql://u@h/db"), DB_POSTGRES);
    ck_assert_int_eq(db_kind_of("postgres:///db?host=/run/pg"), DB_POSTGRES);
    ck_assert_int_eq(db_kind_of("host=db1,db2 target_session_attrs=read-write"), DB_POSTGRES);
    ck_assert_int_eq(db_kind_of("dbname=attrition"), DB_POSTGRES);
    ck_assert_int_eq(db_kind_of("user=app host=db1 dbname=attrition"), DB_POSTGRES);
    ck_assert_int_eq(db_kind_of("port = 5433 host=/run/pg"), DB_POSTGRES);
    ck_assert_int_eq(db_kind_of("sslmode=verify-full host=db"), DB_POSTGRES);
    ck_assert_int_eq(db_kind_of("users.db"), DB_SQLITE);
    ck_assert_int_eq(db_kind_of("hostile=1.db"), DB_SQLITE);
    ck_assert_int_eq(db_kind_of("/var/lib/attrition/attrition.db"), DB_SQLITE);
    ck_assert_int_eq(db_kind_of(":memory:"), DB_SQLITE);
    db *d = open_ok(target);
#ifdef TEST_DB_PG
    ck_assert_int_eq(db_kind(d), DB_POSTGRES);
#else
    ck_assert_int_eq(db_kind(d), DB_SQLITE);
#endif
    db_close(d);
}
END_TEST

START_TEST(values_nulls_limits)
{
    db *d = open_ok(target);
    exec_ok(d, "CREATE TABLE t (k TEXT PRIMARY KEY, n BIGINT, s TEXT)");
    ck_assert_int_eq(db_run(db_prepare(d, "INSERT INTO t(k, n, s) VALUES(?1, ?2, ?3)", "tit",
                                       "max", INT64_MAX, "x"), NULL), STORE_OK);
    ck_assert_int_eq(db_run(db_prepare(d, "INSERT INTO t(k, n, s) VALUES(?1, ?2, ?3)", "tit",
                                       "min", INT64_MIN, "é \"q\" 'a'"), NULL), STORE_OK);
    /* 'n' binds NULL for STATS_NONE, 't' binds NULL for a NULL pointer. */
    ck_assert_int_eq(db_run(db_prepare(d, "INSERT INTO t(k, n, s) VALUES(?1, ?2, ?3)", "tnt",
                                       "none", (int64_t)STATS_NONE, (const char *)NULL), NULL),
                     STORE_OK);
    ck_assert_int_eq(db_run(db_prepare(d, "INSERT INTO t(k, n, s) VALUES(?1, ?2, ?3)", "tnt",
                                       "seven", (int64_t)7, ""), NULL), STORE_OK);

    db_stmt *s = db_prepare(d, "SELECT k, n, s, n IS NULL AS nul, n > 0 AS pos "
                               "FROM t ORDER BY k", "");
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(db_step(s), DB_ROW);
    ck_assert_int_eq(db_column_count(s), 5);
    ck_assert_str_eq(db_column_name(s, 0), "k");
    ck_assert_str_eq(db_column_name(s, 3), "nul");
    ck_assert_str_eq(db_column_text(s, 0), "max");
    ck_assert(db_column_int64(s, 1) == INT64_MAX);
    ck_assert_str_eq(db_column_text(s, 1), "9223372036854775807");
    ck_assert_int_eq(db_column_int64(s, 3), 0);
    ck_assert_int_eq(db_column_int64(s, 4), 1);
    ck_assert_str_eq(db_column_text(s, 4), "1");   /* a boolean reads 1/0 as text too */
    ck_assert_int_eq(db_step(s), DB_ROW);
    ck_assert_str_eq(db_column_text(s, 0), "min");
    ck_assert(db_column_int64(s, 1) == INT64_MIN);
    ck_assert_str_eq(db_column_text(s, 2), "é \"q\" 'a'");
    ck_assert_str_eq(db_column_text(s, 4), "0");
    ck_assert_int_eq(db_step(s), DB_ROW);
    ck_assert_str_eq(db_column_text(s, 0), "none");
    ck_assert(db_column_null(s, 1));
    ck_assert(db_column_text(s, 1) == NULL);
    ck_assert(db_column_int64(s, 1) == 0);
    ck_assert(db_column_null(s, 2));
    ck_assert_int_eq(db_column_int64(s, 3), 1);
    ck_assert_int_eq(db_step(s), DB_ROW);
    ck_assert_str_eq(db_column_text(s, 0), "seven");
    ck_assert(!db_column_null(s, 2));
    ck_assert_str_eq(db_column_text(s, 2), "");    /* empty text is not NULL */
    ck_assert_int_eq(db_step(s), DB_DONE);
    db_finalize(s);
    db_close(d);
}
END_TEST

START_TEST(placeholders_reused_and_out_of_order)
{
    db *d = open_ok(target);
    db_stmt *s = db_prepare(d, "SELECT ?2 || ?1 || ?2, '?1' || ?1, ?3 + ?3 -- ?1 is here\n",
                            "tti", "a", "b", (int64_t)21);
    ck_assert_msg(s != NULL, "%s", db_errmsg(d));
    ck_assert_int_eq(db_step(s), DB_ROW);
    ck_assert_str_eq(db_column_text(s, 0), "bab");
    ck_assert_str_eq(db_column_text(s, 1), "?1a");   /* not a parameter inside a literal */
    ck_assert(db_column_int64(s, 2) == 42);
    ck_assert_int_eq(db_step(s), DB_DONE);
    /* reset keeps the arguments; rebind replaces them */
    db_reset(s);
    ck_assert_int_eq(db_step(s), DB_ROW);
    ck_assert_str_eq(db_column_text(s, 0), "bab");
    ck_assert_int_eq(db_rebind(s, "tti", "x", "y", (int64_t)-5), STORE_OK);
    ck_assert_int_eq(db_step(s), DB_ROW);
    ck_assert_str_eq(db_column_text(s, 0), "yxy");
    ck_assert(db_column_int64(s, 2) == -10);
    db_finalize(s);
    /* the same text prepared again (a cached statement on PostgreSQL) with new values */
    s = db_prepare(d, "SELECT ?2 || ?1 || ?2, '?1' || ?1, ?3 + ?3 -- ?1 is here\n", "tti",
                   "c", "d", (int64_t)1);
    ck_assert_int_eq(db_step(s), DB_ROW);
    ck_assert_str_eq(db_column_text(s, 0), "dcd");
    db_finalize(s);
    db_close(d);
}
END_TEST

START_TEST(changes_and_errors)
{
    db *d = open_ok(target);
    exec_ok(d, "CREATE TABLE t (k TEXT PRIMARY KEY, n BIGINT NOT NULL); "
               "INSERT INTO t VALUES('a', 1); INSERT INTO t VALUES('b', 2); "
               "INSERT INTO t VALUES('c', 3)");
    int64_t changes = -1;
    ck_assert_int_eq(db_run(db_prepare(d, "UPDATE t SET n = n + 10 WHERE n > ?1", "i",
                                       (int64_t)1), &changes), STORE_OK);
    ck_assert(changes == 2);
    ck_assert_int_eq(db_run(db_prepare(d, "INSERT INTO t VALUES(?1, ?2) ON CONFLICT DO NOTHING",
                                       "ti", "a", (int64_t)5), &changes), STORE_OK);
    ck_assert(changes == 0);
    ck_assert(query_int(d, "SELECT sum(n) FROM t") == 1 + 12 + 13);
    /* a constraint violation and a syntax error: STORE_EDB, with a message */
    int rc = db_run(db_prepare(d, "INSERT INTO t VALUES(?1, ?2)", "ti", "a", (int64_t)5), NULL);
    ck_assert_int_eq(rc, STORE_EDB);
    ck_assert_int_eq(db_status(d), STORE_EDB);
    ck_assert(strlen(db_errmsg(d)) > 0);
    rc = db_run(db_prepare(d, "SELEC nonsense", ""), NULL);
    ck_assert_int_eq(rc, STORE_EDB);
    /* and the connection still works */
    ck_assert(query_int(d, "SELECT count(*) FROM t") == 3);
    ck_assert_int_eq(db_status(d), STORE_OK);
    db_close(d);
}
END_TEST

START_TEST(transactions_and_rollback)
{
    db *d = open_ok(target);
    exec_ok(d, "CREATE TABLE t (n BIGINT)");
    ck_assert(!db_in_transaction(d));
    ck_assert_int_eq(db_begin(d), STORE_OK);
    ck_assert(db_in_transaction(d));
    ck_assert_int_eq(db_run(db_prepare(d, "INSERT INTO t VALUES(?1)", "i", (int64_t)1), NULL),
                     STORE_OK);
    db_rollback(d);
    ck_assert(!db_in_transaction(d));
    ck_assert(query_int(d, "SELECT count(*) FROM t") == 0);

    ck_assert_int_eq(db_begin(d), STORE_OK);
    ck_assert_int_eq(db_run(db_prepare(d, "INSERT INTO t VALUES(?1)", "i", (int64_t)1), NULL),
                     STORE_OK);
    exec_ok(d, "SAVEPOINT sp");
    ck_assert_int_eq(db_run(db_prepare(d, "INSERT INTO t VALUES(?1)", "i", (int64_t)2), NULL),
                     STORE_OK);
    exec_ok(d, "ROLLBACK TO sp");
    exec_ok(d, "RELEASE sp");
    ck_assert_int_eq(db_commit(d), STORE_OK);
    ck_assert(!db_in_transaction(d));
    ck_assert(query_int(d, "SELECT sum(n) FROM t") == 1);
    db_rollback(d);   /* a no-op outside a transaction */

    /* a read transaction sees one state */
    ck_assert_int_eq(db_begin_read(d), STORE_OK);
    ck_assert(query_int(d, "SELECT count(*) FROM t") == 1);
    ck_assert_int_eq(db_commit(d), STORE_OK);
    db_close(d);
}
END_TEST

struct writer {
    const char *target;
    double begun_at;
    int rc;
};

static void *second_writer(void *arg)
{
    struct writer *w = arg;
    db *d = NULL;
    char err[512];
    w->rc = db_open(w->target, 0, &d, err, sizeof err);
    if (w->rc != STORE_OK)
        return NULL;
    w->rc = db_begin(d);
    w->begun_at = now_s();
    if (w->rc == STORE_OK) {
        w->rc = db_run(db_prepare(d, "INSERT INTO t VALUES(?1)", "i", (int64_t)2), NULL);
        if (w->rc == STORE_OK)
            w->rc = db_commit(d);
        else
            db_rollback(d);
    }
    db_close(d);
    return NULL;
}

START_TEST(begin_excludes_a_second_writer)
{
    db *a = open_ok(target);
    exec_ok(a, "CREATE TABLE t (n BIGINT)");
    ck_assert_int_eq(db_begin(a), STORE_OK);
    ck_assert_int_eq(db_run(db_prepare(a, "INSERT INTO t VALUES(?1)", "i", (int64_t)1), NULL),
                     STORE_OK);
    struct writer w = {target, 0, -100};
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, second_writer, &w), 0);
    usleep(400 * 1000);
    double committed_at = now_s();
    ck_assert_int_eq(db_commit(a), STORE_OK);
    ck_assert_int_eq(pthread_join(th, NULL), 0);
    ck_assert_msg(w.rc == STORE_OK, "second writer: %d", w.rc);
    ck_assert_msg(w.begun_at >= committed_at, "the second writer began %.3f s before the "
                  "first committed", committed_at - w.begun_at);
    ck_assert(query_int(a, "SELECT count(*) FROM t") == 2);
    db_close(a);
}
END_TEST

/* Polls db_changed for up to 3 s until it says 1; returns the last answer. */
static int wait_changed(db *d)
{
    int changed = 0;
    for (int i = 0; i < 300 && !changed; i++) {
        ck_assert_int_eq(db_changed(d, &changed), STORE_OK);
        if (!changed)
            usleep(10 * 1000);
    }
    return changed;
}

START_TEST(notify_reaches_other_connections)
{
    db *a = open_ok(target), *b = open_ok(target);
    exec_ok(a, "CREATE TABLE t (n BIGINT)");
    int changed = -1;
    ck_assert_int_eq(db_changed(b, &changed), STORE_OK);   /* the baseline */
    ck_assert_int_eq(db_changed(a, &changed), STORE_OK);
    ck_assert_int_eq(db_begin(a), STORE_OK);
    ck_assert_int_eq(db_run(db_prepare(a, "INSERT INTO t VALUES(?1)", "i", (int64_t)1), NULL),
                     STORE_OK);
    ck_assert_int_eq(db_notify(a, 7), STORE_OK);
    ck_assert_int_eq(db_commit(a), STORE_OK);
    ck_assert_int_eq(wait_changed(b), 1);
    ck_assert_int_eq(db_changed(b, &changed), STORE_OK);
    ck_assert_int_eq(changed, 0);                 /* once per commit */
    ck_assert_int_eq(db_changed(a, &changed), STORE_OK);
    ck_assert_int_eq(changed, 0);                 /* its own commit is no news */
    /* a rolled-back transaction announces nothing */
    ck_assert_int_eq(db_begin(a), STORE_OK);
    ck_assert_int_eq(db_run(db_prepare(a, "INSERT INTO t VALUES(?1)", "i", (int64_t)2), NULL),
                     STORE_OK);
    ck_assert_int_eq(db_notify(a, 8), STORE_OK);
    db_rollback(a);
    usleep(200 * 1000);
    ck_assert_int_eq(db_changed(b, &changed), STORE_OK);
    ck_assert_int_eq(changed, 0);
    db_close(a);
    db_close(b);
}
END_TEST

START_TEST(try_lock_excludes)
{
    db *a = open_ok(target), *b = open_ok(target);
    int got = -1;
    ck_assert_int_eq(db_try_lock(a, 42, &got), STORE_OK);
    ck_assert_int_eq(got, 1);
    ck_assert_int_eq(db_try_lock(b, 42, &got), STORE_OK);
#ifdef TEST_DB_PG
    ck_assert_int_eq(got, 0);                     /* held by a */
    ck_assert_int_eq(db_try_lock(b, 43, &got), STORE_OK);
    ck_assert_int_eq(got, 1);                     /* another key is free */
    db_unlock(a, 42);
    ck_assert_int_eq(db_try_lock(b, 42, &got), STORE_OK);
    ck_assert_int_eq(got, 1);
    db_unlock(b, 43);
#else
    ck_assert_int_eq(got, 1);                     /* SQLite: always granted */
    db_unlock(a, 42);
#endif
    db_unlock(b, 42);
    db_close(a);
    db_close(b);
}
END_TEST

START_TEST(schema_created_once_and_newer_refused)
{
    db *d = open_ok(target);
    int fresh = -1;
    char err[512] = "";
    ck_assert_msg(db_schema_begin(d, &fresh, err, sizeof err) == STORE_OK, "%s", err);
    ck_assert_int_eq(fresh, 1);
    ck_assert(db_in_transaction(d));
    ck_assert_int_eq(db_commit(d), STORE_OK);
    ck_assert(query_int(d, "SELECT count(*) FROM report") == 0);
    ck_assert_int_eq(db_schema_begin(d, &fresh, err, sizeof err), STORE_OK);
    ck_assert_int_eq(fresh, 0);
    ck_assert_int_eq(db_commit(d), STORE_OK);
#ifdef TEST_DB_PG
    exec_ok(d, "UPDATE meta SET value = '99' WHERE key = 'schema_version'");
#else
    exec_ok(d, "PRAGMA user_version = 99");
#endif
    ck_assert_int_eq(db_schema_begin(d, &fresh, err, sizeof err), STORE_ECORRUPT);
    ck_assert_msg(strstr(err, "99") != NULL, "message \"%s\" lacks the version", err);
    ck_assert(!db_in_transaction(d));
    db_close(d);
}
END_TEST

START_TEST(passwords_redacted)
{
    static const struct {
        const char *target, *secret, *keep;
    } cases[] = {
        {"postgresql://app:s3cr3t-pw@db.example:5432/attrition", "s3cr3t-pw", "db.example"},
        {"postgres://app:s3cr3t-pw@h1,h2/attrition?target_session_attrs=read-write",
         "s3cr3t-pw", "target_session_attrs=read-write"},
        {"postgresql:///attrition?host=/run/pg&password=s3cr3t-pw&user=app", "s3cr3t-pw",
         "user=app"},
        {"host=db.example password=s3cr3t-pw dbname=attrition", "s3cr3t-pw", "dbname=attrition"},
        {"host=db.example password='s3 cr3t \\' pw' dbname=attrition", "cr3t", "dbname"},
        {"dbname=attrition password = s3cr3t-pw", "s3cr3t-pw", "dbname=attrition"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[512];
        db_target_redacted(cases[i].target, buf, sizeof buf);
        ck_assert_msg(strstr(buf, cases[i].secret) == NULL, "%s -> %s", cases[i].target, buf);
        ck_assert_msg(strstr(buf, "****") != NULL, "%s -> %s", cases[i].target, buf);
        ck_assert_msg(strstr(buf, cases[i].keep) != NULL, "%s -> %s", cases[i].target, buf);
    }
    char buf[512];
    db_target_redacted("/var/lib/attrition/attrition.db", buf, sizeof buf);
    ck_assert_str_eq(buf, "/var/lib/attrition/attrition.db");
}
END_TEST

#ifdef TEST_DB_PG
START_TEST(pg_password_never_in_messages)
{
    char t[1024], err[512] = "";
    db *d = (db *)&err;   /* must stay untouched on failure */
    pg_target(t, sizeof t, "postgres", "attrition_secret", "Wr0ng-Secret-9");
    int rc = db_open(t, 0, &d, err, sizeof err);
    ck_assert_int_ne(rc, STORE_OK);
    ck_assert_ptr_eq(d, (db *)&err);
    ck_assert_msg(strstr(err, "Wr0ng-Secret-9") == NULL, "%s", err);
    ck_assert_msg(strstr(err, "password") != NULL, "%s", err);   /* says why */
    /* the right password works; an error after it never shows it */
    pg_target(t, sizeof t, "postgres", "attrition_secret", "s3cret-pw");
    d = open_ok(t);
    /* the server quotes the value it could not read: "invalid input syntax ... "****"" */
    ck_assert_int_eq(db_run(db_prepare(d, "SELECT CAST(?1 AS BIGINT)", "t", "s3cret-pw"), NULL),
                     STORE_EDB);
    ck_assert_msg(strstr(db_errmsg(d), "s3cret-pw") == NULL, "%s", db_errmsg(d));
    ck_assert_msg(strstr(db_errmsg(d), "****") != NULL, "%s", db_errmsg(d));
    db_close(d);
}
END_TEST

/* The libpq environment is honoured: a password file named by PGPASSFILE gives the secret
 * role's password, which the target does not hold. */
START_TEST(pg_passfile_honoured)
{
    char t[1024], path[640], host[512] = "", err[512] = "";
    pg_target(t, sizeof t, "postgres", "attrition_secret", NULL);
    const char *h = strstr(t, " host='");
    ck_assert_ptr_nonnull(h);
    snprintf(host, sizeof host, "%.*s", (int)strcspn(h + 7, "'"), h + 7);
    const char *base = getenv("ATTRITION_TEST_TMP") ? getenv("ATTRITION_TEST_TMP") : ".";
    char dir[600];
    mkdir(base, 0700);
    snprintf(dir, sizeof dir, "%s/pgpass.XXXXXX", base);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/pgpass", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "%s:*:*:attrition_secret:s3cret-pw\n", host);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(path, 0600), 0);
    db *d = NULL;
    unsetenv("PGPASSWORD");
    setenv("PGPASSFILE", "/nonexistent/pgpass", 1);
    ck_assert_int_ne(db_open(t, 0, &d, err, sizeof err), STORE_OK);   /* no password */
    setenv("PGPASSFILE", path, 1);
    int rc = db_open(t, 0, &d, err, sizeof err);
    unlink(path);
    rmdir(dir);
    ck_assert_msg(rc == STORE_OK, "%d: %s", rc, err);
    db_stmt *s = db_prepare(d, "SELECT current_user", "");
    ck_assert_int_eq(db_step(s), DB_ROW);
    ck_assert_str_eq(db_column_text(s, 0), "attrition_secret");
    db_finalize(s);
    /* an error message never shows the password the file gave */
    ck_assert_int_eq(db_run(db_prepare(d, "SELECT CAST(?1 AS BIGINT)", "t", "s3cret-pw"), NULL),
                     STORE_EDB);
    ck_assert_msg(strstr(db_errmsg(d), "s3cret-pw") == NULL, "%s", db_errmsg(d));
    db_close(d);
}
END_TEST

/* Several hosts: libpq tries them in order; the first is dead, the second answers. */
START_TEST(pg_several_hosts)
{
    char t[1024];
    pg_target(t, sizeof t, NULL, NULL, NULL);
    char *h = strstr(t, " host='");
    ck_assert_ptr_nonnull(h);
    char multi[1200];
    snprintf(multi, sizeof multi, "%.*s host='/nonexistent/attrition,%s target_session_attrs=any",
             (int)(h - t), t, h + 7);
    db *d = open_ok(multi);
    ck_assert(query_int(d, "SELECT 40 + 2") == 42);
    db_close(d);
}
END_TEST

/* A database that does not exist is not found (as a missing SQLite file), not unavailable. */
START_TEST(pg_missing_database)
{
    char t[1024], err[512] = "";
    db *d = NULL;
    pg_target(t, sizeof t, "attrition_no_such_db", NULL, NULL);
    ck_assert_int_eq(db_open(t, STORE_OPEN_CREATE, &d, err, sizeof err), STORE_ENOTFOUND);
    ck_assert_msg(strstr(err, "attrition_no_such_db") != NULL, "%s", err);
    ck_assert_ptr_null(d);
}
END_TEST

START_TEST(pg_unreachable_is_unavailable_fast)
{
    char err[512] = "";
    db *d = NULL;
    double t0 = now_s();
    int rc = db_open("host=/nonexistent/attrition-socket dbname=x user=y password=Zq9-pw", 0,
                     &d, err, sizeof err);
    ck_assert_int_eq(rc, STORE_EUNAVAILABLE);
    ck_assert(now_s() - t0 < 6);
    ck_assert(strlen(err) > 0);
    ck_assert_msg(strstr(err, "Zq9-pw") == NULL, "%s", err);
}
END_TEST

START_TEST(pg_lost_connection_comes_back)
{
    db *a = open_ok(target), *b = open_ok(target);
    exec_ok(a, "CREATE TABLE t (n BIGINT)");
    int changed;
    ck_assert_int_eq(db_changed(b, &changed), STORE_OK);
    int64_t pid = query_int(b, "SELECT pg_backend_pid()");
    db_stmt *s = db_prepare(a, "SELECT pg_terminate_backend(?1::int)", "i", pid);
    ck_assert_int_eq(db_step(s), DB_ROW);
    ck_assert_int_eq(db_column_int64(s, 0), 1);
    db_finalize(s);
    usleep(100 * 1000);
    /* b learns of it on its next call, and reports since when */
    double t0 = now_s();
    int rc = db_run(db_prepare(b, "INSERT INTO t VALUES(?1)", "i", (int64_t)1), NULL);
    ck_assert_msg(rc == STORE_EUNAVAILABLE, "%d: %s", rc, db_errmsg(b));
    ck_assert(db_down_since(b) > 0);
    ck_assert(now_s() - t0 < 2);
    /* the next call reconnects; changes possibly missed meanwhile read as one change */
    ck_assert_int_eq(db_reconnect(b), STORE_OK);
    ck_assert(db_down_since(b) == 0);
    ck_assert_int_eq(db_changed(b, &changed), STORE_OK);
    ck_assert_int_eq(changed, 1);
    ck_assert_int_eq(db_changed(b, &changed), STORE_OK);
    ck_assert_int_eq(changed, 0);
    ck_assert(query_int(b, "SELECT count(*) FROM t") == 0);
    ck_assert(query_int(b, "SELECT pg_backend_pid()") != pid);

    /* lost inside a transaction: nothing runs outside it until the caller rolls back */
    ck_assert_int_eq(db_begin(b), STORE_OK);
    ck_assert_int_eq(db_run(db_prepare(b, "INSERT INTO t VALUES(?1)", "i", (int64_t)1), NULL),
                     STORE_OK);
    pid = query_int(b, "SELECT pg_backend_pid()");
    s = db_prepare(a, "SELECT pg_terminate_backend(?1::int)", "i", pid);
    ck_assert_int_eq(db_step(s), DB_ROW);
    db_finalize(s);
    usleep(100 * 1000);
    ck_assert_int_eq(db_run(db_prepare(b, "INSERT INTO t VALUES(?1)", "i", (int64_t)2), NULL),
                     STORE_EUNAVAILABLE);
    ck_assert_int_eq(db_run(db_prepare(b, "INSERT INTO t VALUES(?1)", "i", (int64_t)3), NULL),
                     STORE_EUNAVAILABLE);   /* not reconnected into autocommit */
    ck_assert_int_eq(db_commit(b), STORE_EUNAVAILABLE);
    db_rollback(b);
    ck_assert(query_int(b, "SELECT count(*) FROM t") == 0);
    db_close(a);
    db_close(b);
}
END_TEST

/* Reconnection waits its backoff: refused once, the next attempt is not before 250 ms, and
 * then it works; down_since says since when. */
START_TEST(pg_reconnect_backs_off)
{
    /* a: on the cluster's own database (no database disallows connections to itself) */
    db *a = open_ok(getenv("ATTRITION_TEST_PG")), *b = open_ok(target);
    char sql[160];
    snprintf(sql, sizeof sql, "ALTER DATABASE %s WITH ALLOW_CONNECTIONS false", dbname);
    exec_ok(a, sql);
    int64_t pid = query_int(b, "SELECT pg_backend_pid()");
    db_stmt *s = db_prepare(a, "SELECT pg_terminate_backend(?1::int)", "i", pid);
    ck_assert_int_eq(db_step(s), DB_ROW);
    db_finalize(s);
    usleep(100 * 1000);
    ck_assert_int_eq(db_exec(b, "SELECT 1"), STORE_EUNAVAILABLE);
    int64_t since = db_down_since(b);
    ck_assert(since > 0);
    ck_assert_int_eq(db_reconnect(b), STORE_EUNAVAILABLE);   /* refused by the server */
    snprintf(sql, sizeof sql, "ALTER DATABASE %s WITH ALLOW_CONNECTIONS true", dbname);
    exec_ok(a, sql);
    double t0 = now_s();
    ck_assert_int_eq(db_reconnect(b), STORE_EUNAVAILABLE);   /* within the backoff: no try */
    ck_assert(now_s() - t0 < 0.1);
    ck_assert(db_down_since(b) == since);
    usleep(300 * 1000);
    ck_assert_int_eq(db_reconnect(b), STORE_OK);
    ck_assert(db_down_since(b) == 0);
    ck_assert(query_int(b, "SELECT 7") == 7);
    db_close(a);
    db_close(b);
}
END_TEST
#endif

TCase *db_tcase(void)
{
    TCase *tc = tcase_create("db");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, kind_of_targets);
    tcase_add_test(tc, values_nulls_limits);
    tcase_add_test(tc, placeholders_reused_and_out_of_order);
    tcase_add_test(tc, changes_and_errors);
    tcase_add_test(tc, transactions_and_rollback);
    tcase_add_test(tc, begin_excludes_a_second_writer);
    tcase_add_test(tc, notify_reaches_other_connections);
    tcase_add_test(tc, try_lock_excludes);
    tcase_add_test(tc, schema_created_once_and_newer_refused);
    tcase_add_test(tc, passwords_redacted);
#ifdef TEST_DB_PG
    tcase_add_test(tc, pg_password_never_in_messages);
    tcase_add_test(tc, pg_unreachable_is_unavailable_fast);
    tcase_add_test(tc, pg_passfile_honoured);
    tcase_add_test(tc, pg_missing_database);
    tcase_add_test(tc, pg_reconnect_backs_off);
    tcase_add_test(tc, pg_several_hosts);
    tcase_add_test(tc, pg_lost_connection_comes_back);
#endif
    return tc;
}
