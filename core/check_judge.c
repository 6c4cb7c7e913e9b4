/* Judging the figures read from a text against a stats snapshot and the deployment
 * estimates (contract: include/attrition/check.h).
 *
 * - daily: the report of the date named, or the next report (the ministry's morning post of
 *   the 13th reports the 12th: "1,740 on May 12" is the report of 2024-05-13); the note
 *   says which. A figure far above any day's loss of its category (three times the record)
 *   is read as a total.
 * - total: the cumulative figure of that report (or the next).
 * - period: the sum of the daily losses of the reports dated in from..to, or in the window a
 *   day later (press dating).
 * - rank: where the day stands among the days up to the date the text speaks from, counted
 *   from 2022-04-01 and from the war's start; correct when either agrees, the note says
 *   which (and, for a day overtaken since, what it was as of its own date).
 * - deployment: any current estimate of the pair (figure, low, high).
 * Qualifiers: "about" within 5 % (or the rounding of the number as written), "nearly" up to
 * 10 % below, "more than"/"at least"/"less than"/"up to" as bounds; an exact figure written
 * with trailing zeros ("685,000") may be rounded. */
#include "attrition/check.h"
#include "check_internal.h"

#include "attrition/date.h"
#include "attrition/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct judge {
    const stats_snapshot *s;
    const deploy_estimate *deps;
    size_t n_deps;
    int as_of;
    int64_t *max_daily; /* per category, lazily (STATS_NONE until computed) */
} judge;

const char *check_kind_name(int kind)
{
    static const char *const n[] = {"daily", "total", "period", "rank", "deployment"};
    return kind >= 0 && kind <= CHECK_DEPLOYMENT ? n[kind] : "daily";
}

const char *check_verdict_name(int verdict)
{
    static const char *const n[] = {"correct", "incorrect", "unverifiable"};
    return verdict >= 0 && verdict <= CHECK_UNVERIFIABLE ? n[verdict] : "unverifiable";
}

/* "1,630" into buf (32 bytes). */
static const char *fmt_num(int64_t v, char *buf)
{
    char tmp[32];
    int neg = v < 0;
    uint64_t u = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)u), o = 0;
    if (neg)
        buf[o++] = '-';
    for (int i = 0; i < n; i++) {
        buf[o++] = tmp[i];
        if ((n - i - 1) % 3 == 0 && i < n - 1)
            buf[o++] = ',';
    }
    buf[o] = '\0';
    return buf;
}

static const char *ds(int day, char *buf)
{
    return date_format(day, buf);
}

/* The value of cat in the report of day: its loss (total = 0) or total, STATS_NONE when no
 * report or no value. */
static int64_t value_at(const stats_snapshot *s, int cat, int day, int total)
{
    int r = stats_report_index(s, day);
    if (r < 0)
        return STATS_NONE;
    return total ? stats_total(s, (size_t)r, (size_t)cat) : stats_loss(s, (size_t)r, (size_t)cat);
}

static int64_t max_daily(judge *j, int cat)
{
    if (j->max_daily[cat] == STATS_NONE) {
        int64_t m = 0;
        for (size_t r = 0; r < j->s->n_rep; r++) {
            int64_t v = stats_loss(j->s, r, (size_t)cat);
            if (v != STATS_NONE && v > m && j->s->dates[r] > DATE_WAR_START + 1)
                m = v;
        }
        j->max_daily[cat] = m;
    }
    return j->max_daily[cat];
}

/* Does actual a bear out claimed c with qualifier q? *how: "" or a few words for the note. */
static int matches(int64_t c, int64_t a, int q, const char **how)
{
    int64_t unit = 1;
    for (int64_t t = c; t >= 10 && t % 10 == 0 && unit < INT64_C(1000000000); t /= 10)
        unit *= 10;
    int64_t d = a > c ? a - c : c - a;
    *how = "";
    switch (q) {
    case CHECK_Q_ABOUT:
        *how = "within the \"about\"";
        /* within 5 %, or rounds to the number as written when it has two significant
         * digits or more ("about 1,600" for 1,630; "about 1,000" for 1,300 is not) */
        return d * 20 <= c || (unit * 10 <= c && d * 2 <= unit);
    case CHECK_Q_NEARLY:
        *how = "just under, as \"nearly\" says";
        return a <= c && a * 10 >= c * 9;
    case CHECK_Q_MORE:
        *how = "above the bound stated";
        return a > c;
    case CHECK_Q_ATLEAST:
        *how = "at least the bound stated";
        return a >= c;
    case CHECK_Q_LESS:
        *how = "below the bound stated";
        return a < c;
    case CHECK_Q_UPTO:
        *how = "within the \"up to\"";
        return a <= c;
    default:
        if (a == c)
            return 1;
        *how = "rounded as written";
        /* "685,000": three significant digits or more, rounded or cut */
        return unit >= 100 && unit * 100 <= c && (d * 2 <= unit || (a > c && a - c < unit));
    }
}

