/* Deployment estimates in SQL (table `deployment` of config/schema.sql): binding, reading
 * rows, and the statements behind deploy_store.c. Contracts: core/deploy_db.h. */
#include "deploy_db.h"
#include "array.h"
#include "deploy_internal.h"
#include "store_internal.h"
#include "attrition/date.h"
#include "attrition/text.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define COLUMNS "id, country, deployed_to, figure, low, high, kind, as_of, target_date, " \
                "description, source_name, source_url"

/* The deploy status of an SQLite failure, through the store's one mapping. */
static int db_status(int rc)
{
    return store_status_from_sqlite(rc) == STORE_ENOMEM ? DEPLOY_ENOMEM : DEPLOY_EDB;
}

/* Binds a day number as "YYYY-MM-DD", or NULL for DEPLOY_NO_DATE. Returns an SQLite code. */
static int bind_date(sqlite3_stmt *st, int i, int day)
{
    char buf[DATE_STR_LEN];
    if (day == DEPLOY_NO_DATE)
        return sqlite3_bind_null(st, i);
    return sqlite3_bind_text(st, i, date_format(day, buf), -1, SQLITE_TRANSIENT);
}

static int bind_opt_int(sqlite3_stmt *st, int i, int has, int64_t v)
{
    return has ? sqlite3_bind_int64(st, i, v) : sqlite3_bind_null(st, i);
}

static int bind_opt_text(sqlite3_stmt *st, int i, const char *s)
{
    return s != NULL ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT)
                     : sqlite3_bind_null(st, i);
}

/* The stored fields of e in parameter order: the nine that make an estimate's identity
 * (deploy_import_json) first, then description and source_url. */
#define BIND_IDENTITY 9
#define BIND_ALL 11

/* Binds the first n (BIND_IDENTITY or BIND_ALL) stored fields of e to ?1..?n:
 * country, deployed_to, figure, low, high, kind, as_of, target_date, source_name,
 * description, source_url. Returns an SQLite code. e must have passed deploy_validate. */
static int bind_estimate(sqlite3_stmt *st, const deploy_estimate *e, int n)
{
    int rc = sqlite3_bind_text(st, 1, e->country, -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 2, e->deployed_to, -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 3, e->figure);
    if (rc == SQLITE_OK)
        rc = bind_opt_int(st, 4, e->has_low, e->low);
    if (rc == SQLITE_OK)
        rc = bind_opt_int(st, 5, e->has_high, e->high);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 6, deploy_kind_name(e->kind), -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = bind_date(st, 7, e->as_of);
    if (rc == SQLITE_OK)
        rc = bind_date(st, 8, e->target_date);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 9, e->source_name, -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK && n > BIND_IDENTITY)
        rc = bind_opt_text(st, 10, e->description);
    if (rc == SQLITE_OK && n > BIND_IDENTITY)
        rc = bind_opt_text(st, 11, e->source_url);
    return rc;
}

/* Column i as a new string in *out (NULL for SQL NULL). Returns a deploy status. */
static int column_strdup(sqlite3_stmt *st, int i, char **out)
{
    const unsigned char *s;
    int n;
    *out = NULL;
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return DEPLOY_OK;
    s = sqlite3_column_text(st, i);
    n = sqlite3_column_bytes(st, i);
    if (s == NULL)
        return DEPLOY_ENOMEM;
    *out = malloc((size_t)n + 1);
    if (*out == NULL)
        return DEPLOY_ENOMEM;
    memcpy(*out, s, (size_t)n + 1);
    return DEPLOY_OK;
}

/* Column i as a day number (DEPLOY_NO_DATE for NULL). Returns a deploy status. */
static int column_date(sqlite3_stmt *st, int i, int *day)
{
    const char *s;
    *day = DEPLOY_NO_DATE;
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return DEPLOY_OK;
    s = (const char *)sqlite3_column_text(st, i);
    if (s == NULL)
        return DEPLOY_ENOMEM;
    return date_parse(s, day) == 0 && *day >= DEPLOY_DAY_MIN ? DEPLOY_OK : DEPLOY_EDB;
}

static int column_code(sqlite3_stmt *st, int i, char out[3])
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    if (s == NULL)
        return sqlite3_column_type(st, i) == SQLITE_NULL ? DEPLOY_EDB : DEPLOY_ENOMEM;
    if (strlen(s) != 2)
        return DEPLOY_EDB;
    memcpy(out, s, 3);
    return DEPLOY_OK;
}

/* Reads the current row (selected as COLUMNS) into *e, which it initialises. Returns a
 * deploy status (DEPLOY_EDB for a row it cannot read); on failure *e owns nothing. */
