/* view: see view.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "event.h"
#include "sig.h"
#include "view.h"
#include "zkpath.h"

/* What a path is, relative to the namespace root. */
enum pkind {
	P_NONE,
	P_DIR,		/* a directory of records: apps, executors, requests */
	P_ROOT,		/* a directory of directories: instances, assignments */
	P_SUBDIR,	/* /instances/<appId>, /assignments/<executorId> */
	P_RECORD,
};

struct ppath {
	enum pkind k;
	enum view_kind kind;
	const char *member;	/* its map in the snapshot */
	char a[ZKP_MAX];	/* first id (appId, executorId, instanceId) */
	char b[ZKP_MAX];	/* second id for two-level records */
};

static const struct part {
	int flag;
	enum view_kind kind;
	const char *member;
	const char *dir;	/* below /<ns> */
	int levels;		/* 1: dir/<id>; 2: dir/<a>/<b>; 0: one node */
} parts[] = {
	{ VIEW_APPS, VIEW_K_APP, "applications", "applications", 1 },
	{ VIEW_INSTANCES, VIEW_K_INSTANCE, "instances", "instances", 2 },
	{ VIEW_EXECUTORS, VIEW_K_EXECUTOR, "executors", "executor", 1 },
	{ VIEW_ASSIGNMENTS, VIEW_K_ASSIGNMENT, "assignments", "assignments",
	    2 },
	{ VIEW_REQUESTS, VIEW_K_REQUEST, "requests", "requests", 1 },
	{ VIEW_CLUSTER, VIEW_K_CLUSTER, "cluster", "cluster/maintenance", 0 },
	{ VIEW_OPERATIONS, VIEW_K_OPERATION, "operations", "operations", 1 },
	{ VIEW_EVENTS, VIEW_K_EVENT, "events", "events", 2 },
	{ VIEW_REMOVED, VIEW_K_REMOVED, "removedexecutors", "removedexecutors",
	    1 },
	{ VIEW_BLACKLIST, VIEW_K_BLACKLIST, "blacklist", "blacklist", 1 },
	{ VIEW_TASKS, VIEW_K_TASK, "tasks", "tasks", 2 },
	{ VIEW_LOCALSERVICES, VIEW_K_LOCALSERVICE, "localservices",
	    "localservices", 1 },
	{ VIEW_LS_INSTANCES, VIEW_K_LS_INSTANCE, "localserviceinstances",
	    "localserviceinstances", 2 },
	{ VIEW_LS_OPERATIONS, VIEW_K_LS_OPERATION, "localserviceoperations",
	    "localserviceoperations", 1 },
};
#define NPARTS (sizeof parts / sizeof parts[0])

/* The directory below /<ns> of a part. */
static const char *
part_dir(enum view_kind kind)
{
	size_t i;

	for (i = 0; i < NPARTS; i++)
		if (parts[i].kind == kind)
			return parts[i].dir;
	return "";
}

struct change {
	enum view_kind kind;
	char *a, *b;
	json_t *old, *now;
};

struct view {
	struct view_source src;
	char ns[256];
	char root[ZKP_MAX];
	int what;
	json_t *snap;		/* the maps, see view.h */
	json_t *by_app;		/* requests by appId: {app: {iid: req}} */
	json_t *versions;	/* {path: version} */
	json_t *dirty_dirs;	/* {path: true}: to list again */
	json_t *dirty_recs;	/* {path: true}: to read again */
	json_t *urgent;		/* {path: true}: read first, for a waiter */
	int full;		/* a full re-read is due */
	long long since;	/* mono_ms() of the oldest mark not read; 0 */
	int away;		/* disconnected since the last full read */
	long long last_full;	/* mono_ms() of the last full read */
	pthread_rwlock_t rw;
	atomic_ulong gen;
	pthread_mutex_t wmu;	/* guards the three sequence numbers */
	pthread_cond_t wcv;
	unsigned long req_seq, seen_seq, done_seq;
	struct change *ch;
	size_t nch, capch;
	int changed;		/* this batch changed something */
};

/* --- paths ---------------------------------------------------------- */

static int
part_path(const struct view *v, const struct part *p, char *out)
{
	int n = snprintf(out, ZKP_MAX, "%s/%s", v->root, p->dir);

	return n > 0 && n < ZKP_MAX ? 0 : -1;
}

