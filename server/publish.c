/* Publishing committed changes: the publish thread, writers' waits, listeners. See publish.h. */
#include "publish.h"
#include "log.h"
#include "reply.h"
#include "warm.h"

#include "attrition/sync_state.h"
#include "attrition/watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A request waiting for its write to be published (owned by the request: req->wait). */
struct publish_wait {
    struct MHD_Connection *conn;   /* suspended until published */
    uint64_t version;              /* the data version its write committed */
    int status;                    /* STORE_OK, or the failed load's status */
    publish_answer answer;
    void *state;
    void (*state_free)(void *);
    struct publish_wait *next;     /* in the publisher's pending list */
};

struct publisher {
    app *a;
    pthread_mutex_t mu;            /* guards pending, notified, stopping, running */
    pthread_cond_t cond;           /* signalled by publish_notify and publish_stop */
    pthread_mutex_t load_mu;       /* serialises publications and the use of w */
    pthread_t thread;
    int running;                   /* 1 while the thread takes waits */
    int stopping;
    int notified;                  /* a commit was announced since the last publication */
    int failing;                   /* 1 after a logged failure, until one succeeds */
    int64_t down_since;            /* the outage being logged (store_down_since), or 0 */
    struct publish_wait *pending;  /* suspended writers, in no particular order */
    watch *w;                      /* own read-only connection, or NULL: load on a->st */
    long delay_ms;                 /* ATTRITION_TEST_PUBLISH_DELAY_MS: tests only */
    long tick_ms;                  /* PUBLISH_TICK_MS, or PUBLISH_TICK_PG_MS */
    publish_listener fns[PUBLISH_MAX_LISTENERS];
    void *uds[PUBLISH_MAX_LISTENERS];
    size_t n_listeners;
};

/* a->pub, made on first use (before serving: not thread-safe). NULL when memory is short. */
static struct publisher *pub_of(app *a)
{
    if (a->pub != NULL)
        return a->pub;
    struct publisher *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->a = a;
    pthread_mutex_init(&p->mu, NULL);
    pthread_mutex_init(&p->load_mu, NULL);
    pthread_cond_init(&p->cond, NULL);
    const char *delay = getenv("ATTRITION_TEST_PUBLISH_DELAY_MS");
    p->delay_ms = delay ? strtol(delay, NULL, 10) : 0;
    p->tick_ms = strcmp(store_backend_name(a->cfg->db), "postgresql") == 0 ? PUBLISH_TICK_PG_MS
                                                                           : PUBLISH_TICK_MS;
    a->pub = p;
    return p;
}

