/*
 * placement_index.c: the search index (see placement_int.h): classes of
 * executors by the static part of a policy, each a treap of its (executor,
 * NUMA node) slots ordered by (tier * PL_TIER + free cores, free memory,
 * slot); tier 1 for executors with a tag the class's policy does not
 * name: best fit and spread try them last and keep tagged capacity for
 * the policies asking for it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "placement_int.h"

static void
class_free(struct pl_class *c)
{
	if (!c)
		return;
	free(c->members);
	free(c->member_tier);
	free(c->shuffle);
	free(c->slot_ex);
	free(c->slot_node);
	free(c->slot_tier);
	free(c->key_cores);
	free(c->key_mb);
	free(c->left);
	free(c->right);
	free(c->prio);
	free(c);
}

void
pl_index_drop(struct pl_view *v)
{
	struct pl_index *ix = &v->ix;
	int i;

	if (!ix->built)
		return;
	for (i = 0; i < ix->npols; i++)
		pl_policy_free(ix->pols[i]);
	free(ix->pols);
	for (i = 0; i < ix->nclasses; i++)
		class_free(ix->classes[i]);
	free(ix->classes);
	for (i = 0; i < v->nex; i++) {
		free(v->ex[i].classes);
		v->ex[i].classes = NULL;
		v->ex[i].nclasses = v->ex[i].aclasses = 0;
	}
	pl_rules_forget_verdicts(v);
	memset(ix, 0, sizeof *ix);
}

/*
 * Mark the index built: executors sorted, from here on compiled policies
 * and classes are added as requests need them.
 */
void
pl_index_build(struct pl_view *v)
{
	if (v->ix.built)
		return;
	pl_view_sort(v);
	v->ix.built = 1;
}

static int
slot_key_cores(const struct pl_view *v, const struct pl_class *c, int x)
{
	return (c->slot_tier[x] ? PL_TIER : 0) +
	    v->ex[c->slot_ex[x]].numa[c->slot_node[x]].nfree;
}

/* The treap. */

/* key(a) < (kc, km, ks) */
static int
key_lt(const struct pl_class *c, int a, int kc, long long km, int ks)
{
	if (c->key_cores[a] != kc)
		return c->key_cores[a] < kc;
	if (c->key_mb[a] != km)
		return c->key_mb[a] < km;
	return a < ks;
}

static void
split(struct pl_class *c, int t, int kc, long long km, int ks, int *l,
    int *r)
{
	while (t >= 0) {
		if (key_lt(c, t, kc, km, ks)) {
			*l = t;
			l = &c->right[t];
			t = c->right[t];
		} else {
			*r = t;
			r = &c->left[t];
			t = c->left[t];
		}
	}
	*l = *r = -1;
}

static int
merge(struct pl_class *c, int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	if (c->prio[a] > c->prio[b]) {
		c->right[a] = merge(c, c->right[a], b);
		return a;
	}
	c->left[b] = merge(c, a, c->left[b]);
	return b;
}

static void
insert(struct pl_class *c, int x)
{
	int *link = &c->root;

	while (*link >= 0 && c->prio[*link] > c->prio[x])
		link = key_lt(c, x, c->key_cores[*link], c->key_mb[*link],
		    *link) ? &c->left[*link] : &c->right[*link];
	split(c, *link, c->key_cores[x], c->key_mb[x], x, &c->left[x],
	    &c->right[x]);
	*link = x;
}

static void
erase(struct pl_class *c, int x)
{
	int *link = &c->root;

	while (*link >= 0 && *link != x)
		link = key_lt(c, x, c->key_cores[*link], c->key_mb[*link],
		    *link) ? &c->left[*link] : &c->right[*link];
	if (*link == x)
		*link = merge(c, c->left[x], c->right[x]);
}

/* The first slot with key >= (kc, km, ks), or -1. */
int
pl_class_lower(const struct pl_class *c, int kc, long long km, int ks)
{
	int t = c->root, best = -1;

	while (t >= 0) {
		if (key_lt(c, t, kc, km, ks))
			t = c->right[t];
		else {
			best = t;
			t = c->left[t];
		}
	}
	return best;
}

/* The last slot with key < (kc, km, ks), or -1. */
int
pl_class_before(const struct pl_class *c, int kc, long long km, int ks)
{
	int t = c->root, best = -1;

	while (t >= 0) {
		if (key_lt(c, t, kc, km, ks)) {
			best = t;
			t = c->right[t];
		} else
			t = c->left[t];
	}
	return best;
}

