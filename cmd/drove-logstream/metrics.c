/*
 * metrics.c: drove-logstream's GET /metrics (logstream.h): a collector
 * thread renders the host's, the executor's and its containers' figures
 * every LSM_INTERVAL_MS; scrapes get a copy of the last rendering.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "engine.h"
#include "err.h"
#include "ids.h"
#include "metrics.h"
#include "model.h"
#include "reconcile.h"
#include "record.h"
#include "sig.h"
#include "topo.h"
#include "logstream.h"

#define ENGINE_TIMEOUT_MS 5000

static struct {
	pthread_mutex_t mu;	/* guards text, len, stop */
	pthread_cond_t cv;
	int stop;
	char *text;		/* the last rendering */
	size_t len;
	pthread_t th;
	int started;
	/* the thread's own, once started */
	struct engine *eng;
	char eid[IDS_UUID_LEN];
	long long cores, mem_mb;	/* the executor's capacity; -1 unknown */
	json_t *prev;		/* {containerId: [cpu_ns, system_ns]} */
	unsigned long long rounds, failures;
	int engine_was_ok;
	double last_secs;	/* how long the last round took */
} L = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, NULL, 0,
    0, 0, NULL, "", -1, -1, NULL, 0, 0, 1, 0 };

static const char *const container_labels[] = { "job_type", "app_id",
    "app_name", "instance_id", NULL };

static void
gauge(struct metrics *m, const char *name, const char *help, double v)
{
	metric_set(metrics_gauge(m, name, help, NULL), NULL, v);
}

/* The value of "Key: N kB" in /proc/meminfo text s, in bytes; -1. */
static double
meminfo(const char *s, const char *key)
{
	const char *p = strstr(s, key);
	long long kb;

	if (!p || sscanf(p + strlen(key), ": %lld", &kb) != 1)
		return -1;
	return (double)kb * 1024;
}

static void
host_figures(struct metrics *m)
{
	char b[4096];
	double l1, l5, l15, v;
	FILE *f;
	size_t n;

	gauge(m, "drove_host_cpus", "Online CPUs of the host",
	    (double)sysconf(_SC_NPROCESSORS_ONLN));
	if ((f = fopen("/proc/loadavg", "re"))) {
		if (fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) == 3) {
			gauge(m, "drove_host_load1", "Load average, 1 minute",
			    l1);
			gauge(m, "drove_host_load5", "Load average, 5 minutes",
			    l5);
			gauge(m, "drove_host_load15",
			    "Load average, 15 minutes", l15);
		}
		fclose(f);
	}
	if ((f = fopen("/proc/meminfo", "re"))) {
		n = fread(b, 1, sizeof b - 1, f);
		b[n] = '\0';
		fclose(f);
		if ((v = meminfo(b, "MemTotal")) >= 0)
			gauge(m, "drove_host_memory_total_bytes",
			    "Memory of the host", v);
		if ((v = meminfo(b, "MemFree")) >= 0)
			gauge(m, "drove_host_memory_free_bytes",
			    "Memory of the host not used at all", v);
		if ((v = meminfo(b, "MemAvailable")) >= 0)
			gauge(m, "drove_host_memory_available_bytes",
			    "Memory of the host available for new work", v);
	}
	if (L.cores >= 0)
		gauge(m, "drove_executor_cores_total",
		    "Cores this executor offers (after osCores and "
		    "over-provisioning)", (double)L.cores);
	if (L.mem_mb >= 0)
		gauge(m, "drove_executor_memory_total_mb",
		    "Memory this executor offers, MB (after "
		    "exposedMemPercentage and over-provisioning)",
		    (double)L.mem_mb);
}

/* The label values of container c (job type, app id, app name,
 * instance id) into v; the allocation of its instance into res (borrowed
 * from info, owned by the caller: *info). */
static void
container_ids(const json_t *c, const char **v, char *api_id, size_t len,
    json_t **info, const json_t **res)
{
	const json_t *labels = json_object_get(c, "Labels");
	const char *s = js_str(labels, "drove.instance.info", "");
	struct rec_instance ri;
	struct rec_task rt;

	v[0] = js_str(labels, "drove.job.type", "");
	v[1] = v[2] = "";
	v[3] = js_str(labels, "drove.instance.id", "");
	*res = NULL;
	if (!(*info = js_parse(s, strlen(s))))
		return;
	if (rec_instance_read(*info, &ri) == 0) {
		v[1] = ri.app_id;
		v[2] = ri.app_name;
		*res = ri.resources;
	} else if (rec_task_read(*info, &rt) == 0) {
		if (rec_task_api_id(api_id, len, rt.source_app,
		    rt.task_id) == 0)
			v[1] = api_id;
		v[2] = rt.source_app;
		*res = rt.resources;
	}
}

struct families {
	struct metric *cores, *cpu_secs, *cpu_pct, *throttled;
	struct metric *mem, *mem_max, *mem_limit, *mem_pct, *mem_alloc;
	struct metric *rx, *rx_err, *rx_drop, *tx, *tx_err, *tx_drop;
	struct metric *blk_r, *blk_w;
};

