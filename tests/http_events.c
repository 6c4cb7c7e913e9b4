/* GET /v1/events (Server-Sent Events) and GET /v1/reports.atom against a real server:
 * subscribers get `event: report` (id: the data version, data: /v1/daily/{date}) within 1 s
 * of a POST and of another process's `attrition import`; a client reconnecting with
 * Last-Event-ID gets what it missed; a subscriber that never reads does not delay the
 * others; a comment line comes every 15 s; events_limit answers 503; the feed parses
 * (python3-feedparser), newest first. */
#include "harness.h"
#include "sse_client.h"
#include "upstream.h"
#include "attrition/date.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

TCase *http_events_tcase(void);

#define TOKEN "events-test"

/* How long an event may take: 1 s, x10 under a wrapper (valgrind). */
static double deadline_s(void)
{
    const char *w = getenv("ATTRITION_WRAPPER");
    return w && *w ? 10.0 : 1.0;
}

/* The first 60 days of the dataset (upstream.h), a server with writes enabled and env
 * (up to 4 more settings, NULL-terminated). */
static int start_short_env(test_server *s, const char *what, const char *const *extra)
{
    int have = test_have_dataset(what) && test_dataset_files() != NULL;
    ck_assert_int_eq(test_server_prepare(s), 0);
    upstream_dataset_until(UPSTREAM_SHORT_UNTIL);
    if (have)
        ck_assert_int_eq(upstream_import_dataset(s), 0);
    const char *env[6] = {"ATTRITION_TOKEN=" TOKEN};
    for (int i = 0; extra && extra[i] && i < 4; i++)
        env[i + 1] = extra[i];
    ck_assert_int_eq(test_server_start(s, env), 0);
    return have;
}

static int start_short(test_server *s, const char *what, const char *extra_env)
{
    const char *extra[] = {extra_env, NULL};
    return start_short_env(s, what, extra);
}

static long long data_version(const test_server *s)
{
    http_resp r;
    json_t *j = http_get_json(s, "/readyz", 200, &r);
    long long v = json_path_int(j, "data_version");
    http_resp_free(&r);
    return v;
}

/* POSTs the day after the latest report (personnel +100) and returns the new data version;
 * its date into date (DATE_STR_LEN bytes). */
static long long post_next_day(const test_server *s, char *date)
{
    http_resp r;
    json_t *j = http_get_json(s, "/v1/cumulative/latest", 200, &r);
    int day;
    ck_assert_int_eq(date_parse(json_string_value(json_object_get(j, "date")), &day), 0);
    long long pers = json_path_int(j, "totals.personnel");
    http_resp_free(&r);
    char body[256];
    snprintf(body, sizeof body, "{\"date\":\"%s\",\"totals\":{\"personnel\":%lld}}",
             date_format(day + 1, date), pers + 100);
    const char *hdrs[] = {"Authorization: Bearer " TOKEN, "Content-Type: application/json", NULL};
    ck_assert_int_eq(http_request(s, "POST", "/v1/reports", hdrs, body, strlen(body), &r), 0);
    ck_assert_msg(r.status == 201, "POST %s: %ld %s", date, r.status, r.body);
    http_resp_free(&r);
    return data_version(s);
}

/* The event a subscriber must see for the report of date at version v. */
static void report_needle(char *out, size_t len, long long v, const char *date)
{
    snprintf(out, len, "id: %lld\nevent: report\ndata: {\"date\":\"%s\",", v, date);
}

