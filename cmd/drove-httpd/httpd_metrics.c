/*
 * httpd_metrics.c: GET /metrics in Prometheus' text format: the requests
 * this controller answered (counted as they are sent), the accepted
 * operations and the events it saw, the cluster's gauges (Drove's §7.8,
 * computed from the view at scrape time), its ZooKeeper session's counts
 * and the counters the leader-only programs publish in
 * /<ns>/metrics/<program> (read at most once a second), with a program
 * label.  man/drove-httpd.8 lists every series.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "metrics.h"
#include "sig.h"
#include "httpd.h"

#define PROGRAMS_TTL_MS 1000
#define CTYPE "text/plain; version=0.0.4; charset=utf-8"

/* Seconds: from a cached read (well under a millisecond) to a slow
 * write that waits for the view. */
static const double latency_bounds[] = { 0.0001, 0.00025, 0.0005, 0.001,
    0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };

static struct {
	pthread_once_t once;
	struct metrics *m;		/* what is counted as it happens */
	struct metric *requests, *latency, *ops, *events;
	long long started;		/* epoch ms */
	pthread_mutex_t mu;		/* guards the programs' cache */
	json_t *programs;		/* {program: its znode's JSON} */
	long long programs_at;		/* monotonic ms; 0 never */
	int reading;			/* a scrape reads them */
} MX = { PTHREAD_ONCE_INIT, NULL, NULL, NULL, NULL, NULL, 0,
    PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0 };

static void
init(void)
{
	static const char *const rmc[] = { "route", "method", "code", NULL };
	static const char *const rm[] = { "route", "method", NULL };
	static const char *const kt[] = { "kind", "type", NULL };
	static const char *const t[] = { "type", NULL };

	MX.started = js_now_ms();
	if (!(MX.m = metrics_new()) ||
	    !(MX.requests = metrics_counter(MX.m, "drove_http_requests_total",
	    "HTTP requests answered, by route pattern, method and status code",
	    rmc)) ||
	    !(MX.latency = metrics_histogram(MX.m,
	    "drove_http_request_duration_seconds",
	    "Time from a request's arrival to its answer, by route pattern "
	    "and method", rm, latency_bounds,
	    sizeof latency_bounds / sizeof latency_bounds[0])) ||
	    !(MX.ops = metrics_counter(MX.m, "drove_operations_accepted_total",
	    "Operations accepted (answered 200), by kind (application, task, "
	    "localservice) and type", kt)) ||
	    !(MX.events = metrics_counter(MX.m, "drove_events_total",
	    "Cluster events seen by this controller since it started, by type",
	    t)))
		die(EXIT_TEMP, "unable to set up the metrics: %s",
		    strerror(errno));
}

static void
init_once(void)
{
	pthread_once(&MX.once, init);
}

/* A method as a label: the ones the API knows, else "other" (a client
 * must not make series without bound). */
static const char *
method_label(const char *m)
{
	static const char *const known[] = { "GET", "HEAD", "POST", "PUT",
	    "DELETE", "OPTIONS", "PATCH" };
	size_t i;

	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		if (!strcmp(m, known[i]))
			return known[i];
	return "other";
}

/* The operation a POST of r is, as kind and type (type NULL: read it from
 * the body); 0 when it is not one. */
static int
operation_of(const struct req *r, const char **kind, const char **type)
{
	static const struct {
		const char *prefix, *kind;
	} ops[] = {
		{ "/apis/v1/applications/operations", "application" },
		{ "/apis/v1/operations", "application" },
		{ "/apis/v1/tasks/operations", "task" },
		{ "/apis/v1/localservices/operations", "localservice" },
	};
	const char *rest;
	size_t i, n;

	for (i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		n = strlen(ops[i].prefix);
		if (strncmp(r->url, ops[i].prefix, n))
			continue;
		rest = r->url + n;
		*kind = ops[i].kind;
		if (!*rest) {
			*type = NULL;
			return 1;
		}
		/* /{id}/cancel: not for tasks */
		n = strlen(rest);
		if (i != 2 && *rest == '/' && n > 8 &&
		    !strcmp(rest + n - 7, "/cancel") &&
		    !memchr(rest + 1, '/', n - 8)) {
			*type = "CANCEL";
			return 1;
		}
		return 0;
	}
	return 0;
}

/* An accepted operation's type, from the request body (validated, since
 * it was accepted; anything odd counts as OTHER). */
