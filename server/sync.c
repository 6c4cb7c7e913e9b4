/* Sync rounds: fetch upstream, import with the import rules, report. See sync.h. */
#include "sync.h"
#include "compat.h"
#include "fetch.h"
#include "log.h"
#include "ticker.h"

#include "attrition/date.h"
#include "attrition/import.h"
#include "attrition/sync_state.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SYNC_MAX_SOURCES 8
#define SYNC_FILES 3
#define SYNC_BACKOFF_MS 500
#define SYNC_MAX_REDIRECTS 5
#define SYNC_API_PAGE 1000      /* records per page of /api/v2/statistics (its maximum) */
#define SYNC_API_MAX_PAGES 64

static const char *const sync_file_names[SYNC_FILES] = {
    "russia_losses_personnel.json", "russia_losses_equipment.json",
    "russia_losses_equipment_correction.json"};
static const int sync_file_kinds[SYNC_FILES] = {IMPORT_PERSONNEL, IMPORT_EQUIPMENT,
                                                IMPORT_CORRECTIONS};

typedef struct sync_file {
    char url[2200];
    char etag[256], last_modified[64]; /* stored validators */
    int fetched;                       /* fetch_get succeeded (200 or 304) */
    fetch_result res;
} sync_file;

typedef struct sync_source {
    char kind[8];                      /* "dataset" or "api" */
    int recognise;                     /* a bare URL: an api if the dataset is not found */
    char base[2100];
    sync_file files[SYNC_FILES];
    int latest;                        /* api: the latest stored date before the round */
    json_t *records;                   /* api: the records fetched (owned) */
    int api_requests;
    int failed;
    char error[1400];
    import_result imp;
    size_t kept_days;                  /* stored days the upstream no longer holds */
    int kept_first;
} sync_source;

/* Splits cfg->sync_sources into src (at most SYNC_MAX_SOURCES). Returns the count, or -1
 * with a message in err. */
static int parse_sources(const config *cfg, sync_source *src, char *err, size_t errlen)
{
    int n = 0;
    char copy[sizeof cfg->sync_sources];
    snprintf(copy, sizeof copy, "%s", cfg->sync_sources);
    char *save = NULL;
    for (char *t = strtok_r(copy, " \t\r\n,", &save); t; t = strtok_r(NULL, " \t\r\n,", &save)) {
        if (n == SYNC_MAX_SOURCES) {
            snprintf(err, errlen, "at most %d sync sources", SYNC_MAX_SOURCES);
            return -1;
        }
        sync_source *s = &src[n];
        const char *url = t;
        snprintf(s->kind, sizeof s->kind, "dataset");
        if (strncmp(t, "dataset:", 8) == 0) {
            url = t + 8;
        } else if (strncmp(t, "api:", 4) == 0) {
            url = t + 4;
            snprintf(s->kind, sizeof s->kind, "api");
        } else {
            s->recognise = 1;
        }
        if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
            snprintf(err, errlen, "sync source \"%.200s\" is not an http:// or https:// URL "
                     "(optionally after dataset: or api:)", t);
            return -1;
        }
        if (strlen(url) > 2000) {
            snprintf(err, errlen, "sync source \"%.80s...\" is too long", url);
            return -1;
        }
        size_t l = strlen(url);
        snprintf(s->base, sizeof s->base, "%s%s", url, l && url[l - 1] == '/' ? "" : "/");
        for (int f = 0; f < SYNC_FILES; f++)
            snprintf(s->files[f].url, sizeof s->files[f].url, "%s%s", s->base,
                     sync_file_names[f]);
        n++;
    }
    if (n == 0) {
        snprintf(err, errlen, "no sync source: set sync_sources or pass --source URL");
        return -1;
    }
    return n;
}

