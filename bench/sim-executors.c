/*
 * sim-executors: a test-only stand-in for M drove-execd daemons, for
 * bench/scale.  Never installed; built by `make bench`.
 *
 * One ZooKeeper session (libzookeeper_mt's asynchronous API, so thousands
 * of requests are in flight at once) owns the M EPHEMERAL executor znodes
 * /<ns>/executor/<executorId>, each holding the static part of Drove's
 * ExecutorNodeData (type, hostname, port, transportType, updated,
 * state.executorId, state.layout.cores/memory per NUMA node, tags,
 * metadata, executorState ACTIVE).  executorId is the name-based UUID of
 * "<hostname>:3000", as drove-execd computes it; hostnames are sim00000..
 *
 * It watches /<ns>/assignments/<executorId> (children) and every
 * assignment (data).  For each new assignment it reads the InstanceInfo
 * that drove-sched created PENDING at /<ns>/instances/<appId>/<instanceId>
 * and writes it back through PROVISIONING, STARTING, UNREADY (from here
 * on with localInfo.ports: made-up host ports for the exposedPorts),
 * READY and HEALTHY, waiting -d ms between two states.  When the
 * assignment's targetState becomes STOPPED or the assignment disappears
 * it stops the instance as drove-execd does: STOPPED at once if nothing
 * was started yet, DEPROVISIONING and STOPPED if it was provisioning,
 * else STOPPING, DEPROVISIONING and STOPPED.  No container is run.
 *
 * SIGUSR1 prints one JSON line of counters on stdout; SIGTERM or SIGINT
 * prints it too, closes the session (the executor znodes vanish) and
 * exits 0.  Diagnostics go to stderr.
 *
 * -L walks /<ns> instead and prints one JSON line: the number of znodes,
 * their total data size and the largest one (path and bytes).
 *
 * ZooKeeper's callbacks run on its completion thread and only queue what
 * they received; all the state below is owned by the main thread.
 *
 * Exit: 0 done (SIGTERM, or -L finished), 100 usage, 111 ZooKeeper
 * unreachable or the session expired.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#include "err.h"
#include "ids.h"
#include "json.h"
#include "sig.h"
#include "zkpath.h"

#define USAGE "sim-executors [ -z connect ] [ -n namespace ] " \
	"[ -m executors ] [ -c cores-per-node ] [ -N numa-nodes ] " \
	"[ -M mb-per-node ] [ -d delay-ms ] [ -v ] | -L"
#define EXEC_PORT 3000
#define HBUCKETS 65536
#define RETRY_MS 200

enum st {
	S_PENDING, S_PROVISIONING, S_STARTING, S_UNREADY, S_READY, S_HEALTHY,
	S_STOPPING, S_DEPROVISIONING, S_STOPPED, S_OTHER
};

static const char *const st_name[] = {
	"PENDING", "PROVISIONING", "STARTING", "UNREADY", "READY", "HEALTHY",
	"STOPPING", "DEPROVISIONING", "STOPPED", "OTHER"
};

struct inst {
	struct inst *hnext;	/* hash chain */
	struct inst *enext;	/* its executor's list */
	struct inst *tnext;	/* timer queue */
	char id[64];
	char app[256];
	int ex;			/* index into S.ex */
	enum st st;		/* last state written (or read) */
	enum st writing;	/* the state of the write in flight */
	int stop;		/* targetState STOPPED or assignment gone */
	int gone;		/* the assignment is deleted */
	int asg_read;		/* a read of the assignment in flight */
	int loading;		/* the read of InstanceInfo in flight */
	int loaded;		/* info holds the InstanceInfo */
	int busy;		/* a write in flight */
	int waiting;		/* on the timer queue */
	int done;		/* terminal: nothing more to write */
	int mark;		/* seen in the last listing */
	long long due;		/* mono_ms of the next step when waiting */
	json_t *asg;		/* the assignment (may be NULL) */
	json_t *info;		/* the InstanceInfo */
};

struct ex {
	char id[IDS_UUID_LEN];
	char host[32];
	char dir[ZKP_MAX];	/* /<ns>/assignments/<id> */
	int listing;		/* a children call in flight */
	int relist;		/* a watch fired while listing */
	int registered;
	int next_port;
	struct inst *list;
};

enum ev_type {
	EV_SESSION, EV_WATCH, EV_CREATED, EV_CHILDREN, EV_ASG, EV_INFO,
	EV_WRITTEN, EV_WALK
};

/* What a completion belongs to: allocated per request, freed with its
 * event. */
struct req {
	enum ev_type type;
	int ex;
	struct inst *in;
	char *path;
};

