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
 * ADJUST_INSTANCES ends with the writes that converge the service, or
 * when its time is up (lib/model spec_instance_timeout_ms of
 * opSpec.timeout); RESTART, REPLACE_INSTANCES and STOP_INSTANCES run
 * steps (lib/record rec_step, as ops.c does for apps), at most
 * parallelism in flight, recorded in the operation with the writes they
 * make so that any leader goes on from there: a replace step asks for a
 * new instance on the old one's executor and stops the old one once it
 * is HEALTHY (stopFirst: the other way round), a stop step stops the old
 * one (respawned while the service is ACTIVE); the old instance of a
 * step in flight is not counted, its new one is.  A failed step
 * (failureStrategy STOP) or a cancel begins nothing more, ROLLBACK also
 * stops the new instances in flight.  DESTROY stops everything, then
 * deletes the instance records, the LocalServiceInfo and the operation
 * with LOCAL_SERVICE_STATE_CHANGE DESTROYED; so does Drove's
 * StaleDataCleaner with an INACTIVE service not updated for 7 days.  An
 * operation that ends is deleted with LOCAL_SERVICE_STATE_CHANGE of the
 * state the service is back in and lastOperation in the
 * LocalServiceInfo.  Timeouts are looked at with each change of the
 * service and by the sweep at the latest.  Nothing of this runs in the
 * maintenance window (work() in main.c holds the services marked).
 * Every write is a fenced transaction.
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

#define LS_STALE_AGE_MS (7 * 24 * 3600 * 1000LL)	/* staleServiceAge */

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

static const struct kind ls_kind = { "local service", {
    zkp_localservice, zkp_ls_operation, zkp_service_instances }, ls_mark };

/* Commit t (freed) for service sid: as commit() in main.c, the service's
 * records read again when another writer came first. */
static int
ls_commit(struct zk_txn *t, const char *what, const char *sid)
{
	return kind_commit(&ls_kind, t, what, sid);
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
	unsigned char *req_gone;	/* req[i] withdrawn by this look: it
					 * counts no more, is not withdrawn
					 * twice */
	int nreq;
	const char **ex;		/* executors it may run on, by id */
	int nex;
	json_t *steps;			/* the operation's steps as this
					 * look leaves them (owned); NULL
					 * without a step operation */
	int steps_changed;
	const char *failure;		/* the operation's, or a new one */
	char fail[512];
};

/* RESTART, REPLACE_INSTANCES and STOP_INSTANCES run steps. */
static int
is_step_op(const struct svc *s)
{
	return s->op && (s->fo.type == LSOP_RESTART ||
	    s->fo.type == LSOP_REPLACE_INSTANCES ||
	    s->fo.type == LSOP_STOP_INSTANCES);
}

static int
is_replace(const struct svc *s)
{
	return s->fo.type != LSOP_STOP_INSTANCES;
}

/* A stop-first replace step in STOPPING asks for its new instance once
 * the old one is over: it holds the old one's place till then. */
static int
holds_place(const struct svc *s, const struct rec_step *st)
{
	return st->state == STEP_STOPPING && is_replace(s) &&
	    s->fo.stop_first && !(s->failure &&
	    s->fo.strategy == FAIL_ROLLBACK);
}

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
	json_t *insts, *r, *node;
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
	s->in = insts_load(insts, &s->nin);
	s->req = xcalloc(json_object_size(view_requests(M.v)) + 1,
	    sizeof *s->req);
	s->req_gone = xcalloc(json_object_size(view_requests(M.v)) + 1, 1);
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
	free(s->req_gone);
	free(s->ex);
	json_decref(s->steps);
}

static const struct inst *
svc_inst(const struct svc *s, const char *iid)
{
	return inst_find(s->in, s->nin, iid);
}

static const struct rec_ls_request *
svc_req(const struct svc *s, const char *iid)
{
	int i;

	for (i = 0; iid && i < s->nreq; i++)
		if (!s->req_gone[i] && !strcmp(s->req[i].instance_id, iid))
			return &s->req[i];
	return NULL;
}

/* The executor of step st: its old instance's, else its new one's. */
static const char *
step_exec(const struct svc *s, const struct rec_step *st)
{
	const struct inst *in = svc_inst(s, st->old_id);
	const struct rec_ls_request *r;

	if (in && in->executor_id)
		return in->executor_id;
	if ((in = svc_inst(s, st->new_id)) && in->executor_id)
		return in->executor_id;
	if ((r = svc_req(s, st->new_id)))
		return r->executor_id;
	return NULL;
}

