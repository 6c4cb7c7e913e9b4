/* JSON log lines on stdout. */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int access_on = 1;

void log_set_access(int on) { access_on = on; }
int log_access_enabled(void) { return access_on; }

void log_event_new(const char *event, json_t *fields)
{
    struct timeval tv;
    struct tm tm;
    char ts[40];
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + n, sizeof ts - n, ".%03ldZ", (long)(tv.tv_usec / 1000));
    json_t *line = json_pack("{s:s, s:s}", "ts", ts, "event", event);
    if (line && fields)
        json_object_update(line, fields);
    char *s = line ? json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (s) {
        size_t len = strlen(s);
        s[len] = '\n';
        /* One write(2) per line keeps lines whole across threads. */
        ssize_t w = write(STDOUT_FILENO, s, len + 1);
        (void)w;
    }
    free(s);
    json_decref(line);
    json_decref(fields);
}
