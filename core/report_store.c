/* Reports in the store: storing one, with its revision, in one transaction (report_store).
 * Contracts: include/attrition/report.h. */
#include "attrition/report.h"
#include "attrition/date.h"
#include "attrition/text.h"
#include "report_internal.h"
#include "store_internal.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- storing ------------------------------------------------------------------------- */

/* Writes the message of a failed write into res->error (text_vmessage) and returns status. */
static int fail(report_result *res, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(report_result *res, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    text_vmessage(res->error, sizeof res->error, fmt, ap);
    va_end(ap);
    return status;
}

/* A report status for a failed database step (a REPORT_* or STORE_* code), with a message
 * naming what was being done. */
static int db_fail(store *st, report_result *res, int status, int is_store, const char *doing)
{
    int rc = is_store ? report_status_from_store(status) : status;
    if (rc == REPORT_ENOMEM)
        return fail(res, rc, "out of memory while %s", doing);
    if (rc == REPORT_EREADONLY)
        return fail(res, rc, "the database refuses writes (read-only, or the disk is full) while "
                    "%s: %s", doing, store_errmsg(st));
    if (rc == REPORT_EUNAVAILABLE)
        return fail(res, rc, "the database server cannot be reached while %s", doing);
    return fail(res, REPORT_EDB, "the database failed while %s: %s", doing, store_errmsg(st));
}

static const report_value *value_find(const report *r, const char *category)
{
    for (size_t i = 0; i < r->n_values; i++)
        if (strcmp(r->values[i].category, category) == 0)
            return &r->values[i];
    return NULL;
}

/* Resolves every key of r to a category (unknown keys become new categories, listed in
 * res); two keys naming one category are REPORT_EINVAL. */
static int resolve_keys(store *st, report *r, report_result *res)
{
    char q[TEXT_QUOTE_SIZE], q2[TEXT_QUOTE_SIZE];
    for (size_t i = 0; i < r->n_values; i++) {
        report_value *v = &r->values[i];
        int created = 0;
        int rc = store_category_resolve(st, v->key, 1, v->category, sizeof v->category, &created);
        if (rc == STORE_EINVAL)
            return fail(res, REPORT_EINVAL, "\"%s\" cannot name a category (it needs letters or "
                        "digits, at most 63 of them)", text_quote_str(v->key, q));
        if (rc != STORE_OK)
            return db_fail(st, res, rc, 1, "resolving categories");
        if (created && report_strings_add(&res->new_categories, "%s", v->category) != 0)
            return fail(res, REPORT_ENOMEM, "out of memory");
        for (size_t k = 0; k < i; k++)
            if (strcmp(r->values[k].category, v->category) == 0)
                return fail(res, REPORT_EINVAL, "\"%s\" and \"%s\" both name the category %s",
                            text_quote_str(r->values[k].key, q), text_quote_str(v->key, q2),
                                           v->category);
    }
    return REPORT_OK;
}

/* Checks r against the previous and next stored reports: a "(+N)" that contradicts the
 * previous report of the day before is REPORT_EINVAL; lower totals than the previous report
 * (or higher than the next), and (+N) after a gap that does not add up, are warnings. */
static int check_neighbours(const report *r, const report *prev, const report *next,
                            report_result *res)
{
    char pd[DATE_STR_LEN] = "", nd[DATE_STR_LEN] = "", d[DATE_STR_LEN];
    int any_increase = 0, w = 0;
    if (prev->revision)
        date_format(prev->date, pd);
    if (next->revision)
        date_format(next->date, nd);
    for (size_t i = 0; i < r->n_values; i++) {
        const report_value *v = &r->values[i];
        const report_value *p = prev->revision ? value_find(prev, v->category) : NULL;
        const report_value *x = next->revision ? value_find(next, v->category) : NULL;
        any_increase |= v->has_increase;
        if (p && v->has_increase && v->total - p->total != v->increase) {
            if (r->date - prev->date == 1)
                return fail(res, REPORT_EINVAL, "%s: the post's (%+lld) on line %d contradicts "
                            "the totals: %lld - %lld (the report of %s) = %lld", v->category,
                            (long long)v->increase, v->line, (long long)v->total,
                            (long long)p->total, pd, (long long)(v->total - p->total));
            w |= report_strings_add(&res->warnings,
                                    "%s: the post's (%+lld) differs from %lld - %lld = "
                                    "%lld over the %d days since the report of %s", v->category,
                                    (long long)v->increase, (long long)v->total,
                                    (long long)p->total, (long long)(v->total - p->total),
                                    r->date - prev->date, pd);
        }
        if (p && v->total < p->total)
            w |= report_strings_add(&res->warnings, "%s: total %lld is lower than the previous "
                                    "report's %lld (%s)", v->category, (long long)v->total,
                                    (long long)p->total, pd);
        if (x && v->total > x->total)
            w |= report_strings_add(&res->warnings,
                                    "%s: total %lld is higher than the next report's "
                                    "%lld (%s)", v->category, (long long)v->total,
                                    (long long)x->total, nd);
    }
    if (any_increase && !prev->revision)
        w |= report_strings_add(&res->warnings,
                                "the (+N) increases were not checked: no report before "
                                "%s is stored", date_format(r->date, d));
    return w ? fail(res, REPORT_ENOMEM, "out of memory") : REPORT_OK;
}

static int str_eq_null(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* Does r carry the figures of stored (totals and qualifiers, category by category)? When
 * they differ, describes the first difference in why (whylen bytes). With strict_url the
 * source URLs must match too; otherwise only when r has one. */
static int same_report(const report *r, const report *stored, int strict_url, char *why,
                       size_t whylen)
{
    for (size_t i = 0; i < r->n_values; i++) {
        const report_value *v = &r->values[i], *s = value_find(stored, v->category);
        if (s == NULL) {
            snprintf(why, whylen, "%s is not in the stored report", v->category);
            return 0;
        }
        if (s->total != v->total || strcmp(s->qualifier, v->qualifier) != 0) {
            snprintf(why, whylen, "%s: %s%s%lld stored, %s%s%lld sent", v->category,
                     s->qualifier, *s->qualifier ? " " : "", (long long)s->total, v->qualifier,
                     *v->qualifier ? " " : "", (long long)v->total);
            return 0;
        }
    }
    for (size_t i = 0; i < stored->n_values; i++)
        if (value_find(r, stored->values[i].category) == NULL) {
            snprintf(why, whylen, "%s is stored but not sent", stored->values[i].category);
            return 0;
        }
    if ((strict_url || r->source_url) && !str_eq_null(r->source_url, stored->source_url)) {
        snprintf(why, whylen, "the source_url differs");
        return 0;
    }
    return 1;
}

/* {category: total} or {category: qualifier} of r as JSON text (malloc'd; NULL on ENOMEM). */
static char *values_json(const report *r, int qualifiers)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < r->n_values; i++) {
        const report_value *v = &r->values[i];
        if (qualifiers && v->qualifier[0] == '\0')
            continue;
        if (json_object_set_new(o, v->category, qualifiers ? json_string(v->qualifier)
                                                           : json_integer(v->total)) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return s;
}

/* Inserts the values of r for day. A store status. */
static int insert_values(store *st, const char *day, const report *r)
{
    int rc = STORE_OK;
    for (size_t i = 0; i < r->n_values && rc == STORE_OK; i++) {
        const report_value *v = &r->values[i];
        rc = store_run(store_prepare(st, "INSERT INTO report_value(date, category, total, "
                                         "qualifier) VALUES(?1, ?2, ?3, ?4)",
                                     "ttit", day, v->category, v->total,
                                     v->qualifier[0] ? v->qualifier : NULL));
    }
    return rc;
}

/* Keeps old (the stored version) in report_revision and puts r in its place with the next
 * revision number. A store status. */
static int replace_report(store *st, const char *day, const char *now, const report *old,
                          const report *r)
{
    int rc = STORE_ENOMEM;
    char *totals = values_json(old, 0), *quals = values_json(old, 1);
    if (totals == NULL || quals == NULL)
        goto cleanup;
    rc = store_run(store_prepare(st, "INSERT INTO report_revision(date, revision, stored_at, "
                                     "totals, qualifiers, source_url, written_by) "
                                     "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                 "tittttt", day, (int64_t)old->revision, old->stored_at, totals,
                                 quals, old->source_url, old->written_by));
    if (rc == STORE_OK)
        rc = store_run(store_prepare(st, "DELETE FROM report_value WHERE date = ?1", "t", day));
    if (rc == STORE_OK)
        rc = store_run(store_prepare(st, "UPDATE report SET revision = revision + 1, "
                                         "stored_at = ?2, source_url = ?3, written_by = 'put' "
                                         "WHERE date = ?1", "ttt", day, now, r->source_url));
    if (rc == STORE_OK)
        rc = insert_values(st, day, r);
cleanup:
    free(totals);
    free(quals);
    return rc;
}

/* Copies the input's ignored lines into res. 0 or -1 (ENOMEM). */
static int copy_ignored(const report *r, report_result *res)
{
    for (size_t i = 0; i < r->n_ignored; i++)
        if (report_strings_add(&res->ignored_lines, "%s", r->ignored[i]) != 0)
            return -1;
    return 0;
}

/* Inside the open transaction: inserts r (old->revision == 0) or replaces old with it,
 * bumps the data version, reads the result back into res->stored and commits. REPORT_OK or
 * a database failure (the caller rolls back). */
static int write_and_commit(store *st, const char *day, const report *old, const report *r,
                            report_result *res)
{
    int rc;
    char now[TEXT_ISO_SIZE];
    text_now_iso(now);
    if (old->revision)
        rc = replace_report(st, day, now, old, r);
    else if ((rc = store_run(store_prepare(st, "INSERT INTO report(date, revision, stored_at, "
                                               "source_url, written_by) "
                                               "VALUES(?1, 1, ?2, ?3, 'post')",
                                           "ttt", day, now, r->source_url))) == STORE_OK)
        rc = insert_values(st, day, r);
    if (rc == STORE_OK)
        rc = store_touch(st);
    if (rc != STORE_OK)
        return db_fail(st, res, rc, 1, "storing the report");
    if ((rc = report_load(st, day, &res->stored)) != REPORT_OK)
        return db_fail(st, res, rc, 0, "reading the report back");
    if ((rc = store_commit(st)) != STORE_OK)
        return db_fail(st, res, rc, 1, "committing the report");
    return REPORT_OK;
}

/* The stored report of day (text date) into *old, and its stored neighbours before and
 * after into *prev and *next (each left zeroed when there is none). REPORT_OK, or an error
 * written into res: REPORT_ENOTFOUND for a REPORT_REPLACE of a day without a report, a
 * database status otherwise. */
static int load_stored(store *st, const char *day, int mode, report *old, report *prev,
                       report *next, report_result *res)
{
    int rc = report_load(st, day, old);
    if (rc == REPORT_ENOTFOUND && mode == REPORT_REPLACE)
        return fail(res, REPORT_ENOTFOUND, "no report is stored for %s, so there is none to "
                    "replace", day);
    if ((rc != REPORT_OK && rc != REPORT_ENOTFOUND) ||
        ((rc = report_load_neighbour(st, day, -1, prev)) != REPORT_OK && rc != REPORT_ENOTFOUND) ||
        ((rc = report_load_neighbour(st, day, 1, next)) != REPORT_OK && rc != REPORT_ENOTFOUND))
        return db_fail(st, res, rc, 0, "reading the stored reports");
    return REPORT_OK;
}

int report_store(store *st, report *r, int mode, report_result *res)
{
    int rc;
    report old, prev, next;
    char day[DATE_STR_LEN], why[256];
    memset(res, 0, sizeof *res);
    memset(&old, 0, sizeof old);
    memset(&prev, 0, sizeof prev);
    memset(&next, 0, sizeof next);
    date_format(r->date, day);
    if ((rc = store_begin(st)) != STORE_OK) {
        rc = db_fail(st, res, rc, 1, "starting the write");
        goto cleanup;
    }
    if ((rc = resolve_keys(st, r, res)) != REPORT_OK)
        goto cleanup;
    if ((rc = load_stored(st, day, mode, &old, &prev, &next, res)) != REPORT_OK ||
        (rc = check_neighbours(r, &prev, &next, res)) != REPORT_OK)
        goto cleanup;
    if (copy_ignored(r, res) != 0) {
        rc = fail(res, REPORT_ENOMEM, "out of memory");
        goto cleanup;
    }
    if (old.revision && same_report(r, &old, mode == REPORT_REPLACE, why, sizeof why)) {
        store_rollback(st); /* nothing to write: the same report is stored */
        res->outcome = REPORT_UNCHANGED;
        res->stored = old;
        memset(&old, 0, sizeof old);
        rc = REPORT_OK;
        goto cleanup;
    }
    if (old.revision && mode == REPORT_CREATE) {
        rc = fail(res, REPORT_ECONFLICT, "a different report for %s is already stored (revision "
                  "%d, stored %s): %s", day, old.revision, old.stored_at, why);
        goto cleanup;
    }
    if ((rc = write_and_commit(st, day, &old, r, res)) == REPORT_OK)
        res->outcome = old.revision ? REPORT_REPLACED : REPORT_CREATED;
cleanup:
    if (rc != REPORT_OK) {
        char error[sizeof res->error];
        memcpy(error, res->error, sizeof error);
        store_rollback(st);
        report_result_free(res);
        memcpy(res->error, error, sizeof error);
    }
    report_free(&old);
    report_free(&prev);
    report_free(&next);
    return rc;
}