/* The treap of c, built on first use (first fit never needs it). */
int
pl_class_tree(struct pl_view *v, struct pl_class *c)
{
	int x;

	if (c->has_tree)
		return 0;
	if (!(c->key_cores = malloc(c->nslots * sizeof(int) + 1)) ||
	    !(c->left = malloc(c->nslots * sizeof(int) + 1)) ||
	    !(c->right = malloc(c->nslots * sizeof(int) + 1)) ||
	    !(c->key_mb = malloc(c->nslots * sizeof(long long) + 1)) ||
	    !(c->prio = malloc(c->nslots * sizeof(uint32_t) + 1))) {
		free(c->key_cores);
		free(c->left);
		free(c->right);
		free(c->key_mb);
		c->key_cores = c->left = c->right = NULL;
		c->key_mb = NULL;
		return -1;
	}
	c->root = -1;
	for (x = 0; x < c->nslots; x++) {
		c->key_cores[x] = slot_key_cores(v, c, x);
		c->key_mb[x] = v->ex[c->slot_ex[x]].numa[c->slot_node[x]]
		    .free_mb;
		c->prio[x] = (uint32_t)pl_mix64(c->hash + x);
		c->left[x] = c->right[x] = -1;
		insert(c, x);
	}
	c->has_tree = 1;
	return 0;
}

/*
 * Node (index) node of executor ei changed what it holds: re-key its slot
 * in every class of the executor.
 */
void
pl_index_node_changed(struct pl_view *v, int ei, int node)
{
	struct pl_executor *e = &v->ex[ei];
	struct pl_class *c;
	int k, x;

	for (k = 0; k < e->nclasses; k++) {
		c = e->classes[k].c;
		c->version++;
		if (!c->has_tree)
			continue;
		x = e->classes[k].first_slot + node;
		erase(c, x);
		c->key_cores[x] = slot_key_cores(v, c, x);
		c->key_mb[x] = e->numa[node].free_mb;
		c->left[x] = c->right[x] = -1;
		insert(c, x);
	}
}

/*
 * The class of executors with verdict[i] != PL_FAIL and tiers tier[i],
 * shared when a class with the same members and tiers exists.
 */
struct pl_class *
pl_class_get(struct pl_view *v, const signed char *verdict, const char *tier)
{
	struct pl_index *ix = &v->ix;
	struct pl_class *c;
	struct pl_class_ref *ref;
	struct pl_executor *e;
	uint64_t h = 0x1234567ULL;
	int i, j, n = 0, ns = 0, k;

	for (i = 0; i < v->nex; i++)
		if (verdict[i] != PL_FAIL) {
			h = pl_mix64(h ^ ((uint64_t)i << 1 |
			    (uint64_t)tier[i]));
			n++;
			ns += v->ex[i].nnuma;
		}
	for (k = 0; k < ix->nclasses; k++) {
		c = ix->classes[k];
		if (c->hash != h || c->nmembers != n)
			continue;
		for (j = 0; j < n && verdict[c->members[j]] != PL_FAIL &&
		    c->member_tier[j] == tier[c->members[j]]; j++)
			;
		if (j == n)
			return c;
	}
	if (pl_grow(&ix->classes, &ix->aclasses, ix->nclasses + 1,
	    sizeof *ix->classes) < 0 || !(c = calloc(1, sizeof *c)))
		return NULL;
	ix->classes[ix->nclasses++] = c;
	c->hash = h;
	c->root = -1;
	if (!(c->members = malloc(n * sizeof(int) + 1)) ||
	    !(c->shuffle = malloc(n * sizeof(int) + 1)) ||
	    !(c->slot_ex = malloc(ns * sizeof(int) + 1)) ||
	    !(c->slot_node = malloc(ns * sizeof(int) + 1)) ||
	    !(c->member_tier = malloc(n + 1)) ||
	    !(c->slot_tier = malloc(ns + 1)))
		return NULL;
	for (i = 0; i < v->nex; i++) {
		if (verdict[i] == PL_FAIL)
			continue;
		e = &v->ex[i];
		c->shuffle[c->nmembers] = i;
		c->member_tier[c->nmembers] = tier[i];
		c->members[c->nmembers++] = i;
		if (pl_grow(&e->classes, &e->aclasses, e->nclasses + 1,
		    sizeof *e->classes) < 0)
			return NULL;
		ref = &e->classes[e->nclasses++];
		ref->c = c;
		ref->first_slot = c->nslots;
		for (j = 0; j < e->nnuma; j++) {
			c->slot_tier[c->nslots] = tier[i];
			c->slot_ex[c->nslots] = i;
			c->slot_node[c->nslots++] = j;
		}
	}
	return c;
}