static void set_actual(check_claim *c, int64_t v)
{
    c->actual = v;
    c->has_actual = 1;
}

static const char *qual_tail(const char *how, char *buf, size_t len)
{
    if (how[0] == '\0')
        buf[0] = '\0';
    else
        snprintf(buf, len, " (%s)", how);
    return buf;
}

/* Finds the report in [from, to] whose daily loss of cat matches v (the latest of them).
 * Returns its date or DATE_NONE; *best and *best_day: the greatest loss in the window. */
static int find_by_value(const stats_snapshot *s, int cat, int from, int to, int64_t v, int q,
                         int64_t *best, int *best_day)
{
    size_t lo, hi;
    int f, t, found = DATE_NONE;
    const char *how;
    *best = STATS_NONE;
    *best_day = DATE_NONE;
    if (stats_window(s, from, to, &lo, &hi, &f, &t) != STATS_OK)
        return DATE_NONE;
    for (size_t r = lo; r < hi; r++) {
        int64_t x = stats_loss(s, r, (size_t)cat);
        if (x == STATS_NONE)
            continue;
        if (*best == STATS_NONE || x > *best) {
            *best = x;
            *best_day = s->dates[r];
        }
        if (matches(v, x, q == CHECK_Q_EXACT ? CHECK_Q_EXACT : q, &how) && x == v)
            found = s->dates[r];
    }
    return found;
}

static void judge_value_day(judge *j, const check_figure *f, int cat, int total,
                            check_claim *c)
{
    char a[DATE_STR_LEN], b[DATE_STR_LEN], n1[32], n2[32], tail[64];
    const char *how;
    const char *id = f->category, *what = total ? "total" : "daily losses";
    const char *path = total ? "cumulative" : "daily";
    int d = f->date;
    int64_t v0 = value_at(j->s, cat, d, total), v1 = value_at(j->s, cat, d + 1, total);
    c->date = d;
    if (v0 != STATS_NONE && matches(f->value, v0, f->qual, &how)) {
        set_actual(c, v0);
        c->verdict = CHECK_CORRECT;
        text_message(c->note, sizeof c->note, "The report of %s gives %s %s of %s%s.",
                     ds(d, a), id, what, fmt_num(v0, n1), qual_tail(how, tail, sizeof tail));
    } else if (v1 != STATS_NONE && matches(f->value, v1, f->qual, &how)) {
        c->date = d + 1;
        set_actual(c, v1);
        c->verdict = CHECK_CORRECT;
        text_message(c->note, sizeof c->note, "Dated by the day before the post: the report "
                     "of %s (the ministry's morning post covering %s) gives %s %s of %s%s.",
                     ds(d + 1, a), ds(d, b), id, what, fmt_num(v1, n1),
                     qual_tail(how, tail, sizeof tail));
    } else if (v0 == STATS_NONE && v1 == STATS_NONE) {
        c->verdict = CHECK_UNVERIFIABLE;
        text_message(c->note, sizeof c->note, "No report of %s for %s or the day after (reports "
                     "run from %s to %s).", id, ds(d, a), ds(j->s->dates[0], b),
                     ds(j->s->dates[j->s->n_rep - 1], n1));
        c->evidence[0] = '\0';
        return;
    } else {
        c->verdict = CHECK_INCORRECT;
        if (v0 != STATS_NONE) {
            set_actual(c, v0);
            if (v1 != STATS_NONE)
                text_message(c->note, sizeof c->note, "The report of %s gives %s %s of %s "
                             "(the next report, %s, gives %s), not %s.", ds(d, a), id, what,
                             fmt_num(v0, n1), ds(d + 1, b), fmt_num(v1, n2),
                             fmt_num(f->value, tail));
            else
                text_message(c->note, sizeof c->note, "The report of %s gives %s %s of %s, "
                             "not %s.", ds(d, a), id, what, fmt_num(v0, n1),
                             fmt_num(f->value, n2));
        } else {
            c->date = d + 1;
            set_actual(c, v1);
            text_message(c->note, sizeof c->note, "There is no report of %s; the next, %s, "
                         "gives %s %s of %s, not %s.", ds(d, a), ds(d + 1, b), id, what,
                         fmt_num(v1, n1), fmt_num(f->value, n2));
        }
    }
    snprintf(c->evidence, sizeof c->evidence, "/v1/%s/%s?category=%s", path,
             ds(c->date, a), id);
}

