/*
 * topo: the executor's resources, as Drove's executor computes them
 * (drove.md §6.10), discovered with hwloc.
 *
 * Core ids are the operating system's logical CPU numbers (hwloc PU
 * os_index), every PU of each NUMA node: what `numactl -H` lists as
 * "node N cpus", which is what Drove reads, and what docker's CpusetCpus
 * takes.  Memory is the NUMA node's local memory in MB.  Node ids are the
 * NUMA os_index.  hwloc_topology_load() itself honours HWLOC_SYNTHETIC,
 * HWLOC_XMLFILE and HWLOC_FSROOT, so tests can fake any machine.
 *
 *   struct topo t;
 *   topo_discover(&t);                         from hwloc
 *   topo_apply(&t, js_get(cfg, "resources"));  Drove's options
 *   json_t *l = topo_layout_json(&t);          {"cores":{"0":[..]},
 *                                               "memory":{"0":mb}}
 *   topo_free(&t);
 *
 * topo_apply() runs, in Drove's order: osCores removed and memory scaled
 * by exposedMemPercentage (topo_remove_cores, topo_mem_percent), then
 * over-provisioning (topo_overprovision: real core c becomes vcores
 * (c+1)*p+i, i = 1..cpuMultiplier, p the smallest prime >= cpuMultiplier;
 * memory times memoryMultiplier), then disableNUMAPinning
 * (topo_merge_numa: every node merged into node 0).
 * The transforms are pure functions on the struct, usable without hwloc.
 * Functions return 0, or -1 with errno (ENOMEM, EINVAL); topo_discover()
 * and topo_apply() also leave err_text() (err.h) saying what was wrong
 * ("resources.osCores: not a list").
 */
#ifndef DROVE_TOPO_H
#define DROVE_TOPO_H

#include "json.h"

struct topo_node {
	int id;			/* NUMA node id */
	int *cores;		/* sorted ascending */
	int ncores;
	long long mem_mb;
};

struct topo {
	struct topo_node *node;	/* sorted by id */
	int nnodes;
};

int topo_discover(struct topo *t);
/* Build a topology by hand (tests): adds node id with its cores. */
int topo_add_node(struct topo *t, int id, const int *cores, int ncores,
    long long mem_mb);
void topo_free(struct topo *t);

int topo_remove_cores(struct topo *t, const int *cores, int n);
void topo_mem_percent(struct topo *t, int percent);
int topo_overprovision(struct topo *t, int cpu_mult, int mem_mult);
int topo_merge_numa(struct topo *t);
int topo_next_prime(int n);	/* smallest prime >= n (>= 2) */

/* Apply the executor YAML's `resources` block (NULL: defaults). */
int topo_apply(struct topo *t, const json_t *resources);

int topo_total_cores(const struct topo *t);
long long topo_total_mem_mb(const struct topo *t);
/* The node owning core id, or -1. */
int topo_node_of(const struct topo *t, int core);
/* {"cores":{"<id>":[..]},"memory":{"<id>":mb}} */
json_t *topo_layout_json(const struct topo *t);

#endif
