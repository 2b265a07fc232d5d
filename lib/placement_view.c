/*
 * placement_view.c: the view's executors, their NUMA nodes and what is
 * held on them, and the instance counts per app (see placement_int.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "placement_int.h"

static const char *
ex_name(const void *arg, int i)
{
	return ((const struct pl_view *)arg)->ex[i].id;
}

static const char *
app_name(const void *arg, int i)
{
	return ((const struct pl_view *)arg)->apps[i].name;
}

struct pl_view *
pl_view_new(void)
{
	struct pl_view *v = calloc(1, sizeof *v);

	if (!v)
		return NULL;
	if (!(v->empty_env = json_object())) {
		free(v);
		return NULL;
	}
	v->sorted = 1;
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
	for (i = 0; i < e->nnuma; i++) {
		free(e->numa[i].cores);
		free(e->numa[i].holds);
	}
	free(e->numa);
	free(e->counts);
	json_decref(e->metadata);
	json_decref(e->rule_ctx);
	free(e->classes);
	memset(e, 0, sizeof *e);
}

void
pl_view_free(struct pl_view *v)
{
	int i;

	if (!v)
		return;
	pl_index_drop(v);
	for (i = 0; i < v->nex; i++)
		ex_free(&v->ex[i]);
	free(v->ex);
	pl_names_free(&v->ex_names);
	for (i = 0; i < v->napps; i++)
		free(v->apps[i].name);
	free(v->apps);
	pl_names_free(&v->app_names);
	for (i = 0; i < v->nrules; i++)
		pl_rule_free(v->rules[i]);
	free(v->rules);
	json_decref(v->empty_env);
	free(v);
}

int
pl_executor_index(const struct pl_view *v, const char *id)
{
	return pl_names_find(&v->ex_names, id, ex_name, v);
}

/* Index every executor by id again, after they moved; never allocates. */
static void
reindex_names(struct pl_view *v)
{
	int i;

	pl_names_clear(&v->ex_names);
	for (i = 0; i < v->nex; i++)
		(void)pl_names_add(&v->ex_names, pl_strhash(v->ex[i].id), i);
}

/* Apps and the instance counts per (executor, app). */

int
pl_app_index(const struct pl_view *v, const char *name)
{
	return pl_names_find(&v->app_names, name, app_name, v);
}

int
pl_app_intern(struct pl_view *v, const char *name)
{
	int k;

	if ((k = pl_app_index(v, name)) >= 0)
		return k;
	if (pl_grow(&v->apps, &v->aapps, v->napps + 1, sizeof *v->apps) < 0 ||
	    !(v->apps[v->napps].name = strdup(name)))
		return -1;
	if (pl_names_add(&v->app_names, pl_strhash(name), v->napps) < 0) {
		free(v->apps[v->napps].name);
		return -1;
	}
	v->apps[v->napps].version = 0;
	return v->napps++;
}