static void judge_daily(judge *j, const check_figure *f, int cat, check_claim *c)
{
    char a[DATE_STR_LEN], b[DATE_STR_LEN], n1[32], n2[32];
    if (!f->date_by_value) {
        if (f->value > 3 * max_daily(j, cat) && f->qual != CHECK_Q_LESS &&
            f->qual != CHECK_Q_UPTO) {
            c->kind = CHECK_TOTAL;
            judge_value_day(j, f, cat, 1, c);
            return;
        }
        judge_value_day(j, f, cat, 0, c);
        return;
    }
    int64_t best;
    int best_day;
    int d = find_by_value(j->s, cat, f->window_from, f->window_to, f->value, f->qual, &best,
                          &best_day);
    if (d != DATE_NONE) {
        c->date = d;
        set_actual(c, f->value);
        c->verdict = CHECK_CORRECT;
        text_message(c->note, sizeof c->note, "The text names no day; the report of %s gives "
                     "%s daily losses of %s (searched %s to %s).", ds(d, a), f->category,
                     fmt_num(f->value, n1), ds(f->window_from, b), ds(f->window_to, n2));
        snprintf(c->evidence, sizeof c->evidence, "/v1/daily/%s?category=%s", ds(d, a),
                 f->category);
    } else if (best != STATS_NONE) {
        c->date = best_day;
        set_actual(c, best);
        c->verdict = CHECK_INCORRECT;
        text_message(c->note, sizeof c->note, "No report from %s to %s gives %s daily losses "
                     "of %s; the greatest there is %s on %s.", ds(f->window_from, a),
                     ds(f->window_to, b), f->category, fmt_num(f->value, n1),
                     fmt_num(best, n2), ds(best_day, a));
        snprintf(c->evidence, sizeof c->evidence, "/v1/records/%s?from=%s&to=%s&limit=5",
                 f->category, ds(f->window_from, a), ds(f->window_to, b));
    } else {
        c->verdict = CHECK_UNVERIFIABLE;
        text_message(c->note, sizeof c->note, "The text names no day, and no report from %s "
                     "to %s has a value of %s.", ds(f->window_from, a), ds(f->window_to, b),
                     f->category);
    }
}

static int64_t period_sum(const stats_snapshot *s, int cat, int from, int to, int *reports)
{
    size_t lo, hi;
    int f, t;
    int64_t sum = STATS_NONE;
    *reports = 0;
    if (stats_window(s, from, to, &lo, &hi, &f, &t) != STATS_OK)
        return STATS_NONE;
    for (size_t r = lo; r < hi; r++) {
        int64_t x = stats_loss(s, r, (size_t)cat);
        if (x == STATS_NONE)
            continue;
        sum = sum == STATS_NONE ? x : sum + x;
        (*reports)++;
    }
    return sum;
}

