/* Reading a text for loss figures (contract: include/attrition/check.h).
 *
 * 1. Tokens: words (lower-cased, Latin and Cyrillic), numbers (digits with ',' or a space,
 *    U+00A0, U+2009 or U+202F between groups of three; number words "seven", "сім"; ordinals
 *    "third", "3rd", "третій"), numeric dates (25.10.2024, 25.10.24, 2024-10-25), punctuation.
 * 2. Sentences ('.', '!', '?' before a space, a new line) and clauses (',', ';', ':', '(',
 *    ')', spaced dashes), found after the dates so that "Oct. 25, 2024" stays one.
 * 3. Time expressions of each sentence: days ("October 25", "25 жовтня 2024 року",
 *    "today", "in the past 24 hours"), periods ("since Monday", "this week", "last month",
 *    "in January 2025", "between March 1 and March 10"), totals ("a total of", "since the
 *    beginning of the war", "загалом").
 * 4. Figures: a number followed (past a few filler words) or preceded by a category of the
 *    lexicon, not money, a percentage, an age, a year or part of a date; its qualifier; its
 *    kind from the time expressions of its clause, else of its sentence, else the last day
 *    named. Superlatives ("third-greatest single day", "record") give rank figures.
 * Every step is linear in the text (lexicon look-ups are bounded per token). */
#include "attrition/check.h"
#include "check_internal.h"
#include "array.h"

#include "attrition/date.h"
#include "attrition/text.h"

#include <stdlib.h>
#include <string.h>

enum { T_WORD, T_NUM, T_PUNCT, T_DATE };

typedef struct tok {
    int64_t num;             /* T_NUM; -1: too large */
    uint32_t b0, b1, c0, c1; /* bytes and characters (texts are at most 64 KiB) */
    uint32_t p;              /* T_PUNCT: the code point */
    int date;                /* T_DATE */
    int clause;
    unsigned char type, cap; /* cap (T_WORD): starts with a capital */
    unsigned char ndig, sep, dec, ordinal, wordnum, pct;
    unsigned char space_before, nl_before;
    unsigned char used;      /* part of a date or category phrase */
    char w[CHECK_WORD_MAX];  /* T_WORD: lower-cased */
} tok;

typedef struct toks {
    tok *v;
    size_t n, cap;
} toks;

/* ---- characters ------------------------------------------------------------------------ */

uint32_t check_lower(uint32_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
        return c + 32;
    if (c >= 0x410 && c <= 0x42F)
        return c + 32;
    if (c >= 0x400 && c <= 0x40F)
        return c + 80;
    if (c == 0x490)
        return 0x491;
    return c;
}

int check_is_letter(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0x24F && c != 0xD7 &&
           c != 0xF7) || (c >= 0x400 && c <= 0x4FF);
}

static int is_apostrophe(uint32_t c)
{
    return c == '\'' || c == 0x2019 || c == 0x02BC;
}

static int is_space(uint32_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xA0 || c == 0x2009 ||
           c == 0x202F || (c >= 0x2000 && c <= 0x200B) || c == 0x205F || c == 0x3000 ||
           c == 0xFEFF || c == '\f' || c == '\v';
}

/* A space that may separate groups of digits. */
static int is_group_space(uint32_t c)
{
    return c == ' ' || c == 0xA0 || c == 0x2009 || c == 0x202F;
}

/* Decodes the code point at s[i..n) (invalid bytes: U+FFFD, length 1). */
static size_t cp_at(const char *s, size_t n, size_t i, uint32_t *cp)
{
    size_t k = text_utf8_decode((const unsigned char *)s + i, n - i, cp);
    if (k == 0) {
        *cp = 0xFFFD;
        k = 1;
    }
    return k;
}

/* Appends the UTF-8 of c to w (cap bytes with NUL), dropping what does not fit. */
static void put_utf8(char *w, size_t *len, size_t cap, uint32_t c)
{
    char b[4];
    size_t k;
    if (c < 0x80) { b[0] = (char)c; k = 1; }
    else if (c < 0x800) { b[0] = (char)(0xC0 | (c >> 6)); b[1] = (char)(0x80 | (c & 0x3F)); k = 2; }
    else if (c < 0x10000) {
        b[0] = (char)(0xE0 | (c >> 12)); b[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        b[2] = (char)(0x80 | (c & 0x3F)); k = 3;
    } else {
        b[0] = (char)(0xF0 | (c >> 18)); b[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((c >> 6) & 0x3F)); b[3] = (char)(0x80 | (c & 0x3F)); k = 4;
    }
    if (*len + k + 1 > cap)
        return;
    memcpy(w + *len, b, k);
    *len += k;
    w[*len] = '\0';
}

/* Reads a word at s[i..n) (i at a letter): letters and inner apostrophes. Writes the
 * lower-cased word into w; returns the end byte and adds the characters to *chars. */
static size_t read_word(const char *s, size_t n, size_t i, char *w, size_t cap, size_t *chars,
                        int *capital)
{
    size_t len = 0;
    uint32_t c;
    w[0] = '\0';
    *capital = -1;
    while (i < n) {
        size_t k = cp_at(s, n, i, &c);
        if (check_is_letter(c)) {
            if (*capital < 0)
                *capital = check_lower(c) != c;
            put_utf8(w, &len, cap, check_lower(c));
        } else if (is_apostrophe(c) && len > 0 && i + k < n) {
            uint32_t d;
            cp_at(s, n, i + k, &d);
            if (!check_is_letter(d))
                break;
            put_utf8(w, &len, cap, '\'');
        } else {
            break;
        }
        i += k;
        (*chars)++;
    }
    if (*capital < 0)
        *capital = 0;
    return i;
}

size_t check_split_words(const char *s, size_t n, char *buf, size_t len, const char **words,
                         size_t max)
{
    size_t i = 0, used = 0, count = 0;
    while (i < n && count < max) {
        uint32_t c;
        size_t k = cp_at(s, n, i, &c);
        if (!check_is_letter(c)) {
            i += k;
            continue;
        }
        if (used + CHECK_WORD_MAX > len)
            break;
        size_t chars = 0;
        int capital;
        i = read_word(s, n, i, buf + used, CHECK_WORD_MAX, &chars, &capital);
        words[count++] = buf + used;
        used += strlen(buf + used) + 1;
    }
    return count;
}

/* ---- tokens ---------------------------------------------------------------------------- */

static tok *tok_push(toks *t)
{
    /* tokenize reserves one per byte: this is the fallback */
    tok *v = array_room(t->v, t->n, &t->cap, sizeof *v, 256);
    if (v == NULL)
        return NULL;
    t->v = v;
    tok *k = &t->v[t->n++];
    memset(k, 0, sizeof *k);
    return k;
}

static int is_digit_at(const char *s, size_t n, size_t i)
{
    return i < n && s[i] >= '0' && s[i] <= '9';
}

static size_t digits_end(const char *s, size_t n, size_t i)
{
    while (is_digit_at(s, n, i))
        i++;
    return i;
}

static int64_t digits_value(const char *s, size_t a, size_t b, int64_t acc)
{
    for (size_t i = a; i < b; i++) {
        if (acc < 0 || acc > INT64_C(100000000000000))
            return -1;
        acc = acc * 10 + (s[i] - '0');
    }
    return acc;
}

/* A numeric date at i: D.M.YYYY, D.M.YY, YYYY-MM-DD. Returns its end and sets *day, or 0. */
static size_t numeric_date(const char *s, size_t n, size_t i, int *day)
{
    size_t a = digits_end(s, n, i);
    size_t la = a - i;
    if (la == 4 && a < n && s[a] == '-') {
        size_t b = digits_end(s, n, a + 1);
        if (b - a - 1 == 2 && b < n && s[b] == '-') {
            size_t c = digits_end(s, n, b + 1);
            if (c - b - 1 == 2 && date_parse_n(s + i, (unsigned long)(c - i), day) == 0)
                return c;
        }
        return 0;
    }
    if (la < 1 || la > 2 || a >= n || s[a] != '.')
        return 0;
    size_t b = digits_end(s, n, a + 1);
    if (b - a - 1 < 1 || b - a - 1 > 2 || b >= n || s[b] != '.')
        return 0;
    size_t c = digits_end(s, n, b + 1);
    size_t lc = c - b - 1;
    if (lc != 2 && lc != 4)
        return 0;
    int d = (int)digits_value(s, i, a, 0), m = (int)digits_value(s, a + 1, b, 0);
    int y = (int)digits_value(s, b + 1, c, 0);
    if (lc == 2)
        y += 2000;
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > date_days_in_month(y, m))
        return 0;
    *day = date_from_ymd(y, m, d);
    return c;
}