static void
families_new(struct metrics *m, struct families *f)
{
	const char *const *l = container_labels;

#define C(name, help) metrics_counter(m, name, help, l)
#define G(name, help) metrics_gauge(m, name, help, l)
	f->cores = G("drove_container_cpu_cores_allocated",
	    "Cores allocated to the instance");
	f->cpu_secs = C("drove_container_cpu_usage_seconds_total",
	    "CPU time used by the container");
	f->cpu_pct = G("drove_container_cpu_percentage_overall",
	    "CPU use since the previous sample, as docker stats shows it "
	    "(100 = one core busy)");
	f->throttled = C("drove_container_cpu_throttled_periods_total",
	    "CFS periods in which the container was throttled "
	    "(nr_throttled)");
	f->mem = G("drove_container_memory_usage_bytes",
	    "Memory used by the container");
	f->mem_max = G("drove_container_memory_usage_max_bytes",
	    "Most memory the container used (cgroup v1 only)");
	f->mem_limit = G("drove_container_memory_usage_limit_bytes",
	    "Memory limit of the container");
	f->mem_pct = G("drove_container_memory_usage_percentage",
	    "Memory used, percent of the limit");
	f->mem_alloc = G("drove_container_memory_allocated_bytes",
	    "Memory allocated to the instance");
	f->rx = C("drove_container_network_rx_bytes_total",
	    "Bytes received, all interfaces");
	f->rx_err = C("drove_container_network_rx_errors_total",
	    "Receive errors, all interfaces");
	f->rx_drop = C("drove_container_network_rx_dropped_total",
	    "Received packets dropped, all interfaces");
	f->tx = C("drove_container_network_tx_bytes_total",
	    "Bytes sent, all interfaces");
	f->tx_err = C("drove_container_network_tx_errors_total",
	    "Send errors, all interfaces");
	f->tx_drop = C("drove_container_network_tx_dropped_total",
	    "Sent packets dropped, all interfaces");
	f->blk_r = C("drove_container_block_io_read_bytes_total",
	    "Bytes read from block devices");
	f->blk_w = C("drove_container_block_io_write_bytes_total",
	    "Bytes written to block devices");
#undef C
#undef G
}

/* Sets f's series of v to x unless the engine did not give it (x < 0). */
static void
put(struct metric *f, const char *const *v, double x)
{
	if (x >= 0)
		metric_set(f, v, x);
}

static void
container_figures(const struct families *f, const char *const *v,
    const json_t *res, const char *cid, const struct engine_stats *st,
    json_t *now)
{
	json_t *p = json_object_get(L.prev, cid);
	long long dc, ds;

	metric_set(f->cores, v, (double)alloc_cores(res));
	metric_set(f->mem_alloc, v, (double)alloc_memory_mb(res) * 1048576);
	put(f->cpu_secs, v, st->cpu_ns >= 0 ? (double)st->cpu_ns / 1e9 : -1);
	if (st->cpu_ns >= 0 && st->system_ns >= 0) {
		json_object_set_new(now, cid, json_pack("[I, I]",
		    (json_int_t)st->cpu_ns, (json_int_t)st->system_ns));
		dc = st->cpu_ns - json_integer_value(json_array_get(p, 0));
		ds = st->system_ns - json_integer_value(json_array_get(p, 1));
		if (p && dc >= 0 && ds > 0)
			metric_set(f->cpu_pct, v, (double)dc / (double)ds *
			    (double)(st->online_cpus > 0 ? st->online_cpus :
			    1) * 100);
	}
	put(f->throttled, v, (double)st->throttled_periods);
	put(f->mem, v, (double)st->mem_usage);
	put(f->mem_max, v, (double)st->mem_max_usage);
	put(f->mem_limit, v, (double)st->mem_limit);
	if (st->mem_usage >= 0 && st->mem_limit > 0)
		metric_set(f->mem_pct, v, (double)st->mem_usage /
		    (double)st->mem_limit * 100);
	put(f->rx, v, (double)st->rx_bytes);
	put(f->rx_err, v, (double)st->rx_errors);
	put(f->rx_drop, v, (double)st->rx_dropped);
	put(f->tx, v, (double)st->tx_bytes);
	put(f->tx_err, v, (double)st->tx_errors);
	put(f->tx_drop, v, (double)st->tx_dropped);
	put(f->blk_r, v, (double)st->blk_read);
	put(f->blk_w, v, (double)st->blk_write);
}

/* The containers of this executor, from the engine: 0, or -1 when the
 * engine could not list them. */
