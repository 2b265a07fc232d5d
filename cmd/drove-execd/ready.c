/*
 * The executor's own state (drove.md §4.5, Drove's ExecutorStateManager):
 * UNREADY from the start until every required local-service instance on
 * it is HEALTHY, then ACTIVE until the executor restarts.  Required: for
 * every LocalServiceInfo /<ns>/localservices/<serviceId> whose
 * activationState is ACTIVE, instancesPerHost instances of that service
 * assigned to this executor.  No ACTIVE local service: ACTIVE at once.
 * Drove polls every second; we watch the directory and each record while
 * UNREADY, and look again whenever an instance thread changes state.
 * While it waits, one line says why, each time the reason changes.
 * Main thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "execd.h"
#include "model.h"
#include "zkpath.h"

struct need {
	char id[256];		/* serviceId */
	long long per_host;	/* instancesPerHost */
};

static struct need *needs;	/* the ACTIVE services, as last read */
static size_t nneeds;
static int synced;		/* needs were read at least once */
static enum executor_state state = EXECUTOR_UNREADY;
static char *reason;		/* why UNREADY, as last logged */

int
ready_path(const char *path)
{
	char dir[ZKP_MAX];
	size_t n;

	zkp_localservices_dir(dir, X.ns);
	n = strlen(dir);
	return !strncmp(path, dir, n) && (!path[n] || path[n] == '/');
}

enum executor_state
ready_state(void)
{
	return state;
}

/* Re-read the directory and every LocalServiceInfo in it, watching them;
 * keeps what it had when ZooKeeper does not answer (the reconnection
 * brings us back here). */
void
ready_sync(void)
{
	char dir[ZKP_MAX], path[ZKP_MAX], **names, **n;
	enum ls_activation act;
	struct need *nv;
	size_t k = 0, cnt;
	json_t *j;

	if (state == EXECUTOR_ACTIVE)
		return;		/* for good: no more watches */
	zkp_localservices_dir(dir, X.ns);
	if (zk_children(X.zk, dir, 1, &names, NULL) < 0 && (errno != ENOENT ||
	    zk_ensure(X.zk, dir) < 0 || zk_children(X.zk, dir, 1, &names,
	    NULL) < 0)) {
		warn("unable to list '%s': %s", dir, err_text());
		return;
	}
	for (cnt = 0; names[cnt]; cnt++)
		;
	nv = xcalloc(cnt + 1, sizeof *nv);
	for (n = names; *n; n++) {
		if (zkp_localservice(path, X.ns, *n) < 0)
			continue;
		if (!(j = zk_get_json(X.zk, path, 1, NULL))) {
			if (errno == ENOENT || errno == EINVAL)
				continue;	/* gone, or not JSON */
			warn("unable to read '%s': %s", path, err_text());
			free(nv);
			zk_free_names(names);
			return;
		}
		if (ls_activation_parse(js_str(j, "activationState", ""),
		    &act) == 0 && act == LS_ACTIVE) {
			snprintf(nv[k].id, sizeof nv[k].id, "%s", *n);
			nv[k].per_host = js_int(j, "instancesPerHost", 1);
			k++;
		}
		json_decref(j);
	}
	zk_free_names(names);
	free(needs);
	needs = nv;
	nneeds = k;
	synced = 1;
}

/* HEALTHY instances of service sid on this executor; X.mu held. */
static long long
healthy(const char *sid)
{
	struct inst *in;
	long long c = 0;

	for (in = X.list; in; in = in->next)
		if (in->job == JOB_LOCAL_SERVICE && in->state == INST_HEALTHY &&
		    !strcmp(in->app_id, sid))
			c++;
	return c;
}

int
ready_eval(void)
{
	struct buf why = BUF_ZERO;
	long long h;
	size_t i;

	if (state == EXECUTOR_ACTIVE || !synced)
		return 0;
	pthread_mutex_lock(&X.mu);
	for (i = 0; i < nneeds; i++)
		if ((h = healthy(needs[i].id)) < needs[i].per_host)
			buf_addf(&why, "%slocal service %s has %lld of %lld "
			    "instances HEALTHY", why.len ? "; " : "",
			    needs[i].id, h, needs[i].per_host);
	pthread_mutex_unlock(&X.mu);
	if (why.len) {
		if (!reason || strcmp(reason, why.s)) {
			info("executor UNREADY: %s", why.s);
			free(reason);
			reason = xstrdup(why.s);
		}
		buf_free(&why);
		return 0;
	}
	info("executor ACTIVE%s", nneeds ? ": its local services are "
	    "HEALTHY" : "");
	state = EXECUTOR_ACTIVE;
	free(needs);
	needs = NULL;
	nneeds = 0;
	free(reason);
	reason = NULL;
	return 1;
}
