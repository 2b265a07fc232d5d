/*
 * record_task.c: the task records of lib/record (record.h, "Tasks"):
 * TaskInfo, the task's placement request, its assignment and its
 * TASK_STATE_CHANGE event.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "record.h"

#define JOB "COMPUTATION"

static const char *
s_or(const char *s)
{
	return s ? s : "";
}

static const char *
get_s(const json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

/* A deep copy of v, or def (stolen) when v is NULL or null. */
static json_t *
copy_or(const json_t *v, json_t *def)
{
	if (!v || json_is_null(v))
		return def;
	json_decref(def);
	return json_deep_copy(v);
}

/* Set key to v (stolen); a NULL v or a failure marks *bad. */
static void
set(json_t *o, const char *key, json_t *v, int *bad)
{
	if (!o || !v || json_object_set_new(o, key, v) < 0)
		*bad = 1;
}

static json_t *
finish(json_t *o, int bad)
{
	if (o && !bad)
		return o;
	json_decref(o);
	errno = ENOMEM;
	return NULL;
}

static json_t *
result_new(const struct rec_task_result *r)
{
	return json_pack("{s:s, s:I}", "status",
	    s_or(task_result_name(r->status)), "exitCode",
	    (json_int_t)r->exit_code);
}

/* TaskInfo */

json_t *
rec_task_new(const struct rec_task *f)
{
	json_t *o = json_object();
	int bad = 0;

	set(o, "sourceAppName", json_string(s_or(f->source_app)), &bad);
	set(o, "taskId", json_string(s_or(f->task_id)), &bad);
	set(o, "instanceId", json_string(s_or(f->instance_id)), &bad);
	set(o, "executorId", json_string(s_or(f->executor_id)), &bad);
	set(o, "hostname", json_string(s_or(f->hostname)), &bad);
	set(o, "executable", copy_or(f->executable, json_object()), &bad);
	set(o, "resources", copy_or(f->resources, json_array()), &bad);
	set(o, "volumes", copy_or(f->volumes, json_array()), &bad);
	set(o, "loggingSpec", copy_or(f->logging, json_object()), &bad);
	set(o, "env", copy_or(f->env, json_object()), &bad);
	set(o, "state", json_string(s_or(task_state_name(f->state))), &bad);
	set(o, "metadata", copy_or(f->metadata, json_object()), &bad);
	if (f->has_result)
		set(o, "taskResult", result_new(&f->result), &bad);
	set(o, "errorMessage", json_string(s_or(f->error)), &bad);
	set(o, "created", json_integer(f->created), &bad);
	set(o, "updated", json_integer(f->updated), &bad);
	return finish(o, bad);
}

int
rec_task_read(const json_t *j, struct rec_task *out)
{
	const json_t *r = json_object_get(j, "taskResult");

	if (!get_s(j, "sourceAppName") || !get_s(j, "taskId")) {
		errno = EINVAL;
		return -1;
	}
	out->source_app = get_s(j, "sourceAppName");
	out->task_id = get_s(j, "taskId");
	out->instance_id = s_or(get_s(j, "instanceId"));
	out->executor_id = s_or(get_s(j, "executorId"));
	out->hostname = s_or(get_s(j, "hostname"));
	out->executable = json_object_get(j, "executable");
	out->resources = json_object_get(j, "resources");
	out->volumes = json_object_get(j, "volumes");
	out->logging = json_object_get(j, "loggingSpec");
	out->env = json_object_get(j, "env");
	if (task_state_parse(get_s(j, "state"), &out->state) < 0)
		out->state = TASK_UNKNOWN;
	out->metadata = json_object_get(j, "metadata");
	out->has_result = json_is_object(r) &&
	    task_result_parse(get_s(r, "status"), &out->result.status) == 0;
	out->result.exit_code = out->has_result ? js_int(r, "exitCode", -1) :
	    0;
	if (!out->has_result)
		out->result.status = TASK_RESULT_FAILED;
	out->error = s_or(get_s(j, "errorMessage"));
	out->created = js_int(j, "created", 0);
	out->updated = js_int(j, "updated", 0);
	return 0;
}

json_t *
rec_task_with_state(const json_t *j, enum task_state s, const char *error,
    const struct rec_task_result *res, long long updated)
{
	struct rec_task f;
	json_t *o;
	int bad = 0;

	if (rec_task_read(j, &f) < 0 || !task_state_name(s)) {
		errno = EINVAL;
		return NULL;
	}
	if (!(o = json_deep_copy(j)))
		return finish(NULL, 1);
	set(o, "state", json_string(task_state_name(s)), &bad);
	if (error)
		set(o, "errorMessage", json_string(error), &bad);
	if (res)
		set(o, "taskResult", result_new(res), &bad);
	set(o, "updated", json_integer(updated), &bad);
	return finish(o, bad);
}

json_t *
rec_task_pending(const json_t *spec, const char *iid, long long now)
{
	return rec_task_new(&(struct rec_task){
	    .source_app = get_s(spec, "sourceAppName"),
	    .task_id = get_s(spec, "taskId"), .instance_id = iid,
	    .executable = json_object_get(spec, "executable"),
	    .resources = json_object_get(spec, "resources"),
	    .volumes = json_object_get(spec, "volumes"),
	    .logging = json_object_get(spec, "logging"),
	    .env = json_object_get(spec, "env"), .state = TASK_PENDING,
	    .error = "", .created = now, .updated = now });
}

