/* The losses chart as SVG (see chart_svg.h). */
#include "chart_svg.h"
#include "attrition/date.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The plot area in the viewBox. */
#define PL 110
#define PR 1140
#define PT 80
#define PB 440

typedef struct point {
    int64_t value;
    int date;       /* the report date, or the period's first day */
    char name[32];  /* its label on the x axis */
} point;

int chart_group_parse(const char *text, chart_group *out)
{
    static const char *const names[] = {"day", "week", "month"};
    for (int i = 0; i < 3; i++)
        if (text == NULL ? i == 0 : strcmp(text, names[i]) == 0) {
            *out = (chart_group)i;
            return 0;
        }
    return -1;
}

/* The values to draw into *pts (malloc'd, caller frees; NULL with *n 0 when none) and the
 * window's ends as drawn. Daily: each report of the window with a value; weekly, monthly:
 * each period of stats_summary_compute with a value. Returns 0 or -1 (memory). */
static int collect(const stats_snapshot *s, int cat, const chart_opts *o, point **pts,
                   size_t *n, int *from, int *to)
{
    *pts = NULL;
    *n = 0;
    if (o->group == CHART_DAY) {
        size_t lo, hi;
        stats_window(s, o->from, o->to, &lo, &hi, from, to);
        if (hi > lo && (*pts = malloc((hi - lo) * sizeof **pts)) == NULL)
            return -1;
        for (size_t r = lo; r < hi; r++) {
            int64_t v = stats_loss(s, r, (size_t)cat);
            if (v == STATS_NONE)
                continue;
            point *p = &(*pts)[(*n)++];
            p->value = v;
            p->date = s->dates[r];
            svg_date(p->date, o->lang, p->name);
        }
        return 0;
    }
    stats_summary sum;
    int rc = stats_summary_compute(s, o->from, o->to, o->group == CHART_WEEK ? STATS_GROUP_WEEK
                                                                             : STATS_GROUP_MONTH,
                                   &sum);
    if (rc == STATS_OK && sum.n_periods > 0 && (*pts = malloc(sum.n_periods * sizeof **pts)) == NULL)
        rc = STATS_ENOMEM;
    for (size_t i = 0; rc == STATS_OK && i < sum.n_periods; i++) {
        const stats_period *per = &sum.periods[i];
        if (per->losses[cat] == STATS_NONE)
            continue;
        point *p = &(*pts)[(*n)++];
        p->value = per->losses[cat];
        p->date = per->from;
        memcpy(p->name, per->name, sizeof p->name);
    }
    *from = sum.from;
    *to = sum.to;
    stats_summary_free(&sum);
    if (rc != STATS_OK) {
        free(*pts);
        *pts = NULL;
        *n = 0;
        return -1;
    }
    return 0;
}

/* A round tick step (1, 2 or 5 times a power of ten) for about 5 ticks over span. */
static int64_t nice_step(int64_t span)
{
    double raw = (double)span / 5.0, mag = pow(10.0, floor(log10(raw > 1 ? raw : 1)));
    double norm = raw / mag;
    double step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
    return step < 1 ? 1 : (int64_t)step;
}

/* The y axis: grid lines and labels from lo to hi (multiples of step). */
static void y_axis(FILE *f, int64_t lo, int64_t hi, int64_t step, const chart_opts *o)
{
    char num[48];
    for (int64_t v = lo; v <= hi; v += step) {
        double y = PB - (double)(v - lo) / (double)(hi - lo) * (PB - PT);
        fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n"
                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", PL, PR, y, y,
                v == 0 ? o->theme->muted : o->theme->grid, PL - 12, y + 7,
                svg_number(v, 0, o->lang, num, sizeof num));
    }
}

/* Bars, or a line past CHART_BARS_MAX points, and for daily values a 7-point rolling
 * average; then up to 6 labels on the x axis. */
static void plot(FILE *f, const point *pts, size_t n, int64_t lo, int64_t hi,
                 const chart_opts *o)
{
    const svg_theme *t = o->theme;
    double slot = (double)(PR - PL) / (double)n, span = (double)(hi - lo);
    double zero = PB - (double)(0 - lo) / span * (PB - PT);
    if (o->group != CHART_DAY || n <= CHART_BARS_MAX) {
        double w = slot * 0.8 > 0.5 ? slot * 0.8 : 0.5;
        for (int neg = 0; neg < 2; neg++) {
            fprintf(f, "<path fill=\"%s\" d=\"", neg ? t->neg : t->accent);
            for (size_t i = 0; i < n; i++) {
                if ((pts[i].value < 0) != neg)
                    continue;
                double y = PB - (double)(pts[i].value - lo) / span * (PB - PT);
                fprintf(f, "M%.1f %.1fh%.1fV%.1fh%.1fZ", PL + slot * (double)i + slot * 0.1,
                        zero, w, y, -w);
            }
            fputs("\"/>\n", f);
        }
    } else {
        fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" stroke-opacity=\"0.7\" "
                "d=\"", t->accent);
        for (size_t i = 0; i < n; i++)
            fprintf(f, "%s%.0f %.0f", i ? "L" : "M", PL + slot * ((double)i + 0.5),
                    PB - (double)(pts[i].value - lo) / span * (PB - PT));
        fputs("\"/>\n", f);
    }
    if (o->group == CHART_DAY && n >= 7) {
        double acc = 0;
        fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"3\" stroke-linejoin=\"round\" "
                "d=\"", t->fg);
        for (size_t i = 0; i < n; i++) {
            acc += (double)pts[i].value - (i >= 7 ? (double)pts[i - 7].value : 0);
            if (i >= 6)
                fprintf(f, n > CHART_BARS_MAX ? "%s%.0f %.0f" : "%s%.1f %.1f", i > 6 ? "L" : "M",
                        PL + slot * ((double)i + 0.5),
                        PB - (acc / 7.0 - (double)lo) / span * (PB - PT));
        }
        fputs("\"/>\n", f);
    }
    size_t k = n < 6 ? n : 6;
    for (size_t j = 0; j < k; j++) {
        size_t i = k > 1 ? (j * (n - 1) + (k - 1) / 2) / (k - 1) : 0;
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                PL + slot * ((double)i + 0.5), PB + 32, pts[i].name);
    }
}

