/*
 * drove-monitor: keeps each application at its expected instance count
 * (leader only).  Keeps a view (lib/view) of /drove/applications,
 * /drove/requests, /drove/instances and /drove/assignments, and reconciles
 * only the apps that a change touched; writes, fenced by
 * $DROVE_LEADER_ZNODE: new /drove/requests/<iid> (scale up, replacements),
 * deletes surplus requests, sets targetState STOPPED on surplus
 * assignments and on those of removed apps, and deletes the assignment of
 * every instance in a terminal state.
 * Exit: 0 SIGTERM, 100 usage or config, 111 ZooKeeper trouble or
 * leadership lost.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "ids.h"
#include "json.h"
#include "model.h"
#include "notify.h"
#include "record.h"
#include "sig.h"
#include "view.h"
#include "zk.h"
#include "zkpath.h"

#define USAGE "drove-monitor -c controller.yml [ -d notif ] [ -v ]"
#define SWEEP_MS 60000		/* every app, from memory: the safety net */
#define RETRY_MS 1000
#define COALESCE_MS 20		/* a burst of events is read once */

static struct ctx {
	struct zk *z;
	struct view *v;
	const char *ns;
	const char *fence;
	json_t *dirty;		/* {appId: true}: apps to reconcile */
	long long next_sweep;	/* monotonic ms */
	long long retry_at;	/* monotonic ms; 0 none */
} C;

/* A running instance of an app, as the view shows it. */
struct inst {
	const char *id;
	enum inst_state state;
	long long created;
	const char *executor_id;
	const json_t *asg;
};

static void
mark_dirty(const char *app)
{
	if (json_object_set_new(C.dirty, app, json_true()) < 0)
		die(EXIT_TEMP, "out of memory");
}

static void
on_change(void *ctx, const struct view_change *c)
{
	(void)ctx;
	if (c->app_id)
		mark_dirty(c->app_id);
}

/* Commit t; the view re-reads what was written at the next refresh,
 * which marks the app again and checks the result.  A failure other
 * than lost leadership is retried after a pause. */
static int
commit(struct zk_txn *t, const char *what, const char *app)
{
	if (zk_txn_commit(C.z, t) == 0)
		return 0;
	if (errno == EPERM)
		die(EXIT_TEMP, "app %s: unable to %s: %s", app, what,
		    err_text());
	if (errno == ENOMEM)
		die(EXIT_TEMP, "out of memory");
	warn("app %s: unable to %s: %s", app, what, err_text());
	C.retry_at = mono_ms() + RETRY_MS;
	return -1;
}

/* A request's instanceId (the view's records are complete requests). */
static const char *
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

/* Stop order: non-HEALTHY first, then newest. */
static int
cmp_stop(const void *a, const void *b)
{
	const struct inst *x = a, *y = b;
	int hx = x->state == INST_HEALTHY, hy = y->state == INST_HEALTHY;

	if (hx != hy)
		return hx - hy;
	return cmp_created_desc(x->created, y->created, x->id, y->id);
}

static void
stop_assignments(const char *app, const struct inst *v, int n)
{
	char p[ZKP_MAX];
	struct zk_txn *t;
	json_t *a;
	int i;

	if (!n)
		return;
	t = zk_txn_new(C.fence);
	for (i = 0; i < n; i++) {
		if (zkp_assignment(p, C.ns, v[i].executor_id, v[i].id) < 0)
			continue;
		if (!(a = rec_assignment_stopped(v[i].asg)))
			die(EXIT_TEMP, "out of memory");
		zk_txn_set(t, p, a, -1);
		json_decref(a);
		view_touch(C.v, p);
	}
	if (commit(t, "stop instances", app) == 0)
		for (i = 0; i < n; i++)
			info("app %s: stopping %s (%s)", app, v[i].id,
			    inst_state_name(v[i].state));
}

/* Delete the requests in r[0..n) (borrowed records; ids in them). */
static int
delete_requests(const char *app, json_t **r, int n, const char *why)
{
	char p[ZKP_MAX];
	struct zk_txn *t;
	int i;

	if (!n)
		return 0;
	t = zk_txn_new(C.fence);
	for (i = 0; i < n; i++) {
		if (zkp_request(p, C.ns, req_id(r[i])) < 0)
			continue;
		zk_txn_delete(t, p, -1);
		view_touch(C.v, p);
	}
	if (commit(t, "delete requests", app) < 0)
		return -1;
	info("app %s: %s %d pending request%s", app, why, n,
	    n == 1 ? "" : "s");
	return 0;
}

/*
 * Before more instances are asked for, ZooKeeper decides whether the view
 * is complete for app: the scheduler replaces a request by an instance
 * and an assignment in one transaction, but their watch events can land
 * in different refreshes.  1 the view has every instance of app and the
 * assignment of each that is not over, 0 not yet (what it lacks is read
 * again), -1 on ENOTCONN.
 */
