/* The SQLite backend of core/db.h: a file (or ":memory:") opened in WAL mode with
 * synchronous=FULL, foreign keys and a 5 s busy timeout; the schema by PRAGMA user_version
 * and config/schema.sql; backup and restore through the sqlite3_backup API. The only core
 * file that includes sqlite3.h. */
#include "db_internal.h"
#include "attrition/store.h"
#include "db_sqlite.h"
#include "attrition/stats.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct sq_db {
    struct db base;
    sqlite3 *h;
    int64_t data_version; /* PRAGMA data_version at the previous db_changed */
    int have_version;
};

struct sq_stmt {
    struct db_stmt base;
    struct sq_db *d;
    sqlite3_stmt *s;
    int64_t changes;
};

#define SQ(d) ((struct sq_db *)(d))
#define ST(s) ((struct sq_stmt *)(s))

int db_sqlite_status(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return STORE_OK;
    case SQLITE_NOMEM:
        return STORE_ENOMEM;
    case SQLITE_READONLY:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_IOERR:
        return STORE_EREADONLY;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return STORE_ECORRUPT;
    default:
        return STORE_EDB;
    }
}

/* A failure's status: never STORE_OK. */
static int failure_of(int rc)
{
    int st = db_sqlite_status(rc);
    return st == STORE_OK ? STORE_EDB : st;
}

static const struct db_backend *sq_backend(void);

static int sq_exec(db *d, const char *sql)
{
    return db_sqlite_status(sqlite3_exec(SQ(d)->h, sql, NULL, NULL, NULL));
}

static int sq_open(const char *target, int flags, db **out, char *err, size_t errlen)
{
    int readonly = (flags & STORE_OPEN_READONLY) != 0;
    struct sq_db *d = calloc(1, sizeof *d);
    if (d == NULL) {
        snprintf(err, errlen, "out of memory");
        return STORE_ENOMEM;
    }
    d->base.be = sq_backend();
    int oflags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (flags & STORE_OPEN_CREATE)
        oflags |= SQLITE_OPEN_CREATE;
    int rc, src = sqlite3_open_v2(target, &d->h, oflags | SQLITE_OPEN_NOMUTEX, NULL);
    if (src != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database %s: %s", target,
                 d->h ? sqlite3_errmsg(d->h) : sqlite3_errstr(src));
        rc = src == SQLITE_CANTOPEN ? STORE_ENOTFOUND : db_sqlite_status(src);
        goto fail;
    }
    sqlite3_busy_timeout(d->h, 5000);
    sqlite3_extended_result_codes(d->h, 1);
    /* A new file opened by several processes at once: the switch to WAL needs a lock for
     * which SQLite calls no busy handler (SQLITE_BUSY at once); retried for up to 5 s. */
    for (int tries = 0; !readonly && tries < 100 &&
                        sqlite3_exec(d->h, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) ==
                            SQLITE_BUSY; tries++)
        usleep(50 * 1000);
    if (!readonly && (sq_exec(&d->base, "PRAGMA journal_mode = WAL") != STORE_OK ||
                      sq_exec(&d->base, "PRAGMA synchronous = FULL") != STORE_OK)) {
        rc = failure_of(sqlite3_errcode(d->h));
        snprintf(err, errlen, "database %s: %s", target, sqlite3_errmsg(d->h));
        goto fail;
    }
    sq_exec(&d->base, "PRAGMA foreign_keys = ON");
    *out = &d->base;
    return STORE_OK;
fail:
    sqlite3_close(d->h);
    free(d);
    return rc;
}

static void sq_close(db *d)
{
    sqlite3_close(SQ(d)->h);
    free(d);
}

static const char *sq_errmsg(db *d) { return sqlite3_errmsg(SQ(d)->h); }
static int sq_status(db *d) { return db_sqlite_status(sqlite3_errcode(SQ(d)->h)); }

