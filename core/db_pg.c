/* The PostgreSQL backend of the storage seam (core/db.h), on libpq.
 *
 * Statements: core's ?N placeholders become $N (outside literals and comments); arguments
 * go as text with explicit types (TEXT, INT8), so the server never guesses a parameter's
 * type. Each distinct SQL text is prepared once per connection (PQprepare, then
 * PQexecPrepared, at the first step), at most PG_CACHE_MAX of them; beyond that,
 * PQexecParams. db_prepare itself never talks to the server. (Measured: 20,000 upserts cost
 * the server 0.5 s of CPU prepared, 0.75-1.0 s through PQexecParams.) Results are read
 * whole (PQexecPrepared returns every row) and walked by db_step.
 *
 * The connection: the target goes to PQconnectdbParams untouched (expand_dbname), after
 * defaults of our own that the target and the libpq environment override: connect_timeout
 * 5 s and TCP keepalives / tcp_user_timeout so that a dead server is noticed in seconds.
 * A lost connection is re-established lazily: a call tries PQreset at most once per backoff
 * interval (250 ms doubling to 5 s) and otherwise answers STORE_EUNAVAILABLE at once. Every
 * connection LISTENs on "attrition": db_notify's pg_notify is delivered at commit, and after
 * a reconnect db_changed answers 1 once (notifications sent meanwhile were lost).
 *
 * Messages never hold the password: every message is scrubbed of the target's password,
 * PGPASSWORD's and the one libpq used (a password file's). */

#include "db_pg.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attrition/stats.h"
#include "attrition/store.h"

#ifndef PG_CACHE_MAX
#define PG_CACHE_MAX 256
#endif
#define PG_BACKOFF_MIN_MS 250
#define PG_BACKOFF_MAX_MS 5000
#define PG_SECRETS 3
#define OID_INT8 20
#define OID_TEXT 25
#define OID_BOOL 16

typedef struct pg_db pg_db;
typedef struct pg_stmt pg_stmt;

struct pg_cached {
    char *sql;          /* the translated text, a NUL, the parameter types ('t'/'i') (owned) */
    unsigned long hash;
    char name[16];
};

struct pg_db {
    struct db base;            /* first: db.c finds the vtable here */
    PGconn *conn;
    int flags;
    int status;
    char msg[512];
    char *secret[PG_SECRETS];  /* passwords to scrub from messages (owned) */
    int64_t down_since;        /* unix seconds; 0 while connected */
    int64_t next_try_ms;       /* monotonic: no reconnect attempt before */
    int backoff_ms;
    int missed;                /* reconnected: db_changed answers 1 once */
    int in_tx;                 /* inside a transaction after the last call that worked */
    int tx_lost;               /* the connection died inside one: every call fails until
                                * db_rollback, so that nothing runs outside it */
    struct pg_cached *cache;
    size_t ncache;
    unsigned next_name;
};

struct pg_stmt {
    struct db_stmt base;       /* first */
    pg_db *d;
    char *sql;                 /* translated (owned) */
    const char *name;          /* prepared statement's name (the cache's), or NULL */
    int nparams;
    char **values;
    Oid *types;
    PGresult *res;
    int row;                   /* current row; -1 before the first step */
    int ran;
    int64_t changes;
};

static int pg_in_transaction(db *h);
static void pg_close(db *h);
static void pg_rollback(db *h);

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static void add_secret(pg_db *d, const char *pw)
{
    if (!pw || !*pw)
        return;
    for (int i = 0; i < PG_SECRETS; i++) {
        if (d->secret[i] && strcmp(d->secret[i], pw) == 0)
            return;
        if (!d->secret[i]) {
            d->secret[i] = dup_str(pw);
            return;
        }
    }
}