static int is_month_word(const char *w);

/* Reads a number at s[i] (a digit) into k; returns its end. */
static size_t read_number(const char *s, size_t n, size_t i, tok *k, const toks *t)
{
    size_t a = digits_end(s, n, i);
    int64_t v = digits_value(s, i, a, 0);
    size_t end = a;
    k->ndig = (unsigned char)(a - i > 255 ? 255 : a - i);
    if (a - i <= 3) {
        uint32_t sep = 0;
        int after_month = t->n > 0 && t->v[t->n - 1].type == T_WORD &&
                          is_month_word(t->v[t->n - 1].w);
        for (;;) {
            uint32_t c;
            if (end >= n)
                break;
            size_t l = cp_at(s, n, end, &c);
            if (!(c == ',' || (is_group_space(c) && !after_month)) || (sep && c != sep))
                break;
            size_t g = digits_end(s, n, end + l);
            if (g - (end + l) != 3)
                break;
            v = digits_value(s, end + l, g, v);
            end = g;
            sep = c;
            k->sep = 1;
            k->ndig = (unsigned char)(k->ndig > 252 ? 255 : k->ndig + 3);
        }
    }
    if (end + 1 < n && (s[end] == '.' || s[end] == ',') && is_digit_at(s, n, end + 1)) {
        k->dec = 1;
        end = digits_end(s, n, end + 1);
    }
    if (end < n && s[end] == '%')
        k->pct = 1;
    /* ordinal suffixes: 3rd, 1st, 22nd, 4th; 3-й, 3-го */
    if (end + 2 <= n && (strncmp(s + end, "st", 2) == 0 || strncmp(s + end, "nd", 2) == 0 ||
                         strncmp(s + end, "rd", 2) == 0 || strncmp(s + end, "th", 2) == 0)) {
        uint32_t c = ' ';
        if (end + 2 < n)
            cp_at(s, n, end + 2, &c);
        if (!check_is_letter(c)) {
            k->ordinal = 1;
            end += 2;
        }
    }
    k->num = v;
    return end;
}

/* Splits the text into tokens. Returns 0 or -1 (out of memory). */
static int tokenize(const char *s, size_t n, toks *t)
{
    size_t i = 0, chars = 0;
    int space = 1, nl = 1;
    /* at most one token per byte: reserved at once (pages are touched only as used) */
    t->v = malloc((n + 1) * sizeof *t->v);
    if (t->v == NULL)
        return -1;
    t->cap = n + 1;
    while (i < n) {
        uint32_t c;
        size_t l = cp_at(s, n, i, &c);
        if (is_space(c)) {
            space = 1;
            if (c == '\n')
                nl = 1;
            i += l;
            chars++;
            continue;
        }
        tok *k = tok_push(t);
        if (k == NULL)
            return -1;
        k->space_before = (unsigned char)space;
        k->nl_before = (unsigned char)nl;
        space = nl = 0;
        k->b0 = (uint32_t)i;
        k->c0 = (uint32_t)chars;
        if (check_is_letter(c)) {
            int capital;
            k->type = T_WORD;
            i = read_word(s, n, i, k->w, sizeof k->w, &chars, &capital);
            k->cap = (unsigned char)capital;
        } else if (c >= '0' && c <= '9') {
            int day;
            size_t e = numeric_date(s, n, i, &day);
            if (e > 0) {
                k->type = T_DATE;
                k->date = day;
            } else {
                k->type = T_NUM;
                e = read_number(s, n, i, k, t);
            }
            chars += e - i; /* all ASCII but the group spaces */
            for (size_t j = i; j < e; j++)
                if ((unsigned char)s[j] >= 0x80)
                    chars -= ((unsigned char)s[j] & 0xC0) == 0x80;
            i = e;
        } else {
            k->type = T_PUNCT;
            k->p = c;
            i += l;
            chars++;
        }
        k->b1 = (uint32_t)i;
        k->c1 = (uint32_t)chars;
    }
    return 0;
}

/* ---- small vocabularies ------------------------------------------------------------------ */

static int in_list(const char *w, const char *const *list)
{
    for (size_t i = 0; list[i]; i++) {
        size_t l = strlen(list[i]);
        if (l > 0 && list[i][l - 1] == '*' ? strncmp(w, list[i], l - 1) == 0
                                            : strcmp(w, list[i]) == 0)
            return 1;
    }
    return 0;
}

/* Month of a word (1..12) or 0. */
static int month_of(const char *w)
{
    static const char *const en[] = {"january", "february", "march", "april", "may", "june",
                                     "july", "august", "september", "october", "november",
                                     "december"};
    static const char *const ab[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
                                     "sep", "oct", "nov", "dec"};
    static const char *const uk[][3] = {
        {"січня", "січні", "січень"}, {"лютого", "лютому", "лютий"},
        {"березня", "березні", "березень"}, {"квітня", "квітні", "квітень"},
        {"травня", "травні", "травень"}, {"червня", "червні", "червень"},
        {"липня", "липні", "липень"}, {"серпня", "серпні", "серпень"},
        {"вересня", "вересні", "вересень"}, {"жовтня", "жовтні", "жовтень"},
        {"листопада", "листопаді", "листопад"}, {"грудня", "грудні", "грудень"}};
    if (strcmp(w, "sept") == 0)
        return 9;
    for (int m = 0; m < 12; m++) {
        if (strcmp(w, en[m]) == 0 || strcmp(w, ab[m]) == 0)
            return m + 1;
        for (int k = 0; k < 3; k++)
            if (strcmp(w, uk[m][k]) == 0)
                return m + 1;
    }
    return 0;
}

static int is_month_word(const char *w)
{
    return month_of(w) != 0;
}

/* Weekday 1..7 of "monday", "понеділка", ... or 0. */
static int weekday_of(const char *w)
{
    static const char *const d[][4] = {
        {"monday", "понеділка", "понеділок", NULL}, {"tuesday", "вівторка", "вівторок", NULL},
        {"wednesday", "середи", "середа", NULL}, {"thursday", "четверга", "четвер", NULL},
        {"friday", "п'ятниці", "п'ятниця", NULL}, {"saturday", "суботи", "субота", NULL},
        {"sunday", "неділі", "неділя", NULL}};
    for (int i = 0; i < 7; i++)
        for (int j = 0; d[i][j]; j++)
            if (strcmp(w, d[i][j]) == 0)
                return i + 1;
    return 0;
}

static int64_t number_word(const char *w, int *tens)
{
    static const char *const en[] = {"zero", "one", "two", "three", "four", "five", "six",
                                     "seven", "eight", "nine", "ten", "eleven", "twelve",
                                     "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
                                     "eighteen", "nineteen"};
    static const char *const en10[] = {"twenty", "thirty", "forty", "fifty", "sixty",
                                       "seventy", "eighty", "ninety"};
    static const struct { const char *w; int v; } uk[] = {
        {"один", 1}, {"одна", 1}, {"одне", 1}, {"одного", 1}, {"одну", 1}, {"два", 2},
        {"дві", 2}, {"двох", 2}, {"три", 3}, {"трьох", 3}, {"чотири", 4}, {"чотирьох", 4},
        {"п'ять", 5}, {"п'яти", 5}, {"шість", 6}, {"шести", 6}, {"сім", 7}, {"семи", 7},
        {"вісім", 8}, {"восьми", 8}, {"дев'ять", 9}, {"дев'яти", 9}, {"десять", 10},
        {"одинадцять", 11}, {"дванадцять", 12}, {"тринадцять", 13}, {"чотирнадцять", 14},
        {"п'ятнадцять", 15}, {"шістнадцять", 16}, {"сімнадцять", 17}, {"вісімнадцять", 18},
        {"дев'ятнадцять", 19}, {"двадцять", -20}, {"тридцять", -30}, {"сорок", -40},
        {"п'ятдесят", -50}, {"шістдесят", -60}, {"сімдесят", -70}, {"вісімдесят", -80},
        {"дев'яносто", -90}, {"сто", 100}};
    *tens = 0;
    for (int i = 1; i < 20; i++)
        if (strcmp(w, en[i]) == 0)
            return i;
    for (int i = 0; i < 8; i++)
        if (strcmp(w, en10[i]) == 0) {
            *tens = 1;
            return 20 + 10 * i;
        }
    if (strcmp(w, "hundred") == 0)
        return 100;
    for (size_t i = 0; i < sizeof uk / sizeof uk[0]; i++)
        if (strcmp(w, uk[i].w) == 0) {
            *tens = uk[i].v < 0;
            return uk[i].v < 0 ? -uk[i].v : uk[i].v;
        }
    return 0;
}