START_TEST(test_post_reaches_subscribers)
{
    test_server s;
    if (!start_short(&s, "http_events post", NULL)) {
        test_server_cleanup(&s);
        return;
    }
    sse_client a, b, slow;
    ck_assert_int_eq(sse_open(&s, NULL, 0, &a), 0);
    ck_assert_int_eq(sse_open(&s, NULL, 0, &b), 0);
    ck_assert_int_eq(sse_open(&s, NULL, 1024, &slow), 0); /* never read */
    ck_assert_msg(sse_wait(&a, "attrition events", 5) >= 0, "no opening: %s", a.text);
    ck_assert_msg(sse_wait(&b, "attrition events", 5) >= 0, "no opening: %s", b.text);
    ck_assert_int_eq(a.status, 200);
    /* Several reports: the slow subscriber's buffers fill while the others read on. */
    for (int i = 0; i < 8; i++) {
        char date[DATE_STR_LEN], needle[128];
        long long v = post_next_day(&s, date);
        report_needle(needle, sizeof needle, v, date);
        double wa = sse_wait(&a, needle, deadline_s()), wb = sse_wait(&b, needle, deadline_s());
        ck_assert_msg(wa >= 0 && wb >= 0, "report %s (version %lld) not seen within %.0f s: "
                      "a %.3f, b %.3f; a has: %.600s", date, v, deadline_s(), wa, wb, a.text);
    }
    /* the event's data is /v1/daily/{date} exactly */
    char *last = strrchr(a.text, '\n');
    ck_assert_ptr_nonnull(last);
    char *data = strstr(a.text + (a.len > 4096 ? a.len - 4096 : 0), "data: {");
    while (data && strstr(data + 1, "data: {"))
        data = strstr(data + 1, "data: {");
    ck_assert_ptr_nonnull(data);
    json_error_t jerr;
    json_t *ev = json_loadb(data + 6, strcspn(data + 6, "\n"), 0, &jerr);
    ck_assert_msg(ev != NULL, "event data is not JSON: %s", jerr.text);
    char path[64];
    snprintf(path, sizeof path, "/v1/daily/%s", json_string_value(json_object_get(ev, "date")));
    http_resp r;
    json_t *daily = http_get_json(&s, path, 200, &r);
    ck_assert_msg(json_equal(ev, daily), "event data differs from %s", path);
    http_resp_free(&r);
    json_decref(ev);
    sse_close(&a);
    sse_close(&b);
    sse_close(&slow);
    ck_assert_int_eq(test_server_stop(&s), 0);
    test_server_cleanup(&s);
}
END_TEST

START_TEST(test_external_import_event)
{
    test_server s;
    if (!start_short(&s, "http_events import", NULL)) {
        test_server_cleanup(&s);
        return;
    }
    sse_client a;
    ck_assert_int_eq(sse_open(&s, NULL, 0, &a), 0);
    ck_assert(sse_wait(&a, "attrition events", 5) >= 0);
    char path[2][700];
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(upstream_write_dataset_file(s.dir, upstream_dataset_names[i], 0, 1, 100,
                                                     path[i], sizeof path[i]), 0);
    const char *files[] = {path[0], path[1]};
    ck_assert_int_eq(test_server_import(&s, files, 2), 0);
    /* the watcher's tick plus the event: 1 s after the import exits */
    ck_assert_msg(sse_wait(&a, "event: report\ndata: {\"date\":\"2022-04-26\",", deadline_s() + 1) >= 0,
                  "no event for the imported day: %s", a.text);
    char needle[64];
    snprintf(needle, sizeof needle, "id: %lld\nevent: report", data_version(&s));
    ck_assert_msg(strstr(a.text, needle) != NULL, "the event's id is not the data version: %s",
                  a.text);
    sse_close(&a);
    ck_assert_int_eq(test_server_stop(&s), 0);
    test_server_cleanup(&s);
}
END_TEST

