/*
 * drove-leader: ZooKeeper leader election for one controller host.
 * Creates an EPHEMERAL_SEQUENTIAL znode /<ns>/leaderselection/leader-N with
 * {"hostname","port"} (this controller's API address); the lowest sequence
 * leads.  While leader it runs "prog args..." (usually s6-svscan of the
 * leader service directory) with DROVE_LEADER_ZNODE set to its own election
 * znode, the fence of every desired-state write.  Becoming leader writes a
 * LEADERSHIP_ACQUIRED event (fenced); giving it up while ZooKeeper still
 * answers writes LEADERSHIP_LOST in the transaction that deletes the
 * election znode, so that the next candidate takes over at once.  When the
 * session is lost or disconnected, it kills prog and exits 111 at once;
 * SIGTERM: stops prog, gives up the znode, closes the session and exits 0.
 * If prog exits, so does drove-leader (111).  Prints nothing on stdout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "election.h"
#include "err.h"
#include "event.h"
#include "json.h"
#include "notify.h"
#include "record.h"
#include "sig.h"
#include "zk.h"
#include "zkpath.h"

#define USAGE "drove-leader -c controller.yml [ -c more.yml ... ] " \
	"[ -d notif ] [ -v ] " \
	"[ -H hostname ] [ -p port ] -- prog [ args... ]"

static struct {
	struct zk *zk;
	char me[ZKP_MAX];	/* our election znode */
	char dir[ZKP_MAX];
	const char *host;	/* our hostname, the events' HOSTNAME */
	char **prog;
	pid_t child;
	int leader;
	int notif;
	int sfd;
} ctx = { .child = -1, .notif = -1, .sfd = -1 };

static void
term_child(void)
{
	if (ctx.child <= 0)
		return;
	kill(-ctx.child, SIGTERM);
	kill(ctx.child, SIGTERM);
}

/* SIGTERM to prog's group, SIGKILL after 5 s; waits for prog. */
static void
kill_child(void)
{
	struct timespec dl, now;
	int status;

	if (ctx.child <= 0)
		return;
	term_child();
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += 5;
	for (;;) {
		pid_t r = waitpid(ctx.child, &status, WNOHANG);

		if (r == ctx.child || (r < 0 && errno == ECHILD))
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > dl.tv_sec || (now.tv_sec == dl.tv_sec &&
		    now.tv_nsec >= dl.tv_nsec)) {
			kill(-ctx.child, SIGKILL);
			kill(ctx.child, SIGKILL);
			waitpid(ctx.child, &status, 0);
			break;
		}
		usleep(20000);
	}
	ctx.child = -1;
}

/*
 * Write LEADERSHIP_<what> with our hostname, fenced by our election znode;
 * with del, the znode is deleted in the same transaction.  0, or -1 with
 * errno and err_text().
 */
static int
leadership_event(const char *what, int del)
{
	char type[64];
	json_t *md, *ev;
	struct zk_txn *t;
	int tries, r = -1;

	snprintf(type, sizeof type, "LEADERSHIP_%s", what);
	md = json_pack("{ss}", "HOSTNAME", ctx.host);
	ev = md ? rec_event_new(&(struct rec_event){ type, NULL,
	    js_now_ms(), md }) : NULL;
	json_decref(md);
	if (!ev)
		return err_fail(ENOMEM, "out of memory");
	for (tries = 0; tries < 2 && r < 0; tries++) {
		t = zk_txn_new(ctx.me);
		if (event_add(ctx.zk, t, ev) < 0) {
			zk_txn_free(t);
			break;
		}
		if (del)
			zk_txn_delete(t, ctx.me, -1);
		if ((r = zk_txn_commit(ctx.zk, t)) < 0 && errno == ENOENT)
			event_forget();	/* a bucket pruned behind our back */
		else if (r < 0)
			break;
	}
	json_decref(ev);
	return r;
}

/*
 * Stop, and exit with code.  live: ZooKeeper still answers, so a leader
 * hands over at once: prog is told to stop, the election znode is deleted
 * with a LEADERSHIP_LOST event (fenced: prog's writes fail from then on),
 * then prog is waited for.  Closing the session deletes the znode anyway.
 */
static void __attribute__((noreturn))
quit(int code, const char *why, int live)
{
	if (ctx.leader) {
		info("giving up leadership: %s", why);
		if (live) {
			term_child();
			if (leadership_event("LOST", 1) < 0)
				warn("unable to record the loss of "
				    "leadership: %s", err_text());
		}
	}
	kill_child();
	zk_close(ctx.zk);
	exit(code);
}

