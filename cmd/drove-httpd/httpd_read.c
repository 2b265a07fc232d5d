/*
 * httpd_read.c: every GET of the API, answered from the view (lib/view)
 * without touching ZooKeeper.  The big listings are rendered once per
 * view generation and the rendered response is shared by every request
 * until the view changes.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "err.h"
#include "model.h"
#include "record.h"
#include "view.h"
#include "httpd.h"

/* --- the rendered-response cache ------------------------------------ */

struct cache {
	pthread_mutex_t mu;
	int valid;
	unsigned long key;
	struct MHD_Response *resp;
};

#define CACHE_INIT { PTHREAD_MUTEX_INITIALIZER, 0, 0, NULL }
static struct cache c_apps = CACHE_INIT, c_endpoints = CACHE_INIT,
    c_cluster = CACHE_INIT, c_executors = CACHE_INIT;

/*
 * A shared response for body.  A large one lives in an anonymous file, so
 * that every connection sends it with sendfile(2) from one copy in the
 * page cache (each connection keeps its own offset): measured with
 * bench/api, that takes the 240 KB /applications of 1,000 apps from 0.84x
 * to 0.90x nginx's rate and its p99 from 20 to 6 ms.  A small one is
 * cheaper copied from memory.  NULL with errno.
 */
#define SENDFILE_MIN (64 * 1024)

static struct MHD_Response *
response_of(char *body)
{
	struct MHD_Response *resp;
	size_t n = strlen(body), off = 0;
	ssize_t w;
	int fd;

	if (n < SENDFILE_MIN) {
		if (!(resp = MHD_create_response_from_buffer(n, body,
		    MHD_RESPMEM_MUST_COPY)))
			errno = ENOMEM;
		return resp;
	}
	if ((fd = memfd_create("drove-httpd-cache", MFD_CLOEXEC)) < 0)
		return NULL;
	while (off < n) {
		if ((w = write(fd, body + off, n - off)) < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return NULL;
		}
		off += (size_t)w;
	}
	/* the response owns fd from here, closed with it */
	if (!(resp = MHD_create_response_from_fd64(n, fd))) {
		close(fd);
		errno = ENOMEM;
	}
	return resp;
}

/*
 * Queue the response cached in c for key, rendering it (render() under
 * the view's read lock) when the cache holds another key.  One thread
 * renders while the others wait for it.
 */
static void
cached(struct cache *c, unsigned long key, json_t *(*render)(void),
    const struct req *r, struct reply *out)
{
	struct MHD_Response *resp;
	json_t *data;
	char *s;

	pthread_mutex_lock(&c->mu);
	if (!c->valid || c->key != key) {
		view_rdlock(hd.view);
		data = render();
		view_unlock(hd.view);
		reply_ok(out, data);
		s = out->json ? js_dump(out->json) : NULL;
		json_decref(out->json);
		out->json = NULL;
		resp = s ? response_of(s) : NULL;
		free(s);
		if (!resp) {
			pthread_mutex_unlock(&c->mu);
			reply_500(out, "unable to render: %s", strerror(errno));
			return;
		}
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		    "application/json");
		if (c->resp)
			MHD_destroy_response(c->resp);
		c->resp = resp;
		c->key = key;
		c->valid = 1;
	}
	out->code = MHD_HTTP_OK;
	out->queued = MHD_queue_response(r->conn, MHD_HTTP_OK, c->resp) ==
	    MHD_YES ? 1 : -1;
	pthread_mutex_unlock(&c->mu);
}

void
read_cache_free(void)
{
	struct cache *all[] = { &c_apps, &c_endpoints, &c_cluster,
	    &c_executors };
	size_t i;

	for (i = 0; i < sizeof all / sizeof all[0]; i++) {
		if (all[i]->resp)
			MHD_destroy_response(all[i]->resp);
		all[i]->resp = NULL;
		all[i]->valid = 0;
	}
}

/* --- helpers (view read-locked) ------------------------------------- */

