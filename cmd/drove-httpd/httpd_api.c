/*
 * httpd_api.c: routing of /apis/v1/... and the handlers that read and
 * write the desired state in ZooKeeper.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "err.h"
#include "model.h"
#include "placement.h"
#include "rule.h"
#include "snapshot.h"
#include "httpd.h"

#define MAX_SEGS 16
#define NOT_LEADER "This node is not the leader controller"

static json_t *
envelope(const char *status, json_t *data, const char *message)
{
	return json_pack("{s:s, s:o, s:s}", "status", status, "data",
	    data ? data : json_null(), "message", message);
}

void
reply_ok(struct reply *out, json_t *data)
{
	out->code = MHD_HTTP_OK;
	out->json = envelope("SUCCESS", data, "success");
}

void
reply_fail(struct reply *out, unsigned int code, const char *message,
    json_t *data)
{
	out->code = code;
	out->json = envelope("FAILED", data, message);
}

void
reply_500(struct reply *out, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	warn("%s", msg);
	reply_fail(out, MHD_HTTP_INTERNAL_SERVER_ERROR,
	    "Unexpected Server error", json_pack("{s:s}", "failure", msg));
}

/* 400 Command validation failure with errs (stolen). */
static void
reply_verrs(struct reply *out, json_t *errs)
{
	reply_fail(out, MHD_HTTP_BAD_REQUEST, "Command validation failure",
	    json_pack("{s:o}", "validationErrors", errs));
}

__attribute__((format(printf, 2, 3))) static void
reply_verr(struct reply *out, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	reply_verrs(out, json_pack("[s]", msg));
}

__attribute__((format(printf, 2, 3))) static void
reply_notfound(struct reply *out, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	reply_fail(out, MHD_HTTP_NOT_FOUND, msg, NULL);
}

/* --- ZooKeeper reads ------------------------------------------------- */

/* The data of path as JSON; NULL with errno ENOENT if absent (or not
 * JSON: treated as absent), NULL with another errno on failure. */
static json_t *
zget(const char *path, int *version)
{
	json_t *j = zk_get_json(hd.zk, path, 0, version);

	if (!j && errno == EINVAL)
		errno = ENOENT;
	return j;
}

/* Children of dir: 0 (names NULL-terminated, maybe empty), -1 on error.
 * A missing dir is an empty list. */
static int
zlist(const char *dir, char ***names)
{
	if (zk_children(hd.zk, dir, 0, names, NULL) == 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	*names = calloc(1, sizeof **names);
	return *names ? 0 : -1;
}

static json_t *
app_get(const char *app_id, int *version)
{
	char path[ZKP_MAX];

	if (zkp_app(path, hd.ns, app_id) < 0)
		return NULL;
	return zget(path, version);
}

static int
by_created(const void *a, const void *b)
{
	long long x = js_int(*(json_t *const *)a, "created", 0);
	long long y = js_int(*(json_t *const *)b, "created", 0);

	return (x > y) - (x < y);
}

/* The InstanceInfos of app_id, sorted by created (new array), or NULL. */
static json_t *
instances_of(const char *app_id)
{
	char dir[ZKP_MAX], path[ZKP_MAX];
	char **names, **p;
	json_t *arr, *ii, **v;
	size_t n, i;

	if (zkp_app_instances(dir, hd.ns, app_id) < 0 ||
	    zlist(dir, &names) < 0)
		return NULL;
	arr = json_array();
	for (p = names; *p; p++) {
		if (zkp_instance(path, hd.ns, app_id, *p) < 0)
			continue;
		if (!(ii = zget(path, NULL))) {
			if (errno == ENOENT)
				continue;
			zk_free_names(names);
			json_decref(arr);
			return NULL;
		}
		if (json_is_object(ii))
			json_array_append(arr, ii);
		json_decref(ii);
	}
	zk_free_names(names);
	n = json_array_size(arr);
	if (n < 2)
		return arr;
	v = xcalloc(n, sizeof *v);
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof *v, by_created);
	json_array_clear(arr);
	for (i = 0; i < n; i++)
		json_array_append_new(arr, v[i]);
	free(v);
	return arr;
}

static const char *
app_state(const json_t *info)
{
	return js_int(info, "instances", 0) > 0 ? "RUNNING" : "MONITORING";
}

