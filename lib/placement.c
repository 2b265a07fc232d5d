/*
 * placement: see placement.h.  Design (the fast path):
 *
 * Each distinct effective policy (and, for rules that read it, the spec's
 * env) is compiled once per view into a tree of leaves (struct pn).  Its
 * static part (state ACTIVE, tags, rules) is evaluated once per executor
 * in three values (pass, fail, depends on per-host counts); the executors
 * not failing it form a class, shared by every policy with the same member
 * set.  A class keeps its (executor, NUMA node) slots in a treap ordered
 * by (tier, free cores, free memory, slot), tier 1 for executors with a
 * tag the policy does not name (see spare_tags()), slots numbered in
 * (executorId, node) order, so best fit is a lower_bound at (0, cores,
 * memory), then at (1, cores, memory), and spread a walk down from the
 * maximum of each tier; candidates are checked against the dynamic part
 * (ONE_PER_HOST, MAX_N_PER_HOST: counts in a hash keyed by (app, executor))
 * in that order.  After a placement the node's slot is re-keyed in every
 * class holding its executor.  First fit (Drove's) walks an incremental
 * Fisher-Yates shuffle of the class members.  Reasons for a failure come
 * from a full scan, on failure only, cached while nothing in the class or
 * of the app changed (state only shrinks within a view, so a failure
 * stays a failure).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "model.h"
#include "placement.h"
#include "rule.h"

#define PL_LABEL 128

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

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint64_t
strhash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return h;
}

/* Structural hash of a JSON value; object key order does not matter. */
static uint64_t
jhash(const json_t *j)
{
	const char *k;
	json_t *val;
	uint64_t h;
	size_t i;
	double d;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		h = 0x51ed270b27a1ULL;
		json_object_foreach(rd(j), k, val)
			h += mix64(strhash(k) ^ (jhash(val) * 31));
		return h;
	case JSON_ARRAY:
		h = 0xa7b1c3ULL;
		json_array_foreach(rd(j), i, val)
			h = mix64(h ^ jhash(val));
		return h;
	case JSON_STRING:
		return strhash(json_string_value(j));
	case JSON_INTEGER:
		return mix64((uint64_t)json_integer_value(j) + 7);
	case JSON_REAL:
		d = json_real_value(j);
		memcpy(&h, &d, sizeof h);
		return mix64(h + 11);
	case JSON_TRUE:
		return 1;
	case JSON_FALSE:
		return 2;
	default:
		return 3;
	}
}

/* Private state of a view. */

enum { P_ANY, P_ONE, P_MAXN, P_TAG, P_NOTAG, P_RULE, P_AND, P_OR };

struct rres {			/* results of a rule for one env */
	json_t *env;		/* NULL when the rule ignores env */
	signed char *res;	/* per executor: -1 unknown, 0, 1 */
};

struct rent {			/* a compiled rule */
	char *type, *text;
	struct rule *r;
	int env_dep;
	struct rres *rr;
	int nrr;
};

struct pn {			/* compiled policy node */
	int type, max, nsub;
	char *tag;
	signed char *rcache;	/* P_RULE: borrowed from a rres */
	struct rent *rule;
	const json_t *env;	/* P_RULE: the cpol's env */
	struct pn **sub;
};

struct cls {			/* executors passing a static part */
	int nmem, *mex;		/* member executor indices, ascending */
	int *perm;		/* first fit: shuffled members */
	uint64_t hash;
	int nslot, *sx, *sn;	/* slot -> executor index, node index */
	char *mtier, *stier;	/* per member, per slot: 1 deprioritized */
	int *kc, *lc, *rc;	/* treap: key cores, children */
	long long *km;		/* key memory */
	uint32_t *pr;
	int root, has_tree;
	unsigned long long version;
};

struct cpol {			/* a compiled effective policy */
	json_t *policy, *env;	/* copies; env NULL unless a rule reads it */
	uint64_t hash;
	struct pn *root;
	int dyn;		/* has ONE_PER_HOST / MAX_N_PER_HOST */
	struct cls *c;
	signed char *st;	/* per executor static value: 0, 1, 2 */
	/* last failure */
	int f_app, f_cores;
	long long f_mem;
	unsigned long long f_ver, f_appver;
	char *f_why;
	/* exclusions by the static part, for the reasons */
	struct bucket *sb;
	int nsb, sb_done;
};

struct memb {
	struct cls *c;
	int base;
};

struct exx {
	struct memb *m;
	int nm, am;
	json_t *ctx;		/* rule context, lazily */
	char notag;
};

struct app {
	char *name;
	unsigned long long version;
};

struct hent {
	uint64_t h;
	int idx;
};

struct cent {
	uint64_t k;
	int n;
};

struct pl_index {
	int strategy;
	uint64_t rng;
	unsigned long long seed;
	/* executorId -> index (valid in any order of v->ex) */
	struct hent *eh;
	unsigned ecap;
	int sorted;
	/* built lazily by ix_build(), dropped by add/hold */
	int built;
	struct exx *xx;
	int nxx;
	struct app *apps;
	int napps, aapps;
	struct hent *ah;
	unsigned acap;
	struct cent *cnt;
	unsigned ccap, ncnt;
	struct cpol **cp;
	int ncp, acp;
	struct cls **cl;
	int ncl, acl;
	int nactive;
	json_t *empty;		/* {} for a missing env */
	/* survive rebuilds: rules do not depend on the view's counts */
	struct rent **rules;
	int nrules, arules;
};

static int
grow(void *pp, int *alloc, int want, size_t sz)
{
	void **p = pp;
	void *np;
	int n;

	if (want <= *alloc)
		return 0;
	n = *alloc ? *alloc * 2 : 8;
	while (n < want)
		n *= 2;
	if (!(np = realloc(*p, n * sz)))
		return -1;
	*p = np;
	*alloc = n;
	return 0;
}

static uint64_t
rng_next(struct pl_index *ix)
{
	ix->rng += 0x9e3779b97f4a7c15ULL;
	return mix64(ix->rng);
}

/* String tables: open addressing over (hash, index). */
static int
ht_find(const struct hent *t, unsigned cap, const char *s, uint64_t h,
    const char *(*name)(const void *, int), const void *arg)
{
	unsigned i;

	if (!cap)
		return -1;
	for (i = h & (cap - 1); t[i].idx >= 0; i = (i + 1) & (cap - 1))
		if (t[i].h == h && !strcmp(name(arg, t[i].idx), s))
			return t[i].idx;
	return -1;
}

