/* The SQLite store. See include/attrition/store.h for the contracts. */
#include "store_internal.h"
#include "array.h"
#include "attrition/date.h"
#include "attrition/deploy.h"
#include "attrition/text.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define STORE_CACHE 8

struct store {
    sqlite3 *db;
    pthread_mutex_t lock;
    const char *cache_sql[STORE_CACHE]; /* hot statements, prepared once */
    sqlite3_stmt *cache[STORE_CACHE];
};

sqlite3 *store_db(store *st) { return st->db; }
const char *store_errmsg(store *st) { return sqlite3_errmsg(st->db); }
int store_last_status(store *st) { return store_status_from_sqlite(sqlite3_errcode(st->db)); }
void store_lock(store *st) { pthread_mutex_lock(&st->lock); }
void store_unlock(store *st) { pthread_mutex_unlock(&st->lock); }

int store_status_from_sqlite(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return STORE_OK;
    case SQLITE_NOMEM:
        return STORE_ENOMEM;
    case SQLITE_READONLY:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_IOERR:
        return STORE_EREADONLY;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return STORE_ECORRUPT;
    default:
        return STORE_EDB;
    }
}

static int exec_sql(store *st, const char *sql)
{
    return store_status_from_sqlite(sqlite3_exec(st->db, sql, NULL, NULL, NULL));
}

int store_begin(store *st) { return exec_sql(st, "BEGIN IMMEDIATE"); }
int store_commit(store *st) { return exec_sql(st, "COMMIT"); }
void store_rollback(store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Binds the arguments of ap as fmt describes (see store_prepare). Returns an SQLite code. */
static int bind_args(sqlite3_stmt *stmt, const char *fmt, va_list ap)
{
    int rc = SQLITE_OK;
    for (int i = 0; fmt[i] && rc == SQLITE_OK; i++) {
        if (fmt[i] == 't') {
            const char *s = va_arg(ap, const char *);
            rc = s ? sqlite3_bind_text(stmt, i + 1, s, -1, SQLITE_TRANSIENT)
                   : sqlite3_bind_null(stmt, i + 1);
        } else {
            int64_t v = va_arg(ap, int64_t);
            rc = fmt[i] == 'n' && v == STATS_NONE ? sqlite3_bind_null(stmt, i + 1)
                                                  : sqlite3_bind_int64(stmt, i + 1, v);
        }
    }
    return rc;
}

/* store_prepare_db with the arguments as a va_list. */
static sqlite3_stmt *prepare_va(sqlite3 *db, const char *sql, const char *fmt, va_list ap)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        return NULL;
    if (bind_args(stmt, fmt, ap) != SQLITE_OK) {
        sqlite3_finalize(stmt);
        return NULL;
    }
    return stmt;
}

sqlite3_stmt *store_prepare(store *st, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sqlite3_stmt *stmt = prepare_va(st->db, sql, fmt, ap);
    va_end(ap);
    return stmt;
}

sqlite3_stmt *store_prepare_db(sqlite3 *db, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sqlite3_stmt *stmt = prepare_va(db, sql, fmt, ap);
    va_end(ap);
    return stmt;
}

/* A statement prepared once per store for sql (a string literal: compared by address),
 * reset and with the arguments of fmt bound as in store_prepare. The store owns it: never
 * finalize it (store_close does); run it with run_cached. NULL on failure. */
static sqlite3_stmt *prepare_cached(store *st, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *stmt = NULL;
    int slot = -1;
    for (int i = 0; i < STORE_CACHE && slot < 0; i++)
        if (st->cache_sql[i] == sql || st->cache_sql[i] == NULL)
            slot = i;
    if (slot < 0)
        return NULL;
    if (st->cache_sql[slot] == NULL) {
        if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
            return NULL;
        st->cache[slot] = stmt;
        st->cache_sql[slot] = sql;
    }
    stmt = st->cache[slot];
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    va_list ap;
    va_start(ap, fmt);
    int rc = bind_args(stmt, fmt, ap);
    va_end(ap);
    return rc == SQLITE_OK ? stmt : NULL;
}

/* Steps stmt (NULL: a failed prepare) once; STORE_OK only for SQLITE_DONE. */
static int step_done(sqlite3_stmt *stmt)
{
    if (stmt == NULL)
        return STORE_EDB;
    int rc = sqlite3_step(stmt);
    int st = rc == SQLITE_DONE ? STORE_OK : store_status_from_sqlite(rc);
    return rc != SQLITE_DONE && st == STORE_OK ? STORE_EDB : st;
}

/* Steps a cached statement that returns no rows and resets it. Returns a store status. */
static int run_cached(sqlite3_stmt *stmt)
{
    int st = step_done(stmt);
    if (stmt)
        sqlite3_reset(stmt);
    return st;
}

int store_run(sqlite3_stmt *stmt)
{
    int st = step_done(stmt);
    sqlite3_finalize(stmt);
    return st;
}

