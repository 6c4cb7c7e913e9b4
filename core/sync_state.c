/* Sync bookkeeping in the store. See include/attrition/sync_state.h. */
#include "attrition/sync_state.h"
#include "store_internal.h"
#include "attrition/date.h"
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *sync_state_outcome_name(int outcome)
{
    static const char *const names[] = {"changed", "unchanged", "failed"};
    return outcome >= 0 && outcome < SYNC_N_OUTCOMES ? names[outcome] : "unknown";
}

static void copy_col(db_stmt *stmt, int i, char *out, size_t len)
{
    const char *t = db_column_text(stmt, i);
    snprintf(out, len, "%s", t ? (const char *)t : "");
}

int sync_state_url_get(store *st, const char *url, char *etag, size_t etag_len,
                       char *last_modified, size_t lm_len)
{
    etag[0] = last_modified[0] = '\0';
    db_stmt *stmt = store_prepare(st, "SELECT etag, last_modified FROM sync_url "
                                           "WHERE url = ?1", "t", url);
    if (stmt == NULL)
        return STORE_EDB;
    int step = db_step(stmt);
    int rc = step == DB_ROW ? STORE_OK : step == DB_DONE ? STORE_ENOTFOUND : STORE_EDB;
    if (step == DB_ROW) {
        copy_col(stmt, 0, etag, etag_len);
        copy_col(stmt, 1, last_modified, lm_len);
    }
    db_finalize(stmt);
    return rc;
}

int sync_state_url_set(store *st, const char *url, const char *etag, const char *last_modified)
{
    return store_run(store_prepare(st,
        "INSERT INTO sync_url(url, etag, last_modified, fetched_at) VALUES(?1, ?2, ?3, ?4) "
        "ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, "
        "last_modified = excluded.last_modified, fetched_at = excluded.fetched_at",
        "ttti", url, etag && *etag ? etag : NULL,
        last_modified && *last_modified ? last_modified : NULL, (int64_t)time(NULL)));
}

/* Drops the disagreements that no longer hold: the report is no longer the API's, or its
 * value now equals upstream's (an operator applied it with PUT). A store status. */
static int disagreements_prune(store *st)
{
    return store_run(store_prepare(st,
        "DELETE FROM sync_disagreement WHERE upstream IS NOT DISTINCT FROM (SELECT total FROM report_value v "
        "WHERE v.date = sync_disagreement.date AND v.category = sync_disagreement.category) "
        "OR NOT EXISTS (SELECT 1 FROM report r WHERE r.date = sync_disagreement.date "
        "AND r.written_by IN ('post', 'put'))", ""));
}

int sync_state_record(store *st, int outcome, int64_t at, const char *detail)
{
    int rc = disagreements_prune(st);
    if (rc != STORE_OK)
        return rc;
    return store_run(store_prepare(st,
        "INSERT INTO sync_outcome(outcome, total, last_at, detail) VALUES(?1, 1, ?2, ?3) "
        "ON CONFLICT(outcome) DO UPDATE SET total = sync_outcome.total + 1, last_at = excluded.last_at, "
        "detail = excluded.detail",
        "tit", sync_state_outcome_name(outcome), at, detail ? detail : ""));
}

