/* Unit tests of the daily post parser (core/post.c). The fixture test reads
 * $ATTRITION_FIXTURES/mod-post-2024-10-25.txt and skips with a message when it is absent. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrition/post.h"
#include "attrition/check.h"
#include "attrition/report.h"

TCase *post_tcase(void);

#define DAY_2024_10_25 20021 /* 2024-10-25 as days since 1970-01-01 */
#define HEAD "The total combat losses of the enemy from 24.02.2022 to 25.10.2024 were approximately:\n"

/* Parses a string literal (which may hold NULs: its size, not strlen, is the length). */
#define PARSE(lit, r, err) post_parse((lit), sizeof(lit) - 1, (r), (err), sizeof(err))

/* The entry labelled label in r, or NULL. r is borrowed. */
static const post_entry *entry_find(const post_report *r, const char *label)
{
    for (size_t i = 0; i < r->n_entries; i++) {
        if (strcmp(r->entries[i].label, label) == 0)
            return &r->entries[i];
    }
    return NULL;
}

/* Asserts that the one-entry post text parses to that entry. */
static void expect_one(const char *text, size_t len, const char *label, long long total,
                       int has_increase, long long increase, const char *qualifier)
{
    post_report r;
    char err[256];
    int rc = post_parse(text, len, &r, err, sizeof err);

    ck_assert_msg(rc == POST_OK, "parsing <%s> gave %d: %s", text, rc, err);
    ck_assert_int_eq(r.n_entries, 1);
    ck_assert_str_eq(r.entries[0].label, label);
    ck_assert_int_eq(r.entries[0].total, total);
    ck_assert_int_eq(r.entries[0].has_increase, has_increase);
    ck_assert_int_eq(r.entries[0].increase, increase);
    ck_assert_str_eq(r.entries[0].qualifier, qualifier);
    ck_assert_int_eq(r.date, DAY_2024_10_25);
    post_report_free(&r);
}
#define EXPECT_ONE(lit, label, total, has, inc, qual) \
    expect_one((lit), sizeof(lit) - 1, (label), (total), (has), (inc), (qual))

/* Asserts that text is rejected with POST_EINVAL and exactly the message want, and that the
 * report is left zeroed. */
static void expect_error(const char *text, size_t len, const char *want)
{
    post_report r;
    char err[256];
    int rc = post_parse(text, len, &r, err, sizeof err);

    ck_assert_msg(rc == POST_EINVAL, "parsing <%s> gave %d, not POST_EINVAL", text, rc);
    ck_assert_str_eq(err, want);
    ck_assert_ptr_null(r.entries);
    ck_assert_ptr_null(r.ignored);
    ck_assert_int_eq(r.n_entries, 0);
    ck_assert_int_eq(r.n_ignored, 0);
}
#define EXPECT_ERROR(lit, want) expect_error((lit), sizeof(lit) - 1, (want))

/* Reads the whole file at path into a new buffer (caller frees). Returns NULL if it cannot. */
static char *file_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL, *grown;
    size_t cap = 0, n = 0, got;

    if (f == NULL)
        return NULL;
    do {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            grown = realloc(buf, cap);
            if (grown == NULL) {
                free(buf);
                buf = NULL;
                goto cleanup;
            }
            buf = grown;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    *len = n;
cleanup:
    fclose(f);
    return buf;
}

static void expect_entry(const post_report *r, const char *label, long long total,
                         int has_increase, long long increase, const char *qualifier, int line)
{
    const post_entry *e = entry_find(r, label);

    ck_assert_msg(e != NULL, "no entry labelled '%s'", label);
    ck_assert_int_eq(e->total, total);
    ck_assert_int_eq(e->has_increase, has_increase);
    ck_assert_int_eq(e->increase, increase);
    ck_assert_str_eq(e->qualifier, qualifier);
    ck_assert_int_eq(e->line, line);
}