/* AppSummary of an ApplicationInfo, or NULL on a ZK failure. */
static json_t *
app_summary(const json_t *info)
{
	const char *id = js_str(info, "appId", "");
	json_t *spec = json_object_get(info, "spec"), *insts, *ii, *tags;
	long long n = js_int(info, "instances", 0), healthy = 0;
	size_t i;

	if (!(insts = instances_of(id)))
		return NULL;
	json_array_foreach(insts, i, ii)
		if (!strcmp(js_str(ii, "state", ""), "HEALTHY"))
			healthy++;
	json_decref(insts);
	tags = json_object_get(spec, "tags");
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:O, s:s, s:I, s:I}",
	    "id", id, "name", js_str(spec, "name", ""),
	    "requiredInstances", (json_int_t)n,
	    "healthyInstances", (json_int_t)healthy,
	    "totalCPUs", (json_int_t)(spec_cpus(spec) * n),
	    "totalMemory", (json_int_t)(spec_memory_mb(spec) * n),
	    "tags", json_is_object(tags) ? tags : json_object(),
	    "state", app_state(info),
	    "created", (json_int_t)js_int(info, "created", 0),
	    "updated", (json_int_t)js_int(info, "updated", 0));
}

/* Every ApplicationInfo (array sorted by appId), or NULL. */
static json_t *
all_apps(void)
{
	char dir[ZKP_MAX], path[ZKP_MAX];
	char **names, **p;
	json_t *arr, *info;

	zkp_apps_dir(dir, hd.ns);
	if (zlist(dir, &names) < 0)
		return NULL;
	arr = json_array();
	for (p = names; *p; p++) {
		if (zkp_app(path, hd.ns, *p) < 0)
			continue;
		if (!(info = zget(path, NULL))) {
			if (errno == ENOENT)
				continue;
			zk_free_names(names);
			json_decref(arr);
			return NULL;
		}
		if (json_is_object(info))
			json_array_append(arr, info);
		json_decref(info);
	}
	zk_free_names(names);
	return arr;
}

/* Every ExecutorNodeData, or NULL. */
static json_t *
all_executors(void)
{
	char dir[ZKP_MAX], path[ZKP_MAX];
	char **names, **p;
	json_t *arr, *node;

	zkp_executors_dir(dir, hd.ns);
	if (zlist(dir, &names) < 0)
		return NULL;
	arr = json_array();
	for (p = names; *p; p++) {
		if (zkp_executor(path, hd.ns, *p) < 0)
			continue;
		if (!(node = zget(path, NULL))) {
			if (errno == ENOENT)
				continue;
			zk_free_names(names);
			json_decref(arr);
			return NULL;
		}
		if (json_is_object(node)) {
			if (!js_get(node, "state.executorId"))
				json_object_set_new(node, "executorIdHint",
				    json_string(*p));
			json_array_append(arr, node);
		}
		json_decref(node);
	}
	zk_free_names(names);
	return arr;
}

/* --- query arguments ------------------------------------------------- */

struct qvals {
	const char *key;
	json_t *vals;
};

static enum MHD_Result
collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct qvals *q = cls;

	(void)kind;
	if (!strcmp(key, q->key) && value)
		json_array_append_new(q->vals, json_string(value));
	return MHD_YES;
}

/* Every value of a repeatable query argument (new array). */
static json_t *
query_all(const struct req *r, const char *key)
{
	struct qvals q = { key, json_array() };

	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect_arg,
	    &q);
	return q.vals;
}

static int
in_array(const json_t *arr, const char *s)
{
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, v)
		if (!strcasecmp(json_string_value(v), s))
			return 1;
	return 0;
}

/*
 * The pending placement requests (a snapshot with "requests" only), or
 * NULL on a ZooKeeper failure.
 */
static json_t *
pending_requests(void)
{
	char where[ZKP_MAX];
	json_t *snap = snap_new();

	if (snap && snap_load_zk(hd.zk, hd.ns, SNAP_REQUESTS, 0, snap, where,
	    sizeof where) < 0) {
		json_decref(snap);
		return NULL;
	}
	return snap;
}

/*
 * Our extra AppSummary fields: "pendingInstances" (requests waiting for a
 * placement) and "placementError" (the scheduler's reason for the newest
 * request that could not be placed), when there is one.
 */
static void
add_pending(json_t *sum, const char *app_id, json_t *snap)
{
	const char *iid, *why = NULL;
	long long n = 0, newest = 0;
	json_t *rq;

	json_object_foreach(json_object_get(snap, "requests"), iid, rq) {
		if (strcmp(js_str(rq, "appId", ""), app_id))
			continue;
		n++;
		if (js_str(rq, "error", NULL) && (!why ||
		    js_int(rq, "created", 0) >= newest)) {
			why = js_str(rq, "error", NULL);
			newest = js_int(rq, "created", 0);
		}
	}
	json_object_set_new(sum, "pendingInstances", json_integer(n));
	if (why)
		json_object_set_new(sum, "placementError", json_string(why));
}

/* --- handlers ------------------------------------------------------- */

