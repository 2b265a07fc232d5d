/*
 * httpd_api.c: routing of /apis/v1/... and the handlers that write the
 * desired state in ZooKeeper (the reads are in httpd_read.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "err.h"
#include "model.h"
#include "record.h"
#include "rule.h"
#include "snapshot.h"
#include "httpd.h"

#define MAX_SEGS 16

/* Drove's envelope; a missing data is left out, never null. */
static json_t *
envelope(const char *status, json_t *data, const char *message)
{
	if (!data)
		return json_pack("{s:s, s:s}", "status", status, "message",
		    message);
	return json_pack("{s:s, s:o, s:s}", "status", status, "data", data,
	    "message", message);
}

void
reply_ok(struct reply *out, json_t *data)
{
	out->code = MHD_HTTP_OK;
	out->json = envelope("SUCCESS", data, "success");
}

void
reply_fail(struct reply *out, unsigned int code, const char *message,
    json_t *data)
{
	out->code = code;
	out->json = envelope("FAILED", data, message);
}

void
reply_500(struct reply *out, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	warn("%s", msg);
	reply_fail(out, MHD_HTTP_INTERNAL_SERVER_ERROR,
	    "Unexpected Server error", json_pack("{s:s}", "failure", msg));
}

void
reply_verrs(struct reply *out, json_t *errs)
{
	reply_fail(out, MHD_HTTP_BAD_REQUEST, "Command validation failure",
	    json_pack("{s:o}", "validationErrors", errs));
}

int
reply_invalid(struct reply *out, int n, json_t *errs)
{
	if (n > 0) {
		reply_verrs(out, errs);
		return 1;
	}
	json_decref(errs);
	if (n < 0) {
		reply_500(out, "out of memory");
		return 1;
	}
	return 0;
}

/* reply_fail with the message of fmt. */
__attribute__((format(printf, 4, 0))) static void
reply_failv(struct reply *out, unsigned int code, json_t *data,
    const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof msg, fmt, ap);
	reply_fail(out, code, msg, data);
}

void
reply_verr(struct reply *out, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	reply_verrs(out, json_pack("[s]", msg));
}

__attribute__((format(printf, 2, 3))) static void
reply_notfound(struct reply *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_failv(out, MHD_HTTP_NOT_FOUND, NULL, fmt, ap);
	va_end(ap);
}

void
reply_unknown(struct reply *out, json_t *data, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_failv(out, MHD_HTTP_OK, data, fmt, ap);
	va_end(ap);
}

void
reply_record(struct reply *out, json_t *x, const char *fmt, ...)
{
	va_list ap;

	if (x) {
		reply_ok(out, json_incref(x));
		return;
	}
	va_start(ap, fmt);
	reply_failv(out, MHD_HTTP_OK, NULL, fmt, ap);
	va_end(ap);
}

void
reply_clear(struct reply *out)
{
	json_decref(out->json);
	out->json = NULL;
}

json_t *
req_json(const struct req *r, struct reply *out)
{
	json_t *body;

	if (!(body = js_parse(r->body, r->body_len)))
		reply_fail(out, MHD_HTTP_BAD_REQUEST, "JSON validation failure",
		    json_pack("{s:[s]}", "validationErrors", err_text()));
	return body;
}

/* --- query arguments ------------------------------------------------- */

struct qvals {
	const char *key;
	json_t *vals;
};

static enum MHD_Result
collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct qvals *q = cls;

	(void)kind;
	if (!strcmp(key, q->key) && value)
		json_array_append_new(q->vals, json_string(value));
	return MHD_YES;
}

json_t *
query_all(const struct req *r, const char *key)
{
	struct qvals q = { key, json_array() };

	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect_arg,
	    &q);
	return q.vals;
}

/* The JSON body of a validate request, or NULL once out holds the answer:
 * 400 "JSON validation failure" for malformed JSON, the maintenance
 * window's refusal. */
static json_t *
validate_body(const struct req *r, struct reply *out)
{
	json_t *body;

	if (!(body = req_json(r, out)))
		return NULL;
	if (read_in_maintenance()) {
		json_decref(body);
		reply_verr(out, HTTPD_IN_MAINTENANCE);
		return NULL;
	}
	return body;
}

/* POST .../validate/spec with validate: spec_validate for applications,
 * spec_validate_local_service for local services. */
static void
h_validate(const struct req *r, int (*validate)(json_t *,
    const struct spec_opts *, json_t *), struct reply *out)
{
	json_t *spec, *errs;

	if (!(spec = validate_body(r, out)))
		return;
	errs = json_array();
	if (validate(spec, &hd.sopts, errs) != 0)
		reply_verrs(out, errs);
	else {
		json_decref(errs);
		reply_ok(out, json_pack("{s:b}", "valid", 1));
	}
	json_decref(spec);
}

