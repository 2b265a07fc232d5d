/*
 * drove-httpd: the controller's HTTP API (Drove's /apis/v1 paths, bodies
 * and {"status","data","message"} envelope) on server.bindAddress:port.
 * Reads /<ns>/leaderselection (watched: only the leader answers /apis) and
 * keeps a view of the cluster (lib/view: applications, instances,
 * executors, assignments, requests, cluster state, operations, events)
 * that answers every GET and feeds the event stream (Server-Sent Events);
 * writes accepted operations (httpd_ops.c: /<ns>/operations/<appId> with
 * the ApplicationInfo change and the event) fenced by the leader's
 * election znode.  Proxies log file requests to the executors.
 * stderr: one line per request at -v; ACCESS_AUDIT lines (the caller, by
 * lib/auth) for options.auditedHttpMethods and every operation.
 * Exit: 0 on SIGTERM, 100 bad usage/config, 111 ZooKeeper or socket trouble.
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "apiroute.h"
#include "auth.h"
#include "buf.h"
#include "config.h"
#include "election.h"
#include "err.h"
#include "logfile.h"
#include "notify.h"
#include "sig.h"
#include "httpd.h"

/* 413; libmicrohttpd renamed the constant between releases. */
#define HTTP_TOO_LARGE 413U

/* Changes are read at most this long after their event, so that a burst
 * of changes to one record is read once; a client waiting for its own
 * write does not wait for it. */
#define COALESCE_MS 50
/* While a push stream is open, its readers see each change within this
 * (a watcher of a task's end, say, should not wait 50 ms for it). */
#define STREAM_COALESCE_MS 2
#define COALESCE() (events_streaming() ? STREAM_COALESCE_MS : COALESCE_MS)

#define USAGE "drove-httpd -c controller.yml [ -c more.yml ... ] " \
	"[ -d notif ] [ -p port ] [ -v ] | -r"

struct httpd hd;

/* The leadership cache: written by the main thread, read by handlers. */
static struct {
	pthread_mutex_t mu;
	int is_leader;
	char fence[ZKP_MAX];
	char addr[300];
	unsigned long gen;
} lead = { PTHREAD_MUTEX_INITIALIZER, 0, "", "", 0 };

/* Per-connection state between MHD's calls of the access handler. */
struct conn {
	struct buf body;
	int too_big;
	long long start_us;	/* mono_us() at arrival, for the metrics */
};

int
leader_get(char *fence, char *addr, size_t addr_len)
{
	int r;

	pthread_mutex_lock(&lead.mu);
	r = lead.is_leader;
	if (fence)
		snprintf(fence, ZKP_MAX, "%s", lead.fence);
	if (addr)
		snprintf(addr, addr_len, "%s", lead.addr);
	pthread_mutex_unlock(&lead.mu);
	return r;
}

unsigned long
leader_gen(void)
{
	unsigned long g;

	pthread_mutex_lock(&lead.mu);
	g = lead.gen;
	pthread_mutex_unlock(&lead.mu);
	return g;
}

static void
leader_set(int is_leader, const char *fence, const char *addr)
{
	int changed = 0;

	pthread_mutex_lock(&lead.mu);
	if (is_leader != lead.is_leader)
		info("%s the leader controller", is_leader ? "now" : "not");
	if (is_leader != lead.is_leader || strcmp(addr, lead.addr))
		lead.gen++, changed = 1;
	lead.is_leader = is_leader;
	snprintf(lead.fence, sizeof lead.fence, "%s", fence);
	snprintf(lead.addr, sizeof lead.addr, "%s", addr);
	pthread_mutex_unlock(&lead.mu);
	if (changed)
		events_wake();	/* event streams end with the leadership */
}

/*
 * Who leads now (lib/election), re-arming its watches.  Dies (111) when
 * ZooKeeper fails other than with a missing node: the supervisor
 * restarts us.
 */
