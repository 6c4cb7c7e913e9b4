/* Operations and the HTTP conventions every route shares, against the real server:
 * /livez, /healthz, /readyz, /metrics (parsed), /openapi.json, 404/405 problems, OPTIONS
 * preflight, HEAD, ETag/304, CORS, gzip, CSV, Link paging, the access log and a clean exit
 * on SIGTERM. One server (with the ministry's dataset when ../shared/data has it) serves the
 * read-only tests; the log and shutdown tests start their own. Tests that need the dataset
 * say SKIP without it and check what an empty database answers instead. */
#include "harness.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

TCase *http_ops_tcase(void);

static int srv_ok;
static int have_data;   /* the dataset was imported */
static json_t *dataset; /* russia_losses_personnel.json when have_data */

static void setup(void)
{
    const char *const *files = test_dataset_files();
    char path[1024];
    if (test_server_prepare(&test_srv) != 0)
        return;
    have_data = files != NULL && test_have_dataset("http_ops (dataset parts)");
    if (have_data) {
        snprintf(path, sizeof path, "%s/russia_losses_personnel.json", getenv("ATTRITION_DATA"));
        dataset = json_load_file(path, 0, NULL);
        if (dataset == NULL || test_server_import(&test_srv, files, 3) != 0)
            return;
    }
    srv_ok = test_server_start(&test_srv, NULL) == 0;
}

static void teardown(void)
{
    test_server_cleanup(&test_srv);
    json_decref(dataset);
    dataset = NULL;
}

static void need_server(void)
{
    ck_assert_msg(srv_ok, "the server did not start; see %s (and %s/import.log)", test_srv.log, test_srv.dir);
}

/* Has the dataset; else prints SKIP naming the part skipped and returns 0. */
static int need_data(const char *what)
{
    if (!have_data)
        printf("SKIP http_ops %s: the ministry dataset is absent\n", what);
    return have_data;
}

static void req(const test_server *s, const char *method, const char *path,
                const char *const *headers, long status, http_resp *r)
{
    ck_assert_int_eq(http_request(s, method, path, headers, NULL, 0, r), 0);
    ck_assert_msg(r->status == status, "%s %s: status %ld, expected %ld; body %s", method, path,
                  r->status, status, r->body);
}

/* Header name of r, failing the test when absent (buf: 512 bytes). */
static const char *hdr(const http_resp *r, const char *name, char *buf)
{
    const char *v = http_header(r, name, buf, 512);
    ck_assert_msg(v != NULL, "no %s header in:\n%s", name, r->headers);
    return v;
}

/* The last date in the dataset ("" without one). */
static const char *last_date(void)
{
    const json_t *last = json_array_get(dataset, json_array_size(dataset) - 1);
    const char *d = json_string_value(json_object_get(last, "date"));
    return d ? d : "";
}

/* An RFC 9457 problem with this status whose detail contains `mentions`. */
static void check_problem(const http_resp *r, long status, const char *mentions)
{
    char ct[512];
    ck_assert_str_eq(hdr(r, "Content-Type", ct), "application/problem+json");
    ck_assert_ptr_nonnull(r->json);
    ck_assert_int_eq(json_path_int(r->json, "status"), status);
    ck_assert_ptr_nonnull(json_string_value(json_object_get(r->json, "type")));
    ck_assert_ptr_nonnull(json_string_value(json_object_get(r->json, "title")));
    const char *detail = json_string_value(json_object_get(r->json, "detail"));
    ck_assert_msg(detail && strstr(detail, mentions), "detail \"%s\" does not mention %s",
                  detail ? detail : "", mentions);
}

START_TEST(test_health)
{
    need_server();
    http_resp r;
    char b[512];
    /* Probes and metrics are never kept by a cache in front: each answer is of its moment. */
    static const char *const probes[] = {"/livez", "/healthz", "/readyz", "/metrics"};
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        req(&test_srv, "GET", probes[i], NULL, 200, &r);
        ck_assert_msg(strcmp(hdr(&r, "Cache-Control", b), "no-store") == 0,
                      "%s: Cache-Control %s, want no-store", probes[i], b);
        http_resp_free(&r);
    }
    req(&test_srv, "GET", "/readyz", NULL, 200, &r);
    ck_assert_str_eq(json_string_value(json_object_get(r.json, "status")), "ready");
    json_t *latest = json_object_get(r.json, "latest");
    if (need_data("readyz latest"))
        ck_assert_str_eq(json_string_value(latest), last_date());
    else
        ck_assert(json_is_null(latest));
    http_resp_free(&r);
}
END_TEST

