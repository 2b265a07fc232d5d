/*
 * httpd_proxy.c: log file requests relayed to the executor that runs the
 * instance (InstanceInfo.executorId -> /<ns>/executor/<id> hostname and
 * port), as Drove's ExecutorLogFileApis does.  The executor's status,
 * body, Content-Type and Content-Disposition are passed through with no
 * envelope; an unknown instance or executor answers 204.  Every call
 * carries NodeId (our hostname) and our CONTROLLER cluster secret (Drove's
 * default when none is configured).  Names that could leave the instance's
 * log directory (lib/logfile) are refused here, before anything is looked
 * up or forwarded, with 400 and the executor's own error shape,
 * {"error":"..."}, as the client would get it from the executor.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>

#include <curl/curl.h>

#include "apiroute.h"
#include "buf.h"
#include "err.h"
#include "logfile.h"
#include "record.h"
#include "httpd.h"

#define PROXY_MAX_BODY (256L * 1024 * 1024)
#define PROXY_TIMEOUT_S 60

struct fetch {
	struct buf body;
	struct reply *out;
	int too_big;
};

static size_t
on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct fetch *f = arg;
	size_t n = size * nmemb;

	if (f->body.len + n > PROXY_MAX_BODY) {
		f->too_big = 1;
		return 0;
	}
	return buf_add(&f->body, p, n) < 0 ? 0 : n;
}

static void
keep_header(char *dst, size_t dstlen, const char *line, size_t n,
    const char *name)
{
	size_t k = strlen(name);

	if (n <= k + 1 || strncasecmp(line, name, k) || line[k] != ':')
		return;
	line += k + 1;
	n -= k + 1;
	while (n && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		n--;
	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, line, n);
	dst[n] = '\0';
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct fetch *f = arg;
	size_t n = size * nmemb;

	keep_header(f->out->ctype, sizeof f->out->ctype, p, n,
	    "Content-Type");
	keep_header(f->out->disposition, sizeof f->out->disposition, p, n,
	    "Content-Disposition");
	return n;
}

struct qbuild {
	CURL *c;
	struct buf *q;
};

static enum MHD_Result
add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct qbuild *qb = cls;
	char *k, *v = NULL;

	(void)kind;
	k = curl_easy_escape(qb->c, key, 0);
	if (value)
		v = curl_easy_escape(qb->c, value, 0);
	if (k)
		buf_addf(qb->q, "%s%s%s%s", qb->q->len ? "&" : "?", k,
		    v ? "=" : "", v ? v : "");
	curl_free(k);
	curl_free(v);
	return MHD_YES;
}

/* Escape each '/'-separated part of rest into out. */
static int
escape_path(CURL *c, const char *rest, struct buf *out)
{
	const char *p = rest, *s;
	char *e;

	for (;;) {
		s = strchr(p, '/');
		e = curl_easy_escape(c, p, s ? (int)(s - p) : 0);
		if (!e)
			return -1;
		buf_adds(out, e);
		curl_free(e);
		if (!s)
			return 0;
		buf_adds(out, "/");
		p = s + 1;
	}
}

/*
 * libcurl is set up at the first log request, not at start: its set-up
 * initialises the crypto libraries behind it, 3 MB of an idle daemon's
 * 10 MB RSS.  The log proxy speaks plain HTTP to the executors.
 */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_ready;

static void
curl_setup(void)
{
	curl_ready = curl_global_init(CURL_GLOBAL_NOTHING) == 0;
	if (!curl_ready)
		warn("unable to initialise libcurl");
}

static void
no_content(struct reply *out)
{
	out->code = MHD_HTTP_NO_CONTENT;
}

/* The host (malloc'd) and port of executor eid, from the view (its read
 * lock held); NULL if unknown. */
static char *
executor_addr(const char *eid, long long *port)
{
	struct rec_executor fe;
	json_t *node;

	if (!(node = view_executor(hd.view, eid)) ||
	    rec_executor_read(node, &fe) < 0)
		return NULL;
	*port = fe.port;
	return xstrdup(fe.hostname);
}

static void proxy_to(const struct req *r, char *host, long long port,
    const char *app_id, const char *instance_id, const char *rest,
    struct reply *out);

/* 400 {"error":why}: the executor's shape for what it refuses. */
static void
refuse(struct reply *out, const char *why)
{
	out->code = MHD_HTTP_BAD_REQUEST;
	out->json = json_pack("{s:s}", "error", why);
}

/* Relay to the executor where the record find(view, id, iid) runs: an
 * InstanceInfo, or a TaskInfo when task (from the view). */
