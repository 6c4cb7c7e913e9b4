/* The SQLite store. See include/attrition/store.h for the contracts. */
#include "store_internal.h"
#include "array.h"
#include "attrition/date.h"
#include "deploy_db.h"
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
    db *db;
    pthread_mutex_t lock;
    const char *cache_sql[STORE_CACHE]; /* hot statements, prepared once */
    db_stmt *cache[STORE_CACHE];
};

db *store_db(store *st) { return st->db; }
const char *store_errmsg(store *st) { return db_errmsg(st->db); }
int store_last_status(store *st) { return db_status(st->db); }
void store_lock(store *st) { pthread_mutex_lock(&st->lock); }
void store_unlock(store *st) { pthread_mutex_unlock(&st->lock); }

static int exec_sql(store *st, const char *sql)
{
    return db_exec(st->db, sql);
}

int store_begin(store *st) { return db_begin(st->db); }
/* Every commit is announced (db_notify, delivered at commit) to every other process sharing
 * the store, as SQLite's data_version tells of any: also one that changes no value (a sync
 * round's outcome and disagreements, read by /readyz everywhere). */
int store_commit(store *st)
{
    int rc = db_notify(st->db, store_data_version(st));
    return rc == STORE_OK ? db_commit(st->db) : rc;
}
void store_rollback(store *st) { db_rollback(st->db); }

db_stmt *store_prepare(store *st, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    db_stmt *stmt = db_prepare_va(st->db, sql, fmt, ap);
    va_end(ap);
    return stmt;
}

/* A statement prepared once per store for sql (a string literal: compared by address),
 * reset and with the arguments of fmt bound as in store_prepare. The store owns it: never
 * finalize it (store_close does); run it with run_cached. NULL on failure. */
static db_stmt *prepare_cached(store *st, const char *sql, const char *fmt, ...)
{
    int slot = -1;
    for (int i = 0; i < STORE_CACHE && slot < 0; i++)
        if (st->cache_sql[i] == sql || st->cache_sql[i] == NULL)
            slot = i;
    if (slot < 0)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    db_stmt *stmt = NULL;
    if (st->cache_sql[slot] == NULL) {
        stmt = db_prepare_va(st->db, sql, fmt, ap);
        if (stmt) {
            st->cache[slot] = stmt;
            st->cache_sql[slot] = sql;
        }
    } else {
        stmt = st->cache[slot];
        if (db_rebind_va(stmt, fmt, ap) != STORE_OK)
            stmt = NULL;
    }
    va_end(ap);
    return stmt;
}

/* Steps a cached statement that returns no rows and resets it; *changes (may be NULL) gets
 * the rows it changed. Returns a store status. */
static int run_cached(db_stmt *stmt, int64_t *changes)
{
    if (stmt == NULL)
        return STORE_EDB;
    int rc = db_step(stmt);
    if (rc == DB_DONE && changes)
        *changes = db_changes(stmt);
    db_reset(stmt);
    return rc == DB_DONE ? STORE_OK : rc == DB_ROW ? STORE_EDB : rc;
}

int store_run(db_stmt *stmt)
{
    return db_run(stmt, NULL);
}

int store_touch(store *st)
{
    char now[TEXT_ISO_SIZE];
    snprintf(now, sizeof now, "%lld", (long long)time(NULL));
    int rc = store_run(store_prepare(st,
        "INSERT INTO meta(key, value) VALUES('data_version', '1') "
        "ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT)", ""));
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
        "ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT)", "t", key));
}

