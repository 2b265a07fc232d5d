#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "zkpath.h"

static int
okid(const char *id)
{
	return id && *id && !strchr(id, '/') && strcmp(id, ".") &&
	    strcmp(id, "..");
}

static int
mk(char *out, const char *ns, const char *dir, const char *a, const char *b)
{
	int n;

	if (!okid(ns) || (a && !okid(a)) || (b && !okid(b))) {
		errno = EINVAL;
		return -1;
	}
	if (!dir)
		n = snprintf(out, ZKP_MAX, "/%s", ns);
	else if (!a)
		n = snprintf(out, ZKP_MAX, "/%s/%s", ns, dir);
	else if (!b)
		n = snprintf(out, ZKP_MAX, "/%s/%s/%s", ns, dir, a);
	else
		n = snprintf(out, ZKP_MAX, "/%s/%s/%s/%s", ns, dir, a, b);
	if (n < 0 || n >= ZKP_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int zkp_root(char *out, const char *ns)
{ return mk(out, ns, NULL, NULL, NULL); }
int zkp_election_dir(char *out, const char *ns)
{ return mk(out, ns, "leaderselection", NULL, NULL); }
int zkp_election_prefix(char *out, const char *ns)
{ return mk(out, ns, "leaderselection", "leader-", NULL); }
int zkp_executors_dir(char *out, const char *ns)
{ return mk(out, ns, "executor", NULL, NULL); }
int zkp_executor(char *out, const char *ns, const char *eid)
{ return mk(out, ns, "executor", eid, NULL); }
int zkp_apps_dir(char *out, const char *ns)
{ return mk(out, ns, "applications", NULL, NULL); }
int zkp_app(char *out, const char *ns, const char *app_id)
{ return mk(out, ns, "applications", app_id, NULL); }
int zkp_instances_dir(char *out, const char *ns)
{ return mk(out, ns, "instances", NULL, NULL); }
int zkp_app_instances(char *out, const char *ns, const char *app_id)
{ return mk(out, ns, "instances", app_id, NULL); }
int zkp_instance(char *out, const char *ns, const char *app_id,
    const char *iid)
{ return mk(out, ns, "instances", app_id, iid); }
int zkp_requests_dir(char *out, const char *ns)
{ return mk(out, ns, "requests", NULL, NULL); }
int zkp_request(char *out, const char *ns, const char *iid)
{ return mk(out, ns, "requests", iid, NULL); }
int zkp_blacklist_dir(char *out, const char *ns)
{ return mk(out, ns, "blacklist", NULL, NULL); }
int zkp_blacklist(char *out, const char *ns, const char *eid)
{ return mk(out, ns, "blacklist", eid, NULL); }
int zkp_removed_executors_dir(char *out, const char *ns)
{ return mk(out, ns, "removedexecutors", NULL, NULL); }
int zkp_removed_executor(char *out, const char *ns, const char *eid)
{ return mk(out, ns, "removedexecutors", eid, NULL); }
int zkp_operations_dir(char *out, const char *ns)
{ return mk(out, ns, "operations", NULL, NULL); }
int zkp_operation(char *out, const char *ns, const char *app_id)
{ return mk(out, ns, "operations", app_id, NULL); }
int zkp_events_dir(char *out, const char *ns)
{ return mk(out, ns, "events", NULL, NULL); }
int zkp_tasks_dir(char *out, const char *ns)
{ return mk(out, ns, "tasks", NULL, NULL); }
int zkp_app_tasks(char *out, const char *ns, const char *source_app)
{ return mk(out, ns, "tasks", source_app, NULL); }
int zkp_task(char *out, const char *ns, const char *source_app,
    const char *task_id)
{ return mk(out, ns, "tasks", source_app, task_id); }
int zkp_localservices_dir(char *out, const char *ns)
{ return mk(out, ns, "localservices", NULL, NULL); }
int zkp_localservice(char *out, const char *ns, const char *sid)
{ return mk(out, ns, "localservices", sid, NULL); }
int zkp_ls_instances_dir(char *out, const char *ns)
{ return mk(out, ns, "localserviceinstances", NULL, NULL); }
int zkp_service_instances(char *out, const char *ns, const char *sid)
{ return mk(out, ns, "localserviceinstances", sid, NULL); }
int zkp_ls_instance(char *out, const char *ns, const char *sid,
    const char *iid)
{ return mk(out, ns, "localserviceinstances", sid, iid); }
int zkp_ls_operations_dir(char *out, const char *ns)
{ return mk(out, ns, "localserviceoperations", NULL, NULL); }
int zkp_ls_operation(char *out, const char *ns, const char *sid)
{ return mk(out, ns, "localserviceoperations", sid, NULL); }
int zkp_assignments_dir(char *out, const char *ns)
{ return mk(out, ns, "assignments", NULL, NULL); }
int zkp_executor_assignments(char *out, const char *ns, const char *eid)
{ return mk(out, ns, "assignments", eid, NULL); }
int zkp_assignment(char *out, const char *ns, const char *eid,
    const char *iid)
{ return mk(out, ns, "assignments", eid, iid); }
int zkp_maintenance(char *out, const char *ns)
{ return mk(out, ns, "cluster", "maintenance", NULL); }
int zkp_metrics_dir(char *out, const char *ns)
{ return mk(out, ns, "metrics", NULL, NULL); }
int zkp_metrics(char *out, const char *ns, const char *program)
{ return mk(out, ns, "metrics", program, NULL); }

int
zkp_child(char *out, const char *dir, const char *name)
{
	int n;

	if (!dir || dir[0] != '/' || !okid(name)) {
		errno = EINVAL;
		return -1;
	}
	n = snprintf(out, ZKP_MAX, "%s/%s", dir, name);
	if (n < 0 || n >= ZKP_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

const char *
zkp_base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}
