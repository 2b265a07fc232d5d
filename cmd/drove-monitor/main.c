/*
 * drove-monitor: carries out application operations and keeps each
 * application at its expected instance count (leader only); declares
 * executors lost and moves instances off blacklisted ones (executors.c);
 * keeps local services on their executors and carries out their
 * operations (localservices.c).
 * Keeps a view (lib/view) of /drove/applications, /drove/operations,
 * /drove/requests, /drove/instances, /drove/assignments, /drove/executor,
 * /drove/removedexecutors, /drove/blacklist and the cluster state, and
 * reconciles only the apps that a change touched; an app with an
 * operation record is driven by it (ops.c), one without is kept at its
 * count.  Writes, fenced by
 * $DROVE_LEADER_ZNODE: requests, targetState STOPPED on assignments,
 * deletions of the assignments of terminal instances, operation progress,
 * ApplicationInfo counts when an operation ends, APP_STATE_CHANGE events;
 * prunes events older than an hour and old instance records.
 * In the maintenance window (/drove/cluster/maintenance, lib/record
 * cluster_in_window) it reconciles nothing: no respawn, no stop, no step
 * of an operation; the apps that changed are reconciled when it ends.
 * Exit: 0 SIGTERM, 100 usage or config, 111 ZooKeeper trouble or
 * leadership lost.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "event.h"
#include "ids.h"
#include "notify.h"
#include "sig.h"
#include "monitor.h"

#define USAGE "drove-monitor -c controller.yml [ -c more.yml ... ] " \
	"[ -d notif ] [ -v ]"
#define SWEEP_MS 60000		/* every app, from memory: the safety net */
#define RETRY_MS 1000
#define COALESCE_MS 20		/* a burst of events is read once */
#define BLACKLIST_MS 500		/* blacklisted executors looked at */
#define TICK_MS 1000		/* operations' timeouts are due to the second */
#define STALE_INSTANCES_MAX 100		/* Drove's maxStaleInstancesCount */
#define STALE_INSTANCE_AGE_MS (7 * 24 * 3600 * 1000LL)
#define PRUNE_BATCH 200
#define PUBLISH_MS 10000	/* the counters, to /<ns>/metrics */

struct monitor M;

void
mark_dirty(const char *app)
{
	if (json_object_set_new(M.dirty, app, json_true()) < 0)
		die(EXIT_TEMP, "out of memory");
}

static void
on_change(void *ctx, const struct view_change *c)
{
	(void)ctx;
	if (c->kind == VIEW_K_TASK) {
		task_change(c);
		return;
	}
	if (ls_change(c))
		;	/* a local service's: no app */
	else if (c->app_id)
		mark_dirty(c->app_id);
	if (c->kind == VIEW_K_EXECUTOR)
		exec_change(c);
}

int
in_maintenance_window(void)
{
	return cluster_in_window(view_cluster(M.v), js_now_ms());
}

/* The view re-reads what was written at the next refresh, which marks
 * the object again and checks the result. */
int
kind_commit(const struct kind *k, struct zk_txn *t, const char *what,
    const char *id)
{
	char p[ZKP_MAX];
	int i, e;

	if (zk_txn_commit(M.z, t) == 0) {
		metric_inc(M.mx_writes, (const char *const[]){ k->noun, what,
		    "ok" }, 1);
		return 0;
	}
	e = errno;
	metric_inc(M.mx_writes, (const char *const[]){ k->noun, what,
	    e == ESTALE || e == EEXIST || e == ENOENT ? "conflict" : "error" },
	    1);
	errno = e;
	if (errno == EPERM)
		die(EXIT_TEMP, "%s %s: unable to %s: %s", k->noun, id, what,
		    err_text());
	if (errno == ENOMEM)
		die(EXIT_TEMP, "out of memory");
	if (errno == ENOENT)
		event_forget();	/* it may be an event bucket that went */
	if (errno == ESTALE || errno == EEXIST || errno == ENOENT) {
		/* another writer came first: read its records again */
		info("%s %s: unable to %s: %s: reading again", k->noun, id,
		    what, err_text());
		for (i = 0; i < 3; i++)
			if (k->path[i](p, M.ns, id) == 0)
				view_touch(M.v, p);
		k->mark(id);
		return -1;
	}
	warn("%s %s: unable to %s: %s", k->noun, id, what, err_text());
	M.retry_at = mono_ms() + RETRY_MS;
	return -1;
}

