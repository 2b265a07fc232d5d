/*
 * localservices.c: keeps every local service at what its records ask for
 * (drove.md §2.2, §4.4), driven by the view's changes of its
 * LocalServiceInfo, operation, instances, requests and assignments, and
 * of executors and blacklisting (every service then).
 *
 * ACTIVE: instancesPerHost instances (PENDING..HEALTHY, requests
 * included) on every live executor in state ACTIVE or UNREADY that is not
 * blacklisted; CONFIG_TESTING: exactly one in the cluster; INACTIVE: none.
 * Missing ones are asked for by requests pinned to their executor
 * (drove-sched places them), surplus ones stopped (their requests deleted
 * first, then the not HEALTHY, then the newest); instances on a
 * blacklisted executor are stopped; those on executors gone are left to
 * executors.c (LOST after the grace period, never placed elsewhere); the
 * assignment of a STOPPED or LOST instance is deleted.
 *
 * The operation in progress (/<ns>/localserviceoperations/<serviceId>):
 * ADJUST_INSTANCES ends with the writes that converge the service;
 * RESTART and REPLACE_INSTANCES do not count the instances they replace,
 * so new ones are asked for, and stop the old ones of an executor once
 * its new ones are HEALTHY (at once with stopFirst); STOP_INSTANCES stops
 * the given ones (respawned while the service is ACTIVE); DESTROY stops
 * everything, then deletes the instance records, the LocalServiceInfo and
 * the operation with LOCAL_SERVICE_STATE_CHANGE DESTROYED.  An operation
 * that ends is deleted with LOCAL_SERVICE_STATE_CHANGE of the state the
 * service is back in; RESTART, REPLACE_INSTANCES and ADJUST_INSTANCES
 * also end when their time is up (lib/model spec_instance_timeout_ms of
 * opSpec.timeout, looked at by the sweep at the latest).  Nothing of this
 * runs in the maintenance window
 * (work() in main.c holds the services marked).  Every write is a fenced
 * transaction.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "event.h"
#include "ids.h"
#include "sig.h"
#include "monitor.h"

#define LOST_MSG "Instance lost"

void
ls_mark(const char *sid)
{
	if (sid && json_object_set_new(M.ls_dirty, sid, json_true()) < 0)
		die(EXIT_TEMP, "out of memory");
}

void
ls_mark_all(void)
{
	json_t *snap = view_snapshot(M.v), *x, *r;
	struct rec_ls_request f;
	const char *k;

	json_object_foreach(json_object_get(snap, "localservices"), k, x)
		ls_mark(k);
	json_object_foreach(json_object_get(snap, "localserviceinstances"), k,
	    x)
		ls_mark(k);
	json_object_foreach(json_object_get(snap, "localserviceoperations"),
	    k, x)
		ls_mark(k);
	json_object_foreach(view_requests(M.v), k, r)
		if (rec_ls_request_read(r, &f) == 0)
			ls_mark(f.service_id);
}

/* The serviceId of an LS request or assignment j, else NULL. */
static const char *
ls_of(const json_t *j)
{
	const char *jt = js_str(j, "jobType", NULL);

	if (!jt || strcmp(jt, job_type_name(JOB_LOCAL_SERVICE)))
		return NULL;
	return js_str(j, "serviceId", NULL);
}

int
ls_change(const struct view_change *c)
{
	const char *sid, *k;
	json_t *x;

	switch (c->kind) {
	case VIEW_K_LOCALSERVICE:
	case VIEW_K_LS_INSTANCE:
	case VIEW_K_LS_OPERATION:
		ls_mark(c->app_id);
		return 1;
	case VIEW_K_REQUEST:
	case VIEW_K_ASSIGNMENT:
		if (!(sid = ls_of(c->now ? c->now : c->old)))
			return 0;
		ls_mark(sid);
		return 1;
	case VIEW_K_EXECUTOR:
	case VIEW_K_BLACKLIST:
		/* every service may have to start or stop instances there */
		json_object_foreach(view_localservices(M.v), k, x)
			ls_mark(k);
		return 0;
	default:
		return 0;
	}
}

