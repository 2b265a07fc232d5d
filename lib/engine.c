#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>

#include "engine.h"
#include "err.h"

#define API "http://localhost/v1.41"

struct engine {
	char *sock;
	long timeout_ms;
};

struct engine *
engine_new(const char *socket_path, long timeout_ms)
{
	struct engine *e;

	if (!socket_path || !*socket_path) {
		errno = EINVAL;
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_ALL) != 0) {
		errno = EIO;
		return NULL;
	}
	if (!(e = calloc(1, sizeof *e)))
		return NULL;
	if (!(e->sock = strdup(socket_path))) {
		free(e);
		return NULL;
	}
	e->timeout_ms = timeout_ms > 0 ? timeout_ms : 30000;
	return e;
}

void
engine_free(struct engine *e)
{
	if (!e)
		return;
	free(e->sock);
	free(e);
}

/* One request. */
struct req {
	const char *method;
	struct buf path;	/* after API, already escaped */
	const char *ctype;
	const void *body;
	size_t blen;
	long timeout_ms;	/* 0: none */
	int nomem;		/* an append to path or out failed */
	/* response */
	struct buf out;
	long status;
	/* streaming */
	size_t (*sink)(char *, size_t, size_t, void *);
	void *sink_arg;
	atomic_int *cancel;
	int cancelled;
	CURL *curl;
};

/* The answer into r->out; out of memory stops the transfer. */
static size_t
collect(char *p, size_t sz, size_t n, void *arg)
{
	struct req *r = arg;

	if (buf_add(&r->out, p, sz * n) < 0) {
		r->nomem = 1;
		return 0;
	}
	return sz * n;
}

/* Streams: an error answer is collected, a 2xx one goes to the sink. */
static size_t
dispatch(char *p, size_t sz, size_t n, void *arg)
{
	struct req *r = arg;

	if (!r->status)
		curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->status >= 300)
		return collect(p, sz, n, r);
	return r->sink(p, sz, n, r->sink_arg);
}

static int
progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	struct req *r = arg;

	(void)dt, (void)dn, (void)ut, (void)un;
	if (r->cancel && atomic_load(r->cancel)) {
		r->cancelled = 1;
		return 1;
	}
	return 0;
}

static int
errno_of_status(long st)
{
	switch (st) {
	case 400: return EINVAL;
	case 404: return ENOENT;
	case 409: return EBUSY;
	default: return EIO;
	}
}

/* The engine's {"message": ...} or the body's first line. */
static void
set_http_error(struct req *r)
{
	json_t *j;
	const char *m = NULL;
	char line[300];

	j = js_parse(r->out.s ? r->out.s : "", r->out.len);
	if (j)
		m = js_str(j, "message", NULL);
	if (!m) {
		snprintf(line, sizeof line, "%.*s",
		    (int)strcspn(r->out.s ? r->out.s : "", "\r\n"),
		    r->out.s ? r->out.s : "");
		m = line;
	}
	err_fail(errno_of_status(r->status), "%s %s: HTTP %ld: %s", r->method,
	    r->path.s, r->status, m);
	json_decref(j);
}

/* Perform r; 0 with r->status and r->out, or -1 on a transport error.
 * HTTP statuses >= 400 are NOT errors here. */