static const struct kind app_kind = { "app", { zkp_app, zkp_operation,
    zkp_app_instances }, mark_dirty };

int
commit(struct zk_txn *t, const char *what, const char *app)
{
	return kind_commit(&app_kind, t, what, app);
}

/* A request's instanceId (the view's records are complete requests). */
const char *
req_id(const json_t *r)
{
	struct rec_request f;

	return rec_request_read(r, &f) == 0 ? f.instance_id : "";
}

static long long
req_created(const json_t *r)
{
	struct rec_request f;

	return rec_request_read(r, &f) == 0 ? f.created : 0;
}

static int
cmp_created_desc(long long a, long long b, const char *x, const char *y)
{
	if (a != b)
		return a > b ? -1 : 1;
	return strcmp(y, x);
}

static int
cmp_req_newest(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;

	return cmp_created_desc(req_created(x), req_created(y), req_id(x),
	    req_id(y));
}

int
inst_cmp_stop(const void *a, const void *b)
{
	const struct inst *x = *(struct inst *const *)a;
	const struct inst *y = *(struct inst *const *)b;
	int hx = x->state == INST_HEALTHY, hy = y->state == INST_HEALTHY;

	if (hx != hy)
		return hx - hy;
	return cmp_created_desc(x->created, y->created, x->id, y->id);
}

struct inst *
inst_find(struct inst *in, int n, const char *iid)
{
	int i;

	for (i = 0; iid && i < n; i++)
		if (!strcmp(in[i].id, iid))
			return &in[i];
	return NULL;
}

struct inst *
app_inst(const struct app *a, const char *iid)
{
	return inst_find(a->in, a->nin, iid);
}

int
app_has_request(const struct app *a, const char *iid)
{
	int i;

	for (i = 0; iid && i < a->nreq; i++)
		if (!strcmp(req_id(a->req[i]), iid))
			return 1;
	return 0;
}

int
inst_stop(struct zk_txn *t, const struct inst *in, const char *noun,
    const char *id)
{
	char p[ZKP_MAX];
	json_t *x;

	if (!in->asg || in->target != TARGET_RUNNING ||
	    inst_state_is_terminal(in->state) ||
	    zkp_assignment(p, M.ns, in->executor_id, in->id) < 0)
		return 0;
	if (!(x = rec_assignment_stopped(in->asg)))
		die(EXIT_TEMP, "out of memory");
	zk_txn_set(t, p, x, -1);
	json_decref(x);
	view_touch(M.v, p);
	info("%s %s: stopping %s on %s (%s)", noun, id, in->id,
	    in->executor_id, inst_state_name(in->state));
	return 1;
}

int
app_stop(struct zk_txn *t, const struct app *a, const char *iid)
{
	struct inst *in = app_inst(a, iid);
	char p[ZKP_MAX];

	if (app_has_request(a, iid) && zkp_request(p, M.ns, iid) == 0) {
		zk_txn_delete(t, p, -1);
		view_touch(M.v, p);
		return 1;
	}
	return in ? inst_stop(t, in, "app", a->id) : 0;
}

