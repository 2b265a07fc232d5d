#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "zkpath.h"
#include "tap.h"

int
main(void)
{
	char p[ZKP_MAX], longid[600];
	json_t *spec, *a;

	ok(zkp_app(p, "drove", "hello-1") == 0, "app path");
	is_str(p, "/drove/applications/hello-1", "app path value");
	zkp_instance(p, "drove", "hello-1", "AI-1");
	is_str(p, "/drove/instances/hello-1/AI-1", "instance path");
	zkp_assignment(p, "drove", "e1", "AI-1");
	is_str(p, "/drove/assignments/e1/AI-1", "assignment path");
	zkp_request(p, "x", "AI-2");
	is_str(p, "/x/requests/AI-2", "request path in another namespace");
	zkp_election_prefix(p, "drove");
	is_str(p, "/drove/leaderselection/leader-", "election prefix");
	zkp_executor(p, "drove", "e1");
	is_str(p, "/drove/executor/e1", "executor path");
	zkp_metrics(p, "drove", "drove-monitor");
	is_str(p, "/drove/metrics/drove-monitor", "a program's metrics path");
	ok(zkp_app(p, "drove", "a/b") < 0 && errno == EINVAL, "slash in id refused");
	ok(zkp_app(p, "drove", "..") < 0, "dot-dot refused");
	ok(zkp_app(p, "drove", "") < 0, "empty id refused");
	memset(longid, 'a', sizeof longid - 1);
	longid[sizeof longid - 1] = '\0';
	ok(zkp_app(p, "drove", longid) < 0 && errno == ENAMETOOLONG, "too long");
	is_str(zkp_base("/drove/applications/x"), "x", "basename");
	ok(zkp_child(p, "/drove/leaderselection", "leader-0000000001") == 0, "child path");
	is_str(p, "/drove/leaderselection/leader-0000000001", "child path value");
	ok(zkp_child(p, "/drove", "a/b") < 0 && errno == EINVAL, "child with slash refused");
	ok(zkp_child(p, "relative", "x") < 0, "relative dir refused");

	ok(inst_state_is_wanted(INST_HEALTHY) && inst_state_is_wanted(INST_PENDING), "wanted states");
	ok(!inst_state_is_wanted(INST_UNHEALTHY) && !inst_state_is_wanted(INST_STOPPED), "not wanted");
	ok(inst_state_is_terminal(INST_LOST) && !inst_state_is_terminal(INST_STOPPING), "terminal");
	ok(inst_state_is_active(INST_STOPPING) && !inst_state_is_active(INST_STOPPED), "active");
	ok(!inst_state_valid("BOGUS") && inst_state_valid("UNKNOWN"), "valid");

	spec = json_pack("{s:s, s:s, s:[{s:s, s:i}, {s:s, s:i}]}", "name", "hello",
	    "version", "1", "resources", "type", "CPU", "count", 2, "type",
	    "MEMORY", "sizeInMB", 512);
	ok(app_id_of(spec, p, sizeof p) == 0, "app id");
	is_str(p, "hello-1", "app id is name-version");
	is_int(spec_cpus(spec), 2, "cpus");
	is_int(spec_memory_mb(spec), 512, "memory");
	a = alloc_cpu_new(1, (const int[]){ 4, 5 }, 2);
	{
		char *s = js_dump(a);

		is_str(s, "{\"type\":\"CPU\",\"cores\":{\"1\":[4,5]}}", "cpu allocation JSON");
		free(s);
	}
	json_decref(a);
	a = json_pack("[o, o, o, o]", alloc_cpu_new(0, (const int[]){ 1, 2 },
	    2), alloc_cpu_new(1, (const int[]){ 7 }, 1), alloc_mem_new(0, 512),
	    alloc_mem_new(1, 256));
	is_int(alloc_cores(a), 3, "cores of allocations, over NUMA nodes");
	is_int(alloc_memory_mb(a), 768, "MB of allocations, over NUMA nodes");
	is_int(alloc_cores(NULL), 0, "no allocations: no cores");
	json_decref(a);
	json_decref(spec);
	return done_testing();
}
