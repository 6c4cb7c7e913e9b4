/* GET /v1/events: the hub of Server-Sent Events. See events.h. */
#include "events.h"
#include "handlers.h"
#include "publish.h"
#include "render.h"
#include "reply.h"
#include "ticker.h"
#include "attrition/stats_diff.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

/* One event as sent: "id: V\nevent: NAME\ndata: JSON\n\n". */
typedef struct frame {
    uint64_t version;
    char *text; /* owned */
    size_t len;
} frame;

typedef struct sub {
    struct events *ev;
    struct MHD_Connection *conn;
    uint64_t seq;        /* the next frame to send (a position in the hub's sequence) */
    size_t off;          /* bytes of that frame already sent */
    uint64_t beats;      /* heartbeats already sent */
    size_t hello;        /* bytes of the opening lines already sent */
    int suspended;       /* 1 while its connection is suspended by sub_read */
    int dirty;           /* its reader's buffer may hold whole pages not given back (sub_read) */
    struct sub *prev, *next;
} sub;

struct events {
    app *a;
    pthread_mutex_t lock;      /* guards everything below */
    frame ring[EVENTS_RING];   /* frame of sequence number s at ring[s % EVENTS_RING] */
    uint64_t next_seq;         /* sequence number of the next frame published */
    uint64_t beats;            /* heartbeats so far */
    sub *subs;                 /* every open subscription */
    size_t n_subs, limit;
    int closing;
    uint64_t deploy_version;   /* of the last snapshot seen */
    unsigned long long published, dropped, refused;
    struct ticker *ticker;
    size_t page;               /* the system's page size */
};

static const char hello_text[] = "retry: 3000\n: attrition events\n\n";
static const char beat_text[] = ": keep-alive\n\n";

static uint64_t oldest_seq(const struct events *ev)
{
    return ev->next_seq > EVENTS_RING ? ev->next_seq - EVENTS_RING : 0;
}

/* Resumes every suspended subscriber (lock held). */
static void wake_all(struct events *ev)
{
    for (sub *s = ev->subs; s; s = s->next)
        if (s->suspended) {
            s->suspended = 0;
            MHD_resume_connection(s->conn);
        }
}

/* Copies up to max bytes of text (len) from *done on into buf; returns the count. */
static size_t take(char *buf, size_t max, const char *text, size_t len, size_t *done)
{
    size_t n = len - *done < max ? len - *done : max;
    memcpy(buf, text + *done, n);
    *done += n;
    return n;
}

/* The whole pages of a reader's buffer buf (max bytes): [*lo, *hi), empty when it spans
 * none (a non-chunked stream's small block, HTTP/1.0). For a chunked stream buf is
 * libmicrohttpd's write buffer, nearly all of the connection's memory pool. */
static void whole_pages(const char *buf, size_t max, size_t page, uintptr_t *lo, uintptr_t *hi)
{
    *lo = ((uintptr_t)buf + page - 1) / page * page;
    *hi = ((uintptr_t)buf + max) / page * page;
    if (*hi < *lo)
        *hi = *lo;
}

/* The bytes the reader of s has to send, counted up to a little over cap (lock held). */
static size_t pending_bytes(const struct events *ev, const sub *s, size_t cap)
{
    size_t n = sizeof hello_text - 1 - s->hello, off = s->off;
    for (uint64_t q = s->seq; q < ev->next_seq && n <= cap; q++, off = 0)
        n += ev->ring[q % EVENTS_RING].len - off;
    return n;
}

