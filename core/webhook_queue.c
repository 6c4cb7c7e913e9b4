/* The webhook delivery queue (webhook_queue.h). */
#include "attrition/webhook_queue.h"
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

#define WEBHOOK_QUEUE_KEEP_S 86400 /* done deliveries are kept a day (their keys dedupe) */

/* The status of a failure: the connection's last error, or fallback. */
static int failure(store *st, int fallback)
{
    int why = store_last_status(st);
    return why != STORE_OK ? why : fallback != STORE_OK ? fallback : STORE_EDB;
}

int webhook_queue_add(store *st, const char *const *keys, const char *const *urls,
                      const char *const *bodies, size_t n, int64_t now)
{
    int rc = store_begin(st);
    for (size_t i = 0; rc == STORE_OK && i < n; i++)
        rc = store_run(store_prepare(st, "INSERT INTO webhook_delivery(event_key, url, "
                                         "body, next_at, created_at) VALUES(?1, ?2, ?3, ?4, ?4) "
                                         "ON CONFLICT DO NOTHING",
                                     "ttti", keys[i], urls[i], bodies[i], now));
    if (rc == STORE_OK)
        rc = store_commit(st);
    if (rc != STORE_OK) {
        rc = failure(st, rc);
        store_rollback(st);
    }
    return rc;
}

void webhook_jobs_free(webhook_job *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(jobs[i].url);
        free(jobs[i].body);
    }
}

/* Reads the due deliveries into out (inside the caller's transaction). */
static int read_due(store *st, int64_t now, size_t max, webhook_job *out, size_t *n)
{
    int step = DB_DONE, rc = STORE_OK;
    db_stmt *stmt = store_prepare(st, "SELECT id, url, body, attempts FROM webhook_delivery "
                                           "WHERE done_at IS NULL AND next_at <= ?1 "
                                           "ORDER BY next_at, id LIMIT ?2", "ii", now, (int64_t)max);
    if (stmt == NULL)
        return failure(st, STORE_EDB);
    while (*n < max && (step = db_step(stmt)) == DB_ROW) {
        webhook_job *j = &out[*n];
        j->id = db_column_int64(stmt, 0);
        j->url = strdup((const char *)db_column_text(stmt, 1));
        j->body = strdup((const char *)db_column_text(stmt, 2));
        j->attempts = (int)db_column_int64(stmt, 3);
        (*n)++;
        if (j->url == NULL || j->body == NULL) {
            rc = STORE_ENOMEM;
            break;
        }
    }
    if (rc == STORE_OK && step != DB_DONE && step != DB_ROW)
        rc = failure(st, step);
    db_finalize(stmt);
    return rc;
}

int webhook_queue_due(store *st, int64_t now, int64_t lease_s, size_t max, webhook_job *out,
                      size_t *n)
{
    *n = 0;
    int rc = store_begin(st);
    if (rc == STORE_OK)
        rc = read_due(st, now, max, out, n);
    for (size_t i = 0; rc == STORE_OK && i < *n; i++)
        rc = store_run(store_prepare(st, "UPDATE webhook_delivery SET next_at = ?2 WHERE id = ?1",
                                     "ii", out[i].id, now + lease_s));
    if (rc == STORE_OK)
        rc = store_commit(st);
    if (rc != STORE_OK) {
        rc = failure(st, rc);
        store_rollback(st);
        webhook_jobs_free(out, *n);
        *n = 0;
    }
    return rc;
}

int webhook_queue_done(store *st, int64_t id, int64_t now)
{
    int rc = store_run(store_prepare(st, "UPDATE webhook_delivery SET done_at = ?2 WHERE id = ?1",
                                     "ii", id, now));
    if (rc == STORE_OK)
        rc = store_run(store_prepare(st, "DELETE FROM webhook_delivery WHERE done_at < ?1", "i",
                                     now - WEBHOOK_QUEUE_KEEP_S));
    return rc;
}

int webhook_queue_retry(store *st, int64_t id, int attempts, int64_t next_at, const char *error)
{
    return store_run(store_prepare(st, "UPDATE webhook_delivery SET attempts = ?2, next_at = ?3, "
                                       "last_error = ?4 WHERE id = ?1", "iiit", id,
                                   (int64_t)attempts, next_at, error));
}

int webhook_queue_release(store *st, int64_t id, int64_t next_at)
{
    return store_run(store_prepare(st, "UPDATE webhook_delivery SET next_at = ?2 "
                                   "WHERE id = ?1 AND done_at IS NULL", "ii", id, next_at));
}

long webhook_queue_length(store *st, int64_t *next_at)
{
    long n = -1;
    *next_at = INT64_MAX;
    db_stmt *stmt = store_prepare(st, "SELECT count(*), min(next_at) FROM webhook_delivery "
                                           "WHERE done_at IS NULL", "");
    if (stmt && db_step(stmt) == DB_ROW) {
        n = (long)db_column_int64(stmt, 0);
        if (!db_column_null(stmt, 1))
            *next_at = db_column_int64(stmt, 1);
    }
    db_finalize(stmt);
    return n;
}