START_TEST(test_fixture)
{
    const char *dir = getenv("ATTRITION_FIXTURES");
    char path[4096];
    char err[256];
    char *text;
    size_t len = 0;
    post_report r;

    if (dir == NULL || *dir == '\0') {
        printf("skipped: post fixture test: ATTRITION_FIXTURES is not set, so "
               "mod-post-2024-10-25.txt was not found\n");
        return;
    }
    snprintf(path, sizeof path, "%s/mod-post-2024-10-25.txt", dir);
    text = file_read(path, &len);
    if (text == NULL) {
        printf("skipped: post fixture test: %s not found\n", path);
        return;
    }
    ck_assert_int_eq(post_parse(text, len, &r, err, sizeof err), POST_OK);
    ck_assert_str_eq(err, "");
    ck_assert_int_eq(r.date, DAY_2024_10_25);
    ck_assert_int_eq(r.date_line, 1);
    ck_assert_int_eq(r.n_entries, 14);
    expect_entry(&r, "personnel", 685910, 1, 1630, "about", 2);
    expect_entry(&r, "tanks", 9097, 1, 7, "", 3);
    expect_entry(&r, "armoured combat vehicles", 18287, 1, 33, "", 4);
    expect_entry(&r, "artillery systems", 19753, 1, 34, "", 5);
    expect_entry(&r, "MLRS", 1238, 1, 2, "", 6);
    expect_entry(&r, "Anti-aircraft warfare systems", 982, 1, 1, "", 7);
    expect_entry(&r, "aircraft", 369, 0, 0, "", 8);
    expect_entry(&r, "helicopters", 329, 0, 0, "", 9);
    expect_entry(&r, "UAV operational-tactical level", 17670, 1, 73, "", 10);
    expect_entry(&r, "cruise missiles", 2625, 0, 0, "", 11);
    expect_entry(&r, "ships / boats", 28, 0, 0, "", 12);
    expect_entry(&r, "submarines", 1, 0, 0, "", 13);
    expect_entry(&r, "vehicles and fuel tanks", 27365, 1, 79, "", 14);
    expect_entry(&r, "special equipment", 3535, 1, 22, "", 15);
    /* in the order of the text */
    ck_assert_str_eq(r.entries[0].label, "personnel");
    ck_assert_str_eq(r.entries[13].label, "special equipment");
    ck_assert_int_eq(r.n_ignored, 1);
    ck_assert_str_eq(r.ignored[0], "The data is being updated.");
    ck_assert_int_eq(r.ignored_line[0], 16);
    post_report_free(&r);
    ck_assert_ptr_null(r.entries);
    ck_assert_int_eq(r.n_entries, 0);

    /* Not NUL-terminated: the same bytes in a buffer of exactly their size, with the last
     * line cut off. */
    {
        const char *cut = strstr(text, "The data");
        size_t n = (size_t)(cut - text);
        char *exact = malloc(n);

        ck_assert_ptr_nonnull(cut);
        ck_assert_ptr_nonnull(exact);
        memcpy(exact, text, n);
        ck_assert_int_eq(post_parse(exact, n, &r, err, sizeof err), POST_OK);
        ck_assert_int_eq(r.n_entries, 14);
        ck_assert_int_eq(r.n_ignored, 0);
        post_report_free(&r);
        free(exact);
    }
    free(text);
}
END_TEST

START_TEST(test_every_dash)
{
    static const char *const seps[] = {
        "-",            /* U+002D hyphen-minus */
        "\xE2\x80\x90", /* U+2010 hyphen */
        "\xE2\x80\x91", /* U+2011 non-breaking hyphen */
        "\xE2\x80\x92", /* U+2012 figure dash (the fixture's) */
        "\xE2\x80\x93", /* U+2013 en dash */
        "\xE2\x80\x94", /* U+2014 em dash */
        "\xE2\x80\x95", /* U+2015 horizontal bar */
        "\xE2\x88\x92", /* U+2212 minus sign */
        ":",
    };
    char text[256];

    for (size_t i = 0; i < sizeof seps / sizeof seps[0]; i++) {
        int n = snprintf(text, sizeof text, HEAD "armoured combat vehicles %s 18287 (+33)\n",
                         seps[i]);
        expect_one(text, (size_t)n, "armoured combat vehicles", 18287, 1, 33, "");
        /* and without spaces around it */
        n = snprintf(text, sizeof text, HEAD "armoured combat vehicles%s18287 (+33)\n", seps[i]);
        expect_one(text, (size_t)n, "armoured combat vehicles", 18287, 1, 33, "");
        /* and as the sign of a negative increase */
        n = snprintf(text, sizeof text, HEAD "special equipment %s 3452 (%s83)\n", seps[i],
                     seps[i][0] == ':' ? "-" : seps[i]);
        expect_one(text, (size_t)n, "special equipment", 3452, 1, -83, "");
    }
    EXPECT_ONE(HEAD "tanks \xE2\x80\x93" "9097", "tanks", 9097, 0, 0, "");
    EXPECT_ONE(HEAD "tanks\xE2\x80\x93 9097", "tanks", 9097, 0, 0, "");
}
END_TEST

START_TEST(test_labels_with_dashes_and_slashes)
{
    EXPECT_ONE(HEAD "Anti-aircraft warfare systems \xE2\x80\x92 982 (+1)",
               "Anti-aircraft warfare systems", 982, 1, 1, "");
    EXPECT_ONE(HEAD "UAV operational-tactical level \xE2\x80\x93 17670 (+73)",
               "UAV operational-tactical level", 17670, 1, 73, "");
    EXPECT_ONE(HEAD "ships / boats \xE2\x80\x92 28", "ships / boats", 28, 0, 0, "");
    /* the last dash before the number when none has spaces around it */
    EXPECT_ONE(HEAD "anti-aircraft-982", "anti-aircraft", 982, 0, 0, "");
    EXPECT_ONE(HEAD "UAV operational-tactical level-17670(+73)",
               "UAV operational-tactical level", 17670, 1, 73, "");
    /* a spaced hyphen inside a label, then the real separator */
    EXPECT_ONE(HEAD "air defence - missile systems \xE2\x80\x94 5", "air defence - missile systems",
               5, 0, 0, "");
    /* digits inside the label */
    EXPECT_ONE(HEAD "Su-25 \xE2\x80\x93 3 (+1)", "Su-25", 3, 1, 1, "");
    EXPECT_ONE(HEAD "S-300 - 1 238", "S-300", 1238, 0, 0, "");
    /* a hyphenated word that starts with a qualifier's letters */
    EXPECT_ONE(HEAD "over-the-horizon radars \xE2\x80\x93 4", "over-the-horizon radars", 4, 0, 0,
               "");
    /* Cyrillic label */
    EXPECT_ONE(HEAD "\xD1\x82\xD0\xB0\xD0\xBD\xD0\xBA\xD0\xB8 \xE2\x80\x93 9097",
               "\xD1\x82\xD0\xB0\xD0\xBD\xD0\xBA\xD0\xB8", 9097, 0, 0, "");
}
END_TEST