/* The content reader of a subscription (MHD_ContentReaderCallback): what is pending from
 * the subscriber's cursor on, a heartbeat, or nothing: then the connection is suspended
 * until wake_all.
 *
 * Memory of an idle subscriber: before it suspends, the reader gives the whole pages of its
 * buffer back to the kernel (madvise MADV_DONTNEED), so that the connection keeps resident
 * only the pool's first and last pages (the request head, libmicrohttpd's records of its
 * headers) instead of the ~16 KiB of a 24 KiB pool it has touched: libmicrohttpd zeroes the
 * read buffer, half the pool, when it shrinks it before the answer. The buffer is ours to
 * write until the reader returns, and libmicrohttpd sends only the bytes the reader
 * reports, so on its private anonymous pages the madvise is the same as writing zeros
 * (what the pool holds there anyway), without the memory.
 * To keep that off the fan-out, less than a page pending (a live event, a heartbeat) is
 * written within the start of buf before its first whole page, which stays resident, in
 * several chunks if need be, when that holds EVENTS_MIN_ROOM bytes: writing further would
 * fault a page in only to give it back, and each madvise's TLB flush interrupts the CPUs
 * running the other threads (costly in a VM). A replay writes freely, then gives its pages
 * back. libmicrohttpd ends each chunk with CRLF after the data, hence the 2 kept free. */
