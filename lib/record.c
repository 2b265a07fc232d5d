#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ids.h"
#include "record.h"

#define TRANSPORT "HTTP"

static const char *
nz(const char *s)
{
	return s ? s : "";
}

/* A deep copy of v, or a new empty value of def's kind when v is NULL. */
static json_t *
dup_or(const json_t *v, json_t *def)
{
	if (!v)
		return def;
	json_decref(def);
	return json_deep_copy(v);
}

/* Member key as a string (required: NULL if absent or not a string). */
static const char *
str(const json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

static long long
num(const json_t *j, const char *key)
{
	return js_int(j, key, 0);
}

static int
invalid(void)
{
	errno = EINVAL;
	return -1;
}

/* Set key to v (stolen) unless v is NULL; -1 remembered in *bad. */
static void
put(json_t *o, const char *key, json_t *v, int *bad)
{
	if (!v || json_object_set_new(o, key, v) < 0)
		*bad = 1;
}

static json_t *
done(json_t *o, int bad)
{
	if (o && !bad)
		return o;
	json_decref(o);
	errno = ENOMEM;
	return NULL;
}

/* ApplicationInfo */

json_t *
rec_app_new(const struct rec_app *f)
{
	json_t *o = json_object();
	int bad = 0;

	put(o, "appId", json_string(nz(f->app_id)), &bad);
	put(o, "spec", dup_or(f->spec, json_object()), &bad);
	put(o, "instances", json_integer(f->instances), &bad);
	put(o, "created", json_integer(f->created), &bad);
	put(o, "updated", json_integer(f->updated), &bad);
	return done(o, bad);
}

int
rec_app_read(const json_t *j, struct rec_app *out)
{
	const json_t *spec = json_object_get(j, "spec");

	if (!str(j, "appId") || !json_is_object(spec) ||
	    !json_is_integer(json_object_get(j, "instances")))
		return invalid();
	out->app_id = str(j, "appId");
	out->spec = spec;
	out->instances = num(j, "instances");
	out->created = num(j, "created");
	out->updated = num(j, "updated");
	return 0;
}

/* Placement request */

json_t *
rec_request_new(const struct rec_request *f)
{
	json_t *o = json_object();
	int bad = 0;

	put(o, "appId", json_string(nz(f->app_id)), &bad);
	put(o, "instanceId", json_string(nz(f->instance_id)), &bad);
	put(o, "created", json_integer(f->created), &bad);
	if (f->error)
		put(o, "error", json_string(f->error), &bad);
	return done(o, bad);
}

int
rec_request_read(const json_t *j, struct rec_request *out)
{
	if (!str(j, "appId"))
		return invalid();
	out->app_id = str(j, "appId");
	out->instance_id = nz(str(j, "instanceId"));
	out->created = num(j, "created");
	out->error = str(j, "error");
	return 0;
}

json_t *
rec_request_with_error(const json_t *j, const char *error)
{
	json_t *o;
	int bad = 0;

	if (!json_is_object(j)) {
		errno = EINVAL;
		return NULL;
	}
	if (!(o = json_deep_copy(j)))
		return done(NULL, 1);
	if (error)
		put(o, "error", json_string(error), &bad);
	else
		json_object_del(o, "error");
	return done(o, bad);
}

/* Assignment */

/* The ApplicationInstanceSpec member dkey from spec's skey, or def. */
static void
map(json_t *o, const char *dkey, const json_t *spec, const char *skey,
    json_t *def, int *bad)
{
	const json_t *v = json_object_get(spec, skey);

	if (v && !json_is_null(v))
		put(o, dkey, dup_or(v, def), bad);
	else if (def)
		put(o, dkey, def, bad);
}

json_t *
rec_assignment_new(const struct rec_assignment *f, const json_t *spec)
{
	json_t *o = json_object();
	int bad = 0;

	int ls = f->job == JOB_LOCAL_SERVICE;

	put(o, ls ? "serviceId" : "appId", json_string(nz(f->app_id)), &bad);
	put(o, ls ? "serviceName" : "appName", json_string(f->app_name ?
	    f->app_name : js_str(spec, "name", "")), &bad);
	put(o, "instanceId", json_string(nz(f->instance_id)), &bad);
	if (ls) {
		put(o, "jobType", json_string(job_type_name(JOB_LOCAL_SERVICE)),
		    &bad);
		put(o, "hostLevelInstance", json_boolean(json_is_true(
		    json_object_get(json_object_get(spec, "placementPolicy"),
		    "hostLevel"))), &bad);
	}
	map(o, "executable", spec, "executable", NULL, &bad);
	put(o, "resources", dup_or(f->resources, json_array()), &bad);
	map(o, "ports", spec, "exposedPorts", json_array(), &bad);
	map(o, "volumes", spec, "volumes", json_array(), &bad);
	map(o, "configs", spec, "configs", json_array(), &bad);
	map(o, "healthcheck", spec, "healthcheck", NULL, &bad);
	map(o, "readiness", spec, "readiness", NULL, &bad);
	map(o, "loggingSpec", spec, "logging", json_pack("{s:s, s:s, s:i, "
	    "s:b}", "type", "LOCAL", "maxSize", "10m", "maxFiles", 3,
	    "compress", 1), &bad);
	map(o, "env", spec, "env", json_object(), &bad);
	map(o, "args", spec, "args", json_array(), &bad);
	map(o, "devices", spec, "devices", json_array(), &bad);
	map(o, "preShutdown", spec, "preShutdown", json_pack("{s:[], s:s}",
	    "hooks", "waitBeforeKill", "0 seconds"), &bad);
	map(o, "userSpec", spec, "userSpec", NULL, &bad);
	if (f->auth_token)
		put(o, "instanceAuthToken", json_string(f->auth_token), &bad);
	put(o, "targetState", json_string(nz(target_state_name(f->target))),
	    &bad);
	put(o, "executorId", json_string(nz(f->executor_id)), &bad);
	put(o, "created", json_integer(f->created), &bad);
	return done(o, bad);
}

int
rec_assignment_read(const json_t *j, struct rec_assignment *out)
{
	const char *t, *jt = str(j, "jobType");
	enum job_type job = JOB_SERVICE;

	if ((jt && job_type_parse(jt, &job) < 0) || !str(j, "instanceId"))
		return invalid();
	switch (job) {
	case JOB_COMPUTATION:
		if (!str(j, "sourceAppName") || !str(j, "taskId"))
			return invalid();
		out->app_id = str(j, "sourceAppName");
		out->app_name = out->app_id;
		out->task_id = str(j, "taskId");
		break;
	case JOB_LOCAL_SERVICE:
		if (!str(j, "serviceId"))
			return invalid();
		out->app_id = str(j, "serviceId");
		out->app_name = nz(str(j, "serviceName"));
		out->task_id = "";
		break;
	default:
		if (!str(j, "appId"))
			return invalid();
		out->app_id = str(j, "appId");
		out->app_name = nz(str(j, "appName"));
		out->task_id = "";
		break;
	}
	out->job = job;
	out->instance_id = str(j, "instanceId");
	out->executor_id = nz(str(j, "executorId"));
	/* Drove's ApplicationInstanceSpec has no targetState: run it. */
	t = str(j, "targetState");
	out->target = !t || !strcmp(t, target_state_name(TARGET_RUNNING)) ?
	    TARGET_RUNNING : TARGET_STOPPED;
	out->resources = json_object_get(j, "resources");
	out->created = num(j, "created");
	out->auth_token = str(j, "instanceAuthToken");
	return 0;
}

int
rec_assignment_info_path(char *out, const char *ns,
    const struct rec_assignment *a)
{
	switch (a->job) {
	case JOB_COMPUTATION:
		return zkp_task(out, ns, a->app_id, a->task_id);
	case JOB_LOCAL_SERVICE:
		return zkp_ls_instance(out, ns, a->app_id, a->instance_id);
	default:
		return zkp_instance(out, ns, a->app_id, a->instance_id);
	}
}

json_t *
rec_assignment_stopped(const json_t *j)
{
	json_t *o;
	int bad = 0;

	if (!json_is_object(j)) {
		errno = EINVAL;
		return NULL;
	}
	if (!(o = json_deep_copy(j)))
		return done(NULL, 1);
	put(o, "targetState", json_string(target_state_name(TARGET_STOPPED)),
	    &bad);
	return done(o, bad);
}

/* InstanceInfo */

json_t *
rec_instance_new(const struct rec_instance *f)
{
	json_t *o = json_object(), *li = json_object();
	int bad = 0;

	int ls = f->job == JOB_LOCAL_SERVICE;

	put(o, ls ? "serviceId" : "appId", json_string(nz(f->app_id)), &bad);
	put(o, ls ? "serviceName" : "appName", json_string(nz(f->app_name)),
	    &bad);
	put(o, "instanceId", json_string(nz(f->instance_id)), &bad);
	put(o, "executorId", json_string(nz(f->executor_id)), &bad);
	if (li) {
		put(li, "hostname", json_string(nz(f->hostname)), &bad);
		put(li, "ports", dup_or(f->ports, json_object()), &bad);
	}
	put(o, "localInfo", li, &bad);
	put(o, "resources", dup_or(f->resources, json_array()), &bad);
	put(o, "state", json_string(nz(inst_state_name(f->state))), &bad);
	put(o, "metadata", dup_or(f->metadata, json_object()), &bad);
	put(o, "errorMessage", json_string(nz(f->error)), &bad);
	put(o, "created", json_integer(f->created), &bad);
	put(o, "updated", json_integer(f->updated), &bad);
	return done(o, bad);
}

int
rec_instance_read(const json_t *j, struct rec_instance *out)
{
	const json_t *li = json_object_get(j, "localInfo");
	int ls = !str(j, "appId") && str(j, "serviceId");

	if ((!ls && !str(j, "appId")) || !str(j, "instanceId"))
		return invalid();
	out->job = ls ? JOB_LOCAL_SERVICE : JOB_SERVICE;
	out->app_id = str(j, ls ? "serviceId" : "appId");
	out->app_name = nz(str(j, ls ? "serviceName" : "appName"));
	out->instance_id = str(j, "instanceId");
	out->executor_id = nz(str(j, "executorId"));
	out->hostname = nz(str(li, "hostname"));
	out->ports = json_object_get(li, "ports");
	out->resources = json_object_get(j, "resources");
	if (inst_state_parse(str(j, "state"), &out->state) < 0)
		out->state = INST_UNKNOWN;
	out->metadata = json_object_get(j, "metadata");
	out->error = nz(str(j, "errorMessage"));
	out->created = num(j, "created");
	out->updated = num(j, "updated");
	return 0;
}

json_t *
rec_instance_with_state(const json_t *j, enum inst_state s,
    const char *error, long long updated)
{
	struct rec_instance ri;
	json_t *o;
	int bad = 0;

	if (rec_instance_read(j, &ri) < 0 || !inst_state_name(s)) {
		errno = EINVAL;
		return NULL;
	}
	if (!(o = json_deep_copy(j)))
		return done(NULL, 1);
	put(o, "state", json_string(inst_state_name(s)), &bad);
	if (error)
		put(o, "errorMessage", json_string(error), &bad);
	put(o, "updated", json_integer(updated), &bad);
	return done(o, bad);
}

/* ExecutorNodeData */

static json_t *
tags_with(const char *hostname, const json_t *tags)
{
	json_t *o = json_array(), *t;
	size_t i;

	if (!o || json_array_append_new(o, json_string(hostname)) < 0)
		goto oom;
	json_array_foreach(tags, i, t) {
		if (!json_is_string(t) || !strcmp(json_string_value(t),
		    hostname))
			continue;
		if (json_array_append_new(o, json_deep_copy(t)) < 0)
			goto oom;
	}
	return o;
oom:
	json_decref(o);
	return NULL;
}

json_t *
rec_executor_new(const struct rec_executor *f)
{
	json_t *o = json_object(), *st = json_object();
	int bad = 0;

	put(o, "type", json_string(node_type_name(NODE_EXECUTOR)), &bad);
	put(o, "hostname", json_string(nz(f->hostname)), &bad);
	put(o, "port", json_integer(f->port), &bad);
	put(o, "transportType", json_string(TRANSPORT), &bad);
	put(o, "updated", json_integer(f->updated), &bad);
	if (st) {
		put(st, "executorId", json_string(nz(f->executor_id)), &bad);
		put(st, "layout", dup_or(f->layout, json_pack("{s:{}, s:{}}",
		    "cores", "memory")), &bad);
	}
	put(o, "state", st, &bad);
	put(o, "tags", tags_with(nz(f->hostname), f->tags), &bad);
	put(o, "metadata", dup_or(f->metadata, json_object()), &bad);
	put(o, "executorState", json_string(nz(executor_state_name(
	    f->state))), &bad);
	return done(o, bad);
}

int
rec_executor_read(const json_t *j, struct rec_executor *out)
{
	const json_t *st = json_object_get(j, "state");
	enum executor_state es;

	if (!str(j, "hostname") || !str(st, "executorId") ||
	    executor_state_parse(str(j, "executorState"), &es) < 0)
		return invalid();
	out->executor_id = str(st, "executorId");
	out->hostname = str(j, "hostname");
	out->port = (int)num(j, "port");
	out->updated = num(j, "updated");
	out->layout = json_object_get(st, "layout");
	out->tags = json_object_get(j, "tags");
	out->metadata = json_object_get(j, "metadata");
	out->state = es;
	return 0;
}

/* ClusterStateData */

json_t *
rec_cluster_new(const struct rec_cluster *f)
{
	json_t *o = json_object();
	int bad = 0;

	put(o, "state", json_string(nz(cluster_state_name(f->state))), &bad);
	put(o, "updated", json_integer(f->updated), &bad);
	return done(o, bad);
}

int
rec_cluster_read(const json_t *j, struct rec_cluster *out)
{
	enum cluster_state s;

	if (cluster_state_parse(str(j, "state"), &s) < 0)
		return invalid();
	out->state = s;
	out->updated = num(j, "updated");
	return 0;
}

long long
cluster_window_end(const json_t *csd)
{
	struct rec_cluster f;

	if (!csd || rec_cluster_read(csd, &f) < 0)
		return 0;
	if (f.state == CLUSTER_MAINTENANCE)
		return LLONG_MAX;
	return f.updated + CLUSTER_WINDOW_MS;
}

int
cluster_in_window(const json_t *csd, long long now_ms)
{
	return now_ms < cluster_window_end(csd);
}

/* Election znode data */

json_t *
rec_leader_new(const struct rec_leader *f)
{
	json_t *o = json_object();
	int bad = 0;

	put(o, "hostname", json_string(nz(f->hostname)), &bad);
	put(o, "port", json_integer(f->port), &bad);
	return done(o, bad);
}

int
rec_leader_read(const json_t *j, struct rec_leader *out)
{
	const json_t *p = json_object_get(j, "port");
	const char *s;
	char *end;
	long v = 0;

	if (!str(j, "hostname"))
		return invalid();
	if (json_is_integer(p))
		v = (long)json_integer_value(p);
	else if ((s = json_string_value(p))) {
		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || end == s || *end)
			return invalid();
	} else if (p)
		return invalid();
	if (v < 0 || v > 65535)
		return invalid();
	out->hostname = str(j, "hostname");
	out->port = (int)v;
	return 0;
}