/* ---- Prometheus text format ------------------------------------------------------ */

/* Sum of the samples of metric `name` that carry every label in want ("key=value", without
 * quotes; NULL-terminated); -1 when none does. Fails the test on a sample line that is not
 * `name{k="v",...} value` or whose family has no # TYPE line. */
static double prom_sum(const char *text, const char *name, const char *const *want)
{
    double sum = -1;
    for (const char *line = text; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : "") {
        size_t ll = strcspn(line, "\n");
        if (ll == 0 || line[0] == '#')
            continue;
        char sample[1024], labels[8][256], family[256];
        size_t nl = 0, n = strcspn(line, "{ ");
        ck_assert_msg(ll < sizeof sample && n > 0 && n < sizeof family, "bad sample: %.*s", (int)ll, line);
        memcpy(sample, line, ll);
        sample[ll] = '\0';
        memcpy(family, sample, n);
        family[n] = '\0';
        const char *p = sample + n;
        if (*p == '{') {
            for (p++; *p != '}';) {
                size_t kl = strcspn(p, "=");
                ck_assert_msg(p[kl] == '=' && p[kl + 1] == '"' && nl < 8, "bad labels: %s", sample);
                char *out = labels[nl++];
                memcpy(out, p, kl + 1);
                out += kl + 1;
                for (p += kl + 2; *p && *p != '"'; p++)
                    *out++ = *p == '\\' && p[1] ? *++p : *p;
                *out = '\0';
                ck_assert_msg(*p == '"', "unterminated label value: %s", sample);
                p += p[1] == ',' ? 2 : 1;
            }
            p++;
        }
        char *end;
        ck_assert_msg(*p == ' ', "no value: %s", sample);
        double v = strtod(p + 1, &end);
        ck_assert_msg(end != p + 1, "bad value: %s", sample);
        char type[300];
        size_t fl = strlen(family);
        static const char *const suffixes[] = {"_bucket", "_sum", "_count"};
        snprintf(type, sizeof type, "# TYPE %s ", family);
        for (size_t i = 0; i < 3 && !strstr(text, type); i++) {
            size_t sl = strlen(suffixes[i]);
            if (fl > sl && strcmp(family + fl - sl, suffixes[i]) == 0)
                snprintf(type, sizeof type, "# TYPE %.*s ", (int)(fl - sl), family);
        }
        ck_assert_msg(strstr(text, type) != NULL, "no # TYPE line for %s", family);
        if (strcmp(family, name) != 0)
            continue;
        int all = 1;
        for (size_t w = 0; want && want[w] && all; w++) {
            int found = 0;
            for (size_t i = 0; i < nl && !found; i++)
                found = strcmp(labels[i], want[w]) == 0;
            all = found;
        }
        if (all)
            sum = (sum < 0 ? 0 : sum) + v;
    }
    return sum;
}

/* GET /metrics as text (caller frees). */
static char *metrics_text(void)
{
    http_resp r;
    char ct[512];
    req(&test_srv, "GET", "/metrics", NULL, 200, &r);
    ck_assert_msg(strncmp(hdr(&r, "Content-Type", ct), "text/plain; version=0.0.4", 25) == 0,
                  "metrics Content-Type %s", ct);
    char *t = r.body;
    r.body = NULL;
    http_resp_free(&r);
    return t;
}

static double requests_of(const char *text, const char *route, const char *status)
{
    char rl[256], sl[32];
    snprintf(rl, sizeof rl, "route=%s", route);
    snprintf(sl, sizeof sl, "status=%s", status);
    const char *want[] = {rl, sl, NULL};
    double v = prom_sum(text, "attrition_http_requests_total", want);
    return v < 0 ? 0 : v;
}