static ssize_t sub_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    sub *s = cls;
    struct events *ev = s->ev;
    uintptr_t lo, hi;
    whole_pages(buf, max, ev->page, &lo, &hi);
    size_t n = 0, lim = max, room = hi > lo ? (size_t)(lo - (uintptr_t)buf) : max;
    pthread_mutex_lock(&ev->lock);
    if (ev->closing) {
        pthread_mutex_unlock(&ev->lock);
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    if (s->seq < oldest_seq(ev)) { /* more than EVENTS_RING events behind: dropped */
        ev->dropped++;
        pthread_mutex_unlock(&ev->lock);
        return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    if (hi > lo && room >= EVENTS_MIN_ROOM + 2 && pending_bytes(ev, s, ev->page) <= ev->page)
        lim = room - 2;
    if (s->hello < sizeof hello_text - 1)
        n += take(buf, lim, hello_text, sizeof hello_text - 1, &s->hello);
    while (n < lim && s->seq < ev->next_seq) {
        const frame *f = &ev->ring[s->seq % EVENTS_RING];
        n += take(buf + n, lim - n, f->text, f->len, &s->off);
        if (s->off == f->len) {
            s->seq++;
            s->off = 0;
        }
    }
    if (n == 0 && s->beats < ev->beats && lim >= sizeof beat_text - 1) {
        memcpy(buf, beat_text, sizeof beat_text - 1);
        n = sizeof beat_text - 1;
        s->beats = ev->beats;
    }
    int release = n == 0 && s->dirty && hi > lo;
    if (n == 0) {
        s->suspended = 1;
        MHD_suspend_connection(s->conn);
    }
    if (n > 0 && n + 2 > room) /* this chunk reaches into the whole pages */
        s->dirty = 1;
    else if (release)
        s->dirty = 0;
    pthread_mutex_unlock(&ev->lock);
    /* After the unlock: a resume from another thread is acted on by this connection's own
     * thread, the one running this reader, so nothing writes into buf meanwhile. A failure
     * only keeps the pages. */
    if (release)
        (void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
    return (ssize_t)n;
}

/* The response's free callback: the connection is done with the subscription. */
static void sub_free(void *cls)
{
    sub *s = cls;
    struct events *ev = s->ev;
    pthread_mutex_lock(&ev->lock);
    if (s->prev)
        s->prev->next = s->next;
    else
        ev->subs = s->next;
    if (s->next)
        s->next->prev = s->prev;
    ev->n_subs--;
    pthread_mutex_unlock(&ev->lock);
    free(s);
}

/* Appends frames (owned, n of them) to the ring (lock held), releasing those they push out. */
static void ring_push(struct events *ev, frame *frames, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        frame *slot = &ev->ring[ev->next_seq % EVENTS_RING];
        free(slot->text);
        *slot = frames[i];
        ev->next_seq++;
        ev->published++;
    }
}

/* A frame of event `name` with data (a JSON text) for version; 0 or -1 (ENOMEM). */
static int frame_make(frame *f, uint64_t version, const char *name, const char *data)
{
    f->version = version;
    int len = asprintf(&f->text, "id: %" PRIu64 "\nevent: %s\ndata: %s\n\n", version, name, data);
    if (len < 0) {
        f->text = NULL;
        return -1;
    }
    f->len = (size_t)len;
    return 0;
}

/* The publish listener: the frames of what fresh changed, rendered once, then pushed and
 * every suspended subscriber woken. Runs on the installing thread; renders at most
 * EVENTS_RING reports (a whole import: its newest reports). */
static void on_install(void *ud, const stats_snapshot *old, const stats_snapshot *fresh)
{
    struct events *ev = ud;
    size_t reps[EVENTS_RING];
    frame frames[EVENTS_RING + 1];
    size_t n = 0;
    long changed = stats_changed_reports(old, fresh, reps, EVENTS_RING);
    for (long i = 0; i < changed; i++) {
        json_t *j = render_daily(fresh, reps[i], NULL);
        char *data = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        if (data && frame_make(&frames[n], fresh->version, "report", data) == 0)
            n++;
        free(data);
        json_decref(j);
    }
    int deploy = old != NULL && fresh->deploy_version != old->deploy_version;
    if (deploy) {
        char data[128];
        snprintf(data, sizeof data, "{\"data_version\":%" PRIu64 ",\"deployments_version\":%"
                 PRIu64 ",\"href\":\"/v1/deployments\"}", fresh->version, fresh->deploy_version);
        if (frame_make(&frames[n], fresh->version, "deployment", data) == 0)
            n++;
    }
    pthread_mutex_lock(&ev->lock);
    /* the ring keeps its last EVENTS_RING frames: push only the newest of a larger batch */
    ring_push(ev, frames, n);
    ev->deploy_version = fresh->deploy_version;
    if (n > 0 && !ev->closing)
        wake_all(ev);
    pthread_mutex_unlock(&ev->lock);
}

static void heartbeat(void *ud, volatile int *stopping)
{
    (void)stopping;
    struct events *ev = ud;
    pthread_mutex_lock(&ev->lock);
    ev->beats++;
    if (!ev->closing)
        wake_all(ev);
    pthread_mutex_unlock(&ev->lock);
}

struct events *events_new(app *a)
{
    struct events *ev = calloc(1, sizeof *ev);
    if (ev == NULL)
        return NULL;
    ev->a = a;
    long page = sysconf(_SC_PAGESIZE);
    ev->page = page > 0 ? (size_t)page : 4096;
    /* A subscriber holds a connection for as long as it stays: at most half of conn_limit,
     * so that streams never take every connection and leave other requests unanswered. */
    ev->limit = (size_t)a->cfg->events_limit;
    if (ev->limit > (size_t)a->cfg->conn_limit / 2)
        ev->limit = (size_t)a->cfg->conn_limit / 2;
    pthread_mutex_init(&ev->lock, NULL);
    stats_snapshot *s = app_snapshot(a);
    ev->deploy_version = s->deploy_version;
    stats_snapshot_unref(s);
    if (publish_listen(a, on_install, ev) != 0 ||
        (ev->ticker = ticker_start(EVENTS_HEARTBEAT_MS, 0, heartbeat, ev)) == NULL) {
        pthread_mutex_destroy(&ev->lock);
        free(ev);
        return NULL;
    }
    return ev;
}

void events_close(struct events *ev)
{
    if (ev == NULL)
        return;
    pthread_mutex_lock(&ev->lock);
    ev->closing = 1;
    for (sub *s = ev->subs; s; s = s->next)
        if (s->suspended) {
            s->suspended = 0;
            MHD_resume_connection(s->conn);
        }
    pthread_mutex_unlock(&ev->lock);
}

void events_free(struct events *ev)
{
    if (ev == NULL)
        return;
    ticker_stop(ev->ticker);
    for (size_t i = 0; i < EVENTS_RING; i++)
        free(ev->ring[i].text);
    pthread_mutex_destroy(&ev->lock);
    free(ev);
}

void events_get_stats(struct events *ev, events_stats *out)
{
    memset(out, 0, sizeof *out);
    if (ev == NULL)
        return;
    pthread_mutex_lock(&ev->lock);
    out->subscribers = ev->n_subs;
    out->published = ev->published;
    out->dropped = ev->dropped;
    out->refused = ev->refused;
    pthread_mutex_unlock(&ev->lock);
}

/* The first frame a client that last saw version `last` has not seen: the oldest kept
 * frame of a later version (lock held). */
static uint64_t replay_from(const struct events *ev, uint64_t last)
{
    uint64_t q = oldest_seq(ev);
    while (q < ev->next_seq && ev->ring[q % EVENTS_RING].version <= last)
        q++;
    return q;
}

/* Parses Last-Event-ID (decimal data version); 0 when absent, -1 when not a version. */
static int last_event_id(request *req, uint64_t *last, int *has)
{
    const char *v = req_header(req, "Last-Event-ID");
    *has = 0;
    if (v == NULL || *v == '\0')
        return 0;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || end == v || *end || *v == '-')
        return -1;
    *last = x;
    *has = 1;
    return 0;
}