START_TEST(test_crlf)
{
    post_report r;
    char err[256];

    ck_assert_int_eq(PARSE("The total combat losses of the enemy from 24.02.2022 to 25.10.2024 "
                           "were approximately:\r\n"
                           "personnel \xE2\x80\x92 about 685910 (+1630) persons\r\n"
                           "tanks \xE2\x80\x92 9097 (+7)\r\n"
                           "The data is being updated.\r\n",
                           &r, err),
                     POST_OK);
    ck_assert_int_eq(r.date, DAY_2024_10_25);
    ck_assert_int_eq(r.n_entries, 2);
    expect_entry(&r, "personnel", 685910, 1, 1630, "about", 2);
    expect_entry(&r, "tanks", 9097, 1, 7, "", 3);
    ck_assert_int_eq(r.n_ignored, 1);
    ck_assert_str_eq(r.ignored[0], "The data is being updated.");
    post_report_free(&r);
}
END_TEST

START_TEST(test_blank_lines_and_whitespace)
{
    post_report r;
    char err[256];

    ck_assert_int_eq(PARSE("\n\n   \n\t The total combat losses to 25.10.2024:  \n\n"
                           "  tanks \xE2\x80\x92 9097 (+7)   \n"
                           "\n \t \n"
                           "\xC2\xA0" "armoured \t  combat\xC2\xA0vehicles  \xE2\x80\x93  18287  "
                           "( + 33 )\t\n\n\n",
                           &r, err),
                     POST_OK);
    ck_assert_int_eq(r.date_line, 4);
    ck_assert_int_eq(r.n_entries, 2);
    expect_entry(&r, "tanks", 9097, 1, 7, "", 6);
    expect_entry(&r, "armoured combat vehicles", 18287, 1, 33, "", 9);
    ck_assert_int_eq(r.n_ignored, 0);
    post_report_free(&r);
}
END_TEST

START_TEST(test_bom)
{
    post_report r;
    char err[256];

    ck_assert_int_eq(PARSE("\xEF\xBB\xBF" HEAD "tanks \xE2\x80\x92 9097 (+7)\n", &r, err), POST_OK);
    ck_assert_int_eq(r.date, DAY_2024_10_25);
    ck_assert_int_eq(r.date_line, 1);
    expect_entry(&r, "tanks", 9097, 1, 7, "", 2);
    ck_assert_int_eq(r.n_ignored, 0);
    post_report_free(&r);
    /* a BOM on the first line of a post whose heading comes later */
    ck_assert_int_eq(PARSE("\xEF\xBB\xBFtanks - 1\r\nto 25.10.2024\r\n", &r, err), POST_OK);
    expect_entry(&r, "tanks", 1, 0, 0, "", 1);
    ck_assert_int_eq(r.date_line, 2);
    post_report_free(&r);
}
END_TEST

START_TEST(test_qualifiers)
{
    EXPECT_ONE(HEAD "personnel \xE2\x80\x92 about 685910 (+1630) persons", "personnel", 685910, 1,
               1630, "about");
    EXPECT_ONE(HEAD "personnel \xE2\x80\x92 About 685910", "personnel", 685910, 0, 0, "about");
    EXPECT_ONE(HEAD "personnel \xE2\x80\x92 approximately 685910 people", "personnel", 685910, 0, 0,
               "about");
    EXPECT_ONE(HEAD "personnel \xE2\x80\x92 more than 685910 (+1630)", "personnel", 685910, 1, 1630,
               "more");
    EXPECT_ONE(HEAD "personnel \xE2\x80\x92 More \xC2\xA0 Than 685910", "personnel", 685910, 0, 0,
               "more");
    EXPECT_ONE(HEAD "personnel \xE2\x80\x92 over 685910", "personnel", 685910, 0, 0, "more");
    EXPECT_ONE(HEAD "personnel \xE2\x80\x92 more 685910", "personnel", 685910, 0, 0, "more");
    EXPECT_ONE(HEAD "personnel: about 685910", "personnel", 685910, 0, 0, "about");
    EXPECT_ONE(HEAD "personnel-about 685910", "personnel", 685910, 0, 0, "about");
    /* the heading's "approximately" is not an entry's qualifier */
    EXPECT_ONE(HEAD "tanks \xE2\x80\x92 9097", "tanks", 9097, 0, 0, "");
}
END_TEST

