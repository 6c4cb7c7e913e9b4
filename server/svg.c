/* Shared pieces of the images (see svg.h). */
#include "svg.h"
#include "attrition/date.h"

#include <string.h>

static const svg_theme themes[] = {
    /* the dashboard's colours (web/style.css) */
    {"light", "#ffffff", "#1b1f24", "#57606a", "#d0d7de", "#0057b7", "#b35900", "#e3e7eb"},
    {"dark", "#0f1419", "#e6e9ed", "#9aa4ae", "#33404d", "#7fb2ff", "#ffa657", "#27313b"},
};

int svg_theme_parse(const char *text, const svg_theme **out)
{
    for (size_t i = 0; i < sizeof themes / sizeof themes[0]; i++)
        if (text == NULL ? i == 0 : strcmp(text, themes[i].name) == 0) {
            *out = &themes[i];
            return 0;
        }
    return -1;
}

void svg_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default: fputc(*s, f);
        }
    }
}

char *svg_number(int64_t v, int sign, labels_lang lang, char *out, size_t len)
{
    char digits[24];
    const char *sep = lang == LABELS_UK ? "\xc2\xa0" : ",";
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)m);
    size_t o = 0;
    out[0] = '\0';
    if (v < 0)
        o += (size_t)snprintf(out, len, "\xe2\x88\x92"); /* U+2212 MINUS SIGN */
    else if (sign && v > 0)
        o += (size_t)snprintf(out, len, "+");
    for (int i = 0; i < n && o + 4 < len; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            o += (size_t)snprintf(out + o, len - o, "%s", sep);
        out[o++] = digits[i];
        out[o] = '\0';
    }
    return out;
}

char *svg_date(int day, labels_lang lang, char *out)
{
    char iso[DATE_STR_LEN];
    date_format(day, iso);
    if (lang != LABELS_UK)
        return memcpy(out, iso, DATE_STR_LEN);
    snprintf(out, DATE_STR_LEN, "%.2s.%.2s.%.4s", iso + 8, iso + 5, iso);
    return out;
}
