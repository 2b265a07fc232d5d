#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "model.h"

#define NAMES(...) { __VA_ARGS__ }

static const char *const inst_names[INST_STATE_COUNT] = NAMES(
	"PENDING", "PROVISIONING", "PROVISIONING_FAILED", "STARTING",
	"START_FAILED", "UNREADY", "READINESS_CHECK_FAILED", "READY",
	"HEALTHY", "UNHEALTHY", "DEPROVISIONING", "STOPPING", "STOPPED",
	"LOST", "UNKNOWN");
static const char *const app_names[APP_STATE_COUNT] = NAMES(
	"INIT", "MONITORING", "RUNNING", "OUTAGE_DETECTED",
	"SCALING_REQUESTED", "STOP_INSTANCES_REQUESTED",
	"REPLACE_INSTANCES_REQUESTED", "DESTROY_REQUESTED", "DESTROYED",
	"FAILED");
static const char *const executor_names[EXECUTOR_STATE_COUNT] = NAMES(
	"ACTIVE", "BLACKLIST_REQUESTED", "BLACKLISTED", "UNREADY", "REMOVED");
static const char *const cluster_names[CLUSTER_STATE_COUNT] = NAMES(
	"NORMAL", "MAINTENANCE");
static const char *const target_names[TARGET_STATE_COUNT] = NAMES(
	"RUNNING", "STOPPED");
static const char *const node_names[NODE_TYPE_COUNT] = NAMES(
	"CONTROLLER", "EXECUTOR");

static const char *const job_names[JOB_TYPE_COUNT] = NAMES(
	"SERVICE", "COMPUTATION", "LOCAL_SERVICE");
static const char *const task_names[TASK_STATE_COUNT] = NAMES(
	"PENDING", "PROVISIONING", "PROVISIONING_FAILED", "STARTING",
	"RUNNING", "RUN_COMPLETED", "RUN_FAILED", "DEPROVISIONING", "STOPPED",
	"LOST", "UNKNOWN");
static const char *const task_result_names[TASK_RESULT_COUNT] = NAMES(
	"SUCCESSFUL", "TIMED_OUT", "CANCELLED", "FAILED", "LOST");
static const char *const ls_activation_names[LS_ACTIVATION_COUNT] = NAMES(
	"ACTIVE", "CONFIG_TESTING", "INACTIVE");
static const char *const ls_state_names[LS_STATE_COUNT] = NAMES(
	"INIT", "ACTIVATION_REQUESTED", "CONFIG_TESTING_REQUESTED",
	"DEACTIVATION_REQUESTED", "EMERGENCY_DEACTIVATION_REQUESTED",
	"INACTIVE", "ACTIVE", "CONFIG_TESTING", "ADJUSTING_INSTANCES",
	"DEPLOYING_TEST_INSTANCE", "REPLACING_INSTANCES", "STOPPING_INSTANCES",
	"UPDATING_INSTANCES_COUNT", "DESTROY_REQUESTED", "DESTROYED");

static const char *const ctl_msg_names[CTL_MSG_TYPE_COUNT] = NAMES(
	"INSTANCE_STATE_REPORT", "TASK_STATE_REPORT",
	"LOCAL_SERVICE_INSTANCE_STATE_REPORT", "EXECUTOR_SNAPSHOT");

static const char *const ls_op_names[LSOP_TYPE_COUNT] = NAMES(
	"CREATE", "ACTIVATE", "DEACTIVATE", "RESTART", "ADJUST_INSTANCES",
	"DEPLOY_TEST_INSTANCE", "REPLACE_INSTANCES", "STOP_INSTANCES",
	"UPDATE_INSTANCE_COUNT", "DESTROY");
static const char *const op_names[OP_TYPE_COUNT] = NAMES(
	"CREATE", "START_INSTANCES", "SCALE_INSTANCES", "STOP_INSTANCES",
	"REPLACE_INSTANCES", "SUSPEND", "DESTROY", "RECOVER");
static const char *const failure_names[FAILURE_STRATEGY_COUNT] = NAMES(
	"STOP", "ROLLBACK");
static const char *const step_names[STEP_STATE_COUNT] = NAMES(
	"WAITING", "STARTING", "STOPPING", "DONE", "FAILED");

static const char *
name_of(const char *const *names, int n, int v)
{
	return v >= 0 && v < n ? names[v] : NULL;
}

static int
parse(const char *const *names, int n, const char *s)
{
	int i;

	if (s)
		for (i = 0; i < n; i++)
			if (!strcmp(s, names[i]))
				return i;
	errno = EINVAL;
	return -1;
}

#define TABLE(prefix, type, names, count) \
const char * \
prefix##_name(type v) \
{ \
	return name_of(names, count, (int)v); \
} \
int \
prefix##_parse(const char *s, type *out) \
{ \
	int v = parse(names, count, s); \
\
	if (v < 0) \
		return -1; \
	*out = (type)v; \
	return 0; \
}

TABLE(inst_state, enum inst_state, inst_names, INST_STATE_COUNT)
TABLE(app_state, enum app_state, app_names, APP_STATE_COUNT)
TABLE(executor_state, enum executor_state, executor_names,
    EXECUTOR_STATE_COUNT)
