/*
 * snapshot: the scheduler's input as plain JSON, read from a dump file or
 * from ZooKeeper, and the one place that turns it into a placement view.
 * drove-sched (live and --state) and drove-httpd's capacity check share it.
 *
 * A snapshot is a jansson object (every member optional):
 *   {"executors":    {<executorId>: ExecutorNodeData},
 *    "applications": {<appId>: ApplicationInfo},
 *    "assignments":  {<executorId>: {<instanceId>: ApplicationInstanceSpec}},
 *    "requests":     {<instanceId>: {"appId",...,"created"}},
 *    "warnings":     ["executor 'x': bad JSON", ...]}
 * keyed by znode name, as /<ns>/executor/<eid>, /<ns>/applications/<appId>,
 * /<ns>/assignments/<eid>/<iid> and /<ns>/requests/<iid> hold them.
 *
 * snap_parse(): NDJSON as `drove-zkcli dump /<ns>` prints it, one
 * {"path":"/<ns>/...","data":...} per line (blank lines skipped).  ns NULL
 * takes the namespace of the first line; lines of another namespace and
 * other paths are ignored.  A recognised path whose data is not an object
 * (an executor also needs a "state" object) is an error.  Returns a new
 * snapshot, or NULL with errno EINVAL and err_text() "line N: ..." (for
 * bad JSON "line N column C: ...") / ENOMEM.
 * snap_put_path(): one such line already parsed: 1 kept, 0 ignored, -1
 * EINVAL (wrong shape; err_text() says why) / ENOMEM.
 *
 * snap_load_zk(): reads the live state into snap: what is an OR of
 * SNAP_EXECUTORS (node data of every /<ns>/executor/<eid> plus every
 * assignment under /<ns>/assignments/<eid>/), SNAP_APPS, SNAP_REQUESTS.
 * watch sets watches on the executor directory, each executor's data and
 * assignment directory and the requests directory (exists watches where a
 * directory is missing).  Unreadable or non-JSON znodes go to "warnings".
 * 0, or -1 with errno (ENOTCONN: try later; other: ZooKeeper trouble) and
 * err_text() "unable to read '<failing path>': <ZooKeeper's text>".
 *
 * snap_view(): a new placement view: every executor (ascending id) then
 * every assignment held; executors the view refuses go to "warnings".
 * NULL on ENOMEM.
 * snap_requests(): a new array of the requests, each with "instanceId" set
 * to its znode name, oldest "created" first, ties by instanceId.
 * snap_pl_request(): the placement request of one instance of an app
 * (ApplicationSpec spec borrowed, must outlive rq).
 */
#ifndef DROVE_SNAPSHOT_H
#define DROVE_SNAPSHOT_H

#include <stddef.h>
#include "json.h"
#include "placement.h"
#include "zk.h"

#define SNAP_EXECUTORS	1
#define SNAP_APPS	2
#define SNAP_REQUESTS	4

json_t *snap_new(void);
json_t *snap_parse(const char *text, size_t len, const char *ns);
int snap_put_path(json_t *snap, const char *ns, const char *path,
    json_t *data);
int snap_load_zk(struct zk *z, const char *ns, int what, int watch,
    json_t *snap);
struct pl_view *snap_view(json_t *snap);
json_t *snap_requests(json_t *snap);
void snap_pl_request(const char *app_id, const json_t *spec,
    struct pl_request *rq);

#endif
