#ifndef ATTRITION_EVENTS_H
#define ATTRITION_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include "request.h"

/* GET /v1/events: Server-Sent Events. A listener of new snapshots (publish.h) turns each
 * install into events: `report` (data: the JSON of /v1/daily/{date}) for every report the
 * snapshot adds or corrects, `deployment` when a deployment was written (the snapshot's
 * deploy_version moved); `id:` is the data version. The last EVENTS_RING events are kept for
 * clients that reconnect with Last-Event-ID.
 *
 * No thread per subscriber: a subscriber is a libmicrohttpd callback response whose reader
 * copies from the shared ring at the subscriber's own cursor, and suspends the connection
 * when it has nothing to send (MHD_ALLOW_SUSPEND_RESUME); a new event or the heartbeat
 * resumes the suspended ones. Nothing is copied per subscriber when an event is published,
 * so a subscriber that does not read never delays the others: it stays behind in the
 * kernel's and libmicrohttpd's buffers (bounded by the connection's memory pool), and is
 * closed by the idle timeout when its socket takes nothing, or when it falls more than
 * EVENTS_RING events behind. An idle subscriber gives back to the kernel the pages of its
 * connection's pool it does not use (sub_read in events.c): ~7 KiB each (bench/RESULTS.md). */

#define EVENTS_RING 100
#define EVENTS_HEARTBEAT_MS 15000 /* a comment line to every subscriber */
#define EVENTS_MIN_ROOM 64 /* bytes; see sub_read in events.c */
/* The callback response's own buffer, per subscriber: used only by a stream that is not
 * chunked (an HTTP/1.0 client); a chunked one is written into libmicrohttpd's write buffer. */
#define EVENTS_BLOCK 128

struct events;

/* Creates the hub for a (a->cfg->events_limit subscribers), registers its publish listener
 * and starts the heartbeat thread. The current snapshot of a is the baseline. NULL when out
 * of memory or the listener table is full (logged by the caller). */
struct events *events_new(app *a);

/* Ends every stream (SIGTERM): readers return end of stream, suspended subscribers are
 * resumed to see it; new subscriptions are refused with 503. */
void events_close(struct events *ev);

/* Stops the heartbeat and frees ev; call after the daemon stopped and no install can run. */
void events_free(struct events *ev);

/* Counters for /metrics. */
typedef struct events_stats {
    size_t subscribers;
    unsigned long long published, dropped, refused;
} events_stats;
void events_get_stats(struct events *ev, events_stats *out);

#endif
