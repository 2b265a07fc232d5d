#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "election.h"
#include "record.h"

#define PREFIX "leader-"

long long
election_seq(const char *name)
{
	const char *p;
	long long v = 0;

	if (!name || strncmp(name, PREFIX, sizeof PREFIX - 1))
		return -1;
	p = name + sizeof PREFIX - 1;
	if (!*p)
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || v > (0x7fffffffffffffffLL - 9) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v;
}

int
election_pick(char *const *names)
{
	long long s, best = -1;
	int i, at = -1;

	for (i = 0; names && names[i]; i++)
		if ((s = election_seq(names[i])) >= 0 && (best < 0 || s < best)) {
			best = s;
			at = i;
		}
	return at;
}

int
election_predecessor(char *const *names, const char *mine)
{
	long long me = election_seq(mine), s, best = -1;
	int i, found = 0, at = -1;

	for (i = 0; me >= 0 && names && names[i]; i++) {
		if (!strcmp(names[i], mine)) {
			found = 1;
			continue;
		}
		if ((s = election_seq(names[i])) >= 0 && s < me && s > best) {
			best = s;
			at = i;
		}
	}
	if (!found) {
		errno = ENOENT;
		return -2;
	}
	return at;
}

int
election_leader(struct zk *z, int watch, struct election_leader *out)
{
	char dir[ZKP_MAX], path[ZKP_MAX];
	struct rec_leader rl;
	char **names;
	json_t *data;
	int i;

	if (zkp_election_dir(dir, zk_ns(z)) < 0)
		return -1;
	for (;;) {
		if (zk_children(z, dir, watch, &names, NULL) < 0) {
			if (errno != ENOENT)
				return -1;
			if (watch && zk_exists(z, dir, 1) < 0)
				return -1;
			return 0;
		}
		if ((i = election_pick(names)) < 0) {
			zk_free_names(names);
			return 0;
		}
		i = zkp_child(path, dir, names[i]);
		zk_free_names(names);
		if (i < 0)
			return -1;
		/* The data watch sees the leader go even if the child
		 * event raced with this read. */
		if ((data = zk_get_json(z, path, watch, NULL)) || errno ==
		    EINVAL)
			break;
		if (errno != ENOENT)
			return -1;
		/* gone since the listing: look again */
	}
	memset(out, 0, sizeof *out);
	snprintf(out->path, sizeof out->path, "%s", path);
	if (data && rec_leader_read(data, &rl) == 0 &&
	    strlen(rl.hostname) < sizeof out->hostname) {
		snprintf(out->hostname, sizeof out->hostname, "%s",
		    rl.hostname);
		out->port = rl.port;
		snprintf(out->addr, sizeof out->addr, "%s:%d", rl.hostname,
		    rl.port);
	}
	json_decref(data);
	return 1;
}

int
election_is(const struct election_leader *l, const char *hostname, int port)
{
	return l->hostname[0] && !strcmp(l->hostname, hostname) &&
	    l->port == port;
}
