#ifndef ATTRITION_TEST_SSE_CLIENT_H
#define ATTRITION_TEST_SSE_CLIENT_H

/* A Server-Sent Events client for the tests: a raw TCP connection to GET /v1/events that
 * decodes the chunked body into text, so a test can wait for exact event lines. */

#include <stddef.h>
#include "harness.h"

typedef struct sse_client {
    int fd;
    long status;        /* of the answer, 0 until its headers came */
    int headers_done, chunked;
    char *raw;          /* bytes read and not yet decoded */
    size_t raw_len, raw_cap;
    char *text;         /* the decoded body so far, NUL-terminated */
    size_t len, cap;
} sse_client;

/* Connects to s and sends GET /v1/events (with Last-Event-ID when last_id is not NULL).
 * rcvbuf > 0 sets SO_RCVBUF first (a client that reads nothing then holds little). 0 or -1. */
int sse_open(const test_server *s, const char *last_id, int rcvbuf, sse_client *c);

/* Reads until the decoded text holds needle, the peer closes, or secs pass. Returns the
 * seconds waited when found, -1 otherwise. */
double sse_wait(sse_client *c, const char *needle, double secs);

void sse_close(sse_client *c);

#endif
