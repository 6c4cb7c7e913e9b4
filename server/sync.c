/* Sync rounds: fetch upstream, import with the import rules, report. See sync.h. */
#include "sync.h"
#include "compat.h"
#include "fetch.h"
#include "log.h"
#include "ticker.h"

#include "attrition/date.h"
#include "attrition/import.h"
#include "attrition/sync_apply.h"
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
    char *api_text;                    /* api: the records as a ministry-style array (owned) */
    int api_requests;
    sync_apply_source ap;              /* the batch for core, and what it did */
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
#define fail_source(s, ...) sync_apply_fail(&(s)->ap, __VA_ARGS__)

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
    for (int page = 0; page < SYNC_API_MAX_PAGES && !s->ap.failed; page++) {
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
                    cfg->sync_retries, SYNC_BACKOFF_MS, cancel, 1};
    if (strcmp(s->kind, "api") == 0) {
        fetch_api(s, &o, res);
        return;
    }
    for (int f = 0; f < SYNC_FILES && !s->ap.failed; f++) {
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

/* The api records of s as a ministry personnel-style array keyed by category id (new
 * reference, NULL with s marked failed): only dates after s->latest, only categories
 * that are current (not replaced), only figures above 0 (the API answers 0 for "no
 * figure"), no qualifier (the API has none). The API never rewrites stored history. */
static json_t *api_doc(const stats_snapshot *snap, sync_source *s)
{
    compat_map map;
    json_t *doc = NULL;
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
    if (s->ap.failed) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* The batch of s for core (sync_apply.h), built without the store: the dataset files
 * fetched with 200, or the api records turned into a ministry-style array with the
 * categories of snap (which an api source needs; NULL when there is none). */
static void prepare_source(sync_source *s, const stats_snapshot *snap)
{
    sync_apply_source *a = &s->ap;
    a->base = s->base;
    a->n_docs = 0;
    if (a->failed)
        return;
    if (s->records) {
        json_t *doc = snap ? api_doc(snap, s) : NULL;
        if (snap == NULL)
            fail_source(s, "%s: cannot read the categories to map the API's keys", s->base);
        s->api_text = doc && json_array_size(doc) ? json_dumps(doc, JSON_COMPACT) : NULL;
        json_decref(doc);
        if (s->api_text)
            a->docs[a->n_docs++] = (sync_apply_doc){s->base, s->api_text, strlen(s->api_text),
                                                    IMPORT_PERSONNEL, NULL, NULL};
        return;
    }
    for (int f = 0; f < SYNC_FILES; f++) {
        sync_file *sf = &s->files[f];
        if (sf->fetched && !sf->res.not_modified)
            a->docs[a->n_docs++] = (sync_apply_doc){sf->url, sf->res.body, sf->res.len,
                                                    sync_file_kinds[f], sf->res.etag,
                                                    sf->res.last_modified};
    }
}

static int source_changed(const sync_source *s)
{
    return !s->ap.failed && (s->ap.imp.values_changed || s->ap.imp.notes_changed ||
                             s->ap.imp.n_new || s->ap.imp.extras_changed);
}

/* The database phase of a round: core's one transaction (sync_apply) under the store lock,
 * then cb. Returns 0, or -1 when the transaction itself failed. */
static int store_round(store *st, sync_source *src, int n, sync_round_result *res,
                       sync_after_commit cb, void *ud)
{
    sync_apply_source *batch = calloc((size_t)n, sizeof *batch);
    sync_apply_result ar;
    if (batch == NULL) {
        for (int i = 0; i < n; i++)
            fail_source(&src[i], "%s: out of memory", src[i].base);
        res->failed = n;
        return -1;
    }
    for (int i = 0; i < n; i++)
        batch[i] = src[i].ap;
    store_lock(st);
    int rc = sync_apply(st, batch, n, &ar);
    if (rc == 0 && cb)
        cb(ud, ar.changed);
    store_unlock(st);
    for (int i = 0; i < n; i++)
        src[i].ap = batch[i];
    free(batch);
    res->outcome = ar.outcome;
    res->failed = ar.failed;
    res->new_days = ar.new_days;
    res->values_changed = ar.values_changed;
    res->revisions = ar.revisions;
    res->api_kept = ar.api_kept;
    return rc;
}

/* What happened to source s, as a word. */
static const char *source_status(const sync_source *s)
{
    if (s->ap.failed)
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
    if (s->ap.kept_days) {
        snprintf(kept, sizeof kept, "; kept %zu stored day%s the upstream no longer holds "
                 "(first %s)", s->ap.kept_days, s->ap.kept_days == 1 ? "" : "s",
                 date_format(s->ap.kept_first, day));
        json_array_append_new(warnings, json_sprintf("%s: upstream holds fewer days: %s",
                              s->base, kept + 2));
    }
    if (!s->ap.failed && s->ap.imp.api_kept)
        json_array_append_new(warnings, json_sprintf("%s differs from %zu value%s of reports "
            "written through the API (POST/PUT), which sync never changes: apply with PUT "
            "/v1/reports/{date} if upstream is right; e.g. %s", s->base, s->ap.imp.api_kept,
            s->ap.imp.api_kept == 1 ? "" : "s", s->ap.imp.api_example));
    if (s->ap.imp.disagreements)
        json_array_append_new(warnings, json_sprintf("%s disagrees with an earlier source on "
            "%zu value%s (the earlier source wins), e.g. %s", s->base, s->ap.imp.disagreements,
            s->ap.imp.disagreements == 1 ? "" : "s", s->ap.imp.disagreement));
    const char *st = source_status(s);
    if (out && s->ap.failed)
        fprintf(out, "%s %s: error: %s\n", s->kind, s->base, s->ap.error);
    else if (out && strcmp(st, "not_modified") == 0)
        fprintf(out, "%s %s: not modified (%d files, 304)%s\n", s->kind, s->base, SYNC_FILES,
                kept);
    else if (out)
        fprintf(out, "%s %s: %zu new day%s, %zu value%s changed (%zu revision%s kept), %zu "
                "correction note%s changed, %zu API value%s kept%s%s%s\n", s->kind, s->base,
                s->ap.imp.reports_added,
                s->ap.imp.reports_added == 1 ? "" : "s", s->ap.imp.values_changed,
                s->ap.imp.values_changed == 1 ? "" : "s", s->ap.imp.revisions,
                s->ap.imp.revisions == 1 ? "" : "s", s->ap.imp.notes_changed,
                s->ap.imp.notes_changed == 1 ? "" : "s", s->ap.imp.api_kept,
                s->ap.imp.api_kept == 1 ? "" : "s", kept,
                s->ap.imp.disagreements ? "; disagreements kept out: " : "",
                s->ap.imp.disagreements ? s->ap.imp.disagreement : "");
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s?, s:s?, s:o}", "url",
        s->base, "kind", s->kind, "status", st,
        "new_days", (json_int_t)(s->ap.failed ? 0 : s->ap.imp.reports_added),
        "values_changed", (json_int_t)(s->ap.failed ? 0 : s->ap.imp.values_changed),
        "revisions", (json_int_t)(s->ap.failed ? 0 : s->ap.imp.revisions),
        "kept_days", (json_int_t)s->ap.kept_days, "disagreements",
        (json_int_t)s->ap.imp.disagreements,
        "api_disagreements", (json_int_t)(s->ap.failed ? 0 : s->ap.imp.api_kept),
        "api_disagreement", !s->ap.failed && s->ap.imp.api_kept ? s->ap.imp.api_example : NULL,
        "error", s->ap.failed ? s->ap.error : NULL, "files", files);
}

