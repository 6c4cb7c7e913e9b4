/* Deployment estimates over real HTTP, on a fresh database (seeded with the two North Korea
 * estimates of config/deployments.json, ids 1 and 2; no dataset needed): the summary, the
 * list's filters, GET by id, create / replace / delete with the ETag of the list following
 * each write, authentication, and the 400 / 415 / 422 answers to bad input, none of which
 * stores anything. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

TCase *http_deploy_tcase(void);

#define TOKEN "tok-deploy-3fK9-not-logged"
#define AUTH "Authorization: Bearer " TOKEN
#define JSON_CT "Content-Type: application/json"
#define LIST "/v1/deployments"
#define SUMMARY "/v1/deployments/summary?country=KP&deployed_to=RU"
#define WHITE_HOUSE "White House (John Kirby, National Security Council spokesperson)"
#define NIS "National Intelligence Service (South Korea)"

static const char *const env_token[] = {"ATTRITION_TOKEN=" TOKEN, NULL};

/* A valid new estimate (the US State Department's of 2024-11-04). */
static const char new_estimate[] =
    "{\"country\": \"KP\", \"deployed_to\": \"RU\", \"figure\": 11000, \"low\": 10000, "
    "\"high\": 12000, \"kind\": \"confirmed\", \"as_of\": \"2024-11-04\", "
    "\"description\": \"About 11,000 North Korean soldiers in the Kursk region\", "
    "\"source\": {\"name\": \"US State Department\", \"url\": \"https://www.state.gov/\"}}";

/* Starts a server on a fresh database, with the token or (token 0) without one. */
static void start(test_server *s, int token)
{
    ck_assert_int_eq(test_server_prepare(s), 0);
    ck_assert_int_eq(test_server_start(s, token ? env_token : NULL), 0);
}

static void stop(test_server *s)
{
    ck_assert_int_eq(test_server_stop(s), 0);
    test_server_cleanup(s);
}

/* Sends method path with up to two headers (h2 only after h1) and body (may be NULL);
 * asserts the transport worked and the token is not echoed. */
static void send_req(const test_server *s, const char *method, const char *path,
                     const char *h1, const char *h2, const char *body, http_resp *r)
{
    const char *headers[] = {h1, h1 ? h2 : NULL, NULL};
    ck_assert_msg(http_request(s, method, path, headers, body, body ? strlen(body) : 0, r) == 0,
                  "%s %s: transport error", method, path);
    ck_assert_msg(strstr(r->body, TOKEN) == NULL, "%s %s quotes the token", method, path);
}

/* Asserts r's status; for a problem, that it is problem+json with a detail containing want
 * (want may be NULL). */
static void expect(const http_resp *r, long status, const char *want)
{
    char ct[128];
    const char *detail = json_string_value(json_object_get(r->json, "detail"));
    ck_assert_msg(r->status == status, "status %ld, want %ld: %s", r->status, status, r->body);
    if (status < 400)
        return;
    ck_assert_str_eq(http_header(r, "Content-Type", ct, sizeof ct), "application/problem+json");
    ck_assert_int_eq(json_path_int(r->json, "status"), status);
    if (want != NULL)
        ck_assert_msg(detail && strstr(detail, want), "detail \"%s\" lacks \"%s\"",
                      detail ? detail : r->body, want);
}

/* A GET that must fail: path, status, a part of the detail. */
typedef struct bad_get {
    const char *path;
    long status;
    const char *detail;
} bad_get;

/* GETs each path and asserts its status and problem detail. */
static void expect_gets(const test_server *s, const bad_get *bad, size_t n)
{
    http_resp r;
    for (size_t i = 0; i < n; i++) {
        send_req(s, "GET", bad[i].path, NULL, NULL, NULL, &r);
        expect(&r, bad[i].status, bad[i].detail);
        http_resp_free(&r);
    }
}

/* The string at a dotted path of objects ("latest.source.name"), or NULL. */
static const char *str_at(const json_t *root, const char *path)
{
    char key[64];
    const json_t *v = root;
    while (v != NULL && *path != '\0') {
        size_t n = strcspn(path, ".");
        snprintf(key, sizeof key, "%.*s", (int)n, path);
        v = json_object_get(v, key);
        path += n + (path[n] == '.');
    }
    return json_string_value(v);
}

