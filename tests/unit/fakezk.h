/*
 * fakezk.h: a fake ZooKeeper for the view's unit tests (t_view,
 * t_pltrack), keeping ZooKeeper's watch rules: one-shot data, child and
 * exists watches, set by reads, consumed by the event they fire.  So a
 * view that fails to re-arm a watch misses later changes.
 *
 *   fake_reset(); zset(path, data); zdel(path);
 *   struct view *v = view_new(&SRC, "ns", what);
 *   fake_pump(v, fn, ctx);	deliver the queued events, then refresh
 *   F.connected = 0;		reads fail with ENOTCONN, events are lost
 */
#ifndef DROVE_FAKEZK_H
#define DROVE_FAKEZK_H

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

static struct fake {
	json_t *nodes;		/* path -> data string */
	json_t *versions;	/* path -> int */
	json_t *wdata, *wchild, *wexists;	/* armed watches: path -> true */
	pthread_mutex_t mu;	/* guards q (posted from other threads) */
	struct zk_event q[4096];
	int nq;
	int connected;		/* events are dropped while 0 */
	long reads;
} F = { .mu = PTHREAD_MUTEX_INITIALIZER };

__attribute__((unused)) static void
fake_reset(void)
{
	json_decref(F.nodes);
	json_decref(F.versions);
	json_decref(F.wdata);
	json_decref(F.wchild);
	json_decref(F.wexists);
	F.nodes = json_object();
	F.versions = json_object();
	F.wdata = json_object();
	F.wchild = json_object();
	F.wexists = json_object();
	F.nq = 0;
	F.connected = 1;
	F.reads = 0;
}

__attribute__((unused)) static void
push(enum zk_ev_type t, const char *path)
{
	pthread_mutex_lock(&F.mu);
	if (F.nq < (int)(sizeof F.q / sizeof F.q[0])) {
		F.q[F.nq].type = t;
		snprintf(F.q[F.nq].path, sizeof F.q[F.nq].path, "%s", path);
		F.nq++;
	}
	pthread_mutex_unlock(&F.mu);
}

/* Fire and consume the watch of set on path. */
__attribute__((unused)) static void
fire(json_t *set, const char *path, enum zk_ev_type t)
{
	if (!json_object_get(set, path))
		return;
	json_object_del(set, path);
	if (F.connected)
		push(t, path);
}

__attribute__((unused)) static void
parent_of(const char *path, char *out)
{
	const char *s = strrchr(path, '/');

	snprintf(out, 512, "%.*s", (int)(s - path), path);
}

/* Create or change a node (parents must exist). */
__attribute__((unused)) static void
zset(const char *path, const char *data)
{
	char parent[512];
	int created = !json_object_get(F.nodes, path);
	json_t *ver = json_object_get(F.versions, path);

	json_object_set_new(F.nodes, path, json_string(data));
	json_object_set_new(F.versions, path,
	    json_integer(created ? 0 : json_integer_value(ver) + 1));
	if (created) {
		parent_of(path, parent);
		fire(F.wexists, path, ZK_EV_CREATED);
		fire(F.wchild, parent, ZK_EV_CHILD);
	} else
		fire(F.wdata, path, ZK_EV_CHANGED);
}

__attribute__((unused)) static void
zdel(const char *path)
{
	char parent[512];

	json_object_del(F.nodes, path);
	json_object_del(F.versions, path);
	parent_of(path, parent);
	fire(F.wdata, path, ZK_EV_DELETED);
	fire(F.wchild, path, ZK_EV_DELETED);
	fire(F.wchild, parent, ZK_EV_CHILD);
}

__attribute__((unused)) static int
f_get(void *arg, struct zk_read *r, size_t n, int watch)
{
	size_t i;
	json_t *d;

	(void)arg;
	for (i = 0; i < n; i++) {
		memset(&r[i].err, 0, sizeof *r - sizeof r[i].path);
		F.reads++;
		if (!F.connected) {
			r[i].err = ENOTCONN;
			continue;
		}
		if (!(d = json_object_get(F.nodes, r[i].path))) {
			r[i].err = ENOENT;
			continue;
		}
		r[i].data = strdup(json_string_value(d));
		r[i].len = strlen(r[i].data);
		r[i].version = (int)json_integer_value(json_object_get(
		    F.versions, r[i].path));
		if (watch)
			json_object_set_new(F.wdata, r[i].path, json_true());
	}
	return 0;
}

__attribute__((unused)) static int
f_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

__attribute__((unused)) static int
f_children(void *arg, struct zk_read *r, size_t n, int watch)
{
	const char *key;
	json_t *d;
	size_t i, pl;
	int k;

	(void)arg;
	for (i = 0; i < n; i++) {
		memset(&r[i].err, 0, sizeof *r - sizeof r[i].path);
		if (!F.connected) {
			r[i].err = ENOTCONN;
			continue;
		}
		if (!json_object_get(F.nodes, r[i].path)) {
			r[i].err = ENOENT;
			continue;
		}
		pl = strlen(r[i].path);
		r[i].names = calloc(json_object_size(F.nodes) + 1,
		    sizeof *r[i].names);
		k = 0;
		json_object_foreach(F.nodes, key, d)
			if (!strncmp(key, r[i].path, pl) && key[pl] == '/' &&
			    !strchr(key + pl + 1, '/'))
				r[i].names[k++] = strdup(key + pl + 1);
		r[i].count = k;
		qsort(r[i].names, (size_t)k, sizeof *r[i].names, f_cmp);
		if (watch)
			json_object_set_new(F.wchild, r[i].path, json_true());
	}
	return 0;
}

__attribute__((unused)) static int
f_exists(void *arg, const char *path)
{
	(void)arg;
	if (!F.connected) {
		errno = ENOTCONN;
		return -1;
	}
	json_object_set_new(F.wexists, path, json_true());
	return json_object_get(F.nodes, path) != NULL;
}

__attribute__((unused)) static void
f_post(void *arg, enum zk_ev_type t, const char *path)
{
	(void)arg;
	push(t, path);
}

__attribute__((unused)) static const struct view_source SRC = { NULL, f_get, f_children, f_exists,
    f_post };

/* Deliver every queued event to v, then refresh it. */
__attribute__((unused)) static int
fake_pump(struct view *v, view_change_fn *fn, void *ctx)
{
	struct zk_event q[4096];
	int n, i;

	pthread_mutex_lock(&F.mu);
	n = F.nq;
	memcpy(q, F.q, sizeof q[0] * (size_t)n);
	F.nq = 0;
	pthread_mutex_unlock(&F.mu);
	for (i = 0; i < n; i++)
		view_note(v, &q[i]);
	return view_refresh(v, fn, ctx);
}

#endif
