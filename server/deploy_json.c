/* JSON rendering of deployment estimates and summaries (see deploy_json.h). */
#include "deploy_json.h"

#include "attrition/country.h"
#include "attrition/date.h"

/* A new string, or null for NULL. */
static json_t *string_or_null(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

static json_t *integer_or_null(int has, int64_t v)
{
    return has ? json_integer((json_int_t)v) : json_null();
}

static json_t *date_or_null(int day)
{
    char buf[DATE_STR_LEN];
    return day != DEPLOY_NO_DATE ? json_string(date_format(day, buf)) : json_null();
}

/* {"name", "url"}: the one shape of an estimate's source, in estimates and in history
 * items alike. A new reference, or NULL. */
static json_t *source_to_json(const deploy_estimate *e)
{
    json_t *source = json_object(), *result = NULL;

    if (source == NULL)
        goto cleanup;
    if (json_object_set_new(source, "name", json_string(e->source_name))
        || json_object_set_new(source, "url", string_or_null(e->source_url)))
        goto cleanup;
    result = json_incref(source);
cleanup:
    json_decref(source);
    return result;
}

/* Each json_object_set_new steals its value, also when it fails, so a chain of them
 * leaks nothing; a NULL value (failed constructor) makes it fail. */
json_t *deploy_to_json(const deploy_estimate *e)
{
    json_t *o = json_object(), *result = NULL;

    if (o == NULL)
        goto cleanup;
    if (json_object_set_new(o, "id", json_integer((json_int_t)e->id))
        || json_object_set_new(o, "country", json_string(e->country))
        || json_object_set_new(o, "country_name", string_or_null(country_name(e->country)))
        || json_object_set_new(o, "deployed_to", json_string(e->deployed_to))
        || json_object_set_new(o, "deployed_to_name",
                               string_or_null(country_name(e->deployed_to)))
        || json_object_set_new(o, "figure", json_integer((json_int_t)e->figure))
        || json_object_set_new(o, "low", integer_or_null(e->has_low, e->low))
        || json_object_set_new(o, "high", integer_or_null(e->has_high, e->high))
        || json_object_set_new(o, "kind", json_string(deploy_kind_name(e->kind)))
        || json_object_set_new(o, "as_of", date_or_null(e->as_of))
        || json_object_set_new(o, "target_date", date_or_null(e->target_date))
        || json_object_set_new(o, "description", string_or_null(e->description))
        || json_object_set_new(o, "source", source_to_json(e)))
        goto cleanup;
    result = json_incref(o);
cleanup:
    json_decref(o);
    return result;
}

/* deploy_to_json(e) if has, else null. */
static json_t *estimate_or_null(int has, const deploy_estimate *e)
{
    return has ? deploy_to_json(e) : json_null();
}

/* {"id", "as_of", "figure", "kind", "source": {"name", "url"}}: a new reference, or NULL. */
static json_t *history_item(const deploy_estimate *e)
{
    json_t *o = json_object(), *result = NULL;

    if (o == NULL)
        goto cleanup;
    if (json_object_set_new(o, "id", json_integer((json_int_t)e->id))
        || json_object_set_new(o, "as_of", date_or_null(e->as_of))
        || json_object_set_new(o, "figure", json_integer((json_int_t)e->figure))
        || json_object_set_new(o, "kind", json_string(deploy_kind_name(e->kind)))
        || json_object_set_new(o, "source", source_to_json(e)))
        goto cleanup;
    result = json_incref(o);
cleanup:
    json_decref(o);
    return result;
}

json_t *deploy_summary_to_json(const deploy_summary *s, const char *country,
                               const char *deployed_to)
{
    json_t *o = json_object(), *by_source = json_array(), *history = json_array();
    json_t *range = json_object(), *result = NULL;

    if (o == NULL || by_source == NULL || history == NULL || range == NULL)
        goto cleanup;
    for (size_t i = 0; i < s->n_by_source; i++)
        if (json_array_append_new(by_source, deploy_to_json(&s->by_source[i])))
            goto cleanup;
    for (size_t i = 0; i < s->n_history; i++)
        if (json_array_append_new(history, history_item(&s->history[i])))
            goto cleanup;
    if (json_object_set_new(range, "low", integer_or_null(s->has_range, s->range_low))
        || json_object_set_new(range, "high", integer_or_null(s->has_range, s->range_high)))
        goto cleanup;
    if (json_object_set_new(o, "country", string_or_null(country))
        || json_object_set_new(o, "country_name", string_or_null(country_name(country)))
        || json_object_set_new(o, "deployed_to", string_or_null(deployed_to))
        || json_object_set_new(o, "deployed_to_name",
                               string_or_null(country_name(deployed_to)))
        || json_object_set_new(o, "latest", estimate_or_null(s->has_latest, &s->latest))
        || json_object_set(o, "by_source", by_source)
        || json_object_set(o, "range", range)
        || json_object_set_new(o, "projection",
                               estimate_or_null(s->has_projection, &s->projection))
        || json_object_set(o, "history", history))
        goto cleanup;
    result = json_incref(o);
cleanup:
    json_decref(by_source);
    json_decref(history);
    json_decref(range);
    json_decref(o);
    return result;
}