static void
leader_refresh(void)
{
	struct election_leader l;
	int r = election_leader(hd.zk, 1, &l);

	if (r < 0) {
		if (errno != ENOTCONN)
			die(EXIT_TEMP, "unable to read the election: %s",
			    err_text());
		leader_set(0, "", "");
		return;
	}
	if (r == 0) {
		leader_set(0, "", "");
		return;
	}
	leader_set(election_is(&l, hd.hostname, hd.port), l.path, l.addr);
}

static void
handle_zk_events(void)
{
	struct zk_event ev;
	char dir[ZKP_MAX];
	int r, refresh = 0;

	zkp_election_dir(dir, hd.ns);
	while ((r = zk_next_event(hd.zk, &ev)) == 1) {
		view_note(hd.view, &ev);
		switch (ev.type) {
		case ZK_EV_EXPIRED:
			die(EXIT_TEMP, "ZooKeeper session expired");
		case ZK_EV_DISCONNECTED:
			warn("ZooKeeper connection lost");
			leader_set(0, "", "");
			break;
		case ZK_EV_CONNECTED:
			refresh = 1;
			break;
		default:
			if (!strncmp(ev.path, dir, strlen(dir)))
				refresh = 1;
			break;
		}
	}
	if (r < 0)
		diesys(EXIT_TEMP, "unable to read ZooKeeper events");
	if (refresh)
		leader_refresh();
}

static void
on_change(void *ctx, const struct view_change *c)
{
	(void)ctx;
	if (c->kind == VIEW_K_EVENT)
		events_change(c);
	else
		capacity_change(c);
}

/* After a failed refresh (the session away), no refresh before this
 * (monotonic ms), so that the loop does not spin. */
static long long view_retry_at;

/* Apply what the events named to the view; a session away is retried
 * a second later, anything else is fatal. */
static void
view_update(void)
{
	if (view_retry_at && mono_ms() < view_retry_at)
		return;
	view_retry_at = 0;
	if (view_resync_due(hd.view, mono_ms()) &&
	    view_load(hd.view, on_change, NULL) < 0 && errno != ENOTCONN)
		die(EXIT_TEMP, "%s", err_text());
	if (view_due_in(hd.view, mono_ms(), COALESCE()) == 0 &&
	    view_refresh(hd.view, on_change, NULL) < 0) {
		if (errno != ENOTCONN)
			die(EXIT_TEMP, "%s", err_text());
		warn("%s", err_text());
		view_retry_at = mono_ms() + 1000;
	}
}

