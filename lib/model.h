/*
 * model: Drove's state names as enums, one string table each, and the
 * small spec helpers more than one program needs.  The records stored in
 * ZooKeeper are built and read by lib/record.h, never here.
 * Shapes and names are Drove's (reference: drove.md §1, §3.4, §4).
 *
 * For every enum X: X_name(v) gives the stored name ("HEALTHY"), NULL when
 * v is out of range; X_parse(name, &v) sets v and returns 0, or returns -1
 * with errno=EINVAL for NULL or an unknown name (names are matched
 * exactly: records hold them upper-case).  X_COUNT is the number of
 * values; the values run from 0 to X_COUNT - 1 in Drove's order.
 *
 * Every json_t * returned is a new reference owned by the caller; arguments
 * are borrowed.
 */
#ifndef DROVE_MODEL_H
#define DROVE_MODEL_H

#include "json.h"

/* Application instance states (drove.md §4.2). */
enum inst_state {
	INST_PENDING,
	INST_PROVISIONING,
	INST_PROVISIONING_FAILED,
	INST_STARTING,
	INST_START_FAILED,
	INST_UNREADY,
	INST_READINESS_CHECK_FAILED,
	INST_READY,
	INST_HEALTHY,
	INST_UNHEALTHY,
	INST_DEPROVISIONING,
	INST_STOPPING,
	INST_STOPPED,
	INST_LOST,
	INST_UNKNOWN,
	INST_STATE_COUNT
};

const char *inst_state_name(enum inst_state s);
int inst_state_parse(const char *name, enum inst_state *out);
int inst_state_valid(const char *name);		/* 1 a known name, else 0 */

/* Classes of instance states (drove.md §4.2). */
int inst_state_is_active(enum inst_state s);	/* ACTIVE_STATES */
int inst_state_is_running(enum inst_state s);	/* UNREADY, READY, HEALTHY */
int inst_state_is_terminal(enum inst_state s);	/* STOPPED, LOST */
/* Counts toward the expected count: PENDING..HEALTHY without failures. */
int inst_state_is_wanted(enum inst_state s);

/* Application states (drove.md §4.1; FAILED exists in Drove's enum but
 * nothing enters it). */
enum app_state {
	APP_INIT,
	APP_MONITORING,
	APP_RUNNING,
	APP_OUTAGE_DETECTED,
	APP_SCALING_REQUESTED,
	APP_STOP_INSTANCES_REQUESTED,
	APP_REPLACE_INSTANCES_REQUESTED,
	APP_DESTROY_REQUESTED,
	APP_DESTROYED,
	APP_FAILED,
	APP_STATE_COUNT
};

const char *app_state_name(enum app_state s);
int app_state_parse(const char *name, enum app_state *out);
/* ACTIVE_APP_STATES: RUNNING, OUTAGE_DETECTED, SCALING_REQUESTED,
 * STOP_INSTANCES_REQUESTED, REPLACE_INSTANCES_REQUESTED, DESTROY_REQUESTED */
int app_state_is_active(enum app_state s);
int app_state_is_terminal(enum app_state s);	/* DESTROYED, FAILED */

/*
 * Application operation types as Drove's internal enum names them
 * (ApplicationOperationType; the API's "SCALE" is SCALE_INSTANCES).
 * op_type_of_api() maps the API's "type" member.
 */
enum op_type {
	OP_CREATE,
	OP_START_INSTANCES,
	OP_SCALE_INSTANCES,
	OP_STOP_INSTANCES,
	OP_REPLACE_INSTANCES,
	OP_SUSPEND,
	OP_DESTROY,
	OP_RECOVER,
	OP_TYPE_COUNT
};

const char *op_type_name(enum op_type t);
int op_type_parse(const char *name, enum op_type *out);
int op_type_of_api(const char *api_type, enum op_type *out);
/* Drove's VALID_OPS_TABLE: may t be accepted in app state s? */
int op_allowed(enum app_state s, enum op_type t);
/* The types allowed in s, as Drove prints them: "[SCALE_INSTANCES]",
 * sorted by name, into out (n bytes); "" when none. */
void op_allowed_list(enum app_state s, char *out, size_t n);

/* ClusterOpSpec.failureStrategy. */
enum failure_strategy {
	FAIL_STOP,
	FAIL_ROLLBACK,
	FAILURE_STRATEGY_COUNT
};

