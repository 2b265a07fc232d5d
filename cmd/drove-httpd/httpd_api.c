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
#include "apiroute.h"
#include "auth.h"
#include "itoken.h"
#include "httpd.h"

/* Drove's envelope; a missing data is left out, never null, and so are
 * null members inside data (Drove's mapper is NON_NULL). */
static json_t *
envelope(const char *status, json_t *data, const char *message)
{
	if (data && json_is_null(data)) {
		json_decref(data);
		data = NULL;
	}
	data = js_drop_nulls(data);
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

int
query_count(const struct req *r, const char *key, long long def,
    long long *v, struct reply *out)
{
	const char *s = MHD_lookup_connection_value(r->conn,
	    MHD_GET_ARGUMENT_KIND, key);

	*v = def;
	if (!s || !*s)
		return 0;
	if (api_count(s, v) == 0)
		return 0;
	reply_verr(out, "%s must be a non-negative integer, not '%.64s'",
	    key, s);
	return -1;
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
		check = json_pack("{s:s}", "status", "SUCCESS");
		if (!json_is_object(si))
			json_object_set_new(body, "schedulingInfo",
			    (si = json_object()));
		v = rule_check(rule, si);
		eval = v < 0 ? json_pack("{s:s,s:b,s:s}", "status", "FAILURE",
		    "result", 0, "error", err_text()) :
		    json_pack("{s:s,s:b}", "status", "SUCCESS", "result", v);
		rule_free(rule);
	}
	reply_ok(out, json_pack("{s:b,s:o,s:o}", "status", v == 1,
	    "checkResult", check, "evalResult", eval));
	json_decref(body);
}

/* --- routing, authentication, audit ---------------------------------- */

static const char *
header(const struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* 401, as Drove's (Dropwizard's) auth filters answer it. */
static void
reply_unauthorized(struct reply *out)
{
	static const char body[] =
	    "Credentials are required to access this resource.";

	out->code = MHD_HTTP_UNAUTHORIZED;
	out->raw = xstrdup(body);
	out->raw_len = sizeof body - 1;
	snprintf(out->ctype, sizeof out->ctype, "text/plain");
	if (auth_users_enabled(hd.auth))
		snprintf(out->challenge, sizeof out->challenge,
		    "Basic realm=\"drove\"");
}

/*
 * Who r is, by Drove's chain (§8): a cluster node by NodeId and
 * Cluster-Authorization; an application instance by its token in
 * App-Instance-Authorization (claims into *tok); a user by HTTP Basic
 * when userAuth is enabled, else everyone is default-user with the root
 * role.  Credentials that are given and fail are refused (401) rather
 * than passed on to the next way.  1 with p filled, or 0 with 401 in out.
 */
static int
authenticate(const struct req *r, struct principal *p, struct itoken *tok,
    struct reply *out)
{
	const char *secret = header(r, "Cluster-Authorization");
	const char *token = header(r, "App-Instance-Authorization");
	const char *node = header(r, "NodeId");

	if (secret) {
		if (node && *node && auth_node(hd.auth, node, secret, p))
			return 1;
	} else if (token) {
		if (itoken_verify(hd.instance_secret, token, tok) == 0 &&
		    itoken_live(tok)) {
			snprintf(p->name, sizeof p->name, "%s",
			    tok->instance_id);
			p->role = ROLE_APP_INSTANCE;
			return 1;
		}
	} else if (!auth_users_enabled(hd.auth)) {
		snprintf(p->name, sizeof p->name, "default-user");
		p->role = ROLE_EXTERNAL_ROOT;
		return 1;
	} else if (auth_basic(hd.auth, header(r, "Authorization"), p))
		return 1;
	reply_unauthorized(out);
	return 0;
}

/* Is method one of options.auditedHttpMethods (POST and PUT unless it
 * says)? */
static int
audited(const char *method)
{
	const json_t *m = js_get(hd.cfg, "options.auditedHttpMethods"), *v;
	size_t i;

	if (!json_is_array(m))
		return !strcmp(method, "POST") || !strcmp(method, "PUT");
	json_array_foreach(m, i, v)
		if (json_is_string(v) &&
		    !strcasecmp(json_string_value(v), method))
			return 1;
	return 0;
}

/* The value of the last "*" segment of m's route (an appId, an
 * executorId), NULL when the pattern has none. */
static const char *
path_id(const struct api_match *m)
{
	const char *p = m->route->pattern, *found = NULL;
	int i;

	for (i = 0; i < m->nseg && *p; i++) {
		if (p[0] == '*' && (p[1] == '/' || !p[1]))
			found = m->seg[i];
		p = strchr(p, '/') ? strchr(p, '/') + 1 : "";
	}
	return found;
}