/* Operation in progress */

json_t *
rec_operation_new(const struct rec_operation *f)
{
	json_t *o = json_object();
	int bad = 0;

	put(o, "appId", json_string(nz(f->app_id)), &bad);
	put(o, "type", json_string(nz(op_type_name(f->type))), &bad);
	put(o, "requested", json_string(nz(op_type_name(f->requested))),
	    &bad);
	put(o, "state", json_string(nz(app_state_name(f->state))), &bad);
	put(o, "opSpec", json_pack("{s:I,s:i,s:s}", "timeout",
	    (json_int_t)f->timeout_ms, "parallelism", f->parallelism,
	    "failureStrategy", nz(failure_strategy_name(f->strategy))), &bad);
	put(o, "requiredInstances", json_integer(f->required), &bad);
	put(o, "previousInstances", json_integer(f->previous), &bad);
	put(o, "skipRespawn", json_boolean(f->skip_respawn), &bad);
	put(o, "stopFirst", json_boolean(f->stop_first), &bad);
	put(o, "cancelled", json_boolean(f->cancelled), &bad);
	put(o, "steps", dup_or(f->steps, json_array()), &bad);
	put(o, "started", dup_or(f->started, json_array()), &bad);
	if (f->failure)
		put(o, "failure", json_string(f->failure), &bad);
	put(o, "created", json_integer(f->created), &bad);
	put(o, "updated", json_integer(f->updated), &bad);
	return done(o, bad);
}

