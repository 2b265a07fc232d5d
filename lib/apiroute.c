/*
 * apiroute.c: the controller's path table and its matching.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apiroute.h"

#define R(id, m, p, a, audit) [id] = { id, m, p, a, audit }

const struct api_route api_routes[AR_COUNT] = {
	R(AR_PING, "GET", "ping", AC_READ, NULL),
	R(AR_APP_VALIDATE, "POST", "applications/validate/spec", AC_READ,
	    "Application Spec validation"),
	R(AR_DRYRUN, "POST", "applications/placementpolicy/rule/dryrun",
	    AC_READ, "Placement rule dry run"),
	R(AR_APP_OPS, "POST", "applications/operations", AC_WRITE,
	    "Application Operation"),
	R(AR_APP_OPS_LEGACY, "POST", "operations", AC_WRITE,
	    "Application Operation"),
	R(AR_APP_CANCEL, "POST", "applications/operations/*/cancel",
	    AC_WRITE, "Application Operation cancel"),
	R(AR_APP_CANCEL_LEGACY, "POST", "operations/*/cancel", AC_WRITE,
	    "Application Operation cancel"),
	R(AR_APPS, "GET", "applications", AC_READ, NULL),
	R(AR_APP, "GET", "applications/*", AC_READ, NULL),
	R(AR_APP_SPEC, "GET", "applications/*/spec", AC_READ, NULL),
	R(AR_APP_INSTANCES, "GET", "applications/*/instances", AC_READ, NULL),
	R(AR_APP_OLD_INSTANCES, "GET", "applications/*/instances/old",
	    AC_READ, NULL),
	R(AR_APP_INSTANCE, "GET", "applications/*/instances/*", AC_READ,
	    NULL),
	R(AR_LS_VALIDATE, "POST", "localservices/validate/spec", AC_READ,
	    "Local Service Spec validation"),
	R(AR_LS_OPS, "POST", "localservices/operations", AC_WRITE,
	    "Local Service Operation"),
	R(AR_LS_CANCEL, "POST", "localservices/operations/*/cancel",
	    AC_WRITE, "Local Service Operation cancel"),
	R(AR_LSS, "GET", "localservices", AC_READ, NULL),
	R(AR_LS, "GET", "localservices/*", AC_READ, NULL),
	R(AR_LS_SPEC, "GET", "localservices/*/spec", AC_READ, NULL),
	R(AR_LS_INSTANCES, "GET", "localservices/*/instances", AC_READ, NULL),
	R(AR_LS_OLD_INSTANCES, "GET", "localservices/*/instances/old",
	    AC_READ, NULL),
	R(AR_LS_INSTANCE, "GET", "localservices/*/instances/*", AC_READ,
	    NULL),
	R(AR_TASK_VALIDATE, "POST", "tasks/validate/spec", AC_READ,
	    "Task Spec validation"),
	R(AR_TASK_OPS, "POST", "tasks/operations", AC_WRITE,
	    "Task Operation"),
	R(AR_TASKS, "GET", "tasks", AC_READ, NULL),
	R(AR_TASK, "GET", "tasks/*/instances/*", AC_READ, NULL),
	R(AR_TASK_DELETE, "DELETE", "tasks/*/instances/*", AC_READ,
	    "Task record deletion"),
	R(AR_TASK_SEARCH, "POST", "tasks/search", AC_READ, NULL),
	R(AR_CLUSTER, "GET", "cluster", AC_READ, NULL),
	R(AR_DASHBOARD, "GET", "cluster/dashboard", AC_READ, NULL),
	R(AR_EXECUTORS, "GET", "cluster/executors", AC_READ, NULL),
	R(AR_EXECUTOR, "GET", "cluster/executors/*", AC_READ, NULL),
	R(AR_BLACKLIST_ONE, "POST", "cluster/executors/*/blacklist",
	    AC_MAINT, "Executor blacklist"),
	R(AR_BLACKLIST, "POST", "cluster/executors/blacklist", AC_MAINT,
	    "Executor blacklist"),
	R(AR_UNBLACKLIST_ONE, "POST", "cluster/executors/*/unblacklist",
	    AC_MAINT, "Executor unblacklist"),
	R(AR_UNBLACKLIST, "POST", "cluster/executors/unblacklist", AC_MAINT,
	    "Executor unblacklist"),
	R(AR_MAINT_SET, "POST", "cluster/maintenance/set", AC_MAINT,
	    "Cluster maintenance set"),
	R(AR_MAINT_UNSET, "POST", "cluster/maintenance/unset", AC_MAINT,
	    "Cluster maintenance unset"),
	R(AR_EVENTS, "GET", "cluster/events", AC_READ, NULL),
	R(AR_EVENTS_LATEST, "GET", "cluster/events/latest", AC_READ, NULL),
	R(AR_EVENTS_SUMMARY, "GET", "cluster/events/summary", AC_READ, NULL),
	R(AR_EVENTS_STREAM, "GET", "cluster/events/stream", AC_READ, NULL),
	R(AR_ENDPOINTS, "GET", "endpoints", AC_READ, NULL),
	R(AR_ENDPOINTS_APP, "GET", "endpoints/app/*", AC_READ, NULL),
	R(AR_LOGS_APP, "GET", "logfiles/applications/*/*/**", AC_LOG, NULL),
	R(AR_LOGS_TASK, "GET", "logfiles/tasks/*/*/**", AC_LOG, NULL),
	R(AR_LOGS_LS, "GET", "logfiles/localservices/*/*/**", AC_LOG, NULL),
	R(AR_MESSAGES, "POST", "messages", AC_NODE, NULL),
	R(AR_KNOWN_LAST, "GET", "internal/cluster/executors/*/instances/last",
	    AC_NODE, NULL),
	R(AR_KNOWN_CURRENT, "GET",
	    "internal/cluster/executors/*/instances/current", AC_NODE, NULL),
	R(AR_RESERVED, "GET", "internal/cluster/resources/reserved", AC_NODE,
	    NULL),
	R(AR_INSTANCES_INTERNAL, "GET", "internal/instances", AC_INST, NULL),
};