static void
h_apps(struct reply *out)
{
	json_t *apps = all_apps(), *map, *info, *sum, *reqs;
	size_t i;

	if (!apps || !(reqs = pending_requests())) {
		json_decref(apps);
		reply_500(out, "unable to read applications: %s",
		    zk_last_error());
		return;
	}
	map = json_object();
	json_array_foreach(apps, i, info) {
		if (!(sum = app_summary(info))) {
			json_decref(map);
			json_decref(apps);
			json_decref(reqs);
			reply_500(out, "unable to read instances: %s",
			    zk_last_error());
			return;
		}
		add_pending(sum, js_str(info, "appId", ""), reqs);
		json_object_set_new(map, js_str(info, "appId", ""), sum);
	}
	json_decref(apps);
	json_decref(reqs);
	reply_ok(out, map);
}

/* The ApplicationInfo of app_id, or NULL with out filled (404/500). */
static json_t *
app_or_reply(const char *app_id, struct reply *out)
{
	json_t *info = app_get(app_id, NULL);

	if (info)
		return info;
	if (errno == ENOENT)
		reply_notfound(out, "App %s not found", app_id);
	else
		reply_500(out, "unable to read app %s: %s", app_id,
		    zk_last_error());
	return NULL;
}

static void
h_app(const char *app_id, struct reply *out)
{
	json_t *info, *sum, *reqs;

	if (!(info = app_or_reply(app_id, out)))
		return;
	sum = app_summary(info);
	json_decref(info);
	if (!sum || !(reqs = pending_requests())) {
		json_decref(sum);
		reply_500(out, "unable to read instances: %s",
		    zk_last_error());
		return;
	}
	add_pending(sum, app_id, reqs);
	json_decref(reqs);
	reply_ok(out, sum);
}

static void
h_app_spec(const char *app_id, struct reply *out)
{
	json_t *info, *m;

	if (!(info = app_or_reply(app_id, out)))
		return;
	m = spec_masked(json_object_get(info, "spec"));
	json_decref(info);
	reply_ok(out, m);
}

static void
h_instances(const struct req *r, const char *app_id, struct reply *out)
{
	json_t *info, *insts, *states, *res, *ii, *s;
	size_t i;

	if (!(info = app_or_reply(app_id, out)))
		return;
	json_decref(info);
	states = query_all(r, "state");
	json_array_foreach(states, i, s) {
		char up[64];
		size_t k;

		snprintf(up, sizeof up, "%s", json_string_value(s));
		for (k = 0; up[k]; k++)
			up[k] = (char)toupper((unsigned char)up[k]);
		json_string_set(s, up);
	}
	json_array_foreach(states, i, s)
		if (!inst_state_valid(json_string_value(s))) {
			reply_verr(out, "Invalid instance state %s",
			    json_string_value(s));
			json_decref(states);
			return;
		}
	if (!(insts = instances_of(app_id))) {
		json_decref(states);
		reply_500(out, "unable to read instances: %s",
		    zk_last_error());
		return;
	}
	res = json_array();
	json_array_foreach(insts, i, ii) {
		const char *st = js_str(ii, "state", "");

		if (json_array_size(states) ? in_array(states, st) :
		    inst_state_active(st))
			json_array_append(res, ii);
	}
	json_decref(insts);
	json_decref(states);
	reply_ok(out, res);
}

static void
h_instance(const char *app_id, const char *iid, struct reply *out)
{
	char path[ZKP_MAX];
	json_t *ii;

	if (zkp_instance(path, hd.ns, app_id, iid) < 0) {
		reply_notfound(out, "Instance %s not found", iid);
		return;
	}
	if ((ii = zget(path, NULL)))
		reply_ok(out, ii);
	else if (errno == ENOENT)
		reply_notfound(out, "Instance %s not found", iid);
	else
		reply_500(out, "unable to read instance %s: %s", iid,
		    zk_last_error());
}

