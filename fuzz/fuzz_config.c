/* libFuzzer target for the configuration (server/config.h): the input up to its first NUL
 * is a config file, the rest command-line flags, one per line. config_load must accept them
 * with every setting in its documented range, or refuse them with a one-line message; never
 * crash or read out of bounds. "--config" flags are dropped: the file is the input's. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 32

static void check(int rc, const config *cfg, const char *err, size_t errlen)
{
    if (rc != 0) {
        if (rc != -1 || memchr(err, '\0', errlen) == NULL || err[0] == '\0')
            abort();
        return;
    }
    if (cfg->port < 0 || cfg->port > 65535 || cfg->max_age < 0 || cfg->max_body < 1 ||
        cfg->threads < 1 || cfg->threads > 256 || cfg->conn_limit < 1 || cfg->per_ip_limit < 0 ||
        cfg->timeout < 1 || cfg->drain_seconds < 0 || (cfg->access_log != 0 && cfg->access_log != 1) ||
        (cfg->create != 0 && cfg->create != 1) || cfg->db[0] == '\0')
        abort();
    if (memchr(cfg->db, '\0', sizeof cfg->db) == NULL ||
        memchr(cfg->bind, '\0', sizeof cfg->bind) == NULL ||
        memchr(cfg->token, '\0', sizeof cfg->token) == NULL ||
        memchr(cfg->cors_origin, '\0', sizeof cfg->cors_origin) == NULL ||
        memchr(cfg->format, '\0', sizeof cfg->format) == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64], flag[80];
    if (fd < 0) {
        fd = memfd_create("attrition-fuzz-config", 0);
        if (fd < 0)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        snprintf(flag, sizeof flag, "--config=%s", path);
    }
    const uint8_t *nul = memchr(data, '\0', size);
    size_t file_len = nul ? (size_t)(nul - data) : size;
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, file_len, 0) != (ssize_t)file_len)
        abort();

    /* The flags: the rest, split at newlines, each an exact-size heap string. */
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = flag;
    const uint8_t *p = nul ? nul + 1 : data + size, *end = data + size;
    while (p < end && argc < MAX_ARGS) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (!(len >= 8 && memcmp(p, "--config", 8) == 0)) {
            argv[argc] = malloc(len + 1);
            if (argv[argc] == NULL)
                abort();
            memcpy(argv[argc], p, len);
            argv[argc++][len] = '\0';
        }
        p += len + 1;
    }
    argv[argc] = NULL;

    config cfg;
    const char *positional[4];
    size_t n_pos = 0;
    char err[1200];
    memset(err, 'x', sizeof err);
    int rc = config_load(&cfg, argc, argv, 0, positional, 4, &n_pos, err, sizeof err);
    check(rc, &cfg, err, sizeof err);
    if (rc == 0 && n_pos > 4)
        abort();
    for (int i = 1; i < argc; i++)
        free(argv[i]);
    return 0;
}
