#ifndef ATTRITION_WEBHOOK_H
#define ATTRITION_WEBHOOK_H

#include <stdint.h>
#include "app.h"

/* Webhooks: for every new or changed report, a POST to each URL of cfg->webhooks (entries
 * separated by spaces: "URL" gets JSON {"event","data_version","date","report"},
 * "slack:URL" {"text"}, "discord:URL" {"content"}, a ready chat message), signed with
 * X-Attrition-Signature: sha256=<hex HMAC-SHA256 of the body> when cfg->webhook_secret is
 * set (never logged). A publish listener (publish.h) hands each new snapshot to one
 * delivery thread, which queues the deliveries in the database (webhook_queue.h) and makes
 * them with libcurl: a 2xx delivers; anything else is retried with doubling backoff (1 s,
 * 2 s, 4 s ... at most WEBHOOK_BACKOFF_MAX_S) and given up after WEBHOOK_MAX_ATTEMPTS
 * attempts (logged and counted). Deliveries queued before a restart are made after it. */

#define WEBHOOK_MAX_ATTEMPTS 10
#define WEBHOOK_BACKOFF_MAX_S 600
#define WEBHOOK_TIMEOUT_S 10
#define WEBHOOK_MAX_REPORTS 10 /* per new snapshot: a bulk import posts its newest 10 */

struct webhook;

/* Starts the delivery thread for a's configured webhooks and registers the listener.
 * NULL when none is configured, or on failure (logged). */
struct webhook *webhook_start(app *a);

/* Stops and joins the thread (a delivery in progress ends at its timeout), frees w.
 * NULL-safe. Queued deliveries stay in the database. */
void webhook_stop(struct webhook *w);

typedef struct webhook_stats {
    unsigned long long delivered, failed, given_up; /* attempts by outcome */
    long queued;                                     /* deliveries waiting, -1: unknown */
} webhook_stats;
void webhook_get_stats(struct webhook *w, webhook_stats *out);

/* Seconds to wait after a failed attempt number `attempts` (1 for the first) before the
 * next: 1, 2, 4 ... at most WEBHOOK_BACKOFF_MAX_S; -1 once WEBHOOK_MAX_ATTEMPTS attempts
 * failed (the delivery is given up). */
int64_t webhook_retry_delay(int attempts);

/* sha256=<hex HMAC-SHA256 of body with key secret> into out (80 bytes). 0 or -1. */
int webhook_signature(const char *secret, const char *body, size_t len, char out[80]);

#endif
