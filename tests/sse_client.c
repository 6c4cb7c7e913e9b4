/* See sse_client.h. */
#include "sse_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int grow(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 4096;
    while (n < need)
        n *= 2;
    char *p = realloc(*buf, n);
    if (p == NULL)
        return -1;
    *buf = p;
    *cap = n;
    return 0;
}

int sse_open(const test_server *s, const char *last_id, int rcvbuf, sse_client *c)
{
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0)
        return -1;
    if (rcvbuf > 0)
        setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)s->port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char req[256];
    int n = snprintf(req, sizeof req, "GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Accept: text/event-stream\r\n%s%s%s\r\n", last_id ? "Last-Event-ID: " : "",
                     last_id ? last_id : "", last_id ? "\r\n" : "");
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0 || write(c->fd, req, (size_t)n) != n) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    return grow(&c->text, &c->cap, 1) == 0 ? (c->text[0] = '\0', 0) : -1;
}

static void append_text(sse_client *c, const char *p, size_t n)
{
    if (grow(&c->text, &c->cap, c->len + n + 1) != 0)
        return;
    memcpy(c->text + c->len, p, n);
    c->len += n;
    c->text[c->len] = '\0';
}

/* Decodes what raw holds: headers, then chunks (or plain bytes). */
static void decode(sse_client *c)
{
    size_t used = 0;
    if (!c->headers_done) {
        char *end = c->raw_len ? memmem(c->raw, c->raw_len, "\r\n\r\n", 4) : NULL;
        if (end == NULL)
            return;
        *end = '\0';
        sscanf(c->raw, "HTTP/1.%*d %ld", &c->status);
        c->chunked = strcasestr(c->raw, "transfer-encoding: chunked") != NULL;
        c->headers_done = 1;
        used = (size_t)(end - c->raw) + 4;
    }
    for (;;) {
        if (!c->chunked) {
            append_text(c, c->raw + used, c->raw_len - used);
            used = c->raw_len;
            break;
        }
        char *eol = memmem(c->raw + used, c->raw_len - used, "\r\n", 2);
        if (eol == NULL)
            break;
        size_t size = strtoul(c->raw + used, NULL, 16);
        size_t start = (size_t)(eol - c->raw) + 2;
        if (c->raw_len < start + size + 2)
            break;
        append_text(c, c->raw + start, size);
        used = start + size + 2;
        if (size == 0)
            break;
    }
    memmove(c->raw, c->raw + used, c->raw_len - used);
    c->raw_len -= used;
}

double sse_wait(sse_client *c, const char *needle, double secs)
{
    double t0 = now_s();
    for (;;) {
        if (c->text && strstr(c->text, needle))
            return now_s() - t0;
        double left = secs - (now_s() - t0);
        if (left <= 0 || c->fd < 0)
            return -1;
        struct pollfd p = {c->fd, POLLIN, 0};
        if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
            continue;
        if (grow(&c->raw, &c->raw_cap, c->raw_len + 65536) != 0)
            return -1;
        ssize_t n = read(c->fd, c->raw + c->raw_len, 65536);
        if (n <= 0) {
            close(c->fd);
            c->fd = -1;
            continue;
        }
        c->raw_len += (size_t)n;
        decode(c);
    }
}

void sse_close(sse_client *c)
{
    if (c->fd >= 0)
        close(c->fd);
    free(c->raw);
    free(c->text);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}