int
instance_by_created(const void *a, const void *b)
{
	long long x = js_int(*(json_t *const *)a, "created", 0);
	long long y = js_int(*(json_t *const *)b, "created", 0);

	if (x != y)
		return (x > y) - (x < y);
	return strcmp(js_str(*(json_t *const *)a, "instanceId", ""),
	    js_str(*(json_t *const *)b, "instanceId", ""));
}

static int
by_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The members of map as an array sorted by created (borrowed values), or
 * NULL; *n their count. */
static json_t **
sorted_values(json_t *map, size_t *n)
{
	const char *k;
	json_t **v, *x;
	size_t i = 0;

	*n = json_object_size(map);
	v = xcalloc(*n + 1, sizeof *v);
	json_object_foreach(map, k, x)
		v[i++] = x;
	qsort(v, *n, sizeof *v, instance_by_created);
	return v;
}

/* The keys of map, sorted (borrowed). */
static const char **
sorted_keys(json_t *map, size_t *n)
{
	const char *k, **v;
	json_t *x;
	size_t i = 0;

	*n = json_object_size(map);
	v = xcalloc(*n + 1, sizeof *v);
	json_object_foreach(map, k, x)
		v[i++] = k;
	qsort(v, *n, sizeof *v, by_str);
	return v;
}

/* The state of the app of ApplicationInfo info (view read-locked). */
static enum app_state
app_state(const json_t *info)
{
	return rec_app_state(info, view_operation(hd.view,
	    js_str(info, "appId", "")));
}

enum inst_state
read_inst_state(const json_t *ii)
{
	struct rec_instance f;

	return rec_instance_read(ii, &f) == 0 ? f.state : INST_UNKNOWN;
}

static long long
count_state(json_t *insts, enum inst_state state)
{
	const char *k;
	json_t *ii;
	long long n = 0;

	json_object_foreach(insts, k, ii)
		if (read_inst_state(ii) == state)
			n++;
	return n;
}

json_t *
op_progress(json_t *o, int counted, const json_t *steps,
    const char *failure)
{
	struct rec_step st;
	const json_t *x;
	size_t i, done = 0;

	if (o && counted) {
		json_array_foreach(steps, i, x)
			if (rec_step_read(x, &st) == 0 &&
			    (st.state == STEP_DONE || st.state == STEP_FAILED))
				done++;
		json_object_set_new(o, "stepsDone", json_integer((json_int_t)
		    done));
		json_object_set_new(o, "stepsTotal", json_integer((json_int_t)
		    json_array_size(steps)));
	}
	if (o && failure)
		json_object_set_new(o, "failure", json_string(failure));
	return o;
}

/*
 * Our "currentOperation" of an app's operation record: what it is, how
 * far it is and how it ends (Drove's clients ignore members they do not
 * know).
 */
static json_t *
current_operation(const json_t *op)
{
	struct rec_operation f;
	json_t *o;

	if (rec_operation_read(op, &f) < 0)
		return NULL;
	o = json_pack("{s:s, s:s, s:I, s:i, s:s, s:b, s:I}",
	    "type", op_type_name(f.requested), "state",
	    app_state_name(f.state), "requiredInstances",
	    (json_int_t)f.required, "parallelism", f.parallelism,
	    "failureStrategy", failure_strategy_name(f.strategy),
	    "cancelled", f.cancelled, "created", (json_int_t)f.created);
	return op_progress(o, f.type == OP_STOP_INSTANCES ||
	    f.type == OP_REPLACE_INSTANCES, f.steps, f.failure);
}

/*
 * AppSummary of an ApplicationInfo, plus our "pendingInstances" (requests
 * waiting for a placement), "placementError" (the scheduler's reason for
 * the newest request that could not be placed), when there is one, and
 * "currentOperation" while an operation is in progress.
 */
