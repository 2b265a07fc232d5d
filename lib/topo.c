#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hwloc.h>

#include "err.h"
#include "topo.h"

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static struct topo_node *
find_node(struct topo *t, int id)
{
	int i;

	for (i = 0; i < t->nnodes; i++)
		if (t->node[i].id == id)
			return &t->node[i];
	return NULL;
}

static int
cmp_node(const void *a, const void *b)
{
	const struct topo_node *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

int
topo_add_node(struct topo *t, int id, const int *cores, int ncores,
    long long mem_mb)
{
	struct topo_node *n, *nn;
	int *c;

	if (ncores < 0 || mem_mb < 0 || id < 0 || find_node(t, id))
		return errno = EINVAL, -1;
	if (!(c = malloc(sizeof *c * (size_t)(ncores ? ncores : 1))))
		return -1;
	if (!(nn = realloc(t->node, sizeof *nn * (size_t)(t->nnodes + 1)))) {
		free(c);
		return -1;
	}
	t->node = nn;
	n = &t->node[t->nnodes++];
	if (ncores)
		memcpy(c, cores, sizeof *c * (size_t)ncores);
	qsort(c, (size_t)ncores, sizeof *c, cmp_int);
	n->id = id;
	n->cores = c;
	n->ncores = ncores;
	n->mem_mb = mem_mb;
	qsort(t->node, (size_t)t->nnodes, sizeof *t->node, cmp_node);
	return 0;
}

void
topo_free(struct topo *t)
{
	int i;

	for (i = 0; i < t->nnodes; i++)
		free(t->node[i].cores);
	free(t->node);
	t->node = NULL;
	t->nnodes = 0;
}

int
topo_discover(struct topo *t)
{
	hwloc_topology_t h;
	hwloc_obj_t numa, pu;
	int i, nnuma, n, *cores = NULL, ret = 0;

	memset(t, 0, sizeof *t);
	if (hwloc_topology_init(&h) < 0)
		return err_fail(errno ? errno : ENOMEM,
		    "hwloc_topology_init failed");
	if (hwloc_topology_load(h) < 0) {
		hwloc_topology_destroy(h);
		return err_fail(EINVAL, "hwloc_topology_load failed");
	}
	nnuma = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_NUMANODE);
	n = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_PU);
	if (!(cores = malloc(sizeof *cores * (size_t)(n > 0 ? n : 1)))) {
		hwloc_topology_destroy(h);
		return err_fail(ENOMEM, "out of memory");
	}
	for (i = 0; i < nnuma && ret == 0; i++) {
		int k = 0, id;

		numa = hwloc_get_obj_by_type(h, HWLOC_OBJ_NUMANODE,
		    (unsigned)i);
		pu = NULL;
		while ((pu = hwloc_get_next_obj_inside_cpuset_by_type(h,
		    numa->cpuset, HWLOC_OBJ_PU, pu)) && k < n)
			cores[k++] = (int)pu->os_index;
		id = numa->os_index == HWLOC_UNKNOWN_INDEX ?
		    (int)numa->logical_index : (int)numa->os_index;
		ret = topo_add_node(t, id, cores, k,
		    (long long)(numa->attr->numanode.local_memory >> 20));
	}
	if (ret == 0 && nnuma == 0) {
		/* no NUMA information: one node 0 with every PU */
		int k = 0;

		pu = NULL;
		while ((pu = hwloc_get_next_obj_by_type(h, HWLOC_OBJ_PU,
		    pu)) && k < n)
			cores[k++] = (int)pu->os_index;
		ret = topo_add_node(t, 0, cores, k,
		    (long long)(hwloc_get_root_obj(h)->total_memory >> 20));
	}
	free(cores);
	hwloc_topology_destroy(h);
	if (ret < 0) {
		topo_free(t);
		return err_fail(ENOMEM, "out of memory");
	}
	return 0;
}

int
topo_remove_cores(struct topo *t, const int *cores, int n)
{
	int i, j, k, x;

	for (i = 0; i < t->nnodes; i++) {
		struct topo_node *nd = &t->node[i];

		for (j = k = 0; j < nd->ncores; j++) {
			for (x = 0; x < n; x++)
				if (cores[x] == nd->cores[j])
					break;
			if (x == n)
				nd->cores[k++] = nd->cores[j];
		}
		nd->ncores = k;
	}
	return 0;
}

void
topo_mem_percent(struct topo *t, int percent)
{
	int i;

	for (i = 0; i < t->nnodes; i++)
		t->node[i].mem_mb = t->node[i].mem_mb * percent / 100;
}

int
topo_next_prime(int n)
{
	int p, d;

	for (p = n < 2 ? 2 : n;; p++) {
		for (d = 2; d * d <= p; d++)
			if (p % d == 0)
				break;
		if (d * d > p)
			return p;
	}
}

