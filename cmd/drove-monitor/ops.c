/*
 * ops.c: carrying out an app's operation record (lib/record
 * rec_operation), one step per look.  Each look reads the app from the
 * view, decides, and writes in one fenced transaction what it starts or
 * stops together with the operation's new progress (replacing the record
 * by version: an API write in between, a cancel or a retarget, makes it
 * read again).  So whatever leader looks next continues from exactly what
 * is recorded.
 *
 * SCALE_INSTANCES and RECOVER: instances are asked for, at most
 * parallelism waiting to be HEALTHY at a time, or surplus ones stopped,
 * until requiredInstances are HEALTHY.  A new instance that fails or is
 * not HEALTHY within Drove's computeTimeout fails the operation (RECOVER
 * replaces it instead and goes on).  STOP_INSTANCES and REPLACE_INSTANCES
 * run their steps, parallelism at a time.  DESTROY stops everything and
 * removes the app's records.
 *
 * Ending: a cancel or a failure with failureStrategy STOP starts nothing
 * more, lets what is in flight finish, and ends with the expected count
 * set to what runs; ROLLBACK stops what the operation started (the new
 * instances of a replace's unfinished steps, every instance a scale
 * started) and restores the previous count.  The ApplicationInfo count,
 * the deletion of the record and the APP_STATE_CHANGE event are one
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
#include "monitor.h"

/* The state an app settles in with n instances and no operation. */
static enum app_state
settled_state(long long n)
{
	return n > 0 ? APP_RUNNING : APP_MONITORING;
}

/* Add to t the op record f, replacing the one read (by version). */
static void
put_op(struct zk_txn *t, const struct app *a, const struct rec_operation *f)
{
	char p[ZKP_MAX];
	json_t *op = rec_operation_new(f);

	if (!op)
		die(EXIT_TEMP, "out of memory");
	zkp_operation(p, M.ns, a->id);
	zk_txn_set(t, p, op, view_version(M.v, p));
	json_decref(op);
	view_touch(M.v, p);
}

/* Add to t the end of a's operation: the expected count n, the record
 * deleted (by version), the event. */
static void
end_op(struct zk_txn *t, const struct app *a, long long n, const char *how)
{
	char p[ZKP_MAX];
	struct rec_app f = a->fa;
	json_t *ai;

	if (n < 0)
		n = 0;
	if (n != a->fa.instances) {
		f.instances = n;
		f.updated = js_now_ms();
		if (!(ai = rec_app_new(&f)))
			die(EXIT_TEMP, "out of memory");
		zkp_app(p, M.ns, a->id);
		zk_txn_set(t, p, ai, -1);
		json_decref(ai);
		view_touch(M.v, p);
	}
	zkp_operation(p, M.ns, a->id);
	zk_txn_delete(t, p, view_version(M.v, p));
	view_touch(M.v, p);
	app_event(t, a, n, settled_state(n));
	info("app %s: %s %s with %lld instance%s", a->id,
	    op_type_name(a->fo.requested), how, n, n == 1 ? "" : "s");
}

/* Has the new instance iid failed?  A reason into why (n bytes) if so. */
static int
start_failed(const struct app *a, const char *iid, long long since,
    long long now, char *why, size_t n)
{
	const struct inst *in = app_inst(a, iid);
	long long limit = spec_instance_timeout_ms(a->fa.spec,
	    a->fo.timeout_ms);

	if (in && in->state == INST_HEALTHY)
		return 0;
	if (in && (!inst_state_is_wanted(in->state) ||
	    in->target != TARGET_RUNNING)) {
		snprintf(why, n, "instance %s went %s%s%s", iid,
		    inst_state_name(in->state), in->error && *in->error ?
		    ": " : "", in->error ? in->error : "");
		return 1;
	}
	if (now - since > limit) {
		snprintf(why, n, "instance %s was not HEALTHY within %lld s",
		    iid, limit / 1000);
		return 1;
	}
	return 0;
}

/* The earlier of the deadlines *d (0: none) and at. */
static void
earliest(long long *d, long long at)
{
	if (!*d || at < *d)
		*d = at;
}

/* Drop from started the ids of instances that are over: the record
 * stays small however often a recovery replaces a failing instance. */
