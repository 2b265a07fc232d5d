#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#include "err.h"
#include "sig.h"
#include "zk.h"

/* Events wait in an unbounded FIFO: the watcher runs on the client's
 * completion thread, which must never block (batched reads complete on
 * that same thread while the main loop waits for them). */
struct evq {
	struct zk_event *v;
	size_t head, n, cap;
};

struct zk {
	zhandle_t *h;
	char ns[256];
	int pipe[2];		/* wakes the main loop: one byte while
				   events wait */
	pthread_mutex_t mu;	/* guards state, q, signalled */
	pthread_cond_t cv;
	int state;		/* last ZooKeeper session state seen */
	struct evq q;
	int signalled;		/* a wake-up byte is in the pipe */
	atomic_ullong calls[ZK_OP_COUNT], errors[ZK_OP_COUNT];
};

static const char *const op_names[ZK_OP_COUNT] = { "get", "exists",
    "children", "create", "set", "delete", "multi" };

/* Counts one request of kind op that ended with rc; returns rc. */
static int
counted(struct zk *z, enum zk_op op, int rc)
{
	atomic_fetch_add_explicit(&z->calls[op], 1, memory_order_relaxed);
	if (rc != ZOK && rc != ZNONODE && rc != ZNODEEXISTS &&
	    rc != ZBADVERSION && rc != ZNOTEMPTY)
		atomic_fetch_add_explicit(&z->errors[op], 1,
		    memory_order_relaxed);
	return rc;
}

void
zk_stats(const struct zk *z, struct zk_stats *out)
{
	int i;

	for (i = 0; i < ZK_OP_COUNT; i++) {
		out->calls[i] = atomic_load_explicit(&z->calls[i],
		    memory_order_relaxed);
		out->errors[i] = atomic_load_explicit(&z->errors[i],
		    memory_order_relaxed);
	}
}

const char *
zk_op_name(enum zk_op op)
{
	return op >= 0 && op < ZK_OP_COUNT ? op_names[op] : "?";
}

static int
fail(int rc, const char *what, const char *path)
{
	int e;

	switch (rc) {
	case ZNONODE: e = ENOENT; break;
	case ZNODEEXISTS: e = EEXIST; break;
	case ZBADVERSION: e = ESTALE; break;
	case ZNOTEMPTY: e = ENOTEMPTY; break;
	case ZBADARGUMENTS: e = EINVAL; break;
	case ZCONNECTIONLOSS: case ZSESSIONEXPIRED: case ZINVALIDSTATE:
	case ZOPERATIONTIMEOUT: case ZCLOSING:
		e = ENOTCONN; break;
	default: e = EIO; break;
	}
	return err_fail(e, "%s '%s': %s", what, path ? path : "", zerror(rc));
}

static void
post(struct zk *z, enum zk_ev_type type, const char *path)
{
	struct zk_event *ev;
	struct evq *q = &z->q;
	ssize_t r;

	pthread_mutex_lock(&z->mu);
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 64, i;
		struct zk_event *v = malloc(cap * sizeof *v);

		if (!v) {
			/* Nothing sensible is left: the session is
			 * unusable without its events. */
			pthread_mutex_unlock(&z->mu);
			abort();
		}
		for (i = 0; i < q->n; i++)
			v[i] = q->v[(q->head + i) % q->cap];
		free(q->v);
		q->v = v;
		q->cap = cap;
		q->head = 0;
	}
	ev = &q->v[(q->head + q->n) % q->cap];
	q->n++;
	memset(ev, 0, sizeof *ev);
	ev->type = type;
	if (path)
		snprintf(ev->path, sizeof ev->path, "%s", path);
	if (!z->signalled) {
		do
			r = write(z->pipe[1], "", 1);
		while (r < 0 && errno == EINTR);
		z->signalled = 1;
	}
	pthread_mutex_unlock(&z->mu);
}

void
zk_post(struct zk *z, enum zk_ev_type type, const char *path)
{
	post(z, type, path);
}