static void judge_period(judge *j, const check_figure *f, int cat, check_claim *c)
{
    char a[DATE_STR_LEN], b[DATE_STR_LEN], n1[32], n2[32], tail[64];
    const char *how;
    int latest = j->s->dates[j->s->n_rep - 1], nrep, nrep2;
    c->from = f->from;
    c->to = f->to;
    if (f->from > latest || f->to < j->s->dates[0]) {
        c->verdict = CHECK_UNVERIFIABLE;
        text_message(c->note, sizeof c->note, "No report lies in %s to %s.", ds(f->from, a),
                     ds(f->to, b));
        return;
    }
    int64_t sum = period_sum(j->s, cat, f->from, f->to, &nrep);
    int64_t sum2 = f->to < latest ? period_sum(j->s, cat, f->from + 1, f->to + 1, &nrep2)
                                  : STATS_NONE;
    snprintf(c->evidence, sizeof c->evidence, "/v1/summary?from=%s&to=%s&category=%s",
             ds(f->from, a), ds(f->to, b), f->category);
    if (sum == STATS_NONE) {
        c->verdict = CHECK_UNVERIFIABLE;
        c->evidence[0] = '\0';
        text_message(c->note, sizeof c->note, "No daily value of %s from %s to %s.",
                     f->category, ds(f->from, a), ds(f->to, b));
        return;
    }
    if (matches(f->value, sum, f->qual, &how)) {
        set_actual(c, sum);
        c->verdict = CHECK_CORRECT;
        text_message(c->note, sizeof c->note, "The %d reports dated %s to %s sum to %s %s%s.",
                     nrep, ds(f->from, a), ds(f->to, b), fmt_num(sum, n1), f->category,
                     qual_tail(how, tail, sizeof tail));
    } else if (sum2 != STATS_NONE && matches(f->value, sum2, f->qual, &how)) {
        c->from = f->from + 1;
        c->to = f->to + 1;
        set_actual(c, sum2);
        c->verdict = CHECK_CORRECT;
        text_message(c->note, sizeof c->note, "Dated by the day before the post: the reports "
                     "of %s to %s sum to %s %s%s.", ds(c->from, a), ds(c->to, b),
                     fmt_num(sum2, n1), f->category, qual_tail(how, tail, sizeof tail));
        snprintf(c->evidence, sizeof c->evidence, "/v1/summary?from=%s&to=%s&category=%s",
                 ds(c->from, a), ds(c->to, b), f->category);
    } else {
        set_actual(c, sum);
        c->verdict = CHECK_INCORRECT;
        text_message(c->note, sizeof c->note, "The %d reports dated %s to %s sum to %s %s, "
                     "not %s.", nrep, ds(f->from, a), ds(f->to, b), fmt_num(sum, n1),
                     f->category, fmt_num(f->value, n2));
    }
}

/* Rank of the daily loss v among the reports dated from..to (competition ranking). */
static int rank_among(const stats_snapshot *s, int cat, int from, int to, int64_t v,
                      int64_t *over_v, int *over_day, int after)
{
    size_t lo, hi;
    int f, t, rank = 1;
    if (over_day)
        *over_day = DATE_NONE;
    if (stats_window(s, from, to, &lo, &hi, &f, &t) != STATS_OK)
        return 0;
    for (size_t r = lo; r < hi; r++) {
        int64_t x = stats_loss(s, r, (size_t)cat);
        if (x != STATS_NONE && x > v) {
            rank++;
            if (over_day && s->dates[r] > after && *over_day == DATE_NONE) {
                *over_day = s->dates[r];
                *over_v = x;
            }
        }
    }
    return rank;
}

