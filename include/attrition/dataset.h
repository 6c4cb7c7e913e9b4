#ifndef ATTRITION_DATASET_H
#define ATTRITION_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "attrition/store.h"

/* The ministry dataset's three files (russia_losses_personnel.json, ..._equipment.json,
 * ..._equipment_correction.json), kept and given back whole: import stores each entry's
 * keys in their order with its own "day" (dataset_entry) and its text annotations
 * (report_annotation); dataset_export writes a file in the dataset's shape from the store.
 * The totals themselves are report values, the corrections correction notes. */

typedef enum dataset_file {
    DATASET_PERSONNEL, DATASET_EQUIPMENT, DATASET_CORRECTION, DATASET_FILES
} dataset_file;

/* "personnel", "equipment", "correction" (the schema's names); NULL out of range. */
const char *dataset_file_name(int file);
/* The file's public name, "russia_losses_personnel.json" ...; NULL out of range. */
const char *dataset_file_path(int file);
/* The file named path (as dataset_file_path), or -1. */
int dataset_file_find(const char *path);

/* Stores the layout of one entry of file: its keys (a JSON array text, borrowed) and its own
 * "day" (INT64_MIN: none). With keep, an existing layout is kept. *changed = 1 when a row was
 * written or changed. Inside the caller's transaction; returns a store status. */
int dataset_entry_set(store *st, int file, int date, int64_t day, const char *keys, int keep,
                      int *changed);

/* Stores the text annotation key = value of report date (keep: an existing one is kept).
 * *changed as above. Returns a store status. */
int dataset_annotation_set(store *st, int date, const char *key, const char *value, int keep,
                           int *changed);

/* The dataset file `file` made from the store and snap (the reports as of one data version,
 * borrowed; NULL: loaded from the store here): a JSON array, oldest first, each entry's keys
 * in the order its source had (a report that came from elsewhere: the personnel file's
 * date, day, personnel, personnel*, POW; the equipment file's order of the nearest earlier
 * entry, then other categories by their dataset key), integers as integers, annotations as
 * strings; indented by 4 as the dataset is. Reads the store (the caller holds its lock).
 * Returns STORE_OK with a malloc'd NUL-terminated text in *out (caller frees) and its length,
 * or a store status. */
int dataset_export(store *st, const stats_snapshot *snap, int file, char **out, size_t *len);

#endif
