/*
 * record: the one builder and the one reader of every JSON document stored
 * in ZooKeeper.  man/drove-znodes.5 documents where each lives; the shapes
 * are Drove's (drove.md §1, §3.4, §4, §7.2) plus our own fields.  No
 * program shapes or picks apart a record by hand.
 *
 * Each record has a struct of its typed fields:
 *   json_t *rec_X_new(const struct rec_X *f);
 *	builds the document: a new reference, NULL only on ENOMEM.  String
 *	fields that are NULL are written as ""; json_t * fields are borrowed
 *	(copied into the result) and NULL ones written as the empty value
 *	named in the struct.
 *   int rec_X_read(const json_t *j, struct rec_X *out);
 *	fills *out with pointers borrowed from j (valid while j lives) and
 *	returns 0, or returns -1 with errno=EINVAL, *out untouched, when j is
 *	not an object or lacks a required member (marked "required").  Absent
 *	optional strings read as "", absent numbers as 0.
 * rec_X_read() of rec_X_new()'s output gives back the same fields.
 *
 * Room is left for the records of later work (operations, tasks, local
 * services, events): each gets its struct and its pair here.
 */
#ifndef DROVE_RECORD_H
#define DROVE_RECORD_H

#include "json.h"
#include "model.h"
#include "zkpath.h"

/*
 * ApplicationInfo, /<ns>/applications/<appId>:
 *   {"appId","spec","instances","created","updated"}
 * spec is the ApplicationSpec as accepted by the API; instances the
 * expected count.  Required: appId, spec (object), instances (integer).
 */
struct rec_app {
	const char *app_id;
	const json_t *spec;		/* NULL: {} */
	long long instances;
	long long created, updated;	/* epoch ms */
};

json_t *rec_app_new(const struct rec_app *f);
int rec_app_read(const json_t *j, struct rec_app *out);

/*
 * Placement request, /<ns>/requests/<instanceId>:
 *   {"appId","instanceId","created"[,"error"]}
 * error: why nothing fits, set by the scheduler; absent while none.
 * Required: appId.
 */
struct rec_request {
	const char *app_id;
	const char *instance_id;
	long long created;
	const char *error;		/* NULL: none (member left out) */
};

json_t *rec_request_new(const struct rec_request *f);
int rec_request_read(const json_t *j, struct rec_request *out);
/* A copy of request j with "error" set to error (removed when NULL);
 * members it does not know are kept.  NULL on ENOMEM or if j is not an
 * object (EINVAL). */
json_t *rec_request_with_error(const json_t *j, const char *error);

/*
 * Assignment, /<ns>/assignments/<executorId>/<instanceId>: Drove's
 * ApplicationInstanceSpec (appId, appName, instanceId, executable,
 * resources, ports, volumes, configs, healthcheck, readiness, loggingSpec,
 * env, args, devices, preShutdown, userSpec, instanceAuthToken) plus
 * targetState, executorId and created.  Required: appId, instanceId.  An
 * absent targetState reads as RUNNING, any other name than RUNNING as
 * STOPPED.  instanceAuthToken is the instance's token (lib/itoken),
 * minted by drove-sched for app and local-service instances, absent when
 * none (tasks, older records).
 * A task's assignment is Drove's TaskInstanceSpec (taskId, sourceAppName,
 * instanceId, executable, resources, volumes, configs, loggingSpec, env,
 * args, devices, userSpec) and a local-service instance's Drove's
 * LocalServiceInstanceSpec (the application form with serviceId,
 * serviceName and hostLevelInstance instead of appId and appName), each
 * with "jobType" (COMPUTATION, LOCAL_SERVICE) and the same three members
 * of ours; rec_assignment_read() requires sourceAppName and taskId, or
 * serviceId, instead of appId for them.
 * The spec members (executable, healthcheck, ...) are read from the
 * assignment itself with json_object_get(): it IS the instance spec.
 */
struct rec_assignment {
	enum job_type job;		/* "jobType"; absent: SERVICE */
	const char *app_id;		/* appId, or sourceAppName (a task),
					   or serviceId (a local service) */
	const char *app_name;		/* appName, sourceAppName or
					   serviceName */
	const char *task_id;		/* a task's taskId, else "" */
	const char *instance_id;
	const char *executor_id;
	enum target_state target;
	const json_t *resources;	/* CPU and MEMORY allocations; NULL: [] */
	long long created;
	const char *auth_token;		/* instanceAuthToken; NULL: none
					   (member left out; a task's
					   builder ignores it) */
};

