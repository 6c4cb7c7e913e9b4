/* GET /dataset/{file}: the ministry dataset's three files made from the store, in the
 * dataset's own shape (core/dataset_export.c), so that readers of those files, and
 * `attrition sync --source dataset:http://host/dataset/`, can point here. Cacheable: made
 * once per data version. */
#include "handlers.h"
#include "reply.h"
#include "attrition/dataset.h"

#include <stdlib.h>

enum MHD_Result handle_dataset_file(request *req)
{
    int file = dataset_file_find(req->params[0]);
    char *text = NULL;
    size_t len = 0;
    if (file < 0)
        return reply_problem(req, MHD_HTTP_NOT_FOUND, "no dataset file \"%.64s\" (the files "
                             "are russia_losses_personnel.json, russia_losses_equipment.json "
                             "and russia_losses_equipment_correction.json)", req->params[0]);
    if (req->snap != NULL) /* an answer from one snapshot alone (warming): no store */
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "not rendered while warming");
    stats_snapshot *s = req_snapshot(req); /* the totals; also Last-Modified, as every GET */
    store_lock(req->app->st);
    int rc = dataset_export(req->app->st, s, file, &text, &len);
    store_unlock(req->app->st);
    stats_snapshot_unref(s);
    if (rc != STORE_OK && app_store_unreachable(req->app, rc))
        return reply_store_unavailable(req, "the dataset file could not be made");
    if (rc != STORE_OK)
        return reply_problem(req, MHD_HTTP_SERVICE_UNAVAILABLE, "the dataset file could not "
                             "be made from the store; retry");
    enum MHD_Result res = reply_bytes(req, MHD_HTTP_OK, "application/json; charset=utf-8",
                                      text, len);
    free(text);
    return res;
}
