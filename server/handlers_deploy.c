/* GET and POST /v1/deployments, GET /v1/deployments/summary, GET, PUT and DELETE
 * /v1/deployments/{id}: published estimates of foreign troops deployed to a party of the
 * war (core: include/attrition/deploy.h; shapes: deploy_json.h).
 * Reads call core under the store lock and record the data version they saw (req_snapshot)
 * for the response cache and Last-Modified. Each write is one core call (deploy_create,
 * deploy_replace, deploy_delete: one transaction each, data version touched) under the
 * store lock, answered once that data version is served (publish_await, publish.h), so the
 * data version, ETags and cached answers move with it. The writes' routes are ROUTE_NEEDS_AUTH: route_dispatch checks the
 * token before these handlers run.
 * Statuses: 400 bad parameter or unreadable body; 404 no such estimate, or nothing stored
 * for the pair of a summary; 415 not application/json; 422 an estimate deploy_from_json or
 * deploy_validate refuses (their detail); 503 when the database cannot serve (read-only,
 * disk full, busy, out of memory): never a 500. */
#include "handlers.h"
#include "deploy_json.h"
#include "log.h"
#include "param.h"
#include "publish.h"
#include "render.h"
#include "reply.h"
#include "attrition/country.h"
#include "attrition/date.h"
#include "attrition/deploy.h"
#include "attrition/text.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- parameters: each sends its 400 itself and returns -1 ------------------------------ */


/* Query parameter name as an assigned ISO 3166-1 alpha-2 code into *code (borrowed from
 * libmicrohttpd; NULL when absent and not required). Returns 0, or sends 400 (missing while
 * required, or not an assigned upper-case code) and returns -1. */
static int param_code(request *req, const char *name, int required, const char **code,
                      enum MHD_Result *res)
{
    char q[TEXT_QUOTE_SIZE];
    *code = req_query(req, name);
    if (*code == NULL && !required)
        return 0;
    if (*code == NULL)
        *res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "%s is required: an ISO 3166-1 alpha-2 "
                             "code such as KP or RU", name);
    else if (!country_valid(*code))
        *res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "%s: \"%s\" is not an ISO 3166-1 alpha-2 "
                             "code (two upper-case letters, such as KP or RU)", name,
                             text_quote_str(*code, q));
    else
        return 0;
    return -1;
}

/* The list's filters: country, deployed_to, source (at most DEPLOY_SOURCE_NAME_MAX bytes)
 * and the from/to window of as_of (param_window: DATE_NONE when absent, 400 when from is
 * after to), whose dates may not precede 1970-01-01 (no estimate can). Strings are borrowed from
 * libmicrohttpd. Returns 0, or sends 400 and returns -1. */
static int param_filter(request *req, deploy_filter *f, enum MHD_Result *res)
{
    const char *late = NULL;
    if (param_code(req, "country", 0, &f->country, res) != 0 ||
        param_code(req, "deployed_to", 0, &f->deployed_to, res) != 0 ||
        param_window(req, &f->from, &f->to, res) != 0)
        return -1;
    f->source = req_query(req, "source");
    if (f->source != NULL && strlen(f->source) > DEPLOY_SOURCE_NAME_MAX) {
        *res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "source: %zu bytes, at most %d allowed",
                             strlen(f->source), DEPLOY_SOURCE_NAME_MAX);
        return -1;
    }
    if (f->from != DATE_NONE && f->from < 0)
        late = "from";
    else if (f->to != DATE_NONE && f->to < 0)
        late = "to";
    if (late == NULL)
        return 0;
    *res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "%s: dates before 1970-01-01 are not "
                         "supported", late);
    return -1;
}

/* Path parameter 0 as an estimate id, a decimal integer from 1 to INT64_MAX, into *id.
 * Returns 0, or sends 400 and returns -1. */
static int param_id(request *req, int64_t *id, enum MHD_Result *res)
{
    const char *s = req->n_params > 0 ? req->params[0] : "";
    char q[TEXT_QUOTE_SIZE];
    size_t i;
    *id = 0;
    for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
        if (*id > (INT64_MAX - (s[i] - '0')) / 10)
            break; /* too large: s[i] is a digit, so the check below refuses it */
        *id = *id * 10 + (s[i] - '0');
    }
    if (i > 0 && s[i] == '\0' && *id > 0)
        return 0;
    *res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "id: \"%s\" is not a positive integer "
                         "(1 to %" PRId64 ")", text_quote_str(s, q), INT64_MAX);
    return -1;
}

