#ifndef ATTRITION_DB_PG_H
#define ATTRITION_DB_PG_H

/* The PostgreSQL backend of the storage seam (core/db_pg.c): its vtable for core/db.c and
 * what its tests reach. libpq types stay in core/db_pg.c. */

#include "db_internal.h"

extern const struct db_backend db_backend_pg;

/* The advisory lock key db_begin takes (transaction-scoped) so that writers on every
 * replica go one at a time, as on one SQLite file. */
#define PG_WRITE_LOCK_KEY 0x61747472 /* "attr" */

/* ?N placeholders to $N outside string literals, quoted identifiers and comments: a new
 * string (caller frees) or NULL (no memory). */
char *pg_sql_translate(const char *sql);

/* config/schema_pg.sql, embedded (generated at build time). */
extern const char store_schema_pg_sql[];

#endif
