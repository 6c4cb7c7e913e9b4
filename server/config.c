/* Configuration: defaults < config file < ATTRITION_* environment < flags; validated once. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum opt_type { OPT_STR, OPT_INT, OPT_SIZE, OPT_BOOL, OPT_DURATION };

typedef struct opt {
    const char *key;          /* config file key; flag is --key with '_' as '-' */
    enum opt_type type;
    size_t offset;
    size_t size;              /* for strings */
    long lo, hi;              /* for numbers */
    const char *dflt;
    const char *help;
} opt;

#define STR(k, f, d, h) {k, OPT_STR, offsetof(config, f), sizeof(((config *)0)->f), 0, 0, d, h}
#define NUM(k, f, lo, hi, d, h) {k, OPT_INT, offsetof(config, f), 0, lo, hi, d, h}
#define SIZE(k, f, lo, hi, d, h) {k, OPT_SIZE, offsetof(config, f), 0, lo, hi, d, h}
#define BOOL(k, f, d, h) {k, OPT_BOOL, offsetof(config, f), 0, 0, 1, d, h}
#define DURATION(k, f, d, h) {k, OPT_DURATION, offsetof(config, f), 0, 0, 366L * 86400, d, h}

static const opt opts[] = {
    STR("db", db, "attrition.db", "SQLite database file, or a PostgreSQL URI (postgresql://...)"),
    STR("bind", bind, "127.0.0.1", "address to listen on (0.0.0.0 in a container)"),
    NUM("port", port, 0, 65535, "8080", "TCP port; 0 lets the OS pick (logged)"),
    NUM("max_age", max_age, 0, 31536000, "60", "Cache-Control max-age of GET answers, seconds"),
    STR("cors_origin", cors_origin, "*", "Access-Control-Allow-Origin"),
    STR("public_url", public_url, "", "the service's public address, e.g. https://example.org "
        "(absolute links in the dashboard's og:image); empty: from each request's Host"),
    STR("token", token, "", "bearer token for writes; empty disables writes (403)"),
    SIZE("max_body", max_body, 1, 64L * 1024 * 1024, "1048576", "largest request body, bytes (413)"),
    SIZE("body_budget", body_budget, 1, 4L * 1024 * 1024 * 1024, "33554432",
         "request-body bytes held by all uploads at once (503)"),
    NUM("threads", threads, 0, 256, "0", "worker threads; 0 = one per CPU"),
    NUM("conn_limit", conn_limit, 1, 100000, "1024", "open connections in total"),
    NUM("per_ip_limit", per_ip_limit, 0, 100000, "256", "open connections per client IP (0: no limit)"),
    NUM("timeout", timeout, 1, 3600, "15", "idle connection timeout, seconds"),
    NUM("drain_seconds", drain_seconds, 0, 600, "10", "on SIGTERM, time allowed to finish requests"),
    SIZE("cache_bytes", cache_bytes, 0, 4L * 1024 * 1024 * 1024, "16777216", "response cache bound, bytes (0: off)"),
    BOOL("access_log", access_log, "1", "a JSON log line per request"),
    BOOL("create", create, "1", "create the database file if it is missing"),
    STR("format", format, "json", "export format: json or csv"),
    STR("sync_sources", sync_sources, CONFIG_DEFAULT_SOURCE,
        "sync: upstream sources (dataset:URL or api:URL), separated by spaces"),
    DURATION("sync_every", sync_every, "0", "sync period (30s, 5m, 6h, 1d); 0: serve does not sync"),
    NUM("sync_timeout", sync_timeout, 1, 3600, "60", "sync: seconds allowed per upstream request"),
    SIZE("sync_max_bytes", sync_max_bytes, 1024, 1024L * 1024 * 1024, "67108864",
         "sync: largest upstream file, bytes"),
    NUM("sync_retries", sync_retries, 0, 10, "3", "sync: retries after a 5xx or network error"),
    NUM("events_limit", events_limit, 0, 1000000, "10000", "/v1/events subscribers at once (503 over it)"),
    STR("webhooks", webhooks, "", "URLs POSTed each new or changed report: URL, slack:URL, discord:URL"),
    STR("webhook_secret", webhook_secret, "", "key of X-Attrition-Signature (HMAC-SHA256); empty: unsigned"),
};
#define N_OPTS (sizeof opts / sizeof opts[0])

/* The environment variable of a config key: ATTRITION_ and the key in capitals, into env
 * (64 bytes; every key is short enough). */
