#ifndef ATTRITION_DATE_H
#define ATTRITION_DATE_H

/* Calendar dates as day numbers: days since 1970-01-01 (proleptic Gregorian). */

#include <limits.h>

/* THE marker of an absent date (an open window end, a date not given). Every valid day
 * number lies in -719162 (0001-01-01) .. 2932896 (9999-12-31), so no date, not even
 * 1969-12-31 (-1), can be mistaken for it. */
#define DATE_NONE INT_MIN

#define DATE_WAR_START 19047 /* 2022-02-24, war day 1 */
#define DATE_STR_LEN 11      /* "YYYY-MM-DD" and its NUL */

/* Parses exactly "YYYY-MM-DD" (year 1..9999) with a real calendar day into *days.
 * Returns 0, or -1 (and leaves *days alone) for anything else: other lengths, signs,
 * spaces, month 13, 2024-02-30. s must be NUL-terminated; it is borrowed. */
int date_parse(const char *s, int *days);

/* Same, for exactly len bytes of s (not necessarily NUL-terminated). */
int date_parse_n(const char *s, unsigned long len, int *days);

/* Days since 1970-01-01 of y-m-d; the caller guarantees a valid date. */
int date_from_ymd(int y, int m, int d);

/* Splits a day number into year, month (1..12) and day (1..31). */
void date_to_ymd(int days, int *y, int *m, int *d);

/* Writes "YYYY-MM-DD" and a NUL into out (DATE_STR_LEN bytes). Returns out. */
char *date_format(int days, char out[DATE_STR_LEN]);

/* The war day of a report date: 2022-02-24 is day 1. */
int date_war_day(int days);

/* 1 (Monday) .. 7 (Sunday). */
int date_weekday(int days);

/* ISO 8601 week-numbering year and week (1..53) of a day. */
void date_iso_week(int days, int *iso_year, int *week);

/* Number of days in month m of year y. */
int date_days_in_month(int y, int m);

/* Today's date in UTC. */
int date_today(void);

#endif
