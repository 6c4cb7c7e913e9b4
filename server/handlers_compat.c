/* The russianwarship.rip API v2, served from our data so that its clients (bots, widgets,
 * dashboards) work by changing only the base URL: /api/v2/statistics/latest,
 * /api/v2/statistics/{date}, /api/v2/statistics?offset&limit&date_from&date_to,
 * /api/v2/terms/{en|ua}, /api/v2/war-info.
 *
 * As the peer does:
 * - every success is {"message": "The data were fetched successfully.", "data": ...};
 * - a record is {"date", "day", "resource", "war_status": {"code": 1, "alias":
 *   "in_progress"}, "stats": {...}, "increase": {...}} with all 15 keys of V2_KEYS; a key
 *   without a figure on that date is 0 (submarines before 2023-09-14, ...);
 * - the list is newest first, offset 0 and limit 50 by default, with absolute paging URLs
 *   (scheme and host of the request: Host, and X-Forwarded-Proto "https" behind a proxy);
 * - invalid parameters are 422 {"message": "The given data was invalid.", "errors":
 *   {"param": ["..."]}}, every bad parameter named at once.
 * Our choices where the peer's behaviour is not known: limit is 1..1000; a date without a
 * report, an unknown language and an empty database are 404 {"message": "The data were not
 * found.", "errors": {...}}; `resource` is the General Staff's site (no per-report post URL
 * is stored); `increase` is our daily loss (0 where the contract has none: a category's
 * first date when it continues nothing, e.g. special_military_equip on 2022-03-16);
 * war-info is the latest report's date and war day (what clients pass back to
 * /statistics/{date}), not today's date. */
#include "handlers.h"
#include "render.h"
#include "reply.h"
#include "attrition/date.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define V2_MESSAGE "The data were fetched successfully."
#define V2_INVALID "The given data was invalid."
#define V2_NOT_FOUND "The data were not found."
#define V2_RESOURCE "https://www.zsu.gov.ua/en"
#define V2_ICONS "https://russianwarship.rip/images/icons/"
#define V2_LIMIT_DEFAULT 50
#define V2_LIMIT_MAX 1000
#define V2_UNPROCESSABLE 422 /* MHD_HTTP_UNPROCESSABLE_CONTENT in newer libmicrohttpd */

/* One v2 stats key: our category, the retired categories it continues (summed on the
 * dates before it existed: vehicles_fuel_tanks = military_auto + fuel_tanks), its titles
 * and the peer's icon. */
typedef struct v2_key {
    const char *key, *cat, *merged[2];
    const char *title_en, *title_ua, *icon;
} v2_key;

