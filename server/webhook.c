/* Webhooks: the listener, the queue and the delivery thread. See webhook.h. */
#include "webhook.h"
#include "fetch.h"
#include "feed.h"
#include "log.h"
#include "publish.h"
#include "render.h"
#include "attrition/stats_diff.h"
#include "attrition/webhook_queue.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WEBHOOK_BATCH 8          /* due deliveries read at once */
#define WEBHOOK_IDLE_S 60        /* longest sleep without news */
#define WEBHOOK_LEASE_S (3 * WEBHOOK_TIMEOUT_S) /* a leased delivery's time to be attempted */

enum hook_kind { HOOK_JSON, HOOK_SLACK, HOOK_DISCORD };

typedef struct hook {
    enum hook_kind kind;
    char *url; /* owned */
} hook;

/* A delivery rendered by the listener, not yet in the database. */
typedef struct pending {
    char *key, *url, *body; /* owned */
} pending;

struct webhook {
    app *a;
    hook hooks[CONFIG_WEBHOOKS_MAX];
    size_t n_hooks;
    pthread_t thread;
    pthread_mutex_t lock;       /* guards what follows */
    pthread_cond_t wake;
    int stopping;
    pending *pend;              /* deliveries handed over by the listener, owned */
    size_t n_pend, cap_pend;
    webhook_stats stats;
};

int webhook_signature(const char *secret, const char *body, size_t len, char out[80])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body, len, md,
             &md_len) == NULL)
        return -1;
    int o = snprintf(out, 80, "sha256=");
    for (unsigned i = 0; i < md_len && o + 3 <= 80; i++)
        o += snprintf(out + o, 80 - (size_t)o, "%02x", md[i]);
    return 0;
}

/* The body for hook h of report rep of s (a new string, caller frees) or NULL. */
static char *hook_body(const hook *h, const stats_snapshot *s, size_t rep)
{
    json_t *j = NULL;
    if (h->kind == HOOK_JSON) {
        char ds[DATE_STR_LEN];
        j = json_pack("{s:s, s:I, s:s, s:o}", "event", "report", "data_version",
                      (json_int_t)s->version, "date", date_format(s->dates[rep], ds),
                      "report", render_daily(s, rep, NULL));
    } else {
        char *text = feed_report_text(s, rep);
        if (text == NULL)
            return NULL;
        char msg[1900]; /* Discord takes 2000 characters at most */
        snprintf(msg, sizeof msg, "Russian losses reported by Ukraine's Ministry of Defence, %s",
                 text);
        free(text);
        j = json_pack("{s:s}", h->kind == HOOK_SLACK ? "text" : "content", msg);
    }
    char *out = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    return out;
}

static void pending_free(pending *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(p[i].key);
        free(p[i].url);
        free(p[i].body);
    }
    free(p);
}

/* Appends the delivery of report rep of s to URL url to the pending list (lock held);
 * takes body. -1 on ENOMEM (body freed). */
static int pend(struct webhook *w, const char *url, const stats_snapshot *s, size_t rep,
                char *body)
{
    if (w->n_pend == w->cap_pend) {
        size_t cap = w->cap_pend ? w->cap_pend * 2 : 16;
        pending *p = realloc(w->pend, cap * sizeof *p);
        if (p == NULL) {
            free(body);
            return -1;
        }
        w->pend = p;
        w->cap_pend = cap;
    }
    char ds[DATE_STR_LEN], *key = NULL, *url_copy = strdup(url);
    if (url_copy == NULL || asprintf(&key, "%s %s %" PRIu64, url, date_format(s->dates[rep], ds),
                                     s->version) < 0) {
        free(url_copy);
        free(body);
        return -1;
    }
    w->pend[w->n_pend++] = (pending){key, url_copy, body};
    return 0;
}

/* The publish listener: renders the bodies of the reports fresh adds or corrects (its
 * newest WEBHOOK_MAX_REPORTS) and hands them to the delivery thread. */
static void on_install(void *ud, const stats_snapshot *old, const stats_snapshot *fresh)
{
    struct webhook *w = ud;
    size_t reps[WEBHOOK_MAX_REPORTS];
    long n = stats_changed_reports(old, fresh, reps, WEBHOOK_MAX_REPORTS);
    if (n <= 0)
        return;
    pthread_mutex_lock(&w->lock);
    for (long i = 0; i < n; i++)
        for (size_t k = 0; k < w->n_hooks; k++) {
            char *body = hook_body(&w->hooks[k], fresh, reps[i]);
            if (body == NULL || pend(w, w->hooks[k].url, fresh, reps[i], body) != 0)
                log_event_new("warning", json_pack("{s:s}", "detail",
                              "out of memory queueing a webhook delivery"));
        }
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
}

