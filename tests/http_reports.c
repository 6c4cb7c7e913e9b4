/* Writes over real HTTP: POST /v1/reports (JSON and the ministry's post), PUT, GET of a
 * report and its history; authentication, status codes, the token kept out of logs and
 * answers, and derived answers (daily, cumulative) changing at once, cached or not.
 * The dataset tests read $ATTRITION_DATA and $ATTRITION_FIXTURES and skip when absent. */
#include <check.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

TCase *http_reports_tcase(void);

#define TOKEN "tok-7Qe2-do-not-log-me"
#define WRONG "tok-WRONG-also-not-logged"
#define AUTH "Authorization: Bearer " TOKEN
#define JSON_CT "Content-Type: application/json"
#define TEXT_CT "Content-Type: text/plain; charset=utf-8"

static const char *const env_token[] = {"ATTRITION_TOKEN=" TOKEN, NULL};

/* Sends body with method to path with the headers given (NULL-terminated, up to 4), asserts
 * the transport worked and that no answer ever quotes a token. */
static void req_send(const test_server *s, const char *method, const char *path, const char *h1,
                 const char *h2, const char *body, http_resp *r)
{
    const char *headers[] = {h1, h1 ? h2 : NULL, NULL};
    int rc = http_request(s, method, path, headers, body, body ? strlen(body) : 0, r);
    ck_assert_msg(rc == 0, "%s %s: transport error", method, path);
    ck_assert_msg(strstr(r->body, TOKEN) == NULL && strstr(r->headers, TOKEN) == NULL,
                  "%s %s: the answer quotes the token: %s", method, path, r->body);
    ck_assert_msg(strstr(r->body, WRONG) == NULL, "%s %s: the answer quotes the wrong token",
                  method, path);
}

/* Asserts status, and for a problem that its detail contains want. */
static void expect(const http_resp *r, long status, const char *want)
{
    ck_assert_msg(r->status == status, "status %ld, want %ld: %s", r->status, status, r->body);
    if (want == NULL)
        return;
    const char *detail = json_string_value(json_object_get(r->json, "detail"));
    ck_assert_msg(detail && strstr(detail, want), "detail \"%s\" lacks \"%s\"",
                  detail ? detail : r->body, want);
}

/* GET path, asserts 200, copies the ETag into etag (32 bytes). */
static void get_ok(const test_server *s, const char *path, http_resp *r, char etag[32])
{
    ck_assert_int_eq(http_get(s, path, r), 0);
    ck_assert_msg(r->status == 200, "GET %s: %ld %s", path, r->status, r->body);
    ck_assert_ptr_nonnull(http_header(r, "ETag", etag, 32));
}

/* The server's log holds neither token. */
static void log_has_no_token(const test_server *s)
{
    FILE *f = fopen(s->log, "r");
    char line[8192];
    size_t lines = 0;
    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof line, f)) {
        ck_assert_msg(strstr(line, TOKEN) == NULL, "the log shows the token: %s", line);
        ck_assert_msg(strstr(line, WRONG) == NULL, "the log shows a presented token: %s", line);
        lines++;
    }
    fclose(f);
    ck_assert_uint_gt(lines, 0);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0;
    if (f == NULL)
        return NULL;
    buf = malloc(1 << 16);
    if (buf)
        len = fread(buf, 1, (1 << 16) - 1, f);
    fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* Writes a copy of the dataset file src holding only the entries dated up to last
 * (YYYY-MM-DD) into dir/name. Returns the path written (static, per slot). */
static const char *filtered_copy(const char *dir, const char *src, int slot, const char *last)
{
    static char out[3][1024];
    json_error_t jerr;
    json_t *all = json_load_file(src, 0, &jerr), *kept = json_array(), *e;
    size_t i;
    ck_assert_msg(json_is_array(all), "%s: %s", src, jerr.text);
    json_array_foreach(all, i, e) {
        const char *d = json_string_value(json_object_get(e, "date"));
        if (d && strcmp(d, last) <= 0)
            json_array_append(kept, e);
    }
    ck_assert_uint_gt(json_array_size(kept), 0);
    ck_assert_uint_lt(json_array_size(kept), json_array_size(all));
    snprintf(out[slot], sizeof out[slot], "%s/upto-%s-%d.json", dir, last, slot);
    ck_assert_int_eq(json_dump_file(kept, out[slot], JSON_COMPACT), 0);
    json_decref(all);
    json_decref(kept);
    return out[slot];
}