/* Binds the arguments of ap as fmt describes (db_prepare). Returns an SQLite code. */
static int bind_args(sqlite3_stmt *stmt, const char *fmt, va_list ap)
{
    int rc = SQLITE_OK;
    for (int i = 0; fmt[i] && rc == SQLITE_OK; i++) {
        if (fmt[i] == 't') {
            const char *s = va_arg(ap, const char *);
            rc = s ? sqlite3_bind_text(stmt, i + 1, s, -1, SQLITE_TRANSIENT)
                   : sqlite3_bind_null(stmt, i + 1);
        } else {
            int64_t v = va_arg(ap, int64_t);
            rc = fmt[i] == 'n' && v == STATS_NONE ? sqlite3_bind_null(stmt, i + 1)
                                                  : sqlite3_bind_int64(stmt, i + 1, v);
        }
    }
    return rc;
}

static db_stmt *sq_prepare(db *d, const char *sql, const char *fmt, va_list ap)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(SQ(d)->h, sql, -1, &s, NULL) != SQLITE_OK)
        return NULL;
    if (bind_args(s, fmt, ap) != SQLITE_OK) {
        sqlite3_finalize(s);
        return NULL;
    }
    struct sq_stmt *st = calloc(1, sizeof *st);
    if (st == NULL) {
        sqlite3_finalize(s);
        return NULL;
    }
    st->base.be = sq_backend();
    st->d = SQ(d);
    st->s = s;
    return &st->base;
}

static int sq_rebind(db_stmt *s, const char *fmt, va_list ap)
{
    sqlite3_reset(ST(s)->s);
    sqlite3_clear_bindings(ST(s)->s);
    ST(s)->changes = 0;
    int rc = bind_args(ST(s)->s, fmt, ap);
    return rc == SQLITE_OK ? STORE_OK : failure_of(rc);
}

static int sq_step(db_stmt *s)
{
    int rc = sqlite3_step(ST(s)->s);
    if (rc == SQLITE_ROW)
        return DB_ROW;
    if (rc == SQLITE_DONE) {
        ST(s)->changes = sqlite3_changes(ST(s)->d->h);
        return DB_DONE;
    }
    return failure_of(rc);
}

static int sq_column_count(db_stmt *s) { return sqlite3_column_count(ST(s)->s); }
static const char *sq_column_name(db_stmt *s, int i) { return sqlite3_column_name(ST(s)->s, i); }
static int sq_column_null(db_stmt *s, int i)
{
    return sqlite3_column_type(ST(s)->s, i) == SQLITE_NULL;
}
static int64_t sq_column_int64(db_stmt *s, int i) { return sqlite3_column_int64(ST(s)->s, i); }
static const char *sq_column_text(db_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(ST(s)->s, i);
}
static int64_t sq_changes(db_stmt *s) { return ST(s)->changes; }
static void sq_reset(db_stmt *s)
{
    sqlite3_reset(ST(s)->s);
    ST(s)->changes = 0;
}

static void sq_finalize(db_stmt *s)
{
    sqlite3_finalize(ST(s)->s);
    free(s);
}

static int sq_begin(db *d) { return sq_exec(d, "BEGIN IMMEDIATE"); }
static int sq_begin_read(db *d) { return sq_exec(d, "BEGIN"); }
static int sq_commit(db *d) { return sq_exec(d, "COMMIT"); }
static int sq_in_transaction(db *d) { return !sqlite3_get_autocommit(SQ(d)->h); }
static void sq_rollback(db *d)
{
    if (sq_in_transaction(d))
        sqlite3_exec(SQ(d)->h, "ROLLBACK", NULL, NULL, NULL);
}

static int sq_notify(db *d, uint64_t version)
{
    (void)d;
    (void)version;
    return STORE_OK; /* readers poll PRAGMA data_version */
}

