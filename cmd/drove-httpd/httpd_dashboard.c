/*
 * httpd_dashboard.c: GET /apis/v1/cluster/dashboard, Drove's
 * DashboardData, computed from the view (one read lock); and POST
 * /apis/v1/messages, Drove's executor-to-controller messages, which this
 * controller refuses: its executors report through ZooKeeper.
 *
 * Drove computes the dashboard every 30 s.  Here it is computed again when
 * the view (or the leader) has changed since, but at most once a second:
 * measured with bench/dashboard, it costs 27 to 29 ms (median) at 1,000
 * apps, 2,000 instances and 100 executors (2 CPUs), mostly each executor's
 * usage (counted twice: for clusterSummary, then for the utilization) and
 * every instance's state.  So a busy cluster costs one computation a
 * second whatever the number of clients, a quiet one none, and what a
 * client sees is at most 1 s old.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dash.h"
#include "err.h"
#include "ids.h"
#include "model.h"
#include "record.h"
#include "sig.h"
#include "httpd.h"

#define DASH_TOP 5
#define DASH_MIN_AGE_MS 1000

/* A record in the running for a top list, by score (highest first) then
 * key. */
struct ranked {
	double score;
	const char *key;
	json_t *rec;		/* borrowed from the view */
};

static int
by_score(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return strcmp(x->key, y->key);
}

/* Tasks: the longest running first, by created then key. */
static int
by_age(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? 1 : -1;
	return strcmp(x->key, y->key);
}

/* The first DASH_TOP of v[0..n) by cmp, each made by one (NULL: the
 * record itself). */
static json_t *
top_of(struct ranked *v, size_t n, int (*cmp)(const void *, const void *),
    json_t *(*one)(const json_t *))
{
	json_t *res = json_array(), *x;
	size_t i;

	if (n)		/* v may be NULL then */
		qsort(v, n, sizeof *v, cmp);
	for (i = 0; i < n && i < DASH_TOP; i++) {
		x = one ? one(v[i].rec) : json_incref(v[i].rec);
		if (x)
			json_array_append_new(res, x);
	}
	return res;
}

static long long
healthy_in(json_t *insts)
{
	const char *iid;
	json_t *ii;
	long long n = 0;

	json_object_foreach(insts, iid, ii)
		n += read_inst_state(ii) == INST_HEALTHY;
	return n;
}

static json_t *
app_stats(long long cores, long long mb)
{
	json_t *apps = view_apps(hd.view), *info, *counts, *top;
	long long n[APP_STATE_COUNT] = { 0 }, healthy = 0, inst;
	struct ranked *v;
	const char *id;
	size_t k = 0, i;

	v = xcalloc(json_object_size(apps) + 1, sizeof *v);
	json_object_foreach(apps, id, info) {
		n[rec_app_state(info, view_operation(hd.view, id))]++;
		healthy += healthy_in(view_instances(hd.view, id));
		if ((inst = js_int(info, "instances", 0)) > 0)
			v[k++] = (struct ranked){ dash_score(json_object_get(
			    info, "spec"), inst, cores, mb), id, info };
	}
	top = top_of(v, k, by_score, read_app_summary);
	free(v);
	counts = json_object();
	for (i = 0; i < APP_STATE_COUNT; i++)
		json_object_set_new(counts, app_state_name(i),
		    json_integer((json_int_t)n[i]));
	return json_pack("{s:o, s:o, s:I}", "appCountByState", counts,
	    "topApps", top, "totalHealthyInstances", (json_int_t)healthy);
}

