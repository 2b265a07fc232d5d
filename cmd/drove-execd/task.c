/*
 * task.c: one thread per task (an assignment of jobType COMPUTATION),
 * through Drove's task states (drove.md §4.3):
 *   PENDING -> PROVISIONING (pull unless present) -> STARTING (create,
 *   labelled drove.job.type=COMPUTATION, with the task env of §6.3) ->
 *   RUNNING -> (its exit, from the engine's event stream) RUN_COMPLETED
 *   -> DEPROVISIONING (the container removed) -> STOPPED,
 * with taskResult: exit 0 SUCCESSFUL/0; exit N FAILED/N "Task instance
 * exited with status: N"; targetState STOPPED: docker kill, CANCELLED/-1;
 * the container vanished: LOST/-1 (state LOST); a run error FAILED/-1
 * (through PROVISIONING_FAILED or RUN_FAILED).  Each state is written to
 * the TaskInfo (/<ns>/tasks/<sourceAppName>/<taskId>) with its
 * TASK_STATE_CHANGE event.  The output goes to
 * <logPath>/<sourceAppName>/<taskId>/output.log.
 * After a restart of drove-execd a running container is adopted (RUNNING,
 * its exit awaited), an exited one reported with its result and removed;
 * a task past PROVISIONING without a container is LOST.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "err.h"
#include "event.h"
#include "execd.h"
#include "record.h"
#include "sig.h"
#include "zkpath.h"

#define DRAIN_MS 5000		/* the output of an exited container */
#define LOST_MSG "Container not found on executor restart"

json_t *
task_info(struct inst *in)
{
	json_t *ti = rec_task_new(&(struct rec_task){
	    .source_app = in->app_id, .task_id = in->task_id,
	    .instance_id = in->id, .executor_id = X.executor_id,
	    .hostname = X.hostname,
	    .executable = json_object_get(in->spec, "executable"),
	    .resources = json_object_get(in->spec, "resources"),
	    .volumes = json_object_get(in->spec, "volumes"),
	    .logging = json_object_get(in->spec, "loggingSpec"),
	    .env = json_object_get(in->spec, "env"), .state = in->tstate,
	    .has_result = in->has_result, .result = in->result,
	    .error = in->errmsg, .created = in->created,
	    .updated = js_now_ms() });

	if (!ti)
		die(EXIT_TEMP, "out of memory");
	return ti;
}

/*
 * The TaskInfo writes: a task's thread queues them, in order, and goes
 * on with the engine while one writer thread puts them in ZooKeeper
 * (each an fsync of ZooKeeper's log), so that a task that ends at once
 * does not wait for its PROVISIONING and STARTING writes before its
 * container is created.  What queued up while a write was under way goes
 * in one transaction (up to WRITE_BATCH TaskInfos with their events); a
 * transaction that fails is done again one write at a time.  A thread
 * ends only once its writes are done.
 */
#define WRITE_BATCH 8
struct twrite {
	struct twrite *next;
	struct inst *in;
	json_t *ti, *ev;		/* ev NULL: no event */
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* a write queued or done */
	struct twrite *head, **tail;
	pthread_once_t once;
} W = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL,
	PTHREAD_ONCE_INIT };

static void
put(struct twrite *w)
{
	char path[ZKP_MAX];
	int r;

	pthread_rwlock_rdlock(&X.zkrw);
	if (!X.closing) {
		r = zkp_task(path, X.ns, w->in->app_id, w->in->task_id);
		if (r == 0)
			r = w->ev ? event_put(X.zk, path, w->ti, w->ev) :
			    zk_put_json(X.zk, path, w->ti, 0);
		if (r < 0)
			warn("unable to write '%s': %s", path, err_text());
	}
	pthread_rwlock_unlock(&X.zkrw);
}

/* The writes of batch b[0..n) in one transaction; 0, or -1. */
static int
put_batch(struct twrite **b, int n)
{
	char path[ZKP_MAX];
	struct zk_txn *t;
	int i, r = -1;

	pthread_rwlock_rdlock(&X.zkrw);
	if (!X.closing) {
		t = zk_txn_new(NULL);
		for (i = 0; i < n; i++) {
			if (zkp_task(path, X.ns, b[i]->in->app_id,
			    b[i]->in->task_id) < 0)
				break;
			zk_txn_set(t, path, b[i]->ti, -1);
			if (b[i]->ev)
				event_add(X.zk, t, b[i]->ev);
		}
		if (i == n)
			r = zk_txn_commit(X.zk, t);
		else
			zk_txn_free(t);
	}
	pthread_rwlock_unlock(&X.zkrw);
	return r;
}

