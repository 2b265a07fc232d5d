/*
 * record_ls.c: the records of local services (record.h, last section):
 * LocalServiceInfo, the service's operation in progress, the placement
 * request of one of its instances and LOCAL_SERVICE_STATE_CHANGE.
 */
#include <errno.h>
#include <string.h>

#include "record.h"

static const char *
nz(const char *s)
{
	return s ? s : "";
}

static int
invalid(void)
{
	errno = EINVAL;
	return -1;
}

static json_t *
nomem(json_t *o)
{
	json_decref(o);
	errno = ENOMEM;
	return NULL;
}

/* LocalServiceInfo */

json_t *
rec_ls_new(const struct rec_ls *f)
{
	json_t *o;

	o = json_pack("{s:s, s:o, s:I, s:s, s:I, s:I}",
	    "serviceId", nz(f->service_id),
	    "spec", f->spec ? json_deep_copy(f->spec) : json_object(),
	    "instancesPerHost", (json_int_t)f->per_host,
	    "activationState", nz(ls_activation_name(f->activation)),
	    "created", (json_int_t)f->created,
	    "updated", (json_int_t)f->updated);
	if (o && f->last_op && json_object_set_new(o, "lastOperation",
	    json_deep_copy(f->last_op)) < 0)
		return nomem(o);
	return o ? o : nomem(NULL);
}

json_t *
rec_ls_last_op_new(enum ls_op_type t, const char *result,
    const char *failure, long long ended)
{
	json_t *o;

	o = json_pack("{s:s, s:s, s:I}", "type", nz(ls_op_type_name(t)),
	    "result", nz(result), "ended", (json_int_t)ended);
	if (o && failure && json_object_set_new(o, "failure",
	    json_string(failure)) < 0)
		return nomem(o);
	return o ? o : nomem(NULL);
}

int
rec_ls_read(const json_t *j, struct rec_ls *out)
{
	const char *id = js_str(j, "serviceId", NULL);
	const json_t *spec = json_object_get(j, "spec");
	enum ls_activation a;

	if (!id || !json_is_object(spec) ||
	    !json_is_integer(json_object_get(j, "instancesPerHost")) ||
	    ls_activation_parse(js_str(j, "activationState", NULL), &a) < 0)
		return invalid();
	out->service_id = id;
	out->spec = spec;
	out->per_host = js_int(j, "instancesPerHost", 0);
	out->activation = a;
	out->created = js_int(j, "created", 0);
	out->updated = js_int(j, "updated", 0);
	out->last_op = json_is_object(json_object_get(j, "lastOperation")) ?
	    json_object_get(j, "lastOperation") : NULL;
	return 0;
}

/* The operation in progress */

json_t *
rec_ls_op_new(const struct rec_ls_op *f)
{
	json_t *o;

	o = json_pack("{s:s, s:s, s:s, s:b, s:o, s:{s:I, s:i, s:s}, s:b, "
	    "s:I, s:I}",
	    "serviceId", nz(f->service_id),
	    "type", nz(ls_op_type_name(f->type)),
	    "state", nz(ls_state_name(f->state)),
	    "stopFirst", f->stop_first,
	    "instanceIds", f->instance_ids ? json_deep_copy(f->instance_ids) :
	    json_array(),
	    "opSpec", "timeout", (json_int_t)f->timeout_ms,
	    "parallelism", f->parallelism,
	    "failureStrategy", nz(failure_strategy_name(f->strategy)),
	    "cancelled", f->cancelled,
	    "created", (json_int_t)f->created,
	    "updated", (json_int_t)f->updated);
	if (o && json_object_set_new(o, "steps", f->steps ?
	    json_deep_copy(f->steps) : json_array()) < 0)
		return nomem(o);
	if (o && f->failure && json_object_set_new(o, "failure",
	    json_string(f->failure)) < 0)
		return nomem(o);
	return o ? o : nomem(NULL);
}