/* ExposedAppInfo for info, or NULL if not exposed; *err on ZK trouble. */
static json_t *
exposed(const json_t *info, int *err)
{
	const json_t *spec = json_object_get(info, "spec");
	const json_t *es = json_object_get(spec, "exposureSpec");
	const char *id = js_str(info, "appId", ""), *pn;
	json_t *insts, *ii, *hosts, *port, *tags;
	size_t i;

	if (!json_is_object(es) || strcmp(app_state(info), "RUNNING"))
		return NULL;
	pn = js_str(es, "portName", "");
	if (!(insts = instances_of(id))) {
		*err = 1;
		return NULL;
	}
	hosts = json_array();
	json_array_foreach(insts, i, ii) {
		if (strcmp(js_str(ii, "state", ""), "HEALTHY"))
			continue;
		port = json_object_get(js_get(ii, "localInfo.ports"), pn);
		if (!json_is_object(port))
			continue;
		json_array_append_new(hosts, json_pack("{s:s, s:I, s:s}",
		    "host", js_str(js_get(ii, "localInfo"), "hostname", ""),
		    "port", (json_int_t)js_int(port, "hostPort", 0),
		    "portType", js_str(port, "portType", "HTTP")));
	}
	json_decref(insts);
	tags = json_object_get(spec, "tags");
	return json_pack("{s:s, s:s, s:s, s:O, s:o}",
	    "appName", js_str(spec, "name", ""), "appId", id,
	    "vhost", js_str(es, "vhost", ""),
	    "tags", json_is_object(tags) ? tags : json_object(),
	    "hosts", hosts);
}

static void
h_endpoints(const struct req *r, const char *only, struct reply *out)
{
	json_t *apps, *names, *res, *info, *e;
	size_t i;
	int err = 0;

	if (!(apps = all_apps())) {
		reply_500(out, "unable to read applications: %s",
		    zk_last_error());
		return;
	}
	names = only ? json_pack("[s]", only) : query_all(r, "app");
	res = json_array();
	json_array_foreach(apps, i, info) {
		const char *name = js_str(json_object_get(info, "spec"),
		    "name", "");
		json_t *n;
		size_t k;
		int want = json_array_size(names) == 0;

		json_array_foreach(names, k, n)
			if (!strcmp(json_string_value(n), name))
				want = 1;
		if (!want)
			continue;
		if ((e = exposed(info, &err)))
			json_array_append_new(res, e);
		if (err)
			break;
	}
	json_decref(names);
	json_decref(apps);
	if (err) {
		json_decref(res);
		reply_500(out, "unable to read instances: %s",
		    zk_last_error());
		return;
	}
	reply_ok(out, res);
}

/* Sum over NUMA nodes: the sizes of arrays, or the integers. */
static long long
numa_sum(json_t *m)
{
	const char *k;
	json_t *v;
	long long n = 0;

	json_object_foreach(m, k, v) {
		if (json_is_array(v))
			n += (long long)json_array_size(v);
		else if (json_is_integer(v))
			n += json_integer_value(v);
	}
	return n;
}

static const char *
executor_id(const json_t *node)
{
	return js_str(js_get(node, "state"), "executorId",
	    js_str(node, "executorIdHint", ""));
}

static const char *
executor_state(const json_t *node)
{
	return js_str(node, "executorState", "ACTIVE");
}

static json_t *
executor_summary(const json_t *node)
{
	json_t *tags = json_object_get(node, "tags");

	return json_pack("{s:s, s:s, s:I, s:s, s:I, s:I, s:I, s:I, s:O, s:s}",
	    "executorId", executor_id(node),
	    "hostname", js_str(node, "hostname", ""),
	    "port", (json_int_t)js_int(node, "port", 0),
	    "transportType", js_str(node, "transportType", "HTTP"),
	    "freeCores", (json_int_t)numa_sum(js_get(node,
	    "state.cpus.freeCores")),
	    "usedCores", (json_int_t)numa_sum(js_get(node,
	    "state.cpus.usedCores")),
	    "freeMemory", (json_int_t)numa_sum(js_get(node,
	    "state.memory.freeMemory")),
	    "usedMemory", (json_int_t)numa_sum(js_get(node,
	    "state.memory.usedMemory")),
	    "tags", json_is_array(tags) ? tags : json_array(),
	    "state", executor_state(node));
}

static const char *
cluster_state(void)
{
	char path[ZKP_MAX];
	json_t *m;
	static const char *const states[] = { "MAINTENANCE", "NORMAL" };
	const char *s = states[1];

	zkp_maintenance(path, hd.ns);
	if ((m = zget(path, NULL))) {
		if (!strcmp(js_str(m, "state", ""), "MAINTENANCE"))
			s = states[0];
		json_decref(m);
	}
	return s;
}

