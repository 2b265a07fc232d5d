/* t_topo: executor resources from a synthetic hwloc topology, and Drove's
 * resources options as pure transforms. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "topo.h"
#include "tap.h"

static int
layout_is(const struct topo *t, const char *want)
{
	json_t *l = topo_layout_json(t), *w = js_parse(want, strlen(want));
	int r = json_equal(l, w);

	if (!r) {
		char *s = js_dump(l);

		printf("#   got %s\n", s);
		free(s);
	}
	json_decref(l);
	json_decref(w);
	return r;
}

static void
small(struct topo *t)
{
	static const int n0[] = { 0, 1, 2, 3 }, n1[] = { 4, 5, 6, 7 };

	memset(t, 0, sizeof *t);
	topo_add_node(t, 1, n1, 4, 2000);
	topo_add_node(t, 0, n0, 4, 1000);
}

int
main(void)
{
	struct topo t;
	json_t *res;
	static const int os[] = { 0, 5 };
	const char *y;

	setenv("HWLOC_SYNTHETIC", "pack:2 numa:1 core:8 pu:2", 1);
	ok(topo_discover(&t) == 0, "discover synthetic topology");
	is_int(t.nnodes, 2, "two NUMA nodes");
	is_int(topo_total_cores(&t), 32, "32 PUs");
	is_int(t.node[0].ncores, 16, "16 PUs on node 0");
	is_int(t.node[1].cores[0], 16, "node 1 starts at PU 16");
	is_int(t.node[0].mem_mb, 1024, "1 GiB per synthetic node");
	is_int(topo_node_of(&t, 17), 1, "PU 17 is on node 1");
	res = json_pack("{s:[i,i],s:i,s:b}", "osCores", 0, 1,
	    "exposedMemPercentage", 50, "disableNUMAPinning", 1);
	ok(topo_apply(&t, res) == 0, "apply options");
	json_decref(res);
	is_int(t.nnodes, 1, "NUMA merged");
	is_int(t.node[0].ncores, 30, "os cores removed");
	is_int(t.node[0].cores[0], 2, "first core 2");
	is_int(t.node[0].mem_mb, 1024, "memory 2 x 50%% of 1024");
	topo_free(&t);

	small(&t);
	ok(layout_is(&t, "{\"cores\":{\"0\":[0,1,2,3],\"1\":[4,5,6,7]},"
	    "\"memory\":{\"0\":1000,\"1\":2000}}"), "layout json");
	topo_remove_cores(&t, os, 2);
	topo_mem_percent(&t, 90);
	ok(layout_is(&t, "{\"cores\":{\"0\":[1,2,3],\"1\":[4,6,7]},"
	    "\"memory\":{\"0\":900,\"1\":1800}}"), "osCores and 90%%");
	topo_free(&t);

	is_int(topo_next_prime(1), 2, "next prime of 1");
	is_int(topo_next_prime(2), 2, "next prime of 2");
	is_int(topo_next_prime(4), 5, "next prime of 4");
	is_int(topo_next_prime(20), 23, "next prime of 20");

	small(&t);
	ok(topo_overprovision(&t, 3, 2) == 0, "overprovision x3");
	/* p = 3: core c -> (c+1)*3 + 1..3 */
	ok(layout_is(&t, "{\"cores\":{\"0\":[4,5,6,7,8,9,10,11,12,13,14,15],"
	    "\"1\":[16,17,18,19,20,21,22,23,24,25,26,27]},"
	    "\"memory\":{\"0\":2000,\"1\":4000}}"), "vcore ids (c+1)*p+i");
	ok(topo_overprovision(&t, 21, 1) < 0, "multiplier > 20 refused");
	topo_free(&t);

	small(&t);
	ok(topo_overprovision(&t, 4, 1) == 0, "overprovision x4");
	is_int(t.node[0].cores[0], 6, "p = 5: core 0 -> 6");
	is_int(t.node[0].cores[3], 9, "core 0 -> 9");
	is_int(t.node[0].cores[4], 11, "core 1 -> 11");
	topo_free(&t);

	small(&t);
	ok(topo_merge_numa(&t) == 0, "merge");
	ok(layout_is(&t, "{\"cores\":{\"0\":[0,1,2,3,4,5,6,7]},"
	    "\"memory\":{\"0\":3000}}"), "merged into node 0");
	topo_free(&t);

	small(&t);
	y = "{\"osCores\":[3],\"overProvisioning\":{\"enabled\":true,"
	    "\"cpuMultiplier\":2,\"memoryMultiplier\":3}}";
	res = js_parse(y, strlen(y));
	ok(topo_apply(&t, res) == 0, "apply with overprovisioning");
	ok(layout_is(&t, "{\"cores\":{\"0\":[3,4,5,6,7,8],"
	    "\"1\":[11,12,13,14,15,16,17,18]},"
	    "\"memory\":{\"0\":3000,\"1\":6000}}"), "osCores then vcores");
	json_decref(res);
	res = json_pack("{s:i}", "exposedMemPercentage", 10);
	ok(topo_apply(&t, res) < 0 && errno == EINVAL,
	    "exposedMemPercentage 10 refused");
	is_str(err_text(), "resources.exposedMemPercentage: must be 50..100",
	    "the text says why");
	json_decref(res);
	topo_free(&t);
	return done_testing();
}
