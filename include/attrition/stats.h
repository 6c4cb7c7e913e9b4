#ifndef ATTRITION_STATS_H
#define ATTRITION_STATS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "attrition/date.h"

/* The statistics core: an immutable in-memory snapshot of every stored report, with the
 * daily losses derived once by the contract's rules. Readers share a snapshot through a
 * reference count; a write builds a new one and swaps it in, so a reader sees either the old
 * or the new state, never a mix. */

#define STATS_NONE INT64_MIN /* no value: category not reported / no daily value */

enum stats_status {
    STATS_OK = 0,
    STATS_ENOMEM = -1,
    STATS_EINVAL = -2, /* bad argument (unknown category, from after to, ...) */
    STATS_ENOTFOUND = -3,
    STATS_EDB = -4
};

typedef struct stats_category {
    char *id;           /* "personnel"; owned by the snapshot */
    char *label;        /* the ministry's label */
    char *unit;         /* "persons" or NULL */
    int replaced_by;    /* index of the successor, or -1 */
    int n_replaces;     /* predecessors (indices in replaces[]) */
    int *replaces;
    int first, last;    /* first and last report index with a total, -1 if none */
    int seeded;         /* 1: known to the service from config, 0: learnt from data */
} stats_category;

typedef struct stats_snapshot {
    uint64_t version;       /* data version: changes with every write */
    int64_t modified;       /* unix seconds of the last data change (0: never) */
    size_t n_cat;
    stats_category *cats;   /* in display order */
    size_t n_rep;
    int *dates;             /* report dates (day numbers), ascending, n_rep of them */
    int *span;              /* span_days of each report (first: days since war start) */
    int64_t *total;         /* [rep * n_cat + cat] cumulative total or STATS_NONE */
    int64_t *loss;          /* [rep * n_cat + cat] daily loss or STATS_NONE */
    unsigned char *qual;    /* [rep * n_cat + cat] index into quals, 0 = no qualifier */
    char **quals;           /* quals[0] = NULL; distinct qualifier strings */
    size_t n_quals;
    int refs;               /* reference count; use stats_snapshot_ref/unref */
    uint64_t deploy_version;/* meta deployments_version: bumped by every deployment write
                               (0: none yet); set by store_snapshot_load */
} stats_snapshot;

/* Input for stats_snapshot_build: one category as stored. */
typedef struct stats_category_def {
    const char *id, *label, *unit, *replaced_by; /* replaced_by: id or NULL */
    int seeded;
} stats_category_def;

/* Input for stats_snapshot_build: one stored value. */
typedef struct stats_value_def {
    int date;                /* day number */
    int cat;                 /* index into the category array */
    int64_t total;
    const char *qualifier;   /* or NULL */
} stats_value_def;

/* Builds a snapshot from categories and values (values in any order; copied, borrowed
 * only during the call). Derives losses, spans, first/last. Returns STATS_OK and a snapshot
 * with one reference in *out (the caller owns it: stats_snapshot_unref), or STATS_ENOMEM /
 * STATS_EINVAL (a value's cat out of range, replaced_by unknown) with *out untouched. */
int stats_snapshot_build(const stats_category_def *cats, size_t n_cat,
                         const stats_value_def *vals, size_t n_val,
                         uint64_t version, int64_t modified, stats_snapshot **out);

/* Reference counting (thread-safe). unref frees at zero; NULL is allowed. */
stats_snapshot *stats_snapshot_ref(stats_snapshot *s);
void stats_snapshot_unref(stats_snapshot *s);

/* Index of category id, or -1. */
int stats_category_index(const stats_snapshot *s, const char *id);

/* Index of the report of date `day`, or -1. */
int stats_report_index(const stats_snapshot *s, int day);

/* Index of the first report with date >= day (n_rep if none). */
size_t stats_lower_bound(const stats_snapshot *s, int day);

/* Value accessors; STATS_NONE where there is none. */
static inline int64_t stats_total(const stats_snapshot *s, size_t rep, size_t cat)
{ return s->total[rep * s->n_cat + cat]; }
static inline int64_t stats_loss(const stats_snapshot *s, size_t rep, size_t cat)
{ return s->loss[rep * s->n_cat + cat]; }
static inline const char *stats_qualifier(const stats_snapshot *s, size_t rep, size_t cat)
{ return s->quals[s->qual[rep * s->n_cat + cat]]; }

/* A selection of categories: mask[i] != 0 selects cats[i]. */
typedef struct stats_selection {
    size_t n;
    unsigned char *mask; /* n_cat entries, owned */
} stats_selection;

/* Parses "a,b,c" (NULL or "" = all) into sel. Returns STATS_OK, STATS_ENOMEM, or
 * STATS_EINVAL with the offending id copied into bad (badlen bytes, truncated). */
int stats_selection_parse(const stats_snapshot *s, const char *list, stats_selection *sel,
                          char *bad, size_t badlen);
void stats_selection_free(stats_selection *sel);

