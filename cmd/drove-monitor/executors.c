/*
 * executors.c: executor loss.  An executor is alive while its ephemeral
 * znode is, that is while its ZooKeeper session lives.  When the znode
 * goes, the executor has a grace period (options.executorGracePeriod) to
 * come back; a short stall that keeps the session moves nothing.  After
 * it, the executor is lost: in fenced transactions, each of its instances
 * that is not over is marked LOST ("Instance lost", with its
 * INSTANCE_STATE_CHANGE event) and its assignment deleted in the same
 * transaction, so that the executor, if it returns, adopts nothing of it
 * and reaps its containers; the apps then recover elsewhere.  Its tasks
 * that are not over are marked LOST (tasks.c), never run again.  Last, a
 * removed-executor record (/<ns>/removedexecutors/<id>, shown as REMOVED
 * by the API) is written with the EXECUTOR_REMOVED event.  The record
 * goes when the executor comes back, or after two days.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "event.h"
#include "sig.h"
#include "monitor.h"

#define LOST_MSG "Instance lost"
#define REMOVED_KEEP_MS (2 * 24 * 3600 * 1000LL)
#define LOST_BATCH 50

/* M.lost: {executorId: {"since": mono ms, "node": last node data}} */

static void
lost_start(const char *eid, const json_t *node, long long now)
{
	json_t *x;

	if (json_object_get(M.lost, eid))
		return;
	x = json_pack("{s:I}", "since", (json_int_t)now);
	if (!x || (node && json_object_set_new(x, "node",
	    json_deep_copy(node)) < 0) || json_object_set_new(M.lost, eid,
	    x) < 0)
		die(EXIT_TEMP, "out of memory");
	info("executor %s: gone; lost unless back within %lld ms", eid,
	    M.grace_ms);
}

void
exec_change(const struct view_change *c)
{
	char p[ZKP_MAX];
	struct zk_txn *t;

	if (c->kind != VIEW_K_EXECUTOR || !c->executor_id)
		return;
	if (!c->now) {
		lost_start(c->executor_id, c->old, mono_ms());
		return;
	}
	if (json_object_get(M.lost, c->executor_id)) {
		info("executor %s: back within the grace period",
		    c->executor_id);
		json_object_del(M.lost, c->executor_id);
	}
	/* back after it was declared lost: it is not removed any more */
	if (json_object_get(view_removed(M.v), c->executor_id) &&
	    zkp_removed_executor(p, M.ns, c->executor_id) == 0) {
		t = zk_txn_new(M.fence);
		zk_txn_delete(t, p, -1);
		view_touch(M.v, p);
		commit(t, "forget the removal of a returned executor",
		    c->executor_id);
	}
}

static void
lost_start_ls(const char *eid, long long now)
{
	lost_start(eid, NULL, now);
}

/* Instances that are not over on executors the view does not have: their
 * executors are gone (after a restart of this program, say). */
void
exec_scan(void)
{
	json_t *apps = json_object_get(view_snapshot(M.v), "instances");
	json_t *insts, *ii;
	const char *app, *iid;
	struct rec_instance f;
	long long now = mono_ms();
	json_t *te = json_object(), *x;

	json_object_foreach(apps, app, insts)
		json_object_foreach(insts, iid, ii)
			if (rec_instance_read(ii, &f) == 0 && *f.executor_id &&
			    !inst_state_is_terminal(f.state) &&
			    !view_executor(M.v, f.executor_id))
				lost_start(f.executor_id, NULL, now);
	ls_scan_lost(now, lost_start_ls);
	if (!te)
		die(EXIT_TEMP, "out of memory");
	tasks_executors(te);	/* and those of tasks */
	json_object_foreach(te, iid, x)
		if (!view_executor(M.v, iid))
			lost_start(iid, NULL, now);
	json_decref(te);
}

void
inst_set_lost(struct zk_txn *t, const json_t *ii, const char *path,
    const char *eid, const char *iid, long long now)
{
	json_t *x, *ev;
	char p[ZKP_MAX];

	if (!(x = rec_instance_with_state(ii, INST_LOST, LOST_MSG, now)) ||
	    !(ev = rec_event_instance_state(x, now)))
		die(EXIT_TEMP, "out of memory");
	zk_txn_set(t, path, x, -1);
	view_touch(M.v, path);
	event_add(M.z, t, ev);
	json_decref(x);
	json_decref(ev);
	if (view_assignment(M.v, eid, iid) &&
	    zkp_assignment(p, M.ns, eid, iid) == 0) {
		zk_txn_delete(t, p, -1);
		view_touch(M.v, p);
	}
}