json_t *
read_app_summary(const json_t *info)
{
	const char *id = js_str(info, "appId", ""), *iid, *why = NULL;
	json_t *spec = json_object_get(info, "spec"), *tags, *sum, *rq, *op;
	json_t *cur;
	long long n = js_int(info, "instances", 0), newest = 0;

	tags = json_object_get(spec, "tags");
	sum = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:O, s:s, s:I, s:I}",
	    "id", id, "name", js_str(spec, "name", ""),
	    "requiredInstances", (json_int_t)n,
	    "healthyInstances", (json_int_t)count_state(view_instances(
	    hd.view, id), INST_HEALTHY),
	    "totalCPUs", (json_int_t)(spec_cpus(spec) * n),
	    "totalMemory", (json_int_t)(spec_memory_mb(spec) * n),
	    "tags", json_is_object(tags) ? tags : json_object(),
	    "state", app_state_name(app_state(info)),
	    "created", (json_int_t)js_int(info, "created", 0),
	    "updated", (json_int_t)js_int(info, "updated", 0));
	json_object_foreach(view_app_requests(hd.view, id), iid, rq) {
		if (js_str(rq, "error", NULL) && (!why ||
		    js_int(rq, "created", 0) >= newest)) {
			why = js_str(rq, "error", NULL);
			newest = js_int(rq, "created", 0);
		}
	}
	json_object_set_new(sum, "pendingInstances", json_integer((json_int_t)
	    json_object_size(view_app_requests(hd.view, id))));
	if (why)
		json_object_set_new(sum, "placementError", json_string(why));
	if ((op = view_operation(hd.view, id)) && (cur = current_operation(op)))
		json_object_set_new(sum, "currentOperation", cur);
	return sum;
}

static json_t *
render_apps(void)
{
	const char *id;
	json_t *map = json_object(), *info;

	json_object_foreach(view_apps(hd.view), id, info)
		json_object_set_new(map, id, read_app_summary(info));
	return map;
}

/* ExposedAppInfo for info, or NULL if not exposed. */
static json_t *
exposed(const json_t *info)
{
	const json_t *spec = json_object_get(info, "spec");
	const json_t *es = json_object_get(spec, "exposureSpec");
	const char *id = js_str(info, "appId", ""), *pn;
	json_t *hosts, *port, *tags, **v;
	size_t i, n;

	if (!json_is_object(es) || !app_state_is_active(app_state(info)))
		return NULL;
	pn = js_str(es, "portName", "");
	hosts = json_array();
	v = sorted_values(view_instances(hd.view, id), &n);
	for (i = 0; i < n; i++) {
		struct rec_instance f;

		/* an instance whose executor is gone is not reachable:
		 * out at once, before it is declared LOST */
		if (rec_instance_read(v[i], &f) < 0 || f.state != INST_HEALTHY ||
		    !view_executor(hd.view, f.executor_id))
			continue;
		port = json_object_get(f.ports, pn);
		if (!json_is_object(port))
			continue;
		json_array_append_new(hosts, json_pack("{s:s, s:I, s:s}",
		    "host", f.hostname,
		    "port", (json_int_t)js_int(port, "hostPort", 0),
		    "portType", js_str(port, "portType", "HTTP")));
	}
	free(v);
	tags = json_object_get(spec, "tags");
	return json_pack("{s:s, s:s, s:s, s:O, s:o}",
	    "appName", js_str(spec, "name", ""), "appId", id,
	    "vhost", js_str(es, "vhost", ""),
	    "tags", json_is_object(tags) ? tags : json_object(),
	    "hosts", hosts);
}

/* Exposed apps sorted by appId; names (app names) filters when not
 * empty. */
static json_t *
endpoints(const json_t *names)
{
	json_t *apps = view_apps(hd.view), *res = json_array(), *info, *e, *x;
	const char **ids, *name;
	size_t i, k, n;
	int want;

	ids = sorted_keys(apps, &n);
	for (i = 0; i < n; i++) {
		info = json_object_get(apps, ids[i]);
		name = js_str(json_object_get(info, "spec"), "name", "");
		want = json_array_size(names) == 0;
		json_array_foreach(names, k, x)
			if (!strcmp(json_string_value(x), name))
				want = 1;
		if (want && (e = exposed(info)))
			json_array_append_new(res, e);
	}
	free(ids);
	return res;
}

static json_t *
render_endpoints(void)
{
	return endpoints(NULL);
}

/* --- executors -------------------------------------------------------- */

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