int
ls_pending(void)
{
	return json_object_size(M.ls_dirty) != 0;
}

/* Commit t (freed) for service sid: as commit() in main.c, the service's
 * records read again when another writer came first. */
static int
ls_commit(struct zk_txn *t, const char *what, const char *sid)
{
	char p[ZKP_MAX];

	if (zk_txn_commit(M.z, t) == 0)
		return 0;
	if (errno == EPERM)
		die(EXIT_TEMP, "local service %s: unable to %s: %s", sid, what,
		    err_text());
	if (errno == ENOMEM)
		die(EXIT_TEMP, "out of memory");
	if (errno == ENOENT)
		event_forget();
	if (errno == ESTALE || errno == EEXIST || errno == ENOENT) {
		info("local service %s: unable to %s: %s: reading again", sid,
		    what, err_text());
		if (zkp_localservice(p, M.ns, sid) == 0)
			view_touch(M.v, p);
		if (zkp_ls_operation(p, M.ns, sid) == 0)
			view_touch(M.v, p);
		if (zkp_service_instances(p, M.ns, sid) == 0)
			view_touch(M.v, p);
		ls_mark(sid);
		return -1;
	}
	warn("local service %s: unable to %s: %s", sid, what, err_text());
	M.retry_at = mono_ms() + 1000;
	return -1;
}

/* 1 the view has every instance record of sid that ZooKeeper has (the
 * scheduler replaces a request by an instance in one transaction, whose
 * watch events may land in different refreshes), 0 not yet (read again),
 * -1 the session is away. */
static int
ls_settled(const char *sid)
{
	char dir[ZKP_MAX], p[ZKP_MAX];
	json_t *known = view_ls_instances(M.v, sid);
	char **names, **n;
	int ok = 1;

	if (zkp_service_instances(dir, M.ns, sid) < 0)
		return 1;
	if (zk_children(M.z, dir, 0, &names, NULL) < 0) {
		if (errno == ENOENT)
			return 1;
		if (errno != ENOTCONN)
			die(EXIT_TEMP, "unable to read '%s': %s", dir,
			    err_text());
		M.retry_at = mono_ms() + 1000;
		return -1;
	}
	for (n = names; *n; n++)
		if (!json_object_get(known, *n) && zkp_child(p, dir, *n) == 0) {
			view_touch(M.v, p);
			ok = 0;
		}
	zk_free_names(names);
	return ok;
}