int
rec_operation_read(const json_t *j, struct rec_operation *out)
{
	const json_t *os = json_object_get(j, "opSpec");
	struct rec_operation f;

	memset(&f, 0, sizeof f);
	if (!str(j, "appId") || op_type_parse(str(j, "type"), &f.type) < 0 ||
	    app_state_parse(str(j, "state"), &f.state) < 0)
		return invalid();
	if (op_type_parse(str(j, "requested"), &f.requested) < 0)
		f.requested = f.type;
	if (failure_strategy_parse(str(os, "failureStrategy"),
	    &f.strategy) < 0)
		f.strategy = FAIL_STOP;
	f.app_id = str(j, "appId");
	f.timeout_ms = num(os, "timeout");
	f.parallelism = (int)num(os, "parallelism");
	if (f.parallelism < 1)
		f.parallelism = 1;
	f.required = num(j, "requiredInstances");
	f.previous = num(j, "previousInstances");
	f.skip_respawn = json_is_true(json_object_get(j, "skipRespawn"));
	f.stop_first = json_is_true(json_object_get(j, "stopFirst"));
	f.cancelled = json_is_true(json_object_get(j, "cancelled"));
	f.steps = json_object_get(j, "steps");
	if (!json_is_array(f.steps))
		f.steps = NULL;
	f.started = json_object_get(j, "started");
	if (!json_is_array(f.started))
		f.started = NULL;
	f.failure = str(j, "failure");
	f.created = num(j, "created");
	f.updated = num(j, "updated");
	*out = f;
	return 0;
}