int
rec_ls_op_read(const json_t *j, struct rec_ls_op *out)
{
	const char *id = js_str(j, "serviceId", NULL);
	const json_t *os = json_object_get(j, "opSpec");
	const json_t *ids = json_object_get(j, "instanceIds");
	const json_t *steps = json_object_get(j, "steps");
	enum ls_op_type t;
	enum ls_state s;
	enum failure_strategy fs;

	if (!id || ls_op_type_parse(js_str(j, "type", NULL), &t) < 0 ||
	    ls_state_parse(js_str(j, "state", NULL), &s) < 0)
		return invalid();
	if (failure_strategy_parse(js_str(os, "failureStrategy", NULL),
	    &fs) < 0)
		fs = FAIL_STOP;
	out->service_id = id;
	out->type = t;
	out->state = s;
	out->stop_first = json_is_true(json_object_get(j, "stopFirst"));
	out->cancelled = json_is_true(json_object_get(j, "cancelled"));
	out->instance_ids = json_is_array(ids) ? ids : NULL;
	out->timeout_ms = js_int(os, "timeout", 0);
	out->parallelism = (int)js_int(os, "parallelism", 1);
	out->strategy = fs;
	out->created = js_int(j, "created", 0);
	out->updated = js_int(j, "updated", 0);
	out->steps = json_is_array(steps) ? steps : NULL;
	out->failure = js_str(j, "failure", NULL);
	return 0;
}

int
rec_ls_op_has(const struct rec_ls_op *op, const char *iid)
{
	const json_t *x;
	size_t i;

	json_array_foreach(op->instance_ids, i, x)
		if (json_is_string(x) && !strcmp(json_string_value(x), iid))
			return 1;
	return 0;
}

enum ls_state
rec_ls_state(const json_t *info, const json_t *op)
{
	struct rec_ls f;
	struct rec_ls_op fo;

	if (!info || rec_ls_read(info, &f) < 0)
		return LS_STATE_DESTROYED;
	if (op && rec_ls_op_read(op, &fo) == 0)
		return fo.state;
	return ls_state_of_activation(f.activation);
}

/* Placement request */

json_t *
rec_ls_request_new(const struct rec_ls_request *f)
{
	json_t *o;

	o = json_pack("{s:s, s:s, s:s, s:s, s:I}",
	    "jobType", job_type_name(JOB_LOCAL_SERVICE),
	    "serviceId", nz(f->service_id),
	    "instanceId", nz(f->instance_id),
	    "executorId", nz(f->executor_id),
	    "created", (json_int_t)f->created);
	if (o && f->error && json_object_set_new(o, "error",
	    json_string(f->error)) < 0)
		return nomem(o);
	return o ? o : nomem(NULL);
}

int
rec_ls_request_read(const json_t *j, struct rec_ls_request *out)
{
	const char *jt = js_str(j, "jobType", NULL);
	const char *id = js_str(j, "serviceId", NULL);
	const char *eid = js_str(j, "executorId", NULL);

	if (!jt || strcmp(jt, job_type_name(JOB_LOCAL_SERVICE)) || !id ||
	    !eid)
		return invalid();
	out->service_id = id;
	out->instance_id = js_str(j, "instanceId", "");
	out->executor_id = eid;
	out->created = js_int(j, "created", 0);
	out->error = js_str(j, "error", NULL);
	return 0;
}

/* LOCAL_SERVICE_STATE_CHANGE: APP_STATE_CHANGE's metadata (one builder of
 * EXECUTABLE, CPU_COUNT, MEMORY, PLACEMENT_POLICY, PORTS) under the local
 * service's names. */
json_t *
rec_event_ls_state(const char *service_id, const json_t *spec,
    long long per_host, enum ls_state s, long long now)
{
	static const char *const renames[][2] = {
		{ "APP_ID", "LOCAL_SERVICE_ID" },
		{ "APP_NAME", "LOCAL_SERVICE_NAME" },
		{ "APP_VERSION", "LOCAL_SERVICE_VERSION" },
		{ "CURRENT_INSTANCES", "CURRENT_INSTANCES_PER_HOST" },
	};
	json_t *ev, *m, *x;
	size_t i;

	if (!(ev = rec_event_app_state(service_id, spec, per_host,
	    APP_RUNNING, now)))
		return NULL;
	m = json_object_get(ev, "metadata");
	for (i = 0; i < sizeof renames / sizeof renames[0]; i++) {
		if (!(x = json_object_get(m, renames[i][0])))
			continue;
		if (json_object_set(m, renames[i][1], x) < 0)
			return nomem(ev);
		json_object_del(m, renames[i][0]);
	}
	json_object_del(m, "VHOST");
	if (json_object_set_new(m, "CURRENT_STATE",
	    json_string(nz(ls_state_name(s)))) < 0 ||
	    json_object_set_new(ev, "type",
	    json_string("LOCAL_SERVICE_STATE_CHANGE")) < 0)
		return nomem(ev);
	return ev;
}
