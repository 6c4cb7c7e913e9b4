#ifndef ATTRITION_CONFIG_H
#define ATTRITION_CONFIG_H

#include <stddef.h>

/* Settings of `attrition serve` (and the db path of import/export). Filled by
 * config_load: defaults, then the config file, then ATTRITION_* variables, then flags. */
typedef struct config {
    char db[1024];
    char bind[64];
    int port;                /* 0: the OS picks */
    int max_age;             /* Cache-Control max-age, seconds */
    char cors_origin[256];
    char public_url[256];    /* "https://host" without a trailing slash, or "" (from Host) */
    char token[256];         /* empty: writes disabled */
    size_t max_body;         /* bytes */
    size_t body_budget;      /* request-body bytes held by all requests in flight */
    int threads;             /* libmicrohttpd worker threads */
    int conn_limit;          /* connections in total */
    int per_ip_limit;        /* connections per IP */
    int timeout;             /* idle connection timeout, seconds */
    int drain_seconds;       /* SIGTERM: deadline for in-flight requests */
    size_t cache_bytes;      /* response cache bound */
    int access_log;          /* 1: a JSON line per request */
    int create;              /* 1: create the database if missing */
    char format[16];         /* export: json or csv */
    char sync_sources[4096]; /* sync: sources separated by spaces or commas, each
                                "dataset:URL", "api:URL" or a URL (kind recognised) */
    int sync_every;          /* seconds between sync rounds; 0: off (serve), once (sync) */
    int sync_timeout;        /* seconds allowed per upstream request */
    size_t sync_max_bytes;   /* largest upstream file, bytes */
    int sync_retries;        /* extra attempts after a 5xx or a network error */
    int events_limit;        /* /v1/events subscribers at once; more: 503 */
    char webhooks[4096];     /* webhook entries separated by spaces: URL (JSON), slack:URL,
                                discord:URL; empty: none */
    char webhook_secret[256];/* HMAC-SHA256 key of X-Attrition-Signature; empty: unsigned.
                                Never logged. */
    char config_path[1024];  /* the file read, or "" */
} config;

/* The default sync source: the ministry dataset's files on GitHub. */
/* At most this many entries in the webhooks setting (checked at start; webhook.c). */
#define CONFIG_WEBHOOKS_MAX 16

#define CONFIG_DEFAULT_SOURCE \
    "dataset:https://raw.githubusercontent.com/PetroIvaniuk/2022-Ukraine-Russia-War-Dataset/main/data/"

/* Parses a duration: seconds ("90"), or a number with s, m, h or d ("30s", "5m", "6h",
 * "1d"); "0" and "off" are 0. Returns 0 with *seconds set, or -1. */
int config_parse_duration(const char *text, int *seconds);

/* Fills cfg: defaults, then the config file (--config, ATTRITION_CONFIG, or none), then
 * ATTRITION_* variables, then flags from argv[first..argc). For the sync command
 * (argv[first - 1] is "sync"), --source URL (repeatable: the first replaces the configured
 * sources, later ones add to them), --every and --timeout mean sync_sources, sync_every and
 * sync_timeout. Non-flag arguments are
 * collected in order into positional (at most max_pos; *n_pos set). Validates once.
 * Returns 0, or -1 with a message naming the source and key in err. */
int config_load(config *cfg, int argc, char **argv, int first, const char **positional,
                size_t max_pos, size_t *n_pos, char *err, size_t errlen);

/* Prints the settings table (key, environment variable, default, meaning) to out. */
void config_usage(void *out);

#endif