/* Runs on the ZooKeeper client's thread: only forwards. */
static void
watcher(zhandle_t *h, int type, int state, const char *path, void *ctx)
{
	struct zk *z = ctx;

	(void)h;
	if (type == ZOO_SESSION_EVENT) {
		pthread_mutex_lock(&z->mu);
		z->state = state;
		pthread_cond_broadcast(&z->cv);
		pthread_mutex_unlock(&z->mu);
		if (state == ZOO_CONNECTED_STATE)
			post(z, ZK_EV_CONNECTED, NULL);
		else if (state == ZOO_EXPIRED_SESSION_STATE ||
		    state == ZOO_AUTH_FAILED_STATE)
			post(z, ZK_EV_EXPIRED, NULL);
		else if (state == ZOO_CONNECTING_STATE)
			post(z, ZK_EV_DISCONNECTED, NULL);
		return;
	}
	if (type == ZOO_CREATED_EVENT)
		post(z, ZK_EV_CREATED, path);
	else if (type == ZOO_DELETED_EVENT)
		post(z, ZK_EV_DELETED, path);
	else if (type == ZOO_CHANGED_EVENT)
		post(z, ZK_EV_CHANGED, path);
	else if (type == ZOO_CHILD_EVENT)
		post(z, ZK_EV_CHILD, path);
}