static double since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Reads, under the store lock (before any fetch, outside any transaction), what each of the
 * n sources needs from the last round: the latest stored day and the validators (ETag,
 * Last-Modified) stored for each file URL, and, when a source may be an API, the snapshot
 * whose categories map its keys (*snap, the caller's reference; NULL when not needed or
 * unreadable). A value that cannot be read is left empty, which only costs a full fetch. */
static void load_round_state(store *st, sync_source *src, int n, stats_snapshot **snap)
{
    int api = 0;
    for (int i = 0; i < n; i++)
        api |= src[i].recognise || strcmp(src[i].kind, "api") == 0;
    *snap = NULL;
    store_lock(st);
    if (api && store_snapshot_load(st, snap) != STORE_OK)
        *snap = NULL;
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
        fprintf(out, "sync: %d source%s, %d failed; %zu new day%s, %zu value%s changed, "
                "%zu revision%s kept, %zu API value%s kept; "
                "%d request%s, %d not modified; %.3f s; outcome %s\n", n, n == 1 ? "" : "s",
                res->failed, res->new_days, res->new_days == 1 ? "" : "s", res->values_changed,
                res->values_changed == 1 ? "" : "s", res->revisions,
                res->revisions == 1 ? "" : "s", res->api_kept, res->api_kept == 1 ? "" : "s",
                res->requests,
                res->requests == 1 ? "" : "s", res->not_modified, res->seconds,
                sync_state_outcome_name(res->outcome));
    size_t wi;
    json_t *w;
    json_array_foreach(warnings, wi, w)
        if (out)
            fprintf(out, "warning: %s\n", json_string_value(w));
    if (report)
        *report = json_pack("{s:s, s:i, s:i, s:I, s:I, s:I, s:I, s:i, s:i, s:I, s:o, s:o}",
            "outcome", sync_state_outcome_name(res->outcome), "sources", n, "failed",
            res->failed, "new_days", (json_int_t)res->new_days, "values_changed",
            (json_int_t)res->values_changed, "revisions", (json_int_t)res->revisions,
            "api_disagreements", (json_int_t)res->api_kept,
            "requests", res->requests, "not_modified",
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
        free(src[i].api_text);
        import_result_free(&src[i].ap.imp);
    }
    free(src);
}

