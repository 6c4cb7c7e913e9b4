/* Unit tests for server/write_json.c: the direct writer's bodies are byte-identical to
 * Jansson's dump of the trees the handlers built before it (the reference renderers below
 * are those handlers' code, kept here as the definition of "today's output"), over synthetic
 * snapshots always and over the ministry's dataset when ../shared/data is present; reals
 * as Jansson prints them; escaping as Jansson does. */
#include <check.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "store_target.h"
#include "render.h"
#include "write_json.h"
#include "attrition/date.h"
#include "attrition/import.h"
#include "attrition/store.h"

TCase *write_json_tcase(void);

/* ---- the reference: Jansson trees as handlers_losses.c / handlers_records.c built them --- */

static json_t *ref_series(const stats_snapshot *s, int daily, const stats_selection *sel,
                          int f, int t, size_t lo, size_t hi)
{
    json_t *rows = json_array();
    for (size_t r = lo; rows && r < hi; r++)
        json_array_append_new(rows, daily
            ? json_pack("{s:o, s:i, s:o, s:i}", "date", render_date(s->dates[r]), "day",
                        date_war_day(s->dates[r]), "losses", render_losses(s, r, sel),
                        "span_days", s->span[r])
            : json_pack("{s:o, s:i, s:o}", "date", render_date(s->dates[r]), "day",
                        date_war_day(s->dates[r]), "totals", render_totals(s, r, sel)));
    return json_pack("{s:o, s:o, s:o}", "from", render_date(f), "to", render_date(t),
                     "series", rows);
}

/* x rounded to 2 decimals, half away from zero; null when not a number. */
static json_t *ref_decimal(double x)
{
    return isfinite(x) ? json_real(round(x * 100.0) / 100.0) : json_null();
}

static json_t *ref_change(const stats_change *c)
{
    if (c->per_day)
        return json_pack("{s:o, s:o, s:o, s:o, s:b}", "previous", ref_decimal(c->previous),
                         "current", ref_decimal(c->current), "delta", ref_decimal(c->delta),
                         "pct", ref_decimal(c->pct), "per_day", 1);
    return json_pack("{s:I, s:I, s:I, s:o, s:b}", "previous", (json_int_t)c->previous,
                     "current", (json_int_t)c->current, "delta", (json_int_t)c->delta,
                     "pct", ref_decimal(c->pct), "per_day", 0);
}

/* One period: {"period","from","to","days","reports","losses","per_day","change"} for the
 * categories selected. */
static json_t *ref_period(const stats_snapshot *s, const stats_summary *sum, size_t i,
                             const stats_selection *sel)
{
    const stats_period *p = &sum->periods[i];
    json_t *losses = json_object(), *per_day = json_object(), *change = json_object();
    stats_change c;
    for (size_t k = 0; losses && per_day && change && k < s->n_cat; k++) {
        if (!sel->mask[k] || p->losses[k] == STATS_NONE)
            continue;
        json_object_set_new(losses, s->cats[k].id, json_integer(p->losses[k]));
        json_object_set_new(per_day, s->cats[k].id,
                            ref_decimal((double)p->losses[k] / p->days));
        if (stats_period_change(sum, i, k, &c) == 0)
            json_object_set_new(change, s->cats[k].id, ref_change(&c));
    }
    return json_pack("{s:s, s:o, s:o, s:i, s:i, s:o*, s:o*, s:o*}", "period", p->name,
                     "from", render_date(p->from), "to", render_date(p->to), "days", p->days,
                     "reports", p->n_reports, "losses", losses, "per_day", per_day,
                     "change", change);
}

static json_t *ref_summary(const stats_snapshot *s, const stats_summary *sum,
                              const stats_selection *sel)
{
    json_t *periods = json_array();
    for (size_t i = 0; periods && i < sum->n_periods; i++)
        json_array_append_new(periods, ref_period(s, sum, i, sel));
    return json_pack("{s:o, s:o, s:s, s:o*}", "from", render_date(sum->from), "to",
                     render_date(sum->to), "group", stats_group_name(sum->group),
                     "periods", periods);
}

