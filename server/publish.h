#ifndef ATTRITION_PUBLISH_H
#define ATTRITION_PUBLISH_H

#include "app.h"

/* Who hears of a new snapshot: every install (app_snapshot_install) is announced to the
 * registered listeners (server/events.c: Server-Sent Events; server/webhook.c: webhooks). */

typedef void (*publish_listener)(void *ud, const stats_snapshot *old, const stats_snapshot *fresh);
/* Registers fn; called on the publish thread after each install, in version order; old may be NULL at start. fn must not block (it queues work). Returns 0, or -1 when the table (8 entries) is full. Call before serving starts. */
int publish_listen(app *a, publish_listener fn, void *ud);

/* Calls every listener with old (may be NULL) and fresh, both borrowed for the call. Called
 * by app_snapshot_install after the swap; installs are serialised by the store lock, so the
 * listeners see versions in order. */
void publish_notify_installed(app *a, const stats_snapshot *old, const stats_snapshot *fresh);

#endif