int store_touch(store *st)
{
    char now[TEXT_ISO_SIZE];
    snprintf(now, sizeof now, "%lld", (long long)time(NULL));
    int rc = store_run(store_prepare(st,
        "INSERT INTO meta(key, value) VALUES('data_version', '1') "
        "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1", ""));
    if (rc == STORE_OK)
        rc = store_run(store_prepare(st,
            "INSERT INTO meta(key, value) VALUES('last_modified', ?1) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value", "t", now));
    return rc;
}

int store_meta_bump(store *st, const char *key)
{
    return store_run(store_prepare(st,
        "INSERT INTO meta(key, value) VALUES(?1, '1') "
        "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1", "t", key));
}

/* Reads an integer meta value; 0 when absent or on error. */
static int64_t meta_int(store *st, const char *key)
{
    int64_t v = 0;
    sqlite3_stmt *stmt = store_prepare(st, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?1",
                                 "t", key);
    if (stmt && sqlite3_step(stmt) == SQLITE_ROW)
        v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

uint64_t store_data_version(store *st)
{
    return (uint64_t)meta_int(st, "data_version");
}

/* Inserts the embedded seed categories and their aliases (existing rows are kept).
 * Returns a store status; err gets a message. */
static int seed_categories(store *st, char *err, size_t errlen)
{
    int rc = STORE_EINVAL;
    json_error_t jerr;
    json_t *root = json_loads(store_categories_json, 0, &jerr);
    if (!json_is_array(root)) {
        snprintf(err, errlen, "embedded categories.json: %s", jerr.text);
        goto cleanup;
    }
    size_t i;
    json_t *c;
    /* Two passes: rows first, then replaced_by (foreign key to a later row). */
    json_array_foreach(root, i, c) {
        const char *id = json_string_value(json_object_get(c, "id"));
        rc = store_run(store_prepare(st,
            "INSERT INTO category(id, label, unit, sort, seeded) VALUES(?1, ?2, ?3, ?4, 1) "
            "ON CONFLICT(id) DO UPDATE SET label = excluded.label, unit = excluded.unit, "
            "sort = excluded.sort, seeded = 1",
            "ttti", id, json_string_value(json_object_get(c, "label")),
            json_string_value(json_object_get(c, "unit")), (int64_t)i));
        if (rc == STORE_OK)
            rc = store_run(store_prepare(st, "INSERT OR IGNORE INTO category_alias VALUES(?1, ?1)",
                                  "t", id));
        size_t k;
        json_t *alias;
        json_array_foreach(json_object_get(c, "aliases"), k, alias) {
            if (rc == STORE_OK)
                rc = store_run(store_prepare(st, "INSERT OR IGNORE INTO category_alias VALUES(?1, ?2)",
                                      "tt", json_string_value(alias), id));
        }
        if (rc != STORE_OK)
            goto cleanup;
    }
    json_array_foreach(root, i, c) {
        rc = store_run(store_prepare(st, "UPDATE category SET replaced_by = ?2 WHERE id = ?1", "tt",
                              json_string_value(json_object_get(c, "id")),
                              json_string_value(json_object_get(c, "replaced_by"))));
        if (rc != STORE_OK)
            goto cleanup;
    }
    rc = STORE_OK;
cleanup:
    if (rc != STORE_OK && rc != STORE_EINVAL)
        snprintf(err, errlen, "seeding categories: %s", sqlite3_errmsg(st->db));
    json_decref(root);
    return rc;
}

/* Does table have a column named col? 1, 0, or -1 on error. */
static int has_column(store *st, const char *table, const char *col)
{
    sqlite3_stmt *stmt = store_prepare(st, "SELECT count(*) FROM pragma_table_info(?1) "
                                           "WHERE name = ?2", "tt", table, col);
    int found = -1;
    if (stmt && sqlite3_step(stmt) == SQLITE_ROW)
        found = sqlite3_column_int(stmt, 0) > 0;
    sqlite3_finalize(stmt);
    return found;
}

/* Schema 1 -> 2, before config/schema.sql runs (which then creates the new tables and the
 * rebuilt deployment table): report.written_by and report_revision.written_by (a report
 * with revision > 1 could only have been replaced by PUT under schema 1: 'put'; others are
 * unknown, NULL, and follow upstream), and the deployment table moved aside to be rebuilt
 * with AUTOINCREMENT (migrate_v2_after copies it back). Idempotent: each step checks what
 * is there. A store status. */
static int migrate_v2(store *st)
{
    int rc = STORE_OK, has;
    if ((has = has_column(st, "report", "written_by")) < 0)
        return STORE_EDB;
    if (!has && ((rc = exec_sql(st, "ALTER TABLE report ADD COLUMN written_by TEXT")) != STORE_OK ||
                 (rc = exec_sql(st, "UPDATE report SET written_by = 'put' WHERE revision > 1")) != STORE_OK))
        return rc;
    if ((has = has_column(st, "report_revision", "written_by")) < 0)
        return STORE_EDB;
    if (!has && (rc = exec_sql(st, "ALTER TABLE report_revision ADD COLUMN written_by TEXT")) != STORE_OK)
        return rc;
    sqlite3_stmt *stmt = store_prepare(st, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                           "AND name = 'deployment' AND sql NOT LIKE '%AUTOINCREMENT%'", "");
    int old = stmt && sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    if (old < 0)
        return STORE_EDB;
    if (old > 0 && ((rc = exec_sql(st, "DROP INDEX IF EXISTS deployment_pair")) != STORE_OK ||
                    (rc = exec_sql(st, "ALTER TABLE deployment RENAME TO deployment_v1")) != STORE_OK))
        return rc;
    return STORE_OK;
}

/* Schema 1 -> 2, after config/schema.sql: the estimates back into the rebuilt table, ids
 * kept (sqlite_sequence follows the largest). A store status. */
static int migrate_v2_after(store *st)
{
    sqlite3_stmt *stmt = store_prepare(st, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                                           "AND name = 'deployment_v1'", "");
    int old = stmt && sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    if (old <= 0)
        return old < 0 ? STORE_EDB : STORE_OK;
    int rc = exec_sql(st, "INSERT INTO deployment SELECT * FROM deployment_v1");
    return rc == STORE_OK ? exec_sql(st, "DROP TABLE deployment_v1") : rc;
}

/* Seeds the embedded deployment estimates (config/deployments.json) inside the caller's
 * transaction. A store status, err set on failure. */
static int seed_deployments(store *st, char *err, size_t errlen)
{
    size_t added = 0;
    char derr[256];
    if (deploy_import_json(st, store_deployments_json, strlen(store_deployments_json),
                           date_today(), &added, derr, sizeof derr) != DEPLOY_OK) {
        snprintf(err, errlen, "seeding deployments: %s", derr);
        return STORE_EINVAL;
    }
    return STORE_OK;
}

/* Applies the schema to a new database (seeding its deployments unless STORE_OPEN_NOSEED,
 * which leaves meta 'seed_pending' for store_seed_settle), or checks the version of an
 * existing one and migrates it step by step. */
static int apply_schema(store *st, int flags, int *fresh, char *err, size_t errlen)
{
    int rc = STORE_EDB;
    int64_t version = -1, tables = 0;
    sqlite3_stmt *stmt = store_prepare(st, "PRAGMA user_version", "");
    if (stmt && sqlite3_step(stmt) == SQLITE_ROW)
        version = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    stmt = store_prepare(st, "SELECT count(*) FROM sqlite_master", "");
    int src = stmt ? sqlite3_step(stmt) : SQLITE_ERROR;
    if (src == SQLITE_ROW)
        tables = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    if (src != SQLITE_ROW || version < 0) {
        rc = store_status_from_sqlite(sqlite3_errcode(st->db));
        snprintf(err, errlen, "cannot read the database: %s", sqlite3_errmsg(st->db));
        return rc == STORE_OK ? STORE_EDB : rc;
    }
    if (version > STORE_SCHEMA_VERSION) {
        snprintf(err, errlen, "database schema version %lld is newer than this program's %d",
                 (long long)version, STORE_SCHEMA_VERSION);
        return STORE_ECORRUPT;
    }
    if (version == 0 && tables > 0) {
        snprintf(err, errlen, "not an attrition database (it has tables but no schema version)");
        return STORE_ECORRUPT;
    }
    *fresh = version == 0;
    if ((rc = store_begin(st)) != STORE_OK)
        goto fail;
    /* Migrations, one step per version, before the schema text (which creates new tables). */
    if (!*fresh && version < 2 && (rc = migrate_v2(st)) != STORE_OK)
        goto fail;
    if (sqlite3_exec(st->db, store_schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
        rc = store_status_from_sqlite(sqlite3_errcode(st->db));
        goto fail;
    }
    if (!*fresh && version < 2 && (rc = migrate_v2_after(st)) != STORE_OK)
        goto fail;
    if ((rc = seed_categories(st, err, errlen)) != STORE_OK) {
        store_rollback(st);
        return rc;
    }
    if (*fresh && (flags & STORE_OPEN_NOSEED))
        rc = exec_sql(st, "INSERT OR REPLACE INTO meta(key, value) VALUES('seed_pending', '1')");
    else if (*fresh || (!(flags & STORE_OPEN_NOSEED) && meta_int(st, "seed_pending")))
        rc = store_seed_settle(st, 1, err, errlen);
    if (rc != STORE_OK) {
        store_rollback(st);
        return rc;
    }
    if (*fresh || version < STORE_SCHEMA_VERSION) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
        if ((rc = exec_sql(st, pragma)) != STORE_OK)
            goto fail;
    }
    if (*fresh && (rc = store_touch(st)) != STORE_OK)
        goto fail;
    if ((rc = store_commit(st)) != STORE_OK)
        goto fail;
    return STORE_OK;
fail:
    snprintf(err, errlen, "applying the schema: %s", sqlite3_errmsg(st->db));
    store_rollback(st);
    return rc == STORE_OK ? STORE_EDB : rc;
}

int store_seed_settle(store *st, int seed, char *err, size_t errlen)
{
    int rc = STORE_OK;
    if (seed && (rc = seed_deployments(st, err, errlen)) != STORE_OK)
        return rc;
    rc = exec_sql(st, "DELETE FROM meta WHERE key = 'seed_pending'");
    if (rc != STORE_OK)
        snprintf(err, errlen, "seeding: %s", sqlite3_errmsg(st->db));
    return rc;
}

int store_seed_pending(store *st)
{
    return meta_int(st, "seed_pending") != 0;
}

/* PRAGMA quick_check of an existing database. STORE_OK, or STORE_ECORRUPT with "database
 * <path> is damaged: ..." in err. */
static int quick_check(store *st, const char *path, char *err, size_t errlen)
{
    sqlite3_stmt *stmt = store_prepare(st, "PRAGMA quick_check", "");
    const unsigned char *res = NULL;
    int rc = STORE_OK;
    if (stmt && sqlite3_step(stmt) == SQLITE_ROW)
        res = sqlite3_column_text(stmt, 0);
    if (res == NULL || strcmp((const char *)res, "ok") != 0) {
        snprintf(err, errlen, "database %s is damaged: %s", path,
                 res ? (const char *)res : sqlite3_errmsg(st->db));
        rc = STORE_ECORRUPT;
    }
    sqlite3_finalize(stmt);
    return rc;
}

int store_open(const char *path, int flags, store **out, char *err, size_t errlen)
{
    int rc = STORE_EDB;
    int fresh = 0;
    int readonly = (flags & STORE_OPEN_READONLY) != 0;
    store *st = calloc(1, sizeof *st);
    if (st == NULL) {
        snprintf(err, errlen, "out of memory");
        return STORE_ENOMEM;
    }
    pthread_mutex_init(&st->lock, NULL);
    int oflags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (flags & STORE_OPEN_CREATE)
        oflags |= SQLITE_OPEN_CREATE;
    int src = sqlite3_open_v2(path, &st->db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
    if (src != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database %s: %s", path,
                 st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(src));
        rc = src == SQLITE_CANTOPEN ? STORE_ENOTFOUND : store_status_from_sqlite(src);
        goto cleanup;
    }
    sqlite3_busy_timeout(st->db, 5000);
    sqlite3_extended_result_codes(st->db, 1);
    if (!readonly &&
        (exec_sql(st, "PRAGMA journal_mode = WAL") != STORE_OK ||
         exec_sql(st, "PRAGMA synchronous = FULL") != STORE_OK)) {
        rc = store_status_from_sqlite(sqlite3_errcode(st->db));
        snprintf(err, errlen, "database %s: %s", path, sqlite3_errmsg(st->db));
        goto cleanup;
    }
    exec_sql(st, "PRAGMA foreign_keys = ON");
    if (readonly) {
        rc = STORE_OK;
    } else if ((rc = apply_schema(st, flags, &fresh, err, errlen)) != STORE_OK) {
        char inner[512];
        snprintf(inner, sizeof inner, "%s", err);
        snprintf(err, errlen, "database %s: %s", path, inner);
        goto cleanup;
    }
    if (!fresh && !readonly && (rc = quick_check(st, path, err, errlen)) != STORE_OK)
        goto cleanup;
    *out = st;
    st = NULL;
    rc = STORE_OK;
cleanup:
    if (st) {
        sqlite3_close(st->db);
        pthread_mutex_destroy(&st->lock);
        free(st);
    }
    return rc;
}

void store_close(store *st)
{
    if (st == NULL)
        return;
    for (int i = 0; i < STORE_CACHE; i++)
        sqlite3_finalize(st->cache[i]);
    sqlite3_close(st->db);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

/* The id a new category gets: key lower-cased, runs of non-alphanumerics as one "_",
 * none at either end. Returns 0, or -1 if nothing alphanumeric is left or it is too long. */
static int category_id_from_key(const char *key, char *id, size_t idlen)
{
    size_t n = 0;
    int pending = 0;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        if (isalnum(*p) && *p < 0x80) {
            if (pending && n > 0) {
                if (n + 1 >= idlen)
                    return -1;
                id[n++] = '_';
            }
            pending = 0;
            if (n + 1 >= idlen)
                return -1;
            id[n++] = (char)tolower(*p);
        } else {
            pending = 1;
        }
    }
    id[n] = '\0';
    return n > 0 ? 0 : -1;
}

int store_category_resolve(store *st, const char *key, int create, char *id, size_t idlen,
                           int *created)
{
    int rc = STORE_EDB;
    char newid[64];
    *created = 0;
    sqlite3_stmt *stmt = store_prepare(st, "SELECT category FROM category_alias WHERE alias = ?1 "
                                     "UNION ALL SELECT id FROM category WHERE id = ?2",
                                 "tt", key, key);
    if (stmt == NULL)
        return STORE_EDB;
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        snprintf(id, idlen, "%s", (const char *)sqlite3_column_text(stmt, 0));
        rc = STORE_OK;
        goto cleanup;
    }
    if (step != SQLITE_DONE)
        goto cleanup;
    if (category_id_from_key(key, newid, sizeof newid) != 0) {
        rc = STORE_EINVAL;
        goto cleanup;
    }
    sqlite3_finalize(stmt);
    stmt = NULL;
    /* A new spelling of an id that exists ("Tanks!" -> tanks) is an alias of it. */
    stmt = store_prepare(st, "SELECT id FROM category WHERE id = ?1", "t", newid);
    step = stmt ? sqlite3_step(stmt) : SQLITE_ERROR;
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        goto cleanup;
    if (step == SQLITE_DONE) {
        if (!create) {
            rc = STORE_ENOTFOUND;
            goto cleanup;
        }
        rc = store_run(store_prepare(st,
            "INSERT INTO category(id, label, sort, seeded) "
            "VALUES(?1, ?2, (SELECT coalesce(max(sort), 0) + 1 FROM category), 0)",
            "tt", newid, key));
        if (rc != STORE_OK)
            goto cleanup;
        *created = 1;
    }
    rc = store_run(store_prepare(st, "INSERT OR IGNORE INTO category_alias VALUES(?1, ?2)", "tt",
                          key, newid));
    if (rc == STORE_OK)
        snprintf(id, idlen, "%s", newid);
cleanup:
    sqlite3_finalize(stmt);
    return rc;
}

