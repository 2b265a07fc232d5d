/*
 * drove-sched: places pending instance requests on executors (leader only).
 * Keeps a view (lib/view) of /drove/requests, /drove/applications,
 * /drove/executor and /drove/assignments and a placement view that its
 * changes keep current (lib/pltrack); each placement, in transactions of
 * up to 64 fenced by $DROVE_LEADER_ZNODE, creates
 * /drove/assignments/<eid>/<iid>, /drove/instances/<appId>/<iid>
 * (PENDING) and its event /drove/events/e<time>-<seq>, and deletes the
 * request; when nothing fits it sets the
 * request's "error".  A task's request (jobType COMPUTATION) is placed the
 * same way from its TaskSpec: the assignment is Drove's TaskInstanceSpec
 * and the PENDING TaskInfo gets its executor, hostname and resources.  A
 * local-service request (jobType LOCAL_SERVICE) is placed on its pinned
 * executor only (ACTIVE or UNREADY, not blacklisted: pl_place_pinned),
 * creating its assignment and PENDING
 * /drove/localserviceinstances/<serviceId>/<iid> (the view also keeps
 * /drove/localservices for their specs).  The assignment of an app or a
 * local-service instance carries its instance token (lib/itoken, signed
 * with instanceAuth.secret), which drove-execd hands to the container.
 * -n (live state) or --state FILE
 * (a dump) prints one JSON line per request and writes nothing.
 * Exit: 0 SIGTERM / dry run done, 100 usage, config or bad snapshot, 111
 * ZooKeeper trouble or leadership lost.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "event.h"
#include "itoken.h"
#include "sig.h"
#include "json.h"
#include "metrics.h"
#include "model.h"
#include "notify.h"
#include "view.h"
#include "placement.h"
#include "pltrack.h"
#include "record.h"
#include "snapshot.h"
#include "zk.h"
#include "zkpath.h"

#define USAGE "drove-sched -c controller.yml [ -c more.yml ... ] " \
	"[ -d notif ] [ -v ] " \
	"[ -n | --dry-run ] [ --state FILE ] [ -S best|spread|firstfit ] " \
	"[ --seed N ]"
#define RESYNC_MS 30000
#define RETRY_MS 1000
#define COALESCE_MS 10		/* a burst of events is read once */
#define TASK_INFO_WAIT_MS 5000	/* a task request's TaskInfo must show */
#define PUBLISH_MS 10000	/* the counters, to /<ns>/metrics */

static struct ctx {
	struct zk *z;
	struct view *v;
	const char *ns;
	const char *fence;
	const char *secret;	/* instanceAuth.secret (borrowed from cfg) */
	int dry_run;
	int strategy;		/* PL_BEST_FIT, PL_SPREAD, PL_FIRST_FIT */
	unsigned long long seed;
	struct pltrack *plt;	/* the placement view, kept by changes */
	int retry_all;		/* capacity may have grown: try every
				   waiting request */
	json_t *todo;		/* {instanceId: true}: requests to try */
	json_t *ensured;	/* {dir: true}: directories known to exist */
	long long retry_at;	/* monotonic ms; 0 none */
	long long next_resync;	/* monotonic ms: waiting requests again */
	int single;		/* >0: place one per transaction (passes
				   since a batch failed) */
	long long last_work;	/* monotonic ms of the last work() */
	/* counters, published in /<ns>/metrics/drove-sched (lib/metrics;
	 * man/drove-httpd.8 lists them) */
	struct metrics *mx;
	struct metric *mx_placements;	/* {result} */
	struct metric *mx_writes;	/* {what,result} commit() */
	struct metric *mx_passes;
	char hostname[256];
} C;

struct req {
	const char *id;		/* instanceId (znode name) */
	json_t *data;		/* the request (borrowed from the view) */
	long long created;
	int ls;			/* a local-service instance's: first */
};


/* ENOTCONN: try again later; anything else unexpected: restart. */
static int
zk_trouble(const char *what, const char *path)
{
	if (errno == ENOTCONN) {
		warn("unable to %s '%s': %s", what, path, err_text());
		return -1;
	}
	die(EXIT_TEMP, "unable to %s '%s': %s", what, path, err_text());
}

static int
commit(struct zk_txn *t, const char *what)
{
	int e;

	if (!t)
		die(EXIT_TEMP, "out of memory");
	if (zk_txn_commit(C.z, t) == 0) {
		metric_inc(C.mx_writes, (const char *const[]){ what, "ok" },
		    1);
		return 0;
	}
	e = errno;
	metric_inc(C.mx_writes, (const char *const[]){ what, "failed" }, 1);
	errno = e;
	if (errno == EPERM)
		die(EXIT_TEMP, "unable to %s: %s", what, err_text());
	if (errno == ENOENT) {	/* a directory went (a destroyed app's) */
		json_object_clear(C.ensured);
		event_forget();
	}
	warn("unable to %s: %s", what, err_text());
	return -1;
}

/* The placement view of a snapshot, warnings logged, strategy set. */
static struct pl_view *
view_of(json_t *snap)
{
	struct pl_view *v = snap_view(snap);
	json_t *w;
	size_t i;

	json_array_foreach(json_object_get(snap, "warnings"), i, w)
		warn("%s", json_string_value(w));
	json_array_clear(json_object_get(snap, "warnings"));
	if (!v)
		return NULL;
	if (pl_view_set_strategy(v, C.strategy, C.seed) < 0)
		BUG("unknown strategy");
	return v;
}