static int
has_core(const json_t *arr, json_int_t c)
{
	json_t *x;
	size_t i;

	json_array_foreach(arr, i, x)
		if (json_integer_value(x) == c)
			return 1;
	return 0;
}

/*
 * The executor's resources as Drove publishes them: its layout (from its
 * node data) less what its assignments hold (from the view), per NUMA
 * node: {"cpus":{"type":"CPU","freeCores","usedCores"},
 * "memory":{"type":"MEMORY","freeMemory","usedMemory"}}.
 */
static json_t *
executor_usage(const char *eid, const json_t *node)
{
	const json_t *layout = js_get(node, "state.layout");
	json_t *usedc = json_object(), *usedm = json_object();
	json_t *freec = json_object(), *freem = json_object();
	json_t *a, *r, *ids, *c, *arr, *mb;
	const char *iid, *nd;
	size_t i, j;

	json_object_foreach(view_assignments(hd.view, eid), iid, a) {
		json_array_foreach(json_object_get(a, "resources"), i, r) {
			if (!strcasecmp(js_str(r, "type", ""), "CPU")) {
				json_object_foreach(json_object_get(r,
				    "cores"), nd, ids) {
					if (!(arr = json_object_get(usedc,
					    nd))) {
						arr = json_array();
						json_object_set_new(usedc, nd,
						    arr);
					}
					json_array_foreach(ids, j, c)
						json_array_append(arr, c);
				}
			} else if (!strcasecmp(js_str(r, "type", ""),
			    "MEMORY")) {
				json_object_foreach(json_object_get(r,
				    "memoryInMB"), nd, c) {
					mb = json_object_get(usedm, nd);
					json_object_set_new(usedm, nd,
					    json_integer(json_integer_value(mb) +
					    json_integer_value(c)));
				}
			}
		}
	}
	json_object_foreach(json_object_get(layout, "cores"), nd, ids) {
		arr = json_array();
		json_array_foreach(ids, j, c)
			if (!has_core(json_object_get(usedc, nd),
			    json_integer_value(c)))
				json_array_append(arr, c);
		json_object_set_new(freec, nd, arr);
		if (!json_object_get(usedc, nd))
			json_object_set_new(usedc, nd, json_array());
	}
	json_object_foreach(json_object_get(layout, "memory"), nd, c) {
		json_int_t used = json_integer_value(json_object_get(usedm,
		    nd));

		json_object_set_new(freem, nd, json_integer(
		    json_integer_value(c) > used ? json_integer_value(c) -
		    used : 0));
		if (!json_object_get(usedm, nd))
			json_object_set_new(usedm, nd, json_integer(0));
	}
	return json_pack("{s:{s:s, s:o, s:o}, s:{s:s, s:o, s:o}}",
	    "cpus", "type", "CPU", "freeCores", freec, "usedCores", usedc,
	    "memory", "type", "MEMORY", "freeMemory", freem, "usedMemory",
	    usedm);
}

/* The executor's state as placement sees it: its blacklist record's,
 * else what it published. */
static enum executor_state
executor_state(const json_t *node)
{
	struct rec_blacklist b;
	struct rec_executor f;

	if (rec_executor_read(node, &f) < 0)
		return EXECUTOR_UNREADY;
	if (rec_blacklist_read(json_object_get(view_blacklist(hd.view),
	    f.executor_id), &b) == 0)
		return b.state;
	return f.state;
}

json_t *
read_executor_summary(const char *eid, const json_t *node)
{
	json_t *tags = json_object_get(node, "tags");
	json_t *u = executor_usage(eid, node), *s;

	s = json_pack("{s:s, s:s, s:I, s:s, s:I, s:I, s:I, s:I, s:O, s:s}",
	    "executorId", eid,
	    "hostname", js_str(node, "hostname", ""),
	    "port", (json_int_t)js_int(node, "port", 0),
	    "transportType", js_str(node, "transportType", "HTTP"),
	    "freeCores", (json_int_t)numa_sum(js_get(u, "cpus.freeCores")),
	    "usedCores", (json_int_t)numa_sum(js_get(u, "cpus.usedCores")),
	    "freeMemory", (json_int_t)numa_sum(js_get(u,
	    "memory.freeMemory")),
	    "usedMemory", (json_int_t)numa_sum(js_get(u,
	    "memory.usedMemory")),
	    "tags", json_is_array(tags) ? tags : json_array(),
	    "state", executor_state_name(executor_state(node)));
	json_decref(u);
	return s;
}

