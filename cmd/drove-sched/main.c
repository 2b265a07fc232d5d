/*
 * drove-sched: places pending instance requests on executors (leader only).
 * Reads /drove/requests/<iid>, /drove/applications/<appId>,
 * /drove/executor/<eid>, /drove/assignments/<eid>/<iid>; per placement one transaction fenced by
 * $DROVE_LEADER_ZNODE creates /drove/assignments/<eid>/<iid> and
 * /drove/instances/<appId>/<iid> (PENDING) and deletes the request; when
 * nothing fits it sets the request's "error".  -n prints one JSON line per
 * request ({instanceId,appId,executorId,hostname,numaNode,cores,memoryMB}
 * or {instanceId,appId,error}) and writes nothing.
 * Exit: 0 SIGTERM / dry run done, 100 usage or config, 111 ZooKeeper
 * trouble or leadership lost.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "sig.h"
#include "json.h"
#include "model.h"
#include "notify.h"
#include "placement.h"
#include "zk.h"
#include "zkpath.h"

#define USAGE "drove-sched -c controller.yml [ -d notif ] [ -v ] " \
	"[ -n | --dry-run ]"
#define RESYNC_MS 30000
#define RETRY_MS 1000

static struct ctx {
	struct zk *z;
	const char *ns;
	const char *fence;
	int dry_run;
	long long next_pass;	/* monotonic ms; 0 none scheduled */
	int dirty;
} C;

struct req {
	char *id;		/* instanceId (znode name) */
	json_t *data;		/* the request; may be NULL */
	int version;
	long long created;
};


/* ENOTCONN: try again later; anything else unexpected: restart. */
static int
zk_trouble(const char *what, const char *path)
{
	if (errno == ENOTCONN) {
		warn("unable to %s '%s': %s", what, path, zk_last_error());
		return -1;
	}
	die(EXIT_TEMP, "unable to %s '%s': %s", what, path, zk_last_error());
}

static int
commit(struct zk_txn *t, const char *what)
{
	if (!t)
		die(EXIT_TEMP, "out of memory");
	if (zk_txn_commit(C.z, t) == 0)
		return 0;
	if (errno == EPERM)
		die(EXIT_TEMP, "unable to %s: %s", what, zk_last_error());
	warn("unable to %s: %s", what, zk_last_error());
	return -1;
}

/*
 * The view: every executor's layout minus every assignment under
 * /drove/assignments/<eid>/ (an assignment holds its resources until the
 * monitor deletes it).  Returns NULL on ENOTCONN.
 */
static struct pl_view *
load_view(int watch)
{
	char p[ZKP_MAX], a[ZKP_MAX];
	char **ex = NULL, **as = NULL;
	struct pl_view *v;
	json_t *j;
	int i, k;

	if (!(v = pl_view_new()))
		die(EXIT_TEMP, "out of memory");
	zkp_executors_dir(p, C.ns);
	if (zk_children(C.z, p, watch, &ex, NULL) < 0) {
		if (errno != ENOENT)
			goto trouble;
		if (watch && zk_exists(C.z, p, 1) < 0)
			goto trouble;
		return v;
	}
	for (i = 0; ex[i]; i++) {
		if (zkp_executor(p, C.ns, ex[i]) < 0)
			continue;
		if (!(j = zk_get_json(C.z, p, watch, NULL))) {
			if (errno == ENOENT)
				continue;
			if (errno == EINVAL) {
				warn("executor '%s': bad JSON", ex[i]);
				continue;
			}
			goto trouble;
		}
		if (pl_view_add_node(v, ex[i], j) < 0)
			warn("executor '%s': unusable node data: %s", ex[i],
			    strerror(errno));
		json_decref(j);
	}
	for (i = 0; i < v->nex; i++) {
		zkp_executor_assignments(p, C.ns, v->ex[i].id);
		if (zk_children(C.z, p, watch, &as, NULL) < 0) {
			if (errno != ENOENT)
				goto trouble;
			if (watch && zk_exists(C.z, p, 1) < 0)
				goto trouble;
			continue;
		}
		for (k = 0; as[k]; k++) {
			if (zkp_assignment(a, C.ns, v->ex[i].id, as[k]) < 0)
				continue;
			if (!(j = zk_get_json(C.z, a, 0, NULL))) {
				if (errno == ENOENT || errno == EINVAL)
					continue;
				goto trouble;
			}
			pl_view_hold(v, v->ex[i].id, j);
			json_decref(j);
		}
		zk_free_names(as);
		as = NULL;
	}
	zk_free_names(ex);
	return v;
trouble:
	zk_free_names(ex);
	zk_free_names(as);
	pl_view_free(v);
	zk_trouble("read", p);
	return NULL;
}