static int
perform(struct engine *e, struct req *r)
{
	CURL *c;
	CURLcode rc;
	struct curl_slist *h = NULL, *h2;
	char url[2048], ct[128];
	int ret = 0;

	if (r->nomem || !r->path.s)
		return err_fail(ENOMEM, "%s: out of memory building the request",
		    r->method);
	if (snprintf(url, sizeof url, API "%s", r->path.s) >= (int)sizeof url)
		return err_fail(ENAMETOOLONG, "request path too long");
	if (!(c = curl_easy_init()))
		return err_fail(ENOMEM, "curl_easy_init failed");
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, e->sock);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	if (r->timeout_ms > 0)
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, r->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
	if (r->body || !strcmp(r->method, "POST") || !strcmp(r->method, "PUT")) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body ? r->body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(r->body ? r->blen : 0));
		snprintf(ct, sizeof ct, "Content-Type: %s",
		    r->ctype ? r->ctype : "application/json");
		if (!(h = curl_slist_append(NULL, ct)) ||
		    !(h2 = curl_slist_append(h, "Expect:"))) {
			curl_slist_free_all(h);
			curl_easy_cleanup(c);
			return err_fail(ENOMEM, "%s %s: out of memory", r->method,
			    r->path.s);
		}
		h = h2;
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	}
	r->curl = c;
	if (r->sink) {
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, dispatch);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	} else {
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	}
	if (r->cancel) {
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, r);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	if (rc != CURLE_OK) {
		if (r->nomem)
			ret = err_fail(ENOMEM, "%s %s: out of memory for the answer",
			    r->method, r->path.s);
		else if (r->cancelled)
			ret = err_fail(ECANCELED, "%s %s: cancelled", r->method,
			    r->path.s);
		else if (rc == CURLE_WRITE_ERROR && r->sink)
			ret = 0;	/* the sink asked to stop */
		else if (rc == CURLE_OPERATION_TIMEDOUT)
			ret = err_fail(ETIMEDOUT, "%s %s: timed out", r->method,
			    r->path.s);
		else if (rc == CURLE_COULDNT_CONNECT)
			ret = err_fail(ECONNREFUSED, "%s %s: cannot connect to %s",
			    r->method, r->path.s, e->sock);
		else
			ret = err_fail(EIO, "%s %s: %s", r->method, r->path.s,
			    curl_easy_strerror(rc));
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return ret;
}

static void
req_init(struct req *r, struct engine *e, const char *method)
{
	memset(r, 0, sizeof *r);
	r->method = method;
	r->timeout_ms = e->timeout_ms;
}

static void
req_free(struct req *r)
{
	buf_free(&r->path);
	buf_free(&r->out);
}

/* Append s to the path, %-escaped (for query values and path segments). */
static int
add_esc(struct buf *b, const char *s)
{
	static const char ok[] = "-_.~";
	int r = 0;

	for (; *s && !r; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr(ok, ch))
			r = buf_add(b, s, 1);
		else
			r = buf_addf(b, "%%%02X", ch);
	}
	return r;
}

/* Path segment escaping that keeps '/' and ':' (image names). */
static int
add_name(struct buf *b, const char *s)
{
	int r = 0;

	for (; *s && !r; s++) {
		if (*s == '/' || *s == ':' || *s == '@')
			r = buf_add(b, s, 1);
		else {
			char one[2] = { *s, 0 };

			r = add_esc(b, one);
		}
	}
	return r;
}

/*
 * Building r->path: a failed append marks the request (r->nomem) and
 * perform() then refuses it with ENOMEM, so a request never goes out
 * with a truncated path.
 */
static void
path_s(struct req *r, const char *s)
{
	if (buf_adds(&r->path, s) < 0)
		r->nomem = 1;
}

static void
path_esc(struct req *r, const char *s)
{
	if (add_esc(&r->path, s) < 0)
		r->nomem = 1;
}

static void
path_name(struct req *r, const char *s)
{
	if (add_name(&r->path, s) < 0)
		r->nomem = 1;
}

__attribute__((format(printf, 2, 3))) static void
path_f(struct req *r, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp)
		r->nomem = 1;	/* callers format short numbers only */
	else
		path_s(r, tmp);
}

/* A request to /containers/<id><tail> (tail may be NULL). */
static void
req_container(struct req *r, struct engine *e, const char *method,
    const char *id, const char *tail)
{
	req_init(r, e, method);
	path_s(r, "/containers/");
	path_esc(r, id);
	if (tail)
		path_s(r, tail);
}

/* Simple request expecting one of the statuses (0 terminated list). */
static int
simple(struct engine *e, struct req *r, const long *want)
{
	if (perform(e, r) < 0)
		return -1;
	for (; *want; want++)
		if (r->status == *want)
			return 0;
	set_http_error(r);
	return -1;
}

int
engine_ping(struct engine *e)
{
	struct req r;
	static const long want[] = { 200, 0 };
	int ret;

	req_init(&r, e, "GET");
	path_s(&r, "/_ping");
	ret = simple(e, &r, want);
	req_free(&r);
	return ret;
}