/* Mark what eid ran LOST; 0 done, -1 a write failed (tried again). */
static int
declare_lost(const char *eid, const json_t *node)
{
	json_t *apps = json_object_get(view_snapshot(M.v), "instances");
	json_t *insts, *ii, *ids = json_array(), *rec, *ev;
	const char *app, *iid, *host = NULL;
	struct rec_instance f;
	struct zk_txn *t = NULL;
	char p[ZKP_MAX];
	long long now = js_now_ms();
	int n = 0, port = 0;

	if (!ids)
		die(EXIT_TEMP, "out of memory");
	json_object_foreach(apps, app, insts)
		json_object_foreach(insts, iid, ii) {
			if (rec_instance_read(ii, &f) < 0 ||
			    strcmp(f.executor_id, eid) ||
			    inst_state_is_terminal(f.state))
				continue;
			if (!host && *f.hostname)
				host = f.hostname;
			json_array_append_new(ids, json_string(iid));
			if (!t)
				t = zk_txn_new(M.fence);
			zkp_instance(p, M.ns, app, iid);
			inst_set_lost(t, ii, p, eid, iid, now);
			mark_dirty(app);
			if (++n % LOST_BATCH == 0) {
				if (commit(t, "mark instances lost", eid) < 0)
					goto fail;
				t = NULL;
			}
		}
	if (t && commit(t, "mark instances lost", eid) < 0)
		goto fail;
	t = NULL;
	if (tasks_lost(eid) < 0)	/* its tasks: LOST, never re-run */
		goto fail;
	if (node) {
		struct rec_executor fe;

		if (rec_executor_read(node, &fe) == 0) {
			host = fe.hostname;
			port = fe.port;
		}
	}
	if (!t)
		t = zk_txn_new(M.fence);
	/* its local-service instances: LOST, never placed elsewhere */
	n += ls_declare_lost(t, eid, now);
	rec = rec_removed_new(&(struct rec_removed){ eid, host, port, now, ids,
	    node });
	ev = rec_event_executor("EXECUTOR_REMOVED", eid, NULL, 0, now);
	if (!rec || !ev)
		die(EXIT_TEMP, "out of memory");
	zkp_removed_executor(p, M.ns, eid);
	if (json_object_get(view_removed(M.v), eid))
		zk_txn_set(t, p, rec, -1);
	else
		zk_txn_create(t, p, rec, 0);
	view_touch(M.v, p);
	event_add(M.z, t, ev);
	json_decref(rec);
	json_decref(ev);
	if (commit(t, "remove the executor", eid) < 0)
		goto fail;
	warn("executor %s: lost: %d instance%s marked LOST", eid, n,
	    n == 1 ? "" : "s");
	json_decref(ids);
	return 0;
fail:
	json_decref(ids);
	return -1;
}

long long
exec_check(long long now)
{
	const char *eid;
	json_t *x;
	void *tmp;
	long long next = 0, at;

	json_object_foreach_safe(M.lost, tmp, eid, x) {
		if (view_executor(M.v, eid)) {
			json_object_del(M.lost, eid);
			continue;
		}
		at = js_int(x, "since", now) + M.grace_ms;
		if (at > now) {
			if (!next || at < next)
				next = at;
			continue;
		}
		if (declare_lost(eid, json_object_get(x, "node")) == 0) {
			json_object_del(M.lost, eid);
			metric_inc(M.mx_lost, NULL, 1);
		} else if (!M.retry_at)	/* again after a pause */
			M.retry_at = now + 1000;
	}
	return next;
}

void
exec_prune(void)
{
	json_t *x;
	const char *eid;
	struct rec_removed f;
	struct zk_txn *t;
	char p[ZKP_MAX];
	long long now = js_now_ms();

	json_object_foreach(view_removed(M.v), eid, x) {
		if (rec_removed_read(x, &f) < 0 ||
		    now - f.removed < REMOVED_KEEP_MS ||
		    zkp_removed_executor(p, M.ns, eid) < 0)
			continue;
		t = zk_txn_new(M.fence);
		zk_txn_delete(t, p, -1);
		view_touch(M.v, p);
		commit(t, "forget a removed executor", eid);
	}
}

/*
 * Blacklisting: an executor whose record (/<ns>/blacklist/<id>) says
 * BLACKLIST_REQUESTED has its app instances moved away by a
 * REPLACE_INSTANCES of each app (start elsewhere, then stop: placement
 * already skips it), one at a time per app, as soon as the app has no
 * operation in progress (local-service instances there are stopped by
 * their service's upkeep; tasks run to their end, as in Drove); once no
 * app or local-service instance runs there, the record says BLACKLISTED,
 * with the EXECUTOR_BLACKLISTED event.
 */
