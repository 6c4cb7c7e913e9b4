/* Unit tests for server/metrics.c: observe known requests (also from several threads), render,
 * parse the exposition text with a strict line parser written here, and check the values. */
#include <check.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics.h"

TCase *metrics_tcase(void);

/* ---- a small parser for the Prometheus text format 0.0.4 ------------------------------ */

#define MTEST_MAX_LABELS 4
#define MTEST_NAME_MAX 128
#define MTEST_VALUE_MAX 256
#define MTEST_MAX_FAMILIES 16

typedef struct mtest_label {
    char name[MTEST_NAME_MAX];
    char value[MTEST_VALUE_MAX];   /* unescaped */
} mtest_label;

typedef struct mtest_sample {
    char name[MTEST_NAME_MAX];
    size_t n_labels;
    mtest_label labels[MTEST_MAX_LABELS];
    double value;
} mtest_sample;

typedef struct mtest_family {
    char name[MTEST_NAME_MAX];
    char type[16];
} mtest_family;

/* A parsed exposition. samples is owned; free with mtest_doc_free. */
typedef struct mtest_doc {
    mtest_sample *samples;
    size_t n_samples;
    size_t cap_samples;
    mtest_family families[MTEST_MAX_FAMILIES];
    size_t n_families;
    char error[256];               /* why parsing or a check failed */
} mtest_doc;

static void mtest_doc_free(mtest_doc *d)
{
    free(d->samples);
    memset(d, 0, sizeof *d);
}