/* ---- comparisons --------------------------------------------------------------------- */

/* Asserts jw's text equals Jansson's dump of ref (stolen) with the given flags; what names
 * the body in a failure, which shows where the two first differ. */
static void same(jw *w, json_t *ref, size_t flags, const char *what)
{
    ck_assert_msg(ref != NULL && !w->failed && w->buf != NULL, "%s: nothing rendered", what);
    char *want = json_dumps(ref, flags);
    ck_assert_ptr_nonnull(want);
    size_t n = strlen(want), i = 0;
    while (i < n && i < w->len && want[i] == w->buf[i])
        i++;
    ck_assert_msg(i == n && n == w->len, "%s: differs at byte %zu of %zu/%zu: jw \"%.40s\" "
                  "jansson \"%.40s\"", what, i, w->len, n, w->buf + (i > 10 ? i - 10 : 0),
                  want + (i > 10 ? i - 10 : 0));
    free(want);
    json_decref(ref);
    jw_free(w);
}

#define DUMP (JSON_COMPACT | JSON_PRESERVE_ORDER)
#define QUICK_TAIL_DAYS 400
#define QUICK_WINDOW_DAYS 90

/* Under $ATTRITION_WRAPPER (valgrind, 20-50x slower): 1, and the windows compared are cut
 * to a deterministic subset (see compare_all), said once on stdout. Else 0. */
static int quick(void)
{
    static int said;
    const char *w = getenv("ATTRITION_WRAPPER");
    int q = w != NULL && *w != '\0';
    if (q && !said++)
        printf("test_write_json: under $ATTRITION_WRAPPER: comparing the last %d days instead "
               "of the whole history, and a %d-day window instead of nearly all of it\n",
               QUICK_TAIL_DAYS, QUICK_WINDOW_DAYS);
    return q;
}

/* Every series and summary shape over s: all categories and a selection, the whole history,
 * a window and an empty one, each summary grouping; `few` keeps to all categories over the
 * whole history (the dataset). Under quick() the whole history becomes its last
 * QUICK_TAIL_DAYS (open-ended: to DATE_NONE) and the inner window QUICK_WINDOW_DAYS long:
 * every shape and case still runs, over fewer rows. Returns the bytes compared. */
static size_t compare_all(const stats_snapshot *s, const char *sel_list, int few)
{
    size_t bytes = 0;
    stats_selection all = {0, NULL}, some = {0, NULL};
    char bad[64];
    ck_assert_int_eq(stats_selection_parse(s, NULL, &all, bad, sizeof bad), STATS_OK);
    ck_assert_int_eq(stats_selection_parse(s, sel_list, &some, bad, sizeof bad), STATS_OK);
    const stats_selection *sels[] = {&all, &some};
    int first = s->dates[0], last = s->dates[s->n_rep - 1];
    int windows[][2] = {{DATE_NONE, DATE_NONE}, {first + 40, last - 30}, {last + 1, last + 9}};
    if (quick()) {
        windows[0][0] = last - QUICK_TAIL_DAYS;
        windows[1][1] = first + 40 + QUICK_WINDOW_DAYS;
    }
    size_t n_sel = few ? 1 : 2, n_win = few ? 1 : 3;
    for (size_t k = 0; k < n_sel; k++)
        for (size_t wi = 0; wi < n_win; wi++)
            for (int daily = 0; daily < 2; daily++) {
                size_t lo, hi;
                int f, t;
                ck_assert_int_eq(stats_window(s, windows[wi][0], windows[wi][1], &lo, &hi, &f, &t),
                                 STATS_OK);
                jw w = {NULL, 0, 0, 0};
                jw_series(&w, s, daily, sels[k], f, t, lo, hi);
                bytes += w.len;
                char what[96];
                snprintf(what, sizeof what, "series daily=%d sel=%zu window=%zu", daily, k, wi);
                same(&w, ref_series(s, daily, sels[k], f, t, lo, hi), DUMP, what);
            }
    const int groups[] = {STATS_GROUP_NONE, STATS_GROUP_WEEK, STATS_GROUP_MONTH, STATS_GROUP_YEAR};
    for (size_t k = 0; k < n_sel; k++)
        for (size_t wi = 0; wi < n_win; wi++)
            for (size_t g = 0; g < 4; g++) {
                stats_summary sum;
                memset(&sum, 0, sizeof sum);
                ck_assert_int_eq(stats_summary_compute(s, windows[wi][0], windows[wi][1],
                                                       groups[g], &sum), STATS_OK);
                jw w = {NULL, 0, 0, 0};
                jw_summary(&w, s, &sum, sels[k]);
                bytes += w.len;
                char what[96];
                snprintf(what, sizeof what, "summary group=%d sel=%zu window=%zu", groups[g], k, wi);
                same(&w, ref_summary(s, &sum, sels[k]), DUMP | JSON_REAL_PRECISION(15), what);
                stats_summary_free(&sum);
            }
    stats_selection_free(&all);
    stats_selection_free(&some);
    return bytes;
}

