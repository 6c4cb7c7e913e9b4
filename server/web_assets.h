#ifndef ATTRITION_WEB_ASSETS_H
#define ATTRITION_WEB_ASSETS_H

#include <stddef.h>

/* The dashboard's files, embedded at build time by scripts/embed.py --web (web/ and
 * Debian's libjs-dygraphs). Static; never freed. */
typedef struct web_file {
    const char *name;          /* "app.js", "index.html" */
    const char *hash;          /* 16 hex digits of the SHA-256 of body */
    const char *content_type;
    const char *etag;          /* "\"<hash>\"" */
    const char *body;          /* NUL-terminated */
    size_t len;
    const char *gz;            /* gzip of body */
    size_t gz_len;
} web_file;

/* Assets (.js, .css), served at /assets/<hash>/<name>. */
extern const web_file web_assets[];
extern const size_t web_asset_count;
/* Pages (.html) with their asset URLs filled in, served at / and /docs. */
extern const web_file web_pages[];
extern const size_t web_page_count;

/* The category pictograms (the .svg files of web/icons), served at /images/icons/<name>, the paths the
 * compatibility API's terms name. */
extern const web_file web_icons[];
extern const size_t web_icon_count;

#endif