/* ---- request bodies --------------------------------------------------------------------- */

/* Sends 415 and returns -1 unless the Content-Type is application/json (param_content_type,
 * with its charset rule). Returns 0 otherwise. */
static int body_is_json(request *req, enum MHD_Result *res)
{
    static const char *const types[] = {"application/json", NULL};
    return param_content_type(req, types, "the estimate as application/json", res) < 0 ? -1 : 0;
}

/* A body "id" that contradicts the path's id (PUT): returns DEPLOY_EINVAL with a detail,
 * else DEPLOY_OK. Absent or null is fine; root is borrowed. */
static int body_id_matches(const json_t *root, int64_t id, char *detail, size_t len)
{
    const json_t *v = json_object_get(root, "id");
    if (v == NULL || json_is_null(v) || (json_is_integer(v) && json_integer_value(v) == id))
        return DEPLOY_OK;
    snprintf(detail, len, "id: the body's id is not %" PRId64 ", the id in the path", id);
    return DEPLOY_EINVAL;
}

/* The request body as an estimate with id (0 for a new one) into *e, which the caller clears
 * in every case. The content is checked with deploy_validate against today. Returns 0, or
 * sends 400 (empty body, JSON syntax, not an object), 415 (see body_is_json), 422 (the detail of
 * deploy_from_json or deploy_validate; a body "id" other than the path's) or 503 (out of
 * memory) and returns -1. */
static int body_estimate(request *req, int64_t id, deploy_estimate *e, enum MHD_Result *res)
{
    char detail[DEPLOY_DETAIL_LEN], q[TEXT_QUOTE_SIZE];
    json_error_t jerr;
    json_t *root = NULL;
    int status;
    if (req->body == NULL || req->body_len == 0) {
        *res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "the request body is empty: send the "
                             "estimate as a JSON object");
        return -1;
    }
    if (body_is_json(req, res) != 0)
        return -1;
    root = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(root)) {
        *res = root == NULL
            ? reply_problem(req, MHD_HTTP_BAD_REQUEST, "the body is not valid JSON: line %d, "
                            "column %d: %s", jerr.line, jerr.column, text_quote_str(jerr.text, q))
            : reply_problem(req, MHD_HTTP_BAD_REQUEST, "the body must be a JSON object (one "
                            "estimate)");
        json_decref(root);
        return -1;
    }
    status = deploy_from_json(root, e, detail, sizeof detail);
    if (status == DEPLOY_OK)
        status = deploy_validate(e, date_today(), detail, sizeof detail);
    if (status == DEPLOY_OK && id > 0)
        status = body_id_matches(root, id, detail, sizeof detail);
    json_decref(root);
    e->id = id;
    if (status == DEPLOY_OK)
        return 0;
    *res = status == DEPLOY_ENOMEM
        ? reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory reading the "
                        "estimate; retry later")
        : reply_problem(req, MHD_HTTP_UNPROCESSABLE_CONTENT, "%s", detail);
    return -1;
}

/* ---- store access ----------------------------------------------------------------------- */

/* THE answer to a failed deploy_* call (f->status) on estimate id (0: none in particular):
 * 404 for DEPLOY_ENOTFOUND, 422 for DEPLOY_EINVAL, otherwise 503 (logged) saying whether
 * anything was stored: write (1 for a write) and committed (1: the write is durable, only
 * the snapshot reload failed, with f->store_status its status). */
