/*
 * t_view: the watch-kept view against a fake ZooKeeper that keeps
 * ZooKeeper's watch rules (one-shot data, child and exists watches, set by
 * reads, consumed by the event they fire), so a view that fails to re-arm
 * a watch misses later changes and fails here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "tap.h"
#include "view.h"
#include "fakezk.h"

/* --- change counting ---------------------------------------------- */

static struct counts {
	int put, del, upd;
	char last[256];
	char last_app[256], last_exec[256];
} C;

static void
on_change(void *ctx, const struct view_change *c)
{
	(void)ctx;
	if (!c->old)
		C.put++;
	else if (!c->now)
		C.del++;
	else
		C.upd++;
	snprintf(C.last, sizeof C.last, "%s", c->id ? c->id :
	    c->app_id ? c->app_id : c->executor_id ? c->executor_id : "");
	snprintf(C.last_app, sizeof C.last_app, "%s", c->app_id ?
	    c->app_id : "");
	snprintf(C.last_exec, sizeof C.last_exec, "%s", c->executor_id ?
	    c->executor_id : "");
}

static int
pump(struct view *v)
{
	memset(&C, 0, sizeof C);
	return fake_pump(v, on_change, NULL);
}

static const char *
state_of(json_t *j)
{
	return json_string_value(json_object_get(j, "state"));
}

static void
base_tree(void)
{
	fake_reset();
	zset("/d", "");
	zset("/d/applications", "");
	zset("/d/applications/a-1", "{\"appId\":\"a-1\",\"instances\":1}");
	zset("/d/instances", "");
	zset("/d/instances/a-1", "");
	zset("/d/instances/a-1/AI-1", "{\"appId\":\"a-1\",\"instanceId\":"
	    "\"AI-1\",\"executorId\":\"e1\",\"state\":\"PENDING\"}");
	zset("/d/executor", "");
	zset("/d/executor/e1", "{\"state\":{\"executorId\":\"e1\"}}");
	zset("/d/assignments", "");
	zset("/d/assignments/e1", "");
	zset("/d/assignments/e1/AI-1", "{\"appId\":\"a-1\",\"targetState\":"
	    "\"RUNNING\"}");
	zset("/d/requests", "");
	F.nq = 0;
}

/* --- tests --------------------------------------------------------- */

