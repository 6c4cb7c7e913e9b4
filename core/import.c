/* Importing the ministry's dataset and attrition's own exports; exporting the store.
 * See include/attrition/import.h for what is recognised and the contracts. */
#include "attrition/import.h"
#include "attrition/dataset.h"
#include "attrition/text.h"
#include "report_internal.h"
#include "store_internal.h"
#include "attrition/date.h"
#include "attrition/deploy.h"
#include "attrition/json_guard.h"
#include "array.h"
#include "deploy_db.h"
#include "deploy_internal.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define IMPORT_MAX_TOTAL 1000000000000LL /* 1e12: beyond any real count */
#define IMPORT_MAX_FILE (256L * 1024 * 1024)

/* Dataset keys that are annotations, not counts. */
static const char *const import_text_keys[] = {"greatest losses direction", NULL};

const char *import_kind_name(int kind)
{
    static const char *const names[] = {
        "ministry personnel file", "ministry equipment file", "ministry corrections file",
        "attrition export (JSON)", "attrition export (CSV)", "deployment estimates"};
    return kind >= 0 && kind <= IMPORT_DEPLOYMENTS ? names[kind] : "unknown";
}

/* Per-import memo of key -> category id, so each dataset key is resolved once. */
typedef struct key_memo {
    char key[64][64];
    char id[64][64];
    size_t n;
} key_memo;

/* Resolves key to a category id (creating new categories, noted in res). Returns 0 or -1. */
static int resolve_key(store *st, key_memo *memo, const char *key, char *id, size_t idlen,
                       import_result *res)
{
    for (size_t i = 0; i < memo->n; i++)
        if (strcmp(memo->key[i], key) == 0) {
            snprintf(id, idlen, "%s", memo->id[i]);
            return 0;
        }
    int created = 0;
    if (store_category_resolve(st, key, 1, id, idlen, &created) != STORE_OK)
        return -1;
    if (created) {
        if (res->n_new < 32)
            snprintf(res->new_categories[res->n_new], 64, "%s", id);
        res->n_new++;
    }
    if (strlen(key) < 64 && memo->n < 64) {
        snprintf(memo->key[memo->n], 64, "%s", key);
        snprintf(memo->id[memo->n], 64, "%s", id);
        memo->n++;
    }
    return 0;
}

static int is_text_key(const char *key)
{
    for (int i = 0; import_text_keys[i]; i++)
        if (strcmp(key, import_text_keys[i]) == 0)
            return 1;
    return 0;
}

/* Is day a date a report may have (from the war's start to today, UTC: the rule POST
 * applies)? Returns 0, or -1 with err naming where (the "name: entry 3" or "name: line 7"
 * text in at) and why. A file with one such date is refused whole, so that no import or sync
 * can store a future day (which would silence the staleness check) or a pre-war one. */
static int import_date_check(const char *at, int day, char *err, size_t errlen)
{
    char why[160];
    if (report_date_check(day, why, sizeof why) == REPORT_OK)
        return 0;
    text_message(err, errlen, "%s: %s", at, why);
    return -1;
}

/* Reads an entry's date. Returns 0 or -1 (message in err). */
static int entry_date(const char *name, size_t idx, json_t *obj, int *day, char *err,
                      size_t errlen)
{
    char at[200];
    const char *ds = json_string_value(json_object_get(obj, "date"));
    if (ds == NULL || date_parse(ds, day) != 0) {
        text_message(err, errlen, "%s: entry %zu: \"date\" must be a YYYY-MM-DD string", name, idx);
        return -1;
    }
    snprintf(at, sizeof at, "%s: entry %zu", name, idx);
    return import_date_check(at, *day, err, errlen);
}

void import_result_free(import_result *res)
{
    if (res == NULL)
        return;
    free(res->revised);
    res->revised = NULL;
    res->n_revised = res->cap_revised = 0;
    free(res->dates);
    res->dates = NULL;
    res->n_dates = res->cap_dates = 0;
}

/* What one import run knows of the report of one date while it writes its values. */
typedef struct entry_head {
    char ds[DATE_STR_LEN];
    int day;
    int revision;    /* 0: no report stored (yet) */
    int api;         /* its current version was written through the API */
    int revised;     /* a revision was made for it in this run */
    char by[2300];   /* "<by_kind> <name>" */
} entry_head;

/* Fills h for day and the file name. Returns 0, or -1 with a message in err. */
static int head_load(store *st, const char *name, int day, import_result *res, entry_head *h,
                     char *err, size_t errlen)
{
    date_format(day, h->ds);
    h->day = day;
    snprintf(h->by, sizeof h->by, "%s %s", res->by_kind ? res->by_kind : "import", name);
    int rc = store_report_head(st, h->ds, &h->revision, &h->api);
    if (rc != STORE_OK && rc != STORE_ENOTFOUND) {
        text_message(err, errlen, "%s (%s): reading the stored report: %s", name, h->ds,
                     store_errmsg(st));
        return -1;
    }
    h->revised = 0;
    for (size_t i = res->n_revised; i-- > 0 && !h->revised;)
        h->revised = res->revised[i] == day;
    return 0;
}

