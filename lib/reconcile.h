/*
 * reconcile: what an executor does on restart with the containers it
 * finds on the engine, given its assignments and the stored InstanceInfos
 * (drove.md §6.8, §6.9).  A pure function: no I/O.
 *
 *   json_t *d = reconcile_decide(containers, assignments, infos, execid);
 *
 * containers: the engine's GET /containers/json?all=1 array (each with
 *   "Id", "State", "Labels"); only those labelled drove.instance.id
 *   and drove.executor.id = executor_id are considered: several
 *   executors may share one engine, and an executor never touches a
 *   container that is not labelled as its own.
 * assignments: object instanceId -> assignment (ApplicationInstanceSpec
 *   plus "targetState"), read with rec_assignment_read() (record.h).
 * infos: object instanceId -> InstanceInfo or LocalServiceInstanceInfo
 *   (may lack entries; one that rec_instance_read() refuses counts as
 *   absent).
 * Returns a new array of decisions, one object each:
 *   {"action":"adopt"|"kill"|"lost","instanceId","appId","containerId",
 *    "reason"}
 *   adopt: a running container whose instance is assigned with
 *          targetState RUNNING and not terminal; or the container,
 *          running or exited, of a task (assignment jobType
 *          COMPUTATION) whose TaskInfo is not STOPPED or LOST: the
 *          executor reports how it ends (an exit while it was down, a
 *          kill for targetState STOPPED);
 *   kill:  any other labelled container (not assigned, targetState
 *          STOPPED, exited, or instance terminal): kill and remove it;
 *   lost:  an assigned instance whose InstanceInfo state is active and
 *          past PENDING but which has no running container: to be
 *          written as LOST.
 * containerId is "" for lost.  NULL only on ENOMEM.
 *
 * The I/O around it, shared by drove-execd and drove-reconcile:
 * reconcile_identity() computes the executor's hostname (cfg_hostname())
 * and executorId (ids_uuid3 of "<hostname>:<port>", port
 * cfg_port(cfg, NODE_EXECUTOR)).
 * reconcile_gather() reads the assignments (watching the directory and
 * each child when watch is set), the records that report their state
 * (rec_assignment_info_path(): InstanceInfo, LocalServiceInstanceInfo,
 * a task's TaskInfo, which reconcile_decide() never marks lost) and the
 * containers
 * labelled drove.executor.id=executor_id (all=1); new references in
 * *out_*.
 * reconcile_apply() carries out one kill (kill + force-remove) or lost
 * (info, the stored InstanceInfo or LocalServiceInstanceInfo, rewritten
 * at its own path with rec_instance_with_state(): LOST, errorMessage
 * RECONCILE_LOST_MSG, updated now, with its rec_event_instance_state()
 * event in the same transaction: lib/event)
 * decision; adopt is a no-op.  They return 0, or -1 with errno and err_text() (err.h)
 * saying what failed, with ZooKeeper's or the engine's words.
 */
#ifndef DROVE_RECONCILE_H
#define DROVE_RECONCILE_H

#include <stddef.h>

#include "engine.h"
#include "json.h"
#include "zk.h"

#define RECONCILE_LOST_MSG "Container not found on executor restart"

json_t *reconcile_decide(const json_t *containers, const json_t *assignments,
    const json_t *infos, const char *executor_id);

int reconcile_identity(const json_t *cfg, char *host, size_t hostlen,
    char *executor_id);
int reconcile_gather(struct zk *z, struct engine *e, const char *executor_id,
    int watch, json_t **out_containers, json_t **out_assignments,
    json_t **out_infos);
int reconcile_apply(struct zk *z, struct engine *e, const json_t *decision,
    const json_t *info);

#endif