/* One service, from the view. */
struct svc {
	const char *id;
	json_t *info;			/* NULL: gone */
	struct rec_ls fl;
	json_t *op;			/* NULL: none */
	struct rec_ls_op fo;
	struct inst *in;
	int nin;
	struct rec_ls_request *req;	/* its pending requests */
	int nreq;
	const char **ex;		/* executors it may run on, by id */
	int nex;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* 1 executor eid is live, ACTIVE or UNREADY and not blacklisted. */
static int
eligible(const char *eid)
{
	json_t *node = view_executor(M.v, eid);
	struct rec_executor f;

	if (!node || json_object_get(view_blacklist(M.v), eid) ||
	    rec_executor_read(node, &f) < 0)
		return 0;
	return f.state == EXECUTOR_ACTIVE || f.state == EXECUTOR_UNREADY;
}

static int
is_eligible(const struct svc *s, const char *eid)
{
	int i;

	for (i = 0; eid && i < s->nex; i++)
		if (!strcmp(s->ex[i], eid))
			return 1;
	return 0;
}

static void
svc_load(struct svc *s, const char *sid)
{
	json_t *insts, *ii, *r, *node;
	struct rec_instance fi;
	struct rec_assignment fs;
	const char *iid, *eid;

	memset(s, 0, sizeof *s);
	s->id = sid;
	if ((s->info = view_localservice(M.v, sid)) && rec_ls_read(s->info,
	    &s->fl) < 0) {
		warn("local service %s: unreadable LocalServiceInfo: leaving "
		    "it alone", sid);
		s->id = NULL;
		return;
	}
	if ((s->op = view_ls_operation(M.v, sid)) && rec_ls_op_read(s->op,
	    &s->fo) < 0) {
		warn("local service %s: unreadable operation: ignoring it",
		    sid);
		s->op = NULL;
	}
	insts = view_ls_instances(M.v, sid);
	s->in = xcalloc(json_object_size(insts) + 1, sizeof *s->in);
	json_object_foreach(insts, iid, ii) {
		struct inst *in = &s->in[s->nin];

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
		s->nin++;
	}
	s->req = xcalloc(json_object_size(view_requests(M.v)) + 1,
	    sizeof *s->req);
	json_object_foreach(view_requests(M.v), iid, r)
		if (rec_ls_request_read(r, &s->req[s->nreq]) == 0 &&
		    !strcmp(s->req[s->nreq].service_id, sid) &&
		    !json_object_get(insts, iid)) {
			s->req[s->nreq].instance_id = iid;
			s->nreq++;
		}
	s->ex = xcalloc(json_object_size(view_executors(M.v)) + 1,
	    sizeof *s->ex);
	json_object_foreach(view_executors(M.v), eid, node)
		if (eligible(eid))
			s->ex[s->nex++] = eid;
	qsort(s->ex, (size_t)s->nex, sizeof *s->ex, cmp_str);
}

static void
svc_free(struct svc *s)
{
	free(s->in);
	free(s->req);
	free(s->ex);
}

/* Counted toward what the service must have: PENDING..HEALTHY, not told
 * to stop, not one the operation replaces or stops. */
static int
counts(const struct svc *s, const struct inst *in)
{
	if (!inst_state_is_wanted(in->state) || (in->asg &&
	    in->target != TARGET_RUNNING))
		return 0;
	if (s->op && (s->fo.type == LSOP_RESTART ||
	    s->fo.type == LSOP_REPLACE_INSTANCES ||
	    s->fo.type == LSOP_STOP_INSTANCES) && rec_ls_op_has(&s->fo, in->id))
		return 0;
	return 1;
}

/* Add to t what stops in: its assignment set STOPPED.  1 done, 0
 * nothing to do. */
static int
stop_inst(struct zk_txn *t, const struct svc *s, const struct inst *in)
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
	info("local service %s: stopping %s on %s (%s)", s->id, in->id,
	    in->executor_id, inst_state_name(in->state));
	return 1;
}

static void
delete_req(struct zk_txn *t, const struct svc *s,
    const struct rec_ls_request *r)
{
	char p[ZKP_MAX];

	if (zkp_request(p, M.ns, r->instance_id) < 0)
		return;
	zk_txn_delete(t, p, -1);
	view_touch(M.v, p);
	info("local service %s: withdrawing request %s for %s", s->id,
	    r->instance_id, r->executor_id);
}

static void
new_req(struct zk_txn *t, const struct svc *s, const char *eid)
{
	char iid[IDS_INSTANCE_LEN], p[ZKP_MAX];
	json_t *r;

	if (ids_instance(iid, "SI-") < 0)
		diesys(EXIT_TEMP, "unable to make an instance id");
	zkp_request(p, M.ns, iid);
	if (!(r = rec_ls_request_new(&(struct rec_ls_request){ s->id, iid,
	    eid, js_now_ms(), NULL })))
		die(EXIT_TEMP, "out of memory");
	zk_txn_create(t, p, r, 0);
	json_decref(r);
	view_touch(M.v, p);
	info("local service %s: asking for %s on %s", s->id, iid, eid);
}