static void
h_cluster(struct reply *out)
{
	json_t *execs, *apps, *node, *info;
	long long fc = 0, uc = 0, fm = 0, um = 0, nactive = 0, nexec = 0;
	char addr[300];
	size_t i;

	if (!(execs = all_executors()) || !(apps = all_apps())) {
		json_decref(execs);
		reply_500(out, "unable to read cluster state: %s",
		    zk_last_error());
		return;
	}
	json_array_foreach(execs, i, node) {
		nexec++;
		if (strcmp(executor_state(node), "ACTIVE"))
			continue;
		fc += numa_sum(js_get(node, "state.cpus.freeCores"));
		uc += numa_sum(js_get(node, "state.cpus.usedCores"));
		fm += numa_sum(js_get(node, "state.memory.freeMemory"));
		um += numa_sum(js_get(node, "state.memory.usedMemory"));
	}
	json_array_foreach(apps, i, info)
		if (!strcmp(app_state(info), "RUNNING"))
			nactive++;
	leader_get(NULL, addr, sizeof addr);
	reply_ok(out, json_pack("{s:s, s:s, s:I, s:I, s:I, s:i, s:i, s:i, "
	    "s:I, s:I, s:I, s:I, s:I, s:I}",
	    "leader", addr[0] ? addr : "Leader election underway",
	    "state", cluster_state(),
	    "numExecutors", (json_int_t)nexec,
	    "numApplications", (json_int_t)json_array_size(apps),
	    "numActiveApplications", (json_int_t)nactive,
	    "numActiveTasks", 0, "numLocalServices", 0,
	    "numActiveLocalServices", 0,
	    "freeCores", (json_int_t)fc, "usedCores", (json_int_t)uc,
	    "totalCores", (json_int_t)(fc + uc),
	    "freeMemory", (json_int_t)fm, "usedMemory", (json_int_t)um,
	    "totalMemory", (json_int_t)(fm + um)));
	json_decref(execs);
	json_decref(apps);
}

static void
h_executors(const char *id, struct reply *out)
{
	json_t *execs, *node, *res;
	size_t i;

	if (!(execs = all_executors())) {
		reply_500(out, "unable to read executors: %s",
		    zk_last_error());
		return;
	}
	res = id ? NULL : json_array();
	json_array_foreach(execs, i, node) {
		if (!id) {
			json_array_append_new(res, executor_summary(node));
		} else if (!strcmp(executor_id(node), id)) {
			json_object_del(node, "executorIdHint");
			res = json_incref(node);
			break;
		}
	}
	json_decref(execs);
	if (!res)
		reply_notfound(out, "Executor %s not found", id);
	else
		reply_ok(out, res);
}

/* --- operations ------------------------------------------------------ */

static int
in_maintenance(void)
{
	return !strcmp(cluster_state(), "MAINTENANCE");
}

/*
 * Drove's checkResources for n more instances of spec: 1 enough, 0 not
 * (a 400 with the reason is in out), -1 a ZooKeeper failure (500 in out).
 * The view is built by lib/snapshot from the live executors and
 * assignments, as drove-sched builds it.
 */
static int
capacity_ok(const char *app_id, const json_t *spec, long long n,
    struct reply *out)
{
	char where[ZKP_MAX], why[512];
	struct pl_request rq;
	struct pl_view *v;
	json_t *snap;
	int r;

	if (n <= 0)
		return 1;
	if (!(snap = snap_new()) || snap_load_zk(hd.zk, hd.ns,
	    SNAP_EXECUTORS, 0, snap, where, sizeof where) < 0) {
		json_decref(snap);
		reply_500(out, "unable to read executors: %s",
		    zk_last_error());
		return -1;
	}
	if (!(v = snap_view(snap))) {
		json_decref(snap);
		reply_500(out, "out of memory");
		return -1;
	}
	snap_pl_request(app_id, spec, &rq);
	why[0] = '\0';
	r = pl_capacity_env(v, &rq, json_object_get(spec, "env"), n, why,
	    sizeof why);
	pl_view_free(v);
	json_decref(snap);
	if (r == 1)
		return 1;
	if (r < 0 && errno == ENOMEM) {
		reply_500(out, "out of memory");
		return -1;
	}
	reply_verr(out, "%s", why[0] ? why : "Not enough resources");
	return 0;
}

/* The zk failure of a fenced write as a reply. */
static void
reply_write_error(struct reply *out, const char *app_id)
{
	if (errno == EPERM)
		reply_fail(out, MHD_HTTP_BAD_REQUEST, NOT_LEADER, NULL);
	else
		reply_500(out, "unable to write app %s: %s", app_id,
		    zk_last_error());
}