const char *failure_strategy_name(enum failure_strategy f);
int failure_strategy_parse(const char *name, enum failure_strategy *out);

/* One step of an operation (ours): a pair of an instance to stop and one
 * to start, or either alone. */
enum step_state {
	STEP_WAITING,		/* not begun */
	STEP_STARTING,		/* the new instance is asked for */
	STEP_STOPPING,		/* the old instance is told to stop */
	STEP_DONE,
	STEP_FAILED,
	STEP_STATE_COUNT
};

const char *step_state_name(enum step_state s);
int step_state_parse(const char *name, enum step_state *out);

/* Executor states (drove.md §4.5); REMOVED only controller-side. */
enum executor_state {
	EXECUTOR_ACTIVE,
	EXECUTOR_BLACKLIST_REQUESTED,
	EXECUTOR_BLACKLISTED,
	EXECUTOR_UNREADY,
	EXECUTOR_REMOVED,
	EXECUTOR_STATE_COUNT
};

const char *executor_state_name(enum executor_state s);
int executor_state_parse(const char *name, enum executor_state *out);

/* Cluster state (ClusterStateData.state). */
enum cluster_state {
	CLUSTER_NORMAL,
	CLUSTER_MAINTENANCE,
	CLUSTER_STATE_COUNT
};

const char *cluster_state_name(enum cluster_state s);
int cluster_state_parse(const char *name, enum cluster_state *out);

/* An assignment's targetState (ours: what the executor must do). */
enum target_state {
	TARGET_RUNNING,
	TARGET_STOPPED,
	TARGET_STATE_COUNT
};

const char *target_state_name(enum target_state s);
int target_state_parse(const char *name, enum target_state *out);

/*
 * The kind of work a container does: Drove's drove.job.type label, and the
 * "jobType" of requests and assignments (absent reads as SERVICE).
 */
enum job_type {
	JOB_SERVICE,		/* an application instance */
	JOB_COMPUTATION,	/* a task */
	JOB_LOCAL_SERVICE,	/* a local-service instance */
	JOB_TYPE_COUNT
};

const char *job_type_name(enum job_type t);
int job_type_parse(const char *name, enum job_type *out);

/* Task instance states (drove.md §4.3). */
enum task_state {
	TASK_PENDING,
	TASK_PROVISIONING,
	TASK_PROVISIONING_FAILED,
	TASK_STARTING,
	TASK_RUNNING,
	TASK_RUN_COMPLETED,
	TASK_RUN_FAILED,
	TASK_DEPROVISIONING,
	TASK_STOPPED,
	TASK_LOST,
	TASK_UNKNOWN,
	TASK_STATE_COUNT
};

const char *task_state_name(enum task_state s);
int task_state_parse(const char *name, enum task_state *out);
/* ACTIVE_STATES: PENDING, PROVISIONING, STARTING, RUNNING, RUN_COMPLETED,
 * DEPROVISIONING. */
int task_state_is_active(enum task_state s);
int task_state_is_terminal(enum task_state s);	/* STOPPED, LOST */

/* TaskResult.status (TIMED_OUT exists in Drove's enum, nothing sets it). */
enum task_result {
	TASK_RESULT_SUCCESSFUL,
	TASK_RESULT_TIMED_OUT,
	TASK_RESULT_CANCELLED,
	TASK_RESULT_FAILED,
	TASK_RESULT_LOST,
	TASK_RESULT_COUNT
};

const char *task_result_name(enum task_result r);
int task_result_parse(const char *name, enum task_result *out);

/* LocalServiceInfo.activationState (drove.md §2.2). */
enum ls_activation {
	LS_ACTIVE,
	LS_CONFIG_TESTING,
	LS_INACTIVE,
	LS_ACTIVATION_COUNT
};

const char *ls_activation_name(enum ls_activation a);
int ls_activation_parse(const char *name, enum ls_activation *out);

/* Local-service states (drove.md §4.4, LocalServiceState). */
enum ls_state {
	LS_STATE_INIT,
	LS_STATE_ACTIVATION_REQUESTED,
	LS_STATE_CONFIG_TESTING_REQUESTED,
	LS_STATE_DEACTIVATION_REQUESTED,
	LS_STATE_EMERGENCY_DEACTIVATION_REQUESTED,
	LS_STATE_INACTIVE,
	LS_STATE_ACTIVE,
	LS_STATE_CONFIG_TESTING,
	LS_STATE_ADJUSTING_INSTANCES,
	LS_STATE_DEPLOYING_TEST_INSTANCE,
	LS_STATE_REPLACING_INSTANCES,
	LS_STATE_STOPPING_INSTANCES,
	LS_STATE_UPDATING_INSTANCES_COUNT,
	LS_STATE_DESTROY_REQUESTED,
	LS_STATE_DESTROYED,
	LS_STATE_COUNT
};

