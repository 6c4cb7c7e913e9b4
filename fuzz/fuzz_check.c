/* libFuzzer target for the text checker (core/check_read.c, check_judge.c): any bytes must
 * give CHECK_OK or an error status, never a crash, leak, out-of-bounds read or unbounded
 * time; on CHECK_OK every claim's quote lies inside the text (bytes and characters) and the
 * counts add up. The snapshot is a small hand-made one (two categories, a week of reports);
 * a deployment estimate lets deployment figures be judged too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attrition/check.h"
#include "attrition/date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static stats_snapshot *snap;

static void make_snapshot(void)
{
    static const stats_category_def cats[] = {{"personnel", "personnel", "persons", NULL, 1},
                                              {"tanks", "tanks", NULL, NULL, 1}};
    stats_value_def v[14];
    int d0 = date_from_ymd(2024, 10, 20);
    for (int i = 0; i < 7; i++) {
        v[2 * i] = (stats_value_def){d0 + i, 0, 1000 * (i + 1), NULL};
        v[2 * i + 1] = (stats_value_def){d0 + i, 1, 5 * (i + 1), NULL};
    }
    if (stats_snapshot_build(cats, 2, v, 14, 1, 0, &snap) != STATS_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char src[] = "fuzz";
    deploy_estimate dep = {.country = "KP", .deployed_to = "RU", .figure = 3000,
                           .as_of = date_from_ymd(2024, 10, 23), .target_date = DATE_NONE,
                           .source_name = src};
    check_result r;
    size_t chars = 0;
    if (snap == NULL)
        make_snapshot();
    /* An exact-size copy, so that ASan catches any read past size. */
    char *text = malloc(size ? size : 1);
    if (text == NULL)
        return 0;
    if (size > 0)
        memcpy(text, data, size);
    int as_of = size > 0 && data[0] & 1 ? date_from_ymd(2024, 10, 25) : DATE_NONE;
    int rc = check_text(snap, &dep, 1, text, size, as_of, &r);
    if (rc != CHECK_OK && rc != CHECK_EINVAL && rc != CHECK_ETOOBIG && rc != CHECK_ENOMEM)
        abort();
    if (rc == CHECK_OK) {
        for (size_t i = 0; i < size; i++)
            chars += ((unsigned char)text[i] & 0xC0) != 0x80;
        size_t counts = 0;
        for (size_t i = 0; i < r.n; i++) {
            const check_claim *c = &r.claims[i];
            if (c->bstart >= c->bend || c->bend > size || c->start >= c->end || c->end > chars ||
                c->verdict < CHECK_CORRECT || c->verdict > CHECK_UNVERIFIABLE ||
                c->kind < CHECK_DAILY || c->kind > CHECK_DEPLOYMENT ||
                memchr(c->note, '\0', sizeof c->note) == NULL || c->note[0] == '\0' ||
                memchr(c->evidence, '\0', sizeof c->evidence) == NULL)
                abort();
            if (i > 0 && c->start < r.claims[i - 1].start)
                abort(); /* text order */
        }
        for (int v = 0; v < 3; v++)
            counts += r.counts[v];
        if (counts != r.n)
            abort();
        check_result_free(&r);
    }
    free(text);
    return 0;
}
