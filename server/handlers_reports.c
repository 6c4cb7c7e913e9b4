/* placeholder: being written */
#include "handlers.h"
#include "reply.h"
enum MHD_Result handle_report_create(request *req) { return reply_problem(req, 404, "not yet"); }
enum MHD_Result handle_report_get(request *req) { return reply_problem(req, 404, "not yet"); }
enum MHD_Result handle_report_replace(request *req) { return reply_problem(req, 404, "not yet"); }
enum MHD_Result handle_report_history(request *req) { return reply_problem(req, 404, "not yet"); }
