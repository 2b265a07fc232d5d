/*
 * drove-execd: the executor.  Reads executor.yml, the assignments under
 * /<ns>/assignments/<executorId>/ and the Docker engine; runs each
 * assigned instance (one thread each) through Drove's instance states,
 * writing InstanceInfo to /<ns>/instances/<appId>/<instanceId> on every
 * change (a task, jobType COMPUTATION: task.c, its TaskInfo; a
 * local-service instance its LocalServiceInstanceInfo), and
 * publishes ExecutorNodeData (layout, tags, state: the parts that change
 * rarely) at /<ns>/executor/<executorId>, EPHEMERAL, at start
 * and again only when one of them changes.  Container output goes to
 * <logPath>/<appId>/<instanceId>/output.log.  Containers labelled for it
 * that no instance owns are reaped while it runs (zombie.c).  SIGTERM
 * leaves containers running.  Exit: 0 on SIGTERM, 100 bad usage/config,
 * 111 ZooKeeper or the engine unreachable, session expired.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "duration.h"
#include "engine.h"
#include "err.h"
#include "event.h"
#include "sig.h"
#include "execd.h"
#include "ids.h"
#include "model.h"
#include "notify.h"
#include "reconcile.h"
#include "record.h"
#include "zkpath.h"

#define USAGE "drove-execd -c executor.yml [ -c more.yml ... ] " \
	"[ -d notif-fd ] [ -v ]"
#define RETRY_MS 1000

struct execd X;

/* The merged -c files; path names them in messages. */
static void
load_config(const struct cfg_files *cf)
{
	const char *path = cf->name;
	json_t *opt, *res;
	long long ms;
	const char *s;

	if (!(X.cfg = cfg_load_all(cf->path, cf->n)))
		die(EXIT_USAGE, "%s", err_text());
	if (!cfg_zk_connect(X.cfg))
		die(EXIT_USAGE, "%s: zookeeper.connectionString is missing",
		    path);
	X.ns = cfg_zk_namespace(X.cfg);
	opt = json_object_get(X.cfg, "options");
	res = json_object_get(X.cfg, "resources");
	if ((X.port = cfg_port(X.cfg, NODE_EXECUTOR)) < 0)
		die(EXIT_USAGE, "%s: invalid server port", path);
	if (reconcile_identity(X.cfg, X.hostname, sizeof X.hostname,
	    X.executor_id) < 0)
		diesys(EXIT_TEMP, "unable to get the host name");
	X.publish_addr = js_str(opt, "publishAddress", "127.0.0.1");
	/* Drove drops cacheImages to false when an options block lacks it;
	 * we keep images unless told otherwise. */
	X.cache_images = js_bool(opt, "cacheImages", 1);
	X.max_open_files = js_int(opt, "maxOpenFiles", 470000);
	if (X.max_open_files <= 0)
		X.max_open_files = 470000;
	X.cmd_timeout_ms = 30000;
	if ((s = js_str(opt, "containerCommandTimeout", NULL))) {
		if (duration_parse_ms(s, &ms) < 0)
			die(EXIT_USAGE, "%s: options.containerCommandTimeout: "
			    "bad duration '%s'", path, s);
		X.cmd_timeout_ms = ms;
	}
	X.stop_timeout_s = 10;
	if ((s = js_str(opt, "containerStopTimeout", NULL))) {
		if (duration_parse_ms(s, &ms) < 0)
			die(EXIT_USAGE, "%s: options.containerStopTimeout: "
			    "bad duration '%s'", path, s);
		X.stop_timeout_s = ms / 1000;
	}
	X.zombie_check_ms = 60000;
	if ((s = js_str(opt, "zombieCheckInterval", NULL))) {
		if (duration_parse_ms(s, &ms) < 0 || ms < 1000)
			die(EXIT_USAGE, "%s: options.zombieCheckInterval: "
			    "bad duration '%s' (1 second or more)", path, s);
		X.zombie_check_ms = ms;
	}
	X.log_path = cfg_instance_log_path(X.cfg);
	X.numa_pinning = !js_bool(res, "disableNUMAPinning", 0);
	if (js_bool(js_get(res, "overProvisioning"), "enabled", 0))
		X.overprov_prime = topo_next_prime((int)js_int(js_get(res,
		    "overProvisioning"), "cpuMultiplier", 1));
	if (topo_discover(&X.topo) < 0)
		die(EXIT_TEMP, "unable to read the hardware topology: %s",
		    err_text());
	if (topo_apply(&X.topo, res) < 0)
		die(EXIT_USAGE, "%s: %s", path, err_text());
}