/* The state of the step whose old (old 1) or new (old 0) instance is
 * iid; -1 none. */
static int
step_state(const struct svc *s, const char *iid, int old)
{
	struct rec_step st;
	const json_t *x;
	const char *id;
	size_t i;

	json_array_foreach(s->steps, i, x)
		if (rec_step_read(x, &st) == 0 && (id = old ? st.old_id :
		    st.new_id) && !strcmp(id, iid))
			return (int)st.state;
	return -1;
}

/* 1 if iid is the new instance of a step in flight. */
static int
is_step_new(const struct svc *s, const char *iid)
{
	return step_state(s, iid, 0) == STEP_STARTING;
}

/* Counted toward what the service must have: PENDING..HEALTHY, not told
 * to stop, not one a step in flight replaces or stops. */
static int
counts(const struct svc *s, const struct inst *in)
{
	int st;

	if (!inst_state_is_wanted(in->state) || (in->asg &&
	    in->target != TARGET_RUNNING))
		return 0;
	st = step_state(s, in->id, 1);
	return st != STEP_STARTING && st != STEP_STOPPING;
}

/* Add to t what stops in: its assignment set STOPPED.  1 done, 0
 * nothing to do. */
static int
stop_inst(struct zk_txn *t, const struct svc *s, const struct inst *in)
{
	return inst_stop(t, in, "local service", s->id);
}

static void
delete_req(struct zk_txn *t, const struct svc *s,
    const struct rec_ls_request *r)
{
	char p[ZKP_MAX];
	size_t i = (size_t)(r - s->req);

	if (s->req_gone[i] || zkp_request(p, M.ns, r->instance_id) < 0)
		return;
	s->req_gone[i] = 1;
	zk_txn_delete(t, p, -1);
	view_touch(M.v, p);
	info("local service %s: withdrawing request %s for %s", s->id,
	    r->instance_id, r->executor_id);
}

/* Add to t a request for an instance of s on eid; its id into iid
 * (IDS_INSTANCE_LEN). */
static void
new_req(struct zk_txn *t, const struct svc *s, const char *eid, char *iid)
{
	char p[ZKP_MAX];
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
	struct zk_txn *t = insts_release(s->in, s->nin, "local service",
	    s->id);

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
		if (!s->req_gone[i] &&
		    (!eid || !strcmp(s->req[i].executor_id, eid)) &&
		    !is_step_new(s, s->req[i].instance_id)) {
			delete_req(t, s, &s->req[i]);
			surplus--;
			n++;
		}
	v = xcalloc((size_t)s->nin + 1, sizeof *v);
	for (i = 0; i < s->nin; i++)
		if (counts(s, &s->in[i]) && s->in[i].executor_id &&
		    (!eid || !strcmp(s->in[i].executor_id, eid)) &&
		    !is_step_new(s, s->in[i].id))
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
	struct rec_step st;
	const json_t *x;
	const char *se;
	size_t k;
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
		if (!s->req_gone[i] &&
		    (!eid || !strcmp(s->req[i].executor_id, eid)))
			n++;
	/* a step's place: its new instance asked for by this look, or
	 * the old one's of a stop-first step */
	json_array_foreach(s->steps, k, x) {
		if (rec_step_read(x, &st) < 0)
			continue;
		if (!(st.state == STEP_STARTING && st.new_id &&
		    !svc_inst(s, st.new_id) && !svc_req(s, st.new_id)) &&
		    !holds_place(s, &st))
			continue;
		if (!eid || ((se = step_exec(s, &st)) && !strcmp(se, eid)))
			n++;
	}
	return n;
}

/* Destroy s once nothing of it runs: its instance records, their
 * directory, the LocalServiceInfo and the operation (if any), with the
 * event. */
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
	if (s->op) {
		zkp_ls_operation(p, M.ns, s->id);
		zk_txn_delete(t, p, -1);
		view_touch(M.v, p);
	}
	ls_event(t, s, LS_STATE_DESTROYED);
	ls_commit(t, "destroy", s->id);
}

/* The operation of s ends: deleted (by version) with the event of the
 * state the service is back in, and how it ended kept in the
 * LocalServiceInfo's lastOperation. */