int
engine_image_exists(struct engine *e, const char *image)
{
	struct req r;
	int ret;

	req_init(&r, e, "GET");
	path_s(&r, "/images/");
	path_name(&r, image);
	path_s(&r, "/json");
	if (perform(e, &r) < 0)
		ret = -1;
	else if (r.status == 200)
		ret = 1;
	else if (r.status == 404)
		ret = 0;
	else {
		set_http_error(&r);
		ret = -1;
	}
	req_free(&r);
	return ret;
}

#define PULL_ERR 300

/* Streamed responses (events, pull progress): split into lines. */
struct lines {
	struct buf line;
	engine_line_fn fn;
	void *arg;
	int stop;
	int nomem;		/* a line did not fit in memory */
};

static size_t
lines_sink(char *d, size_t sz, size_t n, void *arg)
{
	struct lines *l = arg;
	size_t len = sz * n, i;

	for (i = 0; i < len; i++) {
		if (d[i] == '\n') {
			if (l->line.len && l->fn(l->arg, l->line.s,
			    l->line.len)) {
				l->stop = 1;
				return 0;
			}
			buf_reset(&l->line);
		} else if (buf_add(&l->line, d + i, 1) < 0) {
			l->nomem = 1;
			return 0;
		}
	}
	return len;
}

/* Pull progress: remember the first error line. */
static int
pull_line(void *arg, const char *s, size_t n)
{
	char *err = arg;	/* PULL_ERR bytes */
	json_t *j;
	const char *m;

	if (err[0] || !(j = js_parse(s, n)))
		return 0;
	m = js_str(j, "error", NULL);
	if (!m)
		m = js_str(js_get(j, "errorDetail"), "message", NULL);
	if (m)
		snprintf(err, PULL_ERR, "%s", m);
	json_decref(j);
	return 0;
}

int
engine_pull(struct engine *e, const char *image, long timeout_ms)
{
	struct req r;
	struct lines l;
	char err[PULL_ERR] = "";
	const char *slash, *colon;
	char *repo = NULL;
	const char *tag = NULL;
	int ret;

	memset(&l, 0, sizeof l);
	l.fn = pull_line;
	l.arg = err;
	req_init(&r, e, "POST");
	r.timeout_ms = timeout_ms > 0 ? timeout_ms : 15 * 60 * 1000L;
	/* Split "repo:tag" (not a registry port, not a digest). */
	slash = strrchr(image, '/');
	colon = strrchr(image, ':');
	if (!strchr(image, '@') && colon && (!slash || colon > slash)) {
		if (!(repo = strndup(image, (size_t)(colon - image))))
			return err_fail(ENOMEM, "out of memory");
		tag = colon + 1;
	}
	path_s(&r, "/images/create?fromImage=");
	path_esc(&r, repo ? repo : image);
	if (tag) {
		path_s(&r, "&tag=");
		path_esc(&r, tag);
	} else if (!strchr(image, '@'))
		path_s(&r, "&tag=latest");
	free(repo);
	r.sink = lines_sink;
	r.sink_arg = &l;
	if (perform(e, &r) < 0)
		ret = -1;
	else if (l.nomem)
		ret = err_fail(ENOMEM, "pull %s: out of memory", image);
	else if (r.status != 200) {
		set_http_error(&r);
		ret = -1;
	} else {
		if (l.line.len)
			pull_line(err, l.line.s, l.line.len);
		ret = err[0] ? err_fail(EIO, "pull %s: %s", image, err) : 0;
	}
	buf_free(&l.line);
	req_free(&r);
	return ret;
}

int
engine_image_remove(struct engine *e, const char *image, int force)
{
	struct req r;
	static const long want[] = { 200, 0 };
	int ret;

	req_init(&r, e, "DELETE");
	path_s(&r, "/images/");
	path_name(&r, image);
	path_s(&r, force ? "?force=1" : "?force=0");
	ret = simple(e, &r, want);
	req_free(&r);
	return ret;
}