static int sq_changed(db *d, int *changed)
{
    sqlite3_stmt *s = NULL;
    *changed = 0;
    int rc = sqlite3_prepare_v2(SQ(d)->h, "PRAGMA data_version", -1, &s, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t v = sqlite3_column_int64(s, 0);
        *changed = SQ(d)->have_version && v != SQ(d)->data_version;
        SQ(d)->data_version = v;
        SQ(d)->have_version = 1;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc == SQLITE_OK ? STORE_OK : failure_of(rc);
}

static int sq_try_lock(db *d, int64_t key, int *got)
{
    (void)d;
    (void)key;
    *got = 1; /* one file: its writers already exclude each other */
    return STORE_OK;
}

static void sq_unlock(db *d, int64_t key)
{
    (void)d;
    (void)key;
}

static int sq_reconnect(db *d)
{
    (void)d;
    return STORE_OK;
}

static int64_t sq_down_since(db *d)
{
    (void)d;
    return 0;
}

/* ---- the schema ------------------------------------------------------------------------ */

/* The single integer of sql on h into *v. An SQLite code. */
static int query_int(sqlite3 *h, const char *sql, const char *arg1, const char *arg2, int64_t *v)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(h, sql, -1, &s, NULL);
    if (rc == SQLITE_OK && arg1)
        rc = sqlite3_bind_text(s, 1, arg1, -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK && arg2)
        rc = sqlite3_bind_text(s, 2, arg2, -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        *v = sqlite3_column_int64(s, 0);
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_ERROR;
    }
    sqlite3_finalize(s);
    return rc;
}

/* Does table have a column named col? 1, 0, or -1 on error. */
static int has_column(sqlite3 *h, const char *table, const char *col)
{
    int64_t n;
    if (query_int(h, "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2", table, col,
                  &n) != SQLITE_OK)
        return -1;
    return n > 0;
}

/* Schema 1 -> 2, before config/schema.sql runs (which then creates the new tables and the
 * rebuilt deployment table): report.written_by and report_revision.written_by (a report
 * with revision > 1 could only have been replaced by PUT under schema 1: 'put'; others are
 * unknown, NULL, and follow upstream), and the deployment table moved aside to be rebuilt
 * with AUTOINCREMENT (migrate_v2_after copies it back). Idempotent: each step checks what
 * is there. A store status. */
static int migrate_v2(db *d)
{
    sqlite3 *h = SQ(d)->h;
    int rc = STORE_OK, has;
    int64_t old;
    if ((has = has_column(h, "report", "written_by")) < 0)
        return STORE_EDB;
    if (!has && ((rc = sq_exec(d, "ALTER TABLE report ADD COLUMN written_by TEXT")) != STORE_OK ||
                 (rc = sq_exec(d, "UPDATE report SET written_by = 'put' WHERE revision > 1")) != STORE_OK))
        return rc;
    if ((has = has_column(h, "report_revision", "written_by")) < 0)
        return STORE_EDB;
    if (!has && (rc = sq_exec(d, "ALTER TABLE report_revision ADD COLUMN written_by TEXT")) != STORE_OK)
        return rc;
    if (query_int(h, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = "
                     "'deployment' AND sql NOT LIKE '%AUTOINCREMENT%'", NULL, NULL, &old) != SQLITE_OK)
        return STORE_EDB;
    if (old > 0 && ((rc = sq_exec(d, "DROP INDEX IF EXISTS deployment_pair")) != STORE_OK ||
                    (rc = sq_exec(d, "ALTER TABLE deployment RENAME TO deployment_v1")) != STORE_OK))
        return rc;
    return STORE_OK;
}

/* Schema 1 -> 2, after config/schema.sql: the estimates back into the rebuilt table, ids
 * kept. A store status. */
static int migrate_v2_after(db *d)
{
    int64_t old;
    if (query_int(SQ(d)->h, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = "
                            "'deployment_v1'", NULL, NULL, &old) != SQLITE_OK)
        return STORE_EDB;
    if (old == 0)
        return STORE_OK;
    int rc = sq_exec(d, "INSERT INTO deployment SELECT * FROM deployment_v1");
    return rc == STORE_OK ? sq_exec(d, "DROP TABLE deployment_v1") : rc;
}