static int
cmp_req(const void *a, const void *b)
{
	const struct req *x = a, *y = b;

	if (x->ls != y->ls)
		return y->ls - x->ls;
	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

/*
 * The assignment and the PENDING InstanceInfo of a placement.  An app's
 * or a local service's assignment carries the instance's token, issued
 * now; one whose ids make no token (none should) is placed without, and
 * said so.
 */
static json_t *
assignment_of(enum job_type job, const char *app_id, const char *iid,
    const json_t *spec, const struct pl_result *r, long long now)
{
	json_t *res = pl_result_resources(r), *a;
	char *tok = itoken_mint(C.secret, app_id, iid, r->executor_id,
	    now / 1000);
	struct rec_assignment f = { .job = job, .app_id = app_id,
	    .instance_id = iid,
	    .executor_id = r->executor_id, .target = TARGET_RUNNING,
	    .resources = res, .created = now, .auth_token = tok };

	if (!tok) {
		if (errno != EINVAL)
			die(EXIT_TEMP, "%s", err_text());
		warn("instance %s of %s: no token: %s", iid, app_id,
		    err_text());
	}
	a = res ? rec_assignment_new(&f, spec) : NULL;
	json_decref(res);
	free(tok);
	return a;
}

static json_t *
instance_of(enum job_type job, const char *app_id, const char *iid,
    const json_t *spec, const struct pl_result *r, long long now)
{
	json_t *res = pl_result_resources(r), *ii;
	struct rec_instance f = { .job = job, .app_id = app_id,
	    .app_name = js_str(spec, "name", ""), .instance_id = iid,
	    .executor_id = r->executor_id, .hostname = r->hostname,
	    .resources = res, .state = INST_PENDING, .error = "",
	    .created = now, .updated = now };

	ii = res ? rec_instance_new(&f) : NULL;
	json_decref(res);
	return ii;
}

static void
print_line(json_t *j)
{
	if (!j || js_print_line(stdout, j) < 0)
		die(EXIT_TEMP, "unable to write to stdout");
	json_decref(j);
}

/* Record why a request cannot be placed, once per change of reason. */
static void
set_error(struct req *rq, const char *app_id, const char *why)
{
	char p[ZKP_MAX];
	json_t *d;
	struct zk_txn *t;
	struct rec_request f;
	struct rec_task_request tf;
	struct rec_ls_request lr;
	const char *old = rec_request_read(rq->data, &f) == 0 ? f.error :
	    rec_task_request_read(rq->data, &tf) == 0 ? tf.error :
	    rec_ls_request_read(rq->data, &lr) == 0 ? lr.error : NULL;

	if (old && !strcmp(old, why))
		return;
	info("request %s (%s): cannot place: %s", rq->id,
	    app_id ? app_id : "?", why);
	if (!(d = rec_request_with_error(rq->data, why)))
		die(EXIT_TEMP, "out of memory");
	zkp_request(p, C.ns, rq->id);
	t = zk_txn_new(C.fence);
	zk_txn_set(t, p, d, view_version(C.v, p));
	json_decref(d);
	commit(t, "record the placement error");
	view_touch(C.v, p);
}

/* zk_ensure() once per directory: 0, -1 on ENOTCONN. */
static int
ensure(const char *dir)
{
	if (json_object_get(C.ensured, dir))
		return 0;
	if (zk_ensure(C.z, dir) < 0)
		return zk_trouble("create", dir);
	json_object_set_new(C.ensured, dir, json_true());
	return 0;
}

static void
delete_request(const char *p, const char *why)
{
	struct zk_txn *t = zk_txn_new(C.fence);

	info("%s", why);
	zk_txn_delete(t, p, -1);
	commit(t, "delete a request");
	view_touch(C.v, p);
}

/*
 * Placements go to ZooKeeper in batches: one fenced transaction holds up
 * to BATCH placements or about BATCH_BYTES (each: create the assignment,
 * create the PENDING InstanceInfo and its INSTANCE_STATE_CHANGE event,
 * delete the request), so that a burst of requests costs a
 * few round trips instead of one per instance.  A batch that fails is
 * placed again one by one (single), so that one bad request cannot keep
 * the others from being placed.
 */
#define BATCH 64
#define BATCH_BYTES (256 * 1024)	/* well under jute.maxbuffer */

struct batch {
	struct zk_txn *t;
	int n;
	char **log;		/* the "placed ..." lines, said once committed */
};

/* Commit b (if it holds anything); 0, or -1 when it failed. */
static int
batch_commit(struct batch *b)
{
	int i, rc = 0;

	if (b->n && commit(b->t, "commit placements") < 0)
		rc = -1;
	else if (!b->n)
		zk_txn_free(b->t);
	if (b->n)
		metric_inc(C.mx_placements, (const char *const[]){ rc == 0 ?
		    "placed" : "write_failed" }, b->n);
	for (i = 0; i < b->n; i++) {
		if (rc == 0)
			info("%s", b->log[i]);
		free(b->log[i]);
	}
	b->t = NULL;
	b->n = 0;
	return rc;
}

/*
 * Place request rq of app_id (spec): on executor pin when set
 * (pl_place_pinned), else where Drove's placement puts spec.  1 placed, r
 * filled: pv holds the instance from here on, committed or not (a failure
 * rebuilds pv), and C.plt knows it; 0 not now (why recorded on rq).
 */
static int
place_in(struct pl_view *pv, struct req *rq, const char *app_id,
    const json_t *spec, const char *pin, struct pl_result *r)
{
	struct pl_request prq;
	int rc;

	snap_pl_request(app_id, spec, &prq);
	rc = pin ? pl_place_pinned(pv, &prq, pin, r) : pl_place_env(pv, &prq,
	    json_object_get(spec, "env"), r);
	if (rc < 0 && errno == ENOMEM)
		die(EXIT_TEMP, "out of memory");
	if (rc <= 0) {
		metric_inc(C.mx_placements, (const char *const[]){ "no_fit" },
		    1);
		set_error(rq, app_id, r->why);
		pl_result_free(r);
		return 0;
	}
	if (plt_placed(C.plt, rq->id, r->executor_id) < 0)
		die(EXIT_TEMP, "out of memory");
	return 1;
}

/*
 * Add a placement to b: the assignment a of instance iid on executor eid,
 * the instance record inst at ip (created when iversion < 0, in directory
 * idir unless NULL; else set at iversion, and the view re-reads it), the
 * event ev (NULL: none), and the request at req_path deleted.  0, or -1
 * when a directory could not be made.
 */
static int
batch_place(struct batch *b, const char *req_path, const char *iid,
    const char *eid, const char *idir, const char *ip, int iversion,
    const json_t *a, const json_t *inst, const json_t *ev)
{
	char dir[ZKP_MAX], ap[ZKP_MAX];

	zkp_executor_assignments(dir, C.ns, eid);
	if (ensure(dir) < 0 || (idir && ensure(idir) < 0))
		return -1;
	zkp_assignment(ap, C.ns, eid, iid);
	if (!b->t && !(b->t = zk_txn_new(C.fence)))
		die(EXIT_TEMP, "out of memory");
	zk_txn_create(b->t, ap, a, 0);
	if (iversion < 0)
		zk_txn_create(b->t, ip, inst, 0);
	else
		zk_txn_set(b->t, ip, inst, iversion);
	if (ev)
		event_add(C.z, b->t, ev);
	zk_txn_delete(b->t, req_path, -1);
	view_touch(C.v, ap);
	view_touch(C.v, req_path);
	if (iversion >= 0)
		view_touch(C.v, ip);
	return 0;
}

/*
 * Add to b the placement r of instance rq->id of app or local service id
 * (job, spec): its assignment, its PENDING instance record at ip (in
 * directory dir) and the record's event, the request at p deleted.  As
 * batch_place().
 */
static int
batch_instance(struct batch *b, const char *p, const struct req *rq,
    enum job_type job, const char *id, const json_t *spec,
    const struct pl_result *r, const char *dir, const char *ip)
{
	long long now = js_now_ms();
	json_t *a, *inst, *ev = NULL;
	int rc;

	a = assignment_of(job, id, rq->id, spec, r, now);
	inst = instance_of(job, id, rq->id, spec, r, now);
	if (!a || !inst || !(ev = rec_event_instance_state(inst, now)))
		die(EXIT_TEMP, "out of memory");
	rc = batch_place(b, p, rq->id, r->executor_id, dir, ip, -1, a, inst,
	    ev);
	json_decref(a);
	json_decref(inst);
	json_decref(ev);
	return rc;
}

/*
 * Place a task's request: one assignment (Drove's TaskInstanceSpec), the
 * TaskInfo given its executor, hostname and resources (still PENDING), the
 * request deleted.  As place_one().
 */
static int
place_task(struct pl_view *pv, struct req *rq, struct batch *b)
{
	char p[ZKP_MAX], tp[ZKP_MAX];
	char why[ZKP_MAX + 64];
	struct pl_result r = PL_RESULT_ZERO;
	struct rec_task_request tf;
	struct rec_task ft;
	json_t *ti, *a = NULL, *nti = NULL, *res = NULL, *pend = NULL;
	long long now;
	int rc, version;

	zkp_request(p, C.ns, rq->id);
	if (rec_task_request_read(rq->data, &tf) < 0 ||
	    zkp_task(tp, C.ns, tf.source_app, tf.task_id) < 0) {
		snprintf(why, sizeof why, "request %s: not a valid task "
		    "request: deleting it", rq->id);
		delete_request(p, why);
		return 0;
	}
	/*
	 * The TaskInfo and the request are written together, but may reach
	 * the view one refresh apart.  Until it shows, the TaskInfo is the
	 * request's as drove-httpd wrote it (the same builder), at its first
	 * version: any other write since makes the transaction fail.  A
	 * request whose TaskInfo is still not seen after a while is looked
	 * up, and dropped if it has none.
	 */
	if (!(ti = view_task(C.v, tf.source_app, tf.task_id))) {
		if (js_now_ms() - tf.created > TASK_INFO_WAIT_MS &&
		    (rc = zk_exists(C.z, tp, 0)) != 1) {
			if (rc < 0)
				return zk_trouble("read", tp);
			snprintf(why, sizeof why, "request %s: task %s-%s has "
			    "no TaskInfo: deleting the request", rq->id,
			    tf.source_app, tf.task_id);
			delete_request(p, why);
			return 0;
		}
		if (!(pend = rec_task_pending(tf.spec, rq->id, tf.created)))
			die(EXIT_TEMP, "out of memory");
		version = 0;
	} else
		version = view_version(C.v, tp);
	if (rec_task_read(ti ? ti : pend, &ft) < 0 ||
	    ft.state != TASK_PENDING || strcmp(ft.instance_id, rq->id)) {
		json_decref(pend);
		snprintf(why, sizeof why, "request %s: task %s-%s is gone or "
		    "no longer pending: deleting the request", rq->id,
		    tf.source_app, tf.task_id);
		delete_request(p, why);
		return 0;
	}
	if (!place_in(pv, rq, tf.source_app, tf.spec, NULL, &r)) {
		json_decref(pend);
		return 0;
	}
	now = js_now_ms();
	if (!(res = pl_result_resources(&r)))
		die(EXIT_TEMP, "out of memory");
	a = rec_task_assignment_new(&(struct rec_assignment){
	    .app_id = tf.source_app, .task_id = tf.task_id,
	    .instance_id = rq->id, .executor_id = r.executor_id,
	    .target = TARGET_RUNNING, .resources = res, .created = now },
	    tf.spec);
	ft.executor_id = r.executor_id;
	ft.hostname = r.hostname;
	ft.resources = res;
	ft.updated = now;
	nti = rec_task_new(&ft);
	if (!a || !nti)
		die(EXIT_TEMP, "out of memory");
	rc = -1;
	if (batch_place(b, p, rq->id, r.executor_id, NULL, tp, version, a,
	    nti, NULL) < 0)
		goto out;
	b->log[b->n++] = xasprintf("placed task %s-%s (%s) on executor %s "
	    "(%s) NUMA node %d, %d cores, memory %lld MB", tf.source_app,
	    tf.task_id, rq->id, r.executor_id, r.hostname, r.numa, r.ncores,
	    r.memory_mb);
	rc = 0;
out:
	json_decref(a);
	json_decref(nti);
	json_decref(res);
	json_decref(pend);
	pl_result_free(&r);
	return rc;
}

/*
 * Place the request of a local-service instance on the executor it is
 * pinned to (ACTIVE or UNREADY, not blacklisted): its assignment (the
 * LocalServiceInstanceSpec), its PENDING LocalServiceInstanceInfo and
 * event, the request deleted, added to b.  A request whose service is gone
 * is deleted; one whose LocalServiceInfo the view lacks yet waits for it.
 * Returns as place_one().
 */
static int
place_ls(struct pl_view *pv, struct req *rq, const struct rec_ls_request *lr,
    struct batch *b)
{
	char p[ZKP_MAX], ap[ZKP_MAX], ip[ZKP_MAX], dir[ZKP_MAX];
	char why[ZKP_MAX + 64];
	struct pl_result r = PL_RESULT_ZERO;
	struct rec_ls fl;
	const char *sid = lr->service_id;
	json_t *info;
	int rc;

	zkp_request(p, C.ns, rq->id);
	if (zkp_localservice(ap, C.ns, sid) < 0) {
		snprintf(why, sizeof why, "request %s: no valid serviceId: "
		    "deleting it", rq->id);
		delete_request(p, why);
		return 0;
	}
	if (!(info = view_localservice(C.v, sid)) ||
	    rec_ls_read(info, &fl) < 0) {
		/* ZooKeeper decides: the view may not show it yet */
		if ((rc = zk_exists(C.z, ap, 0)) < 0)
			return zk_trouble("read", ap);
		if (rc == 1) {
			view_touch(C.v, ap);
			return 0;
		}
		snprintf(why, sizeof why, "request %s: local service %s is "
		    "gone: deleting the request", rq->id, sid);
		delete_request(p, why);
		return 0;
	}
	if (!place_in(pv, rq, sid, fl.spec, lr->executor_id, &r))
		return 0;
	zkp_service_instances(dir, C.ns, sid);
	zkp_ls_instance(ip, C.ns, sid, rq->id);
	rc = batch_instance(b, p, rq, JOB_LOCAL_SERVICE, sid, fl.spec, &r, dir,
	    ip);
	if (rc == 0)
		b->log[b->n++] = xasprintf("placed %s of local service %s on "
		    "executor %s (%s) NUMA node %d memory %lld MB", rq->id, sid,
		    r.executor_id, r.hostname, r.numa, r.memory_mb);
	pl_result_free(&r);
	return rc;
}

/*
 * Place one request, adding its writes to b.  Returns 0, or -1 when a
 * write failed (the caller stops this pass and retries with fresh state).
 */
static int
place_one(struct pl_view *pv, struct req *rq, struct batch *b)
{
	char p[ZKP_MAX], ap[ZKP_MAX], ip[ZKP_MAX], dir[ZKP_MAX];
	char why[ZKP_MAX + 64], cores[256];
	struct pl_result r = PL_RESULT_ZERO;
	struct rec_request f;
	struct rec_ls_request lr;
	struct rec_task_request tf;
	const char *app_id = rec_request_read(rq->data, &f) == 0 ?
	    f.app_id : NULL;
	json_t *app, *spec;
	int rc, i, n;

	if (rec_ls_request_read(rq->data, &lr) == 0)
		return place_ls(pv, rq, &lr, b);
	zkp_request(p, C.ns, rq->id);
	if (!app_id && rec_task_request_read(rq->data, &tf) == 0)
		return place_task(pv, rq, b);
	if (!app_id || zkp_app(ap, C.ns, app_id) < 0) {
		snprintf(why, sizeof why, "request %s: no valid appId: "
		    "deleting it", rq->id);
		delete_request(p, why);
		return 0;
	}
	if (!(app = view_app(C.v, app_id))) {
		snprintf(why, sizeof why, "request %s: application %s is "
		    "gone: deleting the request", rq->id, app_id);
		delete_request(p, why);
		return 0;
	}
	spec = json_object_get(app, "spec");
	if (!place_in(pv, rq, app_id, spec, NULL, &r))
		return 0;
	zkp_app_instances(dir, C.ns, app_id);
	zkp_instance(ip, C.ns, app_id, rq->id);
	if ((rc = batch_instance(b, p, rq, JOB_SERVICE, app_id, spec, &r, dir,
	    ip)) < 0)
		goto out;
	cores[0] = '\0';
	for (i = 0, n = 0; i < r.ncores && n < (int)sizeof cores - 16; i++)
		n += snprintf(cores + n, sizeof cores - n, "%s%d",
		    i ? "," : "", r.cores[i]);
	b->log[b->n++] = xasprintf("placed %s of %s on executor %s (%s) NUMA "
	    "node %d cores %s memory %lld MB", rq->id, app_id, r.executor_id,
	    r.hostname, r.numa, cores, r.memory_mb);
out:
	pl_result_free(&r);
	return rc;
}

/*
 * What a change means for placing: a new request is to be tried; when
 * capacity may have grown (an assignment released, an executor changed)
 * every waiting request is tried again.
 */
static void
on_change(void *ctx, const struct view_change *c)
{
	struct rec_task ft;

	(void)ctx;
	if (c->kind == VIEW_K_REQUEST) {
		if (c->now)
			json_object_set_new(C.todo, c->id, json_true());
		else
			json_object_del(C.todo, c->id);
	} else if (c->kind == VIEW_K_TASK) {
		/* a new TaskInfo: its request may have waited for it */
		if (c->now && !c->old && rec_task_read(c->now, &ft) == 0 &&
		    ft.state == TASK_PENDING && json_object_get(view_requests(
		    C.v), ft.instance_id))
			json_object_set_new(C.todo, ft.instance_id,
			    json_true());
	} else if (plt_change(C.plt, c))
		C.retry_all = 1;
	else if (c->kind == VIEW_K_LOCALSERVICE && c->now)
		C.retry_all = 1;	/* requests may wait for it */
}

/*
 * Room for what ACTIVE local services still lack: on each executor,
 * instancesPerHost instances of each, less its assignments not told to
 * stop and its pending requests there (placed first in a pass), are
 * placed on pv before the apps' requests, so that app and task placement
 * leaves them room; ls_release() gives them back after the pass.  The
 * holds, as {"executorId","appId","resources"}, in a new array; NULL when
 * there is nothing to hold (no ACTIVE local service: nothing costs more).
 */
static json_t *
ls_reserve(struct pl_view *pv)
{
	json_t *svcs = view_localservices(C.v), *have, *held = NULL, *x, *a;
	const char *sid, *eid, *iid;
	struct rec_ls fl;
	struct rec_ls_request lr;
	struct rec_assignment fa;
	struct pl_request prq;
	char key[512];
	long long need;
	int active = 0;

	json_object_foreach(svcs, sid, x)
		if (rec_ls_read(x, &fl) == 0 && fl.activation == LS_ACTIVE)
			active++;
	if (!active)
		return NULL;
	if (!(have = json_object()))
		die(EXIT_TEMP, "out of memory");
	/* "serviceId executorId" -> instances held or asked for there */
	json_object_foreach(json_object_get(view_snapshot(C.v), "assignments"),
	    eid, x)
		json_object_foreach(x, iid, a)
			if (rec_assignment_read(a, &fa) == 0 &&
			    fa.job == JOB_LOCAL_SERVICE &&
			    fa.target == TARGET_RUNNING) {
				snprintf(key, sizeof key, "%s %s", fa.app_id,
				    eid);
				json_object_set_new(have, key, json_integer(
				    js_int(have, key, 0) + 1));
			}
	json_object_foreach(view_requests(C.v), iid, x)
		if (rec_ls_request_read(x, &lr) == 0) {
			snprintf(key, sizeof key, "%s %s", lr.service_id,
			    lr.executor_id);
			json_object_set_new(have, key, json_integer(
			    js_int(have, key, 0) + 1));
		}
	json_object_foreach(svcs, sid, x) {
		if (rec_ls_read(x, &fl) < 0 || fl.activation != LS_ACTIVE)
			continue;
		snap_pl_request(sid, fl.spec, &prq);
		json_object_foreach(view_executors(C.v), eid, a) {
			snprintf(key, sizeof key, "%s %s", sid, eid);
			for (need = fl.per_host - js_int(have, key, 0);
			    need > 0; need--) {
				struct pl_result r = PL_RESULT_ZERO;
				json_t *h;

				if (pl_place_pinned(pv, &prq, eid, &r) != 1) {
					pl_result_free(&r);
					break;
				}
				if ((!held && !(held = json_array())) ||
				    !(h = json_pack("{s:s, s:s, s:o*}",
				    "executorId", eid, "appId", sid,
				    "resources", pl_result_resources(&r))) ||
				    json_array_append_new(held, h) < 0)
					die(EXIT_TEMP, "out of memory");
				pl_result_free(&r);
			}
		}
	}
	json_decref(have);
	return held;
}

static void
ls_release(struct pl_view *pv, json_t *held)
{
	json_t *h;
	size_t i;

	json_array_foreach(held, i, h)
		pl_view_release(pv, js_str(h, "executorId", ""), h);
	json_decref(held);
}

/* Place what is to be tried, oldest first; -1 means retry soon. */
static int
pass(void)
{
	json_t *reqs = view_requests(C.v), *x, *w, *held;
	struct batch batch = { NULL, 0, NULL };
	struct pl_view *pv;
	struct req *rq;
	const char *iid;
	int i, n = 0, rc = 0, built;
	size_t k;

	if (!(pv = plt_view(C.plt, &built)))
		die(EXIT_TEMP, "out of memory");
	metric_inc(C.mx_passes, NULL, 1);
	json_array_foreach(plt_warnings(C.plt), k, w)
		if (built)
			warn("%s", json_string_value(w));
	if (built || C.retry_all) {
		json_object_clear(C.todo);
		json_object_foreach(reqs, iid, x)
			json_object_set_new(C.todo, iid, json_true());
		C.retry_all = 0;
	}
	if (!json_object_size(C.todo))
		return 0;
	rq = xcalloc(json_object_size(C.todo) + 1, sizeof *rq);
	json_object_foreach(C.todo, iid, x) {
		if (!(rq[n].data = json_object_get(reqs, iid)))
			continue;
		rq[n].id = iid;
		rq[n].created = js_int(rq[n].data, "created", 0);
		rq[n].ls = !strcmp(js_str(rq[n].data, "jobType", ""),
		    job_type_name(JOB_LOCAL_SERVICE));
		n++;
	}
	qsort(rq, n, sizeof *rq, cmp_req);
	held = ls_reserve(pv);
	batch.log = xcalloc(BATCH, sizeof *batch.log);
	for (i = 0; i < n && rc == 0; i++) {
		rc = place_one(pv, &rq[i], &batch);
		if (rc == 0 && (batch.n == (C.single ? 1 : BATCH) ||
		    zk_txn_bytes(batch.t) >= BATCH_BYTES || i == n - 1))
			rc = batch_commit(&batch);
	}
	if (batch_commit(&batch) < 0)
		rc = -1;
	ls_release(pv, held);
	free(batch.log);
	/* after a failed batch, one placement per transaction for a while */
	C.single = rc < 0 ? 1 : C.single > 0 && C.single < 20 ?
	    C.single + 1 : 0;
	free(rq);
	json_object_clear(C.todo);
	if (rc < 0)	/* a placement pv holds may not have committed */
		plt_reset(C.plt);
	return rc;
}

/*
 * How long after its event a change is read: a burst is read once, but
 * the first change after a quiet spell at once (a lone request, a task,
 * is placed without waiting for a burst that does not come).
 */
static int
coalesce_ms(long long now)
{
	return now - C.last_work >= COALESCE_MS ? 0 : COALESCE_MS;
}

/* Refresh the view and place until nothing changes. */
static void
work(void)
{
	int rounds = 0;

	C.last_work = mono_ms();
	do {
		if (view_pending(C.v) && view_refresh(C.v, on_change,
		    NULL) < 0) {
			if (errno != ENOTCONN)
				die(EXIT_TEMP, "%s", err_text());
			warn("%s", err_text());
			C.retry_at = mono_ms() + RETRY_MS;
			return;
		}
		if (C.retry_at)
			return;
		if (pass() < 0) {
			C.retry_at = mono_ms() + RETRY_MS;
			return;
		}
		if (++rounds > 1000)
			BUG("placing does not settle");
	} while (view_pending(C.v));
}

static json_t *
cores_json(const struct pl_result *r)
{
	json_t *cores = json_array();
	int i;

	for (i = 0; i < r->ncores; i++)
		json_array_append_new(cores, json_integer(r->cores[i]));
	return cores;
}

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * --dry-run: place every request of the snapshot in order on its view,
 * one JSON line each; time pl_place() alone.
 */
static void
dry_run(json_t *snap)
{
	const json_t *apps = json_object_get(snap, "applications");
	struct pl_view *v;
	struct pl_request prq;
	json_t *reqs, *rq, *app;
	const char *app_id, *iid;
	long long ns = 0, t0;
	size_t i, placed = 0, n;
	double ms;
	int rc;

	if (!(v = view_of(snap)) || !(reqs = snap_requests(snap)))
		die(EXIT_TEMP, "out of memory");
	n = json_array_size(reqs);
	json_array_foreach(reqs, i, rq) {
		struct pl_result r = PL_RESULT_ZERO;
		char why[160];

		iid = js_str(rq, "instanceId", "");
		app_id = js_str(rq, "appId", NULL);
		if (!app_id || !app_id[0]) {
			print_line(json_pack("{s:s, s:s, s:s}", "instanceId",
			    iid, "appId", "", "error",
			    "request without a valid appId"));
			continue;
		}
		app = json_object_get(apps, app_id);
		if (!app) {
			snprintf(why, sizeof why, "App %s not found", app_id);
			print_line(json_pack("{s:s, s:s, s:s}", "instanceId",
			    iid, "appId", app_id, "error", why));
			continue;
		}
		snap_pl_request(app_id, json_object_get(app, "spec"), &prq);
		t0 = now_ns();
		rc = pl_place_env(v, &prq, json_object_get(json_object_get(app,
		    "spec"), "env"), &r);
		ns += now_ns() - t0;
		if (rc < 0 && errno == ENOMEM)
			die(EXIT_TEMP, "out of memory");
		if (rc <= 0)
			print_line(json_pack("{s:s, s:s, s:s}", "instanceId",
			    iid, "appId", app_id, "error", r.why));
		else {
			placed++;
			print_line(json_pack("{s:s, s:s, s:s, s:s, s:i, s:o, "
			    "s:I}", "instanceId", iid, "appId", app_id,
			    "executorId", r.executor_id, "hostname",
			    r.hostname, "numaNode", r.numa, "cores",
			    cores_json(&r), "memoryMB",
			    (json_int_t)r.memory_mb));
		}
		pl_result_free(&r);
	}
	ms = ns / 1e6;
	info("placed %zu of %zu requests in %.3f ms (%.0f placements/s)",
	    placed, n, ms, ns > 0 ? n * 1e9 / ns : 0.0);
	json_decref(reqs);
	pl_view_free(v);
}

/* --state FILE: the snapshot, or exit 100 naming the file and line. */
static json_t *
read_state(const char *file, const char *ns)
{
	char *text = NULL;
	size_t len = 0, cap = 0;
	ssize_t k;
	json_t *snap;
	int fd;

	if (!strcmp(file, "-"))
		fd = 0;
	else if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		diesys(errno == ENOENT || errno == EACCES ? EXIT_USAGE :
		    EXIT_TEMP, "unable to open '%s'", file);
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 1 << 20;
			text = xrealloc(text, cap);
		}
		if ((k = read(fd, text + len, cap - len)) < 0) {
			if (errno == EINTR)
				continue;
			diesys(EXIT_TEMP, "unable to read '%s'", file);
		}
		if (k == 0)
			break;
		len += k;
	}
	if (fd)
		close(fd);
	if (!(snap = snap_parse(text, len, ns))) {
		if (errno == ENOMEM)
			die(EXIT_TEMP, "out of memory");
		die(EXIT_USAGE, "%s: %s", file, err_text());
	}
	free(text);
	return snap;
}