int
engine_create(struct engine *e, const char *name, const json_t *body,
    char *id, size_t idlen)
{
	struct req r;
	static const long want[] = { 201, 0 };
	char *s;
	json_t *j;
	int ret;

	if (!(s = js_dump(body)))
		return err_fail(ENOMEM, "out of memory");
	req_init(&r, e, "POST");
	path_s(&r, "/containers/create");
	if (name) {
		path_s(&r, "?name=");
		path_esc(&r, name);
	}
	r.body = s;
	r.blen = strlen(s);
	ret = simple(e, &r, want);
	if (ret < 0 && r.status == 409)
		errno = EEXIST;
	if (ret == 0) {
		j = js_parse(r.out.s ? r.out.s : "", r.out.len);
		if (!js_str(j, "Id", NULL))
			ret = err_fail(EIO, "create: no Id in the answer");
		else if (id)
			snprintf(id, idlen, "%s", js_str(j, "Id", ""));
		json_decref(j);
	}
	free(s);
	req_free(&r);
	return ret;
}

static int
container_post(struct engine *e, const char *id, const char *verb,
    const char *query, long timeout_ms, const long *want)
{
	struct req r;
	int ret;

	req_container(&r, e, "POST", id, "/");
	if (timeout_ms > 0)
		r.timeout_ms = timeout_ms;
	path_s(&r, verb);
	if (query)
		path_s(&r, query);
	ret = simple(e, &r, want);
	req_free(&r);
	return ret;
}

int
engine_start(struct engine *e, const char *id)
{
	static const long want[] = { 204, 304, 0 };

	return container_post(e, id, "start", NULL, 0, want);
}

int
engine_stop(struct engine *e, const char *id, int seconds)
{
	static const long want[] = { 204, 304, 0 };
	char q[32];

	if (seconds < 0)
		seconds = 10;
	snprintf(q, sizeof q, "?t=%d", seconds);
	return container_post(e, id, "stop", q,
	    e->timeout_ms + seconds * 1000L, want);
}

int
engine_kill(struct engine *e, const char *id, const char *signal)
{
	static const long want[] = { 204, 0 };
	struct buf q = BUF_ZERO;
	int ret;

	if (buf_adds(&q, "?signal=") < 0 ||
	    add_esc(&q, signal ? signal : "KILL") < 0) {
		buf_free(&q);
		return err_fail(ENOMEM, "kill %.12s: out of memory", id);
	}
	ret = container_post(e, id, "kill", q.s, 0, want);
	buf_free(&q);
	return ret;
}

int
engine_remove(struct engine *e, const char *id, int force, int volumes)
{
	struct req r;
	static const long want[] = { 204, 0 };
	int ret;

	req_container(&r, e, "DELETE", id, NULL);
	path_f(&r, "?force=%d&v=%d", !!force, !!volumes);
	ret = simple(e, &r, want);
	req_free(&r);
	return ret;
}

static json_t *
get_json(struct engine *e, struct req *r)
{
	static const long want[] = { 200, 0 };
	json_t *j = NULL;

	if (simple(e, r, want) == 0) {
		j = js_parse(r->out.s ? r->out.s : "", r->out.len);
		if (!j)
			err_fail(EIO, "%s %s: bad JSON: %s", r->method, r->path.s,
			    err_text());
	}
	req_free(r);
	return j;
}

json_t *
engine_inspect(struct engine *e, const char *id)
{
	struct req r;

	req_container(&r, e, "GET", id, "/json");
	return get_json(e, &r);
}

json_t *
engine_list(struct engine *e, const char *label, int all)
{
	struct req r;
	json_t *f;
	char *fs;

	req_init(&r, e, "GET");
	path_f(&r, "/containers/json?all=%d", !!all);
	if (label) {
		f = json_pack("{s:[s]}", "label", label);
		fs = f ? js_dump(f) : NULL;
		json_decref(f);
		if (!fs) {
			req_free(&r);
			err_fail(ENOMEM, "out of memory");
			return NULL;
		}
		path_s(&r, "&filters=");
		path_esc(&r, fs);
		free(fs);
	}
	return get_json(e, &r);
}

json_t *
engine_stats(struct engine *e, const char *id)
{
	struct req r;

	req_container(&r, e, "GET", id, "/stats?stream=false&one-shot=true");
	return get_json(e, &r);
}

/* The integer at dotted path p of j, -1 if none. */
static long long
num(const json_t *j, const char *p)
{
	json_t *x = js_get(j, p);

	return json_is_integer(x) ? json_integer_value(x) :
	    json_is_real(x) ? (long long)json_real_value(x) : -1;
}

