/*
 * drove-monitor: keeps each application at its expected instance count
 * (leader only).  Reads /drove/applications/<appId>, /drove/requests/<iid>,
 * /drove/instances/<appId>/<iid> and their assignments; writes, fenced by
 * $DROVE_LEADER_ZNODE: new /drove/requests/<iid> (scale up, replacements),
 * deletes surplus requests, sets targetState STOPPED on surplus
 * assignments and on those of removed apps, and deletes the assignment
 * of every instance in a terminal state.
 * Exit: 0 SIGTERM, 100 usage or config, 111 ZooKeeper trouble or
 * leadership lost.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "sig.h"
#include "ids.h"
#include "json.h"
#include "model.h"
#include "notify.h"
#include "zk.h"
#include "zkpath.h"

#define USAGE "drove-monitor -c controller.yml [ -d notif ] [ -v ]"
#define RESYNC_MS 30000
#define RETRY_MS 1000

/* A sorted set of strings. */
struct set {
	char **s;
	int n, cap;
};
#define SET_ZERO { NULL, 0, 0 }

static struct ctx {
	struct zk *z;
	const char *ns;
	const char *fence;
	int dirty, retry;
	long long next_pass;
	struct set done;	/* terminal instances without assignment */
} C;

struct req {
	char *id, *app;
	long long created;
};

struct inst {
	char *id;
	const char *state;	/* borrowed from info */
	json_t *info, *asg;	/* asg NULL: no assignment */
	int asg_version;
	char asg_path[ZKP_MAX];
	long long created;
};


static int
set_find(const struct set *s, const char *k, int *at)
{
	int lo = 0, hi = s->n, mid, c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(s->s[mid], k);
		if (!c) {
			*at = mid;
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return 0;
}

static int
set_has(const struct set *s, const char *k)
{
	int at;

	return set_find(s, k, &at);
}

static void
set_add(struct set *s, const char *k)
{
	int at;

	if (set_find(s, k, &at))
		return;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->s = xrealloc(s->s, s->cap * sizeof *s->s);
	}
	memmove(&s->s[at + 1], &s->s[at], (s->n - at) * sizeof *s->s);
	s->s[at] = xstrdup(k);
	s->n++;
}

static void
set_free(struct set *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		free(s->s[i]);
	free(s->s);
	memset(s, 0, sizeof *s);
}

/* ENOTCONN: retry later; anything else unexpected: restart. */
static int
zk_trouble(const char *what, const char *path)
{
	if (errno == ENOTCONN) {
		warn("unable to %s '%s': %s", what, path, zk_last_error());
		C.retry = 1;
		return -1;
	}
	die(EXIT_TEMP, "unable to %s '%s': %s", what, path, zk_last_error());
}

static int
commit(struct zk_txn *t, const char *what, const char *app)
{
	if (!t)
		die(EXIT_TEMP, "out of memory");
	if (zk_txn_commit(C.z, t) == 0)
		return 0;
	if (errno == EPERM)
		die(EXIT_TEMP, "app %s: unable to %s: %s", app, what,
		    zk_last_error());
	warn("app %s: unable to %s: %s", app, what, zk_last_error());
	C.retry = 1;
	return -1;
}

/* Children of path with a watch (an exists watch when it is missing).
 * 0 and *names (NULL when missing), -1 on ENOTCONN. */
static int
children(const char *path, char ***names)
{
	*names = NULL;
	if (zk_children(C.z, path, 1, names, NULL) == 0)
		return 0;
	if (errno != ENOENT)
		return zk_trouble("list", path);
	if (zk_exists(C.z, path, 1) < 0)
		return zk_trouble("watch", path);
	return 0;
}

static int
cmp_created_desc(long long a, long long b, const char *x, const char *y)
{
	if (a != b)
		return a > b ? -1 : 1;
	return strcmp(y, x);
}

static int
cmp_req_newest(const void *a, const void *b)
{
	const struct req *x = *(struct req *const *)a;
	const struct req *y = *(struct req *const *)b;

	return cmp_created_desc(x->created, y->created, x->id, y->id);
}

