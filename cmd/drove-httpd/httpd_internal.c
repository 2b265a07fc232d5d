/*
 * httpd_internal.c: what an application or local-service instance may
 * ask with its token (lib/itoken, header App-Instance-Authorization):
 * Drove's sibling discovery, GET /apis/v1/internal/instances.  Reads come
 * from the view, under its read lock.
 */
#include <stdlib.h>
#include <string.h>

#include "apiroute.h"
#include "err.h"
#include "httpd.h"
#include "itoken.h"
#include "record.h"

/* The InstanceInfo or LocalServiceInstanceInfo of t's instance
 * (borrowed), NULL if the view has none; view read-locked.  Instance ids
 * are unique across both (AI- and SI- prefixes). */
static json_t *
token_instance(const struct itoken *t)
{
	json_t *ii = view_instance(hd.view, t->app_id, t->instance_id);

	return ii ? ii : view_ls_instance(hd.view, t->app_id,
	    t->instance_id);
}

int
itoken_live(const struct itoken *t)
{
	struct rec_instance f;
	json_t *ii;
	int live;

	view_rdlock(hd.view);
	ii = token_instance(t);
	live = ii && rec_instance_read(ii, &f) == 0 &&
	    !strcmp(f.executor_id, t->executor_id) &&
	    inst_state_is_active(f.state);
	view_unlock(hd.view);
	return live;
}

static int
by_instance_id(const void *a, const void *b)
{
	return strcmp(js_str(*(json_t *const *)a, "instanceId", ""),
	    js_str(*(json_t *const *)b, "instanceId", ""));
}

/* The spec's name of app or local service id (ls), NULL if unknown;
 * view read-locked, borrowed. */
static const char *
name_of(const char *id, int ls)
{
	json_t *info = ls ? view_localservice(hd.view, id) :
	    view_app(hd.view, id);

	return js_str(json_object_get(info, "spec"), "name", NULL);
}

/* Appends to *v (grown as needed, *n used of *cap) the records of map
 * insts whose state want keeps. */
static void
collect(json_t *insts, const int *want, json_t ***v, size_t *n,
    size_t *cap)
{
	const char *iid;
	json_t *ii;

	json_object_foreach(insts, iid, ii) {
		if (!want[read_inst_state(ii)])
			continue;
		if (*n == *cap) {
			*cap = *cap ? 2 * *cap : 16;
			*v = xrealloc(*v, *cap * sizeof **v);
		}
		(*v)[(*n)++] = ii;
	}
}

void
h_internal_instances(const struct req *r, const struct itoken *t,
    struct reply *out)
{
	int want[INST_STATE_COUNT], ls, for_app;
	const char *name, *id;
	json_t *states, *ii, *all, *info, **v = NULL, *res;
	size_t n = 0, cap = 0, i, k;

	if (read_state_filter(r, want, out) < 0)
		return;
	states = query_all(r, "state");
	if (!json_array_size(states))
		for (k = 0; k < INST_STATE_COUNT; k++)
			want[k] = inst_state_is_running((enum inst_state)k);
	json_decref(states);
	/* Jersey's boolean: "true" in any case, anything else false */
	for_app = api_bool(MHD_lookup_connection_value(r->conn,
	    MHD_GET_ARGUMENT_KIND, "forApp"));

	view_rdlock(hd.view);
	ii = token_instance(t);
	ls = ii && view_ls_instance(hd.view, t->app_id, t->instance_id) == ii;
	name = ii ? name_of(t->app_id, ls) : NULL;
	/* an instance gone since it was authenticated sees nothing */
	if (ii && for_app && name) {
		all = ls ? view_localservices(hd.view) : view_apps(hd.view);
		json_object_foreach(all, id, info) {
			const char *nm = js_str(json_object_get(info, "spec"),
			    "name", NULL);

			if (nm && !strcmp(nm, name))
				collect(ls ? view_ls_instances(hd.view, id) :
				    view_instances(hd.view, id), want, &v, &n,
				    &cap);
		}
	} else if (ii)
		collect(ls ? view_ls_instances(hd.view, t->app_id) :
		    view_instances(hd.view, t->app_id), want, &v, &n, &cap);
	if (n)
		qsort(v, n, sizeof *v, by_instance_id);
	res = json_array();
	for (i = 0; i < n; i++)
		json_array_append(res, v[i]);
	view_unlock(hd.view);
	free(v);
	reply_ok(out, res);
}
