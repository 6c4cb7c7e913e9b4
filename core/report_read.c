/* Reports in the store: reading the current version and the revisions. Contracts:
 * include/attrition/report.h. */
#include "attrition/report.h"
#include "attrition/date.h"
#include "attrition/text.h"
#include "report_internal.h"
#include "array.h"
#include "store_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading stored reports ---------------------------------------------------------- */

/* Adds a value to r, growing r->values (*cap entries). 0 or -1 (ENOMEM). */
static int value_push(report *r, size_t *cap, const char *category, int64_t total,
                      const char *qualifier)
{
    report_value *nv = array_room(r->values, r->n_values, cap, sizeof *nv, 16);
    if (nv == NULL)
        return -1;
    r->values = nv;
    report_value *v = &r->values[r->n_values++];
    memset(v, 0, sizeof *v);
    snprintf(v->key, sizeof v->key, "%s", category);
    snprintf(v->category, sizeof v->category, "%s", category);
    snprintf(v->qualifier, sizeof v->qualifier, "%s", qualifier ? qualifier : "");
    v->total = total;
    return 0;
}

/* Loads the stored report of the date (text day) into *out (zeroed first). REPORT_OK,
 * REPORT_ENOTFOUND, REPORT_EDB, REPORT_ENOMEM; on failure *out is zeroed. */
int report_load(store *st, const char *day, report *out)
{
    int rc = REPORT_EDB, step;
    size_t cap = 0;
    memset(out, 0, sizeof *out);
    db_stmt *stmt = store_prepare(st, "SELECT revision, stored_at, source_url, written_by "
                                           "FROM report WHERE date = ?1", "t", day);
    if (stmt == NULL)
        goto cleanup;
    step = db_step(stmt);
    if (step != DB_ROW) {
        rc = step == DB_DONE ? REPORT_ENOTFOUND
                                 : report_status_from_store(step);
        goto cleanup;
    }
    date_parse(day, &out->date);
    out->revision = (int)db_column_int64(stmt, 0);
    snprintf(out->stored_at, sizeof out->stored_at, "%s",
             (const char *)db_column_text(stmt, 1));
    if (!db_column_null(stmt, 2) &&
        (out->source_url = strdup((const char *)db_column_text(stmt, 2))) == NULL) {
        rc = REPORT_ENOMEM;
        goto cleanup;
    }
    if (!db_column_null(stmt, 3) &&
        (out->written_by = strdup((const char *)db_column_text(stmt, 3))) == NULL) {
        rc = REPORT_ENOMEM;
        goto cleanup;
    }
    if ((step = db_step(stmt)) != DB_DONE)
        goto cleanup;
    db_finalize(stmt);
    stmt = store_prepare(st, "SELECT v.category, v.total, v.qualifier FROM report_value v "
                             "JOIN category c ON c.id = v.category WHERE v.date = ?1 "
                             "ORDER BY c.sort, v.category", "t", day);
    if (stmt == NULL)
        goto cleanup;
    while ((step = db_step(stmt)) == DB_ROW) {
        if (value_push(out, &cap, (const char *)db_column_text(stmt, 0),
                       db_column_int64(stmt, 1),
                       (const char *)db_column_text(stmt, 2)) != 0) {
            rc = REPORT_ENOMEM;
            goto cleanup;
        }
    }
    if (step != DB_DONE) {
        rc = report_status_from_store(step);
        goto cleanup;
    }
    rc = REPORT_OK;
cleanup:
    db_finalize(stmt);
    if (rc != REPORT_OK)
        report_free(out);
    return rc;
}

/* Loads the nearest stored report before (dir < 0) or after (dir > 0) the date. Same
 * returns as report_load; REPORT_ENOTFOUND when there is none. */
int report_load_neighbour(store *st, const char *day, int dir, report *out)
{
    char other[DATE_STR_LEN] = "";
    int rc = REPORT_EDB;
    memset(out, 0, sizeof *out);
    db_stmt *stmt = store_prepare(st, dir < 0 ? "SELECT max(date) FROM report WHERE date < ?1"
                                                   : "SELECT min(date) FROM report WHERE date > ?1",
                                       "t", day);
    int step = stmt ? db_step(stmt) : STORE_EDB;
    if (step == DB_ROW) {
        const char *t = db_column_text(stmt, 0);
        snprintf(other, sizeof other, "%s", t ? (const char *)t : "");
        step = db_step(stmt);
    }
    if (step != DB_DONE)
        goto cleanup;
    rc = other[0] ? report_load(st, other, out) : REPORT_ENOTFOUND;
cleanup:
    db_finalize(stmt);
    return rc;
}