/* Keeps a value that differs from a report written through the API: counted, described,
 * and stored in sync_disagreement (stored: STATS_NONE when the report lacks it). 0 or -1. */
static int api_disagreement(store *st, const entry_head *h, const char *name, const char *id,
                            int64_t stored, int64_t v, import_result *res)
{
    if (res->api_kept++ == 0) {
        char sv[32] = "none";
        if (stored != STATS_NONE)
            snprintf(sv, sizeof sv, "%lld", (long long)stored);
        snprintf(res->api_example, sizeof res->api_example, "%s %s: stored %s (written "
                 "through the API), %.160s says %lld", h->ds, id, sv, name, (long long)v);
    }
    return store_run(store_prepare(st,
        "INSERT INTO sync_disagreement(date, category, source, stored, upstream, seen_at) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(date, category, source) DO UPDATE SET "
        "stored = excluded.stored, upstream = excluded.upstream, seen_at = excluded.seen_at",
        "tttnii", h->ds, id, h->by, stored, v, (int64_t)time(NULL))) == STORE_OK ? 0 : -1;
}

/* Applies one upstream value (id, total v, qualifier q or NULL) to the report h describes:
 * nothing when equal; kept out when the report came from the API (api_disagreement) or,
 * with keep_existing, when another total is stored; else written, the version before kept
 * as a revision the first time this run changes a stored value of the report. 0 or -1
 * (the caller names the entry; store_errmsg says why). */
static int apply_value(store *st, entry_head *h, const char *name, const char *id, int64_t v,
                       const char *q, import_result *res)
{
    int64_t cur = STATS_NONE;
    char curq[16] = "";
    int changed = 0;
    int rc = store_value_get(st, h->ds, id, &cur, curq, sizeof curq);
    if (rc != STORE_OK && rc != STORE_ENOTFOUND)
        return -1;
    int exists = rc == STORE_OK;
    if (exists && cur == v && strcmp(curq, q ? q : "") == 0)
        return 0;
    if (h->api)
        return exists && cur == v ? 0 : api_disagreement(st, h, name, id, cur, v, res);
    if (res->keep_existing && exists && cur != v) {
        if (res->disagreements++ == 0)
            snprintf(res->disagreement, sizeof res->disagreement,
                     "%s %s: stored %lld, %.120s says %lld", h->ds, id, (long long)cur, name,
                     (long long)v);
        return 0;
    }
    /* A report this run created, or already revised, gets no (further) revision. */
    if ((exists || h->revision == 0) && !h->revised) {
        int *nr = array_room(res->revised, res->n_revised, &res->cap_revised, sizeof *nr, 64);
        if (nr == NULL)
            return -1;
        res->revised = nr;
        res->revised[res->n_revised++] = h->day;
        h->revised = 1;
        if (exists && h->revision > 0) {
            if (store_report_revise(st, h->ds, h->by) != STORE_OK)
                return -1;
            res->revisions++;
        }
    }
    if (store_value_write(st, h->day, id, v, q, h->by, &changed) != STORE_OK)
        return -1;
    if (h->revision == 0)
        h->revision = 1;
    res->values_changed += (size_t)changed;
    return 0;
}

/* Imports one key/value of a ministry entry. Returns 0 or -1 (message in err). */
static int import_value(store *st, key_memo *memo, const char *name, size_t idx,
                        json_t *obj, const char *key, json_t *value, int kind, entry_head *h,
                        import_result *res, char *err, size_t errlen)
{
    char id[64], qkey[80];
    const char *ds = h->ds;
    int day = h->day, changed = 0;
    if (json_is_null(value))
        return 0;
    if (json_is_string(value) && is_text_key(key)) {
        res->annotations++;
        if (dataset_annotation_set(st, day, key, json_string_value(value), res->keep_existing,
                                   &changed) != STORE_OK)
            goto dberr;
        res->extras_changed += (size_t)changed;
        return 0;
    }
    if (!json_is_integer(value)) {
        text_message(err, errlen, "%s: entry %zu (%s): \"%s\" must be an integer", name, idx, ds,
                     key);
        return -1;
    }
    json_int_t v = json_integer_value(value);
    if (v > IMPORT_MAX_TOTAL || v < -IMPORT_MAX_TOTAL || (kind != IMPORT_CORRECTIONS && v < 0)) {
        text_message(err, errlen, "%s: entry %zu (%s): \"%s\" = %lld is out of range", name, idx,
                     ds, key, (long long)v);
        return -1;
    }
    if (resolve_key(st, memo, key, id, sizeof id, res) != 0) {
        text_message(err, errlen, "%s: entry %zu (%s): \"%s\" cannot name a category: %s", name,
                     idx, ds, key, store_errmsg(st));
        return -1;
    }
    if (kind == IMPORT_CORRECTIONS) {
        if (v == 0)
            return 0;
        if (store_correction_note_set(st, day, id, v, &changed) != STORE_OK)
            goto dberr;
        res->notes_changed += (size_t)changed;
        return 0;
    }
    snprintf(qkey, sizeof qkey, "%s*", key);
    json_t *q = json_object_get(obj, qkey);
    if (q && !json_is_string(q) && !json_is_null(q)) {
        text_message(err, errlen, "%s: entry %zu (%s): \"%s\" must be a string", name, idx, ds,
                     qkey);
        return -1;
    }
    if (apply_value(st, h, name, id, v, json_string_value(q), res) != 0)
        goto dberr;
    return 0;
dberr:
    text_message(err, errlen, "%s: entry %zu (%s): storing \"%s\": %s", name, idx, ds, key,
                 store_errmsg(st));
    return -1;
}

