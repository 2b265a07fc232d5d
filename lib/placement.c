#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "model.h"
#include "placement.h"

/* jansson's iterators take json_t *; we only read through them. */
static json_t *
rd(const json_t *j)
{
	return (json_t *)(uintptr_t)j;
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int
cmp_numa(const void *a, const void *b)
{
	return cmp_int(&((const struct pl_numa *)a)->node,
	    &((const struct pl_numa *)b)->node);
}

struct pl_view *
pl_view_new(void)
{
	return calloc(1, sizeof(struct pl_view));
}

static void
ex_free(struct pl_executor *e)
{
	int i;

	free(e->id);
	free(e->hostname);
	free(e->state);
	for (i = 0; i < e->ntags; i++)
		free(e->tags[i]);
	free(e->tags);
	for (i = 0; i < e->nnuma; i++)
		free(e->numa[i].free);
	free(e->numa);
	for (i = 0; i < e->ncounts; i++)
		free(e->counts[i].app_id);
	free(e->counts);
	memset(e, 0, sizeof *e);
}

void
pl_view_free(struct pl_view *v)
{
	int i;

	if (!v)
		return;
	for (i = 0; i < v->nex; i++)
		ex_free(&v->ex[i]);
	free(v->ex);
	free(v);
}

struct pl_executor *
pl_view_find(const struct pl_view *v, const char *id)
{
	int i;

	for (i = 0; i < v->nex; i++)
		if (!strcmp(v->ex[i].id, id))
			return &v->ex[i];
	return NULL;
}

int
pl_count(const struct pl_executor *e, const char *app_id)
{
	int i;

	for (i = 0; i < e->ncounts; i++)
		if (!strcmp(e->counts[i].app_id, app_id))
			return e->counts[i].n;
	return 0;
}

static int
count_add(struct pl_executor *e, const char *app_id)
{
	struct pl_count *c;
	int i;

	for (i = 0; i < e->ncounts; i++)
		if (!strcmp(e->counts[i].app_id, app_id)) {
			e->counts[i].n++;
			return 0;
		}
	c = realloc(e->counts, (e->ncounts + 1) * sizeof *c);
	if (!c)
		return -1;
	e->counts = c;
	if (!(c[e->ncounts].app_id = strdup(app_id)))
		return -1;
	c[e->ncounts++].n = 1;
	return 0;
}

static struct pl_numa *
numa_get(struct pl_executor *e, int node, int create)
{
	struct pl_numa *n;
	int i;

	for (i = 0; i < e->nnuma; i++)
		if (e->numa[i].node == node)
			return &e->numa[i];
	if (!create)
		return NULL;
	n = realloc(e->numa, (e->nnuma + 1) * sizeof *n);
	if (!n)
		return NULL;
	e->numa = n;
	n = &e->numa[e->nnuma++];
	memset(n, 0, sizeof *n);
	n->node = node;
	return n;
}

static int
numa_key(const char *key, int *node)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(key, &end, 10);
	if (!*key || *end || errno || v < 0 || v > 1 << 16)
		return -1;
	*node = (int)v;
	return 0;
}