/*
 * Build the assignment of instance f->instance_id of the app whose
 * ApplicationSpec is spec: app_name is spec's name unless f gives one;
 * every spec member is mapped to its ApplicationInstanceSpec name
 * (exposedPorts -> ports, logging -> loggingSpec) with Drove's defaults
 * for absent ones.  With f->job JOB_LOCAL_SERVICE, spec is a
 * LocalServiceSpec and the result its LocalServiceInstanceSpec: serviceId
 * and serviceName (f->app_id, f->app_name or the spec's name), jobType
 * LOCAL_SERVICE and hostLevelInstance (the spec's placementPolicy
 * hostLevel).  Tasks have their own builder.
 */
json_t *rec_assignment_new(const struct rec_assignment *f,
    const json_t *spec);
int rec_assignment_read(const json_t *j, struct rec_assignment *out);
/* The path of the record that reports the state of what assignment a
 * runs: its InstanceInfo, TaskInfo or LocalServiceInstanceInfo, into out
 * (ZKP_MAX bytes); 0 or -1 as zkpath's functions. */
int rec_assignment_info_path(char *out, const char *ns,
    const struct rec_assignment *a);
/* A copy of assignment j with targetState STOPPED; NULL on ENOMEM, or
 * EINVAL if j is not an object. */
json_t *rec_assignment_stopped(const json_t *j);

/*
 * InstanceInfo, /<ns>/instances/<appId>/<instanceId>:
 *   {"appId","appName","instanceId","executorId",
 *    "localInfo":{"hostname","ports"},"resources","state","metadata",
 *    "errorMessage","created","updated"}
 * ports: name -> {"containerPort","hostPort","portType"}.  Written PENDING
 * by the scheduler, then by the executor that runs it.
 * Required: appId, instanceId.  A missing or unknown state reads as
 * INST_UNKNOWN.
 * A local-service instance's LocalServiceInstanceInfo
 * (/<ns>/localserviceinstances/<serviceId>/<instanceId>) is the same
 * record with serviceId and serviceName for appId and appName: job
 * JOB_LOCAL_SERVICE builds it, and the reader takes a record without appId
 * but with serviceId as one (job set accordingly).
 */
struct rec_instance {
	enum job_type job;		/* SERVICE, or LOCAL_SERVICE: the
					   member names below differ */
	const char *app_id;		/* appId or serviceId */
	const char *app_name;		/* appName or serviceName */
	const char *instance_id;
	const char *executor_id;
	const char *hostname;		/* localInfo.hostname */
	const json_t *ports;		/* localInfo.ports; NULL: {} */
	const json_t *resources;	/* NULL: [] */
	enum inst_state state;
	const json_t *metadata;		/* NULL: {} */
	const char *error;		/* errorMessage */
	long long created, updated;
};

json_t *rec_instance_new(const struct rec_instance *f);
int rec_instance_read(const json_t *j, struct rec_instance *out);
/* A copy of InstanceInfo j in state s with errorMessage error (kept when
 * NULL) and updated; NULL on ENOMEM or EINVAL (j not an InstanceInfo). */
json_t *rec_instance_with_state(const json_t *j, enum inst_state s,
    const char *error, long long updated);

/*
 * ExecutorNodeData, /<ns>/executor/<executorId> (EPHEMERAL), the parts
 * that change rarely:
 *   {"type":"EXECUTOR","hostname","port","transportType":"HTTP","updated",
 *    "state":{"executorId","layout"},"tags","metadata","executorState"}
 * layout: {"cores":{"<numa>":[ids]},"memory":{"<numa>":mb}}, every usable
 * core and MB.  tags always holds the hostname, first; the builder adds it
 * and drops non-strings and duplicates of it.  What changes with every
 * instance (Drove's instances, state.cpus, state.memory) is not stored:
 * it follows from the assignments and InstanceInfos.
 * Required: hostname, state.executorId, executorState (a known name).
 */