/* POST tasks/validate/spec: Drove answers data null on success, which our
 * envelope leaves out. */
static void
h_validate_task(const struct req *r, struct reply *out)
{
	json_t *spec, *errs;

	if (!(spec = validate_body(r, out)))
		return;
	errs = json_array();
	if (spec_validate_task(spec, &hd.sopts, errs) != 0)
		reply_verrs(out, errs);
	else {
		json_decref(errs);
		reply_ok(out, NULL);
	}
	json_decref(spec);
}

/* Drove's rule dry-run: compile ruleBasedPlacementPolicy's rule and
 * evaluate it against schedulingInfo; status is true only for a rule
 * that compiles and yields true. */
static void
h_rule_dryrun(const struct req *r, struct reply *out)
{
	json_t *body, *pp, *si, *check, *eval;
	const char *type, *text;
	struct rule *rule;
	int v = -1;

	if (!(body = validate_body(r, out)))
		return;
	pp = json_object_get(body, "ruleBasedPlacementPolicy");
	si = json_object_get(body, "schedulingInfo");
	type = js_str(pp, "ruleType", NULL);
	text = js_str(pp, "rule", NULL);
	if (!json_is_object(pp) || !type || !text || !*text) {
		json_decref(body);
		reply_verr(out, "- ruleBasedPlacementPolicy needs ruleType "
		    "and rule");
		return;
	}
	if (!(rule = rule_compile(type, text))) {
		check = json_pack("{s:s,s:s}", "status", "FAILURE", "error",
		    err_text());
		eval = json_pack("{s:s,s:b,s:s}", "status", "FAILURE",
		    "result", 0, "error", "rule does not parse");
	} else {
		check = json_pack("{s:s,s:n}", "status", "SUCCESS", "error");
		if (!json_is_object(si))
			json_object_set_new(body, "schedulingInfo",
			    (si = json_object()));
		v = rule_check(rule, si);
		eval = v < 0 ? json_pack("{s:s,s:b,s:s}", "status", "FAILURE",
		    "result", 0, "error", err_text()) :
		    json_pack("{s:s,s:b,s:n}", "status", "SUCCESS", "result",
		    v, "error");
		rule_free(rule);
	}
	reply_ok(out, json_pack("{s:b,s:o,s:o}", "status", v == 1,
	    "checkResult", check, "evalResult", eval));
	json_decref(body);
}

/* --- routing --------------------------------------------------------- */

/* Split path (after the prefix) on '/' into seg (modifies buf). */
static int
split(char *buf, char **seg, int max)
{
	int n = 0;
	char *p = buf, *s;

	while (p && *p) {
		s = strchr(p, '/');
		if (s)
			*s++ = '\0';
		if (*p) {
			if (n == max)
				return -1;
			seg[n++] = p;
		}
		p = s;
	}
	return n;
}

/* Does seg[0..n) match pattern, e.g. "applications/ * /spec" (no
 * spaces), where a segment "*" matches any one segment? */
static int
match(char **seg, int n, const char *pattern)
{
	const char *p = pattern, *e;
	size_t len;
	int i;

	for (i = 0; i < n; i++) {
		if (!*p)
			return 0;
		e = strchr(p, '/');
		len = e ? (size_t)(e - p) : strlen(p);
		if (!(len == 1 && *p == '*') &&
		    (strlen(seg[i]) != len || strncmp(seg[i], p, len)))
			return 0;
		p = e ? e + 1 : p + len;
	}
	return !*p;
}

enum route {
	R_PING, R_APPS, R_APP, R_SPEC, R_INSTANCES, R_INSTANCE, R_ENDPOINTS,
	R_ENDPOINTS_APP, R_CLUSTER, R_EXECUTORS, R_EXECUTOR, R_OPS,
	R_OPS_LEGACY, R_VALIDATE, R_VALIDATE_TASK, R_LS_VALIDATE, R_DRYRUN,
	R_OLD_INSTANCES, R_CANCEL,
	R_CANCEL_LEGACY, R_EVENTS, R_EVENTS_LATEST, R_EVENTS_SUMMARY,
	R_EVENTS_STREAM, R_KNOWN_LAST, R_KNOWN_CURRENT, R_BLACKLIST,
	R_BLACKLIST_ONE, R_UNBLACKLIST, R_UNBLACKLIST_ONE, R_MAINT_SET,
	R_MAINT_UNSET,
	R_TASK_OPS, R_TASKS, R_TASK, R_TASK_DELETE, R_TASK_SEARCH,
	R_DASHBOARD, R_MESSAGES,
	R_NONE
};

