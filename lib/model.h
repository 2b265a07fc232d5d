/*
 * model: Drove's state names and the small JSON helpers that more than one
 * program needs for ApplicationInfo, InstanceInfo and allocations.
 * Shapes are Drove's (reference: drove.md §1, §3.4, §4); man/drove-znodes.5
 * documents them as stored in ZooKeeper.
 *
 * Every json_t * returned is a new reference owned by the caller; arguments
 * are borrowed.  Getters return borrowed pointers or defaults.
 */
#ifndef DROVE_MODEL_H
#define DROVE_MODEL_H

#include "json.h"

/* Instance state classes (drove.md §4.2). */
int inst_state_valid(const char *s);
int inst_state_active(const char *s);	/* ACTIVE_STATES */
int inst_state_running(const char *s);	/* UNREADY, READY, HEALTHY */
int inst_state_terminal(const char *s);	/* STOPPED, LOST */
/* Counts toward the expected count: PENDING..HEALTHY without failures. */
int inst_state_wanted(const char *s);

/* "name-version" into out (n bytes); 0, or -1 (EINVAL/ENAMETOOLONG). */
int app_id_of(const json_t *spec, char *out, size_t n);

/* Per-instance requirement from a spec's resources list; 0 if absent. */
long long spec_cpus(const json_t *spec);
long long spec_memory_mb(const json_t *spec);

/* ApplicationInfo {appId, spec, instances, created, updated}. */
json_t *app_info_new(const char *app_id, const json_t *spec,
    long long instances, long long created, long long updated);

/* Allocations: {"type":"CPU","cores":{"<numa>":[ids]}} and
 * {"type":"MEMORY","memoryInMB":{"<numa>":mb}}. */
json_t *alloc_cpu_new(int numa, const int *cores, int ncores);
json_t *alloc_mem_new(int numa, long long mb);

#endif