void
app_request(struct zk_txn *t, const struct app *a, char *iid)
{
	char p[ZKP_MAX];
	json_t *r;

	if (ids_instance(iid, "AI-") < 0)
		diesys(EXIT_TEMP, "unable to make an instance id");
	zkp_request(p, M.ns, iid);
	r = rec_request_new(&(struct rec_request){ a->id, iid, js_now_ms(),
	    NULL });
	if (!r)
		die(EXIT_TEMP, "out of memory");
	zk_txn_create(t, p, r, 0);
	json_decref(r);
	view_touch(M.v, p);
}

void
app_event(struct zk_txn *t, const struct app *a, long long n,
    enum app_state s)
{
	json_t *ev = rec_event_app_state(a->id, a->fa.spec, n, s,
	    js_now_ms());

	if (!ev)
		die(EXIT_TEMP, "out of memory");
	event_add(M.z, t, ev);
	json_decref(ev);
	info("app %s: %s", a->id, app_state_name(s));
}

/*
 * Before more instances are asked for, ZooKeeper decides whether the view
 * is complete for app: the scheduler replaces a request by an instance
 * and an assignment in one transaction, but their watch events can land
 * in different refreshes.  1 the view has every instance of app and the
 * assignment of each that is not over, 0 not yet (what it lacks is read
 * again), -1 on ENOTCONN.
 */
int
settled(const char *app)
{
	char dir[ZKP_MAX], p[ZKP_MAX];
	json_t *known = view_instances(M.v, app), *ii;
	char **names, **n;
	const char *iid, *eid;
	int ok = 1, r;

	if (zkp_app_instances(dir, M.ns, app) < 0)
		return 1;
	if (zk_children(M.z, dir, 0, &names, NULL) < 0) {
		if (errno == ENOENT)
			return 1;
		goto trouble;
	}
	for (n = names; *n; n++)
		if (!json_object_get(known, *n) && zkp_child(p, dir, *n) == 0) {
			view_touch(M.v, p);
			ok = 0;
		}
	zk_free_names(names);
	json_object_foreach(known, iid, ii) {
		struct rec_instance f;

		if (rec_instance_read(ii, &f) < 0 || !*f.executor_id)
			continue;
		eid = f.executor_id;
		if (inst_state_is_terminal(f.state) ||
		    view_assignment(M.v, eid, iid) ||
		    zkp_assignment(p, M.ns, eid, iid) < 0)
			continue;
		if ((r = zk_exists(M.z, p, 0)) < 0)
			goto trouble;
		if (r == 1) {
			view_touch(M.v, p);
			ok = 0;
		}
	}
	return ok;
trouble:
	if (errno != ENOTCONN)
		die(EXIT_TEMP, "unable to read '%s': %s", dir, err_text());
	M.retry_at = mono_ms() + RETRY_MS;
	return -1;
}

struct inst *
insts_load(json_t *insts, int *n)
{
	struct inst *v = xcalloc(json_object_size(insts) + 1, sizeof *v);
	struct rec_instance fi;
	struct rec_assignment fs;
	const char *iid;
	json_t *ii;

	*n = 0;
	json_object_foreach(insts, iid, ii) {
		struct inst *in = &v[*n];

		if (rec_instance_read(ii, &fi) < 0)
			continue;
		in->id = iid;
		in->state = fi.state;
		in->error = fi.error;
		in->created = fi.created;
		in->executor_id = *fi.executor_id ? fi.executor_id : NULL;
		in->asg = in->executor_id ? view_assignment(M.v,
		    in->executor_id, iid) : NULL;
		in->target = TARGET_RUNNING;
		if (in->asg && rec_assignment_read(in->asg, &fs) == 0)
			in->target = fs.target;
		(*n)++;
	}
	return v;
}

