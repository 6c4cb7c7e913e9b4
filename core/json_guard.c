/* Pre-scan of JSON bytes before parsing. See include/attrition/json_guard.h. */
#include "attrition/json_guard.h"

#include <stdio.h>
#include <string.h>

void json_guard_init(json_guard *g)
{
    memset(g, 0, sizeof *g);
}

int json_guard_feed(json_guard *g, const char *p, size_t len)
{
    for (size_t i = 0; i < len && !g->over; i++) {
        char c = p[i];
        if (g->in_string) {
            if (g->escape)
                g->escape = 0;
            else if (c == '\\')
                g->escape = 1;
            else if (c == '"')
                g->in_string = 0;
            continue;
        }
        switch (c) {
        case '"':
            g->in_string = 1;
            break;
        case '[':
        case '{':
            g->values++;
            if (++g->depth > JSON_GUARD_MAX_DEPTH)
                g->over = 1;
            break;
        case ']':
        case '}':
            if (g->depth > 0)
                g->depth--;
            break;
        case ',':
            g->values++;
            break;
        default:
            break;
        }
        if (g->values > JSON_GUARD_MAX_VALUES)
            g->over = 1;
    }
    return g->over ? -1 : 0;
}

const char *json_guard_why(const json_guard *g, char *out, size_t len)
{
    if (g->depth > JSON_GUARD_MAX_DEPTH)
        snprintf(out, len, "JSON nested more than %d deep", JSON_GUARD_MAX_DEPTH);
    else
        snprintf(out, len, "more than %d JSON values (far beyond any real file)",
                 JSON_GUARD_MAX_VALUES);
    return out;
}