/* GET path, asserts 200, and returns the number of estimates of a list answer. */
static size_t list_count(const test_server *s, const char *path)
{
    http_resp r;
    send_req(s, "GET", path, NULL, NULL, NULL, &r);
    expect(&r, 200, NULL);
    json_t *list = json_object_get(r.json, "deployments");
    ck_assert_msg(json_is_array(list), "GET %s: %s", path, r.body);
    size_t n = json_array_size(list);
    http_resp_free(&r);
    return n;
}

/* GET LIST, asserts 200, its estimate count and a Last-Modified, copies its ETag (32
 * bytes). */
static void list_etag(const test_server *s, size_t count, char etag[32])
{
    http_resp r;
    char lm[64];
    send_req(s, "GET", LIST, NULL, NULL, NULL, &r);
    expect(&r, 200, NULL);
    ck_assert_uint_eq(json_array_size(json_object_get(r.json, "deployments")), count);
    ck_assert_ptr_nonnull(http_header(&r, "ETag", etag, 32));
    ck_assert_ptr_nonnull(http_header(&r, "Last-Modified", lm, sizeof lm));
    http_resp_free(&r);
}

/* The seed gives the summary of the contract: range 3000..12000, the White House's 3000 as
 * the latest figure, the South Korean projection of 12000 by 2024-12-31. */
START_TEST(test_http_deploy_summary)
{
    test_server s;
    http_resp r;
    char etag[32];
    start(&s, 1);
    send_req(&s, "GET", SUMMARY, NULL, NULL, NULL, &r);
    expect(&r, 200, NULL);
    ck_assert_str_eq(str_at(r.json, "country"), "KP");
    ck_assert_str_eq(str_at(r.json, "deployed_to"), "RU");
    ck_assert_int_eq(json_path_int(r.json, "range.low"), 3000);
    ck_assert_int_eq(json_path_int(r.json, "range.high"), 12000);
    ck_assert_int_eq(json_path_int(r.json, "latest.figure"), 3000);
    ck_assert_str_eq(str_at(r.json, "latest.kind"), "reported");
    ck_assert_str_eq(str_at(r.json, "latest.as_of"), "2024-10-23");
    ck_assert_str_eq(str_at(r.json, "latest.source.name"), WHITE_HOUSE);
    ck_assert_int_eq(json_path_int(r.json, "projection.figure"), 12000);
    ck_assert_str_eq(str_at(r.json, "projection.kind"), "projection");
    ck_assert_str_eq(str_at(r.json, "projection.target_date"), "2024-12-31");
    ck_assert_str_eq(str_at(r.json, "projection.source.name"), NIS);
    ck_assert_uint_eq(json_array_size(json_object_get(r.json, "by_source")), 2);
    ck_assert_uint_eq(json_array_size(json_object_get(r.json, "history")), 2);
    ck_assert_ptr_nonnull(http_header(&r, "ETag", etag, sizeof etag));
    http_resp_free(&r);

    static const bad_get bad[] = {
        {"/v1/deployments/summary?country=KP", 400, "deployed_to is required"},
        {"/v1/deployments/summary?deployed_to=RU", 400, "country is required"},
        {"/v1/deployments/summary?country=XX&deployed_to=RU", 400,
         "country: \"XX\" is not an ISO 3166-1 alpha-2 code"},
        {"/v1/deployments/summary?country=KP&deployed_to=ru", 400, "deployed_to: \"ru\""},
        {"/v1/deployments/summary?country=RU&deployed_to=RU", 400, "must differ"},
        {"/v1/deployments/summary?country=KP&deployed_to=UA", 404,
         "no deployment estimates are stored for troops of North Korea (KP) deployed to "
         "Ukraine (UA)"},
    };
    expect_gets(&s, bad, sizeof bad / sizeof bad[0]);
    stop(&s);
}
END_TEST