/* Stores the layout of a dataset entry (it has "day"; sync's API records have none): its keys
 * in order and its "day" as written. Returns 0 or -1 (message in err). */
static int import_layout(store *st, const char *name, size_t idx, json_t *obj, int kind,
                        int day, import_result *res, char *err, size_t errlen)
{
    json_t *keys = json_array(), *jd = json_object_get(obj, "day");
    const char *key;
    json_t *v;
    int changed = 0, rc = -1;
    json_object_foreach(obj, key, v)
        json_array_append_new(keys, json_string(key));
    char *text = json_dumps(keys, JSON_COMPACT);
    int file = kind == IMPORT_PERSONNEL ? DATASET_PERSONNEL
               : kind == IMPORT_EQUIPMENT ? DATASET_EQUIPMENT : DATASET_CORRECTION;
    if (text && dataset_entry_set(st, file, day, json_is_integer(jd) ? json_integer_value(jd)
                                  : INT64_MIN, text, res->keep_existing, &changed) == STORE_OK) {
        res->extras_changed += (size_t)changed;
        rc = 0;
    } else {
        text_message(err, errlen, "%s: entry %zu: storing its layout: %s", name, idx,
                     text ? store_errmsg(st) : "out of memory");
    }
    free(text);
    json_decref(keys);
    return rc;
}

/* Imports a ministry array (personnel, equipment or corrections). */
static int import_ministry(store *st, const char *name, json_t *arr, int kind,
                           import_result *res, char *err, size_t errlen)
{
    key_memo *memo = calloc(1, sizeof *memo);
    entry_head *h = malloc(sizeof *h);
    int rc = -1;
    if (memo == NULL || h == NULL) {
        text_message(err, errlen, "%s: out of memory", name);
        return -1;
    }
    size_t idx, first = res->n_dates; /* this file's dates: res->dates[first..] */
    json_t *obj;
    json_array_foreach(arr, idx, obj) {
        int day;
        if (!json_is_object(obj)) {
            text_message(err, errlen, "%s: entry %zu is not an object", name, idx);
            goto cleanup;
        }
        if (entry_date(name, idx, obj, &day, err, errlen) != 0)
            goto cleanup;
        for (size_t j = first; kind != IMPORT_CORRECTIONS && j < res->n_dates; j++)
            if (res->dates[j] == day) { /* which would count? the file contradicts itself */
                char ds[DATE_STR_LEN];
                text_message(err, errlen, "%s: entry %zu: %s is given twice in this file", name,
                             idx, date_format(day, ds));
                goto cleanup;
            }
        json_t *jd = json_object_get(obj, "day");
        if (jd && (!json_is_integer(jd) || json_integer_value(jd) != date_war_day(day)))
            res->day_mismatches++;
        if (jd && import_layout(st, name, idx, obj, kind, day, res, err, errlen) != 0)
            goto cleanup;
        if (head_load(st, name, day, res, h, err, errlen) != 0)
            goto cleanup;
        if (kind != IMPORT_CORRECTIONS) {
            res->reports_seen++;
            if (h->revision == 0)
                res->reports_added++;
            int *nd = array_room(res->dates, res->n_dates, &res->cap_dates, sizeof *nd, 256);
            if (nd == NULL) {
                text_message(err, errlen, "%s: out of memory", name);
                goto cleanup;
            }
            res->dates = nd;
            res->dates[res->n_dates++] = day;
        }
        const char *key;
        json_t *value;
        json_object_foreach(obj, key, value) {
            size_t kl = strlen(key);
            if (strcmp(key, "date") == 0 || strcmp(key, "day") == 0 ||
                (kl > 1 && key[kl - 1] == '*'))
                continue;
            if (import_value(st, memo, name, idx, obj, key, value, kind, h, res, err,
                             errlen) != 0)
                goto cleanup;
        }
    }
    rc = 0;
cleanup:
    free(h);
    free(memo);
    return rc;
}