/* The title and the accessible summary of the chart into out (len bytes). */
static void describe(const stats_snapshot *s, int cat, const chart_opts *o, const point *pts,
                     size_t n, int from, int to, char *title, char *out, size_t len)
{
    static const labels_text kinds[] = {LABELS_DAILY, LABELS_WEEKLY, LABELS_MONTHLY};
    const stats_category *k = &s->cats[cat];
    char a[DATE_STR_LEN], b[DATE_STR_LEN], num[48], best[48], bd[40] = "";
    int64_t sum = 0, mx = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        sum += pts[i].value;
        if (pts[i].value > mx) {
            mx = pts[i].value;
            snprintf(bd, sizeof bd, "%s", pts[i].name);
        }
    }
    snprintf(title, 256, "%s \xe2\x80\x94 %s, %s \xe2\x80\x93 %s",
             labels_category(k->id, o->lang, k->label), labels_text_of(kinds[o->group], o->lang),
             svg_date(from, o->lang, a), svg_date(to, o->lang, b));
    if (n == 0)
        snprintf(out, len, "%s: %s", title, labels_text_of(LABELS_NO_DATA, o->lang));
    else
        snprintf(out, len, "%s: %zu, %s %s (%s), %s %s", title, n,
                 o->lang == LABELS_UK ? "найбільше" : "max",
                 svg_number(mx, 0, o->lang, best, sizeof best), bd,
                 o->lang == LABELS_UK ? "сума" : "sum", svg_number(sum, 0, o->lang, num, sizeof num));
}

int chart_svg(const stats_snapshot *s, int cat, const chart_opts *o, char **out, size_t *len)
{
    point *pts = NULL;
    size_t n = 0, blen = 0;
    int from, to;
    char *buf = NULL, title[256], summary[512];
    if (collect(s, cat, o, &pts, &n, &from, &to) != 0)
        return -1;
    FILE *f = open_memstream(&buf, &blen);
    if (f == NULL) {
        free(pts);
        return -1;
    }
    describe(s, cat, o, pts, n, from, to, title, summary, sizeof summary);
    int64_t mn = 0, mx = 0;
    for (size_t i = 0; i < n; i++) {
        mn = pts[i].value < mn ? pts[i].value : mn;
        mx = pts[i].value > mx ? pts[i].value : mx;
    }
    int64_t step = nice_step(mx - mn > 0 ? mx - mn : 1);
    int64_t lo = (mn / step - (mn % step != 0)) * step, hi = (mx / step + (mx % step != 0)) * step;
    if (hi == lo)
        hi = lo + step;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", CHART_WIDTH, CHART_HEIGHT,
            CHART_WIDTH, CHART_HEIGHT);
    svg_escape(f, summary);
    fprintf(f, "\" lang=\"%s\" font-family=\"%s\" font-size=\"18\" fill=\"%s\">\n<title>",
            o->lang == LABELS_UK ? "uk" : "en", SVG_FONT, o->theme->muted);
    svg_escape(f, summary);
    fprintf(f, "</title>\n<rect width=\"%d\" height=\"%d\" fill=\"%s\"/>\n<text x=\"40\" "
            "y=\"46\" font-size=\"26\" font-weight=\"700\" fill=\"%s\">", CHART_WIDTH,
            CHART_HEIGHT, o->theme->bg, o->theme->fg);
    svg_escape(f, title);
    fputs("</text>\n", f);
    y_axis(f, lo, hi, step, o);
    if (n > 0)
        plot(f, pts, n, lo, hi, o);
    else
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"24\">%s</text>\n",
                (PL + PR) / 2, (PT + PB) / 2, labels_text_of(LABELS_NO_DATA, o->lang));
    if (o->group == CHART_DAY && n >= 7)
        fprintf(f, "<path stroke=\"%s\" stroke-width=\"3\" d=\"M40 499h30\"/><text x=\"80\" "
                "y=\"505\">%s</text>\n", o->theme->fg, labels_text_of(LABELS_AVERAGE, o->lang));
    fprintf(f, "<text x=\"%d\" y=\"505\" text-anchor=\"end\" font-size=\"16\">%s</text>\n</svg>\n",
            PR, labels_text_of(LABELS_SOURCE, o->lang));
    free(pts);
    if (fclose(f) != 0) {
        free(buf);
        return -1;
    }
    *out = buf;
    *len = blen;
    return 0;
}
