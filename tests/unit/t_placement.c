/* t_placement: the scheduler's placement arithmetic (lib/placement). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "placement.h"
#include "tap.h"

/*
 * An ExecutorNodeData with layout cores/memory given as JSON text, e.g.
 * node("e1", "h1", "ACTIVE", "[\"h1\"]", "{\"0\":[0,1]}", "{\"0\":512}").
 */
static json_t *
node(const char *id, const char *host, const char *state, const char *tags,
    const char *cores, const char *mem)
{
	json_t *n = json_pack("{s:s, s:s, s:i, s:{s:s, s:{s:o, s:o}}, s:o, "
	    "s:s}", "type", "EXECUTOR", "hostname", host, "port", 3000,
	    "state", "executorId", id, "layout",
	    "cores", json_loads(cores, 0, NULL),
	    "memory", json_loads(mem, 0, NULL),
	    "tags", json_loads(tags, 0, NULL),
	    "executorState", state);

	if (!n)
		abort();
	return n;
}

static void
add(struct pl_view *v, const char *id, const char *host, const char *state,
    const char *tags, const char *cores, const char *mem)
{
	json_t *n = node(id, host, state, tags, cores, mem);

	if (pl_view_add_node(v, NULL, n) < 0)
		abort();
	json_decref(n);
}

/* An assignment holding cores on node 0 for app. */
static void
hold(struct pl_view *v, const char *eid, const char *app, const char *res)
{
	json_t *a = json_pack("{s:s, s:o}", "appId", app, "resources",
	    json_loads(res, 0, NULL));

	if (pl_view_hold(v, eid, a) < 0)
		abort();
	json_decref(a);
}

static json_t *
pol(const char *text)
{
	return json_loads(text, 0, NULL);
}

static int
place(struct pl_view *v, const char *app, int cores, long long mem,
    const json_t *p, struct pl_result *r)
{
	struct pl_request rq = { app, cores, mem, p };

	return pl_place(v, &rq, r);
}

static int
cores_are(const struct pl_result *r, const int *want, int n)
{
	return r->ncores == n && !memcmp(r->cores, want, n * sizeof(int));
}

static void
t_any_and_cores(void)
{
	struct pl_view *v = pl_view_new();
	struct pl_result r = PL_RESULT_ZERO;
	json_t *res;
	char *s;
	int w[] = { 1, 2 };

	add(v, "e1", "h1", "ACTIVE", "[\"h1\"]", "{\"0\":[3,1,2]}",
	    "{\"0\":1024}");
	is_int(place(v, "a-1", 2, 512, NULL, &r), 1, "ANY places");
	is_str(r.executor_id, "e1", "on the only executor");
	is_str(r.hostname, "h1", "hostname reported");
	is_int(r.numa, 0, "NUMA node 0");
	ok(cores_are(&r, w, 2), "lowest free core ids 1,2");
	is_int(r.memory_mb, 512, "memory");
	res = pl_result_resources(&r);
	s = js_dump(res);
	is_str(s, "[{\"type\":\"CPU\",\"cores\":{\"0\":[1,2]}},"
	    "{\"type\":\"MEMORY\",\"memoryInMB\":{\"0\":512}}]",
	    "resources JSON");
	free(s);
	json_decref(res);
	is_int(pl_view_find(v, "e1")->numa[0].nfree, 1, "view mutated: "
	    "one core left");
	is_int(pl_view_find(v, "e1")->numa[0].mem_mb, 512, "memory left");
	is_int(pl_count(pl_view_find(v, "e1"), "a-1"), 1, "app counted");
	is_int(place(v, "a-1", 2, 1, NULL, &r), 0,
	    "no double booking: 2 cores no longer fit");
	is_str(r.why, "0 of 1 executors: 1 lack 2 free cores on one NUMA "
	    "node", "reason text");
	{
		json_t *p = pol("{\"type\":\"ANY\"}");

		is_int(place(v, "a-1", 1, 512, p, &r), 1,
		    "last core and memory still fit");
		is_int(r.cores[0], 3, "core 3");
		json_decref(p);
	}
	pl_result_free(&r);
	pl_view_free(v);
}

