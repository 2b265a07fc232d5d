/*
 * view: an in-memory copy of the cluster state stored in ZooKeeper, kept
 * current by child and data watches, so that programs answer and decide
 * from memory and act only on what changed.
 *
 *   struct view *v = view_new_zk(z, VIEW_APPS | VIEW_INSTANCES);
 *   view_load(v, on_change, ctx);             the first full read
 *   loop: poll zk_fd(z); while (zk_next_event(z, &ev) == 1)
 *             view_note(v, &ev);              (and the program's own use)
 *         view_refresh(v, on_change, ctx);    re-read what the events named
 *
 * What it holds (each part only when asked for with the VIEW_* flags), keyed
 * by znode name as man/drove-znodes.5 lays them out:
 *   applications  {appId: ApplicationInfo}          /<ns>/applications/<appId>
 *   instances     {appId: {instanceId: InstanceInfo}}  /<ns>/instances/...
 *   executors     {executorId: ExecutorNodeData}    /<ns>/executor/<id>
 *   assignments   {executorId: {instanceId: spec}}  /<ns>/assignments/...
 *   requests      {instanceId: request}             /<ns>/requests/<iid>
 *   cluster       ClusterStateData or absent        /<ns>/cluster/maintenance
 *   operations    {appId: operation}                /<ns>/operations/<appId>
 *   events        {bucket: {name: DroveEvent}}      /<ns>/events/<b>/<name>
 *   removedexecutors {executorId: removed executor} /<ns>/removedexecutors/<id>
 *   blacklist     {executorId: blacklist record}    /<ns>/blacklist/<id>
 *   tasks         {sourceAppName: {taskId: TaskInfo}}  /<ns>/tasks/...
 *   localservices {serviceId: LocalServiceInfo}     /<ns>/localservices/<id>
 *   localserviceinstances {serviceId: {instanceId: LocalServiceInstanceInfo}}
 *                                   /<ns>/localserviceinstances/...
 *   localserviceoperations {serviceId: operation}
 *                                   /<ns>/localserviceoperations/<id>
 * view_snapshot() is that object itself: the shape lib/snapshot reads, so
 * snap_view(view_snapshot(v)) is the scheduler's placement view.  A znode
 * whose data is not a JSON object is left out (and read again on its next
 * event).
 *
 * Watches: every directory listed gets a child watch, every record read a
 * data watch (but events: they never change), a missing directory an
 * exists watch; each event re-arms the
 * watch it consumed, because the re-read sets it again.  view_note() only
 * records what an event names; view_refresh() re-lists the named
 * directories and re-reads the named records, pipelined (zk_*_batch), and
 * applies the differences.  After a disconnection, the next ZK_EV_CONNECTED
 * makes the following refresh a full re-read (view_load()), and so does
 * ZK_EV_EXPIRED; view_resync_due() tells when the slow safety-net re-read
 * (VIEW_RESYNC_MS after the last full one) is due.
 *
 * Changes: view_load() and view_refresh() call on_change (may be NULL)
 * once per record that appeared, changed (by content) or disappeared,
 * after each phase of a refresh is applied (first the records writers wait
 * for and the program touched, then the rest) and with no lock held;
 * old/now are borrowed
 * for the call only.  app_id is the path's appId for APP and INSTANCE and
 * the record's "appId" for REQUEST and ASSIGNMENT (the old record's when it
 * disappeared; NULL for those of tasks and local services, whose jobType
 * says what they are), the path's for OPERATION; for TASK it is the
 * sourceAppName and for LOCALSERVICE, LS_INSTANCE and LS_OPERATION the
 * serviceId.  executor_id is the path's for EXECUTOR, ASSIGNMENT, REMOVED
 * and BLACKLIST, the record's "executorId" for INSTANCE, TASK and
 * LS_INSTANCE; id is the instanceId for INSTANCE, LS_INSTANCE, REQUEST and
 * ASSIGNMENT, the taskId for TASK, the znode name (without bucket) for
 * EVENT.  Absent ones are NULL.
 *
 * Threads: one thread (the one that polls) calls view_load, view_note,
 * view_refresh and may read without locking: it is the only writer.  Any
 * other thread reads only between view_rdlock() and view_unlock(); the
 * borrowed records stay valid until view_unlock() (records are never
 * changed in place: a change replaces the record, so a reference taken with
 * json_incref() stays valid and unchanged after the unlock).
 * view_gen() grows by one with every batch that changed something, so
 * readers can cache what they render from the view.
 *
 * Read-your-writes: a thread that has written a record calls
 * view_reload_wait(v, path, ms) to have the polling thread re-read it
 * (before anything else pending) and wait until that is applied (the
 * session's reads follow its writes, so the view then shows the write).
 * It needs the polling thread to be running its loop; 0, or -1
 * ETIMEDOUT.  A refresh reads at most a few thousand records; what is
 * left stays pending and due at once, so that a burst is applied in
 * rounds between which the polling thread sees its events again.
 *
 * Errors: view_load() and view_refresh() return 0, or -1 with errno
 * (ENOTCONN: the session is away, call again after ZK_EV_CONNECTED; ENOMEM;
 * EIO) and err_text() (err.h) of the calling thread saying what failed;
 * what was read before the failure is kept, the rest is read again by the
 * next call.
 *
 * The reads go through a struct view_source; view_new_zk() uses the
 * ZooKeeper session, tests may bring their own.
 */
#ifndef DROVE_VIEW_H
#define DROVE_VIEW_H

#include "json.h"
#include "zk.h"

