/* POST /v1/check (text/plain with ?as_of=, or application/json {"text", "as_of"}) and
 * GET /v1/check?text=&as_of=: every loss figure of a text judged against the data
 * (core/check_*.c; contract: API.md "Checking a text"). Nothing is written: POST is public. */
#include "handlers.h"
#include "param.h"
#include "render.h"
#include "reply.h"
#include "attrition/check.h"
#include "attrition/date.h"
#include "attrition/text.h"

#include <string.h>

/* One claim as the contract shapes it. New reference or NULL. */
static json_t *render_claim(const check_claim *c, const char *text)
{
    json_t *o = json_pack("{s:s%, s:I, s:I, s:s}", "quote", text + c->bstart,
                          c->bend - c->bstart, "start", (json_int_t)c->start, "end",
                          (json_int_t)c->end, "kind", check_kind_name(c->kind));
    if (o == NULL)
        return NULL;
    if (c->kind == CHECK_DEPLOYMENT)
        json_object_set_new(o, "country", json_string(c->country));
    else
        json_object_set_new(o, "category", json_string(c->category));
    if (c->date != DATE_NONE)
        json_object_set_new(o, "date", render_date(c->date));
    if (c->from != DATE_NONE) {
        json_object_set_new(o, "from", render_date(c->from));
        json_object_set_new(o, "to", render_date(c->to));
    }
    json_object_set_new(o, "claimed", json_integer(c->claimed));
    if (c->has_actual)
        json_object_set_new(o, "actual", json_integer(c->actual));
    json_object_set_new(o, "verdict", json_string(check_verdict_name(c->verdict)));
    json_object_set_new(o, "note", json_string(c->note));
    if (c->evidence[0])
        json_object_set_new(o, "evidence", json_string(c->evidence));
    return o;
}

static json_t *render_check(const check_result *r, const char *text)
{
    json_t *claims = json_array();
    for (size_t i = 0; claims && i < r->n; i++)
        json_array_append_new(claims, render_claim(&r->claims[i], text));
    return claims == NULL ? NULL : json_pack(
        "{s:o, s:o, s:{s:I, s:I, s:I}}", "as_of", render_date(r->as_of), "claims", claims,
        "counts", "correct", (json_int_t)r->counts[CHECK_CORRECT], "incorrect",
        (json_int_t)r->counts[CHECK_INCORRECT], "unverifiable",
        (json_int_t)r->counts[CHECK_UNVERIFIABLE]);
}

/* Checks text (len bytes) as of as_of and answers. */
static enum MHD_Result check_and_reply(request *req, const char *text, size_t len, int as_of)
{
    deploy_estimate *deps = NULL;
    size_t n_deps = 0;
    check_result r;
    enum MHD_Result res;
    if (len == 0)
        return reply_problem(req, MHD_HTTP_BAD_REQUEST, "text: empty; send the text to check");
    if (len > CHECK_MAX_TEXT)
        return reply_problem(req, MHD_HTTP_CONTENT_TOO_LARGE, "text: %zu bytes, more than the "
                             "%d bytes a check takes", len, CHECK_MAX_TEXT);
    if (!text_utf8_valid(text, len) || memchr(text, '\0', len) != NULL) /* also with no data */
        return reply_problem(req, MHD_HTTP_BAD_REQUEST, "text: not UTF-8 text (invalid bytes or "
                             "a NUL character)");
    stats_snapshot *s = req_snapshot(req);
    store_lock(req->app->st);
    int drc = deploy_list(req->app->st, NULL, &deps, &n_deps, NULL);
    store_unlock(req->app->st);
    int rc = s->n_rep == 0 ? CHECK_OK : check_text(s, deps, n_deps, text, len, as_of, &r);
    if (s->n_rep == 0)
        res = reply_no_data(req);
    else if (drc != DEPLOY_OK && app_store_unreachable(req->app, 0))
        res = reply_store_unavailable(req, "the check could not be made");
    else if (drc != DEPLOY_OK || rc == CHECK_ENOMEM)
        res = reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "the check could not be made "
                            "(%s); retry later", drc != DEPLOY_OK ? "database error" : "out of memory");
    else if (rc != CHECK_OK)
        res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "text: not UTF-8 text (invalid bytes or "
                            "a NUL character)");
    else
        res = reply_json_new(req, MHD_HTTP_OK, render_check(&r, text));
    if (s->n_rep > 0 && rc == CHECK_OK)
        check_result_free(&r);
    deploy_list_free(deps, n_deps);
    stats_snapshot_unref(s);
    return res;
}

/* GET /v1/check?text=...&as_of=... */
enum MHD_Result handle_check_get(request *req)
{
    enum MHD_Result res = MHD_NO;
    int as_of;
    const char *text = req_query(req, "text");
    if (param_query_date(req, "as_of", &as_of, &res) != 0)
        return res;
    if (text == NULL)
        return reply_problem(req, MHD_HTTP_BAD_REQUEST, "text: required (the text to check)");
    return check_and_reply(req, text, strlen(text), as_of);
}

/* POST /v1/check: text/plain (?as_of=) or application/json {"text", "as_of"}. */
enum MHD_Result handle_check_post(request *req)
{
    static const char *const types[] = {"text/plain", "application/json", NULL};
    enum MHD_Result res = MHD_NO;
    int as_of, kind;
    if (req->body == NULL || req->body_len == 0)
        return reply_problem(req, MHD_HTTP_BAD_REQUEST, "the request body is empty: send the "
                             "text as text/plain or {\"text\": ...} as application/json");
    if ((kind = param_content_type(req, types, "the text as text/plain or application/json",
                                   &res)) < 0 || param_query_date(req, "as_of", &as_of, &res) != 0)
        return res;
    if (kind == 0)
        return check_and_reply(req, req->body, req->body_len, as_of);
    json_error_t e;
    json_t *o = json_loadb(req->body, req->body_len, 0, &e);
    const char *text = json_string_value(json_object_get(o, "text"));
    const char *as = json_string_value(json_object_get(o, "as_of"));
    if (text == NULL || (json_object_get(o, "as_of") && !json_is_null(json_object_get(o, "as_of"))
                         && (as == NULL || date_parse(as, &as_of) != 0)))
        res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "%s", o == NULL ? "the body is not JSON"
                            : text == NULL ? "text: required, a string"
                            : "as_of: expected a date YYYY-MM-DD");
    else
        res = check_and_reply(req, text, json_string_length(json_object_get(o, "text")), as_of);
    json_decref(o);
    return res;
}