static void
forget_finished(const struct app *a, json_t *started)
{
	const struct inst *in;
	size_t i;

	for (i = json_array_size(started); i-- > 0;) {
		in = app_inst(a, json_string_value(json_array_get(started, i)));
		if (in && inst_state_is_terminal(in->state))
			json_array_remove(started, i);
	}
}

/*
 * SCALE_INSTANCES and RECOVER.  healthy: HEALTHY instances the app keeps;
 * starting: requests not placed yet and kept instances on their way
 * (PENDING .. READY); stopping: told to stop, not over yet.
 */
static void
run_scale(struct app *a)
{
	struct rec_operation f = a->fo;
	struct inst **keep;
	json_t *started = f.started ? json_deep_copy(f.started) :
	    json_array(), *x;
	struct zk_txn *t = zk_txn_new(M.fence);
	long long now = js_now_ms(), healthy = 0, starting = 0, stopping = 0;
	long long n = f.type == OP_RECOVER ? a->fa.instances : f.required;
	long long limit = spec_instance_timeout_ms(a->fa.spec, f.timeout_ms);
	long long deadline = 0;
	char why[512], fail[512], iid[IDS_INSTANCE_LEN];
	int i, nkeep = 0, retry = f.type == OP_RECOVER, changed = 0;
	size_t k;

	if (!started || !t)
		die(EXIT_TEMP, "out of memory");
	op_deadline(a->id, 0);
	if (f.state == APP_OUTAGE_DETECTED) {
		/* a RECOVER from the API: scale to the expected count */
		f.state = APP_SCALING_REQUESTED;
		f.required = a->fa.instances;
		f.updated = now;
		put_op(t, a, &f);
		app_event(t, a, f.required, f.state);
		commit(t, "start the recovery", a->id);
		json_decref(started);
		return;
	}
	/* what a failure ends, and the failures; the next timeout */
	json_array_foreach(started, k, x) {
		const char *id = json_string_value(x);
		const struct inst *in = app_inst(a, id);
		long long since = in ? in->created : now;

		for (i = 0; !in && i < a->nreq; i++)
			if (!strcmp(js_str(a->req[i], "instanceId", ""), id))
				since = js_int(a->req[i], "created", now);
		/* skipped: what was stopped on purpose, what is over and
		 * whose end was seen already (its assignment is gone), and
		 * an UNHEALTHY one: it was HEALTHY, a later outage that the
		 * scale replaces */
		if (in && (in->target != TARGET_RUNNING ||
		    in->state == INST_UNHEALTHY ||
		    (inst_state_is_terminal(in->state) && !in->asg)))
			continue;
		if (!start_failed(a, id, since, now, why, sizeof why)) {
			if (!in || in->state != INST_HEALTHY)
				earliest(&deadline, since + limit + 1);
			continue;
		}
		/* a failed instance stops by itself; one that is late is
		 * stopped */
		if (!in || inst_state_is_wanted(in->state))
			changed += app_stop(t, a, id);
		if (retry) {
			info("app %s: %s: replacing it", a->id, why);
			continue;
		}
		if (!f.failure) {
			warn("app %s: %s: the %s fails (%s)", a->id, why,
			    op_type_name(f.requested),
			    failure_strategy_name(f.strategy));
			snprintf(fail, sizeof fail, "%s", why);
			f.failure = fail;
			changed++;
		}
	}
	op_deadline(a->id, deadline);
	if (f.failure && f.strategy == FAIL_ROLLBACK) {
		/* everything this operation started goes */
		json_array_foreach(started, k, x)
			app_stop(t, a, json_string_value(x));
		end_op(t, a, f.previous, "rolled back");
		commit(t, "roll back", a->id);
		json_decref(started);
		return;
	}
	keep = xcalloc((size_t)a->nin + (size_t)a->nreq + 1, sizeof *keep);
	for (i = 0; i < a->nin; i++) {
		struct inst *in = &a->in[i];

		if (inst_state_is_terminal(in->state))
			continue;
		if (!in->asg || in->target != TARGET_RUNNING) {
			stopping++;
			continue;
		}
		if (in->state == INST_HEALTHY)
			healthy++;
		else if (inst_state_is_wanted(in->state))
			starting++;
		else
			continue;
		keep[nkeep++] = in;
	}
	starting += a->nreq;
	if (f.cancelled || f.failure) {
		/* nothing new; what is in flight finishes, waiting
		 * requests go */
		for (i = 0; i < a->nreq; i++)
			changed += app_stop(t, a, req_id(a->req[i]));
		if (starting - a->nreq == 0 && stopping == 0) {
			end_op(t, a, healthy, f.cancelled ? "cancelled" :
			    "stopped by a failure");
			commit(t, "end the operation", a->id);
		} else if (changed) {
			f.updated = now;
			put_op(t, a, &f);
			commit(t, "wind the operation down", a->id);
		} else
			zk_txn_free(t);
		goto out;
	}
	if (healthy + starting < n) {
		long long want = n - healthy - starting;
		long long room = f.parallelism - starting;

		if (want > room)
			want = room;
		if (want > 0 && settled(a->id) != 1)
			want = 0;
		for (i = 0; i < want; i++) {
			app_request(t, a, iid);
			json_array_append_new(started, json_string(iid));
			changed++;
		}
		if (want > 0) {
			earliest(&deadline, now + limit + 1);
			op_deadline(a->id, deadline);
		}
		if (want > 0)
			info("app %s: starting %lld instance%s", a->id, want,
			    want == 1 ? "" : "s");
	} else if (healthy + starting > n) {
		long long surplus = healthy + starting - n;

		for (i = a->nreq - 1; i >= 0 && surplus > 0; i--, surplus--)
			changed += app_stop(t, a, req_id(a->req[i]));
		qsort(keep, (size_t)nkeep, sizeof *keep, inst_cmp_stop);
		for (i = 0; i < nkeep && surplus > 0; i++, surplus--)
			changed += app_stop(t, a, keep[i]->id);
	} else if (starting == 0 && stopping == 0) {
		end_op(t, a, n, "done");
		commit(t, "end the operation", a->id);
		goto out;
	}
	if (changed) {
		forget_finished(a, started);
		f.started = started;
		f.updated = now;
		put_op(t, a, &f);
		commit(t, "scale", a->id);
	} else
		zk_txn_free(t);
out:
	free(keep);
	json_decref(started);
}

