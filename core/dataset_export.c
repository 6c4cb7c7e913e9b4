/* The ministry dataset's files made from the store (include/attrition/dataset.h).
 *
 * Each report becomes one entry of the personnel file and one of the equipment file, in the
 * layout its source entry had (dataset_entry: keys in order, the entry's own "day"); a key
 * names a category (by alias, as import resolved it), a qualifier ("personnel*") or a text
 * annotation. A report without a stored layout (posted, synced from an API, imported before
 * schema 3) gets the default one: personnel, personnel*, POW; the equipment keys of the
 * nearest earlier entry. A category with a total that neither layout names is added at the
 * end of its file under its dataset key (the first alias in config/categories.json, else its
 * label). A report with no figure for a file (a post of equipment only) has no entry in
 * it: every entry of the dataset's files has one. The corrections file has an entry per date with a stored layout or correction note:
 * every key of the layout (0 where no note), then notes of other categories. */
#include "attrition/dataset.h"
#include "store_internal.h"
#include "attrition/date.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* What the export reads: the snapshot, the layouts and annotations by report. */
typedef struct ds_ctx {
    store *st;
    stats_snapshot *s;
    json_t *lay[2];     /* personnel, equipment: {"YYYY-MM-DD": {"day", "keys"}} */
    json_t *notes;      /* corrections: {"YYYY-MM-DD": {"day", "keys", "notes": {id: n}}} */
    json_t *ann;        /* {"YYYY-MM-DD": {key: text}} */
    json_t *cat_of;     /* memo: dataset key -> category index (-1: none) */
    json_t *key_of;     /* category id -> its dataset key (categories.json, first alias) */
} ds_ctx;

/* Index in c->s of the category that key names, or -1. */
static int cat_index(ds_ctx *c, const char *key)
{
    json_t *m = json_object_get(c->cat_of, key);
    if (m)
        return (int)json_integer_value(m);
    char id[64];
    int created = 0, idx = -1;
    if (store_category_resolve(c->st, key, 0, id, sizeof id, &created) == STORE_OK)
        idx = stats_category_index(c->s, id);
    json_object_set_new(c->cat_of, key, json_integer(idx));
    return idx;
}

/* The dataset key of category index i. Borrowed. */
static const char *key_of(ds_ctx *c, size_t i)
{
    const char *k = json_string_value(json_object_get(c->key_of, c->s->cats[i].id));
    return k ? k : c->s->cats[i].label;
}

/* Reads every row of sql (date, day, keys) into dst: {date: {"day", "keys"}}. */
static int read_layouts(ds_ctx *c, const char *file, json_t *dst)
{
    db_stmt *stmt = store_prepare(c->st, "SELECT date, day, keys FROM dataset_entry "
                                              "WHERE file = ?1", "t", file);
    int step;
    if (stmt == NULL)
        return STORE_EDB;
    while ((step = db_step(stmt)) == DB_ROW) {
        json_t *keys = json_loads((const char *)db_column_text(stmt, 2), 0, NULL);
        json_t *e = json_pack("{s:o, s:o}", "day", db_column_null(stmt, 1)
                              ? json_null() : json_integer(db_column_int64(stmt, 1)),
                              "keys", json_is_array(keys) ? keys : json_array());
        if (!json_is_array(keys))
            json_decref(keys);
        json_object_set_new(dst, (const char *)db_column_text(stmt, 0), e);
    }
    db_finalize(stmt);
    return step == DB_DONE ? STORE_OK : STORE_EDB;
}

/* Reads annotations and correction notes into c. */
static int read_extras(ds_ctx *c)
{
    int step;
    db_stmt *stmt = store_prepare(c->st, "SELECT date, key, value FROM report_annotation", "");
    if (stmt == NULL)
        return STORE_EDB;
    while ((step = db_step(stmt)) == DB_ROW) {
        const char *d = (const char *)db_column_text(stmt, 0);
        if (json_object_get(c->ann, d) == NULL)
            json_object_set_new(c->ann, d, json_object());
        json_object_set_new(json_object_get(c->ann, d), (const char *)db_column_text(stmt, 1),
                            json_string((const char *)db_column_text(stmt, 2)));
    }
    db_finalize(stmt);
    if (step != DB_DONE)
        return STORE_EDB;
    stmt = store_prepare(c->st, "SELECT date, category, amount FROM correction_note", "");
    if (stmt == NULL)
        return STORE_EDB;
    while ((step = db_step(stmt)) == DB_ROW) {
        const char *d = (const char *)db_column_text(stmt, 0);
        json_t *e = json_object_get(c->notes, d);
        if (e == NULL)
            json_object_set_new(c->notes, d, e = json_pack("{s:n, s:[]}", "day", "keys"));
        if (json_object_get(e, "notes") == NULL)
            json_object_set_new(e, "notes", json_object());
        json_object_set_new(json_object_get(e, "notes"), (const char *)db_column_text(stmt, 1),
                            json_integer(db_column_int64(stmt, 2)));
    }
    db_finalize(stmt);
    return step == DB_DONE ? STORE_OK : STORE_EDB;
}