static void
op_create(json_t *op, const char *fence, struct reply *out)
{
	json_t *spec = json_object_get(op, "spec"), *ai;
	char id[ZKP_MAX], path[ZKP_MAX], dir[ZKP_MAX];
	long long now = js_now_ms();
	struct zk_txn *t;

	if (app_id_of(spec, id, sizeof id) < 0 ||
	    zkp_app(path, hd.ns, id) < 0) {
		reply_verr(out, "Invalid application id");
		return;
	}
	if ((ai = app_get(id, NULL))) {
		json_decref(ai);
		reply_verr(out, "App %s already exists", id);
		return;
	}
	if (errno != ENOENT) {
		reply_500(out, "unable to read app %s: %s", id,
		    zk_last_error());
		return;
	}
	if (capacity_ok(id, spec, js_int(op, "instances", 0), out) != 1)
		return;
	ai = app_info_new(id, spec, js_int(op, "instances", 0), now, now);
	zkp_apps_dir(dir, hd.ns);
	if (!ai || zk_ensure(hd.zk, dir) < 0 || !(t = zk_txn_new(fence))) {
		json_decref(ai);
		reply_500(out, "unable to create app %s: %s", id,
		    zk_last_error());
		return;
	}
	if (zk_txn_create(t, path, ai, 0) < 0 ||
	    zk_txn_commit(hd.zk, t) < 0) {
		json_decref(ai);
		if (errno == EEXIST)
			reply_verr(out, "App %s already exists", id);
		else
			reply_write_error(out, id);
		return;
	}
	json_decref(ai);
	info("app %s created with %lld instances", id,
	    js_int(op, "instances", 0));
	reply_ok(out, json_pack("{s:s}", "appId", id));
}

/*
 * SCALE, SUSPEND (0) and START_INSTANCES (+n): set instances with a
 * fenced versioned write, retried when another write came in between.
 */
static void
op_scale(json_t *op, const char *type, const char *fence, struct reply *out)
{
	const char *id = js_str(op, "appId", "");
	char path[ZKP_MAX];
	json_t *ai;
	struct zk_txn *t;
	long long want;
	int version, tries;

	if (zkp_app(path, hd.ns, id) < 0) {
		reply_verr(out, "App %s not found", id);
		return;
	}
	for (tries = 0; tries < 5; tries++) {
		if (!(ai = app_get(id, &version))) {
			if (errno == ENOENT)
				reply_verr(out, "App %s not found", id);
			else
				reply_500(out, "unable to read app %s: %s",
				    id, zk_last_error());
			return;
		}
		if (!strcmp(type, "SUSPEND"))
			want = 0;
		else if (!strcmp(type, "START_INSTANCES"))
			want = js_int(ai, "instances", 0) +
			    js_int(op, "instances", 0);
		else
			want = js_int(op, "requiredInstances", 0);
		if (want > SPEC_MAX_INSTANCES) {
			json_decref(ai);
			reply_verr(out, "App %s would have %lld instances; "
			    "the maximum is %d", id, want, SPEC_MAX_INSTANCES);
			return;
		}
		if (tries == 0 && capacity_ok(id, json_object_get(ai, "spec"),
		    want - js_int(ai, "instances", 0), out) != 1) {
			json_decref(ai);
			return;
		}
		json_object_set_new(ai, "instances", json_integer(want));
		json_object_set_new(ai, "updated",
		    json_integer(js_now_ms()));
		if (!(t = zk_txn_new(fence)) ||
		    zk_txn_set(t, path, ai, version) < 0) {
			zk_txn_free(t);
			json_decref(ai);
			reply_500(out, "unable to update app %s: %s", id,
			    strerror(errno));
			return;
		}
		json_decref(ai);
		if (zk_txn_commit(hd.zk, t) == 0) {
			info("app %s scaled to %lld instances", id, want);
			reply_ok(out, json_pack("{s:s}", "appId", id));
			return;
		}
		if (errno == ENOENT) {
			reply_verr(out, "App %s not found", id);
			return;
		}
		if (errno != ESTALE)
			break;
	}
	reply_write_error(out, id);
}

static void
h_operation(const struct req *r, struct reply *out)
{
	struct js_err jerr;
	json_t *op, *errs;
	const char *type;
	char fence[ZKP_MAX];
	int n;

	if (!(op = js_parse(r->body, r->body_len, &jerr))) {
		reply_fail(out, MHD_HTTP_BAD_REQUEST, "JSON validation failure",
		    json_pack("{s:[s]}", "validationErrors", jerr.msg));
		return;
	}
	errs = json_array();
	if ((n = spec_validate_op(op, &hd.sopts, errs)) != 0) {
		json_decref(op);
		if (n < 0) {
			json_decref(errs);
			reply_500(out, "out of memory");
		} else
			reply_verrs(out, errs);
		return;
	}
	json_decref(errs);
	if (in_maintenance()) {
		json_decref(op);
		reply_verr(out, "Cluster is in maintenance mode");
		return;
	}
	if (!leader_get(fence, NULL, 0)) {
		json_decref(op);
		reply_fail(out, MHD_HTTP_BAD_REQUEST, NOT_LEADER, NULL);
		return;
	}
	type = js_str(op, "type", "");
	if (!strcmp(type, "CREATE"))
		op_create(op, fence, out);
	else if (!strcmp(type, "SCALE") || !strcmp(type, "SUSPEND") ||
	    !strcmp(type, "START_INSTANCES"))
		op_scale(op, type, fence, out);
	else
		reply_verr(out, "Operation %s is not supported yet", type);
	json_decref(op);
}