START_TEST(test_metrics)
{
    need_server();
    char *t0 = metrics_text();
    double livez0 = requests_of(t0, "/livez", "200"), lost0 = requests_of(t0, "unmatched", "404");
    double terms0 = requests_of(t0, "/api/v2/terms/{lang}", "404");
    free(t0);
    http_resp r;
    for (int i = 0; i < 3; i++) {
        req(&test_srv, "GET", "/livez", NULL, 200, &r);
        http_resp_free(&r);
    }
    req(&test_srv, "GET", "/no/such/thing", NULL, 404, &r);
    http_resp_free(&r);
    req(&test_srv, "GET", "/api/v2/terms/xx", NULL, 404, &r);
    http_resp_free(&r);
    /* A request is counted once its answer is sent, so the count may lag a moment. */
    char *t = NULL;
    for (int i = 0; i < 500; i++) {
        free(t);
        t = metrics_text();
        if (requests_of(t, "/livez", "200") >= livez0 + 3 && requests_of(t, "unmatched", "404") >= lost0 + 1 &&
            requests_of(t, "/api/v2/terms/{lang}", "404") >= terms0 + 1)
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    ck_assert_double_eq(requests_of(t, "/livez", "200"), livez0 + 3);
    ck_assert_double_eq(requests_of(t, "unmatched", "404"), lost0 + 1);
    ck_assert_double_eq(requests_of(t, "/api/v2/terms/{lang}", "404"), terms0 + 1);
    /* The latency histogram counts the same requests; its +Inf bucket is its count. */
    const char *route[] = {"route=/livez", NULL}, *inf[] = {"route=/livez", "le=+Inf", NULL};
    ck_assert_double_eq(prom_sum(t, "attrition_http_request_duration_seconds_count", route),
                        prom_sum(t, "attrition_http_requests_total", route));
    ck_assert_double_eq(prom_sum(t, "attrition_http_request_duration_seconds_bucket", inf),
                        prom_sum(t, "attrition_http_request_duration_seconds_count", route));
    ck_assert_double_eq(prom_sum(t, "attrition_reports_stored", NULL),
                        have_data ? (double)json_array_size(dataset) : 0.0);
    free(t);
}
END_TEST

/* /readyz and /metrics say which store serves and whether it answers (the shared
 * PostgreSQL store's outages: tests/cluster_test.py). */
START_TEST(test_store_state)
{
    need_server();
    const char *pg = getenv("ATTRITION_TEST_PG");
    const char *backend = pg && *pg ? "postgresql" : "sqlite";
    http_resp r;
    req(&test_srv, "GET", "/readyz", NULL, 200, &r);
    json_t *st = json_object_get(r.json, "store");
    ck_assert_msg(json_is_object(st), "/readyz has no store: %s", r.body);
    ck_assert_str_eq(json_string_value(json_object_get(st, "backend")), backend);
    ck_assert(json_is_true(json_object_get(st, "reachable")));
    ck_assert_msg(json_is_string(json_object_get(st, "since")), "store.since: %s", r.body);
    http_resp_free(&r);
    char *t = metrics_text(), label[64];
    snprintf(label, sizeof label, "backend=%s", backend);
    const char *up[] = {label, NULL};
    ck_assert_double_eq(prom_sum(t, "attrition_store_up", up), 1.0);
    ck_assert_msg(strstr(t, "\nattrition_store_down_since_seconds 0\n") != NULL, "%s", t);
    free(t);
}
END_TEST

/* backup and restore on a PostgreSQL target point at pg_dump / pg_restore (exit 2, before
 * any connection), and the message never shows the password. */
START_TEST(test_backup_on_postgresql)
{
    static const char *const cmds[] = {"backup", "restore"};
    char log[700], text[4096];
    for (int i = 0; i < 2; i++) {
        const char *argv[] = {getenv("ATTRITION_BIN"), cmds[i], "--db",
                              "postgresql://someone:hunter2-pw@127.0.0.1:1/attrition", "copy.dump",
                              NULL};
        snprintf(log, sizeof log, "%s/%s-pg.log", test_srv.dir, cmds[i]);
        pid_t pid = test_spawn(argv, NULL, log);
        int status = 0;
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFEXITED(status));
        ck_assert_int_eq(WEXITSTATUS(status), 2);
        FILE *f = fopen(log, "r");
        ck_assert_ptr_nonnull(f);
        size_t n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[n] = '\0';
        ck_assert_msg(strstr(text, i == 0 ? "pg_dump" : "pg_restore") != NULL, "%s", text);
        ck_assert_msg(strstr(text, "hunter2") == NULL, "the password shows: %s", text);
    }
}
END_TEST