/* id -> first alias of the embedded categories.json. */
static json_t *default_keys(void)
{
    json_t *root = json_loads(store_categories_json, 0, NULL), *out = json_object(), *cat;
    size_t i;
    json_array_foreach(root, i, cat) {
        json_t *a = json_array_get(json_object_get(cat, "aliases"), 0);
        if (json_is_string(a))
            json_object_set(out, json_string_value(json_object_get(cat, "id")), a);
    }
    json_decref(root);
    return out;
}

/* Is key, in a layout, something other than a category: date, day, a qualifier? */
static int is_meta_key(const char *key)
{
    size_t l = strlen(key);
    return strcmp(key, "date") == 0 || strcmp(key, "day") == 0 || (l > 1 && key[l - 1] == '*');
}

/* Marks in covered[] the categories keys names. */
static void cover(ds_ctx *c, json_t *keys, unsigned char *covered)
{
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k) {
        int ci = is_meta_key(json_string_value(k)) ? -1 : cat_index(c, json_string_value(k));
        if (ci >= 0)
            covered[ci] = 1;
    }
}

/* Adds key of report r to o as the layout says (exact: a layout read from the dataset,
 * whose qualifier keys stay even when empty). */
static void put_key(ds_ctx *c, json_t *o, size_t r, const char *key, json_t *ann, int exact)
{
    const stats_snapshot *s = c->s;
    json_t *text = json_object_get(ann, key);
    size_t l = strlen(key);
    if (text) {
        json_object_set(o, key, text);
    } else if (l > 1 && key[l - 1] == '*') {
        char base[128];
        snprintf(base, sizeof base, "%.*s", (int)(l - 1), key);
        int ci = cat_index(c, base);
        const char *q = ci >= 0 ? stats_qualifier(s, r, (size_t)ci) : NULL;
        if (q || exact)
            json_object_set_new(o, key, q ? json_string(q) : json_null());
    } else if (!is_meta_key(key)) {
        int ci = cat_index(c, key);
        if (ci >= 0 && stats_total(s, r, (size_t)ci) != STATS_NONE)
            json_object_set_new(o, key, json_integer(stats_total(s, r, (size_t)ci)));
    }
}

/* The personnel (file 0) or equipment (1) entry of report r. last_eq: the equipment keys of
 * the nearest earlier entry (updated here). A new reference or NULL. */