TABLE(cluster_state, enum cluster_state, cluster_names, CLUSTER_STATE_COUNT)
TABLE(target_state, enum target_state, target_names, TARGET_STATE_COUNT)
TABLE(node_type, enum node_type, node_names, NODE_TYPE_COUNT)
TABLE(op_type, enum op_type, op_names, OP_TYPE_COUNT)
TABLE(failure_strategy, enum failure_strategy, failure_names,
    FAILURE_STRATEGY_COUNT)
TABLE(step_state, enum step_state, step_names, STEP_STATE_COUNT)
TABLE(job_type, enum job_type, job_names, JOB_TYPE_COUNT)
TABLE(task_state, enum task_state, task_names, TASK_STATE_COUNT)
TABLE(task_result, enum task_result, task_result_names, TASK_RESULT_COUNT)
TABLE(ls_activation, enum ls_activation, ls_activation_names,
    LS_ACTIVATION_COUNT)
TABLE(ls_state, enum ls_state, ls_state_names, LS_STATE_COUNT)
TABLE(ls_op_type, enum ls_op_type, ls_op_names, LSOP_TYPE_COUNT)
TABLE(ctl_msg_type, enum ctl_msg_type, ctl_msg_names, CTL_MSG_TYPE_COUNT)

int
task_state_is_active(enum task_state s)
{
	switch (s) {
	case TASK_PENDING:
	case TASK_PROVISIONING:
	case TASK_STARTING:
	case TASK_RUNNING:
	case TASK_RUN_COMPLETED:
	case TASK_DEPROVISIONING:
		return 1;
	default:
		return 0;
	}
}

int
task_state_is_terminal(enum task_state s)
{
	return s == TASK_STOPPED || s == TASK_LOST;
}

int
op_type_of_api(const char *s, enum op_type *out)
{
	if (s && !strcmp(s, "SCALE")) {
		*out = OP_SCALE_INSTANCES;
		return 0;
	}
	if (s && !strcmp(s, "SCALE_INSTANCES")) {
		errno = EINVAL;
		return -1;
	}
	return op_type_parse(s, out);
}

#define OPBIT(t) (1u << (t))
_Static_assert(OP_TYPE_COUNT <= 32 && LSOP_TYPE_COUNT <= 32,
    "an operation type is a bit of an unsigned int");

/* Drove's VALID_OPS_TABLE (ApplicationCommandValidator). */
static unsigned int
ops_of(enum app_state s)
{
	switch (s) {
	case APP_MONITORING:
		return OPBIT(OP_START_INSTANCES) | OPBIT(OP_SCALE_INSTANCES) |
		    OPBIT(OP_DESTROY) | OPBIT(OP_RECOVER);
	case APP_RUNNING:
		return OPBIT(OP_START_INSTANCES) | OPBIT(OP_STOP_INSTANCES) |
		    OPBIT(OP_SCALE_INSTANCES) | OPBIT(OP_REPLACE_INSTANCES) |
		    OPBIT(OP_SUSPEND) | OPBIT(OP_RECOVER);
	case APP_SCALING_REQUESTED:
		return OPBIT(OP_SCALE_INSTANCES);
	default:
		return 0;
	}
}