/* Writes need a token: 403 without one configured, 401 without or with a wrong one. */
START_TEST(test_http_reports_auth)
{
    test_server s;
    http_resp r;
    const char *body = "{\"date\": \"2024-10-25\", \"totals\": {\"tanks\": 9097}}";
    ck_assert_int_eq(test_server_prepare(&s), 0);
    ck_assert_int_eq(test_server_start(&s, NULL), 0);
    req_send(&s, "POST", "/v1/reports", JSON_CT, NULL, body, &r);
    expect(&r, 403, "ATTRITION_TOKEN");
    http_resp_free(&r);
    req_send(&s, "PUT", "/v1/reports/2024-10-25", JSON_CT, "Authorization: Bearer " WRONG, body, &r);
    expect(&r, 403, "writes are disabled");
    http_resp_free(&r);
    ck_assert_int_eq(test_server_stop(&s), 0);

    ck_assert_int_eq(test_server_start(&s, env_token), 0);
    char www[128];
    req_send(&s, "POST", "/v1/reports", JSON_CT, NULL, body, &r);
    expect(&r, 401, "no Authorization header");
    ck_assert_ptr_nonnull(http_header(&r, "WWW-Authenticate", www, sizeof www));
    ck_assert(strncmp(www, "Bearer", 6) == 0);
    http_resp_free(&r);
    req_send(&s, "POST", "/v1/reports", JSON_CT, "Authorization: Bearer " WRONG, body, &r);
    expect(&r, 401, "wrong token");
    http_resp_free(&r);
    /* Authentication comes before the body is looked at. */
    req_send(&s, "POST", "/v1/reports", "Content-Type: application/xml", NULL, "<x/>", &r);
    expect(&r, 401, NULL);
    http_resp_free(&r);
    req_send(&s, "PUT", "/v1/reports/2024-10-25", JSON_CT, "Authorization: Basic " TOKEN, body, &r);
    expect(&r, 401, "not a Bearer token");
    http_resp_free(&r);
    ck_assert_int_eq(test_server_stop(&s), 0);
    log_has_no_token(&s);
    test_server_cleanup(&s);
}
END_TEST

