/* Response builders: JSON, problem+json, raw bytes into the request's response value. */
#include "reply.h"
#include "negotiate.h"
#include "attrition/store.h"
#include "attrition/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void reply_add_header(request *req, const char *name, const char *value)
{
    response *v = &req->resp;
    if (v->n_hdr >= RESPONSE_MAX_HEADERS)
        return;
    char *copy = strdup(value);
    if (copy == NULL)
        return;
    v->hdr_name[v->n_hdr] = name;
    v->hdr_value[v->n_hdr++] = copy;
}

/* Sets the answer: body is owned (malloc) when owned, else static. Returns MHD_YES. */
static enum MHD_Result answer(request *req, unsigned status, const char *ctype, char *body,
                              size_t len, int owned)
{
    response *v = &req->resp;
    if (v->body_owned)
        free(v->body);
    v->status = status;
    v->media_type = ctype;
    v->body = body;
    v->len = len;
    v->body_owned = owned;
    v->etag = v->gz = NULL;
    v->gz_len = 0;
    v->taken = 0;
    return MHD_YES;
}

enum MHD_Result reply_static(request *req, unsigned status, const char *content_type,
                             const char *data, size_t len)
{
    return answer(req, status, content_type, (char *)data, len, 0);
}

enum MHD_Result reply_file(request *req, const char *content_type, const char *etag,
                           const char *body, size_t len, const char *gz, size_t gz_len)
{
    answer(req, MHD_HTTP_OK, content_type, (char *)body, len, 0);
    req->resp.etag = etag;
    req->resp.gz = gz;
    req->resp.gz_len = gz_len;
    return MHD_YES;
}

enum MHD_Result reply_bytes(request *req, unsigned status, const char *content_type,
                            const char *data, size_t len)
{
    if (len == 0)
        return answer(req, status, content_type, "", 0, 0);
    char *copy = malloc(len);
    if (copy == NULL)
        return MHD_NO;
    memcpy(copy, data, len);
    return answer(req, status, content_type, copy, len, 1);
}

enum MHD_Result reply_taken(request *req, enum MHD_Result r)
{
    req->resp.taken = 1;
    return r;
}

unsigned reply_store_status(int store_status)
{
    switch (store_status) {
    case STORE_ENOTFOUND:
        return MHD_HTTP_NOT_FOUND;
    case STORE_ECONFLICT:
        return MHD_HTTP_CONFLICT;
    case STORE_EINVAL:
        return MHD_HTTP_UNPROCESSABLE_CONTENT;
    default:
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    }
}

/* The format= name of media type ctype: "csv", "json", or NULL (HTML, JavaScript, ...). */
static const char *format_name(const char *ctype)
{
    if (strncasecmp(ctype, "text/csv", 8) == 0)
        return "csv";
    size_t n = strcspn(ctype, ";");
    return n >= 4 && strncasecmp(ctype + n - 4, "json", 4) == 0 ? "json" : NULL;
}

int reply_acceptable(request *req, const char *ctype, enum MHD_Result *res)
{
    /* format= names the representation itself (param_wants_csv): it wins over Accept, and
     * must name the one this answer is. */
    const char *f = req_query(req, "format");
    if (f != NULL) {
        const char *mine = format_name(ctype);
        if (mine != NULL && strcmp(f, mine) == 0)
            return 0;
        int n = (int)strcspn(ctype, ";");
        *res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "format: \"%.32s\" is not offered by "
                             "%.200s, which is offered as %.*s only (%s%s)", f, req->url, n,
                             ctype, mine ? "format=" : "no format parameter", mine ? mine : "");
        return -1;
    }
    if (negotiate_request_media(req, &ctype, 1) == 0)
        return 0;
    *res = reply_problem(req, MHD_HTTP_NOT_ACCEPTABLE, "Accept: this resource is offered as "
                         "%.64s only, and the request's Accept does not take it", ctype);
    return -1;
}

enum MHD_Result reply_json(request *req, unsigned status, const json_t *body)
{
    char *s = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s == NULL)
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory rendering the answer");
    return answer(req, status, "application/json; charset=utf-8", s, strlen(s), 1);
}

enum MHD_Result reply_json_new(request *req, unsigned status, json_t *body)
{
    if (body == NULL)
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory rendering the answer");
    enum MHD_Result r = reply_json(req, status, body);
    json_decref(body);
    return r;
}

enum MHD_Result reply_jw(request *req, jw *w)
{
    if (w->failed || w->buf == NULL) {
        jw_free(w);
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory rendering the answer");
    }
    enum MHD_Result r = answer(req, MHD_HTTP_OK, "application/json; charset=utf-8", w->buf,
                               w->len, 1);
    w->buf = NULL;
    w->len = w->cap = 0;
    return r;
}

static const char *status_title(unsigned status)
{
    const char *t = MHD_get_reason_phrase_for(status);
    return t && *t ? t : "Error";
}

/* Copies text into out (len bytes, NUL-terminated, truncated) with every byte that is not
 * part of valid UTF-8 written as the four characters \xHH, so that a detail quoting client
 * bytes ("%FF" in a path) still names them. */
static void utf8_escape(const char *text, char *out, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t o = 0, left = strlen(text);
    while (*s && o + 1 < len) {
        size_t n = text_utf8_decode(s, left, NULL);
        if (n == 0) {
            if (o + 5 > len)
                break;
            snprintf(out + o, 5, "\\x%02X", s[0]);
            o += 4;
            s++;
            left--;
        } else {
            if (o + n >= len)
                break;
            memcpy(out + o, s, n);
            o += n;
            s += n;
            left -= n;
        }
    }
    out[o] = '\0';
}

enum MHD_Result reply_problem(request *req, unsigned status, const char *fmt, ...)
{
    char text[512], detail[sizeof text * 4];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    /* Keep the detail valid UTF-8 JSON even if it quotes client bytes. */
    utf8_escape(text, detail, sizeof detail);
    json_t *p = json_pack("{s:s, s:s, s:i, s:s%}", "type", "about:blank", "title",
                          status_title(status), "status", (int)status, "detail", detail,
                          strlen(detail));
    if (p == NULL)
        p = json_pack("{s:s, s:s, s:i, s:s}", "type", "about:blank", "title",
                      status_title(status), "status", (int)status, "detail",
                      "the request could not be described (invalid text in it)");
    char *s = p ? json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(p);
    return s ? answer(req, status, "application/problem+json", s, strlen(s), 1) : MHD_NO;
}

enum MHD_Result reply_store_unavailable(request *req, const char *fmt, ...)
{
    char what[400], when[32] = "just now", retry[16];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    int64_t since = 0;
    struct tm tm;
    time_t t;
    if (!app_store_reachable(req->app, &since) && (t = (time_t)since) > 0 &&
        gmtime_r(&t, &tm) != NULL)
        strftime(when, sizeof when, "since %Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(retry, sizeof retry, "%d", REPLY_STORE_RETRY_SECONDS);
    reply_add_header(req, MHD_HTTP_HEADER_RETRY_AFTER, retry);
    return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "%s: the store (%s) is unreachable "
                         "(%s); reads still answer from the data loaded before; retry in %d s",
                         what, store_backend_name(req->app->cfg->db), when,
                         REPLY_STORE_RETRY_SECONDS);
}