#define VIEW_APPS		0x01
#define VIEW_INSTANCES		0x02
#define VIEW_EXECUTORS		0x04
#define VIEW_ASSIGNMENTS	0x08
#define VIEW_REQUESTS		0x10
#define VIEW_CLUSTER		0x20
#define VIEW_OPERATIONS		0x40
#define VIEW_EVENTS		0x80
#define VIEW_REMOVED		0x100
#define VIEW_BLACKLIST		0x200
#define VIEW_TASKS		0x400
#define VIEW_LOCALSERVICES	0x800
#define VIEW_LS_INSTANCES	0x1000
#define VIEW_LS_OPERATIONS	0x2000
#define VIEW_ALL		0x3fff

#define VIEW_RESYNC_MS	(10 * 60 * 1000)

enum view_kind {
	VIEW_K_APP,
	VIEW_K_INSTANCE,
	VIEW_K_EXECUTOR,
	VIEW_K_ASSIGNMENT,
	VIEW_K_REQUEST,
	VIEW_K_CLUSTER,
	VIEW_K_OPERATION,
	VIEW_K_EVENT,
	VIEW_K_REMOVED,
	VIEW_K_BLACKLIST,
	VIEW_K_TASK,
	VIEW_K_LOCALSERVICE,
	VIEW_K_LS_INSTANCE,
	VIEW_K_LS_OPERATION,
};

struct view_change {
	enum view_kind kind;
	const char *app_id;
	const char *executor_id;
	const char *id;
	const json_t *old;	/* NULL: appeared */
	const json_t *now;	/* NULL: disappeared */
};

typedef void view_change_fn(void *ctx, const struct view_change *c);

/* Where a view reads from: the same contracts as zk_get_batch(),
 * zk_children_batch() and zk_exists() with a watch. */
struct view_source {
	void *arg;
	int (*get)(void *arg, struct zk_read *r, size_t n, int watch);
	int (*children)(void *arg, struct zk_read *r, size_t n, int watch);
	int (*watch_exists)(void *arg, const char *path);  /* 1, 0, -1 */
	void (*post)(void *arg, enum zk_ev_type type, const char *path);
};

struct view;

/* NULL with errno (ENOMEM, EINVAL for a bad namespace). */
struct view *view_new(const struct view_source *src, const char *ns,
    int what);
struct view *view_new_zk(struct zk *z, int what);
void view_free(struct view *v);

int view_load(struct view *v, view_change_fn *fn, void *ctx);
/* 1 if the event concerns the view (it is recorded), else 0. */
int view_note(struct view *v, const struct zk_event *ev);
int view_refresh(struct view *v, view_change_fn *fn, void *ctx);
/* The polling thread wrote path (a record or a directory): read it again
 * at the next refresh, before anything else pending and whatever the size
 * of a burst, without waiting for its watch.  1 if the view keeps it, else
 * 0. */
int view_touch(struct view *v, const char *path);
int view_pending(struct view *v);	/* work recorded, not refreshed */
/*
 * When the polling thread should refresh, so that a burst of events is
 * read once (a watch fires once until re-armed: a record that changes five
 * times in a burst is read once if its read comes after the burst): -1
 * nothing is pending, 0 now (a full read is due, a thread waits in
 * view_reload_wait(), or the oldest pending mark is coalesce_ms old),
 * else the milliseconds left.
 */
int view_due_in(struct view *v, long long now_ms, int coalesce_ms);
int view_resync_due(const struct view *v, long long now_ms);

void view_rdlock(struct view *v);
void view_unlock(struct view *v);
unsigned long view_gen(struct view *v);
int view_reload_wait(struct view *v, const char *path, int timeout_ms);
/* The same for the n paths a write changed together: one wait. */
int view_reload_wait_all(struct view *v, const char *const *paths, size_t n,
    int timeout_ms);

/* Borrowed reads; NULL when absent.  The maps are objects as above. */
json_t *view_snapshot(const struct view *v);
json_t *view_apps(const struct view *v);
json_t *view_app(const struct view *v, const char *app_id);
json_t *view_instances(const struct view *v, const char *app_id);
json_t *view_instance(const struct view *v, const char *app_id,
    const char *instance_id);
json_t *view_executors(const struct view *v);
json_t *view_executor(const struct view *v, const char *executor_id);
json_t *view_assignments(const struct view *v, const char *executor_id);
json_t *view_assignment(const struct view *v, const char *executor_id,
    const char *instance_id);
json_t *view_requests(const struct view *v);
json_t *view_app_requests(const struct view *v, const char *app_id);
json_t *view_cluster(const struct view *v);
json_t *view_operations(const struct view *v);
json_t *view_operation(const struct view *v, const char *app_id);
json_t *view_events(const struct view *v);
json_t *view_removed(const struct view *v);
json_t *view_blacklist(const struct view *v);
json_t *view_tasks(const struct view *v);
json_t *view_app_tasks(const struct view *v, const char *source_app);
json_t *view_task(const struct view *v, const char *source_app,
    const char *task_id);
json_t *view_localservices(const struct view *v);
json_t *view_localservice(const struct view *v, const char *service_id);
json_t *view_ls_instances(const struct view *v, const char *service_id);
json_t *view_ls_instance(const struct view *v, const char *service_id,
    const char *instance_id);
json_t *view_ls_operations(const struct view *v);
json_t *view_ls_operation(const struct view *v, const char *service_id);
/* The event named name (e<time>-<seq>), in its bucket; NULL if none. */
json_t *view_event(const struct view *v, const char *name);
/* The znode version of the record at path as last read; -1 unknown. */
int view_version(const struct view *v, const char *path);

#endif