/* Reads an integer meta value; 0 when absent or on error. */
static int64_t meta_int(store *st, const char *key)
{
    int64_t v = 0;
    db_stmt *stmt = store_prepare(st, "SELECT CAST(value AS BIGINT) FROM meta WHERE key = ?1",
                                 "t", key);
    if (stmt && db_step(stmt) == DB_ROW)
        v = db_column_int64(stmt, 0);
    db_finalize(stmt);
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
            rc = store_run(store_prepare(st, "INSERT INTO category_alias(alias, category) VALUES(?1, ?1) "
                                             "ON CONFLICT DO NOTHING",
                                  "t", id));
        size_t k;
        json_t *alias;
        json_array_foreach(json_object_get(c, "aliases"), k, alias) {
            if (rc == STORE_OK)
                rc = store_run(store_prepare(st, "INSERT INTO category_alias(alias, category) VALUES(?1, ?2) "
                                             "ON CONFLICT DO NOTHING",
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
        snprintf(err, errlen, "seeding categories: %s", db_errmsg(st->db));
    json_decref(root);
    return rc;
}

/* Seeds the embedded deployment estimates (config/deployments.json) inside the caller's
 * transaction. A store status, err set on failure. */
static int seed_deployments(store *st, char *err, size_t errlen)
{
    size_t added = 0;
    char derr[256];
    if (deploy_db_import_json(st->db, store_deployments_json, strlen(store_deployments_json),
                           date_today(), &added, derr, sizeof derr) != DEPLOY_OK) {
        snprintf(err, errlen, "seeding deployments: %s", derr);
        return STORE_EINVAL;
    }
    return STORE_OK;
}

/* Applies the schema to a new database (seeding its deployments unless STORE_OPEN_NOSEED,
 * which leaves meta 'seed_pending' for store_seed_settle), or checks the version of an
 * existing one and migrates it step by step (db_schema_begin: the backend's part). */
static int apply_schema(store *st, int flags, int *fresh, char *err, size_t errlen)
{
    int rc = db_schema_begin(st->db, fresh, err, errlen);
    if (rc != STORE_OK)
        return rc;
    if ((rc = seed_categories(st, err, errlen)) != STORE_OK) {
        store_rollback(st);
        return rc;
    }
    if (*fresh && (flags & STORE_OPEN_NOSEED))
        rc = exec_sql(st, "INSERT INTO meta(key, value) VALUES('seed_pending', '1') "
                          "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    else if (*fresh || (!(flags & STORE_OPEN_NOSEED) && meta_int(st, "seed_pending")))
        rc = store_seed_settle(st, 1, err, errlen);
    if (rc != STORE_OK) {
        store_rollback(st);
        return rc;
    }
    if (*fresh && (rc = store_touch(st)) != STORE_OK)
        goto fail;
    if ((rc = store_commit(st)) != STORE_OK)
        goto fail;
    return STORE_OK;
fail:
    snprintf(err, errlen, "applying the schema: %s", db_errmsg(st->db));
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
        snprintf(err, errlen, "seeding: %s", db_errmsg(st->db));
    return rc;
}

int store_seed_pending(store *st)
{
    return meta_int(st, "seed_pending") != 0;
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
    if ((rc = db_open(path, flags, &st->db, err, errlen)) != STORE_OK)
        goto cleanup;
    char shown[512];
    db_target_redacted(path, shown, sizeof shown);
    if (readonly) {
        rc = STORE_OK;
    } else if ((rc = apply_schema(st, flags, &fresh, err, errlen)) != STORE_OK) {
        char inner[512];
        snprintf(inner, sizeof inner, "%s", err);
        snprintf(err, errlen, "database %s: %s", shown, inner);
        goto cleanup;
    }
    if (!fresh && !readonly && (rc = db_schema_check(st->db, shown, err, errlen)) != STORE_OK)
        goto cleanup;
    *out = st;
    st = NULL;
    rc = STORE_OK;
cleanup:
    if (st) {
        db_close(st->db);
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
        db_finalize(st->cache[i]);
    db_close(st->db);
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
    /* lower() on both sides: SQLite's NOCASE column and PostgreSQL's index on lower(alias)
     * (config/schema_pg.sql) fold ASCII case alike */
    db_stmt *stmt = store_prepare(st, "SELECT category FROM category_alias "
                                     "WHERE lower(alias) = lower(?1) "
                                     "UNION ALL SELECT id FROM category WHERE id = ?2",
                                 "tt", key, key);
    if (stmt == NULL)
        return STORE_EDB;
    int step = db_step(stmt);
    if (step == DB_ROW) {
        snprintf(id, idlen, "%s", (const char *)db_column_text(stmt, 0));
        rc = STORE_OK;
        goto cleanup;
    }
    if (step != DB_DONE)
        goto cleanup;
    if (category_id_from_key(key, newid, sizeof newid) != 0) {
        rc = STORE_EINVAL;
        goto cleanup;
    }
    db_finalize(stmt);
    stmt = NULL;
    /* A new spelling of an id that exists ("Tanks!" -> tanks) is an alias of it. */
    stmt = store_prepare(st, "SELECT id FROM category WHERE id = ?1", "t", newid);
    step = stmt ? db_step(stmt) : STORE_EDB;
    if (step != DB_ROW && step != DB_DONE)
        goto cleanup;
    if (step == DB_DONE) {
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
    rc = store_run(store_prepare(st, "INSERT INTO category_alias(alias, category) VALUES(?1, ?2) "
                                             "ON CONFLICT DO NOTHING", "tt",
                          key, newid));
    if (rc == STORE_OK)
        snprintf(id, idlen, "%s", newid);
cleanup:
    db_finalize(stmt);
    return rc;
}

int store_value_write(store *st, int date, const char *category, int64_t total,
                      const char *qualifier, const char *by, int *changed)
{
    char day[DATE_STR_LEN], now[32];
    date_format(date, day);
    text_now_iso(now);
    *changed = 0;
    int64_t n = 0;
    int rc = run_cached(prepare_cached(st,
        "INSERT INTO report(date, stored_at, written_by) VALUES(?1, ?2, ?3) "
        "ON CONFLICT DO NOTHING", "ttt",
        day, now, by), NULL);
    if (rc != STORE_OK)
        return rc;
    rc = run_cached(prepare_cached(st,
        "INSERT INTO report_value(date, category, total, qualifier) VALUES(?1, ?2, ?3, ?4) "
        "ON CONFLICT(date, category) DO UPDATE SET total = excluded.total, "
        "qualifier = excluded.qualifier "
        "WHERE report_value.total IS DISTINCT FROM excluded.total "
        "OR report_value.qualifier IS DISTINCT FROM excluded.qualifier",
        "ttit", day, category, total, qualifier && *qualifier ? qualifier : NULL), &n);
    if (rc == STORE_OK)
        *changed = n > 0;
    /* a value changed by import or sync: the report was last stored now (its Atom entry's
     * updated, GET /v1/reports/{date}) */
    if (rc == STORE_OK && *changed)
        rc = run_cached(prepare_cached(st,
            "UPDATE report SET stored_at = ?2 WHERE date = ?1 AND stored_at IS DISTINCT FROM ?2", "tt",
            day, now), NULL);
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
    db_stmt *stmt = prepare_cached(st, "SELECT total, qualifier FROM report_value "
                                            "WHERE date = ?1 AND category = ?2", "tt", day, category);
    if (stmt == NULL)
        return STORE_EDB;
    int step = db_step(stmt), rc = STORE_ENOTFOUND;
    if (step == DB_ROW) {
        *total = db_column_int64(stmt, 0);
        const char *q = db_column_text(stmt, 1);
        snprintf(qualifier, qlen, "%s", q ? (const char *)q : "");
        rc = STORE_OK;
    } else if (step != DB_DONE) {
        rc = step;
    }
    db_reset(stmt);
    return rc;
}

int store_report_head(store *st, const char *day, int *revision, int *api)
{
    db_stmt *stmt = prepare_cached(st, "SELECT revision, written_by IN ('post', 'put') "
                                            "FROM report WHERE date = ?1", "t", day);
    if (stmt == NULL)
        return STORE_EDB;
    int step = db_step(stmt), rc = STORE_ENOTFOUND;
    *revision = 0;
    *api = 0;
    if (step == DB_ROW) {
        *revision = (int)db_column_int64(stmt, 0);
        *api = (int)db_column_int64(stmt, 1) == 1;
        rc = STORE_OK;
    } else if (step != DB_DONE) {
        rc = step;
    }
    db_reset(stmt);
    return rc;
}

/* The values of the report of day as two JSON objects (compact, in category order): totals and
 * the qualifiers that are set, into *totals and *quals (caller frees). A store status. */
static int report_json(store *st, const char *day, char **totals, char **quals)
{
    int rc = STORE_ENOMEM, step;
    json_t *t = json_object(), *q = json_object();
    db_stmt *stmt = store_prepare(st, "SELECT v.category, v.total, v.qualifier FROM report_value v "
                                      "JOIN category c ON c.id = v.category WHERE v.date = ?1 "
                                      "ORDER BY c.sort, c.id", "t", day);
    *totals = *quals = NULL;
    if (stmt == NULL) {
        rc = db_status(st->db) ? db_status(st->db) : STORE_EDB;
        goto cleanup;
    }
    if (t == NULL || q == NULL)
        goto cleanup;
    while ((step = db_step(stmt)) == DB_ROW) {
        const char *cat = db_column_text(stmt, 0), *qual = db_column_text(stmt, 2);
        if (cat == NULL || json_object_set_new(t, cat, json_integer(db_column_int64(stmt, 1))) != 0 ||
            (qual && json_object_set_new(q, cat, json_string(qual)) != 0))
            goto cleanup;
    }
    if (step != DB_DONE) {
        rc = step;
        goto cleanup;
    }
    *totals = json_dumps(t, JSON_COMPACT | JSON_PRESERVE_ORDER);
    *quals = json_dumps(q, JSON_COMPACT | JSON_PRESERVE_ORDER);
    rc = *totals && *quals ? STORE_OK : STORE_ENOMEM;
cleanup:
    db_finalize(stmt);
    json_decref(t);
    json_decref(q);
    if (rc != STORE_OK) {
        free(*totals);
        free(*quals);
        *totals = *quals = NULL;
    }
    return rc;
}

int store_report_revise(store *st, const char *day, const char *by)
{
    char now[32], *totals, *quals;
    text_now_iso(now);
    int rc = report_json(st, day, &totals, &quals);
    if (rc != STORE_OK)
        return rc;
    rc = store_run(store_prepare(st,
        "INSERT INTO report_revision(date, revision, stored_at, totals, qualifiers, source_url, "
        "written_by) SELECT r.date, r.revision, r.stored_at, ?2, ?3, r.source_url, r.written_by "
        "FROM report r WHERE r.date = ?1",
        "ttt", day, totals, quals));
    free(totals);
    free(quals);
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
    int64_t n = 0;
    int rc = db_run(store_prepare(st,
        "INSERT INTO correction_note(date, category, amount) VALUES(?1, ?2, ?3) "
        "ON CONFLICT(date, category) DO UPDATE SET amount = excluded.amount "
        "WHERE correction_note.amount IS DISTINCT FROM excluded.amount",
        "tti", day, category, amount), &n);
    if (rc == STORE_OK)
        *changed = n > 0;
    return rc;
}

long store_report_count(store *st)
{
    long n = -1;
    db_stmt *stmt = store_prepare(st, "SELECT count(*) FROM report", "");
    if (stmt && db_step(stmt) == DB_ROW)
        n = (long)db_column_int64(stmt, 0);
    db_finalize(stmt);
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

static char *col_dup(db_stmt *stmt, int i)
{
    const char *t = db_column_text(stmt, i);
    return t ? strdup((const char *)t) : NULL;
}

static int load_categories(store *st, cat_list *cl)
{
    int rc = STORE_EDB, step;
    size_t cap = 0;
    db_stmt *stmt = store_prepare(st, "SELECT id, label, unit, replaced_by, seeded FROM category "
                                     "ORDER BY sort, id", "");
    if (stmt == NULL)
        return STORE_EDB;
    while ((step = db_step(stmt)) == DB_ROW) {
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
        d->seeded = (int)db_column_int64(stmt, 4);
        if (d->id == NULL || d->label == NULL) {
            rc = STORE_ENOMEM;
            goto cleanup;
        }
    }
    rc = step == DB_DONE ? STORE_OK : step;
cleanup:
    db_finalize(stmt);
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
    db_stmt *stmt = NULL;
    if ((rc = load_categories(st, &cl)) != STORE_OK)
        goto cleanup;
    rc = STORE_EDB;
    stmt = store_prepare(st, "SELECT v.date, v.category, v.total, v.qualifier FROM report_value v "
                       "ORDER BY v.category", "");
    if (stmt == NULL)
        goto cleanup;
    int cat = -1;
    const char *cat_id = NULL;
    while ((step = db_step(stmt)) == DB_ROW) {
        if (n == cap && grow_values(&vals, &quals, &cap) != 0) {
            rc = STORE_ENOMEM;
            goto cleanup;
        }
        const char *cid = (const char *)db_column_text(stmt, 1);
        if (cat_id == NULL || strcmp(cat_id, cid) != 0) {
            cat = -1;
            for (size_t i = 0; i < cl.n; i++)
                if (strcmp(cl.defs[i].id, cid) == 0)
                    cat = (int)i;
            cat_id = cat >= 0 ? cl.defs[cat].id : NULL;
        }
        const char *ds = (const char *)db_column_text(stmt, 0);
        int day;
        if (cat < 0 || ds == NULL || date_parse(ds, &day) != 0) {
            rc = STORE_ECORRUPT;
            goto cleanup;
        }
        quals[n] = col_dup(stmt, 3);
        vals[n] = (stats_value_def){day, cat, db_column_int64(stmt, 2), quals[n]};
        n++;
    }
    if (step != DB_DONE) {
        rc = step;
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
    db_finalize(stmt);
    for (size_t i = 0; i < n; i++)
        free(quals[i]);
    free(quals);
    free(vals);
    defs_free(&cl);
    return rc;
}

/* ---- backup and restore (the backend's: SQLite copies files) -------------------------- */

int store_backup(store *st, const char *path, char *err, size_t errlen)
{
    return db_backup(st->db, path, err, errlen);
}

int store_restore(store *st, const char *path, char *err, size_t errlen)
{
    int fresh = 0;
    int rc = db_restore(st->db, path, store_data_version(st), err, errlen);
    /* The copy may be of an older schema: migrate it. */
    return rc == STORE_OK ? apply_schema(st, 0, &fresh, err, errlen) : rc;
}
