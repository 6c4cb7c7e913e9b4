/* Exporting the store as JSON (everything) or CSV (reports), in forms import reads back. */
#include "attrition/import.h"
#include "store_internal.h"
#include "attrition/date.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *col_json(sqlite3_stmt *stmt, int i)
{
    switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_NULL: return json_null();
    case SQLITE_INTEGER: return json_integer(sqlite3_column_int64(stmt, i));
    default: return json_string((const char *)sqlite3_column_text(stmt, i));
    }
}

/* Runs sql and appends one object per row to arr, keyed by the column names. A column
 * whose value is JSON text and whose name is in json_cols is parsed. Returns 0 or -1. */
static int rows_to_json(store *st, const char *sql, json_t *arr, const char *json_cols)
{
    sqlite3_stmt *stmt = store_prepare(st, sql, "");
    int step, rc = -1;
    if (stmt == NULL)
        return -1;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        json_t *o = json_object();
        for (int i = 0; i < sqlite3_column_count(stmt); i++) {
            const char *name = sqlite3_column_name(stmt, i);
            json_t *v;
            if (strstr(json_cols, name) && sqlite3_column_type(stmt, i) == SQLITE_TEXT)
                v = json_loads((const char *)sqlite3_column_text(stmt, i), 0, NULL);
            else
                v = col_json(stmt, i);
            json_object_set_new(o, name, v ? v : json_null());
        }
        json_array_append_new(arr, o);
    }
    rc = step == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(stmt);
    return rc;
}

/* reports: [{date, revision, stored_at, by, source_url, totals, qualifiers}] in date order. */
static int reports_to_json(store *st, json_t *arr)
{
    int rc = -1, step;
    json_t *cur = NULL;
    sqlite3_stmt *stmt = store_prepare(st,
        "SELECT r.date, r.revision, r.stored_at, r.source_url, v.category, v.total, v.qualifier, "
        "r.written_by "
        "FROM report r LEFT JOIN report_value v ON v.date = r.date "
        "LEFT JOIN category c ON c.id = v.category ORDER BY r.date, c.sort, c.id", "");
    if (stmt == NULL)
        return -1;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *date = (const char *)sqlite3_column_text(stmt, 0);
        if (cur == NULL || strcmp(json_string_value(json_object_get(cur, "date")), date) != 0) {
            cur = json_pack("{s:s, s:I, s:s, s:o, s:o, s:{}, s:{}}", "date", date, "revision",
                            (json_int_t)sqlite3_column_int64(stmt, 1), "stored_at",
                            (const char *)sqlite3_column_text(stmt, 2), "by",
                            col_json(stmt, 7), "source_url",
                            col_json(stmt, 3), "totals", "qualifiers");
            if (cur == NULL)
                goto cleanup;
            json_array_append_new(arr, cur);
        }
        if (sqlite3_column_type(stmt, 4) == SQLITE_NULL)
            continue;
        const char *cat = (const char *)sqlite3_column_text(stmt, 4);
        json_object_set_new(json_object_get(cur, "totals"), cat, col_json(stmt, 5));
        if (sqlite3_column_type(stmt, 6) != SQLITE_NULL)
            json_object_set_new(json_object_get(cur, "qualifiers"), cat, col_json(stmt, 6));
    }
    rc = step == SQLITE_DONE ? 0 : -1;
cleanup:
    sqlite3_finalize(stmt);
    return rc;
}