/* In the peer's order. The Ukrainian titles are the peer's own (as its clients show them). */
static const v2_key V2_KEYS[] = {
    {"personnel_units", "personnel", {NULL, NULL}, "Personnel units", "Особовий склад",
     "icon-people.svg"},
    {"tanks", "tanks", {NULL, NULL}, "Tanks", "Танки", "icon-tank.svg"},
    {"armoured_fighting_vehicles", "afv", {NULL, NULL}, "Armoured fighting vehicles",
     "Бойові броньовані машини", "icon-bbm.svg"},
    {"artillery_systems", "artillery", {NULL, NULL}, "Artillery systems",
     "Артилерійські системи", "icon-art.svg"},
    {"mlrs", "mlrs", {NULL, NULL}, "Multiple Launch Rocket System",
     "Реактивні системи залпового вогню", "icon-rszv.svg"},
    {"aa_warfare_systems", "air_defense", {NULL, NULL}, "Anti-aircraft warfare systems",
     "Системи протиповітряної оборони", "icon-ppo.svg"},
    {"planes", "aircraft", {NULL, NULL}, "Planes", "Літаки", "icon-plane.svg"},
    {"helicopters", "helicopters", {NULL, NULL}, "Helicopters", "Гелікоптери",
     "icon-helicopter.svg"},
    {"vehicles_fuel_tanks", "vehicles_fuel_tanks", {"military_auto", "fuel_tanks"},
     "Vehicles and fuel tanks", "Автомобільна техніка та цистерни з ПММ", "icon-auto.svg"},
    {"warships_cutters", "warships", {NULL, NULL}, "Warships and cutters",
     "Військові кораблі та катери", "icon-ship.svg"},
    {"cruise_missiles", "cruise_missiles", {NULL, NULL}, "Cruise missiles", "Крилаті ракети",
     "icon-rocket.svg"},
    {"uav_systems", "uav", {NULL, NULL}, "Unmanned aerial vehicle systems",
     "Безпілотні літальні апарати", "icon-bpla.svg"},
    {"special_military_equip", "special_equipment", {NULL, NULL}, "Special military equipment",
     "Спец. техніка", "icon-special.svg"},
    {"atgm_srbm_systems", "mobile_srbm", {NULL, NULL},
     "Anti-tank guided missile and short-range ballistic missile systems",
     "Оперативно-тактичні ракетні комплекси та тактичні ракетні комплекси", "icon-trk.svg"},
    {"submarines", "submarines", {NULL, NULL}, "Submarines", "Підводні човни",
     "icon-submarine.svg"},
};
#define V2_N_KEYS (sizeof V2_KEYS / sizeof V2_KEYS[0])

/* V2_KEYS resolved to category indices of one snapshot (-1: the snapshot has none). */
typedef struct v2_map {
    int cat[V2_N_KEYS];
    int merged[V2_N_KEYS][2];
} v2_map;

static void v2_map_resolve(const stats_snapshot *s, v2_map *m)
{
    for (size_t k = 0; k < V2_N_KEYS; k++) {
        m->cat[k] = stats_category_index(s, V2_KEYS[k].cat);
        for (size_t i = 0; i < 2; i++)
            m->merged[k][i] = V2_KEYS[k].merged[i] ? stats_category_index(s, V2_KEYS[k].merged[i]) : -1;
    }
}

/* Total (loss == 0) or daily loss of category c in report rep, 0 where there is none. */
static int64_t v2_figure(const stats_snapshot *s, size_t rep, int c, int loss)
{
    int64_t v = loss ? stats_loss(s, rep, (size_t)c) : stats_total(s, rep, (size_t)c);
    return v == STATS_NONE ? 0 : v;
}

/* The v2 figure of key k in report rep: its category's where that has a total, else the sum
 * of the categories it continues (those with a total), else 0. */
static int64_t v2_value(const stats_snapshot *s, const v2_map *m, size_t k, size_t rep, int loss)
{
    int c = m->cat[k];
    if (c >= 0 && stats_total(s, rep, (size_t)c) != STATS_NONE)
        return v2_figure(s, rep, c, loss);
    int64_t sum = 0;
    for (size_t i = 0; i < 2; i++) {
        int p = m->merged[k][i];
        if (p >= 0 && stats_total(s, rep, (size_t)p) != STATS_NONE)
            sum += v2_figure(s, rep, p, loss);
    }
    return sum;
}

/* {"personnel_units": N, ...} of report rep: totals, or daily losses when loss != 0.
 * A new reference, or NULL on ENOMEM. */
static json_t *v2_stats(const stats_snapshot *s, const v2_map *m, size_t rep, int loss)
{
    json_t *o = json_object();
    for (size_t k = 0; o && k < V2_N_KEYS; k++)
        if (json_object_set_new(o, V2_KEYS[k].key,
                                json_integer((json_int_t)v2_value(s, m, k, rep, loss))) != 0) {
            json_decref(o);
            return NULL;
        }
    return o;
}