/* meta 'deployment_next_id' (core/deploy_db.c gives ids from it on both backends), made
 * when missing from what AUTOINCREMENT kept before it: one above the largest id ever given
 * (sqlite_sequence) or stored. A store status. */
static int next_id_init(db *d)
{
    return sq_exec(d,
        "INSERT INTO meta(key, value) SELECT 'deployment_next_id', CAST(1 + max("
        "coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'deployment'), 0), "
        "coalesce((SELECT max(id) FROM deployment), 0), "
        "coalesce((SELECT max(id) FROM deployment_deleted), 0)) AS TEXT) "
        "WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = 'deployment_next_id')");
}

static int sq_schema_begin(db *d, int *fresh, char *err, size_t errlen)
{
    sqlite3 *h = SQ(d)->h;
    int rc;
    int64_t version = -1, tables = 0;
    *fresh = 0;
    if (query_int(h, "PRAGMA user_version", NULL, NULL, &version) != SQLITE_OK ||
        query_int(h, "SELECT count(*) FROM sqlite_master", NULL, NULL, &tables) != SQLITE_OK) {
        snprintf(err, errlen, "cannot read the database: %s", sqlite3_errmsg(h));
        return failure_of(sqlite3_errcode(h));
    }
    if (version > STORE_SCHEMA_VERSION) {
        snprintf(err, errlen, "database schema version %lld is newer than this program's %d",
                 (long long)version, STORE_SCHEMA_VERSION);
        return STORE_ECORRUPT;
    }
    if (version == 0 && tables > 0) {
        snprintf(err, errlen, "not an attrition database (it has tables but no schema version)");
        return STORE_ECORRUPT;
    }
    *fresh = version == 0;
    if ((rc = sq_begin(d)) != STORE_OK)
        goto fail;
    /* Migrations, one step per version, before the schema text (which creates new tables). */
    if (!*fresh && version < 2 && (rc = migrate_v2(d)) != STORE_OK)
        goto fail;
    if ((rc = sq_exec(d, store_schema_sql)) != STORE_OK)
        goto fail;
    if (!*fresh && version < 2 && (rc = migrate_v2_after(d)) != STORE_OK)
        goto fail;
    if ((rc = next_id_init(d)) != STORE_OK)
        goto fail;
    if (*fresh || version < STORE_SCHEMA_VERSION) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
        if ((rc = sq_exec(d, pragma)) != STORE_OK)
            goto fail;
    }
    return STORE_OK;
fail:
    snprintf(err, errlen, "applying the schema: %s", sqlite3_errmsg(h));
    sq_rollback(d);
    return rc == STORE_OK ? STORE_EDB : rc;
}