int store_value_write(store *st, int date, const char *category, int64_t total,
                      const char *qualifier, const char *by, int *changed)
{
    char day[DATE_STR_LEN], now[32];
    date_format(date, day);
    text_now_iso(now);
    *changed = 0;
    int rc = run_cached(prepare_cached(st,
        "INSERT OR IGNORE INTO report(date, stored_at, written_by) VALUES(?1, ?2, ?3)", "ttt",
        day, now, by));
    if (rc != STORE_OK)
        return rc;
    rc = run_cached(prepare_cached(st,
        "INSERT INTO report_value(date, category, total, qualifier) VALUES(?1, ?2, ?3, ?4) "
        "ON CONFLICT(date, category) DO UPDATE SET total = excluded.total, "
        "qualifier = excluded.qualifier "
        "WHERE total IS NOT excluded.total OR qualifier IS NOT excluded.qualifier",
        "ttit", day, category, total, qualifier && *qualifier ? qualifier : NULL));
    if (rc == STORE_OK)
        *changed = sqlite3_changes(st->db) > 0;
    /* a value changed by import or sync: the report was last stored now (its Atom entry's
     * updated, GET /v1/reports/{date}) */
    if (rc == STORE_OK && *changed)
        rc = run_cached(prepare_cached(st,
            "UPDATE report SET stored_at = ?2 WHERE date = ?1 AND stored_at IS NOT ?2", "tt",
            day, now));
    return rc;
}