/* Does seg[0..n) match pattern?  *rest_at gets the index of the segment a
 * "**" starts at (-1 none); the result is 1 + the number of literal
 * characters of the pattern (JAX-RS's precedence), or 0 for no match. */
static size_t
match(char *const *seg, int n, const char *pattern, int *rest_at)
{
	const char *p = pattern, *e;
	size_t len, literal = 0;
	int i;

	*rest_at = -1;
	for (i = 0; i < n; i++) {
		if (!*p)
			return 0;
		e = strchr(p, '/');
		len = e ? (size_t)(e - p) : strlen(p);
		if (len == 2 && !strncmp(p, "**", 2)) {
			*rest_at = i;
			return 1 + literal;
		}
		if (!(len == 1 && *p == '*')) {
			if (strlen(seg[i]) != len || strncmp(seg[i], p, len))
				return 0;
			literal += len;
		}
		p = e ? e + 1 : p + len;
	}
	return *p ? 0 : 1 + literal;
}

/* As JAX-RS selects a resource: of the patterns that match the path, the
 * one with the most literal characters; then the method among the routes
 * of that pattern (GET answering HEAD too), else 405. */
int
api_match(const char *method, const char *path, struct api_match *m)
{
	size_t plen = strlen(path), pre = strlen(API_PREFIX), i, best = 0, sc;
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	const char *best_pattern = NULL;
	char *p, *s;
	int rest_at, best_rest = -1;

	m->route = NULL;
	m->other_method = 0;
	m->nseg = 0;
	m->rest = NULL;
	if (plen >= sizeof m->buf || strncmp(path, API_PREFIX, pre))
		return 0;
	memcpy(m->buf, path, plen + 1);
	for (p = m->buf + pre; p && *p; p = s) {
		if ((s = strchr(p, '/')))
			*s++ = '\0';
		if (!*p)
			continue;
		if (m->nseg == API_MAX_SEGS)
			return 0;
		m->seg[m->nseg++] = p;
	}
	if (m->nseg == 0)
		return 0;
	for (i = 0; i < AR_COUNT; i++) {
		sc = match(m->seg, m->nseg, api_routes[i].pattern, &rest_at);
		if (sc > best) {
			best = sc;
			best_pattern = api_routes[i].pattern;
			best_rest = rest_at;
		}
	}
	if (!best_pattern)
		return 0;
	for (i = 0; i < AR_COUNT; i++) {
		const struct api_route *r = &api_routes[i];

		if (strcmp(r->pattern, best_pattern))
			continue;
		if (!strcmp(r->method, method) ||
		    (get && !strcmp(r->method, "GET"))) {
			m->route = r;
			if (best_rest >= 0)
				m->rest = path + (m->seg[best_rest] - m->buf);
			return 1;
		}
	}
	m->other_method = 1;
	return 0;
}

int
api_count(const char *s, long long *out)
{
	long long v;
	char *e;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &e, 10);
	if (errno || *e)
		return -1;
	*out = v;
	return 0;
}

int
api_bool(const char *s)
{
	return s && !strcasecmp(s, "true");
}