/* Decides what a JSON document is. Returns an import_kind or -1. */
static int detect_json(json_t *root)
{
    if (json_is_object(root)) {
        const char *fmt = json_string_value(json_object_get(root, "format"));
        if (fmt && strcmp(fmt, "attrition-export") == 0)
            return IMPORT_EXPORT_JSON;
        if (json_is_array(json_object_get(root, "deployments")))
            return IMPORT_DEPLOYMENTS;
        return -1;
    }
    if (!json_is_array(root) || json_array_size(root) == 0)
        return -1;
    json_t *first = json_array_get(root, 0);
    if (!json_is_object(first) || !json_is_string(json_object_get(first, "date")))
        return -1;
    int personnel = json_object_get(first, "personnel") != NULL;
    int qualifier = json_object_get(first, "personnel*") != NULL;
    int others = 0;
    const char *key;
    json_t *v;
    json_object_foreach(first, key, v) {
        if (strcmp(key, "date") && strcmp(key, "day") && strncmp(key, "personnel", 9) &&
            strcmp(key, "POW"))
            others++;
    }
    if (personnel && (qualifier || others == 0))
        return IMPORT_PERSONNEL;
    if (personnel)
        return IMPORT_CORRECTIONS;
    return others ? IMPORT_EQUIPMENT : -1;
}

/* ---- attrition's own export ---------------------------------------------------- */

static int exec_bound(store *st, const char *what, char *err, size_t errlen, db_stmt *stmt)
{
    if (store_run(stmt) != STORE_OK) {
        text_message(err, errlen, "%s: %s", what, store_errmsg(st));
        return -1;
    }
    return 0;
}

static int import_export_categories(store *st, const char *name, json_t *cats,
                                    char *err, size_t errlen)
{
    size_t i;
    json_t *c;
    json_array_foreach(cats, i, c) {
        const char *id = json_string_value(json_object_get(c, "id"));
        const char *label = json_string_value(json_object_get(c, "label"));
        if (id == NULL || label == NULL) {
            text_message(err, errlen, "%s: categories[%zu]: \"id\" and \"label\" are required",
                         name, i);
            return -1;
        }
        if (exec_bound(st, name, err, errlen, store_prepare(st,
                "INSERT INTO category(id, label, unit, sort, seeded) VALUES(?1, ?2, ?3, "
                "(SELECT coalesce(max(sort), 0) + 1 FROM category), 0) "
                "ON CONFLICT(id) DO UPDATE SET label = excluded.label, unit = excluded.unit",
                "ttt", id, label, json_string_value(json_object_get(c, "unit")))))
            return -1;
        size_t k;
        json_t *alias;
        json_array_foreach(json_object_get(c, "aliases"), k, alias) {
            if (exec_bound(st, name, err, errlen, store_prepare(st,
                    "INSERT INTO category_alias(alias, category) VALUES(?1, ?2) "
                    "ON CONFLICT DO NOTHING", "tt",
                    json_string_value(alias), id)))
                return -1;
        }
    }
    json_array_foreach(cats, i, c) {
        const char *rb = json_string_value(json_object_get(c, "replaced_by"));
        if (rb && exec_bound(st, name, err, errlen, store_prepare(st,
                "UPDATE category SET replaced_by = ?2 WHERE id = ?1", "tt",
                json_string_value(json_object_get(c, "id")), rb)))
            return -1;
    }
    return 0;
}

/* What to do with one dated entry of an export array: entry idx, whose "date" is day (ds its
 * text). entry and res are borrowed. Returns 0 or -1 (message in err). */
typedef int (*dated_entry_fn)(store *st, const char *name, size_t idx, json_t *entry, int day,
                              const char *ds, import_result *res, char *err, size_t errlen);

/* Reads the date of each entry of arr (borrowed; anything but an array has no entries) and
 * hands the entry to fn. Returns 0, or -1 at the first entry whose date is bad or that fn
 * refuses (message in err). */
static int import_dated_entries(store *st, const char *name, json_t *arr, dated_entry_fn fn,
                                import_result *res, char *err, size_t errlen)
{
    size_t i;
    json_t *entry;
    json_array_foreach(arr, i, entry) {
        int day;
        char ds[DATE_STR_LEN];
        if (entry_date(name, i, entry, &day, err, errlen) != 0 ||
            fn(st, name, i, entry, day, date_format(day, ds), res, err, errlen) != 0)
            return -1;
    }
    return 0;
}

/* One entry of "reports": its totals and qualifiers, applied as every import applies
 * values (apply_value: revisions, reports from the API kept); a report this entry creates
 * also takes the file's revision, stored_at, source_url and by (dated_entry_fn). */
