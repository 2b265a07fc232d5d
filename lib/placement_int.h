/*
 * placement_int.h: what the files of lib/placement share.  Not an API:
 * only lib/placement*.c include it; placement.h is the contract.
 *
 *   placement_view.c    the view: executors, their NUMA nodes and what
 *                       is held on them, instance counts per app, the
 *                       accessors, hold/release, add/remove
 *   placement_policy.c  the policy compiler: a placementPolicy (and the
 *                       spec's env, for rules reading it) compiled once
 *                       per index into a tree of leaves, its static part
 *                       evaluated once per executor; compiled rules and
 *                       their verdicts per executor
 *   placement_index.c   the search index: classes of executors sharing
 *                       the static part of a policy, each a treap of its
 *                       (executor, NUMA node) slots
 *   placement_hash.c    hashes and the name tables
 *   placement.c         placing (the strategies), reasons, capacity
 *
 * The fast path.  Each distinct effective policy is compiled once per
 * index (struct pl_policy).  Its static part (state ACTIVE, tags, rules)
 * is evaluated once per executor in three values (PL_FAIL, PL_PASS,
 * PL_DEPENDS on per-host counts); the executors not failing it form a
 * class, shared by every policy with the same members.  A class keeps its
 * slots in a treap ordered by (tier, free cores, free memory, slot), tier
 * 1 for executors with a tag the policy does not name, slots numbered in
 * (executorId, node) order, so best fit is a lower bound at (0, cores,
 * memory), then at (1, cores, memory), and spread a walk down from the
 * maximum of each tier; candidates are checked against the dynamic part
 * (ONE_PER_HOST, MAX_N_PER_HOST) in that order.  When what a node holds
 * changes (a placement, pl_view_hold(), pl_view_release()) its slot is
 * re-keyed in every class of its executor and their versions move on.
 * First fit (Drove's) walks an incremental Fisher-Yates shuffle of the
 * class members.  Reasons for a failure come from a scan, on failure
 * only, cached while nothing in the class or of the app changed.
 *
 * The index is derived from the executors and their order: it is built
 * at the first pl_place()/pl_capacity() (sorting the executors by id
 * first) and dropped by pl_view_add_node()/pl_view_remove_node(), which
 * change that order; compiled rules survive (they do not depend on it).
 */
#ifndef DROVE_PLACEMENT_INT_H
#define DROVE_PLACEMENT_INT_H

#include <stdint.h>

#include "json.h"
#include "placement.h"

#define PL_LABEL 128		/* an exclusion label, "MATCH_TAG(gpu)" */
#define PL_TIER (1 << 24)	/* key_cores offset of tier 1 slots */

/* One NUMA node of an executor and what is held on it. */
struct pl_numa {
	int id;			/* NUMA node id */
	int ncores;		/* cores in the layout */
	int *cores;		/* their ids, ascending */
	int *holds;		/* per core: placements/assignments on it */
	int nfree;		/* cores with no hold */
	long long layout_mb;	/* memory in the layout */
	long long held_mb;	/* sum of holds, each at most layout_mb */
	long long free_mb;	/* layout_mb - held_mb, at least 0 */
};

struct pl_app_count {
	int app;		/* index in pl_view.apps */
	int n;			/* > 0 */
};

struct pl_class;

struct pl_class_ref {		/* an executor's membership of a class */
	struct pl_class *c;
	int first_slot;		/* its node j is slot first_slot + j */
};

struct pl_executor {
	char *id, *hostname, *state;
	char **tags;
	int ntags;
	json_t *metadata;	/* owned; an object, maybe empty */
	int active;		/* executorState is ACTIVE */
	int untagged;		/* no tag besides the hostname: NO_TAG */
	struct pl_numa *numa;	/* ascending node ids */
	int nnuma;
	struct pl_app_count *counts;	/* ascending app */
	int ncounts, acounts;
	json_t *rule_ctx;	/* context of rules, built when first needed */
	/* the index's: classes holding this executor */
	struct pl_class_ref *classes;
	int nclasses, aclasses;
};

struct pl_app {
	char *name;
	unsigned long long version;	/* moves when a count of it does */
};

/* Open addressing over (hash, index); the names live in their owner. */
struct pl_names {
	struct pl_name_slot {
		uint64_t hash;
		int idx;	/* -1 empty */
	} *slot;
	unsigned cap, n;	/* cap a power of two, 0 before the first add */
};

/* Compiled policies. */

enum pl_verdict { PL_FAIL, PL_PASS, PL_DEPENDS };

enum pl_leaf {
	PL_ANY, PL_ONE_PER_HOST, PL_MAX_N_PER_HOST, PL_MATCH_TAG,
	PL_NO_TAG, PL_RULE_BASED, PL_AND, PL_OR
};

struct pl_rule_verdicts {	/* one rule's verdicts for one env */
	json_t *env;		/* NULL when the rule does not read env */
	signed char *of;	/* per executor: -1 unknown, 0, 1 */
};

struct pl_rule {		/* a compiled rule, kept for the view */
	char *type, *text;
	struct rule *compiled;
	int reads_env;
	struct pl_rule_verdicts *verdicts;	/* dropped with the index */
	int nverdicts;
};

