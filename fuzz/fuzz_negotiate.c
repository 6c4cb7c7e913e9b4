/* libFuzzer target for content negotiation (server/negotiate.c): the input, split at its
 * first newline, is an Accept value and an Accept-Encoding value, as any client may send
 * them. Nothing may crash or read past the text, and the results keep their invariants: q
 * within 0..1000, the chosen type one of those offered and at least as acceptable as the
 * other, a coding from the enumeration, gzip chosen for a body not worth compressing only
 * when identity is excluded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "negotiate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *nl = strchr(text, '\n');
    const char *ae = NULL;
    if (nl) {
        *nl = '\0';
        ae = nl + 1;
    }
    int qj = negotiate_media_q(text, NEGOTIATE_JSON);
    int qc = negotiate_media_q(text, NEGOTIATE_CSV);
    if (qj < 0 || qj > NEGOTIATE_Q_MAX || qc < 0 || qc > NEGOTIATE_Q_MAX)
        abort();
    int pick = negotiate_media(text, negotiate_json_csv, 2);
    if (pick < -1 || pick > 1 || (pick == -1 && (qj > 0 || qc > 0)) ||
        (pick == 0 && qj < qc) || (pick == 1 && qc <= qj))
        abort();
    negotiate_coding small = negotiate_encoding(ae, 0), large = negotiate_encoding(ae, 1);
    if (small > NEGOTIATE_NONE || large > NEGOTIATE_NONE ||
        (small == NEGOTIATE_NONE) != (large == NEGOTIATE_NONE))
        abort();
    if (small == NEGOTIATE_GZIP && large != NEGOTIATE_GZIP)
        abort();
    free(text);
    return 0;
}
