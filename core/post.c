/* The ministry's daily post (plain text) -> post_report. Contract: include/attrition/post.h.
 *
 * What is accepted. The text must be at most POST_MAX_TEXT bytes of valid UTF-8 without NUL
 * bytes; a leading BOM is skipped. Lines end at "\n"; "\r", tabs, NBSP, U+2000..U+200B, U+202F,
 * U+205F, U+3000 and U+FEFF are whitespace; each line is trimmed and blank lines are skipped.
 * Until the date is found, each line is first tried as the heading:
 *
 *   heading = ... "to" ws+ D.M.YYYY ...      "to" (or the Ukrainian "по") in any case, as a
 *                                            word; day and month of
 *                                            1-2 digits, year of 4 (or 2: 20YY) digits not
 *                                            followed by a digit. The date must exist.
 *
 * Every other line is an entry, an error or ignored:
 *
 *   entry     = label sep ws* [qualifier ws*] number [tail]
 *   sep       = a dash: - U+2010..U+2015 (‐ ‑ ‒ – — ―) U+2212 (−) U+FE58 U+FE63 U+FF0D, or ':'
 *   qualifier = "about" | "approximately"             -> "about"
 *             | "more than" | "over" | "more"          -> "more"      (any case, whole words)
 *             | близько | орієнтовно -> "about", понад | більше -> "more" (the Ukrainian post)
 *   number    = digits | d{1,3} (gsep ddd)+          gsep one of , space U+00A0 U+2009 U+202F,
 *                                                    the same throughout; at most POST_MAX_VALUE
 *   tail      = any mix of: unit words (letters, after whitespace or ")"), and at most once
 *               ws* "(" ws* [+ or dash] ws* number ws* ")" (no sign: positive);
 *               then optionally one of . , ; ! at the very end
 *   label     = at least one letter; leading list bullets ("• ", "* ", "- ") are dropped,
 *               whitespace runs become one space; at most 127 bytes; unique (ASCII case-folded)
 *
 * Choosing the separator, since labels may hold '-' ("anti-aircraft") and '/' ("ships / boats"):
 *   1. a "spaced" dash: whitespace on both sides, or ending the line, with a letter to its
 *      left. The first one followed by a figure (a digit, a qualifier, or nothing) is the
 *      separator, and what follows it must parse. A line with spaced dashes none of which is
 *      followed by a figure is an error too: a label and a dash but no number ("Glory to
 *      Ukraine – Glory to the Heroes" included).
 *   2. without a spaced dash, the last dash or ':' (with a letter to its left) that is followed
 *      by a digit or a qualifier and after which the rest parses ("tanks–9097",
 *      "anti-aircraft-982", "tanks: 9097"); if some are followed by a digit or qualifier but
 *      none parses, the line is an error.
 *   3. anything else is ignored (kept in post_report.ignored with its line number).
 */
#include "attrition/post.h"
#include "array.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrition/date.h"
#include "attrition/text.h"


enum { QUAL_NONE = 0, QUAL_ABOUT, QUAL_MORE };

enum { NUM_OK = 0, NUM_NONE, NUM_TOO_LARGE };

enum rhs_error {
    RHS_OK = 0,
    RHS_NO_NUMBER,     /* no digit where the total belongs */
    RHS_TOO_LARGE,     /* the total exceeds POST_MAX_VALUE */
    RHS_BAD_INCREASE,  /* "(" not followed by [sign] number ")" */
    RHS_INC_TOO_LARGE, /* the increase exceeds POST_MAX_VALUE */
    RHS_TRAILING       /* text after the total that is no unit, increase or final stop */
};

/* What follows an entry's separator; at/at_len locate the offending text on failure. */
struct rhs {
    int error;
    int qualifier;
    int64_t total;
    int has_increase;
    int64_t increase;
    size_t at, at_len;
};

/* The parser's state. report moves to the caller on success. */
struct parser {
    post_report report;
    size_t cap_entries, cap_ignored;
    uint32_t *table;   /* hash set of entry index + 1 (0: free slot), keyed by folded label */
    size_t table_size; /* a power of two, at least twice the number of lines */
    int have_date;
    char *err;
    size_t errlen;
};