struct rec_executor {
	const char *executor_id;
	const char *hostname;
	int port;
	long long updated;		/* last change of this record */
	const json_t *layout;		/* NULL: {"cores":{},"memory":{}} */
	const json_t *tags;		/* array of strings; NULL: [] */
	const json_t *metadata;		/* NULL: {} */
	enum executor_state state;
};

json_t *rec_executor_new(const struct rec_executor *f);
int rec_executor_read(const json_t *j, struct rec_executor *out);

/*
 * ClusterStateData, /<ns>/cluster/maintenance: {"state","updated"}.
 * Required: state (a known name).
 */
struct rec_cluster {
	enum cluster_state state;
	long long updated;
};

json_t *rec_cluster_new(const struct rec_cluster *f);
int rec_cluster_read(const json_t *j, struct rec_cluster *out);

/*
 * Drove's maintenance window (CommonUtils.isInMaintenanceWindow, drove.md
 * §7.6): while the state is MAINTENANCE, and for CLUSTER_WINDOW_MS after
 * any set or unset.  In it the write and validate APIs refuse and nothing
 * is respawned, moved or reaped.
 * cluster_window_end(): the epoch ms at which the window of
 * ClusterStateData csd ends: LLONG_MAX while MAINTENANCE, updated +
 * CLUSTER_WINDOW_MS after it (past or not), 0 when csd is NULL or
 * unreadable (no window: the cluster was never set).
 * cluster_in_window(): 1 if epoch ms now_ms is in that window, else 0.
 */
#define CLUSTER_WINDOW_MS (2 * 20000LL)	/* Drove's 2 x 20 s */

long long cluster_window_end(const json_t *csd);
int cluster_in_window(const json_t *csd, long long now_ms);

/*
 * Operation in progress, /<ns>/operations/<appId> (ours: Drove keeps it in
 * the leader's memory).  Written by drove-httpd when the operation is
 * accepted, carried out and updated by drove-monitor, deleted when it
 * ends:
 *   {"appId","type","requested","state","opSpec":{"timeout","parallelism",
 *    "failureStrategy"},"requiredInstances","previousInstances",
 *    "skipRespawn","stopFirst","cancelled","steps","started"[,"failure"],
 *    "created","updated"}
 * type is what is carried out (SCALE_INSTANCES for START_INSTANCES and
 * SUSPEND, which requested keeps); state the application state it holds
 * the app in; opSpec.timeout in milliseconds.  requiredInstances is the
 * count the app must end with, previousInstances its count before (what a
 * ROLLBACK restores).  steps: [{"old","new","state","since"}], one per
 * instance pair of STOP_INSTANCES and REPLACE_INSTANCES (old or new
 * absent when the step has none; state a step_state name; since the epoch
 * ms its state began).  started: instanceIds a scale asked for.
 * failure: why a step failed; the operation is winding down.
 * Required: appId, type, state (known names).
 */
struct rec_operation {
	const char *app_id;
	enum op_type type;
	enum op_type requested;
	enum app_state state;
	long long timeout_ms;
	int parallelism;
	enum failure_strategy strategy;
	long long required, previous;
	int skip_respawn, stop_first, cancelled;
	const json_t *steps;		/* NULL: [] */
	const json_t *started;		/* NULL: [] */
	const char *failure;		/* NULL: none (member left out) */
	long long created, updated;
};

json_t *rec_operation_new(const struct rec_operation *f);
int rec_operation_read(const json_t *j, struct rec_operation *out);

/* The application state of ApplicationInfo info given its operation in
 * progress op (NULL: none): the operation's state, else RUNNING when
 * instances are expected and MONITORING when none are. */
enum app_state rec_app_state(const json_t *info, const json_t *op);

/* One element of an operation's steps. */
struct rec_step {
	const char *old_id;		/* NULL: none */
	const char *new_id;		/* NULL: none */
	enum step_state state;
	long long since;
};

json_t *rec_step_new(const struct rec_step *f);
int rec_step_read(const json_t *j, struct rec_step *out);

/*
 * DroveEvent, /<ns>/events/e<time>-<seq> (PERSISTENT_SEQUENTIAL):
 *   {"type","id","time","metadata"}
 * id is a random UUID, time epoch ms, metadata the event's tags (drove.md
 * §7.7); members with no value are left out.  Required: type, time.
 */