static void
op_end(struct zk_txn *t, const struct svc *s, const char *result)
{
	char p[ZKP_MAX];
	struct rec_ls f = s->fl;
	json_t *last, *ni;

	zkp_ls_operation(p, M.ns, s->id);
	zk_txn_delete(t, p, view_version(M.v, p));
	view_touch(M.v, p);
	if (!(last = rec_ls_last_op_new(s->fo.type, result, s->failure,
	    js_now_ms())))
		die(EXIT_TEMP, "out of memory");
	f.last_op = last;
	if (!(ni = rec_ls_new(&f)))
		die(EXIT_TEMP, "out of memory");
	zkp_localservice(p, M.ns, s->id);
	zk_txn_set(t, p, ni, view_version(M.v, p));
	view_touch(M.v, p);
	json_decref(ni);
	json_decref(last);
	ls_event(t, s, ls_state_of_activation(s->fl.activation));
	info("local service %s: %s %s%s%s", s->id, ls_op_type_name(s->fo.type),
	    result, s->failure ? ": " : "", s->failure ? s->failure : "");
}

/* Add to t what stops iid, an instance of s or its pending request: 1
 * something to do, else 0. */
static int
stop_id(struct zk_txn *t, const struct svc *s, const char *iid)
{
	const struct inst *in = svc_inst(s, iid);
	const struct rec_ls_request *r = svc_req(s, iid);

	if (in)
		return stop_inst(t, s, in);
	if (r) {
		delete_req(t, s, r);
		return 1;
	}
	return 0;
}

/* The step fails for reason why: the first failure is the operation's. */
static void
step_fail(struct svc *s, struct rec_step *st, const char *why,
    long long now)
{
	st->state = STEP_FAILED;
	st->since = now;
	if (s->failure)
		return;
	warn("local service %s: %s: the %s fails (%s)", s->id, why,
	    ls_op_type_name(s->fo.type),
	    failure_strategy_name(s->fo.strategy));
	snprintf(s->fail, sizeof s->fail, "%s", why);
	s->failure = s->fail;
}

/* Has the new instance of step st failed?  A reason into why if so.
 * *gone: it vanished from an executor it may no longer run on (nothing
 * to replace there). */
static int
start_failed(const struct svc *s, const struct rec_step *st, long long now,
    int settled, char *why, size_t n, int *gone)
{
	const struct inst *in = svc_inst(s, st->new_id);
	long long limit = spec_instance_timeout_ms(s->fl.spec,
	    s->fo.timeout_ms);
	const char *eid = step_exec(s, st);

	*gone = 0;
	if (in && in->state == INST_HEALTHY)
		return 0;
	if (in && (!inst_state_is_wanted(in->state) ||
	    (in->asg && in->target != TARGET_RUNNING))) {
		snprintf(why, n, "instance %s went %s%s%s", st->new_id,
		    inst_state_name(in->state), in->error && *in->error ?
		    ": " : "", in->error ? in->error : "");
		*gone = !is_eligible(s, eid);
		return 1;
	}
	if (!in && !svc_req(s, st->new_id) && settled == 1 &&
	    st->since < now) {
		snprintf(why, n, "instance %s vanished", st->new_id);
		*gone = !is_eligible(s, eid);
		return 1;
	}
	if (now - st->since > limit) {
		snprintf(why, n, "instance %s was not HEALTHY within %lld s",
		    st->new_id, limit / 1000);
		return 1;
	}
	return 0;
}

/*
 * When s's operation must be looked at again though nothing changes: the
 * earliest timeout of its steps (a new instance not HEALTHY within
 * computeTimeout, an old one not stopped within opSpec.timeout) or of an
 * ADJUST_INSTANCES; 0 when none is pending.
 */
static long long
op_due(const struct svc *s)
{
	long long limit = spec_instance_timeout_ms(s->fl.spec,
	    s->fo.timeout_ms), due = 0, at;
	struct rec_step st;
	const json_t *x;
	size_t i;

	if (!s->op)
		return 0;
	if (!s->steps)
		return s->fo.type == LSOP_ADJUST_INSTANCES ?
		    s->fo.created + limit : 0;
	json_array_foreach(s->steps, i, x) {
		if (rec_step_read(x, &st) < 0)
			continue;
		if (st.state == STEP_STARTING)
			at = st.since + limit;
		else if (st.state == STEP_STOPPING)
			at = st.since + s->fo.timeout_ms;
		else
			continue;
		if (!due || at < due)
			due = at;
	}
	return due;
}

/* Put step i of s's steps. */
static void
step_put(struct svc *s, size_t i, const struct rec_step *st)
{
	json_t *x = rec_step_new(st);

	if (!x || json_array_set_new(s->steps, i, x) < 0)
		die(EXIT_TEMP, "out of memory");
	s->steps_changed = 1;
}

