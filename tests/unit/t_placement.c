/* t_placement: the scheduler's placement arithmetic (lib/placement). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "model.h"
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
	is_int(pl_view_free_cores(v, "e1", 0), 1, "view mutated: "
	    "one core left");
	is_int(pl_view_free_memory(v, "e1", 0), 512, "memory left");
	is_int(pl_view_app_count(v, "e1", "a-1"), 1, "app counted");
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
	is_int(pl_view_app_count(v, "e1", "a-1"), 1,
	    "hold counts the assignment's app");
	is_int(pl_view_free_cores(v, "e1", 0), 5, "hold takes core");
	is_int(pl_view_free_memory(v, "e1", 0), 3996,
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
	/* RULE_BASED: see t_rules() */

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
	is_int(place(v, "a-1", 1, 10, rb, &r), 1, "RULE_BASED true matches");
	is_str(r.executor_id, "e2", "RULE_BASED is not ANDed with NO_TAG");
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

static void
addm(struct pl_view *v, const char *id, const char *host, const char *tags,
    const char *cores, const char *mem, const char *md)
{
	json_t *n = node(id, host, "ACTIVE", tags, cores, mem);

	json_object_set_new(n, "metadata", json_loads(md, 0, NULL));
	if (pl_view_add_node(v, NULL, n) < 0)
		abort();
	json_decref(n);
}

static void
t_rules(void)
{
	struct pl_view *v = pl_view_new();
	struct pl_result r = PL_RESULT_ZERO;
	struct pl_request rq = { "a-1", 1, 10, NULL };
	json_t *mv = pol("{\"type\":\"RULE_BASED\",\"ruleType\":\"MVEL\","
	    "\"rule\":\"allocatedExecutorNodeMetadata['zone'] == 'z2'\"}");
	json_t *hp = pol("{\"type\":\"RULE_BASED\",\"ruleType\":\"HOPE\","
	    "\"rule\":\"\\\"/allocatedExecutorNodeMetadata/zone\\\" == "
	    "\\\"z1\\\"\"}");
	json_t *bad = pol("{\"type\":\"RULE_BASED\",\"ruleType\":\"MVEL\","
	    "\"rule\":\"allocatedExecutorNodeMetadata['zone'] ==\"}");
	json_t *nort = pol("{\"type\":\"RULE_BASED\",\"rule\":\"true\"}");
	json_t *envr = pol("{\"type\":\"RULE_BASED\",\"ruleType\":\"MVEL\","
	    "\"rule\":\"applicationEnvironment['TIER'] == 'gold' && "
	    "allocatedExecutorNodeMetadata['zone'] == 'z1'\"}");
	json_t *andr = pol("{\"type\":\"COMPOSITE\",\"policies\":["
	    "{\"type\":\"RULE_BASED\",\"ruleType\":\"MVEL\",\"rule\":"
	    "\"allocatedExecutorNodeMetadata['zone'] == 'z2'\"},"
	    "{\"type\":\"ONE_PER_HOST\"}]}");
	json_t *gold = pol("{\"TIER\":\"gold\"}"), *tin = pol("{\"TIER\":"
	    "\"tin\"}");

	addm(v, "e1", "h1", "[\"h1\"]", "{\"0\":[0,1,2,3]}", "{\"0\":1000}",
	    "{\"zone\":\"z1\"}");
	addm(v, "e2", "h2", "[\"h2\",\"gpu\"]", "{\"0\":[0,1,2,3]}",
	    "{\"0\":1000}", "{\"zone\":\"z2\"}");
	addm(v, "e3", "h3", "[\"h3\"]", "{\"0\":[0,1,2,3]}", "{\"0\":1000}",
	    "{\"zone\":\"z2\"}");
	addm(v, "e4", "h4", "[\"h4\"]", "{\"0\":[0,1,2,3]}", "{\"0\":1000}",
	    "{}");
	is_int(place(v, "a-1", 3, 10, mv, &r), 1, "MVEL metadata rule");
	is_str(r.executor_id, "e3", "zone z2: untagged e3 before tagged e2");
	is_int(place(v, "a-1", 2, 10, mv, &r), 1, "again");
	is_str(r.executor_id, "e2", "then the tagged z2 (no NO_TAG for rules)");
	is_int(place(v, "a-1", 3, 10, mv, &r), 0, "z2 full for 3");
	is_str(r.why, "0 of 4 executors: 2 excluded by RULE_BASED("
	    "allocatedExecutorNodeMetadata['zone'] == 'z2'), 2 lack 3 free "
	    "cores on one NUMA node", "rule reason text");
	is_int(place(v, "a-1", 1, 10, hp, &r), 1, "HOPE rule");
	is_str(r.executor_id, "e1", "zone z1");
	is_int(place(v, "a-1", 1, 10, bad, &r), -1, "rule not compiling");
	ok(errno == EINVAL && strstr(r.why, "invalid placementPolicy: "
	    "RULE_BASED: column "), "EINVAL with the parser's reason: %s",
	    r.why);
	is_str(err_text(), r.why, "err_text() says the same as why");
	is_int(place(v, "a-1", 1, 10, nort, &r), -1, "no ruleType");
	ok(errno == EINVAL, "EINVAL: %s", r.why);
	rq.policy = envr;
	is_int(pl_place_env(v, &rq, tin, &r), 0, "env rule: tin fails");
	is_int(pl_place_env(v, &rq, gold, &r), 1, "env rule: gold places");
	is_str(r.executor_id, "e1", "gold in z1");
	is_int(pl_place(v, &rq, &r), 0, "no env is {}");
	/* COMPOSITE of a rule and ONE_PER_HOST */
	is_int(place(v, "b-1", 1, 10, andr, &r), 1, "rule AND one per host");
	is_str(r.executor_id, "e3", "untagged e3 first");
	is_int(place(v, "b-1", 1, 10, andr, &r), 1, "second");
	is_str(r.executor_id, "e2", "tagged e2 then");
	is_int(place(v, "b-1", 1, 10, andr, &r), 0, "third fails");
	pl_result_free(&r);
	json_decref(mv);
	json_decref(hp);
	json_decref(bad);
	json_decref(nort);
	json_decref(envr);
	json_decref(andr);
	json_decref(gold);
	json_decref(tin);
	pl_view_free(v);
}

/* Three executors with 8, 4 and 6 free of 8 cores. */
static struct pl_view *
three(int strategy, unsigned long long seed)
{
	struct pl_view *v = pl_view_new();

	add(v, "e1", "h1", "ACTIVE", "[\"h1\"]", "{\"0\":[0,1,2,3,4,5,6,7]}",
	    "{\"0\":8000}");
	add(v, "e2", "h2", "ACTIVE", "[\"h2\"]", "{\"0\":[4,5,6,7]}",
	    "{\"0\":8000}");
	add(v, "e3", "h3", "ACTIVE", "[\"h3\"]", "{\"0\":[2,3,4,5,6,7]}",
	    "{\"0\":8000}");
	ok(pl_view_set_strategy(v, strategy, seed) == 0, "strategy %d set",
	    strategy);
	return v;
}

