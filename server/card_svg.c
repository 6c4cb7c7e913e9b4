/* The figure card as SVG (see card_svg.h). */
#include "card_svg.h"
#include "attrition/date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The sparkline's box in the viewBox. */
#define SPARK_X 60
#define SPARK_W 1080
#define SPARK_Y 370
#define SPARK_H 170

/* The sparkline: the daily losses of the reports dated from..to (the last `days` days up to
 * the card's report), x by date, y from min(0, lowest) to the highest value; a line, the
 * area under it, the zero line and a dot on the latest value. */
static void sparkline(FILE *f, const stats_snapshot *s, int cat, int to, int days,
                      const svg_theme *t)
{
    double xs[CARD_DAYS_MAX], ys[CARD_DAYS_MAX];
    int64_t vs[CARD_DAYS_MAX], mn = 0, mx = 0;
    size_t lo, hi, n = 0;
    int from = to - days + 1, fo, tt;
    stats_window(s, from, to, &lo, &hi, &fo, &tt);
    for (size_t r = lo; r < hi && n < CARD_DAYS_MAX; r++) { /* dates are distinct: <= days */
        int64_t v = stats_loss(s, r, (size_t)cat);
        if (v == STATS_NONE)
            continue;
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
        xs[n] = days > 1 ? SPARK_X + (double)(s->dates[r] - from) / (days - 1) * SPARK_W
                         : SPARK_X + SPARK_W / 2.0;
        vs[n++] = v;
    }
    if (n == 0)
        return;
    double range = mx > mn ? (double)(mx - mn) : 1.0;
    double zero_y = SPARK_Y + SPARK_H - (double)(0 - mn) / range * SPARK_H;
    for (size_t i = 0; i < n; i++)
        ys[i] = SPARK_Y + SPARK_H - (double)(vs[i] - mn) / range * SPARK_H;
    /* whole units past 60 points (a few units apart): keeps a 365-day card under 10 KB */
    int prec = n > 60 ? 0 : 1;
    fprintf(f, "<path fill=\"%s\" fill-opacity=\"0.15\" d=\"M%.1f %.1f", t->accent, xs[0],
            zero_y);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "L%.*f %.*f", prec, xs[i], prec, ys[i]);
    fprintf(f, "L%.1f %.1fZ\"/>\n", xs[n - 1], zero_y);
    fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
            "stroke-width=\"2\"/>\n", SPARK_X, SPARK_X + SPARK_W, zero_y, zero_y, t->line);
    fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"5\" stroke-linejoin=\"round\" "
            "stroke-linecap=\"round\" d=\"", t->accent);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%.*f %.*f", i ? "L" : "M", prec, xs[i], prec, ys[i]);
    fprintf(f, "\"/>\n<circle cx=\"%.1f\" cy=\"%.1f\" r=\"9\" fill=\"%s\"/>\n", xs[n - 1],
            ys[n - 1], t->accent);
}

int card_svg(const stats_snapshot *s, int cat, const card_opts *o, char **out, size_t *len)
{
    const stats_category *k = &s->cats[cat];
    const svg_theme *t = o->theme;
    const char *label = labels_category(k->id, o->lang, k->label);
    char total[48] = "\xe2\x80\x94", inc[48] = "\xe2\x80\x94", date[DATE_STR_LEN] = "", war[64] = "";
    const char *qual = NULL;
    int64_t loss = STATS_NONE;
    int day = DATE_NONE;
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (f == NULL)
        return -1;
    if (k->last >= 0) {
        size_t rep = (size_t)k->last;
        day = s->dates[rep];
        svg_number(stats_total(s, rep, (size_t)cat), 0, o->lang, total, sizeof total);
        loss = stats_loss(s, rep, (size_t)cat);
        if (loss != STATS_NONE)
            svg_number(loss, 1, o->lang, inc, sizeof inc);
        qual = stats_qualifier(s, rep, (size_t)cat);
        svg_date(day, o->lang, date);
        labels_with_number(LABELS_WAR_DAY, o->lang, date_war_day(day), war, sizeof war);
    }
    const char *q = qual ? labels_qualifier(qual, o->lang) : NULL;
    const char *report_of = labels_text_of(LABELS_REPORT_OF, o->lang);
    /* The figures, for screen readers and for the title shown on hover. */
    char summary[512];
    snprintf(summary, sizeof summary, "%s: %s%s%s %s; %s, %s %s, %s", label, q ? q : "",
             q ? " " : "", total, labels_text_of(LABELS_TOTAL, o->lang),
             loss != STATS_NONE ? inc : labels_text_of(LABELS_NO_DAILY, o->lang), report_of,
             date, war);
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", CARD_WIDTH / 2, CARD_HEIGHT / 2,
            CARD_WIDTH, CARD_HEIGHT);
    svg_escape(f, summary);
    fprintf(f, "\" lang=\"%s\" font-family=\"%s\">\n<title>", o->lang == LABELS_UK ? "uk" : "en",
            SVG_FONT);
    svg_escape(f, summary);
    fprintf(f, "</title>\n<rect x=\"1\" y=\"1\" width=\"%d\" height=\"%d\" rx=\"%d\" fill=\"%s\" "
            "stroke=\"%s\" stroke-width=\"2\"/>\n", CARD_WIDTH - 2, CARD_HEIGHT - 2,
            o->flat ? 0 : 24, t->bg, t->line);
    fprintf(f, "<text x=\"60\" y=\"100\" font-size=\"46\" fill=\"%s\">", t->muted);
    svg_escape(f, label);
    fprintf(f, "</text>\n<text x=\"60\" y=\"232\" font-size=\"128\" font-weight=\"700\" "
            "fill=\"%s\">", t->fg);
    if (q) {
        fprintf(f, "<tspan font-size=\"48\" font-weight=\"400\" fill=\"%s\">", t->muted);
        svg_escape(f, q);
        fputs("</tspan><tspan dx=\"18\">", f); /* dx: XML would drop a space at the end */
    }
    fprintf(f, "%s%s</text>\n<text x=\"60\" y=\"312\" font-size=\"56\" font-weight=\"700\" "
            "fill=\"%s\">%s<tspan dx=\"%d\" font-size=\"34\" font-weight=\"400\" fill=\"%s\">",
            total, q ? "</tspan>" : "",
            loss < 0 && loss != STATS_NONE ? t->neg : t->accent,
            loss != STATS_NONE ? inc : "", loss != STATS_NONE ? 16 : 0, t->muted);
    if (loss == STATS_NONE)
        fprintf(f, "%s \xc2\xb7 ", labels_text_of(LABELS_NO_DAILY, o->lang));
    fprintf(f, "%s %s \xc2\xb7 %s</tspan></text>\n", report_of, date, war);
    if (day != DATE_NONE)
        sparkline(f, s, cat, day, o->days, t);
    char caption[96];
    labels_with_number(LABELS_LAST_DAYS, o->lang, o->days, caption, sizeof caption);
    fprintf(f, "<text x=\"60\" y=\"578\" font-size=\"28\" fill=\"%s\">%s", t->muted, caption);
    fprintf(f, "</text>\n<text x=\"1140\" y=\"578\" font-size=\"22\" text-anchor=\"end\" "
            "fill=\"%s\">%s</text>\n</svg>\n", t->muted, labels_text_of(LABELS_SOURCE, o->lang));
    if (fclose(f) != 0) {
        free(buf);
        return -1;
    }
    *out = buf;
    *len = n;
    return 0;
}
