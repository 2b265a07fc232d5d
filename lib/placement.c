/*
 * placement: see placement.h; the design is in placement_int.h.  This
 * file places (the strategies over the index), explains failures and
 * checks capacity.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "model.h"
#include "placement_int.h"

/* Reasons. */

static int
reason_add(struct pl_reason **r, int *nr, const char *label, int n,
    int first)
{
	struct pl_reason *nrs;
	int i;

	for (i = 0; i < *nr; i++)
		if (!strcmp((*r)[i].label, label)) {
			(*r)[i].n += n;
			if (first < (*r)[i].first)
				(*r)[i].first = first;
			return 0;
		}
	nrs = realloc(*r, (*nr + 1) * sizeof *nrs);
	if (!nrs)
		return -1;
	*r = nrs;
	snprintf(nrs[*nr].label, PL_LABEL, "%s", label);
	nrs[*nr].first = first;
	nrs[(*nr)++].n = n;
	return 0;
}

static void
why_add(char *why, size_t n, int *first, int count, const char *what)
{
	size_t len = strlen(why);

	if (!count)
		return;
	snprintf(why + len, n - len, "%s%d %s", *first ? ": " : ", ", count,
	    what);
	*first = 0;
}

static int
cmp_reason(const void *a, const void *b)
{
	int x = ((const struct pl_reason *)a)->first;
	int y = ((const struct pl_reason *)b)->first;

	return (x > y) - (x < y);
}

/*
 * The exclusions by the static part of pol (tags, rules: fixed for the
 * index), labelled with per-host limits taken as passing.
 */
static int
static_exclusions(struct pl_view *v, struct pl_policy *pol)
{
	char label[PL_LABEL];
	int i;

	if (pol->excluded_done)
		return 0;
	for (i = 0; i < v->nex; i++) {
		if (pol->verdict[i] != PL_FAIL || !v->ex[i].active)
			continue;
		pl_policy_eval(v, pol->root, i, -1, label);
		if (reason_add(&pol->excluded, &pol->nexcluded, label, 1,
		    i) < 0)
			return -1;
	}
	pol->excluded_done = 1;
	return 0;
}

/*
 * The reasons nothing fits: static exclusions counted once per policy,
 * then a scan of the class (per-host limits, cores, memory), cached while
 * nothing in the class or of the app changed.
 */