/* The list's filters, GET by id, and bad parameters. */
START_TEST(test_http_deploy_list)
{
    test_server s;
    http_resp r;
    start(&s, 1);
    ck_assert_uint_eq(list_count(&s, LIST), 2);
    ck_assert_uint_eq(list_count(&s, LIST "?country=KP&deployed_to=RU"), 2);
    ck_assert_uint_eq(list_count(&s, LIST "?deployed_to=UA"), 0);
    ck_assert_uint_eq(list_count(&s, LIST "?country=BY"), 0);
    ck_assert_uint_eq(list_count(&s, LIST "?from=2024-10-23&to=2024-10-23"), 2);
    ck_assert_uint_eq(list_count(&s, LIST "?from=2024-10-24"), 0);
    ck_assert_uint_eq(list_count(&s, LIST "?to=2024-10-22"), 0);
    ck_assert_uint_eq(list_count(&s, LIST "?source=nowhere"), 0);

    send_req(&s, "GET", LIST "?source=white%20house", NULL, NULL, NULL, &r);
    expect(&r, 200, NULL);
    json_t *only = json_array_get(json_object_get(r.json, "deployments"), 0);
    ck_assert_uint_eq(json_array_size(json_object_get(r.json, "deployments")), 1);
    ck_assert_int_eq(json_path_int(only, "id"), 1);
    ck_assert_int_eq(json_path_int(only, "figure"), 3000);
    ck_assert_str_eq(str_at(only, "country_name"), "North Korea");
    ck_assert_str_eq(str_at(only, "source.name"), WHITE_HOUSE);
    ck_assert(json_is_null(json_object_get(only, "target_date")));
    http_resp_free(&r);

    send_req(&s, "GET", "/v1/deployments/2", NULL, NULL, NULL, &r);
    expect(&r, 200, NULL);
    ck_assert_int_eq(json_path_int(r.json, "id"), 2);
    ck_assert_int_eq(json_path_int(r.json, "figure"), 12000);
    ck_assert_int_eq(json_path_int(r.json, "high"), 12000);
    ck_assert_str_eq(str_at(r.json, "target_date"), "2024-12-31");
    ck_assert_str_eq(str_at(r.json, "source.name"), NIS);
    http_resp_free(&r);

    static const bad_get bad[] = {
        {LIST "?country=XX", 400, "country: \"XX\" is not an ISO 3166-1 alpha-2 code"},
        {LIST "?country=kp", 400, "country: \"kp\""},
        {LIST "?deployed_to=RUS", 400, "deployed_to: \"RUS\""},
        {LIST "?from=2024-11-01&to=2024-10-01", 400, "from (2024-11-01) is after to (2024-10-01)"},
        {LIST "?from=2024-02-30", 400, "from: \"2024-02-30\" is not a date"},
        {LIST "?to=yesterday", 400, "to: \"yesterday\" is not a date"},
        {LIST "?from=1969-12-31", 400, "before 1970-01-01"},
        {"/v1/deployments/abc", 400, "id: \"abc\" is not a positive integer"},
        {"/v1/deployments/0", 400, "id: \"0\" is not a positive integer"},
        {"/v1/deployments/-1", 400, "id: \"-1\""},
        {"/v1/deployments/1.5", 400, "id: \"1.5\""},
        {"/v1/deployments/99999999999999999999", 400, "is not a positive integer"},
        {"/v1/deployments/999", 404, "no deployment estimate has id 999"},
    };
    expect_gets(&s, bad, sizeof bad / sizeof bad[0]);
    stop(&s);
}
END_TEST

/* Create (201 + Location), read it back, replace, delete (204, then 404): each write
 * changes the list's ETag at once, so the cached answer is never served stale. */