static int import_export_report(store *st, const char *name, size_t i, json_t *r, int day,
                                const char *ds, import_result *res, char *err, size_t errlen)
{
    entry_head h;
    if (head_load(st, name, day, res, &h, err, errlen) != 0)
        return -1;
    int created = h.revision == 0;
    res->reports_seen++;
    res->reports_added += (size_t)created;
    json_t *quals = json_object_get(r, "qualifiers");
    const char *id;
    json_t *v;
    json_object_foreach(json_object_get(r, "totals"), id, v) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > IMPORT_MAX_TOTAL) {
            text_message(err, errlen, "%s: reports[%zu] (%s): total of \"%s\" must be a "
                         "non-negative integer", name, i, ds, id);
            return -1;
        }
        if (apply_value(st, &h, name, id, json_integer_value(v),
                        json_string_value(json_object_get(quals, id)), res) != 0) {
            text_message(err, errlen, "%s: reports[%zu] (%s): \"%s\": %s", name, i, ds, id,
                         store_errmsg(st));
            return -1;
        }
    }
    if (!created || h.revision == 0)
        return 0;
    json_t *rev = json_object_get(r, "revision");
    const char *stored = json_string_value(json_object_get(r, "stored_at"));
    json_t *by = json_object_get(r, "by");
    return exec_bound(st, name, err, errlen, store_prepare(st,
            "UPDATE report SET revision = coalesce(?2, revision), "
            "stored_at = coalesce(?3, stored_at), source_url = ?4, "
            "written_by = CASE WHEN ?6 = 1 THEN ?5 ELSE written_by END WHERE date = ?1",
            "tntttn", ds, json_is_integer(rev) ? (int64_t)json_integer_value(rev) : STATS_NONE,
            stored, json_string_value(json_object_get(r, "source_url")),
            json_string_value(by), (int64_t)(by != NULL)));
}

/* One entry of "revisions", kept unless that date's revision is stored (dated_entry_fn; res
 * unused). */
static int import_export_revision(store *st, const char *name, size_t i, json_t *r, int day,
                                  const char *ds, import_result *res, char *err, size_t errlen)
{
    (void)i;
    (void)day;
    (void)res;
    char *totals = json_dumps(json_object_get(r, "totals"), JSON_COMPACT | JSON_PRESERVE_ORDER);
    char *quals = json_dumps(json_object_get(r, "qualifiers"), JSON_COMPACT | JSON_PRESERVE_ORDER);
    int bad = exec_bound(st, name, err, errlen, store_prepare(st,
            "INSERT INTO report_revision(date, revision, stored_at, totals, "
            "qualifiers, source_url, written_by) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) "
            "ON CONFLICT DO NOTHING",
            "tittttt", ds, (int64_t)json_integer_value(json_object_get(r, "revision")),
            json_string_value(json_object_get(r, "stored_at")),
            totals ? totals : "{}", quals ? quals : "{}",
            json_string_value(json_object_get(r, "source_url")),
            json_string_value(json_object_get(r, "by"))));
    free(totals);
    free(quals);
    return bad ? -1 : 0;
}

/* One entry of "correction_notes" (dated_entry_fn). */
static int import_export_note(store *st, const char *name, size_t i, json_t *n, int day,
                              const char *ds, import_result *res, char *err, size_t errlen)
{
    (void)ds;
    int changed;
    const char *cat = json_string_value(json_object_get(n, "category"));
    if (cat == NULL || store_correction_note_set(st, day, cat,
            json_integer_value(json_object_get(n, "amount")), &changed) != STORE_OK) {
        text_message(err, errlen, "%s: correction_notes[%zu]: bad category", name, i);
        return -1;
    }
    res->notes_changed += (size_t)changed;
    return 0;
}

/* One entry of "dataset_entries": {file, date, day, keys} (dated_entry_fn). */
static int import_export_layout(store *st, const char *name, size_t i, json_t *e, int day,
                                const char *ds, import_result *res, char *err, size_t errlen)
{
    int changed = 0, file = -1;
    const char *f = json_string_value(json_object_get(e, "file"));
    json_t *keys = json_object_get(e, "keys"), *jd = json_object_get(e, "day");
    for (int k = 0; f && k < DATASET_FILES; k++)
        if (strcmp(f, dataset_file_name(k)) == 0)
            file = k;
    char *text = json_is_array(keys) ? json_dumps(keys, JSON_COMPACT) : NULL;
    int rc = file >= 0 && text && dataset_entry_set(st, file, day, json_is_integer(jd)
                 ? json_integer_value(jd) : INT64_MIN, text, 0, &changed) == STORE_OK ? 0 : -1;
    free(text);
    if (rc != 0)
        text_message(err, errlen, "%s: dataset_entries[%zu] (%s): expected \"file\" "
                     "(personnel, equipment or correction) and \"keys\" (an array)", name, i, ds);
    res->extras_changed += (size_t)changed;
    return rc;
}

/* One entry of "annotations": {date, key, value} (dated_entry_fn). */
static int import_export_annotation(store *st, const char *name, size_t i, json_t *e, int day,
                                    const char *ds, import_result *res, char *err, size_t errlen)
{
    int changed = 0;
    const char *key = json_string_value(json_object_get(e, "key"));
    const char *value = json_string_value(json_object_get(e, "value"));
    if (key == NULL || value == NULL ||
        dataset_annotation_set(st, day, key, value, 0, &changed) != STORE_OK) {
        text_message(err, errlen, "%s: annotations[%zu] (%s): expected \"key\" and \"value\" "
                     "strings", name, i, ds);
        return -1;
    }
    res->annotations++;
    res->extras_changed += (size_t)changed;
    return 0;
}

/* The deployments of an export (deps, borrowed): those with an "id" are stored under it
 * (replacing what has that id), those without are added unless an identical one is stored
 * (as a deployments file); then the tombstones of deleted ({"id", "deleted_at"}) remove
 * their ids. Returns 0 or -1 (message in err). */