/* Create the executor's ephemeral znode with the EXECUTOR_ADDED event, in
 * one transaction; 0, or -1 with errno (EEXIST: it is there already, the
 * caller sets it). */
static int
register_node(const char *path, const json_t *node,
    const struct rec_executor *f)
{
	char dir[ZKP_MAX];
	struct zk_txn *t;
	json_t *ev;
	int r;

	zkp_executors_dir(dir, X.ns);
	if (zk_ensure(X.zk, dir) < 0 || !(ev = rec_event_executor(
	    "EXECUTOR_ADDED", f->executor_id, f->hostname, f->port,
	    js_now_ms())))
		return -1;
	t = zk_txn_new(NULL);
	zk_txn_create(t, path, node, ZK_EPHEMERAL);
	event_add(X.zk, t, ev);
	json_decref(ev);
	r = zk_txn_commit(X.zk, t);
	if (r < 0 && errno == EEXIST)	/* raced: set it as usual */
		r = zk_put_json(X.zk, path, node, ZK_EPHEMERAL);
	if (r < 0 && errno == ENOENT) {	/* an event bucket went */
		event_forget();
		r = zk_put_json(X.zk, path, node, ZK_EPHEMERAL);
	}
	return r;
}

/*
 * Node data: only what changes rarely, so that instance state changes do
 * not rewrite it (the API derives used resources from the assignments).
 * Written at start and whenever the stored znode differs from it (gone,
 * or changed by someone else); a data watch on the znode brings us back
 * here then.  0, or -1 when ZooKeeper is unreachable (retried).
 */
static int
publish_node(void)
{
	struct rec_executor f = {
		.executor_id = X.executor_id, .hostname = X.hostname,
		.port = X.port, .tags = js_get(X.cfg, "resources.tags"),
		.state = ready_state(),
	};
	json_t *layout = topo_layout_json(&X.topo), *cmp, *node, *stored;
	char path[ZKP_MAX];

	f.layout = layout;
	cmp = rec_executor_new(&f);
	f.updated = js_now_ms();
	node = rec_executor_new(&f);
	json_decref(layout);
	if (!cmp || !node)
		die(EXIT_TEMP, "unable to build the node data");
	zkp_executor(path, X.ns, X.executor_id);
	stored = zk_get_json(X.zk, path, 1, NULL);
	if (stored)
		json_object_set_new(stored, "updated", json_integer(0));
	else if (errno == ENOTCONN)
		goto trouble;
	if (stored && json_equal(stored, cmp)) {
		json_decref(stored);
		json_decref(cmp);
		json_decref(node);
		return 0;
	}
	if (!stored && register_node(path, node, &f) < 0)
		goto trouble;
	json_decref(stored);
	if ((stored && zk_put_json(X.zk, path, node, ZK_EPHEMERAL) < 0) ||
	    zk_exists(X.zk, path, 1) < 0)
		goto trouble;
	info("published '%s'", path);
	json_decref(cmp);
	json_decref(node);
	return 0;
trouble:
	if (errno != ENOTCONN)
		die(EXIT_TEMP, "unable to publish '%s': %s", path,
		    err_text());
	warn("unable to publish '%s': %s", path, err_text());
	json_decref(cmp);
	json_decref(node);
	return -1;
}

/* Instances */
struct inst *
find_inst(const char *id)
{
	struct inst *in;

	for (in = X.list; in; in = in->next)
		if (!strcmp(in->id, id))
			return in;
	return NULL;
}

static void
request_stop(struct inst *in)
{
	if (in->running && !in->stop) {
		info("instance %s: stop requested", in->id);
		in->stop = 1;
		pthread_cond_signal(&in->cv);
	}
}

