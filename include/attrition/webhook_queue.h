#ifndef ATTRITION_WEBHOOK_QUEUE_H
#define ATTRITION_WEBHOOK_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "attrition/store.h"

/* The webhook delivery queue in the database (table webhook_delivery): a delivery is
 * written before its first attempt and marked done once delivered or given up (and removed
 * a day later), so a restart loses nothing. Several serve processes may share the file:
 * a delivery is queued once per key, and attempted by the process that leased it. Each
 * function is one transaction (or one statement); none bumps the data version. The caller
 * serialises store access (store_lock). Statuses are STORE_*. */

typedef struct webhook_job {
    int64_t id;
    char *url;       /* owned */
    char *body;      /* owned */
    int attempts;    /* attempts made so far */
} webhook_job;

/* Queues n deliveries (urls[i] gets bodies[i], keys[i] names it: a key already queued, by
 * this process or another, is skipped), due at now, in one transaction. */
int webhook_queue_add(store *st, const char *const *keys, const char *const *urls,
                      const char *const *bodies, size_t n, int64_t now);

/* Leases the deliveries due at now (pending, next_at <= now), oldest first, at most max
 * into out (*n set): their next_at moves to now + lease_s, so no other process attempts
 * them meanwhile. Free them with webhook_jobs_free. On failure *n is 0. */
int webhook_queue_due(store *st, int64_t now, int64_t lease_s, size_t max, webhook_job *out,
                      size_t *n);
void webhook_jobs_free(webhook_job *jobs, size_t n);

/* Marks delivery id done (delivered, or given up) at now, and removes deliveries done more
 * than a day before. */
int webhook_queue_done(store *st, int64_t id, int64_t now);

/* Records a failed attempt of id: attempts, the next try at next_at, the error (one line). */
int webhook_queue_retry(store *st, int64_t id, int attempts, int64_t next_at, const char *error);

/* Gives back a delivery leased but not attempted (the process is stopping): due again at
 * next_at, its attempts and error unchanged, so a restart does not wait out the lease. */
int webhook_queue_release(store *st, int64_t id, int64_t next_at);

/* Deliveries pending (-1 on error); *next_at the earliest next_at (INT64_MAX: none). */
long webhook_queue_length(store *st, int64_t *next_at);

#endif