static void env_name(const char *key, char env[64])
{
    snprintf(env, 64, "ATTRITION_");
    for (const char *k = key; *k; k++) {
        size_t l = strlen(env);
        env[l] = (char)toupper((unsigned char)*k);
        env[l + 1] = '\0';
    }
}

void config_usage(void *out)
{
    FILE *f = out;
    fprintf(f, "%-14s %-26s %-13s %s\n", "key", "environment", "default", "meaning");
    for (size_t i = 0; i < N_OPTS; i++) {
        char env[64];
        env_name(opts[i].key, env);
        fprintf(f, "%-14s %-26s %-13s %s\n", opts[i].key, env,
                *opts[i].dflt ? opts[i].dflt : "(empty)", opts[i].help);
    }
}

static const opt *find_opt(const char *key, size_t len)
{
    for (size_t i = 0; i < N_OPTS; i++)
        if (strlen(opts[i].key) == len && strncmp(opts[i].key, key, len) == 0)
            return &opts[i];
    return NULL;
}

/* Sets one option from text. Returns 0 or -1 with a message (naming source) in err. */
static int set_opt(config *cfg, const opt *o, const char *value, const char *source,
                   char *err, size_t errlen)
{
    char *field = (char *)cfg + o->offset;
    if (o->type == OPT_STR) {
        if (strlen(value) >= o->size) {
            snprintf(err, errlen, "%s: %s is too long (at most %zu bytes)", source, o->key,
                     o->size - 1);
            return -1;
        }
        strcpy(field, value);
        return 0;
    }
    long long v;
    if (o->type == OPT_DURATION) {
        int secs;
        if (config_parse_duration(value, &secs) != 0 || secs > o->hi) {
            snprintf(err, errlen, "%s: %s must be a duration such as 90, 30s, 5m, 6h or 1d "
                     "(at most 366d), or off, not \"%s\"", source, o->key, value);
            return -1;
        }
        *(int *)field = secs;
        return 0;
    }
    if (o->type == OPT_BOOL) {
        if (!strcmp(value, "1") || !strcasecmp(value, "true") || !strcasecmp(value, "on") ||
            !strcasecmp(value, "yes"))
            v = 1;
        else if (!strcmp(value, "0") || !strcasecmp(value, "false") ||
                 !strcasecmp(value, "off") || !strcasecmp(value, "no"))
            v = 0;
        else {
            snprintf(err, errlen, "%s: %s must be true or false, not \"%s\"", source, o->key, value);
            return -1;
        }
    } else {
        char *end;
        errno = 0;
        v = strtoll(value, &end, 10);
        if (errno || end == value || *end || v < o->lo || v > o->hi) {
            snprintf(err, errlen, "%s: %s must be an integer from %ld to %ld, not \"%s\"",
                     source, o->key, o->lo, o->hi, value);
            return -1;
        }
    }
    if (o->type == OPT_SIZE)
        *(size_t *)field = (size_t)v;
    else
        *(int *)field = (int)v;
    return 0;
}

int config_parse_duration(const char *text, int *seconds)
{
    if (strcmp(text, "off") == 0) {
        *seconds = 0;
        return 0;
    }
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || v < 0 || !isdigit((unsigned char)text[0]))
        return -1;
    long long unit = 1;
    if (*end && end[1] == '\0') {
        switch (*end) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        default: return -1;
        }
    } else if (*end) {
        return -1;
    }
    if (v > INT_MAX / unit)
        return -1;
    *seconds = (int)(v * unit);
    return 0;
}

/* The sync command's own flags: --source (appends), --every, --timeout. Returns the
 * option they stand for, or NULL for another flag. */
static const opt *sync_flag(const char *arg, const char **inline_value, int *append)
{
    static const struct { const char *flag, *key; } alias[] = {
        {"source", "sync_sources"}, {"every", "sync_every"}, {"timeout", "sync_timeout"}};
    const char *name = arg + 2;
    for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++) {
        size_t l = strlen(alias[i].flag);
        if (strncmp(name, alias[i].flag, l) == 0 && (name[l] == '\0' || name[l] == '=')) {
            *inline_value = name[l] == '=' ? name + l + 1 : NULL;
            *append = i == 0;
            return find_opt(alias[i].key, strlen(alias[i].key));
        }
    }
    return NULL;
}

/* Adds a source to cfg->sync_sources (replacing what was configured the first time).
 * Returns 0 or -1 with a message. */
