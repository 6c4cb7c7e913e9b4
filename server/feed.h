#ifndef ATTRITION_FEED_H
#define ATTRITION_FEED_H

#include <stddef.h>
#include "attrition/stats.h"

/* GET /v1/reports.atom (handle_reports_atom in handlers.h), and the one-line text of a
 * report that the feed's entries and the chat webhooks (webhook.c) share. */

#define FEED_ENTRIES 50

/* "2024-10-25, day 975: personnel +1230 (total 690000), tanks +5 (total 9000), ..." with
 * every category that has a daily value on report rep of s, in display order. Returns a
 * malloc'd string (caller frees) or NULL when memory is short. */
char *feed_report_text(const stats_snapshot *s, size_t rep);

#endif
