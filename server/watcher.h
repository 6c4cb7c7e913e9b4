#ifndef ATTRITION_WATCHER_H
#define ATTRITION_WATCHER_H

#include "app.h"

/* The watcher thread of `attrition serve`: every WATCHER_TICK_MS it asks its own database
 * connection whether any other connection (an `attrition import` or `sync` process,
 * another server, this server's own writes) committed. When one did and the stored data
 * version differs from the current snapshot's, it loads the new snapshot in one read
 * transaction and installs it (app_snapshot_install); it also re-reads the sync summary.
 * When nothing changed a tick costs one PRAGMA data_version (no table is read). */

#define WATCHER_TICK_MS 250

struct watcher;

/* Starts the watcher of a->cfg->db (a->st open, first snapshot installed). Returns 0 with
 * a->watcher set, or -1 (logged; the server runs on without seeing external changes). */
int watcher_start(app *a);

/* Stops and joins the thread and frees it; a->watcher becomes NULL. NULL-safe. */
void watcher_stop(app *a);

/* One check as the thread does it (exposed for tests and benchmarks): returns 1 when a
 * new snapshot was installed, 0 when nothing changed, -1 on error. */
int watcher_check(app *a, struct watcher *w);

#endif
