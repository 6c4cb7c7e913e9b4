/* Content negotiation (server/negotiate.c) against RFC 9110 §12: tables of Accept and
 * Accept-Encoding values with the q each gives a type, the representation chosen among
 * JSON and CSV, and the content coding chosen for small and large bodies. */
#include "negotiate.h"

#include <check.h>
#include <stddef.h>

TCase *negotiate_tcase(void);

#define JSON "application/json; charset=utf-8"
#define CSV "text/csv; charset=utf-8"
#define HTML "text/html; charset=utf-8"

/* ---- q of one type ------------------------------------------------------------------- */

static const struct {
    const char *accept, *type;
    int q;
} q_cases[] = {
    {NULL, JSON, 1000},                                       /* absent: anything */
    {"", JSON, 1000},                                         /* nothing parses: absent */
    {"application/json", JSON, 1000},
    {"APPLICATION/JSON", JSON, 1000},                         /* case-insensitive */
    {"text/csv", JSON, 0},
    {"text/csv;q=0, application/json", CSV, 0},
    {"text/csv;q=0, application/json", JSON, 1000},
    {"application/json, text/csv;q=0.1", CSV, 100},
    {"text/csv ; q=0.5", CSV, 500},                           /* whitespace around ";" */
    {"text/csv;Q=0.25", CSV, 250},
    {"text/csv;q = 0.25", CSV, 250},                          /* lenient "=" */
    {"*/*", CSV, 1000},
    {"*/*;q=0.8", JSON, 800},
    {"text/*;q=0.3, */*;q=0.9", CSV, 300},                    /* type/any beats any/any */
    {"text/*;q=0.3, */*;q=0.9", JSON, 900},
    {"text/csv;q=0, */*", CSV, 0},                            /* the specific range wins */
    {"text/csv;charset=utf-8;q=0.7, text/csv;q=0.2", CSV, 700}, /* parameters: more specific */
    {"text/csv;charset=latin1;q=0.7, text/csv;q=0.2", CSV, 200}, /* parameter not matched */
    {"text/csv;charset=\"UTF-8\"", CSV, 1000},                /* quoted value */
    {"text/csv;header=\"a,b\";q=0.4, */*;q=0.1", CSV, 100},   /* comma inside quotes */
    {"text/csv;q=0.5;ext=1", CSV, 500},                       /* accept-ext after q */
    {"text/csv;q=2, application/json", CSV, 0},               /* bad q: element skipped */
    {"text/csv;q=0.0001, */*;q=0.5", CSV, 500},               /* 4 decimals: skipped */
    {"text/csv;q=1.000", CSV, 1000},
    {"text/csv;q=1.5", CSV, 1000},                            /* only bad element: absent */
    {"*/csv", CSV, 1000},                                     /* not a range: absent */
    {"csv", CSV, 1000},
    {"text/csv;q=0, text/csv", CSV, 0},                       /* repeated: lowest q */
    {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", JSON, 800},
    {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", HTML, 1000},
    {"text/css,*/*;q=0.1", JSON, 100},
    {",, ,application/json,", JSON, 1000},                    /* empty elements */
    {"application/json;q=0", JSON, 0},
    {"application/*;q=0.6", JSON, 600},
};

START_TEST(media_q)
{
    int q = negotiate_media_q(q_cases[_i].accept, q_cases[_i].type);
    ck_assert_msg(q == q_cases[_i].q, "Accept \"%s\", %s: q %d, want %d",
                  q_cases[_i].accept ? q_cases[_i].accept : "(absent)", q_cases[_i].type, q,
                  q_cases[_i].q);
}
END_TEST

/* ---- JSON or CSV --------------------------------------------------------------------- */

static const struct {
    const char *accept;
    int want; /* 0 JSON, 1 CSV, -1 none (406) */
} pick_cases[] = {
    {NULL, 0},
    {"*/*", 0},                                               /* ties: the first offer */
    {"text/csv", 1},
    {"text/csv;q=0, application/json", 0},
    {"application/json, text/csv;q=0.1", 0},
    {"text/csv, application/json;q=0.9", 1},
    {"application/json;q=0.5, text/csv;q=0.6", 1},
    {"text/*", 1},
    {"image/png", -1},
    {"application/json;q=0, text/csv;q=0", -1},
    {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", 0}, /* a browser */
    {"application/xml", -1},
};

START_TEST(media_pick)
{
    static const char *const offered[] = {JSON, CSV};
    int got = negotiate_media(pick_cases[_i].accept, offered, 2);
    ck_assert_msg(got == pick_cases[_i].want, "Accept \"%s\": picked %d, want %d",
                  pick_cases[_i].accept ? pick_cases[_i].accept : "(absent)", got,
                  pick_cases[_i].want);
}
END_TEST

/* ---- content coding ------------------------------------------------------------------ */

static const struct {
    const char *ae;
    negotiate_coding large, small; /* for a body worth compressing, and one that is not */
} coding_cases[] = {
    {NULL, NEGOTIATE_IDENTITY, NEGOTIATE_IDENTITY},
    {"", NEGOTIATE_IDENTITY, NEGOTIATE_IDENTITY},          /* empty: no coding wanted */
    {"gzip", NEGOTIATE_GZIP, NEGOTIATE_IDENTITY},
    {"GZIP", NEGOTIATE_GZIP, NEGOTIATE_IDENTITY},
    {"x-gzip", NEGOTIATE_GZIP, NEGOTIATE_IDENTITY},
    {"gzip, deflate, br, zstd", NEGOTIATE_GZIP, NEGOTIATE_IDENTITY},
    {"gzip;q=0, identity", NEGOTIATE_IDENTITY, NEGOTIATE_IDENTITY},
    {"gzip; q=0, identity", NEGOTIATE_IDENTITY, NEGOTIATE_IDENTITY},
    {"gzip ; q=0.000", NEGOTIATE_IDENTITY, NEGOTIATE_IDENTITY},
    {"gzip;q=0.001", NEGOTIATE_GZIP, NEGOTIATE_IDENTITY},
    {"br", NEGOTIATE_IDENTITY, NEGOTIATE_IDENTITY},
    {"*", NEGOTIATE_GZIP, NEGOTIATE_IDENTITY},
    {"*;q=0", NEGOTIATE_NONE, NEGOTIATE_NONE},             /* nothing at all */
    {"*;q=0, gzip", NEGOTIATE_GZIP, NEGOTIATE_GZIP},       /* identity excluded: gzip */
    {"identity;q=0", NEGOTIATE_NONE, NEGOTIATE_NONE},
    {"identity;q=0, gzip", NEGOTIATE_GZIP, NEGOTIATE_GZIP},
    {"*;q=0, identity", NEGOTIATE_IDENTITY, NEGOTIATE_IDENTITY},
    {"gzip;q=0.5, identity", NEGOTIATE_IDENTITY, NEGOTIATE_IDENTITY}, /* identity preferred */
    {"gzip, identity;q=0.5", NEGOTIATE_GZIP, NEGOTIATE_IDENTITY},
    {"gzip;q=0, *", NEGOTIATE_IDENTITY, NEGOTIATE_IDENTITY},
    {"gzip;q=0, gzip", NEGOTIATE_IDENTITY, NEGOTIATE_IDENTITY}, /* repeated: lowest q */
    {"gzip;q=abc", NEGOTIATE_IDENTITY, NEGOTIATE_IDENTITY},     /* bad q: skipped */
};

START_TEST(coding)
{
    negotiate_coding large = negotiate_encoding(coding_cases[_i].ae, 1);
    negotiate_coding small = negotiate_encoding(coding_cases[_i].ae, 0);
    ck_assert_msg(large == coding_cases[_i].large && small == coding_cases[_i].small,
                  "Accept-Encoding \"%s\": large %d small %d, want %d %d",
                  coding_cases[_i].ae ? coding_cases[_i].ae : "(absent)", large, small,
                  coding_cases[_i].large, coding_cases[_i].small);
}
END_TEST

#define N(a) ((int)(sizeof a / sizeof a[0]))

TCase *negotiate_tcase(void)
{
    TCase *tc = tcase_create("negotiate");
    tcase_add_loop_test(tc, media_q, 0, N(q_cases));
    tcase_add_loop_test(tc, media_pick, 0, N(pick_cases));
    tcase_add_loop_test(tc, coding, 0, N(coding_cases));
    return tc;
}
