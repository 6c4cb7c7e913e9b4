#ifndef ATTRITION_RENDER_H
#define ATTRITION_RENDER_H

#include <jansson.h>
#include "app.h"
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

/* ---- request helpers shared by handlers (send the 4xx themselves, return -1) ------- */

/* The category selection of query parameter "category" (absent: all). */
int param_categories(request *req, const stats_snapshot *s, stats_selection *sel,
                     enum MHD_Result *res);
/* The category of path parameter i (404 problem if unknown). */
int param_path_category(request *req, const stats_snapshot *s, size_t i, int *cat,
                        enum MHD_Result *res);
/* from/to query dates with from <= to. Absent: -1. */
int param_window(request *req, int *from, int *to, enum MHD_Result *res);
/* Does the client want CSV (format=csv or Accept: text/csv)? 400 for an unknown format. */
int param_wants_csv(request *req, int *csv, enum MHD_Result *res);

/* Answers when the database holds no report yet: 404 problem. */
enum MHD_Result reply_no_data(request *req);

#endif
