/* bench/bare_mhd.c: the stack's own limit, a contender in bench/run (issue 25).
 *
 * A bare libmicrohttpd program with attrition's daemon flags and limits (server/serve.c,
 * start_daemon) that answers every request with one held buffer: the bytes attrition sends
 * for /v1/cumulative/latest, with the same header lines, as one persistent response built
 * once (MHD_RESPMEM_PERSISTENT), queued at the second call as attrition does. A request
 * whose If-None-Match is the ETag gets a 304 built once the same way. No routing, no
 * cache, no log, no metrics: what is left is libmicrohttpd and the kernel, the most
 * attrition could reach.
 *
 * usage: bare_mhd THREADS POOL_BYTES HEADERS_FILE BODY_FILE
 *   HEADERS_FILE: a response head as `curl -D` writes it (status line, "Name: value"
 *   lines); Date, Content-Length, Connection and Transfer-Encoding are left to
 *   libmicrohttpd. Listens on 127.0.0.1, a port the OS picks, and prints "port N" on stdout.
 *   Runs until SIGTERM or SIGINT. Not part of the product: built by bench/run with cc. */
#include <microhttpd.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static struct MHD_Response *ok_resp, *nm_resp;
static char etag[256];

/* Reads a whole file. Returns a malloc'd buffer (caller frees) and its size, or NULL. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) != NULL) {
        if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        } else {
            buf[n] = '\0';
            *len = (size_t)n;
        }
    }
    fclose(f);
    return buf;
}

/* Adds head's header lines (but those libmicrohttpd writes itself) to both responses and
 * keeps the ETag. Returns 0, or -1 when one cannot be added. */
static int add_headers(char *head)
{
    static const char *const skip[] = {"Date", "Content-Length", "Connection",
                                       "Transfer-Encoding"};
    char *save = NULL;
    int first = 1;
    for (char *line = strtok_r(head, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        char *colon = strchr(line, ':');
        if (first || colon == NULL) { /* the status line */
            first = 0;
            continue;
        }
        *colon = '\0';
        const char *value = colon + 1 + strspn(colon + 1, " \t");
        int skipped = 0;
        for (size_t i = 0; i < sizeof skip / sizeof *skip; i++)
            skipped |= strcasecmp(line, skip[i]) == 0;
        if (skipped)
            continue;
        if (strcasecmp(line, "ETag") == 0)
            snprintf(etag, sizeof etag, "%s", value);
        if (MHD_add_response_header(ok_resp, line, value) != MHD_YES)
            return -1;
        if (strcasecmp(line, "Content-Type") != 0 && /* attrition's 304 has none */
            MHD_add_response_header(nm_resp, line, value) != MHD_YES)
            return -1;
    }
    return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload_data;
    static int seen; /* any non-NULL marker */
    if (*con_cls == NULL) { /* the first call: headers only. Answering here would make
                             * libmicrohttpd 0.9.75 close the connection after the answer. */
        *con_cls = &seen;
        return MHD_YES;
    }
    *upload_size = 0;
    const char *inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                  MHD_HTTP_HEADER_IF_NONE_MATCH);
    if (inm && etag[0] && strcmp(inm, etag) == 0)
        return MHD_queue_response(conn, MHD_HTTP_NOT_MODIFIED, nm_resp);
    return MHD_queue_response(conn, MHD_HTTP_OK, ok_resp);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: bare_mhd THREADS POOL_BYTES HEADERS_FILE BODY_FILE\n");
        return 2;
    }
    unsigned threads = (unsigned)strtoul(argv[1], NULL, 10);
    size_t pool = (size_t)strtoull(argv[2], NULL, 10);
    size_t body_len = 0, head_len = 0;
    char *body = slurp(argv[4], &body_len), *head = slurp(argv[3], &head_len);
    if (body == NULL || head == NULL || threads == 0 || pool < 4096) {
        fprintf(stderr, "bare_mhd: bad arguments or unreadable files\n");
        return 2;
    }
    ok_resp = MHD_create_response_from_buffer(body_len, body, MHD_RESPMEM_PERSISTENT);
    nm_resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (ok_resp == NULL || nm_resp == NULL || add_headers(head) != 0) {
        fprintf(stderr, "bare_mhd: cannot build the responses\n");
        return 1;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* libmicrohttpd's threads inherit the mask */

    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    /* attrition's flags and options (server/serve.c start_daemon, config defaults) */
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
                     MHD_ALLOW_SUSPEND_RESUME;
    struct MHD_Daemon *d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, 1024u,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, 256u,
        MHD_OPTION_CONNECTION_TIMEOUT, 15u,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool,
        MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "bare_mhd: cannot start the daemon\n");
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("port %u\n", info ? (unsigned)info->port : 0u);
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    MHD_destroy_response(ok_resp);
    MHD_destroy_response(nm_resp);
    free(body);
    free(head);
    return 0;
}
