/* event: see event.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "event.h"
#include "record.h"
#include "zkpath.h"

#define PRUNE_BATCH 200

/* The prefix of a new event's znode; ZooKeeper appends the sequence. */
static int
event_prefix(char *out, const char *ns, const json_t *ev)
{
	struct rec_event f;
	char dir[ZKP_MAX];
	int n;

	if (rec_event_read(ev, &f) < 0)
		return err_fail(EINVAL, "not an event");
	if (zkp_events_dir(dir, ns) < 0)
		return err_fail(errno, "bad namespace '%s'", ns);
	n = snprintf(out, ZKP_MAX, "%s/e%013lld-", dir, f.time);
	if (n < 0 || n >= ZKP_MAX)
		return err_fail(ENAMETOOLONG, "event path too long");
	return 0;
}

int
event_add(struct zk_txn *t, const char *ns, const json_t *ev)
{
	char p[ZKP_MAX];

	if (event_prefix(p, ns, ev) < 0)
		return -1;
	return zk_txn_create(t, p, ev, ZK_SEQUENCE);
}

int
event_dir_ensure(struct zk *z, const char *ns)
{
	char dir[ZKP_MAX];

	if (zkp_events_dir(dir, ns) < 0)
		return err_fail(errno, "bad namespace '%s'", ns);
	return zk_ensure(z, dir);
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
		event_add(t, zk_ns(z), ev);
		if (zk_txn_commit(z, t) == 0)
			return 0;
		if (errno != ENOENT)
			return -1;
		/* the record or a directory is missing */
		snprintf(parent, sizeof parent, "%s", path);
		if ((s = strrchr(parent, '/')) && s != parent)
			*s = '\0';
		if (zk_ensure(z, parent) < 0 || event_dir_ensure(z,
		    zk_ns(z)) < 0)
			return -1;
		t = zk_txn_new(NULL);
		zk_txn_create(t, path, rec, 0);
		event_add(t, zk_ns(z), ev);
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

int
event_prune(struct zk *z, const char *ns, const char *fence,
    long long before_ms, int max)
{
	char dir[ZKP_MAX], p[ZKP_MAX];
	char **names, **n;
	struct zk_txn *t = NULL;
	long long time, seq;
	int k = 0, done = 0;

	if (zkp_events_dir(dir, ns) < 0)
		return err_fail(errno, "bad namespace '%s'", ns);
	if (zk_children(z, dir, 0, &names, NULL) < 0)
		return errno == ENOENT ? 0 : -1;
	for (n = names; *n && done + k < max; n++) {
		if (event_name_parse(*n, &time, &seq) < 0 ||
		    time >= before_ms || zkp_child(p, dir, *n) < 0)
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
	if (t) {
		if (zk_txn_commit(z, t) < 0)
			goto fail;
		done += k;
	}
	zk_free_names(names);
	return done;
fail:
	zk_free_names(names);
	return -1;
}