/* Read app from the view into a (free with app_free()). */
static void
app_load(struct app *a, const char *app)
{
	json_t *insts, *reqs, *r;
	const char *iid;

	memset(a, 0, sizeof *a);
	a->id = app;
	if ((a->info = view_app(M.v, app)) && rec_app_read(a->info,
	    &a->fa) < 0) {
		warn("app %s: unreadable ApplicationInfo: leaving it alone",
		    app);
		a->info = NULL;
		a->id = NULL;
		return;
	}
	if ((a->op = view_operation(M.v, app)) && rec_operation_read(a->op,
	    &a->fo) < 0) {
		warn("app %s: unreadable operation record: ignoring it", app);
		a->op = NULL;
	}
	insts = view_instances(M.v, app);
	reqs = view_app_requests(M.v, app);
	a->in = insts_load(insts, &a->nin);
	a->req = xcalloc(json_object_size(reqs) + 1, sizeof *a->req);
	json_object_foreach(reqs, iid, r)
		if (!json_object_get(insts, req_id(r)))	/* not placed yet */
			a->req[a->nreq++] = r;
}

static void
app_free(struct app *a)
{
	free(a->in);
	free(a->req);
}

struct zk_txn *
insts_release(const struct inst *in, int n, const char *noun,
    const char *id)
{
	struct zk_txn *t = NULL;
	char p[ZKP_MAX];
	int i;

	for (i = 0; i < n; i++) {
		if (!inst_state_is_terminal(in[i].state) || !in[i].asg ||
		    zkp_assignment(p, M.ns, in[i].executor_id, in[i].id) < 0)
			continue;
		if (!t)
			t = zk_txn_new(M.fence);
		zk_txn_delete(t, p, -1);
		view_touch(M.v, p);
		info("%s %s: %s is %s: removing its assignment", noun, id,
		    in[i].id, inst_state_name(in[i].state));
	}
	return t;
}

/* Delete the assignments of a's instances that are over: their
 * resources go back to the executor. */
static void
release_finished(const struct app *a)
{
	struct zk_txn *t = insts_release(a->in, a->nin, "app", a->id);

	if (t)
		commit(t, "delete assignments", a->id);
}

/* An app without operation: at its count.  Fewer instances than
 * expected is an outage, repaired by a recovery operation; surplus ones
 * (pending requests first, newest first, then running ones) are
 * stopped. */
static void
keep_count(struct app *a)
{
	struct inst **run;
	struct zk_txn *t;
	long long have, want = a->info ? a->fa.instances : 0, surplus;
	int nrun = 0, i, n = 0;

	if (want < 0)
		want = 0;
	run = xcalloc((size_t)a->nin + 1, sizeof *run);
	for (i = 0; i < a->nin; i++) {
		struct inst *in = &a->in[i];

		if (in->asg && in->target == TARGET_RUNNING &&
		    (!a->info ? !inst_state_is_terminal(in->state) :
		    inst_state_is_wanted(in->state)))
			run[nrun++] = in;
	}
	have = nrun + a->nreq;
	if (have < want) {
		if (settled(a->id) == 1)
			op_recover(a, want);
		goto out;
	}
	if (have == want)
		goto out;
	surplus = have - want;
	t = zk_txn_new(M.fence);
	qsort(a->req, (size_t)a->nreq, sizeof *a->req, cmp_req_newest);
	for (i = 0; i < a->nreq && surplus > 0; i++, surplus--)
		n += app_stop(t, a, req_id(a->req[i]));
	qsort(run, (size_t)nrun, sizeof *run, inst_cmp_stop);
	for (i = 0; i < nrun && surplus > 0; i++, surplus--)
		n += app_stop(t, a, run[i]->id);
	if (n)
		commit(t, a->info ? "scale down" : "stop the removed app",
		    a->id);
	else
		zk_txn_free(t);
out:
	free(run);
}

/* Bring one app to what its records ask for, from the view. */
static void
reconcile(const char *app)
{
	struct app a;
	struct zk_txn *t;
	char p[ZKP_MAX];

	metric_inc(M.mx_reconciles, NULL, 1);
	app_load(&a, app);
	if (!a.id)
		return;
	release_finished(&a);
	if (a.op && !a.info) {
		/* the operation of an app that is gone */
		t = zk_txn_new(M.fence);
		zkp_operation(p, M.ns, app);
		zk_txn_delete(t, p, -1);
		view_touch(M.v, p);
		commit(t, "delete the operation of a removed app", app);
	} else if (a.op)
		op_run(&a);
	else
		keep_count(&a);
	app_free(&a);
}