/* Stop order: non-HEALTHY first, then newest. */
static int
cmp_stop(const void *a, const void *b)
{
	const struct inst *x = *(struct inst *const *)a;
	const struct inst *y = *(struct inst *const *)b;
	int hx = !strcmp(x->state, "HEALTHY"), hy = !strcmp(y->state, "HEALTHY");

	if (hx != hy)
		return hx - hy;
	return cmp_created_desc(x->created, y->created, x->id, y->id);
}

static void
insts_free(struct inst *in, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(in[i].id);
		json_decref(in[i].info);
		json_decref(in[i].asg);
	}
	free(in);
}

/* Load the app's instances (watched) and their assignments. */
static int
load_instances(const char *app, struct set *seen, struct inst **out,
    int *nout)
{
	char p[ZKP_MAX];
	char **names;
	struct inst *in;
	const char *eid;
	int i, n = 0;

	*out = NULL;
	*nout = 0;
	if (zkp_app_instances(p, C.ns, app) < 0 || children(p, &names) < 0)
		return -1;
	if (!names)
		return 0;
	for (i = 0; names[i]; i++)
		;
	in = xcalloc(i + 1, sizeof *in);
	for (i = 0; names[i]; i++) {
		struct inst *x = &in[n];

		if (set_has(&C.done, names[i])) {
			set_add(seen, names[i]);
			continue;
		}
		if (zkp_instance(p, C.ns, app, names[i]) < 0)
			continue;
		if (!(x->info = zk_get_json(C.z, p, 1, NULL))) {
			if (errno == ENOENT)
				continue;
			if (errno == EINVAL) {
				warn("app %s: instance %s: bad JSON", app,
				    names[i]);
				continue;
			}
			goto trouble;
		}
		x->id = xstrdup(names[i]);
		x->state = js_str(x->info, "state", "UNKNOWN");
		x->created = js_int(x->info, "created", 0);
		eid = js_str(x->info, "executorId", NULL);
		n++;
		if (!eid || zkp_assignment(x->asg_path, C.ns, eid,
		    names[i]) < 0)
			continue;
		x->asg = zk_get_json(C.z, x->asg_path, 0, &x->asg_version);
		if (!x->asg && errno != ENOENT && errno != EINVAL) {
			snprintf(p, sizeof p, "%s", x->asg_path);
			goto trouble;
		}
	}
	zk_free_names(names);
	*out = in;
	*nout = n;
	return 0;
trouble:
	zk_free_names(names);
	insts_free(in, n);
	return zk_trouble("read", p);
}

static int
stop_assignments(const char *app, struct inst **v, int n)
{
	struct zk_txn *t;
	json_t *a;
	int i, rc;

	if (!n)
		return 0;
	t = zk_txn_new(C.fence);
	for (i = 0; i < n; i++) {
		a = json_deep_copy(v[i]->asg);
		json_object_set_new(a, "targetState", json_string("STOPPED"));
		zk_txn_set(t, v[i]->asg_path, a, v[i]->asg_version);
		json_decref(a);
	}
	rc = commit(t, "stop instances", app);
	if (rc == 0)
		for (i = 0; i < n; i++)
			info("app %s: stopping %s (%s)", app, v[i]->id,
			    v[i]->state);
	return rc;
}

static int
delete_requests(const char *app, struct req **r, int n, const char *why)
{
	char p[ZKP_MAX];
	struct zk_txn *t;
	int i;

	if (!n)
		return 0;
	t = zk_txn_new(C.fence);
	for (i = 0; i < n; i++) {
		zkp_request(p, C.ns, r[i]->id);
		zk_txn_delete(t, p, -1);
	}
	if (commit(t, "delete requests", app) < 0)
		return -1;
	info("app %s: %s %d pending request%s", app, why, n,
	    n == 1 ? "" : "s");
	return 0;
}

static int
create_requests(const char *app, long long k)
{
	char p[ZKP_MAX], iid[IDS_INSTANCE_LEN];
	struct zk_txn *t;
	json_t *r;
	long long i, now = js_now_ms();

	zkp_requests_dir(p, C.ns);
	if (zk_ensure(C.z, p) < 0)
		return zk_trouble("create", p);
	t = zk_txn_new(C.fence);
	for (i = 0; i < k; i++) {
		if (ids_instance(iid, "AI-") < 0)
			diesys(EXIT_TEMP, "unable to make an instance id");
		zkp_request(p, C.ns, iid);
		r = json_pack("{s:s, s:s, s:I}", "appId", app, "instanceId",
		    iid, "created", (json_int_t)now);
		zk_txn_create(t, p, r, 0);
		json_decref(r);
	}
	if (commit(t, "create requests", app) < 0)
		return -1;
	info("app %s: starting %lld instance%s", app, k, k == 1 ? "" : "s");
	return 0;
}