/* ExecutorSummary of a removed executor: state REMOVED, no resources. */
static json_t *
removed_summary(const char *eid, const json_t *rec)
{
	struct rec_removed f;
	const json_t *tags;

	if (rec_removed_read(rec, &f) < 0)
		f.hostname = "", f.port = 0, f.node = NULL;
	tags = json_object_get(f.node, "tags");
	return json_pack("{s:s, s:s, s:i, s:s, s:i, s:i, s:i, s:i, s:O, s:s}",
	    "executorId", eid, "hostname", f.hostname, "port", f.port,
	    "transportType", "HTTP", "freeCores", 0, "usedCores", 0,
	    "freeMemory", 0, "usedMemory", 0,
	    "tags", json_is_array(tags) ? tags : json_array(),
	    "state", executor_state_name(EXECUTOR_REMOVED));
}

static json_t *
render_executors(void)
{
	json_t *ex = view_executors(hd.view), *res = json_array();
	const char **ids;
	size_t i, n;

	ids = sorted_keys(ex, &n);
	for (i = 0; i < n; i++)
		json_array_append_new(res, read_executor_summary(ids[i],
		    json_object_get(ex, ids[i])));
	free(ids);
	/* then the removed ones, as Drove keeps them (two days) */
	ex = view_removed(hd.view);
	ids = sorted_keys(ex, &n);
	for (i = 0; i < n; i++)
		if (!view_executor(hd.view, ids[i]))
			json_array_append_new(res, removed_summary(ids[i],
			    json_object_get(ex, ids[i])));
	free(ids);
	return res;
}

/* ExecutorNodeData as Drove serves it: the published node data with the
 * resources and instances filled in from the view. */
static json_t *
executor_detail(const char *eid, const json_t *node)
{
	json_t *d = rec_executor_effective(node,
	    json_object_get(view_blacklist(hd.view), eid)), *st, *u, *insts;
	json_t *a, *ii;
	const char *iid;

	if (d) {	/* a copy of our own to fill in */
		json_t *c = json_deep_copy(d);

		json_decref(d);
		d = c;
	}

	if (!json_is_object(st = json_object_get(d, "state"))) {
		st = json_object();
		json_object_set_new(d, "state", st);
	}
	json_object_set_new(st, "executorId", json_string(eid));
	u = executor_usage(eid, node);
	json_object_set(st, "cpus", json_object_get(u, "cpus"));
	json_object_set(st, "memory", json_object_get(u, "memory"));
	json_decref(u);
	insts = json_array();
	json_object_foreach(view_assignments(hd.view, eid), iid, a) {
		ii = view_instance(hd.view, js_str(a, "appId", ""), iid);
		if (ii && !inst_state_is_terminal(read_inst_state(ii)))
			json_array_append(insts, ii);
	}
	json_object_set_new(d, "instances", insts);
	json_object_set_new(d, "tasks", tasks_active(eid));
	json_object_set_new(d, "serviceInstances", ls_executor_instances(eid));
	if (!json_object_get(d, "serviceInstances"))
		json_object_set_new(d, "serviceInstances", json_array());
	return d;
}

static enum cluster_state
cluster_state(void)
{
	struct rec_cluster f;

	return rec_cluster_read(view_cluster(hd.view), &f) == 0 ? f.state :
	    CLUSTER_NORMAL;
}

int
read_in_maintenance(void)
{
	int m;

	view_rdlock(hd.view);
	m = cluster_in_window(view_cluster(hd.view), js_now_ms());
	view_unlock(hd.view);
	return m;
}