static void
count_operation(const struct req *r, const char *kind, const char *type)
{
	char t[48];
	json_t *j = NULL;
	size_t i;

	if (!type) {
		j = js_parse(r->body, r->body_len);
		type = js_str(j, "type", "");
	}
	snprintf(t, sizeof t, "%s", type);
	for (i = 0; t[i]; i++)
		if (!((t[i] >= 'A' && t[i] <= 'Z') || t[i] == '_'))
			break;
	if (t[i] || !i || strlen(type) >= sizeof t)
		snprintf(t, sizeof t, "OTHER");
	json_decref(j);
	metric_inc(MX.ops, (const char *const[]){ kind, t }, 1);
}

void
metrics_request(const struct req *r, const struct reply *rep,
    long long usec)
{
	const char *route = rep->route ? rep->route : "unmatched";
	const char *method = method_label(r->method), *kind, *type;
	char code[16];

	init_once();
	snprintf(code, sizeof code, "%u", rep->code);
	metric_inc(MX.requests, (const char *const[]){ route, method, code },
	    1);
	metric_observe(MX.latency, (const char *const[]){ route, method },
	    (double)(usec > 0 ? usec : 0) / 1e6);
	if (rep->code == 200 && !strcmp(r->method, "POST") &&
	    operation_of(r, &kind, &type))
		count_operation(r, kind, type);
}

void
metrics_event(const struct view_change *c)
{
	const char *type;

	init_once();
	if (c->kind != VIEW_K_EVENT || c->old || !c->now)
		return;
	/* the events on record when we started are not news */
	if (js_int(c->now, "time", 0) < MX.started)
		return;
	type = js_str(c->now, "type", "");
	metric_inc(MX.events, (const char *const[]){ *type ? type :
	    "UNKNOWN" }, 1);
}

/* --- at scrape time ------------------------------------------------ */

static int
gauge(struct metrics *s, const char *name, const char *help, double v)
{
	return metric_set(metrics_gauge(s, name, help, NULL), NULL, v);
}

/* Drove's cluster gauges (§7.8), from the view. */
static int
cluster_gauges(struct metrics *s)
{
	static struct {
		pthread_mutex_t mu;
		int valid;
		unsigned long gen;
		struct cluster_figures f;
	} c = { PTHREAD_MUTEX_INITIALIZER, 0, 0, { 0 } };
	struct cluster_figures f;
	int r = 0;

	/* computed once per change of the view: a scrape of a large
	 * cluster that did not change costs no walk of it */
	pthread_mutex_lock(&c.mu);
	view_rdlock(hd.view);
	if (!c.valid || c.gen != view_gen(hd.view)) {
		read_cluster_figures(&c.f);
		c.gen = view_gen(hd.view);
		c.valid = 1;
	}
	view_unlock(hd.view);
	f = c.f;
	pthread_mutex_unlock(&c.mu);
	r |= gauge(s, "drove_cluster_resources_cpu_used",
	    "Cores in use on ACTIVE executors", (double)f.used_cores);
	r |= gauge(s, "drove_cluster_resources_cpu_free",
	    "Cores free on ACTIVE executors", (double)f.free_cores);
	r |= gauge(s, "drove_cluster_resources_cpu_total",
	    "Cores of ACTIVE executors",
	    (double)(f.used_cores + f.free_cores));
	r |= gauge(s, "drove_cluster_resources_memory_used_mb",
	    "Memory in use on ACTIVE executors, MB", (double)f.used_mb);
	r |= gauge(s, "drove_cluster_resources_memory_free_mb",
	    "Memory free on ACTIVE executors, MB", (double)f.free_mb);
	r |= gauge(s, "drove_cluster_resources_memory_total_mb",
	    "Memory of ACTIVE executors, MB", (double)(f.used_mb + f.free_mb));
	r |= gauge(s, "drove_cluster_executors_active",
	    "Executors in state ACTIVE", (double)f.active_executors);
	r |= gauge(s, "drove_cluster_executors_inactive",
	    "Executors in another state (blacklisted, unready)",
	    (double)f.inactive_executors);
	r |= gauge(s, "drove_cluster_applications_running",
	    "Applications in state RUNNING", (double)f.running_apps);
	r |= gauge(s, "drove_cluster_applications_total",
	    "Applications on record", (double)f.apps);
	r |= gauge(s, "drove_cluster_applications_instances_active",
	    "Application instances HEALTHY", (double)f.healthy_instances);
	r |= gauge(s, "drove_cluster_applications_instances_inactive",
	    "Application instances in any other state (kept until pruned)",
	    (double)f.other_instances);
	r |= gauge(s, "drove_cluster_tasks_instances_active",
	    "Tasks RUNNING", (double)f.running_tasks);
	r |= gauge(s, "drove_controller_leader",
	    "1 while this controller is the leader, else 0",
	    leader_get(NULL, NULL, 0) ? 1 : 0);
	return r ? -1 : 0;
}

