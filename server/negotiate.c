/* Content negotiation (RFC 9110 §12.4-12.5): parsers of Accept and Accept-Encoding, and the
 * request-level choices reply.c and the parameter helpers make with them. */
#include "negotiate.h"
#include "request.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define NEG_MAX_PARAMS 8 /* parameters of one media range kept for matching */

typedef struct span {
    const char *p;
    size_t n;
} span;

/* One parsed element: a media range (or a coding in `type`, subtype empty) and its q. */
typedef struct element {
    span type, subtype;
    span pname[NEG_MAX_PARAMS], pvalue[NEG_MAX_PARAMS];
    size_t n_params;
    int q;
} element;

static int is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static const char *skip_ows(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    return s;
}

static const char *scan_token(const char *s, const char *end, span *out)
{
    out->p = s;
    while (s < end && is_tchar(*s))
        s++;
    out->n = (size_t)(s - out->p);
    return s;
}

/* A quoted-string at s (s[0] == '"'): its content, backslash escapes kept, in *out. NULL
 * when it is not closed before end. */
static const char *scan_quoted(const char *s, const char *end, span *out)
{
    out->p = ++s;
    while (s < end && *s != '"') {
        if (*s == '\\' && s + 1 < end)
            s++;
        s++;
    }
    if (s >= end)
        return NULL;
    out->n = (size_t)(s - out->p);
    return s + 1;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths; -1 if not. */
static int parse_qvalue(span v)
{
    if (v.n == 0 || v.n > 5 || (v.p[0] != '0' && v.p[0] != '1'))
        return -1;
    int q = (v.p[0] - '0') * 1000, scale = 100;
    if (v.n > 1 && (v.p[1] != '.'))
        return -1;
    for (size_t i = 2; i < v.n; i++, scale /= 10) {
        if (v.p[i] < '0' || v.p[i] > '9')
            return -1;
        q += (v.p[i] - '0') * scale;
    }
    return q > NEGOTIATE_Q_MAX ? -1 : q;
}

static int span_ieq(span a, span b)
{
    return a.n == b.n && strncasecmp(a.p, b.p, a.n) == 0;
}

static int span_is(span a, const char *s)
{
    return a.n == strlen(s) && strncasecmp(a.p, s, a.n) == 0;
}

/* Parses the element in [s, end): `type` ["/" subtype] *( OWS ";" OWS name "=" value ),
 * where the parameter "q" sets the weight and ends the media-type parameters (what follows
 * it is an extension, ignored). with_subtype: a media range (Accept) rather than a coding.
 * Returns 0, or -1 when it does not parse (the caller skips it). */
static int parse_element(const char *s, const char *end, int with_subtype, element *e)
{
    memset(e, 0, sizeof *e);
    e->q = NEGOTIATE_Q_MAX;
    s = scan_token(skip_ows(s, end), end, &e->type);
    if (e->type.n == 0)
        return -1;
    if (with_subtype) {
        if (s >= end || *s != '/')
            return -1;
        s = scan_token(s + 1, end, &e->subtype);
        if (e->subtype.n == 0 || (span_is(e->type, "*") && !span_is(e->subtype, "*")))
            return -1;
    }
    int after_q = 0;
    for (;;) {
        s = skip_ows(s, end);
        if (s >= end)
            return 0;
        if (*s != ';')
            return -1;
        span name, value;
        s = scan_token(skip_ows(s + 1, end), end, &name);
        if (name.n == 0)
            return -1;
        s = skip_ows(s, end); /* lenient: "q = 0.5" as "q=0.5" */
        if (s >= end || *s != '=')
            return -1;
        s = skip_ows(s + 1, end);
        s = s < end && *s == '"' ? scan_quoted(s, end, &value) : scan_token(s, end, &value);
        if (s == NULL || (value.n == 0 && value.p[-1] != '"'))
            return -1;
        if (after_q)
            continue;
        if (span_is(name, "q")) {
            if ((e->q = parse_qvalue(value)) < 0)
                return -1;
            after_q = 1;
        } else if (e->n_params < NEG_MAX_PARAMS) {
            e->pname[e->n_params] = name;
            e->pvalue[e->n_params++] = value;
        }
    }
}

/* Calls fn for each element of the list in text that parses (commas inside quoted strings
 * do not split). Returns how many parsed. */
static size_t each_element(const char *text, int with_subtype,
                           void (*fn)(const element *, void *), void *cls)
{
    size_t parsed = 0;
    const char *s = text;
    while (*s) {
        const char *e = s;
        int quoted = 0;
        for (; *e && (quoted || *e != ','); e++) {
            if (*e == '\\' && quoted && e[1])
                e++;
            else if (*e == '"')
                quoted = !quoted;
        }
        element el;
        if (e > s && parse_element(s, e, with_subtype, &el) == 0) {
            parsed++;
            fn(&el, cls);
        }
        s = *e ? e + 1 : e;
    }
    return parsed;
}

/* ---- Accept ------------------------------------------------------------------------------ */

struct media_match {
    element offer;
    int best_spec; /* specificity of the best range so far, 0: none */
    int q;
};

/* How specifically range r matches the offered type o: 0 not at all, 1 * / *, 2 type/ *,
 * 3 type/subtype, 3 + n with n parameters (all of which o has, with equal values). */
static int specificity(const element *r, const element *o)
{
    if (span_is(r->type, "*"))
        return 1;
    if (!span_ieq(r->type, o->type))
        return 0;
    if (span_is(r->subtype, "*"))
        return 2;
    if (!span_ieq(r->subtype, o->subtype))
        return 0;
    for (size_t i = 0; i < r->n_params; i++) {
        size_t j = 0;
        while (j < o->n_params && !span_ieq(r->pname[i], o->pname[j]))
            j++;
        if (j == o->n_params || !span_ieq(r->pvalue[i], o->pvalue[j]))
            return 0;
    }
    return 3 + (int)r->n_params;
}

static void media_visit(const element *r, void *cls)
{
    struct media_match *m = cls;
    int spec = specificity(r, &m->offer);
    if (spec == 0 || spec < m->best_spec)
        return;
    if (spec > m->best_spec || r->q < m->q)
        m->q = r->q;
    m->best_spec = spec;
}

int negotiate_media_q(const char *accept, const char *type)
{
    struct media_match m;
    if (accept == NULL)
        return NEGOTIATE_Q_MAX;
    if (parse_element(type, type + strlen(type), 1, &m.offer) != 0)
        return 0;
    m.best_spec = 0;
    m.q = 0;
    if (each_element(accept, 1, media_visit, &m) == 0)
        return NEGOTIATE_Q_MAX; /* nothing in it parses: as if absent */
    return m.q;
}

/* The index in offered[0..n) of the highest q(ctx, offer) above 0, ties going to the
 * earlier offer; -1 when none is above 0. */
static int best_offer(int (*q)(void *ctx, const char *type), void *ctx,
                      const char *const *offered, size_t n)
{
    int best = -1, best_q = 0;
    for (size_t i = 0; i < n; i++) {
        int qi = q(ctx, offered[i]);
        if (qi > best_q) {
            best = (int)i;
            best_q = qi;
        }
    }
    return best;
}

static int accept_q(void *accept, const char *type)
{
    return negotiate_media_q(accept, type);
}

int negotiate_media(const char *accept, const char *const *offered, size_t n)
{
    return best_offer(accept_q, (void *)accept, offered, n);
}

/* ---- Accept-Encoding --------------------------------------------------------------------- */

struct coding_q {
    int gzip, identity, star; /* -1: no entry */
};

/* Keeps the lowest q of repeated entries: an exclusion anywhere excludes. */
static void keep_min(int *slot, int q)
{
    if (*slot < 0 || q < *slot)
        *slot = q;
}

static void coding_visit(const element *e, void *cls)
{
    struct coding_q *c = cls;
    if (span_is(e->type, "gzip") || span_is(e->type, "x-gzip"))
        keep_min(&c->gzip, e->q);
    else if (span_is(e->type, "identity"))
        keep_min(&c->identity, e->q);
    else if (span_is(e->type, "*"))
        keep_min(&c->star, e->q);
}

negotiate_coding negotiate_encoding(const char *accept_encoding, int gzip_worth)
{
    struct coding_q c = {-1, -1, -1};
    if (accept_encoding == NULL)
        return NEGOTIATE_IDENTITY; /* RFC 9110 §12.5.3: any coding, but none is needed */
    each_element(accept_encoding, 0, coding_visit, &c);
    int gzip_q = c.gzip >= 0 ? c.gzip : c.star >= 0 ? c.star : 0;
    int identity_ok = c.identity >= 0 ? c.identity > 0 : c.star != 0;
    /* identity unlisted (but not excluded) ranks below every coding the client lists */
    int identity_q = c.identity >= 0 ? c.identity : 0;
    if (gzip_q > 0 && (!identity_ok || (gzip_worth && gzip_q >= identity_q)))
        return NEGOTIATE_GZIP;
    return identity_ok ? NEGOTIATE_IDENTITY : NEGOTIATE_NONE;
}

const char *const negotiate_json_csv[2] = {NEGOTIATE_JSON, NEGOTIATE_CSV};

/* ---- requests ---------------------------------------------------------------------------- */

struct field_join {
    const char *name;
    char *buf;
    size_t len, used;
    int found, overflow;
};

static enum MHD_Result join_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    (void)kind;
    struct field_join *j = cls;
    if (strcasecmp(key, j->name) != 0)
        return MHD_YES;
    int n = snprintf(j->buf + j->used, j->len - j->used, "%s%s", j->found ? ", " : "",
                     value ? value : "");
    j->found = 1;
    if (n < 0 || (size_t)n >= j->len - j->used) {
        j->overflow = 1;
        return MHD_NO;
    }
    j->used += (size_t)n;
    return MHD_YES;
}

