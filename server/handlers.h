#ifndef ATTRITION_HANDLERS_H
#define ATTRITION_HANDLERS_H

#include "request.h"

/* Every route handler (route_handler, request.h). Each parses and validates its input (the
 * param_* helpers build the 400 themselves), calls core, renders, and builds its answer in
 * req->resp (reply.h), which the pipeline sends (pipeline.h); see route.c for the table. */

/* losses (handlers_losses.c) */
enum MHD_Result handle_categories(request *req);
enum MHD_Result handle_cumulative_latest(request *req);
enum MHD_Result handle_cumulative_date(request *req);
enum MHD_Result handle_cumulative_series(request *req);
enum MHD_Result handle_daily_latest(request *req);
enum MHD_Result handle_daily_date(request *req);
enum MHD_Result handle_daily_series(request *req);

/* records and periods (handlers_records.c) */
enum MHD_Result handle_records_all(request *req);
enum MHD_Result handle_records_category(request *req);
enum MHD_Result handle_records_rank(request *req);
enum MHD_Result handle_summary(request *req);

/* checking a text (handlers_check.c) */
enum MHD_Result handle_check_get(request *req);
enum MHD_Result handle_check_post(request *req);

/* reports (handlers_reports.c) */
enum MHD_Result handle_report_create(request *req);
enum MHD_Result handle_report_get(request *req);
enum MHD_Result handle_report_replace(request *req);
enum MHD_Result handle_report_history(request *req);

/* events and the feed (events.c, feed.c) */
enum MHD_Result handle_events(request *req);
enum MHD_Result handle_reports_atom(request *req);

/* deployments (handlers_deploy.c) */
enum MHD_Result handle_deployments_list(request *req);
enum MHD_Result handle_deployments_create(request *req);
enum MHD_Result handle_deployments_summary(request *req);
enum MHD_Result handle_deployment_get(request *req);
enum MHD_Result handle_deployment_replace(request *req);
enum MHD_Result handle_deployment_delete(request *req);

/* russianwarship.rip v1 and v2 compatibility (handlers_compat.c) */
enum MHD_Result handle_v1_latest(request *req);
enum MHD_Result handle_v1_date(request *req);
enum MHD_Result handle_v1_list(request *req);
enum MHD_Result handle_v1_terms(request *req);
enum MHD_Result handle_v1_war_info(request *req);
enum MHD_Result handle_v2_latest(request *req);
enum MHD_Result handle_v2_date(request *req);
enum MHD_Result handle_v2_list(request *req);
enum MHD_Result handle_v2_terms(request *req);
enum MHD_Result handle_v2_term(request *req);
enum MHD_Result handle_v2_war_info(request *req);
enum MHD_Result handle_v2_war_status(request *req);
enum MHD_Result handle_v2_war_status_lang(request *req);
/* 404 in the peer's shape for any unmatched path under /api/ (route.c). */
enum MHD_Result handle_compat_not_found(request *req);

/* operations (handlers_ops.c) */
enum MHD_Result handle_livez(request *req);
enum MHD_Result handle_readyz(request *req);
enum MHD_Result handle_metrics(request *req);
enum MHD_Result handle_openapi(request *req);

/* embedding: cards and charts as images (handlers_embed.c) */
enum MHD_Result handle_card_svg(request *req);
enum MHD_Result handle_card_png(request *req);
enum MHD_Result handle_chart_svg(request *req);

/* the dashboard (handlers_web.c) */
enum MHD_Result handle_web_index(request *req);
enum MHD_Result handle_web_docs(request *req);
enum MHD_Result handle_web_asset(request *req);
enum MHD_Result handle_web_icon(request *req);
enum MHD_Result handle_dataset_file(request *req);

#endif
