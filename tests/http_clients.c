/* The replay test of the public API's clients: tests/compat_clients.json lists clients of
 * the russianwarship.rip API found in public repositories, what each requests and how it
 * reads the answer. Every request is sent to our server (the ministry's dataset imported)
 * with the headers that client's HTTP library sends, gzip-decoded when the library asks for
 * it, and checked the way that client reads it. A client marked "works": false has
 * "breaks": checks it needs that no answer can pass; they must fail, as documented. Skips,
 * saying why, when ../shared/data is absent. */
#include "harness.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

TCase *http_clients_tcase(void);

static int have_data, srv_ok;
static json_t *spec;                /* compat_clients.json */
static char latest[16], after[16];  /* {latest}, {after_latest} */

static void setup(void)
{
    const char *path = getenv("ATTRITION_CLIENTS");
    json_error_t err;
    spec = path ? json_load_file(path, 0, &err) : NULL;
    const char *const *files = test_dataset_files();
    have_data = test_have_dataset("http_clients") && files != NULL;
    if (!have_data || test_server_prepare(&test_srv) != 0)
        return;
    srv_ok = test_server_import(&test_srv, files, 3) == 0 && test_server_start(&test_srv, NULL) == 0;
}

static void teardown(void)
{
    if (have_data)
        test_server_cleanup(&test_srv);
    json_decref(spec);
    spec = NULL;
}

/* The answer as the client's library hands it over: body gunzipped when it was sent so. */
typedef struct answer {
    http_resp r;
    char *body;   /* decoded, NUL-terminated (owned) */
    json_t *json; /* parsed body or NULL (owned) */
} answer;

static void answer_free(answer *a)
{
    http_resp_free(&a->r);
    free(a->body);
    json_decref(a->json);
}

/* path with {latest} and {after_latest} replaced, into out. */
static void expand(const char *path, char *out, size_t len)
{
    size_t o = 0;
    while (*path && o + 16 < len) {
        const char *v = NULL;
        if (strncmp(path, "{latest}", 8) == 0)
            v = latest, path += 8;
        else if (strncmp(path, "{after_latest}", 14) == 0)
            v = after, path += 14;
        if (v)
            o += (size_t)snprintf(out + o, len - o, "%s", v);
        else
            out[o++] = *path++;
    }
    out[o] = '\0';
}

/* method path as client c sends it: its headers (and the request's extra ones, NULL for
 * none), Accept-Encoding, and no Accept of curl's own when the library sends none. */
static void client_send(const json_t *c, const char *method, const char *path,
                        const json_t *extra, answer *a)
{
    const char *h[16];
    char ae[80], enc[32];
    size_t n = 0, i;
    json_t *v;
    int has_accept = 0;
    json_array_foreach(json_object_get(c, "headers"), i, v) {
        if (n < 12)
            h[n++] = json_string_value(v);
        has_accept |= strncasecmp(json_string_value(v), "Accept:", 7) == 0;
    }
    json_array_foreach(extra, i, v)
        if (n < 12)
            h[n++] = json_string_value(v);
    if (!has_accept)
        h[n++] = "Accept:"; /* curl's default Accept removed */
    const char *want = json_string_value(json_object_get(c, "accept_encoding"));
    if (want && *want) {
        snprintf(ae, sizeof ae, "Accept-Encoding: %s", want);
        h[n++] = ae;
    }
    h[n] = NULL;
    memset(a, 0, sizeof *a);
    ck_assert_msg(http_request(&test_srv, method, path, h, NULL, 0, &a->r) == 0, "%s %s: transport",
                  method, path);
    if (http_header(&a->r, "Content-Encoding", enc, sizeof enc) && strcmp(enc, "gzip") == 0) {
        ck_assert_msg(want && strstr(want, "gzip"), "%s: gzip sent to a client that did not ask", path);
        a->body = test_gunzip(a->r.body, a->r.len, NULL);
        ck_assert_msg(a->body != NULL, "GET %s: the gzip body does not inflate", path);
    } else {
        a->body = strdup(a->r.body);
    }
    a->json = json_loads(a->body, 0, NULL);
}

/* The value at a dotted path ("data.records.0.date"; numbers index arrays, "last" is the
 * last element), or NULL. */
