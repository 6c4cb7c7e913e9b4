#ifndef ATTRITION_DEPLOY_JSON_H
#define ATTRITION_DEPLOY_JSON_H

#include <jansson.h>

#include "attrition/deploy.h"

/* JSON rendering of deployment estimates, in the shapes of API.md "Deployment estimates".
 * Absent values are JSON null. Both return a new reference (caller owns: json_decref), or
 * NULL if out of memory or if a stored string is not UTF-8 (deploy_validate keeps such
 * strings out of the store). Arguments are borrowed. */

/* {"id", "country", "country_name", "deployed_to", "deployed_to_name", "figure", "low",
 *  "high", "kind", "as_of", "target_date", "description", "source": {"name", "url"}} */
json_t *deploy_to_json(const deploy_estimate *e);

/* {"country", "country_name", "deployed_to", "deployed_to_name", "latest": estimate|null,
 *  "by_source": [estimate...], "range": {"low", "high"}, "projection": estimate|null,
 *  "history": [{"id", "as_of", "figure", "kind", "source"}...]}
 * "source" in history is the source's name; range values are null when nothing is stored.
 * country and deployed_to are the codes the summary was computed for. */
json_t *deploy_summary_to_json(const deploy_summary *s, const char *country,
                               const char *deployed_to);

#endif
