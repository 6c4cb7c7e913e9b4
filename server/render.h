#ifndef ATTRITION_RENDER_H
#define ATTRITION_RENDER_H

#include <jansson.h>
#include "request.h"
#include "attrition/stats.h"

/* JSON renderings of snapshot data. Each returns a new reference (caller decrefs) or NULL
 * on ENOMEM. sel may be NULL (all categories). */

json_t *render_date(int day);                       /* "YYYY-MM-DD" */
json_t *render_totals(const stats_snapshot *s, size_t rep, const stats_selection *sel);
json_t *render_losses(const stats_snapshot *s, size_t rep, const stats_selection *sel);
json_t *render_qualifiers(const stats_snapshot *s, size_t rep, const stats_selection *sel);
json_t *render_corrections(const stats_snapshot *s, size_t rep, const stats_selection *sel);
/* {"date","day","totals","qualifiers"} */
json_t *render_cumulative(const stats_snapshot *s, size_t rep, const stats_selection *sel);
/* {"date","day","losses","totals","span_days","corrections"} */
json_t *render_daily(const stats_snapshot *s, size_t rep, const stats_selection *sel);
/* {"rank","date","value"} */
json_t *render_record(const stats_record *r);

/* Answers when the database holds no report yet: 404 problem. */
enum MHD_Result reply_no_data(request *req);

#endif
