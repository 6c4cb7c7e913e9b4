#ifndef ATTRITION_STORE_CODES_H
#define ATTRITION_STORE_CODES_H

/* The store's status codes and open flags, on their own so that the storage seam (core/db.h)
 * and the modules the store uses name them without depending on the store itself. */

enum store_status {
    STORE_OK = 0,
    STORE_ENOMEM = -1,
    STORE_EDB = -2,       /* SQLite failed; store_errmsg() says why */
    STORE_ENOTFOUND = -3,
    STORE_ECONFLICT = -4, /* a different report for that date exists */
    STORE_EINVAL = -5,
    STORE_EREADONLY = -6, /* database or disk refuses writes (read-only, full) */
    STORE_ECORRUPT = -7,  /* not an attrition database, or damaged */
    STORE_EUNAVAILABLE = -8 /* the database server cannot be reached (PostgreSQL): try later */
};

#define STORE_OPEN_CREATE 1   /* create the file if missing */
#define STORE_OPEN_READONLY 2
#define STORE_OPEN_NOSEED 4   /* a new database gets no seed deployments yet: import decides
                               * (an export's own deployments and tombstones win) */

#endif