static void
t_one_per_host(void)
{
	struct pl_view *v = pl_view_new();
	struct pl_result r = PL_RESULT_ZERO;
	json_t *p = pol("{\"type\":\"ONE_PER_HOST\"}");

	add(v, "e1", "h1", "ACTIVE", "[\"h1\"]", "{\"0\":[0,1,2,3]}",
	    "{\"0\":4096}");
	add(v, "e2", "h2", "ACTIVE", "[\"h2\"]", "{\"0\":[0,1,2,3]}",
	    "{\"0\":4096}");
	is_int(place(v, "a-1", 1, 10, p, &r), 1, "ONE_PER_HOST first");
	is_str(r.executor_id, "e1", "first on e1 (tie -> executorId)");
	is_int(place(v, "a-1", 1, 10, p, &r), 1, "ONE_PER_HOST second");
	is_str(r.executor_id, "e2", "second on e2 despite best fit on e1");
	is_int(place(v, "a-1", 1, 10, p, &r), 0, "third does not fit");
	is_str(r.why, "0 of 2 executors: 2 excluded by ONE_PER_HOST",
	    "ONE_PER_HOST reason");
	is_int(place(v, "b-1", 1, 10, p, &r), 1, "other appId unaffected");
	pl_result_free(&r);
	json_decref(p);
	pl_view_free(v);
}

static void
t_max_n(void)
{
	struct pl_view *v = pl_view_new();
	struct pl_result r = PL_RESULT_ZERO;
	json_t *p = pol("{\"type\":\"MAX_N_PER_HOST\",\"max\":2}");
	json_t *bad = pol("{\"type\":\"MAX_N_PER_HOST\",\"max\":0}");

	add(v, "e1", "h1", "ACTIVE", "[\"h1\"]", "{\"0\":[0,1,2,3,4,5]}",
	    "{\"0\":4096}");
	hold(v, "e1", "a-1", "[{\"type\":\"CPU\",\"cores\":{\"0\":[0]}},"
	    "{\"type\":\"MEMORY\",\"memoryInMB\":{\"0\":100}}]");
	is_int(pl_count(pl_view_find(v, "e1"), "a-1"), 1,
	    "hold counts the assignment's app");
	is_int(pl_view_find(v, "e1")->numa[0].nfree, 5, "hold takes core");
	is_int(pl_view_find(v, "e1")->numa[0].mem_mb, 3996,
	    "hold takes memory");
	is_int(place(v, "a-1", 1, 10, p, &r), 1, "second of max 2 fits");
	is_int(r.cores[0], 1, "core 1 (core 0 held)");
	is_int(place(v, "a-1", 1, 10, p, &r), 0, "third excluded");
	is_str(r.why, "0 of 1 executors: 1 excluded by MAX_N_PER_HOST(2)",
	    "MAX_N reason");
	is_int(place(v, "a-1", 1, 10, bad, &r), -1, "max 0 is invalid");
	ok(errno == EINVAL && strstr(r.why, "invalid placementPolicy"),
	    "EINVAL with a reason: %s", r.why);
	ok(pl_view_hold(v, "nope", p) < 0 && errno == ENOENT,
	    "hold on an unknown executor is ENOENT");
	pl_result_free(&r);
	json_decref(p);
	json_decref(bad);
	pl_view_free(v);
}

static void
t_tags(void)
{
	struct pl_view *v = pl_view_new();
	struct pl_result r = PL_RESULT_ZERO;
	json_t *m = pol("{\"type\":\"MATCH_TAG\",\"tag\":\"gpu\"}");
	json_t *mh = pol("{\"type\":\"match_tag\",\"tag\":\"h1\"}");
	json_t *nt = pol("{\"type\":\"NO_TAG\"}");
	json_t *rb = pol("{\"type\":\"RULE_BASED\",\"ruleType\":\"MVEL\","
	    "\"rule\":\"true\"}");

	add(v, "e1", "h1", "ACTIVE", "[\"h1\"]", "{\"0\":[0,1]}",
	    "{\"0\":1000}");
	add(v, "e2", "h2", "ACTIVE", "[\"h2\",\"gpu\"]", "{\"0\":[0,1,2,3]}",
	    "{\"0\":1000}");
	is_int(place(v, "a-1", 1, 10, m, &r), 1, "MATCH_TAG places");
	is_str(r.executor_id, "e2", "only on the tagged executor");
	is_int(place(v, "a-1", 1, 10, mh, &r), 1,
	    "MATCH_TAG by hostname (type case-insensitive)");
	is_str(r.executor_id, "e1", "on h1");
	/* ANY is effectively AND(ANY, NO_TAG): e2 (best fit otherwise)
	 * must not get it. */
	is_int(place(v, "a-1", 1, 10, NULL, &r), 1, "ANY places");
	is_str(r.executor_id, "e1", "effective NO_TAG skips tagged e2");
	is_int(place(v, "a-1", 1, 10, NULL, &r), 0, "e1 full, e2 tagged");
	is_str(r.why, "0 of 2 executors: 1 excluded by NO_TAG, 1 lack 1 "
	    "free cores on one NUMA node", "NO_TAG and cores reasons");
	is_int(place(v, "a-1", 1, 10, nt, &r), 0, "explicit NO_TAG");
	is_int(place(v, "a-1", 1, 10, rb, &r), 0, "RULE_BASED not matching");
	ok(strstr(r.why, "2 excluded by RULE_BASED") &&
	    strstr(r.why, "RULE_BASED not supported yet"),
	    "RULE_BASED reason: %s", r.why);
	pl_result_free(&r);
	json_decref(m);
	json_decref(mh);
	json_decref(nt);
	json_decref(rb);
	pl_view_free(v);
}