/*
 * RESTART, REPLACE_INSTANCES, STOP_INSTANCES, one look (as ops.c's
 * run_steps for apps): a replace step starts a new instance on the old
 * one's executor and, once it is HEALTHY, stops the old one (stopFirst:
 * stops the old one, then starts the new one); a stop step stops the
 * old one (respawned as any missing instance while the service is
 * ACTIVE).  At most parallelism steps in flight; none begun once
 * cancelled or failed; ROLLBACK stops the new instances of the steps in
 * flight.  The writes go to t, *n counts them; 1 when the operation is
 * over.
 */
static int
run_steps(struct zk_txn *t, struct svc *s, int *n)
{
	long long now = js_now_ms();
	int inflight = 0, open = 0, done = 0, settled = -2, gone, replace;
	char why[512], iid[IDS_INSTANCE_LEN];
	const struct inst *in;
	const char *eid;
	struct rec_step st;
	const json_t *x;
	size_t i;

	replace = is_replace(s);
	json_array_foreach(s->steps, i, x) {
		if (rec_step_read(x, &st) < 0)
			continue;
		switch (st.state) {
		case STEP_STARTING:
			if (settled == -2)
				settled = ls_settled(s->id);
			if (start_failed(s, &st, now, settled, why, sizeof why,
			    &gone)) {
				*n += stop_id(t, s, st.new_id);
				if (gone) {
					st.state = STEP_DONE;
					st.since = now;
				} else
					step_fail(s, &st, why, now);
				step_put(s, i, &st);
				break;
			}
			if (!(in = svc_inst(s, st.new_id)) ||
			    in->state != INST_HEALTHY)
				break;
			st.since = now;
			if (s->fo.stop_first || !st.old_id ||
			    !stop_id(t, s, st.old_id))
				st.state = STEP_DONE;
			else {
				st.state = STEP_STOPPING;
				(*n)++;
			}
			step_put(s, i, &st);
			break;
		case STEP_STOPPING:
			in = svc_inst(s, st.old_id);
			if (in && !inst_state_is_terminal(in->state)) {
				if (now - st.since > s->fo.timeout_ms) {
					snprintf(why, sizeof why, "instance %s "
					    "did not stop within %lld s",
					    st.old_id, s->fo.timeout_ms / 1000);
					step_fail(s, &st, why, now);
					step_put(s, i, &st);
				}
				break;
			}
			eid = step_exec(s, &st);
			st.since = now;
			if (holds_place(s, &st) && is_eligible(s, eid)) {
				new_req(t, s, eid, iid);
				(*n)++;
				st.new_id = iid;
				st.state = STEP_STARTING;
			} else
				st.state = STEP_DONE;
			step_put(s, i, &st);
			break;
		default:
			break;
		}
	}
	/* a ROLLBACK takes back the new instances of the steps in flight */
	if (s->failure && s->fo.strategy == FAIL_ROLLBACK)
		json_array_foreach(s->steps, i, x) {
			if (rec_step_read(x, &st) < 0 ||
			    st.state != STEP_STARTING)
				continue;
			*n += stop_id(t, s, st.new_id);
			st.state = STEP_FAILED;
			st.since = now;
			step_put(s, i, &st);
		}
	steps_count(s->steps, &inflight, &open, &done);
	/* begin waiting steps while there is room */
	json_array_foreach(s->steps, i, x) {
		if (s->fo.cancelled || s->failure ||
		    inflight >= s->fo.parallelism)
			break;
		if (rec_step_read(x, &st) < 0 || st.state != STEP_WAITING)
			continue;
		st.since = now;
		in = svc_inst(s, st.old_id);
		open--;
		if (!in || inst_state_is_terminal(in->state) ||
		    !in->executor_id || !is_eligible(s, in->executor_id)) {
			/* over already, or on an executor it may not run
			 * on: what it needs is the convergence's */
			st.state = STEP_DONE;
		} else if (!replace || s->fo.stop_first) {
			*n += stop_inst(t, s, in);
			st.state = STEP_STOPPING;
			inflight++;
		} else {
			new_req(t, s, in->executor_id, iid);
			(*n)++;
			st.new_id = iid;
			st.state = STEP_STARTING;
			inflight++;
		}
		step_put(s, i, &st);
	}
	return inflight == 0 && (open == 0 || s->fo.cancelled || s->failure);
}

/* Add to t s's operation with its steps and failure as this look leaves
 * them (by version). */
static void
op_put(struct zk_txn *t, const struct svc *s)
{
	struct rec_ls_op f = s->fo;
	char p[ZKP_MAX];
	json_t *op;

	f.steps = s->steps;
	f.failure = s->failure;
	f.updated = js_now_ms();
	if (!(op = rec_ls_op_new(&f)))
		die(EXIT_TEMP, "out of memory");
	zkp_ls_operation(p, M.ns, s->id);
	zk_txn_set(t, p, op, view_version(M.v, p));
	view_touch(M.v, p);
	json_decref(op);
}