/* When the first step in flight times out: a start after Drove's
 * computeTimeout, a stop after opSpec.timeout; 0 none in flight. */
static long long
steps_deadline(const struct app *a, const json_t *steps)
{
	long long d = 0;
	struct rec_step st;
	const json_t *x;
	size_t i;

	json_array_foreach(steps, i, x) {
		if (rec_step_read(x, &st) < 0)
			continue;
		if (st.state == STEP_STARTING)
			earliest(&d, st.since + spec_instance_timeout_ms(
			    a->fa.spec, a->fo.timeout_ms) + 1);
		else if (st.state == STEP_STOPPING)
			earliest(&d, st.since + a->fo.timeout_ms + 1);
	}
	return d;
}

/* Begin stopping old (a step's state becomes STOPPING), or, when it is
 * already over, report it so: 1 begun, 0 nothing to stop. */
static int
begin_stop(struct zk_txn *t, const struct app *a, const char *old)
{
	const struct inst *in = app_inst(a, old);

	if (!in || inst_state_is_terminal(in->state))
		return app_has_request(a, old) ? app_stop(t, a, old) : 0;
	app_stop(t, a, old);
	return 1;
}

void
steps_count(const json_t *steps, int *inflight, int *open, int *done)
{
	struct rec_step st;
	const json_t *x;
	size_t i;

	json_array_foreach(steps, i, x) {
		if (rec_step_read(x, &st) < 0)
			continue;
		if (st.state == STEP_STARTING || st.state == STEP_STOPPING)
			(*inflight)++;
		else if (st.state == STEP_WAITING)
			(*open)++;
		else if (st.state == STEP_DONE)
			(*done)++;
	}
}

/*
 * STOP_INSTANCES and REPLACE_INSTANCES.  A step (old, new) of a replace
 * starts new and, once it is HEALTHY, stops old (stopFirst: the other way
 * round); a step of a stop stops old.  Steps in flight (STARTING,
 * STOPPING) are at most parallelism.
 */