static void
proxy_found(const struct req *r, json_t *(*find)(const struct view *,
    const char *, const char *), int task, const char *id, const char *iid,
    const char *rest, struct reply *out)
{
	struct rec_instance fi;
	struct rec_task ft;
	const char *eid = NULL, *file;
	json_t *x;
	char *host = NULL;
	long long port = 0;

	if (!logfile_name_ok(id, strlen(id)) ||
	    !logfile_name_ok(iid, strlen(iid))) {
		refuse(out, "invalid application or instance id");
		return;
	}
	switch (logfile_op(rest, &file)) {
	case LOGFILE_BAD_PATH:
		refuse(out, "invalid path");
		return;
	case LOGFILE_BAD_NAME:
		refuse(out, "invalid file name");
		return;
	default:
		break;
	}
	view_rdlock(hd.view);
	if ((x = find(hd.view, id, iid))) {
		if (task && rec_task_read(x, &ft) == 0)
			eid = ft.executor_id;
		else if (!task && rec_instance_read(x, &fi) == 0)
			eid = fi.executor_id;
	}
	if (eid && eid[0])
		host = executor_addr(eid, &port);
	view_unlock(hd.view);
	proxy_to(r, host, port, id, iid, rest, out);
}

void
proxy_logfiles(const struct req *r, const char *app_id,
    const char *instance_id, const char *rest, struct reply *out)
{
	proxy_found(r, view_instance, 0, app_id, instance_id, rest, out);
}

/* A local-service instance's files: <logPath>/<serviceId>/<instanceId>/. */
void
proxy_logfiles_ls(const struct req *r, const char *service_id,
    const char *instance_id, const char *rest, struct reply *out)
{
	proxy_found(r, view_ls_instance, 0, service_id, instance_id, rest,
	    out);
}

/* A task's files: <logPath>/<sourceAppName>/<taskId>/ on its executor. */
void
proxy_task_logfiles(const struct req *r, const char *app, const char *task,
    const char *rest, struct reply *out)
{
	proxy_found(r, view_task, 1, app, task, rest, out);
}

/* download/<file>?rename=true: Drove's attachment name,
 * <id>_<instanceId>_<file>-yyyy-MM-dd_HH-mm-ss (the controller's local
 * time of the download). */
static void
renamed(const struct req *r, const char *app_id, const char *instance_id,
    const char *rest, struct reply *out)
{
	const char *file;
	char when[32];
	struct tm tm;
	time_t now;

	if (strncmp(rest, "download/", 9) || !api_bool(
	    MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
	    "rename")))
		return;
	file = rest + 9;
	now = time(NULL);
	if (!localtime_r(&now, &tm) ||
	    !strftime(when, sizeof when, "%Y-%m-%d_%H-%M-%S", &tm))
		return;
	snprintf(out->disposition, sizeof out->disposition,
	    "attachment; filename=%s_%s_%s-%s", app_id, instance_id, file,
	    when);
}

/* Relay to the executor at host (taken; NULL: unknown, 204). */
static void
proxy_to(const struct req *r, char *host, long long port,
    const char *app_id, const char *instance_id, const char *rest,
    struct reply *out)
{
	char hdr[512];
	struct buf url = BUF_ZERO, q = BUF_ZERO;
	struct fetch f = { BUF_ZERO, out, 0 };
	struct curl_slist *hl = NULL;
	struct qbuild qb;
	long code = 0;
	CURLcode rc;
	CURL *c;

	if (!host) {
		no_content(out);
		return;
	}
	pthread_once(&curl_once, curl_setup);
	if (!*host || port <= 0 || !curl_ready || !(c = curl_easy_init())) {
		free(host);
		no_content(out);
		return;
	}
	buf_addf(&url, "http://%s%s%s:%lld/apis/v1/logs/filestream/",
	    strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "",
	    port);
	free(host);
	escape_path(c, app_id, &url);
	buf_adds(&url, "/");
	escape_path(c, instance_id, &url);
	buf_adds(&url, "/");
	escape_path(c, rest, &url);
	qb.c = c;
	qb.q = &q;
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_arg,
	    &qb);
	if (q.len)
		buf_add(&url, q.s, q.len);

	snprintf(hdr, sizeof hdr, "NodeId: %s", hd.hostname);
	hl = curl_slist_append(hl, hdr);
	/* Drove's default when none is configured (lib/config) */
	if (hd.cluster_secret) {
		snprintf(hdr, sizeof hdr, "Cluster-Authorization: %s",
		    hd.cluster_secret);
		hl = curl_slist_append(hl, hdr);
	}
	curl_easy_setopt(c, CURLOPT_URL, url.s);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &f);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &f);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)PROXY_TIMEOUT_S);
	if (!strcmp(r->method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (verbosity > 1)
		dbg("proxy GET %s", url.s);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	if (rc != CURLE_OK) {
		out->ctype[0] = out->disposition[0] = '\0';
		reply_500(out, "unable to reach the executor at %s: %s", url.s,
		    f.too_big ? "response too large" : curl_easy_strerror(rc));
	} else {
		out->code = (unsigned int)code;
		out->raw_len = f.body.len;
		out->raw = buf_detach(&f.body);
		if (code == 200)
			renamed(r, app_id, instance_id, rest, out);
	}
	buf_free(&f.body);
	buf_free(&url);
	buf_free(&q);
}