static int export_json(store *st, FILE *out)
{
    int rc = -1;
    json_t *root = json_pack("{s:s, s:i, s:[], s:[], s:[], s:[], s:[], s:[], s:[], s:[]}",
                             "format", "attrition-export", "version", IMPORT_EXPORT_VERSION,
                             "categories", "reports", "revisions", "correction_notes", "deployments",
                             "deleted_deployments", "dataset_entries", "annotations");
    if (root == NULL)
        return -1;
    json_t *cats = json_object_get(root, "categories");
    if (rows_to_json(st,
            "SELECT id, label, unit, replaced_by, (SELECT json_group_array(alias) FROM "
            "(SELECT alias FROM category_alias a WHERE a.category = c.id ORDER BY alias)) "
            "AS aliases FROM category c ORDER BY sort, id", cats, "aliases") ||
        reports_to_json(st, json_object_get(root, "reports")) ||
        rows_to_json(st, "SELECT date, revision, stored_at, written_by AS by, totals, "
                         "qualifiers, source_url FROM report_revision ORDER BY date, revision",
                     json_object_get(root, "revisions"), "totals qualifiers") ||
        rows_to_json(st, "SELECT date, category, amount FROM correction_note "
                         "ORDER BY date, category", json_object_get(root, "correction_notes"), "") ||
        rows_to_json(st, "SELECT id, country, deployed_to, figure, low, high, kind, as_of, "
                         "target_date, description, json_object('name', source_name, 'url', "
                         "source_url) AS source FROM deployment ORDER BY id",
                     json_object_get(root, "deployments"), "source") ||
        rows_to_json(st, "SELECT id, deleted_at FROM deployment_deleted ORDER BY id",
                     json_object_get(root, "deleted_deployments"), "") ||
        rows_to_json(st, "SELECT file, date, day, keys FROM dataset_entry ORDER BY file, date",
                     json_object_get(root, "dataset_entries"), "keys") ||
        rows_to_json(st, "SELECT date, key, value FROM report_annotation ORDER BY date, key",
                     json_object_get(root, "annotations"), ""))
        goto cleanup;
    if (json_dumpf(root, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER) != 0 || fputc('\n', out) == EOF)
        goto cleanup;
    rc = 0;
cleanup:
    json_decref(root);
    return rc;
}

static int export_csv(store *st, FILE *out)
{
    stats_snapshot *s = NULL;
    int rc = -1;
    if (store_snapshot_load(st, &s) != STORE_OK)
        return -1;
    unsigned char *has_q = calloc(s->n_cat ? s->n_cat : 1, 1);
    if (has_q == NULL)
        goto cleanup;
    for (size_t i = 0; i < s->n_rep * s->n_cat; i++)
        if (s->qual[i])
            has_q[i % s->n_cat] = 1;
    fputs("date,day", out);
    for (size_t c = 0; c < s->n_cat; c++)
        if (s->cats[c].first >= 0)
            fprintf(out, ",%s", s->cats[c].id);
    for (size_t c = 0; c < s->n_cat; c++)
        if (has_q[c])
            fprintf(out, ",%s*", s->cats[c].id);
    fputc('\n', out);
    for (size_t r = 0; r < s->n_rep; r++) {
        char ds[DATE_STR_LEN];
        fprintf(out, "%s,%d", date_format(s->dates[r], ds), date_war_day(s->dates[r]));
        for (size_t c = 0; c < s->n_cat; c++) {
            if (s->cats[c].first < 0)
                continue;
            int64_t t = stats_total(s, r, c);
            if (t == STATS_NONE)
                fputc(',', out);
            else
                fprintf(out, ",%lld", (long long)t);
        }
        for (size_t c = 0; c < s->n_cat; c++) {
            if (!has_q[c])
                continue;
            const char *q = stats_qualifier(s, r, c);
            fprintf(out, ",%s", q ? q : "");
        }
        fputc('\n', out);
    }
    rc = ferror(out) ? -1 : 0;
cleanup:
    free(has_q);
    stats_snapshot_unref(s);
    return rc;
}

int import_export(store *st, const char *format, FILE *out, char *err, size_t errlen)
{
    int rc;
    if (format == NULL || strcmp(format, "json") == 0)
        rc = export_json(st, out);
    else if (strcmp(format, "csv") == 0)
        rc = export_csv(st, out);
    else {
        snprintf(err, errlen, "unknown export format \"%s\" (json or csv)", format);
        return -1;
    }
    if (rc != 0)
        snprintf(err, errlen, "export failed: %s", store_errmsg(st));
    return rc;
}