struct rec_event {
	const char *type;
	const char *id;
	long long time;
	const json_t *metadata;		/* NULL: {} */
};

json_t *rec_event_new(const struct rec_event *f);
int rec_event_read(const json_t *j, struct rec_event *out);
/* APP_STATE_CHANGE of app app_id (spec its ApplicationSpec) entering s
 * with instances expected, at time now; a fresh id.  NULL on ENOMEM. */
json_t *rec_event_app_state(const char *app_id, const json_t *spec,
    long long instances, enum app_state s, long long now);
/* INSTANCE_STATE_CHANGE for InstanceInfo ii (its state is the current
 * one), LOCAL_SERVICE_INSTANCE_STATE_CHANGE (SERVICE_ID, SERVICE_NAME for
 * APP_ID, APP_NAME) for a LocalServiceInstanceInfo; NULL on ENOMEM or
 * EINVAL (ii not an InstanceInfo). */
json_t *rec_event_instance_state(const json_t *ii, long long now);

/*
 * A removed executor, /<ns>/removedexecutors/<executorId> (ours: Drove
 * keeps them two days in the leader's memory): written by drove-monitor
 * when an executor's ZooKeeper session has been gone for the grace
 * period, deleted when it comes back or two days later:
 *   {"executorId","hostname","port","removed","instances"[,"node"]}
 * instances: the ids of the app instances it had (marked LOST); node: its
 * last ExecutorNodeData when known.  Required: executorId.
 */
struct rec_removed {
	const char *executor_id;
	const char *hostname;
	int port;
	long long removed;		/* epoch ms */
	const json_t *instances;	/* array of ids; NULL: [] */
	const json_t *node;		/* NULL: left out */
};

json_t *rec_removed_new(const struct rec_removed *f);
int rec_removed_read(const json_t *j, struct rec_removed *out);
/* EXECUTOR_ADDED (EXECUTOR_ID, HOSTNAME, PORT) and EXECUTOR_REMOVED
 * (EXECUTOR_ID) at time now; NULL on ENOMEM. */
json_t *rec_event_executor(const char *type, const char *executor_id,
    const char *hostname, int port, long long now);

/*
 * A blacklisted executor, /<ns>/blacklist/<executorId> (ours: Drove keeps
 * it in the executor's memory and forgets it when the executor
 * restarts): {"executorId","state","updated"}, state BLACKLIST_REQUESTED
 * while its instances are moved away, then BLACKLISTED.  Written by
 * drove-httpd (blacklist, unblacklist deletes it) and drove-monitor (the
 * move done).  Required: executorId, state (a known name).
 */
struct rec_blacklist {
	const char *executor_id;
	enum executor_state state;
	long long updated;
};

json_t *rec_blacklist_new(const struct rec_blacklist *f);
int rec_blacklist_read(const json_t *j, struct rec_blacklist *out);
/* ExecutorNodeData node as placement and the API must see it: its
 * executorState replaced by the blacklist record's (bl NULL: node
 * itself).  A new reference; NULL on ENOMEM. */
json_t *rec_executor_effective(const json_t *node, const json_t *bl);

/*
 * Election znode data, /<ns>/leaderselection/leader-<seq>:
 * {"hostname","port"}, the controller's API address.  Required: hostname;
 * port may also be a string of digits (older writers).
 */
struct rec_leader {
	const char *hostname;
	int port;
};

json_t *rec_leader_new(const struct rec_leader *f);
int rec_leader_read(const json_t *j, struct rec_leader *out);

/*
 * Local services (lib/record_ls.c).
 *
 * LocalServiceInfo, /<ns>/localservices/<serviceId>:
 *   {"serviceId","spec","instancesPerHost","activationState","created",
 *    "updated"[,"lastOperation"]}
 * serviceId is the spec's name-version; activationState ACTIVE,
 * CONFIG_TESTING or INACTIVE.  Written by drove-httpd (CREATE and the
 * operations that change it), deleted by drove-monitor (DESTROY).
 * lastOperation (ours) is how the last operation ended, written by
 * drove-monitor when it deletes the operation record (updated is left
 * alone): {"type","result"[,"failure"],"ended"}, result COMPLETED,
 * FAILED or CANCELLED, failure why a step failed.
 * Required: serviceId, spec (object), instancesPerHost (integer),
 * activationState (a known name).
 */
