/* Reports sent by clients: reading JSON and the ministry's post into a report. Contracts:
 * include/attrition/report.h. */
#include "attrition/report.h"
#include "attrition/date.h"
#include "attrition/text.h"
#include "report_internal.h"
#include "attrition/post.h"
#include "attrition/check.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* One entry key: v of "totals" into *rv. REPORT_OK or REPORT_EINVAL with the message. */
static int json_total(const char *key, const json_t *v, report_value *rv, char *err,
                      size_t errlen)
{
    char q[TEXT_QUOTE_SIZE];
    if (strlen(key) >= REPORT_KEY_SIZE || key[0] == '\0') {
        text_message(err, errlen, "totals: the key \"%s\" is %s", text_quote_str(key, q),
                     key[0] ? "longer than 127 bytes" : "empty");
        return REPORT_EINVAL;
    }
    if (json_is_real(v)) {
        char num[40];
        snprintf(num, sizeof num, "%.17g", json_real_value(v));
        if (strpbrk(num, ".eEn") == NULL)
            strcat(num, ".0");
        text_message(err, errlen, "totals.%s: %s is not a JSON integer (write whole numbers "
                     "without a fraction or exponent: 1000, not 1.5, 1e3 or 1000.0)",
                     text_quote_str(key, q), num);
        return REPORT_EINVAL;
    }
    if (!json_is_integer(v)) {
        text_message(err, errlen, "totals.%s must be an integer, not %s", text_quote_str(key, q),
                     type_name(v));
        return REPORT_EINVAL;
    }
    json_int_t t = json_integer_value(v);
    if (t < 0 || t > REPORT_MAX_TOTAL) {
        text_message(err, errlen,
                     t < 0 ? "totals.%s: %lld is negative (totals are cumulative counts)"
                           : "totals.%s: %lld is larger than 1000000000000", text_quote_str(key, q),
                     (long long)t);
        return REPORT_EINVAL;
    }
    memcpy(rv->key, key, strlen(key) + 1);
    rv->total = t;
    return REPORT_OK;
}

/* Reads "totals" into out->values. REPORT_OK, REPORT_EINVAL, REPORT_ENOMEM. */
static int json_totals(json_t *totals, report *out, char *err, size_t errlen)
{
    const char *key;
    json_t *v;
    if (totals == NULL) {
        text_message(err, errlen,
                     "totals is missing (expected an object {category: integer, ...})");
        return REPORT_EINVAL;
    }
    if (!json_is_object(totals)) {
        text_message(err, errlen, "totals must be an object {category: integer, ...}, not %s",
                     type_name(totals));
        return REPORT_EINVAL;
    }
    size_t n = json_object_size(totals);
    if (n == 0) {
        text_message(err, errlen, "totals is empty: a report needs at least one total");
        return REPORT_EINVAL;
    }
    if (n > REPORT_MAX_VALUES) {
        text_message(err, errlen, "totals has %zu entries; a report has at most %d", n,
                     REPORT_MAX_VALUES);
        return REPORT_EINVAL;
    }
    out->values = calloc(n, sizeof *out->values);
    if (out->values == NULL) {
        text_message(err, errlen, "out of memory");
        return REPORT_ENOMEM;
    }
    json_object_foreach(totals, key, v) {
        int rc = json_total(key, v, &out->values[out->n_values], err, errlen);
        if (rc != REPORT_OK)
            return rc;
        out->n_values++;
    }
    return REPORT_OK;
}

/* Reads "qualifiers" (optional) onto the values of out. REPORT_OK or REPORT_EINVAL. */
static int json_qualifiers(json_t *quals, report *out, char *err, size_t errlen)
{
    char q[TEXT_QUOTE_SIZE], q2[TEXT_QUOTE_SIZE];
    const char *key;
    json_t *v;
    if (quals == NULL || json_is_null(quals))
        return REPORT_OK;
    if (!json_is_object(quals)) {
        text_message(err, errlen,
                     "qualifiers must be an object {category: \"about\" | \"more\"}, not %s",
                     type_name(quals));
        return REPORT_EINVAL;
    }
    json_object_foreach(quals, key, v) {
        report_value *rv = NULL;
        for (size_t i = 0; i < out->n_values && rv == NULL; i++)
            if (strcasecmp(out->values[i].key, key) == 0)
                rv = &out->values[i];
        if (rv == NULL) {
            text_message(err, errlen, "qualifiers: \"%s\" has no total in totals",
                         text_quote_str(key, q));
            return REPORT_EINVAL;
        }
        if (json_is_null(v))
            continue;
        const char *s = json_string_value(v);
        if (s == NULL || (strcmp(s, "about") != 0 && strcmp(s, "more") != 0)) {
            if (s)
                text_message(err, errlen,
                             "qualifiers.%s: \"%s\" is not a qualifier (expected \"about\" "
                             "or \"more\")", text_quote_str(key, q), text_quote_str(s, q2));
            else
                text_message(err, errlen, "qualifiers.%s must be \"about\" or \"more\", not %s",
                             text_quote_str(key, q), type_name(v));
            return REPORT_EINVAL;
        }
        snprintf(rv->qualifier, sizeof rv->qualifier, "%s", s);
    }
    return REPORT_OK;
}