static int
settled(const char *app)
{
	char dir[ZKP_MAX], p[ZKP_MAX];
	json_t *known = view_instances(C.v, app), *ii;
	char **names, **n;
	const char *iid, *eid;
	int ok = 1, r;

	if (zkp_app_instances(dir, C.ns, app) < 0)
		return 1;
	if (zk_children(C.z, dir, 0, &names, NULL) < 0) {
		if (errno == ENOENT)
			return 1;
		goto trouble;
	}
	for (n = names; *n; n++)
		if (!json_object_get(known, *n) && zkp_child(p, dir, *n) == 0) {
			view_touch(C.v, p);
			ok = 0;
		}
	zk_free_names(names);
	json_object_foreach(known, iid, ii) {
		struct rec_instance f;

		if (rec_instance_read(ii, &f) < 0 || !*f.executor_id)
			continue;
		eid = f.executor_id;
		if (inst_state_is_terminal(f.state) ||
		    view_assignment(C.v, eid, iid) ||
		    zkp_assignment(p, C.ns, eid, iid) < 0)
			continue;
		if ((r = zk_exists(C.z, p, 0)) < 0)
			goto trouble;
		if (r == 1) {
			view_touch(C.v, p);
			ok = 0;
		}
	}
	return ok;
trouble:
	if (errno != ENOTCONN)
		die(EXIT_TEMP, "unable to read '%s': %s", dir, err_text());
	C.retry_at = mono_ms() + RETRY_MS;
	return -1;
}

static void
create_requests(const char *app, long long k)
{
	char p[ZKP_MAX], iid[IDS_INSTANCE_LEN];
	struct zk_txn *t;
	json_t *r;
	long long i, now = js_now_ms();

	if (settled(app) != 1)
		return;
	zkp_requests_dir(p, C.ns);
	if (zk_ensure(C.z, p) < 0) {
		if (errno != ENOTCONN)
			die(EXIT_TEMP, "unable to create '%s': %s", p,
			    err_text());
		C.retry_at = mono_ms() + RETRY_MS;
		return;
	}
	t = zk_txn_new(C.fence);
	for (i = 0; i < k; i++) {
		if (ids_instance(iid, "AI-") < 0)
			diesys(EXIT_TEMP, "unable to make an instance id");
		zkp_request(p, C.ns, iid);
		r = rec_request_new(&(struct rec_request){ app, iid, now,
		    NULL });
		zk_txn_create(t, p, r, 0);
		json_decref(r);
		view_touch(C.v, p);
	}
	if (commit(t, "create requests", app) == 0)
		info("app %s: starting %lld instance%s", app, k,
		    k == 1 ? "" : "s");
}

/* Bring one app to its count, from the view. */
static void
reconcile(const char *app)
{
	json_t *appinfo = view_app(C.v, app), *insts, *reqs, *ii, *asg, *r;
	json_t **rq;
	struct inst *run;
	struct zk_txn *t = NULL;
	struct rec_app fa;
	struct rec_instance fi;
	struct rec_assignment fs;
	char p[ZKP_MAX];
	const char *iid, *eid;
	long long want, have;
	int nrun = 0, nreq = 0, ndel = 0, i;

	if (appinfo && rec_app_read(appinfo, &fa) < 0) {
		warn("app %s: unreadable ApplicationInfo: leaving it alone",
		    app);
		return;
	}
	insts = view_instances(C.v, app);
	reqs = view_app_requests(C.v, app);
	run = xcalloc(json_object_size(insts) + 1, sizeof *run);
	json_object_foreach(insts, iid, ii) {
		if (rec_instance_read(ii, &fi) < 0)
			continue;
		eid = *fi.executor_id ? fi.executor_id : NULL;
		asg = eid ? view_assignment(C.v, eid, iid) : NULL;
		if (inst_state_is_terminal(fi.state)) {
			/* over: its resources go back to the executor */
			if (!asg || zkp_assignment(p, C.ns, eid, iid) < 0)
				continue;
			if (!t)
				t = zk_txn_new(C.fence);
			zk_txn_delete(t, p, -1);
			view_touch(C.v, p);
			info("app %s: %s is %s: removing its assignment", app,
			    iid, inst_state_name(fi.state));
			ndel++;
			continue;
		}
		if (!asg || rec_assignment_read(asg, &fs) < 0 ||
		    fs.target != TARGET_RUNNING)
			continue;
		if (!appinfo || inst_state_is_wanted(fi.state)) {
			run[nrun].id = iid;
			run[nrun].state = fi.state;
			run[nrun].created = fi.created;
			run[nrun].executor_id = eid;
			run[nrun].asg = asg;
			nrun++;
		}
	}
	if (ndel)
		commit(t, "delete assignments", app);
	rq = xcalloc(json_object_size(reqs) + 1, sizeof *rq);
	json_object_foreach(reqs, iid, r)
		rq[nreq++] = r;
	if (!appinfo) {
		/* The app is gone: nothing of it may run or wait. */
		delete_requests(app, rq, nreq, "app removed: deleting");
		stop_assignments(app, run, nrun);
		goto out;
	}
	/* A request already placed is also an instance: count each
	 * instanceId once. */
	have = nrun;
	for (i = 0; i < nreq; i++)
		if (!json_object_get(insts, req_id(rq[i])))
			have++;
	want = fa.instances;
	if (want < 0)
		want = 0;
	if (have < want) {
		create_requests(app, want - have);
	} else if (have > want) {
		long long surplus = have - want;
		int k = nreq < surplus ? nreq : (int)surplus;

		qsort(rq, nreq, sizeof *rq, cmp_req_newest);
		if (k && delete_requests(app, rq, k, "scaling down: deleting")
		    < 0)
			goto out;
		surplus -= k;
		qsort(run, nrun, sizeof *run, cmp_stop);
		if (surplus > nrun)
			surplus = nrun;
		stop_assignments(app, run, (int)surplus);
	}
out:
	free(rq);
	free(run);
}