static void *
writer_main(void *arg)
{
	struct twrite *b[WRITE_BATCH];
	int i, n;

	(void)arg;
	pthread_mutex_lock(&W.mu);
	for (;;) {
		while (!W.head)
			pthread_cond_wait(&W.cv, &W.mu);
		for (n = 0; n < WRITE_BATCH && W.head; n++) {
			b[n] = W.head;
			W.head = b[n]->next;
		}
		if (!W.head)
			W.tail = &W.head;
		pthread_mutex_unlock(&W.mu);
		if (n == 1 || put_batch(b, n) < 0)
			for (i = 0; i < n; i++)
				put(b[i]);
		pthread_mutex_lock(&W.mu);
		for (i = 0; i < n; i++) {
			b[i]->in->queued--;
			json_decref(b[i]->ti);
			json_decref(b[i]->ev);
			free(b[i]);
		}
		pthread_cond_broadcast(&W.cv);
	}
	return NULL;
}

static void
writer_start(void)
{
	pthread_t th;

	W.tail = &W.head;
	if (pthread_create(&th, NULL, writer_main, NULL) != 0)
		die(EXIT_TEMP, "unable to start the TaskInfo writer");
}

/* Wait until in's writes are done (ms < 0: for ever); in NULL: all. */
static void
writes_wait(struct inst *in, long long ms)
{
	struct timespec dl;

	deadline_after(&dl, CLOCK_REALTIME, ms);
	pthread_mutex_lock(&W.mu);
	while (in ? in->queued : W.head != NULL)
		if (ms < 0)
			pthread_cond_wait(&W.cv, &W.mu);
		else if (pthread_cond_timedwait(&W.cv, &W.mu, &dl) ==
		    ETIMEDOUT)
			break;
	pthread_mutex_unlock(&W.mu);
}

void
task_flush(long long ms)
{
	if (W.tail)
		writes_wait(NULL, ms);
}

/* Enter state s (errorMessage err unless NULL, result res unless NULL):
 * the TaskInfo queued for writing, with its event when s is new. */
static void
set_tstate(struct inst *in, enum task_state s, const char *err,
    const struct rec_task_result *res)
{
	struct twrite *w = xcalloc(1, sizeof *w);

	pthread_once(&W.once, writer_start);
	pthread_mutex_lock(&X.mu);
	in->tstate = s;
	if (err)
		snprintf(in->errmsg, sizeof in->errmsg, "%s", err);
	if (res) {
		in->has_result = 1;
		in->result = *res;
	}
	w->in = in;
	w->ti = task_info(in);
	if ((int)s != in->written && !(w->ev = rec_event_task_state(w->ti,
	    js_now_ms())))
		die(EXIT_TEMP, "out of memory");
	in->written = s;
	pthread_mutex_unlock(&X.mu);
	info("task %s-%s (%s): %s%s%s", in->app_id, in->task_id, in->id,
	    task_state_name(s), err ? ": " : "", err ? err : "");
	pthread_mutex_lock(&W.mu);
	in->queued++;
	*W.tail = w;
	W.tail = &w->next;
	pthread_cond_broadcast(&W.cv);
	pthread_mutex_unlock(&W.mu);
	inst_wake_main();
}

static void
remove_container(struct inst *in)
{
	char cid[96];

	pthread_mutex_lock(&X.mu);
	snprintf(cid, sizeof cid, "%s", in->container);
	pthread_mutex_unlock(&X.mu);
	if (cid[0] && engine_remove(X.eng, cid, 1, 1) < 0 && errno != ENOENT)
		warn("task %s: unable to remove container %.12s: %s", in->id,
		    cid, err_text());
	set_container(in, NULL);
}

/* The end: DEPROVISIONING (the container removed, the image too unless
 * cached), then STOPPED with result res. */
static void
deprovision(struct inst *in, const struct rec_task_result *res)
{
	const char *image = js_str(js_get(in->spec, "executable"), "url",
	    NULL);

	set_tstate(in, TASK_DEPROVISIONING, NULL, NULL);
	logs_stop(in);
	remove_container(in);
	if (!X.cache_images && image && engine_image_remove(X.eng, image,
	    0) < 0 && errno != ENOENT)
		dbg("task %s: image %s kept: %s", in->id, image, err_text());
	set_tstate(in, TASK_STOPPED, NULL, res);
}

/* The exit code of a container that is not running: 1 and *code, 0 it
 * runs (or is being removed), 2 it was never started, -1 it is gone. */
static int
exited(const char *cid, int *code)
{
	json_t *ci = engine_inspect(X.eng, cid), *st;
	int r;

	if (!ci)
		return -1;
	st = json_object_get(ci, "State");
	r = !strcmp(js_str(st, "Status", ""), "created") ? 2 :
	    !js_bool(st, "Running", 0) && strcmp(js_str(st, "Status", ""),
	    "removing");
	*code = (int)js_int(st, "ExitCode", -1);
	json_decref(ci);
	return r;
}

