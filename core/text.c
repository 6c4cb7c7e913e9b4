/* Text helpers (see the contracts in include/attrition/text.h). */
#include "attrition/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

size_t text_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        if (cp)
            *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, v = c & 0x1Fu, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, v = c & 0x0Fu, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, v = c & 0x07u, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    if (cp)
        *cp = v;
    return len;
}

int text_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0, k; i < n; i += k)
        if ((k = text_utf8_decode(p + i, n - i, NULL)) == 0)
            return 0;
    return 1;
}

void text_utf8_trim(char *s)
{
    size_t n = strlen(s), lead = n;
    while (lead > 0 && n - lead < 4 && ((unsigned char)s[lead - 1] & 0xC0) == 0x80)
        lead--;
    if (lead == 0)
        return;
    lead--; /* the byte before the continuation bytes */
    if (text_utf8_decode((const unsigned char *)s + lead, n - lead, NULL) != n - lead)
        s[lead] = '\0';
}

void text_utf8_scrub(char *s)
{
    unsigned char *p = (unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0, k; i < n; i += k)
        if ((k = text_utf8_decode(p + i, n - i, NULL)) == 0 || p[i] < 0x20 || p[i] == 0x7F) {
            p[i] = '?';
            k = 1;
        }
}

void text_vmessage(char *out, size_t len, const char *fmt, va_list ap)
{
    int n;
    if (out == NULL || len == 0)
        return;
    n = vsnprintf(out, len, fmt, ap);
    if (n < 0)
        out[0] = '\0';
    else if ((size_t)n >= len)
        text_utf8_trim(out);
}

void text_message(char *out, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    text_vmessage(out, len, fmt, ap);
    va_end(ap);
}

const char *text_quote(const char *s, size_t n, char out[TEXT_QUOTE_SIZE])
{
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0, i = 0;
    while (i < n) {
        size_t k = text_utf8_decode(p + i, n - i, NULL);
        size_t step = k != 0 ? k : 1;
        if (o + step > TEXT_QUOTE_MAX) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (k == 0 || (k == 1 && (p[i] < 0x20 || p[i] == 0x7F))) {
            out[o++] = '?';
        } else {
            memcpy(out + o, s + i, k);
            o += k;
        }
        i += step;
    }
    out[o] = '\0';
    return out;
}

const char *text_quote_str(const char *s, char out[TEXT_QUOTE_SIZE])
{
    return text_quote(s ? s : "", s ? strlen(s) : 0, out);
}

char *text_now_iso(char out[TEXT_ISO_SIZE])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, TEXT_ISO_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return out;
}
