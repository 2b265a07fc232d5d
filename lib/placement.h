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
 * A view (opaque) holds, per executor: id, hostname, executorState, tags,
 * metadata and per NUMA node its cores and memory and what is held of
 * them, plus the number of instances per appId.  pl_view_add_node()
 * starts from the node's state.layout (all cores and memory; falls back to
 * state.cpus.freeCores and state.memory.freeMemory without a layout;
 * negative memory is taken as 0); the layout is the truth: drove-execd has
 * already applied NUMA merging and over-provisioning to it.
 * pl_view_hold() takes away the allocations of an assignment
 * (ApplicationInstanceSpec "resources": cores and memory per NUMA node)
 * and counts its appId.  A core held already stays held (holds on a core
 * are counted, so two assignments claiming one core need two releases to
 * free it), cores and nodes not in the layout are ignored, and an
 * assignment holds at most the node's memory, so holding never fails on
 * inconsistent data.  pl_view_release() is its inverse: it gives back the
 * assignment's cores that are held, its memory (free memory never exceeds
 * the layout's) and one count of its appId (never below 0).  An
 * assignment is known by its cores: one listing cores of the layout none
 * of which is held (released already, never held) gives back nothing.
 * pl_view_remove_node() forgets an executor with everything held on it,
 * so a changed executor is removed, added again and its assignments held
 * again without building a new view.  Executors may be added in any order.
 *
 * Costs: the view keeps a search index built at the first pl_place()/
 * pl_capacity() and for each distinct (policy, env) at its first use
 * (about one evaluation of the policy per executor, once for a view);
 * hold, release and placing keep it current in O(log n) per NUMA node
 * touched and class of policies of the executor; pl_view_add_node() and
 * pl_view_remove_node() drop it, to be built again at the next placing.
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
 * Best fit and spread depend only on what the view holds; first fit also
 * on the placements made before.  All are deterministic for a given
 * sequence of calls and seed.  The cores are the lowest free ids of the
 * node.  On success the view is updated (cores and memory held, appId
 * counted) so successive placements never double-book.
 *
 * Returns 1 placed (result filled), 0 nothing fits (result.why holds
 * "0 of N executors: a excluded by NO_TAG, b lack C free cores on one NUMA
 * node, c lack M MB of memory on one NUMA node, d not ACTIVE", zero counts
 * left out, exclusions in order of the first executor showing them; an
 * executor the policy's tags or rules exclude is labelled with per-host
 * limits taken as passing; computed by a scan on failure only), -1
 * with errno: EINVAL a malformed policy, a rule that does not compile or
 * a bad request (why says what, and so does err_text()), ENOMEM.  why
 * is part of the answer, for the API and the instance's errorMessage;
 * err_text() (err.h) is only set when the call fails.
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

struct pl_view;

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
void pl_view_free(struct pl_view *v);	/* NULL is a no-op */

/* node: ExecutorNodeData; executor_id NULL takes state.executorId.
 * 0, -1 EINVAL (no executorId or layout) / EEXIST / ENOMEM. */
int pl_view_add_node(struct pl_view *v, const char *executor_id,
    const json_t *node);
/* 0, -1 ENOENT (unknown executor). */
int pl_view_remove_node(struct pl_view *v, const char *executor_id);
/* assignment: {"appId", "resources": [...]}, borrowed.
 * 0, -1 ENOENT (unknown executor) / ENOMEM. */
int pl_view_hold(struct pl_view *v, const char *executor_id,
    const json_t *assignment);
int pl_view_release(struct pl_view *v, const char *executor_id,
    const json_t *assignment);

/* 0, -1 EINVAL (unknown strategy).  Default PL_BEST_FIT, seed 0. */
int pl_view_set_strategy(struct pl_view *v, int strategy,
    unsigned long long seed);
/* "best", "spread", "firstfit" (also "first-fit") -> PL_*; -1 unknown. */
int pl_strategy_parse(const char *name);

/*
 * Read only, for tests and reports.  pl_view_executors(): how many.
 * pl_view_free_cores(), pl_view_free_memory(): what is free on NUMA node
 * numa (its id in the layout) of an executor, -1 ENOENT (unknown executor
 * or node).  pl_view_app_count(): instances of app_id counted on an
 * executor (held and placed), -1 ENOENT (unknown executor).
 */
int pl_view_executors(const struct pl_view *v);
int pl_view_free_cores(const struct pl_view *v, const char *executor_id,
    int numa);
long long pl_view_free_memory(const struct pl_view *v,
    const char *executor_id, int numa);
int pl_view_app_count(const struct pl_view *v, const char *executor_id,
    const char *app_id);

/* env: the spec's env object for RULE_BASED (NULL is {}). */
int pl_place_env(struct pl_view *v, const struct pl_request *rq,
    const json_t *env, struct pl_result *res);
int pl_place(struct pl_view *v, const struct pl_request *rq,
    struct pl_result *res);
void pl_result_free(struct pl_result *res);

/*
 * pl_place_pinned(): one instance of rq on executor executor_id only (a
 * local-service instance: its policy is LOCAL, rq->policy is ignored),
 * whose executorState may be ACTIVE or UNREADY (BLACKLIST_REQUESTED and
 * BLACKLISTED refuse); the NUMA node with the fewest free cores that
 * fits, then the least free memory, then the lowest node.  Returns as
 * pl_place() (why: "executor X is not known", "executor X is STATE",
 * "executor X lacks C free cores / M MB of memory on one NUMA node").
 * It does not use the search index: app placement costs nothing more.
 */
int pl_place_pinned(struct pl_view *v, const struct pl_request *rq,
    const char *executor_id, struct pl_result *res);

int pl_capacity_env(struct pl_view *v, const struct pl_request *rq,
    const json_t *env, long long n, char *why, size_t whylen);
int pl_capacity(struct pl_view *v, const struct pl_request *rq,
    long long n, char *why, size_t whylen);

/* The allocations of a placed result as Drove's resources list:
 * [{"type":"CPU","cores":{"<n>":[..]}},{"type":"MEMORY","memoryInMB":..}]. */
json_t *pl_result_resources(const struct pl_result *res);

#endif