static const struct {
	enum route id;
	const char *method;
	const char *pattern;
} routes[] = {
	{ R_PING, "GET", "ping" },
	{ R_APPS, "GET", "applications" },
	{ R_APP, "GET", "applications/*" },
	{ R_SPEC, "GET", "applications/*/spec" },
	{ R_INSTANCES, "GET", "applications/*/instances" },
	{ R_OLD_INSTANCES, "GET", "applications/*/instances/old" },
	{ R_INSTANCE, "GET", "applications/*/instances/*" },
	{ R_ENDPOINTS, "GET", "endpoints" },
	{ R_ENDPOINTS_APP, "GET", "endpoints/app/*" },
	{ R_CLUSTER, "GET", "cluster" },
	{ R_EXECUTORS, "GET", "cluster/executors" },
	{ R_EXECUTOR, "GET", "cluster/executors/*" },
	{ R_OPS, "POST", "applications/operations" },
	{ R_OPS_LEGACY, "POST", "operations" },
	{ R_VALIDATE, "POST", "applications/validate/spec" },
	{ R_VALIDATE_TASK, "POST", "tasks/validate/spec" },
	{ R_LS_VALIDATE, "POST", "localservices/validate/spec" },
	{ R_DRYRUN, "POST", "applications/placementpolicy/rule/dryrun" },
	{ R_CANCEL, "POST", "applications/operations/*/cancel" },
	{ R_CANCEL_LEGACY, "POST", "operations/*/cancel" },
	{ R_EVENTS, "GET", "cluster/events" },
	{ R_EVENTS_LATEST, "GET", "cluster/events/latest" },
	{ R_EVENTS_SUMMARY, "GET", "cluster/events/summary" },
	{ R_EVENTS_STREAM, "GET", "cluster/events/stream" },
	{ R_BLACKLIST, "POST", "cluster/executors/blacklist" },
	{ R_BLACKLIST_ONE, "POST", "cluster/executors/*/blacklist" },
	{ R_UNBLACKLIST, "POST", "cluster/executors/unblacklist" },
	{ R_UNBLACKLIST_ONE, "POST", "cluster/executors/*/unblacklist" },
	{ R_KNOWN_LAST, "GET", "internal/cluster/executors/*/instances/last" },
	{ R_KNOWN_CURRENT, "GET",
	    "internal/cluster/executors/*/instances/current" },
	{ R_MAINT_SET, "POST", "cluster/maintenance/set" },
	{ R_MAINT_UNSET, "POST", "cluster/maintenance/unset" },
	{ R_TASK_OPS, "POST", "tasks/operations" },
	{ R_TASKS, "GET", "tasks" },
	{ R_TASK, "GET", "tasks/*/instances/*" },
	{ R_TASK_DELETE, "DELETE", "tasks/*/instances/*" },
	{ R_TASK_SEARCH, "POST", "tasks/search" },
	{ R_DASHBOARD, "GET", "cluster/dashboard" },
	{ R_MESSAGES, "POST", "messages" },
};

/* The route for method and path; *known is set if the path exists for
 * another method. */
static enum route
route(const char *method, char **seg, int n, int *known)
{
	size_t i;
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");

	*known = 0;
	for (i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		if (!match(seg, n, routes[i].pattern))
			continue;
		if (!strcmp(routes[i].method, method) ||
		    (get && !strcmp(routes[i].method, "GET")))
			return routes[i].id;
		*known = 1;
	}
	return R_NONE;
}

static void
dispatch(const struct req *r, enum route id, char **seg,
    struct reply *out)
{
	switch (id) {
	case R_PING: reply_ok(out, json_string("pong")); break;
	case R_APPS: h_apps(r, out); break;
	case R_APP: h_app(seg[1], out); break;
	case R_SPEC: h_app_spec(seg[1], out); break;
	case R_INSTANCES: h_instances(r, seg[1], out); break;
	case R_INSTANCE: h_instance(seg[1], seg[3], out); break;
	case R_ENDPOINTS: h_endpoints(r, NULL, out); break;
	case R_ENDPOINTS_APP: h_endpoints(r, seg[2], out); break;
	case R_CLUSTER: h_cluster(r, out); break;
	case R_EXECUTORS: h_executors(r, out); break;
	case R_EXECUTOR: h_executor(seg[2], out); break;
	case R_OPS: case R_OPS_LEGACY: h_operation(r, out); break;
	case R_VALIDATE: h_validate(r, spec_validate, out); break;
	case R_VALIDATE_TASK: h_validate_task(r, out); break;
	case R_LS_VALIDATE:
		h_validate(r, spec_validate_local_service, out);
		break;
	case R_DRYRUN: h_rule_dryrun(r, out); break;
	case R_OLD_INSTANCES: h_old_instances(r, seg[1], out); break;
	case R_CANCEL: h_cancel(seg[2], out); break;
	case R_CANCEL_LEGACY: h_cancel(seg[1], out); break;
	case R_EVENTS: h_events(r, out); break;
	case R_EVENTS_LATEST: h_events_latest(r, out); break;
	case R_EVENTS_SUMMARY: h_events_summary(r, out); break;
	case R_EVENTS_STREAM: h_events_stream(r, out); break;
	case R_KNOWN_LAST: h_known_instances(seg[3], 1, out); break;
	case R_BLACKLIST: h_blacklist(r, NULL, 1, out); break;
	case R_BLACKLIST_ONE: h_blacklist(r, seg[2], 1, out); break;
	case R_UNBLACKLIST: h_blacklist(r, NULL, 0, out); break;
	case R_UNBLACKLIST_ONE: h_blacklist(r, seg[2], 0, out); break;
	case R_KNOWN_CURRENT: h_known_instances(seg[3], 0, out); break;
	case R_MAINT_SET: h_maintenance_set(out); break;
	case R_MAINT_UNSET: h_maintenance_unset(out); break;
	case R_TASK_OPS: h_task_operation(r, out); break;
	case R_TASKS: h_tasks(out); break;
	case R_TASK: h_task(seg[1], seg[3], out); break;
	case R_TASK_DELETE: h_task_delete(seg[1], seg[3], out); break;
	case R_TASK_SEARCH: h_task_search(r, out); break;
	case R_DASHBOARD: h_dashboard(out); break;
	case R_MESSAGES: h_messages(r, out); break;
	case R_NONE: BUG("dispatch of R_NONE");
	}
}