/* Split path into its part and ids; only parts the view keeps. */
static void
classify(const struct view *v, const char *path, struct ppath *pp)
{
	size_t i, rl = strlen(v->root), dl;
	const char *rest, *s;

	memset(pp, 0, sizeof *pp);
	pp->k = P_NONE;
	if (strncmp(path, v->root, rl) || path[rl] != '/')
		return;
	rest = path + rl + 1;
	for (i = 0; i < NPARTS; i++) {
		const struct part *p = &parts[i];

		if (!(v->what & p->flag))
			continue;
		dl = strlen(p->dir);
		if (strncmp(rest, p->dir, dl) ||
		    (rest[dl] != '\0' && rest[dl] != '/'))
			continue;
		pp->kind = p->kind;
		pp->member = p->member;
		s = rest + dl;
		if (p->levels == 0) {
			if (*s == '\0')
				pp->k = P_RECORD;
			return;
		}
		if (*s == '\0') {
			pp->k = p->levels == 1 ? P_DIR : P_ROOT;
			return;
		}
		s++;
		if (!*s)
			return;
		if (!strchr(s, '/')) {
			snprintf(pp->a, sizeof pp->a, "%s", s);
			pp->k = p->levels == 1 ? P_RECORD : P_SUBDIR;
			return;
		}
		if (p->levels != 2)
			return;
		dl = (size_t)(strchr(s, '/') - s);
		if (dl == 0 || dl >= sizeof pp->a || !s[dl + 1] ||
		    strchr(s + dl + 1, '/'))
			return;
		memcpy(pp->a, s, dl);
		pp->a[dl] = '\0';
		snprintf(pp->b, sizeof pp->b, "%s", s + dl + 1);
		pp->k = P_RECORD;
		return;
	}
}

/* --- setup ---------------------------------------------------------- */

static int
zsrc_get(void *arg, struct zk_read *r, size_t n, int watch)
{
	return zk_get_batch(arg, r, n, watch);
}

static int
zsrc_children(void *arg, struct zk_read *r, size_t n, int watch)
{
	return zk_children_batch(arg, r, n, watch);
}

static int
zsrc_exists(void *arg, const char *path)
{
	return zk_exists(arg, path, 1);
}

static void
zsrc_post(void *arg, enum zk_ev_type type, const char *path)
{
	zk_post(arg, type, path);
}

struct view *
view_new(const struct view_source *src, const char *ns, int what)
{
	pthread_rwlockattr_t ra;
	struct view *v;
	size_t i;

	if (!ns || !*ns || strchr(ns, '/') || strlen(ns) >= sizeof v->ns) {
		errno = EINVAL;
		return NULL;
	}
	if (!(v = calloc(1, sizeof *v)))
		return NULL;
	v->src = *src;
	snprintf(v->ns, sizeof v->ns, "%s", ns);
	zkp_root(v->root, ns);
	v->what = what & VIEW_ALL;
	v->snap = json_object();
	v->by_app = json_object();
	v->versions = json_object();
	v->dirty_dirs = json_object();
	v->dirty_recs = json_object();
	v->urgent = json_object();
	if (!v->snap || !v->by_app || !v->versions || !v->dirty_dirs ||
	    !v->dirty_recs || !v->urgent)
		goto nomem;
	for (i = 0; i < NPARTS; i++)
		if ((v->what & parts[i].flag) && parts[i].levels &&
		    json_object_set_new(v->snap, parts[i].member,
		    json_object()) < 0)
			goto nomem;
	/* Readers never starve the polling thread: a waiting writer goes
	 * before new readers (glibc prefers readers by default). */
	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setkind_np(&ra,
	    PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&v->rw, &ra);
	pthread_rwlockattr_destroy(&ra);
	pthread_mutex_init(&v->wmu, NULL);
	pthread_cond_init(&v->wcv, NULL);
	atomic_init(&v->gen, 0);
	v->full = 1;
	return v;
nomem:
	view_free(v);
	errno = ENOMEM;
	return NULL;
}

struct view *
view_new_zk(struct zk *z, int what)
{
	struct view_source s = { z, zsrc_get, zsrc_children, zsrc_exists,
	    zsrc_post };

	return view_new(&s, zk_ns(z), what);
}

static void
changes_clear(struct view *v)
{
	size_t i;

	for (i = 0; i < v->nch; i++) {
		free(v->ch[i].a);
		free(v->ch[i].b);
		json_decref(v->ch[i].old);
		json_decref(v->ch[i].now);
	}
	v->nch = 0;
}