START_TEST(test_last_event_id_replay)
{
    test_server s;
    if (!start_short(&s, "http_events replay", NULL)) {
        test_server_cleanup(&s);
        return;
    }
    char d1[DATE_STR_LEN], d2[DATE_STR_LEN], n1[128], n2[128], id[32];
    long long v1 = post_next_day(&s, d1);
    long long v2 = post_next_day(&s, d2); /* both before anyone listened */
    report_needle(n1, sizeof n1, v1, d1);
    report_needle(n2, sizeof n2, v2, d2);
    sse_client a;
    snprintf(id, sizeof id, "%lld", v1); /* saw the first: gets the second only */
    ck_assert_int_eq(sse_open(&s, id, 0, &a), 0);
    ck_assert_msg(sse_wait(&a, n2, 5) >= 0, "missed event not replayed: %s", a.text);
    ck_assert_msg(strstr(a.text, n1) == NULL, "an event already seen was replayed: %s", a.text);
    sse_close(&a);
    snprintf(id, sizeof id, "%lld", v2); /* up to date: nothing replayed */
    ck_assert_int_eq(sse_open(&s, id, 0, &a), 0);
    ck_assert(sse_wait(&a, "attrition events", 5) >= 0);
    ck_assert(sse_wait(&a, "event: report", 0.3) < 0);
    sse_close(&a);
    /* a new subscriber without Last-Event-ID gets only new events */
    ck_assert_int_eq(sse_open(&s, NULL, 0, &a), 0);
    ck_assert(sse_wait(&a, "attrition events", 5) >= 0);
    ck_assert(sse_wait(&a, "event: report", 0.3) < 0);
    sse_close(&a);
    http_resp r;
    const char *bad[] = {"Last-Event-ID: yesterday", NULL};
    ck_assert_int_eq(http_request(&s, "GET", "/v1/events", bad, NULL, 0, &r), 0);
    ck_assert_int_eq(r.status, 400);
    http_resp_free(&r);
    ck_assert_int_eq(test_server_stop(&s), 0);
    test_server_cleanup(&s);
}
END_TEST

START_TEST(test_deployment_event)
{
    test_server s;
    ck_assert_int_eq(test_server_prepare(&s), 0);
    const char *env[] = {"ATTRITION_TOKEN=" TOKEN, NULL};
    ck_assert_int_eq(test_server_start(&s, env), 0);
    sse_client a;
    ck_assert_int_eq(sse_open(&s, NULL, 0, &a), 0);
    ck_assert(sse_wait(&a, "attrition events", 5) >= 0);
    static const char body[] =
        "{\"country\": \"KP\", \"deployed_to\": \"RU\", \"figure\": 11000, \"kind\": "
        "\"confirmed\", \"as_of\": \"2024-11-04\", \"source\": {\"name\": \"US State "
        "Department\", \"url\": \"https://www.state.gov/\"}}";
    const char *hdrs[] = {"Authorization: Bearer " TOKEN, "Content-Type: application/json", NULL};
    http_resp r;
    ck_assert_int_eq(http_request(&s, "POST", "/v1/deployments", hdrs, body, strlen(body), &r), 0);
    ck_assert_msg(r.status == 201, "POST /v1/deployments: %ld %s", r.status, r.body);
    http_resp_free(&r);
    char needle[128];
    snprintf(needle, sizeof needle, "id: %lld\nevent: deployment\ndata: {\"data_version\":%lld,",
             data_version(&s), data_version(&s));
    ck_assert_msg(sse_wait(&a, needle, deadline_s()) >= 0, "no deployment event: %s", a.text);
    ck_assert_msg(strstr(a.text, "event: report") == NULL, "a report event for a deployment");
    sse_close(&a);
    ck_assert_int_eq(test_server_stop(&s), 0);
    test_server_cleanup(&s);
}
END_TEST

/* The comment line every 15 s (EVENTS_HEARTBEAT_MS) that keeps proxies from closing an idle
 * stream. */
START_TEST(test_heartbeat)
{
    test_server s;
    ck_assert_int_eq(test_server_prepare(&s), 0);
    ck_assert_int_eq(test_server_start(&s, NULL), 0);
    sse_client a;
    ck_assert_int_eq(sse_open(&s, NULL, 0, &a), 0);
    ck_assert(sse_wait(&a, "attrition events", 5) >= 0);
    double t = sse_wait(&a, ": keep-alive\n\n", 17);
    ck_assert_msg(t >= 0, "no comment line within 17 s: %s", a.text);
    sse_close(&a);
    ck_assert_int_eq(test_server_stop(&s), 0);
    test_server_cleanup(&s);
}
END_TEST

