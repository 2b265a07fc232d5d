/*
 * zkpath: every ZooKeeper path the programs use, built in one place.
 * man/drove-znodes.5 documents the layout and the JSON in each znode.
 *
 * ns is the namespace root without slashes ("drove" -> "/drove/...").
 * Each function writes a NUL-terminated absolute path into out (ZKP_MAX
 * bytes) and returns 0, or -1 with errno=ENAMETOOLONG / EINVAL when an id
 * is empty or contains '/'.
 *
 *   /<ns>/leaderselection/leader-<seq>     EPHEMERAL_SEQUENTIAL  election
 *   /<ns>/executor/<executorId>            EPHEMERAL   ExecutorNodeData
 *   /<ns>/applications/<appId>             ApplicationInfo (desired)
 *   /<ns>/instances/<appId>/<instanceId>   InstanceInfo (observed)
 *   /<ns>/requests/<instanceId>            placement request (desired)
 *   /<ns>/assignments/<executorId>/<instanceId>
 *                                          ApplicationInstanceSpec +
 *                                          targetState (desired)
 *   /<ns>/cluster/maintenance              ClusterStateData
 *   /<ns>/operations/<appId>               the app's operation in progress
 *   /<ns>/removedexecutors/<executorId>    an executor declared lost
 *   /<ns>/blacklist/<executorId>           a blacklisted executor
 *   /<ns>/events/b<start>/e<timeMs>-<seq>  PERSISTENT_SEQUENTIAL  DroveEvent
 *   /<ns>/tasks/<sourceAppName>/<taskId>   TaskInfo
 *   /<ns>/localservices/<serviceId>        LocalServiceInfo (desired)
 *   /<ns>/localserviceinstances/<serviceId>/<instanceId>
 *                                          LocalServiceInstanceInfo
 *   /<ns>/localserviceoperations/<serviceId>
 *                                          the service's operation in
 *                                          progress
 *   /<ns>/metrics/<program>                a leader-only program's
 *                                          counters (lib/metrics)
 */
#ifndef DROVE_ZKPATH_H
#define DROVE_ZKPATH_H

#include <stddef.h>

#define ZKP_MAX 512

int zkp_root(char *out, const char *ns);
int zkp_election_dir(char *out, const char *ns);
int zkp_election_prefix(char *out, const char *ns);	/* .../leader- */
int zkp_executors_dir(char *out, const char *ns);
int zkp_executor(char *out, const char *ns, const char *executor_id);
int zkp_apps_dir(char *out, const char *ns);
int zkp_app(char *out, const char *ns, const char *app_id);
int zkp_instances_dir(char *out, const char *ns);
int zkp_app_instances(char *out, const char *ns, const char *app_id);
int zkp_instance(char *out, const char *ns, const char *app_id,
    const char *instance_id);
int zkp_requests_dir(char *out, const char *ns);
int zkp_request(char *out, const char *ns, const char *instance_id);
int zkp_assignments_dir(char *out, const char *ns);
int zkp_operations_dir(char *out, const char *ns);
int zkp_removed_executors_dir(char *out, const char *ns);
int zkp_blacklist_dir(char *out, const char *ns);
int zkp_blacklist(char *out, const char *ns, const char *eid);
int zkp_removed_executor(char *out, const char *ns, const char *eid);
int zkp_operation(char *out, const char *ns, const char *app_id);
int zkp_events_dir(char *out, const char *ns);
int zkp_executor_assignments(char *out, const char *ns,
    const char *executor_id);
int zkp_assignment(char *out, const char *ns, const char *executor_id,
    const char *instance_id);
int zkp_maintenance(char *out, const char *ns);
int zkp_tasks_dir(char *out, const char *ns);
int zkp_app_tasks(char *out, const char *ns, const char *source_app);
int zkp_task(char *out, const char *ns, const char *source_app,
    const char *task_id);
int zkp_localservices_dir(char *out, const char *ns);
int zkp_localservice(char *out, const char *ns, const char *service_id);
int zkp_ls_instances_dir(char *out, const char *ns);
int zkp_service_instances(char *out, const char *ns,
    const char *service_id);
int zkp_ls_instance(char *out, const char *ns, const char *service_id,
    const char *instance_id);
int zkp_ls_operations_dir(char *out, const char *ns);
int zkp_ls_operation(char *out, const char *ns, const char *service_id);
int zkp_metrics_dir(char *out, const char *ns);
int zkp_metrics(char *out, const char *ns, const char *program);

/* A child of a directory built above ("<dir>/<name>"), for names read back
 * from zk_children(): same rules and errors as the others. */
int zkp_child(char *out, const char *dir, const char *name);

/* The last component of a path (borrowed pointer into path). */
const char *zkp_base(const char *path);

#endif