static void
ht_put(struct hent *t, unsigned cap, uint64_t h, int idx)
{
	unsigned i;

	for (i = h & (cap - 1); t[i].idx >= 0; i = (i + 1) & (cap - 1))
		;
	t[i].h = h;
	t[i].idx = idx;
}

static struct hent *
ht_new(unsigned cap)
{
	struct hent *t = malloc(cap * sizeof *t);
	unsigned i;

	if (t)
		for (i = 0; i < cap; i++)
			t[i].idx = -1;
	return t;
}

static const char *
ex_name(const void *arg, int i)
{
	return ((const struct pl_view *)arg)->ex[i].id;
}

static const char *
app_name(const void *arg, int i)
{
	return ((const struct pl_index *)arg)->apps[i].name;
}

static int
eh_rebuild(struct pl_view *v)
{
	struct pl_index *ix = v->ix;
	unsigned cap = 16;
	int i;

	while (cap < (unsigned)v->nex * 2 + 2)
		cap *= 2;
	free(ix->eh);
	ix->ecap = 0;
	if (!(ix->eh = ht_new(cap)))
		return -1;
	ix->ecap = cap;
	for (i = 0; i < v->nex; i++)
		ht_put(ix->eh, cap, strhash(v->ex[i].id), i);
	return 0;
}

static int
app_intern(struct pl_index *ix, const char *name)
{
	uint64_t h = strhash(name);
	struct hent *nt;
	unsigned cap, i;
	int k;

	if ((k = ht_find(ix->ah, ix->acap, name, h, app_name, ix)) >= 0)
		return k;
	if ((unsigned)(ix->napps + 1) * 2 > ix->acap) {
		cap = ix->acap ? ix->acap * 2 : 64;
		if (!(nt = ht_new(cap)))
			return -1;
		for (i = 0; i < ix->acap; i++)
			if (ix->ah[i].idx >= 0)
				ht_put(nt, cap, ix->ah[i].h, ix->ah[i].idx);
		free(ix->ah);
		ix->ah = nt;
		ix->acap = cap;
	}
	if (grow(&ix->apps, &ix->aapps, ix->napps + 1, sizeof *ix->apps) < 0)
		return -1;
	if (!(ix->apps[ix->napps].name = strdup(name)))
		return -1;
	ix->apps[ix->napps].version = 0;
	ht_put(ix->ah, ix->acap, h, ix->napps);
	return ix->napps++;
}

/* Per (app, executor) instance counts. */
static uint64_t
cnt_key(int app, int ex)
{
	return ((uint64_t)(app + 1) << 32) | (uint32_t)ex;
}

static int
cnt_get(const struct pl_index *ix, int app, int ex)
{
	uint64_t k = cnt_key(app, ex);
	unsigned i;

	if (!ix->ccap || app < 0)
		return 0;
	for (i = mix64(k) & (ix->ccap - 1); ix->cnt[i].k;
	    i = (i + 1) & (ix->ccap - 1))
		if (ix->cnt[i].k == k)
			return ix->cnt[i].n;
	return 0;
}

static int
cnt_add(struct pl_index *ix, int app, int ex, int n)
{
	uint64_t k = cnt_key(app, ex);
	unsigned i, cap, j;
	struct cent *nt;

	if ((ix->ncnt + 1) * 2 > ix->ccap) {
		cap = ix->ccap ? ix->ccap * 2 : 1024;
		if (!(nt = calloc(cap, sizeof *ix->cnt)))
			return -1;
		for (j = 0; j < ix->ccap; j++) {
			if (!ix->cnt[j].k)
				continue;
			for (i = mix64(ix->cnt[j].k) & (cap - 1);
			    nt[i].k; i = (i + 1) & (cap - 1))
				;
			nt[i] = ix->cnt[j];
		}
		free(ix->cnt);
		ix->cnt = nt;
		ix->ccap = cap;
	}
	for (i = mix64(k) & (ix->ccap - 1); ix->cnt[i].k;
	    i = (i + 1) & (ix->ccap - 1))
		if (ix->cnt[i].k == k) {
			ix->cnt[i].n += n;
			return 0;
		}
	ix->cnt[i].k = k;
	ix->cnt[i].n = n;
	ix->ncnt++;
	return 0;
}

/* The view. */

static void ix_drop(struct pl_index *ix);

struct pl_view *
pl_view_new(void)
{
	struct pl_view *v = calloc(1, sizeof *v);

	if (!v)
		return NULL;
	if (!(v->ix = calloc(1, sizeof *v->ix))) {
		free(v);
		return NULL;
	}
	v->ix->sorted = 1;
	return v;
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
	json_decref(e->metadata);
	memset(e, 0, sizeof *e);
}

static void
rent_free(struct rent *r)
{
	int i;

	if (!r)
		return;
	free(r->type);
	free(r->text);
	rule_free(r->r);
	for (i = 0; i < r->nrr; i++) {
		json_decref(r->rr[i].env);
		free(r->rr[i].res);
	}
	free(r->rr);
	free(r);
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
	if (v->ix) {
		ix_drop(v->ix);
		for (i = 0; i < v->ix->nrules; i++)
			rent_free(v->ix->rules[i]);
		free(v->ix->rules);
		free(v->ix->eh);
		free(v->ix);
	}
	free(v);
}

static int
ex_index(const struct pl_view *v, const char *id)
{
	return ht_find(v->ix->eh, v->ix->ecap, id, strhash(id), ex_name, v);
}

struct pl_executor *
pl_view_find(const struct pl_view *v, const char *id)
{
	int i = ex_index(v, id);

	return i < 0 ? NULL : &v->ex[i];
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
		n->total = n->nfree;
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
	json_t *layout = json_object_get(st, "layout"), *tags, *t, *md;
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
	md = json_object_get(node, "metadata");
	e->metadata = json_is_object(md) ? json_incref(md) : json_object();
	if (!e->metadata)
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
	int saved;

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
	ix_drop(v->ix);
	if (v->nex && strcmp(v->ex[v->nex - 1].id, e.id) > 0)
		v->ix->sorted = 0;
	v->ex[v->nex++] = e;
	if ((unsigned)v->nex * 2 + 2 > v->ix->ecap) {
		if (eh_rebuild(v) < 0) {
			errno = ENOMEM;
			return -1;
		}
	} else
		ht_put(v->ix->eh, v->ix->ecap, strhash(e.id), v->nex - 1);
	return 0;
}