/* Records a formatted error in d and returns -1. */
static int mtest_fail(mtest_doc *d, size_t lineno, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int mtest_fail(mtest_doc *d, size_t lineno, const char *fmt, ...)
{
    int n = snprintf(d->error, sizeof d->error, "line %zu: ", lineno);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->error + n, sizeof d->error - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Parses a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) or, with colon 0, a label name, from
 * [p, end) into out. Returns the position after it, or NULL if there is none or it is too
 * long. */
static const char *mtest_name(const char *p, const char *end, char *out, size_t size, int colon)
{
    size_t n = 0;
    while (p + n < end) {
        char c = p[n];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                 (colon && c == ':') || (n > 0 && c >= '0' && c <= '9');
        if (!ok)
            break;
        n++;
    }
    if (n == 0 || n >= size)
        return NULL;
    memcpy(out, p, n);
    out[n] = '\0';
    return p + n;
}

/* Parses a sample value token: NaN, +Inf, -Inf or a decimal float. Returns 0 or -1. */
static int mtest_value_token(const char *p, size_t n, double *out)
{
    char tok[64];
    if (n == 0 || n >= sizeof tok)
        return -1;
    memcpy(tok, p, n);
    tok[n] = '\0';
    if (strcmp(tok, "NaN") == 0) {
        *out = NAN;
        return 0;
    }
    if (strcmp(tok, "+Inf") == 0 || strcmp(tok, "-Inf") == 0) {
        *out = tok[0] == '+' ? INFINITY : -INFINITY;
        return 0;
    }
    if (strspn(tok, "0123456789.eE+-") != n)
        return -1;
    char *endp = NULL;
    errno = 0;
    *out = strtod(tok, &endp);
    return (endp == tok + n && errno == 0) ? 0 : -1;
}

/* Parses the label set after '{' into s. Returns the position after '}', or NULL with
 * d->error set. */
static const char *mtest_labels(mtest_doc *d, size_t lineno, const char *p, const char *end,
                                mtest_sample *s)
{
    while (p < end && *p != '}') {
        if (s->n_labels == MTEST_MAX_LABELS) {
            mtest_fail(d, lineno, "too many labels");
            return NULL;
        }
        mtest_label *l = &s->labels[s->n_labels];
        p = mtest_name(p, end, l->name, sizeof l->name, 0);
        if (!p || p + 2 > end || p[0] != '=' || p[1] != '"') {
            mtest_fail(d, lineno, "expected label name=\"");
            return NULL;
        }
        for (size_t i = 0; i < s->n_labels; i++) {
            if (strcmp(s->labels[i].name, l->name) == 0) {
                mtest_fail(d, lineno, "duplicate label %s", l->name);
                return NULL;
            }
        }
        p += 2;
        size_t n = 0;
        while (p < end && *p != '"') {
            char c = *p++;
            if (c == '\\') {
                if (p == end || (*p != '\\' && *p != '"' && *p != 'n')) {
                    mtest_fail(d, lineno, "bad escape in label %s", l->name);
                    return NULL;
                }
                c = *p == 'n' ? '\n' : *p;
                p++;
            }
            if (n + 1 >= sizeof l->value) {
                mtest_fail(d, lineno, "label value too long");
                return NULL;
            }
            l->value[n++] = c;
        }
        if (p == end) {
            mtest_fail(d, lineno, "unterminated label value");
            return NULL;
        }
        l->value[n] = '\0';
        s->n_labels++;
        p++; /* closing quote */
        if (p < end && *p == ',')
            p++;
        else if (p < end && *p != '}') {
            mtest_fail(d, lineno, "expected ',' or '}' after label %s", l->name);
            return NULL;
        }
    }
    if (p == end) {
        mtest_fail(d, lineno, "unterminated label set");
        return NULL;
    }
    return p + 1;
}

/* Checks that a sample named name belongs to family f under f's type. Returns 0 or -1. */
static int mtest_in_family(mtest_doc *d, size_t lineno, const mtest_family *f,
                           const mtest_sample *s)
{
    size_t fl = strlen(f->name);
    int has_le = 0;
    for (size_t i = 0; i < s->n_labels; i++)
        has_le |= strcmp(s->labels[i].name, "le") == 0;
    if (strcmp(f->type, "histogram") != 0) {
        if (strcmp(s->name, f->name) != 0)
            return mtest_fail(d, lineno, "sample %s outside family %s", s->name, f->name);
        return 0;
    }
    if (strncmp(s->name, f->name, fl) != 0)
        return mtest_fail(d, lineno, "sample %s outside family %s", s->name, f->name);
    const char *suffix = s->name + fl;
    if (strcmp(suffix, "_bucket") == 0)
        return has_le ? 0 : mtest_fail(d, lineno, "_bucket without le");
    if (strcmp(suffix, "_sum") == 0 || strcmp(suffix, "_count") == 0)
        return has_le ? mtest_fail(d, lineno, "le on %s", s->name) : 0;
    return mtest_fail(d, lineno, "sample %s outside histogram %s", s->name, f->name);
}

/* Parses one "# HELP" or "# TYPE" line. prev_help is the name of the HELP line just before,
 * or "" (we always write HELP, then TYPE). Returns 0 or -1. */
static int mtest_comment(mtest_doc *d, size_t lineno, const char *p, const char *end,
                         char *prev_help)
{
    char name[MTEST_NAME_MAX];
    int help = end - p >= 7 && memcmp(p, "# HELP ", 7) == 0;
    int type = end - p >= 7 && memcmp(p, "# TYPE ", 7) == 0;
    if (!help && !type)
        return mtest_fail(d, lineno, "comment that is neither HELP nor TYPE");
    p = mtest_name(p + 7, end, name, sizeof name, 1);
    if (!p || p == end || *p != ' ' || p + 1 == end)
        return mtest_fail(d, lineno, "expected name and text");
    p++;
    if (help) {
        for (; p < end; p++) {
            if (*p == '\\' && (p + 1 == end || (p[1] != '\\' && p[1] != 'n')))
                return mtest_fail(d, lineno, "bad escape in HELP");
            if (*p == '\\')
                p++;
        }
        snprintf(prev_help, MTEST_NAME_MAX, "%s", name);
        return 0;
    }
    static const char *const types[] = {"counter", "gauge", "histogram", "summary", "untyped"};
    size_t n = (size_t)(end - p);
    const char *t = NULL;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strlen(types[i]) == n && memcmp(types[i], p, n) == 0)
            t = types[i];
    if (!t)
        return mtest_fail(d, lineno, "unknown TYPE %.*s", (int)n, p);
    if (strcmp(prev_help, name) != 0)
        return mtest_fail(d, lineno, "TYPE %s not right after its HELP", name);
    for (size_t i = 0; i < d->n_families; i++)
        if (strcmp(d->families[i].name, name) == 0)
            return mtest_fail(d, lineno, "family %s declared twice", name);
    if (d->n_families == MTEST_MAX_FAMILIES)
        return mtest_fail(d, lineno, "too many families");
    mtest_family *f = &d->families[d->n_families++];
    snprintf(f->name, sizeof f->name, "%s", name);
    snprintf(f->type, sizeof f->type, "%s", t);
    prev_help[0] = '\0';
    return 0;
}

