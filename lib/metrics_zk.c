/*
 * metrics_zk.c: the parts of lib/metrics that speak to ZooKeeper: a
 * session's own counts, and the publication of a leader-only program's
 * counters (metrics.h).
 */
#include <errno.h>
#include <string.h>

#include "err.h"
#include "metrics.h"
#include "zk.h"
#include "zkpath.h"

int
metrics_zk(struct metrics *m, const struct zk *z, const char *program)
{
	static const char *const with[] = { "program", "op", NULL };
	static const char *const without[] = { "op", NULL };
	const char *const *labels = program ? with : without;
	struct metric *calls, *errs;
	struct zk_stats st;
	const char *v[2];
	int i;

	calls = metrics_counter(m, "drove_zk_calls_total",
	    "ZooKeeper requests sent, by kind", labels);
	errs = metrics_counter(m, "drove_zk_errors_total",
	    "ZooKeeper requests that failed (connection loss, timeouts, "
	    "refusals; not the answers no node, node exists, bad version, "
	    "not empty), by kind", labels);
	if (!calls || !errs)
		return -1;
	zk_stats(z, &st);
	for (i = 0; i < ZK_OP_COUNT; i++) {
		v[0] = program ? program : zk_op_name((enum zk_op)i);
		v[1] = zk_op_name((enum zk_op)i);
		if (metric_set(calls, v, (double)st.calls[i]) < 0 ||
		    metric_set(errs, v, (double)st.errors[i]) < 0)
			return -1;
	}
	return 0;
}

/* One fenced write of j at path: set, or create when it is missing. */
static int
put(struct zk *z, const char *fence, const char *path, const json_t *j,
    int create)
{
	struct zk_txn *t = zk_txn_new(fence);

	if (create)
		zk_txn_create(t, path, j, 0);
	else
		zk_txn_set(t, path, j, -1);
	return zk_txn_commit(z, t);
}

int
metrics_publish(struct zk *z, const char *fence, const char *program,
    const char *hostname, struct metrics *m)
{
	char path[ZKP_MAX], dir[ZKP_MAX];
	json_t *j, *ms;
	int r;

	if (zkp_metrics(path, zk_ns(z), program) < 0 ||
	    zkp_metrics_dir(dir, zk_ns(z)) < 0)
		return err_fail(errno, "bad metrics path for '%s'",
		    program ? program : "");
	if (metrics_zk(m, z, NULL) < 0 || !(ms = metrics_json(m)))
		return err_fail(errno, "unable to gather the metrics: %s",
		    strerror(errno));
	if (!(j = json_pack("{s:s, s:s, s:I, s:o}", "program", program,
	    "hostname", hostname ? hostname : "", "updated",
	    (json_int_t)js_now_ms(), "metrics", ms)))
		return err_fail(ENOMEM, "out of memory");
	r = put(z, fence, path, j, 0);
	if (r < 0 && errno == ENOENT) {
		/* the first publication: the node, maybe its directory */
		r = zk_ensure(z, dir);
		if (r == 0)
			r = put(z, fence, path, j, 1);
		if (r < 0 && errno == EEXIST)
			r = put(z, fence, path, j, 0);
	}
	json_decref(j);
	return r;
}