/* ---- errors ---------------------------------------------------------------------------- */

/* Messages go through text_message (include/attrition/text.h). */

/* ---- characters ------------------------------------------------------------------------ */

/* The code point at s[i] (i < n) and its length in *len. Malformed bytes (impossible after
 * text_check, but cheap to guard) read as one U+FFFD each. */
static uint32_t cp_at(const char *s, size_t n, size_t i, size_t *len)
{
    uint32_t cp = 0xFFFD;
    size_t l = text_utf8_decode((const unsigned char *)s + i, n - i, &cp);

    *len = l ? l : 1;
    return l ? cp : 0xFFFD;
}

static int is_space_cp(uint32_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == 0xA0 ||
           (c >= 0x2000 && c <= 0x200B) || c == 0x202F || c == 0x205F || c == 0x3000 ||
           c == 0xFEFF;
}

static int is_dash_cp(uint32_t c)
{
    return c == '-' || (c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0xFE58 ||
           c == 0xFE63 || c == 0xFF0D;
}

/* Characters that may start a list item: "• tanks – 9097". Dashes count too. */
static int is_bullet_cp(uint32_t c)
{
    return c == '*' || c == 0xB7 || c == 0x2022 || c == 0x2023 || c == 0x2043 ||
           c == 0x25AA || c == 0x25CF || c == 0x25E6 || is_dash_cp(c);
}

/* Thousands separators inside a number. */
static int is_group_cp(uint32_t c)
{
    return c == ',' || c == ' ' || c == 0xA0 || c == 0x2009 || c == 0x202F;
}

/* ASCII letters, and the letters of Latin-1 to Greek, Cyrillic and beyond (U+00C0..U+1FFF
 * without × and ÷); punctuation, symbols and emoji are not letters. */
static int is_letter_cp(uint32_t c)
{
    return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
           (c >= 0xC0 && c < 0x2000 && c != 0xD7 && c != 0xF7);
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* The index of the first non-whitespace character at or after i (n if none). */
static size_t skip_space(const char *s, size_t n, size_t i)
{
    size_t l;

    while (i < n && is_space_cp(cp_at(s, n, i, &l)))
        i += l;
    return i;
}

/* Sets [*a, *b) to s[0..n) without leading and trailing whitespace. */
static void trim(const char *s, size_t n, size_t *a, size_t *b)
{
    size_t i, l;

    *a = skip_space(s, n, 0);
    *b = *a;
    for (i = *a; i < n; i += l) {
        if (!is_space_cp(cp_at(s, n, i, &l)))
            *b = i + l;
    }
}

/* s[0..n) quoted for an error message: whitespace runs become one space (none at the ends),
 * then text_quote's rule (at most TEXT_QUOTE_MAX bytes, "...", '?'). out: TEXT_QUOTE_SIZE. */
static void quote(const char *s, size_t n, char out[TEXT_QUOTE_SIZE])
{
    char flat[TEXT_QUOTE_MAX + 8]; /* a little more than fits: text_quote then says "..." */
    size_t i, l, o = 0;
    int space = 0;

    for (i = 0; i < n && o + 5 < sizeof flat; i += l) {
        uint32_t c = cp_at(s, n, i, &l);
        if (is_space_cp(c)) {
            space = o > 0;
            continue;
        }
        if (space)
            flat[o++] = ' ';
        space = 0;
        memcpy(flat + o, s + i, l);
        o += l;
    }
    text_quote(flat, o, out);
}

/* ---- the whole text -------------------------------------------------------------------- */

/* Rejects NUL bytes and malformed UTF-8, naming line and byte column, and text that is all
 * whitespace. Contract in post.h. */
int post_text_check(const char *text, size_t len, char *err, size_t errlen)
{
    size_t i = 0, line_start = 0, l;
    int line = 1;
    uint32_t c;

    text_message(err, errlen, "%s", "");
    if (text == NULL && len > 0) {
        text_message(err, errlen, "no text");
        return POST_EINVAL;
    }
    while (i < len) {
        unsigned char b = (unsigned char)text[i];

        if (b == '\0') {
            text_message(err, errlen, "line %d: NUL byte at column %zu", line, i - line_start + 1);
            return POST_EINVAL;
        }
        if (b == '\n') {
            line++;
            line_start = ++i;
            continue;
        }
        l = text_utf8_decode((const unsigned char *)text + i, len - i, &c);
        if (l == 0) {
            text_message(err, errlen, "line %d: invalid UTF-8 at column %zu (byte 0x%02X)", line,
                         i - line_start + 1, b);
            return POST_EINVAL;
        }
        i += l;
    }
    for (i = 0; i < len; i += l) {
        l = 1;
        if (text[i] != '\n' && !is_space_cp(cp_at(text, len, i, &l)))
            break;
    }
    if (i >= len) {
        text_message(err, errlen, "the text is empty");
        return POST_EINVAL;
    }
    return POST_OK;
}

/* ---- numbers, qualifiers, increases ---------------------------------------------------- */

/* Reads a number at s[i..n): a run of digits, or 1-3 digits followed by groups of a
 * thousands separator and exactly three digits (the same separator each time). Returns
 * NUM_OK with *value and *end (index after it); NUM_NONE if s[i] is not a digit; or
 * NUM_TOO_LARGE, with *end after all its digits, if it exceeds POST_MAX_VALUE. */
static int number_read(const char *s, size_t n, size_t i, int64_t *value, size_t *end)
{
    int64_t v = 0;
    int big = 0;
    size_t j = i, l;
    uint32_t sep = 0, c;

    if (i >= n || !is_digit(s[i]))
        return NUM_NONE;
    while (j < n && is_digit(s[j])) {
        int d = s[j++] - '0';

        if (big || v > (POST_MAX_VALUE - d) / 10)
            big = 1;
        else
            v = v * 10 + d;
    }
    while (j - i <= 3 || sep != 0) {
        size_t k;

        if (j >= n)
            break;
        c = cp_at(s, n, j, &l);
        if (!is_group_cp(c) || (sep != 0 && c != sep))
            break;
        k = j + l;
        if (n - k < 3 || !is_digit(s[k]) || !is_digit(s[k + 1]) || !is_digit(s[k + 2]) ||
            (n - k > 3 && is_digit(s[k + 3])))
            break;
        sep = c;
        for (j = k; j < k + 3; j++) {
            int d = s[j] - '0';

            if (big || v > (POST_MAX_VALUE - d) / 10)
                big = 1;
            else
                v = v * 10 + d;
        }
    }
    *end = j;
    if (big)
        return NUM_TOO_LARGE;
    *value = v;
    return NUM_OK;
}

/* If the ASCII word (lower case) is at s[i], in any case and not followed by a letter,
 * returns the index after it; otherwise 0. */
static size_t word_match(const char *s, size_t n, size_t i, const char *word)
{
    size_t wl = strlen(word), k, l;

    if (i > n || wl > n - i)
        return 0;
    for (k = 0; k < wl; k++) {
        if (ascii_lower(s[i + k]) != word[k])
            return 0;
    }
    if (i + wl < n && is_letter_cp(cp_at(s, n, i + wl, &l)))
        return 0;
    return i + wl;
}

/* If a qualifier starts at s[i], sets *q and returns the index after it and its whitespace;
 * otherwise sets *q to QUAL_NONE and returns i. */
static size_t qualifier_read(const char *s, size_t n, size_t i, int *q)
{
    static const struct {
        const char *word;
        int q;
    } words[] = {
        {"approximately", QUAL_ABOUT}, {"about", QUAL_ABOUT}, {"over", QUAL_MORE},
        {"more", QUAL_MORE},
        /* the Ukrainian post: близько, орієнтовно, понад, більше (lower case) */
        {"\xD0\xB1\xD0\xBB\xD0\xB8\xD0\xB7\xD1\x8C\xD0\xBA\xD0\xBE", QUAL_ABOUT},
        {"\xD0\xBE\xD1\x80\xD1\x96\xD1\x94\xD0\xBD\xD1\x82\xD0\xBE\xD0\xB2\xD0\xBD"
         "\xD0\xBE", QUAL_ABOUT},
        {"\xD0\xBF\xD0\xBE\xD0\xBD\xD0\xB0\xD0\xB4", QUAL_MORE},
        {"\xD0\xB1\xD1\x96\xD0\xBB\xD1\x8C\xD1\x88\xD0\xB5", QUAL_MORE},
    };
    size_t w, k, than;

    for (w = 0; w < sizeof words / sizeof words[0]; w++) {
        k = word_match(s, n, i, words[w].word);
        if (k == 0)
            continue;
        if (words[w].q == QUAL_MORE && (than = word_match(s, n, skip_space(s, n, k), "than")))
            k = than;
        *q = words[w].q;
        return skip_space(s, n, k);
    }
    *q = QUAL_NONE;
    return i;
}

/* Whether what follows a separator at s[i..n) looks like an attempt at a figure: a digit,
 * a qualifier, or (if empty_counts) nothing at all. */
static int rhs_looks_numeric(const char *s, size_t n, size_t i, int empty_counts)
{
    int q;

    i = skip_space(s, n, i);
    if (i >= n)
        return empty_counts;
    if (is_digit(s[i]))
        return 1;
    qualifier_read(s, n, i, &q);
    return q != QUAL_NONE;
}

/* Reads "(" ws* [+ or dash] ws* number ws* ")" at s[i] == '(' into r. Returns the index after
 * ")" or 0 with r->error set. */
static size_t increase_read(const char *s, size_t n, size_t i, struct rhs *r)
{
    const char *close = memchr(s + i, ')', n - i);
    size_t k = skip_space(s, n, i + 1), end = 0, l;
    int neg = 0, rc;
    int64_t v = 0;

    if (k < n) {
        uint32_t c = cp_at(s, n, k, &l);

        if (c == '+') {
            k = skip_space(s, n, k + 1);
        } else if (is_dash_cp(c)) {
            neg = 1;
            k = skip_space(s, n, k + l);
        }
    }
    rc = number_read(s, n, k, &v, &end);
    if (rc == NUM_TOO_LARGE) {
        r->error = RHS_INC_TOO_LARGE;
        r->at = k;
        r->at_len = end - k;
        return 0;
    }
    if (rc == NUM_OK)
        k = skip_space(s, n, end);
    if (rc == NUM_NONE || k >= n || s[k] != ')') {
        r->error = RHS_BAD_INCREASE;
        r->at = i;
        r->at_len = close ? (size_t)(close - s) + 1 - i : n - i;
        return 0;
    }
    r->has_increase = 1;
    r->increase = neg ? -v : v;
    return k + 1;
}

/* Parses what follows a separator, s[i..n), into r (r->error says whether it did). */
static void rhs_parse(const char *s, size_t n, size_t i, struct rhs *r)
{
    size_t end = 0, k, l;
    int rc, after_word_gap;

    memset(r, 0, sizeof *r);
    i = qualifier_read(s, n, skip_space(s, n, i), &r->qualifier);
    rc = number_read(s, n, i, &r->total, &end);
    if (rc != NUM_OK) {
        r->error = rc == NUM_NONE ? RHS_NO_NUMBER : RHS_TOO_LARGE;
        r->at = i;
        r->at_len = rc == NUM_NONE ? n - i : end - i;
        return;
    }
    i = end;
    for (;;) {
        k = skip_space(s, n, i);
        if (k >= n)
            return;
        after_word_gap = k > i || s[i - 1] == ')';
        if (s[k] == '(' && !r->has_increase) {
            i = increase_read(s, n, k, r);
            if (i == 0)
                return;
        } else if (after_word_gap && is_letter_cp(cp_at(s, n, k, &l))) {
            for (i = k; i < n && is_letter_cp(cp_at(s, n, i, &l)); i += l) {
            }
        } else if ((s[k] == '.' || s[k] == ',' || s[k] == ';' || s[k] == '!') &&
                   skip_space(s, n, k + 1) >= n) {
            return;
        } else {
            r->error = RHS_TRAILING;
            r->at = k;
            r->at_len = n - k;
            return;
        }
    }
}

/* ---- lines ------------------------------------------------------------------------------ */

/* Reads up to max digits at s[*i] into *v, advancing *i. Returns how many it read. */
static size_t digits_read(const char *s, size_t n, size_t *i, size_t max, int *v)
{
    size_t c = 0;

    *v = 0;
    while (c < max && *i < n && is_digit(s[*i])) {
        *v = *v * 10 + (s[*i] - '0');
        (*i)++;
        c++;
    }
    return c;
}

/* Reads D.M.YYYY (or D.M.YY) at s[i], not followed by a digit. Returns 1 with the parts and
 * *end, or 0. Does not check that the date exists. */
static int date_read(const char *s, size_t n, size_t i, int *y, int *m, int *d, size_t *end)
{
    size_t nd, nm, ny;

    nd = digits_read(s, n, &i, 2, d);
    if (nd == 0 || i >= n || s[i] != '.')
        return 0;
    i++;
    nm = digits_read(s, n, &i, 2, m);
    if (nm == 0 || i >= n || s[i] != '.')
        return 0;
    i++;
    ny = digits_read(s, n, &i, 4, y);
    if ((ny != 2 && ny != 4) || (i < n && is_digit(s[i])))
        return 0;
    if (ny == 2)
        *y += 2000;
    *end = i;
    return 1;
}

/* Looks for the report date ("to" D.M.YYYY) in the trimmed line s[0..n). Returns 1 (date
 * stored), 0 (no date on this line) or POST_EINVAL (err set: not a calendar date). */
static int heading_try(struct parser *ps, const char *s, size_t n, int line)
{
    size_t i, l, k, end = 0;
    uint32_t prev = ' ', c;
    int y, m, d;

    for (i = 0; i < n; i += l, prev = c) {
        size_t w = 2; /* "to", or the Ukrainian "по" (4 bytes) */
        c = cp_at(s, n, i, &l);
        if (is_letter_cp(prev) || (prev >= '0' && prev <= '9'))
            continue;
        if (i + 4 <= n && (c == 0x43F || c == 0x41F) &&
            (memcmp(s + i + 2, "\xD0\xBE", 2) == 0 || memcmp(s + i + 2, "\xD0\x9E", 2) == 0))
            w = 4;
        else if ((c | 0x20) != 't' || i + 1 >= n || ascii_lower(s[i + 1]) != 'o')
            continue;
        k = skip_space(s, n, i + w);
        if (k == i + w || !date_read(s, n, k, &y, &m, &d, &end))
            continue;
        if (y < 1 || m < 1 || m > 12 || d < 1 || d > date_days_in_month(y, m)) {
            text_message(ps->err, ps->errlen, "line %d: %.*s is not a calendar date", line,
                         (int)(end - k), s + k);
            return POST_EINVAL;
        }
        ps->report.date = date_from_ymd(y, m, d);
        ps->report.date_line = line;
        ps->have_date = 1;
        return 1;
    }
    return 0;
}

/* Writes the label s[0..n) into out (POST_LABEL_SIZE bytes): trimmed, leading bullets
 * dropped, whitespace runs as one space. Returns the length it needs; if that is
 * POST_LABEL_SIZE or more, out holds a cut-down copy. */
static size_t label_collapse(const char *s, size_t n, char out[POST_LABEL_SIZE])
{
    size_t a, b, i, l, k, o = 0, need = 0;
    int space = 0, full = 0;

    trim(s, n, &a, &b);
    while (a < b && is_bullet_cp(cp_at(s, b, a, &l)) && (k = skip_space(s, b, a + l)) > a + l)
        a = k;
    for (i = a; i < b; i += l) {
        uint32_t c = cp_at(s, b, i, &l);

        if (is_space_cp(c)) {
            space = 1;
            continue;
        }
        if (space) {
            if (!full && o + 1 < POST_LABEL_SIZE)
                out[o++] = ' ';
            need++;
            space = 0;
        }
        if (!full && o + l < POST_LABEL_SIZE) {
            memcpy(out + o, s + i, l);
            o += l;
        } else {
            full = 1;
        }
        need += l;
    }
    out[o] = '\0';
    return need;
}

static uint32_t label_hash(const char *label)
{
    uint32_t h = 2166136261u;

    for (; *label; label++)
        h = (h ^ (unsigned char)ascii_lower(*label)) * 16777619u;
    return h;
}

static int label_eq(const char *a, const char *b)
{
    for (; *a && ascii_lower(*a) == ascii_lower(*b); a++, b++) {
    }
    return ascii_lower(*a) == ascii_lower(*b);
}

/* Returns the slot of label in ps->table: the one holding it, or the free one it would take. */
static size_t table_slot(const struct parser *ps, const char *label)
{
    size_t mask = ps->table_size - 1, i = label_hash(label) & mask;

    while (ps->table[i] != 0 && !label_eq(ps->report.entries[ps->table[i] - 1].label, label))
        i = (i + 1) & mask;
    return i;
}

/* Records the entry whose separator starts at s[sep] with figures r. Returns POST_OK,
 * POST_EINVAL (label too long or repeated; err set) or POST_ENOMEM. */
static int entry_add(struct parser *ps, const char *s, size_t sep, const struct rhs *r, int line)
{
    post_report *rep = &ps->report;
    post_entry e;
    size_t slot;
    char q[TEXT_QUOTE_SIZE];

    memset(&e, 0, sizeof e);
    if (label_collapse(s, sep, e.label) >= POST_LABEL_SIZE) {
        quote(e.label, strlen(e.label), q);
        text_message(ps->err, ps->errlen, "line %d: label '%s' is longer than %d bytes", line, q,
                     POST_LABEL_SIZE - 1);
        return POST_EINVAL;
    }
    slot = table_slot(ps, e.label);
    if (ps->table[slot] != 0) {
        quote(e.label, strlen(e.label), q);
        text_message(ps->err, ps->errlen, "line %d: label '%s' appears twice (first on line %d)",
                     line, q, rep->entries[ps->table[slot] - 1].line);
        return POST_EINVAL;
    }
    post_entry *grown = array_room(rep->entries, rep->n_entries, &ps->cap_entries,
                                   sizeof *grown, 16);
    if (grown == NULL) {
        text_message(ps->err, ps->errlen, "out of memory");
        return POST_ENOMEM;
    }
    rep->entries = grown;
    e.total = r->total;
    e.has_increase = r->has_increase;
    e.increase = r->increase;
    snprintf(e.qualifier, sizeof e.qualifier, "%s",
             r->qualifier == QUAL_ABOUT ? "about" : r->qualifier == QUAL_MORE ? "more" : "");
    e.line = line;
    rep->entries[rep->n_entries++] = e;
    ps->table[slot] = (uint32_t)rep->n_entries;
    return POST_OK;
}

/* Doubles the room for ignored lines. Returns POST_OK or POST_ENOMEM (nothing lost). */
static int ignored_grow(struct parser *ps)
{
    post_report *rep = &ps->report;
    size_t cap_lines = ps->cap_ignored, cap_numbers = ps->cap_ignored; /* parallel arrays */
    char **lines = array_room(rep->ignored, rep->n_ignored, &cap_lines, sizeof *lines, 8);
    if (lines == NULL)
        return POST_ENOMEM;
    rep->ignored = lines;
    int *numbers = array_room(rep->ignored_line, rep->n_ignored, &cap_numbers,
                              sizeof *numbers, 8);
    if (numbers == NULL)
        return POST_ENOMEM; /* lines grew, cap_ignored did not: the next call grows again */
    rep->ignored_line = numbers;
    ps->cap_ignored = cap_numbers;
    return POST_OK;
}

/* Keeps a copy of the trimmed line s[0..n) in report.ignored. Returns POST_OK or
 * POST_ENOMEM (err set). */
static int ignored_add(struct parser *ps, const char *s, size_t n, int line)
{
    post_report *rep = &ps->report;
    char *copy = NULL;

    if (rep->n_ignored < ps->cap_ignored || ignored_grow(ps) == POST_OK)
        copy = malloc(n + 1);
    if (copy == NULL) {
        text_message(ps->err, ps->errlen, "out of memory");
        return POST_ENOMEM;
    }
    memcpy(copy, s, n);
    copy[n] = '\0';
    rep->ignored[rep->n_ignored] = copy;
    rep->ignored_line[rep->n_ignored++] = line;
    return POST_OK;
}

/* Explains why the text after the separator s[sep..sep+sep_len) does not parse (r).
 * Returns POST_EINVAL. */
static int entry_fail(struct parser *ps, const char *s, size_t sep, size_t sep_len,
                      const struct rhs *r, int line)
{
    char head[TEXT_QUOTE_SIZE], what[TEXT_QUOTE_SIZE], label[POST_LABEL_SIZE], lq[TEXT_QUOTE_SIZE];

    quote(s, sep + sep_len, head);
    quote(s + r->at, r->at_len, what);
    label_collapse(s, sep, label);
    quote(label, strlen(label), lq);
    switch (r->error) {
    case RHS_NO_NUMBER:
        quote(s, r->at, head); /* up to where the number belongs: "tanks – about" */
        if (what[0] == '\0')
            text_message(ps->err, ps->errlen, "line %d: expected a number after '%s'", line, head);
        else
            text_message(ps->err, ps->errlen, "line %d: expected a number after '%s', found '%s'",
                         line, head, what);
        break;
    case RHS_TOO_LARGE:
        text_message(ps->err, ps->errlen, "line %d: total %s is too large", line, what);
        break;
    case RHS_INC_TOO_LARGE:
        text_message(ps->err, ps->errlen, "line %d: increase %s is too large", line, what);
        break;
    case RHS_BAD_INCREASE:
        text_message(ps->err, ps->errlen,
                     "line %d: cannot read the increase '%s' of '%s': expected (+N) or (-N)", line,
                     what, lq);
        break;
    default:
        text_message(ps->err, ps->errlen, "line %d: unexpected '%s' after the total of '%s'", line,
                     what, lq);
        break;
    }
    return POST_EINVAL;
}

/* Reads the trimmed, non-heading line s[0..n) as an entry, an error or an ignored line (see
 * the grammar at the top). Returns POST_OK, POST_EINVAL (err set) or POST_ENOMEM. */
static int entry_try(struct parser *ps, const char *s, size_t n, int line)
{
    struct rhs r, last;
    size_t i, l, l2, first_sep = 0, first_len = 0, last_sep = 0, last_len = 0;
    uint32_t c, prev = ' ';
    int lettered = 0, spaced = 0, found = 0;

    /* 1: the first spaced dash followed by a figure (or ending the line) is the separator. */
    for (i = 0; i < n; i += l, prev = c) {
        c = cp_at(s, n, i, &l);
        if (lettered && is_dash_cp(c) &&
            (i + l >= n || (is_space_cp(prev) && is_space_cp(cp_at(s, n, i + l, &l2))))) {
            if (rhs_looks_numeric(s, n, i + l, 1)) {
                rhs_parse(s, n, i + l, &r);
                if (r.error != RHS_OK)
                    return entry_fail(ps, s, i, l, &r, line);
                return entry_add(ps, s, i, &r, line);
            }
            if (!spaced) {
                first_sep = i, first_len = l, spaced = 1;
            }
        }
        if (is_letter_cp(c))
            lettered = 1;
    }
    if (spaced) { /* a label and a dash, but no figure after any such dash */
        rhs_parse(s, n, first_sep + first_len, &r);
        return entry_fail(ps, s, first_sep, first_len, &r, line);
    }

    /* 2: any dash or ':' followed by a figure; the last that parses wins, else the last. */
    lettered = 0;
    memset(&last, 0, sizeof last);
    for (i = 0; i < n; i += l) {
        c = cp_at(s, n, i, &l);
        if (lettered && (is_dash_cp(c) || c == ':') && rhs_looks_numeric(s, n, i + l, 0)) {
            rhs_parse(s, n, i + l, &r);
            if (r.error == RHS_OK || !found || last.error != RHS_OK) {
                last = r, last_sep = i, last_len = l, found = 1;
            }
        }
        if (is_letter_cp(c))
            lettered = 1;
    }
    if (found && last.error == RHS_OK)
        return entry_add(ps, s, last_sep, &last, line);
    if (found)
        return entry_fail(ps, s, last_sep, last_len, &last, line);

    /* 3: not an entry. */
    return ignored_add(ps, s, n, line);
}

/* ---- public ----------------------------------------------------------------------------- */

/* Reads every line of text (len bytes, a UTF-8 BOM skipped) into ps: the heading until the
 * date is found, then entries. Returns POST_OK or the first line's error (in ps->err). */
static int parse_lines(struct parser *ps, const char *text, size_t len)
{
    size_t pos = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0, a, b;
    int rc, line = 1;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;

        trim(text + pos, end - pos, &a, &b);
        if (b > a) {
            const char *s = text + pos + a;

            rc = ps->have_date ? 0 : heading_try(ps, s, b - a, line);
            if (rc == 0)
                rc = entry_try(ps, s, b - a, line);
            else if (rc == 1)
                rc = POST_OK;
            if (rc != POST_OK)
                return rc;
        }
        pos = end + 1;
        line++;
    }
    return POST_OK;
}

int post_parse(const char *text, size_t len, post_report *out, char *err, size_t errlen)
{
    struct parser ps;
    size_t lines = 1, i;
    int rc;

    memset(&ps, 0, sizeof ps);
    ps.err = err;
    ps.errlen = errlen;
    text_message(err, errlen, "%s", "");
    if (out == NULL) {
        text_message(err, errlen, "no report to fill");
        rc = POST_EINVAL;
        goto cleanup;
    }
    memset(out, 0, sizeof *out);
    if (len > POST_MAX_TEXT) {
        text_message(err, errlen, "the text is %zu bytes, more than the limit of %d (64 KiB)", len,
                     POST_MAX_TEXT);
        rc = POST_EINVAL;
        goto cleanup;
    }
    rc = post_text_check(text, len, err, errlen);
    if (rc != POST_OK)
        goto cleanup;

    for (i = 0; i < len; i++)
        lines += text[i] == '\n';
    for (ps.table_size = 16; ps.table_size < 2 * lines; ps.table_size *= 2) {
    }
    ps.table = calloc(ps.table_size, sizeof *ps.table);
    if (ps.table == NULL) {
        text_message(err, errlen, "out of memory");
        rc = POST_ENOMEM;
        goto cleanup;
    }

    if ((rc = parse_lines(&ps, text, len)) != POST_OK)
        goto cleanup;

    rc = POST_EINVAL;
    if (!ps.have_date)
        text_message(err, errlen, "no report date: expected 'to DD.MM.YYYY'");
    else if (ps.report.n_entries == 0)
        text_message(err, errlen, "no entries: expected lines like 'tanks – 9097 (+7)'");
    else
        rc = POST_OK;
    if (rc == POST_OK) {
        *out = ps.report;
        memset(&ps.report, 0, sizeof ps.report);
    }

cleanup:
    free(ps.table);
    post_report_free(&ps.report);
    return rc;
}

void post_report_free(post_report *r)
{
    size_t i;

    if (r == NULL)
        return;
    for (i = 0; i < r->n_ignored; i++)
        free(r->ignored[i]);
    free(r->ignored);
    free(r->ignored_line);
    free(r->entries);
    memset(r, 0, sizeof *r);
}
