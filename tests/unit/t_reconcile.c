/* t_reconcile: the executor's restart decisions as a pure function. */
#include <string.h>

#include "json.h"
#include "reconcile.h"
#include "record.h"
#include "tap.h"
#include "tap_json.h"

/* the decision for instanceId iid with action act, or NULL */
static json_t *
find(json_t *d, const char *act, const char *iid)
{
	json_t *x;
	size_t i;

	json_array_foreach(d, i, x)
		if (!strcmp(js_str(x, "action", ""), act) &&
		    !strcmp(js_str(x, "instanceId", ""), iid))
			return x;
	return NULL;
}

/* The records as drove-sched and drove-execd store them. */
static void
assign(json_t *as, const char *iid, enum target_state t)
{
	json_t *spec = P("{\"name\":\"a\",\"version\":\"1\"}");

	json_object_set_new(as, iid, rec_assignment_new(&(struct rec_assignment){
	    .app_id = "a-1", .instance_id = iid, .executor_id = "E",
	    .target = t }, spec));
	json_decref(spec);
}

static void
info(json_t *in, const char *iid, enum inst_state s)
{
	json_object_set_new(in, iid, rec_instance_new(&(struct rec_instance){
	    .app_id = "a-1", .instance_id = iid, .executor_id = "E",
	    .state = s }));
}

