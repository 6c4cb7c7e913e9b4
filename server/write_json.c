/* A direct JSON writer for the big bodies, byte-identical to Jansson's compact dump. */
#include "write_json.h"
#include "bytes.h"
#include "attrition/date.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jw_free(jw *w)
{
    free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
}

/* Room for n more bytes and the NUL. Returns 0, or -1 (w->failed set). */
static int jw_reserve(jw *w, size_t n)
{
    if (w->failed)
        return -1;
    if (bytes_room(&w->buf, &w->cap, w->len + n + 1) != 0) {
        w->failed = 1;
        return -1;
    }
    return 0;
}

void jw_raw(jw *w, const char *p, size_t n)
{
    if (jw_reserve(w, n) != 0)
        return;
    memcpy(w->buf + w->len, p, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

void jw_lit(jw *w, const char *s)
{
    jw_raw(w, s, strlen(s));
}

/* The length of the well-formed UTF-8 character at s (at most `avail` bytes), or 0 when s
 * does not start one: RFC 3629 Table 3 (no overlong form, no surrogate, nothing above
 * U+10FFFF). */
static size_t utf8_char(const unsigned char *s, size_t avail)
{
    static const struct { unsigned char first_lo, first_hi, second_lo, second_hi, len; } t[] = {
        {0xC2, 0xDF, 0x80, 0xBF, 2}, {0xE0, 0xE0, 0xA0, 0xBF, 3}, {0xE1, 0xEC, 0x80, 0xBF, 3},
        {0xED, 0xED, 0x80, 0x9F, 3}, {0xEE, 0xEF, 0x80, 0xBF, 3}, {0xF0, 0xF0, 0x90, 0xBF, 4},
        {0xF1, 0xF3, 0x80, 0xBF, 4}, {0xF4, 0xF4, 0x80, 0x8F, 4},
    };
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        if (s[0] < t[k].first_lo || s[0] > t[k].first_hi)
            continue;
        if (avail < t[k].len || s[1] < t[k].second_lo || s[1] > t[k].second_hi)
            return 0;
        for (size_t i = 2; i < t[k].len; i++)
            if ((s[i] & 0xC0) != 0x80)
                return 0;
        return t[k].len;
    }
    return 0;
}

size_t jw_escape(char *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        size_t k = c < 0x80 ? 1 : utf8_char(p + i, n - i);
        if (k > 1) {
            memcpy(out + o, p + i, k);
            o += k;
            i += k;
            continue;
        }
        i++;
        const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b"
                        : c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
                        : c == '\t' ? "\\t" : NULL;
        if (esc) {
            memcpy(out + o, esc, 2);
            o += 2;
        } else if (k == 0) { /* not UTF-8: the text \xHH, its backslash escaped */
            memcpy(out + o, "\\\\x", 3);
            out[o + 3] = hex[c >> 4];
            out[o + 4] = hex[c & 15];
            o += 5;
        } else if (c < 0x20) {
            memcpy(out + o, "\\u00", 4);
            out[o + 4] = hex[c >> 4];
            out[o + 5] = hex[c & 15];
            o += 6;
        } else {
            out[o++] = (char)c;
        }
    }
    return o;
}

void jw_str(jw *w, const char *s)
{
    size_t n = strlen(s);
    if (jw_reserve(w, 6 * n + 2) != 0)
        return;
    w->buf[w->len++] = '"';
    w->len += jw_escape(w->buf + w->len, s, n);
    w->buf[w->len++] = '"';
    w->buf[w->len] = '\0';
}

/* The decimal digits of u, right-aligned ending at end; returns where they start. */
static char *digits(unsigned long long u, char *end)
{
    do {
        *--end = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    return end;
}

void jw_int(jw *w, long long v) /* as %lld, without printf's cost */
{
    char b[24], *end = b + sizeof b;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    char *p = digits(u, end);
    if (v < 0)
        *--p = '-';
    jw_raw(w, p, (size_t)(end - p));
}

/* As Jansson's jsonp_dtostr: "%.<precision>g"; ".0" appended when the text has neither '.'
 * nor 'e'; the exponent without '+' and without leading zeros. */
void jw_real(jw *w, double v, int precision)
{
    char b[64];
    int n = snprintf(b, sizeof b, "%.*g", precision ? precision : 17, v);
    if (n < 0 || (size_t)n >= sizeof b - 3) {
        w->failed = 1;
        return;
    }
    size_t len = (size_t)n;
    if (strchr(b, '.') == NULL && strchr(b, 'e') == NULL) {
        memcpy(b + len, ".0", 3);
        len += 2;
    }
    char *e = strchr(b, 'e');
    if (e) {
        char *start = e + 1, *end = e + 2;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, len - (size_t)(end - b) + 1);
            len -= (size_t)(end - start);
        }
    }
    jw_raw(w, b, len);
}