static json_t *at(json_t *root, const char *path)
{
    char seg[64];
    while (root && *path) {
        size_t l = strcspn(path, ".");
        snprintf(seg, sizeof seg, "%.*s", (int)(l < 63 ? l : 63), path);
        if (json_is_array(root) && strcmp(seg, "last") == 0)
            root = json_array_get(root, json_array_size(root) - 1);
        else if (json_is_array(root) && strspn(seg, "0123456789") == strlen(seg))
            root = json_array_get(root, strtoul(seg, NULL, 10));
        else
            root = json_object_get(root, seg);
        path += l + (path[l] == '.');
    }
    return root;
}

static int is_date(const char *s)
{
    return s && strlen(s) == 10 && strspn(s, "0123456789-") == 10 && s[4] == '-' && s[7] == '-';
}

/* A JSON integer (within int32 when int32 != 0). */
static int is_int(const json_t *v, int int32)
{
    return json_is_integer(v) && (!int32 || (json_integer_value(v) >= INT32_MIN &&
                                             json_integer_value(v) <= INT32_MAX));
}

/* A value the check's "is" names. */
static int is_kind(const json_t *v, const char *kind)
{
    if (strcmp(kind, "object") == 0)
        return json_is_object(v);
    if (strcmp(kind, "array") == 0)
        return json_is_array(v);
    if (strcmp(kind, "string") == 0)
        return json_is_string(v);
    if (strcmp(kind, "int") == 0 || strcmp(kind, "int32") == 0)
        return is_int(v, strcmp(kind, "int32") == 0);
    if (strcmp(kind, "date") == 0)
        return is_date(json_string_value(v));
    if (strcmp(kind, "url") == 0)
        return json_is_string(v) && (strncmp(json_string_value(v), "http://", 7) == 0 ||
                                     strncmp(json_string_value(v), "https://", 8) == 0);
    return 0;
}

/* Index of key in list, or -1. */
static long key_pos(const json_t *list, const char *key)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
        if (strcmp(json_string_value(v), key) == 0)
            return (long)i;
    return -1;
}

/* The "keys" check of object o against list. 0 or -1 with why. */
static int check_keys(const json_t *o, const json_t *list, const char *mode, int int32,
                      char *why, size_t len)
{
    const char *key;
    json_t *v;
    size_t i;
    long pos = 0;
    if (!json_is_object(o))
        return snprintf(why, len, "not an object"), -1;
    json_object_foreach((json_t *)o, key, v) {
        long p = key_pos(list, key);
        if (p < 0 && (strcmp(mode, "within") == 0 || strcmp(mode, "exact") == 0 ||
                      strcmp(mode, "ordered") == 0))
            return snprintf(why, len, "key %s is not among the client's keys", key), -1;
        if (strcmp(mode, "ordered") == 0 && p != pos++)
            return snprintf(why, len, "key %s at position %ld, the client expects %ld", key,
                            pos - 1, p), -1;
        if (p >= 0 && !is_int(v, int32))
            return snprintf(why, len, "%s is not an %s", key, int32 ? "int32" : "integer"), -1;
    }
    if (strcmp(mode, "within") != 0)
        json_array_foreach(list, i, v)
            if (json_object_get(o, json_string_value(v)) == NULL)
                return snprintf(why, len, "key %s is missing", json_string_value(v)), -1;
    return 0;
}

