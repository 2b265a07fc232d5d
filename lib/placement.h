/*
 * placement: the scheduler's arithmetic, pure (no ZooKeeper, no I/O).
 *
 *   struct pl_view *v = pl_view_new();
 *   pl_view_add_node(v, znode_name, executor_node_data);   per executor
 *   pl_view_hold(v, executor_id, assignment);              per assignment
 *   struct pl_request rq = { app_id, cores, memory_mb, policy };
 *   struct pl_result r = PL_RESULT_ZERO;
 *   switch (pl_place(v, &rq, &r)) { 1: r.executor_id ...; 0: r.why }
 *   pl_result_free(&r);  pl_view_free(v);
 *
 * A view holds, per executor: id, hostname, executorState, tags, and per
 * NUMA node the FREE core ids (ascending) and free memory in MB, plus the
 * number of instances per appId.  pl_view_add_node() starts from the node's
 * state.layout (all cores/memory; falls back to state.cpus.freeCores and
 * state.memory.freeMemory without a layout); pl_view_hold() takes away the
 * allocations of an assignment (ApplicationInstanceSpec "resources") and
 * counts its appId.  Cores not free any more are ignored, memory floors at
 * zero, so holding never fails on inconsistent data.
 *
 * pl_place() places one instance on ONE NUMA node of one executor:
 *   - executorState must be ACTIVE;
 *   - the effective placement policy must pass (drove.md §1.2: a policy
 *     with no MATCH_TAG/RULE_BASED anywhere is ANDed with NO_TAG; NO_TAG =
 *     tags minus hostname is empty; ONE_PER_HOST / MAX_N_PER_HOST count
 *     the view's instances of the same appId; RULE_BASED never passes yet);
 *   - the node needs >= cores free cores and >= memory_mb free MB.
 * Among the fitting (executor, node) pairs it takes the best fit: the
 * fewest free cores left on the node, then the smallest executorId, then
 * the lowest node.  The cores are the lowest free ids of the node.  On
 * success the view is updated (cores and memory taken, appId counted) so
 * successive placements never double-book.
 *
 * Returns 1 placed (result filled), 0 nothing fits (result.why holds
 * "0 of N executors: a excluded by NO_TAG, b lack C free cores on one NUMA
 * node, c lack M MB of memory on one NUMA node, d not ACTIVE", zero counts
 * left out), -1 with errno: EINVAL a malformed policy or request (why
 * says what), ENOMEM.  pl_view_add_node(): 0, -1 EINVAL (no executorId
 * or layout) / EEXIST / ENOMEM.  pl_view_hold(): 0, -1 ENOENT (unknown
 * executor) / ENOMEM.
 */
#ifndef DROVE_PLACEMENT_H
#define DROVE_PLACEMENT_H

#include "json.h"

struct pl_numa {
	int node;
	int *free;		/* ascending free core ids */
	int nfree;
	long long mem_mb;	/* free memory */
};

struct pl_count {
	char *app_id;
	int n;
};

struct pl_executor {
	char *id, *hostname, *state;
	char **tags;
	int ntags;
	struct pl_numa *numa;	/* ascending node ids */
	int nnuma;
	struct pl_count *counts;
	int ncounts;
};

struct pl_view {
	struct pl_executor *ex;	/* ascending executorId */
	int nex;
};

struct pl_request {
	const char *app_id;
	int cores;
	long long memory_mb;
	const json_t *policy;	/* placementPolicy; NULL is ANY */
};

struct pl_result {
	char executor_id[128];
	char hostname[256];
	int numa;
	int *cores;		/* ncores ascending ids */
	int ncores;
	long long memory_mb;
	char why[512];
};
#define PL_RESULT_ZERO { "", "", -1, NULL, 0, 0, "" }

struct pl_view *pl_view_new(void);	/* NULL on ENOMEM */
void pl_view_free(struct pl_view *v);
int pl_view_add_node(struct pl_view *v, const char *executor_id,
    const json_t *node);
int pl_view_hold(struct pl_view *v, const char *executor_id,
    const json_t *assignment);
/* Borrowed; NULL if unknown.  Counts of app_id on it: pl_count(). */
struct pl_executor *pl_view_find(const struct pl_view *v, const char *id);
int pl_count(const struct pl_executor *e, const char *app_id);

int pl_place(struct pl_view *v, const struct pl_request *rq,
    struct pl_result *res);
void pl_result_free(struct pl_result *res);

/* The allocations of a placed result as Drove's resources list:
 * [{"type":"CPU","cores":{"<n>":[..]}},{"type":"MEMORY","memoryInMB":..}]. */
json_t *pl_result_resources(const struct pl_result *res);

#endif
