/*
 * drove-logstream: the executor's log file endpoints, as Drove's executor
 * serves them (LogFileStream), over <logPath>/<appId>/<instanceId>/, and
 * the executor's GET /metrics (metrics.c, no authentication, as on
 * Drove's admin port).
 * Reads: executor YAML (server.bindAddress, server.applicationConnectors[0].
 * port, logging.appenders[type=drove].logPath, clusterAuth.secrets).
 * Serves: GET /apis/v1/logs/filestream/{id}/{instance}/list -> {"files":[..]},
 * .../read/{file}?offset=&length= -> {"data":"..","offset":N},
 * .../download/{file} -> bytes.  Errors: 400 {"error":".."}.
 * Every request needs the headers NodeId and Cluster-Authorization (a
 * cluster secret, Drove's defaults when none is configured): bare 401.
 * Names are checked by lib/logfile and opened without following links.
 * Writes nothing.  Exit: 0 on SIGTERM, 100 usage/config, 111 bind/setup.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "json.h"
#include "logfile.h"
#include "notify.h"
#include "sig.h"
#include "logstream.h"

#define USAGE "drove-logstream -c executor.yml [ -c more.yml ... ] " \
	"[ -d notif ] [ -v ] [ -p port ]"

#define ROUTE_PREFIX	"/apis/v1/logs/filestream/"
#define READ_DEFAULT	32768
#define READ_MAX	(1L << 20)

static struct ctx {
	const char *logpath;	/* as configured */
	json_t *cfg;
} ctx;

/*
 * Copy data into out as valid UTF-8: each maximal invalid subpart becomes
 * U+FFFD (as the Unicode standard and Java's decoder do), so the JSON stays
 * valid whatever the container wrote.
 */
static int
ls_utf8_sanitize(struct buf *out, const unsigned char *p, size_t n)
{
	static const char repl[] = "\xef\xbf\xbd";
	size_t i = 0;

	while (i < n) {
		unsigned char c = p[i];
		size_t need, k;
		unsigned char lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			size_t j = i;

			while (j < n && p[j] < 0x80)
				j++;
			if (buf_add(out, p + i, j - i) < 0)
				return -1;
			i = j;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else {
			if (buf_add(out, repl, 3) < 0)
				return -1;
			i++;
			continue;
		}
		for (k = 1; k <= need; k++) {
			unsigned char b;

			if (i + k >= n)
				break;
			b = p[i + k];
			if (b < lo || b > hi)
				break;
			lo = 0x80;
			hi = 0xbf;
		}
		if (k > need) {
			if (buf_add(out, p + i, need + 1) < 0)
				return -1;
			i += need + 1;
		} else {
			if (buf_add(out, repl, 3) < 0)
				return -1;
			i += k;
		}
	}
	return 0;
}