/* Adds the integer member k of o to *sum (-1: nothing yet). */
static void
add_num(long long *sum, const json_t *o, const char *k)
{
	long long v = num(o, k);

	if (v >= 0)
		*sum = (*sum < 0 ? 0 : *sum) + v;
}

int
engine_stats_read(const json_t *s, struct engine_stats *out)
{
	json_t *nets = json_object_get(s, "networks"), *n, *b;
	const char *k, *op;
	size_t i;

	if (!json_is_object(json_object_get(s, "cpu_stats")) &&
	    !json_is_object(json_object_get(s, "memory_stats")))
		return err_fail(EINVAL, "not a stats sample");
	out->cpu_ns = num(s, "cpu_stats.cpu_usage.total_usage");
	out->system_ns = num(s, "cpu_stats.system_cpu_usage");
	out->online_cpus = num(s, "cpu_stats.online_cpus");
	out->throttled_periods = num(s,
	    "cpu_stats.throttling_data.throttled_periods");
	out->mem_usage = num(s, "memory_stats.usage");
	out->mem_max_usage = num(s, "memory_stats.max_usage");
	out->mem_limit = num(s, "memory_stats.limit");
	out->rx_bytes = out->rx_errors = out->rx_dropped = -1;
	out->tx_bytes = out->tx_errors = out->tx_dropped = -1;
	json_object_foreach(nets, k, n) {
		add_num(&out->rx_bytes, n, "rx_bytes");
		add_num(&out->rx_errors, n, "rx_errors");
		add_num(&out->rx_dropped, n, "rx_dropped");
		add_num(&out->tx_bytes, n, "tx_bytes");
		add_num(&out->tx_errors, n, "tx_errors");
		add_num(&out->tx_dropped, n, "tx_dropped");
	}
	out->blk_read = out->blk_write = -1;
	if (json_is_array(js_get(s, "blkio_stats.io_service_bytes_recursive")))
		out->blk_read = out->blk_write = 0;
	json_array_foreach(js_get(s, "blkio_stats.io_service_bytes_recursive"),
	    i, b) {
		op = js_str(b, "op", "");
		if (!strcasecmp(op, "read"))
			add_num(&out->blk_read, b, "value");
		else if (!strcasecmp(op, "write"))
			add_num(&out->blk_write, b, "value");
	}
	return 0;
}

static struct timespec
mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t;
}

static long
ms_since(struct timespec a)
{
	struct timespec b = mono();

	return (b.tv_sec - a.tv_sec) * 1000L + (b.tv_nsec - a.tv_nsec) / 1000000;
}

int
engine_exec(struct engine *e, const char *id, const char *const *argv,
    long timeout_ms, int *exit_code)
{
	struct req r;
	static const long want_c[] = { 201, 0 }, want_s[] = { 200, 204, 0 };
	json_t *body, *cmd, *j;
	char *s, execid[128];
	struct timespec t0 = mono();
	struct timespec nap = { 0, 50 * 1000000L };
	int ret, n;

	if (timeout_ms <= 0)
		timeout_ms = e->timeout_ms;
	if (!(cmd = json_array()))
		return err_fail(ENOMEM, "out of memory");
	for (n = 0; argv[n]; n++)
		if (json_array_append_new(cmd, json_string(argv[n])) < 0) {
			json_decref(cmd);
			return err_fail(ENOMEM, "out of memory");
		}
	body = json_pack("{s:b,s:b,s:o}", "AttachStdout", 0, "AttachStderr",
	    0, "Cmd", cmd);
	s = body ? js_dump(body) : NULL;
	json_decref(body);
	if (!s)
		return err_fail(ENOMEM, "out of memory");
	req_container(&r, e, "POST", id, "/exec");
	r.body = s;
	r.blen = strlen(s);
	ret = simple(e, &r, want_c);
	free(s);
	if (ret == 0) {
		j = js_parse(r.out.s ? r.out.s : "", r.out.len);
		snprintf(execid, sizeof execid, "%s", js_str(j, "Id", ""));
		json_decref(j);
		if (!execid[0])
			ret = err_fail(EIO, "exec create: no Id in the answer");
	}
	req_free(&r);
	if (ret < 0)
		return -1;

	req_init(&r, e, "POST");
	path_s(&r, "/exec/");
	path_esc(&r, execid);
	path_s(&r, "/start");
	r.body = "{\"Detach\":true,\"Tty\":false}";
	r.blen = strlen(r.body);
	ret = simple(e, &r, want_s);
	req_free(&r);
	if (ret < 0)
		return -1;

	for (;;) {
		req_init(&r, e, "GET");
		path_s(&r, "/exec/");
		path_esc(&r, execid);
		path_s(&r, "/json");
		if (!(j = get_json(e, &r)))
			return -1;
		if (!js_bool(j, "Running", 0) && json_is_integer(
		    json_object_get(j, "ExitCode"))) {
			if (exit_code)
				*exit_code = (int)js_int(j, "ExitCode", -1);
			json_decref(j);
			return 0;
		}
		json_decref(j);
		if (ms_since(t0) >= timeout_ms)
			return err_fail(ETIMEDOUT, "exec in %.12s: timed out", id);
		nanosleep(&nap, NULL);
		if (nap.tv_nsec < 400 * 1000000L)
			nap.tv_nsec *= 2;
	}
}