static int ordinal_word(const char *w)
{
    static const char *const en[] = {"first", "second", "third", "fourth", "fifth", "sixth",
                                     "seventh", "eighth", "ninth", "tenth", NULL};
    static const char *const uk[] = {"перш", "друг", "трет", "четверт", "п'ят", "шост",
                                     "сьом", "восьм", "дев'ят", "десят", NULL};
    for (int i = 0; en[i]; i++)
        if (strcmp(w, en[i]) == 0)
            return i + 1;
    static const char *const ends[] = {"ий", "ій", "а", "я", "е", "є", "ого", "ього", "ої",
                                       "і", "их", "іх", NULL};
    for (int i = 0; uk[i]; i++) {
        size_t l = strlen(uk[i]);
        if (strncmp(w, uk[i], l) == 0)
            for (int e = 0; ends[e]; e++)
                if (strcmp(w + l, ends[e]) == 0)
                    return i + 1;
    }
    return 0;
}

/* Turns number words ("seven", "twenty-one", "сім", "двадцять сім") and ordinal words into
 * T_NUM tokens in place (the first word's token spans them all; the others are dropped:
 * whitespace is never a token, so T_PUNCT ' ' marks them until then). */
static void number_words(toks *t)
{
    for (size_t i = 0; i < t->n; i++) {
        tok *k = &t->v[i];
        if (k->type != T_WORD)
            continue;
        int tens, o = ordinal_word(k->w);
        int64_t v = number_word(k->w, &tens);
        if (o > 0 && strcmp(k->w, "second") != 0) {
            k->type = T_NUM;
            k->num = o;
            k->ordinal = 1;
            k->wordnum = 1;
            continue;
        }
        if (o > 0) { /* "second": an ordinal only before a superlative, see rank_cue */
            k->type = T_NUM;
            k->num = 2;
            k->ordinal = 1;
            k->wordnum = 1;
            continue;
        }
        if (v <= 0)
            continue;
        k->type = T_NUM;
        k->num = v;
        k->wordnum = 1;
        /* "two hundred", "two hundred (and) forty-one": one number, not 2 and 100 */
        size_t h = i + 1;
        if (v < 10 && !tens && h < t->n && t->v[h].type == T_WORD &&
            strcmp(t->v[h].w, "hundred") == 0) {
            size_t j = h + 1;
            if (j < t->n && t->v[j].type == T_WORD && strcmp(t->v[j].w, "and") == 0)
                j++;
            int64_t u = j < t->n && t->v[j].type == T_WORD ? number_word(t->v[j].w, &tens) : 0;
            if (u <= 0 || u >= 100) {
                j = h;
                u = 0;
                tens = 0;
            }
            k->num = v * 100 + u;
            k->b1 = t->v[j].b1;
            k->c1 = t->v[j].c1;
            for (size_t m = i + 1; m <= j; m++) {
                t->v[m].type = T_PUNCT;
                t->v[m].p = ' ';
            }
            i = j;
        }
        if (!tens)
            continue;
        /* twenty-one, двадцять сім */
        size_t j = i + 1;
        if (j < t->n && t->v[j].type == T_PUNCT && t->v[j].p == '-' && !t->v[j].space_before)
            j++;
        int t2;
        if (j < t->n && t->v[j].type == T_WORD) {
            int64_t u = number_word(t->v[j].w, &t2);
            if (u > 0 && u < 10 && !t2) {
                k->num += u;
                k->b1 = t->v[j].b1;
                k->c1 = t->v[j].c1;
                for (size_t m = i + 1; m <= j; m++) {
                    t->v[m].type = T_PUNCT;
                    t->v[m].p = ' ';
                }
                i = j;
            }
        }
    }
    /* drop the merged words: "twenty-one tanks" reads as a number next to its category */
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++)
        if (!(t->v[i].type == T_PUNCT && t->v[i].p == ' '))
            t->v[n++] = t->v[i];
    t->n = n;
}

/* ---- time expressions -------------------------------------------------------------------- */

enum { X_DAY, X_RANGE, X_TOTAL };

typedef struct texpr {
    int type;
    size_t t0, t1;      /* tokens [t0, t1) */
    int day;            /* X_DAY */
    int from, to;       /* X_RANGE */
    int has_year;       /* X_DAY: the year was written */
    int relative;       /* from "today", "this week"... */
    int by_value;       /* X_RANGE from "earlier this month": a window to search in */
    int clause;
} texpr;

typedef struct reader {
    const char *text;
    size_t len;
    toks t;
    int as_of;
    int latest;
    check_reading *out;
    texpr *x;
    size_t nx, capx;
} reader;

static int word_is(const reader *r, size_t i, const char *w)
{
    return i < r->t.n && r->t.v[i].type == T_WORD && strcmp(r->t.v[i].w, w) == 0;
}

static int word_in(const reader *r, size_t i, const char *const *list)
{
    return i < r->t.n && r->t.v[i].type == T_WORD && in_list(r->t.v[i].w, list);
}

static int punct_is(const reader *r, size_t i, uint32_t p)
{
    return i < r->t.n && r->t.v[i].type == T_PUNCT && r->t.v[i].p == p;
}

static int is_day_num(const tok *k)
{
    return k->type == T_NUM && !k->sep && !k->dec && !k->pct && !k->wordnum && k->ndig <= 2 &&
           k->num >= 1 && k->num <= 31;
}

static int is_year_num(const tok *k)
{
    return k->type == T_NUM && !k->sep && !k->dec && !k->wordnum && k->ndig == 4 &&
           k->num >= 1990 && k->num <= 2100;
}

/* The date of day d of month m in the year that makes it the latest not after as_of (a date
 * without a year). */
static int resolve_md(int as_of, int m, int d)
{
    int y, mm, dd;
    date_to_ymd(as_of, &y, &mm, &dd);
    for (int k = 0; k < 2; k++, y--)
        if (d <= date_days_in_month(y, m) && date_from_ymd(y, m, d) <= as_of)
            return date_from_ymd(y, m, d);
    return d <= date_days_in_month(y, m) ? date_from_ymd(y, m, d) : DATE_NONE;
}

static int make_date(int y, int m, int d)
{
    if (y < 1 || y > 9999 || d < 1 || d > date_days_in_month(y, m))
        return DATE_NONE;
    return date_from_ymd(y, m, d);
}

static int push_x(reader *r, const texpr *e)
{
    texpr *v = array_room(r->x, r->nx, &r->capx, sizeof *v, 32);
    if (v == NULL)
        return -1;
    r->x = v;
    r->x[r->nx++] = *e;
    return 0;
}

/* A day written out at token i: "October 25[,] [2024]", "Oct. 25", "25 October 2024",
 * "25 жовтня [2024] [року|р.]", or a numeric date. Returns the token after it (0: none);
 * *day, *has_year. */
