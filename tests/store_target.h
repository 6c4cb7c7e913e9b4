#ifndef ATTRITION_TEST_STORE_TARGET_H
#define ATTRITION_TEST_STORE_TARGET_H

#include <stddef.h>

/* The database a unit test's store opens (store_open's target), so that the store's unit
 * tests run on both backends: ":memory:" (SQLite), or, when ATTRITION_TEST_PG names a
 * PostgreSQL cluster (scripts/pg-tmp; meson test --setup pg), a fresh empty schema there
 * (a libpq key=value target whose search_path is that schema). Each call gives a new,
 * empty database, as ":memory:" does; the schemas are dropped when the process exits.
 * The string is the caller's until the next call. NULL (printed) if the cluster refused. */
const char *test_store_target(void);

/* A libpq key=value target for ATTRITION_TEST_PG's server with dbname, user, password and
 * search_path replaced (NULL: as there / unset) into buf. 0, or -1 when ATTRITION_TEST_PG
 * is not a libpq target. */
int test_pg_target(char *buf, size_t len, const char *dbname, const char *user,
                   const char *password, const char *schema);

#endif
