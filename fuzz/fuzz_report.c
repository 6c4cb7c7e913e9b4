/* libFuzzer target for the readers of a client's report (include/attrition/report.h): any
 * bytes given to report_from_json and to report_from_post give REPORT_OK with a report that
 * keeps the documented bounds, or an error status with a one-line message and a zeroed
 * report; never a crash, leak or out-of-bounds read. For JSON, the 400/422 line holds: a body
 * Jansson reads as an object is never REPORT_ESYNTAX. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attrition/date.h"
#include "attrition/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* On failure the message is one non-empty NUL-terminated line (on success err is not
 * promised anything). */
static void check_message(int rc, const char *err, size_t len)
{
    if (rc == REPORT_OK)
        return;
    if (memchr(err, '\0', len) == NULL || strchr(err, '\n') != NULL || err[0] == '\0')
        abort();
}

static void check_report(int rc, const report *r, int post)
{
    if (rc != REPORT_OK) {
        if (rc != REPORT_ESYNTAX && rc != REPORT_EINVAL && rc != REPORT_ENOMEM)
            abort();
        if (r->values != NULL || r->n_values != 0 || r->source_url != NULL ||
            r->ignored != NULL || r->n_ignored != 0)
            abort(); /* *out zeroed on failure */
        return;
    }
    if (r->n_values == 0 || r->n_values > REPORT_MAX_VALUES)
        abort();
    if (r->date < DATE_WAR_START || r->date > date_today() + 1)
        abort();
    for (size_t i = 0; i < r->n_values; i++) {
        const report_value *v = &r->values[i];
        if (memchr(v->key, '\0', sizeof v->key) == NULL || v->key[0] == '\0')
            abort();
        if (v->total < 0 || v->total > REPORT_MAX_TOTAL)
            abort();
        if (v->qualifier[0] && strcmp(v->qualifier, "about") != 0 &&
            strcmp(v->qualifier, "more") != 0)
            abort();
        if ((v->line > 0) != post || (!post && v->has_increase))
            abort();
    }
    if (r->source_url && (post || strlen(r->source_url) > REPORT_MAX_URL))
        abort();
    for (size_t i = 0; i < r->n_ignored; i++)
        if (!post || r->ignored[i] == NULL)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so that ASan catches any read past len. */
    char *text = malloc(size ? size : 1);
    char err[512];
    report r;
    if (text == NULL)
        return 0;
    if (size > 0)
        memcpy(text, data, size);

    memset(err, 'x', sizeof err);
    int rc = report_from_json(text, size, &r, err, sizeof err);
    check_message(rc, err, sizeof err);
    check_report(rc, &r, 0);
    if (rc == REPORT_ESYNTAX) {
        json_t *root = json_loadb(text, size, JSON_DECODE_ANY, NULL);
        if (json_is_object(root))
            abort(); /* readable JSON is a content error (422), not a syntax error (400) */
        json_decref(root);
    }
    report_free(&r);

    memset(err, 'x', sizeof err);
    rc = report_from_post(text, size, &r, err, sizeof err);
    check_message(rc, err, sizeof err);
    check_report(rc, &r, 1);
    report_free(&r);
    free(text);
    return 0;
}
