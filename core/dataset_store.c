/* Storing what the dataset's files hold besides totals: entry layouts and text annotations
 * (include/attrition/dataset.h). */
#include "attrition/dataset.h"
#include "store_internal.h"
#include "attrition/date.h"

#include <string.h>

static const char *const FILE_NAMES[DATASET_FILES] = {"personnel", "equipment", "correction"};
static const char *const FILE_PATHS[DATASET_FILES] = {
    "russia_losses_personnel.json", "russia_losses_equipment.json",
    "russia_losses_equipment_correction.json"};

const char *dataset_file_name(int file)
{
    return file >= 0 && file < DATASET_FILES ? FILE_NAMES[file] : NULL;
}

const char *dataset_file_path(int file)
{
    return file >= 0 && file < DATASET_FILES ? FILE_PATHS[file] : NULL;
}

int dataset_file_find(const char *path)
{
    for (int f = 0; f < DATASET_FILES; f++)
        if (strcmp(path, FILE_PATHS[f]) == 0)
            return f;
    return -1;
}

/* Runs an upsert stmt (NULL: a failed prepare) and reports in *changed whether it wrote. */
static int upsert(store *st, db_stmt *stmt, int *changed)
{
    int64_t n = 0;
    (void)st;
    int rc = db_run(stmt, &n);
    *changed = rc == STORE_OK && n > 0;
    return rc;
}

int dataset_entry_set(store *st, int file, int date, int64_t day, const char *keys, int keep,
                      int *changed)
{
    char ds[DATE_STR_LEN];
    *changed = 0;
    if (dataset_file_name(file) == NULL)
        return STORE_EINVAL;
    date_format(date, ds);
    return upsert(st, store_prepare(st, keep
        ? "INSERT INTO dataset_entry(file, date, day, keys) VALUES(?1, ?2, ?3, ?4) "
          "ON CONFLICT DO NOTHING"
        : "INSERT INTO dataset_entry(file, date, day, keys) VALUES(?1, ?2, ?3, ?4) "
          "ON CONFLICT(file, date) DO UPDATE SET day = excluded.day, keys = excluded.keys "
          "WHERE dataset_entry.day IS DISTINCT FROM excluded.day "
          "OR dataset_entry.keys IS DISTINCT FROM excluded.keys",
        "ttnt", dataset_file_name(file), ds, day == INT64_MIN ? STATS_NONE : day, keys), changed);
}

int dataset_annotation_set(store *st, int date, const char *key, const char *value, int keep,
                           int *changed)
{
    char ds[DATE_STR_LEN];
    date_format(date, ds);
    return upsert(st, store_prepare(st, keep
        ? "INSERT INTO report_annotation(date, key, value) VALUES(?1, ?2, ?3) "
          "ON CONFLICT DO NOTHING"
        : "INSERT INTO report_annotation(date, key, value) VALUES(?1, ?2, ?3) "
          "ON CONFLICT(date, key) DO UPDATE SET value = excluded.value "
          "WHERE report_annotation.value IS DISTINCT FROM excluded.value",
        "ttt", ds, key, value), changed);
}
