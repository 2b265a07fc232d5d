/*
 * httpd_localservices.c: the local-service API (drove.md §2.2, §3.3).
 * Operations are checked against the service's state (Drove's table,
 * lib/model ls_op_allowed, from ZooKeeper, not from the view), then
 * written, fenced by the leader's election znode, in one transaction with
 * their LOCAL_SERVICE_STATE_CHANGE event: ACTIVATE, DEACTIVATE (STOP),
 * DEPLOY_TEST_INSTANCE and UPDATE_INSTANCE_COUNT change the
 * LocalServiceInfo; ADJUST_INSTANCES, RESTART, REPLACE_INSTANCES,
 * STOP_INSTANCES and DESTROY write the service's operation record
 * (/<ns>/localserviceoperations/<serviceId>) that drove-monitor carries
 * out.  The API answers SUCCESS once its own view shows the write.  Reads
 * come from the view; unknown ids answer HTTP 200 FAILED.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "event.h"
#include "model.h"
#include "record.h"
#include "httpd.h"

#define WRITE_TRIES 5

/* What an operation is decided on, as ZooKeeper has it now: the
 * LocalServiceInfo (r.info) and the operation record (r.op). */
struct lcur {
	struct opcur r;
	struct rec_ls fl;
	struct rec_ls_op fo;
	enum ls_state state;
};

/* 1 read, 0 no such service, -1 trouble (500 in out). */
static int
lcur_load(const char *id, struct lcur *c, struct reply *out)
{
	int rc;

	memset(c, 0, sizeof *c);
	if ((rc = opcur_read(&c->r, zkp_localservice, zkp_ls_operation,
	    "local service", id, out)) < 1)
		return rc;
	if (!opcur_keep(&c->r, c->r.info && rec_ls_read(c->r.info, &c->fl) ==
	    0, c->r.op && rec_ls_op_read(c->r.op, &c->fo) == 0))
		return 0;
	c->state = rec_ls_state(c->r.info, c->r.op);
	return 1;
}

/* The directories local services, their operations and events go in. */
static struct opdirs dirs = { 0, { zkp_localservices_dir,
    zkp_ls_operations_dir } };

/*
 * Commit, fenced: info (NULL: unchanged) set by version, op (NULL: none)
 * created, and event ev.  0 done (SUCCESS in out), 1 someone wrote in
 * between, -1 failed (reply in out).
 */
static int
commit(const char *id, const char *fence, struct lcur *c, json_t *info,
    json_t *op, json_t *ev, struct reply *out)
{
	struct zk_txn *t;

	if (!info && !op) {
		reply_500(out, "out of memory");
		return -1;
	}
	t = zk_txn_new(fence);
	if (info)
		zk_txn_set(t, c->r.info_path, info, c->r.info_version);
	if (op)
		zk_txn_create(t, c->r.op_path, op, 0);
	return opcur_commit(&c->r, &dirs, t, ev, "local service", "serviceId",
	    id, out);
}

/* Drove's refusal of t in the service's state; 1 allowed, 0 refused. */
static int
allowed(const char *id, const struct lcur *c, enum ls_op_type t,
    struct reply *out)
{
	char list[256];

	if (ls_op_allowed(c->state, t))
		return 1;
	ls_op_allowed_list(c->state, list, sizeof list);
	reply_refused(out, "local service", "local service ", id,
	    ls_state_name(c->state), list,
	    c->r.op ? ls_op_type_name(c->fo.type) : NULL);
	return 0;
}

/* ACTIVATE, DEACTIVATE, DEPLOY_TEST_INSTANCE, UPDATE_INSTANCE_COUNT. */
static int
op_info(const char *id, const char *fence, struct lcur *c,
    enum ls_op_type t, const json_t *req, struct reply *out)
{
	struct rec_ls f = c->fl;
	json_t *ni, *ev;
	int r;