enum app_state
rec_app_state(const json_t *info, const json_t *op)
{
	struct rec_operation o;
	struct rec_app a;

	if (op && rec_operation_read(op, &o) == 0)
		return o.state;
	return rec_app_read(info, &a) == 0 && a.instances > 0 ? APP_RUNNING :
	    APP_MONITORING;
}

json_t *
rec_step_new(const struct rec_step *f)
{
	json_t *o = json_object();
	int bad = 0;

	if (f->old_id)
		put(o, "old", json_string(f->old_id), &bad);
	if (f->new_id)
		put(o, "new", json_string(f->new_id), &bad);
	put(o, "state", json_string(nz(step_state_name(f->state))), &bad);
	put(o, "since", json_integer(f->since), &bad);
	return done(o, bad);
}

int
rec_step_read(const json_t *j, struct rec_step *out)
{
	enum step_state s;

	if (!json_is_object(j) || step_state_parse(str(j, "state"), &s) < 0)
		return invalid();
	out->old_id = str(j, "old");
	out->new_id = str(j, "new");
	out->state = s;
	out->since = num(j, "since");
	return 0;
}

/* DroveEvent */

json_t *
rec_event_new(const struct rec_event *f)
{
	json_t *o = json_object();
	char id[IDS_UUID_LEN];
	int bad = 0;

	if (!f->id && ids_uuid4(id) < 0)
		id[0] = '\0';
	put(o, "type", json_string(nz(f->type)), &bad);
	put(o, "id", json_string(f->id ? f->id : id), &bad);
	put(o, "time", json_integer(f->time), &bad);
	put(o, "metadata", dup_or(f->metadata, json_object()), &bad);
	return done(o, bad);
}