int
rec_task_api_id(char *out, size_t len, const char *source_app,
    const char *task_id)
{
	int n = snprintf(out, len, "%s-%s", s_or(source_app), s_or(task_id));

	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Placement request */

json_t *
rec_task_request_new(const struct rec_task_request *f)
{
	json_t *o = json_object();
	int bad = 0;

	set(o, "jobType", json_string(JOB), &bad);
	set(o, "sourceAppName", json_string(s_or(f->source_app)), &bad);
	set(o, "taskId", json_string(s_or(f->task_id)), &bad);
	set(o, "instanceId", json_string(s_or(f->instance_id)), &bad);
	set(o, "spec", copy_or(f->spec, json_object()), &bad);
	set(o, "created", json_integer(f->created), &bad);
	if (f->error)
		set(o, "error", json_string(f->error), &bad);
	return finish(o, bad);
}

int
rec_task_request_read(const json_t *j, struct rec_task_request *out)
{
	const char *jt = get_s(j, "jobType");

	if (!jt || strcmp(jt, JOB) || !get_s(j, "sourceAppName") ||
	    !get_s(j, "taskId") || !json_is_object(json_object_get(j,
	    "spec"))) {
		errno = EINVAL;
		return -1;
	}
	out->source_app = get_s(j, "sourceAppName");
	out->task_id = get_s(j, "taskId");
	out->instance_id = s_or(get_s(j, "instanceId"));
	out->spec = json_object_get(j, "spec");
	out->created = js_int(j, "created", 0);
	out->error = get_s(j, "error");
	return 0;
}

/* Assignment: Drove's TaskInstanceSpec */

/* Member dkey of o from spec's skey, or def (stolen; NULL: left out). */
static void
from_spec(json_t *o, const char *dkey, const json_t *spec, const char *skey,
    json_t *def, int *bad)
{
	const json_t *v = json_object_get(spec, skey);

	if (v && !json_is_null(v))
		set(o, dkey, copy_or(v, def), bad);
	else if (def)
		set(o, dkey, def, bad);
}

json_t *
rec_task_assignment_new(const struct rec_assignment *f, const json_t *spec)
{
	json_t *o = json_object();
	int bad = 0;

	set(o, "jobType", json_string(JOB), &bad);
	set(o, "taskId", json_string(s_or(f->task_id)), &bad);
	set(o, "sourceAppName", json_string(s_or(f->app_id)), &bad);
	set(o, "instanceId", json_string(s_or(f->instance_id)), &bad);
	from_spec(o, "executable", spec, "executable", NULL, &bad);
	set(o, "resources", copy_or(f->resources, json_array()), &bad);
	from_spec(o, "volumes", spec, "volumes", json_array(), &bad);
	from_spec(o, "configs", spec, "configs", json_array(), &bad);
	from_spec(o, "loggingSpec", spec, "logging", json_pack("{s:s, s:s, "
	    "s:i, s:b}", "type", "LOCAL", "maxSize", "10m", "maxFiles", 3,
	    "compress", 1), &bad);
	from_spec(o, "env", spec, "env", json_object(), &bad);
	from_spec(o, "args", spec, "args", json_array(), &bad);
	from_spec(o, "devices", spec, "devices", json_array(), &bad);
	from_spec(o, "userSpec", spec, "userSpec", NULL, &bad);
	set(o, "targetState", json_string(s_or(target_state_name(f->target))),
	    &bad);
	set(o, "executorId", json_string(s_or(f->executor_id)), &bad);
	set(o, "created", json_integer(f->created), &bad);
	return finish(o, bad);
}

/* TASK_STATE_CHANGE */

json_t *
rec_event_task_state(const json_t *ti, long long now)
{
	struct rec_task f;
	json_t *m, *ev;
	int bad = 0;

	if (rec_task_read(ti, &f) < 0)
		return NULL;
	m = json_object();
	set(m, "TASK_ID", json_string(f.task_id), &bad);
	set(m, "INSTANCE_ID", json_string(f.instance_id), &bad);
	set(m, "APP_NAME", json_string(f.source_app), &bad);
	set(m, "EXECUTOR_ID", json_string(f.executor_id), &bad);
	set(m, "EXECUTOR_HOST", json_string(f.hostname), &bad);
	set(m, "EXECUTABLE", json_string(s_or(get_s(f.executable, "url"))),
	    &bad);
	set(m, "PORTS", json_string(""), &bad);
	set(m, "CURRENT_STATE", json_string(s_or(task_state_name(f.state))),
	    &bad);
	set(m, "ERROR", json_string(f.error), &bad);
	set(m, "CREATED", json_integer(f.created), &bad);
	if (f.has_result) {
		set(m, "RESULT_STATUS", json_string(s_or(task_result_name(
		    f.result.status))), &bad);
		set(m, "RESULT_EXIT_CODE", json_integer(f.result.exit_code),
		    &bad);
	}
	if (bad) {
		json_decref(m);
		errno = ENOMEM;
		return NULL;
	}
	ev = rec_event_new(&(struct rec_event){ "TASK_STATE_CHANGE", NULL,
	    now, m });
	json_decref(m);
	return ev;
}