/* Writes the pending deliveries to the database queue. */
static void store_pending(struct webhook *w)
{
    pthread_mutex_lock(&w->lock);
    pending *p = w->pend;
    size_t n = w->n_pend;
    w->pend = NULL;
    w->n_pend = w->cap_pend = 0;
    pthread_mutex_unlock(&w->lock);
    if (n == 0)
        return;
    const char **cols = malloc(3 * n * sizeof *cols);
    int rc = STORE_ENOMEM;
    if (cols != NULL) {
        for (size_t i = 0; i < n; i++) {
            cols[i] = p[i].key;
            cols[n + i] = p[i].url;
            cols[2 * n + i] = p[i].body;
        }
        store_lock(w->a->st);
        rc = webhook_queue_add(w->a->st, cols, cols + n, cols + 2 * n, n, (int64_t)time(NULL));
        store_unlock(w->a->st);
    }
    if (rc != STORE_OK)
        log_event_new("error", json_pack("{s:s, s:i}", "detail", "cannot queue webhook "
                      "deliveries in the database; they are lost", "deliveries", (int)n));
    free(cols);
    pending_free(p, n);
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

static int on_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a;
    (void)b;
    (void)c;
    (void)d;
    struct webhook *w = ud;
    return __atomic_load_n(&w->stopping, __ATOMIC_RELAXED) ? 1 : 0;
}

/* POSTs job's body to its URL. Returns 0 for a 2xx, else -1 with why (len bytes). */
static int post(struct webhook *w, const webhook_job *job, char *why, size_t len)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    char sig[96], hdr[128];
    long status = 0;
    int rc = -1;
    if (c == NULL) {
        snprintf(why, len, "cannot start a transfer (out of memory)");
        return -1;
    }
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "X-Attrition-Event: report");
    if (w->a->cfg->webhook_secret[0] &&
        webhook_signature(w->a->cfg->webhook_secret, job->body, strlen(job->body), sig) == 0) {
        snprintf(hdr, sizeof hdr, "X-Attrition-Signature: %s", sig);
        h = curl_slist_append(h, hdr);
    }
    curl_easy_setopt(c, CURLOPT_URL, job->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, job->body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(job->body));
    curl_easy_setopt(c, CURLOPT_USERAGENT, fetch_user_agent());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)WEBHOOK_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)WEBHOOK_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, w);
    CURLcode cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK)
        snprintf(why, len, "%s", curl_easy_strerror(cc));
    else if (status < 200 || status > 299)
        snprintf(why, len, "HTTP %ld", status);
    else
        rc = 0;
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return rc;
}

int64_t webhook_retry_delay(int attempts)
{
    if (attempts >= WEBHOOK_MAX_ATTEMPTS)
        return -1;
    int64_t s = 1;
    for (int i = 1; i < attempts && s < WEBHOOK_BACKOFF_MAX_S; i++)
        s *= 2;
    return s < WEBHOOK_BACKOFF_MAX_S ? s : WEBHOOK_BACKOFF_MAX_S;
}

/* Makes one attempt of job and records its outcome in the queue and the counters. */
static void attempt(struct webhook *w, const webhook_job *job)
{
    char why[256];
    int ok = post(w, job, why, sizeof why) == 0;
    int attempts = job->attempts + 1;
    int64_t delay = webhook_retry_delay(attempts);
    int give_up = !ok && delay < 0;
    store_lock(w->a->st);
    if (ok || give_up)
        webhook_queue_done(w->a->st, job->id, (int64_t)time(NULL));
    else
        webhook_queue_retry(w->a->st, job->id, attempts, (int64_t)time(NULL) + delay, why);
    store_unlock(w->a->st);
    pthread_mutex_lock(&w->lock);
    if (ok)
        w->stats.delivered++;
    else if (give_up)
        w->stats.given_up++;
    else
        w->stats.failed++;
    pthread_mutex_unlock(&w->lock);
    if (!ok) { /* the URL may hold a token: only its scheme and host are logged (never
                * user:password@, which goes before the host) */
        char origin[256];
        size_t scheme = strcspn(job->url, ":") + 3, host = strcspn(job->url + scheme, "/?#");
        const char *h = job->url + scheme, *at = memchr(h, '@', host);
        for (; at != NULL; at = memchr(h, '@', host)) {
            host -= (size_t)(at + 1 - h);
            h = at + 1;
        }
        snprintf(origin, sizeof origin, "%.*s%.*s", (int)scheme, job->url, (int)host, h);
        log_event_new(give_up ? "error" : "warning", json_pack("{s:s, s:s, s:s, s:i}", "detail",
                      give_up ? "webhook delivery given up" : "webhook delivery failed; will retry",
                      "to", origin, "reason", why, "attempts", attempts));
    }
}

