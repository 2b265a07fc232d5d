/* t_snapshot: lib/snapshot parsing, shapes, errors, request order and the
 * view it builds (no ZooKeeper). */
#include <errno.h>
#include <string.h>

#include "err.h"
#include "snapshot.h"
#include "tap.h"

static json_t *
parse(const char *text, const char *ns)
{
	return snap_parse(text, strlen(text), ns);
}

int
main(void)
{
	static const char dump[] =
	    "{\"path\":\"/drove\",\"data\":\"\"}\n"
	    "{\"path\":\"/drove/executor\",\"data\":\"\"}\n"
	    "{\"path\":\"/drove/executor/e1\",\"data\":{\"hostname\":\"h1\","
	    "\"executorState\":\"ACTIVE\",\"tags\":[\"h1\"],\"state\":{"
	    "\"executorId\":\"e1\",\"layout\":{\"cores\":{\"0\":[0,1,2,3]},"
	    "\"memory\":{\"0\":1000}}}}}\n"
	    "\r\n"
	    "{\"path\":\"/drove/executor/e0\",\"data\":{\"hostname\":\"h0\","
	    "\"state\":{}}}\n"
	    "{\"path\":\"/drove/assignments/e1\",\"data\":\"\"}\n"
	    "{\"path\":\"/drove/assignments/e1/AI-0\",\"data\":{\"appId\":"
	    "\"a-1\",\"resources\":[{\"type\":\"CPU\",\"cores\":{\"0\":[0,1]}},"
	    "{\"type\":\"MEMORY\",\"memoryInMB\":{\"0\":400}}]}}\n"
	    "{\"path\":\"/drove/applications/a-1\",\"data\":{\"appId\":\"a-1\","
	    "\"spec\":{\"resources\":[{\"type\":\"CPU\",\"count\":2},"
	    "{\"type\":\"MEMORY\",\"sizeInMB\":100}]}}}\n"
	    "{\"path\":\"/drove/requests/AI-b\",\"data\":{\"appId\":\"a-1\","
	    "\"created\":2}}\n"
	    "{\"path\":\"/drove/requests/AI-c\",\"data\":{\"appId\":\"a-1\","
	    "\"created\":1}}\n"
	    "{\"path\":\"/drove/requests/AI-a\",\"data\":{\"appId\":\"a-1\","
	    "\"created\":2}}\n"
	    "{\"path\":\"/drove/instances/a-1/AI-0\",\"data\":{\"x\":1}}\n"
	    "{\"path\":\"/other/executor/e9\",\"data\":{\"state\":{}}}";
	struct pl_view *v;
	struct pl_request rq;
	struct pl_result r = PL_RESULT_ZERO;
	json_t *s, *reqs;

	s = parse(dump, NULL);
	ok(s != NULL, "a zkcli dump parses");
	is_int((int)json_object_size(json_object_get(s, "executors")), 2,
	    "two executors of the first line's namespace");
	ok(json_object_get(json_object_get(json_object_get(s, "assignments"),
	    "e1"), "AI-0") != NULL, "assignment kept under its executor");
	is_int((int)json_object_size(json_object_get(s, "requests")), 3,
	    "three requests");
	ok(!json_object_get(s, "instances"), "instances are ignored");
	reqs = snap_requests(s);
	is_str(js_str(json_array_get(reqs, 0), "instanceId", ""), "AI-c",
	    "oldest request first");
	is_str(js_str(json_array_get(reqs, 1), "instanceId", ""), "AI-a",
	    "ties by instanceId");
	is_str(js_str(json_array_get(reqs, 2), "instanceId", ""), "AI-b",
	    "then the next");
	json_decref(reqs);
	v = snap_view(s);
	ok(v != NULL, "a view");
	is_int(v ? pl_view_executors(v) : -1, 1,
	    "the executor without a layout is left out");
	is_int((int)json_array_size(json_object_get(s, "warnings")), 1,
	    "with a warning");
	ok(v && pl_view_free_cores(v, "e1", 0) == 2 &&
	    pl_view_free_cores(v, "e1", 1) == -1 &&
	    pl_view_free_memory(v, "e1", 0) == 600,
	    "the assignment holds cores and memory");
	snap_pl_request("a-1", json_object_get(json_object_get(json_object_get(
	    s, "applications"), "a-1"), "spec"), &rq);
	is_int(rq.cores, 2, "request cores from the spec");
	is_int((int)rq.memory_mb, 100, "request memory from the spec");
	is_int(pl_place(v, &rq, &r), 1, "placed");
	ok(r.ncores == 2 && r.cores[0] == 2 && r.cores[1] == 3,
	    "on the cores the assignment left");
	pl_result_free(&r);
	pl_view_free(v);
	json_decref(s);

	s = parse(dump, "other");
	ok(s && json_object_size(json_object_get(s, "executors")) == 1,
	    "an explicit namespace selects its lines");
	json_decref(s);

	s = parse("\n{\"path\":\"/d/requests/x\",\"data\":{}}\n{bad", NULL);
	ok(!s && errno == EINVAL && !strncmp(err_text(), "line 3 column 4: ",
	    17),
	    "not JSON: line 3 (%s)", err_text());
	s = parse("[1]", NULL);
	ok(!s && !strcmp(err_text(), "line 1: expected {\"path\":\"/...\","
	    "\"data\":...}"), "wrong shape (%s)", err_text());
	s = parse("{\"path\":\"/d/applications/a\",\"data\":[]}", NULL);
	ok(!s && !strcmp(err_text(), "line 1: /d/applications/a: data is not "
	    "a JSON object"),
	    "app data not an object (%s)", err_text());
	s = parse("{\"path\":\"/d/executor/e\",\"data\":{}}", NULL);
	ok(!s && strstr(err_text(), "without a \"state\" object"),
	    "executor without state (%s)", err_text());
	s = parse("{\"path\":\"//x\",\"data\":{}}", NULL);
	ok(!s && strstr(err_text(), "no namespace"), "no namespace (%s)",
	    err_text());
	s = parse(" \n\t\r\n", NULL);
	ok(s && !json_object_size(json_object_get(s, "executors")),
	    "blank input is an empty snapshot");
	json_decref(s);
	s = parse("{\"path\":\"/d/executor/e/x/y/z\",\"data\":5}", NULL);
	ok(s != NULL, "deep unknown paths are ignored");
	json_decref(s);
	return done_testing();
}
