/* t_operation: the operation record and its steps (lib/record), the app
 * state they imply, Drove's allowed-operations table and computeTimeout
 * (lib/model). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "model.h"
#include "record.h"
#include "tap.h"
#include "tap_json.h"

static void
test_table(void)
{
	char list[256];
	enum op_type t;

	ok(op_allowed(APP_MONITORING, OP_DESTROY), "MONITORING allows DESTROY");
	ok(!op_allowed(APP_RUNNING, OP_DESTROY), "RUNNING refuses DESTROY");
	ok(!op_allowed(APP_MONITORING, OP_SUSPEND),
	    "MONITORING refuses SUSPEND (Drove's code, not its docs)");
	ok(op_allowed(APP_SCALING_REQUESTED, OP_SCALE_INSTANCES) &&
	    !op_allowed(APP_SCALING_REQUESTED, OP_START_INSTANCES),
	    "SCALING_REQUESTED allows only SCALE_INSTANCES");
	ok(!op_allowed(APP_REPLACE_INSTANCES_REQUESTED, OP_SCALE_INSTANCES) &&
	    !op_allowed(APP_OUTAGE_DETECTED, OP_RECOVER) &&
	    !op_allowed(APP_DESTROYED, OP_CREATE), "the others allow nothing");
	op_allowed_list(APP_MONITORING, list, sizeof list);
	is_str(list, "[DESTROY, RECOVER, SCALE_INSTANCES, START_INSTANCES]",
	    "MONITORING's list, sorted by name as Drove prints it");
	op_allowed_list(APP_RUNNING, list, sizeof list);
	is_str(list, "[RECOVER, REPLACE_INSTANCES, SCALE_INSTANCES, "
	    "START_INSTANCES, STOP_INSTANCES, SUSPEND]", "RUNNING's list");
	op_allowed_list(APP_STOP_INSTANCES_REQUESTED, list, sizeof list);
	is_str(list, "", "nothing allowed: empty");
	op_allowed_list(APP_RUNNING, list, 10);
	ok(strlen(list) < 10, "a short buffer is never overrun");
	ok(op_type_of_api("SCALE", &t) == 0 && t == OP_SCALE_INSTANCES,
	    "API SCALE is SCALE_INSTANCES");
	ok(op_type_of_api("SCALE_INSTANCES", &t) < 0 && errno == EINVAL,
	    "the internal name is not an API type");
	ok(op_type_of_api("REPLACE_INSTANCES", &t) == 0 &&
	    t == OP_REPLACE_INSTANCES, "other types by their names");
}

static void
test_record(void)
{
	struct rec_operation f, g;
	struct rec_step s;
	json_t *steps = P("[{\"old\":\"AI-1\",\"state\":\"WAITING\","
	    "\"since\":5}]"), *started = P("[\"AI-9\"]"), *j, *x;

	memset(&f, 0, sizeof f);
	f.app_id = "web-1";
	f.type = OP_REPLACE_INSTANCES;
	f.requested = OP_REPLACE_INSTANCES;
	f.state = APP_REPLACE_INSTANCES_REQUESTED;
	f.timeout_ms = 300000;
	f.parallelism = 2;
	f.strategy = FAIL_ROLLBACK;
	f.required = 3;
	f.previous = 3;
	f.stop_first = 1;
	f.steps = steps;
	f.started = started;
	f.failure = "instance AI-2 went START_FAILED";
	f.created = 1;
	f.updated = 2;
	j = rec_operation_new(&f);
	ok(j != NULL, "an operation record");
	ok(rec_operation_read(j, &g) == 0, "reads back");
	ok(!strcmp(g.app_id, "web-1") && g.type == OP_REPLACE_INSTANCES &&
	    g.state == APP_REPLACE_INSTANCES_REQUESTED &&
	    g.timeout_ms == 300000 && g.parallelism == 2 &&
	    g.strategy == FAIL_ROLLBACK && g.required == 3 &&
	    g.previous == 3 && g.stop_first && !g.skip_respawn &&
	    !g.cancelled && json_equal(g.steps, steps) &&
	    json_equal(g.started, started) && !strcmp(g.failure, f.failure) &&
	    g.created == 1 && g.updated == 2, "every field round trips");
	is_str(js_str(json_object_get(j, "opSpec"), "failureStrategy", ""),
	    "ROLLBACK", "opSpec holds the strategy by name");
	ok(rec_app_state(P("{\"appId\":\"web-1\",\"spec\":{},\"instances\":3}"),
	    j) == APP_REPLACE_INSTANCES_REQUESTED,
	    "with an operation the app is in its state");
	json_object_del(j, "failure");
	ok(rec_operation_read(j, &g) == 0 && g.failure == NULL,
	    "no failure member: NULL");
	json_object_set_new(j, "state", json_string("BUSY"));
	ok(rec_operation_read(j, &g) < 0 && errno == EINVAL,
	    "an unknown state: EINVAL");
	json_decref(j);
	x = P("{\"appId\":\"a-1\",\"type\":\"SCALE_INSTANCES\","
	    "\"state\":\"SCALING_REQUESTED\"}");
	ok(rec_operation_read(x, &g) == 0 && g.parallelism == 1 &&
	    g.strategy == FAIL_STOP && g.requested == OP_SCALE_INSTANCES &&
	    g.steps == NULL, "missing members read as Drove's defaults");
	json_decref(x);

	ok(rec_step_read(json_array_get(steps, 0), &s) == 0 &&
	    !strcmp(s.old_id, "AI-1") && s.new_id == NULL &&
	    s.state == STEP_WAITING && s.since == 5, "a step reads");
	s.new_id = "AI-2";
	s.state = STEP_STARTING;
	x = rec_step_new(&s);
	ok(rec_step_read(x, &s) == 0 && !strcmp(s.new_id, "AI-2") &&
	    s.state == STEP_STARTING, "a step round trips");
	json_object_set_new(x, "state", json_string("DANCING"));
	ok(rec_step_read(x, &s) < 0, "an unknown step state: EINVAL");
	json_decref(x);
	json_decref(steps);
	json_decref(started);
}

static void
test_app_state(void)
{
	json_t *a = P("{\"appId\":\"web-1\",\"spec\":{},\"instances\":2}");
	json_t *z = P("{\"appId\":\"web-1\",\"spec\":{},\"instances\":0}");
	json_t *bad = P("{\"appId\":\"web-1\"}");

	ok(rec_app_state(a, NULL) == APP_RUNNING, "instances: RUNNING");
	ok(rec_app_state(z, NULL) == APP_MONITORING, "none: MONITORING");
	ok(rec_app_state(a, bad) == APP_RUNNING,
	    "an unreadable operation is no operation");
	json_decref(a);
	json_decref(z);
	json_decref(bad);
}

static void
test_timeout(void)
{
	json_t *s = P("{\"executable\":{\"dockerPullTimeout\":\"10 seconds\"},"
	    "\"healthcheck\":{\"initialDelay\":\"1 second\",\"attempts\":3,"
	    "\"timeout\":\"1 second\",\"interval\":\"2 seconds\"},"
	    "\"readiness\":{\"attempts\":2,\"timeout\":\"500ms\","
	    "\"interval\":\"500ms\"}}");
	json_t *d = P("{}");

	/* 10 s + (1 + 3 * 3) s + 2 * 1 s = 22 s */
	ok(spec_instance_timeout_ms(s, 5000) == 22000,
	    "pull + the worst case of both checks");
	ok(spec_instance_timeout_ms(s, 60000) == 60000,
	    "a larger opSpec.timeout wins");
	ok(spec_instance_timeout_ms(d, 1000) == 15 * 60 * 1000,
	    "the default pull timeout is 15 minutes");
	json_decref(s);
	json_decref(d);
}

int
main(void)
{
	test_table();
	test_record();
	test_app_state();
	test_timeout();
	return done_testing();
}