static enum MHD_Result
ls_send(struct MHD_Connection *c, unsigned int code, struct MHD_Response *r)
{
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

/* Steals j. */
static enum MHD_Result
ls_send_json(struct MHD_Connection *c, unsigned int code, json_t *j)
{
	struct MHD_Response *r;
	char *s;

	if (j == NULL)
		return MHD_NO;
	s = js_dump(j);
	json_decref(j);
	if (s == NULL)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(s), s,
	    MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(s);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json");
	return ls_send(c, code, r);
}

static enum MHD_Result
ls_error(struct MHD_Connection *c, unsigned int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	dbg("%u: %s", code, msg);
	return ls_send_json(c, code, json_pack("{s:s}", "error", msg));
}

/*
 * Open <logPath>/<id>/<instance>, or the file in it when file is not NULL,
 * one name at a time from the directory before it, never following a
 * symbolic link: a link (to anywhere) is refused, so nothing outside the
 * instance's directory can be reached (the names themselves were checked
 * by logfile_name_ok()).  A file opens O_NONBLOCK (a FIFO must not block
 * the server) and must be a regular file.  Returns the fd, or -1 with why
 * set.
 */
static int
ls_open(const char *id, const char *inst, const char *file,
    const char **why)
{
	const char *name[3] = { id, inst, file };
	int fd, next, i, flags;
	struct stat st;

	if ((fd = open(ctx.logpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		*why = "log path is not available";
		return -1;
	}
	for (i = 0; i < 3 && name[i] != NULL; i++) {
		flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
		    (i < 2 ? O_DIRECTORY : O_NONBLOCK);
		next = openat(fd, name[i], flags);
		if (next < 0 && fstatat(fd, name[i], &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
			*why = "path leaves the instance's log directory "
			    "(a symbolic link)";
		else if (next < 0)
			*why = file != NULL ? "log file not found" :
			    "no logs found";
		close(fd);
		if (next < 0)
			return -1;
		fd = next;
	}
	if (file != NULL && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		*why = "not a regular file";
		return -1;
	}
	return fd;
}

static int
ls_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static enum MHD_Result
ls_list(struct MHD_Connection *c, const char *id, const char *inst)
{
	const char *why;
	int fd = ls_open(id, inst, NULL, &why);
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	json_t *files;
	DIR *d;

	if (fd < 0)
		return ls_error(c, MHD_HTTP_BAD_REQUEST, "%s for %s/%s", why,
		    id, inst);
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return ls_error(c, MHD_HTTP_BAD_REQUEST,
		    "unable to list logs of %s/%s: %s", id, inst,
		    strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (strncmp(de->d_name, "output.", 7) != 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			names = xrealloc(names, cap * sizeof *names);
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof *names, ls_cmp);
	files = json_array();
	for (i = 0; i < n; i++) {
		json_array_append_new(files, json_string(names[i]));
		free(names[i]);
	}
	free(names);
	return ls_send_json(c, MHD_HTTP_OK, json_pack("{s:o}", "files",
	    files));
}

/* A query argument as a long long in [-1, LLONG_MAX], or -2 if invalid. */
static long long
ls_query_num(struct MHD_Connection *c, const char *key)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
	    key);
	long long x;
	char *end;

	if (v == NULL || *v == '\0')
		return -1;
	errno = 0;
	x = strtoll(v, &end, 10);
	if (*end != '\0' || errno != 0 || x < -1)
		return -2;
	return x;
}

static enum MHD_Result
ls_read(struct MHD_Connection *c, const char *id, const char *inst,
    const char *file)
{
	long long offset = ls_query_num(c, "offset");
	long long length = ls_query_num(c, "length");
	struct buf out = BUF_ZERO;
	unsigned char *raw;
	const char *why;
	struct stat st;
	ssize_t got;
	size_t want, have = 0;
	json_t *j;
	int fd;

	if (offset == -2)
		return ls_error(c, MHD_HTTP_BAD_REQUEST,
		    "offset must be an integer >= -1");
	if (length == -2)
		return ls_error(c, MHD_HTTP_BAD_REQUEST,
		    "length must be an integer >= -1");
	if ((fd = ls_open(id, inst, file, &why)) < 0)
		return ls_error(c, MHD_HTTP_BAD_REQUEST, "%s: %s", why, file);
	if (fstat(fd, &st) < 0) {
		close(fd);
		return ls_error(c, MHD_HTTP_BAD_REQUEST,
		    "unable to read %s", file);
	}
	if (offset == -1) {
		close(fd);
		return ls_send_json(c, MHD_HTTP_OK, json_pack("{s:s,s:I}",
		    "data", "", "offset", (json_int_t)st.st_size));
	}
	want = length == -1 ? READ_DEFAULT :
	    length > READ_MAX ? (size_t)READ_MAX : (size_t)length;
	raw = xmalloc(want + 1);
	while (have < want) {
		got = pread(fd, raw + have, want - have,
		    (off_t)offset + (off_t)have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		have += (size_t)got;
	}
	close(fd);
	if (ls_utf8_sanitize(&out, raw, have) < 0)
		die(EXIT_TEMP, "out of memory");
	free(raw);
	j = json_pack("{s:s%,s:I}", "data", out.s ? out.s : "", out.len,
	    "offset", (json_int_t)offset);
	buf_free(&out);
	return ls_send_json(c, MHD_HTTP_OK, j);
}

static enum MHD_Result
ls_download(struct MHD_Connection *c, const char *id, const char *inst,
    const char *file)
{
	struct MHD_Response *r;
	const char *why;
	struct stat st;
	char *disp;
	int fd;

	if ((fd = ls_open(id, inst, file, &why)) < 0)
		return ls_error(c, MHD_HTTP_BAD_REQUEST, "%s: %s", why, file);
	if (fstat(fd, &st) < 0) {
		close(fd);
		return ls_error(c, MHD_HTTP_BAD_REQUEST,
		    "unable to read %s", file);
	}
	/* MHD owns fd from here, closing it with the response. */
	r = MHD_create_response_from_fd64((uint64_t)st.st_size, fd);
	if (r == NULL) {
		close(fd);
		return MHD_NO;
	}
	disp = xasprintf("attachment; filename=%s", file);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/octet-stream");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
	free(disp);
	return ls_send(c, MHD_HTTP_OK, r);
}

/*
 * Drove's executor admits only cluster nodes: a NodeId and a
 * Cluster-Authorization equal to any cluster secret (Drove's defaults when
 * none is configured).
 */
static int
ls_authorized(struct MHD_Connection *c)
{
	const char *node = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "NodeId");

	return node != NULL && *node != '\0' &&
	    cfg_cluster_secret_ok(ctx.cfg, MHD_lookup_connection_value(c,
	    MHD_HEADER_KIND, "Cluster-Authorization"));
}

static enum MHD_Result
ls_handle(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	char id[NAME_MAX + 1], inst[NAME_MAX + 1];
	const char *p, *s1, *s2, *file;
	struct MHD_Response *r;

	(void)cls;
	(void)version;
	(void)upload;
	(void)upload_size;
	(void)con_cls;
	dbg("%s %s", method, url);
	if ((strncmp(url, "/apis/", 6) == 0 || strcmp(url, "/apis") == 0) &&
	    !ls_authorized(c)) {
		r = MHD_create_response_from_buffer(0, NULL,
		    MHD_RESPMEM_PERSISTENT);
		return ls_send(c, MHD_HTTP_UNAUTHORIZED, r);
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return ls_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "method not allowed");
	if (strcmp(url, "/metrics") == 0)
		return ls_send(c, MHD_HTTP_OK, lsm_response());
	if (strncmp(url, ROUTE_PREFIX, sizeof ROUTE_PREFIX - 1) != 0)
		return ls_error(c, MHD_HTTP_NOT_FOUND, "not found");
	p = url + sizeof ROUTE_PREFIX - 1;
	if ((s1 = strchr(p, '/')) == NULL || (s2 = strchr(s1 + 1, '/')) == NULL)
		return ls_error(c, MHD_HTTP_BAD_REQUEST, "invalid path");
	if (!logfile_name_ok(p, (size_t)(s1 - p)) ||
	    !logfile_name_ok(s1 + 1, (size_t)(s2 - s1 - 1)))
		return ls_error(c, MHD_HTTP_BAD_REQUEST,
		    "invalid application or instance id");
	memcpy(id, p, (size_t)(s1 - p));
	id[s1 - p] = '\0';
	memcpy(inst, s1 + 1, (size_t)(s2 - s1 - 1));
	inst[s2 - s1 - 1] = '\0';
	switch (logfile_op(s2 + 1, &file)) {
	case LOGFILE_LIST:
		return ls_list(c, id, inst);
	case LOGFILE_READ:
		return ls_read(c, id, inst, file);
	case LOGFILE_DOWNLOAD:
		return ls_download(c, id, inst, file);
	case LOGFILE_BAD_NAME:
		return ls_error(c, MHD_HTTP_BAD_REQUEST, "invalid file name");
	case LOGFILE_BAD_PATH:
		break;
	}
	return ls_error(c, MHD_HTTP_BAD_REQUEST, "invalid path");
}

static void
ls_mhd_log(void *cls, const char *fmt, va_list ap)
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

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *di;
	const char *conf = NULL, *bindaddr;
	struct cfg_files cf = { 0 };
	struct pollfd pfd[2];
	long port = -1;
	unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	int opt, notif = -1, sfd, efd;
	char *end;

	PROG = "drove-logstream";
	while ((opt = getopt(argc, argv, "c:d:hp:v")) != -1) {
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
		case 'v':
			verbosity++;
			break;
		default:
			dieusage(USAGE);
		}
	}
	if (conf == NULL || optind != argc)
		dieusage(USAGE);

	if ((ctx.cfg = cfg_load_all(cf.path, cf.n)) == NULL)
		die(EXIT_USAGE, "%s", err_text());
	if ((ctx.logpath = cfg_instance_log_path(ctx.cfg)) == NULL ||
	    *ctx.logpath == '\0')
		die(EXIT_USAGE, "'%s': no logging.appenders entry of type "
		    "drove with a logPath", conf);
	if (port < 0 && (port = cfg_port(ctx.cfg, NODE_EXECUTOR)) < 0)
		die(EXIT_USAGE, "'%s': invalid server port", conf);
	if (cfg_server_sockaddr(ctx.cfg, (int)port, &ss, &bindaddr) < 0)
		die(EXIT_USAGE, "'%s': invalid bindAddress '%s'", conf,
		    bindaddr);
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;

	if ((sfd = sig_fd((const int[]){ SIGTERM, SIGINT, SIGHUP, 0 })) < 0)
		diesys(EXIT_TEMP, "unable to set up signals");
	if (lsm_start(ctx.cfg) < 0)
		die(EXIT_TEMP, "%s", err_text());

	d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, ls_handle,
	    NULL, MHD_OPTION_EXTERNAL_LOGGER, ls_mhd_log, NULL,
	    MHD_OPTION_UNESCAPE_CALLBACK, logfile_unescape, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
	    MHD_OPTION_END);
	if (d == NULL)
		die(EXIT_TEMP, "unable to listen on %s:%ld", bindaddr, port);
	if ((di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD)) == NULL)
		die(EXIT_TEMP, "unable to get the event fd of the server");
	efd = di->epoll_fd;
	di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	info("listening on %s:%u, serving %s", bindaddr,
	    di != NULL ? (unsigned int)di->port : (unsigned int)port,
	    ctx.logpath);
	notify_ready(notif);

	pfd[0].fd = sfd;
	pfd[0].events = POLLIN;
	pfd[1].fd = efd;
	pfd[1].events = POLLIN;
	for (;;) {
		MHD_UNSIGNED_LONG_LONG to;
		int timeout = -1, r;

		if (MHD_get_timeout(d, &to) == MHD_YES)
			timeout = to > INT_MAX ? INT_MAX : (int)to;
		r = poll(pfd, 2, timeout);
		if (r < 0 && errno != EINTR)
			diesys(EXIT_TEMP, "poll");
		if (r > 0 && (pfd[0].revents & POLLIN)) {
			int sig;

			while ((sig = sig_read(sfd)) > 0) {
				if (sig == SIGHUP)
					continue;
				info("signal %d, exiting", sig);
				MHD_stop_daemon(d);
				lsm_stop();
				json_decref(ctx.cfg);
				return EXIT_OK;
			}
		}
		if (MHD_run(d) != MHD_YES)
			die(EXIT_TEMP, "the HTTP server failed");
	}
}