/* On a fresh database: 201, 200 (idempotent), 409, 400, 404, 415, 422 over HTTP. */
START_TEST(test_http_reports_statuses)
{
    test_server s;
    http_resp r;
    char loc[128];
    const char *d25 = "{\"date\": \"2024-10-25\", \"totals\": {\"personnel\": 685910, "
                      "\"tanks\": 9097}, \"qualifiers\": {\"personnel\": \"about\"}, "
                      "\"source_url\": \"https://www.mil.gov.ua/\"}";
    ck_assert_int_eq(test_server_prepare(&s), 0);
    ck_assert_int_eq(test_server_start(&s, env_token), 0);

    req_send(&s, "GET", "/v1/reports/2024-10-25", NULL, NULL, NULL, &r);
    expect(&r, 404, "no report is stored for 2024-10-25");
    http_resp_free(&r);
    req_send(&s, "POST", "/v1/reports", "Content-Type: Application/JSON; charset=\"UTF-8\"", AUTH,
         d25, &r);
    expect(&r, 201, NULL);
    ck_assert_str_eq(http_header(&r, "Location", loc, sizeof loc), "/v1/reports/2024-10-25");
    ck_assert_int_eq(json_path_int(r.json, "revision"), 1);
    ck_assert_int_eq(json_path_int(r.json, "totals.personnel"), 685910);
    ck_assert_int_eq(json_path_int(r.json, "losses.personnel"), 685910); /* the first report */
    ck_assert_str_eq(json_string_value(json_object_get(r.json, "source_url")),
                     "https://www.mil.gov.ua/");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r.json, "qualifiers"),
                                                       "personnel")), "about");
    ck_assert_int_eq(json_array_size(json_object_get(r.json, "warnings")), 0);
    http_resp_free(&r);

    req_send(&s, "POST", "/v1/reports", JSON_CT, AUTH, d25, &r);
    expect(&r, 200, NULL);
    ck_assert_int_eq(json_path_int(r.json, "revision"), 1);
    ck_assert_ptr_null(http_header(&r, "Location", loc, sizeof loc));
    http_resp_free(&r);

    req_send(&s, "POST", "/v1/reports", JSON_CT, AUTH,
         "{\"date\": \"2024-10-25\", \"totals\": {\"personnel\": 685911, \"tanks\": 9097}}", &r);
    expect(&r, 409, "PUT the report to /v1/reports/2024-10-25");
    http_resp_free(&r);

    static const struct {
        const char *method, *path, *ctype, *body;
        long status;
        const char *detail;
    } bad[] = {
        {"POST", "/v1/reports", "Content-Type: application/xml", "<report/>", 415,
         "Content-Type \"application/xml\" is not supported"},
        {"POST", "/v1/reports", "Content-Type: text/plain; charset=windows-1251", "x", 415,
         "charset \"windows-1251\""},
        {"POST", "/v1/reports", "Content-Type: application/x-www-form-urlencoded", "a=b", 415,
         "application/x-www-form-urlencoded"},
        {"POST", "/v1/reports", JSON_CT, "", 400, "the request body is empty"},
        {"POST", "/v1/reports", JSON_CT, "{\"date\": ", 400, "not valid JSON"},
        {"POST", "/v1/reports", JSON_CT, "[]", 400, "must be a JSON object"},
        {"POST", "/v1/reports", JSON_CT, "{\"date\": \"2024-10-26\", \"totals\": {\"tanks\": -1}}",
         422, "totals.tanks: -1 is negative"},
        {"POST", "/v1/reports", JSON_CT, "{\"date\": \"2024-10-26\", \"totals\": {\"tanks\": 1.5}}",
         422, "not a JSON integer"},
        {"POST", "/v1/reports", JSON_CT, "{\"date\": \"2021-10-26\", \"totals\": {\"tanks\": 1}}",
         422, "before the war's start"},
        {"POST", "/v1/reports", JSON_CT, "{\"date\": \"2024-10-26\", \"totals\": {\"tanks\": 1}, "
         "\"extra\": 1}", 422, "unknown field \"extra\""},
        {"POST", "/v1/reports", TEXT_CT, "Glory to Ukraine\n", 422, "not a ministry post"},
        {"POST", "/v1/reports", TEXT_CT, "\xff\xfe", 400, "invalid UTF-8"},
        {"PUT", "/v1/reports/2024-10-24", JSON_CT, "{\"date\": \"2024-10-25\", \"totals\": "
         "{\"tanks\": 1}}", 422, "the body's date 2024-10-25 differs from the path's 2024-10-24"},
        {"PUT", "/v1/reports/2024-10-23", JSON_CT, "{\"date\": \"2024-10-23\", \"totals\": "
         "{\"tanks\": 1}}", 404, "no report is stored for 2024-10-23"},
        {"PUT", "/v1/reports/24.10.2024", JSON_CT, "{}", 400, "is not a date"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        req_send(&s, bad[i].method, bad[i].path, bad[i].ctype, AUTH, bad[i].body, &r);
        ck_assert_msg(r.status == bad[i].status, "case %zu: %ld, want %ld: %s", i, r.status,
                      bad[i].status, r.body);
        expect(&r, bad[i].status, bad[i].detail);
        char ct[128];
        ck_assert_str_eq(http_header(&r, "Content-Type", ct, sizeof ct), "application/problem+json");
        http_resp_free(&r);
    }
    /* No Content-Type at all. */
    const char *no_ct[] = {AUTH, "Content-Type:", NULL};
    ck_assert_int_eq(http_request(&s, "POST", "/v1/reports", no_ct, "{}", 2, &r), 0);
    expect(&r, 415, "Content-Type is missing");
    http_resp_free(&r);

    /* Nothing of that changed the stored report. */
    req_send(&s, "GET", "/v1/reports/2024-10-25", NULL, NULL, NULL, &r);
    expect(&r, 200, NULL);
    ck_assert_int_eq(json_path_int(r.json, "totals.personnel"), 685910);
    ck_assert_int_eq(json_path_int(r.json, "revision"), 1);
    ck_assert_int_eq(json_array_size(json_object_get(r.json, "new_categories")), 0);
    http_resp_free(&r);
    req_send(&s, "GET", "/v1/reports/2024-10-24/history", NULL, NULL, NULL, &r);
    expect(&r, 404, "no report is stored for 2024-10-24");
    http_resp_free(&r);

    ck_assert_int_eq(test_server_stop(&s), 0);
    log_has_no_token(&s);
    test_server_cleanup(&s);
}
END_TEST