struct inst *
inst_new(const char *iid, json_t *a)
{
	struct inst *in = xcalloc(1, sizeof *in);
	pthread_condattr_t ca;

	snprintf(in->id, sizeof in->id, "%s", iid);
	in->spec = json_incref(a);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&in->cv, &ca);
	pthread_condattr_destroy(&ca);
	in->next = X.list;
	X.list = in;
	return in;
}

/* Register an assignment; start its thread unless it is already over.
 * adopt: the container to adopt (NULL: run from the start).  X.mu held. */
static void
add_inst(const char *iid, json_t *a, const json_t *ji, const char *adopt)
{
	struct inst *in;
	struct rec_assignment ra = { .app_id = "", .app_name = "",
	    .target = TARGET_RUNNING };
	struct rec_instance ri = { .app_id = "", .state = INST_PENDING,
	    .error = "", .created = js_now_ms() };

	if (a && rec_assignment_read(a, &ra) < 0)
		warn("instance %s: unreadable assignment", iid);
	if (ra.job == JOB_COMPUTATION) {
		task_add(iid, a, &ra, ji, adopt);
		return;
	}
	if (ji && rec_instance_read(ji, &ri) < 0) {
		ri.state = INST_PENDING;
		ri.app_id = "";
	}
	in = inst_new(iid, a);
	in->job = a ? ra.job : ri.job;
	snprintf(in->app_id, sizeof in->app_id, "%s", ra.app_id[0] ?
	    ra.app_id : ri.app_id);
	snprintf(in->app_name, sizeof in->app_name, "%s", ra.app_name);
	in->created = ri.created;
	in->state = ri.state;
	in->written = ji ? (int)ri.state : -1;
	snprintf(in->errmsg, sizeof in->errmsg, "%s", ri.error);
	if (inst_state_is_terminal(ri.state) || !in->app_id[0]) {
		in->finished = 1;	/* nothing to run */
		return;
	}
	if (ra.target != TARGET_RUNNING)
		in->stop = 1;
	if (adopt) {
		in->adopt = 1;
		snprintf(in->container, sizeof in->container, "%s", adopt);
		in->adopt_state = ri.state;
		in->ports = ri.ports ? json_deep_copy(ri.ports) : NULL;
		info("instance %s: adopting container %.12s (%s)", iid, adopt,
		    inst_state_name(ri.state));
	} else
		in->state = INST_PENDING;
	in->running = 1;
	if (pthread_create(&in->th, NULL, inst_main, in) != 0)
		die(EXIT_TEMP, "unable to start a thread");
}

static void
free_inst(struct inst *in)
{
	json_decref(in->spec);
	json_decref(in->ports);
	pthread_cond_destroy(&in->cv);
	free(in);
}

/* Join finished threads; drop entries whose assignment is gone. */
static void
reap(const char *const *names)
{
	struct inst **pp, *in;
	const char *const *n;

	pthread_mutex_lock(&X.mu);
	for (pp = &X.list; (in = *pp);) {
		if (in->running && in->finished) {
			pthread_mutex_unlock(&X.mu);
			pthread_join(in->th, NULL);
			pthread_mutex_lock(&X.mu);
			in->running = 0;
		}
		if (names && !in->running) {
			for (n = names; *n; n++)
				if (!strcmp(*n, in->id))
					break;
			if (!*n) {
				*pp = in->next;
				free_inst(in);
				continue;
			}
		}
		pp = &in->next;
	}
	pthread_mutex_unlock(&X.mu);
}

/* The record assignment ra reports its state in (InstanceInfo,
 * TaskInfo). */
static json_t *
read_info(const struct rec_assignment *ra)
{
	char path[ZKP_MAX];

	if (rec_assignment_info_path(path, X.ns, ra) < 0)
		return NULL;
	return zk_get_json(X.zk, path, 0, NULL);
}

static json_t *
read_assignment(const char *iid, int watch)
{
	char path[ZKP_MAX];

	if (zkp_assignment(path, X.ns, X.executor_id, iid) < 0)
		return NULL;
	return zk_get_json(X.zk, path, watch, NULL);
}