START_TEST(test_http_deploy_crud)
{
    test_server s;
    http_resp r;
    char e0[32], e1[32], e2[32], e3[32], loc[64], want[64];
    const char *inm[] = {NULL, NULL};
    start(&s, 1);
    list_etag(&s, 2, e0);

    send_req(&s, "POST", LIST, JSON_CT, AUTH, new_estimate, &r);
    expect(&r, 201, NULL);
    long long id = json_path_int(r.json, "id");
    ck_assert_int_eq(id, 3);
    snprintf(want, sizeof want, "/v1/deployments/%lld", id);
    ck_assert_str_eq(http_header(&r, "Location", loc, sizeof loc), want);
    ck_assert_int_eq(json_path_int(r.json, "figure"), 11000);
    ck_assert_int_eq(json_path_int(r.json, "low"), 10000);
    ck_assert_str_eq(str_at(r.json, "kind"), "confirmed");
    ck_assert_str_eq(str_at(r.json, "source.url"), "https://www.state.gov/");
    http_resp_free(&r);

    send_req(&s, "GET", loc, NULL, NULL, NULL, &r);
    expect(&r, 200, NULL);
    ck_assert_int_eq(json_path_int(r.json, "id"), id);
    ck_assert_int_eq(json_path_int(r.json, "figure"), 11000);
    ck_assert_str_eq(str_at(r.json, "as_of"), "2024-11-04");
    ck_assert_str_eq(str_at(r.json, "source.name"), "US State Department");
    http_resp_free(&r);
    list_etag(&s, 3, e1);
    ck_assert_str_ne(e0, e1);
    char old[64];
    snprintf(old, sizeof old, "If-None-Match: %s", e0);
    inm[0] = old;
    ck_assert_int_eq(http_request(&s, "GET", LIST, inm, NULL, 0, &r), 0);
    expect(&r, 200, NULL); /* the old ETag no longer matches: no 304 */
    http_resp_free(&r);

    send_req(&s, "GET", SUMMARY, NULL, NULL, NULL, &r);
    expect(&r, 200, NULL);
    ck_assert_int_eq(json_path_int(r.json, "latest.id"), id);
    ck_assert_int_eq(json_path_int(r.json, "latest.figure"), 11000);
    ck_assert_int_eq(json_path_int(r.json, "range.low"), 3000);
    ck_assert_int_eq(json_path_int(r.json, "range.high"), 12000);
    ck_assert_uint_eq(json_array_size(json_object_get(r.json, "history")), 3);
    /* history items carry the source as estimates do: {"name", "url"} (API.md) */
    const json_t *h2 = json_array_get(json_object_get(r.json, "history"), 2);
    ck_assert_int_eq(json_path_int(h2, "id"), id);
    ck_assert_str_eq(str_at(h2, "source.name"), "US State Department");
    ck_assert_str_eq(str_at(h2, "source.url"), "https://www.state.gov/");
    ck_assert(json_is_null(json_object_get(json_object_get(
        json_array_get(json_object_get(r.json, "history"), 0), "source"), "url")));
    http_resp_free(&r);

    /* Replace: a GET's answer can be sent back (id, names) with one figure changed. */
    const char *repl = "{\"id\": 3, \"country\": \"KP\", \"country_name\": \"North Korea\", "
        "\"deployed_to\": \"RU\", \"figure\": 11500, \"kind\": \"reported\", "
        "\"as_of\": \"2024-11-05\", \"source\": {\"name\": \"US State Department\"}}";
    send_req(&s, "PUT", loc, JSON_CT, AUTH, repl, &r);
    expect(&r, 200, NULL);
    ck_assert_int_eq(json_path_int(r.json, "id"), id);
    ck_assert_int_eq(json_path_int(r.json, "figure"), 11500);
    ck_assert(json_is_null(json_object_get(r.json, "low")));
    ck_assert(json_is_null(json_object_get(r.json, "description")));
    http_resp_free(&r);
    send_req(&s, "GET", loc, NULL, NULL, NULL, &r);
    expect(&r, 200, NULL);
    ck_assert_int_eq(json_path_int(r.json, "figure"), 11500);
    ck_assert_str_eq(str_at(r.json, "as_of"), "2024-11-05");
    ck_assert_str_eq(str_at(r.json, "kind"), "reported");
    http_resp_free(&r);
    list_etag(&s, 3, e2);
    ck_assert_str_ne(e1, e2);

    send_req(&s, "PUT", "/v1/deployments/99", JSON_CT, AUTH, new_estimate, &r);
    expect(&r, 404, "no deployment estimate has id 99");
    http_resp_free(&r);
    send_req(&s, "PUT", "/v1/deployments/1", JSON_CT, AUTH, repl, &r);
    expect(&r, 422, "id: the body's id is not 1");
    http_resp_free(&r);

    send_req(&s, "DELETE", loc, AUTH, NULL, NULL, &r);
    expect(&r, 204, NULL);
    ck_assert_uint_eq(r.len, 0);
    http_resp_free(&r);
    send_req(&s, "GET", loc, NULL, NULL, NULL, &r);
    expect(&r, 404, "no deployment estimate has id 3");
    http_resp_free(&r);
    send_req(&s, "DELETE", loc, AUTH, NULL, NULL, &r);
    expect(&r, 404, "no deployment estimate has id 3");
    http_resp_free(&r);
    send_req(&s, "DELETE", "/v1/deployments/abc", AUTH, NULL, NULL, &r);
    expect(&r, 400, "id: \"abc\"");
    http_resp_free(&r);
    list_etag(&s, 2, e3);
    ck_assert_str_ne(e2, e3);

    send_req(&s, "GET", SUMMARY, NULL, NULL, NULL, &r);
    expect(&r, 200, NULL);
    ck_assert_int_eq(json_path_int(r.json, "latest.figure"), 3000);
    ck_assert_uint_eq(json_array_size(json_object_get(r.json, "history")), 2);
    http_resp_free(&r);
    stop(&s);
}
END_TEST