/* Parses one sample line into a new entry of d->samples. Returns 0 or -1. */
static int mtest_sample_line(mtest_doc *d, size_t lineno, const char *p, const char *end)
{
    mtest_sample s;
    memset(&s, 0, sizeof s);
    p = mtest_name(p, end, s.name, sizeof s.name, 1);
    if (!p)
        return mtest_fail(d, lineno, "expected metric name");
    if (p < end && *p == '{') {
        p = mtest_labels(d, lineno, p + 1, end, &s);
        if (!p)
            return -1;
    }
    if (p == end || *p != ' ')
        return mtest_fail(d, lineno, "expected ' ' before value");
    p++;
    const char *v_end = memchr(p, ' ', (size_t)(end - p));
    if (!v_end)
        v_end = end;
    if (mtest_value_token(p, (size_t)(v_end - p), &s.value) != 0)
        return mtest_fail(d, lineno, "bad value %.*s", (int)(v_end - p), p);
    if (v_end != end) { /* optional timestamp: an integer in milliseconds */
        p = v_end + 1;
        if (p < end && *p == '-')
            p++;
        if (p == end || strspn(p, "0123456789") < (size_t)(end - p))
            return mtest_fail(d, lineno, "bad timestamp");
    }
    if (d->n_families == 0)
        return mtest_fail(d, lineno, "sample %s before any TYPE", s.name);
    if (mtest_in_family(d, lineno, &d->families[d->n_families - 1], &s) != 0)
        return -1;
    if (d->n_samples == d->cap_samples) {
        size_t cap = d->cap_samples ? 2 * d->cap_samples : 64;
        mtest_sample *grown = realloc(d->samples, cap * sizeof *grown);
        if (!grown)
            return mtest_fail(d, lineno, "out of memory");
        d->samples = grown;
        d->cap_samples = cap;
    }
    d->samples[d->n_samples++] = s;
    return 0;
}

static int mtest_same_series(const mtest_sample *a, const mtest_sample *b)
{
    if (strcmp(a->name, b->name) != 0 || a->n_labels != b->n_labels)
        return 0;
    for (size_t i = 0; i < a->n_labels; i++)
        if (strcmp(a->labels[i].name, b->labels[i].name) != 0 ||
            strcmp(a->labels[i].value, b->labels[i].value) != 0)
            return 0;
    return 1;
}

/* Parses text (len bytes, NUL-terminated) into d, checking every line against the grammar:
 * no empty lines, "# HELP name text" right before "# TYPE name type", samples
 * name{label="value",...} value [timestamp] in the family of the last TYPE, no series twice.
 * Returns 0, or -1 with d->error set. d is zeroed first; free it with mtest_doc_free. */
static int mtest_parse(const char *text, size_t len, mtest_doc *d)
{
    char prev_help[MTEST_NAME_MAX] = "";
    memset(d, 0, sizeof *d);
    if (strlen(text) != len)
        return mtest_fail(d, 0, "length %zu but strlen %zu", len, strlen(text));
    if (len == 0 || text[len - 1] != '\n')
        return mtest_fail(d, 0, "text does not end in a newline");
    size_t lineno = 0;
    for (const char *p = text; p < text + len;) {
        const char *end = strchr(p, '\n');
        lineno++;
        if (end == p)
            return mtest_fail(d, lineno, "empty line");
        int rc = *p == '#' ? mtest_comment(d, lineno, p, end, prev_help)
                           : mtest_sample_line(d, lineno, p, end);
        if (rc != 0)
            return -1;
        if (*p != '#')
            prev_help[0] = '\0';
        p = end + 1;
    }
    for (size_t i = 0; i < d->n_samples; i++)
        for (size_t j = i + 1; j < d->n_samples; j++)
            if (mtest_same_series(&d->samples[i], &d->samples[j]))
                return mtest_fail(d, 0, "series %s repeated", d->samples[i].name);
    return 0;
}

/* The sample called name with exactly the given labels (l2 may be NULL for one label, l1
 * NULL for none), or NULL. */
static const mtest_sample *mtest_find(const mtest_doc *d, const char *name, const char *l1,
                                      const char *v1, const char *l2, const char *v2)
{
    size_t want = (l1 != NULL) + (l2 != NULL);
    for (size_t i = 0; i < d->n_samples; i++) {
        const mtest_sample *s = &d->samples[i];
        if (strcmp(s->name, name) != 0 || s->n_labels != want)
            continue;
        if (l1 && (strcmp(s->labels[0].name, l1) != 0 || strcmp(s->labels[0].value, v1) != 0))
            continue;
        if (l2 && (strcmp(s->labels[1].name, l2) != 0 || strcmp(s->labels[1].value, v2) != 0))
            continue;
        return s;
    }
    return NULL;
}

