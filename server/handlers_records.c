/* placeholder: being written */
#include "handlers.h"
#include "reply.h"
enum MHD_Result handle_records_all(request *req) { return reply_problem(req, 404, "not yet"); }
enum MHD_Result handle_records_category(request *req) { return reply_problem(req, 404, "not yet"); }
enum MHD_Result handle_records_rank(request *req) { return reply_problem(req, 404, "not yet"); }
enum MHD_Result handle_summary(request *req) { return reply_problem(req, 404, "not yet"); }