int
topo_overprovision(struct topo *t, int cpu_mult, int mem_mult)
{
	int i, j, m, p, *c;

	if (cpu_mult < 1 || cpu_mult > 20 || mem_mult < 1 || mem_mult > 20)
		return errno = EINVAL, -1;
	p = topo_next_prime(cpu_mult);
	for (i = 0; i < t->nnodes; i++) {
		struct topo_node *nd = &t->node[i];

		c = malloc(sizeof *c * (size_t)(nd->ncores * cpu_mult + 1));
		if (!c)
			return -1;
		for (j = 0; j < nd->ncores; j++)
			for (m = 1; m <= cpu_mult; m++)
				c[j * cpu_mult + m - 1] =
				    (nd->cores[j] + 1) * p + m;
		free(nd->cores);
		nd->cores = c;
		nd->ncores *= cpu_mult;
		qsort(c, (size_t)nd->ncores, sizeof *c, cmp_int);
		nd->mem_mb *= mem_mult;
	}
	return 0;
}

int
topo_merge_numa(struct topo *t)
{
	struct topo_node *n0;
	int i, total = 0, k = 0, *c;
	long long mem = 0;

	if (t->nnodes == 0)
		return topo_add_node(t, 0, NULL, 0, 0);
	for (i = 0; i < t->nnodes; i++) {
		total += t->node[i].ncores;
		mem += t->node[i].mem_mb;
	}
	if (!(c = malloc(sizeof *c * (size_t)(total ? total : 1))))
		return -1;
	for (i = 0; i < t->nnodes; i++) {
		if (t->node[i].ncores)
			memcpy(c + k, t->node[i].cores,
			    sizeof *c * (size_t)t->node[i].ncores);
		k += t->node[i].ncores;
		free(t->node[i].cores);
	}
	qsort(c, (size_t)total, sizeof *c, cmp_int);
	n0 = &t->node[0];
	n0->id = 0;
	n0->cores = c;
	n0->ncores = total;
	n0->mem_mb = mem;
	t->nnodes = 1;
	return 0;
}

int
topo_apply(struct topo *t, const json_t *res)
{
	json_t *os = json_object_get(res, "osCores"), *v, *op;
	int *cores, n = 0, pct;
	size_t i;

	if (os && !json_is_array(os))
		return err_fail(EINVAL, "resources.osCores: not a list");
	cores = malloc(sizeof *cores * (json_array_size(os) + 1));
	if (!cores)
		return err_fail(ENOMEM, "out of memory");
	json_array_foreach(os, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			free(cores);
			return err_fail(EINVAL,
			    "resources.osCores: not a core id");
		}
		cores[n++] = (int)json_integer_value(v);
	}
	topo_remove_cores(t, cores, n);
	free(cores);
	pct = (int)js_int(res, "exposedMemPercentage", 100);
	if (pct < 50 || pct > 100)
		return err_fail(EINVAL,
		    "resources.exposedMemPercentage: must be 50..100");
	topo_mem_percent(t, pct);
	op = json_object_get(res, "overProvisioning");
	if (js_bool(op, "enabled", 0) && topo_overprovision(t,
	    (int)js_int(op, "cpuMultiplier", 1),
	    (int)js_int(op, "memoryMultiplier", 1)) < 0)
		return err_fail(errno, "%s", errno == EINVAL ?
		    "resources.overProvisioning: multipliers must be 1..20" :
		    "out of memory");
	if (js_bool(res, "disableNUMAPinning", 0) && topo_merge_numa(t) < 0)
		return err_fail(errno, "out of memory");
	return 0;
}

int
topo_total_cores(const struct topo *t)
{
	int i, n = 0;

	for (i = 0; i < t->nnodes; i++)
		n += t->node[i].ncores;
	return n;
}

long long
topo_total_mem_mb(const struct topo *t)
{
	long long m = 0;
	int i;

	for (i = 0; i < t->nnodes; i++)
		m += t->node[i].mem_mb;
	return m;
}

int
topo_node_of(const struct topo *t, int core)
{
	int i, j;

	for (i = 0; i < t->nnodes; i++)
		for (j = 0; j < t->node[i].ncores; j++)
			if (t->node[i].cores[j] == core)
				return t->node[i].id;
	return -1;
}

json_t *
topo_layout_json(const struct topo *t)
{
	json_t *cores = json_object(), *mem = json_object(), *a;
	char key[16];
	int i, j;

	for (i = 0; i < t->nnodes; i++) {
		snprintf(key, sizeof key, "%d", t->node[i].id);
		a = json_array();
		for (j = 0; j < t->node[i].ncores; j++)
			json_array_append_new(a,
			    json_integer(t->node[i].cores[j]));
		json_object_set_new(cores, key, a);
		json_object_set_new(mem, key,
		    json_integer(t->node[i].mem_mb));
	}
	return json_pack("{s:o,s:o}", "cores", cores, "memory", mem);
}