static int
cmp_req(const void *a, const void *b)
{
	const struct req *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

static void
free_reqs(struct req *r, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(r[i].id);
		json_decref(r[i].data);
	}
	free(r);
}

/* Pending requests, oldest first; -1 on ENOTCONN. */
static int
load_requests(int watch, struct req **out, int *nout)
{
	char p[ZKP_MAX];
	char **names = NULL;
	struct req *r;
	int i, n = 0, count;

	*out = NULL;
	*nout = 0;
	zkp_requests_dir(p, C.ns);
	if (zk_children(C.z, p, watch, &names, &count) < 0) {
		if (errno != ENOENT)
			return zk_trouble("list", p);
		if (watch && zk_exists(C.z, p, 1) < 0)
			return zk_trouble("watch", p);
		return 0;
	}
	r = xcalloc(count + 1, sizeof *r);
	for (i = 0; names[i]; i++) {
		if (zkp_request(p, C.ns, names[i]) < 0)
			continue;
		r[n].data = zk_get_json(C.z, p, 0, &r[n].version);
		if (!r[n].data && errno != EINVAL) {
			if (errno == ENOENT)
				continue;
			zk_free_names(names);
			free_reqs(r, n);
			return zk_trouble("read", p);
		}
		r[n].id = xstrdup(names[i]);
		r[n].created = js_int(r[n].data, "created", 0);
		n++;
	}
	zk_free_names(names);
	qsort(r, n, sizeof *r, cmp_req);
	*out = r;
	*nout = n;
	return 0;
}

static void
copy(json_t *dst, const char *dkey, const json_t *spec, const char *skey,
    json_t *def)
{
	json_t *v = json_object_get(spec, skey);

	if (v && !json_is_null(v)) {
		json_object_set(dst, dkey, v);
		json_decref(def);
	} else if (def)
		json_object_set_new(dst, dkey, def);
}

/* Drove's ApplicationInstanceSpec for a placement, plus our fields. */
static json_t *
assignment_new(const char *app_id, const char *iid, const json_t *spec,
    const struct pl_result *r, long long now)
{
	json_t *a = json_object();

	json_object_set_new(a, "appId", json_string(app_id));
	json_object_set_new(a, "appName",
	    json_string(js_str(spec, "name", "")));
	json_object_set_new(a, "instanceId", json_string(iid));
	copy(a, "executable", spec, "executable", NULL);
	json_object_set_new(a, "resources", pl_result_resources(r));
	copy(a, "ports", spec, "exposedPorts", json_array());
	copy(a, "volumes", spec, "volumes", json_array());
	copy(a, "configs", spec, "configs", json_array());
	copy(a, "healthcheck", spec, "healthcheck", NULL);
	copy(a, "readiness", spec, "readiness", NULL);
	copy(a, "loggingSpec", spec, "logging", json_pack("{s:s, s:s, s:i, "
	    "s:b}", "type", "LOCAL", "maxSize", "10m", "maxFiles", 3,
	    "compress", 1));
	copy(a, "env", spec, "env", json_object());
	copy(a, "args", spec, "args", json_array());
	copy(a, "devices", spec, "devices", json_array());
	copy(a, "preShutdown", spec, "preShutdown", json_pack("{s:[], s:s}",
	    "hooks", "waitBeforeKill", "0 seconds"));
	copy(a, "userSpec", spec, "userSpec", NULL);
	json_object_set_new(a, "targetState", json_string("RUNNING"));
	json_object_set_new(a, "executorId", json_string(r->executor_id));
	json_object_set_new(a, "created", json_integer(now));
	return a;
}

static json_t *
instance_new(const char *app_id, const char *iid, const json_t *spec,
    const struct pl_result *r, long long now)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:{}}, s:o, s:s, s:{}, "
	    "s:s, s:I, s:I}", "appId", app_id,
	    "appName", js_str(spec, "name", ""), "instanceId", iid,
	    "executorId", r->executor_id,
	    "localInfo", "hostname", r->hostname, "ports",
	    "resources", pl_result_resources(r), "state", "PENDING",
	    "metadata", "errorMessage", "", "created", (json_int_t)now,
	    "updated", (json_int_t)now);
}

static void
print_line(json_t *j)
{
	if (!j || js_print_line(stdout, j) < 0)
		die(EXIT_TEMP, "unable to write to stdout");
	json_decref(j);
}