/* Reads "source_url" (optional: absent or null). REPORT_OK, REPORT_EINVAL, REPORT_ENOMEM. */
static int json_source(json_t *src, report *out, char *err, size_t errlen)
{
    char q[TEXT_QUOTE_SIZE];
    if (src == NULL || json_is_null(src))
        return REPORT_OK;
    const char *s = json_string_value(src);
    if (s == NULL) {
        text_message(err, errlen, "source_url must be a string or null, not %s", type_name(src));
        return REPORT_EINVAL;
    }
    int ok = strlen(s) <= REPORT_MAX_URL &&
             (strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0);
    for (const char *p = s; ok && *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7F)
            ok = 0;
    if (!ok) {
        text_message(err, errlen,
                     "source_url: \"%s\" is not an http(s) URL without spaces of at most %d "
                     "bytes", text_quote_str(s, q), REPORT_MAX_URL);
        return REPORT_EINVAL;
    }
    out->source_url = strdup(s);
    if (out->source_url == NULL) {
        text_message(err, errlen, "out of memory");
        return REPORT_ENOMEM;
    }
    return REPORT_OK;
}

/* Reads "date". REPORT_OK or REPORT_EINVAL. */
static int json_date(json_t *d, report *out, char *err, size_t errlen)
{
    char q[TEXT_QUOTE_SIZE];
    if (d == NULL) {
        text_message(err, errlen, "date is missing (expected \"YYYY-MM-DD\")");
        return REPORT_EINVAL;
    }
    if (!json_is_string(d)) {
        text_message(err, errlen, "date must be a string \"YYYY-MM-DD\", not %s", type_name(d));
        return REPORT_EINVAL;
    }
    if (date_parse(json_string_value(d), &out->date) != 0) {
        text_message(err, errlen,
                     "date: \"%s\" is not a date (expected YYYY-MM-DD, a real calendar day)",
                     text_quote_str(json_string_value(d), q));
        return REPORT_EINVAL;
    }
    return report_date_check(out->date, err, errlen);
}

/* The status and message of a body Jansson could not load: REPORT_EINVAL for a number too
 * large or a repeated key, REPORT_ENOMEM, else REPORT_ESYNTAX. jerr's text is scrubbed to
 * UTF-8 in place. */
static int json_syntax_error(json_error_t *jerr, char *err, size_t errlen)
{
    enum json_error_code code = json_error_code(jerr);
    text_utf8_scrub(jerr->text);
    if (code == json_error_numeric_overflow) {
        text_message(err, errlen, "a number at line %d, column %d is too large (totals are at "
                     "most 1000000000000)", jerr->line, jerr->column);
        return REPORT_EINVAL;
    }
    if (code == json_error_duplicate_key) {
        text_message(err, errlen, "%s (line %d, column %d): each key may appear once", jerr->text,
                     jerr->line, jerr->column);
        return REPORT_EINVAL;
    }
    if (code == json_error_out_of_memory) {
        text_message(err, errlen, "out of memory");
        return REPORT_ENOMEM;
    }
    text_message(err, errlen, "the body is not valid JSON: %s (line %d, column %d)", jerr->text,
                 jerr->line, jerr->column);
    return REPORT_ESYNTAX;
}