/* {program: JSON} of /<ns>/metrics/<program>, read again when older
 * than PROGRAMS_TTL_MS (new reference).  One scrape reads while the
 * others go on with the last copy, which also stays when ZooKeeper
 * fails. */
static json_t *
programs(void)
{
	char dir[ZKP_MAX], (*paths)[ZKP_MAX] = NULL;
	struct zk_read *rd = NULL;
	char **names = NULL;
	json_t *all = NULL, *j;
	int i, n = 0, gone = 0;

	pthread_mutex_lock(&MX.mu);
	if (MX.reading || (MX.programs_at &&
	    mono_ms() - MX.programs_at < PROGRAMS_TTL_MS)) {
		all = json_incref(MX.programs);
		pthread_mutex_unlock(&MX.mu);
		return all;
	}
	MX.reading = 1;
	pthread_mutex_unlock(&MX.mu);

	if (zkp_metrics_dir(dir, hd.ns) < 0)
		goto out;
	if (zk_children(hd.zk, dir, 0, &names, &n) < 0) {
		if (errno == ENOENT)
			gone = 1;
		else
			warn("metrics: %s", err_text());
		goto out;
	}
	paths = xcalloc((size_t)n + 1, sizeof *paths);
	rd = xcalloc((size_t)n + 1, sizeof *rd);
	for (i = 0; i < n; i++) {
		zkp_child(paths[i], dir, names[i]);
		rd[i].path = paths[i];
	}
	if (zk_get_batch(hd.zk, rd, (size_t)n, 0) < 0 ||
	    !(all = json_object()))
		goto out;
	for (i = 0; i < n; i++)
		if (!rd[i].err && (j = js_parse(rd[i].data, rd[i].len)))
			json_object_set_new(all, names[i], j);
out:
	pthread_mutex_lock(&MX.mu);
	if (all || gone) {
		json_decref(MX.programs);
		MX.programs = all;
	}
	MX.programs_at = mono_ms();
	MX.reading = 0;
	all = json_incref(MX.programs);
	pthread_mutex_unlock(&MX.mu);
	if (rd)
		zk_read_free(rd, (size_t)n);
	free(rd);
	free(paths);
	zk_free_names(names);
	return all;
}

/* The leader programs' counters, with their program label, and when each
 * published them. */
static int
program_metrics(struct metrics *s)
{
	static const char *const p[] = { "program", NULL };
	struct metric *at;
	json_t *all = programs(), *j;
	const char *name;
	int r = 0;

	if (!(at = metrics_gauge(s,
	    "drove_program_metrics_updated_timestamp_seconds",
	    "When a leader-only program last published its counters "
	    "(epoch seconds)", p)))
		r = -1;
	json_object_foreach(all, name, j) {
		if (r == 0 && json_is_integer(json_object_get(j, "updated")))
			r = metric_set(at, (const char *const[]){ name },
			    (double)js_int(j, "updated", 0) / 1000);
		if (r == 0 && json_is_array(json_object_get(j, "metrics")))
			r = metrics_merge_json(s, json_object_get(j, "metrics"),
			    "program", name);
	}
	json_decref(all);
	return r;
}

void
h_metrics(struct reply *out)
{
	struct buf b = BUF_ZERO;
	struct metrics *s;
	int r;

	init_once();
	out->route = "/metrics";
	r = metrics_render(MX.m, &b);
	if (!(s = metrics_new()))
		r = -1;
	/* the session's own counts first: the programs' merge into them */
	if (r == 0)
		r = metrics_zk(s, hd.zk, "drove-httpd");
	if (r == 0)
		r = program_metrics(s);
	if (r == 0)
		r = cluster_gauges(s);
	if (r == 0)
		r = metrics_render(s, &b);
	metrics_free(s);
	if (r < 0) {
		buf_free(&b);
		reply_500(out, "unable to render the metrics: %s",
		    strerror(errno));
		return;
	}
	out->code = MHD_HTTP_OK;
	out->raw_len = b.len;
	out->raw = buf_detach(&b);
	snprintf(out->ctype, sizeof out->ctype, "%s", CTYPE);
}

void
httpd_metrics_free(void)
{
	metrics_free(MX.m);
	MX.m = NULL;
	json_decref(MX.programs);
	MX.programs = NULL;
}