static size_t day_at(const reader *r, size_t i, int *day, int *has_year)
{
    const tok *v = r->t.v;
    size_t n = r->t.n;
    int y, mm, dd;
    date_to_ymd(r->as_of, &y, &mm, &dd);
    *has_year = 0;
    if (i >= n)
        return 0;
    if (v[i].type == T_DATE) {
        *day = v[i].date;
        *has_year = 1;
        return i + 1;
    }
    if (v[i].type == T_WORD && month_of(v[i].w)) {
        int m = month_of(v[i].w);
        size_t j = i + 1;
        if (punct_is(r, j, '.'))
            j++;
        if (j < n && is_day_num(&v[j]) && !v[j].ordinal) {
            int d = (int)v[j].num;
            size_t e = j + 1;
            size_t k = e;
            if (punct_is(r, k, ','))
                k++;
            if (k < n && is_year_num(&v[k])) {
                *day = make_date((int)v[k].num, m, d);
                *has_year = 1;
                e = k + 1;
            } else {
                *day = resolve_md(r->as_of, m, d);
            }
            return *day == DATE_NONE ? 0 : e;
        }
        return 0;
    }
    if (is_day_num(&v[i]) && i + 1 < n && v[i + 1].type == T_WORD && month_of(v[i + 1].w)) {
        int m = month_of(v[i + 1].w), d = (int)v[i].num;
        size_t e = i + 2;
        if (e < n && is_year_num(&v[e])) {
            *day = make_date((int)v[e].num, m, d);
            *has_year = 1;
            e++;
            if (word_is(r, e, "року") || word_is(r, e, "р") || word_is(r, e, "рік")) {
                e++;
                if (punct_is(r, e, '.') && !(e + 1 < n && v[e + 1].nl_before))
                    e++;
            }
        } else {
            *day = resolve_md(r->as_of, m, d);
        }
        return *day == DATE_NONE ? 0 : e;
    }
    return 0;
}

static void month_range(int y, int m, int *from, int *to)
{
    *from = date_from_ymd(y, m, 1);
    *to = date_from_ymd(y, m, date_days_in_month(y, m));
}

