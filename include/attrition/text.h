#ifndef ATTRITION_TEXT_H
#define ATTRITION_TEXT_H

/* Small text helpers shared by core and server: the one UTF-8 decoder, the one way to write
 * an error message into a caller's buffer, the one rule for quoting client text in a
 * message, and the one UTC timestamp format. Nothing here allocates. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes one strict UTF-8 sequence (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF) at s[0..n), n >= 1. Returns its length 1..4 and sets *cp (cp may be
 * NULL), or 0 when the bytes there do not start one (then *cp is untouched). */
size_t text_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* 1 when s[0..n) is well-formed UTF-8 throughout, else 0. */
int text_utf8_valid(const char *s, size_t n);

/* Cuts a NUL-terminated string that truncation may have cut inside a UTF-8 sequence back
 * to the last whole sequence (so that Jansson takes it). */
void text_utf8_trim(char *s);

/* Replaces, in place, each byte of s that is not part of well-formed UTF-8, and each ASCII
 * control character (0x00-0x1F, 0x7F: a newline a client sent, say), with '?', so that text
 * from elsewhere, such as a Jansson error quoting the body, keeps a message on one line of
 * valid UTF-8. */
void text_utf8_scrub(char *s);

/* Writes a printf message into out (len bytes; nothing when out is NULL or len is 0), cut
 * at a UTF-8 boundary when it does not fit. Every core module writes its "err"/"detail"
 * buffers with it. */
void text_message(char *out, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with a va_list (for a module's own printf-like wrapper). */
void text_vmessage(char *out, size_t len, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* The quoting rule for client text inside a message: at most TEXT_QUOTE_MAX bytes of whole
 * UTF-8 sequences, then "..." when cut; '?' for each control character and each byte that
 * is not part of well-formed UTF-8. Reads s[0..n), writes out (TEXT_QUOTE_SIZE bytes) and
 * returns it. text_quote_str is the same for a NUL-terminated s (NULL quotes as ""). */
#define TEXT_QUOTE_MAX 64
#define TEXT_QUOTE_SIZE (TEXT_QUOTE_MAX + 4)
const char *text_quote(const char *s, size_t n, char out[TEXT_QUOTE_SIZE]);
const char *text_quote_str(const char *s, char out[TEXT_QUOTE_SIZE]);

/* The current UTC time as "YYYY-MM-DDTHH:MM:SSZ" into out (TEXT_ISO_SIZE bytes); returns out. */
#define TEXT_ISO_SIZE 21
char *text_now_iso(char out[TEXT_ISO_SIZE]);

#endif
