/*
 * httpd_cluster.c: maintenance mode (drove.md §3.3, §7.6).
 * POST /apis/v1/cluster/maintenance/set and .../unset write
 * ClusterStateData {state, updated: now} at /<ns>/cluster/maintenance,
 * fenced by the leader's election znode, in one transaction with its
 * MAINTENANCE_MODE_SET or MAINTENANCE_MODE_REMOVED event (metadata
 * HOSTNAME: this controller), and answer the record once the view shows
 * it.  Both are always allowed: they are how the window is left.
 * read_in_maintenance() (httpd_read.c) tells the write and validate APIs
 * whether the cluster is in the window.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "event.h"
#include "model.h"
#include "record.h"
#include "httpd.h"

#define WRITE_TRIES 3

/* The directories the record and the event go in. */
static int
ensure_dirs(const char *path)
{
	char dir[ZKP_MAX], *s;

	snprintf(dir, sizeof dir, "%s", path);
	if ((s = strrchr(dir, '/')) && s != dir)
		*s = '\0';
	return zk_ensure(hd.zk, dir) < 0 || event_dir_ensure(hd.zk,
	    hd.ns) < 0 ? -1 : 0;
}

/* Write rec at path (created or replaced) and ev, fenced: 0 or -1. */
static int
write_state(const char *fence, const char *path, const json_t *rec,
    const json_t *ev)
{
	struct zk_txn *t;
	int tries, have;

	if (ensure_dirs(path) < 0)
		return -1;
	for (tries = 0; tries < WRITE_TRIES; tries++) {
		if ((have = zk_exists(hd.zk, path, 0)) < 0)
			return -1;
		t = zk_txn_new(fence);
		if (have)
			zk_txn_set(t, path, rec, -1);
		else
			zk_txn_create(t, path, rec, 0);
		event_add(hd.zk, t, ev);
		if (zk_txn_commit(hd.zk, t) == 0)
			return 0;
		/* created or deleted in between, or a directory or an event
		 * bucket gone: again */
		if (errno == ENOENT) {
			event_forget();
			if (ensure_dirs(path) < 0)
				return -1;
		} else if (errno != EEXIST)
			return -1;
	}
	return -1;
}

static void
h_maintenance(enum cluster_state s, struct reply *out)
{
	char fence[ZKP_MAX], path[ZKP_MAX];
	long long now = js_now_ms();
	json_t *rec, *md, *ev;

	if (!leader_get(fence, NULL, 0)) {
		reply_fail(out, MHD_HTTP_BAD_REQUEST, HTTPD_NOT_LEADER, NULL);
		return;
	}
	if (zkp_maintenance(path, hd.ns) < 0) {
		reply_500(out, "unable to name the cluster state: %s",
		    err_text());
		return;
	}
	rec = rec_cluster_new(&(struct rec_cluster){ s, now });
	md = json_pack("{s:s}", "HOSTNAME", hd.hostname);
	ev = md ? rec_event_new(&(struct rec_event){ s == CLUSTER_MAINTENANCE ?
	    "MAINTENANCE_MODE_SET" : "MAINTENANCE_MODE_REMOVED", NULL, now,
	    md }) : NULL;
	json_decref(md);
	if (!rec || !ev) {
		reply_500(out, "out of memory");
		goto out;
	}
	if (write_state(fence, path, rec, ev) < 0) {
		if (errno == EPERM)
			reply_fail(out, MHD_HTTP_BAD_REQUEST, HTTPD_NOT_LEADER,
			    NULL);
		else
			reply_500(out, "unable to write the cluster state: %s",
			    err_text());
		goto out;
	}
	if (view_reload_wait(hd.view, path, 5000) < 0)
		warn("the view did not show '%s' within 5 s", path);
	info("cluster state %s", cluster_state_name(s));
	reply_ok(out, json_incref(rec));
out:
	json_decref(rec);
	json_decref(ev);
}

void
h_maintenance_set(struct reply *out)
{
	h_maintenance(CLUSTER_MAINTENANCE, out);
}

void
h_maintenance_unset(struct reply *out)
{
	h_maintenance(CLUSTER_NORMAL, out);
}