static void
h_validate(const struct req *r, struct reply *out)
{
	struct js_err jerr;
	json_t *spec, *errs;

	if (!(spec = js_parse(r->body, r->body_len, &jerr))) {
		reply_fail(out, MHD_HTTP_BAD_REQUEST, "JSON validation failure",
		    json_pack("{s:[s]}", "validationErrors", jerr.msg));
		return;
	}
	errs = json_array();
	if (spec_validate(spec, &hd.sopts, errs) != 0)
		reply_verrs(out, errs);
	else {
		json_decref(errs);
		reply_ok(out, json_pack("{s:b}", "valid", 1));
	}
	json_decref(spec);
}

/* Drove's rule dry-run: compile ruleBasedPlacementPolicy's rule and
 * evaluate it against schedulingInfo; status is true only for a rule
 * that compiles and yields true. */
static void
h_rule_dryrun(const struct req *r, struct reply *out)
{
	struct js_err jerr;
	json_t *body, *pp, *si, *check, *eval;
	const char *type, *text;
	char err[200];
	struct rule *rule;
	int v = -1;

	if (!(body = js_parse(r->body, r->body_len, &jerr))) {
		reply_fail(out, MHD_HTTP_BAD_REQUEST, "JSON validation failure",
		    json_pack("{s:[s]}", "validationErrors", jerr.msg));
		return;
	}
	pp = json_object_get(body, "ruleBasedPlacementPolicy");
	si = json_object_get(body, "schedulingInfo");
	type = js_str(pp, "ruleType", NULL);
	text = js_str(pp, "rule", NULL);
	if (!json_is_object(pp) || !type || !text || !*text) {
		json_decref(body);
		reply_verr(out, "- ruleBasedPlacementPolicy needs ruleType "
		    "and rule");
		return;
	}
	if (!(rule = rule_compile(type, text, err, sizeof err))) {
		check = json_pack("{s:s,s:s}", "status", "FAILURE", "error",
		    err);
		eval = json_pack("{s:s,s:b,s:s}", "status", "FAILURE",
		    "result", 0, "error", "rule does not parse");
	} else {
		check = json_pack("{s:s,s:n}", "status", "SUCCESS", "error");
		if (!json_is_object(si))
			json_object_set_new(body, "schedulingInfo",
			    (si = json_object()));
		v = rule_check(rule, si, err, sizeof err);
		eval = v < 0 ? json_pack("{s:s,s:b,s:s}", "status", "FAILURE",
		    "result", 0, "error", err) :
		    json_pack("{s:s,s:b,s:n}", "status", "SUCCESS", "result",
		    v, "error");
		rule_free(rule);
	}
	reply_ok(out, json_pack("{s:b,s:o,s:o}", "status", v == 1,
	    "checkResult", check, "evalResult", eval));
	json_decref(body);
}

/* --- routing --------------------------------------------------------- */

/* Split path (after the prefix) on '/' into seg (modifies buf). */
static int
split(char *buf, char **seg, int max)
{
	int n = 0;
	char *p = buf, *s;

	while (p && *p) {
		s = strchr(p, '/');
		if (s)
			*s++ = '\0';
		if (*p) {
			if (n == max)
				return -1;
			seg[n++] = p;
		}
		p = s;
	}
	return n;
}

/* Does seg[0..n) match pattern, e.g. "applications/ * /spec" (no
 * spaces), where a segment "*" matches any one segment? */
static int
match(char **seg, int n, const char *pattern)
{
	const char *p = pattern, *e;
	size_t len;
	int i;

	for (i = 0; i < n; i++) {
		if (!*p)
			return 0;
		e = strchr(p, '/');
		len = e ? (size_t)(e - p) : strlen(p);
		if (!(len == 1 && *p == '*') &&
		    (strlen(seg[i]) != len || strncmp(seg[i], p, len)))
			return 0;
		p = e ? e + 1 : p + len;
	}
	return !*p;
}

enum route {
	R_PING, R_APPS, R_APP, R_SPEC, R_INSTANCES, R_INSTANCE, R_ENDPOINTS,
	R_ENDPOINTS_APP, R_CLUSTER, R_EXECUTORS, R_EXECUTOR, R_OPS,
	R_OPS_LEGACY, R_VALIDATE, R_DRYRUN, R_NONE
};

