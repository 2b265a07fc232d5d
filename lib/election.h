/*
 * election: who leads, decided in one place.
 *
 * Every controller's drove-leader creates an EPHEMERAL_SEQUENTIAL znode
 * /<ns>/leaderselection/leader-<seq> holding {"hostname","port"} (a
 * rec_leader, record.h).  The leader is the child named leader-<seq> with
 * the lowest sequence number; children with any other name are ignored.
 * Its znode path is the fence of every desired-state write.
 *
 *   election_seq("leader-0000000007") == 7
 *   i = election_pick(names);	the leader's index, -1 when none
 *   election_leader(z, 1, &l);	who leads now, with watches armed
 */
#ifndef DROVE_ELECTION_H
#define DROVE_ELECTION_H

#include "zk.h"
#include "zkpath.h"

/* The sequence of an election znode name "leader-<digits>", else -1. */
long long election_seq(const char *name);

/* names: NULL-terminated.  The index of the lowest-sequence election
 * name, or -1 when there is none. */
int election_pick(char *const *names);

/* The index of the election name that mine waits for (the highest
 * sequence below mine's), -1 when mine leads, -2 (errno=ENOENT) when
 * mine is not an election name among names. */
int election_predecessor(char *const *names, const char *mine);

struct election_leader {
	char path[ZKP_MAX];	/* its election znode: the fence */
	char hostname[256];	/* "" when its data does not parse */
	int port;		/* 0 when its data does not parse */
	char addr[300];		/* "hostname:port", "" likewise */
};

/*
 * Read who leads now.  Returns 1 with *out filled, 0 when nobody leads
 * (no election znode, or no directory), -1 with errno (zk.h's) and
 * err_text() when ZooKeeper fails.  With watch set, arms a child
 * watch on the election directory (an exists watch when it is missing)
 * and a data watch on the leader's znode, so that any change of leader
 * arrives as an event under the election directory.
 */
int election_leader(struct zk *z, int watch, struct election_leader *out);

/* 1 if l is the controller at hostname:port, else 0. */
int election_is(const struct election_leader *l, const char *hostname,
    int port);

#endif
