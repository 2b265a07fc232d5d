/*
 * httpd_executors.c: blacklisting (drove.md §3.3, §4.5, §6.10).
 * POST /apis/v1/cluster/executors/blacklist?id=..[&id=..] and
 * /cluster/executors/{id}/blacklist, the same for unblacklist, answered
 * with Drove's BlacklistOperationResponse.  A blacklisting is a record,
 * /<ns>/blacklist/<executorId> (lib/record rec_blacklist), written fenced
 * with its event (EXECUTOR_BLACKLIST_REQUESTED; unblacklisting deletes it
 * with EXECUTOR_UN_BLACKLISTED), so it outlives the executor's restart
 * and any leader change; drove-monitor moves the executor's instances
 * away and makes it BLACKLISTED; placement skips it from the start.
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

/* Rough time to move one instance away: a start and a stop. */
#define MOVE_MS_PER_INSTANCE 10000LL

/* Active app instances executor eid runs (view read-locked). */
static long long
active_on(const char *eid)
{
	struct rec_assignment f;
	const char *iid;
	json_t *a;
	long long n = 0;

	json_object_foreach(view_assignments(hd.view, eid), iid, a)
		if (rec_assignment_read(a, &f) == 0 &&
		    f.target == TARGET_RUNNING)
			n++;
	return n;
}

/* Blacklist (on) or unblacklist executor eid, fenced, with its event:
 * 1 done, 0 not an executor we know, -1 failed (errno). */
static int
set_one(const char *eid, int on, const char *fence, long long *moves)
{
	struct rec_executor fe;
	struct rec_blacklist fb;
	char p[ZKP_MAX], dir[ZKP_MAX];
	json_t *node, *bl, *rec = NULL, *ev;
	struct zk_txn *t;
	int r;

	view_rdlock(hd.view);
	node = view_executor(hd.view, eid);
	bl = json_object_get(view_blacklist(hd.view), eid);
	if (!node || rec_executor_read(node, &fe) < 0) {
		view_unlock(hd.view);
		return 0;
	}
	*moves += on ? active_on(eid) : 0;
	ev = rec_event_executor(on ? "EXECUTOR_BLACKLIST_REQUESTED" :
	    "EXECUTOR_UN_BLACKLISTED", eid, fe.hostname, fe.port,
	    js_now_ms());
	view_unlock(hd.view);
	if (!ev || zkp_blacklist(p, hd.ns, eid) < 0)
		goto fail;
	if ((on && bl) || (!on && !bl)) {	/* as asked already */
		json_decref(ev);
		return 1;
	}
	zkp_blacklist_dir(dir, hd.ns);
	if (zk_ensure(hd.zk, dir) < 0)
		goto fail;
	t = zk_txn_new(fence);
	if (on) {
		fb = (struct rec_blacklist){ eid, EXECUTOR_BLACKLIST_REQUESTED,
		    js_now_ms() };
		if (!(rec = rec_blacklist_new(&fb)))
			goto fail;
		zk_txn_create(t, p, rec, 0);
	} else
		zk_txn_delete(t, p, -1);
	event_add(hd.zk, t, ev);
	r = zk_txn_commit(hd.zk, t);
	if (r < 0 && errno == ENOENT)
		event_forget();
	json_decref(rec);
	json_decref(ev);
	if (r < 0 && errno != EEXIST && !(errno == ENOENT && !on))
		return -1;
	if (view_reload_wait(hd.view, p, 5000) < 0)
		warn("the view did not show '%s' within 5 s", p);
	info("executor %s: %s", eid, on ? "blacklisting requested" :
	    "unblacklisted");
	return 1;
fail:
	json_decref(rec);
	json_decref(ev);
	return -1;
}

void
h_blacklist(const struct req *r, const char *one, int on,
    struct reply *out)
{
	json_t *ids = one ? json_pack("[s]", one) : query_all(r, "id");
	json_t *ok = json_array(), *bad = json_array(), *x;
	char fence[ZKP_MAX];
	long long moves = 0;
	size_t i;
	int rc;

	if (!json_array_size(ids)) {
		json_decref(ids);
		json_decref(ok);
		json_decref(bad);
		reply_verr(out, "id must not be empty");
		return;
	}
	if (read_in_maintenance() || !leader_get(fence, NULL, 0)) {
		json_decref(ids);
		json_decref(ok);
		json_decref(bad);
		if (read_in_maintenance())
			reply_verr(out, HTTPD_IN_MAINTENANCE);
		else
			reply_fail(out, MHD_HTTP_BAD_REQUEST, HTTPD_NOT_LEADER,
			    NULL);
		return;
	}
	json_array_foreach(ids, i, x) {
		rc = set_one(json_string_value(x), on, fence, &moves);
		if (rc < 0 && errno == EPERM) {
			json_decref(ids);
			json_decref(ok);
			json_decref(bad);
			reply_fail(out, MHD_HTTP_BAD_REQUEST, HTTPD_NOT_LEADER,
			    NULL);
			return;
		}
		if (rc < 0)
			warn("executor %s: unable to %sblacklist: %s",
			    json_string_value(x), on ? "" : "un", err_text());
		json_array_append(rc == 1 ? ok : bad, x);
	}
	json_decref(ids);
	reply_ok(out, json_pack("{s:o, s:o, s:I, s:s}", "successful", ok,
	    "failed", bad, "approxCompletionTimeMs", (json_int_t)(on ? moves *
	    MOVE_MS_PER_INSTANCE : 0), "message", !json_array_size(ok) ?
	    (on ? "Blacklisting failed" : "Unblacklisting failed") : on ?
	    "Blacklisting successful and app movement scheduled" :
	    "Unblacklisting successful"));
}