static const struct {
	enum route id;
	const char *method;
	const char *pattern;
} routes[] = {
	{ R_PING, "GET", "ping" },
	{ R_APPS, "GET", "applications" },
	{ R_APP, "GET", "applications/*" },
	{ R_SPEC, "GET", "applications/*/spec" },
	{ R_INSTANCES, "GET", "applications/*/instances" },
	{ R_INSTANCE, "GET", "applications/*/instances/*" },
	{ R_ENDPOINTS, "GET", "endpoints" },
	{ R_ENDPOINTS_APP, "GET", "endpoints/app/*" },
	{ R_CLUSTER, "GET", "cluster" },
	{ R_EXECUTORS, "GET", "cluster/executors" },
	{ R_EXECUTOR, "GET", "cluster/executors/*" },
	{ R_OPS, "POST", "applications/operations" },
	{ R_OPS_LEGACY, "POST", "operations" },
	{ R_VALIDATE, "POST", "applications/validate/spec" },
	{ R_DRYRUN, "POST", "applications/placementpolicy/rule/dryrun" },
};

/* The route for method and path; *known is set if the path exists for
 * another method. */
static enum route
route(const char *method, char **seg, int n, int *known)
{
	size_t i;
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");

	*known = 0;
	for (i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		if (!match(seg, n, routes[i].pattern))
			continue;
		if (!strcmp(routes[i].method, method) ||
		    (get && !strcmp(routes[i].method, "GET")))
			return routes[i].id;
		*known = 1;
	}
	return R_NONE;
}

static void
dispatch(const struct req *r, enum route id, char **seg,
    struct reply *out)
{
	switch (id) {
	case R_PING: reply_ok(out, json_string("pong")); break;
	case R_APPS: h_apps(out); break;
	case R_APP: h_app(seg[1], out); break;
	case R_SPEC: h_app_spec(seg[1], out); break;
	case R_INSTANCES: h_instances(r, seg[1], out); break;
	case R_INSTANCE: h_instance(seg[1], seg[3], out); break;
	case R_ENDPOINTS: h_endpoints(r, NULL, out); break;
	case R_ENDPOINTS_APP: h_endpoints(r, seg[2], out); break;
	case R_CLUSTER: h_cluster(out); break;
	case R_EXECUTORS: h_executors(NULL, out); break;
	case R_EXECUTOR: h_executors(seg[2], out); break;
	case R_OPS: case R_OPS_LEGACY: h_operation(r, out); break;
	case R_VALIDATE: h_validate(r, out); break;
	case R_DRYRUN: h_rule_dryrun(r, out); break;
	case R_NONE: BUG("dispatch of R_NONE");
	}
}

#define LOGFILES "/apis/v1/logfiles/applications/"

void
api_handle(const struct req *r, struct reply *out)
{
	char *buf, *seg[MAX_SEGS];
	enum route id;
	int n, get, head, known = 0;

	if (strncmp(r->url, "/apis/", 6) && strcmp(r->url, "/apis")) {
		reply_notfound(out, "HTTP 404 Not Found");
		return;
	}
	if (!leader_get(NULL, NULL, 0)) {
		reply_fail(out, MHD_HTTP_BAD_REQUEST, NOT_LEADER, NULL);
		return;
	}
	get = !strcmp(r->method, "GET");
	head = !strcmp(r->method, "HEAD");
	if ((get || head) && !strncmp(r->url, LOGFILES, strlen(LOGFILES))) {
		const char *p = r->url + strlen(LOGFILES), *s1, *s2;
		char app[256], iid[256];

		s1 = strchr(p, '/');
		s2 = s1 ? strchr(s1 + 1, '/') : NULL;
		if (s1 && s2 && s1 > p && s2 > s1 + 1 && s2[1] &&
		    (size_t)(s1 - p) < sizeof app &&
		    (size_t)(s2 - s1 - 1) < sizeof iid) {
			snprintf(app, sizeof app, "%.*s", (int)(s1 - p), p);
			snprintf(iid, sizeof iid, "%.*s", (int)(s2 - s1 - 1),
			    s1 + 1);
			proxy_logfiles(r, app, iid, s2 + 1, out);
			return;
		}
		reply_notfound(out, "HTTP 404 Not Found");
		return;
	}
	if (strncmp(r->url, "/apis/v1/", 9)) {
		reply_notfound(out, "HTTP 404 Not Found");
		return;
	}
	buf = xstrdup(r->url + 9);
	n = split(buf, seg, MAX_SEGS);
	id = n > 0 ? route(r->method, seg, n, &known) : R_NONE;
	if (id != R_NONE)
		dispatch(r, id, seg, out);
	else if (known)
		reply_fail(out, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "HTTP 405 Method Not Allowed", NULL);
	else
		reply_notfound(out, "HTTP 404 Not Found");
	free(buf);
}