	switch (t) {
	case LSOP_ACTIVATE:
		f.activation = LS_ACTIVE;
		break;
	case LSOP_DEACTIVATE:
		f.activation = LS_INACTIVE;
		break;
	case LSOP_DEPLOY_TEST_INSTANCE:
		f.activation = LS_CONFIG_TESTING;
		break;
	default:
		f.per_host = js_int(req, "instancesPerHost", 1);
		break;
	}
	f.updated = js_now_ms();
	ni = rec_ls_new(&f);
	ev = rec_event_ls_state(id, f.spec, f.per_host,
	    ls_state_of_activation(f.activation), f.updated);
	r = commit(id, fence, c, ni, NULL, ev, out);
	if (r == 0)
		info("local service %s: %s", id, ls_op_type_name(t));
	json_decref(ni);
	json_decref(ev);
	return r;
}

/* The instanceIds of req, each an instance of id not over; all of them
 * (not over) when req names none and all is set.  NULL when one is not
 * (400 in out). */
static json_t *
pick_ids(const char *id, json_t *req, int all, struct reply *out)
{
	json_t *want = json_object_get(req, "instanceIds"), *x;
	json_t *ids = json_array(), *bad = json_array(), *ii;
	struct rec_instance fi;
	const char *iid;
	struct buf b = BUF_ZERO;
	size_t i;

	view_rdlock(hd.view);
	if (json_array_size(want)) {
		json_array_foreach(want, i, x) {
			ii = view_ls_instance(hd.view, id,
			    json_string_value(x));
			json_array_append(ii && rec_instance_read(ii, &fi) ==
			    0 && !inst_state_is_terminal(fi.state) ? ids : bad,
			    x);
		}
	} else if (all) {
		json_object_foreach(view_ls_instances(hd.view, id), iid, ii)
			if (rec_instance_read(ii, &fi) == 0 &&
			    !inst_state_is_terminal(fi.state))
				json_array_append_new(ids, json_string(iid));
	}
	view_unlock(hd.view);
	if (!json_array_size(bad)) {
		json_decref(bad);
		return ids;
	}
	json_array_foreach(bad, i, x)
		buf_addf(&b, "%s%s", i ? "," : "", json_string_value(x));
	reply_verr(out, "Local service %s does not have any instances with "
	    "the following ids: %s", id, b.s ? b.s : "");
	buf_free(&b);
	json_decref(bad);
	json_decref(ids);
	return NULL;
}

/* One WAITING step per instance id of ids; NULL on ENOMEM. */
static json_t *
ids_steps(const json_t *ids)
{
	json_t *steps = json_array(), *x;
	size_t i;

	json_array_foreach(ids, i, x)
		if (!steps || json_array_append_new(steps,
		    rec_step_new(&(struct rec_step){ json_string_value(x),
		    NULL, STEP_WAITING, 0 })) < 0) {
			json_decref(steps);
			return NULL;
		}
	return steps;
}

/* ADJUST_INSTANCES, RESTART, REPLACE_INSTANCES, STOP_INSTANCES, DESTROY:
 * the operation record (steps: one per instance to replace or stop). */
static int
op_record(const char *id, const char *fence, struct lcur *c,
    enum ls_op_type t, json_t *req, struct reply *out)
{
	struct rec_ls_op f;
	json_t *os, *ids = NULL, *steps = NULL, *op, *ev;
	long long now = js_now_ms();
	int r;