/* The first count of e with app >= app. */
static int
count_lower(const struct pl_executor *e, int app)
{
	int lo = 0, hi = e->ncounts, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (e->counts[mid].app < app)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
pl_count(const struct pl_executor *e, int app)
{
	int i = count_lower(e, app);

	return i < e->ncounts && e->counts[i].app == app ? e->counts[i].n : 0;
}

/* Counts never go below zero; a zero count is no entry.  0, -1 ENOMEM. */
int
pl_count_add(struct pl_view *v, int ei, int app, int delta)
{
	struct pl_executor *e = &v->ex[ei];
	struct pl_app_count *c;
	int i = count_lower(e, app);

	v->apps[app].version++;
	if (i < e->ncounts && e->counts[i].app == app) {
		c = &e->counts[i];
		if ((c->n += delta) > 0)
			return 0;
		memmove(c, c + 1, (e->ncounts - i - 1) * sizeof *c);
		e->ncounts--;
		return 0;
	}
	if (delta <= 0)
		return 0;
	if (pl_grow(&e->counts, &e->acounts, e->ncounts + 1,
	    sizeof *e->counts) < 0)
		return -1;
	c = &e->counts[i];
	memmove(c + 1, c, (e->ncounts - i) * sizeof *c);
	c->app = app;
	c->n = delta;
	e->ncounts++;
	return 0;
}

/* NUMA nodes: cores held or free, memory held. */

static struct pl_numa *
numa_find(const struct pl_executor *e, int id)
{
	int i;

	for (i = 0; i < e->nnuma; i++)
		if (e->numa[i].id == id)
			return &e->numa[i];
	return NULL;
}

static struct pl_numa *
numa_get(struct pl_executor *e, int id)
{
	struct pl_numa *n;

	if ((n = numa_find(e, id)))
		return n;
	n = realloc(e->numa, (e->nnuma + 1) * sizeof *n);
	if (!n)
		return NULL;
	e->numa = n;
	n = &e->numa[e->nnuma++];
	memset(n, 0, sizeof *n);
	n->id = id;
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

/*
 * The position of core id in the layout of n, one with holds if
 * want_held, else one without if there is one (a layout may repeat an
 * id); -1 if the layout does not have it.
 */
static int
core_pos(const struct pl_numa *n, int id, int want_held)
{
	int lo = 0, hi = n->ncores, mid, i;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (n->cores[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == n->ncores || n->cores[lo] != id)
		return -1;
	for (i = lo; i < n->ncores && n->cores[i] == id; i++)
		if ((n->holds[i] > 0) == want_held)
			return i;
	return lo;
}

static void
hold_core(struct pl_numa *n, int id)
{
	int i = core_pos(n, id, 0);

	if (i >= 0 && n->holds[i]++ == 0)
		n->nfree--;
}

static void
release_core(struct pl_numa *n, int id)
{
	int i = core_pos(n, id, 1);

	if (i >= 0 && n->holds[i] > 0 && --n->holds[i] == 0)
		n->nfree++;
}

/* Hold the k lowest free cores of n (k <= nfree); their ids in ids. */
void
pl_numa_take_lowest(struct pl_numa *n, int k, int *ids)
{
	int i, m = 0;

	for (i = 0; i < n->ncores && m < k; i++)
		if (!n->holds[i]) {
			n->holds[i] = 1;
			ids[m++] = n->cores[i];
		}
	n->nfree -= m;
}

static long long
mb_held_by(const struct pl_numa *n, long long mb)
{
	return mb < 0 ? 0 : mb > n->layout_mb ? n->layout_mb : mb;
}

static void
set_free_mb(struct pl_numa *n)
{
	n->free_mb = n->held_mb < n->layout_mb ? n->layout_mb - n->held_mb : 0;
}

void
pl_numa_hold_mb(struct pl_numa *n, long long mb)
{
	n->held_mb += mb_held_by(n, mb);
	set_free_mb(n);
}

static void
release_mb(struct pl_numa *n, long long mb)
{
	n->held_mb -= mb_held_by(n, mb);
	if (n->held_mb < 0)
		n->held_mb = 0;
	set_free_mb(n);
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
	return cmp_int(&((const struct pl_numa *)a)->id,
	    &((const struct pl_numa *)b)->id);
}

/* cores: {"<node>":[ids]}, memory: {"<node>":mb} */
static int
load_layout(struct pl_executor *e, const json_t *cores, const json_t *mem)
{
	const char *key;
	json_t *val, *id;
	struct pl_numa *n;
	size_t i, size;
	int node;

	json_object_foreach(pl_rd(cores), key, val) {
		if (numa_key(key, &node) < 0 || !json_is_array(val))
			goto bad;
		if (!(n = numa_get(e, node)))
			return -1;
		free(n->cores);
		free(n->holds);
		size = json_array_size(val);
		n->ncores = n->nfree = 0;
		n->cores = malloc((size + 1) * sizeof(int));
		n->holds = calloc(size + 1, sizeof(int));
		if (!n->cores || !n->holds)
			return -1;
		json_array_foreach(val, i, id) {
			if (!json_is_integer(id))
				goto bad;
			n->cores[n->ncores++] = (int)json_integer_value(id);
		}
		if (n->ncores)
			qsort(n->cores, n->ncores, sizeof(int), cmp_int);
		n->nfree = n->ncores;
	}
	json_object_foreach(pl_rd(mem), key, val) {
		if (numa_key(key, &node) < 0 || !json_is_integer(val))
			goto bad;
		if (!(n = numa_get(e, node)))
			return -1;
		n->layout_mb = json_integer_value(val);
		if (n->layout_mb < 0)
			n->layout_mb = 0;
		set_free_mb(n);
	}
	if (e->nnuma)
		qsort(e->numa, e->nnuma, sizeof *e->numa, cmp_numa);
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

static int
untagged(const struct pl_executor *e)
{
	int i;

	for (i = 0; i < e->ntags; i++)
		if (strcmp(e->tags[i], e->hostname))
			return 0;
	return 1;
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
	e->active = !strcmp(e->state, "ACTIVE");
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
	e->untagged = untagged(e);
	return load_layout(e, cores, mem);
bad:
	errno = EINVAL;
	return -1;
}

int
pl_view_add_node(struct pl_view *v, const char *executor_id,
    const json_t *node)
{
	struct pl_executor e;
	int saved;

	memset(&e, 0, sizeof e);
	if (ex_fill(&e, executor_id, node) < 0) {
		saved = errno;
		ex_free(&e);
		errno = saved;
		return -1;
	}
	if (pl_executor_index(v, e.id) >= 0) {
		ex_free(&e);
		errno = EEXIST;
		return -1;
	}
	if (pl_grow(&v->ex, &v->aex, v->nex + 1, sizeof *v->ex) < 0 ||
	    pl_names_add(&v->ex_names, pl_strhash(e.id), v->nex) < 0) {
		ex_free(&e);
		errno = ENOMEM;
		return -1;
	}
	pl_index_drop(v);
	if (v->nex && strcmp(v->ex[v->nex - 1].id, e.id) > 0)
		v->sorted = 0;
	v->nactive += e.active;
	v->ex[v->nex++] = e;
	return 0;
}

int
pl_view_remove_node(struct pl_view *v, const char *executor_id)
{
	int ei = pl_executor_index(v, executor_id);

	if (ei < 0) {
		errno = ENOENT;
		return -1;
	}
	pl_index_drop(v);
	v->nactive -= v->ex[ei].active;
	ex_free(&v->ex[ei]);
	memmove(&v->ex[ei], &v->ex[ei + 1],
	    (v->nex - ei - 1) * sizeof *v->ex);
	v->nex--;
	reindex_names(v);
	return 0;
}

static int
cmp_ex(const void *a, const void *b)
{
	return strcmp(((const struct pl_executor *)a)->id,
	    ((const struct pl_executor *)b)->id);
}

/* Before the index is built: executors in executorId order. */
void
pl_view_sort(struct pl_view *v)
{
	if (v->sorted)
		return;
	qsort(v->ex, v->nex, sizeof *v->ex, cmp_ex);
	reindex_names(v);
	v->sorted = 1;
}

/* Holding and releasing assignments. */

/*
 * 1 if the assignment's resources are held on e: some of the cores it
 * lists (on nodes of the layout) are, or it lists none.
 */
static int
assignment_held(const struct pl_executor *e, const json_t *res)
{
	json_t *r, *val, *id;
	const char *key;
	struct pl_numa *n;
	size_t i, j;
	int node, pos, listed = 0;

	json_array_foreach(res, i, r) {
		if (strcmp(js_str(r, "type", ""), "CPU"))
			continue;
		json_object_foreach(json_object_get(r, "cores"), key, val) {
			if (numa_key(key, &node) < 0 ||
			    !(n = numa_find(e, node)))
				continue;
			json_array_foreach(val, j, id) {
				if (!json_is_integer(id) || (pos = core_pos(n,
				    (int)json_integer_value(id), 1)) < 0)
					continue;
				if (n->holds[pos] > 0)
					return 1;
				listed++;
			}
		}
	}
	return !listed;
}

static void
apply_cores(struct pl_numa *n, const json_t *ids, int dir)
{
	json_t *id;
	size_t i;

	json_array_foreach(pl_rd(ids), i, id) {
		if (!json_is_integer(id))
			continue;
		if (dir > 0)
			hold_core(n, (int)json_integer_value(id));
		else
			release_core(n, (int)json_integer_value(id));
	}
}

/* Take (dir 1) or give back (dir -1) the resources of an assignment. */
static void
apply_resources(struct pl_view *v, int ei, const json_t *res, int dir)
{
	struct pl_executor *e = &v->ex[ei];
	json_t *r, *per_node, *val;
	const char *key, *type;
	struct pl_numa *n;
	size_t i;
	int node, cpu;

	json_array_foreach(res, i, r) {
		type = js_str(r, "type", "");
		if ((cpu = !strcmp(type, "CPU")))
			per_node = json_object_get(r, "cores");
		else if (!strcmp(type, "MEMORY"))
			per_node = json_object_get(r, "memoryInMB");
		else
			continue;
		json_object_foreach(per_node, key, val) {
			if (numa_key(key, &node) < 0 ||
			    !(n = numa_find(e, node)))
				continue;
			if (cpu)
				apply_cores(n, val, dir);
			else if (dir > 0)
				pl_numa_hold_mb(n, json_integer_value(val));
			else
				release_mb(n, json_integer_value(val));
			pl_index_node_changed(v, ei, (int)(n - e->numa));
		}
	}
}

int
pl_view_hold(struct pl_view *v, const char *executor_id,
    const json_t *assignment)
{
	const char *app_id = js_str(assignment, "appId", NULL);
	int ei = pl_executor_index(v, executor_id), app;

	if (ei < 0) {
		errno = ENOENT;
		return -1;
	}
	if (app_id && ((app = pl_app_intern(v, app_id)) < 0 ||
	    pl_count_add(v, ei, app, 1) < 0)) {
		errno = ENOMEM;
		return -1;
	}
	apply_resources(v, ei, json_object_get(assignment, "resources"), 1);
	return 0;
}

int
pl_view_release(struct pl_view *v, const char *executor_id,
    const json_t *assignment)
{
	const json_t *res = json_object_get(assignment, "resources");
	const char *app_id = js_str(assignment, "appId", NULL);
	int ei = pl_executor_index(v, executor_id), app;

	if (ei < 0) {
		errno = ENOENT;
		return -1;
	}
	if (!assignment_held(&v->ex[ei], res))
		return 0;
	if (app_id && (app = pl_app_index(v, app_id)) >= 0)
		(void)pl_count_add(v, ei, app, -1);	/* never allocates */
	apply_resources(v, ei, res, -1);
	return 0;
}

/* Strategies. */

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
	v->strategy = strategy;
	v->seed = seed;
	v->rng = pl_mix64(seed ^ 0x5eed5eedULL);
	return 0;
}

uint64_t
pl_rng_next(struct pl_view *v)
{
	v->rng += 0x9e3779b97f4a7c15ULL;
	return pl_mix64(v->rng);
}

/* Read-only accessors. */

int
pl_view_executors(const struct pl_view *v)
{
	return v->nex;
}

static const struct pl_numa *
numa_of(const struct pl_view *v, const char *executor_id, int numa)
{
	int ei = pl_executor_index(v, executor_id);
	const struct pl_numa *n = ei < 0 ? NULL : numa_find(&v->ex[ei], numa);

	if (!n)
		errno = ENOENT;
	return n;
}

int
pl_view_free_cores(const struct pl_view *v, const char *executor_id,
    int numa)
{
	const struct pl_numa *n = numa_of(v, executor_id, numa);

	return n ? n->nfree : -1;
}

long long
pl_view_free_memory(const struct pl_view *v, const char *executor_id,
    int numa)
{
	const struct pl_numa *n = numa_of(v, executor_id, numa);

	return n ? n->free_mb : -1;
}

int
pl_view_app_count(const struct pl_view *v, const char *executor_id,
    const char *app_id)
{
	int ei = pl_executor_index(v, executor_id), app;

	if (ei < 0) {
		errno = ENOENT;
		return -1;
	}
	app = pl_app_index(v, app_id);
	return app < 0 ? 0 : pl_count(&v->ex[ei], app);
}
