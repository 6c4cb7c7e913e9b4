/* Requests: their input (a connection's or warming's), accessors, and the response value. */
#include "request.h"
#include "cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *connection_value(const request *req, enum MHD_ValueKind kind,
                                    const char *name)
{
    return MHD_lookup_connection_value(req->conn, kind, name);
}

static void connection_each(const request *req, enum MHD_ValueKind kind,
                            MHD_KeyValueIterator it, void *cls)
{
    MHD_get_connection_values(req->conn, kind, it, cls);
}

const request_input req_connection_input = {connection_value, connection_each};

void req_init(request *req, app *a, const request_input *in, const void *in_ctx,
              const char *method, const char *url)
{
    req->app = a;
    req->in = in;
    req->in_ctx = in_ctx;
    req->method = method;
    req->head = strcmp(method, "HEAD") == 0;
    req->url = url;
    req->accept_q[0] = req->accept_q[1] = -1;
}

void req_clear_response(response *resp)
{
    if (resp->body_owned)
        free(resp->body);
    for (size_t i = 0; i < resp->n_hdr; i++)
        free(resp->hdr_value[i]);
    memset(resp, 0, sizeof *resp);
}

void req_release(request *req)
{
    req_clear_response(&req->resp);
    cache_entry_release(req->held); /* libmicrohttpd is done sending its reply */
    req->held = NULL;
}

stats_snapshot *req_snapshot(request *req)
{
    stats_snapshot *s = req->snap ? stats_snapshot_ref(req->snap) : app_snapshot(req->app);
    req->resp.version = s->version;
    req->resp.last_modified = s->modified;
    return s;
}

const char *req_query(request *req, const char *name)
{
    return req->in->value(req, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_header(request *req, const char *name)
{
    return req->in->value(req, MHD_HEADER_KIND, name);
}

void req_each(request *req, enum MHD_ValueKind kind, MHD_KeyValueIterator it, void *cls)
{
    req->in->each(req, kind, it, cls);
}

void req_origin(request *req, char *out, size_t len)
{
    static const char host_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     "0123456789.-:[]";
    const char *host = req_header(req, MHD_HTTP_HEADER_HOST);
    const char *proto = req_header(req, "X-Forwarded-Proto");
    size_t hl = host ? strlen(host) : 0;
    out[0] = '\0';
    if (req->app->cfg->public_url[0] != '\0')
        snprintf(out, len, "%s", req->app->cfg->public_url);
    else if (hl > 0 && hl <= 255 && strspn(host, host_chars) == hl)
        snprintf(out, len, "%s://%s", proto && strcmp(proto, "https") == 0 ? "https" : "http",
                 host);
}
