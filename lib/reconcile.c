#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "event.h"
#include "ids.h"
#include "model.h"
#include "record.h"
#include "zkpath.h"
#include "reconcile.h"

static int
add(json_t *out, const char *action, const char *iid, const char *app,
    const char *cid, const char *reason)
{
	return json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:s,s:s}",
	    "action", action, "instanceId", iid, "appId", app ? app : "",
	    "containerId", cid ? cid : "", "reason", reason));
}

static const char *
label(const json_t *c, const char *key)
{
	return js_str(json_object_get(c, "Labels"), key, NULL);
}

/* TaskInfo ti says the task is over (STOPPED, LOST). */
static int
task_over(const json_t *ti)
{
	struct rec_task f;

	return ti && rec_task_read(ti, &f) == 0 &&
	    task_state_is_terminal(f.state);
}

json_t *
reconcile_decide(const json_t *containers, const json_t *assignments,
    const json_t *infos, const char *executor_id)
{
	json_t *out = json_array(), *c, *a, *info, *running = json_object();
	const char *iid, *eid, *cid, *state, *app, *why;
	struct rec_assignment ra;
	struct rec_instance ri;
	int has_a, has_i;
	size_t i;
	int r = 0;

	if (!out || !running)
		goto oom;
	json_array_foreach(containers, i, c) {
		if (!(iid = label(c, "drove.instance.id")))
			continue;
		eid = label(c, "drove.executor.id");
		if (!eid || !executor_id || strcmp(eid, executor_id))
			continue;
		cid = js_str(c, "Id", "");
		state = js_str(c, "State", "");
		a = json_object_get(assignments, iid);
		info = json_object_get(infos, iid);
		has_a = a && rec_assignment_read(a, &ra) == 0;
		has_i = info && rec_instance_read(info, &ri) == 0;
		app = has_a ? ra.app_id : has_i ? ri.app_id : NULL;
		if (has_a && ra.job == JOB_COMPUTATION && !task_over(info)) {
			/* its thread reports how it ends, even exited */
			r |= add(out, "adopt", iid, app, cid, "task assigned "
			    "and not over");
			r |= json_object_set_new(running, iid, json_true());
			continue;
		}
		why = NULL;
		if (!a)
			why = "not assigned to this executor";
		else if (has_a && ra.target != TARGET_RUNNING)
			why = "target state is STOPPED";
		else if (strcmp(state, "running"))
			why = "container is not running";
		else if (has_i && inst_state_is_terminal(ri.state))
			why = "instance is already terminal";
		if (why)
			r |= add(out, "kill", iid, app, cid, why);
		else {
			r |= add(out, "adopt", iid, app, cid,
			    "running and assigned");
			r |= json_object_set_new(running, iid, json_true());
		}
	}
	json_object_foreach((json_t *)(uintptr_t)assignments, iid, a) {
		info = json_object_get(infos, iid);
		if (!info || rec_instance_read(info, &ri) < 0 ||
		    !inst_state_is_active(ri.state) || ri.state == INST_PENDING ||
		    json_object_get(running, iid))
			continue;
		has_a = rec_assignment_read(a, &ra) == 0;
		r |= add(out, "lost", iid, has_a ? ra.app_id : ri.app_id, "",
		    "no running container for an active instance");
	}
	if (r)
		goto oom;
	json_decref(running);
	return out;
oom:
	json_decref(running);
	json_decref(out);
	return NULL;
}

int
reconcile_identity(const json_t *cfg, char *host, size_t hostlen,
    char *executor_id)
{
	char seed[400];
	int n, port;

	if (cfg_hostname(cfg, host, hostlen) < 0)
		return -1;
	if ((port = cfg_port(cfg, NODE_EXECUTOR)) < 0)
		return -1;
	n = snprintf(seed, sizeof seed, "%s:%d", host, port);
	if (n < 0 || (size_t)n >= sizeof seed)
		return errno = ENAMETOOLONG, -1;
	ids_uuid3(executor_id, seed, (size_t)n);
	return 0;
}