/* One check on answer a. 0 when it passes, else -1 with why. */
static int check_one(const answer *a, const json_t *chk, char *why, size_t len)
{
    const char *path = json_string_value(json_object_get(chk, "at"));
    const char *hdr = json_string_value(json_object_get(chk, "header"));
    char hv[256];
    if (hdr) {
        const char *prefix = json_string_value(json_object_get(chk, "prefix"));
        const char *contains = json_string_value(json_object_get(chk, "contains"));
        if (!http_header(&a->r, hdr, hv, sizeof hv))
            return snprintf(why, len, "no %s header", hdr), -1;
        if (prefix && strncmp(hv, prefix, strlen(prefix)) != 0)
            return snprintf(why, len, "%.64s: %.160s", hdr, hv), -1;
        if (contains && strcasestr(hv, contains) == NULL)
            return snprintf(why, len, "%.64s: %.160s lacks %s", hdr, hv, contains), -1;
        return 0;
    }
    json_t *mb = json_object_get(chk, "max_bytes");
    if (mb) {
        size_t body = strlen(a->body);
        if (body > (size_t)json_integer_value(mb))
            return snprintf(why, len, "the body is %zu bytes, the client's buffer %lld", body,
                            (long long)json_integer_value(mb)), -1;
        return 0;
    }
    json_t *v = at(a->json, path), *x;
    if (v == NULL)
        return snprintf(why, len, "%s is missing", path), -1;
    if ((x = json_object_get(chk, "is")) && !is_kind(v, json_string_value(x)))
        return snprintf(why, len, "%s is not %s", path, json_string_value(x)), -1;
    char want[64];
    if ((x = json_object_get(chk, "equals")))
        expand(json_string_value(x), want, sizeof want);
    if (x && (!json_is_string(v) || strcmp(json_string_value(v), want) != 0))
        return snprintf(why, len, "%s is not \"%s\"", path, want), -1;
    if ((x = json_object_get(chk, "count")) && json_array_size(v) != (size_t)json_integer_value(x))
        return snprintf(why, len, "%s has %zu elements, not %lld", path, json_array_size(v),
                        (long long)json_integer_value(x)), -1;
    if ((x = json_object_get(chk, "keys"))) {
        const json_t *list = json_is_string(x) ? json_object_get(json_object_get(spec, "keys"),
                                                                 json_string_value(x)) : x;
        int rc = check_keys(v, list, json_string_value(json_object_get(chk, "mode")),
                            json_is_true(json_object_get(chk, "int32")), why, len);
        if (rc != 0)
            return rc;
    }
    if ((x = json_object_get(chk, "covers"))) {
        json_t *other = at(a->json, json_string_value(x));
        const char *key;
        json_t *ov;
        json_object_foreach(other, key, ov)
            if (!json_is_integer(json_object_get(v, key)))
                return snprintf(why, len, "%s lacks %s of %s", path, key, json_string_value(x)), -1;
    }
    if (json_is_true(json_object_get(chk, "ascending_dates"))) {
        for (size_t i = 1; i < json_array_size(v); i++) {
            const char *p = json_string_value(json_object_get(json_array_get(v, i - 1), "date"));
            const char *q = json_string_value(json_object_get(json_array_get(v, i), "date"));
            if (!p || !q || strcmp(p, q) >= 0)
                return snprintf(why, len, "%s: %s before %s", path, p ? p : "?", q ? q : "?"), -1;
        }
    }
    return 0;
}

/* A client that pages with data.paging.next_url until it is null: every URL must be absolute
 * under our address, every page 200 and oldest first after the one before; the pages together
 * hold rq's "records" records (-1: the whole list of /api/v2/statistics). a: the first page
 * (borrowed). */
static void follow_next(const json_t *c, const json_t *rq, const answer *a)
{
    const char *repo = json_string_value(json_object_get(c, "repo"));
    char base[64], prev[16] = "", path[512];
    size_t total = json_array_size(at(a->json, "data.records")), pages = 1;
    json_t *next = at(a->json, "data.paging.next_url"), *recs = at(a->json, "data.records");
    snprintf(base, sizeof base, "http://127.0.0.1:%d/", test_srv.port);
    if (json_array_size(recs))
        snprintf(prev, sizeof prev, "%s", json_string_value(at(recs, "last.date")));
    json_t *owned = NULL;
    while (json_is_string(next)) {
        const char *url = json_string_value(next);
        ck_assert_msg(strncmp(url, base, strlen(base)) == 0, "%s: next_url %s is not absolute "
                      "under %s", repo, url, base);
        ck_assert_msg(pages++ < 100, "%s: more than 100 pages", repo);
        snprintf(path, sizeof path, "%s", url + strlen(base) - 1);
        answer p;
        client_send(c, "GET", path, NULL, &p);
        ck_assert_msg(p.r.status == 200 && p.json, "%s: GET %s: %ld", repo, path, p.r.status);
        recs = at(p.json, "data.records");
        const char *first = json_string_value(at(recs, "0.date"));
        ck_assert_msg(first && strcmp(first, prev) > 0, "%s: page %s starts at %s, after %s",
                      repo, path, first ? first : "?", prev);
        snprintf(prev, sizeof prev, "%s", json_string_value(at(recs, "last.date")));
        total += json_array_size(recs);
        json_decref(owned);
        owned = json_incref(at(p.json, "data.paging.next_url"));
        next = owned;
        answer_free(&p);
    }
    json_decref(owned);
    json_int_t want = json_integer_value(json_object_get(rq, "records"));
    if (want < 0) {
        http_resp w;
        json_t *all = http_get_json(&test_srv, "/api/v2/statistics?limit=1", 200, &w);
        const char *last = json_string_value(at(all, "data.paging.last_url"));
        ck_assert_ptr_nonnull(last);
        want = strtoll(strstr(last, "offset=") + 7, NULL, 10) + 1; /* limit 1: offset n-1 */
        http_resp_free(&w);
    }
    ck_assert_msg(total == (size_t)want, "%s: %zu records over %zu pages, %lld expected", repo,
                  total, pages, (long long)want);
}