void
read_cluster_figures(struct cluster_figures *f)
{
	json_t *ex = view_executors(hd.view), *node, *u, *info, *m, *x;
	const char *eid, *id, *k;
	struct rec_task t;

	memset(f, 0, sizeof *f);
	json_object_foreach(ex, eid, node) {
		if (executor_state(node) != EXECUTOR_ACTIVE) {
			f->inactive_executors++;
			continue;
		}
		f->active_executors++;
		u = executor_usage(eid, node);
		f->free_cores += numa_sum(js_get(u, "cpus.freeCores"));
		f->used_cores += numa_sum(js_get(u, "cpus.usedCores"));
		f->free_mb += numa_sum(js_get(u, "memory.freeMemory"));
		f->used_mb += numa_sum(js_get(u, "memory.usedMemory"));
		json_decref(u);
	}
	json_object_foreach(view_apps(hd.view), id, info) {
		enum app_state st = app_state(info);

		f->apps++;
		if (app_state_is_active(st))
			f->active_apps++;
		if (st == APP_RUNNING)
			f->running_apps++;
	}
	json_object_foreach(json_object_get(view_snapshot(hd.view),
	    "instances"), id, m)
		json_object_foreach(m, k, x) {
			if (read_inst_state(x) == INST_HEALTHY)
				f->healthy_instances++;
			else
				f->other_instances++;
		}
	json_object_foreach(view_tasks(hd.view), id, m)
		json_object_foreach(m, k, x)
			if (rec_task_read(x, &t) == 0 &&
			    t.state == TASK_RUNNING)
				f->running_tasks++;
}

json_t *
read_cluster_summary(void)
{
	struct cluster_figures f;
	char addr[300];

	read_cluster_figures(&f);
	leader_get(NULL, addr, sizeof addr);
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:I, s:I, s:I, s:I, s:I}",
	    "leader", addr[0] ? addr : "Leader election underway",
	    "state", cluster_state_name(cluster_state()),
	    "numExecutors", (json_int_t)json_object_size(view_executors(
	    hd.view)),
	    "numApplications", (json_int_t)f.apps,
	    "numActiveApplications", (json_int_t)f.active_apps,
	    "numActiveTasks", (json_int_t)tasks_active_count(),
	    "numLocalServices", (json_int_t)ls_count(0),
	    "numActiveLocalServices", (json_int_t)ls_count(1),
	    "freeCores", (json_int_t)f.free_cores,
	    "usedCores", (json_int_t)f.used_cores,
	    "totalCores", (json_int_t)(f.free_cores + f.used_cores),
	    "freeMemory", (json_int_t)f.free_mb,
	    "usedMemory", (json_int_t)f.used_mb,
	    "totalMemory", (json_int_t)(f.free_mb + f.used_mb));
}

/* --- handlers --------------------------------------------------------- */

json_t *
read_page(json_t *map, long long from, long long size,
    json_t *(*each)(const json_t *))
{
	json_t *page = json_object(), *x;
	const char **ids;
	size_t i, n;

	ids = sorted_keys(map, &n);
	for (i = (size_t)from; from < (long long)n && i < n &&
	    (long long)(i - (size_t)from) < size; i++)
		if ((x = each(json_object_get(map, ids[i]))))
			json_object_set_new(page, ids[i], x);
	free(ids);
	return page;
}

int
read_page_args(const struct req *r, long long *from, long long *size,
    struct reply *out)
{
	if (query_count(r, "from", 0, from, out) < 0 ||
	    query_count(r, "size", READ_PAGE_ALL, size, out) < 0)
		return -1;
	return *from != 0 || *size != READ_PAGE_ALL;
}

void
h_apps(const struct req *r, struct reply *out)
{
	long long from, size;
	json_t *page;

	switch (read_page_args(r, &from, &size, out)) {
	case -1:
		return;
	case 0:
		cached(&c_apps, view_gen(hd.view), render_apps, r, out);
		return;
	}
	view_rdlock(hd.view);
	page = read_page(view_apps(hd.view), from, size, read_app_summary);
	view_unlock(hd.view);
	reply_ok(out, page);
}

void
h_endpoints(const struct req *r, const char *only, struct reply *out)
{
	json_t *names = only ? json_pack("[s]", only) : query_all(r, "app");

	if (json_array_size(names) == 0) {
		json_decref(names);
		cached(&c_endpoints, view_gen(hd.view), render_endpoints, r,
		    out);
		return;
	}
	view_rdlock(hd.view);
	reply_ok(out, endpoints(names));
	view_unlock(hd.view);
	json_decref(names);
}