static json_t *
task_stats(void)
{
	json_t *byapp, *ti, *counts, *top;
	long long n[TASK_STATE_COUNT] = { 0 };
	const char *app, *task;
	struct ranked *v = NULL;
	struct rec_task f;
	size_t k = 0, cap = 0, i;

	json_object_foreach(view_tasks(hd.view), app, byapp)
		json_object_foreach(byapp, task, ti) {
			if (rec_task_read(ti, &f) < 0) {
				n[TASK_UNKNOWN]++;
				continue;
			}
			n[f.state]++;
			if (task_state_is_terminal(f.state))
				continue;
			if (k == cap) {
				cap = cap ? 2 * cap : 64;
				v = xrealloc(v, cap * sizeof *v);
			}
			v[k++] = (struct ranked){ (double)f.created,
			    f.instance_id, ti };
		}
	top = top_of(v, k, by_age, NULL);
	free(v);
	counts = json_object();
	for (i = 0; i < TASK_STATE_COUNT; i++)
		json_object_set_new(counts, task_state_name(i),
		    json_integer((json_int_t)n[i]));
	return json_pack("{s:o, s:o}", "taskCountByState", counts,
	    "topTasks", top);
}

static json_t *
service_stats(long long cores, long long mb)
{
	json_t *all = view_localservices(hd.view), *info, *counts, *acts, *top;
	long long n[LS_STATE_COUNT] = { 0 }, na[LS_ACTIVATION_COUNT] = { 0 };
	long long healthy = 0;
	enum ls_state s;
	struct ranked *v;
	struct rec_ls f;
	const char *id;
	size_t k = 0, i;

	v = xcalloc(json_object_size(all) + 1, sizeof *v);
	json_object_foreach(all, id, info) {
		if (rec_ls_read(info, &f) < 0)
			continue;
		s = rec_ls_state(info, view_ls_operation(hd.view, id));
		n[s]++;
		na[f.activation]++;
		healthy += healthy_in(view_ls_instances(hd.view, id));
		if (ls_state_is_resource_using(s))
			v[k++] = (struct ranked){ dash_score(f.spec, 1, cores,
			    mb), id, info };
	}
	top = top_of(v, k, by_score, ls_summary);
	free(v);
	counts = json_object();
	for (i = 0; i < LS_STATE_COUNT; i++)
		json_object_set_new(counts, ls_state_name(i),
		    json_integer((json_int_t)n[i]));
	acts = json_object();
	for (i = 0; i < LS_ACTIVATION_COUNT; i++)
		json_object_set_new(acts, ls_activation_name(i),
		    json_integer((json_int_t)na[i]));
	return json_pack("{s:o, s:o, s:o, s:I}", "serviceCountByState", counts,
	    "serviceCountByActivationState", acts, "topServices", top,
	    "totalHealthyInstances", (json_int_t)healthy);
}

/* Counts by state of the live executors (as GET cluster/executors shows
 * them) and the removed ones; the utilization of the live ones. */
static json_t *
executor_stats(void)
{
	json_t *ex = view_executors(hd.view), *node, *s, *counts;
	long long n[EXECUTOR_STATE_COUNT] = { 0 };
	enum executor_state st;
	struct dash_util du;
	const char *eid;
	double *u;
	size_t k = 0, i;

	u = xcalloc(json_object_size(ex) + 1, sizeof *u);
	json_object_foreach(ex, eid, node) {
		if (!(s = read_executor_summary(eid, node)))
			continue;
		if (executor_state_parse(js_str(s, "state", ""), &st) == 0)
			n[st]++;
		u[k++] = dash_utilization(js_int(s, "usedCores", 0),
		    js_int(s, "freeCores", 0), js_int(s, "usedMemory", 0),
		    js_int(s, "freeMemory", 0));
		json_decref(s);
	}
	json_object_foreach(view_removed(hd.view), eid, node)
		if (!view_executor(hd.view, eid))
			n[EXECUTOR_REMOVED]++;
	dash_util_stats(u, k, &du);
	free(u);
	counts = json_object();
	for (i = 0; i < EXECUTOR_STATE_COUNT; i++)
		json_object_set_new(counts, executor_state_name(i),
		    json_integer((json_int_t)n[i]));
	return json_pack("{s:o, s:{s:f, s:f, s:f, s:f}}",
	    "executorCountByState", counts, "utilization",
	    "averageUtilization", du.average,
	    "highestUtilization", du.highest,
	    "lowestUtilization", du.lowest, "balanceScore", du.balance);
}