	memset(&f, 0, sizeof f);
	f.service_id = id;
	f.type = t;
	os = json_object_get(req, t == LSOP_RESTART ? "clusterOpSpec" :
	    "opSpec");
	opspec_parse(os, &f.timeout_ms, &f.parallelism, &f.strategy);
	f.stop_first = json_is_true(json_object_get(req, "stopFirst"));
	switch (t) {
	case LSOP_ADJUST_INSTANCES:
		f.state = LS_STATE_ADJUSTING_INSTANCES;
		break;
	case LSOP_DESTROY:
		f.state = LS_STATE_DESTROY_REQUESTED;
		break;
	case LSOP_STOP_INSTANCES:
		f.state = LS_STATE_STOPPING_INSTANCES;
		break;
	default:	/* RESTART, REPLACE_INSTANCES */
		f.state = LS_STATE_REPLACING_INSTANCES;
		break;
	}
	if ((t == LSOP_RESTART || t == LSOP_REPLACE_INSTANCES ||
	    t == LSOP_STOP_INSTANCES) && !(ids = pick_ids(id,
	    t == LSOP_RESTART ? NULL : req, t != LSOP_STOP_INSTANCES, out)))
		return -1;
	f.instance_ids = ids;
	f.created = f.updated = now;
	if (ids && !(steps = ids_steps(ids))) {
		json_decref(ids);
		reply_500(out, "out of memory");
		return -1;
	}
	f.steps = steps;
	op = rec_ls_op_new(&f);
	ev = rec_event_ls_state(id, c->fl.spec, c->fl.per_host, f.state, now);
	r = commit(id, fence, c, NULL, op, ev, out);
	if (r == 0)
		info("local service %s: %s requested (%zu instance%s)", id,
		    ls_op_type_name(t), json_array_size(ids),
		    json_array_size(ids) == 1 ? "" : "s");
	json_decref(ids);
	json_decref(steps);
	json_decref(op);
	json_decref(ev);
	return r;
}

static void
op_create(json_t *req, const char *fence, struct reply *out)
{
	json_t *spec = json_object_get(req, "spec"), *ni, *ev;
	char id[ZKP_MAX];
	long long n, now = js_now_ms();
	struct lcur c;

	n = js_int(req, "instancesPerHost", 1);
	memset(&c, 0, sizeof c);
	if (app_id_of(spec, id, sizeof id) < 0 ||
	    zkp_localservice(c.r.info_path, hd.ns, id) < 0 ||
	    zkp_ls_operation(c.r.op_path, hd.ns, id) < 0) {
		reply_verr(out, "Invalid local service id");
		return;
	}
	if (!opcur_absent(&c.r, "local service", "Local service", id, out))
		return;
	ni = rec_ls_new(&(struct rec_ls){ id, spec, n, LS_INACTIVE, now,
	    now, NULL });
	ev = rec_event_ls_state(id, spec, n, LS_STATE_INACTIVE, now);
	if (opcur_create(&c.r, &dirs, fence, ni, NULL, ev, "local service",
	    "Local service", id, out) < 0)
		goto out;
	info("local service %s created with %lld instances per host", id, n);
	reply_ok(out, json_pack("{s:s}", "serviceId", id));
out:
	json_decref(ni);
	json_decref(ev);
}

void
h_ls_operation(const struct req *r, struct reply *out)
{
	json_t *req, *errs;
	enum ls_op_type t;
	char fence[ZKP_MAX];
	const char *id;
	struct lcur c;
	int tries, rc;

	if (!(req = req_json(r, out)))
		return;
	/* the whole body first (lib/spec): type, ids, counts, opSpec,
	 * the spec of a CREATE */
	errs = json_array();
	if (reply_invalid(out, spec_validate_ls_op(req, &hd.sopts, errs),
	    errs) || !write_gate(fence, out)) {
		json_decref(req);
		return;
	}
	ls_op_type_of_api(js_str(req, "type", NULL), &t);
	if (t == LSOP_CREATE) {
		op_create(req, fence, out);
		json_decref(req);
		return;
	}
	id = js_str(req, "serviceId", "");
	for (tries = 0, rc = 1; rc == 1 && tries < WRITE_TRIES; tries++) {
		reply_clear(out);
		if ((rc = lcur_load(id, &c, out)) <= 0) {
			if (rc == 0)
				reply_verr(out, "Local service %s not found",
				    id);
			rc = -1;
			break;
		}
		if (!allowed(id, &c, t, out))
			rc = -1;
		else if (t == LSOP_ACTIVATE || t == LSOP_DEACTIVATE ||
		    t == LSOP_DEPLOY_TEST_INSTANCE ||
		    t == LSOP_UPDATE_INSTANCE_COUNT)
			rc = op_info(id, fence, &c, t, req, out);
		else
			rc = op_record(id, fence, &c, t, req, out);
		opcur_free(&c.r);
	}
	if (rc == 1)
		reply_500(out, "local service %s: the operation kept meeting "
		    "other writes; try again", id);
	json_decref(req);
}