static void
spawn(void)
{
	sigset_t none;
	pid_t pid = fork();

	if (pid < 0)
		diesys(EXIT_TEMP, "unable to fork");
	if (pid == 0) {
		/* Leader-only programs must not outlive us, even on SIGKILL. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		setpgid(0, 0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		setenv("DROVE_LEADER_ZNODE", ctx.me, 1);
		execvp(ctx.prog[0], ctx.prog);
		fprintf(stderr, "%s: fatal: unable to exec '%s': %s\n", PROG,
		    ctx.prog[0], strerror(errno));
		_exit(EXIT_USAGE);
	}
	setpgid(pid, pid);
	ctx.child = pid;
}

/*
 * A previous incarnation of this controller (same hostname and port) may
 * have left its election znode behind: its session lives on until it times
 * out, and we would stand by behind our own ghost for that long.  Remove
 * it.  Should that process still be running, its fence is gone with the
 * znode, so it can no longer write.
 */
static void
remove_ghosts(const char *host, int port)
{
	char **names = NULL;
	struct rec_leader rl;
	json_t *data;
	int i;

	if (zk_children(ctx.zk, ctx.dir, 0, &names, NULL) < 0)
		die(EXIT_TEMP, "%s", err_text());
	for (i = 0; names[i]; i++) {
		char p[ZKP_MAX];

		if (election_seq(names[i]) < 0 ||
		    zkp_child(p, ctx.dir, names[i]) < 0)
			continue;
		if (!(data = zk_get_json(ctx.zk, p, 0, NULL)))
			continue;
		if (rec_leader_read(data, &rl) == 0 &&
		    !strcmp(rl.hostname, host) && rl.port == port) {
			info("removing %s, left by an earlier run of this "
			    "controller", names[i]);
			if (zk_delete(ctx.zk, p, -1) < 0 && errno != ENOENT)
				die(EXIT_TEMP, "%s", err_text());
		}
		json_decref(data);
	}
	zk_free_names(names);
}

/* Check the election (lib/election); lead, or watch our predecessor. */
static void
elect(void)
{
	char **names = NULL, p[ZKP_MAX];
	const char *mine = zkp_base(ctx.me);
	int i, r;

	for (;;) {
		if (zk_children(ctx.zk, ctx.dir, 0, &names, NULL) < 0)
			die(EXIT_TEMP, "%s", err_text());
		if ((i = election_predecessor(names, mine)) == -2)
			die(EXIT_TEMP, "our election znode '%s' is gone",
			    ctx.me);
		if (i < 0)
			break;
		if (zkp_child(p, ctx.dir, names[i]) < 0)
			die(EXIT_TEMP, "bad election znode '%s'", names[i]);
		if ((r = zk_exists(ctx.zk, p, 1)) < 0)
			die(EXIT_TEMP, "%s", err_text());
		if (r == 1) {
			info("standing by behind %s", names[i]);
			zk_free_names(names);
			return;
		}
		zk_free_names(names);	/* predecessor just went: look again */
	}
	zk_free_names(names);
	ctx.leader = 1;
	info("leadership acquired: %s", ctx.me);
	if (leadership_event("ACQUIRED", 0) < 0) {
		if (errno == EPERM)	/* our znode is gone: so is the lead */
			die(EXIT_TEMP, "%s", err_text());
		warn("unable to record the leadership: %s", err_text());
	}
	spawn();
}

int
main(int argc, char **argv)
{
	const char *cfgpath = NULL, *host = NULL, *connect;
	struct cfg_files cf = { 0 };
	char hostbuf[256], prefix[ZKP_MAX], *end;
	long port = -1;
	int c, session_ms;
	json_t *cfg, *me;
	char *data;

	PROG = "drove-leader";
	while ((c = getopt(argc, argv, "+c:d:vH:p:h")) != -1) {
		switch (c) {
		case 'c':
			if (cfg_files_add(&cf, optarg) < 0)
				die(EXIT_USAGE, "%s", err_text());
			cfgpath = cf.name;
			break;
		case 'd':
			ctx.notif = notify_parse(optarg);
			if (ctx.notif < 0)
				die(EXIT_USAGE, "invalid notification fd '%s'",
				    optarg);
			break;
		case 'v': verbosity++; break;
		case 'H': host = optarg; break;
		case 'p':
			errno = 0;
			port = strtol(optarg, &end, 10);
			if (!*optarg || *end || errno || port < 1 ||
			    port > 65535)
				die(EXIT_USAGE, "invalid port '%s'", optarg);
			break;
		case 'h': printf("usage: %s\n", USAGE); return 0;
		default: dieusage(USAGE);
		}
	}
	if (!cfgpath || optind >= argc)
		dieusage(USAGE);
	ctx.prog = argv + optind;
	cfg = cfg_load_all(cf.path, cf.n);
	if (!cfg)
		die(EXIT_USAGE, "%s", err_text());
	connect = cfg_zk_connect(cfg);
	if (!connect)
		die(EXIT_USAGE, "%s: zookeeper.connectionString is missing",
		    cfgpath);
	if (!host) {
		if (cfg_hostname(cfg, hostbuf, sizeof hostbuf) < 0)
			diesys(EXIT_TEMP, "unable to get the hostname");
		host = hostbuf;
	}
	ctx.host = host;
	if ((session_ms = cfg_zk_session_ms(cfg)) < 0)
		die(EXIT_USAGE, "%s: %s", cfgpath, err_text());
	if (port < 0 && (port = cfg_port(cfg, NODE_CONTROLLER)) < 0)
		die(EXIT_USAGE, "%s: invalid server port", cfgpath);
	if (zkp_election_dir(ctx.dir, cfg_zk_namespace(cfg)) < 0 ||
	    zkp_election_prefix(prefix, cfg_zk_namespace(cfg)) < 0)
		die(EXIT_USAGE, "invalid zookeeper.nameSpace '%s'",
		    cfg_zk_namespace(cfg));

	ctx.sfd = sig_fd((const int[]){ SIGTERM, SIGINT, SIGCHLD, SIGHUP, 0 });
	if (ctx.sfd < 0)
		diesys(EXIT_TEMP, "unable to create a signalfd");

	ctx.zk = zk_open(connect, cfg_zk_namespace(cfg), session_ms, 15000);
	if (!ctx.zk)
		die(EXIT_TEMP, "unable to connect to ZooKeeper '%s'", connect);
	if (zk_ensure(ctx.zk, ctx.dir) < 0 ||
	    event_dir_ensure(ctx.zk, cfg_zk_namespace(cfg)) < 0)
		die(EXIT_TEMP, "%s", err_text());
	me = rec_leader_new(&(struct rec_leader){ host, (int)port });
	data = me ? js_dump(me) : NULL;
	json_decref(me);
	if (!data)
		die(EXIT_TEMP, "out of memory");
	remove_ghosts(host, (int)port);
	if (zk_create(ctx.zk, prefix, data, strlen(data),
	    ZK_EPHEMERAL | ZK_SEQUENCE, ctx.me, sizeof ctx.me) < 0)
		die(EXIT_TEMP, "%s", err_text());
	free(data);
	json_decref(cfg);
	info("joined the election as %s", ctx.me);
	elect();
	notify_ready(ctx.notif);

	for (;;) {
		struct pollfd pfd[2] = {
			{ zk_fd(ctx.zk), POLLIN, 0 }, { ctx.sfd, POLLIN, 0 }
		};
		struct zk_event ev;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			diesys(EXIT_TEMP, "poll");
		}
		if (pfd[1].revents & POLLIN) {
			int sig;

			while ((sig = sig_read(ctx.sfd)) > 0) {
				if (sig == SIGCHLD) {
					int status;
					pid_t r;

					while ((r = waitpid(-1, &status,
					    WNOHANG)) > 0)
						if (r == ctx.child) {
							ctx.child = -1;
							quit(EXIT_TEMP,
							    "the leader program "
							    "exited", 1);
						}
				} else if (sig != SIGHUP)
					quit(EXIT_OK, "asked to stop", 1);
			}
		}
		while (zk_next_event(ctx.zk, &ev) == 1) {
			switch (ev.type) {
			case ZK_EV_EXPIRED:
				quit(EXIT_TEMP, "ZooKeeper session expired",
				    0);
			case ZK_EV_DISCONNECTED:
				/* The session may expire unseen while we are
				 * cut off: stop leading now, not later. */
				quit(EXIT_TEMP, "disconnected from ZooKeeper",
				    0);
			case ZK_EV_DELETED:
				if (!ctx.leader)
					elect();
				break;
			default:
				break;
			}
		}
	}
}
