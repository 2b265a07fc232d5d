/*
 * monitor.h: what drove-monitor's main loop (main.c) and its carrying out
 * of operations (ops.c) share.  One thread; every write is a transaction
 * fenced by the leader's election znode ($DROVE_LEADER_ZNODE).
 */
#ifndef DROVE_MONITOR_H
#define DROVE_MONITOR_H

#include "json.h"
#include "metrics.h"
#include "model.h"
#include "record.h"
#include "view.h"
#include "zk.h"
#include "zkpath.h"

struct monitor {
	struct zk *z;
	struct view *v;
	const char *ns;
	const char *fence;
	json_t *dirty;		/* {appId: true}: apps to reconcile */
	long long next_sweep;	/* monotonic ms */
	long long retry_at;	/* monotonic ms; 0 none */
	json_t *deadlines;	/* {appId or "ls:"serviceId: epoch ms}: an operation's next
				 * timeout, when it must be looked at */
	json_t *lost;		/* executors gone, in their grace period */
	long long grace_ms;	/* options.executorGracePeriod */
	json_t *ls_dirty;	/* {serviceId: true}: local services to
				 * reconcile (localservices.c) */
	/* counters, published in /<ns>/metrics/drove-monitor every
	 * PUBLISH_MS and at exit (lib/metrics; man/drove-httpd.8 lists
	 * them) */
	struct metrics *mx;
	struct metric *mx_writes;	/* {kind,what,result} kind_commit() */
	struct metric *mx_respawns;	/* recoveries started (op_recover) */
	struct metric *mx_lost;		/* executors declared lost */
	struct metric *mx_reconciles, *mx_sweeps;
	char hostname[256];
};
extern struct monitor M;

/* An instance of an app as the view shows it, with its assignment. */
struct inst {
	const char *id;
	enum inst_state state;
	const char *error;
	long long created;
	const char *executor_id;	/* NULL: not placed */
	const json_t *asg;		/* NULL: no assignment (any more) */
	enum target_state target;	/* of asg; RUNNING without one */
};

/* One app, from the view (borrowed records, valid until the next
 * refresh). */
struct app {
	const char *id;
	json_t *info;			/* NULL: the app is gone */
	struct rec_app fa;
	json_t *op;			/* NULL: no operation */
	struct rec_operation fo;
	struct inst *in;
	int nin;
	json_t **req;			/* pending requests */
	int nreq;
};

void mark_dirty(const char *app);
/* 1 while the cluster is in Drove's maintenance window (lib/record
 * cluster_in_window): nothing is reconciled, the apps stay marked. */
int in_maintenance_window(void);
/* Commit t (freed).  0 done; -1 failed: a write that met another one
 * (ESTALE, EEXIST, ENOENT) has what it read re-read and the app marked
 * again, any other failure is retried after a pause.  Dies when the
 * leadership is lost. */
int commit(struct zk_txn *t, const char *what, const char *app);
/* What commit() needs of a kind of object (app, local service): its
 * noun in messages, its records to read again (ZooKeeper paths of an id:
 * the info, the operation, the instances) and how it is marked. */
struct kind {
	const char *noun;
	int (*path[3])(char *out, const char *ns, const char *id);
	void (*mark)(const char *id);
};
/* commit() of t for the object id of kind k. */
int kind_commit(const struct kind *k, struct zk_txn *t, const char *what,
    const char *id);
/* 1 the view has every instance of app in ZooKeeper (and their
 * assignments), 0 not yet, -1 the session is away. */
int settled(const char *app);

/* The instanceId of a request record. */
const char *req_id(const json_t *r);
/* The instances of insts (the view's instanceId -> InstanceInfo of an
 * app or a local service, borrowed), unreadable ones left out, with
 * their assignments; their number into *n.  Free with free(). */
struct inst *insts_load(json_t *insts, int *n);
/* The one of the n instances in whose id is iid; NULL none (or iid
 * NULL). */
struct inst *inst_find(struct inst *in, int n, const char *iid);
/* A transaction that deletes the assignments of those of the n
 * instances in that are over (said in the log as <noun> <id>'s), their
 * resources going back to the executor; NULL when none has one. */
