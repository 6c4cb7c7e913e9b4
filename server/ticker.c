/* Periodic background threads. See ticker.h. */
#include "ticker.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct ticker {
    long period_ms;
    int first_now;
    ticker_fn fn;
    void *ud;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    volatile int stop;     /* written under lock; read by fn without it */
};

/* Waits period_ms on t->wake, or less when stopped. Returns 1 when stopped. Lock held. */
static int wait_period(struct ticker *t)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += t->period_ms / 1000;
    until.tv_nsec += (t->period_ms % 1000) * 1000L * 1000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    while (!t->stop && pthread_cond_timedwait(&t->wake, &t->lock, &until) != ETIMEDOUT)
        ;
    return t->stop;
}

static void *ticker_main(void *arg)
{
    struct ticker *t = arg;
    pthread_mutex_lock(&t->lock);
    int stop = t->first_now ? t->stop : wait_period(t);
    while (!stop) {
        pthread_mutex_unlock(&t->lock);
        t->fn(t->ud, &t->stop);
        pthread_mutex_lock(&t->lock);
        stop = wait_period(t);
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

struct ticker *ticker_start(long period_ms, int first_now, ticker_fn fn, void *ud)
{
    struct ticker *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->period_ms = period_ms;
    t->first_now = first_now;
    t->fn = fn;
    t->ud = ud;
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->wake, NULL);
    if (pthread_create(&t->thread, NULL, ticker_main, t) != 0) {
        pthread_cond_destroy(&t->wake);
        pthread_mutex_destroy(&t->lock);
        free(t);
        return NULL;
    }
    return t;
}

void ticker_stop(struct ticker *t)
{
    if (t == NULL)
        return;
    pthread_mutex_lock(&t->lock);
    t->stop = 1;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
    free(t);
}
