#ifndef ATTRITION_SYNC_STATE_H
#define ATTRITION_SYNC_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "attrition/store.h"

/* What `attrition sync` keeps in the database (tables sync_url and sync_outcome of
 * config/schema.sql): the validators of every fetched URL, so that an unchanged upstream
 * costs one 304 per file, and how many sync rounds ended how and when, so that every
 * process serving the file (/readyz, /metrics) sees the last sync whoever ran it.
 * None of these bump the data version: sync bookkeeping is not a change of the data.
 * All run inside the caller's transaction (or as one statement in autocommit). */

enum sync_outcome { SYNC_CHANGED, SYNC_UNCHANGED, SYNC_FAILED, SYNC_N_OUTCOMES };

/* "changed", "unchanged", "failed" (the outcome label of /metrics). */
const char *sync_state_outcome_name(int outcome);

/* The stored validators of url: copies ETag and Last-Modified ("" when none) into etag and
 * last_modified. Returns STORE_OK, STORE_ENOTFOUND (never fetched) or STORE_EDB. */
int sync_state_url_get(store *st, const char *url, char *etag, size_t etag_len,
                       char *last_modified, size_t lm_len);

/* Stores the validators of url (NULL or "": none) with fetched_at = now. Returns a store
 * status. */
int sync_state_url_set(store *st, const char *url, const char *etag, const char *last_modified);

/* Counts one round with this outcome at unix time `at`, with a one-line detail (may be
 * NULL), and drops the stored disagreements that no longer hold. Returns a store status. */
int sync_state_record(store *st, int outcome, int64_t at, const char *detail);

typedef struct sync_state_summary {
    int64_t total[SYNC_N_OUTCOMES];  /* rounds ended so, ever */
    int64_t last_at;                 /* unix seconds of the last round, 0: never */
    int last_outcome;                /* enum sync_outcome of that round, -1: never */
    int64_t last_success_at;         /* last round that was not failed, 0: never */
    char detail[256];                /* detail of the last round */
    /* Upstream values (import or sync) that differ from a report written through the API
     * and are not applied (still differing now), and the latest of them described. */
    int64_t disagreements;
    char disagreement[512];
} sync_state_summary;

/* Reads the counters. Returns STORE_OK (never synced: zeros, last_outcome -1) or STORE_EDB. */
int sync_state_summary_get(store *st, sync_state_summary *out);

/* Of the stored report dates, how many are not among dates[0..n) (days upstream no longer
 * holds): *missing, and the first of them in *first (0 when none). Returns a store status. */
int sync_state_missing_days(store *st, const int *dates, size_t n, size_t *missing, int *first);

/* The latest stored report date into *day (0 when none). Returns a store status. */
int sync_state_latest_day(store *st, int *day);

/* Savepoints, for one source of a round inside the round's transaction. Store status. */
int sync_state_savepoint(store *st);
int sync_state_release(store *st);
void sync_state_rollback_to(store *st);

#endif
