/*
 * httpd_tasks.c: Drove's task API (drove.md §2.1, §3.3, §4.3).
 *
 * CREATE writes, fenced by the leader's election znode and in one
 * transaction, the PENDING TaskInfo (/<ns>/tasks/<sourceAppName>/<taskId>),
 * the placement request (/<ns>/requests/<instanceId>, jobType
 * COMPUTATION) and the TASK_STATE_CHANGE event; drove-sched places it,
 * drove-execd runs it.  The answer comes once the own view shows the
 * TaskInfo, so the task is readable at once.  KILL of a task not yet
 * placed deletes its request and ends it STOPPED (CANCELLED); of a placed
 * one sets its assignment's targetState to STOPPED (drove-execd kills the
 * container and reports CANCELLED).  Reads come from the view.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "event.h"
#include "ids.h"
#include "model.h"
#include "record.h"
#include "spec.h"
#include "httpd.h"

#define WRITE_TRIES 5

static void
await(const char *path)
{
	if (view_reload_wait(hd.view, path, 5000) < 0)
		warn("the view did not show '%s' within 5 s", path);
}

/* The TaskInfo at path as ZooKeeper has it now: 1 (*ti, *version), 0 none,
 * -1 trouble (500 in out). */
static int
task_load(const char *path, json_t **ti, int *version, struct reply *out)
{
	struct rec_task f;

	*ti = zk_get_json(hd.zk, path, 0, version);
	if (!*ti) {
		if (errno == ENOENT)
			return 0;
		reply_500(out, "unable to read '%s': %s", path, err_text());
		return -1;
	}
	if (rec_task_read(*ti, &f) < 0) {
		json_decref(*ti);
		*ti = NULL;
		return 0;
	}
	return 1;
}

static void
task_create(json_t *req, const char *fence, struct reply *out)
{
	json_t *spec = json_object_get(req, "spec"), *ti = NULL, *rq = NULL;
	json_t *ev = NULL;
	char iid[IDS_INSTANCE_LEN], tp[ZKP_MAX], rp[ZKP_MAX], dir[ZKP_MAX];
	char api_id[2 * ZKP_MAX];
	const char *app, *task;
	struct zk_txn *t;
	long long now = js_now_ms();
	int rc = -1, tries;

	app = js_str(spec, "sourceAppName", "");
	task = js_str(spec, "taskId", "");
	if (zkp_task(tp, hd.ns, app, task) < 0 || rec_task_api_id(api_id,
	    sizeof api_id, app, task) < 0) {
		reply_verr(out, "Invalid task id");
		return;
	}
	/* ZooKeeper decides whether the taskId is on record: the creation of
	 * the TaskInfo below fails (EEXIST) if it is */
	if (capacity_ok(app, spec, 1, out) != 1)
		return;
	if (ids_instance(iid, "TI-") < 0 || zkp_request(rp, hd.ns, iid) < 0) {
		reply_500(out, "unable to make an instance id: %s",
		    strerror(errno));
		return;
	}
	ti = rec_task_pending(spec, iid, now);
	rq = rec_task_request_new(&(struct rec_task_request){ app, task, iid,
	    spec, now, NULL });
	ev = ti ? rec_event_task_state(ti, now) : NULL;
	if (!ti || !rq || !ev) {
		reply_500(out, "out of memory");
		goto out;
	}
	/* the directories are made sure of only when the write meets one
	 * missing: the first task of an app, say */
	for (tries = 0; tries < 2; tries++) {
		if (tries && (zkp_app_tasks(dir, hd.ns, app) < 0 ||
		    zk_ensure(hd.zk, dir) < 0 || zkp_requests_dir(dir,
		    hd.ns) < 0 || zk_ensure(hd.zk, dir) < 0 ||
		    event_dir_ensure(hd.zk, hd.ns) < 0)) {
			reply_500(out, "unable to create task %s: %s", api_id,
			    err_text());
			goto out;
		}
		t = zk_txn_new(fence);
		zk_txn_create(t, tp, ti, 0);
		zk_txn_create(t, rp, rq, 0);
		event_add(hd.zk, t, ev);
		if ((rc = zk_txn_commit(hd.zk, t)) == 0 || errno != ENOENT)
			break;
		event_forget();	/* a bucket or a directory went */
	}
	if (rc < 0) {
		if (errno == EEXIST)
			reply_verr(out, "Task already exists with id %s",
			    api_id);
		else
			reply_write_error(out, "task", api_id);
		goto out;
	}
	await(tp);
	info("task %s created (instance %s)", api_id, iid);
	reply_ok(out, json_pack("{s:s}", "taskId", api_id));
out:
	json_decref(ti);
	json_decref(rq);
	json_decref(ev);
}