int store_value_set(store *st, int date, const char *category, int64_t total,
                    const char *qualifier, int *changed)
{
    return store_value_write(st, date, category, total, qualifier, NULL, changed);
}

int store_value_get(store *st, const char *day, const char *category, int64_t *total,
                    char *qualifier, size_t qlen)
{
    sqlite3_stmt *stmt = prepare_cached(st, "SELECT total, qualifier FROM report_value "
                                            "WHERE date = ?1 AND category = ?2", "tt", day, category);
    if (stmt == NULL)
        return STORE_EDB;
    int step = sqlite3_step(stmt), rc = STORE_ENOTFOUND;
    if (step == SQLITE_ROW) {
        *total = sqlite3_column_int64(stmt, 0);
        const unsigned char *q = sqlite3_column_text(stmt, 1);
        snprintf(qualifier, qlen, "%s", q ? (const char *)q : "");
        rc = STORE_OK;
    } else if (step != SQLITE_DONE) {
        rc = store_status_from_sqlite(step);
    }
    sqlite3_reset(stmt);
    return rc;
}

int store_report_head(store *st, const char *day, int *revision, int *api)
{
    sqlite3_stmt *stmt = prepare_cached(st, "SELECT revision, written_by IN ('post', 'put') "
                                            "FROM report WHERE date = ?1", "t", day);
    if (stmt == NULL)
        return STORE_EDB;
    int step = sqlite3_step(stmt), rc = STORE_ENOTFOUND;
    *revision = 0;
    *api = 0;
    if (step == SQLITE_ROW) {
        *revision = sqlite3_column_int(stmt, 0);
        *api = sqlite3_column_int(stmt, 1) == 1;
        rc = STORE_OK;
    } else if (step != SQLITE_DONE) {
        rc = store_status_from_sqlite(step);
    }
    sqlite3_reset(stmt);
    return rc;
}