static void
t_strategies(void)
{
	struct pl_view *v;
	struct pl_result r = PL_RESULT_ZERO;
	char seq1[64], seq2[64], seq3[64];
	int i, j, differ = 0;

	v = three(PL_BEST_FIT, 0);
	is_int(place(v, "a-1", 2, 10, NULL, &r), 1, "best fit");
	is_str(r.executor_id, "e2", "fullest that fits");
	is_int(place(v, "a-1", 4, 10, NULL, &r), 1, "best fit 4");
	is_str(r.executor_id, "e3", "6 free -> 2 left beats 8 -> 4");
	pl_view_free(v);

	v = three(PL_SPREAD, 0);
	is_int(place(v, "a-1", 2, 10, NULL, &r), 1, "spread");
	is_str(r.executor_id, "e1", "emptiest first");
	is_int(place(v, "a-1", 2, 10, NULL, &r), 1, "spread 2");
	is_str(r.executor_id, "e3", "6 free vs 6 free: largest id");
	is_int(place(v, "a-1", 2, 10, NULL, &r), 1, "spread 3");
	is_str(r.executor_id, "e1", "then e1 (6 free)");
	pl_view_free(v);
	ok(pl_view_set_strategy(v = pl_view_new(), 7, 0) < 0 &&
	    errno == EINVAL, "unknown strategy EINVAL");
	pl_view_free(v);
	is_int(pl_strategy_parse("firstfit"), PL_FIRST_FIT, "parse firstfit");
	is_int(pl_strategy_parse("spread"), PL_SPREAD, "parse spread");
	is_int(pl_strategy_parse("best"), PL_BEST_FIT, "parse best");
	is_int(pl_strategy_parse("worst"), -1, "parse unknown");

	/* first fit: same seed, same choices; other seeds differ */
	for (j = 0; j < 3; j++) {
		char *s = j == 0 ? seq1 : j == 1 ? seq2 : seq3;

		v = three(PL_FIRST_FIT, j == 2 ? 99 : 42);
		for (i = 0; i < 9; i++) {
			if (place(v, "a-1", 1, 10, NULL, &r) != 1)
				break;
			s[i] = r.executor_id[1];
		}
		s[i] = '\0';
		pl_view_free(v);
	}
	is_str(seq1, seq2, "first fit deterministic for a seed");
	is_int((int)strlen(seq1), 9, "first fit places 9");
	/* 30 executors, 1 core each: the order is the shuffle */
	{
		char a[31], b[31], id[8];
		int k;

		for (j = 0; j < 2; j++) {
			v = pl_view_new();
			for (k = 0; k < 30; k++) {
				snprintf(id, sizeof id, "e%02d", k);
				add(v, id, id, "ACTIVE", "[]", "{\"0\":[0]}",
				    "{\"0\":10}");
			}
			pl_view_set_strategy(v, PL_FIRST_FIT, j + 1);
			for (k = 0; k < 30; k++) {
				place(v, "a-1", 1, 1, NULL, &r);
				(j ? b : a)[k] = (char)('0' +
				    atoi(r.executor_id + 1) % 64);
			}
			a[30] = b[30] = '\0';
			pl_view_free(v);
		}
		differ = strcmp(a, b) != 0;
		ok(differ, "first fit: seeds 1 and 2 shuffle differently");
	}
	pl_result_free(&r);
}

static void
t_capacity(void)
{
	struct pl_view *v = pl_view_new();
	struct pl_request rq = { "a-1", 2, 1000, NULL };
	json_t *m = pol("{\"type\":\"MATCH_TAG\",\"tag\":\"gpu\"}");
	json_t *bad = pol("{\"type\":\"WHAT\"}");
	char why[256];

	is_int(pl_capacity(v, &rq, 1, why, sizeof why), 0, "empty cluster");
	is_str(why, "No executors on cluster", "no executors message");
	pl_view_free(v);
	v = pl_view_new();
	add(v, "e0", "h0", "BLACKLISTED", "[\"h0\"]", "{\"0\":[0,1]}",
	    "{\"0\":9000}");
	is_int(pl_capacity(v, &rq, 1, why, sizeof why), 0,
	    "only blacklisted");
	is_str(why, "No executors on cluster", "blacklisted is no executor");
	add(v, "e1", "h1", "ACTIVE", "[\"h1\"]",
	    "{\"0\":[0,1,2,3],\"1\":[4,5,6,7]}", "{\"0\":4000,\"1\":4000}");
	add(v, "e2", "h2", "ACTIVE", "[\"h2\",\"gpu\"]",
	    "{\"0\":[0,1,2,3,4,5]}", "{\"0\":6000}");
	is_int(pl_capacity(v, &rq, 4, why, sizeof why), 1, "4 x 2 fit e1");
	is_int(pl_capacity(v, &rq, 5, why, sizeof why), 0, "5 x 2 do not");
	is_str(why, "Required 10 cores / 5000 MB for 5 instances but "
	    "eligible executors have only 8 free cores / 8000 MB",
	    "sum message (tagged e2 not eligible for ANY)");
	rq.cores = 7;
	is_int(pl_capacity(v, &rq, 1, why, sizeof why), 0, "7 cores");
	is_str(why, "Instance needs 7 cores but the largest NUMA node of any "
	    "executor has 6", "NUMA node message");
	rq.cores = 3;
	rq.policy = m;
	is_int(pl_capacity(v, &rq, 2, why, sizeof why), 1, "MATCH_TAG 2 x 3");
	is_int(pl_capacity(v, &rq, 3, why, sizeof why), 0, "MATCH_TAG 3 x 3");
	is_str(why, "Required 9 cores / 3000 MB for 3 instances but "
	    "eligible executors have only 6 free cores / 6000 MB",
	    "only the gpu executor counted");
	rq.policy = bad;
	is_int(pl_capacity(v, &rq, 1, why, sizeof why), -1, "bad policy");
	ok(errno == EINVAL && strstr(why, "unknown placement policy"),
	    "EINVAL: %s", why);
	is_str(err_text(), why, "capacity: err_text() says the same as why");
	json_decref(m);
	json_decref(bad);
	pl_view_free(v);
}

static void
t_numa_edges(void)
{
	struct pl_view *v = pl_view_new();
	struct pl_result r = PL_RESULT_ZERO;
	struct buf b = BUF_ZERO;
	int i, w[3], k;

	/* exactly fitting: a whole node, all its memory */
	add(v, "e1", "h1", "ACTIVE", "[\"h1\"]",
	    "{\"0\":[0,1,2,3],\"1\":[4,5,6,7]}", "{\"0\":4096,\"1\":4096}");
	is_int(place(v, "a-1", 4, 4096, NULL, &r), 1, "exactly a node");
	is_int(r.numa, 0, "node 0");
	is_int(place(v, "a-1", 4, 4096, NULL, &r), 1, "exactly the other");
	is_int(r.numa, 1, "node 1");
	is_int(place(v, "a-1", 1, 0, NULL, &r), 0, "nothing left");
	pl_view_free(v);

	/* fragmented: 3+3 free on two nodes never takes 4 */
	v = pl_view_new();
	add(v, "e1", "h1", "ACTIVE", "[\"h1\"]",
	    "{\"0\":[0,1,2,3],\"1\":[4,5,6,7]}", "{\"0\":4096,\"1\":4096}");
	hold(v, "e1", "x-1", "[{\"type\":\"CPU\",\"cores\":{\"0\":[2],"
	    "\"1\":[7]}}]");
	is_int(place(v, "a-1", 4, 1, NULL, &r), 0, "fragmented 3+3");
	is_int(place(v, "a-1", 3, 1, NULL, &r), 1, "3 fit");
	w[0] = 0;
	w[1] = 1;
	w[2] = 3;
	ok(cores_are(&r, w, 3), "around the held core 2");
	pl_view_free(v);

	/* NUMA pinning off: execd merges everything into node 0 */
	v = pl_view_new();
	buf_adds(&b, "{\"0\":[");
	for (i = 0; i < 128; i++)
		buf_addf(&b, "%s%d", i ? "," : "", 127 - i);
	buf_adds(&b, "]}");
	add(v, "e1", "h1", "ACTIVE", "[\"h1\"]", b.s, "{\"0\":262144}");
	buf_free(&b);
	is_int(place(v, "a-1", 100, 1000, NULL, &r), 1,
	    "merged node: 100 cores on one node of 128");
	is_int(r.cores[99], 99, "ids 0..99");
	is_int(place(v, "a-1", 28, 1000, NULL, &r), 1, "the other 28");
	is_int(r.cores[0], 100, "from 100");
	is_int(pl_view_free_cores(v, "e1", 0), 0, "merged node full");
	pl_view_free(v);

	/* over-provisioning: vcores (c+1)*p + i, p = 5 for multiplier 4 */
	v = pl_view_new();
	buf_adds(&b, "{\"0\":[");
	for (k = 0, i = 0; i < 2; i++) {
		int m;

		for (m = 1; m <= 4; m++)
			buf_addf(&b, "%s%d", k++ ? "," : "", (i + 1) * 5 + m);
	}
	buf_adds(&b, "]}");
	add(v, "e1", "h1", "ACTIVE", "[\"h1\"]", b.s, "{\"0\":2048}");
	buf_free(&b);
	is_int(place(v, "a-1", 6, 100, NULL, &r), 1, "6 of 8 vcores");
	w[0] = 6;
	w[1] = 7;
	w[2] = 8;
	ok(r.ncores == 6 && !memcmp(r.cores, w, sizeof w),
	    "lowest vcore ids 6,7,8...");
	is_int(r.cores[5], 12, "...,11,12");
	is_int(place(v, "a-1", 3, 100, NULL, &r), 0, "only 2 vcores left");
	is_str(r.why, "0 of 1 executors: 1 lack 3 free cores on one NUMA "
	    "node", "reason");
	pl_result_free(&r);
	pl_view_free(v);
}