int report_from_json(const char *body, size_t len, report *out, char *err, size_t errlen)
{
    static const char *const fields[] = {"date", "totals", "qualifiers", "source_url", NULL};
    int rc = REPORT_ESYNTAX;
    json_error_t jerr;
    json_t *root = NULL;
    char q[TEXT_QUOTE_SIZE];
    const char *key;
    json_t *v;
    memset(out, 0, sizeof *out);
    if (body == NULL || len == 0) {
        text_message(err, errlen,
                     "the body is empty (expected a JSON object {\"date\", \"totals\", ...})");
        goto cleanup;
    }
    root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (root == NULL) {
        rc = json_syntax_error(&jerr, err, errlen);
        goto cleanup;
    }
    if (!json_is_object(root)) {
        text_message(err, errlen,
                     "the body must be a JSON object {\"date\", \"totals\", ...}, not %s",
                     type_name(root));
        goto cleanup;
    }
    rc = REPORT_EINVAL;
    json_object_foreach(root, key, v) {
        int known = 0;
        for (int i = 0; fields[i]; i++)
            known |= strcmp(key, fields[i]) == 0;
        if (!known) {
            text_message(err, errlen,
                         "unknown field \"%s\" (a report has date, totals, qualifiers, "
                         "source_url)", text_quote_str(key, q));
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

static int label_is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 0;
    return 1;
}

/* The entries and ignored lines of post p into out (date already set). REPORT_OK, or
 * REPORT_ENOMEM with what was copied still owned by out (the caller frees it). */
static int copy_post(const post_report *p, report *out)
{
    out->values = calloc(p->n_entries, sizeof *out->values);
    out->ignored = p->n_ignored ? calloc(p->n_ignored, sizeof *out->ignored) : NULL;
    if (out->values == NULL || (p->n_ignored && out->ignored == NULL))
        return REPORT_ENOMEM;
    for (size_t i = 0; i < p->n_entries; i++) {
        const post_entry *e = &p->entries[i];
        report_value *v = &out->values[i];
        /* a Ukrainian label ("танків", "засоби ППО") is named by the lexicon; English ones
         * keep their label, which the categories' aliases resolve (early posts' "fuel
         * tanks" is a category of its own there) */
        const char *id = label_is_ascii(e->label) ? NULL : check_lexicon_label(e->label);
        snprintf(v->key, sizeof v->key, "%s", id ? id : e->label);
        snprintf(v->qualifier, sizeof v->qualifier, "%s", e->qualifier);
        v->total = e->total;
        v->has_increase = e->has_increase;
        v->increase = e->increase;
        v->line = e->line;
    }
    out->n_values = p->n_entries;
    for (size_t i = 0; i < p->n_ignored; i++) {
        if (asprintf(&out->ignored[i], "line %d: %s", p->ignored_line[i], p->ignored[i]) < 0)
            return REPORT_ENOMEM;
        out->n_ignored++;
    }
    return REPORT_OK;
}

int report_from_post(const char *text, size_t len, report *out, char *err, size_t errlen)
{
    int rc = REPORT_ESYNTAX;
    post_report p;
    char perr[256];
    memset(&p, 0, sizeof p);
    memset(out, 0, sizeof *out);
    if (text == NULL || len == 0) {
        text_message(err, errlen, "the body is empty (expected the ministry's post as text)");
        goto cleanup;
    }
    if (post_text_check(text, len, perr, sizeof perr) != POST_OK) {
        text_message(err, errlen, "the text cannot be read: %s", perr);
        goto cleanup;
    }
    rc = post_parse(text, len, &p, perr, sizeof perr);
    if (rc != POST_OK) {
        rc = rc == POST_ENOMEM ? REPORT_ENOMEM : REPORT_EINVAL;
        text_message(err, errlen,
                     rc == REPORT_ENOMEM ? "out of memory" : "not a ministry post: %s", perr);
        goto cleanup;
    }
    rc = REPORT_EINVAL;
    if (p.n_entries == 0) {
        text_message(err, errlen, "the post has no figures (expected lines such as "
                     "\"tanks – 9097 (+7)\")");
        goto cleanup;
    }
    if (p.n_entries > REPORT_MAX_VALUES) {
        text_message(err, errlen, "the post has %zu figures; a report has at most %d", p.n_entries,
                     REPORT_MAX_VALUES);
        goto cleanup;
    }
    out->date = p.date;
    if ((rc = report_date_check(p.date, err, errlen)) != REPORT_OK)
        goto cleanup;
    if ((rc = copy_post(&p, out)) != REPORT_OK)
        text_message(err, errlen, "out of memory");
    else
        text_message(err, errlen, "%s", "");
cleanup:
    post_report_free(&p);
    if (rc != REPORT_OK)
        report_free(out);
    return rc;
}
