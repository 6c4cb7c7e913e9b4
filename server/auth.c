/* Bearer-token authentication of writes. */
#include "auth.h"
#include "log.h"
#include "reply.h"

#include <string.h>
#include <strings.h>

/* Compares a (length la) with b (length lb) in time that depends only on lb. */
static int equal_ct(const char *a, size_t la, const char *b, size_t lb)
{
    unsigned char diff = (unsigned char)(la != lb);
    for (size_t i = 0; i < lb; i++)
        diff |= (unsigned char)((i < la ? (unsigned char)a[i] : 0) ^ (unsigned char)b[i]);
    return diff == 0;
}

static void log_denied(request *req, const char *why)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(req->conn,
                                                                 MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    (void)ci;
    log_event_new("auth_failed", json_pack("{s:s, s:s, s:s}", "method", req->method, "path",
                                           req->url, "reason", why));
}

/* Why req may not write: NULL when it may, "" when writes are disabled (no token), else
 * what is wrong with its Authorization. */
static const char *auth_refusal(request *req)
{
    const char *token = req->app->cfg->token;
    if (token[0] == '\0')
        return "";
    const char *h = req_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
    if (h == NULL)
        return "no Authorization header";
    if (strncasecmp(h, "Bearer ", 7) != 0)
        return "Authorization is not a Bearer token";
    const char *t = h + 7;
    while (*t == ' ')
        t++;
    if (!equal_ct(t, strlen(t), token, strlen(token)))
        return "wrong token";
    return NULL;
}

int auth_allowed(request *req)
{
    return auth_refusal(req) == NULL;
}

int auth_require(request *req, enum MHD_Result *res)
{
    const char *why = auth_refusal(req);
    if (why == NULL)
        return 0;
    if (why[0] == '\0') {
        *res = reply_problem(req, MHD_HTTP_FORBIDDEN,
                             "writes are disabled: start the server with a token "
                             "(ATTRITION_TOKEN=... or token = ... in the config file) and send "
                             "it as Authorization: Bearer <token>");
        return -1;
    }
    log_denied(req, why);
    reply_add_header(req, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"attrition\"");
    *res = reply_problem(req, MHD_HTTP_UNAUTHORIZED, "%s: send Authorization: Bearer <token>", why);
    return -1;
}