#define LOGFILES "/apis/v1/logfiles/applications/"
#define LOGFILES_LS "/apis/v1/logfiles/localservices/"
#define TASK_LOGFILES "/apis/v1/logfiles/tasks/"

/* "{a}/{b}/{rest}" after a log files prefix into a, b and *rest: 1, or 0
 * when p has not that shape. */
static int
log_path(const char *p, char *a, size_t alen, char *b, size_t blen,
    const char **rest)
{
	const char *s1 = strchr(p, '/'), *s2 = s1 ? strchr(s1 + 1, '/') : NULL;

	if (!s1 || !s2 || s1 == p || s2 == s1 + 1 || !s2[1] ||
	    (size_t)(s1 - p) >= alen || (size_t)(s2 - s1 - 1) >= blen)
		return 0;
	snprintf(a, alen, "%.*s", (int)(s1 - p), p);
	snprintf(b, blen, "%.*s", (int)(s2 - s1 - 1), s1 + 1);
	*rest = s2 + 1;
	return 1;
}

void
api_handle(const struct req *r, struct reply *out)
{
	char *buf, *seg[MAX_SEGS];
	enum route id;
	int n, get, head, known = 0;

	if (strncmp(r->url, "/apis/", 6) && strcmp(r->url, "/apis")) {
		reply_notfound(out, "HTTP 404 Not Found");
		return;
	}
	if (!leader_get(NULL, NULL, 0)) {
		reply_fail(out, MHD_HTTP_BAD_REQUEST, HTTPD_NOT_LEADER, NULL);
		return;
	}
	get = !strcmp(r->method, "GET");
	head = !strcmp(r->method, "HEAD");
	if (get || head) {
		/* the log files of an app instance, a task, a local-service
		 * instance: {a}/{b}/{rest} after their prefix */
		static const struct {
			const char *prefix;
			void (*proxy)(const struct req *, const char *,
			    const char *, const char *, struct reply *);
		} logs[] = {
			{ LOGFILES, proxy_logfiles },
			{ TASK_LOGFILES, proxy_task_logfiles },
			{ LOGFILES_LS, proxy_logfiles_ls },
		};
		char a[256], b[256];
		const char *rest;
		size_t i;

		for (i = 0; i < sizeof logs / sizeof logs[0]; i++) {
			size_t pl = strlen(logs[i].prefix);

			if (strncmp(r->url, logs[i].prefix, pl))
				continue;
			if (log_path(r->url + pl, a, sizeof a, b, sizeof b,
			    &rest))
				logs[i].proxy(r, a, b, rest, out);
			else
				reply_notfound(out, "HTTP 404 Not Found");
			return;
		}
	}
	if (strncmp(r->url, "/apis/v1/", 9)) {
		reply_notfound(out, "HTTP 404 Not Found");
		return;
	}
	buf = xstrdup(r->url + 9);
	n = split(buf, seg, MAX_SEGS);
	id = n > 0 ? route(r->method, seg, n, &known) : R_NONE;
	if (id == R_NONE && n > 0 && ls_api(r, seg, n, out))
		;	/* a local service's */
	else if (id != R_NONE)
		dispatch(r, id, seg, out);
	else if (known)
		reply_fail(out, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "HTTP 405 Method Not Allowed", NULL);
	else
		reply_notfound(out, "HTTP 404 Not Found");
	free(buf);
}