/*
 * KILL: 0 done (SUCCESS in out), 1 someone wrote in between (read
 * again), -1 refused or failed (the reply is in out).
 */
static int
task_kill_once(const char *app, const char *task, const char *fence,
    struct reply *out)
{
	char tp[ZKP_MAX], p[ZKP_MAX];
	struct rec_task f;
	struct rec_assignment fa;
	struct rec_task_result res = { TASK_RESULT_CANCELLED, -1 };
	struct zk_txn *t;
	json_t *ti, *nt = NULL, *ev = NULL, *a = NULL, *na = NULL;
	int version, aversion, r;

	if (zkp_task(tp, hd.ns, app, task) < 0 ||
	    (r = task_load(tp, &ti, &version, out)) == 0) {
		reply_verr(out, "No such task %s-%s", app, task);
		return -1;
	}
	if (r < 0)
		return -1;
	rec_task_read(ti, &f);
	if (!task_state_is_active(f.state)) {
		reply_verr(out, "Task %s-%s has already ended (%s)", app, task,
		    task_state_name(f.state));
		json_decref(ti);
		return -1;
	}
	t = zk_txn_new(fence);
	if (!f.executor_id[0]) {
		/* not placed yet: take the request back and end it here */
		zkp_request(p, hd.ns, f.instance_id);
		nt = rec_task_with_state(ti, TASK_STOPPED, "Task cancelled",
		    &res, js_now_ms());
		ev = nt ? rec_event_task_state(nt, js_now_ms()) : NULL;
		zk_txn_delete(t, p, -1);
		zk_txn_set(t, tp, nt, version);
		if (ev)
			event_add(hd.zk, t, ev);
		else
			errno = ENOMEM;
	} else {
		zkp_assignment(p, hd.ns, f.executor_id, f.instance_id);
		if (!(a = zk_get_json(hd.zk, p, 0, &aversion))) {
			zk_txn_free(t);
			json_decref(ti);
			if (errno != ENOENT) {
				reply_500(out, "unable to read '%s': %s", p,
				    err_text());
				return -1;
			}
			/* ending: its TaskInfo is about to say so */
			reply_verr(out, "Task %s-%s is ending", app, task);
			return -1;
		}
		if (rec_assignment_read(a, &fa) == 0 &&
		    fa.target != TARGET_RUNNING) {
			zk_txn_free(t);
			json_decref(ti);
			json_decref(a);
			reply_ok(out, json_pack("{s:s}", "taskId", task));
			return 0;
		}
		na = rec_assignment_stopped(a);
		zk_txn_set(t, p, na, aversion);
	}
	json_decref(ti);
	json_decref(a);
	r = zk_txn_commit(hd.zk, t);
	json_decref(nt);
	json_decref(ev);
	json_decref(na);
	if (r < 0) {
		if (errno == ENOENT)
			event_forget();
		if (errno == ESTALE || errno == ENOENT)
			return 1;
		reply_write_error(out, "task", task);
		return -1;
	}
	if (!f.executor_id[0])
		await(tp);
	info("task %s-%s: kill requested", app, task);
	reply_ok(out, json_pack("{s:s}", "taskId", task));
	return 0;
}

void
h_task_operation(const struct req *r, struct reply *out)
{
	char fence[ZKP_MAX];
	const char *type, *app, *task;
	json_t *req, *errs;
	int tries, rc = 1;

	if (!(req = req_json(r, out)))
		return;
	/* the whole body first (lib/spec): type, the spec of a CREATE,
	 * the ids of a KILL */
	errs = json_array();
	if (reply_invalid(out, spec_validate_task_op(req, &hd.sopts, errs),
	    errs) || !write_gate(fence, out)) {
		json_decref(req);
		return;
	}
	type = js_str(req, "type", "");
	if (!strcmp(type, "CREATE")) {
		task_create(req, fence, out);
		json_decref(req);
		return;
	}
	app = js_str(req, "sourceAppName", "");
	task = js_str(req, "taskId", "");
	for (tries = 0; rc == 1 && tries < WRITE_TRIES; tries++) {
		reply_clear(out);
		rc = task_kill_once(app, task, fence, out);
	}
	if (rc == 1)
		reply_500(out, "task %s-%s: the kill kept meeting other "
		    "writes; try again", app, task);
	json_decref(req);
}