/* Categories whose ids need escaping, and years of pseudo-random totals with gaps,
 * corrections (a total lower than the day before) and a category that starts late. */
static stats_snapshot *synthetic(int years)
{
    static const stats_category_def cats[] = {
        {"personnel", "personnel", "persons", NULL, 1},
        {"tanks", "tanks", NULL, NULL, 1},
        {"q\"uo\\te", "odd id", NULL, NULL, 0},
        {"\xd1\x82\xd0\xb0\xd0\xbd\xd0\xba\xd0\xb8", "utf-8 id", NULL, NULL, 0},
        {"late", "starts late", NULL, NULL, 1},
    };
    size_t days = (size_t)years * 365, n = 0;
    stats_value_def *v = malloc(days * 5 * sizeof *v);
    ck_assert_ptr_nonnull(v);
    int64_t total[5] = {1000, 10, 5, 7, 0};
    unsigned seed = 12345;
    int start = date_from_ymd(2022, 2, 25);
    for (size_t d = 0; d < days; d++) {
        if (d % 97 == 13) /* a day without a report */
            continue;
        for (int c = 0; c < 5; c++) {
            seed = seed * 1103515245u + 12345u;
            if ((c == 4 && d < 200) || (c == 2 && (seed >> 16) % 11 == 0))
                continue;
            int64_t step = (int64_t)((seed >> 8) % (c == 0 ? 1500 : 9));
            if ((seed >> 4) % 53 == 0)
                step = -3; /* a correction */
            total[c] += step;
            v[n++] = (stats_value_def){start + (int)d, c, total[c], NULL};
        }
    }
    stats_snapshot *s = NULL;
    ck_assert_int_eq(stats_snapshot_build(cats, 5, v, n, 3, 1700000000, &s), STATS_OK);
    free(v);
    return s;
}

START_TEST(test_jw_synthetic)
{
    stats_snapshot *s = synthetic(3);
    ck_assert_uint_gt(compare_all(s, "tanks,q\"uo\\te", 0), 0);
    stats_snapshot_unref(s);
}
END_TEST

START_TEST(test_jw_dataset)
{
    const char *const *files = test_dataset_files();
    if (files == NULL) {
        printf("SKIP test_jw_dataset: the ministry's dataset (../shared/data/ua-mod) is absent\n");
        return;
    }
    store *st = NULL;
    char err[512];
    import_result res;
    memset(&res, 0, sizeof res);
    ck_assert_int_eq(store_open(test_store_target(), STORE_OPEN_CREATE, &st, err, sizeof err), STORE_OK);
    ck_assert_msg(import_files(st, files, 3, &res, err, sizeof err) == 0, "import: %s", err);
    stats_snapshot *s = NULL;
    ck_assert_int_eq(store_snapshot_load(st, &s), STORE_OK);
    ck_assert_uint_gt(s->n_rep, 1000);
    size_t bytes = compare_all(s, "personnel,tanks", 1);
    ck_assert_uint_gt(bytes, quick() ? 200000 : 1000000); /* ~1/4 of the rows under quick() */
    stats_snapshot_unref(s);
    store_close(st);
}
END_TEST