int store_report_revise(store *st, const char *day, const char *by)
{
    char now[32];
    text_now_iso(now);
    int rc = store_run(store_prepare(st,
        "INSERT INTO report_revision(date, revision, stored_at, totals, qualifiers, source_url, "
        "written_by) SELECT r.date, r.revision, r.stored_at, "
        "(SELECT json_group_object(category, total) FROM report_value WHERE date = r.date), "
        "(SELECT json_group_object(category, qualifier) FROM report_value WHERE date = r.date "
        "AND qualifier IS NOT NULL), r.source_url, r.written_by FROM report r WHERE r.date = ?1",
        "t", day));
    if (rc == STORE_OK)
        rc = store_run(store_prepare(st, "UPDATE report SET revision = revision + 1, "
                                         "stored_at = ?2, written_by = ?3 WHERE date = ?1",
                                     "ttt", day, now, by));
    return rc;
}

int store_correction_note_set(store *st, int date, const char *category, int64_t amount,
                              int *changed)
{
    char day[DATE_STR_LEN];
    date_format(date, day);
    *changed = 0;
    int rc = store_run(store_prepare(st,
        "INSERT INTO correction_note(date, category, amount) VALUES(?1, ?2, ?3) "
        "ON CONFLICT(date, category) DO UPDATE SET amount = excluded.amount "
        "WHERE amount IS NOT excluded.amount",
        "tti", day, category, amount));
    if (rc == STORE_OK)
        *changed = sqlite3_changes(st->db) > 0;
    return rc;
}