/* Record why a request cannot be placed, once per change of reason. */
static void
set_error(struct req *rq, const char *app_id, const char *why)
{
	char p[ZKP_MAX];
	json_t *d;
	struct zk_txn *t;

	if (C.dry_run) {
		print_line(json_pack("{s:s, s:s, s:s}", "instanceId", rq->id,
		    "appId", app_id ? app_id : "", "error", why));
		return;
	}
	if (!strcmp(js_str(rq->data, "error", ""), why))
		return;
	info("request %s (%s): cannot place: %s", rq->id,
	    app_id ? app_id : "?", why);
	d = json_is_object(rq->data) ? json_deep_copy(rq->data) :
	    json_object();
	json_object_set_new(d, "error", json_string(why));
	zkp_request(p, C.ns, rq->id);
	t = zk_txn_new(C.fence);
	zk_txn_set(t, p, d, rq->version);
	json_decref(d);
	commit(t, "record the placement error");
}

/*
 * Place one request.  Returns 0, or -1 when a write failed (the caller
 * stops this pass and retries with fresh state).
 */
static int
place_one(struct pl_view *v, struct req *rq)
{
	char p[ZKP_MAX], ap[ZKP_MAX], ip[ZKP_MAX], dir[ZKP_MAX];
	struct pl_result r = PL_RESULT_ZERO;
	struct pl_request prq;
	const char *app_id = js_str(rq->data, "appId", NULL);
	json_t *app, *spec, *a, *inst;
	struct zk_txn *t;
	long long now;
	int rc;

	zkp_request(p, C.ns, rq->id);
	if (!app_id || zkp_app(ap, C.ns, app_id) < 0) {
		if (C.dry_run) {
			set_error(rq, app_id, "request without a valid appId");
			return 0;
		}
		info("request %s: no valid appId: deleting it", rq->id);
		t = zk_txn_new(C.fence);
		zk_txn_delete(t, p, -1);
		return commit(t, "delete a bad request");
	}
	if (!(app = zk_get_json(C.z, ap, 0, NULL))) {
		if (errno != ENOENT && errno != EINVAL)
			return zk_trouble("read", ap);
		if (C.dry_run) {
			set_error(rq, app_id, "application not found");
			return 0;
		}
		info("request %s: application %s is gone: deleting the "
		    "request", rq->id, app_id);
		t = zk_txn_new(C.fence);
		zk_txn_delete(t, p, -1);
		return commit(t, "delete a stale request");
	}
	spec = json_object_get(app, "spec");
	prq.app_id = app_id;
	prq.cores = (int)spec_cpus(spec);
	prq.memory_mb = spec_memory_mb(spec);
	prq.policy = json_object_get(spec, "placementPolicy");
	rc = pl_place(v, &prq, &r);
	if (rc < 0 && errno == ENOMEM)
		die(EXIT_TEMP, "out of memory");
	if (rc <= 0) {
		set_error(rq, app_id, r.why);
		json_decref(app);
		pl_result_free(&r);
		return 0;
	}
	if (C.dry_run) {
		json_t *cores = json_array();
		int i;

		for (i = 0; i < r.ncores; i++)
			json_array_append_new(cores, json_integer(r.cores[i]));
		print_line(json_pack("{s:s, s:s, s:s, s:s, s:i, s:o, s:I}",
		    "instanceId", rq->id, "appId", app_id,
		    "executorId", r.executor_id, "hostname", r.hostname,
		    "numaNode", r.numa, "cores", cores,
		    "memoryMB", (json_int_t)r.memory_mb));
		json_decref(app);
		pl_result_free(&r);
		return 0;
	}
	now = js_now_ms();
	a = assignment_new(app_id, rq->id, spec, &r, now);
	inst = instance_new(app_id, rq->id, spec, &r, now);
	if (!a || !inst)
		die(EXIT_TEMP, "out of memory");
	rc = -1;
	zkp_executor_assignments(dir, C.ns, r.executor_id);
	if (zk_ensure(C.z, dir) < 0) {
		zk_trouble("create", dir);
		goto out;
	}
	zkp_app_instances(dir, C.ns, app_id);
	if (zk_ensure(C.z, dir) < 0) {
		zk_trouble("create", dir);
		goto out;
	}
	zkp_assignment(ap, C.ns, r.executor_id, rq->id);
	zkp_instance(ip, C.ns, app_id, rq->id);
	t = zk_txn_new(C.fence);
	zk_txn_create(t, ap, a, 0);
	zk_txn_create(t, ip, inst, 0);
	zk_txn_delete(t, p, rq->version);
	if (commit(t, "commit a placement") == 0) {
		char cores[256];
		int i, n = 0;

		cores[0] = '\0';
		for (i = 0; i < r.ncores && n < (int)sizeof cores - 16; i++)
			n += snprintf(cores + n, sizeof cores - n, "%s%d",
			    i ? "," : "", r.cores[i]);
		info("placed %s of %s on executor %s (%s) NUMA node %d "
		    "cores %s memory %lld MB", rq->id, app_id, r.executor_id,
		    r.hostname, r.numa, cores, r.memory_mb);
		rc = 0;
	}
out:
	json_decref(a);
	json_decref(inst);
	json_decref(app);
	pl_result_free(&r);
	return rc;
}

