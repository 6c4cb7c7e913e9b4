/* The transaction of a sync round. See include/attrition/sync_apply.h. */
#include "attrition/sync_apply.h"
#include "attrition/sync_state.h"
#include "store_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void sync_apply_fail(sync_apply_source *s, const char *fmt, ...)
{
    if (!s->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->error, sizeof s->error, fmt, ap);
        va_end(ap);
    }
    s->failed = 1;
}

/* Imports one document of s; then the days it lacks are counted and its validators kept.
 * Returns 0, or -1 with s marked failed. */
static int apply_doc(store *st, sync_apply_source *s, const sync_apply_doc *d)
{
    char err[1200];
    size_t before = s->imp.files, dates_before = s->imp.n_dates;
    size_t i = strspn(d->body, " \t\r\n");
    if (i < d->len && d->body[i] == '[') { /* "[]": a file with no entry (another attrition's
                                           * corrections file before any note) adds nothing */
        i += 1 + strspn(d->body + i + 1, " \t\r\n");
        if (i < d->len && d->body[i] == ']' && i + 1 + strspn(d->body + i + 1, " \t\r\n") == d->len)
            return 0;
    }
    if (import_buffer(st, d->name, d->body, d->len, &s->imp, err, sizeof err) != 0) {
        sync_apply_fail(s, "%s (nothing of this source was imported)", err);
        return -1;
    }
    if (before < 16 && s->imp.kinds[before] != d->kind) {
        sync_apply_fail(s, "%s: is not the expected file, it holds a %s", d->name,
                        import_kind_name(s->imp.kinds[before]));
        return -1;
    }
    size_t missing = 0;
    int first = 0;
    if (d->kind != IMPORT_CORRECTIONS && d->etag != NULL &&
        sync_state_missing_days(st, s->imp.dates + dates_before, s->imp.n_dates - dates_before,
                                &missing, &first) == STORE_OK && missing > s->kept_days) {
        s->kept_days = missing;
        s->kept_first = first;
    }
    if (d->etag != NULL && sync_state_url_set(st, d->name, d->etag, d->last_modified) != STORE_OK) {
        sync_apply_fail(s, "%s: cannot store its validators: %s", d->name, store_errmsg(st));
        return -1;
    }
    return 0;
}

/* Imports the documents of s inside a savepoint; on any failure rolls the source back. */
static void apply_source(store *st, sync_apply_source *s, int keep_existing)
{
    import_result_free(&s->imp);
    memset(&s->imp, 0, sizeof s->imp);
    s->imp.keep_existing = keep_existing;
    s->imp.by_kind = "sync";
    if (sync_state_savepoint(st) != STORE_OK) {
        sync_apply_fail(s, "%s: cannot start a savepoint: %s", s->base, store_errmsg(st));
        return;
    }
    for (size_t i = 0; i < s->n_docs && !s->failed; i++)
        apply_doc(st, s, &s->docs[i]);
    if (s->failed)
        sync_state_rollback_to(st);
    else if (sync_state_release(st) != STORE_OK)
        sync_apply_fail(s, "%s: cannot release the savepoint: %s", s->base, store_errmsg(st));
}

static int source_changed(const sync_apply_source *s)
{
    return !s->failed && (s->imp.values_changed || s->imp.notes_changed || s->imp.n_new);
}

int sync_apply(store *st, sync_apply_source *src, int n, sync_apply_result *res)
{
    char detail[256];
    memset(res, 0, sizeof *res);
    if (store_begin(st) != STORE_OK)
        goto fail;
    for (int i = 0; i < n; i++) {
        if (!src[i].failed && src[i].n_docs)
            apply_source(st, &src[i], i > 0);
        res->failed += src[i].failed;
        if (source_changed(&src[i])) {
            res->changed = 1;
            res->new_days += src[i].imp.reports_added;
            res->values_changed += src[i].imp.values_changed;
            res->revisions += src[i].imp.revisions;
        }
        if (!src[i].failed)
            res->api_kept += src[i].imp.api_kept;
    }
    res->outcome = res->failed ? SYNC_FAILED : res->changed ? SYNC_CHANGED : SYNC_UNCHANGED;
    snprintf(detail, sizeof detail, "sources: %d, failed: %d, new days: %zu, values changed: "
             "%zu, revisions: %zu, disagreements kept: %zu", n, res->failed, res->new_days,
             res->values_changed, res->revisions, res->api_kept);
    if ((res->changed && store_touch(st) != STORE_OK) ||
        sync_state_record(st, res->outcome, (int64_t)time(NULL), detail) != STORE_OK ||
        store_commit(st) != STORE_OK)
        goto fail;
    return 0;
fail:;
    char why[512];
    snprintf(why, sizeof why, "%s", store_errmsg(st));
    store_rollback(st);
    for (int i = 0; i < n; i++)
        sync_apply_fail(&src[i], "%s: the database refused the round: %s", src[i].base, why);
    memset(res, 0, sizeof *res);
    res->failed = n;
    res->outcome = SYNC_FAILED;
    return -1;
}
