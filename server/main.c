/* attrition: serve | import | export | sync. */
#include "attrition/import.h"
#include "attrition/stats.h"
#include "attrition/store.h"
#include "config.h"
#include "log.h"
#include "serve.h"
#include "sync.h"

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MAIN_MAX_FILES 64

#ifndef ATTRITION_VERSION
#define ATTRITION_VERSION "unknown"
#endif

/* The commands and their usage lines. */
static const char *const commands[][2] = {
    {"serve", "attrition serve  [--db PATH] [--port N] [--bind ADDR] [--config FILE] [--KEY VALUE ...]"},
    {"import", "attrition import [--db PATH] FILE..."},
    {"export", "attrition export [--db PATH] [--format json|csv]"},
    {"sync", "attrition sync   [--db PATH] [--source URL]... [--every DURATION] [--timeout SECONDS]"},
    {"backup", "attrition backup [--db PATH] FILE     a consistent copy, also while serving"},
    {"restore", "attrition restore [--db PATH] FILE    FILE's data into PATH; a running server\n"
                "                                             picks it up within a second"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

/* The usage of cmd (NULL: of every command) and the settings table, to f. */
static void usage(FILE *f, const char *cmd)
{
    int first = 1;
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (cmd == NULL || strcmp(cmd, commands[i][0]) == 0) {
            fprintf(f, "%s%s\n", first ? "usage: " : "       ", commands[i][1]);
            first = 0;
        }
    fprintf(f, "       attrition --version\n\n"
               "Settings (flags win over the environment, the environment over the config file):\n");
    config_usage(f);
}

static int is_help(const char *arg)
{
    return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

static int count_corrections(const stats_snapshot *s)
{
    int n = 0;
    for (size_t i = 0; i < s->n_rep * s->n_cat; i++)
        if (s->loss[i] != STATS_NONE && s->loss[i] < 0)
            n++;
    return n;
}

static int cmd_import(const config *cfg, const char **files, size_t n)
{
    char err[1024];
    store *st = NULL;
    stats_snapshot *s = NULL;
    import_result res;
    int code = 1;
    if (n == 0) {
        fprintf(stderr, "attrition import: name at least one file\n");
        return 2;
    }
    memset(&res, 0, sizeof res);
    /* A database created here is seeded (deployments) only when no export is imported: an
     * export says itself which estimates exist. */
    if (store_open(cfg->db, STORE_OPEN_CREATE | STORE_OPEN_NOSEED, &st, err, sizeof err) !=
        STORE_OK) {
        fprintf(stderr, "attrition import: %s\n", err);
        return 1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (import_files(st, files, n, &res, err, sizeof err) != 0) {
        fprintf(stderr, "attrition import: %s (nothing was imported)\n", err);
        goto cleanup;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (store_snapshot_load(st, &s) != STORE_OK) {
        fprintf(stderr, "attrition import: cannot read back: %s\n", store_errmsg(st));
        goto cleanup;
    }
    for (size_t i = 0; i < res.files && i < 16; i++)
        printf("%s: %s\n", files[i], import_kind_name(res.kinds[i]));
    printf("report entries read: %zu; new report dates: %zu; values changed: %zu; database now holds %zu reports\n",
           res.reports_seen, res.reports_added, res.values_changed, s->n_rep);
    if (res.revisions)
        printf("reports revised (their earlier version kept, by \"import FILE\"): %zu\n",
               res.revisions);
    if (res.api_kept)
        printf("warning: %zu value%s differ from reports written through the API (POST/PUT), "
               "which import never changes (apply with PUT /v1/reports/{date}); e.g. %s\n",
               res.api_kept, res.api_kept == 1 ? "" : "s", res.api_example);
    printf("categories: %zu, new: %zu", s->n_cat, res.n_new);
    for (size_t i = 0; i < res.n_new && i < 32; i++)
        printf("%s%s", i ? ", " : " (", res.new_categories[i]);
    printf("%s\n", res.n_new ? ")" : "");
    printf("corrections found (negative daily differences): %d; correction notes changed: %zu\n",
           count_corrections(s), res.notes_changed);
    if (res.deployments_added)
        printf("deployment estimates added: %zu\n", res.deployments_added);
    if (res.annotations)
        printf("text annotations (e.g. \"greatest losses direction\"): %zu; entry layouts and "
               "annotations changed: %zu\n", res.annotations, res.extras_changed);
    if (res.day_mismatches)
        printf("entries whose \"day\" disagrees with \"date\" (the date was used): %zu\n",
               res.day_mismatches);
    printf("time: %.3f s\n", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    code = 0;
cleanup:
    import_result_free(&res);
    stats_snapshot_unref(s);
    store_close(st);
    return code;
}

/* attrition backup FILE / attrition restore FILE (cmd names which). */
static int cmd_backup(const config *cfg, const char *cmd, const char **files, size_t n)
{
    char err[1200], target[1024];
    store *st = NULL;
    int restore = strcmp(cmd, "restore") == 0;
    if (strcmp(store_backend_name(cfg->db), "postgresql") == 0) {
        fprintf(stderr, "attrition %s: the database is PostgreSQL, which has its own tools: "
                "%s\n", cmd, restore
                ? "restore a dump with pg_restore (pg_restore --clean --if-exists -d DBNAME "
                  "FILE) or psql; running servers pick the change up within a second"
                : "make a consistent copy with pg_dump (pg_dump -Fc -f FILE DBNAME), also "
                  "while serving");
        return 2;
    }
    store_target_redacted(cfg->db, target, sizeof target);
    if (n != 1) {
        fprintf(stderr, "attrition %s: name one file (%s)\n", cmd,
                restore ? "a copy made by attrition backup" : "where the copy goes");
        return 2;
    }
    if (store_open(cfg->db, restore ? STORE_OPEN_CREATE : 0, &st, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "attrition %s: %s\n", cmd, err);
        return 1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = restore ? store_restore(st, files[0], err, sizeof err)
                     : store_backup(st, files[0], err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (rc != STORE_OK)
        fprintf(stderr, "attrition %s: %s\n", cmd, err);
    else if (restore)
        printf("restored %s into %s: %ld reports, data version %llu; %.3f s\n", files[0],
               target, store_report_count(st), (unsigned long long)store_data_version(st), secs);
    else
        printf("backed up %s to %s: %ld reports, data version %llu; %.3f s\n", target,
               files[0], store_report_count(st), (unsigned long long)store_data_version(st), secs);
    store_close(st);
    return rc == STORE_OK ? 0 : 1;
}

static int cmd_export(const config *cfg)
{
    char err[1024];
    store *st = NULL;
    if (store_open(cfg->db, 0, &st, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "attrition export: %s\n", err);
        return 1;
    }
    int rc = import_export(st, cfg->format, stdout, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "attrition export: %s\n", err);
    store_close(st);
    return rc == 0 && fflush(stdout) == 0 ? 0 : 1;
}

/* Blocks SIGTERM and SIGINT in this thread and every thread started later (they are taken
 * by sigwait); fills set with them. */
static void block_stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* attrition sync: one round (lines on stdout, exit 0/1), or with --every a round every
 * period in a thread (one JSON line per round) until SIGTERM or SIGINT (exit 0). */
static int cmd_sync(const config *cfg)
{
    char err[1024];
    store *st = NULL;
    sigset_t set;
    if (sync_sources_check(cfg, err, sizeof err) != 0) {
        fprintf(stderr, "attrition sync: %s\n", err);
        return 2;
    }
    block_stop_signals(&set);
    if (store_open(cfg->db, STORE_OPEN_CREATE, &st, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "attrition sync: %s\n", err);
        return 1;
    }
    int code = 0;
    if (cfg->sync_every == 0) {
        sync_round_result res;
        code = sync_round(st, cfg, NULL, NULL, NULL, stdout, NULL, &res);
    } else {
        struct sync_runner *r = sync_runner_start(st, cfg, NULL, NULL);
        if (r == NULL) {
            fprintf(stderr, "attrition sync: cannot start the sync thread\n");
            code = 1;
        } else {
            int sig = 0;
            sigwait(&set, &sig);
            sync_runner_stop(r);
            log_event_new("stop", json_pack("{s:s}", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"));
        }
    }
    store_close(st);
    return code;
}

/* Overwrites, in place, the password of a database target given on the command line
 * (`--db URI` or `--db=URI`: the userinfo's ":password@" of a URI, a "password=" parameter or
 * keyword), so that /proc/PID/cmdline and ps never show it once main has run; the settings
 * already hold their own copy. */
static void scrub_db_password(int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        char *t = NULL;
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            t = argv[++i];
        else if (strncmp(argv[i], "--db=", 5) == 0)
            t = argv[i] + 5;
        if (t == NULL)
            continue;
        char *scheme = strstr(t, "://");
        if (scheme != NULL) {
            char *auth = scheme + 3, *end = auth + strcspn(auth, "/?#"), *at = NULL;
            for (char *c = auth; c < end; c++)
                if (*c == '@')
                    at = c;
            char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
            for (char *c = colon ? colon + 1 : at; c && c < at; c++)
                *c = '*';
        }
        for (char *p = strstr(t, "password="); p; p = strstr(p + 9, "password="))
            for (char *c = p + 9; *c && *c != '&' && *c != ' '; c++)
                *c = '*';
    }
}

int main(int argc, char **argv)
{
    config cfg;
    char err[1200];
    const char *pos[MAIN_MAX_FILES];
    size_t n_pos = 0;
    if (argc < 2 || is_help(argv[1]) || !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout, NULL);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V") || !strcmp(argv[1], "version")) {
        printf("attrition %s\n", ATTRITION_VERSION);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "serve") && strcmp(cmd, "import") && strcmp(cmd, "export") &&
        strcmp(cmd, "sync") && strcmp(cmd, "backup") && strcmp(cmd, "restore")) {
        fprintf(stderr, "attrition: unknown command \"%s\"\n", cmd);
        usage(stderr, NULL);
        return 2;
    }
    for (int i = 2; i < argc; i++) /* `attrition CMD --help`, wherever the flag stands */
        if (is_help(argv[i])) {
            usage(stdout, cmd);
            return fflush(stdout) == 0 ? 0 : 1;
        }
    if (config_load(&cfg, argc, argv, 2, pos, MAIN_MAX_FILES, &n_pos, err, sizeof err) != 0) {
        fprintf(stderr, "attrition %s: %s\n", cmd, err);
        return 2;
    }
    scrub_db_password(argc, argv);
    if (!strcmp(cmd, "import"))
        return cmd_import(&cfg, pos, n_pos);
    if (!strcmp(cmd, "backup") || !strcmp(cmd, "restore"))
        return cmd_backup(&cfg, cmd, pos, n_pos);
    if (n_pos) {
        fprintf(stderr, "attrition %s: unexpected argument \"%s\"\n", cmd, pos[0]);
        return 2;
    }
    if (!strcmp(cmd, "export"))
        return cmd_export(&cfg);
    /* sync and serve fetch with libcurl from threads: initialise it once, first. */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int code;
    if (!strcmp(cmd, "sync")) {
        code = cmd_sync(&cfg);
    } else {
        if (cfg.sync_every > 0 && sync_sources_check(&cfg, err, sizeof err) != 0) {
            fprintf(stderr, "attrition serve: %s\n", err);
            curl_global_cleanup();
            return 2;
        }
        /* serve: SIGTERM/SIGINT are blocked in every thread and taken by sigwait in serve_run. */
        sigset_t set;
        block_stop_signals(&set);
        code = serve_run(&cfg);
    }
    curl_global_cleanup();
    return code;
}