static void
t_composite(void)
{
	struct pl_view *v = pl_view_new();
	struct pl_result r = PL_RESULT_ZERO;
	json_t *and = pol("{\"type\":\"COMPOSITE\",\"combiner\":\"AND\","
	    "\"policies\":[{\"type\":\"MATCH_TAG\",\"tag\":\"pool\"},"
	    "{\"type\":\"ONE_PER_HOST\"}]}");
	json_t *or = pol("{\"type\":\"COMPOSITE\",\"combiner\":\"OR\","
	    "\"policies\":[{\"type\":\"MATCH_TAG\",\"tag\":\"x\"},"
	    "{\"type\":\"COMPOSITE\",\"policies\":["
	    "{\"type\":\"MATCH_TAG\",\"tag\":\"y\"}]}]}");
	json_t *plain = pol("{\"type\":\"COMPOSITE\",\"policies\":"
	    "[{\"type\":\"ONE_PER_HOST\"}]}");

	add(v, "e1", "h1", "ACTIVE", "[\"h1\",\"pool\"]", "{\"0\":[0,1,2]}",
	    "{\"0\":1000}");
	add(v, "e2", "h2", "ACTIVE", "[\"h2\",\"pool\",\"y\"]",
	    "{\"0\":[0,1,2]}", "{\"0\":1000}");
	add(v, "e3", "h3", "ACTIVE", "[\"h3\"]", "{\"0\":[0,1,2]}",
	    "{\"0\":1000}");
	is_int(place(v, "a-1", 1, 1, and, &r), 1, "AND #1");
	is_str(r.executor_id, "e1", "AND #1 on e1");
	is_int(place(v, "a-1", 1, 1, and, &r), 1, "AND #2");
	is_str(r.executor_id, "e2", "AND #2 on e2 (one per host)");
	is_int(place(v, "a-1", 1, 1, and, &r), 0, "AND #3 fails");
	is_str(r.why, "0 of 3 executors: 2 excluded by ONE_PER_HOST, "
	    "1 excluded by MATCH_TAG(pool)", "AND reasons per leaf");
	is_int(place(v, "b-1", 1, 1, or, &r), 1, "OR with nested AND");
	is_str(r.executor_id, "e2", "OR matched tag y via nested COMPOSITE");
	is_int(place(v, "b-1", 1, 1, or, &r), 1, "OR again");
	is_int(place(v, "b-1", 1, 1, or, &r), 0, "OR: e2 full");
	ok(strstr(r.why, "2 excluded by (MATCH_TAG(x) OR MATCH_TAG(y))") &&
	    strstr(r.why, "1 lack 1 free cores"), "OR reason: %s", r.why);
	/* COMPOSITE without tag rules gets the implicit NO_TAG. */
	is_int(place(v, "c-1", 1, 1, plain, &r), 1, "plain COMPOSITE");
	is_str(r.executor_id, "e3", "effective NO_TAG through COMPOSITE");
	is_int(place(v, "c-1", 1, 1, plain, &r), 0, "then none");
	is_str(r.why, "0 of 3 executors: 2 excluded by NO_TAG, "
	    "1 excluded by ONE_PER_HOST", "reasons");
	pl_result_free(&r);
	json_decref(and);
	json_decref(or);
	json_decref(plain);
	pl_view_free(v);
}

