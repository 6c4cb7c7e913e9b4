#ifndef ATTRITION_CACHE_H
#define ATTRITION_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct MHD_Response;

#define CACHE_REPLIES 4 /* prebuilt replies per entry: 200 identity, 200 gzip, 304 of each */

/* Rendered answers kept per normalised request key and data version, bounded in bytes.
 * An entry is valid only for the data version it was computed from: a write bumps the
 * version and every older entry stops matching (and is dropped at the next insertion). */

typedef struct cache_entry {
    int refs;
    char *key;
    uint64_t version;
    char content_type[64];
    char etag[24];          /* "\"<16 hex digits>\"" */
    char *link;             /* Link header or NULL */
    char *body;
    size_t len;
    char *gz;               /* gzip variant or NULL */
    size_t gz_len;
    int64_t last_modified;
    /* Replies built from this entry on first use (reply.c), pointing at body and gz without
     * a copy; NULL until then. The entry owns them (destroyed with it), and a connection
     * sending one holds a reference to the entry until the request completes. */
    struct MHD_Response *reply[CACHE_REPLIES];
    struct cache_entry *next; /* hash chain */
} cache_entry;

struct cache;

/* A cache of at most max_bytes (0 disables it). NULL on ENOMEM. */
struct cache *cache_new(size_t max_bytes);
void cache_free(struct cache *c);

/* The entry for key computed at data version `version`, with a reference the caller
 * releases with cache_entry_release; NULL if absent or stale. */
cache_entry *cache_get(struct cache *c, const char *key, uint64_t version);

/* Inserts a copy of the answer (key, body, gz, link copied). Silently does nothing when it
 * does not fit or memory is short. */
void cache_put(struct cache *c, const char *key, uint64_t version, const char *content_type,
               const char *etag, const char *link, const char *body, size_t len,
               const char *gz, size_t gz_len, int64_t last_modified);

void cache_entry_release(cache_entry *e);
/* Takes one more reference to e (released with cache_entry_release). */
void cache_entry_hold(cache_entry *e);

/* Counters for metrics and tests. */
void cache_stats(struct cache *c, uint64_t *hits, uint64_t *misses, size_t *bytes, size_t *entries);

#endif