START_TEST(test_increase_forms)
{
    EXPECT_ONE(HEAD "aircraft \xE2\x80\x93 369", "aircraft", 369, 0, 0, "");
    EXPECT_ONE(HEAD "tanks \xE2\x80\x92 9097 (+ 7)", "tanks", 9097, 1, 7, "");
    EXPECT_ONE(HEAD "tanks \xE2\x80\x92 9097(+7)", "tanks", 9097, 1, 7, "");
    EXPECT_ONE(HEAD "tanks \xE2\x80\x92 9097 (+0)", "tanks", 9097, 1, 0, "");
    EXPECT_ONE(HEAD "tanks \xE2\x80\x92 9097 (-0)", "tanks", 9097, 1, 0, "");
    EXPECT_ONE(HEAD "special equipment \xE2\x80\x92 3452 (-83)", "special equipment", 3452, 1, -83,
               "");
    EXPECT_ONE(HEAD "special equipment \xE2\x80\x92 3452 (\xE2\x88\x92 83)", "special equipment",
               3452, 1, -83, "");
    EXPECT_ONE(HEAD "tanks \xE2\x80\x92 9097 (7)", "tanks", 9097, 1, 7, "");
    /* unit words before or after the increase, a final full stop */
    EXPECT_ONE(HEAD "personnel \xE2\x80\x92 about 685910 persons (+1630)", "personnel", 685910, 1,
               1630, "about");
    EXPECT_ONE(HEAD "personnel \xE2\x80\x92 about 685910 (+1630) persons.", "personnel", 685910, 1,
               1630, "about");
    EXPECT_ONE(HEAD "tanks \xE2\x80\x92 9097 (+7);", "tanks", 9097, 1, 7, "");
}
END_TEST

START_TEST(test_thousands_separators)
{
    EXPECT_ONE(HEAD "personnel \xE2\x80\x92 about 685 910 (+1 630) persons", "personnel", 685910, 1,
               1630, "about");
    EXPECT_ONE(HEAD "personnel \xE2\x80\x92 about 685,910 (+1,630) persons", "personnel", 685910, 1,
               1630, "about");
    EXPECT_ONE(HEAD "personnel \xE2\x80\x92 685\xC2\xA0" "910", "personnel", 685910, 0, 0, "");
    EXPECT_ONE(HEAD "personnel \xE2\x80\x92 685\xE2\x80\xAF" "910", "personnel", 685910, 0, 0, "");
    EXPECT_ONE(HEAD "personnel \xE2\x80\x92 685\xE2\x80\x89" "910", "personnel", 685910, 0, 0, "");
    EXPECT_ONE(HEAD "personnel \xE2\x80\x92 1 000 000 (+0)", "personnel", 1000000, 1, 0, "");
    EXPECT_ONE(HEAD "personnel \xE2\x80\x92 1,000,000,000,000", "personnel", 1000000000000LL, 0, 0,
               "");
    /* a comma right after the number ends the line, it is no group */
    EXPECT_ONE(HEAD "tanks \xE2\x80\x92 9097,", "tanks", 9097, 0, 0, "");
    /* groups must be three digits after one to three, with one kind of separator */
    EXPECT_ERROR(HEAD "tanks \xE2\x80\x92 9097 7", "line 2: unexpected '7' after the total of 'tanks'");
    EXPECT_ERROR(HEAD "tanks \xE2\x80\x92 9,0977",
                 "line 2: unexpected ',0977' after the total of 'tanks'");
    EXPECT_ERROR(HEAD "tanks \xE2\x80\x92 1,23 (+1)",
                 "line 2: unexpected ',23 (+1)' after the total of 'tanks'");
    EXPECT_ERROR(HEAD "personnel \xE2\x80\x92 1 234,567",
                 "line 2: unexpected ',567' after the total of 'personnel'");
}
END_TEST

START_TEST(test_unknown_lines_are_reported)
{
    post_report r;
    char err[256];

    ck_assert_int_eq(PARSE("General Staff of the Armed Forces of Ukraine\n" HEAD
                           "tanks \xE2\x80\x92 9097 (+7)\n"
                           "Equipment:\n"
                           "  Glory to Ukraine!  \n"
                           "aircraft \xE2\x80\x93 369\n"
                           "The data is being updated.\n",
                           &r, err),
                     POST_OK);
    ck_assert_int_eq(r.date_line, 2);
    ck_assert_int_eq(r.n_entries, 2);
    expect_entry(&r, "tanks", 9097, 1, 7, "", 3);
    expect_entry(&r, "aircraft", 369, 0, 0, "", 6);
    ck_assert_int_eq(r.n_ignored, 4);
    ck_assert_str_eq(r.ignored[0], "General Staff of the Armed Forces of Ukraine");
    ck_assert_int_eq(r.ignored_line[0], 1);
    ck_assert_str_eq(r.ignored[1], "Equipment:");
    ck_assert_int_eq(r.ignored_line[1], 4);
    ck_assert_str_eq(r.ignored[2], "Glory to Ukraine!");
    ck_assert_int_eq(r.ignored_line[2], 5);
    ck_assert_str_eq(r.ignored[3], "The data is being updated.");
    ck_assert_int_eq(r.ignored_line[3], 7);
    post_report_free(&r);
}
END_TEST

