#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

static int
in(const char *s, const char *const *set)
{
	if (!s)
		return 0;
	for (; *set; set++)
		if (!strcmp(s, *set))
			return 1;
	return 0;
}

static const char *const all_states[] = {
	"PENDING", "PROVISIONING", "PROVISIONING_FAILED", "STARTING",
	"START_FAILED", "UNREADY", "READINESS_CHECK_FAILED", "READY",
	"HEALTHY", "UNHEALTHY", "DEPROVISIONING", "STOPPING", "STOPPED",
	"LOST", "UNKNOWN", NULL
};
static const char *const active_states[] = {
	"PENDING", "PROVISIONING", "STARTING", "UNREADY", "READY", "HEALTHY",
	"UNHEALTHY", "DEPROVISIONING", "STOPPING", NULL
};
static const char *const running_states[] = {
	"UNREADY", "READY", "HEALTHY", NULL
};
static const char *const terminal_states[] = { "STOPPED", "LOST", NULL };
static const char *const wanted_states[] = {
	"PENDING", "PROVISIONING", "STARTING", "UNREADY", "READY", "HEALTHY",
	NULL
};

int inst_state_valid(const char *s) { return in(s, all_states); }
int inst_state_active(const char *s) { return in(s, active_states); }
int inst_state_running(const char *s) { return in(s, running_states); }
int inst_state_terminal(const char *s) { return in(s, terminal_states); }
int inst_state_wanted(const char *s) { return in(s, wanted_states); }

int
app_id_of(const json_t *spec, char *out, size_t n)
{
	const char *name = js_str(spec, "name", NULL);
	const char *ver = js_str(spec, "version", NULL);
	int r;

	if (!name || !ver) {
		errno = EINVAL;
		return -1;
	}
	r = snprintf(out, n, "%s-%s", name, ver);
	if (r < 0 || (size_t)r >= n) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static long long
requirement(const json_t *spec, const char *type, const char *field)
{
	json_t *res = json_object_get(spec, "resources"), *r;
	size_t i;

	json_array_foreach(res, i, r)
		if (!strcmp(js_str(r, "type", ""), type))
			return js_int(r, field, 0);
	return 0;
}

long long spec_cpus(const json_t *spec)
{ return requirement(spec, "CPU", "count"); }
long long spec_memory_mb(const json_t *spec)
{ return requirement(spec, "MEMORY", "sizeInMB"); }

json_t *
app_info_new(const char *app_id, const json_t *spec, long long instances,
    long long created, long long updated)
{
	return json_pack("{s:s, s:O, s:I, s:I, s:I}", "appId", app_id,
	    "spec", spec, "instances", (json_int_t)instances,
	    "created", (json_int_t)created, "updated", (json_int_t)updated);
}

json_t *
alloc_cpu_new(int numa, const int *cores, int ncores)
{
	json_t *ids = json_array();
	char key[16];
	int i;

	for (i = 0; i < ncores; i++)
		json_array_append_new(ids, json_integer(cores[i]));
	snprintf(key, sizeof key, "%d", numa);
	return json_pack("{s:s, s:{s:o}}", "type", "CPU", "cores", key, ids);
}

json_t *
alloc_mem_new(int numa, long long mb)
{
	char key[16];

	snprintf(key, sizeof key, "%d", numa);
	return json_pack("{s:s, s:{s:I}}", "type", "MEMORY", "memoryInMB", key,
	    (json_int_t)mb);
}
