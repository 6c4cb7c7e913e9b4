#ifndef ATTRITION_DEPLOY_INTERNAL_H
#define ATTRITION_DEPLOY_INTERNAL_H

/* What the deploy_*.c files of core share (not for the server). */

#include "attrition/deploy.h"

#define DEPLOY_DAY_MIN 0        /* 1970-01-01: day numbers below it are not dates here */
#define DEPLOY_DAY_MAX 2932896  /* 9999-12-31, the last day "YYYY-MM-DD" can write */

/* 1 when day is a date an estimate may carry (DEPLOY_DAY_MIN..DEPLOY_DAY_MAX). */
int deploy_day_in_range(int day);

/* Parses json_text (len bytes, borrowed) as a document shaped like config/deployments.json
 * and checks every entry against today (deploy_validate). Returns DEPLOY_OK with a new
 * array in *v of *n estimates (caller owns: deploy_list_free; NULL when empty), or
 * DEPLOY_EINVAL / DEPLOY_ENOMEM with err written ("line 1, column 2: ...",
 * "deployments[1]: low: 5000 is above figure 3000") and *v NULL, *n 0. */
int deploy_parse_document(const char *json_text, size_t len, int today, deploy_estimate **v,
                          size_t *n, char *err, size_t errlen);

/* Empties *s (no allocation). */
void deploy_summary_init(deploy_summary *s);

/* The summary of a pair from its history (ordered by as_of, then id), which it takes over:
 * *out owns history afterwards, also on failure (then freed). Returns DEPLOY_OK or
 * DEPLOY_ENOMEM (*out empty). */
int deploy_summary_of(deploy_estimate *history, size_t n, deploy_summary *out);

#endif