/* Finds the time expressions of tokens [a, b). */
static int find_times(reader *r, size_t a, size_t b)
{
    static const char *const total_words[] = {"total", "totals", "altogether", "overall",
        "cumulative", "загалом", "всього", "усього", "загальні", "загальна", "сумарно",
        "сумарні", NULL};
    static const char *const since_words[] = {"since", "з", "від", "із", NULL};
    static const char *const start_words[] = {"beginning", "start", "outset", "invasion",
        "початку", "початок", "вторгнення", NULL};
    static const char *const range_to[] = {"and", "to", "through", "until", "till", "по",
        "до", "і", "та", NULL};
    int y, mm, dd;
    date_to_ymd(r->as_of, &y, &mm, &dd);
    for (size_t i = a; i < b; i++) {
        texpr e = {.type = X_DAY, .t0 = i, .day = DATE_NONE, .from = DATE_NONE,
                   .to = DATE_NONE};
        int day, hy;
        size_t end;
        const tok *k = &r->t.v[i];
        if (k->type != T_WORD && k->type != T_NUM && k->type != T_DATE)
            continue;
        /* ranges: between/from/з DAY and/to/по DAY; з 1 по 10 березня */
        if (word_in(r, i, (const char *const[]){"between", "from", "з", "від", "із", NULL}) &&
            i + 1 < b) {
            size_t j = i + 1, e1;
            int d1 = DATE_NONE, bare = 0;
            if ((e1 = day_at(r, j, &day, &hy)) > 0)
                d1 = day;
            else if (is_day_num(&r->t.v[j])) {
                bare = (int)r->t.v[j].num;
                e1 = j + 1;
            }
            if ((d1 != DATE_NONE || bare) && e1 < b &&
                (word_in(r, e1, range_to) || punct_is(r, e1, '-') || punct_is(r, e1, 0x2013))) {
                size_t e2;
                int d2 = DATE_NONE;
                if ((e2 = day_at(r, e1 + 1, &day, &hy)) > 0)
                    d2 = day;
                else if (d1 != DATE_NONE && e1 + 1 < b && is_day_num(&r->t.v[e1 + 1])) {
                    int y1, m1, dd1;
                    date_to_ymd(d1, &y1, &m1, &dd1);
                    d2 = make_date(y1, m1, (int)r->t.v[e1 + 1].num);
                    e2 = e1 + 2;
                }
                if (d2 != DATE_NONE && bare) {
                    int y2, m2, dd2;
                    date_to_ymd(d2, &y2, &m2, &dd2);
                    d1 = make_date(y2, m2, bare);
                }
                if (d1 != DATE_NONE && d2 != DATE_NONE && d1 <= d2) {
                    e.has_year = hy;
                    /* from the war's start to a day (the post's heading): a total */
                    e.type = d1 <= DATE_WAR_START ? X_TOTAL : X_RANGE;
                    e.from = d1;
                    e.to = d2;
                    e.day = d1 <= DATE_WAR_START ? d2 : DATE_NONE;
                    e.t1 = e2;
                    for (size_t m = i; m < e2; m++)
                        r->t.v[m].used = 1;
                    if (push_x(r, &e) != 0)
                        return -1;
                    i = e2 - 1;
                    continue;
                }
            }
        }
        /* since + weekday / day / month / the start of the war */
        if (word_in(r, i, since_words) && i + 1 < b) {
            int wd = r->t.v[i + 1].type == T_WORD ? weekday_of(r->t.v[i + 1].w) : 0;
            int start = 0;
            for (size_t j = i + 1; j < b && j < i + 4; j++)
                if (word_in(r, j, start_words) ||
                    (word_is(r, j, "war") && j == i + 2) || word_is(r, j, "24.02.2022"))
                    start = 1;
            if (wd && (word_is(r, i, "since") || word_is(r, i, "з") || word_is(r, i, "від"))) {
                int back = (date_weekday(r->as_of) - wd + 7) % 7;
                e.type = X_RANGE;
                e.from = r->as_of - back;
                e.to = r->as_of;
                e.relative = 1;
                e.t1 = i + 2;
                r->t.v[i + 1].used = 1;
                if (push_x(r, &e) != 0)
                    return -1;
                i++;
                continue;
            }
            if ((end = day_at(r, i + 1, &day, &hy)) > 0 && word_is(r, i, "since")) {
                if (day <= DATE_WAR_START) {
                    e.type = X_TOTAL;
                } else {
                    e.type = X_RANGE;
                    e.from = day;
                    e.to = r->as_of;
                }
                e.t1 = end;
                for (size_t m = i + 1; m < end; m++)
                    r->t.v[m].used = 1;
                if (push_x(r, &e) != 0)
                    return -1;
                i = end - 1;
                continue;
            }
            if (start) {
                e.type = X_TOTAL;
                e.t1 = i + 2;
                if (push_x(r, &e) != 0)
                    return -1;
                continue;
            }
            if (i + 2 < b && month_of(r->t.v[i + 1].w) && r->t.v[i + 1].type == T_WORD &&
                is_year_num(&r->t.v[i + 2]) && word_is(r, i, "since")) {
                int m = month_of(r->t.v[i + 1].w), yy = (int)r->t.v[i + 2].num;
                if (yy < 2022 || (yy == 2022 && m <= 2)) {
                    e.type = X_TOTAL;
                } else {
                    e.type = X_RANGE;
                    e.from = date_from_ymd(yy, m, 1);
                    e.to = r->as_of;
                }
                e.t1 = i + 3;
                r->t.v[i + 1].used = r->t.v[i + 2].used = 1;
                if (push_x(r, &e) != 0)
                    return -1;
                i += 2;
                continue;
            }
        }
        /* a day */
        if ((end = day_at(r, i, &day, &hy)) > 0) {
            e.type = X_DAY;
            e.day = day;
            e.has_year = hy;
            e.t1 = end;
            for (size_t m = i; m < end; m++)
                r->t.v[m].used = 1;
            if (push_x(r, &e) != 0)
                return -1;
            i = end - 1;
            continue;
        }
        /* month [year]: "in January 2025", "у січні 2025 року", "in October", "за жовтень" */
        if (k->type == T_WORD && month_of(k->w) && (strcmp(k->w, "may") != 0 || k->cap) &&
            i > a && word_in(r, i - 1, (const char *const[]){"in", "during", "for",
                                                             "throughout", "у", "в", "за",
                                                             "протягом", NULL})) {
            int m = month_of(k->w);
            size_t e2 = i + 1;
            int yy;
            if (e2 < b && is_year_num(&r->t.v[e2])) {
                yy = (int)r->t.v[e2].num;
                r->t.v[e2].used = 1;
                e2++;
                if (word_in(r, e2, (const char *const[]){"року", "р", "рік", NULL}))
                    e2++;
            } else {
                yy = y;
                if (m > mm)
                    yy--;
            }
            e.type = X_RANGE;
            month_range(yy, m, &e.from, &e.to);
            if (e.to > r->as_of && e.from <= r->as_of)
                e.to = r->as_of;
            e.t1 = e2;
            k = &r->t.v[i];
            r->t.v[i].used = 1;
            if (push_x(r, &e) != 0)
                return -1;
            i = e2 - 1;
            continue;
        }
        /* relative words */
        if (word_in(r, i, (const char *const[]){"today", "сьогодні", "tonight", NULL}) ||
            (word_in(r, i, (const char *const[]){"past", "last", "previous", "минулу",
                                                 "останню", "минулі", "останні", NULL}) &&
             ((i + 1 < b && r->t.v[i + 1].type == T_NUM && r->t.v[i + 1].num == 24 &&
               word_in(r, i + 2, (const char *const[]){"hours", "години", "годин", NULL})) ||
              word_in(r, i + 1, (const char *const[]){"day", "добу", NULL}))) ||
            (word_is(r, i, "за") && word_is(r, i + 1, "добу")) ||
            (word_is(r, i, "overnight"))) {
            e.type = X_DAY;
            e.day = r->as_of;
            e.relative = 1;
            size_t skip = (i + 2 < b && r->t.v[i + 1].type == T_NUM) ? 3 : 1;
            for (size_t m = i; m < i + skip && m < b; m++)
                r->t.v[m].used = 1;
            e.t1 = i + skip;
            if (push_x(r, &e) != 0)
                return -1;
            i = e.t1 - 1;
            continue;
        }
        if (word_in(r, i, (const char *const[]){"yesterday", "вчора", "учора", NULL})) {
            e.type = X_DAY;
            e.day = r->as_of - 1;
            e.relative = 1;
            e.t1 = i + 1;
            if (push_x(r, &e) != 0)
                return -1;
            continue;
        }
        /* this/last week, month, year; past N days */
        {
            static const char *const this_w[] = {"this", "цього", "цей", "поточного", "current",
                                                 NULL};
            static const char *const last_w[] = {"last", "past", "previous", "минулого",
                                                 "минулий", "попереднього", "останній", NULL};
            int is_this = word_in(r, i, this_w), is_last = word_in(r, i, last_w);
            size_t j = i + 1;
            if (word_is(r, i, "за") && (word_in(r, j, this_w) || word_in(r, j, last_w))) {
                is_this = word_in(r, j, this_w);
                is_last = !is_this;
                j++;
            }
            if ((is_this || is_last) && j < b) {
                const char *w = r->t.v[j].type == T_WORD ? r->t.v[j].w : "";
                int unit = in_list(w, (const char *const[]){"week", "тижня", "тиждень", NULL}) ? 1
                         : in_list(w, (const char *const[]){"month", "місяця", "місяць", NULL}) ? 2
                         : in_list(w, (const char *const[]){"year", "року", "рік", NULL}) ? 3 : 0;
                int back = i > a && word_in(r, i - 1, (const char *const[]){"earlier", NULL});
                if (unit) {
                    e.type = X_RANGE;
                    e.relative = 1;
                    if (unit == 1 && is_this) {
                        e.from = r->as_of - (date_weekday(r->as_of) - 1);
                        e.to = r->as_of;
                    } else if (unit == 1) {
                        if (strcmp(r->t.v[i].w, "past") == 0) {
                            e.from = r->as_of - 6;
                            e.to = r->as_of;
                        } else {
                            e.to = r->as_of - date_weekday(r->as_of);
                            e.from = e.to - 6;
                        }
                    } else if (unit == 2 && is_this) {
                        e.from = date_from_ymd(y, mm, 1);
                        e.to = r->as_of;
                    } else if (unit == 2) {
                        month_range(mm == 1 ? y - 1 : y, mm == 1 ? 12 : mm - 1, &e.from, &e.to);
                    } else if (is_this) {
                        e.from = date_from_ymd(y, 1, 1);
                        e.to = r->as_of;
                    } else {
                        e.from = date_from_ymd(y - 1, 1, 1);
                        e.to = date_from_ymd(y - 1, 12, 31);
                    }
                    e.by_value = back;
                    e.t1 = j + 1;
                    for (size_t m = i; m <= j; m++)
                        r->t.v[m].used = 1;
                    if (push_x(r, &e) != 0)
                        return -1;
                    i = j;
                    continue;
                }
                if (j < b && r->t.v[j].type == T_NUM && !r->t.v[j].sep && r->t.v[j].num > 0 &&
                    r->t.v[j].num <= 400 &&
                    word_in(r, j + 1, (const char *const[]){"days", "днів", "дні", "доби",
                                                            NULL})) {
                    e.type = X_RANGE;
                    e.relative = 1;
                    e.from = r->as_of - (int)r->t.v[j].num + 1;
                    e.to = r->as_of;
                    e.t1 = j + 2;
                    for (size_t m = i; m < j + 2; m++)
                        r->t.v[m].used = 1;
                    if (push_x(r, &e) != 0)
                        return -1;
                    i = j + 1;
                    continue;
                }
            }
        }
        /* totals */
        if (word_in(r, i, total_words) ||
            (word_is(r, i, "so") && word_is(r, i + 1, "far")) ||
            (word_is(r, i, "to") && word_is(r, i + 1, "date")) ||
            (word_in(r, i, (const char *const[]){"з", "від", NULL}) &&
             word_in(r, i + 1, (const char *const[]){"початку", NULL}))) {
            e.type = X_TOTAL;
            e.t1 = i + 1;
            if (push_x(r, &e) != 0)
                return -1;
            continue;
        }
        /* "in 2024", "у 2024 році": a year */
        if (is_year_num(k) && i > a && !k->used &&
            word_in(r, i - 1, (const char *const[]){"in", "during", "у", "в", "за", NULL}) &&
            !(i + 1 < b && r->t.v[i + 1].type == T_WORD &&
              check_lex_match((const char *const[]){r->t.v[i + 1].w}, 1, &end) >= 0)) {
            e.type = X_RANGE;
            e.from = date_from_ymd((int)k->num, 1, 1);
            e.to = date_from_ymd((int)k->num, 12, 31);
            if (e.to > r->as_of && e.from <= r->as_of)
                e.to = r->as_of;
            e.t1 = i + 1;
            r->t.v[i].used = 1;
            if (push_x(r, &e) != 0)
                return -1;
        }
    }
    return 0;
}

/* ---- figures ------------------------------------------------------------------------------ */

typedef struct cand {
    size_t ti;            /* the number's token */
    int64_t v;
    int qual;
    size_t q0;            /* first token of the quote */
    size_t c0, c1;        /* category phrase tokens [c0, c1), c1 == 0: none */
    int cat;              /* lexicon index or -1 */
    int outer;            /* 1: N of "N (+M)"; 2: M */
    size_t last;          /* last token of the number (with a multiplier) */
} cand;

/* Lexicon match at token j: words from j on, '-' and '/' skipped. Returns the lexicon
 * index (and *end, the token after the phrase) or -1. */
static int lex_at(const reader *r, size_t j, size_t b, size_t *end)
{
    const char *words[10];
    size_t at[10], n = 0;
    for (size_t i = j; i < b && n < 10; i++) {
        const tok *k = &r->t.v[i];
        if (k->type == T_WORD) {
            at[n] = i;
            words[n++] = k->w;
        } else if (!(k->type == T_PUNCT && (k->p == '-' || k->p == '/' || k->p == 0x2010) &&
                     n > 0)) {
            break;
        }
    }
    if (n == 0 || r->t.v[j].type != T_WORD)
        return -1;
    size_t used;
    int c = check_lex_match(words, n, &used);
    if (c >= 0)
        *end = at[used - 1] + 1;
    return c;
}