START_TEST(test_openapi_served)
{
    need_server();
    const char *path = getenv("ATTRITION_OPENAPI");
    ck_assert_ptr_nonnull(path);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot read %s", path);
    static char file[1 << 20];
    size_t n = fread(file, 1, sizeof file, f);
    fclose(f);
    http_resp r;
    char ct[512];
    req(&test_srv, "GET", "/openapi.json", NULL, 200, &r);
    ck_assert_str_eq(hdr(&r, "Content-Type", ct), "application/json; charset=utf-8");
    ck_assert_uint_eq(r.len, n);
    ck_assert_msg(memcmp(r.body, file, n) == 0, "/openapi.json differs from %s", path);
    ck_assert_str_eq(json_string_value(json_object_get(r.json, "openapi")), "3.1.0");
    http_resp_free(&r);
}
END_TEST

START_TEST(test_not_found_and_method)
{
    need_server();
    http_resp r;
    char allow[512];
    req(&test_srv, "GET", "/v1/nothing-here", NULL, 404, &r);
    check_problem(&r, 404, "/v1/nothing-here");
    http_resp_free(&r);
    req(&test_srv, "DELETE", "/v1/daily", NULL, 405, &r);
    check_problem(&r, 405, "DELETE");
    ck_assert_str_eq(hdr(&r, "Allow", allow), "GET, HEAD, OPTIONS");
    http_resp_free(&r);
    req(&test_srv, "GET", "/v1/reports", NULL, 405, &r);
    check_problem(&r, 405, "GET");
    ck_assert_str_eq(hdr(&r, "Allow", allow), "POST, OPTIONS");
    http_resp_free(&r);
    req(&test_srv, "PATCH", "/v1/deployments/1", NULL, 405, &r);
    ck_assert_str_eq(hdr(&r, "Allow", allow), "GET, HEAD, PUT, DELETE, OPTIONS");
    http_resp_free(&r);
}
END_TEST

START_TEST(test_preflight_and_cors)
{
    need_server();
    const char *pre[] = {"Origin: https://dashboard.example", "Access-Control-Request-Method: GET",
                         "Access-Control-Request-Headers: if-none-match", NULL};
    http_resp r;
    char b[512];
    req(&test_srv, "OPTIONS", "/v1/daily/2024-10-25", pre, 204, &r);
    ck_assert_uint_eq(r.len, 0);
    ck_assert_ptr_nonnull(strstr(hdr(&r, "Access-Control-Allow-Methods", b), "GET"));
    ck_assert_ptr_nonnull(strstr(hdr(&r, "Access-Control-Allow-Headers", b), "If-None-Match"));
    ck_assert_str_eq(hdr(&r, "Access-Control-Allow-Origin", b), "*");
    http_resp_free(&r);
    /* Every answer, success or problem, carries the CORS headers. */
    const char *paths[] = {"/v1/categories", "/v1/nothing-here", "/livez"};
    const long status[] = {200, 404, 200};
    for (size_t i = 0; i < 3; i++) {
        req(&test_srv, "GET", paths[i], NULL, status[i], &r);
        ck_assert_str_eq(hdr(&r, "Access-Control-Allow-Origin", b), "*");
        ck_assert_str_eq(hdr(&r, "Access-Control-Expose-Headers", b), "ETag, Link, Last-Modified");
        http_resp_free(&r);
    }
}
END_TEST

/* The header block without its Date line (which may tick between two answers). */
static void without_date(const char *headers, char *out, size_t len)
{
    out[0] = '\0';
    for (const char *p = headers; *p;) {
        size_t l = strcspn(p, "\n");
        if (strncasecmp(p, "Date:", 5) != 0)
            snprintf(out + strlen(out), len - strlen(out), "%.*s\n", (int)l, p);
        p += l + (p[l] == '\n');
    }
}

START_TEST(test_head)
{
    need_server();
    http_resp g, h;
    char a[4096], b[4096];
    req(&test_srv, "GET", "/v1/categories", NULL, 200, &g);
    req(&test_srv, "HEAD", "/v1/categories", NULL, 200, &h);
    ck_assert_uint_eq(h.len, 0);
    without_date(g.headers, a, sizeof a);
    without_date(h.headers, b, sizeof b);
    ck_assert_str_eq(b, a);
    http_resp_free(&g);
    http_resp_free(&h);
}
END_TEST