struct zk *
zk_open(const char *connect, const char *ns, int session_ms, int wait_ms)
{
	struct zk *z;
	struct timespec dl;
	static int log_set;

	if (!connect || !*connect || !ns || !*ns || strchr(ns, '/')) {
		err_fail(EINVAL, "bad ZooKeeper address or namespace");
		return NULL;
	}
	if (session_ms <= 0) {
		err_fail(EINVAL, "bad ZooKeeper session timeout");
		return NULL;
	}
	if (!log_set) {
		zoo_set_debug_level(getenv("DROVE_ZK_DEBUG") ?
		    ZOO_LOG_LEVEL_DEBUG : ZOO_LOG_LEVEL_ERROR);
		log_set = 1;
	}
	z = calloc(1, sizeof *z);
	if (!z) {
		err_fail(ENOMEM, "out of memory");
		return NULL;
	}
	snprintf(z->ns, sizeof z->ns, "%s", ns);
	if (pipe2(z->pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		err_fail(errno, "unable to make a pipe: %s", strerror(errno));
		free(z);
		return NULL;
	}
	pthread_mutex_init(&z->mu, NULL);
	pthread_cond_init(&z->cv, NULL);
	z->h = zookeeper_init(connect, watcher, session_ms, NULL, z, 0);
	if (!z->h) {
		int e = errno;

		zk_close(z);
		err_fail(e ? e : EINVAL, "unable to connect to '%s'", connect);
		return NULL;
	}
	deadline_after(&dl, CLOCK_REALTIME, wait_ms);
	pthread_mutex_lock(&z->mu);
	while (z->state != ZOO_CONNECTED_STATE &&
	    z->state != ZOO_EXPIRED_SESSION_STATE)
		if (pthread_cond_timedwait(&z->cv, &z->mu, &dl) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&z->mu);
	if (z->state != ZOO_CONNECTED_STATE) {
		zk_close(z);
		err_fail(ETIMEDOUT, "unable to connect to '%s'", connect);
		return NULL;
	}
	return z;
}

void
zk_close(struct zk *z)
{
	if (!z)
		return;
	if (z->h)
		zookeeper_close(z->h);
	close(z->pipe[0]);
	close(z->pipe[1]);
	free(z->q.v);
	pthread_mutex_destroy(&z->mu);
	pthread_cond_destroy(&z->cv);
	free(z);
}

const char *zk_ns(const struct zk *z) { return z->ns; }
int zk_fd(const struct zk *z) { return z->pipe[0]; }

long long
zk_session_id(const struct zk *z)
{
	const clientid_t *c = zoo_client_id(z->h);

	return c ? (long long)c->client_id : 0;
}

int
zk_next_event(struct zk *z, struct zk_event *ev)
{
	char b[64];
	ssize_t r;
	int got = 0;

	pthread_mutex_lock(&z->mu);
	if (z->q.n) {
		*ev = z->q.v[z->q.head];
		z->q.head = (z->q.head + 1) % z->q.cap;
		z->q.n--;
		got = 1;
	} else {
		do
			r = read(z->pipe[0], b, sizeof b);
		while (r > 0 || (r < 0 && errno == EINTR));
		z->signalled = 0;
	}
	pthread_mutex_unlock(&z->mu);
	return got;
}

int
zk_get(struct zk *z, const char *path, int watch, struct buf *out,
    int *version)
{
	struct Stat st;
	int len, rc, cap = 16384;

	for (;;) {
		buf_reset(out);
		if (buf_grow(out, (size_t)cap + 1) < 0)
			return err_fail(ENOMEM, "out of memory");
		len = cap;
		rc = counted(z, ZK_OP_GET, zoo_get(z->h, path, watch, out->s,
		    &len, &st));
		if (rc != ZOK)
			break;
		if (st.dataLength <= cap) {
			out->len = len > 0 ? (size_t)len : 0;
			out->s[out->len] = '\0';
			if (version)
				*version = st.version;
			return 0;
		}
		/* larger than the buffer: again with its real size */
		cap = st.dataLength;
	}
	if (rc == ZNONODE && watch)	/* leave a watch for its creation */
		counted(z, ZK_OP_EXISTS, zoo_exists(z->h, path, 1, NULL));
	return fail(rc, "unable to read", path);
}

json_t *
zk_get_json(struct zk *z, const char *path, int watch, int *version)
{
	struct buf b = BUF_ZERO;
	json_t *j;

	if (zk_get(z, path, watch, &b, version) < 0)
		return NULL;
	j = js_parse(b.s ? b.s : "", b.len);
	buf_free(&b);
	if (!j)
		err_fail(EINVAL, "bad JSON in '%s': %s", path, err_text());
	return j;
}

int
zk_exists(struct zk *z, const char *path, int watch)
{
	int rc = counted(z, ZK_OP_EXISTS, zoo_exists(z->h, path, watch,
	    NULL));

	if (rc == ZOK)
		return 1;
	if (rc == ZNONODE)
		return 0;
	return fail(rc, "unable to stat", path);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
zk_children(struct zk *z, const char *path, int watch, char ***names,
    int *count)
{
	struct String_vector sv = { 0, NULL };
	char **v;
	int rc, i;

	rc = counted(z, ZK_OP_CHILDREN, zoo_get_children(z->h, path, watch,
	    &sv));
	if (rc != ZOK) {
		if (rc == ZNONODE && watch)
			counted(z, ZK_OP_EXISTS, zoo_exists(z->h, path, 1,
			    NULL));
		return fail(rc, "unable to list", path);
	}
	v = calloc((size_t)sv.count + 1, sizeof *v);
	if (!v) {
		deallocate_String_vector(&sv);
		return err_fail(ENOMEM, "out of memory");
	}
	for (i = 0; i < sv.count; i++) {
		v[i] = strdup(sv.data[i]);
		if (!v[i]) {
			deallocate_String_vector(&sv);
			zk_free_names(v);
			return err_fail(ENOMEM, "out of memory");
		}
	}
	qsort(v, (size_t)sv.count, sizeof *v, cmp_names);
	if (count)
		*count = sv.count;
	*names = v;
	deallocate_String_vector(&sv);
	return 0;
}

void
zk_free_names(char **names)
{
	char **p;

	if (!names)
		return;
	for (p = names; *p; p++)
		free(*p);
	free(names);
}

/* --- batched reads ------------------------------------------------ */

#define BATCH_WINDOW 512

struct batch {
	struct zk *z;		/* its counts */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t inflight;
	struct zk_read *r;
};

struct slot {
	struct batch *b;
	size_t i;
};

static int
rc_errno(int rc)
{
	switch (rc) {
	case ZOK: return 0;
	case ZNONODE: return ENOENT;
	case ZCONNECTIONLOSS: case ZSESSIONEXPIRED: case ZINVALIDSTATE:
	case ZOPERATIONTIMEOUT: case ZCLOSING:
		return ENOTCONN;
	default: return EIO;
	}
}

static void
batch_done(struct batch *b)
{
	pthread_mutex_lock(&b->mu);
	b->inflight--;
	/* The submitter waits for a half-empty window or for the end: a
	 * wake-up per answer would cost a context switch per read. */
	if (b->inflight == 0 || b->inflight == BATCH_WINDOW / 2)
		pthread_cond_signal(&b->cv);
	pthread_mutex_unlock(&b->mu);
}

/* Completions run on the client's completion thread. */
static void
on_data(int rc, const char *value, int len, const struct Stat *st,
    const void *arg)
{
	const struct slot *sl = arg;
	struct zk_read *r = &sl->b->r[sl->i];

	r->err = rc_errno(counted(sl->b->z, ZK_OP_GET, rc));
	if (rc == ZOK) {
		if (len < 0)
			len = 0;
		if (!(r->data = malloc((size_t)len + 1)))
			r->err = ENOMEM;
		else {
			if (len)
				memcpy(r->data, value, (size_t)len);
			r->data[len] = '\0';
			r->len = (size_t)len;
			r->version = st ? st->version : 0;
		}
	}
	batch_done(sl->b);
}

static void
on_children(int rc, const struct String_vector *sv, const void *arg)
{
	const struct slot *sl = arg;
	struct zk_read *r = &sl->b->r[sl->i];
	char **v;
	int i;

	r->err = rc_errno(counted(sl->b->z, ZK_OP_CHILDREN, rc));
	if (rc == ZOK) {
		if (!(v = calloc((size_t)sv->count + 1, sizeof *v)))
			r->err = ENOMEM;
		for (i = 0; v && i < sv->count; i++)
			if (!(v[i] = strdup(sv->data[i]))) {
				zk_free_names(v);
				v = NULL;
				r->err = ENOMEM;
			}
		if (v) {
			qsort(v, (size_t)sv->count, sizeof *v, cmp_names);
			r->names = v;
			r->count = sv->count;
		}
	}
	batch_done(sl->b);
}

static int
batch_run(struct zk *z, struct zk_read *r, size_t n, int watch, int kids)
{
	struct batch b;
	struct slot *sl;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		r[i].err = 0;
		r[i].data = NULL;
		r[i].len = 0;
		r[i].version = 0;
		r[i].names = NULL;
		r[i].count = 0;
	}
	if (n == 0)
		return 0;
	if (!(sl = calloc(n, sizeof *sl)))
		return err_fail(ENOMEM, "out of memory");
	pthread_mutex_init(&b.mu, NULL);
	pthread_cond_init(&b.cv, NULL);
	b.inflight = 0;
	b.r = r;
	b.z = z;
	for (i = 0; i < n; i++) {
		sl[i].b = &b;
		sl[i].i = i;
		pthread_mutex_lock(&b.mu);
		while (b.inflight >= BATCH_WINDOW)
			pthread_cond_wait(&b.cv, &b.mu);
		b.inflight++;
		pthread_mutex_unlock(&b.mu);
		rc = kids ? zoo_aget_children(z->h, r[i].path, watch,
		    on_children, &sl[i]) : zoo_aget(z->h, r[i].path, watch,
		    on_data, &sl[i]);
		if (rc != ZOK) {
			r[i].err = rc_errno(counted(z, kids ? ZK_OP_CHILDREN :
			    ZK_OP_GET, rc));
			batch_done(&b);
		}
	}
	pthread_mutex_lock(&b.mu);
	while (b.inflight > 0)
		pthread_cond_wait(&b.cv, &b.mu);
	pthread_mutex_unlock(&b.mu);
	pthread_mutex_destroy(&b.mu);
	pthread_cond_destroy(&b.cv);
	free(sl);
	return 0;
}

int
zk_get_batch(struct zk *z, struct zk_read *r, size_t n, int watch)
{
	return batch_run(z, r, n, watch, 0);
}

int
zk_children_batch(struct zk *z, struct zk_read *r, size_t n, int watch)
{
	return batch_run(z, r, n, watch, 1);
}

void
zk_read_free(struct zk_read *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(r[i].data);
		r[i].data = NULL;
		zk_free_names(r[i].names);
		r[i].names = NULL;
	}
}