static int add_source(config *cfg, const char *value, int *first, char *err, size_t errlen)
{
    size_t used = *first ? 0 : strlen(cfg->sync_sources);
    size_t need = used + (used ? 1 : 0) + strlen(value);
    if (need >= sizeof cfg->sync_sources) {
        snprintf(err, errlen, "--source: the sources are too long (at most %zu bytes)",
                 sizeof cfg->sync_sources - 1);
        return -1;
    }
    snprintf(cfg->sync_sources + used, sizeof cfg->sync_sources - used, "%s%s",
             used ? " " : "", value);
    *first = 0;
    return 0;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static int load_file(config *cfg, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char line[2048], source[1100];
    int rc = -1, n = 0;
    if (f == NULL) {
        snprintf(err, errlen, "config file %s: %s", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        n++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = trim(line);
        if (*s == '\0')
            continue;
        char *eq = strchr(s, '=');
        snprintf(source, sizeof source, "%s:%d", path, n);
        if (eq == NULL) {
            snprintf(err, errlen, "%s: expected key = value", source);
            goto cleanup;
        }
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        const opt *o = find_opt(key, strlen(key));
        if (o == NULL) {
            snprintf(err, errlen, "%s: unknown key \"%s\"", source, key);
            goto cleanup;
        }
        if (set_opt(cfg, o, value, source, err, errlen) != 0)
            goto cleanup;
    }
    rc = 0;
cleanup:
    fclose(f);
    return rc;
}

static int load_env(config *cfg, char *err, size_t errlen)
{
    for (size_t i = 0; i < N_OPTS; i++) {
        char env[64];
        env_name(opts[i].key, env);
        const char *v = getenv(env);
        if (v && set_opt(cfg, &opts[i], v, env, err, errlen) != 0)
            return -1;
    }
    return 0;
}

/* The flag's key (after "--", '-' as '_') into key; returns its value or NULL. */
static const opt *flag_opt(const char *arg, const char **inline_value)
{
    char key[64];
    const char *name = arg + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    if (len >= sizeof key)
        return NULL;
    for (size_t i = 0; i < len; i++)
        key[i] = name[i] == '-' ? '_' : name[i];
    *inline_value = eq ? eq + 1 : NULL;
    return find_opt(key, len);
}

/* The config file argv[first..argc) names with --config (the last one), else
 * ATTRITION_CONFIG, else NULL. The result is borrowed from argv or the environment. */
static const char *config_file_path(int argc, char **argv, int first)
{
    const char *path = getenv("ATTRITION_CONFIG");
    for (int i = first; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            path = argv[i + 1];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            path = argv[i] + 9;
    }
    return path;
}

/* The state of reading flags: argv (borrowed), whether this is the sync command, and whether
 * the next --source is the first (which replaces the configured sources). */
typedef struct flag_reader {
    int argc;
    char **argv;
    int sync_cmd;
    int first_source;
} flag_reader;

/* Applies the flag at argv[*i] (it starts with "--"), moving *i past a separate value it
 * takes. --config was read before and is skipped here. Returns 0 or -1 with a message in
 * err. */
static int apply_flag(config *cfg, flag_reader *r, int *i, char *err, size_t errlen)
{
    const char *a = r->argv[*i], *value;
    if (strcmp(a, "--config") == 0 || strncmp(a, "--config=", 9) == 0) {
        *i += a[8] == '\0';
        return 0;
    }
    int append = 0;
    const opt *o = r->sync_cmd ? sync_flag(a, &value, &append) : NULL;
    if (o == NULL)
        o = flag_opt(a, &value);
    if (o == NULL) {
        snprintf(err, errlen, "unknown option %s", a);
        return -1;
    }
    const char *next = *i + 1 < r->argc ? r->argv[*i + 1] : NULL;
    /* A bare boolean flag means true unless a literal true or false follows it. */
    if (value == NULL && o->type == OPT_BOOL &&
        (next == NULL || strncmp(next, "--", 2) == 0 ||
         (strcmp(next, "true") && strcmp(next, "false"))))
        value = "true";
    if (value == NULL) {
        if (next == NULL) {
            snprintf(err, errlen, "option %s needs a value", a);
            return -1;
        }
        value = next;
        ++*i;
    }
    if (append ? add_source(cfg, value, &r->first_source, err, errlen) != 0
               : set_opt(cfg, o, value, a, err, errlen) != 0)
        return -1;
    return 0;
}

/* Applies the flags of argv[first..argc) and collects the other arguments (and all after
 * "--") into positional (borrowed from argv; at most max_pos, *n_pos set). Returns 0 or -1
 * with a message in err. */
static int load_flags(config *cfg, int argc, char **argv, int first, const char **positional,
                      size_t max_pos, size_t *n_pos, char *err, size_t errlen)
{
    flag_reader r = {argc, argv, first >= 2 && strcmp(argv[first - 1], "sync") == 0, 1};
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            for (i++; i < argc && *n_pos < max_pos; i++)
                positional[(*n_pos)++] = argv[i];
            break;
        }
        if (strncmp(a, "--", 2) == 0) {
            if (apply_flag(cfg, &r, &i, err, errlen) != 0)
                return -1;
            continue;
        }
        if (*n_pos >= max_pos) {
            snprintf(err, errlen, "too many arguments (at most %zu)", max_pos);
            return -1;
        }
        positional[(*n_pos)++] = a;
    }
    return 0;
}

