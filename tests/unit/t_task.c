/* t_task: the task records of lib/record (record_task.c): TaskInfo, the
 * task request, the task assignment and TASK_STATE_CHANGE. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "model.h"
#include "reconcile.h"
#include "record.h"
#include "tap.h"

static const char SPEC[] = "{\"sourceAppName\":\"APP\",\"taskId\":\"T1\","
    "\"executable\":{\"type\":\"DOCKER\",\"url\":\"busybox:1\","
    "\"dockerPullTimeout\":\"100 seconds\"},\"resources\":[{\"type\":"
    "\"CPU\",\"count\":1},{\"type\":\"MEMORY\",\"sizeInMB\":128}],"
    "\"placementPolicy\":{\"type\":\"ANY\"},\"env\":{\"A\":\"1\"},"
    "\"args\":[\"sh\",\"-c\",\"exit 3\"],\"volumes\":[],\"tags\":{}}";

static void
test_info(void)
{
	json_t *spec = js_parse(SPEC, strlen(SPEC)), *ti, *t2, *t3;
	struct rec_task f;
	struct rec_task_result res = { TASK_RESULT_FAILED, 3 };
	char id[16];

	ti = rec_task_pending(spec, "TI-1", 1000);
	ok(ti && rec_task_read(ti, &f) == 0, "pending TaskInfo reads back");
	is_str(f.source_app, "APP", "sourceAppName");
	is_str(f.task_id, "T1", "taskId");
	is_str(f.instance_id, "TI-1", "instanceId");
	is_str(f.executor_id, "", "no executor yet");
	is_int(f.state, TASK_PENDING, "PENDING");
	ok(!f.has_result && !json_object_get(ti, "taskResult"),
	    "no taskResult until there is one");
	is_str(js_str(f.executable, "url", ""), "busybox:1", "executable");
	is_str(js_str(f.env, "A", ""), "1", "env");
	ok(json_is_object(f.logging), "loggingSpec is an object");
	ok(f.created == 1000 && f.updated == 1000, "times");

	t2 = rec_task_with_state(ti, TASK_STOPPED,
	    "Task instance exited with status: 3", &res, 2000);
	ok(t2 && rec_task_read(t2, &f) == 0 && f.state == TASK_STOPPED,
	    "with_state: STOPPED");
	ok(f.has_result && f.result.status == TASK_RESULT_FAILED &&
	    f.result.exit_code == 3, "result FAILED/3");
	is_str(js_str(json_object_get(t2, "taskResult"), "status", ""),
	    "FAILED", "taskResult.status on the wire");
	is_str(f.error, "Task instance exited with status: 3", "errorMessage");
	ok(f.updated == 2000 && f.created == 1000, "updated, created kept");
	t3 = rec_task_with_state(t2, TASK_STOPPED, NULL, NULL, 3000);
	ok(t3 && rec_task_read(t3, &f) == 0 && f.has_result &&
	    f.result.exit_code == 3 && !strcmp(f.error, "Task instance "
	    "exited with status: 3"), "NULL error and result keep them");
	json_decref(t3);

	/* round trip of the builder */
	rec_task_read(t2, &f);
	t3 = rec_task_new(&f);
	ok(t3 && json_equal(t3, rec_task_read(t3, &f) == 0 ? t3 : NULL),
	    "rec_task_new of a read gives a readable record");
	ok(json_equal(json_object_get(t3, "taskResult"),
	    json_object_get(t2, "taskResult")), "result round trip");
	json_decref(t3);

	errno = 0;
	ok(rec_task_read(json_object_get(spec, "executable"), &f) < 0 &&
	    errno == EINVAL, "a TaskInfo needs sourceAppName and taskId");
	ok(!rec_task_with_state(spec, TASK_STATE_COUNT, NULL, NULL, 1),
	    "with_state of an unknown state refused");
	t3 = json_pack("{s:s,s:s,s:s,s:{s:s}}", "sourceAppName", "a",
	    "taskId", "b", "state", "BOGUS", "taskResult", "status", "NOPE");
	ok(rec_task_read(t3, &f) == 0 && f.state == TASK_UNKNOWN &&
	    !f.has_result, "unknown state and result read as UNKNOWN, none");
	json_decref(t3);

	ok(rec_task_api_id(id, sizeof id, "APP", "T1") == 0 &&
	    !strcmp(id, "APP-T1"), "api id <sourceAppName>-<taskId>");
	ok(rec_task_api_id(id, 4, "APP", "T1") < 0 && errno == ENAMETOOLONG,
	    "api id too long");
	json_decref(ti);
	json_decref(t2);
	json_decref(spec);
}

