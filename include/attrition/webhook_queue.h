#ifndef ATTRITION_WEBHOOK_QUEUE_H
#define ATTRITION_WEBHOOK_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "attrition/store.h"

/* The webhook delivery queue in the database (table webhook_delivery): a delivery is
 * written before its first attempt and deleted once delivered or given up, so a restart
 * loses nothing. Each function is one transaction (or one statement); none bumps the data
 * version. The caller serialises store access (store_lock). Statuses are STORE_*. */

typedef struct webhook_job {
    int64_t id;
    char *url;       /* owned */
    char *body;      /* owned */
    int attempts;    /* attempts made so far */
} webhook_job;

/* Queues n deliveries (urls[i] gets bodies[i]), due at now, in one transaction. */
int webhook_queue_add(store *st, const char *const *urls, const char *const *bodies, size_t n,
                      int64_t now);

/* The deliveries due at now (next_at <= now), oldest first, at most max into out; *n set.
 * Free them with webhook_jobs_free. On failure *n is 0. */
int webhook_queue_due(store *st, int64_t now, size_t max, webhook_job *out, size_t *n);
void webhook_jobs_free(webhook_job *jobs, size_t n);

/* Removes delivery id (delivered, or given up). */
int webhook_queue_remove(store *st, int64_t id);

/* Records a failed attempt of id: attempts, the next try at next_at, the error (one line). */
int webhook_queue_retry(store *st, int64_t id, int attempts, int64_t next_at, const char *error);

/* Deliveries queued (-1 on error); *next_at the earliest next_at (INT64_MAX: none). */
long webhook_queue_length(store *st, int64_t *next_at);

#endif
