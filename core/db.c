/* The storage seam's dispatch: picks a backend for a target and forwards each db_* call
 * through its vtable (core/db_internal.h). Backend-neutral: no backend header here. */
#include "db_internal.h"

#include <stdio.h>
#include <string.h>

/* A build with PostgreSQL compiles core/db_pg.c and defines ATTRITION_PG (meson.build). */
static const struct db_backend *const db_backends[] = {
    &db_backend_sqlite,
#ifdef ATTRITION_PG
    &db_backend_pg,
#endif
};

int db_kind_of(const char *target)
{
    static const char *const prefix[] = {"postgresql://", "postgres://"};
    /* libpq's connection keywords: a "key=value" string may start with any of them */
    static const char *const keyword[] = {
        "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "service",
        "connect_timeout", "options", "application_name", "sslmode", "sslrootcert",
        "sslcert", "sslkey", "target_session_attrs", "channel_binding", "gssencmode",
        "keepalives", "tcp_user_timeout", "client_encoding"};
    for (size_t i = 0; target && i < sizeof prefix / sizeof prefix[0]; i++)
        if (strncmp(target, prefix[i], strlen(prefix[i])) == 0)
            return DB_POSTGRES;
    for (size_t i = 0; target && i < sizeof keyword / sizeof keyword[0]; i++) {
        size_t n = strlen(keyword[i]);
        const char *p = target + n;
        if (strncmp(target, keyword[i], n) == 0) {
            while (*p == ' ')
                p++;
            if (*p == '=')
                return DB_POSTGRES;
        }
    }
    return DB_SQLITE;
}

int db_open(const char *target, int flags, db **out, char *err, size_t errlen)
{
    if (target == NULL) {
        snprintf(err, errlen, "no database given");
        return STORE_EINVAL;
    }
    int kind = db_kind_of(target);
    for (size_t i = 0; i < sizeof db_backends / sizeof db_backends[0]; i++)
        if (db_backends[i]->kind == kind)
            return db_backends[i]->open(target, flags, out, err, errlen);
    char shown[512];
    db_target_redacted(target, shown, sizeof shown);
    snprintf(err, errlen, "database %s: this build has no PostgreSQL backend", shown);
    return STORE_EINVAL;
}

void db_close(db *d)
{
    if (d)
        d->be->close(d);
}

int db_kind(const db *d) { return d->be->kind; }
const char *db_errmsg(db *d) { return d->be->errmsg(d); }
int db_status(db *d) { return d->be->status(d); }

db_stmt *db_prepare_va(db *d, const char *sql, const char *fmt, va_list ap)
{
    return d->be->prepare(d, sql, fmt, ap);
}

db_stmt *db_prepare(db *d, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    db_stmt *s = d->be->prepare(d, sql, fmt, ap);
    va_end(ap);
    return s;
}

int db_rebind(db_stmt *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = s->be->rebind(s, fmt, ap);
    va_end(ap);
    return rc;
}

int db_rebind_va(db_stmt *s, const char *fmt, va_list ap)
{
    return s->be->rebind(s, fmt, ap);
}

int db_step(db_stmt *s) { return s->be->step(s); }
int db_column_count(db_stmt *s) { return s->be->column_count(s); }
const char *db_column_name(db_stmt *s, int i) { return s->be->column_name(s, i); }
int db_column_null(db_stmt *s, int i) { return s->be->column_null(s, i); }
int64_t db_column_int64(db_stmt *s, int i) { return s->be->column_int64(s, i); }
const char *db_column_text(db_stmt *s, int i) { return s->be->column_text(s, i); }
int64_t db_changes(db_stmt *s) { return s->be->changes(s); }
void db_reset(db_stmt *s) { s->be->reset(s); }

void db_finalize(db_stmt *s)
{
    if (s)
        s->be->finalize(s);
}

int db_run(db_stmt *s, int64_t *changes)
{
    if (s == NULL)
        return STORE_EDB; /* the caller's failed prepare; its db says why */
    int rc = db_step(s);
    if (rc == DB_DONE && changes)
        *changes = db_changes(s);
    db_finalize(s);
    return rc == DB_DONE ? STORE_OK : rc == DB_ROW ? STORE_EDB : rc;
}

