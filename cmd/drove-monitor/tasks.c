/*
 * tasks.c: the leader's part of a task's life (drove.md §4.3).  A task is
 * run by its executor from its assignment; here, in fenced transactions:
 *   - the assignment of a task that ended (STOPPED or LOST) is deleted,
 *     which frees its resources for placement;
 *   - when an executor is lost, each of its tasks that is not over is
 *     marked LOST (result LOST/-1, "Executor lost", with its
 *     TASK_STATE_CHANGE event) and its assignment deleted: a task is
 *     never run again by itself;
 *   - TaskInfos of tasks that ended more than TASK_KEEP_MS ago are
 *     deleted (Drove's stale data cleaner).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "event.h"
#include "monitor.h"

#define TASK_LOST_MSG "Executor lost"
#define TASK_KEEP_MS (7 * 24 * 3600 * 1000LL)
#define TASK_BATCH 50

/* {"<sourceAppName>/<taskId>": [sourceAppName, taskId]}: to look at */
static json_t *todo;

void
task_change(const struct view_change *c)
{
	struct rec_task f;
	char key[2 * ZKP_MAX];

	if (c->kind != VIEW_K_TASK || !c->now ||
	    rec_task_read(c->now, &f) < 0 ||
	    !task_state_is_terminal(f.state) || !f.executor_id[0])
		return;
	if (!todo && !(todo = json_object()))
		die(EXIT_TEMP, "out of memory");
	snprintf(key, sizeof key, "%s/%s", f.source_app, f.task_id);
	if (json_object_set_new(todo, key, json_pack("[s,s]", f.source_app,
	    f.task_id)) < 0)
		die(EXIT_TEMP, "out of memory");
}

/* Add to t the deletion of the assignment of TaskInfo f, if there is
 * one; 1 added, else 0. */
static int
drop_assignment(struct zk_txn *t, const struct rec_task *f)
{
	char p[ZKP_MAX];

	if (!f->executor_id[0] || !view_assignment(M.v, f->executor_id,
	    f->instance_id) || zkp_assignment(p, M.ns, f->executor_id,
	    f->instance_id) < 0)
		return 0;
	zk_txn_delete(t, p, -1);
	view_touch(M.v, p);
	return 1;
}

void
tasks_work(void)
{
	json_t *round, *x, *ti;
	struct rec_task f;
	struct zk_txn *t;
	const char *key;

	if (!todo || !json_object_size(todo))
		return;
	round = todo;
	todo = NULL;
	json_object_foreach(round, key, x) {
		ti = view_task(M.v, json_string_value(json_array_get(x, 0)),
		    json_string_value(json_array_get(x, 1)));
		if (!ti || rec_task_read(ti, &f) < 0 ||
		    !task_state_is_terminal(f.state))
			continue;
		t = zk_txn_new(M.fence);
		if (!drop_assignment(t, &f)) {
			zk_txn_free(t);
			continue;
		}
		if (commit(t, "delete the assignment of an ended task",
		    f.source_app) == 0)
			info("task %s-%s: %s, assignment deleted", f.source_app,
			    f.task_id, task_state_name(f.state));
	}
	json_decref(round);
}

void
tasks_executors(json_t *out)
{
	json_t *byapp, *ti;
	const char *app, *task;
	struct rec_task f;

	json_object_foreach(view_tasks(M.v), app, byapp)
		json_object_foreach(byapp, task, ti)
			if (rec_task_read(ti, &f) == 0 && f.executor_id[0] &&
			    !task_state_is_terminal(f.state) &&
			    json_object_set_new(out, f.executor_id,
			    json_true()) < 0)
				die(EXIT_TEMP, "out of memory");
}

/* Whether the walk of tasks_walk(eid) takes TaskInfo f. */
static int
walked(const struct rec_task *f, const char *eid, long long now)
{
	if (eid)
		return !strcmp(f->executor_id, eid) &&
		    !task_state_is_terminal(f->state);
	return !task_state_is_active(f->state) &&
	    now - f->updated >= TASK_KEEP_MS;
}

/*
 * Walk the TaskInfos: lost (eid set): those not over on executor eid are
 * marked LOST with their event; else those over for TASK_KEEP_MS are
 * deleted.  Their assignments go too, in fenced transactions of TASK_BATCH
 * tasks at most.  The number done, or -1 when a commit of a lost walk
 * failed (it stops there; a prune goes on).
 */
static int
tasks_walk(const char *eid)
{
	struct rec_task_result res = { TASK_RESULT_LOST, -1 };
	const char *what = eid ? "mark tasks lost" : "prune old tasks";
	json_t *byapp, *ti, *x, *ev;
	const char *app, *task;
	struct rec_task f;
	struct zk_txn *t = NULL;
	char p[ZKP_MAX];
	long long now = js_now_ms();
	int n = 0;

	json_object_foreach(view_tasks(M.v), app, byapp)
		json_object_foreach(byapp, task, ti) {
			if (rec_task_read(ti, &f) < 0 ||
			    !walked(&f, eid, now) ||
			    zkp_task(p, M.ns, app, task) < 0)
				continue;
			if (!t)
				t = zk_txn_new(M.fence);
			if (!eid)
				zk_txn_delete(t, p, -1);
			else if (!(x = rec_task_with_state(ti, TASK_LOST,
			    TASK_LOST_MSG, &res, now)) ||
			    !(ev = rec_event_task_state(x, now)))
				die(EXIT_TEMP, "out of memory");
			else {
				zk_txn_set(t, p, x, view_version(M.v, p));
				event_add(M.z, t, ev);
				json_decref(x);
				json_decref(ev);
				warn("task %s-%s: LOST with executor %s", app,
				    task, eid);
			}
			view_touch(M.v, p);
			drop_assignment(t, &f);
			if (++n % TASK_BATCH == 0) {
				if (commit(t, what, eid ? eid : app) < 0 && eid)
					return -1;
				t = NULL;
			}
		}
	if (t && commit(t, what, eid ? eid : "tasks") < 0 && eid)
		return -1;
	return n;
}

int
tasks_lost(const char *eid)
{
	return tasks_walk(eid) < 0 ? -1 : 0;
}

void
tasks_prune(void)
{
	int n = tasks_walk(NULL);

	if (n)
		info("pruned %d task record%s", n, n == 1 ? "" : "s");
}