static void judge_rank(judge *j, const check_figure *f, int cat, check_claim *c)
{
    char a[DATE_STR_LEN], b[DATE_STR_LEN], o[DATE_STR_LEN], e[32], n1[32];
    const stats_snapshot *s = j->s;
    int d = f->date;
    int64_t v;
    if (f->rank_value != STATS_NONE && f->date_by_value) {
        int64_t best;
        int best_day;
        d = find_by_value(s, cat, f->window_from, f->window_to, f->rank_value, CHECK_Q_EXACT,
                          &best, &best_day);
    } else if (f->rank_value != STATS_NONE && d != DATE_NONE &&
               value_at(s, cat, d, 0) != f->rank_value &&
               value_at(s, cat, d + 1, 0) == f->rank_value) {
        d = d + 1;
    }
    v = d == DATE_NONE ? STATS_NONE : value_at(s, cat, d, 0);
    c->date = d;
    if (v == STATS_NONE) {
        c->verdict = CHECK_UNVERIFIABLE;
        if (d == DATE_NONE)
            text_message(c->note, sizeof c->note, "No day with that figure was found to rank.");
        else
            text_message(c->note, sizeof c->note, "No %s daily value is stored for %s to rank.",
                         f->category, ds(d, a));
        return;
    }
    int at = j->as_of > d ? j->as_of : d;
    int64_t over_v = 0;
    int over_day = DATE_NONE;
    int r_war = rank_among(s, cat, DATE_NONE, at, v, NULL, NULL, 0);
    int r_apr = d >= CHECK_RANK_FROM ? rank_among(s, cat, CHECK_RANK_FROM, at, v, &over_v,
                                                  &over_day, d) : 0;
    int own_apr = d >= CHECK_RANK_FROM ? rank_among(s, cat, CHECK_RANK_FROM, d, v, NULL, NULL, 0)
                                       : 0;
    int own_war = rank_among(s, cat, DATE_NONE, d, v, NULL, NULL, 0);
    int64_t k = f->value;
    if (r_apr > 0 && k == r_apr) {
        set_actual(c, r_apr);
        c->verdict = CHECK_CORRECT;
        text_message(c->note, sizeof c->note, "%s of %s %s on %s ranks %d as of %s, counted "
                     "from 2022-04-01 (after the first weeks' rough estimates; from the war's "
                     "start it ranks %d).", fmt_num(v, n1), f->category,
                     at == d ? "daily losses" : "lost", ds(d, a), r_apr, ds(at, b), r_war);
    } else if (k == r_war) {
        set_actual(c, r_war);
        c->verdict = CHECK_CORRECT;
        text_message(c->note, sizeof c->note, "%s of %s on %s ranks %d as of %s, counted from "
                     "the war's start.", fmt_num(v, n1), f->category, ds(d, a), r_war,
                     ds(at, b));
        if (at == d)
            snprintf(c->evidence, sizeof c->evidence, "/v1/records/%s/%s", f->category, ds(d, a));
        else
            snprintf(c->evidence, sizeof c->evidence, "/v1/records/%s?to=%s&limit=%d",
                     f->category, ds(at, b), r_war);
        return;
    } else {
        int shown = r_apr > 0 ? r_apr : r_war;
        set_actual(c, shown);
        c->verdict = CHECK_INCORRECT;
        if (at > d && (k == own_apr || k == own_war) && r_apr > 0 && over_day != DATE_NONE)
            text_message(c->note, sizeof c->note, "%s of %s on %s was %s as of its own date, "
                         "but %s on %s overtook it: as of %s it ranks %d (counted from "
                         "2022-04-01).", fmt_num(v, n1), f->category, ds(d, a),
                         k == 1 ? "the highest" : k == 2 ? "second" : k == 3 ? "third" : "so ranked",
                         fmt_num(over_v, e), ds(over_day, o), ds(at, b), r_apr);
        else
            text_message(c->note, sizeof c->note, "%s of %s on %s ranks %d as of %s counted "
                         "from 2022-04-01 and %d from the war's start, not %lld.",
                         fmt_num(v, n1), f->category, ds(d, a), r_apr, ds(at, b), r_war,
                         (long long)k);
    }
    if (at == d)
        snprintf(c->evidence, sizeof c->evidence, "/v1/records/%s/%s?from=2022-04-01",
                 f->category, ds(d, a));
    else
        snprintf(c->evidence, sizeof c->evidence, "/v1/records/%s?from=2022-04-01&to=%s&limit=%d",
                 f->category, ds(at, b), (int)(k > r_apr ? k : r_apr));
}