int publish_listen(app *a, publish_listener fn, void *ud)
{
    struct publisher *p = pub_of(a);
    if (p == NULL)
        return -1;
    int rc = -1;
    pthread_mutex_lock(&p->mu); /* the publish thread may be running (it copies the table) */
    if (p->n_listeners < PUBLISH_MAX_LISTENERS) {
        p->fns[p->n_listeners] = fn;
        p->uds[p->n_listeners++] = ud;
        rc = 0;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

/* Resumes every pending writer whose version is at most `upto` (all of them when all is
 * set) with status. Takes p->mu. */
static void resume_waiters(struct publisher *p, uint64_t upto, int all, int status)
{
    pthread_mutex_lock(&p->mu);
    for (struct publish_wait **pw = &p->pending; *pw;) {
        struct publish_wait *w = *pw;
        if (!all && w->version > upto) {
            pw = &w->next;
            continue;
        }
        *pw = w->next;
        w->next = NULL;
        w->status = status;
        MHD_resume_connection(w->conn); /* its worker thread runs publish_resumed */
    }
    pthread_mutex_unlock(&p->mu);
}

static int has_waiters(struct publisher *p)
{
    pthread_mutex_lock(&p->mu);
    int any = p->pending != NULL;
    pthread_mutex_unlock(&p->mu);
    return any;
}

static int newer_announced(struct publisher *p)
{
    pthread_mutex_lock(&p->mu);
    int any = p->notified;
    pthread_mutex_unlock(&p->mu);
    return any;
}

/* The stored data version and sync summary (*have_sum: read or not), then, when the version
 * differs from cur's (cur NULL: always), the new snapshot into *fresh (else *fresh NULL).
 * On the publisher's own connection (own: one read transaction for the snapshot), or on
 * a->st under the store lock. Returns STORE_OK or a store status. */
static int load_on(struct publisher *p, int own, const stats_snapshot *cur,
                   stats_snapshot **fresh, sync_state_summary *sum, int *have_sum)
{
    store *st = own ? watch_store(p->w) : p->a->st;
    int rc = STORE_OK;
    *fresh = NULL;
    if (!own)
        store_lock(st);
    *have_sum = sync_state_summary_get(st, sum) == STORE_OK;
    if (cur == NULL || store_data_version(st) != cur->version)
        rc = own ? watch_snapshot_load(p->w, fresh) : store_snapshot_load(st, fresh);
    if (!own)
        store_unlock(st);
    if (rc != STORE_OK)
        *fresh = NULL;
    return rc;
}

/* load_on the publisher's connection; when that one cannot reach a shared store (it may still
 * be in its reconnect backoff after an outage while a writer just committed through a->st),
 * on a->st under the store lock. */
static int load(struct publisher *p, const stats_snapshot *cur, stats_snapshot **fresh,
                sync_state_summary *sum, int *have_sum)
{
    int rc = load_on(p, p->w != NULL, cur, fresh, sum, have_sum);
    if (rc == STORE_EUNAVAILABLE && p->w != NULL)
        rc = load_on(p, 0, cur, fresh, sum, have_sum);
    return rc;
}

/* Makes fresh current (a's reference taken) and returns the snapshot it replaced (the
 * caller's reference, NULL at start). */
static stats_snapshot *install(app *a, stats_snapshot *fresh)
{
    stats_snapshot_ref(fresh);
    pthread_mutex_lock(&a->snap_lock);
    stats_snapshot *old = a->snap;
    a->snap = fresh;
    __atomic_store_n(&a->version, fresh->version, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&a->snap_lock);
    return old;
}

/* One publication (p->load_mu held): load what is committed, install it when it is new,
 * answer the writers it covers, tell the listeners, warm. Returns STORE_OK or the load's
 * status (then every waiting writer is answered with it). */
static int publish_once(struct publisher *p)
{
    app *a = p->a;
    sync_state_summary sum;
    int have_sum = 0;
    stats_snapshot *fresh = NULL, *cur = a->snap ? app_snapshot(a) : NULL;
    int rc = load(p, cur, &fresh, &sum, &have_sum);
    if (have_sum)
        app_sync_summary_set(a, &sum);
    if (rc != STORE_OK) {
        if (!p->failing && rc != STORE_EUNAVAILABLE) /* an outage: logged by note_store */
            log_event_new("warning", json_pack("{s:s, s:i}", "detail", "cannot load the "
                          "committed data; the served snapshot stays until a later try works",
                          "store_status", rc));
        p->failing = 1;
        resume_waiters(p, 0, 1, rc);
        stats_snapshot_unref(cur);
        return rc;
    }
    p->failing = 0;
    if (fresh == NULL || (cur != NULL && fresh->version == cur->version)) {
        resume_waiters(p, cur ? cur->version : 0, 0, STORE_OK);
        stats_snapshot_unref(fresh);
        stats_snapshot_unref(cur);
        return STORE_OK;
    }
    int writers = has_waiters(p);
    if (!writers)
        warm_snapshot(a, fresh); /* old answers serve meanwhile; the first request hits */
    stats_snapshot *old = install(a, fresh);
    resume_waiters(p, fresh->version, 0, STORE_OK);
    publish_listener fns[PUBLISH_MAX_LISTENERS];
    void *uds[PUBLISH_MAX_LISTENERS];
    pthread_mutex_lock(&p->mu);
    size_t n = p->n_listeners;
    memcpy(fns, p->fns, sizeof fns);
    memcpy(uds, p->uds, sizeof uds);
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; i < n; i++)
        fns[i](uds[i], old, fresh);
    if (old != NULL)
        log_event_new("data_changed", json_pack("{s:I, s:I}", "from_version",
                      (json_int_t)old->version, "data_version", (json_int_t)fresh->version));
    if (writers && !newer_announced(p))
        warm_snapshot(a, fresh); /* the writers were answered first */
    stats_snapshot_unref(old);
    stats_snapshot_unref(fresh);
    stats_snapshot_unref(cur);
    return STORE_OK;
}

int publish_now(app *a)
{
    struct publisher *p = pub_of(a);
    if (p == NULL)
        return STORE_ENOMEM;
    pthread_mutex_lock(&p->load_mu);
    int rc = publish_once(p);
    pthread_mutex_unlock(&p->load_mu);
    return rc;
}

/* Follows the store's reachability on the publisher's connection after a poll (poll_rc:
 * watch_poll's result; store_down_since says more): logs "store_unreachable" once when an outage begins and "store_reachable"
 * (with its length) when it ends, tells the app (/readyz, /metrics, the writes' 503), and at
 * the end checks a->st too (a connection idle through a restart would fail the next write).
 * The reconnects themselves happen in the backend, at most once per backoff interval
 * (core/db_pg.c: 250 ms doubling to 5 s), so polling every tick costs nothing meanwhile. */
static void note_store(struct publisher *p, int poll_rc)
{
    app *a = p->a;
    int64_t down = store_down_since(watch_store(p->w));
    if (down == 0 && poll_rc == STORE_EUNAVAILABLE)
        down = (int64_t)time(NULL);
    if (down != 0 && p->down_since == 0) {
        char target[1024];
        store_target_redacted(a->cfg->db, target, sizeof target);
        log_event_new("store_unreachable", json_pack("{s:s, s:s, s:I, s:s}", "detail",
                      "the store cannot be reached: reads answer from the last data, writes get "
                      "503 until it is back", "backend", store_backend_name(a->cfg->db),
                      "since", (json_int_t)down, "db", target));
        p->down_since = down;
    } else if (down == 0 && p->down_since != 0) {
        store_lock(a->st);
        int main_rc = store_reconnect(a->st);
        store_unlock(a->st);
        log_event_new("store_reachable", json_pack("{s:s, s:I, s:s}", "backend",
                      store_backend_name(a->cfg->db), "down_seconds",
                      (json_int_t)(time(NULL) - p->down_since), "writes",
                      main_rc == STORE_OK ? "ok" : "reconnecting"));
        p->down_since = 0;
    }
    app_store_set_down(a, p->down_since);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* The publish thread: waits for a notice or a tick, polls, publishes. On stop, publishes
 * once more for the writers still waiting, answers any left with an error, and ends. */
static void *publish_thread(void *arg)
{
    struct publisher *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (!p->notified && !p->stopping) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += p->tick_ms * 1000000L;
            until.tv_sec += until.tv_nsec / 1000000000L;
            until.tv_nsec %= 1000000000L;
            pthread_cond_timedwait(&p->cond, &p->mu, &until);
        }
        int notified = p->notified, stop = p->stopping, waiting = p->pending != NULL;
        p->notified = 0;
        pthread_mutex_unlock(&p->mu);
        int changed = 0;
        pthread_mutex_lock(&p->load_mu);
        if (p->w != NULL) {
            int prc = watch_poll(p->w, &changed);
            note_store(p, prc);
            if (prc != 0)
                changed = p->down_since == 0; /* cannot tell: let the load say, unless the
                                               * store is away (the old snapshot stays) */
        }
        if (notified && p->delay_ms > 0)
            sleep_ms(p->delay_ms); /* tests: a publication held mid-way */
        if (notified || changed || (stop && waiting))
            publish_once(p);
        pthread_mutex_unlock(&p->load_mu);
        pthread_mutex_lock(&p->mu);
        if (stop)
            break;
    }
    p->running = 0; /* publish_await publishes on its caller's thread from now on */
    pthread_mutex_unlock(&p->mu);
    pthread_mutex_lock(&p->load_mu);
    if (has_waiters(p)) /* listed after the last publication */
        publish_once(p);
    pthread_mutex_unlock(&p->load_mu);
    resume_waiters(p, 0, 1, STORE_EDB); /* none is left unless that load failed */
    return NULL;
}

