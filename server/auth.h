#ifndef ATTRITION_AUTH_H
#define ATTRITION_AUTH_H

#include "request.h"

/* Checks that req may write: a token is configured (else 403 saying how to enable writes)
 * and the request carries "Authorization: Bearer <token>" (else 401 with
 * WWW-Authenticate: Bearer). The comparison takes constant time. Failed attempts are logged
 * without the presented token. Returns 0 when allowed; otherwise it has sent the reply into
 * *res and returns -1. */
int auth_require(request *req, enum MHD_Result *res);

/* Would auth_require let req write? 1 or 0; sends nothing, logs nothing. */
int auth_allowed(request *req);

#endif