/*
 * Bring one app to its count.  info is the ApplicationInfo, NULL when the
 * app is gone; reqs are its pending requests.
 */
static void
reconcile(const char *app, const json_t *appinfo, struct req **reqs,
    int nreq, struct set *seen)
{
	struct inst *in, **run;
	struct zk_txn *t;
	long long want, have;
	int i, n, nrun = 0, dup;

	if (load_instances(app, seen, &in, &n) < 0)
		return;
	run = xcalloc(n + 1, sizeof *run);
	for (i = 0; i < n; i++) {
		struct inst *x = &in[i];
		const char *target = js_str(x->asg, "targetState", "");

		if (inst_state_terminal(x->state)) {
			if (!x->asg) {
				set_add(seen, x->id);
				set_add(&C.done, x->id);
				continue;
			}
			t = zk_txn_new(C.fence);
			zk_txn_delete(t, x->asg_path, x->asg_version);
			if (commit(t, "delete an assignment", app) == 0) {
				info("app %s: %s is %s: removing its "
				    "assignment", app, x->id, x->state);
				set_add(seen, x->id);
				set_add(&C.done, x->id);
			}
			continue;
		}
		if (!x->asg || strcmp(target, "RUNNING"))
			continue;
		if (!appinfo || inst_state_wanted(x->state))
			run[nrun++] = x;
	}
	if (!appinfo) {
		/* The app is gone: nothing of it may run or wait. */
		delete_requests(app, reqs, nreq, "app removed: deleting");
		stop_assignments(app, run, nrun);
		goto out;
	}
	/* A request placed while we looked is also an instance: count
	 * each instanceId once. */
	have = nrun;
	for (i = 0; i < nreq; i++) {
		int k;

		for (dup = 0, k = 0; k < nrun && !dup; k++)
			dup = !strcmp(run[k]->id, reqs[i]->id);
		if (!dup)
			have++;
	}
	want = js_int(appinfo, "instances", 0);
	if (want < 0)
		want = 0;
	if (have < want) {
		create_requests(app, want - have);
	} else if (have > want) {
		long long surplus = have - want;
		int k = nreq < surplus ? nreq : (int)surplus;

		qsort(reqs, nreq, sizeof *reqs, cmp_req_newest);
		if (k && delete_requests(app, reqs, k, "scaling down: "
		    "deleting") < 0)
			goto out;
		surplus -= k;
		qsort(run, nrun, sizeof *run, cmp_stop);
		if (surplus > nrun)
			surplus = nrun;
		stop_assignments(app, run, (int)surplus);
	}
out:
	free(run);
	insts_free(in, n);
}

static void
reqs_free(struct req *r, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(r[i].id);
		free(r[i].app);
	}
	free(r);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One full pass over every app known by its ApplicationInfo, its
 * instances or its requests. */
