#ifndef ATTRITION_STATS_DIFF_H
#define ATTRITION_STATS_DIFF_H

#include <stddef.h>

#include "attrition/stats.h"

/* What changed between two snapshots: the reports a new snapshot adds or corrects, for
 * the listeners of new snapshots (/v1/events, webhooks). */

/* The reports of fresh that are new (no report of that date in old) or whose totals or
 * qualifiers differ from old's report of the same date (categories matched by id): their
 * indices in fresh, ascending, into out, at most max of them (the newest when more
 * changed). Returns how many were written; -1 when memory is short. old NULL: 0 (nothing
 * to compare with). Both snapshots are borrowed. */
long stats_changed_reports(const stats_snapshot *old, const stats_snapshot *fresh, size_t *out,
                           size_t max);

#endif