/* Every app the view knows of, by its ApplicationInfo, instances or
 * requests. */
static void
mark_all(void)
{
	json_t *snap = view_snapshot(M.v), *x, *r;
	const char *k;

	json_object_foreach(json_object_get(snap, "applications"), k, x)
		mark_dirty(k);
	json_object_foreach(json_object_get(snap, "instances"), k, x)
		mark_dirty(k);
	json_object_foreach(json_object_get(snap, "operations"), k, x)
		mark_dirty(k);
	json_object_foreach(json_object_get(snap, "requests"), k, r) {
		struct rec_request f;

		if (rec_request_read(r, &f) == 0)
			mark_dirty(f.app_id);
	}
	ls_mark_all();
}

void
op_deadline(const char *app, long long at)
{
	if (at <= 0)
		json_object_del(M.deadlines, app);
	else if (json_object_set_new(M.deadlines, app, json_integer(at)) < 0)
		die(EXIT_TEMP, "out of memory");
}

/* A local service's deadline: its key in M.deadlines ("ls:" cannot
 * begin an appId: names have no ':'). */
#define LS_KEY "ls:"

void
ls_deadline(const char *service_id, long long at)
{
	char k[512];

	snprintf(k, sizeof k, "%s%s", LS_KEY, service_id);
	op_deadline(k, at);
}

/* Apps and local services whose operation has a timeout due are looked
 * at. */
static void
mark_operations(void)
{
	long long now = js_now_ms();
	const char *k;
	json_t *x;
	void *tmp;

	json_object_foreach_safe(M.deadlines, tmp, k, x)
		if (json_integer_value(x) <= now) {
			if (!strncmp(k, LS_KEY, strlen(LS_KEY)))
				ls_mark(k + strlen(LS_KEY));
			else
				mark_dirty(k);
			json_object_del(M.deadlines, k);
		}
}

static int
cmp_old_instances(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;

	return cmp_created_desc(js_int(x, "updated", 0), js_int(y, "updated",
	    0), js_str(x, "instanceId", ""), js_str(y, "instanceId", ""));
}

/* Drove's StaleDataCleaner for instance records: of an app's (ls: a
 * local service's) instances in non-active states, the newest
 * STALE_INSTANCES_MAX younger than STALE_INSTANCE_AGE_MS are kept, the
 * others deleted. */
static void
prune_old_instances(const char *app, json_t *insts, long long now, int ls)
{
	json_t **v, *ii;
	struct rec_instance f;
	struct zk_txn *t = NULL;
	const char *iid;
	char p[ZKP_MAX];
	size_t n = 0, i, k = 0;

	v = xcalloc(json_object_size(insts) + 1, sizeof *v);
	json_object_foreach(insts, iid, ii)
		if (rec_instance_read(ii, &f) == 0 &&
		    !inst_state_is_active(f.state) &&
		    !view_assignment(M.v, f.executor_id, iid))
			v[n++] = ii;
	qsort(v, n, sizeof *v, cmp_old_instances);
	for (i = 0; i < n; i++) {
		if (i < STALE_INSTANCES_MAX && now - js_int(v[i], "updated",
		    0) < STALE_INSTANCE_AGE_MS)
			continue;
		if ((ls ? zkp_ls_instance(p, M.ns, app, js_str(v[i],
		    "instanceId", "")) : zkp_instance(p, M.ns, app,
		    js_str(v[i], "instanceId", ""))) < 0)
			continue;
		if (!t)
			t = zk_txn_new(M.fence);
		zk_txn_delete(t, p, -1);
		view_touch(M.v, p);
		if (++k % PRUNE_BATCH == 0) {
			commit(t, "prune old instances", app);
			t = NULL;
		}
	}
	if (t)
		commit(t, "prune old instances", app);
	if (k)
		info("app %s: pruned %zu old instance record%s", app, k,
		    k == 1 ? "" : "s");
	free(v);
}