static int import_export_deployments(store *st, const char *name, json_t *deps,
                                     json_t *deleted, import_result *res, char *err,
                                     size_t errlen)
{
    int rc = -1;
    char derr[256] = "";
    deploy_estimate *v = NULL;
    size_t n = 0, added = 0;
    json_t *wrap = json_pack("{s:o}", "deployments",
                             json_is_array(deps) ? json_incref(deps) : json_array());
    char *text = wrap ? json_dumps(wrap, JSON_COMPACT) : NULL;
    if (text == NULL) {
        text_message(err, errlen, "%s: deployments: out of memory", name);
        goto cleanup;
    }
    if (deploy_parse_document(text, strlen(text), date_today(), &v, &n, derr, sizeof derr) !=
        DEPLOY_OK)
        goto bad;
    for (size_t i = 0; i < n; i++) {
        json_t *jid = json_object_get(json_array_get(deps, i), "id");
        int st_rc;
        if (json_is_integer(jid) && json_integer_value(jid) > 0) {
            v[i].id = json_integer_value(jid);
            st_rc = deploy_db_put(store_db(st), &v[i]);
            added++;
        } else {
            json_t *one = json_pack("{s:[O]}", "deployments", json_array_get(deps, i));
            char *t1 = one ? json_dumps(one, JSON_COMPACT) : NULL;
            size_t a1 = 0;
            st_rc = t1 ? deploy_import_json(st, t1, strlen(t1), date_today(), &a1, derr,
                                            sizeof derr) : DEPLOY_ENOMEM;
            added += a1;
            free(t1);
            json_decref(one);
        }
        if (st_rc != DEPLOY_OK) {
            text_message(err, errlen, "%s: deployments[%zu]: %s", name, i,
                         derr[0] ? derr : store_errmsg(st));
            goto cleanup;
        }
    }
    size_t i;
    json_t *t;
    json_array_foreach(deleted, i, t) {
        json_t *jid = json_object_get(t, "id");
        if (!json_is_integer(jid) || json_integer_value(jid) <= 0 ||
            deploy_db_tombstone(store_db(st), json_integer_value(jid),
                                json_string_value(json_object_get(t, "deleted_at"))) != DEPLOY_OK) {
            text_message(err, errlen, "%s: deleted_deployments[%zu]: expected {\"id\": a positive "
                         "integer, \"deleted_at\": ...}%s%s", name, i,
                         json_is_integer(jid) ? ": " : "", json_is_integer(jid) ? store_errmsg(st) : "");
            goto cleanup;
        }
    }
    res->deployments_added += added;
    rc = 0;
    goto cleanup;
bad:
    text_message(err, errlen, "%s: deployments: %s", name, derr);
cleanup:
    deploy_list_free(v, n);
    free(text);
    json_decref(wrap);
    return rc;
}

static int import_export_json(store *st, const char *name, json_t *root, import_result *res,
                              char *err, size_t errlen)
{
    json_t *v = json_object_get(root, "version");
    if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 1 ||
                      json_integer_value(v) > IMPORT_EXPORT_VERSION)) {
        text_message(err, errlen, "%s: \"version\" must be an export format version from 1 to "
                     "%d (this program's; a newer export needs a newer attrition)", name,
                     IMPORT_EXPORT_VERSION);
        return -1;
    }
    if (import_export_categories(st, name, json_object_get(root, "categories"), err, errlen) ||
        import_dated_entries(st, name, json_object_get(root, "reports"), import_export_report,
                             res, err, errlen) ||
        import_dated_entries(st, name, json_object_get(root, "revisions"),
                             import_export_revision, res, err, errlen) ||
        import_dated_entries(st, name, json_object_get(root, "correction_notes"),
                             import_export_note, res, err, errlen) ||
        import_dated_entries(st, name, json_object_get(root, "dataset_entries"),
                             import_export_layout, res, err, errlen) ||
        import_dated_entries(st, name, json_object_get(root, "annotations"),
                             import_export_annotation, res, err, errlen))
        return -1;
    res->export_seen = 1;
    return import_export_deployments(st, name, json_object_get(root, "deployments"),
                                     json_object_get(root, "deleted_deployments"), res, err,
                                     errlen);
}

/* ---- CSV export ------------------------------------------------------------------ */