static void
t_load_and_changes(void)
{
	struct view *v;
	unsigned long g;

	base_tree();
	v = view_new(&SRC, "d", VIEW_ALL);
	ok(v != NULL, "view_new");
	memset(&C, 0, sizeof C);
	is_int(view_load(v, on_change, NULL), 0, "load");
	is_int(C.put, 4, "load reports app, instance, executor, assignment");
	ok(view_app(v, "a-1") != NULL, "app loaded");
	is_str(state_of(view_instance(v, "a-1", "AI-1")), "PENDING",
	    "instance loaded");
	ok(view_executor(v, "e1") != NULL, "executor loaded");
	ok(view_assignment(v, "e1", "AI-1") != NULL, "assignment loaded");
	ok(view_cluster(v) == NULL, "no cluster state");
	is_int(view_version(v, "/d/instances/a-1/AI-1"), 0, "version kept");
	g = view_gen(v);

	/* the same record changing again and again: each event re-arms */
	zset("/d/instances/a-1/AI-1", "{\"appId\":\"a-1\",\"instanceId\":"
	    "\"AI-1\",\"executorId\":\"e1\",\"state\":\"STARTING\"}");
	is_int(pump(v), 0, "refresh");
	is_str(state_of(view_instance(v, "a-1", "AI-1")), "STARTING",
	    "first change seen");
	is_int(C.upd, 1, "one update reported");
	is_str(C.last_app, "a-1", "change names the app");
	is_str(C.last_exec, "e1", "change names the executor of an instance");
	ok(view_gen(v) == g + 1, "generation grows");
	zset("/d/instances/a-1/AI-1", "{\"appId\":\"a-1\",\"instanceId\":"
	    "\"AI-1\",\"executorId\":\"e1\",\"state\":\"HEALTHY\"}");
	pump(v);
	is_str(state_of(view_instance(v, "a-1", "AI-1")), "HEALTHY",
	    "second change seen (watch re-armed)");
	is_int(view_version(v, "/d/instances/a-1/AI-1"), 2, "version follows");

	/* the same bytes again: no change, no new generation */
	g = view_gen(v);
	zset("/d/instances/a-1/AI-1", "{\"appId\":\"a-1\",\"instanceId\":"
	    "\"AI-1\",\"executorId\":\"e1\",\"state\":\"HEALTHY\"}");
	pump(v);
	is_int(C.upd + C.put + C.del, 0, "an identical write is no change");
	ok(view_gen(v) == g, "generation unchanged");

	/* a new app with a new instance directory and instance */
	zset("/d/applications/b-1", "{\"appId\":\"b-1\",\"instances\":2}");
	zset("/d/instances/b-1", "");
	zset("/d/instances/b-1/AI-2", "{\"appId\":\"b-1\",\"instanceId\":"
	    "\"AI-2\",\"executorId\":\"e1\",\"state\":\"PENDING\"}");
	pump(v);
	ok(view_app(v, "b-1") != NULL, "new app seen");
	ok(view_instance(v, "b-1", "AI-2") != NULL,
	    "instance in a new directory seen");
	is_int(C.put, 2, "two records appeared");
	zset("/d/instances/b-1/AI-3", "{\"appId\":\"b-1\",\"instanceId\":"
	    "\"AI-3\",\"state\":\"PENDING\"}");
	pump(v);
	ok(view_instance(v, "b-1", "AI-3") != NULL,
	    "child watch of the new directory armed");

	/* deletions */
	zdel("/d/instances/b-1/AI-2");
	pump(v);
	ok(view_instance(v, "b-1", "AI-2") == NULL, "deleted instance gone");
	is_int(C.del, 1, "one deletion");
	is_str(C.last_exec, "e1", "deletion names the old executor");
	zdel("/d/instances/b-1/AI-3");
	zdel("/d/instances/b-1");
	zdel("/d/applications/b-1");
	pump(v);
	ok(view_instances(v, "b-1") == NULL, "deleted directory gone");
	ok(view_app(v, "b-1") == NULL, "deleted app gone");
	is_int(C.del, 2, "instance and app deletions reported");

	/* an executor leaves; its assignment directory stays */
	zdel("/d/executor/e1");
	pump(v);
	ok(view_executor(v, "e1") == NULL, "executor gone");
	is_str(C.last_exec, "e1", "executor deletion named");
	ok(view_assignment(v, "e1", "AI-1") != NULL, "assignments stay");
	view_free(v);
}

static void
t_requests_index(void)
{
	struct view *v;

	base_tree();
	v = view_new(&SRC, "d", VIEW_REQUESTS | VIEW_APPS);
	view_load(v, NULL, NULL);
	zset("/d/requests/AI-7", "{\"appId\":\"a-1\",\"created\":5}");
	zset("/d/requests/AI-8", "{\"appId\":\"a-1\",\"created\":6}");
	zset("/d/requests/AI-9", "{\"appId\":\"z-1\",\"created\":6}");
	pump(v);
	is_int(json_object_size(view_requests(v)), 3, "three requests");
	is_int(json_object_size(view_app_requests(v, "a-1")), 2,
	    "two of a-1 by app");
	is_str(C.last_app, "z-1", "a request change names its app");
	zdel("/d/requests/AI-7");
	zset("/d/requests/AI-9", "{\"appId\":\"a-1\",\"created\":6}");
	pump(v);
	is_int(json_object_size(view_app_requests(v, "a-1")), 2,
	    "index follows a delete and a move");
	ok(view_app_requests(v, "z-1") == NULL, "an emptied app leaves");
	ok(view_instances(v, "a-1") == NULL, "instances not kept");
	{
		struct zk_event ev = { ZK_EV_CHANGED, "/d/instances/a-1/AI-1" };

		is_int(view_note(v, &ev), 0, "an event of a part not kept "
		    "is not the view's");
	}
	view_free(v);
}