void
view_free(struct view *v)
{
	if (!v)
		return;
	changes_clear(v);
	free(v->ch);
	json_decref(v->snap);
	json_decref(v->by_app);
	json_decref(v->versions);
	json_decref(v->dirty_dirs);
	json_decref(v->dirty_recs);
	json_decref(v->urgent);
	if (v->snap) {
		pthread_rwlock_destroy(&v->rw);
		pthread_mutex_destroy(&v->wmu);
		pthread_cond_destroy(&v->wcv);
	}
	free(v);
}

/* --- applying changes ---------------------------------------------- */

static int
note_change(struct view *v, enum view_kind kind, const char *a,
    const char *b, json_t *old, json_t *now)
{
	struct change *c;

	v->changed = 1;
	if (v->nch == v->capch) {
		size_t cap = v->capch ? v->capch * 2 : 64;

		if (!(c = realloc(v->ch, cap * sizeof *c)))
			return -1;
		v->ch = c;
		v->capch = cap;
	}
	c = &v->ch[v->nch];
	c->kind = kind;
	c->a = a ? strdup(a) : NULL;
	c->b = b ? strdup(b) : NULL;
	if ((a && !c->a) || (b && !c->b)) {
		free(c->a);
		free(c->b);
		return -1;
	}
	c->old = json_incref(old);
	c->now = json_incref(now);
	v->nch++;
	return 0;
}

/* The map that holds the record of pp (created for a subdirectory when
 * create), or NULL. */
static json_t *
map_of(struct view *v, const struct ppath *pp, int create)
{
	json_t *m = json_object_get(v->snap, pp->member), *sub;

	if (pp->kind == VIEW_K_CLUSTER)
		return v->snap;
	if (!m)
		return NULL;
	if (pp->k == P_RECORD && pp->b[0] == '\0')
		return m;
	sub = json_object_get(m, pp->a);
	if (!sub && create) {
		sub = json_object();
		if (!sub || json_object_set_new(m, pp->a, sub) < 0)
			return NULL;
	}
	return sub;
}

static const char *
record_key(const struct ppath *pp)
{
	if (pp->kind == VIEW_K_CLUSTER)
		return "cluster";
	return pp->b[0] ? pp->b : pp->a;
}

static void
index_request(struct view *v, const char *iid, json_t *old, json_t *now)
{
	const char *app;
	json_t *m;

	if (old && (app = json_string_value(json_object_get(old, "appId"))) &&
	    (m = json_object_get(v->by_app, app))) {
		json_object_del(m, iid);
		if (json_object_size(m) == 0)
			json_object_del(v->by_app, app);
	}
	if (now && (app = json_string_value(json_object_get(now, "appId")))) {
		if (!(m = json_object_get(v->by_app, app))) {
			m = json_object();
			json_object_set_new(v->by_app, app, m);
		}
		json_object_set(m, iid, now);
	}
}

/* Put (now != NULL) or remove the record at path.  0, -1 ENOMEM. */
static int
apply(struct view *v, const char *path, const struct ppath *pp, json_t *now,
    int version)
{
	const char *key = record_key(pp);
	json_t *m, *old;
	int rc = 0;

	pthread_rwlock_wrlock(&v->rw);
	m = map_of(v, pp, now != NULL);
	old = m ? json_incref(json_object_get(m, key)) : NULL;
	if (now)
		json_object_set_new(v->versions, path, json_integer(version));
	else
		json_object_del(v->versions, path);
	if (old == now || (old && now && json_equal(old, now))) {
		pthread_rwlock_unlock(&v->rw);
		json_decref(old);
		return 0;
	}
	if (now) {
		if (!m || json_object_set(m, key, now) < 0)
			rc = -1;
	} else if (m)
		json_object_del(m, key);
	if (rc == 0 && pp->kind == VIEW_K_REQUEST)
		index_request(v, key, old, now);
	pthread_rwlock_unlock(&v->rw);
	if (rc == 0)
		rc = note_change(v, pp->kind, pp->a, pp->b[0] ? pp->b : NULL,
		    old, now);
	json_decref(old);
	if (rc < 0)
		errno = ENOMEM;
	return rc;
}

/* Remove every record under the subdirectory of pp, and the subdirectory
 * itself. */