/* Replaces every occurrence of each secret in buf (len bytes) with "****", truncating. */
static void scrub(char *const *secret, int n, char *buf, size_t len)
{
    for (int i = 0; i < n; i++) {
        const char *s = secret[i];
        if (!s || !*s || !strstr(buf, s))
            continue;
        size_t sl = strlen(s), o = 0;
        char *tmp = malloc(len);
        if (!tmp) {
            snprintf(buf, len, "(message withheld: it named a password)");
            return;
        }
        for (const char *p = buf; *p && o + 1 < len;) {
            if (strncmp(p, s, sl) == 0) {
                for (int k = 0; k < 4 && o + 1 < len; k++)
                    tmp[o++] = '*';
                p += sl;
            } else {
                tmp[o++] = *p++;
            }
        }
        tmp[o] = '\0';
        memcpy(buf, tmp, o + 1);
        free(tmp);
    }
}

/* Copies a libpq message into buf: lines joined by "; ", trailing space dropped, scrubbed. */
static void copy_msg(char *const *secret, int n, char *buf, size_t len, const char *msg)
{
    size_t o = 0;
    if (!msg || !*msg)
        msg = "PostgreSQL failed (no message)";
    for (const char *p = msg; *p && o + 3 < len; p++) {
        if (*p == '\n') {
            while (p[1] == ' ' || p[1] == '\t')   /* libpq indents its hints */
                p++;
            if (p[1] && p[1] != '\n') {
                buf[o++] = ';';
                buf[o++] = ' ';
            }
        } else {
            buf[o++] = *p;
        }
    }
    while (o > 0 && (buf[o - 1] == ' ' || buf[o - 1] == ';'))
        o--;
    buf[o] = '\0';
    scrub(secret, n, buf, len);
}

static void set_error(pg_db *d, int status, const char *msg)
{
    d->status = status;
    copy_msg(d->secret, PG_SECRETS, d->msg, sizeof d->msg, msg);
}

