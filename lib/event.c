/* event: see event.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "event.h"
#include "record.h"
#include "zkpath.h"

#define PRUNE_BATCH 200

/* Sequence numbers per bucket stay below this (10 s of events). */
#define ORDER_SEQ 10000000LL

static pthread_mutex_t bucket_mu = PTHREAD_MUTEX_INITIALIZER;
static char bucket_known[ZKP_MAX];	/* the last bucket made sure of */

static long long
bucket_of(long long time)
{
	return time - time % EVENT_BUCKET_MS;
}

/* The bucket of time, made sure of once per process: 0, -1. */
static int
ensure_bucket(struct zk *z, const char *dir)
{
	int r = 0;

	pthread_mutex_lock(&bucket_mu);
	if (strcmp(bucket_known, dir)) {
		if ((r = zk_ensure(z, dir)) == 0)
			snprintf(bucket_known, sizeof bucket_known, "%s", dir);
	}
	pthread_mutex_unlock(&bucket_mu);
	return r;
}

int
event_add(struct zk *z, struct zk_txn *t, const json_t *ev)
{
	struct rec_event f;
	char root[ZKP_MAX], dir[ZKP_MAX], p[ZKP_MAX];
	int n;

	if (rec_event_read(ev, &f) < 0)
		return err_fail(EINVAL, "not an event");
	if (zkp_events_dir(root, zk_ns(z)) < 0)
		return err_fail(errno, "bad namespace '%s'", zk_ns(z));
	n = snprintf(dir, sizeof dir, "%s/b%013lld", root,
	    bucket_of(f.time));
	if (n < 0 || n >= (int)sizeof dir || snprintf(p, sizeof p,
	    "%s/e%013lld-", dir, f.time) >= (int)sizeof p)
		return err_fail(ENAMETOOLONG, "event path too long");
	if (ensure_bucket(z, dir) < 0)
		return -1;
	return zk_txn_create(t, p, ev, ZK_SEQUENCE);
}

long long
event_order(long long time, long long seq)
{
	return bucket_of(time) / EVENT_BUCKET_MS * ORDER_SEQ + seq %
	    ORDER_SEQ;
}

int
event_dir_ensure(struct zk *z, const char *ns)
{
	char dir[ZKP_MAX];

	if (zkp_events_dir(dir, ns) < 0)
		return err_fail(errno, "bad namespace '%s'", ns);
	return zk_ensure(z, dir);
}

void
event_forget(void)
{
	pthread_mutex_lock(&bucket_mu);
	bucket_known[0] = '\0';
	pthread_mutex_unlock(&bucket_mu);
}

int
event_put(struct zk *z, const char *path, const json_t *rec,
    const json_t *ev)
{
	struct zk_txn *t;
	char parent[ZKP_MAX], *s;
	int tries;

	for (tries = 0; tries < 3; tries++) {
		t = zk_txn_new(NULL);
		zk_txn_set(t, path, rec, -1);
		event_add(z, t, ev);
		if (zk_txn_commit(z, t) == 0)
			return 0;
		if (errno != ENOENT)
			return -1;
		/* the record or a directory is missing */
		snprintf(parent, sizeof parent, "%s", path);
		if ((s = strrchr(parent, '/')) && s != parent)
			*s = '\0';
		if (zk_ensure(z, parent) < 0)
			return -1;
		event_forget();
		t = zk_txn_new(NULL);
		zk_txn_create(t, path, rec, 0);
		event_add(z, t, ev);
		if (zk_txn_commit(z, t) == 0)
			return 0;
		if (errno != EEXIST)
			return -1;
		/* created in between: set it */
	}
	return -1;
}

int
event_name_parse(const char *name, long long *time, long long *seq)
{
	char *e, *p;
	long long t, s;

	/* digits only: strtoll alone takes signs and blanks */
	if (!name || name[0] != 'e' || name[1] < '0' || name[1] > '9')
		goto bad;
	errno = 0;
	t = strtoll(name + 1, &e, 10);
	if (errno || e == name + 1 || *e != '-')
		goto bad;
	p = e + 1;
	if (*p < '0' || *p > '9')
		goto bad;
	s = strtoll(p, &e, 10);
	if (errno || e == p || *e || s < 0)
		goto bad;
	*time = t;
	*seq = s;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/* Delete the events of bucket dir/name and the bucket, fenced, in
 * batches; *left is what may still be deleted.  The number deleted, -1. */
static int
prune_bucket(struct zk *z, const char *fence, const char *dir,
    const char *name, int *left)
{
	char b[ZKP_MAX], p[ZKP_MAX];
	char **names, **n;
	struct zk_txn *t = NULL;
	int k = 0, done = 0;

	if (zkp_child(b, dir, name) < 0)
		return 0;
	if (zk_children(z, b, 0, &names, NULL) < 0)
		return errno == ENOENT ? 0 : -1;
	for (n = names; *n && *left > 0; n++, (*left)--) {
		if (zkp_child(p, b, *n) < 0)
			continue;
		if (!t)
			t = zk_txn_new(fence);
		zk_txn_delete(t, p, -1);
		if (++k == PRUNE_BATCH) {
			if (zk_txn_commit(z, t) < 0)
				goto fail;
			t = NULL;
			done += k;
			k = 0;
		}
	}
	if (!*n) {	/* all of it: the bucket goes too */
		if (!t)
			t = zk_txn_new(fence);
		zk_txn_delete(t, b, -1);
	}
	if (t && zk_txn_commit(z, t) < 0 && errno != ENOTEMPTY)
		goto fail;
	done += k;
	zk_free_names(names);
	return done;
fail:
	zk_free_names(names);
	return -1;
}

int
event_prune(struct zk *z, const char *ns, const char *fence,
    long long before_ms, int max)
{
	char dir[ZKP_MAX];
	char **names, **n;
	long long start;
	int done = 0, r, left = max;
	char *e;

	if (zkp_events_dir(dir, ns) < 0)
		return err_fail(errno, "bad namespace '%s'", ns);
	if (zk_children(z, dir, 0, &names, NULL) < 0)
		return errno == ENOENT ? 0 : -1;
	for (n = names; *n && left > 0; n++) {
		if ((*n)[0] != 'b' || (start = strtoll(*n + 1, &e, 10)) < 0 ||
		    *e || start + EVENT_BUCKET_MS > before_ms)
			continue;
		if ((r = prune_bucket(z, fence, dir, *n, &left)) < 0) {
			zk_free_names(names);
			return -1;
		}
		done += r;
	}
	zk_free_names(names);
	return done;
}
