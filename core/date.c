/* Calendar arithmetic on day numbers (days since 1970-01-01), proleptic Gregorian.
 * The civil-from-days conversions follow the well-known era-based algorithm. */
#include "attrition/date.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int date_days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

int date_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void date_to_ymd(int days, int *y, int *m, int *d)
{
    int z = days + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int date_parse_n(const char *s, unsigned long len, int *days)
{
    int y, m, d;
    if (s == NULL || len != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    if (digits(s, 4, &y) || digits(s + 5, 2, &m) || digits(s + 8, 2, &d))
        return -1;
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > date_days_in_month(y, m))
        return -1;
    *days = date_from_ymd(y, m, d);
    return 0;
}

int date_parse(const char *s, int *days)
{
    if (s == NULL)
        return -1;
    return date_parse_n(s, strlen(s), days);
}

char *date_format(int days, char out[DATE_STR_LEN])
{
    int y, m, d;
    date_to_ymd(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        y = y < 0 ? 0 : 9999;
    snprintf(out, DATE_STR_LEN, "%04d-%02d-%02d", y, m, d);
    return out;
}

int date_war_day(int days)
{
    return days - DATE_WAR_START + 1;
}

int date_weekday(int days)
{
    /* 1970-01-01 was a Thursday (4). */
    int w = (days % 7 + 7) % 7; /* 0 = Thursday */
    return (w + 3) % 7 + 1;
}

void date_iso_week(int days, int *iso_year, int *week)
{
    /* The ISO year of a day is the year of the Thursday of its week. */
    int thursday = days - date_weekday(days) + 4;
    int y, m, d;
    date_to_ymd(thursday, &y, &m, &d);
    *iso_year = y;
    *week = (thursday - date_from_ymd(y, 1, 1)) / 7 + 1;
}

int date_today(void)
{
    time_t now = time(NULL);
    return (int)(now / 86400);
}
