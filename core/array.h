#ifndef ATTRITION_ARRAY_H
#define ATTRITION_ARRAY_H

/* Growing arrays in core, the one way: the caller keeps (items, n, cap) and asks for room for
 * one more element before appending. */

#include <stdlib.h>

/* Room for element n of the array items (cap elements of size bytes allocated): when
 * n < *cap returns items unchanged; otherwise a larger copy (*cap doubled, `first` at
 * first) that replaces items, or NULL when memory is short, with items and *cap unchanged
 * and still the caller's (never p = realloc(p, ...)). */
static inline void *array_room(void *items, size_t n, size_t *cap, size_t size, size_t first)
{
    if (n < *cap)
        return items;
    size_t ncap = *cap ? *cap * 2 : first;
    void *grown = realloc(items, ncap * size);
    if (grown != NULL)
        *cap = ncap;
    return grown;
}

#endif