int report_get(store *st, int date, report *out)
{
    char day[DATE_STR_LEN];
    return report_load(st, date_format(date, day), out);
}

/* Fills out (zeroed first) from a stored revision: JSON texts of totals and qualifiers.
 * REPORT_OK, REPORT_ENOMEM, REPORT_EDB (the stored JSON is not what it should be). */
static int revision_from_row(db_stmt *stmt, int date, report *out)
{
    int rc = REPORT_EDB;
    size_t cap = 0;
    const char *key;
    json_t *v;
    memset(out, 0, sizeof *out);
    out->date = date;
    out->revision = (int)db_column_int64(stmt, 0);
    snprintf(out->stored_at, sizeof out->stored_at, "%s",
             (const char *)db_column_text(stmt, 1));
    json_t *totals = json_loads((const char *)db_column_text(stmt, 2), 0, NULL);
    json_t *quals = json_loads((const char *)db_column_text(stmt, 3), 0, NULL);
    if (!json_is_object(totals) || !json_is_object(quals))
        goto cleanup;
    rc = REPORT_ENOMEM;
    if (!db_column_null(stmt, 4) &&
        (out->source_url = strdup((const char *)db_column_text(stmt, 4))) == NULL)
        goto cleanup;
    if (!db_column_null(stmt, 5) &&
        (out->written_by = strdup((const char *)db_column_text(stmt, 5))) == NULL)
        goto cleanup;
    json_object_foreach(totals, key, v) {
        if (value_push(out, &cap, key, json_integer_value(v),
                       json_string_value(json_object_get(quals, key))) != 0)
            goto cleanup;
    }
    rc = REPORT_OK;
cleanup:
    json_decref(totals);
    json_decref(quals);
    if (rc != REPORT_OK)
        report_free(out);
    return rc;
}

void report_history_free(report *revs, size_t n)
{
    for (size_t i = 0; revs && i < n; i++)
        report_free(&revs[i]);
    free(revs);
}

int report_history(store *st, int date, report **out, size_t *n)
{
    char day[DATE_STR_LEN];
    int rc, step;
    size_t cap = 4, count = 0;
    db_stmt *stmt = NULL;
    report *revs = calloc(cap, sizeof *revs);
    *out = NULL;
    *n = 0;
    if (revs == NULL)
        return REPORT_ENOMEM;
    if ((rc = report_load(st, date_format(date, day), &revs[0])) != REPORT_OK)
        goto cleanup;
    count = 1;
    rc = REPORT_EDB;
    stmt = store_prepare(st, "SELECT revision, stored_at, totals, qualifiers, source_url, "
                             "written_by FROM report_revision WHERE date = ?1 ORDER BY revision DESC",
                         "t", day);
    if (stmt == NULL)
        goto cleanup;
    while ((step = db_step(stmt)) == DB_ROW) {
        report *nr = array_room(revs, count, &cap, sizeof *nr, 4);
        if (nr == NULL) {
            rc = REPORT_ENOMEM;
            goto cleanup;
        }
        revs = nr;
        if ((rc = revision_from_row(stmt, date, &revs[count])) != REPORT_OK)
            goto cleanup;
        count++;
        rc = REPORT_EDB;
    }
    if (step != DB_DONE)
        goto cleanup;
    rc = REPORT_OK;
    *out = revs;
    *n = count;
    revs = NULL;
cleanup:
    db_finalize(stmt);
    report_history_free(revs, count);
    return rc;
}

int report_stamps_latest(store *st, size_t max, report_stamp *out, size_t *n)
{
    int step;
    *n = 0;
    db_stmt *stmt = store_prepare(st, "SELECT date, revision, stored_at FROM report "
                                           "ORDER BY date DESC LIMIT ?1", "i", (int64_t)max);
    if (stmt == NULL)
        return report_status_from_store(store_last_status(st));
    while ((step = db_step(stmt)) == DB_ROW && *n < max) {
        report_stamp *r = &out[*n];
        const char *d = (const char *)db_column_text(stmt, 0);
        const char *at = (const char *)db_column_text(stmt, 2);
        if (d == NULL || date_parse(d, &r->date) != 0)
            continue;
        r->revision = (int)db_column_int64(stmt, 1);
        snprintf(r->stored_at, sizeof r->stored_at, "%s", at ? at : "");
        (*n)++;
    }
    db_finalize(stmt);
    if (step != DB_DONE && step != DB_ROW) {
        *n = 0;
        int rc = report_status_from_store(step);
        return rc == REPORT_OK ? REPORT_EDB : rc;
    }
    return REPORT_OK;
}