struct ev {
	struct ev *next;
	enum ev_type type;
	int rc;
	int ztype, zstate;	/* EV_SESSION, EV_WATCH */
	char *path;		/* EV_WATCH, EV_WALK */
	struct req *req;
	char **names;		/* EV_CHILDREN, EV_WALK */
	int nnames;
	char *data;		/* EV_ASG, EV_INFO */
	int len;
	int data_len;		/* EV_WALK: the node's data length */
};

static struct {
	zhandle_t *zh;
	const char *ns;
	int wake[2];
	pthread_mutex_t mu;
	struct ev *head, *tail;		/* (mu) */

	struct ex *ex;
	int nex;
	int cores, numa;
	long long mem_mb;
	long long delay;
	int connected, started;
	struct inst *bucket[HBUCKETS];
	struct inst *thead, *ttail;	/* timer queue, due order */

	/* -L */
	int walk;
	long walk_pending, walk_nodes;
	long long walk_bytes;
	int walk_max;
	char *walk_max_path;

	/* counters */
	long registered, assignments, active, healthy, stopped, stale;
	long lists, reads, writes, creates, errors, retries;
	long long ops, max_data;
	long long started_ms;
} S;

/* The queue: filled on ZooKeeper's thread, drained on the main one. */
static void
push(struct ev *e)
{
	int was_empty;
	char c = 1;

	pthread_mutex_lock(&S.mu);
	was_empty = S.head == NULL;
	if (S.tail)
		S.tail->next = e;
	else
		S.head = e;
	S.tail = e;
	pthread_mutex_unlock(&S.mu);
	if (was_empty && write(S.wake[1], &c, 1) < 0) {
		/* full: the main loop is awake anyway */
	}
}

static struct ev *
pop_all(void)
{
	struct ev *e;

	pthread_mutex_lock(&S.mu);
	e = S.head;
	S.head = S.tail = NULL;
	pthread_mutex_unlock(&S.mu);
	return e;
}

static struct ev *
ev_new(enum ev_type type, int rc, const void *req)
{
	struct ev *e = xcalloc(1, sizeof *e);

	e->type = type;
	e->rc = rc;
	e->req = (struct req *)(uintptr_t)req;
	return e;
}

static void
ev_free(struct ev *e)
{
	int i;

	for (i = 0; i < e->nnames; i++)
		free(e->names[i]);
	free(e->names);
	free(e->path);
	free(e->data);
	if (e->req) {
		free(e->req->path);
		free(e->req);
	}
	free(e);
}

static void
on_watch(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
	struct ev *e = ev_new(type == ZOO_SESSION_EVENT ? EV_SESSION :
	    EV_WATCH, 0, NULL);

	(void)zh;
	(void)ctx;
	e->ztype = type;
	e->zstate = state;
	e->path = xstrdup(path ? path : "");
	push(e);
}

static void
copy_names(struct ev *e, const struct String_vector *v)
{
	int i;

	if (!v || v->count <= 0)
		return;
	e->names = xcalloc((size_t)v->count, sizeof *e->names);
	for (i = 0; i < v->count; i++)
		e->names[i] = xstrdup(v->data[i]);
	e->nnames = v->count;
}

static void
on_string(int rc, const char *value, const void *req)
{
	(void)value;
	push(ev_new(EV_CREATED, rc, req));
}

static void
on_void(int rc, const void *req)
{
	(void)rc;
	(void)req;
}

static void
on_stat(int rc, const struct Stat *stat, const void *req)
{
	(void)stat;
	push(ev_new(EV_WRITTEN, rc, req));
}

static void
on_data(int rc, const char *value, int len, const struct Stat *stat,
    const void *req)
{
	const struct req *r = req;
	struct ev *e = ev_new(r->type, rc, req);

	(void)stat;
	if (rc == ZOK && value && len > 0) {
		e->data = xmalloc((size_t)len + 1);
		memcpy(e->data, value, (size_t)len);
		e->data[len] = '\0';
		e->len = len;
	}
	push(e);
}

static void
on_children(int rc, const struct String_vector *v, const void *req)
{
	struct ev *e = ev_new(EV_CHILDREN, rc, req);

	if (rc == ZOK)
		copy_names(e, v);
	push(e);
}

static void
on_walk(int rc, const struct String_vector *v, const struct Stat *stat,
    const void *req)
{
	struct ev *e = ev_new(EV_WALK, rc, req);

	if (rc == ZOK) {
		copy_names(e, v);
		e->data_len = stat ? stat->dataLength : 0;
	}
	push(e);
}

static struct req *
req_new(enum ev_type type, int ex, struct inst *in, const char *path)
{
	struct req *r = xcalloc(1, sizeof *r);

	r->type = type;
	r->ex = ex;
	r->in = in;
	r->path = path ? xstrdup(path) : NULL;
	return r;
}