START_TEST(test_date_forms)
{
    post_report r;
    char err[256];

    ck_assert_int_eq(PARSE("losses from 24.02.2022 to 5.3.2024:\ntanks - 1\n", &r, err), POST_OK);
    ck_assert_int_eq(r.date, 19787); /* 2024-03-05 */
    post_report_free(&r);
    ck_assert_int_eq(PARSE("LOSSES FROM 24.02.2022 TO 25.10.2024\ntanks - 1\n", &r, err), POST_OK);
    ck_assert_int_eq(r.date, DAY_2024_10_25);
    post_report_free(&r);
    /* the General Staff's two-digit years */
    ck_assert_int_eq(PARSE("from 24.02.22 to 25.10.24 approximately\ntanks - 1\n", &r, err),
                     POST_OK);
    ck_assert_int_eq(r.date, DAY_2024_10_25);
    post_report_free(&r);
    /* "to" after a non-breaking space, date at the end of the line */
    ck_assert_int_eq(PARSE("losses\xC2\xA0to\xC2\xA0" "29.02.2024\ntanks - 1\n", &r, err), POST_OK);
    ck_assert_int_eq(r.date, 19782); /* 2024-02-29 */
    post_report_free(&r);
    /* before the war is fine here: the caller rejects it */
    ck_assert_int_eq(PARSE("to 01.01.2020\ntanks - 1\n", &r, err), POST_OK);
    ck_assert_int_eq(r.date, 18262);
    post_report_free(&r);
    /* "into" is not "to", and "from" is not the report date */
    ck_assert_int_eq(PARSE("into 1.1.2020 and from 24.02.2022 to 25.10.2024\ntanks - 1\n", &r, err),
                     POST_OK);
    ck_assert_int_eq(r.date, DAY_2024_10_25);
    post_report_free(&r);
    /* only the first heading counts; a later one is an ignored line */
    ck_assert_int_eq(PARSE(HEAD "tanks - 1\nUpdated to 26.10.2024\n", &r, err), POST_OK);
    ck_assert_int_eq(r.date, DAY_2024_10_25);
    ck_assert_int_eq(r.n_ignored, 1);
    ck_assert_str_eq(r.ignored[0], "Updated to 26.10.2024");
    post_report_free(&r);
}
END_TEST

START_TEST(test_impossible_dates)
{
    EXPECT_ERROR("The total combat losses of the enemy from 24.02.2022 to 31.02.2024 were "
                 "approximately:\ntanks - 1\n",
                 "line 1: 31.02.2024 is not a calendar date");
    EXPECT_ERROR("to 00.01.2024\ntanks - 1\n", "line 1: 00.01.2024 is not a calendar date");
    EXPECT_ERROR("to 1.13.2024\ntanks - 1\n", "line 1: 1.13.2024 is not a calendar date");
    EXPECT_ERROR("to 29.02.2023\ntanks - 1\n", "line 1: 29.02.2023 is not a calendar date");
    EXPECT_ERROR("to 31.04.2024\ntanks - 1\n", "line 1: 31.04.2024 is not a calendar date");
    EXPECT_ERROR("to 1.1.0000\ntanks - 1\n", "line 1: 1.1.0000 is not a calendar date");
    EXPECT_ERROR("\n\ntanks - 1\nlosses to 32.10.2024\n", "line 4: 32.10.2024 is not a calendar date");
}
END_TEST

START_TEST(test_no_date)
{
    static const char want[] = "no report date: expected 'to DD.MM.YYYY'";

    EXPECT_ERROR("The total combat losses of the enemy were approximately:\ntanks - 9097\n", want);
    EXPECT_ERROR("from 24.02.2022 till 25.10.2024\ntanks - 9097\n", want);
    EXPECT_ERROR("to 25-10-2024\ntanks - 9097\n", want);
    EXPECT_ERROR("to 25.10.202\ntanks - 9097\n", want);
    EXPECT_ERROR("to 25.10.20245\ntanks - 9097\n", want);
    EXPECT_ERROR("to 125.10.2024\ntanks - 9097\n", want);
    EXPECT_ERROR("to25.10.2024\ntanks - 9097\n", want);
}
END_TEST

START_TEST(test_too_large)
{
    EXPECT_ERROR("to 25.10.2024\n\n\ntanks \xE2\x80\x92 99999999999999999999 (+7)\n",
                 "line 4: total 99999999999999999999 is too large");
    EXPECT_ERROR(HEAD "tanks - 9223372036854775808", "line 2: total 9223372036854775808 is too large");
    EXPECT_ERROR(HEAD "tanks - 1000000000001", "line 2: total 1000000000001 is too large");
    EXPECT_ERROR(HEAD "tanks - about 1 000 000 000 001",
                 "line 2: total 1 000 000 000 001 is too large");
    EXPECT_ERROR(HEAD "tanks - 9097 (+99999999999999999999)",
                 "line 2: increase 99999999999999999999 is too large");
    EXPECT_ERROR(HEAD "tanks-99999999999999999999", "line 2: total 99999999999999999999 is too large");
    EXPECT_ONE(HEAD "tanks - 1000000000000 (-1000000000000)", "tanks", 1000000000000LL, 1,
               -1000000000000LL, "");
    EXPECT_ONE(HEAD "tanks - 0000000000000000000000000001", "tanks", 1, 0, 0, "");
}
END_TEST

