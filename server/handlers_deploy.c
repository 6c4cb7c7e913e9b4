/* placeholder: being written */
#include "handlers.h"
#include "reply.h"
enum MHD_Result handle_deployments_list(request *req) { return reply_problem(req, 404, "not yet"); }
enum MHD_Result handle_deployments_create(request *req) { return reply_problem(req, 404, "not yet"); }
enum MHD_Result handle_deployments_summary(request *req) { return reply_problem(req, 404, "not yet"); }
enum MHD_Result handle_deployment_get(request *req) { return reply_problem(req, 404, "not yet"); }
enum MHD_Result handle_deployment_replace(request *req) { return reply_problem(req, 404, "not yet"); }
enum MHD_Result handle_deployment_delete(request *req) { return reply_problem(req, 404, "not yet"); }