/* A call worked: no error, and whether it left a transaction open. */
static void note_ok(pg_db *d)
{
    PGTransactionStatusType t = PQtransactionStatus(d->conn);
    d->status = STORE_OK;
    d->in_tx = t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

static void clear_cache(pg_db *d)
{
    for (size_t i = 0; i < d->ncache; i++)
        free(d->cache[i].sql);
    free(d->cache);
    d->cache = NULL;
    d->ncache = 0;
}

/* The connection is gone: remember since when, allow a reconnect attempt right away. */
static void mark_down(pg_db *d)
{
    if (d->in_tx) {
        d->tx_lost = 1;
        d->in_tx = 0;
    }
    if (!d->down_since) {
        d->down_since = (int64_t)time(NULL);
        d->next_try_ms = 0;
        d->backoff_ms = PG_BACKOFF_MIN_MS;
    }
}

/* The store status of a failed result (res may be NULL). */
static int status_of(pg_db *d, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (PQstatus(d->conn) == CONNECTION_BAD) {
        mark_down(d);
        return STORE_EUNAVAILABLE;
    }
    if (!state)
        return res ? STORE_EDB : STORE_ENOMEM;
    if (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
        strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0)
        return STORE_EUNAVAILABLE;
    if (strcmp(state, "25006") == 0 || strcmp(state, "53100") == 0)
        return STORE_EREADONLY;
    if (strcmp(state, "53200") == 0)
        return STORE_ENOMEM;
    return STORE_EDB;
}

/* Records a failed result (and clears it). Returns its store status. */
static int fail_result(pg_db *d, PGresult *res)
{
    int st = status_of(d, res);
    /* The server's primary message (as SQLite's "UNIQUE constraint failed: ..."), with its
     * detail; libpq's own (connection) message when there is none. */
    const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
    if (m && detail) {
        char both[512];
        snprintf(both, sizeof both, "%s (%s)", m, detail);
        set_error(d, st, both);
    } else {
        set_error(d, st, m ? m : PQerrorMessage(d->conn));
    }
    PQclear(res);
    return st;
}

static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* What every new (or re-established) connection runs. A store status. */
static int session_setup(pg_db *d)
{
    const char *sql = (d->flags & STORE_OPEN_READONLY)
        ? "SET default_transaction_read_only = on; SET TIME ZONE 'UTC'; LISTEN attrition"
        : "SET TIME ZONE 'UTC'; LISTEN attrition";
    PQsetNoticeProcessor(d->conn, ignore_notice, NULL);
    PGresult *res = PQexec(d->conn, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        return fail_result(d, res);
    PQclear(res);
    add_secret(d, PQpass(d->conn));
    return STORE_OK;
}

/* Is the connection usable? Reconnects (at most once per backoff interval) when it is not.
 * STORE_OK or STORE_EUNAVAILABLE (errmsg set). */
static int ready(pg_db *d)
{
    if (d->tx_lost) {
        set_error(d, STORE_EUNAVAILABLE, "the connection to PostgreSQL was lost inside a "
                  "transaction (undone by the server): roll back");
        return STORE_EUNAVAILABLE;
    }
    if (PQstatus(d->conn) == CONNECTION_OK)
        return STORE_OK;
    mark_down(d);
    int64_t now = now_ms();
    if (now < d->next_try_ms) {
        if (d->status != STORE_EUNAVAILABLE)
            set_error(d, STORE_EUNAVAILABLE, "PostgreSQL unreachable (retrying)");
        return STORE_EUNAVAILABLE;
    }
    clear_cache(d);
    PQreset(d->conn);
    if (PQstatus(d->conn) == CONNECTION_OK && session_setup(d) == STORE_OK) {
        d->down_since = 0;
        d->backoff_ms = PG_BACKOFF_MIN_MS;
        d->missed = 1;
        d->status = STORE_OK;
        d->msg[0] = '\0';
        return STORE_OK;
    }
    set_error(d, STORE_EUNAVAILABLE, PQerrorMessage(d->conn));
    d->next_try_ms = now_ms() + d->backoff_ms;
    d->backoff_ms = d->backoff_ms * 2 > PG_BACKOFF_MAX_MS ? PG_BACKOFF_MAX_MS : d->backoff_ms * 2;
    return STORE_EUNAVAILABLE;
}

static int pg_open(const char *target, int flags, db **out, char *err, size_t errlen)
{
    pg_db *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return STORE_ENOMEM;
    }
    d->base.be = &db_backend_pg;
    d->flags = flags;
    d->backoff_ms = PG_BACKOFF_MIN_MS;
    /* Passwords to keep out of messages: the target's, the environment's. */
    PQconninfoOption *opts = PQconninfoParse(target, NULL);
    for (PQconninfoOption *o = opts; o && o->keyword; o++)
        if (strcmp(o->keyword, "password") == 0)
            add_secret(d, o->val);
    PQconninfoFree(opts);
    add_secret(d, getenv("PGPASSWORD"));

    /* Our defaults first: the target (expanded in place of "dbname") overrides them, and
     * the libpq environment's connect timeout wins over ours. */
    const char *keys[8], *vals[8];
    int n = 0;
    if (!getenv("PGCONNECT_TIMEOUT")) {
        keys[n] = "connect_timeout";
        vals[n++] = "5";
    }
    keys[n] = "keepalives";         vals[n++] = "1";
    keys[n] = "keepalives_idle";    vals[n++] = "5";
    keys[n] = "keepalives_interval"; vals[n++] = "2";
    keys[n] = "keepalives_count";   vals[n++] = "2";
    keys[n] = "tcp_user_timeout";   vals[n++] = "5000";
    keys[n] = "dbname";             vals[n++] = target;
    keys[n] = NULL;                 vals[n] = NULL;
    d->conn = PQconnectdbParams(keys, vals, 1);
    int rc;
    if (!d->conn) {
        rc = STORE_ENOMEM;
        snprintf(err, errlen, "out of memory");
        goto cleanup;
    }
    if (PQstatus(d->conn) != CONNECTION_OK) {
        rc = STORE_EUNAVAILABLE;
        const char *m = PQerrorMessage(d->conn);
        /* The server answered: no such database (as a missing SQLite file), a refused
         * password, a bad target. Else it could not be reached. */
        if (strstr(m, "database \"") && strstr(m, "does not exist"))
            rc = STORE_ENOTFOUND;
        else if (strstr(m, "authentication failed") || strstr(m, "does not exist") ||
                 strstr(m, "no password supplied") || strstr(m, "invalid"))
            rc = STORE_EDB;
        copy_msg(d->secret, PG_SECRETS, err, errlen, m);
        goto cleanup;
    }
    rc = session_setup(d);
    if (rc != STORE_OK) {
        snprintf(err, errlen, "%s", d->msg);
        goto cleanup;
    }
    d->status = STORE_OK;
    *out = &d->base;
    return STORE_OK;
cleanup:
    pg_close(&d->base);
    return rc;
}

static void pg_close(db *h)
{
    pg_db *d = (pg_db *)h;
    if (d->conn)
        PQfinish(d->conn);
    clear_cache(d);
    for (int i = 0; i < PG_SECRETS; i++)
        free(d->secret[i]);
    free(d);
}

static const char *pg_errmsg(db *h)
{
    pg_db *d = (pg_db *)h;
    return d->status == STORE_OK ? "not an error" : d->msg;
}
static int pg_status(db *h)
{
    pg_db *d = (pg_db *)h;
    return d->status;
}

char *pg_sql_translate(const char *sql)
{
    /* $N is never longer than ?N. */
    char *out = malloc(strlen(sql) + 1), *o = out;
    if (!out)
        return NULL;
    const char *p = sql;
    while (*p) {
        if (*p == '\'' || *p == '"') {           /* a literal or quoted identifier */
            char q = *p;
            *o++ = *p++;
            while (*p) {
                if (*p == q && p[1] == q) {      /* doubled quote */
                    *o++ = *p++;
                    *o++ = *p++;
                } else if (*p == q) {
                    *o++ = *p++;
                    break;
                } else {
                    *o++ = *p++;
                }
            }
        } else if (p[0] == '-' && p[1] == '-') { /* a comment to the end of the line */
            while (*p && *p != '\n')
                *o++ = *p++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            size_t n = end ? (size_t)(end + 2 - p) : strlen(p);
            memcpy(o, p, n);
            o += n;
            p += n;
        } else if (*p == '?' && p[1] >= '0' && p[1] <= '9') {
            *o++ = '$';
            p++;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

static unsigned long hash_str(const char *s)
{
    unsigned long h = 1469598103UL;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619UL;
    return h;
}

/* The prepared statement's name for s->sql with s's parameter types, preparing it on first
 * use; NULL when the cache is full (the statement then runs unnamed) or on failure. A store
 * status in *rc. */
static const char *cached_name(pg_stmt *s, int *rc)
{
    pg_db *d = s->d;
    size_t sl = strlen(s->sql);
    char *key = malloc(sl + 2 + (size_t)s->nparams);
    *rc = STORE_ENOMEM;
    if (!key)
        return NULL;
    memcpy(key, s->sql, sl + 1);
    for (int i = 0; i < s->nparams; i++)
        key[sl + 1 + i] = s->types[i] == OID_TEXT ? 't' : 'i';
    key[sl + 1 + s->nparams] = '\0';
    unsigned long h = hash_str(key) ^ hash_str(key + sl + 1);
    *rc = STORE_OK;
    for (size_t i = 0; i < d->ncache; i++) {
        const char *k = d->cache[i].sql;
        if (d->cache[i].hash == h && strcmp(k, key) == 0 && strcmp(k + sl + 1, key + sl + 1) == 0) {
            free(key);
            return d->cache[i].name;
        }
    }
    if (d->ncache >= PG_CACHE_MAX) {
        free(key);
        return NULL;
    }
    if (d->ncache % 32 == 0) {
        struct pg_cached *c = realloc(d->cache, (d->ncache + 32) * sizeof *c);
        if (!c) {
            free(key);
            *rc = STORE_ENOMEM;
            return NULL;
        }
        d->cache = c;
    }
    struct pg_cached *e = &d->cache[d->ncache];
    snprintf(e->name, sizeof e->name, "a%u", d->next_name++);
    e->hash = h;
    e->sql = key;
    PGresult *res = PQprepare(d->conn, e->name, s->sql, s->nparams, s->types);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        free(key);
        *rc = fail_result(d, res);
        return NULL;
    }
    PQclear(res);
    d->ncache++;
    return e->name;
}

/* Binds the arguments described by fmt (as many as s->nparams), replacing any bound
 * before. A store status. */
static int bind_args(pg_stmt *s, const char *fmt, va_list ap)
{
    for (int i = 0; i < s->nparams; i++) {
        free(s->values[i]);
        s->values[i] = NULL;
    }
    for (int i = 0; i < s->nparams && fmt[i]; i++) {
        char num[24];
        if (fmt[i] == 't') {
            const char *v = va_arg(ap, const char *);
            s->types[i] = OID_TEXT;
            if (v && !(s->values[i] = dup_str(v)))
                return STORE_ENOMEM;
        } else {
            int64_t v = va_arg(ap, int64_t);
            s->types[i] = OID_INT8;
            if (fmt[i] == 'n' && v == STATS_NONE)
                continue;
            snprintf(num, sizeof num, "%lld", (long long)v);
            if (!(s->values[i] = dup_str(num)))
                return STORE_ENOMEM;
        }
    }
    return STORE_OK;
}

static void free_stmt(pg_stmt *s)
{
    PQclear(s->res);
    if (s->values)
        for (int i = 0; i < s->nparams; i++)
            free(s->values[i]);
    free(s->values);
    free(s->types);
    free(s->sql);
    free(s);
}

static db_stmt *pg_prepare_va(db *h, const char *sql, const char *fmt, va_list ap)
{
    pg_db *d = (pg_db *)h;
    pg_stmt *s = calloc(1, sizeof *s);
    int n = (int)strlen(fmt), rc = STORE_ENOMEM;
    if (!s)
        goto fail;
    s->base.be = &db_backend_pg;
    s->d = d;
    s->row = -1;
    s->nparams = n;
    s->sql = pg_sql_translate(sql);
    s->values = calloc((size_t)n + 1, sizeof *s->values);
    s->types = calloc((size_t)n + 1, sizeof *s->types);
    if (!s->sql || !s->values || !s->types || bind_args(s, fmt, ap) != STORE_OK)
        goto fail;
    d->status = STORE_OK;
    return &s->base;
fail:
    if (rc == STORE_ENOMEM)
        set_error(d, rc, "out of memory");
    if (s)
        free_stmt(s);
    return NULL;
}

static void pg_reset(db_stmt *h)
{
    pg_stmt *s = (pg_stmt *)h;
    PQclear(s->res);
    s->res = NULL;
    s->ran = 0;
    s->row = -1;
    s->changes = 0;
}

static int pg_rebind(db_stmt *h, const char *fmt, va_list ap)
{
    pg_stmt *s = (pg_stmt *)h;
    pg_reset(h);
    if ((int)strlen(fmt) != s->nparams) {
        set_error(s->d, STORE_EINVAL, "rebind: a different number of parameters");
        return STORE_EINVAL;
    }
    if (bind_args(s, fmt, ap) != STORE_OK) {
        set_error(s->d, STORE_ENOMEM, "out of memory");
        return STORE_ENOMEM;
    }
    return STORE_OK;
}

static int pg_step(db_stmt *h)
{
    pg_stmt *s = (pg_stmt *)h;
    pg_db *d = s->d;
    if (!s->ran) {
        int rc = ready(d);
        if (rc != STORE_OK)
            return rc;
        /* Prepared here, not in db_prepare: a failure (the server gone) is then the
         * step's status, which db_run passes on. */
        s->name = cached_name(s, &rc);
        if (rc != STORE_OK)
            return rc;
        PGresult *res = s->name
            ? PQexecPrepared(d->conn, s->name, s->nparams, (const char *const *)s->values,
                             NULL, NULL, 0)
            : PQexecParams(d->conn, s->sql, s->nparams, s->types,
                           (const char *const *)s->values, NULL, NULL, 0);
        ExecStatusType es = PQresultStatus(res);
        if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK)
            return fail_result(d, res);
        s->res = res;
        s->ran = 1;
        s->changes = strtoll(PQcmdTuples(res), NULL, 10);
        note_ok(d);
    }
    if (s->row + 1 < PQntuples(s->res)) {
        s->row++;
        return 1;
    }
    s->row = PQntuples(s->res);
    return 0;
}

static int has_value(pg_stmt *s, int i)
{
    return s->res && s->row >= 0 && s->row < PQntuples(s->res) && i >= 0 && i < PQnfields(s->res);
}

static int pg_column_count(db_stmt *h)
{
    pg_stmt *s = (pg_stmt *)h;
    return s->res ? PQnfields(s->res) : 0;
}

static const char *pg_column_name(db_stmt *h, int i)
{
    pg_stmt *s = (pg_stmt *)h;
    return s->res && i >= 0 && i < PQnfields(s->res) ? PQfname(s->res, i) : NULL;
}

static int pg_column_null(db_stmt *h, int i)
{
    pg_stmt *s = (pg_stmt *)h;
    return !has_value(s, i) || PQgetisnull(s->res, s->row, i);
}

static int64_t pg_column_int64(db_stmt *h, int i)
{
    pg_stmt *s = (pg_stmt *)h;
    if (pg_column_null(h, i))
        return 0;
    const char *v = PQgetvalue(s->res, s->row, i);
    if (v[0] == 't' && v[1] == '\0')
        return 1;
    if (v[0] == 'f' && v[1] == '\0')
        return 0;
    return strtoll(v, NULL, 10);
}

static const char *pg_column_text(db_stmt *h, int i)
{
    pg_stmt *s = (pg_stmt *)h;
    if (pg_column_null(h, i))
        return NULL;
    const char *v = PQgetvalue(s->res, s->row, i);
    /* A boolean reads as SQLite gives it: "1" or "0". */
    if (PQftype(s->res, i) == OID_BOOL)
        return v[0] == 't' ? "1" : "0";
    return v;
}

static int64_t pg_changes(db_stmt *h)
{
    pg_stmt *s = (pg_stmt *)h;
    return s->ran ? s->changes : 0;
}

static void pg_finalize(db_stmt *h)
{
    free_stmt((pg_stmt *)h);
}

/* Runs sql (no parameters); with tag != NULL, the command tag must equal it. */
static int run_simple(pg_db *d, const char *sql, const char *tag)
{
    int rc = ready(d);
    if (rc != STORE_OK)
        return rc;
    PGresult *res = PQexec(d->conn, sql);
    ExecStatusType es = PQresultStatus(res);
    if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK)
        return fail_result(d, res);
    if (tag && strcmp(PQcmdStatus(res), tag) != 0) {
        /* COMMIT of a failed transaction answers ROLLBACK. */
        char m[160];
        snprintf(m, sizeof m, "the transaction was rolled back (%s): an earlier statement failed",
                 PQcmdStatus(res));
        PQclear(res);
        set_error(d, STORE_EDB, m);
        d->in_tx = 0;
        return STORE_EDB;
    }
    PQclear(res);
    note_ok(d);
    return STORE_OK;
}

static int pg_exec(db *h, const char *sql)
{
    pg_db *d = (pg_db *)h;
    return run_simple(d, sql, NULL);
}

static int pg_begin(db *h)
{
    pg_db *d = (pg_db *)h;
    char sql[128];
    /* One round trip; the lock waits for the replica that writes now (as SQLite's
     * busy timeout does), at most 30 s. */
    snprintf(sql, sizeof sql, "BEGIN; SET LOCAL lock_timeout = '30s'; "
             "SELECT pg_advisory_xact_lock(%d)", PG_WRITE_LOCK_KEY);
    int rc = run_simple(d, sql, NULL);
    if (rc != STORE_OK)
        pg_rollback(h);
    return rc;
}

static int pg_begin_read(db *h)
{
    pg_db *d = (pg_db *)h;
    return run_simple(d, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", NULL);
}

static int pg_commit(db *h)
{
    pg_db *d = (pg_db *)h;
    if (d->tx_lost) {   /* ended by the server; the caller's rollback is then a no-op */
        d->tx_lost = 0;
        set_error(d, STORE_EUNAVAILABLE, "the connection to PostgreSQL was lost inside the "
                  "transaction: nothing was committed");
        return STORE_EUNAVAILABLE;
    }
    return run_simple(d, "COMMIT", "COMMIT");
}

static int pg_in_transaction(db *h)
{
    pg_db *d = (pg_db *)h;
    PGTransactionStatusType t = PQtransactionStatus(d->conn);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

static void pg_rollback(db *h)
{
    pg_db *d = (pg_db *)h;
    d->tx_lost = 0;
    d->in_tx = 0;
    if (pg_in_transaction(h)) {
        PGresult *res = PQexec(d->conn, "ROLLBACK");
        PQclear(res);
    }
}

/* Runs a one-value SELECT with one int8 argument; the value's first byte into *first. */
static int select_one(pg_db *d, const char *sql, long long arg, char *first)
{
    int rc = ready(d);
    if (rc != STORE_OK)
        return rc;
    char num[24];
    snprintf(num, sizeof num, "%lld", arg);
    const char *vals[1] = {num};
    Oid types[1] = {OID_INT8};
    PGresult *res = PQexecParams(d->conn, sql, 1, types, vals, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return fail_result(d, res);
    if (first)
        *first = PQntuples(res) > 0 ? PQgetvalue(res, 0, 0)[0] : 0;
    PQclear(res);
    note_ok(d);
    return STORE_OK;
}

static int pg_notify(db *h, uint64_t version)
{
    pg_db *d = (pg_db *)h;
    char num[24];
    snprintf(num, sizeof num, "%llu", (unsigned long long)version);
    int rc = ready(d);
    if (rc != STORE_OK)
        return rc;
    const char *vals[1] = {num};
    PGresult *res = PQexecParams(d->conn, "SELECT pg_notify('attrition', $1)", 1, NULL, vals,
                                 NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return fail_result(d, res);
    PQclear(res);
    note_ok(d);
    return STORE_OK;
}

static int pg_changed(db *h, int *changed)
{
    pg_db *d = (pg_db *)h;
    *changed = 0;
    int rc = ready(d);
    if (rc != STORE_OK)
        return rc;
    if (d->missed) {
        *changed = 1;
        d->missed = 0;
    }
    if (!PQconsumeInput(d->conn)) {
        mark_down(d);
        set_error(d, STORE_EUNAVAILABLE, PQerrorMessage(d->conn));
        return STORE_EUNAVAILABLE;
    }
    int self = PQbackendPID(d->conn);
    PGnotify *n;
    while ((n = PQnotifies(d->conn)) != NULL) {
        if (n->be_pid != self)
            *changed = 1;
        PQfreemem(n);
    }
    /* A server gone while idle shows only now. */
    if (PQstatus(d->conn) != CONNECTION_OK) {
        mark_down(d);
        set_error(d, STORE_EUNAVAILABLE, PQerrorMessage(d->conn));
        return STORE_EUNAVAILABLE;
    }
    note_ok(d);
    return STORE_OK;
}

static int pg_try_lock(db *h, int64_t key, int *got)
{
    pg_db *d = (pg_db *)h;
    char v = 0;
    *got = 0;
    int rc = select_one(d, "SELECT pg_try_advisory_lock($1)", (long long)key, &v);
    if (rc == STORE_OK)
        *got = v == 't';
    return rc;
}

static void pg_unlock(db *h, int64_t key)
{
    pg_db *d = (pg_db *)h;
    if (PQstatus(d->conn) == CONNECTION_OK)
        select_one(d, "SELECT pg_advisory_unlock($1)", (long long)key, NULL);
}

static int pg_reconnect(db *h)
{
    pg_db *d = (pg_db *)h;
    d->tx_lost = 0;   /* the caller starts afresh */
    return ready(d);
}
static int64_t pg_down_since(db *h)
{
    pg_db *d = (pg_db *)h;
    if (PQstatus(d->conn) != CONNECTION_OK)
        mark_down(d);
    return d->down_since;
}

/* Does the current schema hold any table? 1, 0, or a negative store status. */
static int has_tables(pg_db *d)
{
    PGresult *res = PQexec(d->conn, "SELECT count(*) FROM pg_tables "
                                    "WHERE schemaname = current_schema()");
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return fail_result(d, res);
    int any = strtoll(PQgetvalue(res, 0, 0), NULL, 10) > 0;
    PQclear(res);
    return any;
}

/* Inside the write transaction (its advisory lock makes replicas that start together
 * create the schema once): the version check, then the tables when missing. */
static int pg_schema_begin(db *h, int *fresh, char *err, size_t errlen)
{
    pg_db *d = (pg_db *)h;
    *fresh = 0;
    int rc = pg_begin(h);
    if (rc != STORE_OK)
        goto fail;
    PGresult *res = PQexec(d->conn, "SELECT to_regclass('meta') IS NOT NULL");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = fail_result(d, res);
        goto fail;
    }
    int have_meta = PQgetvalue(res, 0, 0)[0] == 't';
    PQclear(res);
    long long have = 0;
    if (have_meta) {
        res = PQexec(d->conn, "SELECT value FROM meta WHERE key = 'schema_version'");
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            rc = fail_result(d, res);
            goto fail;
        }
        have = PQntuples(res) ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
        PQclear(res);
    }
    if (!have) {
        int any = has_tables(d);
        if (any < 0) {
            rc = any;
            goto fail;
        }
        if (any) {
            set_error(d, STORE_ECORRUPT, "not an attrition database (it has tables but no "
                      "schema version; use an empty database or schema)");
            rc = STORE_ECORRUPT;
            goto fail;
        }
        rc = run_simple(d, store_schema_pg_sql, NULL);
        if (rc != STORE_OK)
            goto fail;
        *fresh = 1;
    } else if (have > STORE_SCHEMA_VERSION) {
        char m[200];
        snprintf(m, sizeof m, "database schema version %lld is newer than this program's %d "
                 "(run a newer attrition)", have, STORE_SCHEMA_VERSION);
        set_error(d, STORE_ECORRUPT, m);
        rc = STORE_ECORRUPT;
        goto fail;
    }
    /* Versions 1-3 never existed on PostgreSQL: nothing to migrate yet. */
    char sql[160];
    snprintf(sql, sizeof sql, "INSERT INTO meta(key, value) VALUES('schema_version', '%d') "
             "ON CONFLICT (key) DO UPDATE SET value = excluded.value", STORE_SCHEMA_VERSION);
    rc = run_simple(d, sql, NULL);
    if (rc != STORE_OK)
        goto fail;
    return STORE_OK;
fail:
    snprintf(err, errlen, "%s", d->msg);
    pg_rollback(h);
    return rc;
}

static int pg_schema_check(db *h, const char *target, char *err, size_t errlen)
{
    (void)h;
    (void)target;
    (void)err;
    (void)errlen;
    return STORE_OK;
}

static int pg_backup(db *h, const char *path, char *err, size_t errlen)
{
    (void)h;
    (void)path;
    snprintf(err, errlen, "backup makes a file copy of a SQLite database; for PostgreSQL use "
             "pg_dump (e.g. pg_dump -Fc -f attrition.dump DBNAME)");
    return STORE_EINVAL;
}

static int pg_restore(db *h, const char *path, uint64_t before, char *err, size_t errlen)
{
    (void)h;
    (void)path;
    (void)before;
    snprintf(err, errlen, "restore reads a SQLite database file; for PostgreSQL use pg_restore "
             "(e.g. pg_restore --clean -d DBNAME attrition.dump)");
    return STORE_EINVAL;
}

const struct db_backend db_backend_pg = {
    .kind = DB_POSTGRES,
    .name = "PostgreSQL",
    .open = pg_open,
    .close = pg_close,
    .errmsg = pg_errmsg,
    .status = pg_status,
    .prepare = pg_prepare_va,
    .rebind = pg_rebind,
    .step = pg_step,
    .column_count = pg_column_count,
    .column_name = pg_column_name,
    .column_null = pg_column_null,
    .column_int64 = pg_column_int64,
    .column_text = pg_column_text,
    .changes = pg_changes,
    .reset = pg_reset,
    .finalize = pg_finalize,
    .exec = pg_exec,
    .begin = pg_begin,
    .begin_read = pg_begin_read,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .in_transaction = pg_in_transaction,
    .notify = pg_notify,
    .changed = pg_changed,
    .try_lock = pg_try_lock,
    .unlock = pg_unlock,
    .reconnect = pg_reconnect,
    .down_since = pg_down_since,
    .schema_begin = pg_schema_begin,
    .schema_check = pg_schema_check,
    .backup = pg_backup,
    .restore = pg_restore,
};