static int
zkfail(const char *what, const char *path)
{
	return err_fail(errno, "unable to %s '%.80s': %.90s", what, path,
	    err_text());
}

int
reconcile_gather(struct zk *z, struct engine *e, const char *executor_id,
    int watch, json_t **out_containers, json_t **out_assignments,
    json_t **out_infos)
{
	char dir[ZKP_MAX], path[ZKP_MAX], **names = NULL, **n;
	json_t *as = json_object(), *infos = json_object(), *a, *info;
	struct rec_assignment ra;
	char mine[ZKP_MAX];
	json_t *cs;

	*out_containers = *out_assignments = *out_infos = NULL;
	if (zkp_executor_assignments(dir, zk_ns(z), executor_id) < 0)
		goto bad;
	if (zk_children(z, dir, watch, &names, NULL) < 0) {
		if (errno != ENOENT || zk_ensure(z, dir) < 0 ||
		    zk_children(z, dir, watch, &names, NULL) < 0) {
			zkfail("list", dir);
			goto fail;
		}
	}
	for (n = names; *n; n++) {
		if (zkp_assignment(path, zk_ns(z), executor_id, *n) < 0)
			continue;
		if (!(a = zk_get_json(z, path, watch, NULL))) {
			if (errno == ENOENT)
				continue;
			zkfail("read", path);
			goto fail;
		}
		json_object_set_new(as, *n, a);
		if (rec_assignment_read(a, &ra) < 0 ||
		    rec_assignment_info_path(path, zk_ns(z), &ra) < 0)
			continue;
		if ((info = zk_get_json(z, path, 0, NULL)))
			json_object_set_new(infos, *n, info);
		else if (errno != ENOENT && errno != EINVAL) {
			zkfail("read", path);
			goto fail;
		}
	}
	/* ours only: several executors may share one engine */
	snprintf(mine, sizeof mine, "drove.executor.id=%s", executor_id);
	if (!(cs = engine_list(e, mine, 1))) {
		err_fail(errno, "unable to list containers: %s", err_text());
		goto fail;
	}
	zk_free_names(names);
	*out_containers = cs;
	*out_assignments = as;
	*out_infos = infos;
	return 0;
bad:
	err_set("bad executor id");
fail:
	if (names)
		zk_free_names(names);
	json_decref(as);
	json_decref(infos);
	return -1;
}

int
reconcile_apply(struct zk *z, struct engine *e, const json_t *d,
    const json_t *info)
{
	const char *act = js_str(d, "action", ""), *cid;
	struct rec_instance ri = { .job = JOB_SERVICE };
	char path[ZKP_MAX];
	json_t *ni, *ev;
	int r;

	if (!strcmp(act, "kill")) {
		cid = js_str(d, "containerId", "");
		engine_kill(e, cid, "KILL");	/* fails if not running */
		if (engine_remove(e, cid, 1, 1) < 0 && errno != ENOENT)
			return err_fail(errno, "unable to remove container "
			    "%.12s: %s", cid, err_text());
		return 0;
	}
	if (strcmp(act, "lost"))
		return 0;
	/* an InstanceInfo or a LocalServiceInstanceInfo: its own path (an
	 * unreadable info is refused below) */
	if (info && rec_instance_read(info, &ri) < 0)
		ri.job = JOB_SERVICE;
	if (rec_assignment_info_path(path, zk_ns(z), &(struct rec_assignment){
	    .job = ri.job, .app_id = js_str(d, "appId", ""),
	    .instance_id = js_str(d, "instanceId", ""), .task_id = "" }) < 0) {
		err_set("bad instance id");
		return -1;
	}
	if (!(ni = rec_instance_with_state(info, INST_LOST,
	    RECONCILE_LOST_MSG, js_now_ms()))) {
		err_set("no usable InstanceInfo for '%.80s'", path);
		return -1;
	}
	if (!(ev = rec_event_instance_state(ni, js_now_ms()))) {
		json_decref(ni);
		return err_fail(ENOMEM, "out of memory");
	}
	r = event_put(z, path, ni, ev);
	json_decref(ni);
	json_decref(ev);
	return r < 0 ? zkfail("write", path) : 0;
}