long store_report_count(store *st)
{
    long n = -1;
    sqlite3_stmt *stmt = store_prepare(st, "SELECT count(*) FROM report", "");
    if (stmt && sqlite3_step(stmt) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

/* Categories as stats_category_def with owned strings (freed by defs_free). */
typedef struct cat_list {
    stats_category_def *defs;
    size_t n;
} cat_list;

static void defs_free(cat_list *cl)
{
    for (size_t i = 0; i < cl->n; i++) {
        free((char *)cl->defs[i].id);
        free((char *)cl->defs[i].label);
        free((char *)cl->defs[i].unit);
        free((char *)cl->defs[i].replaced_by);
    }
    free(cl->defs);
}

static char *col_dup(sqlite3_stmt *stmt, int i)
{
    const unsigned char *t = sqlite3_column_text(stmt, i);
    return t ? strdup((const char *)t) : NULL;
}

static int load_categories(store *st, cat_list *cl)
{
    int rc = STORE_EDB, step;
    size_t cap = 0;
    sqlite3_stmt *stmt = store_prepare(st, "SELECT id, label, unit, replaced_by, seeded FROM category "
                                     "ORDER BY sort, id", "");
    if (stmt == NULL)
        return STORE_EDB;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        stats_category_def *nd = array_room(cl->defs, cl->n, &cap, sizeof *nd, 32);
        if (nd == NULL) {
            rc = STORE_ENOMEM;
            goto cleanup;
        }
        cl->defs = nd;
        stats_category_def *d = &cl->defs[cl->n++];
        d->id = col_dup(stmt, 0);
        d->label = col_dup(stmt, 1);
        d->unit = col_dup(stmt, 2);
        d->replaced_by = col_dup(stmt, 3);
        d->seeded = sqlite3_column_int(stmt, 4);
        if (d->id == NULL || d->label == NULL) {
            rc = STORE_ENOMEM;
            goto cleanup;
        }
    }
    rc = step == SQLITE_DONE ? STORE_OK : store_status_from_sqlite(step);
cleanup:
    sqlite3_finalize(stmt);
    return rc;
}

/* Doubles the capacity *cap of the parallel arrays *vals and *quals (4096 at first). Returns
 * 0, or -1 when memory is short (the arrays are then still valid, and still the caller's). */
static int grow_values(stats_value_def **vals, char ***quals, size_t *cap)
{
    size_t cap_v = *cap, cap_q = *cap; /* parallel arrays, one capacity */
    stats_value_def *nv = array_room(*vals, *cap, &cap_v, sizeof *nv, 4096);
    if (nv == NULL)
        return -1;
    *vals = nv;
    char **nq = array_room(*quals, *cap, &cap_q, sizeof *nq, 4096);
    if (nq == NULL)
        return -1; /* *vals grew, *cap did not: a later call grows both again */
    *quals = nq;
    *cap = cap_q;
    return 0;
}

int store_snapshot_load(store *st, stats_snapshot **out)
{
    int rc, step;
    cat_list cl = {NULL, 0};
    stats_value_def *vals = NULL;
    size_t n = 0, cap = 0;
    char **quals = NULL;
    sqlite3_stmt *stmt = NULL;
    if ((rc = load_categories(st, &cl)) != STORE_OK)
        goto cleanup;
    rc = STORE_EDB;
    stmt = store_prepare(st, "SELECT v.date, v.category, v.total, v.qualifier FROM report_value v "
                       "ORDER BY v.category", "");
    if (stmt == NULL)
        goto cleanup;
    int cat = -1;
    const char *cat_id = NULL;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (n == cap && grow_values(&vals, &quals, &cap) != 0) {
            rc = STORE_ENOMEM;
            goto cleanup;
        }
        const char *cid = (const char *)sqlite3_column_text(stmt, 1);
        if (cat_id == NULL || strcmp(cat_id, cid) != 0) {
            cat = -1;
            for (size_t i = 0; i < cl.n; i++)
                if (strcmp(cl.defs[i].id, cid) == 0)
                    cat = (int)i;
            cat_id = cat >= 0 ? cl.defs[cat].id : NULL;
        }
        const char *ds = (const char *)sqlite3_column_text(stmt, 0);
        int day;
        if (cat < 0 || ds == NULL || date_parse(ds, &day) != 0) {
            rc = STORE_ECORRUPT;
            goto cleanup;
        }
        quals[n] = col_dup(stmt, 3);
        vals[n] = (stats_value_def){day, cat, sqlite3_column_int64(stmt, 2), quals[n]};
        n++;
    }
    if (step != SQLITE_DONE) {
        rc = store_status_from_sqlite(step);
        goto cleanup;
    }
    switch (stats_snapshot_build(cl.defs, cl.n, vals, n, store_data_version(st),
                                 meta_int(st, "last_modified"), out)) {
    case STATS_OK:
        rc = STORE_OK;
        (*out)->deploy_version = (uint64_t)meta_int(st, "deployments_version");
        break;
    case STATS_ENOMEM: rc = STORE_ENOMEM; break;
    default: rc = STORE_ECORRUPT; break;
    }
cleanup:
    sqlite3_finalize(stmt);
    for (size_t i = 0; i < n; i++)
        free(quals[i]);
    free(quals);
    free(vals);
    defs_free(&cl);
    return rc;
}