/* The steps of s's step operation, from its record, or one WAITING step
 * per instanceId when it has none yet. */
static void
steps_load(struct svc *s)
{
	const json_t *x;
	size_t i;

	if (!is_step_op(s))
		return;
	s->failure = s->fo.failure;
	if (json_array_size(s->fo.steps)) {
		if (!(s->steps = json_deep_copy(s->fo.steps)))
			die(EXIT_TEMP, "out of memory");
		return;
	}
	if (!(s->steps = json_array()))
		die(EXIT_TEMP, "out of memory");
	json_array_foreach(s->fo.instance_ids, i, x)
		if (json_is_string(x) && json_array_append_new(s->steps,
		    rec_step_new(&(struct rec_step){ json_string_value(x),
		    NULL, STEP_WAITING, 0 })) < 0)
			die(EXIT_TEMP, "out of memory");
	s->steps_changed = json_array_size(s->steps) != 0;
}

/* Drove's StaleDataCleaner: an INACTIVE service not updated for
 * LS_STALE_AGE_MS, with no operation and nothing of it running, is
 * destroyed.  1 if s is. */
static int
stale(const struct svc *s)
{
	int i;

	if (!s->info || s->op || s->fl.activation != LS_INACTIVE ||
	    js_now_ms() - s->fl.updated < LS_STALE_AGE_MS || s->nreq)
		return 0;
	for (i = 0; i < s->nin; i++)
		if (!inst_state_is_terminal(s->in[i].state) ||
		    s->in[i].asg)
			return 0;
	info("local service %s: INACTIVE since %lld: stale", s->id,
	    s->fl.updated);
	destroy(s);
	return 1;
}

/* Bring service sid to what its records ask for. */
static void
ls_reconcile(const char *sid)
{
	struct svc s;
	struct zk_txn *t;
	char p[ZKP_MAX], iid[IDS_INSTANCE_LEN];
	int i, n = 0, want, have, done = 0, settled = -2;
	int destroying;
	const char *result = "COMPLETED";
	long long due;

	svc_load(&s, sid);
	if (!s.id)
		return;
	release_finished(&s);
	if (stale(&s)) {
		svc_free(&s);
		return;
	}
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
	/* the steps first: what they start and stop is counted below */
	steps_load(&s);
	if (s.steps)
		done = run_steps(t, &s, &n);
	/* requests for executors it may not run on, instances on live
	 * executors it may not run on (blacklisted, say) */
	for (i = 0; i < s.nreq; i++)
		if (!s.req_gone[i] && !is_eligible(&s, s.req[i].executor_id)) {
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
					new_req(t, &s, s.ex[i], iid);
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
			new_req(t, &s, s.ex[0], iid);
			n++;
		}
	}
	if (s.op) {
		switch (s.fo.type) {
		case LSOP_RESTART:
		case LSOP_REPLACE_INSTANCES:
		case LSOP_STOP_INSTANCES:
			if (done)
				result = s.fo.cancelled ? "CANCELLED" :
				    s.failure ? "FAILED" : "COMPLETED";
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
			done = s.fo.cancelled || (settled != 0 &&
			    settled != -1);
			if (s.fo.cancelled)
				result = "CANCELLED";
			if (!done && js_now_ms() > s.fo.created +
			    spec_instance_timeout_ms(s.fl.spec,
			    s.fo.timeout_ms)) {
				/* what has not become HEALTHY by now will
				 * not: what is left over is stopped as
				 * surplus */
				snprintf(s.fail, sizeof s.fail, "timed out");
				s.failure = s.fail;
				result = "FAILED";
				done = 1;
			}
			break;
		}
		if (done) {
			op_end(t, &s, result);
			n++;
		} else if (s.steps_changed) {
			op_put(t, &s);
			n++;
		}
	}
commit:
	if (n)
		ls_commit(t, "converge", sid);
	else
		zk_txn_free(t);
	/* a timeout due: look again just past it */
	due = s.info && !done ? op_due(&s) : 0;
	ls_deadline(sid, due ? due + 1 : 0);
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
	    "localserviceinstances"), *insts, *ii;
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
			zkp_ls_instance(p, M.ns, sid, iid);
			inst_set_lost(t, ii, p, eid, iid, now);
			ls_mark(sid);
			n++;
		}
	return n;
}
