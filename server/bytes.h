#ifndef ATTRITION_BYTES_H
#define ATTRITION_BYTES_H

/* Growing byte buffers in server/, the one way: the caller keeps (buf, cap) and asks for room
 * before appending. */

#include <stdlib.h>

/* Room for `need` bytes in *buf (*cap allocated): when need <= *cap does nothing; otherwise
 * replaces *buf by a larger copy (capacity doubled from 4096 until it holds need) and sets
 * *cap. Returns 0, or -1 when memory is short, with *buf and *cap unchanged and still the
 * caller's (never p = realloc(p, ...)). */
static inline int bytes_room(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 4096;
    while (ncap < need)
        ncap *= 2;
    char *grown = realloc(*buf, ncap);
    if (grown == NULL)
        return -1;
    *buf = grown;
    *cap = ncap;
    return 0;
}

#endif