static void
test_request(void)
{
	json_t *spec = js_parse(SPEC, strlen(SPEC)), *rq, *e;
	struct rec_task_request f;
	struct rec_request ar;

	rq = rec_task_request_new(&(struct rec_task_request){ "APP", "T1",
	    "TI-1", spec, 5, NULL });
	ok(rq && rec_task_request_read(rq, &f) == 0, "request reads back");
	is_str(js_str(rq, "jobType", ""), "COMPUTATION", "jobType");
	ok(!strcmp(f.source_app, "APP") && !strcmp(f.task_id, "T1") &&
	    !strcmp(f.instance_id, "TI-1") && f.created == 5 && !f.error &&
	    json_equal(f.spec, spec), "fields");
	ok(rec_request_read(rq, &ar) < 0, "not an app request (no appId)");
	e = rec_request_with_error(rq, "no room");
	ok(e && rec_task_request_read(e, &f) == 0 && f.error &&
	    !strcmp(f.error, "no room"), "error set by rec_request_with_error");
	json_decref(e);
	ok(rec_task_request_read(spec, &f) < 0, "a TaskSpec is no request");
	json_decref(rq);
	json_decref(spec);
}

static void
test_assignment(void)
{
	json_t *spec = js_parse(SPEC, strlen(SPEC)), *a, *res;
	struct rec_assignment ra;
	char p[ZKP_MAX];

	res = json_pack("[{s:s,s:{s:[i]}},{s:s,s:{s:i}}]", "type", "CPU",
	    "cores", "0", 2, "type", "MEMORY", "memoryInMB", "0", 128);
	a = rec_task_assignment_new(&(struct rec_assignment){
	    .app_id = "APP", .task_id = "T1", .instance_id = "TI-1",
	    .executor_id = "E1", .target = TARGET_RUNNING, .resources = res,
	    .created = 7 }, spec);
	ok(a && rec_assignment_read(a, &ra) == 0, "assignment reads back");
	ok(ra.job == JOB_COMPUTATION && !strcmp(ra.app_id, "APP") &&
	    !strcmp(ra.task_id, "T1") && !strcmp(ra.instance_id, "TI-1") &&
	    !strcmp(ra.executor_id, "E1") && ra.target == TARGET_RUNNING &&
	    ra.created == 7, "fields");
	ok(json_equal(ra.resources, res), "allocations");
	is_str(js_str(json_object_get(a, "executable"), "url", ""),
	    "busybox:1", "executable");
	ok(json_array_size(json_object_get(a, "args")) == 3, "args");
	ok(json_is_object(json_object_get(a, "loggingSpec")) &&
	    !json_object_get(a, "logging"), "logging -> loggingSpec");
	ok(!json_object_get(a, "placementPolicy") &&
	    !json_object_get(a, "tags") && !json_object_get(a, "appId"),
	    "only TaskInstanceSpec members");
	ok(rec_assignment_info_path(p, "drove", &ra) == 0 &&
	    !strcmp(p, "/drove/tasks/APP/T1"), "reported in the TaskInfo");
	json_decref(a);
	json_decref(res);
	json_decref(spec);
}