static void
t_reasons_at_scale(void)
{
	struct pl_view *v = pl_view_new();
	struct pl_result r = PL_RESULT_ZERO;
	char id[16];
	int i;

	for (i = 0; i < 1000; i++) {
		snprintf(id, sizeof id, "e%04d", i);
		if (i < 700)
			add(v, id, id, "ACTIVE", "[\"x\"]",
			    "{\"0\":[0,1,2,3],\"1\":[4,5,6,7]}",
			    "{\"0\":9000,\"1\":9000}");
		else if (i < 950)
			add(v, id, id, "ACTIVE", "[]",
			    "{\"0\":[0,1,2],\"1\":[4,5,6]}",
			    "{\"0\":9000,\"1\":9000}");
		else
			add(v, id, id, "BLACKLISTED", "[]",
			    "{\"0\":[0,1,2,3]}", "{\"0\":9000}");
	}
	is_int(place(v, "a-1", 4, 10, NULL, &r), 0, "nothing fits");
	is_str(r.why, "0 of 1000 executors: 700 excluded by NO_TAG, 250 lack "
	    "4 free cores on one NUMA node, 50 not ACTIVE",
	    "exact reasons at 1000");
	is_int(place(v, "a-1", 4, 10, NULL, &r), 0, "again (cached)");
	is_str(r.why, "0 of 1000 executors: 700 excluded by NO_TAG, 250 lack "
	    "4 free cores on one NUMA node, 50 not ACTIVE", "same text");
	is_int(place(v, "a-1", 3, 10, NULL, &r), 1, "3 fit");
	is_int(place(v, "a-1", 3, 9000, NULL, &r), 1, "3 more");
	is_int(place(v, "a-1", 4, 10, NULL, &r), 0, "still none");
	is_str(r.why, "0 of 1000 executors: 700 excluded by NO_TAG, 250 lack "
	    "4 free cores on one NUMA node, 50 not ACTIVE", "recomputed");
	pl_result_free(&r);
	pl_view_free(v);
}

/*
 * Randomized cross-check: the index's choice equals a brute-force scan
 * over the same cluster and request stream.
 */
#define XN 40
#define XNODES 3
static const char *xpol[] = {
	NULL,
	"{\"type\":\"ONE_PER_HOST\"}",
	"{\"type\":\"MAX_N_PER_HOST\",\"max\":2}",
	"{\"type\":\"MATCH_TAG\",\"tag\":\"t1\"}",
	"{\"type\":\"NO_TAG\"}",
	"{\"type\":\"COMPOSITE\",\"combiner\":\"OR\",\"policies\":["
	    "{\"type\":\"MATCH_TAG\",\"tag\":\"t1\"},"
	    "{\"type\":\"MATCH_TAG\",\"tag\":\"t2\"}]}",
	"{\"type\":\"COMPOSITE\",\"policies\":["
	    "{\"type\":\"MATCH_TAG\",\"tag\":\"t2\"},"
	    "{\"type\":\"ONE_PER_HOST\"}]}",
	"{\"type\":\"COMPOSITE\",\"combiner\":\"OR\",\"policies\":["
	    "{\"type\":\"MATCH_TAG\",\"tag\":\"t1\"},"
	    "{\"type\":\"ONE_PER_HOST\"}]}",
	"{\"type\":\"RULE_BASED\",\"ruleType\":\"MVEL\",\"rule\":"
	    "\"allocatedExecutorNodeMetadata['zone'] == 'z1'\"}",
};
#define XNPOL (int)(sizeof xpol / sizeof *xpol)

struct xex {
	int active, tag, zone, nnode;
	int free[XNODES];
	long long mem[XNODES];
	int cnt[4];
};

static unsigned long long xseed = 88172645463325252ULL;

static unsigned
xr(unsigned n)
{
	xseed ^= xseed << 13;
	xseed ^= xseed >> 7;
	xseed ^= xseed << 17;
	return (unsigned)(xseed % n);
}

static int
xok(const struct xex *e, int p, int app)
{
	int notag = e->tag == 0, c = e->cnt[app];

	switch (p) {
	case 0: return notag;
	case 1: return notag && c == 0;
	case 2: return notag && c < 2;
	case 3: return e->tag == 1;
	case 4: return notag;
	case 5: return e->tag == 1 || e->tag == 2;
	case 6: return e->tag == 2 && c == 0;
	case 7: return e->tag == 1 || c == 0;
	default: return e->zone == 1;
	}
}

static int xplaced, xfailed;

/* a tag the policy does not name: placed there last */
static int
xspare(const struct xex *e, int p)
{
	return (e->tag == 1 && p != 3 && p != 5 && p != 7) ||
	    (e->tag == 2 && p != 5 && p != 6) || (e->tag && p == 8);
}

/*
 * The label excluding e for policy p (NULL: passes), as placement.h says:
 * leaves in order, the first failing one of an AND, "(a OR b)" of an OR;
 * an executor the static part (tags, rules) excludes is labelled with
 * per-host limits taken as passing.
 */
static const char *
xlabel(const struct xex *e, int p, int app, char *buf, size_t n)
{
	int notag = e->tag == 0, c = e->cnt[app];

	switch (p) {
	case 0:
	case 4:
		return notag ? NULL : "NO_TAG";
	case 1:
		return !notag ? "NO_TAG" : c ? "ONE_PER_HOST" : NULL;
	case 2:
		return !notag ? "NO_TAG" : c >= 2 ? "MAX_N_PER_HOST(2)" : NULL;
	case 3:
		return e->tag == 1 ? NULL : "MATCH_TAG(t1)";
	case 5:
		return e->tag ? NULL : "(MATCH_TAG(t1) OR MATCH_TAG(t2))";
	case 6:
		return e->tag != 2 ? "MATCH_TAG(t2)" : c ? "ONE_PER_HOST" :
		    NULL;
	case 7:
		return e->tag == 1 || !c ? NULL :
		    "(MATCH_TAG(t1) OR ONE_PER_HOST)";
	default:
		snprintf(buf, n, "RULE_BASED(%s)", "allocatedExecutorNodeMetadata"
		    "['zone'] == 'z1'");
		return e->zone == 1 ? NULL : buf;
	}
}

/* The reasons text for a request nothing fits, by brute force. */
static void
xwhy(const struct xex *ex, int p, int app, int c, long long m, char *why,
    size_t n)
{
	const char *lab[XN], *l;
	char rb[XN][128], part[192];
	int cnt[XN], nl = 0, i, j, lc = 0, lm = 0, ina = 0, ok_c, ok_m;

	for (i = 0; i < XN; i++) {
		if (!ex[i].active) {
			ina++;
			continue;
		}
		if ((l = xlabel(&ex[i], p, app, rb[i], sizeof rb[i]))) {
			for (j = 0; j < nl && strcmp(lab[j], l); j++)
				;
			if (j == nl) {
				lab[nl] = l;
				cnt[nl++] = 0;
			}
			cnt[j]++;
			continue;
		}
		ok_c = ok_m = 0;
		for (j = 0; j < ex[i].nnode; j++)
			if (ex[i].free[j] >= c) {
				ok_c = 1;
				if (ex[i].mem[j] >= m)
					ok_m = 1;
			}
		lc += !ok_c;
		lm += ok_c && !ok_m;
	}
	snprintf(why, n, "0 of %d executors", XN);
#define XADD(...) do { \
	snprintf(part, sizeof part, __VA_ARGS__); \
	snprintf(why + strlen(why), n - strlen(why), "%s%s", \
	    strchr(why, ':') ? ", " : ": ", part); \
} while (0)
	for (j = 0; j < nl; j++)
		XADD("%d excluded by %s", cnt[j], lab[j]);
	if (lc)
		XADD("%d lack %d free cores on one NUMA node", lc, c);
	if (lm)
		XADD("%d lack %lld MB of memory on one NUMA node", lm, m);
	if (ina)
		XADD("%d not ACTIVE", ina);