static int row_read(sqlite3_stmt *st, deploy_estimate *e)
{
    int status;
    deploy_estimate_init(e);
    e->id = sqlite3_column_int64(st, 0);
    e->figure = sqlite3_column_int64(st, 3);
    e->has_low = sqlite3_column_type(st, 4) != SQLITE_NULL;
    e->low = e->has_low ? sqlite3_column_int64(st, 4) : 0;
    e->has_high = sqlite3_column_type(st, 5) != SQLITE_NULL;
    e->high = e->has_high ? sqlite3_column_int64(st, 5) : 0;
    e->kind = deploy_kind_parse((const char *)sqlite3_column_text(st, 6));
    status = e->kind < 0 ? DEPLOY_EDB : DEPLOY_OK;
    if (status == DEPLOY_OK)
        status = column_code(st, 1, e->country);
    if (status == DEPLOY_OK)
        status = column_code(st, 2, e->deployed_to);
    if (status == DEPLOY_OK)
        status = column_date(st, 7, &e->as_of);
    if (status == DEPLOY_OK)
        status = column_date(st, 8, &e->target_date);
    if (status == DEPLOY_OK)
        status = column_strdup(st, 9, &e->description);
    if (status == DEPLOY_OK)
        status = column_strdup(st, 10, &e->source_name);
    if (status == DEPLOY_OK)
        status = column_strdup(st, 11, &e->source_url);
    if (status == DEPLOY_OK && e->source_name == NULL)
        status = DEPLOY_EDB;
    if (status != DEPLOY_OK)
        deploy_estimate_clear(e);
    return status;
}

/* Binds f to ?1..?5 of deploy_db_list's statement. Returns an SQLite code. */
static int bind_filter(sqlite3_stmt *st, const deploy_filter *f)
{
    int rc = bind_opt_text(st, 1, f->country);
    if (rc == SQLITE_OK)
        rc = bind_opt_text(st, 2, f->deployed_to);
    if (rc == SQLITE_OK)
        rc = bind_opt_text(st, 3, f->source);
    if (rc == SQLITE_OK)
        rc = bind_date(st, 4, f->from);
    if (rc == SQLITE_OK)
        rc = bind_date(st, 5, f->to);
    return rc;
}

int deploy_db_list(sqlite3 *db, const deploy_filter *f, deploy_estimate **out, size_t *n)
{
    static const char sql[] =
        "SELECT " COLUMNS " FROM deployment"
        " WHERE (?1 IS NULL OR country = ?1) AND (?2 IS NULL OR deployed_to = ?2)"
        " AND (?3 IS NULL OR instr(lower(source_name), lower(?3)) > 0)"
        " AND (?4 IS NULL OR as_of >= ?4) AND (?5 IS NULL OR as_of <= ?5)"
        " ORDER BY as_of, id";
    static const deploy_filter all = {NULL, NULL, NULL, DATE_NONE, DATE_NONE};
    sqlite3_stmt *st = NULL;
    deploy_estimate *v = NULL;
    size_t count = 0, cap = 0;
    int rc, status = DEPLOY_OK;

    *out = NULL;
    *n = 0;
    if (f == NULL)
        f = &all;
    if ((f->from != DATE_NONE && !deploy_day_in_range(f->from)) ||
        (f->to != DATE_NONE && !deploy_day_in_range(f->to)))
        return DEPLOY_EINVAL;
    rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = bind_filter(st, f);
    if (rc != SQLITE_OK) {
        status = db_status(rc);
        goto cleanup;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        deploy_estimate *nv = array_room(v, count, &cap, sizeof *v, 8);
        if (nv == NULL) {
            status = DEPLOY_ENOMEM;
            goto cleanup;
        }
        v = nv;
        status = row_read(st, &v[count]);
        if (status != DEPLOY_OK)
            goto cleanup;
        count++;
    }
    if (rc != SQLITE_DONE) {
        status = db_status(rc);
        goto cleanup;
    }
    *out = v;
    *n = count;
    v = NULL;
    count = 0;
cleanup:
    sqlite3_finalize(st);
    deploy_list_free(v, count);
    return status;
}

int deploy_db_get(sqlite3 *db, int64_t id, deploy_estimate *out)
{
    static const char sql[] = "SELECT " COLUMNS " FROM deployment WHERE id = ?1";
    sqlite3_stmt *st = NULL;
    int rc, status;

    deploy_estimate_init(out);
    rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 1, id);
    if (rc != SQLITE_OK) {
        status = db_status(rc);
        goto cleanup;
    }
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        status = rc == SQLITE_DONE ? DEPLOY_ENOTFOUND : db_status(rc);
        goto cleanup;
    }
    status = row_read(st, out);
    if (status != DEPLOY_OK)
        goto cleanup;
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        status = db_status(rc);
        deploy_estimate_clear(out);
    }
