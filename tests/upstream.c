/* The fixture upstream of the sync tests. See upstream.h. */
#include "upstream.h"
#include "harness.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define UPSTREAM_MAX_FILES 8

typedef struct upstream_file {
    char name[128];
    char *body;
    size_t len;
    char etag[24];
} upstream_file;

struct upstream {
    struct MHD_Daemon *d;
    int port;
    pthread_mutex_t lock;          /* guards everything below */
    upstream_file files[UPSTREAM_MAX_FILES];
    enum upstream_mode mode;
    unsigned requests, not_modified;
    char user_agent[256], target[1024];
    int stopping;
};

static void etag_of(const char *body, size_t len, char out[24])
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)body[i]) * 1099511628211ULL;
    snprintf(out, 24, "\"%016llx\"", (unsigned long long)h);
}

static enum MHD_Result reply_with(struct MHD_Connection *c, unsigned status, const char *type,
                            const char *body, size_t len, const char *etag,
                            const char *location)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
                                                             MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return MHD_NO;
    if (type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (etag)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    if (location)
        MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, location);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Deflates len bytes of in with flush into *out (n used of cap, grown by doubling).
 * Returns the last deflate code, or Z_MEM_ERROR. */
static int bomb_feed(z_stream *z, const char *in, size_t len, int flush, char **out, size_t *n,
                     size_t *cap)
{
    int rc;
    z->next_in = (Bytef *)in;
    z->avail_in = (uInt)len;
    do {
        if (*cap - *n < 4096) {
            char *more = realloc(*out, *cap * 2);
            if (more == NULL)
                return Z_MEM_ERROR;
            *out = more;
            *cap *= 2;
        }
        z->next_out = (Bytef *)*out + *n;
        z->avail_out = (uInt)(*cap - *n);
        rc = deflate(z, flush);
        *n = *cap - z->avail_out;
    } while (rc == Z_OK && (z->avail_in > 0 || z->avail_out == 0 || flush == Z_FINISH));
    return rc;
}

char *upstream_gzip_bomb(size_t inflated, size_t *len)
{
    enum { CHUNK = 65536 };
    static char pairs[CHUNK];
    for (size_t i = 0; i < CHUNK; i += 2) {
        pairs[i] = '0';
        pairs[i + 1] = ',';
    }
    size_t cap = 65536, n = 0;
    char *out = malloc(cap);
    z_stream z;
    memset(&z, 0, sizeof z);
    if (out == NULL || deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(out);
        return NULL;
    }
    size_t left = (inflated - 3) & ~(size_t)1; /* "[" + "0," pairs + "0]" */
    int rc = bomb_feed(&z, "[", 1, Z_NO_FLUSH, &out, &n, &cap);
    while (rc == Z_OK && left > 0) {
        size_t k = left < CHUNK ? left : CHUNK;
        rc = bomb_feed(&z, pairs, k, Z_NO_FLUSH, &out, &n, &cap);
        left -= k;
    }
    if (rc == Z_OK || rc == Z_BUF_ERROR)
        rc = bomb_feed(&z, "0]", 2, Z_FINISH, &out, &n, &cap);
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    *len = n;
    return out;
}