void
h_cluster(const struct req *r, struct reply *out)
{
	cached(&c_cluster, view_gen(hd.view) + (leader_gen() << 40),
	    read_cluster_summary, r, out);
}

void
h_executors(const struct req *r, struct reply *out)
{
	cached(&c_executors, view_gen(hd.view), render_executors, r, out);
}

void
h_executor(const char *eid, struct reply *out)
{
	json_t *node;

	view_rdlock(hd.view);
	if ((node = view_executor(hd.view, eid)))
		reply_ok(out, executor_detail(eid, node));
	view_unlock(hd.view);
	if (!node)
		reply_unknown(out, NULL, "No executor found with id: %s", eid);
}

/* FAILED "App <id> not found" (HTTP 200, as Drove answers unknown ids on
 * reads); with the view read-locked. */
static json_t *
app_or_fail(const char *app_id, struct reply *out)
{
	json_t *info = view_app(hd.view, app_id);

	if (!info)
		reply_unknown(out, NULL, "App %s not found", app_id);
	return info;
}

void
h_app(const char *app_id, struct reply *out)
{
	json_t *info;

	view_rdlock(hd.view);
	if ((info = app_or_fail(app_id, out)))
		reply_ok(out, read_app_summary(info));
	view_unlock(hd.view);
}

void
h_app_spec(const char *app_id, struct reply *out)
{
	json_t *info;

	view_rdlock(hd.view);
	if ((info = app_or_fail(app_id, out)))
		reply_ok(out, spec_masked(json_object_get(info, "spec")));
	view_unlock(hd.view);
}

int
read_state_filter(const struct req *r, int *want, struct reply *out)
{
	json_t *states, *s;
	enum inst_state st;
	char up[64];
	size_t i, k;

	states = query_all(r, "state");
	for (k = 0; k < INST_STATE_COUNT; k++)
		want[k] = json_array_size(states) ? 0 :
		    inst_state_is_active((enum inst_state)k);
	json_array_foreach(states, i, s) {
		snprintf(up, sizeof up, "%s", json_string_value(s));
		for (k = 0; up[k]; k++)
			up[k] = (char)toupper((unsigned char)up[k]);
		if (inst_state_parse(up, &st) < 0) {
			reply_verr(out, "Invalid instance state %s",
			    json_string_value(s));
			json_decref(states);
			return -1;
		}
		want[st] = 1;
	}
	json_decref(states);
	return 0;
}

json_t *
read_instances_in(json_t *insts, const int *want, int newest_first)
{
	json_t *res = json_array(), **v;
	size_t i, n;

	v = sorted_values(insts, &n);
	for (i = 0; i < n; i++) {
		json_t *ii = v[newest_first ? n - 1 - i : i];

		if (want[read_inst_state(ii)])
			json_array_append(res, ii);
	}
	free(v);
	return res;
}

void
h_instances(const struct req *r, const char *app_id, struct reply *out)
{
	int want[INST_STATE_COUNT];
	json_t *res;

	if (read_state_filter(r, want, out) < 0)
		return;
	/* an unknown app has no instances: SUCCESS [], as Drove answers */
	view_rdlock(hd.view);
	res = read_instances_in(view_instances(hd.view, app_id), want, 0);
	view_unlock(hd.view);
	reply_ok(out, res);
}

void
h_instance(const char *app_id, const char *iid, struct reply *out)
{
	view_rdlock(hd.view);
	reply_record(out, view_instance(hd.view, app_id, iid),
	    "No such application instance %s/%s", app_id, iid);
	view_unlock(hd.view);
}

static int
by_updated_desc(const void *a, const void *b)
{
	long long x = js_int(*(json_t *const *)a, "updated", 0);
	long long y = js_int(*(json_t *const *)b, "updated", 0);

	if (x != y)
		return (x < y) - (x > y);
	return instance_by_created(b, a);
}