static int
reasons(struct pl_view *v, struct pl_policy *pol, int app,
    const struct pl_request *rq, struct pl_result *res)
{
	struct pl_reason *excl = NULL;
	struct pl_executor *e;
	struct pl_numa *n;
	char label[PL_LABEL], what[PL_LABEL + 32];
	int nexcl = 0, lack_cores = 0, lack_mem = 0;
	int i, j, k, cores_ok, fits, first = 1;

	if (pol->failed.why && pol->failed.app == app &&
	    pol->failed.cores == rq->cores && pol->failed.mb == rq->memory_mb &&
	    pol->failed.class_version == pol->c->version &&
	    pol->failed.app_version == v->apps[app].version) {
		snprintf(res->why, sizeof res->why, "%s", pol->failed.why);
		return 0;
	}
	if (static_exclusions(v, pol) < 0)
		goto nomem;
	if (pol->nexcluded) {
		if (!(excl = malloc(pol->nexcluded * sizeof *excl)))
			goto nomem;
		memcpy(excl, pol->excluded, pol->nexcluded * sizeof *excl);
		nexcl = pol->nexcluded;
	}
	for (k = 0; k < pol->c->nmembers; k++) {
		i = pol->c->members[k];
		e = &v->ex[i];
		if (pol->verdict[i] == PL_DEPENDS &&
		    !pl_policy_eval(v, pol->root, i, app, label)) {
			if (reason_add(&excl, &nexcl, label, 1, i) < 0)
				goto nomem;
			continue;
		}
		cores_ok = fits = 0;
		for (j = 0; j < e->nnuma; j++) {
			n = &e->numa[j];
			if (n->nfree < rq->cores)
				continue;
			cores_ok = 1;
			if (n->free_mb >= rq->memory_mb)
				fits = 1;
		}
		if (!cores_ok)
			lack_cores++;
		else if (!fits)
			lack_mem++;
	}
	if (nexcl)
		qsort(excl, nexcl, sizeof *excl, cmp_reason);
	snprintf(res->why, sizeof res->why, "0 of %d executors", v->nex);
	for (i = 0; i < nexcl; i++) {
		snprintf(what, sizeof what, "excluded by %s", excl[i].label);
		why_add(res->why, sizeof res->why, &first, excl[i].n, what);
	}
	snprintf(what, sizeof what, "lack %d free cores on one NUMA node",
	    rq->cores);
	why_add(res->why, sizeof res->why, &first, lack_cores, what);
	snprintf(what, sizeof what, "lack %lld MB of memory on one NUMA "
	    "node", rq->memory_mb);
	why_add(res->why, sizeof res->why, &first, lack_mem, what);
	why_add(res->why, sizeof res->why, &first, v->nex - v->nactive,
	    "not ACTIVE");
	free(excl);
	free(pol->failed.why);
	if ((pol->failed.why = strdup(res->why))) {
		pol->failed.app = app;
		pol->failed.cores = rq->cores;
		pol->failed.mb = rq->memory_mb;
		pol->failed.class_version = pol->c->version;
		pol->failed.app_version = v->apps[app].version;
	}
	return 0;
nomem:
	free(excl);
	return err_fail(ENOMEM, "out of memory");
}

/* Strategies. */

/* Best fit: the slot with the smallest (cores, memory, slot) that fits. */
static int
pick_best(struct pl_view *v, struct pl_policy *pol, int app,
    const struct pl_request *rq)
{
	struct pl_class *c = pol->c;
	int x, tier;

	for (tier = 0; tier < 2 * PL_TIER; tier += PL_TIER) {
		x = pl_class_lower(c, tier + rq->cores, rq->memory_mb, -1);
		while (x >= 0 && c->key_cores[x] < tier + PL_TIER) {
			if (c->key_mb[x] < rq->memory_mb) {
				x = pl_class_lower(c, c->key_cores[x],
				    rq->memory_mb, -1);
				continue;
			}
			if (pl_policy_passes(v, pol, c->slot_ex[x], app))
				return x;
			x = pl_class_lower(c, c->key_cores[x], c->key_mb[x],
			    x + 1);
		}
	}
	return -1;
}

/* Spread: the slot with the largest (cores, memory, slot) that fits. */
static int
pick_spread(struct pl_view *v, struct pl_policy *pol, int app,
    const struct pl_request *rq)
{
	struct pl_class *c = pol->c;
	int x, tier;

	for (tier = 0; tier < 2 * PL_TIER; tier += PL_TIER) {
		x = pl_class_before(c, tier + PL_TIER, LLONG_MIN, -1);
		while (x >= 0 && c->key_cores[x] >= tier + rq->cores) {
			if (c->key_mb[x] < rq->memory_mb) {
				/* the rest of these cores has less memory */
				x = pl_class_before(c, c->key_cores[x],
				    LLONG_MIN, -1);
				continue;
			}
			if (pl_policy_passes(v, pol, c->slot_ex[x], app))
				return x;
			x = pl_class_before(c, c->key_cores[x], c->key_mb[x],
			    x);
		}
	}
	return -1;
}