/* Registers a subscriber of conn (its cursor: after `last` when has_last, else now).
 * NULL when closing or over the limit (*full set) or out of memory. */
static sub *subscribe(struct events *ev, struct MHD_Connection *conn, int has_last,
                      uint64_t last, int *full)
{
    sub *s = calloc(1, sizeof *s);
    *full = 0;
    if (s == NULL)
        return NULL;
    pthread_mutex_lock(&ev->lock);
    if (ev->closing || ev->n_subs >= ev->limit) {
        ev->refused++;
        *full = 1;
        pthread_mutex_unlock(&ev->lock);
        free(s);
        return NULL;
    }
    s->ev = ev;
    s->conn = conn;
    s->seq = has_last ? replay_from(ev, last) : ev->next_seq;
    s->beats = ev->beats;
    s->dirty = 1; /* libmicrohttpd zeroed the read buffer (half the pool) */
    s->next = ev->subs;
    if (ev->subs)
        ev->subs->prev = s;
    ev->subs = s;
    ev->n_subs++;
    pthread_mutex_unlock(&ev->lock);
    return s;
}

enum MHD_Result handle_events(request *req)
{
    struct events *ev = req->app->events;
    enum MHD_Result res = MHD_NO;
    uint64_t last = 0;
    int has_last, full;
    if (reply_acceptable(req, "text/event-stream", &res) != 0)
        return res;
    if (last_event_id(req, &last, &has_last) != 0)
        return reply_problem(req, MHD_HTTP_BAD_REQUEST, "Last-Event-ID must be a data version "
                             "(a decimal integer) as sent in an event's id field");
    if (ev == NULL || req->conn == NULL)
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "events are not available");
    sub *s = subscribe(ev, req->conn, has_last, last, &full);
    if (s == NULL) {
        reply_add_header(req, MHD_HTTP_HEADER_RETRY_AFTER, "30");
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, full ? "the server has as many "
                             "event subscribers as it allows (%zu) or is stopping; retry later"
                             : "out of memory", ev->limit);
    }
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, EVENTS_BLOCK,
                                                                  sub_read, s, sub_free);
    if (resp == NULL) {
        sub_free(s);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream; charset=utf-8");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(resp, "Access-Control-Allow-Origin", req->app->cfg->cors_origin);
    MHD_add_response_header(resp, "X-Accel-Buffering", "no"); /* nginx: pass events at once */
    /* a stream that ends (SIGTERM) closes its connection: draining need not wait for it */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    res = MHD_queue_response(req->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp); /* sub_free runs when the connection lets go of it */
    req->status = MHD_HTTP_OK;
    req->bytes = 0;
    return reply_taken(req, res); /* a stream, not a value: the pipeline sends nothing */
}