static json_t *report_entry(ds_ctx *c, int file, size_t r, json_t **last_eq)
{
    const stats_snapshot *s = c->s;
    char ds[DATE_STR_LEN];
    date_format(s->dates[r], ds);
    json_t *lp = json_object_get(c->lay[0], ds), *le = json_object_get(c->lay[1], ds);
    json_t *keys[2] = {json_object_get(lp, "keys"), json_object_get(le, "keys")};
    json_t *defp = keys[0] ? NULL : json_pack("[s, s, s, s, s]", "date", "day", "personnel",
                                              "personnel*", "POW");
    if (keys[1])
        *last_eq = keys[1];
    if (keys[0] == NULL)
        keys[0] = defp;
    if (keys[1] == NULL)
        keys[1] = *last_eq;
    json_t *own = file ? le : lp, *ann = json_object_get(c->ann, ds);
    json_t *day = json_object_get(own, "day");
    json_t *o = json_pack("{s:s, s:o}", "date", ds, "day", json_is_integer(day)
                          ? json_incref(day) : json_integer(date_war_day(s->dates[r])));
    unsigned char *covered = calloc(s->n_cat ? s->n_cat : 1, 1);
    if (o == NULL || covered == NULL) {
        json_decref(o);
        o = NULL;
        goto cleanup;
    }
    cover(c, keys[0], covered);
    cover(c, keys[1], covered);
    size_t i;
    json_t *k;
    json_array_foreach(keys[file], i, k)
        put_key(c, o, r, json_string_value(k), ann, own != NULL);
    for (size_t ci = 0; ci < s->n_cat; ci++) {
        int personnel = strcmp(s->cats[ci].id, "personnel") == 0 ||
                        strcmp(s->cats[ci].id, "pow") == 0;
        if (!covered[ci] && personnel == !file && stats_total(s, r, ci) != STATS_NONE)
            json_object_set_new(o, key_of(c, ci), json_integer(stats_total(s, r, ci)));
    }
    const char *ak;
    json_t *av;
    if (file == 1)
        json_object_foreach(ann, ak, av)
            if (json_object_get(o, ak) == NULL)
                json_object_set(o, ak, av);
cleanup:
    free(covered);
    json_decref(defp);
    return o;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The corrections file: an entry per date of c->notes (layouts and notes merged there). */
static json_t *corrections(ds_ctx *c)
{
    size_t n = json_object_size(c->notes), i = 0;
    const char **dates = malloc((n ? n : 1) * sizeof *dates), *d;
    json_t *arr = json_array(), *e;
    if (dates == NULL || arr == NULL)
        goto fail;
    json_object_foreach(c->notes, d, e)
        dates[i++] = d;
    qsort(dates, n, sizeof *dates, cmp_str);
    for (i = 0; i < n; i++) {
        int day;
        e = json_object_get(c->notes, dates[i]);
        json_t *notes = json_object_get(e, "notes"), *jd = json_object_get(e, "day"), *k;
        if (date_parse(dates[i], &day) != 0)
            continue;
        json_t *o = json_pack("{s:s, s:I}", "date", dates[i], "day", json_is_integer(jd)
                              ? json_integer_value(jd) : (json_int_t)date_war_day(day));
        json_t *done = json_object();
        size_t j;
        json_array_foreach(json_object_get(e, "keys"), j, k) {
            const char *key = json_string_value(k);
            if (is_meta_key(key))
                continue;
            int ci = cat_index(c, key);
            json_t *v = ci >= 0 ? json_object_get(notes, c->s->cats[ci].id) : NULL;
            json_object_set_new(o, key, json_integer(v ? json_integer_value(v) : 0));
            if (ci >= 0)
                json_object_set_new(done, c->s->cats[ci].id, json_true());
        }
        const char *id;
        json_t *v;
        json_object_foreach(notes, id, v) {
            int ci = stats_category_index(c->s, id);
            if (ci >= 0 && json_object_get(done, id) == NULL)
                json_object_set(o, key_of(c, (size_t)ci), v);
        }
        json_decref(done);
        if (json_array_append_new(arr, o) != 0)
            goto fail;
    }
    free(dates);
    return arr;
fail:
    free(dates);
    json_decref(arr);
    return NULL;
}

int dataset_export(store *st, const stats_snapshot *snap, int file, char **out, size_t *len)
{
    int rc = STORE_ENOMEM;
    ds_ctx c = {st, snap ? stats_snapshot_ref((stats_snapshot *)snap) : NULL,
                {json_object(), json_object()}, json_object(), json_object(), json_object(),
                default_keys()};
    json_t *root = NULL, *last_eq = NULL;
    *out = NULL;
    if (dataset_file_name(file) == NULL) {
        rc = STORE_EINVAL;
        goto cleanup;
    }
    if ((c.s == NULL && (rc = store_snapshot_load(st, &c.s)) != STORE_OK) ||
        (rc = read_layouts(&c, "personnel", c.lay[0])) != STORE_OK ||
        (rc = read_layouts(&c, "equipment", c.lay[1])) != STORE_OK ||
        (rc = read_layouts(&c, "correction", c.notes)) != STORE_OK ||
        (rc = read_extras(&c)) != STORE_OK)
        goto cleanup;
    rc = STORE_ENOMEM;
    if (file == DATASET_CORRECTION) {
        root = corrections(&c);
    } else {
        root = json_array();
        for (size_t r = 0; root && r < c.s->n_rep; r++) {
            json_t *e = report_entry(&c, file, r, &last_eq);
            if (e != NULL && json_object_size(e) <= 2) { /* no figure of this file's (a post */
                json_decref(e);                           /* of equipment only): no entry */
                continue;
            }
            if (json_array_append_new(root, e) != 0) {
                json_decref(root);
                root = NULL;
            }
        }
    }
    if (root && (*out = json_dumps(root, JSON_INDENT(4))) != NULL) {
        *len = strlen(*out);
        rc = STORE_OK;
    }
cleanup:
    json_decref(root);
    for (int i = 0; i < 2; i++)
        json_decref(c.lay[i]);
    json_decref(c.notes);
    json_decref(c.ann);
    json_decref(c.cat_of);
    json_decref(c.key_of);
    stats_snapshot_unref(c.s);
    return rc;
}