/* The strings of a into out (n bytes), sep between them; cut to fit. */
static void
join_strings(const json_t *a, const char *sep, char *out, size_t n)
{
	const json_t *v;
	size_t i, len = 0;

	out[0] = '\0';
	json_array_foreach(a, i, v)
		if (json_is_string(v) && len < n)
			len += (size_t)snprintf(out + len, n - len, "%s%s",
			    i ? sep : "", json_string_value(v));
}

/* What an audited call asked for, from its body, path and query: the
 * operation's type and the id it names ("CREATE payments-api-42"), the
 * executors of a blacklisting. */
static void
audit_what(const struct req *r, const struct api_match *m, char *out,
    size_t n)
{
	json_t *body = js_parse(r->body, r->body_len), *spec, *ids = NULL;
	const char *type = js_str(body, "type", NULL), *id = NULL;
	char derived[300] = "";

	if (json_is_object(body)) {
		id = js_str(body, "appId", js_str(body, "serviceId",
		    js_str(body, "taskId", NULL)));
		spec = json_is_object(json_object_get(body, "spec")) ?
		    json_object_get(body, "spec") : body;
		if (!id && js_str(spec, "name", NULL))
			snprintf(derived, sizeof derived, "%s%s%s",
			    js_str(spec, "name", ""),
			    js_str(spec, "version", NULL) ? "-" : "",
			    js_str(spec, "version", ""));
		if (!id && js_str(spec, "taskId", NULL))
			id = js_str(spec, "taskId", NULL);
	}
	if (!id && *derived)
		id = derived;
	if (!id)
		id = path_id(m);
	if (!id && json_array_size(ids = query_all(r, "id")) > 0) {
		join_strings(ids, ",", derived, sizeof derived);
		id = derived;
	}
	snprintf(out, n, "%s%s%s", type ? type : "", type && id ? " " : "",
	    id ? id : "");
	if (!*out)
		snprintf(out, n, "(none)");
	json_decref(ids);
	json_decref(body);
}

/* The outcome of a call as the audit line gives it (into b): SUCCESS, or
 * FAILURE with the code, the answer's message and its reasons. */
static void
audit_result(const struct reply *out, struct buf *b)
{
	const char *msg = js_str(out->json, "message", "");
	const json_t *errs = js_get(out->json, "data.validationErrors"), *e;
	size_t i;

	if (out->code == MHD_HTTP_OK &&
	    !strcmp(js_str(out->json, "status", ""), "SUCCESS")) {
		buf_adds(b, "SUCCESS");
		return;
	}
	buf_addf(b, "FAILURE (%u%s%s", out->code, *msg ? ": " : "", msg);
	json_array_foreach(errs, i, e)
		if (json_is_string(e))
			buf_addf(b, "%s%s", i ? "; " : ": ",
			    json_string_value(e));
	buf_adds(b, ")");
}