/* THE window of report dates, used by every endpoint that takes from/to. from and to are
 * inclusive day numbers (any date, before 1970 too) or DATE_NONE (open: from the first /
 * up to the latest report). On STATS_OK *lo..*hi-1 are the indices of the reports whose
 * dates lie in the window; it may be empty (lo == hi: to before the first report, from
 * after the latest, a gap) and is never widened. *from_out / *to_out are the window's ends
 * as answers echo them: the date asked for, an open end read as the first / latest report
 * (DATE_WAR_START for both when no report is stored). STATS_EINVAL when both are set and
 * from > to (out-parameters untouched). */
int stats_window(const stats_snapshot *s, int from, int to, size_t *lo, size_t *hi,
                 int *from_out, int *to_out);

/* ---- records and periods -------------------------------------------------------- */

/* Windows below: as stats_window (DATE_NONE: open end). STATS_OPEN is the same marker under
 * its older name; new code writes DATE_NONE. */
#define STATS_OPEN DATE_NONE

typedef struct stats_record {
    int rank;      /* standard competition ranking: 1, 2, 2, 4 */
    int date;
    int64_t value;
} stats_record;

/* The days with the greatest daily losses of category cat among the report dates from..to,
 * greatest first, equal values by earlier date, ranked by competition ranking. Returns
 * STATS_OK with *out (malloc'd, caller frees, even when *n is 0) holding *n = min(limit,
 * days with a value) records and *compared = the days with a value; STATS_EINVAL (cat out of
 * range, from > to with both set) or STATS_ENOMEM with *out untouched. */
int stats_records(const stats_snapshot *s, int cat, int from, int to, size_t limit,
                  stats_record **out, size_t *n, size_t *compared);

/* The record day of cat among the report dates from..to: the greatest daily loss, the
 * earliest date among equals, rank 1. Returns STATS_OK and fills *out, STATS_ENOTFOUND
 * when no day in the window has a value, STATS_EINVAL (as stats_records). No allocation. */
int stats_record_best(const stats_snapshot *s, int cat, int from, int to, stats_record *out);

/* Where the day `date` stands among the days from `from` (STATS_OPEN: first report) to `date`
 * inclusive, i.e. as of that date. Fills *self (its rank and value), *compared (days with a
 * value in the window) and *above with the days ranking ahead of it (strictly greater
 * values), at most max_above of them: the ones closest to it, best first (*above malloc'd,
 * caller frees; *n_above their count). Returns STATS_OK, STATS_ENOTFOUND (no report on
 * `date` or no daily value of cat on it), STATS_EINVAL (bad cat, from > date) or
 * STATS_ENOMEM; on failure the out-parameters are untouched. */
int stats_rank_of(const stats_snapshot *s, int cat, int date, int from, size_t max_above,
                  stats_record *self, stats_record **above, size_t *n_above,
                  size_t *compared);

enum stats_group { STATS_GROUP_NONE, STATS_GROUP_WEEK, STATS_GROUP_MONTH, STATS_GROUP_YEAR };

/* Parses "none|week|month|year" (NULL = none); -1 if unknown. */
int stats_group_parse(const char *s);
/* "none", "week", "month" or "year" (static string). */
const char *stats_group_name(int group);

typedef struct stats_period {
    char name[32];      /* "2024-10", "2024-W43", "2024", "2024-10-21..2024-10-25" */
    int from, to;       /* the calendar period clipped to the summary's window */
    int days;           /* calendar days from..to inclusive (>= 1) */
    int64_t *losses;    /* n_cat sums (STATS_NONE: no daily value in the period) */
    int n_reports;      /* reports inside */
} stats_period;

typedef struct stats_summary {
    int from, to, group; /* the effective window (see stats_summary_compute) */
    size_t n_cat;
    size_t n_periods;
    stats_period *periods;
} stats_summary;

/* Sums daily losses over calendar periods (group: ISO weeks Monday..Sunday, months, years,
 * or one period for STATS_GROUP_NONE) of the window from..to. The window is first clipped
 * to the stored reports (first report date .. latest report date): there is nothing to sum
 * outside them, and counting days without reports would understate per-day figures. Each
 * period is clipped to that window and sums the losses of the reports dated inside it (a
 * report after a gap counts in the period of its date). A window that holds no report
 * gives no period (out->from/to then echo the request, open ends read as the first and
 * latest report). Returns STATS_OK and fills *out (free with stats_summary_free, also after
 * a failure), STATS_EINVAL (unknown group, from > to with both set) or STATS_ENOMEM. */
int stats_summary_compute(const stats_snapshot *s, int from, int to, int group,
                          stats_summary *out);
void stats_summary_free(stats_summary *sum);

/* The change of period p against period p-1 for category cat. When the two periods hold
 * the same number of days the sums are compared, otherwise the per-day means (per_day = 1).
 * Returns 0 and fills the fields (unrounded), or -1 when there is no previous period or
 * either side has no value. pct = delta / previous * 100, NAN when previous is 0. */
typedef struct stats_change {
    double previous, current, delta, pct;
    int per_day;
} stats_change;
int stats_period_change(const stats_summary *sum, size_t p, size_t cat, stats_change *out);

#endif
