/* libFuzzer target for what the query string of the losses and records endpoints reaches:
 * the input is split like a query string at '&' into from, to, category, group and limit,
 * each parsed as the handlers parse it (date_parse, stats_selection_parse on a small
 * snapshot, stats_group_parse, digits) and, where valid, handed to the core (stats_window,
 * stats_records, stats_rank_of, stats_summary_compute). Nothing may crash or leak, and the
 * results keep their documented invariants. Also: date_parse_n agrees with date_parse and a
 * date it accepts formats back to the same ten bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attrition/date.h"
#include "attrition/stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIELDS 5

/* Ten reports with a gap, a correction, a category's first date and two retired categories
 * continued by a third, like the ministry's data. */
static stats_snapshot *small_snapshot(void)
{
    static const stats_category_def cats[] = {
        {"personnel", "personnel", "persons", NULL, 1},
        {"tanks", "tanks", NULL, NULL, 1},
        {"military_auto", "military auto", NULL, "vehicles_fuel_tanks", 1},
        {"fuel_tanks", "fuel tanks", NULL, "vehicles_fuel_tanks", 1},
        {"vehicles_fuel_tanks", "vehicles and fuel tanks", NULL, NULL, 1},
        {"special_equipment", "special equipment", NULL, NULL, 0},
    };
    stats_value_def vals[64];
    size_t n = 0;
    int d0 = DATE_WAR_START + 1;
    static const int offsets[] = {0, 1, 2, 3, 5, 6, 7, 30, 31, 400};
    for (int i = 0; i < 10; i++) {
        int d = d0 + offsets[i];
        vals[n++] = (stats_value_def){d, 0, 1000 + 700LL * i, i % 2 ? "about" : NULL};
        vals[n++] = (stats_value_def){d, 1, i == 6 ? 20 : 10 + 3LL * i, NULL};
        if (i < 4) {
            vals[n++] = (stats_value_def){d, 2, 100 + 10LL * i, NULL};
            vals[n++] = (stats_value_def){d, 3, 50 + i, NULL};
        } else {
            vals[n++] = (stats_value_def){d, 4, 200 + 20LL * i, NULL};
        }
        if (i >= 2)
            vals[n++] = (stats_value_def){d, 5, 5 + i, NULL};
    }
    stats_snapshot *s = NULL;
    if (stats_snapshot_build(cats, sizeof cats / sizeof cats[0], vals, n, 1, 0, &s) != STATS_OK)
        abort();
    return s;
}

/* date_parse and date_parse_n agree on s; an accepted date formats back to s. */
static int parse_date(const char *s, int *day)
{
    int a = -1, b = -1;
    int ra = date_parse(s, &a), rb = date_parse_n(s, strlen(s), &b);
    if (ra != rb || (ra == 0 && a != b))
        abort();
    if (ra == 0) {
        char out[DATE_STR_LEN];
        if (strcmp(date_format(a, out), s) != 0)
            abort();
        *day = a;
    }
    return ra;
}

static void check_records(const stats_record *v, size_t n, size_t limit, size_t compared)
{
    if (n > limit || n > compared)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (v[i].rank < 1 || (i == 0 && v[i].rank != 1))
            abort();
        if (i > 0 && (v[i].value > v[i - 1].value || v[i].rank < v[i - 1].rank ||
                      (v[i].value == v[i - 1].value &&
                       (v[i].rank != v[i - 1].rank || v[i].date < v[i - 1].date)) ||
                      (v[i].value < v[i - 1].value && v[i].rank != (int)i + 1)))
            abort();
    }
}

static void query(const stats_snapshot *s, char **field)
{
    int from = STATS_OPEN, to = STATS_OPEN, group, day;
    char bad[64];
    stats_selection sel = {0, NULL};
    if (field[0] && parse_date(field[0], &day) == 0)
        from = day;
    if (field[1] && parse_date(field[1], &day) == 0)
        to = day;
    memset(bad, 'x', sizeof bad);
    int rc = stats_selection_parse(s, field[2], &sel, bad, sizeof bad);
    if (rc == STATS_EINVAL && memchr(bad, '\0', sizeof bad) == NULL)
        abort();
    if (rc != STATS_OK && rc != STATS_EINVAL && rc != STATS_ENOMEM)
        abort();
    group = stats_group_parse(field[3]);
    if (group >= 0 && field[3] && strcmp(stats_group_name(group), field[3]) != 0)
        abort();
    size_t limit = 10;
    if (field[4] && field[4][0] && strlen(field[4]) <= 4 &&
        strspn(field[4], "0123456789") == strlen(field[4]))
        limit = (size_t)atoi(field[4]);

    size_t lo, hi;
    int f, t;
    if (stats_window(s, from, to, &lo, &hi, &f, &t) == STATS_OK && (lo > hi || hi > s->n_rep))
        abort();
    for (size_t c = 0; rc == STATS_OK && c < s->n_cat; c++) {
        if (!sel.mask[c])
            continue;
        stats_record *v = NULL, self, *above = NULL;
        size_t n = 0, compared = 0, n_above = 0;
        if (stats_records(s, (int)c, from, to, limit, &v, &n, &compared) == STATS_OK)
            check_records(v, n, limit, compared);
        free(v);
        if (to != STATS_OPEN &&
            stats_rank_of(s, (int)c, to, from, 3, &self, &above, &n_above, &compared) == STATS_OK) {
            if (self.rank < 1 || (size_t)self.rank > compared || n_above > 3 ||
                n_above > (size_t)self.rank - 1)
                abort();
            free(above);
        }
    }
    if (group >= 0) {
        stats_summary sum;
        memset(&sum, 0, sizeof sum);
        if (stats_summary_compute(s, from, to, group, &sum) == STATS_OK) {
            for (size_t p = 0; p < sum.n_periods; p++) {
                const stats_period *per = &sum.periods[p];
                stats_change ch;
                if (per->from > per->to || per->days != per->to - per->from + 1 ||
                    per->n_reports < 0 || (p > 0 && per->from <= sum.periods[p - 1].to))
                    abort();
                for (size_t c = 0; c < s->n_cat; c++)
                    stats_period_change(&sum, p, c, &ch);
            }
        }
        stats_summary_free(&sum);
    }
    stats_selection_free(&sel);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static stats_snapshot *snap;
    char *field[FIELDS] = {NULL};
    if (snap == NULL)
        snap = small_snapshot(); /* kept for the whole run */
    /* As libmicrohttpd hands values over: NUL-terminated, cut at the first NUL. */
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    int whole;
    date_parse_n((const char *)data, size, &whole); /* exact length, no NUL: ASan checks */
    char *p = text;
    for (int i = 0; i < FIELDS && p; i++) {
        char *amp = strchr(p, '&');
        if (amp)
            *amp = '\0';
        field[i] = p;
        p = amp ? amp + 1 : NULL;
    }
    query(snap, field);
    free(text);
    return 0;
}