/* --- reads ------------------------------------------------------------- */

static enum task_state
task_state_of(const json_t *ti)
{
	struct rec_task f;

	return rec_task_read(ti, &f) == 0 ? f.state : TASK_UNKNOWN;
}

json_t *
tasks_active(const char *executor_id)
{
	json_t *res = json_array(), *byapp, *ti;
	const char *app, *task;
	struct rec_task f;

	json_object_foreach(view_tasks(hd.view), app, byapp)
		json_object_foreach(byapp, task, ti)
			if (rec_task_read(ti, &f) == 0 &&
			    task_state_is_active(f.state) && (!executor_id ||
			    !strcmp(executor_id, f.executor_id)))
				json_array_append(res, ti);
	return res;
}

long long
tasks_active_count(void)
{
	json_t *byapp, *ti;
	const char *app, *task;
	long long n = 0;

	json_object_foreach(view_tasks(hd.view), app, byapp)
		json_object_foreach(byapp, task, ti)
			if (task_state_is_active(task_state_of(ti)))
				n++;
	return n;
}

void
h_tasks(struct reply *out)
{
	json_t *res;

	view_rdlock(hd.view);
	res = tasks_active(NULL);
	view_unlock(hd.view);
	reply_ok(out, res);
}

void
h_task(const char *app, const char *task, struct reply *out)
{
	view_rdlock(hd.view);
	reply_record(out, view_task(hd.view, app, task),
	    "No such task instance %s/%s", app, task);
	view_unlock(hd.view);
}

/* DELETE: the record of an ended task goes; an active one stays. */
void
h_task_delete(const char *app, const char *task, struct reply *out)
{
	char fence[ZKP_MAX], tp[ZKP_MAX];
	struct zk_txn *t;
	json_t *ti;
	int version, r;
	enum task_state s;

	if (!write_gate(fence, out))
		return;
	if (zkp_task(tp, hd.ns, app, task) < 0 ||
	    (r = task_load(tp, &ti, &version, out)) == 0) {
		reply_unknown(out, json_pack("{s:b}", "deleted", 0),
		    "Could not delete %s/%s", app, task);
		return;
	}
	if (r < 0)
		return;
	s = task_state_of(ti);
	json_decref(ti);
	if (task_state_is_active(s)) {
		reply_verr(out, "Task %s-%s is still active (%s): kill it "
		    "first", app, task, task_state_name(s));
		return;
	}
	t = zk_txn_new(fence);
	zk_txn_delete(t, tp, version);
	if (zk_txn_commit(hd.zk, t) < 0 && errno != ENOENT) {
		reply_write_error(out, "task", task);
		return;
	}
	await(tp);
	info("task %s-%s: record deleted", app, task);
	reply_ok(out, json_pack("{s:b}", "deleted", 1));
}

/* The value of key in the form body (url-encoded), malloc'd, or NULL. */
static char *
form_value(const char *body, size_t len, const char *key)
{
	size_t k = strlen(key), i = 0, j;
	char *v;

	while (i < len) {
		for (j = i; j < len && body[j] != '&'; j++)
			;
		if (j - i > k && !strncmp(body + i, key, k) &&
		    body[i + k] == '=') {
			v = xasprintf("%.*s", (int)(j - i - k - 1),
			    body + i + k + 1);
			for (char *p = v; *p; p++)
				if (*p == '+')
					*p = ' ';
			MHD_http_unescape(v);
			return v;
		}
		i = j + 1;
	}
	return NULL;
}

/* POST /apis/v1/tasks/search: Drove's UI helper, a 303 to the task's page
 * when it exists, else to the home page. */
void
h_task_search(const struct req *r, struct reply *out)
{
	char *app = form_value(r->body ? r->body : "", r->body_len,
	    "taskSearchAppName");
	char *task = form_value(r->body ? r->body : "", r->body_len,
	    "taskSearchTaskID");
	int found = 0;

	if (app && task) {
		view_rdlock(hd.view);
		found = view_task(hd.view, app, task) != NULL;
		view_unlock(hd.view);
	}
	out->code = MHD_HTTP_SEE_OTHER;
	if (found)
		snprintf(out->location, sizeof out->location, "/tasks/%s/%s",
		    app, task);
	else
		snprintf(out->location, sizeof out->location, "/");
	free(app);
	free(task);
}