static char **
list_assignments(void)
{
	char dir[ZKP_MAX], **names;

	zkp_executor_assignments(dir, X.ns, X.executor_id);
	if (zk_children(X.zk, dir, 1, &names, NULL) < 0) {
		if (errno == ENOENT && zk_ensure(X.zk, dir) == 0 &&
		    zk_children(X.zk, dir, 1, &names, NULL) == 0)
			return names;
		die(EXIT_TEMP, "unable to list '%s': %s", dir,
		    err_text());
	}
	return names;
}

/* A change below the assignments directory. */
static void
sync_assignments(void)
{
	char **names = list_assignments(), **n;
	struct rec_assignment ra;
	json_t *a, *ji;
	struct inst *in;

	for (n = names; *n; n++) {
		pthread_mutex_lock(&X.mu);
		in = find_inst(*n);
		pthread_mutex_unlock(&X.mu);
		if (in)
			continue;
		if (!(a = read_assignment(*n, 1)))
			continue;
		ji = rec_assignment_read(a, &ra) == 0 ? read_info(&ra) : NULL;
		pthread_mutex_lock(&X.mu);
		add_inst(*n, a, ji, NULL);
		pthread_mutex_unlock(&X.mu);
		json_decref(a);
		json_decref(ji);
	}
	pthread_mutex_lock(&X.mu);
	for (in = X.list; in; in = in->next) {
		for (n = names; *n; n++)
			if (!strcmp(*n, in->id))
				break;
		if (!*n)
			request_stop(in);
	}
	pthread_mutex_unlock(&X.mu);
	reap((const char *const *)names);
	zk_free_names(names);
}

static void
assignment_changed(const char *path)
{
	const char *iid = zkp_base(path);
	json_t *a = read_assignment(iid, 1);
	struct rec_assignment ra;
	struct inst *in;

	pthread_mutex_lock(&X.mu);
	if ((in = find_inst(iid)) && (!a || (rec_assignment_read(a, &ra) ==
	    0 && ra.target != TARGET_RUNNING)))
		request_stop(in);
	pthread_mutex_unlock(&X.mu);
	json_decref(a);
}

/*
 * A decision on the container of a task still assigned and not over
 * (lib/reconcile adopts it, running or exited): the task's thread takes
 * it over, looks whether it still runs, reports its result and removes
 * it (a targetState STOPPED has it killed first).  1 taken (the
 * assignment removed from assigns), 0 not a task's.  X.mu held.
 */
static int
recover_task(const json_t *d, json_t *assigns, const json_t *infos)
{
	const char *iid = js_str(d, "instanceId", ""), *cid = js_str(d,
	    "containerId", "");
	json_t *a = json_object_get(assigns, iid);
	const json_t *ji = json_object_get(infos, iid);
	struct rec_assignment ra;
	struct rec_task ft;

	if (!a || rec_assignment_read(a, &ra) < 0 ||
	    ra.job != JOB_COMPUTATION || !*cid || (ji && rec_task_read(ji,
	    &ft) == 0 && task_state_is_terminal(ft.state)))
		return 0;
	task_add(iid, a, &ra, ji, cid);
	json_object_del(assigns, iid);
	return 1;
}

/* Startup: adopt, kill and mark lost (lib/reconcile), then run the rest. */
static void
recover(void)
{
	json_t *assigns, *infos, *containers, *dec, *d, *a, *lost;
	const char *act, *iid;
	size_t i;

	if (reconcile_gather(X.zk, X.eng, X.executor_id, 1, &containers,
	    &assigns, &infos) < 0)
		die(EXIT_TEMP, "%s", err_text());
	if (!(dec = reconcile_decide(containers, assigns, infos,
	    X.executor_id)))
		die(EXIT_TEMP, "out of memory");
	pthread_mutex_lock(&X.mu);
	json_array_foreach(dec, i, d) {
		act = js_str(d, "action", "");
		iid = js_str(d, "instanceId", "");
		if (recover_task(d, assigns, infos))
			continue;
		if (!strcmp(act, "adopt")) {
			add_inst(iid, json_object_get(assigns, iid),
			    json_object_get(infos, iid),
			    js_str(d, "containerId", ""));
			json_object_del(assigns, iid);
			continue;
		}
		info("instance %s: %s%s%.12s: %s", iid, act,
		    !strcmp(act, "kill") ? " container " : "",
		    js_str(d, "containerId", ""), js_str(d, "reason", ""));
		if (reconcile_apply(X.zk, X.eng, d,
		    json_object_get(infos, iid)) < 0)
			warn("instance %s: %s", iid, err_text());
		if (!strcmp(act, "lost") && (lost = rec_instance_with_state(
		    json_object_get(infos, iid), INST_LOST, RECONCILE_LOST_MSG,
		    js_now_ms())))
			json_object_set_new(infos, iid, lost);
	}
	/* everything else: run from the start, or note it is over */
	json_object_foreach(assigns, iid, a) {
		add_inst(iid, a, json_object_get(infos, iid), NULL);
	}
	pthread_mutex_unlock(&X.mu);
	json_decref(dec);
	json_decref(containers);
	json_decref(assigns);
	json_decref(infos);
}

