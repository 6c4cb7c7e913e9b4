#ifndef ATTRITION_DB_SQLITE_H
#define ATTRITION_DB_SQLITE_H

/* The SQLite backend's one mapping of SQLite result codes to store statuses (SQLITE_READONLY,
 * SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_IOERR to STORE_EREADONLY; SQLITE_CORRUPT
 * and SQLITE_NOTADB to STORE_ECORRUPT; SQLITE_NOMEM to STORE_ENOMEM; OK, ROW, DONE to
 * STORE_OK; others STORE_EDB), extended codes by their primary code. For core/db_sqlite.c and
 * its tests (tests/test_store.c). */
int db_sqlite_status(int rc);

#endif