START_TEST(test_duplicate_label)
{
    EXPECT_ERROR(HEAD "tanks \xE2\x80\x92 9097 (+7)\naircraft - 369\ntanks \xE2\x80\x93 9098\n",
                 "line 4: label 'tanks' appears twice (first on line 2)");
    EXPECT_ERROR(HEAD "Ships / Boats - 28\nships  /  boats - 28\n",
                 "line 3: label 'ships / boats' appears twice (first on line 2)");
}
END_TEST

START_TEST(test_empty_text)
{
    post_report r;
    char err[256];

    ck_assert_int_eq(post_parse("", 0, &r, err, sizeof err), POST_EINVAL);
    ck_assert_str_eq(err, "the text is empty");
    ck_assert_int_eq(post_parse(NULL, 0, &r, err, sizeof err), POST_EINVAL);
    ck_assert_str_eq(err, "the text is empty");
    EXPECT_ERROR(" \r\n\t\n\n", "the text is empty");
    EXPECT_ERROR("\xEF\xBB\xBF", "the text is empty");
    ck_assert_int_eq(post_parse(NULL, 5, &r, err, sizeof err), POST_EINVAL);
    ck_assert_str_eq(err, "no text");
    ck_assert_int_eq(post_parse("x", 1, NULL, err, sizeof err), POST_EINVAL);
}
END_TEST

START_TEST(test_no_entries)
{
    EXPECT_ERROR(HEAD "The data is being updated.\n",
                 "no entries: expected lines like 'tanks \xE2\x80\x93 9097 (+7)'");
}
END_TEST

START_TEST(test_invalid_utf8)
{
    EXPECT_ERROR(HEAD "tanks \xE2\x80 9097\n", "line 2: invalid UTF-8 at column 7 (byte 0xE2)");
    EXPECT_ERROR(HEAD "tanks - 9097\n\xFF\n", "line 3: invalid UTF-8 at column 1 (byte 0xFF)");
    /* overlong '/', a UTF-16 surrogate, a lone continuation byte, beyond U+10FFFF */
    EXPECT_ERROR(HEAD "ships \xC0\xAF boats - 28", "line 2: invalid UTF-8 at column 7 (byte 0xC0)");
    EXPECT_ERROR(HEAD "tanks \xED\xA0\x80 - 1", "line 2: invalid UTF-8 at column 7 (byte 0xED)");
    EXPECT_ERROR("\x80" HEAD "tanks - 1", "line 1: invalid UTF-8 at column 1 (byte 0x80)");
    EXPECT_ERROR(HEAD "tanks - 1 \xF4\x90\x80\x80", "line 2: invalid UTF-8 at column 11 (byte 0xF4)");
    /* a sequence cut by the end of the text */
    EXPECT_ERROR(HEAD "tanks - 1 \xF0\x9F\x98", "line 2: invalid UTF-8 at column 11 (byte 0xF0)");
}
END_TEST

START_TEST(test_embedded_nul)
{
    EXPECT_ERROR(HEAD "tanks - 90\0" "97\n", "line 2: NUL byte at column 11");
    EXPECT_ERROR("\0", "line 1: NUL byte at column 1");
}
END_TEST

START_TEST(test_too_long)
{
    static const char body[] = HEAD "tanks \xE2\x80\x92 9097 (+7)\n";
    size_t n = POST_MAX_TEXT;
    char *text = malloc(n + 1);
    post_report r;
    char err[256];

    ck_assert_ptr_nonnull(text);
    memcpy(text, body, sizeof body - 1);
    memset(text + sizeof body - 1, '\n', n + 1 - (sizeof body - 1));
    /* exactly 64 KiB is accepted */
    ck_assert_int_eq(post_parse(text, n, &r, err, sizeof err), POST_OK);
    ck_assert_int_eq(r.n_entries, 1);
    post_report_free(&r);
    /* one byte more is not */
    ck_assert_int_eq(post_parse(text, n + 1, &r, err, sizeof err), POST_EINVAL);
    ck_assert_str_eq(err, "the text is 65537 bytes, more than the limit of 65536 (64 KiB)");
    free(text);
}
END_TEST