/* The webhooks setting: at most CONFIG_WEBHOOKS_MAX entries separated by spaces, each
 * [slack:|discord:]http(s)://HOST... (webhook.c reads it; an error there leaves webhooks off). 0, or -1 naming the entry. */
static int webhooks_check(const char *list, char *err, size_t errlen)
{
    size_t n = 0;
    for (const char *p = list + strspn(list, " \t\n"); *p; p += strspn(p, " \t\n")) {
        size_t len = strcspn(p, " \t\n");
        const char *u = p + (strncmp(p, "slack:", 6) == 0     ? 6
                             : strncmp(p, "discord:", 8) == 0 ? 8 : 0);
        size_t ul = len - (size_t)(u - p);
        size_t s = ul > 8 && strncmp(u, "https://", 8) == 0 ? 8
                   : ul > 7 && strncmp(u, "http://", 7) == 0 ? 7 : 0;
        if (++n > CONFIG_WEBHOOKS_MAX || s == 0 || strchr("/?#", u[s]) != NULL) {
            snprintf(err, errlen, "webhooks: entry %zu \"%.*s\" is not an http(s) URL with a host, "
                     "slack:URL or discord:URL (at most %d entries)", n, len > 200 ? 200 : (int)len,
                     p, CONFIG_WEBHOOKS_MAX);
            return -1;
        }
        p += len;
    }
    return 0;
}

int config_load(config *cfg, int argc, char **argv, int first, const char **positional,
                size_t max_pos, size_t *n_pos, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    *n_pos = 0;
    for (size_t i = 0; i < N_OPTS; i++)
        if (set_opt(cfg, &opts[i], opts[i].dflt, "default", err, errlen) != 0)
            return -1;
    const char *path = config_file_path(argc, argv, first);
    if (path && *path) {
        snprintf(cfg->config_path, sizeof cfg->config_path, "%s", path);
        if (load_file(cfg, path, err, errlen) != 0)
            return -1;
    }
    if (load_env(cfg, err, errlen) != 0 ||
        load_flags(cfg, argc, argv, first, positional, max_pos, n_pos, err, errlen) != 0)
        return -1;
    if (cfg->threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        cfg->threads = n > 0 && n < 256 ? (int)n : 2;
    }
    /* public_url goes into HTML attributes: a plain http(s) URL, no trailing slash. */
    size_t pl = strlen(cfg->public_url);
    while (pl > 0 && cfg->public_url[pl - 1] == '/')
        cfg->public_url[--pl] = '\0';
    if (pl > 0 && ((strncmp(cfg->public_url, "http://", 7) != 0 &&
                    strncmp(cfg->public_url, "https://", 8) != 0) ||
                   strspn(cfg->public_url, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                          "0123456789-._~:/[]@!$()*+,;=%") != pl)) {
        snprintf(err, errlen, "public_url \"%.200s\" is not an http:// or https:// URL",
                 cfg->public_url);
        return -1;
    }
    if (cfg->db[0] == '\0') {
        snprintf(err, errlen, "db must not be empty");
        return -1;
    }
    if (webhooks_check(cfg->webhooks, err, errlen) != 0)
        return -1;
    if (cfg->body_budget <= cfg->max_body) { /* a body of max_body must be able to pass */
        snprintf(err, errlen, "body_budget (%zu) must be larger than max_body (%zu)",
                 cfg->body_budget, cfg->max_body);
        return -1;
    }
    return 0;
}
