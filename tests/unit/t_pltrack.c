/*
 * t_pltrack: the placement view kept by a view's changes must always
 * equal one built afresh from the same view, through placements,
 * assignments coming and going, and executors changing, leaving and
 * coming back.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "fakezk.h"
#include "pltrack.h"
#include "snapshot.h"

static struct pltrack *T;
static int grew;

static void
on_change(void *ctx, const struct view_change *c)
{
	(void)ctx;
	grew |= plt_change(T, c);
}

static char *
node_json(const char *eid, const char *tag)
{
	char *s = NULL;

	if (asprintf(&s, "{\"type\":\"EXECUTOR\",\"hostname\":\"h-%s\","
	    "\"port\":3000,\"executorState\":\"ACTIVE\",\"tags\":[\"h-%s\"%s%s%s],"
	    "\"state\":{\"executorId\":\"%s\",\"layout\":{\"cores\":"
	    "{\"0\":[0,1,2,3],\"1\":[4,5,6,7]},\"memory\":{\"0\":4096,"
	    "\"1\":4096}}}}", eid, eid, tag ? ",\"" : "", tag ? tag : "",
	    tag ? "\"" : "", eid) < 0)
		abort();
	return s;
}

static void
put_executor(const char *eid, const char *tag)
{
	char path[256], *d = node_json(eid, tag);

	snprintf(path, sizeof path, "/d/executor/%s", eid);
	zset(path, d);
	free(d);
}

static void
put_assignment(const char *eid, const char *iid, int numa, int c0, int c1,
    int mb)
{
	char path[600], d[512], dir[256];

	snprintf(dir, sizeof dir, "/d/assignments/%s", eid);
	if (!json_object_get(F.nodes, dir))
		zset(dir, "");
	snprintf(path, sizeof path, "%s/%s", dir, iid);
	snprintf(d, sizeof d, "{\"appId\":\"a-1\",\"instanceId\":\"%s\","
	    "\"targetState\":\"RUNNING\",\"resources\":[{\"type\":\"CPU\","
	    "\"cores\":{\"%d\":[%d,%d]}},{\"type\":\"MEMORY\",\"memoryInMB\":"
	    "{\"%d\":%d}}]}", iid, numa, c0, c1, numa, mb);
	zset(path, d);
}

/* Does the kept view hold what a fresh one built from v holds? */
static int
same_as_fresh(struct view *v, const char *what)
{
	json_t *snap = json_pack("{s:O, s:O, s:[]}", "executors",
	    view_executors(v), "assignments",
	    json_object_get(view_snapshot(v), "assignments"), "warnings");
	struct pl_view *fresh = snap_view(snap), *kept = plt_view(T, NULL);
	const char *eid;
	json_t *x;
	int numa, same = kept && fresh &&
	    pl_view_executors(kept) == pl_view_executors(fresh);

	json_object_foreach(view_executors(v), eid, x)
		for (numa = 0; numa < 2 && same; numa++)
			same = pl_view_free_cores(kept, eid, numa) ==
			    pl_view_free_cores(fresh, eid, numa) &&
			    pl_view_free_memory(kept, eid, numa) ==
			    pl_view_free_memory(fresh, eid, numa) &&
			    pl_view_app_count(kept, eid, "a-1") ==
			    pl_view_app_count(fresh, eid, "a-1");
	if (!same)
		printf("# differs after: %s\n", what);
	pl_view_free(fresh);
	json_decref(snap);
	return same;
}