START_TEST(test_label_and_dash_without_number)
{
    EXPECT_ERROR(HEAD "tanks \xE2\x80\x92\n", "line 2: expected a number after 'tanks \xE2\x80\x92'");
    EXPECT_ERROR(HEAD "tanks \xE2\x80\x92 about (+7)",
                 "line 2: expected a number after 'tanks \xE2\x80\x92 about', found '(+7)'");
    EXPECT_ERROR(HEAD "tanks \xE2\x80\x92 n/a",
                 "line 2: expected a number after 'tanks \xE2\x80\x92', found 'n/a'");
    EXPECT_ERROR(HEAD "Glory to Ukraine \xE2\x80\x93 Glory to the Heroes",
                 "line 2: expected a number after 'Glory to Ukraine \xE2\x80\x93', found 'Glory to "
                 "the Heroes'");
    EXPECT_ERROR(HEAD "tanks \xE2\x80\x92 9O97 (+7)",
                 "line 2: unexpected 'O97 (+7)' after the total of 'tanks'");
    EXPECT_ERROR(HEAD "tanks-9O97", "line 2: unexpected 'O97' after the total of 'tanks'");
    EXPECT_ERROR(HEAD "tanks: about", "line 2: expected a number after 'tanks: about'");
    EXPECT_ERROR(HEAD "tanks - 9097 (+x)",
                 "line 2: cannot read the increase '(+x)' of 'tanks': expected (+N) or (-N)");
    EXPECT_ERROR(HEAD "tanks - 9097 (+7",
                 "line 2: cannot read the increase '(+7' of 'tanks': expected (+N) or (-N)");
    EXPECT_ERROR(HEAD "tanks - 9097 (+7) (+8)", "line 2: unexpected '(+8)' after the total of 'tanks'");
    EXPECT_ERROR(HEAD "tanks - 9097 - 5", "line 2: unexpected '- 5' after the total of 'tanks'");
    EXPECT_ERROR(HEAD "tanks - 9097 persons2", "line 2: unexpected '2' after the total of 'tanks'");
}
END_TEST

START_TEST(test_label_too_long)
{
    char text[512];
    int n;

    n = snprintf(text, sizeof text, HEAD "%0127d - 5\n", 0);
    text[sizeof HEAD - 1] = 'a'; /* a letter, so that it is a label */
    ck_assert_int_gt(n, 0);
    {
        post_report r;
        char err[256];

        ck_assert_int_eq(post_parse(text, (size_t)n, &r, err, sizeof err), POST_OK);
        ck_assert_int_eq(strlen(r.entries[0].label), 127);
        post_report_free(&r);
    }
    n = snprintf(text, sizeof text, HEAD "a%0127d - 5\n", 0);
    expect_error(text, (size_t)n,
                 "line 2: label 'a000000000000000000000000000000000000000000000000000000000000000...' "
                 "is longer than "
                 "127 bytes");
}
END_TEST

START_TEST(test_bullets)
{
    EXPECT_ONE(HEAD "\xE2\x80\xA2 tanks \xE2\x80\x92 9097 (+7)", "tanks", 9097, 1, 7, "");
    EXPECT_ONE(HEAD "- tanks - 9097 (+7)", "tanks", 9097, 1, 7, "");
    EXPECT_ONE(HEAD "* tanks: 9097", "tanks", 9097, 0, 0, "");
}
END_TEST

START_TEST(test_error_buffer)
{
    post_report r;
    char small[12];

    /* cut to the buffer, NUL-terminated */
    ck_assert_int_eq(PARSE(HEAD "tanks - 99999999999999999999", &r, small), POST_EINVAL);
    ck_assert_str_eq(small, "line 2: tot");
    /* never in the middle of a UTF-8 character: "line 2: expected a number after 'tanks –'" */
    {
        char err[41];

        ck_assert_int_eq(PARSE(HEAD "tanks \xE2\x80\x93", &r, err), POST_EINVAL);
        ck_assert_str_eq(err, "line 2: expected a number after 'tanks ");
    }
    /* no buffer at all */
    ck_assert_int_eq(post_parse(HEAD "x", sizeof HEAD, &r, NULL, 0), POST_EINVAL);
    ck_assert_int_eq(post_parse(HEAD "tanks - 1", sizeof HEAD + 8, &r, NULL, 0), POST_OK);
    ck_assert_int_eq(r.n_entries, 1);
    post_report_free(&r);
    /* freeing twice and freeing NULL are harmless */
    post_report_free(&r);
    post_report_free(NULL);
}
END_TEST

START_TEST(test_text_check)
{
    char err[128];

    ck_assert_int_eq(post_text_check(HEAD "tanks - 1", sizeof HEAD + 8, err, sizeof err), POST_OK);
    ck_assert_str_eq(err, "");
    /* content problems are post_parse's: no date, no entries */
    ck_assert_int_eq(post_text_check("Glory to Ukraine!", 17, err, sizeof err), POST_OK);
    ck_assert_int_eq(post_text_check("ok\n\xFF", 4, err, sizeof err), POST_EINVAL);
    ck_assert_str_eq(err, "line 2: invalid UTF-8 at column 1 (byte 0xFF)");
    ck_assert_int_eq(post_text_check("a\0", 2, err, sizeof err), POST_EINVAL);
    ck_assert_str_eq(err, "line 1: NUL byte at column 2");
    ck_assert_int_eq(post_text_check("\xEF\xBB\xBF \r\n\xC2\xA0", 8, err, sizeof err), POST_EINVAL);
    ck_assert_str_eq(err, "the text is empty");
    ck_assert_int_eq(post_text_check(NULL, 0, err, sizeof err), POST_EINVAL);
    ck_assert_str_eq(err, "the text is empty");
    ck_assert_int_eq(post_text_check(NULL, 3, err, sizeof err), POST_EINVAL);
    ck_assert_str_eq(err, "no text");
}
END_TEST

/* The ministry's post in Ukrainian (the figures of 2024-10-25): "по DD.MM.YY" heading,
 * "близько", units "осіб"/"од" and trailing commas; the labels are named by the lexicon. */