/* Events older than an hour, and old instance records. */
static void
prune(void)
{
	long long now = js_now_ms();
	const char *app;
	json_t *insts;
	int n;

	if ((n = event_prune(M.z, M.ns, M.fence, now - EVENT_RETAIN_MS,
	    100000)) < 0) {
		if (errno == EPERM)
			die(EXIT_TEMP, "unable to prune events: %s",
			    err_text());
		warn("unable to prune events: %s", err_text());
	} else if (n > 0)
		info("pruned %d event%s older than an hour", n,
		    n == 1 ? "" : "s");
	json_object_foreach(json_object_get(view_snapshot(M.v), "instances"),
	    app, insts)
		prune_old_instances(app, insts, now, 0);
	json_object_foreach(json_object_get(view_snapshot(M.v),
	    "localserviceinstances"), app, insts)
		prune_old_instances(app, insts, now, 1);
	exec_prune();
	tasks_prune();
}

/* Refresh the view, then reconcile what changed, until nothing does:
 * each round's own writes are read back by the next refresh. */
static void
work(void)
{
	json_t *round;
	const char *app;
	json_t *x;
	int rounds = 0;

	for (;;) {
		if (view_pending(M.v) && view_refresh(M.v, on_change,
		    NULL) < 0) {
			if (errno != ENOTCONN)
				die(EXIT_TEMP, "%s", err_text());
			warn("%s", err_text());
			M.retry_at = mono_ms() + RETRY_MS;
			return;
		}
		if (!M.retry_at)
			tasks_work();
		if ((!json_object_size(M.dirty) && !ls_pending()) ||
		    M.retry_at)
			return;
		/* the apps stay marked until the window ends */
		if (in_maintenance_window())
			return;
		round = M.dirty;
		if (!(M.dirty = json_object()))
			die(EXIT_TEMP, "out of memory");
		json_object_foreach(round, app, x)
			reconcile(app);
		json_decref(round);
		if (!M.retry_at)
			ls_work();
		if (++rounds > 1000)
			BUG("reconciling does not settle");
	}
}

static void
handle_zk(void)
{
	struct zk_event ev;

	while (zk_next_event(M.z, &ev) == 1) {
		if (ev.type == ZK_EV_EXPIRED)
			die(EXIT_TEMP, "ZooKeeper session expired");
		if (ev.type == ZK_EV_DISCONNECTED)
			warn("ZooKeeper connection lost");
		view_note(M.v, &ev);
	}
}

static void
metrics_setup(void)
{
	static const char *const kwr[] = { "kind", "what", "result", NULL };

	if (!(M.mx = metrics_new()) ||
	    !(M.mx_writes = metrics_counter(M.mx, "drove_monitor_writes_total",
	    "Fenced transactions committed by drove-monitor, by kind of "
	    "object, what they do and result (ok, conflict: another write "
	    "came first, error)", kwr)) ||
	    !(M.mx_respawns = metrics_counter(M.mx,
	    "drove_monitor_respawns_total",
	    "Recoveries started for applications with fewer instances than "
	    "expected", NULL)) ||
	    !(M.mx_lost = metrics_counter(M.mx,
	    "drove_monitor_executors_lost_total",
	    "Executors declared lost after their grace period", NULL)) ||
	    !(M.mx_reconciles = metrics_counter(M.mx,
	    "drove_monitor_reconciles_total",
	    "Applications reconciled after a change", NULL)) ||
	    !(M.mx_sweeps = metrics_counter(M.mx, "drove_monitor_sweeps_total",
	    "Sweeps of every application (the safety net)", NULL)))
		die(EXIT_TEMP, "unable to set up the metrics: %s",
		    strerror(errno));
}