/* Waits up to UPSTREAM_STALL_SECONDS, less when the server stops. */
static void stall(upstream *u)
{
    for (int i = 0; i < UPSTREAM_STALL_SECONDS * 20; i++) {
        pthread_mutex_lock(&u->lock);
        int stop = u->stopping;
        pthread_mutex_unlock(&u->lock);
        if (stop)
            return;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* Answers the file named by the last segment of url in mode m (lock held). */
static enum MHD_Result answer_file(upstream *u, struct MHD_Connection *c, const char *url,
                                   enum upstream_mode m)
{
    const char *name = strrchr(url, '/');
    name = name ? name + 1 : url;
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                  MHD_HTTP_HEADER_IF_NONE_MATCH);
    for (int i = 0; i < UPSTREAM_MAX_FILES; i++) {
        upstream_file *f = &u->files[i];
        if (f->body == NULL || strcmp(f->name, name) != 0)
            continue;
        if (m == UPSTREAM_TRUNCATED)
            return reply_with(c, MHD_HTTP_OK, "application/json", f->body, f->len / 2, NULL, NULL);
        if (inm && strcmp(inm, f->etag) == 0) {
            u->not_modified++;
            return reply_with(c, MHD_HTTP_NOT_MODIFIED, NULL, "", 0, f->etag, NULL);
        }
        return reply_with(c, MHD_HTTP_OK, "application/json", f->body, f->len, f->etag, NULL);
    }
    return reply_with(c, MHD_HTTP_NOT_FOUND, "text/plain", "not found\n", 10, NULL, NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **state)
{
    (void)method;
    (void)version;
    (void)upload;
    (void)upload_size;
    upstream *u = cls;
    static const char html[] = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title>"
                               "</head><body><h1>Bad Gateway</h1></body></html>\n";
    if (*state == NULL) { /* headers only so far */
        *state = u;
        return MHD_YES;
    }
    const char *ua = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_USER_AGENT);
    pthread_mutex_lock(&u->lock);
    u->requests++;
    snprintf(u->user_agent, sizeof u->user_agent, "%s", ua ? ua : "");
    snprintf(u->target, sizeof u->target, "%s", url);
    enum upstream_mode m = u->mode;
    pthread_mutex_unlock(&u->lock);
    char location[256];
    enum MHD_Result r;
    switch (m) {
    case UPSTREAM_500:
        return reply_with(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", "boom\n", 5, NULL, NULL);
    case UPSTREAM_HTML:
        return reply_with(c, MHD_HTTP_OK, "text/html", html, sizeof html - 1, NULL, NULL);
    case UPSTREAM_REDIRECT_LOOP:
        snprintf(location, sizeof location, "http://127.0.0.1:%d%s", u->port, url);
        return reply_with(c, MHD_HTTP_FOUND, "text/plain", "", 0, NULL, location);
    case UPSTREAM_HUGE: {
        char *big = malloc(UPSTREAM_HUGE_BYTES);
        if (big == NULL)
            return MHD_NO;
        memset(big, ' ', UPSTREAM_HUGE_BYTES);
        big[0] = '[';
        big[UPSTREAM_HUGE_BYTES - 1] = ']';
        r = reply_with(c, MHD_HTTP_OK, "application/json", big, UPSTREAM_HUGE_BYTES, NULL, NULL);
        free(big);
        return r;
    }
    case UPSTREAM_GZIP_BOMB: {
        size_t blen = 0;
        char *bomb = upstream_gzip_bomb(UPSTREAM_BOMB_BYTES, &blen);
        struct MHD_Response *resp = bomb ? MHD_create_response_from_buffer(blen, bomb,
                                                                           MHD_RESPMEM_MUST_FREE)
                                         : NULL;
        if (resp == NULL) {
            free(bomb);
            return MHD_NO;
        }
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
        r = MHD_queue_response(c, MHD_HTTP_OK, resp);
        MHD_destroy_response(resp);
        return r;
    }
    case UPSTREAM_STALL:
        stall(u);
        break;
    default:
        break;
    }
    pthread_mutex_lock(&u->lock);
    r = answer_file(u, c, url, m);
    pthread_mutex_unlock(&u->lock);
    return r;
}

upstream *upstream_start(void)
{
    upstream *u = calloc(1, sizeof *u);
    if (u == NULL)
        return NULL;
    pthread_mutex_init(&u->lock, NULL);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    u->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
                            0, NULL, NULL, on_request, u,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_END);
    const union MHD_DaemonInfo *info = u->d ? MHD_get_daemon_info(u->d, MHD_DAEMON_INFO_BIND_PORT)
                                            : NULL;
    if (info == NULL) {
        upstream_stop(u);
        return NULL;
    }
    u->port = info->port;
    return u;
}

void upstream_stop(upstream *u)
{
    if (u == NULL)
        return;
    pthread_mutex_lock(&u->lock);
    u->stopping = 1;
    pthread_mutex_unlock(&u->lock);
    if (u->d)
        MHD_stop_daemon(u->d);
    for (int i = 0; i < UPSTREAM_MAX_FILES; i++)
        free(u->files[i].body);
    pthread_mutex_destroy(&u->lock);
    free(u);
}

int upstream_port(const upstream *u)
{
    return u->port;
}

const char *upstream_base(const upstream *u, char *buf, size_t len)
{
    snprintf(buf, len, "http://127.0.0.1:%d/data/", u->port);
    return buf;
}

int upstream_set_file(upstream *u, const char *name, const char *body, size_t len)
{
    int rc = -1;
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, body, len);
    copy[len] = '\0';
    pthread_mutex_lock(&u->lock);
    for (int i = 0; i < UPSTREAM_MAX_FILES && rc != 0; i++) {
        upstream_file *f = &u->files[i];
        if (f->body != NULL && strcmp(f->name, name) != 0)
            continue;
        free(f->body);
        snprintf(f->name, sizeof f->name, "%s", name);
        f->body = copy;
        f->len = len;
        etag_of(copy, len, f->etag);
        rc = 0;
    }
    pthread_mutex_unlock(&u->lock);
    if (rc != 0)
        free(copy);
    return rc;
}

void upstream_set_mode(upstream *u, enum upstream_mode mode)
{
    pthread_mutex_lock(&u->lock);
    u->mode = mode;
    pthread_mutex_unlock(&u->lock);
}

unsigned upstream_requests(upstream *u)
{
    pthread_mutex_lock(&u->lock);
    unsigned n = u->requests;
    pthread_mutex_unlock(&u->lock);
    return n;
}