/* One pass over the pending requests; -1 means retry soon. */
static int
pass(void)
{
	struct pl_view *v = NULL;
	struct req *rq;
	int i, n, rc = 0;

	if (load_requests(!C.dry_run, &rq, &n) < 0)
		return -1;
	/* Watch executors and assignments only while something waits. */
	if (n && !(v = load_view(!C.dry_run))) {
		free_reqs(rq, n);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (place_one(v, &rq[i]) < 0) {
			rc = -1;
			break;
		}
	pl_view_free(v);
	free_reqs(rq, n);
	return rc;
}

static void
handle_zk(void)
{
	struct zk_event ev;
	int r;

	while ((r = zk_next_event(C.z, &ev)) == 1) {
		switch (ev.type) {
		case ZK_EV_EXPIRED:
			die(EXIT_TEMP, "ZooKeeper session expired");
		case ZK_EV_DISCONNECTED:
			warn("ZooKeeper connection lost");
			break;
		default:
			dbg("event %d on '%s'", ev.type, ev.path);
			C.dirty = 1;
			break;
		}
	}
	if (r < 0)
		diesys(EXIT_TEMP, "unable to read ZooKeeper events");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cfg_path = NULL;
	struct js_err jerr;
	struct pollfd pfd[2];
	json_t *cfg;
	int c, ready = -1, sfd;
	long long now;

	PROG = "drove-sched";
	while ((c = getopt_long(argc, argv, "c:d:vnh", longopts, NULL)) != -1)
		switch (c) {
		case 'c':
			cfg_path = optarg;
			break;
		case 'd':
			if ((ready = notify_parse(optarg)) < 0)
				die(EXIT_USAGE, "bad notification fd '%s'",
				    optarg);
			break;
		case 'v':
			verbosity++;
			break;
		case 'n':
			C.dry_run = 1;
			break;
		case 'h':
			printf("usage: %s\n", USAGE);
			stdout_close();
			return 0;
		default:
			dieusage(USAGE);
		}
	if (optind != argc || !cfg_path)
		dieusage(USAGE);
	C.fence = getenv("DROVE_LEADER_ZNODE");
	if (!C.dry_run && (!C.fence || C.fence[0] != '/'))
		die(EXIT_USAGE, "DROVE_LEADER_ZNODE must name the leader's "
		    "election znode");
	if (!(cfg = cfg_load(cfg_path, &jerr)))
		die(EXIT_USAGE, "%s", jerr.msg);
	if (!cfg_zk_connect(cfg))
		die(EXIT_USAGE, "%s: zookeeper.connectionString is missing",
		    cfg_path);
	C.ns = cfg_zk_namespace(cfg);

	if (!C.dry_run) {
		if ((sfd = sig_fd((const int[]){ SIGTERM, SIGINT, 0 })) < 0)
			diesys(EXIT_TEMP, "unable to set up signals");
	} else
		sfd = -1;
	if (!(C.z = zk_open(cfg_zk_connect(cfg), C.ns, 15000, 10000)))
		die(EXIT_TEMP, "unable to connect to ZooKeeper '%s': %s",
		    cfg_zk_connect(cfg), zk_last_error());
	if (C.dry_run) {
		if (pass() < 0)
			die(EXIT_TEMP, "unable to read the cluster state");
		zk_close(C.z);
		json_decref(cfg);
		stdout_close();
		return 0;
	}
	if (zk_exists(C.z, C.fence, 0) != 1)
		die(EXIT_TEMP, "fence '%s' does not exist: not the leader",
		    C.fence);
	if (pass() < 0)
		C.next_pass = mono_ms() + RETRY_MS;
	else
		C.next_pass = mono_ms() + RESYNC_MS;
	info("scheduling (fence %s)", C.fence);
	notify_ready(ready);

	pfd[0].fd = zk_fd(C.z);
	pfd[0].events = POLLIN;
	pfd[1].fd = sfd;
	pfd[1].events = POLLIN;
	for (;;) {
		int timeout;

		now = mono_ms();
		timeout = C.dirty ? 0 : C.next_pass > now ?
		    (int)(C.next_pass - now) : 0;
		if (poll(pfd, 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			diesys(EXIT_TEMP, "poll");
		}
		if (pfd[1].revents & POLLIN) {
			info("terminating");
			break;
		}
		if (pfd[0].revents & POLLIN)
			handle_zk();
		now = mono_ms();
		if (C.dirty || now >= C.next_pass) {
			C.dirty = 0;
			C.next_pass = now + (pass() < 0 ? RETRY_MS :
			    RESYNC_MS);
		}
	}
	zk_close(C.z);
	json_decref(cfg);
	return 0;
}