static void
ls_event(struct zk_txn *t, const struct svc *s, enum ls_state st)
{
	json_t *ev = rec_event_ls_state(s->id, s->fl.spec, s->fl.per_host, st,
	    js_now_ms());

	if (!ev)
		die(EXIT_TEMP, "out of memory");
	event_add(M.z, t, ev);
	json_decref(ev);
	info("local service %s: %s", s->id, ls_state_name(st));
}

/* Delete the assignments of s's instances that are over. */
static void
release_finished(const struct svc *s)
{
	struct zk_txn *t = NULL;
	char p[ZKP_MAX];
	int i;

	for (i = 0; i < s->nin; i++) {
		const struct inst *in = &s->in[i];

		if (!inst_state_is_terminal(in->state) || !in->asg ||
		    zkp_assignment(p, M.ns, in->executor_id, in->id) < 0)
			continue;
		if (!t)
			t = zk_txn_new(M.fence);
		zk_txn_delete(t, p, -1);
		view_touch(M.v, p);
	}
	if (t)
		ls_commit(t, "delete assignments", s->id);
}

/* Requests first (newest first), then instances (not HEALTHY, then the
 * newest): stop surplus of those on executor eid (NULL: anywhere). */
static int
cut(struct zk_txn *t, const struct svc *s, const char *eid, int surplus)
{
	struct inst **v;
	int i, k = 0, n = 0;

	for (i = s->nreq - 1; i >= 0 && surplus > 0; i--)
		if (!eid || !strcmp(s->req[i].executor_id, eid)) {
			delete_req(t, s, &s->req[i]);
			surplus--;
			n++;
		}
	v = xcalloc((size_t)s->nin + 1, sizeof *v);
	for (i = 0; i < s->nin; i++)
		if (counts(s, &s->in[i]) && s->in[i].executor_id &&
		    (!eid || !strcmp(s->in[i].executor_id, eid)))
			v[k++] = &s->in[i];
	qsort(v, (size_t)k, sizeof *v, inst_cmp_stop);
	for (i = 0; i < k && surplus > 0; i++, surplus--)
		n += stop_inst(t, s, v[i]);
	free(v);
	return n;
}

/* Instances (counted) and requests of s on executor eid; *healthy the
 * HEALTHY ones among them. */
static int
have_on(const struct svc *s, const char *eid, int *healthy)
{
	int i, n = 0;

	if (healthy)
		*healthy = 0;
	for (i = 0; i < s->nin; i++)
		if (counts(s, &s->in[i]) && s->in[i].executor_id &&
		    (!eid || !strcmp(s->in[i].executor_id, eid))) {
			n++;
			if (healthy && s->in[i].state == INST_HEALTHY)
				(*healthy)++;
		}
	for (i = 0; i < s->nreq; i++)
		if (!eid || !strcmp(s->req[i].executor_id, eid))
			n++;
	return n;
}

/* Destroy s once nothing of it runs: its instance records, their
 * directory, the LocalServiceInfo and the operation, with the event. */
static void
destroy(const struct svc *s)
{
	struct zk_txn *t;
	char p[ZKP_MAX];
	int i;

	for (i = 0; i < s->nin; i++)
		if (!inst_state_is_terminal(s->in[i].state) &&
		    s->in[i].executor_id &&
		    view_executor(M.v, s->in[i].executor_id))
			return;		/* still running */
	t = zk_txn_new(M.fence);
	for (i = 0; i < s->nin; i++) {
		if (s->in[i].asg && zkp_assignment(p, M.ns,
		    s->in[i].executor_id, s->in[i].id) == 0)
			zk_txn_delete(t, p, -1);
		zkp_ls_instance(p, M.ns, s->id, s->in[i].id);
		zk_txn_delete(t, p, -1);
		view_touch(M.v, p);
	}
	zkp_service_instances(p, M.ns, s->id);
	if (s->nin || zk_exists(M.z, p, 0) == 1) {
		zk_txn_delete(t, p, -1);
		view_touch(M.v, p);
	}
	zkp_localservice(p, M.ns, s->id);
	zk_txn_delete(t, p, -1);
	view_touch(M.v, p);
	zkp_ls_operation(p, M.ns, s->id);
	zk_txn_delete(t, p, -1);
	view_touch(M.v, p);
	ls_event(t, s, LS_STATE_DESTROYED);
	ls_commit(t, "destroy", s->id);
}