static int
zflags(int flags)
{
	return (flags & ZK_EPHEMERAL ? ZOO_EPHEMERAL : 0) |
	    (flags & ZK_SEQUENCE ? ZOO_SEQUENCE : 0);
}

int
zk_ensure(struct zk *z, const char *path)
{
	char p[1024];
	size_t i, n = strlen(path);

	if (n == 0 || n >= sizeof p || path[0] != '/')
		return err_fail(EINVAL, "bad path '%s'", path);
	memcpy(p, path, n + 1);
	for (i = 1; i <= n; i++) {
		int rc;

		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		rc = counted(z, ZK_OP_CREATE, zoo_create(z->h, p, NULL, -1,
		    &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0));
		if (rc != ZOK && rc != ZNODEEXISTS)
			return fail(rc, "unable to create", p);
		if (i < n)
			p[i] = '/';
	}
	return 0;
}

int
zk_create(struct zk *z, const char *path, const char *data, size_t len,
    int flags, char *created, size_t created_len)
{
	char parent[1024];
	const char *slash = strrchr(path, '/');
	char dummy[8];
	int rc;

	if (!slash)
		return err_fail(EINVAL, "bad path '%s'", path);
	rc = counted(z, ZK_OP_CREATE, zoo_create(z->h, path, data,
	    data ? (int)len : -1, &ZOO_OPEN_ACL_UNSAFE, zflags(flags),
	    created ? created : dummy,
	    created ? (int)created_len : (int)sizeof dummy));
	if (rc == ZNONODE && slash != path &&
	    (size_t)(slash - path) < sizeof parent) {
		memcpy(parent, path, (size_t)(slash - path));
		parent[slash - path] = '\0';
		if (zk_ensure(z, parent) < 0)
			return -1;
		rc = counted(z, ZK_OP_CREATE, zoo_create(z->h, path, data,
		    data ? (int)len : -1, &ZOO_OPEN_ACL_UNSAFE, zflags(flags),
		    created ? created : dummy,
		    created ? (int)created_len : (int)sizeof dummy));
	}
	if (rc != ZOK)
		return fail(rc, "unable to create", path);
	return 0;
}