#undef XADD
}

static int
xcheck(int strategy)
{
	struct xex ex[XN];
	struct pl_view *v = pl_view_new();
	struct pl_result r = PL_RESULT_ZERO;
	json_t *pols[XNPOL], *n;
	struct buf cs = BUF_ZERO, ms = BUF_ZERO;
	char id[16], app[8], tags[32], md[32];
	int i, j, k, q, bi, bj, c, p, a, rc, bad = 0;
	long long m;

	for (i = 0; i < XNPOL; i++)
		pols[i] = xpol[i] ? pol(xpol[i]) : NULL;
	for (k = 0; k < XN; k++) {
		struct xex *e = &ex[i = k * 7 % XN];

		memset(e, 0, sizeof *e);
		e->active = xr(10) != 0;
		e->tag = xr(4) == 0 ? 1 + (int)xr(2) : 0;
		e->zone = (int)xr(3);
		e->nnode = 1 + (int)xr(XNODES);
		buf_reset(&cs);
		buf_reset(&ms);
		buf_adds(&cs, "{");
		buf_adds(&ms, "{");
		for (j = 0; j < e->nnode; j++) {
			e->free[j] = (int)xr(13);
			e->mem[j] = 500 * (long long)xr(33);
			buf_addf(&cs, "%s\"%d\":[", j ? "," : "", j);
			for (q = 0; q < e->free[j]; q++)
				buf_addf(&cs, "%s%d", q ? "," : "", j * 100 + q);
			buf_adds(&cs, "]");
			buf_addf(&ms, "%s\"%d\":%lld", j ? "," : "", j,
			    e->mem[j]);
		}
		buf_adds(&cs, "}");
		buf_adds(&ms, "}");
		snprintf(id, sizeof id, "e%02d", i);
		snprintf(tags, sizeof tags, e->tag ? "[\"%s\",\"t%d\"]" :
		    "[\"%s\"]", id, e->tag);
		n = node(id, id, e->active ? "ACTIVE" : "BLACKLISTED", tags,
		    cs.s, ms.s);
		snprintf(md, sizeof md, "{\"zone\":\"z%d\"}", e->zone);
		json_object_set_new(n, "metadata", json_loads(md, 0, NULL));
		/* add in a scrambled order: the view sorts */
		if (pl_view_add_node(v, NULL, n) < 0)
			abort();
		json_decref(n);
	}
	pl_view_set_strategy(v, strategy, xseed);
	for (q = 0; q < 400; q++) {
		c = 1 + (int)xr(6);
		m = 250 * (long long)xr(20);
		p = (int)xr(XNPOL);
		a = (int)xr(4);
		snprintf(app, sizeof app, "a-%d", a);
		bi = bj = -1;
		for (i = 0; i < XN; i++) {
			if (!ex[i].active || !xok(&ex[i], p, a))
				continue;
			for (j = 0; j < ex[i].nnode; j++) {
				int better;

				if (ex[i].free[j] < c || ex[i].mem[j] < m)
					continue;
				if (bi < 0)
					better = 1;
				else if (xspare(&ex[i], p) != xspare(&ex[bi], p))
					better = !xspare(&ex[i], p);
				else if (ex[i].free[j] != ex[bi].free[bj])
					better = (ex[i].free[j] <
					    ex[bi].free[bj]) ==
					    (strategy == PL_BEST_FIT);
				else if (ex[i].mem[j] != ex[bi].mem[bj])
					better = (ex[i].mem[j] <
					    ex[bi].mem[bj]) ==
					    (strategy == PL_BEST_FIT);
				else
					better = strategy == PL_SPREAD;
				if (better) {
					bi = i;
					bj = j;
				}
			}
		}
		rc = place(v, app, c, m, pols[p], &r);
		if (rc == 0) {
			char want[512];

			xwhy(ex, p, a, c, m, want, sizeof want);
			if (strcmp(want, r.why)) {
				if (!bad++)
					printf("# request %d: why '%s', want "
					    "'%s'\n", q, r.why, want);
				break;
			}
		}
		if (rc == 1 && strategy == PL_FIRST_FIT) {
			/* any eligible executor, its first fitting node */
			bi = atoi(r.executor_id + 1);
			for (bj = 0; bj < ex[bi].nnode &&
			    (ex[bi].free[bj] < c || ex[bi].mem[bj] < m); bj++)
				;
			if (!ex[bi].active || !xok(&ex[bi], p, a) ||
			    bj == ex[bi].nnode)
				bj = -1;
		}
		if (rc != (bi >= 0) || (rc == 1 &&
		    (atoi(r.executor_id + 1) != bi || r.numa != bj))) {
			if (!bad++)
				printf("# request %d (policy %d, %d cores, "
				    "%lld MB): got %d %s/%d, want %d e%02d/%d\n",
				    q, p, c, m, rc, r.executor_id, r.numa,
				    bi >= 0, bi, bj);
			break;
		}
		if (rc != 1)
			xfailed++;
		else {
			xplaced++;
			ex[bi].free[bj] -= c;
			ex[bi].mem[bj] -= m;
			ex[bi].cnt[a]++;
		}
	}
	for (i = 0; i < XNPOL; i++)
		json_decref(pols[i]);
	buf_free(&cs);
	buf_free(&ms);
	pl_result_free(&r);
	pl_view_free(v);
	return bad;
}

static void
t_cross_check(void)
{
	int round, bad_best = 0, bad_spread = 0, bad_first = 0;

	for (round = 0; round < 200; round++) {
		bad_best += xcheck(PL_BEST_FIT) != 0;
		bad_spread += xcheck(PL_SPREAD) != 0;
		bad_first += xcheck(PL_FIRST_FIT) != 0;
	}
	is_int(bad_best, 0, "best fit = brute force (choice and reasons) on 200 "
	    "random clusters");
	is_int(bad_spread, 0, "spread = brute force (choice and reasons) on 200 "
	    "random clusters");
	is_int(bad_first, 0, "first fit: an eligible executor, its first fitting "
	    "node, and the same reasons");
	ok(xplaced > 10000 && xfailed > 10000, "cross-check saw %d placements "
	    "and %d failures", xplaced, xfailed);
}

static json_t *
asg(const char *app, const char *res)
{
	json_t *a = json_pack("{s:s, s:o}", "appId", app, "resources",
	    json_loads(res, 0, NULL));

	if (!a)
		abort();
	return a;
}

/* free cores, free memory of node 0 and count of a-1 on eid: "c/m/n" */
static const char *
state(struct pl_view *v, const char *eid, int numa)
{
	static char s[64];

	snprintf(s, sizeof s, "%d/%lld/%d", pl_view_free_cores(v, eid, numa),
	    pl_view_free_memory(v, eid, numa),
	    pl_view_app_count(v, eid, "a-1"));
	return s;
}