struct rec_ls {
	const char *service_id;
	const json_t *spec;		/* NULL: {} */
	long long per_host;		/* instancesPerHost */
	enum ls_activation activation;
	long long created, updated;
	const json_t *last_op;		/* lastOperation; NULL: left out */
};

json_t *rec_ls_new(const struct rec_ls *f);
int rec_ls_read(const json_t *j, struct rec_ls *out);
/* The lastOperation object of an operation of type t that ended at epoch
 * ms ended with result ("COMPLETED", "FAILED", "CANCELLED"), failure its
 * reason (NULL: left out).  NULL on ENOMEM. */
json_t *rec_ls_last_op_new(enum ls_op_type t, const char *result,
    const char *failure, long long ended);

/*
 * A local service's operation in progress (ours: Drove keeps it in the
 * leader's memory), /<ns>/localserviceoperations/<serviceId>:
 *   {"serviceId","type","state","stopFirst","instanceIds",
 *    "opSpec":{"timeout","parallelism","failureStrategy"},"cancelled",
 *    "steps"[,"failure"],"created","updated"}
 * Written by drove-httpd for ADJUST_INSTANCES, RESTART,
 * REPLACE_INSTANCES, STOP_INSTANCES and DESTROY, carried out by
 * drove-monitor, deleted when done.  type is the operation (an ls_op_type
 * name), state the service state shown while it runs (ADJUSTING_INSTANCES,
 * REPLACING_INSTANCES, STOPPING_INSTANCES, DESTROY_REQUESTED);
 * instanceIds the instances to replace or stop (RESTART: every instance
 * the service had); opSpec.timeout in milliseconds.  steps: as an app
 * operation's (struct rec_step), one per instanceId of RESTART,
 * REPLACE_INSTANCES and STOP_INSTANCES, the new instance on the old one's
 * executor; at most opSpec.parallelism in flight.  cancelled: set by a
 * cancel, nothing more is begun.  failure: why a step failed.
 * Required: serviceId, type, state (known names).
 */
struct rec_ls_op {
	const char *service_id;
	enum ls_op_type type;
	enum ls_state state;
	int stop_first, cancelled;
	const json_t *instance_ids;	/* NULL: [] */
	long long timeout_ms;
	int parallelism;
	enum failure_strategy strategy;
	long long created, updated;
	const json_t *steps;		/* NULL: [] */
	const char *failure;		/* NULL: none (member left out) */
};

json_t *rec_ls_op_new(const struct rec_ls_op *f);
int rec_ls_op_read(const json_t *j, struct rec_ls_op *out);
/* 1 if instance iid is one of op's instanceIds, else 0. */
int rec_ls_op_has(const struct rec_ls_op *op, const char *iid);

/* The state of the service whose LocalServiceInfo is info with its
 * operation in progress op (NULL: none): the operation's state, else the
 * one of its activationState; LS_STATE_DESTROYED when info is NULL or
 * unreadable. */
enum ls_state rec_ls_state(const json_t *info, const json_t *op);

/*
 * Placement request of a local-service instance, /<ns>/requests/<iid>:
 *   {"jobType":"LOCAL_SERVICE","serviceId","instanceId","executorId",
 *    "created"[,"error"]}
 * pinned to executor executorId.  Required: jobType LOCAL_SERVICE,
 * serviceId, executorId (rec_request_read() refuses it: no appId).
 * rec_request_with_error() sets its error.
 */
struct rec_ls_request {
	const char *service_id;
	const char *instance_id;
	const char *executor_id;
	long long created;
	const char *error;		/* NULL: none (member left out) */
};

json_t *rec_ls_request_new(const struct rec_ls_request *f);
int rec_ls_request_read(const json_t *j, struct rec_ls_request *out);

/* LOCAL_SERVICE_STATE_CHANGE of service service_id (spec its
 * LocalServiceSpec) in state s with per_host instances per host, at time
 * now (LOCAL_SERVICE_ID, LOCAL_SERVICE_NAME, LOCAL_SERVICE_VERSION,
 * EXECUTABLE, CPU_COUNT, MEMORY, PLACEMENT_POLICY, PORTS,
 * CURRENT_INSTANCES_PER_HOST, CURRENT_STATE); NULL on ENOMEM. */