static void
run_steps(struct app *a)
{
	struct rec_operation f = a->fo;
	json_t *steps = f.steps ? json_deep_copy(f.steps) : json_array(), *x;
	struct zk_txn *t = zk_txn_new(M.fence);
	long long now = js_now_ms(), n;
	int replace = f.type == OP_REPLACE_INSTANCES, changed = 0;
	int inflight = 0, open = 0, done = 0;
	char why[512], fail[512], iid[IDS_INSTANCE_LEN];
	size_t i;

	if (!steps || !t)
		die(EXIT_TEMP, "out of memory");
	json_array_foreach(steps, i, x) {
		struct rec_step st;
		struct rec_step ns;
		const struct inst *old;

		if (rec_step_read(x, &st) < 0)
			continue;
		ns = st;
		switch (st.state) {
		case STEP_STARTING:
			if (start_failed(a, st.new_id, st.since, now, why,
			    sizeof why)) {
				old = app_inst(a, st.new_id);
				if (!old || inst_state_is_wanted(old->state))
					app_stop(t, a, st.new_id);
				ns.state = STEP_FAILED;
				if (!f.failure) {
					warn("app %s: %s: the %s fails (%s)",
					    a->id, why, op_type_name(f.type),
					    failure_strategy_name(f.strategy));
					snprintf(fail, sizeof fail, "%s", why);
					f.failure = fail;
				}
				break;
			}
			if (!app_inst(a, st.new_id) ||
			    app_inst(a, st.new_id)->state != INST_HEALTHY)
				break;
			if (f.stop_first || !st.old_id ||
			    !begin_stop(t, a, st.old_id))
				ns.state = STEP_DONE;
			else
				ns.state = STEP_STOPPING;
			ns.since = now;
			break;
		case STEP_STOPPING:
			old = app_inst(a, st.old_id);
			if (old && !inst_state_is_terminal(old->state)) {
				if (now - st.since > f.timeout_ms) {
					snprintf(why, sizeof why, "instance %s "
					    "did not stop within %lld s",
					    st.old_id, f.timeout_ms / 1000);
					ns.state = STEP_FAILED;
					if (!f.failure) {
						snprintf(fail, sizeof fail,
						    "%s", why);
						f.failure = fail;
					}
				}
				break;
			}
			if (replace && f.stop_first && !(f.failure &&
			    f.strategy == FAIL_ROLLBACK)) {
				app_request(t, a, iid);
				ns.new_id = iid;
				ns.state = STEP_STARTING;
			} else
				ns.state = STEP_DONE;
			ns.since = now;
			break;
		default:
			break;
		}
		if (ns.state != st.state) {
			json_array_set_new(steps, i, rec_step_new(&ns));
			changed++;
		}
	}
	/* a ROLLBACK takes back the new instances of unfinished steps */
	if (f.failure && f.strategy == FAIL_ROLLBACK)
		json_array_foreach(steps, i, x) {
			struct rec_step st;

			if (rec_step_read(x, &st) < 0 ||
			    st.state != STEP_STARTING)
				continue;
			app_stop(t, a, st.new_id);
			st.state = STEP_FAILED;
			st.since = now;
			json_array_set_new(steps, i, rec_step_new(&st));
			changed++;
		}
	steps_count(steps, &inflight, &open, &done);
	/* begin waiting steps while there is room */
	json_array_foreach(steps, i, x) {
		struct rec_step st;

		if (f.cancelled || f.failure || inflight >= f.parallelism)
			break;
		if (rec_step_read(x, &st) < 0 || st.state != STEP_WAITING)
			continue;
		st.since = now;
		if (!replace)
			st.state = begin_stop(t, a, st.old_id) ?
			    STEP_STOPPING : STEP_DONE;
		else if (f.stop_first && begin_stop(t, a, st.old_id))
			st.state = STEP_STOPPING;
		else {
			app_request(t, a, iid);
			st.new_id = iid;
			st.state = STEP_STARTING;
		}
		if (st.state == STEP_DONE)
			done++;
		else
			inflight++;
		open--;
		json_array_set_new(steps, i, rec_step_new(&st));
		changed++;
	}
	op_deadline(a->id, steps_deadline(a, steps));
	if (inflight == 0 && (open == 0 || f.cancelled || f.failure)) {
		n = a->fa.instances;
		if (!replace && f.skip_respawn)
			n -= done;
		end_op(t, a, n, f.cancelled ? "cancelled" : f.failure ?
		    "stopped by a failure" : "done");
		commit(t, "end the operation", a->id);
	} else if (changed) {
		f.steps = steps;
		f.updated = now;
		put_op(t, a, &f);
		commit(t, op_type_name(f.type), a->id);
	} else
		zk_txn_free(t);
	json_decref(steps);
}

