/* JSON log lines on stdout: synchronous, or through one writer thread (see log.h). */
#include "log.h"
#include "write_json.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LOG_BUF_DEFAULT (256 * 1024)
#define LOG_BUF_MIN (16 * 1024)
#define LOG_INTERVAL_NS (100 * 1000 * 1000) /* the longest a line waits in a buffer */
#define LOG_STOP_GIVE_UP_MS 2000            /* at stop, an output blocked this long is dropped */
#define LOG_PIPE_CHUNK 4096                 /* PIPE_BUF: a write that poll says cannot block */

/* One thread's lines. The thread appends to data under mu; the writer swaps data with
 * spare under mu and writes the full one without holding any lock. */
typedef struct log_buf {
    pthread_mutex_t mu;
    char *data;
    size_t len;
    char *spare;           /* NULL while the writer writes it */
    uint64_t id;           /* the thread-specific value naming this buffer */
    int dead;              /* its thread exited: freed by the writer once empty */
    struct log_buf *next;
} log_buf;

static struct {
    pthread_mutex_t list_mu;       /* guards head (insertions) and unlinking */
    log_buf *head;
    pthread_mutex_t mu;            /* guards the fields below */
    pthread_cond_t wake, done;
    int kick, stop;
    uint64_t flush_req, flush_done;
    pthread_t thread;
    int fd, chunked;
    int gave_up;                   /* while stopping, the output stayed blocked: drop the rest */
    size_t cap;
    uint64_t next_id;
} W = {PTHREAD_MUTEX_INITIALIZER, NULL, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
       PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0, -1, 0, 0, 0, 1};

static int running;               /* the writer runs (read with __atomic) */
static unsigned run_gen;          /* bumped by each log_start: stale thread buffers */
static unsigned long long dropped;
static pthread_mutex_t sync_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t buf_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static __thread log_buf *tl_buf;
static __thread unsigned tl_gen;
static __thread time_t tl_sec = -1; /* the second tl_ts was formatted for */
static __thread char tl_ts[24];

static int access_on = 1;

void log_set_access(int on) { access_on = on; }
int log_access_enabled(void) { return access_on; }

unsigned long long log_dropped(void)
{
    return __atomic_load_n(&dropped, __ATOMIC_RELAXED);
}

static void count_dropped(unsigned long long n)
{
    __atomic_add_fetch(&dropped, n, __ATOMIC_RELAXED);
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" of now into out[32]; the date part is formatted once a second
 * per thread. Returns its length. */
static size_t timestamp(char *out)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    if (tv.tv_sec != tl_sec) {
        struct tm tm;
        gmtime_r(&tv.tv_sec, &tm);
        strftime(tl_ts, sizeof tl_ts, "%Y-%m-%dT%H:%M:%S", &tm);
        tl_sec = tv.tv_sec;
    }
    unsigned ms = (unsigned)(tv.tv_usec / 1000) % 1000;
    size_t n = strlen(tl_ts);
    memcpy(out, tl_ts, n);
    out[n] = '.';
    out[n + 1] = (char)('0' + ms / 100);
    out[n + 2] = (char)('0' + ms / 10 % 10);
    out[n + 3] = (char)('0' + ms % 10);
    out[n + 4] = 'Z';
    out[n + 5] = '\0';
    return n + 5;
}

/* ---- the writer ---------------------------------------------------------------------- */

/* The key's destructor: the exiting thread's buffer (named by id, so that a buffer freed by
 * log_stop is never touched) is marked dead; the writer frees it once written out. */
static void buf_orphan(void *value)
{
    uint64_t id = (uint64_t)(uintptr_t)value;
    pthread_mutex_lock(&W.list_mu);
    for (log_buf *b = W.head; b; b = b->next)
        if (b->id == id) {
            pthread_mutex_lock(&b->mu);
            b->dead = 1;
            pthread_mutex_unlock(&b->mu);
            break;
        }
    pthread_mutex_unlock(&W.list_mu);
}

static void key_create(void)
{
    (void)pthread_key_create(&buf_key, buf_orphan);
}

static void buf_free(log_buf *b)
{
    pthread_mutex_destroy(&b->mu);
    free(b->data);
    free(b->spare);
    free(b);
}