/* Number of samples called name whose label `label` is value (any label if label is NULL). */
static size_t mtest_count(const mtest_doc *d, const char *name, const char *label,
                          const char *value)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n_samples; i++) {
        const mtest_sample *s = &d->samples[i];
        if (name && strcmp(s->name, name) != 0)
            continue;
        int match = label == NULL;
        for (size_t j = 0; label && j < s->n_labels; j++)
            match |= strcmp(s->labels[j].name, label) == 0 &&
                     strcmp(s->labels[j].value, value) == 0;
        n += (size_t)match;
    }
    return n;
}

static const char *const mtest_le[] = {
    "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
    "0.25", "0.5", "1", "+Inf",
};
#define MTEST_N_BUCKETS (sizeof mtest_le / sizeof mtest_le[0])

#define HIST "attrition_http_request_duration_seconds"
#define REQS "attrition_http_requests_total"

/* Checks the histogram of route: exactly the buckets of mtest_le, in that order, cumulative
 * (non-decreasing), +Inf equal to _count, and a _sum. Stores the bucket values in buckets
 * (MTEST_N_BUCKETS of them), _count and _sum. Returns 0, or -1 with d->error set. */
static int mtest_histogram(mtest_doc *d, const char *route, double *buckets, double *count,
                           double *sum)
{
    const mtest_sample *prev = NULL;
    if (mtest_count(d, HIST "_bucket", "route", route) != MTEST_N_BUCKETS)
        return mtest_fail(d, 0, "route %s: %zu buckets", route,
                          mtest_count(d, HIST "_bucket", "route", route));
    for (size_t b = 0; b < MTEST_N_BUCKETS; b++) {
        const mtest_sample *s = mtest_find(d, HIST "_bucket", "route", route, "le", mtest_le[b]);
        if (!s)
            return mtest_fail(d, 0, "route %s: no bucket le=%s", route, mtest_le[b]);
        if (prev && (s < prev || s->value < prev->value))
            return mtest_fail(d, 0, "route %s: bucket le=%s out of order or decreasing", route,
                              mtest_le[b]);
        buckets[b] = s->value;
        prev = s;
    }
    const mtest_sample *c = mtest_find(d, HIST "_count", "route", route, NULL, NULL);
    const mtest_sample *s = mtest_find(d, HIST "_sum", "route", route, NULL, NULL);
    if (!c || !s)
        return mtest_fail(d, 0, "route %s: no _count or _sum", route);
    if (c->value != prev->value)
        return mtest_fail(d, 0, "route %s: +Inf %g but _count %g", route, prev->value, c->value);
    *count = c->value;
    *sum = s->value;
    return 0;
}

/* Renders m with g, checks the length and parses it into d; *text is the rendered text
 * (caller frees). */
static void mtest_render_parse(struct metrics *m, const metrics_gauges *g, mtest_doc *d,
                               char **text)
{
    size_t len = 0;
    *text = NULL;
    ck_assert_int_eq(metrics_render(m, g, text, &len), 0);
    ck_assert_ptr_nonnull(*text);
    ck_assert_msg(mtest_parse(*text, len, d) == 0, "parse: %s\n%s", d->error, *text);
}

/* The value of the sample name{l1=v1,l2=v2}, failing the test if it is absent. */
static double mtest_value(const mtest_doc *d, const char *name, const char *l1, const char *v1,
                          const char *l2, const char *v2)
{
    const mtest_sample *s = mtest_find(d, name, l1, v1, l2, v2);
    ck_assert_msg(s != NULL, "no sample %s{%s=%s,%s=%s}", name, l1 ? l1 : "", v1 ? v1 : "",
                  l2 ? l2 : "", v2 ? v2 : "");
    return s->value;
}

/* Asserts route's histogram is well formed and equals want (cumulative), count and sum. */
static void mtest_assert_histogram(mtest_doc *d, const char *route, const double *want,
                                   double want_count, double want_sum)
{
    double got[MTEST_N_BUCKETS], count = 0, sum = 0;
    ck_assert_msg(mtest_histogram(d, route, got, &count, &sum) == 0, "%s", d->error);
    for (size_t b = 0; b < MTEST_N_BUCKETS; b++)
        ck_assert_msg(got[b] == want[b], "route %s le=%s: got %g, want %g", route, mtest_le[b],
                      got[b], want[b]);
    ck_assert_double_eq(count, want_count);
    ck_assert_double_eq_tol(sum, want_sum, 1e-9 * fmax(1.0, fabs(want_sum)));
}

/* ---- tests -------------------------------------------------------------------------- */

