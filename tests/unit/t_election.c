/* t_election: who leads, from a list of election znode names. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "election.h"
#include "tap.h"

/* A NULL-terminated list of names as zk_children() gives. */
static char **
list(const char *const *src)
{
	static char *v[4][16];
	static int k;
	char **out = v[k++ % 4];
	int i;

	for (i = 0; src[i] && i < 15; i++)
		out[i] = strdup(src[i]);
	out[i] = NULL;
	return out;
}

static void
unlist(char **v)
{
	for (; *v; v++)
		free(*v);
}

int
main(void)
{
	char **names = list((const char *const[]){ "leader-0000000012",
	    "junk", "leader-0000000010", "leader-", "leader-0000000011x",
	    "leader-0000000009999", "leader-0000000013", NULL });
	char **none = list((const char *const[]){ "junk", "x-0000000001",
	    NULL });
	char **empty = list((const char *const[]){ NULL });
	char **one = list((const char *const[]){ "leader-0000000004", NULL });
	struct election_leader l;

	is_int(election_seq("leader-0000000007"), 7, "sequence");
	is_int(election_seq("leader-0"), 0, "sequence 0");
	is_int(election_seq("leader-2147483648"), 2147483648LL,
	    "past 31 bits");
	is_int(election_seq("leader-"), -1, "no digits");
	is_int(election_seq("leader-12a"), -1, "trailing junk");
	is_int(election_seq("leader--1"), -1, "sign");
	is_int(election_seq("Leader-1"), -1, "prefix is exact");
	is_int(election_seq("lock-0000000001"), -1, "other names");
	is_int(election_seq("leader-99999999999999999999"), -1, "overflow");
	is_int(election_seq(NULL), -1, "NULL");

	/* lowest sequence, not the first name in sorted order */
	is_int(election_pick(names), 2, "the lowest sequence leads");
	is_int(election_pick(none), -1, "no election names: nobody");
	is_int(election_pick(empty), -1, "no children: nobody");
	is_int(election_pick(NULL), -1, "no list: nobody");
	is_int(election_pick(one), 0, "the only candidate leads");

	is_int(election_predecessor(names, "leader-0000000010"), -1,
	    "the lowest waits for nobody");
	is_int(election_predecessor(names, "leader-0000000012"), 2,
	    "12 waits for 10, not for 9999 or junk");
	is_int(election_predecessor(names, "leader-0000000013"), 0,
	    "13 waits for 12");
	is_int(election_predecessor(names, "leader-0000000009999"), 6,
	    "9999 waits for 13");
	errno = 0;
	is_int(election_predecessor(names, "leader-0000000099"), -2,
	    "not among the names");
	ok(errno == ENOENT, "ENOENT");
	is_int(election_predecessor(names, "junk"), -2,
	    "not an election name");

	memset(&l, 0, sizeof l);
	snprintf(l.hostname, sizeof l.hostname, "ctrl-1");
	l.port = 4000;
	ok(election_is(&l, "ctrl-1", 4000), "is: same host and port");
	ok(!election_is(&l, "ctrl-1", 4001), "is not: other port");
	ok(!election_is(&l, "ctrl-2", 4000), "is not: other host");
	l.hostname[0] = '\0';
	l.port = 0;
	ok(!election_is(&l, "", 0), "unreadable data is nobody's");
	unlist(names);
	unlist(none);
	unlist(one);
	return done_testing();
}