int
engine_put_archive(struct engine *e, const char *id, const char *dir,
    const void *tar, size_t n)
{
	struct req r;
	static const long want[] = { 200, 0 };
	int ret;

	req_container(&r, e, "PUT", id, "/archive?path=");
	path_esc(&r, dir ? dir : "/");
	r.ctype = "application/x-tar";
	r.body = tar;
	r.blen = n;
	ret = simple(e, &r, want);
	req_free(&r);
	return ret;
}

/*
 * The tar writer: libarchive's ustar format, unblocked (no padding to a
 * 10240-byte record), written through a callback that appends to the
 * caller's buffer.  Each tar_add_file() call writes one entry with a
 * writer of its own, and drops the end-of-archive blocks that closing it
 * adds; tar_end() closes an empty writer, which writes exactly those.
 */
static la_ssize_t
tar_write(struct archive *a, void *arg, const void *p, size_t n)
{
	if (buf_add(arg, p, n) < 0) {
		archive_set_error(a, ENOMEM, "out of memory");
		return -1;
	}
	return (la_ssize_t)n;
}

static int
tar_errno(struct archive *a)
{
	int e = archive_errno(a);

	return e > 0 ? e : EIO;
}

static struct archive *
tar_open(struct buf *tar)
{
	struct archive *a;
	int e;

	if (!(a = archive_write_new())) {
		errno = ENOMEM;
		return NULL;
	}
	if (archive_write_set_format_ustar(a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(a, 0) != ARCHIVE_OK ||
	    archive_write_open2(a, tar, NULL, tar_write, NULL, NULL) !=
	    ARCHIVE_OK) {
		e = tar_errno(a);
		archive_write_free(a);
		errno = e;
		return NULL;
	}
	return a;
}

/* Back to len bytes (buf keeps its NUL). */
static void
tar_cut(struct buf *tar, size_t len)
{
	if (tar->s && tar->len > len) {
		tar->len = len;
		tar->s[len] = '\0';
	}
}

int
tar_add_file(struct buf *tar, const char *name, const void *data, size_t n,
    unsigned mode, long long mtime)
{
	struct archive *a;
	struct archive_entry *ent;
	size_t start = tar->len, end;
	int e = 0;

	while (*name == '/')
		name++;
	if (!*name)
		return errno = EINVAL, -1;
	if (!(a = tar_open(tar)))
		return -1;
	if (!(ent = archive_entry_new())) {
		archive_write_free(a);
		return errno = ENOMEM, -1;
	}
	archive_entry_set_pathname(ent, name);
	archive_entry_set_filetype(ent, AE_IFREG);
	archive_entry_set_perm(ent, mode & 07777);
	archive_entry_set_size(ent, (la_int64_t)n);
	archive_entry_set_mtime(ent, mtime > 0 ? (time_t)mtime : 0, 0);
	if (archive_write_header(a, ent) != ARCHIVE_OK ||
	    (n > 0 && archive_write_data(a, data, n) != (la_ssize_t)n) ||
	    archive_write_finish_entry(a) != ARCHIVE_OK)
		e = tar_errno(a);
	end = tar->len;
	archive_entry_free(ent);
	archive_write_free(a);	/* closes: the end blocks are cut below */
	tar_cut(tar, e ? start : end);
	if (e)
		return errno = e, -1;
	return 0;
}

int
tar_end(struct buf *tar)
{
	struct archive *a;
	size_t start = tar->len;
	int e = 0;

	if (!(a = tar_open(tar)))
		return -1;
	if (archive_write_close(a) != ARCHIVE_OK)
		e = tar_errno(a);
	archive_write_free(a);
	if (e) {
		tar_cut(tar, start);
		return errno = e, -1;
	}
	return 0;
}

static int
stream_status(struct req *r)
{
	if (r->status && r->status != 200) {
		set_http_error(r);
		return -1;
	}
	return 0;
}

int
engine_events(struct engine *e, const json_t *filters, long long since,
    engine_line_fn fn, void *arg, atomic_int *cancel)
{
	struct req r;
	struct lines l;
	char *fs = NULL;
	int ret;

	memset(&l, 0, sizeof l);
	l.fn = fn;
	l.arg = arg;
	req_init(&r, e, "GET");
	r.timeout_ms = 0;
	path_s(&r, "/events?");
	if (since > 0)
		path_f(&r, "since=%lld&", since);
	if (filters) {
		if (!(fs = js_dump(filters))) {
			req_free(&r);
			return err_fail(ENOMEM, "out of memory");
		}
		path_s(&r, "filters=");
		path_esc(&r, fs);
		free(fs);
	}
	r.sink = lines_sink;
	r.sink_arg = &l;
	r.cancel = cancel;
	ret = perform(e, &r);
	if (ret == 0 && l.nomem)
		ret = err_fail(ENOMEM, "events: out of memory");
	if (ret == 0)
		ret = stream_status(&r);
	buf_free(&l.line);
	req_free(&r);
	return ret;
}

/* Logs: demultiplex "stream,0,0,0,size(be32)" frames. */
struct demux {
	unsigned char hdr[8];
	size_t hlen;
	size_t left;		/* payload bytes left in this frame */
	int stream;
	int raw;		/* no framing seen: TTY */
	int decided;
	engine_chunk_fn fn;
	void *arg;
};

static size_t
demux_sink(char *d, size_t sz, size_t n, void *arg)
{
	struct demux *m = arg;
	size_t len = sz * n, i = 0, take;

	if (!m->decided) {
		m->decided = 1;
		m->raw = !(len > 0 && (d[0] == 0 || d[0] == 1 || d[0] == 2));
	}
	if (m->raw)
		return m->fn(m->arg, 1, d, len) ? 0 : len;
	while (i < len) {
		if (m->left == 0) {
			while (m->hlen < 8 && i < len)
				m->hdr[m->hlen++] = (unsigned char)d[i++];
			if (m->hlen < 8)
				break;
			m->stream = m->hdr[0];
			m->left = (size_t)m->hdr[4] << 24 |
			    (size_t)m->hdr[5] << 16 | (size_t)m->hdr[6] << 8 |
			    m->hdr[7];
			m->hlen = 0;
			continue;
		}
		take = len - i < m->left ? len - i : m->left;
		if (m->fn(m->arg, m->stream == 2 ? 2 : 1, d + i, take))
			return 0;
		i += take;
		m->left -= take;
	}
	return len;
}

int
engine_logs(struct engine *e, const char *id, long long since,
    engine_chunk_fn fn, void *arg, atomic_int *cancel)
{
	struct req r;
	struct demux m;
	int ret;

	memset(&m, 0, sizeof m);
	m.fn = fn;
	m.arg = arg;
	req_container(&r, e, "GET", id, NULL);
	r.timeout_ms = 0;
	path_f(&r, "/logs?follow=1&stdout=1&stderr=1&since=%lld",
	    since > 0 ? since : 0);
	r.sink = demux_sink;
	r.sink_arg = &m;
	r.cancel = cancel;
	ret = perform(e, &r);
	if (ret == 0)
		ret = stream_status(&r);
	req_free(&r);
	return ret;
}