void jw_date(jw *w, int day)
{
    char d[DATE_STR_LEN + 2];
    int y, m, dd;
    date_to_ymd(day, &y, &m, &dd);
    if (y < 0 || y > 9999) { /* date_format's own text for what 4 digits cannot hold */
        d[0] = '"';
        date_format(day, d + 1);
        d[DATE_STR_LEN] = '"';
        jw_raw(w, d, DATE_STR_LEN + 1);
        return;
    }
    const char t[] = {'"', (char)('0' + y / 1000), (char)('0' + y / 100 % 10),
                      (char)('0' + y / 10 % 10), (char)('0' + y % 10), '-',
                      (char)('0' + m / 10), (char)('0' + m % 10), '-', (char)('0' + dd / 10),
                      (char)('0' + dd % 10), '"'};
    jw_raw(w, t, sizeof t);
}

static int selected(const stats_selection *sel, size_t c)
{
    return sel == NULL || sel->mask[c];
}

/* The keys of a body's maps, escaped once per body: ",\"<id>\":" for every category c at
 * text + off[c] .. text + off[c + 1] (the comma is skipped for a map's first key). */
typedef struct jw_keys {
    char *text;
    size_t *off;
} jw_keys;

/* Makes k for s's categories. Returns 0, or -1 with w->failed set. */
static int keys_make(jw *w, const stats_snapshot *s, jw_keys *k)
{
    size_t n = 0;
    for (size_t c = 0; c < s->n_cat; c++)
        n += 6 * strlen(s->cats[c].id) + 4;
    k->text = malloc(n + 1);
    k->off = malloc((s->n_cat + 1) * sizeof *k->off);
    if (k->text == NULL || k->off == NULL) {
        free(k->text);
        free(k->off);
        w->failed = 1;
        return -1;
    }
    size_t o = 0;
    for (size_t c = 0; c < s->n_cat; c++) {
        k->off[c] = o;
        k->text[o++] = ',';
        k->text[o++] = '"';
        o += jw_escape(k->text + o, s->cats[c].id, strlen(s->cats[c].id));
        k->text[o++] = '"';
        k->text[o++] = ':';
    }
    k->off[s->n_cat] = o;
    return 0;
}

static void keys_free(jw_keys *k)
{
    free(k->text);
    free(k->off);
}

/* Writes category c's key; the first of a map without its comma. */
static void key_put(jw *w, const jw_keys *k, size_t c, int *first)
{
    size_t skip = *first ? 1 : 0;
    jw_raw(w, k->text + k->off[c] + skip, k->off[c + 1] - k->off[c] - skip);
    *first = 0;
}

/* {cat: value} of report rep of matrix m, values that exist only (render.c's render_row). */
static void jw_row(jw *w, const stats_snapshot *s, const jw_keys *k, const int64_t *m,
                   size_t rep, const stats_selection *sel)
{
    int first = 1;
    jw_raw(w, "{", 1);
    for (size_t c = 0; c < s->n_cat; c++) {
        int64_t v = m[rep * s->n_cat + c];
        if (v == STATS_NONE || !selected(sel, c))
            continue;
        key_put(w, k, c, &first);
        jw_int(w, (long long)v);
    }
    jw_raw(w, "}", 1);
}

void jw_series(jw *w, const stats_snapshot *s, int daily, const stats_selection *sel,
               int from, int to, size_t lo, size_t hi)
{
    jw_keys k;
    if (keys_make(w, s, &k) != 0)
        return;
    jw_lit(w, "{\"from\":");
    jw_date(w, from);
    jw_lit(w, ",\"to\":");
    jw_date(w, to);
    jw_lit(w, ",\"series\":[");
    for (size_t r = lo; r < hi && !w->failed; r++) {
        jw_lit(w, r > lo ? ",{\"date\":" : "{\"date\":");
        jw_date(w, s->dates[r]);
        jw_lit(w, ",\"day\":");
        jw_int(w, date_war_day(s->dates[r]));
        jw_lit(w, daily ? ",\"losses\":" : ",\"totals\":");
        jw_row(w, s, &k, daily ? s->loss : s->total, r, sel);
        if (daily) {
            jw_lit(w, ",\"span_days\":");
            jw_int(w, s->span[r]);
        }
        jw_lit(w, "}");
    }
    jw_lit(w, "]}");
    keys_free(&k);
}