static int sq_schema_check(db *d, const char *target, char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    const char *res = NULL;
    int rc = STORE_OK;
    if (sqlite3_prepare_v2(SQ(d)->h, "PRAGMA quick_check", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        res = (const char *)sqlite3_column_text(s, 0);
    if (res == NULL || strcmp(res, "ok") != 0) {
        snprintf(err, errlen, "database %s is damaged: %s", target,
                 res ? res : sqlite3_errmsg(SQ(d)->h));
        rc = STORE_ECORRUPT;
    }
    sqlite3_finalize(s);
    return rc;
}

/* ---- backup and restore ---------------------------------------------------------------- */

/* Copies the whole main database of src into dst with the backup API, waiting while the
 * source or destination is busy. Returns an SQLite code (SQLITE_OK / SQLITE_DONE: done). */
static int backup_copy(sqlite3 *dst, sqlite3 *src)
{
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (b == NULL)
        return sqlite3_errcode(dst);
    int rc;
    for (int tries = 0;; tries++) {
        rc = sqlite3_backup_step(b, -1);
        if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || tries >= 200)
            break;
        sqlite3_sleep(25);
    }
    int frc = sqlite3_backup_finish(b);
    return rc == SQLITE_DONE ? frc : rc;
}

static int sq_backup(db *d, const char *path, char *err, size_t errlen)
{
    char tmp[4200];
    sqlite3 *dst = NULL;
    int rc = STORE_EINVAL;
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        snprintf(err, errlen, "backup path too long");
        return STORE_EINVAL;
    }
    /* The copy replaces path by a rename: never the live file or its -wal, -shm or journal
     * (a server on it would go on writing to the replaced file, its -wal beside another
     * database; a replaced -wal loses what it holds). */
    const char *live = sqlite3_db_filename(SQ(d)->h, "main");
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    struct stat a, b;
    for (size_t i = 0; live && *live && i < sizeof suffix / sizeof suffix[0]; i++) {
        char name[4200];
        snprintf(name, sizeof name, "%s%s", live, suffix[i]);
        if (stat(path, &a) == 0 && stat(name, &b) == 0 && a.st_dev == b.st_dev &&
            a.st_ino == b.st_ino) {
            snprintf(err, errlen, "%s is the database itself%s; back up to another file",
                     path, i ? " (a file of its journal)" : "");
            return STORE_EINVAL;
        }
    }
    remove(tmp);
    int src = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (src == SQLITE_OK)
        src = backup_copy(dst, SQ(d)->h);
    if (src == SQLITE_OK) /* one self-contained file: no -wal beside it */
        src = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
    if (src != SQLITE_OK) {
        rc = db_sqlite_status(src);
        snprintf(err, errlen, "backup to %s: %s", tmp, dst ? sqlite3_errmsg(dst) : sqlite3_errstr(src));
        goto cleanup;
    }
    sqlite3_close(dst);
    dst = NULL;
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "backup: cannot rename %s to %s: %s", tmp, path, strerror(errno));
        rc = STORE_EREADONLY;
        goto cleanup;
    }
    return STORE_OK;
cleanup:
    sqlite3_close(dst);
    remove(tmp);
    return rc == STORE_OK ? STORE_EDB : rc;
}

/* Checks that h (a copy to restore) is an attrition database this program can read: a
 * schema version from 1 to STORE_SCHEMA_VERSION, a report table, quick_check ok.
 * STORE_OK or STORE_ECORRUPT with a message in err. */
static int restore_check(sqlite3 *h, const char *path, char *err, size_t errlen)
{
    sqlite3_stmt *stmt = NULL;
    int64_t version = -1, reports = -1;
    const char *why = NULL;
    query_int(h, "PRAGMA user_version", NULL, NULL, &version);
    query_int(h, "SELECT count(*) FROM report", NULL, NULL, &reports);
    if (version < 1 || reports < 0)
        why = "not an attrition database";
    else if (version > STORE_SCHEMA_VERSION)
        why = "its schema is newer than this program's";
    else if (sqlite3_prepare_v2(h, "PRAGMA quick_check", -1, &stmt, NULL) != SQLITE_OK ||
             sqlite3_step(stmt) != SQLITE_ROW ||
             strcmp((const char *)sqlite3_column_text(stmt, 0), "ok") != 0)
        why = "it is damaged";
    sqlite3_finalize(stmt);
    if (why) {
        snprintf(err, errlen, "cannot restore %s: %s%s%s%s", path, why,
                 sqlite3_errcode(h) != SQLITE_OK ? " (" : "",
                 sqlite3_errcode(h) != SQLITE_OK ? sqlite3_errmsg(h) : "",
                 sqlite3_errcode(h) != SQLITE_OK ? ")" : "");
        return STORE_ECORRUPT;
    }
    return STORE_OK;
}

/* Sets the data version of the database h (a copy) to v and last_modified to now. An
 * SQLite code. */
static int copy_set_version(sqlite3 *h, uint64_t v)
{
    char sql[240];
    snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO meta(key, value) VALUES('data_version', "
             "'%llu'); INSERT OR REPLACE INTO meta(key, value) VALUES('last_modified', '%lld')",
             (unsigned long long)v, (long long)time(NULL));
    return sqlite3_exec(h, sql, NULL, NULL, NULL);
}