static int
cmp_ex(const void *a, const void *b)
{
	return strcmp(((const struct pl_executor *)a)->id,
	    ((const struct pl_executor *)b)->id);
}

static int
view_sort(struct pl_view *v)
{
	if (v->ix->sorted)
		return 0;
	qsort(v->ex, v->nex, sizeof *v->ex, cmp_ex);
	v->ix->sorted = 1;
	return eh_rebuild(v);
}

static void
take_core(struct pl_numa *n, int id)
{
	int lo = 0, hi = n->nfree - 1, mid;

	while (lo <= hi) {
		mid = (lo + hi) / 2;
		if (n->free[mid] == id) {
			memmove(&n->free[mid], &n->free[mid + 1],
			    (n->nfree - mid - 1) * sizeof(int));
			n->nfree--;
			return;
		}
		if (n->free[mid] < id)
			lo = mid + 1;
		else
			hi = mid - 1;
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
	ix_drop(v->ix);
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

int
pl_strategy_parse(const char *name)
{
	if (!strcasecmp(name, "best") || !strcasecmp(name, "bestfit") ||
	    !strcasecmp(name, "best-fit"))
		return PL_BEST_FIT;
	if (!strcasecmp(name, "spread"))
		return PL_SPREAD;
	if (!strcasecmp(name, "firstfit") || !strcasecmp(name, "first-fit") ||
	    !strcasecmp(name, "first"))
		return PL_FIRST_FIT;
	return -1;
}

int
pl_view_set_strategy(struct pl_view *v, int strategy,
    unsigned long long seed)
{
	if (strategy != PL_BEST_FIT && strategy != PL_SPREAD &&
	    strategy != PL_FIRST_FIT) {
		errno = EINVAL;
		return -1;
	}
	v->ix->strategy = strategy;
	v->ix->seed = seed;
	v->ix->rng = mix64(seed ^ 0x5eed5eedULL);
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

static void
pn_free(struct pn *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; i < p->nsub; i++)
		pn_free(p->sub[i]);
	free(p->sub);
	free(p->tag);
	free(p);
}

/* The results of rule r for env in this build of the view. */
static struct rres *
rule_results(struct pl_view *v, struct rent *r, const json_t *env)
{
	struct rres *rr;
	int i;

	for (i = 0; i < r->nrr; i++)
		if (!r->env_dep || json_equal(r->rr[i].env, rd(env)))
			return &r->rr[i];
	rr = realloc(r->rr, (r->nrr + 1) * sizeof *rr);
	if (!rr)
		return NULL;
	r->rr = rr;
	rr = &r->rr[r->nrr];
	rr->env = NULL;
	if (!(rr->res = malloc(v->nex + 1)))
		return NULL;
	memset(rr->res, -1, v->nex + 1);
	if (r->env_dep && !(rr->env = json_deep_copy(env))) {
		free(rr->res);
		return NULL;
	}
	r->nrr++;
	return rr;
}

static struct rent *
rule_get(struct pl_view *v, const char *type, const char *text, char *err)
{
	struct pl_index *ix = v->ix;
	char msg[PL_LABEL];
	struct rent *r;
	int i;

	for (i = 0; i < ix->nrules; i++)
		if (!strcasecmp(ix->rules[i]->type, type) &&
		    !strcmp(ix->rules[i]->text, text))
			return ix->rules[i];
	if (!(r = calloc(1, sizeof *r)))
		return NULL;
	if (!(r->r = rule_compile(type, text, msg, sizeof msg))) {
		if (errno != ENOMEM) {
			snprintf(err, PL_LABEL, "RULE_BASED: %.100s", msg);
			errno = EINVAL;
		}
		free(r);
		return NULL;
	}
	r->env_dep = strstr(text, "applicationEnvironment") != NULL;
	if (!(r->type = strdup(type)) || !(r->text = strdup(text)) ||
	    grow(&ix->rules, &ix->arules, ix->nrules + 1,
	    sizeof *ix->rules) < 0) {
		rent_free(r);
		errno = ENOMEM;
		return NULL;
	}
	ix->rules[ix->nrules++] = r;
	return r;
}

/*
 * Compile p.  NULL with errno EINVAL (err says why) or ENOMEM.  *dyn is
 * set if per-host counts matter, *envdep if a rule reads the env.
 */
static struct pn *
pn_compile(struct pl_view *v, const json_t *p, const json_t *env, int *dyn,
    int *envdep, char *err)
{
	const char *t = js_str(p, "type", NULL), *comb, *rt, *text;
	struct pn *n;
	struct rres *rr;
	json_t *subs, *sub;
	long long max;
	size_t i;

	if (!(n = calloc(1, sizeof *n)))
		goto nomem;
	if (!p || json_is_null(p) || ptype_is(p, "ANY") ||
	    ptype_is(p, "LOCAL")) {
		n->type = P_ANY;
		return n;
	}
	if (!json_is_object(p) || !t) {
		snprintf(err, PL_LABEL, "placement policy without a type");
		goto inval;
	}
	if (!strcasecmp(t, "ONE_PER_HOST")) {
		n->type = P_ONE;
		*dyn = 1;
	} else if (!strcasecmp(t, "MAX_N_PER_HOST")) {
		max = js_int(p, "max", -1);
		if (max < 1 || max > 64) {
			snprintf(err, PL_LABEL,
			    "MAX_N_PER_HOST needs max between 1 and 64");
			goto inval;
		}
		n->type = P_MAXN;
		n->max = (int)max;
		*dyn = 1;
	} else if (!strcasecmp(t, "MATCH_TAG")) {
		t = js_str(p, "tag", "");
		if (!*t) {
			snprintf(err, PL_LABEL, "MATCH_TAG needs a tag");
			goto inval;
		}
		n->type = P_TAG;
		if (!(n->tag = strdup(t)))
			goto nomem;
	} else if (!strcasecmp(t, "NO_TAG")) {
		n->type = P_NOTAG;
	} else if (!strcasecmp(t, "RULE_BASED")) {
		rt = js_str(p, "ruleType", "");
		text = js_str(p, "rule", "");
		if (!*text || (strcasecmp(rt, "MVEL") &&
		    strcasecmp(rt, "HOPE"))) {
			snprintf(err, PL_LABEL, "RULE_BASED needs ruleType "
			    "MVEL or HOPE and a rule");
			goto inval;
		}
		n->type = P_RULE;
		if (!(n->rule = rule_get(v, rt, text, err))) {
			free(n);
			return NULL;
		}
		if (!(rr = rule_results(v, n->rule, env)))
			goto nomem;
		n->rcache = rr->res;
		n->env = rr->env;
		if (n->rule->env_dep)
			*envdep = 1;
	} else if (!strcasecmp(t, "COMPOSITE")) {
		comb = js_str(p, "combiner", "AND");
		subs = json_object_get(p, "policies");
		if (!json_is_array(subs) || !json_array_size(subs) ||
		    (strcasecmp(comb, "AND") && strcasecmp(comb, "OR"))) {
			snprintf(err, PL_LABEL, "COMPOSITE needs policies "
			    "and a combiner AND or OR");
			goto inval;
		}
		n->type = strcasecmp(comb, "OR") ? P_AND : P_OR;
		if (!(n->sub = calloc(json_array_size(subs), sizeof *n->sub)))
			goto nomem;
		json_array_foreach(subs, i, sub) {
			if (!(n->sub[n->nsub] = pn_compile(v, sub, env, dyn,
			    envdep, err))) {
				pn_free(n);
				return NULL;
			}
			n->nsub++;
		}
	} else {
		snprintf(err, PL_LABEL, "unknown placement policy type '%s'",
		    t);
		goto inval;
	}
	return n;
inval:
	pn_free(n);
	errno = EINVAL;
	return NULL;
nomem:
	pn_free(n);
	errno = ENOMEM;
	return NULL;
}

static json_t *
rule_ctx(struct pl_view *v, int ei)
{
	struct exx *x = &v->ix->xx[ei];
	struct pl_executor *e = &v->ex[ei];
	json_t *tags;
	int i;

	if (x->ctx)
		return x->ctx;
	if (!(tags = json_array()))
		return NULL;
	for (i = 0; i < e->ntags; i++)
		json_array_append_new(tags, json_string(e->tags[i]));
	x->ctx = json_pack("{s:s, s:O, s:{}, s:{}, s:s, s:o}",
	    "executorNodeId", e->id, "allocatedExecutorNodeMetadata",
	    e->metadata, "allExecutorMetadata", "applicationEnvironment",
	    "hostname", e->hostname, "tags", tags);
	return x->ctx;
}

static int
rule_val(struct pl_view *v, const struct pn *p, int ei)
{
	json_t *ctx, *env;
	int r;

	if (p->rcache[ei] >= 0)
		return p->rcache[ei];
	if (!(ctx = rule_ctx(v, ei)))
		return 0;	/* out of memory: not eligible */
	if (p->rule->env_dep) {
		env = p->env && json_is_object(p->env) ? rd(p->env) :
		    json_object();
		if (env == p->env)
			json_incref(env);
		json_object_set_new(ctx, "applicationEnvironment", env);
	}
	r = rule_eval(p->rule->r, ctx) == 1;
	p->rcache[ei] = (signed char)r;
	return r;
}

/* Static value: 1 passes, 0 fails, 2 depends on per-host counts. */
static int
pn_static(struct pl_view *v, const struct pn *p, int ei)
{
	int i, s, r;

	switch (p->type) {
	case P_ANY:
		return 1;
	case P_ONE:
	case P_MAXN:
		return 2;
	case P_TAG:
		return has_tag(&v->ex[ei], p->tag);
	case P_NOTAG:
		return v->ix->xx[ei].notag;
	case P_RULE:
		return rule_val(v, p, ei);
	case P_AND:
		r = 1;
		for (i = 0; i < p->nsub; i++) {
			if (!(s = pn_static(v, p->sub[i], ei)))
				return 0;
			if (s == 2)
				r = 2;
		}
		return r;
	default:
		r = 0;
		for (i = 0; i < p->nsub; i++) {
			if ((s = pn_static(v, p->sub[i], ei)) == 1)
				return 1;
			if (s == 2)
				r = 2;
		}
		return r;
	}
}

/* Full value for app; label (PL_LABEL bytes or NULL) says what excluded. */
static int
pn_eval(struct pl_view *v, const struct pn *p, int ei, int app,
    char *label)
{
	char sub_label[PL_LABEL];
	size_t n;
	int i, r;

	switch (p->type) {
	case P_ANY:
		return 1;
	case P_ONE:
		if (label)
			snprintf(label, PL_LABEL, "ONE_PER_HOST");
		return cnt_get(v->ix, app, ei) == 0;
	case P_MAXN:
		if (label)
			snprintf(label, PL_LABEL, "MAX_N_PER_HOST(%d)",
			    p->max);
		return cnt_get(v->ix, app, ei) < p->max;
	case P_TAG:
		if (label)
			snprintf(label, PL_LABEL, "MATCH_TAG(%s)", p->tag);
		return has_tag(&v->ex[ei], p->tag);
	case P_NOTAG:
		if (label)
			snprintf(label, PL_LABEL, "NO_TAG");
		return v->ix->xx[ei].notag;
	case P_RULE:
		if (label)
			snprintf(label, PL_LABEL, "RULE_BASED(%s)",
			    p->rule->text);
		return rule_val(v, p, ei);
	case P_AND:
		for (i = 0; i < p->nsub; i++)
			if (!pn_eval(v, p->sub[i], ei, app, label))
				return 0;
		return 1;
	default:
		if (label)
			label[0] = '\0';
		for (i = 0; i < p->nsub; i++) {
			r = pn_eval(v, p->sub[i], ei, app,
			    label ? sub_label : NULL);
			if (r)
				return 1;
			if (label) {
				n = strlen(label);
				snprintf(label + n, PL_LABEL - n, "%s%s",
				    n ? " OR " : "(", sub_label);
			}
		}
		if (label && (n = strlen(label)) + 1 < PL_LABEL)
			strcat(label, ")");
		return 0;
	}
}

/* Classes and their treaps ordered by (free cores, free memory, slot). */

static void
cls_free(struct cls *c)
{
	if (!c)
		return;
	free(c->mex);
	free(c->perm);
	free(c->sx);
	free(c->sn);
	free(c->mtier);
	free(c->stier);
	free(c->kc);
	free(c->lc);
	free(c->rc);
	free(c->km);
	free(c->pr);
	free(c);
}

/*
 * A slot's key: (tier * TIER + free cores, free memory, slot); tier 1
 * for executors with a tag the class's policy does not name: best fit and
 * spread try them last and keep tagged capacity for the policies asking
 * for it.
 */
#define TIER (1 << 24)
static int
slot_cores(const struct pl_view *v, const struct cls *c, int x)
{
	return (c->stier[x] ? TIER : 0) +
	    v->ex[c->sx[x]].numa[c->sn[x]].nfree;
}

/* key(a) < (kc, km, ks) */
static int
key_lt(const struct cls *c, int a, int kc, long long km, int ks)
{
	if (c->kc[a] != kc)
		return c->kc[a] < kc;
	if (c->km[a] != km)
		return c->km[a] < km;
	return a < ks;
}

static void
t_split(struct cls *c, int t, int kc, long long km, int ks, int *l, int *r)
{
	while (t >= 0) {
		if (key_lt(c, t, kc, km, ks)) {
			*l = t;
			l = &c->rc[t];
			t = c->rc[t];
		} else {
			*r = t;
			r = &c->lc[t];
			t = c->lc[t];
		}
	}
	*l = *r = -1;
}

static int
t_merge(struct cls *c, int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	if (c->pr[a] > c->pr[b]) {
		c->rc[a] = t_merge(c, c->rc[a], b);
		return a;
	}
	c->lc[b] = t_merge(c, a, c->lc[b]);
	return b;
}

static void
t_insert(struct cls *c, int x)
{
	int *link = &c->root;

	while (*link >= 0 && c->pr[*link] > c->pr[x])
		link = key_lt(c, x, c->kc[*link], c->km[*link], *link) ?
		    &c->lc[*link] : &c->rc[*link];
	t_split(c, *link, c->kc[x], c->km[x], x, &c->lc[x], &c->rc[x]);
	*link = x;
}

static void
t_erase(struct cls *c, int x)
{
	int *link = &c->root;

	while (*link >= 0 && *link != x)
		link = key_lt(c, x, c->kc[*link], c->km[*link], *link) ?
		    &c->lc[*link] : &c->rc[*link];
	if (*link == x)
		*link = t_merge(c, c->lc[x], c->rc[x]);
}

/* First slot with key >= (kc, km, ks), or -1. */
static int
t_lower(const struct cls *c, int kc, long long km, int ks)
{
	int t = c->root, best = -1;

	while (t >= 0) {
		if (key_lt(c, t, kc, km, ks))
			t = c->rc[t];
		else {
			best = t;
			t = c->lc[t];
		}
	}
	return best;
}

/* Last slot with key < (kc, km, ks), or -1. */
static int
t_before(const struct cls *c, int kc, long long km, int ks)
{
	int t = c->root, best = -1;

	while (t >= 0) {
		if (key_lt(c, t, kc, km, ks)) {
			best = t;
			t = c->rc[t];
		} else
			t = c->lc[t];
	}
	return best;
}

static int
cls_tree(struct pl_view *v, struct cls *c)
{
	struct pl_numa *n;
	int x;

	if (c->has_tree)
		return 0;
	if (!(c->kc = malloc(c->nslot * sizeof(int) + 1)) ||
	    !(c->lc = malloc(c->nslot * sizeof(int) + 1)) ||
	    !(c->rc = malloc(c->nslot * sizeof(int) + 1)) ||
	    !(c->km = malloc(c->nslot * sizeof(long long) + 1)) ||
	    !(c->pr = malloc(c->nslot * sizeof(uint32_t) + 1)))
		return -1;
	c->root = -1;
	for (x = 0; x < c->nslot; x++) {
		n = &v->ex[c->sx[x]].numa[c->sn[x]];
		c->kc[x] = slot_cores(v, c, x);
		c->km[x] = n->mem_mb;
		c->pr[x] = (uint32_t)mix64(c->hash + x);
		c->lc[x] = c->rc[x] = -1;
		t_insert(c, x);
	}
	c->has_tree = 1;
	return 0;
}

/* The class of executors with st[i] != 0, shared when the set matches. */
static struct cls *
cls_get(struct pl_view *v, const signed char *st, const char *tier)
{
	struct pl_index *ix = v->ix;
	struct cls *c;
	uint64_t h = 0x1234567ULL;
	struct memb *m;
	int i, j, n = 0, ns = 0, k;

	for (i = 0; i < v->nex; i++)
		if (st[i]) {
			h = mix64(h ^ ((uint64_t)i << 1 | (uint64_t)tier[i]));
			n++;
			ns += v->ex[i].nnuma;
		}
	for (k = 0; k < ix->ncl; k++) {
		c = ix->cl[k];
		if (c->hash != h || c->nmem != n)
			continue;
		for (j = 0; j < n && st[c->mex[j]] &&
		    c->mtier[j] == tier[c->mex[j]]; j++)
			;
		if (j == n)
			return c;
	}
	if (grow(&ix->cl, &ix->acl, ix->ncl + 1, sizeof *ix->cl) < 0 ||
	    !(c = calloc(1, sizeof *c)))
		return NULL;
	ix->cl[ix->ncl++] = c;
	c->hash = h;
	c->root = -1;
	if (!(c->mex = malloc(n * sizeof(int) + 1)) ||
	    !(c->perm = malloc(n * sizeof(int) + 1)) ||
	    !(c->sx = malloc(ns * sizeof(int) + 1)) ||
	    !(c->sn = malloc(ns * sizeof(int) + 1)) ||
	    !(c->mtier = malloc(n + 1)) || !(c->stier = malloc(ns + 1)))
		return NULL;
	for (i = 0; i < v->nex; i++) {
		if (!st[i])
			continue;
		c->perm[c->nmem] = i;
		c->mtier[c->nmem] = tier[i];
		c->mex[c->nmem++] = i;
		if (grow(&ix->xx[i].m, &ix->xx[i].am, ix->xx[i].nm + 1,
		    sizeof *m) < 0)
			return NULL;
		m = &ix->xx[i].m[ix->xx[i].nm++];
		m->c = c;
		m->base = c->nslot;
		for (j = 0; j < v->ex[i].nnuma; j++) {
			c->stier[c->nslot] = tier[i];
			c->sx[c->nslot] = i;
			c->sn[c->nslot++] = j;
		}
	}
	return c;
}

static void
cpol_free(struct cpol *cp)
{
	if (!cp)
		return;
	json_decref(cp->policy);
	json_decref(cp->env);
	pn_free(cp->root);
	free(cp->st);
	free(cp->f_why);
	free(cp->sb);
	free(cp);
}

static void
ix_drop(struct pl_index *ix)
{
	int i, j;

	if (!ix->built)
		return;
	for (i = 0; i < ix->ncp; i++)
		cpol_free(ix->cp[i]);
	free(ix->cp);
	for (i = 0; i < ix->ncl; i++)
		cls_free(ix->cl[i]);
	free(ix->cl);
	for (i = 0; ix->xx && i < ix->nxx; i++) {
		free(ix->xx[i].m);
		json_decref(ix->xx[i].ctx);
	}
	free(ix->xx);
	for (i = 0; i < ix->napps; i++)
		free(ix->apps[i].name);
	free(ix->apps);
	free(ix->ah);
	free(ix->cnt);
	json_decref(ix->empty);
	for (i = 0; i < ix->nrules; i++) {
		for (j = 0; j < ix->rules[i]->nrr; j++) {
			json_decref(ix->rules[i]->rr[j].env);
			free(ix->rules[i]->rr[j].res);
		}
		free(ix->rules[i]->rr);
		ix->rules[i]->rr = NULL;
		ix->rules[i]->nrr = 0;
	}
	ix->cp = NULL;
	ix->ncp = ix->acp = 0;
	ix->cl = NULL;
	ix->ncl = ix->acl = 0;
	ix->xx = NULL;
	ix->nxx = 0;
	ix->apps = NULL;
	ix->napps = ix->aapps = 0;
	ix->ah = NULL;
	ix->acap = 0;
	ix->cnt = NULL;
	ix->ccap = ix->ncnt = 0;
	ix->empty = NULL;
	ix->built = 0;
}

static int
ix_build(struct pl_view *v)
{
	struct pl_index *ix = v->ix;
	struct pl_executor *e;
	int i, j, a;

	if (ix->built)
		return 0;
	if (view_sort(v) < 0)
		return -1;
	ix->built = 1;		/* from here ix_drop() cleans up */
	ix->nactive = 0;
	if (!(ix->empty = json_object()) ||
	    !(ix->xx = calloc(v->nex + 1, sizeof *ix->xx)))
		goto nomem;
	ix->nxx = v->nex;
	for (i = 0; i < v->nex; i++) {
		e = &v->ex[i];
		ix->xx[i].notag = (char)no_tag(e);
		if (!strcmp(e->state, "ACTIVE"))
			ix->nactive++;
		for (j = 0; j < e->ncounts; j++) {
			if ((a = app_intern(ix, e->counts[j].app_id)) < 0 ||
			    cnt_add(ix, a, i, e->counts[j].n) < 0)
				goto nomem;
		}
	}
	return 0;
nomem:
	ix_drop(ix);
	errno = ENOMEM;
	return -1;
}

/* 1 if p names tag in a MATCH_TAG. */
static int
pn_names(const struct pn *p, const char *tag)
{
	int i;

	if (p->type == P_TAG)
		return !strcmp(p->tag, tag);
	for (i = 0; i < p->nsub; i++)
		if (pn_names(p->sub[i], tag))
			return 1;
	return 0;
}

static int
pn_has_rule(const struct pn *p)
{
	int i;

	if (p->type == P_RULE)
		return 1;
	for (i = 0; i < p->nsub; i++)
		if (pn_has_rule(p->sub[i]))
			return 1;
	return 0;
}

/*
 * 1 if e has a tag (besides its hostname) that p does not ask for by a
 * MATCH_TAG, any tag if p has a rule (a rule on metadata does not ask for
 * tagged capacity): best fit and spread place there last, keeping tagged
 * executors for the policies that can only go there.
 */
static int
spare_tags(const struct pl_executor *e, const struct pn *p)
{
	int i, rule = pn_has_rule(p);

	for (i = 0; i < e->ntags; i++)
		if (strcmp(e->tags[i], e->hostname) &&
		    (rule || !pn_names(p, e->tags[i])))
			return 1;
	return 0;
}

/* The compiled effective policy for (policy, env); NULL EINVAL/ENOMEM. */
static struct cpol *
cpol_get(struct pl_view *v, const json_t *policy, const json_t *env,
    char *err)
{
	struct pl_index *ix = v->ix;
	struct cpol *cp;
	char *tier;
	struct pn *root, *nt;
	uint64_t h;
	int i, dyn = 0, envdep = 0;

	if (!policy)
		policy = json_null();
	if (!env || !json_is_object(env))
		env = ix->empty;
	h = jhash(policy);
	for (i = 0; i < ix->ncp; i++) {
		cp = ix->cp[i];
		if (cp->hash == h && json_equal(cp->policy, rd(policy)) &&
		    (!cp->env || json_equal(cp->env, rd(env))))
			return cp;
	}
	if (!(root = pn_compile(v, policy, env, &dyn, &envdep, err)))
		return NULL;
	if (!policy_targets(policy)) {
		/* drove.md §1.2: AND(policy, NO_TAG) */
		if (!(nt = calloc(1, sizeof *nt)) ||
		    !(nt->sub = calloc(2, sizeof *nt->sub))) {
			free(nt);
			pn_free(root);
			goto nomem;
		}
		nt->type = P_AND;
		nt->sub[0] = root;
		nt->nsub = 1;
		root = nt;
		if (!(nt->sub[1] = calloc(1, sizeof *nt->sub[1]))) {
			pn_free(root);
			goto nomem;
		}
		nt->sub[1]->type = P_NOTAG;
		nt->nsub = 2;
	}
	if (!(cp = calloc(1, sizeof *cp))) {
		pn_free(root);
		goto nomem;
	}
	cp->root = root;
	cp->hash = h;
	cp->dyn = dyn;
	cp->f_app = -1;
	if (!(cp->policy = json_deep_copy(policy)) ||
	    (envdep && !(cp->env = json_deep_copy(env))) ||
	    !(cp->st = malloc(v->nex + 1)) ||
	    grow(&ix->cp, &ix->acp, ix->ncp + 1, sizeof *ix->cp) < 0) {
		cpol_free(cp);
		goto nomem;
	}
	for (i = 0; i < v->nex; i++)
		cp->st[i] = strcmp(v->ex[i].state, "ACTIVE") ? 0 :
		    (signed char)pn_static(v, root, i);
	if (!(tier = malloc(v->nex + 1))) {
		cpol_free(cp);
		goto nomem;
	}
	for (i = 0; i < v->nex; i++)
		tier[i] = (char)(cp->st[i] && spare_tags(&v->ex[i], root));
	cp->c = cls_get(v, cp->st, tier);
	free(tier);
	if (!cp->c) {
		cpol_free(cp);
		goto nomem;
	}
	ix->cp[ix->ncp++] = cp;
	return cp;
nomem:
	errno = ENOMEM;
	return NULL;
}

/* Placing. */

struct bucket {
	char label[PL_LABEL];
	int n, first;		/* count, first executor index */
};

static int
bucket_add(struct bucket **b, int *nb, const char *label, int n,
    int first)
{
	struct bucket *nbk;
	int i;

	for (i = 0; i < *nb; i++)
		if (!strcmp((*b)[i].label, label)) {
			(*b)[i].n += n;
			if (first < (*b)[i].first)
				(*b)[i].first = first;
			return 0;
		}
	nbk = realloc(*b, (*nb + 1) * sizeof *nbk);
	if (!nbk)
		return -1;
	*b = nbk;
	snprintf(nbk[*nb].label, PL_LABEL, "%s", label);
	nbk[*nb].first = first;
	nbk[(*nb)++].n = n;
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
cmp_bucket(const void *a, const void *b)
{
	return cmp_int(&((const struct bucket *)a)->first,
	    &((const struct bucket *)b)->first);
}

/*
 * The exclusions by the static part of cp (tags, rules: fixed for the
 * view), labelled with per-host limits taken as passing.
 */
static int
static_reasons(struct pl_view *v, struct cpol *cp)
{
	char label[PL_LABEL];
	int i;

	if (cp->sb_done)
		return 0;
	for (i = 0; i < v->nex; i++) {
		if (cp->st[i] || strcmp(v->ex[i].state, "ACTIVE"))
			continue;
		pn_eval(v, cp->root, i, -1, label);
		if (bucket_add(&cp->sb, &cp->nsb, label, 1, i) < 0)
			return -1;
	}
	cp->sb_done = 1;
	return 0;
}

/*
 * The reasons nothing fits: static exclusions counted once per policy,
 * then a scan of the class (per-host limits, cores, memory), cached while
 * nothing in the class or of the app changed.
 */
static int
reasons(struct pl_view *v, struct cpol *cp, int app,
    const struct pl_request *rq, struct pl_result *res)
{
	struct pl_index *ix = v->ix;
	struct bucket *pol = NULL;
	struct pl_executor *e;
	struct pl_numa *n;
	char label[PL_LABEL], what[PL_LABEL + 32];
	int npol = 0, lack_cores = 0, lack_mem = 0;
	int i, j, k, cores_ok, fits, first = 1;

	if (cp->f_why && cp->f_app == app && cp->f_cores == rq->cores &&
	    cp->f_mem == rq->memory_mb && cp->f_ver == cp->c->version &&
	    cp->f_appver == ix->apps[app].version) {
		snprintf(res->why, sizeof res->why, "%s", cp->f_why);
		return 0;
	}
	if (static_reasons(v, cp) < 0)
		goto nomem;
	if (cp->nsb) {
		if (!(pol = malloc(cp->nsb * sizeof *pol)))
			goto nomem;
		memcpy(pol, cp->sb, cp->nsb * sizeof *pol);
		npol = cp->nsb;
	}
	for (k = 0; k < cp->c->nmem; k++) {
		i = cp->c->mex[k];
		e = &v->ex[i];
		if (cp->st[i] == 2 && !pn_eval(v, cp->root, i, app, label)) {
			if (bucket_add(&pol, &npol, label, 1, i) < 0)
				goto nomem;
			continue;
		}
		cores_ok = fits = 0;
		for (j = 0; j < e->nnuma; j++) {
			n = &e->numa[j];
			if (n->nfree < rq->cores)
				continue;
			cores_ok = 1;
			if (n->mem_mb >= rq->memory_mb)
				fits = 1;
		}
		if (!cores_ok)
			lack_cores++;
		else if (!fits)
			lack_mem++;
	}
	qsort(pol, npol, sizeof *pol, cmp_bucket);
	snprintf(res->why, sizeof res->why, "0 of %d executors", v->nex);
	for (i = 0; i < npol; i++) {
		snprintf(what, sizeof what, "excluded by %s", pol[i].label);
		why_add(res->why, sizeof res->why, &first, pol[i].n, what);
	}
	snprintf(what, sizeof what, "lack %d free cores on one NUMA node",
	    rq->cores);
	why_add(res->why, sizeof res->why, &first, lack_cores, what);
	snprintf(what, sizeof what, "lack %lld MB of memory on one NUMA "
	    "node", rq->memory_mb);
	why_add(res->why, sizeof res->why, &first, lack_mem, what);
	why_add(res->why, sizeof res->why, &first, v->nex - ix->nactive,
	    "not ACTIVE");
	free(pol);
	free(cp->f_why);
	if ((cp->f_why = strdup(res->why))) {
		cp->f_app = app;
		cp->f_cores = rq->cores;
		cp->f_mem = rq->memory_mb;
		cp->f_ver = cp->c->version;
		cp->f_appver = ix->apps[app].version;
	}
	return 0;
nomem:
	free(pol);
	errno = ENOMEM;
	return -1;
}

static int
dyn_ok(struct pl_view *v, const struct cpol *cp, int ei, int app)
{
	return !cp->dyn || cp->st[ei] == 1 ||
	    pn_eval(v, cp->root, ei, app, NULL);
}

/* Best fit: the slot with the smallest (cores, memory, slot) that fits. */
static int
pick_best(struct pl_view *v, struct cpol *cp, int app,
    const struct pl_request *rq)
{
	struct cls *c = cp->c;
	int x, tier;

	for (tier = 0; tier < 2 * TIER; tier += TIER) {
		x = t_lower(c, tier + rq->cores, rq->memory_mb, -1);
		while (x >= 0 && c->kc[x] < tier + TIER) {
			if (c->km[x] < rq->memory_mb) {
				x = t_lower(c, c->kc[x], rq->memory_mb, -1);
				continue;
			}
			if (dyn_ok(v, cp, c->sx[x], app))
				return x;
			x = t_lower(c, c->kc[x], c->km[x], x + 1);
		}
	}
	return -1;
}

/* Spread: the slot with the largest (cores, memory, slot) that fits. */
static int
pick_spread(struct pl_view *v, struct cpol *cp, int app,
    const struct pl_request *rq)
{
	struct cls *c = cp->c;
	int x, tier;

	for (tier = 0; tier < 2 * TIER; tier += TIER) {
		x = t_before(c, tier + TIER, LLONG_MIN, -1);
		while (x >= 0 && c->kc[x] >= tier + rq->cores) {
			if (c->km[x] < rq->memory_mb) {
				/* the rest of this core count has less memory */
				x = t_before(c, c->kc[x], LLONG_MIN, -1);
				continue;
			}
			if (dyn_ok(v, cp, c->sx[x], app))
				return x;
			x = t_before(c, c->kc[x], c->km[x], x);
		}
	}
	return -1;
}

/* Drove: shuffled executors, the first that fits, its first fitting node. */
static int
pick_first(struct pl_view *v, struct cpol *cp, int app,
    const struct pl_request *rq, int *node)
{
	struct cls *c = cp->c;
	struct pl_executor *e;
	int k, j, t, ei;

	for (k = 0; k < c->nmem; k++) {
		j = k + (int)(rng_next(v->ix) % (uint64_t)(c->nmem - k));
		t = c->perm[k];
		c->perm[k] = c->perm[j];
		c->perm[j] = t;
		ei = c->perm[k];
		e = &v->ex[ei];
		for (j = 0; j < e->nnuma; j++)
			if (e->numa[j].nfree >= rq->cores &&
			    e->numa[j].mem_mb >= rq->memory_mb)
				break;
		if (j < e->nnuma && dyn_ok(v, cp, ei, app)) {
			*node = j;
			return ei;
		}
	}
	return -1;
}

/* Take the resources of node j of executor ei and re-key its slots. */
static int
commit_place(struct pl_view *v, int ei, int j, int app,
    const struct pl_request *rq, struct pl_result *res)
{
	struct pl_index *ix = v->ix;
	struct pl_executor *e = &v->ex[ei];
	struct pl_numa *n = &e->numa[j];
	struct exx *xx = &ix->xx[ei];
	struct cls *c;
	int *cores, k, x;

	if (!(cores = malloc(rq->cores * sizeof(int))))
		return -1;
	if (count_add(e, rq->app_id) < 0 || cnt_add(ix, app, ei, 1) < 0) {
		free(cores);
		return -1;
	}
	free(res->cores);
	res->cores = cores;
	memcpy(cores, n->free, rq->cores * sizeof(int));
	res->ncores = rq->cores;
	memmove(n->free, n->free + rq->cores,
	    (n->nfree - rq->cores) * sizeof(int));
	n->nfree -= rq->cores;
	take_mem(n, rq->memory_mb);
	ix->apps[app].version++;
	for (k = 0; k < xx->nm; k++) {
		c = xx->m[k].c;
		c->version++;
		if (!c->has_tree)
			continue;
		x = xx->m[k].base + j;
		t_erase(c, x);
		c->kc[x] = slot_cores(v, c, x);
		c->km[x] = n->mem_mb;
		c->lc[x] = c->rc[x] = -1;
		t_insert(c, x);
	}
	snprintf(res->executor_id, sizeof res->executor_id, "%s", e->id);
	snprintf(res->hostname, sizeof res->hostname, "%s", e->hostname);
	res->numa = n->node;
	res->memory_mb = rq->memory_mb;
	return 0;
}

static struct cpol *
prepare(struct pl_view *v, const struct pl_request *rq, const json_t *env,
    char *why, size_t whylen)
{
	char err[PL_LABEL];
	struct cpol *cp;

	if (!rq->app_id || !*rq->app_id || rq->cores < 1 ||
	    rq->memory_mb < 0) {
		snprintf(why, whylen,
		    "request needs an appId, CPU count >= 1 and MEMORY >= 0");
		errno = EINVAL;
		return NULL;
	}
	if (ix_build(v) < 0)
		return NULL;
	if (!(cp = cpol_get(v, rq->policy, env, err))) {
		if (errno == EINVAL)
			snprintf(why, whylen, "invalid placementPolicy: %s",
			    err);
		return NULL;
	}
	return cp;
}

int
pl_place_env(struct pl_view *v, const struct pl_request *rq,
    const json_t *env, struct pl_result *res)
{
	struct cpol *cp;
	struct cls *c;
	int app, ei = -1, j = 0, x;

	res->why[0] = '\0';
	if (!(cp = prepare(v, rq, env, res->why, sizeof res->why)))
		return -1;
	if ((app = app_intern(v->ix, rq->app_id)) < 0)
		goto nomem;
	c = cp->c;
	if (v->ix->strategy == PL_FIRST_FIT)
		ei = pick_first(v, cp, app, rq, &j);
	else {
		if (cls_tree(v, c) < 0)
			goto nomem;
		x = v->ix->strategy == PL_SPREAD ?
		    pick_spread(v, cp, app, rq) : pick_best(v, cp, app, rq);
		if (x >= 0) {
			ei = c->sx[x];
			j = c->sn[x];
		}
	}
	if (ei < 0)
		return reasons(v, cp, app, rq, res);
	if (commit_place(v, ei, j, app, rq, res) < 0)
		goto nomem;
	return 1;
nomem:
	errno = ENOMEM;
	return -1;
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
	struct cpol *cp;
	long long cores = 0, mem = 0;
	int i, j, biggest = 0;

	if (whylen)
		why[0] = '\0';
	if (n < 0) {
		snprintf(why, whylen, "instance count must be >= 0");
		errno = EINVAL;
		return -1;
	}
	if (!(cp = prepare(v, rq, env, why, whylen)))
		return -1;
	if (!v->ix->nactive) {
		snprintf(why, whylen, "No executors on cluster");
		return 0;
	}
	for (i = 0; i < v->nex; i++) {
		e = &v->ex[i];
		if (strcmp(e->state, "ACTIVE"))
			continue;
		for (j = 0; j < e->nnuma; j++) {
			if (e->numa[j].total > biggest)
				biggest = e->numa[j].total;
			if (cp->st[i]) {
				cores += e->numa[j].nfree;
				mem += e->numa[j].mem_mb;
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