/*
 * The engine's events for containers labelled drove.instance.id: die (a
 * death, told to the instance thread), destroy (a removal that no death
 * announced: the container vanished), create and start (perhaps a
 * zombie: zombie.c).
 */
static int
on_event(void *arg, const char *line, size_t n)
{
	json_t *ev = js_parse(line, n), *attrs;
	const char *cid, *iid, *act;
	struct inst *in;

	(void)arg;
	if (!ev)
		return 0;
	cid = js_str(js_get(ev, "Actor"), "ID", js_str(ev, "id", ""));
	act = js_str(ev, "Action", js_str(ev, "status", ""));
	attrs = js_get(ev, "Actor.Attributes");
	iid = js_str(attrs, "drove.instance.id", "");
	if (!strcmp(act, "create") || !strcmp(act, "start")) {
		zombie_event(attrs);
		goto out;
	}
	if (!strcmp(act, "destroy")) {
		zombie_destroyed(iid, cid);
		goto out;
	}
	pthread_mutex_lock(&X.mu);
	if ((in = find_inst(iid)) && in->running && in->container[0] &&
	    !strcmp(in->container, cid) && !in->died) {
		in->died = 1;
		in->exit_code = atoi(js_str(attrs, "exitCode", "-1"));
		pthread_cond_signal(&in->cv);
		dbg("instance %s: container %.12s died (%d)", iid, cid,
		    in->exit_code);
	}
	pthread_mutex_unlock(&X.mu);
out:
	json_decref(ev);
	return 0;
}