/* A request the client refused to queue (closing, bad state). */
static void
refused(int rc, const char *what, const char *path)
{
	die(EXIT_TEMP, "unable to %s '%s': %s", what, path, zerror(rc));
}

static void
note_size(long long n)
{
	if (n > S.max_data)
		S.max_data = n;
}

/* Instances: a hash by instanceId and a list per executor. */
static unsigned
hash(const char *s)
{
	unsigned h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h & (HBUCKETS - 1);
}

static struct inst *
find_inst(const char *id)
{
	struct inst *in;

	for (in = S.bucket[hash(id)]; in; in = in->hnext)
		if (!strcmp(in->id, id))
			return in;
	return NULL;
}

static struct inst *
add_inst(int ex, const char *id)
{
	struct inst *in = xcalloc(1, sizeof *in);
	unsigned h = hash(id);

	snprintf(in->id, sizeof in->id, "%s", id);
	in->ex = ex;
	in->st = S_PENDING;
	in->hnext = S.bucket[h];
	S.bucket[h] = in;
	in->enext = S.ex[ex].list;
	S.ex[ex].list = in;
	S.active++;
	S.assignments++;
	return in;
}

/* Forget an instance whose assignment is gone once nothing refers to it. */
static void
maybe_free(struct inst *in)
{
	struct inst **pp;

	if (!in->gone || in->asg_read || in->loading || in->busy ||
	    in->waiting)
		return;
	if (in->loaded && !in->done)
		return;		/* still stopping */
	for (pp = &S.bucket[hash(in->id)]; *pp != in; pp = &(*pp)->hnext)
		;
	*pp = in->hnext;
	for (pp = &S.ex[in->ex].list; *pp != in; pp = &(*pp)->enext)
		;
	*pp = in->enext;
	if (in->st == S_HEALTHY)
		S.healthy--;
	S.active--;
	json_decref(in->asg);
	json_decref(in->info);
	free(in);
}

