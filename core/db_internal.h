#ifndef ATTRITION_DB_INTERNAL_H
#define ATTRITION_DB_INTERNAL_H

/* What a storage backend implements, for core/db.c (the dispatch) and the backends only
 * (core/db_sqlite.c, core/db_pg.c); other core modules include core/db.h and never this.
 *
 * A backend defines one `const struct db_backend db_backend_<name>` and its own connection
 * and statement structs whose FIRST member is the common header below (struct db /
 * struct db_stmt), so that db.c can find the vtable from any handle:
 *
 *     struct pg_db { struct db base; PGconn *conn; ... };        base.be = &db_backend_pg
 *     struct pg_stmt { struct db_stmt base; struct pg_db *d; ... };  base.be likewise
 *
 * db.c does the NULL checks the contracts in db.h promise (db_close(NULL), db_finalize(NULL),
 * db_run(NULL, ...)), varargs (db_prepare calls prepare with a va_list), db_run (step,
 * changes, finalize) and db_target_redacted / db_kind_of; every other db_* function is one
 * call through the vtable with the same contract as in db.h. Adding the PostgreSQL backend:
 * core/db_pg.c defines `const struct db_backend db_backend_pg`, and meson.build adds that file
 * to core_lib's sources with c_args '-DATTRITION_PG' (core/db.c's table then lists it; without
 * it db_open of a postgres target is STORE_EINVAL "this build has no PostgreSQL backend").
 * Errors: every function that fails leaves its store status for status() and a message for
 * errmsg() (never a password: see db_target_redacted). */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

struct db {
    const struct db_backend *be;
};

struct db_stmt {
    const struct db_backend *be;
};

struct db_backend {
    int kind;          /* DB_SQLITE or DB_POSTGRES: the db_kind_of(target) it serves */
    const char *name;  /* "SQLite", "PostgreSQL": for messages */

    /* db_open: target is never NULL; flags STORE_OPEN_*. On STORE_OK *out is the new
     * connection (its base.be set); on failure *out untouched and err says why (never a
     * password). */
    int (*open)(const char *target, int flags, db **out, char *err, size_t errlen);
    void (*close)(db *d);                 /* d != NULL */
    const char *(*errmsg)(db *d);
    int (*status)(db *d);

    /* db_prepare_va: fmt as in db.h ('t', 'i', 'n'); NULL on failure with status/errmsg. */
    db_stmt *(*prepare)(db *d, const char *sql, const char *fmt, va_list ap);
    /* Resets s (as reset) and binds new arguments described by fmt in place of the old
     * ones (the same number of parameters). A store status. For statements kept prepared
     * across calls (store.c's cache of hot statements). */
    int (*rebind)(db_stmt *s, const char *fmt, va_list ap);
    int (*step)(db_stmt *s);
    int (*column_count)(db_stmt *s);
    const char *(*column_name)(db_stmt *s, int i);
    int (*column_null)(db_stmt *s, int i);
    int64_t (*column_int64)(db_stmt *s, int i);
    const char *(*column_text)(db_stmt *s, int i);
    int64_t (*changes)(db_stmt *s);
    void (*reset)(db_stmt *s);
    void (*finalize)(db_stmt *s);         /* s != NULL */

    int (*exec)(db *d, const char *sql);
    int (*begin)(db *d);
    int (*begin_read)(db *d);
    int (*commit)(db *d);
    void (*rollback)(db *d);
    int (*in_transaction)(db *d);

    int (*notify)(db *d, uint64_t version);
    int (*changed)(db *d, int *changed);
    int (*try_lock)(db *d, int64_t key, int *got);
    void (*unlock)(db *d, int64_t key);
    int (*reconnect)(db *d);
    int64_t (*down_since)(db *d);

    /* ---- the schema: what only the backend knows (see db.h, db_schema_begin etc.) ---- */

    /* db_schema_begin: outside any transaction. Reads the schema version (SQLite: PRAGMA
     * user_version; PostgreSQL: meta 'schema_version'), refuses a database that is newer
     * than STORE_SCHEMA_VERSION or has tables but no version (STORE_ECORRUPT), then starts
     * a write transaction (db_begin), migrates step by step, creates what is missing
     * (config/schema.sql; config/schema_pg.sql) and records STORE_SCHEMA_VERSION. On
     * STORE_OK the write transaction is LEFT OPEN for the caller (store.c seeds categories
     * and deployments in it, then commits) and *fresh is 1 when the database was empty
     * (else 0). On failure no transaction is open and err says why. */
    int (*schema_begin)(db *d, int *fresh, char *err, size_t errlen);
    /* db_schema_check: an integrity check of an existing database after open (SQLite: PRAGMA
     * quick_check; PostgreSQL: STORE_OK). STORE_OK or STORE_ECORRUPT with "database <target>
     * is damaged: ..." in err. */
    int (*schema_check)(db *d, const char *target, char *err, size_t errlen);
    /* db_backup: a consistent copy of the whole database into the file path (SQLite);
     * PostgreSQL: STORE_EINVAL "use pg_dump". Message in err on failure. */
    int (*backup)(db *d, const char *path, char *err, size_t errlen);
    /* db_restore: replaces the database's content by the copy in the file path in one
     * commit whose meta 'data_version' is above both `before` and the copy's (SQLite);
     * PostgreSQL: STORE_EINVAL "use pg_restore". The caller then runs db_schema_begin (the
     * copy may be older) and commits. Message in err on failure. */
    int (*restore)(db *d, const char *path, uint64_t before, char *err, size_t errlen);
};

/* The backends this build has (core/db.c's table). */
extern const struct db_backend db_backend_sqlite;
#ifdef ATTRITION_PG
extern const struct db_backend db_backend_pg;
#endif

#endif