/* 403 without a configured token; 401 (WWW-Authenticate: Bearer) without or with a wrong
 * one, before the body is looked at. Nothing is stored. */
START_TEST(test_http_deploy_auth)
{
    test_server s;
    http_resp r;
    char www[128];
    start(&s, 0);
    send_req(&s, "POST", LIST, JSON_CT, AUTH, new_estimate, &r);
    expect(&r, 403, "writes are disabled");
    http_resp_free(&r);
    send_req(&s, "PUT", "/v1/deployments/1", JSON_CT, AUTH, new_estimate, &r);
    expect(&r, 403, "ATTRITION_TOKEN");
    http_resp_free(&r);
    send_req(&s, "DELETE", "/v1/deployments/1", AUTH, NULL, NULL, &r);
    expect(&r, 403, "writes are disabled");
    http_resp_free(&r);
    ck_assert_uint_eq(list_count(&s, LIST), 2);
    stop(&s);

    start(&s, 1);
    static const struct {
        const char *method, *path, *h1, *h2, *body, *detail;
    } bad[] = {
        {"POST", LIST, JSON_CT, NULL, new_estimate, "no Authorization header"},
        {"POST", LIST, JSON_CT, "Authorization: Bearer wrong", new_estimate, "wrong token"},
        {"POST", LIST, "Content-Type: text/plain", NULL, "x", "no Authorization header"},
        {"PUT", "/v1/deployments/1", JSON_CT, "Authorization: Bearer wrong", new_estimate,
         "wrong token"},
        {"PUT", "/v1/deployments/abc", JSON_CT, NULL, new_estimate, "no Authorization header"},
        {"DELETE", "/v1/deployments/1", NULL, NULL, NULL, "no Authorization header"},
        {"DELETE", "/v1/deployments/1", "Authorization: Basic " TOKEN, NULL, NULL,
         "not a Bearer token"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        send_req(&s, bad[i].method, bad[i].path, bad[i].h1, bad[i].h2, bad[i].body, &r);
        expect(&r, 401, bad[i].detail);
        ck_assert_ptr_nonnull(http_header(&r, "WWW-Authenticate", www, sizeof www));
        ck_assert_int_eq(strncmp(www, "Bearer", 6), 0);
        http_resp_free(&r);
    }
    ck_assert_uint_eq(list_count(&s, LIST), 2);
    send_req(&s, "GET", "/v1/deployments/1", NULL, NULL, NULL, &r);
    expect(&r, 200, NULL);
    ck_assert_int_eq(json_path_int(r.json, "figure"), 3000);
    http_resp_free(&r);
    stop(&s);
}
END_TEST

/* 415, 400 and 422 with the detail naming what was wrong; nothing of it is stored. */
START_TEST(test_http_deploy_bad_bodies)
{
    test_server s;
    http_resp r;
    char etag[32], after[32];
    start(&s, 1);
    list_etag(&s, 2, etag);
#define EST(extra, fields) "{" extra "\"country\": \"KP\", \"deployed_to\": \"RU\", " fields \
    ", \"as_of\": \"2024-11-04\", \"source\": {\"name\": \"US State Department\"}}"
    static const struct {
        const char *ctype, *body;
        long status;
        const char *detail;
    } bad[] = {
        {"Content-Type: text/plain", new_estimate, 415,
         "Content-Type \"text/plain\" is not supported"},
        {"Content-Type: application/json; charset=latin1", new_estimate, 415,
         "charset \"latin1\""},
        {"Content-Type:", new_estimate, 415, "Content-Type is missing"},
        {JSON_CT, "", 400, "the request body is empty"},
        {JSON_CT, "{\"country\": ", 400, "the body is not valid JSON: line 1"},
        {JSON_CT, "[1, 2]", 400, "must be a JSON object"},
        {JSON_CT, "{\"figure\": 1, \"figure\": 2}", 400, "not valid JSON"},
        {JSON_CT, "{\"country\": \"XX\", \"deployed_to\": \"RU\", \"figure\": 3000, \"kind\": "
         "\"reported\", \"as_of\": \"2024-11-04\", \"source\": {\"name\": \"x\"}}", 422,
         "country: 'XX' is not an ISO 3166-1 alpha-2 code"},
        {JSON_CT, EST("", "\"figure\": 3000, \"low\": 5000, \"kind\": \"reported\""), 422,
         "low: 5000 is above figure 3000"},
        {JSON_CT, EST("", "\"figure\": 12000, \"kind\": \"projection\""), 422,
         "target_date: required for kind projection"},
        {JSON_CT, EST("", "\"figure\": 1.5, \"kind\": \"reported\""), 422,
         "figure: expected an integer, got 1.5"},
        {JSON_CT, EST("\"foo\": 1, ", "\"figure\": 3000, \"kind\": \"reported\""), 422,
         "unknown field 'foo'"},
        {JSON_CT, EST("", "\"figure\": 3000, \"kind\": \"guess\""), 422,
         "kind: 'guess' is not one of reported, confirmed, projection"},
        {JSON_CT, "{\"country\": \"KP\", \"deployed_to\": \"RU\", \"figure\": 3000, \"kind\": "
         "\"reported\", \"as_of\": \"2999-01-01\", \"source\": {\"name\": \"x\"}}", 422,
         "as_of: 2999-01-01 is in the future"},
        {JSON_CT, "{\"country\": \"KP\", \"deployed_to\": \"RU\", \"figure\": 3000, \"kind\": "
         "\"reported\", \"as_of\": \"2024-11-04\"}", 422, "source: required"},
    };
#undef EST
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        send_req(&s, "POST", LIST, bad[i].ctype, AUTH, bad[i].body, &r);
        ck_assert_msg(r.status == bad[i].status, "case %zu: %ld, want %ld: %s", i, r.status,
                      bad[i].status, r.body);
        expect(&r, bad[i].status, bad[i].detail);
        http_resp_free(&r);
    }
    /* The same line for PUT, after the id is checked. */
    send_req(&s, "PUT", "/v1/deployments/1", "Content-Type: text/plain", AUTH, new_estimate, &r);
    expect(&r, 415, "text/plain");
    http_resp_free(&r);
    send_req(&s, "PUT", "/v1/deployments/1", JSON_CT, AUTH,
             "{\"country\": \"KP\", \"deployed_to\": \"RU\", \"figure\": 1.5}", &r);
    expect(&r, 422, "figure: expected an integer, got 1.5");
    http_resp_free(&r);

    list_etag(&s, 2, after);
    ck_assert_str_eq(etag, after);
    send_req(&s, "GET", "/v1/deployments/1", NULL, NULL, NULL, &r);
    expect(&r, 200, NULL);
    ck_assert_int_eq(json_path_int(r.json, "figure"), 3000);
    http_resp_free(&r);
    stop(&s);
}
END_TEST

TCase *http_deploy_tcase(void)
{
    TCase *tc = tcase_create("http_deploy");
    /* Each test starts one or two servers on fresh databases: a second or two normally, far
     * more under valgrind; the suite's meson timeout bounds the whole run. */
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_http_deploy_summary);
    tcase_add_test(tc, test_http_deploy_list);
    tcase_add_test(tc, test_http_deploy_crud);
    tcase_add_test(tc, test_http_deploy_auth);
    tcase_add_test(tc, test_http_deploy_bad_bodies);
    return tc;
}