int
zk_set(struct zk *z, const char *path, const char *data, size_t len,
    int version)
{
	int rc = counted(z, ZK_OP_SET, zoo_set(z->h, path, data, (int)len,
	    version));

	return rc == ZOK ? 0 : fail(rc, "unable to write", path);
}

int
zk_put_json(struct zk *z, const char *path, const json_t *j, int flags)
{
	char *s = js_dump(j);
	int r;

	if (!s)
		return -1;
	r = zk_create(z, path, s, strlen(s), flags, NULL, 0);
	if (r < 0 && errno == EEXIST)
		r = zk_set(z, path, s, strlen(s), -1);
	free(s);
	return r;
}

int
zk_delete(struct zk *z, const char *path, int version)
{
	int rc = counted(z, ZK_OP_DELETE, zoo_delete(z->h, path, version));

	return rc == ZOK ? 0 : fail(rc, "unable to delete", path);
}

int
zk_delete_tree(struct zk *z, const char *path)
{
	char **names = NULL, **p;
	int rc;

	if (zk_children(z, path, 0, &names, NULL) < 0)
		return errno == ENOENT ? 0 : -1;
	for (p = names; *p; p++) {
		char child[1024];

		snprintf(child, sizeof child, "%s/%s", path, *p);
		if (zk_delete_tree(z, child) < 0) {
			zk_free_names(names);
			return -1;
		}
	}
	zk_free_names(names);
	rc = counted(z, ZK_OP_DELETE, zoo_delete(z->h, path, -1));
	if (rc != ZOK && rc != ZNONODE)
		return fail(rc, "unable to delete", path);
	return 0;
}

/* Transactions: ops are kept with their own copies of paths and data. */
struct txn_op {
	int kind;		/* 'c' create, 's' set, 'd' delete, 'k' check */
	char *path, *data;
	int flags, version;
};

struct zk_txn {
	struct txn_op *ops;
	int n, cap, bad;
	size_t bytes;		/* data and paths held */
};

