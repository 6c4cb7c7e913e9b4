/* The dashboard: GET / and /docs (pages), GET /assets/{hash}/{file} (versioned assets).
 * Every file is embedded at build time with its gzip (scripts/embed.py --web). */
#include "handlers.h"
#include "reply.h"
#include "web_assets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Nothing but this origin: no inline script or style, no request elsewhere. */
#define WEB_CSP "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
/* An asset's URL names its content: it never changes, so browsers keep it a year. */
#define WEB_IMMUTABLE "public, max-age=31536000, immutable"

/* The file called name among files[0..n), or NULL. */
static const web_file *web_find(const web_file *files, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(files[i].name, name) == 0)
            return &files[i];
    return NULL;
}

/* The marker of a page that web_send_page replaces with the service's absolute base. */
#define WEB_ORIGIN "@origin@"

/* The security headers of every page and asset, and cache_control (NULL: the default). */
static void web_headers(request *req, const char *cache_control)
{
    reply_add_header(req, "Content-Security-Policy", WEB_CSP);
    reply_add_header(req, "X-Content-Type-Options", "nosniff");
    reply_add_header(req, "Referrer-Policy", "same-origin");
    if (cache_control)
        reply_add_header(req, MHD_HTTP_HEADER_CACHE_CONTROL, cache_control);
}

/* Answers f with the security headers and cache_control (NULL: the default short
 * max-age); the pipeline answers 304 for a matching If-None-Match, sends the build-time
 * gzip when the client takes it, and 406 when the request's Accept excludes f's type (a
 * browser's never does: it always sends the wildcard range). f is borrowed (static). */
static enum MHD_Result web_send(request *req, const web_file *f, const char *cache_control)
{
    web_headers(req, cache_control);
    return reply_file(req, f->content_type, f->etag, f->body, f->len, f->gz, f->gz_len);
}

/* Page f with every WEB_ORIGIN marker replaced by req_origin (og:image: link-preview
 * scrapers take no relative URL): rendered per request (its ETag is the hash of what is
 * sent, so 304 still works); other pages as they are. */
static enum MHD_Result web_send_page(request *req, const web_file *f)
{
    if (strstr(f->body, WEB_ORIGIN) == NULL)
        return web_send(req, f, NULL);
    char origin[300], *body = NULL;
    size_t len = 0;
    req_origin(req, origin, sizeof origin);
    FILE *out = open_memstream(&body, &len);
    if (out == NULL)
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
    const char *p = f->body;
    for (const char *m; (m = strstr(p, WEB_ORIGIN)) != NULL; p = m + strlen(WEB_ORIGIN)) {
        fwrite(p, 1, (size_t)(m - p), out);
        fputs(origin, out);
    }
    fputs(p, out);
    enum MHD_Result res;
    if (fclose(out) != 0) {
        res = reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
    } else {
        web_headers(req, NULL);
        res = reply_bytes(req, MHD_HTTP_OK, f->content_type, body, len);
    }
    free(body);
    return res;
}

/* A page by file name; the build always embeds both pages, so a miss is a build error. */
static enum MHD_Result web_page(request *req, const char *name)
{
    const web_file *f = web_find(web_pages, web_page_count, name);
    if (f == NULL)
        return reply_problem(req, MHD_HTTP_NOT_FOUND, "this build has no page %s", name);
    return web_send_page(req, f);
}

enum MHD_Result handle_web_index(request *req)
{
    return web_page(req, "index.html");
}

enum MHD_Result handle_web_docs(request *req)
{
    return web_page(req, "docs.html");
}

enum MHD_Result handle_web_asset(request *req)
{
    const char *hash = req->params[0], *name = req->params[1];
    const web_file *f = web_find(web_assets, web_asset_count, name);
    if (f == NULL)
        return reply_problem(req, MHD_HTTP_NOT_FOUND, "no asset named \"%.64s\"", name);
    if (strcmp(f->hash, hash) != 0)
        return reply_problem(req, MHD_HTTP_NOT_FOUND,
                             "no version \"%.32s\" of %s (this build serves /assets/%s/%s)",
                             hash, f->name, f->hash, f->name);
    return web_send(req, f, WEB_IMMUTABLE);
}

/* GET /images/icons/{file}: a category pictogram (the icon URLs of the compatibility API's
 * terms), with an ETag and the default short max-age (its URL does not name its content). */
enum MHD_Result handle_web_icon(request *req)
{
    const web_file *f = web_find(web_icons, web_icon_count, req->params[0]);
    if (f == NULL)
        return reply_problem(req, MHD_HTTP_NOT_FOUND, "no icon named \"%.64s\"", req->params[0]);
    return web_send(req, f, NULL);
}
