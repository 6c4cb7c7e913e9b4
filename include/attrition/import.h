#ifndef ATTRITION_IMPORT_H
#define ATTRITION_IMPORT_H

#include <stddef.h>
#include <stdio.h>
#include "attrition/store.h"

/* Loading data files into the store, and exporting it back.
 *
 * import recognises a file by its content, not its name:
 * - the ministry dataset's personnel file (a JSON array of {date, personnel, personnel*, ...}),
 * - its equipment file (a JSON array of {date, tank, APC, ...}),
 * - its corrections file (a JSON array of {date, personnel, tank, ...} with signed amounts),
 *   each entry's keys in their order, its "day" and its text annotations kept too
 *   (attrition/dataset.h: /dataset/ gives the files back as they were),
 * - an attrition export (JSON {"format": "attrition-export", ...} or the CSV export),
 * - deployment estimates (JSON {"deployments": [...]}, as config/deployments.json). */

enum import_kind {
    IMPORT_PERSONNEL, IMPORT_EQUIPMENT, IMPORT_CORRECTIONS, IMPORT_EXPORT_JSON,
    IMPORT_EXPORT_CSV, IMPORT_DEPLOYMENTS
};

typedef struct import_result {
    size_t files;
    size_t reports_seen;        /* report dates present in the files */
    size_t reports_added;       /* report dates new to the database */
    size_t values_changed;      /* totals inserted or changed */
    size_t notes_changed;       /* correction notes inserted or changed */
    size_t deployments_added;
    size_t annotations;         /* text fields such as "greatest losses direction" (stored) */
    size_t extras_changed;      /* entry layouts and annotations written or changed */
    size_t day_mismatches;      /* entries whose "day" disagrees with "date" (date wins) */
    char new_categories[32][64];
    size_t n_new;               /* categories created (first 32 listed) */
    int kinds[16];              /* enum import_kind of each file (first 16) */
    /* Set by the caller before import_buffer: 1 keeps every stored total of the ministry
     * files as it is (a value that differs is counted and skipped, not written); used by
     * sync for every source after the first ("the first source wins"). */
    int keep_existing;
    size_t disagreements;       /* values skipped so, the first described below */
    char disagreement[256];     /* "<date> <category>: stored <v>, <name> says <v>" */
    /* Set by the caller: "import" (NULL) or "sync". A version written is by "<by_kind>
     * <name>" (report.written_by). */
    const char *by_kind;
    size_t revisions;           /* stored versions kept as revisions (one per report a run) */
    /* Values of a file that differ from (or are missing in) a report written through the
     * API (POST, PUT): never applied, kept in sync_disagreement, the first described. */
    size_t api_kept;
    char api_example[320];      /* "<date> <category>: stored <v> (post), <name> says <v>" */
    int export_seen;            /* an attrition export (JSON) was imported */
    int *revised;               /* dates revised in this run (owned: import_result_free) */
    size_t n_revised, cap_revised;
    int *dates;                 /* report dates of the ministry files read, in file order */
    size_t n_dates, cap_dates;  /* (owned: import_result_free) */
} import_result;

/* Frees what res owns (not res). NULL-safe. */
void import_result_free(import_result *res);

const char *import_kind_name(int kind);

/* Imports len bytes of one file named name (for messages) inside the caller's transaction.
 * Adds to *res (zeroed by the caller before the run's first file; its lists are the
 * caller's to free with import_result_free after the run). Returns 0, or -1 with a message
 * naming the file and the entry in err. */
int import_buffer(store *st, const char *name, const char *data, size_t len,
                  import_result *res, char *err, size_t errlen);

/* Imports files in one transaction: all or nothing. On success bumps the data version if
 * anything changed. A database created for this import (STORE_OPEN_NOSEED) gets the seed
 * deployments only when no export was among the files (an export says which estimates
 * exist). res is reset first; its lists are freed before the return (counters kept).
 * Returns 0, or -1 with a message in err (the database is unchanged).
 *
 * Revisions: whoever changes a stored value (POST, PUT, import, sync), the version before
 * is kept in report_revision with when and by whom; one revision per report and run. A
 * report whose current version came from the API (POST/PUT) is never changed by import
 * or sync: a differing value is counted in api_kept and kept in sync_disagreement. */
int import_files(store *st, const char *const *paths, size_t n, import_result *res,
                 char *err, size_t errlen);

/* Writes everything stored to out: format "json" (everything: categories, reports,
 * revisions, correction notes, deployments, dataset entry layouts, annotations) or "csv" (reports: date,day,<ids>,<id>*).
 * Returns 0, or -1 with a message in err. */
/* The version of the JSON export's format: export writes it; import refuses a newer one (its
 * fields would be lost) or one that is not a positive integer. */
#define IMPORT_EXPORT_VERSION 2

int import_export(store *st, const char *format, FILE *out, char *err, size_t errlen);

#endif
