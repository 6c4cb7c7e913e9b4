/* Request parameters (see the contracts in param.h): each helper validates one input and
 * sends the problem answer itself. */
#include "param.h"
#include "negotiate.h"
#include "reply.h"
#include "attrition/date.h"
#include "attrition/text.h"

#include <string.h>
#include <strings.h>

int param_query_date(request *req, const char *name, int *out, enum MHD_Result *res)
{
    const char *v = req_query(req, name);
    *out = DATE_NONE;
    if (v == NULL)
        return 0;
    if (date_parse(v, out) != 0) {
        *out = DATE_NONE;
        *res = reply_problem(req, MHD_HTTP_BAD_REQUEST,
                             "%s: \"%.64s\" is not a date (expected YYYY-MM-DD, a real calendar day)",
                             name, v);
        return -1;
    }
    return 0;
}

int param_path_date(request *req, size_t i, int *out, enum MHD_Result *res)
{
    const char *v = i < req->n_params ? req->params[i] : "";
    if (date_parse(v, out) != 0) {
        *res = reply_problem(req, MHD_HTTP_BAD_REQUEST,
                             "\"%.64s\" is not a date (expected YYYY-MM-DD, a real calendar day)", v);
        return -1;
    }
    return 0;
}

int param_query_int(request *req, const char *name, long lo, long hi, long dflt, long *out,
                    enum MHD_Result *res)
{
    const char *v = req_query(req, name);
    *out = dflt;
    if (v == NULL)
        return 0;
    long n = 0;
    const char *p = v;
    int ok = *p != '\0' && strlen(v) <= 18;
    for (; ok && *p; p++) {
        if (*p < '0' || *p > '9')
            ok = 0;
        else
            n = n * 10 + (*p - '0');
    }
    if (!ok || n < lo || n > hi) {
        *res = reply_problem(req, MHD_HTTP_BAD_REQUEST,
                             "%s: \"%.32s\" is not an integer from %ld to %ld", name, v, lo, hi);
        return -1;
    }
    *out = n;
    return 0;
}

int param_window(request *req, int *from, int *to, enum MHD_Result *res)
{
    if (param_query_date(req, "from", from, res) != 0 || param_query_date(req, "to", to, res) != 0)
        return -1;
    if (*from != DATE_NONE && *to != DATE_NONE && *from > *to) {
        char a[DATE_STR_LEN], b[DATE_STR_LEN];
        *res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "from (%s) is after to (%s)",
                             date_format(*from, a), date_format(*to, b));
        return -1;
    }
    return 0;
}

int param_window_last(request *req, const stats_snapshot *s, int *from, int *to,
                      enum MHD_Result *res)
{
    long n;
    size_t lo, hi;
    int f, t;
    if (param_window(req, from, to, res) != 0 ||
        param_query_int(req, "last", 1, PARAM_LAST_MAX, 0, &n, res) != 0)
        return -1;
    if (n == 0)
        return 0;
    if (*from != DATE_NONE) {
        *res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "last cannot be combined with from: "
                             "last=N takes the N reports up to to (or the latest); give from "
                             "and to, or last (and to)");
        return -1;
    }
    stats_window(s, DATE_NONE, *to, &lo, &hi, &f, &t);
    if (hi > lo)
        *from = s->dates[hi > (size_t)n ? hi - (size_t)n : 0];
    return 0;
}

int param_categories(request *req, const stats_snapshot *s, stats_selection *sel,
                     enum MHD_Result *res)
{
    char bad[64];
    int rc = stats_selection_parse(s, req_query(req, "category"), sel, bad, sizeof bad);
    if (rc == STATS_OK)
        return 0;
    if (rc == STATS_ENOMEM)
        *res = reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
    else
        *res = reply_problem(req, MHD_HTTP_BAD_REQUEST,
                             "category: \"%s\" is not a known category id (see /v1/categories)", bad);
    return -1;
}

int param_path_category(request *req, const stats_snapshot *s, size_t i, int *cat,
                        enum MHD_Result *res)
{
    const char *id = i < req->n_params ? req->params[i] : "";
    *cat = stats_category_index(s, id);
    if (*cat >= 0)
        return 0;
    *res = reply_problem(req, MHD_HTTP_NOT_FOUND,
                         "\"%.64s\" is not a known category id (see /v1/categories)", id);
    return -1;
}