START_TEST(test_etag_304)
{
    need_server();
    http_resp r, n;
    char etag[512], cc[512], b[512], inm[600];
    req(&test_srv, "GET", "/v1/categories", NULL, 200, &r);
    hdr(&r, "ETag", etag);
    hdr(&r, "Cache-Control", cc);
    ck_assert_msg(etag[0] == '"' && etag[strlen(etag) - 1] == '"', "not a strong ETag: %s", etag);
    ck_assert_str_eq(cc, "public, max-age=60");
    hdr(&r, "Last-Modified", b);
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    const char *h[] = {inm, NULL};
    req(&test_srv, "GET", "/v1/categories", h, 304, &n);
    ck_assert_uint_eq(n.len, 0);
    ck_assert_str_eq(hdr(&n, "ETag", b), etag);
    ck_assert_str_eq(hdr(&n, "Cache-Control", b), cc);
    http_resp_free(&n);
    /* Weak comparison, lists, and a tag that does not match. */
    snprintf(inm, sizeof inm, "If-None-Match: \"0000\", W/%s", etag);
    req(&test_srv, "GET", "/v1/categories", h, 304, &n);
    http_resp_free(&n);
    const char *other[] = {"If-None-Match: \"0123456789abcdef\"", NULL};
    req(&test_srv, "GET", "/v1/categories", other, 200, &n);
    ck_assert_str_eq(n.body, r.body);
    http_resp_free(&n);
    http_resp_free(&r);
}
END_TEST

START_TEST(test_gzip)
{
    need_server();
    const char *gz[] = {"Accept-Encoding: gzip", NULL};
    const char *path = have_data ? "/v1/daily" : "/openapi.json";
    http_resp plain, packed;
    char b[512];
    req(&test_srv, "GET", path, NULL, 200, &plain);
    req(&test_srv, "GET", path, gz, 200, &packed);
    ck_assert_ptr_null(http_header(&plain, "Content-Encoding", b, sizeof b));
    ck_assert_str_eq(hdr(&packed, "Content-Encoding", b), "gzip");
    ck_assert_ptr_nonnull(strstr(hdr(&packed, "Vary", b), "Accept-Encoding"));
    ck_assert_uint_lt(packed.len, plain.len);
    size_t out_len = 0;
    char *out = test_gunzip(packed.body, packed.len, &out_len);
    ck_assert_msg(out != NULL, "GET %s: the gzip body does not inflate", path);
    ck_assert_uint_eq(out_len, plain.len);
    ck_assert(memcmp(out, plain.body, out_len) == 0);
    free(out);
    http_resp_free(&plain);
    http_resp_free(&packed);
}
END_TEST

START_TEST(test_csv)
{
    need_server();
    http_resp cats, byfmt, byaccept;
    char b[512], header[2048] = "date,day";
    const char *accept[] = {"Accept: text/csv", NULL};
    req(&test_srv, "GET", "/v1/categories", NULL, 200, &cats);
    json_t *list = json_object_get(cats.json, "categories");
    for (size_t i = 0; i < json_array_size(list); i++)
        snprintf(header + strlen(header), sizeof header - strlen(header), ",%s",
                 json_string_value(json_object_get(json_array_get(list, i), "id")));
    strcat(header, "\n");
    const char *path = "/v1/daily?from=2024-10-21&to=2024-10-25";
    char fmt[256];
    snprintf(fmt, sizeof fmt, "%s&format=csv", path);
    req(&test_srv, "GET", fmt, NULL, 200, &byfmt);
    req(&test_srv, "GET", path, accept, 200, &byaccept);
    ck_assert_str_eq(hdr(&byfmt, "Content-Type", b), "text/csv; charset=utf-8");
    ck_assert_str_eq(hdr(&byaccept, "Content-Type", b), "text/csv; charset=utf-8");
    ck_assert_str_eq(byaccept.body, byfmt.body);
    ck_assert_msg(strncmp(byfmt.body, header, strlen(header)) == 0, "header row:\n%s\nexpected:\n%s",
                  byfmt.body, header);
    if (need_data("csv rows")) {
        const char *rows = byfmt.body + strlen(header);
        ck_assert_int_eq(strncmp(rows, "2024-10-21,971,1710,24,64,24,", 29), 0);
        ck_assert_ptr_nonnull(strstr(rows, "\n2024-10-25,975,1630,7,33,34,2,1,"));
        size_t lines = 0;
        for (const char *p = rows; *p; p++)
            lines += *p == '\n';
        ck_assert_uint_eq(lines, 5);
    }
    http_resp_free(&cats);
    http_resp_free(&byfmt);
    http_resp_free(&byaccept);
}
END_TEST