int
rec_event_read(const json_t *j, struct rec_event *out)
{
	const json_t *m = json_object_get(j, "metadata");

	if (!str(j, "type") || !json_is_integer(json_object_get(j, "time")))
		return invalid();
	out->type = str(j, "type");
	out->id = nz(str(j, "id"));
	out->time = num(j, "time");
	out->metadata = json_is_object(m) ? m : NULL;
	return 0;
}

/* One "name:port:type" of Drove's PORTS tag, type in lower case. */
static void
port_tag(struct buf *b, const char *name, long long port, const char *type)
{
	buf_addf(b, "%s%s:%lld:", b->len ? "," : "", name, port);
	for (; *type; type++)
		buf_addf(b, "%c", *type >= 'A' && *type <= 'Z' ?
		    *type - 'A' + 'a' : *type);
}

/* Drove's PORTS tag of a spec's exposedPorts (array: name, port, type)
 * or of an InstanceInfo's ports (object: name -> hostPort, portType). */
static json_t *
ports_tag(json_t *ports)
{
	struct buf b = BUF_ZERO;
	const json_t *p;
	const char *name;
	json_t *s;
	size_t i;

	if (json_is_array(ports))
		json_array_foreach(ports, i, p)
			port_tag(&b, nz(str(p, "name")), num(p, "port"),
			    nz(str(p, "type")));
	else if (json_is_object(ports))
		json_object_foreach(ports, name, p)
			port_tag(&b, name, num(p, "hostPort"),
			    nz(str(p, "portType")));
	s = json_string(b.s ? b.s : "");
	buf_free(&b);
	return s;
}

