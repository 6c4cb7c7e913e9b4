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
} import_result;

const char *import_kind_name(int kind);

/* Imports len bytes of one file named name (for messages) inside the caller's transaction.
 * Adds to *res. Returns 0, or -1 with a message naming the file and the entry in err. */
int import_buffer(store *st, const char *name, const char *data, size_t len,
                  import_result *res, char *err, size_t errlen);

/* Imports files in one transaction: all or nothing. On success bumps the data version if
 * anything changed. Returns 0, or -1 with a message in err (the database is unchanged). */
int import_files(store *st, const char *const *paths, size_t n, import_result *res,
                 char *err, size_t errlen);

/* Writes everything stored to out: format "json" (everything: categories, reports,
 * revisions, correction notes, deployments, dataset entry layouts, annotations) or "csv" (reports: date,day,<ids>,<id>*).
 * Returns 0, or -1 with a message in err. */
int import_export(store *st, const char *format, FILE *out, char *err, size_t errlen);

#endif