static void
handle_zk(void)
{
	struct zk_event ev;

	while (zk_next_event(C.z, &ev) == 1) {
		if (ev.type == ZK_EV_EXPIRED)
			die(EXIT_TEMP, "ZooKeeper session expired");
		if (ev.type == ZK_EV_DISCONNECTED)
			warn("ZooKeeper connection lost");
		view_note(C.v, &ev);
	}
}

static void
metrics_setup(void)
{
	static const char *const r[] = { "result", NULL };
	static const char *const wr[] = { "what", "result", NULL };

	if (!(C.mx = metrics_new()) ||
	    !(C.mx_placements = metrics_counter(C.mx,
	    "drove_sched_placements_total",
	    "Placements of instances: placed (committed), no_fit (no "
	    "executor has room; tried again later), write_failed (the batch "
	    "did not commit; tried again)", r)) ||
	    !(C.mx_writes = metrics_counter(C.mx, "drove_sched_writes_total",
	    "Fenced transactions committed by drove-sched, by what they do "
	    "and result (ok, failed)", wr)) ||
	    !(C.mx_passes = metrics_counter(C.mx, "drove_sched_passes_total",
	    "Passes over the waiting requests", NULL)))
		die(EXIT_TEMP, "unable to set up the metrics: %s",
		    strerror(errno));
}

