/* Exporting the store as JSON (everything) or CSV (reports), in forms import reads back. */
#include "attrition/import.h"
#include "store_internal.h"
#include "attrition/date.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Column i as JSON: null for SQL NULL, else an integer (type 'i'), a string ('t') or the
 * parsed JSON text ('j'; null when it does not parse). */
static json_t *col_json(db_stmt *stmt, int i, char type)
{
    if (db_column_null(stmt, i))
        return json_null();
    if (type == 'i')
        return json_integer(db_column_int64(stmt, i));
    if (type == 'j') {
        json_t *v = json_loads(db_column_text(stmt, i), 0, NULL);
        return v ? v : json_null();
    }
    return json_string(db_column_text(stmt, i));
}

/* Runs sql and appends one object per row to arr, keyed by the column names, each column
 * typed by its letter in types (see col_json); 'S' makes the column and the next one
 * object "source": {"name": this, "url": next}. Returns 0 or -1. */
static int rows_to_json(store *st, const char *sql, json_t *arr, const char *types)
{
    db_stmt *stmt = store_prepare(st, sql, "");
    int step, rc = -1;
    if (stmt == NULL)
        return -1;
    while ((step = db_step(stmt)) == DB_ROW) {
        json_t *o = json_object();
        for (int i = 0; i < db_column_count(stmt) && types[i]; i++) {
            if (types[i] == 'S') {
                json_object_set_new(o, "source", json_pack("{s:o, s:o}", "name",
                                    col_json(stmt, i, 't'), "url", col_json(stmt, i + 1, 't')));
                i++;
                continue;
            }
            json_object_set_new(o, db_column_name(stmt, i), col_json(stmt, i, types[i]));
        }
        json_array_append_new(arr, o);
    }
    rc = step == DB_DONE ? 0 : -1;
    db_finalize(stmt);
    return rc;
}

/* categories: [{id, label, unit, replaced_by, aliases: [alias, ...]}] in sort order. */
static int categories_to_json(store *st, json_t *arr)
{
    if (rows_to_json(st, "SELECT id, label, unit, replaced_by FROM category ORDER BY sort, id",
                     arr, "tttt"))
        return -1;
    json_t *by_id = json_object(), *c;
    size_t i;
    int step = STORE_ENOMEM;
    json_array_foreach(arr, i, c) {
        json_object_set_new(c, "aliases", json_array());
        json_object_set(by_id, json_string_value(json_object_get(c, "id")), c);
    }
    /* lower(): SQLite's NOCASE order of the alias column, on PostgreSQL too */
    db_stmt *stmt = store_prepare(st, "SELECT category, alias FROM category_alias "
                                      "ORDER BY category, lower(alias)", "");
    while (stmt && (step = db_step(stmt)) == DB_ROW) {
        c = json_object_get(by_id, db_column_text(stmt, 0));
        if (c)
            json_array_append_new(json_object_get(c, "aliases"),
                                  json_string(db_column_text(stmt, 1)));
    }
    db_finalize(stmt);
    json_decref(by_id);
    return step == DB_DONE ? 0 : -1;
}

/* reports: [{date, revision, stored_at, by, source_url, totals, qualifiers}] in date order. */
static int reports_to_json(store *st, json_t *arr)
{
    int rc = -1, step;
    json_t *cur = NULL;
    db_stmt *stmt = store_prepare(st,
        "SELECT r.date, r.revision, r.stored_at, r.source_url, v.category, v.total, v.qualifier, "
        "r.written_by "
        "FROM report r LEFT JOIN report_value v ON v.date = r.date "
        "LEFT JOIN category c ON c.id = v.category ORDER BY r.date, c.sort, c.id", "");
    if (stmt == NULL)
        return -1;
    while ((step = db_step(stmt)) == DB_ROW) {
        const char *date = (const char *)db_column_text(stmt, 0);
        if (cur == NULL || strcmp(json_string_value(json_object_get(cur, "date")), date) != 0) {
            cur = json_pack("{s:s, s:I, s:s, s:o, s:o, s:{}, s:{}}", "date", date, "revision",
                            (json_int_t)db_column_int64(stmt, 1), "stored_at",
                            (const char *)db_column_text(stmt, 2), "by",
                            col_json(stmt, 7, 't'), "source_url",
                            col_json(stmt, 3, 't'), "totals", "qualifiers");
            if (cur == NULL)
                goto cleanup;
            json_array_append_new(arr, cur);
        }
        if (db_column_null(stmt, 4))
            continue;
        const char *cat = (const char *)db_column_text(stmt, 4);
        json_object_set_new(json_object_get(cur, "totals"), cat, col_json(stmt, 5, 'i'));
        if (!db_column_null(stmt, 6))
            json_object_set_new(json_object_get(cur, "qualifiers"), cat, col_json(stmt, 6, 't'));
    }
    rc = step == DB_DONE ? 0 : -1;
cleanup:
    db_finalize(stmt);
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
    if (categories_to_json(st, json_object_get(root, "categories")) ||
        reports_to_json(st, json_object_get(root, "reports")) ||
        rows_to_json(st, "SELECT date, revision, stored_at, written_by AS by, totals, "
                         "qualifiers, source_url FROM report_revision ORDER BY date, revision",
                     json_object_get(root, "revisions"), "tittjjt") ||
        rows_to_json(st, "SELECT date, category, amount FROM correction_note "
                         "ORDER BY date, category", json_object_get(root, "correction_notes"), "tti") ||
        rows_to_json(st, "SELECT id, country, deployed_to, figure, low, high, kind, as_of, "
                         "target_date, description, source_name, source_url "
                         "FROM deployment ORDER BY id",
                     json_object_get(root, "deployments"), "ittiiitttt" "S") ||
        rows_to_json(st, "SELECT id, deleted_at FROM deployment_deleted ORDER BY id",
                     json_object_get(root, "deleted_deployments"), "it") ||
        rows_to_json(st, "SELECT file, date, day, keys FROM dataset_entry ORDER BY file, date",
                     json_object_get(root, "dataset_entries"), "ttij") ||
        rows_to_json(st, "SELECT date, key, value FROM report_annotation ORDER BY date, key",
                     json_object_get(root, "annotations"), "ttt"))
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
