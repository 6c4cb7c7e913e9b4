/* The response cache: a chained hash table under one mutex, holding refcounted entries.
 * When a put would exceed the byte bound, stale-version entries go first, then everything
 * (answers are cheap to recompute; a simple bound beats an LRU's bookkeeping here). */
#include "cache.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_BUCKETS 4096

struct cache {
    pthread_mutex_t lock;
    size_t max_bytes, bytes, entries;
    uint64_t hits, misses;
    cache_entry *bucket[CACHE_BUCKETS];
};

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static size_t entry_size(const cache_entry *e)
{
    return sizeof *e + strlen(e->key) + e->len + e->gz_len + (e->link ? strlen(e->link) : 0);
}

static void entry_free(cache_entry *e)
{
    for (size_t i = 0; i < CACHE_REPLIES; i++)
        if (e->reply[i])
            MHD_destroy_response(e->reply[i]);
    free(e->key);
    free(e->link);
    free(e->body);
    free(e->gz);
    free(e);
}

void cache_entry_release(cache_entry *e)
{
    if (e && __atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL) == 0)
        entry_free(e);
}

void cache_entry_hold(cache_entry *e)
{
    __atomic_add_fetch(&e->refs, 1, __ATOMIC_RELAXED);
}

struct cache *cache_new(size_t max_bytes)
{
    struct cache *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    pthread_mutex_init(&c->lock, NULL);
    c->max_bytes = max_bytes;
    return c;
}

/* Drops entries (all, or only those older than version). Call with the lock held. */
static void evict(struct cache *c, int all, uint64_t version)
{
    for (size_t b = 0; b < CACHE_BUCKETS; b++) {
        cache_entry **pp = &c->bucket[b];
        while (*pp) {
            cache_entry *e = *pp;
            if (all || e->version < version) {
                *pp = e->next;
                c->bytes -= entry_size(e);
                c->entries--;
                cache_entry_release(e);
            } else {
                pp = &e->next;
            }
        }
    }
}

void cache_free(struct cache *c)
{
    if (c == NULL)
        return;
    evict(c, 1, 0);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

cache_entry *cache_get(struct cache *c, const char *key, uint64_t version)
{
    if (c == NULL || c->max_bytes == 0)
        return NULL;
    cache_entry *found = NULL;
    size_t b = hash_key(key) % CACHE_BUCKETS;
    pthread_mutex_lock(&c->lock);
    for (cache_entry *e = c->bucket[b]; e; e = e->next)
        if (e->version == version && strcmp(e->key, key) == 0) {
            found = e;
            __atomic_add_fetch(&e->refs, 1, __ATOMIC_RELAXED);
            break;
        }
    if (found)
        c->hits++;
    else
        c->misses++;
    pthread_mutex_unlock(&c->lock);
    return found;
}

static char *memdup(const char *p, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, p, n);
        d[n] = '\0';
    }
    return d;
}

void cache_put(struct cache *c, const char *key, uint64_t version, const char *content_type,
               const char *etag, const char *link, const char *body, size_t len,
               const char *gz, size_t gz_len, int64_t last_modified)
{
    if (c == NULL || c->max_bytes == 0)
        return;
    cache_entry *e = calloc(1, sizeof *e);
    if (e == NULL)
        return;
    e->refs = 1;
    e->version = version;
    e->key = strdup(key);
    e->body = memdup(body, len);
    e->len = len;
    e->gz = gz ? memdup(gz, gz_len) : NULL;
    e->gz_len = gz ? gz_len : 0;
    e->link = link ? strdup(link) : NULL;
    e->last_modified = last_modified;
    strncpy(e->content_type, content_type, sizeof e->content_type - 1);
    strncpy(e->etag, etag, sizeof e->etag - 1);
    size_t size = entry_size(e);
    if (!e->key || !e->body || (gz && !e->gz) || (link && !e->link) || size > c->max_bytes / 4) {
        entry_free(e);
        return;
    }
    size_t b = hash_key(key) % CACHE_BUCKETS;
    pthread_mutex_lock(&c->lock);
    /* An answer of an older data version never replaces a newer one of the same key (a
     * request still rendering at v must not undo the entry warmed for v+1). */
    for (cache_entry *o = c->bucket[b]; o; o = o->next)
        if (o->version > version && strcmp(o->key, key) == 0) {
            pthread_mutex_unlock(&c->lock);
            entry_free(e);
            return;
        }
    if (c->bytes + size > c->max_bytes)
        evict(c, 0, version);
    if (c->bytes + size > c->max_bytes)
        evict(c, 1, 0);
    /* Replace an entry of the same key. */
    for (cache_entry **pp = &c->bucket[b]; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->key, key) == 0) {
            cache_entry *old = *pp;
            *pp = old->next;
            c->bytes -= entry_size(old);
            c->entries--;
            cache_entry_release(old);
            break;
        }
    e->next = c->bucket[b];
    c->bucket[b] = e;
    c->bytes += size;
    c->entries++;
    pthread_mutex_unlock(&c->lock);
}

void cache_stats(struct cache *c, uint64_t *hits, uint64_t *misses, size_t *bytes, size_t *entries)
{
    pthread_mutex_lock(&c->lock);
    *hits = c->hits;
    *misses = c->misses;
    *bytes = c->bytes;
    *entries = c->entries;
    pthread_mutex_unlock(&c->lock);
}