/* The target of a Link header's rel="next" ("" when there is none) into out. */
static void link_next(const http_resp *r, char *out, size_t len)
{
    char link[1024];
    out[0] = '\0';
    if (http_header(r, "Link", link, sizeof link) == NULL)
        return;
    ck_assert_msg(link[0] == '<' && strstr(link, ">; rel=\"next\""), "Link: %s", link);
    snprintf(out, len, "%.*s", (int)(strchr(link, '>') - link - 1), link + 1);
}

START_TEST(test_link_paging)
{
    need_server();
    if (!need_data("Link paging"))
        return;
    http_resp r;
    char next[1024] = "/v1/daily?from=2024-10-21&to=2024-10-25&limit=2", dates[256] = "";
    int pages = 0;
    for (; next[0]; pages++) {
        ck_assert_int_lt(pages, 5);
        req(&test_srv, "GET", next, NULL, 200, &r);
        json_t *series = json_object_get(r.json, "series");
        ck_assert_uint_le(json_array_size(series), 2);
        for (size_t i = 0; i < json_array_size(series); i++)
            snprintf(dates + strlen(dates), sizeof dates - strlen(dates), "%s ",
                     json_string_value(json_object_get(json_array_get(series, i), "date")));
        link_next(&r, next, sizeof next);
        http_resp_free(&r);
    }
    ck_assert_int_eq(pages, 3);
    ck_assert_str_eq(dates, "2024-10-21 2024-10-22 2024-10-23 2024-10-24 2024-10-25 ");
    /* Without limit the whole range comes at once, without Link. */
    req(&test_srv, "GET", "/v1/daily?from=2024-10-21&to=2024-10-25", NULL, 200, &r);
    link_next(&r, next, sizeof next);
    ck_assert_str_eq(next, "");
    ck_assert_uint_eq(json_array_size(json_object_get(r.json, "series")), 5);
    http_resp_free(&r);
}
END_TEST

/* A server of its own on an empty database (for tests that stop it). */
static void start_own(test_server *s)
{
    ck_assert_int_eq(test_server_prepare(s), 0);
    ck_assert_msg(test_server_start(s, NULL) == 0, "the server did not start; see %s", s->log);
}

