/* placeholder: being written */
#include "handlers.h"
#include "reply.h"
enum MHD_Result handle_v2_latest(request *req) { return reply_problem(req, 404, "not yet"); }
enum MHD_Result handle_v2_date(request *req) { return reply_problem(req, 404, "not yet"); }
enum MHD_Result handle_v2_list(request *req) { return reply_problem(req, 404, "not yet"); }
enum MHD_Result handle_v2_terms(request *req) { return reply_problem(req, 404, "not yet"); }
enum MHD_Result handle_v2_war_info(request *req) { return reply_problem(req, 404, "not yet"); }