static void
t_bad_json_missing_dirs(void)
{
	struct view *v;

	fake_reset();
	zset("/d", "");
	v = view_new(&SRC, "d", VIEW_ALL);
	is_int(view_load(v, NULL, NULL), 0, "load with no directories");
	ok(json_object_get(F.wexists, "/d/applications") != NULL,
	    "a missing directory is watched for creation");
	ok(json_object_get(F.wexists, "/d/cluster/maintenance") != NULL,
	    "a missing cluster state is watched for creation");
	zset("/d/applications", "");
	zset("/d/applications/x-1", "{not json");
	pump(v);
	ok(view_app(v, "x-1") == NULL, "bad JSON left out");
	zset("/d/applications/x-1", "{\"appId\":\"x-1\"}");
	pump(v);
	ok(view_app(v, "x-1") != NULL, "fixed record seen");
	zset("/d/applications/x-1", "[1]");
	pump(v);
	ok(view_app(v, "x-1") == NULL, "a non-object is no record");
	zset("/d/cluster", "");
	zset("/d/cluster/maintenance", "{\"state\":\"MAINTENANCE\"}");
	pump(v);
	is_str(state_of(view_cluster(v)), "MAINTENANCE",
	    "cluster state created later seen");
	zset("/d/cluster/maintenance", "{\"state\":\"NORMAL\"}");
	pump(v);
	is_str(state_of(view_cluster(v)), "NORMAL", "cluster state change");
	view_free(v);
}

/* Events never change: read once, no data watch; their directory's
 * child watch still tells new ones and deleted ones. */
static void
t_events_unwatched(void)
{
	struct view *v;

	fake_reset();
	zset("/d", "");
	zset("/d/events", "");
	zset("/d/events/b0000000000000", "");
	zset("/d/events/b0000000000000/e0000000000001-0000000000",
	    "{\"type\":\"X\",\"time\":1}");
	zset("/d/operations", "");
	zset("/d/operations/a-1", "{\"appId\":\"a-1\"}");
	v = view_new(&SRC, "d", VIEW_ALL);
	is_int(view_load(v, NULL, NULL), 0, "load");
	ok(view_event(v, "e0000000000001-0000000000") != NULL,
	    "the event is held");
	ok(view_operation(v, "a-1") != NULL, "the operation is held");
	ok(json_object_get(F.wdata,
	    "/d/events/b0000000000000/e0000000000001-0000000000") == NULL,
	    "no data watch on an event");
	ok(json_object_get(F.wdata, "/d/operations/a-1") != NULL,
	    "a data watch on an operation");
	zset("/d/events/b0000000000000/e0000000000002-0000000001",
	    "{\"type\":\"Y\",\"time\":2}");
	pump(v);
	ok(json_object_size(json_object_get(view_events(v),
	    "b0000000000000")) == 2, "a new event is seen");
	zdel("/d/events/b0000000000000/e0000000000001-0000000000");
	pump(v);
	ok(view_event(v, "e0000000000001-0000000000") == NULL &&
	    view_event(v, "e0000000000002-0000000001") != NULL,
	    "a deleted event goes");
	zset("/d/events/b0000000010000", "");
	zset("/d/events/b0000000010000/e0000000010001-0000000000",
	    "{\"type\":\"Z\",\"time\":10001}");
	pump(v);
	ok(view_event(v, "e0000000010001-0000000000") != NULL,
	    "an event in a new bucket is seen");
	zdel("/d/events/b0000000000000/e0000000000002-0000000001");
	zdel("/d/events/b0000000000000");
	pump(v);
	ok(json_object_get(view_events(v), "b0000000000000") == NULL,
	    "a pruned bucket goes");
	view_free(v);
}