json_t *
rec_event_app_state(const char *app_id, const json_t *spec,
    long long instances, enum app_state s, long long now)
{
	json_t *m = json_object(), *ev;
	const char *vhost = str(json_object_get(spec, "exposureSpec"),
	    "vhost");
	const char *pp = str(json_object_get(spec, "placementPolicy"), "type");
	int bad = 0;

	put(m, "APP_ID", json_string(nz(app_id)), &bad);
	put(m, "APP_NAME", json_string(nz(str(spec, "name"))), &bad);
	put(m, "APP_VERSION", json_string(nz(str(spec, "version"))), &bad);
	put(m, "EXECUTABLE", json_string(nz(str(json_object_get(spec,
	    "executable"), "url"))), &bad);
	put(m, "CPU_COUNT", json_integer(spec_cpus(spec)), &bad);
	put(m, "MEMORY", json_integer(spec_memory_mb(spec)), &bad);
	put(m, "PLACEMENT_POLICY", json_string(pp ? pp : "ANY"), &bad);
	put(m, "PORTS", ports_tag(json_object_get(spec, "exposedPorts")), &bad);
	if (vhost)
		put(m, "VHOST", json_string(vhost), &bad);
	put(m, "CURRENT_INSTANCES", json_integer(instances), &bad);
	put(m, "CURRENT_STATE", json_string(nz(app_state_name(s))), &bad);
	if (bad) {
		json_decref(m);
		errno = ENOMEM;
		return NULL;
	}
	ev = rec_event_new(&(struct rec_event){ "APP_STATE_CHANGE", NULL, now,
	    m });
	json_decref(m);
	return ev;
}

