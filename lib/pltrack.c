/* pltrack: see pltrack.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pltrack.h"
#include "record.h"
#include "snapshot.h"

struct pltrack {
	struct view *v;
	int strategy;
	unsigned long long seed;
	struct pl_view *pv;	/* NULL: build at the next plt_view() */
	json_t *held;		/* {instanceId: executorId} held in pv */
	json_t *warnings;
};

struct pltrack *
plt_new(struct view *v, int strategy, unsigned long long seed)
{
	struct pltrack *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	t->v = v;
	t->strategy = strategy;
	t->seed = seed;
	if (!(t->held = json_object()) || !(t->warnings = json_array())) {
		plt_free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

void
plt_free(struct pltrack *t)
{
	if (!t)
		return;
	pl_view_free(t->pv);
	json_decref(t->held);
	json_decref(t->warnings);
	free(t);
}

void
plt_reset(struct pltrack *t)
{
	pl_view_free(t->pv);
	t->pv = NULL;
	json_object_clear(t->held);
}

json_t *
plt_warnings(struct pltrack *t)
{
	return t->warnings;
}

static int
mark_held(struct pltrack *t, const char *iid, const char *eid)
{
	return json_object_set_new(t->held, iid, json_string(eid));
}

/* Hold every assignment the view shows on eid that is not held yet. */
static int
hold_all(struct pltrack *t, const char *eid)
{
	const char *iid;
	json_t *a;

	json_object_foreach(view_assignments(t->v, eid), iid, a) {
		if (json_object_get(t->held, iid))
			continue;
		if (pl_view_hold(t->pv, eid, a) < 0 && errno != ENOENT)
			return -1;
		if (mark_held(t, iid, eid) < 0)
			return -1;
	}
	return 0;
}

/* Forget what was held on eid. */
static void
forget(struct pltrack *t, const char *eid)
{
	const char *iid;
	json_t *x;
	void *tmp;

	json_object_foreach_safe(t->held, tmp, iid, x)
		if (!strcmp(json_string_value(x), eid))
			json_object_del(t->held, iid);
}

struct pl_view *
plt_view(struct pltrack *t, int *built)
{
	json_t *snap, *as, *w;
	const char *eid, *iid;
	json_t *on, *a;
	size_t i;

	if (built)
		*built = !t->pv;
	if (t->pv)
		return t->pv;
	json_object_clear(t->held);
	json_array_clear(t->warnings);
	as = json_object_get(view_snapshot(t->v), "assignments");
	snap = json_pack("{s:O, s:O, s:[]}", "executors",
	    view_executors(t->v) ? view_executors(t->v) : json_object(),
	    "assignments", as ? as : json_object(), "warnings");
	if (!snap || !(t->pv = snap_view(snap)) ||
	    pl_view_set_strategy(t->pv, t->strategy, t->seed) < 0)
		goto fail;
	json_array_foreach(json_object_get(snap, "warnings"), i, w)
		json_array_append(t->warnings, w);
	json_object_foreach(as, eid, on)
		json_object_foreach(on, iid, a)
			if (mark_held(t, iid, eid) < 0)
				goto fail;
	json_decref(snap);
	return t->pv;
fail:
	json_decref(snap);
	plt_reset(t);
	errno = ENOMEM;
	return NULL;
}

int
plt_placed(struct pltrack *t, const char *instance_id,
    const char *executor_id)
{
	if (mark_held(t, instance_id, executor_id) < 0) {
		plt_reset(t);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int
plt_change(struct pltrack *t, const struct view_change *c)
{
	const char *where;

	if (c->kind == VIEW_K_EXECUTOR || c->kind == VIEW_K_BLACKLIST) {
		json_t *node, *bl;
		int r;

		if (!t->pv)
			return 1;
		/* an executor that changed, or its blacklisting, is removed
		 * and added again */
		node = view_executor(t->v, c->executor_id);
		bl = json_object_get(view_blacklist(t->v), c->executor_id);
		if ((c->old || c->kind == VIEW_K_BLACKLIST) &&
		    pl_view_remove_node(t->pv, c->executor_id) < 0 &&
		    errno != ENOENT)
			goto fail;
		forget(t, c->executor_id);
		if (node) {
			json_t *eff = rec_executor_effective(node, bl);

			if (!eff)
				goto fail;
			r = pl_view_add_node(t->pv, c->executor_id, eff);
			json_decref(eff);
			if (r < 0) {
				if (errno == ENOMEM)
					goto fail;
				/* refused (no layout): left out, as a build
				 * would */
				return 1;
			}
			if (hold_all(t, c->executor_id) < 0)
				goto fail;
		}
		return 1;
	}
	if (c->kind != VIEW_K_ASSIGNMENT || !t->pv)
		return c->kind == VIEW_K_ASSIGNMENT && !c->now;
	if (c->now && !c->old) {
		if (json_object_get(t->held, c->id))
			return 0;	/* placed here, or held at add */
		if (pl_view_hold(t->pv, c->executor_id, c->now) < 0) {
			if (errno != ENOENT)
				goto fail;
			return 0;	/* on an executor not in the view */
		}
		if (mark_held(t, c->id, c->executor_id) < 0)
			goto fail;
		return 0;
	}
	if (c->now)		/* targetState changed: resources did not */
		return 0;
	where = json_string_value(json_object_get(t->held, c->id));
	if (!where)
		return 0;
	if (pl_view_release(t->pv, where, c->old) < 0 && errno != ENOENT)
		goto fail;
	json_object_del(t->held, c->id);
	return 1;
fail:
	plt_reset(t);
	return 1;
}
