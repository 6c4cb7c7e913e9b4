#ifndef ATTRITION_WARM_H
#define ATTRITION_WARM_H

#include "app.h"

/* Cache warming: on the publish thread (publish.h), before a new snapshot becomes current
 * (or, when a writer waits for it, right after), the answers
 * that dashboards and bots ask first are rendered against it and stored in the response
 * cache under the new data version, JSON and gzip bodies both, so the first request after a
 * change is a cache hit. The old version's entries keep serving until the swap; no answer
 * mixes versions (each is rendered from the one snapshot s, and keyed by its version).
 * Memory stays within cache_bytes (cache_put's bound).
 *
 * The answers (WARM_* below, one GET each, run through the pipeline, pipeline.h):
 *   /v1/categories, /v1/daily/latest, /v1/cumulative/latest, /v1/records,
 *   /v1/records/{cat}?limit=10 for every category, /v1/summary?group=month and group=year,
 *   the full /v1/daily and /v1/cumulative series, and what the
 *   dashboard at / loads first: /v1/daily?category=personnel, /v1/summary of this week
 *   (Monday to the latest report) and the week before, /v1/records/personnel/{latest}
 *   ?from=2022-04-01. Not /v1/deployments nor /api/v2/statistics/latest: their handlers
 *   read the store (estimates, the reports' source URLs), and warming reads only the
 *   snapshot. */

/* Renders the answers into a->cache against snapshot s (borrowed). Does nothing when the
 * cache is off or s holds no report. Returns the number of answers stored (200 and
 * cacheable), and logs {"event":"cache_warmed","data_version","answers","tried","us"} (microseconds).
 * Runs on the calling thread; handlers read only s, never the store. */
size_t warm_snapshot(app *a, stats_snapshot *s);

/* The number of answers warm_snapshot would render for s (for tests and bench). */
size_t warm_count(const stats_snapshot *s);

/* The i-th warmed URL for s ("/v1/records/personnel?limit=10", query as sent) into out;
 * returns 0, or -1 past the end. */
int warm_url(const stats_snapshot *s, size_t i, char *out, size_t len);

#endif