/* Drove: shuffled executors, the first that fits, its first fitting node. */
static int
pick_first(struct pl_view *v, struct pl_policy *pol, int app,
    const struct pl_request *rq, int *node)
{
	struct pl_class *c = pol->c;
	struct pl_executor *e;
	int k, j, t, ei;

	for (k = 0; k < c->nmembers; k++) {
		j = k + (int)(pl_rng_next(v) % (uint64_t)(c->nmembers - k));
		t = c->shuffle[k];
		c->shuffle[k] = c->shuffle[j];
		c->shuffle[j] = t;
		ei = c->shuffle[k];
		e = &v->ex[ei];
		for (j = 0; j < e->nnuma; j++)
			if (e->numa[j].nfree >= rq->cores &&
			    e->numa[j].free_mb >= rq->memory_mb)
				break;
		if (j < e->nnuma && pl_policy_passes(v, pol, ei, app)) {
			*node = j;
			return ei;
		}
	}
	return -1;
}

/* Hold the resources of node j of executor ei for rq; fill res. */
static int
commit(struct pl_view *v, int ei, int j, int app,
    const struct pl_request *rq, struct pl_result *res)
{
	struct pl_executor *e = &v->ex[ei];
	struct pl_numa *n = &e->numa[j];
	int *cores;

	if (!(cores = malloc(rq->cores * sizeof(int))))
		return -1;
	if (pl_count_add(v, ei, app, 1) < 0) {
		free(cores);
		return -1;
	}
	free(res->cores);
	res->cores = cores;
	res->ncores = rq->cores;
	pl_numa_take_lowest(n, rq->cores, cores);
	pl_numa_hold_mb(n, rq->memory_mb);
	pl_index_node_changed(v, ei, j);
	snprintf(res->executor_id, sizeof res->executor_id, "%s", e->id);
	snprintf(res->hostname, sizeof res->hostname, "%s", e->hostname);
	res->numa = n->id;
	res->memory_mb = rq->memory_mb;
	return 0;
}

/* The index built and the request's policy compiled. */
static struct pl_policy *
prepare(struct pl_view *v, const struct pl_request *rq, const json_t *env,
    char *why, size_t whylen)
{
	struct pl_policy *pol;

	if (!rq->app_id || !*rq->app_id || rq->cores < 1 ||
	    rq->memory_mb < 0) {
		err_fail(EINVAL,
		    "request needs an appId, CPU count >= 1 and MEMORY >= 0");
		snprintf(why, whylen, "%s", err_text());
		return NULL;
	}
	pl_index_build(v);
	if (!(pol = pl_policy_get(v, rq->policy, env))) {
		/* cut as it was when it came in a PL_LABEL buffer */
		if (errno == EINVAL) {
			err_fail(EINVAL, "invalid placementPolicy: %.*s",
			    PL_LABEL - 1, err_text());
			snprintf(why, whylen, "%s", err_text());
		}
		return NULL;
	}
	return pol;
}

int
pl_place_env(struct pl_view *v, const struct pl_request *rq,
    const json_t *env, struct pl_result *res)
{
	struct pl_policy *pol;
	struct pl_class *c;
	int app, ei = -1, j = 0, x;

	res->why[0] = '\0';
	if (!(pol = prepare(v, rq, env, res->why, sizeof res->why)))
		return -1;
	if ((app = pl_app_intern(v, rq->app_id)) < 0)
		goto nomem;
	c = pol->c;
	if (v->strategy == PL_FIRST_FIT)
		ei = pick_first(v, pol, app, rq, &j);
	else {
		if (pl_class_tree(v, c) < 0)
			goto nomem;
		x = v->strategy == PL_SPREAD ? pick_spread(v, pol, app, rq) :
		    pick_best(v, pol, app, rq);
		if (x >= 0) {
			ei = c->slot_ex[x];
			j = c->slot_node[x];
		}
	}
	if (ei < 0)
		return reasons(v, pol, app, rq, res);
	if (commit(v, ei, j, app, rq, res) < 0)
		goto nomem;
	return 1;
nomem:
	return err_fail(ENOMEM, "out of memory");
}