/* Reals as Jansson prints them (%.17g or %.15g, ".0" added, exponent without '+' or
 * leading zeros), and strings escaped as Jansson escapes them. */
START_TEST(test_jw_scalars)
{
    const double v[] = {0.0, -0.0, 1.0, 0.1, 1477.14, 1e21, 1.5e-7, -2.5e300, 123456789012345678.0,
                        1e15, 1e16, 1e17, 0.000123, 42.42, -1477.1400000000001, 5e-324};
    const int prec[] = {0, 15, 17, 3};
    for (size_t p = 0; p < 4; p++)
        for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
            jw w = {NULL, 0, 0, 0};
            jw_real(&w, v[i], prec[p]);
            char what[64];
            snprintf(what, sizeof what, "real %.17g precision %d", v[i], prec[p]);
            json_t *a = json_pack("[f]", v[i]);
            char *want = json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(prec[p]));
            ck_assert_ptr_nonnull(want);
            want[strlen(want) - 1] = '\0'; /* "[x]" -> "x" */
            ck_assert_msg(strcmp(w.buf, want + 1) == 0, "%s: jw %s jansson %s", what, w.buf,
                          want + 1);
            free(want);
            json_decref(a);
            jw_free(&w);
        }
    /* jw_decimal's printf-free path against Jansson's %.15g, over a sweep of magnitudes and
     * signs, and the values that leave it (not finite, huge). */
    unsigned seed = 7;
    for (int i = 0; i < 4000; i++) {
        seed = seed * 1103515245u + 12345u;
        double x = ((double)(seed >> 8) / 16777216.0 - 0.5) * pow(10.0, (double)(i % 17) - 3);
        if (i % 5 == 0)
            x = round(x); /* whole numbers: ".0" */
        if (i == 1)
            x = -0.001; /* rounds to -0.0 */
        if (i == 2)
            x = 3e15;
        if (i == 3)
            x = NAN;
        jw w = {NULL, 0, 0, 0};
        jw_decimal(&w, x);
        json_t *ref = isfinite(x) ? json_real(round(x * 100.0) / 100.0) : json_null();
        char what[64];
        snprintf(what, sizeof what, "decimal %.17g", x);
        same(&w, ref, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15), what);
    }
    const long long ints[] = {0, 7, -7, 9007199254740993LL, LLONG_MAX, LLONG_MIN};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        jw w = {NULL, 0, 0, 0};
        jw_int(&w, ints[i]);
        same(&w, json_integer(ints[i]), JSON_COMPACT | JSON_ENCODE_ANY, "integer");
    }
    for (int day = date_from_ymd(-3, 12, 25); day < date_from_ymd(10001, 1, 9); day += 97) {
        jw w = {NULL, 0, 0, 0};
        jw_date(&w, day);
        same(&w, render_date(day), JSON_COMPACT | JSON_ENCODE_ANY, "date");
    }
    const char *strs[] = {"plain", "q\"b\\s/", "\b\f\n\r\t\x01\x1f\x7f",
                          "\xd1\x82\xe2\x82\xac\xf0\x9f\x98\x80", ""};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        jw w = {NULL, 0, 0, 0};
        jw_str(&w, strs[i]);
        same(&w, json_string(strs[i]), JSON_COMPACT | JSON_ENCODE_ANY, strs[i]);
    }
}
END_TEST

TCase *write_json_tcase(void)
{
    TCase *tc = tcase_create("write_json");
    tcase_set_timeout(tc, 60); /* the dataset import and ~50 full bodies; x10 under valgrind */
    tcase_add_test(tc, test_jw_synthetic);
    tcase_add_test(tc, test_jw_dataset);
    tcase_add_test(tc, test_jw_scalars);
    return tc;
}