/* The data version of the database h (a copy); 0 when absent. */
static uint64_t copy_version(sqlite3 *h)
{
    int64_t v = 0;
    if (query_int(h, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'data_version'",
                  NULL, NULL, &v) != SQLITE_OK)
        v = 0;
    return (uint64_t)v;
}

/* PRAGMA page_size of h; 0 when it cannot be read. */
static int64_t page_size_of(sqlite3 *h)
{
    int64_t v = 0;
    if (query_int(h, "PRAGMA page_size", NULL, NULL, &v) != SQLITE_OK)
        v = 0;
    return v;
}

static int sq_restore(db *d, const char *path, uint64_t before, char *err, size_t errlen)
{
    sqlite3 *src = NULL, *mem = NULL, *live = SQ(d)->h;
    int rc, orc;
    if ((orc = sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL)) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path,
                 src ? sqlite3_errmsg(src) : sqlite3_errstr(orc));
        sqlite3_close(src);
        return STORE_ENOTFOUND;
    }
    if ((rc = restore_check(src, path, err, errlen)) != STORE_OK)
        goto cleanup;
    /* Through memory, so that the live file changes in ONE commit that already carries a
     * data version above both the live one and the copy's (no cached answer of either is
     * taken for current). */
    rc = STORE_EDB;
    if ((orc = sqlite3_open(":memory:", &mem)) != SQLITE_OK ||
        (orc = backup_copy(mem, src)) != SQLITE_OK ||
        (orc = copy_set_version(mem, (before > copy_version(mem) ? before
                                                                 : copy_version(mem)) + 1)) != SQLITE_OK) {
        rc = db_sqlite_status(orc);
        snprintf(err, errlen, "reading %s: %s", path, mem ? sqlite3_errmsg(mem) : "out of memory");
        goto cleanup;
    }
    /* A database in WAL mode keeps its page size: a copy of another one cannot go in. */
    int64_t live_ps = page_size_of(live), copy_ps = page_size_of(mem);
    if (live_ps != copy_ps) {
        rc = STORE_EINVAL;
        snprintf(err, errlen, "cannot restore %s: its page size (%lld bytes) is not the "
                 "database's (%lld); change it first: sqlite3 %s 'PRAGMA journal_mode = DELETE; "
                 "PRAGMA page_size = %lld; VACUUM'", path, (long long)copy_ps, (long long)live_ps,
                 path, (long long)live_ps);
        goto cleanup;
    }
    if ((orc = backup_copy(live, mem)) != SQLITE_OK) {
        rc = db_sqlite_status(orc);
        snprintf(err, errlen, "restoring %s: %s", path, sqlite3_errmsg(live));
        goto cleanup;
    }
    rc = STORE_OK;
cleanup:
    sqlite3_close(mem);
    sqlite3_close(src);
    return rc;
}

const struct db_backend db_backend_sqlite = {
    .kind = DB_SQLITE,
    .name = "SQLite",
    .open = sq_open,
    .close = sq_close,
    .errmsg = sq_errmsg,
    .status = sq_status,
    .prepare = sq_prepare,
    .rebind = sq_rebind,
    .step = sq_step,
    .column_count = sq_column_count,
    .column_name = sq_column_name,
    .column_null = sq_column_null,
    .column_int64 = sq_column_int64,
    .column_text = sq_column_text,
    .changes = sq_changes,
    .reset = sq_reset,
    .finalize = sq_finalize,
    .exec = sq_exec,
    .begin = sq_begin,
    .begin_read = sq_begin_read,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .in_transaction = sq_in_transaction,
    .notify = sq_notify,
    .changed = sq_changed,
    .try_lock = sq_try_lock,
    .unlock = sq_unlock,
    .reconnect = sq_reconnect,
    .down_since = sq_down_since,
    .schema_begin = sq_schema_begin,
    .schema_check = sq_schema_check,
    .backup = sq_backup,
    .restore = sq_restore,
};

static const struct db_backend *sq_backend(void) { return &db_backend_sqlite; }