/* The operation of s ends: deleted with the event of the state the
 * service is back in. */
static void
op_end(struct zk_txn *t, const struct svc *s)
{
	char p[ZKP_MAX];

	zkp_ls_operation(p, M.ns, s->id);
	zk_txn_delete(t, p, -1);
	view_touch(M.v, p);
	ls_event(t, s, ls_state_of_activation(s->fl.activation));
}

/* RESTART, REPLACE_INSTANCES, STOP_INSTANCES: stop the old instances
 * whose time has come; 1 when none of them runs any more. */
static int
old_ones(struct zk_txn *t, const struct svc *s, int *n)
{
	int i, left = 0, healthy, total_healthy;

	have_on(s, NULL, &total_healthy);
	for (i = 0; i < s->nin; i++) {
		const struct inst *in = &s->in[i];
		int go;

		if (!rec_ls_op_has(&s->fo, in->id) ||
		    inst_state_is_terminal(in->state))
			continue;
		left++;
		if (s->fo.type == LSOP_STOP_INSTANCES || s->fo.stop_first ||
		    !is_eligible(s, in->executor_id))
			go = 1;
		else if (s->fl.activation == LS_ACTIVE) {
			have_on(s, in->executor_id, &healthy);
			go = healthy >= s->fl.per_host;
		} else if (s->fl.activation == LS_CONFIG_TESTING)
			go = total_healthy >= 1;
		else
			go = 1;
		if (go)
			*n += stop_inst(t, s, in);
	}
	return left == 0;
}

/* Bring service sid to what its records ask for. */
static void
ls_reconcile(const char *sid)
{
	struct svc s;
	struct zk_txn *t;
	char p[ZKP_MAX];
	int i, n = 0, want, have, done = 0, settled = -2;
	int destroying;

	svc_load(&s, sid);
	if (!s.id)
		return;
	release_finished(&s);
	t = zk_txn_new(M.fence);
	if (!s.info) {
		/* what is left of a service that is gone */
		if (s.op && zkp_ls_operation(p, M.ns, sid) == 0) {
			zk_txn_delete(t, p, -1);
			view_touch(M.v, p);
			n++;
		}
		n += cut(t, &s, NULL, s.nin + s.nreq);
		goto commit;
	}
	destroying = s.op && s.fo.type == LSOP_DESTROY;
	/* requests for executors it may not run on, instances on live
	 * executors it may not run on (blacklisted, say) */
	for (i = 0; i < s.nreq; i++)
		if (!is_eligible(&s, s.req[i].executor_id)) {
			delete_req(t, &s, &s.req[i]);
			n++;
		}
	for (i = 0; i < s.nin; i++)
		if (s.in[i].executor_id && !is_eligible(&s,
		    s.in[i].executor_id) && view_executor(M.v,
		    s.in[i].executor_id))
			n += stop_inst(t, &s, &s.in[i]);
	if (destroying || s.fl.activation == LS_INACTIVE) {
		n += cut(t, &s, NULL, s.nin + s.nreq);
	} else if (s.fl.activation == LS_ACTIVE) {
		want = (int)s.fl.per_host;
		for (i = 0; i < s.nex; i++) {
			have = have_on(&s, s.ex[i], NULL);
			if (have > want)
				n += cut(t, &s, s.ex[i], have - want);
			else if (have < want) {
				if (settled == -2)
					settled = ls_settled(sid);
				if (settled != 1)
					continue;
				for (; have < want; have++, n++)
					new_req(t, &s, s.ex[i]);
			}
		}
	} else {
		/* CONFIG_TESTING: one in the cluster */
		have = 0;
		for (i = 0; i < s.nex; i++)
			have += have_on(&s, s.ex[i], NULL);
		if (have > 1)
			n += cut(t, &s, NULL, have - 1);
		else if (have == 0 && s.nex > 0 &&
		    (settled = ls_settled(sid)) == 1) {
			new_req(t, &s, s.ex[0]);
			n++;
		}
	}
	if (s.op) {
		switch (s.fo.type) {
		case LSOP_RESTART:
		case LSOP_REPLACE_INSTANCES:
		case LSOP_STOP_INSTANCES:
			done = old_ones(t, &s, &n);
			break;
		case LSOP_DESTROY:
			if (!n && !s.nreq) {
				zk_txn_free(t);
				destroy(&s);
				svc_free(&s);
				return;
			}
			break;
		default:	/* ADJUST_INSTANCES: this converges it */
			done = settled != 0 && settled != -1;
			break;
		}
		if (!done && s.fo.type != LSOP_STOP_INSTANCES &&
		    js_now_ms() > s.fo.created + spec_instance_timeout_ms(
		    s.fl.spec, s.fo.timeout_ms)) {
			/* what has not become HEALTHY by now will not: the
			 * instances left over are stopped as surplus */
			warn("local service %s: %s timed out", sid,
			    ls_op_type_name(s.fo.type));
			done = 1;
		}
		if (done) {
			op_end(t, &s);
			n++;
		}
	}
commit:
	if (n)
		ls_commit(t, "converge", sid);
	else
		zk_txn_free(t);
	svc_free(&s);
}