static int qualifier_before(const reader *r, size_t i, size_t a, size_t *q0)
{
    static const struct { const char *w1, *w2; int q; } qs[] = {
        {"more", "than", CHECK_Q_MORE}, {"over", NULL, CHECK_Q_MORE},
        {"above", NULL, CHECK_Q_MORE}, {"exceeding", NULL, CHECK_Q_MORE},
        {"понад", NULL, CHECK_Q_MORE}, {"більше", "ніж", CHECK_Q_MORE},
        {"більш", "ніж", CHECK_Q_MORE}, {"більш", "як", CHECK_Q_MORE},
        {"більше", NULL, CHECK_Q_MORE}, {"least", NULL, CHECK_Q_ATLEAST},
        {"щонайменше", NULL, CHECK_Q_ATLEAST}, {"принаймні", NULL, CHECK_Q_ATLEAST},
        {"less", "than", CHECK_Q_LESS}, {"fewer", "than", CHECK_Q_LESS},
        {"under", NULL, CHECK_Q_LESS}, {"below", NULL, CHECK_Q_LESS},
        {"менше", "ніж", CHECK_Q_LESS}, {"менше", NULL, CHECK_Q_LESS},
        {"up", "to", CHECK_Q_UPTO}, {"до", NULL, CHECK_Q_UPTO},
        {"about", NULL, CHECK_Q_ABOUT}, {"around", NULL, CHECK_Q_ABOUT},
        {"approximately", NULL, CHECK_Q_ABOUT}, {"roughly", NULL, CHECK_Q_ABOUT},
        {"some", NULL, CHECK_Q_ABOUT}, {"estimated", NULL, CHECK_Q_ABOUT},
        {"близько", NULL, CHECK_Q_ABOUT}, {"приблизно", NULL, CHECK_Q_ABOUT},
        {"орієнтовно", NULL, CHECK_Q_ABOUT}, {"майже", NULL, CHECK_Q_NEARLY},
        {"nearly", NULL, CHECK_Q_NEARLY}, {"almost", NULL, CHECK_Q_NEARLY},
        {"ledve", NULL, CHECK_Q_NEARLY}};
    if (i <= a)
        return CHECK_Q_EXACT;
    size_t p = i - 1;
    if (r->t.v[p].type != T_WORD)
        return CHECK_Q_EXACT;
    for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
        if (qs[k].w2 == NULL) {
            if (strcmp(r->t.v[p].w, qs[k].w1) == 0) {
                if (qs[k].q == CHECK_Q_ATLEAST && !(p > a && word_is(r, p - 1, "at")))
                    continue;
                *q0 = qs[k].q == CHECK_Q_ATLEAST && strcmp(qs[k].w1, "least") == 0 ? p - 1 : p;
                return qs[k].q;
            }
        } else if (p > a && strcmp(r->t.v[p].w, qs[k].w2) == 0 &&
                   word_is(r, p - 1, qs[k].w1)) {
            *q0 = p - 1;
            return qs[k].q;
        }
    }
    return CHECK_Q_EXACT;
}

/* Is the number at token i (a T_NUM) something other than a loss figure: money, a
 * percentage, an age, a decimal without a multiplier? Sets *mult and *last. */
static int not_a_figure(const reader *r, size_t i, size_t b, int64_t *mult, size_t *last)
{
    static const char *const money[] = {"billion", "billions", "bn", "млрд", "мільярд*",
        "dollars", "dollar", "usd", "доларів", "долари", "euros", "euro", "євро", "гривень",
        "грн", "гривні", "рублів", "roubles", "rubles", "pounds", NULL};
    static const char *const age[] = {"years", "year", "років", "роки", "рік", "old", "річн*",
        "літн*", "percent", "per", "відсот*", "%", "km", "kilometres", "kilometers", "miles",
        "км", "кілометр*", "metres", "meters", "hours", "minutes", "днів", "days", "weeks",
        "months", "тижн*", "місяц*", "годин*", "хвилин*", "брига*", "brigade", NULL};
    const tok *k = &r->t.v[i];
    *mult = 1;
    *last = i;
    if (k->ordinal || k->pct || k->num < 0)
        return 1;
    if (i > 0) {
        const tok *p = &r->t.v[i - 1];
        if (p->type == T_PUNCT && (p->p == '$' || p->p == 0x20AC || p->p == 0xA3 ||
                                   p->p == 0x20B4 || p->p == 0x20BD || p->p == '#' ||
                                   p->p == 0x2116))
            return 1;
        if (p->type == T_WORD && (strcmp(p->w, "usd") == 0 || strcmp(p->w, "us") == 0 ||
                                  strcmp(p->w, "no") == 0 || strcmp(p->w, "№") == 0))
            return 1;
    }
    size_t j = i + 1;
    if (j < b && r->t.v[j].type == T_WORD &&
        in_list(r->t.v[j].w, (const char *const[]){"thousand", "thousands", "тисяч*", "тис",
                                                   NULL})) {
        *mult = 1000;
        *last = j;
        j++;
        if (punct_is(r, j, '.') && !(j + 1 < r->t.n && r->t.v[j + 1].nl_before))
            j++;
    } else if (j < b && r->t.v[j].type == T_WORD &&
               in_list(r->t.v[j].w, (const char *const[]){"million", "millions", "мільйон*",
                                                          "млн", NULL})) {
        *mult = 1000000;
        *last = j;
        j++;
    }
    if (k->dec && *mult == 1)
        return 1;
    if (punct_is(r, j, '-') && j + 1 < b && word_in(r, j + 1, age))
        return 1;
    if (j < b && (word_in(r, j, money) || word_in(r, j, age) || punct_is(r, j, '%')))
        return 1;
    return 0;
}

/* The category after the number (past fillers and capitalised words): sets c->cat, c0, c1. */
static void category_after(const reader *r, cand *c, size_t b)
{
    static const char *const fillers[] = {"russian", "russia's", "enemy", "enemy's", "more",
        "additional", "other", "of", "pieces", "piece", "units", "unit", "items", "new", "its",
        "their", "the", "occupiers'", "invading", "kremlin's", "moscow's", "російських",
        "ворожих", "ворожої", "одиниць", "одиниці", "од", "рф", "окупаційних", "their",
        "military", "north", "korean", "північнокорейських", "північнокорейські",
        "killed", "wounded", "dead", NULL};
    size_t j = c->last + 1;
    c->cat = -1;
    c->c1 = 0;
    for (int skips = 0; j < b && skips <= 4; skips++) {
        size_t end;
        if (r->t.v[j].type == T_PUNCT && (r->t.v[j].p == '-' || r->t.v[j].p == 0x2010) &&
            !r->t.v[j].space_before) {
            j++;
            continue;
        }
        if (r->t.v[j].type != T_WORD)
            return;
        int cat = lex_at(r, j, b, &end);
        if (cat >= 0) {
            c->cat = cat;
            c->c0 = j;
            c->c1 = end;
            return;
        }
        if (!in_list(r->t.v[j].w, fillers) && !r->t.v[j].cap)
            return;
        j++;
    }
}

/* The nearest category phrase before the number in [a, ti) with no other number between
 * and not already a figure's. */
static void category_before(const reader *r, cand *c, size_t a, const unsigned char *owned)
{
    size_t lo = c->q0 > a + 12 ? c->q0 - 12 : a; /* a few words back, no further */
    for (size_t j = c->q0; j-- > lo;) {
        const tok *k = &r->t.v[j];
        if (k->type == T_NUM && !k->used && !k->ordinal)
            return;
        if (k->type != T_WORD || owned[j])
            continue;
        size_t end;
        int cat = lex_at(r, j, c->q0, &end);
        if (cat >= 0) {
            c->cat = cat;
            c->c0 = j;
            c->c1 = end;
            return;
        }
    }
}

static check_figure *fig_push(check_reading *o)
{
    check_figure *v = array_room(o->figs, o->n, &o->cap, sizeof *v, 16);
    if (v == NULL)
        return NULL;
    o->figs = v;
    check_figure *f = &o->figs[o->n++];
    memset(f, 0, sizeof *f);
    f->date = f->from = f->to = f->window_from = f->window_to = f->rank_from = DATE_NONE;
    f->rank_value = STATS_NONE;
    return f;
}