static void
lifecycle(struct inst *in)
{
	struct rec_task_result cancelled = { TASK_RESULT_CANCELLED, -1 };
	struct rec_task_result failed = { TASK_RESULT_FAILED, -1 };
	struct rec_task_result lost = { TASK_RESULT_LOST, -1 };
	struct rec_task_result res;
	char err[600], msg[96], cid[96];
	int w, code, gone;

	err[0] = 0;
	if (in->lost_on_start) {
		set_tstate(in, TASK_LOST, LOST_MSG, &lost);
		return;
	}
	if (in->adopt) {
		/* its end may have come while no one watched */
		w = exited(in->container, &code);
		info("task %s: adopting container %.12s (%s)", in->id,
		    in->container, w < 0 ? "gone" : w == 2 ? "created" : w ?
		    "exited" : "running");
		if (w < 0) {
			set_container(in, NULL);
			set_tstate(in, TASK_LOST, "Container vanished", &lost);
			return;
		}
		if (w == 2) {	/* created, the start never came */
			set_tstate(in, TASK_RUN_FAILED, "Container was never "
			    "started", &failed);
			deprovision(in, &failed);
			return;
		}
		if (w) {
			pthread_mutex_lock(&X.mu);
			in->died = 1;
			in->exit_code = code;
			pthread_mutex_unlock(&X.mu);
		} else
			logs_start(in, in->container, js_now_ms() / 1000);
		set_tstate(in, TASK_RUNNING, NULL, NULL);
		goto running;
	}
	if (wait_for(in, 0) != W_TIMEOUT) {
		set_tstate(in, TASK_STOPPED, "Task cancelled", &cancelled);
		return;
	}
	set_tstate(in, TASK_PROVISIONING, NULL, NULL);
	if (provision(in, err, sizeof err) < 0) {
		set_tstate(in, TASK_PROVISIONING_FAILED, err, &failed);
		deprovision(in, &failed);
		return;
	}
	if (wait_for(in, 0) != W_TIMEOUT) {
		deprovision(in, &cancelled);
		return;
	}
	set_tstate(in, TASK_STARTING, NULL, NULL);
	if (start_container(in, err, sizeof err) < 0) {
		set_tstate(in, TASK_RUN_FAILED, err, &failed);
		deprovision(in, &failed);
		return;
	}
	logs_start(in, in->container, 0);
	set_tstate(in, TASK_RUNNING, NULL, NULL);
running:
	w = wait_for(in, -1);
	pthread_mutex_lock(&X.mu);
	snprintf(cid, sizeof cid, "%s", in->container);
	code = in->exit_code;
	gone = in->vanished;
	pthread_mutex_unlock(&X.mu);
	if (w == W_STOP) {
		info("task %s: killing container %.12s", in->id, cid);
		if (cid[0] && engine_kill(X.eng, cid, "KILL") < 0 &&
		    errno != ENOENT)
			dbg("task %s: kill: %s", in->id, err_text());
		set_tstate(in, TASK_RUN_COMPLETED, "Task cancelled",
		    &cancelled);
		deprovision(in, &cancelled);
		return;
	}
	if (gone || (cid[0] && container_removed(cid))) {
		logs_stop(in);
		set_container(in, NULL);
		set_tstate(in, TASK_LOST, "Container vanished", &lost);
		return;
	}
	res.status = code == 0 ? TASK_RESULT_SUCCESSFUL : TASK_RESULT_FAILED;
	res.exit_code = code;
	msg[0] = 0;
	if (code)
		snprintf(msg, sizeof msg, "Task instance exited with status: "
		    "%d", code);
	logs_drain(in, DRAIN_MS);
	set_tstate(in, TASK_RUN_COMPLETED, code ? msg : NULL, &res);
	deprovision(in, &res);
}

static void *
task_main(void *arg)
{
	struct inst *in = arg;

	lifecycle(in);
	logs_stop(in);
	writes_wait(in, -1);
	pthread_mutex_lock(&X.mu);
	in->finished = 1;
	pthread_mutex_unlock(&X.mu);
	inst_wake_main();
	return NULL;
}

void
task_add(const char *iid, json_t *a, const struct rec_assignment *ra,
    const json_t *ji, const char *adopt)
{
	struct inst *in = inst_new(iid, a);
	struct rec_task ft = { .state = TASK_PENDING, .error = "",
	    .created = js_now_ms() };

	if (ji && rec_task_read(ji, &ft) < 0) {
		ft.state = TASK_PENDING;
		ft.error = "";
	}
	in->job = JOB_COMPUTATION;
	snprintf(in->app_id, sizeof in->app_id, "%s", ra->app_id);
	snprintf(in->app_name, sizeof in->app_name, "%s", ra->app_name);
	snprintf(in->task_id, sizeof in->task_id, "%s", ra->task_id);
	in->created = ft.created;
	in->tstate = ft.state;
	in->has_result = ft.has_result;
	in->result = ft.result;
	in->written = ji ? (int)ft.state : -1;
	snprintf(in->errmsg, sizeof in->errmsg, "%s", ft.error);
	if (task_state_is_terminal(ft.state)) {
		in->finished = 1;	/* nothing to run */
		return;
	}
	if (ra->target != TARGET_RUNNING)
		in->stop = 1;
	if (adopt) {
		in->adopt = 1;
		snprintf(in->container, sizeof in->container, "%s", adopt);
	} else if (ft.state != TASK_PENDING &&
	    ft.state != TASK_PROVISIONING)
		in->lost_on_start = 1;
	in->running = 1;
	if (pthread_create(&in->th, NULL, task_main, in) != 0)
		die(EXIT_TEMP, "unable to start a thread");
}
