/*
 * The zombie reaper (drove.md §6.9), running all the time, not only at
 * start: a sweep every zombieCheckInterval (Drove's one minute) and one
 * whenever the engine creates or starts a labelled container that none of
 * our instance threads owns.  A sweep
 *   - kills and removes every container labelled for this executor (or
 *     for no executor) that lib/reconcile's decision says to kill and no
 *     instance thread of ours owns (not while the cluster is in its
 *     maintenance window);
 *   - tells each instance thread whose container should be running
 *     (UNREADY, READY, HEALTHY) but is no longer listed by the engine that
 *     its container vanished: the thread reports it LOST.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "execd.h"
#include "reconcile.h"
#include "record.h"
#include "sig.h"
#include "zkpath.h"

static pthread_mutex_t zmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t zcv;
static pthread_once_t zonce = PTHREAD_ONCE_INIT;
static int poked;		/* (zmu) a sweep is wanted now */

static void
zinit(void)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&zcv, &ca);
	pthread_condattr_destroy(&ca);
}

void
zombie_poke(void)
{
	pthread_once(&zonce, zinit);
	pthread_mutex_lock(&zmu);
	poked = 1;
	pthread_cond_signal(&zcv);
	pthread_mutex_unlock(&zmu);
}

/*
 * In the maintenance window (lib/record cluster_in_window: state
 * MAINTENANCE, or within 40 s of the last set or unset).  A missing node
 * is NORMAL; an unreadable one counts as maintenance (reaping can wait for
 * the next sweep).
 */
static int
in_maintenance(void)
{
	char path[ZKP_MAX];
	json_t *m;
	int r;

	if (zkp_maintenance(path, X.ns) < 0)
		return 0;
	if (!(m = zk_get_json(X.zk, path, 0, NULL)))
		return errno == ENOENT ? 0 : 1;
	r = cluster_in_window(m, js_now_ms());
	json_decref(m);
	return r;
}

/* Our thread for instance iid owns its containers.  X.mu held. */
static int
owned(const char *iid)
{
	struct inst *in = find_inst(iid);

	return in && in->running;
}

static int
listed(const json_t *cs, const char *cid)
{
	size_t i, n = strlen(cid);
	json_t *c;

	json_array_foreach(cs, i, c) {
		if (n && !strncmp(js_str(c, "Id", ""), cid, n))
			return 1;
	}
	return 0;
}

/* A thread's container should exist (X.mu held): it is past STARTING and
 * the thread has not begun stopping or removing it (every path that
 * removes it changes the state or sets stop/died first). */
static int
expects_container(const struct inst *in)
{
	if (in->job == JOB_COMPUTATION)		/* a task (task.c) */
		return in->running && !in->finished && !in->died &&
		    !in->stop && in->container[0] &&
		    in->tstate == TASK_RUNNING;
	return in->running && !in->finished && !in->died && !in->stop &&
	    in->container[0] && (in->state == INST_UNREADY ||
	    in->state == INST_READY || in->state == INST_HEALTHY);
}

/* X.mu held. */
static void
vanished(struct inst *in)
{
	info("instance %s: container %.12s vanished", in->id, in->container);
	in->died = 1;
	in->vanished = 1;
	pthread_cond_signal(&in->cv);
}

static void
sweep(void)
{
	json_t *cs, *as, *infos, *dec, *d;
	const char *iid, *cid;
	struct inst *in;
	int maint, r;
	size_t i;

	pthread_rwlock_rdlock(&X.zkrw);
	if (X.closing) {
		pthread_rwlock_unlock(&X.zkrw);
		return;
	}
	maint = in_maintenance();
	r = reconcile_gather(X.zk, X.eng, X.executor_id, 0, &cs, &as,
	    &infos);
	pthread_rwlock_unlock(&X.zkrw);
	if (r < 0) {
		warn("zombie check: %s", err_text());
		return;
	}
	pthread_mutex_lock(&X.mu);
	for (in = X.list; in; in = in->next)
		if (expects_container(in) && !listed(cs, in->container))
			vanished(in);
	pthread_mutex_unlock(&X.mu);
	if (!(dec = reconcile_decide(cs, as, infos, X.executor_id)))
		die(EXIT_TEMP, "out of memory");
	json_array_foreach(dec, i, d) {
		if (strcmp(js_str(d, "action", ""), "kill"))
			continue;
		iid = js_str(d, "instanceId", "");
		cid = js_str(d, "containerId", "");
		pthread_mutex_lock(&X.mu);
		r = owned(iid);
		pthread_mutex_unlock(&X.mu);
		if (r)
			continue;
		if (maint) {
			info("instance %s: zombie container %.12s kept: "
			    "cluster in maintenance", iid, cid);
			continue;
		}
		info("instance %s: killing zombie container %.12s: %s", iid,
		    cid, js_str(d, "reason", ""));
		if (reconcile_apply(X.zk, X.eng, d, NULL) < 0)
			warn("instance %s: %s", iid, err_text());
	}
	json_decref(dec);
	json_decref(cs);
	json_decref(as);
	json_decref(infos);
}

static void *
zombie_main(void *arg)
{
	struct timespec dl;

	(void)arg;
	for (;;) {
		deadline_after(&dl, CLOCK_MONOTONIC, X.zombie_check_ms);
		pthread_mutex_lock(&zmu);
		while (!poked && pthread_cond_timedwait(&zcv, &zmu, &dl) !=
		    ETIMEDOUT)
			;
		poked = 0;
		pthread_mutex_unlock(&zmu);
		sweep();
	}
	return NULL;
}

/* A destroy event: no die event came first (a die is handled as a
 * death), so the container was removed behind our back. */
void
zombie_destroyed(const char *iid, const char *cid)
{
	struct inst *in;

	pthread_mutex_lock(&X.mu);
	if ((in = find_inst(iid)) && expects_container(in) &&
	    !strcmp(in->container, cid))
		vanished(in);
	pthread_mutex_unlock(&X.mu);
}

/* A create or start event of a container labelled drove.instance.id. */
void
zombie_event(const json_t *attrs)
{
	const char *iid = js_str(attrs, "drove.instance.id", ""),
	    *eid = js_str(attrs, "drove.executor.id", NULL);
	int mine;

	if (eid && strcmp(eid, X.executor_id))
		return;		/* another executor's */
	pthread_mutex_lock(&X.mu);
	mine = owned(iid);
	pthread_mutex_unlock(&X.mu);
	if (!mine)
		zombie_poke();
}

void
zombie_start(void)
{
	pthread_t th;

	pthread_once(&zonce, zinit);
	if (pthread_create(&th, NULL, zombie_main, NULL) != 0)
		die(EXIT_TEMP, "unable to start the zombie reaper");
}
