/* t_record: every stored record's builder, reader and helpers; the state
 * tables of lib/model. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "model.h"
#include "record.h"
#include "tap.h"
#include "tap_json.h"

/* The compact text of j equals want (member order included). */
static int
dumps_as(const json_t *j, const char *want)
{
	char *s = j ? js_dump(j) : NULL;
	int r = s && !strcmp(s, want);

	if (!r)
		printf("#   got  %s\n#   want %s\n", s ? s : "(null)", want);
	free(s);
	return r;
}

/* The member names of object j, comma-separated, in order. */
static const char *
keys(const json_t *j)
{
	static char out[512];
	const char *k;
	json_t *v;
	size_t n = 0;

	out[0] = '\0';
	json_object_foreach((json_t *)(uintptr_t)j, k, v) {
		n += (size_t)snprintf(out + n, sizeof out - n, "%s%s",
		    n ? "," : "", k);
		if (n >= sizeof out)
			break;
	}
	return out;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void
test_tables(void)
{
	static const char *const inst[] = { "PENDING", "PROVISIONING",
	    "PROVISIONING_FAILED", "STARTING", "START_FAILED", "UNREADY",
	    "READINESS_CHECK_FAILED", "READY", "HEALTHY", "UNHEALTHY",
	    "DEPROVISIONING", "STOPPING", "STOPPED", "LOST", "UNKNOWN" };
	static const char *const app[] = { "INIT", "MONITORING", "RUNNING",
	    "OUTAGE_DETECTED", "SCALING_REQUESTED", "STOP_INSTANCES_REQUESTED",
	    "REPLACE_INSTANCES_REQUESTED", "DESTROY_REQUESTED", "DESTROYED",
	    "FAILED" };
	static const char *const ex[] = { "ACTIVE", "BLACKLIST_REQUESTED",
	    "BLACKLISTED", "UNREADY", "REMOVED" };
	static const char *const msg[] = { "INSTANCE_STATE_REPORT",
	    "TASK_STATE_REPORT", "LOCAL_SERVICE_INSTANCE_STATE_REPORT",
	    "EXECUTOR_SNAPSHOT" };
	enum ctl_msg_type mt;
	enum inst_state is;
	enum app_state as;
	enum executor_state es;
	enum cluster_state cs;
	enum target_state ts;
	enum node_type nt;
	int i, bad;

	is_int(INST_STATE_COUNT, COUNT(inst), "15 instance states");
	for (bad = 0, i = 0; i < INST_STATE_COUNT; i++)
		bad += !inst_state_name(i) || strcmp(inst_state_name(i),
		    inst[i]) || inst_state_parse(inst[i], &is) < 0 ||
		    (int)is != i || !inst_state_valid(inst[i]);
	is_int(bad, 0, "every instance state name maps back");
	is_int(APP_STATE_COUNT, COUNT(app), "10 application states");
	for (bad = 0, i = 0; i < APP_STATE_COUNT; i++)
		bad += !app_state_name(i) || strcmp(app_state_name(i),
		    app[i]) || app_state_parse(app[i], &as) < 0 ||
		    (int)as != i;
	is_int(bad, 0, "every application state name maps back");
	is_int(EXECUTOR_STATE_COUNT, COUNT(ex), "5 executor states");
	for (bad = 0, i = 0; i < EXECUTOR_STATE_COUNT; i++)
		bad += !executor_state_name(i) || strcmp(executor_state_name(i),
		    ex[i]) || executor_state_parse(ex[i], &es) < 0 ||
		    (int)es != i;
	is_int(bad, 0, "every executor state name maps back");
	ok(cluster_state_parse("MAINTENANCE", &cs) == 0 &&
	    cs == CLUSTER_MAINTENANCE && cluster_state_parse("NORMAL", &cs) ==
	    0 && cs == CLUSTER_NORMAL, "cluster states");
	is_str(cluster_state_name(CLUSTER_MAINTENANCE), "MAINTENANCE",
	    "cluster state name");
	ok(target_state_parse("STOPPED", &ts) == 0 && ts == TARGET_STOPPED &&
	    target_state_parse("RUNNING", &ts) == 0 && ts == TARGET_RUNNING,
	    "target states");
	ok(node_type_parse("EXECUTOR", &nt) == 0 && nt == NODE_EXECUTOR &&
	    !strcmp(node_type_name(NODE_CONTROLLER), "CONTROLLER"),
	    "node types");
	is_int(CTL_MSG_TYPE_COUNT, COUNT(msg), "4 controller message types");
	for (bad = 0, i = 0; i < CTL_MSG_TYPE_COUNT; i++)
		bad += !ctl_msg_type_name(i) || strcmp(ctl_msg_type_name(i),
		    msg[i]) || ctl_msg_type_parse(msg[i], &mt) < 0 ||
		    (int)mt != i;
	is_int(bad, 0, "every controller message type maps back");
	ok(ctl_msg_type_parse("EXECUTOR_STATE_REPORT", &mt) < 0,
	    "EXECUTOR_STATE_REPORT carries no message");
	for (bad = 0, i = 0; i < LS_STATE_COUNT; i++)
		bad += ls_state_is_resource_using(i) != (i == LS_STATE_ACTIVE ||
		    i == LS_STATE_CONFIG_TESTING);
	is_int(bad, 0, "local services use resources in ACTIVE and "
	    "CONFIG_TESTING only");

	errno = 0;
	is = INST_HEALTHY;
	ok(inst_state_parse("BOGUS", &is) < 0 && errno == EINVAL &&
	    is == INST_HEALTHY, "unknown name: EINVAL, out untouched");
	ok(inst_state_parse(NULL, &is) < 0, "NULL name refused");
	ok(inst_state_parse("healthy", &is) < 0, "names are exact");
	ok(!inst_state_name(INST_STATE_COUNT) &&
	    !inst_state_name((enum inst_state)-1) &&
	    !app_state_name(APP_STATE_COUNT) &&
	    !executor_state_name(EXECUTOR_STATE_COUNT) &&
	    !cluster_state_name(CLUSTER_STATE_COUNT) &&
	    !target_state_name(TARGET_STATE_COUNT), "out of range: NULL");
	ok(!inst_state_valid("BOGUS") && !inst_state_valid(NULL), "not valid");
}

static void
test_classes(void)
{
	char active[256] = "", running[128] = "", terminal[64] = "";
	char wanted[256] = "", aa[256] = "";
	int i;

	for (i = 0; i < INST_STATE_COUNT; i++) {
		if (inst_state_is_active(i))
			strcat(strcat(active, " "), inst_state_name(i));
		if (inst_state_is_running(i))
			strcat(strcat(running, " "), inst_state_name(i));
		if (inst_state_is_terminal(i))
			strcat(strcat(terminal, " "), inst_state_name(i));
		if (inst_state_is_wanted(i))
			strcat(strcat(wanted, " "), inst_state_name(i));
	}
	for (i = 0; i < APP_STATE_COUNT; i++)
		if (app_state_is_active(i))
			strcat(strcat(aa, " "), app_state_name(i));
	is_str(active, " PENDING PROVISIONING STARTING UNREADY READY HEALTHY "
	    "UNHEALTHY DEPROVISIONING STOPPING", "ACTIVE_STATES");
	is_str(running, " UNREADY READY HEALTHY", "RUNNING_STATES");
	is_str(terminal, " STOPPED LOST", "terminal states");
	is_str(wanted, " PENDING PROVISIONING STARTING UNREADY READY HEALTHY",
	    "wanted states");
	is_str(aa, " RUNNING OUTAGE_DETECTED SCALING_REQUESTED "
	    "STOP_INSTANCES_REQUESTED REPLACE_INSTANCES_REQUESTED "
	    "DESTROY_REQUESTED", "ACTIVE_APP_STATES");
	ok(app_state_is_terminal(APP_DESTROYED) &&
	    !app_state_is_terminal(APP_RUNNING), "terminal app states");
}

static void
test_app(void)
{
	json_t *spec = P("{\"name\":\"web\",\"version\":\"1\"}"), *j, *bad;
	struct rec_app r;

	j = rec_app_new(&(struct rec_app){ "web-1", spec, 3, 10, 20 });
	ok(dumps_as(j, "{\"appId\":\"web-1\",\"spec\":{\"name\":\"web\","
	    "\"version\":\"1\"},\"instances\":3,\"created\":10,"
	    "\"updated\":20}"), "ApplicationInfo shape");
	ok(json_object_get(j, "spec") != spec, "spec copied, not shared");
	ok(rec_app_read(j, &r) == 0, "ApplicationInfo read");
	is_str(r.app_id, "web-1", "appId");
	ok(json_equal(r.spec, spec), "spec");
	ok(r.instances == 3 && r.created == 10 && r.updated == 20,
	    "instances, created, updated");
	bad = P("{\"appId\":\"x\",\"spec\":{}}");
	memset(&r, 0, sizeof r);
	ok(rec_app_read(bad, &r) < 0 && errno == EINVAL && !r.app_id,
	    "no instances: EINVAL, out untouched");
	json_decref(bad);
	ok(rec_app_read(NULL, &r) < 0, "NULL refused");
	json_decref(j);
	json_decref(spec);
}

static void
test_request(void)
{
	struct rec_request r;
	json_t *j, *e, *back;

	j = rec_request_new(&(struct rec_request){ "web-1", "AI-1", 5, NULL });
	ok(dumps_as(j, "{\"appId\":\"web-1\",\"instanceId\":\"AI-1\","
	    "\"created\":5}"), "request shape: no error member");
	ok(rec_request_read(j, &r) == 0 && !strcmp(r.app_id, "web-1") &&
	    !strcmp(r.instance_id, "AI-1") && r.created == 5 && !r.error,
	    "request read");
	e = rec_request_with_error(j, "2 executors: not enough cores");
	ok(dumps_as(e, "{\"appId\":\"web-1\",\"instanceId\":\"AI-1\","
	    "\"created\":5,\"error\":\"2 executors: not enough cores\"}"),
	    "with error");
	ok(rec_request_read(e, &r) == 0 && r.error &&
	    !strcmp(r.error, "2 executors: not enough cores"), "error read");
	ok(!json_object_get(j, "error"), "original untouched");
	back = rec_request_with_error(e, NULL);
	ok(json_equal(back, j), "error removed");
	json_decref(back);
	json_decref(e);
	e = rec_request_new(&(struct rec_request){ "a", "b", 1, "why" });
	ok(rec_request_read(e, &r) == 0 && !strcmp(r.error, "why"),
	    "built with an error");
	json_decref(e);
	json_decref(j);
	j = P("{\"instanceId\":\"AI-1\"}");
	ok(rec_request_read(j, &r) < 0 && errno == EINVAL, "no appId: EINVAL");
	ok(!rec_request_with_error(NULL, "x") && errno == EINVAL,
	    "with_error of nothing: EINVAL");
	json_decref(j);
}

static void
test_assignment(void)
{
	json_t *res = P("[{\"type\":\"CPU\",\"cores\":{\"0\":[2,3]}},"
	    "{\"type\":\"MEMORY\",\"memoryInMB\":{\"0\":512}}]");
	json_t *min = P("{\"name\":\"web\",\"version\":\"1\","
	    "\"executable\":{\"type\":\"DOCKER\",\"url\":\"img:1\"}}");
	json_t *full = P("{\"name\":\"web\",\"version\":\"1\","
	    "\"executable\":{\"type\":\"DOCKER\",\"url\":\"img:1\"},"
	    "\"exposedPorts\":[{\"name\":\"main\",\"port\":8000,"
	    "\"type\":\"HTTP\"}],\"volumes\":[{\"pathInContainer\":\"/a\"}],"
	    "\"configs\":[{\"type\":\"INLINE\"}],"
	    "\"healthcheck\":{\"attempts\":3},\"readiness\":{\"attempts\":1},"
	    "\"logging\":{\"type\":\"RSYSLOG\"},\"env\":{\"A\":\"b\"},"
	    "\"args\":[\"x\"],\"devices\":[{\"type\":\"DIRECT\"}],"
	    "\"preShutdown\":{\"hooks\":[],\"waitBeforeKill\":\"1s\"},"
	    "\"userSpec\":{\"user\":\"1\"},\"tags\":{\"t\":\"1\"},"
	    "\"userSpec2\":null}");
	struct rec_assignment f = { .app_id = "web-1", .instance_id = "AI-1",
	    .executor_id = "E1", .target = TARGET_RUNNING, .resources = res,
	    .created = 7 }, r;
	json_t *j, *s;

	/* what drove-sched's assignment_new wrote: the same bytes */
	j = rec_assignment_new(&f, min);
	ok(dumps_as(j, "{\"appId\":\"web-1\",\"appName\":\"web\","
	    "\"instanceId\":\"AI-1\",\"executable\":{\"type\":\"DOCKER\","
	    "\"url\":\"img:1\"},\"resources\":[{\"type\":\"CPU\",\"cores\":"
	    "{\"0\":[2,3]}},{\"type\":\"MEMORY\",\"memoryInMB\":{\"0\":512}}],"
	    "\"ports\":[],\"volumes\":[],\"configs\":[],\"loggingSpec\":"
	    "{\"type\":\"LOCAL\",\"maxSize\":\"10m\",\"maxFiles\":3,"
	    "\"compress\":true},\"env\":{},\"args\":[],\"devices\":[],"
	    "\"preShutdown\":{\"hooks\":[],\"waitBeforeKill\":\"0 seconds\"},"
	    "\"targetState\":\"RUNNING\",\"executorId\":\"E1\",\"created\":7}"),
	    "assignment of a minimal spec: Drove's defaults");
	ok(rec_assignment_read(j, &r) == 0, "assignment read");
	ok(!strcmp(r.app_id, "web-1") && !strcmp(r.app_name, "web") &&
	    !strcmp(r.instance_id, "AI-1") && !strcmp(r.executor_id, "E1") &&
	    r.target == TARGET_RUNNING && r.created == 7 &&
	    json_equal(r.resources, res), "assignment round trip");
	s = rec_assignment_stopped(j);
	ok(rec_assignment_read(s, &r) == 0 && r.target == TARGET_STOPPED,
	    "stopped copy reads STOPPED");
	json_object_set_new(s, "targetState", json_string("RUNNING"));
	ok(json_equal(s, j), "stopped copy differs only in targetState");
	ok(!strcmp(js_str(j, "targetState", ""), "RUNNING"),
	    "original untouched");
	json_decref(s);
	json_decref(j);

	j = rec_assignment_new(&f, full);
	is_str(keys(j), "appId,appName,instanceId,executable,resources,ports,"
	    "volumes,configs,healthcheck,readiness,loggingSpec,env,args,"
	    "devices,preShutdown,userSpec,targetState,executorId,created",
	    "ApplicationInstanceSpec members, in order");
	ok(json_equal(json_object_get(j, "ports"),
	    json_object_get(full, "exposedPorts")), "exposedPorts -> ports");
	ok(json_equal(json_object_get(j, "loggingSpec"),
	    json_object_get(full, "logging")), "logging -> loggingSpec");
	ok(json_equal(json_object_get(j, "preShutdown"),
	    json_object_get(full, "preShutdown")) &&
	    json_equal(json_object_get(j, "userSpec"),
	    json_object_get(full, "userSpec")), "spec values kept");
	ok(!json_object_get(j, "tags") && !json_object_get(j, "version"),
	    "no ApplicationSpec-only members");
	ok(rec_assignment_read(j, &r) == 0 && r.auth_token == NULL,
	    "no instanceAuthToken reads NULL");
	json_decref(j);

	f.auth_token = "h.p.s";
	j = rec_assignment_new(&f, full);
	is_str(keys(j), "appId,appName,instanceId,executable,resources,ports,"
	    "volumes,configs,healthcheck,readiness,loggingSpec,env,args,"
	    "devices,preShutdown,userSpec,instanceAuthToken,targetState,"
	    "executorId,created", "instanceAuthToken where Drove has it");
	ok(rec_assignment_read(j, &r) == 0 && r.auth_token &&
	    !strcmp(r.auth_token, "h.p.s"), "instanceAuthToken round trip");
	json_decref(j);
	f.auth_token = NULL;

	f.app_name = "other";
	f.target = TARGET_STOPPED;
	j = rec_assignment_new(&f, min);
	ok(rec_assignment_read(j, &r) == 0 && !strcmp(r.app_name, "other") &&
	    r.target == TARGET_STOPPED, "app name and target from the fields");
	json_object_del(j, "targetState");
	ok(rec_assignment_read(j, &r) == 0 && r.target == TARGET_RUNNING,
	    "no targetState reads RUNNING");
	json_object_set_new(j, "targetState", json_string("PAUSED"));
	ok(rec_assignment_read(j, &r) == 0 && r.target == TARGET_STOPPED,
	    "an unknown targetState reads STOPPED");
	json_object_del(j, "instanceId");
	ok(rec_assignment_read(j, &r) < 0 && errno == EINVAL,
	    "no instanceId: EINVAL");
	ok(!rec_assignment_stopped(NULL) && errno == EINVAL,
	    "stopped of nothing: EINVAL");
	json_decref(j);
	json_decref(res);
	json_decref(min);
	json_decref(full);
}

static void
test_instance(void)
{
	json_t *ports = P("{\"main\":{\"containerPort\":8000,"
	    "\"hostPort\":33857,\"portType\":\"HTTP\"}}");
	json_t *res = P("[{\"type\":\"CPU\",\"cores\":{\"0\":[2]}}]");
	struct rec_instance f = { .app_id = "web-1", .app_name = "web",
	    .instance_id = "AI-1", .executor_id = "E1", .hostname = "h1",
	    .ports = ports, .resources = res, .state = INST_HEALTHY,
	    .error = "", .created = 1, .updated = 2 }, r;
	json_t *j, *l;

	j = rec_instance_new(&f);
	ok(dumps_as(j, "{\"appId\":\"web-1\",\"appName\":\"web\","
	    "\"instanceId\":\"AI-1\",\"executorId\":\"E1\",\"localInfo\":"
	    "{\"hostname\":\"h1\",\"ports\":{\"main\":{\"containerPort\":8000,"
	    "\"hostPort\":33857,\"portType\":\"HTTP\"}}},\"resources\":"
	    "[{\"type\":\"CPU\",\"cores\":{\"0\":[2]}}],\"state\":\"HEALTHY\","
	    "\"metadata\":{},\"errorMessage\":\"\",\"created\":1,"
	    "\"updated\":2}"), "InstanceInfo shape");
	ok(rec_instance_read(j, &r) == 0, "InstanceInfo read");
	ok(!strcmp(r.app_id, "web-1") && !strcmp(r.app_name, "web") &&
	    !strcmp(r.instance_id, "AI-1") && !strcmp(r.executor_id, "E1") &&
	    !strcmp(r.hostname, "h1") && json_equal(r.ports, ports) &&
	    json_equal(r.resources, res) && r.state == INST_HEALTHY &&
	    json_is_object(r.metadata) && !strcmp(r.error, "") &&
	    r.created == 1 && r.updated == 2, "InstanceInfo round trip");
	l = rec_instance_new(&r);
	ok(json_equal(l, j), "rebuilt from what was read: the same record");
	json_decref(l);

	l = rec_instance_with_state(j, INST_LOST, "Instance lost", 9);
	ok(rec_instance_read(l, &r) == 0 && r.state == INST_LOST &&
	    !strcmp(r.error, "Instance lost") && r.updated == 9 &&
	    r.created == 1, "with_state: state, error, updated");
	json_decref(l);
	json_object_set_new(j, "errorMessage", json_string("kept"));
	l = rec_instance_with_state(j, INST_STOPPED, NULL, 10);
	ok(rec_instance_read(l, &r) == 0 && !strcmp(r.error, "kept"),
	    "with_state: NULL error keeps the message");
	json_decref(l);
	ok(!rec_instance_with_state(NULL, INST_LOST, NULL, 1) &&
	    errno == EINVAL, "with_state of nothing: EINVAL");

	json_object_set_new(j, "state", json_string("SLEEPING"));
	ok(rec_instance_read(j, &r) == 0 && r.state == INST_UNKNOWN,
	    "unknown state reads UNKNOWN");
	json_object_del(j, "state");
	ok(rec_instance_read(j, &r) == 0 && r.state == INST_UNKNOWN,
	    "missing state reads UNKNOWN");
	json_object_del(j, "appId");
	ok(rec_instance_read(j, &r) < 0 && errno == EINVAL, "no appId: EINVAL");
	json_decref(j);

	/* PENDING as drove-sched writes it: empty ports */
	j = rec_instance_new(&(struct rec_instance){ .app_id = "a-1",
	    .app_name = "a", .instance_id = "AI-2", .executor_id = "E",
	    .hostname = "h", .resources = res, .state = INST_PENDING,
	    .created = 3, .updated = 3 });
	ok(dumps_as(j, "{\"appId\":\"a-1\",\"appName\":\"a\",\"instanceId\":"
	    "\"AI-2\",\"executorId\":\"E\",\"localInfo\":{\"hostname\":\"h\","
	    "\"ports\":{}},\"resources\":[{\"type\":\"CPU\",\"cores\":"
	    "{\"0\":[2]}}],\"state\":\"PENDING\",\"metadata\":{},"
	    "\"errorMessage\":\"\",\"created\":3,\"updated\":3}"),
	    "PENDING InstanceInfo shape");
	json_decref(j);
	json_decref(ports);
	json_decref(res);
}

static void
test_executor(void)
{
	json_t *layout = P("{\"cores\":{\"0\":[0,1]},\"memory\":{\"0\":1024}}");
	json_t *tags = P("[\"gpu\",\"h1\",3,\"ssd\"]"), *j, *md;
	struct rec_executor f = { .executor_id = "E1", .hostname = "h1",
	    .port = 3000, .updated = 5, .layout = layout, .tags = tags,
	    .state = EXECUTOR_ACTIVE }, r;

	j = rec_executor_new(&f);
	ok(dumps_as(j, "{\"type\":\"EXECUTOR\",\"hostname\":\"h1\","
	    "\"port\":3000,\"transportType\":\"HTTP\",\"updated\":5,"
	    "\"state\":{\"executorId\":\"E1\",\"layout\":{\"cores\":"
	    "{\"0\":[0,1]},\"memory\":{\"0\":1024}}},\"tags\":[\"h1\","
	    "\"gpu\",\"ssd\"],\"metadata\":{},\"executorState\":\"ACTIVE\"}"),
	    "ExecutorNodeData shape: hostname tag first, once");
	ok(!json_object_get(j, "instances") &&
	    !js_get(j, "state.cpus") && !js_get(j, "state.memory"),
	    "no per-instance parts");
	ok(rec_executor_read(j, &r) == 0 && !strcmp(r.executor_id, "E1") &&
	    !strcmp(r.hostname, "h1") && r.port == 3000 && r.updated == 5 &&
	    json_equal(r.layout, layout) && json_array_size(r.tags) == 3 &&
	    r.state == EXECUTOR_ACTIVE, "ExecutorNodeData round trip");
	md = rec_executor_new(&r);
	ok(json_equal(md, j), "rebuilt from what was read: the same record");
	json_decref(md);
	json_object_set_new(j, "executorState", json_string("BLACKLISTED"));
	ok(rec_executor_read(j, &r) == 0 && r.state == EXECUTOR_BLACKLISTED,
	    "executorState read");
	json_object_set_new(j, "executorState", json_string("ASLEEP"));
	ok(rec_executor_read(j, &r) < 0 && errno == EINVAL,
	    "unknown executorState: EINVAL");
	json_decref(j);

	j = rec_executor_new(&(struct rec_executor){ .executor_id = "E2",
	    .hostname = "h2", .state = EXECUTOR_UNREADY });
	ok(dumps_as(json_object_get(j, "state"), "{\"executorId\":\"E2\","
	    "\"layout\":{\"cores\":{},\"memory\":{}}}") &&
	    dumps_as(json_object_get(j, "tags"), "[\"h2\"]"),
	    "defaults: empty layout, hostname tag");
	json_object_del(json_object_get(j, "state"), "executorId");
	ok(rec_executor_read(j, &r) < 0, "no executorId: EINVAL");
	json_decref(j);
	json_decref(layout);
	json_decref(tags);
}

static void
test_cluster_leader(void)
{
	struct rec_cluster c;
	struct rec_leader l;
	json_t *j;

	j = rec_cluster_new(&(struct rec_cluster){ CLUSTER_MAINTENANCE, 42 });
	ok(dumps_as(j, "{\"state\":\"MAINTENANCE\",\"updated\":42}"),
	    "ClusterStateData shape");
	ok(rec_cluster_read(j, &c) == 0 && c.state == CLUSTER_MAINTENANCE &&
	    c.updated == 42, "ClusterStateData round trip");
	json_object_set_new(j, "state", json_string("maintenance"));
	ok(rec_cluster_read(j, &c) < 0 && errno == EINVAL,
	    "unknown cluster state: EINVAL");
	json_decref(j);

	j = rec_leader_new(&(struct rec_leader){ "ctrl-1", 4000 });
	ok(dumps_as(j, "{\"hostname\":\"ctrl-1\",\"port\":4000}"),
	    "election data shape");
	ok(rec_leader_read(j, &l) == 0 && !strcmp(l.hostname, "ctrl-1") &&
	    l.port == 4000, "election data round trip");
	json_object_set_new(j, "port", json_string("4001"));
	ok(rec_leader_read(j, &l) == 0 && l.port == 4001, "port as a string");
	json_object_set_new(j, "port", json_string("40x"));
	ok(rec_leader_read(j, &l) < 0, "bad port string: EINVAL");
	json_object_set_new(j, "port", json_integer(70000));
	ok(rec_leader_read(j, &l) < 0, "port out of range: EINVAL");
	json_object_del(j, "hostname");
	ok(rec_leader_read(j, &l) < 0, "no hostname: EINVAL");
	json_decref(j);
}

/* Drove's isInMaintenanceWindow: MAINTENANCE, or 40 s after any change */
static void
test_cluster_window(void)
{
	long long t = 1700000000000LL;
	json_t *m = rec_cluster_new(&(struct rec_cluster){ CLUSTER_MAINTENANCE,
	    t });
	json_t *n = rec_cluster_new(&(struct rec_cluster){ CLUSTER_NORMAL, t });
	json_t *bad = json_pack("{s:s}", "state", "SOMETHING");

	ok(CLUSTER_WINDOW_MS == 40000, "the window is Drove's 2 x 20 s");
	ok(cluster_in_window(m, t) && cluster_in_window(m, t + 3600000),
	    "MAINTENANCE: in the window however long ago it was set");
	ok(cluster_window_end(m) == LLONG_MAX, "MAINTENANCE: no end known");
	ok(cluster_in_window(n, t) && cluster_in_window(n, t + 39999),
	    "NORMAL: in the window for 40 s after the unset");
	ok(!cluster_in_window(n, t + 40000) && !cluster_in_window(n,
	    t + 3600000), "NORMAL: out of it from updated + 40 s");
	ok(cluster_window_end(n) == t + 40000, "NORMAL: ends at updated + 40 s");
	ok(!cluster_in_window(NULL, t) && cluster_window_end(NULL) == 0,
	    "no record: never in the window");
	ok(!cluster_in_window(bad, t), "unreadable record: not in the window");
	json_decref(m);
	json_decref(n);
	json_decref(bad);
}

/* Removed and blacklisted executors, their events, the effective state. */
static void
test_removed_blacklist(void)
{
	json_t *ids = P("[\"AI-1\",\"AI-2\"]"), *node, *j, *e;
	struct rec_removed r;
	struct rec_blacklist b;
	struct rec_executor fe;

	j = rec_removed_new(&(struct rec_removed){ "E1", "h1", 3000, 42, ids,
	    NULL });
	ok(rec_removed_read(j, &r) == 0 && !strcmp(r.executor_id, "E1") &&
	    !strcmp(r.hostname, "h1") && r.port == 3000 && r.removed == 42 &&
	    json_equal(r.instances, ids) && r.node == NULL,
	    "removed executor round trip");
	ok(!json_object_get(j, "node"), "no node: left out");
	json_object_del(j, "executorId");
	ok(rec_removed_read(j, &r) < 0 && errno == EINVAL,
	    "no executorId: EINVAL");
	json_decref(j);

	j = rec_blacklist_new(&(struct rec_blacklist){ "E1",
	    EXECUTOR_BLACKLIST_REQUESTED, 7 });
	ok(rec_blacklist_read(j, &b) == 0 && !strcmp(b.executor_id, "E1") &&
	    b.state == EXECUTOR_BLACKLIST_REQUESTED && b.updated == 7,
	    "blacklist round trip");
	node = rec_executor_new(&(struct rec_executor){ .executor_id = "E1",
	    .hostname = "h1", .port = 3000, .state = EXECUTOR_ACTIVE });
	e = rec_executor_effective(node, j);
	ok(e && rec_executor_read(e, &fe) == 0 &&
	    fe.state == EXECUTOR_BLACKLIST_REQUESTED,
	    "the blacklist record's state is the effective one");
	ok(rec_executor_read(node, &fe) == 0 && fe.state == EXECUTOR_ACTIVE,
	    "the node data itself is not changed");
	json_decref(e);
	e = rec_executor_effective(node, NULL);
	ok(e == node, "no record: the node itself");
	json_decref(e);
	json_object_set_new(j, "state", json_string("GONE"));
	ok(rec_blacklist_read(j, &b) < 0, "unknown state: EINVAL");
	json_decref(j);
	json_decref(node);

	j = rec_event_executor("EXECUTOR_ADDED", "E1", "h1", 3000, 5);
	is_str(js_str(j, "type", ""), "EXECUTOR_ADDED", "executor event type");
	ok(json_integer_value(js_get(j, "metadata.PORT")) == 3000 &&
	    !strcmp(js_str(json_object_get(j, "metadata"), "HOSTNAME", ""),
	    "h1"), "EXECUTOR_ADDED has HOSTNAME and PORT");
	json_decref(j);
	j = rec_event_executor("EXECUTOR_REMOVED", "E1", NULL, 0, 5);
	ok(json_object_size(json_object_get(j, "metadata")) == 1,
	    "EXECUTOR_REMOVED has EXECUTOR_ID only");
	json_decref(j);
	json_decref(ids);
}

/* The kinds of work (job types) and the states of tasks and local
 * services: Drove's names, in Drove's order. */
static void
test_job_tables(void)
{
	static const char *const task[] = { "PENDING", "PROVISIONING",
	    "PROVISIONING_FAILED", "STARTING", "RUNNING", "RUN_COMPLETED",
	    "RUN_FAILED", "DEPROVISIONING", "STOPPED", "LOST", "UNKNOWN" };
	static const char *const ls[] = { "INIT", "ACTIVATION_REQUESTED",
	    "CONFIG_TESTING_REQUESTED", "DEACTIVATION_REQUESTED",
	    "EMERGENCY_DEACTIVATION_REQUESTED", "INACTIVE", "ACTIVE",
	    "CONFIG_TESTING", "ADJUSTING_INSTANCES", "DEPLOYING_TEST_INSTANCE",
	    "REPLACING_INSTANCES", "STOPPING_INSTANCES",
	    "UPDATING_INSTANCES_COUNT", "DESTROY_REQUESTED", "DESTROYED" };
	enum task_state t;
	enum ls_state l;
	enum job_type j;
	enum task_result r;
	enum ls_activation a;
	int i, bad;
	char active[256] = "";

	is_int(TASK_STATE_COUNT, COUNT(task), "11 task states");
	for (bad = 0, i = 0; i < TASK_STATE_COUNT; i++)
		bad += strcmp(task_state_name(i), task[i]) ||
		    task_state_parse(task[i], &t) < 0 || (int)t != i;
	is_int(bad, 0, "every task state name maps back");
	for (i = 0; i < TASK_STATE_COUNT; i++)
		if (task_state_is_active(i))
			strcat(strcat(active, " "), task_state_name(i));
	is_str(active, " PENDING PROVISIONING STARTING RUNNING RUN_COMPLETED "
	    "DEPROVISIONING", "task ACTIVE_STATES");
	ok(task_state_is_terminal(TASK_STOPPED) &&
	    task_state_is_terminal(TASK_LOST) &&
	    !task_state_is_terminal(TASK_RUN_COMPLETED), "task terminal states");
	is_int(LS_STATE_COUNT, COUNT(ls), "15 local-service states");
	for (bad = 0, i = 0; i < LS_STATE_COUNT; i++)
		bad += strcmp(ls_state_name(i), ls[i]) ||
		    ls_state_parse(ls[i], &l) < 0 || (int)l != i;
	is_int(bad, 0, "every local-service state name maps back");
	ok(job_type_parse("COMPUTATION", &j) == 0 && j == JOB_COMPUTATION &&
	    !strcmp(job_type_name(JOB_LOCAL_SERVICE), "LOCAL_SERVICE") &&
	    !strcmp(job_type_name(JOB_SERVICE), "SERVICE") &&
	    !job_type_name(JOB_TYPE_COUNT), "job types");
	ok(task_result_parse("CANCELLED", &r) == 0 &&
	    r == TASK_RESULT_CANCELLED &&
	    !strcmp(task_result_name(TASK_RESULT_SUCCESSFUL), "SUCCESSFUL"),
	    "task results");
	ok(ls_activation_parse("CONFIG_TESTING", &a) == 0 &&
	    a == LS_CONFIG_TESTING && ls_activation_parse("ACTIVATION", &a) <
	    0, "activation states");
}

/* Assignments of tasks and local-service instances: the members that
 * name them, and where their state is reported. */
static void
test_assignment_kinds(void)
{
	json_t *t = P("{\"jobType\":\"COMPUTATION\",\"sourceAppName\":\"APP\","
	    "\"taskId\":\"T1\",\"instanceId\":\"TI-1\"}");
	json_t *l = P("{\"jobType\":\"LOCAL_SERVICE\",\"serviceId\":\"ls-1\","
	    "\"serviceName\":\"ls\",\"instanceId\":\"SI-1\"}");
	json_t *a = P("{\"appId\":\"web-1\",\"instanceId\":\"AI-1\"}");
	json_t *bad = P("{\"jobType\":\"COMPUTATION\",\"appId\":\"web-1\","
	    "\"instanceId\":\"TI-1\"}");
	json_t *odd = P("{\"jobType\":\"BATCH\",\"appId\":\"web-1\","
	    "\"instanceId\":\"AI-1\"}");
	struct rec_assignment r;
	char p[ZKP_MAX];

	ok(rec_assignment_read(t, &r) == 0 && r.job == JOB_COMPUTATION &&
	    !strcmp(r.app_id, "APP") && !strcmp(r.task_id, "T1") &&
	    rec_assignment_info_path(p, "drove", &r) == 0,
	    "task assignment read");
	is_str(p, "/drove/tasks/APP/T1", "a task reports to its TaskInfo");
	ok(rec_assignment_read(l, &r) == 0 && r.job == JOB_LOCAL_SERVICE &&
	    !strcmp(r.app_id, "ls-1") && !strcmp(r.app_name, "ls") &&
	    rec_assignment_info_path(p, "drove", &r) == 0,
	    "local-service assignment read");
	is_str(p, "/drove/localserviceinstances/ls-1/SI-1",
	    "a local-service instance reports to its instance info");
	ok(rec_assignment_read(a, &r) == 0 && r.job == JOB_SERVICE &&
	    rec_assignment_info_path(p, "drove", &r) == 0,
	    "an assignment without jobType is an app instance's");
	is_str(p, "/drove/instances/web-1/AI-1", "it reports to InstanceInfo");
	ok(rec_assignment_read(bad, &r) < 0, "a task assignment needs taskId");
	{
		json_t *spec = P("{\"name\":\"ls\",\"version\":\"1\","
		    "\"placementPolicy\":{\"type\":\"LOCAL\","
		    "\"hostLevel\":true}}"), *x, *ii, *ev;
		struct rec_assignment f = { .job = JOB_LOCAL_SERVICE,
		    .app_id = "ls-1", .instance_id = "SI-1",
		    .executor_id = "E1" };
		struct rec_instance fi = { .job = JOB_LOCAL_SERVICE,
		    .app_id = "ls-1", .app_name = "ls", .instance_id = "SI-1",
		    .executor_id = "E1", .hostname = "h", .state = INST_HEALTHY },
		    ri;

		x = rec_assignment_new(&f, spec);
		ok(x && !json_object_get(x, "appId") &&
		    !strcmp(js_str(x, "serviceId", ""), "ls-1") &&
		    !strcmp(js_str(x, "serviceName", ""), "ls") &&
		    !strcmp(js_str(x, "jobType", ""), "LOCAL_SERVICE") &&
		    json_is_true(json_object_get(x, "hostLevelInstance")),
		    "LocalServiceInstanceSpec: serviceId, serviceName, "
		    "jobType, hostLevelInstance");
		ok(rec_assignment_read(x, &r) == 0 &&
		    r.job == JOB_LOCAL_SERVICE && !strcmp(r.app_id, "ls-1"),
		    "and it reads back");
		ii = rec_instance_new(&fi);
		ok(ii && !json_object_get(ii, "appId") &&
		    !strcmp(js_str(ii, "serviceName", ""), "ls") &&
		    rec_instance_read(ii, &ri) == 0 &&
		    ri.job == JOB_LOCAL_SERVICE && !strcmp(ri.app_id, "ls-1") &&
		    ri.state == INST_HEALTHY,
		    "LocalServiceInstanceInfo round trip");
		ev = rec_event_instance_state(ii, 5);
		ok(ev && !strcmp(js_str(ev, "type", ""),
		    "LOCAL_SERVICE_INSTANCE_STATE_CHANGE") &&
		    !strcmp(js_str(json_object_get(ev, "metadata"),
		    "SERVICE_ID", ""), "ls-1") &&
		    !strcmp(js_str(json_object_get(ev, "metadata"),
		    "SERVICE_NAME", ""), "ls"),
		    "its event names the service");
		json_decref(ev);
		json_decref(ii);
		json_decref(x);
		json_decref(spec);
	}
	ok(rec_assignment_read(odd, &r) < 0, "unknown jobType refused");
	json_decref(t);
	json_decref(l);
	json_decref(a);
	json_decref(bad);
	json_decref(odd);
}

int
main(void)
{
	test_tables();
	test_job_tables();
	test_assignment_kinds();
	test_classes();
	test_app();
	test_request();
	test_assignment();
	test_instance();
	test_executor();
	test_cluster_leader();
	test_cluster_window();
	test_removed_blacklist();
	return done_testing();
}