int publish_start(app *a)
{
    char err[768];
    struct publisher *p = pub_of(a);
    if (p == NULL)
        return STORE_ENOMEM;
    int rc = publish_now(a);
    if (rc != STORE_OK)
        return rc;
    if (a->snap == NULL)
        return STORE_EDB;
    if (watch_open(a->cfg->db, &p->w, err, sizeof err) != 0) {
        p->w = NULL;
        log_event_new("warning", json_pack("{s:s, s:s}", "detail", "cannot open a second "
                      "connection to the database: changes by other processes will not be "
                      "seen, and writes are loaded under the store lock", "reason", err));
    }
    p->running = 1;
    if (pthread_create(&p->thread, NULL, publish_thread, p) != 0) {
        p->running = 0;
        log_event_new("warning", json_pack("{s:s}", "detail", "cannot start the publish "
                      "thread: writes publish on their own threads"));
    }
    return STORE_OK;
}

void publish_stop(app *a)
{
    struct publisher *p = a->pub;
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    int running = p->running;
    p->stopping = 1;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->mu);
    if (running)
        pthread_join(p->thread, NULL);
}

void publish_free(app *a)
{
    struct publisher *p = a->pub;
    if (p == NULL)
        return;
    publish_stop(a);
    watch_close(p->w);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->mu);
    pthread_mutex_destroy(&p->load_mu);
    free(p);
    a->pub = NULL;
}

