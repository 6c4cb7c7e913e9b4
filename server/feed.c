/* GET /v1/reports.atom: an Atom feed (RFC 4287) of the latest FEED_ENTRIES reports. */
#include "feed.h"
#include "handlers.h"
#include "reply.h"
#include "attrition/date.h"
#include "attrition/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *feed_report_text(const stats_snapshot *s, size_t rep)
{
    char *buf = NULL, ds[DATE_STR_LEN];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        return NULL;
    fprintf(f, "%s, day %d:", date_format(s->dates[rep], ds), date_war_day(s->dates[rep]));
    const char *sep = " ";
    for (size_t c = 0; c < s->n_cat; c++) {
        int64_t loss = stats_loss(s, rep, c), total = stats_total(s, rep, c);
        if (loss == STATS_NONE || total == STATS_NONE)
            continue;
        fprintf(f, "%s%s %+lld (total %lld)", sep, s->cats[c].id, (long long)loss,
                (long long)total);
        sep = ", ";
    }
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Writes text with &, < and > escaped (ids and dates hold no quotes, but the text may). */
static void xml_text(FILE *f, const char *text)
{
    for (const char *p = text; *p; p++)
        switch (*p) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*p, f);
        }
}

/* One entry: report rep of s, stored as stamp says. */
static void entry(FILE *f, const stats_snapshot *s, size_t rep, const report_stamp *stamp)
{
    char ds[DATE_STR_LEN];
    date_format(s->dates[rep], ds);
    char *text = feed_report_text(s, rep);
    int pers = stats_category_index(s, "personnel");
    fprintf(f, "<entry>\n<id>urn:attrition:report:%s</id>\n<title>", ds);
    if (pers >= 0 && stats_loss(s, rep, (size_t)pers) != STATS_NONE)
        fprintf(f, "%s, day %d: personnel %+lld", ds, date_war_day(s->dates[rep]),
                (long long)stats_loss(s, rep, (size_t)pers));
    else
        fprintf(f, "%s, day %d", ds, date_war_day(s->dates[rep]));
    fprintf(f, "</title>\n<updated>");
    xml_text(f, stamp->stored_at);
    fprintf(f, "</updated>\n<link rel=\"alternate\" type=\"text/html\" href=\"/#report=%s\"/>\n"
               "<link rel=\"related\" type=\"application/json\" href=\"/v1/daily/%s\"/>\n"
               "<summary type=\"text\">", ds, ds);
    xml_text(f, text ? text : ds);
    fprintf(f, "</summary>\n</entry>\n");
    free(text);
}

/* The feed: the latest reports of the snapshot, newest first, each with its stamp (reports
 * the store has but the snapshot not yet, or the other way round, are left out). */
static int feed_write(FILE *f, const stats_snapshot *s, const report_stamp *st, size_t n)
{
    const char *updated = n > 0 ? st[0].stored_at : "2022-02-24T00:00:00Z";
    for (size_t i = 1; i < n; i++)
        if (strcmp(st[i].stored_at, updated) > 0)
            updated = st[i].stored_at;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
               "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
               "<id>urn:attrition:reports</id>\n"
               "<title>Russian losses: the daily reports of Ukraine's Ministry of Defence</title>\n"
               "<subtitle>The latest %d reports, newest first</subtitle>\n<updated>",
            FEED_ENTRIES);
    xml_text(f, updated);
    fprintf(f, "</updated>\n<link rel=\"self\" type=\"application/atom+xml\" href=\"/v1/reports.atom\"/>\n"
               "<link rel=\"alternate\" type=\"text/html\" href=\"/\"/>\n"
               "<author><name>attrition</name></author>\n<generator>attrition</generator>\n");
    for (size_t i = 0; i < n; i++) {
        int rep = stats_report_index(s, st[i].date);
        if (rep >= 0)
            entry(f, s, (size_t)rep, &st[i]);
    }
    fprintf(f, "</feed>\n");
    return fclose(f);
}

enum MHD_Result handle_reports_atom(request *req)
{
    report_stamp stamps[FEED_ENTRIES];
    size_t n = 0;
    char *buf = NULL;
    size_t len = 0;
    enum MHD_Result res;
    stats_snapshot *s = req_snapshot(req);
    store_lock(req->app->st);
    int rc = report_stamps_latest(req->app->st, FEED_ENTRIES, stamps, &n);
    store_unlock(req->app->st);
    FILE *f = rc == REPORT_OK ? open_memstream(&buf, &len) : NULL;
    if (rc != REPORT_OK && app_store_unreachable(req->app, 0))
        res = reply_store_unavailable(req, "the feed could not be made");
    else if (rc != REPORT_OK)
        res = reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "cannot read the reports' dates "
                            "from the database; retry");
    else if (f == NULL || feed_write(f, s, stamps, n) != 0)
        res = reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory rendering the feed");
    else
        res = reply_bytes(req, MHD_HTTP_OK, "application/atom+xml; charset=utf-8", buf, len);
    free(buf);
    stats_snapshot_unref(s);
    return res;
}