int
main(void)
{
	struct pl_result r = PL_RESULT_ZERO;
	struct pl_request rq = { "a-1", 2, 512, NULL };
	struct pl_view *pv;
	struct view *v;
	int built, i;
	char iid[32];

	fake_reset();
	zset("/d", "");
	zset("/d/executor", "");
	zset("/d/assignments", "");
	put_executor("e1", NULL);
	put_executor("e2", NULL);
	put_assignment("e1", "AI-0", 0, 0, 1, 100);
	v = view_new(&SRC, "d", VIEW_EXECUTORS | VIEW_ASSIGNMENTS);
	T = plt_new(v, PL_BEST_FIT, 0);
	ok(v && T, "view and tracker");
	grew = 0;
	is_int(view_load(v, on_change, NULL), 0, "load");
	pv = plt_view(T, &built);
	ok(pv && built, "built on first use");
	is_int(pl_view_free_cores(pv, "e1", 0), 2, "the assignment is held");
	ok(plt_view(T, &built) == pv && !built, "kept, not rebuilt");

	/* placements, then their assignments arrive: held once */
	for (i = 0; i < 3; i++) {
		ok(pl_place(pv, &rq, &r) == 1, "placed %d", i);
		snprintf(iid, sizeof iid, "AI-%d", i + 1);
		is_int(plt_placed(T, iid, r.executor_id), 0, "noted");
		put_assignment(r.executor_id, iid, r.numa, r.cores[0],
		    r.cores[1], (int)r.memory_mb);
		pl_result_free(&r);
		r = (struct pl_result)PL_RESULT_ZERO;
	}
	grew = 0;
	fake_pump(v, on_change, NULL);
	ok(plt_view(T, &built) == pv && !built, "still the same view");
	ok(same_as_fresh(v, "placements"), "placements held once");
	ok(!grew, "new assignments are no growth");

	/* an assignment made elsewhere is held; a gone one released */
	put_assignment("e2", "AI-x", 1, 6, 7, 300);
	fake_pump(v, on_change, NULL);
	ok(same_as_fresh(v, "a foreign assignment"), "foreign one held");
	zdel("/d/assignments/e1/AI-0");
	grew = 0;
	fake_pump(v, on_change, NULL);
	ok(grew, "a release is growth");
	ok(same_as_fresh(v, "a release"), "released");
	ok(plt_view(T, &built) == pv && !built,
	    "no rebuild for assignments");

	/* a targetState change is no change of resources */
	zset("/d/assignments/e2/AI-x", "{\"appId\":\"a-1\",\"instanceId\":"
	    "\"AI-x\",\"targetState\":\"STOPPED\",\"resources\":[{\"type\":"
	    "\"CPU\",\"cores\":{\"1\":[6,7]}},{\"type\":\"MEMORY\","
	    "\"memoryInMB\":{\"1\":300}}]}");
	fake_pump(v, on_change, NULL);
	ok(same_as_fresh(v, "targetState"), "still held once");

	/* executors change, leave, come back */
	put_executor("e2", "gpu");
	grew = 0;
	fake_pump(v, on_change, NULL);
	ok(grew, "an executor change may grow capacity");
	ok(same_as_fresh(v, "an executor change"), "re-added with holds");
	zdel("/d/executor/e1");
	fake_pump(v, on_change, NULL);
	ok(same_as_fresh(v, "an executor leaving"), "left");
	is_int(pl_view_free_cores(plt_view(T, NULL), "e1", 0), -1,
	    "gone from the placement view");
	put_executor("e1", NULL);
	fake_pump(v, on_change, NULL);
	ok(same_as_fresh(v, "an executor returning"), "back with its holds");
	zdel("/d/assignments/e1/AI-1");
	zdel("/d/assignments/e1/AI-2");
	zdel("/d/assignments/e1/AI-3");
	zdel("/d/assignments/e2/AI-1");
	zdel("/d/assignments/e2/AI-2");
	zdel("/d/assignments/e2/AI-3");
	fake_pump(v, on_change, NULL);
	ok(same_as_fresh(v, "everything released"), "all released");

	/* a reset builds again from the view */
	plt_reset(T);
	ok(plt_view(T, &built) != NULL && built, "reset: built again");
	ok(same_as_fresh(v, "a reset"), "the same after a reset");
	plt_free(T);
	view_free(v);
	fake_reset();
	return done_testing();
}