/* The real history up to 2024-10-24, then the ministry's post of 2024-10-25 as text/plain:
 * every derived answer changes at once, also those the response cache held; PUT keeps the
 * old version in the history. */
START_TEST(test_http_reports_fixture_post)
{
    const char *const *files = test_dataset_files();
    const char *fx = getenv("ATTRITION_FIXTURES");
    char path[1024], daily_etag[32], cum_etag[32], etag[32], daily_new[32], loc[128];
    test_server s;
    http_resp r;
    if (files == NULL || !test_have_dataset("http_reports fixture post"))
        return;
    snprintf(path, sizeof path, "%s/mod-post-2024-10-25.txt", fx ? fx : ".");
    char *post = read_text(path);
    if (post == NULL) {
        printf("SKIP http_reports fixture post: %s is absent\n", path);
        return;
    }
    ck_assert_int_eq(test_server_prepare(&s), 0);
    const char *upto[3];
    for (int i = 0; i < 3; i++)
        upto[i] = filtered_copy(s.dir, files[i], i, "2024-10-24");
    ck_assert_int_eq(test_server_import(&s, upto, 3), 0);
    ck_assert_int_eq(test_server_start(&s, env_token), 0);

    /* Fetched twice: the second answer comes from the response cache. */
    for (int i = 0; i < 2; i++) {
        get_ok(&s, "/v1/daily/latest", &r, daily_etag);
        ck_assert_str_eq(json_string_value(json_object_get(r.json, "date")), "2024-10-24");
        http_resp_free(&r);
        get_ok(&s, "/v1/cumulative/latest", &r, cum_etag);
        ck_assert_int_eq(json_path_int(r.json, "totals.personnel"), 684280);
        http_resp_free(&r);
        req_send(&s, "GET", "/v1/daily/2024-10-25", NULL, NULL, NULL, &r);
        expect(&r, 404, NULL);
        http_resp_free(&r);
    }

    req_send(&s, "POST", "/v1/reports", TEXT_CT, AUTH, post, &r);
    expect(&r, 201, NULL);
    ck_assert_str_eq(http_header(&r, "Location", loc, sizeof loc), "/v1/reports/2024-10-25");
    ck_assert_int_eq(json_path_int(r.json, "losses.personnel"), 1630);
    ck_assert_int_eq(json_path_int(r.json, "losses.uav"), 73);
    ck_assert_int_eq(json_path_int(r.json, "day"), 975);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r.json, "ignored_lines"), 0)),
                     "line 16: The data is being updated.");
    ck_assert_int_eq(json_array_size(json_object_get(r.json, "warnings")), 0);
    http_resp_free(&r);

    get_ok(&s, "/v1/daily/2024-10-25", &r, etag);
    ck_assert_int_eq(json_path_int(r.json, "losses.personnel"), 1630);
    ck_assert_int_eq(json_path_int(r.json, "losses.afv"), 33);
    ck_assert_int_eq(json_path_int(r.json, "losses.artillery"), 34);
    ck_assert_int_eq(json_path_int(r.json, "losses.special_equipment"), 22);
    http_resp_free(&r);
    get_ok(&s, "/v1/daily/latest", &r, etag);
    ck_assert_str_eq(json_string_value(json_object_get(r.json, "date")), "2024-10-25");
    ck_assert_int_eq(json_path_int(r.json, "losses.personnel"), 1630);
    ck_assert_str_ne(etag, daily_etag);
    memcpy(daily_new, etag, sizeof daily_new);
    http_resp_free(&r);
    get_ok(&s, "/v1/cumulative/latest", &r, etag);
    ck_assert_int_eq(json_path_int(r.json, "totals.personnel"), 685910);
    ck_assert_str_ne(etag, cum_etag);
    http_resp_free(&r);
    /* A client revalidating with the old ETag gets the new answer, not 304. */
    char inm[64];
    snprintf(inm, sizeof inm, "If-None-Match: %s", daily_etag);
    req_send(&s, "GET", "/v1/daily/latest", inm, NULL, NULL, &r);
    expect(&r, 200, NULL);
    http_resp_free(&r);

    /* The same post again: 200, nothing changes. */
    req_send(&s, "POST", "/v1/reports", "Content-Type: text/plain", AUTH, post, &r);
    expect(&r, 200, NULL);
    ck_assert_int_eq(json_path_int(r.json, "revision"), 1);
    http_resp_free(&r);
    get_ok(&s, "/v1/daily/latest", &r, daily_etag);
    ck_assert_str_eq(daily_new, daily_etag); /* still the answer of after the POST */
    http_resp_free(&r);

    /* A contradicting (+N) is refused, naming the category. */
    char *fixed = strdup(post), *p = strstr(fixed, "685910 (+1630)");
    ck_assert_ptr_nonnull(p);
    memcpy(p, "685911 (+1630)", 14);
    req_send(&s, "PUT", "/v1/reports/2024-10-25", TEXT_CT, AUTH, fixed, &r);
    expect(&r, 422, "personnel: the post's (+1630) on line 2 contradicts the totals");
    http_resp_free(&r);

    /* A consistent correction conflicts as a POST and replaces it as a PUT; the history
     * keeps both, newest first. */
    memcpy(p, "685911 (+1631)", 14);
    req_send(&s, "POST", "/v1/reports", TEXT_CT, AUTH, fixed, &r);
    expect(&r, 409, "personnel: about 685910 stored, about 685911 sent");
    http_resp_free(&r);
    get_ok(&s, "/v1/reports/2024-10-25", &r, etag);
    http_resp_free(&r);
    req_send(&s, "PUT", "/v1/reports/2024-10-25", TEXT_CT, AUTH, fixed, &r);
    expect(&r, 200, NULL);
    ck_assert_int_eq(json_path_int(r.json, "revision"), 2);
    ck_assert_int_eq(json_path_int(r.json, "losses.personnel"), 1631);
    http_resp_free(&r);
    get_ok(&s, "/v1/reports/2024-10-25", &r, daily_etag);
    ck_assert_int_eq(json_path_int(r.json, "revision"), 2);
    ck_assert_int_eq(json_path_int(r.json, "totals.personnel"), 685911);
    ck_assert_ptr_nonnull(json_string_value(json_object_get(r.json, "stored_at")));
    ck_assert_str_ne(etag, daily_etag);
    http_resp_free(&r);
    get_ok(&s, "/v1/reports/2024-10-25/history", &r, etag);
    json_t *revs = json_object_get(r.json, "revisions");
    ck_assert_int_eq(json_array_size(revs), 2);
    ck_assert_int_eq(json_path_int(json_array_get(revs, 0), "revision"), 2);
    ck_assert_int_eq(json_path_int(json_array_get(revs, 0), "totals.personnel"), 685911);
    ck_assert_int_eq(json_path_int(json_array_get(revs, 1), "revision"), 1);
    ck_assert_int_eq(json_path_int(json_array_get(revs, 1), "totals.personnel"), 685910);
    ck_assert_int_eq(json_path_int(json_array_get(revs, 1), "totals.tanks"), 9097);
    http_resp_free(&r);
    get_ok(&s, "/v1/daily/2024-10-25", &r, etag);
    ck_assert_int_eq(json_path_int(r.json, "losses.personnel"), 1631);
    http_resp_free(&r);
    get_ok(&s, "/v1/cumulative/latest", &r, etag);
    ck_assert_int_eq(json_path_int(r.json, "totals.personnel"), 685911);
    http_resp_free(&r);

    ck_assert_int_eq(test_server_stop(&s), 0);
    log_has_no_token(&s);
    test_server_cleanup(&s);
    free(fixed);
    free(post);
}
END_TEST

