#ifndef ATTRITION_WATCH_H
#define ATTRITION_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "attrition/stats.h"
#include "attrition/store.h"

/* Seeing commits made to a database by other connections and processes. A watch owns its
 * own read-only connection to the file; watch_poll asks SQLite's PRAGMA data_version (a
 * read of the WAL index in shared memory: no file read, no query of the tables) whether any
 * other connection committed since the last poll. Not thread-safe: one thread polls. */

typedef struct watch watch;

/* Opens a watch on the database file at path (which must exist and be an attrition
 * database). Returns 0 with a new watch in *out (caller owns: watch_close), or -1 with a
 * message in err. */
int watch_open(const char *path, watch **out, char *err, size_t errlen);
void watch_close(watch *w);

/* Sets *changed to 1 when another connection committed since the previous poll (the first
 * poll after watch_open reports 0). Returns 0, or -1 when SQLite failed (try again later). */
int watch_poll(watch *w, int *changed);

/* The watch's own connection (borrowed; for reads only, from the polling thread). */
store *watch_store(watch *w);

/* Loads a new snapshot on the watch's connection (as store_snapshot_load): one read
 * transaction, so it never sees half of a commit. Returns STORE_OK (caller owns one
 * reference of *out) or a store status. */
int watch_snapshot_load(watch *w, stats_snapshot **out);

#endif