/* opcur_cancel()'s reading of service id for a cancel: the operation is
 * marked cancelled (by version) and drove-monitor begins nothing more;
 * what is in flight finishes, then the operation ends (lastOperation
 * CANCELLED). */
static int
cancel_marked(const char *id, struct opcur *r, json_t **op,
    struct reply *out)
{
	struct lcur c;
	int rc;

	if ((rc = lcur_load(id, &c, out)) < 1)
		return rc;
	/* stops and destroys are not cancellable (as for apps) */
	if (!c.r.op || c.fo.type == LSOP_STOP_INSTANCES ||
	    c.fo.type == LSOP_DESTROY || c.fo.cancelled) {
		opcur_free(&c.r);
		return 0;
	}
	c.fo.cancelled = 1;
	c.fo.updated = js_now_ms();
	*op = rec_ls_op_new(&c.fo);
	*r = c.r;
	return 1;
}

/* --- reads (view read-locked) ----------------------------------------- */

/* Our "currentOperation" of a local service's operation record (as an
 * app's): what it is, how far it is and why it fails. */
static json_t *
current_op(const json_t *op)
{
	struct rec_ls_op f;
	json_t *o;

	if (rec_ls_op_read(op, &f) < 0)
		return NULL;
	o = json_pack("{s:s, s:s, s:b, s:i, s:s, s:b, s:I}",
	    "type", ls_op_type_name(f.type), "state", ls_state_name(f.state),
	    "stopFirst", f.stop_first, "parallelism", f.parallelism,
	    "failureStrategy", failure_strategy_name(f.strategy),
	    "cancelled", f.cancelled, "created", (json_int_t)f.created);
	return op_progress(o, json_array_size(f.steps) != 0, f.steps,
	    f.failure);
}

json_t *
ls_summary(const json_t *info)
{
	struct rec_ls f;
	const char *id, *iid;
	json_t *tags, *ii, *op, *sum, *cur;
	long long healthy = 0, active = 0;

	if (rec_ls_read(info, &f) < 0)
		return NULL;
	id = f.service_id;
	json_object_foreach(view_ls_instances(hd.view, id), iid, ii) {
		enum inst_state s = read_inst_state(ii);

		healthy += s == INST_HEALTHY;
		active += inst_state_is_active(s);
	}
	op = view_ls_operation(hd.view, id);
	tags = json_object_get(f.spec, "tags");
	sum = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:s, s:s, s:I, "
	    "s:I}", "id", id, "name", js_str(f.spec, "name", ""),
	    "instancesPerHost", (json_int_t)f.per_host,
	    "healthyInstances", (json_int_t)healthy,
	    "totalCPUs", (json_int_t)(spec_cpus(f.spec) * active),
	    "totalMemory", (json_int_t)(spec_memory_mb(f.spec) * active),
	    "tags", json_is_object(tags) ? json_incref(tags) : json_object(),
	    "state", ls_state_name(rec_ls_state(info, op)),
	    "activationState", ls_activation_name(f.activation),
	    "created", (json_int_t)f.created,
	    "updated", (json_int_t)f.updated);
	if (sum && op && (cur = current_op(op)))
		json_object_set_new(sum, "currentOperation", cur);
	if (sum && f.last_op)
		json_object_set_new(sum, "lastOperation",
		    json_deep_copy(f.last_op));
	return sum;
}