/* A TCP connection to 127.0.0.1:port: its socket, or -1 with errno set. */
static int connect_port(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* Once SIGTERM is taken, the listening socket is closed at once (new clients are refused and
 * fail over) while a request already under way keeps its connection until it ends. */
START_TEST(test_sigterm_refuses_new_connections)
{
    test_server s;
    start_own(&s);
    int busy = connect_port(s.port);
    ck_assert_msg(busy >= 0, "connect: %s", strerror(errno));
    const char half[] = "GET /readyz HTTP/1.1\r\nHost: x\r\n";
    ck_assert_int_eq(send(busy, half, sizeof half - 1, 0), (ssize_t)(sizeof half - 1));
    usleep(200 * 1000);
    kill(s.pid, SIGTERM);
    int refused = 0, fd = -1;
    for (int i = 0; i < 200 && !refused; i++) { /* up to 20 s: valgrind is slow to react */
        fd = connect_port(s.port);
        refused = fd < 0 && errno == ECONNREFUSED;
        if (fd >= 0)
            close(fd);
        if (!refused)
            usleep(100 * 1000);
    }
    ck_assert_msg(refused, "port %d still accepts connections after SIGTERM", s.port);
    /* Refused while still draining (drain_seconds is 10), not because the process ended. */
    int status;
    ck_assert_msg(waitpid(s.pid, &status, WNOHANG) == 0, "the server ended before it refused");
    close(busy);
    ck_assert_int_eq(test_server_stop(&s), 0);
    test_server_cleanup(&s);
}
END_TEST

START_TEST(test_sigterm_exit_code)
{
    test_server s;
    http_resp r;
    start_own(&s);
    req(&s, "GET", "/readyz", NULL, 200, &r);
    http_resp_free(&r);
    ck_assert_int_eq(test_server_stop(&s), 0);
    FILE *f = fopen(s.log, "r");
    char line[4096];
    int stopped = 0;
    while (f && fgets(line, sizeof line, f))
        stopped |= strstr(line, "\"event\":\"stop\"") && strstr(line, "\"exit_code\":0");
    if (f)
        fclose(f);
    ck_assert_msg(stopped, "no stop event with exit_code 0 in %s", s.log);
    test_server_cleanup(&s);
}
END_TEST

/* One JSON line per request: {"event": "request", "method", "path", "status", "bytes",
 * "duration_ms"}, written once the answer is sent (read after the server stopped). Lines
 * from different pool threads may come out of order (log.h), so each is matched by path. A
 * path that is not UTF-8 (%C0%80) keeps method, path (as the text \xC0\x80) and status. */
START_TEST(test_access_log)
{
    test_server s;
    http_resp r[4];
    start_own(&s);
    req(&s, "GET", "/livez", NULL, 200, &r[0]);
    req(&s, "GET", "/v1/nothing-here", NULL, 404, &r[1]);
    req(&s, "HEAD", "/v1/categories", NULL, 200, &r[2]);
    ck_assert_int_eq(http_request(&s, "GET", "/v1/records/%C0%80", NULL, NULL, 0, &r[3]), 0);
    ck_assert_int_ge(r[3].status, 400);
    ck_assert_int_eq(test_server_stop(&s), 0);
    const char *method[] = {"GET", "GET", "HEAD", "GET"};
    const char *path[] = {"/livez", "/v1/nothing-here", "/v1/categories", "/v1/records/\\xC0\\x80"};
    const long status[] = {200, 404, 200, r[3].status};
    int seen[4] = {0, 0, 0, 0};
    FILE *f = fopen(s.log, "r");
    ck_assert_ptr_nonnull(f);
    char line[4096];
    size_t n = 0;
    while (fgets(line, sizeof line, f)) {
        json_t *j = json_loads(line, 0, NULL);
        ck_assert_msg(j != NULL, "log line is not JSON: %s", line);
        const char *event = json_string_value(json_object_get(j, "event"));
        if (event && strcmp(event, "request") == 0) {
            const char *p = json_string_value(json_object_get(j, "path"));
            size_t k = 0;
            while (k < 4 && !(p && strcmp(p, path[k]) == 0))
                k++;
            ck_assert_msg(k < 4 && !seen[k], "unexpected or repeated request line: %s", line);
            seen[k] = 1;
            ck_assert_str_eq(json_string_value(json_object_get(j, "method")), method[k]);
            ck_assert_int_eq(json_path_int(j, "status"), status[k]);
            ck_assert_int_eq(json_path_int(j, "bytes"), (long long)r[k].len);
            json_t *ms = json_object_get(j, "duration_ms");
            ck_assert_msg(json_is_number(ms) && json_number_value(ms) >= 0, "duration_ms in %s", line);
            n++;
        }
        json_decref(j);
    }
    fclose(f);
    ck_assert_uint_eq(n, 4);
    for (size_t i = 0; i < 4; i++)
        http_resp_free(&r[i]);
    test_server_cleanup(&s);
}
END_TEST

TCase *http_ops_tcase(void)
{
    TCase *tc = tcase_create("http_ops");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120); /* Check's 4 s default is too short under valgrind */
    tcase_add_test(tc, test_health);
    tcase_add_test(tc, test_metrics);
    tcase_add_test(tc, test_store_state);
    tcase_add_test(tc, test_backup_on_postgresql);
    tcase_add_test(tc, test_openapi_served);
    tcase_add_test(tc, test_not_found_and_method);
    tcase_add_test(tc, test_preflight_and_cors);
    tcase_add_test(tc, test_head);
    tcase_add_test(tc, test_etag_304);
    tcase_add_test(tc, test_gzip);
    tcase_add_test(tc, test_csv);
    tcase_add_test(tc, test_link_paging);
    tcase_add_test(tc, test_sigterm_exit_code);
    tcase_add_test(tc, test_sigterm_refuses_new_connections);
    tcase_add_test(tc, test_access_log);
    return tc;
}
