/* t_localservice: the local-service records (lib/record_ls.c), the state
 * they imply and Drove's allowed-operations table for local services
 * (lib/model). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "model.h"
#include "record.h"
#include "tap.h"
#include "tap_json.h"

static json_t *
js_parse_str(const char *s)
{
	return js_parse(s, strlen(s));
}

static void
test_table(void)
{
	char list[256];
	enum ls_op_type t;

	ok(ls_op_allowed(LS_STATE_INACTIVE, LSOP_ACTIVATE) &&
	    ls_op_allowed(LS_STATE_INACTIVE, LSOP_DESTROY) &&
	    !ls_op_allowed(LS_STATE_INACTIVE, LSOP_RESTART) &&
	    !ls_op_allowed(LS_STATE_INACTIVE, LSOP_DEACTIVATE),
	    "INACTIVE allows ACTIVATE, DESTROY; not RESTART, DEACTIVATE");
	ok(!ls_op_allowed(LS_STATE_ACTIVE, LSOP_DESTROY) &&
	    !ls_op_allowed(LS_STATE_ACTIVE, LSOP_ACTIVATE) &&
	    ls_op_allowed(LS_STATE_ACTIVE, LSOP_UPDATE_INSTANCE_COUNT),
	    "ACTIVE refuses DESTROY and ACTIVATE, allows the count update");
	ok(!ls_op_allowed(LS_STATE_CONFIG_TESTING,
	    LSOP_UPDATE_INSTANCE_COUNT) &&
	    ls_op_allowed(LS_STATE_CONFIG_TESTING, LSOP_ACTIVATE),
	    "CONFIG_TESTING: ACTIVATE yes, UPDATE_INSTANCE_COUNT no");
	ok(ls_op_allowed(LS_STATE_EMERGENCY_DEACTIVATION_REQUESTED,
	    LSOP_DEACTIVATE) && !ls_op_allowed(LS_STATE_REPLACING_INSTANCES,
	    LSOP_DEACTIVATE) && !ls_op_allowed(LS_STATE_DESTROY_REQUESTED,
	    LSOP_DESTROY), "the other states allow nothing");
	ls_op_allowed_list(LS_STATE_INACTIVE, list, sizeof list);
	is_str(list, "[ACTIVATE, ADJUST_INSTANCES, DEPLOY_TEST_INSTANCE, "
	    "DESTROY, UPDATE_INSTANCE_COUNT]", "INACTIVE's list, by name");
	ls_op_allowed_list(LS_STATE_ACTIVE, list, sizeof list);
	is_str(list, "[ADJUST_INSTANCES, DEACTIVATE, REPLACE_INSTANCES, "
	    "RESTART, STOP_INSTANCES, UPDATE_INSTANCE_COUNT]", "ACTIVE's list");
	ls_op_allowed_list(LS_STATE_STOPPING_INSTANCES, list, sizeof list);
	is_str(list, "", "nothing allowed: empty");
	ls_op_allowed_list(LS_STATE_ACTIVE, list, 12);
	ok(strlen(list) < 12, "a short buffer is never overrun");
	ok(ls_op_type_of_api("STOP", &t) == 0 && t == LSOP_DEACTIVATE,
	    "STOP is DEACTIVATE's alias");
	ok(ls_op_type_of_api("DEPLOY_TEST_INSTANCE", &t) == 0 &&
	    t == LSOP_DEPLOY_TEST_INSTANCE, "the names parse");
	ok(ls_op_type_of_api("SCALE", &t) < 0 && errno == EINVAL,
	    "an app's type is refused");
	ok(ls_state_of_activation(LS_CONFIG_TESTING) ==
	    LS_STATE_CONFIG_TESTING && ls_state_of_activation(LS_INACTIVE) ==
	    LS_STATE_INACTIVE, "activation states map to service states");
}

static json_t *
spec(void)
{
	return js_parse_str("{\"name\":\"ls\",\"version\":\"1\","
	    "\"executable\":{\"type\":\"DOCKER\",\"url\":\"img:1\"},"
	    "\"exposedPorts\":[{\"name\":\"main\",\"port\":8000,"
	    "\"type\":\"HTTP\"}],\"resources\":[{\"type\":\"CPU\","
	    "\"count\":1},{\"type\":\"MEMORY\",\"sizeInMB\":64}],"
	    "\"placementPolicy\":{\"type\":\"LOCAL\",\"hostLevel\":false}}");
}

static void
test_info(void)
{
	json_t *s = spec(), *j, *bad;
	struct rec_ls f;

	j = rec_ls_new(&(struct rec_ls){ "ls-1", s, 2, LS_INACTIVE, 5, 6,
	    NULL });
	ok(j && rec_ls_read(j, &f) == 0, "LocalServiceInfo reads back");
	is_str(f.service_id, "ls-1", "serviceId");
	ok(f.per_host == 2 && f.activation == LS_INACTIVE && f.created == 5 &&
	    f.updated == 6, "instancesPerHost, activationState, times");
	ok(json_equal(f.spec, s), "the spec");
	is_str(js_str(j, "activationState", ""), "INACTIVE",
	    "activationState by name");
	is_int(rec_ls_state(j, NULL), LS_STATE_INACTIVE,
	    "no operation: the activation state");
	is_int(rec_ls_state(NULL, NULL), LS_STATE_DESTROYED,
	    "no info: DESTROYED");
	bad = json_deep_copy(j);
	json_object_set_new(bad, "activationState", json_string("BOGUS"));
	ok(rec_ls_read(bad, &f) < 0 && errno == EINVAL,
	    "an unknown activationState is refused");
	json_object_del(bad, "activationState");
	json_object_set_new(bad, "activationState", json_string("ACTIVE"));
	json_object_del(bad, "spec");
	ok(rec_ls_read(bad, &f) < 0, "a spec is required");
	json_decref(bad);
	ok(!json_object_get(j, "lastOperation") && !f.last_op,
	    "no lastOperation: left out");
	json_decref(j);
	json_decref(s);
}

static void
test_last_op(void)
{
	json_t *s = spec(), *last, *j, *k;
	struct rec_ls f;

	last = rec_ls_last_op_new(LSOP_RESTART, "FAILED", "instance SI-x "
	    "went STOPPED", 42);
	ok(last && !strcmp(js_str(last, "type", ""), "RESTART") &&
	    !strcmp(js_str(last, "result", ""), "FAILED") &&
	    !strcmp(js_str(last, "failure", ""), "instance SI-x went "
	    "STOPPED") && js_int(last, "ended", 0) == 42,
	    "lastOperation: type, result, failure, ended");
	j = rec_ls_new(&(struct rec_ls){ "ls-1", s, 1, LS_ACTIVE, 1, 2,
	    last });
	ok(j && rec_ls_read(j, &f) == 0 && f.last_op &&
	    json_equal(f.last_op, last), "LocalServiceInfo keeps it");
	k = rec_ls_new(&f);
	ok(k && json_equal(j, k), "and a rewrite of what was read keeps it");
	json_decref(last);
	last = rec_ls_last_op_new(LSOP_STOP_INSTANCES, "COMPLETED", NULL, 1);
	ok(last && !json_object_get(last, "failure"),
	    "no failure: left out");
	json_decref(last);
	json_decref(j);
	json_decref(k);
	json_decref(s);
}

static void
test_op_steps(void)
{
	json_t *steps = json_array(), *j;
	struct rec_ls_op f;
	struct rec_step st;

	json_array_append_new(steps, rec_step_new(&(struct rec_step){
	    "SI-a", "SI-n", STEP_STARTING, 9 }));
	json_array_append_new(steps, rec_step_new(&(struct rec_step){
	    "SI-b", NULL, STEP_WAITING, 0 }));
	j = rec_ls_op_new(&(struct rec_ls_op){ .service_id = "ls-1",
	    .type = LSOP_REPLACE_INSTANCES,
	    .state = LS_STATE_REPLACING_INSTANCES, .parallelism = 1,
	    .steps = steps, .failure = "instance SI-n went STOPPED" });
	ok(j && rec_ls_op_read(j, &f) == 0 && json_equal(f.steps, steps),
	    "the steps read back");
	is_str(f.failure, "instance SI-n went STOPPED", "the failure");
	ok(rec_step_read(json_array_get(f.steps, 0), &st) == 0 &&
	    st.state == STEP_STARTING && !strcmp(st.new_id, "SI-n"),
	    "a step in flight");
	json_decref(j);
	j = rec_ls_op_new(&(struct rec_ls_op){ .service_id = "ls-1",
	    .type = LSOP_ADJUST_INSTANCES,
	    .state = LS_STATE_ADJUSTING_INSTANCES });
	ok(j && json_array_size(json_object_get(j, "steps")) == 0 &&
	    !json_object_get(j, "failure") && rec_ls_op_read(j, &f) == 0 &&
	    !f.failure, "no steps: [], no failure: left out");
	json_decref(j);
	json_decref(steps);
}

static void
test_op(void)
{
	json_t *info, *s = spec(), *j, *ids = js_parse_str("[\"SI-a\",\"SI-b\"]");
	struct rec_ls_op f;

	j = rec_ls_op_new(&(struct rec_ls_op){ .service_id = "ls-1",
	    .type = LSOP_RESTART, .state = LS_STATE_REPLACING_INSTANCES,
	    .stop_first = 1, .instance_ids = ids, .timeout_ms = 3000,
	    .parallelism = 2, .strategy = FAIL_STOP, .created = 7,
	    .updated = 8 });
	ok(j && rec_ls_op_read(j, &f) == 0, "the operation reads back");
	ok(f.type == LSOP_RESTART && f.state == LS_STATE_REPLACING_INSTANCES &&
	    f.stop_first && !f.cancelled && f.timeout_ms == 3000 &&
	    f.parallelism == 2 && f.created == 7 && f.updated == 8,
	    "its fields");
	ok(rec_ls_op_has(&f, "SI-b") && !rec_ls_op_has(&f, "SI-c"),
	    "instanceIds membership");
	is_str(js_str(j, "type", ""), "RESTART", "type by name");
	info = rec_ls_new(&(struct rec_ls){ "ls-1", s, 1, LS_ACTIVE, 1, 1,
	    NULL });
	is_int(rec_ls_state(info, j), LS_STATE_REPLACING_INSTANCES,
	    "an operation in progress gives its state");
	is_int(rec_ls_state(info, NULL), LS_STATE_ACTIVE, "else ACTIVE");
	json_object_set_new(j, "type", json_string("SCALE"));
	ok(rec_ls_op_read(j, &f) < 0 && errno == EINVAL,
	    "an unknown type is refused");
	json_decref(j);
	json_decref(info);
	json_decref(ids);
	json_decref(s);
}

static void
test_request(void)
{
	struct rec_ls_request f;
	struct rec_request fa;
	json_t *j, *e;

	j = rec_ls_request_new(&(struct rec_ls_request){ "ls-1", "SI-x",
	    "ex1", 9, NULL });
	ok(j && rec_ls_request_read(j, &f) == 0, "the request reads back");
	is_str(js_str(j, "jobType", ""), "LOCAL_SERVICE", "jobType");
	ok(!strcmp(f.service_id, "ls-1") && !strcmp(f.instance_id, "SI-x") &&
	    !strcmp(f.executor_id, "ex1") && f.created == 9 && !f.error,
	    "its fields, no error");
	ok(rec_request_read(j, &fa) < 0, "not an app's request");
	e = rec_request_with_error(j, "no room");
	ok(e && rec_ls_request_read(e, &f) == 0 && f.error &&
	    !strcmp(f.error, "no room"), "an error can be set");
	json_decref(e);
	json_object_del(j, "executorId");
	ok(rec_ls_request_read(j, &f) < 0, "executorId is required");
	json_decref(j);
	j = js_parse_str("{\"appId\":\"a-1\",\"instanceId\":\"AI-1\"}");
	ok(rec_ls_request_read(j, &f) < 0, "an app's request is not one");
	json_decref(j);
}

static void
test_event(void)
{
	json_t *s = spec(), *ev, *m;

	ev = rec_event_ls_state("ls-1", s, 3, LS_STATE_ACTIVE, 42);
	ok(ev != NULL, "LOCAL_SERVICE_STATE_CHANGE built");
	is_str(js_str(ev, "type", ""), "LOCAL_SERVICE_STATE_CHANGE", "type");
	ok(js_int(ev, "time", 0) == 42, "time");
	m = json_object_get(ev, "metadata");
	is_str(js_str(m, "LOCAL_SERVICE_ID", ""), "ls-1", "LOCAL_SERVICE_ID");
	is_str(js_str(m, "LOCAL_SERVICE_NAME", ""), "ls", "LOCAL_SERVICE_NAME");
	is_str(js_str(m, "LOCAL_SERVICE_VERSION", ""), "1", "version");
	is_str(js_str(m, "EXECUTABLE", ""), "img:1", "EXECUTABLE");
	ok(js_int(m, "CPU_COUNT", 0) == 1 && js_int(m, "MEMORY", 0) == 64,
	    "CPU_COUNT, MEMORY");
	is_str(js_str(m, "PLACEMENT_POLICY", ""), "LOCAL", "PLACEMENT_POLICY");
	is_str(js_str(m, "PORTS", ""), "main:8000:http", "PORTS");
	ok(js_int(m, "CURRENT_INSTANCES_PER_HOST", 0) == 3,
	    "CURRENT_INSTANCES_PER_HOST");
	is_str(js_str(m, "CURRENT_STATE", ""), "ACTIVE", "CURRENT_STATE");
	ok(!json_object_get(m, "APP_ID") && !json_object_get(m,
	    "CURRENT_INSTANCES"), "no app keys");
	json_decref(ev);
	json_decref(s);
}

int
main(void)
{
	test_table();
	test_info();
	test_op();
	test_op_steps();
	test_last_op();
	test_request();
	test_event();
	return done_testing();
}