cleanup:
    sqlite3_finalize(st);
    return status;
}

/* Runs a write statement: prepares sql, binds e (if not NULL) to ?1..?11 and id (if
 * id_param > 0) to ?id_param, steps once to SQLITE_DONE. *changes gets the number of rows
 * changed. Returns a deploy status. */
static int write_one(sqlite3 *db, const char *sql, const deploy_estimate *e, int id_param,
                     int64_t id, int *changes)
{
    sqlite3_stmt *st = NULL;
    int rc, status = DEPLOY_OK;

    *changes = 0;
    rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK && e != NULL)
        rc = bind_estimate(st, e, BIND_ALL);
    if (rc == SQLITE_OK && id_param > 0)
        rc = sqlite3_bind_int64(st, id_param, id);
    if (rc != SQLITE_OK) {
        status = db_status(rc);
        goto cleanup;
    }
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        status = db_status(rc);
        goto cleanup;
    }
    *changes = sqlite3_changes(db);
cleanup:
    sqlite3_finalize(st);
    return status;
}

static const char insert_sql[] = /* also deploy_db_import_json */
    "INSERT INTO deployment (country, deployed_to, figure, low, high, kind, as_of,"
    " target_date, source_name, description, source_url)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

int deploy_db_create(sqlite3 *db, deploy_estimate *e)
{
    int changes, status;
    if (db == NULL || deploy_validate(e, INT_MAX, NULL, 0) != DEPLOY_OK)
        return DEPLOY_EINVAL;
    status = write_one(db, insert_sql, e, 0, 0, &changes);
    if (status == DEPLOY_OK)
        e->id = sqlite3_last_insert_rowid(db);
    return status;
}

int deploy_db_replace(sqlite3 *db, const deploy_estimate *e)
{
    static const char sql[] =
        "UPDATE deployment SET country = ?1, deployed_to = ?2, figure = ?3, low = ?4,"
        " high = ?5, kind = ?6, as_of = ?7, target_date = ?8, source_name = ?9,"
        " description = ?10, source_url = ?11 WHERE id = ?12";
    int changes, status;
    if (db == NULL || deploy_validate(e, INT_MAX, NULL, 0) != DEPLOY_OK)
        return DEPLOY_EINVAL;
    status = write_one(db, sql, e, 12, e->id, &changes);
    if (status == DEPLOY_OK && changes == 0)
        status = DEPLOY_ENOTFOUND;
    return status;
}

int deploy_db_delete(sqlite3 *db, int64_t id)
{
    int changes, status;
    if (db == NULL)
        return DEPLOY_EINVAL;
    status = write_one(db, "DELETE FROM deployment WHERE id = ?1", NULL, 1, id, &changes);
    if (status == DEPLOY_OK && changes == 0)
        status = DEPLOY_ENOTFOUND;
    if (status == DEPLOY_OK)
        status = deploy_db_tombstone(db, id, NULL);
    return status;
}

int deploy_db_tombstone(sqlite3 *db, int64_t id, const char *deleted_at)
{
    int changes, status;
    status = write_one(db, "DELETE FROM deployment WHERE id = ?1", NULL, 1, id, &changes);
    if (status == DEPLOY_OK)
        status = write_one(db, "INSERT OR REPLACE INTO deployment_deleted(id, deleted_at) "
                               "VALUES(?1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                           NULL, 1, id, &changes);
    if (status == DEPLOY_OK && deleted_at) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, "UPDATE deployment_deleted SET deleted_at = ?2 WHERE id = ?1",
                               -1, &st, NULL) != SQLITE_OK ||
            sqlite3_bind_int64(st, 1, id) != SQLITE_OK ||
            sqlite3_bind_text(st, 2, deleted_at, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
            sqlite3_step(st) != SQLITE_DONE)
            status = DEPLOY_EDB;
        sqlite3_finalize(st);
    }
    /* AUTOINCREMENT gives ids above max(rowid, sqlite_sequence): keep a tombstoned id in
     * sqlite_sequence so that it is never given again, even when it was the largest. */
    if (status == DEPLOY_OK)
        status = write_one(db, "UPDATE sqlite_sequence SET seq = max(seq, ?1) "
                               "WHERE name = 'deployment'", NULL, 1, id, &changes);
    if (status == DEPLOY_OK && changes == 0)
        status = write_one(db, "INSERT INTO sqlite_sequence(name, seq) VALUES('deployment', ?1)",
                           NULL, 1, id, &changes);
    return status;
}

