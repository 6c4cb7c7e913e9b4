/* Unit tests of the response cache (server/cache.c): entries valid for one data version,
 * the byte bound (stale versions evicted first, then all; an entry over a quarter of the
 * bound refused), reference counts (an entry replaced or evicted while a reader holds it
 * stays readable until released; ASan and valgrind check the frees), and concurrent
 * get/put from several threads. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "cache.h"

TCase *cache_tcase(void);

/* Puts key at version with body text (no gzip, no Link). */
static void put(struct cache *c, const char *key, uint64_t version, const char *body)
{
    cache_put(c, key, version, "application/json", "\"0123456789abcdef\"", NULL, body,
              strlen(body), NULL, 0, 1700000000);
}

/* The body of key at version ("" when absent), copied into out. */
static const char *body_of(struct cache *c, const char *key, uint64_t version, char *out,
                           size_t len)
{
    cache_entry *e = cache_get(c, key, version);
    snprintf(out, len, "%s", e ? e->body : "");
    cache_entry_release(e);
    return out;
}

/* What cache_put counts for an entry of key and body (its contract: struct, key, body). */
static size_t size_of(const char *key, const char *body)
{
    return sizeof(cache_entry) + strlen(key) + strlen(body);
}

START_TEST(versions)
{
    struct cache *c = cache_new(1 << 20);
    char b[64];
    uint64_t hits, misses;
    size_t bytes, entries;
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_null(cache_get(c, "/v1/daily", 1));
    put(c, "/v1/daily", 1, "one");
    ck_assert_str_eq(body_of(c, "/v1/daily", 1, b, sizeof b), "one");
    ck_assert_str_eq(body_of(c, "/v1/daily", 2, b, sizeof b), ""); /* a newer version */
    ck_assert_str_eq(body_of(c, "/v1/daily?x", 1, b, sizeof b), ""); /* another key */
    put(c, "/v1/daily", 2, "two"); /* replaces: one entry per key */
    ck_assert_str_eq(body_of(c, "/v1/daily", 2, b, sizeof b), "two");
    ck_assert_str_eq(body_of(c, "/v1/daily", 1, b, sizeof b), "");
    cache_entry *e = cache_get(c, "/v1/daily", 2);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->content_type, "application/json");
    ck_assert_str_eq(e->etag, "\"0123456789abcdef\"");
    ck_assert_uint_eq(e->len, 3);
    ck_assert_int_eq(e->last_modified, 1700000000);
    cache_entry_release(e);
    cache_stats(c, &hits, &misses, &bytes, &entries);
    ck_assert_uint_eq(hits, 3);   /* one, two, and the entry read above */
    ck_assert_uint_eq(misses, 4); /* the empty cache, version 2, another key, version 1 */
    ck_assert_uint_eq(entries, 1);
    ck_assert_uint_eq(bytes, size_of("/v1/daily", "two"));
    /* An answer rendered at an older version, stored late, never replaces the newer one. */
    put(c, "/v1/daily", 1, "late one");
    ck_assert_str_eq(body_of(c, "/v1/daily", 2, b, sizeof b), "two");
    ck_assert_str_eq(body_of(c, "/v1/daily", 1, b, sizeof b), "");
    cache_stats(c, &hits, &misses, &bytes, &entries);
    ck_assert_uint_eq(entries, 1);
    cache_free(c);
}
END_TEST

START_TEST(disabled)
{
    struct cache *c = cache_new(0);
    ck_assert_ptr_nonnull(c);
    put(c, "/v1/daily", 1, "one");
    ck_assert_ptr_null(cache_get(c, "/v1/daily", 1));
    cache_free(c);
    cache_free(NULL);
    cache_entry_release(NULL);
}
END_TEST

START_TEST(eviction)
{
    char body[1000], b[1024], key[32];
    memset(body, 'x', sizeof body - 1);
    body[sizeof body - 1] = '\0';
    size_t one = size_of("/k0", body);
    /* room for exactly four entries; each is under a quarter of the bound */
    struct cache *c = cache_new(4 * one + one / 2);
    uint64_t hits, misses;
    size_t bytes, entries;
    put(c, "/old", 1, body);              /* a stale version once 2 is current */
    for (int i = 0; i < 3; i++) {
        snprintf(key, sizeof key, "/k%d", i);
        put(c, key, 2, body);
    }
    cache_stats(c, &hits, &misses, &bytes, &entries);
    ck_assert_uint_eq(entries, 4);
    /* the fifth: the stale entry goes, the current ones stay */
    put(c, "/k3", 2, body);
    cache_stats(c, &hits, &misses, &bytes, &entries);
    ck_assert_uint_eq(entries, 4);
    ck_assert_str_eq(body_of(c, "/old", 1, b, sizeof b), "");
    for (int i = 0; i < 4; i++) {
        snprintf(key, sizeof key, "/k%d", i);
        ck_assert_msg(strlen(body_of(c, key, 2, b, sizeof b)) == sizeof body - 1, "%s lost", key);
    }
    /* nothing stale left: the next one over the bound empties the cache first */
    put(c, "/k4", 2, body);
    cache_stats(c, &hits, &misses, &bytes, &entries);
    ck_assert_uint_eq(entries, 1);
    ck_assert_uint_eq(bytes, size_of("/k4", body));
    ck_assert_str_eq(body_of(c, "/k0", 2, b, sizeof b), "");
    cache_free(c);

    /* an answer over a quarter of the bound is not kept at all */
    c = cache_new(3 * one);
    put(c, "/big", 1, body);
    ck_assert_ptr_null(cache_get(c, "/big", 1));
    cache_stats(c, &hits, &misses, &bytes, &entries);
    ck_assert_uint_eq(entries, 0);
    ck_assert_uint_eq(bytes, 0);
    cache_free(c);
}
END_TEST