static int
drop_subdir(struct view *v, const struct ppath *pp)
{
	char path[ZKP_MAX];
	json_t *sub, *rec;
	const char *iid;
	void *tmp;
	struct ppath r = *pp;

	sub = json_object_get(json_object_get(v->snap, pp->member), pp->a);
	if (!sub)
		return 0;
	r.k = P_RECORD;
	json_object_foreach_safe(sub, tmp, iid, rec) {
		snprintf(r.b, sizeof r.b, "%s", iid);
		if (snprintf(path, sizeof path, "%s/%s/%s/%s", v->root,
		    part_dir(pp->kind), pp->a, iid) >= (int)sizeof path)
			continue;
		if (apply(v, path, &r, NULL, 0) < 0)
			return -1;
	}
	pthread_rwlock_wrlock(&v->rw);
	json_object_del(json_object_get(v->snap, pp->member), pp->a);
	pthread_rwlock_unlock(&v->rw);
	return 0;
}

/* --- what to read --------------------------------------------------- */

static int
mark(struct view *v, json_t *set, const char *path)
{
	if (!v->since)
		v->since = mono_ms();
	return json_object_set_new(set, path, json_true());
}

/* Everything: every directory and every record known. */
static int
mark_all(struct view *v)
{
	char path[ZKP_MAX], p2[ZKP_MAX];
	const char *a, *b;
	json_t *m, *sub, *rec;
	size_t i;

	for (i = 0; i < NPARTS; i++) {
		const struct part *p = &parts[i];

		if (!(v->what & p->flag) || part_path(v, p, path) < 0)
			continue;
		if (p->levels == 0) {
			if (mark(v, v->dirty_recs, path) < 0)
				return -1;
			continue;
		}
		if (mark(v, v->dirty_dirs, path) < 0)
			return -1;
		m = json_object_get(v->snap, p->member);
		json_object_foreach(m, a, sub) {
			if (zkp_child(p2, path, a) < 0)
				continue;
			if (mark(v, p->levels == 2 ? v->dirty_dirs :
			    v->dirty_recs, p2) < 0)
				return -1;
			if (p->levels != 2)
				continue;
			json_object_foreach(sub, b, rec) {
				char p3[ZKP_MAX];

				if (zkp_child(p3, p2, b) == 0 &&
				    mark(v, v->dirty_recs, p3) < 0)
					return -1;
			}
		}
	}
	return 0;
}

int
view_note(struct view *v, const struct zk_event *ev)
{
	struct ppath pp;
	unsigned long seq;

	switch (ev->type) {
	case ZK_EV_DISCONNECTED:
		v->away = 1;
		return 1;
	case ZK_EV_CONNECTED:
		if (v->away)
			v->full = 1;
		return 1;
	case ZK_EV_EXPIRED:
		v->full = 1;
		return 1;
	case ZK_EV_USER:
		if (ev->path[0] == '#') {
			seq = strtoul(ev->path + 1, NULL, 10);
			pthread_mutex_lock(&v->wmu);
			if (seq > v->seen_seq)
				v->seen_seq = seq;
			pthread_mutex_unlock(&v->wmu);
			return 1;
		}
		/* a record a writer waits for is read before the rest */
		classify(v, ev->path, &pp);
		if (pp.k == P_RECORD) {
			if (mark(v, v->urgent, ev->path) < 0)
				v->full = 1;
			return 1;
		}
		break;
	default:
		break;
	}
	classify(v, ev->path, &pp);
	switch (pp.k) {
	case P_NONE:
		return 0;
	case P_DIR:
	case P_ROOT:
	case P_SUBDIR:
		if (mark(v, v->dirty_dirs, ev->path) < 0)
			v->full = 1;	/* out of memory: read all later */
		return 1;
	case P_RECORD:
		if (ev->type == ZK_EV_CHILD)
			return 0;
		if (mark(v, v->dirty_recs, ev->path) < 0)
			v->full = 1;
		return 1;
	}
	return 0;
}

int
view_touch(struct view *v, const char *path)
{
	struct ppath pp;

	classify(v, path, &pp);
	if (pp.k == P_NONE)
		return 0;
	/* read before anything else pending: the program decides next on
	 * its own writes, whatever burst is waiting */
	if (mark(v, pp.k == P_RECORD ? v->urgent : v->dirty_dirs, path) < 0)
		v->full = 1;
	return 1;
}

