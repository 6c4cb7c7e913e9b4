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

/* A day number as "YYYY-MM-DD" in buf, or NULL for DEPLOY_NO_DATE (bound as NULL). */
static const char *date_text(int day, char buf[DATE_STR_LEN])
{
    return day == DEPLOY_NO_DATE ? NULL : date_format(day, buf);
}

/* The stored fields of an estimate in parameter order, as store_prepare formats: the nine
 * that make its identity (deploy_import_json) first (country, deployed_to, figure, low,
 * high, kind, as_of, target_date, source_name), then description and source_url. An absent
 * low or high is STATS_NONE ('n': bound as NULL). */
#define FMT_IDENTITY "ttinntttt"
#define FMT_ALL FMT_IDENTITY "tt"

/* Prepares sql (store_prepare_db) with the fields of fmt (FMT_IDENTITY or FMT_ALL, then
 * optionally "i": id follows them) of e (which passed deploy_validate) bound to ?1... The
 * caller finalizes the statement; NULL on failure (sqlite3_errcode(db) says why). */
static sqlite3_stmt *prepare_estimate(sqlite3 *db, const char *sql, const char *fmt,
                                      const deploy_estimate *e, int64_t id)
{
    char as_of[DATE_STR_LEN], target[DATE_STR_LEN];
    return store_prepare_db(db, sql, fmt, e->country, e->deployed_to, e->figure,
                            e->has_low ? e->low : STATS_NONE, e->has_high ? e->high : STATS_NONE,
                            deploy_kind_name(e->kind), date_text(e->as_of, as_of),
                            date_text(e->target_date, target), e->source_name, e->description,
                            e->source_url, id);
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

int deploy_db_list(sqlite3 *db, const deploy_filter *f, deploy_estimate **out, size_t *n)
{
    static const char sql[] =
        "SELECT " COLUMNS " FROM deployment"
        " WHERE (?1 IS NULL OR country = ?1) AND (?2 IS NULL OR deployed_to = ?2)"
        " AND (?3 IS NULL OR instr(lower(source_name), lower(?3)) > 0)"
        " AND (?4 IS NULL OR as_of >= ?4) AND (?5 IS NULL OR as_of <= ?5)"
        " ORDER BY as_of, id";
    static const deploy_filter all = {NULL, NULL, NULL, DATE_NONE, DATE_NONE};
    char from[DATE_STR_LEN], to[DATE_STR_LEN];
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
    st = store_prepare_db(db, sql, "ttttt", f->country, f->deployed_to, f->source,
                          date_text(f->from, from), date_text(f->to, to));
    if (st == NULL) {
        status = db_status(sqlite3_errcode(db));
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
    if ((st = store_prepare_db(db, sql, "i", id)) == NULL) {
        status = db_status(sqlite3_errcode(db));
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

/* Runs a write statement prepared by the caller (st; NULL: its preparation failed), steps
 * it once to SQLITE_DONE and finalizes it. *changes gets the number of rows changed.
 * Returns a deploy status. */
static int write_one(sqlite3 *db, sqlite3_stmt *st, int *changes)
{
    int rc, status = DEPLOY_OK;

    *changes = 0;
    if (st == NULL)
        return db_status(sqlite3_errcode(db));
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        status = db_status(rc);
    else
        *changes = sqlite3_changes(db);
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
    status = write_one(db, prepare_estimate(db, insert_sql, FMT_ALL, e, 0), &changes);
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
    status = write_one(db, prepare_estimate(db, sql, FMT_ALL "i", e, e->id), &changes);
    if (status == DEPLOY_OK && changes == 0)
        status = DEPLOY_ENOTFOUND;
    return status;
}

int deploy_db_delete(sqlite3 *db, int64_t id)
{
    int changes, status;
    if (db == NULL)
        return DEPLOY_EINVAL;
    status = write_one(db, store_prepare_db(db, "DELETE FROM deployment WHERE id = ?1", "i", id),
                       &changes);
    if (status == DEPLOY_OK && changes == 0)
        status = DEPLOY_ENOTFOUND;
    if (status == DEPLOY_OK)
        status = deploy_db_tombstone(db, id, NULL);
    return status;
}

int deploy_db_tombstone(sqlite3 *db, int64_t id, const char *deleted_at)
{
    int changes, status;
    status = write_one(db, store_prepare_db(db, "DELETE FROM deployment WHERE id = ?1", "i", id), &changes);
    if (status == DEPLOY_OK)
        status = write_one(db, store_prepare_db(db, "INSERT OR REPLACE INTO deployment_deleted(id, deleted_at) "
                               "VALUES(?1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))", "i", id), &changes);
    if (status == DEPLOY_OK && deleted_at) {
        status = write_one(db, store_prepare_db(db, "UPDATE deployment_deleted SET deleted_at = ?2 "
                                                    "WHERE id = ?1", "it", id, deleted_at),
                           &changes);
    }
    /* AUTOINCREMENT gives ids above max(rowid, sqlite_sequence): keep a tombstoned id in
     * sqlite_sequence so that it is never given again, even when it was the largest. */
    if (status == DEPLOY_OK)
        status = write_one(db, store_prepare_db(db, "UPDATE sqlite_sequence SET seq = max(seq, ?1) "
                               "WHERE name = 'deployment'", "i", id), &changes);
    if (status == DEPLOY_OK && changes == 0)
        status = write_one(db, store_prepare_db(db, "INSERT INTO sqlite_sequence(name, seq) VALUES('deployment', ?1)", "i", id), &changes);
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
    status = write_one(db, prepare_estimate(db, sql, FMT_ALL "i", e, e->id), &changes);
    if (status == DEPLOY_OK)
        status = write_one(db, store_prepare_db(db, "DELETE FROM deployment_deleted WHERE id = ?1", "i", e->id), &changes);
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

    if ((st = prepare_estimate(db, sql, FMT_IDENTITY, e, 0)) == NULL) {
        result = db_status(sqlite3_errcode(db));
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
        status = write_one(db, prepare_estimate(db, insert_sql, FMT_ALL, &v[i], 0), &changes);
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