/* The ministry's post in Ukrainian ("по 25.10.24", "близько", "осіб", "од"), its labels named
 * by the lexicon: stored as the same report as the English post of that day (which then
 * answers 200, nothing changed). */
START_TEST(test_http_reports_ukrainian_post)
{
    static const char uk[] =
        "Загальні бойові втрати противника з 24.02.22 по 25.10.24 орієнтовно склали:\n"
        "особового складу ‒ близько 685910 (+1630) осіб,\n"
        "танків ‒ 9097 (+7) од,\nбойових броньованих машин ‒ 18287 (+33) од,\n"
        "артилерійських систем ‒ 19753 (+34) од,\nРСЗВ ‒ 1238 (+2) од,\n"
        "засоби ППО ‒ 982 (+1) од,\nлітаків ‒ 369 (+0) од,\nгелікоптерів ‒ 329 (+0) од,\n"
        "БпЛА оперативно-тактичного рівня ‒ 17670 (+73),\nкрилаті ракети ‒ 2625 (+0),\n"
        "кораблі / катери ‒ 28 (+0) од,\nпідводні човни ‒ 1 (+0) од,\n"
        "автомобільної техніки та автоцистерн ‒ 27365 (+79) од,\n"
        "спеціальна техніка ‒ 3535 (+22)\nДані уточнюються.\n";
    const char *const *files = test_dataset_files();
    const char *fx = getenv("ATTRITION_FIXTURES");
    char path[1024];
    test_server s;
    http_resp r;
    if (files == NULL || !test_have_dataset("http_reports Ukrainian post"))
        return;
    ck_assert_int_eq(test_server_prepare(&s), 0);
    const char *upto[3];
    for (int i = 0; i < 3; i++)
        upto[i] = filtered_copy(s.dir, files[i], i, "2024-10-24");
    ck_assert_int_eq(test_server_import(&s, upto, 3), 0);
    ck_assert_int_eq(test_server_start(&s, env_token), 0);
    req_send(&s, "POST", "/v1/reports", TEXT_CT, AUTH, uk, &r);
    expect(&r, 201, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(r.json, "new_categories")), 0);
    ck_assert_int_eq(json_path_int(r.json, "losses.personnel"), 1630);
    ck_assert_int_eq(json_path_int(r.json, "losses.afv"), 33);
    ck_assert_int_eq(json_path_int(r.json, "losses.air_defense"), 1);
    ck_assert_int_eq(json_path_int(r.json, "losses.vehicles_fuel_tanks"), 79);
    ck_assert_int_eq(json_path_int(r.json, "totals.warships"), 28);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r.json, "qualifiers"),
                                                       "personnel")), "about");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r.json, "ignored_lines"), 0)),
                     "line 16: Дані уточнюються.");
    http_resp_free(&r);
    snprintf(path, sizeof path, "%s/mod-post-2024-10-25.txt", fx ? fx : ".");
    char *en = read_text(path);
    if (en != NULL) {
        req_send(&s, "POST", "/v1/reports", TEXT_CT, AUTH, en, &r);
        expect(&r, 200, NULL); /* the same report */
        ck_assert_int_eq(json_path_int(r.json, "revision"), 1);
        http_resp_free(&r);
        free(en);
    }
    ck_assert_int_eq(test_server_stop(&s), 0);
    test_server_cleanup(&s);
}
END_TEST

TCase *http_reports_tcase(void)
{
    TCase *tc = tcase_create("http_reports");
    /* Each test starts one or two servers; the fixture test imports the dataset (~1 s, far
     * more under valgrind). */
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_http_reports_auth);
    tcase_add_test(tc, test_http_reports_statuses);
    tcase_add_test(tc, test_http_reports_ukrainian_post);
    tcase_add_test(tc, test_http_reports_fixture_post);
    return tc;
}