int
view_due_in(struct view *v, long long now_ms, int coalesce_ms)
{
	long long left;

	if (!view_pending(v))
		return -1;
	if (v->full || !v->since)
		return 0;
	pthread_mutex_lock(&v->wmu);
	left = v->seen_seq > v->done_seq ? 0 : v->since + coalesce_ms -
	    now_ms;
	pthread_mutex_unlock(&v->wmu);
	return left > 0 ? (int)left : 0;
}

int
view_pending(struct view *v)
{
	int waiting;

	pthread_mutex_lock(&v->wmu);
	waiting = v->seen_seq > v->done_seq;
	pthread_mutex_unlock(&v->wmu);
	return v->full || waiting || json_object_size(v->dirty_dirs) ||
	    json_object_size(v->dirty_recs) || json_object_size(v->urgent);
}

int
view_resync_due(const struct view *v, long long now_ms)
{
	return now_ms - v->last_full >= VIEW_RESYNC_MS;
}

/* --- reading ---------------------------------------------------------- */

/* The paths of a set as a batch of reads (paths borrowed from set). */
static struct zk_read *
batch_of(json_t *set, size_t *n)
{
	struct zk_read *r;
	const char *path;
	json_t *x;
	size_t i = 0;

	*n = json_object_size(set);
	if (!(r = calloc(*n + 1, sizeof *r)))
		return NULL;
	json_object_foreach(set, path, x)
		r[i++].path = path;
	return r;
}