int deploy_db_put(sqlite3 *db, const deploy_estimate *e)
{
    static const char sql[] =
        "INSERT INTO deployment (id, country, deployed_to, figure, low, high, kind, as_of,"
        " target_date, source_name, description, source_url)"
        " VALUES (?12, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        " ON CONFLICT(id) DO UPDATE SET country = ?1, deployed_to = ?2, figure = ?3, low = ?4,"
        " high = ?5, kind = ?6, as_of = ?7, target_date = ?8, source_name = ?9,"
        " description = ?10, source_url = ?11";
    int changes, status;
    if (db == NULL || e->id <= 0 || deploy_validate(e, INT_MAX, NULL, 0) != DEPLOY_OK)
        return DEPLOY_EINVAL;
    status = write_one(db, sql, e, 12, e->id, &changes);
    if (status == DEPLOY_OK)
        status = write_one(db, "DELETE FROM deployment_deleted WHERE id = ?1", NULL, 1, e->id,
                           &changes);
    return status;
}

/* ---- import ---------------------------------------------------------------------------- */

/* 1 if an estimate identical to e (see deploy_import_json) is stored, 0 if not, or a
 * negative deploy status. */
static int import_exists(sqlite3 *db, const deploy_estimate *e)
{
    static const char sql[] =
        "SELECT EXISTS (SELECT 1 FROM deployment WHERE country = ?1 AND deployed_to = ?2"
        " AND figure = ?3 AND low IS ?4 AND high IS ?5 AND kind = ?6 AND as_of = ?7"
        " AND target_date IS ?8 AND source_name = ?9)";
    sqlite3_stmt *st = NULL;
    int rc, result;

    rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = bind_estimate(st, e, BIND_IDENTITY);
    if (rc != SQLITE_OK) {
        result = db_status(rc);
        goto cleanup;
    }
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        result = db_status(rc);
        goto cleanup;
    }
    result = sqlite3_column_int(st, 0) != 0;
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        result = db_status(rc);
cleanup:
    sqlite3_finalize(st);
    return result;
}

int deploy_db_import_json(sqlite3 *db, const char *json_text, size_t len, int today,
                          size_t *added, char *err, size_t errlen)
{
    deploy_estimate *v = NULL;
    size_t n = 0, count = 0, i = 0;
    int status, in_savepoint = 0, rc;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    *added = 0;
    if (db == NULL || json_text == NULL) {
        text_message(err, errlen, "no database or no text");
        return DEPLOY_EINVAL;
    }
    status = deploy_parse_document(json_text, len, today, &v, &n, err, errlen);
    if (status != DEPLOY_OK)
        goto cleanup;
    rc = sqlite3_exec(db, "SAVEPOINT deploy_import", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        status = db_status(rc);
        text_message(err, errlen, "database: %s", sqlite3_errmsg(db));
        goto cleanup;
    }
    in_savepoint = 1;
    for (i = 0; i < n; i++) {
        int changes, found = import_exists(db, &v[i]);
        if (found < 0) {
            status = found;
            break;
        }
        if (found)
            continue;
        status = write_one(db, insert_sql, &v[i], 0, 0, &changes);
        if (status != DEPLOY_OK)
            break;
        count++;
    }
    if (status != DEPLOY_OK) {
        text_message(err, errlen, "deployments[%zu]: database: %s", i, sqlite3_errmsg(db));
        goto cleanup;
    }
    rc = sqlite3_exec(db, "RELEASE deploy_import", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        status = db_status(rc);
        text_message(err, errlen, "database: %s", sqlite3_errmsg(db));
        goto cleanup;
    }
    in_savepoint = 0;
    *added = count;
cleanup:
    if (in_savepoint) {
        /* undoes every insert; RELEASE then ends the savepoint (and the transaction it
         * opened, if it was the outermost) */
        sqlite3_exec(db, "ROLLBACK TO deploy_import", NULL, NULL, NULL);
        sqlite3_exec(db, "RELEASE deploy_import", NULL, NULL, NULL);
    }
    deploy_list_free(v, n);
    return status;
}

/* ---- summary ---------------------------------------------------------------------------- */

int deploy_db_summary_compute(sqlite3 *db, const char *country, const char *deployed_to,
                              deploy_summary *out)
{
    deploy_filter f = {country, deployed_to, NULL, DATE_NONE, DATE_NONE};
    deploy_estimate *history = NULL;
    size_t n = 0;
    int status;
    deploy_summary_init(out);
    if (db == NULL || country == NULL || deployed_to == NULL)
        return DEPLOY_EINVAL;
    status = deploy_db_list(db, &f, &history, &n);
    return status == DEPLOY_OK ? deploy_summary_of(history, n, out) : status;
}