int
pl_place_pinned(struct pl_view *v, const struct pl_request *rq,
    const char *executor_id, struct pl_result *res)
{
	struct pl_executor *e;
	struct pl_numa *n;
	int app, ei, j, best = -1, cores_ok = 0;

	res->why[0] = '\0';
	if (!rq->app_id || !*rq->app_id || rq->cores < 1 ||
	    rq->memory_mb < 0) {
		err_fail(EINVAL,
		    "request needs an appId, CPU count >= 1 and MEMORY >= 0");
		snprintf(res->why, sizeof res->why, "%s", err_text());
		return -1;
	}
	pl_index_build(v);
	if ((ei = pl_executor_index(v, executor_id)) < 0) {
		snprintf(res->why, sizeof res->why, "executor %s is not known",
		    executor_id);
		return 0;
	}
	e = &v->ex[ei];
	if (!e->active && strcmp(e->state, "UNREADY")) {
		snprintf(res->why, sizeof res->why, "executor %s is %s",
		    executor_id, e->state);
		return 0;
	}
	for (j = 0; j < e->nnuma; j++) {
		n = &e->numa[j];
		if (n->nfree < rq->cores)
			continue;
		cores_ok = 1;
		if (n->free_mb < rq->memory_mb)
			continue;
		if (best < 0 || n->nfree < e->numa[best].nfree ||
		    (n->nfree == e->numa[best].nfree &&
		    n->free_mb < e->numa[best].free_mb))
			best = j;
	}
	if (best < 0) {
		if (!cores_ok)
			snprintf(res->why, sizeof res->why, "executor %s lacks "
			    "%d free cores on one NUMA node", executor_id,
			    rq->cores);
		else
			snprintf(res->why, sizeof res->why, "executor %s lacks "
			    "%lld MB of memory on one NUMA node", executor_id,
			    rq->memory_mb);
		return 0;
	}
	if ((app = pl_app_intern(v, rq->app_id)) < 0 ||
	    commit(v, ei, best, app, rq, res) < 0)
		return err_fail(ENOMEM, "out of memory");
	return 1;
}

int
pl_place(struct pl_view *v, const struct pl_request *rq,
    struct pl_result *res)
{
	return pl_place_env(v, rq, NULL, res);
}

int
pl_capacity_env(struct pl_view *v, const struct pl_request *rq,
    const json_t *env, long long n, char *why, size_t whylen)
{
	struct pl_executor *e;
	struct pl_policy *pol;
	long long cores = 0, mem = 0;
	int i, j, biggest = 0;

	if (whylen)
		why[0] = '\0';
	if (n < 0) {
		err_fail(EINVAL, "instance count must be >= 0");
		snprintf(why, whylen, "%s", err_text());
		return -1;
	}
	if (!(pol = prepare(v, rq, env, why, whylen)))
		return -1;
	if (!v->nactive) {
		snprintf(why, whylen, "No executors on cluster");
		return 0;
	}
	for (i = 0; i < v->nex; i++) {
		e = &v->ex[i];
		if (!e->active)
			continue;
		for (j = 0; j < e->nnuma; j++) {
			if (e->numa[j].ncores > biggest)
				biggest = e->numa[j].ncores;
			if (pol->verdict[i] != PL_FAIL) {
				cores += e->numa[j].nfree;
				mem += e->numa[j].free_mb;
			}
		}
	}
	if (rq->cores > biggest) {
		snprintf(why, whylen, "Instance needs %d cores but the largest "
		    "NUMA node of any executor has %d", rq->cores, biggest);
		return 0;
	}
	if (n * rq->cores > cores || n * rq->memory_mb > mem) {
		snprintf(why, whylen, "Required %lld cores / %lld MB for %lld "
		    "instances but eligible executors have only %lld free "
		    "cores / %lld MB", n * rq->cores, n * rq->memory_mb, n,
		    cores, mem);
		return 0;
	}
	return 1;
}

int
pl_capacity(struct pl_view *v, const struct pl_request *rq, long long n,
    char *why, size_t whylen)
{
	return pl_capacity_env(v, rq, NULL, n, why, whylen);
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