const char *negotiate_field(struct request *req, const char *name, char *buf, size_t len)
{
    struct field_join j = {name, buf, len, 0, 0, 0};
    if (len == 0)
        return NULL;
    buf[0] = '\0';
    req_each(req, MHD_HEADER_KIND, join_field, &j);
    return j.found && !j.overflow ? buf : NULL;
}

/* The q the request's Accept gives `type`. Accept is read and parsed once per request for
 * the JSON and CSV types (kept in req->accept_q: the cache key, the CSV handlers and the
 * check of a cached answer's type all ask), each time for another type. */
static int request_q(void *ctx, const char *type)
{
    struct request *req = ctx;
    char buf[4096];
    int which = strcmp(type, NEGOTIATE_JSON) == 0 ? 0 : strcmp(type, NEGOTIATE_CSV) == 0 ? 1 : -1;
    if (which >= 0 && req->accept_q[which] >= 0)
        return req->accept_q[which];
    const char *accept = negotiate_field(req, MHD_HTTP_HEADER_ACCEPT, buf, sizeof buf);
    if (which < 0)
        return negotiate_media_q(accept, type);
    req->accept_q[0] = negotiate_media_q(accept, NEGOTIATE_JSON);
    req->accept_q[1] = negotiate_media_q(accept, NEGOTIATE_CSV);
    return req->accept_q[which];
}

int negotiate_request_media(struct request *req, const char *const *offered, size_t n)
{
    return best_offer(request_q, req, offered, n);
}

negotiate_coding negotiate_request_encoding(struct request *req, int gzip_worth)
{
    char buf[4096];
    return negotiate_encoding(negotiate_field(req, MHD_HTTP_HEADER_ACCEPT_ENCODING, buf,
                                              sizeof buf), gzip_worth);
}