/* Splits line (modified in place) at commas into at most max fields. Returns the count. */
static size_t csv_split(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        fields[n++] = p;
        char *c = strchr(p, ',');
        if (c == NULL)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

#define CSV_MAX_FIELDS 256

/* A CSV export's header: column names (pointing into the caller's copy of the text), the
 * category id of each total column from 2 on, and for each "name*" qualifier column the
 * index of the column it qualifies (-1 when none). */
typedef struct csv_header {
    char *name[CSV_MAX_FIELDS];
    size_t n;
    char id[CSV_MAX_FIELDS][64];
    int qual_of[CSV_MAX_FIELDS];
} csv_header;

/* Splits the header line (modified in place; h->name points into it) and resolves each
 * total column to a category (memo borrowed; new categories noted in res). Returns 0 or -1
 * (message in err). */
static int csv_header_read(store *st, key_memo *memo, const char *name, char *line,
                           csv_header *h, import_result *res, char *err, size_t errlen)
{
    h->n = line ? csv_split(line, h->name, CSV_MAX_FIELDS) : 0;
    for (size_t i = 2; i < h->n; i++) {
        size_t l = strlen(h->name[i]);
        h->qual_of[i] = -1;
        if (l > 1 && h->name[i][l - 1] == '*') {
            for (size_t j = 2; j < h->n; j++)
                if (j != i && strncmp(h->name[j], h->name[i], l - 1) == 0 &&
                    h->name[j][l - 1] == '\0')
                    h->qual_of[i] = (int)j;
            continue;
        }
        if (resolve_key(st, memo, h->name[i], h->id[i], sizeof h->id[i], res) != 0) {
            text_message(err, errlen, "%s: header column %zu \"%s\" cannot name a category", name,
                         i + 1, h->name[i]);
            return -1;
        }
    }
    return 0;
}

static int csv_row_values(store *st, const char *name, size_t row, char **f, size_t nf,
                          const csv_header *h, entry_head *hd, import_result *res, char *err,
                          size_t errlen);

/* Stores the totals of one data line (line number row; modified in place) under the header h
 * (borrowed). Returns 0 or -1 (message in err). */
static int csv_row_import(store *st, const char *name, size_t row, char *line,
                          const csv_header *h, import_result *res, char *err, size_t errlen)
{
    char *f[CSV_MAX_FIELDS];
    size_t nf = csv_split(line, f, CSV_MAX_FIELDS);
    int day;
    char at[200];
    if (nf != h->n || date_parse(f[0], &day) != 0) {
        text_message(err, errlen, "%s: line %zu: expected %zu fields starting with a date",
                     name, row, h->n);
        return -1;
    }
    snprintf(at, sizeof at, "%s: line %zu", name, row);
    if (import_date_check(at, day, err, errlen) != 0)
        return -1;
    entry_head *hd = malloc(sizeof *hd);
    if (hd == NULL || head_load(st, name, day, res, hd, err, errlen) != 0) {
        if (hd == NULL)
            text_message(err, errlen, "%s: out of memory", name);
        free(hd);
        return -1;
    }
    res->reports_seen++;
    if (hd->revision == 0)
        res->reports_added++;
    int rc = csv_row_values(st, name, row, f, nf, h, hd, res, err, errlen);
    free(hd);
    return rc;
}

/* The totals of one CSV line (fields f, nf of them) into the report hd describes. 0 or -1. */
static int csv_row_values(store *st, const char *name, size_t row, char **f, size_t nf,
                          const csv_header *h, entry_head *hd, import_result *res, char *err,
                          size_t errlen)
{
    for (size_t i = 2; i < nf; i++) {
        if (h->qual_of[i] >= 0 || h->name[i][strlen(h->name[i]) - 1] == '*' || f[i][0] == '\0')
            continue;
        char *end;
        errno = 0;
        long long v = strtoll(f[i], &end, 10);
        if (errno || *end || v < 0 || v > IMPORT_MAX_TOTAL) {
            text_message(err, errlen, "%s: line %zu: \"%s\" is not a valid total of %s", name,
                         row, f[i], h->name[i]);
            return -1;
        }
        const char *q = NULL;
        for (size_t j = 2; j < nf; j++)
            if (h->qual_of[j] == (int)i && f[j][0])
                q = f[j];
        if (apply_value(st, hd, name, h->id[i], v, q, res) != 0) {
            text_message(err, errlen, "%s: line %zu: %s", name, row, store_errmsg(st));
            return -1;
        }
    }
    return 0;
}

/* Imports attrition's CSV export (data, len bytes, borrowed): a header line, then one line a
 * date. Returns 0 or -1 (message in err); what was stored before a failure is the caller's
 * transaction to roll back. */
static int import_csv(store *st, const char *name, const char *data, size_t len,
                      import_result *res, char *err, size_t errlen)
{
    int rc = -1, *seen = NULL; /* the dates of the lines read */
    char *copy = strndup(data, len);
    key_memo *memo = calloc(1, sizeof *memo);
    csv_header h;
    if (copy == NULL || memo == NULL) {
        text_message(err, errlen, "%s: out of memory", name);
        goto cleanup;
    }
    char *save = NULL;
    char *line = strtok_r(copy, "\r\n", &save);
    if (csv_header_read(st, memo, name, line, &h, res, err, errlen) != 0)
        goto cleanup;
    size_t row = 1, n_seen = 0, cap_seen = 0;
    while ((line = strtok_r(NULL, "\r\n", &save)) != NULL) {
        char ds[DATE_STR_LEN + 1];
        int day, *ns;
        snprintf(ds, sizeof ds, "%.*s", (int)strcspn(line, ","), line);
        row++;
        for (size_t j = 0; date_parse(ds, &day) == 0 && j < n_seen; j++)
            if (seen[j] == day) { /* which would count? the file contradicts itself */
                text_message(err, errlen, "%s: line %zu: %s is given twice in this file", name,
                             row, ds);
                goto cleanup;
            }
        if (date_parse(ds, &day) == 0) {
            if ((ns = array_room(seen, n_seen, &cap_seen, sizeof *ns, 256)) == NULL) {
                text_message(err, errlen, "%s: out of memory", name);
                goto cleanup;
            }
            seen = ns;
            seen[n_seen++] = day;
        }
        if (csv_row_import(st, name, row, line, &h, res, err, errlen) != 0)
            goto cleanup;
    }
    rc = 0;
cleanup:
    free(seen);
    free(memo);
    free(copy);
    return rc;
}

int import_buffer(store *st, const char *name, const char *data, size_t len,
                  import_result *res, char *err, size_t errlen)
{
    int rc = -1, kind = -1;
    json_error_t jerr;
    json_t *root = NULL;
    if (len >= 9 && memcmp(data, "date,day,", 9) == 0) {
        kind = IMPORT_EXPORT_CSV;
        rc = import_csv(st, name, data, len, res, err, errlen);
        goto done;
    }
    json_guard guard;
    char why[128];
    json_guard_init(&guard);
    if (json_guard_feed(&guard, data, len) != 0) {
        text_message(err, errlen, "%s: not importable: %s", name,
                     json_guard_why(&guard, why, sizeof why));
        goto cleanup;
    }
    root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        text_message(err, errlen, "%s: not valid JSON (line %d, column %d: %s)", name, jerr.line,
                     jerr.column, jerr.text);
        goto cleanup;
    }
    kind = detect_json(root);
    switch (kind) {
    case IMPORT_PERSONNEL:
    case IMPORT_EQUIPMENT:
    case IMPORT_CORRECTIONS:
        rc = import_ministry(st, name, root, kind, res, err, errlen);
        break;
    case IMPORT_EXPORT_JSON:
        rc = import_export_json(st, name, root, res, err, errlen);
        break;
    case IMPORT_DEPLOYMENTS: {
        size_t added = 0;
        char derr[256];
        if (deploy_import_json(st, data, len, date_today(), &added, derr,
                               sizeof derr) != DEPLOY_OK) {
            text_message(err, errlen, "%s: %s", name, derr);
            goto cleanup;
        }
        res->deployments_added += added;
        rc = 0;
        break;
    }
    default:
        text_message(err, errlen, "%s: not a recognised file: expected the ministry dataset's "
                     "personnel, equipment or corrections JSON, an attrition export, or deployment "
                     "estimates", name);
        goto cleanup;
    }
done:
    if (rc == 0) {
        if (res->files < 16)
            res->kinds[res->files] = kind;
        res->files++;
    }
cleanup:
    json_decref(root);
    return rc;
}