void jw_decimal(jw *w, double x)
{
    if (!isfinite(x)) {
        jw_lit(w, "null");
        return;
    }
    double v = round(x * 100.0) / 100.0;
    long long k = fabs(v) < 1e12 ? llround(v * 100.0) : 0;
    /* v is the double nearest k/100, which has at most 14 significant digits: %.15g gives
     * those digits back exactly (DBL_DIG is 15), without an exponent (0.01 <= |v| < 1e12),
     * trailing zeros dropped; Jansson then adds ".0" to a whole number. */
    if (fabs(v) >= 1e12 || (double)k / 100.0 != v) {
        jw_real(w, v, 15);
        return;
    }
    char b[32], *end = b + sizeof b, *p = end;
    unsigned long long u = k < 0 ? 0ULL - (unsigned long long)k : (unsigned long long)k;
    unsigned cents = (unsigned)(u % 100);
    if (cents == 0) {
        *--p = '0';
    } else if (cents % 10 == 0) {
        *--p = (char)('0' + cents / 10);
    } else {
        *--p = (char)('0' + cents % 10);
        *--p = (char)('0' + cents / 10);
    }
    *--p = '.';
    p = digits(u / 100, p);
    if (k < 0 || (k == 0 && signbit(v)))
        *--p = '-';
    jw_raw(w, p, (size_t)(end - p));
}

/* A value of a change: rounded decimals when the periods differ in length (per day), else
 * the integer sums (render_change's "s:o" / "s:I"). */
static void jw_change_value(jw *w, double v, int per_day)
{
    if (per_day)
        jw_decimal(w, v);
    else
        jw_int(w, (long long)v);
}

static void jw_change(jw *w, const stats_change *c)
{
    jw_lit(w, "{\"previous\":");
    jw_change_value(w, c->previous, c->per_day);
    jw_lit(w, ",\"current\":");
    jw_change_value(w, c->current, c->per_day);
    jw_lit(w, ",\"delta\":");
    jw_change_value(w, c->delta, c->per_day);
    jw_lit(w, ",\"pct\":");
    jw_decimal(w, c->pct);
    jw_lit(w, c->per_day ? ",\"per_day\":true}" : ",\"per_day\":false}");
}

/* One of a period's three maps (0 losses, 1 per_day, 2 change). */
static void jw_period_map(jw *w, const stats_snapshot *s, const jw_keys *keys,
                          const stats_summary *sum, size_t i, const stats_selection *sel,
                          int which)
{
    const stats_period *p = &sum->periods[i];
    stats_change c;
    int first = 1;
    jw_raw(w, "{", 1);
    for (size_t k = 0; k < s->n_cat; k++) {
        if (!selected(sel, k) || p->losses[k] == STATS_NONE)
            continue;
        if (which == 2 && stats_period_change(sum, i, k, &c) != 0)
            continue;
        key_put(w, keys, k, &first);
        if (which == 0)
            jw_int(w, (long long)p->losses[k]);
        else if (which == 1)
            jw_decimal(w, (double)p->losses[k] / p->days);
        else
            jw_change(w, &c);
    }
    jw_raw(w, "}", 1);
}

void jw_summary(jw *w, const stats_snapshot *s, const stats_summary *sum,
                const stats_selection *sel)
{
    jw_keys k;
    if (keys_make(w, s, &k) != 0)
        return;
    jw_lit(w, "{\"from\":");
    jw_date(w, sum->from);
    jw_lit(w, ",\"to\":");
    jw_date(w, sum->to);
    jw_lit(w, ",\"group\":");
    jw_str(w, stats_group_name(sum->group));
    jw_lit(w, ",\"periods\":[");
    for (size_t i = 0; i < sum->n_periods && !w->failed; i++) {
        const stats_period *p = &sum->periods[i];
        jw_lit(w, i ? ",{\"period\":" : "{\"period\":");
        jw_str(w, p->name);
        jw_lit(w, ",\"from\":");
        jw_date(w, p->from);
        jw_lit(w, ",\"to\":");
        jw_date(w, p->to);
        jw_lit(w, ",\"days\":");
        jw_int(w, p->days);
        jw_lit(w, ",\"reports\":");
        jw_int(w, p->n_reports);
        jw_lit(w, ",\"losses\":");
        jw_period_map(w, s, &k, sum, i, sel, 0);
        jw_lit(w, ",\"per_day\":");
        jw_period_map(w, s, &k, sum, i, sel, 1);
        jw_lit(w, ",\"change\":");
        jw_period_map(w, s, &k, sum, i, sel, 2);
        jw_lit(w, "}");
    }
    jw_lit(w, "]}");
    keys_free(&k);
}