/* Every app the view knows of, by its ApplicationInfo, instances or
 * requests. */
static void
mark_all(void)
{
	json_t *snap = view_snapshot(C.v), *x, *r;
	const char *k;

	json_object_foreach(json_object_get(snap, "applications"), k, x)
		mark_dirty(k);
	json_object_foreach(json_object_get(snap, "instances"), k, x)
		mark_dirty(k);
	json_object_foreach(json_object_get(snap, "requests"), k, r) {
		struct rec_request f;

		if (rec_request_read(r, &f) == 0)
			mark_dirty(f.app_id);
	}
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
		if (view_pending(C.v) && view_refresh(C.v, on_change,
		    NULL) < 0) {
			if (errno != ENOTCONN)
				die(EXIT_TEMP, "%s", err_text());
			warn("%s", err_text());
			C.retry_at = mono_ms() + RETRY_MS;
			return;
		}
		if (!json_object_size(C.dirty) || C.retry_at)
			return;
		round = C.dirty;
		if (!(C.dirty = json_object()))
			die(EXIT_TEMP, "out of memory");
		json_object_foreach(round, app, x)
			reconcile(app);
		json_decref(round);
		if (++rounds > 1000)
			BUG("reconciling does not settle");
	}
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

int
main(int argc, char **argv)
{
	const char *cfg_path = NULL;
	struct pollfd pfd[2];
	json_t *cfg;
	int c, ready = -1, sfd, timeout, due;
	long long now;

	PROG = "drove-monitor";
	while ((c = getopt(argc, argv, "c:d:vh")) != -1)
		switch (c) {
		case 'c':
			cfg_path = optarg;
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
	C.fence = getenv("DROVE_LEADER_ZNODE");
	if (!C.fence || C.fence[0] != '/')
		die(EXIT_USAGE, "DROVE_LEADER_ZNODE must name the leader's "
		    "election znode");
	if (!(cfg = cfg_load(cfg_path)))
		die(EXIT_USAGE, "%s", err_text());
	if (!cfg_zk_connect(cfg))
		die(EXIT_USAGE, "%s: zookeeper.connectionString is missing",
		    cfg_path);
	C.ns = cfg_zk_namespace(cfg);

	if ((sfd = sig_fd((const int[]){ SIGTERM, SIGINT, 0 })) < 0)
		diesys(EXIT_TEMP, "unable to set up signals");
	if (!(C.z = zk_open(cfg_zk_connect(cfg), C.ns, 15000, 10000)))
		die(EXIT_TEMP, "unable to connect to ZooKeeper '%s': %s",
		    cfg_zk_connect(cfg), err_text());
	if (zk_exists(C.z, C.fence, 0) != 1)
		die(EXIT_TEMP, "fence '%s' does not exist: not the leader",
		    C.fence);
	if (!(C.dirty = json_object()) || !(C.v = view_new_zk(C.z,
	    VIEW_APPS | VIEW_INSTANCES | VIEW_REQUESTS | VIEW_ASSIGNMENTS)))
		die(EXIT_TEMP, "out of memory");
	if (view_load(C.v, on_change, NULL) < 0)
		die(EXIT_TEMP, "%s", err_text());
	work();
	C.next_sweep = mono_ms() + SWEEP_MS;
	info("monitoring (fence %s)", C.fence);
	notify_ready(ready);

	pfd[0].fd = zk_fd(C.z);
	pfd[0].events = POLLIN;
	pfd[1].fd = sfd;
	pfd[1].events = POLLIN;
	for (;;) {
		now = mono_ms();
		timeout = (int)(C.next_sweep - now);
		if (C.retry_at && C.retry_at - now < timeout)
			timeout = (int)(C.retry_at - now);
		/* after a failure, nothing until retry_at */
		due = C.retry_at ? -1 : view_due_in(C.v, now, COALESCE_MS);
		if (due >= 0 && due < timeout)
			timeout = due;
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
		if (C.retry_at && now >= C.retry_at) {
			C.retry_at = 0;
			mark_all();
		}
		if (now >= C.next_sweep) {
			if (view_resync_due(C.v, now) && view_load(C.v,
			    on_change, NULL) < 0 && errno != ENOTCONN)
				die(EXIT_TEMP, "%s", err_text());
			mark_all();
			C.next_sweep = now + SWEEP_MS;
		}
		if (!C.retry_at && view_due_in(C.v, now, COALESCE_MS) <= 0)
			work();
	}
	view_free(C.v);
	json_decref(C.dirty);
	zk_close(C.z);
	json_decref(cfg);
	return 0;
}
