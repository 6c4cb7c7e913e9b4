/* HTTP tests of /v1/check against the real dataset (and the seed deployment estimates a
 * fresh database holds):
 * - the corpus tests/check_corpus.json (texts in English and Ukrainian whose figures
 *   scripts/check_corpus.py took from the dataset, kept or falsified, each with the verdict
 *   it must get): recall and verdict accuracy per kind and language are printed and must be
 *   at least 95 %; no number listed as no loss figure (money, years, ages, ...) is judged;
 * - the seed article (../shared/seed/000_f85aa6e7f3819028.txt): every ministry figure, the
 *   two places its wording disagrees with the data explained, the time to check it cold;
 * - the shape of the answer (offsets in Unicode characters), GET and JSON bodies, and the
 *   400/413/415 rules. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

TCase *http_check_tcase(void);

static test_server srv;
static int have_data;

static void setup(void)
{
    have_data = test_server_start_dataset(&srv, "http_check", NULL);
}

static void teardown(void)
{
    ck_assert_int_eq(test_server_stop(&srv), 0);
    test_server_cleanup(&srv);
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* POST text as text/plain with ?as_of=as_of; asserts 200 and returns the JSON (owned by r). */
static json_t *check_text(const char *text, const char *as_of, http_resp *r)
{
    static const char *const h[] = {"Content-Type: text/plain; charset=utf-8", NULL};
    char path[64];
    snprintf(path, sizeof path, "/v1/check?as_of=%s", as_of);
    ck_assert_int_eq(http_request(&srv, "POST", path, h, text, strlen(text), r), 0);
    ck_assert_msg(r->status == 200 && r->json != NULL, "status %ld: %s", r->status, r->body);
    return r->json;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* The code points of s[0..bytes) (s is valid UTF-8). */
static size_t chars_of(const char *s, size_t bytes)
{
    size_t n = 0;
    for (size_t i = 0; i < bytes; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* Byte offset of code point index ci in s. */
static size_t byte_of(const char *s, size_t ci)
{
    size_t i = 0, n = 0;
    while (s[i]) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (n == ci)
                return i;
            n++;
        }
        i++;
    }
    return i;
}

/* Every claim's quote is text[start, end) counted in code points. */
static void assert_offsets(const char *text, const json_t *claims)
{
    size_t i;
    const json_t *c;
    json_array_foreach(claims, i, c) {
        size_t s = (size_t)json_integer_value(json_object_get(c, "start"));
        size_t e = (size_t)json_integer_value(json_object_get(c, "end"));
        const char *q = json_string_value(json_object_get(c, "quote"));
        ck_assert_ptr_nonnull(q);
        ck_assert_uint_lt(s, e);
        ck_assert_uint_le(e, chars_of(text, strlen(text)));
        size_t b0 = byte_of(text, s), b1 = byte_of(text, e);
        ck_assert_msg(strlen(q) == b1 - b0 && memcmp(text + b0, q, b1 - b0) == 0,
                      "quote \"%s\" is not the text at %zu..%zu", q, s, e);
    }
}

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* The claim of kind with that claimed number (and category, "" for any), or NULL. */
static const json_t *find_claim(const json_t *claims, const char *kind, long long claimed,
                                const char *category)
{
    size_t i;
    const json_t *c;
    json_array_foreach(claims, i, c)
        if (strcmp(str(c, "kind"), kind) == 0 &&
            json_integer_value(json_object_get(c, "claimed")) == claimed &&
            (category[0] == '\0' || strcmp(str(c, "category"), category) == 0))
            return c;
    return NULL;
}

static void assert_claim(const json_t *claims, const char *kind, long long claimed,
                         const char *category, const char *verdict, const char *date)
{
    const json_t *c = find_claim(claims, kind, claimed, category);
    ck_assert_msg(c != NULL, "no %s claim of %lld %s", kind, claimed, category);
    ck_assert_str_eq(str(c, "verdict"), verdict);
    if (date)
        ck_assert_str_eq(str(c, "date"), date);
    if (strcmp(verdict, "unverifiable") != 0) {
        ck_assert_msg(json_object_get(c, "actual") != NULL, "no actual");
        ck_assert_msg(strncmp(str(c, "evidence"), "/v1/", 4) == 0, "evidence %s",
                      str(c, "evidence"));
    }
}

START_TEST(test_seed_article)
{
    if (!have_data)
        return;
    char path[1024];
    const char *data = getenv("ATTRITION_DATA");
    snprintf(path, sizeof path, "%s/../../seed/000_f85aa6e7f3819028.txt", data);
    char *text = read_all(path);
    if (text == NULL) {
        printf("SKIP http_check seed article: %s not found\n", path);
        return;
    }
    http_resp r;
    double t0 = now_ms();
    json_t *body = check_text(text, "2024-10-25", &r);
    double cold = now_ms() - t0;
    const json_t *claims = json_object_get(body, "claims");
    printf("seed article: %zu claims, checked cold in %.2f ms (one POST, server side and "
           "transfer)\n", json_array_size(claims), cold);
    ck_assert_str_eq(str(body, "as_of"), "2024-10-25");
    assert_offsets(text, claims);
    assert_claim(claims, "rank", 3, "personnel", "correct", "2024-10-25");
    assert_claim(claims, "daily", 1630, "personnel", "correct", "2024-10-25");
    assert_claim(claims, "total", 685910, "personnel", "correct", "2024-10-25");
    /* "1,740 on May 12" is the report of 2024-05-13: correct, and the note says so */
    assert_claim(claims, "daily", 1740, "personnel", "correct", "2024-05-13");
    ck_assert_ptr_nonnull(strstr(str(find_claim(claims, "daily", 1740, "personnel"), "note"),
                                 "day before"));
    assert_claim(claims, "rank", 1, "personnel", "correct", "2024-05-13");
    /* "previous second-highest, 1,530": the report of 2024-10-18, fourth as of 2024-10-25 */
    assert_claim(claims, "daily", 1530, "personnel", "correct", "2024-10-18");
    const json_t *second = find_claim(claims, "rank", 2, "personnel");
    assert_claim(claims, "rank", 2, "personnel", "incorrect", "2024-10-18");
    ck_assert_int_eq(json_integer_value(json_object_get(second, "actual")), 4);
    ck_assert_ptr_nonnull(strstr(str(second, "note"), "1,710 on 2024-10-21"));
    ck_assert_ptr_nonnull(strstr(str(second, "note"), "own date"));
    static const struct { const char *cat; long long v; } today[] = {
        {"afv", 33}, {"artillery", 34}, {"tanks", 7}, {"air_defense", 1}, {"uav", 73},
        {"vehicles_fuel_tanks", 79}, {"special_equipment", 22}};
    for (size_t i = 0; i < sizeof today / sizeof today[0]; i++)
        assert_claim(claims, "daily", today[i].v, today[i].cat, "correct", "2024-10-25");
    static const struct { const char *cat; long long v; } week[] = {
        {"personnel", 7390}, {"artillery", 188}, {"uav", 383}, {"afv", 176}};
    for (size_t i = 0; i < sizeof week / sizeof week[0]; i++) {
        assert_claim(claims, "period", week[i].v, week[i].cat, "correct", NULL);
        const json_t *c = find_claim(claims, "period", week[i].v, week[i].cat);
        ck_assert_str_eq(str(c, "from"), "2024-10-21");
        ck_assert_str_eq(str(c, "to"), "2024-10-25");
    }
    assert_claim(claims, "deployment", 3000, "", "correct", NULL);
    assert_claim(claims, "deployment", 12000, "", "correct", NULL);
    /* $8 billion, 2024, February 2022, October 24: no figures */
    size_t i;
    const json_t *c;
    json_array_foreach(claims, i, c) {
        long long v = json_integer_value(json_object_get(c, "claimed"));
        ck_assert_msg(v != 8 && v != 2024 && v != 2022 && v != 24, "%lld judged", v);
    }
    ck_assert_int_eq(json_array_size(claims), 20);
    ck_assert_int_eq(json_path_int(body, "counts.incorrect"), 1);
    ck_assert_int_eq(json_path_int(body, "counts.correct"), 19);
    http_resp_free(&r);
    free(text);
}
END_TEST

/* Per kind and language: expected, found, verdict right. */
typedef struct tally {
    char key[32];
    int expected, found, right;
} tally;

static tally *tally_of(tally *t, size_t *n, const char *kind, const char *lang)
{
    char key[32];
    snprintf(key, sizeof key, "%s/%s", kind, lang);
    for (size_t i = 0; i < *n; i++)
        if (strcmp(t[i].key, key) == 0)
            return &t[i];
    memset(&t[*n], 0, sizeof t[*n]);
    snprintf(t[*n].key, sizeof t[*n].key, "%s", key);
    return &t[(*n)++];
}

START_TEST(test_corpus)
{
    if (!have_data)
        return;
    json_error_t e;
    json_t *corpus = json_load_file(getenv("ATTRITION_CHECK_CORPUS"), 0, &e);
    ck_assert_msg(corpus != NULL, "tests/check_corpus.json: %s", e.text);
    const json_t *texts = json_object_get(corpus, "texts");
    tally t[32];
    size_t nt = 0, ti;
    int expected = 0, found = 0, right = 0, extra = 0, nonloss = 0;
    const json_t *text;
    ck_assert_uint_ge(json_array_size(texts), 40);
    json_array_foreach(texts, ti, text) {
        http_resp r;
        const char *s = str(text, "text");
        json_t *body = check_text(s, str(text, "as_of"), &r);
        json_t *got = json_object_get(body, "claims");
        assert_offsets(s, got);
        size_t ng = json_array_size(got), i, j;
        unsigned char used[256] = {0};
        ck_assert_uint_lt(ng, sizeof used);
        const json_t *want, *g;
        json_array_foreach(json_object_get(text, "claims"), i, want) {
            tally *k = tally_of(t, &nt, str(want, "kind"), str(text, "lang"));
            k->expected++;
            expected++;
            json_array_foreach(got, j, g) {
                if (used[j] || json_integer_value(json_object_get(g, "claimed")) !=
                               json_integer_value(json_object_get(want, "claimed")) ||
                    strcmp(str(g, "category"), str(want, "category")) != 0 ||
                    strcmp(str(g, "kind"), str(want, "kind")) != 0)
                    continue;
                used[j] = 1;
                k->found++;
                found++;
                if (strcmp(str(g, "verdict"), str(want, "verdict")) == 0) {
                    k->right++;
                    right++;
                } else {
                    printf("wrong verdict %s (want %s): %s | %s\n", str(g, "verdict"),
                           str(want, "verdict"), str(g, "quote"), str(g, "note"));
                }
                break;
            }
            if (j == ng)
                printf("missed %s %lld %s: %.120s\n", str(want, "kind"),
                       (long long)json_integer_value(json_object_get(want, "claimed")),
                       str(want, "category"), s);
        }
        json_array_foreach(got, j, g) {
            long long v = json_integer_value(json_object_get(g, "claimed"));
            const json_t *nl;
            size_t m;
            if (!used[j]) {
                extra++;
                printf("extra %s %lld: %s\n", str(g, "kind"), v, str(g, "quote"));
            }
            json_array_foreach(json_object_get(text, "not_claims"), m, nl)
                if (json_integer_value(nl) == v && strcmp(str(g, "kind"), "rank") != 0) {
                    nonloss++;
                    printf("not a loss figure, judged: %s\n", str(g, "quote"));
                }
        }
        http_resp_free(&r);
    }
    printf("corpus: %zu texts, %d claims expected, %d found (recall %.1f %%), %d verdicts "
           "right (accuracy %.1f %%), %d extra claims\n", json_array_size(texts), expected,
           found, 100.0 * found / expected, right, 100.0 * right / (found ? found : 1), extra);
    for (size_t i = 0; i < nt; i++)
        printf("  %-18s %3d claims, recall %5.1f %%, accuracy %5.1f %%\n", t[i].key,
               t[i].expected, 100.0 * t[i].found / t[i].expected,
               100.0 * t[i].right / (t[i].found ? t[i].found : 1));
    ck_assert_int_ge(expected, 150);
    ck_assert_msg(found * 100 >= expected * 95, "recall %d/%d", found, expected);
    ck_assert_msg(right * 100 >= found * 95, "accuracy %d/%d", right, found);
    ck_assert_int_eq(nonloss, 0);
    json_decref(corpus);
}
END_TEST

/* GET for a short text, JSON bodies, and what is refused. */
/* Numbers in words of several words are one figure: "one hundred and eight" is 108 (not 1,
 * 100 and 8), "twenty-one" next to its category is 21, "two hundred" is 200. */
START_TEST(test_number_words)
{
    if (!have_data)
        return;
    http_resp r;
    json_t *b = check_text("Russia lost one hundred and eight drones and twenty-one tanks "
                           "today.", "2024-10-24", &r);
    const json_t *claims = json_object_get(b, "claims");
    ck_assert_msg(json_array_size(claims) == 2, "%s", r.body);
    assert_claim(claims, "daily", 108, "uav", "correct", "2024-10-24");
    assert_claim(claims, "daily", 21, "tanks", "incorrect", "2024-10-24");
    ck_assert_int_eq(json_integer_value(json_object_get(find_claim(claims, "daily", 21, "tanks"),
                                                        "actual")), 2);
    ck_assert_str_eq(str(json_array_get(claims, 0), "quote"), "one hundred and eight drones");
    http_resp_free(&r);
    b = check_text("Russia lost two hundred tanks today.", "2024-10-24", &r);
    claims = json_object_get(b, "claims");
    ck_assert_msg(json_array_size(claims) == 1, "%s", r.body);
    const json_t *c = json_array_get(claims, 0); /* 200 (daily or total), never 100 */
    ck_assert_int_eq(json_integer_value(json_object_get(c, "claimed")), 200);
    ck_assert_str_eq(str(c, "category"), "tanks");
    ck_assert_str_eq(str(c, "quote"), "two hundred tanks today");
    ck_assert_str_eq(str(c, "verdict"), "incorrect");
    http_resp_free(&r);
}
END_TEST

/* Bad input is 400 also before any report is stored (not 404 "no report"). */
START_TEST(test_bad_text_on_empty_database)
{
    test_server e;
    http_resp r;
    static const char *const h[] = {"Content-Type: text/plain; charset=utf-8", NULL};
    ck_assert_int_eq(test_server_prepare(&e), 0);
    ck_assert_int_eq(test_server_start(&e, NULL), 0);
    ck_assert_int_eq(http_request(&e, "POST", "/v1/check", h, "7 tanks \xff\xfe", 10, &r), 0);
    ck_assert_msg(r.status == 400, "invalid UTF-8: %ld %s", r.status, r.body);
    ck_assert_ptr_nonnull(strstr(r.body, "not UTF-8 text"));
    http_resp_free(&r);
    ck_assert_int_eq(http_request(&e, "POST", "/v1/check", h, "7 tanks", 7, &r), 0);
    ck_assert_int_eq(r.status, 404); /* good text, no data: the usual "no report" */
    http_resp_free(&r);
    test_server_finish(&e);
}
END_TEST

START_TEST(test_shapes_and_errors)
{
    if (!have_data)
        return;
    http_resp r;
    json_t *b = http_get_json(&srv, "/v1/check?as_of=2024-10-25&text=Russia%20lost%20seven%20"
                              "tanks%20and%201%C2%A0630%20troops%20today.", 200, &r);
    const json_t *claims = json_object_get(b, "claims");
    ck_assert_int_eq(json_array_size(claims), 2);
    assert_claim(claims, "daily", 7, "tanks", "correct", "2024-10-25");
    assert_claim(claims, "daily", 1630, "personnel", "correct", "2024-10-25");
    ck_assert_int_eq(json_path_int(b, "counts.correct"), 2);
    /* GET is cacheable: an ETag, and 304 for it */
    char etag[128], inm[160];
    ck_assert_ptr_nonnull(http_header(&r, "ETag", etag, sizeof etag));
    http_resp_free(&r);
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    const char *const cond[] = {inm, NULL};
    ck_assert_int_eq(http_request(&srv, "GET", "/v1/check?as_of=2024-10-25&text=Russia%20lost%20"
                                  "seven%20tanks%20and%201%C2%A0630%20troops%20today.", cond, NULL,
                                  0, &r), 0);
    ck_assert_int_eq(r.status, 304);
    http_resp_free(&r);

    /* Ukrainian, JSON body, number words and a qualifier */
    static const char *const js[] = {"Content-Type: application/json", NULL};
    const char *body = "{\"text\": \"25 жовтня 2024 року ворог втратив сім танків і понад "
                       "1 600 осіб.\", \"as_of\": \"2024-10-25\"}";
    ck_assert_int_eq(http_request(&srv, "POST", "/v1/check", js, body, strlen(body), &r), 0);
    ck_assert_int_eq(r.status, 200);
    claims = json_object_get(r.json, "claims");
    assert_claim(claims, "daily", 7, "tanks", "correct", "2024-10-25");
    assert_claim(claims, "daily", 1600, "personnel", "correct", "2024-10-25");
    ck_assert_int_eq(json_integer_value(json_object_get(
        find_claim(claims, "daily", 7, "tanks"), "start")), 34);
    http_resp_free(&r);

    /* no figures: 200 and no claims */
    b = http_get_json(&srv, "/v1/check?text=Nothing%20to%20see%20in%202024.", 200, &r);
    ck_assert_int_eq(json_array_size(json_object_get(b, "claims")), 0);
    http_resp_free(&r);

    static const char *const tp[] = {"Content-Type: text/plain", NULL};
    ck_assert_int_eq(http_request(&srv, "POST", "/v1/check", tp, "", 0, &r), 0);
    ck_assert_int_eq(r.status, 400);
    http_resp_free(&r);
    ck_assert_int_eq(http_request(&srv, "POST", "/v1/check", tp, "a\xff\xfe", 3, &r), 0);
    ck_assert_int_eq(r.status, 400);
    http_resp_free(&r);
    ck_assert_int_eq(http_request(&srv, "POST", "/v1/check?as_of=2024-13-01", tp, "x", 1, &r), 0);
    ck_assert_int_eq(r.status, 400);
    http_resp_free(&r);
    static const char *const xml[] = {"Content-Type: application/xml", NULL};
    ck_assert_int_eq(http_request(&srv, "POST", "/v1/check", xml, "x", 1, &r), 0);
    ck_assert_int_eq(r.status, 415);
    http_resp_free(&r);
    ck_assert_int_eq(http_request(&srv, "POST", "/v1/check", js, "{\"as_of\": 3}", 12, &r), 0);
    ck_assert_int_eq(r.status, 400);
    http_resp_free(&r);
    size_t big = 65537;
    char *text = malloc(big + 1);
    ck_assert_ptr_nonnull(text);
    memset(text, '7', big);
    text[big] = '\0';
    ck_assert_int_eq(http_request(&srv, "POST", "/v1/check", tp, text, big, &r), 0);
    ck_assert_int_eq(r.status, 413);
    http_resp_free(&r);
    /* 64 KiB exactly is taken */
    ck_assert_int_eq(http_request(&srv, "POST", "/v1/check", tp, text, big - 1, &r), 0);
    ck_assert_int_eq(r.status, 200);
    http_resp_free(&r);
    free(text);
    ck_assert_int_eq(http_get(&srv, "/v1/check", &r), 0);
    ck_assert_int_eq(r.status, 400);
    http_resp_free(&r);
}
END_TEST

TCase *http_check_tcase(void)
{
    TCase *tc = tcase_create("http_check");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_seed_article);
    tcase_add_test(tc, test_corpus);
    tcase_add_test(tc, test_shapes_and_errors);
    tcase_add_test(tc, test_number_words);
    tcase_add_test(tc, test_bad_text_on_empty_database);
    return tc;
}