static void
dispatch(const struct req *r, const struct api_match *m,
    const struct itoken *tok, struct reply *out)
{
	char *const *seg = m->seg;

	switch (m->route->id) {
	case AR_PING: reply_ok(out, json_string("pong")); break;
	case AR_APP_VALIDATE: h_validate(r, spec_validate, out); break;
	case AR_DRYRUN: h_rule_dryrun(r, out); break;
	case AR_APP_OPS: case AR_APP_OPS_LEGACY: h_operation(r, out); break;
	case AR_APP_CANCEL: h_cancel(seg[2], out); break;
	case AR_APP_CANCEL_LEGACY: h_cancel(seg[1], out); break;
	case AR_APPS: h_apps(r, out); break;
	case AR_APP: h_app(seg[1], out); break;
	case AR_APP_SPEC: h_app_spec(seg[1], out); break;
	case AR_APP_INSTANCES: h_instances(r, seg[1], out); break;
	case AR_APP_OLD_INSTANCES: h_old_instances(r, seg[1], out); break;
	case AR_APP_INSTANCE: h_instance(seg[1], seg[3], out); break;
	case AR_LS_VALIDATE:
		h_validate(r, spec_validate_local_service, out);
		break;
	case AR_LS_OPS: h_ls_operation(r, out); break;
	case AR_LS_CANCEL: h_ls_cancel(seg[2], out); break;
	case AR_LSS: h_ls_list(r, out); break;
	case AR_LS: h_ls_one(seg[1], 0, out); break;
	case AR_LS_SPEC: h_ls_one(seg[1], 1, out); break;
	case AR_LS_INSTANCES: h_ls_instances(r, seg[1], 0, out); break;
	case AR_LS_OLD_INSTANCES: h_ls_instances(r, seg[1], 1, out); break;
	case AR_LS_INSTANCE: h_ls_instance(seg[1], seg[3], out); break;
	case AR_TASK_VALIDATE: h_validate_task(r, out); break;
	case AR_TASK_OPS: h_task_operation(r, out); break;
	case AR_TASKS: h_tasks(out); break;
	case AR_TASK: h_task(seg[1], seg[3], out); break;
	case AR_TASK_DELETE: h_task_delete(seg[1], seg[3], out); break;
	case AR_TASK_SEARCH: h_task_search(r, out); break;
	case AR_CLUSTER: h_cluster(r, out); break;
	case AR_DASHBOARD: h_dashboard(out); break;
	case AR_EXECUTORS: h_executors(r, out); break;
	case AR_EXECUTOR: h_executor(seg[2], out); break;
	case AR_BLACKLIST_ONE: h_blacklist(r, seg[2], 1, out); break;
	case AR_BLACKLIST: h_blacklist(r, NULL, 1, out); break;
	case AR_UNBLACKLIST_ONE: h_blacklist(r, seg[2], 0, out); break;
	case AR_UNBLACKLIST: h_blacklist(r, NULL, 0, out); break;
	case AR_MAINT_SET: h_maintenance_set(out); break;
	case AR_MAINT_UNSET: h_maintenance_unset(out); break;
	case AR_EVENTS: h_events(r, out); break;
	case AR_EVENTS_LATEST: h_events_latest(r, out); break;
	case AR_EVENTS_SUMMARY: h_events_summary(r, out); break;
	case AR_EVENTS_STREAM: h_events_stream(r, out); break;
	case AR_ENDPOINTS: h_endpoints(r, NULL, out); break;
	case AR_ENDPOINTS_APP: h_endpoints(r, seg[2], out); break;
	case AR_LOGS_APP:
		proxy_logfiles(r, seg[2], seg[3], m->rest, out);
		break;
	case AR_LOGS_TASK:
		proxy_task_logfiles(r, seg[2], seg[3], m->rest, out);
		break;
	case AR_LOGS_LS:
		proxy_logfiles_ls(r, seg[2], seg[3], m->rest, out);
		break;
	case AR_MESSAGES: h_messages(r, out); break;
	case AR_KNOWN_LAST: h_known_instances(seg[3], 1, out); break;
	case AR_KNOWN_CURRENT: h_known_instances(seg[3], 0, out); break;
	case AR_RESERVED: h_reserved(out); break;
	case AR_INSTANCES_INTERNAL: h_internal_instances(r, tok, out); break;
	case AR_COUNT: BUG("dispatch of AR_COUNT");
	}
}

void
api_handle(struct req *r, struct reply *out)
{
	struct api_match *m;
	struct principal who;
	struct itoken tok;
	struct buf res = BUF_ZERO;
	char what[400];

	if (strncmp(r->url, "/apis/", 6) && strcmp(r->url, "/apis")) {
		reply_notfound(out, "HTTP 404 Not Found");
		return;
	}
	if (!leader_get(NULL, NULL, 0)) {
		reply_fail(out, MHD_HTTP_BAD_REQUEST, HTTPD_NOT_LEADER, NULL);
		return;
	}
	m = xmalloc(sizeof *m);
	if (!api_match(r->method, r->url, m)) {
		if (m->other_method)
			reply_fail(out, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "HTTP 405 Method Not Allowed", NULL);
		else
			reply_notfound(out, "HTTP 404 Not Found");
		free(m);
		return;
	}
	out->route = m->route->pattern;
	memset(&tok, 0, sizeof tok);
	if (!authenticate(r, &who, &tok, out)) {
		free(m);
		return;
	}
	r->who = &who;
	if (!auth_allows(m->route->access, who.role,
	    auth_disable_read_auth(hd.auth))) {
		reply_fail(out, MHD_HTTP_FORBIDDEN, "HTTP 403 Forbidden", NULL);
		info("ACCESS_DENIED: Api [%s] %s refused to %s (role %s, "
		    "needs %s)", r->method, r->url, who.name,
		    *role_name(who.role) ? role_name(who.role) : "none",
		    access_name(m->route->access));
		r->who = NULL;
		free(m);
		return;
	}
	if (audited(r->method))
		info("ACCESS_AUDIT: Api [%s] %s called by %s", r->method,
		    r->url, who.name);
	dispatch(r, m, &tok, out);
	if (m->route->audit) {
		audit_what(r, m, what, sizeof what);
		audit_result(out, &res);
		info("ACCESS_AUDIT: %s %s received from user: %s. "
		    "Validation result: %s", m->route->audit, what, who.name,
		    res.s ? res.s : "");
		buf_free(&res);
	}
	r->who = NULL;
	free(m);
}