static int
txn_add(struct zk_txn *t, int kind, const char *path, const json_t *j,
    int flags, int version)
{
	struct txn_op *op;

	if (!t)		/* zk_txn_new() failed: commit reports it */
		return err_fail(ENOMEM, "out of memory");
	if (t->bad)
		return -1;
	if (t->n == t->cap) {
		int cap = t->cap ? t->cap * 2 : 8;
		struct txn_op *o = realloc(t->ops, (size_t)cap * sizeof *o);

		if (!o)
			goto oom;
		t->ops = o;
		t->cap = cap;
	}
	op = &t->ops[t->n];
	memset(op, 0, sizeof *op);
	op->kind = kind;
	op->flags = flags;
	op->version = version;
	op->path = strdup(path);
	if (!op->path)
		goto oom;
	if (j && !(op->data = js_dump(j))) {
		free(op->path);
		goto oom;
	}
	t->bytes += strlen(op->path) + (op->data ? strlen(op->data) : 0);
	t->n++;
	return 0;
oom:
	t->bad = 1;
	return err_fail(ENOMEM, "out of memory");
}

struct zk_txn *
zk_txn_new(const char *fence)
{
	struct zk_txn *t = calloc(1, sizeof *t);

	if (t && fence && txn_add(t, 'k', fence, NULL, 0, -1) < 0) {
		zk_txn_free(t);
		return NULL;
	}
	return t;
}

int zk_txn_create(struct zk_txn *t, const char *path, const json_t *j,
    int flags)
{ return txn_add(t, 'c', path, j, flags, 0); }
int zk_txn_set(struct zk_txn *t, const char *path, const json_t *j,
    int version)
{ return txn_add(t, 's', path, j, 0, version); }
int zk_txn_delete(struct zk_txn *t, const char *path, int version)
{ return txn_add(t, 'd', path, NULL, 0, version); }

size_t
zk_txn_bytes(const struct zk_txn *t)
{
	return t ? t->bytes : 0;
}

void
zk_txn_free(struct zk_txn *t)
{
	int i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++) {
		free(t->ops[i].path);
		free(t->ops[i].data);
	}
	free(t->ops);
	free(t);
}

int
zk_txn_commit(struct zk *z, struct zk_txn *t)
{
	zoo_op_t *ops;
	zoo_op_result_t *res;
	char (*created)[16];
	int i, rc, fenced;

	if (!t)
		return err_fail(ENOMEM, "transaction: out of memory");
	if (t->bad || t->n == 0) {
		int e = t->bad ? ENOMEM : EINVAL;

		zk_txn_free(t);
		return err_fail(e, "transaction: %s", e == ENOMEM ?
		    "out of memory" : "no operations");
	}
	fenced = t->ops[0].kind == 'k';
	ops = calloc((size_t)t->n, sizeof *ops);
	res = calloc((size_t)t->n, sizeof *res);
	created = calloc((size_t)t->n, sizeof *created);
	if (!ops || !res || !created) {
		free(ops);
		free(res);
		free(created);
		zk_txn_free(t);
		return err_fail(ENOMEM, "transaction: out of memory");
	}
	for (i = 0; i < t->n; i++) {
		struct txn_op *o = &t->ops[i];

		switch (o->kind) {
		case 'k':
			zoo_check_op_init(&ops[i], o->path, o->version);
			break;
		case 'c':
			zoo_create_op_init(&ops[i], o->path, o->data,
			    o->data ? (int)strlen(o->data) : -1,
			    &ZOO_OPEN_ACL_UNSAFE, zflags(o->flags),
			    created[i], (int)sizeof created[i]);
			break;
		case 's':
			zoo_set_op_init(&ops[i], o->path, o->data,
			    (int)strlen(o->data), o->version, NULL);
			break;
		default:
			zoo_delete_op_init(&ops[i], o->path, o->version);
			break;
		}
	}
	rc = counted(z, ZK_OP_MULTI, zoo_multi(z->h, t->n, ops, res));
	if (rc != ZOK) {
		int bad = -1;

		for (i = 0; i < t->n; i++)
			if (res[i].err != ZOK && res[i].err != ZRUNTIMEINCONSISTENCY) {
				bad = i;
				break;
			}
		if (bad == 0 && fenced) {
			err_fail(EPERM, "fence '%s' is gone: not the leader",
			    t->ops[0].path);
		} else
			fail(bad >= 0 ? res[bad].err : rc, "transaction failed at",
			    bad >= 0 ? t->ops[bad].path : "");
	}
	free(ops);
	free(res);
	free(created);
	zk_txn_free(t);
	return rc == ZOK ? 0 : -1;
}