int sync_sources_check(const config *cfg, char *err, size_t errlen)
{
    sync_source *src = calloc(SYNC_MAX_SOURCES, sizeof *src);
    if (src == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int n = parse_sources(cfg, src, err, errlen);
    free(src);
    return n < 0 ? -1 : 0;
}

/* Marks s failed with a message (the first failure's message is kept). */
static void fail_source(sync_source *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail_source(sync_source *s, const char *fmt, ...)
{
    if (!s->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->error, sizeof s->error, fmt, ap);
        va_end(ap);
    }
    s->failed = 1;
}

/* The v2 API root of an api source's base: up to and including "api/v2/" when the URL
 * names it, else base + "api/v2/". Into out (len bytes). */
static void api_root(const sync_source *s, char *out, size_t len)
{
    const char *p = strstr(s->base, "/api/v2/");
    if (p)
        snprintf(out, len, "%.*s", (int)(p - s->base) + 8, s->base);
    else
        snprintf(out, len, "%sapi/v2/", s->base);
}

/* Fetches the records of an api source newer than s->latest, page by page, into
 * s->records (all pages, oldest first as the server pages them). */
static void fetch_api(sync_source *s, const fetch_opts *o, sync_round_result *res)
{
    char root[2200], url[2400], from[40] = "", day[DATE_STR_LEN];
    api_root(s, root, sizeof root);
    if (s->latest)
        snprintf(from, sizeof from, "&date_from=%s", date_format(s->latest + 1, day));
    s->records = json_array();
    for (int page = 0; page < SYNC_API_MAX_PAGES && !s->failed; page++) {
        fetch_result r;
        snprintf(url, sizeof url, "%sstatistics?offset=%d&limit=%d%s", root,
                 page * SYNC_API_PAGE, SYNC_API_PAGE, from);
        int rc = fetch_get(url, NULL, NULL, o, &r);
        res->requests += r.attempts;
        s->api_requests += r.attempts;
        json_error_t jerr;
        json_t *doc = rc == 0 ? json_loadb(r.body, r.len, 0, &jerr) : NULL;
        json_t *recs = json_object_get(json_object_get(doc, "data"), "records");
        if (rc != 0)
            fail_source(s, "%s: %s", url, r.error);
        else if (!json_is_array(recs))
            fail_source(s, "%s: not an answer of the v2 API (expected {\"data\": {\"records\": "
                        "[...]}}%s%s)", url, doc ? "" : "; not JSON: ", doc ? "" : jerr.text);
        else
            json_array_extend(s->records, recs);
        size_t n = json_is_array(recs) ? json_array_size(recs) : 0;
        json_decref(doc);
        fetch_result_free(&r);
        if (n < SYNC_API_PAGE)
            return;
    }
    fail_source(s, "%s: more than %d pages of records", root, SYNC_API_MAX_PAGES);
}

/* Fetches every file of s (stops at the first failure). */
static void fetch_source(sync_source *s, const config *cfg, volatile int *cancel,
                         sync_round_result *res)
{
    fetch_opts o = {cfg->sync_timeout, cfg->sync_max_bytes, SYNC_MAX_REDIRECTS,
                    cfg->sync_retries, SYNC_BACKOFF_MS, cancel};
    if (strcmp(s->kind, "api") == 0) {
        fetch_api(s, &o, res);
        return;
    }
    for (int f = 0; f < SYNC_FILES && !s->failed; f++) {
        sync_file *sf = &s->files[f];
        int rc = fetch_get(sf->url, sf->etag, sf->last_modified, &o, &sf->res);
        res->requests += sf->res.attempts;
        if (rc != 0 && f == 0 && s->recognise && sf->res.status == 404) {
            /* No dataset there: is it a v2 API? */
            snprintf(s->kind, sizeof s->kind, "api");
            fetch_result_free(&sf->res);
            memset(&sf->res, 0, sizeof sf->res);
            fetch_api(s, &o, res);
            return;
        }
        if (rc != 0) {
            fail_source(s, "%s: %s", sf->url, sf->res.error);
            continue;
        }
        sf->fetched = 1;
        res->not_modified += sf->res.not_modified;
    }
}

/* The report dates of a ministry array (JSON text), malloc'd into *dates. Returns the
 * count, or -1 (not an array of dated entries: import_buffer already said why). */
static long file_dates(const char *body, size_t len, int **dates)
{
    long n = -1;
    json_t *root = json_loadb(body, len, 0, NULL);
    size_t i;
    json_t *e;
    *dates = json_is_array(root) ? malloc((json_array_size(root) + 1) * sizeof **dates) : NULL;
    if (*dates == NULL)
        goto cleanup;
    n = 0;
    json_array_foreach(root, i, e) {
        int day;
        const char *ds = json_string_value(json_object_get(e, "date"));
        if (ds && date_parse(ds, &day) == 0)
            (*dates)[n++] = day;
    }
cleanup:
    json_decref(root);
    return n;
}

/* Imports one document of s (name: its URL) with the import rules, expecting a file of
 * `kind`. Returns 0, or -1 with s marked failed. */
static int import_doc(store *st, sync_source *s, const char *name, const char *body,
                      size_t len, int kind)
{
    char err[1200];
    size_t before = s->imp.files;
    size_t i = strspn(body, " \t\r\n");
    if (i < len && body[i] == '[') { /* "[]": a file with no entry (another attrition's
                                       * corrections file before any note) adds nothing */
        i += 1 + strspn(body + i + 1, " \t\r\n");
        if (i < len && body[i] == ']' && i + 1 + strspn(body + i + 1, " \t\r\n") == len)
            return 0;
    }
    if (import_buffer(st, name, body, len, &s->imp, err, sizeof err) != 0) {
        fail_source(s, "%s (nothing of this source was imported)", err);
        return -1;
    }
    if (s->imp.kinds[before] != kind) {
        fail_source(s, "%s: is not the expected file, it holds a %s", name,
                    import_kind_name(s->imp.kinds[before]));
        return -1;
    }
    return 0;
}

/* The api records of s as a ministry personnel-style array keyed by category id (new
 * reference, NULL with s marked failed): only dates after s->latest, only categories
 * that are current (not replaced), only figures above 0 (the API answers 0 for "no
 * figure"), no qualifier (the API has none). The API never rewrites stored history. */
static json_t *api_doc(store *st, sync_source *s)
{
    stats_snapshot *snap = NULL;
    compat_map map;
    json_t *doc = NULL;
    if (store_snapshot_load(st, &snap) != STORE_OK) {
        fail_source(s, "%s: cannot read the categories: %s", s->base, store_errmsg(st));
        return NULL;
    }
    compat_map_resolve(snap, &map);
    doc = json_array();
    size_t i;
    json_t *rec;
    json_array_foreach(s->records, i, rec) {
        int day;
        const char *ds = json_string_value(json_object_get(rec, "date"));
        json_t *stats = json_object_get(rec, "stats");
        if (ds == NULL || date_parse(ds, &day) != 0 || !json_is_object(stats)) {
            fail_source(s, "%s: record %zu: expected {\"date\": \"YYYY-MM-DD\", \"stats\": "
                        "{...}}", s->base, i);
            break;
        }
        if (day <= s->latest)
            continue;
        json_t *e = json_pack("{s:s, s:n}", "date", ds, "personnel*");
        for (size_t k = 0; k < compat_key_count(COMPAT_V2); k++) {
            json_t *v = json_object_get(stats, compat_key_name(k));
            int c = map.cat[k];
            if (v && !json_is_integer(v)) {
                fail_source(s, "%s: record %zu (%s): stats.%s must be an integer", s->base, i,
                            ds, compat_key_name(k));
                break;
            }
            if (c >= 0 && snap->cats[c].replaced_by < 0 && json_integer_value(v) > 0)
                json_object_set(e, snap->cats[c].id, v);
        }
        json_array_append_new(doc, e);
    }
    stats_snapshot_unref(snap);
    if (s->failed) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* Imports an api source's new records (inside the caller's savepoint). */
static void import_api(store *st, sync_source *s)
{
    json_t *doc = api_doc(st, s);
    char *text = doc && json_array_size(doc) ? json_dumps(doc, JSON_COMPACT) : NULL;
    if (text)
        import_doc(st, s, s->base, text, strlen(text), IMPORT_PERSONNEL);
    free(text);
    json_decref(doc);
}

/* Imports the files of s fetched with 200 (or its api records) inside a savepoint; on any
 * failure rolls the source back and marks it failed. */
static void import_source(store *st, sync_source *s, int keep_existing)
{
    memset(&s->imp, 0, sizeof s->imp);
    s->imp.keep_existing = keep_existing;
    if (sync_state_savepoint(st) != STORE_OK) {
        fail_source(s, "%s: cannot start a savepoint: %s", s->base, store_errmsg(st));
        return;
    }
    if (s->records)
        import_api(st, s);
    for (int f = 0; f < SYNC_FILES && !s->failed && !s->records; f++) {
        sync_file *sf = &s->files[f];
        if (sf->res.not_modified)
            continue;
        if (import_doc(st, s, sf->url, sf->res.body, sf->res.len, sync_file_kinds[f]) != 0)
            break;
        int *dates = NULL;
        long nd = sync_file_kinds[f] == IMPORT_CORRECTIONS ? -1
                  : file_dates(sf->res.body, sf->res.len, &dates);
        size_t missing = 0;
        int first = 0;
        if (nd >= 0 && sync_state_missing_days(st, dates, (size_t)nd, &missing, &first) == STORE_OK &&
            missing > s->kept_days) {
            s->kept_days = missing;
            s->kept_first = first;
        }
        free(dates);
        if (sync_state_url_set(st, sf->url, sf->res.etag, sf->res.last_modified) != STORE_OK)
            fail_source(s, "%s: cannot store its validators: %s", sf->url, store_errmsg(st));
    }
    if (s->failed)
        sync_state_rollback_to(st);
    else if (sync_state_release(st) != STORE_OK)
        fail_source(s, "%s: cannot release the savepoint: %s", s->base, store_errmsg(st));
}

static int source_changed(const sync_source *s)
{
    return !s->failed && (s->imp.values_changed || s->imp.notes_changed || s->imp.n_new ||
                         s->imp.extras_changed);
}

/* The database phase of a round, under the store lock. Returns 0, or -1 when the
 * transaction itself failed (every source is then marked failed). */
static int store_round(store *st, sync_source *src, int n, sync_round_result *res,
                       sync_after_commit cb, void *ud)
{
    int changed = 0, rc = -1;
    char detail[256];
    store_lock(st);
    if (store_begin(st) != STORE_OK)
        goto cleanup;
    for (int i = 0; i < n; i++) {
        int any = src[i].records != NULL;
        for (int f = 0; f < SYNC_FILES; f++)
            any |= src[i].files[f].fetched && !src[i].files[f].res.not_modified;
        if (!src[i].failed && any)
            import_source(st, &src[i], i > 0);
        changed |= source_changed(&src[i]);
        res->failed += src[i].failed;
        if (source_changed(&src[i])) {
            res->new_days += src[i].imp.reports_added;
            res->values_changed += src[i].imp.values_changed;
        }
    }
    res->outcome = res->failed ? SYNC_FAILED : changed ? SYNC_CHANGED : SYNC_UNCHANGED;
    snprintf(detail, sizeof detail, "sources: %d, failed: %d, new days: %zu, values changed: %zu",
             res->sources, res->failed, res->new_days, res->values_changed);
    if ((changed && store_touch(st) != STORE_OK) ||
        sync_state_record(st, res->outcome, (int64_t)time(NULL), detail) != STORE_OK ||
        store_commit(st) != STORE_OK)
        goto cleanup;
    if (cb)
        cb(ud, changed);
    rc = 0;
cleanup:
    if (rc != 0) {
        const char *why = store_errmsg(st);
        store_rollback(st);
        for (int i = 0; i < n; i++)
            fail_source(&src[i], "%s: the database refused the round: %s", src[i].base, why);
        res->failed = n;
        res->outcome = SYNC_FAILED;
        res->new_days = res->values_changed = 0;
    }
    store_unlock(st);
    return rc;
}

/* What happened to source s, as a word. */
static const char *source_status(const sync_source *s)
{
    if (s->failed)
        return "failed";
    if (source_changed(s))
        return "changed";
    for (int f = 0; f < SYNC_FILES; f++)
        if (!s->files[f].res.not_modified)
            return "unchanged";
    return "not_modified";
}

/* One line for s into out, and its JSON object (new reference). */
static json_t *describe_source(const sync_source *s, FILE *out, json_t *warnings)
{
    char kept[128] = "", day[DATE_STR_LEN];
    json_t *files = json_array();
    for (int f = 0; f < SYNC_FILES; f++)
        if (s->files[f].res.attempts)
            json_array_append_new(files, json_pack("{s:s, s:I, s:i}", "url", s->files[f].url,
                "status", (json_int_t)s->files[f].res.status, "attempts",
                s->files[f].res.attempts));
    if (s->kept_days) {
        snprintf(kept, sizeof kept, "; kept %zu stored day%s the upstream no longer holds "
                 "(first %s)", s->kept_days, s->kept_days == 1 ? "" : "s",
                 date_format(s->kept_first, day));
        json_array_append_new(warnings, json_sprintf("%s: upstream holds fewer days: %s",
                              s->base, kept + 2));
    }
    if (s->imp.disagreements)
        json_array_append_new(warnings, json_sprintf("%s disagrees with an earlier source on "
            "%zu value%s (the earlier source wins), e.g. %s", s->base, s->imp.disagreements,
            s->imp.disagreements == 1 ? "" : "s", s->imp.disagreement));
    const char *st = source_status(s);
    if (out && s->failed)
        fprintf(out, "%s %s: error: %s\n", s->kind, s->base, s->error);
    else if (out && strcmp(st, "not_modified") == 0)
        fprintf(out, "%s %s: not modified (%d files, 304)%s\n", s->kind, s->base, SYNC_FILES,
                kept);
    else if (out)
        fprintf(out, "%s %s: %zu new day%s, %zu value%s changed, %zu correction note%s "
                "changed%s%s%s\n", s->kind, s->base, s->imp.reports_added,
                s->imp.reports_added == 1 ? "" : "s", s->imp.values_changed,
                s->imp.values_changed == 1 ? "" : "s", s->imp.notes_changed,
                s->imp.notes_changed == 1 ? "" : "s", kept,
                s->imp.disagreements ? "; disagreements kept out: " : "",
                s->imp.disagreements ? s->imp.disagreement : "");
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s?, s:o}", "url", s->base,
        "kind", s->kind, "status", st, "new_days", (json_int_t)(s->failed ? 0 : s->imp.reports_added),
        "values_changed", (json_int_t)(s->failed ? 0 : s->imp.values_changed),
        "kept_days", (json_int_t)s->kept_days, "disagreements",
        (json_int_t)s->imp.disagreements, "error", s->failed ? s->error : NULL, "files", files);
}

