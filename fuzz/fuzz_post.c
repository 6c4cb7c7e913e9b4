/* libFuzzer target for the daily post parser: any bytes must give POST_OK or an error with a
 * one-line NUL-terminated message, never a crash, leak or out-of-bounds read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attrition/post.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so that ASan catches any read past len. */
    char *text = malloc(size ? size : 1);
    char err[128], check_err[128];
    post_report r;
    int rc, check_rc;

    if (text == NULL)
        return 0;
    if (size > 0)
        memcpy(text, data, size);
    check_rc = post_text_check(text, size, check_err, sizeof check_err);
    rc = post_parse(text, size, &r, err, sizeof err);
    /* whatever post_text_check rejects, post_parse rejects with the same words */
    if (check_rc != POST_OK && size <= POST_MAX_TEXT &&
        (rc != POST_EINVAL || strcmp(err, check_err) != 0))
        abort();
    if (memchr(err, '\0', sizeof err) == NULL || strchr(err, '\n') != NULL)
        abort(); /* the message must be one terminated line */
    if (rc == POST_OK) {
        for (size_t i = 0; i < r.n_entries; i++) {
            const post_entry *e = &r.entries[i];

            if (e->total < 0 || e->total > POST_MAX_VALUE || e->label[0] == '\0' ||
                memchr(e->label, '\0', sizeof e->label) == NULL || e->line < 1)
                abort();
        }
        for (size_t i = 0; i < r.n_ignored; i++) {
            if (r.ignored[i][0] == '\0' || r.ignored_line[i] < 1)
                abort();
        }
    } else if (r.entries != NULL || r.ignored != NULL || err[0] == '\0') {
        abort();
    }
    post_report_free(&r);
    free(text);
    return 0;
}
