/*
 * apiroute: every path of the controller's API (Drove's §3.3, under
 * /apis/v1/) with its method, the access class it needs (lib/auth) and
 * whether calls are audited as operations; and the matching of a request
 * to one.  drove-httpd dispatches on the id; man/drove-httpd.8 lists the
 * same table.
 *
 * Patterns are paths after /apis/v1/ in segments: "*" matches one
 * segment, a last "**" one or more (the rest, as given).  A GET route
 * also answers HEAD.
 */
#ifndef DROVE_APIROUTE_H
#define DROVE_APIROUTE_H

#include <stddef.h>

#include "auth.h"

enum api_route_id {
	AR_PING,
	AR_APP_VALIDATE, AR_DRYRUN, AR_APP_OPS, AR_APP_OPS_LEGACY,
	AR_APP_CANCEL, AR_APP_CANCEL_LEGACY, AR_APPS, AR_APP, AR_APP_SPEC,
	AR_APP_INSTANCES, AR_APP_OLD_INSTANCES, AR_APP_INSTANCE,
	AR_LS_VALIDATE, AR_LS_OPS, AR_LS_CANCEL, AR_LSS, AR_LS, AR_LS_SPEC,
	AR_LS_INSTANCES, AR_LS_OLD_INSTANCES, AR_LS_INSTANCE,
	AR_TASK_VALIDATE, AR_TASK_OPS, AR_TASKS, AR_TASK, AR_TASK_DELETE,
	AR_TASK_SEARCH,
	AR_CLUSTER, AR_DASHBOARD, AR_EXECUTORS, AR_EXECUTOR,
	AR_BLACKLIST_ONE, AR_BLACKLIST, AR_UNBLACKLIST_ONE, AR_UNBLACKLIST,
	AR_MAINT_SET, AR_MAINT_UNSET,
	AR_EVENTS, AR_EVENTS_LATEST, AR_EVENTS_SUMMARY, AR_EVENTS_STREAM,
	AR_ENDPOINTS, AR_ENDPOINTS_APP,
	AR_LOGS_APP, AR_LOGS_TASK, AR_LOGS_LS,
	AR_MESSAGES, AR_KNOWN_LAST, AR_KNOWN_CURRENT, AR_RESERVED,
	AR_INSTANCES_INTERNAL,
	AR_COUNT
};

struct api_route {
	enum api_route_id id;
	const char *method;
	const char *pattern;
	enum access access;
	const char *audit;	/* "Application Operation" and the like:
				   ACCESS_AUDIT names what was asked and its
				   result; NULL: only the method's line */
};

/* The table, in the order of §3.3 (api_routes[i].id == i). */
extern const struct api_route api_routes[AR_COUNT];

#define API_PREFIX "/apis/v1/"
#define API_MAX_SEGS 16
#define API_PATH_MAX 4096

struct api_match {
	const struct api_route *route;	/* NULL: none */
	int other_method;		/* no route, but the path has one for
					   another method (405) */
	int nseg;
	char *seg[API_MAX_SEGS];	/* into buf */
	const char *rest;		/* a "**" route's rest, into path */
	char buf[API_PATH_MAX];
};

/*
 * Match method and path (the decoded URL path, starting with
 * API_PREFIX): 1 with m->route, m->seg (the segments after API_PREFIX;
 * empty ones skipped; of the patterns that match, the one with the most
 * literal characters wins, as in JAX-RS) and m->rest (for "**" routes; it points into path,
 * which must outlive m); 0 no route (m->other_method says whether another
 * method has one: 405).  A path of more than API_MAX_SEGS segments or
 * API_PATH_MAX bytes matches nothing.  Pure: safe on any input.
 */
int api_match(const char *method, const char *path, struct api_match *m);

/*
 * Query argument values, as the API decodes them (MHD has already split
 * and percent-decoded the query string).  Pure: safe on any input.
 * api_count(): a non-negative decimal integer without sign or spaces
 * (the from, size, start, lastSyncTime arguments): 0 with *out, -1.
 * api_bool(): JAX-RS's Boolean.valueOf: true for "true" in any case,
 * false for anything else (forApp, rename).
 */
int api_count(const char *s, long long *out);
int api_bool(const char *s);

#endif
