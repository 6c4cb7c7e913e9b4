#ifndef ATTRITION_TICKER_H
#define ATTRITION_TICKER_H

/* A background thread that calls a function periodically until stopped: serve's sync
 * thread (sync.h) runs on one. The period counts from the end
 * of one call to the start of the next; stopping wakes a waiting thread at once. */

/* One call: ud as given to ticker_start; stopping is set once ticker_stop began (a long
 * call, a sync round, may poll it to end early). */
typedef void (*ticker_fn)(void *ud, volatile int *stopping);

struct ticker;

/* Starts a thread calling fn(ud) every period_ms milliseconds, the first time at once when
 * first_now is non-zero. Returns NULL when the thread cannot start. */
struct ticker *ticker_start(long period_ms, int first_now, ticker_fn fn, void *ud);

/* Stops the thread (after a call in progress returns), joins and frees it. NULL-safe. */
void ticker_stop(struct ticker *t);

#endif