static enum MHD_Result
send_reply(struct MHD_Connection *c, const char *method, const char *url,
    struct reply *rep)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char *s = NULL;
	size_t n = 0;

	if (rep->queued) {
		if (verbosity > 0)
			info("%s %s %u", method, url, rep->code);
		return rep->queued > 0 ? MHD_YES : MHD_NO;
	}
	if (rep->json) {
		if (!(s = js_dump(rep->json)))
			return MHD_NO;
		n = strlen(s);
		json_decref(rep->json);
		rep->json = NULL;
		if (!rep->ctype[0])
			snprintf(rep->ctype, sizeof rep->ctype,
			    "application/json");
	} else if (rep->raw) {
		s = rep->raw;
		n = rep->raw_len;
		rep->raw = NULL;
	}
	resp = MHD_create_response_from_buffer(n, s,
	    s ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(s);
		return MHD_NO;
	}
	if (rep->ctype[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		    rep->ctype);
	if (rep->disposition[0])
		MHD_add_response_header(resp,
		    MHD_HTTP_HEADER_CONTENT_DISPOSITION, rep->disposition);
	if (rep->challenge[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		    rep->challenge);
	if (rep->location[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION,
		    rep->location);
	ret = MHD_queue_response(c, rep->code, resp);
	MHD_destroy_response(resp);
	if (verbosity > 0)
		info("%s %s %u", method, url, rep->code);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct conn *st = *con_cls;
	struct reply rep;
	struct req r;
	enum MHD_Result ret;

	(void)cls;
	(void)version;
	if (!st) {
		st = calloc(1, sizeof *st);
		if (!st)
			return MHD_NO;
		st->start_us = mono_us();
		*con_cls = st;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!st->too_big && st->body.len + *upload_size >
		    HTTPD_BODY_MAX)
			st->too_big = 1;
		if (!st->too_big && buf_add(&st->body, upload,
		    *upload_size) < 0)
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	memset(&rep, 0, sizeof rep);
	memset(&r, 0, sizeof r);
	r.conn = c;
	r.method = method;
	r.url = url;
	r.body = st->body.s ? st->body.s : "";
	r.body_len = st->body.len;
	if (st->too_big) {
		reply_fail(&rep, HTTP_TOO_LARGE,
		    "Request body too large (limit 1 MiB)", NULL);
	} else if (!strcmp(url, "/metrics") && (!strcmp(method, "GET") ||
	    !strcmp(method, "HEAD")))
		h_metrics(&rep);	/* any controller, no auth */
	else
		api_handle(&r, &rep);
	ret = send_reply(c, method, url, &rep);
	metrics_request(&r, &rep, mono_us() - st->start_us);
	return ret;
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct conn *st = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (st) {
		buf_free(&st->body);
		free(st);
		*con_cls = NULL;
	}
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	warn("httpd: %s", msg);
}

/* -r: the route table, one JSON object a line: method, path, role
 * (§3.3's legend), audit. */
static void
print_routes(void)
{
	size_t i;

	for (i = 0; i < AR_COUNT; i++) {
		const struct api_route *r = &api_routes[i];
		char path[300];
		json_t *j;

		snprintf(path, sizeof path, "%s%s", API_PREFIX, r->pattern);
		j = json_pack("{s:s,s:s,s:s}", "method", r->method, "path",
		    path, "role", access_name(r->access));
		if (j && r->audit)
			json_object_set_new(j, "audit", json_string(r->audit));
		if (!j || js_print_line(stdout, j) < 0)
			diesys(EXIT_TEMP, "unable to write the routes");
		json_decref(j);
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *di;
	const char *conf = NULL, *bindaddr, *connect;
	struct cfg_files cf = { 0 };
	struct pollfd pfd[2];
	long port = -1;
	unsigned int flags = MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
	    MHD_USE_ERROR_LOG;
	int opt, notif = -1, sfd, session_ms;
	char *end;

	PROG = "drove-httpd";
	while ((opt = getopt(argc, argv, "c:d:hp:rv")) != -1) {
		switch (opt) {
		case 'c':
			if (cfg_files_add(&cf, optarg) < 0)
				die(EXIT_USAGE, "%s", err_text());
			conf = cf.name;
			break;
		case 'd':
			if ((notif = notify_parse(optarg)) < 0)
				die(EXIT_USAGE, "invalid notification fd '%s'",
				    optarg);
			break;
		case 'h':
			printf("usage: %s\n", USAGE);
			stdout_close();
			return EXIT_OK;
		case 'p':
			errno = 0;
			port = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || errno != 0 ||
			    port < 0 || port > 65535)
				die(EXIT_USAGE, "invalid port '%s'", optarg);
			break;
		case 'r':
			print_routes();
			stdout_close();
			return EXIT_OK;
		case 'v':
			verbosity++;
			break;
		default:
			dieusage(USAGE);
		}
	}
	if (conf == NULL || optind != argc)
		dieusage(USAGE);

	if ((hd.cfg = cfg_load_all(cf.path, cf.n)) == NULL)
		die(EXIT_USAGE, "%s", err_text());
	if ((connect = cfg_zk_connect(hd.cfg)) == NULL || !*connect)
		die(EXIT_USAGE, "'%s': zookeeper.connectionString is missing",
		    conf);
	hd.ns = cfg_zk_namespace(hd.cfg);
	if (!*hd.ns || strchr(hd.ns, '/'))
		die(EXIT_USAGE, "'%s': invalid zookeeper.nameSpace '%s'", conf,
		    hd.ns);
	if (port < 0 && (port = cfg_port(hd.cfg, NODE_CONTROLLER)) < 0)
		die(EXIT_USAGE, "'%s': invalid server port", conf);
	if (cfg_hostname(hd.cfg, hd.hostname, sizeof hd.hostname) < 0)
		diesys(EXIT_TEMP, "unable to get the host name");
	spec_opts_from_cfg(hd.cfg, &hd.sopts);
	hd.cluster_secret = cfg_cluster_secret(hd.cfg, NODE_CONTROLLER);
	if (!(hd.auth = auth_new(hd.cfg)))
		die(EXIT_USAGE, "'%s': %s", conf, err_text());
	hd.instance_secret = cfg_instance_secret(hd.cfg);
	if (!hd.instance_secret || !*hd.instance_secret)
		die(EXIT_USAGE, "'%s': instanceAuth.secret must be a non-empty "
		    "string", conf);
	if (cfg_server_sockaddr(hd.cfg, (int)port, &ss, &bindaddr) < 0)
		die(EXIT_USAGE, "'%s': invalid bindAddress '%s'", conf,
		    bindaddr);
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;

	if ((session_ms = cfg_zk_session_ms(hd.cfg)) < 0)
		die(EXIT_USAGE, "'%s': %s", conf, err_text());

	if ((sfd = sig_fd((const int[]){ SIGTERM, SIGINT, SIGHUP, 0 })) < 0)
		diesys(EXIT_TEMP, "unable to set up signals");

	if (!(hd.zk = zk_open(connect, hd.ns, session_ms, 10000)))
		die(EXIT_TEMP, "unable to connect to ZooKeeper at '%s': %s",
		    connect, err_text());
	events_init();
	d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request,
	    NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120,
	    MHD_OPTION_UNESCAPE_CALLBACK, logfile_unescape, NULL,
	    MHD_OPTION_END);
	if (d == NULL)
		die(EXIT_TEMP, "unable to listen on %s:%ld", bindaddr, port);
	di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	hd.port = di != NULL && di->port ? (int)di->port : (int)port;
	if (!(hd.view = view_new_zk(hd.zk, VIEW_ALL)))
		diesys(EXIT_TEMP, "unable to set up the view");
	if (view_load(hd.view, on_change, NULL) < 0)
		die(EXIT_TEMP, "%s", err_text());
	leader_refresh();
	info("listening on %s:%d as %s:%d", bindaddr, hd.port, hd.hostname,
	    hd.port);
	notify_ready(notif);

	pfd[0].fd = sfd;
	pfd[0].events = POLLIN;
	pfd[1].fd = zk_fd(hd.zk);
	pfd[1].events = POLLIN;
	for (;;) {
		long long now = mono_ms();
		int due = !view_retry_at ? view_due_in(hd.view, now,
		    COALESCE()) : view_retry_at > now ?
		    (int)(view_retry_at - now) : 0;
		int r = poll(pfd, 2, due < 0 ? 60000 : due);

		if (r < 0 && errno != EINTR)
			diesys(EXIT_TEMP, "poll");
		if (r < 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			int sig;

			while ((sig = sig_read(sfd)) > 0) {
				if (sig == SIGHUP)
					continue;
				info("signal %d, exiting", sig);
				events_stop();
				MHD_stop_daemon(d);
				events_free();
				read_cache_free();
				httpd_metrics_free();
				capacity_free();
				view_free(hd.view);
				zk_close(hd.zk);
				auth_free(hd.auth);
				json_decref(hd.cfg);
				return EXIT_OK;
			}
		}
		if (pfd[1].revents & (POLLIN | POLLHUP))
			handle_zk_events();
		view_update();
	}
}