int
op_allowed(enum app_state s, enum op_type t)
{
	return (ops_of(s) & OPBIT(t)) != 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names of the bits of m in names[0..count), sorted, as Java prints a
 * list ("[A, B]"; "" when none) into out (n bytes, cut short to fit). */
static void
names_of_mask(unsigned int m, const char *const *names, size_t count,
    char *out, size_t n)
{
	const char *v[32];
	size_t k = 0, i, len = 0;
	int w;

	for (i = 0; i < count && i < 32; i++)
		if (m & OPBIT(i))
			v[k++] = names[i];
	if (n)
		out[0] = '\0';
	if (!k || !n)
		return;
	qsort(v, k, sizeof v[0], cmp_names);
	for (i = 0; i < k; i++) {
		w = snprintf(out + len, n - len, "%s%s%s", i ? ", " : "[",
		    v[i], i == k - 1 ? "]" : "");
		if (w < 0 || (size_t)w >= n - len)
			return;
		len += (size_t)w;
	}
}

void
op_allowed_list(enum app_state s, char *out, size_t n)
{
	names_of_mask(ops_of(s), op_names, OP_TYPE_COUNT, out, n);
}

int
inst_state_valid(const char *s)
{
	return parse(inst_names, INST_STATE_COUNT, s) >= 0;
}

int
inst_state_is_active(enum inst_state s)
{
	switch (s) {
	case INST_PENDING: case INST_PROVISIONING: case INST_STARTING:
	case INST_UNREADY: case INST_READY: case INST_HEALTHY:
	case INST_UNHEALTHY: case INST_DEPROVISIONING: case INST_STOPPING:
		return 1;
	default:
		return 0;
	}
}

int
inst_state_is_running(enum inst_state s)
{
	return s == INST_UNREADY || s == INST_READY || s == INST_HEALTHY;
}

int
inst_state_is_terminal(enum inst_state s)
{
	return s == INST_STOPPED || s == INST_LOST;
}

int
inst_state_is_wanted(enum inst_state s)
{
	switch (s) {
	case INST_PENDING: case INST_PROVISIONING: case INST_STARTING:
	case INST_UNREADY: case INST_READY: case INST_HEALTHY:
		return 1;
	default:
		return 0;
	}
}

int
app_state_is_active(enum app_state s)
{
	switch (s) {
	case APP_RUNNING: case APP_OUTAGE_DETECTED: case APP_SCALING_REQUESTED:
	case APP_STOP_INSTANCES_REQUESTED: case APP_REPLACE_INSTANCES_REQUESTED:
	case APP_DESTROY_REQUESTED:
		return 1;
	default:
		return 0;
	}
}

int
app_state_is_terminal(enum app_state s)
{
	return s == APP_DESTROYED || s == APP_FAILED;
}

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

long long
alloc_cores(const json_t *resources)
{
	json_t *r, *ids;
	const char *k;
	long long n = 0;
	size_t i;

	json_array_foreach(resources, i, r)
		if (!strcmp(js_str(r, "type", ""), "CPU"))
			json_object_foreach(json_object_get(r, "cores"), k,
			    ids)
				n += (long long)json_array_size(ids);
	return n;
}

long long
alloc_memory_mb(const json_t *resources)
{
	json_t *r, *mb;
	const char *k;
	long long n = 0;
	size_t i;

	json_array_foreach(resources, i, r)
		if (!strcmp(js_str(r, "type", ""), "MEMORY"))
			json_object_foreach(json_object_get(r, "memoryInMB"),
			    k, mb)
				n += json_is_integer(mb) ?
				    json_integer_value(mb) : 0;
	return n;
}

static long long
check_worst_ms(const json_t *c)
{
	if (!json_is_object(c))
		return 0;
	return dur_ms(c, "initialDelay", 0) + js_int(c, "attempts", 1) *
	    (dur_ms(c, "timeout", 1000) + dur_ms(c, "interval", 1000));
}

long long
spec_instance_timeout_ms(const json_t *spec, long long op_timeout_ms)
{
	long long t = dur_ms(json_object_get(spec, "executable"),
	    "dockerPullTimeout", 15 * 60 * 1000LL) +
	    check_worst_ms(json_object_get(spec, "healthcheck")) +
	    check_worst_ms(json_object_get(spec, "readiness"));

	return t > op_timeout_ms ? t : op_timeout_ms;
}

enum ls_state
ls_state_of_activation(enum ls_activation a)
{
	switch (a) {
	case LS_ACTIVE:
		return LS_STATE_ACTIVE;
	case LS_CONFIG_TESTING:
		return LS_STATE_CONFIG_TESTING;
	default:
		return LS_STATE_INACTIVE;
	}
}

int
ls_state_is_resource_using(enum ls_state s)
{
	return s == LS_STATE_ACTIVE || s == LS_STATE_CONFIG_TESTING;
}

int
ls_op_type_of_api(const char *s, enum ls_op_type *out)
{
	if (s && !strcmp(s, "STOP")) {
		*out = LSOP_DEACTIVATE;
		return 0;
	}
	return ls_op_type_parse(s, out);
}

/* Drove's LocalServiceCommandValidator table. */
static unsigned int
ls_ops_of(enum ls_state s)
{
	switch (s) {
	case LS_STATE_INACTIVE:
		return OPBIT(LSOP_ACTIVATE) | OPBIT(LSOP_DEPLOY_TEST_INSTANCE) |
		    OPBIT(LSOP_ADJUST_INSTANCES) | OPBIT(LSOP_DESTROY) |
		    OPBIT(LSOP_UPDATE_INSTANCE_COUNT);
	case LS_STATE_CONFIG_TESTING:
		return OPBIT(LSOP_ACTIVATE) | OPBIT(LSOP_DEACTIVATE) |
		    OPBIT(LSOP_ADJUST_INSTANCES) | OPBIT(LSOP_REPLACE_INSTANCES) |
		    OPBIT(LSOP_RESTART) | OPBIT(LSOP_STOP_INSTANCES);
	case LS_STATE_ACTIVE:
		return OPBIT(LSOP_DEACTIVATE) |
		    OPBIT(LSOP_UPDATE_INSTANCE_COUNT) |
		    OPBIT(LSOP_ADJUST_INSTANCES) | OPBIT(LSOP_REPLACE_INSTANCES) |
		    OPBIT(LSOP_RESTART) | OPBIT(LSOP_STOP_INSTANCES);
	case LS_STATE_EMERGENCY_DEACTIVATION_REQUESTED:
		return OPBIT(LSOP_DEACTIVATE);
	default:
		return 0;
	}
}

int
ls_op_allowed(enum ls_state s, enum ls_op_type t)
{
	return (ls_ops_of(s) & OPBIT(t)) != 0;
}

void
ls_op_allowed_list(enum ls_state s, char *out, size_t n)
{
	names_of_mask(ls_ops_of(s), ls_op_names, LSOP_TYPE_COUNT, out, n);
}
