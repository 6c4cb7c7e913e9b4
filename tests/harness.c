/* Test support; see harness.h. */
#include "harness.h"

#include <check.h>

#include <curl/curl.h>
#include <zlib.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <libpq-fe.h>

int test_skip_on_pg(const char *what, const char *why)
{
    const char *pg = getenv("ATTRITION_TEST_PG");
    if (pg == NULL || *pg == '\0')
        return 0;
    printf("SKIP %s on PostgreSQL: %s\n", what, why);
    return 1;
}

/* Runs one statement on the cluster of ATTRITION_TEST_PG. 0, or -1 (printed). */
static int pg_admin(const char *sql)
{
    PGconn *c = PQconnectdb(getenv("ATTRITION_TEST_PG"));
    int rc = -1;
    if (PQstatus(c) == CONNECTION_OK) {
        PGresult *r = PQexec(c, sql);
        rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
        if (rc != 0)
            fprintf(stderr, "harness: %s: %s", sql, PQerrorMessage(c));
        PQclear(r);
    } else {
        fprintf(stderr, "harness: ATTRITION_TEST_PG: %s", PQerrorMessage(c));
    }
    PQfinish(c);
    return rc;
}

/* With ATTRITION_TEST_PG: a fresh database for s named after its folder, s->db its URI.
 * 0 (also without ATTRITION_TEST_PG: nothing done) or -1. */
static int pg_prepare(test_server *s)
{
    const char *base = getenv("ATTRITION_TEST_PG");
    char sql[160];
    if (base == NULL || *base == '\0')
        return 0;
    const char *slash = strrchr(s->dir, '/');
    snprintf(s->pgname, sizeof s->pgname, "%.60s", slash ? slash + 1 : s->dir);
    snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", s->pgname);
    if (pg_admin(sql) != 0) {
        s->pgname[0] = '\0';
        return -1;
    }
    snprintf(s->db, sizeof s->db, "%s%sdbname=%s", base, strchr(base, '?') ? "&" : "?",
             s->pgname);
    return 0;
}

int test_server_prepare(test_server *s)
{
    const char *base = getenv("ATTRITION_TEST_TMP");
    memset(s, 0, sizeof *s);
    if (base == NULL)
        base = getenv("TMPDIR");
    if (base == NULL)
        base = ".";
    mkdir(base, 0700);
    snprintf(s->dir, sizeof s->dir, "%s/attrition-test-XXXXXX", base);
    if (mkdtemp(s->dir) == NULL)
        return -1;
    snprintf(s->db, sizeof s->db, "%s/attrition.db", s->dir);
    snprintf(s->log, sizeof s->log, "%s/serve.log", s->dir);
    return pg_prepare(s);
}

/* See harness.h. */
pid_t test_spawn(const char *const *argv, const char *const *env, const char *logpath)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    const char *wrapper = getenv("ATTRITION_WRAPPER");
    const char *full[64];
    size_t k = 0;
    char *copy = wrapper && *wrapper ? strdup(wrapper) : NULL;
    for (char *save = NULL, *w = copy ? strtok_r(copy, " ", &save) : NULL; w && k < 40;
         w = strtok_r(NULL, " ", &save))
        full[k++] = w;
    for (size_t i = 0; argv[i] && k < 63; i++)
        full[k++] = argv[i];
    full[k] = NULL;
    argv = full;
    int fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    for (size_t i = 0; env && env[i]; i++)
        putenv((char *)env[i]);
    execv(argv[0], (char *const *)argv);
    _exit(127);
}

