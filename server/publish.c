/* The listeners of new snapshots (publish.h). A minimal table: installs are serialised by
 * the store lock (app.h), so listeners are called on the installing thread, in order. */
#include "publish.h"

#define PUBLISH_MAX 8

static struct {
    app *a;
    publish_listener fn;
    void *ud;
} listeners[PUBLISH_MAX];
static int n_listeners;

int publish_listen(app *a, publish_listener fn, void *ud)
{
    if (n_listeners >= PUBLISH_MAX)
        return -1;
    listeners[n_listeners].a = a;
    listeners[n_listeners].fn = fn;
    listeners[n_listeners].ud = ud;
    n_listeners++;
    return 0;
}

void publish_notify_installed(app *a, const stats_snapshot *old, const stats_snapshot *fresh)
{
    for (int i = 0; i < n_listeners; i++)
        if (listeners[i].a == a)
            listeners[i].fn(listeners[i].ud, old, fresh);
}
