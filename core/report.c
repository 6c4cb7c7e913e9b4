/* Reports sent by clients: reading JSON and the ministry's post, storing with revisions.
 * Contracts (and where 400 ends and 422 begins): include/attrition/report.h. */
#include "attrition/report.h"
#include "attrition/date.h"
#include "attrition/post.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define QUOTE_MAX 64 /* bytes of client text quoted in a message */

/* ---- small helpers ------------------------------------------------------------------- */

static void msg(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void msg(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Copies at most QUOTE_MAX bytes of the valid UTF-8 string s into out (QUOTE_MAX + 4 bytes),
 * cut at a character boundary, with "..." when shortened. Returns out. */
static const char *quote(const char *s, char out[QUOTE_MAX + 4])
{
    size_t n = strlen(s);
    if (n <= QUOTE_MAX) {
        memcpy(out, s, n + 1);
        return out;
    }
    n = QUOTE_MAX;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    memcpy(out, s, n);
    memcpy(out + n, "...", 4);
    return out;
}

/* Replaces bytes outside printable ASCII with '?' (messages that may quote invalid input). */
static void ascii_only(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7F)
            *s = '?';
}

static void now_iso(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Appends a formatted string to list. Returns 0, or -1 when memory is short. */
static int strings_add(report_strings *list, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int strings_add(report_strings *list, const char *fmt, ...)
{
    if (list->n == list->cap) {
        size_t ncap = list->cap ? list->cap * 2 : 8;
        char **ni = realloc(list->items, ncap * sizeof *ni);
        if (ni == NULL)
            return -1;
        list->items = ni;
        list->cap = ncap;
    }
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int len = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (len < 0)
        return -1;
    list->items[list->n++] = s;
    return 0;
}

static void strings_free(report_strings *list)
{
    for (size_t i = 0; i < list->n; i++)
        free(list->items[i]);
    free(list->items);
    memset(list, 0, sizeof *list);
}

void report_free(report *r)
{
    if (r == NULL)
        return;
    free(r->values);
    free(r->source_url);
    for (size_t i = 0; i < r->n_ignored; i++)
        free(r->ignored[i]);
    free(r->ignored);
    memset(r, 0, sizeof *r);
}

void report_result_free(report_result *res)
{
    if (res == NULL)
        return;
    report_free(&res->stored);
    strings_free(&res->warnings);
    strings_free(&res->new_categories);
    strings_free(&res->ignored_lines);
    memset(res, 0, sizeof *res);
}

int report_status_from_store(int store_status)
{
    switch (store_status) {
    case STORE_OK: return REPORT_OK;
    case STORE_ENOMEM: return REPORT_ENOMEM;
    case STORE_ENOTFOUND: return REPORT_ENOTFOUND;
    case STORE_ECONFLICT: return REPORT_ECONFLICT;
    case STORE_EINVAL: return REPORT_EINVAL;
    case STORE_EREADONLY: return REPORT_EREADONLY;
    default: return REPORT_EDB;
    }
}

/* A report date must lie between the war's start and today (UTC). REPORT_OK or
 * REPORT_EINVAL with a message. */
static int date_check(int date, char *err, size_t errlen)
{
    char a[DATE_STR_LEN], b[DATE_STR_LEN];
    int today = date_today();
    if (date < DATE_WAR_START) {
        msg(err, errlen, "date %s is before the war's start (2022-02-24)", date_format(date, a));
        return REPORT_EINVAL;
    }
    if (date > today) {
        msg(err, errlen, "date %s is in the future (today is %s, UTC)", date_format(date, a),
            date_format(today, b));
        return REPORT_EINVAL;
    }
    return REPORT_OK;
}

/* ---- JSON ---------------------------------------------------------------------------- */

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number with a fraction or exponent";
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    default: return "null";
    }
}

/* Reads "totals" into out->values. REPORT_OK, REPORT_EINVAL, REPORT_ENOMEM. */
static int json_totals(json_t *totals, report *out, char *err, size_t errlen)
{
    char q[QUOTE_MAX + 4];
    const char *key;
    json_t *v;
    if (totals == NULL) {
        msg(err, errlen, "totals is missing (expected an object {category: integer, ...})");
        return REPORT_EINVAL;
    }
    if (!json_is_object(totals)) {
        msg(err, errlen, "totals must be an object {category: integer, ...}, not %s",
            type_name(totals));
        return REPORT_EINVAL;
    }
    size_t n = json_object_size(totals);
    if (n == 0) {
        msg(err, errlen, "totals is empty: a report needs at least one total");
        return REPORT_EINVAL;
    }
    if (n > REPORT_MAX_VALUES) {
        msg(err, errlen, "totals has %zu entries; a report has at most %d", n, REPORT_MAX_VALUES);
        return REPORT_EINVAL;
    }
    out->values = calloc(n, sizeof *out->values);
    if (out->values == NULL) {
        msg(err, errlen, "out of memory");
        return REPORT_ENOMEM;
    }
    json_object_foreach(totals, key, v) {
        report_value *rv = &out->values[out->n_values];
        if (strlen(key) >= REPORT_KEY_SIZE || key[0] == '\0') {
            msg(err, errlen, "totals: the key \"%s\" is %s", quote(key, q),
                key[0] ? "longer than 127 bytes" : "empty");
            return REPORT_EINVAL;
        }
        if (json_is_real(v)) {
            char num[40];
            snprintf(num, sizeof num, "%.17g", json_real_value(v));
            if (strpbrk(num, ".eEn") == NULL)
                strcat(num, ".0");
            msg(err, errlen, "totals.%s: %s is not a JSON integer (write whole numbers without a "
                "fraction or exponent: 1000, not 1.5, 1e3 or 1000.0)", quote(key, q), num);
            return REPORT_EINVAL;
        }
        if (!json_is_integer(v)) {
            msg(err, errlen, "totals.%s must be an integer, not %s", quote(key, q), type_name(v));
            return REPORT_EINVAL;
        }
        json_int_t t = json_integer_value(v);
        if (t < 0 || t > REPORT_MAX_TOTAL) {
            msg(err, errlen, t < 0 ? "totals.%s: %lld is negative (totals are cumulative counts)"
                                   : "totals.%s: %lld is larger than 1000000000000",
                quote(key, q), (long long)t);
            return REPORT_EINVAL;
        }
        memcpy(rv->key, key, strlen(key) + 1);
        rv->total = t;
        out->n_values++;
    }
    return REPORT_OK;
}

/* Reads "qualifiers" (optional) onto the values of out. REPORT_OK or REPORT_EINVAL. */
static int json_qualifiers(json_t *quals, report *out, char *err, size_t errlen)
{
    char q[QUOTE_MAX + 4], q2[QUOTE_MAX + 4];
    const char *key;
    json_t *v;
    if (quals == NULL || json_is_null(quals))
        return REPORT_OK;
    if (!json_is_object(quals)) {
        msg(err, errlen, "qualifiers must be an object {category: \"about\" | \"more\"}, not %s",
            type_name(quals));
        return REPORT_EINVAL;
    }
    json_object_foreach(quals, key, v) {
        report_value *rv = NULL;
        for (size_t i = 0; i < out->n_values && rv == NULL; i++)
            if (strcasecmp(out->values[i].key, key) == 0)
                rv = &out->values[i];
        if (rv == NULL) {
            msg(err, errlen, "qualifiers: \"%s\" has no total in totals", quote(key, q));
            return REPORT_EINVAL;
        }
        if (json_is_null(v))
            continue;
        const char *s = json_string_value(v);
        if (s == NULL || (strcmp(s, "about") != 0 && strcmp(s, "more") != 0)) {
            if (s)
                msg(err, errlen, "qualifiers.%s: \"%s\" is not a qualifier (expected \"about\" "
                    "or \"more\")", quote(key, q), quote(s, q2));
            else
                msg(err, errlen, "qualifiers.%s must be \"about\" or \"more\", not %s",
                    quote(key, q), type_name(v));
            return REPORT_EINVAL;
        }
        snprintf(rv->qualifier, sizeof rv->qualifier, "%s", s);
    }
    return REPORT_OK;
}

/* Reads "source_url" (optional: absent or null). REPORT_OK, REPORT_EINVAL, REPORT_ENOMEM. */
static int json_source(json_t *src, report *out, char *err, size_t errlen)
{
    char q[QUOTE_MAX + 4];
    if (src == NULL || json_is_null(src))
        return REPORT_OK;
    const char *s = json_string_value(src);
    if (s == NULL) {
        msg(err, errlen, "source_url must be a string or null, not %s", type_name(src));
        return REPORT_EINVAL;
    }
    int ok = strlen(s) <= REPORT_MAX_URL &&
             (strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0);
    for (const char *p = s; ok && *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7F)
            ok = 0;
    if (!ok) {
        msg(err, errlen, "source_url: \"%s\" is not an http(s) URL without spaces of at most %d "
            "bytes", quote(s, q), REPORT_MAX_URL);
        return REPORT_EINVAL;
    }
    out->source_url = strdup(s);
    if (out->source_url == NULL) {
        msg(err, errlen, "out of memory");
        return REPORT_ENOMEM;
    }
    return REPORT_OK;
}

/* Reads "date". REPORT_OK or REPORT_EINVAL. */
static int json_date(json_t *d, report *out, char *err, size_t errlen)
{
    char q[QUOTE_MAX + 4];
    if (d == NULL) {
        msg(err, errlen, "date is missing (expected \"YYYY-MM-DD\")");
        return REPORT_EINVAL;
    }
    if (!json_is_string(d)) {
        msg(err, errlen, "date must be a string \"YYYY-MM-DD\", not %s", type_name(d));
        return REPORT_EINVAL;
    }
    if (date_parse(json_string_value(d), &out->date) != 0) {
        msg(err, errlen, "date: \"%s\" is not a date (expected YYYY-MM-DD, a real calendar day)",
            quote(json_string_value(d), q));
        return REPORT_EINVAL;
    }
    return date_check(out->date, err, errlen);
}

int report_from_json(const char *body, size_t len, report *out, char *err, size_t errlen)
{
    static const char *const fields[] = {"date", "totals", "qualifiers", "source_url", NULL};
    int rc = REPORT_ESYNTAX;
    json_error_t jerr;
    json_t *root = NULL;
    char q[QUOTE_MAX + 4];
    const char *key;
    json_t *v;
    memset(out, 0, sizeof *out);
    if (body == NULL || len == 0) {
        msg(err, errlen, "the body is empty (expected a JSON object {\"date\", \"totals\", ...})");
        goto cleanup;
    }
    root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (root == NULL) {
        enum json_error_code code = json_error_code(&jerr);
        ascii_only(jerr.text);
        if (code == json_error_numeric_overflow) {
            msg(err, errlen, "a number at line %d, column %d is too large (totals are at most "
                "1000000000000)", jerr.line, jerr.column);
            rc = REPORT_EINVAL;
        } else if (code == json_error_duplicate_key) {
            msg(err, errlen, "%s (line %d, column %d): each key may appear once", jerr.text,
                jerr.line, jerr.column);
            rc = REPORT_EINVAL;
        } else if (code == json_error_out_of_memory) {
            msg(err, errlen, "out of memory");
            rc = REPORT_ENOMEM;
        } else {
            msg(err, errlen, "the body is not valid JSON: %s (line %d, column %d)", jerr.text,
                jerr.line, jerr.column);
        }
        goto cleanup;
    }
    if (!json_is_object(root)) {
        msg(err, errlen, "the body must be a JSON object {\"date\", \"totals\", ...}, not %s",
            type_name(root));
        goto cleanup;
    }
    rc = REPORT_EINVAL;
    json_object_foreach(root, key, v) {
        int known = 0;
        for (int i = 0; fields[i]; i++)
            known |= strcmp(key, fields[i]) == 0;
        if (!known) {
            msg(err, errlen, "unknown field \"%s\" (a report has date, totals, qualifiers, "
                "source_url)", quote(key, q));
            goto cleanup;
        }
    }
    if ((rc = json_date(json_object_get(root, "date"), out, err, errlen)) != REPORT_OK ||
        (rc = json_totals(json_object_get(root, "totals"), out, err, errlen)) != REPORT_OK ||
        (rc = json_qualifiers(json_object_get(root, "qualifiers"), out, err, errlen))
            != REPORT_OK ||
        (rc = json_source(json_object_get(root, "source_url"), out, err, errlen)) != REPORT_OK)
        goto cleanup;
    rc = REPORT_OK;
cleanup:
    json_decref(root);
    if (rc != REPORT_OK)
        report_free(out);
    return rc;
}

/* ---- the ministry's post ------------------------------------------------------------- */

int report_from_post(const char *text, size_t len, report *out, char *err, size_t errlen)
{
    int rc = REPORT_ESYNTAX;
    post_report p;
    char perr[256];
    memset(&p, 0, sizeof p);
    memset(out, 0, sizeof *out);
    if (text == NULL || len == 0) {
        msg(err, errlen, "the body is empty (expected the ministry's post as text)");
        goto cleanup;
    }
    if (post_text_check(text, len, perr, sizeof perr) != POST_OK) {
        msg(err, errlen, "the text cannot be read: %s", perr);
        goto cleanup;
    }
    rc = post_parse(text, len, &p, perr, sizeof perr);
    if (rc != POST_OK) {
        rc = rc == POST_ENOMEM ? REPORT_ENOMEM : REPORT_EINVAL;
        msg(err, errlen, rc == REPORT_ENOMEM ? "out of memory" : "not a ministry post: %s", perr);
        goto cleanup;
    }
    rc = REPORT_EINVAL;
    if (p.n_entries == 0) {
        msg(err, errlen, "the post has no figures (expected lines such as "
            "\"tanks – 9097 (+7)\")");
        goto cleanup;
    }
    if (p.n_entries > REPORT_MAX_VALUES) {
        msg(err, errlen, "the post has %zu figures; a report has at most %d", p.n_entries,
            REPORT_MAX_VALUES);
        goto cleanup;
    }
    out->date = p.date;
    if ((rc = date_check(p.date, err, errlen)) != REPORT_OK)
        goto cleanup;
    rc = REPORT_ENOMEM;
    msg(err, errlen, "out of memory");
    out->values = calloc(p.n_entries, sizeof *out->values);
    out->ignored = p.n_ignored ? calloc(p.n_ignored, sizeof *out->ignored) : NULL;
    if (out->values == NULL || (p.n_ignored && out->ignored == NULL))
        goto cleanup;
    for (size_t i = 0; i < p.n_entries; i++) {
        const post_entry *e = &p.entries[i];
        report_value *v = &out->values[i];
        snprintf(v->key, sizeof v->key, "%s", e->label);
        snprintf(v->qualifier, sizeof v->qualifier, "%s", e->qualifier);
        v->total = e->total;
        v->has_increase = e->has_increase;
        v->increase = e->increase;
        v->line = e->line;
    }
    out->n_values = p.n_entries;
    for (size_t i = 0; i < p.n_ignored; i++) {
        if (asprintf(&out->ignored[i], "line %d: %s", p.ignored_line[i], p.ignored[i]) < 0)
            goto cleanup;
        out->n_ignored++;
    }
    msg(err, errlen, "%s", "");
    rc = REPORT_OK;
cleanup:
    post_report_free(&p);
    if (rc != REPORT_OK)
        report_free(out);
    return rc;
}

/* ---- reading stored reports ---------------------------------------------------------- */

/* Adds a value to r, growing r->values (*cap entries). 0 or -1 (ENOMEM). */
static int value_push(report *r, size_t *cap, const char *category, int64_t total,
                      const char *qualifier)
{
    if (r->n_values == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        report_value *nv = realloc(r->values, ncap * sizeof *nv);
        if (nv == NULL)
            return -1;
        r->values = nv;
        *cap = ncap;
    }
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
static int load_report(store *st, const char *day, report *out)
{
    int rc = REPORT_EDB, step;
    size_t cap = 0;
    memset(out, 0, sizeof *out);
    sqlite3_stmt *stmt = store_prepare(st, "SELECT revision, stored_at, source_url FROM report "
                                           "WHERE date = ?1", "t", day);
    if (stmt == NULL)
        goto cleanup;
    step = sqlite3_step(stmt);
    if (step != SQLITE_ROW) {
        rc = step == SQLITE_DONE ? REPORT_ENOTFOUND
                                 : report_status_from_store(store_status_from_sqlite(step));
        goto cleanup;
    }
    date_parse(day, &out->date);
    out->revision = sqlite3_column_int(stmt, 0);
    snprintf(out->stored_at, sizeof out->stored_at, "%s",
             (const char *)sqlite3_column_text(stmt, 1));
    if (sqlite3_column_type(stmt, 2) != SQLITE_NULL &&
        (out->source_url = strdup((const char *)sqlite3_column_text(stmt, 2))) == NULL) {
        rc = REPORT_ENOMEM;
        goto cleanup;
    }
    if ((step = sqlite3_step(stmt)) != SQLITE_DONE)
        goto cleanup;
    sqlite3_finalize(stmt);
    stmt = store_prepare(st, "SELECT v.category, v.total, v.qualifier FROM report_value v "
                             "JOIN category c ON c.id = v.category WHERE v.date = ?1 "
                             "ORDER BY c.sort, v.category", "t", day);
    if (stmt == NULL)
        goto cleanup;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (value_push(out, &cap, (const char *)sqlite3_column_text(stmt, 0),
                       sqlite3_column_int64(stmt, 1),
                       (const char *)sqlite3_column_text(stmt, 2)) != 0) {
            rc = REPORT_ENOMEM;
            goto cleanup;
        }
    }
    if (step != SQLITE_DONE) {
        rc = report_status_from_store(store_status_from_sqlite(step));
        goto cleanup;
    }
    rc = REPORT_OK;
cleanup:
    sqlite3_finalize(stmt);
    if (rc != REPORT_OK)
        report_free(out);
    return rc;
}

/* Loads the nearest stored report before (dir < 0) or after (dir > 0) the date. Same
 * returns as load_report; REPORT_ENOTFOUND when there is none. */
static int load_neighbour(store *st, const char *day, int dir, report *out)
{
    char other[DATE_STR_LEN] = "";
    int rc = REPORT_EDB;
    memset(out, 0, sizeof *out);
    sqlite3_stmt *stmt = store_prepare(st, dir < 0 ? "SELECT max(date) FROM report WHERE date < ?1"
                                                   : "SELECT min(date) FROM report WHERE date > ?1",
                                       "t", day);
    int step = stmt ? sqlite3_step(stmt) : SQLITE_ERROR;
    if (step == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(stmt, 0);
        snprintf(other, sizeof other, "%s", t ? (const char *)t : "");
        step = sqlite3_step(stmt);
    }
    if (step != SQLITE_DONE)
        goto cleanup;
    rc = other[0] ? load_report(st, other, out) : REPORT_ENOTFOUND;
cleanup:
    sqlite3_finalize(stmt);
    return rc;
}

int report_get(store *st, int date, report *out)
{
    char day[DATE_STR_LEN];
    return load_report(st, date_format(date, day), out);
}

/* Fills out (zeroed first) from a stored revision: JSON texts of totals and qualifiers.
 * REPORT_OK, REPORT_ENOMEM, REPORT_EDB (the stored JSON is not what it should be). */
static int revision_from_row(sqlite3_stmt *stmt, int date, report *out)
{
    int rc = REPORT_EDB;
    size_t cap = 0;
    const char *key;
    json_t *v;
    memset(out, 0, sizeof *out);
    out->date = date;
    out->revision = sqlite3_column_int(stmt, 0);
    snprintf(out->stored_at, sizeof out->stored_at, "%s",
             (const char *)sqlite3_column_text(stmt, 1));
    json_t *totals = json_loads((const char *)sqlite3_column_text(stmt, 2), 0, NULL);
    json_t *quals = json_loads((const char *)sqlite3_column_text(stmt, 3), 0, NULL);
    if (!json_is_object(totals) || !json_is_object(quals))
        goto cleanup;
    rc = REPORT_ENOMEM;
    if (sqlite3_column_type(stmt, 4) != SQLITE_NULL &&
        (out->source_url = strdup((const char *)sqlite3_column_text(stmt, 4))) == NULL)
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
    sqlite3_stmt *stmt = NULL;
    report *revs = calloc(cap, sizeof *revs);
    *out = NULL;
    *n = 0;
    if (revs == NULL)
        return REPORT_ENOMEM;
    if ((rc = load_report(st, date_format(date, day), &revs[0])) != REPORT_OK)
        goto cleanup;
    count = 1;
    rc = REPORT_EDB;
    stmt = store_prepare(st, "SELECT revision, stored_at, totals, qualifiers, source_url "
                             "FROM report_revision WHERE date = ?1 ORDER BY revision DESC",
                         "t", day);
    if (stmt == NULL)
        goto cleanup;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (count == cap) {
            report *nr = realloc(revs, cap * 2 * sizeof *nr);
            if (nr == NULL) {
                rc = REPORT_ENOMEM;
                goto cleanup;
            }
            revs = nr;
            cap *= 2;
        }
        if ((rc = revision_from_row(stmt, date, &revs[count])) != REPORT_OK)
            goto cleanup;
        count++;
        rc = REPORT_EDB;
    }
    if (step != SQLITE_DONE)
        goto cleanup;
    rc = REPORT_OK;
    *out = revs;
    *n = count;
    revs = NULL;
cleanup:
    sqlite3_finalize(stmt);
    report_history_free(revs, count);
    return rc;
}