static void judge_deployment(judge *j, const check_figure *f, check_claim *c)
{
    char a[DATE_STR_LEN], n1[32], tail[64];
    const deploy_estimate *latest = NULL, *hit = NULL;
    int64_t hit_v = 0;
    const char *how = "";
    memcpy(c->country, f->country, 3);
    for (int pass = 0; pass < 2 && hit == NULL; pass++)
        for (size_t i = 0; i < j->n_deps; i++) {
            const deploy_estimate *e = &j->deps[i];
            if (strcmp(e->country, f->country) != 0 || strcmp(e->deployed_to, "RU") != 0)
                continue;
            if (pass == 0 && e->as_of > j->as_of)
                continue;
            if (e->kind != DEPLOY_PROJECTION && (latest == NULL || e->as_of >= latest->as_of))
                latest = e;
            int64_t vals[3] = {e->figure, e->has_low ? e->low : -1, e->has_high ? e->high : -1};
            for (int k = 0; k < 3 && hit == NULL; k++) {
                int q = f->qual == CHECK_Q_UPTO ? CHECK_Q_EXACT : f->qual;
                if (vals[k] >= 0 && matches(f->value, vals[k], q, &how)) {
                    hit = e;
                    hit_v = vals[k];
                }
            }
        }
    snprintf(c->evidence, sizeof c->evidence, "/v1/deployments/summary?country=%s&deployed_to=RU",
             f->country);
    if (hit != NULL) {
        set_actual(c, hit_v);
        c->verdict = CHECK_CORRECT;
        text_message(c->note, sizeof c->note, "A deployment estimate, not a loss: %s gives %s "
                     "(%s, as of %s)%s.", hit->source_name, fmt_num(hit_v, n1),
                     deploy_kind_name(hit->kind), ds(hit->as_of, a),
                     qual_tail(how, tail, sizeof tail));
    } else if (latest != NULL) {
        set_actual(c, latest->figure);
        c->verdict = CHECK_INCORRECT;
        text_message(c->note, sizeof c->note, "A deployment estimate, not a loss: no estimate "
                     "gives %s; the latest, by %s as of %s, is %s.", fmt_num(f->value, tail),
                     latest->source_name, ds(latest->as_of, a), fmt_num(latest->figure, n1));
    } else {
        c->verdict = CHECK_UNVERIFIABLE;
        text_message(c->note, sizeof c->note, "A deployment figure, not a loss; no estimate of "
                     "these troops is stored.");
    }
}

static void judge_one(judge *j, const check_figure *f, check_claim *c)
{
    memset(c, 0, sizeof *c);
    c->start = f->start;
    c->end = f->end;
    c->bstart = f->bstart;
    c->bend = f->bend;
    c->kind = f->kind;
    c->claimed = f->value;
    c->qual = f->qual;
    c->date = c->from = c->to = DATE_NONE;
    if (f->kind == CHECK_DEPLOYMENT) {
        judge_deployment(j, f, c);
        return;
    }
    snprintf(c->category, sizeof c->category, "%s", f->category);
    int cat = stats_category_index(j->s, f->category);
    if (cat < 0) {
        c->verdict = CHECK_UNVERIFIABLE;
        text_message(c->note, sizeof c->note, "No figures of %s are stored.", f->category);
        return;
    }
    switch (f->kind) {
    case CHECK_TOTAL:
        judge_value_day(j, f, cat, 1, c);
        break;
    case CHECK_PERIOD:
        judge_period(j, f, cat, c);
        break;
    case CHECK_RANK:
        judge_rank(j, f, cat, c);
        break;
    default:
        judge_daily(j, f, cat, c);
    }
}

int check_text(const stats_snapshot *s, const deploy_estimate *deps, size_t n_deps,
               const char *text, size_t len, int as_of, check_result *out)
{
    check_reading rd;
    judge j = {.s = s, .deps = deps, .n_deps = n_deps};
    int rc;
    memset(out, 0, sizeof *out);
    if (len > CHECK_MAX_TEXT)
        return CHECK_ETOOBIG;
    if (s == NULL || s->n_rep == 0 || (text == NULL && len > 0) ||
        (len > 0 && (!text_utf8_valid(text, len) || memchr(text, '\0', len) != NULL)))
        return CHECK_EINVAL;
    rc = check_read(text ? text : "", len, as_of, s->dates[s->n_rep - 1], &rd);
    if (rc != CHECK_OK)
        return rc;
    j.as_of = rd.as_of;
    j.max_daily = malloc((s->n_cat + 1) * sizeof *j.max_daily);
    out->claims = calloc(rd.n + 1, sizeof *out->claims);
    if (j.max_daily == NULL || out->claims == NULL) {
        free(j.max_daily);
        free(out->claims);
        free(rd.figs);
        memset(out, 0, sizeof *out);
        return CHECK_ENOMEM;
    }
    for (size_t i = 0; i < s->n_cat; i++)
        j.max_daily[i] = STATS_NONE;
    out->as_of = rd.as_of;
    for (size_t i = 0; i < rd.n; i++) {
        judge_one(&j, &rd.figs[i], &out->claims[i]);
        out->counts[out->claims[i].verdict]++;
    }
    out->n = rd.n;
    free(j.max_daily);
    free(rd.figs);
    return CHECK_OK;
}

void check_result_free(check_result *r)
{
    if (r == NULL)
        return;
    free(r->claims);
    memset(r, 0, sizeof *r);
}
