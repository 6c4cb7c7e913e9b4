/* Deployment estimates in SQL (table `deployment` of config/schema.sql): binding, reading
 * rows, and the statements behind deploy_store.c. Contracts: core/deploy_db.h. */
#include "deploy_db.h"
#include "array.h"
#include "deploy_internal.h"
#include "attrition/stats.h"
#include "attrition/date.h"
#include "attrition/text.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define COLUMNS "id, country, deployed_to, figure, low, high, kind, as_of, target_date, " \
                "description, source_name, source_url"

/* The deploy status of a store status (a database failure). */
static int deploy_status(int rc)
{
    return rc == STORE_ENOMEM ? DEPLOY_ENOMEM : DEPLOY_EDB;
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

/* Prepares sql (db_prepare) with the fields of fmt (FMT_IDENTITY or FMT_ALL, then
 * optionally "i": id follows them) of e (which passed deploy_validate) bound to ?1... The
 * caller finalizes the statement; NULL on failure (db_status(d) says why). */
static db_stmt *prepare_estimate(db *d, const char *sql, const char *fmt,
                                      const deploy_estimate *e, int64_t id)
{
    char as_of[DATE_STR_LEN], target[DATE_STR_LEN];
    return db_prepare(d, sql, fmt, e->country, e->deployed_to, e->figure,
                            e->has_low ? e->low : STATS_NONE, e->has_high ? e->high : STATS_NONE,
                            deploy_kind_name(e->kind), date_text(e->as_of, as_of),
                            date_text(e->target_date, target), e->source_name, e->description,
                            e->source_url, id);
}

/* Column i as a new string in *out (NULL for SQL NULL). Returns a deploy status. */
static int column_strdup(db_stmt *st, int i, char **out)
{
    const char *s;
    *out = NULL;
    if (db_column_null(st, i))
        return DEPLOY_OK;
    s = db_column_text(st, i);
    if (s == NULL)
        return DEPLOY_ENOMEM;
    *out = strdup(s);
    return *out ? DEPLOY_OK : DEPLOY_ENOMEM;
}

/* Column i as a day number (DEPLOY_NO_DATE for NULL). Returns a deploy status. */
static int column_date(db_stmt *st, int i, int *day)
{
    const char *s;
    *day = DEPLOY_NO_DATE;
    if (db_column_null(st, i))
        return DEPLOY_OK;
    s = (const char *)db_column_text(st, i);
    if (s == NULL)
        return DEPLOY_ENOMEM;
    return date_parse(s, day) == 0 && *day >= DEPLOY_DAY_MIN ? DEPLOY_OK : DEPLOY_EDB;
}

static int column_code(db_stmt *st, int i, char out[3])
{
    const char *s = (const char *)db_column_text(st, i);
    if (s == NULL)
        return db_column_null(st, i) ? DEPLOY_EDB : DEPLOY_ENOMEM;
    if (strlen(s) != 2)
        return DEPLOY_EDB;
    memcpy(out, s, 3);
    return DEPLOY_OK;
}

/* Reads the current row (selected as COLUMNS) into *e, which it initialises. Returns a
 * deploy status (DEPLOY_EDB for a row it cannot read); on failure *e owns nothing. */
static int row_read(db_stmt *st, deploy_estimate *e)
{
    int status;
    deploy_estimate_init(e);
    e->id = db_column_int64(st, 0);
    e->figure = db_column_int64(st, 3);
    e->has_low = !db_column_null(st, 4);
    e->low = e->has_low ? db_column_int64(st, 4) : 0;
    e->has_high = !db_column_null(st, 5);
    e->high = e->has_high ? db_column_int64(st, 5) : 0;
    e->kind = deploy_kind_parse((const char *)db_column_text(st, 6));
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

int deploy_db_list(db *d, const deploy_filter *f, deploy_estimate **out, size_t *n)
{
    static const char sql[] =
        "SELECT " COLUMNS " FROM deployment"
        " WHERE (?1 IS NULL OR country = ?1) AND (?2 IS NULL OR deployed_to = ?2)"
        " AND (?3 IS NULL OR as_of >= ?3) AND (?4 IS NULL OR as_of <= ?4)"
        " ORDER BY as_of, id";
    static const deploy_filter all = {NULL, NULL, NULL, DATE_NONE, DATE_NONE};
    char from[DATE_STR_LEN], to[DATE_STR_LEN];
    db_stmt *st = NULL;
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
    /* the source filter (a substring, ASCII case-insensitive) in C: no SQL function for it
     * is common to both backends */
    st = db_prepare(d, sql, "tttt", f->country, f->deployed_to, date_text(f->from, from),
                    date_text(f->to, to));
    if (st == NULL) {
        status = deploy_status(db_status(d));
        goto cleanup;
    }
    while ((rc = db_step(st)) == DB_ROW) {
        deploy_estimate *nv = array_room(v, count, &cap, sizeof *v, 8);
        if (nv == NULL) {
            status = DEPLOY_ENOMEM;
            goto cleanup;
        }
        v = nv;
        status = row_read(st, &v[count]);
        if (status != DEPLOY_OK)
            goto cleanup;
        if (f->source && strcasestr(v[count].source_name, f->source) == NULL) {
            deploy_estimate_clear(&v[count]);
            continue;
        }
        count++;
    }
    if (rc != DB_DONE) {
        status = deploy_status(rc);
        goto cleanup;
    }
    *out = v;
    *n = count;
    v = NULL;
    count = 0;
cleanup:
    db_finalize(st);
    deploy_list_free(v, count);
    return status;
}

int deploy_db_get(db *d, int64_t id, deploy_estimate *out)
{
    static const char sql[] = "SELECT " COLUMNS " FROM deployment WHERE id = ?1";
    db_stmt *st = NULL;
    int rc, status;

    deploy_estimate_init(out);
    if ((st = db_prepare(d, sql, "i", id)) == NULL) {
        status = deploy_status(db_status(d));
        goto cleanup;
    }
    rc = db_step(st);
    if (rc != DB_ROW) {
        status = rc == DB_DONE ? DEPLOY_ENOTFOUND : deploy_status(rc);
        goto cleanup;
    }
    status = row_read(st, out);
    if (status != DEPLOY_OK)
        goto cleanup;
    rc = db_step(st);
    if (rc != DB_DONE) {
        status = deploy_status(rc);
        deploy_estimate_clear(out);
    }
cleanup:
    db_finalize(st);
    return status;
}

/* Runs a write statement prepared by the caller (st; NULL: its preparation failed), steps
 * it once to DB_DONE and finalizes it. *changes gets the number of rows changed.
 * Returns a deploy status. */
static int write_one(db *d, db_stmt *st, int *changes)
{
    int64_t n = 0;
    *changes = 0;
    if (st == NULL)
        return deploy_status(db_status(d));
    int rc = db_run(st, &n);
    *changes = (int)n;
    return rc == STORE_OK ? DEPLOY_OK : deploy_status(rc);
}

/* The id the next new estimate gets into *id: meta 'deployment_next_id', and never one at
 * or below an id stored or tombstoned (a database whose meta row is missing or behind). A
 * deploy status. */
static int next_id(db *d, int64_t *id)
{
    db_stmt *st = db_prepare(d,
        "SELECT (SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'deployment_next_id'), "
        "(SELECT max(id) FROM deployment), (SELECT max(id) FROM deployment_deleted)", "");
    int rc = st ? db_step(st) : db_status(d);
    if (rc == DB_ROW) {
        int64_t a = db_column_int64(st, 0), b = db_column_int64(st, 1) + 1,
                c = db_column_int64(st, 2) + 1;
        *id = a > b ? a : b;
        *id = *id > c ? *id : c;
        *id = *id > 0 ? *id : 1;
    }
    db_finalize(st);
    return rc == DB_ROW ? DEPLOY_OK : deploy_status(rc);
}

/* Moves meta 'deployment_next_id' past id (never back). A deploy status. */
static int next_id_past(db *d, int64_t id)
{
    char v[24];
    int changes;
    snprintf(v, sizeof v, "%lld", (long long)id + 1);
    return write_one(d, db_prepare(d,
        "INSERT INTO meta(key, value) VALUES('deployment_next_id', ?1) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value "
        "WHERE CAST(meta.value AS BIGINT) < CAST(excluded.value AS BIGINT)", "t", v), &changes);
}

static const char insert_sql[] = /* also deploy_db_import_json */
    "INSERT INTO deployment (id, country, deployed_to, figure, low, high, kind, as_of,"
    " target_date, source_name, description, source_url)"
    " VALUES (?12, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

/* Inserts e (which passed deploy_validate) under a new id, into *id. A deploy status. */
static int insert_new(db *d, const deploy_estimate *e, int64_t *id)
{
    int changes, status = next_id(d, id);
    if (status == DEPLOY_OK)
        status = write_one(d, prepare_estimate(d, insert_sql, FMT_ALL "i", e, *id), &changes);
    if (status == DEPLOY_OK)
        status = next_id_past(d, *id);
    return status;
}

int deploy_db_create(db *d, deploy_estimate *e)
{
    int64_t id;
    if (d == NULL || deploy_validate(e, INT_MAX, NULL, 0) != DEPLOY_OK)
        return DEPLOY_EINVAL;
    int status = insert_new(d, e, &id);
    if (status == DEPLOY_OK)
        e->id = id;
    return status;
}

int deploy_db_replace(db *d, const deploy_estimate *e)
{
    static const char sql[] =
        "UPDATE deployment SET country = ?1, deployed_to = ?2, figure = ?3, low = ?4,"
        " high = ?5, kind = ?6, as_of = ?7, target_date = ?8, source_name = ?9,"
        " description = ?10, source_url = ?11 WHERE id = ?12";
    int changes, status;
    if (d == NULL || deploy_validate(e, INT_MAX, NULL, 0) != DEPLOY_OK)
        return DEPLOY_EINVAL;
    status = write_one(d, prepare_estimate(d, sql, FMT_ALL "i", e, e->id), &changes);
    if (status == DEPLOY_OK && changes == 0)
        status = DEPLOY_ENOTFOUND;
    return status;
}

int deploy_db_delete(db *d, int64_t id)
{
    int changes, status;
    if (d == NULL)
        return DEPLOY_EINVAL;
    status = write_one(d, db_prepare(d, "DELETE FROM deployment WHERE id = ?1", "i", id),
                       &changes);
    if (status == DEPLOY_OK && changes == 0)
        status = DEPLOY_ENOTFOUND;
    if (status == DEPLOY_OK)
        status = deploy_db_tombstone(d, id, NULL);
    return status;
}

int deploy_db_tombstone(db *d, int64_t id, const char *deleted_at)
{
    char now[TEXT_ISO_SIZE];
    int changes, status;
    if (deleted_at == NULL) {
        text_now_iso(now);
        deleted_at = now;
    }
    status = write_one(d, db_prepare(d, "DELETE FROM deployment WHERE id = ?1", "i", id), &changes);
    if (status == DEPLOY_OK)
        status = write_one(d, db_prepare(d, "INSERT INTO deployment_deleted(id, deleted_at) "
                                            "VALUES(?1, ?2) ON CONFLICT(id) DO UPDATE SET "
                                            "deleted_at = excluded.deleted_at", "it", id,
                                         deleted_at), &changes);
    /* a tombstoned id is never given again, even when it was the largest */
    if (status == DEPLOY_OK)
        status = next_id_past(d, id);
    return status;
}

int deploy_db_put(db *d, const deploy_estimate *e)
{
    static const char sql[] =
        "INSERT INTO deployment (id, country, deployed_to, figure, low, high, kind, as_of,"
        " target_date, source_name, description, source_url)"
        " VALUES (?12, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        " ON CONFLICT(id) DO UPDATE SET country = ?1, deployed_to = ?2, figure = ?3, low = ?4,"
        " high = ?5, kind = ?6, as_of = ?7, target_date = ?8, source_name = ?9,"
        " description = ?10, source_url = ?11";
    int changes, status;
    if (d == NULL || e->id <= 0 || deploy_validate(e, INT_MAX, NULL, 0) != DEPLOY_OK)
        return DEPLOY_EINVAL;
    status = write_one(d, prepare_estimate(d, sql, FMT_ALL "i", e, e->id), &changes);
    if (status == DEPLOY_OK)
        status = write_one(d, db_prepare(d, "DELETE FROM deployment_deleted WHERE id = ?1", "i", e->id), &changes);
    if (status == DEPLOY_OK)
        status = next_id_past(d, e->id);
    return status;
}

/* ---- import ---------------------------------------------------------------------------- */

/* 1 if an estimate identical to e (see deploy_import_json) is stored, 0 if not, or a
 * negative deploy status. */
static int import_exists(db *d, const deploy_estimate *e)
{
    static const char sql[] =
        "SELECT EXISTS (SELECT 1 FROM deployment WHERE country = ?1 AND deployed_to = ?2"
        " AND figure = ?3 AND low IS NOT DISTINCT FROM ?4 AND high IS NOT DISTINCT FROM ?5"
        " AND kind = ?6 AND as_of = ?7 AND target_date IS NOT DISTINCT FROM ?8"
        " AND source_name = ?9)";
    db_stmt *st = NULL;
    int rc, result;

    if ((st = prepare_estimate(d, sql, FMT_IDENTITY, e, 0)) == NULL) {
        result = deploy_status(db_status(d));
        goto cleanup;
    }
    rc = db_step(st);
    if (rc != DB_ROW) {
        result = deploy_status(rc);
        goto cleanup;
    }
    result = (int)db_column_int64(st, 0) != 0;
    rc = db_step(st);
    if (rc != DB_DONE)
        result = deploy_status(rc);
cleanup:
    db_finalize(st);
    return result;
}

int deploy_db_import_json(db *d, const char *json_text, size_t len, int today,
                          size_t *added, char *err, size_t errlen)
{
    deploy_estimate *v = NULL;
    size_t n = 0, count = 0, i = 0;
    int status, in_savepoint = 0, rc, own = 0;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    *added = 0;
    if (d == NULL || json_text == NULL) {
        text_message(err, errlen, "no database or no text");
        return DEPLOY_EINVAL;
    }
    status = deploy_parse_document(json_text, len, today, &v, &n, err, errlen);
    if (status != DEPLOY_OK)
        goto cleanup;
    /* inside the caller's transaction a savepoint; alone, a transaction of its own
     * (PostgreSQL has no savepoint outside a transaction) */
    own = !db_in_transaction(d);
    rc = own ? db_begin(d) : db_exec(d, "SAVEPOINT deploy_import");
    if (rc != STORE_OK) {
        status = deploy_status(rc);
        text_message(err, errlen, "database: %s", db_errmsg(d));
        goto cleanup;
    }
    in_savepoint = 1;
    for (i = 0; i < n; i++) {
        int64_t id;
        int found = import_exists(d, &v[i]);
        if (found < 0) {
            status = found;
            break;
        }
        if (found)
            continue;
        status = insert_new(d, &v[i], &id);
        if (status != DEPLOY_OK)
            break;
        count++;
    }
    if (status != DEPLOY_OK) {
        text_message(err, errlen, "deployments[%zu]: database: %s", i, db_errmsg(d));
        goto cleanup;
    }
    rc = own ? db_commit(d) : db_exec(d, "RELEASE deploy_import");
    if (rc != STORE_OK) {
        status = deploy_status(rc);
        text_message(err, errlen, "database: %s", db_errmsg(d));
        goto cleanup;
    }
    in_savepoint = 0;
    *added = count;
cleanup:
    if (in_savepoint && own) {
        db_rollback(d);
    } else if (in_savepoint) {
        /* undoes every insert; RELEASE then ends the savepoint */
        db_exec(d, "ROLLBACK TO deploy_import");
        db_exec(d, "RELEASE deploy_import");
    }
    deploy_list_free(v, n);
    return status;
}

/* ---- summary ---------------------------------------------------------------------------- */

int deploy_db_summary_compute(db *d, const char *country, const char *deployed_to,
                              deploy_summary *out)
{
    deploy_filter f = {country, deployed_to, NULL, DATE_NONE, DATE_NONE};
    deploy_estimate *history = NULL;
    size_t n = 0;
    int status;
    deploy_summary_init(out);
    if (d == NULL || country == NULL || deployed_to == NULL)
        return DEPLOY_EINVAL;
    status = deploy_db_list(d, &f, &history, &n);
    return status == DEPLOY_OK ? deploy_summary_of(history, n, out) : status;
}
