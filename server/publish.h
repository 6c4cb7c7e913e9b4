#ifndef ATTRITION_PUBLISH_H
#define ATTRITION_PUBLISH_H

#include "request.h"

/* Publishing: the one way a committed change becomes the served snapshot.
 *
 *   commit -> notify -> load -> install -> answer the writers -> listeners -> warm
 *
 * A writer (an HTTP write, a sync round) commits on a->st under the store lock, releases
 * the lock, and tells the publish thread (publish_notify, or publish_await for a request
 * that must answer after its change is visible). The publish thread, which also polls the
 * database every PUBLISH_TICK_MS for other processes' commits (an `attrition import`,
 * another server), loads the new snapshot on its own read-only connection (one read
 * transaction; no store lock, no request thread), installs it (app->snap swapped under
 * snap_lock: requests see the old or the new snapshot, never a mix), resumes the writers
 * whose version it covers, calls the listeners, and renders the warmed answers (warm.h)
 * into the cache under the new data version.
 *
 * Ordering: only the publish thread installs (at start, before it runs, the caller of
 * publish_start; after publish_stop, the caller of publish_await, serialised with it), and
 * each load reads the newest commit, so snapshots are installed in commit order and an
 * older version never replaces a newer one (a load whose version equals the served one is
 * dropped). Commits that arrive during a load are folded into the next one.
 *
 * Warming: when no writer waits (a change seen by polling, a sync round, startup) the new
 * snapshot is warmed before it is installed, so the first request after the switch is a
 * cache hit and old answers serve until then. When a writer waits, the snapshot is installed
 * and the writers answered first, then warmed (unless a newer commit is already waiting):
 * a write's answer never waits for warming; requests in between render their answer
 * themselves (a cache miss) against the new snapshot.
 *
 * Readers never wait for a write: they take the installed snapshot (app_snapshot) and the
 * cache; no lock a reader takes is held during a load or a warm, and a writer's worker
 * thread is not held while its change is published (its connection is suspended). */

#define PUBLISH_TICK_MS 250 /* polling period for other processes' commits */
/* The same on a PostgreSQL store: a poll there only reads notifications already received on
 * the connection (no round trip), so it can be frequent: replicas current sooner. */
#define PUBLISH_TICK_PG_MS 50
#define PUBLISH_MAX_LISTENERS 8

/* Registers fn; called on the publish thread after each install, in version order, old may
 * be NULL at start. fn must not block (it queues work). Returns 0, or -1 when the table (8
 * entries) is full. May be called while the publish thread runs (a listener added later
 * misses the installs before it). */
/* (serve.c: before publish_start in open_data, to see the first snapshot too. fn gets
 * borrowed snapshots: take a reference (stats_snapshot_ref) to keep one.) */
typedef void (*publish_listener)(void *ud, const stats_snapshot *old, const stats_snapshot *fresh);
int publish_listen(app *a, publish_listener fn, void *ud);

/* Loads the first snapshot from a->st (open) on the calling thread, warms and installs it
 * (listeners registered so far see old == NULL, on this thread), then starts the publish
 * thread with its own read-only connection to a->cfg->db. Returns STORE_OK, or the load's
 * store status (logged by the caller; nothing started). Without that connection (logged)
 * the thread loads on a->st under the store lock and other processes' commits are not seen;
 * without the thread (logged) each write publishes on its own worker thread. */
int publish_start(app *a);

/* Publishes what is left (writers waiting are answered), stops and joins the thread.
 * Afterwards publish_await publishes on the calling thread. Call before MHD_stop_daemon
 * (libmicrohttpd forbids stopping with suspended connections). NULL-safe, idempotent. */
void publish_stop(app *a);

/* Frees what publish_start made (after publish_stop and MHD_stop_daemon). */
void publish_free(app *a);

/* Something may have committed (a sync round, another write): wake the publish thread.
 * Never blocks; may be called with the store lock held, from any thread. */
void publish_notify(app *a);

/* How a request that wrote is answered once its change is published: status is STORE_OK
 * (the snapshot served now has version >= the one awaited: app_snapshot sees the write) or
 * the store status of the failed load (the write is committed; say so). Runs on the
 * request's worker thread; must queue the reply and return its result. */
typedef enum MHD_Result (*publish_answer)(request *req, void *state, int status);

/* After a committed write of data version `version` (store_data_version under the store
 * lock, then the lock released: never call this holding it), arranges for answer(req, state,
 * status) to run once that version is served: at once when it is already, otherwise the
 * connection is suspended and the publish thread resumes it (the handler returns what this
 * returns, MHD_YES, with the answer marked taken: reply_taken). state is freed with
 * state_free (may be NULL) after answer ran, or when the request is abandoned. Without a
 * publish thread (a request without a connection, shutdown) the snapshot is loaded and
 * installed on the calling thread first. */
enum MHD_Result publish_await(request *req, uint64_t version, publish_answer answer,
                              void *state, void (*state_free)(void *));

/* For serve.c: a resumed request's turn (req->wait set and published): runs the answer
 * (built in req->resp; serve.c sends it through pipeline_send) and frees the wait. Returns
 * the answer's result. */
enum MHD_Result publish_resumed(request *req);
/* For serve.c: frees a wait never answered (the request's state is freed). NULL-safe. */
void publish_wait_free(struct publish_wait *w);

/* Publishes on the calling thread now (load, install, warm): for tests and benchmarks.
 * Returns STORE_OK (also when nothing changed) or the load's status. */
int publish_now(app *a);

#endif