static void
t_release(void)
{
	struct pl_view *v = pl_view_new();
	struct pl_result r = PL_RESULT_ZERO;
	json_t *a1 = asg("a-1", "[{\"type\":\"CPU\",\"cores\":{\"0\":[0,1]}},"
	    "{\"type\":\"MEMORY\",\"memoryInMB\":{\"0\":1000}}]");
	json_t *a2 = asg("a-1", "[{\"type\":\"CPU\",\"cores\":{\"0\":[0]}},"
	    "{\"type\":\"MEMORY\",\"memoryInMB\":{\"0\":500}}]");
	json_t *never = asg("a-1", "[{\"type\":\"CPU\",\"cores\":"
	    "{\"0\":[2,3]}},{\"type\":\"MEMORY\",\"memoryInMB\":{\"0\":700}}]");
	json_t *big = asg("b-1", "[{\"type\":\"MEMORY\",\"memoryInMB\":"
	    "{\"1\":9000}}]");
	json_t *mem = asg("b-1", "[{\"type\":\"MEMORY\",\"memoryInMB\":"
	    "{\"1\":1000}}]");
	json_t *c1 = asg("c-1", "[{\"type\":\"CPU\",\"cores\":{\"1\":[5]}}]");
	json_t *c2 = asg("c-2", "[{\"type\":\"CPU\",\"cores\":{\"1\":[5,6]}}]");
	json_t *odd = asg("a-1", "[{\"type\":\"CPU\",\"cores\":{\"7\":[0],"
	    "\"x\":[1],\"1\":[99,\"4\"]}},{\"type\":\"MEMORY\",\"memoryInMB\":"
	    "{\"0\":-5}},{\"type\":\"GPU\"}]");

	add(v, "e1", "h1", "ACTIVE", "[\"h1\"]",
	    "{\"0\":[0,1,2,3],\"1\":[4,5,6,7]}", "{\"0\":4000,\"1\":4000}");
	add(v, "e2", "h2", "ACTIVE", "[\"h2\"]", "{\"0\":[0,1,2,3]}",
	    "{\"0\":4000}");
	ok(pl_view_hold(v, "e1", a1) == 0 && pl_view_hold(v, "e2", a2) == 0,
	    "hold two assignments");
	is_str(state(v, "e1", 0), "2/3000/1", "e1 holds 2 cores, 1000 MB");
	is_str(state(v, "e2", 0), "3/3500/1", "e2 holds 1 core, 500 MB");
	is_int(pl_view_release(v, "e1", a1), 0, "release");
	is_str(state(v, "e1", 0), "4/4000/0", "cores, memory, count back");
	is_str(state(v, "e2", 0), "3/3500/1", "the other executor unchanged");
	is_int(pl_view_release(v, "e1", a1), 0, "release twice");
	is_str(state(v, "e1", 0), "4/4000/0", "the second is harmless");
	ok(pl_view_hold(v, "e1", a2) == 0 &&
	    pl_view_release(v, "e1", never) == 0,
	    "release of an assignment never held");
	is_str(state(v, "e1", 0), "3/3500/1", "is harmless: the held "
	    "instance of the same app keeps its count and memory");
	ok(pl_view_hold(v, "e1", odd) == 0, "hold odd nodes, ids, memory");
	is_str(state(v, "e1", 0), "3/3500/2", "only the app is counted");
	is_int(pl_view_free_cores(v, "e1", 1), 4, "no core of node 1 held");
	ok(pl_view_release(v, "e1", odd) == 0, "release it: no layout core "
	    "listed, so it is held");
	is_str(state(v, "e1", 0), "3/3500/1", "the count given back");
	ok(pl_view_release(v, "e9", a1) < 0 && errno == ENOENT,
	    "release on an unknown executor is ENOENT");
	ok(pl_view_release(v, "e1", a2) == 0, "release the held one");
	is_str(state(v, "e1", 0), "4/4000/0", "e1 empty again");

	/* memory: an assignment holds at most the node's, gives back as much */
	ok(pl_view_hold(v, "e1", big) == 0, "hold more memory than node 1 has");
	is_int(pl_view_free_memory(v, "e1", 1), 0, "node 1 memory all held");
	ok(pl_view_hold(v, "e1", mem) == 0 &&
	    pl_view_release(v, "e1", big) == 0,
	    "hold 1000 more, release the big one");
	is_int(pl_view_free_memory(v, "e1", 1), 3000, "1000 still held");
	ok(pl_view_release(v, "e1", mem) == 0 &&
	    pl_view_release(v, "e1", mem) == 0, "release 1000 twice");
	is_int(pl_view_free_memory(v, "e1", 1), 4000,
	    "never more than the layout");
	is_int(pl_view_app_count(v, "e1", "b-1"), 0, "count floors at 0");

	/* a core claimed by two assignments */
	ok(pl_view_hold(v, "e1", c1) == 0 && pl_view_hold(v, "e1", c2) == 0,
	    "two assignments claim core 5");
	is_int(pl_view_free_cores(v, "e1", 1), 2, "cores 5 and 6 held");
	ok(pl_view_release(v, "e1", c2) == 0, "release the second");
	is_int(pl_view_free_cores(v, "e1", 1), 3, "core 5 is still held");
	is_int(place(v, "x-1", 3, 3600, NULL, &r), 1, "3 cores, 3600 MB");
	ok(!strcmp(r.executor_id, "e1") && r.numa == 1 && r.cores[0] == 4 &&
	    r.cores[1] == 6 && r.cores[2] == 7, "on e1 node 1 around core 5: "
	    "%s/%d", r.executor_id, r.numa);
	pl_result_free(&r);
	json_decref(a1);
	json_decref(a2);
	json_decref(never);
	json_decref(big);
	json_decref(mem);
	json_decref(c1);
	json_decref(c2);
	json_decref(odd);
	pl_view_free(v);
}

/* The resources of r as an assignment of app. */
static json_t *
asg_of(const char *app, const struct pl_result *r)
{
	json_t *a = json_pack("{s:s, s:o}", "appId", app, "resources",
	    pl_result_resources(r));

	if (!a)
		abort();
	return a;
}

static void
t_release_seen_by_place(void)
{
	struct pl_view *v = pl_view_new();
	struct pl_result r = PL_RESULT_ZERO;
	json_t *one = pol("{\"type\":\"ONE_PER_HOST\"}"), *a, *b;
	int w[] = { 0, 1 };

	add(v, "e1", "h1", "ACTIVE", "[\"h1\"]", "{\"0\":[0,1]}",
	    "{\"0\":1000}");
	is_int(place(v, "a-1", 2, 600, NULL, &r), 1, "fill e1");
	a = asg_of("a-1", &r);
	is_int(place(v, "a-1", 1, 100, NULL, &r), 0, "full");
	is_str(r.why, "0 of 1 executors: 1 lack 1 free cores on one NUMA "
	    "node", "reason");
	is_int(pl_view_release(v, "e1", a), 0, "release the placement");
	is_int(place(v, "a-1", 2, 1000, NULL, &r), 1,
	    "the index sees the freed cores and memory");
	ok(cores_are(&r, w, 2), "the same cores again");
	b = asg_of("a-1", &r);
	is_int(place(v, "a-1", 1, 0, NULL, &r), 0, "full again");
	is_str(r.why, "0 of 1 executors: 1 lack 1 free cores on one NUMA "
	    "node", "not a stale cached reason");
	is_int(pl_view_release(v, "e1", b), 0, "release");
	is_int(place(v, "b-1", 1, 10, one, &r), 1, "ONE_PER_HOST");
	json_decref(a);
	a = asg_of("b-1", &r);
	is_int(place(v, "b-1", 1, 10, one, &r), 0, "not twice");
	is_str(r.why, "0 of 1 executors: 1 excluded by ONE_PER_HOST",
	    "per-host reason");
	is_int(pl_view_release(v, "e1", a), 0, "release it");
	is_int(place(v, "b-1", 1, 10, one, &r), 1,
	    "ONE_PER_HOST places there again");
	/* a count that changes with no node changing */
	json_decref(a);
	a = asg("c-1", "[]");
	is_int(pl_view_hold(v, "e1", a), 0,
	    "hold an assignment of no resources");
	is_int(place(v, "c-1", 2, 10, one, &r), 0, "ONE_PER_HOST c-1 fails");
	is_str(r.why, "0 of 1 executors: 1 excluded by ONE_PER_HOST",
	    "because of the count");
	is_int(pl_view_release(v, "e1", a), 0, "release it");
	is_int(place(v, "c-1", 2, 10, one, &r), 0, "still fails");
	is_str(r.why, "0 of 1 executors: 1 lack 2 free cores on one NUMA "
	    "node", "for another reason now");
	pl_result_free(&r);
	json_decref(a);
	json_decref(b);
	json_decref(one);
	pl_view_free(v);
}