/* DESTROY: everything of the app stops; once all is over, its records go:
 * instance records in batches, then in one transaction its instances
 * directory, operation and ApplicationInfo, with the DESTROYED event. */
static void
run_destroy(struct app *a)
{
	struct zk_txn *t = zk_txn_new(M.fence);
	char p[ZKP_MAX];
	int i, busy = 0, n = 0;

	for (i = 0; i < a->nreq; i++)
		busy += app_stop(t, a, req_id(a->req[i]));
	for (i = 0; i < a->nin; i++) {
		const struct inst *in = &a->in[i];

		if (!inst_state_is_terminal(in->state)) {
			app_stop(t, a, in->id);
			busy++;
		} else if (in->asg)
			busy++;		/* its assignment is being deleted */
	}
	if (busy) {
		commit(t, "stop the app", a->id);
		return;
	}
	for (i = 0; i < a->nin && n < 200; i++) {
		if (zkp_instance(p, M.ns, a->id, a->in[i].id) < 0)
			continue;
		zk_txn_delete(t, p, -1);
		view_touch(M.v, p);
		n++;
	}
	if (n) {
		commit(t, "delete instance records", a->id);
		return;
	}
	if (settled(a->id) != 1) {
		zk_txn_free(t);
		return;
	}
	zkp_app_instances(p, M.ns, a->id);
	if (zk_exists(M.z, p, 0) == 1)
		zk_txn_delete(t, p, -1);
	zkp_operation(p, M.ns, a->id);
	zk_txn_delete(t, p, view_version(M.v, p));
	view_touch(M.v, p);
	zkp_app(p, M.ns, a->id);
	zk_txn_delete(t, p, -1);
	view_touch(M.v, p);
	app_event(t, a, 0, APP_DESTROYED);
	commit(t, "destroy the app", a->id);
}

void
op_run(struct app *a)
{
	switch (a->fo.type) {
	case OP_SCALE_INSTANCES:
	case OP_RECOVER:
		run_scale(a);
		break;
	case OP_STOP_INSTANCES:
	case OP_REPLACE_INSTANCES:
		run_steps(a);
		break;
	case OP_DESTROY:
		run_destroy(a);
		break;
	default:
		warn("app %s: operation %s cannot be carried out: deleting it",
		    a->id, op_type_name(a->fo.type));
		{
			struct zk_txn *t = zk_txn_new(M.fence);

			end_op(t, a, a->fa.instances, "dropped");
			commit(t, "end the operation", a->id);
		}
	}
}

void
op_recover(struct app *a, long long want)
{
	struct zk_txn *t = zk_txn_new(M.fence);
	long long now = js_now_ms();
	char p[ZKP_MAX];
	json_t *op;
	struct rec_operation f = {
		.app_id = a->id, .type = OP_RECOVER, .requested = OP_RECOVER,
		.state = APP_SCALING_REQUESTED, .timeout_ms = 300 * 1000LL,
		.parallelism = 512, .strategy = FAIL_STOP, .required = want,
		.previous = want, .created = now, .updated = now,
	};

	if (!(op = rec_operation_new(&f)))
		die(EXIT_TEMP, "out of memory");
	zkp_operation(p, M.ns, a->id);
	zk_txn_create(t, p, op, 0);
	json_decref(op);
	view_touch(M.v, p);
	app_event(t, a, want, APP_OUTAGE_DETECTED);
	app_event(t, a, want, APP_SCALING_REQUESTED);
	if (commit(t, "start a recovery", a->id) == 0)
		metric_inc(M.mx_respawns, NULL, 1);
}