/* cores: {"<node>":[ids]}, memory: {"<node>":mb} */
static int
load_layout(struct pl_executor *e, const json_t *cores, const json_t *mem)
{
	const char *key;
	json_t *val, *id;
	struct pl_numa *n;
	size_t i;
	int node;

	json_object_foreach(rd(cores), key, val) {
		if (numa_key(key, &node) < 0 || !json_is_array(val))
			goto bad;
		if (!(n = numa_get(e, node, 1)))
			return -1;
		free(n->free);
		n->nfree = 0;
		n->free = malloc((json_array_size(val) + 1) * sizeof(int));
		if (!n->free)
			return -1;
		json_array_foreach(val, i, id) {
			if (!json_is_integer(id))
				goto bad;
			n->free[n->nfree++] = (int)json_integer_value(id);
		}
		qsort(n->free, n->nfree, sizeof(int), cmp_int);
	}
	json_object_foreach(rd(mem), key, val) {
		if (numa_key(key, &node) < 0 || !json_is_integer(val))
			goto bad;
		if (!(n = numa_get(e, node, 1)))
			return -1;
		n->mem_mb = json_integer_value(val);
	}
	qsort(e->numa, e->nnuma, sizeof *e->numa, cmp_numa);
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

static int
ex_fill(struct pl_executor *e, const char *id, const json_t *node)
{
	const json_t *st = json_object_get(node, "state");
	json_t *layout = json_object_get(st, "layout"), *tags, *t;
	const json_t *cores, *mem;
	size_t i;

	if (!id)
		id = js_str(st, "executorId", NULL);
	if (!id || !*id)
		goto bad;
	if (layout) {
		cores = json_object_get(layout, "cores");
		mem = json_object_get(layout, "memory");
	} else {
		cores = js_get(st, "cpus.freeCores");
		mem = js_get(st, "memory.freeMemory");
	}
	if (!json_is_object(cores) || !json_is_object(mem))
		goto bad;
	if (!(e->id = strdup(id)) ||
	    !(e->hostname = strdup(js_str(node, "hostname", ""))) ||
	    !(e->state = strdup(js_str(node, "executorState", "UNKNOWN"))))
		return -1;
	tags = json_object_get(node, "tags");
	if (json_array_size(tags)) {
		e->tags = calloc(json_array_size(tags), sizeof(char *));
		if (!e->tags)
			return -1;
		json_array_foreach(tags, i, t) {
			if (!json_is_string(t))
				continue;
			if (!(e->tags[e->ntags] = strdup(json_string_value(t))))
				return -1;
			e->ntags++;
		}
	}
	return load_layout(e, cores, mem);
bad:
	errno = EINVAL;
	return -1;
}

int
pl_view_add_node(struct pl_view *v, const char *executor_id,
    const json_t *node)
{
	struct pl_executor e, *ne;
	int i, saved;

	memset(&e, 0, sizeof e);
	if (ex_fill(&e, executor_id, node) < 0) {
		saved = errno;
		ex_free(&e);
		errno = saved;
		return -1;
	}
	if (pl_view_find(v, e.id)) {
		ex_free(&e);
		errno = EEXIST;
		return -1;
	}
	ne = realloc(v->ex, (v->nex + 1) * sizeof *ne);
	if (!ne) {
		ex_free(&e);
		errno = ENOMEM;
		return -1;
	}
	v->ex = ne;
	for (i = v->nex; i > 0 && strcmp(v->ex[i - 1].id, e.id) > 0; i--)
		v->ex[i] = v->ex[i - 1];
	v->ex[i] = e;
	v->nex++;
	return 0;
}

static void
take_core(struct pl_numa *n, int id)
{
	int i;

	for (i = 0; i < n->nfree; i++)
		if (n->free[i] == id) {
			memmove(&n->free[i], &n->free[i + 1],
			    (n->nfree - i - 1) * sizeof(int));
			n->nfree--;
			return;
		}
}

static void
take_mem(struct pl_numa *n, long long mb)
{
	n->mem_mb = n->mem_mb > mb ? n->mem_mb - mb : 0;
}

int
pl_view_hold(struct pl_view *v, const char *executor_id,
    const json_t *assignment)
{
	struct pl_executor *e = pl_view_find(v, executor_id);
	json_t *res = json_object_get(assignment, "resources"), *r, *val, *id;
	const char *key, *type, *app;
	struct pl_numa *n;
	size_t i, j;
	int node;

	if (!e) {
		errno = ENOENT;
		return -1;
	}
	json_array_foreach(res, i, r) {
		type = js_str(r, "type", "");
		if (!strcmp(type, "CPU")) {
			json_object_foreach(json_object_get(r, "cores"), key,
			    val) {
				if (numa_key(key, &node) < 0 ||
				    !(n = numa_get(e, node, 0)))
					continue;
				json_array_foreach(val, j, id)
					if (json_is_integer(id))
						take_core(n,
						    (int)json_integer_value(id));
			}
		} else if (!strcmp(type, "MEMORY")) {
			json_object_foreach(json_object_get(r, "memoryInMB"),
			    key, val) {
				if (numa_key(key, &node) < 0 ||
				    !(n = numa_get(e, node, 0)))
					continue;
				take_mem(n, json_integer_value(val));
			}
		}
	}
	app = js_str(assignment, "appId", NULL);
	if (app && count_add(e, app) < 0) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* Policies. */

static int
ptype_is(const json_t *p, const char *name)
{
	const char *t = js_str(p, "type", NULL);

	return t && !strcasecmp(t, name);
}

/* 1 if the policy names MATCH_TAG or RULE_BASED anywhere. */
static int
policy_targets(const json_t *p)
{
	json_t *sub;
	size_t i;

	if (ptype_is(p, "MATCH_TAG") || ptype_is(p, "RULE_BASED"))
		return 1;
	if (ptype_is(p, "COMPOSITE"))
		json_array_foreach(json_object_get(p, "policies"), i, sub)
			if (policy_targets(sub))
				return 1;
	return 0;
}

static int
has_tag(const struct pl_executor *e, const char *tag)
{
	int i;

	if (!strcmp(e->hostname, tag))
		return 1;
	for (i = 0; i < e->ntags; i++)
		if (!strcmp(e->tags[i], tag))
			return 1;
	return 0;
}

static int
no_tag(const struct pl_executor *e)
{
	int i;

	for (i = 0; i < e->ntags; i++)
		if (strcmp(e->tags[i], e->hostname))
			return 0;
	return 1;
}

/*
 * 1 passes, 0 excluded (label says by what), -1 malformed (label says
 * why).  label is PL_LABEL bytes.
 */
#define PL_LABEL 128
static int
policy_eval(const json_t *p, const struct pl_executor *e, const char *app,
    char *label)
{
	const char *t = js_str(p, "type", NULL);
	char sub_label[PL_LABEL];
	json_t *subs, *sub;
	const char *comb;
	long long max;
	size_t i, n;
	int r, or;

	if (!p || json_is_null(p) || ptype_is(p, "ANY") ||
	    ptype_is(p, "LOCAL"))
		return 1;
	if (!json_is_object(p) || !t) {
		snprintf(label, PL_LABEL, "placement policy without a type");
		return -1;
	}
	if (!strcasecmp(t, "ONE_PER_HOST")) {
		snprintf(label, PL_LABEL, "ONE_PER_HOST");
		return pl_count(e, app) == 0;
	}
	if (!strcasecmp(t, "MAX_N_PER_HOST")) {
		max = js_int(p, "max", -1);
		if (max < 1 || max > 64) {
			snprintf(label, PL_LABEL,
			    "MAX_N_PER_HOST needs max between 1 and 64");
			return -1;
		}
		snprintf(label, PL_LABEL, "MAX_N_PER_HOST(%lld)", max);
		return pl_count(e, app) < max;
	}
	if (!strcasecmp(t, "MATCH_TAG")) {
		t = js_str(p, "tag", "");
		if (!*t) {
			snprintf(label, PL_LABEL, "MATCH_TAG needs a tag");
			return -1;
		}
		snprintf(label, PL_LABEL, "MATCH_TAG(%s)", t);
		return has_tag(e, t);
	}
	if (!strcasecmp(t, "NO_TAG")) {
		snprintf(label, PL_LABEL, "NO_TAG");
		return no_tag(e);
	}
	if (!strcasecmp(t, "RULE_BASED")) {
		snprintf(label, PL_LABEL,
		    "RULE_BASED (RULE_BASED not supported yet)");
		return 0;
	}
	if (!strcasecmp(t, "COMPOSITE")) {
		comb = js_str(p, "combiner", "AND");
		subs = json_object_get(p, "policies");
		if (!json_is_array(subs) || !json_array_size(subs) ||
		    (strcasecmp(comb, "AND") && strcasecmp(comb, "OR"))) {
			snprintf(label, PL_LABEL, "COMPOSITE needs policies "
			    "and a combiner AND or OR");
			return -1;
		}
		or = !strcasecmp(comb, "OR");
		label[0] = '\0';
		json_array_foreach(subs, i, sub) {
			r = policy_eval(sub, e, app, sub_label);
			if (r < 0 || (!r && !or)) {
				memcpy(label, sub_label, PL_LABEL);
				return r;
			}
			if (r && or)
				return 1;
			if (!r) {
				n = strlen(label);
				snprintf(label + n, PL_LABEL - n, "%s%s",
				    n ? " OR " : "(", sub_label);
			}
		}
		if (!or)
			return 1;
		n = strlen(label);
		if (n + 1 < PL_LABEL)
			strcat(label, ")");
		return 0;
	}
	snprintf(label, PL_LABEL, "unknown placement policy type '%s'", t);
	return -1;
}

/* The effective policy: AND with NO_TAG unless it targets tags/rules. */
static int
effective_eval(const json_t *p, const struct pl_executor *e, const char *app,
    char *label)
{
	int r = policy_eval(p, e, app, label);

	if (r != 1 || policy_targets(p) || no_tag(e))
		return r;
	snprintf(label, PL_LABEL, "NO_TAG");
	return 0;
}

/* Reason buckets for the failure text. */
struct bucket {
	char label[PL_LABEL];
	int n;
};

static int
bucket_add(struct bucket **b, int *nb, const char *label)
{
	struct bucket *nbk;
	int i;

	for (i = 0; i < *nb; i++)
		if (!strcmp((*b)[i].label, label)) {
			(*b)[i].n++;
			return 0;
		}
	nbk = realloc(*b, (*nb + 1) * sizeof *nbk);
	if (!nbk)
		return -1;
	*b = nbk;
	snprintf(nbk[*nb].label, PL_LABEL, "%s", label);
	nbk[(*nb)++].n = 1;
	return 0;
}

static void
why_add(char *why, size_t n, int *first, const char *fmt, int count,
    const char *arg, long long num)
{
	size_t len = strlen(why);
	char part[256];

	if (!count)
		return;
	if (arg)
		snprintf(part, sizeof part, fmt, count, arg);
	else
		snprintf(part, sizeof part, fmt, count, num);
	snprintf(why + len, n - len, "%s%s", *first ? ": " : ", ", part);
	*first = 0;
}

int
pl_place(struct pl_view *v, const struct pl_request *rq,
    struct pl_result *res)
{
	struct pl_executor *e, *best_e = NULL;
	struct pl_numa *n, *best_n = NULL;
	struct bucket *pol = NULL;
	int npol = 0, lack_cores = 0, lack_mem = 0, inactive = 0;
	char label[PL_LABEL];
	int i, j, r, cores_ok, first = 1;
	long long left, best_left = 0;

	res->why[0] = '\0';
	if (!rq->app_id || !*rq->app_id || rq->cores < 1 ||
	    rq->memory_mb < 0) {
		snprintf(res->why, sizeof res->why,
		    "request needs an appId, CPU count >= 1 and MEMORY >= 0");
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < v->nex; i++) {
		e = &v->ex[i];
		if (strcmp(e->state, "ACTIVE")) {
			inactive++;
			continue;
		}
		r = effective_eval(rq->policy, e, rq->app_id, label);
		if (r < 0) {
			snprintf(res->why, sizeof res->why,
			    "invalid placementPolicy: %s", label);
			free(pol);
			errno = EINVAL;
			return -1;
		}
		if (!r) {
			if (bucket_add(&pol, &npol, label) < 0)
				goto nomem;
			continue;
		}
		cores_ok = 0;
		r = 0;
		for (j = 0; j < e->nnuma; j++) {
			n = &e->numa[j];
			if (n->nfree < rq->cores)
				continue;
			cores_ok = 1;
			if (n->mem_mb < rq->memory_mb)
				continue;
			r = 1;
			left = n->nfree - rq->cores;
			/* executors are sorted by id, nodes by number: the
			 * first of equal fits wins */
			if (!best_n || left < best_left) {
				best_e = e;
				best_n = n;
				best_left = left;
			}
		}
		if (!cores_ok)
			lack_cores++;
		else if (!r)
			lack_mem++;
	}
	if (!best_n) {
		snprintf(res->why, sizeof res->why, "0 of %d executors",
		    v->nex);
		for (i = 0; i < npol; i++)
			why_add(res->why, sizeof res->why, &first,
			    "%d excluded by %s", pol[i].n, pol[i].label, 0);
		why_add(res->why, sizeof res->why, &first,
		    "%d lack %lld free cores on one NUMA node", lack_cores,
		    NULL, rq->cores);
		why_add(res->why, sizeof res->why, &first,
		    "%d lack %lld MB of memory on one NUMA node", lack_mem,
		    NULL, rq->memory_mb);
		why_add(res->why, sizeof res->why, &first, "%d not %s",
		    inactive, "ACTIVE", 0);
		free(pol);
		return 0;
	}
	free(pol);
	pol = NULL;
	free(res->cores);
	res->cores = malloc(rq->cores * sizeof(int));
	if (!res->cores)
		goto nomem;
	memcpy(res->cores, best_n->free, rq->cores * sizeof(int));
	res->ncores = rq->cores;
	if (count_add(best_e, rq->app_id) < 0)
		goto nomem;
	memmove(best_n->free, best_n->free + rq->cores,
	    (best_n->nfree - rq->cores) * sizeof(int));
	best_n->nfree -= rq->cores;
	take_mem(best_n, rq->memory_mb);
	snprintf(res->executor_id, sizeof res->executor_id, "%s", best_e->id);
	snprintf(res->hostname, sizeof res->hostname, "%s", best_e->hostname);
	res->numa = best_n->node;
	res->memory_mb = rq->memory_mb;
	return 1;
nomem:
	free(pol);
	errno = ENOMEM;
	return -1;
}

void
pl_result_free(struct pl_result *res)
{
	free(res->cores);
	res->cores = NULL;
	res->ncores = 0;
}

json_t *
pl_result_resources(const struct pl_result *res)
{
	json_t *a = json_array();

	if (!a)
		return NULL;
	if (json_array_append_new(a, alloc_cpu_new(res->numa, res->cores,
	    res->ncores)) < 0 ||
	    json_array_append_new(a, alloc_mem_new(res->numa,
	    res->memory_mb)) < 0) {
		json_decref(a);
		errno = ENOMEM;
		return NULL;
	}
	return a;
}