/* n placements of a fixed mix into v: "e2/0:0,1 e1/1:4 -" ... */
static void
sequence(struct pl_view *v, char *out, size_t n)
{
	static const char *pols[] = { NULL, "{\"type\":\"ONE_PER_HOST\"}",
		"{\"type\":\"MATCH_TAG\",\"tag\":\"gpu\"}" };
	struct pl_result r = PL_RESULT_ZERO;
	json_t *p;
	size_t len;
	int i, k;

	out[0] = '\0';
	for (i = 0; i < 24; i++) {
		p = pols[i % 3] ? pol(pols[i % 3]) : NULL;
		len = strlen(out);
		if (place(v, i % 2 ? "a-1" : "b-1", 1 + i % 3, 100 * (i % 5), p,
		    &r) == 1) {
			snprintf(out + len, n - len, "%s/%d:", r.executor_id,
			    r.numa);
			for (k = 0; k < r.ncores; k++) {
				len = strlen(out);
				snprintf(out + len, n - len, "%s%d",
				    k ? "," : "", r.cores[k]);
			}
			len = strlen(out);
			snprintf(out + len, n - len, " ");
		} else
			snprintf(out + len, n - len, "- ");
		json_decref(p);
	}
	pl_result_free(&r);
}

static void
cluster(struct pl_view *v, int e2_tagged)
{
	add(v, "e3", "h3", "ACTIVE", "[\"h3\"]", "{\"0\":[0,1,2,3,4,5]}",
	    "{\"0\":3000}");
	add(v, "e1", "h1", "ACTIVE", "[\"h1\"]",
	    "{\"0\":[0,1,2],\"1\":[4,5,6]}", "{\"0\":2000,\"1\":2000}");
	add(v, "e2", "h2", "ACTIVE",
	    e2_tagged ? "[\"h2\",\"gpu\"]" : "[\"h2\"]", "{\"0\":[0,1,2,3]}",
	    "{\"0\":2500}");
	add(v, "e4", "h4", "BLACKLISTED", "[\"h4\"]", "{\"0\":[0,1]}",
	    "{\"0\":2000}");
}

static void
t_hold_release_as_fresh(void)
{
	struct pl_view *v = pl_view_new(), *f = pl_view_new();
	struct pl_result r = PL_RESULT_ZERO;
	json_t *placed[6], *h1, *h2;
	char got[1024], want[1024], on[6][128];
	int i, n = 0, bad = 0;

	cluster(v, 1);
	cluster(f, 1);
	for (i = 0; i < 6; i++)
		if (place(v, i % 2 ? "a-1" : "c-1", 1 + i % 2, 300, NULL,
		    &r) == 1) {
			snprintf(on[n], sizeof on[n], "%s", r.executor_id);
			placed[n++] = asg_of(i % 2 ? "a-1" : "c-1", &r);
		}
	is_int(n, 6, "six placements");
	h1 = asg("b-1", "[{\"type\":\"CPU\",\"cores\":{\"0\":[0,3]}},"
	    "{\"type\":\"MEMORY\",\"memoryInMB\":{\"0\":800}}]");
	h2 = asg("a-1", "[{\"type\":\"CPU\",\"cores\":{\"1\":[6]}},"
	    "{\"type\":\"MEMORY\",\"memoryInMB\":{\"1\":100}}]");
	ok(pl_view_hold(v, "e2", h1) == 0 && pl_view_hold(v, "e1", h2) == 0,
	    "two holds on the indexed view");
	for (i = 0; i < n; i++)
		bad += pl_view_release(v, on[i], placed[i]) != 0;
	bad += pl_view_release(v, "e2", h1) != 0;
	bad += pl_view_release(v, "e1", h2) != 0;
	is_int(bad, 0, "release the placements and the holds");
	is_str(state(v, "e1", 0), "3/2000/0", "e1 node 0 as in the layout");
	is_str(state(v, "e1", 1), "3/2000/0", "e1 node 1 as in the layout");
	is_str(state(v, "e2", 0), "4/2500/0", "e2 as in the layout");
	is_str(state(v, "e3", 0), "6/3000/0", "e3 as in the layout");
	sequence(v, got, sizeof got);
	sequence(f, want, sizeof want);
	is_str(got, want, "then the same placements as a fresh view");
	for (i = 0; i < n; i++)
		json_decref(placed[i]);
	json_decref(h1);
	json_decref(h2);
	pl_result_free(&r);
	pl_view_free(v);
	pl_view_free(f);
}

static void
t_remove_node(void)
{
	struct pl_view *v = pl_view_new(), *f;
	struct pl_result r = PL_RESULT_ZERO;
	json_t *gpu = pol("{\"type\":\"MATCH_TAG\",\"tag\":\"gpu\"}"), *a;
	char got[1024], want[1024];

	cluster(v, 0);
	ok(pl_view_remove_node(v, "e9") < 0 && errno == ENOENT,
	    "remove an unknown executor: ENOENT");
	is_int(place(v, "a-1", 3, 100, NULL, &r), 1, "3 cores");
	is_str(r.executor_id, "e1", "best fit e1");
	a = asg_of("a-1", &r);
	is_int(place(v, "a-1", 1, 100, gpu, &r), 0, "no gpu executor");
	is_int(pl_view_remove_node(v, "e1"), 0, "remove e1 (indexed view)");
	is_int(pl_view_executors(v), 3, "three left");
	is_int(pl_view_free_cores(v, "e1", 0), -1, "e1 is gone");
	ok(pl_view_app_count(v, "e1", "a-1") < 0 && errno == ENOENT,
	    "its counts too");
	is_int(place(v, "a-1", 7, 100, NULL, &r), 0, "7 cores fit nowhere");
	is_str(r.why, "0 of 3 executors: 2 lack 7 free cores on one NUMA "
	    "node, 1 not ACTIVE", "reasons count the executors left");
	is_int(pl_view_remove_node(v, "e4"), 0, "remove the blacklisted one");
	is_int(place(v, "a-1", 7, 100, NULL, &r), 0, "still nothing");
	is_str(r.why, "0 of 2 executors: 2 lack 7 free cores on one NUMA "
	    "node", "no executor is not ACTIVE now");
	/* e2 changes: it gets a tag; e1 and e4 come back */
	is_int(pl_view_remove_node(v, "e2"), 0, "remove e2");
	pl_view_free(v);
	v = pl_view_new();
	cluster(v, 0);
	{
		struct pl_request rq = { "a-1", 1, 1, NULL };
		char why[256];

		is_int(pl_capacity(v, &rq, 1, why, sizeof why), 1,
		    "capacity (builds the index)");
	}
	ok(pl_view_remove_node(v, "e2") == 0 && pl_view_remove_node(v, "e1")
	    == 0, "remove e2 and e1");
	add(v, "e2", "h2", "ACTIVE", "[\"h2\",\"gpu\"]", "{\"0\":[0,1,2,3]}",
	    "{\"0\":2500}");
	add(v, "e1", "h1", "ACTIVE", "[\"h1\"]",
	    "{\"0\":[0,1,2],\"1\":[4,5,6]}", "{\"0\":2000,\"1\":2000}");
	is_int(pl_view_hold(v, "e1", a), 0, "re-added e1 holds its assignment");
	is_int(pl_view_executors(v), 4, "four again");
	f = pl_view_new();
	cluster(f, 1);
	is_int(pl_view_hold(f, "e1", a), 0, "a fresh view with the same");
	sequence(v, got, sizeof got);
	sequence(f, want, sizeof want);
	is_str(got, want, "remove and re-add: the same placements as a fresh "
	    "view");
	ok(strstr(got, "e2/0") != NULL, "the gpu tag of e2 is seen");
	pl_view_free(f);
	ok(pl_view_remove_node(v, "e1") == 0 && pl_view_remove_node(v, "e2")
	    == 0 && pl_view_remove_node(v, "e3") == 0 &&
	    pl_view_remove_node(v, "e4") == 0, "remove all");
	is_int(place(v, "a-1", 1, 1, NULL, &r), 0, "an empty view");
	is_str(r.why, "0 of 0 executors", "says so");
	add(v, "b", "hb", "ACTIVE", "[\"hb\"]", "{\"0\":[0,1]}", "{\"0\":10}");
	add(v, "a", "ha", "ACTIVE", "[\"ha\"]", "{\"1\":[0,1]}", "{\"1\":10}");
	is_int(place(v, "x-1", 1, 1, NULL, &r), 1, "added out of order");
	is_str(r.executor_id, "a", "still the smallest executorId on a tie");
	pl_result_free(&r);
	json_decref(a);
	json_decref(gpu);
	pl_view_free(v);
}