static void
move_away(const char *app, json_t *ids)
{
	struct rec_operation f;
	struct rec_app fa;
	json_t *ai = view_app(M.v, app), *steps = json_array(), *op, *ev, *x;
	struct zk_txn *t;
	char p[ZKP_MAX];
	long long now = js_now_ms();
	size_t i;

	if (!steps || !ai || rec_app_read(ai, &fa) < 0 ||
	    view_operation(M.v, app)) {
		json_decref(steps);
		return;
	}
	json_array_foreach(ids, i, x)
		json_array_append_new(steps, rec_step_new(&(struct rec_step){
		    json_string_value(x), NULL, STEP_WAITING, now }));
	memset(&f, 0, sizeof f);
	f.app_id = app;
	f.type = f.requested = OP_REPLACE_INSTANCES;
	f.state = APP_REPLACE_INSTANCES_REQUESTED;
	f.timeout_ms = 300 * 1000LL;
	f.parallelism = (int)json_array_size(ids);
	f.strategy = FAIL_STOP;
	f.required = f.previous = fa.instances;
	f.steps = steps;
	f.created = f.updated = now;
	op = rec_operation_new(&f);
	ev = rec_event_app_state(app, fa.spec, fa.instances, f.state, now);
	json_decref(steps);
	if (!op || !ev)
		die(EXIT_TEMP, "out of memory");
	t = zk_txn_new(M.fence);
	zkp_operation(p, M.ns, app);
	zk_txn_create(t, p, op, 0);
	view_touch(M.v, p);
	event_add(M.z, t, ev);
	json_decref(op);
	json_decref(ev);
	if (commit(t, "move instances off a blacklisted executor", app) == 0)
		info("app %s: moving %zu instance%s off a blacklisted "
		    "executor", app, json_array_size(ids),
		    json_array_size(ids) == 1 ? "" : "s");
}

static void
blacklist_one(const char *eid, const json_t *rec)
{
	json_t *byapp = json_object(), *a, *ids, *x, *ev;
	struct rec_assignment fa;
	struct rec_blacklist fb;
	struct rec_instance fi;
	struct zk_txn *t;
	const char *iid, *app;
	char p[ZKP_MAX];
	int busy = 0;

	if (!byapp)
		die(EXIT_TEMP, "out of memory");
	json_object_foreach(view_assignments(M.v, eid), iid, a) {
		/* tasks run to their end there (Drove does not move them) */
		if (rec_assignment_read(a, &fa) < 0 ||
		    fa.job == JOB_COMPUTATION)
			continue;
		x = fa.job == JOB_LOCAL_SERVICE ? view_ls_instance(M.v,
		    fa.app_id, iid) : view_instance(M.v, fa.app_id, iid);
		if (x && rec_instance_read(x, &fi) == 0 &&
		    inst_state_is_terminal(fi.state))
			continue;
		busy++;
		/* a local service's are stopped by its own upkeep */
		if (fa.target != TARGET_RUNNING || fa.job == JOB_LOCAL_SERVICE)
			continue;	/* stopping */
		if (!(ids = json_object_get(byapp, fa.app_id))) {
			ids = json_array();
			json_object_set_new(byapp, fa.app_id, ids);
		}
		json_array_append_new(ids, json_string(iid));
	}
	json_object_foreach(byapp, app, ids)
		move_away(app, ids);
	json_decref(byapp);
	if (busy || rec_blacklist_read(rec, &fb) < 0)
		return;
	/* nothing of it runs there any more */
	fb.state = EXECUTOR_BLACKLISTED;
	fb.updated = js_now_ms();
	x = rec_blacklist_new(&fb);
	ev = rec_event_executor("EXECUTOR_BLACKLISTED", eid,
	    js_str(view_executor(M.v, eid), "hostname", NULL),
	    (int)js_int(view_executor(M.v, eid), "port", 0), fb.updated);
	if (!x || !ev)
		die(EXIT_TEMP, "out of memory");
	t = zk_txn_new(M.fence);
	zkp_blacklist(p, M.ns, eid);
	zk_txn_set(t, p, x, view_version(M.v, p));
	view_touch(M.v, p);
	event_add(M.z, t, ev);
	json_decref(x);
	json_decref(ev);
	if (commit(t, "mark the executor blacklisted", eid) == 0)
		info("executor %s: BLACKLISTED", eid);
}

void
blacklist_step(void)
{
	struct rec_blacklist fb;
	const char *eid;
	json_t *rec;

	json_object_foreach(view_blacklist(M.v), eid, rec)
		if (rec_blacklist_read(rec, &fb) == 0 &&
		    fb.state == EXECUTOR_BLACKLIST_REQUESTED)
			blacklist_one(eid, rec);
}