START_TEST(test_limit_503)
{
    test_server s;
    ck_assert_int_eq(test_server_prepare(&s), 0);
    const char *env[] = {"ATTRITION_EVENTS_LIMIT=2", NULL};
    ck_assert_int_eq(test_server_start(&s, env), 0);
    sse_client a, b;
    ck_assert_int_eq(sse_open(&s, NULL, 0, &a), 0);
    ck_assert_int_eq(sse_open(&s, NULL, 0, &b), 0);
    ck_assert(sse_wait(&a, "attrition events", 5) >= 0);
    ck_assert(sse_wait(&b, "attrition events", 5) >= 0);
    http_resp r;
    ck_assert_int_eq(http_request(&s, "GET", "/v1/events", NULL, NULL, 0, &r), 0);
    ck_assert_int_eq(r.status, 503);
    char ct[128];
    ck_assert_ptr_nonnull(http_header(&r, "Content-Type", ct, sizeof ct));
    ck_assert_str_eq(ct, "application/problem+json");
    ck_assert_ptr_nonnull(strstr(r.body, "(2)"));
    http_resp_free(&r);
    sse_close(&a); /* a place frees up once the server sees the close (next heartbeat or event) */
    ck_assert_int_eq(http_request(&s, "GET", "/metrics", NULL, NULL, 0, &r), 0);
    ck_assert_ptr_nonnull(strstr(r.body, "attrition_events_refused_total 1\n"));
    http_resp_free(&r);
    sse_close(&b);
    /* SIGTERM ends streams: the server exits well within its drain time */
    ck_assert_int_eq(sse_open(&s, NULL, 0, &a), 0);
    ck_assert_int_eq(test_server_stop(&s), 0);
    sse_close(&a);
    test_server_cleanup(&s);
}
END_TEST

/* Subscribers never take every connection: with conn_limit 4 at most 2 streams are let in,
 * the third gets 503 and a plain GET is still answered. */
START_TEST(test_limit_half_connections)
{
    test_server s;
    ck_assert_int_eq(test_server_prepare(&s), 0);
    const char *env[] = {"ATTRITION_CONN_LIMIT=4", "ATTRITION_PER_IP_LIMIT=0", NULL};
    ck_assert_int_eq(test_server_start(&s, env), 0);
    sse_client a, b, c;
    ck_assert_int_eq(sse_open(&s, NULL, 0, &a), 0);
    ck_assert_int_eq(sse_open(&s, NULL, 0, &b), 0);
    ck_assert(sse_wait(&a, "attrition events", 5) >= 0);
    ck_assert(sse_wait(&b, "attrition events", 5) >= 0);
    ck_assert_int_eq(sse_open(&s, NULL, 0, &c), 0);
    ck_assert_msg(sse_wait(&c, "subscribers as it allows (2)", 5) >= 0, "third stream: %ld %s",
                  c.status, c.text);
    ck_assert_int_eq(c.status, 503);
    sse_close(&c);
    http_resp r;
    ck_assert_int_eq(http_request(&s, "GET", "/v1/categories", NULL, NULL, 0, &r), 0);
    ck_assert_int_eq(r.status, 200);
    http_resp_free(&r);
    sse_close(&a);
    sse_close(&b);
    test_server_finish(&s);
}
END_TEST

#define IDLE_SUBS 400
#define IDLE_POSTS 8 /* their frames (~650 bytes each) are more than a page together */

/* The frame "id: V\nevent: report\ndata: ...\n\n" of version v in c's text, copied into
 * out (len bytes); 0, or -1 when c has no such complete frame. */
static int frame_of(const sse_client *c, long long v, char *out, size_t len)
{
    char id[48];
    snprintf(id, sizeof id, "id: %lld\nevent: report\n", v);
    const char *p = strstr(c->text, id), *end = p ? strstr(p, "\n\n") : NULL;
    if (end == NULL || (size_t)(end + 2 - p) >= len)
        return -1;
    memcpy(out, p, (size_t)(end + 2 - p));
    out[end + 2 - p] = '\0';
    return 0;
}

/* A subscriber speaking HTTP/1.0: no chunks, the stream goes through the callback
 * response's own small block (EVENTS_BLOCK). */