/* ---- backup and restore --------------------------------------------------------------- */

/* Copies the whole main database of src into dst with the backup API, waiting while the
 * source or destination is busy. Returns an SQLite code (SQLITE_OK / SQLITE_DONE: done). */
static int backup_copy(sqlite3 *dst, sqlite3 *src)
{
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (b == NULL)
        return sqlite3_errcode(dst);
    int rc;
    for (int tries = 0;; tries++) {
        rc = sqlite3_backup_step(b, -1);
        if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || tries >= 200)
            break;
        sqlite3_sleep(25);
    }
    int frc = sqlite3_backup_finish(b);
    return rc == SQLITE_DONE ? frc : rc;
}

int store_backup(store *st, const char *path, char *err, size_t errlen)
{
    char tmp[4200];
    sqlite3 *dst = NULL;
    int rc = STORE_EINVAL;
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        snprintf(err, errlen, "backup path too long");
        return STORE_EINVAL;
    }
    /* The copy replaces path by a rename: never the live file or its -wal, -shm or journal
     * (a server on it would go on writing to the replaced file, its -wal beside another
     * database; a replaced -wal loses what it holds). */
    const char *live = sqlite3_db_filename(st->db, "main");
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    struct stat a, b;
    for (size_t i = 0; live && *live && i < sizeof suffix / sizeof suffix[0]; i++) {
        char name[4200];
        snprintf(name, sizeof name, "%s%s", live, suffix[i]);
        if (stat(path, &a) == 0 && stat(name, &b) == 0 && a.st_dev == b.st_dev &&
            a.st_ino == b.st_ino) {
            snprintf(err, errlen, "%s is the database itself%s; back up to another file",
                     path, i ? " (a file of its journal)" : "");
            return STORE_EINVAL;
        }
    }
    remove(tmp);
    int src = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (src == SQLITE_OK)
        src = backup_copy(dst, st->db);
    if (src == SQLITE_OK) /* one self-contained file: no -wal beside it */
        src = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
    if (src != SQLITE_OK) {
        rc = store_status_from_sqlite(src);
        snprintf(err, errlen, "backup to %s: %s", tmp, dst ? sqlite3_errmsg(dst) : sqlite3_errstr(src));
        goto cleanup;
    }
    sqlite3_close(dst);
    dst = NULL;
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "backup: cannot rename %s to %s: %s", tmp, path, strerror(errno));
        rc = STORE_EREADONLY;
        goto cleanup;
    }
    return STORE_OK;