/* The v2 record of report rep. A new reference, or NULL on ENOMEM. */
static json_t *v2_record(const stats_snapshot *s, const v2_map *m, size_t rep)
{
    return json_pack("{s:o, s:i, s:s, s:{s:i, s:s}, s:o, s:o}", "date", render_date(s->dates[rep]),
                     "day", date_war_day(s->dates[rep]), "resource", V2_RESOURCE, "war_status",
                     "code", 1, "alias", "in_progress", "stats", v2_stats(s, m, rep, 0),
                     "increase", v2_stats(s, m, rep, 1));
}

/* 200 with the envelope around data (stolen; NULL answers 503 out of memory). */
static enum MHD_Result v2_reply(request *req, json_t *data)
{
    return reply_json_new(req, MHD_HTTP_OK,
                          json_pack("{s:s, s:o}", "message", V2_MESSAGE, "data", data));
}

/* Errors of one request, by parameter: {"date_from": ["..."], ...}. obj is NULL until the
 * first error (and stays NULL on ENOMEM); n counts them either way. */
typedef struct v2_errors {
    json_t *obj;
    int n;
} v2_errors;

/* Adds a message (printf format) to the errors of parameter `field`. */
static void v2_error_add(v2_errors *e, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void v2_error_add(v2_errors *e, const char *field, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    e->n++;
    if (e->obj == NULL && e->n == 1)
        e->obj = json_object();
    json_t *list = e->obj ? json_object_get(e->obj, field) : NULL;
    if (e->obj && list == NULL && json_object_set_new(e->obj, field, list = json_array()) != 0)
        list = NULL;
    if (list)
        json_array_append_new(list, json_string(msg));
}

/* The peer's error answer {"message", "errors"}: 422 (invalid) or 404 (not found). Takes
 * e->obj; a NULL one (ENOMEM) answers 503. */
static enum MHD_Result v2_reply_error(request *req, unsigned status, v2_errors *e)
{
    json_t *errors = e->obj;
    e->obj = NULL;
    return reply_json_new(req, status, json_pack("{s:s, s:o}", "message",
                          status == MHD_HTTP_NOT_FOUND ? V2_NOT_FOUND : V2_INVALID,
                          "errors", errors));
}

/* Client text v made safe to quote in a message: at most 32 bytes of printable ASCII,
 * anything else as '?'. Returns out. */
static const char *v2_quote(const char *v, char out[33])
{
    size_t i = 0;
    for (; v[i] && i < 32; i++)
        out[i] = v[i] >= 0x20 && v[i] < 0x7f && v[i] != '"' && v[i] != '\\' ? v[i] : '?';
    out[i] = '\0';
    return out;
}

/* Query integer `name` into *out (dflt when absent); a value that is not an integer in
 * [lo, hi] is an error of `name` (label: its words, as the peer words them). */
static void v2_query_int(request *req, const char *name, long lo, long hi, long dflt,
                         long *out, v2_errors *e)
{
    const char *v = req_query(req, name);
    char q[33];
    *out = dflt;
    if (v == NULL)
        return;
    size_t len = strlen(v);
    if (len == 0 || len > 10 || strspn(v, "0123456789") != len)
        v2_error_add(e, name, "The %s must be an integer (got \"%s\").", name, v2_quote(v, q));
    else if ((*out = strtol(v, NULL, 10)) < lo || *out > hi)
        v2_error_add(e, name, "The %s must be between %ld and %ld (got %s).", name, lo, hi, v);
}

/* Query date `name` (YYYY-MM-DD) into *out, -1 when absent; else an error of `name`. */
static void v2_query_date(request *req, const char *name, const char *label, int *out,
                          v2_errors *e)
{
    const char *v = req_query(req, name);
    char q[33];
    *out = -1;
    if (v && date_parse(v, out) != 0)
        v2_error_add(e, name, "The %s is not a valid date (got \"%s\"; expected YYYY-MM-DD, "
                     "a real calendar day).", label, v2_quote(v, q));
}

/* The list's parameters. */
typedef struct v2_query {
    long offset, limit;
    int from, to; /* day numbers or -1 */
} v2_query;

static void v2_query_parse(request *req, v2_query *q, v2_errors *e)
{
    char a[DATE_STR_LEN], b[DATE_STR_LEN];
    v2_query_int(req, "offset", 0, 1000000000, 0, &q->offset, e);
    v2_query_int(req, "limit", 1, V2_LIMIT_MAX, V2_LIMIT_DEFAULT, &q->limit, e);
    v2_query_date(req, "date_from", "date from", &q->from, e);
    v2_query_date(req, "date_to", "date to", &q->to, e);
    if (q->from >= 0 && q->to >= 0 && q->from > q->to)
        v2_error_add(e, "date_to", "The date to must be a date after or equal to date from "
                     "(%s is before %s).", date_format(q->to, b), date_format(q->from, a));
}

/* "http://host" of the request when its Host header looks like host[:port] ("https" when
 * X-Forwarded-Proto says so), else "" (relative URLs). out: len bytes. */
static void v2_base_url(request *req, char *out, size_t len)
{
    static const char host_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     "0123456789.-:[]";
    const char *host = req_header(req, MHD_HTTP_HEADER_HOST);
    const char *proto = req_header(req, "X-Forwarded-Proto");
    size_t hl = host ? strlen(host) : 0;
    out[0] = '\0';
    if (hl > 0 && hl <= 255 && strspn(host, host_chars) == hl)
        snprintf(out, len, "%s://%s", proto && strcmp(proto, "https") == 0 ? "https" : "http",
                 host);
}

/* The URL of the list page at offset, with q's limit and dates. A new reference. */
static json_t *v2_page_url(const char *base, const v2_query *q, long offset)
{
    char url[512], a[DATE_STR_LEN], b[DATE_STR_LEN];
    snprintf(url, sizeof url, "%s/api/v2/statistics?offset=%ld&limit=%ld%s%s%s%s", base, offset,
             q->limit, q->from >= 0 ? "&date_from=" : "", q->from >= 0 ? date_format(q->from, a) : "",
             q->to >= 0 ? "&date_to=" : "", q->to >= 0 ? date_format(q->to, b) : "");
    return json_string(url);
}

/* {"next_url", "prev_url", "first_url", "last_url"} of a list of total records at q.
 * next/prev are null on the last/first page; prev of a page past the end is the last page.
 * A new reference, or NULL on ENOMEM. */
static json_t *v2_paging(request *req, const v2_query *q, size_t total)
{
    char base[300];
    long n = (long)total, last = n ? (n - 1) / q->limit * q->limit : 0;
    long prev = q->offset - q->limit < last ? q->offset - q->limit : last;
    v2_base_url(req, base, sizeof base);
    return json_pack("{s:o, s:o, s:o, s:o}",
        "next_url", q->offset + q->limit < n ? v2_page_url(base, q, q->offset + q->limit) : json_null(),
        "prev_url", q->offset > 0 ? v2_page_url(base, q, prev > 0 ? prev : 0) : json_null(),
        "first_url", v2_page_url(base, q, 0), "last_url", v2_page_url(base, q, last));
}

/* The record of the latest report, or of the report of the path's date (by_date). */
static enum MHD_Result v2_one(request *req, int by_date)
{
    enum MHD_Result res;
    v2_errors e = {NULL, 0};
    v2_map m;
    char q[33], a[DATE_STR_LEN], b[DATE_STR_LEN], c[DATE_STR_LEN];
    int day = -1;
    const char *p = req->n_params ? req->params[0] : "";
    if (by_date && date_parse(p, &day) != 0) {
        v2_error_add(&e, "date", "The date is not a valid date (got \"%s\"; expected "
                     "YYYY-MM-DD, a real calendar day).", v2_quote(p, q));
        return v2_reply_error(req, V2_UNPROCESSABLE, &e);
    }
    stats_snapshot *s = req_snapshot(req);
    int rep = by_date ? stats_report_index(s, day) : (int)s->n_rep - 1;
    if (s->n_rep == 0)
        v2_error_add(&e, "date", "No report is stored yet.");
    else if (rep < 0)
        v2_error_add(&e, "date", "No report is stored for %s (reports run from %s to %s).",
                     date_format(day, a), date_format(s->dates[0], b),
                     date_format(s->dates[s->n_rep - 1], c));
    if (e.n) {
        res = v2_reply_error(req, MHD_HTTP_NOT_FOUND, &e);
    } else {
        v2_map_resolve(s, &m);
        res = v2_reply(req, v2_record(s, &m, (size_t)rep));
    }
    stats_snapshot_unref(s);
    return res;
}

enum MHD_Result handle_v2_latest(request *req) { return v2_one(req, 0); }
enum MHD_Result handle_v2_date(request *req) { return v2_one(req, 1); }

/* /api/v2/statistics: newest first between date_from and date_to, offset/limit paged.
 * The paging URLs name the request's Host, so this answer is not put in the shared
 * response cache (whose key has no Host): one client's Host must not reach another. */
enum MHD_Result handle_v2_list(request *req)
{
    v2_errors e = {NULL, 0};
    v2_query q;
    v2_map m;
    size_t lo, hi;
    int f, t;
    v2_query_parse(req, &q, &e);
    if (e.n)
        return v2_reply_error(req, V2_UNPROCESSABLE, &e);
    free(req->cache_key);
    req->cache_key = NULL;
    stats_snapshot *s = req_snapshot(req);
    stats_window(s, q.from, q.to, &lo, &hi, &f, &t);
    v2_map_resolve(s, &m);
    json_t *records = json_array();
    for (size_t i = (size_t)q.offset; records && i < hi - lo && i < (size_t)(q.offset + q.limit); i++)
        json_array_append_new(records, v2_record(s, &m, hi - 1 - i));
    enum MHD_Result res = v2_reply(req, json_pack("{s:o, s:o}", "records", records, "paging",
                                                  v2_paging(req, &q, hi - lo)));
    stats_snapshot_unref(s);
    return res;
}

/* /api/v2/terms/{en|ua}: title and icon of every key. */
enum MHD_Result handle_v2_terms(request *req)
{
    v2_errors e = {NULL, 0};
    char q[33];
    const char *lang = req->n_params ? req->params[0] : "";
    int ua = strcmp(lang, "ua") == 0;
    if (!ua && strcmp(lang, "en") != 0) {
        v2_error_add(&e, "lang", "No terms in \"%s\": the languages are en and ua.",
                     v2_quote(lang, q));
        return v2_reply_error(req, MHD_HTTP_NOT_FOUND, &e);
    }
    stats_snapshot_unref(req_snapshot(req)); /* for Last-Modified, as every GET has */
    json_t *terms = json_object();
    for (size_t k = 0; terms && k < V2_N_KEYS; k++)
        json_object_set_new(terms, V2_KEYS[k].key,
                            json_pack("{s:s, s:s+}", "title", ua ? V2_KEYS[k].title_ua
                                      : V2_KEYS[k].title_en, "icon", V2_ICONS, V2_KEYS[k].icon));
    return v2_reply(req, terms);
}

/* /api/v2/war-info: the latest report's date and war day. */
enum MHD_Result handle_v2_war_info(request *req)
{
    enum MHD_Result res;
    v2_errors e = {NULL, 0};
    stats_snapshot *s = req_snapshot(req);
    if (s->n_rep == 0) {
        v2_error_add(&e, "current_date", "No report is stored yet.");
        res = v2_reply_error(req, MHD_HTTP_NOT_FOUND, &e);
    } else {
        int last = s->dates[s->n_rep - 1];
        res = v2_reply(req, json_pack("{s:o, s:i}", "current_date", render_date(last),
                                      "current_day", date_war_day(last)));
    }
    stats_snapshot_unref(s);
    return res;
}