static void
t_session_loss(void)
{
	struct zk_event dis = { ZK_EV_DISCONNECTED, "" };
	struct zk_event con = { ZK_EV_CONNECTED, "" };
	struct view *v;
	long before;

	base_tree();
	v = view_new(&SRC, "d", VIEW_ALL);
	view_load(v, NULL, NULL);
	view_note(v, &dis);
	F.connected = 0;
	/* while away: every event is lost */
	zset("/d/instances/a-1/AI-1", "{\"appId\":\"a-1\",\"instanceId\":"
	    "\"AI-1\",\"executorId\":\"e1\",\"state\":\"HEALTHY\"}");
	zset("/d/applications/c-1", "{\"appId\":\"c-1\"}");
	zdel("/d/assignments/e1/AI-1");
	zset("/d/requests/AI-5", "{\"appId\":\"c-1\"}");
	is_int(F.nq, 0, "nothing was delivered");
	zset("/d/applications/a-1", "{\"appId\":\"a-1\",\"instances\":0}");
	ok(view_pending(v) == 0, "nothing pending while away");
	F.connected = 1;
	view_note(v, &con);
	ok(view_pending(v), "reconnection makes a full read due");
	before = F.reads;
	is_int(pump(v), 0, "resync");
	ok(F.reads > before, "records were read again");
	is_str(state_of(view_instance(v, "a-1", "AI-1")), "HEALTHY",
	    "missed change caught");
	ok(view_app(v, "c-1") != NULL, "missed creation caught");
	ok(view_assignment(v, "e1", "AI-1") == NULL, "missed deletion caught");
	ok(view_app_requests(v, "c-1") != NULL, "missed request caught");
	is_int(json_integer_value(json_object_get(view_app(v, "a-1"),
	    "instances")), 0, "missed update caught");
	/* and watches work again afterwards */
	zset("/d/applications/c-1", "{\"appId\":\"c-1\",\"instances\":3}");
	pump(v);
	is_int(json_integer_value(json_object_get(view_app(v, "c-1"),
	    "instances")), 3, "watches re-armed by the resync");

	/* a read failing half way is retried by the next refresh */
	zset("/d/applications/c-1", "{\"appId\":\"c-1\",\"instances\":4}");
	F.connected = 0;
	pthread_mutex_lock(&F.mu);
	F.nq = 0;
	pthread_mutex_unlock(&F.mu);
	push(ZK_EV_CHANGED, "/d/applications/c-1");
	ok(pump(v) < 0 && errno == ENOTCONN, "refresh fails while away");
	is_str(err_text(), "unable to read '/d/applications/c-1': "
	    "Transport endpoint is not connected",
	    "the failure's text, on the refreshing thread");
	F.connected = 1;
	ok(view_pending(v), "the failed read stays pending");
	is_int(pump(v), 0, "refresh after the failure");
	is_int(json_integer_value(json_object_get(view_app(v, "c-1"),
	    "instances")), 4, "the failed read done again");
	ok(view_resync_due(v, 0) == 0, "no safety-net resync yet");
	view_free(v);
}

static void
t_touch(void)
{
	struct view *v;

	base_tree();
	v = view_new(&SRC, "d", VIEW_ALL);
	view_load(v, NULL, NULL);
	/* written by this program: no event yet */
	json_object_set_new(F.nodes, "/d/applications/a-1",
	    json_string("{\"appId\":\"a-1\",\"instances\":5}"));
	json_object_del(F.wdata, "/d/applications/a-1");
	json_object_set_new(F.nodes, "/d/requests/AI-9",
	    json_string("{\"appId\":\"a-1\"}"));
	json_object_del(F.wchild, "/d/requests");
	is_int(view_touch(v, "/d/applications/a-1"), 1, "a record is kept");
	is_int(view_touch(v, "/d/requests/AI-9"), 1, "a new record too");
	is_int(view_touch(v, "/d/elsewhere/x"), 0, "other paths are not");
	ok(view_pending(v), "touched paths are pending");
	pump(v);
	is_int(json_integer_value(json_object_get(view_app(v, "a-1"),
	    "instances")), 5, "touched record read again");
	ok(view_app_requests(v, "a-1") != NULL, "touched new record read");
	ok(json_object_get(F.wdata, "/d/applications/a-1") != NULL,
	    "and watched again");
	view_free(v);
}