static enum MHD_Result reply_deploy_error(request *req, const deploy_failure *f, int64_t id,
                                     int write, int committed)
{
    const char *undone = write ? "; nothing was changed" : "";
    if (f->status == DEPLOY_ENOTFOUND)
        return reply_problem(req, MHD_HTTP_NOT_FOUND, "no deployment estimate has id %" PRId64,
                             id);
    if (f->status == DEPLOY_EINVAL)
        return reply_problem(req, MHD_HTTP_UNPROCESSABLE_CONTENT, "the store refused the "
                             "estimate while %s", f->doing);
    log_event_new("deploy_db_error", json_pack("{s:s, s:s, s:i, s:i, s:I}", "doing", f->doing,
                  "reason", f->why, "store_status", f->store_status, "committed", committed,
                  "id", (json_int_t)id));
    if (app_store_unreachable(req->app, f->store_status)) {
        if (committed)
            return reply_store_unavailable(req, "the write of estimate %" PRId64 " is committed "
                                           "and will be served once the store answers again", id);
        return reply_store_unavailable(req, "%s failed%s", f->doing, undone);
    }
    if (committed)
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "the write of estimate %" PRId64
                             " is committed, but the service could not reload its data version "
                             "(%s), so cached answers may be stale until the next write; check "
                             "with GET /v1/deployments/%" PRId64 " rather than sending it again",
                             id, f->store_status == STORE_ENOMEM ? "out of memory"
                             : "database error", id);
    unsigned status = reply_store_status(f->store_status);
    if (f->store_status == STORE_EREADONLY)
        return reply_problem(req, status, "the database is read-only, full "
                             "or unavailable while %s (%s)%s; retry once an operator has fixed "
                             "it", f->doing, f->why, undone);
    if (f->store_status == STORE_ENOMEM)
        return reply_problem(req, status, "out of memory while %s%s; "
                             "retry later", f->doing, undone);
    return reply_problem(req, status, "database error while %s (%s)%s; "
                         "retry later", f->doing, f->why, undone);
}

enum write_op { WRITE_CREATE, WRITE_REPLACE, WRITE_DELETE };

/* A committed write waiting for its publication (publish_await's state). */
typedef struct deploy_written {
    enum write_op op;
    int64_t id;                /* the estimate written */
    deploy_estimate stored;    /* as stored (create and replace) */
} deploy_written;

static void deploy_written_free(void *p)
{
    deploy_written *w = p;
    deploy_estimate_clear(&w->stored);
    free(w);
}

/* publish_answer of a write: 201 + Location or 200 with the stored estimate, 204 for a
 * delete, or the 503 of a committed write whose publication failed. */
static enum MHD_Result answer_written(request *req, void *state, int status)
{
    deploy_written *w = state;
    char loc[64];
    if (status != STORE_OK) {
        deploy_failure f = {DEPLOY_EDB, status, "reloading the data", ""};
        return reply_deploy_error(req, &f, w->id, 1, 1);
    }
    if (w->op == WRITE_DELETE)
        return reply_bytes(req, MHD_HTTP_NO_CONTENT, NULL, "", 0);
    if (w->op == WRITE_CREATE) {
        snprintf(loc, sizeof loc, "/v1/deployments/%" PRId64, w->stored.id);
        reply_add_header(req, MHD_HTTP_HEADER_LOCATION, loc);
    }
    return reply_json_new(req, w->op == WRITE_CREATE ? MHD_HTTP_CREATED : MHD_HTTP_OK,
                          deploy_to_json(&w->stored));
}

/* One write: the core write (its own transaction) by op under the store lock, then the
 * answer once its data version is served (publish_await). Answers a failure itself (see
 * reply_deploy_error). e (NULL for a delete) stays the caller's. */
static enum MHD_Result write_published(request *req, enum write_op op, deploy_estimate *e,
                                       int64_t id)
{
    app *a = req->app;
    deploy_failure f = {0};
    deploy_written *w = calloc(1, sizeof *w);
    if (w == NULL)
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory; retry later");
    *w = (deploy_written){op, e != NULL ? e->id : id, DEPLOY_ESTIMATE_INIT};
    store_lock(a->st);
    int rc = op == WRITE_CREATE ? deploy_create(a->st, e, &w->stored, &f)
           : op == WRITE_REPLACE ? deploy_replace(a->st, e, &w->stored, &f)
                                 : deploy_delete(a->st, id, &f);
    uint64_t version = store_data_version(a->st);
    store_unlock(a->st);
    if (rc != DEPLOY_OK) {
        enum MHD_Result res = reply_deploy_error(req, &f, w->id, 1, 0);
        deploy_written_free(w);
        return res;
    }
    if (op == WRITE_CREATE)
        w->id = w->stored.id;
    return publish_await(req, version, answer_written, w, deploy_written_free);
}

/* Stores the estimate of the request body (create: id 0; replace: the path's id) and answers
 * 201 + Location or 200 with the stored estimate, or the error. */
static enum MHD_Result write_estimate(request *req, enum write_op op, int64_t id)
{
    enum MHD_Result res = MHD_NO;
    deploy_estimate e = DEPLOY_ESTIMATE_INIT;
    if (body_estimate(req, id, &e, &res) == 0)
        res = write_published(req, op, &e, id);
    deploy_estimate_clear(&e);
    return res;
}