static int
containers(struct metrics *m)
{
	char label[128], api_id[600];
	const char *v[4];
	const json_t *res;
	json_t *list, *c, *s, *info, *now;
	struct engine_stats st;
	struct families f;
	size_t i, n = 0;

	snprintf(label, sizeof label, "drove.executor.id=%s", L.eid);
	if (!(list = engine_list(L.eng, label, 0)))
		return -1;
	families_new(m, &f);
	now = json_object();
	json_array_foreach(list, i, c) {
		const char *cid = js_str(c, "Id", "");

		container_ids(c, v, api_id, sizeof api_id, &info, &res);
		/* a container that went in between is no failure */
		if (*v[3] && (s = engine_stats(L.eng, cid))) {
			if (engine_stats_read(s, &st) == 0) {
				container_figures(&f, v, res, cid, &st, now);
				n++;
			}
			json_decref(s);
		}
		json_decref(info);
	}
	json_decref(list);
	json_decref(L.prev);
	L.prev = now;
	gauge(m, "drove_executor_containers",
	    "Containers of this executor running, as the engine lists them",
	    (double)n);
	return 0;
}

/* One round: the figures rendered, the copy replaced. */
static void
gather(int with_engine)
{
	struct metrics *m = metrics_new();
	struct buf b = BUF_ZERO;
	long long t0 = mono_us();
	int ok = 1;

	if (!m)
		return;
	host_figures(m);
	if (with_engine) {
		L.rounds++;
		if (containers(m) < 0) {
			ok = 0;
			L.failures++;
			if (L.engine_was_ok)
				warn("metrics: unable to list containers: %s",
				    err_text());
		} else if (!L.engine_was_ok)
			info("metrics: the engine answers again");
		L.engine_was_ok = ok;
		gauge(m, "drove_executor_engine_up",
		    "1 when the last round could list the containers, else 0",
		    ok);
		metric_set(metrics_counter(m, "drove_executor_stats_rounds_total",
		    "Rounds of gathering the containers' figures", NULL), NULL,
		    (double)L.rounds);
		metric_set(metrics_counter(m,
		    "drove_executor_stats_failures_total",
		    "Rounds in which the engine could not list the containers",
		    NULL), NULL, (double)L.failures);
		gauge(m, "drove_executor_stats_round_seconds",
		    "How long the previous round took", L.last_secs);
		L.last_secs = (double)(mono_us() - t0) / 1e6;
	}
	gauge(m, "drove_executor_stats_timestamp_seconds",
	    "When these figures were gathered (epoch seconds)",
	    (double)js_now_ms() / 1000);
	if (metrics_render(m, &b) == 0) {
		pthread_mutex_lock(&L.mu);
		free(L.text);
		L.len = b.len;
		L.text = buf_detach(&b);
		pthread_mutex_unlock(&L.mu);
	}
	buf_free(&b);
	metrics_free(m);
}

static void *
collector(void *arg)
{
	struct timespec dl;
	int stop;

	(void)arg;
	for (;;) {
		gather(1);
		deadline_after(&dl, CLOCK_MONOTONIC, LSM_INTERVAL_MS);
		pthread_mutex_lock(&L.mu);
		while (!L.stop && pthread_cond_timedwait(&L.cv, &L.mu,
		    &dl) != ETIMEDOUT)
			;
		stop = L.stop;
		pthread_mutex_unlock(&L.mu);
		if (stop)
			return NULL;
	}
}

int
lsm_start(const json_t *cfg)
{
	pthread_condattr_t ca;
	char host[256];
	struct topo t;

	if (reconcile_identity(cfg, host, sizeof host, L.eid) < 0)
		return err_fail(errno, "unable to compute the executor id: %s",
		    strerror(errno));
	memset(&t, 0, sizeof t);
	if (topo_discover(&t) == 0 && topo_apply(&t, js_get(cfg,
	    "resources")) == 0) {
		L.cores = topo_total_cores(&t);
		L.mem_mb = topo_total_mem_mb(&t);
	} else
		warn("metrics: the executor's capacity is unknown: %s",
		    err_text());
	topo_free(&t);
	if (!(L.eng = engine_new(cfg_docker_socket(cfg), ENGINE_TIMEOUT_MS)))
		return err_fail(errno, "unable to set up the engine client");
	gather(0);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&L.cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((errno = pthread_create(&L.th, NULL, collector, NULL)) != 0)
		return err_fail(errno, "unable to start the collector: %s",
		    strerror(errno));
	L.started = 1;
	return 0;
}

struct MHD_Response *
lsm_response(void)
{
	static char none[] = "";
	struct MHD_Response *r;

	pthread_mutex_lock(&L.mu);
	r = MHD_create_response_from_buffer(L.len, L.text ? L.text : none,
	    MHD_RESPMEM_MUST_COPY);
	pthread_mutex_unlock(&L.mu);
	if (r)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
		    "text/plain; version=0.0.4; charset=utf-8");
	return r;
}

void
lsm_stop(void)
{
	if (!L.started)
		return;
	pthread_mutex_lock(&L.mu);
	L.stop = 1;
	pthread_cond_broadcast(&L.cv);
	pthread_mutex_unlock(&L.mu);
	pthread_join(L.th, NULL);
	L.started = 0;
	engine_free(L.eng);
	json_decref(L.prev);
	free(L.text);
}