/* This thread's buffer, made and registered on first use. NULL on ENOMEM. */
static log_buf *thread_buf(void)
{
    if (tl_buf && tl_gen == __atomic_load_n(&run_gen, __ATOMIC_ACQUIRE))
        return tl_buf;
    log_buf *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    b->data = malloc(W.cap);
    b->spare = malloc(W.cap);
    if (b->data == NULL || b->spare == NULL) {
        free(b->data);
        free(b->spare);
        free(b);
        return NULL;
    }
    pthread_mutex_init(&b->mu, NULL);
    pthread_mutex_lock(&W.list_mu);
    b->id = W.next_id++;
    b->next = W.head;
    W.head = b;
    pthread_mutex_unlock(&W.list_mu);
    (void)pthread_setspecific(buf_key, (void *)(uintptr_t)b->id);
    tl_buf = b;
    tl_gen = __atomic_load_n(&run_gen, __ATOMIC_ACQUIRE);
    return b;
}

static void writer_kick(void)
{
    pthread_mutex_lock(&W.mu);
    W.kick = 1;
    pthread_cond_signal(&W.wake);
    pthread_mutex_unlock(&W.mu);
}

/* Appends one whole line (ending in '\n') to this thread's buffer, or drops and counts it
 * when the buffer is full. Wakes the writer for an urgent line or when the buffer passes
 * half full. */
static void buf_append(const char *line, size_t n, int urgent)
{
    log_buf *b = thread_buf();
    if (b == NULL) {
        count_dropped(1);
        return;
    }
    pthread_mutex_lock(&b->mu);
    int fits = b->len + n <= W.cap;
    if (fits) {
        memcpy(b->data + b->len, line, n);
        b->len += n;
    }
    int crossed = fits && b->len > W.cap / 2 && b->len - n <= W.cap / 2;
    pthread_mutex_unlock(&b->mu);
    if (!fits)
        count_dropped(1);
    if (urgent || crossed)
        writer_kick();
}

static unsigned long long count_lines(const char *p, size_t n)
{
    unsigned long long k = 0;
    for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
        k++;
    return k;
}

/* Writes n bytes to fd, whole (retrying short writes and EINTR). On a pipe or socket it waits
 * with poll and writes chunks of whole lines of up to PIPE_BUF bytes, so that while stopping (W.stop) an output nobody
 * reads is given up after LOG_STOP_GIVE_UP_MS in all (the lines left, in this block and
 * every later one, are counted as dropped) instead of hanging the shutdown. Only the writer
 * thread calls it. Returns 0, or -1 when the rest was dropped. */
static int write_all(const char *p, size_t n)
{
    int waited_ms = 0;
    while (n > 0 && !W.gave_up) {
        size_t chunk = n;
        if (W.chunked) {
            struct pollfd pfd = {W.fd, POLLOUT, 0};
            int pr = poll(&pfd, 1, 100);
            if (pr == 0) {
                pthread_mutex_lock(&W.mu);
                int stopping = W.stop;
                pthread_mutex_unlock(&W.mu);
                waited_ms = stopping ? waited_ms + 100 : 0;
                if (waited_ms >= LOG_STOP_GIVE_UP_MS) {
                    W.gave_up = 1; /* the rest of this stop drops at once */
                    break;
                }
                continue;
            }
            if (pr < 0 && errno != EINTR)
                break;
            if (chunk > LOG_PIPE_CHUNK) { /* whole lines only: giving up never tears one */
                const char *nl = memrchr(p, '\n', LOG_PIPE_CHUNK);
                if (nl == NULL) /* one line longer than a chunk: all of it */
                    nl = memchr(p + LOG_PIPE_CHUNK, '\n', n - LOG_PIPE_CHUNK);
                chunk = nl ? (size_t)(nl - p) + 1 : n;
            }
        }
        ssize_t w = write(W.fd, p, chunk);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        p += w;
        n -= (size_t)w;
    }
    if (n == 0)
        return 0;
    count_dropped(count_lines(p, n));
    return -1;
}

/* One pass over every thread's buffer: swap, write, give the block back; frees the buffers
 * of exited threads once empty. Only the writer thread unlinks, so it walks the list
 * without the list lock (insertions happen at the head only). */