/* The counters to /<ns>/metrics/drove-sched; a failure is not fatal, but
 * for the loss of the leadership (at_exit: nothing is). */
static void
metrics_put(int at_exit)
{
	if (metrics_publish(C.z, C.fence, PROG, C.hostname, C.mx) == 0)
		return;
	if (errno == EPERM && !at_exit)
		die(EXIT_TEMP, "unable to publish the metrics: %s",
		    err_text());
	warn("unable to publish the metrics: %s", err_text());
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "state", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'r' },
		{ "strategy", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cfg_path = NULL, *state = NULL;
	struct cfg_files cf = { 0 };
	struct pollfd pfd[2];
	json_t *cfg = NULL, *snap;
	char *end;
	int c, ready = -1, sfd;
	long long now, next_publish;

	PROG = "drove-sched";
	C.seed = 1;
	while ((c = getopt_long(argc, argv, "c:d:vnhS:", longopts, NULL)) != -1)
		switch (c) {
		case 'c':
			if (cfg_files_add(&cf, optarg) < 0)
				die(EXIT_USAGE, "%s", err_text());
			cfg_path = cf.name;
			break;
		case 'd':
			if ((ready = notify_parse(optarg)) < 0)
				die(EXIT_USAGE, "bad notification fd '%s'",
				    optarg);
			break;
		case 'v':
			verbosity++;
			break;
		case 'n':
			C.dry_run = 1;
			break;
		case 's':
			state = optarg;
			C.dry_run = 1;
			break;
		case 'S':
			if ((C.strategy = pl_strategy_parse(optarg)) < 0)
				die(EXIT_USAGE, "unknown strategy '%s' (best, "
				    "spread or firstfit)", optarg);
			break;
		case 'r':
			errno = 0;
			C.seed = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-')
				die(EXIT_USAGE, "bad seed '%s'", optarg);
			break;
		case 'h':
			printf("usage: %s\n", USAGE);
			stdout_close();
			return 0;
		default:
			dieusage(USAGE);
		}
	if (optind != argc || (!cfg_path && !state))
		dieusage(USAGE);
	if (state) {
		if (cfg_path) {
			if (!(cfg = cfg_load_all(cf.path, cf.n)))
				die(EXIT_USAGE, "%s", err_text());
			C.ns = cfg_zk_namespace(cfg);
		}
		snap = read_state(state, C.ns);
		dry_run(snap);
		json_decref(snap);
		json_decref(cfg);
		stdout_close();
		return 0;
	}
	C.fence = getenv("DROVE_LEADER_ZNODE");
	if (!C.dry_run && (!C.fence || C.fence[0] != '/'))
		die(EXIT_USAGE, "DROVE_LEADER_ZNODE must name the leader's "
		    "election znode");
	if (!(cfg = cfg_load_all(cf.path, cf.n)))
		die(EXIT_USAGE, "%s", err_text());
	if (!cfg_zk_connect(cfg))
		die(EXIT_USAGE, "%s: zookeeper.connectionString is missing",
		    cfg_path);
	C.ns = cfg_zk_namespace(cfg);
	if (!(C.secret = cfg_instance_secret(cfg)) || !C.secret[0])
		die(EXIT_USAGE, "%s: instanceAuth.secret must be a non-empty "
		    "string", cfg_path);

	if (!C.dry_run) {
		if ((sfd = sig_fd((const int[]){ SIGTERM, SIGINT, 0 })) < 0)
			diesys(EXIT_TEMP, "unable to set up signals");
	} else
		sfd = -1;
	if (!(C.z = zk_open(cfg_zk_connect(cfg), C.ns,
	    cfg_zk_session_ms(cfg), 10000)))
		die(EXIT_TEMP, "unable to connect to ZooKeeper '%s': %s",
		    cfg_zk_connect(cfg), err_text());
	if (C.dry_run) {
		if (!(snap = snap_new()))
			die(EXIT_TEMP, "out of memory");
		if (snap_load_zk(C.z, C.ns, SNAP_EXECUTORS | SNAP_APPS |
		    SNAP_REQUESTS, 0, snap) < 0)
			die(EXIT_TEMP, "%s", err_text());
		dry_run(snap);
		json_decref(snap);
		zk_close(C.z);
		json_decref(cfg);
		stdout_close();
		return 0;
	}
	if (zk_exists(C.z, C.fence, 0) != 1)
		die(EXIT_TEMP, "fence '%s' does not exist: not the leader",
		    C.fence);
	if (cfg_hostname(cfg, C.hostname, sizeof C.hostname) < 0)
		diesys(EXIT_TEMP, "unable to get the host name");
	metrics_setup();
	if (event_dir_ensure(C.z, C.ns) < 0)
		die(EXIT_TEMP, "%s", err_text());
	if (!(C.todo = json_object()) || !(C.ensured = json_object()) ||
	    !(C.v = view_new_zk(C.z, VIEW_APPS | VIEW_EXECUTORS |
	    VIEW_ASSIGNMENTS | VIEW_REQUESTS | VIEW_BLACKLIST |
	    VIEW_LOCALSERVICES | VIEW_TASKS)) ||
	    !(C.plt = plt_new(C.v, C.strategy, C.seed)))
		die(EXIT_TEMP, "out of memory");
	if (view_load(C.v, on_change, NULL) < 0)
		die(EXIT_TEMP, "%s", err_text());
	work();
	info("scheduling (fence %s)", C.fence);
	notify_ready(ready);
	metrics_put(0);
	next_publish = mono_ms() + PUBLISH_MS;

	pfd[0].fd = zk_fd(C.z);
	pfd[0].events = POLLIN;
	pfd[1].fd = sfd;
	pfd[1].events = POLLIN;
	for (;;) {
		int timeout = -1, due;

		now = mono_ms();
		if (!json_object_size(view_requests(C.v)))
			C.next_resync = now + RESYNC_MS;
		if (C.retry_at)
			timeout = C.retry_at > now ? (int)(C.retry_at - now) :
			    0;
		else if (json_object_size(view_requests(C.v)))
			/* a request waits: try it again now and then */
			timeout = C.next_resync > now ?
			    (int)(C.next_resync - now) : 0;
		/* after a failure, nothing until retry_at */
		due = C.retry_at ? -1 : view_due_in(C.v, now,
		    coalesce_ms(now));
		if (due >= 0 && (timeout < 0 || due < timeout))
			timeout = due;
		if (timeout < 0 || next_publish - now < timeout)
			timeout = next_publish > now ?
			    (int)(next_publish - now) : 0;
		if (poll(pfd, 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			diesys(EXIT_TEMP, "poll");
		}
		if (pfd[1].revents & POLLIN) {
			info("terminating");
			break;
		}
		if (pfd[0].revents & POLLIN)
			handle_zk();
		now = mono_ms();
		if ((C.retry_at && now >= C.retry_at) || (json_object_size(
		    view_requests(C.v)) && now >= C.next_resync)) {
			C.retry_at = 0;
			C.next_resync = now + RESYNC_MS;
			if (view_resync_due(C.v, now) && view_load(C.v,
			    on_change, NULL) < 0 && errno != ENOTCONN)
				die(EXIT_TEMP, "%s", err_text());
			C.retry_all = 1;	/* try everything again */
		}
		if (!C.retry_at && (C.retry_all ||
		    view_due_in(C.v, now, coalesce_ms(now)) <= 0))
			work();
		if (mono_ms() >= next_publish) {
			metrics_put(0);
			next_publish = mono_ms() + PUBLISH_MS;
		}
	}
	metrics_put(1);
	metrics_free(C.mx);
	plt_free(C.plt);
	view_free(C.v);
	json_decref(C.todo);
	json_decref(C.ensured);
	zk_close(C.z);
	json_decref(cfg);
	return 0;
}