static void
test_event(void)
{
	json_t *spec = js_parse(SPEC, strlen(SPEC)), *ti, *t2, *ev, *m;
	struct rec_task_result res = { TASK_RESULT_SUCCESSFUL, 0 };
	struct rec_event f;

	ti = rec_task_pending(spec, "TI-1", 1000);
	ev = rec_event_task_state(ti, 1500);
	ok(ev && rec_event_read(ev, &f) == 0 && !strcmp(f.type,
	    "TASK_STATE_CHANGE") && f.time == 1500, "event type and time");
	m = json_object_get(ev, "metadata");
	ok(!strcmp(js_str(m, "TASK_ID", ""), "T1") && !strcmp(js_str(m,
	    "INSTANCE_ID", ""), "TI-1") && !strcmp(js_str(m, "APP_NAME", ""),
	    "APP") && !strcmp(js_str(m, "EXECUTABLE", ""), "busybox:1") &&
	    !strcmp(js_str(m, "CURRENT_STATE", ""), "PENDING") &&
	    js_int(m, "CREATED", 0) == 1000 && json_object_get(m,
	    "EXECUTOR_ID") && json_object_get(m, "EXECUTOR_HOST") &&
	    json_object_get(m, "PORTS") && json_object_get(m, "ERROR"),
	    "metadata of §7.7");
	ok(!json_object_get(m, "RESULT_STATUS"), "no result yet");
	json_decref(ev);
	t2 = rec_task_with_state(ti, TASK_STOPPED, NULL, &res, 2000);
	ev = rec_event_task_state(t2, 2000);
	m = json_object_get(ev, "metadata");
	ok(!strcmp(js_str(m, "RESULT_STATUS", ""), "SUCCESSFUL") &&
	    json_is_integer(json_object_get(m, "RESULT_EXIT_CODE")) &&
	    js_int(m, "RESULT_EXIT_CODE", -1) == 0 &&
	    !strcmp(js_str(m, "CURRENT_STATE", ""), "STOPPED"),
	    "result in the metadata");
	ok(!rec_event_task_state(json_object_get(spec, "executable"), 1),
	    "no event of a non-TaskInfo");
	json_decref(ev);
	json_decref(t2);
	json_decref(ti);
	json_decref(spec);
}

/* The decision of reconcile_decide() for iid, or "". */
static const char *
decision(json_t *d, const char *iid)
{
	json_t *x;
	size_t i;

	json_array_foreach(d, i, x)
		if (!strcmp(js_str(x, "instanceId", ""), iid))
			return js_str(x, "action", "");
	return "";
}

/* An executor restarted: a task's container, running or exited, is
 * adopted while its task is not over (its end is reported); killed once
 * it is. */
static void
test_reconcile(void)
{
	json_t *spec = js_parse(SPEC, strlen(SPEC)), *c, *as, *in, *d;
	struct rec_task_result res = { TASK_RESULT_SUCCESSFUL, 0 };
	const char *ids[] = { "TI-1", "TI-2", "TI-3", "TI-4" };
	json_t *ti;
	size_t i;

	c = json_array();
	as = json_object();
	in = json_object();
	for (i = 0; i < 4; i++) {
		json_array_append_new(c, json_pack("{s:s,s:s,s:{s:s,s:s,s:s}}",
		    "Id", ids[i], "State", i == 0 || i == 3 ? "running" :
		    "exited", "Labels", "drove.instance.id", ids[i],
		    "drove.executor.id", "E", "drove.job.type",
		    "COMPUTATION"));
		json_object_set_new(as, ids[i], rec_task_assignment_new(
		    &(struct rec_assignment){ .app_id = "APP", .task_id =
		    ids[i], .instance_id = ids[i], .executor_id = "E",
		    .target = i == 3 ? TARGET_STOPPED : TARGET_RUNNING },
		    spec));
		ti = rec_task_pending(spec, ids[i], 1);
		json_object_set_new(in, ids[i], i == 2 ?
		    rec_task_with_state(ti, TASK_STOPPED, NULL, &res, 2) :
		    rec_task_with_state(ti, TASK_RUNNING, NULL, NULL, 2));
		json_decref(ti);
	}
	d = reconcile_decide(c, as, in, "E");
	is_str(decision(d, "TI-1"), "adopt", "running task adopted");
	is_str(decision(d, "TI-2"), "adopt",
	    "exited task adopted: its result is to be reported");
	is_str(decision(d, "TI-3"), "kill", "container of an ended task "
	    "killed");
	is_str(decision(d, "TI-4"), "adopt", "task to stop adopted: the "
	    "executor kills it and reports CANCELLED");
	json_object_del(as, "TI-1");
	json_decref(d);
	d = reconcile_decide(c, as, in, "E");
	is_str(decision(d, "TI-1"), "kill", "unassigned task container "
	    "killed");
	json_decref(d);
	json_decref(c);
	json_decref(as);
	json_decref(in);
	json_decref(spec);
}

int
main(void)
{
	test_info();
	test_request();
	test_assignment();
	test_event();
	test_reconcile();
	return done_testing();
}