/*
 * Randomized: a view changed step by step (hold, release, place, remove
 * and re-add executors) against a view built afresh from the same
 * executors and live assignments before every step: the same free cores,
 * memory and counts, and (best fit, spread) the same placements and
 * reasons.
 */
#define IN 16
#define ILIVE 512

struct iex {
	int present, active, tag, zone, nnode;
	int ncores[XNODES];
	long long mem[XNODES];
};

struct ilive {
	int ex, node, ncores, cores[8];
	json_t *a;
};

static struct iex iex[IN];
static struct ilive ilive[ILIVE];
static int nlive;

static void
iadd(struct pl_view *v, int i)
{
	const struct iex *e = &iex[i];
	struct buf cs = BUF_ZERO, ms = BUF_ZERO;
	char id[16], tags[32], md[32];
	json_t *n;
	int j, q;

	buf_adds(&cs, "{");
	buf_adds(&ms, "{");
	for (j = 0; j < e->nnode; j++) {
		buf_addf(&cs, "%s\"%d\":[", j ? "," : "", j);
		for (q = 0; q < e->ncores[j]; q++)
			buf_addf(&cs, "%s%d", q ? "," : "", j * 100 + q);
		buf_adds(&cs, "]");
		buf_addf(&ms, "%s\"%d\":%lld", j ? "," : "", j, e->mem[j]);
	}
	buf_adds(&cs, "}");
	buf_adds(&ms, "}");
	snprintf(id, sizeof id, "e%02d", i);
	snprintf(tags, sizeof tags, e->tag ? "[\"%s\",\"t%d\"]" : "[\"%s\"]",
	    id, e->tag);
	n = node(id, id, e->active ? "ACTIVE" : "BLACKLISTED", tags, cs.s,
	    ms.s);
	snprintf(md, sizeof md, "{\"zone\":\"z%d\"}", e->zone);
	json_object_set_new(n, "metadata", json_loads(md, 0, NULL));
	if (pl_view_add_node(v, NULL, n) < 0)
		abort();
	json_decref(n);
	buf_free(&cs);
	buf_free(&ms);
}

static void
irandom_ex(struct iex *e)
{
	int j;

	e->active = xr(8) != 0;
	e->tag = xr(4) == 0 ? 1 + (int)xr(2) : 0;
	e->zone = (int)xr(3);
	e->nnode = 1 + (int)xr(XNODES);
	for (j = 0; j < e->nnode; j++) {
		e->ncores[j] = 2 + (int)xr(11);
		e->mem[j] = 500 * (long long)xr(13);
	}
}

static struct pl_view *
ifresh(int strategy)
{
	struct pl_view *f = pl_view_new();
	char id[16];
	int k, i;

	pl_view_set_strategy(f, strategy, 7);
	for (k = 0; k < IN; k++)
		if (iex[i = k * 5 % IN].present)
			iadd(f, i);
	for (k = nlive - 1; k >= 0; k--) {
		snprintf(id, sizeof id, "e%02d", ilive[k].ex);
		if (pl_view_hold(f, id, ilive[k].a) < 0)
			abort();
	}
	return f;
}

/* What differs between v and f, or NULL. */
static const char *
idiff(const struct pl_view *v, const struct pl_view *f)
{
	static char msg[128];
	char id[16], app[8];
	int i, j, a;

	if (pl_view_executors(v) != pl_view_executors(f))
		return "executor count";
	for (i = 0; i < IN; i++) {
		snprintf(id, sizeof id, "e%02d", i);
		if (!iex[i].present) {
			if (pl_view_free_cores(v, id, 0) != -1)
				return "a removed executor is still there";
			continue;
		}
		for (j = 0; j < iex[i].nnode; j++)
			if (pl_view_free_cores(v, id, j) !=
			    pl_view_free_cores(f, id, j) ||
			    pl_view_free_memory(v, id, j) !=
			    pl_view_free_memory(f, id, j)) {
				snprintf(msg, sizeof msg, "%s node %d: %d/%lld "
				    "vs %d/%lld", id, j,
				    pl_view_free_cores(v, id, j),
				    pl_view_free_memory(v, id, j),
				    pl_view_free_cores(f, id, j),
				    pl_view_free_memory(f, id, j));
				return msg;
			}
		for (a = 0; a < 4; a++) {
			snprintf(app, sizeof app, "a-%d", a);
			if (pl_view_app_count(v, id, app) !=
			    pl_view_app_count(f, id, app)) {
				snprintf(msg, sizeof msg, "%s count of %s", id,
				    app);
				return msg;
			}
		}
	}
	return NULL;
}

static void
ilive_add(int ex, int node, const int *cores, int n, json_t *a)
{
	struct ilive *l;

	if (nlive == ILIVE) {
		json_decref(a);
		return;
	}
	l = &ilive[nlive++];
	l->ex = ex;
	l->node = node;
	l->ncores = n;
	memcpy(l->cores, cores, n * sizeof(int));
	l->a = a;
}

static void
ilive_del(int k)
{
	json_decref(ilive[k].a);
	ilive[k] = ilive[--nlive];
}

/* 1 if core id of node of executor ex is in no live assignment. */
static int
ifree(int ex, int node, int id)
{
	int k, c;

	for (k = 0; k < nlive; k++)
		if (ilive[k].ex == ex && ilive[k].node == node)
			for (c = 0; c < ilive[k].ncores; c++)
				if (ilive[k].cores[c] == id)
					return 0;
	return 1;
}

static json_t *
iasg(const char *app, int node, const int *cores, int n, long long mb)
{
	json_t *res = json_array();

	if (n)
		json_array_append_new(res, alloc_cpu_new(node, cores, n));
	json_array_append_new(res, alloc_mem_new(node, mb));
	return json_pack("{s:s, s:o}", "appId", app, "resources", res);
}

static int icount[5];	/* steps: place, hold, release, unheld, change */

