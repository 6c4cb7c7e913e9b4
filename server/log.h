#ifndef ATTRITION_LOG_H
#define ATTRITION_LOG_H

#include <stddef.h>
#include <jansson.h>

/* One JSON object per line: {"ts": ISO 8601 UTC with ms, "event": ..., fields}.
 *
 * Two modes. Without a writer (import, export, before log_start) every line is one write(2)
 * to stdout under a lock. With the writer (log_start, as `serve` runs), a thread formats its
 * line into a buffer of its own (no lock shared with other request threads) and ONE writer
 * thread writes the buffers out in large blocks: at least every 100 ms, at once when a
 * buffer passes half full or an event line (not a request line) is added, and everything at
 * log_stop. A line is appended whole or not at all, and blocks are written whole by one
 * thread, so lines are never torn or interleaved. Memory is bounded (two buffers per thread
 * that ever logged): when the writer cannot keep up (stdout is a pipe nobody reads), lines
 * that do not fit are dropped and counted (log_dropped), and the logging thread never
 * waits for the writer. */

/* log_event_new steals fields (an object or NULL). Thread-safe. Fields that Jansson cannot
 * pack (invalid UTF-8) make json_pack return NULL: the line then has ts and event only. */
void log_event_new(const char *event, json_t *fields);

/* The access line {"ts","event":"request","method","path","status","bytes","duration_ms",
 * "completed"}, formatted without Jansson. method and path are escaped as JSON strings;
 * bytes that are not valid UTF-8 are written as the four characters \xHH (in JSON "\\xC0"),
 * the same convention as problem details, so no field is ever lost. A path longer than
 * LOG_PATH_MAX bytes is cut there and the line gets "path_truncated":true. Thread-safe;
 * never blocks on the output. method and path may be NULL (logged as ""). */
#define LOG_PATH_MAX 4096
void log_request(const char *method, const char *path, unsigned status, size_t bytes,
                 double duration_ms, int completed);

/* Starts the writer thread writing to fd (STDOUT_FILENO for serve) with per-thread
 * buffers of buf_bytes each (0: the default, 256 KiB; at least 16 KiB). Returns 0, or -1
 * when the thread cannot start (lines then stay synchronous) or it already runs. */
int log_start(int fd, size_t buf_bytes);

/* Writes out everything buffered, stops and joins the writer, frees the buffers; an output
 * that stays blocked (a pipe nobody reads) is given up after about 2 s in all, its lines
 * counted as dropped, so a shutdown never hangs on the log. Lines logged afterwards are
 * synchronous again. A no-op when the writer does not run. Call it
 * only once no other thread logs any more (after MHD_stop_daemon). */
void log_stop(void);

/* Asks the writer for a flush and waits until every line buffered before the call has been
 * written (or dropped). A no-op without the writer. */
void log_flush(void);

/* Lines dropped since the process started because the writer could not keep up. */
unsigned long long log_dropped(void);

/* Disables or enables request lines at run time. */
void log_set_access(int on);
int log_access_enabled(void);

#endif
