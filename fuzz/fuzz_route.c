/* libFuzzer target for the router: the input, cut at its first NUL like the path
 * libmicrohttpd hands over, is matched against every pattern of route_table() with
 * route_match. A match must bind one non-empty, slash-free parameter per "{name}" segment,
 * and putting the parameters back into the pattern must give the path exactly. A parameter
 * buffer too small must make the match fail, never overflow. Among the routes of one method
 * that match, the first has the fewest parameters ("/v1/daily/latest" before
 * "/v1/daily/{date}"), as the dispatcher relies on. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Number of "{name}" segments of pattern. */
static size_t count_params(const char *pattern)
{
    size_t n = 0;
    for (const char *p = strchr(pattern, '{'); p; p = strchr(p + 1, '{'))
        n++;
    return n;
}

/* pattern with each "{name}" replaced by the next of params; compared with url. */
static int rebuilds(const char *pattern, const char *const *params, const char *url)
{
    size_t k = 0, u = 0;
    for (const char *p = pattern; *p;) {
        if (*p == '{') {
            size_t l = strlen(params[k]);
            if (strncmp(url + u, params[k++], l) != 0)
                return 0;
            u += l;
            p = strchr(p, '}') + 1;
        } else if (url[u++] != *p++) {
            return 0;
        }
    }
    return url[u] == '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *url = malloc(size + 1);
    if (url == NULL)
        return 0;
    memcpy(url, data, size);
    url[size] = '\0';
    size_t n_routes;
    const route *table = route_table(&n_routes);
    for (size_t i = 0; i < n_routes; i++) {
        const char *params[REQ_MAX_PARAMS];
        size_t np = 99;
        char buf[512];
        /* an exact-size heap buffer, so that ASan sees any write past it */
        char *tiny = malloc(8);
        if (tiny == NULL)
            abort();
        int m = route_match(table[i].pattern, url, params, &np, buf, sizeof buf);
        if (m) {
            if (np != count_params(table[i].pattern) || np > REQ_MAX_PARAMS)
                abort();
            for (size_t k = 0; k < np; k++)
                if (params[k][0] == '\0' || strchr(params[k], '/') != NULL)
                    abort();
            if (!rebuilds(table[i].pattern, params, url))
                abort();
            /* the first route of this method that matches has the fewest parameters */
            for (size_t j = 0; j < i; j++) {
                const char *pj[REQ_MAX_PARAMS];
                size_t nj;
                char bj[512];
                if (strcmp(table[j].method, table[i].method) == 0 &&
                    route_match(table[j].pattern, url, pj, &nj, bj, sizeof bj) && nj > np)
                    abort();
            }
        }
        size_t nt = 99;
        if (route_match(table[i].pattern, url, params, &nt, tiny, 8) && (!m || nt != np))
            abort(); /* a small buffer may only make a match fail */
        free(tiny);
    }
    free(url);
    return 0;
}