json_t *
rec_event_instance_state(const json_t *ii, long long now)
{
	struct rec_instance f;
	json_t *m, *ev;
	int bad = 0, ls;

	if (rec_instance_read(ii, &f) < 0)
		return NULL;
	ls = f.job == JOB_LOCAL_SERVICE;
	m = json_object();
	put(m, ls ? "SERVICE_ID" : "APP_ID", json_string(f.app_id), &bad);
	put(m, "INSTANCE_ID", json_string(f.instance_id), &bad);
	put(m, ls ? "SERVICE_NAME" : "APP_NAME", json_string(nz(f.app_name)),
	    &bad);
	put(m, "EXECUTOR_ID", json_string(nz(f.executor_id)), &bad);
	put(m, "EXECUTOR_HOST", json_string(nz(f.hostname)), &bad);
	put(m, "PORTS", ports_tag(json_object_get(json_object_get(ii, "localInfo"),
	    "ports")), &bad);
	put(m, "CURRENT_STATE", json_string(nz(inst_state_name(f.state))),
	    &bad);
	put(m, "ERROR", json_string(nz(f.error)), &bad);
	put(m, "CREATED", json_integer(f.created), &bad);
	if (bad) {
		json_decref(m);
		errno = ENOMEM;
		return NULL;
	}
	ev = rec_event_new(&(struct rec_event){ ls ?
	    "LOCAL_SERVICE_INSTANCE_STATE_CHANGE" : "INSTANCE_STATE_CHANGE",
	    NULL, now, m });
	json_decref(m);
	return ev;
}

/* Removed executor */

json_t *
rec_removed_new(const struct rec_removed *f)
{
	json_t *o = json_object();
	int bad = 0;

	put(o, "executorId", json_string(nz(f->executor_id)), &bad);
	put(o, "hostname", json_string(nz(f->hostname)), &bad);
	put(o, "port", json_integer(f->port), &bad);
	put(o, "removed", json_integer(f->removed), &bad);
	put(o, "instances", dup_or(f->instances, json_array()), &bad);
	if (f->node)
		put(o, "node", json_deep_copy(f->node), &bad);
	return done(o, bad);
}

int
rec_removed_read(const json_t *j, struct rec_removed *out)
{
	const json_t *a = json_object_get(j, "instances");
	const json_t *n = json_object_get(j, "node");

	if (!str(j, "executorId"))
		return invalid();
	out->executor_id = str(j, "executorId");
	out->hostname = nz(str(j, "hostname"));
	out->port = (int)num(j, "port");
	out->removed = num(j, "removed");
	out->instances = json_is_array(a) ? a : NULL;
	out->node = json_is_object(n) ? n : NULL;
	return 0;
}

json_t *
rec_event_executor(const char *type, const char *executor_id,
    const char *hostname, int port, long long now)
{
	json_t *m = json_object(), *ev;
	int bad = 0;

	put(m, "EXECUTOR_ID", json_string(nz(executor_id)), &bad);
	if (hostname) {
		put(m, "HOSTNAME", json_string(hostname), &bad);
		put(m, "PORT", json_integer(port), &bad);
	}
	if (bad) {
		json_decref(m);
		errno = ENOMEM;
		return NULL;
	}
	ev = rec_event_new(&(struct rec_event){ type, NULL, now, m });
	json_decref(m);
	return ev;
}

/* Blacklisted executor */

json_t *
rec_blacklist_new(const struct rec_blacklist *f)
{
	json_t *o = json_object();
	int bad = 0;

	put(o, "executorId", json_string(nz(f->executor_id)), &bad);
	put(o, "state", json_string(nz(executor_state_name(f->state))), &bad);
	put(o, "updated", json_integer(f->updated), &bad);
	return done(o, bad);
}

int
rec_blacklist_read(const json_t *j, struct rec_blacklist *out)
{
	enum executor_state s;

	if (!str(j, "executorId") || executor_state_parse(str(j, "state"),
	    &s) < 0)
		return invalid();
	out->executor_id = str(j, "executorId");
	out->state = s;
	out->updated = num(j, "updated");
	return 0;
}

json_t *
rec_executor_effective(const json_t *node, const json_t *bl)
{
	struct rec_blacklist f;
	json_t *c;

	if (!bl || rec_blacklist_read(bl, &f) < 0)
		return json_incref((json_t *)(uintptr_t)node);
	if (!(c = json_deep_copy(node)) || json_object_set_new(c,
	    "executorState", json_string(executor_state_name(f.state))) < 0) {
		json_decref(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}