START_TEST(reference_counts)
{
    struct cache *c = cache_new(1 << 20);
    put(c, "/v1/summary", 7, "first");
    cache_entry *held = cache_get(c, "/v1/summary", 7);
    ck_assert_ptr_nonnull(held);
    ck_assert_int_eq(held->refs, 2); /* the cache's and ours */
    cache_entry *again = cache_get(c, "/v1/summary", 7);
    ck_assert_ptr_eq(again, held);
    ck_assert_int_eq(held->refs, 3);
    cache_entry_release(again);
    /* replaced while held: ours is the last reference, still readable */
    put(c, "/v1/summary", 7, "second");
    ck_assert_int_eq(held->refs, 1);
    ck_assert_str_eq(held->body, "first");
    ck_assert_str_eq(held->key, "/v1/summary");
    cache_entry_release(held); /* freed here (ASan/valgrind: no leak, no double free) */
    cache_entry *now = cache_get(c, "/v1/summary", 7);
    ck_assert_str_eq(now->body, "second");
    /* the cache freed while an entry is held: the entry outlives it */
    cache_free(c);
    ck_assert_int_eq(now->refs, 1);
    ck_assert_str_eq(now->body, "second");
    cache_entry_release(now);
}
END_TEST

#define THREADS 4
#define ROUNDS 3000
#define KEYS 16

typedef struct worker {
    struct cache *c;
    int id;
    long gets, bad;
} worker;

/* Each thread puts and gets keys of KEYS at versions 1..3; a body always names its key and
 * version, so a reader that ever sees another's body counts it as bad. */
static void *work(void *arg)
{
    worker *w = arg;
    char key[32], body[64], want[64];
    unsigned seed = (unsigned)w->id * 2654435761u;
    for (int r = 0; r < ROUNDS; r++) {
        seed = seed * 1103515245u + 12345u;
        int k = (int)(seed >> 16) % KEYS;
        uint64_t v = 1 + (seed >> 8) % 3;
        snprintf(key, sizeof key, "/v1/records?k=%d", k);
        snprintf(want, sizeof want, "body of %s at %llu", key, (unsigned long long)v);
        if ((seed & 3) == 0) {
            put(w->c, key, v, want);
            continue;
        }
        cache_entry *e = cache_get(w->c, key, v);
        w->gets++;
        if (e != NULL) {
            snprintf(body, sizeof body, "%.*s", (int)e->len, e->body);
            if (strcmp(body, want) != 0 || e->version != v)
                w->bad++;
            cache_entry_release(e);
        }
    }
    return NULL;
}

START_TEST(concurrent)
{
    /* small enough that puts keep evicting while others read */
    struct cache *c = cache_new(8 * size_of("/v1/records?k=10", "body of /v1/records?k=10 at 1"));
    pthread_t t[THREADS];
    worker w[THREADS];
    uint64_t hits, misses;
    size_t bytes, entries;
    long gets = 0;
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){c, i + 1, 0, 0};
        ck_assert_int_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        ck_assert_int_eq(pthread_join(t[i], NULL), 0);
        ck_assert_msg(w[i].bad == 0, "thread %d read %ld wrong bodies", i, w[i].bad);
        gets += w[i].gets;
    }
    cache_stats(c, &hits, &misses, &bytes, &entries);
    ck_assert_int_eq((long)(hits + misses), gets);
    ck_assert_uint_gt(hits, 0);
    ck_assert_uint_le(entries, KEYS);
    cache_free(c);
}
END_TEST

TCase *cache_tcase(void)
{
    TCase *tc = tcase_create("cache");
    tcase_set_timeout(tc, 60); /* Check's 4 s default is too short under valgrind */
    tcase_add_test(tc, versions);
    tcase_add_test(tc, disabled);
    tcase_add_test(tc, eviction);
    tcase_add_test(tc, reference_counts);
    tcase_add_test(tc, concurrent);
    return tc;
}