/* Makes every due delivery; returns the earliest next_at of what is left (INT64_MAX: none). */
static int64_t deliver_due(struct webhook *w)
{
    int64_t next = INT64_MAX;
    for (;;) {
        webhook_job jobs[WEBHOOK_BATCH];
        size_t n = 0;
        store_lock(w->a->st);
        int rc = webhook_queue_due(w->a->st, (int64_t)time(NULL), WEBHOOK_LEASE_S, WEBHOOK_BATCH,
                                   jobs, &n);
        store_unlock(w->a->st);
        if (rc != STORE_OK)
            n = 0;
        size_t i = 0;
        for (; i < n && !__atomic_load_n(&w->stopping, __ATOMIC_RELAXED); i++)
            attempt(w, &jobs[i]);
        if (i < n) { /* stopping: what was leased and not attempted is due again now */
            store_lock(w->a->st);
            for (; i < n; i++)
                webhook_queue_release(w->a->st, jobs[i].id, (int64_t)time(NULL));
            store_unlock(w->a->st);
        }
        webhook_jobs_free(jobs, n);
        if (n < WEBHOOK_BATCH || __atomic_load_n(&w->stopping, __ATOMIC_RELAXED))
            break;
    }
    store_lock(w->a->st);
    long queued = webhook_queue_length(w->a->st, &next);
    store_unlock(w->a->st);
    pthread_mutex_lock(&w->lock);
    w->stats.queued = queued;
    pthread_mutex_unlock(&w->lock);
    return next;
}

static void *run(void *ud)
{
    struct webhook *w = ud;
    for (;;) {
        store_pending(w);
        int64_t next = deliver_due(w);
        pthread_mutex_lock(&w->lock);
        if (w->stopping) {
            pthread_mutex_unlock(&w->lock);
            break;
        }
        if (w->n_pend == 0) {
            int64_t now = (int64_t)time(NULL);
            int64_t wait = next == INT64_MAX ? WEBHOOK_IDLE_S : next - now;
            if (wait > 0) {
                struct timespec until;
                clock_gettime(CLOCK_REALTIME, &until);
                until.tv_sec += wait < WEBHOOK_IDLE_S ? wait : WEBHOOK_IDLE_S;
                pthread_cond_timedwait(&w->wake, &w->lock, &until);
            }
        }
        pthread_mutex_unlock(&w->lock);
    }
    return NULL;
}

/* Parses cfg->webhooks into w->hooks. 0, or -1 (logged) for an entry that is not an
 * http(s) URL or too many entries. */
static int parse_hooks(struct webhook *w, const char *list)
{
    const char *p = list;
    while (*p) {
        p += strspn(p, " \t\n");
        size_t len = strcspn(p, " \t\n");
        if (len == 0)
            break;
        hook h = {HOOK_JSON, NULL};
        size_t skip = 0;
        if (len > 6 && strncmp(p, "slack:", 6) == 0)
            h.kind = HOOK_SLACK, skip = 6;
        else if (len > 8 && strncmp(p, "discord:", 8) == 0)
            h.kind = HOOK_DISCORD, skip = 8;
        if (w->n_hooks >= CONFIG_WEBHOOKS_MAX ||
            (strncmp(p + skip, "http://", 7) != 0 && strncmp(p + skip, "https://", 8) != 0) ||
            (h.url = strndup(p + skip, len - skip)) == NULL) {
            log_event_new("error", json_pack("{s:s, s:i}", "detail", "webhooks: each entry must be "
                          "an http(s) URL, slack:URL or discord:URL, at most 16 of them; "
                          "webhooks are off", "entry", (int)w->n_hooks + 1));
            return -1;
        }
        w->hooks[w->n_hooks++] = h;
        p += len;
    }
    return 0;
}

static void webhook_free(struct webhook *w)
{
    for (size_t i = 0; i < w->n_hooks; i++)
        free(w->hooks[i].url);
    pending_free(w->pend, w->n_pend);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

struct webhook *webhook_start(app *a)
{
    if (a->cfg->webhooks[strspn(a->cfg->webhooks, " \t\n")] == '\0')
        return NULL;
    struct webhook *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    w->a = a;
    w->stats.queued = -1;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    if (parse_hooks(w, a->cfg->webhooks) != 0) {
        webhook_free(w);
        return NULL;
    }
    if (pthread_create(&w->thread, NULL, run, w) != 0) {
        log_event_new("error", json_pack("{s:s}", "detail", "cannot start the webhook thread"));
        webhook_free(w);
        return NULL;
    }
    if (publish_listen(a, on_install, w) != 0) {
        log_event_new("error", json_pack("{s:s}", "detail", "webhooks: no room for a listener"));
        webhook_stop(w);
        return NULL;
    }
    log_event_new("webhooks", json_pack("{s:i, s:b}", "urls", (int)w->n_hooks, "signed",
                                        a->cfg->webhook_secret[0] != '\0'));
    return w;
}

void webhook_stop(struct webhook *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->lock);
    __atomic_store_n(&w->stopping, 1, __ATOMIC_RELAXED);
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    store_pending(w); /* handed over but not yet queued: kept for the next start */
    webhook_free(w);
}

void webhook_get_stats(struct webhook *w, webhook_stats *out)
{
    memset(out, 0, sizeof *out);
    out->queued = -1;
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->lock);
    *out = w->stats;
    pthread_mutex_unlock(&w->lock);
}