static void fig_span(const reader *r, check_figure *f, size_t t0, size_t t1)
{
    f->bstart = r->t.v[t0].b0;
    f->start = r->t.v[t0].c0;
    f->bend = r->t.v[t1].b1;
    f->end = r->t.v[t1].c1;
}

static int has_word(const reader *r, size_t a, size_t b, const char *const *list)
{
    for (size_t i = a; i < b; i++)
        if (word_in(r, i, list))
            return 1;
    return 0;
}

static int deployment_cue(const reader *r, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++)
        if ((word_is(r, i, "north") && word_in(r, i + 1, (const char *const[]){"korea*", NULL})) ||
            word_in(r, i, (const char *const[]){"pyongyang", "кндр", "північнокорейськ*",
                                                "northkorean", NULL}) ||
            (word_is(r, i, "північної") && word_is(r, i + 1, "кореї")))
            return 1;
    return 0;
}

/* A superlative of a rank: sets *rank (1 without an ordinal) and the cue's tokens. */
static int rank_cue(const reader *r, size_t a, size_t b, int *rank, size_t *k0, size_t *k1)
{
    static const char *const sup[] = {"highest", "greatest", "largest", "biggest", "worst",
        "deadliest", "heaviest", "bloodiest", "record", "costliest", "найбільш*", "найвищ*",
        "рекорд*", "найважч*", "найкривавіш*", NULL};
    static const char *const dayw[] = {"day", "daily", "добу", "день", "доба", "денн*", "дня",
        "днів", "single", NULL};
    if (!has_word(r, a, b, dayw) &&
        !has_word(r, a, b, (const char *const[]){"record", "рекорд*", NULL}))
        return 0;
    for (size_t i = a; i < b; i++) {
        if (!word_in(r, i, sup) && !(word_is(r, i, "за") && word_is(r, i + 1, "величиною")))
            continue;
        *rank = 1;
        *k0 = i;
        *k1 = i;
        for (size_t j = i; j > a && j + 4 > i; j--) {
            const tok *t = &r->t.v[j - 1];
            if (t->type == T_NUM && t->ordinal && t->num >= 1 && t->num <= 1000) {
                *rank = (int)t->num;
                *k0 = j - 1;
                t = NULL;
                break;
            }
        }
        if (word_is(r, i, "за"))
            *k1 = i + 1;
        /* "... single day", "day" right after */
        for (size_t j = *k1 + 1; j < b && j <= *k1 + 2; j++)
            if (word_in(r, j, dayw)) {
                *k1 = j;
                if (word_is(r, j, "single") && word_is(r, j + 1, "day"))
                    *k1 = j + 1;
                break;
            }
        return 1;
    }
    return 0;
}

static size_t dist(size_t x, size_t y)
{
    return x > y ? x - y : y - x;
}

/* Reads sentence [a, b). *ctx: the day named last (carried between sentences). */
static int read_sentence(reader *r, size_t a, size_t b, int *ctx, unsigned char *owned)
{
    size_t x0 = r->nx;
    if (find_times(r, a, b) != 0)
        return -1;
    /* clauses */
    int clause = 0;
    for (size_t i = a; i < b; i++) {
        tok *k = &r->t.v[i];
        if (k->type == T_PUNCT && !k->used &&
            (k->p == ',' || k->p == ';' || k->p == ':' || k->p == '(' || k->p == ')' ||
             k->p == 0x2014 || k->p == 0x2013 || k->p == 0x2012 || (k->p == '-' && k->space_before)))
            clause++;
        k->clause = clause;
    }
    for (size_t x = x0; x < r->nx; x++)
        r->x[x].clause = r->t.v[r->x[x].t0].clause;
    /* candidates */
    cand cs[64];
    size_t nc = 0;
    for (size_t i = a; i < b && nc < 64; i++) {
        tok *k = &r->t.v[i];
        if (k->type != T_NUM || k->used)
            continue;
        cand c = {.ti = i, .q0 = i, .cat = -1};
        int64_t mult;
        if (not_a_figure(r, i, b, &mult, &c.last))
            continue;
        c.v = k->num * mult;
        c.qual = qualifier_before(r, i, a, &c.q0);
        /* "N (+M)": the increase */
        if (punct_is(r, c.last + 1, '(')) {
            size_t j = c.last + 2;
            if (punct_is(r, j, '+'))
                j++;
            if (j < b && r->t.v[j].type == T_NUM && !r->t.v[j].dec && punct_is(r, j + 1, ')')) {
                c.outer = 1;
                r->t.v[j].used = 1;
                category_after(r, &c, b);
                cs[nc++] = c;
                if (nc < 64) {
                    cand d = {.ti = j, .q0 = j, .last = j, .v = r->t.v[j].num, .cat = -1,
                              .outer = 2};
                    cs[nc++] = d;
                }
                i = j + 1;
                continue;
            }
        }
        if (k->wordnum && k->num > 999) /* words make at most "nine hundred ninety-nine" */
            continue;
        category_after(r, &c, b);
        if (k->wordnum && c.cat < 0)
            continue;
        if (c.cat < 0 && c.v >= 100 && !is_year_num(k) && deployment_cue(r, a, b))
            c.cat = -2; /* "up to 12,000 (North Korean troops)": a deployment figure */
        if (c.cat >= 0)
            for (size_t j = c.c0; j < c.c1; j++)
                owned[j] = 1;
        cs[nc++] = c;
    }
    for (size_t i = 0; i < nc; i++) {
        if (cs[i].cat >= 0 || cs[i].cat == -2 || cs[i].outer == 2)
            continue;
        if (is_year_num(&r->t.v[cs[i].ti]) && cs[i].qual == CHECK_Q_EXACT)
            continue;
        category_before(r, &cs[i], a, owned);
        if (cs[i].cat >= 0)
            for (size_t j = cs[i].c0; j < cs[i].c1; j++)
                owned[j] = 1;
    }
    static const char *const toll[] = {"losses", "toll", "casualties", "втрати", "втрат",
                                       "record", NULL};
    int ranked = rank_cue(r, a, b, &(int){0}, &(size_t){0}, &(size_t){0});
    for (size_t i = 0; i < nc; i++)
            if (cs[i].cat == -1 && cs[i].outer == 0 &&
                !(is_year_num(&r->t.v[cs[i].ti]) && cs[i].qual == CHECK_Q_EXACT) &&
                (ranked || has_word(r, cs[i].q0 > a + 4 ? cs[i].q0 - 4 : a, cs[i].q0, toll))) {
                /* "..., and the highest in a single day was 1,740", "bringing total losses
                 * to 685,910", "the death toll hit 1,740": the sentence's category, else
                 * personnel */
                for (size_t j = cs[i].ti; j-- > a && cs[i].cat < 0;) {
                    size_t end;
                    if (r->t.v[j].type == T_WORD && owned[j])
                        cs[i].cat = lex_at(r, j, b, &end);
                }
                if (cs[i].cat < 0)
                    cs[i].cat = 0;
            }
    for (size_t i = 0; i < nc; i++)
        if (cs[i].outer == 2 && i > 0) {
            cs[i].cat = cs[i - 1].cat;
            cs[i].c0 = cs[i - 1].c0;
            cs[i].c1 = cs[i - 1].c1;
        }
    int deploy = deployment_cue(r, a, b);
    int rank = 0;
    size_t k0 = 0, k1 = 0;
    int is_rank = rank_cue(r, a, b, &rank, &k0, &k1);
    int sentence_day = DATE_NONE, first_daily = -1;
    size_t best_dist = 0;
    for (size_t x = x0; x < r->nx; x++)
        if (r->x[x].type == X_DAY || (r->x[x].type == X_TOTAL && r->x[x].day != DATE_NONE))
            sentence_day = r->x[x].day;
    for (size_t i = 0; i < nc; i++) {
        cand *c = &cs[i];
        if (c->cat == -2 && deploy)
            c->cat = 0; /* personnel: judged as a deployment below */
        if (c->cat < 0)
            continue;
        int cl = r->t.v[c->ti].clause;
        const texpr *day = NULL, *range = NULL;
        int total = 0, own = 0;
        for (int pass = 0; pass < 2 && !own; pass++)
            for (size_t x = x0; x < r->nx; x++) {
                const texpr *e = &r->x[x];
                if (pass == 0 && e->clause != cl)
                    continue;
                own = 1;
                if (e->type == X_TOTAL) {
                    total = 1;
                    if (e->day != DATE_NONE && day == NULL)
                        day = e;
                } else if (e->type == X_RANGE && range == NULL) {
                    range = e;
                } else if (e->type == X_DAY) {
                    if (day == NULL || e->t0 < c->ti ||
                        (day->t0 > c->ti && e->t0 < day->t0))
                        day = e;
                }
            }
        check_figure *f = fig_push(r->out);
        if (f == NULL)
            return -1;
        const char *id = check_lex_id(c->cat);
        f->category = id;
        f->cat_known = c->cat;
        f->value = c->v;
        f->qual = c->qual;
        size_t q0 = c->q0, q1 = c->last;
        if (c->outer == 2) { /* "(+7)" */
            while (q0 > a && q0 + 2 > c->ti && r->t.v[q0 - 1].type == T_PUNCT)
                q0--;
            if (punct_is(r, q1 + 1, ')'))
                q1++;
        } else if (c->c1 > 0) {
            if (c->c0 < q0 && c->c1 + 3 >= q0) /* "tanks ‒ 9097", not half a sentence */
                q0 = c->c0;
            if (c->c1 - 1 > q1)
                q1 = c->c1 - 1;
        }
        const texpr *used = day != NULL ? day : range;
        if (used != NULL && used->clause == cl && c->outer == 0) {
            if (used->t0 < q0 && used->t1 >= q0)
                q0 = used->t0;
            if (used->t1 - 1 > q1 && used->t0 > q1 && used->t0 <= q1 + 2) /* "... on Oct 25" */
                q1 = used->t1 - 1;
        }
        fig_span(r, f, q0, q1);
        int d = day ? day->day : DATE_NONE;
        if (day && day->relative)
            f->relative = 1;
        if (c->outer) {
            f->kind = c->outer == 1 ? CHECK_TOTAL : CHECK_DAILY;
            f->date = d != DATE_NONE ? d : *ctx != DATE_NONE ? *ctx : r->as_of;
        } else if (deploy && strcmp(id, "personnel") == 0) {
            f->kind = CHECK_DEPLOYMENT;
            f->category = "";
            memcpy(f->country, "KP", 3);
            f->date = r->as_of;
        } else if (total) {
            f->kind = CHECK_TOTAL;
            f->date = d != DATE_NONE ? d : *ctx != DATE_NONE ? *ctx : r->as_of;
        } else if (range && !(is_rank && range->by_value) && !range->by_value) {
            f->kind = CHECK_PERIOD;
            f->from = range->from;
            f->to = range->to;
        } else if (day) {
            f->kind = CHECK_DAILY;
            f->date = d;
        } else if (is_rank || (range && range->by_value)) {
            f->kind = CHECK_DAILY;
            f->date_by_value = 1;
            f->window_from = range ? range->from : DATE_WAR_START;
            f->window_to = range ? range->to : r->as_of;
        } else {
            f->kind = CHECK_DAILY;
            f->date = *ctx != DATE_NONE ? *ctx : r->as_of;
            f->relative = *ctx == DATE_NONE;
        }
        /* the rank is of the daily figure nearest its superlative */
        if (f->kind == CHECK_DAILY && c->outer == 0 && is_rank &&
            (first_daily < 0 || dist(c->ti, k1) < best_dist)) {
            first_daily = (int)(r->out->n - 1);
            best_dist = dist(c->ti, k1);
        }
    }
    if (is_rank) {
        check_figure *base = first_daily >= 0 ? &r->out->figs[first_daily] : NULL;
        int cat = base ? base->cat_known : -1;
        if (cat < 0)
            for (size_t i = a; i < b && cat < 0; i++) {
                size_t end;
                if (r->t.v[i].type == T_WORD)
                    cat = lex_at(r, i, b, &end);
            }
        check_figure rf;
        memset(&rf, 0, sizeof rf);
        if (base)
            rf = *base;
        check_figure *f = fig_push(r->out);
        if (f == NULL)
            return -1;
        if (base) {
            *f = rf;
            f->rank_value = rf.value;
        } else {
            f->date = sentence_day != DATE_NONE ? sentence_day : r->as_of;
        }
        f->kind = CHECK_RANK;
        f->value = rank;
        f->qual = CHECK_Q_EXACT;
        f->cat_known = cat < 0 ? 0 : cat;
        f->category = check_lex_id(f->cat_known);
        fig_span(r, f, k0, k1);
    }
    for (size_t x = x0; x < r->nx; x++)
        if (r->x[x].type == X_DAY && !r->x[x].relative)
            *ctx = r->x[x].day;
    return 0;
}