cleanup:
    sqlite3_close(dst);
    remove(tmp);
    return rc == STORE_OK ? STORE_EDB : rc;
}

/* Checks that db (a copy to restore) is an attrition database this program can read: a
 * schema version from 1 to STORE_SCHEMA_VERSION, a report table, quick_check ok.
 * STORE_OK or STORE_ECORRUPT with a message in err. */
static int restore_check(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    sqlite3_stmt *stmt = NULL;
    int64_t version = -1, reports = -1;
    const char *why = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        version = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    stmt = NULL;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM report", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        reports = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    stmt = NULL;
    if (version < 1 || reports < 0)
        why = "not an attrition database";
    else if (version > STORE_SCHEMA_VERSION)
        why = "its schema is newer than this program's";
    else if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &stmt, NULL) != SQLITE_OK ||
             sqlite3_step(stmt) != SQLITE_ROW ||
             strcmp((const char *)sqlite3_column_text(stmt, 0), "ok") != 0)
        why = "it is damaged";
    sqlite3_finalize(stmt);
    if (why) {
        snprintf(err, errlen, "cannot restore %s: %s%s%s%s", path, why,
                 sqlite3_errcode(db) != SQLITE_OK ? " (" : "",
                 sqlite3_errcode(db) != SQLITE_OK ? sqlite3_errmsg(db) : "",
                 sqlite3_errcode(db) != SQLITE_OK ? ")" : "");
        return STORE_ECORRUPT;
    }
    return STORE_OK;
}

/* Sets the data version of the database db (a copy) to v and last_modified to now. An
 * SQLite code. */
static int copy_set_version(sqlite3 *db, uint64_t v)
{
    char sql[200];
    snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO meta(key, value) VALUES('data_version', "
             "'%llu'); INSERT OR REPLACE INTO meta(key, value) VALUES('last_modified', "
             "CAST(strftime('%%s', 'now') AS TEXT))", (unsigned long long)v);
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* The data version of the database db (a copy); 0 when absent. */
static uint64_t copy_version(sqlite3 *db)
{
    sqlite3_stmt *stmt = NULL;
    uint64_t v = 0;
    if (sqlite3_prepare_v2(db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = "
                               "'data_version'", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        v = (uint64_t)sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

/* PRAGMA page_size of db; 0 when it cannot be read. */
static int64_t page_size_of(sqlite3 *db)
{
    sqlite3_stmt *stmt = NULL;
    int64_t v = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

int store_restore(store *st, const char *path, char *err, size_t errlen)
{
    sqlite3 *src = NULL, *mem = NULL;
    int rc, fresh = 0, orc;
    uint64_t before = store_data_version(st);
    if ((orc = sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL)) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path,
                 src ? sqlite3_errmsg(src) : sqlite3_errstr(orc));
        sqlite3_close(src);
        return STORE_ENOTFOUND;
    }
    if ((rc = restore_check(src, path, err, errlen)) != STORE_OK)
        goto cleanup;
    /* Through memory, so that the live file changes in ONE commit that already carries a
     * data version above both the live one and the copy's (no cached answer of either is
     * taken for current). */
    rc = STORE_EDB;
    if ((orc = sqlite3_open(":memory:", &mem)) != SQLITE_OK ||
        (orc = backup_copy(mem, src)) != SQLITE_OK ||
        (orc = copy_set_version(mem, (before > copy_version(mem) ? before
                                                                 : copy_version(mem)) + 1)) != SQLITE_OK) {
        rc = store_status_from_sqlite(orc);
        snprintf(err, errlen, "reading %s: %s", path, mem ? sqlite3_errmsg(mem) : "out of memory");
        goto cleanup;
    }
    /* A database in WAL mode keeps its page size: a copy of another one cannot go in. */
    int64_t live_ps = page_size_of(st->db), copy_ps = page_size_of(mem);
    if (live_ps != copy_ps) {
        rc = STORE_EINVAL;
        snprintf(err, errlen, "cannot restore %s: its page size (%lld bytes) is not the "
                 "database's (%lld); change it first: sqlite3 %s 'PRAGMA journal_mode = DELETE; "
                 "PRAGMA page_size = %lld; VACUUM'", path, (long long)copy_ps, (long long)live_ps,
                 path, (long long)live_ps);
        goto cleanup;
    }
    if ((orc = backup_copy(st->db, mem)) != SQLITE_OK) {
        rc = store_status_from_sqlite(orc);
        snprintf(err, errlen, "restoring %s: %s", path, sqlite3_errmsg(st->db));
        goto cleanup;
    }
    /* The copy may be of an older schema: migrate it. */
    rc = apply_schema(st, 0, &fresh, err, errlen);
cleanup:
    sqlite3_close(mem);
    sqlite3_close(src);
    return rc;
}