/* One round per cluster (sync_round_try_begin): returns 0 when this process may run it
 * (the caller ends it with sync_round_end), or 1 after reporting the skip to out and report:
 * another process sharing the store runs a round now (its outcome reaches everyone through
 * the store: /readyz), res->skipped set; or the store cannot be reached (res SYNC_FAILED). */
static int round_skipped(store *st, FILE *out, json_t **report, sync_round_result *res)
{
    int got = 0;
    store_lock(st);
    int rc = sync_round_try_begin(st, &got);
    store_unlock(st);
    if (got)
        return 0;
    const char *why = rc == STORE_OK ? "skipped: another replica is syncing"
                                     : "skipped: the store cannot be reached";
    res->skipped = rc == STORE_OK;
    res->outcome = rc == STORE_OK ? SYNC_UNCHANGED : SYNC_FAILED;
    if (out)
        fprintf(out, "sync: %s\n", why);
    if (report)
        *report = json_pack("{s:s, s:s}", "outcome", rc == STORE_OK ? "skipped" : "failed",
                            "detail", why);
    return 1;
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
    if (round_skipped(st, out, report, res) != 0) {
        free(src);
        return res->outcome == SYNC_FAILED ? 1 : 0;
    }
    stats_snapshot *snap = NULL;
    load_round_state(st, src, n, &snap);
    for (int i = 0; i < n; i++) {
        fetch_source(&src[i], cfg, cancel, res);
        prepare_source(&src[i], snap);
    }
    stats_snapshot_unref(snap);
    if (cancel && *cancel) /* shutting down: neither import nor count a cut-short round */
        res->failed = n;
    else
        store_round(st, src, n, res, cb, ud);
    res->seconds = since(&t0);
    report_round(src, n, res, out, report);
    free_sources(src, n);
    store_lock(st);
    sync_round_end(st);
    store_unlock(st);
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
