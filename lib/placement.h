/*
 * placement: the scheduler's arithmetic, pure (no ZooKeeper, no I/O).
 *
 *   struct pl_view *v = pl_view_new();
 *   pl_view_add_node(v, znode_name, executor_node_data);   per executor
 *   pl_view_hold(v, executor_id, assignment);              per assignment
 *   pl_view_set_strategy(v, PL_BEST_FIT, 0);               optional
 *   struct pl_request rq = { app_id, cores, memory_mb, policy };
 *   struct pl_result r = PL_RESULT_ZERO;
 *   switch (pl_place_env(v, &rq, spec_env, &r)) { 1: r.executor_id ...;
 *       0: r.why; -1: errno EINVAL (r.why) / ENOMEM }
 *   pl_result_free(&r);  pl_view_free(v);
 *
 * A view holds, per executor: id, hostname, executorState, tags, metadata
 * and per NUMA node the FREE core ids (ascending), the node's total core
 * count and free memory in MB, plus the number of instances per appId.
 * pl_view_add_node() starts from the node's state.layout (all cores and
 * memory; falls back to state.cpus.freeCores and state.memory.freeMemory
 * without a layout); the layout is the truth: drove-execd has already
 * applied NUMA merging and over-provisioning to it.  pl_view_hold() takes
 * away the allocations of an assignment (ApplicationInstanceSpec
 * "resources") and counts its appId.  Cores not free any more are ignored,
 * memory floors at zero, so holding never fails on inconsistent data.
 * Executors may be added in any order; v->ex is sorted by executorId at
 * the first pl_place()/pl_capacity() (pointers from pl_view_find() are
 * valid until then and after, not across it).
 *
 * pl_place() places one instance on ONE NUMA node of one executor:
 *   - executorState must be ACTIVE;
 *   - the effective placement policy must pass (drove.md §1.2: a policy
 *     with no MATCH_TAG/RULE_BASED anywhere is ANDed with NO_TAG; NO_TAG =
 *     tags minus hostname is empty; ONE_PER_HOST / MAX_N_PER_HOST count
 *     the view's instances of the same appId; RULE_BASED evaluates the
 *     rule (lib/rule.h) on {"executorNodeId", "allocatedExecutorNodeMetadata",
 *     "allExecutorMetadata": {}, "applicationEnvironment": env, "hostname",
 *     "tags"}; each distinct rule is compiled once per view and its result
 *     cached per executor);
 *   - the node needs >= cores free cores and >= memory_mb free MB.
 * Among the fitting (executor, node) pairs the view's strategy chooses:
 *   PL_BEST_FIT (default) executors with a tag (besides the hostname)
 *     that the policy does not name in a MATCH_TAG (any tag when the
 *     policy has a RULE_BASED) come last, so tagged capacity stays for
 *     the policies asking for it; then the node left with the fewest free
 *     cores, then the least free memory, then the smallest executorId,
 *     then the lowest node;
 *   PL_SPREAD the same executors last, then the node with the most free
 *     cores, then the most free memory, then the largest executorId, then
 *     the highest node;
 *   PL_FIRST_FIT Drove's scheduler: executors in an order shuffled by a
 *     PRNG seeded with seed, the first that fits, its first fitting node.
 * All are deterministic for a given view, request sequence and seed.  The
 * cores are the lowest free ids of the node.  On success the view is
 * updated (cores and memory taken, appId counted) so successive
 * placements never double-book.
 *
 * Returns 1 placed (result filled), 0 nothing fits (result.why holds
 * "0 of N executors: a excluded by NO_TAG, b lack C free cores on one NUMA
 * node, c lack M MB of memory on one NUMA node, d not ACTIVE", zero counts
 * left out, exclusions in order of the first executor showing them; an
 * executor the policy's tags or rules exclude is labelled with per-host
 * limits taken as passing; computed by a scan on failure only), -1
 * with errno: EINVAL a malformed policy, a rule that does not compile or
 * a bad request (why says what), ENOMEM.  pl_view_add_node(): 0, -1 EINVAL
 * (no executorId or layout) / EEXIST / ENOMEM.  pl_view_hold(): 0, -1
 * ENOENT (unknown executor) / ENOMEM.
 *
 * pl_capacity() is the API's capacity check (Drove's checkResources) for
 * n instances of rq: 1 enough, 0 not enough (why: "No executors on
 * cluster"; "Instance needs C cores but the largest NUMA node of any
 * executor has K"; "Required X cores / Y MB for N instances but eligible
 * executors have only A free cores / B MB"), -1 EINVAL/ENOMEM as
 * pl_place().  Eligible: ACTIVE and not excluded by the static part of
 * the effective policy (tags, rules; per-host limits are ignored).
 */
#ifndef DROVE_PLACEMENT_H
#define DROVE_PLACEMENT_H

#include <stddef.h>
#include "json.h"

struct pl_numa {
	int node;
	int *free;		/* ascending free core ids */
	int nfree;
	long long mem_mb;	/* free memory */
	int total;		/* cores in the layout */
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
	json_t *metadata;	/* owned; an object, maybe empty */
};

struct pl_index;

struct pl_view {
	struct pl_executor *ex;	/* ascending executorId once placing */
	int nex;
	struct pl_index *ix;	/* private */
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

enum { PL_BEST_FIT, PL_SPREAD, PL_FIRST_FIT };

struct pl_view *pl_view_new(void);	/* NULL on ENOMEM */
void pl_view_free(struct pl_view *v);
int pl_view_add_node(struct pl_view *v, const char *executor_id,
    const json_t *node);
int pl_view_hold(struct pl_view *v, const char *executor_id,
    const json_t *assignment);
/* 0, -1 EINVAL (unknown strategy).  Default PL_BEST_FIT, seed 0. */
int pl_view_set_strategy(struct pl_view *v, int strategy,
    unsigned long long seed);
/* "best", "spread", "firstfit" (also "first-fit") -> PL_*; -1 unknown. */
int pl_strategy_parse(const char *name);
/* Borrowed; NULL if unknown.  Counts of app_id on it: pl_count(). */
struct pl_executor *pl_view_find(const struct pl_view *v, const char *id);
int pl_count(const struct pl_executor *e, const char *app_id);

/* env: the spec's env object for RULE_BASED (NULL is {}). */
int pl_place_env(struct pl_view *v, const struct pl_request *rq,
    const json_t *env, struct pl_result *res);
int pl_place(struct pl_view *v, const struct pl_request *rq,
    struct pl_result *res);
void pl_result_free(struct pl_result *res);

int pl_capacity_env(struct pl_view *v, const struct pl_request *rq,
    const json_t *env, long long n, char *why, size_t whylen);
int pl_capacity(struct pl_view *v, const struct pl_request *rq,
    long long n, char *why, size_t whylen);

/* The allocations of a placed result as Drove's resources list:
 * [{"type":"CPU","cores":{"<n>":[..]}},{"type":"MEMORY","memoryInMB":..}]. */
json_t *pl_result_resources(const struct pl_result *res);

#endif