static void
t_numa(void)
{
	struct pl_view *v = pl_view_new();
	struct pl_result r = PL_RESULT_ZERO;
	int w[] = { 8, 9, 10, 11 };

	/* e1: 4 free cores split 2+2; e2: node 1 has exactly 4. */
	add(v, "e1", "h1", "ACTIVE", "[\"h1\"]", "{\"0\":[0,1],\"1\":[4,5]}",
	    "{\"0\":8000,\"1\":8000}");
	add(v, "e2", "h2", "ACTIVE", "[\"h2\"]",
	    "{\"0\":[0,1,2,3,4,5],\"1\":[11,10,9,8]}",
	    "{\"0\":8000,\"1\":8000}");
	is_int(place(v, "a-1", 4, 100, NULL, &r), 1, "4 cores fit");
	is_str(r.executor_id, "e2", "not on fragmented e1");
	is_int(r.numa, 1, "exact fit node 1 preferred over node 0");
	ok(cores_are(&r, w, 4), "cores 8..11 on node 1");
	is_int(place(v, "a-1", 4, 100, NULL, &r), 1, "next 4");
	is_int(r.numa, 0, "node 0 of e2");
	is_int(place(v, "a-1", 4, 100, NULL, &r), 0,
	    "2+2 free cannot take 4");
	is_str(r.why, "0 of 2 executors: 2 lack 4 free cores on one NUMA "
	    "node", "cores reason");
	/* memory per node: e1 node 0 has cores but node memory is short */
	is_int(place(v, "a-1", 2, 8001, NULL, &r), 0,
	    "memory is per NUMA node");
	is_str(r.why, "0 of 2 executors: 2 lack 8001 MB of memory on one "
	    "NUMA node", "memory reason");
	pl_result_free(&r);
	pl_view_free(v);
}

static void
t_best_fit_and_states(void)
{
	struct pl_view *v = pl_view_new();
	struct pl_result r = PL_RESULT_ZERO;
	json_t *data;

	add(v, "e3", "h3", "ACTIVE", "[\"h3\"]", "{\"0\":[0,1,2,3,4,5,6,7]}",
	    "{\"0\":9000}");
	add(v, "e2", "h2", "ACTIVE", "[\"h2\"]", "{\"0\":[0,1,2]}",
	    "{\"0\":9000}");
	add(v, "e1", "h1", "ACTIVE", "[\"h1\"]", "{\"0\":[0,1,2]}",
	    "{\"0\":100}");
	add(v, "e0", "h0", "BLACKLISTED", "[\"h0\"]", "{\"0\":[0,1]}",
	    "{\"0\":9000}");
	is_int(place(v, "a-1", 2, 200, NULL, &r), 1, "placed");
	is_str(r.executor_id, "e2", "best fit (e1 lacks memory, "
	    "e0 blacklisted, e3 leaves more)");
	is_int(place(v, "a-1", 2, 200, NULL, &r), 1, "placed");
	is_str(r.executor_id, "e3", "then e3");
	is_int(place(v, "a-1", 8, 200, NULL, &r), 0, "too big");
	is_str(r.why, "0 of 4 executors: 3 lack 8 free cores on one NUMA "
	    "node, 1 not ACTIVE", "not ACTIVE counted");
	is_int(place(v, "a-1", 1, 500, NULL, &r), 1, "1 core");
	is_str(r.executor_id, "e2", "exact fit e2");
	ok(place(v, "", 1, 1, NULL, &r) < 0 && errno == EINVAL,
	    "empty appId is EINVAL");
	ok(place(v, "a-1", 0, 1, NULL, &r) < 0 && errno == EINVAL,
	    "0 cores is EINVAL");
	data = node("e1", "h1", "ACTIVE", "[]", "{\"0\":[0]}", "{\"0\":1}");
	ok(pl_view_add_node(v, NULL, data) < 0 && errno == EEXIST,
	    "duplicate executor EEXIST");
	json_object_del(json_object_get(data, "state"), "layout");
	ok(pl_view_add_node(v, "e9", data) < 0 && errno == EINVAL,
	    "no layout EINVAL");
	json_decref(data);
	pl_result_free(&r);
	pl_view_free(v);

	v = pl_view_new();
	is_int(place(v, "a-1", 1, 1, NULL, &r), 0, "empty view");
	is_str(r.why, "0 of 0 executors", "empty view reason");
	pl_view_free(v);
}

static void
t_tie_by_id(void)
{
	struct pl_view *v = pl_view_new();
	struct pl_result r = PL_RESULT_ZERO;

	add(v, "b", "hb", "ACTIVE", "[\"hb\"]", "{\"0\":[0,1]}", "{\"0\":10}");
	add(v, "a", "ha", "ACTIVE", "[\"ha\"]", "{\"1\":[0,1]}", "{\"1\":10}");
	is_int(place(v, "x-1", 1, 1, NULL, &r), 1, "placed");
	is_str(r.executor_id, "a", "tie broken by smallest executorId");
	is_int(r.numa, 1, "its node 1");
	pl_result_free(&r);
	pl_view_free(v);
}

int
main(void)
{
	t_any_and_cores();
	t_one_per_host();
	t_max_n();
	t_tags();
	t_composite();
	t_numa();
	t_best_fit_and_states();
	t_tie_by_id();
	return done_testing();
}