struct pl_pnode {		/* a node of a compiled policy */
	enum pl_leaf type;
	int max;		/* PL_MAX_N_PER_HOST */
	char *tag;		/* PL_MATCH_TAG */
	struct pl_rule *rule;	/* PL_RULE_BASED, with: */
	signed char *verdict;	/* its verdicts for env (borrowed) */
	const json_t *env;	/* the env they are for, or NULL */
	struct pl_pnode **sub;	/* PL_AND, PL_OR */
	int nsub;
};

struct pl_reason {		/* executors excluded with one label */
	char label[PL_LABEL];
	int n, first;		/* count, first executor index */
};

struct pl_policy {		/* a compiled effective policy */
	json_t *json, *env;	/* copies; env NULL unless a rule reads it */
	uint64_t hash;
	struct pl_pnode *root;
	int per_host;		/* has ONE_PER_HOST / MAX_N_PER_HOST */
	signed char *verdict;	/* per executor: enum pl_verdict, static */
	struct pl_class *c;	/* the executors not PL_FAIL */
	struct {		/* the last failure's reasons */
		char *why;
		int app, cores;
		long long mb;
		unsigned long long class_version, app_version;
	} failed;
	struct pl_reason *excluded;	/* by the static part, once */
	int nexcluded, excluded_done;
};

/* Classes. */

struct pl_class {		/* executors passing a static part */
	uint64_t hash;
	int nmembers;
	int *members;		/* executor indices, ascending */
	char *member_tier;	/* per member: 1 placed last */
	int *shuffle;		/* first fit: members, shuffled as used */
	int nslots;
	int *slot_ex, *slot_node;	/* executor index, node index */
	char *slot_tier;
	/* treap of slots by (key_cores, key_mb, slot), when has_tree */
	int has_tree, root;
	int *key_cores;		/* tier * PL_TIER + free cores */
	long long *key_mb;	/* free memory */
	int *left, *right;
	uint32_t *prio;
	unsigned long long version;	/* moves when a member's node does */
};

struct pl_index {
	int built;
	struct pl_policy **pols;
	int npols, apols;
	struct pl_class **classes;
	int nclasses, aclasses;
};

struct pl_view {
	struct pl_executor *ex;	/* ascending executorId once indexed */
	int nex, aex;
	int sorted;
	int nactive;
	struct pl_names ex_names;	/* executorId -> index in ex */
	struct pl_app *apps;	/* every appId seen, never dropped */
	int napps, aapps;
	struct pl_names app_names;
	int strategy;
	unsigned long long seed;
	uint64_t rng;
	json_t *empty_env;	/* {} for a missing env */
	struct pl_rule **rules;
	int nrules, arules;
	struct pl_index ix;
};

/* placement_hash.c */
uint64_t pl_mix64(uint64_t x);
uint64_t pl_strhash(const char *s);
uint64_t pl_jhash(const json_t *j);	/* object key order ignored */
int pl_grow(void *pp, int *alloc, int want, size_t size);
/* name(arg, idx) is the name of index idx. */
int pl_names_find(const struct pl_names *t, const char *s,
    const char *(*name)(const void *, int), const void *arg);
int pl_names_add(struct pl_names *t, uint64_t hash, int idx);	/* ENOMEM */
void pl_names_clear(struct pl_names *t);	/* keeps the capacity */
void pl_names_free(struct pl_names *t);
json_t *pl_rd(const json_t *j);	/* for jansson's iterators: read only */

/* placement_view.c */
int pl_executor_index(const struct pl_view *v, const char *id);
int pl_app_index(const struct pl_view *v, const char *name);	/* or -1 */
int pl_count(const struct pl_executor *e, int app);
int pl_count_add(struct pl_view *v, int ei, int app, int delta);
void pl_numa_take_lowest(struct pl_numa *n, int k, int *ids);
void pl_numa_hold_mb(struct pl_numa *n, long long mb);
void pl_view_sort(struct pl_view *v);
uint64_t pl_rng_next(struct pl_view *v);
int pl_app_intern(struct pl_view *v, const char *name);

/* placement_policy.c */
struct pl_policy *pl_policy_get(struct pl_view *v, const json_t *policy,
    const json_t *env);
int pl_policy_eval(struct pl_view *v, const struct pl_pnode *p, int ei,
    int app, char *label);
int pl_policy_passes(struct pl_view *v, const struct pl_policy *pol, int ei,
    int app);
void pl_policy_free(struct pl_policy *pol);
void pl_rule_free(struct pl_rule *r);
void pl_rules_forget_verdicts(struct pl_view *v);

/* placement_index.c */
void pl_index_build(struct pl_view *v);
void pl_index_drop(struct pl_view *v);
struct pl_class *pl_class_get(struct pl_view *v, const signed char *verdict,
    const char *tier);
int pl_class_tree(struct pl_view *v, struct pl_class *c);
void pl_index_node_changed(struct pl_view *v, int ei, int node);
int pl_class_lower(const struct pl_class *c, int kc, long long km, int ks);
int pl_class_before(const struct pl_class *c, int kc, long long km, int ks);

#endif