static void *
events_main(void *arg)
{
	json_t *f = json_pack("{s:[s],s:[s,s,s,s],s:[s]}", "type",
	    "container", "event", "die", "destroy", "create", "start",
	    "label", "drove.instance.id");
	struct timespec ts = { 1, 0 };

	(void)arg;
	for (;;) {
		if (engine_events(X.eng, f, 0, on_event, NULL, NULL) < 0)
			warn("engine events: %s", err_text());
		nanosleep(&ts, NULL);
		zombie_poke();	/* events may have been missed */
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	const char *cfgpath = NULL, *sock;
	struct cfg_files cf = { 0 };
	int c, notif = -1, sfd, again;
	pthread_t evth;
	struct pollfd pfd[3];
	struct zk_event ev;
	int sig;
	long long retry = 0;
	char buf[64];

	PROG = "drove-execd";
	while ((c = getopt(argc, argv, "c:d:hv")) != -1) {
		switch (c) {
		case 'c':
			if (cfg_files_add(&cf, optarg) < 0)
				die(EXIT_USAGE, "%s", err_text());
			cfgpath = cf.name;
			break;
		case 'd':
			if ((notif = notify_parse(optarg)) < 0)
				die(EXIT_USAGE, "bad notification fd '%s'",
				    optarg);
			break;
		case 'h':
			printf("usage: %s\n", USAGE);
			return 0;
		case 'v':
			verbosity++;
			break;
		default:
			dieusage(USAGE);
		}
	}
	if (!cfgpath || optind != argc)
		dieusage(USAGE);
	load_config(&cf);

	if ((sfd = sig_fd((const int[]){ SIGTERM, SIGINT, SIGHUP, 0 })) < 0)
		diesys(EXIT_TEMP, "unable to create a signalfd");
	if (pipe2(X.wake, O_CLOEXEC | O_NONBLOCK) < 0)
		diesys(EXIT_TEMP, "unable to create a pipe");
	pthread_mutex_init(&X.mu, NULL);
	pthread_rwlock_init(&X.zkrw, NULL);

	sock = cfg_docker_socket(X.cfg);
	if (!(X.eng = engine_new(sock, X.cmd_timeout_ms)))
		diesys(EXIT_TEMP, "unable to set up the engine client");
	if (engine_ping(X.eng) < 0)
		die(EXIT_TEMP, "engine at '%s' unreachable: %s", sock,
		    err_text());
	if (!(X.zk = zk_open(cfg_zk_connect(X.cfg), X.ns,
	    cfg_zk_session_ms(X.cfg), 10000)))
		die(EXIT_TEMP, "unable to connect to ZooKeeper at '%s': %s",
		    cfg_zk_connect(X.cfg), err_text());
	if (event_dir_ensure(X.zk, X.ns) < 0)
		die(EXIT_TEMP, "%s", err_text());
	info("executor %s (%s:%d), %d cores, %lld MB", X.executor_id,
	    X.hostname, X.port, topo_total_cores(&X.topo),
	    topo_total_mem_mb(&X.topo));
	if (pthread_create(&evth, NULL, events_main, NULL) != 0)
		die(EXIT_TEMP, "unable to start the events thread");
	recover();
	zombie_start();
	ready_sync();
	ready_eval();
	if (publish_node() < 0)
		die(EXIT_TEMP, "unable to publish the node data");
	notify_ready(notif);

	pfd[0].fd = zk_fd(X.zk);
	pfd[1].fd = sfd;
	pfd[2].fd = X.wake[0];
	for (;;) {
		long long now = mono_ms();
		int timeout = !retry ? -1 : retry > now ? (int)(retry - now) :
		    0;

		pfd[0].events = pfd[1].events = pfd[2].events = POLLIN;
		if (poll(pfd, 3, timeout) < 0) {
			if (errno == EINTR)
				continue;
			diesys(EXIT_TEMP, "poll");
		}
		if (pfd[1].revents & POLLIN) {
			while ((sig = sig_read(sfd)) > 0)
				if (sig == SIGTERM || sig == SIGINT) {
					info("exiting; containers keep "
					    "running");
					task_flush(2000);
					pthread_rwlock_wrlock(&X.zkrw);
					X.closing = 1;
					zk_close(X.zk);
					/* instance threads are still
					   running: no exit handlers */
					_exit(0);
				}
		}
		again = retry && mono_ms() >= retry;
		if (pfd[0].revents & POLLIN) {
			char dir[ZKP_MAX], node[ZKP_MAX];

			zkp_executor_assignments(dir, X.ns, X.executor_id);
			zkp_executor(node, X.ns, X.executor_id);
			while (zk_next_event(X.zk, &ev) == 1) {
				switch (ev.type) {
				case ZK_EV_EXPIRED:
					die(EXIT_TEMP, "ZooKeeper session "
					    "expired");
				case ZK_EV_CONNECTED:
					again = 1;
					ready_sync();
					break;
				case ZK_EV_CHILD:
					if (!strcmp(ev.path, dir))
						sync_assignments();
					else if (ready_path(ev.path))
						ready_sync();
					break;
				case ZK_EV_CHANGED:
				case ZK_EV_DELETED:
				case ZK_EV_CREATED:
					if (!strcmp(ev.path, node))
						again = 1;
					else if (ready_path(ev.path))
						ready_sync();
					else if (!strncmp(ev.path, dir,
					    strlen(dir)) && ev.path[strlen(
					    dir)] == '/')
						assignment_changed(ev.path);
					break;
				default:
					break;
				}
			}
		}
		if (pfd[2].revents & POLLIN) {
			while (read(X.wake[0], buf, sizeof buf) > 0)
				;
			reap(NULL);
		}
		if (ready_eval())	/* ready_sync()'s or a thread's news */
			again = 1;
		if (again)
			retry = publish_node() < 0 ? mono_ms() + RETRY_MS : 0;
	}
}