void
ls_work(void)
{
	json_t *round;
	const char *sid;
	json_t *x;

	round = M.ls_dirty;
	if (!(M.ls_dirty = json_object()))
		die(EXIT_TEMP, "out of memory");
	json_object_foreach(round, sid, x)
		ls_reconcile(sid);
	json_decref(round);
}

void
ls_scan_lost(long long now, void (*start)(const char *eid, long long now))
{
	json_t *svcs = json_object_get(view_snapshot(M.v),
	    "localserviceinstances"), *insts, *ii;
	const char *sid, *iid;
	struct rec_instance f;

	json_object_foreach(svcs, sid, insts)
		json_object_foreach(insts, iid, ii)
			if (rec_instance_read(ii, &f) == 0 && *f.executor_id &&
			    !inst_state_is_terminal(f.state) &&
			    !view_executor(M.v, f.executor_id))
				start(f.executor_id, now);
}

int
ls_declare_lost(struct zk_txn *t, const char *eid, long long now)
{
	json_t *svcs = json_object_get(view_snapshot(M.v),
	    "localserviceinstances"), *insts, *ii, *x, *ev;
	const char *sid, *iid;
	struct rec_instance f;
	char p[ZKP_MAX];
	int n = 0;

	json_object_foreach(svcs, sid, insts)
		json_object_foreach(insts, iid, ii) {
			if (rec_instance_read(ii, &f) < 0 ||
			    strcmp(f.executor_id, eid) ||
			    inst_state_is_terminal(f.state))
				continue;
			if (!(x = rec_instance_with_state(ii, INST_LOST,
			    LOST_MSG, now)) ||
			    !(ev = rec_event_instance_state(x, now)))
				die(EXIT_TEMP, "out of memory");
			zkp_ls_instance(p, M.ns, sid, iid);
			zk_txn_set(t, p, x, -1);
			view_touch(M.v, p);
			event_add(M.z, t, ev);
			json_decref(x);
			json_decref(ev);
			if (view_assignment(M.v, eid, iid) &&
			    zkp_assignment(p, M.ns, eid, iid) == 0) {
				zk_txn_delete(t, p, -1);
				view_touch(M.v, p);
			}
			ls_mark(sid);
			n++;
		}
	return n;
}