int
main(void)
{
	json_t *c, *a, *in, *d, *x;

	c = P("["
	    "{\"Id\":\"c1\",\"State\":\"running\",\"Labels\":{"
	    "\"drove.instance.id\":\"AI-1\",\"drove.executor.id\":\"E\"}},"
	    "{\"Id\":\"c2\",\"State\":\"running\",\"Labels\":{"
	    "\"drove.instance.id\":\"AI-2\",\"drove.executor.id\":\"E\"}},"
	    "{\"Id\":\"c3\",\"State\":\"exited\",\"Labels\":{"
	    "\"drove.instance.id\":\"AI-3\",\"drove.executor.id\":\"E\"}},"
	    "{\"Id\":\"c4\",\"State\":\"running\",\"Labels\":{"
	    "\"drove.instance.id\":\"AI-4\",\"drove.executor.id\":\"E\"}},"
	    "{\"Id\":\"c5\",\"State\":\"running\",\"Labels\":{"
	    "\"drove.instance.id\":\"AI-5\",\"drove.executor.id\":\"OTHER\"}},"
	    "{\"Id\":\"c6\",\"State\":\"running\",\"Labels\":{}},"
	    "{\"Id\":\"c8\",\"State\":\"running\",\"Labels\":{"
	    "\"drove.instance.id\":\"AI-8\"}},"
	    "{\"Id\":\"c7\",\"State\":\"running\",\"Labels\":{"
	    "\"drove.instance.id\":\"AI-7\",\"drove.executor.id\":\"E\"}}"
	    "]");
	a = json_object();
	assign(a, "AI-1", TARGET_RUNNING);
	assign(a, "AI-3", TARGET_RUNNING);
	assign(a, "AI-4", TARGET_STOPPED);
	assign(a, "AI-7", TARGET_RUNNING);
	assign(a, "AI-8", TARGET_RUNNING);
	assign(a, "AI-9", TARGET_RUNNING);
	assign(a, "AI-10", TARGET_RUNNING);
	in = json_object();
	info(in, "AI-1", INST_HEALTHY);
	info(in, "AI-3", INST_HEALTHY);
	info(in, "AI-7", INST_STOPPED);
	info(in, "AI-8", INST_UNREADY);
	info(in, "AI-9", INST_PENDING);
	info(in, "AI-10", INST_LOST);
	d = reconcile_decide(c, a, in, "E");
	ok(d && json_is_array(d), "decisions array");
	x = find(d, "adopt", "AI-1");
	ok(x != NULL, "running assigned container adopted");
	is_str(js_str(x, "containerId", NULL), "c1", "adopt container id");
	is_str(js_str(x, "appId", NULL), "a-1", "adopt app id");
	ok(find(d, "kill", "AI-2") != NULL, "unassigned container killed");
	ok(find(d, "kill", "AI-3") != NULL, "exited container killed");
	ok(find(d, "lost", "AI-3") != NULL, "exited HEALTHY instance lost");
	ok(find(d, "kill", "AI-4") != NULL, "targetState STOPPED killed");
	ok(!find(d, "kill", "AI-5") && !find(d, "adopt", "AI-5"),
	    "another executor's container left alone");
	ok(!find(d, "kill", "AI-8") && !find(d, "adopt", "AI-8"),
	    "a container without drove.executor.id left alone");
	ok(find(d, "kill", "AI-7") != NULL, "terminal instance's container killed");
	ok(!find(d, "lost", "AI-7"), "terminal instance not lost");
	x = find(d, "lost", "AI-8");
	ok(x != NULL, "UNREADY without container lost");
	is_str(js_str(x, "containerId", NULL), "", "lost has no container");
	ok(!find(d, "lost", "AI-9"), "PENDING not lost");
	ok(!find(d, "lost", "AI-10"), "LOST not lost again");
	ok(!find(d, "lost", "AI-1"), "adopted not lost");
	is_int(json_array_size(d), 7, "seven decisions");
	json_decref(d);
	x = json_array();
	d = reconcile_decide(x, NULL, NULL, "E");
	is_int(json_array_size(d), 0, "nothing to do");
	json_decref(d);
	json_decref(x);
	/* Drove's own ApplicationInstanceSpec has no targetState: run it */
	json_object_del(json_object_get(a, "AI-1"), "targetState");
	d = reconcile_decide(c, a, in, "E");
	ok(find(d, "adopt", "AI-1") != NULL, "no targetState: adopted");
	json_decref(d);
	json_decref(c);
	json_decref(a);
	json_decref(in);

	/* local-service instances: the same rules, by their serviceId */
	c = P("["
	    "{\"Id\":\"s1\",\"State\":\"running\",\"Labels\":{"
	    "\"drove.instance.id\":\"SI-1\",\"drove.executor.id\":\"E\","
	    "\"drove.job.type\":\"LOCAL_SERVICE\"}},"
	    "{\"Id\":\"s2\",\"State\":\"running\",\"Labels\":{"
	    "\"drove.instance.id\":\"SI-2\",\"drove.executor.id\":\"E\","
	    "\"drove.job.type\":\"LOCAL_SERVICE\"}}"
	    "]");
	a = json_object();
	in = json_object();
	x = P("{\"name\":\"ls\",\"version\":\"1\",\"placementPolicy\":"
	    "{\"type\":\"LOCAL\",\"hostLevel\":true}}");
	json_object_set_new(a, "SI-1", rec_assignment_new(&(struct rec_assignment){
	    .job = JOB_LOCAL_SERVICE, .app_id = "ls-1", .instance_id = "SI-1",
	    .executor_id = "E", .target = TARGET_RUNNING }, x));
	json_object_set_new(a, "SI-3", rec_assignment_new(&(struct rec_assignment){
	    .job = JOB_LOCAL_SERVICE, .app_id = "ls-1", .instance_id = "SI-3",
	    .executor_id = "E", .target = TARGET_RUNNING }, x));
	json_decref(x);
	json_object_set_new(in, "SI-1", rec_instance_new(&(struct rec_instance){
	    .job = JOB_LOCAL_SERVICE, .app_id = "ls-1", .instance_id = "SI-1",
	    .executor_id = "E", .state = INST_HEALTHY }));
	json_object_set_new(in, "SI-3", rec_instance_new(&(struct rec_instance){
	    .job = JOB_LOCAL_SERVICE, .app_id = "ls-1", .instance_id = "SI-3",
	    .executor_id = "E", .state = INST_HEALTHY }));
	d = reconcile_decide(c, a, in, "E");
	x = find(d, "adopt", "SI-1");
	ok(x != NULL, "LS: running assigned container adopted");
	is_str(js_str(x, "appId", NULL), "ls-1", "LS: appId is the serviceId");
	x = find(d, "kill", "SI-2");
	ok(x != NULL, "LS: unassigned container killed");
	x = find(d, "lost", "SI-3");
	ok(x != NULL, "LS: HEALTHY without container lost");
	is_str(js_str(x, "appId", NULL), "ls-1", "LS: lost appId is the serviceId");
	is_int(json_array_size(d), 3, "LS: three decisions");
	json_decref(d);
	json_decref(c);
	json_decref(a);
	json_decref(in);
	return done_testing();
}