/* ---- handlers --------------------------------------------------------------------------- */

/* {"deployments": [estimate...]}: a new reference, or NULL when out of memory. */
static json_t *list_json(const deploy_estimate *v, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < n; i++)
        if (json_array_append_new(list, deploy_to_json(&v[i])) != 0) {
            json_decref(list);
            list = NULL;
        }
    return list != NULL ? json_pack("{s:o}", "deployments", list) : NULL;
}

enum MHD_Result handle_deployments_list(request *req)
{
    enum MHD_Result res = MHD_NO;
    deploy_filter f = {NULL, NULL, NULL, DATE_NONE, DATE_NONE};
    deploy_estimate *v = NULL;
    deploy_failure fail = {0};
    size_t n = 0;
    int rc;
    if (param_filter(req, &f, &res) != 0)
        return res;
    store_lock(req->app->st);
    rc = deploy_list(req->app->st, &f, &v, &n, &fail);
    stats_snapshot_unref(req_snapshot(req)); /* the data version of what was read */
    store_unlock(req->app->st);
    if (rc != DEPLOY_OK)
        res = reply_deploy_error(req, &fail, 0, 0, 0);
    else
        res = reply_json_new(req, MHD_HTTP_OK, list_json(v, n));
    deploy_list_free(v, n);
    return res;
}

enum MHD_Result handle_deployment_get(request *req)
{
    enum MHD_Result res = MHD_NO;
    deploy_estimate e = DEPLOY_ESTIMATE_INIT;
    deploy_failure fail = {0};
    int64_t id;
    int rc;
    if (param_id(req, &id, &res) != 0)
        return res;
    store_lock(req->app->st);
    rc = deploy_get(req->app->st, id, &e, &fail);
    stats_snapshot_unref(req_snapshot(req)); /* the data version of what was read */
    store_unlock(req->app->st);
    if (rc != DEPLOY_OK)
        res = reply_deploy_error(req, &fail, id, 0, 0);
    else
        res = reply_json_new(req, MHD_HTTP_OK, deploy_to_json(&e));
    deploy_estimate_clear(&e);
    return res;
}

/* The summary of one pair. A pair with nothing stored is 404 (the same as an unknown
 * estimate): an empty summary would only be nulls and empty lists. */
enum MHD_Result handle_deployments_summary(request *req)
{
    enum MHD_Result res = MHD_NO;
    const char *country, *to;
    deploy_summary sum;
    deploy_failure fail = {0};
    int rc;
    if (param_code(req, "country", 1, &country, &res) != 0 ||
        param_code(req, "deployed_to", 1, &to, &res) != 0)
        return res;
    if (strcmp(country, to) == 0)
        return reply_problem(req, MHD_HTTP_BAD_REQUEST, "country and deployed_to must differ "
                             "(both are %s)", country);
    store_lock(req->app->st);
    rc = deploy_summary_compute(req->app->st, country, to, &sum, &fail);
    stats_snapshot_unref(req_snapshot(req)); /* the data version of what was read */
    store_unlock(req->app->st);
    if (rc != DEPLOY_OK)
        res = reply_deploy_error(req, &fail, 0, 0, 0);
    else if (sum.n_history == 0)
        res = reply_problem(req, MHD_HTTP_NOT_FOUND, "no deployment estimates are stored for "
                            "troops of %s (%s) deployed to %s (%s)", country_name(country),
                            country, country_name(to), to);
    else
        res = reply_json_new(req, MHD_HTTP_OK, deploy_summary_to_json(&sum, country, to));
    deploy_summary_free(&sum);
    return res;
}

enum MHD_Result handle_deployments_create(request *req)
{
    return write_estimate(req, WRITE_CREATE, 0);
}

enum MHD_Result handle_deployment_replace(request *req)
{
    enum MHD_Result res = MHD_NO;
    int64_t id;
    if (param_id(req, &id, &res) != 0)
        return res;
    return write_estimate(req, WRITE_REPLACE, id);
}

enum MHD_Result handle_deployment_delete(request *req)
{
    enum MHD_Result res = MHD_NO;
    int64_t id;
    if (param_id(req, &id, &res) != 0)
        return res;
    return write_published(req, WRITE_DELETE, NULL, id);
}