static int
find_ex(const char *id)
{
	int lo = 0, hi = S.nex - 1, mid, c;

	while (lo <= hi) {
		mid = (lo + hi) / 2;
		c = strcmp(S.ex[mid].id, id);
		if (!c)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

static int
cmp_ex(const void *a, const void *b)
{
	return strcmp(((const struct ex *)a)->id, ((const struct ex *)b)->id);
}

static void
list_assignments(int ex)
{
	struct ex *e = &S.ex[ex];
	int rc;

	if (e->listing) {
		e->relist = 1;
		return;
	}
	e->listing = 1;
	e->relist = 0;
	S.lists++;
	S.ops++;
	rc = zoo_aget_children(S.zh, e->dir, 1, on_children,
	    req_new(EV_CHILDREN, ex, NULL, e->dir));
	if (rc != ZOK)
		refused(rc, "list", e->dir);
}

static void
read_assignment(struct inst *in)
{
	char path[ZKP_MAX];
	int rc;

	if (in->asg_read)
		return;
	if (zkp_assignment(path, S.ns, S.ex[in->ex].id, in->id) < 0)
		die(EXIT_TEMP, "bad instance id '%s'", in->id);
	in->asg_read = 1;
	S.reads++;
	S.ops++;
	rc = zoo_aget(S.zh, path, 1, on_data, req_new(EV_ASG, in->ex, in,
	    path));
	if (rc != ZOK)
		refused(rc, "read", path);
}

static void
read_info(struct inst *in)
{
	char path[ZKP_MAX];
	int rc;

	if (zkp_instance(path, S.ns, in->app, in->id) < 0) {
		warn("instance %s: bad appId '%s'", in->id, in->app);
		in->done = 1;
		return;
	}
	in->loading = 1;
	S.reads++;
	S.ops++;
	rc = zoo_aget(S.zh, path, 0, on_data, req_new(EV_INFO, in->ex, in,
	    path));
	if (rc != ZOK)
		refused(rc, "read", path);
}

static enum st
st_of(const char *s)
{
	int i;

	for (i = 0; i < S_OTHER; i++)
		if (!strcmp(st_name[i], s))
			return (enum st)i;
	return S_OTHER;
}

/* The next state to write, or -1 when there is nothing to do. */
static int
next_state(const struct inst *in)
{
	if (in->done)
		return -1;
	if (in->stop) {
		switch (in->st) {
		case S_PENDING:
			return S_STOPPED;
		case S_PROVISIONING:
			return S_DEPROVISIONING;
		case S_STOPPING:
			return S_DEPROVISIONING;
		case S_DEPROVISIONING:
			return S_STOPPED;
		case S_STARTING: case S_UNREADY: case S_READY: case S_HEALTHY:
			return S_STOPPING;
		default:
			return -1;
		}
	}
	return in->st < S_HEALTHY ? (int)in->st + 1 : -1;
}

/* Made-up host ports for the spec's exposedPorts, as localInfo.ports. */
static json_t *
ports_of(struct inst *in)
{
	json_t *ports = json_object(), *p;
	struct ex *e = &S.ex[in->ex];
	size_t i;

	json_array_foreach(json_object_get(in->asg, "ports"), i, p) {
		if (e->next_port < 20000 || e->next_port > 60000)
			e->next_port = 20000;
		json_object_set_new(ports, js_str(p, "name", "main"),
		    json_pack("{s:I,s:i,s:s}", "containerPort",
		    (json_int_t)js_int(p, "port", 0), "hostPort",
		    e->next_port++, "portType", js_str(p, "type", "HTTP")));
	}
	return ports;
}

static void
write_state(struct inst *in, enum st st)
{
	char path[ZKP_MAX];
	json_t *li;
	char *data;
	int rc;

	json_object_set_new(in->info, "state", json_string(st_name[st]));
	json_object_set_new(in->info, "updated", json_integer(js_now_ms()));
	li = json_object_get(in->info, "localInfo");
	if (!json_is_object(li)) {
		li = json_pack("{s:s,s:{}}", "hostname", S.ex[in->ex].host,
		    "ports");
		json_object_set_new(in->info, "localInfo", li);
	}
	if (st == S_UNREADY && json_object_size(json_object_get(li,
	    "ports")) == 0)
		json_object_set_new(li, "ports", ports_of(in));
	if (!(data = js_dump(in->info)))
		die(EXIT_TEMP, "out of memory");
	if (zkp_instance(path, S.ns, in->app, in->id) < 0)
		BUG("instance path");
	note_size((long long)strlen(data));
	in->busy = 1;
	in->writing = st;
	S.writes++;
	S.ops++;
	rc = zoo_aset(S.zh, path, data, (int)strlen(data), -1, on_stat,
	    req_new(EV_WRITTEN, in->ex, in, path));
	free(data);
	if (rc != ZOK)
		refused(rc, "write", path);
	dbg("instance %s: %s", in->id, st_name[st]);
}

static void
advance(struct inst *in)
{
	int next;

	if (!in->loaded || in->busy || in->waiting || in->loading)
		return;
	if ((next = next_state(in)) < 0) {
		if (in->st == S_STOPPED || in->st == S_OTHER)
			in->done = 1;
		return;
	}
	write_state(in, (enum st)next);
}

/* advance, then forget the instance if it is over: in may be freed. */
static void
step(struct inst *in)
{
	advance(in);
	maybe_free(in);
}

static void
wait_then(struct inst *in, long long ms)
{
	in->waiting = 1;
	in->due = mono_ms() + ms;
	in->tnext = NULL;
	if (S.ttail)
		S.ttail->tnext = in;
	else
		S.thead = in;
	S.ttail = in;
}

/* The parts of an assignment the simulator uses: 20,000 whole ones would
 * take hundreds of MB. */
static json_t *
slim(json_t *a)
{
	static const char *const keep[] = { "appId", "appName", "ports",
	    "resources", "created", "targetState", NULL };
	json_t *s = json_object(), *v;
	int i;

	for (i = 0; keep[i]; i++)
		if ((v = json_object_get(a, keep[i])))
			json_object_set(s, keep[i], v);
	json_decref(a);
	return s;
}

/* Event handlers */
static void
got_children(struct ev *e)
{
	struct ex *x = &S.ex[e->req->ex];
	struct inst *in;
	int i;

	x->listing = 0;
	if (e->rc != ZOK) {
		if (e->rc != ZNONODE)
			warn("unable to list '%s': %s", x->dir, zerror(e->rc));
		S.errors++;
		list_assignments(e->req->ex);	/* the watch may be lost */
		return;
	}
	for (in = x->list; in; in = in->enext)
		in->mark = 0;
	for (i = 0; i < e->nnames; i++) {
		if (!(in = find_inst(e->names[i])))
			in = add_inst(e->req->ex, e->names[i]);
		else if (in->ex != e->req->ex)
			continue;	/* the same id on two executors */
		in->mark = 1;
		if (!in->asg && !in->gone)
			read_assignment(in);
	}
	for (in = x->list; in;) {
		struct inst *next = in->enext;

		if (!in->mark && !in->gone) {
			in->gone = in->stop = 1;
			step(in);
		}
		in = next;
	}
	if (x->relist)
		list_assignments(e->req->ex);
}

static void
got_assignment(struct ev *e)
{
	struct inst *in = e->req->in;
	json_t *a;

	in->asg_read = 0;
	if (e->rc == ZNONODE) {
		in->gone = in->stop = 1;
		step(in);
		return;
	}
	if (e->rc != ZOK || !(a = js_parse(e->data, (size_t)e->len))) {
		warn("instance %s: unable to read its assignment: %s", in->id,
		    e->rc != ZOK ? zerror(e->rc) : "bad JSON");
		S.errors++;
		if (e->rc != ZOK)
			read_assignment(in);
		return;
	}
	note_size(e->len);
	json_decref(in->asg);
	a = in->asg = slim(a);
	if (strcmp(js_str(a, "targetState", "RUNNING"), "RUNNING"))
		in->stop = 1;
	if (!in->app[0]) {
		snprintf(in->app, sizeof in->app, "%s", js_str(a, "appId", ""));
		if (!in->app[0]) {
			warn("instance %s: assignment without appId", in->id);
			in->done = 1;
			return;
		}
		read_info(in);
		return;
	}
	step(in);
}

static void
got_info(struct ev *e)
{
	struct inst *in = e->req->in;
	json_t *ji = NULL, *a = in->asg;
	long long now = js_now_ms();

	in->loading = 0;
	if (e->rc == ZOK)
		ji = js_parse(e->data, (size_t)e->len);
	else if (e->rc != ZNONODE) {
		warn("instance %s: unable to read its InstanceInfo: %s",
		    in->id, zerror(e->rc));
		S.errors++;
		read_info(in);
		return;
	}
	note_size(e->len);
	if (!json_is_object(ji)) {
		/* none yet: built from the assignment, as drove-execd does */
		json_decref(ji);
		ji = json_pack("{s:s,s:s,s:s,s:s,s:{s:s,s:{}},s:O,s:s,s:{},"
		    "s:s,s:I,s:I}", "appId", in->app, "appName",
		    js_str(a, "appName", ""), "instanceId", in->id,
		    "executorId", S.ex[in->ex].id, "localInfo", "hostname",
		    S.ex[in->ex].host, "ports", "resources",
		    json_object_get(a, "resources") ?
		    json_object_get(a, "resources") : json_null(),
		    "state", "PENDING", "metadata", "errorMessage", "",
		    "created", (json_int_t)js_int(a, "created", now),
		    "updated", (json_int_t)now);
		if (!ji)
			die(EXIT_TEMP, "out of memory");
	}
	in->info = ji;
	in->st = st_of(js_str(ji, "state", "PENDING"));
	if (in->st == S_HEALTHY)
		S.healthy++;
	if (in->st == S_STOPPED || in->st == S_OTHER)
		in->done = 1;
	in->loaded = 1;
	step(in);
}

static void
written(struct ev *e)
{
	struct inst *in = e->req->in;
	char path[ZKP_MAX];
	char *data;
	int rc;

	in->busy = 0;
	if (e->rc == ZNONODE) {
		/* the scheduler's record is gone: create it, as
		 * drove-execd's put does, once */
		if (!(data = js_dump(in->info)))
			die(EXIT_TEMP, "out of memory");
		zkp_instance(path, S.ns, in->app, in->id);
		in->busy = 1;
		S.creates++;
		S.ops++;
		rc = zoo_acreate(S.zh, path, data, (int)strlen(data),
		    &ZOO_OPEN_ACL_UNSAFE, 0, on_string, req_new(EV_CREATED,
		    in->ex, in, path));
		free(data);
		if (rc != ZOK)
			refused(rc, "create", path);
		return;
	}
	if (e->rc != ZOK) {
		warn("instance %s: unable to write %s: %s", in->id,
		    st_name[in->writing], zerror(e->rc));
		S.errors++;
		S.retries++;
		wait_then(in, RETRY_MS);	/* in->st is unchanged */
		return;
	}
	if (in->st == S_HEALTHY && in->writing != S_HEALTHY)
		S.healthy--;
	if (in->writing == S_HEALTHY && in->st != S_HEALTHY)
		S.healthy++;
	if (in->writing == S_STOPPED)
		S.stopped++;
	in->st = in->writing;
	if (S.delay > 0 && next_state(in) >= 0)
		wait_then(in, S.delay);
	else
		step(in);
}

/* The node's creation after ZNONODE on a write (EV_CREATED with an inst)
 * or a registration step (without). */
static void
created(struct ev *e)
{
	struct inst *in = e->req->in;
	struct ex *x;

	if (in) {
		in->busy = 0;
		if (e->rc != ZOK) {
			warn("instance %s: unable to create '%s': %s", in->id,
			    e->req->path, zerror(e->rc));
			S.errors++;
			in->done = 1;	/* its app is gone */
			maybe_free(in);
			return;
		}
		e->rc = ZOK;
		in->writing = st_of(js_str(in->info, "state", "OTHER"));
		written(e);
		return;
	}
	if (e->req->ex < 0) {	/* a shared parent */
		if (e->rc != ZOK && e->rc != ZNODEEXISTS)
			die(EXIT_TEMP, "unable to create '%s': %s",
			    e->req->path, zerror(e->rc));
		return;
	}
	x = &S.ex[e->req->ex];
	if (!strcmp(e->req->path, x->dir)) {
		if (e->rc != ZOK && e->rc != ZNODEEXISTS)
			die(EXIT_TEMP, "unable to create '%s': %s",
			    e->req->path, zerror(e->rc));
		return;
	}
	/* the executor node itself */
	if (e->rc == ZNODEEXISTS) {
		/* a stale one of an earlier session: replace it */
		S.ops++;
		if (zoo_adelete(S.zh, e->req->path, -1, on_void, NULL) != ZOK)
			die(EXIT_TEMP, "unable to delete '%s'", e->req->path);
		x->registered = -1;
		S.stale++;
		return;
	}
	if (e->rc != ZOK)
		die(EXIT_TEMP, "unable to create '%s': %s", e->req->path,
		    zerror(e->rc));
	x->registered = 1;
	if (++S.registered == S.nex)
		info("%d executors registered (%d NUMA nodes x %d cores, "
		    "%lld MB each)", S.nex, S.numa, S.cores, S.mem_mb);
}

static void
create_node(int ex, const char *path, const char *data, int flags)
{
	int rc;

	S.ops++;
	rc = zoo_acreate(S.zh, path, data, data ? (int)strlen(data) : -1,
	    &ZOO_OPEN_ACL_UNSAFE, flags, on_string, req_new(EV_CREATED, ex,
	    NULL, path));
	if (rc != ZOK)
		refused(rc, "create", path);
}

static char *
node_data(const struct ex *x)
{
	json_t *cores = json_object(), *mem = json_object(), *node;
	char key[16];
	char *s;
	int n, c;

	for (n = 0; n < S.numa; n++) {
		json_t *ids = json_array();

		for (c = 0; c < S.cores; c++)
			json_array_append_new(ids, json_integer(n * S.cores +
			    c));
		snprintf(key, sizeof key, "%d", n);
		json_object_set_new(cores, key, ids);
		json_object_set_new(mem, key, json_integer(S.mem_mb));
	}
	node = json_pack("{s:s,s:s,s:i,s:s,s:I,s:{s:s,s:{s:o,s:o}},s:[s],"
	    "s:{},s:s}", "type", "EXECUTOR", "hostname", x->host, "port",
	    EXEC_PORT, "transportType", "HTTP", "updated",
	    (json_int_t)js_now_ms(), "state", "executorId", x->id, "layout",
	    "cores", cores, "memory", mem, "tags", x->host, "metadata",
	    "executorState", "ACTIVE");
	if (!node || !(s = js_dump(node)))
		die(EXIT_TEMP, "out of memory");
	json_decref(node);
	return s;
}

static void
register_executor(int i)
{
	struct ex *x = &S.ex[i];
	char path[ZKP_MAX];
	char *data;

	create_node(i, x->dir, NULL, 0);
	zkp_executor(path, S.ns, x->id);
	data = node_data(x);
	note_size((long long)strlen(data));
	create_node(i, path, data, ZOO_EPHEMERAL);
	free(data);
	x->registered = 0;
	list_assignments(i);
}

static void
start(void)
{
	char path[ZKP_MAX];
	int i;

	/* FIFO per session: parents are made before what is below them */
	zkp_root(path, S.ns);
	create_node(-1, path, NULL, 0);
	zkp_executors_dir(path, S.ns);
	create_node(-1, path, NULL, 0);
	zkp_assignments_dir(path, S.ns);
	create_node(-1, path, NULL, 0);
	zkp_instances_dir(path, S.ns);
	create_node(-1, path, NULL, 0);
	for (i = 0; i < S.nex; i++)
		register_executor(i);
	S.started = 1;
}

static void
got_watch(struct ev *e)
{
	char dir[ZKP_MAX];
	const char *p = e->path, *slash;
	size_t n;
	struct inst *in;
	int ex;

	zkp_assignments_dir(dir, S.ns);
	n = strlen(dir);
	if (strncmp(p, dir, n) || p[n] != '/')
		return;
	p += n + 1;
	if (!(slash = strchr(p, '/'))) {	/* an executor's directory */
		char id[IDS_UUID_LEN + 8];

		snprintf(id, sizeof id, "%s", p);
		if ((ex = find_ex(id)) >= 0 && (e->ztype == ZOO_CHILD_EVENT ||
		    e->ztype == ZOO_DELETED_EVENT))
			list_assignments(ex);
		return;
	}
	if (!(in = find_inst(slash + 1)))
		return;
	if (e->ztype == ZOO_DELETED_EVENT) {
		in->gone = in->stop = 1;
		step(in);
	} else if (e->ztype == ZOO_CHANGED_EVENT)
		read_assignment(in);
}

static void
re_register(void)
{
	int i;

	/* stale nodes deleted by created(): their creation again */
	for (i = 0; S.stale > 0 && i < S.nex; i++) {
		char path[ZKP_MAX];
		char *data;

		if (S.ex[i].registered != -1)
			continue;
		zkp_executor(path, S.ns, S.ex[i].id);
		data = node_data(&S.ex[i]);
		create_node(i, path, data, ZOO_EPHEMERAL);
		free(data);
		S.ex[i].registered = 0;
		S.stale--;
	}
}

/* -L: one aget_children2 per znode gives its children and data size. */
static void
walk(const char *path)
{
	int rc;

	S.walk_pending++;
	S.ops++;
	rc = zoo_aget_children2(S.zh, path, 0, on_walk, req_new(EV_WALK, -1,
	    NULL, path));
	if (rc != ZOK)
		refused(rc, "list", path);
}

static void
got_walk(struct ev *e)
{
	const char *path = e->req->path;
	char *child;
	int i;

	S.walk_pending--;
	if (e->rc == ZNONODE)
		return;
	if (e->rc != ZOK)
		die(EXIT_TEMP, "unable to list '%s': %s", path, zerror(e->rc));
	S.walk_nodes++;
	S.walk_bytes += e->data_len;
	if (e->data_len > S.walk_max || !S.walk_max_path) {
		S.walk_max = e->data_len;
		free(S.walk_max_path);
		S.walk_max_path = xstrdup(path);
	}
	for (i = 0; i < e->nnames; i++) {
		child = xasprintf("%s/%s", strcmp(path, "/") ? path : "",
		    e->names[i]);
		walk(child);
		free(child);
	}
}

static void
print_counters(void)
{
	json_t *j;

	if (S.walk)
		j = json_pack("{s:I,s:I,s:s,s:i}", "nodes",
		    (json_int_t)S.walk_nodes, "bytes", (json_int_t)S.walk_bytes,
		    "largestPath", S.walk_max_path ? S.walk_max_path : "",
		    "largestBytes", S.walk_max);
	else
		j = json_pack("{s:i,s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,"
		    "s:I,s:I,s:I,s:I}", "executors", S.nex, "registered",
		    (int)S.registered, "assignments", (json_int_t)S.assignments,
		    "active", (json_int_t)S.active, "healthy",
		    (json_int_t)S.healthy, "stopped", (json_int_t)S.stopped,
		    "lists", (json_int_t)S.lists, "reads", (json_int_t)S.reads,
		    "writes", (json_int_t)S.writes, "creates",
		    (json_int_t)S.creates, "errors", (json_int_t)S.errors,
		    "retries", (json_int_t)S.retries, "zkOps",
		    (json_int_t)S.ops, "maxDataBytes", (json_int_t)S.max_data,
		    "uptimeMs", (json_int_t)(mono_ms() - S.started_ms));
	if (!j || js_print_line(stdout, j) < 0 || fflush(stdout) == EOF)
		die(EXIT_TEMP, "unable to write the counters");
	json_decref(j);
}

static void
handle(struct ev *e)
{
	switch (e->type) {
	case EV_SESSION:
		if (e->zstate == ZOO_CONNECTED_STATE) {
			S.connected = 1;
			if (!S.started && !S.walk)
				start();
			else if (!S.started && S.walk) {
				char root[ZKP_MAX];

				zkp_root(root, S.ns);
				S.started = 1;
				walk(root);
			}
		} else if (e->zstate == ZOO_EXPIRED_SESSION_STATE ||
		    e->zstate == ZOO_AUTH_FAILED_STATE)
			die(EXIT_TEMP, "ZooKeeper session expired");
		else
			S.connected = 0;
		break;
	case EV_WATCH:
		got_watch(e);
		break;
	case EV_CREATED:
		created(e);
		break;
	case EV_CHILDREN:
		got_children(e);
		break;
	case EV_ASG:
		got_assignment(e);
		break;
	case EV_INFO:
		got_info(e);
		break;
	case EV_WRITTEN:
		written(e);
		break;
	case EV_WALK:
		got_walk(e);
		break;
	}
}

static long
num(const char *s, long lo, long hi, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		die(EXIT_USAGE, "bad %s '%s' (%ld..%ld)", what, s, lo, hi);
	return v;
}

int
main(int argc, char **argv)
{
	const char *connect = "127.0.0.1:2181";
	struct pollfd pfd[2];
	long long deadline = 0;
	char buf[256];
	int c, i, sfd, sig;

	PROG = "sim-executors";
	S.ns = "drove";
	S.nex = 1000;
	S.cores = 16;
	S.numa = 2;
	S.mem_mb = 65536;
	while ((c = getopt(argc, argv, "z:n:m:c:N:M:d:Lvh")) != -1) {
		switch (c) {
		case 'z': connect = optarg; break;
		case 'n': S.ns = optarg; break;
		case 'm': S.nex = (int)num(optarg, 1, 100000, "executors");
			break;
		case 'c': S.cores = (int)num(optarg, 1, 1024, "cores"); break;
		case 'N': S.numa = (int)num(optarg, 1, 64, "NUMA nodes");
			break;
		case 'M': S.mem_mb = num(optarg, 1, 1L << 30, "memory");
			break;
		case 'd': S.delay = num(optarg, 0, 3600000, "delay"); break;
		case 'L': S.walk = 1; break;
		case 'v': verbosity++; break;
		case 'h': printf("usage: %s\n", USAGE); return 0;
		default: dieusage(USAGE);
		}
	}
	if (optind != argc || zkp_root(buf, S.ns) < 0)
		dieusage(USAGE);

	if ((sfd = sig_fd((const int[]){ SIGTERM, SIGINT, SIGUSR1, 0 })) < 0)
		diesys(EXIT_TEMP, "unable to create a signalfd");
	if (pipe2(S.wake, O_CLOEXEC | O_NONBLOCK) < 0)
		diesys(EXIT_TEMP, "unable to create a pipe");
	pthread_mutex_init(&S.mu, NULL);
	if (!S.walk) {
		S.ex = xcalloc((size_t)S.nex, sizeof *S.ex);
		for (i = 0; i < S.nex; i++) {
			struct ex *x = &S.ex[i];

			snprintf(x->host, sizeof x->host, "sim%05d", i);
			snprintf(buf, sizeof buf, "%s:%d", x->host, EXEC_PORT);
			ids_uuid3(x->id, buf, strlen(buf));
			x->next_port = 20000 + (i * 37) % 40000;
		}
		qsort(S.ex, (size_t)S.nex, sizeof *S.ex, cmp_ex);
		for (i = 0; i < S.nex; i++)
			if (zkp_executor_assignments(S.ex[i].dir, S.ns,
			    S.ex[i].id) < 0)
				BUG("assignments path");
	}
	zoo_set_debug_level(verbosity > 1 ? ZOO_LOG_LEVEL_INFO :
	    ZOO_LOG_LEVEL_ERROR);
	S.started_ms = mono_ms();
	if (!(S.zh = zookeeper_init(connect, on_watch, 15000, NULL, NULL, 0)))
		diesys(EXIT_TEMP, "unable to set up a ZooKeeper client for "
		    "'%s'", connect);
	deadline = mono_ms() + 15000;

	pfd[0].fd = S.wake[0];
	pfd[1].fd = sfd;
	for (;;) {
		long long now = mono_ms();
		int timeout = -1;
		struct ev *e, *next;

		if (!S.connected && !S.started)
			timeout = deadline > now ? (int)(deadline - now) : 0;
		if (S.thead) {
			long long t = S.thead->due > now ? S.thead->due - now :
			    0;

			if (timeout < 0 || t < timeout)
				timeout = (int)t;
		}
		pfd[0].events = pfd[1].events = POLLIN;
		if (poll(pfd, 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			diesys(EXIT_TEMP, "poll");
		}
		if (!S.started && !S.connected && mono_ms() >= deadline)
			die(EXIT_TEMP, "unable to connect to ZooKeeper at "
			    "'%s'", connect);
		if (pfd[1].revents & POLLIN) {
			while ((sig = sig_read(sfd)) > 0) {
				print_counters();
				if (sig == SIGUSR1)
					continue;
				info("exiting: %ld instances, %ld healthy",
				    S.active, S.healthy);
				zookeeper_close(S.zh);
				return 0;
			}
		}
		if (pfd[0].revents & POLLIN)
			while (read(S.wake[0], buf, sizeof buf) > 0)
				;
		for (e = pop_all(); e; e = next) {
			next = e->next;
			handle(e);
			ev_free(e);
		}
		re_register();
		now = mono_ms();
		while (S.thead && S.thead->due <= now) {
			struct inst *in = S.thead;

			S.thead = in->tnext;
			if (!S.thead)
				S.ttail = NULL;
			in->waiting = 0;
			step(in);
		}
		if (S.walk && S.started && S.walk_pending == 0) {
			print_counters();
			zookeeper_close(S.zh);
			return 0;
		}
	}
}