/* Replays request rq of client c: status, then every check; every "breaks" check must fail. */
static void replay(const json_t *c, const json_t *rq)
{
    const char *repo = json_string_value(json_object_get(c, "repo"));
    char path[512], why[256];
    answer a;
    size_t i;
    json_t *v, *chk;
    const char *method = json_string_value(json_object_get(rq, "method"));
    expand(json_string_value(json_object_get(rq, "path")), path, sizeof path);
    client_send(c, method ? method : "GET", path, json_object_get(rq, "headers"), &a);
    int status_ok = 0;
    json_array_foreach(json_object_get(rq, "status"), i, v)
        status_ok |= json_integer_value(v) == a.r.status;
    ck_assert_msg(status_ok, "%s: GET %s answered %ld, which the client does not accept: %.300s",
                  repo, path, a.r.status, a.body);
    ck_assert_msg(a.json != NULL || json_is_false(json_object_get(rq, "json")),
                  "%s: GET %s: the body is not JSON: %.200s", repo, path, a.body);
    json_array_foreach(json_object_get(rq, "checks"), i, chk)
        ck_assert_msg(check_one(&a, chk, why, sizeof why) == 0, "%s: GET %s: %s", repo, path, why);
    json_array_foreach(json_object_get(rq, "breaks"), i, chk)
        ck_assert_msg(check_one(&a, chk, why, sizeof why) != 0,
                      "%s: GET %s: a check documented to fail passes", repo, path);
    if (json_is_true(json_object_get(rq, "follow_next")))
        follow_next(c, rq, &a);
    answer_free(&a);
}

/* The study covers at least 12 clients in at least 5 languages, each with its requests. */
START_TEST(test_clients_study)
{
    ck_assert_msg(spec != NULL, "tests/compat_clients.json does not load (ATTRITION_CLIENTS)");
    json_t *clients = json_object_get(spec, "clients"), *c, *langs = json_object();
    size_t i;
    json_array_foreach(clients, i, c) {
        ck_assert_msg(json_is_string(json_object_get(c, "repo")) &&
                      json_is_string(json_object_get(c, "reads")) &&
                      json_array_size(json_object_get(c, "requests")) > 0, "client %zu is incomplete", i);
        json_object_set_new(langs, json_string_value(json_object_get(c, "language")), json_true());
    }
    ck_assert_int_ge(json_array_size(clients), 12);
    ck_assert_int_ge(json_object_size(langs), 5);
    json_decref(langs);
}
END_TEST

START_TEST(test_clients_replay)
{
    if (!have_data)
        return;
    ck_assert_msg(srv_ok, "import or start failed; see %s/import.log and %s", test_srv.dir, test_srv.log);
    ck_assert_ptr_nonnull(spec);
    http_resp w;
    json_t *info = http_get_json(&test_srv, "/api/v2/war-info", 200, &w);
    int y, m, d;
    snprintf(latest, sizeof latest, "%s",
             json_string_value(json_object_get(json_object_get(info, "data"), "current_date")));
    http_resp_free(&w);
    ck_assert_int_eq(sscanf(latest, "%d-%d-%d", &y, &m, &d), 3);
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d + 1, .tm_hour = 12};
    time_t t = timegm(&tm);
    strftime(after, sizeof after, "%Y-%m-%d", gmtime_r(&t, &tm));
    json_t *c, *rq;
    size_t i, j, replayed = 0;
    json_array_foreach(json_object_get(spec, "clients"), i, c) {
        int works = !json_is_false(json_object_get(c, "works"));
        json_array_foreach(json_object_get(c, "requests"), j, rq) {
            replay(c, rq);
            replayed++;
            ck_assert_msg(json_object_get(rq, "breaks") == NULL ||
                          (!works && json_is_string(json_object_get(c, "why"))),
                          "client %zu: checks that break, but not marked \"works\": false "
                          "with a why", i);
        }
    }
    ck_assert_int_ge(replayed, 12);
}
END_TEST

TCase *http_clients_tcase(void)
{
    TCase *tc = tcase_create("http_clients");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120); /* one dataset import; Check's 4 s default is too short under valgrind */
    tcase_add_test(tc, test_clients_study);
    tcase_add_test(tc, test_clients_replay);
    return tc;
}
