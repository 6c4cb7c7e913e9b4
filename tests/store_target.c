/* See store_target.h. */
#include "store_target.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The value of option o in the target test_pg_target makes: the override given for dbname,
 * user and password, none for options when a schema replaces them, else the base's own. */
static const char *option_value(const PQconninfoOption *o, const char *dbname,
                                const char *user, const char *password, const char *schema)
{
    if (strcmp(o->keyword, "dbname") == 0 && dbname)
        return dbname;
    if (strcmp(o->keyword, "user") == 0 && user)
        return user;
    if (strcmp(o->keyword, "password") == 0 && password)
        return password;
    if (strcmp(o->keyword, "options") == 0 && schema)
        return NULL;
    return o->val;
}

int test_pg_target(char *buf, size_t len, const char *dbname, const char *user,
                   const char *password, const char *schema)
{
    const char *base = getenv("ATTRITION_TEST_PG");
    char *msg = NULL;
    PQconninfoOption *opts = base ? PQconninfoParse(base, &msg) : NULL;
    if (!opts) {
        fprintf(stderr, "ATTRITION_TEST_PG: %s\n", msg ? msg : "unset");
        PQfreemem(msg);
        return -1;
    }
    size_t at = 0;
    buf[0] = '\0';
    /* dbname first: "dbname=" makes db_kind_of see PostgreSQL */
    for (PQconninfoOption *o = opts; o->keyword && at == 0; o++) {
        const char *v = option_value(o, dbname, user, password, schema);
        if (v && strcmp(o->keyword, "dbname") == 0)
            at = (size_t)snprintf(buf, len, "dbname='%s'", v);
    }
    if (at == 0)
        at = (size_t)snprintf(buf, len, "dbname='postgres'");
    for (PQconninfoOption *o = opts; o->keyword && at < len; o++) {
        const char *v = option_value(o, dbname, user, password, schema);
        if (v && strcmp(o->keyword, "dbname") != 0)
            at += (size_t)snprintf(buf + at, len - at, " %s='%s'", o->keyword, v);
    }
    if (password && !strstr(buf, " password=") && at < len)
        at += (size_t)snprintf(buf + at, len - at, " password='%s'", password);
    if (schema && at < len)
        snprintf(buf + at, len - at, " options='-c search_path=%s'", schema);
    PQconninfoFree(opts);
    return 0;
}

static PGconn *admin;

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}
static int made;   /* schemas made by this process: t<pid>_0 .. t<pid>_<made-1> */

static void drop_schemas(void)
{
    if (!admin)
        return;
    for (int i = 0; i < made; i++) {
        char sql[96];
        snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS t%ld_%d CASCADE", (long)getpid(), i);
        PQclear(PQexec(admin, sql));
    }
    PQfinish(admin);
    admin = NULL;
}

const char *test_store_target(void)
{
    static char buf[1024];
    const char *pg = getenv("ATTRITION_TEST_PG");
    if (!pg || !*pg)
        return ":memory:";
    if (!admin) {
        admin = PQconnectdb(pg);
        if (PQstatus(admin) != CONNECTION_OK) {
            fprintf(stderr, "ATTRITION_TEST_PG: %s", PQerrorMessage(admin));
            PQfinish(admin);
            admin = NULL;
            return NULL;
        }
        PQsetNoticeProcessor(admin, quiet, NULL);   /* "drop cascades to ..." */
        atexit(drop_schemas);
    }
    char schema[48], sql[96];
    snprintf(schema, sizeof schema, "t%ld_%d", (long)getpid(), made);
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", schema);
    PGresult *r = PQexec(admin, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "%s: %s", sql, PQerrorMessage(admin));
    PQclear(r);
    if (!ok)
        return NULL;
    made++;
    if (test_pg_target(buf, sizeof buf, NULL, NULL, NULL, schema) != 0)
        return NULL;
    return buf;
}