/* The counters to /<ns>/metrics/drove-monitor; a failure is not fatal,
 * but for the loss of the leadership (at_exit: nothing is). */
static void
metrics_put(int at_exit)
{
	if (metrics_publish(M.z, M.fence, PROG, M.hostname, M.mx) == 0)
		return;
	if (errno == EPERM && !at_exit)
		die(EXIT_TEMP, "unable to publish the metrics: %s",
		    err_text());
	warn("unable to publish the metrics: %s", err_text());
}

int
main(int argc, char **argv)
{
	const char *cfg_path = NULL;
	struct cfg_files cf = { 0 };
	struct pollfd pfd[2];
	char path[ZKP_MAX];
	json_t *cfg;
	int c, ready = -1, sfd, timeout, due, held;
	long long now, next_tick, end, lost_next, next_blacklist = 0;
	long long next_publish;

	PROG = "drove-monitor";
	while ((c = getopt(argc, argv, "c:d:vh")) != -1)
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
		case 'h':
			printf("usage: %s\n", USAGE);
			stdout_close();
			return 0;
		default:
			dieusage(USAGE);
		}
	if (optind != argc || !cfg_path)
		dieusage(USAGE);
	M.fence = getenv("DROVE_LEADER_ZNODE");
	if (!M.fence || M.fence[0] != '/')
		die(EXIT_USAGE, "DROVE_LEADER_ZNODE must name the leader's "
		    "election znode");
	if (!(cfg = cfg_load_all(cf.path, cf.n)))
		die(EXIT_USAGE, "%s", err_text());
	if (!cfg_zk_connect(cfg))
		die(EXIT_USAGE, "%s: zookeeper.connectionString is missing",
		    cfg_path);
	M.ns = cfg_zk_namespace(cfg);
	M.grace_ms = cfg_executor_grace_ms(cfg);
	if (cfg_hostname(cfg, M.hostname, sizeof M.hostname) < 0)
		diesys(EXIT_TEMP, "unable to get the host name");
	metrics_setup();

	if ((sfd = sig_fd((const int[]){ SIGTERM, SIGINT, 0 })) < 0)
		diesys(EXIT_TEMP, "unable to set up signals");
	if (!(M.z = zk_open(cfg_zk_connect(cfg), M.ns,
	    cfg_zk_session_ms(cfg), 10000)))
		die(EXIT_TEMP, "unable to connect to ZooKeeper '%s': %s",
		    cfg_zk_connect(cfg), err_text());
	if (zk_exists(M.z, M.fence, 0) != 1)
		die(EXIT_TEMP, "fence '%s' does not exist: not the leader",
		    M.fence);
	zkp_requests_dir(path, M.ns);
	if (zk_ensure(M.z, path) < 0 || event_dir_ensure(M.z, M.ns) < 0 ||
	    zkp_operations_dir(path, M.ns) < 0 || zk_ensure(M.z, path) < 0 ||
	    zkp_removed_executors_dir(path, M.ns) < 0 ||
	    zk_ensure(M.z, path) < 0 || zkp_blacklist_dir(path, M.ns) < 0 ||
	    zk_ensure(M.z, path) < 0 || zkp_ls_operations_dir(path, M.ns) < 0 ||
	    zk_ensure(M.z, path) < 0)
		die(EXIT_TEMP, "%s", err_text());
	if (!(M.dirty = json_object()) || !(M.deadlines = json_object()) ||
	    !(M.ls_dirty = json_object()) ||
	    !(M.v = view_new_zk(M.z,
	    VIEW_APPS | VIEW_INSTANCES | VIEW_REQUESTS | VIEW_ASSIGNMENTS |
	    VIEW_OPERATIONS | VIEW_EXECUTORS | VIEW_REMOVED |
	    VIEW_BLACKLIST | VIEW_CLUSTER | VIEW_TASKS | VIEW_LOCALSERVICES |
	    VIEW_LS_INSTANCES | VIEW_LS_OPERATIONS)) ||
	    !(M.lost = json_object()))
		die(EXIT_TEMP, "out of memory");
	if (view_load(M.v, on_change, NULL) < 0)
		die(EXIT_TEMP, "%s", err_text());
	work();
	exec_scan();
	lost_next = in_maintenance_window() ? 0 : exec_check(mono_ms());
	prune();
	M.next_sweep = mono_ms() + SWEEP_MS;
	next_tick = mono_ms() + TICK_MS;
	info("monitoring (fence %s)", M.fence);
	notify_ready(ready);
	metrics_put(0);
	next_publish = mono_ms() + PUBLISH_MS;

	pfd[0].fd = zk_fd(M.z);
	pfd[0].events = POLLIN;
	pfd[1].fd = sfd;
	pfd[1].events = POLLIN;
	for (;;) {
		now = mono_ms();
		timeout = (int)(M.next_sweep - now);
		if (json_object_size(M.deadlines) && next_tick - now < timeout)
			timeout = (int)(next_tick - now);
		if (lost_next && lost_next - now < timeout)
			timeout = (int)(lost_next - now);
		if (json_object_size(view_blacklist(M.v)) && BLACKLIST_MS <
		    timeout)
			timeout = BLACKLIST_MS;
		if (M.retry_at && M.retry_at - now < timeout)
			timeout = (int)(M.retry_at - now);
		if (next_publish - now < timeout)
			timeout = (int)(next_publish - now);
		/* after a failure, nothing until retry_at */
		due = M.retry_at ? -1 : view_due_in(M.v, now, COALESCE_MS);
		if (due >= 0 && due < timeout)
			timeout = due;
		/* apps held by the maintenance window: wake when it ends */
		held = !M.retry_at && (json_object_size(M.dirty) ||
		    ls_pending()) &&
		    (end = cluster_window_end(view_cluster(M.v))) != LLONG_MAX;
		if (held && end - js_now_ms() + 1 < timeout)
			timeout = (int)(end - js_now_ms() + 1);
		if (timeout < 0)
			timeout = 0;
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
		if (M.retry_at && now >= M.retry_at) {
			M.retry_at = 0;
			mark_all();
		}
		if (now >= M.next_sweep) {
			if (view_resync_due(M.v, now) && view_load(M.v,
			    on_change, NULL) < 0 && errno != ENOTCONN)
				die(EXIT_TEMP, "%s", err_text());
			mark_all();
			exec_scan();
			prune();
			M.next_sweep = now + SWEEP_MS;
			metric_inc(M.mx_sweeps, NULL, 1);
		}
		if (now >= next_publish) {
			metrics_put(0);
			next_publish = now + PUBLISH_MS;
		}
		if (now >= next_tick) {
			mark_operations();
			next_tick = now + TICK_MS;
		}
		if (!M.retry_at && (view_due_in(M.v, now, COALESCE_MS) <= 0 ||
		    (held && !in_maintenance_window())))
			work();
		/* in the maintenance window nothing is declared lost or
		 * moved */
		if (!M.retry_at && !in_maintenance_window())
			lost_next = exec_check(mono_ms());
		if (!M.retry_at && !in_maintenance_window() &&
		    json_object_size(view_blacklist(M.v)) &&
		    mono_ms() >= next_blacklist) {
			blacklist_step();
			next_blacklist = mono_ms() + BLACKLIST_MS;
		}
	}
	metrics_put(1);
	metrics_free(M.mx);
	view_free(M.v);
	json_decref(M.dirty);
	json_decref(M.ls_dirty);
	json_decref(M.deadlines);
	json_decref(M.lost);
	zk_close(M.z);
	json_decref(cfg);
	return 0;
}