json_t *rec_event_ls_state(const char *service_id, const json_t *spec,
    long long per_host, enum ls_state s, long long now);

/*
 * Tasks (drove.md §2.1, §4.3): lib/record_task.c.
 *
 * TaskInfo, /<ns>/tasks/<sourceAppName>/<taskId>:
 *   {"sourceAppName","taskId","instanceId","executorId","hostname",
 *    "executable","resources","volumes","loggingSpec","env","state",
 *    "metadata"[,"taskResult":{"status","exitCode"}],"errorMessage",
 *    "created","updated"}
 * Written PENDING by drove-httpd (no executor yet; resources are the
 * TaskSpec's requirements), given its executor, hostname and allocated
 * resources by drove-sched, then written by drove-execd on every state
 * (LOST by drove-monitor when the executor is lost).  taskResult is
 * absent until there is one.  Required: sourceAppName, taskId.  A
 * missing or unknown state reads as TASK_UNKNOWN; a taskResult whose
 * status is unknown reads as none.
 */
struct rec_task_result {
	enum task_result status;
	long long exit_code;
};

struct rec_task {
	const char *source_app;
	const char *task_id;
	const char *instance_id;
	const char *executor_id;
	const char *hostname;
	const json_t *executable;	/* NULL: {} */
	const json_t *resources;	/* NULL: [] */
	const json_t *volumes;		/* NULL: [] */
	const json_t *logging;		/* loggingSpec; NULL: {} */
	const json_t *env;		/* NULL: {} */
	enum task_state state;
	const json_t *metadata;		/* NULL: {} */
	int has_result;			/* result is set */
	struct rec_task_result result;
	const char *error;		/* errorMessage */
	long long created, updated;
};

json_t *rec_task_new(const struct rec_task *f);
int rec_task_read(const json_t *j, struct rec_task *out);
/* A copy of TaskInfo j in state s, errorMessage error (kept when NULL),
 * taskResult res (kept when NULL) and updated; NULL on ENOMEM or EINVAL
 * (j not a TaskInfo, s unknown). */
json_t *rec_task_with_state(const json_t *j, enum task_state s,
    const char *error, const struct rec_task_result *res, long long updated);
/* The PENDING TaskInfo of TaskSpec spec (validated) with instance id iid
 * at time now; NULL on ENOMEM. */
json_t *rec_task_pending(const json_t *spec, const char *iid, long long now);
/* Drove's API id of a task: "<sourceAppName>-<taskId>" into out. */
int rec_task_api_id(char *out, size_t len, const char *source_app,
    const char *task_id);

/*
 * A task's placement request, /<ns>/requests/<instanceId>:
 *   {"jobType":"COMPUTATION","sourceAppName","taskId","instanceId",
 *    "spec","created"[,"error"]}
 * spec is the TaskSpec; error as for apps (rec_request_with_error()
 * sets it).  Required: jobType COMPUTATION, sourceAppName, taskId, spec
 * (object).
 */
struct rec_task_request {
	const char *source_app;
	const char *task_id;
	const char *instance_id;
	const json_t *spec;		/* NULL: {} */
	long long created;
	const char *error;		/* NULL: none (member left out) */
};

json_t *rec_task_request_new(const struct rec_task_request *f);
int rec_task_request_read(const json_t *j, struct rec_task_request *out);

/*
 * The assignment of a task (see Assignment above): Drove's
 * TaskInstanceSpec from TaskSpec spec (logging -> loggingSpec, Drove's
 * defaults for absent members) with "jobType":"COMPUTATION", f's
 * targetState, executorId, created and resources (allocations).  f->app_id
 * is the sourceAppName, f->task_id the taskId; f->job is ignored.
 */
json_t *rec_task_assignment_new(const struct rec_assignment *f,
    const json_t *spec);

/* TASK_STATE_CHANGE of TaskInfo ti (its state is the current one) at time
 * now; NULL on ENOMEM or EINVAL (ti not a TaskInfo). */
json_t *rec_event_task_state(const json_t *ti, long long now);

#endif