/* ---- storing ------------------------------------------------------------------------- */

static int fail(report_result *res, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(report_result *res, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->error, sizeof res->error, fmt, ap);
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
    char q[QUOTE_MAX + 4], q2[QUOTE_MAX + 4];
    for (size_t i = 0; i < r->n_values; i++) {
        report_value *v = &r->values[i];
        int created = 0;
        int rc = store_category_resolve(st, v->key, 1, v->category, sizeof v->category, &created);
        if (rc == STORE_EINVAL)
            return fail(res, REPORT_EINVAL, "\"%s\" cannot name a category (it needs letters or "
                        "digits, at most 63 of them)", quote(v->key, q));
        if (rc != STORE_OK)
            return db_fail(st, res, rc, 1, "resolving categories");
        if (created && strings_add(&res->new_categories, "%s", v->category) != 0)
            return fail(res, REPORT_ENOMEM, "out of memory");
        for (size_t k = 0; k < i; k++)
            if (strcmp(r->values[k].category, v->category) == 0)
                return fail(res, REPORT_EINVAL, "\"%s\" and \"%s\" both name the category %s",
                            quote(r->values[k].key, q), quote(v->key, q2), v->category);
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
            w |= strings_add(&res->warnings, "%s: the post's (%+lld) differs from %lld - %lld = "
                             "%lld over the %d days since the report of %s", v->category,
                             (long long)v->increase, (long long)v->total, (long long)p->total,
                             (long long)(v->total - p->total), r->date - prev->date, pd);
        }
        if (p && v->total < p->total)
            w |= strings_add(&res->warnings, "%s: total %lld is lower than the previous "
                             "report's %lld (%s)", v->category, (long long)v->total,
                             (long long)p->total, pd);
        if (x && v->total > x->total)
            w |= strings_add(&res->warnings, "%s: total %lld is higher than the next report's "
                             "%lld (%s)", v->category, (long long)v->total, (long long)x->total,
                             nd);
    }
    if (any_increase && !prev->revision)
        w |= strings_add(&res->warnings, "the (+N) increases were not checked: no report before "
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
                                     "totals, qualifiers, source_url) "
                                     "VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                                 "titttt", day, (int64_t)old->revision, old->stored_at, totals,
                                 quals, old->source_url));
    if (rc == STORE_OK)
        rc = store_run(store_prepare(st, "DELETE FROM report_value WHERE date = ?1", "t", day));
    if (rc == STORE_OK)
        rc = store_run(store_prepare(st, "UPDATE report SET revision = revision + 1, "
                                         "stored_at = ?2, source_url = ?3 WHERE date = ?1",
                                     "ttt", day, now, r->source_url));
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
        if (strings_add(&res->ignored_lines, "%s", r->ignored[i]) != 0)
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
    char now[32];
    now_iso(now);
    if (old->revision)
        rc = replace_report(st, day, now, old, r);
    else if ((rc = store_run(store_prepare(st, "INSERT INTO report(date, revision, stored_at, "
                                               "source_url) VALUES(?1, 1, ?2, ?3)",
                                           "ttt", day, now, r->source_url))) == STORE_OK)
        rc = insert_values(st, day, r);
    if (rc == STORE_OK)
        rc = store_touch(st);
    if (rc != STORE_OK)
        return db_fail(st, res, rc, 1, "storing the report");
    if ((rc = load_report(st, day, &res->stored)) != REPORT_OK)
        return db_fail(st, res, rc, 0, "reading the report back");
    if ((rc = store_commit(st)) != STORE_OK)
        return db_fail(st, res, rc, 1, "committing the report");
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
    rc = load_report(st, day, &old);
    if (rc == REPORT_ENOTFOUND && mode == REPORT_REPLACE) {
        rc = fail(res, REPORT_ENOTFOUND, "no report is stored for %s, so there is none to replace",
                  day);
        goto cleanup;
    }
    if ((rc != REPORT_OK && rc != REPORT_ENOTFOUND) ||
        ((rc = load_neighbour(st, day, -1, &prev)) != REPORT_OK && rc != REPORT_ENOTFOUND) ||
        ((rc = load_neighbour(st, day, 1, &next)) != REPORT_OK && rc != REPORT_ENOTFOUND)) {
        rc = db_fail(st, res, rc, 0, "reading the stored reports");
        goto cleanup;
    }
    if ((rc = check_neighbours(r, &prev, &next, res)) != REPORT_OK)
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
