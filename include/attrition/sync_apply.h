#ifndef ATTRITION_SYNC_APPLY_H
#define ATTRITION_SYNC_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "attrition/import.h"
#include "attrition/store.h"

/* The database half of a sync round: the server fetches upstream's documents (and turns a
 * v2 API's records into a ministry-style array) without touching the store, then hands the
 * batch to sync_apply, which runs the round's ONE transaction: each source in a savepoint,
 * its documents imported with the rules of import (import.h: revisions, reports written
 * through the API kept and their disagreements stored), validators stored with a
 * successful import, the outcome counted (sync_state.h), the data version bumped when a
 * value changed. */

#define SYNC_APPLY_MAX_DOCS 3

typedef struct sync_apply_doc {
    const char *name;            /* its URL: messages and "sync <URL>" (borrowed) */
    const char *body;            /* borrowed, len bytes */
    size_t len;
    int kind;                    /* the enum import_kind the document must be */
    const char *etag;            /* validators to keep after a successful import; NULL: */
    const char *last_modified;   /* none kept (an api source's pages) */
} sync_apply_doc;

typedef struct sync_apply_source {
    const char *base;            /* the source's URL (borrowed) */
    sync_apply_doc docs[SYNC_APPLY_MAX_DOCS];
    size_t n_docs;               /* 0: nothing to import (not modified, or fetch failed) */
    /* In: already failed (fetching); out: failed while importing. */
    int failed;
    char error[1400];            /* the first failure */
    /* Out: */
    import_result imp;           /* what the import did (free: import_result_free) */
    size_t kept_days;            /* stored days the upstream no longer holds */
    int kept_first;
} sync_apply_source;

typedef struct sync_apply_result {
    int outcome;                 /* enum sync_outcome */
    int failed;                  /* sources failed */
    int changed;                 /* a value changed: the data version moved */
    size_t new_days, values_changed, revisions, api_kept;
} sync_apply_result;

/* Marks s failed with a message (the first failure's message is kept). */
void sync_apply_fail(sync_apply_source *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Runs the round's transaction over src[0..n) (borrowed; each source's results filled).
 * A later source never overwrites a value an earlier one stored (keep_existing). The
 * caller serialises store access (the server holds the store lock). Returns 0 (committed;
 * *res filled), or -1 when the transaction itself failed: rolled back, every source marked
 * failed with the database's message, res->outcome SYNC_FAILED. */
int sync_apply(store *st, sync_apply_source *src, int n, sync_apply_result *res);

/* One sync round at a time across every process sharing the store (PostgreSQL: an
 * advisory lock held by st's connection; SQLite: always granted). sync_round_try_begin sets
 * *got to 1 when this process may run a round (end it with sync_round_end), 0 when another
 * holds the lock. A store status (then *got is 0). Under the store lock. */
int sync_round_try_begin(store *st, int *got);
void sync_round_end(store *st);

#endif