void publish_notify(app *a)
{
    struct publisher *p = a->pub;
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    p->notified = 1;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->mu);
}

void publish_wait_free(struct publish_wait *w)
{
    if (w == NULL)
        return;
    if (w->state_free)
        w->state_free(w->state);
    free(w);
}

enum MHD_Result publish_await(request *req, uint64_t version, publish_answer answer,
                              void *state, void (*state_free)(void *))
{
    app *a = req->app;
    struct publisher *p = a->pub;
    stats_snapshot *s = app_snapshot(a);
    int served = s->version >= version;
    stats_snapshot_unref(s);
    struct publish_wait *w = NULL;
    if (!served && p != NULL && req->conn != NULL && (w = calloc(1, sizeof *w)) != NULL) {
        pthread_mutex_lock(&p->mu);
        if (p->running) {
            /* Suspended before it is listed: the thread resumes only listed waits. */
            MHD_suspend_connection(req->conn);
            *w = (struct publish_wait){req->conn, version, STORE_OK, answer, state, state_free,
                                       p->pending};
            p->pending = w;
            p->notified = 1;
            req->wait = w;
            pthread_cond_signal(&p->cond);
            pthread_mutex_unlock(&p->mu);
            return reply_taken(req, MHD_YES); /* answered when resumed (publish_resumed) */
        }
        pthread_mutex_unlock(&p->mu);
        free(w);
    }
    int status = served ? STORE_OK : publish_now(a);
    enum MHD_Result res = answer(req, state, status);
    if (state_free)
        state_free(state);
    return res;
}

enum MHD_Result publish_resumed(request *req)
{
    struct publish_wait *w = req->wait;
    req->wait = NULL;
    enum MHD_Result res = w->answer(req, w->state, w->status);
    publish_wait_free(w);
    return res;
}