static double since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Reads, under the store lock, what each of the n sources needs from the last round: the
 * latest stored day and the validators (ETag, Last-Modified) stored for each file URL. A
 * value that cannot be read is left empty, which only costs a full fetch. */
static void load_round_state(store *st, sync_source *src, int n)
{
    store_lock(st);
    for (int i = 0; i < n; i++) {
        sync_state_latest_day(st, &src[i].latest);
        for (int f = 0; f < SYNC_FILES; f++)
            sync_state_url_get(st, src[i].files[f].url, src[i].files[f].etag,
                               sizeof src[i].files[f].etag, src[i].files[f].last_modified,
                               sizeof src[i].files[f].last_modified);
    }
    store_unlock(st);
}

/* Reports the round over the n sources: a line a source, a summary line and the warnings to
 * out (when not NULL), and into *report (when report is not NULL; a new reference, the
 * caller's, NULL when memory is short) the round as JSON. */
static void report_round(const sync_source *src, int n, const sync_round_result *res,
                         FILE *out, json_t **report)
{
    json_t *sources = json_array(), *warnings = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(sources, describe_source(&src[i], out, warnings));
    if (out)
        fprintf(out, "sync: %d source%s, %d failed; %zu new day%s, %zu value%s changed; "
                "%d request%s, %d not modified; %.3f s; outcome %s\n", n, n == 1 ? "" : "s",
                res->failed, res->new_days, res->new_days == 1 ? "" : "s", res->values_changed,
                res->values_changed == 1 ? "" : "s", res->requests,
                res->requests == 1 ? "" : "s", res->not_modified, res->seconds,
                sync_state_outcome_name(res->outcome));
    size_t wi;
    json_t *w;
    json_array_foreach(warnings, wi, w)
        if (out)
            fprintf(out, "warning: %s\n", json_string_value(w));
    if (report)
        *report = json_pack("{s:s, s:i, s:i, s:I, s:I, s:i, s:i, s:I, s:o, s:o}", "outcome",
            sync_state_outcome_name(res->outcome), "sources", n, "failed", res->failed,
            "new_days", (json_int_t)res->new_days, "values_changed",
            (json_int_t)res->values_changed, "requests", res->requests, "not_modified",
            res->not_modified, "duration_ms", (json_int_t)(res->seconds * 1000.0 + 0.5),
            "source", sources,
            "warnings", warnings);
    else {
        json_decref(sources);
        json_decref(warnings);
    }
}