static void flush_all(void)
{
    pthread_mutex_lock(&W.list_mu);
    log_buf *b = W.head;
    pthread_mutex_unlock(&W.list_mu);
    while (b) {
        log_buf *next = b->next;
        pthread_mutex_lock(&b->mu);
        char *block = b->data;
        size_t n = b->len;
        int dead = b->dead;
        if (n > 0) {
            b->data = b->spare;
            b->spare = NULL;
            b->len = 0;
        }
        pthread_mutex_unlock(&b->mu);
        if (n > 0) {
            write_all(block, n);
            pthread_mutex_lock(&b->mu);
            b->spare = block;
            pthread_mutex_unlock(&b->mu);
        }
        if (dead) { /* its thread is gone: nothing can append any more */
            pthread_mutex_lock(&W.list_mu);
            for (log_buf **pp = &W.head; *pp; pp = &(*pp)->next)
                if (*pp == b) {
                    *pp = b->next;
                    break;
                }
            pthread_mutex_unlock(&W.list_mu);
            buf_free(b);
        }
        b = next;
    }
}

static void *writer_main(void *arg)
{
    (void)arg;
    for (;;) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_nsec += LOG_INTERVAL_NS;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&W.mu);
        while (!W.kick && !W.stop)
            if (pthread_cond_timedwait(&W.wake, &W.mu, &deadline) == ETIMEDOUT)
                break;
        int stop = W.stop;
        uint64_t req = W.flush_req;
        W.kick = 0;
        pthread_mutex_unlock(&W.mu);
        flush_all();
        pthread_mutex_lock(&W.mu);
        W.flush_done = req;
        pthread_cond_broadcast(&W.done);
        pthread_mutex_unlock(&W.mu);
        if (stop)
            return NULL;
    }
}

int log_start(int fd, size_t buf_bytes)
{
    if (__atomic_load_n(&running, __ATOMIC_ACQUIRE))
        return -1;
    pthread_once(&key_once, key_create);
    struct stat sb;
    W.fd = fd;
    W.chunked = fstat(fd, &sb) == 0 && (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode));
    W.cap = buf_bytes == 0 ? LOG_BUF_DEFAULT : buf_bytes < LOG_BUF_MIN ? LOG_BUF_MIN : buf_bytes;
    W.stop = 0;
    W.kick = 0;
    W.gave_up = 0;
    __atomic_add_fetch(&run_gen, 1, __ATOMIC_ACQ_REL);
    if (pthread_create(&W.thread, NULL, writer_main, NULL) != 0)
        return -1;
    __atomic_store_n(&running, 1, __ATOMIC_RELEASE);
    return 0;
}

void log_flush(void)
{
    if (!__atomic_load_n(&running, __ATOMIC_ACQUIRE))
        return;
    pthread_mutex_lock(&W.mu);
    uint64_t want = ++W.flush_req;
    W.kick = 1;
    pthread_cond_signal(&W.wake);
    while (W.flush_done < want)
        pthread_cond_wait(&W.done, &W.mu);
    pthread_mutex_unlock(&W.mu);
}

void log_stop(void)
{
    if (!__atomic_load_n(&running, __ATOMIC_ACQUIRE))
        return;
    pthread_mutex_lock(&W.mu);
    W.stop = 1;
    pthread_cond_signal(&W.wake);
    pthread_mutex_unlock(&W.mu);
    pthread_join(W.thread, NULL);
    __atomic_store_n(&running, 0, __ATOMIC_RELEASE);
    pthread_mutex_lock(&W.list_mu);
    log_buf *b = W.head;
    W.head = NULL;
    pthread_mutex_unlock(&W.list_mu);
    while (b) {
        log_buf *next = b->next;
        buf_free(b);
        b = next;
    }
    tl_buf = NULL;
}

/* ---- lines ------------------------------------------------------------------------- */