static void open_http10(const test_server *s, sse_client *c)
{
    memset(c, 0, sizeof *c);
    c->text = calloc(1, 1);
    c->cap = 1;
    ck_assert_ptr_nonnull(c->text);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(c->fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)s->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    static const char req[] = "GET /v1/events HTTP/1.0\r\nAccept: text/event-stream\r\n\r\n";
    ck_assert_int_eq(connect(c->fd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(write(c->fd, req, sizeof req - 1), (ssize_t)(sizeof req - 1));
}

/* Idle subscribers cost little memory: an idle stream gives back the pages of
 * libmicrohttpd's pool it does not use (events.c, sub_read); and every subscriber still
 * gets every frame whole, wherever its buffer lies in the pages (a live event goes out in
 * as many chunks as the room before the first whole page needs), as does a replay of more
 * than a page (written freely, then given back) followed by a live event, and an HTTP/1.0
 * subscriber (no chunks). The RSS bound is checked only on a plain build: the sanitizers'
 * allocator and valgrind's have their own layouts. */
START_TEST(test_idle_subscribers)
{
    test_server s;
    static const char *const extra[] = {"ATTRITION_CONN_LIMIT=2000", "ATTRITION_PER_IP_LIMIT=0",
                                        NULL};
    if (!start_short_env(&s, "http_events idle", extra)) {
        test_server_cleanup(&s);
        return;
    }
    static sse_client c[IDLE_SUBS + 16];
    sse_client late, old;
    const int n = IDLE_SUBS + 16;
    long before = 0;
    /* 16 first, so that the threads' first-use buffers are not counted */
    for (int i = 0; i < n; i++) {
        if (i == 16) {
            usleep(300 * 1000);
            before = test_rss_kib(s.pid);
        }
        ck_assert_int_eq(sse_open(&s, NULL, 0, &c[i]), 0);
        ck_assert_msg(sse_wait(&c[i], "attrition events", 5) >= 0, "subscriber %d: %ld %s", i,
                      c[i].status, c[i].text);
    }
    open_http10(&s, &old);
    ck_assert_msg(sse_wait(&old, "attrition events", 5) >= 0, "HTTP/1.0: %s", old.text);
    usleep(300 * 1000);
    long after = test_rss_kib(s.pid);
    ck_assert_int_gt(before, 0);
    double per = (double)(after - before) / IDLE_SUBS;
    printf("http_events: %d idle subscribers: RSS %ld KiB -> %ld KiB, %.1f KiB each\n",
           IDLE_SUBS, before, after, per);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_UNDEFINED__)
    const char *w = getenv("ATTRITION_WRAPPER");
    if (w == NULL || *w == '\0') /* 19 KiB each before the pages were given back */
        ck_assert_msg(per < 12, "%d idle subscribers took %.1f KiB each", IDLE_SUBS, per);
#endif
    long long v0 = data_version(&s), v[IDLE_POSTS + 1];
    char date[DATE_STR_LEN], frame[IDLE_POSTS + 1][4096];
    for (int k = 0; k < IDLE_POSTS; k++)
        v[k] = post_next_day(&s, date);
    char needle[128];
    report_needle(needle, sizeof needle, v[IDLE_POSTS - 1], date);
    ck_assert_msg(sse_wait(&c[0], needle, 5 * deadline_s()) >= 0, "no last event: %s", c[0].text);
    for (int k = 0; k < IDLE_POSTS; k++) /* the reference: subscriber 0's frames */
        ck_assert_msg(frame_of(&c[0], v[k], frame[k], sizeof frame[k]) == 0, "no frame of %lld",
                      v[k]);
    json_error_t jerr;
    json_t *ev = json_loads(strstr(frame[IDLE_POSTS - 1], "data: ") + 6, JSON_DISABLE_EOF_CHECK,
                            &jerr);
    ck_assert_msg(ev != NULL, "event data is not JSON: %s", jerr.text);
    char path[64];
    snprintf(path, sizeof path, "/v1/daily/%s", date);
    http_resp r;
    ck_assert_msg(json_equal(ev, http_get_json(&s, path, 200, &r)), "event data differs from %s",
                  path);
    http_resp_free(&r);
    json_decref(ev);
    for (int i = 1; i < n; i++) {
        ck_assert_msg(sse_wait(&c[i], needle, 5 * deadline_s()) >= 0, "subscriber %d: %s", i,
                      c[i].text);
        for (int k = 0; k < IDLE_POSTS; k++)
            ck_assert_msg(strstr(c[i].text, frame[k]) != NULL, "subscriber %d: frame of %lld "
                          "not whole: %s", i, v[k], c[i].text);
    }
    ck_assert_msg(sse_wait(&old, needle, 5 * deadline_s()) >= 0, "HTTP/1.0: %s", old.text);
    ck_assert_int_eq(old.chunked, 0);
    for (int k = 0; k < IDLE_POSTS; k++)
        ck_assert_msg(strstr(old.text, frame[k]) != NULL, "HTTP/1.0: frame of %lld not whole: "
                      "%s", v[k], old.text);
    /* a replay of more than a page, then a live event into the pages given back */
    char id[32];
    snprintf(id, sizeof id, "%lld", v0);
    ck_assert_int_eq(sse_open(&s, id, 0, &late), 0);
    ck_assert_msg(sse_wait(&late, needle, 5) >= 0, "replay: %s", late.text);
    usleep(200 * 1000);
    v[IDLE_POSTS] = post_next_day(&s, date);
    report_needle(needle, sizeof needle, v[IDLE_POSTS], date);
    ck_assert_msg(sse_wait(&c[0], needle, 5 * deadline_s()) >= 0, "no event: %s", c[0].text);
    ck_assert_int_eq(frame_of(&c[0], v[IDLE_POSTS], frame[IDLE_POSTS], sizeof frame[0]), 0);
    ck_assert_msg(sse_wait(&late, needle, 5 * deadline_s()) >= 0, "after replay: %s", late.text);
    for (int k = 0; k <= IDLE_POSTS; k++)
        ck_assert_msg(strstr(late.text, frame[k]) != NULL, "replayed frame of %lld not whole: "
                      "%s", v[k], late.text);
    sse_close(&late);
    sse_close(&old);
    for (int i = 0; i < n; i++)
        sse_close(&c[i]);
    ck_assert_int_eq(test_server_stop(&s), 0);
    test_server_cleanup(&s);
}
END_TEST

START_TEST(test_feed)
{
    test_server s;
    if (!start_short(&s, "http_events feed", NULL)) { /* 60 reports: more than the feed's 50 */
        test_server_cleanup(&s);
        return;
    }
    http_resp r;
    ck_assert_int_eq(http_get(&s, "/v1/reports.atom", &r), 0);
    ck_assert_int_eq(r.status, 200);
    char ct[128], etag[64];
    ck_assert_ptr_nonnull(http_header(&r, "Content-Type", ct, sizeof ct));
    ck_assert_str_eq(ct, "application/atom+xml; charset=utf-8");
    ck_assert_ptr_nonnull(http_header(&r, "ETag", etag, sizeof etag));
    http_resp_free(&r);
    char inm[96];
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    const char *h[] = {inm, NULL};
    ck_assert_int_eq(http_request(&s, "GET", "/v1/reports.atom", h, NULL, 0, &r), 0);
    ck_assert_int_eq(r.status, 304);
    http_resp_free(&r);
    json_t *latest = http_get_json(&s, "/v1/daily/latest", 200, &r);
    char want[32];
    snprintf(want, sizeof want, "%s", json_string_value(json_object_get(latest, "date")));
    http_resp_free(&r);
    /* python3-feedparser: parses without bozo, 50 entries, newest first (feed_check.py) */
    const char *src = getenv("ATTRITION_FEED_CHECK");
    ck_assert_ptr_nonnull(src);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s http://127.0.0.1:%d/v1/reports.atom 2>&1",
             src, s.port);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    char out[4096] = "";
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "feed_check.py: %s", out);
    char first[64];
    snprintf(first, sizeof first, "first urn:attrition:report:%s", want);
    ck_assert_msg(strstr(out, first) != NULL, "the newest entry is not %s: %s", want, out);
    ck_assert_int_eq(test_server_stop(&s), 0);
    test_server_cleanup(&s);
}
END_TEST

TCase *http_events_tcase(void)
{
    TCase *tc = tcase_create("http_events");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_post_reaches_subscribers);
    tcase_add_test(tc, test_external_import_event);
    tcase_add_test(tc, test_last_event_id_replay);
    tcase_add_test(tc, test_deployment_event);
    tcase_add_test(tc, test_heartbeat);
    tcase_add_test(tc, test_limit_503);
    tcase_add_test(tc, test_limit_half_connections);
    tcase_add_test(tc, test_feed);
    tcase_add_test(tc, test_idle_subscribers);
    return tc;
}
