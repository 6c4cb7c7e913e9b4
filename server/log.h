#ifndef ATTRITION_LOG_H
#define ATTRITION_LOG_H

#include <jansson.h>

/* One JSON object per line on stdout: {"ts": ISO 8601 UTC with ms, "event": ..., fields}.
 * log_event_new steals fields (an object or NULL). Thread-safe (one write per line). */
void log_event_new(const char *event, json_t *fields);

/* Disables or enables request lines (log_request) at run time. */
void log_set_access(int on);
int log_access_enabled(void);

#endif