static int
irun(int strategy, int steps)
{
	struct pl_view *v = pl_view_new(), *f;
	struct pl_result r = PL_RESULT_ZERO, rf = PL_RESULT_ZERO;
	json_t *pols[XNPOL], *a;
	const char *d;
	char id[16], app[8];
	int i, j, k, n, q, op, rc, rcf, c, cores[8], bad = 0;
	long long m;

	for (i = 0; i < XNPOL; i++)
		pols[i] = xpol[i] ? pol(xpol[i]) : NULL;
	nlive = 0;
	pl_view_set_strategy(v, strategy, 7);
	for (i = 0; i < IN; i++) {
		irandom_ex(&iex[i]);
		iex[i].present = 1;
	}
	for (i = 0; i < IN; i++)
		iadd(v, IN - 1 - i);
	for (q = 0, f = NULL; q <= steps && !bad; q++) {
		pl_view_free(f);
		f = ifresh(strategy);
		if ((d = idiff(v, f))) {
			printf("# step %d: %s\n", q, d);
			bad++;
		}
		op = (int)xr(100);
		i = (int)xr(IN);
		snprintf(id, sizeof id, "e%02d", i);
		snprintf(app, sizeof app, "a-%d", (int)xr(4));
		if (q == steps || bad) {
			;
		} else if (op < 35) {
			icount[0]++;
			c = 1 + (int)xr(4);
			m = 250 * (long long)xr(10);
			k = (int)xr(XNPOL);
			rc = place(v, app, c, m, pols[k], &r);
			if (strategy != PL_FIRST_FIT) {
				rcf = place(f, app, c, m, pols[k], &rf);
				if (rc != rcf || (rc == 1 &&
				    (strcmp(r.executor_id, rf.executor_id) ||
				    r.numa != rf.numa ||
				    memcmp(r.cores, rf.cores,
				    c * sizeof(int)))) ||
				    (rc == 0 && strcmp(r.why, rf.why))) {
					printf("# step %d: placed %d "
					    "%s/%d (%s), fresh %d %s/%d "
					    "(%s)\n", q, rc, r.executor_id,
					    r.numa, r.why, rcf, rf.executor_id,
					    rf.numa, rf.why);
					bad++;
				}
			}
			if (rc == 1)
				ilive_add(atoi(r.executor_id + 1), r.numa,
				    r.cores, r.ncores, asg_of(app, &r));
		} else if (op < 55) {
			icount[1]++;
			j = (int)xr(XNODES);
			n = (int)xr(4);
			for (k = 0; k < n; k++)
				cores[k] = j * 100 + (int)xr(13);
			a = iasg(app, j, cores, n, 250 * (long long)xr(14));
			rc = pl_view_hold(v, id, a);
			if (rc != (iex[i].present ? 0 : -1)) {
				printf("# step %d: hold on %s: %d\n", q, id,
				    rc);
				bad++;
			}
			if (iex[i].present)
				ilive_add(i, j, cores, n, a);
			else
				json_decref(a);
		} else if (op < 85) {
			if (!nlive)
				continue;
			icount[2]++;
			k = (int)xr(nlive);
			snprintf(id, sizeof id, "e%02d", ilive[k].ex);
			if (pl_view_release(v, id, ilive[k].a) < 0) {
				printf("# step %d: release failed\n", q);
				bad++;
			}
			ilive_del(k);
		} else if (op < 92) {
			/* never held: cores no live assignment has */
			if (!iex[i].present)
				continue;
			j = (int)xr(iex[i].nnode);
			for (n = 0, k = 0; k < iex[i].ncores[j] && n < 2; k++)
				if (ifree(i, j, j * 100 + k))
					cores[n++] = j * 100 + k;
			if (!n)
				continue;
			icount[3]++;
			a = iasg(app, j, cores, n, 1000);
			if (pl_view_release(v, id, a) < 0) {
				printf("# step %d: release failed\n", q);
				bad++;
			}
			json_decref(a);
		} else {
			icount[4]++;
			if (iex[i].present && pl_view_remove_node(v, id) < 0) {
				printf("# step %d: remove failed\n", q);
				bad++;
			}
			/* it comes back changed, or stays away a while */
			iex[i].present = !iex[i].present || xr(2);
			if (!iex[i].present) {
				for (k = nlive - 1; k >= 0; k--)
					if (ilive[k].ex == i)
						ilive_del(k);
				continue;
			}
			iex[i].active = xr(8) != 0;
			iex[i].tag = xr(4) == 0 ? 1 + (int)xr(2) : 0;
			for (j = 0; j < iex[i].nnode; j++)
				iex[i].mem[j] = 500 * (long long)xr(13);
			iadd(v, i);
			for (k = 0; k < nlive; k++)
				if (ilive[k].ex == i &&
				    pl_view_hold(v, id, ilive[k].a) < 0)
					abort();
		}
	}
	pl_view_free(f);
	while (nlive)
		ilive_del(nlive - 1);
	for (i = 0; i < XNPOL; i++)
		json_decref(pols[i]);
	pl_result_free(&r);
	pl_result_free(&rf);
	pl_view_free(v);
	return bad;
}

static void
t_incremental_cross_check(void)
{
	int round, bad_best = 0, bad_spread = 0, bad_first = 0;

	for (round = 0; round < 4; round++) {
		bad_best += irun(PL_BEST_FIT, 300) != 0;
		bad_spread += irun(PL_SPREAD, 300) != 0;
		bad_first += irun(PL_FIRST_FIT, 300) != 0;
	}
	is_int(bad_best, 0, "best fit: hold/release/place/remove/add step by "
	    "step = a fresh view (state, placements, reasons), 4 x 300 steps");
	is_int(bad_spread, 0, "spread: the same");
	is_int(bad_first, 0, "first fit: the same state after each step");
	ok(icount[0] > 1000 && icount[1] > 500 && icount[2] > 1000 &&
	    icount[3] > 100 && icount[4] > 100, "steps: %d places, %d holds, "
	    "%d releases, %d releases never held, %d executor changes",
	    icount[0], icount[1], icount[2], icount[3], icount[4]);
}

/* pl_place_pinned(): a local-service instance on its executor only,
 * ACTIVE or UNREADY. */
static void
t_pinned(void)
{
	struct pl_view *v = pl_view_new();
	struct pl_result r = PL_RESULT_ZERO;
	struct pl_request rq = { "ls-1", 2, 300, NULL };

	add(v, "e1", "h1", "ACTIVE", "[\"h1\"]",
	    "{\"0\":[0,1,2,3],\"1\":[4,5]}", "{\"0\":9000,\"1\":9000}");
	add(v, "e2", "h2", "UNREADY", "[\"h2\"]", "{\"0\":[0,1]}",
	    "{\"0\":500}");
	add(v, "e3", "h3", "BLACKLISTED", "[\"h3\"]", "{\"0\":[0,1]}",
	    "{\"0\":9000}");
	is_int(pl_place_pinned(v, &rq, "e1", &r), 1, "placed on e1");
	ok(!strcmp(r.executor_id, "e1") && r.numa == 1 && r.ncores == 2 &&
	    r.cores[0] == 4, "on e1's tightest node (1), its lowest cores");
	is_int(pl_place_pinned(v, &rq, "e2", &r), 1, "UNREADY takes it");
	is_str(r.executor_id, "e2", "on e2");
	is_int(pl_view_free_cores(v, "e2", 0), 0, "e2's cores held");
	is_int(pl_place_pinned(v, &rq, "e2", &r), 0, "e2 is full");
	is_str(r.why, "executor e2 lacks 2 free cores on one NUMA node",
	    "why: cores");
	rq.memory_mb = 20000;
	is_int(pl_place_pinned(v, &rq, "e1", &r), 0, "too much memory");
	is_str(r.why, "executor e1 lacks 20000 MB of memory on one NUMA node",
	    "why: memory");
	rq.memory_mb = 10;
	is_int(pl_place_pinned(v, &rq, "e3", &r), 0, "BLACKLISTED refuses");
	is_str(r.why, "executor e3 is BLACKLISTED", "why: state");
	is_int(pl_place_pinned(v, &rq, "e9", &r), 0, "unknown executor");
	is_str(r.why, "executor e9 is not known", "why: unknown");
	add(v, "e4", "h4", "UNREADY", "[\"h4\"]", "{\"0\":[0,1]}",
	    "{\"0\":500}");
	is_int(place(v, "a-1", 2, 10, NULL, &r), 1, "apps still placed");
	is_str(r.executor_id, "e1",
	    "apps only on ACTIVE executors (e4 would fit best)");
	pl_result_free(&r);
	pl_view_free(v);
}

int
main(void)
{
	t_pinned();
	t_any_and_cores();
	t_one_per_host();
	t_max_n();
	t_tags();
	t_composite();
	t_numa();
	t_best_fit_and_states();
	t_tie_by_id();
	t_rules();
	t_strategies();
	t_capacity();
	t_numa_edges();
	t_reasons_at_scale();
	t_cross_check();
	t_release();
	t_release_seen_by_place();
	t_hold_release_as_fresh();
	t_remove_node();
	t_incremental_cross_check();
	return done_testing();
}