static json_t *
ls_or_fail(const char *id, struct reply *out)
{
	json_t *info = view_localservice(hd.view, id);

	if (!info)
		reply_unknown(out, NULL, "Local service %s not found", id);
	return info;
}

void
h_ls_list(const struct req *r, struct reply *out)
{
	long long from, size;
	json_t *map;

	if (read_page_args(r, &from, &size, out) < 0)
		return;
	view_rdlock(hd.view);
	map = read_page(view_localservices(hd.view), from, size, ls_summary);
	view_unlock(hd.view);
	reply_ok(out, map);
}

void
h_ls_one(const char *id, int spec, struct reply *out)
{
	json_t *info;

	view_rdlock(hd.view);
	if ((info = ls_or_fail(id, out)))
		reply_ok(out, spec ? spec_masked(json_object_get(info,
		    "spec")) : ls_summary(info));
	view_unlock(hd.view);
}

/* /instances (state filter: active ones without one) and
 * /instances/old (the ones over, newest first). */
void
h_ls_instances(const struct req *r, const char *id, int old,
    struct reply *out)
{
	int want[INST_STATE_COUNT];
	json_t *res;
	size_t k;

	if (old)
		for (k = 0; k < INST_STATE_COUNT; k++)
			want[k] = !inst_state_is_active((enum inst_state)k);
	else if (read_state_filter(r, want, out) < 0)
		return;
	view_rdlock(hd.view);
	res = read_instances_in(view_ls_instances(hd.view, id), want, old);
	view_unlock(hd.view);
	reply_ok(out, res);
}

void
h_ls_instance(const char *id, const char *iid, struct reply *out)
{
	view_rdlock(hd.view);
	reply_record(out, view_ls_instance(hd.view, id, iid),
	    "No such local service instance %s/%s", id, iid);
	view_unlock(hd.view);
}

/* What the ACTIVE services hold on every executor. */
void
h_reserved(struct reply *out)
{
	json_t *req = json_object(), *info;
	struct rec_ls f;
	const char *id;
	long long cpus = 0, mem = 0;

	view_rdlock(hd.view);
	json_object_foreach(view_localservices(hd.view), id, info)
		if (rec_ls_read(info, &f) == 0 && f.activation == LS_ACTIVE) {
			cpus += spec_cpus(f.spec) * f.per_host;
			mem += spec_memory_mb(f.spec) * f.per_host;
			json_object_set_new(req, id,
			    json_integer((json_int_t)f.per_host));
		}
	view_unlock(hd.view);
	reply_ok(out, json_pack("{s:I, s:I, s:o}", "cpus", (json_int_t)cpus,
	    "memory", (json_int_t)mem, "requiredInstances", req));
}

long long
ls_count(int active_only)
{
	json_t *info;
	struct rec_ls f;
	const char *id;
	long long n = 0;

	json_object_foreach(view_localservices(hd.view), id, info)
		if (!active_only || (rec_ls_read(info, &f) == 0 &&
		    f.activation == LS_ACTIVE))
			n++;
	return n;
}

json_t *
ls_executor_instances(const char *eid)
{
	json_t *res = json_array(), *a, *ii;
	const char *iid;

	json_object_foreach(view_assignments(hd.view, eid), iid, a) {
		const char *jt = js_str(a, "jobType", "");

		if (strcmp(jt, job_type_name(JOB_LOCAL_SERVICE)))
			continue;
		ii = view_ls_instance(hd.view, js_str(a, "serviceId", ""), iid);
		if (ii && !inst_state_is_terminal(read_inst_state(ii)))
			json_array_append(res, ii);
	}
	return res;
}

void
h_ls_cancel(const char *id, struct reply *out)
{
	opcur_cancel(cancel_marked, "local service", id, out);
}
