#ifndef ATTRITION_SERVE_H
#define ATTRITION_SERVE_H

#include "config.h"

/* Runs `attrition serve` with cfg until SIGTERM or SIGINT (which the caller has blocked in
 * every thread: serve waits for them with sigwait). Returns the process exit code: 0 after
 * a clean shutdown, 1 when the database cannot be opened, 2 when the port cannot be bound. */
int serve_run(const config *cfg);

#endif