/* Frees src (SYNC_MAX_SOURCES entries, n of them used) with what its sources fetched. */
static void free_sources(sync_source *src, int n)
{
    for (int i = 0; i < n; i++) {
        for (int f = 0; f < SYNC_FILES; f++)
            fetch_result_free(&src[i].files[f].res);
        json_decref(src[i].records);
    }
    free(src);
}

int sync_round(store *st, const config *cfg, volatile int *cancel, sync_after_commit cb,
               void *ud, FILE *out, json_t **report, sync_round_result *res)
{
    char err[512];
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(res, 0, sizeof *res);
    res->outcome = SYNC_FAILED;
    sync_source *src = calloc(SYNC_MAX_SOURCES, sizeof *src);
    if (src == NULL)
        return 1;
    int n = parse_sources(cfg, src, err, sizeof err);
    if (n < 0) {
        if (out)
            fprintf(out, "sync: %s\n", err);
        free(src);
        return 2;
    }
    res->sources = n;
    load_round_state(st, src, n);
    for (int i = 0; i < n; i++)
        fetch_source(&src[i], cfg, cancel, res);
    if (cancel && *cancel) /* shutting down: neither import nor count a cut-short round */
        res->failed = n;
    else
        store_round(st, src, n, res, cb, ud);
    res->seconds = since(&t0);
    report_round(src, n, res, out, report);
    free_sources(src, n);
    return res->failed ? 1 : 0;
}

/* ---- serve --sync-every ------------------------------------------------------------ */

struct sync_runner {
    store *st;
    const config *cfg;
    sync_after_commit cb;
    void *ud;
    struct ticker *ticker;
};

/* One round of serve's sync thread (ticker_fn), logged as one "sync" line. */
static void runner_tick(void *arg, volatile int *stopping)
{
    struct sync_runner *r = arg;
    json_t *report = NULL;
    sync_round_result res;
    sync_round(r->st, r->cfg, stopping, r->cb, r->ud, NULL, &report, &res);
    log_event_new("sync", report);
}

struct sync_runner *sync_runner_start(store *st, const config *cfg, sync_after_commit cb,
                                      void *ud)
{
    struct sync_runner *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    *r = (struct sync_runner){.st = st, .cfg = cfg, .cb = cb, .ud = ud};
    r->ticker = ticker_start(cfg->sync_every * 1000L, 1, runner_tick, r);
    if (r->ticker == NULL) {
        free(r);
        return NULL;
    }
    return r;
}

void sync_runner_stop(struct sync_runner *r)
{
    if (r == NULL)
        return;
    ticker_stop(r->ticker);
    free(r);
}