int db_exec(db *d, const char *sql) { return d->be->exec(d, sql); }
int db_begin(db *d) { return d->be->begin(d); }
int db_begin_read(db *d) { return d->be->begin_read(d); }
int db_commit(db *d) { return d->be->commit(d); }
void db_rollback(db *d) { d->be->rollback(d); }
int db_in_transaction(db *d) { return d->be->in_transaction(d); }
int db_notify(db *d, uint64_t version) { return d->be->notify(d, version); }
int db_changed(db *d, int *changed) { return d->be->changed(d, changed); }
int db_try_lock(db *d, int64_t key, int *got) { return d->be->try_lock(d, key, got); }
void db_unlock(db *d, int64_t key) { d->be->unlock(d, key); }
int db_reconnect(db *d) { return d->be->reconnect(d); }
int64_t db_down_since(db *d) { return d->be->down_since(d); }

int db_schema_begin(db *d, int *fresh, char *err, size_t errlen)
{
    return d->be->schema_begin(d, fresh, err, errlen);
}

int db_schema_check(db *d, const char *target, char *err, size_t errlen)
{
    return d->be->schema_check(d, target, err, errlen);
}

int db_backup(db *d, const char *path, char *err, size_t errlen)
{
    return d->be->backup(d, path, err, errlen);
}

int db_restore(db *d, const char *path, uint64_t before, char *err, size_t errlen)
{
    return d->be->restore(d, path, before, err, errlen);
}

/* ---- redaction ------------------------------------------------------------------------- */

/* Appends n bytes of s to buf (len bytes, *at used), truncating. */
static void put(char *buf, size_t len, size_t *at, const char *s, size_t n)
{
    while (n-- && *at + 1 < len)
        buf[(*at)++] = *s++;
    buf[*at < len ? *at : len - 1] = '\0';
}

/* A URI: the password of its userinfo and any password= query parameter masked. */
static void redact_uri(const char *t, char *buf, size_t len)
{
    size_t at = 0;
    const char *auth = strstr(t, "://") + 3;
    size_t alen = strcspn(auth, "/?#");
    const char *atsign = NULL;
    for (const char *p = auth; p < auth + alen; p++)
        if (*p == '@')
            atsign = p;
    put(buf, len, &at, t, (size_t)(auth - t));
    const char *colon = atsign ? memchr(auth, ':', (size_t)(atsign - auth)) : NULL;
    if (colon) {
        put(buf, len, &at, auth, (size_t)(colon + 1 - auth));
        put(buf, len, &at, "****", 4);
        put(buf, len, &at, atsign, (size_t)(auth + alen - atsign));
    } else {
        put(buf, len, &at, auth, alen);
    }
    const char *p = auth + alen;
    while (*p) {
        size_t n = strcspn(p + 1, "&#") + 1; /* one separator and its parameter */
        if (strncmp(p + 1, "password=", 9) == 0) {
            put(buf, len, &at, p, 10);
            put(buf, len, &at, "****", 4);
        } else {
            put(buf, len, &at, p, n);
        }
        p += n;
    }
}

/* A libpq "key=value ..." string: every password value (bare or quoted) masked. */
static void redact_keywords(const char *t, char *buf, size_t len)
{
    size_t at = 0;
    const char *p = t;
    while (*p) {
        size_t sp = strspn(p, " \t\n");
        put(buf, len, &at, p, sp);
        p += sp;
        size_t klen = strcspn(p, "= \t\n");
        int secret = klen == 8 && strncmp(p, "password", 8) == 0;
        put(buf, len, &at, p, klen);
        p += klen;
        sp = strspn(p, " \t\n=");
        put(buf, len, &at, p, sp);
        p += sp;
        const char *v = p;
        if (*p == '\'') {
            for (p++; *p && *p != '\''; p++)
                if (*p == '\\' && p[1])
                    p++;
            if (*p)
                p++;
        } else {
            p += strcspn(p, " \t\n");
        }
        if (secret)
            put(buf, len, &at, "****", 4);
        else
            put(buf, len, &at, v, (size_t)(p - v));
    }
}

void db_target_redacted(const char *target, char *buf, size_t len)
{
    if (len == 0)
        return;
    buf[0] = '\0';
    if (target == NULL)
        return;
    if (db_kind_of(target) != DB_POSTGRES)
        snprintf(buf, len, "%s", target); /* a path: nothing to hide */
    else if (strstr(target, "://"))
        redact_uri(target, buf, len);
    else
        redact_keywords(target, buf, len);
}