static const char uk_post[] =
    "Загальні бойові втрати противника з 24.02.22 по 25.10.24 орієнтовно склали:\n"
    "особового складу ‒ близько 685910 (+1630) осіб,\n"
    "танків ‒ 9097 (+7) од,\n"
    "бойових броньованих машин ‒ 18287 (+33) од,\n"
    "артилерійських систем ‒ 19753 (+34) од,\n"
    "РСЗВ ‒ 1238 (+2) од,\n"
    "засоби ППО ‒ 982 (+1) од,\n"
    "літаків ‒ 369 (+0) од,\n"
    "гелікоптерів ‒ 329 (+0) од,\n"
    "БпЛА оперативно-тактичного рівня ‒ 17670 (+73),\n"
    "крилаті ракети ‒ 2625 (+0),\n"
    "кораблі / катери ‒ 28 (+0) од,\n"
    "підводні човни ‒ 1 (+0) од,\n"
    "автомобільної техніки та автоцистерн ‒ 27365 (+79) од,\n"
    "спеціальна техніка ‒ 3535 (+22)\n"
    "Дані уточнюються.\n";

START_TEST(test_ukrainian_post)
{
    static const struct { const char *id; long long total, inc; } want[] = {
        {"personnel", 685910, 1630}, {"tanks", 9097, 7}, {"afv", 18287, 33},
        {"artillery", 19753, 34}, {"mlrs", 1238, 2}, {"air_defense", 982, 1},
        {"aircraft", 369, 0}, {"helicopters", 329, 0}, {"uav", 17670, 73},
        {"cruise_missiles", 2625, 0}, {"warships", 28, 0}, {"submarines", 1, 0},
        {"vehicles_fuel_tanks", 27365, 79}, {"special_equipment", 3535, 22}};
    post_report r;
    char err[256];
    ck_assert_msg(PARSE(uk_post, &r, err) == POST_OK, "%s", err);
    ck_assert_int_eq(r.date, DAY_2024_10_25);
    ck_assert_int_eq(r.date_line, 1);
    ck_assert_uint_eq(r.n_entries, 14);
    ck_assert_str_eq(r.entries[0].label, "особового складу");
    ck_assert_str_eq(r.entries[0].qualifier, "about");
    for (size_t i = 0; i < 14; i++) {
        ck_assert_int_eq(r.entries[i].total, want[i].total);
        ck_assert_int_eq(r.entries[i].has_increase, 1);
        ck_assert_int_eq(r.entries[i].increase, want[i].inc);
        const char *id = check_lexicon_label(r.entries[i].label);
        ck_assert_msg(id && strcmp(id, want[i].id) == 0, "%s -> %s", r.entries[i].label,
                      id ? id : "(none)");
    }
    ck_assert_uint_eq(r.n_ignored, 1);
    ck_assert_str_eq(r.ignored[0], "Дані уточнюються.");
    post_report_free(&r);

    /* as a report: keys are the category ids, "понад" is "more" */
    report rep;
    ck_assert_int_eq(report_from_post(uk_post, sizeof uk_post - 1, &rep, err, sizeof err),
                     REPORT_OK);
    ck_assert_uint_eq(rep.n_values, 14);
    for (size_t i = 0; i < 14; i++)
        ck_assert_str_eq(rep.values[i].key, want[i].id);
    report_free(&rep);
    expect_one("Втрати з 24.02.22 по 25.10.24:\nтанків – понад 9 097 (+7) од.\n",
               strlen("Втрати з 24.02.22 по 25.10.24:\nтанків – понад 9 097 (+7) од.\n"),
               "танків", 9097, 1, 7, "more");
}
END_TEST

TCase *post_tcase(void)
{
    TCase *tc = tcase_create("post");
    tcase_add_test(tc, test_ukrainian_post);

    tcase_add_test(tc, test_fixture);
    tcase_add_test(tc, test_every_dash);
    tcase_add_test(tc, test_labels_with_dashes_and_slashes);
    tcase_add_test(tc, test_crlf);
    tcase_add_test(tc, test_blank_lines_and_whitespace);
    tcase_add_test(tc, test_bom);
    tcase_add_test(tc, test_qualifiers);
    tcase_add_test(tc, test_increase_forms);
    tcase_add_test(tc, test_thousands_separators);
    tcase_add_test(tc, test_unknown_lines_are_reported);
    tcase_add_test(tc, test_date_forms);
    tcase_add_test(tc, test_impossible_dates);
    tcase_add_test(tc, test_no_date);
    tcase_add_test(tc, test_too_large);
    tcase_add_test(tc, test_duplicate_label);
    tcase_add_test(tc, test_empty_text);
    tcase_add_test(tc, test_no_entries);
    tcase_add_test(tc, test_invalid_utf8);
    tcase_add_test(tc, test_embedded_nul);
    tcase_add_test(tc, test_too_long);
    tcase_add_test(tc, test_label_and_dash_without_number);
    tcase_add_test(tc, test_label_too_long);
    tcase_add_test(tc, test_bullets);
    tcase_add_test(tc, test_error_buffer);
    tcase_add_test(tc, test_text_check);
    return tc;
}
