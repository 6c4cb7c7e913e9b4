#ifndef ATTRITION_SYNC_H
#define ATTRITION_SYNC_H

#include <stdio.h>
#include <jansson.h>

#include "attrition/store.h"
#include "config.h"

/* `attrition sync` and `serve --sync-every`: fetch the new days from upstream sources and
 * import them with exactly the rules of `attrition import`.
 *
 * A source is "dataset:URL" (a base URL under which the ministry dataset's three files
 * live), "api:URL" (a russianwarship.rip v2 API, e.g. another attrition: its
 * /api/v2/statistics is read page by page from the day after the latest stored one; the
 * API only ever adds days: 0 means "no figure" there, it has no qualifiers and merges
 * categories, so it never rewrites stored history), or a bare URL (a dataset base URL,
 * or an API when no dataset file is found there: 404).
 *
 * A round: the validators of every file are read; every file is fetched (conditionally,
 * fetch.h, each body pre-scanned as it arrives: json_guard.h) and an api source's records
 * turned into a ministry-style array, without holding the store; then, under the store
 * lock, core's sync_apply (sync_apply.h) runs ONE transaction in which
 * each source's fetched files are imported inside a savepoint: a bad file (not JSON, wrong
 * shape, a total that is not a number, an answer that is not that file) rolls back that
 * source alone and is reported with its URL and entry. Validators are stored only with a
 * successful import (a failed file is fetched whole again next round). Days stored but
 * absent upstream are kept and reported. A later source never overwrites a value that is
 * stored already (the first source wins): the disagreement is reported, with both values,
 * in the round's warnings. A report written through the API (POST/PUT) is never changed:
 * the differing values are reported (api_kept, warnings, sync_state.h disagreements); a
 * value that came from upstream follows upstream's correction, the version before kept as a
 * revision by "sync <URL>". The data version moves only when a value changed. The round's
 * outcome (changed, unchanged, failed) is counted in the database (sync_state.h). */

/* Called under the store lock after every committed round, changed (1) or not (0): serve
 * installs the new snapshot, or at least the round's outcome for /readyz; may be NULL. */
typedef void (*sync_after_commit)(void *ud, int changed);

typedef struct sync_round_result {
    int outcome;            /* enum sync_outcome */
    int sources, failed;    /* sources read, sources that failed */
    int requests, not_modified;
    size_t new_days, values_changed;
    size_t revisions;       /* stored versions kept as revisions */
    size_t api_kept;        /* upstream values kept out of reports written through the API */
    double seconds;
    int skipped;            /* 1: another process sharing the store ran a round meanwhile */
} sync_round_result;

/* Runs one round over cfg->sync_sources on st, unless another process sharing the store
 * runs one now (PostgreSQL: an advisory lock; "skipped: another replica is syncing", 0). Writes one line per source and a summary
 * to out when non-NULL; returns the round as a new JSON object (caller owns) in *report
 * when report is non-NULL. cancel (may be NULL) stops fetches early. Returns 0 when every
 * source was read (changed or not), 1 when one failed, 2 when the sources are malformed. */
int sync_round(store *st, const config *cfg, volatile int *cancel, sync_after_commit cb,
               void *ud, FILE *out, json_t **report, sync_round_result *res);

/* Checks cfg->sync_sources. Returns 0, or -1 with a message in err. */
int sync_sources_check(const config *cfg, char *err, size_t errlen);

/* serve --sync-every: a thread that runs a round at start and then every cfg->sync_every
 * seconds, logging each as one "sync" JSON line. */
struct sync_runner;
struct sync_runner *sync_runner_start(store *st, const config *cfg, sync_after_commit cb,
                                      void *ud);
/* Cancels a fetch in progress, joins the thread, frees it. NULL-safe. */
void sync_runner_stop(struct sync_runner *r);

#endif