int test_server_import(test_server *s, const char *const *files, size_t n)
{
    const char *argv[32];
    char path[700];
    size_t k = 0;
    argv[k++] = getenv("ATTRITION_BIN");
    argv[k++] = "import";
    argv[k++] = "--db";
    argv[k++] = s->db;
    for (size_t i = 0; i < n && k < 31; i++)
        argv[k++] = files[i];
    argv[k] = NULL;
    if (argv[0] == NULL)
        return -1;
    snprintf(path, sizeof path, "%s/import.log", s->dir);
    pid_t pid = test_spawn(argv, NULL, path);
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int test_server_start(test_server *s, const char *const *env)
{
    const char *argv[] = {getenv("ATTRITION_BIN"), "serve", "--db", s->db, "--port", "0", NULL};
    if (argv[0] == NULL)
        return -1;
    unlink(s->log);
    s->pid = test_spawn(argv, env, s->log);
    if (s->pid < 0)
        return -1;
    /* Wait up to 20 s (valgrind is slow) for {"event":"listening",...,"port":N}. */
    for (int i = 0; i < 2000; i++) {
        FILE *f = fopen(s->log, "r");
        char line[4096];
        while (f && fgets(line, sizeof line, f)) {
            const char *p = strstr(line, "\"event\":\"listening\"");
            const char *q = p ? strstr(line, "\"port\":") : NULL;
            if (q) {
                s->port = atoi(q + 7);
                fclose(f);
                return s->port > 0 ? 0 : -1;
            }
        }
        if (f)
            fclose(f);
        int status;
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            s->pid = 0;
            return -1;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

int test_server_stop(test_server *s)
{
    int status = 0;
    if (s->pid <= 0)
        return -1;
    kill(s->pid, SIGTERM);
    if (waitpid(s->pid, &status, 0) != s->pid)
        return -1;
    s->pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void test_server_cleanup(test_server *s)
{
    if (s->pid > 0)
        test_server_stop(s);
    if (s->dir[0] && getenv("ATTRITION_KEEP_TMP") == NULL)
        nftw(s->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (s->pgname[0] && getenv("ATTRITION_KEEP_TMP") == NULL) {
        char sql[160];
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", s->pgname);
        pg_admin(sql);
        s->pgname[0] = '\0';
    }
}

int test_have_dataset(const char *what)
{
    const char *d = getenv("ATTRITION_DATA");
    char path[1024];
    snprintf(path, sizeof path, "%s/russia_losses_personnel.json", d ? d : "");
    if (d && access(path, R_OK) == 0)
        return 1;
    printf("SKIP %s: the ministry dataset is absent (expected %s; clone ../shared beside the "
           "project or set ATTRITION_DATA)\n", what, d ? path : "ATTRITION_DATA");
    return 0;
}

const char *const *test_dataset_files(void)
{
    static char p[3][1024];
    static const char *files[4];
    const char *d = getenv("ATTRITION_DATA");
    if (d == NULL)
        return NULL;
    snprintf(p[0], sizeof p[0], "%s/russia_losses_personnel.json", d);
    snprintf(p[1], sizeof p[1], "%s/russia_losses_equipment.json", d);
    snprintf(p[2], sizeof p[2], "%s/russia_losses_equipment_correction.json", d);
    for (int i = 0; i < 3; i++) {
        if (access(p[i], R_OK) != 0)
            return NULL;
        files[i] = p[i];
    }
    files[3] = NULL;
    return files;
}

typedef struct buf {
    char *p;
    size_t len;
} buf;

static size_t on_data(char *ptr, size_t size, size_t n, void *ud)
{
    buf *b = ud;
    size_t add = size * n;
    char *np = realloc(b->p, b->len + add + 1);
    if (np == NULL)
        return 0;
    b->p = np;
    memcpy(b->p + b->len, ptr, add);
    b->len += add;
    b->p[b->len] = '\0';
    return add;
}

int http_request(const test_server *s, const char *method, const char *path,
                 const char *const *headers, const char *body, size_t body_len, http_resp *out)
{
    char url[8192];
    buf b = {NULL, 0}, h = {NULL, 0};
    struct curl_slist *hl = NULL;
    int rc = -1;
    memset(out, 0, sizeof *out);
    CURL *c = curl_easy_init();
    if (c == NULL)
        return -1;
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s->port, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    int expect = 0; /* libcurl's own "Expect: 100-continue" is off unless the caller sends one */
    for (size_t i = 0; headers && headers[i]; i++) {
        hl = curl_slist_append(hl, headers[i]);
        expect |= strncasecmp(headers[i], "Expect:", 7) == 0;
    }
    if (!expect)
        hl = curl_slist_append(hl, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body_len);
    }
    if (curl_easy_perform(c) != CURLE_OK)
        goto cleanup;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    out->body = b.p ? b.p : strdup("");
    out->len = b.len;
    out->headers = h.p ? h.p : strdup("");
    b.p = h.p = NULL;
    out->json = json_loadb(out->body, out->len, 0, NULL);
    rc = 0;
cleanup:
    free(b.p);
    free(h.p);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    return rc;
}

int http_get(const test_server *s, const char *path, http_resp *out)
{
    return http_request(s, "GET", path, NULL, NULL, 0, out);
}

const char *http_header(const http_resp *r, const char *name, char *out, size_t len)
{
    size_t nl = strlen(name);
    const char *p = r->headers;
    while (p && *p) {
        const char *eol = strstr(p, "\r\n");
        size_t ll = eol ? (size_t)(eol - p) : strlen(p);
        if (ll > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            size_t vl = ll - (size_t)(v - p);
            if (vl >= len)
                vl = len - 1;
            memcpy(out, v, vl);
            out[vl] = '\0';
            return out;
        }
        p = eol ? eol + 2 : NULL;
    }
    return NULL;
}

int http_raw(const test_server *s, const char *bytes, size_t len, int timeout_ms,
             http_resp *out)
{
    struct sockaddr_in a;
    size_t off = 0, got = 0, cap = 65536;
    char *data = NULL;
    int fd = socket(AF_INET, SOCK_STREAM, 0), rc = -1;
    memset(out, 0, sizeof *out);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)s->port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        (data = malloc(cap + 1)) == NULL)
        goto cleanup;
    while (off < len) {
        ssize_t n = send(fd, bytes + off, len - off, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, timeout_ms) <= 0)
            break;
        if (got == cap) {
            char *nb = realloc(data, 2 * cap + 1);
            if (nb == NULL)
                break;
            data = nb;
            cap *= 2;
        }
        ssize_t n = recv(fd, data + got, cap - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        data[got] = '\0';
        const char *end = strstr(data, "\r\n\r\n");
        const char *cl = end ? strcasestr(data, "\r\nContent-Length:") : NULL;
        if (cl && cl < end && got >= (size_t)(end + 4 - data) + strtoul(cl + 17, NULL, 10))
            break;
    }
    data[got] = '\0';
    if (got < 12 || strncmp(data, "HTTP/1.", 7) != 0)
        goto cleanup;
    out->status = strtol(data + 9, NULL, 10);
    char *end = strstr(data, "\r\n\r\n");
    const char *cl = end ? strcasestr(data, "\r\nContent-Length:") : NULL;
    size_t head = end ? (size_t)(end + 4 - data) : got;
    size_t body = cl && cl < end ? strtoul(cl + 17, NULL, 10) : got - head;
    if (body > got - head)
        body = got - head;
    out->headers = strndup(data, head);
    out->body = strndup(data + head, body);
    out->len = body;
    out->json = json_loadb(out->body, out->len, 0, NULL);
    rc = 0;
cleanup:
    if (fd >= 0)
        close(fd);
    free(data);
    return rc;
}

void http_resp_free(http_resp *r)
{
    free(r->body);
    free(r->headers);
    json_decref(r->json);
    memset(r, 0, sizeof *r);
}

long long json_path_int(const json_t *root, const char *path)
{
    char key[128];
    const json_t *cur = root;
    const char *p = path;
    while (cur && *p) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        if (l >= sizeof key)
            return INT64_MIN;
        memcpy(key, p, l);
        key[l] = '\0';
        cur = json_object_get(cur, key);
        p = dot ? dot + 1 : p + l;
    }
    return json_is_integer(cur) ? (long long)json_integer_value(cur) : INT64_MIN;
}

int test_server_start_dataset(test_server *s, const char *what, const char *const *env)
{
    const char *const *files = NULL;
    int have = test_have_dataset(what) && (files = test_dataset_files()) != NULL;
    ck_assert_int_eq(test_server_prepare(s), 0);
    if (have)
        ck_assert_int_eq(test_server_import(s, files, 3), 0);
    ck_assert_int_eq(test_server_start(s, env), 0);
    return have;
}

json_t *http_get_json(const test_server *s, const char *path, long status, http_resp *r)
{
    ck_assert_int_eq(http_get(s, path, r), 0);
    ck_assert_msg(r->status == status, "%s: status %ld, want %ld: %.300s", path, r->status,
                  status, r->body);
    ck_assert_msg(r->json != NULL, "%s: body is not JSON: %.200s", path, r->body);
    return r->json;
}

char *test_gunzip(const char *in, size_t len, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return NULL;
    size_t cap = len * 8 + 1024, used = 0;
    char *out = malloc(cap);
    int rc = Z_OK;
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    while (out && rc == Z_OK) {
        if (cap - used < 2) {
            char *grown = realloc(out, cap * 2);
            if (grown == NULL) {
                free(out);
                out = NULL;
                break;
            }
            out = grown;
            cap *= 2;
        }
        z.next_out = (Bytef *)out + used;
        z.avail_out = (uInt)(cap - used - 1);
        rc = inflate(&z, Z_NO_FLUSH);
        used = cap - 1 - z.avail_out;
    }
    inflateEnd(&z);
    if (out && rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    if (out) {
        out[used] = '\0';
        if (out_len)
            *out_len = used;
    }
    return out;
}

/* Does the file at path hold needle? */
static int file_has(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    char line[8192];
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f))
        found = strstr(line, needle) != NULL;
    if (f)
        fclose(f);
    return found;
}

int test_server_wait_log(const test_server *s, const char *needle, int timeout_ms)
{
    for (int waited = 0;; waited += 20) {
        if (file_has(s->log, needle))
            return 0;
        if (waited >= timeout_ms)
            return -1;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

long long test_data_version(const test_server *s)
{
    http_resp r;
    json_t *j = http_get_json(s, "/readyz", 200, &r);
    long long v = json_path_int(j, "data_version");
    http_resp_free(&r);
    return v;
}

test_server test_srv;

json_t *test_get_json(const char *path, long status, http_resp *r)
{
    return http_get_json(&test_srv, path, status, r);
}

void test_server_finish(test_server *s)
{
    if (s->pid > 0)
        ck_assert_int_eq(test_server_stop(s), 0);
    test_server_cleanup(s);
}

void test_fixture_teardown(void)
{
    test_server_finish(&test_srv);
}

long test_rss_kib(int pid)
{
    char path[64], line[256];
    long kib = -1;
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    fclose(f);
    return kib;
}