static void
t_burst_in_rounds(void)
{
	struct view *v;
	char path[64], data[64];
	int i, rounds = 0;

	base_tree();
	v = view_new(&SRC, "d", VIEW_REQUESTS);
	view_load(v, NULL, NULL);
	for (i = 0; i < 5000; i++) {
		snprintf(path, sizeof path, "/d/requests/AI-%d", i);
		snprintf(data, sizeof data, "{\"appId\":\"a-%d\"}", i % 7);
		zset(path, data);
	}
	pump(v);
	while (view_pending(v) && rounds++ < 10)
		pump(v);
	is_int(json_object_size(view_requests(v)), 5000,
	    "a burst of 5000 is applied");
	ok(rounds >= 2 && rounds < 10, "in rounds (%d more)", rounds);
	is_int(view_due_in(v, 0, 1000), -1, "then nothing is due");
	/* a program's own write is read in the first round of a burst */
	for (i = 0; i < 5000; i++) {
		snprintf(path, sizeof path, "/d/requests/AI-%d", i);
		snprintf(data, sizeof data, "{\"appId\":\"b-%d\"}", i % 7);
		zset(path, data);
	}
	json_object_set_new(F.nodes, "/d/requests/AI-4999",
	    json_string("{\"appId\":\"mine\"}"));
	view_touch(v, "/d/requests/AI-4999");
	pump(v);
	ok(view_pending(v), "the burst is not read in one round");
	ok(view_app_requests(v, "mine") != NULL,
	    "the touched record is, in the first");
	view_free(v);
}

struct waiter {
	struct view *v;
	int rc;
	volatile int done;
};

static void *
waiter_main(void *arg)
{
	struct waiter *w = arg;

	w->rc = view_reload_wait(w->v, "/d/applications/a-1", 5000);
	w->done = 1;
	return NULL;
}

static void
t_reload_wait(void)
{
	struct waiter w;
	pthread_t th;
	int rounds = 0;

	base_tree();
	w.v = view_new(&SRC, "d", VIEW_APPS);
	w.done = 0;
	view_load(w.v, NULL, NULL);
	/* a write whose watch event has not come yet */
	json_object_set_new(F.nodes, "/d/applications/a-1",
	    json_string("{\"appId\":\"a-1\",\"instances\":9}"));
	json_object_del(F.wdata, "/d/applications/a-1");
	pthread_create(&th, NULL, waiter_main, &w);
	while (!w.done && rounds++ < 2000) {
		pump(w.v);
		usleep(1000);
	}
	pthread_join(th, NULL);
	is_int(w.rc, 0, "reload_wait returns once applied");
	is_int(json_integer_value(json_object_get(view_app(w.v, "a-1"),
	    "instances")), 9, "the write is visible after the wait");
	view_free(w.v);

	w.v = view_new(&SRC, "d", VIEW_APPS);
	view_load(w.v, NULL, NULL);
	ok(view_reload_wait(w.v, "/d/applications/a-1", 50) < 0 &&
	    errno == ETIMEDOUT, "no polling thread: times out");
	view_free(w.v);
}

int
main(void)
{
	t_load_and_changes();
	t_requests_index();
	t_bad_json_missing_dirs();
	t_events_unwatched();
	t_session_loss();
	t_touch();
	t_burst_in_rounds();
	t_reload_wait();
	fake_reset();
	return done_testing();
}