/* DashboardData (view read-locked). */
static json_t *
dashboard(void)
{
	json_t *cs = read_cluster_summary();
	long long cores = js_int(cs, "totalCores", 0);
	long long mb = js_int(cs, "totalMemory", 0);

	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:I}",
	    "clusterSummary", cs, "appStats", app_stats(cores, mb),
	    "taskStats", task_stats(), "serviceStats", service_stats(cores,
	    mb), "executorStats", executor_stats(),
	    "generatedAt", (json_int_t)js_now_ms());
}

/* The last DashboardData, of the view generation (and leader) key, made
 * at monotonic time at; one thread computes it while the others wait. */
static struct {
	pthread_mutex_t mu;
	unsigned long key;
	long long at;
	json_t *data;
} last = { PTHREAD_MUTEX_INITIALIZER, 0, 0, NULL };

void
h_dashboard(struct reply *out)
{
	unsigned long key = view_gen(hd.view) + (leader_gen() << 40);
	long long now = mono_ms();
	json_t *d;

	pthread_mutex_lock(&last.mu);
	if (!last.data || (last.key != key &&
	    now - last.at >= DASH_MIN_AGE_MS)) {
		view_rdlock(hd.view);
		d = dashboard();
		view_unlock(hd.view);
		if (d) {
			json_decref(last.data);
			last.data = d;
			last.key = key;
			last.at = now;
		}
	}
	d = json_incref(last.data);
	pthread_mutex_unlock(&last.mu);
	if (!d) {
		reply_500(out, "unable to render the dashboard: out of memory");
		return;
	}
	reply_ok(out, d);
}

/* --- messages ------------------------------------------------------- */

/*
 * Drove's executors send their state reports here (drove.md §3.6); ours
 * write them in ZooKeeper, so a message can only come from an executor of
 * another kind, which this controller cannot follow.  It answers as a
 * controller that does not take the message: REJECTED, in Drove's bare
 * MessageResponse.
 */
void
h_messages(const struct req *r, struct reply *out)
{
	json_t *m, *hdr, *errs;
	enum ctl_msg_type t;
	char id[IDS_UUID_LEN];
	const char *type, *from;
	int typed;

	if (!(m = req_json(r, out)))
		return;
	type = js_str(m, "type", NULL);
	hdr = json_object_get(m, "header");
	typed = ctl_msg_type_parse(type, &t) == 0;
	errs = json_array();
	if (!typed)
		json_array_append_new(errs, json_string("- type must be one of "
		    "EXECUTOR_SNAPSHOT, INSTANCE_STATE_REPORT, "
		    "LOCAL_SERVICE_INSTANCE_STATE_REPORT, TASK_STATE_REPORT"));
	if (!json_is_object(hdr))
		json_array_append_new(errs, json_string("- header must not be "
		    "null"));
	if (json_array_size(errs)) {
		reply_verrs(out, errs);
		json_decref(m);
		return;
	}
	json_decref(errs);
	if (ids_uuid4(id) < 0) {
		reply_500(out, "unable to make a message id: %s",
		    strerror(errno));
		json_decref(m);
		return;
	}
	from = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "NodeId");
	warn("a %s message from '%s' is rejected: executors of this cluster "
	    "report through ZooKeeper, not messages", ctl_msg_type_name(t),
	    from ? from : "?");
	out->code = MHD_HTTP_OK;
	out->json = json_pack("{s:{s:s, s:s, s:s, s:s*, s:I}, s:s}",
	    "header", "id", id, "senderType", node_type_name(NODE_CONTROLLER),
	    "direction", "REPLY", "replyToId", js_str(hdr, "id", NULL),
	    "messageTime", (json_int_t)js_now_ms(), "status", "REJECTED");
	json_decref(m);
	if (!out->json)
		reply_500(out, "unable to answer a message: out of memory");
}