/* Drove's oldInstances: the app's instances in non-active states, the
 * most recently updated first, from start, at most size. */
void
h_old_instances(const struct req *r, const char *app_id, struct reply *out)
{
	long long start, size;
	json_t *insts, *ii, *res, **v;
	const char *iid;
	size_t n = 0, i;

	if (query_count(r, "start", 0, &start, out) < 0 ||
	    query_count(r, "size", 1024, &size, out) < 0)
		return;
	view_rdlock(hd.view);
	insts = view_instances(hd.view, app_id);
	v = xcalloc(json_object_size(insts) + 1, sizeof *v);
	json_object_foreach(insts, iid, ii)
		if (!inst_state_is_active(read_inst_state(ii)))
			v[n++] = ii;
	qsort(v, n, sizeof *v, by_updated_desc);
	res = json_array();
	for (i = (size_t)start; i < n && (long long)(i - (size_t)start) < size;
	    i++)
		json_array_append(res, v[i]);
	view_unlock(hd.view);
	free(v);
	reply_ok(out, res);
}

/* Drove's KnownInstancesData: k[0..6) the kept and stale ids of app
 * instances, tasks and local-service instances, taken. */
static json_t *
known_instances(json_t *const k[6])
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
	    "appInstanceIds", k[0], "staleAppInstanceIds", k[1],
	    "taskInstanceIds", k[2], "staleTaskInstanceIds", k[3],
	    "localServiceInstanceIds", k[4],
	    "staleLocalServiceInstanceIds", k[5]);
}

/*
 * GET /apis/v1/internal/cluster/executors/{id}/instances/current: what
 * executor eid is assigned now; stale are those it must not keep (told to
 * stop, of an app that is gone or expects none, of a task that is over,
 * of a local service that is gone or INACTIVE).  .../last: what a
 * removed executor had, all stale (LOST and replaced).  An executor that
 * is not live (current) or was never removed (last) answers FAILED "No
 * data found for executor <id>", as Drove's caches do.
 */
void
h_known_instances(const char *eid, int last, struct reply *out)
{
	json_t *k[6], *a, *rec, *x, *ti, *ls;
	struct rec_task ft;
	struct rec_assignment fa;
	struct rec_removed fr;
	struct rec_app fp;
	struct rec_ls fl;
	const char *iid;
	size_t i;
	int keep;

	view_rdlock(hd.view);
	if (last ? !json_object_get(view_removed(hd.view), eid) :
	    !view_executor(hd.view, eid)) {
		view_unlock(hd.view);
		reply_unknown(out, NULL, "No data found for executor %s", eid);
		return;
	}
	for (i = 0; i < 6; i++)
		k[i] = json_array();
	if (last) {
		rec = json_object_get(view_removed(hd.view), eid);
		if (rec && rec_removed_read(rec, &fr) == 0 && fr.instances)
			json_array_foreach(fr.instances, i, x)
				json_array_append(k[1], x);
	} else
		json_object_foreach(view_assignments(hd.view, eid), iid, a) {
			json_t *app;

			if (rec_assignment_read(a, &fa) < 0)
				continue;
			keep = fa.target == TARGET_RUNNING;
			switch (fa.job) {
			case JOB_COMPUTATION:
				/* a task: stale once told to stop or over */
				ti = view_task(hd.view, fa.app_id, fa.task_id);
				keep = keep && ti && rec_task_read(ti, &ft) ==
				    0 && !task_state_is_terminal(ft.state);
				i = 2;
				break;
			case JOB_LOCAL_SERVICE:
				/* stale once its service uses no resources */
				ls = view_localservice(hd.view, fa.app_id);
				keep = keep && ls && rec_ls_read(ls, &fl) ==
				    0 && fl.activation != LS_INACTIVE;
				i = 4;
				break;
			default:
				app = view_app(hd.view, fa.app_id);
				keep = keep && app && rec_app_read(app,
				    &fp) == 0 && fp.instances > 0;
				i = 0;
				break;
			}
			json_array_append_new(k[keep ? i : i + 1],
			    json_string(iid));
		}
	view_unlock(hd.view);
	reply_ok(out, known_instances(k));
}