static int cmp_fig(const void *a, const void *b)
{
    const check_figure *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start ? 1 : x->kind - y->kind;
}

static int is_abbrev(const tok *k)
{
    static const char *const ab[] = {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
        "sept", "oct", "nov", "dec", "mr", "mrs", "dr", "st", "vs", "no", "р", "тис", "ст",
        "ім", "т", "п", "км", "gen", "lt", "col", "sgt", NULL};
    return k->type == T_WORD && (in_list(k->w, ab) || strlen(k->w) == 1);
}

int check_read(const char *text, size_t len, int as_of, int latest, check_reading *out)
{
    reader r = {.text = text, .len = len, .out = out, .latest = latest};
    unsigned char *owned = NULL;
    int rc = CHECK_ENOMEM;
    memset(out, 0, sizeof *out);
    if (tokenize(text, len, &r.t) != 0)
        goto cleanup;
    number_words(&r.t);
    owned = calloc(r.t.n + 1, 1);
    if (owned == NULL)
        goto cleanup;
    /* the date the text speaks from */
    out->as_of_given = as_of != DATE_NONE;
    if (as_of == DATE_NONE) {
        r.as_of = latest;
        if (find_times(&r, 0, r.t.n) != 0)
            goto cleanup;
        int best = DATE_NONE;
        for (size_t i = 0; i < r.nx; i++)
            if (r.x[i].has_year) {
                int d = r.x[i].type == X_RANGE ? r.x[i].to : r.x[i].day;
                if (d != DATE_NONE && d > best)
                    best = d;
            }
        as_of = best != DATE_NONE && best < latest ? best : latest;
        r.nx = 0;
        for (size_t i = 0; i < r.t.n; i++)
            r.t.v[i].used = 0;
    }
    r.as_of = out->as_of = as_of;
    /* sentences */
    int ctx = DATE_NONE;
    size_t s0 = 0;
    for (size_t i = 0; i <= r.t.n; i++) {
        int brk = i == r.t.n || (i > s0 && r.t.v[i].nl_before);
        if (!brk && r.t.v[i].type == T_PUNCT &&
            (r.t.v[i].p == '.' || r.t.v[i].p == '!' || r.t.v[i].p == '?' || r.t.v[i].p == 0x2026) &&
            (i + 1 == r.t.n || r.t.v[i + 1].space_before) && !(i > 0 && is_abbrev(&r.t.v[i - 1]) &&
                                                              r.t.v[i].p == '.')) {
            if (read_sentence(&r, s0, i + 1, &ctx, owned) != 0)
                goto cleanup;
            s0 = i + 1;
            if (s0 < r.t.n && r.t.v[s0].nl_before)
                ctx = DATE_NONE;
            continue;
        }
        if (brk && i > s0) {
            if (read_sentence(&r, s0, i, &ctx, owned) != 0)
                goto cleanup;
            s0 = i;
        }
    }
    if (out->n > 1)
        qsort(out->figs, out->n, sizeof *out->figs, cmp_fig);
    rc = CHECK_OK;
cleanup:
    if (rc != CHECK_OK) {
        free(out->figs);
        memset(out, 0, sizeof *out);
    }
    free(owned);
    free(r.t.v);
    free(r.x);
    return rc;
}