/* A whole line goes to the writer when it runs, else out in one write(2) under a lock. */
static void emit(const char *line, size_t n, int urgent)
{
    if (__atomic_load_n(&running, __ATOMIC_ACQUIRE)) {
        buf_append(line, n, urgent);
        return;
    }
    pthread_mutex_lock(&sync_mu);
    while (n > 0) {
        ssize_t w = write(STDOUT_FILENO, line, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        line += w;
        n -= (size_t)w;
    }
    pthread_mutex_unlock(&sync_mu);
}

void log_event_new(const char *event, json_t *fields)
{
    char ts[32];
    timestamp(ts);
    json_t *line = json_pack("{s:s, s:s}", "ts", ts, "event", event);
    if (line && fields)
        json_object_update(line, fields);
    char *s = line ? json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (s) {
        size_t len = strlen(s);
        s[len] = '\n'; /* over the NUL: s is not used as a string afterwards */
        emit(s, len + 1, 1);
    }
    free(s);
    json_decref(line);
    json_decref(fields);
}

/* Escapes at most max_in bytes of s into out (6 * max_in bytes) with jw_escape (bytes that
 * are not UTF-8 as the text \\xHH). Returns the bytes written; *cut is set when s was
 * longer than max_in. */
static size_t json_escape(char *out, const char *s, size_t max_in, int *cut)
{
    size_t n = strlen(s);
    *cut = n > max_in;
    if (*cut)
        n = max_in;
    /* The leading run of printable ASCII other than '"' and '\\' (a whole usual path) is
     * copied as it is, as jw_escape would write it; jw_escape does the rest, which starts
     * on a character boundary. */
    size_t plain = 0;
    while (plain < n && (unsigned char)s[plain] >= 0x20 && (unsigned char)s[plain] < 0x80 &&
           s[plain] != '"' && s[plain] != '\\')
        plain++;
    memcpy(out, s, plain);
    return plain + jw_escape(out + plain, s + plain, n - plain);
}

#define LOG_METHOD_MAX 32

/* Appends the n bytes of s at *o (the line has room: see log_request). */
static void put(char *line, size_t *o, const char *s, size_t n)
{
    memcpy(line + *o, s, n);
    *o += n;
}

/* Appends u in decimal, at least min_digits digits (zero-padded). */
static void put_uint(char *line, size_t *o, unsigned long long u, int min_digits)
{
    char b[24], *end = b + sizeof b, *p = end;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u || end - p < min_digits);
    put(line, o, p, (size_t)(end - p));
}

#define PUT_LIT(line, o, lit) put(line, o, lit, sizeof lit - 1)

/* Formatted by hand (no printf, no Jansson): this runs once per request. */
void log_request(const char *method, const char *path, unsigned status, size_t bytes,
                 double duration_ms, int completed)
{
    char line[256 + 6 * (LOG_METHOD_MAX + LOG_PATH_MAX)];
    char ts[32];
    int cut_m, cut_p;
    size_t o = 0;
    size_t ts_len = timestamp(ts);
    PUT_LIT(line, &o, "{\"ts\":\"");
    put(line, &o, ts, ts_len);
    PUT_LIT(line, &o, "\",\"event\":\"request\",\"method\":\"");
    o += json_escape(line + o, method ? method : "", LOG_METHOD_MAX, &cut_m);
    PUT_LIT(line, &o, "\",\"path\":\"");
    o += json_escape(line + o, path ? path : "", LOG_PATH_MAX, &cut_p);
    PUT_LIT(line, &o, "\",\"status\":");
    put_uint(line, &o, status, 1);
    PUT_LIT(line, &o, ",\"bytes\":");
    put_uint(line, &o, bytes, 1);
    /* duration_ms with 3 decimals, as %.3f; NaN, negative or absurd values as 0.000 */
    unsigned long long us = duration_ms >= 0 && duration_ms < 1e12
                          ? (unsigned long long)(duration_ms * 1000.0 + 0.5) : 0;
    PUT_LIT(line, &o, ",\"duration_ms\":");
    put_uint(line, &o, us / 1000, 1);
    PUT_LIT(line, &o, ".");
    put_uint(line, &o, us % 1000, 3);
    if (completed)
        PUT_LIT(line, &o, ",\"completed\":true");
    else
        PUT_LIT(line, &o, ",\"completed\":false");
    if (cut_p)
        PUT_LIT(line, &o, ",\"path_truncated\":true");
    PUT_LIT(line, &o, "}\n");
    emit(line, o, 0);
}