/* Reads a whole file into a malloc'd buffer (caller frees). Returns NULL with err set. */
static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    char *buf = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        text_message(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) != 0) {
        text_message(err, errlen, "%s: not a regular file", path);
        goto cleanup;
    }
    long size = ftell(f);
    if (size < 0 || size > IMPORT_MAX_FILE) {
        text_message(err, errlen, "%s: size %ld is not importable (at most %ld bytes)", path, size,
                     IMPORT_MAX_FILE);
        goto cleanup;
    }
    rewind(f);
    buf = malloc((size_t)size + 1);
    if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        text_message(err, errlen, "%s: cannot read: %s", path,
                     buf ? strerror(errno) : "out of memory");
        free(buf);
        buf = NULL;
        goto cleanup;
    }
    buf[size] = '\0';
    *len = (size_t)size;
cleanup:
    fclose(f);
    return buf;
}

int import_files(store *st, const char *const *paths, size_t n, import_result *res,
                 char *err, size_t errlen)
{
    int rc = -1;
    char *buf = NULL;
    memset(res, 0, sizeof *res); /* by_kind NULL: "import FILE" */
    if (store_begin(st) != STORE_OK) {
        text_message(err, errlen, "cannot start a transaction: %s", store_errmsg(st));
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        buf = read_file(paths[i], &len, err, errlen);
        if (buf == NULL || import_buffer(st, paths[i], buf, len, res, err, errlen) != 0)
            goto cleanup;
        free(buf);
        buf = NULL;
    }
    int seeded = store_seed_pending(st) && !res->export_seen;
    if (store_seed_pending(st) && store_seed_settle(st, seeded, err, errlen) != STORE_OK)
        goto cleanup;
    if (res->values_changed || res->notes_changed || res->deployments_added || res->n_new ||
        res->extras_changed || seeded) {
        if (store_touch(st) != STORE_OK) {
            text_message(err, errlen, "cannot record the change: %s", store_errmsg(st));
            goto cleanup;
        }
    }
    if (store_commit(st) != STORE_OK) {
        text_message(err, errlen, "cannot commit: %s", store_errmsg(st));
        goto cleanup;
    }
    rc = 0;
cleanup:
    free(buf);
    import_result_free(res); /* the run's lists; the counters stay */
    if (rc != 0)
        store_rollback(st);
    return rc;
}