static int
fail(struct view *v, int e, const char *what, const char *path)
{
	(void)v;
	return err_fail(e, "unable to %.20s '%.*s': %.60s", what, ZKP_MAX,
	    path, strerror(e));
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is s among the n sorted names? */
static int
has_name(char **names, int n, const char *s)
{
	return names && n > 0 && bsearch(&s, names, (size_t)n, sizeof *names,
	    cmp_name) != NULL;
}

/* A directory was listed: what is new is read, what is gone removed. */
static int
diff_dir(struct view *v, const char *dir, struct zk_read *r)
{
	char path[ZKP_MAX];
	struct ppath pp, child;
	json_t *m, *x;
	const char *name;
	void *tmp;
	char **p;

	classify(v, dir, &pp);
	if (r->err == ENOENT) {
		/* Top directories are watched for their creation; a gone
		 * subdirectory comes back through its parent's listing. */
		if (pp.k == P_DIR || pp.k == P_ROOT) {
			int e = v->src.watch_exists(v->src.arg, dir);

			if (e < 0)
				return fail(v, errno, "watch", dir);
			/* created since the listing: list it again */
			if (e == 1 && mark(v, v->dirty_dirs, dir) < 0)
				return fail(v, ENOMEM, "list", dir);
		}
		if (pp.k == P_SUBDIR)
			return drop_subdir(v, &pp);
	}
	if (pp.k == P_SUBDIR) {
		pthread_rwlock_wrlock(&v->rw);
		m = map_of(v, &pp, 1);
		pthread_rwlock_unlock(&v->rw);
		if (!m)
			return fail(v, ENOMEM, "list", dir);
	} else
		m = json_object_get(v->snap, pp.member);
	/* gone */
	json_object_foreach_safe(m, tmp, name, x) {
		if (has_name(r->names, r->count, name) ||
		    zkp_child(path, dir, name) < 0)
			continue;
		classify(v, path, &child);
		if (child.k == P_SUBDIR) {
			if (drop_subdir(v, &child) < 0)
				return -1;
		} else if (child.k == P_RECORD && apply(v, path, &child,
		    NULL, 0) < 0)
			return -1;
	}
	/* new */
	for (p = r->names; p && *p; p++) {
		if (json_object_get(m, *p) || zkp_child(path, dir, *p) < 0)
			continue;
		if (mark(v, pp.k == P_ROOT ? v->dirty_dirs : v->dirty_recs,
		    path) < 0)
			return fail(v, ENOMEM, "list", dir);
	}
	return 0;
}

static int
list_dirs(struct view *v)
{
	struct zk_read *r;
	json_t *set;
	size_t n, i;
	int rc = 0;

	while (rc == 0 && json_object_size(v->dirty_dirs)) {
		set = v->dirty_dirs;
		if (!(v->dirty_dirs = json_object())) {
			v->dirty_dirs = set;
			return fail(v, ENOMEM, "list", "directories");
		}
		if (!(r = batch_of(set, &n)) ||
		    v->src.children(v->src.arg, r, n, 1) < 0) {
			free(r);
			json_object_update(v->dirty_dirs, set);
			json_decref(set);
			return fail(v, ENOMEM, "list", "directories");
		}
		for (i = 0; i < n; i++) {
			if (rc == 0 && r[i].err && r[i].err != ENOENT)
				rc = fail(v, r[i].err, "list", r[i].path);
			else if (rc == 0)
				rc = diff_dir(v, r[i].path, &r[i]);
			if (rc < 0)	/* list it again next time */
				mark(v, v->dirty_dirs, r[i].path);
		}
		zk_read_free(r, n);
		free(r);
		json_decref(set);
	}
	return rc;
}

/* Up to cap paths moved out of from into a new set; NULL on ENOMEM. */
static json_t *
take(json_t *from, size_t cap)
{
	json_t *set = json_object(), *x;
	const char *path;
	size_t n = 0;
	void *tmp;

	if (!set)
		return NULL;
	json_object_foreach_safe(from, tmp, path, x) {
		if (n++ == cap)
			break;
		if (json_object_set(set, path, x) < 0) {
			json_decref(set);
			return NULL;
		}
		json_object_del(from, path);
	}
	return set;
}

/* Events never change once written: they are read without a data watch
 * (their directory's child watch tells their deletion). */
static int
watched(const struct view *v, const char *path)
{
	struct ppath pp;

	classify(v, path, &pp);
	return pp.kind != VIEW_K_EVENT;
}

static int read_set(struct view *v, json_t *set, int watch);

/* Read up to cap of the records marked in from; a failed read is marked
 * in dirty_recs to be read again. */
static int
read_records(struct view *v, json_t *from, size_t cap)
{
	json_t *set, *once, *x;
	const char *path;
	void *tmp;
	int rc;

	if (!json_object_size(from))
		return 0;
	if (!(set = take(from, cap)) || !(once = json_object())) {
		json_decref(set);
		return fail(v, ENOMEM, "read", "records");
	}
	json_object_foreach_safe(set, tmp, path, x)
		if (!watched(v, path)) {
			json_object_set(once, path, x);
			json_object_del(set, path);
		}
	rc = read_set(v, set, 1);
	if (read_set(v, once, 0) < 0)
		rc = -1;
	return rc;
}

/* Read the records of set (stolen), with data watches when watch. */
static int
read_set(struct view *v, json_t *set, int watch)
{
	struct zk_read *r;
	struct ppath pp;
	json_t *j;
	size_t n, i;
	int rc = 0;

	if (!json_object_size(set)) {
		json_decref(set);
		return 0;
	}
	if (!(r = batch_of(set, &n)) || v->src.get(v->src.arg, r, n, watch) <
	    0) {
		free(r);
		json_object_update(v->dirty_recs, set);
		json_decref(set);
		return fail(v, ENOMEM, "read", "records");
	}
	for (i = 0; i < n; i++) {
		classify(v, r[i].path, &pp);
		if (rc < 0 || pp.k != P_RECORD) {
			if (rc < 0)
				mark(v, v->dirty_recs, r[i].path);
			continue;
		}
		if (r[i].err == ENOENT) {
			int e = pp.kind == VIEW_K_CLUSTER ?
			    v->src.watch_exists(v->src.arg, r[i].path) : 0;

			if (e < 0)
				rc = fail(v, errno, "watch", r[i].path);
			else if (e == 1)	/* created meanwhile */
				rc = mark(v, v->dirty_recs, r[i].path);
			else
				rc = apply(v, r[i].path, &pp, NULL, 0);
		} else if (r[i].err)
			rc = fail(v, r[i].err, "read", r[i].path);
		else {
			j = js_parse(r[i].data, r[i].len);
			if (json_is_object(j))
				rc = apply(v, r[i].path, &pp, j, r[i].version);
			else	/* not a record: as if absent */
				rc = apply(v, r[i].path, &pp, NULL, 0);
			json_decref(j);
		}
		if (rc < 0)
			mark(v, v->dirty_recs, r[i].path);
	}
	zk_read_free(r, n);
	free(r);
	json_decref(set);
	return rc;
}

static void
report(struct view *v, view_change_fn *fn, void *ctx)
{
	struct view_change c;
	const json_t *rec;
	size_t i;

	if (v->changed)
		atomic_fetch_add(&v->gen, 1);
	v->changed = 0;
	for (i = 0; fn && i < v->nch; i++) {
		struct change *x = &v->ch[i];

		rec = x->now ? x->now : x->old;
		memset(&c, 0, sizeof c);
		c.kind = x->kind;
		c.old = x->old;
		c.now = x->now;
		switch (x->kind) {
		case VIEW_K_APP:
			c.app_id = x->a;
			break;
		case VIEW_K_INSTANCE:
			c.app_id = x->a;
			c.id = x->b;
			c.executor_id = json_string_value(json_object_get(rec,
			    "executorId"));
			break;
		case VIEW_K_EXECUTOR:
			c.executor_id = x->a;
			break;
		case VIEW_K_ASSIGNMENT:
			c.executor_id = x->a;
			c.id = x->b;
			c.app_id = json_string_value(json_object_get(rec,
			    "appId"));
			break;
		case VIEW_K_REQUEST:
			c.id = x->a;
			c.app_id = json_string_value(json_object_get(rec,
			    "appId"));
			break;
		case VIEW_K_OPERATION:
			c.app_id = x->a;
			break;
		case VIEW_K_EVENT:
			c.id = x->b;
			break;
		case VIEW_K_REMOVED:
		case VIEW_K_BLACKLIST:
			c.executor_id = x->a;
			break;
		case VIEW_K_TASK:
		case VIEW_K_LS_INSTANCE:
			c.app_id = x->a;
			c.id = x->b;
			c.executor_id = json_string_value(json_object_get(rec,
			    "executorId"));
			break;
		case VIEW_K_LOCALSERVICE:
		case VIEW_K_LS_OPERATION:
			c.app_id = x->a;
			break;
		case VIEW_K_CLUSTER:
			break;
		}
		fn(ctx, &c);
	}
	changes_clear(v);
}

/* Records read per refresh at most: a burst is applied in rounds, so
 * that the polling thread gets back to its events (and to writers
 * waiting in view_reload_wait()) between them. */
#define REFRESH_MAX 2048

static void
wake_waiters(struct view *v, unsigned long seen)
{
	pthread_mutex_lock(&v->wmu);
	if (seen > v->done_seq)
		v->done_seq = seen;
	pthread_cond_broadcast(&v->wcv);
	pthread_mutex_unlock(&v->wmu);
}

int
view_refresh(struct view *v, view_change_fn *fn, void *ctx)
{
	unsigned long seen;
	int rc;

	pthread_mutex_lock(&v->wmu);
	seen = v->seen_seq;
	pthread_mutex_unlock(&v->wmu);
	if (v->full) {
		if (mark_all(v) < 0)
			return fail(v, ENOMEM, "read", v->root);
		v->full = 0;
		v->away = 0;
		v->last_full = mono_ms();
	}
	v->since = 0;		/* what is marked from here is newer */
	/* first what writers wait for: every record they named before
	 * their mark is then read */
	rc = read_records(v, v->urgent, (size_t)-1);
	report(v, fn, ctx);
	if (rc == 0)
		wake_waiters(v, seen);
	if (rc == 0)
		rc = list_dirs(v);
	if (rc == 0)
		rc = read_records(v, v->dirty_recs, REFRESH_MAX);
	if (json_object_size(v->dirty_dirs) || json_object_size(v->dirty_recs))
		v->since = 1;	/* left for the next round: due at once */
	else
		v->since = 0;
	report(v, fn, ctx);
	return rc;
}

int
view_load(struct view *v, view_change_fn *fn, void *ctx)
{
	v->full = 1;
	return view_refresh(v, fn, ctx);
}

/* --- other threads -------------------------------------------------- */

void
view_rdlock(struct view *v)
{
	pthread_rwlock_rdlock(&v->rw);
}

void
view_unlock(struct view *v)
{
	pthread_rwlock_unlock(&v->rw);
}

unsigned long
view_gen(struct view *v)
{
	return atomic_load(&v->gen);
}


int
view_reload_wait(struct view *v, const char *path, int timeout_ms)
{
	return view_reload_wait_all(v, &path, 1, timeout_ms);
}

int
view_reload_wait_all(struct view *v, const char *const *paths, size_t n,
    int timeout_ms)
{
	char mark_path[32];
	struct timespec dl;
	unsigned long seq;
	size_t i;
	int rc = 0;

	pthread_mutex_lock(&v->wmu);
	seq = ++v->req_seq;
	pthread_mutex_unlock(&v->wmu);
	snprintf(mark_path, sizeof mark_path, "#%lu", seq);
	for (i = 0; i < n; i++)
		v->src.post(v->src.arg, ZK_EV_USER, paths[i]);
	v->src.post(v->src.arg, ZK_EV_USER, mark_path);
	deadline_after(&dl, CLOCK_REALTIME, timeout_ms);
	pthread_mutex_lock(&v->wmu);
	while (v->done_seq < seq && rc == 0)
		if (pthread_cond_timedwait(&v->wcv, &v->wmu, &dl) ==
		    ETIMEDOUT)
			rc = -1;
	if (v->done_seq >= seq)
		rc = 0;
	pthread_mutex_unlock(&v->wmu);
	if (rc < 0)
		errno = ETIMEDOUT;
	return rc;
}

/* --- reads ---------------------------------------------------------- */

json_t *
view_snapshot(const struct view *v)
{
	return v->snap;
}

static json_t *
get1(const struct view *v, const char *member, const char *a)
{
	return json_object_get(json_object_get(v->snap, member), a);
}

json_t *view_apps(const struct view *v)
{ return json_object_get(v->snap, "applications"); }
json_t *view_app(const struct view *v, const char *app_id)
{ return get1(v, "applications", app_id); }
json_t *view_instances(const struct view *v, const char *app_id)
{ return get1(v, "instances", app_id); }
json_t *view_instance(const struct view *v, const char *app_id,
    const char *instance_id)
{ return json_object_get(get1(v, "instances", app_id), instance_id); }
json_t *view_executors(const struct view *v)
{ return json_object_get(v->snap, "executors"); }
json_t *view_executor(const struct view *v, const char *executor_id)
{ return get1(v, "executors", executor_id); }
json_t *view_assignments(const struct view *v, const char *executor_id)
{ return get1(v, "assignments", executor_id); }
json_t *view_assignment(const struct view *v, const char *executor_id,
    const char *instance_id)
{ return json_object_get(get1(v, "assignments", executor_id), instance_id); }
json_t *view_requests(const struct view *v)
{ return json_object_get(v->snap, "requests"); }
json_t *view_app_requests(const struct view *v, const char *app_id)
{ return json_object_get(v->by_app, app_id); }
json_t *view_operations(const struct view *v)
{ return json_object_get(v->snap, "operations"); }
json_t *view_operation(const struct view *v, const char *app_id)
{ return json_object_get(view_operations(v), app_id); }
json_t *view_events(const struct view *v)
{ return json_object_get(v->snap, "events"); }
json_t *view_removed(const struct view *v)
{ return json_object_get(v->snap, "removedexecutors"); }
json_t *view_blacklist(const struct view *v)
{ return json_object_get(v->snap, "blacklist"); }
json_t *view_tasks(const struct view *v)
{ return json_object_get(v->snap, "tasks"); }
json_t *view_app_tasks(const struct view *v, const char *source_app)
{ return get1(v, "tasks", source_app); }
json_t *view_task(const struct view *v, const char *source_app,
    const char *task_id)
{ return json_object_get(get1(v, "tasks", source_app), task_id); }
json_t *view_localservices(const struct view *v)
{ return json_object_get(v->snap, "localservices"); }
json_t *view_localservice(const struct view *v, const char *service_id)
{ return get1(v, "localservices", service_id); }
json_t *view_ls_instances(const struct view *v, const char *service_id)
{ return get1(v, "localserviceinstances", service_id); }
json_t *view_ls_instance(const struct view *v, const char *service_id,
    const char *instance_id)
{
	return json_object_get(get1(v, "localserviceinstances", service_id),
	    instance_id);
}
json_t *view_ls_operations(const struct view *v)
{ return json_object_get(v->snap, "localserviceoperations"); }
json_t *view_ls_operation(const struct view *v, const char *service_id)
{ return json_object_get(view_ls_operations(v), service_id); }
json_t *view_event(const struct view *v, const char *name)
{
	long long time, seq;
	char bucket[32];

	if (event_name_parse(name, &time, &seq) < 0)
		return NULL;
	snprintf(bucket, sizeof bucket, "b%013lld",
	    time - time % EVENT_BUCKET_MS);
	return json_object_get(json_object_get(view_events(v), bucket), name);
}
json_t *view_cluster(const struct view *v)
{ return json_object_get(v->snap, "cluster"); }

int
view_version(const struct view *v, const char *path)
{
	json_t *x = json_object_get(v->versions, path);

	return x ? (int)json_integer_value(x) : -1;
}