static void
pass(void)
{
	char p[ZKP_MAX];
	char **apps = NULL, **iapps = NULL, **rnames = NULL;
	struct req *reqs = NULL, **mine = NULL;
	struct set all = SET_ZERO, seen = SET_ZERO;
	json_t *info_j;
	int i, k, nreq = 0, nmine, napps = 0;

	C.retry = 0;
	zkp_apps_dir(p, C.ns);
	if (children(p, &apps) < 0)
		goto out;
	zkp_instances_dir(p, C.ns);
	if (children(p, &iapps) < 0)
		goto out;
	/* Requests before instances: a request placed in between shows up
	 * as an instance and is counted once. */
	zkp_requests_dir(p, C.ns);
	if (children(p, &rnames) < 0)
		goto out;
	for (i = 0; rnames && rnames[i]; i++)
		;
	reqs = xcalloc(i + 1, sizeof *reqs);
	for (i = 0; rnames && rnames[i]; i++) {
		json_t *r;

		if (zkp_request(p, C.ns, rnames[i]) < 0)
			continue;
		if (!(r = zk_get_json(C.z, p, 0, NULL))) {
			if (errno == ENOENT || errno == EINVAL)
				continue;
			zk_trouble("read", p);
			goto out;
		}
		if (js_str(r, "appId", NULL)) {
			reqs[nreq].id = xstrdup(rnames[i]);
			reqs[nreq].app = xstrdup(js_str(r, "appId", ""));
			reqs[nreq].created = js_int(r, "created", 0);
			set_add(&all, reqs[nreq].app);
			nreq++;
		}
		json_decref(r);
	}
	for (napps = 0; apps && apps[napps]; napps++)
		set_add(&all, apps[napps]);
	for (i = 0; iapps && iapps[i]; i++)
		set_add(&all, iapps[i]);
	mine = xcalloc(nreq + 1, sizeof *mine);
	for (i = 0; i < all.n; i++) {
		const char *app = all.s[i];

		nmine = 0;
		for (k = 0; k < nreq; k++)
			if (!strcmp(reqs[k].app, app))
				mine[nmine++] = &reqs[k];
		info_j = NULL;
		if (apps && bsearch(&app, apps, napps, sizeof *apps,
		    cmp_str)) {
			if (zkp_app(p, C.ns, app) < 0)
				continue;
			info_j = zk_get_json(C.z, p, 1, NULL);
			if (!info_j) {
				if (errno == ENOTCONN) {
					zk_trouble("read", p);
					goto out;
				}
				if (errno != ENOENT) {
					warn("app %s: unreadable "
					    "ApplicationInfo: %s", app,
					    zk_last_error());
					continue;
				}
				/* vanished meanwhile: next pass */
				C.retry = 1;
				continue;
			}
			if (!json_is_integer(json_object_get(info_j,
			    "instances"))) {
				warn("app %s: ApplicationInfo without "
				    "instances: leaving it alone", app);
				json_decref(info_j);
				continue;
			}
		}
		reconcile(app, info_j, mine, nmine, &seen);
		json_decref(info_j);
	}
	/* Forget done instances whose znodes are gone. */
	set_free(&C.done);
	C.done = seen;
	memset(&seen, 0, sizeof seen);
out:
	set_free(&seen);
	set_free(&all);
	free(mine);
	reqs_free(reqs, nreq);
	zk_free_names(apps);
	zk_free_names(iapps);
	zk_free_names(rnames);
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

static void
run_pass(void)
{
	C.dirty = 0;
	pass();
	C.next_pass = mono_ms() + (C.retry ? RETRY_MS : RESYNC_MS);
}

int
main(int argc, char **argv)
{
	const char *cfg_path = NULL;
	struct js_err jerr;
	struct pollfd pfd[2];
	json_t *cfg;
	int c, ready = -1, sfd;
	long long now;

	PROG = "drove-monitor";
	while ((c = getopt(argc, argv, "c:d:vh")) != -1)
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
	if (!C.fence || C.fence[0] != '/')
		die(EXIT_USAGE, "DROVE_LEADER_ZNODE must name the leader's "
		    "election znode");
	if (!(cfg = cfg_load(cfg_path, &jerr)))
		die(EXIT_USAGE, "%s", jerr.msg);
	if (!cfg_zk_connect(cfg))
		die(EXIT_USAGE, "%s: zookeeper.connectionString is missing",
		    cfg_path);
	C.ns = cfg_zk_namespace(cfg);

	if ((sfd = sig_fd((const int[]){ SIGTERM, SIGINT, 0 })) < 0)
		diesys(EXIT_TEMP, "unable to set up signals");
	if (!(C.z = zk_open(cfg_zk_connect(cfg), C.ns, 15000, 10000)))
		die(EXIT_TEMP, "unable to connect to ZooKeeper '%s': %s",
		    cfg_zk_connect(cfg), zk_last_error());
	if (zk_exists(C.z, C.fence, 0) != 1)
		die(EXIT_TEMP, "fence '%s' does not exist: not the leader",
		    C.fence);
	run_pass();
	info("monitoring (fence %s)", C.fence);
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
		if (C.dirty || mono_ms() >= C.next_pass)
			run_pass();
	}
	set_free(&C.done);
	zk_close(C.z);
	json_decref(cfg);
	return 0;
}