int sync_state_summary_get(store *st, sync_state_summary *out)
{
    memset(out, 0, sizeof *out);
    out->last_outcome = -1;
    db_stmt *stmt = store_prepare(st, "SELECT outcome, total, last_at, detail "
                                           "FROM sync_outcome ORDER BY last_at, outcome", "");
    if (stmt == NULL)
        return STORE_EDB;
    int step;
    while ((step = db_step(stmt)) == DB_ROW) {
        const char *name = (const char *)db_column_text(stmt, 0);
        int64_t at = db_column_int64(stmt, 2);
        for (int o = 0; o < SYNC_N_OUTCOMES; o++) {
            if (name == NULL || strcmp(name, sync_state_outcome_name(o)) != 0)
                continue;
            out->total[o] = db_column_int64(stmt, 1);
            if (at >= out->last_at) {
                out->last_at = at;
                out->last_outcome = o;
                copy_col(stmt, 3, out->detail, sizeof out->detail);
            }
            if (o != SYNC_FAILED && at > out->last_success_at)
                out->last_success_at = at;
        }
    }
    db_finalize(stmt);
    if (step != DB_DONE)
        return STORE_EDB;
    /* The disagreements that still hold (see disagreements_prune), the latest described. */
    stmt = store_prepare(st,
        "SELECT count(*) OVER (), d.date, d.category, d.stored, d.upstream, d.source "
        "FROM sync_disagreement d JOIN report r ON r.date = d.date "
        "AND r.written_by IN ('post', 'put') WHERE d.upstream IS DISTINCT FROM (SELECT total FROM "
        "report_value v WHERE v.date = d.date AND v.category = d.category) "
        "ORDER BY d.seen_at DESC, d.date DESC, d.category LIMIT 1", "");
    if (stmt == NULL)
        return STORE_EDB;
    if ((step = db_step(stmt)) == DB_ROW) {
        out->disagreements = db_column_int64(stmt, 0);
        char stored[32] = "none";
        if (!db_column_null(stmt, 3))
            snprintf(stored, sizeof stored, "%lld", (long long)db_column_int64(stmt, 3));
        snprintf(out->disagreement, sizeof out->disagreement, "%s %s: stored %s (written "
                 "through the API), %.300s says %lld", db_column_text(stmt, 1),
                 db_column_text(stmt, 2), stored, db_column_text(stmt, 5),
                 (long long)db_column_int64(stmt, 4));
    }
    db_finalize(stmt);
    return step == DB_ROW || step == DB_DONE ? STORE_OK : STORE_EDB;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int sync_state_missing_days(store *st, const int *dates, size_t n, size_t *missing, int *first)
{
    int rc = STORE_ENOMEM, step;
    *missing = 0;
    *first = 0;
    int *sorted = malloc((n ? n : 1) * sizeof *sorted);
    db_stmt *stmt = NULL;
    if (sorted == NULL)
        goto cleanup;
    memcpy(sorted, dates, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_int);
    rc = STORE_EDB;
    stmt = store_prepare(st, "SELECT date FROM report ORDER BY date", "");
    if (stmt == NULL)
        goto cleanup;
    while ((step = db_step(stmt)) == DB_ROW) {
        const char *ds = (const char *)db_column_text(stmt, 0);
        int day;
        if (ds == NULL || date_parse(ds, &day) != 0)
            continue;
        if (bsearch(&day, sorted, n, sizeof *sorted, cmp_int) == NULL) {
            if ((*missing)++ == 0)
                *first = day;
        }
    }
    rc = step == DB_DONE ? STORE_OK : STORE_EDB;
cleanup:
    db_finalize(stmt);
    free(sorted);
    return rc;
}

int sync_state_latest_day(store *st, int *day)
{
    *day = 0;
    db_stmt *stmt = store_prepare(st, "SELECT max(date) FROM report", "");
    int step = stmt ? db_step(stmt) : STORE_EDB;
    const char *ds = step == DB_ROW ? (const char *)db_column_text(stmt, 0) : NULL;
    if (ds)
        date_parse(ds, day);
    db_finalize(stmt);
    return step == DB_ROW ? STORE_OK : STORE_EDB;
}

int sync_state_savepoint(store *st)
{
    return store_run(store_prepare(st, "SAVEPOINT sync_source", ""));
}

int sync_state_release(store *st)
{
    return store_run(store_prepare(st, "RELEASE sync_source", ""));
}

void sync_state_rollback_to(store *st)
{
    store_run(store_prepare(st, "ROLLBACK TO sync_source", ""));
    store_run(store_prepare(st, "RELEASE sync_source", ""));
}