struct zk_txn *insts_release(const struct inst *in, int n,
    const char *noun, const char *id);
/* qsort order of struct inst * to stop first: not HEALTHY, then the
 * newest. */
int inst_cmp_stop(const void *a, const void *b);
struct inst *app_inst(const struct app *a, const char *iid);
int app_has_request(const struct app *a, const char *iid);
/* Add to t what stops in (of <noun> <id>): its assignment set STOPPED
 * when it has one that is to run and it is not over.  1 done, 0 nothing
 * to do. */
int inst_stop(struct zk_txn *t, const struct inst *in, const char *noun,
    const char *id);
/* Add to t what stops iid: its assignment set STOPPED, or its pending
 * request deleted.  1 something to do, else 0. */
int app_stop(struct zk_txn *t, const struct app *a, const char *iid);
/* Add to t a new request for app a; its id into iid
 * (IDS_INSTANCE_LEN). */
void app_request(struct zk_txn *t, const struct app *a, char *iid);
/* Add to t the APP_STATE_CHANGE of a entering s with n instances. */
void app_event(struct zk_txn *t, const struct app *a, long long n,
    enum app_state s);

/* The app's operation must be looked at again at epoch ms at (0: only
 * when something changes). */
void op_deadline(const char *app, long long at);

/* executors.c: executor loss.  exec_change() follows the view's changes
 * of executors; exec_scan() finds instances on executors the view lacks;
 * exec_check() declares lost those whose grace has passed and returns
 * when the next grace ends (monotonic ms, 0 none); exec_prune() forgets
 * removed executors after two days. */
void exec_change(const struct view_change *c);
void exec_scan(void);
long long exec_check(long long now);
void exec_prune(void);
/* executors.c: add to t what marks the instance ii (InstanceInfo at
 * path, iid on executor eid) LOST at now: the record, its event, its
 * assignment deleted when the view has one. */
void inst_set_lost(struct zk_txn *t, const json_t *ii, const char *path,
    const char *eid, const char *iid, long long now);
/* executors.c: move instances off executors blacklisting was asked
 * for; mark them BLACKLISTED when nothing of theirs runs. */
void blacklist_step(void);

/* ops.c: add to *inflight, *open and *done how many of the operation
 * steps are STARTING or STOPPING, WAITING and DONE. */
void steps_count(const json_t *steps, int *inflight, int *open, int *done);
/* ops.c: one step of the app's operation (a->op). */
void op_run(struct app *a);
/* ops.c: the app has no operation but fewer instances than expected:
 * start a recovery (a scale to the expected count that retries). */
void op_recover(struct app *a, long long want);

/* localservices.c: local services kept at what their records ask for.
 * ls_change() marks the services a view change concerns and returns 1
 * when the change is only a local service's (no app to mark);
 * ls_mark_all() marks every one (the sweep, a retry); ls_pending() 1
 * while some are marked; ls_work() reconciles the marked ones. */
void ls_mark(const char *service_id);
void ls_mark_all(void);
int ls_change(const struct view_change *c);
int ls_pending(void);
void ls_work(void);
/* main.c: look at local service service_id again at epoch ms at (its
 * operation's next timeout; 0: none). */
void ls_deadline(const char *service_id, long long at);
/* localservices.c, for executors.c: start(eid, now) for every executor
 * the view lacks that has an LS instance not over; add to t what marks
 * the LS instances of lost executor eid LOST (their events, their
 * assignments deleted), returning how many. */
void ls_scan_lost(long long now, void (*start)(const char *eid,
    long long now));
int ls_declare_lost(struct zk_txn *t, const char *eid, long long now);
/* tasks.c: task_change() notes the view's TaskInfo changes; tasks_work()
 * deletes the assignments of tasks that ended; tasks_executors() adds to
 * out {executorId: true} the executors of tasks not over; tasks_lost()
 * marks eid's tasks LOST (0, or -1 a write failed); tasks_prune() deletes
 * TaskInfos of tasks that ended a week ago. */
void task_change(const struct view_change *c);
void tasks_work(void);
void tasks_executors(json_t *out);
int tasks_lost(const char *eid);
void tasks_prune(void);

#endif