unsigned upstream_not_modified(upstream *u)
{
    pthread_mutex_lock(&u->lock);
    unsigned n = u->not_modified;
    pthread_mutex_unlock(&u->lock);
    return n;
}

void upstream_reset_counts(upstream *u)
{
    pthread_mutex_lock(&u->lock);
    u->requests = u->not_modified = 0;
    pthread_mutex_unlock(&u->lock);
}

void upstream_last_request(upstream *u, char *ua, size_t ua_len, char *target,
                           size_t target_len)
{
    pthread_mutex_lock(&u->lock);
    snprintf(ua, ua_len, "%s", u->user_agent);
    snprintf(target, target_len, "%s", u->target);
    pthread_mutex_unlock(&u->lock);
}

int upstream_run_attrition(const char *const *args, const char *const *env,
                           const char *logpath)
{
    const char *argv[64];
    size_t k = 0;
    argv[k++] = getenv("ATTRITION_BIN");
    if (argv[0] == NULL)
        return -1;
    for (size_t i = 0; args[i] && k < 63; i++)
        argv[k++] = args[i];
    argv[k] = NULL;
    pid_t pid = test_spawn(argv, env, logpath);
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

const char *const upstream_dataset_names[3] = {
    "russia_losses_personnel.json", "russia_losses_equipment.json",
    "russia_losses_equipment_correction.json"};

/* Day after the YYYY-MM-DD date ds, into out (11 bytes). */
static void next_day(const char *ds, char out[11])
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (strptime(ds, "%Y-%m-%d", &tm) == NULL) {
        snprintf(out, 11, "%s", ds);
        return;
    }
    tm.tm_mday += 1;
    tm.tm_hour = 12;
    time_t t = timegm(&tm);
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static char dataset_until[11]; /* "": the whole history */

void upstream_dataset_until(const char *last)
{
    snprintf(dataset_until, sizeof dataset_until, "%s", last ? last : "");
}

/* Removes the entries of root (an array) dated after dataset_until, when set. */
static void apply_until(json_t *root)
{
    for (size_t i = json_array_size(root); dataset_until[0] && i-- > 0;) {
        const char *d = json_string_value(json_object_get(json_array_get(root, i), "date"));
        if (d && strcmp(d, dataset_until) > 0)
            json_array_remove(root, i);
    }
}

char *upstream_dataset_file(const char *name, int drop, int extra, long step, size_t *len)
{
    char path[1024];
    const char *dir = getenv("ATTRITION_DATA");
    snprintf(path, sizeof path, "%s/%s", dir ? dir : ".", name);
    json_t *root = json_load_file(path, 0, NULL);
    char *text = NULL;
    if (json_is_array(root) && strcmp(name, upstream_dataset_names[2]) != 0)
        apply_until(root); /* the corrections (28 entries) stay whole: import wants some */
    if (!json_is_array(root) || json_array_size(root) <= (size_t)drop)
        goto cleanup;
    for (int i = 0; i < drop; i++)
        json_array_remove(root, 0);
    for (int i = 0; i < extra; i++) {
        json_t *next = json_deep_copy(json_array_get(root, json_array_size(root) - 1));
        char day[11];
        next_day(json_string_value(json_object_get(next, "date")), day);
        const char *key;
        json_t *v;
        json_object_foreach(next, key, v) {
            if (strcmp(key, "day") == 0 || !json_is_integer(v))
                continue;
            json_integer_set(v, json_integer_value(v) + step);
        }
        json_object_set_new(next, "date", json_string(day));
        json_t *d = json_object_get(next, "day");
        if (json_is_integer(d))
            json_integer_set(d, json_integer_value(d) + 1);
        json_array_append_new(root, next);
    }
    text = json_dumps(root, JSON_INDENT(1));
    if (text)
        *len = strlen(text);
cleanup:
    json_decref(root);
    return text;
}

int upstream_write_dataset_file(const char *dir, const char *name, int drop, int extra,
                                long step, char *path, size_t len)
{
    size_t n = 0;
    char *text = upstream_dataset_file(name, drop, extra, step, &n);
    snprintf(path, len, "%s/%s", dir, name);
    FILE *f = text ? fopen(path, "wb") : NULL;
    int rc = f && fwrite(text, 1, n, f) == n ? 0 : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    free(text);
    return rc;
}

int upstream_import_dataset(test_server *s)
{
    char paths[3][700];
    const char *files[3];
    if (dataset_until[0] == '\0')
        return test_dataset_files() ? test_server_import(s, test_dataset_files(), 3) : -1;
    for (int i = 0; i < 3; i++) {
        if (upstream_write_dataset_file(s->dir, upstream_dataset_names[i], 0, 0, 0, paths[i],
                                        sizeof paths[i]) != 0)
            return -1;
        files[i] = paths[i];
    }
    return test_server_import(s, files, 3);
}