START_TEST(test_metrics_known_requests)
{
    static const char *const routes[] = {"/v1/daily/{date}", "/v1/losses", "/v1/never",
                                         "unmatched"};
    struct metrics *m = metrics_new(routes, 4);
    ck_assert_ptr_nonnull(m);
    metrics_observe(m, 0, 200, 0.0001); /* exactly on a bound: counts in le="0.0001" */
    metrics_observe(m, 0, 200, 0.002);
    metrics_observe(m, 0, 200, 0.3);
    metrics_observe(m, 0, 404, 0.05);
    metrics_observe(m, 1, 201, 1.5);    /* above the largest bound: only +Inf */
    metrics_observe(m, 3, 404, 0.001);
    metrics_observe(m, 3, 404, 0.0005);
    metrics_observe(m, 99, 500, 0.01);  /* out of range: counts as the last route */

    mtest_doc d;
    char *text;
    mtest_render_parse(m, NULL, &d, &text);

    ck_assert_int_eq(mtest_count(&d, REQS, NULL, NULL), 5);
    ck_assert_double_eq(mtest_value(&d, REQS, "route", "/v1/daily/{date}", "status", "200"), 3);
    ck_assert_double_eq(mtest_value(&d, REQS, "route", "/v1/daily/{date}", "status", "404"), 1);
    ck_assert_double_eq(mtest_value(&d, REQS, "route", "/v1/losses", "status", "201"), 1);
    ck_assert_double_eq(mtest_value(&d, REQS, "route", "unmatched", "status", "404"), 2);
    ck_assert_double_eq(mtest_value(&d, REQS, "route", "unmatched", "status", "500"), 1);
    ck_assert_ptr_null(mtest_find(&d, REQS, "route", "/v1/daily/{date}", "status", "500"));
    /* a route never seen has no series at all */
    ck_assert_int_eq(mtest_count(&d, NULL, "route", "/v1/never"), 0);
    ck_assert_int_eq(mtest_count(&d, HIST "_count", NULL, NULL), 3);

    static const double daily[] = {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 4, 4};
    static const double losses[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const double unmatched[] = {0, 0, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3};
    mtest_assert_histogram(&d, "/v1/daily/{date}", daily, 4, 0.0001 + 0.002 + 0.3 + 0.05);
    mtest_assert_histogram(&d, "/v1/losses", losses, 1, 1.5);
    mtest_assert_histogram(&d, "unmatched", unmatched, 3, 0.001 + 0.0005 + 0.01);

    /* without gauges only the start time is there among the gauges */
    ck_assert_ptr_null(mtest_find(&d, "attrition_ready", NULL, NULL, NULL, NULL));
    ck_assert_ptr_nonnull(
        mtest_find(&d, "attrition_process_start_time_seconds", NULL, NULL, NULL, NULL));
    ck_assert_ptr_nonnull(strstr(text, "# TYPE " REQS " counter\n"));
    ck_assert_ptr_nonnull(strstr(text, "# TYPE " HIST " histogram\n"));

    free(text);
    mtest_doc_free(&d);
    metrics_free(m);
}
END_TEST

START_TEST(test_metrics_gauges)
{
    static const char *const routes[] = {"unmatched"};
    struct timespec before, after;
    clock_gettime(CLOCK_REALTIME, &before);
    struct metrics *m = metrics_new(routes, 1);
    clock_gettime(CLOCK_REALTIME, &after);
    ck_assert_ptr_nonnull(m);

    metrics_gauges g = {
        .reports_stored = 1234,
        .last_change_unix = 1712345678.25,
        .data_version = 9007199254740993ULL, /* 2^53 + 1: not exact as a double */
        .ready = 7,
    };
    mtest_doc d;
    char *text;
    mtest_render_parse(m, &g, &d, &text);

    ck_assert_double_eq(mtest_value(&d, "attrition_reports_stored", NULL, NULL, NULL, NULL),
                        1234);
    ck_assert_double_eq(mtest_value(&d, "attrition_last_data_change_timestamp_seconds", NULL,
                                    NULL, NULL, NULL),
                        1712345678.25);
    ck_assert_ptr_nonnull(strstr(text, "\nattrition_data_version 9007199254740993\n"));
    ck_assert_double_eq(mtest_value(&d, "attrition_ready", NULL, NULL, NULL, NULL), 1);
    double start = mtest_value(&d, "attrition_process_start_time_seconds", NULL, NULL, NULL,
                               NULL);
    ck_assert_double_ge(start, (double)before.tv_sec);
    ck_assert_double_le(start, (double)after.tv_sec + 1);
    for (size_t i = 0; i < d.n_families; i++)
        if (strncmp(d.families[i].name, "attrition_http", 14) != 0 &&
            strcmp(d.families[i].name, "attrition_log_dropped_total") != 0)
            ck_assert_str_eq(d.families[i].type, "gauge");
    /* 7, and attrition_log_dropped_total (log.h; nothing logged through a writer here) */
    ck_assert_int_eq(d.n_families, 8);
    ck_assert_double_eq(mtest_value(&d, "attrition_log_dropped_total", NULL, NULL, NULL, NULL), 0);
    /* nothing observed: the request families are declared but have no samples */
    ck_assert_int_eq(mtest_count(&d, REQS, NULL, NULL), 0);
    ck_assert_int_eq(mtest_count(&d, HIST "_bucket", NULL, NULL), 0);
    free(text);
    mtest_doc_free(&d);

    g.ready = 0;
    g.reports_stored = -1;
    g.last_change_unix = 0;
    mtest_render_parse(m, &g, &d, &text);
    ck_assert_double_eq(mtest_value(&d, "attrition_ready", NULL, NULL, NULL, NULL), 0);
    ck_assert_double_eq(mtest_value(&d, "attrition_reports_stored", NULL, NULL, NULL, NULL),
                        -1);
    ck_assert_double_eq(mtest_value(&d, "attrition_last_data_change_timestamp_seconds", NULL,
                                    NULL, NULL, NULL),
                        0);
    free(text);
    mtest_doc_free(&d);
    metrics_free(m);
}
END_TEST

START_TEST(test_metrics_escaping)
{
    static const char *const routes[] = {"/v1/a\"b\\c\nd", "unmatched"};
    struct metrics *m = metrics_new(routes, 2);
    ck_assert_ptr_nonnull(m);
    metrics_observe(m, 0, 200, 0.001);

    mtest_doc d;
    char *text;
    mtest_render_parse(m, NULL, &d, &text);
    ck_assert_ptr_nonnull(strstr(text, REQS "{route=\"/v1/a\\\"b\\\\c\\nd\",status=\"200\"} 1\n"));
    ck_assert_double_eq(mtest_value(&d, REQS, "route", routes[0], "status", "200"), 1);
    static const double want[] = {0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    mtest_assert_histogram(&d, routes[0], want, 1, 0.001);
    free(text);
    mtest_doc_free(&d);
    metrics_free(m);
}
END_TEST

START_TEST(test_metrics_clamping)
{
    static const char *const routes[] = {"/v1/x", "unmatched"};
    struct metrics *m = metrics_new(routes, 2);
    ck_assert_ptr_nonnull(m);
    metrics_observe(NULL, 0, 200, 1.0); /* no-op */
    metrics_observe(m, 0, 100, NAN);
    metrics_observe(m, 0, 599, -3.0);
    metrics_observe(m, 0, 0, INFINITY);
    metrics_observe(m, 0, 99, 1e300);
    metrics_observe(m, 0, 600, 0.5);
    metrics_observe(m, SIZE_MAX, 1000, 0.02);

    mtest_doc d;
    char *text;
    mtest_render_parse(m, NULL, &d, &text);
    ck_assert_double_eq(mtest_value(&d, REQS, "route", "/v1/x", "status", "100"), 1);
    ck_assert_double_eq(mtest_value(&d, REQS, "route", "/v1/x", "status", "599"), 1);
    ck_assert_double_eq(mtest_value(&d, REQS, "route", "/v1/x", "status", "other"), 3);
    ck_assert_double_eq(mtest_value(&d, REQS, "route", "unmatched", "status", "other"), 1);
    ck_assert_int_eq(mtest_count(&d, REQS, NULL, NULL), 4);
    /* NaN and negative count as 0 s; +Inf and 1e300 go to +Inf and add 1e6 s each */
    static const double want[] = {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 5};
    mtest_assert_histogram(&d, "/v1/x", want, 5, 2e6 + 0.5);
    free(text);
    mtest_doc_free(&d);

    size_t len = 0;
    text = NULL;
    errno = 0;
    ck_assert_int_eq(metrics_render(NULL, NULL, &text, &len), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_null(text);
    metrics_free(m);
    metrics_free(NULL);

    static const char *const with_null[] = {"/v1/x", NULL};
    errno = 0;
    ck_assert_ptr_null(metrics_new(with_null, 2));
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_null(metrics_new(routes, 0));
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_null(metrics_new(NULL, 1));
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* ---- concurrency: 4 observers x 10000, one renderer checking every render ----------- */

#define MTEST_THREADS 4
#define MTEST_PER_THREAD 10000
#define MTEST_ROUTES 3
#define MTEST_STATUSES 4

static const char *const mtest_thread_routes[MTEST_ROUTES] = {"/v1/daily/{date}", "/v1/losses",
                                                              "unmatched"};
static const unsigned mtest_statuses[MTEST_STATUSES] = {200, 304, 404, 503};
static const double mtest_durations[] = {0.00005, 0.0003, 0.004, 0.07, 2.0};
static const double mtest_bounds[MTEST_N_BUCKETS - 1] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
};

/* Observation i of thread t, the same in the threads and in the expectation. */
static size_t mtest_route_of(unsigned t, unsigned i) { return (i + t) % MTEST_ROUTES; }
static size_t mtest_status_of(unsigned t, unsigned i) { return (i / 3 + t) % MTEST_STATUSES; }
static double mtest_seconds_of(unsigned i)
{
    return mtest_durations[i % (sizeof mtest_durations / sizeof mtest_durations[0])];
}

typedef struct mtest_observer {
    struct metrics *m;
    unsigned t;
} mtest_observer;

static void *mtest_observe_thread(void *arg)
{
    const mtest_observer *o = arg;
    for (unsigned i = 0; i < MTEST_PER_THREAD; i++)
        metrics_observe(o->m, mtest_route_of(o->t, i),
                        mtest_statuses[mtest_status_of(o->t, i)], mtest_seconds_of(i));
    return NULL;
}

/* Renders until stop, parsing and checking each render; the test thread asserts on the
 * outcome (Check's assertions belong in the test's own thread). */
typedef struct mtest_renderer {
    struct metrics *m;
    atomic_int stop;
    int renders;
    int failed;
    char error[256];
} mtest_renderer;

/* One render of the renderer thread. Returns 0, or -1 with r->error set. prev_total is the
 * request total of the previous render, which may only grow. */
static int mtest_render_once(mtest_renderer *r, double *prev_total)
{
    char *text = NULL;
    size_t len = 0;
    mtest_doc d;
    double total = 0;
    int rc = -1;
    memset(&d, 0, sizeof d);
    if (metrics_render(r->m, NULL, &text, &len) != 0) {
        snprintf(r->error, sizeof r->error, "render failed");
        goto cleanup;
    }
    if (mtest_parse(text, len, &d) != 0)
        goto cleanup;
    for (size_t i = 0; i < d.n_samples; i++)
        if (strcmp(d.samples[i].name, REQS) == 0)
            total += d.samples[i].value;
    if (total < *prev_total) {
        snprintf(d.error, sizeof d.error, "total went from %g to %g", *prev_total, total);
        goto cleanup;
    }
    *prev_total = total;
    for (size_t k = 0; k < MTEST_ROUTES; k++) {
        double buckets[MTEST_N_BUCKETS], count, sum;
        if (mtest_count(&d, HIST "_count", "route", mtest_thread_routes[k]) == 0)
            continue;
        if (mtest_histogram(&d, mtest_thread_routes[k], buckets, &count, &sum) != 0)
            goto cleanup;
    }
    rc = 0;

cleanup:
    if (rc != 0 && d.error[0])
        snprintf(r->error, sizeof r->error, "%s", d.error);
    free(text);
    mtest_doc_free(&d);
    return rc;
}

static void *mtest_render_thread(void *arg)
{
    mtest_renderer *r = arg;
    double prev_total = 0;
    do {
        r->renders++;
        if (mtest_render_once(r, &prev_total) != 0) {
            r->failed = 1;
            break;
        }
    } while (!atomic_load(&r->stop));
    return NULL;
}

START_TEST(test_metrics_threads)
{
    struct metrics *m = metrics_new(mtest_thread_routes, MTEST_ROUTES);
    ck_assert_ptr_nonnull(m);

    mtest_renderer r = {.m = m};
    atomic_init(&r.stop, 0);
    pthread_t renderer;
    ck_assert_int_eq(pthread_create(&renderer, NULL, mtest_render_thread, &r), 0);
    pthread_t th[MTEST_THREADS];
    mtest_observer obs[MTEST_THREADS];
    for (unsigned t = 0; t < MTEST_THREADS; t++) {
        obs[t] = (mtest_observer){.m = m, .t = t};
        ck_assert_int_eq(pthread_create(&th[t], NULL, mtest_observe_thread, &obs[t]), 0);
    }
    for (unsigned t = 0; t < MTEST_THREADS; t++)
        ck_assert_int_eq(pthread_join(th[t], NULL), 0);
    atomic_store(&r.stop, 1);
    ck_assert_int_eq(pthread_join(renderer, NULL), 0);
    ck_assert_msg(!r.failed, "render %d during observation: %s", r.renders, r.error);
    ck_assert_int_ge(r.renders, 1);

    /* the same observations, counted here */
    double want_req[MTEST_ROUTES][MTEST_STATUSES] = {{0}};
    double want_hist[MTEST_ROUTES][MTEST_N_BUCKETS] = {{0}};
    double want_sum[MTEST_ROUTES] = {0};
    for (unsigned t = 0; t < MTEST_THREADS; t++) {
        for (unsigned i = 0; i < MTEST_PER_THREAD; i++) {
            size_t k = mtest_route_of(t, i);
            double s = mtest_seconds_of(i);
            want_req[k][mtest_status_of(t, i)]++;
            for (size_t b = 0; b < MTEST_N_BUCKETS; b++)
                want_hist[k][b] += (b == MTEST_N_BUCKETS - 1 || s <= mtest_bounds[b]);
            want_sum[k] += s;
        }
    }

    mtest_doc d;
    char *text;
    mtest_render_parse(m, NULL, &d, &text);
    double total = 0;
    for (size_t k = 0; k < MTEST_ROUTES; k++) {
        char status[8];
        for (size_t s = 0; s < MTEST_STATUSES; s++) {
            snprintf(status, sizeof status, "%u", mtest_statuses[s]);
            double got = mtest_value(&d, REQS, "route", mtest_thread_routes[k], "status", status);
            ck_assert_double_eq(got, want_req[k][s]);
            total += got;
        }
        mtest_assert_histogram(&d, mtest_thread_routes[k], want_hist[k],
                               want_hist[k][MTEST_N_BUCKETS - 1], want_sum[k]);
    }
    ck_assert_double_eq(total, MTEST_THREADS * MTEST_PER_THREAD);
    ck_assert_int_eq(mtest_count(&d, REQS, NULL, NULL), MTEST_ROUTES * MTEST_STATUSES);
    free(text);
    mtest_doc_free(&d);
    metrics_free(m);
}
END_TEST

/* The parser itself must reject what the format forbids, or the checks above prove little. */
START_TEST(test_metrics_parser_rejects)
{
    static const char *const bad[] = {
        "# HELP x h\n# TYPE x gauge\nx 1",                 /* no final newline */
        "# HELP x h\n# TYPE x gauge\n\nx 1\n",             /* empty line */
        "x 1\n",                                           /* sample before TYPE */
        "# TYPE x gauge\nx 1\n",                           /* TYPE without HELP */
        "# HELP x h\n# TYPE x gauge\nx{a=\"b} 1\n",        /* unterminated label value */
        "# HELP x h\n# TYPE x gauge\nx{a=\"\\t\"} 1\n",    /* bad escape */
        "# HELP x h\n# TYPE x gauge\nx 1.2.x\n",           /* bad value */
        "# HELP x h\n# TYPE x gauge\nx  1\n",              /* two spaces */
        "# HELP x h\n# TYPE x gauge\ny 1\n",               /* outside the family */
        "# HELP x h\n# TYPE x gauge\nx 1\nx 2\n",          /* series twice */
        "# HELP x h\n# TYPE x histogram\nx_bucket 1\n",    /* bucket without le */
        "# HELP x h\n# TYPE x gauge\n# HELP x h\n# TYPE x gauge\n", /* family twice */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mtest_doc d;
        ck_assert_msg(mtest_parse(bad[i], strlen(bad[i]), &d) == -1, "accepted bad[%zu]", i);
        mtest_doc_free(&d);
    }
    static const char good[] = "# HELP x a \\\\ b\\n\n# TYPE x histogram\n"
                               "x_bucket{le=\"+Inf\",k=\"v\",} 3 -12\nx_sum{k=\"v\"} 1e-3\n"
                               "x_count{k=\"v\"} 3\n";
    mtest_doc d;
    ck_assert_msg(mtest_parse(good, strlen(good), &d) == 0, "%s", d.error);
    ck_assert_int_eq(d.n_samples, 3);
    ck_assert_double_eq_tol(mtest_value(&d, "x_sum", "k", "v", NULL, NULL), 0.001, 1e-12);
    mtest_doc_free(&d);
}
END_TEST

TCase *metrics_tcase(void)
{
    TCase *tc = tcase_create("metrics");
    tcase_add_test(tc, test_metrics_known_requests);
    tcase_add_test(tc, test_metrics_gauges);
    tcase_add_test(tc, test_metrics_escaping);
    tcase_add_test(tc, test_metrics_clamping);
    tcase_add_test(tc, test_metrics_threads);
    tcase_add_test(tc, test_metrics_parser_rejects);
    return tc;
}