const char *ls_state_name(enum ls_state s);
int ls_state_parse(const char *name, enum ls_state *out);
/* RESOURCE_USING_STATES: ACTIVE, CONFIG_TESTING. */
int ls_state_is_resource_using(enum ls_state s);
/* The local-service state a service without an operation in progress is
 * in: ACTIVE, CONFIG_TESTING or INACTIVE as its activationState. */
enum ls_state ls_state_of_activation(enum ls_activation a);

/* Local-service operation types (drove.md §2.2, LocalServiceOperation's
 * "type"); ls_op_type_of_api() also takes DEACTIVATE's alias STOP. */
enum ls_op_type {
	LSOP_CREATE,
	LSOP_ACTIVATE,
	LSOP_DEACTIVATE,
	LSOP_RESTART,
	LSOP_ADJUST_INSTANCES,
	LSOP_DEPLOY_TEST_INSTANCE,
	LSOP_REPLACE_INSTANCES,
	LSOP_STOP_INSTANCES,
	LSOP_UPDATE_INSTANCE_COUNT,
	LSOP_DESTROY,
	LSOP_TYPE_COUNT
};

const char *ls_op_type_name(enum ls_op_type t);
int ls_op_type_parse(const char *name, enum ls_op_type *out);
int ls_op_type_of_api(const char *api_type, enum ls_op_type *out);
/* Drove's table of the operations each local-service state accepts
 * (LocalServiceCommandValidator): may t be accepted in state s? */
int ls_op_allowed(enum ls_state s, enum ls_op_type t);
/* The types allowed in s, sorted by name: "[ACTIVATE, DESTROY]", into
 * out (n bytes); "" when none. */
void ls_op_allowed_list(enum ls_state s, char *out, size_t n);

/* Node types: ExecutorNodeData.type and clusterAuth.secrets[].nodeType. */
enum node_type {
	NODE_CONTROLLER,
	NODE_EXECUTOR,
	NODE_TYPE_COUNT
};

const char *node_type_name(enum node_type t);
int node_type_parse(const char *name, enum node_type *out);

/*
 * The types of Drove's executor-to-controller messages (ControllerMessage,
 * drove.md §3.6), those that have a message class: Drove's enum also names
 * EXECUTOR_STATE_REPORT, which no message carries.
 */
enum ctl_msg_type {
	CTL_MSG_INSTANCE_STATE_REPORT,
	CTL_MSG_TASK_STATE_REPORT,
	CTL_MSG_LOCAL_SERVICE_INSTANCE_STATE_REPORT,
	CTL_MSG_EXECUTOR_SNAPSHOT,
	CTL_MSG_TYPE_COUNT
};

const char *ctl_msg_type_name(enum ctl_msg_type t);
int ctl_msg_type_parse(const char *name, enum ctl_msg_type *out);

/* "name-version" into out (n bytes); 0, or -1 (EINVAL/ENAMETOOLONG). */
int app_id_of(const json_t *spec, char *out, size_t n);

/* Per-instance requirement from a spec's resources list; 0 if absent. */
long long spec_cpus(const json_t *spec);
long long spec_memory_mb(const json_t *spec);

/*
 * How long an operation waits for one new instance of spec to be HEALTHY:
 * Drove's computeTimeout, max(op_timeout_ms, pull timeout + the worst case
 * of the readiness and health checks), a check's worst case being
 * initialDelay + attempts * (timeout + interval).
 */
long long spec_instance_timeout_ms(const json_t *spec, long long op_timeout_ms);

/* Allocations: {"type":"CPU","cores":{"<numa>":[ids]}} and
 * {"type":"MEMORY","memoryInMB":{"<numa>":mb}}. */
json_t *alloc_cpu_new(int numa, const int *cores, int ncores);
json_t *alloc_mem_new(int numa, long long mb);
/* What a list of such allocations (an instance's "resources") holds: the
 * cores of its CPU entries, the MB of its MEMORY entries; 0 if none. */
long long alloc_cores(const json_t *resources);
long long alloc_memory_mb(const json_t *resources);

#endif