int param_wants_csv(request *req, int *csv, enum MHD_Result *res)
{
    const char *f = req_query(req, "format");
    *csv = 0;
    if (f) {
        if (strcmp(f, "csv") == 0)
            *csv = 1;
        else if (strcmp(f, "json") != 0) {
            *res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "format: \"%.32s\" is not json or csv", f);
            return -1;
        }
        return 0;
    }
    int pick = negotiate_request_media(req, negotiate_json_csv, 2); /* RFC 9110 §12.5.1 */
    if (pick < 0) {
        *res = reply_problem(req, MHD_HTTP_NOT_ACCEPTABLE, "Accept: this resource is offered as "
                             "application/json or text/csv (or ask with format=json|csv), "
                             "and the request's Accept takes neither");
        return -1;
    }
    *csv = pick == 1;
    return 0;
}

/* s[0..n) without optional whitespace (and, for a parameter value, the quotes of a quoted
 * string) around it, into out (len bytes, truncated). */
static void ct_token(const char *s, size_t n, int unquote, char *out, size_t len)
{
    while (n > 0 && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (unquote && n >= 2 && s[0] == '"' && s[n - 1] == '"')
        s++, n -= 2;
    snprintf(out, len, "%.*s", (int)n, s);
}

int param_content_type(request *req, const char *const *types, const char *send,
                       enum MHD_Result *res)
{
    char type[128], name[32], value[64], q[TEXT_QUOTE_SIZE];
    const char *ct = req_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
    int kind = -1;
    if (ct == NULL) {
        *res = reply_problem(req, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "Content-Type is missing: "
                             "send %s", send);
        return -1;
    }
    const char *semi = strchr(ct, ';');
    ct_token(ct, semi ? (size_t)(semi - ct) : strlen(ct), 0, type, sizeof type);
    for (int i = 0; types[i] != NULL && kind < 0; i++)
        if (strcasecmp(type, types[i]) == 0)
            kind = i;
    if (kind < 0) {
        *res = reply_problem(req, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "Content-Type \"%s\" is not "
                             "supported: send %s", text_quote_str(type, q), send);
        return -1;
    }
    for (const char *p = semi; p != NULL; p = strchr(p + 1, ';')) {
        const char *eq = strchr(p, '='), *end = strchr(p + 1, ';');
        if (eq == NULL || (end != NULL && eq > end))
            continue;
        ct_token(p + 1, (size_t)(eq - p - 1), 0, name, sizeof name);
        ct_token(eq + 1, end ? (size_t)(end - eq - 1) : strlen(eq + 1), 1, value, sizeof value);
        if (strcasecmp(name, "charset") == 0 && strcasecmp(value, "utf-8") != 0 &&
            strcasecmp(value, "utf8") != 0 && strcasecmp(value, "us-ascii") != 0) {
            *res = reply_problem(req, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "charset \"%s\" is not "
                                 "supported: send the body in UTF-8", text_quote_str(value, q));
            return -1;
        }
    }
    return kind;
}


/* Collects the names of the query parameters (at most SERVE_MAX_ARGS reach here; the rest
 * are ignored, never overrun). */
typedef struct arg_names {
    const char *name[40];
    size_t n;
} arg_names;

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    (void)value;
    arg_names *a = cls;
    if (key != NULL && key[0] != '\0' && a->n < sizeof a->name / sizeof a->name[0])
        a->name[a->n++] = key;
    return MHD_YES;
}

int param_no_repeats(request *req, enum MHD_Result *res)
{
    arg_names a;
    a.n = 0;
    req_each(req, MHD_GET_ARGUMENT_KIND, collect_arg, &a);
    for (size_t i = 1; i < a.n; i++)
        for (size_t j = 0; j < i; j++) {
            if (strcmp(a.name[i], a.name[j]) != 0)
                continue;
            if (strcmp(a.name[i], "category") == 0)
                *res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "category: given more than "
                                     "once; send one category parameter with the ids separated "
                                     "by commas (category=tanks,uav)");
            else
                *res = reply_problem(req, MHD_HTTP_BAD_REQUEST, "%.64s: given more than once; "
                                     "send it once", a.name[i]);
            return -1;
        }
    return 0;
}
